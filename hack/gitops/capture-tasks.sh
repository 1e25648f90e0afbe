#!/usr/bin/env bash
# Writes testdata/tasks/*.yaml: DeadLetterTasks in every phase as the operator wrote them. Needs the local
# cluster of hack/cluster.sh (KWOK simulates the pods) with the operator running against it, e.g.
#   eval "$(hack/cluster.sh env)"; mvn -B -q package -DskipTests; java -jar target/deadletter-operator.jar &
#   hack/gitops/capture-tasks.sh
# It applies one task per phase in a fresh namespace, watches them, and keeps for each file the first
# version of the task seen in that phase (so a passing phase such as Pending is caught too). Identity fields
# the API server assigns (uid, resourceVersion, timestamps, managedFields) are dropped; everything the
# operator wrote in status stays. The Go tests then check that the API server takes each status unchanged.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out="$here/testdata/tasks"
ns=dlt-gitops-capture-$RANDOM
refusing_ns=$ns-refusing
work=$(mktemp -d)
watcher=""
cleanup() {
  [[ -n "$watcher" ]] && kill "$watcher" 2>/dev/null
  kubectl delete ns "$ns" "$refusing_ns" --ignore-not-found --wait=false >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

kubectl create ns "$ns" >/dev/null
kubectl create ns "$refusing_ns" >/dev/null
# No Job may be created there: the API server refuses every attempt, the task stays Pending and Stalled.
kubectl create quota no-jobs -n "$refusing_ns" --hard=count/jobs.batch=0 >/dev/null
task() { # task NAME POD_ANNOTATIONS [SPEC_LINES] [NAMESPACE]
  cat <<YAML
---
apiVersion: deadletter.dev/v1alpha1
kind: DeadLetterTask
metadata: {name: $1, namespace: ${4:-$ns}}
spec:
  retryPolicy:
    maxAttempts: 2
    backoff: {initialDelay: 1h}
${3:-}
  jobTemplate:
    spec:
      template:
        metadata:
          annotations: {$2}
        spec:
          restartPolicy: Never
          containers: [{name: main, image: busybox:1.36, command: ["sh", "-c", "exit 0"]}]
YAML
}
kubectl get dlt -A -w -o json --output-watch-events >"$work/events.json" &
watcher=$!
{
  task succeeded 'sim.deadletter.dev/duration: "200ms"'
  task running 'sim.deadletter.dev/hang: "true"'
  task backing-off 'sim.deadletter.dev/exit-code: "1", sim.deadletter.dev/duration: "200ms"'
  task dead-lettered 'sim.deadletter.dev/exit-code: "2", sim.deadletter.dev/duration: "200ms"' \
    '    rules: [{action: DeadLetter, onExitCodes: {operator: In, values: [2]}}]'
  task suspended '' '  suspend: true'
  task refused '' '' "$refusing_ns"
} | kubectl apply -f - >/dev/null

phase_of() { kubectl get dlt -A --field-selector "metadata.name=$1" -o jsonpath='{.items[0].status.phase}'; }
want() { # want NAME PHASE: waits up to 60 s for the task to reach the phase
  for _ in $(seq 120); do [[ "$(phase_of "$1")" == "$2" ]] && return 0; sleep 0.5; done
  echo "$1 did not reach $2 (is: $(phase_of "$1"))" >&2; return 1
}
want succeeded Succeeded; want running Running; want backing-off BackingOff
want dead-lettered DeadLettered; want suspended Suspended; want refused Pending
sleep 2
kill "$watcher"; watcher=""

mkdir -p "$out"
# keep NAME PHASE FILE: the first version of task NAME in PHASE, trimmed, as YAML.
keep() {
  jq -s --arg name "$1" --arg phase "$2" '
    [.[] | .object | select((.metadata.namespace | startswith("dlt-gitops-capture-")) and .metadata.name == $name and .status.phase == $phase)] | first
    | del(.metadata.uid, .metadata.resourceVersion, .metadata.creationTimestamp, .metadata.managedFields,
          .metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"])
    | .metadata.namespace = "default"
    | if .metadata.annotations == {} then del(.metadata.annotations) else . end' "$work/events.json" |
    yq -y . >"$out/$3.yaml"
  grep -q "phase: $2" "$out/$3.yaml" || { echo "no $2 version of $1 was seen" >&2; return 1; }
}
keep succeeded Succeeded succeeded
keep running Running running
keep backing-off BackingOff backing-off
keep dead-lettered DeadLettered dead-lettered
keep suspended Suspended suspended
keep refused Pending pending-refused
# A passing Pending (before the first Job), if the watch saw one.
if jq -se '[.[] | .object | select(.metadata.name == "succeeded" and .status.phase == "Pending")] | length > 0' \
  "$work/events.json" >/dev/null; then keep succeeded Pending pending; fi
ls "$out"
