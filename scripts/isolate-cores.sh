#!/usr/bin/env bash
# Dedicate CPU cores to seamless's hot threads (feed, engine, broker).
#
# By default this only LOOKS and PRINTS: the current isolation state, the kernel
# parameters to add (it prints the GRUB line; it never edits the bootloader), the
# no-reboot alternatives (systemd AllowedCPUs, cset shield, taskset), the CPU frequency
# governor and the IRQ affinity. With --apply (as root) it changes the two runtime,
# reversible settings: the frequency governor of the chosen cores and the IRQ affinity
# (IRQs moved to the housekeeping cores). Nothing survives a reboot.
#
# See docs/operations.md, "Running on dedicated cores".
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/isolate-cores.sh [--cores LIST] [--governor NAME] [--apply] [--help]

Prints how to dedicate the cores in LIST to seamless's hot threads; changes nothing
unless --apply is given.

Options:
  --cores LIST     Cores to dedicate, as the kernel writes lists: "1-3", "2,3,5"
                   (default: every online core but the first, which keeps the
                   housekeeping: the OS, IRQs, the persister, monitor and bridge).
  --governor NAME  Frequency governor for the dedicated cores (default: performance).
  --apply          As root: set that governor on the dedicated cores and move every
                   IRQ that allows it to the housekeeping cores. Runtime only: a
                   reboot undoes it. Never touches the bootloader.
  -h, --help       This help.

Then run the core pinned to those cores:
  scripts/pinned-run.sh --cores feed=1,engine=2,broker=3
EOF
}

cores=""
governor="performance"
apply=false
while (($#)); do
  case "$1" in
    --cores) cores="${2:?--cores needs a list, e.g. 1-3}"; shift 2 ;;
    --governor) governor="${2:?--governor needs a name, e.g. performance}"; shift 2 ;;
    --apply) apply=true; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "error: unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done

sys=/sys/devices/system/cpu

# Expands a kernel CPU list ("0-2,5") to one id per line.
expand() {
  local part lo hi
  local -a parts
  IFS=, read -ra parts <<<"$1"
  for part in "${parts[@]}"; do
    [[ -z "$part" ]] && continue
    if [[ "$part" =~ ^([0-9]+)-([0-9]+)$ ]]; then
      lo=${BASH_REMATCH[1]} hi=${BASH_REMATCH[2]}
      ((lo <= hi)) || { echo "error: bad range $part in CPU list $1" >&2; exit 2; }
      seq "$lo" "$hi"
    elif [[ "$part" =~ ^[0-9]+$ ]]; then
      echo "$part"
    else
      echo "error: bad CPU list \"$1\" (expected e.g. 1-3 or 2,3,5)" >&2
      exit 2
    fi
  done
}

# The hex mask of the CPU ids given as arguments, in /proc/irq/*_affinity form
# (32-bit groups separated by commas, most significant first).
mask() {
  local c i top=0 out=""
  local -a words=()
  for c in "$@"; do
    words[c / 32]=$((${words[c / 32]:-0} | (1 << (c % 32))))
    ((c / 32 > top)) && top=$((c / 32))
  done
  for ((i = top; i >= 0; i--)); do
    out+=$(printf '%08x' "${words[i]:-0}")
    ((i > 0)) && out+=,
  done
  echo "$out"
}

# Joins ids (one per argument) with commas.
join() { local IFS=,; echo "$*"; }

