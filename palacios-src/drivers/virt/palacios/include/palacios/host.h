/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The host interface of the Palacios VMM core.
 *
 * The core (core/, svm/ and the backends and device models to come) knows
 * its host only through the functions declared here; it never calls the host
 * kernel directly.  A host implements every function: Linux does it in
 * linux/, and the user-space test host of the core does it on top of libc.
 *
 * This is the heir of Palacios' struct v3_os_hooks.  The functions are bound
 * at link time rather than through a table of pointers, so that the exit path
 * pays no indirect calls.
 *
 * Unless a function says otherwise, it may sleep and must be called from
 * process context.  Errors are negative errno values.
 */
#ifndef _PALACIOS_HOST_H
#define _PALACIOS_HOST_H

#include <linux/bits.h>
#include <linux/compiler.h>
#include <linux/types.h>

/* Logging */

/**
 * enum v3_log_level - severity of a message from the core
 * @V3_LOG_ERR: an operation failed, or a guest was stopped
 * @V3_LOG_WARN: something unexpected that the core handled
 * @V3_LOG_INFO: a normal but notable event (a VM started or stopped)
 * @V3_LOG_DEBUG: detail for developers; may be compiled out by the host
 * @V3_LOG_REFUSED: why a request of the host's user (an image, a kernel, a
 *                  device to pass through) was refused: an error, but one
 *                  that user can repeat at will, so the host rate-limits
 *                  these messages
 */
enum v3_log_level {
	V3_LOG_ERR,
	V3_LOG_WARN,
	V3_LOG_INFO,
	V3_LOG_DEBUG,
	V3_LOG_REFUSED,
};

/**
 * v3_host_log() - print a message from the core
 * @level: severity of the message
 * @fmt: printf-style format, ending in a newline
 *
 * Context: any context, including interrupt context.
 */
__printf(2, 3) void v3_host_log(enum v3_log_level level, const char *fmt, ...);

/* Memory */

#define V3_PAGE_SHIFT	12
#define V3_PAGE_SIZE	BIT(V3_PAGE_SHIFT)

/* Returned by v3_host_va_to_pa() for an address it cannot translate. */
#define V3_BAD_PA	(~0ULL)

/**
 * v3_host_max_order() - the largest order v3_host_alloc_pages() may satisfy
 *
 * Return: the log2 of the largest number of contiguous pages the host can
 * hand out in one allocation.
 */
unsigned int v3_host_max_order(void);

/**
 * v3_host_alloc_pages() - allocate physically contiguous, zeroed pages
 * @order: log2 of the number of pages, at most v3_host_max_order()
 * @hpa: on success, the host physical address of the first page, aligned to
 *       the size of the allocation
 *
 * The pages stay mapped in the host and are reachable with
 * v3_host_pa_to_va().  They are zeroed, so no host data can leak through them
 * into a guest.
 *
 * Return: 0, -EINVAL for an order above v3_host_max_order(), or -ENOMEM.
 */
int v3_host_alloc_pages(unsigned int order, u64 *hpa);

/**
 * v3_host_free_pages() - free pages from v3_host_alloc_pages()
 * @hpa: the address v3_host_alloc_pages() returned
 * @order: the order passed to v3_host_alloc_pages()
 */
void v3_host_free_pages(u64 hpa, unsigned int order);

/**
 * struct v3_chunk - a physically contiguous run of pages
 * @hpa: host physical address, aligned to the size of the chunk
 * @order: log2 of the number of pages in the chunk
 */
struct v3_chunk {
	u64 hpa;
	unsigned int order;
};

/**
 * struct v3_chunk_list - pages from v3_host_alloc_chunks()
 * @chunks: the chunks, largest first
 * @nr_chunks: number of entries in @chunks
 * @nr_pages: total number of pages in all chunks
 *
 * The list itself records the order of every chunk, so everything it holds
 * is freed by v3_host_free_chunks() without any lookup on the host side.
 */
struct v3_chunk_list {
	struct v3_chunk *chunks;
	unsigned long nr_chunks;
	u64 nr_pages;
};

