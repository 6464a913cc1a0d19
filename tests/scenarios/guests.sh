# SPDX-License-Identifier: GPL-2.0-only
# Scenario guests: boot-time guests from the command line: well-behaved, hostile, refused; pages returned
# (all on host CPU 1, affinity=1: with vCPUs on CPU 1, QEMU 7.2's TCG can
# undo CPU 0's world switches, "The rig's defect" in tests/README)
#@ stage: boot
#@ order: 20
#@ kernel: y
#@ mem: 3G
#@ append: palacios.affinity=1 palacios.guest=/guests/hello.img,/guests/memtest.img,/guests/triple.img,/guests/unbacked.img,/guests/badmsr.img,/guests/badport.img,/guests/wbinvd.img,/guests/cr4.img,/guests/flood.img,/guests/mmio.img,/guests/mmiobad.img,/guests/dbtrap.img,/guests/acloop.img,/guests/missing.img,/guests/garbage.img,/guests/hello.img@64G pal.nguests=16

# wait_cmdline_guests: wait for the pal.nguests= guests to be freed
wait_cmdline_guests() {
	local n
	n=$(sed -n 's/.*pal\.nguests=\([0-9]*\).*/\1/p' /proc/cmdline)
	[ -n "$n" ] && wait_guests "$n" 240
}

guests_guest() {
	wait_cmdline_guests
}

# guest_checks BOOT: how the test guests of the command line ended
guest_checks() {
	local n=$1
	t "$n-hello-pass" logged "$n" "palacios: hello> hello: PASS"
	t "$n-hello-exit" logged "$n" "palacios: vm hello: stopped: exited with code 0"
	t "$n-triple-fault" logged "$n" "palacios: vm triple: stopped: triple fault (shutdown)"
	t "$n-unbacked-stopped" logged "$n" "palacios: vm unbacked: stopped: access to unbacked guest-physical address 0xc0001000"
	t "$n-badmsr-gp" logged "$n" "palacios: badmsr> badmsr: PASS got #GP x2"
	t "$n-badmsr-logged" logged "$n" "palacios: vm badmsr: read of unknown MSR 0xdeadbeef: #GP to the guest"
	t "$n-badport-all-ones" logged "$n" "palacios: badport> badport: PASS"
	# hostile: #DB storms and breakpoints, WBINVD, RDPMC, RDPRU
	t "$n-dbtrap-regs-own" logged "$n" "palacios: dbtrap> dbtrap: DR0-DR3 read 0, then what was written"
	t "$n-dbtrap-breakpoints" logged "$n" "palacios: dbtrap> dbtrap: breakpoint hits 1000 of 1000 calls"
	t "$n-dbtrap-pass" logged "$n" "palacios: dbtrap> dbtrap: PASS"
	t "$n-dbtrap-exit" logged "$n" "palacios: vm dbtrap: stopped: exited with code 0"
	# the #AC loop (CVE-2015-5307) needs a CPU that checks alignment:
	# QEMU's TCG raises no #AC, which the guest reports (see security.rst)
	t "$n-acloop-begins" logged "$n" "palacios: acloop> acloop: the loop begins"
	t "$n-acloop-no-ac" logged "$n" "palacios: acloop> acloop: no #AC: this CPU does not check alignment"
	t "$n-acloop-exit" logged "$n" "palacios: vm acloop: stopped: exited with code 2"
	t "$n-wbinvd-rdpmc-gp" logged "$n" "palacios: wbinvd> wbinvd: rdpmc raised #GP"
	t "$n-wbinvd-rdpru-ud" logged "$n" "palacios: wbinvd> wbinvd: rdpru raised #UD"
	t "$n-wbinvd-pass" logged "$n" "palacios: wbinvd> wbinvd: PASS"
	t "$n-wbinvd-exit" logged "$n" "palacios: vm wbinvd: stopped: exited with code 0"
	t "$n-cr4-osxsave-gp" logged "$n" "palacios: cr4> cr4: OSXSAVE: #GP"
	t "$n-cr4-pass" logged "$n" "palacios: cr4> cr4: PASS"
	t "$n-cr4-exit" logged "$n" "palacios: vm cr4: stopped: exited with code 0"
	t "$n-pages-returned" pages_returned "$n"
	t "$n-clean-log" clean_log "$n"
}

