// SPDX-License-Identifier: GPL-2.0-only
/*
 * The user-space test host of the Palacios core: the host interface of
 * drivers/virt/palacios/include/palacios/host.h on top of libc.
 *
 * Host physical addresses are the addresses of the memory itself.  "CPUs"
 * are a number per thread: v3_host_call_on_cpu() runs its function with
 * that number set, which is how the tests drive per-CPU code.  The host
 * counts what is allocated so that the tests can check nothing leaks.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <palacios/host.h>

#include "test_host.h"

struct test_host test_host;

static __thread int this_cpu;
static __thread struct v3_thread *this_thread;

void v3_host_log(enum v3_log_level level, const char *fmt, ...)
{
	static const char * const names[] = { "err", "warn", "info", "debug" };
	size_t len = strlen(test_host.log);
	va_list args;

	va_start(args, fmt);
	if (len < sizeof(test_host.log))
		vsnprintf(test_host.log + len, sizeof(test_host.log) - len, fmt,
			  args);
	va_end(args);
	if (level == V3_LOG_ERR)
		test_host.errors++;
	if (test_host.verbose)
		fprintf(stderr, "[%s] %s", names[level],
			test_host.log + len);
}

unsigned int v3_host_max_order(void)
{
	return 10;
}

int v3_host_alloc_pages(unsigned int order, u64 *hpa)
{
	size_t len = V3_PAGE_SIZE << order;
	void *p;

	if (order > v3_host_max_order())
		return -EINVAL;
	if (test_host.fail_pages)
		return -ENOMEM;
	p = aligned_alloc(len, len);
	if (!p)
		return -ENOMEM;
	memset(p, 0, len);
	test_host.pages += 1UL << order;
	*hpa = (u64)(uintptr_t)p;
	return 0;
}

void v3_host_free_pages(u64 hpa, unsigned int order)
{
	free((void *)(uintptr_t)hpa);
	test_host.pages -= 1UL << order;
}

int v3_host_alloc_chunks(u64 nr_pages, unsigned int max_order,
			 struct v3_chunk_list *list)
{
	unsigned int order = max_order < 10 ? max_order : 10;
	u64 left = nr_pages;
	int err;

	memset(list, 0, sizeof(*list));
	if (!nr_pages)
		return -EINVAL;
	list->chunks = calloc(nr_pages, sizeof(*list->chunks));
	if (!list->chunks)
		return -ENOMEM;
	while (left) {
		while ((1ULL << order) > left)
			order--;
		err = v3_host_alloc_pages(order, &list->chunks[list->nr_chunks].hpa);
		if (err) {
			v3_host_free_chunks(list);
			return err;
		}
		list->chunks[list->nr_chunks++].order = order;
		list->nr_pages += 1ULL << order;
		left -= 1ULL << order;
	}
	return 0;
}

void v3_host_free_chunks(struct v3_chunk_list *list)
{
	unsigned long i;

	for (i = 0; i < list->nr_chunks; i++)
		v3_host_free_pages(list->chunks[i].hpa, list->chunks[i].order);
	free(list->chunks);
	memset(list, 0, sizeof(*list));
}

void *v3_host_zalloc(size_t size)
{
	void *p;

	if (test_host.fail_zalloc)
		return NULL;
	p = calloc(1, size);
	if (p)
		test_host.objects++;
	return p;
}

void v3_host_free(void *ptr)
{
	if (ptr)
		test_host.objects--;
	free(ptr);
}

u64 v3_host_va_to_pa(const void *va)
{
	return (u64)(uintptr_t)va;
}

void *v3_host_pa_to_va(u64 pa)
{
	return (void *)(uintptr_t)pa;
}

struct v3_host_irq {
	unsigned int irq;
	v3_irq_handler_t handler;
	void *data;
};

static struct v3_host_irq *test_irqs[TEST_NR_IRQS];

int v3_host_hook_irq(unsigned int irq, v3_irq_handler_t handler, void *data,
		     const char *name, struct v3_host_irq **out)
{
	struct v3_host_irq *hirq;

	if (irq >= TEST_NR_IRQS)
		return -EINVAL;
	if (test_irqs[irq])
		return -EBUSY;
	hirq = calloc(1, sizeof(*hirq));
	if (!hirq)
		return -ENOMEM;
	hirq->irq = irq;
	hirq->handler = handler;
	hirq->data = data;
	test_irqs[irq] = hirq;
	*out = hirq;
	return 0;
}

void v3_host_ack_irq(struct v3_host_irq *hirq)
{
}

void v3_host_unhook_irq(struct v3_host_irq *hirq)
{
	test_irqs[hirq->irq] = NULL;
	free(hirq);
}

unsigned long v3_host_cpu_khz(void)
{
	return test_host.cpu_khz;
}

int v3_host_cpu_id(void)
{
	return this_cpu;
}

unsigned int v3_host_nr_cpu_ids(void)
{
	return test_host.nr_cpus;
}

static int test_cpu_valid(int cpu)
{
	return cpu >= 0 && (unsigned int)cpu < test_host.nr_cpus;
}

int v3_host_interrupt_cpu(int cpu)
{
	if (!test_cpu_valid(cpu))
		return -EINVAL;
	test_host.kicks[cpu]++;
	return 0;
}

int v3_host_call_on_cpu(int cpu, void (*fn)(void *arg), void *arg)
{
	int saved = this_cpu;

	if (!test_cpu_valid(cpu))
		return -EINVAL;
	this_cpu = cpu;
	fn(arg);
	this_cpu = saved;
	return 0;
}

struct v3_thread {
	pthread_t tid;
	int (*fn)(void *arg);
	void *arg;
	int cpu;
	int stop;
	int ret;
};

static void *test_thread_main(void *data)
{
	struct v3_thread *t = data;

	this_thread = t;
	this_cpu = t->cpu;
	t->ret = t->fn(t->arg);
	return NULL;
}

int v3_host_thread_start(int (*fn)(void *arg), void *arg, int cpu,
			 const char *name, struct v3_thread **out)
{
	struct v3_thread *t;

	if (cpu != V3_ANY_CPU && !test_cpu_valid(cpu))
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->fn = fn;
	t->arg = arg;
	t->cpu = cpu == V3_ANY_CPU ? 0 : cpu;
	if (pthread_create(&t->tid, NULL, test_thread_main, t)) {
		free(t);
		return -ENOMEM;
	}
	*out = t;
	return 0;
}

bool v3_host_thread_should_stop(void)
{
	return this_thread && __atomic_load_n(&this_thread->stop,
					      __ATOMIC_ACQUIRE);
}

int v3_host_thread_stop(struct v3_thread *thread)
{
	int ret;

	__atomic_store_n(&thread->stop, 1, __ATOMIC_RELEASE);
	pthread_join(thread->tid, NULL);
	ret = thread->ret;
	free(thread);
	return ret;
}

void v3_host_yield(void)
{
	sched_yield();
}

struct v3_mutex {
	pthread_mutex_t lock;
};

struct v3_spinlock {
	pthread_mutex_t lock;
};

struct v3_mutex *v3_host_mutex_alloc(void)
{
	struct v3_mutex *m = calloc(1, sizeof(*m));

	if (m)
		pthread_mutex_init(&m->lock, NULL);
	return m;
}

void v3_host_mutex_free(struct v3_mutex *mutex)
{
	if (mutex)
		pthread_mutex_destroy(&mutex->lock);
	free(mutex);
}

void v3_host_mutex_lock(struct v3_mutex *mutex)
{
	pthread_mutex_lock(&mutex->lock);
}

void v3_host_mutex_unlock(struct v3_mutex *mutex)
{
	pthread_mutex_unlock(&mutex->lock);
}

struct v3_spinlock *v3_host_spinlock_alloc(void)
{
	struct v3_spinlock *l = calloc(1, sizeof(*l));

	if (l)
		pthread_mutex_init(&l->lock, NULL);
	return l;
}

void v3_host_spinlock_free(struct v3_spinlock *lock)
{
	if (lock)
		pthread_mutex_destroy(&lock->lock);
	free(lock);
}

unsigned long v3_host_spin_lock_irqsave(struct v3_spinlock *lock)
{
	pthread_mutex_lock(&lock->lock);
	return 0;
}

void v3_host_spin_unlock_irqrestore(struct v3_spinlock *lock,
				    unsigned long flags)
{
	pthread_mutex_unlock(&lock->lock);
}
