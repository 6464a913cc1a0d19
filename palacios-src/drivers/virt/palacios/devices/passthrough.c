// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host devices passed through to a guest (see <palacios/passthrough.h>).
 *
 * Locking: a VM's passthrough table is filled under the VM's lock before
 * it starts, and emptied once its vCPU threads have ended, so the exit
 * path reads it without a lock.  Each device's @asserted flag is shared
 * between the host's interrupt handler and the guest's EOI, under the
 * device's spinlock.
 */
#include <linux/bits.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/sprintf.h>
#include <linux/string.h>
#include <linux/types.h>

#include <palacios/devices.h>
#include <palacios/guest.h>
#include <palacios/host.h>
#include <palacios/io.h>
#include <palacios/log.h>
#include <palacios/passthrough.h>
#include <palacios/vm.h>

/* The guest's accesses to the ports go to the host's, one for one. */
static int pt_access(u64 port, void *data, unsigned int len, bool write,
		     void *priv)
{
	struct v3_passthrough *pt = priv;
	u32 val = 0;

	if (len != 1 && len != 2 && len != 4)
		return -EINVAL;
	if (write) {
		memcpy(&val, data, len);
		v3_host_port_write(pt->ports, port, len, val);
	} else {
		val = v3_host_port_read(pt->ports, port, len);
		memcpy(data, &val, len);
	}
	return 0;
}

/* The host's interrupt handler; the host line is masked meanwhile. */
static void pt_irq(unsigned int irq, void *data)
{
	struct v3_passthrough *pt = data;
	unsigned int line = pt->spec.line;
	unsigned long flags;

	WRITE_ONCE(pt->nr_irqs, pt->nr_irqs + 1);
	if (!pt->level) {
		/* one edge: the host's edge handling latches the next one */
		v3_vm_set_irq(pt->vm, line, true);
		v3_vm_set_irq(pt->vm, line, false);
		v3_host_ack_irq(pt->hirq);
		return;
	}
	flags = v3_host_spin_lock_irqsave(pt->lock);
	pt->asserted = true;
	v3_host_spin_unlock_irqrestore(pt->lock, flags);
	v3_vm_set_irq(pt->vm, line, true);
}

void v3_pt_eoi(struct v3_vm *vm, unsigned int line)
{
	unsigned int i;

	for (i = 0; i < READ_ONCE(vm->board->nr_pt); i++) {
		struct v3_passthrough *pt = &vm->board->pt[i];
		unsigned long flags;
		bool was;

		if (!pt->level || pt->spec.line != (int)line)
			continue;
		flags = v3_host_spin_lock_irqsave(pt->lock);
		was = pt->asserted;
		pt->asserted = false;
		v3_host_spin_unlock_irqrestore(pt->lock, flags);
		if (!was)
			continue;
		v3_vm_set_irq(vm, line, false);
		v3_host_ack_irq(pt->hirq);
	}
}

/* Give back what pt_take() took. */
static void pt_give_back(struct v3_vm *vm, struct v3_passthrough *pt)
{
	if (pt->hirq)
		v3_host_unhook_irq(pt->hirq);
	if (pt->ports)
		v3_host_release_ports(pt->ports);
	if (pt->spec.port_count)
		v3_range_unhook(&vm->io, pt->spec.port_first);
	pt->hirq = NULL;
	pt->ports = NULL;
}

static bool pt_overlaps(const struct v3_pt_spec *a, const struct v3_pt_spec *b)
{
	if (a->irq != V3_PT_NO_IRQ && b->irq != V3_PT_NO_IRQ &&
	    (a->irq == b->irq || a->line == b->line))
		return true;
	return a->port_count && b->port_count &&
	       a->port_first < b->port_first + b->port_count &&
	       b->port_first < a->port_first + a->port_count;
}

/* Check @spec against the limits and what the VM has; logs a refusal. */
static int pt_check(struct v3_vm *vm, const struct v3_pt_spec *s)
{
	unsigned int i;

	if ((!s->port_count && s->irq == V3_PT_NO_IRQ) ||
	    s->port_first + s->port_count > 0x10000 ||
	    (s->irq != V3_PT_NO_IRQ &&
	     (s->irq < 0 || s->line < 0 || s->line >= V3_PT_NR_LINES))) {
		v3_err_ratelimited("vm %s: passthrough refused: ports 0x%x+%u, IRQ %d on line %d: out of range (the guest's ISA lines are 0 to %d)\n",
				   vm->name, s->port_first, s->port_count, s->irq, s->line,
				   V3_PT_NR_LINES - 1);
		return -EINVAL;
	}
	if (s->irq != V3_PT_NO_IRQ &&
	    ((V3_BOARD_OWN_LINES | V3_BOARD_VIRTIO_LINES) & BIT(s->line))) {
		v3_err_ratelimited("vm %s: passthrough refused: ISA line %d is the VM's own device's\n",
				   vm->name, s->line);
		return -EEXIST;
	}
	for (i = 0; i < vm->board->nr_pt; i++) {
		if (pt_overlaps(s, &vm->board->pt[i].spec)) {
			v3_err_ratelimited("vm %s: passthrough refused: it overlaps the VM's passthrough %u\n",
					   vm->name, i);
			return -EINVAL;
		}
	}
	if (vm->board->nr_pt == V3_MAX_PASSTHROUGH) {
		v3_err_ratelimited("vm %s: passthrough refused: at most %d devices\n",
				   vm->name, V3_MAX_PASSTHROUGH);
		return -ENOSPC;
	}
	return 0;
}

