// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the local APIC model.  The guest's side is driven through
 * v3_lapic_access(), as the exit path drives it, the APIC bus and the vCPU
 * through the rest of the interface; time moves only through
 * test_host_advance(), which fires the model's timer.
 */
#include <errno.h>
#include <string.h>

#include <linux/array_size.h>

#include <palacios/host.h>
#include <palacios/lapic.h>

#include "test_host.h"
#include "tests.h"

#define NS_PER_SEC	1000000000ULL
#define NS_PER_MS	1000000ULL
#define NS_PER_US	1000ULL

#define FLOOR_NS	(50 * NS_PER_US)	/* of any host timer */
#define PERIOD_NS	(200 * NS_PER_US)	/* of a periodic timer */

#define R_ID		0x020
#define R_VER		0x030
#define R_TPR		0x080
#define R_APR		0x090
#define R_PPR		0x0a0
#define R_EOI		0x0b0
#define R_LDR		0x0d0
#define R_DFR		0x0e0
#define R_SVR		0x0f0
#define R_ISR		0x100
#define R_TMR		0x180
#define R_IRR		0x200
#define R_ESR		0x280
#define R_CMCI		0x2f0
#define R_ICR_LO	0x300
#define R_ICR_HI	0x310
#define R_LVTT		0x320
#define R_LVT_THERM	0x330
#define R_LVT_PERF	0x340
#define R_LINT0		0x350
#define R_LINT1		0x360
#define R_LVT_ERR	0x370
#define R_TMICT		0x380
#define R_TMCCT		0x390
#define R_TDCR		0x3e0

#define MASKED		0x10000
#define PERIODIC	0x20000
#define TSC_DEADLINE	0x40000
#define TDCR_DIV1	0xb
#define TDCR_DIV16	0x3

#define ESR_SEND_ILLEGAL	0x20
#define ESR_RECV_ILLEGAL	0x40

struct lapic_env {
	struct v3_lapic apic;
	int kicks;
	int sends;
	struct v3_apic_msg msg;
	int eois;
	u8 eoi_vector;
	bool redeliver;		/* the EOI callback delivers the vector again */
	bool loopback;		/* the send callback delivers to the APIC */
};

static void env_kick(void *priv)
{
	struct lapic_env *env = priv;

	env->kicks++;
}

static void env_send(void *priv, const struct v3_apic_msg *msg)
{
	struct lapic_env *env = priv;

	env->sends++;
	env->msg = *msg;
	if (env->loopback && v3_lapic_accept(&env->apic, msg))
		v3_lapic_deliver(&env->apic, msg);
}

static void env_eoi(void *priv, u8 vector)
{
	struct lapic_env *env = priv;
	struct v3_apic_msg msg = { .vector = vector, .level = true };

	env->eois++;
	env->eoi_vector = vector;
	if (env->redeliver)
		v3_lapic_deliver(&env->apic, &msg);
}

static const struct v3_lapic_ops env_ops = {
	.kick = env_kick,
	.send = env_send,
	.eoi = env_eoi,
};

static void env_init_id(struct lapic_env *env, u8 id, bool bsp)
{
	memset(&test_host, 0, sizeof(test_host));
	memset(env, 0, sizeof(*env));
	CHECK(v3_lapic_init(&env->apic, id, bsp, &env_ops, env) == 0);
}

static void env_init(struct lapic_env *env)
{
	env_init_id(env, 0, true);
}

static void env_free(struct lapic_env *env)
{
	v3_lapic_free(&env->apic);
	CHECK(test_host.objects == 0 && test_host.pages == 0);
	CHECK(test_host.errors == 0);
}

static u32 rd(struct lapic_env *env, u32 off)
{
	u32 val = 0xdeadbeef;

	CHECK(v3_lapic_access(&env->apic, off, &val, 4, false) == 0);
	return val;
}

static void wr(struct lapic_env *env, u32 off, u32 val)
{
	CHECK(v3_lapic_access(&env->apic, off, &val, 4, true) == 0);
}

/* Software-enable the APIC */
static void enable(struct lapic_env *env)
{
	wr(env, R_SVR, 0x1ff);
}

static void fixed(struct lapic_env *env, u8 vector, bool level)
{
	struct v3_apic_msg msg = { .vector = vector, .level = level };

	v3_lapic_deliver(&env->apic, &msg);
}

static void event(struct lapic_env *env, u8 delivery, u8 vector)
{
	struct v3_apic_msg msg = { .vector = vector, .delivery = delivery };

	v3_lapic_deliver(&env->apic, &msg);
}

static bool reg_bit(struct lapic_env *env, u32 base, u8 vector)
{
	return rd(env, base + (vector / 32) * 0x10) & (1U << (vector % 32));
}

static bool timer_armed(struct lapic_env *env, u64 *deadline)
{
	return test_host_timer_armed(env->apic.timer, deadline);
}

/* Take the pending interrupt and end it, if it is @vector */
static bool take(struct lapic_env *env, u8 vector)
{
	if (v3_lapic_pending(&env->apic) != vector)
		return false;
	CHECK(v3_lapic_ack(&env->apic) == vector);
	wr(env, R_EOI, 0);
	return true;
}

