// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios core: bring-up, backend choice and per-CPU state.
 */
#include <linux/array_size.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/kconfig.h>

#include <palacios/backend.h>
#include <palacios/guest.h>
#include <palacios/host.h>
#include <palacios/log.h>
#include <palacios/vmm.h>

/* The backends, in the order v3_init() tries them */
static const struct v3_backend *const v3_backends[] = {
	IS_ENABLED(CONFIG_PALACIOS_SVM) ? &v3_svm_backend : NULL,
	IS_ENABLED(CONFIG_PALACIOS_VMX) ? &v3_vmx_backend : NULL,
};

/*
 * Written by v3_init() and v3_exit(), which the host calls once each, before
 * and after any other entry point.  The per-CPU entries are then written
 * only by v3_cpu_up() and v3_cpu_down(), which the host serialises.
 */
static const struct v3_backend *v3_backend;
static void *v3_cpus;		/* v3_nr_cpus entries of v3_cpu_size bytes */
static unsigned int v3_nr_cpus;
static size_t v3_cpu_size;
/*
 * Serialises the placement counts, v3_cpu.nr_vcpus.  A spinlock: it is
 * taken under a VM's life-cycle mutex, and the host's mutexes share one
 * lockdep class.
 */
static struct v3_spinlock *v3_place_lock;

/* The core's state of CPU @i, below v3_nr_cpus: the backend's embeds it */
static struct v3_cpu *v3_cpu_at(unsigned int i)
{
	return (struct v3_cpu *)((char *)v3_cpus + i * v3_cpu_size);
}

int v3_init_backends(const struct v3_backend *const *backends,
		     unsigned int n)
{
	const struct v3_backend *backend = NULL;
	bool said = false;
	unsigned int i;
	int err;

	for (i = 0; i < n && !backend; i++) {
		if (!backends[i])
			continue;
		err = backends[i]->probe();
		if (!err)
			backend = backends[i];
		/* -EOPNOTSUPP: the backend said why already */
		said |= err == -EOPNOTSUPP;
	}
	if (!backend) {
		if (!said)
			v3_err("no usable hardware virtualisation on this CPU\n");
		return -ENODEV;
	}

	v3_nr_cpus = v3_host_nr_cpu_ids();
	v3_cpu_size = backend->cpu_size;
	v3_cpus = v3_host_zalloc(v3_nr_cpus * v3_cpu_size);
	v3_place_lock = v3_host_spinlock_alloc();
	if (!v3_cpus || !v3_place_lock) {
		v3_host_free(v3_cpus);
		v3_host_spinlock_free(v3_place_lock);
		v3_cpus = NULL;
		v3_place_lock = NULL;
		return -ENOMEM;
	}
	v3_backend = backend;
	for (i = 0; i < v3_nr_cpus; i++)
		v3_cpu_at(i)->id = i;
	return 0;
}

int v3_init(void)
{
	return v3_init_backends(v3_backends, ARRAY_SIZE(v3_backends));
}

void v3_exit(void)
{
	v3_host_free(v3_cpus);
	v3_host_spinlock_free(v3_place_lock);
	v3_place_lock = NULL;
	v3_cpus = NULL;
	v3_nr_cpus = 0;
	v3_backend = NULL;
}

int v3_cpu_up(unsigned int cpu)
{
	struct v3_cpu *c;
	int err;

	if (!v3_backend || cpu >= v3_nr_cpus)
		return -EINVAL;
	c = v3_cpu_at(cpu);
	if (c->enabled)
		return 0;
	err = v3_backend->cpu_enable(c);
	if (err)
		return err;
	c->enabled = true;
	v3_debug("%s enabled on CPU%u\n", v3_backend->name, cpu);
	return 0;
}

void v3_cpu_down(unsigned int cpu)
{
	struct v3_cpu *c;

	if (!v3_backend || cpu >= v3_nr_cpus)
		return;
	c = v3_cpu_at(cpu);
	if (!c->enabled)
		return;
	v3_backend->cpu_disable(c);
	c->enabled = false;
	v3_debug("%s disabled on CPU%u\n", v3_backend->name, cpu);
}

void v3_emergency_disable(void)
{
	const struct v3_backend *backend = READ_ONCE(v3_backend);

	if (backend)
		backend->emergency_disable();
}

const struct v3_backend *v3_get_backend(void)
{
	return v3_backend;
}

struct v3_cpu *v3_get_cpu(int cpu)
{
	if (cpu < 0 || (unsigned int)cpu >= v3_nr_cpus)
		return NULL;
	return v3_cpu_at(cpu);
}

const char *v3_backend_name(void)
{
	return v3_backend ? v3_backend->name : NULL;
}

void v3_describe(char *buf, size_t len)
{
	if (v3_backend)
		v3_backend->describe(buf, len);
	else if (len)
		buf[0] = '\0';
}

bool v3_cpu_enabled(unsigned int cpu)
{
	return v3_backend && cpu < v3_nr_cpus && v3_cpu_at(cpu)->enabled;
}

unsigned int v3_cpu_nr_vcpus(unsigned int cpu)
{
	return v3_backend && cpu < v3_nr_cpus ?
	       READ_ONCE(v3_cpu_at(cpu)->nr_vcpus) : 0;
}

unsigned int v3_nr_cpus_enabled(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < v3_nr_cpus; i++)
		n += v3_cpu_at(i)->enabled;
	return n;
}

/* Whether @a is a better CPU than @b for the next vCPU, given @cpus[0..n) */
static bool v3_place_better(int a, int b, const int *cpus, unsigned int n)
{
	bool a_used = false, b_used = false;
	unsigned int i;

	for (i = 0; i < n; i++) {
		a_used |= cpus[i] == a;
		b_used |= cpus[i] == b;
	}
	if (a_used != b_used)
		return !a_used;
	if (v3_cpu_at(a)->nr_vcpus != v3_cpu_at(b)->nr_vcpus)
		return v3_cpu_at(a)->nr_vcpus < v3_cpu_at(b)->nr_vcpus;
	/* CPU 0 loses ties; otherwise the lower number wins (@b, seen first) */
	return b == 0 && a != 0;
}

int v3_cpus_place(const struct v3_cpuset *allowed, unsigned int n, int *cpus)
{
	unsigned long flags;
	unsigned int i, c;
	int best;

	flags = v3_host_spin_lock_irqsave(v3_place_lock);
	for (i = 0; i < n; i++) {
		best = -1;
		for (c = 0; c < v3_nr_cpus; c++) {
			if (!v3_cpu_at(c)->enabled ||
			    (allowed && !v3_cpuset_has(allowed, c)))
				continue;
			if (best < 0 || v3_place_better(c, best, cpus, i))
				best = c;
		}
		if (best < 0)
			break;
		cpus[i] = best;
		v3_cpu_at(best)->nr_vcpus++;
	}
	if (i < n) {
		while (i--)
			v3_cpu_at(cpus[i])->nr_vcpus--;
		v3_host_spin_unlock_irqrestore(v3_place_lock, flags);
		return -ENODEV;
	}
	v3_host_spin_unlock_irqrestore(v3_place_lock, flags);
	return 0;
}

void v3_cpu_unplace(int cpu)
{
	unsigned long flags;

	if (cpu < 0 || (unsigned int)cpu >= v3_nr_cpus)
		return;
	flags = v3_host_spin_lock_irqsave(v3_place_lock);
	if (v3_cpu_at(cpu)->nr_vcpus)
		v3_cpu_at(cpu)->nr_vcpus--;
	v3_host_spin_unlock_irqrestore(v3_place_lock, flags);
}
