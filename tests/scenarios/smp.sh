# SPDX-License-Identifier: GPL-2.0-only
# Scenario smp: 2-vCPU Linux guests booted and powered off in turn: a figure, not a test (see the README)
#@ stage: boot
#@ order: 60
#@ kernel: m
#@ append: pal.smp=10

# Two vCPUs: brought up by INIT and SIPI, to the shell, powered off
smp_smoke() {
	cpus=2
	linux_session linux-smp boot
	cpus=
	say "smp_smoke cpus=$(sed -n 's/^GUEST: cpus=//p' /tmp/k.out | tr -d '\r') stopped=$(sed -n 's/^palacios: vm linux-smp stopped: //p' /tmp/k.out | tr -d '\r')"
}

smp_guest() {
	local n i
	# pal.smp=N guests of 2 vCPUs booted and powered off in turn; the
	# whole console of one that did not power off
	insmod_as smp_load "$M/palacios.ko"
	n=$(sed -n 's/.*pal\.smp=\([0-9]*\).*/\1/p' /proc/cmdline)
	for i in $(seq 1 "${n:-1}"); do
		smp_smoke
		grep -q "stopped: shutdown" /tmp/k.out || sed 's/^/KSMP| /' /tmp/k.out
	done
	rmmod_as smp_unload palacios
}

# A figure while 2-vCPU guests are known to fail now and then: the boot
# is not a test either
smp_run() {
	QEMU_MEM=1536M boot "$1" "$2" qemu64,+svm,+npt smp pal.smp=10 \
		>"$L/$1.log" 2>&1
}

smp_checks() {
	local log
	log=$(serial "$1")
	echo "    (2 vCPUs: $(text "$log" | grep -c "^PALTEST: smp_smoke cpus=2 stopped=shutdown") of 10 guests reached their shell and powered off;" \
		"host: $(grep -q "^PALTEST: smp_unload=ok" "$(clean "$log")" &&
			echo survived || echo "did not finish: $(tail -n 1 "$L/$1.log")"))"
	text "$log" | grep "^PALTEST: smp_smoke" |
		grep -v "cpus=2 stopped=shutdown" | sed 's/^PALTEST: /    (failed: /; s/$/)/'
}
