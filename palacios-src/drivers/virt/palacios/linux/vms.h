/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Palacios on Linux: the host's VMs.
 *
 * A struct pal_vm is a VM as the host knows it: its name, its owner, its
 * place in the host's list and the core's VM inside it.  vms.c owns its
 * life (reference, list, release); dev.c, vmfd.c and console.c reach VMs
 * through it for user space, guest.c for the guests named at boot.
 */
#ifndef _PALACIOS_LINUX_VMS_H
#define _PALACIOS_LINUX_VMS_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <uapi/linux/palacios.h>

#include <palacios/vmm.h>

struct user_namespace;
struct v3_vm;

/* The console's output buffer, per VM */
#define PAL_CON_SIZE	(64 * 1024)

/**
 * struct pal_vm - a VM of the host
 * @ref: one per descriptor of the VM or of its console, one for the host's
 *       list while the VM is persistent (%PALACIOS_VM_PERSISTENT, which
 *       the VMs of the kernel have), one for its end work while queued
 * @node: in the host's list, under pal_vms_lock
 * @listed: @node is in the list
 * @id: unique among the VMs since the module was loaded
 * @flags: PALACIOS_VM_* flags: those of its creation, and
 *         %PALACIOS_VM_KERNEL for a VM of the kernel
 * @owner: the user who created it; INVALID_UID for a VM of the kernel
 * @owner_ns: the user namespace it was created in (a reference)
 * @name: its name
 * @lock: serialises the ioctls of the VM and its setting up and freeing,
 *        and guards @vm, @freed, @mem_size and @nr_vcpus
 * @vm: the core's VM; NULL before it is configured and once freed
 * @freed: the core's VM was freed (PALACIOS_VM_FREE, or a VM of the kernel
 *         that stopped)
 * @mem_size: its memory, once configured
 * @nr_vcpus: its vCPUs, once configured
 * @affinity: the host CPUs PALACIOS_VM_SET_AFFINITY gave it
 * @has_affinity: @affinity was given
 * @initrd: the initrd given for the next kernel, or NULL
 * @initrd_size: its size
 * @cmdline: the command line given for the next kernel, or NULL
 * @reason: the stop reason, kept when the core's VM is freed
 * @end_work: frees a VM of the kernel once it stopped (guest.c)
 * @ended: the guest stopped or the VM was freed (no more output)
 * @con_lock: guards the console buffer
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
	kuid_t owner;
	struct user_namespace *owner_ns;
	char name[PALACIOS_NAME_LEN];
	struct mutex lock;		/* see @lock above */
	struct v3_vm *vm;
	bool freed;
	u64 mem_size;
	u32 nr_vcpus;
	struct v3_cpuset affinity;
	bool has_affinity;
	void *initrd;
	u64 initrd_size;
	char *cmdline;
	char reason[PALACIOS_REASON_LEN];
	struct work_struct end_work;
	bool ended;
	spinlock_t con_lock;		/* see @con_lock above */
	u8 *con_buf;
	unsigned int con_head;
	unsigned int con_len;
	u64 con_dropped;
	wait_queue_head_t con_wq;
};

bool pal_vm_name_char(char c);
bool pal_vm_name_valid(const char *name, size_t len);
struct pal_vm *pal_vm_create(const char *name, u32 flags);
struct pal_vm *pal_vm_open(const char *name);
unsigned int pal_vm_list(struct pal_vm **vms, unsigned int max,
			 unsigned int *total);
unsigned int pal_vm_count(void);
void pal_vm_get(struct pal_vm *p);
void pal_vm_put(struct pal_vm *p);
void pal_vm_unlist(struct pal_vm *p);
void pal_vm_free_guest(struct pal_vm *p);
void pal_vm_drop_boot_files(struct pal_vm *p);
u32 pal_vm_state(struct pal_vm *p);
void pal_vm_fill_info(struct pal_vm *p, struct palacios_vm_info *info);
void pal_vms_exit(void);

/**
 * pal_console_end() - no more output will come: the VM stopped or was freed
 * @p: the VM
 */
static inline void pal_console_end(struct pal_vm *p)
{
	WRITE_ONCE(p->ended, true);
	wake_up_interruptible_poll(&p->con_wq, EPOLLIN | EPOLLHUP);
}

/* vmfd.c */
int pal_vm_fd(struct pal_vm *p);

/* console.c */
void pal_console_out(void *priv, const u8 *buf, unsigned int len);
int pal_console_fd(struct pal_vm *p);

#endif /* _PALACIOS_LINUX_VMS_H */