/**
 * v3_host_alloc_chunks() - allocate many zeroed pages, not contiguous
 * @nr_pages: number of pages wanted; need not be a power of two
 * @max_order: largest chunk wanted (e.g. 9 for 2 MiB chunks); capped at
 *             v3_host_max_order()
 * @list: filled in on success
 *
 * Serves requests of any size from the largest chunks the host has, falling
 * back to smaller ones down to single pages.  Either the whole request is
 * satisfied or nothing is left allocated.
 *
 * Return: 0, -EINVAL for @nr_pages of 0, -ENOMEM, or -EINTR if the caller
 * got a fatal signal.
 */
int v3_host_alloc_chunks(u64 nr_pages, unsigned int max_order,
			 struct v3_chunk_list *list);

/**
 * v3_host_free_chunks() - free every page of a chunk list and the list
 * @list: a list filled in by v3_host_alloc_chunks(); emptied on return
 */
void v3_host_free_chunks(struct v3_chunk_list *list);

/**
 * v3_host_zalloc() - allocate zeroed memory for a core object
 * @size: size in bytes; may be large
 *
 * Return: the memory, or NULL.
 */
void *v3_host_zalloc(size_t size);

/**
 * v3_host_free() - free memory from v3_host_zalloc()
 * @ptr: the memory, or NULL
 */
void v3_host_free(void *ptr);

/**
 * v3_host_va_to_pa() - host physical address of a host virtual address
 * @va: an address inside memory from v3_host_zalloc() or the page allocators
 *
 * Return: the physical address, or %V3_BAD_PA if @va is not mapped memory
 * the host can translate.
 */
u64 v3_host_va_to_pa(const void *va);

/**
 * v3_host_pa_to_va() - host virtual address of pages from the page allocators
 * @pa: a physical address inside pages from v3_host_alloc_pages() or
 *      v3_host_alloc_chunks()
 *
 * Return: the address at which the host maps @pa.
 */
void *v3_host_pa_to_va(u64 pa);

/* Host interrupts */

struct v3_host_irq;

/**
 * typedef v3_irq_handler_t - the core's handler of a hooked host interrupt
 * @irq: the host interrupt number
 * @data: the cookie given to v3_host_hook_irq()
 *
 * Called in interrupt context.  The line stays masked from before the call
 * until the core calls v3_host_ack_irq(), so a level-triggered line does not
 * fire again before the guest has serviced its device.
 */
typedef void (*v3_irq_handler_t)(unsigned int irq, void *data);

/**
 * v3_host_hook_irq() - take a host interrupt for the core
 * @irq: the host interrupt number; never guessed or scanned for
 * @handler: called for each interrupt
 * @data: passed to @handler
 * @name: shown by the host as the owner of the line; copied
 * @out: on success, the handle for v3_host_ack_irq() and v3_host_unhook_irq()
 *
 * Return: 0, -EINVAL if @irq does not exist, -EBUSY if it is in use, or
 * another error from the host.
 */
int v3_host_hook_irq(unsigned int irq, v3_irq_handler_t handler, void *data,
		     const char *name, struct v3_host_irq **out);

/**
 * v3_host_ack_irq() - unmask a hooked interrupt after it was handled
 * @hirq: the handle from v3_host_hook_irq()
 *
 * Context: any context.
 */
void v3_host_ack_irq(struct v3_host_irq *hirq);

/**
 * v3_host_unhook_irq() - give a host interrupt back to the host
 * @hirq: the handle from v3_host_hook_irq(); freed on return
 *
 * Waits for a running handler to finish.
 */
void v3_host_unhook_irq(struct v3_host_irq *hirq);

/**
 * v3_host_irq_is_level() - whether a hooked interrupt is level-triggered
 * @hirq: the handle from v3_host_hook_irq()
 *
 * Return: true for a level-triggered line, which must stay masked until
 * the guest has serviced its device; false for an edge-triggered one.
 */
bool v3_host_irq_is_level(const struct v3_host_irq *hirq);

/* Host I/O ports */

struct v3_host_ports;

