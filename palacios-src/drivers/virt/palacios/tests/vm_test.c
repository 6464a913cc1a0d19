// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests that run small guests on the hardware backend: output,
 * hypercalls, the ways a VM stops, and that every page comes back.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include <asm/byteorder.h>

#include <palacios/image.h>
#include <palacios/vm.h>
#include <palacios/vmm.h>

#include "../linux/glue.h"

/* Real mode: print "K\n" on COM1, then EXIT(42) */
static const u8 code_hello[] = {
	0xba, 0xf8, 0x03,			/* mov $0x3f8, %dx */
	0xb0, 'K', 0xee,			/* mov $'K', %al; out %al, (%dx) */
	0xb0, '\n', 0xee,			/* mov $'\n', %al; out */
	0x66, 0xb8, 0x00, 0x00, 0x00, 0x00,	/* mov $V3_HCALL_EXIT, %eax */
	0x66, 0xbb, 0x2a, 0x00, 0x00, 0x00,	/* mov $42, %ebx */
	0x0f, 0x01, 0xd9,			/* vmmcall */
	0xf4,					/* hlt */
};

static const u8 code_cli_hlt[] = { 0xfa, 0xf4 };	/* cli; hlt */
static const u8 code_spin[] = { 0xeb, 0xfe };		/* jmp . */
static const u8 code_ud2[] = { 0x0f, 0x0b };		/* ud2, no IDT */

struct vm_ctx {
	spinlock_t lock;	/* protects out and len */
	char out[64];
	unsigned int len;
	struct completion stopped;
};

static void ctx_console(void *priv, const u8 *buf, unsigned int len)
{
	struct vm_ctx *ctx = priv;
	unsigned long flags;

	spin_lock_irqsave(&ctx->lock, flags);
	while (len-- && ctx->len < sizeof(ctx->out) - 1)
		ctx->out[ctx->len++] = *buf++;
	spin_unlock_irqrestore(&ctx->lock, flags);
}

static void ctx_stopped(struct v3_vm *vm, void *priv)
{
	struct vm_ctx *ctx = priv;

	complete(&ctx->stopped);
}

/* Build an image of @code started in @mode, create and start its VM. */
static struct v3_vm *start_guest(struct kunit *test, struct vm_ctx *ctx,
				 unsigned int mode, const u8 *code,
				 size_t len)
{
	struct v3_vm_config cfg = {
		.name = "kunit",
		.mem_size = 2 << 20,
		.nr_vcpus = 1,
		.console = ctx_console,
		.on_stop = ctx_stopped,
		.priv = ctx,
	};
	struct v3_image_header *h;
	struct v3_vm *vm;
	u64 load = mode == V3_IMAGE_REAL16 ? 0x7c00 : 0x100000;

	spin_lock_init(&ctx->lock);
	init_completion(&ctx->stopped);
	h = kunit_kzalloc(test, sizeof(*h) + len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, h);
	memcpy(h->magic, V3_IMAGE_MAGIC, sizeof(h->magic));
	h->version = cpu_to_le32(V3_IMAGE_VERSION);
	h->header_size = cpu_to_le32(sizeof(*h));
	h->mode = cpu_to_le32(mode);
	h->load_gpa = cpu_to_le64(load);
	h->entry = cpu_to_le64(load);
	h->stack = cpu_to_le64(0x7000);
	memcpy(h + 1, code, len);

	KUNIT_ASSERT_EQ(test, v3_vm_create(&cfg, &vm), 0);
	KUNIT_EXPECT_EQ(test, v3_vm_state(vm), V3_VM_CREATED);
	KUNIT_EXPECT_EQ(test, v3_vm_start(vm), -EBUSY);
	KUNIT_EXPECT_EQ(test, v3_vm_load(vm, h, sizeof(*h) + len), 0);
	KUNIT_EXPECT_EQ(test, v3_vm_load(vm, h, sizeof(*h) + len), -EBUSY);
	KUNIT_EXPECT_EQ(test, v3_vm_state(vm), V3_VM_LOADED);
	KUNIT_EXPECT_EQ(test, v3_vm_start(vm), 0);
	return vm;
}

static void expect_stop(struct kunit *test, struct vm_ctx *ctx,
			struct v3_vm *vm, const char *reason)
{
	KUNIT_ASSERT_NE_MSG(test, wait_for_completion_timeout(&ctx->stopped,
							      10 * HZ), 0,
			    "the guest did not stop");
	KUNIT_EXPECT_EQ(test, v3_vm_state(vm), V3_VM_STOPPED);
	KUNIT_EXPECT_TRUE_MSG(test, strstr(v3_vm_stop_reason(vm), reason),
			      "reason: %s", v3_vm_stop_reason(vm));
}

