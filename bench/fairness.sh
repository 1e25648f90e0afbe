#!/usr/bin/env bash
# Fairness between namespaces (issue 17, goal 4): a quiet namespace alone, then beside a flooding one, in one
# run with one operator jar; see bench/fairness.py for the scenario and what is measured.
#
#   bench/fairness.sh --results NAME [--jar JAR] [--flood-n 1000] [--quiet-n 20] [--settle 30] [--operator-env K=V]
#
# Uses the PRIVATE cluster of the DEADLETTER_CLUSTER_DIR / DEADLETTER_*_PORT environment (hack/cluster.sh up
# with the same environment first; it is neither started nor stopped here) and its audit log. JAR defaults to
# target/deadletter-operator.jar of this tree (mvn -q -o -DskipTests package). Raw data: bench/results/NAME/.
set -euo pipefail
bench=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$bench/.." && pwd)
: "${DEADLETTER_CLUSTER_DIR:?set DEADLETTER_CLUSTER_DIR (and the ports) of a private cluster}"
results="" jar="$repo/target/deadletter-operator.jar" py_args=()
while (($#)); do
  case $1 in
    --results) results=$2; shift ;;
    --jar) jar=$2; shift ;;
    --flood-n|--quiet-n|--settle|--first-after|--operator-env|--http-port|--timeout) py_args+=("$1" "$2"); shift ;;
    --keep) py_args+=(--keep) ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | grep '^#'; exit 0 ;;
    *) echo "fairness: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[[ -n "$results" ]] || { echo "fairness: --results NAME is required" >&2; exit 2; }
out="$bench/results/$results"
[[ -e "$out" ]] && { echo "fairness: $out exists" >&2; exit 2; }
mkdir -p "$out"
eval "$("$repo/hack/cluster.sh" env)"
kubectl apply --server-side --force-conflicts --field-manager=deadletter-bench -f "$repo/crds/" >/dev/null
kcm=$(tr '\0' '\n' < "/proc/$(cat "$DEADLETTER_CLUSTER_DIR/pids/kube-controller-manager.pid")/cmdline" |
  grep -A1 -x -- --kube-api-qps | paste -sd' ' || true)
{
  echo "date: $(date -u +%FT%TZ)"
  echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(uname -sr)"
  echo "java: $(java -version 2>&1 | head -1)"
  echo "operator: $(cd "$repo" && git rev-parse --short HEAD)$(cd "$repo" && git diff --quiet -- src pom.xml || echo ' (+ uncommitted changes in src/)'), jar $jar"
  echo "kube-controller-manager: client ${kcm:-defaults (--kube-api-qps 20, --kube-api-burst 30)}"
  echo "command: bench/fairness.sh --results $results ${py_args[*]}"
} > "$out/environment.txt"
cat "$out/environment.txt" >&2
python3 "$bench/fairness.py" --kubeconfig "$KUBECONFIG" --kubectl "$(command -v kubectl)" --jar "$jar" --out "$out" \
  --audit-log "$DEADLETTER_CLUSTER_DIR/logs/audit.log" "${py_args[@]}" | tee "$out/result.json"
