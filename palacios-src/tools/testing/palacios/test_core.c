// SPDX-License-Identifier: GPL-2.0-only
/*
 * The core's x86 vCPU (core/vcpu.c) driven through a fake backend, as any
 * hardware backend drives it: the contract of <palacios/backend.h> once
 * for all backends.
 *
 * The fake keeps the guest's state in plain fields, and its world switch
 * asks a scripted step for the next exit, which it reports to the core the
 * way a backend's exit decoder does.  What the core asked of it (events,
 * windows, TLB flushes, loads and puts) is recorded for the checks.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <linux/array_size.h>
#include <linux/bits.h>
#include <linux/container_of.h>

#include <asm/msr-index.h>

#include <palacios/alu.h>
#include <palacios/arch.h>
#include <palacios/backend.h>
#include <palacios/guest.h>
#include <palacios/host.h>
#include <palacios/image.h>
#include <palacios/vm.h>
#include <palacios/vmm.h>

#include "test_host.h"
#include "tests.h"

/* What the fake guest did, as a backend's exit decoder reports it */
enum fake_exit {
	FAKE_STOP,		/* a triple fault: the end of the script */
	FAKE_CPUID,
	FAKE_HLT,
	FAKE_IO,
	FAKE_RDMSR,
	FAKE_WRMSR,
	FAKE_CR,
	FAKE_DR,
	FAKE_NPF,
	FAKE_IRET,
	FAKE_WINDOW,
	FAKE_INTR,
	FAKE_UD,
};

/**
 * struct fake_vcpu - the fake backend's vCPU
 * @vcpu: the core's
 * @sreg: the registers of enum v3_sreg
 * @seg: the segment registers
 * @shadow: the interrupt shadow
 * @event: the event to deliver at the next entry: 0, or its vector | FAKE_EV_*
 * @err: its error code
 * @window: an interrupt window is requested
 * @flushes: flush_tlb() calls
 * @entries: enter() calls
 * @delivered: the events the entries delivered, in order
 * @exit: the exit the step chose
 * @next_rip: with @has_next_rip, the hardware's next RIP
 * @has_next_rip: see @next_rip
 * @port: I/O exit: the port
 * @len: I/O exit: the size
 * @in: I/O exit: IN
 * @string: I/O exit: INS or OUTS
 * @ctl: CR or DR exit: the register
 * @write: DR exit: MOV to it
 * @gpr: CR or DR exit: the decoded register, or -1
 * @gpa: NPF exit: the address
 * @fault: NPF exit: V3_MMIO_*
 */
struct fake_vcpu {
	struct v3_vcpu vcpu;
	u64 sreg[V3_NR_SREGS];
	struct v3_segment seg[V3_NR_SEGS];
	bool shadow;
	u32 event;
	u32 err;
	bool window;
	unsigned int flushes, entries;
	u32 delivered[16];
	enum fake_exit exit;
	u64 next_rip;
	bool has_next_rip;
	u16 port;
	unsigned int len;
	bool in, string;
	unsigned int ctl;
	bool write;
	int gpr;
	u64 gpa;
	unsigned int fault;
};

#define FAKE_EV_IRQ	0x100
#define FAKE_EV_NMI	0x200
#define FAKE_EV_EXC	0x400
#define FAKE_EV_ERR	0x800

/* Sets the next exit in @fv; @n counts the entries from 0. */
typedef void (*fake_step_t)(struct fake_vcpu *fv, unsigned long n, void *p);

static struct {
	fake_step_t step;
	void *priv;
	unsigned int loads, puts;
	unsigned int bad;
	const char *why;
} fake;

struct fake_cpu {
	struct v3_cpu cpu;
	bool on;
};

struct fake_vm {
	struct v3_vm vm;
	bool ready;
};

static struct fake_vcpu *fv(struct v3_vcpu *vcpu)
{
	return container_of(vcpu, struct fake_vcpu, vcpu);
}

static void fake_bad(const char *why)
{
	if (!fake.bad++)
		fake.why = why;
}

static int fake_probe(void)
{
	return 0;
}

static void fake_describe(char *buf, size_t len)
{
	snprintf(buf, len, "fake");
}

static int fake_cpu_enable(struct v3_cpu *cpu)
{
	container_of(cpu, struct fake_cpu, cpu)->on = true;
	return 0;
}

static void fake_cpu_disable(struct v3_cpu *cpu)
{
	container_of(cpu, struct fake_cpu, cpu)->on = false;
}

static void fake_emergency_disable(void)
{
}

static int fake_vm_init(struct v3_vm *vm)
{
	container_of(vm, struct fake_vm, vm)->ready = true;
	return 0;
}

static void fake_vm_free(struct v3_vm *vm)
{
	container_of(vm, struct fake_vm, vm)->ready = false;
}

static int fake_vcpu_init(struct v3_vcpu *vcpu)
{
	return 0;
}

static bool fake_vcpu_free(struct v3_vcpu *vcpu)
{
	return true;
}

static void fake_vcpu_reset(struct v3_vcpu *vcpu)
{
	struct fake_vcpu *f = fv(vcpu);

	memset(f->sreg, 0xa5, sizeof(f->sreg));	/* the core must set each */
	memset(f->seg, 0xa5, sizeof(f->seg));
	f->shadow = false;
	f->event = 0;
	f->window = false;
}

