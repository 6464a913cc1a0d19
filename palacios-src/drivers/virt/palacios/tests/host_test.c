// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of Palacios' host interface on Linux and of the enabling of
 * hardware virtualisation on every CPU.
 */
#include <kunit/test.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <linux/vmstat.h>

#include <asm/msr.h>
#include <asm/tsc.h>

#include <palacios/host.h>
#include <palacios/vmm.h>

#include "../linux/glue.h"

static void expect_zeroed(struct kunit *test, u64 hpa, size_t len)
{
	const u8 *va = v3_host_pa_to_va(hpa);
	size_t off;

	for (off = 0; off < len; off += SZ_1M) {
		size_t n = min_t(size_t, len - off, SZ_1M);

		KUNIT_ASSERT_NULL_MSG(test, memchr_inv(va + off, 0, n),
				      "non-zero byte near pa %#llx", hpa + off);
		cond_resched();
	}
}

static void pal_test_alloc_one_page(struct kunit *test)
{
	u64 before = pal_pages_in_use();
	u64 hpa;
	u8 *va;

	KUNIT_ASSERT_EQ(test, v3_host_alloc_pages(0, &hpa), 0);
	KUNIT_EXPECT_EQ(test, hpa & (PAGE_SIZE - 1), 0);
	KUNIT_EXPECT_EQ(test, pal_pages_in_use(), before + 1);
	expect_zeroed(test, hpa, PAGE_SIZE);

	va = v3_host_pa_to_va(hpa);
	memset(va, 0xa5, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, v3_host_va_to_pa(va), hpa);
	KUNIT_EXPECT_EQ(test, v3_host_va_to_pa(va + 123), hpa + 123);

	v3_host_free_pages(hpa, 0);
	KUNIT_EXPECT_EQ(test, pal_pages_in_use(), before);
}

static void pal_test_alloc_order_10(struct kunit *test)
{
	const size_t len = PAGE_SIZE << 10;
	u64 before = pal_pages_in_use();
	u64 hpa;

	KUNIT_ASSERT_GE(test, v3_host_max_order(), 10);
	KUNIT_ASSERT_EQ(test, v3_host_alloc_pages(10, &hpa), 0);
	KUNIT_EXPECT_EQ(test, hpa & (len - 1), 0);
	KUNIT_EXPECT_EQ(test, pal_pages_in_use(), before + 1024);
	expect_zeroed(test, hpa, len);
	v3_host_free_pages(hpa, 10);
	KUNIT_EXPECT_EQ(test, pal_pages_in_use(), before);

	KUNIT_EXPECT_EQ(test, v3_host_alloc_pages(v3_host_max_order() + 1, &hpa),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, pal_pages_in_use(), before);
}

static int cmp_chunk(const void *a, const void *b)
{
	const struct v3_chunk *x = a, *y = b;

	return x->hpa < y->hpa ? -1 : x->hpa > y->hpa;
}

/* Check the shape of @list: sizes, alignment, order and no overlap. */
static void expect_chunk_list(struct kunit *test, struct v3_chunk_list *list,
			      u64 nr_pages, unsigned int max_order)
{
	struct v3_chunk *sorted;
	unsigned long i;
	u64 total = 0;

	KUNIT_EXPECT_EQ(test, list->nr_pages, nr_pages);
	for (i = 0; i < list->nr_chunks; i++) {
		struct v3_chunk *c = &list->chunks[i];

		KUNIT_EXPECT_LE(test, c->order, max_order);
		KUNIT_EXPECT_EQ(test, c->hpa & ((PAGE_SIZE << c->order) - 1), 0);
		if (i)
			KUNIT_EXPECT_LE(test, c->order, list->chunks[i - 1].order);
		total += 1ULL << c->order;
	}
	KUNIT_EXPECT_EQ(test, total, nr_pages);

	sorted = kvmalloc_array(list->nr_chunks, sizeof(*sorted), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sorted);
	memcpy(sorted, list->chunks, list->nr_chunks * sizeof(*sorted));
	sort(sorted, list->nr_chunks, sizeof(*sorted), cmp_chunk, NULL);
	for (i = 1; i < list->nr_chunks; i++)
		KUNIT_EXPECT_LE(test, sorted[i - 1].hpa +
				(PAGE_SIZE << sorted[i - 1].order), sorted[i].hpa);
	kvfree(sorted);
}