static void test_reset_state(void)
{
	static const u32 lvts[] = { R_LVTT, R_LVT_THERM, R_LVT_PERF,
				    R_LVT_ERR };
	struct lapic_env env;
	unsigned int i;
	u32 val;

	env_init_id(&env, 3, true);
	CHECK(rd(&env, R_ID) == 0x03000000);
	CHECK(rd(&env, R_VER) == 0x00050014);
	CHECK(rd(&env, R_DFR) == 0xffffffff);
	CHECK(rd(&env, R_SVR) == 0xff);
	CHECK(rd(&env, R_TPR) == 0 && rd(&env, R_PPR) == 0);
	CHECK(rd(&env, R_LDR) == 0 && rd(&env, R_ESR) == 0);
	CHECK(rd(&env, R_TMICT) == 0 && rd(&env, R_TMCCT) == 0);
	CHECK(rd(&env, R_TDCR) == 0 && rd(&env, R_ICR_LO) == 0);
	for (i = 0; i < ARRAY_SIZE(lvts); i++)
		CHECK(rd(&env, lvts[i]) == MASKED);
	for (i = 0; i < 8; i++)
		CHECK(!rd(&env, R_ISR + i * 16) && !rd(&env, R_TMR + i * 16) &&
		      !rd(&env, R_IRR + i * 16));
	/* the BSP in virtual-wire mode */
	CHECK(rd(&env, R_LINT0) == 0x700 && rd(&env, R_LINT1) == 0x400);
	CHECK(v3_lapic_extint(&env.apic));
	CHECK(v3_lapic_get_base(&env.apic) == (V3_LAPIC_GPA | 0x900));
	CHECK(v3_lapic_pending(&env.apic) == -1);
	CHECK(!v3_lapic_take_nmi(&env.apic) && !v3_lapic_take_init(&env.apic));
	CHECK(v3_lapic_take_sipi(&env.apic) == -1);
	CHECK(!timer_armed(&env, NULL));

	/* read-only registers, write-only EOI, the CMCI LVT not offered */
	wr(&env, R_ID, 0x07000000);
	wr(&env, R_VER, 0);
	wr(&env, R_PPR, 0xff);
	wr(&env, R_CMCI, 0x40);
	CHECK(rd(&env, R_ID) == 0x03000000 && rd(&env, R_VER) == 0x00050014);
	CHECK(rd(&env, R_PPR) == 0 && rd(&env, R_CMCI) == 0);
	CHECK(rd(&env, R_EOI) == 0 && rd(&env, R_APR) == 0);
	/* other sizes and offsets read 0 and ignore writes */
	val = 0xffffffff;
	CHECK(v3_lapic_access(&env.apic, R_ID + 1, &val, 4, false) == 0);
	CHECK(val == 0);
	val = 0xffffffff;
	CHECK(v3_lapic_access(&env.apic, R_ID, &val, 2, false) == 0);
	CHECK(val == 0xffff0000);
	val = 0xffffffff;
	CHECK(v3_lapic_access(&env.apic, 0x1000, &val, 4, false) == 0);
	CHECK(val == 0);
	val = 0xff;
	CHECK(v3_lapic_access(&env.apic, R_TPR, &val, 1, true) == 0);
	CHECK(v3_lapic_access(&env.apic, R_TPR + 4, &val, 4, true) == 0);
	CHECK(rd(&env, R_TPR) == 0);

	/* the writable bits */
	wr(&env, R_LDR, 0xffffffff);
	CHECK(rd(&env, R_LDR) == 0xff000000);
	wr(&env, R_DFR, 0);
	CHECK(rd(&env, R_DFR) == 0x0fffffff);
	wr(&env, R_TDCR, 0xffffffff);
	CHECK(rd(&env, R_TDCR) == 0xb);
	wr(&env, R_ICR_HI, 0xffffffff);
	CHECK(rd(&env, R_ICR_HI) == 0xff000000);
	wr(&env, R_TPR, 0xffffffff);
	CHECK(rd(&env, R_TPR) == 0xff);
	/* software-disabled: the LVTs cannot be unmasked */
	wr(&env, R_LVTT, 0x30);
	CHECK(rd(&env, R_LVTT) == (MASKED | 0x30));
	wr(&env, R_SVR, 0xffffffff);
	CHECK(rd(&env, R_SVR) == 0x1ff);
	wr(&env, R_LVTT, 0xffffffff);
	CHECK(rd(&env, R_LVTT) == 0x700ff);
	wr(&env, R_LVT_THERM, 0xffffffff);
	CHECK(rd(&env, R_LVT_THERM) == 0x107ff);
	wr(&env, R_LINT0, 0xffffffff);
	CHECK(rd(&env, R_LINT0) == 0x1a7ff);
	wr(&env, R_LVT_ERR, 0xffffffff);
	CHECK(rd(&env, R_LVT_ERR) == 0x100ff);
	wr(&env, R_LVTT, 0x30);
	wr(&env, R_LINT0, 0x700);
	CHECK(rd(&env, R_LVTT) == 0x30 && rd(&env, R_LINT0) == 0x700);
	wr(&env, R_SVR, 0xff);
	CHECK(rd(&env, R_LVTT) == (MASKED | 0x30));
	CHECK(rd(&env, R_LINT0) == (MASKED | 0x700));
	CHECK(!v3_lapic_extint(&env.apic));

	/* INIT: power-up state, ID kept, LINT0 masked even on the BSP */
	wr(&env, R_LINT1, 0x400);
	v3_lapic_reset(&env.apic);
	CHECK(rd(&env, R_ID) == 0x03000000 && rd(&env, R_SVR) == 0xff);
	CHECK(rd(&env, R_LINT0) == MASKED && rd(&env, R_LINT1) == MASKED);
	CHECK(rd(&env, R_LDR) == 0 && rd(&env, R_DFR) == 0xffffffff);
	CHECK(rd(&env, R_TPR) == 0 && rd(&env, R_TDCR) == 0);
	CHECK(v3_lapic_get_base(&env.apic) == (V3_LAPIC_GPA | 0x900));
	env_free(&env);

	/* an AP: everything masked, no BSP flag */
	env_init_id(&env, 1, false);
	CHECK(rd(&env, R_ID) == 0x01000000);
	CHECK(rd(&env, R_LINT0) == MASKED && rd(&env, R_LINT1) == MASKED);
	CHECK(!v3_lapic_extint(&env.apic));
	CHECK(v3_lapic_get_base(&env.apic) == (V3_LAPIC_GPA | 0x800));
	env_free(&env);
}

static void test_priority(void)
{
	struct lapic_env env;

	env_init(&env);
	enable(&env);
	/* the TPR's class must be below the vector's */
	wr(&env, R_TPR, 0x30);
	fixed(&env, 0x31, false);
	CHECK(env.kicks == 0);
	CHECK(reg_bit(&env, R_IRR, 0x31));
	CHECK(v3_lapic_pending(&env.apic) == -1);
	CHECK(rd(&env, R_PPR) == 0x30);
	wr(&env, R_TPR, 0x2f);
	CHECK(env.kicks == 1);
	CHECK(v3_lapic_pending(&env.apic) == 0x31);
	CHECK(rd(&env, R_PPR) == 0x2f);
	CHECK(v3_lapic_ack(&env.apic) == 0x31);
	CHECK(!reg_bit(&env, R_IRR, 0x31) && reg_bit(&env, R_ISR, 0x31));
	/* the ISR's class is above the TPR's: PPR[3:0] is 0 */
	CHECK(rd(&env, R_PPR) == 0x30);
	/* the same class in both: PPR is the TPR */
	wr(&env, R_TPR, 0x3a);
	CHECK(rd(&env, R_PPR) == 0x3a);
	/* the same class as the one in service waits */
	fixed(&env, 0x3f, false);
	CHECK(v3_lapic_pending(&env.apic) == -1);
	fixed(&env, 0x41, false);
	CHECK(v3_lapic_pending(&env.apic) == 0x41);
	/* a TPR above the ISR's class: PPR is the TPR */
	wr(&env, R_TPR, 0x45);
	CHECK(rd(&env, R_PPR) == 0x45);
	CHECK(v3_lapic_pending(&env.apic) == -1);
	/* CR8 is TPR[7:4] */
	v3_lapic_set_tpr(&env.apic, 0x5);
	CHECK(rd(&env, R_TPR) == 0x50 && v3_lapic_get_tpr(&env.apic) == 5);
	CHECK(rd(&env, R_PPR) == 0x50);
	env.kicks = 0;
	v3_lapic_set_tpr(&env.apic, 0);
	CHECK(env.kicks == 1);
	CHECK(v3_lapic_pending(&env.apic) == 0x41);
	wr(&env, R_TPR, 0x17);
	CHECK(v3_lapic_get_tpr(&env.apic) == 1);
	/* the highest IRR vector counts, not the first delivered */
	fixed(&env, 0xe0, false);
	CHECK(v3_lapic_pending(&env.apic) == 0xe0);
	/* vector class 15 is masked by nothing but TPR 0xf */
	v3_lapic_set_tpr(&env.apic, 0xf);
	CHECK(v3_lapic_pending(&env.apic) == -1);
	CHECK(rd(&env, R_PPR) == 0xf0);
	/* the IRR's count, which the lock-free look reads: 0x3f, 0x41, 0xe0 */
	CHECK(env.apic.irr_count == 3);
	fixed(&env, 0xe0, false);
	CHECK(env.apic.irr_count == 3);
	v3_lapic_set_tpr(&env.apic, 0);
	CHECK(v3_lapic_ack(&env.apic) == 0xe0);
	wr(&env, R_EOI, 0);
	CHECK(v3_lapic_ack(&env.apic) == 0x41);
	CHECK(env.apic.irr_count == 1);
	v3_lapic_reset(&env.apic);
	CHECK(env.apic.irr_count == 0 && v3_lapic_pending(&env.apic) == -1);
	env_free(&env);
}

