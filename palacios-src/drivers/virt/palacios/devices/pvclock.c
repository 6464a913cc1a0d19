// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios core: the paravirtual clock (see <palacios/pvclock.h>).
 *
 * Guest time is nanoseconds since the VM was created, computed from the
 * host's TSC with the host's measured frequency; the time of day at guest
 * time 0 is the host's then.  A guest that finds the clock reads the TSC's
 * frequency from it (Linux: "tsc: Detected ... MHz", with no calibration)
 * and the date from it, whatever the speed or load of the host.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>

#include <palacios/arch.h>
#include <palacios/guest.h>
#include <palacios/host.h>
#include <palacios/log.h>
#include <palacios/mem.h>
#include <palacios/pvclock.h>

#define NS_PER_MS	1000000U
#define NS_PER_S	1000000000ULL

void v3_pvclock_scale(u32 khz, u32 *mul, s8 *shift)
{
	u64 num = NS_PER_MS, den = khz, rem;
	unsigned int i;
	s8 s = 0;

	/* nanoseconds per tick = num / den, brought into [1/2, 1) */
	while (num >= den) {
		den <<= 1;
		s++;
	}
	while (num << 1 < den) {
		num <<= 1;
		s--;
	}
	/* mul = 2^32 * num / den, by long division: num << 32 overflows */
	*mul = 0;
	rem = num;
	for (i = 0; i < 32; i++) {
		rem <<= 1;
		*mul <<= 1;
		if (rem >= den) {
			rem -= den;
			*mul |= 1;
		}
	}
	*shift = s;
}

int v3_pvclock_init(struct v3_pvclock *clk)
{
	unsigned long khz = v3_host_cpu_khz();

	memset(clk, 0, sizeof(*clk));
	if (!khz || khz > 0xffffffffUL)
		return -ENODEV;
	v3_pvclock_scale(khz, &clk->mul, &clk->shift);
	clk->tsc0 = v3_rdtsc();
	clk->wall0_ns = v3_host_wall_time_ns();
	return 0;
}

bool v3_pvclock_cpuid(const struct v3_pvclock *clk, u32 leaf, u32 regs[4])
{
	if (leaf != V3_CPUID_KVM_BASE && leaf != V3_CPUID_KVM_FEATURES)
		return false;
	memset(regs, 0, 4 * sizeof(u32));
	if (!clk || !clk->mul)
		return true;
	if (leaf == V3_CPUID_KVM_BASE) {
		regs[0] = V3_CPUID_KVM_FEATURES;
		memcpy(&regs[1], "KVMKVMKVM\0\0\0", 12);
	} else {
		regs[0] = V3_KVM_FEATURE_CLOCKSOURCE2 |
			  V3_KVM_FEATURE_CLOCK_STABLE;
	}
	return true;
}

static int v3_pvclock_put(struct v3_vcpu *vcpu, u64 gpa, const void *buf,
			  u64 len)
{
	struct v3_vm *vm = vcpu->vm;

	if (!v3_mem_write(&vm->mem, gpa, buf, len))
		return 0;
	if (!vm->pvclock.warned) {
		vm->pvclock.warned = true;
		v3_warn("vm %s: clock block at guest-physical 0x%llx is not in RAM: not written (logged once)\n",
			vm->name, gpa);
	}
	return -EFAULT;
}

int v3_pvclock_msr(struct v3_vcpu *vcpu, u32 msr, bool write, u64 *val)
{
	struct v3_pvclock *clk = &vcpu->vm->pvclock;
	struct v3_pvclock_vcpu_info info = {
		.version = 2,
		.tsc_to_system_mul = clk->mul,
		.tsc_shift = clk->shift,
		.flags = V3_PVCLOCK_TSC_STABLE,
	};
	struct v3_pvclock_wall wall = { .version = 2 };

	if (!clk->mul)
		return -ENOENT;
	switch (msr) {
	case V3_MSR_KVM_SYSTEM_TIME_NEW:
		if (!write) {
			*val = vcpu->pvclock_msr;
			return 0;
		}
		vcpu->pvclock_msr = *val;
		if (!(*val & V3_PVCLOCK_ENABLE))
			return 0;
		/* guest time 0 is tsc0 on this vCPU's TSC */
		info.tsc_timestamp = clk->tsc0 + vcpu->tsc_offset;
		v3_pvclock_put(vcpu, *val & ~V3_PVCLOCK_ENABLE, &info,
			       sizeof(info));
		return 0;
	case V3_MSR_KVM_WALL_CLOCK_NEW:
		if (!write) {
			*val = clk->wall_msr;
			return 0;
		}
		clk->wall_msr = *val;
		wall.sec = (u32)(clk->wall0_ns / NS_PER_S);
		wall.nsec = (u32)(clk->wall0_ns % NS_PER_S);
		v3_pvclock_put(vcpu, *val, &wall, sizeof(wall));
		return 0;
	}
	return -ENOENT;
}
