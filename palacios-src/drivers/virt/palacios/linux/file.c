// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios host interface on Linux: the files and block devices behind a
 * VM's disks, which a process gives by descriptor; the core reads and
 * writes them through the VFS, in the thread of the vCPU that asked.
 *
 * A disk the guest writes is the only user of its data: a file or block
 * device that is another disk already (of any VM, read-only or not) is
 * refused with -EBUSY, and so is a read-only disk whose data another disk
 * writes.  A block device a VM writes is also claimed exclusively, as a
 * file system claims the device it is mounted on: one the host has
 * mounted (or that another driver claimed) is refused, and it cannot be
 * mounted while the VM has it.  The data is the inode of the file's
 * mapping: a block device's, whatever device node was opened.  Not seen:
 * a read-only disk on a partition of a whole disk that another VM writes
 * (or the other way round), since read-only disks claim nothing.
 */
#include <linux/blkdev.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include <palacios/host.h>

#include "glue.h"

/**
 * struct v3_host_file - a disk's file, as Linux holds it
 * @file: the descriptor's file
 * @claim: for a block device the guest writes, its exclusive opening
 * @data: the inode of the data (see above)
 * @ro: the guest only reads it
 * @node: in pal_disks
 */
struct v3_host_file {
	struct file *file;
	struct file *claim;
	struct inode *data;
	bool ro;
	struct list_head node;
};

/* Every disk of every VM, under pal_disks_lock */
static LIST_HEAD(pal_disks);
static DEFINE_MUTEX(pal_disks_lock);

/* Whether a disk of @data, @ro, may join the others; pal_disks_lock held */
static bool pal_disk_free(const struct inode *data, bool ro)
{
	struct v3_host_file *f;

	list_for_each_entry(f, &pal_disks, node)
		if (f->data == data && (!ro || !f->ro))
			return false;
	return true;
}

/* The exclusive claim of a block device the guest writes */
static int pal_disk_claim(struct v3_host_file *f)
{
#ifdef CONFIG_BLOCK
	struct file *claim;

	if (f->ro || !S_ISBLK(file_inode(f->file)->i_mode))
		return 0;
	claim = bdev_file_open_by_dev(file_bdev(f->file)->bd_dev,
				      BLK_OPEN_READ | BLK_OPEN_WRITE, f, NULL);
	if (IS_ERR(claim))
		return PTR_ERR(claim);
	f->claim = claim;
#endif
	return 0;
}

int pal_host_file_get(int fd, bool ro, struct v3_host_file **out, u64 *size,
		      const char **why)
{
	struct v3_host_file *f;
	struct file *file;
	umode_t mode;
	int err;

	file = fget(fd);
	if (!file) {
		*why = "not an open descriptor";
		return -EBADF;
	}
	mode = file_inode(file)->i_mode;
	if (!S_ISREG(mode) && !S_ISBLK(mode)) {
		*why = "not a regular file or a block device";
		goto inval;
	}
	if (!(file->f_mode & FMODE_READ) ||
	    (!ro && !(file->f_mode & FMODE_WRITE))) {
		*why = ro ? "not open for reading" :
			    "not open for reading and writing";
		fput(file);
		return -EBADF;
	}
	/* a block device's inode in its mapping holds its size */
	*size = i_size_read(file->f_mapping->host);
	f = kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);
	if (!f) {
		fput(file);
		return -ENOMEM;
	}
	f->file = file;
	f->data = file->f_mapping->host;
	f->ro = ro;
	mutex_lock(&pal_disks_lock);
	err = pal_disk_free(f->data, ro) ? 0 : -EBUSY;
	if (!err)
		list_add(&f->node, &pal_disks);
	mutex_unlock(&pal_disks_lock);
	if (err) {
		*why = ro ? "a disk that a VM writes" : "a disk of a VM already";
		goto busy;
	}
	/* (outside the lock: opening a block device may take its time) */
	err = pal_disk_claim(f);
	if (err) {
		*why = err == -EBUSY ?
		       "a block device the host uses (mounted or claimed)" :
		       "a block device that cannot be opened for writing";
		mutex_lock(&pal_disks_lock);
		list_del(&f->node);
		mutex_unlock(&pal_disks_lock);
		goto busy;
	}
	*out = f;
	return 0;
busy:
	kfree(f);
	fput(file);
	return err;
inval:
	fput(file);
	return -EINVAL;
}

int v3_host_file_io(struct v3_host_file *f, u64 pos, void *buf, u64 len,
		    bool write)
{
	loff_t off = pos;
	ssize_t n;

	while (len) {
		n = write ? kernel_write(f->file, buf, len, &off) :
			    kernel_read(f->file, buf, len, &off);
		if (n < 0)
			return n;
		/* the file shrank under the VM */
		if (!n)
			return -EIO;
		buf += n;
		len -= n;
	}
	return 0;
}

int v3_host_file_flush(struct v3_host_file *f)
{
	return vfs_fsync(f->file, 0);
}

void v3_host_file_put(struct v3_host_file *f)
{
	mutex_lock(&pal_disks_lock);
	list_del(&f->node);
	mutex_unlock(&pal_disks_lock);
	/* the claim goes now, not when a deferred fput() gets to it */
	if (f->claim)
		bdev_fput(f->claim);
	fput(f->file);
	kfree(f);
}
