#!/bin/sh
# /init of the test initramfs booted by tests/run in the QEMU host.
#
# The kernel command line word pal.test=NAME picks the scenario: the
# function NAME_guest of /scenarios/NAME.sh (tests/scenarios/), which runs
# here with the helpers below.  Every result is a line "PALTEST: key=value"
# that the scenario's checks read from the serial log; the last line is
# "PALTEST: end".  Then the machine powers off.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null

# Kernel messages of what follows would interleave with the results on the
# serial line: keep them off the console (but for emergencies) and print
# them, whole, at the end.  Messages from before /init are on the console.
dmesg -c > /tmp/early.log
dmesg -n 2

# (and when, for hang_watch: a builtin read and echo, no process)
say() {
	echo "PALTEST: $*"
	read -r said_at _ </proc/uptime
	echo "${said_at%.*}" >/tmp/said
}
test=$(sed -n 's/.*pal\.test=\([a-z0-9_-]*\).*/\1/p' /proc/cmdline)
say "test=$test cpus=$(grep -c ^processor /proc/cpuinfo) svm=$(grep -c -w svm /proc/cpuinfo)"
M=/lib/modules

# insmod, and where the module's text went: "modtext NAME ADDRESS" on the
# console, for tests/lib/qemu-dump.py to name the functions a hung host's
# CPUs are in (through /dev/console: callers keep insmod's output)
insmod() {
	command insmod "$@" || return
	set -- "${1##*/}"
	set -- "$(echo "${1%.ko}" | tr - _)"
	echo "modtext $1 $(cat "/sys/module/$1/sections/.text" 2>/dev/null)" >/dev/console
}

# The rig's lost interrupts ("The rig's lost interrupts" in tests/README):
# Debian's QEMU 7.2 can lose the notice of an interrupt for a CPU that
# enters an SVM guest at that instant.  The interrupt then waits in the
# CPU's local APIC until another one arrives; when the lost one was the
# CPU's own timer, the CPU and everything that runs on it (a vCPU and its
# guest's timers) stops until something else interrupts it, which took
# minutes.  So each second CPUs 0 and 1 each interrupt every other CPU (a
# CPUID read through /dev/cpu/N/cpuid is a function-call IPI), and a CPU
# with a lost interrupt takes it within a second.  Two kickers, as a
# kicker does not kick its own CPU (the reading that added the second,
# of bench boots that hung, was wrong: tests/README, "The rig's
# twice-delivered interrupts").  Only on QEMU's SVM (not Bochs'
# VMX), and not with pal.kick=0 (to see the defect).  Under -icount too:
# one thread runs every CPU there, but the main loop's device interrupts
# and timers can still land in VMRUN's update.
rig_kick() {
	local n k
	n=$(grep -c ^processor /proc/cpuinfo)
	grep -qw svm /proc/cpuinfo && [ "$n" -gt 1 ] || return 0
	grep -q "pal\.kick=0" /proc/cmdline && return 0
	for k in 0 1; do
		taskset -c $k sh -c "while sleep 1; do
			c=0
			while [ \$c -lt $n ]; do
				[ \$c = $k ] ||
					dd if=/dev/cpu/\$c/cpuid bs=16 count=1 2>/dev/null >/dev/null
				c=\$((c + 1))
			done
		done" </dev/null >/dev/null 2>&1 &
	done
}
rig_kick

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

# hang_watch SECONDS &: once nothing was said for SECONDS, show on the
# console what the host is doing: its blocked tasks, its CPUs' stacks and
# timers (sysrq w, l, q), their interrupt counts, its processes; then again
# after another SECONDS.  For a boot that stops making progress while the
# host still runs; tests/lib/qemu-dump.py shows where QEMU's CPUs are when
# nothing in the host runs any more.  (Under -icount the host's clock
# crawls while a vCPU spins: tests/README, "The rig's twice-delivered
# interrupts".)
hang_watch() {
	local now last n k
	while sleep 15; do
		read -r now _ </proc/uptime
		now=${now%.*}
		last=$(cat /tmp/said 2>/dev/null)
		[ $((now - ${last:-0})) -ge "$1" ] || continue
		echo "HANGWATCH: nothing said for $((now - ${last:-0})) s" >/dev/console
		n=$(dmesg | wc -l)
		for k in w l q; do
			echo $k >/proc/sysrq-trigger
		done
		sleep 2
		{
			grep -E "^ *(LOC|CAL):" /proc/interrupts
			ps -o pid,stat,comm
			dmesg | tail -n +$((n + 1))
		} 2>&1 | sed 's/^/HANGWATCH| /' >/dev/console
		echo "$now" >/tmp/said
	done
}

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

# linux_sleep S: the guest sleeps S seconds by its clock, timed here too
# (from the command typed to its answer)
linux_sleep() {
	local t0 t1

	sleep 0.5
	t0=$(now_ms)
	echo "clockcheck sleep $1" >&3
	linux_wait "^SLEPT: "
	t1=$(now_ms)
	say "clock_${name}_sleep_host_ms=$((t1 - t0))"
	say "clock_${name}_sleep_guest_ms=$(sed -n 's/^SLEPT: .*guest_ms=\([0-9]*\).*/\1/p' /tmp/k.out | tr -d '\r')"
}

