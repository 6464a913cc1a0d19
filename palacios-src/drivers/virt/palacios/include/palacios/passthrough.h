/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Host devices passed through to a guest: a range of host I/O ports and a
 * host interrupt, owned by one VM from before it starts until it stops.
 *
 * The guest reaches the ports at the same numbers as the host, and sees
 * the host interrupt on one of its ISA lines.  An
 * edge-triggered host line becomes one edge on the guest's line; a
 * level-triggered one raises the guest's line and stays masked on the host
 * until the guest's EOI of that line (through the PIC or the I/O APIC), so
 * that it cannot storm the host while the guest has not serviced its
 * device.
 */
#ifndef _PALACIOS_PASSTHROUGH_H
#define _PALACIOS_PASSTHROUGH_H

#include <linux/types.h>

#include <palacios/vm.h>

struct v3_vm;
struct v3_host_ports;
struct v3_host_irq;
struct v3_spinlock;

#define V3_MAX_PASSTHROUGH	8
#define V3_PT_NO_IRQ		(-1)
#define V3_PT_NR_LINES		16	/* ISA lines 0 to 15 */

/**
 * struct v3_pt_spec - what to pass through
 * @port_first: the first host I/O port
 * @port_count: how many ports; 0 for none
 * @irq: the host interrupt; %V3_PT_NO_IRQ for none
 * @line: the guest's ISA line it comes on, below %V3_PT_NR_LINES
 */
struct v3_pt_spec {
	u16 port_first;
	u32 port_count;
	int irq;
	int line;
};

/**
 * struct v3_passthrough - one passed-through device of a VM
 * @vm: its VM
 * @spec: what it is
 * @ports: the claimed host ports, or NULL
 * @hirq: the hooked host interrupt, or NULL
 * @level: the host line is level-triggered
 * @asserted: (level only) the guest's line is up, the host's masked
 * @lock: protects @asserted, taken in the host's interrupt context
 * @nr_irqs: host interrupts passed to the guest
 * @owner: the name the host shows as the owner of the ports and line
 */
struct v3_passthrough {
	struct v3_vm *vm;
	struct v3_pt_spec spec;
	struct v3_host_ports *ports;
	struct v3_host_irq *hirq;
	bool level;
	bool asserted;
	struct v3_spinlock *lock;
	unsigned long nr_irqs;
	char owner[V3_VM_NAME_LEN + 16];
};

/**
 * v3_vm_passthrough() - give a host device to a VM that has not started
 * @vm: the VM, created and not yet started
 * @spec: the ports and interrupt
 *
 * The ports are claimed and the interrupt requested from the host here,
 * once; they go back to the host when the VM stops (v3_pt_release()).
 * A refusal leaves the VM and the host as they were, and logs one line.
 *
 * Context: process context.
 * Return: 0; -EINVAL for a bad range or line, or one overlapping what
 * the VM was already given; -EEXIST if a device of the VM itself is at
 * those ports or on that line; -EBUSY if the host (or another VM) holds
 * them, or the VM has started; -ENXIO if the host has no such interrupt;
 * -ENOSPC beyond %V3_MAX_PASSTHROUGH devices; -ENOMEM.
 */
int v3_vm_passthrough(struct v3_vm *vm, const struct v3_pt_spec *spec);

/**
 * v3_pt_release() - give every passed-through device of a VM back
 * @vm: the VM, whose vCPUs no longer run
 *
 * Waits for running interrupt handlers.  Does nothing the second time.
 */
void v3_pt_release(struct v3_vm *vm);

/**
 * v3_pt_eoi() - the guest ended an interrupt on an ISA line
 * @vm: the VM
 * @line: the line
 *
 * A level-triggered host line behind @line is lowered in the guest and
 * unmasked on the host.
 *
 * Context: any context.
 */
void v3_pt_eoi(struct v3_vm *vm, unsigned int line);

#endif /* _PALACIOS_PASSTHROUGH_H */
