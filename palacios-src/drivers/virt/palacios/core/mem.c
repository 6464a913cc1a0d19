// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios core: guest physical memory and guest page walks.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>

#include <palacios/host.h>
#include <palacios/mem.h>

/* Chunks of up to 4 MiB: NPT maps them with 2 MiB pages. */
#define V3_MEM_CHUNK_ORDER	10

/* Where the next chunk goes: skip the hole below 4 GiB. */
static u64 v3_mem_next_gpa(u64 gpa)
{
	return gpa == V3_MEM_HOLE_START ? V3_MEM_HOLE_END : gpa;
}

int v3_mem_map_init(struct v3_mem_map *map, u64 size)
{
	struct v3_mem_extent *ext;
	unsigned long i, n = 0;
	u64 gpa = 0;
	int err;

	memset(map, 0, sizeof(*map));
	if (!size || size % V3_MEM_ALIGN || size > V3_MEM_MAX)
		return -EINVAL;
	err = v3_host_alloc_chunks(size >> V3_PAGE_SHIFT, V3_MEM_CHUNK_ORDER,
				   &map->chunks);
	if (err)
		return err;
	map->extents = v3_host_zalloc(map->chunks.nr_chunks * sizeof(*ext));
	if (!map->extents) {
		v3_host_free_chunks(&map->chunks);
		return -ENOMEM;
	}

	/*
	 * The chunks come largest first and their sizes are powers of two,
	 * so each lands at an address aligned to its size, and none
	 * straddles the hole (whose edges are 4 MiB aligned).  Chunks that
	 * happen to be contiguous in the host too become one extent.
	 */
	for (i = 0; i < map->chunks.nr_chunks; i++) {
		const struct v3_chunk *c = &map->chunks.chunks[i];
		u64 len = V3_PAGE_SIZE << c->order;

		gpa = v3_mem_next_gpa(gpa);
		ext = n ? &map->extents[n - 1] : NULL;
		if (ext && ext->gpa + ext->size == gpa &&
		    ext->hpa + ext->size == c->hpa) {
			ext->size += len;
		} else {
			ext = &map->extents[n++];
			ext->gpa = gpa;
			ext->hpa = c->hpa;
			ext->size = len;
		}
		gpa += len;
	}
	map->nr_extents = n;
	map->size = size;
	return 0;
}

void v3_mem_map_free(struct v3_mem_map *map)
{
	v3_host_free_chunks(&map->chunks);
	v3_host_free(map->extents);
	memset(map, 0, sizeof(*map));
}

const struct v3_mem_extent *v3_mem_find(const struct v3_mem_map *map,
					u64 gpa)
{
	unsigned long lo = 0, hi = map->nr_extents;

	while (lo < hi) {
		unsigned long mid = lo + (hi - lo) / 2;
		const struct v3_mem_extent *e = &map->extents[mid];

		if (gpa < e->gpa)
			hi = mid;
		else if (gpa - e->gpa >= e->size)
			lo = mid + 1;
		else
			return e;
	}
	return NULL;
}

void *v3_gpa_to_hva(const struct v3_mem_map *map, u64 gpa, u64 len)
{
	const struct v3_mem_extent *e = v3_mem_find(map, gpa);

	if (!e || len > e->size - (gpa - e->gpa))
		return NULL;
	return (u8 *)v3_host_pa_to_va(e->hpa) + (gpa - e->gpa);
}

bool v3_mem_is_ram(const struct v3_mem_map *map, u64 gpa, u64 len)
{
	if (gpa + len < gpa)
		return false;
	while (len) {
		const struct v3_mem_extent *e = v3_mem_find(map, gpa);
		u64 n;

		if (!e)
			return false;
		n = e->size - (gpa - e->gpa);
		if (n >= len)
			return true;
		gpa += n;
		len -= n;
	}
	return true;
}

/* Copy between @buf and guest RAM already known to be RAM. */
static void v3_mem_copy(const struct v3_mem_map *map, u64 gpa, void *buf,
			u64 len, bool to_guest)
{
	u8 *p = buf;

	while (len) {
		const struct v3_mem_extent *e = v3_mem_find(map, gpa);
		u64 off = gpa - e->gpa;
		u64 n = e->size - off;
		u8 *hva = (u8 *)v3_host_pa_to_va(e->hpa) + off;

		if (n > len)
			n = len;
		if (to_guest)
			memcpy(hva, p, n);
		else
			memcpy(p, hva, n);
		gpa += n;
		p += n;
		len -= n;
	}
}

