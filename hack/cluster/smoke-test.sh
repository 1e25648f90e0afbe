#!/usr/bin/env bash
# Proves the local cluster is real: the Job controller, KWOK's simulated pods, garbage collection and RBAC.
# Needs a running cluster (hack/cluster.sh up); creates and deletes its own namespace.
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
eval "$("$repo/hack/cluster.sh" env)"
ns=smoke-$RANDOM
passed=0 failed=0

check() {
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); echo "ok   $name"; else failed=$((failed + 1)); echo "FAIL $name"; fi
}

job() { # job NAME EXIT_CODE BACKOFF_LIMIT [OWNER_UID OWNER_NAME]
  cat <<YAML
apiVersion: batch/v1
kind: Job
metadata:
  name: $1
  namespace: $ns
$( [[ -n "${4:-}" ]] && printf '  ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: %s, uid: %s}]' "$5" "$4")
spec:
  backoffLimit: $3
  template:
    metadata:
      annotations: {sim.deadletter.dev/exit-code: "$2", sim.deadletter.dev/duration: 500ms}
    spec:
      restartPolicy: Never
      containers: [{name: main, image: example.invalid/never-pulled}]
YAML
}

succeeds() {
  job ok 0 0 | kubectl apply -f - >/dev/null &&
    kubectl wait -n "$ns" job/ok --for=condition=Complete --timeout=60s >/dev/null
}

fails_with_exit_code_3() {
  job fail 3 1 | kubectl apply -f - >/dev/null &&
    kubectl wait -n "$ns" job/fail --for=condition=Failed --timeout=90s >/dev/null || return 1
  local codes
  codes=$(kubectl get pods -n "$ns" -l batch.kubernetes.io/job-name=fail \
    -o jsonpath='{range .items[*]}{.status.phase}:{.status.containerStatuses[0].state.terminated.exitCode} {end}')
  [[ "$codes" == "Failed:3 Failed:3 " ]] || { echo "  pods: $codes"; return 1; }
  [[ "$(kubectl get job fail -n "$ns" -o jsonpath='{.status.conditions[?(@.type=="Failed")].reason}')" == \
    BackoffLimitExceeded ]]
}

garbage_collected() {
  kubectl create configmap owner -n "$ns" >/dev/null || return 1
  local uid
  uid=$(kubectl get configmap owner -n "$ns" -o jsonpath='{.metadata.uid}')
  job owned 0 0 "$uid" owner | kubectl apply -f - >/dev/null || return 1
  kubectl delete configmap owner -n "$ns" >/dev/null
  kubectl wait -n "$ns" job/owned --for=delete --timeout=60s >/dev/null
}

rbac_refuses() {
  local user_config out
  user_config=$("$repo/hack/cluster.sh" user smoke-viewer)
  kubectl create rolebinding viewer -n "$ns" --clusterrole=view --user=smoke-viewer >/dev/null || return 1
  kubectl --kubeconfig "$user_config" get jobs -n "$ns" >/dev/null || return 1
  out=$(job denied 0 0 | kubectl --kubeconfig "$user_config" apply -f - 2>&1) && return 1
  [[ "$out" == *"forbidden"*"cannot create resource \"jobs\""* ]] || { echo "  got: $out"; return 1; }
}

kubectl create namespace "$ns" >/dev/null
check "a Job whose pod exits 0 completes" succeeds
check "a Job whose pod exits 3 fails after backoffLimit+1 pods with exit code 3" fails_with_exit_code_3
check "deleting a Job's owner garbage-collects the Job" garbage_collected
check "a user without create jobs is refused" rbac_refuses
kubectl delete namespace "$ns" --wait=false >/dev/null
echo "smoke: $passed passed, $failed failed"
((failed == 0))
