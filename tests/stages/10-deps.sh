# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# stage: install what the tests use (apt), unpack Debian's linux-source-6.12

stage_deps() {
	stage "dependencies"
	t deps "$top/tests/lib/deps.sh"
	need_pristine
}

# need_pristine: the pristine kernel tree in $K, unpacked once
need_pristine() {
	[ -d "$K" ] && return 0
	stage "unpacking the pristine kernel tree"
	mkdir -p "$top/build/.k.$$" &&
		tar -C "$top/build/.k.$$" -xf /usr/src/linux-source-6.12.tar.xz &&
		mv "$top/build/.k.$$/linux-source-6.12" "$K" &&
		rm -rf "$top/build/.k.$$"
}

# need_tree STAGE: the patched tree of the apply stage, or a failure
need_tree() {
	[ -f "$T/drivers/virt/palacios/Kconfig" ] && return 0
	ko "$1-setup" "no patched tree at $T (run the apply stage)"
	return 1
}
