// SPDX-License-Identifier: GPL-2.0-only
/*
 * The board of a VM: the PC its devices make up (see <palacios/board.h>
 * and <palacios/devices.h>).
 *
 * The board owns the table of the devices (create, stop, free), their
 * ports and lines, and the routing of the ISA lines: each drives the PIC
 * and the I/O APIC, and the guest's EOI of a line, at either, goes to the
 * board's EOI notifier.  The VM reaches its devices only through here.
 */
#include <linux/array_size.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/sprintf.h>
#include <linux/string.h>
#include <linux/stringify.h>
#include <linux/types.h>

#include <palacios/board.h>
#include <palacios/devices.h>
#include <palacios/guest.h>
#include <palacios/host.h>
#include <palacios/image.h>
#include <palacios/io.h>
#include <palacios/lapic.h>
#include <palacios/log.h>
#include <palacios/vm.h>

bool v3_intr_pending(struct v3_vcpu *vcpu)
{
	if (v3_lapic_pending(&vcpu->lapic) >= 0)
		return true;
	/*
	 * The PIC's output, through LINT0 in ExtINT mode (virtual wire).  The
	 * PIC's lock-free check first: the APIC's takes its lock, on every
	 * VM entry.
	 */
	return v3_pic_pending(&vcpu->vm->board->pic) &&
	       v3_lapic_extint(&vcpu->lapic);
}

u8 v3_intr_ack(struct v3_vcpu *vcpu)
{
	if (v3_lapic_pending(&vcpu->lapic) >= 0)
		return v3_lapic_ack(&vcpu->lapic);
	return v3_pic_ack(&vcpu->vm->board->pic);
}

void v3_vm_set_irq(struct v3_vm *vm, unsigned int irq, bool level)
{
	struct v3_board *b = vm->board;

	v3_pic_set_irq(&b->pic, irq, level);
	/* The MADT says so: ISA IRQ 0 is pin 2 of the I/O APIC. */
	v3_ioapic_set_irq(&b->ioapic, irq ? irq : 2, level);
}

void v3_board_set_eoi_notifier(struct v3_vm *vm,
			       void (*fn)(struct v3_vm *vm, unsigned int line))
{
	WRITE_ONCE(vm->board->eoi_notify, fn);
}

static void board_eoi(struct v3_board *b, unsigned int line)
{
	void (*fn)(struct v3_vm *vm, unsigned int line);

	fn = READ_ONCE(b->eoi_notify);
	if (fn)
		fn(b->vm, line);
}

void v3_board_apic_eoi(struct v3_vm *vm, u8 vector)
{
	v3_ioapic_eoi(&vm->board->ioapic, vector);
}

/* The PIC asks for the CPU: wake vCPU 0, or make it exit the guest. */
static void board_pic_notify(void *priv)
{
	struct v3_vm *vm = priv;

	if (vm->vcpus)
		v3_vcpu_kick(vm->vcpus[0]);
}

static void board_pic_eoi(void *priv, unsigned int irq)
{
	struct v3_vm *vm = priv;

	board_eoi(vm->board, irq);
}

static int board_pic_create(struct v3_board *b)
{
	int err;

	err = v3_pic_init(&b->pic, &b->vm->io, board_pic_notify, b->vm);
	if (err)
		return err;
	b->pic.eoi = board_pic_eoi;
	return 0;
}

static void board_pic_free(struct v3_board *b)
{
	v3_pic_free(&b->pic, &b->vm->io);
}

static void board_ioapic_send(void *priv, const struct v3_apic_msg *msg)
{
	v3_vm_apic_send(priv, msg);
}

/* Pins 0 to 15 are the ISA lines, the PIC's inputs; line 0 is pin 2. */
static void board_ioapic_eoi(void *priv, unsigned int pin)
{
	struct v3_vm *vm = priv;

	if (pin < V3_PIC_NR_IRQS)
		board_eoi(vm->board, pin == 2 ? 0 : pin);
}

