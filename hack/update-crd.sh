#!/usr/bin/env bash
# Regenerates crds/ and the chart's copy from the Java model (see CommittedCrdTest).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -ntp test -Dtest=CommittedCrdTest -Dcrd.update=true -Dsurefire.failIfNoSpecifiedTests=false
echo "updated crds/ and helm/deadletter-operator/files/ (the chart's copy)"
