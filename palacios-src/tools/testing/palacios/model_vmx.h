/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The model of the VMCS instructions and the VMX world switch (model_vmx.c).
 */
#ifndef MODEL_VMX_H
#define MODEL_VMX_H

#include <linux/types.h>

/**
 * struct model_vmx - what the model counted, and what it is to do
 * @clears: VMCLEARs
 * @double_loads: VMPTRLDs of a VMCS current on another CPU
 * @bad_accesses: VMREADs and VMWRITEs without a current VMCS
 * @inveps: INVEPTs
 * @invvpids: INVVPIDs
 * @runs: entries
 * @exit_reason: the reason of the next exits
 */
struct model_vmx {
	unsigned long clears;
	unsigned long double_loads;
	unsigned long bad_accesses;
	unsigned long inveps;
	unsigned long invvpids;
	unsigned long runs;
	u32 exit_reason;
};

extern struct model_vmx model_vmx;

int __v3_vmx_run(u64 *gpr, bool launched);
u64 model_vmcs_field(u64 pa, u32 field);

#endif
