#!/usr/bin/env bash
# Benchmarks of deadletter-operator (issue 7); see docs/benchmarks.md.
#
#   bench/run.sh                 full run: builds the jar into bench/.build, starts a PRIVATE local cluster
#                                (its own dir and ports), runs every scenario, writes bench/results/<date>/,
#                                regenerates docs/benchmarks.md and docs/bench-*.png, stops the cluster
#   bench/run.sh --smoke         ~10 tasks: all must converge with 0 early starts; last line
#                                `bench: N passed, N failed`, non-zero exit on failure. With KUBECONFIG set it
#                                uses that cluster (which must run KWOK with hack/cluster/kwok-stages.yaml),
#                                else it starts (or reuses) the private bench cluster and leaves it running.
#   bench/run.sh --report DIR    only regenerate docs/benchmarks.md and the plots from bench/results/DIR
#
# Options (or env): --latency-n 1,100,300 (BENCH_LATENCY_N)  --delays 0s,1s (BENCH_DELAYS)
#   --repeats 2 (BENCH_REPEATS; runs with N > --repeat-max-n 100 run once)  --throughput-k 500,500 (BENCH_THROUGHPUT_K: batches, cumulative for footprint)
#   --startup-each-batch: also restart the operator after each throughput batch (ready time against task count)
#   --job-throughput-k 1000: after the throughput batches, K plain Jobs retrying once, the Job controller alone
#                                (issue 17 goal 5: the rate the operator's attempts are bounded by)
#   --active-k 5000 [--active-duration 3h]: first K tasks whose one attempt keeps running, so the latency, restart
#                                and startup scenarios run beside K active tasks; after the restart, a check that
#                                each still has exactly one attempt (issue 17 goal 3; summary.json "active"). A
#                                private cluster started by the run gets one kwok node per 500 of K + 1000 pods
#                                (DEADLETTER_NODES); one already up keeps its nodes
#   --probes raw,generic,typed,typed-nojobspec: beside each throughput batch, one bench/WatchFloor.java per mode
#                                watching what the operator watches, its CPU sampled as the operator's: the cost of
#                                receiving the watch events alone, with and without parsing (issue 17 goal 1)
#   --restart-n 100 (BENCH_RESTART_N, 0 = skip)  --jfr  --keep-cluster  --existing (use $KUBECONFIG, not a
#   private cluster)  --operator-env KEY=VALUE (repeatable, e.g. KUBE_CLIENT_QPS=100)
#   --variant-env KEY=VALUE --variant-k 500: one more throughput batch with that operator setting (cause tests)
#   --results NAME (BENCH_RESULTS): write to bench/results/NAME/ instead of bench/results/<date>/ (must not exist)
#   --compare NAME[,NAME...] (BENCH_COMPARE): earlier runs in bench/results/ to compare with, oldest first; the
#                                page's main tables come from this run (or --report DIR), and a before/after table
#                                puts the headline goals of each NAME and of this run side by side
#                                (e.g. --compare 2026-11-28,2026-11-28-after-511eae7)
#   --kcm-qps N (BENCH_KCM_QPS): start the private cluster with kube-controller-manager --kube-api-qps N
#                                --kube-api-burst 2N (hack/cluster.sh DEADLETTER_KCM_QPS); default: its own 20/30.
#                                Only applies when this run starts the cluster: a bench cluster that is already up
#                                must be stopped first (DEADLETTER_CLUSTER_DIR=~/.cache/deadletter-operator/bench-cluster
#                                hack/cluster.sh down), else the run refuses to start.
#   --startup-k K --baseline-rev REV [--startup-attempts 1] [--startup-repeats 3]: instead of the scenarios above,
#                                a start comparison: K tasks (each succeeding at attempt --startup-attempts, so
#                                with that many Jobs and pods) are run to the end, then the operator is restarted
#                                on them --startup-repeats times with the jar of git revision REV (built into
#                                bench/.build-baseline) and with this tree's jar, alternately; then the --latency-n
#                                runs with this jar and the K tasks present. Results: summary.json "startup_ab"; the
#                                page is not regenerated from such a run alone: --report MAIN --followup NAME puts it
#                                in a section of its own beside the tables of the full run MAIN.
#   --followup NAME[,NAME...]: with --report, the sections of those --startup-k runs
# Each throughput batch also records the CPU seconds of every process of the private cluster (its pid files in
# the cluster dir, passed as --cluster-dir), of the operator and of the whole machine (bench/results/*/tp*-cpu.csv).
set -euo pipefail

