#!/usr/bin/env bash
# Regenerates crds/ from the Java model (see CommittedCrdTest).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -ntp test -Dtest=CommittedCrdTest -Dcrd.update=true -Dsurefire.failIfNoSpecifiedTests=false

cp crds/deadlettertasks.deadletter.dev-v1.yml helm/deadletter-operator/files/
echo "updated helm/deadletter-operator/files/ (the chart's copy)"
