#!/usr/bin/env bash
# Tests of the kubectl plugin plugin/kubectl-deadletter.
# Without a cluster, with a fake kubectl that records its arguments: every kubectl flag reaches every kubectl
# call of every command, in both forms; unknown flags and wrong arguments are rejected before any kubectl call;
# the kubectl calls of retry --all, the DeadLetterRedrive it sends and its fallback without that kind;
# completion; the version and the krew manifest.
# On the cluster of $KUBECONFIG (hack/test.sh: the local cluster), in a namespace of its own that it deletes:
# create --from=cronjob/ and --from=job/, history -o json|yaml|wide, retry, retry --all creating a redrive
# and falling back without the kind (--dry-run too), retry --wait while the test writes the task's status, a
# --context that does not exist, and completion through kubectl itself; then, with the operator jar (built if
# missing) watching two more namespaces of its own, real redrives by retry --all (--dry-run, --wait, -A).
# Last line: "plugin: N passed, N failed". --no-cluster runs the first part only.
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

operator_pid=""
stop_operator() { # SIGTERM, then SIGKILL after 10 s
  [[ -n "$operator_pid" ]] && kill -0 "$operator_pid" 2>/dev/null || return 0
  kill "$operator_pid"
  for _ in $(seq 100); do kill -0 "$operator_pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$operator_pid" 2>/dev/null
}
cleanup() {
  stop_operator
  [[ -n "${KUBECONFIG:-}" ]] && kubectl delete namespace "$ns" "$ns-r1" "$ns-r2" --ignore-not-found --wait=false >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

# ---------------------------------------------------------------------------------------------------------
# Flags, with the fake kubectl

mkdir -p "$work/fake"
cp "$plugin_dir/tests/fake-kubectl" "$work/fake/kubectl"
export FAKE_KUBECTL_LOG="$work/calls"

fake() { # fake ARGS...: runs the plugin against the fake kubectl with a fresh log
  : >"$FAKE_KUBECTL_LOG"; rm -f "$FAKE_KUBECTL_LOG.request" "$FAKE_KUBECTL_LOG.yaml" "$FAKE_KUBECTL_LOG.polls"
  PATH="$work/fake:$PATH" DEADLETTER_PLUGIN_POLL_SECONDS=${POLL:-0} "$plugin_dir/kubectl-deadletter" "$@" >"$work/out" 2>"$work/err"
}

# One invocation of every command and form that calls kubectl.
invocations=(
  "list" "ls -l a=b -o wide" "history t" "history t -o json" "history t -o yaml" "history t -o wide"
  "retry t" "redrive t --wait --timeout 1m" "retry t --dry-run" "retry --all -l team=a --rate 100"
  "retry --all -l team=a --dry-run" "retry --all --reason RuleMatched --max 2 --wait --timeout 1m"
  "retry --all -l team=a --dry-run=client" "create t --from=cronjob/c" "create t --from=job/j --dry-run"
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
check "without the DeadLetterRedrive kind (the fallback loop), the kubectl flags still reach every kubectl call" \
  eval 'FAKE_KUBECTL_REDRIVE=no-kind every_call_has "--context=c --namespace=n --as=u" --context c -n n --as u &&
    FAKE_KUBECTL_REDRIVE=no-kind every_call_has "--insecure-skip-tls-verify" --insecure-skip-tls-verify'

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
  "--context prod" "retry --all --reason Bogus" "retry --all --reason=" "retry --all --max 0" "retry --all --max 1.5"
  "retry --all -l a=b --rate 101" "retry --all -l a=b --rate 0.05" "retry --all --before yesterday"
  "retry --all --after 2026-12-01T02:00:00" "retry --all -l a>1" "retry --all -l a=(b" "retry --all -l a/b/c=d"
  "retry --all -l a,,b" "retry --all -l a=b --timeout 1m" "retry --all -l a=b --dry-run=client --wait"
  "retry t --reason RuleMatched" "retry t --max 1" "retry t --rate 5" "retry t --before 2026-12-01T02:00:00Z"
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

# retry --all: the redrive it creates, the kubectl calls it makes, and the fallback without the kind.
redrive_sent() { # redrive_sent JQ_FILTER: the YAML `kubectl create -f -` read passes the filter
  yq -c . "$FAKE_KUBECTL_LOG.yaml" >"$work/sent.json" 2>&1 || fail_with "not YAML: $(cat "$FAKE_KUBECTL_LOG.yaml")" || return 1
  jq -e -s "$1" "$work/sent.json" >/dev/null || fail_with "sent: $(cat "$work/sent.json")"
}
calls_are() { # calls_are LINE...: exactly these kubectl calls, in this order (as the fake logs them)
  local expected; expected=$(printf '%s \n' "$@")
  [[ "$(cat "$FAKE_KUBECTL_LOG")" == "$expected" ]] || fail_with "calls: $(cat "$FAKE_KUBECTL_LOG")"
}
us=$'\x1f' complete='{.status.conditions[?(@.type=="Complete")]' failed_='{.status.conditions[?(@.type=="Failed")]'
# shellcheck disable=SC2034 # used in the eval strings below
GET_REDRIVE_JSONPATH="-o $(printf %q "jsonpath={.status.matched}$us{.status.redriven}$us{.status.remaining}$us$complete.status}$us$complete.message}$us$failed_.status}$us$failed_.message}")"
check "retry --all: one kubectl create -f - of a DeadLetterRedrive, with the kubectl flags; nothing else read or written" \
  eval 'fake retry --all -l team=a --context c && calls_are "--context=c create -f - -o jsonpath=\{.metadata.namespace\}/\{.metadata.name\}" &&
    grep -qx "deadletterredrive.deadletter.dev/retry-all-abcde created in namespace default" "$work/out" &&
    grep -qx "follow it: kubectl get dlr retry-all-abcde -n default -w" "$work/out"'
