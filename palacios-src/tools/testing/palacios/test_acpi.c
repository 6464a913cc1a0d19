// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the ACPI platform (PM registers, PM timer, firmware
 * tables) and of the reset lines (i8042, port 0x92).  The guest's side is
 * driven through the port registry; the tables are parsed as a kernel
 * parses them, from the RSDP.
 */
#include <errno.h>
#include <string.h>

#include <linux/array_size.h>

#include <palacios/acpi.h>
#include <palacios/host.h>
#include <palacios/i8042.h>
#include <palacios/io.h>
#include <palacios/ioapic.h>
#include <palacios/lapic.h>
#include <palacios/mem.h>

#include "test_host.h"
#include "tests.h"

#define PM1_STS		0x600
#define PM1_EN		0x602
#define PM1_CNT		0x604
#define PM_TMR		0x608
#define SLP_EN		0x2000
#define NS_PER_SEC	1000000000ULL

struct env {
	struct v3_range_map io;
	struct v3_acpi acpi;
	struct v3_i8042 kbc;
	unsigned int sleeps;
	unsigned int slp_typ;
	unsigned int resets;
};

static void env_sleep(void *priv, unsigned int slp_typ)
{
	struct env *env = priv;

	env->sleeps++;
	env->slp_typ = slp_typ;
}

static void env_reset(void *priv)
{
	struct env *env = priv;

	env->resets++;
}

static void env_init(struct env *env)
{
	memset(&test_host, 0, sizeof(test_host));
	memset(env, 0, sizeof(*env));
	v3_io_map_init(&env->io);
	CHECK(v3_acpi_init(&env->acpi, &env->io, env_sleep, env) == 0);
	CHECK(v3_i8042_init(&env->kbc, &env->io, env_reset, env) == 0);
}

static void env_free(struct env *env)
{
	v3_acpi_free(&env->acpi, &env->io);
	v3_i8042_free(&env->kbc, &env->io);
	CHECK(env->io.nr == 0);
	v3_range_map_free(&env->io);
	CHECK(test_host.objects == 0 && test_host.pages == 0);
	CHECK(test_host.errors == 0);
}

static u32 in(struct env *env, u16 port, unsigned int len)
{
	u32 val = 0x5a5a5a5a;

	CHECK(v3_range_dispatch(&env->io, port, &val, len, false) == 0);
	return len == 4 ? val : val & ((1U << (8 * len)) - 1);
}

static void out(struct env *env, u16 port, u32 val, unsigned int len)
{
	CHECK(v3_range_dispatch(&env->io, port, &val, len, true) == 0);
}

static void test_pm1_registers(void)
{
	struct env env;

	env_init(&env);
	/* ACPI mode is fixed: SCI_EN reads 1, whatever is written */
	CHECK(in(&env, PM1_CNT, 2) == 0x0001);
	out(&env, PM1_CNT, 0x0000, 2);
	CHECK(in(&env, PM1_CNT, 2) == 0x0001);
	/* enable bits are kept; status bits are write-1-to-clear, all 0 */
	out(&env, PM1_EN, 0x0121, 2);
	CHECK(in(&env, PM1_EN, 2) == 0x0121);
	CHECK(in(&env, PM1_EN + 1, 1) == 0x01);
	CHECK(in(&env, PM1_STS, 2) == 0);
	out(&env, PM1_STS, 0xffff, 2);
	CHECK(in(&env, PM1_STS, 4) == 0x01210000);
	/* SLP_TYP without SLP_EN is kept, and asks for nothing */
	out(&env, PM1_CNT, 3 << 10, 2);
	CHECK(in(&env, PM1_CNT, 2) == (3 << 10 | 1));
	CHECK(env.sleeps == 0);
	/* nothing between PM1_CNT and the timer */
	CHECK(!v3_range_find(&env.io, 0x606, 2));
	CHECK(!v3_range_find(&env.io, 0x5ff, 1));
	CHECK(!v3_range_find(&env.io, 0x60c, 1));
	env_free(&env);
}

/* What ACPICA does for S5: SLP_TYP first, then SLP_TYP | SLP_EN. */
static void test_soft_off(void)
{
	struct env env;

	env_init(&env);
	out(&env, PM1_CNT, 5 << 10 | 1, 2);
	CHECK(env.sleeps == 0);
	out(&env, PM1_CNT, 5 << 10 | SLP_EN | 1, 2);
	CHECK(env.sleeps == 1 && env.slp_typ == V3_ACPI_SLP_TYP_S5);
	/* SLP_EN is write-only */
	CHECK(!(in(&env, PM1_CNT, 2) & SLP_EN));
	/* a byte write of the high half does it too; another type is told */
	out(&env, PM1_CNT + 1, (1 << 2) | (SLP_EN >> 8), 1);
	CHECK(env.sleeps == 2 && env.slp_typ == 1);
	env_free(&env);
}

