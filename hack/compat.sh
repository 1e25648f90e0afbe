#!/usr/bin/env bash
# Compatibility runs against older Kubernetes control planes, built from Go modules like the current one.
#
#   hack/compat.sh VERSION...     e.g. hack/compat.sh 1.30 1.33 1.37: for each, a private local cluster of
#                                 that version, then the cluster smoke test, the Helm tests and the E2E core
#   hack/compat.sh pin VERSION    write hack/compat/vX.Y/go.mod and go.sum for an exact release, e.g. v1.31.14
#
# A VERSION is a minor (1.30) or the exact release its module pins (v1.30.14). The current minor uses
# hack/k8s (the version CI tests); older ones hack/compat/vX.Y, which pins only k8s.io/kubernetes: etcd, kwok,
# helm and the repository's tools stay those of hack/k8s. The binaries are cached in
# $DEADLETTER_CACHE/k8s/<version>/bin (see hack/cluster.sh); a cold build takes tens of minutes each.
#
# The cluster is private (its own directory and ports; override with the DEADLETTER_* variables of
# hack/cluster.sh), so a running shared cluster is left alone. E2E classes: DEADLETTER_COMPAT_E2E (comma-
# separated). Logs: $DEADLETTER_CACHE/compat/<version>/<step>.log. Exits non-zero if any step failed; the last
# line reads "compat: N passed, N failed" (steps).
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo" || exit 1
cache=${DEADLETTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/deadletter-operator}
current_module="$repo/hack/k8s"
e2e=${DEADLETTER_COMPAT_E2E:-RetryLifecycleE2E,DeadLetterStoreE2E,RoundsE2E,MutationE2E,WorkloadHintsE2E,OperatorProcessE2E}

export DEADLETTER_CLUSTER_DIR=${DEADLETTER_CLUSTER_DIR:-$cache/compat-cluster}
export DEADLETTER_ETCD_PORT=${DEADLETTER_ETCD_PORT:-23890}
export DEADLETTER_API_PORT=${DEADLETTER_API_PORT:-16543}
export DEADLETTER_KCM_PORT=${DEADLETTER_KCM_PORT:-20357}
export DEADLETTER_SCHEDULER_PORT=${DEADLETTER_SCHEDULER_PORT:-20359}
export DEADLETTER_KWOK_PORT=${DEADLETTER_KWOK_PORT:-20347}

log() { echo "compat: $*" >&2; }
kubernetes_of() { awk '$1=="k8s.io/kubernetes" && $2 ~ /^v/ {print $2; exit}' "$1/go.mod"; }
minor_of() { echo "$1" | sed -E 's/^v?([0-9]+\.[0-9]+).*/\1/'; }

# pin vX.Y.Z: a module requiring k8s.io/kubernetes at that release, with the replace directives its staging
# modules need (k8s.io/kubernetes replaces them with ./staging; a dependent takes the published v0.Y.Z).
cmd_pin() {
  local version=${1:?usage: compat.sh pin vX.Y.Z}
  [[ "$version" =~ ^v1\.[0-9]+\.[0-9]+$ ]] || { log "pin needs an exact release such as v1.30.14"; exit 2; }
  local dir staging="v0.${version#v1.}" mod
  dir="$repo/hack/compat/v$(minor_of "$version")"
  export GOTOOLCHAIN=local GOFLAGS=-mod=mod
  mod=$(go mod download -json "k8s.io/kubernetes@$version" | awk -F'"' '$2=="GoMod" {print $4}')
  [[ -f "$mod" ]] || { log "the Go module proxy does not serve k8s.io/kubernetes@$version"; exit 1; }
  mkdir -p "$dir"
  {
    echo "// The control plane of Kubernetes $version for hack/compat.sh (written by 'hack/compat.sh pin $version')."
    echo "module deadletter.dev/hack/compat/v$(minor_of "$version")"
    echo
    echo "go $(go env GOVERSION | sed -E 's/^go([0-9]+\.[0-9]+).*/\1/').0"
    echo
    echo "require k8s.io/kubernetes $version"
    echo
    echo "replace ("
    sed -n '/^replace (/,/^)/p' "$mod" | awk -v v="$staging" '$2=="=>" && $3 ~ /^\.\/staging/ {printf "\t%s => %s %s\n", $1, $1, v}'
    echo ")"
    echo
    echo "tool ("
    for cmd in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
      printf '\tk8s.io/kubernetes/cmd/%s\n' "$cmd"
    done
    echo ")"
  } >"$dir/go.mod"
  rm -f "$dir/go.sum"
  (cd "$dir" && go mod tidy)
  log "pinned $version in $dir (commit go.mod and go.sum)"
}