static u64 fake_get_sreg(struct v3_vcpu *vcpu, enum v3_sreg reg)
{
	return fv(vcpu)->sreg[reg];
}

static void fake_set_sreg(struct v3_vcpu *vcpu, enum v3_sreg reg, u64 val)
{
	fv(vcpu)->sreg[reg] = val;
}

static void fake_get_seg(struct v3_vcpu *vcpu, enum v3_seg seg,
			 struct v3_segment *s)
{
	*s = fv(vcpu)->seg[seg];
}

static void fake_set_seg(struct v3_vcpu *vcpu, enum v3_seg seg,
			 const struct v3_segment *s)
{
	fv(vcpu)->seg[seg] = *s;
}

static bool fake_get_next_rip(struct v3_vcpu *vcpu, u64 *rip)
{
	*rip = fv(vcpu)->next_rip;
	return fv(vcpu)->has_next_rip;
}

static void fake_set_interrupt_shadow(struct v3_vcpu *vcpu, bool on)
{
	fv(vcpu)->shadow = on;
}

static bool fake_nmi_allowed(struct v3_vcpu *vcpu)
{
	return !fv(vcpu)->event;
}

static bool fake_interrupt_allowed(struct v3_vcpu *vcpu)
{
	struct fake_vcpu *f = fv(vcpu);

	return !f->event && !f->shadow && (f->sreg[V3_SREG_RFLAGS] & BIT(9));
}

static void fake_inject_irq(struct v3_vcpu *vcpu, u8 vector)
{
	if (fv(vcpu)->event)
		fake_bad("an interrupt injected over a pending event");
	fv(vcpu)->event = vector | FAKE_EV_IRQ;
}

static void fake_inject_nmi(struct v3_vcpu *vcpu)
{
	fv(vcpu)->event = 2 | FAKE_EV_NMI;
}

static void fake_enable_irq_window(struct v3_vcpu *vcpu, bool on)
{
	fv(vcpu)->window = on;
}

static void fake_queue_exception(struct v3_vcpu *vcpu, unsigned int vector,
				 bool has_err, u32 err)
{
	fv(vcpu)->event = vector | FAKE_EV_EXC | (has_err ? FAKE_EV_ERR : 0);
	fv(vcpu)->err = err;
}

static void fake_complete_events(struct v3_vcpu *vcpu)
{
	/* every event the fake delivers is delivered in full */
}

static void fake_flush_tlb(struct v3_vcpu *vcpu)
{
	fv(vcpu)->flushes++;
}

static bool fake_vcpu_load(struct v3_cpu *cpu, struct v3_vcpu *vcpu)
{
	if (!model_irqs_disabled())
		fake_bad("vcpu_load with interrupts enabled");
	if (!container_of(cpu, struct fake_cpu, cpu)->on)
		fake_bad("vcpu_load on a CPU not enabled");
	fake.loads++;
	return true;
}

static bool fake_vcpu_put(struct v3_vcpu *vcpu)
{
	fake.puts++;
	return true;
}

static void fake_enter(struct v3_cpu *cpu, struct v3_vcpu *vcpu)
{
	struct fake_vcpu *f = fv(vcpu);
	unsigned long n = f->entries++;

	if (!model_irqs_disabled())
		fake_bad("entered with interrupts enabled");
	if (!test_host_fpu_held())
		fake_bad("entered without the FPU taken from the host");
	if (n < ARRAY_SIZE(f->delivered))
		f->delivered[n] = f->event;
	f->event = 0;
	f->exit = FAKE_STOP;
	f->has_next_rip = false;
	f->gpr = -1;
	if (fake.step)
		fake.step(f, n, fake.priv);
}

static int fake_handle_exit(struct v3_vcpu *vcpu)
{
	struct fake_vcpu *f = fv(vcpu);

	switch (f->exit) {
	case FAKE_CPUID:
		return v3_emulate_cpuid(vcpu);
	case FAKE_HLT:
		return v3_emulate_hlt(vcpu);
	case FAKE_IO:
		return v3_handle_io_exit(vcpu, f->port, f->len, f->in,
					 f->string);
	case FAKE_RDMSR:
		return v3_emulate_rdmsr(vcpu);
	case FAKE_WRMSR:
		return v3_emulate_wrmsr(vcpu);
	case FAKE_CR:
		return v3_handle_cr_write(vcpu, f->ctl, f->gpr);
	case FAKE_DR:
		return v3_handle_dr(vcpu, f->ctl, f->write, f->gpr);
	case FAKE_NPF:
		return v3_handle_npf(vcpu, f->gpa, f->fault);
	case FAKE_IRET:
		return v3_handle_iret(vcpu);
	case FAKE_WINDOW:
		return v3_handle_irq_window(vcpu);
	case FAKE_INTR:
		return v3_handle_intr(vcpu, false);
	case FAKE_UD:
		return v3_emulate_ud(vcpu);
	case FAKE_STOP:
	default:
		return v3_handle_triple_fault(vcpu);
	}
}

