# SPDX-License-Identifier: GPL-2.0-only
# Scenario net: Linux guests on virtio NICs over tap devices, in a network namespace of the host: pings and HTTP transfers both ways, checked by md5; two guests on one bridge ping each other; 64 KiB through a guest's virtio console and back
#@ stage: boot
#@ order: 53
#@ kernel: m

# Everything happens in a network namespace of the test host's own
# (/run/palnet), as a user's VMs would sit in a container's: the palacios
# tool makes its tap devices there, the host's side of each tap gets an
# address there.  The guests are the tests' Linux guest, whose /init
# (tests/guest/linux-init.sh) does the guest's side from guest.net=; all
# run on host CPU 1 (see "The rig's defect" in tests/README).

NET_NS=/run/palnet

# netns CMD...: CMD in the scenario's network namespace
netns() {
	nsenter --net=$NET_NS "$@"
}

# net_tap_up TAP ADDR: once the tool made TAP, give it ADDR and set it up
net_tap_up() {
	local n=0
	until netns ip link show "$1" >/dev/null 2>&1 || [ $n -ge 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	if [ -n "$2" ]; then
		netns ip addr add "$2" dev "$1"
	fi
	netns ip link set "$1" up
}

# net_vm NAME TAP,MAC GUEST-NET [ARGS]: the Linux guest NAME on a NIC over
# TAP, in the background, its console in /tmp/NAME.out; with NET_CHAN=
# IN,OUT a virtio console on those FIFOs too
net_vm() {
	# shellcheck disable=SC2086 # the option is two words or none
	netns timeout 240 /bin/palacios run -k /guest/bzImage \
		-i /guest/initrd.cpio.gz -m 128M -a 1 -n "$1" -N "tap=$2" \
		${NET_CHAN:+-C $NET_CHAN} \
		-p "console=ttyS0 panic=-1 guest.net=$3 ${4:-}" \
		</dev/null >"/tmp/$1.out" 2>&1 &
}

# net_report NAME PID: wait for guest NAME to end, and show what it said
net_report() {
	wait "$2"
	say "net_$1_rc=$?"
	grep -E "^GUEST: |^palacios: |virtio_net|Kernel panic|BUG|WARNING" \
		"/tmp/$1.out" | sed "s/^/NET($1)| /"
}

net_one() {
	local pid cpid n=0
	mkdir -p /tmp/www
	head -c 4194304 /dev/urandom >/tmp/www/blob
	say "net_host_blob_md5=$(md5sum </tmp/www/blob | cut -d' ' -f1)"
	# and 64 KiB to the guest's virtio console and back, through FIFOs
	rm -f /tmp/cin /tmp/cout && mkfifo /tmp/cin /tmp/cout
	head -c 65536 /dev/urandom >/tmp/chan.data
	say "net_chan_md5=$(md5sum </tmp/chan.data | cut -d' ' -f1)"
	NET_CHAN=/tmp/cin,/tmp/cout net_vm net1 pt0,mac=52:54:00:00:02:02 \
		10.0.2.2/24,10.0.2.1 "guest.nettcp guest.chan=65536"
	pid=$!
	# the guest's "ready" first (each open waits for the tool's own)
	timeout 240 sh -c 'head -c 6 /tmp/cout >/tmp/chan.ready &&
		cat /tmp/chan.data >/tmp/cin &&
		head -c 65536 /tmp/cout >/tmp/chan.back' &
	cpid=$!
	net_tap_up pt0 10.0.2.1/24
	netns httpd -p 10.0.2.1:8080 -h /tmp/www
	# the guest's blob, once it serves it
	until netns wget -q -O /tmp/gblob http://10.0.2.2:8080/blob 2>/dev/null ||
		[ $n -ge 180 ] || ! kill -0 $pid 2>/dev/null; do
		sleep 1
		n=$((n + 1))
	done
	say "net_host_got_md5=$(md5sum </tmp/gblob | cut -d' ' -f1) bytes=$(wc -c </tmp/gblob)"
	say "net_host_ping=$(netns ping -c 3 -W 2 10.0.2.2 | grep -o '[0-9]* packets received')"
	say "net_host_neigh=$(netns ip neigh show dev pt0 | grep -o '52:54:00:00:02:02' | head -n 1)"
	touch /tmp/www/done
	net_report net1 $pid
	wait $cpid
	say "net_chan_back_md5=$(md5sum </tmp/chan.back | cut -d' ' -f1) bytes=$(wc -c </tmp/chan.back)"
	say "net_tap_gone=$(netns ip link show pt0 >/dev/null 2>&1 && echo no || echo yes)"
}

net_bridge() {
	local pa pb
	netns brctl addbr br0 && netns ip link set br0 up
	net_vm neta pa 10.0.3.2/24,10.0.3.3
	pa=$!
	# (b without offloads: the host completes a's for it)
	net_vm netb pb,offload=off 10.0.3.3/24,10.0.3.2
	pb=$!
	net_tap_up pa && netns brctl addif br0 pa
	net_tap_up pb && netns brctl addif br0 pb
	# (the bridge's ports: the links that ip shows with "master br0", by
	# name: the two taps are made in either order)
	say "net_bridge_ports=$(netns ip -o link | sed -n 's/^[0-9]*: \([a-z0-9]*\):.* master br0 .*/\1/p' | sort | tr '\n' ' ')"
	net_report neta $pa
	net_report netb $pb
}

# net_tests: the two parts, in the scenario's network namespace (also
# run by the debug scenario)
net_tests() {
	mkdir -p /run && touch $NET_NS
	if unshare --net=$NET_NS true; then
		netns ip link set lo up
		say "net_ns=$(netns ip -o link | wc -l) links"
		net_one
		net_bridge
	else
		say "net_ns=cannot make one"
	fi
	say "net_vms_left=$(/bin/palacios list | awk 'NR > 1 && $6 != "kernel"' | wc -l)"
}

net_guest() {
	insmod_as net_load "$M/palacios.ko"
	net_tests
	rmmod_as net_unload palacios
}

# net_md5 NAME KEY: the guest's md5 of what it sent or got, as it said it
net_md5() {
	text "$(serial "$1")" | sed -n "s/^NET(net1)| GUEST: $2=\([0-9a-f]*\).*/\1/p"
}

# net_transfer NAME DIRECTION: the two ends of a transfer agree (TCP, or
# the virtio console's FIFOs: chan-*)
net_transfer() {
	local a b
	case $2 in
	to-guest)
		a=$(text "$(serial "$1")" | sed -n 's/^PALTEST: net_host_blob_md5=//p')
		b=$(net_md5 "$1" got_md5) ;;
	to-host)
		a=$(net_md5 "$1" blob_md5)
		b=$(text "$(serial "$1")" | sed -n 's/^PALTEST: net_host_got_md5=\([0-9a-f]*\).*/\1/p') ;;
	chan-to-guest)
		a=$(text "$(serial "$1")" | sed -n 's/^PALTEST: net_chan_md5=//p')
		b=$(net_md5 "$1" chan_md5) ;;
	chan-to-host)
		a=$(text "$(serial "$1")" | sed -n 's/^PALTEST: net_chan_md5=//p')
		b=$(text "$(serial "$1")" | sed -n 's/^PALTEST: net_chan_back_md5=\([0-9a-f]*\) bytes=65536$/\1/p') ;;
	esac
	echo "md5 of what was sent: ${a:-nothing}; of what arrived: ${b:-nothing}"
	[ -n "$a" ] && [ "$a" = "$b" ]
}

