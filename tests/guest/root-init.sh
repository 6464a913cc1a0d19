#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# /init of the Linux guest whose root file system is an ext4 image on a
# virtio disk (tests/scenarios/rootfs.sh): guest.disk=write writes files
# and syncs, guest.disk=read reads them back and tries to write.  Either
# way the root is read-only (remounted, or mounted so) before poweroff, so
# that the host's e2fsck finds it clean.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mode=$(sed -n 's/.*guest\.disk=\([a-z]*\).*/\1/p' /proc/cmdline)
echo "GUEST: root init mode=$mode"
echo "GUEST: root_mount=$(grep ' / ' /proc/mounts | cut -d' ' -f3,4 | cut -d, -f1)"
echo "GUEST: vda size=$(cat /sys/block/vda/size) ro=$(cat /sys/block/vda/ro) serial=$(cat /sys/block/vda/serial 2>&1)"
case $mode in
write)
	mkdir -p /data
	echo "written by the first boot" > /data/hello
	# 2 MiB of the guest's random bytes, through many requests
	dd if=/dev/urandom of=/data/blob bs=4096 count=512 2>/dev/null
	md5sum /data/blob | cut -d' ' -f1 > /data/blob.md5
	echo "GUEST: blob_md5=$(cat /data/blob.md5)"
	sync
	# the root read-only: the journal flushed, the file system clean
	if mount -o remount,ro /; then
		echo "GUEST: remounted read-only"
	fi
	;;
read)
	echo "GUEST: hello=$(cat /data/hello)"
	echo "GUEST: blob_md5=$(md5sum /data/blob | cut -d' ' -f1) stored=$(cat /data/blob.md5)"
	if echo x 2>/dev/null > /data/new; then
		echo "GUEST: fs_write=accepted"
	else
		echo "GUEST: fs_write=refused"
	fi
	# the disk itself, past the file system's checks (the guest's kernel
	# refuses, as the device said it is read-only; the device's own
	# refusal is the virtioblk guest's test, in the uapi scenario)
	if dd if=/dev/zero of=/dev/vda bs=512 count=1 seek=1 conv=notrunc,fsync 2>/dev/null; then
		echo "GUEST: disk_write=accepted"
	else
		echo "GUEST: disk_write=refused"
	fi
	;;
esac
echo "GUEST: root end"
poweroff -f
