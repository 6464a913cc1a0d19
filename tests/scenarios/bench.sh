# SPDX-License-Identifier: GPL-2.0-only
# Scenario bench: exit costs and a Linux boot in Palacios and in kvm_amd, in one QEMU run: figures, not timed tests
#@ stage: bench
#@ order: 10
#@ kernel: m
#@ smp: 3

# The 2-vCPU guests' vCPUs on host CPUs 1 and 2, KVM's too; CPU 0 runs
# none of them (see "The rig's defect" in tests/README).  KVM's 1-vCPU
# guest stays on CPU 0, where it always ran: pinned to CPU 1 (-a 1) its
# wall-clock boot hung in the TSC calibration in 2 of 2 runs, not
# explained yet.

bench_guest() {
	hang_watch 150 &
	# Exit costs: Palacios first, then KVM on the same machine.
	insmod_as bench_load "$M/palacios.ko guest=$G/bench.img"
	# Under -icount every instruction of either CPU counts: let the
	# host idle while the guest measures (polling the log costs about
	# 100 ms of instructions each time), then look.
	sleep 5
	wait_guests 1 120
	# The Linux guest to its shell, in Palacios and then in KVM
	boot_time palacios /bin/palacios run -k /guest/bzImage \
		-i /guest/initrd.cpio.gz -m 128M -n bench-linux \
		-p "console=ttyS0 panic=-1 guest.shell"
	rmmod_as bench_unload palacios
	klog | sed -n 's/.*palacios: bench> \(BENCH .*\)/PALTEST: palacios \1/p'
	kvm_load bench_kvm_load
	/bin/kvm-bench $G/bench.img 2>&1 | sed -n 's/^\(BENCH .*\)/PALTEST: kvm \1/p'
	# 40 s, ten times its usual boot: once in a run of ci15 (2026-12-07)
	# KVM's guest found no PIT ticks and waited for timer interrupts until
	# the default timeout (120 s); not understood yet (the guest's log
	# then ends "tsc: Unable to calibrate against PIT")
	boot_time kvm /bin/kvm-linux -t 40 -k /guest/bzImage \
		-i /guest/initrd.cpio.gz -m 128 \
		-p "console=ttyS0 panic=-1 guest.shell"
	iobench_all
	# Two vCPUs on host CPUs 1 and 2: one busy loop against two at once
	# (wall time only: under -icount QEMU runs one CPU at a time)
	if grep -q pal.mode=wall /proc/cmdline; then
		rmmod kvm_amd kvm irqbypass 2>/dev/null
		insmod "$M/palacios.ko"
		spin_speedup palacios /bin/palacios run -k /guest/bzImage \
			-i /guest/initrd.cpio.gz -m 128M -c 2 -n bench-spin \
			-p "console=ttyS0 panic=-1 guest.shell"
		rmmod palacios
		kvm_load bench_kvm_load2
		spin_speedup kvm /bin/kvm-linux -c 2 -a 1,2 -k /guest/bzImage \
			-i /guest/initrd.cpio.gz -m 128 \
			-p "console=ttyS0 panic=-1 guest.shell"
	fi
	say "tsc_khz=$(klog | sed -n 's/.*tsc: Refined TSC clocksource calibration: \([0-9.]*\) MHz.*/\1/p' | tail -n 1)"
	say "tsc_mhz_detected=$(klog | sed -n 's/.*tsc: Detected \([0-9.]*\) MHz.*/\1/p' | tail -n 1)"
}

# I/O: the same Linux guest with a virtio disk (a 64 MiB file of the
# host's memory) and a virtio NIC (tap pbench, the host at 10.0.9.1), under
# KVM with Debian's QEMU as its VMM (its virtio-blk and virtio-net, on
# virtio-mmio: -M microvm) and under Palacios; the guest runs iobench
# (tests/bench/iobench.c), the host its peer.  QEMU and its libraries come
# on the host's virtio disk, /dev/vda (bench_qemu_image).

# io_guest WHO COMMAND...: the guest's IOBENCH lines as "iobench WHO ...",
# or the end of its console and the host CPUs' interrupt counts.  120 s:
# it takes at most 36 s of the host's clock on this rig (6 s under
# -icount), and a stall should leave the run time to report it.
io_guest() {
	local who=$1 t0 rc
	shift
	say "iobench_start $who"
	t0=$(now_ms)
	timeout 120 "$@" </dev/null >/tmp/io.out 2>&1
	rc=$?
	[ $rc = 0 ] || grep -E "^ *(LOC|CAL):" /proc/interrupts | sed "s/^/IOB $who| /"
	say "iobench_rc $who rc=$rc ms=$(($(now_ms) - t0)) $(tr -d '\r' </tmp/io.out | grep -E "^GUEST: (uptime|init started)" | tr '\n' ' ')"
	if grep -q "^GUEST: IOBENCH" /tmp/io.out; then
		tr -d '\r' </tmp/io.out | sed -n "s/^GUEST: IOBENCH /PALTEST: iobench $who /p"
	else
		tail -n 25 /tmp/io.out | sed "s/^/IOB $who| /"
	fi
}

# io_kvm Q ARGS: the I/O guest under KVM, Debian's QEMU from Q (-M microvm:
# its virtio-blk and virtio-net on virtio-mmio) its VMM, ARGS on the
# guest's command line
io_kvm() {
	io_guest kvm $1/lib/ld-linux-x86-64.so.2 --library-path $1/lib \
		$1/bin/qemu-system-x86_64 -L $1/share -M microvm \
		-accel kvm -cpu host -m 128 -nodefaults -no-user-config \
		-nographic -serial stdio -no-reboot \
		-kernel /guest/bzImage -initrd /guest/initrd.cpio.gz \
		-append "console=ttyS0 panic=-1 $2" \
		-drive if=none,id=d0,file=/tmp/iodisk,format=raw,file.locking=off \
		-device virtio-blk-device,drive=d0 \
		-netdev tap,id=n0,ifname=pbench,script=no,downscript=no \
		-device virtio-net-device,netdev=n0
}

