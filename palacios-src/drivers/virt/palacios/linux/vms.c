// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios on Linux: the host's VMs, their owners and their life.
 *
 * Every VM of the host is a struct pal_vm in one list, whether user space
 * created it through /dev/palacios or the kernel started it as a guest
 * named at boot.  A VM belongs to the user who created it, in the user
 * namespace it was created in; the VMs of the kernel belong to no user.
 * Opening or listing a VM one does not own needs CAP_SYS_ADMIN in the
 * VM's user namespace (the initial one for the kernel's).  Names are
 * unique on the host, whoever owns the VM.
 *
 * Locking: pal_vms_lock guards the list, the count and the ids.  A VM's
 * last reference is dropped with kref_put_mutex() on it, so a VM found in
 * the list under the lock always has a reference left to take.  It nests
 * inside a VM's own lock (freeing a VM unlists it), never the other way
 * round.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/ctype.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/user_namespace.h>

#include <palacios/vm.h>

#include "vms.h"

static LIST_HEAD(pal_vms);
static DEFINE_MUTEX(pal_vms_lock);
static unsigned int pal_nr_vms;
static u32 pal_next_id = 1;

/* Called with pal_vms_lock held by kref_put_mutex(); drops it. */
static void pal_vm_release(struct kref *ref)
{
	struct pal_vm *p = container_of(ref, struct pal_vm, ref);

	if (p->listed) {
		list_del(&p->node);
		p->listed = false;
		pal_nr_vms--;
	}
	mutex_unlock(&pal_vms_lock);
	v3_vm_free(p->vm);
	pal_vm_drop_boot_files(p);
	put_user_ns(p->owner_ns);
	kvfree(p->con_buf);
	mutex_destroy(&p->lock);
	kfree(p);
}

/**
 * pal_vm_get() - take a reference to a VM
 * @p: the VM; the caller holds a reference already
 */
void pal_vm_get(struct pal_vm *p)
{
	kref_get(&p->ref);
}

/**
 * pal_vm_put() - drop a reference to a VM, freeing it with the last
 * @p: the VM
 *
 * Context: process context; may sleep (freeing stops the guest).
 */
void pal_vm_put(struct pal_vm *p)
{
	kref_put_mutex(&p->ref, pal_vm_release, &pal_vms_lock);
}

/**
 * pal_vm_unlist() - take a VM off the host's list
 * @p: the VM; the caller holds a reference
 *
 * Its name can then be used again, and a persistent VM loses the
 * reference the list held.
 */
void pal_vm_unlist(struct pal_vm *p)
{
	bool drop = false;

	mutex_lock(&pal_vms_lock);
	if (p->listed) {
		list_del(&p->node);
		p->listed = false;
		pal_nr_vms--;
		drop = p->flags & PALACIOS_VM_PERSISTENT;
	}
	mutex_unlock(&pal_vms_lock);
	if (drop)
		pal_vm_put(p);
}

/* The VM of that name, or NULL; under pal_vms_lock. */
static struct pal_vm *pal_vm_lookup(const char *name)
{
	struct pal_vm *p;

	lockdep_assert_held(&pal_vms_lock);
	list_for_each_entry(p, &pal_vms, node)
		if (!strcmp(p->name, name))
			return p;
	return NULL;
}

/* Whether the caller may open and list @p (see the top of this file) */
static bool pal_vm_may_access(const struct pal_vm *p, bool audit)
{
	if (!(p->flags & PALACIOS_VM_KERNEL) && uid_eq(p->owner, current_euid()))
		return true;
	return audit ? ns_capable(p->owner_ns, CAP_SYS_ADMIN) :
		       ns_capable_noaudit(p->owner_ns, CAP_SYS_ADMIN);
}

/**
 * pal_vm_name_char() - whether a VM's name may hold @c
 * @c: the character
 *
 * Return: true for ASCII letters, digits, '-', '_' and '.'.
 */
bool pal_vm_name_char(char c)
{
	return isascii(c) && (isalnum(c) || strchr("-_.", c));
}

/**
 * pal_vm_name_valid() - whether @name is a VM's name
 * @name: the name
 * @len: the size of the buffer that holds it
 *
 * Return: true if @name is NUL-terminated within @len and of the
 * characters pal_vm_name_char() allows.
 */
