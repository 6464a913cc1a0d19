// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios host interface on Linux: host interrupts taken for the core.
 *
 * A hooked line is requested once, by the number the caller names.  The
 * handler masks the line before it hands the interrupt to the core, and the
 * core unmasks it with v3_host_ack_irq() once the guest has serviced its
 * device, so that a level-triggered line cannot storm the host meanwhile.
 */
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/slab.h>

#include <palacios/host.h>

#include "glue.h"

struct v3_host_irq {
	unsigned int irq;
	v3_irq_handler_t handler;
	void *data;
	unsigned long masked;	/* bit 0: masked by pal_irq_handler() */
	char *name;		/* request_irq() keeps the pointer */
};

static irqreturn_t pal_irq_handler(int irq, void *dev_id)
{
	struct v3_host_irq *hirq = dev_id;

	if (!test_and_set_bit(0, &hirq->masked))
		disable_irq_nosync(irq);
	hirq->handler(hirq->irq, hirq->data);
	return IRQ_HANDLED;
}

int v3_host_hook_irq(unsigned int irq, v3_irq_handler_t handler, void *data,
		     const char *name, struct v3_host_irq **out)
{
	struct v3_host_irq *hirq;
	int err;

	if (!irq_get_irq_data(irq))
		return -EINVAL;

	hirq = kzalloc(sizeof(*hirq), GFP_KERNEL);
	if (!hirq)
		return -ENOMEM;
	hirq->irq = irq;
	hirq->handler = handler;
	hirq->data = data;
	hirq->name = kstrdup(name, GFP_KERNEL);
	if (!hirq->name) {
		kfree(hirq);
		return -ENOMEM;
	}

	/* No IRQF_SHARED: a line given to a guest belongs to it alone. */
	err = request_irq(irq, pal_irq_handler, 0, hirq->name, hirq);
	if (err) {
		kfree(hirq->name);
		kfree(hirq);
		return err;
	}
	*out = hirq;
	return 0;
}

void v3_host_ack_irq(struct v3_host_irq *hirq)
{
	/* A guest may acknowledge twice: unmask only what the handler masked. */
	if (test_and_clear_bit(0, &hirq->masked))
		enable_irq(hirq->irq);
}

bool v3_host_irq_is_level(const struct v3_host_irq *hirq)
{
	struct irq_data *d = irq_get_irq_data(hirq->irq);

	return d && irqd_is_level_type(d);
}

void v3_host_unhook_irq(struct v3_host_irq *hirq)
{
	free_irq(hirq->irq, hirq);
	kfree(hirq->name);
	kfree(hirq);
}
