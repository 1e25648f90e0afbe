#!/usr/bin/env bash
# Retry storm: N tasks whose dependency is down for OUTAGE seconds, with and without a RetryBudget.
#
#   bench/storm.sh [--tasks 300] [--outage 120] [--budget FILE] [--case NAME] [--results NAME] [--jar JAR]
#   bench/storm.sh --plot NAME        only redraw docs/storm-retries.png from bench/results/NAME/*/
#
# Starts (or reuses) a PRIVATE local cluster (hack/cluster.sh; its own directory and ports, below), runs the
# operator jar as a separate process watching only the namespace `storm`, creates the tasks there (labelled
# `dependency: db`, pods annotated sim.deadletter.dev/fail-until = creation + OUTAGE, retry policy
# maxAttempts 50, backoff 5s doubling to 30s, jitter 0.5), applies --budget (a RetryBudget YAML) first if given,
# and waits until every task has Succeeded or DeadLettered (or --timeout, default 3600 s). bench/storm.py
# measures from the cluster's audit log; raw data goes to bench/results/NAME/CASE/ (NAME default
# storm-<date>, CASE default no-budget, or budget-<file name>), and docs/storm-retries.png is redrawn from
# every case in bench/results/NAME/ (so run it once without and once with --budget, same --results).
#
# Options: --tasks N  --outage S  --budget FILE (e.g. bench/storm-budget.yaml; the operator then runs unsharded, so
#   that it writes the budget's status and Events)  --case NAME  --results NAME  --timeout S  --jar JAR (default:
#   build this tree into bench/.build-storm)  --keep (leave the namespace and tasks)  --keep-cluster (leave a
#   cluster this run started)  --initial-delay 5s --max-delay 30s --jitter 0.5 --max-attempts 50
#   --operator-env KEY=VALUE  --kcm-qps N (start the cluster with kube-controller-manager --kube-api-qps N, burst
#   2N; only when this run starts it: its default 20/30 caps how fast failed Jobs are marked Failed, and so the storm)
# Cluster (env): STORM_CLUSTER_DIR (~/.cache/deadletter-operator/cluster-storm), STORM_API_PORT 16543,
#   STORM_ETCD_PORT 23890, STORM_KCM_PORT 20357, STORM_SCHEDULER_PORT 20359, STORM_KWOK_PORT 20347.
set -euo pipefail

bench=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$bench/.." && pwd)
export DEADLETTER_CLUSTER_DIR=${STORM_CLUSTER_DIR:-$HOME/.cache/deadletter-operator/cluster-storm}
export DEADLETTER_API_PORT=${STORM_API_PORT:-16543} DEADLETTER_ETCD_PORT=${STORM_ETCD_PORT:-23890}
export DEADLETTER_KCM_PORT=${STORM_KCM_PORT:-20357} DEADLETTER_SCHEDULER_PORT=${STORM_SCHEDULER_PORT:-20359}
export DEADLETTER_KWOK_PORT=${STORM_KWOK_PORT:-20347}

results="storm-$(date -u +%Y-%m-%d)" kcm_qps="" case="" budget="" jar="" keep_cluster=0 plot_only="" py_args=()
while (($#)); do
  case $1 in
    --results) results=$2; shift ;;
    --case) case=$2; shift ;;
    --budget) budget=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift ;;
    --jar) jar=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift ;;
    --keep-cluster) keep_cluster=1 ;;
    --plot) plot_only=$2; shift ;;
    --kcm-qps) kcm_qps=$2; shift ;;
    --keep) py_args+=(--keep) ;;
    --tasks|--outage|--timeout|--poll|--initial-delay|--max-delay|--jitter|--max-attempts|--duration|--operator-env|--http-port|--xmx)
      py_args+=("$1" "$2"); shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | grep '^#'; exit 0 ;;
    *) echo "storm: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
log() { echo "storm: $*" >&2; }

venv() { # the same venv as bench/run.sh
  if [[ ! -x "$bench/.venv/bin/python" ]] || ! "$bench/.venv/bin/python" -c 'import matplotlib' 2>/dev/null; then
    log "creating bench/.venv with matplotlib"
    python3 -m venv "$bench/.venv"
    "$bench/.venv/bin/pip" install -q matplotlib
  fi
}

