#!/usr/bin/env bash
# A holiday SMS to every member (100,000 by default) through the whole pipeline — outbox claim,
# channel choice, render, Aliyun SendBatchSms (100 numbers a request, signed), mark sent — into
# the provider stand-in (tests/providers/mock.py --count-only) on loopback, on SQLite and on
# PostgreSQL. Prints messages per second and peak memory beside the stand-in's own ceiling
# (bench/sms_ceiling.py: signed batch requests from bare Python clients) measured in the same run.
# MEMBERS=20000 bench/sms.sh for a quicker look.
set -euo pipefail
cd "$(dirname "$0")/.."
MEMBERS="${MEMBERS:-100000}"
CONNECTIONS="${CONNECTIONS:-8}"
PG_SERVER="${PG_SERVER:-postgres://postgres@127.0.0.1:5432}"
source bench/common.sh
BIN="$(patron_bin)"
WORK="$(mktemp -d)"
python3 tests/providers/mock.py --dir "$WORK/mock" --count-only >"$WORK/mock.port" &
MOCK=$!
SERVER=
trap 'kill $MOCK $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do grep -q PORT "$WORK/mock.port" && break; sleep 0.1; done
MOCK_PORT="$(awk '/PORT/ {print $2}' "$WORK/mock.port")"
export PATRON_DATA_DIR="$WORK" RUST_LOG=warn
export PATRON_SMS__PROVIDER=aliyun PATRON_SMS__ENDPOINT="http://127.0.0.1:$MOCK_PORT/aliyun"
export PATRON_SMS__KEY_ID=test-key-id PATRON_SMS__KEY_SECRET=test-key-secret PATRON_SMS__SIGN_NAME=衣橱
export PATRON_SMS__CONNECTIONS="$CONNECTIONS"
export PATRON_OUTREACH__QUIET_START_HOUR=0 PATRON_OUTREACH__QUIET_END_HOUR=0
# Mid-Autumn 2026 is on 25 September: its message goes three days before.
SEND_DAY=2026-09-22

echo "== the stand-in's ceiling: signed SendBatchSms of 100 numbers from $CONNECTIONS clients"
python3 bench/sms_ceiling.py --url "http://127.0.0.1:$MOCK_PORT/aliyun" --seconds 10 --clients "$CONNECTIONS"

python3 - "$MEMBERS" >"$WORK/members.csv" <<'PY'
import sys
print("member_no,name,phone,sms_consent,locale")
for n in range(int(sys.argv[1])):
    # Ending in 5: none of the stand-in's invalid (…0000) or rate-limited (…0001) numbers.
    print(f"B{n:07d},会员{n},139{n * 10 + 5:08d},true,zh-CN")
PY

# The built-in holiday campaign on SMS, with the template the provider approved.
sms_holiday() {
  local port=18087
  PATRON_LISTEN="127.0.0.1:$port" "$BIN" serve >/dev/null 2>&1 &
  SERVER=$!
  for _ in $(seq 100); do curl -sf "127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  local token; token="$("$BIN" token create --role admin)"
  ask() { curl -sf "127.0.0.1:$port/graphql" -H "Authorization: Bearer $token" -H 'content-type: application/json' -d "$1" >/dev/null; }
  ask '{"query":"mutation { saveSmsTemplate(input: { kind: \"holiday\", locale: \"zh-CN\", templateCode: \"SMS_100000001\", text: \"${name}您好，${holiday}快乐！拒收请回复R\", params: [{ name: \"name\", value: \"{{ member.name }}\" }, { name: \"holiday\", value: \"{{ holiday.name }}\" }] }) }"}'
  local id; id="$(curl -sf "127.0.0.1:$port/graphql" -H "Authorization: Bearer $token" -H 'content-type: application/json' \
    -d '{"query":"{ campaigns { id kind } }"}' | python3 -c 'import json,sys; print(next(c["id"] for c in json.load(sys.stdin)["data"]["campaigns"] if c["kind"] == "HOLIDAY"))')"
  ask "{\"query\":\"mutation { updateCampaign(id: \\\"$id\\\", input: { channels: [SMS] }) { id } }\"}"
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=
}

bench() {
  local name="$1"
  echo "== $name: $MEMBERS members"
  measure "import members" "$BIN" import members "$WORK/members.csv"
  sms_holiday
  measure "holiday job (queue)" "$BIN" jobs run holiday --as-of "$SEND_DAY"
  measure "outbox job (claim, render, send)" "$BIN" jobs run outbox
  sent_rate
}

DATABASE_URL="sqlite://$WORK/bench.db?mode=rwc" bench SQLite

psql -q "$PG_SERVER/postgres" -c "DROP DATABASE IF EXISTS patron_bench_sms" -c "CREATE DATABASE patron_bench_sms"
DATABASE_URL="$PG_SERVER/patron_bench_sms" bench PostgreSQL
psql -q "$PG_SERVER/postgres" -c "DROP DATABASE IF EXISTS patron_bench_sms"
