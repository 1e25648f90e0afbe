#!/usr/bin/env bash
# How GitOps engines see tasks, tested with the engines' own code (hack/gitops/go.mod pins them): kstatus of
# sigs.k8s.io/cli-utils (what Flux's `wait: true` and health checks poll) and docs/argocd-health.lua in the
# gopher-lua VM Argo CD uses, set up as Argo CD sets it up, on tasks in every phase as the operator wrote
# them (testdata/tasks, from capture-tasks.sh), which the API server of $KUBECONFIG must store unchanged.
# The test binary is built once per content of the module into the cache that CI keeps
# ($DEADLETTER_CACHE/k8s/gitops/<hash>/, cold build 2-5 min on 2 cores, then none; the run takes seconds).
# Last line: "gitops: N passed, N failed".
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${DEADLETTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/deadletter-operator}
hash=$(cat "$here"/go.mod "$here"/go.sum "$here"/*.go | sha256sum | cut -c1-16)
binary="$cache/k8s/gitops/$hash/gitops.test"

if [[ ! -x "$binary" ]]; then
  echo "gitops: building the test binary (kstatus, gopher-lua, client-go) into $binary" >&2
  start=$SECONDS
  rm -rf "$cache/k8s/gitops" # older builds
  mkdir -p "$(dirname "$binary")"
  (cd "$here" && GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-mod=readonly -buildvcs=false" \
    go test -c -trimpath -o "$binary.new" .)
  mv "$binary.new" "$binary"
  echo "gitops: built in $((SECONDS - start))s" >&2
fi

# The tests read testdata/ and ../../docs relative to the package directory, as `go test` runs them.
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
(cd "$here" && "$binary" -test.count=1 -test.v) >"$out" 2>&1 || status=$?
grep -E '^\s*--- (PASS|FAIL|SKIP)|^\s+\S+_test\.go:[0-9]+:' "$out" || true
# Counts the tests that have no subtests, and each subtest.
count() { awk -v r="$1" '$1 == "---" { n[$3] = $2 } END { for (t in n) { leaf = 1
  for (u in n) if (index(u, t "/") == 1) leaf = 0; if (leaf && n[t] == r ":") c++ } print c + 0 }' "$out"; }
passed=$(count PASS)
failed=$(count FAIL)
if ((status != 0 && failed == 0)); then cat "$out"; failed=1; fi # it broke before any test ended
echo "gitops: $passed passed, $failed failed"
((status == 0))
