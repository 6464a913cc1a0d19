// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios core: the i8259A interrupt controller pair of a PC.
 *
 * The registers follow the Intel 8259A data sheet, wired as on a PC: the
 * slave's INT output drives the master's IR2, and the ELCR of a PIIX-style
 * chipset selects level-triggered inputs.  Where the model chooses:
 *
 * - The wiring is fixed: ICW3 is accepted and ignored, and ICW1's SNGL bit
 *   only tells whether an ICW3 follows.  ICW1's LTIM bit is ignored too: the
 *   ELCR alone selects level triggering, as on the chipsets that have one.
 *   ICW4's buffered mode and 8080 mode bits have no effect.
 * - An edge-triggered request stays latched in IRR until it is
 *   acknowledged, even if the line falls before that; a level-triggered
 *   one is in IRR exactly while its line is high.
 * - ICW1 clears IRR (the edge latches), ISR and IMR, so after it an edge
 *   input needs a new rising edge.  A change of the ELCR does the same for
 *   the inputs it makes edge-triggered.
 * - The slave's INT output falls during an INTA cycle that acknowledges
 *   it, so a slave that still asks afterwards latches IR2 of the master
 *   anew.
 * - A poll read acknowledges like an INTA cycle, on the polled chip only.
 *   With nothing to deliver it reads 0.
 * - IRQ 2 of v3_pic_set_irq() is the cascade input, driven by the slave
 *   only: setting it from outside does nothing.
 * - notify is called at most once per port access or call, however many
 *   times the output rose within it.
 */
#include <linux/array_size.h>
#include <linux/bits.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>

#include <palacios/host.h>
#include <palacios/io.h>
#include <palacios/log.h>
#include <palacios/pic.h>

#define PIC_MASTER		0
#define PIC_SLAVE		1
#define PIC_CASCADE_IR		2

#define PIC_MASTER_CMD		0x20
#define PIC_MASTER_DATA		0x21
#define PIC_SLAVE_CMD		0xa0
#define PIC_SLAVE_DATA		0xa1
#define PIC_ELCR_MASTER		0x4d0
#define PIC_ELCR_SLAVE		0x4d1

/* ELCR bits that can be set: IRQ 0, 1, 2, 8 and 13 are edge-triggered. */
#define PIC_ELCR_MASTER_MASK	0xf8
#define PIC_ELCR_SLAVE_MASK	0xde

#define PIC_MASTER_RESET_BASE	0x08
#define PIC_SLAVE_RESET_BASE	0x70

/* What v3_pic_chip.init_step holds besides the next ICW's number */
#define PIC_INIT_SINGLE		BIT(7)	/* no ICW3 in this sequence */
#define PIC_INIT_STEP_MASK	0x0f

#define ICW1_IC4		BIT(0)
#define ICW1_SNGL		BIT(1)
#define ICW1			BIT(4)	/* a command byte with D4 set */

#define ICW4_AEOI		BIT(1)
#define ICW4_SFNM		BIT(4)

#define OCW3			BIT(3)	/* a command byte with D4 clear */
#define OCW3_RIS		BIT(0)
#define OCW3_RR			BIT(1)
#define OCW3_POLL		BIT(2)
#define OCW3_SMM		BIT(5)
#define OCW3_ESMM		BIT(6)

/* OCW2: R, SL and EOI in bits 7-5, the level in bits 2-0 */
#define OCW2_CMD(val)		((val) >> 5)
#define OCW2_LEVEL(val)		((val) & 7)
#define OCW2_ROTATE_AEOI_CLEAR	0
#define OCW2_EOI		1
#define OCW2_NOP		2
#define OCW2_SPECIFIC_EOI	3
#define OCW2_ROTATE_AEOI_SET	4
#define OCW2_ROTATE_EOI		5
#define OCW2_SET_PRIORITY	6
#define OCW2_ROTATE_SPECIFIC	7

#define POLL_INT		BIT(7)

/* No IR: what the priority helpers return for an empty set */
#define PIC_NONE		8

/* The priority of an IR, 0 the highest, given the rotation. */
static unsigned int pic_prio(const struct v3_pic_chip *c, unsigned int ir)
{
	return (ir - c->lowest - 1) & 7;
}

/* The IR of highest priority in @set, or PIC_NONE. */
static unsigned int pic_highest(const struct v3_pic_chip *c, u8 set)
{
	unsigned int i, ir;

	for (i = 0; i < 8; i++) {
		ir = (c->lowest + 1 + i) & 7;
		if (set & BIT(ir))
			return ir;
	}
	return PIC_NONE;
}

