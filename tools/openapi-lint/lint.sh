#!/usr/bin/env bash
# Lints ../../openapi.yaml with the Spectral version pinned in package-lock.json (run by `./mvnw -Pe2e verify`).
# Node.js 20.17+ and npm are required: without them the build fails here instead of skipping the check.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  cat >&2 <<'MSG'
[openapi-lint] Node.js and npm are needed to lint openapi.yaml (Spectral), and were not found on PATH.
[openapi-lint] Install them (Node.js 20.17 or later: https://nodejs.org or NodeSource, which bring npm; or Debian's
[openapi-lint] apt-get install nodejs npm) and run the build again. The lint is part of `./mvnw -Pe2e verify` and is
[openapi-lint] never skipped there.
MSG
  exit 1
fi

# npm ci wipes and reinstalls node_modules; do it only when the lockfile changed since the last install.
if ! cmp -s package-lock.json node_modules/.installed-lock.json 2>/dev/null; then
  npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
  cp package-lock.json node_modules/.installed-lock.json
fi
npm run --silent lint
