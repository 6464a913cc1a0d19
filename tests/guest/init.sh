#!/bin/sh
# /init of the test initramfs booted by tests/run in the QEMU host.
#
# The kernel command line word pal.test=NAME picks the scenario.  Every
# result is a line "PALTEST: key=value" that tests/run reads from the serial
# log; the last line is "PALTEST: end".  Then the machine powers off.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null

# Kernel messages of what follows would interleave with the results on the
# serial line: keep them off the console (but for emergencies) and print
# them, whole, at the end.  Messages from before /init are on the console.
dmesg > /tmp/early.log
dmesg -c >/dev/null
dmesg -n 2

say() { echo "PALTEST: $*"; }
test=$(sed -n 's/.*pal\.test=\([a-z0-9_-]*\).*/\1/p' /proc/cmdline)
say "test=$test cpus=$(grep -c ^processor /proc/cpuinfo) svm=$(grep -c -w svm /proc/cpuinfo)"
M=/lib/modules

# insmod_as KEY MODULE: load MODULE, report ok or the error message
insmod_as() {
	# shellcheck disable=SC2086 # $2 is the module and its parameters
	if out=$(insmod $2 2>&1); then
		say "$1=ok"
	else
		say "$1=fail: $(echo "$out" | tail -n 1)"
	fi
}

rmmod_as() {
	if out=$(rmmod "$2" 2>&1); then
		say "$1=ok"
	else
		say "$1=fail: $(echo "$out" | tail -n 1)"
	fi
}

kvm_load() {
	insmod $M/irqbypass.ko 2>/dev/null
	insmod $M/kvm.ko 2>/dev/null
	insmod_as "$1" $M/kvm-amd.ko
}

kvm_run() {
	if out=$(/bin/kvmcheck 2>&1); then
		say "$1=ok"
	else
		say "$1=fail: $(echo "$out" | tail -n 1)"
	fi
}

# klog: every kernel message since boot
klog() { cat /tmp/early.log; dmesg; }

# wait_guests N SECONDS: wait until N guests have been freed or refused
wait_guests() {
	local n=$1 left=$2 done=0
	while :; do
		done=$(klog | grep -c -E 'palacios: (vm .*: freed in |guest .*: (cannot|bad image))')
		[ "$done" -ge "$n" ] || [ "$left" -le 0 ] && break
		sleep 1
		left=$((left - 1))
	done
	say "guests_done=$done of $n"
}

# uptime in milliseconds
now_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }

# The guest images the tests put in /guests
G=/guests

# ksft NAME PROG...: run a kselftest program, its TAP lines prefixed
ksft() {
	local name=$1
	shift
	"$@" > /tmp/ksft.out 2>&1
	say "ksft_${name}_rc=$?"
	sed "s/^/KSFT $name: /" /tmp/ksft.out
}

# An unmodified Linux kernel (the host's own bzImage) with a busybox
# initramfs, started by the boot protocol: it boots to its /init
# (tests/guest/linux-init.sh), which reports and starts a shell on its
# console; commands are typed at it through "palacios run", and "exit"
# powers the guest off (without ACPI the kernel then halts with interrupts
# off, which stops the VM).
linux_wait() {
	local n=$((left * 5))

	while [ $n -gt 0 ] && kill -0 $pid 2>/dev/null &&
		! grep -q "$1" /tmp/k.out; do
		sleep 0.2
		n=$((n - 1))
	done
	left=$((n / 5))
}

# linux_type COMMAND OUTPUT: type a command at the guest's shell, as a
# person would (after the output of the one before), and wait for OUTPUT
linux_type() {
	sleep 0.5	# the prompt first: busybox asks the terminal where it is
	echo "$1" >&3
	linux_wait "$2"
}