/* Take the ports and the line for @pt; all or nothing. */
static int pt_take(struct v3_vm *vm, struct v3_passthrough *pt)
{
	const struct v3_pt_spec *s = &pt->spec;
	u16 last = s->port_first + s->port_count - 1;
	int err;

	if (s->port_count) {
		err = v3_range_hook(&vm->io, s->port_first, last, pt_access,
				    pt);
		if (err == -EBUSY) {
			v3_err_ratelimited("vm %s: passthrough refused: ports 0x%x-0x%x: the VM's own device is there\n",
					   vm->name, s->port_first, last);
			return -EEXIST;
		}
		if (err)
			return err;
		err = v3_host_claim_ports(s->port_first, s->port_count,
					  pt->owner, &pt->ports);
		if (err) {
			pt->ports = NULL;
			v3_range_unhook(&vm->io, s->port_first);
			if (err == -EBUSY)
				v3_err_ratelimited("vm %s: passthrough refused: ports 0x%x-0x%x are in use on the host\n",
						   vm->name, s->port_first, last);
			return err;
		}
	}
	if (s->irq == V3_PT_NO_IRQ)
		return 0;
	err = v3_host_hook_irq(s->irq, pt_irq, pt, pt->owner, &pt->hirq);
	if (err) {
		pt->hirq = NULL;
		pt_give_back(vm, pt);
		if (err == -EINVAL) {
			v3_err_ratelimited("vm %s: passthrough refused: the host has no IRQ %d\n",
					   vm->name, s->irq);
			return -ENXIO;
		}
		if (err == -EBUSY)
			v3_err_ratelimited("vm %s: passthrough refused: IRQ %d is in use on the host\n",
					   vm->name, s->irq);
		return err;
	}
	pt->level = v3_host_irq_is_level(pt->hirq);
	return 0;
}

int v3_vm_passthrough(struct v3_vm *vm, const struct v3_pt_spec *spec)
{
	char name[V3_VM_NAME_LEN];
	struct v3_passthrough *pt;
	unsigned int i;
	int err;

	v3_host_mutex_lock(vm->lock);
	if (v3_vm_state(vm) > V3_VM_LOADED) {
		v3_err_ratelimited("vm %s: passthrough refused: the VM has started\n",
				   vm->name);
		err = -EBUSY;
		goto out;
	}
	err = pt_check(vm, spec);
	if (err)
		goto out;
	pt = &vm->board->pt[vm->board->nr_pt];
	memset(pt, 0, sizeof(*pt));
	pt->vm = vm;
	pt->spec = *spec;
	/* through a copy: the compiler sees @vm->name inside @pt's VM */
	strscpy(name, vm->name, sizeof(name));
	snprintf(pt->owner, sizeof(pt->owner), "palacios:%s", name);
	pt->lock = v3_host_spinlock_alloc();
	if (!pt->lock) {
		err = -ENOMEM;
		goto out;
	}
	err = pt_take(vm, pt);
	if (err) {
		v3_host_spinlock_free(pt->lock);
		memset(pt, 0, sizeof(*pt));
		goto out;
	}
	if (pt->level) {
		/* the guest's EOI of an edge vector must reach us too */
		for (i = 0; i < vm->nr_vcpus; i++)
			WRITE_ONCE(vm->vcpus[i]->lapic.eoi_all, true);
		v3_board_set_eoi_notifier(vm, v3_pt_eoi);
	}
	WRITE_ONCE(vm->board->nr_pt, vm->board->nr_pt + 1);
	if (spec->irq == V3_PT_NO_IRQ)
		v3_info("vm %s: passthrough: ports 0x%x+%u\n", vm->name,
			spec->port_first, spec->port_count);
	else
		v3_info("vm %s: passthrough: ports 0x%x+%u, IRQ %d (%s) on line %d\n",
			vm->name, spec->port_first, spec->port_count,
			spec->irq, pt->level ? "level" : "edge", spec->line);
out:
	v3_host_mutex_unlock(vm->lock);
	return err;
}

void v3_pt_release(struct v3_vm *vm)
{
	unsigned int i, n = vm->board->nr_pt;

	WRITE_ONCE(vm->board->nr_pt, 0);
	for (i = 0; i < n; i++) {
		struct v3_passthrough *pt = &vm->board->pt[i];

		if (pt->spec.irq == V3_PT_NO_IRQ)
			v3_info("vm %s: passthrough: ports 0x%x+%u given back\n",
				vm->name, pt->spec.port_first,
				pt->spec.port_count);
		else
			v3_info("vm %s: passthrough: ports 0x%x+%u, IRQ %d given back after %lu interrupts\n",
				vm->name, pt->spec.port_first,
				pt->spec.port_count, pt->spec.irq,
				READ_ONCE(pt->nr_irqs));
		pt_give_back(vm, pt);
		v3_host_spinlock_free(pt->lock);
	}
}
