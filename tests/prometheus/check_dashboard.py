#!/usr/bin/env python3
"""packaging/grafana/staffeln.json: every PromQL expression in it parses, and names only metrics staffeln exports.

Usage: check_dashboard.py SOURCE_DIR
The metrics staffeln exports are read from the code that defines them: the process's catalogue
(include/staffeln/metric_catalog.h) and the store's series (src/core/store_metrics.cc); a histogram
exports NAME_bucket, NAME_sum and NAME_count. Each panel's expressions and the template variables'
label_values() queries are checked; Grafana's variables ($__rate_interval, $project) are given
values first, and the expressions are parsed by `promtool check rules` as recording rules (when
promtool is installed; Debian's prometheus package). Each panel must take the dashboard's
datasource variable, so the dashboard imports into any Grafana.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset",
            "inf", "nan", "atan2"}
GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")


def exported(src):
    names = set()
    with open(os.path.join(src, "include/staffeln/metric_catalog.h")) as f:
        catalogue = f.read()
    for name, kind in re.findall(r'Definition\s+k\w+\{\s*"(staffeln_\w+)",.*?MetricType::(\w+)', catalogue, re.S):
        names |= {name + suffix for suffix in ("_bucket", "_sum", "_count")} if kind == "histogram" else {name}
    with open(os.path.join(src, "src/core/store_metrics.cc")) as f:
        names |= set(re.findall(r'\{\s*"(staffeln_\w+)",', f.read()))
    return names


def substituted(expr):
    return expr.replace("$__rate_interval", "5m").replace("${project}", ".*").replace("$project", ".*")


def metric_names(expr):
    """The metric names an expression selects: identifiers that are neither functions nor keywords,
    outside strings, label matchers, ranges and grouping label lists."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = GROUPING.sub(" ", text)
    names = set()
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", text):
        word = match.group(0)
        following = text[match.end():].lstrip()
        if following.startswith("(") or word.lower() in KEYWORDS:
            continue
        if re.match(r"\d", text[match.start() - 1:match.start()] if match.start() else ""):
            continue  # a unit of a number (5m) or an exponent
        names.add(word)
    return names


def main():
    src = sys.argv[1]
    with open(os.path.join(src, "packaging/grafana/staffeln.json")) as f:
        dashboard = json.load(f)
    known = exported(src)
    if len(known) < 20:
        sys.exit(f"read only {len(known)} metric names from the code: the patterns no longer match it")
    problems = []
    expressions = []  # (where, expression)
    for panel in dashboard["panels"]:
        if panel["type"] == "row":
            continue
        where = f"panel {panel['title']!r}"
        if panel.get("datasource", {}).get("uid") != "${datasource}":
            problems.append(f"{where}: its datasource is not the dashboard's ${{datasource}}")
        if not panel.get("targets"):
            problems.append(f"{where}: no query")
        for target in panel.get("targets", []):
            expressions.append((where, target["expr"]))
    for variable in dashboard["templating"]["list"]:
        if variable["type"] == "query":
            query = variable["query"]["query"]
            match = re.fullmatch(r"label_values\((\w+), *(\w+)\)", query)
            if not match:
                problems.append(f"variable {variable['name']}: not label_values(METRIC, LABEL): {query}")
                continue
            expressions.append((f"variable {variable['name']}", match.group(1)))
    for where, expr in expressions:
        for name in sorted(metric_names(substituted(expr)) - known):
            problems.append(f"{where}: {name} is not a metric staffeln exports, in: {expr}")
    if shutil.which("promtool"):
        with tempfile.TemporaryDirectory() as tmp:
            rules = os.path.join(tmp, "dashboard-rules.yml")
            with open(rules, "w") as f:
                f.write("groups:\n  - name: dashboard\n    rules:\n")
                for i, (_, expr) in enumerate(expressions):
                    f.write(f"      - record: dashboard:expression_{i}\n        expr: {json.dumps(substituted(expr))}\n")
            check = subprocess.run(["promtool", "check", "rules", rules], capture_output=True, text=True)
            if check.returncode != 0:
                problems.append(f"promtool check rules refused an expression:\n{check.stdout}{check.stderr}")
        parsed = "parsed by promtool"
    else:
        parsed = "not parsed: promtool is not installed"
    if problems:
        sys.exit("\n".join(problems))
    print(f"{len(expressions)} expressions, {len(known)} exported names known, each expression's names exported; "
          f"{parsed}")


if __name__ == "__main__":
    main()