static void test_nested_eoi(void)
{
	struct lapic_env env;

	env_init(&env);
	enable(&env);
	CHECK(v3_lapic_ack(&env.apic) == 0xff);	/* spurious */
	fixed(&env, 0x40, false);
	CHECK(env.kicks == 1);
	CHECK(v3_lapic_ack(&env.apic) == 0x40);
	fixed(&env, 0x80, false);
	CHECK(env.kicks == 2);
	CHECK(v3_lapic_pending(&env.apic) == 0x80);
	CHECK(v3_lapic_ack(&env.apic) == 0x80);
	CHECK(rd(&env, R_PPR) == 0x80);
	fixed(&env, 0x50, false);
	CHECK(env.kicks == 2);		/* not deliverable: no kick */
	CHECK(v3_lapic_pending(&env.apic) == -1);
	CHECK(rd(&env, R_ISR + 0x20) == 0x1 && rd(&env, R_ISR + 0x40) == 0x1);
	/* EOI ends the highest in service: 0x50 becomes deliverable */
	wr(&env, R_EOI, 0);
	CHECK(!reg_bit(&env, R_ISR, 0x80) && reg_bit(&env, R_ISR, 0x40));
	CHECK(env.kicks == 3);
	CHECK(rd(&env, R_PPR) == 0x40);
	CHECK(v3_lapic_pending(&env.apic) == 0x50);
	CHECK(v3_lapic_ack(&env.apic) == 0x50);
	wr(&env, R_EOI, 0);
	CHECK(!reg_bit(&env, R_ISR, 0x50) && reg_bit(&env, R_ISR, 0x40));
	wr(&env, R_EOI, 0);
	CHECK(rd(&env, R_ISR + 0x20) == 0 && rd(&env, R_PPR) == 0);
	wr(&env, R_EOI, 0);		/* nothing in service: no effect */
	CHECK(v3_lapic_pending(&env.apic) == -1);
	/* the spurious vector follows the SVR */
	wr(&env, R_SVR, 0x13f);
	CHECK(v3_lapic_ack(&env.apic) == 0x3f);
	/* a vector delivered twice before it is taken is taken once */
	fixed(&env, 0x60, false);
	fixed(&env, 0x60, false);
	CHECK(take(&env, 0x60));
	CHECK(v3_lapic_pending(&env.apic) == -1);
	CHECK(env.eois == 0);
	env_free(&env);
}

static void test_level_eoi(void)
{
	struct lapic_env env;

	env_init(&env);
	enable(&env);
	fixed(&env, 0x61, true);
	CHECK(reg_bit(&env, R_TMR, 0x61) && rd(&env, R_TMR + 0x30) == 0x2);
	CHECK(v3_lapic_ack(&env.apic) == 0x61);
	CHECK(env.eois == 0);
	wr(&env, R_EOI, 0);
	CHECK(env.eois == 1 && env.eoi_vector == 0x61);
	/* edge: no EOI message, and the TMR bit follows the trigger */
	fixed(&env, 0x61, false);
	CHECK(!reg_bit(&env, R_TMR, 0x61));
	CHECK(take(&env, 0x61));
	fixed(&env, 0x62, false);
	CHECK(take(&env, 0x62));
	CHECK(env.eois == 1);
	/* the I/O APIC sends again from the EOI: pending, and a kick */
	env.redeliver = true;
	fixed(&env, 0x70, true);
	CHECK(v3_lapic_ack(&env.apic) == 0x70);
	env.kicks = 0;
	wr(&env, R_EOI, 0);
	CHECK(env.eois == 2 && env.eoi_vector == 0x70);
	CHECK(env.kicks >= 1);
	CHECK(v3_lapic_pending(&env.apic) == 0x70);
	env.redeliver = false;
	CHECK(take(&env, 0x70));
	CHECK(env.eois == 3 && v3_lapic_pending(&env.apic) == -1);
	/* nested: the level one under an edge one is ended second */
	fixed(&env, 0x41, true);
	CHECK(v3_lapic_ack(&env.apic) == 0x41);
	fixed(&env, 0x91, false);
	CHECK(v3_lapic_ack(&env.apic) == 0x91);
	wr(&env, R_EOI, 0);
	CHECK(env.eois == 3);
	wr(&env, R_EOI, 0);
	CHECK(env.eois == 4 && env.eoi_vector == 0x41);
	env_free(&env);
}

