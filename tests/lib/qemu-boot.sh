#!/usr/bin/env bash
# qemu-boot.sh - boot a kernel + initramfs under QEMU TCG, headless, log the serial console.
#
# Usage:
#   qemu-boot.sh [--cpu MODEL] [--smp N] [--mem M] [--timeout SECONDS]
#                [--qemu-arg ARG]... [--echo | --interactive]
#                [--com1-socket PATH] [--com2-socket PATH]
#                KERNEL INITRD LOGFILE [APPEND...]
#
#   --cpu MODEL        QEMU -cpu value          (default qemu64,+svm,+npt)
#   --smp N            number of vCPUs          (default 2)
#   --mem M            QEMU -m value            (default 1536M)
#   --timeout SECONDS  kill QEMU after this long (default 600)
#   --qemu-arg ARG     extra QEMU argument, repeatable (e.g. --qemu-arg -icount
#                      --qemu-arg shift=0)
#   --echo             also copy the console to stdout while the guest runs
#   --interactive      the console is this terminal, both ways (and still
#                      logged to LOGFILE); Ctrl-a and Ctrl-c go to the guest
#   --com1-socket PATH the console (COM1) is a Unix socket that QEMU listens
#                      on, still logged to LOGFILE; QEMU starts once a
#                      client has connected
#   --com2-socket PATH add COM2 (0x2f8, IRQ 3) as such a socket, logged to
#                      LOGFILE.com2; QEMU waits for it after COM1
#   KERNEL             bzImage
#   INITRD             initramfs (see mkinitramfs.sh); its /init should end
#                      with `poweroff -f`
#   LOGFILE            receives the whole serial console (ttyS0) output
#   APPEND...          kernel command line words. "console=ttyS0" is added if
#                      no console= is given, "panic=-1" if no panic= is given
#                      (a panic then resets the guest and -no-reboot ends QEMU
#                      at once instead of waiting for the timeout).
#                      "log_buf_len=1M" if none is given: the checks read
#                      the whole kernel log (dmesg) at the end, which the
#                      default 128 KiB buffer does not keep when a guest
#                      logs a lot (the flood guest, 13 boot-time guests).
#
# QEMU's monitor listens on a Unix socket: $QEMU_MONITOR if set, else a
# temporary one (removed when QEMU ends).
#
# QEMU runs with -accel tcg (or $QEMU_ACCEL, e.g. tcg,thread=single) -nodefaults -display none -no-reboot, the serial
# port going to LOGFILE (-serial file:) and stdin from /dev/null, so it works
# without a terminal (CI).
#
# Exit status:
#   0    the guest powered off ("reboot: Power down", the log's last line)
#   3    the kernel panicked ("Kernel panic" in the log)
#   4    QEMU ended without a power-off (guest reset / triple fault)
#   124  timeout: QEMU was killed.  Before, tests/lib/qemu-dump.py asks QEMU's
#        monitor where each CPU is (halted or not, its function, the kernel
#        functions on its stack, its local APIC; named from System.map and
#        the modules' .ko files beside KERNEL) and this prints that summary,
#        how busy QEMU itself was, and the end of the serial log; the
#        summary is kept in LOGFILE.hang, the whole dump in LOGFILE.hang.full.
#   other: QEMU failed to start or crashed (its stderr is printed)
set -euo pipefail

die() { echo "qemu-boot.sh: error: $*" >&2; exit 2; }

