# SPDX-License-Identifier: GPL-2.0-only
# Scenario vmx_smp: by hand only: two Bochs Skylake CPUs, the 2-vCPU Linux guest's vCPUs on both (tests/README: Bochs with two CPUs does not power off)
#@ stage: boot
#@ order: 96
#@ kernel: m
#@ manual: yes

vmx_smp_run() {
	t "$1-initrd" vmx_initrd "$2" || return
	t "$1" "$top/tests/lib/bochs-boot.sh" --timeout "${VMX_SMP_TIMEOUT:-900}" \
		--smp 2 "$2/bzImage" "$B/initrd-vmx.cpio.gz" "$B/$1.serial" \
		pal.test=vmx_smp
}

# Each VMCS is set up by the creating thread on one CPU and made current
# on its vCPU's CPU
vmx_smp_guest() {
	insmod_as smp_load $M/palacios.ko
	cpus=2 linux_session vmx-smp boot
	grep -E "^GUEST: |smpboot|^palacios: vm |Kernel panic|BUG|Oops" \
		/tmp/k.out | sed "s/^/PALTEST: vmxs| /" | tail -n 20
	rmmod_as smp_unload palacios
	vmx_log
}

vmx_smp_checks() {
	local n=$1
	t vmx-smp-placed logged "$n" "palacios: vm vmx-smp: running (128 MiB, 2 vCPUs on host CPUs \(0,1\|1,0\))"
	vmx_linux_checks "$n" vmx-smp vmxs
	t vmx-smp-unload has "$n" "smp_unload=ok"
	t vmx-smp-clean-log vmx_clean "$n"
}
