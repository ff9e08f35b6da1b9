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

# Runs a command, printing its wall time and peak resident memory; keeps stdout in $WORK/out.
measure() {
  local label="$1"; shift
  /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" >"$WORK/out" 2>"$WORK/err" || { cat "$WORK/err"; exit 1; }
  read -r wall kb <"$WORK/time"
  printf '%-34s %7.2f s   peak %4d MiB\n' "$label" "$wall" "$((kb / 1024))"
}

# After `measure … jobs run outbox`: how many went out, and how many a second.
sent_rate() {
  python3 - "$WORK/out" "$WORK/time" <<'PY'
import json, sys
sent = json.load(open(sys.argv[1]))["sent"]
wall = float(open(sys.argv[2]).read().split()[0])
print("    sent %d: %.0f messages/s" % (sent, sent / wall))
PY
}
