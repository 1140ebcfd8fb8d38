#!/usr/bin/env bash
# Sets up and runs every test: typecheck, unit tests (no privileges), system tests (real BPF
# in this kernel, real Jupyter clients, and the Jupyter conformance suite from
# ../shared/conformance, run by test/system/jupyter-conformance.test.ts). CI runs exactly this.
#   bash scripts/test-all.sh
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
export TRACEBOOK_REQUIRE_BPF="${TRACEBOOK_REQUIRE_BPF:-1}"
out="$(mktemp -d)"
rc=0
npx tsc -p tsconfig.json --noEmit || { echo "typecheck failed"; rc=1; }
npx vitest run --reporter=default --reporter=json --outputFile="$out/vitest.json" || rc=1
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const passed = r.numPassedTests, failed = r.numFailedTests + r.numFailedTestSuites;
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
' "$out/vitest.json" "$out/conformance.log"
exit $rc
