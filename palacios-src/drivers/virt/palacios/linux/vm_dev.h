/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Palacios on Linux: VMs created from user space, as dev.c, vmfd.c and
 * console.c share them.
 */
#ifndef _PALACIOS_LINUX_VM_DEV_H
#define _PALACIOS_LINUX_VM_DEV_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

#include <uapi/linux/palacios.h>

#include <palacios/vmm.h>

struct v3_vm;

/* The console's output buffer, per VM */
#define PAL_CON_SIZE	(64 * 1024)

/**
 * struct pal_vm - a VM created through /dev/palacios
 * @ref: one per VM and console descriptor, and one for the host's list
 *       while the VM is persistent
 * @node: in the host's list, under pal_vms_lock
 * @listed: @node is in the list
 * @id: unique among the VMs since the module was loaded
 * @flags: PALACIOS_VM_* flags of its creation
 * @name: its name
 * @lock: serialises the ioctls of the VM and guards @vm, @freed, @mem_size
 *        and @nr_vcpus
 * @vm: the core's VM; NULL before PALACIOS_VM_CONFIGURE and once freed
 * @freed: PALACIOS_VM_FREE was called
 * @mem_size: its memory, once configured
 * @nr_vcpus: its vCPUs, once configured
 * @initrd: the initrd given for the next kernel, or NULL
 * @initrd_size: its size
 * @cmdline: the command line given for the next kernel, or NULL
 * @reason: the stop reason, kept when the core's VM is freed
 * @ended: the guest stopped or the VM was freed (no more output)
 * @con_lock: guards the console buffer; taken from the UART's sink, with
 *            interrupts disabled
 * @con_buf: the console's output, a ring of %PAL_CON_SIZE bytes
 * @con_head: index of its oldest byte
 * @con_len: bytes in it
 * @con_dropped: bytes dropped because it was full
 * @con_wq: readers and pollers of the console wait here
 */
struct pal_vm {
	struct kref ref;
	struct list_head node;
	bool listed;
	u32 id;
	u32 flags;
	char name[PALACIOS_NAME_LEN];
	struct mutex lock;		/* see @lock above */
	struct v3_vm *vm;
	bool freed;
	u64 mem_size;
	u32 nr_vcpus;
	struct v3_cpuset affinity;	/* from PALACIOS_VM_SET_AFFINITY */
	bool has_affinity;
	void *initrd;
	u64 initrd_size;
	char *cmdline;
	char reason[PALACIOS_REASON_LEN];
	bool ended;
	spinlock_t con_lock;		/* see @con_lock above */
	u8 *con_buf;
	unsigned int con_head;
	unsigned int con_len;
	u64 con_dropped;
	wait_queue_head_t con_wq;
};

/* dev.c */
void pal_vm_put(struct pal_vm *p);
void pal_vm_unlist(struct pal_vm *p);

/* vmfd.c */
int pal_vm_fd(struct pal_vm *p);
void pal_vm_drop_boot_files(struct pal_vm *p);
void pal_vm_fill_info(struct pal_vm *p, struct palacios_vm_info *info);

/* console.c */
void pal_console_out(void *priv, const u8 *buf, unsigned int len);
void pal_console_end(struct pal_vm *p);
int pal_console_fd(struct pal_vm *p);

#endif /* _PALACIOS_LINUX_VM_DEV_H */
