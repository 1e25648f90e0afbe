#!/usr/bin/env bash
# Tests of the kubectl plugin plugin/kubectl-deadletter.
# Without a cluster, with a fake kubectl that records its arguments: every kubectl flag reaches every kubectl
# call of every command, in both forms; unknown flags and wrong arguments are rejected before any kubectl call;
# completion; the version and the krew manifest.
# On the cluster of $KUBECONFIG (hack/test.sh: the local cluster), in a namespace of its own that it deletes:
# create --from=cronjob/ and --from=job/, history -o json|yaml|wide, retry and retry --all (--dry-run too),
# retry --wait while the test writes the task's status, a --context that does not exist, and completion
# through kubectl itself. Last line: "plugin: N passed, N failed". --no-cluster runs the first part only.
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
plugin_dir="$repo/plugin"
work=$(mktemp -d)
passed=0 failed=0 skipped=0
ns=dlt-plugin-$$-$RANDOM

for tool in jq yq; do # Debian's jq, and yq (a YAML front end to jq), as in helm/tests/run.sh
  command -v "$tool" >/dev/null && continue
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq yq; } >/dev/null 2>&1
  command -v "$tool" >/dev/null || { echo "plugin tests need $tool"; echo "plugin: 0 passed, 1 failed"; exit 1; }
done

check() { # check NAME COMMAND...: runs the command, counts and prints ok/FAIL
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); echo "ok   $name"; else failed=$((failed + 1)); echo "FAIL $name"; fi
}
fail_with() { echo "  $*" >&2; return 1; }