static int pal_vm_init(struct kunit *test)
{
	struct v3_vm_config cfg = { .name = "probe", .mem_size = 2 << 20,
				    .nr_vcpus = 1 };
	struct v3_vm *vm;
	int err;

	if (!pal_vmm_active())
		kunit_skip(test, "the VMM is not running");
	/* a backend that enables its CPUs but runs no guest yet (VMX) */
	err = v3_vm_create(&cfg, &vm);
	if (err == -EOPNOTSUPP)
		kunit_skip(test, "the %s backend runs no guest yet",
			   v3_backend_name());
	if (!err)
		v3_vm_free(vm);
	return 0;
}

static void pal_test_vm_hello(struct kunit *test)
{
	u64 pages = pal_pages_in_use();
	struct vm_ctx ctx = {};
	struct v3_vm *vm;

	vm = start_guest(test, &ctx, V3_IMAGE_REAL16, code_hello,
			 sizeof(code_hello));
	expect_stop(test, &ctx, vm, "exited with code 42");
	KUNIT_EXPECT_STREQ(test, ctx.out, "K\n");
	KUNIT_EXPECT_EQ(test, v3_vm_exits(vm, V3_EXIT_IO), 2);
	KUNIT_EXPECT_EQ(test, v3_vm_exits(vm, V3_EXIT_VMMCALL), 1);
	KUNIT_EXPECT_EQ(test, v3_vm_start(vm), -EBUSY);
	v3_vm_free(vm);
	KUNIT_EXPECT_EQ(test, pal_pages_in_use(), pages);
}

static void pal_test_vm_halted(struct kunit *test)
{
	struct vm_ctx ctx = {};
	struct v3_vm *vm;

	vm = start_guest(test, &ctx, V3_IMAGE_REAL16, code_cli_hlt,
			 sizeof(code_cli_hlt));
	expect_stop(test, &ctx, vm, "halted with interrupts disabled");
	v3_vm_free(vm);
}

static void pal_test_vm_triple_fault(struct kunit *test)
{
	struct vm_ctx ctx = {};
	struct v3_vm *vm;

	vm = start_guest(test, &ctx, V3_IMAGE_LONG64, code_ud2,
			 sizeof(code_ud2));
	expect_stop(test, &ctx, vm, "triple fault");
	v3_vm_free(vm);
}

static void pal_test_vm_stop_spinning(struct kunit *test)
{
	u64 pages = pal_pages_in_use();
	struct vm_ctx ctx = {};
	unsigned long t0;
	struct v3_vm *vm;

	vm = start_guest(test, &ctx, V3_IMAGE_REAL16, code_spin,
			 sizeof(code_spin));
	msleep(200);
	KUNIT_EXPECT_EQ(test, v3_vm_state(vm), V3_VM_RUNNING);
	t0 = jiffies;
	v3_vm_stop(vm);
	KUNIT_EXPECT_LT(test, jiffies - t0, HZ);
	expect_stop(test, &ctx, vm, "stopped by the host");
	/* Host interrupts made it exit while it spun. */
	KUNIT_EXPECT_GT(test, v3_vm_exits(vm, V3_EXIT_INTR), 0);
	v3_vm_free(vm);
	KUNIT_EXPECT_EQ(test, pal_pages_in_use(), pages);
}

static void pal_test_vm_bad_config(struct kunit *test)
{
	struct v3_vm_config cfg = { .name = "bad", .nr_vcpus = 1 };
	struct v3_vm *vm;

	cfg.mem_size = (2 << 20) + 4096;
	KUNIT_EXPECT_EQ(test, v3_vm_create(&cfg, &vm), -EINVAL);
	cfg.mem_size = 2 << 20;
	cfg.nr_vcpus = 0;
	KUNIT_EXPECT_EQ(test, v3_vm_create(&cfg, &vm), -EINVAL);
	cfg.nr_vcpus = V3_MAX_VCPUS + 1;
	KUNIT_EXPECT_EQ(test, v3_vm_create(&cfg, &vm), -EINVAL);
	cfg.nr_vcpus = 1;
	cfg.mem_size = V3_MEM_MAX + V3_MEM_ALIGN;
	KUNIT_EXPECT_EQ(test, v3_vm_create(&cfg, &vm), -EINVAL);
}

static struct kunit_case pal_vm_cases[] = {
	KUNIT_CASE(pal_test_vm_hello),
	KUNIT_CASE(pal_test_vm_halted),
	KUNIT_CASE(pal_test_vm_triple_fault),
	KUNIT_CASE(pal_test_vm_stop_spinning),
	KUNIT_CASE(pal_test_vm_bad_config),
	{}
};

static struct kunit_suite pal_vm_suite = {
	.name = "palacios_vm",
	.init = pal_vm_init,
	.test_cases = pal_vm_cases,
};

kunit_test_suites(&pal_vm_suite);
