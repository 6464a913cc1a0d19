// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios core: ACPI fixed-hardware registers and firmware tables.
 *
 * The tables are built here byte by byte at the offsets of the ACPI
 * specification (6.5, chapter 5), so that the core needs no ACPI headers.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>
#include <linux/unaligned.h>

#include <palacios/acpi.h>
#include <palacios/host.h>
#include <palacios/io.h>
#include <palacios/ioapic.h>
#include <palacios/lapic.h>
#include <palacios/log.h>
#include <palacios/mem.h>

#define PM1_EVT		(V3_ACPI_PM_BASE + 0)	/* status, then enable */
#define PM1_CNT		(V3_ACPI_PM_BASE + 4)
#define PM1_CNT_LAST	(V3_ACPI_PM_BASE + 5)
#define PM_TMR		(V3_ACPI_PM_BASE + 8)

#define PM1_CNT_SCI_EN		BIT(0)
#define PM1_CNT_SLP_TYP_SHIFT	10
#define PM1_CNT_SLP_TYP		(7 << PM1_CNT_SLP_TYP_SHIFT)
#define PM1_CNT_SLP_EN		BIT(13)

#define NS_PER_SEC	1000000000ULL

/* Where each table goes, from V3_ACPI_TABLES_GPA */
#define OFF_RSDP	0x000
#define OFF_RSDT	0x040
#define OFF_XSDT	0x080
#define OFF_FADT	0x100
#define OFF_FACS	0x200		/* 64-byte aligned */
#define OFF_DSDT	0x240
#define OFF_MADT	0x280

#define HDR_LEN		36
#define RSDP_LEN	36
#define RSDP_V1_LEN	20
#define FADT_LEN	244
#define FACS_LEN	64
#define MADT_LEN(n)	(44 + 8 * (n) + 12 + 2 * 10 + 6)

/* FADT fields */
#define FADT_FIRMWARE_CTRL	36
#define FADT_DSDT		40
#define FADT_SCI_INT		46
#define FADT_PM1A_EVT_BLK	56
#define FADT_PM1A_CNT_BLK	64
#define FADT_PM_TMR_BLK		76
#define FADT_PM1_EVT_LEN	88
#define FADT_PM1_CNT_LEN	89
#define FADT_PM_TMR_LEN		91
#define FADT_P_LVL2_LAT		96
#define FADT_P_LVL3_LAT		98
#define FADT_CENTURY		108
#define FADT_IAPC_BOOT_ARCH	109
#define FADT_FLAGS		112

/* IAPC_BOOT_ARCH: ISA devices (the UART, PIT, RTC), no 8042, no VGA, no MSI */
#define BOOT_LEGACY_DEVICES	BIT(0)
#define BOOT_VGA_NOT_PRESENT	BIT(2)
#define BOOT_MSI_NOT_SUPPORTED	BIT(3)

/* FADT flags */
#define FADT_WBINVD		BIT(0)
#define FADT_PROC_C1		BIT(2)
#define FADT_PWR_BUTTON		BIT(4)	/* no fixed power button */
#define FADT_SLP_BUTTON		BIT(5)	/* no fixed sleep button */
#define FADT_FIX_RTC		BIT(6)	/* no RTC wake status */
#define FADT_TMR_VAL_EXT	BIT(8)	/* the PM timer has 32 bits */
#define FADT_HEADLESS		BIT(12)

/* MADT */
#define MADT_PCAT_COMPAT	BIT(0)	/* there is a PIC pair too */
#define MADT_ENABLED		BIT(0)
#define MPS_HIGH		0x1	/* polarity: active high */
#define MPS_LEVEL		0xc	/* trigger mode: level */

#define C2_NONE		101		/* latencies above these: no C2, C3 */
#define C3_NONE		1001
#define RTC_CENTURY	0x32

/*
 * The DSDT's AML: Name (_S5, Package (4) { 5, 5, 0, 0 }), SLP_TYP for
 * PM1a and PM1b (the VM has only PM1a).
 */
