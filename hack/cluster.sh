#!/usr/bin/env bash
# A real, local Kubernetes control plane on loopback, built from Go modules (hack/k8s/go.mod).
#
#   hack/cluster.sh build            build the pinned binaries into the cache (no-op when cached)
#   hack/cluster.sh up               start etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok
#   hack/cluster.sh down             stop exactly the processes `up` started and remove their data
#   hack/cluster.sh status           what runs, and whether the API answers
#   hack/cluster.sh env              print `export KUBECONFIG=... PATH=...` for this cluster
#   hack/cluster.sh user NAME [GROUP]  write a kubeconfig for a non-admin user (client cert signed by the CA)
#   hack/cluster.sh restart kube-apiserver|kwok   stop and start one (etcd keeps its data; kwok rereads its stages)
#
# Layout: binaries in $DEADLETTER_CACHE/k8s/<version>/bin, the cluster (certs, data, logs, pids,
# kubeconfigs) in $DEADLETTER_CLUSTER_DIR. Nothing is written to the repository.
# Opt-in: DEADLETTER_KCM_QPS=N (read by `up`) gives kube-controller-manager --kube-api-qps N --kube-api-burst 2N;
# unset, it keeps its own defaults (20/30). A running cluster keeps what it was started with: `down` first.
# DEADLETTER_K8S_MODULE=hack/compat/vX.Y (read by every command; hack/compat.sh sets it): the control plane
# of an older Kubernetes, pinned by that module, instead of hack/k8s's.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
k8s_module="$repo/hack/k8s"
kubernetes_of() { awk '$1=="k8s.io/kubernetes" && $2 ~ /^v/ {print $2; exit}' "$1/go.mod"; }
k8s_version=$(kubernetes_of "$k8s_module")
cache=${DEADLETTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/deadletter-operator}
bin="$cache/k8s/$k8s_version/bin"
# DEADLETTER_K8S_MODULE=hack/compat/vX.Y (hack/compat.sh sets it): the control plane (kube-apiserver,
# kube-controller-manager, kube-scheduler, kubectl) of the Kubernetes version that module pins, built into
# $DEADLETTER_CACHE/k8s/<that version>/bin; etcd, kwok, helm and the tools stay those of hack/k8s.
compat_module=""
if [[ -n "${DEADLETTER_K8S_MODULE:-}" ]]; then
  compat_module=$(cd "$DEADLETTER_K8S_MODULE" && pwd)
  [[ "$compat_module" == "$k8s_module" ]] && compat_module=""
fi
kube_version=$k8s_version
[[ -z "$compat_module" ]] || kube_version=$(kubernetes_of "$compat_module")
kube_bin="$cache/k8s/$kube_version/bin"
dir=${DEADLETTER_CLUSTER_DIR:-$cache/cluster}
kubeconfig="$dir/kubeconfig"

etcd_port=${DEADLETTER_ETCD_PORT:-23790}
api_port=${DEADLETTER_API_PORT:-16443}
kcm_port=${DEADLETTER_KCM_PORT:-20257}
scheduler_port=${DEADLETTER_SCHEDULER_PORT:-20259}
kwok_port=${DEADLETTER_KWOK_PORT:-20247}
nodes=${DEADLETTER_NODES:-2}
binaries=(kube-apiserver kube-controller-manager kube-scheduler kubectl kwok helm etcd)
tools=(faultproxy actionlint promtool prometheus krew validate-krew-manifest) # from hack/k8s/cmd (e.g. for the network fault tests), hack/tools/go.mod, hack/tools/prometheus/go.mod and hack/tools/krew/go.mod

log() { echo "cluster: $*" >&2; }

