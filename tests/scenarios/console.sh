# SPDX-License-Identifier: GPL-2.0-only
# Scenario console: a person at the Linux guest's console, typing through tmux (tests/lib/tmux-console.sh)
#@ stage: boot
#@ order: 70
#@ kernel: y

# tmux-console.sh boots the demo's interactive end (pal.test=demo
# pal.interactive, demo_guest in demo.sh) and types at it

console_run() {
	"$top/tests/lib/tmux-console.sh" "$2/bzImage" "$B/initrd-y.cpio.gz" \
		"$(serial "$1")" >"$L/console-tmux.log" 2>&1
}

console_checks() {
	script_results TMUX console-tmux "$L/console-tmux.log"
}