# linux_session NAME LAST: boot the Linux guest as VM NAME with a shell on
# its console, then LAST: poweroff (after the session's commands), reboot,
# or boot (a poweroff at once, for the benchmark)
linux_session() {
	local left=180 pid t0 t1 name=$1

	rm -f /tmp/in /tmp/k.out
	mkfifo /tmp/in
	t0=$(now_ms)
	/bin/palacios run -k ${kernel:-/guest/bzImage} -i /guest/initrd.cpio.gz \
		-m ${mem:-128M} -c ${cpus:-1} -n $name \
		-p "console=ttyS0 panic=-1 guest.shell" \
		</tmp/in >/tmp/k.out 2>&1 &
	pid=$!
	exec 3>/tmp/in
	linux_wait "GUEST: shell ready"
	t1=$(now_ms)
	# A guest that did not get there: how far it got
	grep -q "GUEST: shell ready" /tmp/k.out ||
		tail -n 40 /tmp/k.out | sed "s/^/KFAIL($name)| /"
	/bin/palacios stats $name | sed 's/^/KSTATS| /'
	/bin/palacios list | sed 's/^/KLIST| /'
	sleep 1
	if [ "$2" = poweroff ]; then
		linux_type 'echo SHELL-$((6 * 7)); uname -a' "^SHELL-42"
		linux_type 'grep -c ^processor /proc/cpuinfo | sed s/^/CPUS-/' "^CPUS-"
		linux_type 'grep -m1 "^model name" /proc/cpuinfo' "^model name"
		linux_type 'grep -m1 "^flags" /proc/cpuinfo | tr " " "\n" | grep -x -e hypervisor -e svm -e apic | sed s/^/FLAG-/' "^FLAG-hypervisor"
		linux_type 'free -m; echo DATE-$(date +%s); date' "^DATE-"
		linux_type 'i=0; while [ $i -lt 10000 ]; do i=$((i + 1)); done; echo LOOP-$i' "^LOOP-"
	fi
	if [ "$2" = boot ]; then echo "poweroff -f" >&3; else echo "$2 -f" >&3; fi
	linux_wait "palacios: vm $name stopped"
	exec 3>&-
	kill $pid 2>/dev/null
	wait $pid
	say "linux_${2}_rc=$? linux_boot_ms=$((t1 - t0))"
}

# The demo's end: the guest's shell on this console, for a person
demo_shell() {
	local run="/bin/palacios run --persistent -n linux -k /guest/bzImage -i /guest/initrd.cpio.gz -m 256M -p 'console=ttyS0 guest.shell kunit.enable=0'"

	cat <<-EOF

	==== Linux in Palacios in Linux in QEMU: the guest's shell follows.
	==== Type commands there; "poweroff -f" powers the guest off.
	==== Ctrl-a x detaches from it, to the host's shell, where
	==== "palacios console linux" attaches again and "exit" ends the demo.

	# ${run#/bin/}
	EOF
	setsid sh -c "exec $run </dev/ttyS0 >/dev/ttyS0 2>&1"
	echo "==== The host's shell (palacios list, palacios console linux; exit ends the demo)"
	setsid sh -c 'exec sh -i </dev/ttyS0 >/dev/ttyS0 2>&1'
	/bin/palacios stop linux 2>/dev/null
	/bin/palacios free linux 2>/dev/null
}

linux_guest() {
	local g h

	linux_session linux poweroff
	# Only lines the checks read: the guest's log is not the host's
	grep -E "^GUEST: |Linux version|BIOS-e820|Kernel command line|Run /init|Calibrating|ACPI: (RSDP|FACP|DSDT|APIC|LAPIC|IOAPIC|INT_SRC)|APIC|TIMER|smpboot|Brought up|Booting Node|tsc: |clocksource: Switched|rtc_cmos|^SHELL-|^Linux |^CPUS-|^model name|^FLAG-|^DATE-|^LOOP-|^Mem:|^palacios: " \
		/tmp/k.out | sed 's/^/KRUN| /'
	# The guest's clock is the host's (the RTC), to a few seconds
	g=$(sed -n 's/^DATE-\([0-9]*\).*/\1/p' /tmp/k.out)
	h=$(date +%s)
	[ -n "$g" ] && [ $((h - g)) -ge 0 ] && [ $((h - g)) -lt 120 ] &&
		say "linux_clock=ok"
	sleep 1
	say "kernel_vm_left=$(/bin/palacios list | grep -c '^linux ')"
	# The debug host is slow: the scripted session is enough there
	[ "$test" = debug ] && return
	linux_session linux-reboot reboot
	grep -E "^palacios: " /tmp/k.out | sed 's/^/KREBOOT| /'
	[ -f /guest/distro-vmlinuz ] && distro_guest
}

# Two vCPUs: brought up by INIT and SIPI, to the shell, powered off
smp_smoke() {
	cpus=2
	linux_session linux-smp boot
	cpus=
	say "smp_smoke cpus=$(sed -n 's/^GUEST: cpus=//p' /tmp/k.out | tr -d '\r') stopped=$(sed -n 's/^palacios: vm linux-smp stopped: //p' /tmp/k.out | tr -d '\r')"
}

# A distribution's kernel (Debian's, with its modules, ACPI and all)
distro_guest() {
	kernel=/guest/distro-vmlinuz; mem=256M
	linux_session distro poweroff
	kernel=; mem=
	# All of it: the checks look for what must be there, and what must not
	sed 's/^/KDISTRO| /' /tmp/k.out
}

