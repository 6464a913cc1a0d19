# SPDX-License-Identifier: GPL-2.0-only
# Scenario smp4: a 4-vCPU Linux guest on a host of 5 CPUs, each vCPU on a CPU of its own, to its shell and powered off
#@ stage: boot
#@ order: 65
#@ kernel: m
#@ smp: 5

# CPU 0 runs no vCPU: see "The rig's defect" in tests/README.

smp4_guest() {
	local p0
	insmod_as smp4_load "$M/palacios.ko"
	p0=$(pages_held)
	cpus=4
	linux_session linux-smp4 boot
	cpus=
	say "smp4 cpus=$(sed -n 's/^GUEST: cpus=//p' /tmp/k.out | tr -d '\r') stopped=$(sed -n 's/.*palacios: vm linux-smp4 stopped: //p' /tmp/k.out | tr -d '\r') placed=$(placed linux-smp4)"
	grep -q "GUEST: shell ready" /tmp/k.out || sed 's/^/KSMP4| /' /tmp/k.out
	say "smp4_pages_back=$([ -n "$p0" ] && [ "$p0" = "$(pages_held)" ] && echo yes || echo "no: $p0 at load, $(pages_held) at the end")"
	rmmod_as smp4_unload palacios
}

smp4_checks() {
	local n=$1
	t smp4-host-cpus logged "$n" "PALTEST: test=smp4 cpus=5 "
	t smp4-load has "$n" "smp4_load=ok"
	t smp4-guest has "$n" "smp4 cpus=4 stopped=shutdown placed=1,2,3,4"
	t smp4-unload has "$n" "smp4_unload=ok"
	t smp4-pages-returned has "$n" "smp4_pages_back=yes"
	t smp4-clean clean_log "$n"
}
