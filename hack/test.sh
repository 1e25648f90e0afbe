#!/usr/bin/env bash
# Runs every test tier: the cluster smoke test, then unit, property, integration and end-to-end tests, then
# the image's test.
# Builds (cached) and starts the local control plane unless DEADLETTER_EXISTING_CLUSTER=1, in which case
# the tests use the cluster of $KUBECONFIG (which needs KWOK with hack/cluster/kwok-stages.yaml).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

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

hack/lint-workflows.sh   # actionlint on .github/workflows (built into the cache by hack/cluster.sh build)
hack/cluster/smoke-test.sh
helm/tests/run.sh
# The benchmark harness's smoke scenario: about 10 tasks, all converge, none starts before its schedule.
bench/run.sh --smoke
mvn -B -ntp verify "$@"
# The image, built without Docker from the jar just packaged, and run from its root file system (about 1-2 min).
hack/image-test.sh