/**
 * v3_host_claim_ports() - take a range of host I/O ports for the core
 * @first: the first port
 * @count: how many ports, at least 1; @first + @count at most 0x10000
 * @name: shown by the host as the owner of the range; copied
 * @out: on success, the handle for the other v3_host_*port* calls
 *
 * Return: 0, -EBUSY if the host or another owner holds any of the ports,
 * -EINVAL for an empty or out-of-limit range, or -ENOMEM.
 */
int v3_host_claim_ports(u16 first, u32 count, const char *name,
			struct v3_host_ports **out);

/**
 * v3_host_release_ports() - give a range of I/O ports back to the host
 * @ports: the handle from v3_host_claim_ports(); freed on return
 */
void v3_host_release_ports(struct v3_host_ports *ports);

/**
 * v3_host_port_read() - read a claimed host I/O port
 * @ports: the handle of the range
 * @port: the port; the access lies wholly inside the range
 * @len: 1, 2 or 4
 *
 * Context: any context.
 * Return: the value read, zero-extended.
 */
u32 v3_host_port_read(struct v3_host_ports *ports, u16 port,
		      unsigned int len);

/**
 * v3_host_port_write() - write a claimed host I/O port
 * @ports: the handle of the range
 * @port: the port; the access lies wholly inside the range
 * @len: 1, 2 or 4
 * @val: the value; only its low @len bytes are written
 *
 * Context: any context.
 */
void v3_host_port_write(struct v3_host_ports *ports, u16 port,
			unsigned int len, u32 val);

/* CPUs */

#define V3_ANY_CPU	(-1)

/**
 * v3_host_cpu_khz() - frequency of the time stamp counter
 *
 * Return: the frequency the host measured, in kHz, or 0 if it knows none.
 */
unsigned long v3_host_cpu_khz(void);

/**
 * v3_host_cpu_id() - the CPU the caller runs on
 *
 * The answer is stable only where the caller cannot migrate: in a thread
 * bound to a CPU, in a function run by v3_host_call_on_cpu(), or with
 * interrupts disabled.
 *
 * Return: the host's number for the CPU.
 */
int v3_host_cpu_id(void);

/**
 * v3_host_nr_cpu_ids() - upper bound of the host's CPU numbers
 *
 * Return: one more than the highest CPU number the host may ever use.
 */
unsigned int v3_host_nr_cpu_ids(void);

/**
 * v3_host_interrupt_cpu() - send an interrupt to another CPU
 * @cpu: the CPU to interrupt
 *
 * The interrupt forces @cpu out of guest mode, if it is running a guest, and
 * lets it notice new work.  It does not wait for @cpu to take the interrupt.
 *
 * Context: any context.
 * Return: 0, or -EINVAL if @cpu is not online.
 */
int v3_host_interrupt_cpu(int cpu);

/**
 * v3_host_call_on_cpu() - run a function on a given CPU and wait for it
 * @cpu: the CPU to run @fn on
 * @fn: the function; it runs with interrupts disabled and must not sleep
 * @arg: passed to @fn
 *
 * Return: 0 once @fn has returned on @cpu, or -EINVAL if @cpu is not online.
 */
int v3_host_call_on_cpu(int cpu, void (*fn)(void *arg), void *arg);

/* Threads */

struct v3_thread;

/**
 * v3_host_thread_start() - start a kernel thread
 * @fn: the thread's function; its return value is its result
 * @arg: passed to @fn
 * @cpu: the CPU the thread is bound to, or %V3_ANY_CPU
 * @name: the thread's name
 * @out: on success, the handle for v3_host_thread_stop()
 *
 * A thread that runs for long checks v3_host_thread_should_stop() and calls
 * v3_host_yield() regularly.  Started by a process, the thread counts
 * against that process's resource limits (on Linux, its cgroups), as the
 * process's own threads would.
 *
 * Return: 0, -EINVAL if @cpu is not online, -ENOMEM, or the error of
 * charging the thread to the calling process's limits.
 */
int v3_host_thread_start(int (*fn)(void *arg), void *arg, int cpu,
			 const char *name, struct v3_thread **out);

