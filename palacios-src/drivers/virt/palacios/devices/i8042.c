// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios core: the reset lines of a PC, the i8042 controller's and port
 * 0x92's.
 */
#include <linux/bits.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>

#include <palacios/host.h>
#include <palacios/i8042.h>
#include <palacios/io.h>
#include <palacios/log.h>

#define KBC_DATA	0x60
#define KBC_CMD		0x64		/* status when read */
#define PORT_A		0x92

#define ST_OBF		BIT(0)
#define ST_SYS		BIT(2)
#define ST_CMD		BIT(3)		/* the last write was a command */

#define CB_SYS		BIT(2)
#define CB_KBD_OFF	BIT(4)
#define CB_AUX_OFF	BIT(5)
#define CB_DEFAULT	0x65		/* IRQ 1, system flag, translate, no aux */

#define CMD_READ_CB	0x20
#define CMD_WRITE_CB	0x60
#define CMD_AUX_OFF	0xa7
#define CMD_AUX_ON	0xa8
#define CMD_AUX_TEST	0xa9
#define CMD_SELF_TEST	0xaa
#define CMD_KBD_TEST	0xab
#define CMD_KBD_OFF	0xad
#define CMD_KBD_ON	0xae
#define CMD_READ_OUT	0xd0
#define CMD_WRITE_OUT	0xd1
#define CMD_PULSE	0xf0		/* 0xf0-0xff: pulse the low 4 bits */

#define OUT_RESET	BIT(0)		/* active low */
#define OUT_A20		BIT(1)
#define SELF_TEST_OK	0x55
#define TEST_OK		0x00
#define AUX_TEST_FAIL	0x02		/* no mouse: its clock line stuck */

#define PORT_A_RESET	BIT(0)

static void kbc_answer(struct v3_i8042 *kbc, u8 val)
{
	kbc->out = val;
	kbc->out_full = true;
}

/* Return: true if the command pulls the reset line. */
static bool kbc_command(struct v3_i8042 *kbc, u8 cmd)
{
	kbc->pending = 0;
	if (cmd >= CMD_PULSE)
		return !(cmd & OUT_RESET);
	switch (cmd) {
	case CMD_READ_CB:
		kbc_answer(kbc, kbc->cmd_byte);
		break;
	case CMD_WRITE_CB:
	case CMD_WRITE_OUT:
		kbc->pending = cmd;
		break;
	case CMD_AUX_OFF:
		kbc->cmd_byte |= CB_AUX_OFF;
		break;
	case CMD_AUX_ON:
		kbc->cmd_byte &= ~CB_AUX_OFF;
		break;
	case CMD_AUX_TEST:
		kbc_answer(kbc, AUX_TEST_FAIL);
		break;
	case CMD_SELF_TEST:
		kbc->cmd_byte |= CB_SYS;
		kbc_answer(kbc, SELF_TEST_OK);
		break;
	case CMD_KBD_TEST:
		kbc_answer(kbc, TEST_OK);
		break;
	case CMD_KBD_OFF:
		kbc->cmd_byte |= CB_KBD_OFF;
		break;
	case CMD_KBD_ON:
		kbc->cmd_byte &= ~CB_KBD_OFF;
		break;
	case CMD_READ_OUT:
		kbc_answer(kbc, OUT_RESET | OUT_A20);
		break;
	default:
		break;			/* unknown commands do nothing */
	}
	return false;
}

/* Return: true if the byte pulls the reset line. */
static bool kbc_data(struct v3_i8042 *kbc, u8 val)
{
	u8 cmd = kbc->pending;

	kbc->pending = 0;
	if (cmd == CMD_WRITE_CB)
		kbc->cmd_byte = val;
	else if (cmd == CMD_WRITE_OUT)
		return !(val & OUT_RESET);
	/* else a byte for the keyboard, which is not there */
	return false;
}

static int kbc_access(u64 port, void *data, unsigned int len, bool write,
		      void *priv)
{
	struct v3_i8042 *kbc = priv;
	bool reset = false;
	unsigned long flags;
	u8 *b = data;

	flags = v3_host_spin_lock_irqsave(kbc->lock);
	if (write) {
		if (port == KBC_CMD)
			reset = kbc_command(kbc, b[0]);
		else
			reset = kbc_data(kbc, b[0]);
		kbc->last_cmd = port == KBC_CMD;
	} else {
		memset(data, 0, len);
		if (port == KBC_CMD) {
			b[0] = (kbc->out_full ? ST_OBF : 0) |
			       (kbc->cmd_byte & CB_SYS ? ST_SYS : 0) |
			       (kbc->last_cmd ? ST_CMD : 0);
		} else {
			b[0] = kbc->out;
			kbc->out_full = false;
		}
	}
	v3_host_spin_unlock_irqrestore(kbc->lock, flags);

	if (reset)
		kbc->reset(kbc->priv);
	return 0;
}

static int port_a_access(u64 port, void *data, unsigned int len, bool write,
			 void *priv)
{
	struct v3_i8042 *kbc = priv;
	u8 *b = data;

	if (!write) {
		memset(data, 0, len);
		b[0] = READ_ONCE(kbc->port92);
		return 0;
	}
	WRITE_ONCE(kbc->port92, b[0] & ~PORT_A_RESET);
	if (b[0] & PORT_A_RESET)
		kbc->reset(kbc->priv);
	return 0;
}

int v3_i8042_init(struct v3_i8042 *kbc, struct v3_range_map *io,
		  void (*reset)(void *priv), void *priv)
{
	int err;

	memset(kbc, 0, sizeof(*kbc));
	kbc->reset = reset;
	kbc->priv = priv;
	kbc->cmd_byte = CB_DEFAULT;
	kbc->port92 = OUT_A20;		/* A20 on, as firmware leaves it */
	kbc->lock = v3_host_spinlock_alloc();
	if (!kbc->lock)
		return -ENOMEM;
	err = v3_range_hook(io, KBC_DATA, KBC_DATA, kbc_access, kbc);
	if (err)
		goto fail;
	err = v3_range_hook(io, KBC_CMD, KBC_CMD, kbc_access, kbc);
	if (err)
		goto unhook_data;
	err = v3_range_hook(io, PORT_A, PORT_A, port_a_access, kbc);
	if (err)
		goto unhook_cmd;
	return 0;

unhook_cmd:
	v3_range_unhook(io, KBC_CMD);
unhook_data:
	v3_range_unhook(io, KBC_DATA);
fail:
	v3_err("i8042: cannot hook its ports: %d\n", err);
	v3_host_spinlock_free(kbc->lock);
	kbc->lock = NULL;
	return err;
}

void v3_i8042_free(struct v3_i8042 *kbc, struct v3_range_map *io)
{
	if (!kbc->lock)
		return;
	v3_range_unhook(io, KBC_DATA);
	v3_range_unhook(io, KBC_CMD);
	v3_range_unhook(io, PORT_A);
	v3_host_spinlock_free(kbc->lock);
	kbc->lock = NULL;
}
