#!/bin/bash
# CTest prometheus_rules: packaging/prometheus/staffeln-rules.yml checked and unit-tested with
# promtool (Debian's prometheus package). Exits 77 (skipped) only when promtool is not installed.
set -euo pipefail
src=$1
command -v promtool >/dev/null || { echo "promtool is not installed (apt-get install prometheus): skipped"; exit 77; }
promtool check rules "$src/packaging/prometheus/staffeln-rules.yml"
promtool test rules "$src"/packaging/prometheus/tests/*.yml