bench=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$bench/.." && pwd)
export DEADLETTER_CLUSTER_DIR=${BENCH_CLUSTER_DIR:-$HOME/.cache/deadletter-operator/bench-cluster}
export DEADLETTER_API_PORT=${BENCH_API_PORT:-17443} DEADLETTER_ETCD_PORT=${BENCH_ETCD_PORT:-24790}
export DEADLETTER_KCM_PORT=${BENCH_KCM_PORT:-21257} DEADLETTER_SCHEDULER_PORT=${BENCH_SCHEDULER_PORT:-21259}
export DEADLETTER_KWOK_PORT=${BENCH_KWOK_PORT:-21247}

mode=full existing="" keep_cluster=0 active_k=0 report_dir="" py_args=() baseline_rev="" followup=""
results_name=${BENCH_RESULTS:-} compare=${BENCH_COMPARE:-} kcm_qps=${BENCH_KCM_QPS:-}
while (($#)); do
  case $1 in
    --smoke) mode=smoke ;;
    --report) mode=report report_dir=$2; shift ;;
    --existing) existing=1 ;;
    --own-cluster) existing=0 ;;
    --keep-cluster) keep_cluster=1 ;;
    --results) results_name=$2; shift ;;
    --compare) compare=$2; shift ;;
    --kcm-qps) kcm_qps=$2; shift ;;
    --baseline-rev) baseline_rev=$2; shift ;;
    --followup) followup=$2; shift ;;
    --jfr) py_args+=(--jfr) ;;
    --active-k) active_k=$2; py_args+=("$1" "$2"); shift ;;
    --startup-each-batch) py_args+=(--startup-each-batch) ;;
    --latency-n|--delays|--repeats|--repeat-max-n|--throughput-k|--restart-n|--restart-delay|--operator-env|--duration|--smoke-tasks|--http-port|--xmx|--variant-env|--variant-k|--startup-repeats|--startup-k|--startup-attempts|--job-throughput-k|--active-duration|--probes)
      py_args+=("$1" "$2"); shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | grep '^#'; exit 0 ;;
    *) echo "bench: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
# A kwok node holds 500 pods: K running attempts and the other scenarios' pods need more than the 2 default nodes.
((active_k > 0)) && export DEADLETTER_NODES=${DEADLETTER_NODES:-$(((active_k + 1000 + 499) / 500))}
# --smoke with KUBECONFIG set (CI) uses that cluster; full runs use the private one unless --existing.
[[ -z "$existing" ]] && { [[ $mode == smoke && -n "${KUBECONFIG:-}" ]] && existing=1 || existing=0; }
for v in LATENCY_N:latency-n DELAYS:delays REPEATS:repeats THROUGHPUT_K:throughput-k RESTART_N:restart-n; do
  name=BENCH_${v%%:*}
  [[ -n "${!name:-}" ]] && py_args+=("--${v#*:}" "${!name}")
done

log() { echo "bench: $*" >&2; }

venv() {
  if [[ ! -x "$bench/.venv/bin/python" ]] || ! "$bench/.venv/bin/python" -c 'import matplotlib' 2>/dev/null; then
    log "creating bench/.venv with matplotlib"
    python3 -m venv "$bench/.venv"
    "$bench/.venv/bin/pip" install -q matplotlib
  fi
}

# --compare a,b -> report.py --before bench/results/a --before bench/results/b
before=()
IFS=, read -ra compare_names <<< "$compare"
for name in "${compare_names[@]}"; do before+=(--before "$bench/results/$name"); done
IFS=, read -ra followup_names <<< "$followup"
for name in "${followup_names[@]}"; do before+=(--followup "$bench/results/$name"); done

