// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the paravirtual clock: the scale a guest computes its time
 * and the TSC's frequency from, the CPUID leaves, and the blocks the MSRs
 * write into guest RAM.
 */
#include <errno.h>
#include <string.h>

#include <linux/array_size.h>
#include <linux/bits.h>

#include <palacios/arch.h>
#include <palacios/devices.h>
#include <palacios/guest.h>
#include <palacios/host.h>
#include <palacios/mem.h>
#include <palacios/pvclock.h>

#include "test_host.h"
#include "tests.h"

/* What a Linux guest computes: pvclock_scale_delta() */
static u64 guest_ns(u64 delta, u32 mul, s8 shift)
{
	if (shift < 0)
		delta >>= -shift;
	else
		delta <<= shift;
	/* (hi * 2^32 + lo) * mul >> 32, exactly */
	return (delta >> 32) * mul + (((delta & 0xffffffff) * mul) >> 32);
}

/* ... and pvclock_tsc_khz() */
static u64 guest_khz(u32 mul, s8 shift)
{
	u64 khz = (1000000ULL << 32) / mul;

	return shift < 0 ? khz << -shift : khz >> shift;
}

static void test_scale(void)
{
	static const u32 khz[] = { 1000, 999999, 1000000, 1000001, 2096055,
				   3500000, 4294967 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(khz); i++) {
		u64 ticks = (u64)khz[i] * 1000 * 100;	/* 100 s */
		u64 ns, err;
		u32 mul;
		s8 shift;

		v3_pvclock_scale(khz[i], &mul, &shift);
		CHECK(mul & BIT(31));		/* 32 significant bits */
		ns = guest_ns(ticks, mul, shift);
		err = ns > 100000000000ULL ? ns - 100000000000ULL :
					     100000000000ULL - ns;
		if (err > 100000) {		/* 1 ppm */
			printf("# %u kHz: 100 s read as %llu ns\n", khz[i],
			       (unsigned long long)ns);
			CHECK(0);
		}
		err = guest_khz(mul, shift) > khz[i] ?
			guest_khz(mul, shift) - khz[i] :
			khz[i] - guest_khz(mul, shift);
		/* the guest's truncations, shifted: 1 ppm at most here */
		if (err > 4) {
			printf("# %u kHz: read back as %llu kHz\n", khz[i],
			       (unsigned long long)guest_khz(mul, shift));
			CHECK(0);
		}
	}
}

static void test_cpuid(void)
{
	struct v3_pvclock clk = { .mul = 0x80000000 };
	u32 r[4];

	CHECK(!v3_pvclock_cpuid(&clk, 0x40000000, r));
	CHECK(!v3_pvclock_cpuid(&clk, 0x40000102, r));
	CHECK(v3_pvclock_cpuid(&clk, V3_CPUID_KVM_BASE, r));
	CHECK(r[0] == V3_CPUID_KVM_FEATURES);
	CHECK(!memcmp(&r[1], "KVMKVMKVM\0\0\0", 12));
	memset(r, 0xff, sizeof(r));
	CHECK(v3_pvclock_cpuid(&clk, V3_CPUID_KVM_FEATURES, r));
	CHECK(r[0] == (BIT(3) | BIT(24)) && !r[1] && !r[2] && !r[3]);
	/* no clock: the leaves are empty, as past the last leaf */
	clk.mul = 0;
	memset(r, 0xff, sizeof(r));
	CHECK(v3_pvclock_cpuid(&clk, V3_CPUID_KVM_BASE, r));
	CHECK(!r[0] && !r[1] && !r[2] && !r[3]);
	CHECK(v3_pvclock_cpuid(NULL, V3_CPUID_KVM_FEATURES, r));
	CHECK(!r[0]);
}

static void test_init(void)
{
	struct v3_pvclock clk;

	memset(&test_host, 0, sizeof(test_host));
	CHECK(v3_pvclock_init(&clk) == -ENODEV);	/* no frequency */
	CHECK(!clk.mul);
	test_host.cpu_khz = 2000000;
	test_host.wall_ns = 1700000000123456789ULL;
	model_tsc = 5000;
	model_tsc_step = 0;
	CHECK(v3_pvclock_init(&clk) == 0);
	CHECK(clk.tsc0 == 5000);
	CHECK(clk.wall0_ns == 1700000000123456789ULL);
	CHECK(clk.mul == 0x80000000 && clk.shift == 0);	/* 0.5 ns */
}