/**
 * v3_host_thread_should_stop() - whether v3_host_thread_stop() was called
 *
 * Context: in a thread started by v3_host_thread_start().
 * Return: true once the thread has been asked to stop.
 */
bool v3_host_thread_should_stop(void);

/**
 * v3_host_thread_stop() - ask a thread to stop and wait for it
 * @thread: the handle from v3_host_thread_start(); freed on return
 *
 * Works whether or not the thread's function has already returned.
 *
 * Return: the value the thread's function returned.
 */
int v3_host_thread_stop(struct v3_thread *thread);

/**
 * v3_host_yield() - let the host run other work if it needs to
 */
void v3_host_yield(void);

/* Sleeping until an event */

struct v3_waitq;

/**
 * v3_host_waitq_alloc() - allocate a wait queue
 *
 * Return: the wait queue, or NULL.
 */
struct v3_waitq *v3_host_waitq_alloc(void);

/**
 * v3_host_waitq_free() - free a wait queue nobody waits on
 * @wq: the wait queue, or NULL
 */
void v3_host_waitq_free(struct v3_waitq *wq);

/**
 * v3_host_wait() - sleep until a condition holds
 * @wq: the wait queue that v3_host_wake() will be called on
 * @cond: the condition, evaluated before each sleep; must not sleep
 * @arg: passed to @cond
 *
 * Also returns once v3_host_thread_should_stop() is true, when called from
 * a thread started by v3_host_thread_start(); called from a process, only a
 * fatal signal ends the wait early.
 */
void v3_host_wait(struct v3_waitq *wq, bool (*cond)(void *arg), void *arg);

/**
 * v3_host_wake() - wake whoever sleeps in v3_host_wait() on a wait queue
 * @wq: the wait queue
 *
 * Call it after making the condition true.
 *
 * Context: any context.
 */
void v3_host_wake(struct v3_waitq *wq);

/* Time and timers */

struct v3_timer;

/**
 * v3_host_time_ns() - the host's monotonic clock
 *
 * Return: nanoseconds since an arbitrary point, never going back.
 *
 * Context: any context.
 */
u64 v3_host_time_ns(void);

/**
 * v3_host_wall_time_ns() - the host's real-time clock
 *
 * For the guest's battery-backed clock, read when a VM is created; the
 * VM's clock then runs on v3_host_time_ns().
 *
 * Return: nanoseconds since 1970-01-01 00:00 UTC.
 *
 * Context: any context.
 */
u64 v3_host_wall_time_ns(void);

/**
 * v3_host_random_bytes() - random bytes from the host's generator
 * @buf: where to put them
 * @len: how many
 *
 * For the guests' entropy devices: the bytes are as good as the host's
 * own (on Linux, get_random_bytes()).
 *
 * Context: any context.
 */
void v3_host_random_bytes(void *buf, size_t len);

/*
 * struct v3_host_file: a file or block device the host opened for a VM,
 * opaque to the core: the host makes it (on Linux, from a descriptor a
 * process gave) and the core gives it back with v3_host_file_put().
 */
struct v3_host_file;

/**
 * v3_host_file_io() - read or write bytes of a host file
 * @file: the file
 * @pos: the offset in the file
 * @buf: the bytes to write, or where to read to
 * @len: how many
 * @write: a write
 *
 * Return: 0 when all @len bytes moved, or a negative errno (-EIO for a
 * short transfer).
 *
 * Context: process context; may sleep.
 */
int v3_host_file_io(struct v3_host_file *file, u64 pos, void *buf, u64 len,
		    bool write);

/**
 * v3_host_file_flush() - make what was written to a host file durable
 * @file: the file
 *
 * Return: 0 or a negative errno.
 *
 * Context: process context; may sleep.
 */
int v3_host_file_flush(struct v3_host_file *file);

/**
 * v3_host_file_put() - give a host file back
 * @file: the file
 */
void v3_host_file_put(struct v3_host_file *file);

