# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# stage: a KASAN, UBSAN, lockdep and kmemleak kernel runs the debug scenario

build_debug() {
	local DO=$B/out-debug
	"$top/tests/lib/kconfig.sh" "$T" "$DO" "$FRAG/host.config" "$FRAG/debug.config" &&
	kmake "$T" "$DO" bzImage modules &&
	mkdir -p "$IMG/debug" && cp "$DO/arch/x86/boot/bzImage" \
		"$DO/System.map" "$DO/virt/lib/irqbypass.ko" "$DO/arch/x86/kvm/kvm.ko" \
		"$DO/arch/x86/kvm/kvm-amd.ko" "$IMG/debug/"
}

# debug_build_start: build the debug kernel in the background, at the
# lowest priority, while the boot stage runs: the boots leave a CPU idle
# often enough (guests asleep, scripts waiting for a prompt) for it to
# take most of its time from there, and the boots are checked on a busy
# machine, as they must pass on one
debug_build_start() {
	[ -f "$T/drivers/virt/palacios/Kconfig" ] || return
	rm -rf "$IMG/debug"
	echo "    (the debug kernel builds in the background meanwhile)"
	debug_t0=$(date +%s)
	(renice -n 19 -p "$BASHPID" >/dev/null; build_debug) \
		>"$L/build-debug.log" 2>&1 &
	debug_pid=$!
}

stage_debug() {
	local rc=0
	stage "debug kernel: KASAN, UBSAN, lockdep, kmemleak"
	need_tree debug || return
	if [ -n "${RECHECK-}" ]; then
		run_scenarios debug
		return
	fi
	if [ -n "${debug_pid-}" ]; then
		wait "$debug_pid" || rc=$?
		echo "    (debug build: $(($(date +%s) - debug_t0))s since it started, in the background)"
		if [ $rc = 0 ]; then ok build-debug; else ko build-debug; fi
		debug_pid=
	else
		SECONDS=0
		t build-debug build_debug
		echo "    (debug build: ${SECONDS}s)"
	fi
	need_initrds debug debug || return
	run_scenarios debug
}