static const struct v3_backend fake_backend = {
	.name = "fake",
	.cpu_size = sizeof(struct fake_cpu),
	.vm_size = sizeof(struct fake_vm),
	.vcpu_size = sizeof(struct fake_vcpu),
	.probe = fake_probe,
	.describe = fake_describe,
	.cpu_enable = fake_cpu_enable,
	.cpu_disable = fake_cpu_disable,
	.emergency_disable = fake_emergency_disable,
	.vm_init = fake_vm_init,
	.vm_free = fake_vm_free,
	.vcpu_init = fake_vcpu_init,
	.vcpu_free = fake_vcpu_free,
	.vcpu_reset = fake_vcpu_reset,
	.get_sreg = fake_get_sreg,
	.set_sreg = fake_set_sreg,
	.get_seg = fake_get_seg,
	.set_seg = fake_set_seg,
	.get_next_rip = fake_get_next_rip,
	.set_interrupt_shadow = fake_set_interrupt_shadow,
	.interrupt_allowed = fake_interrupt_allowed,
	.nmi_allowed = fake_nmi_allowed,
	.inject_irq = fake_inject_irq,
	.inject_nmi = fake_inject_nmi,
	.enable_irq_window = fake_enable_irq_window,
	.queue_exception = fake_queue_exception,
	.complete_events = fake_complete_events,
	.flush_tlb = fake_flush_tlb,
	.vcpu_load = fake_vcpu_load,
	.vcpu_put = fake_vcpu_put,
	.enter = fake_enter,
	.handle_exit = fake_handle_exit,
};

/* Bring-up */

/* Two CPUs whose CPUID offers SSE3, PCID, XSAVE... (the policy's input) */
static void core_up(void)
{
	const struct v3_backend *const backends[] = { &fake_backend };
	unsigned int cpu;

	memset(&test_host, 0, sizeof(test_host));
	memset(model_cpus, 0, sizeof(model_cpus));
	memset(&fake, 0, sizeof(fake));
	test_host.nr_cpus = 2;
	for (cpu = 0; cpu < 2; cpu++) {
		struct model_cpu *c = &model_cpus[cpu];

		c->cpuid[model_leaf(0)][0] = 0xd;
		c->cpuid[model_leaf(1)][2] = ~0U;
		c->cpuid[model_leaf(1)][3] = ~0U;
		c->cpuid[model_leaf(7)][1] = ~0U;
		c->cpuid[model_leaf(0xd)][1] = 0x340;
		c->cpuid[model_leaf(0x80000000)][0] = 0x80000008;
	}
	CHECK(v3_init_backends(backends, ARRAY_SIZE(backends)) == 0);
	CHECK(!strcmp(v3_backend_name(), "fake"));
	for (cpu = 0; cpu < 2; cpu++)
		CHECK(test_cpu_up(cpu) == 0);
}

static void core_down(void)
{
	unsigned int cpu;

	for (cpu = 0; cpu < 2; cpu++)
		test_cpu_down(cpu);
	v3_exit();
	CHECK(test_host.pages == 0 && test_host.objects == 0);
	CHECK(fake.bad == 0);
	if (fake.bad)
		printf("# fake backend: %s\n", fake.why);
}

/* Guests: a long-mode image whose code is @code at LOAD */
#define LOAD	0x100000ULL
#define STACK	0x80000ULL

static struct {
	struct v3_image_header h;
	u8 code[64];
} img;

static const struct v3_vm_config cfg1 = {
	.name = "fake", .mem_size = 4 * MiB, .nr_vcpus = 1,
};

static struct v3_vm *create(const struct v3_vm_config *cfg, u32 mode,
			    const u8 *code, size_t len)
{
	struct v3_vm *vm = NULL;

	memset(&img, 0, sizeof(img));
	memcpy(img.h.magic, V3_IMAGE_MAGIC, 8);
	img.h.version = V3_IMAGE_VERSION;
	img.h.header_size = sizeof(img.h);
	img.h.mode = mode;
	img.h.load_gpa = mode == V3_IMAGE_REAL16 ? 0x7c00 : LOAD;
	img.h.entry = img.h.load_gpa;
	img.h.stack = mode == V3_IMAGE_REAL16 ? 0x7000 : STACK;
	memcpy(img.code, code, len);
	CHECK(v3_vm_create(cfg ? cfg : &cfg1, &vm) == 0);
	if (vm)
		CHECK(v3_vm_load(vm, &img, sizeof(img)) == 0);
	return vm;
}

static bool wait_stopped(struct v3_vm *vm)
{
	struct timespec ts = { 0, 1000000 };
	int i;

	for (i = 0; i < 5000 && v3_vm_state(vm) != V3_VM_STOPPED; i++)
		nanosleep(&ts, NULL);
	return v3_vm_state(vm) == V3_VM_STOPPED;
}

/* A device register of 64 bits at MMIO_DEV (see mmio_dev_access()) */
#define MMIO_DEV	0xe0000000ULL

/*
 * Run @step in a VM of @code until the script ends (a triple fault); with
 * @dev_fn, a device answers at MMIO_DEV.
 */
