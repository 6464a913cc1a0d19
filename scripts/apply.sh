#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Apply the Palacios series onto a Linux v6.12.y tree, with quilt.
#
#   scripts/apply.sh          install Debian's linux-source-6.12 if needed,
#                             unpack it into build/linux-palacios and apply
#   scripts/apply.sh TREE     apply onto an existing v6.12.y tree (plain or git)
#
# The tree is left either with the whole series applied or untouched: the
# script refuses a tree that is not 6.12, one that already has the series
# (or a quilt series of its own), and undoes everything if a patch fails.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tarball=/usr/src/linux-source-6.12.tar.xz

die() { echo "apply.sh: error: $*" >&2; exit 1; }
say() { echo "apply.sh: $*"; }

command -v quilt >/dev/null || die "quilt is not installed (apt-get install quilt)"
[ -f "$top/series" ] && [ -d "$top/patches" ] || die "no series in $top"

if [ $# -eq 0 ]; then
	tree=$top/build/linux-palacios
	[ -e "$tree" ] && die "$tree exists; remove it, or pass it as argument"
	if [ ! -f "$tarball" ]; then
		[ "$(id -u)" = 0 ] || die "$tarball missing: apt-get install linux-source-6.12"
		say "installing linux-source-6.12"
		apt-get install -y -q linux-source-6.12 >/dev/null
	fi
	say "unpacking $tarball into $tree"
	mkdir -p "$top/build/.unpack.$$"
	trap 'rm -rf "$top/build/.unpack.$$"' EXIT
	tar -C "$top/build/.unpack.$$" -xf "$tarball"
	mv "$top/build/.unpack.$$/linux-source-6.12" "$tree"
	rmdir "$top/build/.unpack.$$"
elif [ $# -eq 1 ]; then
	tree=$1
else
	die "usage: scripts/apply.sh [KERNEL-TREE]"
fi

[ -d "$tree" ] || die "$tree: no such directory"
tree=$(cd "$tree" && pwd)
mk=$tree/Makefile
if [ ! -f "$mk" ] || ! grep -q '^VERSION = 6$' "$mk" ||
   ! grep -q '^PATCHLEVEL = 12$' "$mk" || [ ! -f "$tree/init/main.c" ]; then
	die "$tree is not a Linux 6.12 kernel tree"
fi
if [ -e "$tree/drivers/virt/palacios" ] || [ -e "$tree/include/linux/palacios.h" ]; then
	die "$tree already has Palacios: the series is applied"
fi
for f in patches .pc; do
	[ -e "$tree/$f" ] && die "$tree/$f exists: the tree has a quilt series of its own"
done

say "applying $(grep -cv '^#' "$top/series") patches onto $tree"
# Directories the series may create and that must go if it is undone
dirs=$(mktemp)
trap 'rm -f "$dirs"' EXIT
find "$tree" -type d | sort > "$dirs"
cp -r "$top/patches" "$tree/patches"
grep -v '^#' "$top/series" > "$tree/patches/series"
cd "$tree"
if ! quilt --quiltrc=- push -a; then
	echo "apply.sh: a patch does not apply; undoing" >&2
	quilt --quiltrc=- pop -a -f >/dev/null 2>&1 || true
	rm -rf "$tree/.pc" "$tree/patches"
	find "$tree" -type d | sort | comm -13 "$dirs" - | sort -r |
		xargs -r rmdir 2>/dev/null || true
	die "the series does not apply to $tree; the tree is unchanged"
fi
say "done: $(quilt --quiltrc=- applied | wc -l) patches applied (quilt pop -a undoes them)"
