/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The state of the user-space test host, which the tests set and check.
 */
#ifndef _PAL_TEST_HOST_H
#define _PAL_TEST_HOST_H

#include <linux/types.h>

#define TEST_NR_IRQS	256
#define TEST_MAX_CPUS	4

/**
 * struct test_host - the test host's settings and counters
 * @nr_cpus: CPUs the host reports
 * @cpu_khz: what v3_host_cpu_khz() returns
 * @fail_pages: make page allocations fail
 * @fail_zalloc: make heap allocations fail
 * @fail_calls: v3_host_call_on_cpu() fails as on a CPU gone offline
 * @fail_nth: if not 0, the @fail_nth-th allocation from now on of any kind
 *            (pages, heap, wait queue, lock) fails, once
 * @verbose: copy the core's log to stderr
 * @pages: pages allocated and not freed
 * @objects: heap objects and wait queues allocated and not freed
 * @errors: messages logged at V3_LOG_ERR or V3_LOG_REFUSED
 * @kicks: v3_host_interrupt_cpu() calls per CPU
 * @branch_barriers: v3_host_branch_barrier() calls
 * @user_mm_leaves: v3_host_leave_user_mm() calls
 * @machine_checks: v3_host_machine_check() calls
 * @nmis: v3_host_nmi() calls
 * @debugreg_restores: v3_host_debugregs_restore() calls
 * @fpu_gets: v3_host_fpu_get() calls
 * @fpu_puts: v3_host_fpu_put() calls
 * @fpu_errors: unbalanced calls: a get while the thread holds the FPU, a
 *              put while it does not
 * @now_ns: what v3_host_time_ns() returns; see test_host_advance()
 * @wall_ns: what v3_host_wall_time_ns() returns when @now_ns is 0
 * @timer_starts: v3_host_timer_start() calls
 * @random_seed: the next byte v3_host_random_bytes() gives is a function of
 *               it (so that a test knows what to expect)
 * @random_bytes: bytes v3_host_random_bytes() gave
 * @on_random: if set, called by v3_host_random_bytes() after it filled a
 *             buffer (what another vCPU does meanwhile)
 * @log: everything the core logged
 *
 * Counters that threads of the core update are updated atomically; the
 * log is appended to under a lock.
 */
struct test_host {
	unsigned int nr_cpus;
	unsigned long cpu_khz;
	bool fail_pages;
	bool fail_zalloc;
	bool fail_calls;
	long fail_nth;
	bool verbose;
	long pages;
	long objects;
	int errors;
	unsigned long kicks[TEST_MAX_CPUS];
	unsigned long branch_barriers;
	unsigned long user_mm_leaves;
	unsigned long machine_checks;
	unsigned long nmis;
	unsigned long debugreg_restores;
	unsigned long fpu_gets;
	unsigned long fpu_puts;
	unsigned long fpu_errors;
	u64 now_ns;
	u64 wall_ns;
	unsigned long timer_starts;
	unsigned long random_seed;
	unsigned long random_bytes;
	void (*on_random)(void);
	char log[16384];
};

extern struct test_host test_host;

/**
 * struct v3_host_file - the test host's files: bytes in memory
 * @data: the contents
 * @size: their size
 * @error: if not 0, what every access returns
 * @reads: v3_host_file_io() reads
 * @writes: v3_host_file_io() writes
 * @flushes: v3_host_file_flush() calls
 * @puts: v3_host_file_put() calls
 */
struct v3_host_file {
	u8 *data;
	u64 size;
	int error;
	unsigned long reads;
	unsigned long writes;
	unsigned long flushes;
	unsigned long puts;
};

#define TEST_NET_FRAMES	8
#define TEST_NET_FRAME	2048

/**
 * struct v3_host_net - the test host's network backend: frames in memory
 * @rx: frames waiting for the guest, a FIFO of @nr_rx from @rx_head
 * @rx_len: their lengths
 * @rx_head: the next to take
 * @nr_rx: how many wait
 * @flood: if not 0, a frame of this many bytes always waits (a flood),
 *         each byte its index plus the frame's number
 * @floods: frames of the flood taken
 * @sent: the last frame the guest sent
 * @sent_len: its length
 * @nr_sent: the frames sent
 * @error: if not 0, what sends return
 * @attach_error: if not 0, what v3_host_net_attach() returns
 * @ready: the core's, while attached
 * @priv: its argument
 * @attaches: v3_host_net_attach() calls that succeeded
 * @detaches: v3_host_net_detach() calls
 * @puts: v3_host_net_put() calls
 * @hdr_len: what v3_host_net_hdr_len() says: 0, or 12 (frames sent and
 *           received with a virtio-net header in front, in the lengths)
 * @offloads: the last offloads v3_host_net_offload() set
 * @offload_calls: v3_host_net_offload() calls
 * @offload_error: what v3_host_net_offload() returns, if not 0
 */
