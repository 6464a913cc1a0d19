// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of VMs: their life cycle, and the run loop and exit handlers
 * of the SVM backend driven by a scripted guest (model_svm.c) on the
 * model CPU.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <linux/array_size.h>
#include <linux/bits.h>

#include <uapi/asm/svm.h>

#include <palacios/arch.h>
#include <palacios/backend.h>
#include <palacios/devices.h>
#include <palacios/board.h>
#include <palacios/guest.h>
#include <palacios/host.h>
#include <palacios/image.h>
#include <palacios/vm.h>
#include <palacios/vmm.h>

#include "../../../drivers/virt/palacios/svm/svm.h"
#include "model_svm.h"
#include "test_host.h"
#include "tests.h"

#define SVM_NPT		BIT(0)
#define SVM_NRIPS	BIT(3)

#define RFLAGS_IF	BIT_ULL(9)
#define GP_EVENT	(13 | SVM_EVTINJ_EXCEPTION | SVM_EVTINJ_VALID | \
			 SVM_EVTINJ_ERR_VALID)
#define UD_EVENT	(6 | SVM_EVTINJ_EXCEPTION | SVM_EVTINJ_VALID)

/* The guest's code: the instructions its exits are for */
#define LOAD		0x100000ULL
#define G_CPUID		(LOAD + 0x00)	/* 0f a2 */
#define G_RDMSR		(LOAD + 0x02)	/* 0f 32 */
#define G_WRMSR		(LOAD + 0x04)	/* 0f 30 */
#define G_HLT		(LOAD + 0x06)	/* f4 */
#define G_VMMCALL	(LOAD + 0x07)	/* 0f 01 d9 */
#define G_IN		(LOAD + 0x0a)	/* ec */
#define G_OUT		(LOAD + 0x0b)	/* ee */
#define G_INVD		(LOAD + 0x0c)	/* 0f 08 */
#define G_NOPS		(LOAD + 0x10)	/* 90 ... */
#define G_WBINVD	(LOAD + 0x20)	/* 0f 09 */
#define G_RDPMC		(LOAD + 0x22)	/* 0f 33 */
#define G_TO_DR1	(LOAD + 0x24)	/* 41 0f 23 c9: mov %r9, %dr1 */
#define G_FROM_DR1	(LOAD + 0x28)	/* 0f 21 cb: mov %dr1, %rbx */
#define G_LOAD		(LOAD + 0x2b)	/* 8b 00: mov (%rax), %eax */
#define G_STORE		(LOAD + 0x2d)	/* 89 00: mov %eax, (%rax) */
#define G_TO_CR4	(LOAD + 0x2f)	/* 0f 22 e2: mov %rdx, %cr4 */
#define ENTRY		(LOAD + 0x40)
#define STACK		0x80000ULL
#define ENTRY16		0x7c00ULL	/* real mode: below 64 KiB */
#define STACK16		0x7000ULL

static const u8 guest_code[0x40] = {
	0x0f, 0xa2, 0x0f, 0x32, 0x0f, 0x30, 0xf4, 0x0f, 0x01, 0xd9, 0xec,
	0xee, 0x0f, 0x08, 0x90, 0x90,
	0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90,
	0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90,
	0x0f, 0x09, 0x0f, 0x33, 0x41, 0x0f, 0x23, 0xc9,
	0x0f, 0x21, 0xcb, 0x8b, 0x00, 0x89, 0x00, 0x0f, 0x22, 0xe2,
};

static struct {
	struct v3_image_header h;
	u8 code[0x80];
} gimg;

static bool nrips;		/* the model CPU has next-RIP save */
static long base_pages, base_objects;
static unsigned int nr_up;

/* Core bring-up on the model CPU */

static void up_here(void *arg)
{
	int *ret = arg;

	*ret = v3_cpu_up(v3_host_cpu_id());
}

static void down_here(void *arg)
{
	v3_cpu_down(v3_host_cpu_id());
}

static void cpu_down(int cpu)
{
	v3_host_call_on_cpu(cpu, down_here, NULL);
}

/* An AMD CPU with SVM and NPT (and NRIPS if @with_nrips), @n of them. */
static void core_up(unsigned int n, bool with_nrips)
{
	unsigned int cpu;
	int ret;

	memset(&test_host, 0, sizeof(test_host));
	memset(model_cpus, 0, sizeof(model_cpus));
	test_host.nr_cpus = n;
	nrips = with_nrips;
	for (cpu = 0; cpu < n; cpu++) {
		struct model_cpu *c = &model_cpus[cpu];
		u32 *l0 = c->cpuid[model_leaf(0)];

		l0[0] = 0xd;
		memcpy(&l0[1], "Auth", 4);
		memcpy(&l0[3], "enti", 4);
		memcpy(&l0[2], "cAMD", 4);
		c->cpuid[model_leaf(1)][0] = 0x00a00f11;
		c->cpuid[model_leaf(1)][1] = 0x12345678;
		c->cpuid[model_leaf(1)][2] = ~0U;
		c->cpuid[model_leaf(1)][3] = ~0U;
		c->cpuid[model_leaf(7)][0] = 1;
		c->cpuid[model_leaf(7)][1] = ~0U;
		c->cpuid[model_leaf(7)][2] = ~0U;
		c->cpuid[model_leaf(7)][3] = ~0U;
		c->cpuid[model_leaf(0xd)][1] = 0x340;
		c->cpuid[model_leaf(0x80000000)][0] = 0x8000001f;
		c->cpuid[model_leaf(0x80000001)][0] = 0x00a00f11;
		c->cpuid[model_leaf(0x80000001)][2] = ~0U;	/* SVM too */
		c->cpuid[model_leaf(0x80000001)][3] = ~0U;
		c->cpuid[model_leaf(0x80000007)][0] = ~0U;
		c->cpuid[model_leaf(0x80000007)][1] = ~0U;
		c->cpuid[model_leaf(0x80000007)][2] = ~0U;
		c->cpuid[model_leaf(0x80000007)][3] = ~0U;
		c->cpuid[model_leaf(0x80000008)][0] = 0x3030;
		c->cpuid[model_leaf(0x80000008)][1] = ~0U;	/* IBPB, ... */
		c->cpuid[model_leaf(0x80000008)][2] = 0x7;	/* 8 cores */
		c->cpuid[model_leaf(0x80000008)][3] = ~0U;
		c->cpuid[model_leaf(0x8000000a)][0] = 1;
		c->cpuid[model_leaf(0x8000000a)][1] = 16;
		c->cpuid[model_leaf(0x8000000a)][3] =
			SVM_NPT | (with_nrips ? SVM_NRIPS : 0);
		c->msrs[0] = (struct model_msr){ MSR_EFER, 0xd01 };
		c->msrs[1] = (struct model_msr){ MSR_VM_CR, 0 };
		c->msrs[2] = (struct model_msr){ MSR_VM_HSAVE_PA, 0 };
	}
	CHECK(v3_init() == 0);
	for (cpu = 0; cpu < n; cpu++) {
		ret = -1;
		v3_host_call_on_cpu(cpu, up_here, &ret);
		CHECK(ret == 0);
	}
	nr_up = n;
	base_pages = test_host.pages;
	base_objects = test_host.objects;
	model_svm_reset(NULL, NULL);
}

static void core_down(void)
{
	unsigned int cpu;

	for (cpu = 0; cpu < nr_up; cpu++)
		cpu_down(cpu);
	v3_exit();
	CHECK(test_host.pages == 0 && test_host.objects == 0);
}

/* Guests */

static void image(u32 mode, u64 entry)
{
	memset(&gimg, 0, sizeof(gimg));
	memcpy(gimg.h.magic, V3_IMAGE_MAGIC, 8);
	gimg.h.version = V3_IMAGE_VERSION;
	gimg.h.header_size = sizeof(gimg.h);
	gimg.h.mode = mode;
	gimg.h.load_gpa = LOAD;
	gimg.h.entry = entry;
	gimg.h.stack = mode == V3_IMAGE_REAL16 ? STACK16 : STACK;
	memcpy(gimg.code, guest_code, sizeof(guest_code));
}

