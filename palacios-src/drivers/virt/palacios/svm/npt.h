/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Nested page tables of the Palacios SVM backend.
 */
#ifndef _PALACIOS_SVM_NPT_H
#define _PALACIOS_SVM_NPT_H

#include <linux/types.h>

struct v3_mem_map;

/**
 * struct v3_npt - the nested page tables of a VM
 * @root: host physical address of the top-level table (nCR3)
 * @tables: host physical addresses of every table page
 * @nr_tables: entries used in @tables
 * @cap: entries allocated in @tables
 * @nr_large: 2 MiB mappings made
 * @nr_small: 4 KiB mappings made
 */
struct v3_npt {
	u64 root;
	u64 *tables;
	unsigned long nr_tables;
	unsigned long cap;
	u64 nr_large;
	u64 nr_small;
};

/**
 * v3_npt_build() - map a VM's RAM, guest-physical to host-physical
 * @npt: the tables to build
 * @mem: the RAM; everything else stays unmapped, so guest accesses to it
 *       exit as nested page faults
 *
 * Uses a 2 MiB mapping wherever guest and host addresses are both 2 MiB
 * aligned over 2 MiB of one extent, and 4 KiB mappings elsewhere.
 *
 * Return: 0, or -ENOMEM with nothing left allocated.
 */
int v3_npt_build(struct v3_npt *npt, const struct v3_mem_map *mem);

/**
 * v3_npt_free() - free every table page
 * @npt: the tables; empty on return
 */
void v3_npt_free(struct v3_npt *npt);

#endif /* _PALACIOS_SVM_NPT_H */
