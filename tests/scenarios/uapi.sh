# SPDX-License-Identifier: GPL-2.0-only
# Scenario uapi: /dev/palacios and the palacios tool; Linux guests (the test kernel, Debian's) to their shell; kselftests and the fuzzer
#@ stage: boot
#@ order: 50
#@ kernel: m

# The user-space interface: the tool, the Linux guests, the selftests and
# the fuzzer
uapi_tests() {
	local out t0
	if [ ! -c /dev/palacios ]; then
		say "uapi_dev=missing"
		return
	fi
	say "uapi_dev=$(stat -c '%a %u' /dev/palacios)"
	out=$(timeout 120 /bin/palacios run -m 16M $G/hello.img </dev/null 2>&1)
	say "palacios_run_rc=$?"
	echo "$out" | sed 's/^/RUN| /'
	/bin/palacios create keep -m 16M --image $G/vmmcall-loop.img >/tmp/c.out 2>&1
	say "palacios_create_rc=$? $(tail -n 1 /tmp/c.out)"
	/bin/palacios launch keep; say "palacios_launch_rc=$?"
	/bin/palacios list | sed 's/^/LIST| /'
	sleep 1
	/bin/palacios pause keep; say "palacios_pause_rc=$?"
	/bin/palacios list | sed 's/^/LIST| /'
	/bin/palacios resume keep; say "palacios_resume_rc=$?"
	/bin/palacios stats keep | sed 's/^/STATS| /'
	/bin/palacios stop keep; say "palacios_stop_rc=$?"
	/bin/palacios list | sed 's/^/LIST| /'
	/bin/palacios free keep; say "palacios_free_rc=$?"
	/bin/palacios stats keep >/tmp/s.out 2>&1
	say "palacios_stats_after_free_rc=$? $(tail -n 1 /tmp/s.out)"
	/bin/palacios run -m 1G $G/garbage.img </dev/null >/tmp/g.out 2>&1
	say "palacios_run_garbage_rc=$? $(tail -n 1 /tmp/g.out)"
	# A breakpoint of the host's armed on the vCPU's CPU: the guest must
	# not read it in DR0-DR3, and it must fire again after the guest ran.
	# drregs, not dbtrap: QEMU 7.2 crashes when a guest enables a
	# breakpoint in the slot of one of the host's (see dbtrap.c).
	/bin/hwbp 1 /bin/palacios run -a 1 -m 16M $G/drregs.img </dev/null \
		>/tmp/b.out 2>&1
	sed 's/^/HWBP| /' /tmp/b.out
	disk_tests
	[ -f /guest/bzImage ] && linux_guest
	PALACIOS_GUESTS=$G PALACIOS_KERNEL=/guest/bzImage \
		ksft test /bin/palacios_test
	# FUZZ: the fuzzer's calls and race rounds (the debug scenario's are
	# fewer: its kernel is slower); in all, over 100,000 calls a CI run
	t0=$(now_ms)
	# shellcheck disable=SC2086 # FUZZ is a list of words
	PALACIOS_GUESTS=$G ksft fuzz /bin/palacios_fuzz -s 1 ${FUZZ:--n 40000 -r 30}
	say "fuzz_ms=$(($(now_ms) - t0))"
	say "uapi_dmesg_lines=$(dmesg | grep -c 'palacios:')"
}