# boot_time WHO CMD...: run CMD, a VMM booting the Linux guest with a shell
# on its console, and report the time until the shell is ready, measured
# the same way for every VMM; then power the guest off
boot_time() {
	local who=$1 left=1200 t0 t1 pid
	shift
	rm -f /tmp/bin /tmp/b.out
	mkfifo /tmp/bin
	t0=$(now_ms)
	"$@" </tmp/bin >/tmp/b.out 2>&1 &
	pid=$!
	exec 4>/tmp/bin
	while [ $left -gt 0 ] && kill -0 $pid 2>/dev/null &&
		! grep -q "GUEST: shell ready" /tmp/b.out; do
		sleep 0.1
		left=$((left - 1))
	done
	t1=$(now_ms)
	[ "$who" = palacios ] &&
		/bin/palacios stats bench-linux | sed 's/^/PALTEST: linuxboot palacios stats /'
	echo "poweroff -f" >&4
	left=300
	while [ $left -gt 0 ] && kill -0 $pid 2>/dev/null; do
		sleep 0.1
		left=$((left - 1))
	done
	exec 4>&-
	kill $pid 2>/dev/null
	wait $pid
	say "linuxboot $who rc=$? ms=$((t1 - t0)) uptime=$(sed -n 's/^GUEST: uptime=//p' /tmp/b.out | tr -d '\r')"
	grep -E "^kvm-linux: |^palacios: " /tmp/b.out | sed "s/^/PALTEST: linuxboot $who log /"
	# (not in the VMM's own lines: kvm-linux names the string it missed)
	grep -v "^kvm-linux: " /tmp/b.out | grep -q "GUEST: shell ready" ||
		tail -n 20 /tmp/b.out | sed "s/^/PALTEST: linuxboot $who tail /"
}

# The user-space interface: the tool, the selftests and the fuzzer
uapi_tests() {
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
	[ -f /guest/bzImage ] && linux_guest
	PALACIOS_GUESTS=$G PALACIOS_KERNEL=/guest/bzImage \
		ksft test /bin/palacios_test
	PALACIOS_GUESTS=$G ksft fuzz /bin/palacios_fuzz -n 10000 -s 1
	say "uapi_dmesg_lines=$(dmesg | grep -c 'palacios:')"
}

# pt_refused NAME WANT ARGS...: "palacios run ARGS" must be refused with a
# message that contains WANT
pt_refused() {
	local name=$1 want=$2 out
	shift 2
	if out=$(timeout 60 /bin/palacios run -m 16M "$@" $G/hello.img \
		</dev/null 2>&1); then
		say "pt_$name=fail: accepted: $out"
	elif echo "$out" | grep -qF -- "$want"; then
		say "pt_$name=ok: $out"
	else
		say "pt_$name=fail: $out"
	fi
}

# The boot-time guest owns COM2: what the host refuses meanwhile
pt_checks() {
	say "pt_ioports=$(grep palacios /proc/ioports | tr -s ' ')"
	say "pt_irq=$(awk '/palacios/ { print $1, $NF }' /proc/interrupts)"
	pt_refused same_device "the host's palacios:bzImage (ports 02f8-02ff) has it" -d com2
	pt_refused same_irq "IRQ 3 is the host's palacios:bzImage's" -d @3:5
	pt_refused host_ports "the host's timer1 (ports 0050-0053) has it" -d 0x50-0x53
	pt_refused host_irq "IRQ 0 is the host's timer's" -d @0:5
	pt_refused overlap "it overlaps another -d" -d 0x2e8-0x2ef -d 0x2ec-0x2f3
	pt_refused no_irq "the host has no IRQ 5000" -d @5000:5
	pt_refused own_line "the vm has a device there (ports or line 4)" -d 0x2e8-0x2ef@5:4
	pt_refused own_ports "the vm has a device there" -d com1
	pt_refused bad_spec "invalid device 'com9'" -d com9
	say "pt_after_refusals=ports:$(grep -c palacios /proc/ioports) irqs:$(grep -c palacios /proc/interrupts) vms:$(/bin/palacios list | grep -vc '^NAME')"
}

case "$test" in
passthrough)
	# tests/lib/com2-session.py drives both serial ports: the boot-time
	# guest's shell on COM2, and this host's shell on COM1.
	pt_checks
	say "host shell ready"
	setsid sh -c 'exec sh -i </dev/ttyS0 >/dev/ttyS0 2>&1'
	;;
guests)
	# The boot-time guests of the command line (tests/run lists them).
	n=$(sed -n 's/.*pal\.nguests=\([0-9]*\).*/\1/p' /proc/cmdline)
	wait_guests "$n" 240
	;;