/*
 * struct v3_host_net: a network backend the host opened for a VM (a tap
 * device on Linux), opaque to the core: Ethernet frames, each behind a
 * struct virtio_net_hdr_v1 if the backend carries one
 * (v3_host_net_hdr_len()).  The core sends the guest's frames to it,
 * takes the frames it received for the guest, and gives it back with
 * v3_host_net_put().
 */
struct v3_host_net;

/**
 * struct v3_host_iov - a piece of a frame, in guest RAM the host holds
 * @base: its host address
 * @len: its length in bytes
 */
struct v3_host_iov {
	void *base;
	size_t len;
};

/**
 * v3_host_net_hdr_len() - the header in front of each frame
 * @net: the backend
 *
 * Return: 0 if frames come and go bare; sizeof(struct virtio_net_hdr_v1)
 * if each has that header in front (a tap with IFF_VNET_HDR on Linux):
 * the first piece given to v3_host_net_send() is then a header, and
 * v3_host_net_recv() writes one before the frame (its @num_buffers is
 * the core's to set), both counted in the lengths.
 */
unsigned int v3_host_net_hdr_len(struct v3_host_net *net);

/**
 * v3_host_net_offload() - say what the frames for the guest may use
 * @net: the backend, with headers
 * @offloads: TUN_F_* of <uapi/linux/if_tun.h>: %TUN_F_CSUM (partial
 *            checksums), %TUN_F_TSO4 (TCP segments over IPv4, with
 *            %TUN_F_CSUM), or 0
 *
 * Return: 0 or a negative errno (the offloads are unchanged).
 *
 * Context: process context; may sleep.
 */
int v3_host_net_offload(struct v3_host_net *net, unsigned int offloads);

/**
 * v3_host_net_send() - send a frame of the guest
 * @net: the backend
 * @iov: the frame's pieces, in order
 * @nr: their number
 *
 * Never waits for room: a frame the backend cannot take now is dropped,
 * as a full transmit queue drops it.
 *
 * Return: 0, or a negative errno (the frame is dropped).
 *
 * Context: process context; may sleep.
 */
int v3_host_net_send(struct v3_host_net *net, const struct v3_host_iov *iov,
		     unsigned int nr);

/**
 * v3_host_net_recv() - take the next frame received for the guest
 * @net: the backend
 * @iov: where to put it
 * @nr: the pieces of @iov
 *
 * Never waits for a frame.
 *
 * Return: the frame's length, -EAGAIN if none waits, -EMSGSIZE if it was
 * longer than @iov (it is dropped), or another negative errno.
 *
 * Context: process context; may sleep.
 */
int v3_host_net_recv(struct v3_host_net *net, const struct v3_host_iov *iov,
		     unsigned int nr);

/**
 * v3_host_net_attach() - be called when frames arrive
 * @net: the backend
 * @ready: called in a thread of the host (process context) after frames
 *         arrived, at least once for frames waiting when it attaches; it
 *         returns true to be called again (it stopped with work left)
 * @priv: its argument
 *
 * Return: 0 or a negative errno.
 */
int v3_host_net_attach(struct v3_host_net *net, bool (*ready)(void *priv),
		       void *priv);

/**
 * v3_host_net_detach() - no longer be called
 * @net: the backend, attached
 *
 * Once it returns, @ready runs nowhere and will not be called.
 *
 * Context: process context; may sleep.
 */
void v3_host_net_detach(struct v3_host_net *net);

/**
 * v3_host_net_put() - give a network backend back
 * @net: the backend, detached
 */
void v3_host_net_put(struct v3_host_net *net);

/*
 * struct v3_host_chan: a byte channel the host opened for a VM's virtio
 * console (a pipe or a stream socket on Linux), opaque to the core: the
 * core writes the guest's bytes to it, reads the bytes the host has for
 * the guest, and gives it back with v3_host_chan_put().
 */
struct v3_host_chan;

/* What v3_host_chan_attach()'s @ready is told: bytes arrived, room appeared */
#define V3_HOST_CHAN_IN		0x1U
#define V3_HOST_CHAN_OUT	0x2U

