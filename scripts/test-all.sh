#!/usr/bin/env bash
# Sets up and runs every test: unit tests (no privileges), system tests (real BPF in this
# kernel, real Jupyter clients), and the Jupyter conformance suite. CI runs exactly this.
#   bash scripts/test-all.sh
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
export TRACEBOOK_REQUIRE_BPF="${TRACEBOOK_REQUIRE_BPF:-1}"
out="$(mktemp -d)"
rc=0
npx tsc -p tsconfig.json --noEmit || { echo "typecheck failed"; rc=1; }
npx vitest run --reporter=default --reporter=json --outputFile="$out/vitest.json" || rc=1
../shared/conformance/run-conformance.sh --samples bpftrace > "$out/conformance.log" 2>&1 || rc=1
tail -n 3 "$out/conformance.log"
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const c = /conformance: (\d+) passed, (\d+) failed, (\d+) skipped/.exec(require("fs").readFileSync(process.argv[2], "utf8")) ?? [0, 0, 1, 0];
  const passed = r.numPassedTests + Number(c[1]), failed = r.numFailedTests + Number(c[2]) + (r.numFailedTestSuites ? r.numFailedTestSuites : 0);
  const skipped = r.numPendingTests + r.numTodoTests + Number(c[3]);
  console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
' "$out/vitest.json" "$out/conformance.log"
exit $rc
