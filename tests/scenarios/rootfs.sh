# SPDX-License-Identifier: GPL-2.0-only
# Scenario rootfs: a Linux guest whose root is an ext4 image on a virtio disk writes files and powers off; the image checked with e2fsck; a second boot, read-only, reads them back
#@ stage: boot
#@ order: 52
#@ kernel: m
#@ disk: yes

# The image is made here with mke2fs -d (no root needed) from busybox and
# tests/guest/root-init.sh, and given to the QEMU host as a virtio-pci
# disk, /dev/vda there; the host gives that block device to the guest with
# --disk.  The host powers off without syncing (poweroff -n), holding the
# device open and with writeback put off: what the guest wrote reaches the
# image only through the flushes it asked for.

# rootfs_image IMG: the guest's root file system
rootfs_image() {
	local d=$B/rootfs.d a
	rm -rf "$d" "$1" && mkdir -p "$d/bin" "$d/dev" "$d/proc" "$d/sys" "$d/tmp" &&
	cp /bin/busybox "$d/bin/busybox" &&
	for a in $(/bin/busybox --list); do
		[ "$a" = busybox ] || ln -s busybox "$d/bin/$a"
	done &&
	cp "$top/tests/guest/root-init.sh" "$d/init" &&
	PATH=$PATH:/sbin:/usr/sbin mke2fs -q -F -t ext4 -L palroot -d "$d" "$1" 32M
}

# rootfs_img BOOT: the image of boot BOOT (a scenario with "#@ disk: yes")
rootfs_img() {
	echo "$B/$1.ext4"
}

# rootfs_boot NAME DISK ARGS: the Linux guest from the disk, without an
# initramfs, until it powers itself off
rootfs_boot() {
	local rc
	timeout 120 /bin/palacios run -k /guest/bzImage -m 128M -n "$1" \
		--disk "$2" \
		-p "console=ttyS0 panic=-1 root=/dev/vda init=/init $3" \
		</dev/null >/tmp/r.out 2>&1
	rc=$?
	say "rootfs_$1_rc=$rc"
	grep -E "^GUEST: |^palacios: |EXT4-fs|virtio_blk|Kernel panic|VFS:|Run " \
		/tmp/r.out | sed "s/^/ROOT($1)| /"
	# how far a guest that did not power off got
	[ $rc = 0 ] || tail -n 30 /tmp/r.out | sed "s/^/ROOTFAIL($1)| /"
}

# rootfs_boots: the two boots from the host's /dev/vda
rootfs_boots() {
	say "rootfs_host_disk=$(cat /sys/block/vda/size 2>&1)"
	# Only the guest's flushes may write its data to the image: the
	# host's writeback waits an hour, and the device stays open here, so
	# that the VM's close of it is not the last one (which syncs it)
	echo 360000 >/proc/sys/vm/dirty_expire_centisecs
	exec 7</dev/vda
	# A block device the host has mounted is not a disk to write.  (First:
	# an unmount syncs the device, which after the guest's writes would
	# hide a flush that did not happen.)
	mkdir -p /mnt/vda
	if mount -t ext4 -o ro,noload /dev/vda /mnt/vda; then
		/bin/palacios run -m 16M --disk /dev/vda $G/hello.img \
			</dev/null >/tmp/m.out 2>&1
		say "rootfs_mounted_rc=$? $(tail -n 1 /tmp/m.out)"
		umount /mnt/vda
	else
		say "rootfs_mounted_rc=cannot mount /dev/vda"
	fi
	rootfs_boot write /dev/vda "rw guest.disk=write"
	rootfs_boot read /dev/vda,ro "ro guest.disk=read"
	# no sync: the guest's flushes alone put its writes on the image
	poweroff_nosync=yes
}

rootfs_guest() {
	insmod_as rootfs_load "$M/palacios.ko"
	rootfs_boots
	rmmod_as rootfs_unload palacios
}