static void pal_test_chunks_256m(struct kunit *test)
{
	const u64 nr_pages = SZ_256M / PAGE_SIZE;
	unsigned long free_before, free_after;
	u64 before = pal_pages_in_use();
	struct v3_chunk_list list;
	unsigned long i;

	KUNIT_ASSERT_EQ(test, v3_host_alloc_chunks(nr_pages, 9, &list), 0);
	KUNIT_EXPECT_EQ(test, pal_pages_in_use(), before + nr_pages);
	/* 256 MiB in chunks of at most 2 MiB: at least 128 of them */
	KUNIT_EXPECT_GE(test, list.nr_chunks, 128);
	expect_chunk_list(test, &list, nr_pages, 9);
	for (i = 0; i < list.nr_chunks; i++)
		expect_zeroed(test, list.chunks[i].hpa,
			      PAGE_SIZE << list.chunks[i].order);

	/*
	 * Built in, KUnit runs while the initramfs is still being unpacked
	 * (kernel_init_freeable() waits for it only afterwards), so the free
	 * count moves on its own: read it right around the free.
	 */
	free_before = global_zone_page_state(NR_FREE_PAGES);
	v3_host_free_chunks(&list);
	free_after = global_zone_page_state(NR_FREE_PAGES);
	KUNIT_EXPECT_EQ(test, list.nr_chunks, 0);
	KUNIT_EXPECT_NULL(test, list.chunks);
	KUNIT_EXPECT_EQ(test, pal_pages_in_use(), before);

	/* The allocator got the memory back, give or take its per-CPU caches. */
	kunit_info(test, "free pages before the free %lu, after %lu\n",
		   free_before, free_after);
	KUNIT_EXPECT_GE(test, free_after + SZ_16M / PAGE_SIZE,
			free_before + nr_pages);
}

static void pal_test_chunks_fallback(struct kunit *test)
{
	u64 before = pal_pages_in_use();
	struct v3_chunk_list list;

	/* Order-0 chunks only: one chunk per page */
	KUNIT_ASSERT_EQ(test, v3_host_alloc_chunks(256, 0, &list), 0);
	KUNIT_EXPECT_EQ(test, list.nr_chunks, 256);
	expect_chunk_list(test, &list, 256, 0);
	v3_host_free_chunks(&list);

	/* A count that is no power of two: 512 + 256 + 128 + 64 + 32 + 8 */
	KUNIT_ASSERT_EQ(test, v3_host_alloc_chunks(1000, 9, &list), 0);
	expect_chunk_list(test, &list, 1000, 9);
	KUNIT_EXPECT_GE(test, list.nr_chunks, 6);
	v3_host_free_chunks(&list);

	KUNIT_EXPECT_EQ(test, pal_pages_in_use(), before);
}

static void pal_test_chunks_too_big(struct kunit *test)
{
	u64 before = pal_pages_in_use();
	struct v3_chunk_list list;

	KUNIT_EXPECT_EQ(test, v3_host_alloc_chunks(totalram_pages() + 1, 9,
						   &list), -ENOMEM);
	KUNIT_EXPECT_EQ(test, list.nr_chunks, 0);
	KUNIT_EXPECT_NULL(test, list.chunks);
	KUNIT_EXPECT_EQ(test, v3_host_alloc_chunks(0, 9, &list), -EINVAL);
	KUNIT_EXPECT_EQ(test, pal_pages_in_use(), before);
}

