#!/usr/bin/env bash
# Builds the operator's OCI image without a Docker daemon, as target/image/deadletter-operator.oci.tar
# (an OCI image layout in a tar: `skopeo copy oci-archive:...`, `podman load -i ...`).
#
# The same image as the Dockerfile: the base file system from hack/image/base.sh (cached by its inputs),
# then the layers and the config of the Dockerfile's final stage, read by hack/image/dockerfile.py. Labels:
# version from pom.xml, revision the git commit, created the commit's time, which is also every file's mtime,
# so the same commit, JDK and Debian packages give the same image digest.
# Needs target/deadletter-operator.jar and target/lib (mvn -B package -DskipTests), apt-get, python3.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
cache=${DEADLETTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/deadletter-operator}/image
out=target/image
log() { echo "image: $*" >&2; }

[[ -f target/deadletter-operator.jar && -d target/lib ]] ||
  { log "target/deadletter-operator.jar is missing: run mvn -B package -DskipTests"; exit 1; }

# apt-get download needs the package lists (a fresh machine may have none).
if apt-cache policy libc6 | grep -qE 'Candidate: (\(none\))?$'; then apt-get update -qq || sudo apt-get update -qq; fi

# The base, cached under a key of everything it is made of: the script, the module and package lists, the
# JDK's package version and the Debian candidates' versions.
arch=$(dpkg --print-architecture)
packages=$(sed 's/#.*//; /^[[:space:]]*$/d' hack/image/debian-packages)
base_key=$({ cat hack/image/base.sh hack/image/modules hack/image/debian-packages
  dpkg-query -W -f '${Version}\n' "openjdk-17-jdk-headless:$arch"
  for p in $packages; do apt-cache policy "$p:$arch" | awk '$1 == "Candidate:"'; done; } | sha256sum | cut -c1-16)
base="$cache/base-$base_key"
if [[ ! -d "$base" ]]; then
  log "building the base (jlink and Debian libraries) into $base"
  rm -rf "$cache"/base-* && mkdir -p "$base.tmp"
  hack/image/base.sh "$base.tmp/rootfs" "$cache/debs" > "$base.tmp/packages.txt"
  mv "$base.tmp" "$base"
fi

version=$(python3 -c 'import sys, xml.etree.ElementTree as t
print(t.parse("pom.xml").getroot().findtext("{http://maven.apache.org/POM/4.0.0}version"))')
revision=$(git rev-parse HEAD)
created=$(date -u -d "@$(git log -1 --format=%ct)" +%Y-%m-%dT%H:%M:%SZ)
[[ -z "$(git status --porcelain --untracked-files=no)" ]] ||
  log "warning: the work tree has uncommitted changes; the revision label names $revision"

mkdir -p "$out"
spec="$out/dockerfile.json"
hack/image/dockerfile.py Dockerfile "VERSION=$version" "REVISION=$revision" "CREATED=$created" > "$spec"
# The Dockerfile's COPY lines as layers: base:/rootfs/ is the base built above, build:/src/target/X is target/X.
layers=$(python3 - "$spec" "$base/rootfs" <<'PY'
import json, sys
spec, base = json.load(open(sys.argv[1])), sys.argv[2]
for c in spec["copies"]:
    if c["from"] == "base" and c["src"] == "/rootfs/":
        print(f'{base}={c["dest"]}')
    elif c["from"] == "build" and c["src"].startswith("/src/target/"):
        print(f'target/{c["src"][len("/src/target/"):]}={c["dest"]}')
    else:
        sys.exit(f"image.sh: no source for COPY --from={c['from']} {c['src']}")
PY
)
python3 - "$spec" "$arch" "$version" "$created" > "$out/image.json" <<'PY'
import json, sys
spec, arch, version, created = json.load(open(sys.argv[1])), *sys.argv[2:]
print(json.dumps({"config": spec["config"], "architecture": arch, "created": created, "refName": version}))
PY
mapfile -t layer_args <<< "$layers"
result=$(hack/image/oci-archive.py "$out/deadletter-operator.oci.tar" "$out/image.json" "${layer_args[@]}")
cp "$base/packages.txt" "$out/debian-packages.txt"
log "$out/deadletter-operator.oci.tar ($version, $arch): $result"
log "tar $(du -h "$out/deadletter-operator.oci.tar" | cut -f1); Debian packages in $out/debian-packages.txt"
