#!/usr/bin/env bash
# Builds the pinned control-plane binaries from the Go module proxy into $1 (a directory).
# Called by hack/cluster.sh build; safe to run alone.
set -euo pipefail
out=${1:?usage: build.sh OUT_DIR}
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
# >>> `build.sh OUT_DIR compat MODULE_DIR` (hack/cluster.sh, for hack/compat.sh): the control plane of the
# Kubernetes version another module pins (e.g. hack/compat/v1.30), built from that module (see below). An
# argument, not the environment: a tools build must never put an older control plane into OUT_DIR.
compat_module=""
if [[ "${2:-}" == compat ]]; then
  compat_module=${3:?usage: build.sh OUT_DIR compat MODULE_DIR}
  cd "$compat_module"
fi
# <<<

# The version go.mod requires of a module.
mod_version() { awk -v m="$1" '$1==m && $2 ~ /^v/ {print $2; exit}' go.mod; }

k8s_version=$(mod_version k8s.io/kubernetes)
major=$(echo "$k8s_version" | sed -E 's/^v([0-9]+)\..*/\1/')
minor=$(echo "$k8s_version" | sed -E 's/^v[0-9]+\.([0-9]+)\..*/\1/')
etcd_version=$(mod_version go.etcd.io/etcd/server/v3)
kwok_version=$(mod_version sigs.k8s.io/kwok)
helm_version=$(mod_version helm.sh/helm/v3)
build_date=$(date -u +%Y-%m-%dT%H:%M:%SZ)

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-mod=readonly -buildvcs=false"

# Stamp the real versions so discovery, `kubectl version` and `helm version` report them.
version_flags=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  version_flags+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
  version_flags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$build_date"
done
version_flags+=" -X sigs.k8s.io/kwok/pkg/consts.Version=$kwok_version"
version_flags+=" -X helm.sh/helm/v3/internal/version.version=$helm_version"
version_flags+=" -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
# >>> helm's default Kubernetes version, as helm's own Makefile stamps it (from the client-go it is built
# with): `helm template` and `helm lint` without --kube-version check a chart's kubeVersion against it, and
# unstamped it is v1.20. In a block of its own, so that a change here re-links helm and not Kubernetes (see
# below); the linker ignores these -X flags in the binaries that lack the packages.
for pkg in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
  version_flags+=" -X $pkg.k8sVersionMajor=$major -X $pkg.k8sVersionMinor=$minor"
done
# <<<

mkdir -p "$out"
# >>> A compat module pins only Kubernetes: etcd, kwok, helm and the tools stay those of this module.
if [[ -n "$compat_module" ]]; then
  start=$(date +%s)
  go build -trimpath -ldflags "-s -w $version_flags" -o "$out/" \
    k8s.io/kubernetes/cmd/kube-apiserver \
    k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler \
    k8s.io/kubernetes/cmd/kubectl
  echo "built kubernetes $k8s_version in $(( $(date +%s) - start ))s into $out"
  exit 0
fi
# <<<
# >>> This repository's own tools, from cmd/ (standard library only, seconds to build), actionlint from
# the small module ../tools, Prometheus from ../tools/prometheus and krew from ../tools/krew (their go.mod
# files pin the versions).
# hack/cluster.sh keeps every block between these markers out of the cache key of the binaries above and
# below; it rebuilds the tools alone, with `build.sh OUT_DIR tools`, when their source or a block changes
# or one is missing. That also re-links helm with the flags above (its packages come from Go's build cache:
# seconds to a few minutes).
go build -trimpath -ldflags "-s -w" -o "$out/faultproxy" ./cmd/faultproxy
go -C ../tools build -trimpath -ldflags "-s -w" -o "$(cd "$out" && pwd)/actionlint" github.com/rhysd/actionlint/cmd/actionlint
# promtool (the alert rules' unit tests) and prometheus (the dashboard and alert query check) from their own
# module ../tools/prometheus, so that its large dependency graph does not move actionlint's. Without service
# discovery plugins (remove_all_sd: the tests scrape static targets), so no cloud provider SDK is built.
go -C ../tools/prometheus build -tags remove_all_sd -trimpath -ldflags "-s -w" -o "$(cd "$out" && pwd)/" \
  github.com/prometheus/prometheus/cmd/promtool github.com/prometheus/prometheus/cmd/prometheus
# krew and its manifest validation (the kubectl plugin's krew manifest, plugin/tests/run.sh), from their
# own module ../tools/krew too: krew's older Kubernetes libraries stay out of the others' graphs.
go -C ../tools/krew build -trimpath -ldflags "-s -w" -o "$(cd "$out" && pwd)/" sigs.k8s.io/krew/cmd/krew \
  sigs.k8s.io/krew/cmd/validate-krew-manifest
if [[ "${2:-}" == tools ]]; then
  # Replaced with a rename: a helm running from the cache meanwhile keeps its file.
  go build -trimpath -ldflags "-s -w $version_flags" -o "$out/.helm.new" helm.sh/helm/v3/cmd/helm
  mv -f "$out/.helm.new" "$out/helm"
  echo "built faultproxy, actionlint, promtool, prometheus, krew, validate-krew-manifest and helm $helm_version (default Kubernetes v$major.$minor) into $out"
  exit 0
fi
# <<<
start=$(date +%s)
go build -trimpath -ldflags "-s -w $version_flags" -o "$out/" \
  k8s.io/kubernetes/cmd/kube-apiserver \
  k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler \
  k8s.io/kubernetes/cmd/kubectl \
  sigs.k8s.io/kwok/cmd/kwok \
  helm.sh/helm/v3/cmd/helm
go build -trimpath -ldflags "-s -w" -o "$out/etcd" go.etcd.io/etcd/server/v3
echo "built kubernetes $k8s_version, etcd $etcd_version, kwok $kwok_version, helm $helm_version in $(( $(date +%s) - start ))s into $out"