/**
 * v3_host_chan_read() - take bytes the host has for the guest
 * @chan: the channel
 * @buf: where to put them
 * @len: at most this many
 *
 * Never waits for bytes.
 *
 * Return: the bytes taken, 0 if none wait (or the host's end will send
 * no more), or a negative errno.
 *
 * Context: process context; may sleep.
 */
int v3_host_chan_read(struct v3_host_chan *chan, void *buf, u32 len);

/**
 * v3_host_chan_write() - give the host bytes of the guest
 * @chan: the channel
 * @buf: the bytes
 * @len: their number
 *
 * Never waits for room.
 *
 * Return: the bytes taken, at most @len; 0 if the host has no room now
 * (it calls @ready with %V3_HOST_CHAN_OUT when it has); or a negative
 * errno when the host's end is gone (the bytes are lost).
 *
 * Context: process context; may sleep.
 */
int v3_host_chan_write(struct v3_host_chan *chan, const void *buf, u32 len);

/**
 * v3_host_chan_attach() - be called when bytes arrive or room appears
 * @chan: the channel
 * @ready: called in a thread of the host (process context) with @priv and
 *         %V3_HOST_CHAN_IN when bytes arrived (at least once for bytes
 *         waiting when it attaches), %V3_HOST_CHAN_OUT when room
 *         appeared, or both; it returns true to be called again (it
 *         stopped with work left)
 * @priv: its argument
 *
 * Return: 0 or a negative errno.
 */
int v3_host_chan_attach(struct v3_host_chan *chan,
			bool (*ready)(void *priv, unsigned int what),
			void *priv);

/**
 * v3_host_chan_wake() - have @ready called for bytes and room
 * @chan: the channel, attached
 *
 * Calls the core's @ready with %V3_HOST_CHAN_IN | %V3_HOST_CHAN_OUT
 * soon, in a thread of the host, as if both had just appeared: for a
 * device that could not serve the host until now (its driver was not
 * ready when the bytes came).
 *
 * Context: any context.
 */
void v3_host_chan_wake(struct v3_host_chan *chan);

/**
 * v3_host_chan_detach() - no longer be called
 * @chan: the channel, attached
 *
 * Once it returns, @ready runs nowhere and will not be called.
 *
 * Context: process context; may sleep.
 */
void v3_host_chan_detach(struct v3_host_chan *chan);

/**
 * v3_host_chan_put() - give a channel back
 * @chan: the channel, detached
 */
void v3_host_chan_put(struct v3_host_chan *chan);

/**
 * v3_host_timer_alloc() - allocate a one-shot timer
 * @fn: called when it expires, in interrupt context: it must not sleep
 * @arg: passed to @fn
 *
 * Return: the timer, stopped, or NULL.
 */
struct v3_timer *v3_host_timer_alloc(void (*fn)(void *arg), void *arg);

/**
 * v3_host_timer_start() - (re)arm a timer
 * @timer: the timer
 * @delay_ns: from now; a timer already armed is moved
 *
 * Context: any context.
 */
void v3_host_timer_start(struct v3_timer *timer, u64 delay_ns);

/**
 * v3_host_timer_cancel() - disarm a timer
 * @timer: the timer
 *
 * Its function does not run after this returns, unless it is armed
 * again.  Must not be called from the timer's own function.
 *
 * Context: process context, or with the lock its function takes not held.
 */
void v3_host_timer_cancel(struct v3_timer *timer);

/**
 * v3_host_timer_free() - cancel and free a timer
 * @timer: the timer, or NULL
 */
void v3_host_timer_free(struct v3_timer *timer);

/* The FPU */

/**
 * v3_host_fpu_get() - take the CPU's FPU registers for a guest
 *
 * Saves the host's FPU state where the host keeps it and disables
 * preemption, so that the core may load a guest's FPU state into the
 * registers until v3_host_fpu_put().  Does not sleep.
 */
void v3_host_fpu_get(void);

/**
 * v3_host_fpu_put() - give the FPU registers back to the host
 *
 * The host reloads its own state before it uses the registers again.
 */
void v3_host_fpu_put(void);

/* Isolation between the host and guests, and between guests */

