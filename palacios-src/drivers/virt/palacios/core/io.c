// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios core: the port I/O and MMIO hook registries.
 */
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>

#include <palacios/host.h>
#include <palacios/io.h>

#define V3_IO_PORT_LIMIT	0xffffULL

void v3_io_map_init(struct v3_range_map *map)
{
	memset(map, 0, sizeof(*map));
	map->limit = V3_IO_PORT_LIMIT;
}

void v3_mmio_map_init(struct v3_range_map *map)
{
	memset(map, 0, sizeof(*map));
	map->limit = ~0ULL;
}

void v3_range_map_free(struct v3_range_map *map)
{
	u64 limit = map->limit;

	v3_host_free(map->index);
	v3_host_free(map->ranges);
	memset(map, 0, sizeof(*map));
	map->limit = limit;
}

/* Index of the first range whose last address is at or above @addr. */
static unsigned int v3_range_lower(const struct v3_range_map *map, u64 addr)
{
	unsigned int lo = 0, hi = map->nr;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (map->ranges[mid].last < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int v3_range_grow(struct v3_range_map *map)
{
	unsigned int cap = map->cap ? map->cap * 2 : 8;
	struct v3_range *ranges;

	ranges = v3_host_zalloc(cap * sizeof(*ranges));
	if (!ranges)
		return -ENOMEM;
	if (map->nr)
		memcpy(ranges, map->ranges, map->nr * sizeof(*ranges));
	v3_host_free(map->ranges);
	map->ranges = ranges;
	map->cap = cap;
	return 0;
}

/*
 * Number again in the port index the ranges from @from on, after a change
 * there; the whole index when it was out of date (more ranges than it
 * numbers had been hooked).
 */
static void v3_range_renumber(struct v3_range_map *map, unsigned int from)
{
	unsigned int i;

	if (!map->index)
		return;
	if (map->nr > V3_RANGE_INDEX_MAX) {
		map->indexed = false;
		return;
	}
	if (!map->indexed) {
		memset(map->index, 0, V3_IO_PORT_LIMIT + 1);
		from = 0;
	}
	for (i = from; i < map->nr; i++)
		memset(map->index + map->ranges[i].first, i + 1,
		       map->ranges[i].last - map->ranges[i].first + 1);
	map->indexed = true;
}

int v3_range_hook(struct v3_range_map *map, u64 first, u64 last,
		  v3_access_fn fn, void *priv)
{
	unsigned int i;
	int err;

	if (!fn || first > last || last > map->limit)
		return -EINVAL;
	i = v3_range_lower(map, first);
	if (i < map->nr && map->ranges[i].first <= last)
		return -EBUSY;
	if (map->limit == V3_IO_PORT_LIMIT && !map->index) {
		/* zeroed: it says that no port is hooked, as is true */
		map->index = v3_host_zalloc(V3_IO_PORT_LIMIT + 1);
		if (!map->index)
			return -ENOMEM;
		map->indexed = !map->nr;
	}
	if (map->nr == map->cap) {
		err = v3_range_grow(map);
		if (err)
			return err;
	}
	memmove(&map->ranges[i + 1], &map->ranges[i],
		(map->nr - i) * sizeof(*map->ranges));
	map->ranges[i] = (struct v3_range){
		.first = first, .last = last, .fn = fn, .priv = priv,
	};
	map->nr++;
	v3_range_renumber(map, i);
	return 0;
}

int v3_range_unhook(struct v3_range_map *map, u64 first)
{
	unsigned int i = v3_range_lower(map, first);

	if (i >= map->nr || map->ranges[i].first != first)
		return -ENOENT;
	if (map->indexed)
		memset(map->index + first, 0, map->ranges[i].last - first + 1);
	map->nr--;
	memmove(&map->ranges[i], &map->ranges[i + 1],
		(map->nr - i) * sizeof(*map->ranges));
	v3_range_renumber(map, i);
	return 0;
}

const struct v3_range *v3_range_find(const struct v3_range_map *map,
				     u64 addr, unsigned int len)
{
	const struct v3_range *r;
	unsigned int i;

	if (!len || addr > map->limit || len - 1 > map->limit - addr)
		return NULL;
	if (map->indexed) {
		i = map->index[addr];
		if (!i)
			return NULL;
		r = &map->ranges[i - 1];
		return addr + (len - 1) > r->last ? NULL : r;
	}
	i = v3_range_lower(map, addr);
	if (i >= map->nr)
		return NULL;
	r = &map->ranges[i];
	if (r->first > addr || addr + (len - 1) > r->last)
		return NULL;
	return r;
}

int v3_range_dispatch(const struct v3_range_map *map, u64 addr, void *data,
		      unsigned int len, bool write)
{
	const struct v3_range *r = v3_range_find(map, addr, len);

	if (!r)
		return -ENOENT;
	return r->fn(addr, data, len, write, r->priv);
}
