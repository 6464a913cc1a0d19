/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The paravirtual clock the VMM offers its guests: KVM's (its CPUID leaves
 * and MSRs, Documentation/virt/kvm/x86/cpuid.rst and msr.rst), which Linux
 * guests look for at every hypervisor CPUID base, so that they read the
 * TSC's frequency and the time of day instead of calibrating against
 * emulated timers.
 *
 * The guest's TSC is the host's plus the vCPU's offset, and the host's TSC
 * is invariant, so one linear function of the TSC, fixed when the VM is
 * created, is the guest's clock on every vCPU for its whole life: each
 * vCPU's time-information block is written once, when the guest enables
 * it, and flagged stable.
 */
#ifndef _PALACIOS_PVCLOCK_H
#define _PALACIOS_PVCLOCK_H

#include <linux/types.h>

struct v3_vcpu;

/* The leaves, at the second hypervisor base: the first says "Palacios" */
#define V3_CPUID_KVM_BASE		0x40000100
#define V3_CPUID_KVM_FEATURES		(V3_CPUID_KVM_BASE + 1)

/* CPUID 0x40000101 EAX: what is offered */
#define V3_KVM_FEATURE_CLOCKSOURCE2	BIT(3)
#define V3_KVM_FEATURE_CLOCK_STABLE	BIT(24)

#define V3_MSR_KVM_WALL_CLOCK_NEW	0x4b564d00
#define V3_MSR_KVM_SYSTEM_TIME_NEW	0x4b564d01

/* The system-time MSR: bit 0 enables, the rest is the block's address */
#define V3_PVCLOCK_ENABLE		BIT_ULL(0)

/* Flags of the time-information block */
#define V3_PVCLOCK_TSC_STABLE		BIT(0)

/**
 * struct v3_pvclock_vcpu_info - a vCPU's time-information block (the ABI)
 * @version: even when the block is consistent
 * @pad0: reserved
 * @tsc_timestamp: a guest TSC value
 * @system_time: nanoseconds of guest time at @tsc_timestamp
 * @tsc_to_system_mul: nanoseconds per TSC tick, as a 0.32 fixed-point
 *                     fraction, after scaling by @tsc_shift
 * @tsc_shift: the TSC difference is shifted left by this (right if
 *             negative) before it is multiplied
 * @flags: %V3_PVCLOCK_TSC_STABLE
 * @pad: reserved
 */
struct v3_pvclock_vcpu_info {
	u32 version;
	u32 pad0;
	u64 tsc_timestamp;
	u64 system_time;
	u32 tsc_to_system_mul;
	s8 tsc_shift;
	u8 flags;
	u8 pad[2];
} __packed;

/**
 * struct v3_pvclock_wall - the time of day at guest time 0 (the ABI)
 * @version: even when consistent
 * @sec: seconds since 1970-01-01 00:00 UTC
 * @nsec: and nanoseconds
 */
struct v3_pvclock_wall {
	u32 version;
	u32 sec;
	u32 nsec;
} __packed;

/**
 * struct v3_pvclock - a VM's clock
 * @tsc0: the host TSC at guest time 0 (when the VM was created)
 * @wall0_ns: the host's time of day then, in nanoseconds
 * @mul: &v3_pvclock_vcpu_info.tsc_to_system_mul for the host's TSC
 * @shift: &v3_pvclock_vcpu_info.tsc_shift
 * @wall_msr: the last value the guest wrote to the wall-clock MSR
 * @warned: a block outside guest RAM was logged already
 *
 * A VM whose host knows no TSC frequency has @mul 0: no clock is offered.
 */
struct v3_pvclock {
	u64 tsc0;
	u64 wall0_ns;
	u32 mul;
	s8 shift;
	u64 wall_msr;
	bool warned;
};

/**
 * v3_pvclock_scale() - the multiplier and shift for a TSC frequency
 * @khz: the TSC's frequency in kHz, not 0
 * @mul: the 0.32 fraction of nanoseconds per (shifted) tick
 * @shift: the shift, chosen so that @mul keeps 32 significant bits
 */
void v3_pvclock_scale(u32 khz, u32 *mul, s8 *shift);

/**
 * v3_pvclock_init() - start a VM's clock at guest time 0
 * @clk: the VM's clock
 *
 * Return: 0, or -ENODEV if the host knows no TSC frequency (the guest then
 * is offered no paravirtual clock).
 */
int v3_pvclock_init(struct v3_pvclock *clk);

/**
 * v3_pvclock_cpuid() - the leaves of the paravirtual interface
 * @clk: the VM's clock, or NULL for a VM without one
 * @leaf: the leaf a guest asked for
 * @regs: EAX to EDX of the CPUID policy, replaced for
 *        %V3_CPUID_KVM_BASE and %V3_CPUID_KVM_FEATURES
 *
 * Return: true if @leaf is one of them.
 */
bool v3_pvclock_cpuid(const struct v3_pvclock *clk, u32 leaf, u32 regs[4]);

/**
 * v3_pvclock_msr() - the guest reads or writes one of the clock's MSRs
 * @vcpu: the vCPU
 * @msr: the MSR
 * @write: WRMSR rather than RDMSR
 * @val: the value written, or where the value read goes
 *
 * Enabling a block writes it into guest RAM.  A block that is not inside
 * guest RAM is not written, as KVM writes none; the first such of a VM is
 * logged.
 *
 * Return: 0, or -ENOENT for another MSR or a VM without the clock.
 */
int v3_pvclock_msr(struct v3_vcpu *vcpu, u32 msr, bool write, u64 *val);

#endif /* _PALACIOS_PVCLOCK_H */