static const u8 dsdt_aml[] = {
	0x08, '_', 'S', '5', '_',	/* NameOp, NameSeg */
	0x12, 0x08, 0x04,		/* PackageOp, PkgLength, NumElements */
	0x0a, V3_ACPI_SLP_TYP_S5,	/* BytePrefix 5 */
	0x0a, V3_ACPI_SLP_TYP_S5,
	0x00, 0x00,			/* ZeroOp, ZeroOp */
};

static u32 acpi_pm_tmr(const struct v3_acpi *acpi)
{
	u64 ns = v3_host_time_ns() - acpi->base_ns;

	return (u32)((ns / NS_PER_SEC) * V3_ACPI_PM_TMR_HZ +
		     (ns % NS_PER_SEC) * V3_ACPI_PM_TMR_HZ / NS_PER_SEC);
}

static u8 acpi_pm1_read(const struct v3_acpi *acpi, unsigned int off)
{
	u16 reg;

	switch (off / 2) {
	case 0:
		reg = acpi->pm1_sts;
		break;
	case 1:
		reg = acpi->pm1_en;
		break;
	default:
		reg = acpi->pm1_cnt | PM1_CNT_SCI_EN;
		break;
	}
	return off & 1 ? reg >> 8 : reg & 0xff;
}

/* Return: true if the guest set SLP_EN. */
static bool acpi_pm1_write(struct v3_acpi *acpi, unsigned int off, u8 b)
{
	unsigned int shift = off & 1 ? 8 : 0;
	u16 mask = 0xff << shift;
	u16 val = b << shift;

	switch (off / 2) {
	case 0:
		acpi->pm1_sts &= ~val;		/* write 1 to clear */
		return false;
	case 1:
		acpi->pm1_en = (acpi->pm1_en & ~mask) | val;
		return false;
	default:
		acpi->pm1_cnt = (acpi->pm1_cnt & ~mask) |
				(val & ~(PM1_CNT_SLP_EN | PM1_CNT_SCI_EN));
		return val & PM1_CNT_SLP_EN;
	}
}

static int acpi_pm1_access(u64 port, void *data, unsigned int len,
			   bool write, void *priv)
{
	struct v3_acpi *acpi = priv;
	unsigned int off = port - PM1_EVT, i;
	unsigned long flags;
	bool sleep = false;
	unsigned int typ;
	u8 *b = data;

	flags = v3_host_spin_lock_irqsave(acpi->lock);
	for (i = 0; i < len; i++, off++) {
		if (off > PM1_CNT_LAST - PM1_EVT) {
			if (!write)
				b[i] = 0xff;
		} else if (write) {
			sleep |= acpi_pm1_write(acpi, off, b[i]);
		} else {
			b[i] = acpi_pm1_read(acpi, off);
		}
	}
	typ = (acpi->pm1_cnt & PM1_CNT_SLP_TYP) >> PM1_CNT_SLP_TYP_SHIFT;
	v3_host_spin_unlock_irqrestore(acpi->lock, flags);

	if (sleep)
		acpi->sleep(acpi->priv, typ);
	return 0;
}

static int acpi_tmr_access(u64 port, void *data, unsigned int len,
			   bool write, void *priv)
{
	struct v3_acpi *acpi = priv;
	unsigned int off = port - PM_TMR, i;
	u32 tmr;
	u8 *b = data;

	if (write)
		return 0;		/* read-only */
	tmr = acpi_pm_tmr(acpi);
	for (i = 0; i < len; i++, off++)
		b[i] = off < 4 ? tmr >> (8 * off) : 0xff;
	return 0;
}

int v3_acpi_init(struct v3_acpi *acpi, struct v3_range_map *io,
		 void (*sleep)(void *priv, unsigned int slp_typ), void *priv)
{
	int err;

	memset(acpi, 0, sizeof(*acpi));
	acpi->sleep = sleep;
	acpi->priv = priv;
	acpi->base_ns = v3_host_time_ns();
	acpi->lock = v3_host_spinlock_alloc();
	if (!acpi->lock)
		return -ENOMEM;
	err = v3_range_hook(io, PM1_EVT, PM1_CNT_LAST, acpi_pm1_access, acpi);
	if (err)
		goto fail;
	err = v3_range_hook(io, PM_TMR, V3_ACPI_PM_LAST, acpi_tmr_access,
			    acpi);
	if (err) {
		v3_range_unhook(io, PM1_EVT);
		goto fail;
	}
	return 0;
fail:
	v3_err("acpi: cannot hook ports %#x-%#x: %d\n", V3_ACPI_PM_BASE,
	       V3_ACPI_PM_LAST, err);
	v3_host_spinlock_free(acpi->lock);
	acpi->lock = NULL;
	return err;
}