static void pal_test_heap(struct kunit *test)
{
	u8 *small = v3_host_zalloc(100);
	u8 *big = v3_host_zalloc(SZ_4M);
	u8 *alias;
	u64 pa;

	KUNIT_ASSERT_NOT_NULL(test, small);
	KUNIT_ASSERT_NOT_NULL(test, big);
	KUNIT_EXPECT_NULL(test, memchr_inv(small, 0, 100));
	KUNIT_EXPECT_NULL(test, memchr_inv(big, 0, SZ_4M));

	/* Direct-mapped memory translates both ways. */
	pa = v3_host_va_to_pa(small + 10);
	KUNIT_EXPECT_EQ(test, pa, (u64)virt_to_phys(small + 10));
	KUNIT_EXPECT_PTR_EQ(test, (u8 *)v3_host_pa_to_va(pa), small + 10);

	/* Memory that may be vmalloc'ed translates to the right frame. */
	big[SZ_2M + 5] = 0x5a;
	pa = v3_host_va_to_pa(big + SZ_2M + 5);
	KUNIT_ASSERT_NE(test, pa, V3_BAD_PA);
	alias = v3_host_pa_to_va(pa);
	KUNIT_EXPECT_EQ(test, *alias, 0x5a);

	/* An address that is no kernel memory does not translate. */
	KUNIT_EXPECT_EQ(test, v3_host_va_to_pa((void *)0x1000), V3_BAD_PA);

	v3_host_free(small);
	v3_host_free(big);
	v3_host_free(NULL);
}

struct lock_ctx {
	struct v3_mutex *mutex;
	struct v3_spinlock *spin;
	int iterations;
	int inside;
	int overlaps;
	int count;
};

static int mutex_worker(void *arg)
{
	struct lock_ctx *ctx = arg;
	int i;

	for (i = 0; i < ctx->iterations; i++) {
		v3_host_mutex_lock(ctx->mutex);
		if (ctx->inside++)
			ctx->overlaps++;
		ctx->count++;
		/* Sleep while holding it: the other thread must wait. */
		if (!(i % 16))
			usleep_range(10, 20);
		v3_host_yield();
		ctx->inside--;
		v3_host_mutex_unlock(ctx->mutex);
	}
	return 0;
}

static int spin_worker(void *arg)
{
	struct lock_ctx *ctx = arg;
	unsigned long flags;
	int i;

	for (i = 0; i < ctx->iterations; i++) {
		flags = v3_host_spin_lock_irqsave(ctx->spin);
		if (ctx->inside++)
			ctx->overlaps++;
		ctx->count++;
		udelay(1);
		ctx->inside--;
		v3_host_spin_unlock_irqrestore(ctx->spin, flags);
		if (!(i % 64))
			v3_host_yield();
	}
	return 0;
}

static void run_two(struct kunit *test, int (*fn)(void *), struct lock_ctx *ctx)
{
	struct v3_thread *a, *b;
	int cpu_b = cpumask_next(0, cpu_online_mask);

	if (cpu_b >= nr_cpu_ids)
		cpu_b = 0;
	KUNIT_ASSERT_EQ(test, v3_host_thread_start(fn, ctx, 0, "pal-test-a", &a), 0);
	KUNIT_ASSERT_EQ(test, v3_host_thread_start(fn, ctx, cpu_b, "pal-test-b",
						   &b), 0);
	KUNIT_EXPECT_EQ(test, v3_host_thread_stop(a), 0);
	KUNIT_EXPECT_EQ(test, v3_host_thread_stop(b), 0);
}

static void pal_test_mutex(struct kunit *test)
{
	struct lock_ctx ctx = { .iterations = 500 };

	ctx.mutex = v3_host_mutex_alloc();
	KUNIT_ASSERT_NOT_NULL(test, ctx.mutex);
	run_two(test, mutex_worker, &ctx);
	KUNIT_EXPECT_EQ(test, ctx.count, 1000);
	KUNIT_EXPECT_EQ(test, ctx.overlaps, 0);
	v3_host_mutex_free(ctx.mutex);
	v3_host_mutex_free(NULL);
}

