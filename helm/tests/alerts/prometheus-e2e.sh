#!/usr/bin/env bash
# The chart's alerts and dashboard against a real Prometheus scraping the real operator, on the cluster of
# $KUBECONFIG (the local cluster of hack/cluster.sh, with KWOK simulating the pods).
#
# Renders the PrometheusRule and the dashboard ConfigMap (release dlt in deadletter-system), starts the operator
# jar (leader election on, watching one namespace) and Prometheus (built from Go modules by hack/cluster.sh build)
# with a 2 s scrape of the operator, labelled as a ServiceMonitor would label it, and the rendered rules. Then
# runs tasks that cover every metric the queries read: one succeeds, one fails once and is retried, one is
# dead-lettered, one is OOM-killed and retried with more memory (rules[].mutate), and one whose status writes a
# ValidatingAdmissionPolicy refuses (reconcile errors). Checks that every alert expression and every dashboard
# query returns data (check_queries.py) and that DeadLetterTasksDeadLettered fires for the dead-lettered task.
# About a minute. Cleans up what it creates. Last line: "prometheus: N passed, N failed".
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
chart="$repo/helm/deadletter-operator"
# The cache's binaries (kubectl, helm, prometheus); KUBECONFIG stays the caller's.
bin=$("$repo/hack/cluster.sh" env | sed -n 's/^export PATH=\(.*\):\$PATH$/\1/p')
export PATH="$bin:$PATH"
ns=dlt-prometheus-e2e
policy=dlt-prometheus-e2e-refuse-status
job=dlt-deadletter-operator-metrics # the job label a ServiceMonitor gives the chart's metrics Service
release_ns=deadletter-system
work=$(mktemp -d)
passed=0 failed=0
operator_pid="" prometheus_pid=""
start=$SECONDS

log() { echo "prometheus e2e: $*"; }
check() { # check NAME COMMAND...
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); echo "ok   $name"; else failed=$((failed + 1)); echo "FAIL $name"; fi
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
stop() { # stop PID: SIGTERM, then SIGKILL after 10 s
  [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null || return 0
  kill "$1"; for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done; kill -9 "$1" 2>/dev/null
}
cleanup() {
  stop "$operator_pid"; stop "$prometheus_pid"
  kubectl delete ns "$ns" --ignore-not-found --wait=false >/dev/null 2>&1
  kubectl delete validatingadmissionpolicybinding,validatingadmissionpolicy "$policy" --ignore-not-found >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
finish() {
  echo "prometheus e2e took $((SECONDS - start))s"
  echo "prometheus: $passed passed, $failed failed"
  ((failed == 0)); exit
}
if ! command -v yq >/dev/null; then # Debian's yq (a YAML front end to jq), as helm/tests/run.sh installs it
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq yq; } >/dev/null 2>&1 || true
fi
for tool in kubectl helm yq prometheus java python3; do
  command -v "$tool" >/dev/null || { echo "prometheus e2e: $tool is missing (hack/cluster.sh build)"; failed=1; finish; }
done

# What the chart ships, rendered.
helm template dlt "$chart" -n "$release_ns" --set metrics.prometheusRule.enabled=true --set grafana.dashboard.enabled=true \
  >"$work/chart.yaml" || { failed=1; finish; }
yq -y 'select(.kind == "PrometheusRule") | .spec' "$work/chart.yaml" >"$work/rules.yaml"
yq 'select(.kind == "PrometheusRule") | .spec' "$work/chart.yaml" >"$work/rules.json"
yq -r 'select(.kind == "ConfigMap" and .metadata.labels.grafana_dashboard == "1") | .data["deadletter-operator.json"]' \
  "$work/chart.yaml" >"$work/dashboard.json"

# The operator jar (built if missing), copied so that a concurrent `mvn package` cannot change it under the JVM.
if [[ ! -f "$repo/target/deadletter-operator.jar" || ! -d "$repo/target/lib" ]]; then
  (cd "$repo" && mvn -B -q -ntp package -Dmaven.test.skip=true) || { failed=1; finish; }
fi
mkdir -p "$work/app" && cp "$repo/target/deadletter-operator.jar" "$work/app/" && cp -r "$repo/target/lib" "$work/app/"

kubectl apply --server-side --force-conflicts -f "$repo/crds/" >/dev/null || { failed=1; finish; }
kubectl wait --for=delete "ns/$ns" --timeout=60s >/dev/null 2>&1 # the namespace of a previous run
kubectl create ns "$ns" >/dev/null || { failed=1; finish; }
# Status writes of the task status-refused fail, so reconciles fail (and JOSDK's failure counter exists).
kubectl apply -f - >/dev/null <<YAML || { failed=1; finish; }
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: $policy}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - {apiGroups: [deadletter.dev], apiVersions: ["*"], operations: [CREATE, UPDATE], resources: [deadlettertasks/status]}
  matchConditions:
    - {name: only-status-refused, expression: 'object.metadata.namespace == "$ns" && object.metadata.name == "status-refused"'}
  validations:
    - {expression: "false", message: "refused on purpose by $0: a reconcile error for the alert check"}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: $policy}
spec:
  policyName: $policy
  validationActions: [Deny]
YAML

metrics_port=$(free_port) prometheus_port=$(free_port)
(cd "$work" && HTTP_PORT=$metrics_port HOSTNAME=prometheus-e2e WATCH_NAMESPACES=$ns LEADER_ELECTION_ENABLED=true \
  LEADER_ELECTION_LEASE_NAMESPACE=$ns exec java -Xmx256m -jar app/deadletter-operator.jar >"$work/operator.log" 2>&1) &
operator_pid=$!