# module_for VERSION: the module directory whose control plane is that version.
module_for() {
  local minor dir
  minor=$(minor_of "$1")
  if [[ "$minor" == "$(minor_of "$(kubernetes_of "$current_module")")" ]]; then
    dir=$current_module
  else
    dir="$repo/hack/compat/v$minor"
    [[ -f "$dir/go.mod" ]] || { log "no module for Kubernetes $minor: hack/compat.sh pin v$minor.PATCH"; return 1; }
  fi
  if [[ "$1" =~ ^v?[0-9]+\.[0-9]+\.[0-9]+$ && "v${1#v}" != "$(kubernetes_of "$dir")" ]]; then
    log "$dir pins $(kubernetes_of "$dir"), not $1"
    return 1
  fi
  echo "$dir"
}

results=()
passed=0 failed=0

# step VERSION NAME COMMAND...: runs one step with its output in a log; records its result and duration.
step() {
  local version=$1 name=$2; shift 2
  local logfile="$cache/compat/$version/$name.log" start=$SECONDS rc summary
  mkdir -p "$(dirname "$logfile")"
  log "$version: $name (log: $logfile)"
  "$@" >"$logfile" 2>&1
  rc=$?
  # The counts the step printed: "N passed, N failed" of the shell tests, or Maven's totals.
  summary=$(grep -E '^[a-z]+: [0-9]+ passed, [0-9]+ failed|^\[[A-Z]+\] Tests run: [0-9]+, .*[0-9]$' "$logfile" |
    tail -n 1 | sed -E 's/^\[[A-Z]+\] //')
  if ((rc == 0)); then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  results+=("$(printf '%-10s %-8s %-5s %5ss  %s' "$version" "$name" "$([[ $rc == 0 ]] && echo ok || echo FAIL)" \
    "$((SECONDS - start))" "$summary")")
  return "$rc"
}

e2e_core() {
  eval "$(hack/cluster.sh env)"
  mvn -B -ntp verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false -Dskip.it -Dit.test="$e2e"
}

# run VERSION: build, start, test and stop the cluster of one version.
run() {
  local module version
  module=$(module_for "$1") || { failed=$((failed + 1)); results+=("$(printf '%-10s no module' "$1")"); return; }
  export DEADLETTER_K8S_MODULE=$module
  version=$(kubernetes_of "$module")
  step "$version" build hack/cluster.sh build || return
  local size
  size=$(du -sh "$cache/k8s/$version/bin" | cut -f1)
  results+=("$(printf '%-10s %-8s %s in %s' "$version" disk "$size" "$cache/k8s/$version/bin")")
  if step "$version" up hack/cluster.sh up; then
    step "$version" smoke hack/cluster/smoke-test.sh
    step "$version" helm helm/tests/run.sh
    step "$version" e2e e2e_core
  fi
  hack/cluster.sh down >/dev/null 2>&1
}

main() {
  (($#)) || { sed -n '2,17p' "$0"; exit 2; }
  if [[ "$1" == pin ]]; then shift; cmd_pin "$@"; exit; fi
  # The Helm tests run the operator jar (and the E2Es start it as a process): build it once for all versions.
  mkdir -p "$cache"
  log "building the operator jar"
  mvn -B -ntp -q package -DskipTests >"$cache/compat-package.log" 2>&1 ||
    { log "mvn package failed: $cache/compat-package.log"; exit 1; }
  local version
  for version in "$@"; do run "$version"; done
  printf '%s\n' "${results[@]}"
  echo "compat: $passed passed, $failed failed"
  ((failed == 0))
}

main "$@"
