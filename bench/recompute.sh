#!/usr/bin/env bash
# Times `patron recompute` over a million demo members (about ten million purchases over three
# years, stored in the order they happened) on SQLite and on PostgreSQL, beside its anchor: the
# database's own per-member GROUP BY of the same purchases and window, in the same database and
# the same run. Prints wall time, peak memory, where the run's time went, and the run's multiple
# of the bare GROUP BY; then the model fits alone.
# MEMBERS=100000 bench/recompute.sh for a quicker look; DATABASES=postgres for one database.
# Loaded databases are kept in $BENCH_DIR (SQLite) and as patron_recompute_<members>
# (PostgreSQL) when KEEP=1, and reused when they exist. PATRON_BIN= measures a given binary.
set -euo pipefail
cd "$(dirname "$0")/.."
MEMBERS="${MEMBERS:-1000000}"
DATABASES="${DATABASES:-sqlite postgres}"
PG_SERVER="${PG_SERVER:-postgres://postgres@127.0.0.1:5432}"
command -v sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlite3 >/dev/null; }
source bench/common.sh
BIN="$(patron_bin)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
BENCH_DIR="${BENCH_DIR:-$WORK}"
mkdir -p "$BENCH_DIR"
export PATRON_DATA_DIR="$WORK" RUST_LOG=warn
AS_OF="$(TZ=Asia/Shanghai date +%F)"

# The anchor: every member's purchase count, spend and first and last day up to the run's date,
# read whole by the database's own client. The run reads the same rows, and more per member.
BARE="SELECT member_id, COUNT(*), SUM(amount_cents), MIN(occurred_on), MAX(occurred_on)
FROM purchases WHERE kind = 'purchase' AND occurred_on <= '$AS_OF' GROUP BY member_id"

# Seconds the bare GROUP BY takes on database $1 (sqlite|postgres) at $2, best of two.
bare_seconds() {
  local best=0 started took
  for _ in 1 2; do
    started=$(date +%s%N)
    if [ "$1" = sqlite ]; then
      sqlite3 "$2" "$BARE" >/dev/null
    else
      psql -qX "$2" -c "COPY ($BARE) TO STDOUT" >/dev/null
    fi
    took=$(($(date +%s%N) - started))
    if [ "$best" = 0 ] || [ "$took" -lt "$best" ]; then best=$took; fi
  done
  awk -v ns="$best" 'BEGIN { printf "%.3f\n", ns / 1e9 }'
}

# The run's own account of where its time went, and its multiple of the anchor.
phases() {
  python3 - "$WORK/out" "$WORK/time" "$1" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))["timings"]
wall = float(open(sys.argv[2]).read().split()[0])
bare = float(sys.argv[3])
print("    aggregate %.1f s, score %.1f s, write %.1f s; %.1f× the bare GROUP BY"
      % (t["aggregate_ms"] / 1e3, t["score_ms"] / 1e3, t["write_ms"] / 1e3, wall / bare))
PY
}

# Loads the demo members unless the database ($1: sqlite|postgres, at $2 for its client) holds
# members already.
load() {
  local database="$1" target="$2" url="$3" members
  if [ "$database" = sqlite ]; then
    members=$(sqlite3 "$target" "SELECT COUNT(*) FROM members" 2>/dev/null || echo 0)
  else
    members=$(psql -qtAX "$target" -c "SELECT COUNT(*) FROM members" 2>/dev/null || echo 0)
  fi
  if [ "$members" = 0 ]; then
    DATABASE_URL="$url" measure "demo" "$BIN" demo --members "$MEMBERS"
  else
    echo "reusing $members members"
  fi
}

bench() {
  local name="$1" database="$2" url="$3" target="$4"
  echo "== $name: $MEMBERS members"
  load "$database" "$target" "$url"
  local bare
  bare=$(bare_seconds "$database" "$target")
  printf '%-34s %7.2f s\n' "bare GROUP BY (the anchor)" "$bare"
  DATABASE_URL="$url" measure "recompute (as of $AS_OF)" "$BIN" recompute --as-of "$AS_OF"
  phases "$bare"
  DATABASE_URL="$url" measure "recompute (the same date again)" "$BIN" recompute --as-of "$AS_OF"
  phases "$bare"
}

for database in $DATABASES; do
  case "$database" in
    sqlite)
      file="$BENCH_DIR/recompute-$MEMBERS.db"
      bench SQLite sqlite "sqlite://$file?mode=rwc" "$file"
      [ "${KEEP:-0}" = 1 ] || rm -f "$file"*
      ;;
    postgres)
      db="patron_recompute_$MEMBERS"
      if ! psql -qtAX "$PG_SERVER/postgres" -c "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
        psql -q "$PG_SERVER/postgres" -c "CREATE DATABASE $db"
      fi
      bench PostgreSQL postgres "$PG_SERVER/$db" "$PG_SERVER/$db"
      [ "${KEEP:-0}" = 1 ] || psql -q "$PG_SERVER/postgres" -c "DROP DATABASE $db"
      ;;
  esac
done

echo "== BG/NBD and Gamma-Gamma fits alone (1M simulated customers)"
cargo run --release --locked -q -p jobs --example fit_bench