/*
 * The IR the chip would deliver now, or PIC_NONE: the unmasked request of
 * highest priority, if nothing of equal or higher priority is in service.
 * In special mask mode the masked in-service levels do not count; in
 * special fully nested mode the master lets IR2 through while only IR2
 * (another of the slave's inputs) is in service.
 */
static unsigned int pic_request(const struct v3_pic_chip *c, bool master)
{
	u8 in_service = c->isr;
	unsigned int ir, busy;

	ir = pic_highest(c, c->irr & ~c->imr);
	if (ir == PIC_NONE)
		return PIC_NONE;
	if (c->special_mask)
		in_service &= ~c->imr;
	busy = pic_highest(c, in_service);
	if (busy == PIC_NONE || pic_prio(c, ir) < pic_prio(c, busy))
		return ir;
	if (master && c->sfnm && ir == PIC_CASCADE_IR && busy == ir)
		return ir;
	return PIC_NONE;
}

static void pic_set_line(struct v3_pic_chip *c, unsigned int ir, bool level)
{
	u8 bit = BIT(ir);

	if (level) {
		if (!(c->lines & bit) || (c->elcr & bit))
			c->irr |= bit;
		c->lines |= bit;
	} else {
		c->lines &= ~bit;
		if (c->elcr & bit)
			c->irr &= ~bit;
	}
}

/* Put @ir in service, or just take it in AEOI mode; the INTA cycle. */
static void pic_chip_ack(struct v3_pic_chip *c, unsigned int ir)
{
	u8 bit = BIT(ir);

	if (!(c->elcr & bit))
		c->irr &= ~bit;
	if (c->auto_eoi) {
		if (c->rotate_on_aeoi)
			c->lowest = ir;
	} else {
		c->isr |= bit;
	}
}

/*
 * Recompute the slave's output into the master's IR2 and the master's
 * output.  Return: true if the master's output rose.
 */
static bool pic_update(struct v3_pic *pic)
{
	struct v3_pic_chip *slave = &pic->chip[PIC_SLAVE];
	struct v3_pic_chip *master = &pic->chip[PIC_MASTER];
	bool out, rose;

	pic_set_line(master, PIC_CASCADE_IR,
		     pic_request(slave, false) != PIC_NONE);
	out = pic_request(master, true) != PIC_NONE;
	rose = out && !pic->output;
	WRITE_ONCE(pic->output, out);
	return rose;
}

static void pic_chip_reset(struct v3_pic_chip *c, u8 vector_base)
{
	memset(c, 0, sizeof(*c));
	c->imr = 0xff;
	c->vector_base = vector_base;
	c->lowest = 7;
}

static void pic_write_icw1(struct v3_pic_chip *c, u8 val)
{
	c->irr = c->lines & c->elcr;	/* the edge sense latches are reset */
	c->isr = 0;
	c->imr = 0;
	c->lowest = 7;
	c->special_mask = false;
	c->read_isr = false;
	c->poll = false;
	c->auto_eoi = false;
	c->sfnm = false;
	c->rotate_on_aeoi = false;
	c->icw4_needed = val & ICW1_IC4;
	c->init_step = 2;
	if (val & ICW1_SNGL)
		c->init_step |= PIC_INIT_SINGLE;
}

static void pic_write_ocw2(struct v3_pic_chip *c, u8 val)
{
	unsigned int level = OCW2_LEVEL(val);
	unsigned int ir;

	switch (OCW2_CMD(val)) {
	case OCW2_ROTATE_AEOI_CLEAR:
		c->rotate_on_aeoi = false;
		break;
	case OCW2_ROTATE_AEOI_SET:
		c->rotate_on_aeoi = true;
		break;
	case OCW2_EOI:
	case OCW2_ROTATE_EOI:
		ir = pic_highest(c, c->isr);
		if (ir == PIC_NONE)
			break;
		c->isr &= ~BIT(ir);
		if (OCW2_CMD(val) == OCW2_ROTATE_EOI)
			c->lowest = ir;
		break;
	case OCW2_SPECIFIC_EOI:
		c->isr &= ~BIT(level);
		break;
	case OCW2_ROTATE_SPECIFIC:
		c->isr &= ~BIT(level);
		c->lowest = level;
		break;
	case OCW2_SET_PRIORITY:
		c->lowest = level;
		break;
	default:
		/* OCW2_NOP */
		break;
	}
}

static void pic_write_ocw3(struct v3_pic_chip *c, u8 val)
{
	if (val & OCW3_ESMM)
		c->special_mask = val & OCW3_SMM;
	if (val & OCW3_RR)
		c->read_isr = val & OCW3_RIS;
	c->poll = val & OCW3_POLL;
}

static void pic_write_cmd(struct v3_pic_chip *c, u8 val)
{
	if (val & ICW1)
		pic_write_icw1(c, val);
	else if (val & OCW3)
		pic_write_ocw3(c, val);
	else
		pic_write_ocw2(c, val);
}

