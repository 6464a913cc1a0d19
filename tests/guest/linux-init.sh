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
# The board's virtio console (tests/scenarios/net.sh): with guest.chan=N,
# /dev/hvc0 held open in raw mode (from the first open: in the tty's
# cooked mode its bytes would be echoed and edited), "ready" said on it,
# then N bytes taken from it, their md5 said, and the bytes given back
chan=$(sed -n 's/.*guest\.chan=\([0-9]*\).*/\1/p' /proc/cmdline)
if [ -n "$chan" ]; then
	echo "GUEST: hvc0 $([ -c /dev/hvc0 ] && echo is) virtio_console=$(ls /sys/bus/virtio/drivers/virtio_console | grep -c '^virtio')"
	exec 3<>/dev/hvc0
	stty raw -echo <&3
	echo ready >&3
	head -c "$chan" <&3 >/tmp/chan
	echo "GUEST: chan_md5=$(md5sum </tmp/chan | cut -d' ' -f1) bytes=$(wc -c </tmp/chan)"
	cat /tmp/chan >&3
	exec 3>&-
fi
# The board's virtio NIC (tests/scenarios/net.sh): guest.net=ADDR/LEN,PEER
# sets eth0 up and pings PEER until it answers; with guest.nettcp it then
# fetches PEER's /blob over HTTP and serves one of its own until PEER
# took it (PEER's /done); with guest.iobench it runs the I/O benchmark;
# else it stays up a while for PEER's pings.
net=$(sed -n 's/.*guest\.net=\([0-9./,]*\).*/\1/p' /proc/cmdline)
if [ -n "$net" ]; then
	peer=${net#*,}
	ip link set lo up
	ip addr add "${net%,*}" dev eth0 && ip link set eth0 up
	echo "GUEST: eth0 $(cat /sys/class/net/eth0/address) $(basename "$(readlink /sys/class/net/eth0/device/driver)")"
	# the offloads the driver took: CSUM, GUEST_CSUM, GUEST_TSO4, HOST_TSO4
	echo "GUEST: eth0 offloads=$(cut -c1,2,8,12 /sys/class/net/eth0/device/features)"
	n=0
	until ping -c 1 -W 1 "$peer" >/dev/null 2>&1 || [ $n -ge 90 ]; do
		n=$((n + 1))
	done
	echo "GUEST: ping $peer: $(ping -c 3 -W 2 "$peer" | grep -o '[0-9]* packets received')"
	if grep -qw guest.iobench /proc/cmdline; then
		# The benchmark (tests/scenarios/bench.sh): the disk vda, then
		# TCP with PEER's "iobench serve 5001"
		for w in "blk /dev/vda" "tcp $peer 5001"; do
			# shellcheck disable=SC2086 # $w is the words of a command
			/bin/iobench $w 2>&1 | sed 's/^/GUEST: /'
		done
	elif grep -qw guest.nettcp /proc/cmdline; then
		mkdir -p /tmp/www
		head -c 4194304 /dev/urandom > /tmp/www/blob
		echo "GUEST: blob_md5=$(md5sum < /tmp/www/blob | cut -d' ' -f1)"
		httpd -p 8080 -h /tmp/www
		t0=$(cut -d' ' -f1 /proc/uptime)
		wget -q -O /tmp/got "http://$peer:8080/blob"
		echo "GUEST: got_md5=$(md5sum < /tmp/got | cut -d' ' -f1) bytes=$(wc -c < /tmp/got) from=$t0 to=$(cut -d' ' -f1 /proc/uptime)"
		n=0
		until wget -q -O /dev/null "http://$peer:8080/done" 2>/dev/null ||
			[ $n -ge 120 ]; do
			sleep 1
			n=$((n + 1))
		done
		echo "GUEST: peer done after ${n}s"
	else
		sleep 10
	fi
fi
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
