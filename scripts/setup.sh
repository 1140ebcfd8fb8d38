#!/usr/bin/env bash
# Sets up a fresh Debian machine (as root) for Tracebook: the Debian packages the kernel
# and its tests use, the npm dependencies, the build, tracefs, and the kernelspec.
#   bash scripts/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."

need_pkgs=(
  python3-jupyter-kernel-test jupyter-client jupyter-server jupyter-nbconvert python3-nbclient
  python3-ipykernel  # jupyter's default kernel; nbconvert imports it
  python3.11         # carries USDT probes (python:function__entry ...), used by tests
  openjdk-17-jdk-headless  # HotSpot's USDT probes (hotspot:gc__begin ...), jvm-gc.ipynb
  gcc libc6-dev systemtap-sdt-dev  # test programs with uprobes and USDT probes
  bpftrace           # only for `npm run bench` (measured side by side), never at run time
  chromium fonts-dejavu-core  # browser tests: notebooks rendered as people see them
)
missing=()
for p in "${need_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "setup: Node.js 20 or newer is required" >&2
  exit 1
fi

# tracefs: tracepoint formats and ids
if [ ! -d /sys/kernel/tracing/events ]; then
  mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true
fi
# debugfs: bpftrace's own tests read debugf()'s lines at /sys/kernel/debug/tracing/trace
if [ ! -d /sys/kernel/debug/tracing ]; then
  mount -t debugfs none /sys/kernel/debug 2>/dev/null || true
fi

echo "setup: npm ci"
npm ci --no-audit --no-fund --loglevel=error
npm run --silent build
node bin/tracebook.js install >/dev/null
echo "setup: done (kernelspec 'tracebook' installed)"
