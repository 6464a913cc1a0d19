# SPDX-License-Identifier: GPL-2.0-only
# Scenario module_guests: the module with guests: a spinning guest stopped by unloading; the host stays responsive
#@ stage: boot
#@ order: 30
#@ kernel: m

module_guests_guest() {
	local t0 t1
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
}

module_guests_checks() {
	local n=$1 k
	for k in load_loop=ok unload_loop=ok load_after=ok \
		 "guests_done=3 of 3" unload_after=ok; do
		t "module-guests-${k%%=*}" has "$n" "$k"
	done
	t module-guests-loop-stopped logged "$n" "palacios: vm vmmcall-loop: stopped: stopped by the host"
	# a second of sleep, while a guest spins on the other CPU: the
	# bound leaves room for a loaded machine, not for a locked CPU
	t module-guests-host-responsive within "$n" host_sleep1_ms 990 2500 ms
	t module-guests-second-guest logged "$n" "palacios: hello> hello: PASS"
	t module-guests-clean-log clean_log "$n"
	echo "    (unloading with a spinning guest: $(value "$n" unload_loop_ms) ms)"
}
