#!/usr/bin/env bash
# tmux-console.sh - type at the Linux guest's interactive console as a
# person would: the demo's interactive end (pal.test=demo pal.interactive),
# booted by qemu-boot.sh --interactive in a detached tmux session, driven
# with tmux send-keys and read back with capture-pane.
#
# Usage: tmux-console.sh KERNEL INITRD LOGFILE
#
# Prints one "TMUX: ok NAME" or "TMUX: not ok NAME" line per check, and
# keeps the screen as LOGFILE.screen.  Exit status: 0 if every check
# passed.
set -uo pipefail

die() { echo "tmux-console.sh: error: $*" >&2; exit 2; }
[[ $# -eq 3 ]] || die "usage: tmux-console.sh KERNEL INITRD LOGFILE"
kernel=$1 initrd=$2 log=$3
command -v tmux >/dev/null || die "tmux not found (apt-get install tmux)"
here=$(cd "$(dirname "$0")" && pwd)
s=palacios-console-$$
failed=0

screen() { tmux capture-pane -p -J -S -5000 -t "$s" 2>/dev/null | tr -d '\r'; }
# wait_for NAME SECONDS REGEX: a check that the screen shows REGEX in time
wait_for() {
	local name=$1 left=$2 re=$3
	while [[ $left -gt 0 ]]; do
		if screen | grep -qE -- "$re"; then
			echo "TMUX: ok $name"
			return 0
		fi
		sleep 1
		left=$((left - 1))
	done
	echo "TMUX: not ok $name (expected /$re/ on the screen within $2 s; it ends with: $(screen | grep -v '^$' | tail -n 4 | tr '\n' '|'); whole screen: $log.screen)"
	failed=1
	return 1
}
keys() { tmux send-keys -t "$s" "$@"; }
# type TEXT: type a line and press Enter, a key at a time
type_line() { keys -l "$1"; keys Enter; }

cleanup() {
	screen >"$log.screen"
	tmux kill-session -t "$s" 2>/dev/null
}
trap cleanup EXIT

tmux new-session -d -s "$s" -x 200 -y 50 \
	"'$here/qemu-boot.sh' --interactive --timeout 900 '$kernel' '$initrd' '$log' pal.test=demo pal.interactive palacios.guest=/guests/hello.img; echo QEMU-EXIT-\$?; sleep 3600" ||
	die "cannot start tmux"

wait_for boot-to-guest-shell 300 'GUEST: shell ready' || exit 1
sleep 2
type_line 'echo TYPED-$((6 * 7))'
wait_for typed-command 30 '^TYPED-42$'
# line editing: a backspace, then Ctrl-u kills the line
keys -l 'echo abx'; keys BSpace; keys -l 'c'; keys Enter
wait_for backspace 30 '^abc$'
keys -l 'garbage'; keys C-u; type_line 'echo KILLED-LINE'
wait_for ctrl-u 30 '^KILLED-LINE$'
# Ctrl-c reaches the guest's shell and interrupts its foreground job
# (the sleep runs once SLEEPING shows, however slow the machine)
type_line 'echo SLEEPING; sleep 300; echo NOT-INTERRUPTED'
wait_for sleep-started 30 '^SLEEPING$'
sleep 1
keys C-c
type_line 'echo INTERRUPTED'
wait_for ctrl-c 30 '^INTERRUPTED$'
# Ctrl-a x detaches to the host's shell; "palacios console" attaches again
keys C-a; keys -l 'x'
wait_for detach 30 "The host's shell"
sleep 1
type_line 'palacios list'
wait_for list-running 30 '^linux +.*running'
type_line 'palacios console linux'
sleep 2
type_line 'echo BACK-$((1 + 1))'
wait_for reattach 30 '^BACK-2$'
type_line 'poweroff -f'
wait_for poweroff 60 'stopped: shutdown'
sleep 1
type_line 'exit'
wait_for host-powers-off 60 '^QEMU-EXIT-0$'
if screen | grep -q '^NOT-INTERRUPTED'; then
	echo "TMUX: not ok ctrl-c-killed-sleep"
	failed=1
else
	echo "TMUX: ok ctrl-c-killed-sleep"
fi
exit $failed