static struct v3_vm *run_dev(const u8 *code, size_t len, fake_step_t step,
			     void *priv, v3_access_fn dev_fn, void *dev)
{
	struct v3_vm *vm = create(NULL, V3_IMAGE_LONG64, code, len);

	fake.step = step;
	fake.priv = priv;
	if (!vm)
		return NULL;
	if (dev_fn)
		CHECK(v3_range_hook(&vm->mmio, MMIO_DEV, MMIO_DEV + 7, dev_fn,
				    dev) == 0);
	CHECK(v3_vm_start(vm) == 0);
	CHECK(wait_stopped(vm));
	return vm;
}

static struct v3_vm *run(const u8 *code, size_t len, fake_step_t step,
			 void *priv)
{
	return run_dev(code, len, step, priv, NULL, NULL);
}

static struct fake_vcpu *vcpu0(struct v3_vm *vm)
{
	return fv(vm->vcpus[0]);
}

/* The INIT state and each boot state, written through the accessors */
static void test_boot_states(void)
{
	struct v3_vm_config cfg = cfg1;
	struct fake_vcpu *f, *ap;
	struct v3_vm *vm;
	u8 nop = 0x90;

	core_up();
	cfg.nr_vcpus = 2;
	vm = create(&cfg, V3_IMAGE_LONG64, &nop, 1);
	f = vcpu0(vm);
	ap = fv(vm->vcpus[1]);
	/* the AP: after INIT */
	CHECK(ap->sreg[V3_SREG_RIP] == 0);
	CHECK(ap->sreg[V3_SREG_RFLAGS] == 2);
	CHECK(ap->sreg[V3_SREG_CR0] == 0x10);
	CHECK(ap->sreg[V3_SREG_CR3] == 0 && ap->sreg[V3_SREG_CR4] == 0);
	CHECK(ap->sreg[V3_SREG_EFER] == 0);
	CHECK(ap->sreg[V3_SREG_PAT] == 0x0007040600070406ULL);
	CHECK(ap->sreg[V3_SREG_DR6] == 0xffff0ff0 &&
	      ap->sreg[V3_SREG_DR7] == 0x400);
	CHECK(ap->seg[V3_SEG_CS].attrib == 0x9b &&
	      ap->seg[V3_SEG_CS].limit == 0xffff);
	CHECK(ap->seg[V3_SEG_SS].attrib == 0x93 &&
	      ap->seg[V3_SEG_SS].base == 0);
	CHECK(ap->seg[V3_SEG_TR].attrib == 0x8b &&
	      ap->seg[V3_SEG_LDTR].attrib == 0x82);
	CHECK(ap->seg[V3_SEG_IDTR].limit == 0xffff);
	/* the BSP: long mode at the entry */
	CHECK(f->sreg[V3_SREG_RIP] == LOAD);
	CHECK(f->vcpu.gpr[V3_RSP] == STACK);
	CHECK((f->sreg[V3_SREG_CR0] & 0x80000001) == 0x80000001);
	CHECK(f->sreg[V3_SREG_CR4] & V3_CR4_PAE);
	CHECK(f->sreg[V3_SREG_EFER] == (EFER_LME | EFER_LMA));
	CHECK(f->seg[V3_SEG_CS].attrib & V3_SEG_L);
	CHECK(f->seg[V3_SEG_GDTR].base == V3_IMAGE_GDT_GPA);
	CHECK(f->seg[V3_SEG_DS].attrib == (0x93 | V3_SEG_DB | V3_SEG_G));
	v3_vm_free(vm);

	vm = create(NULL, V3_IMAGE_REAL16, &nop, 1);
	f = vcpu0(vm);
	CHECK(f->sreg[V3_SREG_CR0] == 0x10 && f->sreg[V3_SREG_EFER] == 0);
	CHECK(f->seg[V3_SEG_CS].base == (u64)f->seg[V3_SEG_CS].selector << 4);
	CHECK(f->seg[V3_SEG_CS].base + f->sreg[V3_SREG_RIP] == 0x7c00);
	v3_vm_free(vm);

	vm = create(NULL, V3_IMAGE_PROT32, &nop, 1);
	f = vcpu0(vm);
	CHECK((f->sreg[V3_SREG_CR0] & 0x80000001) == 1);
	CHECK(f->seg[V3_SEG_CS].attrib & V3_SEG_DB);
	CHECK(!(f->seg[V3_SEG_CS].attrib & V3_SEG_L));
	v3_vm_free(vm);
	core_down();
}

/* CPUID, skipped by the hardware's next RIP, then by decoding it */
static void step_cpuid(struct fake_vcpu *f, unsigned long n, void *p)
{
	u64 *rips = p;

	rips[n] = f->sreg[V3_SREG_RIP];
	if (n == 0) {
		f->vcpu.gpr[V3_RAX] = 0x40000000;
		f->exit = FAKE_CPUID;
		f->has_next_rip = true;
		f->next_rip = LOAD + 2;
		f->shadow = true;
	} else if (n <= 3) {
		/*
		 * The core finds the next RIP: 0f a2 as it is, 66 0f a2 by the
		 * decoder, and refuses ud2 (0f 0b) as a CPUID
		 */
		f->vcpu.gpr[V3_RAX] = 0x40000000;
		f->exit = FAKE_CPUID;
	}
}

