/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Nested page tables: guest-physical to host-physical, built by the core
 * from a VM's memory map in the format of the backend's hardware (AMD's
 * nested page tables, Intel's EPT).
 */
#ifndef _PALACIOS_NPT_H
#define _PALACIOS_NPT_H

#include <linux/types.h>

struct v3_mem_map;

/**
 * struct v3_npt_format - how a backend's hardware encodes nested page table
 * entries; both formats have four levels of 512 entries, the address in
 * bits 12-51 and the large-page bit at bit 7
 * @table: the bits of an entry that points to a table
 * @leaf: the bits of an entry that maps RAM (read, write, execute, user;
 *        the memory type where the format has one)
 * @large: the bit a leaf adds to map 2 MiB
 * @present: the bits any of which makes an entry present
 */
struct v3_npt_format {
	u64 table;
	u64 leaf;
	u64 large;
	u64 present;
};

/**
 * struct v3_npt - the nested page tables of a VM
 * @root: host physical address of the top-level table (nCR3, or the EPT
 *        pointer's address)
 * @tables: host physical addresses of every table page
 * @nr_tables: entries used in @tables
 * @cap: entries allocated in @tables
 * @nr_large: 2 MiB mappings made
 * @nr_small: 4 KiB mappings made
 * @fmt: the format of its entries
 */
struct v3_npt {
	u64 root;
	u64 *tables;
	unsigned long nr_tables;
	unsigned long cap;
	u64 nr_large;
	u64 nr_small;
	const struct v3_npt_format *fmt;
};

/**
 * v3_npt_build() - map a VM's RAM, guest-physical to host-physical
 * @npt: the tables to build
 * @mem: the RAM; everything else stays unmapped, so guest accesses to it
 *       exit as nested page faults
 * @fmt: the format of the backend's hardware
 *
 * Uses a 2 MiB mapping wherever guest and host addresses are both 2 MiB
 * aligned over 2 MiB of one extent, and 4 KiB mappings elsewhere.
 *
 * Return: 0, or -ENOMEM with nothing left allocated.
 */
int v3_npt_build(struct v3_npt *npt, const struct v3_mem_map *mem,
		 const struct v3_npt_format *fmt);

/**
 * v3_npt_free() - free every table page
 * @npt: the tables; empty on return
 */
void v3_npt_free(struct v3_npt *npt);

#endif /* _PALACIOS_NPT_H */