void v3_acpi_free(struct v3_acpi *acpi, struct v3_range_map *io)
{
	if (!acpi->lock)
		return;
	v3_range_unhook(io, PM1_EVT);
	v3_range_unhook(io, PM_TMR);
	v3_host_spinlock_free(acpi->lock);
	acpi->lock = NULL;
}

/* Tables */

static u8 acpi_checksum(const u8 *p, unsigned int len)
{
	u8 sum = 0;

	while (len--)
		sum += *p++;
	return -sum;
}

/* The header every table but the RSDP and FACS starts with */
static void acpi_header(u8 *t, const char *sig, u32 len, u8 rev)
{
	memcpy(t, sig, 4);
	put_unaligned_le32(len, t + 4);
	t[8] = rev;
	memcpy(t + 10, "PALACI", 6);		/* OEMID */
	memcpy(t + 16, "PALACIOS", 8);		/* OEM table ID */
	put_unaligned_le32(1, t + 24);			/* OEM revision */
	memcpy(t + 28, "PLCS", 4);		/* creator ID */
	put_unaligned_le32(1, t + 32);			/* creator revision */
	t[9] = acpi_checksum(t, len);
}

static void acpi_fadt(u8 *t, u32 base)
{
	put_unaligned_le32(base + OFF_FACS, t + FADT_FIRMWARE_CTRL);
	put_unaligned_le32(base + OFF_DSDT, t + FADT_DSDT);
	put_unaligned_le16(V3_ACPI_SCI_IRQ, t + FADT_SCI_INT);
	put_unaligned_le32(PM1_EVT, t + FADT_PM1A_EVT_BLK);
	put_unaligned_le32(PM1_CNT, t + FADT_PM1A_CNT_BLK);
	put_unaligned_le32(PM_TMR, t + FADT_PM_TMR_BLK);
	t[FADT_PM1_EVT_LEN] = 4;
	t[FADT_PM1_CNT_LEN] = 2;
	t[FADT_PM_TMR_LEN] = 4;
	put_unaligned_le16(C2_NONE, t + FADT_P_LVL2_LAT);
	put_unaligned_le16(C3_NONE, t + FADT_P_LVL3_LAT);
	t[FADT_CENTURY] = RTC_CENTURY;
	put_unaligned_le16(BOOT_LEGACY_DEVICES | BOOT_VGA_NOT_PRESENT |
			   BOOT_MSI_NOT_SUPPORTED, t + FADT_IAPC_BOOT_ARCH);
	put_unaligned_le32(FADT_WBINVD | FADT_PROC_C1 | FADT_PWR_BUTTON |
			   FADT_SLP_BUTTON | FADT_FIX_RTC | FADT_TMR_VAL_EXT |
			   FADT_HEADLESS, t + FADT_FLAGS);
	acpi_header(t, "FACP", FADT_LEN, 4);
}

/* MADT interrupt source override: ISA @irq is @gsi */
static unsigned int acpi_iso(u8 *e, u8 irq, u32 gsi, u16 flags)
{
	e[0] = 2;
	e[1] = 10;
	e[2] = 0;				/* ISA */
	e[3] = irq;
	put_unaligned_le32(gsi, e + 4);
	put_unaligned_le16(flags, e + 8);
	return 10;
}

