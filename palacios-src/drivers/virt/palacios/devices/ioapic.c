// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios core: the I/O APIC (Intel 82093AA).
 *
 * The registers follow the data sheet; what the model leaves out is listed
 * in <palacios/ioapic.h>.  Messages are built under the lock and sent once
 * it is dropped, so that the owner may call back into the model (the EOI
 * of a local APIC comes back as v3_ioapic_eoi()).
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>

#include <palacios/host.h>
#include <palacios/ioapic.h>
#include <palacios/lapic.h>

/* Offsets in the page */
#define IOAPIC_IOREGSEL		0x00
#define IOAPIC_IOWIN		0x10

/* Registers behind IOWIN */
#define IOAPIC_REG_ID		0x00
#define IOAPIC_REG_VERSION	0x01
#define IOAPIC_REG_ARB		0x02
#define IOAPIC_REG_REDIR	0x10

/* 24 pins (maximum redirection entry 0x17), version 0x11 */
#define IOAPIC_VERSION_VAL	0x00170011
#define IOAPIC_ID_SHIFT		24
#define IOAPIC_ID_MASK		0xf

/* Redirection table entry */
#define RTE_VECTOR		0xffULL
#define RTE_DM_SHIFT		8
#define RTE_DM_MASK		7
#define RTE_LOGICAL		BIT_ULL(11)
#define RTE_REMOTE_IRR		BIT_ULL(14)
#define RTE_LEVEL		BIT_ULL(15)
#define RTE_MASKED		BIT_ULL(16)
#define RTE_DEST_SHIFT		56
/* vector, delivery and destination modes, polarity, trigger, mask */
#define RTE_LO_WRITABLE		0x0001afffULL
#define RTE_HI_WRITABLE		0xff000000ULL

/* The messages one call may send */
struct ioapic_work {
	unsigned int nr;
	struct v3_apic_msg msg[V3_IOAPIC_PINS];
};

static u8 ioapic_dm(u64 rte)
{
	return (rte >> RTE_DM_SHIFT) & RTE_DM_MASK;
}

/* A pin in the sense of remote IRR: level-triggered, fixed or lowest */
static bool ioapic_level(u64 rte)
{
	u8 dm = ioapic_dm(rte);

	return (rte & RTE_LEVEL) &&
	       (dm == V3_APIC_FIXED || dm == V3_APIC_LOWEST);
}

/* Queue the message of @pin's entry; set its remote IRR if level */
static void ioapic_send(struct v3_ioapic *io, unsigned int pin,
			struct ioapic_work *work)
{
	u64 *rte = &io->redir[pin];
	struct v3_apic_msg *msg;
	u8 dm = ioapic_dm(*rte);

	switch (dm) {
	case V3_APIC_FIXED:
	case V3_APIC_LOWEST:
	case V3_APIC_SMI:
	case V3_APIC_NMI:
	case V3_APIC_INIT:
	case V3_APIC_EXTINT:
		break;
	default:	/* reserved */
		return;
	}
	if (ioapic_level(*rte))
		*rte |= RTE_REMOTE_IRR;
	msg = &work->msg[work->nr++];
	memset(msg, 0, sizeof(*msg));
	msg->vector = *rte & RTE_VECTOR;
	msg->delivery = dm;
	msg->level = ioapic_level(*rte);
	msg->logical = *rte & RTE_LOGICAL;
	msg->dest = *rte >> RTE_DEST_SHIFT;
	msg->src_id = io->id;	/* unused: no shorthand */
}

/* A level-triggered pin that should send now */
static bool ioapic_level_due(const struct v3_ioapic *io, unsigned int pin)
{
	u64 rte = io->redir[pin];

	return ioapic_level(rte) && !(rte & (RTE_MASKED | RTE_REMOTE_IRR)) &&
	       (io->lines & BIT(pin));
}

static void ioapic_finish(struct v3_ioapic *io, const struct ioapic_work *work)
{
	unsigned int i;

	if (!io->ops || !io->ops->send)
		return;
	for (i = 0; i < work->nr; i++)
		io->ops->send(io->priv, &work->msg[i]);
}

static u32 ioapic_read_reg(const struct v3_ioapic *io, u8 reg)
{
	unsigned int pin;
	u64 rte;

	switch (reg) {
	case IOAPIC_REG_ID:
	case IOAPIC_REG_ARB:
		return (u32)io->id << IOAPIC_ID_SHIFT;
	case IOAPIC_REG_VERSION:
		return IOAPIC_VERSION_VAL;
	}
	if (reg < IOAPIC_REG_REDIR ||
	    reg >= IOAPIC_REG_REDIR + 2 * V3_IOAPIC_PINS)
		return 0;
	pin = (reg - IOAPIC_REG_REDIR) / 2;
	rte = io->redir[pin];
	return reg & 1 ? rte >> 32 : (u32)rte;
}

static void ioapic_write_reg(struct v3_ioapic *io, u8 reg, u32 val,
			     struct ioapic_work *work)
{
	unsigned int pin;
	u64 *rte;

