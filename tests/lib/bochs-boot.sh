#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# bochs-boot.sh - boot a kernel and initramfs under Bochs, with Intel VMX
#
# Usage:
#   bochs-boot.sh [--cpu MODEL] [--smp N] [--timeout S] BZIMAGE INITRD SERIAL [APPEND...]
#
# Bochs boots only through its BIOS: the kernel and initramfs go on an
# ISO image (isolinux), next to SERIAL.  COM1 is written to SERIAL.  The
# default CPU, corei7_skylake_x, has VMX with EPT, VPID and unrestricted
# guest; core2_penryn_t9600 has VMX without EPT.  Bochs needs
# ignore_bad_msrs=1 (else a triple fault on MSR 0x1a0 before the kernel
# banner).  The guest's ACPI power-off ends Bochs, which reports it as a
# "panic": exit 0 when SERIAL shows the power-off, 1 otherwise (timeout
# included).  See ../shared/RIG-NOTES.md.
set -uo pipefail

cpu=corei7_skylake_x smp=1 timeout=600
while [ $# -gt 0 ]; do
	case $1 in
	--cpu) cpu=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	*) break ;;
	esac
done
[ $# -ge 3 ] || { echo "usage: bochs-boot.sh [--cpu M] [--smp N] [--timeout S] BZIMAGE INITRD SERIAL [APPEND...]" >&2; exit 2; }
kernel=$1 initrd=$2 serial=$3
shift 3
work=$serial.bochs
rm -rf "$work" "$serial" && mkdir -p "$work/iso/isolinux" || exit 1
cp "$kernel" "$work/iso/isolinux/bzImage" &&
	cp "$initrd" "$work/iso/isolinux/initrd.gz" &&
	cp /usr/lib/ISOLINUX/isolinux.bin \
		/usr/lib/syslinux/modules/bios/ldlinux.c32 "$work/iso/isolinux/" ||
	exit 1
cat > "$work/iso/isolinux/isolinux.cfg" <<CFG
default l
prompt 0
timeout 0
label l
  kernel bzImage
  append initrd=initrd.gz console=ttyS0 panic=-1 log_buf_len=1M $*
CFG
xorriso -as mkisofs -quiet -o "$work/boot.iso" -b isolinux/isolinux.bin \
	-c isolinux/boot.cat -no-emul-boot -boot-load-size 4 \
	-boot-info-table "$work/iso" >"$work/xorriso.log" 2>&1 || {
	cat "$work/xorriso.log"; exit 1; }
cat > "$work/bochsrc" <<CFG
megs: 1024
cpu: model=$cpu, count=$smp, ips=200000000, ignore_bad_msrs=1
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/vgabios/vgabios.bin
ata0-master: type=cdrom, path=$work/boot.iso, status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev=$serial
display_library: term
log: $work/bochs.log
panic: action=fatal
error: action=report
info: action=ignore
clock: sync=none, time0=local
CFG
echo c > "$work/rc"
# the term display wants a terminal on stdin and draws on stdout
timeout "$timeout" bochs -q -f "$work/bochsrc" -rc "$work/rc" \
	</dev/null >"$work/term.out" 2>&1
grep -q "reboot: Power down" "$serial" 2>/dev/null && exit 0
echo "bochs-boot.sh: no power-off in $serial (see $work/bochs.log)"
tail -n 5 "$work/bochs.log" 2>/dev/null
exit 1
