# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Boot scenarios (tests/scenarios/NAME.sh; see tests/README): each is one
# boot of the test host under QEMU, the producer its /init runs there
# (NAME_guest, in busybox sh) and the checks tests/run makes of the serial
# log afterwards (NAME_checks, given the boot's name).  Its "#@ key: value"
# lines say how it boots:
#   stage    the stage that runs it: boot, bench or debug (none: only by
#            hand, e.g. the demo's)
#   order    its place in the stage (a number; ties by name)
#   kernel   y, m or debug: the kernel built with CONFIG_PALACIOS=y or m,
#            or the debug kernel of the debug stage
#   cpu      QEMU's -cpu (default qemu64,+svm,+npt)
#   mem      QEMU's -m (default 1536M)
#   append   more kernel command line words
#   disk     yes: the host gets the Linux guest's root file system image
#            as its virtio disk, /dev/vda (rootfs.sh)
# A scenario that boots otherwise (several boots, a console driven from
# outside) defines NAME_run, called instead of the one boot.
#
# Both sides source every scenario file, so a scenario may call another's
# functions; the files must parse in busybox sh too (no arrays, no [[ ]]):
# the boot stage checks that first.

SC_DIR=$top/tests/scenarios
for f in "$SC_DIR"/*.sh; do
	# shellcheck disable=SC1090
	. "$f"
done

# sc_conf NAME KEY [DEFAULT]: a "#@ KEY: value" of scenario NAME
sc_conf() {
	local v
	v=$(sed -n "s/^#@ $2: *//p" "$SC_DIR/$1.sh" | head -n 1)
	echo "${v:-${3-}}"
}

# scenarios STAGE: the scenarios of a stage, in order
scenarios() {
	local f n
	for f in "$SC_DIR"/*.sh; do
		n=${f##*/}; n=${n%.sh}
		[ "$(sc_conf "$n" stage)" = "$1" ] &&
			echo "$(sc_conf "$n" order 50) $n"
	done | sort -n -k1,1 -k2 | cut -d' ' -f2
}

scenarios_list() {
	local s n
	for s in boot bench debug; do
		for n in $(scenarios $s); do
			printf '%-6s %-14s kernel %-5s %s\n' "$s" "$n" \
				"$(sc_conf "$n" kernel)" \
				"$(sed -n '2s/^# Scenario [a-z_]*: //p' "$SC_DIR/$n.sh")"
		done
	done
}