static void test_cpuid_skip(void)
{
	static const u8 code[] = { 0x0f, 0xa2, 0x0f, 0xa2, 0x66, 0x0f, 0xa2,
				   0x0f, 0x0b };
	u64 rips[5] = { 0 };
	struct fake_vcpu *f;
	struct v3_vm *vm;

	core_up();
	vm = run(code, sizeof(code), step_cpuid, rips);
	f = vcpu0(vm);
	CHECK(rips[0] == LOAD && rips[1] == LOAD + 2 && rips[2] == LOAD + 4 &&
	      rips[3] == LOAD + 7);
	CHECK(!f->shadow);
	CHECK(!memcmp(&f->vcpu.gpr[V3_RBX], "Pala", 4));
	CHECK(f->vcpu.exits[V3_EXIT_CPUID] == 4);
	CHECK(strstr(v3_vm_stop_reason(vm),
		     "cannot decode the instruction at RIP"));
	CHECK(f->sreg[V3_SREG_RIP] == LOAD + 7);
	v3_vm_free(vm);
	/* one load per entry; one put when the thread left its loop */
	CHECK(fake.loads == 4 && fake.puts == 1);
	core_down();
}

/* IN of 1, 2 and 4 bytes from an unhooked port; a string OUT stops */
static void step_io(struct fake_vcpu *f, unsigned long n, void *p)
{
	static const unsigned int len[] = { 1, 2, 4 };

	if (n)
		((u64 *)p)[n - 1] = f->vcpu.gpr[V3_RAX];
	if (n < 3) {
		f->vcpu.gpr[V3_RAX] = 0x1122334455667788ULL;
		f->exit = FAKE_IO;
		f->port = 0x1234;
		f->len = len[n];
		f->in = true;
		f->has_next_rip = true;
		f->next_rip = f->sreg[V3_SREG_RIP] + 1;
	} else if (n == 3) {
		f->exit = FAKE_IO;
		f->port = 0x1234;
		f->len = 1;
		f->string = true;
		f->has_next_rip = true;
	}
}

static void test_io_merge(void)
{
	static const u8 code[] = { 0xec, 0xec, 0xec, 0x6e };
	u64 rax[3] = { 0 };
	struct v3_vm *vm;

	core_up();
	vm = run(code, sizeof(code), step_io, rax);
	CHECK(rax[0] == 0x11223344556677ffULL);
	CHECK(rax[1] == 0x112233445566ffffULL);
	CHECK(rax[2] == 0xffffffffULL);		/* zero-extended */
	CHECK(strstr(v3_vm_stop_reason(vm), "string I/O"));
	v3_vm_free(vm);
	core_down();
}

/* MSRs: EFER and PAT checked by the core, an unknown one #GP */
static u64 msr_efer_read, msr_misc_read;

static void step_msr(struct fake_vcpu *f, unsigned long n, void *p)
{
	u32 *ev = p;
	u64 *r = f->vcpu.gpr;

	if (n)
		ev[n - 1] = f->delivered[n];
	f->has_next_rip = true;
	f->next_rip = f->sreg[V3_SREG_RIP];
	switch (n) {
	case 0:		/* EFER with SVME: reserved for the guest */
		r[V3_RCX] = MSR_EFER;
		r[V3_RAX] = EFER_SCE | EFER_LME | EFER_SVME;
		r[V3_RDX] = 0;
		f->exit = FAKE_WRMSR;
		break;
	case 1:		/* EFER without LMA: LMA stays, the CPU's */
		r[V3_RCX] = MSR_EFER;
		r[V3_RAX] = EFER_SCE | EFER_LME | EFER_NX;
		f->exit = FAKE_WRMSR;
		break;
	case 2:		/* PAT type 2 is reserved */
		r[V3_RCX] = MSR_IA32_CR_PAT;
		r[V3_RAX] = 2;
		f->exit = FAKE_WRMSR;
		break;
	case 3:
		r[V3_RCX] = MSR_IA32_CR_PAT;
		r[V3_RAX] = 0x06060606;
		r[V3_RDX] = 0x00000007;
		f->exit = FAKE_WRMSR;
		break;
	case 4:
		r[V3_RCX] = 0xdeadbeef;
		f->exit = FAKE_RDMSR;
		break;
	case 5:
		r[V3_RCX] = MSR_EFER;
		f->exit = FAKE_RDMSR;
		break;
	case 6:		/* Intel's MISC_ENABLE, which Linux reads unguarded */
		msr_efer_read = r[V3_RAX];
		r[V3_RCX] = MSR_IA32_MISC_ENABLE;
		f->exit = FAKE_RDMSR;
		break;
	case 7:		/* ... a write may only keep its value */
		msr_misc_read = (r[V3_RDX] << 32) | (u32)r[V3_RAX];
		r[V3_RCX] = MSR_IA32_MISC_ENABLE;
		r[V3_RAX] = 0;
		r[V3_RDX] = 0;
		f->exit = FAKE_WRMSR;
		break;
	}
}

