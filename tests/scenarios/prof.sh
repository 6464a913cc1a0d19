# SPDX-License-Identifier: GPL-2.0-only
# Scenario prof: by hand only: a guest (PROF_IMG, bench by default) under Palacios, with the host's symbols, for the exit path's profile (tests/README)
#@ stage: boot
#@ order: 99
#@ kernel: m
#@ manual: yes

# The symbols first, then a quiet host: the serial port's interrupts stay
# out of the guest's run
prof_guest() {
	local img
	insmod_as prof_load "$M/palacios.ko"
	grep -i " t " /proc/kallsyms | sed 's/^/PALTEST: ksym /'
	sleep 3
	img=$(sed -n 's/.*prof\.img=\([a-z0-9_-]*\).*/\1/p' /proc/cmdline)
	/bin/palacios run -m 16M "$G/${img:-bench}.img" </dev/null >/tmp/g.out 2>&1
	say "prof_rc=$?"
	sleep 1
	head -n 10 /tmp/g.out | sed 's/^/PALTEST: profg| /'
	rmmod_as prof_unload palacios
}

prof_run() {
	t "$1" boot "$1" "$2" qemu64,+svm,+npt prof "prof.img=${PROF_IMG:-bench}" \
		kunit.enable=0
}

prof_checks() {
	t prof-ran has "$1" "prof_rc=0"
}
