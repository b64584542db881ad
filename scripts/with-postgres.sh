#!/usr/bin/env bash
# Runs a command beside a throwaway PostgreSQL: its own data directory and port,
# trust auth on loopback, stopped and deleted afterwards whatever happens.
# Exports PREFLAB_TEST_DATABASE_URL (TCP) and PREFLAB_TEST_PG_SOCKET (unix socket conninfo).
# Usage: scripts/with-postgres.sh swift test
set -euo pipefail
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PGDATA=$(mktemp -d /tmp/preflab-pg.XXXXXX)
PGPORT=${PREFLAB_TEST_PG_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
chown postgres:postgres "$PGDATA"; chmod 700 "$PGDATA"
as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_stop() {
  as_postgres "$PGBIN/pg_ctl" -D "$PGDATA" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$PGDATA"
}
trap pg_stop EXIT
as_postgres "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
# fsync stays on: durability tests and ingestion benchmarks must measure real commits.
as_postgres "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 30 \
  -o "-p $PGPORT -k $PGDATA -c listen_addresses=127.0.0.1 -c max_connections=200" \
  start >/dev/null || { cat "$PGDATA/server.log"; exit 1; }
psql -h "$PGDATA" -p "$PGPORT" -U postgres -q -v ON_ERROR_STOP=1 \
  -c "CREATE ROLE preflab LOGIN CREATEDB PASSWORD 'preflab'" -c "CREATE DATABASE preflab OWNER preflab"
export PREFLAB_TEST_DATABASE_URL="postgresql://preflab:preflab@127.0.0.1:$PGPORT/preflab"
export PREFLAB_TEST_PG_SOCKET="host=$PGDATA port=$PGPORT dbname=preflab user=preflab"
echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PGPORT" >&2
"$@"