bool pal_vm_name_valid(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < len && name[i]; i++)
		if (!pal_vm_name_char(name[i]))
			return false;
	return i < len;
}

/**
 * pal_vm_create() - a new VM in the host's list, without its core VM
 * @name: its name, valid (pal_vm_name_valid()); empty picks "vmN"
 * @flags: %PALACIOS_VM_PERSISTENT, and %PALACIOS_VM_KERNEL for a VM of
 *         the kernel; a VM of the kernel must be persistent
 *
 * The VM belongs to the calling user, or to the kernel.
 *
 * Return: the VM with a reference for the caller (and one for the list if
 * it is persistent), or ERR_PTR(-ENOMEM), ERR_PTR(-ENOSPC) when the host
 * has %PALACIOS_MAX_VMS, ERR_PTR(-EEXIST) when the name is taken.
 */
struct pal_vm *pal_vm_create(const char *name, u32 flags)
{
	struct pal_vm *p;
	int err;

	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		return ERR_PTR(-ENOMEM);
	p->con_buf = kvmalloc(PAL_CON_SIZE, GFP_KERNEL_ACCOUNT);
	if (!p->con_buf) {
		kfree(p);
		return ERR_PTR(-ENOMEM);
	}
	kref_init(&p->ref);
	mutex_init(&p->lock);
	spin_lock_init(&p->con_lock);
	init_waitqueue_head(&p->con_wq);
	p->flags = flags;
	if (flags & PALACIOS_VM_KERNEL) {
		p->owner = INVALID_UID;
		p->owner_ns = get_user_ns(&init_user_ns);
	} else {
		p->owner = current_euid();
		p->owner_ns = get_user_ns(current_user_ns());
	}

	mutex_lock(&pal_vms_lock);
	err = -ENOSPC;
	if (pal_nr_vms >= PALACIOS_MAX_VMS)
		goto fail;
	p->id = pal_next_id++;
	if (name[0])
		strscpy(p->name, name, sizeof(p->name));
	else
		snprintf(p->name, sizeof(p->name), "vm%u", p->id);
	err = -EEXIST;
	if (pal_vm_lookup(p->name))
		goto fail;
	list_add_tail(&p->node, &pal_vms);
	p->listed = true;
	pal_nr_vms++;
	if (p->flags & PALACIOS_VM_PERSISTENT)
		kref_get(&p->ref);
	mutex_unlock(&pal_vms_lock);
	return p;
fail:
	mutex_unlock(&pal_vms_lock);
	put_user_ns(p->owner_ns);
	kvfree(p->con_buf);
	mutex_destroy(&p->lock);
	kfree(p);
	return ERR_PTR(err);
}

/**
 * pal_vm_open() - the VM of that name, for the caller
 * @name: its name
 *
 * Return: the VM with a reference for the caller, ERR_PTR(-ENOENT) if
 * there is none, or ERR_PTR(-EACCES) if the caller may not open it.
 */
struct pal_vm *pal_vm_open(const char *name)
{
	struct pal_vm *p;

	mutex_lock(&pal_vms_lock);
	p = pal_vm_lookup(name);
	if (p)
		kref_get(&p->ref);
	mutex_unlock(&pal_vms_lock);
	if (!p)
		return ERR_PTR(-ENOENT);
	if (!pal_vm_may_access(p, true)) {
		pal_vm_put(p);
		return ERR_PTR(-EACCES);
	}
	return p;
}

/**
 * pal_vm_list() - the VMs the caller may open
 * @vms: receives up to @max of them, each with a reference for the caller
 * @max: room in @vms
 * @total: receives how many VMs the caller may open
 *
 * Return: the number written to @vms.
 */
unsigned int pal_vm_list(struct pal_vm **vms, unsigned int max,
			 unsigned int *total)
{
	unsigned int n = 0, all = 0;
	struct pal_vm *p;

	mutex_lock(&pal_vms_lock);
	list_for_each_entry(p, &pal_vms, node) {
		if (!pal_vm_may_access(p, false))
			continue;
		all++;
		if (n < max) {
			kref_get(&p->ref);
			vms[n++] = p;
		}
	}
	mutex_unlock(&pal_vms_lock);
	*total = all;
	return n;
}

