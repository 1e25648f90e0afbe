#!/usr/bin/env bash
# Regenerates crds/ from the Java model (see CommittedCrdTest).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -ntp test -Dtest=CommittedCrdTest -Dcrd.update=true -Dsurefire.failIfNoSpecifiedTests=false
echo "updated crds/"
