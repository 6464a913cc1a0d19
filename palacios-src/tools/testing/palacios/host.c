// SPDX-License-Identifier: GPL-2.0-only
/*
 * The user-space test host of the Palacios core: the host interface of
 * drivers/virt/palacios/include/palacios/host.h on top of libc.
 *
 * Host physical addresses are the addresses of the memory itself.  "CPUs"
 * are a number per thread: v3_host_call_on_cpu() runs its function with
 * that number set, which is how the tests drive per-CPU code, and a thread
 * started on a CPU has that CPU's number.  The host counts what is
 * allocated so that the tests can check nothing leaks.
 *
 * Pages come from mmap(), so they are zeroed lazily: a test may give a
 * guest gigabytes of RAM that it never touches.
 */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <palacios/host.h>

#include "test_host.h"

struct test_host test_host;

static __thread int this_cpu;
static __thread struct v3_thread *this_thread;
static __thread bool this_fpu_held;
static pthread_mutex_t test_log_lock = PTHREAD_MUTEX_INITIALIZER;

void v3_host_log(enum v3_log_level level, const char *fmt, ...)
{
	static const char * const names[] = {
		"err", "warn", "info", "debug", "refused",
	};
	size_t len;
	va_list args;

	pthread_mutex_lock(&test_log_lock);
	len = strlen(test_host.log);
	va_start(args, fmt);
	if (len < sizeof(test_host.log))
		vsnprintf(test_host.log + len, sizeof(test_host.log) - len, fmt,
			  args);
	va_end(args);
	if (level == V3_LOG_ERR || level == V3_LOG_REFUSED)
		test_host.errors++;
	if (test_host.verbose)
		fprintf(stderr, "[%s] %s", names[level],
			test_host.log + len);
	pthread_mutex_unlock(&test_log_lock);
}

int test_host_log_lines(const char *str)
{
	const char *line = test_host.log;
	int n = 0;

	pthread_mutex_lock(&test_log_lock);
	while (*line) {
		const char *end = strchr(line, '\n') ?: line + strlen(line);
		const char *hit = strstr(line, str);

		if (hit && hit < end)
			n++;
		line = *end ? end + 1 : end;
	}
	pthread_mutex_unlock(&test_log_lock);
	return n;
}

/* Whether an allocation fails: see test_host.fail_nth. */
static bool test_alloc_fails(void)
{
	if (__atomic_load_n(&test_host.fail_nth, __ATOMIC_RELAXED) <= 0)
		return false;
	return __atomic_sub_fetch(&test_host.fail_nth, 1, __ATOMIC_RELAXED) == 0;
}

unsigned int v3_host_max_order(void)
{
	return 10;
}

