# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# stage: the host under QEMU TCG with emulated SVM: the boot scenarios (tests/scenarios/)

stage_boot() {
	stage "booting the host under QEMU TCG with emulated SVM"
	t scenarios-parse scenarios_parse
	need_tree boot || return
	[ -n "${RECHECK-}" ] || need_initrds boot y m || return
	run_scenarios boot
}
