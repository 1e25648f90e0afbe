#!/usr/bin/env python3
"""Checks that every alert expression and every dashboard query of the chart returns data in a live Prometheus.

    check_queries.py PROMETHEUS_URL RULES_JSON DASHBOARD_JSON VAR=VALUE...

RULES_JSON is the PrometheusRule's spec (as `helm template` renders it), DASHBOARD_JSON the dashboard's model.
VAR=VALUE replaces $VAR (and ${VAR}) in the dashboard's queries: the template variables and Grafana's
$__rate_interval. A query passes when it returns at least one series with a finite value (so a panel shows
something, and a histogram quantile had observations).

An alert's expression has a threshold, so it is checked in parts: split at its top-level and/or/unless, with a
top-level comparison against a number removed and absent(...) unwrapped, each part must return a finite
series; so "> 0.1" does not hide a ratio of two metrics of which one does not exist. Besides, every selector
of every expression (from Prometheus' own parser, /api/v1/parse_query) must match a series (/api/v1/series).
Prints one "ok"/"FAIL" line per check and "queries: N passed, N failed"; exits 1 on a failure. Standard
library only.
"""
import json
import math
import re
import sys
import urllib.parse
import urllib.request

COMPARISONS = (">=", "<=", "==", "!=", ">", "<")
SET_OPERATORS = ("and", "or", "unless")
NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def api(base, path, **params):
    url = f"{base}/api/v1/{path}?{urllib.parse.urlencode(params)}"
    with urllib.request.urlopen(url, timeout=30) as response:
        body = json.load(response)
    if body.get("status") != "success":
        raise RuntimeError(f"{path}: {body}")
    return body["data"]


def top_level(expr):
    """Yields (index, char) of the characters outside parentheses, braces, brackets and strings."""
    depth, quote, i = 0, None, 0
    while i < len(expr):
        c = expr[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = None
        elif c in "\"'`":
            quote = c
        elif c in "({[":
            depth += 1
        elif c in ")}]":
            depth -= 1
        elif depth == 0:
            yield i, c
        i += 1


def split_set_operators(expr):
    """The operands of the top-level and/or/unless of an expression."""
    parts, start = [], 0
    outside = dict(top_level(expr))
    for m in re.finditer(r"\b(and|or|unless)\b", expr):
        if m.start() in outside:
            parts.append(expr[start:m.start()])
            start = m.end()
    parts.append(expr[start:])
    return [p.strip() for p in parts]


def without_threshold(expr):
    """The expression less a top-level comparison with a number, and less absent(...) around it."""
    expr = expr.strip()
    outside = dict(top_level(expr))
    for i in sorted(outside, reverse=True):
        op = next((o for o in COMPARISONS if expr.startswith(o, i) and i in outside), None)
        if op and i > 0 and expr[i - 1] not in "<>=!":
            if NUMBER.match(expr[i + len(op):].strip()):
                return without_threshold(expr[:i])
            break
    m = re.match(r"^absent\((.*)\)$", expr, re.S)
    if m and balanced(m.group(1)):
        return without_threshold(m.group(1))
    return expr


def balanced(expr):
    """Whether no bracket of the expression closes one opened before it (so absent( closes at the end)."""
    depth = 0
    for c in re.sub(r'"(\\.|[^"\\])*"', '""', expr):
        depth += (c in "({[") - (c in ")}]")
        if depth < 0:
            return False
    return depth == 0


def selectors(node):
    """Every vector or matrix selector in a parse_query AST, as a series matcher."""
    if isinstance(node, dict):
        if node.get("type") in ("vectorSelector", "matrixSelector"):
            ms = [f'{m["name"]}{m["type"]}{json.dumps(m["value"])}' for m in node["matchers"]]
            yield "{" + ", ".join(ms) + "}"
        for v in node.values():
            yield from selectors(v)
    elif isinstance(node, list):
        for v in node:
            yield from selectors(v)


class Checks:
    def __init__(self, base):
        self.base, self.passed, self.failed = base, 0, 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"ok   {name}")
        else:
            self.failed += 1
            print(f"FAIL {name}{': ' + detail if detail else ''}")

    def returns_data(self, name, query):
        try:
            result = api(self.base, "query", query=query)["result"]
        except Exception as e:  # a query Prometheus refuses is a failure, not a crash of the check
            self.check(name, False, f"{query}: {e}")
            return
        finite = [r for r in result if math.isfinite(float(r["value"][1]))]
        self.check(name, bool(finite), f"{query} returned {len(result)} series, {len(finite)} finite")

    def selectors_match(self, name, query):
        for s in sorted(set(selectors(api(self.base, "parse_query", query=query)))):
            series = api(self.base, "series", **{"match[]": s})
            self.check(f"{name}: selector {s} matches a series", bool(series))


def main():
    base, rules_file, dashboard_file, *assignments = sys.argv[1:]
    variables = dict(a.split("=", 1) for a in assignments)
    checks = Checks(base.rstrip("/"))

    rules = json.load(open(rules_file))
    alerts = [r for g in rules["groups"] for r in g["rules"] if "alert" in r]
    for rule in alerts:
        name = rule["alert"]
        for part in split_set_operators(rule["expr"]):
            checks.returns_data(f"alert {name}: {without_threshold(part)}", without_threshold(part))
        checks.selectors_match(f"alert {name}", rule["expr"])

    def substitute(query):
        # Longest names first, so that $job does not eat the start of a longer variable.
        for var in sorted(variables, key=len, reverse=True):
            query = query.replace("${" + var + "}", variables[var]).replace("$" + var, variables[var])
        return query

    dashboard = json.load(open(dashboard_file))
    panels = [p for p in dashboard["panels"] if p.get("targets")]
    for panel in panels:
        for target in panel["targets"]:
            query = substitute(target["expr"])
            checks.returns_data(f'panel "{panel["title"]}" {target["refId"]}', query)
            if "$" in query:
                checks.check(f'panel "{panel["title"]}" {target["refId"]}: no unknown variable', False, query)
    for var in dashboard["templating"]["list"]:
        if var["type"] != "query":
            continue
        m = re.match(r"^label_values\((.*),\s*(\w+)\)$", var["query"]["query"])
        if not m:
            checks.check(f"variable {var['name']}: label_values(...)", False, var["query"]["query"])
            continue
        selector, label = substitute(m.group(1)), m.group(2)
        values = {r["metric"].get(label) for r in api(checks.base, "query", query=f"group by ({label}) ({selector})")["result"]}
        checks.check(f"variable {var['name']}: label_values offers {variables.get(var['name'])}",
                     variables.get(var["name"]) in values, f"offers {sorted(v for v in values if v)}")

    print(f"{len(alerts)} alerts, {sum(len(p['targets']) for p in panels)} dashboard queries")
    print(f"queries: {checks.passed} passed, {checks.failed} failed")
    sys.exit(1 if checks.failed else 0)


if __name__ == "__main__":
    main()
