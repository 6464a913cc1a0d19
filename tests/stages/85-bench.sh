# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# stage: exit costs and a Linux boot in Palacios and kvm_amd (figures, not timed tests)

stage_bench() {
	stage "benchmark: exit costs of Palacios and KVM (figures, not timed tests)"
	need_tree bench || return
	[ -f "$B/initrd-m.cpio.gz" ] && [ -f "$B/guests/hello.img" ] ||
		need_initrds bench m || return
	run_scenarios bench
}