static const struct v3_vm_config default_cfg = {
	.name = "t", .mem_size = 4 * MiB, .nr_vcpus = 1,
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* Wait up to 5 s for @vm to stop on its own. */
static bool wait_stopped(struct v3_vm *vm)
{
	double end = now() + 5;

	while (v3_vm_state(vm) != V3_VM_STOPPED) {
		if (now() > end)
			return false;
		sleep_ms(1);
	}
	return true;
}

/* Create, load and start a VM that runs @step. */
static struct v3_vm *start(const struct v3_vm_config *cfg, u32 mode,
			   model_step_t step, void *priv)
{
	struct v3_vm *vm = NULL;

	model_svm_reset(step, priv);
	CHECK(v3_vm_create(cfg ? cfg : &default_cfg, &vm) == 0);
	if (!vm)
		return NULL;
	image(mode, mode == V3_IMAGE_REAL16 ? ENTRY16 : ENTRY);
	CHECK(v3_vm_load(vm, &gimg, sizeof(gimg)) == 0);
	CHECK(v3_vm_start(vm) == 0);
	return vm;
}

/* Free @vm and check that it left nothing, and that the model was happy. */
static void finish(struct v3_vm *vm)
{
	v3_vm_free(vm);
	CHECK(test_host.pages == base_pages);
	CHECK(test_host.objects == base_objects);
	CHECK(test_host.fpu_gets == test_host.fpu_puts);
	CHECK(test_host.fpu_errors == 0);
	CHECK(model_svm.bad == 0);
	if (model_svm.bad)
		printf("# model: %s\n", model_svm.why);
}

/* Run @step to its end; return the VM, stopped, for checks and finish(). */
static struct v3_vm *run(const struct v3_vm_config *cfg, model_step_t step,
			 void *priv)
{
	struct v3_vm *vm = start(cfg, V3_IMAGE_LONG64, step, priv);

	if (vm)
		CHECK(wait_stopped(vm));
	return vm;
}

/* The guest exits for the instruction at @rip, of @len bytes. */
static int insn_exit(struct vmcb *v, u64 code, u64 rip, unsigned int len)
{
	v->save.rip = rip;
	v->control.exit_code = code;
	if (nrips)
		v->control.next_rip = rip + len;
	return MODEL_EXIT;
}

static int hypercall(struct vmcb *v, u64 *r, u64 nr, u64 arg)
{
	r[V3_RAX] = nr;
	r[V3_RBX] = arg;
	return insn_exit(v, SVM_EXIT_VMMCALL, G_VMMCALL, 3);
}

static int guest_exit(struct vmcb *v, u64 *r, u64 code)
{
	return hypercall(v, r, V3_HCALL_EXIT, code);
}

static int cpuid(struct vmcb *v, u64 *r, u32 leaf, u32 subleaf)
{
	r[V3_RAX] = 0xabcdef0000000000ULL | leaf;
	r[V3_RCX] = subleaf;
	r[V3_RBX] = 0x5a5a5a5a5a5a5a5aULL;
	r[V3_RDX] = 0x5a5a5a5a5a5a5a5aULL;
	return insn_exit(v, SVM_EXIT_CPUID, G_CPUID, 2);
}

static int io(struct vmcb *v, u16 port, unsigned int size, bool in)
{
	v->save.rip = in ? G_IN : G_OUT;
	v->control.exit_code = SVM_EXIT_IOIO;
	v->control.exit_info_1 = ((u64)port << SVM_IOIO_PORT_SHIFT) |
				 ((u64)size << SVM_IOIO_SIZE_SHIFT) |
				 (in ? SVM_IOIO_IN : 0);
	v->control.exit_info_2 = v->save.rip + 1;
	if (nrips)
		v->control.next_rip = v->save.rip + 1;
	return MODEL_EXIT;
}

static int rdmsr(struct vmcb *v, u64 *r, u32 msr)
{
	r[V3_RCX] = msr;
	r[V3_RAX] = ~0ULL;
	r[V3_RDX] = ~0ULL;
	v->control.exit_info_1 = 0;
	return insn_exit(v, SVM_EXIT_MSR, G_RDMSR, 2);
}

static int wrmsr(struct vmcb *v, u64 *r, u32 msr, u64 val)
{
	r[V3_RCX] = msr;
	r[V3_RAX] = 0xffffffff00000000ULL | (u32)val;
	r[V3_RDX] = val >> 32;
	insn_exit(v, SVM_EXIT_MSR, G_WRMSR, 2);
	v->control.exit_info_1 = 1;
	return MODEL_EXIT;
}

static u64 edx_eax(const u64 *r)
{
	return (r[V3_RDX] << 32) | (u32)r[V3_RAX];
}

/* Life cycle */

static void test_create_bad_config(void)
{
	static const struct v3_vm_config bad[] = {
		{ .mem_size = 4 * MiB, .nr_vcpus = 0 },
		{ .mem_size = 4 * MiB, .nr_vcpus = V3_MAX_VCPUS + 1 },
		{ .mem_size = 0, .nr_vcpus = 1 },
		{ .mem_size = 3 * MiB, .nr_vcpus = 1 },
		{ .mem_size = V3_MEM_MAX + 2 * MiB, .nr_vcpus = 1 },
	};
	struct v3_vm *vm = NULL;
	unsigned int i;

	memset(&test_host, 0, sizeof(test_host));
	CHECK(v3_vm_create(&default_cfg, &vm) == -ENODEV);	/* no v3_init */
	core_up(2, false);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		CHECK(v3_vm_create(&bad[i], &vm) == -EINVAL);
	CHECK(!vm);
	CHECK(test_host.pages == base_pages);
	CHECK(test_host.objects == base_objects);
	/* SVM on no CPU */
	cpu_down(0);
	cpu_down(1);
	CHECK(v3_vm_create(&default_cfg, &vm) == -ENODEV);
	core_down();
}

static void test_create_no_memory(void)
{
	struct v3_vm *vm = NULL;
	long n;
	int err;

	core_up(2, false);
	test_host.fail_pages = true;
	CHECK(v3_vm_create(&default_cfg, &vm) == -ENOMEM);
	test_host.fail_pages = false;
	test_host.fail_zalloc = true;
	CHECK(v3_vm_create(&default_cfg, &vm) == -ENOMEM);
	test_host.fail_zalloc = false;
	CHECK(test_host.pages == base_pages);
	CHECK(test_host.objects == base_objects);
	/* each allocation in turn: an error, and nothing left behind */
	for (n = 1; n < 200; n++) {
		test_host.fail_nth = n;
		err = v3_vm_create(&default_cfg, &vm);
		if (!err)
			break;
		CHECK(err == -ENOMEM);
		CHECK(test_host.pages == base_pages);
		CHECK(test_host.objects == base_objects);
		if (case_failed) {
			printf("# allocation %ld\n", n);
			break;
		}
	}
	CHECK(test_host.fail_nth > 0);	/* it did succeed, unhindered */
	test_host.fail_nth = 0;
	CHECK(n > 10 && n < 200);
	if (!err)
		finish(vm);
	core_down();
}

static void test_life_cycle(void)
{
	struct v3_vm_config cfg = default_cfg;
	struct v3_vm *vm = NULL;

	core_up(2, false);
	cfg.name = "a-very-long-name-that-the-core-truncates";
	CHECK(v3_vm_create(&cfg, &vm) == 0);
	CHECK(strlen(v3_vm_name(vm)) == V3_VM_NAME_LEN - 1);
	CHECK(!strncmp(v3_vm_name(vm), cfg.name, V3_VM_NAME_LEN - 1));
	CHECK(v3_vm_state(vm) == V3_VM_CREATED);
	CHECK(!strcmp(v3_vm_stop_reason(vm), ""));
	CHECK(v3_vm_start(vm) == -EBUSY);		/* not loaded */
	v3_vm_stop(vm);					/* not running */
	CHECK(v3_vm_state(vm) == V3_VM_CREATED);
	image(V3_IMAGE_LONG64, ENTRY);
	gimg.h.version = 2;
	CHECK(v3_vm_load(vm, &gimg, sizeof(gimg)) == -ENOEXEC);
	CHECK(v3_vm_state(vm) == V3_VM_CREATED);
	image(V3_IMAGE_LONG64, ENTRY);
	CHECK(v3_vm_load(vm, &gimg, sizeof(gimg)) == 0);
	CHECK(v3_vm_state(vm) == V3_VM_LOADED);
	CHECK(v3_vm_load(vm, &gimg, sizeof(gimg)) == -EBUSY);
	v3_vm_stop(vm);
	CHECK(v3_vm_state(vm) == V3_VM_LOADED);
	CHECK(v3_vm_exits(vm, V3_NR_EXIT_CLASSES) == 0);
	finish(vm);				/* free when LOADED */

	cfg.name = NULL;
	CHECK(v3_vm_create(&cfg, &vm) == 0);
	CHECK(!strcmp(v3_vm_name(vm), "guest"));
	finish(vm);				/* free when CREATED */
	v3_vm_free(NULL);
	core_down();
}

/* A guest that makes NOP hypercalls for ever. */
static int step_nop_loop(struct vmcb *v, u64 *r, unsigned long n, void *p)
{
	if (n)
		CHECK(r[V3_RAX] == 0);
	return hypercall(v, r, V3_HCALL_NOP, 0);
}

static void test_running_states(void)
{
	struct v3_vm *vm;
	double t;

	core_up(2, false);
	vm = start(NULL, V3_IMAGE_LONG64, step_nop_loop, NULL);
	CHECK(v3_vm_state(vm) == V3_VM_RUNNING);
	CHECK(v3_vm_load(vm, &gimg, sizeof(gimg)) == -EBUSY);
	CHECK(v3_vm_start(vm) == -EBUSY);
	CHECK(!strcmp(v3_vm_stop_reason(vm), ""));
	while (v3_vm_exits(vm, V3_EXIT_VMMCALL) < 1000)
		sleep_ms(1);
	t = now();
	v3_vm_stop(vm);
	CHECK(now() - t < 0.5);
	CHECK(v3_vm_state(vm) == V3_VM_STOPPED);
	CHECK(!strcmp(v3_vm_stop_reason(vm), "stopped by the host"));
	CHECK(test_host_log_lines("vm t: stopped: stopped by the host") == 1);
	CHECK(test_host.errors == 0);
	CHECK(v3_vm_start(vm) == -EBUSY);		/* STOPPED */
	CHECK(v3_vm_load(vm, &gimg, sizeof(gimg)) == -EBUSY);
	v3_vm_stop(vm);
	CHECK(test_host_log_lines("stopped by the host") == 1);
	finish(vm);				/* free when STOPPED */
	/* and maybe one more for the run that saw the stop before VMRUN */
	CHECK(test_host.fpu_gets == model_svm.runs ||
	      test_host.fpu_gets == model_svm.runs + 1);

	/* free when RUNNING stops it first */
	vm = start(NULL, V3_IMAGE_LONG64, step_nop_loop, NULL);
	finish(vm);
	core_down();
}

/* Pause holds the vCPU out of the guest; resume lets it go on. */
static void test_pause_resume(void)
{
	struct v3_vm_stats st;
	struct v3_vm *vm;
	u64 n;

	core_up(2, false);
	model_tsc_step = 1;			/* every RDTSC moves on */
	vm = start(NULL, V3_IMAGE_LONG64, step_nop_loop, NULL);
	CHECK(v3_vm_resume(vm) == -EBUSY);		/* RUNNING */
	while (v3_vm_exits(vm, V3_EXIT_VMMCALL) < 100)
		sleep_ms(1);
	CHECK(v3_vm_pause(vm) == 0);
	CHECK(v3_vm_state(vm) == V3_VM_PAUSED);
	CHECK(v3_vm_pause(vm) == -EBUSY);
	CHECK(v3_vm_start(vm) == -EBUSY);
	CHECK(v3_vm_load(vm, &gimg, sizeof(gimg)) == -EBUSY);
	n = v3_vm_exits(vm, V3_EXIT_VMMCALL);
	sleep_ms(50);
	CHECK(v3_vm_exits(vm, V3_EXIT_VMMCALL) == n);
	CHECK(!strcmp(v3_vm_stop_reason(vm), ""));
	CHECK(v3_vm_resume(vm) == 0);
	CHECK(v3_vm_state(vm) == V3_VM_RUNNING);
	while (v3_vm_exits(vm, V3_EXIT_VMMCALL) < n + 100)
		sleep_ms(1);

	v3_vm_get_stats(vm, &st);
	CHECK(st.exits[V3_EXIT_VMMCALL] >= n + 100);
	CHECK(st.guest_tsc > 0 && st.vmm_tsc > 0);
	CHECK(st.halted_tsc == 0);

	/* Stopping a paused VM ends its threads and records why. */
	CHECK(v3_vm_pause(vm) == 0);
	v3_vm_stop(vm);
	CHECK(v3_vm_state(vm) == V3_VM_STOPPED);
	CHECK(!strcmp(v3_vm_stop_reason(vm), "stopped by the host"));
	CHECK(v3_vm_resume(vm) == -EBUSY);
	CHECK(v3_vm_pause(vm) == -EBUSY);
	finish(vm);

	/* and freeing a paused VM */
	vm = start(NULL, V3_IMAGE_LONG64, step_nop_loop, NULL);
	CHECK(v3_vm_pause(vm) == 0);
	finish(vm);
	model_tsc_step = 0;
	core_down();
}

/* The guest's state at entry */

static int step_entry(struct vmcb *v, u64 *r, unsigned long n, void *p)
{
	u32 mode = *(u32 *)p;
	unsigned int i;

	u64 entry = mode == V3_IMAGE_REAL16 ? ENTRY16 : ENTRY;
	u64 stack = mode == V3_IMAGE_REAL16 ? STACK16 : STACK;

	CHECK(n == 0);
	CHECK(v->save.rip == entry && r[V3_RSP] == stack);
	CHECK(v->save.rsp == stack);
	CHECK(r[V3_RDI] == 4 * MiB);
	for (i = 0; i < V3_NR_GPRS; i++)
		CHECK(i == V3_RSP || i == V3_RDI || r[i] == 0);
	CHECK(v->save.rflags == 2);
	CHECK(v->save.efer & EFER_SVME);
	/*
	 * The CPU's ASIDs (16 here) start a generation, with a flush of all,
	 * at the first entry; later vCPUs take fresh IDs without a flush.
	 */
	CHECK(v->control.asid == mode - V3_IMAGE_REAL16 + 1);
	CHECK(v->control.tlb_control == (mode == V3_IMAGE_REAL16));
	CHECK(v->control.intercept3 & BIT(24));	/* HLT */
	switch (mode) {
	case V3_IMAGE_REAL16:
		CHECK(v->save.cr0 == 0x10);
		CHECK(v->save.cs.selector == 0 && v->save.cs.base == 0);
		CHECK(!(v->save.cs.attrib & (SVM_SEG_L | SVM_SEG_DB)));
		break;
	case V3_IMAGE_PROT32:
		CHECK(v->save.cr0 == 0x31);
		CHECK(v->save.cs.selector == V3_IMAGE_CS32);
		CHECK(v->save.cs.attrib & SVM_SEG_DB);
		CHECK(v->save.ds.selector == V3_IMAGE_DS);
		CHECK(v->save.gdtr.base == V3_IMAGE_GDT_GPA);
		CHECK(!(v->save.efer & (EFER_LME | EFER_LMA)));
		break;
	default:
		CHECK(v->save.cr0 == 0x80000031);
		CHECK(v->save.cr3 == V3_IMAGE_PML4_GPA);
		CHECK(v->save.cr4 == 0x20);		/* PAE */
		CHECK(v->save.efer == (EFER_SVME | EFER_LME | EFER_LMA));
		CHECK(v->save.cs.selector == V3_IMAGE_CS64);
		CHECK(v->save.cs.attrib & SVM_SEG_L);
		CHECK(v->save.ss.selector == V3_IMAGE_DS);
		CHECK(v->save.gdtr.limit == 31);
		break;
	}
	/* the FPU holds the guest's state, which starts as after reset */
	CHECK(*(u16 *)model_fpu_regs() == 0x37f);
	CHECK(*(u32 *)(model_fpu_regs() + 24) == 0x1f80);
	/* the thread runs on the CPU its vCPU was given */
	CHECK(v3_host_cpu_id() == 1);
	v->control.exit_code = SVM_EXIT_SHUTDOWN;
	return MODEL_EXIT;
}

static void test_entry_state(void)
{
	u32 mode;

	core_up(2, false);
	for (mode = V3_IMAGE_REAL16; mode <= V3_IMAGE_LONG64; mode++) {
		struct v3_vm *vm = start(NULL, mode, step_entry, &mode);
		const void *vcpu = vm->vcpus[0];

		CHECK(wait_stopped(vm));
		CHECK(model_svm.runs == 1);
		CHECK(v3_get_cpu(1)->last_vm == vm);
		CHECK(test_host.branch_barriers == mode - V3_IMAGE_REAL16 + 1);
		finish(vm);
		/*
		 * No CPU may remember a freed VM: a new one at the same
		 * address would skip the branch predictor barrier.
		 */
		CHECK(v3_get_cpu(1)->last_vm != vm);
		(void)vcpu;
	}
	core_down();
}

/* CPUID */

static const u32 leaves[][2] = {
	{ 0, 0 }, { 1, 0 }, { 7, 0 }, { 7, 1 }, { 0xd, 0 }, { 0x40000000, 0 },
	{ 0x80000000, 0 }, { 0x80000001, 0 }, { 0x80000007, 0 },
	{ 0x80000008, 0 },
	{ 0x80000009, 0 }, { 0x8000000a, 0 }, { 0x8000001f, 0 },
};

static void check_cpuid(unsigned int i, const u64 *r)
{
	u32 a = r[V3_RAX], b = r[V3_RBX], c = r[V3_RCX], d = r[V3_RDX];

	/* 32-bit results, zero-extended */
	CHECK(!(r[V3_RAX] >> 32) && !(r[V3_RBX] >> 32) &&
	      !(r[V3_RCX] >> 32) && !(r[V3_RDX] >> 32));
	switch (leaves[i][0]) {
	case 0:
		CHECK(a == 7);			/* the VMM's highest leaf */
		CHECK(!memcmp(&b, "Auth", 4) && !memcmp(&d, "enti", 4) &&
		      !memcmp(&c, "cAMD", 4));
		break;
	case 1:
		CHECK(a == 0x00a00f11);
		CHECK(b == 0x00015678);		/* APIC ID 0, 1 CPU */
		CHECK(c & BIT(31));		/* hypervisor */
		CHECK(!(c & BIT(5)));		/* no VMX */
		CHECK(!(c & BIT(3)) && !(c & BIT(27)));	/* MONITOR, OSXSAVE */
		CHECK(c & BIT(0));		/* SSE3 kept */
		CHECK(d & BIT(0) && d & BIT(25));	/* FPU, SSE kept */
		CHECK(d & BIT(9) && !(d & BIT(12)));	/* APIC; no MTRR */
		break;
	case 7:
		if (leaves[i][1] == 0) {
			CHECK(a == 0 && c == 0 && d == 0);
			CHECK(b == (BIT(0) | BIT(3) | BIT(7) | BIT(8) | BIT(9) |
				    BIT(19) | BIT(20) | BIT(23)));
		} else {
			CHECK(!a && !b && !c && !d);
		}
		break;
	case 0x40000000:
		CHECK(a == 0x40000000);
		CHECK(!memcmp(&b, "Pala", 4) && !memcmp(&c, "cios", 4) &&
		      !memcmp(&d, "VMM\0", 4));
		break;
	case 0x80000000:
		CHECK(a == 0x80000008);
		break;
	case 0x80000001:
		CHECK(a == 0 && b == 0);
		CHECK(!(c & BIT(2)));		/* SVM hidden */
		CHECK(c == (BIT(0) | BIT(5) | BIT(6) | BIT(8)));
		CHECK(d & BIT(29) && d & BIT(20));	/* LM, NX */
		break;
	case 0x80000007:
		CHECK(!a && !b && !c && d == BIT(8));	/* invariant TSC */
		break;
	case 0x80000008:
		CHECK(a == 0x3030);
		CHECK(!b && !c && !d);		/* no IBPB..., one core */
		break;
	default:	/* 0xd, 0x80000009, 0x8000000a, 0x8000001f */
		CHECK(!a && !b && !c && !d);
		break;
	}
	if (case_failed)
		printf("# leaf %#x.%u\n", leaves[i][0], leaves[i][1]);
}

static int step_cpuid(struct vmcb *v, u64 *r, unsigned long n, void *p)
{
	if (n) {
		/* the CPUID was completed: RIP past its two bytes */
		CHECK(v->save.rip == G_CPUID + 2);
		CHECK(!(v->control.int_state & SVM_INT_STATE_SHADOW));
		check_cpuid(n - 1, r);
	}
	if (n == ARRAY_SIZE(leaves))
		return guest_exit(v, r, 0);
	v->control.int_state = SVM_INT_STATE_SHADOW;
	return cpuid(v, r, leaves[n][0], leaves[n][1]);
}

static void test_cpuid(void)
{
	struct v3_vm *vm;

	core_up(2, false);
	vm = run(NULL, step_cpuid, NULL);
	CHECK(model_svm.runs == ARRAY_SIZE(leaves) + 1);
	CHECK(v3_vm_exits(vm, V3_EXIT_CPUID) == ARRAY_SIZE(leaves));
	CHECK(!strcmp(v3_vm_stop_reason(vm), "exited with code 0"));
	finish(vm);
	core_down();
}

/* With next-RIP save, RIP comes from the VMCB: no decode. */
static int step_cpuid_nrips(struct vmcb *v, u64 *r, unsigned long n,
			    void *p)
{
	switch (n) {
	case 0:
		cpuid(v, r, 0x40000000, 0);
		v->save.rip = G_NOPS;		/* not a CPUID there */
		v->control.next_rip = G_NOPS + 5;
		return MODEL_EXIT;
	case 1:
		CHECK(v->save.rip == G_NOPS + 5);
		CHECK(r[V3_RAX] == 0x40000000);
		return guest_exit(v, r, 3);
	}
	return MODEL_SPIN;
}

/* Without it, the decoder must find CPUID at RIP. */
static int step_cpuid_nops(struct vmcb *v, u64 *r, unsigned long n, void *p)
{
	cpuid(v, r, 0, 0);
	v->save.rip = G_NOPS;
	return MODEL_EXIT;
}

static void test_cpuid_rip(void)
{
	struct v3_vm *vm;

	core_up(2, true);
	vm = run(NULL, step_cpuid_nrips, NULL);
	CHECK(!strcmp(v3_vm_stop_reason(vm), "exited with code 3"));
	finish(vm);
	core_down();

	core_up(2, false);
	vm = run(NULL, step_cpuid_nops, NULL);
	CHECK(strstr(v3_vm_stop_reason(vm),
		     "cannot decode the instruction at RIP 0x100010"));
	CHECK(test_host.errors == 1);
	finish(vm);
	core_down();
}

/* MSRs */

static int step_msr(struct vmcb *v, u64 *r, unsigned long n, void *p)
{
	u64 rip = v->save.rip;

	/* the event injected for the previous exit: #GP or nothing */
	if (n == 3 || n == 5 || n == 11 || n == 12 || n == 13 || n == 14) {
		CHECK(model_svm.events[n] == GP_EVENT);
		CHECK(rip == G_RDMSR || rip == G_WRMSR);	/* not skipped */
	} else {
		CHECK(model_svm.events[n] == 0);
		if (n)
			CHECK(rip == G_RDMSR + 2 || rip == G_WRMSR + 2);
	}
	switch (n) {
	case 0:
		return rdmsr(v, r, MSR_EFER);
	case 1:
		CHECK(edx_eax(r) == (EFER_LME | EFER_LMA));	/* no SVME */
		CHECK(!(r[V3_RAX] >> 32));
		return wrmsr(v, r, MSR_EFER, EFER_SCE | EFER_LME | EFER_LMA |
			     EFER_NX);
	case 2:
		CHECK(v->save.efer == (EFER_SCE | EFER_LME | EFER_LMA |
				       EFER_NX | EFER_SVME));
		return wrmsr(v, r, MSR_EFER, EFER_SVME);	/* #GP */
	case 3:
		CHECK(v->save.efer & EFER_NX);
		return wrmsr(v, r, MSR_EFER, 0);	/* LMA stays */
	case 4:
		CHECK(v->save.efer == (EFER_LMA | EFER_SVME));
		return wrmsr(v, r, MSR_IA32_CR_PAT, 0x0000000000000002ULL);
	case 5:
		return rdmsr(v, r, MSR_IA32_CR_PAT);
	case 6:
		CHECK(edx_eax(r) == 0x0007040600070406ULL);
		return wrmsr(v, r, MSR_IA32_CR_PAT, 0x0106010601060106ULL);
	case 7:
		CHECK(v->save.g_pat == 0x0106010601060106ULL);
		__atomic_store_n(&model_tsc, 1000000, __ATOMIC_RELAXED);
		return wrmsr(v, r, MSR_IA32_TSC, 5000);
	case 8:
		CHECK(v->control.tsc_offset == 5000 - 1000000ULL);
		__atomic_store_n(&model_tsc, 1000100, __ATOMIC_RELAXED);
		return rdmsr(v, r, MSR_IA32_TSC);
	case 9:
		CHECK(edx_eax(r) == 5100);
		return rdmsr(v, r, MSR_IA32_CR_PAT);
	case 10:
		CHECK(edx_eax(r) == 0x0106010601060106ULL);
		return rdmsr(v, r, 0xc0010117);		/* unknown */
	case 11:
		CHECK(r[V3_RAX] == ~0ULL && r[V3_RDX] == ~0ULL);  /* kept */
		return wrmsr(v, r, 0x1234, 1);		/* unknown */
	case 12:
		return rdmsr(v, r, 0xc0010117);		/* again */
	case 13:
		return wrmsr(v, r, MSR_IA32_CR_PAT, 0x0800000000000000ULL);
	case 14:
		return rdmsr(v, r, MSR_IA32_CR_PAT);
	case 15:
		CHECK(edx_eax(r) == 0x0106010601060106ULL);
		return guest_exit(v, r, 0);
	}
	return MODEL_SPIN;
}

static void test_msr(void)
{
	struct v3_vm *vm;

	core_up(2, false);
	vm = run(NULL, step_msr, NULL);
	CHECK(model_svm.runs == 16);
	CHECK(v3_vm_exits(vm, V3_EXIT_MSR) == 15);
	CHECK(test_host_log_lines("unknown MSR") == 1);
	CHECK(test_host_log_lines("vm t: read of unknown MSR 0xc0010117: #GP to the guest") == 1);
	CHECK(test_host.errors == 0);
	finish(vm);
	core_down();
}

/* Port I/O */

static int step_io(struct vmcb *v, u64 *r, unsigned long n, void *p)
{
	static const char text[] = "hi\x01 there\r\nbye\n";

	/* RIP from EXITINFO2 of the previous exit: past the IN or OUT */
	if (n)
		CHECK(v->save.rip == G_IN + 1 || v->save.rip == G_OUT + 1);
	switch (n) {
	case 0:
		r[V3_RAX] = 0x1122334455667742ULL;
		return io(v, V3_PORT_POST, 1, false);
	case 1:
		r[V3_RAX] = 0x1122334455667700ULL;
		return io(v, V3_PORT_POST, 1, true);
	case 2:
		CHECK(r[V3_RAX] == 0x1122334455667742ULL);
		r[V3_RAX] = 0x1122334455667788ULL;
		return io(v, 0x1234, 1, true);	/* nothing there */
	case 3:
		CHECK(r[V3_RAX] == 0x11223344556677ffULL);
		return io(v, 0x1234, 2, true);
	case 4:
		CHECK(r[V3_RAX] == 0x112233445566ffffULL);
		return io(v, 0xfffe, 4, true);
	case 5:
		CHECK(r[V3_RAX] == 0xffffffffULL);	/* zero-extended */
		r[V3_RAX] = 0x12345678;
		return io(v, 0x5678, 4, false);		/* ignored */
	case 6:
		CHECK(r[V3_RAX] == 0x12345678);
		return io(v, 0x3f8 + 5, 1, true);	/* LSR */
	case 7:
		CHECK(r[V3_RAX] & 0x20);		/* THR empty */
		break;
	}
	if (n >= 7 && n - 7 < sizeof(text) - 1) {
		r[V3_RAX] = (u8)text[n - 7];
		return io(v, 0x3f8, 1, false);
	}
	return guest_exit(v, r, 0);
}

static void test_io(void)
{
	struct v3_vm *vm;

	core_up(2, false);
	vm = run(NULL, step_io, NULL);
	CHECK(v3_vm_exits(vm, V3_EXIT_IO) == 7 + 15);
	CHECK(test_host_log_lines("unhooked port") == 1);
	CHECK(test_host_log_lines("read of unhooked port 0x1234") == 1);
	CHECK(test_host_log_lines("t> hi? there") == 1);
	CHECK(test_host_log_lines("t> bye") == 1);
	CHECK(test_host.errors == 0);
	finish(vm);
	core_down();
}

struct console {
	char buf[64];
	unsigned int len;
	int stops;
	struct v3_vm *vm;
};

static void console_out(void *priv, const u8 *buf, unsigned int len)
{
	struct console *c = priv;

	if (c->len + len < sizeof(c->buf)) {
		memcpy(c->buf + c->len, buf, len);
		c->len += len;
	}
}

static void on_stop(struct v3_vm *vm, void *priv)
{
	struct console *c = priv;

	c->stops++;
	c->vm = vm;
}

static int step_console(struct vmcb *v, u64 *r, unsigned long n, void *p)
{
	static const char text[] = "ok\r\n";

	if (n < sizeof(text) - 1) {
		r[V3_RAX] = (u8)text[n];
		return io(v, 0x3f8, 1, false);
	}
	if (n == sizeof(text) - 1) {
		/* string I/O is refused */
		io(v, 0x3f8, 1, false);
		v->control.exit_info_1 |= SVM_IOIO_STR;
		return MODEL_EXIT;
	}
	return MODEL_SPIN;
}

static void test_console(void)
{
	struct console con = { 0 };
	struct v3_vm_config cfg = default_cfg;
	struct v3_vm *vm;

	core_up(2, false);
	cfg.console = console_out;
	cfg.on_stop = on_stop;
	cfg.priv = &con;
	vm = run(&cfg, step_console, NULL);
	CHECK(con.len == 4 && !memcmp(con.buf, "ok\r\n", 4));
	CHECK(!test_host_log_lines("t> "));
	CHECK(!strcmp(v3_vm_stop_reason(vm),
		      "string I/O on port 0x3f8 is not emulated"));
	CHECK(con.stops == 1 && con.vm == vm);
	v3_vm_stop(vm);
	CHECK(con.stops == 1);
	finish(vm);
	CHECK(con.stops == 1);
	core_down();
}

/*
 * A guest that prints without end: at most 500 of its lines at once reach
 * the log, then 50 a second, and the dropped ones are counted.
 */
#define FLOOD_LINES	1000
#define NS_PER_SEC	1000000000ULL

static int step_flood(struct vmcb *v, u64 *r, unsigned long n, void *p)
{
	if (n < FLOOD_LINES) {
		r[V3_RAX] = '\n';
		return io(v, 0x3f8, 1, false);
	}
	if (n == FLOOD_LINES) {
		test_host.now_ns += NS_PER_SEC;
		r[V3_RAX] = 'x';
		return io(v, 0x3f8, 1, false);
	}
	if (n == FLOOD_LINES + 1) {
		r[V3_RAX] = '\n';
		return io(v, 0x3f8, 1, false);
	}
	return guest_exit(v, r, 0);
}

static void test_console_flood(void)
{
	static const char dropped[] =
		"vm t: 500 of its console lines dropped (more than 50 a second)";
	struct v3_vm *vm;

	core_up(2, false);
	test_host.log[0] = '\0';
	vm = run(NULL, step_flood, NULL);
	CHECK(!strcmp(v3_vm_stop_reason(vm), "exited with code 0"));
	CHECK(test_host_log_lines("t> ") == 501);
	CHECK(test_host_log_lines("t> x") == 1);
	CHECK(test_host_log_lines(dropped) == 1);
	if (case_failed)
		printf("# %d lines logged\n", test_host_log_lines("t> "));
	finish(vm);
	core_down();
}

/* Stops */

/* ACPI soft off as Linux does it, or a reset by the keyboard controller */
static int step_power(struct vmcb *v, u64 *r, unsigned long n, void *p)
{
	bool reset = *(bool *)p;

	if (n >= 2)
		return MODEL_SPIN;
	if (reset) {
		r[V3_RAX] = n ? 0xfe : 0x00;
		return io(v, n ? 0x64 : 0x80, 1, false);
	}
	r[V3_RAX] = (5 << 10) | (n ? 0x2000 : 0);
	return io(v, 0x604, 2, false);
}

static void test_power(void)
{
	struct v3_vm *vm;
	bool reset;

	core_up(2, false);
	reset = false;
	vm = run(NULL, step_power, &reset);
	CHECK(!strcmp(v3_vm_stop_reason(vm), "shutdown"));
	CHECK(v3_vm_exits(vm, V3_EXIT_IO) == 2);
	CHECK(test_host_log_lines("vm t: stopped: shutdown") == 1);
	CHECK(test_host.errors == 0);
	finish(vm);
	reset = true;
	vm = run(NULL, step_power, &reset);
	CHECK(!strcmp(v3_vm_stop_reason(vm), "reset"));
	CHECK(test_host.errors == 0);
	finish(vm);
	core_down();
}

static int step_hlt(struct vmcb *v, u64 *r, unsigned long n, void *p)
{
	v->save.rflags = 2 | (*(bool *)p ? RFLAGS_IF : 0);
	return insn_exit(v, SVM_EXIT_HLT, G_HLT, 1);
}

static void test_hlt(void)
{
	struct v3_vm_stats st;
	struct v3_vm *vm;
	struct vmcb *vmcb;
	bool irq_on = false;
	double t;

	core_up(2, false);
	vm = run(NULL, step_hlt, &irq_on);
	CHECK(!strcmp(v3_vm_stop_reason(vm),
		      "vCPU 0 halted with interrupts disabled"));
	CHECK(test_host.errors == 0);
	CHECK(test_host_log_lines("vm t: stopped: vCPU 0 halted") == 1);
	CHECK(v3_vm_exits(vm, V3_EXIT_HLT) == 1);
	vmcb = svm_vmcb(vm->vcpus[0]);
	CHECK(vmcb->save.rip == G_HLT + 1);
	finish(vm);

	/* with IF=1 the vCPU sleeps until the VM is stopped */
	irq_on = true;
	model_tsc_step = 1;
	vm = start(NULL, V3_IMAGE_LONG64, step_hlt, &irq_on);
	while (!v3_vm_exits(vm, V3_EXIT_HLT))
		sleep_ms(1);
	sleep_ms(20);
	CHECK(model_svm.runs == 1);
	CHECK(v3_vm_state(vm) == V3_VM_RUNNING);
	t = now();
	v3_vm_stop(vm);
	CHECK(now() - t < 0.5);
	CHECK(model_svm.runs == 1);
	CHECK(!strcmp(v3_vm_stop_reason(vm), "stopped by the host"));
	v3_vm_get_stats(vm, &st);
	CHECK(st.exits[V3_EXIT_HLT] == 1);
	CHECK(st.halted_tsc > 0);
	model_tsc_step = 0;
	finish(vm);
	core_down();
}

static int step_hypercalls(struct vmcb *v, u64 *r, unsigned long n, void *p)
{
	switch (n) {
	case 0:
		return hypercall(v, r, V3_HCALL_NOP, 0);
	case 1:
		CHECK(r[V3_RAX] == 0);
		CHECK(v->save.rip == G_VMMCALL + 3);
		return hypercall(v, r, 0x1234, 0);
	case 2:
		CHECK(r[V3_RAX] == (u64)-V3_HCALL_ENOSYS);
		return guest_exit(v, r, 42);
	}
	return MODEL_SPIN;
}

static void test_hypercalls(void)
{
	struct v3_vm *vm;

	core_up(2, false);
	vm = run(NULL, step_hypercalls, NULL);
	CHECK(!strcmp(v3_vm_stop_reason(vm), "exited with code 42"));
	CHECK(test_host_log_lines("vm t: stopped: exited with code 42") == 1);
	CHECK(test_host.errors == 0);
	CHECK(v3_vm_exits(vm, V3_EXIT_VMMCALL) == 3);
	finish(vm);
	core_down();
}

/* Guests that end badly: the exit, and the reason they stop with */
static const struct {
	u64 code, info2;
	const char *reason;
} bad_exits[] = {
	{ SVM_EXIT_NPF, 0xfed00000,
	  "access to unbacked guest-physical address 0xfed00000 at RIP 0x100040" },
	{ SVM_EXIT_NPF, 4 * MiB, "unbacked guest-physical address 0x400000" },
	{ SVM_EXIT_SHUTDOWN, 0, "triple fault (shutdown) at RIP 0x100040" },
	{ SVM_EXIT_PAUSE, 7, "unhandled exit 0x77 (info 0x0 0x7) at RIP 0x100040" },
	{ 0x12345, 0, "unhandled exit 0x12345" },
	{ SVM_EXIT_ERR, 0, "VMRUN refused the guest state (invalid VMCB)" },
};

static int step_bad(struct vmcb *v, u64 *r, unsigned long n, void *p)
{
	const unsigned int *i = p;

	if (n)
		return MODEL_SPIN;
	v->control.exit_code = bad_exits[*i].code;
	v->control.exit_info_2 = bad_exits[*i].info2;
	return MODEL_EXIT;
}

static void test_bad_exits(void)
{
	unsigned int i;

	core_up(2, false);
	for (i = 0; i < ARRAY_SIZE(bad_exits); i++) {
		struct v3_vm *vm;

		test_host.log[0] = '\0';
		test_host.errors = 0;
		vm = run(NULL, step_bad, &i);
		CHECK(strstr(v3_vm_stop_reason(vm), bad_exits[i].reason));
		CHECK(test_host.errors == 1);
		CHECK(test_host_log_lines("vm t: stopped: ") == 1);
		CHECK(model_svm.runs == 1);
		if (case_failed)
			printf("# exit %u: %s\n", i, v3_vm_stop_reason(vm));
		finish(vm);
	}
	core_down();
}

/* Events: #UD for SVM instructions, re-injection of cut-short events */

#define PF_EVENT	(14 | SVM_EVTINJ_EXCEPTION | SVM_EVTINJ_VALID | \
			 SVM_EVTINJ_ERR_VALID | (0x6ULL << 32))