static void test_msr_policy(void)
{
	static const u8 code[] = { 0x0f, 0x30 };
	u32 ev[8] = { 0 };
	struct fake_vcpu *f;
	struct v3_vm *vm;

	core_up();
	vm = run(code, sizeof(code), step_msr, ev);
	f = vcpu0(vm);
	CHECK(ev[0] == (13 | FAKE_EV_EXC | FAKE_EV_ERR));	/* #GP */
	CHECK(ev[1] == 0);
	CHECK(ev[2] == (13 | FAKE_EV_EXC | FAKE_EV_ERR));
	CHECK(ev[3] == 0);
	CHECK(ev[4] == (13 | FAKE_EV_EXC | FAKE_EV_ERR));
	CHECK(f->sreg[V3_SREG_EFER] ==
	      (EFER_SCE | EFER_LME | EFER_LMA | EFER_NX));
	CHECK(f->sreg[V3_SREG_PAT] == 0x0000000706060606ULL);
	CHECK(msr_efer_read == (EFER_SCE | EFER_LME | EFER_LMA | EFER_NX));
	CHECK(ev[5] == 0 && ev[6] == 0);
	CHECK(msr_misc_read == (MSR_IA32_MISC_ENABLE_BTS_UNAVAIL |
				MSR_IA32_MISC_ENABLE_PEBS_UNAVAIL));
	CHECK(ev[7] == (13 | FAKE_EV_EXC | FAKE_EV_ERR));
	CHECK(f->vcpu.exits[V3_EXIT_MSR] == 8);
	v3_vm_free(vm);
	core_down();
}

/* CR4 and DR0-DR3, with the register given and decoded */
static void step_ctl(struct fake_vcpu *f, unsigned long n, void *p)
{
	u64 *r = f->vcpu.gpr;
	u32 *ev = p;

	if (n)
		ev[n - 1] = f->delivered[n];
	switch (n) {
	case 0:		/* PAE off in long mode: #GP */
		r[V3_RDX] = 0;
		f->exit = FAKE_CR;
		f->ctl = 4;
		f->gpr = V3_RDX;
		break;
	case 1:		/* PGE on: allowed, a paging bit: TLB flushed */
		r[V3_RDX] = V3_CR4_PAE | V3_CR4_PGE;
		f->exit = FAKE_CR;
		f->ctl = 4;	/* decoded: 0f 22 e2, mov %rdx, %cr4 */
		break;
	case 2:		/* mov %r9, %dr1, decoded */
		r[9] = 0xabcdef;
		f->exit = FAKE_DR;
		f->ctl = 1;
		f->write = true;
		break;
	case 3:		/* mov %dr1, %rbx, the register given */
		f->exit = FAKE_DR;
		f->ctl = 1;
		f->write = false;
		f->gpr = V3_RBX;
		f->has_next_rip = true;
		f->next_rip = f->sreg[V3_SREG_RIP] + 3;
		break;
	}
}

static void test_cr4_dr(void)
{
	static const u8 code[] = { 0x0f, 0x22, 0xe2, 0x41, 0x0f, 0x23, 0xc9,
				   0x0f, 0x21, 0xcb };
	u32 ev[8] = { 0 };
	struct fake_vcpu *f;
	struct v3_vm *vm;

	core_up();
	vm = run(code, sizeof(code), step_ctl, ev);
	f = vcpu0(vm);
	CHECK(ev[0] == (13 | FAKE_EV_EXC | FAKE_EV_ERR));
	CHECK(ev[1] == 0 && ev[2] == 0 && ev[3] == 0);
	CHECK(f->sreg[V3_SREG_CR4] == (V3_CR4_PAE | V3_CR4_PGE));
	CHECK(f->flushes == 1);
	CHECK(f->vcpu.db[1] == 0xabcdef && f->vcpu.db_active);
	CHECK(f->vcpu.gpr[V3_RBX] == 0xabcdef);
	CHECK(f->sreg[V3_SREG_RIP] == LOAD + 10);
	v3_vm_free(vm);
	core_down();
}

/* An NMI, masked until the guest's IRET completes; an interrupt window */
struct events {
	u32 seen[8];
	bool window[8];
};

static void deliver(struct v3_vcpu *vcpu, u8 delivery, u8 vector)
{
	struct v3_apic_msg msg = {
		.delivery = delivery, .vector = vector,
		.dest = vcpu->lapic.id,
	};

	v3_lapic_deliver(&vcpu->lapic, &msg);
}

static void step_events(struct fake_vcpu *f, unsigned long n, void *p)
{
	struct events *e = p;
	u32 svr = 0x1ff;

	if (n && n <= ARRAY_SIZE(e->seen)) {
		e->seen[n - 1] = f->delivered[n];
		e->window[n - 1] = f->window;
	}
	f->exit = FAKE_INTR;		/* an exit that changes nothing */
	switch (n) {
	case 0:		/* an NMI and an interrupt, IF clear */
		v3_lapic_access(&f->vcpu.lapic, 0xf0, &svr, 4, true);
		f->sreg[V3_SREG_RFLAGS] = 2;
		deliver(&f->vcpu, V3_APIC_NMI, 0);
		deliver(&f->vcpu, V3_APIC_FIXED, 0x40);
		break;
	case 1:		/* NMI delivered; a second one; the guest's IRET */
		deliver(&f->vcpu, V3_APIC_NMI, 0);
		f->exit = FAKE_IRET;
		break;
	case 2:		/* still masked: RIP has not moved past the IRET */
		f->sreg[V3_SREG_RIP] += 1;
		break;
	case 3:		/* the second NMI went in; IF set: the window opens */
		f->sreg[V3_SREG_RFLAGS] = 0x202;
		f->exit = FAKE_WINDOW;
		break;
	case 4:
		break;
	default:
		f->exit = FAKE_STOP;
		break;
	}
}

