# SPDX-License-Identifier: GPL-2.0-only
# Scenario builtin: Palacios built in: SVM found and enabled on both CPUs, KUnit suites, kvm_amd kept out
#@ stage: boot
#@ order: 10
#@ kernel: y

builtin_guest() {
	# Palacios is built in: its boot lines and KUnit results are in the
	# log already.  kvm_amd must not be able to take SVM from it.
	kvm_load kvm_load
}

builtin_checks() {
	local n=$1
	t builtin-svm-features logged "$n" "palacios: svm: AMD SVM revision .* ASIDs; has: .*npt"
	t builtin-svm-enabled logged "$n" "palacios: svm enabled on 2 CPUs"
	t builtin-boot-hook logged "$n" "palacios: boot: VMM ready (svm on 2 CPUs)"
	t builtin-kvm-refused has "$n" "kvm_load=fail"
	t builtin-clean-log clean_log "$n"
	kunit "$n" palacios_host palacios_svm palacios_vm
}
