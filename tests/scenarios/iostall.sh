# SPDX-License-Identifier: GPL-2.0-only
# Scenario iostall: the benchmark's I/O guest under Palacios, again and again, with a dump of the host when one takes too long (run by name only)
#@ stage: boot
#@ order: 64
#@ kernel: m
#@ smp: 3
#@ manual: yes

# A diagnosis, not part of the suite: it found "The rig's lost interrupts"
# (tests/README).  Runs of the I/O guest (the bench scenario's, with a
# virtio disk and NIC) took minutes instead of 15 s while the host CPU of
# the vCPU took no timer interrupt.  Each run prints how many timer
# interrupts each host CPU took against the 250 a second it should
# (iostall_loc); a run still going after 60 s gets a dump of the host's
# interrupt counts, tasks (sysrq-t), CPUs (sysrq-l), timers (sysrq-q),
# the VM's exits and the end of the guest's console.  Nothing polls
# meanwhile: polling interrupts the CPUs, which cures the defect.
#   SCENARIOS=iostall tests/run boot                 12 runs
#   IOSTALL_KVM=1 SCENARIOS=iostall tests/run boot   KVM's guest before each
#   PAL_KICK=0 ...                                   without /init's cure
#   QEMU_MONITOR=/tmp/mon.sock ...                   QEMU's monitor there
#   IOSTALL_ICOUNT=1 ...                             under -icount shift=0
#   IOSTALL_N=30 ...                                 30 runs

# iostall_dump N: what the host does while the run N hangs
iostall_dump() {
	say "iostall_dump run=$1 uptime=$(cut -d' ' -f1 /proc/uptime)"
	grep -E "LOC|CAL|RES|TLB|^ *[0-9]+:" /proc/interrupts | sed "s/^/ISTALL| /"
	sed "s/^/ISTALL| /" /proc/softirqs
	/bin/palacios stats bench-io 2>&1 | sed "s/^/ISTALL| /"
	tr -d '\r' </tmp/io.out | tail -n 15 | sed "s/^/ISTALL guest| /"
	ps -o pid,stat,comm | sed "s/^/ISTALL| /"
	echo l >/proc/sysrq-trigger
	echo t >/proc/sysrq-trigger
	echo q >/proc/sysrq-trigger
	sleep 2
	dmesg -c | sed "s/^/ISTALL k| /"
}

# iostall_one N: the run N of the I/O guest under Palacios
iostall_one() {
	local pid t0 prev cur rc dumper
	t0=$(now_ms)
	timeout 400 /bin/palacios run -k /guest/bzImage \
		-i /guest/initrd.cpio.gz -m 128M -n bench-io \
		--disk /tmp/iodisk -N tap=pbench \
		-p "console=ttyS0 panic=-1 $iostall_ip" </dev/null >/tmp/io.out 2>&1 &
	pid=$!
	# Nothing polls while the guest runs: a CPU whose timer interrupt
	# was lost stays without one until another interrupt comes, which
	# polling would send.  The counts of each CPU's timer interrupts
	# show it afterwards.
	prev=$(grep LOC: /proc/interrupts)
	(sleep 60 && iostall_dump "$1") &
	dumper=$!
	wait $pid
	rc=$?
	kill $dumper 2>/dev/null
	cur=$(grep LOC: /proc/interrupts)
	echo "$prev
$cur" | awk -v run="$1" -v ms=$(($(now_ms) - t0)) '{ for (c = 2; c <= 4; c++) v[NR, c] = $c }
		END { printf "PALTEST: iostall_loc run=%d", run
		      for (c = 2; c <= 4; c++) printf " cpu%d=%d/%d", c - 2, v[2, c] - v[1, c], ms / 4
		      printf "\n" }'
	say "iostall run=$1 rc=$rc ms=$(($(now_ms) - t0)) $(grep -c '^GUEST: IOBENCH' /tmp/io.out) $(dmesg -c | grep -E 'Long readout|palacios: vm .*stopped' | tr '\n' ' ')"
}