static void pic_write_data(struct v3_pic_chip *c, u8 val)
{
	bool single = c->init_step & PIC_INIT_SINGLE;

	switch (c->init_step & PIC_INIT_STEP_MASK) {
	case 2:
		c->vector_base = val & 0xf8;
		if (!single)
			c->init_step = 3;
		else
			c->init_step = c->icw4_needed ? 4 : 0;
		break;
	case 3:
		/* ICW3: the cascade wiring of a PC is fixed */
		c->init_step = c->icw4_needed ? 4 : 0;
		break;
	case 4:
		c->auto_eoi = val & ICW4_AEOI;
		c->sfnm = val & ICW4_SFNM;
		c->init_step = 0;
		break;
	default:
		c->imr = val;		/* OCW1 */
		break;
	}
}

static void pic_write_elcr(struct v3_pic_chip *c, u8 val, u8 mask)
{
	u8 elcr = val & mask;
	u8 changed = c->elcr ^ elcr;

	c->elcr = elcr;
	/* New level inputs request while high; new edge ones need an edge. */
	c->irr &= ~changed;
	c->irr |= c->lines & elcr;
}

/* A poll read: like an INTA cycle on this chip alone. */
static u8 pic_read_poll(struct v3_pic_chip *c, bool master)
{
	unsigned int ir = pic_request(c, master);

	c->poll = false;
	if (ir == PIC_NONE)
		return 0;
	pic_chip_ack(c, ir);
	return POLL_INT | ir;
}

static u8 pic_read_cmd(struct v3_pic_chip *c, bool master)
{
	if (c->poll)
		return pic_read_poll(c, master);
	return c->read_isr ? c->isr : c->irr;
}

static void pic_write(struct v3_pic *pic, unsigned int port, u8 val)
{
	switch (port) {
	case PIC_MASTER_CMD:
		pic_write_cmd(&pic->chip[PIC_MASTER], val);
		break;
	case PIC_MASTER_DATA:
		pic_write_data(&pic->chip[PIC_MASTER], val);
		break;
	case PIC_SLAVE_CMD:
		pic_write_cmd(&pic->chip[PIC_SLAVE], val);
		break;
	case PIC_SLAVE_DATA:
		pic_write_data(&pic->chip[PIC_SLAVE], val);
		break;
	case PIC_ELCR_MASTER:
		pic_write_elcr(&pic->chip[PIC_MASTER], val,
			       PIC_ELCR_MASTER_MASK);
		break;
	case PIC_ELCR_SLAVE:
		pic_write_elcr(&pic->chip[PIC_SLAVE], val,
			       PIC_ELCR_SLAVE_MASK);
		break;
	default:
		break;
	}
}

/* The in-service bits of both chips as lines 0 to 15. */
static u16 pic_isr16(const struct v3_pic *pic)
{
	return pic->chip[PIC_MASTER].isr | pic->chip[PIC_SLAVE].isr << 8;
}

static u8 pic_read(struct v3_pic *pic, unsigned int port)
{
	switch (port) {
	case PIC_MASTER_CMD:
		return pic_read_cmd(&pic->chip[PIC_MASTER], true);
	case PIC_MASTER_DATA:
		return pic->chip[PIC_MASTER].imr;
	case PIC_SLAVE_CMD:
		return pic_read_cmd(&pic->chip[PIC_SLAVE], false);
	case PIC_SLAVE_DATA:
		return pic->chip[PIC_SLAVE].imr;
	case PIC_ELCR_MASTER:
		return pic->chip[PIC_MASTER].elcr;
	case PIC_ELCR_SLAVE:
		return pic->chip[PIC_SLAVE].elcr;
	default:
		return 0xff;	/* not reached: only our ports are hooked */
	}
}

/*
 * The port handler of the three ranges.  A wide access acts as byte
 * accesses to consecutive ports, lowest first; the registry only passes
 * accesses wholly inside one range.
 */
static int pic_access(u64 addr, void *data, unsigned int len, bool write,
		      void *priv)
{
	struct v3_pic *pic = priv;
	unsigned long flags;
	bool rose = false;
	u8 *bytes = data;
	unsigned int i;
	u16 isr, ended;

	flags = v3_host_spin_lock_irqsave(pic->lock);
	isr = pic_isr16(pic);
	for (i = 0; i < len; i++) {
		unsigned int port = (unsigned int)(addr + i);

		if (write)
			pic_write(pic, port, bytes[i]);
		else
			bytes[i] = pic_read(pic, port);
		rose |= pic_update(pic);
	}
	/* The master's IR2 is the cascade, not a line of its own. */
	ended = isr & ~pic_isr16(pic) & ~BIT(PIC_CASCADE_IR);
	v3_host_spin_unlock_irqrestore(pic->lock, flags);
	if (rose && pic->notify)
		pic->notify(pic->priv);
	for (i = 0; ended && pic->eoi && i < V3_PIC_NR_IRQS; i++)
		if (ended & BIT(i))
			pic->eoi(pic->priv, i);
	return 0;
}

