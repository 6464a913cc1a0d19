# SPDX-License-Identifier: GPL-2.0-only
# Scenario vmx: Intel VMX under Bochs: Palacios enables VMX and runs the test guests and a Linux guest on it, -EBUSY while kvm_intel holds VMX; a CPU without EPT refused with one line
#@ stage: boot
#@ order: 95
#@ kernel: m

# vmx_initrd KERNEL-DIR: a small initramfs for Bochs, whose BIOS reads
# the ISO slowly: the module, KVM's, the tool and the scenarios
vmx_initrd() {
	"$top/tests/lib/mkinitramfs.sh" "$B/initrd-vmx.cpio.gz" \
		"$top/tests/guest/init.sh" "$SC_DIR:/scenarios" \
		"$B/palacios:/bin/palacios" "$B/kvm-bench:/bin/kvm-bench" \
		$(for g in $VMX_GUESTS virtioblk; do echo "$B/guests/$g.img:/guests/$g.img"; done) \
		"$1/palacios.ko:/lib/modules/palacios.ko" \
		"$1/bzImage:/guest/bzImage" \
		"$B/guest-initrd.cpio.gz:/guest/initrd.cpio.gz" \
		"$1/irqbypass.ko:/lib/modules/irqbypass.ko" \
		"$1/kvm.ko:/lib/modules/kvm.ko" \
		"$1/kvm-intel.ko:/lib/modules/kvm-intel.ko"
}

# The test guests run on VMX (few: Bochs is slow), and the exit-cost
# benchmark's guest
VMX_GUESTS="hello triple badmsr cr4 wbinvd dbtrap bench"

# Two boots of the m kernel under Bochs: a Skylake (VMX with EPT, VPID
# and unrestricted guest) and a Core 2 (VMX without EPT).
vmx_run() {
	local n=$1 kdir=$2
	t "$n-initrd" vmx_initrd "$kdir" || return
	t "$n" "$top/tests/lib/bochs-boot.sh" --timeout 900 \
		"$kdir/bzImage" "$B/initrd-vmx.cpio.gz" "$B/$n.serial" pal.test=vmx
	t "$n-noept" "$top/tests/lib/bochs-boot.sh" --timeout 900 \
		--cpu core2_penryn_t9600 "$kdir/bzImage" "$B/initrd-vmx.cpio.gz" \
		"$B/$n-noept.serial" pal.test=vmx_noept
}

# vmx_log: the kernel log since /init (init.sh took the boot's out of the
# ring then: KUnit's results, Palacios' and KVM's lines, any report), not
# the whole log again over Bochs' slow serial port, whose console had the
# boot's (drain_s gives the port time to send what it holds before the
# power-off)
vmx_log() {
	dmesg
	dmesg_dump=no
	drain_s=3
}

# What is typed at the Linux guest's shell on VMX (linux_session's $session)
vmx_session() {
	linux_type 'echo SHELL-$((6 * 7)); grep -c ^processor /proc/cpuinfo | sed s/^/CPUS-/' "^CPUS-"
}

