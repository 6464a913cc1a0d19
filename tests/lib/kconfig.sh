#!/usr/bin/env bash
# kconfig.sh - make a .config from tinyconfig + fragments, and check it.
#
# Usage:
#   kconfig.sh [--check-only] SRCDIR OUTDIR FRAGMENT...
#
#   SRCDIR    kernel source tree (never written to; everything goes to OUTDIR)
#   OUTDIR    build dir (O=); created if needed; ends up with .config
#   FRAGMENT  kconfig fragments, merged in order (later ones win), e.g.
#             kconfig-fragments/host.config kconfig-fragments/debug.config
#
# Steps: `make ARCH=x86_64 tinyconfig`, `merge_config.sh -m`, `make olddefconfig`,
# then verify that every CONFIG_X=V / "# CONFIG_X is not set" line of the
# fragments is what .config ended up with (olddefconfig silently drops
# options whose dependencies are unmet).  A symbol that no Kconfig file in
# SRCDIR defines (e.g. CONFIG_PALACIOS* on a tree without the patches) is
# reported as a warning only; any other mismatch makes the script exit 1.
# To switch a choice in a later fragment (e.g. KASAN_OUTLINE over KASAN_INLINE),
# also write "# CONFIG_<old member> is not set" there, or the check fails.
# --check-only skips the config generation and only checks OUTDIR/.config.
set -euo pipefail

die() { echo "kconfig.sh: error: $*" >&2; exit 1; }

check_only=0
if [[ ${1:-} == --check-only ]]; then check_only=1; shift; fi
[[ $# -ge 3 ]] || die "usage: kconfig.sh [--check-only] SRCDIR OUTDIR FRAGMENT..."
src=$(realpath "$1"); out=$2; shift 2
[[ -f $src/Makefile && -d $src/scripts/kconfig ]] || die "$src is not a kernel source tree"
frags=()
for f in "$@"; do [[ -r $f ]] || die "fragment not readable: $f"; frags+=("$(realpath "$f")"); done
set -- "${frags[@]}"
mkdir -p "$out"; out=$(realpath "$out")

if [[ $check_only == 0 ]]; then
	make -s -C "$src" O="$out" ARCH=x86_64 tinyconfig
	# merge_config creates temp files in the current dir, hence the cd; its
	# chatter goes to OUTDIR/merge_config.log.
	(cd "$out" && "$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "$@") \
		>"$out/merge_config.log" 2>&1 || { cat "$out/merge_config.log"; die "merge_config.sh failed"; }
	make -s -C "$src" O="$out" ARCH=x86_64 olddefconfig
fi
[[ -f $out/.config ]] || die "$out/.config missing"

# Last requested value of each symbol across the fragments.
declare -A want=()
declare -a order=()
while IFS= read -r line; do
	if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]]; then
		sym=${BASH_REMATCH[1]}; val=${BASH_REMATCH[2]}
	elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set ]]; then
		sym=${BASH_REMATCH[1]}; val=n
	else
		continue
	fi
	[[ -v want[$sym] ]] || order+=("$sym")
	want[$sym]=$val
done < <(cat "$@")

# Symbols defined by some Kconfig file of the tree.
known=$(find "$src" -name 'Kconfig*' -type f -not -path '*/Documentation/*' -print0 |
	xargs -0 sed -n -E 's/^[[:space:]]*(menu)?config[[:space:]]+([A-Za-z0-9_]+).*/CONFIG_\2/p' | sort -u)

bad=0
for sym in "${order[@]}"; do
	w=${want[$sym]}
	have=$(sed -n -E "s/^${sym}=(.*)$/\1/p" "$out/.config")
	[[ -n $have ]] || have=n
	[[ $w == "$have" ]] && continue
	if ! grep -qx "$sym" <<<"$known"; then
		echo "kconfig.sh: warning: $sym is not defined by any Kconfig in $src (ignored)" >&2
		continue
	fi
	echo "kconfig.sh: MISMATCH: $sym requested '$w' but .config has '$have'" >&2
	bad=1
done
[[ $bad == 0 ]] || die "some requested options did not survive olddefconfig (unmet dependencies?)"
echo "kconfig.sh: $out/.config OK (${#order[@]} symbols checked)"