cat >"$work/prometheus.yml" <<YAML
global: {scrape_interval: 2s, evaluation_interval: 2s}
rule_files: [rules.yaml]
scrape_configs:
  - job_name: $job
    static_configs:
      - targets: ["127.0.0.1:$metrics_port"]
        labels: {namespace: $release_ns, pod: dlt-deadletter-operator-0}
YAML
(cd "$work" && exec prometheus --config.file=prometheus.yml --storage.tsdb.path=data \
  --web.listen-address="127.0.0.1:$prometheus_port" --log.level=warn >"$work/prometheus.log" 2>&1) &
prometheus_pid=$!
prom="http://127.0.0.1:$prometheus_port"

until_true() { # until_true SECONDS COMMAND...: polls every second
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do ((SECONDS < deadline)) || return 1; sleep 1; done
}
check "Prometheus loads the chart's rules and is ready" until_true 30 curl -fs "$prom/-/ready"
check "the operator is ready and leads" until_true 60 bash -c \
  "curl -fs http://127.0.0.1:$metrics_port/metrics | grep -q '^deadletter_operator_leader 1'"

task() { # task NAME MAX_ATTEMPTS ANNOTATIONS [EXTRA_POLICY] [RESOURCES]
  cat <<YAML
apiVersion: deadletter.dev/v1alpha1
kind: DeadLetterTask
metadata: {name: $1, namespace: $ns}
spec:
  retryPolicy: {maxAttempts: $2, backoff: {initialDelay: 3s, jitter: 0}${4:+, $4}}
  jobTemplate:
    spec:
      template:
        metadata: {annotations: {$3}}
        spec:
          restartPolicy: Never
          containers: [{name: main, image: busybox:1.36${5:+, resources: $5}}]
---
YAML
}
{
  task succeeds 2 'sim.deadletter.dev/exit-code: "0"'
  task flaky 3 'sim.deadletter.dev/exit-codes: "1,0"'
  task dies 2 'sim.deadletter.dev/exit-code: "3"'
  task grows 3 'sim.deadletter.dev/needs-memory: 96Mi' \
    'rules: [{name: oom, action: Retry, onReasons: [OOMKilled], mutate: {resources: {memory: {factor: 2, max: 256Mi}}}}]' \
    '{limits: {memory: 64Mi}}'
  task status-refused 2 'sim.deadletter.dev/exit-code: "0"'
} >"$work/tasks.yaml"
check "tasks created" bash -c "kubectl apply -f '$work/tasks.yaml' >/dev/null"

phase() { kubectl get dlt "$1" -n "$ns" -o jsonpath='{.status.phase}'; }
settled() {
  [[ $(phase succeeds) == Succeeded && $(phase flaky) == Succeeded && $(phase grows) == Succeeded && \
     $(phase dies) == DeadLettered ]]
}
check "tasks settle: succeeds, flaky (retried) and grows (mutated) Succeeded, dies DeadLettered" until_true 120 settled
query() { curl -fs "$prom/api/v1/query" --data-urlencode "query=$1"; }
has_series() { query "$1" | grep -q '"result":\[{'; }
# Until Prometheus has scraped what the last transitions and the refused status writes counted, twice: a
# counter created at its first increment (the mutations, JOSDK's failures) has a rate from its second sample on.
scraped() { has_series "count_over_time($1[1m]) > 1"; } # scraped SELECTOR: at least two samples
check "Prometheus has scraped the dead letter, the mutation and a failed reconcile" until_true 60 bash -c "
  $(declare -f query has_series scraped); prom=$prom
  has_series 'deadletter_tasks_dead_lettered_total{reason=\"RetriesExhausted\"} > 0' &&
  has_series 'deadletter_attempt_start_lateness_seconds_count > 0' &&
  scraped deadletter_attempts_mutated_total && scraped operator_sdk_controllers_execution_reconcile_failure_total"
firing() {
  curl -fs "$prom/api/v1/alerts" | python3 -c '
import json, sys
alerts = json.load(sys.stdin)["data"]["alerts"]
sys.exit(0 if any(a["labels"]["alertname"] == "DeadLetterTasksDeadLettered" and a["state"] == "firing"
                  and a["labels"].get("reason") == "RetriesExhausted" for a in alerts) else 1)'
}
check "alert DeadLetterTasksDeadLettered{reason=RetriesExhausted} fires in Prometheus" until_true 30 firing
# Rule evaluation errors (a rule Prometheus cannot evaluate) show as health "err".
check "every rule evaluates without error" bash -c "curl -fs '$prom/api/v1/rules' | python3 -c '
import json, sys
rules = [r for g in json.load(sys.stdin)[\"data\"][\"groups\"] for r in g[\"rules\"]]
bad = [r[\"name\"] + \": \" + r.get(\"lastError\", \"\") for r in rules if r[\"health\"] != \"ok\"]
[print(\"  \" + b) for b in bad]; sys.exit(1 if bad or not rules else 0)'"

# $__rate_interval and $__interval span the whole run, so that every event of it is in the window.
python3 "$here/check_queries.py" "$prom" "$work/rules.json" "$work/dashboard.json" \
  namespace="$release_ns" job="$job" __rate_interval=5m __interval=5m >"$work/queries.txt" 2>&1
rc=$?
sed 's/^/  /' "$work/queries.txt"
check "every alert expression and dashboard query returns data ($(tail -1 "$work/queries.txt"))" test "$rc" = 0

if ((failed)); then
  echo "--- operator log (tail)"; tail -n 30 "$work/operator.log"
  echo "--- prometheus log (tail)"; tail -n 30 "$work/prometheus.log"
fi
finish
