#!/bin/sh
# /init of the initramfs of the Linux guest that the tests boot inside
# Palacios (tests/guest/init.sh, linux_guest): report, then power off.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "GUEST: init started"
echo "GUEST: uname=$(uname -sr)"
echo "GUEST: cpus=$(grep -c ^processor /proc/cpuinfo)"
echo "GUEST: mem_kb=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)"
echo "GUEST: uptime=$(cut -d' ' -f1 /proc/uptime)"
# The board's virtio entropy device: found, and its bytes not a constant
echo "GUEST: rng=$(cat /sys/class/misc/hw_random/rng_current 2>&1)"
echo "GUEST: rng_distinct=$(head -c 4096 /dev/hwrng 2>&1 | od -An -v -tx1 |
	tr -s ' ' '\n' | grep -c . ) bytes, $(head -c 4096 /dev/hwrng |
	od -An -v -tx1 | tr -s ' ' '\n' | grep . | sort -u | wc -l) values"
if grep -qw guest.shell /proc/cmdline; then
	# A shell on the console (guest.tty=, default ttyS0), for the
	# scripted console tests
	tty=$(sed -n 's/.*guest\.tty=\([a-zA-Z0-9]*\).*/\1/p' /proc/cmdline)
	tty=/dev/${tty:-ttyS0}
	echo "GUEST: shell ready on $tty"
	setsid sh -c "exec sh <$tty >$tty 2>&1"
fi
echo "GUEST: end"
poweroff -f