# disk_tests: a disk file, given with --disk, read and written by the
# virtioblk guest's own driver; read-only; refused files
disk_tests() {
	local d=/tmp/disk.img
	dd if=/dev/zero of=$d bs=512 count=64 2>/dev/null
	printf 'PALACIOS-DISK' | dd of=$d conv=notrunc 2>/dev/null
	cp $d /tmp/disk-ro.img
	timeout 60 /bin/palacios run -m 16M --disk $d $G/virtioblk.img \
		</dev/null >/tmp/d.out 2>&1
	say "disk_run_rc=$?"
	sed 's/^/DISK| /' /tmp/d.out
	# what the guest wrote and flushed is in the file
	say "disk_sector1=$(dd if=$d bs=512 skip=1 count=1 2>/dev/null | head -c 16)"
	timeout 60 /bin/palacios run -m 16M --disk /tmp/disk-ro.img,ro \
		$G/virtioblk.img </dev/null >/tmp/d.out 2>&1
	say "disk_ro_run_rc=$?"
	sed 's/^/DISKRO| /' /tmp/d.out
	# the bytes of sector 1 that are not 0: none
	say "disk_ro_unchanged=$(dd if=/tmp/disk-ro.img bs=512 skip=1 count=1 2>/dev/null | tr -d '\0' | wc -c)"
	/bin/palacios run -m 16M --disk /tmp/missing.img $G/hello.img \
		</dev/null >/tmp/d.out 2>&1
	say "disk_missing_rc=$? $(tail -n 1 /tmp/d.out)"
	/bin/palacios run -m 16M --disk /tmp $G/hello.img </dev/null \
		>/tmp/d.out 2>&1
	say "disk_dir_rc=$? $(tail -n 1 /tmp/d.out)"
	/bin/palacios run -m 16M --disk /dev/null $G/hello.img </dev/null \
		>/tmp/d.out 2>&1
	say "disk_chardev_rc=$? $(tail -n 1 /tmp/d.out)"
	head -c 100 /dev/zero >/tmp/tiny.img
	/bin/palacios run -m 16M --disk /tmp/tiny.img $G/hello.img </dev/null \
		>/tmp/d.out 2>&1
	say "disk_tiny_rc=$? $(tail -n 1 /tmp/d.out)"
	/bin/palacios run -m 16M --disk $d,ro --disk $d,ro --disk $d,ro \
		--disk $d,ro $G/hello.img </dev/null >/tmp/d.out 2>&1
	say "disk_four_rc=$? $(tail -n 1 /tmp/d.out)"
	# a file the guest writes is that disk's alone
	/bin/palacios run -m 16M --disk $d --disk $d,ro $G/hello.img \
		</dev/null >/tmp/d.out 2>&1
	say "disk_busy_rc=$? $(tail -n 1 /tmp/d.out)"
}

# linux_report NAME: what the Linux guest NAME's session showed of its
# clock, as results: "clock_NAME_KEY=VALUE"
linux_report() {
	local g h kv
	for kv in $(sed -n 's/^CLOCK: //p' /tmp/k.out | tr -d '\r'); do
		say "clock_$1_$kv"
	done
	say "clock_$1_kvm_clock=$(grep -c 'kvm-clock: Using msrs' /tmp/k.out)"
	say "clock_$1_calibrated=$(grep -c 'Refined TSC clocksource calibration\|Fast TSC calibration\|TSC calibrat.* using PIT\|Calibrating delay loop\.\.\.' /tmp/k.out)"
	# The guest's date against the host's, after the guest printed it
	g=$(sed -n 's/^DATE-\([0-9]*\).*/\1/p' /tmp/k.out)
	h=$(date +%s)
	[ -n "$g" ] && say "clock_$1_host_minus_guest_s=$((h - g))"
}

linux_guest() {
	linux_session linux poweroff
	linux_report linux
	# Only lines the checks read: the guest's log is not the host's
	grep -E "^GUEST: |Linux version|BIOS-e820|Kernel command line|Run /init|Calibrating|ACPI: (RSDP|FACP|DSDT|APIC|LAPIC|IOAPIC|INT_SRC)|APIC|TIMER|smpboot|Brought up|Booting Node|tsc: |kvm-clock|Hypervisor detected|clocksource: Switched|rtc_cmos|^SHELL-|^Linux |^CPUS-|^model name|^FLAG-|^DATE-|^LOOP-|^Mem:|^CLOCK: |^SLEPT: |^palacios: " \
		/tmp/k.out | sed 's/^/KRUN| /'
	sleep 1
	say "kernel_vm_left=$(/bin/palacios list | grep -c '^linux ')"
	# The debug host is slow: the scripted session is enough there
	[ "$test" = debug ] && return
	linux_session linux-reboot reboot
	grep -E "^palacios: " /tmp/k.out | sed 's/^/KREBOOT| /'
	[ -f /guest/distro-vmlinuz ] && distro_guest
}

