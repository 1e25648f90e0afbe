#!/usr/bin/env bash
# Tests of the Helm chart helm/deadletter-operator. Static: lint, template (default and namespaced
# multi-replica), schema rejections, the PrometheusRule and dashboard as rendered, RBAC rules equal to an expected list, the CRD equal to crds/, the chart
# README's values table, the Artifact Hub metadata and kubeVersion, the helm test hook as rendered.
# On the local cluster (hack/cluster.sh up): install into a namespace enforcing Pod Security "restricted",
# RBAC sufficiency (kubectl auth can-i as the ServiceAccount, and the real operator jar running a full retry
# cycle with the ServiceAccount's token), `helm test` (and the hook's script run as its ServiceAccount against
# that operator), the admission policy matrix, upgrades (a value; the CRD), and uninstall (the CRD and the
# tasks survive). Cleans up what it creates. Last line: "helm: N passed, N failed".
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
chart="$repo/helm/deadletter-operator"
crd_file="$repo/crds/deadlettertasks.deadletter.dev-v1.yml"
redrive_crd_file="$repo/crds/deadletterredrives.deadletter.dev-v1.yml"
budget_crd_file="$repo/crds/retrybudgets.deadletter.dev-v1.yml"
eval "$("$repo/hack/cluster.sh" env)"

for tool in jq yq; do # Debian's jq, and yq (a YAML front end to jq)
  command -v "$tool" >/dev/null && continue
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq yq; } >/dev/null 2>&1
  command -v "$tool" >/dev/null || { echo "helm tests need $tool"; echo "helm: 0 passed, 1 failed"; exit 1; }
done

release=dlt
sys_ns=deadletter-system
ns_a=dlt-helm-a ns_b=dlt-helm-b ns_other=dlt-helm-other
sa_name=dlt-deadletter-operator
sa_user=system:serviceaccount:$sys_ns:$sa_name
crd=deadlettertasks.deadletter.dev
redrive_crd=deadletterredrives.deadletter.dev
budget_crd=retrybudgets.deadletter.dev
work=$(mktemp -d)
passed=0 failed=0 skipped=0
operator_pid=""
http_port=$((20000 + RANDOM % 10000))
release_owns_crd=true # false when another release owns the CRD (then this test leaves it alone)

check() { # check NAME COMMAND...: runs the command, counts and prints ok/FAIL
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); echo "ok   $name"; else failed=$((failed + 1)); echo "FAIL $name"; fi
}
quietly() { "$@" >"$work/out" 2>&1 || { sed 's/^/  /' "$work/out"; return 1; }; }
skip() { skipped=$((skipped + 1)); echo "skip $1"; }

cleanup() {
  if [[ -n "$operator_pid" ]] && kill -0 "$operator_pid" 2>/dev/null; then
    kill "$operator_pid"; wait "$operator_pid" 2>/dev/null
  fi
  helm status "$release" -n "$sys_ns" >/dev/null 2>&1 && helm uninstall "$release" -n "$sys_ns" >/dev/null 2>&1
  kubectl delete ns "$sys_ns" "$ns_a" "$ns_b" "$ns_other" --ignore-not-found --wait=false >/dev/null 2>&1
  # The CRD stays (tasks of other users live in it); drop this release's ownership so that nothing of the
  # test remains on it.
  for c in "$crd" "$redrive_crd" "$budget_crd"; do
    if $release_owns_crd && kubectl get crd "$c" >/dev/null 2>&1; then
      kubectl label crd "$c" app.kubernetes.io/managed-by- app.kubernetes.io/instance- app.kubernetes.io/name- \
        app.kubernetes.io/part-of- app.kubernetes.io/version- helm.sh/chart- >/dev/null 2>&1
      kubectl annotate crd "$c" meta.helm.sh/release-name- meta.helm.sh/release-namespace- \
        helm.sh/resource-policy- argocd.argoproj.io/sync-options- >/dev/null 2>&1
    fi
  done
  rm -rf "$work"
}
trap cleanup EXIT

# ---------------------------------------------------------------------------------------------------------
# Static checks

check "chart README: the values table is generated from values.yaml and the schema (hack/chart-readme.py)" \
  quietly python3 "$repo/hack/chart-readme.py" --check

render() { helm template "$release" "$chart" -n "$sys_ns" "$@"; }
# All rendered objects as one JSON array.
objects() { yq -c -s '[.[] | select(. != null)]'; }

cat >"$work/namespaced.yaml" <<YAML
replicas: 2
watchNamespaces: [$ns_a, $ns_b]
YAML

render >"$work/default.yaml" 2>"$work/err" || cat "$work/err"
render -f "$work/namespaced.yaml" >"$work/namespaced-render.yaml" 2>"$work/err" || cat "$work/err"
objects <"$work/default.yaml" >"$work/default.json"
objects <"$work/namespaced-render.yaml" >"$work/namespaced.json"

q() { jq -e "$2" "$1" >/dev/null; } # q FILE JQ_EXPR: true when the expression is truthy

check "helm lint (default values)" helm lint --strict "$chart" --quiet
check "helm lint (namespaced, 2 replicas)" helm lint --strict "$chart" --quiet -f "$work/namespaced.yaml"

d=$work/default.json n=$work/namespaced.json
deploy='.[] | select(.kind == "Deployment")'
container="$deploy | .spec.template.spec.containers[0]"
envvar() { echo "($container | .env[] | select(.name == \"$1\") | .value)"; }

check "default: ClusterRole + ClusterRoleBinding for all namespaces" \
  q "$d" '[.[] | select(.kind == "ClusterRoleBinding")] | length == 1 and .[0].subjects == [{"kind":"ServiceAccount","name":"'$sa_name'","namespace":"'$sys_ns'"}]'
check "default: WATCH_NAMESPACES empty" q "$d" "$(envvar WATCH_NAMESPACES) == \"\""
check "default: no PodDisruptionBudget with one replica" q "$d" '[.[] | select(.kind == "PodDisruptionBudget")] | length == 0'
check "default: leader election on (rolling updates overlap pods)" q "$d" "$(envvar LEADER_ELECTION_ENABLED) == \"true\""
check "default: lease namespace is the release namespace" q "$d" "$(envvar LEADER_ELECTION_LEASE_NAMESPACE) == \"$sys_ns\""
check "default: no ServiceMonitor" q "$d" '[.[] | select(.kind == "ServiceMonitor")] | length == 0'
check "default: metrics Service on port http-metrics" \
  q "$d" '.[] | select(.kind == "Service") | .spec.ports[0].name == "http-metrics"'
check "default: ValidatingAdmissionPolicies and bindings (v1), for tasks and redrives" \
  q "$d" '[.[] | select(.apiVersion == "admissionregistration.k8s.io/v1") | "\(.kind) \(.metadata.name)"] | sort == ["ValidatingAdmissionPolicy '$release'-deadletter-operator-redrive-author","ValidatingAdmissionPolicy '$release'-deadletter-operator-task-author","ValidatingAdmissionPolicyBinding '$release'-deadletter-operator-redrive-author","ValidatingAdmissionPolicyBinding '$release'-deadletter-operator-task-author"]'
check "default: admission policies exempt the operator's ServiceAccount" \
  q "$d" 'all(.[] | select(.kind == "ValidatingAdmissionPolicy"); .spec.matchConditions[0].expression | contains("'$sa_user'"))'
check "default: admission policies do not match the status subresources" \
  q "$d" '[.[] | select(.kind == "ValidatingAdmissionPolicy") | .spec.matchConstraints.resourceRules] | sort == [[{"apiGroups":["deadletter.dev"],"apiVersions":["*"],"operations":["CREATE","UPDATE"],"resources":["deadletterredrives"]}],[{"apiGroups":["deadletter.dev"],"apiVersions":["*"],"operations":["CREATE","UPDATE"],"resources":["deadlettertasks"]}]]'
check "default: app.kubernetes.io labels on every object" \
  q "$d" 'all(.[]; .metadata.labels["app.kubernetes.io/name"] == "deadletter-operator" and .metadata.labels["app.kubernetes.io/instance"] == "'$release'" and .metadata.labels["app.kubernetes.io/managed-by"] == "Helm" and .metadata.labels["app.kubernetes.io/version"] == "0.1.0")'
