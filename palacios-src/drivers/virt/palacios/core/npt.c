// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios core: nested page tables, in the backend's format.
 *
 * AMD's nested page tables have the format of the long-mode page tables,
 * Intel's EPT one of its own with the same shape (struct v3_npt_format):
 * one builder serves both.
 */
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>

#include <palacios/host.h>
#include <palacios/mem.h>
#include <palacios/npt.h>

#define NPT_ADDR	0x000ffffffffff000ULL
#define NPT_2M		(2ULL << 20)

static int npt_new_table(struct v3_npt *npt, u64 *hpa)
{
	int err;

	if (npt->nr_tables == npt->cap) {
		unsigned long cap = npt->cap ? 2 * npt->cap : 16;
		u64 *t = v3_host_zalloc(cap * sizeof(*t));

		if (!t)
			return -ENOMEM;
		if (npt->tables)
			memcpy(t, npt->tables, npt->nr_tables * sizeof(*t));
		v3_host_free(npt->tables);
		npt->tables = t;
		npt->cap = cap;
	}
	err = v3_host_alloc_pages(0, hpa);
	if (err)
		return err;
	npt->tables[npt->nr_tables++] = *hpa;
	return 0;
}

/* The table that entry @idx of the table at @table points to, made if absent. */
static int npt_next(struct v3_npt *npt, u64 table, unsigned int idx, u64 *next)
{
	u64 *e = (u64 *)v3_host_pa_to_va(table) + idx;
	int err;

	if (*e & npt->fmt->present) {
		*next = *e & NPT_ADDR;
		return 0;
	}
	err = npt_new_table(npt, next);
	if (err)
		return err;
	*e = *next | npt->fmt->table;
	return 0;
}

/* Map one page of 4 KiB or 2 MiB (@large) at @gpa to @hpa. */
static int npt_map(struct v3_npt *npt, u64 gpa, u64 hpa, bool large)
{
	u64 table = npt->root;
	unsigned int shift;
	int err;

	for (shift = 39; shift > (large ? 21 : 12); shift -= 9) {
		err = npt_next(npt, table, (gpa >> shift) & 511, &table);
		if (err)
			return err;
	}
	((u64 *)v3_host_pa_to_va(table))[(gpa >> shift) & 511] =
		hpa | npt->fmt->leaf | (large ? npt->fmt->large : 0);
	if (large)
		npt->nr_large++;
	else
		npt->nr_small++;
	return 0;
}

int v3_npt_build(struct v3_npt *npt, const struct v3_mem_map *mem,
		 const struct v3_npt_format *fmt)
{
	unsigned long i;
	int err;

	memset(npt, 0, sizeof(*npt));
	npt->fmt = fmt;
	err = npt_new_table(npt, &npt->root);
	if (err)
		goto fail;
	for (i = 0; i < mem->nr_extents; i++) {
		const struct v3_mem_extent *e = &mem->extents[i];
		u64 off = 0;

		while (off < e->size) {
			u64 gpa = e->gpa + off, hpa = e->hpa + off;
			bool large = !(gpa % NPT_2M) && !(hpa % NPT_2M) &&
				     e->size - off >= NPT_2M;

			err = npt_map(npt, gpa, hpa, large);
			if (err)
				goto fail;
			off += large ? NPT_2M : V3_PAGE_SIZE;
		}
	}
	return 0;
fail:
	v3_npt_free(npt);
	return err;
}

void v3_npt_free(struct v3_npt *npt)
{
	unsigned long i;

	for (i = 0; i < npt->nr_tables; i++)
		v3_host_free_pages(npt->tables[i], 0);
	v3_host_free(npt->tables);
	memset(npt, 0, sizeof(*npt));
}