static void test_sw_disabled(void)
{
	struct lapic_env env;

	env_init(&env);
	/* SVR 0xff after init: software-disabled */
	fixed(&env, 0x40, false);
	event(&env, V3_APIC_LOWEST, 0x41);
	CHECK(!reg_bit(&env, R_IRR, 0x40) && !reg_bit(&env, R_IRR, 0x41));
	CHECK(v3_lapic_pending(&env.apic) == -1 && env.kicks == 0);
	/* illegal vectors are recorded even so */
	fixed(&env, 0x05, false);
	CHECK(rd(&env, R_ESR) == 0);
	wr(&env, R_ESR, 0);
	CHECK(rd(&env, R_ESR) == ESR_RECV_ILLEGAL);
	wr(&env, R_ESR, 0);
	CHECK(rd(&env, R_ESR) == 0);
	/* NMI, INIT and SIPI still come */
	event(&env, V3_APIC_NMI, 0);
	CHECK(v3_lapic_take_nmi(&env.apic) && env.kicks == 1);
	/* enabled: taken */
	enable(&env);
	fixed(&env, 0x40, false);
	CHECK(v3_lapic_pending(&env.apic) == 0x40 && env.kicks == 2);
	/* an illegal vector is refused when enabled too */
	fixed(&env, 0x0f, false);
	CHECK(!reg_bit(&env, R_IRR, 0x0f));
	/* and raises the error interrupt if unmasked */
	wr(&env, R_LVT_ERR, 0xfe);
	fixed(&env, 0x01, false);
	CHECK(v3_lapic_pending(&env.apic) == 0xfe);
	wr(&env, R_ESR, 0);
	CHECK(rd(&env, R_ESR) == ESR_RECV_ILLEGAL);
	/* disabling keeps what was accepted */
	wr(&env, R_SVR, 0xff);
	CHECK(v3_lapic_pending(&env.apic) == 0xfe);
	CHECK(take(&env, 0xfe) && take(&env, 0x40));
	env_free(&env);
}

static void icr_send(struct lapic_env *env, u32 hi, u32 lo)
{
	wr(env, R_ICR_HI, hi);
	env->sends = 0;
	memset(&env->msg, 0x5a, sizeof(env->msg));
	wr(env, R_ICR_LO, lo);
}

static void test_icr(void)
{
	struct lapic_env env;
	struct v3_apic_msg *m = &env.msg;

	env_init_id(&env, 2, true);
	enable(&env);
	/* writing the high word sends nothing */
	wr(&env, R_ICR_HI, 0x05000000);
	CHECK(env.sends == 0);
	/* fixed, physical, edge */
	icr_send(&env, 0x05000000, 0x4031);
	CHECK(env.sends == 1);
	CHECK(m->vector == 0x31 && m->delivery == V3_APIC_FIXED);
	CHECK(!m->logical && m->dest == 5 && m->shorthand == 0);
	CHECK(m->src_id == 2 && !m->level && !m->deassert);
	/* delivery is immediate: the status bit reads 0 */
	CHECK(rd(&env, R_ICR_LO) == 0x4031);
	icr_send(&env, 0x05000000, 0x1031);
	CHECK(rd(&env, R_ICR_LO) == 0x0031 && env.sends == 1);
	/* INIT assert, level */
	icr_send(&env, 0x01000000, 0xc500);
	CHECK(env.sends == 1 && m->delivery == V3_APIC_INIT);
	CHECK(m->level && !m->deassert && m->dest == 1);
	/* INIT level de-assert, to all including self */
	icr_send(&env, 0, 0x88500);
	CHECK(env.sends == 1 && m->delivery == V3_APIC_INIT);
	CHECK(m->deassert && m->shorthand == 2);
	/* SIPI to page 0x9a */
	icr_send(&env, 0x01000000, 0x469a);
	CHECK(env.sends == 1 && m->delivery == V3_APIC_SIPI);
	CHECK(m->vector == 0x9a && m->dest == 1 && !m->deassert);
	/* NMI, logical */
	icr_send(&env, 0x03000000, 0x4c00);
	CHECK(env.sends == 1 && m->delivery == V3_APIC_NMI);
	CHECK(m->logical && m->dest == 3);
	/* lowest priority, logical broadcast */
	icr_send(&env, 0xff000000, 0x4941);
	CHECK(env.sends == 1 && m->delivery == V3_APIC_LOWEST);
	CHECK(m->logical && m->dest == 0xff && m->vector == 0x41);
	/* the shorthands */
	icr_send(&env, 0, 0x44050);
	CHECK(env.sends == 1 && m->shorthand == 1 && m->src_id == 2);
	icr_send(&env, 0, 0xc4050);
	CHECK(env.sends == 1 && m->shorthand == 3 && m->vector == 0x50);
	/* illegal vector: not sent, the sender's ESR says so */
	icr_send(&env, 0x05000000, 0x4005);
	CHECK(env.sends == 0);
	wr(&env, R_ESR, 0);
	CHECK(rd(&env, R_ESR) == ESR_SEND_ILLEGAL);
	/* reserved delivery modes are not sent */
	icr_send(&env, 0x05000000, 0x4331);
	CHECK(env.sends == 0);
	icr_send(&env, 0x05000000, 0x4731);
	CHECK(env.sends == 0);
	/* a self IPI the owner loops back */
	env.loopback = true;
	icr_send(&env, 0, 0x44077);
	CHECK(env.sends == 1 && v3_lapic_pending(&env.apic) == 0x77);
	CHECK(take(&env, 0x77));
	env_free(&env);
}

static bool accepts(struct lapic_env *env, bool logical, u8 dest, u8 sh,
		    u8 src)
{
	struct v3_apic_msg msg = {
		.vector = 0x40, .logical = logical, .dest = dest,
		.shorthand = sh, .src_id = src,
	};

	return v3_lapic_accept(&env->apic, &msg);
}

static void test_accept(void)
{
	struct lapic_env env;

	env_init_id(&env, 2, false);
	/* physical */
	CHECK(accepts(&env, false, 2, 0, 0));
	CHECK(!accepts(&env, false, 3, 0, 0));
	CHECK(accepts(&env, false, 0xff, 0, 0));
	/* logical, flat */
	wr(&env, R_LDR, 0x04000000);
	CHECK(accepts(&env, true, 0x04, 0, 0));
	CHECK(accepts(&env, true, 0x0f, 0, 0));
	CHECK(!accepts(&env, true, 0x0b, 0, 0));
	CHECK(!accepts(&env, true, 0x02, 0, 0));	/* not the ID */
	CHECK(accepts(&env, true, 0xff, 0, 0));
	/* logical, cluster 2, member bit 0 */
	wr(&env, R_DFR, 0x0fffffff);
	wr(&env, R_LDR, 0x21000000);
	CHECK(accepts(&env, true, 0x21, 0, 0));
	CHECK(accepts(&env, true, 0x23, 0, 0));
	CHECK(!accepts(&env, true, 0x22, 0, 0));
	CHECK(!accepts(&env, true, 0x31, 0, 0));
	CHECK(accepts(&env, true, 0xf1, 0, 0));
	CHECK(!accepts(&env, true, 0xf2, 0, 0));
	CHECK(accepts(&env, true, 0xff, 0, 0));
	/* shorthands go by the sender's ID */
	CHECK(accepts(&env, false, 7, 1, 2));
	CHECK(!accepts(&env, false, 2, 1, 3));
	CHECK(accepts(&env, false, 7, 2, 3));
	CHECK(accepts(&env, false, 7, 2, 2));
	CHECK(!accepts(&env, false, 2, 3, 2));
	CHECK(accepts(&env, false, 7, 3, 3));
	/* hardware-disabled: nothing */
	CHECK(v3_lapic_set_base(&env.apic, V3_LAPIC_GPA) == 0);
	CHECK(!accepts(&env, false, 2, 0, 0));
	CHECK(!accepts(&env, false, 0xff, 2, 0));
	env_free(&env);
}