static void test_events(void)
{
	static const u8 code[] = { 0x90 };
	struct events e = { 0 };
	struct fake_vcpu *f;
	struct v3_vm *vm;

	core_up();
	vm = run(code, sizeof(code), step_events, &e);
	f = vcpu0(vm);
	CHECK(e.seen[0] == (2 | FAKE_EV_NMI));
	CHECK(e.window[0]);		/* the interrupt waits: IF clear */
	CHECK(e.seen[1] == 0);		/* the IRET has not completed */
	CHECK(e.seen[2] == (2 | FAKE_EV_NMI));
	CHECK(e.seen[3] == (0x40 | FAKE_EV_IRQ));
	CHECK(!e.window[3]);
	CHECK(e.seen[4] == 0);
	CHECK(f->vcpu.injected == 1);
	CHECK(f->vcpu.exits[V3_EXIT_INTR] == 4);
	v3_vm_free(vm);
	core_down();
}

/* MMIO: a store to the local APIC decoded and done; unbacked memory stops */
static void step_mmio(struct fake_vcpu *f, unsigned long n, void *p)
{
	if (n == 0) {
		f->vcpu.gpr[V3_RAX] = 0x1f0;	/* 89 00: mov %eax, (%rax) */
		f->exit = FAKE_NPF;
		f->gpa = V3_LAPIC_GPA + 0xf0;	/* SVR */
		f->fault = V3_MMIO_WRITE;
	} else if (n == 1) {
		*(u64 *)p = f->sreg[V3_SREG_RIP];
		f->exit = FAKE_NPF;
		f->gpa = 0xc0000000;
		f->fault = 0;
	}
}

static void test_mmio(void)
{
	static const u8 code[] = { 0x89, 0x00 };
	struct fake_vcpu *f;
	struct v3_vm *vm;
	u64 rip = 0;
	u32 svr = 0;

	core_up();
	vm = run(code, sizeof(code), step_mmio, &rip);
	f = vcpu0(vm);
	CHECK(rip == LOAD + 2);
	CHECK(v3_lapic_access(&f->vcpu.lapic, 0xf0, &svr, 4, false) == 0);
	CHECK((svr & 0x1ff) == 0x1f0);
	CHECK(strstr(v3_vm_stop_reason(vm), "unbacked guest-physical"));
	CHECK(f->vcpu.exits[V3_EXIT_NPF] == 2);
	v3_vm_free(vm);
	core_down();
}

/* A device register of 64 bits at MMIO_DEV, and what was done to it */
struct mmio_dev {
	u64 val;
	unsigned int reads, writes;
};

static int mmio_dev_access(u64 addr, void *data, unsigned int len,
			   bool write, void *priv)
{
	struct mmio_dev *d = priv;

	if (addr != MMIO_DEV)
		return -EIO;
	if (write) {
		d->val = 0;
		memcpy(&d->val, data, len);
		d->writes++;
	} else {
		memcpy(data, &d->val, len);
		d->reads++;
	}
	return 0;
}

/*
 * The ALU instructions on device memory, in the order of mmio_alu_code;
 * each exits with a nested page fault on MMIO_DEV, of the kind @fault
 * gives; the flags after each are kept in @flags.
 */
static const u8 mmio_alu_code[] = {
	0x01, 0x18,			/* add %ebx, (%rax) */
	0x83, 0x38, 0x0c,		/* cmpl $12, (%rax) */
	0x48, 0x2b, 0x08,		/* sub (%rax), %rcx */
	0xf7, 0x18,			/* negl (%rax) */
	0x0f, 0xba, 0x28, 0x03,		/* btsl $3, (%rax) */
	0x87, 0x10,			/* xchg %edx, (%rax) */
	0xf6, 0x00, 0x01,		/* testb $1, (%rax) */
	0xf0, 0xfe, 0x08,		/* lock decb (%rax) */
};

static const unsigned int mmio_alu_fault[] = {
	V3_MMIO_WRITE, 0, 0, V3_MMIO_WRITE, 0, V3_MMIO_WRITE, 0, 0,
};

struct mmio_alu_run {
	u64 flags[ARRAY_SIZE(mmio_alu_fault) + 1];
};

static void step_mmio_alu(struct fake_vcpu *f, unsigned long n, void *p)
{
	struct mmio_alu_run *r = p;

	if (n == 0) {
		f->vcpu.gpr[V3_RBX] = 7;
		f->vcpu.gpr[V3_RCX] = 100;
		f->vcpu.gpr[V3_RDX] = 0x55;
	}
	r->flags[n < ARRAY_SIZE(r->flags) ? n : 0] = f->sreg[V3_SREG_RFLAGS];
	f->exit = FAKE_NPF;
	if (n < ARRAY_SIZE(mmio_alu_fault)) {
		f->gpa = MMIO_DEV;
		f->fault = mmio_alu_fault[n];
	} else {
		f->gpa = 0xc0000000;	/* unbacked: the end */
		f->fault = 0;
	}
}

#define FL(f)	V3_FLAG_##f