# A distribution's kernel (Debian's, with its modules, ACPI and all)
distro_guest() {
	kernel=/guest/distro-vmlinuz; mem=256M
	linux_session distro poweroff
	kernel=; mem=
	linux_report distro
	# All of it: the checks look for what must be there, and what must not
	sed 's/^/KDISTRO| /' /tmp/k.out
}

uapi_guest() {
	insmod_as uapi_load "$M/palacios.ko"
	uapi_tests
	rmmod_as uapi_unload palacios
}

# clock_checks BOOT NAME: the Linux guest NAME's clock was right, however
# it got there: it found the paravirtual clock (and did not calibrate),
# its clock never went back, its date is the host's, and a sleep of 5 s
# by its clock took 5 s outside it (give or take the console's latency)
clock_checks() {
	local n=$1 g=$2
	t "$n-$g-clock-pv" has "$n" "clock_${g}_available=.*kvm-clock"
	t "$n-$g-clock-kvm-msrs" has "$n" "clock_${g}_kvm_clock=1"
	t "$n-$g-clock-not-calibrated" has "$n" "clock_${g}_calibrated=0"
	t "$n-$g-clock-monotonic" has "$n" "clock_${g}_backwards=0"
	t "$n-$g-clock-date" within "$n" "clock_${g}_host_minus_guest_s" -2 30 s
	t "$n-$g-sleep-guest" within "$n" "clock_${g}_sleep_guest_ms" 5000 5300 ms
	t "$n-$g-sleep-outside" sleep_outside "$n" "$g"
	echo "    ($g: clocksource $(value "$n" "clock_${g}_source"), 5 s of sleep took $(value "$n" "clock_${g}_sleep_host_ms") ms outside)"
}

# sleep_outside BOOT NAME: the guest's 5 s took at least as long outside
# (its clock is not fast), and not much more (not slow: 20 %, plus up to
# 4 s of typing and polling on a busy machine)
sleep_outside() {
	local g h
	g=$(value "$1" "clock_$2_sleep_guest_ms")
	h=$(value "$1" "clock_$2_sleep_host_ms")
	echo "expected the guest's ${g:-?} ms of sleep to take from $((${g:-0} - 300)) to $((${g:-0} * 12 / 10 + 4000)) ms outside; saw ${h:-nothing} ms"
	[ -n "$g" ] && [ -n "$h" ] && [ "$h" -ge $((g - 300)) ] &&
		[ "$h" -le $((g * 12 / 10 + 4000)) ]
}