static void test_init_sipi_nmi(void)
{
	struct lapic_env env;

	env_init_id(&env, 1, false);
	event(&env, V3_APIC_INIT, 0);
	CHECK(env.kicks == 1);
	CHECK(v3_lapic_take_init(&env.apic));
	CHECK(!v3_lapic_take_init(&env.apic));
	/* de-assert: ignored */
	{
		struct v3_apic_msg msg = {
			.delivery = V3_APIC_INIT, .level = true,
			.deassert = true,
		};

		v3_lapic_deliver(&env.apic, &msg);
	}
	CHECK(!v3_lapic_take_init(&env.apic) && env.kicks == 1);
	event(&env, V3_APIC_SIPI, 0x9a);
	CHECK(env.kicks == 2);
	CHECK(v3_lapic_take_sipi(&env.apic) == 0x9a);
	CHECK(v3_lapic_take_sipi(&env.apic) == -1);
	/* the latest SIPI wins; an INIT reset keeps what was not taken */
	event(&env, V3_APIC_INIT, 0);
	event(&env, V3_APIC_SIPI, 0x10);
	event(&env, V3_APIC_SIPI, 0x11);
	v3_lapic_reset(&env.apic);
	CHECK(v3_lapic_take_init(&env.apic));
	CHECK(v3_lapic_take_sipi(&env.apic) == 0x11);
	/* waiting for SIPI: the INIT that came before it goes with it */
	event(&env, V3_APIC_INIT, 0);
	CHECK(v3_lapic_take_startup(&env.apic) == -1);
	CHECK(!v3_lapic_take_init(&env.apic));
	event(&env, V3_APIC_INIT, 0);
	event(&env, V3_APIC_SIPI, 0x12);
	CHECK(v3_lapic_take_startup(&env.apic) == 0x12);
	CHECK(!v3_lapic_take_init(&env.apic));
	/* running: a lone SIPI is dropped, an INIT taken with its SIPI kept */
	event(&env, V3_APIC_SIPI, 0x13);
	CHECK(!v3_lapic_take_init_running(&env.apic));
	CHECK(v3_lapic_take_sipi(&env.apic) == -1);
	event(&env, V3_APIC_INIT, 0);
	event(&env, V3_APIC_SIPI, 0x14);
	CHECK(v3_lapic_take_init_running(&env.apic));
	CHECK(v3_lapic_take_startup(&env.apic) == 0x14);
	/* NMI */
	event(&env, V3_APIC_NMI, 0);
	event(&env, V3_APIC_NMI, 0);
	CHECK(v3_lapic_take_nmi(&env.apic));
	CHECK(!v3_lapic_take_nmi(&env.apic));
	/* SMI is dropped */
	env.kicks = 0;
	event(&env, V3_APIC_SMI, 0);
	CHECK(env.kicks == 0 && v3_lapic_pending(&env.apic) == -1);
	/* ExtINT connects the PIC until reset */
	CHECK(!v3_lapic_extint(&env.apic));
	event(&env, V3_APIC_EXTINT, 0);
	CHECK(env.kicks == 1 && v3_lapic_extint(&env.apic));
	CHECK(v3_lapic_extint(&env.apic));
	v3_lapic_reset(&env.apic);
	CHECK(!v3_lapic_extint(&env.apic));
	/* LINT0 in ExtINT mode, once enabled */
	enable(&env);
	wr(&env, R_LINT0, 0x700);
	CHECK(v3_lapic_extint(&env.apic));
	wr(&env, R_LINT0, 0x10700);
	CHECK(!v3_lapic_extint(&env.apic));
	wr(&env, R_LINT0, 0x000);
	CHECK(!v3_lapic_extint(&env.apic));
	env_free(&env);
}

static void test_timer_oneshot(void)
{
	struct lapic_env env;
	u64 deadline, t0;

	env_init(&env);
	enable(&env);
	wr(&env, R_LVTT, 0x40);
	wr(&env, R_TDCR, TDCR_DIV16);
	CHECK(!timer_armed(&env, NULL));
	test_host_advance(12345);
	t0 = test_host.now_ns;
	wr(&env, R_TMICT, 100000);		/* 1.6 ms */
	CHECK(timer_armed(&env, &deadline));
	CHECK(deadline == t0 + 1600 * NS_PER_US);
	CHECK(rd(&env, R_TMICT) == 100000 && rd(&env, R_TMCCT) == 100000);
	test_host_advance(16000);
	CHECK(rd(&env, R_TMCCT) == 99000);
	test_host_advance(15);
	CHECK(rd(&env, R_TMCCT) == 99000);
	test_host_advance(1);
	CHECK(rd(&env, R_TMCCT) == 98999);
	test_host_advance(deadline - test_host.now_ns - 1);
	CHECK(rd(&env, R_TMCCT) == 1);
	CHECK(v3_lapic_pending(&env.apic) == -1 && env.kicks == 0);
	CHECK(test_host_advance(1) == 1);
	CHECK(env.kicks == 1 && v3_lapic_pending(&env.apic) == 0x40);
	CHECK(rd(&env, R_TMCCT) == 0);
	CHECK(!timer_armed(&env, NULL));
	CHECK(take(&env, 0x40));
	/* one interrupt only */
	CHECK(test_host_advance(NS_PER_SEC) == 0);
	CHECK(env.kicks == 1 && v3_lapic_pending(&env.apic) == -1);
	CHECK(rd(&env, R_TMICT) == 100000 && rd(&env, R_TMCCT) == 0);
	/* a new count restarts it; a second write moves the expiry */
	wr(&env, R_TMICT, 10000);
	test_host_advance(80 * NS_PER_US);
	t0 = test_host.now_ns;
	wr(&env, R_TMICT, 10000);
	CHECK(timer_armed(&env, &deadline) && deadline == t0 + 160000);
	test_host_advance(160000 - 1);
	CHECK(env.kicks == 1);
	test_host_advance(1);
	CHECK(env.kicks == 2 && take(&env, 0x40));
	/* an expiry noticed at a register access, before the host timer */
	wr(&env, R_TMICT, 1);
	test_host.now_ns += 20;
	CHECK(rd(&env, R_TMCCT) == 0);
	CHECK(v3_lapic_pending(&env.apic) == 0x40 && env.kicks == 3);
	CHECK(!timer_armed(&env, NULL));
	env_free(&env);
}