/**
 * v3_host_leave_user_mm() - run on the kernel's page tables only
 *
 * A host thread that runs guests holds no user address space of its own;
 * the host may still have the last user process's page tables loaded for
 * it (a lazy switch).  Called before each entry to a guest, with
 * interrupts disabled: afterwards the CPU runs on the kernel's page tables,
 * so that the host state the hardware saves for the guest's exit refers to
 * no user process, which may exit meanwhile.
 */
void v3_host_leave_user_mm(void);

/**
 * v3_host_branch_barrier() - clear the CPU's indirect branch predictions
 *
 * An IBPB where the CPU has it and the host uses it: called when a CPU
 * goes from one VM to another, so that no guest steers another's (or the
 * host's) indirect branches.
 */
void v3_host_branch_barrier(void);

/**
 * v3_host_machine_check() - a machine check came while a guest ran
 *
 * Called on the CPU that took it, with interrupts disabled, right after the
 * exit: the machine check is the host's to handle (and to log), never the
 * guest's, whose memory and registers the hardware error need not concern.
 */
void v3_host_machine_check(void);

/**
 * v3_host_debugregs_restore() - put the host's hardware breakpoints back
 *
 * Called after each exit from a guest, with interrupts disabled: the guest
 * ran with its own DR7 (and perhaps its own DR0-DR3), and the exit leaves
 * the host's breakpoints disabled.  Costs a per-CPU read where the host
 * has none armed.
 */
void v3_host_debugregs_restore(void);

/**
 * v3_host_nmi() - an NMI came while a guest ran, and made it exit
 *
 * Called on the CPU that took it, with interrupts disabled, right after the
 * exit.  Intel VMX consumes the NMI with the exit: it is the host's, and is
 * raised again for the host to handle.
 */
void v3_host_nmi(void);

/**
 * v3_host_descriptors_restore() - after an Intel VMX exit, the limits of
 * the host's GDT and TSS, which the exit leaves at 0xffff and 0x67
 *
 * Called after each such exit, with interrupts disabled: the GDT's limit is
 * restored, and the TSS's where a task's I/O bitmap needs it.
 */
void v3_host_descriptors_restore(void);

/* Locks */

struct v3_mutex;
struct v3_spinlock;

/**
 * v3_host_mutex_alloc() - allocate a sleeping lock
 *
 * Return: the unlocked mutex, or NULL.
 */
struct v3_mutex *v3_host_mutex_alloc(void);

/**
 * v3_host_mutex_free() - free a mutex
 * @mutex: an unlocked mutex, or NULL
 */
void v3_host_mutex_free(struct v3_mutex *mutex);

/**
 * v3_host_mutex_lock() - take a mutex, sleeping until it is free
 * @mutex: the mutex
 */
void v3_host_mutex_lock(struct v3_mutex *mutex);

/**
 * v3_host_mutex_unlock() - release a mutex
 * @mutex: the mutex, held by the caller
 */
void v3_host_mutex_unlock(struct v3_mutex *mutex);

/**
 * v3_host_spinlock_alloc() - allocate a lock usable in interrupt context
 *
 * Return: the unlocked spinlock, or NULL.
 */
struct v3_spinlock *v3_host_spinlock_alloc(void);

/**
 * v3_host_spinlock_free() - free a spinlock
 * @lock: an unlocked spinlock, or NULL
 *
 * Context: process context; may sleep.
 */
void v3_host_spinlock_free(struct v3_spinlock *lock);

/**
 * v3_host_spin_lock_irqsave() - take a spinlock with interrupts disabled
 * @lock: the spinlock
 *
 * Context: any context.
 * Return: the interrupt state to pass to v3_host_spin_unlock_irqrestore().
 */
unsigned long v3_host_spin_lock_irqsave(struct v3_spinlock *lock);

/**
 * v3_host_spin_unlock_irqrestore() - release a spinlock
 * @lock: the spinlock, held by the caller
 * @flags: the value v3_host_spin_lock_irqsave() returned
 *
 * Context: any context.
 */
void v3_host_spin_unlock_irqrestore(struct v3_spinlock *lock,
				    unsigned long flags);

#endif /* _PALACIOS_HOST_H */