# scenarios_parse: every scenario file parses in bash and in busybox sh
scenarios_parse() {
	local f rc=0
	for f in "$SC_DIR"/*.sh "$top/tests/guest/init.sh"; do
		bash -n "$f" || { echo "bash cannot parse $f"; rc=1; }
		busybox sh -n "$f" || { echo "busybox sh cannot parse $f"; rc=1; }
	done
	[ $rc = 0 ] && echo "$(ls "$SC_DIR"/*.sh | wc -l) scenarios parse in bash and busybox sh"
	return $rc
}

# boot NAME KERNEL-DIR CPU SCENARIO [APPEND...]: boot the host in QEMU, its
# serial log in $B/NAME.serial; $QEMU_MEM sets the host's memory, $QEMU_SMP
# its CPUs (2).
boot() {
	local name=$1 dir=$2 cpu=$3 test=$4
	shift 4
	"$top/tests/lib/qemu-boot.sh" --cpu "$cpu" --timeout "${QEMU_TIMEOUT:-600}" \
		--mem "${QEMU_MEM:-1536M}" --smp "${QEMU_SMP:-2}" ${QEMU_ARGS:-} \
		"$dir/bzImage" "$B/initrd-$(basename "$dir").cpio.gz" \
		"$B/$name.serial" "pal.test=$test" "$@"
}

# run_scenario NAME: boot it (or its NAME_run), then its checks
run_scenario() {
	local n=$1 kdir
	kdir=$IMG/$(sc_conf "$n" kernel y)
	SECONDS=0
	if [ -n "${RECHECK-}" ]; then
		echo "    (scenario $n: not booted, its checks on the last boot's logs)"
	elif declare -F "${n}_run" >/dev/null; then
		"${n}_run" "boot-$n" "$kdir"
	else
		local disk=
		if [ "$(sc_conf "$n" disk)" = yes ]; then
			t "$n-rootfs-image" rootfs_image "$(rootfs_img "boot-$n")" ||
				return
			disk="--qemu-arg -drive --qemu-arg file=$(rootfs_img "boot-$n"),format=raw,if=virtio"
		fi
		# shellcheck disable=SC2046 # append is a list of words
		QEMU_ARGS="${QEMU_ARGS:-} $disk" \
		QEMU_MEM=$(sc_conf "$n" mem 1536M) QEMU_SMP=$(sc_conf "$n" smp 2) \
			t "boot-$n" boot "boot-$n" \
			"$kdir" "$(sc_conf "$n" cpu qemu64,+svm,+npt)" "$n" \
			$(sc_conf "$n" append)
	fi
	echo "    (scenario $n: ${SECONDS}s)"
	"${n}_checks" "boot-$n"
}

# run_scenarios STAGE: each scenario of the stage (only those named in
# $SCENARIOS, if set: SCENARIOS="builtin uapi" tests/run boot; those
# marked "#@ manual: yes" only when named there; with
# RECHECK=1, only the checks, on the logs of the last boots)
run_scenarios() {
	local n
	for n in $(scenarios "$1"); do
		# "#@ manual: yes": a diagnosis, run only when named
		[ -z "${SCENARIOS:-}" ] && [ "$(sc_conf "$n" manual)" = yes ] &&
			continue
		case " ${SCENARIOS:-$n} " in
		*" $n "*) run_scenario "$n" ;;
		esac
	done
}

# guests: build the test guests into $B/guests, the KVM runners, the
# Linux guest's initramfs and the user-space programs
guests() {
	rm -rf "$B/guests" && mkdir -p "$B/guests" &&
	make -s -C "$T/tools/testing/palacios/guests" O="$B/guests" &&
	rm -f "$B/guests/"*.o "$B/guests/"*.elf &&
	echo "this is not a Palacios image" > "$B/guests/garbage.img" &&
	gcc -O2 -static -Wall -o "$B/kvm-bench" "$top/tests/bench/kvm-bench.c" &&
	gcc -O2 -static -Wall -o "$B/kvm-linux" "$top/tests/bench/kvm-linux.c" &&
	gcc -O2 -static -Wall -o "$B/iobench" "$top/tests/bench/iobench.c" &&
	gcc -O2 -static -Wall -o "$B/clockcheck" "$top/tests/guest/clockcheck.c" &&
	gcc -O2 -static -Wall -o "$B/parspin" "$top/tests/guest/parspin.c" &&
	gcc -O2 -static -Wall -o "$B/pingpong" "$top/tests/guest/pingpong.c" &&
	gcc -O2 -static -Wall -pthread -o "$B/ipistorm" "$top/tests/guest/ipistorm.c" &&
	"$top/tests/lib/mkinitramfs.sh" "$B/guest-initrd.cpio.gz" \
		"$top/tests/guest/linux-init.sh" \
		"$B/clockcheck:/bin/clockcheck" "$B/parspin:/bin/parspin" \
		"$B/pingpong:/bin/pingpong" "$B/ipistorm:/bin/ipistorm" \
		"$B/iobench:/bin/iobench" &&
	uapi_progs || return 1
	distro_kernel || echo "guests: no distribution kernel: its test is skipped"
}

# distro_kernel: the kernel of Debian's linux-image-amd64 (a distribution
# config: thousands of modules, ACPI, every hypervisor's guest support), for
# the guest test; cached as build/distro/vmlinuz
distro_kernel() {
	local d=$top/build/distro pkg
	[ -f "$d/vmlinuz" ] && return 0
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\).*/\1/p' | head -n 1)
	[ -n "$pkg" ] || { echo "no linux-image-amd64 in apt"; return 1; }
	rm -rf "$d.tmp" && mkdir -p "$d.tmp" &&
	(cd "$d.tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg") &&
	dpkg-deb --fsys-tarfile "$d.tmp"/*.deb | tar -C "$d.tmp" -x ./boot &&
	mkdir -p "$d" && mv "$d.tmp"/boot/vmlinuz-* "$d/vmlinuz" &&
	echo "$pkg" > "$d/package" && rm -rf "$d.tmp"
}

# uapi_progs: the palacios tool, the selftests and the fuzzer, static
uapi_progs() {
	local st=$T/tools/testing/selftests p
	make -s -C "$T/tools/palacios" clean &&
	make -s -C "$T/tools/palacios" LDFLAGS=-static &&
	mv "$T/tools/palacios/palacios" "$B/palacios" &&
	make -s -C "$T/tools/palacios" clean &&
	for p in palacios_test palacios_fuzz; do
		gcc -O2 -Wall -Werror -static -idirafter "$T/include/uapi" \
			-I "$st" -o "$B/$p" "$st/palacios/$p.c" || return 1
	done
}

# initrd KERNEL-DIR: the host's initramfs for the kernel in KERNEL-DIR: the
# scenarios and /init, the guests, the tools, and the Linux guests (the m
# kernel's bzImage and Debian's)
initrd() {
	local dir=$1 extra=()
	[ -f "$dir/palacios.ko" ] && extra+=("$dir/palacios.ko:/lib/modules/palacios.ko")
	[ -f "$top/build/distro/vmlinuz" ] &&
		extra+=("$top/build/distro/vmlinuz:/guest/distro-vmlinuz")
	gcc -O2 -static -Wall -o "$B/kvmcheck" "$top/tests/guest/kvmcheck.c" &&
	gcc -O2 -static -Wall -o "$B/hwbp" "$top/tests/guest/hwbp.c" &&
	"$top/tests/lib/mkinitramfs.sh" "$B/initrd-$(basename "$dir").cpio.gz" \
		"$top/tests/guest/init.sh" "$SC_DIR:/scenarios" \
		"$B/kvmcheck:/bin/kvmcheck" "$B/hwbp:/bin/hwbp" \
		"$B/kvm-bench:/bin/kvm-bench" "$B/kvm-linux:/bin/kvm-linux" \
		"$B/iobench:/bin/iobench" "$B/guests:/guests" \
		"$B/palacios:/bin/palacios" "$B/palacios_test:/bin/palacios_test" \
		"$B/palacios_fuzz:/bin/palacios_fuzz" \
		"$IMG/m/bzImage:/guest/bzImage" \
		"$B/guest-initrd.cpio.gz:/guest/initrd.cpio.gz" \
		"$dir/irqbypass.ko:/lib/modules/irqbypass.ko" \
		"$dir/kvm.ko:/lib/modules/kvm.ko" \
		"$dir/kvm-amd.ko:/lib/modules/kvm-amd.ko" "${extra[@]}"
}

# need_initrds STAGE KERNEL...: the guests (once) and an initramfs per
# kernel, or a failure
need_initrds() {
	local st=$1 k
	shift
	[ -f "$B/guests/hello.img" ] && [ -f "$B/palacios" ] ||
		t "guests-build" guests || return 1
	for k in "$@"; do
		[ -f "$IMG/$k/bzImage" ] || {
			ko "$st-setup" "no $k kernel in $IMG/$k (run the build stage)"
			return 1
		}
		initrd "$IMG/$k" >"$L/initrd-$k.log" 2>&1 || {
			ko "initrd-$k"
			return 1
		}
	done
}
