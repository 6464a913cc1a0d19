# SPDX-License-Identifier: GPL-2.0-only
# Scenario nosvm_module: a CPU without SVM: the module refuses with -ENODEV and one line
#@ stage: boot
#@ order: 90
#@ kernel: m
#@ cpu: qemu64,-svm

nosvm_module_guest() {
	insmod_as load_nosvm $M/palacios.ko
}

nosvm_module_checks() {
	local n=$1
	t nosvm-module-enodev has "$n" "load_nosvm=fail: .*No such device"
	t nosvm-module-message logged "$n" "palacios: no usable hardware virtualisation on this CPU"
}