/* The MADT: a local APIC per vCPU, the I/O APIC, how ISA IRQs map to it */
static void acpi_madt(u8 *t, unsigned int nr_cpus)
{
	unsigned int i, off = 44;
	u8 *e;

	put_unaligned_le32(V3_LAPIC_GPA, t + 36);
	put_unaligned_le32(MADT_PCAT_COMPAT, t + 40);
	for (i = 0; i < nr_cpus; i++, off += 8) {
		e = t + off;
		e[0] = 0;			/* processor local APIC */
		e[1] = 8;
		e[2] = i;			/* ACPI processor UID */
		e[3] = i;			/* APIC ID */
		put_unaligned_le32(MADT_ENABLED, e + 4);
	}
	e = t + off;
	e[0] = 1;				/* I/O APIC */
	e[1] = 12;
	e[2] = V3_IOAPIC_ID;
	put_unaligned_le32(V3_IOAPIC_GPA, e + 4);
	put_unaligned_le32(0, e + 8);				/* GSI base */
	off += 12;
	off += acpi_iso(t + off, 0, 2, 0);	/* the PIT's IRQ 0 on pin 2 */
	off += acpi_iso(t + off, V3_ACPI_SCI_IRQ, V3_ACPI_SCI_IRQ,
			MPS_HIGH | MPS_LEVEL);	/* the SCI */
	e = t + off;
	e[0] = 4;				/* local APIC NMI */
	e[1] = 6;
	e[2] = 0xff;				/* all processors */
	put_unaligned_le16(0, e + 3);
	e[5] = 1;				/* LINT1 */
	acpi_header(t, "APIC", MADT_LEN(nr_cpus), 3);
}

int v3_acpi_tables(const struct v3_mem_map *mem, unsigned int nr_cpus,
		   u64 *rsdp)
{
	const u32 base = V3_ACPI_TABLES_GPA;
	u8 *t = v3_gpa_to_hva(mem, base, V3_ACPI_TABLES_SIZE);

	if (!t || !nr_cpus || nr_cpus > V3_ACPI_MAX_CPUS)
		return -EFAULT;
	memset(t, 0, V3_ACPI_TABLES_SIZE);

	/* RSDP: checksum of its first 20 bytes, then of all 36 */
	memcpy(t + OFF_RSDP, "RSD PTR ", 8);
	memcpy(t + OFF_RSDP + 9, "PALACI", 6);
	t[OFF_RSDP + 15] = 2;
	put_unaligned_le32(base + OFF_RSDT, t + OFF_RSDP + 16);
	put_unaligned_le32(RSDP_LEN, t + OFF_RSDP + 20);
	put_unaligned_le64(base + OFF_XSDT, t + OFF_RSDP + 24);
	t[OFF_RSDP + 8] = acpi_checksum(t + OFF_RSDP, RSDP_V1_LEN);
	t[OFF_RSDP + 32] = acpi_checksum(t + OFF_RSDP, RSDP_LEN);

	/* RSDT and XSDT: the FADT and the MADT */
	put_unaligned_le32(base + OFF_FADT, t + OFF_RSDT + HDR_LEN);
	put_unaligned_le32(base + OFF_MADT, t + OFF_RSDT + HDR_LEN + 4);
	acpi_header(t + OFF_RSDT, "RSDT", HDR_LEN + 8, 1);
	put_unaligned_le64(base + OFF_FADT, t + OFF_XSDT + HDR_LEN);
	put_unaligned_le64(base + OFF_MADT, t + OFF_XSDT + HDR_LEN + 8);
	acpi_header(t + OFF_XSDT, "XSDT", HDR_LEN + 16, 1);
	acpi_madt(t + OFF_MADT, nr_cpus);

	acpi_fadt(t + OFF_FADT, base);

	/* FACS: no checksum; hardware signature 0, version 2 */
	memcpy(t + OFF_FACS, "FACS", 4);
	put_unaligned_le32(FACS_LEN, t + OFF_FACS + 4);
	t[OFF_FACS + 32] = 2;

	memcpy(t + OFF_DSDT + HDR_LEN, dsdt_aml, sizeof(dsdt_aml));
	acpi_header(t + OFF_DSDT, "DSDT", HDR_LEN + sizeof(dsdt_aml), 2);

	*rsdp = base + OFF_RSDP;
	return 0;
}
