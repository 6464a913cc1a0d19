# SPDX-License-Identifier: GPL-2.0-only
# Scenario module: load and unload; kvm_amd after it, -EBUSY while kvm_amd holds SVM, and again
#@ stage: boot
#@ order: 40
#@ kernel: m

module_guest() {
	insmod_as load1 $M/palacios.ko
	rmmod_as unload1 palacios
	kvm_load kvm_load1
	kvm_run kvm_run1
	insmod_as load_busy $M/palacios.ko
	kvm_run kvm_run2
	rmmod_as kvm_unload kvm_amd
	insmod_as load2 $M/palacios.ko
	rmmod_as unload2 palacios
	insmod_as kvm_load2 $M/kvm-amd.ko
	kvm_run kvm_run3
}

module_checks() {
	local n=$1 k
	for k in load1=ok unload1=ok kvm_load1=ok kvm_run1=ok \
		 "load_busy=fail: .*Device or resource busy" kvm_run2=ok \
		 kvm_unload=ok load2=ok unload2=ok kvm_load2=ok kvm_run3=ok; do
		t "module-${k%%=*}" has "$n" "$k"
	done
	t module-busy-message logged "$n" "palacios: svm is in use by another hypervisor, such as KVM: not loading"
	t module-clean-log clean_log "$n"
	kunit "$n" palacios_host palacios_svm palacios_vm
}