cleanup() {
  [[ -n "${KUBECONFIG:-}" ]] && kubectl delete namespace "$ns" --ignore-not-found --wait=false >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

# ---------------------------------------------------------------------------------------------------------
# Flags, with the fake kubectl

mkdir -p "$work/fake"
cp "$plugin_dir/tests/fake-kubectl" "$work/fake/kubectl"
export FAKE_KUBECTL_LOG="$work/calls"

fake() { # fake ARGS...: runs the plugin against the fake kubectl with a fresh log
  : >"$FAKE_KUBECTL_LOG"; rm -f "$FAKE_KUBECTL_LOG.request"
  PATH="$work/fake:$PATH" DEADLETTER_PLUGIN_POLL_SECONDS=0 "$plugin_dir/kubectl-deadletter" "$@" >"$work/out" 2>"$work/err"
}

# One invocation of every command and form that calls kubectl.
invocations=(
  "list" "ls -l a=b -o wide" "history t" "history t -o json" "history t -o yaml" "history t -o wide"
  "retry t" "redrive t --wait --timeout 1m" "retry t --dry-run" "retry --all -l team=a --rate 1000"
  "retry --all -l team=a --dry-run" "create t --from=cronjob/c" "create t --from=job/j --dry-run"
  "capture job/j" "suspend t" "resume t u"
)

# every_call_has EXPECTED ARGS...: with ARGS added to each invocation (after it, or before the command with
# BEFORE=1), every kubectl call of every invocation carries EXPECTED.
every_call_has() {
  local expected=$1 inv; shift
  for inv in "${invocations[@]}"; do
    # shellcheck disable=SC2086 # the invocations are words
    if [[ -n "${BEFORE:-}" ]]; then fake "$@" $inv; else fake $inv "$@"; fi || fail_with "$inv $*: $(cat "$work/err")" || return 1
    [[ -s "$FAKE_KUBECTL_LOG" ]] || fail_with "$inv: no kubectl call" || return 1
    if sed 's/^/ /' "$FAKE_KUBECTL_LOG" | grep -vF -- " $expected " >/dev/null; then
      fail_with "$inv $*: a kubectl call without $expected:"; grep -vF -- "$expected" "$FAKE_KUBECTL_LOG" >&2
      return 1
    fi
  done
}

value_flags=(context kubeconfig cluster user namespace as as-group as-uid request-timeout server token
  certificate-authority client-certificate client-key tls-server-name cache-dir v)
for f in "${value_flags[@]}"; do
  check "--$f VALUE (after the command's arguments) and --$f=VALUE (before the command) reach every kubectl call" \
    eval 'every_call_has "--$f=x-1" "--$f" x-1 && BEFORE=1 every_call_has "--$f=x-2" "--$f=x-2"'
done
for short_long in -n:namespace -s:server -v:v; do
  short=${short_long%%:*} long=${short_long#*:}
  check "$short VALUE, $short=VALUE and ${short}VALUE reach every kubectl call as --$long" \
    eval 'every_call_has "--$long=x1" "$short" x1 && every_call_has "--$long=x2" "$short=x2" && BEFORE=1 every_call_has "--$long=x3" "${short}x3"'
done
for f in insecure-skip-tls-verify disable-compression match-server-version; do
  check "--$f and --$f=true reach every kubectl call of every command" \
    eval 'every_call_has "--$f" "--$f" && BEFORE=1 every_call_has "--$f=true" "--$f=true"'
done
check "flags together: --context, --kubeconfig, -n, --as, --as-group twice all reach every call" \
  eval 'every_call_has "--context=c --kubeconfig=/k --namespace=ns --as=u --as-group=a --as-group=b" \
    --context c --kubeconfig /k -n ns --as u --as-group a --as-group b'
check "-A reaches list and retry --all as --all-namespaces, with the kubectl flags" \
  eval 'fake list -A --context c && grep -q -- "--context=c get deadlettertasks.deadletter.dev --all-namespaces" "$FAKE_KUBECTL_LOG" &&
    fake retry --all -A -l a=b --context c && grep -q -- "--context=c get .*--all-namespaces" "$FAKE_KUBECTL_LOG"'

# rejected ARGS...: exits non-zero, says why, and calls no kubectl at all.
rejected() {
  fake "$@" && fail_with "accepted: $*" && return 1
  [[ -s "$work/err" ]] || fail_with "no error message for: $*" || return 1
  ! [[ -s "$FAKE_KUBECTL_LOG" ]] || fail_with "kubectl was called for: $* -> $(cat "$FAKE_KUBECTL_LOG")"
}
rejections=(
  "retry t --contxt prod" "retry t --context" "retry --context" "retry t -x" "retry t --namespace"
  "retry t u" "retry" "retry --all" "retry --all t -l a=b" "retry t --wait --all -l a=b" "retry t --timeout 1m"
  "retry t --wait --timeout soon" "retry t -l a=b" "retry --all -l a=b --rate 0" "retry --all -l a=b -A -n x"
  "retry t --wait=yes" "retry t --dry-run=maybe" "history t --wait" "history t -o name" "history" "history t u"
  "list --all" "list -o table" "create t" "create t --from=deployment/d" "create T --from=job/j"
  "create t --from=job/j --rate 1" "capture j" "capture job/j --all" "suspend" "resume t --wait" "version x"
  "version --all" "bogus t" "--bogus retry t" "retry t -- --context prod" "retry t --insecure-skip-tls-verify=maybe"
  "--context prod"
)
for args in "${rejections[@]}"; do
  # shellcheck disable=SC2086
  check "rejected, nothing called: kubectl deadletter $args" rejected $args
done
check "the error names the flag it does not know" \
  eval 'fake retry t --contxt prod; grep -q -- "unknown flag --contxt" "$work/err"'
help_lists_commands() {
  local c
  fake help || return 1
  for c in list history retry create capture suspend resume version; do
    grep -q "^  $c \|  |  $c " "$work/out" || fail_with "help does not list $c" || return 1
  done
  ! [[ -s "$FAKE_KUBECTL_LOG" ]]
}
check "help: exit 0, every command listed, no kubectl call" help_lists_commands

check "retry --all --dry-run lists the dead-lettered tasks and annotates nothing" \
  eval 'fake retry --all -l team=a --dry-run && grep -q "would redrive: ns-a/one" "$work/out" && ! grep -q annotate "$FAKE_KUBECTL_LOG"'
check "retry --all annotates each task in its own namespace" \
  eval 'fake retry --all -A -l team=a --rate 100 && grep -q "annotate.* one --namespace=ns-a" "$FAKE_KUBECTL_LOG" && grep -q "annotate.* two --namespace=ns-b" "$FAKE_KUBECTL_LOG"'
check "retry: two requests are two different annotation values" \
  eval 'fake retry t && a=$(cat "$FAKE_KUBECTL_LOG.request") && fake retry t && [[ "$a" != "$(cat "$FAKE_KUBECTL_LOG.request")" ]]'

check "version: the chart's appVersion (bump both when releasing)" \
  eval '[[ "$("$plugin_dir/kubectl-deadletter" version)" == "kubectl-deadletter v$(awk '"'"'/^appVersion:/ {gsub(/"/, "", $2); print $2}'"'"' "$repo/helm/deadletter-operator/Chart.yaml")" ]]'

completes() { # completes EXPECTED ARGS...: the completion of ARGS offers EXPECTED (a whole line)
  local expected=$1; shift
  PATH="$work/fake:$PATH" "$plugin_dir/kubectl_complete-deadletter" "$@" >"$work/out" 2>&1
  grep -qx -- "$expected" "$work/out" || fail_with "$* -> $(tr '\n' ' ' <"$work/out")"
}
check "completion: commands and their other names" eval 'completes retry re && completes redrive re && completes hist h'
check "completion: the flags of the command and kubectl's" eval 'completes --wait retry t --w && completes --context retry --con && completes --dry-run create t --d'
check "completion: -o values and --from kinds" eval 'completes yaml history t -o "" && completes cronjob/ create t --from ""'
check "completion: the directive line comes last" eval 'completes :4 retry "" && [[ $(tail -1 "$work/out") == :4 ]]'

# The krew manifest: what krew's validation (sigs.k8s.io/krew internal/index/validation) asks of it.
manifest="$repo/plugins/deadletter.yaml"
krew_manifest_valid() {
  local m; m=$(yq -c . "$manifest") || return 1
  jq -e --arg v "$("$plugin_dir/kubectl-deadletter" version | awk '{print $2}')" '
    .apiVersion == "krew.googlecontainertools.github.com/v1alpha2" and .kind == "Plugin"
    and .metadata.name == "deadletter" and (.spec.shortDescription | length > 0 and (test("\n") | not))
    and .spec.version == $v and (.spec.platforms | length > 0)
    and all(.spec.platforms[]; (.uri | startswith("https://")) and (.uri | contains($v))
      and (.sha256 | test("^[a-f0-9]{64}$")) and .bin == "kubectl-deadletter"
      and (.selector.matchExpressions // [] | length > 0 and all(.[]; .key == "os" or .key == "arch"))
      and (.files // [] | any(.from == "kubectl_complete-deadletter"))
      and (.files // [] | any(.from == "LICENSE")))' <<<"$m" >/dev/null || fail_with "$m"
}
check "krew manifest plugins/deadletter.yaml: apiVersion, kind, name, version, platforms, sha256, bin, files" krew_manifest_valid
check "the release archive holds the plugin, its completion and the LICENSE, and the manifest's digest fits it" \
  eval '"$plugin_dir/package.sh" "$work/release" >"$work/out" && tar -tzf "$work/release/kubectl-deadletter.tar.gz" | sort | tr "\n" " " | grep -x >/dev/null "LICENSE kubectl-deadletter kubectl_complete-deadletter " && grep -q "sha256: \"$(sha256sum "$work/release/kubectl-deadletter.tar.gz" | cut -c1-64)\"" "$work/release/deadletter.yaml"'

# krew's own checks, with krew built from hack/tools/go.mod by hack/cluster.sh build (on PATH after
# `eval "$(hack/cluster.sh env)"`): its manifest validation, then an install from the release archive.
krew_installs() {
  local os_arch root
  validate-krew-manifest -manifest "$work/release/deadletter.yaml" -skip-install >"$work/out" 2>&1 ||
    fail_with "$(cat "$work/out")" || return 1
  for os_arch in linux/amd64 linux/arm64 darwin/amd64 darwin/arm64; do
    root="$work/krew-${os_arch/\//-}"
    KREW_ROOT=$root KREW_OS=${os_arch%/*} KREW_ARCH=${os_arch#*/} krew install \
      --manifest="$work/release/deadletter.yaml" --archive="$work/release/kubectl-deadletter.tar.gz" >"$work/out" 2>&1 ||
      fail_with "$os_arch: $(cat "$work/out")" || return 1
    [[ "$("$root/bin/kubectl-deadletter" version)" == "kubectl-deadletter v"* ]] || fail_with "$os_arch: no working plugin" || return 1
  done
  # The caveat's completion step, then completion from krew's bin directory.
  cp "$root"/store/deadletter/*/kubectl_complete-deadletter "$root/bin/" &&
    PATH="$root/bin:$work/fake:$PATH" kubectl_complete-deadletter re | grep -x >/dev/null retry
}
if command -v krew >/dev/null && command -v validate-krew-manifest >/dev/null; then
  check "krew: validate-krew-manifest accepts the release manifest; krew installs it on linux and darwin" krew_installs
else
  skipped=$((skipped + 1))
  echo "skip krew validation and install: no krew and validate-krew-manifest on PATH (hack/cluster.sh build)"
fi

if [[ "${1:-}" == --no-cluster || -z "${KUBECONFIG:-}" ]]; then
  echo "plugin: $passed passed, $failed failed, $skipped skipped (no cluster)"
  ((failed == 0)); exit
fi

# ---------------------------------------------------------------------------------------------------------
# On the cluster of $KUBECONFIG

dl() { PATH="$plugin_dir:$PATH" DEADLETTER_PLUGIN_POLL_SECONDS=0.2 kubectl deadletter "$@"; }
kns() { kubectl -n "$ns" "$@"; }
quietly() { "$@" >"$work/out" 2>&1 || { sed 's/^/  /' "$work/out" >&2; return 1; }; }

if ! kubectl get crd deadlettertasks.deadletter.dev >/dev/null 2>&1; then
  kubectl apply --server-side -f "$repo/crds/" >/dev/null && kubectl wait --for condition=Established \
    crd/deadlettertasks.deadletter.dev --timeout 30s >/dev/null
fi
kubectl create namespace "$ns" >/dev/null
kns apply -f - >/dev/null <<'YAML'
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  schedule: "0 3 * * *"
  suspend: true
  jobTemplate:
    metadata: {labels: {team: data}}
    spec:
      ttlSecondsAfterFinished: 600
      template:
        spec:
          restartPolicy: Never
          containers: [{name: main, image: registry.example/nightly:1, args: [--all]}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: import, labels: {team: data}}
spec:
  suspend: true
  ttlSecondsAfterFinished: 600
  template:
    spec:
      restartPolicy: Never
      containers: [{name: main, image: registry.example/import:2}]
YAML

jsonpath() { kns get deadlettertasks.deadletter.dev "$1" -o jsonpath="$2"; }

check "create --from=cronjob/: the API server accepts the task; the template is the CronJob's, without its TTL" \
  eval 'quietly dl create from-cron --from=cronjob/nightly -n "$ns" &&
    [[ "$(jsonpath from-cron "{.spec.jobTemplate.spec.template.spec.containers[0].image} {.spec.jobTemplate.metadata.labels.team} {.spec.jobTemplate.spec.ttlSecondsAfterFinished} {.metadata.annotations.deadletter\.dev/created-from}")" == "registry.example/nightly:1 data  cronjob/nightly" ]]'
check "create --from=job/: the Job's template without its selector, controller labels, TTL and backoffLimit" \
  eval 'quietly dl create from-job --from job/import --namespace "$ns" &&
    kns get dlt from-job -o json >"$work/task.json" &&
    jq -e ".spec.jobTemplate | .spec.template.spec.containers[0].image == \"registry.example/import:2\" and .metadata.labels.team == \"data\"
      and (.spec | has(\"selector\") or has(\"ttlSecondsAfterFinished\") or has(\"backoffLimit\") | not)
      and ([.metadata.labels, .spec.template.metadata.labels] | map(keys[]?) | any(test(\"controller-uid|job-name\")) | not)" "$work/task.json" >/dev/null'
check "create --dry-run prints the task, validated by the API server, and creates nothing" \
  eval 'dl create dry --from=cronjob/nightly -n "$ns" --dry-run >"$work/out" && grep -q "name: dry" "$work/out" && ! kns get dlt dry >/dev/null 2>&1'
check "create: a name the CRD refuses (over 52 characters) fails with the API server's message" \
  eval '! dl create "$(printf "a%.0s" {1..60})" --from=cronjob/nightly -n "$ns" 2>"$work/err" && grep -q "at most 52" "$work/err"'

# The test plays the operator: status written through the status subresource.
set_status() { kns patch deadlettertasks.deadletter.dev "$1" --subresource=status --type merge -p "$2" >/dev/null; }
set_status from-job '{"status":{"phase":"DeadLettered","message":"2 attempts failed","round":{"number":1,"countedAttempts":2},
  "deadLetter":{"reason":"RetriesExhausted","at":"2030-01-01T00:01:00Z","attempt":2},"history":[
  {"attempt":1,"job":"from-job-1","outcome":"Failed","exitCode":3,"reason":"Error","rule":"flaky-db","matchedRule":0,
   "action":"Retry","startTime":"2030-01-01T00:00:00Z","finishTime":"2030-01-01T00:00:10Z","node":"node-a",
   "message":"connection refused","logTail":"connecting to db\nerror: connection refused\n"},
  {"attempt":2,"job":"from-job-2","outcome":"Failed","exitCode":137,"reason":"OOMKilled","action":"DeadLetter",
   "startTime":"2030-01-01T00:00:20Z","finishTime":"2030-01-01T00:01:00Z","node":"node-b"}]}}'
check "history: the attempts, the matched rule, the message, the log tail and the dead letter" \
  eval 'dl history from-job -n "$ns" >"$work/out" && grep -Eq "^1 +from-job-1 +Failed +3 +Error +flaky-db +Retry" "$work/out" &&
    grep -q "message: connection refused" "$work/out" && grep -q "| error: connection refused" "$work/out" &&
    grep -q "dead-lettered: RetriesExhausted" "$work/out" && grep -q "^DeadLettered: 2 attempts failed" "$work/out"'
check "history -o wide: the start time and the node too" \
  eval 'dl hist from-job -n "$ns" -o wide >"$work/out" && grep -q "NODE" "$work/out" && grep -Eq "^2 .*2030-01-01T00:00:20Z +node-b" "$work/out"'
check "history -o json: status.history as JSON" \
  eval 'dl history from-job -n "$ns" -o json | jq -e "length == 2 and .[0].rule == \"flaky-db\" and .[0].logTail == \"connecting to db\nerror: connection refused\n\"" >/dev/null'
check "history -o yaml: the same list as YAML" \
  eval 'dl history from-job -n "$ns" -o yaml | yq -c . >"$work/yaml.json" && dl history from-job -n "$ns" -o json | jq -c . | diff - "$work/yaml.json" >&2'
check "history of a task without attempts: an empty list, and a table saying so" \
  eval '[[ "$(dl history from-cron -n "$ns" -o json)" == "[]" && "$(dl history from-cron -n "$ns" -o yaml)" == "[]" ]] &&
    dl history from-cron -n "$ns" | grep >/dev/null "no finished attempts yet"'
check "list -o name and -o wide" \
  eval '[[ "$(dl list -n "$ns" -o name | sort | tr "\n" " ")" == "deadlettertask.deadletter.dev/from-cron deadlettertask.deadletter.dev/from-job " ]] && dl ls -n "$ns" -o wide | grep >/dev/null from-job'

kns label deadlettertasks.deadletter.dev from-job from-cron team=data >/dev/null
set_status from-cron '{"status":{"phase":"Succeeded"}}'
annotation() { jsonpath "$1" '{.metadata.annotations.deadletter\.dev/retry-requested-at}'; }
check "retry --all --dry-run: lists the dead-lettered task, annotates nothing" \
  eval 'dl retry --all -l team=data --dry-run -n "$ns" >"$work/out" && grep -qx "would redrive: $ns/from-job" "$work/out" &&
    ! grep -q from-cron "$work/out" && [[ -z "$(annotation from-job)$(annotation from-cron)" ]]'
check "retry --all: annotates the dead-lettered task only" \
  eval 'quietly dl retry --all -l team=data -n "$ns" --rate 50 && [[ -n "$(annotation from-job)" && -z "$(annotation from-cron)" ]]'
check "retry: sets a new annotation value" \
  eval 'before=$(annotation from-job) && quietly dl redrive from-job -n "$ns" && after=$(annotation from-job) && [[ -n "$after" && "$after" != "$before" ]]'
check "--context of a context that does not exist: fails and changes nothing (retry, suspend, create)" \
  eval 'before=$(annotation from-job) && ! dl retry from-job -n "$ns" --context no-such-context 2>/dev/null &&
    ! dl suspend from-job --context=no-such-context -n "$ns" 2>/dev/null && ! dl create x --from=cronjob/nightly -n "$ns" --context no-such-context 2>/dev/null &&
    [[ "$(annotation from-job)" == "$before" && "$(jsonpath from-job "{.spec.suspend}")" != true ]] && ! kns get dlt x >/dev/null 2>&1'
check "suspend and resume" \
  eval 'quietly dl pause from-job -n "$ns" && [[ "$(jsonpath from-job "{.spec.suspend}")" == true ]] && quietly dl resume from-job -n "$ns" && [[ "$(jsonpath from-job "{.spec.suspend}")" == false ]]'

# retry --wait while the test acts as the operator: it handles the request, runs an attempt, ends the round.
wait_then() { # wait_then FINAL_PHASE: runs retry --wait, plays the round, prints the plugin's exit code
  local before value=""; before=$(annotation from-job)
  dl retry from-job -n "$ns" --wait --timeout 120s >"$work/wait.out" 2>&1 &
  local pid=$!
  for _ in $(seq 1 300); do value=$(annotation from-job); [[ "$value" != "$before" ]] && break; sleep 0.1; done
  set_status from-job "{\"status\":{\"lastHandledRetryRequest\":\"$value\",\"phase\":\"Running\",\"deadLetter\":null}}"
  # The round ends only once the plugin has seen it running (a loaded machine may poll slowly).
  for _ in $(seq 1 300); do grep -q "from-job: Running" "$work/wait.out" && break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null || { echo "ended while Running"; return; }
  set_status from-job "{\"status\":{\"phase\":\"$1\",\"message\":\"round over\"}}"
  wait "$pid"; echo $?
}
check "retry --wait: waits through Running until Succeeded, exit 0" \
  eval '[[ "$(wait_then Succeeded)" == 0 ]] && grep -q "from-job: Running" "$work/wait.out" && grep -q "from-job: Succeeded" "$work/wait.out"'
check "retry --wait: dead-lettered again, exit 1 with the message" \
  eval '[[ "$(wait_then DeadLettered)" == 1 ]] && grep -q "dead-lettered again: round over" "$work/wait.out"'
check "retry --wait --timeout: no operator acting, fails after the timeout and says so" \
  eval 'start=$SECONDS; ! dl retry from-job -n "$ns" --wait --timeout 2s >/dev/null 2>"$work/err" && ((SECONDS - start < 10)) && grep -q "has not acted" "$work/err"'

check "completion through kubectl: task names of the namespace given with -n" \
  eval 'PATH="$plugin_dir:$PATH" kubectl __complete deadletter history -n "$ns" "" 2>/dev/null | grep -x >/dev/null from-job'
check "completion through kubectl: --from=cronjob/ offers the CronJobs" \
  eval 'PATH="$plugin_dir:$PATH" kubectl __complete deadletter create t -n "$ns" --from cronjob/ 2>/dev/null | grep -x >/dev/null cronjob/nightly'

echo "plugin: $passed passed, $failed failed, $skipped skipped"
((failed == 0))
