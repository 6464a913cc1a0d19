/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Port I/O and MMIO hook registries of the Palacios core.
 *
 * A VM keeps one registry for its I/O ports and one for the guest-physical
 * ranges its device models emulate.  On an exit, the core looks the access
 * up here and calls the device model that hooked it.  Both registries are
 * sorted arrays of disjoint ranges, searched by bisection; the port
 * registry also keeps, for each of the 65,536 ports, the number of the
 * range that hooks it, so that a port exit finds its device with one load
 * (while at most %V3_RANGE_INDEX_MAX ranges are hooked; bisection
 * otherwise).  The index (64 KiB) is allocated with the first port hooked.
 *
 * Locking: a registry is changed while its VM does not run (at creation and
 * teardown); lookups need no lock.
 */
#ifndef _PALACIOS_IO_H
#define _PALACIOS_IO_H

#include <linux/types.h>

/**
 * typedef v3_access_fn - a device model's handler of hooked accesses
 * @addr: the port or guest-physical address accessed
 * @data: the bytes written, or the buffer for the bytes read
 * @len: the size of the access in bytes
 * @write: true for a write (OUT, store), false for a read
 * @priv: the cookie given when the range was hooked
 *
 * Return: 0, or a negative errno: the core then stops the VM with the error
 * as its reason.  A handler of device memory may return -EAGAIN for a write
 * that did part of its work and wants the rest done later: the instruction
 * is not completed, and the guest executes it again after its vCPU went
 * through its run loop (the handler makes the repetition harmless, and
 * whatever a read-modify-write read is read again).
 */
typedef int (*v3_access_fn)(u64 addr, void *data, unsigned int len,
			    bool write, void *priv);

/**
 * struct v3_range - one hooked range
 * @first: its first port or address
 * @last: its last port or address (inclusive)
 * @fn: the handler
 * @priv: passed to @fn
 */
struct v3_range {
	u64 first;
	u64 last;
	v3_access_fn fn;
	void *priv;
};

/* The most ranges a port index numbers (its entries are bytes, 0 = none) */
#define V3_RANGE_INDEX_MAX	255

/**
 * struct v3_range_map - a registry of disjoint hooked ranges
 * @ranges: the ranges, sorted by @first
 * @nr: number of ranges
 * @cap: allocated entries in @ranges
 * @limit: the highest address the registry accepts (0xffff for ports)
 * @index: ports only: for each port, 1 + the index in @ranges of the range
 *         that hooks it, or 0; valid while @indexed
 * @indexed: @index matches @ranges (false with more than
 *           %V3_RANGE_INDEX_MAX ranges)
 */
struct v3_range_map {
	struct v3_range *ranges;
	unsigned int nr;
	unsigned int cap;
	u64 limit;
	u8 *index;
	bool indexed;
};

/**
 * v3_io_map_init() - initialise an empty registry of I/O ports
 * @map: the registry
 */
void v3_io_map_init(struct v3_range_map *map);

/**
 * v3_mmio_map_init() - initialise an empty registry of guest-physical ranges
 * @map: the registry
 */
void v3_mmio_map_init(struct v3_range_map *map);

/**
 * v3_range_map_free() - free a registry's memory; it is then empty
 * @map: the registry
 */
void v3_range_map_free(struct v3_range_map *map);

/**
 * v3_range_hook() - hook a range of ports or addresses
 * @map: the registry
 * @first: the first port or address
 * @last: the last port or address (inclusive)
 * @fn: the handler
 * @priv: passed to @fn
 *
 * Return: 0, -EINVAL for an empty or out-of-limit range or no handler,
 * -EBUSY if the range overlaps one already hooked, or -ENOMEM.
 */
int v3_range_hook(struct v3_range_map *map, u64 first, u64 last,
		  v3_access_fn fn, void *priv);

/**
 * v3_range_unhook() - remove the range that starts at @first
 * @map: the registry
 * @first: the first port or address of a hooked range
 *
 * Return: 0, or -ENOENT if no hooked range starts there.
 */
int v3_range_unhook(struct v3_range_map *map, u64 first);

/**
 * v3_range_find() - the hooked range an access falls in
 * @map: the registry
 * @addr: the first port or address accessed
 * @len: the size of the access in bytes, at least 1
 *
 * Return: the range, or NULL if the access is not wholly inside one.
 */
const struct v3_range *v3_range_find(const struct v3_range_map *map,
				     u64 addr, unsigned int len);

/**
 * v3_range_dispatch() - pass an access to the device model that hooked it
 * @map: the registry
 * @addr: the first port or address accessed
 * @data: the bytes written, or the buffer for the bytes read
 * @len: the size of the access in bytes, at least 1
 * @write: true for a write
 *
 * Return: what the handler returned, or -ENOENT if nothing hooked the
 * access; the caller applies its policy for unhooked accesses.
 */
int v3_range_dispatch(const struct v3_range_map *map, u64 addr, void *data,
		      unsigned int len, bool write);

#endif /* _PALACIOS_IO_H */
