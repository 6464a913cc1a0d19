// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios host interface on Linux: pages, heap and address translation.
 *
 * Guest memory is charged to the memory cgroup of the process that asks for
 * it, and large requests never wake the OOM killer: they fail with -ENOMEM.
 */
#include <linux/atomic.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include <palacios/host.h>

#include "glue.h"

#define PAL_GFP_PAGES	(GFP_KERNEL_ACCOUNT | __GFP_ZERO | __GFP_NOWARN)

/* Pages handed out by the page hooks and not yet given back */
static atomic64_t pal_pages = ATOMIC64_INIT(0);

u64 pal_pages_in_use(void)
{
	return atomic64_read(&pal_pages);
}

unsigned int v3_host_max_order(void)
{
	return MAX_PAGE_ORDER;
}

static struct page *pal_alloc_order(unsigned int order, gfp_t gfp)
{
	struct page *page;

	page = alloc_pages(gfp, order);
	if (page)
		atomic64_add(1UL << order, &pal_pages);
	return page;
}

int v3_host_alloc_pages(unsigned int order, u64 *hpa)
{
	struct page *page;

	if (order > MAX_PAGE_ORDER)
		return -EINVAL;
	page = pal_alloc_order(order, PAL_GFP_PAGES | __GFP_RETRY_MAYFAIL);
	if (!page)
		return -ENOMEM;
	*hpa = page_to_phys(page);
	return 0;
}

void v3_host_free_pages(u64 hpa, unsigned int order)
{
	__free_pages(pfn_to_page(PHYS_PFN(hpa)), order);
	atomic64_sub(1UL << order, &pal_pages);
}

static int pal_chunks_grow(struct v3_chunk_list *list, unsigned long *cap)
{
	unsigned long new_cap = *cap * 2;
	struct v3_chunk *chunks;

	chunks = kvmalloc_array(new_cap, sizeof(*chunks), GFP_KERNEL_ACCOUNT);
	if (!chunks)
		return -ENOMEM;
	memcpy(chunks, list->chunks, list->nr_chunks * sizeof(*chunks));
	kvfree(list->chunks);
	list->chunks = chunks;
	*cap = new_cap;
	return 0;
}

int v3_host_alloc_chunks(u64 nr_pages, unsigned int max_order,
			 struct v3_chunk_list *list)
{
	unsigned int order = min_t(unsigned int, max_order, MAX_PAGE_ORDER);
	u64 left = nr_pages;
	unsigned long cap;
	int err;

	memset(list, 0, sizeof(*list));
	if (!nr_pages)
		return -EINVAL;
	/* A request larger than all of RAM cannot succeed: say so at once. */
	if (nr_pages > totalram_pages())
		return -ENOMEM;

	cap = (nr_pages >> order) + 16;
	list->chunks = kvmalloc_array(cap, sizeof(*list->chunks),
				      GFP_KERNEL_ACCOUNT);
	if (!list->chunks)
		return -ENOMEM;

	while (left) {
		struct page *page;

		/*
		 * Large orders are only an optimisation: give up on them
		 * quickly and fall back to smaller ones.  Single pages try
		 * hard, but fail rather than kill a process to make room.
		 */
		order = min_t(unsigned int, order, ilog2(left));
		page = pal_alloc_order(order, PAL_GFP_PAGES |
				       (order ? __GFP_NORETRY :
						__GFP_RETRY_MAYFAIL));
		if (!page) {
			if (!order) {
				err = -ENOMEM;
				goto fail;
			}
			order--;
			continue;
		}
		if (list->nr_chunks == cap) {
			err = pal_chunks_grow(list, &cap);
			if (err) {
				v3_host_free_pages(page_to_phys(page), order);
				goto fail;
			}
		}
		list->chunks[list->nr_chunks].hpa = page_to_phys(page);
		list->chunks[list->nr_chunks].order = order;
		list->nr_chunks++;
		list->nr_pages += 1ULL << order;
		left -= 1ULL << order;

		if (fatal_signal_pending(current)) {
			err = -EINTR;
			goto fail;
		}
		cond_resched();
	}
	return 0;

fail:
	v3_host_free_chunks(list);
	return err;
}

void v3_host_free_chunks(struct v3_chunk_list *list)
{
	unsigned long i;

	for (i = 0; i < list->nr_chunks; i++) {
		v3_host_free_pages(list->chunks[i].hpa, list->chunks[i].order);
		cond_resched();
	}
	kvfree(list->chunks);
	memset(list, 0, sizeof(*list));
}

void *v3_host_zalloc(size_t size)
{
	return kvzalloc(size, GFP_KERNEL_ACCOUNT);
}

void v3_host_free(void *ptr)
{
	kvfree(ptr);
}

u64 v3_host_va_to_pa(const void *va)
{
	if (is_vmalloc_addr(va)) {
		struct page *page = vmalloc_to_page(va);

		if (!page)
			return V3_BAD_PA;
		return page_to_phys(page) + offset_in_page(va);
	}
	if (!virt_addr_valid(va))
		return V3_BAD_PA;
	return __pa(va);
}

void *v3_host_pa_to_va(u64 pa)
{
	return phys_to_virt(pa);
}