module-guests)
	# A guest that never stops on its own: the host stays responsive, and
	# unloading Palacios stops and frees it promptly.
	insmod_as load_loop "$M/palacios.ko guest=$G/vmmcall-loop.img"
	sleep 2
	t0=$(now_ms); sleep 1; t1=$(now_ms)
	say "host_sleep1_ms=$((t1 - t0))"
	t0=$(now_ms)
	rmmod_as unload_loop palacios
	t1=$(now_ms)
	say "unload_loop_ms=$((t1 - t0))"
	# After the hostile guests, a well-behaved one still runs fine.
	insmod_as load_after "$M/palacios.ko guest=$G/triple.img,$G/hello.img"
	wait_guests 3 60
	rmmod_as unload_after palacios
	;;
smp)
	# pal.smp=N guests of 2 vCPUs booted and powered off in turn; the
	# whole console of one that did not power off
	insmod_as smp_load "$M/palacios.ko"
	n=$(sed -n 's/.*pal\.smp=\([0-9]*\).*/\1/p' /proc/cmdline)
	for i in $(seq 1 "${n:-1}"); do
		smp_smoke
		grep -q "stopped: shutdown" /tmp/k.out || sed 's/^/KSMP| /' /tmp/k.out
	done
	rmmod_as smp_unload palacios
	;;
uapi)
	insmod_as uapi_load "$M/palacios.ko"
	uapi_tests
	rmmod_as uapi_unload palacios
	;;
demo)
	# scripts/demo: the boot-time guest, then guests run from user space
	wait_guests 1 60
	echo "# palacios run -m 16M /guests/hello.img"
	/bin/palacios run -m 16M $G/hello.img </dev/null
	echo "# palacios create spin -m 64M --image /guests/vmmcall-loop.img"
	/bin/palacios create spin -m 64M --image $G/vmmcall-loop.img
	echo "# palacios launch spin; sleep 1; palacios pause spin"
	/bin/palacios launch spin
	sleep 1
	/bin/palacios pause spin
	echo "# palacios list --host"
	/bin/palacios list --host
	echo "# palacios stats spin"
	/bin/palacios stats spin
	echo "# palacios free spin; palacios list"
	/bin/palacios free spin
	/bin/palacios list
	# The guest is the host's own kernel, with a busybox initramfs.
	if grep -qw pal.interactive /proc/cmdline; then
		demo_shell
	else
		echo "# palacios run -k /guest/bzImage -i /guest/initrd.cpio.gz -m 128M -p 'console=ttyS0 guest.shell', commands typed by the script"
		linux_session linux poweroff
		cat /tmp/k.out
	fi
	;;
bench)
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
	boot_time kvm /bin/kvm-linux -k /guest/bzImage -i /guest/initrd.cpio.gz \
		-m 128 -p "console=ttyS0 panic=-1 guest.shell"
	say "tsc_khz=$(klog | sed -n 's/.*tsc: Refined TSC clocksource calibration: \([0-9.]*\) MHz.*/\1/p' | tail -n 1)"
	say "tsc_mhz_detected=$(klog | sed -n 's/.*tsc: Detected \([0-9.]*\) MHz.*/\1/p' | tail -n 1)"
	;;
builtin)
	# Palacios is built in: its boot lines and KUnit results are in the
	# log already.  kvm_amd must not be able to take SVM from it.
	kvm_load kvm_load
	;;
module)
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
	;;
nosvm)
	insmod_as load_nosvm $M/palacios.ko
	;;
debug)
	# KUnit ran at boot, and the boot-time guests of the command line run:
	# wait for them to be freed.
	n=$(sed -n 's/.*pal\.nguests=\([0-9]*\).*/\1/p' /proc/cmdline)
	[ -n "$n" ] && wait_guests "$n" 240
	uapi_tests
	# kmemleak reports an object only once it is 5 s
	# old and only from the second scan after it lost its last reference.
	if [ -w /sys/kernel/debug/kmemleak ]; then
		sleep 5
		echo scan > /sys/kernel/debug/kmemleak
		echo scan > /sys/kernel/debug/kmemleak
		n=$(grep -c 'unreferenced object' /sys/kernel/debug/kmemleak)
		say "kmemleak=$n"
		head -n 60 /sys/kernel/debug/kmemleak
	else
		say "kmemleak=unavailable"
	fi
	# lockdep switches itself off after its first report
	say "debug_locks=$(awk '/debug_locks:/ { print $2 }' /proc/lockdep_stats 2>/dev/null)"
	;;
*)
	say "unknown test '$test'"
	;;
esac
say "palacios_lines=$(dmesg | grep -c 'palacios:')"
say "dmesg begin"
dmesg
say "dmesg end"
say end
poweroff -f