static int step_events(struct vmcb *v, u64 *r, unsigned long n, void *p)
{
	switch (n) {
	case 0:
		v->control.exit_code = SVM_EXIT_VMRUN;
		return MODEL_EXIT;
	case 1:
		CHECK(model_svm.events[1] == UD_EVENT);
		/* an interrupt cut the delivery of a #PF short */
		v->control.exit_code = SVM_EXIT_INTR;
		v->control.exit_int_info = PF_EVENT;
		return MODEL_EXIT;
	case 2:
		CHECK(model_svm.events[2] == PF_EVENT);
		v->control.exit_code = SVM_EXIT_NMI;
		return MODEL_EXIT;
	case 3:
		CHECK(model_svm.events[3] == 0);
		return insn_exit(v, SVM_EXIT_INVD, G_INVD, 2);
	case 4:
		CHECK(v->save.rip == G_INVD + 2);
		CHECK(model_svm.events[4] == 0);
		return guest_exit(v, r, 0);
	}
	return MODEL_SPIN;
}

static void test_events(void)
{
	struct v3_vm *vm;

	core_up(2, false);
	vm = run(NULL, step_events, NULL);
	CHECK(!strcmp(v3_vm_stop_reason(vm), "exited with code 0"));
	CHECK(v3_vm_exits(vm, V3_EXIT_INTR) == 1);
	CHECK(v3_vm_exits(vm, V3_EXIT_NMI) == 1);
	CHECK(v3_vm_exits(vm, V3_EXIT_OTHER) == 2);
	finish(vm);
	core_down();
}