vmx_guest() {
	grep -q ' vmx' /proc/cpuinfo && say "cpu_vmx=yes" || say "cpu_vmx=no"
	insmod_as vmx_load1 $M/palacios.ko
	if out=$(palacios create v 2>&1); then
		say "vmx_create=ok"
		palacios free v
	else
		say "vmx_create=fail: $(echo "$out" | tail -n 1)"
	fi
	for g in $VMX_GUESTS; do
		timeout 120 /bin/palacios run -m 16M $G/$g.img </dev/null \
			>/tmp/g.out 2>&1
		say "vmx_rc_$g=$?"
		sed "s/^/PALTEST: vmxg| /" /tmp/g.out | head -n 20
	done
	# a disk, through the virtioblk guest's own driver
	dd if=/dev/zero of=/tmp/disk.img bs=512 count=64 2>/dev/null
	printf 'PALACIOS-DISK' | dd of=/tmp/disk.img conv=notrunc 2>/dev/null
	timeout 120 /bin/palacios run -m 16M --disk /tmp/disk.img \
		$G/virtioblk.img </dev/null >/tmp/g.out 2>&1
	say "vmx_rc_virtioblk=$?"
	sed "s/^/PALTEST: vmxg| /" /tmp/g.out | head -n 20
	say "vmx_disk_sector1=$(dd if=/tmp/disk.img bs=512 skip=1 count=1 2>/dev/null | head -c 16)"
	# the Linux guest (the host's kernel) with two vCPUs to its shell, a
	# command typed there, the tool's stats and list while it runs (the
	# rest of the session of tests/scenarios/uapi.sh costs minutes here)
	cpus=2 session=vmx_session linux_session vmx-linux boot
	grep -E "^GUEST: |^SHELL-|^CPUS-|smpboot|^palacios: vm |Kernel panic|BUG|Oops" \
		/tmp/k.out | sed "s/^/PALTEST: vmxl| /" | tail -n 40
	rmmod_as vmx_unload1 palacios
	insmod_as kvmi_irqbypass $M/irqbypass.ko
	insmod_as kvmi_kvm $M/kvm.ko
	insmod_as kvmi_load $M/kvm-intel.ko
	# the exit-cost benchmark's guest under kvm_intel, as under Palacios
	/bin/kvm-bench $G/bench.img 2>&1 | sed -n 's/^\(BENCH .*\)/PALTEST: vmxkvm| \1/p'
	insmod_as vmx_load_busy $M/palacios.ko
	rmmod_as kvmi_unload kvm_intel
	insmod_as vmx_load2 $M/palacios.ko
	rmmod_as vmx_unload2 palacios
	insmod_as kvmi_load2 $M/kvm-intel.ko
	vmx_log
}

vmx_noept_guest() {
	grep -q ' vmx' /proc/cpuinfo && say "cpu_vmx=yes" || say "cpu_vmx=no"
	insmod_as noept_load $M/palacios.ko
	vmx_log
}

# vmx_clean BOOT: no report once /init runs.  Bochs' CPU models make the
# kernel warn while it boots (its legacy topology leaves, its XSAVE sizes),
# before Palacios or KVM is loaded: those are the rig's, and are named
# here; any report after /init started fails.
vmx_clean() {
	local log t0 bad
	log=$(clean "$(serial "$1")")
	t0=$(sed -n 's/^\[ *\([0-9.]*\)\] Run \/init as init process.*/\1/p' \
		"$log" | head -n 1)
	[ -n "$t0" ] || { echo "no 'Run /init' line in $(serial "$1")"; return 1; }
	bad=$(grep -a "BUG:\|WARNING:\|Oops\|Call Trace\|UBSAN\|KASAN\|circular locking" \
		"$log" | sed 's/^PALTEST: klog //' |
		awk -v t0="$t0" '{ t = $0; sub(/^\[ */, "", t); sub(/\].*/, "", t)
				   if (t + 0 > t0 + 0) print }')
	[ -z "$bad" ] && return 0
	echo "expected no report after /init started (at $t0 s); saw:"
	echo "$bad" | head -n 10 | sed 's/^/    /'
	echo "in: $(serial "$1")"
	return 1
}

# vmx_bench BOOT: the exit costs of Palacios on VMX and of kvm_intel from
# the bench guest's lines (figures, not timed tests): Bochs's TSC (clock
# sync=none) counts the instructions the emulated CPU executed
vmx_bench() {
	local f k p q
	f=$(serial "$1")
	printf '    %-8s %12s %12s   (TSC ticks per exit under Bochs)\n' "" Palacios kvm_intel
	for k in cpuid pio vmcall; do
		p=$(sed -n "s/.*vmxg| BENCH $k \([0-9]*\) \([0-9]*\).*/\2 \1/p" "$f" | tr -d '\r' | awk '{ printf "%d", $1 / $2 }')
		q=$(sed -n "s/.*vmxkvm| BENCH $k \([0-9]*\) \([0-9]*\).*/\2 \1/p" "$f" | tr -d '\r' | awk '{ printf "%d", $1 / $2 }')
		printf '    %-8s %12s %12s\n' "$k" "${p:-?}" "${q:-?}"
		[ -n "$p" ] && [ -n "$q" ] || {
			echo "expected BENCH $k lines of Palacios (vmxg|) and kvm_intel (vmxkvm|) in $f"
			return 1
		}
	done
}

