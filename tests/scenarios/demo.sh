# SPDX-License-Identifier: GPL-2.0-only
# Scenario demo: scripts/demo's host: guests at boot and from user space, then a Linux guest's shell
#@ stage: none

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

demo_guest() {
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
	# The guest is the host's own kernel, with a busybox initramfs; its
	# KUnit suites are the host's to run, not the guest's.
	if grep -qw pal.interactive /proc/cmdline; then
		demo_shell
	else
		echo "# palacios run -k /guest/bzImage -i /guest/initrd.cpio.gz -m 128M -p 'console=ttyS0 guest.shell kunit.enable=0', commands typed by the script"
		guest_args=kunit.enable=0
		linux_session linux poweroff
		guest_args=
		# the guest's console, each line marked as the guest's
		sed 's/^/linux| /' /tmp/k.out
	fi
}

demo_checks() {
	:
}
