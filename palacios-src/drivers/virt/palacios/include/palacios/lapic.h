/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The local APIC of a virtual CPU, in xAPIC mode, as a model of the
 * Palacios core: the 4 KiB register page at IA32_APIC_BASE (always
 * %V3_LAPIC_GPA), the interrupt request, in-service and trigger-mode
 * registers with the priority rules of the Intel SDM (vol. 3, ch. 11), the
 * interrupt command register, the six local vector table entries (timer,
 * thermal, performance counters, LINT0, LINT1, error) and the APIC timer.
 *
 * The model knows nothing of other CPUs: a write to the ICR hands an
 * interrupt message (struct v3_apic_msg) to its owner, which asks each
 * APIC whether the message targets it (v3_lapic_accept()) and gives it to
 * those that it does (v3_lapic_deliver()); the I/O APIC's messages take
 * the same way.  v3_lapic_accept() does not arbitrate lowest priority: the
 * owner gives a %V3_APIC_LOWEST message to one of the APICs that accept
 * it.  The vCPU takes its interrupts with v3_lapic_pending() and
 * v3_lapic_ack(), and its NMI, INIT and SIPI events with the
 * v3_lapic_take_*() functions, whenever the model kicks it.
 *
 * The timer counts at %V3_LAPIC_TIMER_HZ divided by the divide
 * configuration.  Its count is computed from the host's clock
 * (v3_host_time_ns()) when needed, not counted; one host timer
 * (v3_host_timer_*()) is armed for its next expiry only, and only while
 * the timer's LVT entry is unmasked: a masked timer counts and reloads
 * without costing the host a timer, and delivers nothing.  The host timer
 * is never armed closer than 50 us, and a periodic timer's period is at
 * least 50 us (a shorter count reaches 0 and stays there until the period
 * ends), so that no guest can make the host's timer fire faster.  Missed
 * periods of a late host are coalesced into one interrupt.  A change of
 * the divide configuration rescales what is left of the current count.
 * The TSC-deadline mode (LVT timer mode 10) is not offered by the VMM's
 * CPUID: in it, as in the reserved mode 11, the timer is stopped, as a
 * one-shot timer with a count of 0, and writes of the initial count are
 * ignored.  Switching between one-shot and periodic mode keeps the
 * current count.
 *
 * Not modelled: x2APIC, the APIC base relocation (any other base is
 * refused), SMI (received and dropped), the thermal and performance
 * monitoring sources, the LINT0 and LINT1 pins other than as ExtINT (the
 * PIC's output reaches the CPU while v3_lapic_extint() says so; an owner
 * that has an NMI source delivers a %V3_APIC_NMI message), the
 * arbitration priority (APR reads 0), focus checking, EOI-broadcast
 * suppression, CMCI (0x2f0 reads 0), the remote read and the errors of
 * illegal register addresses.  The APIC ID is read-only.  A message with
 * vector below 16 is not sent (the sender's ESR records "send illegal
 * vector") and is refused by receivers ("receive illegal vector"), as are
 * local interrupts with such a vector.  ICR delivery modes 3 and 7 are
 * reserved and are not sent.  An ExtINT message (from an I/O APIC pin in
 * ExtINT mode, virtual wire through the I/O APIC) connects the PIC's
 * output to this CPU until the next reset, as if LINT0 were in ExtINT
 * mode.
 *
 * Hardware-disabling the APIC (clearing bit 11 of IA32_APIC_BASE) returns
 * it to its power-up state; while it is disabled its registers read 0 and
 * ignore writes, it accepts no message, nothing is pending, and the PIC's
 * output reaches the CPU directly.  Setting bit 11 again enables it in the
 * power-up state (software-disabled).
 *
 * Locking: a spinlock of its own, taken with interrupts disabled, so that
 * every function may be called from any vCPU's thread and from interrupt
 * context (the I/O APIC's messages may come from a device's timer).  The
 * callbacks of struct v3_lapic_ops are called without it.
 */
#ifndef _PALACIOS_LAPIC_H
#define _PALACIOS_LAPIC_H

#include <linux/types.h>

struct v3_spinlock;
struct v3_timer;

#define V3_LAPIC_GPA		0xfee00000ULL	/* default base, 4 KiB */
#define V3_LAPIC_TIMER_HZ	1000000000ULL	/* timer input before the divider */

/* LVT entries: timer, thermal, performance counters, LINT0, LINT1, error */
#define V3_LAPIC_NR_LVT		6

/**
 * enum v3_apic_delivery - the delivery mode of an interrupt message
 * @V3_APIC_FIXED: the vector, to every destination
 * @V3_APIC_LOWEST: the vector, to the destination of lowest priority
 * @V3_APIC_SMI: a system management interrupt (dropped by the model)
 * @V3_APIC_NMI: a non-maskable interrupt
 * @V3_APIC_INIT: an INIT signal
 * @V3_APIC_SIPI: a start-up IPI; the vector is the start page
 * @V3_APIC_EXTINT: the PIC supplies the vector
 */
enum v3_apic_delivery {
	V3_APIC_FIXED = 0,
	V3_APIC_LOWEST = 1,
	V3_APIC_SMI = 2,
	V3_APIC_NMI = 4,
	V3_APIC_INIT = 5,
	V3_APIC_SIPI = 6,
	V3_APIC_EXTINT = 7,
};

/**
 * struct v3_apic_msg - an interrupt message on the APIC bus
 * @vector: the vector (the start page for a SIPI)
 * @delivery: the delivery mode, an enum v3_apic_delivery
 * @level: level-triggered: its EOI goes back to the I/O APIC
 * @logical: destination mode: logical if true, physical if false
 * @dest: physical APIC ID (0xff: broadcast) or logical mask
 * @shorthand: 0 none, 1 self, 2 all including self, 3 all excluding self
 * @src_id: the sender's APIC ID (for shorthands)
 * @deassert: INIT level de-assert: ignored by receivers
 */
struct v3_apic_msg {
	u8 vector;
	u8 delivery;
	bool level;
	bool logical;
	u8 dest;
	u8 shorthand;
	u8 src_id;
	bool deassert;
};

/**
 * struct v3_lapic_ops - what the APIC asks of its owner
 * @kick: something became deliverable (an interrupt, NMI, INIT or SIPI):
 *        wake or kick the vCPU; called in any context, also from the host
 *        timer's interrupt context; may be NULL
 * @send: the guest wrote the ICR: route @msg to the APICs it targets (see
 *        v3_lapic_accept()); called in the vCPU's thread; may be NULL
 * @eoi: the guest ended a level-triggered vector (its TMR bit was set), or
 *       any vector if the APIC's @eoi_all is set: for the I/O APIC;
 *       called in the vCPU's thread; may be NULL
 *
 * Every callback is called without the APIC's lock held, and may call
 * back into the model.
 */
struct v3_lapic_ops {
	void (*kick)(void *priv);
	void (*send)(void *priv, const struct v3_apic_msg *msg);
	void (*eoi)(void *priv, u8 vector);
};

/**
 * struct v3_lapic - the local APIC of one vCPU
 * @id: the APIC ID (register 0x20, bits 24-31)
 * @bsp: the CPU is the bootstrap processor (IA32_APIC_BASE bit 8)
 * @hw_enabled: IA32_APIC_BASE bit 11
 * @tpr: the task priority register
 * @ldr: the logical destination register
 * @dfr: the destination format register
 * @svr: the spurious-interrupt vector register
 * @isr: the in-service register, vector v in bit v % 32 of word v / 32
 * @tmr: the trigger-mode register, laid out as @isr
 * @irr: the interrupt request register, laid out as @isr
 * @irr_count: how many bits @irr has set; written under @lock, read
 *             without it by v3_lapic_pending() (a request that comes after
 *             that read kicks the vCPU)
 * @esr: the error status the guest reads, latched by its last write
 * @esr_pending: errors detected since that write
 * @icr_lo: the low word of the interrupt command register
 * @icr_hi: the high word of the interrupt command register
 * @lvt: the LVT entries: timer, thermal, performance, LINT0, LINT1, error
 * @tmict: the timer's initial count
 * @tdcr: the timer's divide configuration register
 * @timer_active: the timer counts towards @timer_next_ns
 * @timer_next_ns: the host time of its next expiry, if @timer_active
 * @timer_armed: @timer is armed for @timer_armed_ns
 * @timer_armed_ns: the expiry @timer is armed for
 * @nmi_pending: an NMI came and was not taken
 * @init_pending: an INIT came and was not taken
 * @sipi_vector: the vector of the last SIPI not taken, or -1
 * @extint_msg: an ExtINT message came since the last reset
 * @lock: serialises everything
 * @timer: the host timer behind the APIC timer
 * @ops: the owner's callbacks
 * @priv: passed to the callbacks
 * @eoi_all: report the EOI of every vector to @ops->eoi, not only of the
 *           level-triggered ones; the owner sets it before the guest runs
 * @stopped: v3_lapic_stop() was called: the timer stays disarmed
 */
struct v3_lapic {
	u8 id;
	bool bsp;
	bool hw_enabled;
	u32 tpr;
	u32 ldr;
	u32 dfr;
	u32 svr;
	u32 isr[8];
	u32 tmr[8];
	u32 irr[8];
	unsigned int irr_count;
	u32 esr;
	u32 esr_pending;
	u32 icr_lo;
	u32 icr_hi;
	u32 lvt[V3_LAPIC_NR_LVT];
	u32 tmict;
	u32 tdcr;
	bool timer_active;
	u64 timer_next_ns;
	bool timer_armed;
	u64 timer_armed_ns;
	bool nmi_pending;
	bool init_pending;
	int sipi_vector;
	bool extint_msg;
	struct v3_spinlock *lock;
	struct v3_timer *timer;
	const struct v3_lapic_ops *ops;
	void *priv;
	bool eoi_all;
	bool stopped;
};

/**
 * v3_lapic_init() - create a local APIC
 * @apic: the state to initialise
 * @id: its APIC ID
 * @bsp: the CPU is the bootstrap processor
 * @ops: the owner's callbacks, or NULL for none; kept, not copied
 * @priv: passed to the callbacks
 *
 * The APIC starts hardware-enabled in its power-up state (see
 * v3_lapic_reset()), except that the BSP's LINT0 is in ExtINT mode and
 * unmasked (0x700) and its LINT1 in NMI mode (0x400), the virtual-wire
 * mode firmware leaves a PC in, although the APIC is software-disabled.
 *
 * Return: 0 or -ENOMEM; nothing is left allocated on failure.
 */
int v3_lapic_init(struct v3_lapic *apic, u8 id, bool bsp,
		  const struct v3_lapic_ops *ops, void *priv);

/**
 * v3_lapic_stop() - stop the timer for good: the vCPU runs no more
 * @apic: the APIC, or one whose init failed
 *
 * Not to be called under @apic->lock.
 */
void v3_lapic_stop(struct v3_lapic *apic);

/**
 * v3_lapic_free() - stop the timer and free everything
 * @apic: the APIC, or one whose init failed
 *
 * Context: process context.
 */
void v3_lapic_free(struct v3_lapic *apic);

/**
 * v3_lapic_reset() - an INIT: back to the power-up state
 * @apic: the APIC
 *
 * Every register returns to its power-up value (LVT entries masked, SVR
 * 0xff, DFR 0xffffffff, everything else 0) but the ID, the timer stops,
 * and pending NMI and ExtINT messages are dropped.  IA32_APIC_BASE is kept,
 * and so are INIT and SIPI events not yet taken, which belong to the
 * owner's start-up protocol.
 *
 * Context: process context.
 */
void v3_lapic_reset(struct v3_lapic *apic);

/**
 * v3_lapic_access() - a guest access to the APIC's register page
 * @apic: the APIC
 * @offset: offset in the 4 KiB page
 * @data: the value to write, or where to read to
 * @len: size of the access in bytes
 * @write: the access is a write
 *
 * Only 32-bit accesses to 16-byte-aligned offsets reach registers; others
 * read 0 and ignore writes, as reserved and write-only registers do.  A
 * write to the ICR's low word sends its message through @ops->send, one
 * to the EOI register may call @ops->eoi.
 *
 * Context: the vCPU's thread.
 * Return: 0.
 */
int v3_lapic_access(struct v3_lapic *apic, u32 offset, void *data,
		    unsigned int len, bool write);

/**
 * v3_lapic_accept() - whether an interrupt message targets this APIC
 * @apic: the APIC
 * @msg: the message
 *
 * Shorthands are matched against @msg->src_id; a physical destination
 * against the ID or the broadcast 0xff; a logical one against the LDR in
 * the flat model (DFR 0xf: mask & LDR) or the cluster model (DFR 0x0: the
 * cluster in bits 4-7, 0xf for all, and a mask in bits 0-3), 0xff being a
 * broadcast in both.  A hardware-disabled APIC accepts nothing.
 *
 * Context: any context.
 * Return: true if @msg is for this APIC.
 */
bool v3_lapic_accept(struct v3_lapic *apic, const struct v3_apic_msg *msg);

/**
 * v3_lapic_deliver() - give an interrupt message to this APIC
 * @apic: the APIC, which accepted @msg
 * @msg: the message
 *
 * Fixed and lowest-priority messages set their vector in the IRR, and in
 * the TMR if level-triggered (clear it if edge); they are dropped while
 * the APIC is software-disabled, and a vector below 16 is refused and
 * recorded in the ESR.  NMI, INIT (unless @msg->deassert), SIPI and ExtINT
 * messages set their own pending state, the latest SIPI's vector winning.
 * Then @ops->kick is called if something was taken.
 *
 * Context: any context.
 */
void v3_lapic_deliver(struct v3_lapic *apic, const struct v3_apic_msg *msg);

/**
 * v3_lapic_pending() - the interrupt the vCPU should take
 * @apic: the APIC
 *
 * Context: any context.
 * Return: the highest vector in the IRR if its priority class (vector >> 4)
 * is above the processor priority's, else -1.
 */
int v3_lapic_pending(struct v3_lapic *apic);

/**
 * v3_lapic_ack() - the vCPU takes the pending interrupt
 * @apic: the APIC
 *
 * Moves the vector of v3_lapic_pending() from the IRR to the ISR, which
 * raises the processor priority.
 *
 * Context: the vCPU's thread.
 * Return: the vector, or the SVR's spurious vector if none is pending.
 */
u8 v3_lapic_ack(struct v3_lapic *apic);

/**
 * v3_lapic_extint() - whether the PIC's output reaches this CPU
 * @apic: the APIC
 *
 * Context: any context.
 * Return: true if LINT0 is unmasked in ExtINT mode, an ExtINT message came
 * since the last reset, or the APIC is hardware-disabled (virtual wire).
 */
bool v3_lapic_extint(struct v3_lapic *apic);

/**
 * v3_lapic_take_nmi() - take a pending NMI
 * @apic: the APIC
 *
 * Context: any context.
 * Return: true if an NMI came since the last call; it is cleared.
 */
bool v3_lapic_take_nmi(struct v3_lapic *apic);

/**
 * v3_lapic_take_init() - take a pending INIT
 * @apic: the APIC
 *
 * The owner resets the vCPU and the APIC (v3_lapic_reset()) in response.
 *
 * Context: any context.
 * Return: true if an INIT came since the last call; it is cleared.
 */
bool v3_lapic_take_init(struct v3_lapic *apic);

/**
 * v3_lapic_take_sipi() - take a pending start-up IPI
 * @apic: the APIC
 *
 * Context: any context.
 * Return: the vector of the last SIPI received since the last call, or -1;
 * it is cleared.
 */
int v3_lapic_take_sipi(struct v3_lapic *apic);

/**
 * v3_lapic_take_startup() - what a CPU waiting for a start-up IPI takes
 * @apic: the APIC of a vCPU in the wait-for-SIPI state
 *
 * Takes the pending SIPI and, with it, any INIT pending: that INIT came
 * before the SIPI (a processor sends INIT, then SIPI) and found the vCPU
 * waiting already.  Taken apart, an INIT that arrives between the two
 * takes would reset the vCPU just started by the SIPI.
 *
 * Context: any context.
 * Return: the SIPI's vector, or -1 (a pending INIT is taken then too).
 */
int v3_lapic_take_startup(struct v3_lapic *apic);

/**
 * v3_lapic_take_init_running() - what a running CPU takes of INIT and SIPI
 * @apic: the APIC of a vCPU that runs
 *
 * Takes a pending INIT; without one, drops a pending SIPI, which a running
 * CPU ignores (the second of the two a processor sends), so that it does
 * not start the vCPU again after a later INIT.  A SIPI that came with an
 * INIT is kept for v3_lapic_take_startup().
 *
 * Context: any context.
 * Return: true if an INIT was taken.
 */
bool v3_lapic_take_init_running(struct v3_lapic *apic);

/**
 * v3_lapic_get_base() - read IA32_APIC_BASE
 * @apic: the APIC
 *
 * Context: any context.
 * Return: %V3_LAPIC_GPA, bit 11 if enabled, bit 8 for the BSP.
 */
u64 v3_lapic_get_base(struct v3_lapic *apic);

/**
 * v3_lapic_set_base() - write IA32_APIC_BASE
 * @apic: the APIC
 * @val: the value; bit 8 (BSP) is read-only and ignored
 *
 * Clearing bit 11 hardware-disables the APIC and returns it to its
 * power-up state; setting it enables it again.
 *
 * Context: process context.
 * Return: 0, or -EINVAL (the caller raises #GP) for another base address,
 * the x2APIC enable (bit 10) or a reserved bit.
 */
int v3_lapic_set_base(struct v3_lapic *apic, u64 val);

/**
 * v3_lapic_get_tpr() - read CR8
 * @apic: the APIC
 *
 * Context: any context.
 * Return: bits 4-7 of the TPR.
 */
u8 v3_lapic_get_tpr(struct v3_lapic *apic);

/**
 * v3_lapic_set_tpr() - write CR8
 * @apic: the APIC
 * @cr8: bits 0-3 become bits 4-7 of the TPR, bits 0-3 of which are cleared
 *
 * Calls @ops->kick if an interrupt becomes deliverable.
 *
 * Context: any context.
 */
void v3_lapic_set_tpr(struct v3_lapic *apic, u8 cr8);

#endif /* _PALACIOS_LAPIC_H */