static void pal_test_spinlock(struct kunit *test)
{
	struct lock_ctx ctx = { .iterations = 5000 };

	ctx.spin = v3_host_spinlock_alloc();
	KUNIT_ASSERT_NOT_NULL(test, ctx.spin);
	run_two(test, spin_worker, &ctx);
	KUNIT_EXPECT_EQ(test, ctx.count, 10000);
	KUNIT_EXPECT_EQ(test, ctx.overlaps, 0);
	v3_host_spinlock_free(ctx.spin);
}

struct cpu_ctx {
	int want;
	int wrong;
	int samples;
};

static int bound_worker(void *arg)
{
	struct cpu_ctx *ctx = arg;
	int i;

	for (i = 0; i < 100; i++) {
		if (v3_host_cpu_id() != ctx->want)
			ctx->wrong++;
		ctx->samples++;
		if (!(i % 10))
			usleep_range(50, 100);
		v3_host_yield();
	}
	return 1000 + ctx->want;
}

static void pal_test_thread_on_cpu(struct kunit *test)
{
	struct v3_thread *t;
	int cpu;

	for_each_online_cpu(cpu) {
		struct cpu_ctx ctx = { .want = cpu };

		KUNIT_ASSERT_EQ(test, v3_host_thread_start(bound_worker, &ctx,
							   cpu, "pal-test-cpu",
							   &t), 0);
		KUNIT_EXPECT_EQ(test, v3_host_thread_stop(t), 1000 + cpu);
		KUNIT_EXPECT_EQ(test, ctx.samples, 100);
		KUNIT_EXPECT_EQ_MSG(test, ctx.wrong, 0, "thread left CPU%d", cpu);
	}
	KUNIT_EXPECT_EQ(test, v3_host_thread_start(bound_worker, NULL,
						   nr_cpu_ids, "pal-test-bad",
						   &t), -EINVAL);
	KUNIT_EXPECT_EQ(test, v3_host_thread_start(bound_worker, NULL, -2,
						   "pal-test-bad", &t), -EINVAL);
}

static int loop_worker(void *arg)
{
	int *loops = arg;

	while (!v3_host_thread_should_stop()) {
		(*loops)++;
		usleep_range(100, 200);
	}
	return 7;
}

static int quick_worker(void *arg)
{
	return 3;
}

static void pal_test_thread_stop(struct kunit *test)
{
	struct v3_thread *t;
	int loops = 0;

	/* A thread that runs until asked to stop */
	KUNIT_ASSERT_EQ(test, v3_host_thread_start(loop_worker, &loops,
						   V3_ANY_CPU, "pal-test-loop",
						   &t), 0);
	msleep(20);
	KUNIT_EXPECT_EQ(test, v3_host_thread_stop(t), 7);
	KUNIT_EXPECT_GT(test, loops, 0);

	/* A thread whose function returned long before the stop */
	KUNIT_ASSERT_EQ(test, v3_host_thread_start(quick_worker, NULL,
						   V3_ANY_CPU, "pal-test-quick",
						   &t), 0);
	msleep(20);
	KUNIT_EXPECT_EQ(test, v3_host_thread_stop(t), 3);
}

struct call_ctx {
	int cpu;
	bool irqs_off;
	int calls;
};

static void record_cpu(void *arg)
{
	struct call_ctx *ctx = arg;

	ctx->cpu = v3_host_cpu_id();
	ctx->irqs_off = irqs_disabled();
	ctx->calls++;
}