static void test_timer_periodic(void)
{
	struct lapic_env env;
	unsigned int i, n = 0;
	u64 deadline, t0;
	u32 c;

	env_init(&env);
	enable(&env);
	wr(&env, R_LVTT, PERIODIC | 0x40);
	wr(&env, R_TDCR, TDCR_DIV1);
	t0 = test_host.now_ns;
	wr(&env, R_TMICT, 1000000);		/* 1 ms */
	CHECK(timer_armed(&env, &deadline) && deadline == t0 + NS_PER_MS);
	/* the count goes down and reloads */
	test_host_advance(250 * NS_PER_US);
	CHECK(rd(&env, R_TMCCT) == 750000);
	test_host_advance(500 * NS_PER_US);
	c = rd(&env, R_TMCCT);
	CHECK(c == 250000);
	test_host_advance(500 * NS_PER_US);
	CHECK(rd(&env, R_TMCCT) == 750000);
	CHECK(take(&env, 0x40));
	n = 1;
	for (i = 0; i < 1000; i++) {
		test_host_advance(NS_PER_MS);
		if (take(&env, 0x40))
			n++;
	}
	CHECK(n >= 1000 && n <= 1002);
	CHECK(env.kicks >= 1000 && env.kicks <= 1002);
	/* always armed for the next period's end, without drift */
	CHECK(timer_armed(&env, &deadline));
	CHECK((deadline - t0) % NS_PER_MS == 0);
	CHECK(deadline > test_host.now_ns);
	/* one long advance: one interrupt per period */
	env.kicks = 0;
	CHECK(test_host_advance(NS_PER_SEC) == 1000);
	CHECK(env.kicks == 1000);
	CHECK(take(&env, 0x40) && v3_lapic_pending(&env.apic) == -1);
	/* a late host coalesces missed periods into one interrupt */
	env.kicks = 0;
	test_host.now_ns += 100 * NS_PER_MS + 1;
	CHECK(test_host_advance(0) == 1);
	CHECK(env.kicks == 1 && take(&env, 0x40));
	CHECK(timer_armed(&env, &deadline) && (deadline - t0) % NS_PER_MS == 0);
	/* periodic to one-shot: the current period ends, then no more */
	wr(&env, R_LVTT, 0x40);
	env.kicks = 0;
	test_host_advance(10 * NS_PER_MS);
	CHECK(env.kicks == 1 && !timer_armed(&env, NULL));
	env_free(&env);
}

/* The shortest periodic period is 200 us; a stopped timer stays off */
static void test_timer_floor_and_stop(void)
{
	struct lapic_env env;
	u64 deadline, t0;

	env_init(&env);
	enable(&env);
	wr(&env, R_LVTT, PERIODIC | 0x40);
	wr(&env, R_TDCR, TDCR_DIV1);
	t0 = test_host.now_ns;
	wr(&env, R_TMICT, 1);			/* 1 ns */
	CHECK(timer_armed(&env, &deadline) && deadline == t0 + PERIOD_NS);
	CHECK(test_host_advance(NS_PER_SEC) == 5000);
	v3_lapic_stop(&env.apic);
	CHECK(!timer_armed(&env, NULL));
	CHECK(test_host_advance(NS_PER_SEC) == 0);
	wr(&env, R_TMICT, 1000000);
	CHECK(!timer_armed(&env, NULL));
	env_free(&env);
}

