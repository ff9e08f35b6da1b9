#!/usr/bin/env bash
# A holiday email to every member (100,000 by default) through the whole pipeline — outbox claim,
# render, SMTP, mark sent — into postfix's smtp-sink on loopback, on SQLite and on PostgreSQL.
# Prints messages per second and peak memory beside smtp-source's rate against the same sink
# (the machine's ceiling). MEMBERS=20000 bench/outreach.sh for a quicker look; comparing peak
# memory across MEMBERS shows whether it grows with the audience. LATENCY_MS=2 puts a relay that
# delays each packet 2 ms each way between the sink and both senders, as a network would.
# Needs postfix's smtp-sink and smtp-source (Debian package postfix; the daemon is not needed).
set -euo pipefail
cd "$(dirname "$0")/.."
MEMBERS="${MEMBERS:-100000}"
CONNECTIONS="${CONNECTIONS:-20}"
PG_SERVER="${PG_SERVER:-postgres://postgres@127.0.0.1:5432}"
PORT="${PORT:-25025}"
if ! command -v smtp-sink >/dev/null; then
  echo "postfix" "postfix/main_mailer_type" select "No configuration" | debconf-set-selections
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix >/dev/null
fi
# PATRON_BIN=path measures that binary instead of building one.
source bench/common.sh
BIN="$(patron_bin)"
WORK="$(mktemp -d)"
SINK_USER="$(id -un)"; [ "$SINK_USER" = root ] && SINK_USER=nobody
smtp-sink -u "$SINK_USER" "127.0.0.1:$PORT" 1024 &
SINK=$!
trap 'kill $SINK 2>/dev/null; rm -rf "$WORK"' EXIT
sleep 0.5
if [ -n "${LATENCY_MS:-}" ]; then
  python3 bench/relay.py "$((PORT + 1))" "$PORT" "$LATENCY_MS" &
  RELAY=$!
  trap 'kill $SINK $RELAY 2>/dev/null; rm -rf "$WORK"' EXIT
  PORT=$((PORT + 1))
  sleep 0.5
  kill -0 $RELAY  # the relay is up, so nothing reaches the sink around it
  echo "== through a relay delaying each packet $LATENCY_MS ms each way"
fi
export PATRON_DATA_DIR="$WORK" RUST_LOG=warn SMTP_URL="smtp://127.0.0.1:$PORT"
export PATRON_OUTREACH__SMTP_CONNECTIONS="$CONNECTIONS"
# Mid-Autumn 2026 is on 25 September: its email goes three days before.
SEND_DAY=2026-09-22

echo "== smtp-source: $MEMBERS messages of 4 KB over $CONNECTIONS connections (the ceiling)"
start=$(date +%s.%N)
smtp-source -d -s "$CONNECTIONS" -m "$MEMBERS" -l 4096 -f bench@patron.localhost -t member@example.com "127.0.0.1:$PORT"
python3 -c "import sys; print('    %.0f messages/s' % ($MEMBERS / ($(date +%s.%N) - $start)))"

python3 - "$MEMBERS" >"$WORK/members.csv" <<'EOF'
import sys
print("member_no,name,email,email_consent,locale")
for n in range(int(sys.argv[1])):
    locale = "en" if n % 20 == 0 else "zh-CN"
    print(f"B{n:07d},会员{n},member{n}@example.com,true,{locale}")
EOF

bench() {
  local name="$1"
  echo "== $name: $MEMBERS members"
  measure "import members" "$BIN" import members "$WORK/members.csv"
  measure "holiday job (queue)" "$BIN" jobs run holiday --as-of "$SEND_DAY"
  measure "outbox job (claim, render, send)" "$BIN" jobs run outbox
  sent_rate
}

DATABASE_URL="sqlite://$WORK/bench.db?mode=rwc" bench SQLite

psql -q "$PG_SERVER/postgres" -c "DROP DATABASE IF EXISTS patron_bench_outreach" -c "CREATE DATABASE patron_bench_outreach"
DATABASE_URL="$PG_SERVER/patron_bench_outreach" bench PostgreSQL
psql -q "$PG_SERVER/postgres" -c "DROP DATABASE IF EXISTS patron_bench_outreach"