int v3_host_alloc_pages(unsigned int order, u64 *hpa)
{
	size_t len = V3_PAGE_SIZE << order;
	u8 *p, *a;

	if (order > v3_host_max_order())
		return -EINVAL;
	if (test_host.fail_pages || test_alloc_fails())
		return -ENOMEM;
	/* Twice the size, to cut out a run aligned to its size. */
	p = mmap(NULL, 2 * len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -ENOMEM;
	a = (u8 *)(((uintptr_t)p + len - 1) & ~(uintptr_t)(len - 1));
	if (a > p)
		munmap(p, a - p);
	munmap(a + len, p + len - a);
	__atomic_add_fetch(&test_host.pages, 1L << order, __ATOMIC_RELAXED);
	*hpa = (u64)(uintptr_t)a;
	return 0;
}

void v3_host_free_pages(u64 hpa, unsigned int order)
{
	munmap((void *)(uintptr_t)hpa, V3_PAGE_SIZE << order);
	__atomic_sub_fetch(&test_host.pages, 1L << order, __ATOMIC_RELAXED);
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

	if (test_host.fail_zalloc || test_alloc_fails())
		return NULL;
	p = calloc(1, size);
	if (p)
		__atomic_add_fetch(&test_host.objects, 1, __ATOMIC_RELAXED);
	return p;
}

void v3_host_free(void *ptr)
{
	if (ptr)
		__atomic_sub_fetch(&test_host.objects, 1, __ATOMIC_RELAXED);
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
struct test_host_io test_hio;

int v3_host_hook_irq(unsigned int irq, v3_irq_handler_t handler, void *data,
		     const char *name, struct v3_host_irq **out)
{
	struct v3_host_irq *hirq;

	if (irq >= TEST_NR_IRQS || test_hio.missing[irq])
		return -EINVAL;
	if (test_irqs[irq])
		return -EBUSY;
	hirq = calloc(1, sizeof(*hirq));
	if (!hirq)
		return -ENOMEM;
	hirq->irq = irq;
	hirq->handler = handler;
	hirq->data = data;
	snprintf(test_hio.owner[irq], sizeof(test_hio.owner[irq]), "%s", name);
	test_irqs[irq] = hirq;
	*out = hirq;
	return 0;
}

void v3_host_ack_irq(struct v3_host_irq *hirq)
{
	test_hio.acks[hirq->irq]++;
	test_hio.masked[hirq->irq] = false;
}

bool v3_host_irq_is_level(const struct v3_host_irq *hirq)
{
	return test_hio.level[hirq->irq];
}

void v3_host_unhook_irq(struct v3_host_irq *hirq)
{
	test_irqs[hirq->irq] = NULL;
	test_hio.masked[hirq->irq] = false;
	test_hio.owner[hirq->irq][0] = '\0';
	free(hirq);
}

bool test_host_irq(unsigned int irq)
{
	struct v3_host_irq *hirq = irq < TEST_NR_IRQS ? test_irqs[irq] : NULL;

	if (!hirq || test_hio.masked[irq])
		return false;
	test_hio.masked[irq] = true;
	hirq->handler(irq, hirq->data);
	return true;
}

/* Host I/O ports: a byte array, and one range the host keeps */

struct v3_host_ports {
	u16 first;
	u32 count;
	struct v3_host_ports *next;
};

static struct v3_host_ports *test_claims;

static bool ranges_overlap(u32 a, u32 na, u32 b, u32 nb)
{
	return na && nb && a < b + nb && b < a + na;
}

int v3_host_claim_ports(u16 first, u32 count, const char *name,
			struct v3_host_ports **out)
{
	struct v3_host_ports *p;

	if (!count || first + count > 0x10000)
		return -EINVAL;
	if (ranges_overlap(first, count, test_hio.busy_first,
			   test_hio.busy_count))
		return -EBUSY;
	for (p = test_claims; p; p = p->next)
		if (ranges_overlap(first, count, p->first, p->count))
			return -EBUSY;
	p = v3_host_zalloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->first = first;
	p->count = count;
	p->next = test_claims;
	test_claims = p;
	test_hio.claimed++;
	*out = p;
	return 0;
}

void v3_host_release_ports(struct v3_host_ports *ports)
{
	struct v3_host_ports **pp;

	for (pp = &test_claims; *pp; pp = &(*pp)->next) {
		if (*pp == ports) {
			*pp = ports->next;
			break;
		}
	}
	test_hio.claimed--;
	v3_host_free(ports);
}

u32 v3_host_port_read(struct v3_host_ports *ports, u16 port, unsigned int len)
{
	u32 val = 0;

	assert(port >= ports->first &&
	       port + len <= ports->first + ports->count);
	memcpy(&val, &test_hio.ports[port], len);
	return val;
}

void v3_host_port_write(struct v3_host_ports *ports, u16 port,
			unsigned int len, u32 val)
{
	assert(port >= ports->first &&
	       port + len <= ports->first + ports->count);
	memcpy(&test_hio.ports[port], &val, len);
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
	__atomic_add_fetch(&test_host.kicks[cpu], 1, __ATOMIC_SEQ_CST);
	return 0;
}

int v3_host_call_on_cpu(int cpu, void (*fn)(void *arg), void *arg)
{
	int saved = this_cpu;

	if (!test_cpu_valid(cpu))
		return -EINVAL;
	/* a CPU that does not answer (it went offline meanwhile) */
	if (test_host.fail_calls)
		return -EINVAL;
	this_cpu = cpu;
	fn(arg);
	this_cpu = saved;
	return 0;
}

/*
 * @waiting_on: the wait queue the thread sleeps on in v3_host_wait(), so
 * that v3_host_thread_stop() can wake it, as kthread_stop() does.
 */
struct v3_thread {
	pthread_t tid;
	int (*fn)(void *arg);
	void *arg;
	int cpu;
	int stop;
	int ret;
	struct v3_waitq *waiting_on;
};

struct v3_waitq {
	pthread_mutex_t lock;
	pthread_cond_t cond;
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
					      __ATOMIC_SEQ_CST);
}

int v3_host_thread_stop(struct v3_thread *thread)
{
	struct v3_waitq *wq;
	int ret;

	/*
	 * The thread publishes @waiting_on before it checks @stop, and we
	 * set @stop before we read @waiting_on: one of us sees the other.
	 */
	__atomic_store_n(&thread->stop, 1, __ATOMIC_SEQ_CST);
	wq = __atomic_load_n(&thread->waiting_on, __ATOMIC_SEQ_CST);
	if (wq)
		v3_host_wake(wq);
	pthread_join(thread->tid, NULL);
	ret = thread->ret;
	free(thread);
	return ret;
}

void v3_host_yield(void)
{
	sched_yield();
}

struct v3_waitq *v3_host_waitq_alloc(void)
{
	struct v3_waitq *wq;

	if (test_alloc_fails())
		return NULL;
	wq = calloc(1, sizeof(*wq));
	if (!wq)
		return NULL;
	pthread_mutex_init(&wq->lock, NULL);
	pthread_cond_init(&wq->cond, NULL);
	__atomic_add_fetch(&test_host.objects, 1, __ATOMIC_RELAXED);
	return wq;
}

void v3_host_waitq_free(struct v3_waitq *wq)
{
	if (!wq)
		return;
	pthread_cond_destroy(&wq->cond);
	pthread_mutex_destroy(&wq->lock);
	free(wq);
	__atomic_sub_fetch(&test_host.objects, 1, __ATOMIC_RELAXED);
}

void v3_host_wait(struct v3_waitq *wq, bool (*cond)(void *arg), void *arg)
{
	pthread_mutex_lock(&wq->lock);
	if (this_thread)
		__atomic_store_n(&this_thread->waiting_on, wq,
				 __ATOMIC_SEQ_CST);
	while (!cond(arg) && !v3_host_thread_should_stop())
		pthread_cond_wait(&wq->cond, &wq->lock);
	if (this_thread)
		__atomic_store_n(&this_thread->waiting_on, NULL,
				 __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&wq->lock);
}

void v3_host_wake(struct v3_waitq *wq)
{
	pthread_mutex_lock(&wq->lock);
	pthread_cond_broadcast(&wq->cond);
	pthread_mutex_unlock(&wq->lock);
}

/*
 * Time stands still unless a test moves it (test_host_advance()), and
 * timers fire from there, in the test's thread, so device tests are
 * deterministic.
 */
struct v3_timer {
	void (*fn)(void *arg);
	void *arg;
	bool armed;
	u64 deadline;
	struct v3_timer *next;
};

static struct v3_timer *test_timers;
static pthread_mutex_t test_timers_lock = PTHREAD_MUTEX_INITIALIZER;

u64 v3_host_time_ns(void)
{
	return __atomic_load_n(&test_host.now_ns, __ATOMIC_RELAXED);
}

u64 v3_host_wall_time_ns(void)
{
	return test_host.wall_ns + v3_host_time_ns();
}

/* Not random: a test sees the bytes it expects (test_host.random_seed). */
void v3_host_random_bytes(void *buf, size_t len)
{
	unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(test_host.random_seed++ * 131 + 7);
	test_host.random_bytes += len;
	if (test_host.on_random)
		test_host.on_random();
}

int v3_host_file_io(struct v3_host_file *file, u64 pos, void *buf, u64 len,
		    bool write)
{
	if (file->error)
		return file->error;
	if (pos > file->size || len > file->size - pos)
		return -EIO;
	if (write) {
		memcpy(file->data + pos, buf, len);
		file->writes++;
	} else {
		memcpy(buf, file->data + pos, len);
		file->reads++;
	}
	return 0;
}

int v3_host_file_flush(struct v3_host_file *file)
{
	file->flushes++;
	return file->error;
}

void v3_host_file_put(struct v3_host_file *file)
{
	file->puts++;
}

static size_t test_iov_len(const struct v3_host_iov *iov, unsigned int nr)
{
	size_t len = 0;
	unsigned int i;

	for (i = 0; i < nr; i++)
		len += iov[i].len;
	return len;
}

unsigned int v3_host_net_hdr_len(struct v3_host_net *net)
{
	return net->hdr_len;
}

int v3_host_net_offload(struct v3_host_net *net, unsigned int offloads)
{
	net->offload_calls++;
	if (net->offload_error)
		return net->offload_error;
	net->offloads = offloads;
	return 0;
}

int v3_host_net_send(struct v3_host_net *net, const struct v3_host_iov *iov,
		     unsigned int nr)
{
	size_t n = 0;
	unsigned int i;

	if (net->error)
		return net->error;
	if (test_iov_len(iov, nr) > sizeof(net->sent))
		return -EMSGSIZE;
	for (i = 0; i < nr; i++) {
		memcpy(net->sent + n, iov[i].base, iov[i].len);
		n += iov[i].len;
	}
	net->sent_len = n;
	net->nr_sent++;
	return 0;
}

int v3_host_net_recv(struct v3_host_net *net, const struct v3_host_iov *iov,
		     unsigned int nr)
{
	static u8 flood[65536];
	const u8 *frame;
	size_t len, n = 0;
	unsigned int i;

	if (net->flood) {
		len = net->flood;
		for (i = 0; i < len; i++)
			flood[i] = (u8)(i + net->floods);
		net->floods++;
		frame = flood;
	} else if (net->nr_rx) {
		frame = net->rx[net->rx_head];
		len = net->rx_len[net->rx_head];
		net->rx_head = (net->rx_head + 1) % TEST_NET_FRAMES;
		net->nr_rx--;
	} else {
		return -EAGAIN;
	}
	if (len > test_iov_len(iov, nr))
		return -EMSGSIZE;
	for (i = 0; i < nr && n < len; i++) {
		size_t k = len - n < iov[i].len ? len - n : iov[i].len;

		memcpy(iov[i].base, frame + n, k);
		n += k;
	}
	return len;
}

int v3_host_net_attach(struct v3_host_net *net, bool (*ready)(void *priv),
		       void *priv)
{
	if (net->attach_error)
		return net->attach_error;
	net->ready = ready;
	net->priv = priv;
	net->attaches++;
	return 0;
}

void v3_host_net_detach(struct v3_host_net *net)
{
	net->ready = NULL;
	net->detaches++;
}

void v3_host_net_put(struct v3_host_net *net)
{
	net->puts++;
}

bool test_net_arrive(struct v3_host_net *net, const void *frame, size_t len)
{
	unsigned int i = (net->rx_head + net->nr_rx) % TEST_NET_FRAMES;

	if (net->nr_rx < TEST_NET_FRAMES) {
		memcpy(net->rx[i], frame, len);
		net->rx_len[i] = len;
		net->nr_rx++;
	}
	return net->ready ? net->ready(net->priv) : false;
}

int v3_host_chan_read(struct v3_host_chan *chan, void *buf, u32 len)
{
	size_t n = chan->in_len - chan->in_off;

	if (n > len)
		n = len;
	memcpy(buf, chan->in + chan->in_off, n);
	chan->in_off += n;
	return n;
}

int v3_host_chan_write(struct v3_host_chan *chan, const void *buf, u32 len)
{
	size_t room = chan->out_room ? chan->out_room : sizeof(chan->out);

	if (chan->out_error)
		return chan->out_error;
	room -= chan->out_len;
	if (len > room)
		len = room;
	memcpy(chan->out + chan->out_len, buf, len);
	chan->out_len += len;
	return len;
}

int v3_host_chan_attach(struct v3_host_chan *chan,
			bool (*ready)(void *priv, unsigned int what),
			void *priv)
{
	if (chan->attach_error)
		return chan->attach_error;
	chan->ready = ready;
	chan->priv = priv;
	chan->attaches++;
	return 0;
}

void v3_host_chan_wake(struct v3_host_chan *chan)
{
	chan->wakes++;
}

void v3_host_chan_detach(struct v3_host_chan *chan)
{
	chan->ready = NULL;
	chan->detaches++;
}

void v3_host_chan_put(struct v3_host_chan *chan)
{
	chan->puts++;
}

bool test_chan_ready(struct v3_host_chan *chan, unsigned int what)
{
	return chan->ready ? chan->ready(chan->priv, what) : false;
}

struct v3_timer *v3_host_timer_alloc(void (*fn)(void *arg), void *arg)
{
	struct v3_timer *t;

	if (test_alloc_fails())
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->fn = fn;
	t->arg = arg;
	pthread_mutex_lock(&test_timers_lock);
	t->next = test_timers;
	test_timers = t;
	pthread_mutex_unlock(&test_timers_lock);
	__atomic_add_fetch(&test_host.objects, 1, __ATOMIC_RELAXED);
	return t;
}

void v3_host_timer_start(struct v3_timer *t, u64 delay_ns)
{
	pthread_mutex_lock(&test_timers_lock);
	t->armed = true;
	t->deadline = v3_host_time_ns() + delay_ns;
	test_host.timer_starts++;
	pthread_mutex_unlock(&test_timers_lock);
}

void v3_host_timer_cancel(struct v3_timer *t)
{
	pthread_mutex_lock(&test_timers_lock);
	t->armed = false;
	pthread_mutex_unlock(&test_timers_lock);
}

void v3_host_timer_free(struct v3_timer *t)
{
	struct v3_timer **pp;

	if (!t)
		return;
	pthread_mutex_lock(&test_timers_lock);
	for (pp = &test_timers; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	pthread_mutex_unlock(&test_timers_lock);
	free(t);
	__atomic_sub_fetch(&test_host.objects, 1, __ATOMIC_RELAXED);
}

/* The armed timer due first at or before @until, disarmed, or NULL */
static struct v3_timer *test_timer_due(u64 until)
{
	struct v3_timer *t, *best = NULL;

	pthread_mutex_lock(&test_timers_lock);
	for (t = test_timers; t; t = t->next)
		if (t->armed && t->deadline <= until &&
		    (!best || t->deadline < best->deadline))
			best = t;
	if (best) {
		best->armed = false;
		if (best->deadline > test_host.now_ns)
			test_host.now_ns = best->deadline;
	}
	pthread_mutex_unlock(&test_timers_lock);
	return best;
}

unsigned int test_host_advance(u64 ns)
{
	u64 until = v3_host_time_ns() + ns;
	unsigned int fired = 0;
	struct v3_timer *t;

	while ((t = test_timer_due(until))) {
		t->fn(t->arg);
		fired++;
	}
	__atomic_store_n(&test_host.now_ns, until, __ATOMIC_RELAXED);
	return fired;
}

bool test_host_timer_armed(const struct v3_timer *t, u64 *deadline)
{
	bool armed;

	pthread_mutex_lock(&test_timers_lock);
	armed = t->armed;
	if (deadline)
		*deadline = t->deadline;
	pthread_mutex_unlock(&test_timers_lock);
	return armed;
}

void v3_host_leave_user_mm(void)
{
	__atomic_add_fetch(&test_host.user_mm_leaves, 1, __ATOMIC_RELAXED);
}

void v3_host_branch_barrier(void)
{
	__atomic_add_fetch(&test_host.branch_barriers, 1, __ATOMIC_RELAXED);
}

void v3_host_machine_check(void)
{
	__atomic_add_fetch(&test_host.machine_checks, 1, __ATOMIC_RELAXED);
}

void v3_host_nmi(void)
{
	__atomic_add_fetch(&test_host.nmis, 1, __ATOMIC_RELAXED);
}

void v3_host_descriptors_restore(void)
{
}

void v3_host_debugregs_restore(void)
{
	__atomic_add_fetch(&test_host.debugreg_restores, 1, __ATOMIC_RELAXED);
}

void v3_host_fpu_get(void)
{
	if (this_fpu_held)
		__atomic_add_fetch(&test_host.fpu_errors, 1, __ATOMIC_RELAXED);
	this_fpu_held = true;
	__atomic_add_fetch(&test_host.fpu_gets, 1, __ATOMIC_RELAXED);
}

void v3_host_fpu_put(void)
{
	if (!this_fpu_held)
		__atomic_add_fetch(&test_host.fpu_errors, 1, __ATOMIC_RELAXED);
	this_fpu_held = false;
	__atomic_add_fetch(&test_host.fpu_puts, 1, __ATOMIC_RELAXED);
}

bool test_host_fpu_held(void)
{
	return this_fpu_held;
}

struct v3_mutex {
	pthread_mutex_t lock;
};

struct v3_spinlock {
	pthread_mutex_t lock;
};

struct v3_mutex *v3_host_mutex_alloc(void)
{
	struct v3_mutex *m = test_alloc_fails() ? NULL : calloc(1, sizeof(*m));

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
	struct v3_spinlock *l = test_alloc_fails() ? NULL :
				calloc(1, sizeof(*l));

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
