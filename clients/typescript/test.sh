#!/usr/bin/env bash
# The package's tests against the packaged service: a fresh database on the local PostgreSQL, the jar on a free
# port with a random admin key, then `node --test`. Exits with the tests' status.
#
#   clients/typescript/test.sh [path/to/budget-ledger.jar]     (default: ../../target/budget-ledger-0.1.0-SNAPSHOT.jar)
#
# PostgreSQL: PGHOST/PGPORT/PGUSER/PGPASSWORD (default 127.0.0.1, 5432, postgres, postgres).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
jar="$(realpath "${1:-$here/../../target/budget-ledger-0.1.0-SNAPSHOT.jar}")"
[ -f "$jar" ] || { echo "No service jar at $jar: build it first (./mvnw -DskipTests package)" >&2; exit 2; }
for tool in java node npm psql curl; do
  command -v "$tool" >/dev/null 2>&1 || { echo "clients/typescript/test.sh needs $tool on the PATH" >&2; exit 2; }
done

export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}" PGPASSWORD="${PGPASSWORD:-postgres}"
database="budget_ledger_ts_$(date +%s)_$RANDOM"
admin_key="bl_live_$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
log="$(mktemp -t budget-ledger-ts-XXXXXX.log)"
service=""

cleanup() {
  status=$?
  if [ -n "$service" ]; then
    kill "$service" 2>/dev/null || true
    wait "$service" 2>/dev/null || true
  fi
  psql -q -d postgres -c "DROP DATABASE IF EXISTS \"$database\" WITH (FORCE)" >/dev/null 2>&1 || true
  if [ "$status" -ne 0 ]; then
    echo "--- last lines of the service's log ($log) ---" >&2
    tail -n 40 "$log" >&2 || true
  else
    rm -f "$log"
  fi
  exit "$status"
}
trap cleanup EXIT INT TERM

psql -q -d postgres -c "CREATE DATABASE \"$database\"" >/dev/null

# A free port: bind port 0, read it back, let it go (the service binds it a moment later).
port="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
BUDGET_LEDGER_ADMIN_KEY="$admin_key" java -XX:TieredStopAtLevel=1 -jar "$jar" \
  --server.port="$port" --server.address=127.0.0.1 \
  --spring.datasource.url="jdbc:postgresql://$PGHOST:$PGPORT/$database" \
  --spring.datasource.username="$PGUSER" --spring.datasource.password="$PGPASSWORD" >"$log" 2>&1 &
service=$!

cd "$here"
# Install and build while the service starts.
npm ci --no-audit --no-fund --loglevel=error
npm run --silent build
# What a TypeScript program sees of the declarations: compiled against the openai and Anthropic SDKs, not run.
npx --no-install tsc -p testing/typecheck
# dist/ is committed so that `npm install ./clients/typescript` works without a build step: it must be what the
# sources compile to.
if command -v git >/dev/null 2>&1 && git -C "$here" rev-parse --git-dir >/dev/null 2>&1; then
  if ! git -C "$here" diff --quiet -- dist || [ -n "$(git -C "$here" ls-files --others --exclude-standard -- dist)" ]; then
    echo "clients/typescript/dist is not what src/ compiles to: run npm run build and commit dist/" >&2
    git -C "$here" status --short -- dist >&2
    exit 1
  fi
fi

for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$port/actuator/health" >/dev/null 2>&1; then
    break
  fi
  kill -0 "$service" 2>/dev/null || { echo "The service exited during start-up" >&2; exit 1; }
  sleep 1
done
curl -fsS "http://127.0.0.1:$port/actuator/health" >/dev/null || { echo "The service did not come up in 120 s" >&2; exit 1; }

BUDGET_LEDGER_URL="http://127.0.0.1:$port" BUDGET_LEDGER_ADMIN_KEY="$admin_key" \
  node --test --test-concurrency=1 test/
