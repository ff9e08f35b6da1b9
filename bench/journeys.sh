#!/usr/bin/env bash
# Journeys over every member (1,000,000 by default), on SQLite and on PostgreSQL, for members
# who all joined on one day, stepped through days with `jobs run journeys --as-of D`, beside a
# campaign occurrence to the same members (the holiday job queueing its email: the same recording
# and queueing path) and beside a run with no live journey (the process's own start and the
# job's bookkeeping). Two journeys: the shipped welcome journey (a message on day 0, 3 and 14),
# and one that waits up to 30 days for a purchase (a wait for an event, looked at every tick).
# - the day they join: everyone enters both, and the day-0 message is queued;
# - the next day, everyone waits: what a minute's tick costs with a million members waiting on
#   a timed wait and a million waiting for an event;
# - day 3: everyone's welcome wait is over and the day-3 message is queued.
# MEMBERS=100000 bench/journeys.sh for a quicker look; DATABASES=postgres for one half.
set -euo pipefail
cd "$(dirname "$0")/.."
MEMBERS="${MEMBERS:-1000000}"
PG_SERVER="${PG_SERVER:-postgres://postgres@127.0.0.1:5432}"
DATABASES="${DATABASES:-sqlite postgres}"
# PATRON_BIN=path measures that binary instead of building one.
source bench/common.sh
BIN="$(patron_bin)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export PATRON_DATA_DIR="$WORK" RUST_LOG=warn
# Mid-Autumn 2026 is on 25 September: its email goes three days before. Members join on 1
# September, so the journey's days are all in the past.
HOLIDAY_DAY=2026-09-22
JOINED=2026-09-01
day() { date -d "$JOINED + $1 days" +%F; }

python3 - "$MEMBERS" "$JOINED" >"$WORK/members.csv" <<'PY'
import sys
print("member_no,name,email,email_consent,joined_at")
for n in range(int(sys.argv[1])):
    print(f"J{n:07d},会员{n},member{n}@example.com,true,{sys.argv[2]}")
PY

# Publishes the shipped welcome journey, and a journey waiting for a purchase, as version 1 each,
# by SQL (the API's createJourney and publishJourney do the same after their checks).
WAIT_FOR='{"entry": {"type": "event", "event": "joined"}, "holdoutBasisPoints": 1000, "steps": [{"type": "waitFor", "event": {"type": "purchased"}, "timeoutDays": 30, "then": [], "timeout": [{"type": "exit"}]}]}'
PUBLISH="INSERT INTO journeys (name, status, draft, created_by, updated_by)
           VALUES ('Waits for a purchase', 'draft', '$WAIT_FOR', 'bench', 'bench');
         INSERT INTO journey_versions (journey_id, number, definition, published_by)
           SELECT id, 1, draft, 'bench' FROM journeys WHERE key = 'welcome' OR name = 'Waits for a purchase';
         UPDATE journeys SET status = 'live',
           version_id = (SELECT v.id FROM journey_versions v WHERE v.journey_id = journeys.id)
           WHERE key = 'welcome' OR name = 'Waits for a purchase';"

# After `measure … jobs run journeys`: who entered and how many messages were queued.
counts() {
  python3 - "$WORK/out" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
print("    entered %d, queued %d, moved %s" % (c["entered"], c["queued"], c["moved"]))
PY
}

bench() {
  local name="$1" sql="$2"
  echo "== $name: $MEMBERS members"
  measure "import members" "$BIN" import members "$WORK/members.csv"
  measure "no live journey (the anchor)" "$BIN" jobs run journeys --as-of "$(day 0)"
  measure "holiday job, queue all (anchor)" "$BIN" jobs run holiday --as-of "$HOLIDAY_DAY"
  $sql "$PUBLISH" >/dev/null
  measure "journeys, day 0: all enter + send" "$BIN" jobs run journeys --as-of "$(day 0)"
  counts
  measure "journeys, day 1: all wait, twice" "$BIN" jobs run journeys --as-of "$(day 1)"
  counts
  measure "journeys, day 3: all due + send" "$BIN" jobs run journeys --as-of "$(day 3)"
  counts
}

for database in $DATABASES; do
  case "$database" in
    sqlite)
      export DATABASE_URL="sqlite://$WORK/bench.db?mode=rwc"
      bench SQLite "sqlite3 $WORK/bench.db"
      ;;
    postgres)
      psql -q "$PG_SERVER/postgres" -c "DROP DATABASE IF EXISTS patron_bench_journeys" -c "CREATE DATABASE patron_bench_journeys"
      export DATABASE_URL="$PG_SERVER/patron_bench_journeys"
      bench PostgreSQL "psql -q $DATABASE_URL -c"
      psql -q "$PG_SERVER/postgres" -c "DROP DATABASE IF EXISTS patron_bench_journeys"
      ;;
  esac
done
