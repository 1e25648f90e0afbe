#!/usr/bin/env bash
# The operator's main job on the embedded default: starts the local cluster, installs the CRD, runs the
# operator, applies the flaky example and shows its attempts until it succeeds (or is dead-lettered).
#   hack/demo.sh        run the demo (leaves the cluster and the operator running to look around)
#   hack/demo.sh stop   stop the operator and the cluster
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
ns=demo

if [[ "${1:-}" == stop ]]; then
  eval "$(hack/cluster.sh env)"
  pidfile="$(dirname "$KUBECONFIG")/pids/operator.pid"
  [[ -f "$pidfile" ]] && kill "$(cat "$pidfile")" 2>/dev/null || true
  hack/cluster.sh down
  exit 0
fi

hack/cluster.sh up
eval "$(hack/cluster.sh env)"
cluster_dir=$(dirname "$KUBECONFIG")

echo "demo: building the operator"
mvn -B -q -ntp package -Dmaven.test.skip=true
kubectl apply --server-side --force-conflicts -f crds/ >/dev/null
kubectl wait --for=condition=Established crd/deadlettertasks.deadletter.dev --timeout=30s >/dev/null

if [[ -f "$cluster_dir/pids/operator.pid" ]]; then kill "$(cat "$cluster_dir/pids/operator.pid")" 2>/dev/null || true; fi
java -jar target/deadletter-operator.jar > "$cluster_dir/logs/operator.log" 2>&1 &
echo $! > "$cluster_dir/pids/operator.pid"
echo "demo: operator started (log: $cluster_dir/logs/operator.log)"

kubectl get namespace "$ns" >/dev/null 2>&1 || kubectl create namespace "$ns" >/dev/null
kubectl delete dlt flaky -n "$ns" --ignore-not-found --wait >/dev/null
kubectl apply -n "$ns" -f examples/flaky.yaml
echo "demo: the first two attempts fail, the third succeeds; watching (kubectl get dlt -n $ns -w):"
kubectl get dlt flaky -n "$ns" -w &
watcher=$!
trap 'kill $watcher 2>/dev/null || true' EXIT
for _ in $(seq 1 240); do
  phase=$(kubectl get dlt flaky -n "$ns" -o jsonpath='{.status.phase}')
  [[ "$phase" == Succeeded || "$phase" == DeadLettered ]] && break
  sleep 0.5
done
sleep 1
kill $watcher 2>/dev/null || true
echo
echo "demo: the attempt Jobs:"
kubectl get jobs -n "$ns" -l deadletter.dev/task=flaky
echo
echo "demo: the attempts recorded in status:"
kubectl get dlt flaky -n "$ns" \
  -o jsonpath='{range .status.history[*]}  attempt {.attempt}: {.outcome} {.reason} exit={.exitCode} job={.job}{"\n"}{end}'
cat <<EOT

demo: $phase. Look around with:
  eval "\$(hack/cluster.sh env)"
  kubectl describe dlt flaky -n $ns          # status, conditions and Events
  kubectl get dlt flaky -n $ns -o yaml
  kubectl annotate dlt flaky -n $ns deadletter.dev/retry-requested-at="\$(date +%s)" --overwrite   # redrive
  kubectl apply -n $ns -f examples/         # more examples
Stop everything with: hack/demo.sh stop
EOT
