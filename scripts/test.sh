#!/usr/bin/env bash
# Runs every test: type check, unit + integration (vitest), end-to-end in Debian's Chromium.
# Installs the Debian packages the tests use to read outputs back (GDAL, Chromium, poppler)
# when they are missing, and node_modules when absent.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v gdalinfo >/dev/null 2>&1 || need+=(gdal-bin)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${need[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
[ -d node_modules ] || npm ci --no-audit --no-fund

mkdir -p test/out
echo "== type check"
npx tsc --noEmit -p .
echo "== unit and integration tests"
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=test/out/unit.json || status=$?
echo "== end-to-end tests (Chromium)"
npx vitest run --config vitest.e2e.config.ts --reporter=default --reporter=json --outputFile.json=test/out/e2e.json || status=$?

node -e '
  const fs = require("fs");
  let p = 0, f = 0, s = 0;
  for (const file of ["test/out/unit.json", "test/out/e2e.json"]) {
    if (!fs.existsSync(file)) { f++; continue; }
    const r = JSON.parse(fs.readFileSync(file, "utf8"));
    p += r.numPassedTests; f += r.numFailedTests; s += r.numPendingTests + (r.numTodoTests || 0);
  }
  console.log(`${p} passed, ${f} failed, ${s} skipped`);
'
exit $status