static void pal_test_call_on_cpu(struct kunit *test)
{
	int cpu;

	for_each_online_cpu(cpu) {
		struct call_ctx ctx = { .cpu = -1 };

		KUNIT_EXPECT_EQ(test, v3_host_call_on_cpu(cpu, record_cpu, &ctx),
				0);
		KUNIT_EXPECT_EQ(test, ctx.calls, 1);
		KUNIT_EXPECT_EQ(test, ctx.cpu, cpu);
		KUNIT_EXPECT_TRUE(test, ctx.irqs_off);
	}
	KUNIT_EXPECT_EQ(test, v3_host_call_on_cpu(nr_cpu_ids, record_cpu, NULL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, v3_host_call_on_cpu(-1, record_cpu, NULL), -EINVAL);
	KUNIT_EXPECT_GE(test, v3_host_nr_cpu_ids(), num_online_cpus());
}

static void pal_test_interrupt_cpu(struct kunit *test)
{
	int cpu;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two online CPUs");

	for_each_online_cpu(cpu) {
		unsigned long before = pal_ipis_received(cpu);
		unsigned long deadline = jiffies + HZ;

		KUNIT_ASSERT_EQ(test, v3_host_interrupt_cpu(cpu), 0);
		while (pal_ipis_received(cpu) == before &&
		       time_before(jiffies, deadline))
			usleep_range(100, 200);
		KUNIT_EXPECT_GT_MSG(test, pal_ipis_received(cpu), before,
				    "CPU%d never took the interrupt", cpu);
	}
	KUNIT_EXPECT_EQ(test, v3_host_interrupt_cpu(nr_cpu_ids), -EINVAL);
}

static void pal_test_cpu_khz(struct kunit *test)
{
	unsigned long khz = v3_host_cpu_khz();
	unsigned long kernel_khz = tsc_khz ? tsc_khz : cpu_khz;
	u64 t0, c0, ns, cycles;

	KUNIT_ASSERT_GT(test, kernel_khz, 0);
	KUNIT_EXPECT_GT(test, khz, 0);
	/* Within 1% of what the kernel calibrated */
	KUNIT_EXPECT_LE(test, abs_diff(khz, kernel_khz) * 100, kernel_khz);

	/* For the log: the TSC rate seen against the clocksource */
	t0 = ktime_get_ns();
	c0 = rdtsc();
	msleep(100);
	cycles = rdtsc() - c0;
	ns = ktime_get_ns() - t0;
	kunit_info(test, "hook %lu kHz, kernel %lu kHz, measured %llu kHz\n",
		   khz, kernel_khz, div64_u64(cycles * 1000000ULL, ns));
}

struct irq_ctx {
	unsigned int irq;
	int calls;
	bool masked_in_handler;
};

static void test_irq_handler(unsigned int irq, void *data)
{
	struct irq_ctx *ctx = data;

	ctx->irq = irq;
	ctx->calls++;
	ctx->masked_in_handler = irqd_irq_disabled(irq_get_irq_data(irq));
}

static void pal_test_hook_irq(struct kunit *test)
{
	struct v3_host_irq *hirq, *other;
	struct irq_ctx ctx = { };
	int irq;

	KUNIT_EXPECT_EQ(test, v3_host_hook_irq(1U << 30, test_irq_handler, &ctx,
					       "pal-test", &hirq), -EINVAL);

	/* A software interrupt line of our own, fired by hand */
	irq = irq_alloc_desc(NUMA_NO_NODE);
	KUNIT_ASSERT_GE(test, irq, 0);
	irq_set_chip_and_handler(irq, &dummy_irq_chip, handle_simple_irq);
	irq_clear_status_flags(irq, IRQ_NOREQUEST | IRQ_NOPROBE);

	KUNIT_ASSERT_EQ(test, v3_host_hook_irq(irq, test_irq_handler, &ctx,
					       "pal-test", &hirq), 0);
	KUNIT_EXPECT_EQ(test, v3_host_hook_irq(irq, test_irq_handler, &ctx,
					       "pal-test", &other), -EBUSY);
	KUNIT_EXPECT_FALSE(test, v3_host_irq_is_level(hirq));

	KUNIT_EXPECT_EQ(test, generic_handle_irq_safe(irq), 0);
	KUNIT_EXPECT_EQ(test, ctx.calls, 1);
	KUNIT_EXPECT_EQ(test, ctx.irq, irq);
	KUNIT_EXPECT_TRUE(test, ctx.masked_in_handler);
	/* Masked until the core acknowledges it */
	KUNIT_EXPECT_TRUE(test, irqd_irq_disabled(irq_get_irq_data(irq)));
	v3_host_ack_irq(hirq);
	KUNIT_EXPECT_FALSE(test, irqd_irq_disabled(irq_get_irq_data(irq)));
	/* A second acknowledgment changes nothing (and must not warn). */
	v3_host_ack_irq(hirq);
	KUNIT_EXPECT_FALSE(test, irqd_irq_disabled(irq_get_irq_data(irq)));

	KUNIT_EXPECT_EQ(test, generic_handle_irq_safe(irq), 0);
	KUNIT_EXPECT_EQ(test, ctx.calls, 2);
	v3_host_ack_irq(hirq);
	v3_host_unhook_irq(hirq);

	/* Given back: it can be taken again. */
	KUNIT_EXPECT_EQ(test, v3_host_hook_irq(irq, test_irq_handler, &ctx,
					       "pal-test", &hirq), 0);
	v3_host_unhook_irq(hirq);
	irq_free_desc(irq);
}

static void pal_test_ports(struct kunit *test)
{
	struct v3_host_ports *p, *q;
	char name[16] = "pal-test";
	int err;

	KUNIT_EXPECT_EQ(test, v3_host_claim_ports(0xfff0, 0x20, name, &p),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, v3_host_claim_ports(0x2a0, 0, name, &p), -EINVAL);
	/* The PIC's ports are the host's own. */
	KUNIT_EXPECT_EQ(test, v3_host_claim_ports(0x20, 2, name, &p), -EBUSY);

	/* Ports no PC device uses */
	err = v3_host_claim_ports(0x2a0, 8, name, &p);
	if (err == -EBUSY)
		kunit_skip(test, "ports 0x2a0-0x2a7 are in use on this host");
	KUNIT_ASSERT_EQ(test, err, 0);
	memset(name, 0, sizeof(name));	/* the host keeps its own copy */
	KUNIT_EXPECT_EQ(test, v3_host_claim_ports(0x2a4, 2, "pal-test2", &q),
			-EBUSY);
	v3_host_release_ports(p);
	/* Given back: it can be taken again. */
	KUNIT_ASSERT_EQ(test, v3_host_claim_ports(0x2a4, 2, "pal-test2", &q), 0);
	v3_host_release_ports(q);
}

static struct kunit_case pal_host_cases[] = {
	KUNIT_CASE(pal_test_alloc_one_page),
	KUNIT_CASE(pal_test_alloc_order_10),
	KUNIT_CASE_SLOW(pal_test_chunks_256m),
	KUNIT_CASE(pal_test_chunks_fallback),
	KUNIT_CASE(pal_test_chunks_too_big),
	KUNIT_CASE(pal_test_heap),
	KUNIT_CASE(pal_test_mutex),
	KUNIT_CASE(pal_test_spinlock),
	KUNIT_CASE(pal_test_thread_on_cpu),
	KUNIT_CASE(pal_test_thread_stop),
	KUNIT_CASE(pal_test_call_on_cpu),
	KUNIT_CASE(pal_test_interrupt_cpu),
	KUNIT_CASE(pal_test_cpu_khz),
	KUNIT_CASE(pal_test_hook_irq),
	KUNIT_CASE(pal_test_ports),
	{}
};

static struct kunit_suite pal_host_suite = {
	.name = "palacios_host",
	.test_cases = pal_host_cases,
};

struct svm_state {
	u64 efer;
	u64 hsave;
};

static void read_svm_state(void *arg)
{
	struct svm_state *s = arg;

	rdmsrl(MSR_EFER, s->efer);
	rdmsrl(MSR_VM_HSAVE_PA, s->hsave);
}

static void expect_svm_on(struct kunit *test, int cpu, bool on)
{
	struct svm_state s;

	KUNIT_ASSERT_EQ(test, v3_host_call_on_cpu(cpu, read_svm_state, &s), 0);
	KUNIT_EXPECT_EQ_MSG(test, !!(s.efer & EFER_SVME), on, "CPU%d", cpu);
	KUNIT_EXPECT_EQ_MSG(test, v3_cpu_enabled(cpu), on, "CPU%d", cpu);
	if (on) {
		KUNIT_EXPECT_NE(test, s.hsave, 0);
		KUNIT_EXPECT_EQ(test, s.hsave & (PAGE_SIZE - 1), 0);
	}
}

static int pal_svm_init(struct kunit *test)
{
	if (!pal_vmm_active() || strcmp(v3_backend_name(), "svm"))
		kunit_skip(test, "the SVM backend is not running");
	return 0;
}

static void pal_test_svm_every_cpu(struct kunit *test)
{
	int cpu;

	KUNIT_EXPECT_EQ(test, v3_nr_cpus_enabled(), num_online_cpus());
	for_each_online_cpu(cpu)
		expect_svm_on(test, cpu, true);
}

static void pal_test_svm_hotplug(struct kunit *test)
{
	int cpu = cpumask_next(0, cpu_online_mask);

	if (cpu >= nr_cpu_ids)
		kunit_skip(test, "needs a second online CPU");
	/*
	 * The module's guests may run there: taking the CPU away would move
	 * their vCPUs to CPU 0, which the tests keep free of vCPUs while
	 * others run (QEMU 7.2's emulated SVM corrupts the state of its CPU 0
	 * then).
	 */
	if (v3_cpu_nr_vcpus(cpu))
		kunit_skip(test, "vCPUs run on CPU%d", cpu);
	if (remove_cpu(cpu))
		kunit_skip(test, "CPU%d cannot be taken offline", cpu);

	KUNIT_EXPECT_FALSE(test, v3_cpu_enabled(cpu));
	KUNIT_EXPECT_EQ(test, v3_nr_cpus_enabled(), num_online_cpus());

	KUNIT_ASSERT_EQ(test, add_cpu(cpu), 0);
	expect_svm_on(test, cpu, true);
	KUNIT_EXPECT_EQ(test, v3_nr_cpus_enabled(), num_online_cpus());
}

static void emergency_disable(void *arg)
{
	struct svm_state *s = arg;

	v3_emergency_disable();
	read_svm_state(s);
}

/*
 * The emergency callback turns SVM off on its CPU without a lock or a
 * free; taking the CPU offline and back then restores it.
 */
static void pal_test_svm_emergency(struct kunit *test)
{
	int cpu = cpumask_next(0, cpu_online_mask);
	struct svm_state s;

	if (cpu >= nr_cpu_ids)
		kunit_skip(test, "needs a second online CPU");
	/* the module's guests may run there already: SVM stays on under them */
	if (v3_cpu_nr_vcpus(cpu))
		kunit_skip(test, "vCPUs run on CPU%d", cpu);
	KUNIT_ASSERT_EQ(test, v3_host_call_on_cpu(cpu, emergency_disable, &s),
			0);
	KUNIT_EXPECT_FALSE_MSG(test, s.efer & EFER_SVME, "CPU%d", cpu);
	KUNIT_EXPECT_EQ(test, s.hsave, 0);
	if (remove_cpu(cpu)) {
		KUNIT_FAIL(test, "CPU%d cannot be taken offline to restore SVM",
			   cpu);
		return;
	}
	KUNIT_ASSERT_EQ(test, add_cpu(cpu), 0);
	expect_svm_on(test, cpu, true);
}

static struct kunit_case pal_svm_cases[] = {
	KUNIT_CASE(pal_test_svm_every_cpu),
	KUNIT_CASE(pal_test_svm_hotplug),
	KUNIT_CASE(pal_test_svm_emergency),
	{}
};

static struct kunit_suite pal_svm_suite = {
	.name = "palacios_svm",
	.init = pal_svm_init,
	.test_cases = pal_svm_cases,
};

kunit_test_suites(&pal_host_suite, &pal_svm_suite);
