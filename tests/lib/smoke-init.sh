#!/bin/sh
# smoke-init.sh - /init for a rig smoke test of the host (or debug) kernel.
#
# Build the initramfs with the KVM modules at /lib/modules/:
#   O=build/out-host
#   tests/lib/mkinitramfs.sh build/smoke.cpio.gz tests/lib/smoke-init.sh \
#       $O/virt/lib/irqbypass.ko:/lib/modules/irqbypass.ko \
#       $O/arch/x86/kvm/kvm.ko:/lib/modules/kvm.ko \
#       $O/arch/x86/kvm/kvm-amd.ko:/lib/modules/kvm-amd.ko
#   tests/lib/qemu-boot.sh $O/arch/x86/boot/bzImage build/smoke.cpio.gz build/smoke.log
#   grep SMOKE: build/smoke.log
#
# Kernel command line words it reads (from /proc/cmdline):
#   smoke_svm=0      expect NO svm flag and skip the KVM part (-cpu qemu64,-svm)
#   smoke_cpus=N     expected number of online CPUs (default 2)
#   smoke_nokmemleak skip the kmemleak part (only runs if the kernel has kmemleak:
#                    2 baseline scans + clear before, 2 scans after the workload;
#                    each scan takes about 8 s under TCG with debug.config)
# Every check prints "SMOKE: ok - ..." or "SMOKE: FAIL - ...", and the last line
# is "SMOKE: N passed, M failed"; then the guest powers off.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
echo "SMOKE: /init reached at uptime $(cut -d' ' -f1 /proc/uptime) s"

pass=0; fail=0
ok()  { echo "SMOKE: ok - $*"; pass=$((pass + 1)); }
bad() { echo "SMOKE: FAIL - $*"; fail=$((fail + 1)); }
now() { cut -d' ' -f1 /proc/uptime; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
cmdarg() { sed -n "s/.*\<$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
# kernel messages that must never appear
alarming='WARNING:|BUG:|Oops|Call Trace|general protection|KASAN|UBSAN|kmemleak: [0-9]+ new suspected|circular locking|possible recursive|inconsistent lock|sleeping function called|Kernel panic'
dmesg_clean() { # LABEL: new kernel messages since the last call must be harmless
	dmesg -c > /tmp/dmesg.new
	if grep -Eq "$alarming" /tmp/dmesg.new; then
		bad "$1: alarming kernel messages:"; cat /tmp/dmesg.new
	else
		ok "$1: no alarming kernel messages"
	fi
}

want_svm=$(cmdarg smoke_svm); [ -n "$want_svm" ] || want_svm=1
want_cpus=$(cmdarg smoke_cpus); [ -n "$want_cpus" ] || want_cpus=2

dmesg_clean "boot"

# kmemleak baseline (debug kernel only): two scans, then "clear" so that
# anything stock boot left behind is not blamed on the workload.
KML=/sys/kernel/debug/kmemleak
kmemleak=0
[ -e $KML ] && ! grep -q smoke_nokmemleak /proc/cmdline && kmemleak=1
kmemleak_scan() {
	t=$(now); echo scan > $KML
	echo "SMOKE: kmemleak scan $1 took $(elapsed "$t") s"
}
if [ "$kmemleak" = 1 ]; then
	kmemleak_scan "baseline #1"; kmemleak_scan "baseline #2"
	t=$(now); n=$(grep -c 'unreferenced object' $KML)
	echo "SMOKE: kmemleak: reading the report took $(elapsed "$t") s"
	[ "$n" = 0 ] && ok "kmemleak: nothing reported at idle after boot" \
		|| { bad "kmemleak: $n reports at idle after boot"; cat $KML; }
	echo clear > $KML
fi

ncpu=$(grep -c '^processor' /proc/cpuinfo)
[ "$ncpu" = "$want_cpus" ] && ok "$ncpu CPUs online ($(cat /sys/devices/system/cpu/online))" \
	|| bad "expected $want_cpus CPUs, /proc/cpuinfo has $ncpu"
nsvm=$(grep -c -w svm /proc/cpuinfo)
if [ "$want_svm" = 1 ]; then
	[ "$nsvm" = "$ncpu" ] && ok "svm flag on all $nsvm CPUs" || bad "svm flag on $nsvm of $ncpu CPUs"
	grep -m1 '^flags' /proc/cpuinfo | grep -qw npt && ok "npt flag present" || bad "no npt flag"
else
	[ "$nsvm" = 0 ] && ok "no svm flag (as expected)" || bad "svm flag present on $nsvm CPUs"
fi

if [ "$want_svm" = 1 ] && [ -f /lib/modules/kvm-amd.ko ]; then
	for m in irqbypass kvm kvm-amd; do
		insmod /lib/modules/$m.ko && ok "insmod $m.ko" || bad "insmod $m.ko failed"
	done
	[ -c /dev/kvm ] && ok "/dev/kvm exists" || bad "/dev/kvm missing"
	lsmod
	dmesg_clean "kvm_amd load"
fi

if [ "$want_cpus" -ge 2 ]; then
	echo 0 > /sys/devices/system/cpu/cpu1/online && ok "cpu1 offlined" || bad "cannot offline cpu1"
	[ "$(cat /sys/devices/system/cpu/online)" = 0 ] && ok "online=0" || bad "online=$(cat /sys/devices/system/cpu/online)"
	echo 1 > /sys/devices/system/cpu/cpu1/online && ok "cpu1 onlined" || bad "cannot online cpu1"
	[ "$(cat /sys/devices/system/cpu/online)" = 0-1 ] && ok "online=0-1" || bad "online=$(cat /sys/devices/system/cpu/online)"
	taskset -c 1 sh -c 'i=0; while [ $i -lt 1000 ]; do i=$((i+1)); done' && ok "ran a task on cpu1" || bad "taskset -c 1 failed"
	dmesg_clean "cpu1 hotplug"
fi

if lsmod | grep -q '^kvm_amd'; then
	rmmod kvm_amd && rmmod kvm && rmmod irqbypass && ok "rmmod kvm_amd kvm irqbypass" || bad "rmmod failed"
	dmesg_clean "kvm unload"
fi

if [ "$kmemleak" = 1 ]; then
	# Leak check of the whole workload above (KVM load/unload, CPU hotplug).
	# A leaked object is reported only by the 2nd scan after its allocation
	# (the 1st records its checksum) and only once it is 5 s old.
	sleep 5
	kmemleak_scan "final #1"; kmemleak_scan "final #2"
	n=$(grep -c 'unreferenced object' $KML)
	[ "$n" = 0 ] && ok "kmemleak: nothing reported after the workload" \
		|| { bad "kmemleak: $n leaks after the workload"; cat $KML; }
fi

if [ -r /proc/lockdep_stats ]; then
	# lockdep switches itself off after its first report, or after a KASAN
	# report / any taint that makes it unreliable: check it stayed on.
	grep -q 'debug_locks: *1' /proc/lockdep_stats && ok "lockdep still active (debug_locks=1)" \
		|| bad "lockdep turned itself off (debug_locks=0): see the first report above"
fi

echo "SMOKE: done at uptime $(now) s"
echo "SMOKE: $pass passed, $fail failed"
poweroff -f
