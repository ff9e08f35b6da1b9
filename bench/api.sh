#!/usr/bin/env bash
# API speed over demo members after an analytics run, on SQLite and PostgreSQL, with wrk on
# this machine:
# - the member lookup over GraphQL at 32 connections, beside a bare actix-web handler doing the
#   same lookup in one SQL statement (bench/baseline) on the same database in the same run, and
#   Patron's share of the baseline's throughput;
# - member lists at 16 connections (first page): unfiltered; Shanghai A/B members by CLV, without
#   and with its totalCount; the segments benchmark's scenario as a segment preview; and page 500
#   of the CLV list;
# - the CLV list's totalCount asked alone (median of 5), counted and kept.
# SIZES="100000" DATABASES=sqlite bench/api.sh for a quicker look. Loaded databases are kept
# in $BENCH_DIR (SQLite) and as patron_api_<size> (PostgreSQL) when KEEP=1, and reused when
# they hold the members asked for. PATRON_BIN= and BASELINE_BIN= measure given binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES="${SIZES:-100000 1000000}"
DATABASES="${DATABASES:-sqlite postgres}"
DURATION="${DURATION:-10s}"
PG_SERVER="${PG_SERVER:-postgres://postgres@127.0.0.1:5432}"
PORT="${PORT:-18281}"
BASE_PORT="${BASE_PORT:-18282}"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
if [ -z "${PATRON_BIN:-}" ] || [ -z "${BASELINE_BIN:-}" ]; then
  cargo build --release --locked -q -p patron -p api-baseline
fi
BIN="$(realpath "${PATRON_BIN:-target/release/patron}")"
BASELINE="$(realpath "${BASELINE_BIN:-target/release/api-baseline}")"
WORK="$(mktemp -d)"
BENCH_DIR="${BENCH_DIR:-$WORK}"
mkdir -p "$BENCH_DIR"
SERVERS=()
cleanup() {
  for pid in "${SERVERS[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
export PATRON_DATA_DIR="$WORK" RUST_LOG="${RUST_LOG:-info}"
YESTERDAY="$(TZ=Asia/Shanghai date -d yesterday +%F)"

LOOKUP='{"query":"query($no:String!){ member(memberNo:$no){ memberNo name city tier pointsBalance } }","variables":{"no":"{no}"}}'
ALL='{"query":"{ members(first:20){ edges { node { memberNo name city tier } } } }"}'
CLV_QUERY='query($after:String){ members(first:20, after:$after, filter:{city:\"上海\", tiers:[A,B]}, orderBy:{field:CLV, direction:DESC}){ edges { node { memberNo name city tier } } pageInfo { endCursor } } }'
clv_page() { printf '{"query":"%s","variables":{"after":%s}}' "$CLV_QUERY" "$1"; }
CLV_TOTAL='{"query":"{ members(first:20, filter:{city:\"上海\", tiers:[A,B]}, orderBy:{field:CLV, direction:DESC}){ totalCount edges { node { memberNo name city tier } } } }"}'
BEDDING='{"bought":{"category":"床品","window":{"lastDays":DAYS}}}'
SCENARIO="{\"and\":[{\"field\":{\"field\":\"tier\",\"op\":\"IN\",\"values\":[\"A\",\"B\"]}},{\"field\":{\"field\":\"city\",\"op\":\"EQ\",\"value\":\"上海\"}},${BEDDING/DAYS/365},{\"not\":${BEDDING/DAYS/60}}]}"
PREVIEW="{\"query\":\"query(\$f:SegmentFilter!){ segmentPreview(filter:\$f, first:20){ edges { node { memberNo name city } } } }\",\"variables\":{\"f\":$SCENARIO}}"
COUNT='{"query":"{ members(first:0, filter:{city:\"上海\", tiers:[TIERS]}){ totalCount } }"}'

start() { # name, then the command; waits for its port
  local port="$1"; shift
  "$@" >>"$WORK/servers.log" 2>&1 &
  SERVERS+=($!)
  for _ in $(seq 1 150); do curl -s -o /dev/null "http://127.0.0.1:$port/" && return; sleep 0.2; done
  echo "nothing answers on port $port"; cat "$WORK/servers.log"; exit 1
}

stop_servers() {
  for pid in "${SERVERS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  SERVERS=()
}

graphql() { # body; fails on any GraphQL error
  local reply
  reply="$(curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d "$1" "http://127.0.0.1:$PORT/graphql")"
  if [ "$(jq 'has("errors")' <<<"$reply")" != false ]; then echo "GraphQL error: $reply" >&2; exit 1; fi
  printf '%s' "$reply"
}

# load CONNECTIONS PORT [BODY|URL_PATH=…]: prints "req/s p50 p99"
load() {
  local connections="$1" port="$2" result
  result="$(env "${@:3}" NUMBERS="$WORK/numbers" TOKEN="$TOKEN" \
    wrk -t2 -c"$connections" -d"$DURATION" -s bench/api/load.lua "http://127.0.0.1:$port" | grep '^RESULT')"
  read -r _ rps p50 p99 failed <<<"$result"
  [ "$failed" = 0 ] || { echo "wrk: $failed requests failed" >&2; exit 1; }
  echo "$rps $p50 $p99"
}

row() { # label, "req/s p50 p99"
  read -r rps p50 p99 <<<"$2"
  printf '%-40s %7s req/s  p50 %6s ms  p99 %6s ms\n' "$1" "$rps" "$p50" "$p99"
}

loaded() { # url, members: whether the database already holds them
  local count
  count="$(query "$1" "SELECT count(*) FROM members" 2>/dev/null || echo 0)"
  [ "$count" = "$2" ]
}

query() { # url, SQL: prints the result rows
  case "$1" in
    sqlite*) sqlite3 "$(sed -E 's|^sqlite://([^?]*).*|\1|' <<<"$1")" "$2" ;;
    *) psql -qtAX "$1" -c "$2" ;;
  esac
}

