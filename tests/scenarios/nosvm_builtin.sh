# SPDX-License-Identifier: GPL-2.0-only
# Scenario nosvm_builtin: a CPU without SVM: the built-in VMM says it is not running, and the host boots clean
#@ stage: boot
#@ order: 91
#@ kernel: y
#@ cpu: qemu64,-svm

nosvm_builtin_guest() {
	:
}

nosvm_builtin_checks() {
	local n=$1
	t nosvm-builtin-hook logged "$n" "palacios: boot: the VMM is not running"
	t nosvm-builtin-clean-log clean_log "$n"
}