static void test_timer_divide(void)
{
	static const struct {
		u32 tdcr;
		u32 div;
	} divs[] = {
		{ 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
		{ 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 },
		{ 0x4, 2 }, { 0xf, 1 },	/* bit 2 is not part of it */
	};
	struct lapic_env env;
	unsigned int i;
	u64 deadline, t0;

	env_init(&env);
	enable(&env);
	wr(&env, R_LVTT, 0x40);
	for (i = 0; i < ARRAY_SIZE(divs); i++) {
		wr(&env, R_TDCR, divs[i].tdcr);
		t0 = test_host.now_ns;
		wr(&env, R_TMICT, 100000);
		CHECK(timer_armed(&env, &deadline));
		CHECK(deadline == t0 + 100000ULL * divs[i].div);
		test_host_advance(10 * divs[i].div);
		CHECK(rd(&env, R_TMCCT) == 100000 - 10);
		test_host_advance(deadline - test_host.now_ns);
		CHECK(take(&env, 0x40));
	}
	/* a new divider mid-count: the count goes on at the new rate */
	wr(&env, R_TDCR, 0x0);			/* by 2 */
	wr(&env, R_TMICT, 100000);
	test_host_advance(100000);
	CHECK(rd(&env, R_TMCCT) == 50000);
	t0 = test_host.now_ns;
	wr(&env, R_TDCR, 0x1);			/* by 4 */
	CHECK(rd(&env, R_TMCCT) == 50000);
	CHECK(timer_armed(&env, &deadline) && deadline == t0 + 200000);
	test_host_advance(4000);
	CHECK(rd(&env, R_TMCCT) == 49000);
	test_host_advance(deadline - test_host.now_ns);
	CHECK(take(&env, 0x40));
	env_free(&env);
}

static void test_timer_masked(void)
{
	struct lapic_env env;
	u64 deadline, t0;
	u32 a, b;

	env_init(&env);
	enable(&env);
	wr(&env, R_TDCR, TDCR_DIV1);
	/* a masked periodic timer counts but needs no host timer */
	wr(&env, R_LVTT, MASKED | PERIODIC | 0x40);
	t0 = test_host.now_ns;
	wr(&env, R_TMICT, 1000000);
	CHECK(!timer_armed(&env, NULL));
	test_host_advance(10 * NS_PER_MS + 300 * NS_PER_US);
	a = rd(&env, R_TMCCT);
	CHECK(a == 700000);
	test_host_advance(100 * NS_PER_US);
	b = rd(&env, R_TMCCT);
	CHECK(b == 600000);
	CHECK(v3_lapic_pending(&env.apic) == -1 && env.kicks == 0);
	/* unmasked: armed for the next period's end */
	wr(&env, R_LVTT, PERIODIC | 0x40);
	CHECK(timer_armed(&env, &deadline));
	CHECK(deadline == t0 + 11 * NS_PER_MS);
	test_host_advance(deadline - test_host.now_ns);
	CHECK(env.kicks == 1 && take(&env, 0x40));
	/* masked again: disarmed */
	wr(&env, R_LVTT, MASKED | PERIODIC | 0x40);
	CHECK(!timer_armed(&env, NULL));
	test_host_advance(NS_PER_SEC);
	CHECK(env.kicks == 1 && v3_lapic_pending(&env.apic) == -1);
	/* a masked one-shot expires silently */
	wr(&env, R_LVTT, MASKED | 0x40);
	wr(&env, R_TMICT, 1000);
	CHECK(!timer_armed(&env, NULL));
	test_host_advance(NS_PER_MS);
	CHECK(rd(&env, R_TMCCT) == 0);
	wr(&env, R_LVTT, 0x40);
	CHECK(!timer_armed(&env, NULL));
	test_host_advance(NS_PER_SEC);
	CHECK(env.kicks == 1 && v3_lapic_pending(&env.apic) == -1);
	/* software-disabling masks it */
	wr(&env, R_TMICT, 1000000);
	CHECK(timer_armed(&env, NULL));
	wr(&env, R_SVR, 0xff);
	CHECK(!timer_armed(&env, NULL));
	test_host_advance(NS_PER_SEC);
	CHECK(env.kicks == 1);
	env_free(&env);
}

static void test_timer_stop(void)
{
	struct lapic_env env;

	env_init(&env);
	enable(&env);
	wr(&env, R_TDCR, TDCR_DIV1);
	wr(&env, R_LVTT, PERIODIC | 0x40);
	wr(&env, R_TMICT, 1000000);
	CHECK(timer_armed(&env, NULL));
	test_host_advance(5 * NS_PER_MS);
	CHECK(env.kicks == 5);
	/* initial count 0 stops it */
	wr(&env, R_TMICT, 0);
	CHECK(!timer_armed(&env, NULL));
	CHECK(rd(&env, R_TMCCT) == 0);
	CHECK(test_host_advance(NS_PER_SEC) == 0);
	CHECK(env.kicks == 5);
	/* TSC-deadline mode (not offered): stopped, the count ignored */
	wr(&env, R_TMICT, 1000000);
	CHECK(timer_armed(&env, NULL));
	wr(&env, R_LVTT, TSC_DEADLINE | 0x40);
	CHECK(!timer_armed(&env, NULL));
	CHECK(rd(&env, R_TMICT) == 0 && rd(&env, R_TMCCT) == 0);
	wr(&env, R_TMICT, 1000);
	CHECK(rd(&env, R_TMICT) == 0 && !timer_armed(&env, NULL));
	CHECK(test_host_advance(NS_PER_SEC) == 0);
	CHECK(rd(&env, R_LVTT) == (TSC_DEADLINE | 0x40));
	/* back to one-shot: stopped until a count is written */
	wr(&env, R_LVTT, 0x40);
	CHECK(!timer_armed(&env, NULL));
	wr(&env, R_TMICT, 1000);
	CHECK(timer_armed(&env, NULL));
	/* INIT stops it */
	v3_lapic_reset(&env.apic);
	CHECK(!timer_armed(&env, NULL));
	CHECK(test_host_advance(NS_PER_SEC) == 0);
	CHECK(env.kicks == 5);
	env_free(&env);
}

static void test_timer_floor(void)
{
	struct lapic_env env;
	unsigned int fired;
	u64 deadline, t0;

	env_init(&env);
	enable(&env);
	wr(&env, R_TDCR, TDCR_DIV1);
	/* a periodic count of 1 ns: a period of 200 us */
	wr(&env, R_LVTT, PERIODIC | 0x40);
	t0 = test_host.now_ns;
	wr(&env, R_TMICT, 1);
	CHECK(timer_armed(&env, &deadline) && deadline == t0 + PERIOD_NS);
	fired = test_host_advance(NS_PER_MS);
	CHECK(fired >= 4 && fired <= 6);
	CHECK(env.kicks >= 4 && env.kicks <= 6);
	CHECK(timer_armed(&env, &deadline));
	CHECK(deadline >= test_host.now_ns);
	CHECK(rd(&env, R_TMCCT) <= 1);
	/* 10 us periods: also 200 us */
	wr(&env, R_TMICT, 10000);
	fired = test_host_advance(NS_PER_MS);
	CHECK(fired >= 4 && fired <= 6);
	/* a one-shot count of 1: the host timer 50 us away */
	wr(&env, R_LVTT, 0x40);
	t0 = test_host.now_ns;
	wr(&env, R_TMICT, 1);
	CHECK(timer_armed(&env, &deadline) && deadline == t0 + FLOOR_NS);
	env.kicks = 0;
	CHECK(test_host_advance(FLOOR_NS) == 1);
	CHECK(env.kicks == 1 && take(&env, 0x40));
	/* rewriting it never brings the host timer closer */
	for (fired = 0; fired < 100; fired++) {
		test_host_advance(10 * NS_PER_US);
		t0 = test_host.now_ns;
		wr(&env, R_TMICT, 1);
		CHECK(timer_armed(&env, &deadline));
		CHECK(deadline == t0 + FLOOR_NS);
	}
	env_free(&env);
}

static void test_apic_base(void)
{
	struct lapic_env env;

	env_init_id(&env, 4, true);
	CHECK(v3_lapic_get_base(&env.apic) == 0xfee00900ULL);
	CHECK(v3_lapic_set_base(&env.apic, 0xfee00900ULL) == 0);
	/* the BSP flag is read-only */
	CHECK(v3_lapic_set_base(&env.apic, 0xfee00800ULL) == 0);
	CHECK(v3_lapic_get_base(&env.apic) == 0xfee00900ULL);
	/* refusals: x2APIC, another base, reserved bits */
	CHECK(v3_lapic_set_base(&env.apic, 0xfee00c00ULL) == -EINVAL);
	CHECK(v3_lapic_set_base(&env.apic, 0xfed00800ULL) == -EINVAL);
	CHECK(v3_lapic_set_base(&env.apic, 0xfee00801ULL) == -EINVAL);
	CHECK(v3_lapic_set_base(&env.apic, 0xfee00a00ULL) == -EINVAL);
	CHECK(v3_lapic_set_base(&env.apic, 0x1fee00800ULL) == -EINVAL);
	CHECK(v3_lapic_set_base(&env.apic, BIT_ULL(63) | 0xfee00800ULL) ==
	      -EINVAL);
	CHECK(v3_lapic_get_base(&env.apic) == 0xfee00900ULL);

	/* hardware-disable with state and a running timer */
	enable(&env);
	wr(&env, R_TPR, 0x20);
	wr(&env, R_LVTT, PERIODIC | 0x40);
	wr(&env, R_TMICT, 100000);
	fixed(&env, 0x80, false);
	CHECK(timer_armed(&env, NULL));
	CHECK(v3_lapic_set_base(&env.apic, 0xfee00000ULL) == 0);
	CHECK(v3_lapic_get_base(&env.apic) == 0xfee00100ULL);
	CHECK(!timer_armed(&env, NULL));
	CHECK(rd(&env, R_ID) == 0 && rd(&env, R_VER) == 0);
	wr(&env, R_SVR, 0x1ff);
	CHECK(v3_lapic_pending(&env.apic) == -1);
	fixed(&env, 0x90, false);
	CHECK(v3_lapic_pending(&env.apic) == -1);
	CHECK(v3_lapic_extint(&env.apic));	/* the PIC goes straight in */
	icr_send(&env, 0, 0x44050);
	CHECK(env.sends == 0);
	CHECK(test_host_advance(NS_PER_SEC) == 0);
	/* enabled again: the power-up state */
	CHECK(v3_lapic_set_base(&env.apic, 0xfee00800ULL) == 0);
	CHECK(v3_lapic_get_base(&env.apic) == 0xfee00900ULL);
	CHECK(rd(&env, R_ID) == 0x04000000 && rd(&env, R_SVR) == 0xff);
	CHECK(rd(&env, R_TPR) == 0 && rd(&env, R_LINT0) == MASKED);
	CHECK(rd(&env, R_IRR + 0x40) == 0 && rd(&env, R_TMICT) == 0);
	CHECK(!v3_lapic_extint(&env.apic));
	env_free(&env);
}

static void test_init_failures(void)
{
	struct v3_lapic apic;
	long n;
	int err;

	for (n = 1; n < 20; n++) {
		memset(&test_host, 0, sizeof(test_host));
		test_host.fail_nth = n;
		err = v3_lapic_init(&apic, 0, true, &env_ops, NULL);
		test_host.fail_nth = 0;
		if (!err) {
			v3_lapic_free(&apic);
			CHECK(test_host.objects == 0);
			break;
		}
		CHECK(err == -ENOMEM);
		CHECK(!apic.lock && !apic.timer);
		CHECK(test_host.objects == 0);
		/* freeing a failed one is harmless */
		v3_lapic_free(&apic);
		CHECK(test_host.objects == 0);
	}
	CHECK(n == 3);	/* the lock and the timer */
	/* freed twice */
	CHECK(v3_lapic_init(&apic, 0, false, NULL, NULL) == 0);
	CHECK(test_host.objects == 1);
	v3_lapic_free(&apic);
	v3_lapic_free(&apic);
	CHECK(test_host.objects == 0);
}

static u64 rnd_state;

static u64 rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* Random register writes, messages and time: no crash, the floor held */
static void test_random_stress(void)
{
	static const u32 hot[] = {
		R_TPR, R_EOI, R_SVR, R_LDR, R_DFR, R_ESR, R_ICR_LO, R_ICR_HI,
		R_LVTT, R_LVT_ERR, R_LINT0, R_TMICT, R_TMICT, R_TDCR, R_TDCR,
	};
	struct lapic_env env;
	unsigned long starts;
	unsigned int i, fired, ints = 0;
	u64 r, deadline, ns;
	u8 buf[8];
	u32 val;

	env_init_id(&env, 1, true);
	env.loopback = true;
	rnd_state = 0x9e3779b97f4a7c15ULL;
	for (i = 0; i < 50000; i++) {
		r = rnd();
		starts = test_host.timer_starts;
		switch (r % 10) {
		case 0:
		case 1:
		case 2:
			val = r >> 32;
			/* small counts, often */
			if ((r >> 8) & 1)
				val &= 0xff;
			wr(&env, hot[(r >> 12) % ARRAY_SIZE(hot)], val);
			break;
		case 3:
			wr(&env, ((r >> 8) & 0xfff) & ~0xfU, r >> 32);
			break;
		case 4:
			rd(&env, ((r >> 8) & 0xfff) & ~0xfU);
			break;
		case 5:
			memcpy(buf, &r, sizeof(buf));
			CHECK(v3_lapic_access(&env.apic, (r >> 8) & 0x1fff,
					      buf, (r >> 24) % 9,
					      (r >> 28) & 1) == 0);
			break;
		case 6: {
			struct v3_apic_msg msg = {
				.vector = r >> 8, .delivery = (r >> 16) & 7,
				.level = (r >> 20) & 1,
				.deassert = (r >> 21) & 1,
			};

			v3_lapic_deliver(&env.apic, &msg);
			break;
		}
		case 7:
			if (v3_lapic_pending(&env.apic) >= 0) {
				v3_lapic_ack(&env.apic);
				ints++;
			}
			if ((r >> 8) & 1)
				wr(&env, R_EOI, 0);
			v3_lapic_take_nmi(&env.apic);
			v3_lapic_take_init(&env.apic);
			v3_lapic_take_sipi(&env.apic);
			break;
		case 8:
			ns = (r >> 8) % (2 * NS_PER_MS);
			fired = test_host_advance(ns);
			CHECK(fired <= ns / FLOOR_NS + 1);
			break;
		default:
			if ((r >> 8) % 64 == 0)
				v3_lapic_reset(&env.apic);
			else if ((r >> 8) % 64 == 1)
				v3_lapic_set_base(&env.apic, r >> 16);
			else if ((r >> 8) % 64 == 2)
				v3_lapic_set_base(&env.apic, 0xfee00000ULL);
			else if ((r >> 8) % 64 < 16)
				v3_lapic_set_base(&env.apic, 0xfee00800ULL);
			else if ((r >> 8) % 64 < 32)
				enable(&env);
			else
				v3_lapic_set_tpr(&env.apic, (r >> 16) & 3);
			break;
		}
		/* any arming from here is at least the floor away */
		if (test_host.timer_starts != starts && (r % 10) != 8 &&
		    timer_armed(&env, &deadline))
			CHECK(deadline >= test_host.now_ns + FLOOR_NS);
		if (case_failed)
			break;
	}
	CHECK(ints > 100);
	/* stopped: nothing fires */
	v3_lapic_reset(&env.apic);
	CHECK(!timer_armed(&env, NULL));
	CHECK(test_host_advance(NS_PER_SEC) == 0);
	env_free(&env);
}

static const struct test_case lapic_cases[] = {
	{ "reset_state", test_reset_state },
	{ "priority", test_priority },
	{ "nested_eoi", test_nested_eoi },
	{ "level_eoi", test_level_eoi },
	{ "sw_disabled", test_sw_disabled },
	{ "icr", test_icr },
	{ "accept", test_accept },
	{ "init_sipi_nmi", test_init_sipi_nmi },
	{ "timer_oneshot", test_timer_oneshot },
	{ "timer_periodic", test_timer_periodic },
	{ "timer_floor_and_stop", test_timer_floor_and_stop },
	{ "timer_divide", test_timer_divide },
	{ "timer_masked", test_timer_masked },
	{ "timer_stop", test_timer_stop },
	{ "timer_floor", test_timer_floor },
	{ "apic_base", test_apic_base },
	{ "init_failures", test_init_failures },
	{ "random_stress", test_random_stress },
};

const struct test_suite lapic_suite = {
	.name = "lapic",
	.cases = lapic_cases,
	.nr = ARRAY_SIZE(lapic_cases),
};
