// SPDX-License-Identifier: GPL-2.0-only
/*
 * The model of the VMCS instructions and of the VMX world switch, for the
 * user-space build of the core.
 *
 * A model VMCS keeps its fields in its own page, after the revision ID:
 * pairs of encoding and value, in the order they were first written.
 * VMPTRLD makes a VMCS current on the calling model CPU (and checks its
 * revision ID), VMCLEAR ends that; VMREAD and VMWRITE act on the current
 * one, and fail without one.  __v3_vmx_run() fails as VMLAUNCH would
 * without a current VMCS, else exits at once with the reason the test set
 * in model_vmx.exit_reason.
 */
#include <errno.h>
#include <string.h>

#include <palacios/arch.h>
#include <palacios/host.h>

#include "model_vmx.h"

#define MODEL_VMCS_FIELDS	((4096 - 8) / sizeof(struct model_vmcs_field))

struct model_vmcs_field {
	u32 field;
	u32 used;
	u64 val;
};

struct model_vmcs {
	u32 revision;
	u32 abort;
	struct model_vmcs_field f[MODEL_VMCS_FIELDS];
};

struct model_vmx model_vmx;

const u8 __v3_vmx_exit[1];

static struct model_vmcs *model_current(void)
{
	u64 pa = model_cpus[v3_host_cpu_id()].vmcs;

	return pa ? v3_host_pa_to_va(pa) : NULL;
}

static struct model_vmcs_field *model_field(struct model_vmcs *v, u32 field,
					    bool add)
{
	unsigned int i;

	for (i = 0; i < MODEL_VMCS_FIELDS && v->f[i].used; i++)
		if (v->f[i].field == field)
			return &v->f[i];
	if (!add || i == MODEL_VMCS_FIELDS)
		return NULL;
	v->f[i].used = 1;
	v->f[i].field = field;
	return &v->f[i];
}

u64 model_vmcs_field(u64 pa, u32 field)
{
	struct model_vmcs_field *f = model_field(v3_host_pa_to_va(pa), field,
						 false);

	return f ? f->val : 0;
}

int v3_vmclear(u64 pa)
{
	struct model_cpu *c = &model_cpus[v3_host_cpu_id()];

	if (!c->vmxon)
		return -EIO;
	if (c->vmcs == pa)
		c->vmcs = 0;
	model_vmx.clears++;
	return 0;
}

int v3_vmptrld(u64 pa)
{
	struct model_cpu *c = &model_cpus[v3_host_cpu_id()];
	struct model_vmcs *v = v3_host_pa_to_va(pa);
	u32 revision = model_msr(v3_host_cpu_id(), MSR_IA32_VMX_BASIC)->value;
	unsigned int i;

	if (!c->vmxon || v->revision != revision)
		return -EIO;
	/* a VMCS may be current on one CPU only */
	for (i = 0; i < MODEL_NR_CPUS; i++)
		if (i != (unsigned int)v3_host_cpu_id() &&
		    model_cpus[i].vmcs == pa)
			model_vmx.double_loads++;
	c->vmcs = pa;
	return 0;
}

u64 v3_vmread(u32 field)
{
	struct model_vmcs *v = model_current();
	struct model_vmcs_field *f = v ? model_field(v, field, false) : NULL;

	if (!v)
		model_vmx.bad_accesses++;
	return f ? f->val : 0;
}

int v3_vmwrite(u32 field, u64 val)
{
	struct model_vmcs *v = model_current();
	struct model_vmcs_field *f = v ? model_field(v, field, true) : NULL;

	if (!f) {
		model_vmx.bad_accesses++;
		return -EIO;
	}
	f->val = val;
	return 0;
}

void v3_invept(u64 type, u64 eptp)
{
	model_vmx.inveps++;
}

void v3_invvpid(u64 type, u16 vpid)
{
	model_vmx.invvpids++;
}

u64 v3_cr3_read(void)
{
	return 0x1000;
}

void v3_host_segs_read(struct v3_host_segs *s)
{
	s->cs = 0x10;
	s->ss = 0x18;
	s->tr = 0x40;
	s->gdt_base = 0xfffffe0000001000ULL;
	s->idt_base = 0xfffffe0000000000ULL;
	s->tr_base = 0xfffffe0000003000ULL;
}

/* VMCS_EXIT_REASON and VMCS_INSN_ERROR (vmx/vmcs.h) */
#define MODEL_EXIT_REASON	0x4402
#define MODEL_INSN_ERROR	0x4400

int __v3_vmx_run(u64 *gpr, bool launched)
{
	if (!model_current() || !model_irqs_disabled())
		return 1;
	model_vmx.runs++;
	v3_vmwrite(MODEL_EXIT_REASON, model_vmx.exit_reason);
	return 0;
}