check "retry --all: the redrive sent has generateName retry-all- and exactly the filters, rate and limit given" \
  eval 'fake retry --all -l "team=a, tier in (x, y),env!=prod,!legacy,owner,y=" --reason RuleMatched,PoisonDetected --reason RuleMatched \
      --after 2026-12-01T02:00:00Z --before=2026-12-01T04:00:00.5+01:00 --max 7 --rate 2.50 &&
    redrive_sent "length == 1 and .[0] == {apiVersion: \"deadletter.dev/v1alpha1\", kind: \"DeadLetterRedrive\",
      metadata: {generateName: \"retry-all-\"}, spec: {selector: {matchLabels: {team: \"a\", y: \"\"}, matchExpressions: [
        {key: \"tier\", operator: \"In\", values: [\"x\", \"y\"]}, {key: \"env\", operator: \"NotIn\", values: [\"prod\"]},
        {key: \"legacy\", operator: \"DoesNotExist\"}, {key: \"owner\", operator: \"Exists\"}]},
      reasons: [\"RuleMatched\", \"PoisonDetected\"], deadLetteredAfter: \"2026-12-01T02:00:00Z\",
      deadLetteredBefore: \"2026-12-01T04:00:00.5+01:00\", maxTasks: 7, ratePerSecond: 2.5}}"'
check "retry --all without -l: no selector in the redrive (the other filters select)" \
  eval 'fake retry --all --reason GateTimeout && redrive_sent ".[0].spec == {reasons: [\"GateTimeout\"]}"'
check "retry --all --wait: follows the redrive in its namespace, a line when its counts change (not at every read), exit 0 when Complete" \
  eval 'fake retry --all -l team=a -n team-a --wait &&
    calls_are "--namespace=team-a create -f - -o jsonpath=\{.metadata.namespace\}/\{.metadata.name\}" \
      "--namespace=team-a get deadletterredrives.deadletter.dev retry-all-abcde --namespace=team-a $GET_REDRIVE_JSONPATH" \
      "--namespace=team-a get deadletterredrives.deadletter.dev retry-all-abcde --namespace=team-a $GET_REDRIVE_JSONPATH" \
      "--namespace=team-a get deadletterredrives.deadletter.dev retry-all-abcde --namespace=team-a $GET_REDRIVE_JSONPATH" \
      "--namespace=team-a get deadletterredrives.deadletter.dev retry-all-abcde --namespace=team-a $GET_REDRIVE_JSONPATH" &&
    diff <(printf "%s\n" "deadletterredrive.deadletter.dev/retry-all-abcde created in namespace team-a" \
      "team-a/retry-all-abcde: 3 matched, 0 redriven, 3 remaining" "team-a/retry-all-abcde: 3 matched, 2 redriven, 1 remaining" \
      "team-a/retry-all-abcde: Complete: redrove 3 of 3 task(s)") "$work/out" >&2'
check "retry --all --wait: a Failed redrive exits 1 with its message" \
  eval '! FAKE_KUBECTL_REDRIVE=failed fake retry --all -l team=a --wait && grep -q "retry-all-abcde: Failed: the tasks cannot be listed" "$work/err"'
check "retry --all --wait --timeout: a redrive still going fails after the timeout, with its counts" \
  eval 'start=$SECONDS; ! FAKE_KUBECTL_REDRIVE=stuck POLL=0.2 fake retry --all -l team=a --wait --timeout 1s && ((SECONDS - start < 10)) &&
    grep -q "retry-all-abcde: not complete: 3 matched, 1 redriven, 2 remaining" "$work/err" && grep -q "timed out after 1s" "$work/err"'
check "retry --all --dry-run: a redrive with dryRun: true, its count when Complete, no annotate" \
  eval 'fake retry --all -l team=a --dry-run && redrive_sent ".[0].spec.dryRun == true" &&
    grep -qx "default/retry-all-abcde: redrove 3 of 3 task(s) (no task changed)" "$work/out" &&
    ! grep -q "3 matched" "$work/out" && ! grep -q annotate "$FAKE_KUBECTL_LOG"'
check "retry --all --dry-run=client: prints the redrive retry --all would create (no dryRun field) and reads nothing more" \
  eval 'fake retry --all -l team=a --dry-run=client && calls_are "create -f - --dry-run=client -o yaml" &&
    yq -e ".kind == \"DeadLetterRedrive\" and .spec.selector.matchLabels.team == \"a\" and (.spec | has(\"dryRun\") | not)" "$work/out" >/dev/null'
check "retry --all -A: lists the namespaces with dead-lettered tasks (-l), then one redrive in each" \
  eval 'fake retry --all -A -l team=a --wait &&
    [[ "$(grep -c "create -f -" "$FAKE_KUBECTL_LOG")" == 2 ]] && grep -q "^--namespace=ns-a create -f - \|^create -f - --namespace=ns-a " "$FAKE_KUBECTL_LOG" &&
    grep -q "create -f - --namespace=ns-b " "$FAKE_KUBECTL_LOG" && head -1 "$FAKE_KUBECTL_LOG" | grep -q "^get deadlettertasks.deadletter.dev --all-namespaces -l team=a " &&
    grep -qx "ns-a/retry-all-abcde: Complete: redrove 3 of 3 task(s)" "$work/out" && grep -qx "ns-b/retry-all-abcde: Complete: redrove 3 of 3 task(s)" "$work/out"'
check "retry --all -A: no namespace has dead-lettered tasks: no redrive, exit 0" \
  eval 'FAKE_KUBECTL_REDRIVE=no-tasks fake retry --all -A -l team=a && ! grep -q create "$FAKE_KUBECTL_LOG" && grep -q "no redrive created" "$work/out"'
check "retry --all: a refused create (Forbidden) is an error, not a reason to annotate tasks one by one" \
  eval '! FAKE_KUBECTL_REDRIVE=forbidden fake retry --all -l team=a && grep -q Forbidden "$work/err" && ! grep -q "annotate\|one by one" "$FAKE_KUBECTL_LOG" "$work/err"'
check "fallback (no DeadLetterRedrive kind): says so on stderr, annotates each dead-lettered task in its own namespace, the longest dead-lettered first" \
  eval 'FAKE_KUBECTL_REDRIVE=no-kind fake retry --all -A -l team=a --rate 100 && grep -q "has no DeadLetterRedrive kind" "$work/err" &&
    [[ "$(grep annotate "$FAKE_KUBECTL_LOG" | awk "{print \$3 \$4}" | tr "\n" " ")" == "three--namespace=ns-a two--namespace=ns-b one--namespace=ns-a " ]] &&
    grep -q "3 dead-lettered task(s) redriven at 100/s" "$work/out"'
check "fallback: --reason and --max (a namespace) filter as the redrive would" \
  eval 'FAKE_KUBECTL_REDRIVE=no-kind fake retry --all -A --reason RetriesExhausted,RuleMatched --max 1 --rate 100 &&
    [[ "$(grep annotate "$FAKE_KUBECTL_LOG" | awk "{print \$3}" | tr "\n" " ")" == "three two " ]] &&
    FAKE_KUBECTL_REDRIVE=no-kind fake retry --all -l a=b --reason RuleMatched --rate 100 && [[ "$(grep -c annotate "$FAKE_KUBECTL_LOG")" == 1 ]]'
check "fallback: --dry-run lists the tasks and annotates nothing" \
  eval 'FAKE_KUBECTL_REDRIVE=no-kind fake retry --all -l team=a --dry-run && grep -qx "would redrive: ns-a/one" "$work/out" && ! grep -q annotate "$FAKE_KUBECTL_LOG"'
check "fallback: --after and --before cannot be applied: exit 1, nothing annotated" \
  eval '! FAKE_KUBECTL_REDRIVE=no-kind fake retry --all -l a=b --after 2026-12-01T02:00:00Z && grep -q "need the DeadLetterRedrive kind" "$work/err" && ! grep -q annotate "$FAKE_KUBECTL_LOG"'
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
check "completion: retry --all's flags and the dead-letter reasons" \
  eval 'completes --max retry --all --m && completes --reason retry --all --re && completes RuleMatched retry --all --reason Ru && completes GateTimeout retry --all --reason=G'
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

for crd in deadlettertasks.deadletter.dev deadletterredrives.deadletter.dev; do # each installed only if missing
  if ! kubectl get crd "$crd" >/dev/null 2>&1; then
    kubectl apply --server-side -f "$repo/crds/$crd-v1.yml" >/dev/null &&
      kubectl wait --for condition=Established "crd/$crd" --timeout 30s >/dev/null
  fi
done
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
# retry --all where the server has no DeadLetterRedrive kind: the plugin is told to create a kind the server lacks,
# so real kubectl fails as it does against an older operator's CRDs, and the plugin falls back to its own loop.
no_kind() { DEADLETTER_PLUGIN_REDRIVE_KIND=NoSuchRedriveKind dl "$@"; }
check "retry --all without the redrive kind (kubectl's own error): says so; --dry-run lists the dead-lettered task, annotates nothing" \
  eval 'no_kind retry --all -l team=data --dry-run -n "$ns" >"$work/out" 2>"$work/err" && grep -q "has no NoSuchRedriveKind kind" "$work/err" &&
    grep -qx "would redrive: $ns/from-job" "$work/out" && ! grep -q from-cron "$work/out" && [[ -z "$(annotation from-job)$(annotation from-cron)" ]]'
check "retry --all without the redrive kind: annotates the dead-lettered task only, from the shell" \
  eval 'quietly no_kind retry --all -l team=data -n "$ns" --rate 50 && [[ -n "$(annotation from-job)" && -z "$(annotation from-cron)" ]]'
redrives() { kns get deadletterredrives.deadletter.dev -o name | wc -l; }
check "retry --all: creates a DeadLetterRedrive retry-all-* that the API server accepts, with the filters given (no operator here: nothing annotated)" \
  eval 'before=$(annotation from-job) && dl retry --all -l "team in (data)" --reason RetriesExhausted --max 5 --rate 0.5 -n "$ns" >"$work/out" &&
    name=$(sed -n "s|^deadletterredrive.deadletter.dev/\(retry-all-[a-z0-9]*\) created in namespace $ns\$|\1|p" "$work/out") && [[ -n "$name" ]] &&
    kns get dlr "$name" -o json | jq -e ".spec == {selector: {matchExpressions: [{key: \"team\", operator: \"In\", values: [\"data\"]}]},
      reasons: [\"RetriesExhausted\"], maxTasks: 5, ratePerSecond: 0.5}" >/dev/null && [[ "$(annotation from-job)" == "$before" ]]'
check "retry --all: a redrive the CRD refuses (--after not before --before) fails with the API server's message; no fallback, nothing created" \
  eval 'n=$(redrives) && ! dl retry --all --after 2026-12-02T00:00:00Z --before 2026-12-01T00:00:00Z -n "$ns" >/dev/null 2>"$work/err" &&
    grep -q "deadLetteredAfter must be before deadLetteredBefore" "$work/err" && ! grep -q "one by one" "$work/err" && [[ "$(redrives)" == "$n" ]]'
check "retry --all --wait with no operator acting: fails after --timeout and says so" \
  eval 'start=$SECONDS; ! dl retry --all -l team=data -n "$ns" --wait --timeout 2s >/dev/null 2>"$work/err" && ((SECONDS - start < 10)) &&
    grep -q "the operator has not acted on it" "$work/err" && grep -q "timed out after 2s" "$work/err"'
check "retry: sets a new annotation value" \
  eval 'before=$(annotation from-job) && quietly dl redrive from-job -n "$ns" && after=$(annotation from-job) && [[ -n "$after" && "$after" != "$before" ]]'
check "--context of a context that does not exist: retry --all fails and creates nothing" \
  eval 'n=$(redrives) && ! dl retry --all -l team=data -n "$ns" --context no-such-context 2>/dev/null && [[ "$(redrives)" == "$n" ]]'
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

# ---------------------------------------------------------------------------------------------------------
# retry --all with the operator (the jar, built if missing) watching two namespaces of its own: tasks that fail
# once are dead-lettered (maxAttempts 1); redriven, their second attempt succeeds (KWOK-simulated pods).

r1=$ns-r1 r2=$ns-r2
start_operator() {
  local jar="$repo/target/deadletter-operator.jar"
  if [[ ! -f "$jar" || ! -d "$repo/target/lib" ]]; then
    (cd "$repo" && mvn -B -q -ntp package -Dmaven.test.skip=true) >"$work/mvn.log" 2>&1 ||
      { sed 's/^/  /' "$work/mvn.log" >&2; return 1; }
  fi
  # A copy, so that a concurrent `mvn package` cannot change the classes under the running JVM.
  mkdir -p "$work/app" && cp "$jar" "$work/app/" && cp -r "$repo/target/lib" "$work/app/" || return 1
  (cd "$work" && WATCH_NAMESPACES="$r1,$r2" HTTP_PORT=0 HOSTNAME=plugin-tests \
    exec java -Xmx256m -jar app/deadletter-operator.jar >"$work/operator.log" 2>&1) &
  operator_pid=$!
}
dead_lettering_tasks() { # NAMESPACE NAME...
  local namespace=$1 name; shift
  for name in "$@"; do
    cat <<YAML
---
apiVersion: deadletter.dev/v1alpha1
kind: DeadLetterTask
metadata: {name: $name, labels: {plugin-run: $ns}}
spec:
  retryPolicy: {maxAttempts: 1}
  jobTemplate:
    spec:
      template:
        metadata:
          annotations: {sim.deadletter.dev/exit-codes: "1,0", sim.deadletter.dev/duration: 300ms}
        spec:
          restartPolicy: Never
          containers: [{name: main, image: example.invalid/never-pulled}]
YAML
  done | kubectl apply -n "$namespace" -f - >/dev/null
}
phases_become() { # NAMESPACE PHASE: every task of this run there reaches PHASE within 90 s
  kubectl wait -n "$1" dlt -l "plugin-run=$ns" --for=jsonpath='{.status.phase}'="$2" --timeout 90s >/dev/null ||
    fail_with "$1: $(kubectl get dlt -n "$1" -l "plugin-run=$ns" --no-headers 2>&1 | tr '\n' ';')"
}
tokens() { # NAMESPACE: the retry annotations of this run's tasks there, one line each
  kubectl get dlt -n "$1" -l "plugin-run=$ns" -o jsonpath='{range .items[*]}{.metadata.annotations.deadletter\.dev/retry-requested-at}{"\n"}{end}'
}
redrive_token() { # NAMESPACE/NAME: the token that redrive writes
  echo "redrive-$(kubectl get dlr "${1#*/}" -n "${1%%/*}" -o jsonpath='{.metadata.uid}')"
}
created() { sed -n 's|^deadletterredrive.deadletter.dev/\(retry-all-[a-z0-9]*\) created in namespace \(.*\)$|\2/\1|p' "$work/out"; }

failed_before=$failed
if command -v java >/dev/null; then
  check "the operator runs; 3 tasks in one namespace and 2 in another are dead-lettered" \
    eval 'kubectl create namespace "$r1" >/dev/null && kubectl create namespace "$r2" >/dev/null && start_operator &&
      dead_lettering_tasks "$r1" a1 a2 a3 && dead_lettering_tasks "$r2" b1 b2 && phases_become "$r1" DeadLettered && phases_become "$r2" DeadLettered'
else
  skipped=$((skipped + 1)); echo "skip retry --all with the operator: no java"
fi
if [[ -n "$operator_pid" ]] && ((failed == failed_before)); then
  check "retry --all -A --dry-run: a dry-run redrive in each of the two namespaces, each with its count; no task annotated" \
    eval 'dl retry --all -A -l "plugin-run=$ns" --dry-run >"$work/out" 2>&1 &&
      grep -Eqx "$r1/retry-all-[a-z0-9]+: dry run: 3 task\(s\) would be redriven \(no task changed\)" "$work/out" &&
      grep -Eqx "$r2/retry-all-[a-z0-9]+: dry run: 2 task\(s\) would be redriven \(no task changed\)" "$work/out" &&
      [[ "$(created | wc -l)" == 2 && -z "$(tokens "$r1")$(tokens "$r2")" ]] || fail_with "$(cat "$work/out")"'
  check "retry --all --reason that no task has, --dry-run: 0 task(s) would be redriven" \
    eval 'dl retry --all -l "plugin-run=$ns" --reason PoisonDetected -n "$r1" --dry-run >"$work/out" 2>&1 &&
      grep -q ": dry run: 0 task(s) would be redriven" "$work/out" || fail_with "$(cat "$work/out")"'
  check "retry --all --wait --rate 0.5: progress lines as the counts change, Complete; each task has the redrive's token and succeeds" \
    eval 'dl retry --all -l "plugin-run=$ns" -n "$r1" --rate 0.5 --wait --timeout 60s >"$work/out" 2>&1 &&
      ref=$(created) && [[ "$ref" == "$r1"/retry-all-* ]] &&
      grep "matched" "$work/out" >"$work/progress" && (($(wc -l <"$work/progress") >= 2)) && [[ -z "$(uniq -d "$work/progress")" ]] &&
      [[ "$(tail -1 "$work/out")" == "$ref: Complete: redrove 3 of 3 task(s)" ]] &&
      [[ "$(tokens "$r1" | sort -u)" == "$(redrive_token "$ref")" ]] && phases_become "$r1" Succeeded || fail_with "$(cat "$work/out")"'
  check "retry --all -A --wait: only the namespace still holding dead-lettered tasks gets a redrive; it completes, they succeed" \
    eval 'n1=$(kubectl get dlr -n "$r1" -o name | wc -l) && dl retry --all -A -l "plugin-run=$ns" --wait --timeout 60s >"$work/out" 2>&1 &&
      ref=$(created) && [[ "$ref" == "$r2"/retry-all-* ]] && [[ "$(kubectl get dlr -n "$r1" -o name | wc -l)" == "$n1" ]] &&
      grep -qx "$ref: Complete: redrove 2 of 2 task(s)" "$work/out" &&
      [[ "$(tokens "$r2" | sort -u)" == "$(redrive_token "$ref")" ]] && phases_become "$r2" Succeeded || fail_with "$(cat "$work/out")"'
  check "retry --all -A when no namespace has dead-lettered tasks of the selector: no redrive, exit 0" \
    eval 'dl retry --all -A -l "plugin-run=$ns" >"$work/out" 2>&1 && grep -q "no redrive created" "$work/out" && [[ -z "$(created)" ]]'
fi
if ((failed > failed_before)) && [[ -s "$work/operator.log" ]]; then echo "  --- the operator's log, last 40 lines ---"; tail -40 "$work/operator.log" | sed 's/^/  /'; fi
stop_operator

echo "plugin: $passed passed, $failed failed, $skipped skipped"
((failed == 0))