/* (Most accesses lie in one extent: one look-up, one copy.) */
int v3_mem_write(const struct v3_mem_map *map, u64 gpa, const void *buf,
		 u64 len)
{
	void *hva = v3_gpa_to_hva(map, gpa, len);

	if (hva) {
		memcpy(hva, buf, len);
		return 0;
	}
	if (gpa + len < gpa || !v3_mem_is_ram(map, gpa, len))
		return -EFAULT;
	v3_mem_copy(map, gpa, (void *)buf, len, true);
	return 0;
}

int v3_mem_read(const struct v3_mem_map *map, u64 gpa, void *buf, u64 len)
{
	const void *hva = v3_gpa_to_hva(map, gpa, len);

	if (hva) {
		memcpy(buf, hva, len);
		return 0;
	}
	if (gpa + len < gpa || !v3_mem_is_ram(map, gpa, len))
		return -EFAULT;
	v3_mem_copy(map, gpa, buf, len, false);
	return 0;
}

/* Paging bits, from the AMD64 Architecture Programmer's Manual, volume 2 */
#define V3_CR0_PG	BIT_ULL(31)
#define V3_CR4_PSE	BIT_ULL(4)
#define V3_CR4_PAE	BIT_ULL(5)
#define V3_EFER_LMA	BIT_ULL(10)
#define V3_PTE_P	BIT_ULL(0)
#define V3_PTE_PS	BIT_ULL(7)
#define V3_PTE_ADDR	0x000ffffffffff000ULL

static int v3_read_pte(const struct v3_mem_map *map, u64 gpa, bool wide,
		       u64 *pte)
{
	u32 pte32;

	if (!wide) {
		if (v3_mem_read(map, gpa, &pte32, sizeof(pte32)))
			return -EFAULT;
		*pte = pte32;
		return 0;
	}
	return v3_mem_read(map, gpa, pte, sizeof(*pte)) ? -EFAULT : 0;
}

int v3_gva_to_gpa(const struct v3_mem_map *map, const struct v3_paging *pg,
		  u64 gva, u64 *gpa)
{
	unsigned int levels, shift, bits;
	u64 table, pte;
	bool wide;
	int err;

	if (!(pg->cr0 & V3_CR0_PG)) {
		*gpa = gva & 0xffffffffULL;
		if (pg->efer & V3_EFER_LMA)
			*gpa = gva;
		return 0;
	}
	if (pg->efer & V3_EFER_LMA) {
		levels = 4;
		wide = true;
		table = pg->cr3 & V3_PTE_ADDR;
	} else if (pg->cr4 & V3_CR4_PAE) {
		/* The four PDPTEs are at CR3 bits 31:5. */
		gva &= 0xffffffffULL;
		err = v3_read_pte(map, (pg->cr3 & 0xffffffe0ULL) +
				  (gva >> 30) * 8, true, &pte);
		if (err)
			return err;
		if (!(pte & V3_PTE_P))
			return -ENOENT;
		levels = 2;
		wide = true;
		table = pte & V3_PTE_ADDR;
	} else {
		gva &= 0xffffffffULL;
		levels = 2;
		wide = false;
		table = pg->cr3 & 0xfffff000ULL;
	}

	bits = wide ? 9 : 10;
	shift = V3_PAGE_SHIFT + bits * (levels - 1);
	for (;;) {
		u64 idx = (gva >> shift) & ((1ULL << bits) - 1);
		bool large;

		err = v3_read_pte(map, table + idx * (wide ? 8 : 4), wide, &pte);
		if (err)
			return err;
		if (!(pte & V3_PTE_P))
			return -ENOENT;
		large = (pte & V3_PTE_PS) && shift > V3_PAGE_SHIFT &&
			(wide ? shift <= 30 : !!(pg->cr4 & V3_CR4_PSE));
		if (large) {
			u64 base = pte & V3_PTE_ADDR & ~((1ULL << shift) - 1);

			/* PSE-36: bits 20:13 of a 4 MiB PDE are bits 39:32. */
			if (!wide)
				base = (pte & 0xffc00000ULL) |
				       ((pte & 0x1fe000ULL) << 19);
			*gpa = base | (gva & ((1ULL << shift) - 1));
			return 0;
		}
		if (shift == V3_PAGE_SHIFT) {
			*gpa = (pte & V3_PTE_ADDR) | (gva & (V3_PAGE_SIZE - 1));
			return 0;
		}
		table = wide ? pte & V3_PTE_ADDR : pte & 0xfffff000ULL;
		shift -= bits;
	}
}