iostall_guest() {
	local n i q=/opt/qemu kvm
	iostall_ip=$IOB_ARGS
	hang_watch 200 &
	n=$(sed -n 's/.*pal\.iostall=\([0-9]*\).*/\1/p' /proc/cmdline)
	# pal.iostall_kvm: KVM's QEMU guest before each, as in the bench
	kvm=$(sed -n 's/.*pal\.iostall_kvm=\([0-9]*\).*/\1/p' /proc/cmdline)
	dd if=/dev/zero of=/tmp/iodisk bs=1M count=64 2>/dev/null
	tunctl -t pbench >/dev/null &&
		ip addr add 10.0.9.1/24 dev pbench && ip link set pbench up
	/bin/iobench serve 5001 &
	if [ -n "$kvm" ]; then
		mkdir -p $q && mount -t ext4 -o ro /dev/vda $q
	else
		insmod_as iostall_load "$M/palacios.ko"
	fi
	dmesg -c >/dev/null
	for i in $(seq 1 "${n:-10}"); do
		if [ -n "$kvm" ]; then
			kvm_load iostall_kvm_load
			io_kvm $q "$iostall_ip" | grep iobench_rc
			rmmod kvm_amd kvm irqbypass
			insmod "$M/palacios.ko"
		fi
		iostall_one "$i"
		[ -n "$kvm" ] && rmmod palacios
	done
	[ -z "$kvm" ] && rmmod_as iostall_unload palacios
}

# With KVM's guest before each (as the bench has it) and QEMU on /dev/vda:
#   SCENARIOS=iostall IOSTALL_KVM=1 tests/run boot
iostall_run() {
	# PAL_KICK=0: without the tests' cure for the rig's lost interrupts
	local disk= app="pal.iostall=${IOSTALL_N:-12} pal.kick=${PAL_KICK:-1}"
	if [ -n "${IOSTALL_KVM:-}" ]; then
		t bench-qemu-image bench_qemu_image "$B/qemu.ext4" || return
		disk="--qemu-arg -drive --qemu-arg file=$B/qemu.ext4,format=raw,if=virtio"
		app="pal.iostall=${IOSTALL_N:-12} pal.iostall_kvm=1 pal.kick=${PAL_KICK:-1}"
	fi
	# IOSTALL_ICOUNT=1: under -icount shift=0, as the bench's first boot
	# (where an I/O guest hung now and then: tests/README, "The rig's
	# twice-delivered interrupts")
	if [ -n "${IOSTALL_ICOUNT:-}" ]; then
		disk="$disk --qemu-arg -icount --qemu-arg shift=0"
	else
		app="$app pal.mode=wall"
	fi
	# shellcheck disable=SC2086 # $app is a list of words
	QEMU_SMP=3 QEMU_ARGS=$disk QEMU_TIMEOUT=${QEMU_TIMEOUT:-1800} \
		t "$1" boot "$1" "$2" qemu64,+svm,+npt \
		iostall kunit.enable=0 $app
}

# iostall_quick BOOT: every run of the I/O guest ended within 60 s
iostall_quick() {
	local log slow
	log=$(serial "$1")
	slow=$(text "$log" | grep "^PALTEST: iostall run=" |
		awk '{ ms = $5; sub(/ms=/, "", ms); if (ms + 0 > 60000) print }')
	echo "expected every run of the I/O guest to end within 60 s"
	echo "saw $(text "$log" | grep -c "^PALTEST: iostall run=.* rc=0 ") runs end with 0; the slow ones:"
	echo "$slow" | sed 's/^/    /'
	echo "in: $log"
	[ -z "$slow" ]
}

iostall_checks() {
	local n=$1
	t iostall-runs has "$n" "iostall run=${IOSTALL_N:-12} "
	t iostall-quick iostall_quick "$n"
	text "$(serial "$n")" | grep "^PALTEST: iostall" | sed 's/^PALTEST: /    (/; s/$/)/'
}
