/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The reset lines of a PC, as a model of the Palacios core: the i8042
 * keyboard controller (ports 0x60 and 0x64) without a keyboard or mouse
 * behind it, and system control port A (port 0x92).
 *
 * Kernels reset a PC by pulsing the 8042's output port bit 0 (command
 * 0xfe, or any 0xf0-0xff command with bit 0 clear, or a write of the
 * output port by command 0xd1 with bit 0 clear), or by setting bit 0 of
 * port 0x92.  The controller answers the commands firmware and drivers
 * use to find it (read and write the command byte, self tests, disable
 * and enable the ports); bytes for the keyboard are dropped, as no
 * device answers them.  The FADT tells the guest that there is no 8042,
 * so that drivers do not look for a keyboard.
 *
 * Locking: a spinlock of its own; @reset is called without it.
 */
#ifndef _PALACIOS_I8042_H
#define _PALACIOS_I8042_H

#include <linux/types.h>

struct v3_range_map;
struct v3_spinlock;

/**
 * struct v3_i8042 - the controller and port 0x92
 * @lock: serialises the state
 * @cmd_byte: the controller's command byte
 * @out: the byte the guest reads from port 0x60
 * @out_full: @out is waiting (status bit 0)
 * @pending: the command whose data byte the next port 0x60 write is
 * @last_cmd: the last write was to port 0x64 (status bit 3)
 * @port92: port 0x92 as last written, without its reset bit
 * @reset: called when the guest resets the machine
 * @priv: passed to @reset
 */
struct v3_i8042 {
	struct v3_spinlock *lock;
	u8 cmd_byte;
	u8 out;
	bool out_full;
	u8 pending;
	bool last_cmd;
	u8 port92;
	void (*reset)(void *priv);
	void *priv;
};

/**
 * v3_i8042_init() - create the controller and hook its ports
 * @kbc: the state to initialise
 * @io: the VM's port registry
 * @reset: called, in the vCPU's thread, when the guest pulls a reset line
 * @priv: passed to @reset
 *
 * Return: 0, -EBUSY if a port is hooked already, or -ENOMEM; nothing is
 * left allocated or hooked on failure.
 */
int v3_i8042_init(struct v3_i8042 *kbc, struct v3_range_map *io,
		  void (*reset)(void *priv), void *priv);

/**
 * v3_i8042_free() - unhook the ports and free the state
 * @kbc: the state, or one whose init failed
 * @io: the registry given to v3_i8042_init()
 */
void v3_i8042_free(struct v3_i8042 *kbc, struct v3_range_map *io);

#endif /* _PALACIOS_I8042_H */
