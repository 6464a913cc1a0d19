# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# stage: full builds with CONFIG_PALACIOS=y, m, n; sparse, W=1, kernel-doc; the uapi header; menuconfig; the demo

# build_as y|m|n: build the test kernel with CONFIG_PALACIOS=y, m or n into
# $O, and keep its images in $IMG/VARIANT
build_as() {
	local v=$1
	if [ ! -f "$O/.config" ]; then
		"$top/tests/lib/kconfig.sh" "$T" "$O" "$FRAG/host.config" || return 1
	fi
	sed -i -e '/^CONFIG_PALACIOS=/d' -e '/^# CONFIG_PALACIOS is not set/d' "$O/.config"
	case $v in
	y|m) echo "CONFIG_PALACIOS=$v" >> "$O/.config" ;;
	n) echo "# CONFIG_PALACIOS is not set" >> "$O/.config" ;;
	esac
	echo "CONFIG_PALACIOS_KUNIT_TEST=y" >> "$O/.config"
	kmake "$T" "$O" olddefconfig || return 1
	if [ "$v" = n ]; then
		grep -q "^# CONFIG_PALACIOS is not set" "$O/.config" || return 1
	else
		grep -q "^CONFIG_PALACIOS=$v" "$O/.config" &&
			grep -q "^CONFIG_PALACIOS_KUNIT_TEST=y" "$O/.config" || {
			echo "expected CONFIG_PALACIOS=$v and CONFIG_PALACIOS_KUNIT_TEST=y in $O/.config"
			return 1
		}
	fi
	echo "building with CONFIG_PALACIOS=$v"
	rm -rf "$O/drivers/virt/palacios"	# no stale objects of another variant
	kmake "$T" "$O" bzImage modules || return 1
	mkdir -p "$IMG/$v"
	# System.map and the modules: for tests/lib/qemu-dump.py to name
	# functions when a boot hangs
	cp "$O/arch/x86/boot/bzImage" "$O/System.map" "$IMG/$v/"
	cp "$O/virt/lib/irqbypass.ko" "$O/arch/x86/kvm/kvm.ko" \
		"$O/arch/x86/kvm/kvm-amd.ko" "$O/arch/x86/kvm/kvm-intel.ko" \
		"$IMG/$v/"
	case $v in
	y) grep -q " palacios_boot$" "$O/System.map" &&
	   [ ! -f "$O/drivers/virt/palacios/palacios.ko" ] ;;
	m) cp "$O/drivers/virt/palacios/palacios.ko" "$IMG/$v/" &&
	   ! grep -q "palacios" "$O/System.map" ;;
	n) ! grep -q "palacios" "$O/System.map" &&
	   [ ! -f "$O/drivers/virt/palacios/palacios.ko" ] ;;
	esac || { echo "the $v kernel does not hold Palacios as it should"; return 1; }
}

# static_checks: sparse (C=2) and W=1 on Palacios' files, kernel-doc
static_checks() {
	local out
	find "$O/drivers/virt/palacios" -name '*.o' -delete
	# init/main.c has sparse warnings of its own: only Palacios' files
	# and what they add to init/main.c count.
	out=$(make -C "$T" O="$O" ARCH=x86_64 -j"$JOBS" C=2 W=1 \
		drivers/virt/palacios/ init/main.o 2>&1 |
		sed "s|$T/||g")
	echo "$out"
	if echo "$out" | grep -E "^(drivers/virt/palacios/|include/linux/palacios.h)|palacios_boot" |
		grep -Eq "warning|error"; then
		echo "expected no warning in Palacios' files; saw the ones above"
		return 1
	fi
	echo "$out" | grep -q "CHECK *drivers/virt/palacios/linux/main.c" || {
		echo "sparse did not check Palacios' files"; return 1; }
	out=$(cd "$T" && ./scripts/kernel-doc -none -Wall \
		drivers/virt/palacios/include/palacios/*.h \
		include/linux/palacios.h drivers/virt/palacios/*/*.c 2>&1)
	echo "$out"
	[ -z "$out" ]
}

# uapi_header_check: include/uapi/linux/palacios.h is exported by make
# headers and compiles on its own in user space: C90, as usr/include tests
# uapi headers, and C++
uapi_header_check() {
	local h=$O/usr/include
	kmake "$T" "$O" headers &&
	[ -f "$h/linux/palacios.h" ] &&
	! grep -n "__KERNEL__\|__user\|<linux/kernel.h>" "$h/linux/palacios.h" &&
	echo '#include <linux/palacios.h>
int main(void) { return PALACIOS_API_VERSION + sizeof(struct palacios_vm_info); }' > "$B/uapi-test.c" &&
	gcc -std=c90 -Wall -Werror -I "$h" -o "$B/uapi-test" "$B/uapi-test.c" &&
	g++ -x c++ -Wall -Werror -I "$h" -fsyntax-only "$B/uapi-test.c" &&
	echo "linux/palacios.h compiles stand-alone (C90 as the kernel tests uapi headers, and C++)"
}

# demo_batch: the README's first command, batch mode, on the kernel just
# built (scripts/demo builds nothing more in $O): it must exit 0, reach the
# Linux guest's shell, and count only the host's KUnit results as the host's
demo_batch() {
	local log=$B/demo.out
	PALACIOS_DEMO_OUT=$O "$top/scripts/demo" --batch >"$log" 2>&1
	local rc=$?
	echo "scripts/demo --batch exited $rc (expected 0); its output: $log"
	tail -n 20 "$log"
	[ $rc = 0 ] || return 1
	grep -q "GUEST: shell ready" "$log" ||
		{ echo "expected the Linux guest's \"GUEST: shell ready\""; return 1; }
	grep -q "palacios: vm linux stopped: shutdown" "$log" ||
		{ echo "expected the Linux guest to power off"; return 1; }
	! grep "not ok" "$log"
}

stage_build() {
	stage "full builds: CONFIG_PALACIOS=y, m, n"
	need_tree build || return
	command -v sparse >/dev/null || echo "sparse missing"
	SECONDS=0
	t build-y build_as y
	echo "    (build y: ${SECONDS}s)"
	# the demo first: it builds nothing more while $O is as built
	SECONDS=0
	t demo-batch demo_batch
	echo "    (demo: ${SECONDS}s)"
	t sparse-w1-y static_checks
	t uapi-header-standalone uapi_header_check
	SECONDS=0
	t build-m build_as m
	echo "    (build m: ${SECONDS}s)"
	# (no sparse of the m build: every file of it is in the y build, whose
	# objects differ only in -DMODULE, which nothing of Palacios tests)
	t build-n build_as n
	t menuconfig-has-palacios "$top/tests/lib/menuconfig-check.sh" "$T" "$O"
}