static const struct v3_ioapic_ops board_ioapic_ops = {
	.send = board_ioapic_send,
	.eoi = board_ioapic_eoi,
};

static int board_ioapic_access(u64 gpa, void *data, unsigned int len,
			       bool write, void *priv)
{
	struct v3_board *b = priv;

	return v3_ioapic_access(&b->ioapic, gpa - V3_IOAPIC_GPA, data, len,
				write);
}

static int board_ioapic_create(struct v3_board *b)
{
	int err;

	err = v3_ioapic_init(&b->ioapic, V3_IOAPIC_ID, &board_ioapic_ops,
			     b->vm);
	if (err)
		return err;
	return v3_range_hook(&b->vm->mmio, V3_IOAPIC_GPA,
			     V3_IOAPIC_GPA + V3_IOAPIC_SIZE - 1,
			     board_ioapic_access, b);
}

static void board_ioapic_free(struct v3_board *b)
{
	v3_ioapic_free(&b->ioapic);
}

static void board_com1_sink(void *priv, const u8 *buf, unsigned int len)
{
	v3_vm_console_out(priv, buf, len);
}

static void board_com1_irq(void *priv, bool level)
{
	v3_vm_set_irq(priv, V3_COM1_IRQ, level);
}

static int board_com1_create(struct v3_board *b)
{
	return v3_uart_init(&b->com1, &b->vm->io, V3_COM1_BASE,
			    board_com1_sink, board_com1_irq, b->vm);
}

static void board_com1_free(struct v3_board *b)
{
	if (b->com1.lock)
		v3_uart_free(&b->com1, &b->vm->io);
}

unsigned int v3_vm_console_input(struct v3_vm *vm, const u8 *buf,
				 unsigned int len)
{
	return v3_uart_input(&vm->board->com1, buf, len);
}

unsigned int v3_vm_console_room(struct v3_vm *vm)
{
	return v3_uart_rx_room(&vm->board->com1);
}

static void board_irq0(void *priv, bool level)
{
	v3_vm_set_irq(priv, 0, level);
}

static int board_pit_create(struct v3_board *b)
{
	return v3_pit_init(&b->pit, &b->vm->io, board_irq0, b->vm);
}

static void board_pit_stop(struct v3_board *b)
{
	v3_pit_stop(&b->pit);
}

static void board_pit_free(struct v3_board *b)
{
	v3_pit_free(&b->pit, &b->vm->io);
}

static void board_irq8(void *priv, bool level)
{
	v3_vm_set_irq(priv, V3_RTC_IRQ, level);
}

static int board_rtc_create(struct v3_board *b)
{
	return v3_rtc_init(&b->rtc, &b->vm->io, board_irq8, b->vm);
}

static void board_rtc_stop(struct v3_board *b)
{
	v3_rtc_stop(&b->rtc);
}

static void board_rtc_free(struct v3_board *b)
{
	v3_rtc_free(&b->rtc, &b->vm->io);
}

/* Soft off (ACPI S5) is the guest's poweroff. */
static void board_sleep(void *priv, unsigned int slp_typ)
{
	struct v3_vm *vm = priv;

	if (slp_typ == V3_ACPI_SLP_TYP_S5)
		v3_vm_end(vm, V3_LOG_INFO, "shutdown");
}

static int board_acpi_create(struct v3_board *b)
{
	return v3_acpi_init(&b->acpi, &b->vm->io, board_sleep, b->vm);
}

static void board_acpi_free(struct v3_board *b)
{
	v3_acpi_free(&b->acpi, &b->vm->io);
}

/* A reset stops the VM: its owner may start it again from its image. */
static void board_reset(void *priv)
{
	v3_vm_end(priv, V3_LOG_INFO, "reset");
}

