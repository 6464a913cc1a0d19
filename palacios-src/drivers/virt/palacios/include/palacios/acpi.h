/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ACPI platform of a Palacios VM: fixed-hardware power management
 * registers and the firmware tables that describe them, which is what a
 * kernel needs to find its clock and to power the machine off.
 *
 * Ports (the FADT's 32-bit blocks):
 *
 *   0x600  PM1a_EVT_BLK: PM1 status (0x600) and enable (0x602)
 *   0x604  PM1a_CNT_BLK: SCI_EN reads 1 (ACPI mode is fixed, there is no
 *          SMI command port); SLP_TYP with SLP_EN asks for a sleep state
 *   0x608  PM_TMR_BLK: the 32-bit power management timer, 3.579545 MHz,
 *          computed from v3_host_time_ns() when read
 *
 * Tables, at V3_ACPI_TABLES_GPA in the BIOS area a kernel scans for the
 * RSDP: RSDP (revision 2), RSDT, XSDT, FADT (revision 4), FACS, a DSDT
 * whose only object is \_S5 (SLP_TYP 5), and a MADT with a local APIC per
 * vCPU, the I/O APIC, ISA IRQ 0 on its pin 2, the SCI level-triggered, and
 * LINT1 as NMI.
 *
 * Not modelled: the timer's carry status (TMR_STS), fixed power and sleep
 * buttons (the FADT says there are none), GPE blocks, and sleep states
 * other than S5; the SCI (IRQ 9) is therefore never raised.
 *
 * Locking: a spinlock of its own; @sleep is called without it.
 */
#ifndef _PALACIOS_ACPI_H
#define _PALACIOS_ACPI_H

#include <linux/types.h>

struct v3_mem_map;
struct v3_range_map;
struct v3_spinlock;

#define V3_ACPI_PM_BASE		0x600
#define V3_ACPI_PM_LAST		0x60b
#define V3_ACPI_PM_TMR_HZ	3579545
#define V3_ACPI_SCI_IRQ		9
#define V3_ACPI_SLP_TYP_S5	5

/* In the reserved hole below 1 MiB, where a kernel looks for the RSDP */
#define V3_ACPI_TABLES_GPA	0xe0000
#define V3_ACPI_TABLES_SIZE	0x1000
#define V3_ACPI_MAX_CPUS	64

/**
 * struct v3_acpi - the power management registers
 * @lock: serialises the registers
 * @base_ns: host time at which the PM timer read 0
 * @pm1_sts: PM1 status (write 1 to clear)
 * @pm1_en: PM1 enable
 * @pm1_cnt: PM1 control, without the write-only SLP_EN
 * @sleep: called when the guest sets SLP_EN, with its SLP_TYP
 * @priv: passed to @sleep
 */
struct v3_acpi {
	struct v3_spinlock *lock;
	u64 base_ns;
	u16 pm1_sts;
	u16 pm1_en;
	u16 pm1_cnt;
	void (*sleep)(void *priv, unsigned int slp_typ);
	void *priv;
};

/**
 * v3_acpi_init() - create the PM registers and hook their ports
 * @acpi: the state to initialise
 * @io: the VM's port registry
 * @sleep: called, in the vCPU's thread, when the guest asks for a sleep
 *         state by setting SLP_EN; %V3_ACPI_SLP_TYP_S5 is soft off
 * @priv: passed to @sleep
 *
 * Return: 0, -EBUSY if a port is hooked already, or -ENOMEM; nothing is
 * left allocated or hooked on failure.
 */
int v3_acpi_init(struct v3_acpi *acpi, struct v3_range_map *io,
		 void (*sleep)(void *priv, unsigned int slp_typ), void *priv);

/**
 * v3_acpi_free() - unhook the ports and free the state
 * @acpi: the state, or one whose init failed
 * @io: the registry given to v3_acpi_init()
 */
void v3_acpi_free(struct v3_acpi *acpi, struct v3_range_map *io);

/**
 * v3_acpi_tables() - write the firmware tables into guest memory
 * @mem: the VM's memory, which must back %V3_ACPI_TABLES_GPA
 * @nr_cpus: vCPUs, 1 to %V3_ACPI_MAX_CPUS, with APIC IDs from 0
 * @rsdp: where the RSDP was put, for a boot loader to pass on
 *
 * Return: 0, or -EFAULT if the memory is not there or @nr_cpus is out of
 * range.
 */
int v3_acpi_tables(const struct v3_mem_map *mem, unsigned int nr_cpus,
		   u64 *rsdp);

#endif /* _PALACIOS_ACPI_H */