/*
 * The intercepts a hostile guest could otherwise abuse: #DB and #AC go
 * back to the guest, #MC to the host; WBINVD does nothing, RDPMC raises
 * #GP and RDPRU #UD; DR0-DR3 are the guest's own, in the hardware only
 * while its DR7 enables a breakpoint.
 */
#define DB_EVENT	(1 | SVM_EVTINJ_EXCEPTION | SVM_EVTINJ_VALID)
#define AC_EVENT	(17 | SVM_EVTINJ_EXCEPTION | SVM_EVTINJ_VALID | \
			 SVM_EVTINJ_ERR_VALID)
#define DR_VALUE	0xfeedf00d12345678ULL
#define HOST_DR1	0x1111222233334444ULL

static int step_hostile(struct vmcb *v, u64 *r, unsigned long n, void *p)
{
	u64 *db = model_db();

	switch (n) {
	case 0:
		CHECK(v->control.intercept_exceptions ==
		      (BIT(1) | BIT(17) | BIT(18)));
		CHECK(v->control.intercept_dr == 0x000f000f);
		CHECK(v->control.intercept3 & BIT(15));		/* RDPMC */
		CHECK(v->control.intercept4 & BIT(9));		/* WBINVD */
		CHECK(v->control.intercept4 & BIT(14));		/* RDPRU */
		db[1] = HOST_DR1;
		v->save.rip = G_NOPS;
		v->control.exit_code = SVM_EXIT_EXCP_BASE + 17;
		v->control.exit_info_1 = 0;
		return MODEL_EXIT;
	case 1:
		CHECK(model_svm.events[1] == AC_EVENT);
		CHECK(v->save.rip == G_NOPS);
		v->control.exit_code = SVM_EXIT_EXCP_BASE + 1;
		return MODEL_EXIT;
	case 2:
		CHECK(model_svm.events[2] == DB_EVENT);
		v->control.exit_code = SVM_EXIT_EXCP_BASE + 18;
		return MODEL_EXIT;
	case 3:
		CHECK(model_svm.events[3] == 0);
		CHECK(test_host.machine_checks == 1);
		return insn_exit(v, SVM_EXIT_WBINVD, G_WBINVD, 2);
	case 4:
		CHECK(v->save.rip == G_WBINVD + 2);
		CHECK(model_svm.events[4] == 0);
		return insn_exit(v, SVM_EXIT_RDPMC, G_RDPMC, 2);
	case 5:
		CHECK(model_svm.events[5] == GP_EVENT);
		CHECK(v->save.rip == G_RDPMC);
		return insn_exit(v, SVM_EXIT_RDPRU, G_RDPMC, 3);
	case 6:
		CHECK(model_svm.events[6] == UD_EVENT);
		/* The guest reads DR1 before writing it: 0, not the host's */
		r[V3_RBX] = ~0ULL;
		return insn_exit(v, SVM_EXIT_READ_DR1, G_FROM_DR1, 3);
	case 7:
		CHECK(r[V3_RBX] == 0);
		CHECK(v->save.rip == G_FROM_DR1 + 3);
		/* No value of the guest's, no breakpoint: the hardware's stay */
		CHECK(db[1] == HOST_DR1);
		v->save.dr7 = 0x404;			/* L1 */
		return insn_exit(v, SVM_EXIT_WBINVD, G_WBINVD, 2);
	case 8:
		/* A breakpoint enabled: the guest's DR0-DR3, all 0 */
		CHECK(db[1] == 0);
		v->save.dr7 = 0x400;
		db[1] = HOST_DR1;
		r[9] = DR_VALUE;
		return insn_exit(v, SVM_EXIT_WRITE_DR1, G_TO_DR1, 4);
	case 9:
		CHECK(v->save.rip == G_TO_DR1 + 4);
		/* A value set: in the hardware before DR7 enables it */
		CHECK(db[1] == DR_VALUE);
		r[V3_RBX] = 0;
		return insn_exit(v, SVM_EXIT_READ_DR1, G_FROM_DR1, 3);
	case 10:
		CHECK(r[V3_RBX] == DR_VALUE);
		CHECK(test_host.debugreg_restores == 10);
		return guest_exit(v, r, 0);
	}
	return MODEL_SPIN;
}