static int board_kbc_create(struct v3_board *b)
{
	return v3_i8042_init(&b->kbc, &b->vm->io, board_reset, b->vm);
}

static void board_kbc_free(struct v3_board *b)
{
	v3_i8042_free(&b->kbc, &b->vm->io);
}

/* Port 0x80: POST codes, which firmware and kernels write as a delay. */
static int board_post_access(u64 port, void *data, unsigned int len,
			     bool write, void *priv)
{
	struct v3_board *b = priv;

	if (write)
		b->post = *(u8 *)data;
	else
		memset(data, b->post, len);
	return 0;
}

static int board_post_create(struct v3_board *b)
{
	return v3_range_hook(&b->vm->io, V3_PORT_POST, V3_PORT_POST,
			     board_post_access, b);
}

/* guest time 0 (a host without a TSC frequency offers no clock) */
static int board_pvclock_create(struct v3_board *b)
{
	v3_pvclock_init(&b->pvclock);
	return 0;
}

/* The virtio entropy device, the first at %V3_VIRTIO_MMIO_BASE */
static int board_rng_create(struct v3_board *b)
{
	int err;

	b->rng_chain = v3_host_zalloc(sizeof(*b->rng_chain));
	if (!b->rng_chain)
		return -ENOMEM;
	err = v3_virtio_init(&b->rng, b->vm, &v3_virtio_rng_ops, b->rng_chain,
			     V3_VIRTIO_MMIO_BASE, V3_VIRTIO_RNG_IRQ);
	if (err) {
		v3_host_free(b->rng_chain);
		b->rng_chain = NULL;
	}
	return err;
}

static void board_rng_free(struct v3_board *b)
{
	v3_virtio_free(&b->rng);
	v3_host_free(b->rng_chain);
	b->rng_chain = NULL;
}

/* Append @dev's virtio_mmio.device= (its window's size, address, line). */
static int board_cmdline_dev(char *buf, unsigned int size, int n,
			     const struct v3_virtio *dev)
{
	char one[64];
	int k;

	k = snprintf(one, sizeof(one), "virtio_mmio.device=%uK@0x%llx:%u ",
		     V3_VIRTIO_MMIO_SIZE / 1024, dev->base, dev->irq);
	if ((unsigned int)(n + k) < size)
		memcpy(buf + n, one, k + 1);
	return n + k;
}

/*
 * Whether @vm takes a device (@what, for the refusal's line) now; called
 * with vm->lock held.  Devices come before the guest; @full says the board
 * has no room for another (refused with @full_err, saying @why).
 */
static int board_may_add(struct v3_vm *vm, const char *what, bool full,
			 int full_err, const char *why)
{
	if (v3_vm_state(vm) != V3_VM_CREATED) {
		v3_err_ratelimited("vm %s: %s refused: the VM has a guest loaded already\n",
				   vm->name, what);
		return -EBUSY;
	}
	if (full) {
		v3_err_ratelimited("vm %s: %s refused: %s\n", vm->name, what,
				   why);
		return full_err;
	}
	return 0;
}

int v3_vm_add_disk(struct v3_vm *vm, struct v3_host_file *file, u64 size,
		   bool ro)
{
	struct v3_board *b = vm->board;
	struct v3_virtio_blk *d;
	unsigned int n;
	char id[16];
	int err;

	v3_host_mutex_lock(vm->lock);
	n = b->nr_disks;
	err = board_may_add(vm, "disk", n >= V3_BOARD_MAX_DISKS, -ENOSPC,
			    "a VM has at most " __stringify(V3_BOARD_MAX_DISKS) " disks");
	if (err)
		goto out;
	d = v3_host_zalloc(sizeof(*d));
	if (!d) {
		err = -ENOMEM;
		goto out;
	}
	snprintf(id, sizeof(id), "palacios-%u", n);
	err = v3_virtio_blk_init(d, vm, file, size, ro, id,
				 V3_VIRTIO_MMIO_BASE + (n + 1) * V3_VIRTIO_MMIO_SIZE,
				 V3_VIRTIO_BLK_IRQ0 + n);
	if (err) {
		v3_err_ratelimited("vm %s: disk refused: error %d (a disk of %llu bytes)\n",
				   vm->name, err, size);
		v3_host_free(d);
		goto out;
	}
	b->disk[n] = d;
	b->nr_disks = n + 1;
	v3_info("vm %s: disk %u: %llu sectors%s, at 0x%llx on line %u\n",
		vm->name, n, d->sectors, ro ? ", read-only" : "", d->dev.base,
		d->dev.irq);
out:
	v3_host_mutex_unlock(vm->lock);
	return err;
}

