#!/usr/bin/env bash
# Lints the GitHub workflows in .github/workflows with actionlint (syntax, expressions, action inputs, script
# injection), since they cannot run here. actionlint is pinned in hack/tools/go.mod and built into the
# control plane's cache by `hack/cluster.sh build`. With shellcheck on PATH (installed here when apt-get can,
# as GitHub's runners have it) actionlint also checks the workflows' `run:` scripts.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
eval "$(hack/cluster.sh env)"
if ! command -v actionlint >/dev/null; then
  echo "lint-workflows: actionlint is not in the cache yet: run hack/cluster.sh build" >&2
  exit 1
fi
if ! command -v shellcheck >/dev/null; then
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck; } >/dev/null 2>&1 || true
  command -v shellcheck >/dev/null || echo "lint-workflows: no shellcheck, so run: scripts are not checked" >&2
fi
workflows=(.github/workflows/*.yml)
actionlint -no-color "${workflows[@]}"
echo "workflows: ${#workflows[@]} linted by actionlint $(actionlint -version | head -1)"