static void test_hostile_intercepts(void)
{
	struct v3_vm *vm;

	core_up(2, false);
	test_host.machine_checks = 0;
	test_host.debugreg_restores = 0;
	vm = run(NULL, step_hostile, NULL);
	CHECK(!strcmp(v3_vm_stop_reason(vm), "exited with code 0"));
	CHECK(model_svm.runs == 11);
	CHECK(v3_vm_exits(vm, V3_EXIT_EXCEPTION) == 3);
	finish(vm);
	core_down();
}

/*
 * CR4 writes: the bits of features the CPUID policy hides raise #GP, as
 * does clearing PAE in long mode; a change of the paging bits gives the
 * vCPU a fresh ASID.
 */
#define CR4_PAE		BIT_ULL(5)
#define CR4_PGE		BIT_ULL(7)
#define CR4_OSFXSR	BIT_ULL(9)
#define CR4_OSXSAVE	BIT_ULL(18)

static int step_cr4(struct vmcb *v, u64 *r, unsigned long n, void *p)
{
	u32 *asid = p;

	switch (n) {
	case 0:
		CHECK(v->control.intercept_cr == BIT(16 + 4));
		CHECK(v->save.cr4 == CR4_PAE);
		r[V3_RDX] = CR4_PAE | CR4_OSFXSR | CR4_OSXSAVE;
		return insn_exit(v, SVM_EXIT_WRITE_CR4, G_TO_CR4, 3);
	case 1:
		CHECK(model_svm.events[1] == GP_EVENT);
		CHECK(v->save.rip == G_TO_CR4 && v->save.cr4 == CR4_PAE);
		r[V3_RDX] = CR4_OSFXSR;			/* PAE off in long mode */
		return insn_exit(v, SVM_EXIT_WRITE_CR4, G_TO_CR4, 3);
	case 2:
		CHECK(model_svm.events[2] == GP_EVENT);
		r[V3_RDX] = CR4_PAE | BIT_ULL(32);	/* reserved */
		return insn_exit(v, SVM_EXIT_WRITE_CR4, G_TO_CR4, 3);
	case 3:
		CHECK(model_svm.events[3] == GP_EVENT);
		*asid = v->control.asid;
		r[V3_RDX] = CR4_PAE | CR4_OSFXSR;
		return insn_exit(v, SVM_EXIT_WRITE_CR4, G_TO_CR4, 3);
	case 4:
		CHECK(model_svm.events[4] == 0);
		CHECK(v->save.rip == G_TO_CR4 + 3);
		CHECK(v->save.cr4 == (CR4_PAE | CR4_OSFXSR));
		CHECK(v->control.asid == *asid);	/* no paging bit changed */
		r[V3_RDX] = CR4_PAE | CR4_OSFXSR | CR4_PGE;
		return insn_exit(v, SVM_EXIT_WRITE_CR4, G_TO_CR4, 3);
	case 5:
		CHECK(v->save.cr4 == (CR4_PAE | CR4_OSFXSR | CR4_PGE));
		CHECK(v->control.asid != *asid);
		return guest_exit(v, r, 0);
	}
	return MODEL_SPIN;
}