	if (reg == IOAPIC_REG_ID) {
		io->id = (val >> IOAPIC_ID_SHIFT) & IOAPIC_ID_MASK;
		return;
	}
	if (reg < IOAPIC_REG_REDIR ||
	    reg >= IOAPIC_REG_REDIR + 2 * V3_IOAPIC_PINS)
		return;	/* version, arbitration, reserved: read-only */
	pin = (reg - IOAPIC_REG_REDIR) / 2;
	rte = &io->redir[pin];
	if (reg & 1) {
		*rte = (*rte & ~(RTE_HI_WRITABLE << 32)) |
		       ((u64)(val & RTE_HI_WRITABLE) << 32);
		return;
	}
	/* the high word and remote IRR are kept, delivery status reads 0 */
	*rte = (*rte & (RTE_HI_WRITABLE << 32 | RTE_REMOTE_IRR)) |
	       (val & RTE_LO_WRITABLE);
	/* only a level-triggered pin has a remote IRR */
	if (!ioapic_level(*rte))
		*rte &= ~RTE_REMOTE_IRR;
	if (ioapic_level_due(io, pin))
		ioapic_send(io, pin, work);
}

int v3_ioapic_access(struct v3_ioapic *io, u32 offset, void *data,
		     unsigned int len, bool write)
{
	struct ioapic_work work = { };
	unsigned long flags;
	u32 val = 0;

	if (len != sizeof(val) ||
	    (offset != IOAPIC_IOREGSEL && offset != IOAPIC_IOWIN)) {
		if (!write)
			memset(data, 0, len);
		return 0;
	}
	if (write)
		memcpy(&val, data, sizeof(val));

	flags = v3_host_spin_lock_irqsave(io->lock);
	if (offset == IOAPIC_IOREGSEL) {
		if (write)
			io->ioregsel = val & 0xff;
		else
			val = io->ioregsel;
	} else if (write) {
		ioapic_write_reg(io, io->ioregsel, val, &work);
	} else {
		val = ioapic_read_reg(io, io->ioregsel);
	}
	v3_host_spin_unlock_irqrestore(io->lock, flags);

	if (!write)
		memcpy(data, &val, sizeof(val));
	ioapic_finish(io, &work);
	return 0;
}

void v3_ioapic_set_irq(struct v3_ioapic *io, unsigned int pin, bool level)
{
	struct ioapic_work work = { };
	unsigned long flags;
	bool rising;
	u64 rte;

	if (pin >= V3_IOAPIC_PINS)
		return;
	flags = v3_host_spin_lock_irqsave(io->lock);
	rising = level && !(io->lines & BIT(pin));
	if (level)
		io->lines |= BIT(pin);
	else
		io->lines &= ~BIT(pin);
	rte = io->redir[pin];
	if (ioapic_level(rte)) {
		if (ioapic_level_due(io, pin))
			ioapic_send(io, pin, &work);
	} else if (rising && !(rte & RTE_MASKED)) {
		ioapic_send(io, pin, &work);
	}
	v3_host_spin_unlock_irqrestore(io->lock, flags);
	ioapic_finish(io, &work);
}

void v3_ioapic_eoi(struct v3_ioapic *io, u8 vector)
{
	struct ioapic_work work = { };
	unsigned long flags;
	unsigned int pin;
	u32 pins = 0;

	flags = v3_host_spin_lock_irqsave(io->lock);
	for (pin = 0; pin < V3_IOAPIC_PINS; pin++) {
		u64 *rte = &io->redir[pin];

		if ((*rte & RTE_VECTOR) != vector)
			continue;
		pins |= BIT(pin);
		if (!(*rte & RTE_REMOTE_IRR))
			continue;
		*rte &= ~RTE_REMOTE_IRR;
		if (ioapic_level_due(io, pin))
			ioapic_send(io, pin, &work);
	}
	v3_host_spin_unlock_irqrestore(io->lock, flags);
	ioapic_finish(io, &work);
	for (pin = 0; pins && io->ops && io->ops->eoi; pin++, pins >>= 1)
		if (pins & 1)
			io->ops->eoi(io->priv, pin);
}

int v3_ioapic_init(struct v3_ioapic *io, u8 id,
		   const struct v3_ioapic_ops *ops, void *priv)
{
	unsigned int pin;

	memset(io, 0, sizeof(*io));
	io->id = id & IOAPIC_ID_MASK;
	io->ops = ops;
	io->priv = priv;
	for (pin = 0; pin < V3_IOAPIC_PINS; pin++)
		io->redir[pin] = RTE_MASKED;
	io->lock = v3_host_spinlock_alloc();
	if (!io->lock)
		return -ENOMEM;
	return 0;
}

void v3_ioapic_free(struct v3_ioapic *io)
{
	/* init failed, or freed already */
	if (!io->lock)
		return;
	v3_host_spinlock_free(io->lock);
	io->lock = NULL;
}
