#!/usr/bin/env bash
# Run the seamless core with its hot threads pinned to dedicated cores, after checking
# the placement with the core's own latency/jitter bench (tick-to-event).
#
# Pair it with scripts/isolate-cores.sh, which keeps the OS, IRQs and other processes off
# those cores. See docs/operations.md, "Running on dedicated cores".
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/pinned-run.sh [--cores feed=A,engine=B,broker=C] [--wait STRATEGY]
                             [--check quick|full|none] [--housekeeping CORE]
                             [--no-run] [--dry-run] [-- CORE ARGS...]

1. Checks the cores: online, isolated (isolcpus), frequency governor.
2. Runs `seamless bench tick-to-event` with the same placement (--check quick: a smoke
   run of a few seconds; full: the default rounds, minutes; none: skip), the bench's
   observer and reader processes on the housekeeping core.
3. Runs `seamless core --cores ... --wait ...` in the foreground (Ctrl-C stops it), with
   CORE ARGS appended (e.g. -- --config prod.toml --data-dir /srv/live). Start the
   persister beside it (`seamless persist --wait`) on the housekeeping core.

Options:
  --cores LIST         Where the hot threads go (default with 4 or more cores: the last
                       three, feed=N-3,engine=N-2,broker=N-1). Any subset of
                       feed=,engine=,broker=.
  --wait STRATEGY      spin (default), spin_yield or backoff. spin needs a core per
                       pinned thread and every hot thread pinned.
  --check MODE         quick (default), full or none.
  --housekeeping CORE  Core for the bench's observer and readers (default: 0).
  --no-run             Check only; do not start the core.
  --dry-run            Print the commands instead of running them.
  -h, --help           This help.

Environment:
  SEAMLESS_BIN         The seamless binary (default: build it with cargo build --release).

Examples:
  scripts/pinned-run.sh                                   # 4+ cores: spin on the last 3
  scripts/pinned-run.sh --cores feed=2,engine=3,broker=4 -- --data-dir /srv/live
  scripts/pinned-run.sh --cores engine=1 --wait backoff --check quick --no-run   # 2 cores
EOF
}

cores=""
wait_strategy="spin"
check="quick"
housekeeping=0
run=true
dry=false
extra=()
while (($#)); do
  case "$1" in
    --cores) cores="${2:?--cores needs feed=A,engine=B,broker=C}"; shift 2 ;;
    --wait) wait_strategy="${2:?--wait needs spin, spin_yield or backoff}"; shift 2 ;;
    --check) check="${2:?--check needs quick, full or none}"; shift 2 ;;
    --housekeeping) housekeeping="${2:?--housekeeping needs a core id}"; shift 2 ;;
    --no-run) run=false; shift ;;
    --dry-run) dry=true; shift ;;
    -h | --help) usage; exit 0 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "error: unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$wait_strategy" in spin | spin_yield | backoff) ;; *)
  echo "error: --wait $wait_strategy: expected spin, spin_yield or backoff" >&2; exit 2 ;;
esac
case "$check" in quick | full | none) ;; *)
  echo "error: --check $check: expected quick, full or none" >&2; exit 2 ;;
esac

sys=/sys/devices/system/cpu
ncpu=$(nproc --all)
if [[ -z "$cores" ]]; then
  if ((ncpu < 4)); then
    cat >&2 <<EOF
error: this machine has $ncpu core(s): three spinning hot threads need three cores of
their own plus one for everything else. Choose a placement yourself, e.g.
  $0 --cores engine=$((ncpu - 1)) --wait backoff
EOF
    exit 2
  fi
  cores="feed=$((ncpu - 3)),engine=$((ncpu - 2)),broker=$((ncpu - 1))"
fi

# The core ids in --cores, checked for shape.
ids=()
IFS=, read -ra pairs <<<"$cores"
for pair in "${pairs[@]}"; do
  if [[ ! "$pair" =~ ^(feed|engine|broker)=([0-9]+)$ ]]; then
    echo "error: --cores: \"$pair\" is not feed=N, engine=N or broker=N" >&2
    exit 2
  fi
  ids+=("${BASH_REMATCH[2]}")
done
if [[ "$wait_strategy" != backoff ]] && ((${#ids[@]} < 3)); then
  echo "warning: wait = $wait_strategy with ${#ids[@]} of 3 hot threads pinned: the unpinned" \
    "ones spin wherever the OS puts them (the core warns too)" >&2
fi

echo "== Cores: $cores, wait $wait_strategy, housekeeping core $housekeeping"
isolated=$(cat "$sys/isolated" 2>/dev/null || true)
for id in "${ids[@]}" "$housekeeping"; do
  if [[ ! -d "$sys/cpu$id" ]]; then
    echo "error: CPU $id does not exist (online: $(cat "$sys/online"))" >&2
    exit 2
  fi
done
for id in "${ids[@]}"; do
  if [[ "$id" == "$housekeeping" ]]; then
    echo "warning: core $id is both a hot core and the housekeeping core" >&2
  fi
  gov=$(cat "$sys/cpu$id/cpufreq/scaling_governor" 2>/dev/null || echo "n/a (no cpufreq)")
  # `isolated` is a kernel list such as "2-3,6": ranges or single ids.
  iso="no"
  IFS=, read -ra parts <<<"$isolated"
  for p in "${parts[@]}"; do
    lo=${p%-*} hi=${p#*-}
    if ((id >= lo && id <= hi)); then iso="yes"; fi
  done
  echo "  cpu$id: isolated $iso, governor $gov"
done
if [[ -z "$isolated" ]]; then
  echo "  (no isolated cores: other processes may run there; see scripts/isolate-cores.sh)"
fi

# The binary: SEAMLESS_BIN, else a release build of this checkout.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ -n "${SEAMLESS_BIN:-}" ]]; then
  bin=$SEAMLESS_BIN
else
  bin="${CARGO_TARGET_DIR:-$root/target}/release/seamless"
  if $dry; then
    echo "+ cargo build --release"
  else
    (cd "$root" && cargo build --release --quiet)
  fi
fi

# Prints a command, then runs it unless --dry-run.
say_run() {
  echo "+ $*"
  $dry || "$@"
}

if [[ "$check" != none ]]; then
  echo "== Check: the tick-to-event bench with this placement"
  bench=("$bin" bench tick-to-event --cores "$cores" --wait "$wait_strategy"
    --observer-core "$housekeeping" --reader-core "$housekeeping")
  [[ "$check" == quick ]] && bench+=(--quick)
  say_run "${bench[@]}"
  echo "Compare p99/p99.9 and max with an unpinned run (--cores none --wait backoff):"
  echo "isolated, spinning cores should cut the tail most."
fi

if $run; then
  echo "== Run: the core, pinned (Ctrl-C stops it)"
  echo "+ $bin core --cores $cores --wait $wait_strategy ${extra[*]}"
  $dry || exec "$bin" core --cores "$cores" --wait "$wait_strategy" "${extra[@]}"
fi