out_root="$bench/results/$results"
if [[ -n "$plot_only" ]]; then
  venv
  exec "$bench/.venv/bin/python" "$bench/storm.py" plot "$bench/results/$plot_only" "$repo/docs/storm-retries.png"
fi
[[ -n "$case" ]] || { [[ -n "$budget" ]] && case="budget-$(basename "${budget%.*}")" || case=no-budget; }
out="$out_root/$case"
[[ -e "$out" ]] && { log "$out exists; choose another --case or --results"; exit 2; }
[[ -z "$budget" || -r "$budget" ]] || { log "cannot read $budget"; exit 2; }

if [[ -z "$jar" ]]; then # a private copy of the sources, as bench/run.sh does (never touches target/)
  b="$bench/.build-storm"
  mkdir -p "$b/src"
  (cd "$repo" && tar --exclude=./target --exclude=./.git --exclude=./bench -cf - .) | (cd "$b/src" && tar -xf -)
  log "building the operator jar in bench/.build-storm"
  (cd "$b/src" && mvn -B -q -ntp package -Dmaven.test.skip=true)
  jar="$b/src/target/deadletter-operator.jar"
fi

started_cluster=0
if ! "$repo/hack/cluster.sh" status 2>/dev/null | grep -q '^api: ready'; then
  DEADLETTER_KCM_QPS=$kcm_qps "$repo/hack/cluster.sh" up
  started_cluster=1
elif [[ -n "$kcm_qps" ]]; then
  log "--kcm-qps needs a cluster this run starts; $DEADLETTER_CLUSTER_DIR is up: hack/cluster.sh down first"; exit 2
fi
eval "$("$repo/hack/cluster.sh" env)"
kubectl apply --server-side --force-conflicts --field-manager=deadletter-bench -f "$repo/crds/" >/dev/null
# KWOK must run this tree's stages (sim.deadletter.dev/fail-until).
kwok_pid=$(cat "$DEADLETTER_CLUSTER_DIR/pids/kwok.pid")
stages=$(tr '\0' '\n' < "/proc/$kwok_pid/cmdline" | grep -A1 -x -- --config | tail -1)
grep -q 'sim.deadletter.dev/fail-until' "$stages" ||
  { log "KWOK of $DEADLETTER_CLUSTER_DIR runs $stages, without fail-until: hack/cluster.sh restart kwok"; exit 2; }

mkdir -p "$out"
{
  echo "date: $(date -u +%FT%TZ)"
  echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB RAM, $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "java: $(java -version 2>&1 | head -1)"
  echo "kubernetes: $(kubectl version -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["serverVersion"]["gitVersion"])') (private cluster $DEADLETTER_CLUSTER_DIR)"
  echo "operator: $(cd "$repo" && git rev-parse --short HEAD 2>/dev/null || echo unknown)$(cd "$repo" && git diff --quiet HEAD -- src pom.xml 2>/dev/null || echo ' (+ uncommitted changes in src/)'), jar $jar"
  kcm=$(tr '\0' ' ' < "/proc/$(cat "$DEADLETTER_CLUSTER_DIR/pids/kube-controller-manager.pid")/cmdline" |
    grep -o -- '--kube-api-qps [0-9]*' || true)
  echo "kube-controller-manager: client ${kcm:-defaults (--kube-api-qps 20, --kube-api-burst 30)}"
  echo "budget: ${budget:-none}"
  echo "command: bench/storm.sh --results $results --case $case${budget:+ --budget $budget} ${py_args[*]}"
} > "$out/environment.txt"
[[ -n "$budget" ]] && cp "$budget" "$out/budget.yaml"
cat "$out/environment.txt" >&2
rc=0
[[ -n "$budget" ]] && py_args+=(--budget "$budget")
python3 "$bench/storm.py" run --kubeconfig "$KUBECONFIG" --kubectl "$(command -v kubectl)" --jar "$jar" --out "$out" \
  --cluster-dir "$DEADLETTER_CLUSTER_DIR" --case "$case" "${py_args[@]}" || rc=$?
venv
"$bench/.venv/bin/python" "$bench/storm.py" plot "$out_root" "$repo/docs/storm-retries.png" || rc=$?
if [[ $started_cluster == 1 && $keep_cluster == 0 ]]; then
  "$repo/hack/cluster.sh" down
fi
exit $rc
