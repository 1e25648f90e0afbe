#!/usr/bin/env python3
"""Writes the values table of helm/deadletter-operator/README.md from values.yaml and values.schema.json.

    hack/chart-readme.py          rewrite the table between the README's markers
    hack/chart-readme.py --check  exit 1 (and print a diff) when the committed table is stale

A value's description is its "# --" comment in values.yaml (the comment lines from "# --" down to the key).
A mapping with such a comment is one row, its default written inline; otherwise each of its keys is a row.
Type, allowed values and bounds come from the schema. Every row needs a description: an undocumented value
fails the script. Python 3 standard library only: values.yaml is read line by line, so it must keep to block
mappings with scalar or flow values on one line (a block list fails loudly).
"""
import difflib
import json
import re
import sys
from pathlib import Path

CHART = Path(__file__).resolve().parent.parent / "helm" / "deadletter-operator"
BEGIN = "<!-- BEGIN values table: hack/chart-readme.py writes it from values.yaml and values.schema.json -->"
END = "<!-- END values table -->"
KEY = re.compile(r"^( *)([A-Za-z0-9_.-]+):(?: (.*))?$")


def parse_values(text):
    """The values as nested dicts of {key: {"desc", "raw" | "children"}}, in file order."""
    root = {"children": {}}
    stack = [(-1, root)]  # (indent, node)
    comments = []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped:
            comments = []
            continue
        if stripped.startswith("#"):
            comments.append(stripped[1:].strip())
            continue
        match = KEY.match(line)
        if not match:
            sys.exit(f"values.yaml:{number}: not a 'key: value' line this script reads: {line!r}")
        indent, key, raw = len(match.group(1)), match.group(2), (match.group(3) or "").strip()
        while stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1]
        if "children" not in parent:
            sys.exit(f"values.yaml:{number}: {key} is indented under a value that is not a mapping")
        desc = ""
        starts = [i for i, c in enumerate(comments) if c.startswith("--")]
        if starts:
            desc = " ".join([comments[starts[-1]][2:].strip()] + comments[starts[-1] + 1:]).strip()
        comments = []
        node = {"desc": desc}
        if raw:
            node["raw"] = raw
        else:
            node["children"] = {}
            stack.append((indent, node))
        parent["children"][key] = node
    return root["children"]


def inline(node):
    """A mapping's default on one line, in YAML flow style."""
    if "raw" in node:
        return node["raw"]
    return "{" + ", ".join(f"{k}: {inline(v)}" for k, v in node["children"].items()) + "}"


def schema_at(schema, path):
    node = schema
    for key in path:
        node = node.get("properties", {}).get(key)
        if node is None:
            return {}
        while "$ref" in node:
            node = schema["definitions"][node["$ref"].split("/")[-1]]
    return node


def type_of(node):
    kind = node.get("type", "")
    kind = " or ".join(kind) if isinstance(kind, list) else kind
    if "enum" in node:
        return kind + ": " + ", ".join(f"`{v}`" for v in node["enum"])
    if "items" in node and "enum" in node["items"]:
        return kind + " of " + ", ".join(f"`{v}`" for v in node["items"]["enum"])
    low, high = node.get("minimum"), node.get("maximum")
    if low is not None and high is not None:
        return f"{kind} ({low}..{high})"
    if low is not None:
        return f"{kind} (≥ {low})"
    return kind


def rows(values, schema):
    out, undocumented = [], []

    def walk(children, path):
        for key, node in children.items():
            here = path + [key]
            if "children" in node and not node["desc"] and node["children"]:
                walk(node["children"], here)
                continue
            name = ".".join(here)
            if not node["desc"]:
                undocumented.append(name)
            cell = lambda s: s.replace("|", "\\|")
            text = cell(node["desc"]).replace("<", "&lt;").replace(">", "&gt;")  # else <release> reads as HTML
            out.append(f"| `{name}` | {cell(type_of(schema_at(schema, here)))} | `{cell(inline(node))}` | {text} |")

    walk(values, [])
    if undocumented:
        sys.exit("values without a '# --' description in values.yaml: " + ", ".join(undocumented))
    return ["| value | type | default | description |", "|---|---|---|---|"] + out


def main():
    values = parse_values((CHART / "values.yaml").read_text())
    schema = json.loads((CHART / "values.schema.json").read_text())
    readme_path = CHART / "README.md"
    readme = readme_path.read_text()
    if readme.count(BEGIN) != 1 or readme.count(END) != 1:
        sys.exit(f"{readme_path}: needs exactly one pair of markers:\n{BEGIN}\n{END}")
    head, rest = readme.split(BEGIN)
    _, tail = rest.split(END)
    wanted = head + BEGIN + "\n" + "\n".join(rows(values, schema)) + "\n" + END + tail
    if sys.argv[1:] == ["--check"]:
        if wanted != readme:
            sys.stdout.writelines(difflib.unified_diff(
                readme.splitlines(True), wanted.splitlines(True), "README.md (committed)", "README.md (generated)"))
            print("the chart README's values table is stale: run hack/chart-readme.py")
            return 1
        return 0
    if sys.argv[1:]:
        sys.exit(__doc__)
    if wanted != readme:
        readme_path.write_text(wanted)
    return 0


if __name__ == "__main__":
    sys.exit(main())