median_time() { # label, then five tier lists: the median time of asking the count alone with each
  local label="$1" times=() tiers
  for tiers in "${@:2}"; do
    times+=("$(curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $TOKEN" \
      -H 'Content-Type: application/json' -d "${COUNT/TIERS/$tiers}" "http://127.0.0.1:$PORT/graphql")")
  done
  printf '%-40s %7.1f ms (median of 5)\n' "$label" \
    "$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p | awk '{print $1 * 1000}')"
}

bench() { # name, url, members
  local name="$1" url="$2" members="$3"
  export DATABASE_URL="$url"
  echo "== $name, $members members"
  if loaded "$url" "$members"; then
    echo "(reusing the loaded database)"
  else
    "$BIN" demo --members "$members" >>"$WORK/load.log" 2>&1
    "$BIN" recompute --as-of "$YESTERDAY" >>"$WORK/load.log" 2>&1
  fi
  query "$url" "SELECT member_no FROM members WHERE status = 'active' ORDER BY random() LIMIT 10000" >"$WORK/numbers"
  TOKEN="$("$BIN" token create --role admin)"
  start "$PORT" env PATRON_LISTEN="127.0.0.1:$PORT" PATRON_SCHEDULER=false "$BIN" serve
  start "$BASE_PORT" "$BASELINE" "$url" "127.0.0.1:$BASE_PORT"
  graphql "${LOOKUP/\{no\}/$(head -1 "$WORK/numbers")}" >/dev/null
  # Warm-up, not measured: pools filled, the database's pages in memory for both servers.
  DURATION=3s load 32 "$PORT" BODY="$LOOKUP" >/dev/null
  DURATION=3s load 32 "$BASE_PORT" URL_PATH='/member/{no}' >/dev/null
  local patron baseline
  patron="$(load 32 "$PORT" BODY="$LOOKUP")"
  baseline="$(load 32 "$BASE_PORT" URL_PATH='/member/{no}')"
  row "lookup, Patron (32 connections)" "$patron"
  row "lookup, bare handler (32 connections)" "$baseline"
  printf '%-40s %6.0f %%\n' "Patron's share of the bare handler" "$(echo "100 * ${patron%% *} / ${baseline%% *}" | bc -l)"
  for list in ALL PREVIEW; do graphql "${!list}" >/dev/null; done
  row "list: all members, page 1 (16)" "$(load 16 "$PORT" BODY="$ALL")"
  row "list: Shanghai A/B by CLV, page 1 (16)" "$(load 16 "$PORT" BODY="$(clv_page null)")"
  row "list: the same with totalCount (16)" "$(load 16 "$PORT" BODY="$CLV_TOTAL")"
  local after=null page
  for page in $(seq 1 499); do
    after="$(graphql "$(clv_page "$after")" | jq '.data.members.pageInfo.endCursor')"
  done
  row "list: Shanghai A/B by CLV, page 500 (16)" "$(load 16 "$PORT" BODY="$(clv_page "$after")")"
  row "list: scenario segment preview (16)" "$(load 16 "$PORT" BODY="$PREVIEW")"
  # The same tiers in five other orders: each is a count of its own, none answered by a kept
  # count (src/http/list_counts.rs); then one of them five times more, answered by its kept count
  # (what remains is the request and its page of none, which still reads a first member).
  median_time "totalCount, Shanghai A/B" "B,A" "A,B,A" "B,A,B" "A,A,B" "B,B,A"
  median_time "the same, its count kept" "B,A" "B,A" "B,A" "B,A" "B,A"
  stop_servers
}

for members in $SIZES; do
  for database in $DATABASES; do
    case "$database" in
      sqlite)
        file="$BENCH_DIR/api-$members.db"
        bench SQLite "sqlite://$file?mode=rwc" "$members"
        [ "${KEEP:-0}" = 1 ] || rm -f "$file"*
        ;;
      postgres)
        db="patron_api_$members"
        if ! psql -qtAX "$PG_SERVER/postgres" -c "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
          psql -q "$PG_SERVER/postgres" -c "CREATE DATABASE $db"
        fi
        bench PostgreSQL "$PG_SERVER/$db" "$members"
        [ "${KEEP:-0}" = 1 ] || psql -q "$PG_SERVER/postgres" -c "DROP DATABASE $db"
        ;;
    esac
  done
done
