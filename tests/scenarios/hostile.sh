# SPDX-License-Identifier: GPL-2.0-only
# Scenario hostile: guests that ask for interrupts without end (the PIT at count 1, the LAPIC timer at its shortest period, self-IPIs): the guest's interrupt rate, the host's timer interrupts and responsiveness, against the idle host
#@ stage: boot
#@ order: 35
#@ kernel: m

# The attacks of tools/testing/palacios/guests/timers.c, each for 4 s on
# host CPU 1, one after the other
HOSTILE_GUESTS="pittimer lapictimer selfipi"
# Shorter hostile guests, measured from their start: device memory, CR4,
# WBINVD/RDPMC/RDPRU, a console flood and the #DB storm (last: QEMU 7.2
# keeps a guest's instruction breakpoints for the next guests of its CPU)
HOSTILE_SHORT="mmio cr4 wbinvd flood dbtrap"

# loc CPU: the local timer interrupts CPU has taken so far
loc() {
	awk -v c=$(($1 + 2)) '$1 == "LOC:" { print $c }' /proc/interrupts
}

# hostile_measure NAME: over a second of `sleep 1`, host CPU 1's timer
# interrupts a second, how long the sleep took, and then how long a
# command took, as results NAME_loc_per_s, NAME_sleep1_ms and NAME_cmd_ms
hostile_measure() {
	local l0 l1 t0 t1 t2
	l0=$(loc 1)
	t0=$(now_ms)
	sleep 1
	t1=$(now_ms)
	l1=$(loc 1)
	cat /proc/interrupts >/dev/null
	t2=$(now_ms)
	say "$1_loc_per_s=$(( (l1 - l0) * 1000 / (t1 - t0) ))"
	say "$1_sleep1_ms=$((t1 - t0))"
	say "$1_cmd_ms=$((t2 - t1))"
}

# hostile_pages: the pages Palacios holds
hostile_pages() {
	/bin/palacios list --host | sed -n 's/.* \([0-9]*\) pages held.*/\1/p'
}

hostile_guest() {
	local g pid n
	insmod_as load "$M/palacios.ko"
	say "pages_load=$(hostile_pages)"
	hostile_measure idle
	for g in $HOSTILE_GUESTS; do
		/bin/palacios run -a 1 -m 16M "$G/$g.img" </dev/null \
			>/tmp/h.out 2>&1 &
		pid=$!
		n=300
		while [ $n -gt 0 ] && ! grep -q "attack begins" /tmp/h.out; do
			sleep 0.1
			n=$((n - 1))
		done
		hostile_measure "$g"
		wait $pid
		say "${g}_rc=$?"
		say "${g}_guest_per_s=$(sed -n 's/.* \([0-9]*\) a second.*/\1/p' /tmp/h.out | head -n 1)"
		sed "s/^/HOSTILE $g| /" /tmp/h.out
	done
	for g in $HOSTILE_SHORT; do
		/bin/palacios run -a 1 -m 16M "$G/$g.img" </dev/null \
			>/tmp/h.out 2>&1 &
		pid=$!
		hostile_measure "$g"
		wait $pid
		say "${g}_rc=$?"
		say "${g}_lines=$(wc -l < /tmp/h.out)"
		grep -v "^flood: [0-9]*\r*$" /tmp/h.out | sed "s/^/HOSTILE $g| /"
	done
	say "pages_end=$(hostile_pages)"
	rmmod_as unload palacios
}

# loc_bounded BOOT NAME: host CPU 1 took at most 6,000 timer interrupts a
# second more under attack NAME than idle (the 200 us floor allows 5,000)
loc_bounded() {
	local idle v
	idle=$(value "$1" idle_loc_per_s)
	v=$(value "$1" "$2_loc_per_s")
	echo "expected host CPU 1's timer interrupts under $2 within 6000 a second of idle ($idle)"
	echo "saw $v a second (log: $(serial "$1"))"
	[ -n "$idle" ] && [ -n "$v" ] && [ "$v" -le $((idle + 6000)) ]
}

hostile_checks() {
	local n=$1 g
	t hostile-load has "$n" "load=ok"
	for g in $HOSTILE_GUESTS; do
		t "hostile-$g-begins" logged "$n" "^HOSTILE $g| $g: attack begins"
		t "hostile-$g-pass" logged "$n" "^HOSTILE $g| $g: PASS"
		t "hostile-$g-exit" has "$n" "${g}_rc=0"
		t "hostile-$g-host-timer" loc_bounded "$n" "$g"
		# a second of sleep and a command: bounds for a loaded
		# machine, not for a locked CPU
		t "hostile-$g-host-sleep" within "$n" "${g}_sleep1_ms" 990 2500 ms
		t "hostile-$g-host-command" within "$n" "${g}_cmd_ms" 0 1000 ms
	done
	for g in $HOSTILE_SHORT; do
		t "hostile-$g-exit" has "$n" "${g}_rc=0"
		t "hostile-$g-host-timer" loc_bounded "$n" "$g"
		t "hostile-$g-host-sleep" within "$n" "${g}_sleep1_ms" 990 2500 ms
		t "hostile-$g-host-command" within "$n" "${g}_cmd_ms" 0 1000 ms
	done
	# the flood's 2,001 lines all reached its console (a ring of 64 KiB)
	t hostile-flood-lines within "$n" flood_lines 2001 2010 lines
	# the timers' floor: at most 5,000 a second, and some margin
	t hostile-pittimer-floor within "$n" pittimer_guest_per_s 1 5500
	t hostile-lapictimer-floor within "$n" lapictimer_guest_per_s 1 5500
	t hostile-selfipi-delivered within "$n" selfipi_guest_per_s 1 100000000
	t hostile-unload has "$n" "unload=ok"
	t hostile-pages-returned within "$n" pages_end \
		"$(value "$n" pages_load)" "$(value "$n" pages_load)" pages
	t hostile-clean-log clean_log "$n"
	echo "    (host CPU 1 timer interrupts a second: idle $(value "$n" idle_loc_per_s)$(for g in $HOSTILE_GUESTS $HOSTILE_SHORT; do printf ', %s %s' "$g" "$(value "$n" "${g}_loc_per_s")"; done))"
	echo "    (a command after sleep 1, ms:$(for g in idle $HOSTILE_GUESTS $HOSTILE_SHORT; do printf ' %s %s' "$g" "$(value "$n" "${g}_cmd_ms")"; done))"
	echo "    (guest interrupts a second:$(for g in $HOSTILE_GUESTS; do printf ' %s %s' "$g" "$(value "$n" "${g}_guest_per_s")"; done); sleep 1 took:$(for g in idle $HOSTILE_GUESTS $HOSTILE_SHORT; do printf ' %s %s ms' "$g" "$(value "$n" "${g}_sleep1_ms")"; done))"
}
