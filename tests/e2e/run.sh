#!/usr/bin/env bash
# Runs the end-to-end tier alone: installs its Debian packages, starts the test cloud in a fresh
# state directory, runs the CTest tests labelled e2e against it, and stops the cloud whether they
# pass or fail. The state (logs included) is kept when something failed, removed otherwise.
# Usage: tests/e2e/run.sh [BUILD_DIR] (default ./build, configured by scripts/build)
# Env: STAFFELN_E2E_STATE_DIR (default /tmp/staffeln-e2e; short: it holds MariaDB's unix socket)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
state=${STAFFELN_E2E_STATE_DIR:-/tmp/staffeln-e2e}
cloud=$root/tests/e2e/cloud.sh

t0=$SECONDS
"$root/tests/e2e/install.sh"
echo "e2e: packages ready after $((SECONDS - t0))s" >&2
# A run that was killed may have left its cloud behind: stop what its state recorded.
if [[ -d "$state" ]]; then "$cloud" stop "$state"; rm -rf "$state"; fi

finish() {
  local rc=$?
  "$cloud" stop "$state" || rc=1
  if ((rc == 0)); then rm -rf "$state"; else echo "e2e: failed; state and logs kept in $state" >&2; fi
  echo "e2e: tier took $((SECONDS - t0))s" >&2
  exit $rc
}
trap finish EXIT
trap 'exit 130' INT TERM

"$cloud" start "$state"
STAFFELN_E2E_STATE=$state ctest --test-dir "$build" --output-on-failure -L e2e
