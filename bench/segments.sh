#!/usr/bin/env bash
# Segments over a million demo members on SQLite and on PostgreSQL: the benchmark scenario
# segment ("A and B members in Shanghai who bought bedding in the last year but not in the last
# 60 days") counted and its first page fetched over GraphQL, beside the same count as one
# hand-written SQL statement in the same run; then 20 saved segments refreshed with history,
# first (everyone enters) and after the next night's run (only changes).
# MEMBERS=100000 bench/segments.sh for a quicker look; DATABASES=postgres for one half.
set -euo pipefail
cd "$(dirname "$0")/.."
MEMBERS="${MEMBERS:-1000000}"
PG_SERVER="${PG_SERVER:-postgres://postgres@127.0.0.1:5432}"
PORT="${PORT:-18181}"
DATABASES="${DATABASES:-sqlite postgres}"
# PATRON_BIN=path measures that binary instead of building one. The hand-written count goes
# through bench/baseline's sql-count (the client and SQLite build Patron links; SQL_COUNT=path).
if [ -n "${PATRON_BIN:-}" ]; then
  BIN="$(realpath "$PATRON_BIN")"
else
  cargo build --release --locked -q -p patron
  BIN="$PWD/target/release/patron"
fi
if [ -z "${SQL_COUNT:-}" ]; then
  cargo build --release --locked -q -p api-baseline --bin sql-count
  export SQL_COUNT="$PWD/target/release/sql-count"
fi
WORK="$(mktemp -d)"
SERVER=""
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$WORK"' EXIT
export PATRON_DATA_DIR="$WORK" RUST_LOG=warn
TODAY="$(TZ=Asia/Shanghai date +%F)"
YESTERDAY="$(TZ=Asia/Shanghai date -d yesterday +%F)"

# Runs a command, printing its wall time.
timed() {
  local label="$1"; shift
  local start end
  start=$(date +%s.%N)
  "$@" >"$WORK/out" 2>"$WORK/err" || { cat "$WORK/err"; exit 1; }
  end=$(date +%s.%N)
  printf '%-44s %7.2f s\n' "$label" "$(echo "$end - $start" | bc)"
}

bench() {
  local name="$1" url="$2"
  export DATABASE_URL="$url"
  echo "== $name: $MEMBERS members"
  timed "demo" "$BIN" demo --members "$MEMBERS"
  timed "analytics run ($YESTERDAY)" "$BIN" recompute --as-of "$YESTERDAY"
  PATRON_LISTEN="127.0.0.1:$PORT" "$BIN" serve >"$WORK/serve.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
  TOKEN="$("$BIN" token create --role marketer)"
  python3 bench/segments.py measure "http://127.0.0.1:$PORT/graphql" "$TOKEN" "$url" "$TODAY"
  timed "refresh 20 segments (first: all enter)" "$BIN" jobs run segments
  python3 bench/segments.py counts <"$WORK/out"
  timed "analytics run ($TODAY)" "$BIN" recompute --as-of "$TODAY"
  timed "refresh 20 segments (next night)" "$BIN" jobs run segments
  python3 bench/segments.py counts <"$WORK/out"
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""
}

for database in $DATABASES; do
  case "$database" in
    sqlite) bench SQLite "sqlite://$WORK/bench.db?mode=rwc" ;;
    postgres)
      psql -q "$PG_SERVER/postgres" -c "DROP DATABASE IF EXISTS patron_bench" -c "CREATE DATABASE patron_bench"
      bench PostgreSQL "$PG_SERVER/patron_bench"
      psql -q "$PG_SERVER/postgres" -c "DROP DATABASE IF EXISTS patron_bench" ;;
    *) echo "unknown database $database (sqlite, postgres)"; exit 2 ;;
  esac
done
