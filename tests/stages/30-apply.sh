# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# stage: scripts/apply.sh makes the patched tree, and refuses what it must

applied() { (cd "$1" && quilt --quiltrc=- applied 2>/dev/null); }

apply_fresh() {
	"$top/scripts/apply.sh" || return 1
	echo "patches applied: $(applied "$T" | wc -l), expected $(npatches)"
	[ "$(applied "$T" | wc -l)" = "$(npatches)" ] &&
		[ -f "$T/drivers/virt/palacios/Kconfig" ]
}

apply_refuses_applied() {
	local before out rc
	before=$(applied "$T" | md5sum)
	out=$("$top/scripts/apply.sh" "$T" 2>&1); rc=$?
	echo "$out"
	echo "expected: a non-zero exit, \"already has Palacios\", the tree unchanged"
	[ $rc -ne 0 ] && echo "$out" | grep -q "already has Palacios" &&
		[ "$(applied "$T" | md5sum)" = "$before" ]
}

apply_refuses_non_kernel() {
	local d out rc
	d=$(mktemp -d); out=$("$top/scripts/apply.sh" "$d" 2>&1); rc=$?
	echo "$out"
	echo "expected: a non-zero exit, \"not a Linux 6.12 kernel tree\", nothing written"
	[ -z "$(ls -A "$d")" ] || return 1
	rmdir "$d"
	[ $rc -ne 0 ] && echo "$out" | grep -q "not a Linux 6.12 kernel tree"
}

apply_refuses_other_version() {
	local d out rc n
	d=$(mktemp -d); mkdir -p "$d/init"; touch "$d/init/main.c"
	printf "VERSION = 6\nPATCHLEVEL = 11\n" > "$d/Makefile"
	out=$("$top/scripts/apply.sh" "$d" 2>&1); rc=$?; echo "$out"
	n=$(find "$d" | wc -l); rm -rf "$d"
	echo "expected: a non-zero exit, \"not a Linux 6.12 kernel tree\", 4 paths left; saw $n"
	[ $rc -ne 0 ] && [ "$n" = 4 ] &&
		echo "$out" | grep -q "not a Linux 6.12 kernel tree"
}

apply_path_plain_tree() {
	local d=$B/t-plain rc
	rm -rf "$d"; cp -al "$K" "$d" &&
	"$top/scripts/apply.sh" "$d" &&
	grep -q palacios_boot "$d/init/main.c" &&
	! grep -q palacios_boot "$K/init/main.c"; rc=$?
	rm -rf "$d"; return $rc
}

# A tree where one patch cannot apply: nothing may be left behind.
apply_undoes_failed_series() {
	local d=$B/t-broken out rc
	rm -rf "$d"; cp -al "$K" "$d" || return 1
	sed -i "/^\twait_for_initramfs();$/d" "$d/init/main.c"
	cp "$d/init/main.c" "$B/main.c.before"
	out=$("$top/scripts/apply.sh" "$d" 2>&1); rc=$?; echo "$out"
	echo "expected: a non-zero exit, \"tree is unchanged\", and so it is"
	[ $rc -ne 0 ] && echo "$out" | grep -q "tree is unchanged" &&
	[ ! -e "$d/drivers/virt/palacios" ] && [ ! -e "$d/.pc" ] &&
	[ ! -e "$d/patches" ] && [ ! -e "$d/include/linux/palacios.h" ] &&
	cmp "$d/init/main.c" "$B/main.c.before" &&
	cmp "$d/MAINTAINERS" "$K/MAINTAINERS" &&
	cmp "$d/drivers/virt/Kconfig" "$K/drivers/virt/Kconfig"; rc=$?
	rm -rf "$d" "$B/main.c.before"; return $rc
}

stage_apply() {
	stage "scripts/apply.sh"
	need_pristine
	rm -rf "$T"
	t apply-fetch-and-push apply_fresh
	t apply-refuses-applied apply_refuses_applied
	t apply-refuses-non-kernel apply_refuses_non_kernel
	t apply-refuses-other-version apply_refuses_other_version
	t apply-path-plain-tree apply_path_plain_tree
	t apply-undoes-failed-series apply_undoes_failed_series
}
