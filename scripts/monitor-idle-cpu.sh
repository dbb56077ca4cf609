#!/usr/bin/env bash
# Measure the monitor's own CPU use while nothing changes: a private core whose finite
# synthetic feed has ended (it stays up, heartbeating, publishing nothing), and the real
# `seamless monitor` TUI at its default 30 fps in a private tmux server. The figure is
# the monitor process's CPU time (utime + stime from /proc/PID/stat) over the window,
# as a percentage of one core. Then the same with the core trading (a paced feed), for
# comparison. Everything it starts is stopped at the end.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/monitor-idle-cpu.sh [--secs N] [--rate TICKS_PER_SEC]

  --secs N     Measurement window per case (default: 20).
  --rate R     The busy case's paced feed, ticks/s (default: 1000, the default config).
  -h, --help   This help.

Prints one line per case: "idle: monitor CPU X.XX% of one core over N s", then the
same for "trading" (the core trading a paced synthetic feed).
Needs tmux and python3. SEAMLESS_BIN names the binary (default: a release build of this checkout).
EOF
}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
secs=20
rate=1000
while (($#)); do
  case "$1" in
    --secs) secs="${2:?--secs needs a number}"; shift 2 ;;
    --rate) rate="${2:?--rate needs a number}"; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "error: unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$secs" =~ ^[1-9][0-9]*$ ]] || { echo "error: --secs $secs: expected a positive integer" >&2; exit 2; }
[[ "$rate" =~ ^[1-9][0-9]*$ ]] || { echo "error: --rate $rate: expected a positive integer" >&2; exit 2; }
for tool in tmux python3; do
  command -v "$tool" >/dev/null || { echo "error: $tool is not installed" >&2; exit 1; }
done

if [[ -n "${SEAMLESS_BIN:-}" ]]; then
  bin=$SEAMLESS_BIN
else
  (cd "$root" && cargo build --release --quiet -p seamless)
  bin="${CARGO_TARGET_DIR:-$root/target}/release/seamless"
fi

work=$(mktemp -d)
sock="seamless-idle-$$"
core_pid=""
cleanup() {
  tmux -L "$sock" kill-server 2>/dev/null || true
  [[ -n "$core_pid" ]] && kill "$core_pid" 2>/dev/null && wait "$core_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/shm"
export SEAMLESS_SHM_DIR="$work/shm"
tck=$(getconf CLK_TCK)

# CPU ticks (utime + stime) of a process: fields 14 and 15 of /proc/PID/stat, counted
# after the ")" that ends the command name.
cpu_ticks() {
  local rest
  rest=$(sed 's/^.*) //' "/proc/$1/stat")
  awk '{ print $12 + $13 }' <<<"$rest"
}

# The core's last published sequence (the monitor's --once --json object).
last_seq() {
  "$bin" monitor --name idle --once --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["last_seq"])'
}

# measure CASE CORE_ARGS...: start the core, the monitor in tmux, wait until the
# monitor shows the instance, settle, then sample the monitor's CPU over the window.
measure() {
  local case=$1
  shift
  "$bin" core --name idle "$@" 2>"$work/core-$case.log" &
  core_pid=$!
  for _ in $(seq 600); do
    [[ -e "$work/shm/seamless-idle" ]] && break
    sleep 0.1
  done
  tmux -L "$sock" new-session -d -x 160 -y 48 -s "$case" \
    -e "SEAMLESS_SHM_DIR=$work/shm" -e "TERM=xterm-256color" \
    -- "$bin" monitor --name idle
  local mon=""
  for _ in $(seq 600); do
    mon=$(tmux -L "$sock" list-panes -t "$case" -F '#{pane_pid}' 2>/dev/null || true)
    if [[ -n "$mon" ]] && tmux -L "$sock" capture-pane -p -t "$case" | grep -q "BTCUSD"; then
      break
    fi
    sleep 0.1
  done
  [[ -n "$mon" ]] || { echo "error: the monitor did not start" >&2; exit 1; }
  sleep 3 # the feed of the idle case ends; attach work is over
  local t0 c0 s0 t1 c1 s1
  s0=$(last_seq)
  c0=$(cpu_ticks "$mon")
  t0=$(date +%s.%N)
  sleep "$secs"
  c1=$(cpu_ticks "$mon")
  t1=$(date +%s.%N)
  s1=$(last_seq)
  awk -v c="$((c1 - c0))" -v hz="$tck" -v t0="$t0" -v t1="$t1" -v name="$case" \
    'BEGIN { printf "%s: monitor CPU %.2f%% of one core over %.1f s\n", name, 100 * c / hz / (t1 - t0), t1 - t0 }'
  awk -v e="$((s1 - s0))" -v t0="$t0" -v t1="$t1" \
    'BEGIN { printf "  the core published %d events in the window (%.0f/s)\n", e, e / (t1 - t0) }'
  tmux -L "$sock" kill-session -t "$case"
  kill "$core_pid"
  wait "$core_pid" 2>/dev/null || true
  core_pid=""
}

measure idle --feed synthetic --ticks 200
measure trading --feed synthetic --rate "$rate" --ticks 0
