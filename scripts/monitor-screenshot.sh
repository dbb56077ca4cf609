#!/usr/bin/env bash
# Regenerate docs/monitor.png: run `seamless up` in a private tmux server and a private
# shared-memory directory, let it trade for a while, capture the monitor with its
# colours (tmux capture-pane -e), render the text to HTML (scripts/ansi2html.py) and
# screenshot that with headless chromium. Everything it starts is stopped at the end.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/monitor-screenshot.sh [--out FILE.png] [--size COLSxROWS] [--secs N]
                                     [--port PORT]

  --out FILE.png   Where the screenshot goes (default: docs/monitor.png).
  --size CxR       Terminal size (default: 160x40).
  --secs N         How long the system runs before the capture (default: 15).
  --port PORT      The bridge's port for this run (default: 18787).
  -h, --help       This help.

Needs tmux, python3 and chromium. SEAMLESS_BIN names the binary (default: a release
build of this checkout).
EOF
}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out="$root/docs/monitor.png"
size="160x40"
secs=15
port=18787
while (($#)); do
  case "$1" in
    --out) out="${2:?--out needs a file}"; shift 2 ;;
    --size) size="${2:?--size needs COLSxROWS}"; shift 2 ;;
    --secs) secs="${2:?--secs needs a number}"; shift 2 ;;
    --port) port="${2:?--port needs a number}"; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "error: unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$size" =~ ^([0-9]+)x([0-9]+)$ ]] || { echo "error: --size $size: expected e.g. 160x40" >&2; exit 2; }
cols=${BASH_REMATCH[1]} rows=${BASH_REMATCH[2]}
for tool in tmux python3 chromium; do
  command -v "$tool" >/dev/null || { echo "error: $tool is not installed" >&2; exit 1; }
done

if [[ -n "${SEAMLESS_BIN:-}" ]]; then
  bin=$SEAMLESS_BIN
else
  (cd "$root" && cargo build --release --quiet)
  bin="${CARGO_TARGET_DIR:-$root/target}/release/seamless"
fi

work=$(mktemp -d)
sock="seamless-shot-$$"
cleanup() {
  tmux -L "$sock" kill-server 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/shm"

# A private instance: its own shm directory (SEAMLESS_SHM_DIR), data dir and port, so
# a running `seamless up` is not disturbed. The pane's shell records the exit status.
tmux -L "$sock" new-session -d -x "$cols" -y "$rows" -s shot -c "$work" \
  -e "SEAMLESS_SHM_DIR=$work/shm" -e "TERM=xterm-256color" \
  -- sh -c "'$bin' up --name shot --data-dir '$work/data' --listen 127.0.0.1:$port; echo \$? > '$work/status'"
tmux -L "$sock" set-option -t shot remain-on-exit on >/dev/null

# Wait for the monitor (the dashboard URL line comes before it), then let it trade.
for _ in $(seq 600); do
  if tmux -L "$sock" capture-pane -p -t shot | grep -q "BTCUSD"; then break; fi
  if [[ -s "$work/status" ]]; then
    echo "error: seamless up exited early:" >&2
    tmux -L "$sock" capture-pane -p -t shot >&2
    exit 1
  fi
  sleep 0.1
done
sleep "$secs"
tmux -L "$sock" capture-pane -e -p -t shot >"$work/screen.ansi"

# Stop it the way a user does, and wait for the clean exit.
tmux -L "$sock" send-keys -t shot C-c
for _ in $(seq 600); do
  [[ -s "$work/status" ]] && break
  sleep 0.1
done
echo "seamless up exited with status $(cat "$work/status" 2>/dev/null || echo '?')"

python3 "$root/scripts/ansi2html.py" --title "seamless monitor" <"$work/screen.ansi" >"$work/screen.html"
# 14px DejaVu Sans Mono: ~8.43 px per column, 16.8 px per row, 12 px padding around.
width=$(((cols * 843 + 99) / 100 + 24))
height=$(((rows * 168 + 9) / 10 + 24))
# --headless --no-sandbox: no display, running as root in a container is fine;
# --hide-scrollbars: the page is exactly the window; the rest keeps it offline.
chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
  --no-first-run --hide-scrollbars --window-size="$width,$height" \
  --screenshot="$work/shot.png" "file://$work/screen.html" 2>/dev/null
mv "$work/shot.png" "$out"
echo "wrote $out ($(stat -c %s "$out") bytes, ${width}x${height})"
