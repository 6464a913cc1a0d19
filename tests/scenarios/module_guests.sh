# SPDX-License-Identifier: GPL-2.0-only
# Scenario module_guests: the module with guests: VMs of the kernel, listed, reached and stopped by the tool, out of a user's reach; a spinning guest stopped by unloading; the host stays responsive
#@ stage: boot
#@ order: 30
#@ kernel: m

module_guests_guest() {
	local t0 t1 cpid
	# A guest that never stops on its own: the host stays responsive, and
	# unloading Palacios stops and frees it promptly.
	# both on host CPU 1: a vCPU on CPU 0 while another runs on CPU 1
	# meets the rig's defect (tests/README)
	insmod_as load_loop "$M/palacios.ko guest=$G/vmmcall-loop.img,$G/vmmcall-loop.img affinity=1"
	sleep 2
	# They are VMs of the kernel: listed, their console and stop reached
	# by name; a user neither lists nor opens them (the owners selftest)
	/bin/palacios list | sed 's/^/KVMS| /'
	timeout 30 /bin/palacios console vmmcall-loop-2 </dev/null \
		>/tmp/kc.out 2>&1 &
	cpid=$!
	sleep 1
	/bin/palacios stop vmmcall-loop-2
	say "kernel_vm_stop_rc=$?"
	wait $cpid
	say "kernel_vm_console_rc=$?"
	sed 's/^/KCON| /' /tmp/kc.out
	PALACIOS_GUESTS=$G ksft owners /bin/palacios_test -t owners
	/bin/palacios list | sed 's/^/KVMS2| /'
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
	t module-guests-kernel-listed logged "$n" "^KVMS| vmmcall-loop .* running .* kernel "
	t module-guests-kernel-renamed logged "$n" "^KVMS| vmmcall-loop-2 .* running .* kernel "
	t module-guests-kernel-console logged "$n" "^KCON| vmmcall-loop: spinning"
	# the console ends with the guest, as "run" does: 2, stopped by the host
	t module-guests-kernel-console-ends has "$n" "kernel_vm_console_rc=2"
	t module-guests-kernel-console-why logged "$n" "^KCON| palacios: vm vmmcall-loop-2 stopped: stopped by the host"
	t module-guests-kernel-stop has "$n" "kernel_vm_stop_rc=0"
	t module-guests-kernel-stopped logged "$n" "palacios: vm vmmcall-loop-2: stopped: stopped by the host"
	t module-guests-kernel-freed logged "$n" "palacios: vm vmmcall-loop-2: freed in [0-9]* ms"
	t module-guests-kernel-unlisted not_logged "$n" "^KVMS2| vmmcall-loop-2 "
	t module-guests-kernel-still-listed logged "$n" "^KVMS2| vmmcall-loop .* running .* kernel "
	t module-guests-owners-kernel-vm logged "$n" "^KSFT owners: .*a VM of the kernel to check: vmmcall-loop"
	t module-guests-ksft-owners-rc has "$n" "ksft_owners_rc=0"
	tap_results "$n" "KSFT owners" "ksft($n) owners"
	t module-guests-loop-stopped logged "$n" "palacios: vm vmmcall-loop: stopped: stopped by the host"
	# a second of sleep, while a guest spins on the other CPU: the
	# bound leaves room for a loaded machine, not for a locked CPU
	t module-guests-host-responsive within "$n" host_sleep1_ms 990 2500 ms
	t module-guests-second-guest logged "$n" "palacios: hello> hello: PASS"
	t module-guests-clean-log clean_log "$n"
	echo "    (unloading with a spinning guest: $(value "$n" unload_loop_ms) ms)"
}