static void test_cr4(void)
{
	struct v3_vm *vm;
	u32 asid = 0;

	core_up(2, false);
	vm = run(NULL, step_cr4, &asid);
	CHECK(!strcmp(v3_vm_stop_reason(vm), "exited with code 0"));
	CHECK(model_svm.runs == 6);
	finish(vm);
	core_down();
}

/*
 * MMIO: the instruction at RIP must make the access that faulted; a
 * fetch from a device stops the VM.
 */
#define APIC_TPR	0xfee00080ULL
#define NPF_WRITE	BIT_ULL(1)
#define NPF_FETCH	BIT_ULL(4)

static const struct {
	u64 rip, info;
	const char *reason;	/* NULL: emulated */
} mmio_cases[] = {
	{ G_STORE, NPF_WRITE, NULL },
	{ G_LOAD, 0, NULL },
	{ G_LOAD, NPF_WRITE, "does not make the write of guest-physical 0xfee00080" },
	{ G_STORE, 0, "does not make the read of guest-physical 0xfee00080" },
	{ APIC_TPR, NPF_FETCH,
	  "instruction fetch from device memory at guest-physical 0xfee00080" },
};

static int step_mmio(struct vmcb *v, u64 *r, unsigned long n, void *p)
{
	const unsigned int *i = p;

	switch (n) {
	case 0:
		r[V3_RAX] = 0x20;
		v->save.rip = mmio_cases[*i].rip;
		v->control.exit_code = SVM_EXIT_NPF;
		v->control.exit_info_1 = mmio_cases[*i].info | BIT_ULL(0);
		v->control.exit_info_2 = APIC_TPR;
		return MODEL_EXIT;
	case 1:
		CHECK(v->save.rip == mmio_cases[*i].rip + 2);
		return guest_exit(v, r, 0);
	}
	return MODEL_SPIN;
}

static void test_mmio_matches_fault(void)
{
	unsigned int i;

	core_up(2, false);
	for (i = 0; i < ARRAY_SIZE(mmio_cases); i++) {
		const char *want = mmio_cases[i].reason;
		struct v3_vm *vm;

		vm = run(NULL, step_mmio, &i);
		if (want)
			CHECK(strstr(v3_vm_stop_reason(vm), want));
		else
			CHECK(!strcmp(v3_vm_stop_reason(vm), "exited with code 0"));
		if (case_failed)
			printf("# case %u: %s\n", i, v3_vm_stop_reason(vm));
		finish(vm);
	}
	core_down();
}

/* A guest that never exits by itself: the stop interrupts its CPU. */
static int step_spin(struct vmcb *v, u64 *r, unsigned long n, void *p)
{
	return MODEL_SPIN;
}

static void test_stop_spinning(void)
{
	struct v3_vm *vm;
	double t;

	core_up(2, false);
	vm = start(NULL, V3_IMAGE_LONG64, step_spin, NULL);
	while (!model_svm.runs)
		sleep_ms(1);
	sleep_ms(10);
	t = now();
	v3_vm_stop(vm);
	CHECK(now() - t < 0.5);		/* well before the model's tick */
	CHECK(test_host.kicks[1] >= 1);
	CHECK(v3_vm_exits(vm, V3_EXIT_INTR) == 1);
	CHECK(model_svm.runs == 1);
	finish(vm);
	core_down();
}

/* The guest's FPU state lives on across exits. */
static int step_fpu(struct vmcb *v, u64 *r, unsigned long n, void *p)
{
	u8 *fpu = model_fpu_regs();

	if (n)
		CHECK(fpu[100] == n);
	fpu[100] = n + 1;
	if (n == 20)
		return guest_exit(v, r, 0);
	return hypercall(v, r, V3_HCALL_NOP, 0);
}

static void test_fpu(void)
{
	struct v3_vm *vm;

	core_up(2, false);
	vm = run(NULL, step_fpu, NULL);
	CHECK(model_svm.runs == 21);
	CHECK(test_host.fpu_gets == 21);
	CHECK(((u8 *)vm->vcpus[0]->fpu)[100] == 21);
	finish(vm);
	core_down();
}

/* vCPUs go to a CPU with SVM, and stop if it is lost. */
static int step_where(struct vmcb *v, u64 *r, unsigned long n, void *p)
{
	*(int *)p = v3_host_cpu_id();
	return guest_exit(v, r, 0);
}

static void test_vcpu_cpu(void)
{
	struct v3_vm_config cfg = default_cfg;
	struct v3_vm *vm;
	int cpu = -1;

	core_up(3, false);
	cpu_down(1);			/* vCPU 0 would go there */
	base_pages = test_host.pages;
	vm = run(NULL, step_where, &cpu);
	CHECK(cpu == 2 && vm->vcpus[0]->cpu == 2);
	finish(vm);

	/*
	 * two vCPUs: on two CPUs; the second waits (no SIPI yet) and ends
	 * with the VM
	 */
	cfg.nr_vcpus = 2;
	cpu = -1;
	vm = run(&cfg, step_where, &cpu);
	CHECK(cpu == 2);
	CHECK(vm->vcpus[1]->cpu == 0);
	CHECK(!strcmp(v3_vm_stop_reason(vm), "exited with code 0"));
	finish(vm);

	/* SVM turned off on every CPU after the VM was made */
	CHECK(v3_vm_create(&default_cfg, &vm) == 0);
	image(V3_IMAGE_LONG64, ENTRY);
	CHECK(v3_vm_load(vm, &gimg, sizeof(gimg)) == 0);
	cpu_down(2);
	cpu_down(0);
	base_pages -= 4;	/* the host save and state pages of CPUs 0, 2 */
	model_svm_reset(step_where, &cpu);
	CHECK(v3_vm_start(vm) == -ENODEV);
	CHECK(v3_vm_state(vm) == V3_VM_STOPPED);
	CHECK(!strcmp(v3_vm_stop_reason(vm),
		      "no CPU of its affinity has virtualisation enabled"));
	CHECK(model_svm.runs == 0);
	finish(vm);
	core_down();
}

/* Placement: distinct CPUs for a VM's vCPUs, the least loaded first */
static void test_placement(void)
{
	struct v3_cpuset set = {};
	int cpus[6];

	core_up(4, false);
	/* CPU 0, which takes the host's interrupts, loses ties */
	CHECK(v3_cpus_place(NULL, 2, cpus) == 0);
	CHECK(cpus[0] == 1 && cpus[1] == 2);
	CHECK(v3_cpus_place(NULL, 1, cpus) == 0 && cpus[0] == 3);
	CHECK(v3_cpus_place(NULL, 1, cpus) == 0 && cpus[0] == 0);
	/* more vCPUs than CPUs: each CPU once, then again */
	CHECK(v3_cpus_place(NULL, 6, cpus) == 0);
	CHECK(cpus[0] == 1 && cpus[1] == 2 && cpus[2] == 3 && cpus[3] == 0);
	CHECK(cpus[4] == 1 && cpus[5] == 2);
	CHECK(v3_get_cpu(1)->nr_vcpus == 3 && v3_get_cpu(3)->nr_vcpus == 2);
	v3_cpu_unplace(1);
	v3_cpu_unplace(1);
	v3_cpu_unplace(1);
	CHECK(v3_get_cpu(1)->nr_vcpus == 0);
	v3_cpu_unplace(1);			/* not below zero */
	CHECK(v3_get_cpu(1)->nr_vcpus == 0);
	CHECK(v3_cpus_place(NULL, 1, cpus) == 0 && cpus[0] == 1);

	/* only the CPUs of the set, even when loaded */
	v3_cpuset_add(&set, 3);
	CHECK(v3_cpus_place(&set, 2, cpus) == 0);
	CHECK(cpus[0] == 3 && cpus[1] == 3);
	v3_cpuset_add(&set, 0);
	CHECK(v3_cpus_place(&set, 1, cpus) == 0 && cpus[0] == 0);
	/* none of them has SVM: refused, nothing counted */
	memset(&set, 0, sizeof(set));
	CHECK(v3_cpus_place(&set, 1, cpus) == -ENODEV);
	cpu_down(2);
	v3_cpuset_add(&set, 2);
	CHECK(v3_cpus_place(&set, 1, cpus) == -ENODEV);
	CHECK(v3_get_cpu(2)->nr_vcpus == 3);
	core_down();
}

