#!/usr/bin/env bash
# The Python package's tests, against the real service: a fresh database on the local PostgreSQL, the packaged jar
# on a free port with a random admin key, a venv with the package (and the official openai and anthropic SDKs)
# installed the way a user installs it, then pytest. Exits with pytest's status.
#
#   clients/python/test.sh [path/to/budget-ledger-*.jar] [pytest args...]
#
# Environment: BUDGET_LEDGER_TEST_PGHOST (127.0.0.1), _PGPORT (5432), _PGUSER (postgres), PGPASSWORD (postgres);
# BUDGET_LEDGER_TEST_PYTHON, the interpreter the venv is made with (python3; e.g. python3.9 for the oldest supported).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
jar="${1:-$here/../../target/budget-ledger-0.1.0-SNAPSHOT.jar}"
shift $(( $# > 0 ? 1 : 0 ))
[ -f "$jar" ] || { echo "No service jar at $jar: build it first (./mvnw package at the repository root)" >&2; exit 2; }
jar="$(cd "$(dirname "$jar")" && pwd)/$(basename "$jar")"

pghost="${BUDGET_LEDGER_TEST_PGHOST:-127.0.0.1}"
pgport="${BUDGET_LEDGER_TEST_PGPORT:-5432}"
pguser="${BUDGET_LEDGER_TEST_PGUSER:-postgres}"
export PGPASSWORD="${PGPASSWORD:-postgres}"
database="budget_ledger_py_$(date +%s)_$RANDOM$RANDOM"
work="$(mktemp -d)"
service_pid=""

cleanup() {
  if [ -n "$service_pid" ] && kill -0 "$service_pid" 2>/dev/null; then
    kill "$service_pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$service_pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$service_pid" 2>/dev/null || true
  fi
  psql -h "$pghost" -p "$pgport" -U "$pguser" -d postgres -q -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" \
    >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

psql -h "$pghost" -p "$pgport" -U "$pguser" -d postgres -q -c "CREATE DATABASE $database" >/dev/null

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
admin_key="bl_live_$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
BUDGET_LEDGER_ADMIN_KEY="$admin_key" java -XX:TieredStopAtLevel=1 -jar "$jar" --server.port="$port" \
  --server.address=127.0.0.1 --spring.datasource.url="jdbc:postgresql://$pghost:$pgport/$database" \
  --spring.datasource.username="$pguser" --spring.datasource.password="$PGPASSWORD" >"$work/service.log" 2>&1 &
service_pid=$!

# Meanwhile: a venv with the package as a user installs it (not the source tree), its extras and the test tools,
# all from the machine's package index.
"${BUDGET_LEDGER_TEST_PYTHON:-python3}" -m venv "$work/venv"
"$work/venv/bin/pip" install -q --disable-pip-version-check --retries 0 --timeout 15 \
  "$here[all,test]" >"$work/pip.log" 2>&1 || { cat "$work/pip.log" >&2; exit 2; }

for _ in $(seq 1 180); do
  if curl -fsS "http://127.0.0.1:$port/actuator/health" >/dev/null 2>&1; then break; fi
  kill -0 "$service_pid" 2>/dev/null || { echo "The service stopped:" >&2; tail -50 "$work/service.log" >&2; exit 2; }
  sleep 1
done
curl -fsS "http://127.0.0.1:$port/actuator/health" >/dev/null || { tail -50 "$work/service.log" >&2; exit 2; }

# Run from a copy of the tests so that the installed package, not src/, is what they import.
cp -r "$here/tests" "$work/tests"
cp "$here/pyproject.toml" "$work/"
status=0
(cd "$work" && BUDGET_LEDGER_URL="http://127.0.0.1:$port" BUDGET_LEDGER_ADMIN_KEY="$admin_key" \
  "$work/venv/bin/python" -m pytest -p no:cacheprovider "$@" tests) || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- last lines of the service's log ---" >&2
  tail -30 "$work/service.log" >&2
fi
exit "$status"