# vmx_linux_checks BOOT VM TAG: the 2-vCPU Linux guest VM of a
# linux_session on VMX, whose lines the boot printed behind "TAG| "
vmx_linux_checks() {
	local n=$1 vm=$2 tag=$3
	t "$vm-init" has "$n" "$tag| GUEST: init started"
	t "$vm-cpus" has "$n" "$tag| GUEST: cpus=2"
	t "$vm-virtio-rng" has "$n" "$tag| GUEST: rng=virtio_rng.0"
	t "$vm-virtio-rng-bytes" has "$n" "$tag| GUEST: rng_distinct=4096 bytes, 2[0-9][0-9] values"
	t "$vm-shell" has "$n" "$tag| GUEST: shell ready"
	t "$vm-stats" logged "$n" "^KSTATS| "
	t "$vm-listed" logged "$n" "^KLIST| $vm .*running"
	t "$vm-shutdown" has "$n" "$tag| palacios: vm $vm stopped: shutdown"
	t "$vm-rc" has "$n" "linux_boot_rc=0 "
}

vmx_checks() {
	local n=$1 k
	for k in cpu_vmx=yes vmx_load1=ok vmx_create=ok vmx_unload1=ok \
		 kvmi_load=ok "vmx_load_busy=fail: .*Device or resource busy" \
		 kvmi_unload=ok vmx_load2=ok vmx_unload2=ok kvmi_load2=ok; do
		t "vmx-${k%%=*}" has "$n" "$k"
	done
	t vmx-describe logged "$n" "palacios: vmx: Intel VMX revision .*; has: ept unrestricted-guest "
	# the test guests, as on SVM (tests/scenarios/guests.sh)
	t vmx-hello-pass has "$n" "vmxg| hello: PASS"
	t vmx-hello-exit has "$n" "vmxg| palacios: vm hello stopped: exited with code 0"
	t vmx-triple-fault has "$n" "vmxg| palacios: vm triple stopped: triple fault (shutdown)"
	t vmx-badmsr-gp has "$n" "vmxg| badmsr: PASS got #GP x2"
	t vmx-cr4-osxsave-gp has "$n" "vmxg| cr4: OSXSAVE: #GP"
	t vmx-cr4-pass has "$n" "vmxg| cr4: PASS"
	t vmx-wbinvd-rdpmc-gp has "$n" "vmxg| wbinvd: rdpmc raised #GP"
	t vmx-wbinvd-pass has "$n" "vmxg| wbinvd: PASS"
	t vmx-dbtrap-regs-own has "$n" "vmxg| dbtrap: DR0-DR3 read 0, then what was written"
	t vmx-dbtrap-breakpoints has "$n" "vmxg| dbtrap: breakpoint hits 1000 of 1000 calls"
	t vmx-dbtrap-pass has "$n" "vmxg| dbtrap: PASS"
	t vmx-disk-guest has "$n" "vmxg| virtioblk: PASS"
	t vmx-disk-rc has "$n" "vmx_rc_virtioblk=0"
	t vmx-disk-written has "$n" "vmx_disk_sector1=WRITTEN-BY-GUEST"
	vmx_linux_checks "$n" vmx-linux vmxl
	t vmx-linux-typed has "$n" "vmxl| SHELL-42"
	t vmx-linux-typed-cpus has "$n" "vmxl| CPUS-2"
	t vmx-bench-figures vmx_bench "$n"
	cat "$L/vmx-bench-figures.log"
	t vmx-enabled logged "$n" "palacios: vmx enabled on 1 CPUs"
	t vmx-busy-message logged "$n" "palacios: vmx is in use by another hypervisor, such as KVM: not loading"
	t vmx-clean-log vmx_clean "$n"
	kunit "$n" palacios_host palacios_svm palacios_vm
	t vmx-noept-vmx has "$n-noept" cpu_vmx=yes
	t vmx-noept-refused has "$n-noept" "noept_load=fail: .*No such device"
	t vmx-noept-message logged "$n-noept" "palacios: vmx: Intel VMX lacks ept, which is required"
	t vmx-noept-one-line not_logged "$n-noept" "no usable hardware virtualisation"
	t vmx-noept-clean-log vmx_clean "$n-noept"
}
