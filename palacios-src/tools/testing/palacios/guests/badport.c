// SPDX-License-Identifier: GPL-2.0-only
/*
 * badport: writes to a port no device hooks must be ignored, and reads from
 * it must return all ones.
 */
#include "lib.h"

#define BAD_PORT	0x1234

GUEST_NAME("badport");

int guest_main(u64 mem_size)
{
	u32 l;
	u16 w;
	u8 b;

	port_out8(0x12, BAD_PORT);
	port_out16(0x1234, BAD_PORT);
	port_out32(0x12345678, BAD_PORT);
	gprintf("badport: wrote byte, word, dword to port 0x%x\n", BAD_PORT);

	b = port_in8(BAD_PORT);
	w = port_in16(BAD_PORT);
	l = port_in32(BAD_PORT);
	gprintf("badport: read 0x%x 0x%x 0x%x\n", b, w, l);
	if (b != 0xff || w != 0xffff || l != 0xffffffff) {
		gprintf("badport: FAIL expected 0xff 0xffff 0xffffffff\n");
		return 1;
	}
	gprintf("badport: PASS\n");
	return 0;
}