struct v3_host_net {
	u8 rx[TEST_NET_FRAMES][TEST_NET_FRAME];
	size_t rx_len[TEST_NET_FRAMES];
	unsigned int rx_head;
	unsigned int nr_rx;
	size_t flood;
	unsigned long floods;
	u8 sent[65536 + 256];
	size_t sent_len;
	unsigned long nr_sent;
	int error;
	int attach_error;
	bool (*ready)(void *priv);
	void *priv;
	unsigned long attaches;
	unsigned long detaches;
	unsigned long puts;
	unsigned int hdr_len;
	unsigned int offloads;
	unsigned long offload_calls;
	int offload_error;
};

/**
 * test_net_arrive() - a frame arrives for the guest
 * @net: the backend
 * @frame: its bytes
 * @len: its length, at most %TEST_NET_FRAME
 *
 * Return: what the core's ready() returned (true: call again), or false
 * if not attached.
 */
bool test_net_arrive(struct v3_host_net *net, const void *frame, size_t len);

/**
 * struct v3_host_chan - the test host's byte channel
 * @in: bytes for the guest, @in_len of them from @in_off
 * @in_len: their end
 * @in_off: the next to give
 * @out: the guest's bytes taken, @out_len of them
 * @out_len: their number
 * @out_room: the most @out takes in all (0: sizeof(@out))
 * @out_error: if not 0, what writes return
 * @attach_error: if not 0, what v3_host_chan_attach() returns
 * @ready: the core's, while attached
 * @priv: its argument
 * @attaches: v3_host_chan_attach() calls that succeeded
 * @wakes: v3_host_chan_wake() calls
 * @detaches: v3_host_chan_detach() calls
 * @puts: v3_host_chan_put() calls
 */
struct v3_host_chan {
	u8 in[8192];
	size_t in_len;
	size_t in_off;
	u8 out[1 << 20];
	size_t out_len;
	size_t out_room;
	int out_error;
	int attach_error;
	bool (*ready)(void *priv, unsigned int what);
	void *priv;
	unsigned long attaches;
	unsigned long wakes;
	unsigned long detaches;
	unsigned long puts;
};

/**
 * test_chan_ready() - bytes arrive for the guest, or room for its bytes
 * @chan: the channel
 * @what: V3_HOST_CHAN_IN, V3_HOST_CHAN_OUT or both
 *
 * Return: what the core's ready() returned, or false if not attached.
 */
bool test_chan_ready(struct v3_host_chan *chan, unsigned int what);

/**
 * test_host_fpu_held() - whether the calling thread holds the FPU
 *
 * Return: true between v3_host_fpu_get() and v3_host_fpu_put().
 */
bool test_host_fpu_held(void);

/**
 * test_host_log_lines() - count the lines of the log that contain a string
 * @str: the string
 *
 * Return: the number of lines of test_host.log in which @str occurs.
 */
int test_host_log_lines(const char *str);

struct v3_timer;

/**
 * test_host_advance() - move the test host's clock on
 * @ns: by how much
 *
 * Timers due meanwhile fire in order of their deadlines, from the calling
 * thread, with the clock at their deadline; one that re-arms itself within
 * the interval fires again.
 *
 * Return: how many timer functions ran.
 */
unsigned int test_host_advance(u64 ns);

/**
 * test_host_timer_armed() - whether a timer is armed, and when it is due
 * @t: the timer
 * @deadline: its deadline on v3_host_time_ns()'s clock, if not NULL
 *
 * Return: true if armed.
 */
bool test_host_timer_armed(const struct v3_timer *t, u64 *deadline);

/**
 * struct test_host_io - the test host's I/O ports and interrupt lines
 * @ports: the port space: a write stores its bytes, a read returns them
 * @busy_first: the first port of a range the host itself holds
 * @busy_count: its size; 0 for none
 * @claimed: ranges claimed and not released
 * @missing: lines the host does not have
 * @level: lines that are level-triggered
 * @masked: lines that a handler masked and the core has not acked
 * @acks: v3_host_ack_irq() calls per line
 * @owner: the name given with each hooked line
 */
struct test_host_io {
	u8 ports[0x10000];
	u16 busy_first;
	u32 busy_count;
	int claimed;
	bool missing[TEST_NR_IRQS];
	bool level[TEST_NR_IRQS];
	bool masked[TEST_NR_IRQS];
	unsigned long acks[TEST_NR_IRQS];
	char owner[TEST_NR_IRQS][48];
};

extern struct test_host_io test_hio;

/**
 * test_host_irq() - a host interrupt comes
 * @irq: the line; it must be hooked
 *
 * Masks the line and calls its handler, as the Linux host does.
 *
 * Return: false if nothing hooked @irq, or it was masked.
 */
bool test_host_irq(unsigned int irq);

/**
 * test_cpu_up() - v3_cpu_up() of a CPU, on that CPU, as the host's CPU
 *                 hotplug callback calls it
 * @cpu: the CPU
 *
 * Return: what v3_cpu_up() returned.
 */
int test_cpu_up(int cpu);

/**
 * test_cpu_down() - v3_cpu_down() of a CPU, on that CPU
 * @cpu: the CPU
 */
void test_cpu_down(int cpu);

#endif /* _PAL_TEST_HOST_H */
