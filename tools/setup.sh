#!/usr/bin/env bash
# npm run setup: everything advlab needs on a Debian machine, idempotent.
#  1. Debian packages: oneDNN and a C++ toolchain for the native onednn backend, Chromium for
#     the dashboard's browser tests, PostgreSQL for the registry's PostgreSQL tests (each test
#     file starts its own throwaway cluster with initdb/pg_ctl; the system service is not used).
#     Installed when run as root on Debian; otherwise the exact apt-get command is printed (and
#     the rest still runs).
#  2. Node dependencies (npm ci) when node_modules is missing or older than package-lock.json;
#     npm ci builds the onednn addon through its install script.
#  3. The onednn addon, when the packages are there but it was not built (or is stale).
set -uo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(libdnnl-dev g++ make python3 chromium postgresql)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup: Debian packages present (${PACKAGES[*]})"
elif ! command -v apt-get >/dev/null 2>&1; then
  echo "setup: not a Debian system; install the equivalents of: ${missing[*]} (oneDNN 2.x headers, a C++17 compiler, make, Chromium, PostgreSQL server)"
elif [ "$(id -u)" -ne 0 ]; then
  echo "setup: missing Debian packages; run as root:"
  echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
else
  echo "setup: installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" || {
    echo "setup: apt-get install failed; advlab still runs (wasm backend) but npm test needs chromium (and skips the PostgreSQL tests without postgresql)" >&2
  }
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing Node dependencies (npm ci)"
  npm ci --no-audit --no-fund || exit 1
else
  echo "setup: Node dependencies up to date"
  node libs/backend-onednn/scripts/build_addon.js
fi
node -e "
const fs = require('fs');
const built = fs.existsSync('libs/backend-onednn/build/Release/advlab_onednn.node');
console.log(built ? 'setup: done; the native onednn backend is built (npm start uses it)' : 'setup: done; the onednn backend is not built, advlab runs on wasm (see above)');
"