# flood_bounded BOOT: of the flood guest's 2001 lines, the log kept the
# first 500 and at most 50 a second after them while the guest ran (from
# "running" to "stopped" in the log), and says how many it dropped
flood_bounded() {
	local kept dropped log secs max
	# once each: the whole kernel log as /init printed it at the end
	log=$(text "$(serial "$1")" |
		sed -n '/^PALTEST: dmesg begin/,/^PALTEST: dmesg end/p')
	kept=$(echo "$log" | grep -c "palacios: flood> ")
	dropped=$(echo "$log" |
		sed -n 's/.*vm flood: \([0-9]*\) of its console lines dropped.*/\1/p' |
		awk '{ s += $1 } END { print s + 0 }')
	secs=$(echo "$log" | awk '
		/vm flood: running/ { a = substr($2, 1, length($2) - 1) }
		/vm flood: stopped/ { b = substr($2, 1, length($2) - 1) }
		END { printf "%d", b - a + 1.999 }')
	max=$((500 + 50 * secs))
	# the kernel log must hold the whole run (log_buf_len, qemu-boot.sh)
	# (grep -c reads it all: "echo | grep -q" fails under pipefail when
	# grep quits before echo has written a log longer than a pipe holds)
	if [ "$(echo "$log" | grep -c "vm flood: running")" = 0 ]; then
		echo "expected the kernel log to hold the flood guest's whole run"
		echo "saw no 'vm flood: running' in dmesg: the log buffer wrapped (log: $(serial "$1"))"
		return 1
	fi
	echo "expected 500 to $max of the flood guest's 2001 lines in the log (it ran for less than $secs s), and the rest counted as dropped"
	echo "saw $kept kept, $dropped dropped (log: $(serial "$1"))"
	[ "$kept" -ge 500 ] && [ "$kept" -le "$max" ] &&
		[ $((kept + dropped)) -eq 2001 ]
}

# nguests SCENARIO: the pal.nguests= of the scenario's command line
nguests() {
	sc_conf "$1" append | sed -n 's/.*pal\.nguests=\([0-9]*\).*/\1/p'
}

guests_checks() {
	local n=$1 ng
	ng=$(nguests guests)
	t guests-all-done has "$n" "guests_done=$ng of $ng"
	# device memory by every form the VMM emulates, and one it does not
	t guests-mmio-pass logged "$n" "palacios: mmio> mmio: PASS"
	t guests-mmio-exit logged "$n" "palacios: vm mmio: stopped: exited with code 0"
	t guests-mmiobad-forms logged "$n" "palacios: mmiobad> mmiobad: every form as expected"
	# (the decoder knows no MUL: an NPF exit, 0x400, it cannot decode)
	t guests-mmiobad-stopped logged "$n" "palacios: vm mmiobad: stopped: cannot decode the instruction at RIP 0x[0-9a-f]* (an MMIO access)"
	# a guest that floods its console, which is the host's log
	t guests-flood-exit logged "$n" "palacios: vm flood: stopped: exited with code 0"
	t guests-flood-dropped logged "$n" "palacios: vm flood: [0-9]* of its console lines dropped (more than 50 a second)"
	t guests-flood-bounded flood_bounded "$n"
	guest_checks "$n"
	t guests-memtest-2g logged "$n" "palacios: vm memtest: running (2048 MiB, 1 vCPUs on host CPUs [0-9]*)"
	t guests-memtest-pass logged "$n" "palacios: memtest> memtest: PASS"
	t guests-memtest-exit logged "$n" "palacios: vm memtest: stopped: exited with code 0"
	t guests-missing-image logged "$n" "palacios: guest /guests/missing.img: cannot read the image: -ENOENT"
	t guests-garbage-image logged "$n" "palacios: guest garbage: bad image: not a Palacios image"
	t guests-enomem logged "$n" "palacios: guest /guests/hello.img: cannot create a VM of 65536 MiB: -ENOMEM"
}