static void board_disks_free(struct v3_board *b)
{
	unsigned int i;

	for (i = 0; i < b->nr_disks; i++) {
		v3_virtio_blk_free(b->disk[i]);
		v3_host_free(b->disk[i]);
		b->disk[i] = NULL;
	}
	b->nr_disks = 0;
}

static int board_cmdline_disks(struct v3_board *b, char *buf,
			       unsigned int size, int n)
{
	unsigned int i;

	for (i = 0; i < b->nr_disks; i++)
		n = board_cmdline_dev(buf, size, n, &b->disk[i]->dev);
	return n;
}

int v3_vm_add_nic(struct v3_vm *vm, struct v3_host_net *net, const u8 *mac)
{
	struct v3_board *b = vm->board;
	struct v3_virtio_net *n;
	u8 addr[6];
	int err;

	if (mac) {
		memcpy(addr, mac, sizeof(addr));
	} else {
		v3_host_random_bytes(addr, sizeof(addr));
		/* unicast, locally administered */
		addr[0] = (addr[0] & 0xfe) | 0x02;
	}
	v3_host_mutex_lock(vm->lock);
	err = board_may_add(vm, "network device", b->nic, -EEXIST,
			    "a VM has one");
	if (err)
		goto out;
	n = v3_host_zalloc(sizeof(*n));
	if (!n) {
		err = -ENOMEM;
		goto out;
	}
	err = v3_virtio_net_init(n, vm, net, addr, V3_VIRTIO_NET_BASE,
				 V3_VIRTIO_NET_IRQ);
	if (err) {
		v3_err_ratelimited("vm %s: network device refused: error %d%s\n",
				   vm->name, err,
				   err == -EINVAL ? " (a multicast MAC)" : "");
		v3_host_free(n);
		goto out;
	}
	b->nic = n;
	v3_info("vm %s: network device: MAC %02x:%02x:%02x:%02x:%02x:%02x, at 0x%llx on line %u\n",
		vm->name, addr[0], addr[1], addr[2], addr[3], addr[4], addr[5],
		n->dev.base, n->dev.irq);
out:
	v3_host_mutex_unlock(vm->lock);
	return err;
}

/* Frames no longer arrive once the vCPUs stopped. */
static void board_nic_stop(struct v3_board *b)
{
	if (b->nic)
		v3_virtio_net_stop(b->nic);
}

static void board_nic_free(struct v3_board *b)
{
	if (!b->nic)
		return;
	v3_virtio_net_free(b->nic);
	v3_host_free(b->nic);
	b->nic = NULL;
}

int v3_vm_add_channel(struct v3_vm *vm, struct v3_host_chan *chan)
{
	struct v3_board *b = vm->board;
	struct v3_virtio_con *c;
	int err;

	v3_host_mutex_lock(vm->lock);
	err = board_may_add(vm, "console", b->con, -EEXIST, "a VM has one");
	if (err)
		goto out;
	c = v3_host_zalloc(sizeof(*c));
	if (!c) {
		err = -ENOMEM;
		goto out;
	}
	err = v3_virtio_con_init(c, vm, chan, V3_VIRTIO_CON_BASE,
				 V3_VIRTIO_CON_IRQ);
	if (err) {
		v3_err_ratelimited("vm %s: console refused: error %d\n",
				   vm->name, err);
		v3_host_free(c);
		goto out;
	}
	b->con = c;
	v3_info("vm %s: virtio console at 0x%llx on line %u\n", vm->name,
		c->dev.base, c->dev.irq);
out:
	v3_host_mutex_unlock(vm->lock);
	return err;
}

