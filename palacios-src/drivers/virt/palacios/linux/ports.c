// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios host interface on Linux: host I/O ports taken for the core.
 *
 * A range is claimed with request_region(), so it is refused while a host
 * driver (or another guest) holds any port of it, and /proc/ioports shows
 * the guest that owns it.
 */
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/slab.h>

#include <palacios/host.h>

struct v3_host_ports {
	u16 first;
	u32 count;
	char *name;		/* request_region() keeps the pointer */
};

int v3_host_claim_ports(u16 first, u32 count, const char *name,
			struct v3_host_ports **out)
{
	struct v3_host_ports *p;

	if (!count || first + count > 0x10000)
		return -EINVAL;
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	p->name = kstrdup(name, GFP_KERNEL);
	if (!p->name) {
		kfree(p);
		return -ENOMEM;
	}
	p->first = first;
	p->count = count;
	if (!request_region(first, count, p->name)) {
		kfree(p->name);
		kfree(p);
		return -EBUSY;
	}
	*out = p;
	return 0;
}

void v3_host_release_ports(struct v3_host_ports *p)
{
	release_region(p->first, p->count);
	kfree(p->name);
	kfree(p);
}

u32 v3_host_port_read(struct v3_host_ports *p, u16 port, unsigned int len)
{
	switch (len) {
	case 1:
		return inb(port);
	case 2:
		return inw(port);
	default:
		return inl(port);
	}
}

void v3_host_port_write(struct v3_host_ports *p, u16 port, unsigned int len,
			u32 val)
{
	switch (len) {
	case 1:
		outb(val, port);
		break;
	case 2:
		outw(val, port);
		break;
	default:
		outl(val, port);
		break;
	}
}
