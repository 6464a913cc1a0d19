/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The interface between the Palacios core and a hardware backend (AMD SVM,
 * Intel VMX).
 */
#ifndef _PALACIOS_BACKEND_H
#define _PALACIOS_BACKEND_H

#include <linux/types.h>

struct v3_boot_state;
struct v3_vcpu;
struct v3_vm;

/**
 * struct v3_cpu - the core's state of one host CPU
 * @id: the host's number for the CPU
 * @enabled: the backend has enabled virtualisation on this CPU
 * @host_save_hpa: host physical address of the backend's per-CPU save area,
 *                 or 0
 * @host_state_hpa: host physical address of a second per-CPU page, where
 *                  the backend keeps host state it saves itself, or 0
 * @asid_gen: the backend's generation of address-space IDs on this CPU:
 *            a vCPU whose ID is of an older one, or of another CPU, takes
 *            a new one (see svm_asid())
 * @next_asid: the next free address-space ID of @asid_gen
 * @last_vm: the VM that last ran on this CPU, to know when to clear the
 *           branch predictors; only compared, never dereferenced
 * @nr_vcpus: vCPUs of started VMs placed on this CPU (see v3_cpus_place())
 */
struct v3_cpu {
	int id;
	bool enabled;
	u64 host_save_hpa;
	u64 host_state_hpa;
	u32 asid_gen;
	u32 next_asid;
	const void *last_vm;
	unsigned int nr_vcpus;
};

/**
 * struct v3_backend - a hardware virtualisation backend
 * @name: short name, e.g. "svm"
 * @probe: check that the boot CPU supports the backend; returns 0, -ENODEV
 *         if it lacks the extensions, or -EOPNOTSUPP if it has them but they
 *         cannot be used (it then logs why)
 * @describe: write a one-line description of the extensions and of the
 *            optional features found and missing, for the log
 * @cpu_enable: enable virtualisation on the calling CPU, which is @cpu;
 *              returns 0, -EBUSY if another hypervisor owns it, or another
 *              negative errno
 * @cpu_disable: undo @cpu_enable on the calling CPU, which is @cpu
 * @emergency_disable: leave virtualisation off on the calling CPU, from an
 *                     emergency path: no lock taken, nothing freed
 * @vm_init: set up the backend's state of a VM whose memory map exists
 *           (nested page tables); 0 or a negative errno
 * @vm_free: free what @vm_init made
 * @vcpu_init: set up a vCPU (its VMCB); 0 or a negative errno
 * @vcpu_free: free what @vcpu_init made
 * @vcpu_reset: put a vCPU back in the state after INIT (as @vcpu_init
 *              leaves it), with no event pending
 * @vcpu_boot: put a vCPU in the state @bs describes, from the INIT state
 * @queue_exception: from the vCPU's own thread, between an exit and the
 *                   next entry: deliver exception @vector (with @err if
 *                   @has_err) at the next entry, in place of any event
 *                   being delivered again
 * @vcpu_run: from the vCPU's own thread: enter the guest once, between
 *            v3_vcpu_enter() and v3_vcpu_exited(), and handle the exit; 0
 *            to go on (also when v3_vcpu_enter() said not to enter), or a
 *            negative errno after the VM was stopped with its reason
 *
 * @cpu_enable and @cpu_disable run on the CPU they act on, without
 * preemption to another CPU, and are serialised by the host's CPU hotplug
 * code.  The VM and vCPU operations are called by the core with the VM's
 * life-cycle lock held, except @vcpu_run.
 */
struct v3_backend {
	const char *name;
	int (*probe)(void);
	void (*describe)(char *buf, size_t len);
	int (*cpu_enable)(struct v3_cpu *cpu);
	void (*cpu_disable)(struct v3_cpu *cpu);
	void (*emergency_disable)(void);
	int (*vm_init)(struct v3_vm *vm);
	void (*vm_free)(struct v3_vm *vm);
	int (*vcpu_init)(struct v3_vcpu *vcpu);
	void (*vcpu_free)(struct v3_vcpu *vcpu);
	void (*vcpu_reset)(struct v3_vcpu *vcpu);
	void (*vcpu_boot)(struct v3_vcpu *vcpu, const struct v3_boot_state *bs);
	void (*queue_exception)(struct v3_vcpu *vcpu, unsigned int vector,
				bool has_err, u32 err);
	int (*vcpu_run)(struct v3_vcpu *vcpu);
};

extern const struct v3_backend v3_svm_backend;

#endif /* _PALACIOS_BACKEND_H */
