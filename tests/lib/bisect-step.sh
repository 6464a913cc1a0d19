#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# bisect-step.sh TREE PATCH OUT FRAGMENT JOBS SYMVERS: one step of the bisect
# stage of tests/run.  Pushes the next quilt patch (PATCH) onto TREE, then
# builds, at the same time:
#  - in OUT-m, drivers/virt/palacios/ as a module: every object of the
#    series; as a module, every symbol Palacios needs must be one the kernel
#    exports (SYMVERS, the Module.symvers of the full build);
#  - in OUT-y, built in: init/main.o and the objects only a built-in
#    Palacios has (the boot hook).  The objects both have differ only in
#    -DMODULE, which nothing of Palacios tests (IS_BUILTIN() is a constant
#    in C: both sides compile either way).
# The build directories live across the steps, so make compiles only what
# the patch changed and what includes it; the host config FRAGMENT is
# merged again where a patch changes a Kconfig file (symbols appear with
# the patches).  A patch that touches only tools/testing/, tools/palacios/,
# Documentation/ or MAINTAINERS changes nothing the kernel's build reads,
# and is not rebuilt.
set -euo pipefail

tree=$1 patch=$2 out=$3 frag=$4 jobs=$5 symvers=$6
top=$(cd "$(dirname "$0")/../.." && pwd)
pal=$tree/drivers/virt/palacios

(cd "$tree" && quilt --quiltrc=- push -q >/dev/null)
[ "$(basename "$(cd "$tree" && quilt --quiltrc=- top)")" = "$patch" ] ||
	{ echo "expected $patch on top of the quilt stack"; exit 1; }
files=$(cd "$tree" && quilt --quiltrc=- files)
# A patch of user-space programs, tests or documentation only leaves the
# kernel's build as the previous patch left it: nothing to rebuild (the
# unit stage builds the user-space tests, the boot stage the tools).
# (Not the rest of tools/: objtool and the headers it builds with are part
# of the kernel's build; nor Documentation/Kconfig, which Kconfig reads.)
if ! echo "$files" | grep -qvE '^(tools/(testing|palacios)/|Documentation/|MAINTAINERS$)' &&
	! echo "$files" | grep -qx 'Documentation/Kconfig'; then
	echo "patch $patch touches only tools/testing/, tools/palacios/, Documentation/ or MAINTAINERS: the kernel's build is the previous patch's"
	exit 0
fi
have_pal=false
[ -f "$pal/Makefile" ] && have_pal=true

# config DIR y|m: the fragment merged, CONFIG_PALACIOS as asked
config() {
	local o=$1 v=$2
	if [ ! -f "$o/.config" ]; then
		"$top/tests/lib/kconfig.sh" "$tree" "$o" "$frag" >/dev/null 2>&1 || true
	fi
	if [ ! -f "$o/fragment.config" ] || echo "$files" | grep -q 'Kconfig'; then
		sed "s/^CONFIG_PALACIOS=y/CONFIG_PALACIOS=$v/" "$frag" >"$o/fragment.config"
		(cd "$o" && "$tree/scripts/kconfig/merge_config.sh" -m -O "$o" \
			"$o/.config" "$o/fragment.config" >/dev/null 2>&1)
		make -s -C "$tree" O="$o" ARCH=x86_64 olddefconfig
	fi
	if $have_pal && ! grep -q "^CONFIG_PALACIOS=$v" "$o/.config"; then
		echo "expected CONFIG_PALACIOS=$v in $o/.config"
		return 1
	fi
}

# build DIR TARGET...: make them, kbuild's short lines in DIR/make.log
build() {
	local o=$1
	shift
	make -C "$tree" O="$o" ARCH=x86_64 -j"$jobs" "$@" >"$o/make.log" 2>&1
}

rm -f "$out-y/make.log" "$out-m/make.log"
config "$out-y" y
y_targets=init/main.o
if $have_pal; then
	config "$out-m" m
	# the objects of "ifeq ($(CONFIG_PALACIOS),y)" in the Makefile
	for obj in $(sed -n '/^ifeq (\$(CONFIG_PALACIOS),y)/,/^endif/s/^palacios-y += //p' "$pal/Makefile"); do
		y_targets="$y_targets drivers/virt/palacios/$obj"
	done
fi

# both at once: the single-threaded parts of make overlap
build "$out-y" $y_targets & ypid=$!
mrc=0
$have_pal && { build "$out-m" drivers/virt/palacios/ || mrc=$?; }
yrc=0
wait $ypid || yrc=$?
for v in y m; do
	[ -f "$out-$v/make.log" ] || continue
	grep -v "^make\[\|^make: \|^  \(DESCEND\|CALL\|CHK\|UPD\|SYNC\|GEN\|INSTALL\)" \
		"$out-$v/make.log" | sed "s/^/$v: /" || true
done
if [ $yrc != 0 ] || [ $mrc != 0 ]; then
	[ $yrc = 0 ] || { cat "$out-y/make.log"; echo "patch $patch: built in, $y_targets failed"; }
	[ $mrc = 0 ] || { cat "$out-m/make.log"; echo "patch $patch: as a module, drivers/virt/palacios/ failed"; }
	exit 1
fi

if $have_pal; then
	# (__this_module comes from modpost itself)
	missing=$(nm -u "$out-m/drivers/virt/palacios/palacios.o" |
		awk '{print $2}' | grep -vx __this_module |
		while read -r sym; do
			grep -q "	$sym	" "$symvers" || echo "$sym"
		done)
	if [ -n "$missing" ]; then
		echo "not exported by the kernel: $missing"
		exit 1
	fi
	echo "palacios.o links against the kernel exports"
fi
$have_pal && y_targets="$y_targets; as a module drivers/virt/palacios/"
echo "patch $patch builds: built in $y_targets"
