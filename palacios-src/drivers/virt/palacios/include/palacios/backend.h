/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The interface between the Palacios core and a hardware backend (AMD SVM,
 * Intel VMX).
 */
#ifndef _PALACIOS_BACKEND_H
#define _PALACIOS_BACKEND_H

#include <linux/types.h>

/**
 * struct v3_cpu - the core's state of one host CPU
 * @id: the host's number for the CPU
 * @enabled: the backend has enabled virtualisation on this CPU
 * @host_save_hpa: host physical address of the backend's per-CPU save area,
 *                 or 0
 */
struct v3_cpu {
	int id;
	bool enabled;
	u64 host_save_hpa;
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
 *
 * @cpu_enable and @cpu_disable run on the CPU they act on, without
 * preemption to another CPU, and are serialised by the host's CPU hotplug
 * code.
 */
struct v3_backend {
	const char *name;
	int (*probe)(void);
	void (*describe)(char *buf, size_t len);
	int (*cpu_enable)(struct v3_cpu *cpu);
	void (*cpu_disable)(struct v3_cpu *cpu);
};

extern const struct v3_backend v3_svm_backend;

#endif /* _PALACIOS_BACKEND_H */
