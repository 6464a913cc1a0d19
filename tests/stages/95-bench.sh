# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# stage: exit costs and a Linux boot in Palacios and kvm_amd (figures, not timed tests), on a quiet machine: last

stage_bench() {
	stage "benchmark: exit costs of Palacios and KVM (figures, not timed tests)"
	need_tree bench || return
	if [ -z "${RECHECK-}" ] &&
		{ [ ! -f "$B/initrd-m.cpio.gz" ] || [ ! -f "$B/guests/hello.img" ]; }; then
		need_initrds bench m || return
	fi
	run_scenarios bench
}
