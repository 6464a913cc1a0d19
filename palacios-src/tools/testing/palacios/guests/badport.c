// SPDX-License-Identifier: GPL-2.0-only
/*
 * badport: writes to a port no device hooks must be ignored, and reads from
 * it must return all ones.
 */
#include "lib.h"

#define BAD_PORT	0x1234

const char guest_name[] = "badport";

int guest_main(u64 mem_size)
{
	u32 l;
	u16 w;
	u8 b;

	outb(0x12, BAD_PORT);
	outw(0x1234, BAD_PORT);
	outl(0x12345678, BAD_PORT);
	gprintf("badport: wrote byte, word, dword to port 0x%x\n", BAD_PORT);

	b = inb(BAD_PORT);
	w = inw(BAD_PORT);
	l = inl(BAD_PORT);
	gprintf("badport: read 0x%x 0x%x 0x%x\n", b, w, l);
	if (b != 0xff || w != 0xffff || l != 0xffffffff) {
		gprintf("badport: FAIL expected 0xff 0xffff 0xffffffff\n");
		return 1;
	}
	gprintf("badport: PASS\n");
	return 0;
}