static const u16 pic_ranges[][2] = {
	{ PIC_MASTER_CMD, PIC_MASTER_DATA },
	{ PIC_SLAVE_CMD, PIC_SLAVE_DATA },
	{ PIC_ELCR_MASTER, PIC_ELCR_SLAVE },
};

#define PIC_NR_RANGES	ARRAY_SIZE(pic_ranges)

int v3_pic_init(struct v3_pic *pic, struct v3_range_map *io,
		void (*notify)(void *priv), void *priv)
{
	unsigned int i;
	int err;

	memset(pic, 0, sizeof(*pic));
	pic_chip_reset(&pic->chip[PIC_MASTER], PIC_MASTER_RESET_BASE);
	pic_chip_reset(&pic->chip[PIC_SLAVE], PIC_SLAVE_RESET_BASE);
	pic->notify = notify;
	pic->priv = priv;

	pic->lock = v3_host_spinlock_alloc();
	if (!pic->lock)
		return -ENOMEM;
	for (i = 0; i < PIC_NR_RANGES; i++) {
		err = v3_range_hook(io, pic_ranges[i][0], pic_ranges[i][1],
				    pic_access, pic);
		if (err)
			goto unhook;
	}
	return 0;

unhook:
	v3_err("pic: cannot hook ports %#x-%#x: %d\n", pic_ranges[i][0],
	       pic_ranges[i][1], err);
	while (i--)
		v3_range_unhook(io, pic_ranges[i][0]);
	v3_host_spinlock_free(pic->lock);
	pic->lock = NULL;
	return err;
}

void v3_pic_free(struct v3_pic *pic, struct v3_range_map *io)
{
	unsigned int i;

	/* Init failed, or freed already: the ports may be another's now. */
	if (!pic->lock)
		return;
	for (i = 0; i < PIC_NR_RANGES; i++)
		v3_range_unhook(io, pic_ranges[i][0]);
	v3_host_spinlock_free(pic->lock);
	pic->lock = NULL;
}

void v3_pic_set_irq(struct v3_pic *pic, unsigned int irq, bool level)
{
	unsigned long flags;
	bool rose;

	if (irq >= V3_PIC_NR_IRQS) {
		v3_warn("pic: no IRQ %u\n", irq);
		return;
	}
	/* IRQ 2 is the cascade input: only the slave drives it. */
	if (irq == PIC_CASCADE_IR)
		return;
	flags = v3_host_spin_lock_irqsave(pic->lock);
	pic_set_line(&pic->chip[irq / 8], irq % 8, level);
	rose = pic_update(pic);
	v3_host_spin_unlock_irqrestore(pic->lock, flags);
	if (rose && pic->notify)
		pic->notify(pic->priv);
}

/*
 * Read without the lock: it is asked before every VM entry.  A request
 * that arrives just after comes with a kick; one that just went away makes
 * v3_pic_ack() return the spurious vector, as the chip would.
 */
bool v3_pic_pending(struct v3_pic *pic)
{
	return READ_ONCE(pic->output);
}

u8 v3_pic_ack(struct v3_pic *pic)
{
	struct v3_pic_chip *master = &pic->chip[PIC_MASTER];
	struct v3_pic_chip *slave = &pic->chip[PIC_SLAVE];
	unsigned int ir, sir;
	unsigned long flags;
	bool rose;
	u8 vector;

	flags = v3_host_spin_lock_irqsave(pic->lock);
	ir = pic_request(master, true);
	if (ir == PIC_NONE) {
		/* No ISR bit is set for a spurious IR7. */
		pic->spurious++;
		vector = master->vector_base + 7;
	} else if (ir != PIC_CASCADE_IR) {
		pic_chip_ack(master, ir);
		vector = master->vector_base + ir;
	} else {
		pic_chip_ack(master, ir);
		/* The slave's INT falls during the cycle. */
		pic_set_line(master, PIC_CASCADE_IR, false);
		sir = pic_request(slave, false);
		if (sir == PIC_NONE) {
			pic->spurious++;
			vector = slave->vector_base + 7;
		} else {
			pic_chip_ack(slave, sir);
			vector = slave->vector_base + sir;
		}
	}
	rose = pic_update(pic);
	v3_host_spin_unlock_irqrestore(pic->lock, flags);
	if (rose && pic->notify)
		pic->notify(pic->priv);
	return vector;
}