/**
 * pal_vm_count() - the number of VMs on the host, whoever owns them
 *
 * Return: that number.
 */
unsigned int pal_vm_count(void)
{
	unsigned int n;

	mutex_lock(&pal_vms_lock);
	n = pal_nr_vms;
	mutex_unlock(&pal_vms_lock);
	return n;
}

/**
 * pal_vm_drop_boot_files() - forget the initrd and command line kept
 * @p: the VM
 */
void pal_vm_drop_boot_files(struct pal_vm *p)
{
	kvfree(p->initrd);
	p->initrd = NULL;
	p->initrd_size = 0;
	kvfree(p->cmdline);
	p->cmdline = NULL;
}

/**
 * pal_vm_free_guest() - stop the guest and give its memory back
 * @p: the VM, whose lock the caller holds
 *
 * The stop reason is kept; the VM stays until its last reference goes.
 */
void pal_vm_free_guest(struct pal_vm *p)
{
	lockdep_assert_held(&p->lock);
	if (p->vm) {
		v3_vm_stop(p->vm);
		strscpy(p->reason, v3_vm_stop_reason(p->vm), sizeof(p->reason));
		v3_vm_free(p->vm);
		p->vm = NULL;
	}
	pal_vm_drop_boot_files(p);
	p->freed = true;
	pal_console_end(p);
}

/**
 * pal_vm_state() - where a VM is in its life
 * @p: the VM, whose lock the caller holds
 *
 * Return: its enum palacios_vm_state.
 */
u32 pal_vm_state(struct pal_vm *p)
{
	lockdep_assert_held(&p->lock);
	if (p->freed)
		return PALACIOS_STATE_FREED;
	if (!p->vm)
		return PALACIOS_STATE_NEW;
	switch (v3_vm_state(p->vm)) {
	case V3_VM_CREATED:
		return PALACIOS_STATE_CONFIGURED;
	case V3_VM_LOADED:
		return PALACIOS_STATE_LOADED;
	case V3_VM_RUNNING:
		return PALACIOS_STATE_RUNNING;
	case V3_VM_PAUSED:
		return PALACIOS_STATE_PAUSED;
	case V3_VM_STOPPED:
		break;
	}
	return PALACIOS_STATE_STOPPED;
}

/**
 * pal_vm_fill_info() - describe a VM as PALACIOS_VM_GET_INFO does
 * @p: the VM
 * @info: filled in, for the calling process (its user namespace)
 */
void pal_vm_fill_info(struct pal_vm *p, struct palacios_vm_info *info)
{
	memset(info, 0, sizeof(*info));
	mutex_lock(&p->lock);
	strscpy(info->name, p->name, sizeof(info->name));
	info->id = p->id;
	info->state = pal_vm_state(p);
	info->mem_size = p->mem_size;
	info->nr_vcpus = p->nr_vcpus;
	info->flags = p->flags;
	info->owner = p->flags & PALACIOS_VM_KERNEL ? PALACIOS_OWNER_KERNEL :
		      from_kuid_munged(current_user_ns(), p->owner);
	if (info->state == PALACIOS_STATE_STOPPED)
		strscpy(info->stop_reason, v3_vm_stop_reason(p->vm),
			sizeof(info->stop_reason));
	else if (info->state == PALACIOS_STATE_FREED)
		strscpy(info->stop_reason, p->reason,
			sizeof(info->stop_reason));
	mutex_unlock(&p->lock);
}

/**
 * pal_vms_exit() - free every VM left: the persistent ones, held by the
 * list alone, as the module goes
 *
 * Context: no descriptor is open (each pins the module).
 */
void pal_vms_exit(void)
{
	struct pal_vm *p;

	for (;;) {
		mutex_lock(&pal_vms_lock);
		p = list_first_entry_or_null(&pal_vms, struct pal_vm, node);
		if (p)
			kref_get(&p->ref);
		mutex_unlock(&pal_vms_lock);
		if (!p)
			break;
		mutex_lock(&p->lock);
		pal_vm_free_guest(p);
		mutex_unlock(&p->lock);
		pal_vm_unlist(p);
		pal_vm_put(p);
	}
}