/* A VM's affinity: checked, obeyed, fixed once it runs */
static void test_affinity(void)
{
	struct v3_vm_config cfg = default_cfg;
	struct v3_cpuset set = {};
	struct v3_vm *vm;
	int cpu = -1;

	core_up(4, false);
	base_pages = test_host.pages;
	cfg.nr_vcpus = 2;
	CHECK(v3_vm_create(&cfg, &vm) == 0);
	CHECK(v3_vm_set_affinity(vm, &set) == -EINVAL);		/* empty */
	v3_cpuset_add(&set, 4);					/* no CPU 4 */
	CHECK(v3_vm_set_affinity(vm, &set) == -EINVAL);
	memset(&set, 0, sizeof(set));
	v3_cpuset_add(&set, 3);
	CHECK(v3_vm_set_affinity(vm, &set) == 0);
	image(V3_IMAGE_LONG64, ENTRY);
	CHECK(v3_vm_load(vm, &gimg, sizeof(gimg)) == 0);
	model_svm_reset(step_where, &cpu);
	CHECK(v3_vm_start(vm) == 0);
	CHECK(v3_vm_set_affinity(vm, &set) == -EBUSY);
	CHECK(wait_stopped(vm));
	CHECK(cpu == 3);
	CHECK(vm->vcpus[0]->cpu == 3 && vm->vcpus[1]->cpu == 3);
	finish(vm);
	/* the threads ended: nothing counted any more */
	CHECK(v3_get_cpu(3)->nr_vcpus == 0);
	core_down();
}

/* A kick interrupts a CPU only while its vCPU is in guest mode. */
static void test_kick(void)
{
	struct v3_vm *vm;
	struct v3_vcpu *vcpu;

	core_up(4, false);
	CHECK(v3_vm_create(&default_cfg, &vm) == 0);
	vcpu = vm->vcpus[0];
	vcpu->cpu = 2;
	v3_vcpu_kick(vcpu);
	CHECK(vcpu->kicked && test_host.kicks[2] == 0);
	vcpu->mode = V3_VCPU_IN_GUEST;
	v3_vcpu_kick(vcpu);
	CHECK(test_host.kicks[2] == 1);
	/* an entry with an INIT pending gives up, and leaves guest mode */
	vcpu->mode = V3_VCPU_OUTSIDE;
	vm->state = V3_VM_RUNNING;
	CHECK(v3_vcpu_enter(vcpu) && vcpu->mode == V3_VCPU_IN_GUEST);
	v3_vcpu_exited(vcpu);
	vcpu->lapic.init_pending = true;
	CHECK(!v3_vcpu_enter(vcpu));
	CHECK(vcpu->mode == V3_VCPU_OUTSIDE);
	vcpu->lapic.init_pending = false;
	vm->state = V3_VM_CREATED;
	v3_vm_free(vm);
	core_down();
}

/* Host devices passed through */

#define COM2		0x2f8

static const struct v3_pt_spec com2 = { COM2, 8, 3, 3 };

static int step_pt_io(struct vmcb *v, u64 *r, unsigned long n, void *p)
{
	switch (n) {
	case 0:
		r[V3_RAX] = 'A';
		return io(v, COM2, 1, false);		/* THR */
	case 1:
		r[V3_RAX] = 0;
		return io(v, COM2 + 5, 1, true);	/* LSR */
	case 2:
		CHECK(r[V3_RAX] == 0x60);
		return io(v, COM2 + 4, 4, true);	/* wider */
	case 3:
		CHECK(r[V3_RAX] == 0x11226003);
		return guest_exit(v, r, 0);
	}
	return guest_exit(v, r, 1);
}

static void test_pt_ports(void)
{
	struct v3_vm *vm = NULL;

	core_up(1, false);
	memset(&test_hio, 0, sizeof(test_hio));
	test_hio.ports[COM2 + 4] = 0x03;
	test_hio.ports[COM2 + 5] = 0x60;
	test_hio.ports[COM2 + 6] = 0x22;
	test_hio.ports[COM2 + 7] = 0x11;
	model_svm_reset(step_pt_io, NULL);
	CHECK(v3_vm_create(&default_cfg, &vm) == 0);
	CHECK(v3_vm_passthrough(vm, &com2) == 0);
	CHECK(test_hio.claimed == 1);
	CHECK(!strcmp(test_hio.owner[3], "palacios:t"));
	image(V3_IMAGE_LONG64, ENTRY);
	CHECK(v3_vm_load(vm, &gimg, sizeof(gimg)) == 0);
	CHECK(v3_vm_start(vm) == 0);
	CHECK(v3_vm_passthrough(vm, &(struct v3_pt_spec){ 0x2e8, 8, 5, 5 }) ==
	      -EBUSY);
	CHECK(wait_stopped(vm));
	CHECK(!strcmp(v3_vm_stop_reason(vm), "exited with code 0"));
	CHECK(test_hio.ports[COM2] == 'A');
	/* given back when the guest stopped, before the VM is freed */
	CHECK(test_hio.claimed == 0);
	CHECK(!test_hio.owner[3][0]);
	CHECK(test_host_log_lines("given back after 0 interrupts") == 1);
	finish(vm);
	core_down();
}

static void test_pt_refused(void)
{
	static const struct {
		struct v3_pt_spec spec;
		int err;
	} bad[] = {
		{ { 0, 0, V3_PT_NO_IRQ, 0 }, -EINVAL },	/* nothing */
		{ { 0xfff8, 9, V3_PT_NO_IRQ, 0 }, -EINVAL },	/* past 0xffff */
		{ { 0, 0, 16, 16 }, -EINVAL },		/* not an ISA line */
		{ { 0, 0, -2, -2 }, -EINVAL },
		{ { 0x2fc, 8, V3_PT_NO_IRQ, 0 }, -EINVAL },	/* overlaps COM2 */
		{ { 0, 0, 3, 3 }, -EINVAL },		/* COM2's line again */
		{ { 0, 0, 19, 3 }, -EINVAL },		/* the same line */
		{ { 0, 0, 200, 200 }, -EINVAL },	/* no such line */
		{ { 0x3f8, 8, V3_PT_NO_IRQ, 0 }, -EEXIST },	/* the VM's COM1 */
		{ { 0, 0, 4, 4 }, -EEXIST },		/* ... and its line */
		{ { 0, 0, 8, 8 }, -EEXIST },		/* the RTC's */
		{ { 0, 0, 12, 12 }, -EEXIST },		/* the virtio entropy device's */
		{ { 0, 0, 15, 15 }, -EEXIST },		/* a disk's */
		{ { 0x2e8, 8, V3_PT_NO_IRQ, 0 }, -EBUSY },	/* the host's */
		{ { 0, 0, 7, 7 }, -EBUSY },		/* the host's too */
		{ { 0, 0, 11, 11 }, -EEXIST },		/* the NIC's */
		{ { 0, 0, 6, 6 }, -EEXIST },		/* the console's */
		{ { 0x3e8, 8, 10, 10 }, -ENXIO },		/* not on this host */
	};
	struct v3_vm *vm = NULL, *other = NULL;
	struct v3_host_irq *host_irq7;
	long objects;
	unsigned int i;

	core_up(1, false);
	memset(&test_hio, 0, sizeof(test_hio));
	test_hio.busy_first = 0x2e8;
	test_hio.busy_count = 8;
	test_hio.missing[10] = true;
	CHECK(v3_host_hook_irq(7, NULL, NULL, "host", &host_irq7) == 0);
	CHECK(v3_vm_create(&default_cfg, &vm) == 0);
	CHECK(v3_vm_create(&default_cfg, &other) == 0);
	CHECK(v3_vm_passthrough(vm, &com2) == 0);
	objects = test_host.objects;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		int err = v3_vm_passthrough(vm, &bad[i].spec);

		CHECK(err == bad[i].err);
		if (err != bad[i].err)
			printf("# case %u: %d\n", i, err);
	}
	CHECK(test_host.errors == (int)ARRAY_SIZE(bad));
	CHECK(test_host_log_lines("ports 0x2e8-0x2ef are in use on the host") ==
	      1);
	CHECK(test_host_log_lines("the host has no IRQ 10") == 1);
	/* the one that failed on its IRQ gave its ports back */
	CHECK(v3_vm_passthrough(vm, &(struct v3_pt_spec){ 0x3e8, 8, 5, 5 }) == 0);
	/* a host line beyond the ISA ones, on a free line of the guest */
	CHECK(v3_vm_passthrough(vm, &(struct v3_pt_spec){ 0, 0, 19, 10 }) == 0);
	CHECK(test_host_log_lines("IRQ 19 (edge) on line 10") == 1);
	/* another VM cannot have what this one has */
	CHECK(v3_vm_passthrough(other, &com2) == -EBUSY);
	CHECK(v3_vm_passthrough(other,
				&(struct v3_pt_spec){ 0, 0, 3, 3 }) == -EBUSY);
	CHECK(test_hio.claimed == 2);
	CHECK(test_host.objects == objects + 1);	/* its ports' handle */
	/* at most V3_MAX_PASSTHROUGH */
	for (i = 0; i < V3_MAX_PASSTHROUGH - 3; i++)
		CHECK(v3_vm_passthrough(vm, &(struct v3_pt_spec){
			0x100 + i, 1, V3_PT_NO_IRQ, 0 }) == 0);
	CHECK(v3_vm_passthrough(vm, &(struct v3_pt_spec){
		0x200, 1, V3_PT_NO_IRQ, 0 }) == -ENOSPC);
	v3_vm_free(other);
	v3_vm_free(vm);
	CHECK(test_hio.claimed == 0);
	v3_host_unhook_irq(host_irq7);
	CHECK(test_host.pages == base_pages && test_host.objects == base_objects);
	core_down();
}

/* Disks: up to three, before anything is loaded, on the command line */
static void test_disks(void)
{
	static const char *const devs[] = {
		"virtio_mmio.device=4K@0xd0000000:12 ",
		"virtio_mmio.device=4K@0xd0001000:13 ",
		"virtio_mmio.device=4K@0xd0002000:14 ",
		"virtio_mmio.device=4K@0xd0003000:15 ",
	};
	struct v3_host_file f[5] = { 0 };
	char want[256] = "";
	struct v3_vm *vm = NULL;
	char line[256];
	u8 bytes[4096];
	unsigned int i;

	core_up(1, false);
	CHECK(v3_vm_create(&default_cfg, &vm) == 0);
	for (i = 0; i < 5; i++) {
		f[i].data = bytes;
		f[i].size = sizeof(bytes);
	}
	CHECK(v3_vm_add_disk(vm, &f[0], 511, false) == -EINVAL);
	for (i = 0; i < 3; i++)
		CHECK(v3_vm_add_disk(vm, &f[i], sizeof(bytes), i == 2) == 0);
	CHECK(v3_vm_add_disk(vm, &f[3], sizeof(bytes), false) == -ENOSPC);
	CHECK(test_host_log_lines("disk 2: 8 sectors, read-only, at 0xd0003000") == 1);
	CHECK(test_host_log_lines("a VM has at most 3 disks") == 1);
	for (i = 0; i < ARRAY_SIZE(devs); i++)
		strcat(want, devs[i]);
	CHECK(v3_board_cmdline(vm, line, sizeof(line)) == (int)strlen(want));
	CHECK(!strcmp(line, want));
	/* too small a buffer: the length it needs, and nothing half-written */
	CHECK(v3_board_cmdline(vm, line, 40) == (int)strlen(want));
	CHECK(!strcmp(line, devs[0]));
	/* once a guest is loaded, its command line is written */
	image(V3_IMAGE_LONG64, ENTRY);
	CHECK(v3_vm_load(vm, &gimg, sizeof(gimg)) == 0);
	CHECK(v3_vm_add_disk(vm, &f[4], sizeof(bytes), false) == -EBUSY);
	v3_vm_free(vm);
	for (i = 0; i < 5; i++)
		CHECK(f[i].puts == (i < 3));
	CHECK(test_host.pages == base_pages && test_host.objects == base_objects);
	core_down();
}

