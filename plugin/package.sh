#!/usr/bin/env bash
# Builds the plugin's release archive and its krew manifest: OUT/kubectl-deadletter.tar.gz (the plugin, its
# completion and the LICENSE) and OUT/deadletter.yaml (plugins/deadletter.yaml with the archive's sha256).
# The archive is reproducible (GNU tar: sorted, fixed times and owners; gzip without a name or time), so
# the same commit gives the same digest.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: plugin/package.sh OUT_DIR}
mkdir -p "$out"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
install -m 0755 "$repo/plugin/kubectl-deadletter" "$repo/plugin/kubectl_complete-deadletter" "$stage/"
install -m 0644 "$repo/LICENSE" "$stage/"
tar -C "$stage" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - \
  LICENSE kubectl-deadletter kubectl_complete-deadletter | gzip -9n >"$out/kubectl-deadletter.tar.gz"
digest=$(sha256sum "$out/kubectl-deadletter.tar.gz" | cut -c1-64)
sed "s/^\( *sha256: \).*/\1\"$digest\"/" "$repo/plugins/deadletter.yaml" >"$out/deadletter.yaml"
grep -q "sha256: \"$digest\"" "$out/deadletter.yaml" || { echo "no sha256 line in plugins/deadletter.yaml" >&2; exit 1; }
echo "$out/kubectl-deadletter.tar.gz sha256 $digest"
