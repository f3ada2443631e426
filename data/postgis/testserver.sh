#!/usr/bin/env bash
# Starts a PostgreSQL 15 + PostGIS 3 server on loopback for the tests, from Debian's packages
# (installed when missing), and prints the URL of a role that may create databases and
# extensions: what HARMATTAN_TEST_POSTGRES takes. Progress goes to stderr. Run by `make test`.
set -euo pipefail
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }

if ! dpkg -s postgresql-15-postgis-3 >/dev/null 2>&1; then
  echo "installing postgresql-15 and postgresql-15-postgis-3..." >&2
  as_root apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    postgresql-15 postgresql-15-postgis-3 >&2
fi
if ! pg_lsclusters -h | awk '$1 == 15 && $2 == "main" {found = 1} END {exit !found}'; then
  as_root pg_createcluster 15 main >&2
fi
if ! pg_lsclusters -h | awk '$1 == 15 && $2 == "main" && $4 == "online" {found = 1} END {exit !found}'; then
  as_root pg_ctlcluster 15 main start >&2
fi
port=$(pg_lsclusters -h | awk '$1 == 15 && $2 == "main" {print $3}')
for _ in $(seq 50); do pg_isready -q -h 127.0.0.1 -p "$port" && break; sleep 0.2; done
# A role of the tests' own: superuser, because CREATE EXTENSION postgis needs one.
as_postgres psql -q -p "$port" -v ON_ERROR_STOP=1 >&2 <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'harmattan_test') THEN
    CREATE ROLE harmattan_test LOGIN SUPERUSER PASSWORD 'harmattan_test';
  END IF;
END $$;
SQL
echo "postgres://harmattan_test:harmattan_test@127.0.0.1:$port/postgres"
