#!/usr/bin/env bash
# Times `survey demo --orgs 10000 --teachers 500000` on SQLite and on PostgreSQL (database `bench`, rebuilt),
# with peak memory from /usr/bin/time when it exists. Usage: bench/demo_load.sh [ORGS] [TEACHERS]
set -euo pipefail
cd "$(dirname "$0")/.."
ORGS=${1:-10000}
TEACHERS=${2:-500000}
PY=.venv/bin/python
TIME=()
[ -x /usr/bin/time ] && TIME=(/usr/bin/time -f "wall %e s, peak RSS %M KB")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== SQLite"
export DATABASE_URL="sqlite:///$tmp/bench.db"
$PY -m flask --app wsgi db upgrade >/dev/null 2>&1
"${TIME[@]}" $PY -m flask --app wsgi survey demo --orgs "$ORGS" --teachers "$TEACHERS" 2>&1 | grep -v "organizations,"

echo "== PostgreSQL"
psql -U postgres -h 127.0.0.1 -qc "DROP DATABASE IF EXISTS bench" -c "CREATE DATABASE bench" postgres
export DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench
$PY -m flask --app wsgi db upgrade >/dev/null 2>&1
"${TIME[@]}" $PY -m flask --app wsgi survey demo --orgs "$ORGS" --teachers "$TEACHERS" 2>&1 | grep -v "organizations,"