# The hash of the module files names what is in the cache; a changed go.mod means a rebuild. The blocks of
# build.sh between "# >>>" and "# <<<" (this repository's own tools, actionlint, helm's default Kubernetes
# version) have a key of their own, with hack/tools' module files: a change there must not rebuild Kubernetes.
module_hash() {
  { cat "$k8s_module/go.mod" "$k8s_module/go.sum"; sed '/^# >>>/,/^# <<</d' "$k8s_module/build.sh"; } |
    sha256sum | cut -c1-16
}
tools_hash() {
  { cat "$k8s_module"/cmd/*/*.go "$repo/hack/tools/go.mod" "$repo/hack/tools/go.sum" \
      "$repo/hack/tools/prometheus/go.mod" "$repo/hack/tools/prometheus/go.sum" \
      "$repo/hack/tools/krew/go.mod" "$repo/hack/tools/krew/go.sum"
    sed -n '/^# >>>/,/^# <<</p' "$k8s_module/build.sh"; } | sha256sum | cut -c1-16
}

cmd_build() {
  local stamp="$bin/.built-$(module_hash)"
  if [[ -f "$stamp" ]]; then
    log "binaries for $k8s_version cached in $bin"
  else
    log "building Kubernetes $k8s_version, etcd, kwok and helm from Go modules (cold: tens of minutes)"
    local start=$SECONDS
    rm -rf "$bin" && mkdir -p "$bin"
    "$k8s_module/build.sh" "$bin"
    touch "$stamp" "$bin/.tools-$(tools_hash)"
    log "cold build took $((SECONDS - start))s; sizes:"
    (cd "$bin" && du -h "${binaries[@]}" "${tools[@]}") >&2
  fi
  # A warm cache without the current tools (new, changed or deleted): build only those, in seconds.
  local tools_stamp="$bin/.tools-$(tools_hash)" t
  for t in "${tools[@]}"; do [[ -x "$bin/$t" ]] || rm -f "$tools_stamp"; done
  if [[ ! -f "$tools_stamp" ]]; then
    log "building this repository's tools (${tools[*]}) and re-linking helm into $bin"
    "$k8s_module/build.sh" "$bin" tools
    rm -f "$bin"/.tools-* && touch "$tools_stamp"
  fi
  [[ -z "$compat_module" ]] || build_compat
  layout_kube_api_test
}

# The control plane of a compat module; its key is the module and the whole build script.
build_compat() {
  local stamp
  stamp="$kube_bin/.built-$(cat "$compat_module/go.mod" "$compat_module/go.sum" "$k8s_module/build.sh" |
    sha256sum | cut -c1-16)"
  if [[ -f "$stamp" ]]; then
    log "Kubernetes $kube_version cached in $kube_bin"
    return
  fi
  log "building Kubernetes $kube_version from $compat_module (cold: tens of minutes)"
  local start=$SECONDS
  rm -rf "$kube_bin" && mkdir -p "$kube_bin"
  "$k8s_module/build.sh" "$kube_bin" compat "$compat_module"
  touch "$stamp"
  log "Kubernetes $kube_version built in $((SECONDS - start))s; sizes:"
  (cd "$kube_bin" && du -h kube-apiserver kube-controller-manager kube-scheduler kubectl) >&2
}

# Fabric8's kube-api-test looks for etcd, kube-apiserver and kubectl here and downloads nothing if present.
layout_kube_api_test() {
  local target="$HOME/.kubeapitest/k8s/${k8s_version#v}-linux-amd64"
  mkdir -p "$target"
  for b in etcd kube-apiserver kubectl; do ln -sf "$bin/$b" "$target/$b"; done
}

pki() {
  local pki="$dir/pki"
  [[ -f "$pki/ca.crt" ]] && return
  mkdir -p "$pki"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=deadletter-local-ca" \
    -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
  cat > "$pki/apiserver.ext" <<EOF
subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
extendedKeyUsage=serverAuth
EOF
  sign "$pki" apiserver "/CN=kube-apiserver" "$pki/apiserver.ext"
  openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
}

# sign DIR NAME SUBJECT [EXTFILE]: a key and a certificate signed by the cluster CA.
sign() {
  local pki=$1 name=$2 subject=$3 ext=${4:-}
  openssl req -newkey rsa:2048 -nodes -subj "$subject" -keyout "$pki/$name.key" -out "$pki/$name.csr" 2>/dev/null
  if [[ -z "$ext" ]]; then
    ext="$pki/client.ext"
    echo "extendedKeyUsage=clientAuth" > "$ext"
  fi
  openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 3650 -extfile "$ext" -out "$pki/$name.crt" 2>/dev/null
}

# write_kubeconfig FILE CERT_NAME: a kubeconfig that authenticates with pki/CERT_NAME.{crt,key}.
write_kubeconfig() {
  local file=$1 name=$2 pki="$dir/pki"
  cat > "$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: deadletter-local
  cluster:
    server: https://127.0.0.1:$api_port
    certificate-authority-data: $(base64 -w0 "$pki/ca.crt")
users:
- name: $name
  user:
    client-certificate-data: $(base64 -w0 "$pki/$name.crt")
    client-key-data: $(base64 -w0 "$pki/$name.key")
contexts:
- name: deadletter-local
  context: {cluster: deadletter-local, user: $name}
current-context: deadletter-local
EOF
  chmod 600 "$file"
}

# component NAME SUBJECT: a client identity and kubeconfig for one control-plane component.
component() {
  local name=$1 subject=$2
  [[ -f "$dir/pki/$name.crt" ]] || sign "$dir/pki" "$name" "$subject"
  write_kubeconfig "$dir/$name.kubeconfig" "$name"
}

start() {
  local name=$1; shift
  "$@" > "$dir/logs/$name.log" 2>&1 &
  echo $! > "$dir/pids/$name.pid"
}

running() { [[ -f "$dir/pids/$1.pid" ]] && kill -0 "$(cat "$dir/pids/$1.pid")" 2>/dev/null; }

# wait_for WHAT TIMEOUT COMMAND...: until COMMAND succeeds; fails early when a started process died.
wait_for() {
  local what=$1 timeout=$2; shift 2
  local deadline=$((SECONDS + timeout)) name
  until "$@" >/dev/null 2>&1; do
    for name in etcd kube-apiserver kube-controller-manager kube-scheduler kwok; do
      if [[ -f "$dir/pids/$name.pid" ]] && ! running "$name"; then
        log "$name exited while waiting for $what:"
        tail -n 20 "$dir/logs/$name.log" >&2
        return 1
      fi
    done
    if ((SECONDS > deadline)); then
      log "timed out after ${timeout}s waiting for $what; logs in $dir/logs"
      tail -n 20 "$dir"/logs/*.log >&2 || true
      return 1
    fi
    sleep 0.3
  done
}

start_apiserver() {
  start kube-apiserver "$kube_bin/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
    --tls-cert-file "$dir/pki/apiserver.crt" --tls-private-key-file "$dir/pki/apiserver.key" \
    --client-ca-file "$dir/pki/ca.crt" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$dir/pki/sa.pub" --service-account-signing-key-file "$dir/pki/sa.key" \
    --service-cluster-ip-range 10.96.0.0/16 \
    --endpoint-reconciler-type none \
    --authorization-mode Node,RBAC \
    --enable-admission-plugins NodeRestriction \
    --audit-policy-file "$dir/audit-policy.yaml" --audit-log-path "$dir/logs/audit.log" \
    --audit-log-maxsize 200 \
    --profiling=false
}

cmd_up() {
  if running kube-apiserver; then
    log "already up; KUBECONFIG=$kubeconfig"
    return
  fi
  cmd_build
  local start_time=$SECONDS
  rm -rf "$dir/data" "$dir/logs" "$dir/pids"
  mkdir -p "$dir/data" "$dir/logs" "$dir/pids"
  pki
  component admin "/O=system:masters/CN=deadletter-admin"
  cp "$dir/admin.kubeconfig" "$kubeconfig"
  component kube-controller-manager "/CN=system:kube-controller-manager"
  component kube-scheduler "/CN=system:kube-scheduler"
  component kwok "/O=system:masters/CN=kwok-controller"
  cp "$repo/hack/cluster/audit-policy.yaml" "$dir/audit-policy.yaml"

  start etcd "$bin/etcd" --data-dir "$dir/data/etcd" --name local \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$((etcd_port + 10))" \
    --initial-advertise-peer-urls "http://127.0.0.1:$((etcd_port + 10))" \
    --initial-cluster "local=http://127.0.0.1:$((etcd_port + 10))" \
    --unsafe-no-fsync --quota-backend-bytes 4294967296 --log-level warn

  start_apiserver

  wait_for "etcd" 30 curl -sf "http://127.0.0.1:$etcd_port/health"
  wait_for "kube-apiserver" 90 "$kube_bin/kubectl" --kubeconfig "$kubeconfig" get --raw /readyz

  # Opt-in client rate limit of kube-controller-manager (each controller's client has its own limiter).
  local kcm_client=()
  if [[ -n "${DEADLETTER_KCM_QPS:-}" ]]; then
    [[ "$DEADLETTER_KCM_QPS" =~ ^[1-9][0-9]*$ ]] || { log "DEADLETTER_KCM_QPS must be a positive integer"; exit 2; }
    kcm_client=(--kube-api-qps "$DEADLETTER_KCM_QPS" --kube-api-burst "$((2 * DEADLETTER_KCM_QPS))")
    log "kube-controller-manager client: ${kcm_client[*]}"
  fi
  start kube-controller-manager "$kube_bin/kube-controller-manager" \
    --kubeconfig "$dir/kube-controller-manager.kubeconfig" \
    --authentication-kubeconfig "$dir/kube-controller-manager.kubeconfig" \
    --authorization-kubeconfig "$dir/kube-controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$kcm_port" --leader-elect=false \
    --use-service-account-credentials \
    --service-account-private-key-file "$dir/pki/sa.key" --root-ca-file "$dir/pki/ca.crt" \
    --cluster-signing-cert-file "$dir/pki/ca.crt" --cluster-signing-key-file "$dir/pki/ca.key" \
    --controllers '*' --concurrent-job-syncs 20 "${kcm_client[@]}"

  start kube-scheduler "$kube_bin/kube-scheduler" \
    --kubeconfig "$dir/kube-scheduler.kubeconfig" \
    --authentication-kubeconfig "$dir/kube-scheduler.kubeconfig" \
    --authorization-kubeconfig "$dir/kube-scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$scheduler_port" --leader-elect=false

  start_kwok

  local k=("$kube_bin/kubectl" --kubeconfig "$kubeconfig")
  for i in $(seq 0 $((nodes - 1))); do
    sed "s/NAME/kwok-node-$i/" "$repo/hack/cluster/node.yaml" | "${k[@]}" apply -f - >/dev/null
  done
  wait_for "the default ServiceAccount" 60 "${k[@]}" get serviceaccount default -n default
  wait_for "$nodes Ready nodes" 60 bash -c \
    "[[ \$('${kube_bin}/kubectl' --kubeconfig '$kubeconfig' get nodes --no-headers 2>/dev/null | grep -c ' Ready') -ge $nodes ]]"
  log "up in $((SECONDS - start_time))s: Kubernetes $kube_version, $nodes kwok nodes; export KUBECONFIG=$kubeconfig"
}

cmd_down() {
  local name
  for name in kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do
    if running "$name"; then
      local pid
      pid=$(cat "$dir/pids/$name.pid")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$dir/data" "$dir/pids"
  log "down"
}

# restart kube-apiserver: stop it (SIGTERM) and start it again with its data kept, as in an upgrade or a
# crash of the control plane; waits until it is ready again.
# KWOK reads its stages (hack/cluster/kwok-stages.yaml) when it starts: restart it after editing them.
start_kwok() {
  start kwok "$bin/kwok" \
    --kubeconfig "$dir/kwok.kubeconfig" \
    --config "$repo/hack/cluster/kwok-stages.yaml" \
    --manage-all-nodes=false \
    --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
    --server-address "127.0.0.1:$kwok_port" \
    --node-lease-duration-seconds 40
}

cmd_restart() {
  local name=${1:-}
  [[ "$name" == kube-apiserver || "$name" == kwok ]] || { log "restart supports kube-apiserver and kwok"; exit 2; }
  running "$name" || { log "$name is not running"; exit 1; }
  local pid
  pid=$(cat "$dir/pids/$name.pid")
  kill "$pid"
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  mv "$dir/logs/$name.log" "$dir/logs/$name.log.$(date +%s)"
  if [[ "$name" == kwok ]]; then
    start_kwok
  else
    start_apiserver
    wait_for "kube-apiserver" 90 "$kube_bin/kubectl" --kubeconfig "$kubeconfig" get --raw /readyz
  fi
  log "$name restarted"
}

cmd_status() {
  local name
  for name in etcd kube-apiserver kube-controller-manager kube-scheduler kwok; do
    if running "$name"; then echo "$name: running (pid $(cat "$dir/pids/$name.pid"))"; else echo "$name: stopped"; fi
  done
  "$kube_bin/kubectl" --kubeconfig "$kubeconfig" get --raw /readyz >/dev/null 2>&1 && echo "api: ready" || echo "api: not ready"
}

cmd_env() {
  echo "export KUBECONFIG=$kubeconfig"
  if [[ "$kube_bin" == "$bin" ]]; then echo "export PATH=$bin:\$PATH"; else echo "export PATH=$kube_bin:$bin:\$PATH"; fi
}

cmd_user() {
  local name=${1:?usage: cluster.sh user NAME [GROUP]} group=${2:-}
  local subject="/CN=$name"
  [[ -n "$group" ]] && subject="/O=$group$subject"
  local id="user-$name"
  sign "$dir/pki" "$id" "$subject"
  write_kubeconfig "$dir/$id.kubeconfig" "$id"
  echo "$dir/$id.kubeconfig"
}

case "${1:-}" in
  build) cmd_build ;;
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) cmd_env ;;
  user) shift; cmd_user "$@" ;;
  restart) shift; cmd_restart "$@" ;;
  *) sed -n '2,17p' "$0"; exit 2 ;;
esac