if [[ $mode == report ]]; then
  venv
  exec "$bench/.venv/bin/python" "$bench/report.py" "$bench/results/$report_dir" "$repo/docs" "${before[@]}"
fi

# A private copy of the sources, so a build never touches (or races) the working tree's target/.
build() {
  local b="$bench/.build"
  mkdir -p "$b/src"
  (cd "$repo" && tar --exclude=./target --exclude=./.git --exclude=./bench -cf - .) | (cd "$b/src" && tar -xf -)
  log "building the operator jar in bench/.build"
  (cd "$b/src" && mvn -B -q -ntp package -Dmaven.test.skip=true)
  jar="$b/src/target/deadletter-operator.jar"
}

cluster() {
  if [[ $existing == 1 ]]; then
    kubeconfig=${KUBECONFIG:?--existing needs KUBECONFIG}
    kubectl=$(command -v kubectl || true)
    [[ -z "$kubectl" ]] && kubectl=$(ls -d "$HOME"/.cache/deadletter-operator/k8s/*/bin/kubectl | head -1)
    audit="" cluster_dir=""
    if [[ "$kubeconfig" == "$HOME/.cache/deadletter-operator/cluster/kubeconfig" ]]; then
      cluster_dir="$HOME/.cache/deadletter-operator/cluster"
      [[ -r "$cluster_dir/logs/audit.log" ]] && audit="$cluster_dir/logs/audit.log"
    fi
  else
    if ! "$repo/hack/cluster.sh" status 2>/dev/null | grep -q '^api: ready'; then
      DEADLETTER_KCM_QPS=$kcm_qps "$repo/hack/cluster.sh" up
      started_cluster=1
    elif [[ -n "$kcm_qps" && "$(kcm_client)" != "--kube-api-qps $kcm_qps" ]]; then
      log "--kcm-qps $kcm_qps: the bench cluster in $DEADLETTER_CLUSTER_DIR is already up with kube-controller-manager"
      log "client '$(kcm_client)'; stop it first: DEADLETTER_CLUSTER_DIR=$DEADLETTER_CLUSTER_DIR hack/cluster.sh down"
      exit 2
    fi
    eval "$("$repo/hack/cluster.sh" env)"
    kubeconfig=$KUBECONFIG
    kubectl=$(command -v kubectl)
    audit="$DEADLETTER_CLUSTER_DIR/logs/audit.log"
    cluster_dir=$DEADLETTER_CLUSTER_DIR
  fi
  "$kubectl" --kubeconfig "$kubeconfig" apply --server-side --force-conflicts --field-manager=deadletter-bench \
    -f "$repo/crds/" >/dev/null
}

# The client QPS the running kube-controller-manager of $DEADLETTER_CLUSTER_DIR was started with ("" = defaults).
kcm_client() {
  local pid
  pid=$(cat "$DEADLETTER_CLUSTER_DIR/pids/kube-controller-manager.pid" 2>/dev/null) || return 0
  tr '\0' '\n' < "/proc/$pid/cmdline" 2>/dev/null | grep -A1 -x -- --kube-api-qps | paste -sd' ' || true
}

# The jar of an earlier revision, for the start comparison (--startup-k).
build_baseline() {
  local b="$bench/.build-baseline"
  rm -rf "$b" && mkdir -p "$b/src"
  (cd "$repo" && git archive "$baseline_rev") | (cd "$b/src" && tar -xf -)
  log "building the baseline jar of $baseline_rev in bench/.build-baseline"
  (cd "$b/src" && mvn -B -q -ntp package -Dmaven.test.skip=true)
  py_args+=(--baseline-jar "$b/src/target/deadletter-operator.jar")
}

started_cluster=0 cluster_dir=""
build
if [[ " ${py_args[*]} " == *" --startup-k "* ]]; then
  [[ -n "$baseline_rev" ]] || { log "--startup-k needs --baseline-rev"; exit 2; }
  build_baseline
fi
cluster
date=$(date -u +%Y-%m-%d)
if [[ $mode == smoke ]]; then
  out=$(mktemp -d "${TMPDIR:-/tmp}/deadletter-bench-smoke.XXXXXX")
  log "smoke: results in $out"
  exec python3 "$bench/bench.py" --smoke --kubeconfig "$kubeconfig" --kubectl "$kubectl" --jar "$jar" --out "$out" \
    --audit-log "$audit" --http-port "${BENCH_HTTP_PORT:-18082}" --run-id "smoke$(date +%s | tail -c 6)" "${py_args[@]}"
fi

venv
if [[ -n "$results_name" ]]; then
  out="$bench/results/$results_name"
  [[ -e "$out" ]] && { log "$out exists; choose another --results"; exit 2; }
else
  out="$bench/results/$date"
  [[ -e "$out" ]] && out="$bench/results/$date-$(date -u +%H%M)"
fi
mkdir -p "$out"
{
  echo "date: $(date -u +%FT%TZ)"
  echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB RAM, $(uname -sr)"
  echo "java: $(java -version 2>&1 | head -1)"
  echo "kubernetes: $("$kubectl" --kubeconfig "$kubeconfig" version -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["serverVersion"]["gitVersion"])')"
  echo "operator: $(cd "$repo" && git rev-parse --short HEAD 2>/dev/null || echo unknown)$(cd "$repo" && git diff --quiet -- src pom.xml 2>/dev/null || echo ' (+ uncommitted changes in src/)')"
  # The defaults of the jar as built (the operator process gets no other setting unless --operator-env).
  echo "operator defaults: $(for k in RECONCILE_THREADS KUBE_CLIENT_QPS KUBE_CLIENT_BURST; do
    printf '%s=%s ' "$k" "$(tr -d '\n' < "$bench/.build/src/src/main/java/dev/deadletter/operator/OperatorConfig.java" |
      grep -o "$k( *\"[^\"]*\"" | grep -o '"[^"]*"' | tr -d '"')"; done)"
  if [[ $existing == 0 ]]; then
    c=$(kcm_client)
    echo "kube-controller-manager: client ${c:-defaults (--kube-api-qps 20, --kube-api-burst 30)}"
  fi
  echo "command: bench/run.sh ${py_args[*]}${baseline_rev:+ --baseline-rev $baseline_rev}${results_name:+ --results $results_name}${compare:+ --compare $compare}${kcm_qps:+ --kcm-qps $kcm_qps}"
} > "$out/environment.txt"
# What was benchmarked when the tree had local changes (read-only git commands).
(cd "$repo" && git diff --stat -- src pom.xml 2>/dev/null) > "$out/src-diffstat.txt" || true
cat "$out/environment.txt" >&2
rc=0
python3 "$bench/bench.py" --kubeconfig "$kubeconfig" --kubectl "$kubectl" --jar "$jar" --out "$out" \
  --audit-log "$audit" --cluster-dir "$cluster_dir" --run-id "r$(date +%H%M)" "${py_args[@]}" || rc=$?
# kube-controller-manager's log shows its own client-side throttling ("Waited before sending request").
[[ -n "$cluster_dir" && $existing == 0 ]] && cp "$cluster_dir/logs/kube-controller-manager.log" "$out/" 2>/dev/null || true
for jfr in "$out"/*.jfr; do
  [[ -e "$jfr" ]] || continue
  jfr print --stack-depth 64 --events jdk.ExecutionSample,jdk.ThreadSleep "$jfr" | "$bench/.venv/bin/python" "$bench/jfr_top.py" > "${jfr%.jfr}-hot-methods.txt" || true
done
if [[ " ${py_args[*]} " == *" --startup-k "* ]]; then
  log "a start comparison: regenerate the page with bench/run.sh --report <full run> --followup $(basename "$out")"
else
  "$bench/.venv/bin/python" "$bench/report.py" "$out" "$repo/docs" "${before[@]}" || rc=$?
fi
if [[ $started_cluster == 1 && $keep_cluster == 0 ]]; then
  "$repo/hack/cluster.sh" down
fi
exit $rc