/* The host's bytes no longer arrive once the vCPUs stopped. */
static void board_con_stop(struct v3_board *b)
{
	if (b->con)
		v3_virtio_con_stop(b->con);
}

static void board_con_free(struct v3_board *b)
{
	if (!b->con)
		return;
	v3_virtio_con_free(b->con);
	v3_host_free(b->con);
	b->con = NULL;
}

int v3_board_cmdline(struct v3_vm *vm, char *buf, unsigned int size)
{
	struct v3_board *b = vm->board;
	int n = 0;

	if (size)
		buf[0] = 0;
	/* a VM being built, without its board */
	if (!b || !b->rng_chain)
		return 0;
	n = board_cmdline_dev(buf, size, n, &b->rng);
	n = board_cmdline_disks(b, buf, size, n);
	if (b->nic)
		n = board_cmdline_dev(buf, size, n, &b->nic->dev);
	if (b->con)
		n = board_cmdline_dev(buf, size, n, &b->con->dev);
	return n;
}

/* The host devices go back once the vCPUs no longer run. */
static void board_pt_stop(struct v3_board *b)
{
	v3_pt_release(b->vm);
}

/*
 * The devices, in the order they are created; they are freed in the
 * reverse order, the timers and COM1 before the interrupt controllers
 * they drive.
 */
static const struct v3_board_dev v3_board_devs[] = {
	{ "pic", board_pic_create, NULL, board_pic_free },
	{ "ioapic", board_ioapic_create, NULL, board_ioapic_free },
	{ "com1", board_com1_create, NULL, board_com1_free },
	{ "pit", board_pit_create, board_pit_stop, board_pit_free },
	{ "rtc", board_rtc_create, board_rtc_stop, board_rtc_free },
	{ "acpi", board_acpi_create, NULL, board_acpi_free },
	{ "i8042", board_kbc_create, NULL, board_kbc_free },
	{ "post", board_post_create, NULL, NULL },
	{ "pvclock", board_pvclock_create, NULL, NULL },
	{ "virtio-rng", board_rng_create, NULL, board_rng_free },
	{ "disks", NULL, NULL, board_disks_free },
	{ "nic", NULL, board_nic_stop, board_nic_free },
	{ "console", NULL, board_con_stop, board_con_free },
	{ "passthrough", NULL, board_pt_stop, NULL },
};

int v3_board_create(struct v3_vm *vm)
{
	struct v3_board *b;
	unsigned int i;
	int err;

	b = v3_host_zalloc(sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->vm = vm;
	vm->board = b;
	for (i = 0; i < ARRAY_SIZE(v3_board_devs); i++) {
		if (!v3_board_devs[i].create)
			continue;
		err = v3_board_devs[i].create(b);
		if (err) {
			v3_debug("vm %s: board: %s: error %d\n", vm->name,
				 v3_board_devs[i].name, err);
			return err;
		}
	}
	return 0;
}

void v3_board_stop(struct v3_vm *vm)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(v3_board_devs); i++)
		if (v3_board_devs[i].stop)
			v3_board_devs[i].stop(vm->board);
}

void v3_board_free(struct v3_vm *vm)
{
	struct v3_board *b = vm->board;
	unsigned int i;

	if (!b)
		return;
	for (i = ARRAY_SIZE(v3_board_devs); i-- > 0;)
		if (v3_board_devs[i].free)
			v3_board_devs[i].free(b);
	vm->board = NULL;
	v3_host_free(b);
}
