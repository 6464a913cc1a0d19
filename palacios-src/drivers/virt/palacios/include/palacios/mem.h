/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest physical memory of a Palacios VM.
 *
 * A VM's RAM is host memory from v3_host_alloc_chunks(): runs of pages of
 * up to 4 MiB, zeroed, not contiguous with one another.  The memory map
 * places the chunks, largest first, at increasing guest-physical addresses,
 * so each is aligned to its size in the guest as in the host and nested
 * paging can use 2 MiB mappings for every chunk of 2 MiB or more.
 *
 * Like a PC, the guest has its RAM below 3 GiB and the rest from 4 GiB up;
 * [3 GiB, 4 GiB) is left for devices.
 *
 * Locking: the map is built before the VM runs and freed after it stopped;
 * lookups need no lock.
 */
#ifndef _PALACIOS_MEM_H
#define _PALACIOS_MEM_H

#include <linux/types.h>

#include <palacios/host.h>

#define V3_MEM_HOLE_START	0xc0000000ULL	/* 3 GiB */
#define V3_MEM_HOLE_END		0x100000000ULL	/* 4 GiB */
/* The largest guest a VM may have: 64 GiB */
#define V3_MEM_MAX		(64ULL << 30)
/* Guest memory sizes are multiples of 2 MiB */
#define V3_MEM_ALIGN		(2ULL << 20)

/**
 * struct v3_mem_extent - guest-physical memory backed by contiguous host pages
 * @gpa: its first guest-physical address
 * @hpa: the host-physical address that backs @gpa
 * @size: its size in bytes
 */
struct v3_mem_extent {
	u64 gpa;
	u64 hpa;
	u64 size;
};

/**
 * struct v3_mem_map - the RAM of a VM
 * @chunks: the host memory
 * @extents: the guest-physical layout, sorted by @gpa, disjoint
 * @nr_extents: number of entries in @extents
 * @size: RAM size in bytes
 */
struct v3_mem_map {
	struct v3_chunk_list chunks;
	struct v3_mem_extent *extents;
	unsigned long nr_extents;
	u64 size;
};

/**
 * v3_mem_map_init() - allocate and lay out a VM's RAM
 * @map: the map to fill in
 * @size: RAM size in bytes: a non-zero multiple of %V3_MEM_ALIGN, at most
 *        %V3_MEM_MAX
 *
 * Return: 0, -EINVAL for a bad @size, -ENOMEM if the host cannot provide
 * the memory (nothing is then left allocated), or -EINTR.
 */
int v3_mem_map_init(struct v3_mem_map *map, u64 size);

/**
 * v3_mem_map_free() - give a VM's RAM back to the host
 * @map: the map; empty on return
 */
void v3_mem_map_free(struct v3_mem_map *map);

/**
 * v3_mem_find() - the extent that holds a guest-physical address
 * @map: the map
 * @gpa: the address
 *
 * Return: the extent, or NULL if @gpa is not RAM.
 */
const struct v3_mem_extent *v3_mem_find(const struct v3_mem_map *map,
					u64 gpa);

/**
 * v3_gpa_to_hva() - host address of guest RAM
 * @map: the map
 * @gpa: the first guest-physical address
 * @len: bytes that must be contiguous in the host from @gpa
 *
 * Return: the host virtual address of @gpa, or NULL if [@gpa, @gpa + @len)
 * is not RAM held by one extent.
 */
void *v3_gpa_to_hva(const struct v3_mem_map *map, u64 gpa, u64 len);

/**
 * v3_mem_is_ram() - whether a range of guest-physical addresses is RAM
 * @map: the map
 * @gpa: its first address
 * @len: its length; it may span extents
 *
 * Return: true if every byte of [@gpa, @gpa + @len) is RAM.
 */
bool v3_mem_is_ram(const struct v3_mem_map *map, u64 gpa, u64 len);

/**
 * v3_mem_write() - copy bytes into guest RAM
 * @map: the map
 * @gpa: where to copy to
 * @buf: the bytes
 * @len: their number
 *
 * Return: 0, or -EFAULT if any byte of the range is not RAM (then nothing
 * is written).
 */
int v3_mem_write(const struct v3_mem_map *map, u64 gpa, const void *buf,
		 u64 len);

/**
 * v3_mem_read() - copy bytes out of guest RAM
 * @map: the map
 * @gpa: where to copy from
 * @buf: the destination
 * @len: bytes to copy
 *
 * Return: 0, or -EFAULT if any byte of the range is not RAM.
 */
int v3_mem_read(const struct v3_mem_map *map, u64 gpa, void *buf, u64 len);

/**
 * struct v3_paging - the guest's paging state, as the CPU sees it
 * @cr0: CR0
 * @cr3: CR3
 * @cr4: CR4
 * @efer: EFER
 */
struct v3_paging {
	u64 cr0;
	u64 cr3;
	u64 cr4;
	u64 efer;
};

/**
 * v3_gva_to_gpa() - translate a guest-virtual address as the guest's MMU would
 * @map: the map (the guest's page tables must be in its RAM)
 * @pg: the guest's paging state
 * @gva: the linear address (segment base already added)
 * @gpa: the guest-physical address on success
 *
 * Handles paging off, 32-bit, PAE and 4-level paging with large pages.
 * Access rights are not checked: the caller translates addresses the CPU
 * has just used.
 *
 * Return: 0, -EFAULT if a page table is not in RAM, or -ENOENT if the
 * address is not mapped.
 */
int v3_gva_to_gpa(const struct v3_mem_map *map, const struct v3_paging *pg,
		  u64 gva, u64 *gpa);

#endif /* _PALACIOS_MEM_H */
