// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios core: loading a guest image (see <palacios/image.h>).
 */
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>

#include <asm/byteorder.h>

#include <palacios/guest.h>
#include <palacios/image.h>
#include <palacios/log.h>
#include <palacios/mem.h>

#define V3_PTE_P	0x001ULL
#define V3_PTE_RW	0x002ULL
#define V3_PTE_PS	0x080ULL

static int v3_image_bad(const char *name, const char *why)
{
	v3_err_ratelimited("guest %s: bad image: %s\n", name, why);
	return -ENOEXEC;
}

int v3_image_check(const char *name, const void *image, u64 size,
		   struct v3_image_info *info)
{
	const struct v3_image_header *h = image;
	u64 mem;

	if (size < sizeof(*h) ||
	    memcmp(h->magic, V3_IMAGE_MAGIC, sizeof(h->magic)))
		return v3_image_bad(name, "not a Palacios image (no PALACIOS magic)");
	if (le32_to_cpu(h->version) != V3_IMAGE_VERSION)
		return v3_image_bad(name, "unsupported version");
	if (le32_to_cpu(h->header_size) != sizeof(*h))
		return v3_image_bad(name, "bad header size");
	if (le32_to_cpu(h->mode) > V3_IMAGE_LONG64)
		return v3_image_bad(name, "unknown start mode");
	if (le32_to_cpu(h->nr_vcpus) > V3_MAX_VCPUS)
		return v3_image_bad(name, "too many vCPUs");
	if (h->flags || h->reserved)
		return v3_image_bad(name, "unknown flags");
	mem = le64_to_cpu(h->mem_size);
	if (mem % V3_MEM_ALIGN || mem > V3_MEM_MAX)
		return v3_image_bad(name, "memory size not a multiple of 2 MiB or above 64 GiB");
	info->mem_size = mem;
	info->nr_vcpus = le32_to_cpu(h->nr_vcpus) ? : 1;
	return 0;
}

int v3_image_tables(struct v3_mem_map *mem, const u64 gdt[4])
{
	__le64 *pml4, *pdpt, *pd;
	unsigned int i;

	pml4 = v3_gpa_to_hva(mem, V3_IMAGE_PML4_GPA, V3_PAGE_SIZE);
	pdpt = v3_gpa_to_hva(mem, V3_IMAGE_PDPT_GPA, V3_PAGE_SIZE);
	pd = v3_gpa_to_hva(mem, V3_IMAGE_PD_GPA, 4 * V3_PAGE_SIZE);
	if (!pml4 || !pdpt || !pd ||
	    v3_mem_write(mem, V3_IMAGE_GDT_GPA, gdt, 4 * sizeof(*gdt)))
		return -ENOEXEC;

	pml4[0] = cpu_to_le64(V3_IMAGE_PDPT_GPA | V3_PTE_P | V3_PTE_RW);
	for (i = 0; i < 4; i++)
		pdpt[i] = cpu_to_le64((V3_IMAGE_PD_GPA + i * V3_PAGE_SIZE) |
				      V3_PTE_P | V3_PTE_RW);
	for (i = 0; i < 4 * 512; i++)
		pd[i] = cpu_to_le64(((u64)i << 21) | V3_PTE_P | V3_PTE_RW |
				    V3_PTE_PS);
	return 0;
}

/* The loader's GDT and identity page tables, for PROT32 and LONG64. */
static int v3_image_setup(const char *name, struct v3_mem_map *mem)
{
	static const u64 gdt[4] = {
		0, V3_GDT_CODE32, V3_GDT_DATA, V3_GDT_CODE64
	};

	if (v3_image_tables(mem, gdt))
		return v3_image_bad(name, "guest memory too small for the loader's tables");
	return 0;
}

int v3_image_load(struct v3_vm *vm, const void *image, u64 size,
		  struct v3_boot_state *bs)
{
	const struct v3_image_header *h = image;
	const char *name = vm->name;
	struct v3_image_info info;
	u64 load, len;
	int err;

	err = v3_image_check(vm->name, image, size, &info);
	if (err)
		return err;
	load = le64_to_cpu(h->load_gpa);
	len = size - sizeof(*h);

	memset(bs, 0, sizeof(*bs));
	bs->mode = le32_to_cpu(h->mode);
	bs->rip = le64_to_cpu(h->entry);
	bs->rsp = le64_to_cpu(h->stack);
	bs->rdi = vm->mem.size;
	bs->cr3 = V3_IMAGE_PML4_GPA;
	bs->cs = bs->mode == V3_IMAGE_PROT32 ? V3_IMAGE_CS32 : V3_IMAGE_CS64;
	bs->ds = V3_IMAGE_DS;

	if (bs->mode == V3_IMAGE_REAL16) {
		bs->cs = 0;		/* CS:IP is 0:entry */
		if (bs->rip > 0xffff || bs->rsp > 0x10000)
			return v3_image_bad(name, "real-mode entry or stack above 64 KiB");
	} else {
		if (load < V3_IMAGE_SETUP_END && load + len > V3_IMAGE_SETUP_START)
			return v3_image_bad(name, "payload overlaps the loader's tables");
		err = v3_image_setup(vm->name, &vm->mem);
		if (err)
			return err;
	}
	if (load + len < load || v3_mem_write(&vm->mem, load, h + 1, len))
		return v3_image_bad(name, "payload does not fit in guest memory");
	return 0;
}
