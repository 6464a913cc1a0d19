#!/usr/bin/env bash
# mkinitramfs.sh - build a small busybox initramfs (gzip'd newc cpio) without root.
#
# Usage:
#   mkinitramfs.sh OUT.cpio.gz INIT_SCRIPT [SRC:DEST ...]
#
#   OUT.cpio.gz   archive to write (parent dir must exist)
#   INIT_SCRIPT   becomes /init (mode 0755); should start with #!/bin/sh and
#                 end with `poweroff -f` so that QEMU (-no-reboot) exits
#   SRC:DEST      extra file copied to absolute path DEST in the archive
#                 (parents created, mode kept), e.g.
#                 build/out-host/arch/x86/kvm/kvm.ko:/lib/modules/kvm.ko
#                 SRC may be a directory: copied recursively under DEST.
#
# Contents: /bin/busybox (static, from Debian's busybox-static; override with
# $BUSYBOX) plus a symlink for every applet at its usual path (/bin/sh,
# /sbin/insmod, /usr/bin/timeout, ...), the dirs /dev /proc /sys /tmp /root
# /etc /lib/modules /mnt, and the device nodes /dev/console and /dev/null.
# /dev/console must be in the archive: the kernel opens it for init's stdio
# before /init runs, and devtmpfs is NOT auto-mounted on an initramfs (the
# /init script mounts it: `mount -t devtmpfs devtmpfs /dev`).
#
# The archive is written by this script itself (newc format, all entries
# owned by 0:0, mtime 0), so neither root, fakeroot nor the cpio tool is
# needed, and the output is reproducible for identical inputs.
set -euo pipefail

die() { echo "mkinitramfs.sh: error: $*" >&2; exit 1; }

[[ $# -ge 2 ]] || die "usage: mkinitramfs.sh OUT.cpio.gz INIT_SCRIPT [SRC:DEST ...]"
out=$1; init=$2; shift 2
busybox=${BUSYBOX:-/bin/busybox}

[[ -f $init && -r $init ]] || die "init script not found: $init"
[[ $(head -c 2 "$init") == '#!' ]] || echo "mkinitramfs.sh: warning: $init has no #! line" >&2
[[ -x $busybox ]] || die "$busybox not found (apt-get install busybox-static)"
if command -v file >/dev/null && ! file -L "$busybox" | grep -q 'statically linked'; then
	die "$busybox is not statically linked (apt-get install busybox-static)"
fi
[[ -d $(dirname -- "$out") ]] || die "output directory $(dirname -- "$out") does not exist"
for spec in "$@"; do
	[[ $spec == *:/* ]] || die "bad extra file spec '$spec' (want SRC:/ABS/DEST)"
	src=${spec%:*}
	[[ -e $src ]] || die "extra file not found: $src"
done

ino=100
declare -A have=()

# emit NAME MODE(octal) SIZE RDEVMAJ RDEVMIN NLINK : write one newc header + name.
emit_hdr() {
	local name=$1 mode=$2 size=$3 rmaj=$4 rmin=$5 nlink=$6
	local namesize=$(( ${#name} + 1 ))
	ino=$((ino + 1))
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
		"$ino" "$((8#$mode))" 0 0 "$nlink" 0 "$size" 0 0 "$rmaj" "$rmin" "$namesize" 0
	printf '%s\0' "$name"
	pad $(( (110 + namesize) ))
}
# pad N: write zero bytes up to the next multiple of 4 after N bytes.
pad() { local n=$(( (4 - $1 % 4) % 4 )); [[ $n == 0 ]] || head -c "$n" /dev/zero; }

mkdir_p() { # archive path without leading /
	local d=$1
	[[ -z $d || $d == . || -n ${have[$d]:-} ]] && return 0
	mkdir_p "$(dirname -- "$d")"
	emit_hdr "$d" 040755 0 0 0 2
	have[$d]="dir"
}
add_file() { # SRC ARCHIVE_PATH [MODE]
	local src=$1 dst=${2#/} mode=${3:-}
	[[ -z ${have[$dst]:-} ]] || die "duplicate archive entry /$dst"
	mkdir_p "$(dirname -- "$dst")"
	[[ -n $mode ]] || mode=$(printf %o $(( 0100000 | 0$(stat -L -c %a -- "$src") )))
	local size; size=$(stat -L -c %s -- "$src")
	emit_hdr "$dst" "$mode" "$size" 0 0 1
	cat -- "$src"
	pad "$size"
	have[$dst]="file"
}
add_symlink() { # TARGET ARCHIVE_PATH
	local tgt=$1 dst=${2#/}
	[[ -z ${have[$dst]:-} ]] || return 0
	mkdir_p "$(dirname -- "$dst")"
	emit_hdr "$dst" 120777 "${#tgt}" 0 0 1
	printf '%s' "$tgt"
	pad "${#tgt}"
	have[$dst]="link"
}
add_chardev() { # ARCHIVE_PATH MODE MAJOR MINOR
	local dst=${1#/}
	mkdir_p "$(dirname -- "$dst")"
	emit_hdr "$dst" "$2" 0 "$3" "$4" 1
	have[$dst]="dev"
}
add_tree() { # SRC_DIR ARCHIVE_DIR
	local src=$1 dst=${2%/} f rel
	mkdir_p "${dst#/}"
	while IFS= read -r -d '' f; do
		rel=${f#"$src"}; rel=${rel#/}
		if [[ -d $f ]]; then mkdir_p "${dst#/}/$rel"
		else add_file "$f" "$dst/$rel"; fi
	done < <(find "$src" -mindepth 1 \( -type f -o -type d \) -print0 | sort -z)
}

archive() {
	for d in dev proc sys tmp root etc mnt lib/modules; do mkdir_p "$d"; done
	add_chardev /dev/console 020600 5 1
	add_chardev /dev/null 020666 1 3
	add_file "$busybox" /bin/busybox 100755
	add_file "$init" /init 100755
	local spec src dst
	for spec in "$@"; do
		src=${spec%:*}; dst=${spec##*:}
		if [[ -d $src ]]; then add_tree "$src" "$dst"; else add_file "$src" "$dst"; fi
	done
	local a
	while IFS= read -r a; do
		[[ $a == */* ]] || continue          # skip "linuxrc"
		add_symlink /bin/busybox "/$a"
	done < <("$busybox" --list-full)
	emit_hdr TRAILER!!! 0 0 0 0 1
}

tmp=$(mktemp "$out.XXXXXX")
trap 'rm -f "$tmp"' EXIT
archive "$@" | gzip -9 -n > "$tmp"
mv -f "$tmp" "$out"
trap - EXIT
echo "mkinitramfs.sh: wrote $out ($(stat -c %s "$out") bytes)"