check "default: image is repository:appVersion" q "$d" "$container | .image | endswith(\":0.1.0\")"
check "default: restricted securityContext" q "$d" "$deploy | .spec.template.spec.securityContext.runAsNonRoot == true
  and .spec.template.spec.securityContext.seccompProfile.type == \"RuntimeDefault\"
  and (.spec.template.spec.containers[0].securityContext | .allowPrivilegeEscalation == false
       and .readOnlyRootFilesystem == true and .capabilities.drop == [\"ALL\"] and .runAsNonRoot == true)"
check "default: probes /healthz (startup, liveness), /readyz (readiness)" \
  q "$d" "$container | .startupProbe.httpGet.path == \"/healthz\" and .livenessProbe.httpGet.path == \"/healthz\" and .readinessProbe.httpGet.path == \"/readyz\""
check "default: emptyDir at /tmp" q "$d" "$deploy | .spec.template.spec.volumes[0].emptyDir != null
  and .spec.template.spec.containers[0].volumeMounts == [{\"name\":\"tmp\",\"mountPath\":\"/tmp\"}]"
check "default: JVM flags and resources" q "$d" "($(envvar JAVA_TOOL_OPTIONS) | contains(\"-XX:MaxRAMPercentage=75\") and contains(\"-XX:+ExitOnOutOfMemoryError\"))
  and ($container | .resources == {\"requests\":{\"cpu\":\"100m\",\"memory\":\"256Mi\"},\"limits\":{\"memory\":\"512Mi\"}})"
check "default: token mounted, grace period > SHUTDOWN_TIMEOUT" q "$d" "$deploy | .spec.template.spec.automountServiceAccountToken == true
  and .spec.template.spec.terminationGracePeriodSeconds == 45" 

check "namespaced: a Role + RoleBinding in each watched namespace" \
  q "$n" '[.[] | select(.metadata.labels["app.kubernetes.io/component"] != "test")] as $o
     | ([$o[] | select(.kind == "Role" and (.metadata.name | endswith("-leader-election") | not)) | .metadata.namespace] | sort == ["'$ns_a'","'$ns_b'"])
     and ([$o[] | select(.kind == "RoleBinding" and (.metadata.name | endswith("-leader-election") | not)) | .metadata.namespace] | sort == ["'$ns_a'","'$ns_b'"])'
check "namespaced: no ClusterRole grants jobs, pods or tasks to the operator (no ClusterRoleBinding)" \
  q "$n" '([.[] | select(.kind == "ClusterRoleBinding")] | length == 0)
     and ([.[] | select(.kind == "ClusterRole") | .rules[] | select(.resources | index("jobs") or index("pods"))] | length == 0)'
check "namespaced: PodDisruptionBudget with 2 replicas" \
  q "$n" '.[] | select(.kind == "PodDisruptionBudget") | .spec.minAvailable == 1'
check "namespaced: leader election env true, 2 replicas" \
  q "$n" "$(envvar LEADER_ELECTION_ENABLED) == \"true\" and ($deploy | .spec.replicas == 2)"
check "namespaced: WATCH_NAMESPACES lists them" q "$n" "$(envvar WATCH_NAMESPACES) == \"$ns_a,$ns_b\""

rejected() { # rejected EXPECTED_MESSAGE HELM_ARGS...: rendering fails and says why
  local want=$1; shift
  if render "$@" >/dev/null 2>"$work/err"; then echo "  accepted: $*"; return 1; fi
  grep -qF -- "$want" "$work/err" || { echo "  message was: $(cat "$work/err")"; return 1; }
}
check "schema rejects replicas: -1" rejected "at '/replicas': minimum: got -1, want 0" --set replicas=-1
check "schema rejects watchNamespaces: \"notalist\"" rejected "at '/watchNamespaces': got string, want array" --set watchNamespaces=notalist
check "schema rejects image.tag: 3 (a number)" rejected "at '/image/tag': got number, want string" --set image.tag=3
check "schema rejects a namespace that is not a DNS label" rejected "at '/watchNamespaces/0': 'Team_A' does not match pattern" --set 'watchNamespaces[0]=Team_A'
check "schema rejects logging.format: xml" rejected "at '/logging/format': value must be one of 'text', 'json'" --set logging.format=xml
check "schema rejects an unknown top-level value (typo)" rejected "additional properties 'replica' not allowed" --set replica=2
check "schema rejects admissionPolicy.validationActions: [Allow]" rejected "at '/admissionPolicy/validationActions/0': value must be one of" --set 'admissionPolicy.validationActions[0]=Allow'
check "replicas: 2 without leader election is refused" rejected "replicas > 1 needs leaderElection.enabled=true" \
  --set replicas=2 --set leaderElection.enabled=false

# Alerts and dashboard (their rule unit tests and the live Prometheus check are helm/tests/alerts/).
check "default: no PrometheusRule, no dashboard ConfigMap" \
  q "$d" '[.[] | select(.kind == "PrometheusRule" or (.kind == "ConfigMap" and .metadata.labels.grafana_dashboard))] | length == 0'
render --set metrics.prometheusRule.enabled=true --set grafana.dashboard.enabled=true | objects >"$work/monitoring.json"
m=$work/monitoring.json
alert_names='["DeadLetterAttemptsStartingLate","DeadLetterBacklogGrowing","DeadLetterNoLeader","DeadLetterOperatorDown","DeadLetterOperatorNotReady","DeadLetterReconcileErrors","DeadLetterTasksDeadLettered"]'
check "prometheusRule on: the seven alerts, each with a severity, summary and description" q "$m" "
  [.[] | select(.kind == \"PrometheusRule\") | .spec.groups[].rules[]] as \$r
  | ([\$r[].alert] | sort == $alert_names)
    and all(\$r[]; .labels.severity != null and .annotations.summary != null and .annotations.description != null)"
check "prometheusRule on: every expression selects this release's operator (job and namespace)" q "$m" '
  all(.[] | select(.kind == "PrometheusRule") | .spec.groups[].rules[];
      .expr | contains("job=\"'$release'-deadletter-operator-metrics\", namespace=\"'$sys_ns'\""))'
# Each runbook_url ends in the anchor GitHub makes of a heading of docs/runbooks.md.
runbooks_cover_alerts() {
  local anchors
  anchors=$(sed -n 's/^## \(.*\)$/\1/p' "$repo/docs/runbooks.md" | tr 'A-Z' 'a-z' | jq -R . | jq -s .)
  jq -e --argjson anchors "$anchors" '[.[] | select(.kind == "PrometheusRule") | .spec.groups[].rules[]]
    | length == 7 and all(.[]; .annotations.runbook_url as $u | ($u | startswith("https://github.com/deadletter-dev/deadletter-operator/blob/main/docs/runbooks.md#"))
      and ($anchors | index($u | split("#")[1])) != null and ($u | split("#")[1]) == (.alert | ascii_downcase))' "$m" >/dev/null
}
check "prometheusRule on: each runbook_url points at the alert's section of docs/runbooks.md" runbooks_cover_alerts
check "prometheusRule: severity, for, alertLabels, an alert turned off and a custom selector are rendered" bash -c "
  $(declare -f render objects); release=$release chart=$chart sys_ns=$sys_ns
  render --set metrics.prometheusRule.enabled=true --set metrics.prometheusRule.alerts.noLeader.severity=page \
    --set metrics.prometheusRule.alerts.noLeader.for=2m --set metrics.prometheusRule.alertLabels.team=batch \
    --set metrics.prometheusRule.alerts.backlogGrowing.enabled=false --set 'metrics.prometheusRule.selector=job=\"ops\"' |
    objects | jq -e '[.[] | select(.kind == \"PrometheusRule\") | .spec.groups[].rules[]] as \$r
      | (\$r | length == 6) and ([\$r[].alert] | index(\"DeadLetterBacklogGrowing\") == null)
      and all(\$r[]; .labels.team == \"batch\" and (.expr | contains(\"{job=\\\"ops\\\"\")) and (.expr | contains(\"namespace=\") | not))
      and (\$r[] | select(.alert == \"DeadLetterNoLeader\") | .labels.severity == \"page\" and .for == \"2m\")' >/dev/null"
check "dashboard on: a ConfigMap labelled grafana_dashboard: \"1\" holding the dashboard's JSON" q "$m" '
  [.[] | select(.kind == "ConfigMap" and .metadata.labels.grafana_dashboard == "1")] | length == 1
  and (.[0].data["deadletter-operator.json"] | fromjson | .uid == "deadletter-operator" and (.panels | length > 10))'
check "dashboard: namespace and annotations are rendered" bash -c "
  $(declare -f render objects); release=$release chart=$chart sys_ns=$sys_ns
  render --set grafana.dashboard.enabled=true --set grafana.dashboard.namespace=monitoring \
    --set grafana.dashboard.annotations.grafana_folder=Operators | objects |
    jq -e '.[] | select(.kind == \"ConfigMap\") | .metadata.namespace == \"monitoring\" and .metadata.annotations.grafana_folder == \"Operators\"' >/dev/null"
check "schema rejects a start lateness threshold above the histogram's last bucket (30 s)" \
  rejected "at '/metrics/prometheusRule/alerts/startLateness/thresholdSeconds'" --set metrics.prometheusRule.alerts.startLateness.thresholdSeconds=60
check "schema rejects an alert window that is not a duration" \
  rejected "at '/metrics/prometheusRule/alerts/deadLettered/window'" --set metrics.prometheusRule.alerts.deadLettered.window=15min
check "schema rejects an unknown alert (typo)" \
  rejected "additional properties 'deadletterd' not allowed" --set metrics.prometheusRule.alerts.deadletterd.enabled=false
check "schema rejects grafana.dashboard.enabled: \"yes\"" \
  rejected "at '/grafana/dashboard/enabled': got string, want boolean" --set-string grafana.dashboard.enabled=yes

# Every rule of every Role and ClusterRole the chart renders, one line each. A rule added to the chart
# that is not listed here fails the test: add it here only if the operator really calls it.
rules() {
  jq -r '.[] | select(.kind == "Role" or .kind == "ClusterRole") | . as $r | .rules[]
    | "\($r.kind) \($r.metadata.namespace // "-") \($r.metadata.name): \(.apiGroups | join(",")) \(.resources | join(","))"
      + " [\(.verbs | join(","))]" + (if .resourceNames then " names=\(.resourceNames | join(","))" else "" end)' "$1" | sort
}
operator_rules() { # operator_rules KIND NAMESPACE
  printf '%s\n' \
    "$1 $2 $release-deadletter-operator: deadletter.dev deadlettertasks [get,list,watch,create,patch,delete]" \
    "$1 $2 $release-deadletter-operator: deadletter.dev deadlettertasks/status [patch,update]" \
    "$1 $2 $release-deadletter-operator: deadletter.dev deadletterredrives [get,list,watch]" \
    "$1 $2 $release-deadletter-operator: deadletter.dev deadletterredrives/status [patch]" \
    "$1 $2 $release-deadletter-operator: deadletter.dev retrybudgets [get,list,watch]" \
    "$1 $2 $release-deadletter-operator: deadletter.dev retrybudgets/status [patch]" \
    "$1 $2 $release-deadletter-operator: batch jobs [get,list,watch,create,delete,patch]" \
    "$1 $2 $release-deadletter-operator:  pods [get,list,watch]" \
    "$1 $2 $release-deadletter-operator:  events [list]" \
    "$1 $2 $release-deadletter-operator: events.k8s.io events [create]" \
    "$1 $2 $release-deadletter-operator: apps deployments [get,list,watch]" \
    "$1 $2 $release-deadletter-operator: apps statefulsets [get,list,watch]"
}
common_rules() {
  printf '%s\n' \
    "Role $sys_ns $release-deadletter-operator-leader-election: coordination.k8s.io leases [create]" \
    "Role $sys_ns $release-deadletter-operator-leader-election: coordination.k8s.io leases [get,update,patch] names=deadletter-operator" \
    "ClusterRole - $release-deadletter-operator-task-editor: deadletter.dev deadlettertasks [get,list,watch,create,update,patch,delete,deletecollection]" \
    "ClusterRole - $release-deadletter-operator-task-editor: deadletter.dev deadlettertasks/status [get]" \
    "ClusterRole - $release-deadletter-operator-task-editor: deadletter.dev deadletterredrives [get,list,watch,create,update,patch,delete,deletecollection]" \
    "ClusterRole - $release-deadletter-operator-task-editor: deadletter.dev deadletterredrives/status [get]" \
    "ClusterRole - $release-deadletter-operator-task-editor: deadletter.dev retrybudgets [get,list,watch,create,update,patch,delete,deletecollection]" \
    "ClusterRole - $release-deadletter-operator-task-editor: deadletter.dev retrybudgets/status [get]" \
    "ClusterRole - $release-deadletter-operator-task-viewer: deadletter.dev deadlettertasks,deadlettertasks/status,deadletterredrives,deadletterredrives/status,retrybudgets,retrybudgets/status [get,list,watch]"
}
# The helm test hook's Role, in the namespace of its task: the task by name, and what the admission policy
# asks of a task author there.
test_rules() { # test_rules NAMESPACE
  printf '%s\n' \
    "Role $1 $release-deadletter-operator-test: deadletter.dev deadlettertasks [get,delete] names=$release-deadletter-operator-test" \
    "Role $1 $release-deadletter-operator-test: deadletter.dev deadlettertasks [create]" \
    "Role $1 $release-deadletter-operator-test: batch jobs [create]" \
    "Role $1 $release-deadletter-operator-test:  serviceaccounts [use] names=default"
}
{ operator_rules ClusterRole -; common_rules; test_rules "$sys_ns"; } | sort >"$work/expected-default.txt"
{ operator_rules Role "$ns_a"; operator_rules Role "$ns_b"; common_rules; test_rules "$ns_a"; } | sort >"$work/expected-namespaced.txt"
same_rules() { diff -u "$2" <(rules "$1") >"$work/diff" || { sed 's/^/  /' "$work/diff"; return 1; }; }
check "RBAC rules exactly as expected (all namespaces)" same_rules "$d" "$work/expected-default.txt"
check "RBAC rules exactly as expected (namespaced)" same_rules "$n" "$work/expected-namespaced.txt"
# rule_count PATTERN [HELM ARGS...]: how many rendered RBAC resource lines match (e.g. "pods/log").
rule_count() { local p=$1; shift; render "$@" | grep -cE "^ *resources: \[$p\]" || true; }
check "forensics off (default): no pods/log rule" test "$(rule_count pods/log)" = 0
check "forensics on: get on pods/log, once" test "$(rule_count pods/log --set forensics.enabled=true)" = 1
# gate_rules KINDS_JSON EXPECTED_RULE_LINES EXPECTED_GATE_KINDS: the rules for gates and GATE_KINDS follow gates.kinds
gate_rules() {
  local out
  out=$(render --set-json "gates.kinds=$1") || return 1
  diff -u <([[ -z $2 ]] || printf '%s\n' "$2") <(objects <<<"$out" | jq -r '.[] | select(.kind == "ClusterRole") | .rules[]
    | select(.verbs == ["get","list","watch"] and (.resources[0] | IN("pods","deadlettertasks","deadletterredrives","retrybudgets") | not))
    | "\(.apiGroups | join(",")) \(.resources | join(","))"') &&
    objects <<<"$out" | jq -e --arg want "$3" '[.[] | select(.kind == "Deployment") | .spec.template.spec.containers[0].env[]
      | select(.name == "GATE_KINDS") | .value] == [$want]' >/dev/null
}
check "gates: get, list and watch on exactly the kinds gates.kinds names; GATE_KINDS names the same" \
  gate_rules '[{"apiVersion":"v1","kind":"ConfigMap","resource":"configmaps"}]' ' configmaps' v1/ConfigMap
check "gates.kinds: []: no rule for gates, GATE_KINDS empty" gate_rules '[]' '' ''
check "schema rejects a gate kind without its resource" rejected "missing property 'resource'" --set-json 'gates.kinds=[{"apiVersion":"apps/v1","kind":"Deployment"}]'
check "labelled namespaces off (default): no rule on namespaces" test "$(rule_count namespaces)" = 0
check "labelled namespaces: get on the watched namespaces only" bash -c \
  "$(declare -f render); release=$release chart=$chart sys_ns=$sys_ns
   render --set capture.labelledNamespaces=true --set 'watchNamespaces={$ns_a,$ns_b}' |
     grep -A2 -E '^ *resources: \[namespaces\]' | grep -q 'resourceNames: \[\"$ns_a\",\"$ns_b\"\]'"
# The one rule on serviceaccounts: the test Role's `use` of default (a verb only the admission policy reads).
check "RBAC: no wildcard, secrets, pods/create, tokens, impersonate, escalate or bind" q "$d" '
  [.[] | select(.kind == "Role" or .kind == "ClusterRole") | .rules[]
   | select((.verbs + .resources + .apiGroups | index("*"))
       or (.resources | index("secrets") or index("serviceaccounts/token"))
       or ((.resources | index("serviceaccounts")) and (.verbs != ["use"] or .resourceNames != ["default"]))
       or (.verbs | index("impersonate") or index("escalate") or index("bind"))
       or ((.resources | index("pods")) and (.verbs | index("create"))))] | length == 0'

for f in "$crd_file" "$redrive_crd_file" "$budget_crd_file"; do
  check "CRD: the chart's copy of $(basename "$f") is byte-identical to crds/ (else: hack/update-crd.sh)" \
    cmp -s "$f" "$chart/files/$(basename "$f")"
done
same_crd() { # same_crd RENDERED NAME FILE: the rendered CRD minus the release's labels/annotations equals the committed file
  diff <(jq -S --arg name "$2" '.[] | select(.kind == "CustomResourceDefinition" and .metadata.name == $name) | del(.metadata.labels, .metadata.annotations)' "$1") \
       <(yq -S 'select(. != null)' "$3") >"$work/diff" || { head -20 "$work/diff"; return 1; }
}
check "CRD: rendered CRDs are exactly the three of crds/ (content)" bash -c "$(declare -f same_crd q); work=$work
  same_crd '$d' $crd '$crd_file' && same_crd '$d' $redrive_crd '$redrive_crd_file' &&
  same_crd '$d' $budget_crd '$budget_crd_file' &&
  q '$d' '[.[] | select(.kind == \"CustomResourceDefinition\")] | length == 3'"
check "CRD: helm.sh/resource-policy keep" \
  q "$d" 'all(.[] | select(.kind == "CustomResourceDefinition"); .metadata.annotations["helm.sh/resource-policy"] == "keep")'
check "CRD: crds.install=false renders none" bash -c \
  "helm template $release '$chart' --set crds.install=false | grep -q 'kind: CustomResourceDefinition' && exit 1 || exit 0"
check "CRD: small enough for client-side kubectl apply (last-applied < 256 KiB)" \
  test "$(yq -c 'select(. != null)' "$crd_file" | wc -c)" -lt 262144
check "ServiceMonitor rendered when enabled" bash -c \
  "helm template $release '$chart' --set metrics.serviceMonitor.enabled=true | yq -c -s '[.[] | select(.kind == \"ServiceMonitor\")][0].spec.endpoints[0].port' | grep -q http-metrics"
check "admissionPolicy.enabled=false renders no policy" bash -c \
  "helm template $release '$chart' --set admissionPolicy.enabled=false | grep -q ValidatingAdmissionPolicy && exit 1 || exit 0"
packaged() {
  helm package "$chart" -d "$work" >/dev/null &&
    tar -tzf "$work/deadletter-operator-0.1.0.tgz" | grep 'deadletter-operator/files/deadlettertasks.deadletter.dev-v1.yml' >/dev/null &&
    tar -tzf "$work/deadletter-operator-0.1.0.tgz" | grep 'deadletter-operator/files/deadletterredrives.deadletter.dev-v1.yml' >/dev/null &&
    tar -tzf "$work/deadletter-operator-0.1.0.tgz" | grep 'deadletter-operator/files/retrybudgets.deadletter.dev-v1.yml' >/dev/null &&
    test "$(helm template "$release" "$work/deadletter-operator-0.1.0.tgz" | grep -c 'kind: CustomResourceDefinition')" = 3
}
check "helm package carries the three CRDs and renders them" packaged

# Chart metadata as Artifact Hub reads it, and the Kubernetes version helm renders for.
meta() { yq -r "$1" "$chart/Chart.yaml"; }
annotation() { meta ".annotations[\"artifacthub.io/$1\"]"; }
kube_version_default() { # helm's build stamps the version of its client-go; unstamped it would be v1.20.0
  local want got
  mkdir -p "$work/kv/templates" || return 1
  printf 'apiVersion: v2\nname: kv\nversion: 0.1.0\n' >"$work/kv/Chart.yaml"
  echo 'version: {{ .Capabilities.KubeVersion.Version }}' >"$work/kv/templates/kv.yaml"
  # The minor of hack/k8s/go.mod, not of the kubectl on PATH: hack/compat.sh runs these tests with an older
  # kubectl beside the same helm.
  want=$(awk '$1=="k8s.io/kubernetes" && $2 ~ /^v/ {split($2, v, "."); print v[1] "." v[2] ".0"; exit}' \
    "$repo/hack/k8s/go.mod")
  got=$(helm template "$work/kv" | yq -r '.version')
  [[ "$got" == "$want" ]] || { echo "  helm renders for $got, hack/k8s/go.mod pins $want"; return 1; }
}
check "helm renders for the Kubernetes version it was built with (hack/k8s/build.sh stamps it)" kube_version_default
check "Chart.yaml: kubeVersion >=1.30.0-0" test "$(meta .kubeVersion)" = ">=1.30.0-0"
check "kubeVersion: rendering for Kubernetes 1.29 is refused" rejected "incompatible with Kubernetes v1.29.0" --kube-version 1.29.0
check "Artifact Hub: home, sources, icon (docs/icon.svg), maintainers" bash -c "
  yq -e '.home and (.sources | length > 0) and (.maintainers | length > 0) and (.icon | endswith(\"/docs/icon.svg\"))' '$chart/Chart.yaml' >/dev/null &&
  test -s '$repo/docs/icon.svg'"
check "Artifact Hub: operator, capabilities, license (LICENSE), prerelease, links, crds" bash -c "$(declare -f meta annotation); chart='$chart'
  test \"\$(annotation operator)\" = true && test \"\$(annotation prerelease)\" = true &&
  case \"\$(annotation operatorCapabilities)\" in 'Basic Install'|'Seamless Upgrades'|'Full Lifecycle'|'Deep Insights'|'Auto Pilot') ;; *) exit 1 ;; esac &&
  test \"\$(annotation license)\" = Apache-2.0 && grep -q 'Apache License' '$repo/LICENSE' &&
  annotation links | yq -e 'length > 0 and all(.[]; .name and (.url | startswith(\"https://\")))' >/dev/null &&
  annotation crds | yq -e '[.[].name] == [\"$crd\", \"$redrive_crd\", \"$budget_crd\"]' >/dev/null"
check "Artifact Hub: images are the operator at appVersion and the test image of values.yaml" bash -c "$(declare -f meta annotation); chart='$chart'
  annotation images | yq -e --arg op \"ghcr.io/deadletter-dev/deadletter-operator:\$(meta .appVersion)\" \\
    --arg test \"\$(yq -r '.tests.image.repository + \":\" + .tests.image.tag' '$chart/values.yaml')\" \\
    '[.[].image] == [\$op, \$test]' >/dev/null"

# The helm test hook, rendered.
hook='.[] | select(.metadata.annotations["helm.sh/hook"] == "test")'
test_pod="$hook | select(.kind == \"Pod\")"
test_env() { echo "($test_pod | .spec.containers[0].env[] | select(.name == \"$1\") | .value)"; }
check "helm test hook: a ServiceAccount, Role, RoleBinding and Pod; RBAC deleted after the test, the pod kept for --logs" \
  q "$d" "([$hook | .kind] | sort) == [\"Pod\",\"Role\",\"RoleBinding\",\"ServiceAccount\"]
    and all($hook | select(.kind != \"Pod\"); .metadata.annotations[\"helm.sh/hook-delete-policy\"] == \"before-hook-creation,hook-succeeded,hook-failed\")
    and ($test_pod | .metadata.annotations[\"helm.sh/hook-delete-policy\"] == \"before-hook-creation\")"
check "helm test hook: its task goes to the release namespace (all namespaces watched)" \
  q "$d" "$(test_env TASK_NAMESPACE) == \"$sys_ns\" and ($hook | select(.kind == \"Role\") | .metadata.namespace) == \"$sys_ns\""
check "helm test hook: to the first watched namespace when the release namespace is not watched" \
  q "$n" "$(test_env TASK_NAMESPACE) == \"$ns_a\" and ($hook | select(.kind == \"RoleBinding\") | .metadata.namespace == \"$ns_a\"
    and .subjects == [{\"kind\":\"ServiceAccount\",\"name\":\"$release-deadletter-operator-test\",\"namespace\":\"$sys_ns\"}])"
check "helm test hook: TASK is a DeadLetterTask of that name and namespace, its Job as restricted as the operator" bash -c "
  jq -r '$(test_env TASK)' '$d' | yq -e '.kind == \"DeadLetterTask\" and .metadata.name == \"$release-deadletter-operator-test\"
    and .metadata.namespace == \"$sys_ns\" and .spec.jobTemplate.spec.template.spec.automountServiceAccountToken == false
    and .spec.jobTemplate.spec.template.spec.securityContext.runAsNonRoot == true
    and .spec.jobTemplate.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation == false' >/dev/null"
check "helm test hook: the test pod is as restricted as the operator's" q "$d" "$test_pod | .spec.securityContext.runAsNonRoot == true
  and .spec.securityContext.seccompProfile.type == \"RuntimeDefault\"
  and (.spec.containers[0].securityContext | .allowPrivilegeEscalation == false and .readOnlyRootFilesystem == true and .capabilities.drop == [\"ALL\"])"
check "helm test hook: with admissionPolicy.enabled=false the test Role keeps only the task rules" bash -c "
  helm template $release '$chart' -n $sys_ns --set admissionPolicy.enabled=false | yq -s -e '[.[] | select(.kind == \"Role\" and .metadata.name == \"$release-deadletter-operator-test\") | .rules[].resources[]] == [\"deadlettertasks\",\"deadlettertasks\"]' >/dev/null"
check "helm test hook: tests.enabled=false renders none" bash -c \
  "helm template $release '$chart' --set tests.enabled=false | grep -q 'helm.sh/hook: test' && exit 1 || exit 0"

# ---------------------------------------------------------------------------------------------------------
# On the local cluster

if ! kubectl get --raw /readyz >/dev/null 2>&1; then
  echo "FAIL cluster not reachable (hack/cluster.sh up)"; failed=$((failed + 1))
  echo "helm: $passed passed, $failed failed, $skipped skipped"; exit 1
fi

# Leftovers of an interrupted run.
helm status "$release" -n "$sys_ns" >/dev/null 2>&1 && helm uninstall "$release" -n "$sys_ns" >/dev/null
for ns in "$sys_ns" "$ns_a" "$ns_b" "$ns_other"; do kubectl delete ns "$ns" --ignore-not-found --wait=true --timeout=60s >/dev/null; done

kubectl create ns "$sys_ns" >/dev/null
kubectl label ns "$sys_ns" pod-security.kubernetes.io/enforce=restricted pod-security.kubernetes.io/enforce-version=latest >/dev/null
for ns in "$ns_a" "$ns_b" "$ns_other"; do kubectl create ns "$ns" >/dev/null; done

# A CRD applied before with kubectl (or by the Java tests) is adopted by the release, as the README documents.
for c in "$crd" "$redrive_crd" "$budget_crd"; do
  owner=$(kubectl get crd "$c" -o jsonpath='{.metadata.annotations.meta\.helm\.sh/release-namespace}/{.metadata.annotations.meta\.helm\.sh/release-name}' 2>/dev/null)
  if [[ -n "$owner" && "$owner" != / && "$owner" != "$sys_ns/$release" ]]; then
    release_owns_crd=false
    echo "FAIL the CRD $c belongs to release $owner; uninstall it first"; failed=$((failed + 1))
    echo "helm: $passed passed, $failed failed"; exit 1
  fi
  if [[ "$owner" == / ]]; then
    kubectl label crd "$c" app.kubernetes.io/managed-by=Helm --overwrite >/dev/null
    kubectl annotate crd "$c" meta.helm.sh/release-name="$release" meta.helm.sh/release-namespace="$sys_ns" --overwrite >/dev/null
  fi
done

# KWOK plays the kubelet: no JVM runs, the annotation keeps the simulated pods running.
sim=(--set-string 'podAnnotations.sim\.deadletter\.dev/hang=true')

check "helm install (all namespaces, 1 replica) into a restricted namespace" \
  quietly helm install "$release" "$chart" -n "$sys_ns" "${sim[@]}" --wait --timeout 90s
check "the CRD is owned by the release and kept on uninstall" bash -c \
  "kubectl get crd $crd -o json | jq -e '.metadata.annotations[\"meta.helm.sh/release-name\"] == \"$release\" and .metadata.annotations[\"helm.sh/resource-policy\"] == \"keep\"' >/dev/null"
check "NOTES: the install warns that image.repository is still the placeholder" bash -c \
  "helm get notes $release -n $sys_ns | grep -q '^WARNING: image.repository is still the chart.s placeholder'"
crds_examples() { # Artifact Hub's crdsExamples, each accepted by the CRD and the admission policy (server dry run)
  local example
  yq -r '.annotations["artifacthub.io/crdsExamples"]' "$chart/Chart.yaml" | yq -c '.[]' >"$work/examples.jsonl" &&
    test -s "$work/examples.jsonl" || return 1
  while IFS= read -r example; do
    kubectl create --dry-run=server -n "$ns_a" -f - <<<"$example" >/dev/null || return 1
  done <"$work/examples.jsonl"
}
check "Artifact Hub: the crdsExamples are valid DeadLetterTasks (server-side dry run)" crds_examples

can() { kubectl auth can-i --as="$sa_user" "$@" >/dev/null 2>&1; }
cannot() { ! can "$@"; }
check "all namespaces: the ServiceAccount may create jobs in any namespace" can create jobs.batch -n "$ns_other"
check "all namespaces: the ServiceAccount may watch tasks cluster-wide" can watch deadlettertasks.deadletter.dev --all-namespaces

# Upgrade: change values (namespaced, 2 replicas).
check "helm upgrade to watchNamespaces [$ns_a, $ns_b], replicas 2, a real image.repository" \
  quietly helm upgrade "$release" "$chart" -n "$sys_ns" "${sim[@]}" -f "$work/namespaced.yaml" \
    --set image.repository=ghcr.io/deadletter-dev/deadletter-operator --wait --timeout 90s
check "NOTES: no placeholder warning once image.repository is set" bash -c \
  "helm get notes $release -n $sys_ns | grep -q 'is installed as release' && ! helm get notes $release -n $sys_ns | grep -q WARNING"
check "after upgrade: revision 2, a PodDisruptionBudget, no ClusterRoleBinding" bash -c "
  helm status $release -n $sys_ns -o json | jq -e '.version == 2' >/dev/null &&
  kubectl get pdb -n $sys_ns $release-deadletter-operator >/dev/null &&
  ! kubectl get clusterrolebinding $release-deadletter-operator >/dev/null 2>&1"
check "Pod Security restricted: the operator's 2 pods were admitted and run" bash -c "
  test \"\$(kubectl get pods -n $sys_ns -l app.kubernetes.io/instance=$release --field-selector=status.phase=Running -o name | wc -l)\" -ge 2"
pod_from_template() { # the Deployment's pod template as a Pod, optionally changed by a jq filter
  kubectl get deploy -n "$sys_ns" "$release-deadletter-operator" -o json |
    jq "{apiVersion: \"v1\", kind: \"Pod\", metadata: {name: \"psa-check\", namespace: \"$sys_ns\"}, spec: .spec.template.spec} ${1:+| $1}"
}
check "Pod Security restricted: the rendered pod passes a server-side dry run" \
  bash -c "$(declare -f pod_from_template); sys_ns=$sys_ns release=$release; pod_from_template | kubectl create --dry-run=server -f - >/dev/null"
check "Pod Security restricted: the namespace really enforces (a root pod is refused)" bash -c \
  "$(declare -f pod_from_template); sys_ns=$sys_ns release=$release
   pod_from_template '.spec.securityContext = {} | .spec.containers[0].securityContext = {}' |
     kubectl create --dry-run=server -f - 2>&1 | grep -q 'violates PodSecurity \"restricted:latest\"'"

for ns in "$ns_a" "$ns_b"; do
  for verb in get list watch; do check "can-i $verb deadlettertasks in $ns" can "$verb" deadlettertasks.deadletter.dev -n "$ns"; done
  check "can-i patch deadlettertasks/status in $ns" can patch deadlettertasks.deadletter.dev --subresource=status -n "$ns"
  check "can-i update deadlettertasks/status in $ns" can update deadlettertasks.deadletter.dev --subresource=status -n "$ns"
  for verb in get list watch create delete; do check "can-i $verb jobs in $ns" can "$verb" jobs.batch -n "$ns"; done
  for verb in get list watch; do check "can-i $verb pods in $ns" can "$verb" pods -n "$ns"; done
  check "can-i create events.k8s.io events in $ns" can create events.events.k8s.io -n "$ns"
done
check "can-i create leases in $sys_ns" can create leases.coordination.k8s.io -n "$sys_ns"
for verb in get update patch; do
  check "can-i $verb lease deadletter-operator in $sys_ns" can "$verb" leases.coordination.k8s.io/deadletter-operator -n "$sys_ns"
done

check "cannot create pods" cannot create pods -n "$ns_a"
check "cannot get secrets" cannot get secrets -n "$ns_a"
check "cannot list secrets in its own namespace" cannot list secrets -n "$sys_ns"
check "cannot create serviceaccounts/token" cannot create serviceaccounts --subresource=token -n "$ns_a"
check "cannot impersonate serviceaccounts" cannot impersonate serviceaccounts -n "$ns_a"
check "cannot create jobs in a namespace it does not watch" cannot create jobs.batch -n "$ns_other"
check "cannot list jobs cluster-wide" cannot list jobs.batch --all-namespaces
check "cannot list tasks in a namespace it does not watch" cannot list deadlettertasks.deadletter.dev -n "$ns_other"
# patch, not update: a DeadLetterRedrive's merge patch of the retry annotation (README, Security model).
check "cannot update tasks; may patch them (redrive annotation)" bash -c "$(declare -f can cannot); sa_user=$sa_user
  cannot update deadlettertasks.deadletter.dev -n $ns_a && can patch deadlettertasks.deadletter.dev -n $ns_a"
check "may read redrives and patch their status, nothing else on them" bash -c "$(declare -f can cannot); sa_user=$sa_user
  can watch deadletterredrives.deadletter.dev -n $ns_a && can patch deadletterredrives.deadletter.dev --subresource=status -n $ns_a &&
  cannot create deadletterredrives.deadletter.dev -n $ns_a && cannot patch deadletterredrives.deadletter.dev -n $ns_a &&
  cannot list deadletterredrives.deadletter.dev -n $ns_other"
check "may read retry budgets and patch their status, nothing else on them" bash -c "$(declare -f can cannot); sa_user=$sa_user
  can watch retrybudgets.deadletter.dev -n $ns_a && can patch retrybudgets.deadletter.dev --subresource=status -n $ns_a &&
  cannot create retrybudgets.deadletter.dev -n $ns_a && cannot patch retrybudgets.deadletter.dev -n $ns_a &&
  cannot delete retrybudgets.deadletter.dev -n $ns_a && cannot list retrybudgets.deadletter.dev -n $ns_other"
# People: the chart's roles are aggregated into the built-in edit and view ClusterRoles.
check "a namespace editor (built-in edit) may manage retry budgets; a viewer (view) may only read them" bash -c "
  kubectl create rolebinding budget-editor -n $ns_b --clusterrole=edit --user=budget-editor >/dev/null &&
  kubectl create rolebinding budget-viewer -n $ns_b --clusterrole=view --user=budget-viewer >/dev/null &&
  for i in \$(seq 1 20); do kubectl auth can-i create retrybudgets.deadletter.dev -n $ns_b --as=budget-editor >/dev/null 2>&1 && break; sleep 0.5; done &&
  kubectl auth can-i delete retrybudgets.deadletter.dev -n $ns_b --as=budget-editor >/dev/null &&
  kubectl auth can-i list retrybudgets.deadletter.dev -n $ns_b --as=budget-viewer >/dev/null &&
  ! kubectl auth can-i create retrybudgets.deadletter.dev -n $ns_b --as=budget-viewer >/dev/null 2>&1 &&
  ! kubectl auth can-i patch retrybudgets.deadletter.dev --subresource=status -n $ns_b --as=budget-editor >/dev/null 2>&1"
check "cannot update jobs (patch only marks captured Jobs)" cannot update jobs.batch -n "$ns_a"
check "cannot create core events" cannot create events -n "$ns_a"
check "cannot delete pods or exec into them" bash -c "$(declare -f can cannot); sa_user=$sa_user
  cannot delete pods -n $ns_a && cannot create pods --subresource=exec -n $ns_a"
check "cannot get other leases, nor leases outside $sys_ns" bash -c "$(declare -f can cannot); sa_user=$sa_user
  cannot get leases.coordination.k8s.io/other -n $sys_ns && cannot create leases.coordination.k8s.io -n $ns_a"
check "cannot escalate or bind roles" bash -c "$(declare -f can cannot); sa_user=$sa_user
  cannot escalate roles.rbac.authorization.k8s.io -n $ns_a && cannot bind clusterroles.rbac.authorization.k8s.io"

# token_kubeconfig FILE TOKEN: a kubeconfig for this cluster that authenticates with nothing but TOKEN.
token_kubeconfig() {
  local server ca
  [[ -n "$2" ]] || return 1
  server=$(kubectl config view --raw --minify -o jsonpath='{.clusters[0].cluster.server}')
  ca=$(kubectl config view --raw --minify -o jsonpath='{.clusters[0].cluster.certificate-authority-data}')
  if [[ -z "$ca" ]]; then
    ca=$(base64 -w0 <"$(kubectl config view --raw --minify -o jsonpath='{.clusters[0].cluster.certificate-authority}')")
  fi
  cat >"$1" <<YAML
apiVersion: v1
kind: Config
clusters: [{name: local, cluster: {server: "$server", certificate-authority-data: "$ca"}}]
users: [{name: sa, user: {token: "$2"}}]
contexts: [{name: sa, context: {cluster: local, user: sa}}]
current-context: sa
YAML
}

# The real operator with nothing but the ServiceAccount's token: a full retry cycle.
run_operator() {
  local jar="$repo/target/deadletter-operator.jar"
  if [[ ! -f "$jar" || ! -d "$repo/target/lib" ]]; then
    (cd "$repo" && mvn -B -q -ntp package -Dmaven.test.skip=true) || return 1
  fi
  # A copy, so that a concurrent `mvn package` cannot pull the classes from under the running JVM.
  mkdir -p "$work/app" && cp "$jar" "$work/app/" && cp -r "$repo/target/lib" "$work/app/" || return 1
  local token
  token=$(kubectl create token "$sa_name" -n "$sys_ns" --duration=10m) || return 1
  token_kubeconfig "$work/sa.kubeconfig" "$token" || return 1
  (cd "$work" && exec env -u KUBERNETES_SERVICE_HOST KUBECONFIG="$work/sa.kubeconfig" \
    WATCH_NAMESPACES="$ns_a,$ns_b" POD_NAMESPACE="$sys_ns" LEADER_ELECTION_ENABLED=true \
    LEADER_ELECTION_LEASE_NAME=deadletter-operator LEADER_ELECTION_LEASE_NAMESPACE="$sys_ns" \
    HTTP_PORT="$http_port" LOG_LEVEL=INFO \
    java -jar "$work/app/deadletter-operator.jar" >"$work/operator.log" 2>&1) &
  operator_pid=$!
}
check "the operator jar starts with the ServiceAccount's token" run_operator

cat >"$work/task.yaml" <<YAML
apiVersion: deadletter.dev/v1alpha1
kind: DeadLetterTask
metadata:
  name: helm-rbac
  namespace: $ns_a
spec:
  retryPolicy:
    maxAttempts: 3
    backoff: {initialDelay: 1s, jitter: 0}
  jobTemplate:
    spec:
      template:
        metadata:
          annotations: {sim.deadletter.dev/exit-codes: "1,0", sim.deadletter.dev/duration: 500ms}
        spec:
          restartPolicy: Never
          containers: [{name: main, image: example.invalid/never-pulled}]
YAML
# The operator's whole log (INFO, a few hundred lines at most) and the task as the API server has it: the
# work dir is removed on exit, and a failure here once showed nothing in the log's last lines.
operator_log() {
  echo "  --- operator log ---"; sed 's/^/  /' "$work/operator.log"
  echo "  --- task ---"; kubectl get dlt helm-rbac -n "$ns_a" -o yaml | sed 's/^/  /'
  echo "  --- the operator's event and reconcile counters ---"
  curl -fsS "http://127.0.0.1:$http_port/metrics" | grep -E '^operator_sdk_(events|reconciliations)' | sed 's/^/  /'
  echo "  --- the operator's threads ---"; jcmd "$operator_pid" Thread.print 2>&1 | sed 's/^/  /'
}
succeeded_after_2() {
  kubectl apply -f "$work/task.yaml" >/dev/null || return 1
  local phase="" attempts=""
  for _ in $(seq 90); do
    read -r phase attempts < <(kubectl get dlt helm-rbac -n "$ns_a" -o jsonpath='{.status.phase} {.status.attempts}')
    [[ "$phase" == Succeeded ]] && break
    kill -0 "$operator_pid" 2>/dev/null || { echo "  the operator exited:"; operator_log; return 1; }
    sleep 1
  done
  [[ "$phase" == Succeeded && "$attempts" == 2 ]] || { echo "  phase=$phase attempts=$attempts"; operator_log; return 1; }
}
check "full retry cycle as the ServiceAccount: exit 1, retry after 1s, exit 0 -> Succeeded, 2 attempts" succeeded_after_2
check "history: Failed then Succeeded" bash -c \
  "kubectl get dlt helm-rbac -n $ns_a -o json | jq -e '[.status.history[].outcome] == [\"Failed\",\"Succeeded\"]' >/dev/null"
# One Event per failed attempt and one for the recovery (Events follow the status write: wait up to 10 s).
check "events.k8s.io Events by the operator: AttemptFailed, then Succeeded for the recovery" bash -c \
  "for i in \$(seq 20); do kubectl get events.events.k8s.io -n $ns_a -o json | jq -e '[.items[] | select(.regarding.name == \"helm-rbac\" and .reportingController == \"deadletter.dev/deadletter-operator\") | .reason] | sort == [\"AttemptFailed\", \"Succeeded\"]' >/dev/null && exit 0; sleep 0.5; done; exit 1"
# The helm test hook. On KWOK its pod "succeeds" without running (no container runs there), which shows that
# the hook's objects are created, that its pod is admitted in a restricted namespace, and what is cleaned up.
test_sa=$release-deadletter-operator-test
check "helm test: the hook's pod is admitted in the restricted namespace and succeeds (simulated by KWOK)" \
  quietly helm test "$release" -n "$sys_ns" --timeout 90s
check "helm test: afterwards its ServiceAccount and RBAC are gone, its Succeeded pod stays for --logs" bash -c "
  ! kubectl get sa $test_sa -n $sys_ns >/dev/null 2>&1 && ! kubectl get role $test_sa -n $ns_a >/dev/null 2>&1 &&
  ! kubectl get rolebinding $test_sa -n $ns_a >/dev/null 2>&1 &&
  test \"\$(kubectl get pod $test_sa -n $sys_ns -o jsonpath='{.status.phase}')\" = Succeeded"
# So the hook's own script runs here, as the hook's ServiceAccount with the hook's RBAC (applied again from
# `helm get hooks`), against the real operator started above: it watches $ns_a, where this release's hook puts
# its task.
hook_rbac() { # the test hook's ServiceAccount, Role and RoleBinding as a List
  yq -s '{apiVersion: "v1", kind: "List", items: [.[] | select(.metadata.annotations["helm.sh/hook"] == "test" and .kind != "Pod")]}' \
    "$work/hooks.yaml"
}
hook_setup() {
  helm get hooks "$release" -n "$sys_ns" >"$work/hooks.yaml" || return 1
  hook_rbac | kubectl apply -f - >/dev/null || return 1
  token_kubeconfig "$work/test.kubeconfig" "$(kubectl create token "$test_sa" -n "$sys_ns" --duration=10m)"
}
hook_script() {
  local pod='select(.kind == "Pod") | .spec.containers[0]' envs=()
  yq -r "$pod | .args[0]" "$work/hooks.yaml" >"$work/hook.sh" || return 1
  mapfile -d '' envs < <(yq -j "$pod | .env[] | select(.name != \"HOME\") | \"\\(.name)=\\(.value)\\u0000\"" "$work/hooks.yaml")
  [[ " ${envs[*]} " == *" TASK_NAMESPACE=$ns_a "* ]] || { echo "  the hook's task is not in $ns_a: ${envs[*]:0:3}"; return 1; }
  env "${envs[@]}" KUBECONFIG="$work/test.kubeconfig" TIMEOUT_SECONDS=90 sh "$work/hook.sh" >"$work/hook.log" 2>&1
  local rc=$?
  sed 's/^/  /' "$work/hook.log"
  ((rc == 0)) && grep -q "task $ns_a/$test_sa is Ready" "$work/hook.log"
}
check "helm test for real: the hook's ServiceAccount and RBAC, applied from helm get hooks" hook_setup
check "helm test for real: the hook's script creates its task, the operator runs it to Ready, the script deletes it" hook_script
check "helm test for real: the task is gone" bash -c "! kubectl get dlt $test_sa -n $ns_a >/dev/null 2>&1"
test_can() { kubectl auth can-i --as="system:serviceaccount:$sys_ns:$test_sa" "$@" >/dev/null 2>&1; }
check "the hook's ServiceAccount may create tasks and get and delete its own, in $ns_a only" bash -c "$(declare -f test_can); test_sa=$test_sa sys_ns=$sys_ns
  test_can create deadlettertasks.deadletter.dev -n $ns_a && test_can get deadlettertasks.deadletter.dev/$test_sa -n $ns_a &&
  test_can delete deadlettertasks.deadletter.dev/$test_sa -n $ns_a && ! test_can create deadlettertasks.deadletter.dev -n $ns_b &&
  ! test_can create deadlettertasks.deadletter.dev -n $sys_ns"
check "the hook's ServiceAccount may not list, watch, update or read other tasks, pods or secrets" bash -c "$(declare -f test_can); test_sa=$test_sa sys_ns=$sys_ns
  ! test_can list deadlettertasks.deadletter.dev -n $ns_a && ! test_can watch deadlettertasks.deadletter.dev -n $ns_a &&
  ! test_can update deadlettertasks.deadletter.dev/$test_sa -n $ns_a && ! test_can patch deadlettertasks.deadletter.dev/$test_sa -n $ns_a &&
  ! test_can get deadlettertasks.deadletter.dev/other -n $ns_a && ! test_can delete deadlettertasks.deadletter.dev/other -n $ns_a &&
  ! test_can create pods -n $ns_a && ! test_can get secrets -n $ns_a && ! test_can get jobs.batch -n $ns_a &&
  ! test_can delete jobs.batch -n $ns_a"
hook_rbac 2>/dev/null | kubectl delete -f - --ignore-not-found >/dev/null 2>&1

check "no request of the operator was forbidden" bash -c "! grep -iE 'forbidden|HTTP 403|code=403' '$work/operator.log'"
if curl -fs -o /dev/null "http://127.0.0.1:$http_port/healthz"; then
  check "the probes' endpoints answer: /healthz and /readyz 200" \
    bash -c "curl -fs -o /dev/null http://127.0.0.1:$http_port/healthz && curl -fs -o /dev/null http://127.0.0.1:$http_port/readyz"
  check "the metrics Service's endpoint answers: /metrics" bash -c "curl -fs http://127.0.0.1:$http_port/metrics | grep -q '^# '"
else
  skip "health endpoints (this build of the operator does not serve HTTP_PORT yet)"
fi
if kubectl get lease deadletter-operator -n "$sys_ns" >/dev/null 2>&1; then
  check "leader election: the operator holds the Lease in $sys_ns" bash -c \
    "test -n \"\$(kubectl get lease deadletter-operator -n $sys_ns -o jsonpath='{.spec.holderIdentity}')\""
else
  skip "leader election Lease (this build of the operator does not read LEADER_ELECTION_ENABLED yet)"
fi
if [[ -n "$operator_pid" ]]; then kill "$operator_pid" 2>/dev/null; wait "$operator_pid" 2>/dev/null; operator_pid=""; fi

# Admission matrix: who may create and change tasks.
kubectl create sa runner -n "$ns_b" >/dev/null
kubectl create sa other -n "$ns_b" >/dev/null
kubectl create role task-author -n "$ns_b" --verb=get,list,watch,create,update,patch --resource=deadlettertasks.deadletter.dev >/dev/null
kubectl create role task-status -n "$ns_b" --verb=get,patch,update --resource=deadlettertasks.deadletter.dev/status >/dev/null
kubectl create role job-creator -n "$ns_b" --verb=create --resource=jobs.batch >/dev/null
# kubectl create role refuses the custom verb `use`, so this one is written out.
kubectl apply -f - >/dev/null <<YAML
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: use-runner, namespace: $ns_b}
rules: [{apiGroups: [""], resources: [serviceaccounts], resourceNames: [runner], verbs: [use]}]
YAML
kubectl create role token-runner -n "$ns_b" --verb=create --resource=serviceaccounts/token --resource-name=runner >/dev/null
declare -A kubeconfig
grant() { # grant USER ROLE...
  local user=$1; shift
  kubeconfig[$user]=$("$repo/hack/cluster.sh" user "dlt-helm-$user" 2>/dev/null)
  for role in task-author task-status "$@"; do
    kubectl create rolebinding "$user-$role" -n "$ns_b" --role="$role" --user="dlt-helm-$user" >/dev/null
  done
}
grant nobody                       # may write tasks, nothing else
grant jobs job-creator             # may create Jobs, no right on any ServiceAccount
grant sa use-runner                # may use runner, may not create Jobs
grant both job-creator use-runner
grant token job-creator token-runner   # may mint runner's tokens: already may act as it
kubectl create role read-db -n "$ns_b" --verb=get --resource=deployments.apps --resource-name=db >/dev/null
grant reader job-creator use-runner read-db   # as both, and may read Deployment db

task() { # task NAME SERVICE_ACCOUNT_FIELD SERVICE_ACCOUNT
  cat <<YAML
apiVersion: deadletter.dev/v1alpha1
kind: DeadLetterTask
metadata: {name: $1, namespace: $ns_b}
spec:
  suspend: true
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          ${3:+$2: $3}
          containers: [{name: main, image: example.invalid/never-pulled}]
YAML
}
jobs_msg="may not create Jobs there: missing permission create on jobs.batch in namespace $ns_b"
sa_msg() { echo "may not use it: missing permission use on serviceaccounts/$1 in namespace $ns_b"; }
admits() { # admits USER COMMAND...: the command, as USER, succeeds
  local user=$1; shift
  KUBECONFIG="${kubeconfig[$user]}" "$@" >/dev/null 2>"$work/err" || { sed 's/^/  /' "$work/err"; return 1; }
}
denies() { # denies USER MESSAGE COMMAND...: the command, as USER, is refused by the policy with MESSAGE
  local user=$1 want=$2; shift 2
  if KUBECONFIG="${kubeconfig[$user]}" "$@" >/dev/null 2>"$work/err"; then echo "  admitted"; return 1; fi
  grep -qF -- "$want" "$work/err" && grep -q "ValidatingAdmissionPolicy" "$work/err" || { sed 's/^/  /' "$work/err"; return 1; }
  echo "  -> $(grep -o 'denied request: .*' "$work/err")"
}
create() { local f="$work/$1.yaml"; task "$@" >"$f"; kubectl create -f "$f"; }

check "create: without create jobs, without use -> denied (jobs)" denies nobody "$jobs_msg" create t1 serviceAccountName runner
check "create: with create jobs, without use on runner -> denied (use)" denies jobs "$(sa_msg runner)" create t2 serviceAccountName runner
check "create: with use on runner, without create jobs -> denied (jobs)" denies sa "$jobs_msg" create t3 serviceAccountName runner
check "create: with create jobs and use on runner -> admitted" admits both create t4 serviceAccountName runner
check "create: same user, ServiceAccount other -> denied (use other)" denies both "$(sa_msg other)" create t5 serviceAccountName other
check "create: no serviceAccountName means default -> denied (use default)" denies both "$(sa_msg default)" create t6 "" ""
check "create: deprecated serviceAccount field is checked too -> denied (use other)" denies both "$(sa_msg other)" create t7 serviceAccount other
check "create: with create jobs and create serviceaccounts/token for runner -> admitted" admits token create t8 serviceAccountName runner
gated() { # gated NAME: a task like t4 whose retries wait for Deployment db
  task "$1" serviceAccountName runner
  echo "  retryPolicy: {gates: [{apiVersion: apps/v1, kind: Deployment, name: db, condition: {type: Available}}]}"
}
create_gated() { gated "$1" >"$work/$1.yaml"; kubectl create -f "$work/$1.yaml"; }
check "create: a gate on a Deployment the user may not get -> denied (gate)" \
  denies both "has retry gates on objects that user dlt-helm-both may not get in namespace $ns_b (of Deployment/db)" create_gated t10
check "create: a gate on a Deployment the user may get -> admitted" admits reader create_gated t11
check "create: a gate on a kind gates.kinds does not list needs no get (the operator reads nothing)" admits both \
  bash -c "$(declare -f task gated); ns_b=$ns_b; gated t12 | sed 's/apps\/v1, kind: Deployment/v1, kind: ConfigMap/' | kubectl create -f -"
check "create: cluster admin -> admitted" bash -c "$(declare -f task); ns_b=$ns_b; task t9 serviceAccountName other | kubectl create -f - >/dev/null"

patch() { kubectl patch dlt t4 -n "$ns_b" --type=merge -p "$1"; }
patch_status() { kubectl patch dlt t4 -n "$ns_b" --subresource=status --type=merge -p "$1"; }
check "update spec: create jobs, no use on runner -> denied (use)" denies jobs "$(sa_msg runner)" patch '{"spec":{"suspend":false}}'
check "update spec: use on runner, no create jobs -> denied (jobs)" denies sa "$jobs_msg" patch '{"spec":{"suspend":false}}'
check "update spec: create jobs and use on runner -> admitted" admits both patch '{"spec":{"historyLimits":{"failed":2}}}'
check "update spec: switch to ServiceAccount other -> denied (use other)" denies both "$(sa_msg other)" \
  patch '{"spec":{"jobTemplate":{"spec":{"template":{"spec":{"serviceAccountName":"other"}}}}}}'
check "update metadata only (a label) without any right -> admitted" admits nobody patch '{"metadata":{"labels":{"team":"a"}}}'
check "redrive (retry annotation) without create jobs -> denied (jobs)" denies nobody "$jobs_msg" \
  patch '{"metadata":{"annotations":{"deadletter.dev/retry-requested-at":"2026-01-01T00:00:00Z"}}}'
check "redrive with create jobs and use on runner -> admitted" admits both \
  patch '{"metadata":{"annotations":{"deadletter.dev/retry-requested-at":"2026-01-01T00:00:00Z"}}}'
check "status subresource is not matched (no job rights needed)" admits nobody patch_status '{"status":{"message":"test"}}'

# Admission matrix: who may create a DeadLetterRedrive. It redrives tasks of any ServiceAccount of the
# namespace, so it needs patch on tasks, create jobs, and use of every ServiceAccount (no resourceName).
kubectl create role redrive-author -n "$ns_b" --verb=get,create,update,patch --resource=deadletterredrives.deadletter.dev >/dev/null
kubectl create role task-patcher -n "$ns_b" --verb=patch --resource=deadlettertasks.deadletter.dev >/dev/null
kubectl create role token-any -n "$ns_b" --verb=create --resource=serviceaccounts/token >/dev/null
kubectl apply -f - >/dev/null <<YAML
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: use-any, namespace: $ns_b}
rules: [{apiGroups: [""], resources: [serviceaccounts], verbs: [use]}]
YAML
grant_only() { # grant_only USER ROLE...: exactly these roles (no task-author)
  local user=$1; shift
  kubeconfig[$user]=$("$repo/hack/cluster.sh" user "dlt-helm-$user" 2>/dev/null)
  for role in "$@"; do
    kubectl create rolebinding "$user-$role" -n "$ns_b" --role="$role" --user="dlt-helm-$user" >/dev/null
  done
}
grant_only r-none redrive-author
grant_only r-patch redrive-author task-patcher
grant_only r-runner redrive-author task-patcher job-creator use-runner
grant_only r-nopatch redrive-author job-creator use-any
grant_only r-all redrive-author task-patcher job-creator use-any
grant_only r-token redrive-author task-patcher job-creator token-any
redrive() { # redrive NAME: a DeadLetterRedrive of every dead-lettered task labelled team=a
  kubectl create -f - <<YAML
apiVersion: deadletter.dev/v1alpha1
kind: DeadLetterRedrive
metadata: {name: $1, namespace: $ns_b}
spec: {selector: {matchLabels: {team: a}}, dryRun: true}
YAML
}
r_patch_msg="may not: missing permission patch on deadlettertasks.deadletter.dev in namespace $ns_b"
r_use_msg="may not use every ServiceAccount: missing permission use on serviceaccounts (any name) in namespace $ns_b"
check "redrive: only create on redrives -> denied (patch tasks)" denies r-none "$r_patch_msg" redrive r1
check "redrive: patch tasks, no create jobs -> denied (jobs)" denies r-patch "$jobs_msg" redrive r2
check "redrive: patch tasks, create jobs, use on runner only -> denied (use any)" denies r-runner "$r_use_msg" redrive r3
check "redrive: create jobs and use any, no patch on tasks -> denied (patch tasks)" denies r-nopatch "$r_patch_msg" redrive r4
check "redrive: patch tasks, create jobs, use any ServiceAccount -> admitted" admits r-all redrive r5
check "redrive: patch tasks, create jobs, create any serviceaccounts/token -> admitted" admits r-token redrive r6
check "redrive: cluster admin -> admitted" quietly redrive r7
check "redrive: a label by a user without task rights -> admitted (metadata only)" admits r-none \
  kubectl label dlr r5 -n "$ns_b" purpose=test
check "redrive: spec is immutable (the CRD refuses a change, even to an admin)" bash -c \
  "kubectl patch dlr r7 -n $ns_b --type=merge -p '{\"spec\":{\"dryRun\":false}}' 2>&1 | grep -q 'spec is immutable'"

# Upgrade the CRD with the release: a chart whose CRD differs is applied by helm upgrade.
crd_upgrade() {
  cp -r "$chart" "$work/chart-v2" &&
    sed -i 's/How many finished attempt Jobs to keep, by outcome./How many finished attempt Jobs to keep, by outcome (v2)./' \
      "$work/chart-v2/files/$(basename "$crd_file")" &&
    helm upgrade "$release" "$work/chart-v2" -n "$sys_ns" "${sim[@]}" --reuse-values --set reconcileThreads=5 >/dev/null &&
    eventually crd_and_deployment_upgraded
}
# Seen here: right after `helm upgrade` returned, a GET sometimes still showed the previous CRD or
# Deployment (both caught up within a second), so the check polls for a bounded time.
crd_and_deployment_upgraded() {
  kubectl get crd "$crd" -o json | grep -q 'keep, by outcome (v2)' &&
    kubectl get deploy -n "$sys_ns" "$release-deadletter-operator" -o json |
      jq -e '.spec.template.spec.containers[0].env[] | select(.name == "RECONCILE_THREADS") | .value == "5"' >/dev/null
}
eventually() { # eventually COMMAND...: true once the command is, polling every 0.5 s for at most 30 s
  local i
  for i in $(seq 60); do "$@" && return 0; sleep 0.5; done
  return 1
}
check "helm upgrade applies a changed CRD (and reconcileThreads=5)" crd_upgrade
crd_back() { ! kubectl get crd "$crd" -o json | grep -q 'keep, by outcome (v2)'; }
upgrade_back() { helm upgrade "$release" "$chart" -n "$sys_ns" --reuse-values >/dev/null && eventually crd_back; }
check "helm upgrade back restores the CRD of crds/" upgrade_back

check "helm uninstall" quietly helm uninstall "$release" -n "$sys_ns" --wait --timeout 60s
check "after uninstall: the CRDs are kept" quietly kubectl get crd "$crd" "$redrive_crd" "$budget_crd"
check "after uninstall: tasks survive with their status" bash -c \
  "test \"\$(kubectl get dlt helm-rbac -n $ns_a -o jsonpath='{.status.phase}')\" = Succeeded && kubectl get dlt t4 -n $ns_b >/dev/null"
check "after uninstall: RBAC, policy and Deployment are gone" bash -c "
  ! kubectl get clusterrole $release-deadletter-operator-task-editor >/dev/null 2>&1 &&
  ! kubectl get validatingadmissionpolicy $release-deadletter-operator-task-author >/dev/null 2>&1 &&
  ! kubectl get validatingadmissionpolicy $release-deadletter-operator-redrive-author >/dev/null 2>&1 &&
  ! kubectl get role $release-deadletter-operator -n $ns_a >/dev/null 2>&1 &&
  ! kubectl get deploy $release-deadletter-operator -n $sys_ns >/dev/null 2>&1"

echo "helm: $passed passed, $failed failed$( ((skipped)) && echo ", $skipped skipped")"
((failed == 0))
