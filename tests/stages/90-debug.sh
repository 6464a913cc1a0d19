# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# stage: a KASAN, UBSAN, lockdep and kmemleak kernel runs the debug scenario

build_debug() {
	local DO=$B/out-debug
	"$top/tests/lib/kconfig.sh" "$T" "$DO" "$FRAG/host.config" "$FRAG/debug.config" &&
	kmake "$T" "$DO" bzImage modules &&
	mkdir -p "$IMG/debug" && cp "$DO/arch/x86/boot/bzImage" \
		"$DO/virt/lib/irqbypass.ko" "$DO/arch/x86/kvm/kvm.ko" \
		"$DO/arch/x86/kvm/kvm-amd.ko" "$IMG/debug/"
}

stage_debug() {
	stage "debug kernel: KASAN, UBSAN, lockdep, kmemleak"
	need_tree debug || return
	SECONDS=0
	t build-debug build_debug
	echo "    (debug build: ${SECONDS}s)"
	need_initrds debug debug || return
	run_scenarios debug
}
