#!/usr/bin/env bash
# Times `patron recompute` over a million demo members (about ten million purchases over three
# years, stored in the order they happened) on SQLite and on PostgreSQL; prints wall time, peak
# memory, and where the run's time went. MEMBERS=100000 bench/recompute.sh for a quicker look.
set -euo pipefail
cd "$(dirname "$0")/.."
MEMBERS="${MEMBERS:-1000000}"
PG_SERVER="${PG_SERVER:-postgres://postgres@127.0.0.1:5432}"
cargo build --release --locked -q
BIN="$PWD/target/release/patron"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export PATRON_DATA_DIR="$WORK" RUST_LOG=warn
AS_OF="$(TZ=Asia/Shanghai date +%F)"

# Runs a command, printing its wall time and peak resident memory.
measure() {
  local label="$1"; shift
  /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" >"$WORK/out" 2>"$WORK/err" || { cat "$WORK/err"; exit 1; }
  read -r wall kb <"$WORK/time"
  printf '%-28s %8.1f s   peak %5d MiB\n' "$label" "$wall" "$((kb / 1024))"
}

# The run's own account of where its time went.
phases() {
  python3 -c 'import json,sys; t=json.load(sys.stdin)["timings"]; print("    aggregate %.1f s, score %.1f s, write %.1f s" % (t["aggregate_ms"]/1e3, t["score_ms"]/1e3, t["write_ms"]/1e3))' <"$WORK/out"
}

bench() {
  local name="$1" url="$2"
  echo "== $name: $MEMBERS members"
  DATABASE_URL="$url" measure "demo" "$BIN" demo --members "$MEMBERS"
  DATABASE_URL="$url" measure "recompute (first run)" "$BIN" recompute --as-of "$AS_OF"
  phases
  DATABASE_URL="$url" measure "recompute (same date again)" "$BIN" recompute --as-of "$AS_OF"
  phases
}

bench SQLite "sqlite://$WORK/bench.db?mode=rwc"

psql -q "$PG_SERVER/postgres" -c "DROP DATABASE IF EXISTS patron_bench" -c "CREATE DATABASE patron_bench"
bench PostgreSQL "$PG_SERVER/patron_bench"
psql -q "$PG_SERVER/postgres" -c "DROP DATABASE IF EXISTS patron_bench"

echo "== BG/NBD and Gamma-Gamma fits alone (1M simulated customers)"
cargo run --release --locked -q -p jobs --example fit_bench