/* The NIC: one, before anything is loaded, on the command line */
static void test_nic(void)
{
	static const u8 mcast[6] = { 0x01, 0, 0x5e, 0, 0, 1 };
	static const u8 mac[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 };
	static struct v3_host_net n[4];
	struct v3_vm *vm = NULL;
	char line[256];
	unsigned int i;

	core_up(1, false);
	memset(n, 0, sizeof(n));
	CHECK(v3_vm_create(&default_cfg, &vm) == 0);
	CHECK(v3_vm_add_nic(vm, &n[0], mcast) == -EINVAL);
	CHECK(test_host_log_lines("network device refused: error -22 (a multicast MAC)") == 1);
	CHECK(v3_vm_add_nic(vm, &n[1], mac) == 0);
	CHECK(n[1].attaches == 1);
	CHECK(test_host_log_lines("network device: MAC 52:54:00:12:34:56, at 0xd0004000") == 1);
	CHECK(v3_vm_add_nic(vm, &n[2], NULL) == -EEXIST);
	CHECK(v3_board_cmdline(vm, line, sizeof(line)) > 0);
	CHECK(strstr(line, "virtio_mmio.device=4K@0xd0004000:11 "));
	image(V3_IMAGE_LONG64, ENTRY);
	CHECK(v3_vm_load(vm, &gimg, sizeof(gimg)) == 0);
	CHECK(v3_vm_add_nic(vm, &n[3], NULL) == -EBUSY);
	v3_vm_free(vm);
	for (i = 0; i < 4; i++)
		CHECK(n[i].puts == (i == 1) && n[i].detaches == (i == 1));

	/* a random MAC is unicast and locally administered */
	CHECK(v3_vm_create(&default_cfg, &vm) == 0);
	memset(n, 0, sizeof(n));
	CHECK(v3_vm_add_nic(vm, &n[0], NULL) == 0);
	CHECK((vm->board->nic->mac[0] & 3) == 2);
	/* the host's refusal to attach: nothing kept */
	v3_vm_free(vm);
	CHECK(v3_vm_create(&default_cfg, &vm) == 0);
	n[1].attach_error = -EBADFD;
	CHECK(v3_vm_add_nic(vm, &n[1], NULL) == -EBADFD);
	CHECK(!vm->board->nic && !n[1].puts);
	v3_vm_free(vm);
	CHECK(test_host.pages == base_pages && test_host.objects == base_objects);
	core_down();
}

/* The virtio console: one, before anything is loaded, on the command line */
static void test_channel(void)
{
	static struct v3_host_chan c[4];
	struct v3_vm *vm = NULL;
	char line[256];
	unsigned int i;

	core_up(1, false);
	memset(c, 0, sizeof(c));
	CHECK(v3_vm_create(&default_cfg, &vm) == 0);
	/* the host's refusal to attach: nothing kept */
	c[0].attach_error = -EBADFD;
	CHECK(v3_vm_add_channel(vm, &c[0]) == -EBADFD);
	CHECK(test_host_log_lines("console refused: error -77") == 1);
	CHECK(!vm->board->con && !c[0].puts);
	CHECK(v3_vm_add_channel(vm, &c[1]) == 0);
	CHECK(c[1].attaches == 1);
	CHECK(test_host_log_lines("virtio console at 0xd0005000 on line 6") == 1);
	CHECK(v3_vm_add_channel(vm, &c[2]) == -EEXIST);
	CHECK(v3_board_cmdline(vm, line, sizeof(line)) > 0);
	CHECK(strstr(line, "virtio_mmio.device=4K@0xd0005000:6 "));
	image(V3_IMAGE_LONG64, ENTRY);
	CHECK(v3_vm_load(vm, &gimg, sizeof(gimg)) == 0);
	CHECK(v3_vm_add_channel(vm, &c[3]) == -EBUSY);
	v3_vm_free(vm);
	for (i = 0; i < 4; i++)
		CHECK(c[i].puts == (i == 1) && c[i].detaches == (i == 1));
	CHECK(test_host.pages == base_pages && test_host.objects == base_objects);
	core_down();
}

static void test_pt_no_memory(void)
{
	struct v3_vm *vm = NULL;
	long objects;
	int err = -ENOMEM;
	long n;

	core_up(1, false);
	memset(&test_hio, 0, sizeof(test_hio));
	CHECK(v3_vm_create(&default_cfg, &vm) == 0);
	objects = test_host.objects;
	for (n = 1; n < 20 && err; n++) {
		test_host.fail_nth = n;
		err = v3_vm_passthrough(vm, &com2);
		test_host.fail_nth = 0;
		CHECK(!err || err == -ENOMEM);
		if (err)
			CHECK(test_hio.claimed == 0 && !test_hio.owner[3][0] &&
			      test_host.objects == objects);
	}
	CHECK(!err && test_hio.claimed == 1);
	v3_vm_free(vm);
	CHECK(test_hio.claimed == 0);
	core_down();
}

static void test_pt_irq_edge(void)
{
	struct v3_vm *vm = NULL;

	core_up(1, false);
	memset(&test_hio, 0, sizeof(test_hio));
	CHECK(v3_vm_create(&default_cfg, &vm) == 0);
	CHECK(v3_vm_passthrough(vm, &com2) == 0);
	CHECK(test_host_irq(3));
	/* one edge, latched by the PIC; the host line is unmasked at once */
	CHECK(vm->board->pic.chip[0].irr & BIT(3));
	CHECK(!(vm->board->pic.chip[0].lines & BIT(3)));
	CHECK(test_hio.acks[3] == 1 && !test_hio.masked[3]);
	CHECK(test_host_irq(3));
	CHECK(test_hio.acks[3] == 2);
	v3_vm_free(vm);
	CHECK(test_host_log_lines("given back after 2 interrupts") == 1);
	core_down();
}

static void pic_out(struct v3_vm *vm, u16 port, u8 val)
{
	CHECK(v3_range_dispatch(&vm->io, port, &val, 1, true) == 0);
}

static void test_pt_irq_level(void)
{
	struct v3_vm *vm = NULL;

	core_up(1, false);
	memset(&test_hio, 0, sizeof(test_hio));
	test_hio.level[3] = true;
	CHECK(v3_vm_create(&default_cfg, &vm) == 0);
	CHECK(v3_vm_passthrough(vm, &com2) == 0);
	CHECK(vm->vcpus[0]->lapic.eoi_all);
	/* the guest's PIC: vectors 0x20, IRQ 3 unmasked */
	pic_out(vm, 0x20, 0x11);
	pic_out(vm, 0x21, 0x20);
	pic_out(vm, 0x21, 0x04);
	pic_out(vm, 0x21, 0x01);
	pic_out(vm, 0x21, 0xf7);

	CHECK(test_host_irq(3));
	CHECK(vm->board->pic.chip[0].lines & BIT(3));
	CHECK(test_hio.masked[3] && test_hio.acks[3] == 0);
	CHECK(!test_host_irq(3));		/* masked until the EOI */
	CHECK(v3_pic_ack(&vm->board->pic) == 0x23);
	CHECK(test_hio.masked[3]);
	pic_out(vm, 0x20, 0x20);		/* EOI */
	CHECK(!(vm->board->pic.chip[0].lines & BIT(3)));
	CHECK(!test_hio.masked[3] && test_hio.acks[3] == 1);
	pic_out(vm, 0x20, 0x20);		/* another: nothing more */
	CHECK(test_hio.acks[3] == 1);

	/* the same through the I/O APIC: pin 3, vector 0x53, edge */
	vm->board->ioapic.redir[3] = 0x53;
	CHECK(test_host_irq(3));
	CHECK(test_hio.masked[3]);
	v3_ioapic_eoi(&vm->board->ioapic, 0x54);	/* not its vector */
	CHECK(test_hio.masked[3]);
	v3_ioapic_eoi(&vm->board->ioapic, 0x53);
	CHECK(!test_hio.masked[3] && test_hio.acks[3] == 2);
	CHECK(!(vm->board->pic.chip[0].lines & BIT(3)));
	v3_vm_free(vm);
	core_down();
}

static const struct test_case vm_cases[] = {
	{ "create_bad_config", test_create_bad_config },
	{ "create_no_memory", test_create_no_memory },
	{ "life_cycle", test_life_cycle },
	{ "running_states", test_running_states },
	{ "pause_resume", test_pause_resume },
	{ "entry_state", test_entry_state },
	{ "cpuid", test_cpuid },
	{ "cpuid_rip", test_cpuid_rip },
	{ "msr", test_msr },
	{ "io", test_io },
	{ "console", test_console },
	{ "power", test_power },
	{ "hlt", test_hlt },
	{ "hypercalls", test_hypercalls },
	{ "bad_exits", test_bad_exits },
	{ "events", test_events },
	{ "hostile_intercepts", test_hostile_intercepts },
	{ "mmio_matches_fault", test_mmio_matches_fault },
	{ "cr4", test_cr4 },
	{ "console_flood", test_console_flood },
	{ "stop_spinning", test_stop_spinning },
	{ "fpu", test_fpu },
	{ "vcpu_cpu", test_vcpu_cpu },
	{ "placement", test_placement },
	{ "affinity", test_affinity },
	{ "kick", test_kick },
	{ "pt_ports", test_pt_ports },
	{ "pt_refused", test_pt_refused },
	{ "disks", test_disks },
	{ "nic", test_nic },
	{ "channel", test_channel },
	{ "pt_no_memory", test_pt_no_memory },
	{ "pt_irq_edge", test_pt_irq_edge },
	{ "pt_irq_level", test_pt_irq_level },
};

const struct test_suite vm_suite = {
	.name = "vm",
	.cases = vm_cases,
	.nr = ARRAY_SIZE(vm_cases),
};
