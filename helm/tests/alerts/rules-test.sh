#!/usr/bin/env bash
# The chart's alerts as `helm template` renders them (metrics.prometheusRule.enabled=true, release dlt in
# deadletter-system): `promtool check rules` on the rendered spec.groups, then `promtool test rules` with
# alerts-test.yaml, so the tests run against exactly what the chart ships. promtool is built from Go modules
# (hack/tools/prometheus/go.mod) into the cluster's cache by `hack/cluster.sh build`. Needs no cluster.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
eval "$("$repo/hack/cluster.sh" env)"
if ! command -v yq >/dev/null; then # Debian's yq (a YAML front end to jq), as helm/tests/run.sh installs it
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq yq; } >/dev/null 2>&1 || true
fi
for tool in helm yq promtool; do
  command -v "$tool" >/dev/null || { echo "alert rules: $tool is missing (hack/cluster.sh build; apt-get install yq)"; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

helm template dlt "$repo/helm/deadletter-operator" -n deadletter-system --set metrics.prometheusRule.enabled=true \
  --show-only templates/prometheusrule.yaml | yq -y '.spec' >"$work/rules.yaml"
cp "$here/alerts-test.yaml" "$work/"
promtool check rules "$work/rules.yaml"
tests=$(grep -c '^  - name:' "$here/alerts-test.yaml")
alerts=$(yq -r '[.groups[].rules[] | select(.alert)] | length' "$work/rules.yaml")
# Every alert the chart renders has at least one test that expects it to fire.
untested=$(comm -23 <(yq -r '.groups[].rules[].alert' "$work/rules.yaml" | sort -u) \
  <(yq -r '.tests[].alert_rule_test[] | select(.exp_alerts | length > 0) | .alertname' "$here/alerts-test.yaml" | sort -u))
if [[ -n "$untested" ]]; then
  echo "alert rules: no test expects these alerts to fire: $untested"
  exit 1
fi
if promtool test rules "$work/alerts-test.yaml"; then
  version=$(awk '$1=="github.com/prometheus/prometheus" {print $2}' "$repo/hack/tools/prometheus/go.mod")
  echo "$alerts alerts tested with promtool of github.com/prometheus/prometheus $version"
  echo "alerts: $tests passed, 0 failed"
else
  echo "alerts: the promtool tests above failed ($tests tests of $alerts alerts)"
  exit 1
fi
