// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness of the port I/O and MMIO hook registries: the input is
 * a program of hooks, unhooks, lookups and dispatches on both registries,
 * each checked against a plain list of ranges.  Aborts on a mismatch; frees
 * everything at the end, so that LeakSanitizer checks for leaks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/array_size.h>

#include <palacios/io.h>

#include "../test_host.h"

/* The Makefile names this LLVMFuzzerTestOneInput, libFuzzer's entry */
int fuzz_one_input(const u8 *data, size_t size);

#define MAX_RANGES	64
#define NR_TOKENS	16

struct model_range {
	u64 first;
	u64 last;
	void *priv;
};

struct model {
	struct v3_range_map map;
	struct model_range r[MAX_RANGES];
	unsigned int nr;
};

struct input {
	const u8 *data;
	size_t left;
};

static int tokens[NR_TOKENS];

static struct {
	unsigned int calls;
	u64 addr;
	unsigned int len;
	bool write;
	void *priv;
} last_call;

static int fz_access(u64 addr, void *data, unsigned int len, bool write,
		     void *priv)
{
	int token = (int *)priv - tokens;

	last_call.calls++;
	last_call.addr = addr;
	last_call.len = len;
	last_call.write = write;
	last_call.priv = priv;
	if (!write)
		memset(data, token, len);
	return token % 4 == 3 ? -EIO : token;
}

static int fz_result(void *priv)
{
	int token = (int *)priv - tokens;

	return token % 4 == 3 ? -EIO : token;
}

static u8 get8(struct input *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->data++;
}

static u64 get64(struct input *in)
{
	u64 v = 0;
	unsigned int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | get8(in);
	return v;
}

/* An address near one of the interesting ones, or any address */
static u64 get_addr(struct input *in)
{
	static const u64 bases[] = {
		0, 1, 0x60, 0x3f8, 0xfff0, 0xffff, 0x10000, 0xfee00000,
		0x7fffffffffffffffULL, ~0ULL - 0x20,
	};
	u8 sel = get8(in);

	if (sel & 0x80)
		return get64(in);
	return bases[sel % ARRAY_SIZE(bases)] + (get8(in) & 0x3f);
}

/* The model's range that holds the whole access, or NULL */
static struct model_range *model_find(struct model *m, u64 addr,
				      unsigned int len)
{
	unsigned int i;

	if (!len || addr + (len - 1) < addr || addr + (len - 1) > m->map.limit)
		return NULL;
	for (i = 0; i < m->nr; i++)
		if (m->r[i].first <= addr && addr + (len - 1) <= m->r[i].last)
			return &m->r[i];
	return NULL;
}

static int model_index(struct model *m, u64 first)
{
	unsigned int i;

	for (i = 0; i < m->nr; i++)
		if (m->r[i].first == first)
			return i;
	return -1;
}

static void check_map(struct model *m)
{
	const struct v3_range_map *map = &m->map;
	unsigned int i;
	int k;

	if (map->nr != m->nr || map->nr > map->cap)
		abort();
	for (i = 0; i < map->nr; i++) {
		const struct v3_range *r = &map->ranges[i];

		if (r->first > r->last || r->last > map->limit ||
		    r->fn != fz_access)
			abort();
		if (i && map->ranges[i - 1].last >= r->first)
			abort();
		k = model_index(m, r->first);
		if (k < 0 || m->r[k].last != r->last || m->r[k].priv != r->priv)
			abort();
	}
}

static void op_hook(struct model *m, struct input *in, u8 op)
{
	u64 first = get_addr(in), last;
	u8 span = get8(in);
	void *priv = &tokens[get8(in) % NR_TOKENS];
	v3_access_fn fn = op & 0x40 ? NULL : fz_access;
	bool fail = op & 0x20;
	unsigned int i;
	int want = 0, err;

	if (m->nr == MAX_RANGES)
		return;
	if (span & 0x80)
		last = span & 0x40 ? get64(in) : first - 1;
	else
		last = first + (span & 0x3f);
	if (!fn || first > last || last > m->map.limit)
		want = -EINVAL;
	for (i = 0; !want && i < m->nr; i++)
		if (m->r[i].first <= last && first <= m->r[i].last)
			want = -EBUSY;
	test_host.fail_zalloc = fail;
	err = v3_range_hook(&m->map, first, last, fn, priv);
	test_host.fail_zalloc = false;
	if (err != want && !(fail && !want && err == -ENOMEM))
		abort();
	if (!err)
		m->r[m->nr++] = (struct model_range){ first, last, priv };
}

static void op_unhook(struct model *m, struct input *in, u8 op)
{
	u64 first;
	int k, err;

	if (m->nr && (op & 0x40))
		first = m->r[get8(in) % m->nr].first;
	else
		first = get_addr(in);
	k = model_index(m, first);
	err = v3_range_unhook(&m->map, first);
	if (err != (k < 0 ? -ENOENT : 0))
		abort();
	if (k >= 0)
		m->r[k] = m->r[--m->nr];
}

static void op_access(struct model *m, struct input *in, u8 op)
{
	unsigned int len = get8(in) % 10, calls = last_call.calls;
	bool write = op & 0x20;
	const struct v3_range *found;
	struct model_range *r;
	u8 buf[16];
	u64 addr;
	int err;

	if (m->nr && (op & 0x40)) {
		r = &m->r[get8(in) % m->nr];
		addr = r->first + get64(in) % (r->last - r->first + 1 ?: ~0ULL);
	} else {
		addr = get_addr(in);
	}
	r = model_find(m, addr, len);
	found = v3_range_find(&m->map, addr, len);
	if (r ? !found || found->first != r->first || found->priv != r->priv
	      : !!found)
		abort();
	memset(buf, 0xee, sizeof(buf));
	err = v3_range_dispatch(&m->map, addr, buf, len, write);
	if (!r) {
		if (err != -ENOENT || last_call.calls != calls)
			abort();
		return;
	}
	if (err != fz_result(r->priv) || last_call.calls != calls + 1 ||
	    last_call.addr != addr || last_call.len != len ||
	    last_call.write != write || last_call.priv != r->priv)
		abort();
}

int fuzz_one_input(const u8 *data, size_t size)
{
	static struct model models[2];
	struct input in = { data, size };
	unsigned int i;

	memset(&test_host, 0, sizeof(test_host));
	memset(models, 0, sizeof(models));
	v3_io_map_init(&models[0].map);
	v3_mmio_map_init(&models[1].map);
	while (in.left) {
		u8 op = get8(&in);
		struct model *m = &models[op >> 7];

		switch (op & 7) {
		case 0: case 1: case 2:
			op_hook(m, &in, op);
			break;
		case 3:
			op_unhook(m, &in, op);
			break;
		case 4: case 5: case 6:
			op_access(m, &in, op);
			break;
		default:
			v3_range_map_free(&m->map);
			m->nr = 0;
			if (m->map.ranges || m->map.cap ||
			    m->map.limit != (op >> 7 ? ~0ULL : 0xffff))
				abort();
			break;
		}
		check_map(m);
	}
	for (i = 0; i < ARRAY_SIZE(models); i++)
		v3_range_map_free(&models[i].map);
	if (test_host.objects || test_host.pages)
		abort();
	return 0;
}