# net_test_checks BOOT PREFIX: what net_tests reported, as tests PREFIX-*
net_test_checks() {
	local n=$1 p=$2
	t $p-ns has "$n" "net_ns=1 links"
	t $p-nic logged "$n" "^NET(net1)| GUEST: eth0 52:54:00:00:02:02 virtio_net"
	t $p-nic-line logged "$n" "palacios: vm net1: network device: MAC 52:54:00:00:02:02, at 0xd0004000 on line 11"
	t $p-offloads logged "$n" "^NET(net1)| GUEST: eth0 offloads=1111"
	t $p-offloads-off logged "$n" "^NET(netb)| GUEST: eth0 offloads=0000"
	t $p-guest-ping logged "$n" "^NET(net1)| GUEST: ping 10.0.2.1: 3 packets received"
	t $p-host-ping has "$n" "net_host_ping=3 packets received"
	t $p-host-neigh has "$n" "net_host_neigh=52:54:00:00:02:02"
	t $p-chan-device logged "$n" "palacios: vm net1: virtio console at 0xd0005000 on line 6"
	t $p-chan-hvc0 logged "$n" "^NET(net1)| GUEST: hvc0 is virtio_console=1"
	t $p-chan-to-guest net_transfer "$n" chan-to-guest
	t $p-chan-to-host net_transfer "$n" chan-to-host
	t $p-tcp-to-guest net_transfer "$n" to-guest
	t $p-tcp-to-host net_transfer "$n" to-host
	t $p-tcp-bytes logged "$n" "^NET(net1)| GUEST: got_md5=[0-9a-f]* bytes=4194304"
	t $p-peer-done logged "$n" "^NET(net1)| GUEST: peer done"
	t $p-rc has "$n" "net_net1_rc=0"
	t $p-tap-gone has "$n" "net_tap_gone=yes"
	t $p-bridge-ports has "$n" "net_bridge_ports=pa pb "
	t $p-bridge-a logged "$n" "^NET(neta)| GUEST: ping 10.0.3.3: 3 packets received"
	t $p-bridge-b logged "$n" "^NET(netb)| GUEST: ping 10.0.3.2: 3 packets received"
	t $p-bridge-a-rc has "$n" "net_neta_rc=0"
	t $p-bridge-b-rc has "$n" "net_netb_rc=0"
	t $p-vms-freed has "$n" "net_vms_left=0"
}

net_checks() {
	local n=$1
	t net-load has "$n" "net_load=ok"
	net_test_checks "$n" net
	t net-unload has "$n" "net_unload=ok"
	t net-clean-log clean_log "$n"
}