# rootfs_fsck BOOT: the image is a clean ext4 file system holding what the
# first boot wrote (its e2fsck, and the files read with debugfs)
rootfs_fsck() {
	local img out rc md5 want PATH=$PATH:/sbin:/usr/sbin
	img=$(rootfs_img "$1")
	out=$(e2fsck -fn "$img" 2>&1)
	rc=$?
	echo "e2fsck -fn $img exited $rc: $out"
	[ $rc = 0 ] || { echo "expected a clean file system (exit 0)"; return 1; }
	out=$(debugfs -R "cat /data/hello" "$img" 2>/dev/null)
	echo "/data/hello: $out"
	[ "$out" = "written by the first boot" ] || {
		echo "expected \"written by the first boot\""; return 1; }
	rm -f "$B/rootfs.blob"
	debugfs -R "dump /data/blob $B/rootfs.blob" "$img" >/dev/null 2>&1
	md5=$(md5sum <"$B/rootfs.blob" | cut -d' ' -f1)
	want=$(text "$(serial "$1")" | sed -n 's/^ROOT(write)| GUEST: blob_md5=\([0-9a-f]*\).*/\1/p')
	echo "/data/blob on the host: md5 $md5 ($(stat -c %s "$B/rootfs.blob") bytes); the guest wrote md5 ${want:-nothing}"
	[ -n "$want" ] && [ "$md5" = "$want" ]
}

# rootfs_disk_checks BOOT PREFIX: what rootfs_boots reported, as tests
# PREFIX-*
rootfs_disk_checks() {
	local n=$1 p=$2
	t "$p-host-disk" has "$n" "rootfs_host_disk=65536"
	t "$p-write-rc" has "$n" "rootfs_write_rc=0"
	t "$p-write-root" logged "$n" "^ROOT(write)| GUEST: root_mount=ext4 rw"
	t "$p-write-disk" logged "$n" "^ROOT(write)| GUEST: vda size=65536 ro=0 serial=palacios-0"
	t "$p-write-blob" logged "$n" "^ROOT(write)| GUEST: blob_md5=[0-9a-f]\{32\}"
	t "$p-write-remount" logged "$n" "^ROOT(write)| GUEST: remounted read-only"
	t "$p-write-poweroff" logged "$n" "^ROOT(write)| palacios: vm write stopped: shutdown"
	t "$p-image-checked" rootfs_fsck "$n"
	t "$p-read-rc" has "$n" "rootfs_read_rc=0"
	t "$p-read-root" logged "$n" "^ROOT(read)| GUEST: root_mount=ext4 ro"
	t "$p-read-disk-ro" logged "$n" "^ROOT(read)| GUEST: vda size=65536 ro=1"
	t "$p-read-hello" logged "$n" "^ROOT(read)| GUEST: hello=written by the first boot"
	t "$p-read-blob" rootfs_read_blob "$n"
	t "$p-read-fs-write" logged "$n" "^ROOT(read)| GUEST: fs_write=refused"
	t "$p-read-disk-write" logged "$n" "^ROOT(read)| GUEST: disk_write=refused"
	t "$p-read-poweroff" logged "$n" "^ROOT(read)| palacios: vm read stopped: shutdown"
	t "$p-mounted-refused" has "$n" "rootfs_mounted_rc=1 .*cannot give /dev/vda to vm hello: in use"
	t "$p-mounted-line" logged "$n" "palacios: vm hello: disk refused: descriptor [0-9]* is a block device the host uses (mounted or claimed)"
}

rootfs_checks() {
	local n=$1
	t rootfs-load has "$n" "rootfs_load=ok"
	rootfs_disk_checks "$n" rootfs
	t rootfs-unload has "$n" "rootfs_unload=ok"
	t rootfs-clean-log clean_log "$n"
}

# rootfs_read_blob BOOT: the second boot read what the first wrote
rootfs_read_blob() {
	local l
	l=$(text "$(serial "$1")" | sed -n 's/^ROOT(read)| GUEST: blob_md5=//p')
	echo "the second boot's md5 of /data/blob and the one the first stored: ${l:-nothing}"
	case $l in
	[0-9a-f]*" stored="*) [ "${l%% *}" = "${l##*=}" ] ;;
	*) return 1 ;;
	esac
}