static void test_mmio_alu(void)
{
	const u64 st = V3_FLAGS_STATUS;
	struct mmio_alu_run r = { 0 };
	struct mmio_dev dev = { .val = 5 };
	struct fake_vcpu *f;
	struct v3_vm *vm;

	core_up();
	vm = run_dev(mmio_alu_code, sizeof(mmio_alu_code), step_mmio_alu, &r,
		     mmio_dev_access, &dev);
	f = vcpu0(vm);
	CHECK(strstr(v3_vm_stop_reason(vm), "unbacked guest-physical"));
	/* 5 + 7 = 12; == 12; 100 - 12; -12; bit 3 of 0xfffffff4 set */
	CHECK((r.flags[1] & st) == FL(PF));
	CHECK((r.flags[2] & st) == (FL(ZF) | FL(PF)));
	CHECK(f->vcpu.gpr[V3_RCX] == 88);
	CHECK((r.flags[3] & st) == FL(AF));
	CHECK((r.flags[4] & st) == (FL(CF) | FL(SF) | FL(AF)));
	CHECK((r.flags[5] & FL(CF)) == 0);	/* bit 3 was clear */
	/* xchg: the device had 0xfffffffc, RDX had 0x55 */
	CHECK(f->vcpu.gpr[V3_RDX] == 0xfffffffc);
	CHECK((r.flags[7] & st) == 0);		/* 0x55 & 1: not zero */
	/* dec 0x55: 0x54, CF kept clear */
	CHECK(dev.val == 0x54);
	CHECK((r.flags[8] & st) == 0);
	CHECK(dev.reads == 8 && dev.writes == 5);
	CHECK(f->sreg[V3_SREG_RIP] == LOAD + sizeof(mmio_alu_code));
	CHECK(f->vcpu.exits[V3_EXIT_MMIO] == 8);
	v3_vm_free(vm);
	core_down();
}

/* A write fault on an instruction that only reads (CMP) stops the VM. */
static void step_mmio_mismatch(struct fake_vcpu *f, unsigned long n, void *p)
{
	f->exit = FAKE_NPF;
	f->gpa = MMIO_DEV;
	f->fault = V3_MMIO_WRITE;
}

static void test_mmio_alu_mismatch(void)
{
	static const u8 code[] = { 0x83, 0x38, 0x0c };	/* cmpl $12, (%rax) */
	struct mmio_dev dev = { .val = 5 };
	struct v3_vm *vm;

	core_up();
	vm = run_dev(code, sizeof(code), step_mmio_mismatch, NULL,
		     mmio_dev_access, &dev);
	CHECK(strstr(v3_vm_stop_reason(vm), "does not make the write"));
	CHECK(dev.reads == 0 && dev.writes == 0);
	v3_vm_free(vm);
	core_down();
}

/*
 * A device that wants a write again (-EAGAIN): the instruction is not
 * completed, the VM goes on, and the guest's next exit is the same write.
 */
struct mmio_again {
	unsigned int writes;
	u64 rip[3];
};

static int mmio_again_access(u64 addr, void *data, unsigned int len,
			     bool write, void *priv)
{
	struct mmio_again *d = priv;

	if (!write)
		return -EIO;
	return ++d->writes == 1 ? -EAGAIN : 0;
}

static void step_mmio_again(struct fake_vcpu *f, unsigned long n, void *p)
{
	struct mmio_again *d = p;

	if (n < ARRAY_SIZE(d->rip))
		d->rip[n] = f->sreg[V3_SREG_RIP];
	f->exit = FAKE_NPF;
	f->gpa = n < 2 ? MMIO_DEV : 0xc0000000;	/* unbacked: the end */
	f->fault = V3_MMIO_WRITE;
}

static void test_mmio_again(void)
{
	static const u8 code[] = { 0x89, 0x18 };	/* mov %ebx, (%rax) */
	struct mmio_again d = { 0 };
	struct fake_vcpu *f;
	struct v3_vm *vm;

	core_up();
	vm = run_dev(code, sizeof(code), step_mmio_again, &d,
		     mmio_again_access, &d);
	f = vcpu0(vm);
	CHECK(strstr(v3_vm_stop_reason(vm), "unbacked guest-physical"));
	CHECK(d.writes == 2);
	/* the first write left RIP at the instruction, the second moved it */
	CHECK(d.rip[0] == LOAD && d.rip[1] == LOAD);
	CHECK(d.rip[2] == LOAD + sizeof(code));
	CHECK(f->vcpu.exits[V3_EXIT_MMIO] == 2);
	v3_vm_free(vm);
	core_down();
}

static const struct test_case core_cases[] = {
	{ "boot_states", test_boot_states },
	{ "cpuid_skip", test_cpuid_skip },
	{ "io_merge", test_io_merge },
	{ "msr_policy", test_msr_policy },
	{ "cr4_dr", test_cr4_dr },
	{ "events", test_events },
	{ "mmio", test_mmio },
	{ "mmio_alu", test_mmio_alu },
	{ "mmio_alu_mismatch", test_mmio_alu_mismatch },
	{ "mmio_again", test_mmio_again },
};

const struct test_suite core_suite = {
	.name = "core",
	.cases = core_cases,
	.nr = ARRAY_SIZE(core_cases),
};
