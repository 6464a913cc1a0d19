/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The entry points of the Palacios core that its host calls.
 */
#ifndef _PALACIOS_VMM_H
#define _PALACIOS_VMM_H

#include <linux/types.h>

/* Host CPUs a set can name: CPUs 0 to 1023 */
#define V3_CPUSET_BITS		1024

/**
 * struct v3_cpuset - a set of host CPUs
 * @bits: CPU n is bit n % 64 of @bits[n / 64]
 */
struct v3_cpuset {
	u64 bits[V3_CPUSET_BITS / 64];
};

static inline bool v3_cpuset_has(const struct v3_cpuset *set, unsigned int cpu)
{
	return cpu < V3_CPUSET_BITS && (set->bits[cpu / 64] >> (cpu % 64)) & 1;
}

static inline void v3_cpuset_add(struct v3_cpuset *set, unsigned int cpu)
{
	if (cpu < V3_CPUSET_BITS)
		set->bits[cpu / 64] |= 1ULL << (cpu % 64);
}

/**
 * v3_init() - bring up the core
 *
 * Chooses the hardware backend the CPU supports.  Virtualisation is then
 * enabled CPU by CPU with v3_cpu_up().
 *
 * Return: 0, -ENODEV if the CPU has no usable hardware virtualisation, or
 * -ENOMEM.
 */
int v3_init(void);

struct v3_backend;

/**
 * v3_init_backends() - bring up the core with the first of @backends the
 *                      CPU supports
 * @backends: the backends to try, in order; NULL entries are skipped
 * @n: their number
 *
 * What v3_init() does with the backends built into Palacios; the
 * user-space tests pass a fake one, which drives the core as a hardware
 * backend would.
 *
 * Return: as v3_init().
 */
int v3_init_backends(const struct v3_backend *const *backends,
		     unsigned int n);

/**
 * v3_exit() - tear down the core after every CPU went through v3_cpu_down()
 */
void v3_exit(void);

/**
 * v3_cpu_up() - enable hardware virtualisation on a CPU
 * @cpu: the CPU, which must be the calling one
 *
 * Return: 0, -EBUSY if another hypervisor already uses the CPU's
 * virtualisation extensions, or another negative errno.
 */
int v3_cpu_up(unsigned int cpu);

/**
 * v3_cpu_down() - disable hardware virtualisation on a CPU
 * @cpu: the CPU, which must be the calling one
 */
void v3_cpu_down(unsigned int cpu);

/**
 * v3_emergency_disable() - leave hardware virtualisation off on this CPU
 *
 * For the host's emergency reboot and crash paths: on the CPU it acts on,
 * with interrupts off (perhaps in NMI context), taking no lock and freeing
 * nothing, so that the next kernel or the firmware finds the CPU as it
 * expects it (INIT not blocked).
 */
void v3_emergency_disable(void);

/**
 * v3_backend_name() - the name of the backend in use
 *
 * Return: "svm", or NULL before v3_init() succeeded.
 */
const char *v3_backend_name(void);

/**
 * v3_describe() - describe the hardware backend in use
 * @buf: the buffer for the description
 * @len: its size
 *
 * Writes one line: the extensions and the optional features found and
 * missing.
 */
void v3_describe(char *buf, size_t len);

/**
 * v3_nr_cpus_enabled() - the number of CPUs with virtualisation enabled
 *
 * Return: the number of CPUs that went through v3_cpu_up() and not yet
 * through v3_cpu_down().
 */
unsigned int v3_nr_cpus_enabled(void);

/**
 * v3_cpu_enabled() - whether virtualisation is enabled on a CPU
 * @cpu: the CPU
 *
 * Return: true between v3_cpu_up() and v3_cpu_down() of @cpu.
 */
bool v3_cpu_enabled(unsigned int cpu);

/**
 * v3_cpu_nr_vcpus() - how many vCPUs of started VMs are placed on a CPU
 * @cpu: the CPU
 *
 * Return: that number, 0 for a CPU the core does not know; a snapshot.
 */
unsigned int v3_cpu_nr_vcpus(unsigned int cpu);

/**
 * v3_cpus_place() - choose a host CPU for each vCPU of a VM being started
 * @allowed: the CPUs it may use, or NULL for any
 * @n: its number of vCPUs
 * @cpus: receives the CPU of each vCPU
 *
 * Each vCPU goes to an enabled CPU of @allowed: one that no other vCPU of
 * this VM has yet, while there is one, and of those the one with the fewest
 * vCPUs of started VMs; CPU 0, which takes most of the host's interrupts,
 * loses ties.  The CPUs are counted as used until v3_cpu_unplace().
 *
 * Return: 0, or -ENODEV if no CPU of @allowed is enabled.
 */
int v3_cpus_place(const struct v3_cpuset *allowed, unsigned int n, int *cpus);

/**
 * v3_cpu_unplace() - a vCPU placed by v3_cpus_place() on @cpu has ended
 * @cpu: its CPU
 */
void v3_cpu_unplace(int cpu);

#endif /* _PALACIOS_VMM_H */
