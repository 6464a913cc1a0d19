# SPDX-License-Identifier: GPL-2.0-only
# Scenario passthrough: a boot-time Linux guest owns the host's COM2; its shell there, the host's on COM1; refusals
#@ stage: boot
#@ order: 80
#@ kernel: y

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

# The boot-time guest owns COM2: what the host refuses meanwhile; then
# tests/lib/com2-session.py drives both serial ports: the boot-time guest's
# shell on COM2, and this host's shell on COM1.
passthrough_guest() {
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
	# vms: of palacios run's, none left; the boot-time guest is listed as
	# a VM of the kernel
	say "pt_after_refusals=ports:$(grep -c palacios /proc/ioports) irqs:$(grep -c palacios /proc/interrupts) vms:$(/bin/palacios list | awk 'NR > 1 && $6 != "kernel"' | wc -l)"
	say "pt_kernel_vms=$(/bin/palacios list | awk 'NR > 1 && $6 == "kernel" { printf "%s ", $1 }')"
	say "host shell ready"
	setsid sh -c 'exec sh -i </dev/ttyS0 >/dev/ttyS0 2>&1'
}

# The host (whose 8250 and PnP drivers would take COM2) keeps to COM1.
passthrough_run() {
	"$top/tests/lib/com2-session.py" "$2/bzImage" \
		"$B/initrd-y.cpio.gz" "$(serial "$1")" \
		pal.test=passthrough panic=-1 8250.nr_uarts=1 pnpacpi=off \
		palacios.guest=/guest/bzImage@128M \
		palacios.initrd=/guest/initrd.cpio.gz \
		'"palacios.cmdline=console=ttyS1 guest.shell guest.tty=ttyS1 panic=-1"' \
		palacios.passthrough=com2 >"$L/passthrough.log" 2>&1
}

passthrough_checks() {
	local n=$1 k
	script_results PT passthrough "$L/passthrough.log"
	for k in same_device same_irq host_ports host_irq overlap \
		 no_irq own_line own_ports bad_spec; do
		t "passthrough-refused-$k" has "$n" "pt_$k=ok"
	done
	t passthrough-host-unchanged has "$n" \
		"pt_after_refusals=ports:1 irqs:1 vms:0"
	t passthrough-kernel-vm-listed has "$n" "pt_kernel_vms=bzImage "
	t passthrough-boot-log logged "$n" \
		"palacios: vm bzImage: passthrough: ports 0x2f8+8, IRQ 3 (edge) on line 3"
	t passthrough-clean-log clean_log "$n"
}