# uapi_tests_checks BOOT: what uapi_tests reported
uapi_tests_checks() {
	local n=$1 k
	t "$n-dev-root-only" has "$n" "uapi_dev=600 0"
	t "$n-run-exit-0" has "$n" "palacios_run_rc=0"
	t "$n-run-console" logged "$n" "^RUN| hello: PASS"
	t "$n-run-stop-reason" logged "$n" "^RUN| palacios: vm hello stopped: exited with code 0"
	for k in create launch pause resume stop free; do
		t "$n-tool-$k" has "$n" "palacios_${k}_rc=0"
	done
	t "$n-list-running" logged "$n" "^LIST| keep .*running"
	t "$n-list-paused" logged "$n" "^LIST| keep .*paused"
	t "$n-list-stopped" logged "$n" "^LIST| keep .*stopped by the host"
	t "$n-stats-vmmcall" logged "$n" "^STATS| *vmmcall"
	t "$n-stats-after-free" has "$n" "palacios_stats_after_free_rc=1 palacios: .*keep"
	t "$n-run-garbage" has "$n" "palacios_run_garbage_rc=1 .*not a valid Palacios image"
	# a disk: the guest's own virtio-blk driver reads, writes, flushes
	t "$n-disk-run" has "$n" "disk_run_rc=0"
	t "$n-disk-guest" logged "$n" "^DISK| .*virtioblk: PASS"
	t "$n-disk-sectors" logged "$n" "^DISK| .*virtioblk: 64 sectors$"
	t "$n-disk-written" has "$n" "disk_sector1=WRITTEN-BY-GUEST"
	t "$n-disk-ro-run" has "$n" "disk_ro_run_rc=0"
	t "$n-disk-ro-guest" logged "$n" "^DISKRO| .*virtioblk: 64 sectors, read-only"
	t "$n-disk-ro-unchanged" has "$n" "disk_ro_unchanged=0"
	t "$n-disk-missing" has "$n" "disk_missing_rc=1 .*cannot open disk /tmp/missing.img: No such file"
	t "$n-disk-dir" has "$n" "disk_dir_rc=1 .*cannot open disk /tmp: Is a directory"
	t "$n-disk-chardev" has "$n" "disk_chardev_rc=1 .*not a file or block device of 512 bytes or more"
	t "$n-disk-chardev-line" logged "$n" "palacios: vm hello: disk refused: descriptor [0-9]* is not a regular file or a block device"
	t "$n-disk-tiny" has "$n" "disk_tiny_rc=1 .*not a file or block device of 512 bytes or more"
	t "$n-disk-four" has "$n" "disk_four_rc=1 .*at most 3 disks"
	t "$n-disk-busy" has "$n" "disk_busy_rc=1 .*cannot give /tmp/disk.img to vm hello: in use, as a disk of a vm"
	t "$n-disk-busy-line" logged "$n" "palacios: vm hello: disk refused: descriptor [0-9]* is a disk that a VM writes"
	t "$n-host-bp-armed" logged "$n" "^HWBP| hwbp: armed 0x[0-9a-f]* on CPU 1"
	t "$n-host-bp-hidden" logged "$n" "^HWBP| drregs: DR0-DR3 read 0, then what was written"
	t "$n-host-bp-guest-pass" logged "$n" "^HWBP| drregs: PASS"
	t "$n-host-bp-guest-rc" logged "$n" "^HWBP| hwbp: rc=0"
	t "$n-host-bp-fires-after" logged "$n" "^HWBP| hwbp: hits 5 of 5"
	# an unmodified Linux kernel, by the boot protocol, to its /init
	t "$n-linux-banner" logged "$n" "^KRUN| \[ *0\.000000\] Linux version 6\.12"
	t "$n-linux-e820" logged "$n" "^KRUN| .*BIOS-e820: \[mem 0x0000000000100000-0x0000000007ffffff\] usable"
	# the board's virtio-mmio device first, then what the user gave
	t "$n-linux-cmdline" logged "$n" "^KRUN| .*Kernel command line: virtio_mmio.device=4K@0xd0000000:12 console=ttyS0 panic=-1 guest.shell"
	t "$n-linux-virtio-rng" logged "$n" "^KRUN| GUEST: rng=virtio_rng\.0"
	t "$n-linux-virtio-rng-bytes" logged "$n" "^KRUN| GUEST: rng_distinct=4096 bytes, 2[0-9][0-9] values"
	t "$n-linux-running" logged "$n" "^KLIST| linux .*running"
	t "$n-linux-init" logged "$n" "^KRUN| GUEST: init started"
	t "$n-linux-uname" logged "$n" "^KRUN| GUEST: uname=Linux 6\.12"
	t "$n-linux-memory" logged "$n" "^KRUN| GUEST: mem_kb=1[01][0-9][0-9][0-9][0-9]"
	t "$n-linux-acpi-rsdp" logged "$n" "^KRUN| .*ACPI: RSDP 0x00000000000E0000"
	t "$n-linux-acpi-dsdt" logged "$n" "^KRUN| .*ACPI: DSDT 0x00000000000E0240"
	t "$n-linux-shell" logged "$n" "^KRUN| GUEST: shell ready"
	t "$n-linux-typed" logged "$n" "^KRUN| SHELL-42"
	t "$n-linux-typed-uname" logged "$n" "^KRUN| Linux .* 6\.12\.[0-9]* .*x86_64"
	t "$n-linux-madt" logged "$n" "^KRUN| .*IOAPIC\[0\]: apic_id 0, version 17, address 0xfec00000, GSI 0-23"
	t "$n-linux-ioapic-timer" logged "$n" "^KRUN| .*\.\.TIMER: vector=0x30 apic1=0 pin1=2"
	t "$n-linux-cpuinfo-cpus" logged "$n" "^KRUN| CPUS-1"
	t "$n-linux-cpuinfo-apic" logged "$n" "^KRUN| FLAG-apic"
	t "$n-linux-cpuinfo-model" logged "$n" "^KRUN| model name"
	t "$n-linux-cpuinfo-hypervisor" logged "$n" "^KRUN| FLAG-hypervisor"
	t "$n-linux-cpuinfo-no-svm" not_logged "$n" "^KRUN| FLAG-svm"
	t "$n-linux-typed-free" logged "$n" "^KRUN| Mem: *1[0-9][0-9] "
	clock_checks "$n" linux
	t "$n-linux-loop" logged "$n" "^KRUN| LOOP-10000"
	t "$n-linux-poweroff" logged "$n" "^KRUN| palacios: vm linux stopped: shutdown"
	t "$n-linux-poweroff-rc" has "$n" "linux_poweroff_rc=0 "
	echo "    (Linux guest: boot to its shell in $(boot_ms "$n" 1) ms)"
	t "$n-linux-freed-on-exit" has "$n" "kernel_vm_left=0"
	# The debug host runs the scripted session only
	if [ "$n" != boot-debug ]; then
		t "$n-linux-reboot" logged "$n" "^KREBOOT| palacios: vm linux-reboot stopped: reset"
		t "$n-linux-reboot-rc" has "$n" "linux_reboot_rc=2 "
		# a distribution's kernel, unmodified, to the same shell
		if [ -f "$top/build/distro/vmlinuz" ]; then
			t "$n-distro-banner" logged "$n" "^KDISTRO| .*Linux version [0-9.-]*amd64 .*Debian"
			t "$n-distro-shell" logged "$n" "^KDISTRO| GUEST: shell ready"
			t "$n-distro-typed-uname" logged "$n" "^KDISTRO| Linux .*-amd64 .*x86_64"
			t "$n-distro-loop" logged "$n" "^KDISTRO| LOOP-10000"
			clock_checks "$n" distro
			t "$n-distro-rtc" logged "$n" "^KDISTRO| .*rtc_cmos rtc_cmos: registered as rtc0"
			t "$n-distro-poweroff" logged "$n" "^KDISTRO| palacios: vm distro stopped: shutdown"
			t "$n-distro-no-oops" not_logged "$n" "^KDISTRO| .*\(Kernel panic\|BUG:\|Oops\|WARNING:\)"
			echo "    (distribution kernel: boot to its shell in $(boot_ms "$n" 2) ms)"
		else
			sk "$n-distro" "no distribution kernel (build/distro/vmlinuz)"
		fi
	fi
	t "$n-ksft-test-rc" has "$n" "ksft_test_rc=0"
	tap_results "$n" "KSFT test" "ksft($n) test"
	t "$n-ksft-fuzz-rc" has "$n" "ksft_fuzz_rc=0"
	tap_results "$n" "KSFT fuzz" "ksft($n) fuzz"
	echo "    (fuzzer: $(text "$(serial "$n")" | sed -n 's/^KSFT fuzz: # calls=\([0-9]*\) .*/\1/p' | head -n 1) calls in $(value "$n" fuzz_ms) ms)"
	text "$(serial "$n")" |
		sed -n -e 's/^KSFT [a-z]*: # \(.*\(cycles\|calls\|pages_before\)=.*\)/    (\1)/p'
}

# boot_ms BOOT I: how long the I-th Linux guest took to its shell
boot_ms() {
	text "$(serial "$1")" |
		sed -n 's/^PALTEST: linux_poweroff_rc=.* linux_boot_ms=\([0-9]*\).*/\1/p' |
		sed -n "$2p"
}

uapi_checks() {
	local n=$1
	t uapi-load has "$n" "uapi_load=ok"
	uapi_tests_checks "$n"
	t uapi-unload has "$n" "uapi_unload=ok"
	t uapi-clean-log clean_log "$n"
}