# linux_session NAME LAST: boot the Linux guest as VM NAME with a shell on
# its console, then LAST: poweroff (after the session's commands), reboot,
# or boot (a poweroff at once, for the benchmark).  $cpus, $mem, $kernel,
# $guest_args and $affinity (palacios run -a) change the VM; $session
# names a function that types more commands before the end.
linux_session() {
	local left=180 pid t0 t1 name=$1

	rm -f /tmp/in /tmp/k.out
	mkfifo /tmp/in
	t0=$(now_ms)
	/bin/palacios run -k ${kernel:-/guest/bzImage} -i /guest/initrd.cpio.gz \
		-m ${mem:-128M} -c ${cpus:-1} ${affinity:+-a $affinity} -n $name \
		-p "console=ttyS0 panic=-1 guest.shell${guest_args:+ $guest_args}" \
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
		linux_type 'clockcheck' "^CLOCK: "
		linux_sleep 5
	fi
	# $session: a function of the scenario's that types its own commands
	[ -n "${session:-}" ] && "$session"
	if [ "$2" = boot ]; then echo "poweroff -f" >&3; else echo "$2 -f" >&3; fi
	linux_wait "palacios: vm $name stopped"
	exec 3>&-
	kill $pid 2>/dev/null
	wait $pid
	say "linux_${2}_rc=$? linux_boot_ms=$((t1 - t0))"
}

# wait_out PID FILE PATTERN TENTHS: wait until FILE has a line matching
# PATTERN (or, with PATTERN empty, until PID ends), PID ends, or TENTHS
# tenths of a second went by
wait_out() {
	local left=$4
	while [ "$left" -gt 0 ] && kill -0 "$1" 2>/dev/null; do
		[ -n "$3" ] && grep -q "$3" "$2" && return
		sleep 0.1
		left=$((left - 1))
	done
}

# vmm_shell COMMAND PATTERN TENTHS CMD...: run CMD, a VMM booting the Linux
# guest with a shell on its console, into /tmp/s.out; there, type COMMAND
# and wait TENTHS tenths of a second for a line matching PATTERN; then
# power the guest off
vmm_shell() {
	local command=$1 pattern=$2 tenths=$3 pid
	shift 3
	rm -f /tmp/sin /tmp/s.out
	mkfifo /tmp/sin
	"$@" </tmp/sin >/tmp/s.out 2>&1 &
	pid=$!
	exec 5>/tmp/sin
	wait_out $pid /tmp/s.out "GUEST: shell ready" 1200
	sleep 1
	echo "$command" >&5
	wait_out $pid /tmp/s.out "$pattern" "$tenths"
	echo "poweroff -f" >&5
	wait_out $pid /tmp/s.out "" 300
	exec 5>&-
	kill $pid 2>/dev/null
	wait $pid
}

# spin_speedup WHO CMD...: run CMD, a VMM booting a 2-vCPU Linux guest with
# a shell on its console; there, parspin's one busy loop against two at
# once on the two vCPUs (each the shortest of PARSPIN_TRIES tries, 3
# unless set: on a busy 2-core machine a try can lose a host CPU to other
# work), and pingpong's wake-up round trip between them; then power
# the guest off
spin_speedup() {
	local who=$1
	shift
	vmm_shell "parspin 2 ${PARSPIN_ITERS:-100000000} ${PARSPIN_TRIES:-3}; pingpong ${PINGPONG_ROUNDS:-2000}" \
		"^PINGPONG: " 1200 "$@"
	say "speedup $who $(sed -n 's/^PARSPIN: //p' /tmp/s.out | tr -d '\r')"
	say "pingpong $who $(sed -n 's/^PINGPONG: //p' /tmp/s.out | tr -d '\r')"
	grep -q "^PINGPONG: " /tmp/s.out || tail -n 20 /tmp/s.out | sed "s/^/PALTEST: speedup $who tail /"
}

# boot_time WHO CMD...: run CMD, a VMM booting the Linux guest with a shell
# on its console, and report the time until the shell is ready, measured
# the same way for every VMM; then power the guest off
boot_time() {
	local who=$1 t0 t1 pid
	shift
	rm -f /tmp/bin /tmp/b.out
	mkfifo /tmp/bin
	t0=$(now_ms)
	"$@" </tmp/bin >/tmp/b.out 2>&1 &
	pid=$!
	exec 4>/tmp/bin
	wait_out $pid /tmp/b.out "GUEST: shell ready" 1200
	t1=$(now_ms)
	[ "$who" = palacios ] &&
		/bin/palacios stats bench-linux | sed 's/^/PALTEST: linuxboot palacios stats /'
	echo "poweroff -f" >&4
	wait_out $pid /tmp/b.out "" 300
	exec 4>&-
	kill $pid 2>/dev/null
	wait $pid
	say "linuxboot $who rc=$? ms=$((t1 - t0)) uptime=$(sed -n 's/^GUEST: uptime=//p' /tmp/b.out | tr -d '\r')"
	grep -E "^kvm-linux: |^palacios: " /tmp/b.out | sed "s/^/PALTEST: linuxboot $who log /"
	# (not in the VMM's own lines: kvm-linux names the string it missed)
	grep -v "^kvm-linux: " /tmp/b.out | grep -q "GUEST: shell ready" ||
		tail -n 20 /tmp/b.out | sed "s/^/PALTEST: linuxboot $who tail /"
}

# The scenarios: each defines NAME_guest (and its checks, for tests/run)
for f in /scenarios/*.sh; do
	. "$f"
done
if command -v "${test}_guest" >/dev/null 2>&1; then
	"${test}_guest"
else
	say "unknown test '$test'"
fi
say "palacios_lines=$(dmesg | grep -c 'palacios:')"
# the whole kernel log: from before /init (on the console as well) and since;
# a scenario whose console has it all and whose serial port is slow (Bochs')
# sets dmesg_dump=no
if [ "${dmesg_dump:-yes}" = yes ]; then
	say "dmesg begin"
	klog
	say "dmesg end"
fi
say end
# a slow serial port (Bochs') needs time to send the dump before the end
[ -n "${drain_s:-}" ] && sleep "$drain_s"
# a scenario that checks its disk's flushes powers off without a sync
poweroff -f ${poweroff_nosync:+-n}