static void test_pm_timer(void)
{
	struct env env;
	u32 t0, t1;

	test_host.now_ns = 0;
	env_init(&env);
	test_host.now_ns = 5 * NS_PER_SEC;
	env.acpi.base_ns = 5 * NS_PER_SEC;
	t0 = in(&env, PM_TMR, 4);
	CHECK(t0 == 0);
	test_host.now_ns += NS_PER_SEC;
	t1 = in(&env, PM_TMR, 4);
	CHECK(t1 - t0 == V3_ACPI_PM_TMR_HZ);
	test_host.now_ns += 1000;		/* 1 us: 3.58 ticks */
	CHECK(in(&env, PM_TMR, 4) - t1 == 3);
	/* bytes of it, and writes are ignored */
	out(&env, PM_TMR, 0, 4);
	CHECK(in(&env, PM_TMR, 1) == ((t1 + 3) & 0xff));
	CHECK(in(&env, PM_TMR + 1, 2) == (((t1 + 3) >> 8) & 0xffff));
	/* it wraps at 32 bits, after 1199.57 s, without overflowing */
	test_host.now_ns = env.acpi.base_ns + 1200 * NS_PER_SEC;
	CHECK(in(&env, PM_TMR, 4) ==
	      (u32)(1200ULL * V3_ACPI_PM_TMR_HZ));
	test_host.now_ns = env.acpi.base_ns + 100000 * NS_PER_SEC + 1;
	CHECK(in(&env, PM_TMR, 4) ==
	      (u32)(100000ULL * V3_ACPI_PM_TMR_HZ));
	env_free(&env);
}

static u32 get32(const u8 *p, unsigned int off)
{
	u32 v;

	memcpy(&v, p + off, 4);
	return v;
}

static u16 get16(const u8 *p, unsigned int off)
{
	u16 v;

	memcpy(&v, p + off, 2);
	return v;
}

static u8 sum(const u8 *p, unsigned int len)
{
	u8 s = 0;

	while (len--)
		s += *p++;
	return s;
}

static const u8 *table(struct v3_mem_map *mem, u64 gpa, const char *sig)
{
	const u8 *t = v3_gpa_to_hva(mem, gpa, 36);

	CHECK(t);
	if (!t)
		return NULL;
	CHECK(!memcmp(t, sig, 4));
	t = v3_gpa_to_hva(mem, gpa, get32(t, 4));
	CHECK(t && sum(t, get32(t, 4)) == 0);
	return t;
}

/* The MADT: the entries a kernel walks to find CPUs and the I/O APIC */
static void check_madt(const u8 *t, unsigned int nr_cpus)
{
	unsigned int off = 44, len = get32(t, 4), cpus = 0, isos = 0;
	bool ioapic = false, nmi = false;

	CHECK(get32(t, 36) == V3_LAPIC_GPA);
	CHECK(get32(t, 40) & 1);			/* PCAT_COMPAT */
	while (off + 2 <= len) {
		const u8 *e = t + off;

		CHECK(e[1] >= 2 && off + e[1] <= len);
		if (e[1] < 2)
			break;
		switch (e[0]) {
		case 0:
			CHECK(e[1] == 8 && e[3] == cpus && e[2] == cpus);
			CHECK(get32(e, 4) == 1);	/* enabled */
			cpus++;
			break;
		case 1:
			CHECK(e[1] == 12 && get32(e, 4) == V3_IOAPIC_GPA);
			CHECK(get32(e, 8) == 0);
			ioapic = true;
			break;
		case 2:
			CHECK(e[1] == 10 && e[2] == 0);
			if (e[3] == 0)
				CHECK(get32(e, 4) == 2 && get16(e, 8) == 0);
			else
				CHECK(e[3] == 9 && get32(e, 4) == 9 &&
				      get16(e, 8) == 0xd);
			isos++;
			break;
		case 4:
			CHECK(e[1] == 6 && e[2] == 0xff && e[5] == 1);
			nmi = true;
			break;
		default:
			CHECK(0);
		}
		off += e[1];
	}
	CHECK(off == len);
	CHECK(cpus == nr_cpus && ioapic && isos == 2 && nmi);
}