static void test_msrs(void)
{
	struct v3_pvclock_vcpu_info info;
	struct v3_pvclock_wall wall;
	struct v3_vcpu vcpu = { 0 };
	struct v3_vm *vm;
	u64 val;

	memset(&test_host, 0, sizeof(test_host));
	test_host.cpu_khz = 2096055;
	test_host.wall_ns = 1700000000123456789ULL;
	model_tsc = 1000000;
	model_tsc_step = 0;
	vm = v3_host_zalloc(sizeof(*vm));
	vm->board = v3_host_zalloc(sizeof(*vm->board));
	snprintf(vm->name, sizeof(vm->name), "t");
	CHECK(v3_mem_map_init(&vm->mem, 2 * MiB) == 0);
	vcpu.vm = vm;

	/* without a clock, the MSRs are unknown */
	val = 0x1001;
	CHECK(v3_pvclock_msr(&vcpu, V3_MSR_KVM_SYSTEM_TIME_NEW, true,
			     &val) == -ENOENT);
	CHECK(v3_pvclock_init(&vm->board->pvclock) == 0);
	CHECK(v3_pvclock_msr(&vcpu, 0x4b564d02, true, &val) == -ENOENT);

	/* enabled: the block, for this vCPU's TSC */
	vcpu.tsc_offset = 777;
	CHECK(v3_pvclock_msr(&vcpu, V3_MSR_KVM_SYSTEM_TIME_NEW, true,
			     &val) == 0);
	CHECK(v3_mem_read(&vm->mem, 0x1000, &info, sizeof(info)) == 0);
	CHECK(info.version == 2 && !(info.version & 1));
	CHECK(info.tsc_timestamp == 1000000 + 777);
	CHECK(info.system_time == 0);
	CHECK(info.tsc_to_system_mul == vm->board->pvclock.mul);
	CHECK(info.tsc_shift == vm->board->pvclock.shift);
	CHECK(info.flags == V3_PVCLOCK_TSC_STABLE);
	/* within 1 kHz: the guest's division truncates, and so may shift */
	CHECK(guest_khz(info.tsc_to_system_mul, info.tsc_shift) + 2 >= 2096055 &&
	      guest_khz(info.tsc_to_system_mul, info.tsc_shift) <= 2096055);
	val = 0;
	CHECK(v3_pvclock_msr(&vcpu, V3_MSR_KVM_SYSTEM_TIME_NEW, false,
			     &val) == 0);
	CHECK(val == 0x1001);

	/* disabled: nothing written */
	memset(&info, 0, sizeof(info));
	CHECK(v3_mem_write(&vm->mem, 0x3000, &info, sizeof(info)) == 0);
	val = 0x3000;
	CHECK(v3_pvclock_msr(&vcpu, V3_MSR_KVM_SYSTEM_TIME_NEW, true,
			     &val) == 0);
	CHECK(v3_mem_read(&vm->mem, 0x3000, &info, sizeof(info)) == 0);
	CHECK(!info.version && !info.tsc_to_system_mul);

	/* a block past the end of RAM: not written, logged once */
	val = (2 * MiB - 16) | 1;
	CHECK(v3_pvclock_msr(&vcpu, V3_MSR_KVM_SYSTEM_TIME_NEW, true,
			     &val) == 0);
	val = ~0ULL;
	CHECK(v3_pvclock_msr(&vcpu, V3_MSR_KVM_SYSTEM_TIME_NEW, true,
			     &val) == 0);
	CHECK(test_host_log_lines("vm t: clock block at guest-physical 0x1ffff0") == 1);
	CHECK(test_host_log_lines("not in RAM") == 1);

	/* the time of day at guest time 0 */
	val = 0x2000;
	CHECK(v3_pvclock_msr(&vcpu, V3_MSR_KVM_WALL_CLOCK_NEW, true,
			     &val) == 0);
	CHECK(v3_mem_read(&vm->mem, 0x2000, &wall, sizeof(wall)) == 0);
	CHECK(wall.version == 2);
	CHECK(wall.sec == 1700000000 && wall.nsec == 123456789);
	val = 0;
	CHECK(v3_pvclock_msr(&vcpu, V3_MSR_KVM_WALL_CLOCK_NEW, false,
			     &val) == 0);
	CHECK(val == 0x2000);

	v3_mem_map_free(&vm->mem);
	v3_host_free(vm->board);
	v3_host_free(vm);
	CHECK(test_host.pages == 0 && test_host.objects == 0);
	CHECK(test_host.errors == 0);
}

static const struct test_case pvclock_cases[] = {
	{ "scale", test_scale },
	{ "cpuid", test_cpuid },
	{ "init", test_init },
	{ "msrs", test_msrs },
};

const struct test_suite pvclock_suite = {
	.name = "pvclock",
	.cases = pvclock_cases,
	.nr = ARRAY_SIZE(pvclock_cases),
};
