#!/usr/bin/env bash
# The main job: set up, then execute the example investigation notebook end to end in the
# Tracebook kernel (through Jupyter's own nbconvert/nbclient), with the workload it
# investigates running (scripts/slow-copy.sh), and show its outputs.
#   bash scripts/main.sh [NOTEBOOK]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
nb="${1:-notebooks/investigation.ipynb}"
out="${nb%.ipynb}.out.ipynb"
# the investigation's subject: a slow copy, running while the notebook executes
bash scripts/slow-copy.sh &
workload=$!
trap 'kill "$workload" 2>/dev/null; pkill -P "$workload" 2>/dev/null || true' EXIT
/usr/bin/jupyter nbconvert --to notebook --execute --ExecutePreprocessor.timeout=300 \
  --ExecutePreprocessor.kernel_name=tracebook --output "$(basename "$out")" --output-dir "$(dirname "$out")" "$nb"
node scripts/show-notebook.mjs "$out"
echo "executed notebook: $out (open it in Jupyter to see the charts)"
