#!/usr/bin/env bash
# Runs every test tier: the cluster smoke test, then unit, property, integration and end-to-end tests, then
# the image's test.
# Builds (cached) and starts the local control plane unless DEADLETTER_EXISTING_CLUSTER=1, in which case
# the tests use the cluster of $KUBECONFIG (which needs KWOK with hack/cluster/kwok-stages.yaml).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

hack/check-links.py   # relative links and #anchors of README.md, docs/*.md and the benchmark notes; needs no cluster

started=false
stop_cluster() { if $started; then hack/cluster.sh down; fi; }
trap stop_cluster EXIT

if [[ "${DEADLETTER_EXISTING_CLUSTER:-}" != 1 ]]; then
  hack/cluster.sh build
  if ! hack/cluster.sh status | grep -q '^api: ready'; then
    started=true
    hack/cluster.sh up
  fi
  eval "$(hack/cluster.sh env)"
fi

# The scripts below run the operator from target/ when a jar is there: build it from this tree first, so none
# of them tests a stale jar of an earlier build.
mvn -B -q -ntp package -Dmaven.test.skip=true

hack/lint-workflows.sh   # actionlint on .github/workflows (built into the cache by hack/cluster.sh build)
hack/cluster/smoke-test.sh
# kstatus and Argo CD's health Lua on tasks in every phase (before any test starts an operator that
# watches all namespaces: it would write the statuses these tests store).
hack/gitops/test.sh
helm/tests/run.sh
helm/tests/alerts/rules-test.sh      # promtool check and unit tests of the chart's alerts, as rendered
helm/tests/alerts/prometheus-e2e.sh  # a real Prometheus scrapes the operator: every alert and panel query has data
plugin/tests/run.sh   # the kubectl plugin: flags with a fake kubectl, then its commands on the local cluster
# The benchmark harness's smoke scenario: about 10 tasks, all converge, none starts before its schedule.
bench/run.sh --smoke
mvn -B -ntp verify "$@"
# The image, built without Docker from the jar just packaged, and run from its root file system (about 1-2 min).
hack/image-test.sh
