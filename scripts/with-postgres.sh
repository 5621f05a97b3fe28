#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server on 127.0.0.1 (Debian's packages), its URL in
# PIPELINE_TEST_POSTGRES_URL, so the tests run against PostgreSQL as well as SQLite.
#
#   scripts/with-postgres.sh .venv/bin/python -m pytest
#
# The server lives in a temporary folder and is stopped and deleted when the command ends.
# PostgreSQL is installed with apt-get when missing and this runs as root. Where no server can be
# started the command still runs (the PostgreSQL tests then skip, saying why), except under
# CI=true, where that is a failure.
set -u

fail_or_go_on() {
  echo "note: $1; the PostgreSQL tests will be skipped." >&2
  if [ "${CI:-}" = "true" ]; then
    echo "FAIL: CI needs a PostgreSQL server for the tests" >&2
    exit 1
  fi
  exec "$@"
}

bindir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

if [ -z "$(bindir)" ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing PostgreSQL for the tests (apt-get)..." >&2
  apt-get update -qq >/dev/null && \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
BIN=$(bindir)
[ -n "$BIN" ] || fail_or_go_on "PostgreSQL is not installed (apt-get install postgresql)" "$@"

DIR=$(mktemp -d /tmp/pipeline-pg.XXXXXX)
as_owner() {  # initdb and postgres refuse to run as root
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
[ "$(id -u)" = "0" ] && chown postgres "$DIR"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
LOCALE=C.UTF-8

stop() {
  as_owner "$BIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1
  rm -rf "$DIR"
}
trap stop EXIT
trap 'exit 130' INT TERM

as_owner "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust --encoding=UTF8 \
  --locale="$LOCALE" >"$DIR/initdb.log" 2>&1 || { cat "$DIR/initdb.log" >&2; \
  fail_or_go_on "initdb failed" "$@"; }
# A test server: durability off (nothing here outlives the run), room for many test engines.
as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w start -o "-h 127.0.0.1 \
  -p $PORT -k $DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
  -c max_connections=300" >/dev/null || { cat "$DIR/server.log" >&2; \
  fail_or_go_on "the PostgreSQL server did not start" "$@"; }
# ICU's en-US collation where the server has ICU (mixed case sorts as on most production servers,
# unlike SQLite), so ordering that differs between the two shows up in the tests.
PSQL=("$BIN/psql" -q -h 127.0.0.1 -p "$PORT" -U postgres)
"${PSQL[@]}" -c "CREATE DATABASE pipeline_test TEMPLATE template0 LOCALE_PROVIDER icu \
  ICU_LOCALE 'en-US'" 2>/dev/null || "${PSQL[@]}" -c "CREATE DATABASE pipeline_test" \
  || fail_or_go_on "could not create the test database" "$@"

export PIPELINE_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$PORT/pipeline_test"
echo "PostgreSQL $(basename "$(dirname "$BIN")") for the tests: $PIPELINE_TEST_POSTGRES_URL" >&2
"$@"