static void test_tables(void)
{
	static const u8 s5[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04,
				 0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00 };
	const u8 *rsdp, *rsdt, *xsdt, *fadt, *facs, *dsdt, *madt;
	struct v3_mem_map mem;
	u64 gpa = 0, x;

	memset(&test_host, 0, sizeof(test_host));
	CHECK(v3_mem_map_init(&mem, 4 * MiB) == 0);
	CHECK(v3_acpi_tables(&mem, 0, &gpa) == -EFAULT);
	CHECK(v3_acpi_tables(&mem, V3_ACPI_MAX_CPUS + 1, &gpa) == -EFAULT);
	CHECK(v3_acpi_tables(&mem, 2, &gpa) == 0);
	/* on a 16-byte boundary in the BIOS area a kernel scans */
	CHECK(gpa >= 0xe0000 && gpa < 0x100000 && gpa % 16 == 0);
	rsdp = v3_gpa_to_hva(&mem, gpa, 36);
	CHECK(!memcmp(rsdp, "RSD PTR ", 8));
	CHECK(sum(rsdp, 20) == 0 && sum(rsdp, 36) == 0);
	CHECK(rsdp[15] == 2 && get32(rsdp, 20) == 36);

	rsdt = table(&mem, get32(rsdp, 16), "RSDT");
	memcpy(&x, rsdp + 24, 8);
	xsdt = table(&mem, x, "XSDT");
	CHECK(get32(rsdt, 4) == 44 && get32(xsdt, 4) == 52);
	memcpy(&x, xsdt + 44, 8);
	CHECK(x == get32(rsdt, 40));
	madt = table(&mem, x, "APIC");
	check_madt(madt, 2);
	memcpy(&x, xsdt + 36, 8);
	CHECK(x == get32(rsdt, 36));

	fadt = table(&mem, x, "FACP");
	CHECK(get32(fadt, 4) == 244 && fadt[8] == 4);
	CHECK(get16(fadt, 46) == V3_ACPI_SCI_IRQ);
	CHECK(get32(fadt, 48) == 0);			/* no SMI_CMD */
	CHECK(get32(fadt, 56) == PM1_STS && fadt[88] == 4);
	CHECK(get32(fadt, 64) == PM1_CNT && fadt[89] == 2);
	CHECK(get32(fadt, 76) == PM_TMR && fadt[91] == 4);
	CHECK(get32(fadt, 80) == 0 && fadt[92] == 0);	/* no GPE0 */
	CHECK(fadt[108] == 0x32);			/* RTC century */
	CHECK(!(get16(fadt, 109) & 0x2));		/* no 8042 */
	CHECK(get16(fadt, 109) & 0x4);			/* no VGA */
	CHECK(get32(fadt, 112) & 0x100);		/* 32-bit timer */
	CHECK(get32(fadt, 112) & 0x30);			/* no buttons */
	CHECK(!(get32(fadt, 112) & 0x400));		/* no reset reg */
	CHECK(!(get32(fadt, 112) & 0x100000));		/* not reduced */

	facs = v3_gpa_to_hva(&mem, get32(fadt, 36), 64);
	CHECK(get32(fadt, 36) % 64 == 0);
	CHECK(facs && !memcmp(facs, "FACS", 4) && get32(facs, 4) == 64);

	dsdt = table(&mem, get32(fadt, 40), "DSDT");
	CHECK(get32(dsdt, 4) == 36 + sizeof(s5));
	CHECK(!memcmp(dsdt + 36, s5, sizeof(s5)));

	/* all of it inside the area the header names */
	CHECK(get32(fadt, 40) + get32(dsdt, 4) <=
	      V3_ACPI_TABLES_GPA + V3_ACPI_TABLES_SIZE);
	v3_mem_map_free(&mem);
	CHECK(test_host.pages == 0 && test_host.objects == 0);
}

/* Linux's i8042 reset: wait for the input buffer, then pulse. */
static void test_kbc_reset(void)
{
	struct env env;

	env_init(&env);
	CHECK((in(&env, 0x64, 1) & 0x02) == 0);		/* IBF clear */
	CHECK(in(&env, 0x64, 1) & 0x04);		/* system flag */
	out(&env, 0x64, 0xff, 1);			/* pulse nothing */
	CHECK(env.resets == 0);
	out(&env, 0x64, 0xfe, 1);
	CHECK(env.resets == 1);
	/* the output port written with bit 0 low */
	out(&env, 0x64, 0xd1, 1);
	out(&env, 0x60, 0x03, 1);
	CHECK(env.resets == 1);
	out(&env, 0x64, 0xd1, 1);
	out(&env, 0x60, 0x02, 1);
	CHECK(env.resets == 2);
	/* a keyboard byte is dropped, and is not a reset */
	out(&env, 0x60, 0x02, 1);
	CHECK(env.resets == 2);
	/* port 0x92: A20 kept, bit 0 resets and reads back 0 */
	CHECK(in(&env, 0x92, 1) == 0x02);
	out(&env, 0x92, 0x00, 1);
	CHECK(env.resets == 2 && in(&env, 0x92, 1) == 0x00);
	out(&env, 0x92, 0x03, 1);
	CHECK(env.resets == 3 && in(&env, 0x92, 1) == 0x02);
	env_free(&env);
}

