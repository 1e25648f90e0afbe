#!/usr/bin/env bash
# Builds the image (hack/image.sh), unpacks it as a runtime would, checks its config and files, and runs the
# operator from the image's root filesystem, as the image's user, with its environment and entrypoint, on
# a read-only root with a tmpfs at /tmp (as the chart runs it), against the cluster of $KUBECONFIG until
# /readyz answers and a task with a KWOK-simulated pod succeeds.
# Needs python3, curl, kubectl and root for unpacking and running (unshare, mount; through sudo when not run
# as root, as on GitHub's runners); with the local cluster: eval "$(hack/cluster.sh env)".
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo" || exit 1
eval "$(hack/cluster.sh env | grep -v '^export KUBECONFIG=')" # kubectl on PATH; KUBECONFIG stays as given
: "${KUBECONFIG:?the cluster to run the operator against}"
start=$SECONDS
passed=0 failed=0
check() {
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); echo "ok   $name"; else failed=$((failed + 1)); echo "FAIL $name"; fi
}

as_root() { if ((EUID == 0)); then "$@"; else sudo --preserve-env=KUBECONFIG "$@"; fi; }
hack/image.sh || exit 1
dir=$(mktemp -d /tmp/image-test.XXXXXX)
ns=image-$RANDOM
log=$(mktemp /tmp/image-test-operator.XXXXXX.log)
operator=""
# unshare --fork ignores SIGTERM while it waits: signal the image's java (the pid 1 of its pid namespace, which
# handles SIGTERM), and SIGKILL unshare (--kill-child then kills java) if it has not stopped in 40s.
child() { awk -v parent="$1" '$4 == parent {print $1}' /proc/[0-9]*/stat 2>/dev/null; }
java_pid() { child "$(cat "$dir/unshare.pid" 2>/dev/null)"; }
stop() {
  local java deadline=$((SECONDS + 40))
  java=$(java_pid)
  [[ -n "$java" ]] && as_root kill -TERM "$java" 2>/dev/null
  while kill -0 "$operator" 2>/dev/null && ((SECONDS < deadline)); do sleep 1; done
  kill -0 "$operator" 2>/dev/null && as_root kill -KILL "$(cat "$dir/unshare.pid")" 2>/dev/null
  wait "$operator" 2>/dev/null
}
cleanup() {
  [[ -n "$operator" ]] && stop
  kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1
  as_root rm -rf "$dir"
  rm -f "$log"
}
trap cleanup EXIT
as_root hack/image/unpack.py target/image/deadletter-operator.oci.tar "$dir" || exit 1
root="$dir/rootfs"
config() { python3 -c 'import json, sys; c = json.load(open(sys.argv[1]))["config"]; print(eval(sys.argv[2]))' \
  "$dir/config.json" "$1"; }