cpu='qemu64,+svm,+npt'; smp=2; mem=1536M; tmo=600; echo_console=0
interactive=0 com1_sock= com2_sock=
extra=()
while [[ $# -gt 0 ]]; do
	case $1 in
	--cpu) [[ $# -ge 2 ]] || die "--cpu needs a value"; cpu=$2; shift 2 ;;
	--smp) [[ $# -ge 2 ]] || die "--smp needs a value"; smp=$2; shift 2 ;;
	--mem) [[ $# -ge 2 ]] || die "--mem needs a value"; mem=$2; shift 2 ;;
	--timeout) [[ $# -ge 2 ]] || die "--timeout needs a value"; tmo=$2; shift 2 ;;
	--qemu-arg) [[ $# -ge 2 ]] || die "--qemu-arg needs a value"; extra+=("$2"); shift 2 ;;
	--echo) echo_console=1; shift ;;
	--interactive) interactive=1; shift ;;
	--com1-socket) [[ $# -ge 2 ]] || die "--com1-socket needs a path"; com1_sock=$2; shift 2 ;;
	--com2-socket) [[ $# -ge 2 ]] || die "--com2-socket needs a path"; com2_sock=$2; shift 2 ;;
	--) shift; break ;;
	-h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	-*) die "unknown option $1 (see --help)" ;;
	*) break ;;
	esac
done
[[ $# -ge 3 ]] || die "usage: qemu-boot.sh [options] KERNEL INITRD LOGFILE [APPEND...]"
kernel=$1; initrd=$2; log=$3; shift 3
[[ -f $kernel ]] || die "kernel not found: $kernel"
[[ -f $initrd ]] || die "initrd not found: $initrd"
[[ $smp =~ ^[0-9]+$ && $smp -ge 1 ]] || die "--smp must be a positive integer"
[[ $tmo =~ ^[0-9]+$ && $tmo -ge 1 ]] || die "--timeout must be a positive integer (seconds)"
[[ -d $(dirname -- "$log") ]] || die "log directory $(dirname -- "$log") does not exist"
qemu=${QEMU:-qemu-system-x86_64}
command -v "$qemu" >/dev/null || die "$qemu not found (apt-get install qemu-system-x86)"

append="$*"
[[ " $append" == *" console="* ]] || append="console=ttyS0 $append"
[[ " $append" == *" panic="* ]] || append="$append panic=-1"
[[ " $append" == *" log_buf_len="* ]] || append="$append log_buf_len=1M"
read -r -a words <<<"$append"; append="${words[*]}"   # squeeze blanks

rm -f -- "$log" "$log.hang" "$log.hang.full"
rc=0
errf=$(mktemp)
# QEMU's monitor, for tests/lib/qemu-dump.py (and for "info lapic" by hand
# at $QEMU_MONITOR, if set)
mon=${QEMU_MONITOR:-$(mktemp -u "${TMPDIR:-/tmp}/qemu-mon.XXXXXX")}
rm -f -- "$mon"
tailpid=
cleanup() {
	[[ -z $tailpid ]] || kill "$tailpid" 2>/dev/null || true
	rm -f -- "$errf" "$mon"
}
trap cleanup EXIT

cmd=("$qemu" -accel "${QEMU_ACCEL:-tcg}" -cpu "$cpu" -smp "$smp" -m "$mem"
	-nodefaults -no-user-config -display none -no-reboot
	-serial "file:$log" -monitor "unix:$mon,server=on,wait=off"
	-kernel "$kernel" -initrd "$initrd" -append "$append" "${extra[@]}")

if [[ -n $com1_sock ]]; then
	rm -f -- "$com1_sock"
	cmd=("${cmd[@]/#file:$log/chardev:com1}"
	     -chardev "socket,id=com1,path=$com1_sock,server=on,wait=on,logfile=$log")
fi
if [[ -n $com2_sock ]]; then
	rm -f -- "$com2_sock" "$log.com2"
	cmd+=(-chardev "socket,id=com2,path=$com2_sock,server=on,wait=on,logfile=$log.com2"
	      -serial chardev:com2)
fi

if [[ $interactive == 1 ]]; then
	[[ -t 0 && -t 1 ]] || die "--interactive needs a terminal"
	# No mux and no signals: every key, Ctrl-a and Ctrl-c too, reaches
	# the machine's serial port.
	cmd=("${cmd[@]/#file:$log/chardev:con}"
	     -chardev "stdio,id=con,mux=off,signal=off,logfile=$log")
	timeout --foreground -k 10 "$tmo" "${cmd[@]}" 2>"$errf" || rc=$?
	stty sane 2>/dev/null || true
	[[ -s $errf ]] && sed 's/^/qemu-boot.sh: qemu: /' "$errf" >&2
	exit "$rc"
fi

if [[ $echo_console == 1 ]]; then
	: > "$log"
	tail -n +1 -F "$log" 2>/dev/null &
	tailpid=$!
fi

start=$(date +%s.%N)
# `timeout` moves itself into its own process group, so a caller killing this
# script (or its process group) would leave QEMU running until the timeout:
# forward INT/TERM/HUP to it explicitly.  The watchdog below stops a hung
# machine after $tmo s, once it has asked QEMU where the CPUs are; `timeout`
# only backs it up, should the monitor not answer.
timeout -k 10 "$((tmo + 120))" "${cmd[@]}" </dev/null >"$errf" 2>&1 &
qpid=$!

# qemu_busy: the CPU time QEMU used in the last 2 s, in percent of one
# host CPU (QEMU spinning or waiting, while its machine made no progress)
qemu_busy() {
	local pid t1 t2
	pid=$(pgrep -P "$qpid" | head -n 1) || true
	[[ -n $pid ]] || { echo "?"; return; }
	t1=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
	sleep 2
	t2=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
	echo $(((t2 - t1) * 100 / (2 * $(getconf CLK_TCK))))
}

watchdog() {
	local i
	for ((i = 0; i < tmo; i++)); do
		sleep 1
		kill -0 "$qpid" 2>/dev/null || return 0
	done
	{
		echo "QEMU used $(qemu_busy)% of a host CPU in the last 2 s"
		"$(dirname "$0")/qemu-dump.py" "$mon" "$(dirname -- "$kernel")" \
			"$log" "$log.hang.full" 2>&1 || true
		echo "(whole dump: $log.hang.full)"
	} >"$log.hang.tmp"
	mv "$log.hang.tmp" "$log.hang"
	kill -TERM "$qpid" 2>/dev/null
}
watchdog &
wpid=$!

on_signal() {
	kill "$wpid" 2>/dev/null || true
	kill -TERM "$qpid" 2>/dev/null || true
	wait "$qpid" 2>/dev/null || true
	echo "qemu-boot.sh: interrupted, QEMU stopped (log: $log)" >&2
	exit 130
}
trap on_signal INT TERM HUP
wait "$qpid" || rc=$?
wait "$wpid" 2>/dev/null || true
trap - INT TERM HUP
secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
if [[ -n $tailpid ]]; then sleep 0.3; kill "$tailpid" 2>/dev/null || true; wait "$tailpid" 2>/dev/null || true; tailpid=; fi

if [[ -f $log.hang || $rc == 124 || $rc == 137 ]]; then
	echo "qemu-boot.sh: TIMEOUT: guest still running after ${tmo}s, QEMU killed (log: $log)" >&2
	[[ -f $log.hang ]] && sed 's/^/qemu-boot.sh: hang: /' "$log.hang" >&2
	echo "qemu-boot.sh: the serial log ends:" >&2
	tr -d '\r' <"$log" | grep -v '^[[:space:]]*$' | tail -n 8 |
		sed 's/^/qemu-boot.sh: serial: /' >&2
	exit 124
fi
if [[ $rc != 0 ]]; then
	cat "$errf" >&2
	echo "qemu-boot.sh: QEMU failed with exit status $rc after ${secs}s (command: ${cmd[*]})" >&2
	exit "$rc"
fi
[[ -s $errf ]] && sed 's/^/qemu-boot.sh: qemu: /' "$errf" >&2
# The host's own power-off is the last line it prints: a guest's (shown on
# the host's console) comes earlier, or with a prefix.  A host that powered
# off did not panic, whatever its guests printed: a guest's console shown on
# the host's has a prefix, but a host message written in the middle of such
# a line leaves the rest of it at the start of a line of its own.
if tr -d '\r' <"$log" | grep -v '^[[:space:]]*$' | tail -n 1 |
	grep -q '^\[ *[0-9.]*\] reboot: Power down$'; then
	echo "qemu-boot.sh: guest powered off after ${secs}s (log: $log)" >&2
	exit 0
fi
panic_re='^\[ *[0-9.]*\] Kernel panic'
if grep -q "$panic_re" "$log" 2>/dev/null; then
	echo "qemu-boot.sh: KERNEL PANIC after ${secs}s: $(grep -m1 "$panic_re" "$log" | tr -d '\r')" >&2
	exit 3
fi
echo "qemu-boot.sh: guest ended without powering off (reset or triple fault?) after ${secs}s (log: $log)" >&2
exit 4