# (Expanded into a variable first: an assignment fails the script under set -e, a
# process substitution would not.)
list=$(expand "$(cat "$sys/online")")
mapfile -t online <<<"$list"
if [[ -z "$cores" ]]; then
  if ((${#online[@]} < 2)); then
    echo "error: only one CPU is online: nothing to dedicate" >&2
    exit 1
  fi
  cores=$(join "${online[@]:1}")
fi
list=$(expand "$cores")
mapfile -t hot <<<"$list"
declare -A is_hot=()
for c in "${hot[@]}"; do
  [[ -d "$sys/cpu$c" ]] || { echo "error: CPU $c does not exist (online: $(cat "$sys/online"))" >&2; exit 2; }
  is_hot[$c]=1
done
housekeeping=()
for c in "${online[@]}"; do
  [[ -n "${is_hot[$c]:-}" ]] || housekeeping+=("$c")
done
if ((${#housekeeping[@]} == 0)); then
  echo "error: --cores $cores leaves no core for the OS, the IRQs and the readers" >&2
  exit 2
fi
hot_list=$(join "${hot[@]}")
hk_list=$(join "${housekeeping[@]}")

echo "== Current state"
echo "online CPUs:         $(cat "$sys/online")"
echo "isolated (isolcpus): $(cat "$sys/isolated" 2>/dev/null || echo unknown)"
echo "nohz_full:           $(cat "$sys/nohz_full" 2>/dev/null || echo 'not built in / off')"
echo "kernel command line: $(cat /proc/cmdline)"
echo "dedicated cores:     $hot_list   housekeeping cores: $hk_list"
if ((${#hot[@]} < 3)); then
  echo "note: seamless has 3 hot threads; with wait = \"spin\" each needs a core of its own."
  echo "      With fewer dedicated cores use --wait spin_yield or backoff (the default)."
fi
echo

echo "== 1. Kernel parameters (best isolation; needs a reboot)"
# isolcpus=domain: no scheduler load balancing onto these cores; managed_irq: keep
# managed device interrupts off them too. nohz_full: no periodic tick while one task
# runs. rcu_nocbs: RCU callbacks run elsewhere. irqaffinity: default IRQ cores.
params="isolcpus=managed_irq,domain,$hot_list nohz_full=$hot_list rcu_nocbs=$hot_list irqaffinity=$hk_list"
echo "Add to the kernel command line:"
echo "  $params"
echo "With GRUB: edit /etc/default/grub so that it reads, e.g."
echo "  GRUB_CMDLINE_LINUX_DEFAULT=\"quiet $params\""
echo "then run 'sudo update-grub' (Debian/Ubuntu) or"
echo "'sudo grub2-mkconfig -o /boot/grub2/grub.cfg' (Fedora/RHEL) and reboot."
echo "This script never edits the bootloader. Check after the reboot:"
echo "  cat $sys/isolated $sys/nohz_full"
echo

echo "== 2. Without a reboot"
echo "a) systemd (cgroup v2): keep everything else on the housekeeping cores:"
for unit in system.slice user.slice init.scope; do
  echo "  sudo systemctl set-property --runtime $unit AllowedCPUs=$hk_list"
done
echo "   and run seamless in a scope that may use every core:"
echo "  sudo systemd-run --scope -p AllowedCPUs=$(cat "$sys/online") --uid=\"\$USER\" scripts/pinned-run.sh ..."
echo "   (undo: the same set-property with AllowedCPUs=$(cat "$sys/online"))"
echo "b) cset (cpuset package): a shield around the dedicated cores, kernel threads moved off:"
echo "  sudo cset shield --cpu $hot_list --kthread on"
echo "  sudo cset shield --exec -- scripts/pinned-run.sh ...      (undo: sudo cset shield --reset)"
echo "c) taskset only: pin seamless and move other busy processes away by hand:"
echo "  taskset -pc $hk_list <pid of a noisy process>"
echo "  (seamless pins its own threads: --cores feed=A,engine=B,broker=C)"
if command -v cset >/dev/null; then echo "   cset: installed"; else echo "   cset: not installed"; fi
echo

echo "== 3. CPU frequency governor (wanted: $governor on $hot_list)"
have_cpufreq=false
for c in "${hot[@]}"; do
  f="$sys/cpu$c/cpufreq/scaling_governor"
  if [[ -r "$f" ]]; then
    have_cpufreq=true
    echo "  cpu$c: $(cat "$f") (available: $(cat "$sys/cpu$c/cpufreq/scaling_available_governors" 2>/dev/null || echo '?'))"
  else
    echo "  cpu$c: no cpufreq interface (a VM, or the firmware owns the frequency)"
  fi
done
if $have_cpufreq; then
  echo "  set: for c in ${hot[*]}; do echo $governor | sudo tee $sys/cpu\$c/cpufreq/scaling_governor; done"
  echo "  (or: sudo cpupower -c $hot_list frequency-set -g $governor)"
fi
echo

echo "== 4. IRQ affinity (wanted: IRQs on $hk_list)"
echo "  default for new IRQs: $(cat /proc/irq/default_smp_affinity 2>/dev/null || echo unknown) (hex mask)"
on_hot=0
total=0
for d in /proc/irq/[0-9]*; do
  [[ -r "$d/smp_affinity_list" ]] || continue
  total=$((total + 1))
  mapfile -t allowed < <(expand "$(cat "$d/smp_affinity_list")")
  for c in "${allowed[@]}"; do
    if [[ -n "${is_hot[$c]:-}" ]]; then on_hot=$((on_hot + 1)); break; fi
  done
done
echo "  $on_hot of $total IRQs may fire on a dedicated core"
echo "  set: for f in /proc/irq/[0-9]*/smp_affinity_list; do echo $hk_list | sudo tee \"\$f\"; done"
echo "       echo $(mask "${housekeeping[@]}") | sudo tee /proc/irq/default_smp_affinity"
if command -v systemctl >/dev/null && systemctl is-active --quiet irqbalance 2>/dev/null; then
  echo "  irqbalance is running and will move IRQs back: sudo systemctl stop irqbalance"
  echo "  (or set IRQBALANCE_BANNED_CPULIST=$hot_list in /etc/default/irqbalance)"
fi
echo

if ! $apply; then
  echo "Nothing was changed. Run again with --apply (as root) to set the governor and move"
  echo "the IRQs now, or apply the kernel parameters above for full isolation."
  exit 0
fi

if ((EUID != 0)); then
  echo "error: --apply needs root (sudo $0 --cores $cores --apply)" >&2
  exit 1
fi
echo "== Applying (runtime only)"
failed=0
if $have_cpufreq; then
  for c in "${hot[@]}"; do
    f="$sys/cpu$c/cpufreq/scaling_governor"
    [[ -w "$f" ]] || continue
    if echo "$governor" >"$f" 2>/dev/null; then
      echo "  cpu$c governor: $(cat "$f")"
    else
      echo "  cpu$c governor: refused ($governor not available?)"
      failed=$((failed + 1))
    fi
  done
fi
moved=0
refused=0
for d in /proc/irq/[0-9]*; do
  [[ -w "$d/smp_affinity_list" ]] || continue
  # Some IRQs (per-CPU timers, managed queues) refuse a new affinity: skip those.
  if echo "$hk_list" >"$d/smp_affinity_list" 2>/dev/null; then
    moved=$((moved + 1))
  else
    refused=$((refused + 1))
  fi
done
echo "  IRQs moved to $hk_list: $moved (refused by the kernel: $refused)"
if mask "${housekeeping[@]}" >/proc/irq/default_smp_affinity 2>/dev/null; then
  echo "  new IRQs default to $hk_list"
else
  echo "  /proc/irq/default_smp_affinity: refused"
  failed=$((failed + 1))
fi
((failed == 0)) || exit 1