static void test_kbc_commands(void)
{
	struct env env;

	env_init(&env);
	CHECK(!(in(&env, 0x64, 1) & 0x01));
	out(&env, 0x64, 0xaa, 1);			/* self test */
	CHECK(in(&env, 0x64, 1) & 0x01);
	CHECK(in(&env, 0x60, 1) == 0x55);
	CHECK(!(in(&env, 0x64, 1) & 0x01));
	out(&env, 0x64, 0x20, 1);			/* read command byte */
	CHECK(in(&env, 0x60, 1) == 0x65);
	out(&env, 0x64, 0x60, 1);			/* write it */
	CHECK(in(&env, 0x64, 1) & 0x08);		/* last was a command */
	out(&env, 0x60, 0x44, 1);
	CHECK(!(in(&env, 0x64, 1) & 0x08));
	out(&env, 0x64, 0x20, 1);
	CHECK(in(&env, 0x60, 1) == 0x44);
	out(&env, 0x64, 0xad, 1);			/* keyboard off, on */
	out(&env, 0x64, 0x20, 1);
	CHECK(in(&env, 0x60, 1) == 0x54);
	out(&env, 0x64, 0xae, 1);
	out(&env, 0x64, 0x20, 1);
	CHECK(in(&env, 0x60, 1) == 0x44);
	out(&env, 0x64, 0xa9, 1);			/* no mouse */
	CHECK(in(&env, 0x60, 1) != 0x00);
	out(&env, 0x64, 0xd0, 1);			/* output port */
	CHECK(in(&env, 0x60, 1) == 0x03);
	CHECK(env.resets == 0);
	env_free(&env);
}

static int no_access(u64 port, void *data, unsigned int len, bool write,
		     void *priv)
{
	return -EIO;
}

static void test_init_failures(void)
{
	struct env env;
	long n;
	int err;

	for (n = 1; n < 4; n++) {
		memset(&test_host, 0, sizeof(test_host));
		memset(&env, 0, sizeof(env));
		v3_io_map_init(&env.io);
		test_host.fail_nth = n;
		err = v3_acpi_init(&env.acpi, &env.io, env_sleep, &env);
		if (!err)
			err = v3_i8042_init(&env.kbc, &env.io, env_reset,
					    &env);
		test_host.fail_nth = 0;
		CHECK(!err || err == -ENOMEM);
		/* free copes with a state whose init failed */
		v3_acpi_free(&env.acpi, &env.io);
		v3_i8042_free(&env.kbc, &env.io);
		CHECK(env.io.nr == 0);
		v3_range_map_free(&env.io);
		CHECK(test_host.objects == 0 && test_host.pages == 0);
	}

	/* a port taken already: refused, nothing left hooked */
	memset(&test_host, 0, sizeof(test_host));
	v3_io_map_init(&env.io);
	CHECK(v3_range_hook(&env.io, 0x608, 0x608, no_access, NULL) == 0);
	CHECK(v3_acpi_init(&env.acpi, &env.io, env_sleep, &env) == -EBUSY);
	CHECK(env.io.nr == 1);
	CHECK(v3_range_hook(&env.io, 0x92, 0x92, no_access, NULL) == 0);
	CHECK(v3_i8042_init(&env.kbc, &env.io, env_reset, &env) == -EBUSY);
	CHECK(env.io.nr == 2);
	v3_acpi_free(&env.acpi, &env.io);
	v3_i8042_free(&env.kbc, &env.io);
	v3_range_map_free(&env.io);
	CHECK(test_host.objects == 0 && test_host.errors == 2);
}

static const struct test_case acpi_cases[] = {
	{ "pm1_registers", test_pm1_registers },
	{ "soft_off", test_soft_off },
	{ "pm_timer", test_pm_timer },
	{ "tables", test_tables },
	{ "kbc_reset", test_kbc_reset },
	{ "kbc_commands", test_kbc_commands },
	{ "init_failures", test_init_failures },
};

const struct test_suite acpi_suite = {
	.name = "acpi",
	.cases = acpi_cases,
	.nr = ARRAY_SIZE(acpi_cases),
};