# The I/O guest's command line: its address and the host's, and iobench
IOB_ARGS="guest.net=10.0.9.2/24,10.0.9.1 guest.iobench"

iobench_all() {
	local q=/opt/qemu ip=$IOB_ARGS srv
	mkdir -p $q
	mount -t ext4 -o ro /dev/vda $q || { say "iobench=no QEMU disk"; return; }
	dd if=/dev/zero of=/tmp/iodisk bs=1M count=64 2>/dev/null
	tunctl -t pbench >/dev/null &&
		ip addr add 10.0.9.1/24 dev pbench && ip link set pbench up
	/bin/iobench serve 5001 &
	srv=$!
	io_kvm $q "$ip"
	rmmod kvm_amd kvm irqbypass
	insmod "$M/palacios.ko"
	io_guest palacios /bin/palacios run -k /guest/bzImage \
		-i /guest/initrd.cpio.gz -m 128M -n bench-io \
		--disk /tmp/iodisk -N tap=pbench -p "console=ttyS0 panic=-1 $ip"
	rmmod palacios
	kill $srv
	tunctl -d pbench >/dev/null
	umount $q
	rm -f /tmp/iodisk
	kvm_load bench_kvm_load_io
}

# bench_qemu_image IMG: an ext4 image of Debian's QEMU, its libraries and
# the firmware of -M microvm, for the host's /opt/qemu
bench_qemu_image() {
	local d=$B/qemu.d q=/usr/bin/qemu-system-x86_64 l
	rm -rf "$d" "$1" && mkdir -p "$d/bin" "$d/lib" "$d/share" &&
	cp "$q" "$d/bin/" &&
	for l in $(ldd "$q" | sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^\t*\(\/[^ ]*ld-linux[^ ]*\).*/\1/p'); do
		cp -L "$l" "$d/lib/" || return 1
	done &&
	cp -L /usr/share/qemu/qboot.rom /usr/share/qemu/bios-microvm.bin \
		/usr/share/qemu/linuxboot_dma.bin \
		"$d/share/" &&
	PATH=$PATH:/sbin:/usr/sbin mke2fs -q -F -t ext4 -L palqemu -d "$d" "$1" 96M &&
	rm -rf "$d"
}

# bench_icount NAME DIR: the boot under -icount shift=0; if it hangs, its
# logs kept as NAME-hung and a second boot.  A workaround for the rig, not
# for Palacios: Debian's QEMU 7.2 now and then delivers an interrupt a
# hypervisor injects twice, and the I/O guest (KVM's or Palacios') then
# spins for ever with interrupts disabled (tests/README, "The rig's
# twice-delivered interrupts"; tests/rig/qemu-7.2-vmrun-intr-twice.patch
# is the fix).  The hang is reported (bench_hung) with where the CPUs
# were, and the figures come from the second boot.  The boot usually takes
# 130-160 s; 360 s leaves the run time for the second.
bench_icount() {
	local rc=0 s
	QEMU_TIMEOUT=360 boot "$1" "$2" qemu64,+svm,+npt bench kunit.enable=0 ||
		rc=$?
	[ $rc = 124 ] || return $rc
	for s in "" .hang .hang.full; do
		mv "$(serial "$1")$s" "$(serial "$1-hung")$s" 2>/dev/null
	done
	echo "bench_icount: the boot hung (its log: $(serial "$1-hung")); booting again"
	boot "$1" "$2" qemu64,+svm,+npt bench kunit.enable=0
}

# bench_hung NAME: a hung first boot of bench_icount, as a skipped test with
# where the hung machine's CPUs were
bench_hung() {
	local h
	h=$(serial "$1-hung")
	[ -f "$h" ] || return 0
	sk "$1-hang" "the first boot hung and was booted again (tests/README: \"The rig's twice-delivered interrupts\"); log: $h"
	sed 's/^/    | /' "$h.hang" 2>/dev/null
	tr -d '\r' <"$h" | grep -v '^[[:space:]]*$' | tail -n 8 | sed 's/^/    | serial: /'
}

# Two boots: instructions under -icount shift=0, and wall time
# Without KUnit: the module's suites run when it loads, on another CPU
# while the guest measures, and under -icount their instructions count in
# the guest's clock (they made a port I/O exit look 10 times as dear when
# a VM's creation grew dearer).
bench_run() {
	local disk="--qemu-arg -drive --qemu-arg file=$B/qemu.ext4,format=raw,if=virtio"
	t bench-qemu-image bench_qemu_image "$B/qemu.ext4" || return
	rm -f "$(serial "$1-icount-hung")"*
	QEMU_SMP=$(sc_conf bench smp 2) \
		QEMU_ARGS="--qemu-arg -icount --qemu-arg shift=0 $disk" \
		t "$1-icount" bench_icount "$1-icount" "$2"
	bench_hung "$1-icount"
	QEMU_SMP=$(sc_conf bench smp 2) QEMU_ARGS=$disk \
		t "$1-wall" boot "$1-wall" "$2" qemu64,+svm,+npt bench \
		pal.mode=wall kunit.enable=0
}

bench_checks() {
	t bench-figures "$top/tests/bench/report.py" \
		"$(serial "$1-icount")" "$(serial "$1-wall")"
	sed 's/^/    /' "$L/bench-figures.log"
}
