// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios host interface on Linux: the files and block devices behind a
 * VM's disks, which a process gives by descriptor; the core reads and
 * writes them through the VFS, in the thread of the vCPU that asked.
 */
#include <linux/errno.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>

#include <palacios/host.h>

#include "glue.h"

struct v3_host_file {
	struct file *file;
};

int pal_host_file_get(int fd, bool ro, struct v3_host_file **out, u64 *size,
		      const char **why)
{
	struct v3_host_file *f;
	struct file *file;
	umode_t mode;

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
	*out = f;
	return 0;
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
	fput(f->file);
	kfree(f);
}