label() { config "c['Labels'].get('org.opencontainers.image.$1', '')"; }
version=$(python3 -c 'import xml.etree.ElementTree as t
print(t.parse("pom.xml").getroot().findtext("{http://maven.apache.org/POM/4.0.0}version"))')

equals() { [[ "$1" == "$2" ]] || { echo "  got '$1', expected '$2'"; return 1; }; }
none() { local found; found=$("$@"); [[ -z "$found" ]] || { echo "  found: $found"; return 1; }; }
check "runs as the numeric user 65532:65532" equals "$(config "c['User']")" 65532:65532
check "its entrypoint is java -jar the operator" \
  equals "$(config "' '.join(c['Entrypoint'] + (c.get('Cmd') or []))")" \
  "/opt/java/openjdk/bin/java -jar /app/deadletter-operator.jar"
check "labels: source" equals "$(label source)" https://github.com/deadletter-dev/deadletter-operator
check "labels: revision is the commit" equals "$(label revision)" "$(git rev-parse HEAD)"
check "labels: version is pom.xml's" equals "$(label version)" "$version"
check "labels: licenses" equals "$(label licenses)" Apache-2.0
check "labels: created is the commit's time" \
  equals "$(label created)" "$(date -u -d "@$(git log -1 --format=%ct)" +%Y-%m-%dT%H:%M:%SZ)"
# hack/image.sh reads the final stage from the Dockerfile; its base stage must run the same script.
check "the Dockerfile's base stage runs hack/image/base.sh" \
  grep -qx 'RUN /image/base.sh /rootfs /var/cache/debs' Dockerfile
check "no setuid or setgid files" none find "$root" -perm /6000
check "no shell (sh, bash, dash, busybox)" \
  none find "$root" \( -name sh -o -name bash -o -name dash -o -name ash -o -name busybox \)
check "every file is owned by root" none find "$root" ! -uid 0
check "the operator cannot write outside /tmp" none find "$root" ! -path "$root/tmp" ! -type l -perm /022

# The runtime's mount points (a container runtime creates them), then the run: the root file system
# read-only, a tmpfs at /tmp holding the kubeconfig, /proc and the usual devices.
as_root mkdir -p "$root/proc" "$root/dev"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
config "'\n'.join(c['Env'])" | as_root tee "$dir/env" >/dev/null
mapfile -t entrypoint < <(config "'\n'.join(c['Entrypoint'] + (c.get('Cmd') or []))")
as_root tee "$dir/run.sh" >/dev/null <<'RUN'
set -euo pipefail
root=$1 kubeconfig=$2 workdir=$3 user=$4 env_file=$5; shift 5
mount --bind "$root" "$root" && mount -o remount,bind,ro "$root"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$root/tmp"
install -m 600 -o "${user%:*}" -g "${user#*:}" "$kubeconfig" "$root/tmp/kubeconfig"
mount -t tmpfs -o mode=755,nosuid tmpfs "$root/dev"
for d in null zero random urandom; do touch "$root/dev/$d" && mount --bind "/dev/$d" "$root/dev/$d"; done
mapfile -t image_env < "$env_file"
echo $$ > "$(dirname "$root")/unshare.pid" # this process becomes unshare, the parent of the image's java
exec env -i "${image_env[@]}" "$(command -v unshare)" --pid --fork --kill-child --mount-proc --root="$root" --wd="$workdir" \
  --setuid "${user%:*}" --setgid "${user#*:}" -- "$@"
RUN
kubectl create namespace "$ns" >/dev/null
kubectl apply --server-side --force-conflicts -f crds/ >/dev/null
kubectl wait --for=condition=Established crd/deadlettertasks.deadletter.dev --timeout=60s >/dev/null
# A YAML retry policy and JSON logs, so that the run also parses YAML and reads logback-json.xml.
printf '%s\n' KUBECONFIG=/tmp/kubeconfig HTTP_PORT="$port" WATCH_NAMESPACES="$ns" HOSTNAME=image-test \
  LOG_FORMAT=json 'CAPTURE_DEFAULT_RETRY_POLICY=maxAttempts: 2' | as_root tee -a "$dir/env" >/dev/null
as_root unshare --mount --propagation private -- bash "$dir/run.sh" "$root" "$KUBECONFIG" \
  "$(config "c['WorkingDir']")" "$(config "c['User']")" "$dir/env" "${entrypoint[@]}" > "$log" 2>&1 &
operator=$!

ready() {
  local deadline=$((SECONDS + 120))
  until [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz")" == 200 ]]; do
    kill -0 "$operator" 2>/dev/null || { echo "  the operator exited"; return 1; }
    ((SECONDS < deadline)) || { echo "  no 200 from /readyz in 120s"; return 1; }
    sleep 1
  done
}
java_uid() { # the uid of the image's java process: the child of unshare --fork
  awk '$1 == "Uid:" {print $2}' "/proc/$(java_pid)/status"
}
succeeds() {
  kill -0 "$operator" 2>/dev/null || return 1
  kubectl apply -f - >/dev/null <<YAML || return 1
apiVersion: deadletter.dev/v1alpha1
kind: DeadLetterTask
metadata: {name: from-image, namespace: $ns}
spec:
  jobTemplate:
    spec:
      template:
        metadata:
          annotations: {sim.deadletter.dev/duration: 500ms}
        spec:
          restartPolicy: Never
          containers: [{name: main, image: busybox:1.36, command: [sh, -c, "exit 0"]}]
YAML
  kubectl wait -n "$ns" deadlettertask/from-image --for=jsonpath='{.status.phase}'=Succeeded --timeout=120s \
    >/dev/null
}
check "the operator from the image's root file system answers /readyz" ready
check "it runs as uid 65532" equals "$(java_uid)" 65532
check "a task whose simulated pod exits 0 succeeds" succeeds
check "it logs JSON" grep -q '^{.*"level":"INFO"' "$log"
if ((failed)); then echo "--- operator log"; tail -50 "$log"; fi
echo "image: $passed passed, $failed failed in $((SECONDS - start))s"
((failed == 0))
