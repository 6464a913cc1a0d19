# SPDX-License-Identifier: GPL-2.0-only
# Scenario idle: 2-vCPU Linux guests idling in their shell on host CPUs 1 and 0, under Palacios and under kvm_amd: the rig's defect (run by name only)
#@ stage: boot
#@ order: 62
#@ kernel: m
#@ manual: yes
#@ append: pal.idle=3 pal.idle_s=60

# Not part of the suite: it puts a vCPU on host CPU 0 on purpose, which
# QEMU 7.2 does not survive for long ("The rig's defect" in tests/README):
# under Debian's QEMU most of these guests fail within a minute; under a
# QEMU built with tests/rig/qemu-7.2-ignne-race.patch, none.
#   SCENARIOS=idle tests/run boot
#   QEMU=/path/to/patched/qemu-system-x86_64 SCENARIOS=idle tests/run boot

idle_session() {
	linux_type "sleep $idle_s; echo IDLE-DONE" "^IDLE-DONE"
}

idle_guest() {
	local n i
	n=$(sed -n 's/.*pal\.idle=\([0-9]*\).*/\1/p' /proc/cmdline)
	idle_s=$(sed -n 's/.*pal\.idle_s=\([0-9]*\).*/\1/p' /proc/cmdline)
	insmod_as idle_load "$M/palacios.ko"
	for i in $(seq 1 "$n"); do
		cpus=2
		session=idle_session
		linux_session linux-idle boot
		session=
		cpus=
		say "idle_palacios done=$(grep -c '^IDLE-DONE' /tmp/k.out) stopped=$(sed -n 's/.*palacios: vm linux-idle stopped: //p' /tmp/k.out | tr -d '\r')"
		grep -q "^IDLE-DONE" /tmp/k.out || tail -n 40 /tmp/k.out | sed 's/^/KIDLE| /'
	done
	rmmod_as idle_unload palacios
	kvm_load idle_kvm_load
	for i in $(seq 1 "$n"); do
		vmm_shell "sleep $idle_s; echo IDLE-DONE" "^IDLE-DONE" \
			$((idle_s * 10 + 300)) \
			/bin/kvm-linux -c 2 -k /guest/bzImage -i /guest/initrd.cpio.gz \
			-m 128 -p "console=ttyS0 panic=-1 guest.shell"
		say "idle_kvm done=$(grep -c '^IDLE-DONE' /tmp/s.out) oops=$(grep -c 'Oops\|BUG:\|Kernel panic' /tmp/s.out)"
	done
}

idle_checks() {
	local n=$1
	t idle-palacios-survives has "$n" "idle_palacios done=1 stopped=shutdown"
	t idle-kvm-survives has "$n" "idle_kvm done=1 oops=0"
	text "$(serial "$n")" | grep "^PALTEST: idle_" | sed 's/^PALTEST: /    (/; s/$/)/'
}
