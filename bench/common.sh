# What the benchmarks share; sourced, with $WORK set.

# The binary to measure: $PATRON_BIN, else a fresh release build.
patron_bin() {
  if [ -n "${PATRON_BIN:-}" ]; then
    realpath "$PATRON_BIN"
  else
    cargo build --release --locked -q
    echo "$PWD/target/release/patron"
  fi
}

# Runs a command, printing its wall time and peak resident memory; keeps stdout in $WORK/out
# and its wall time, peak, user and system CPU seconds in $WORK/time.
measure() {
  local label="$1"; shift
  /usr/bin/time -f "%e %M %U %S" -o "$WORK/time" "$@" >"$WORK/out" 2>"$WORK/err" || { cat "$WORK/err"; exit 1; }
  read -r wall kb _ <"$WORK/time"
  printf '%-34s %7.2f s   peak %4d MiB\n' "$label" "$wall" "$((kb / 1024))"
}

# After `measure … jobs run outbox`: how many went out, how many a second, and Patron's CPU
# time a message (user and system): its own cost, not a share of another program's speed,
# though it too grows on a busy machine (compare binaries in one run).
sent_rate() {
  python3 - "$WORK/out" "$WORK/time" <<'PY'
import json, sys
sent = json.load(open(sys.argv[1]))["sent"]
wall, _, user, system = map(float, open(sys.argv[2]).read().split())
print("    sent %d: %.0f messages/s, %.0f µs of CPU a message" % (sent, sent / wall, (user + system) / max(sent, 1) * 1e6))
PY
}
