/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The small test framework of the user-space tests of the Palacios core.
 */
#ifndef _PAL_TESTS_H
#define _PAL_TESTS_H

#include <stdio.h>
#include <linux/bits.h>

#define MiB		BIT_ULL(20)
#define GiB		BIT_ULL(30)

extern int case_failed;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		printf("# %s:%d: %s\n", __FILE__, __LINE__, #cond);	\
		case_failed = 1;					\
	}								\
} while (0)

struct test_case {
	const char *name;
	void (*fn)(void);
};

struct test_suite {
	const char *name;
	const struct test_case *cases;
	unsigned int nr;
};

extern const struct test_suite svm_suite;
extern const struct test_suite vmx_suite;
extern const struct test_suite vmx_vm_suite;
extern const struct test_suite io_suite;
extern const struct test_suite alu_suite;
extern const struct test_suite uart_suite;
extern const struct test_suite pic_suite;
extern const struct test_suite pit_suite;
extern const struct test_suite lapic_suite;
extern const struct test_suite ioapic_suite;
extern const struct test_suite rtc_suite;
extern const struct test_suite acpi_suite;
extern const struct test_suite decode_suite;
extern const struct test_suite mem_suite;
extern const struct test_suite npt_suite;
extern const struct test_suite loader_suite;
extern const struct test_suite linux_suite;
extern const struct test_suite vm_suite;
extern const struct test_suite core_suite;
extern const struct test_suite pvclock_suite;
extern const struct test_suite virtio_suite;

/* test_vmx.c: model CPUs with every VMX feature the backend uses, VMX off */
void vmx_model_reset(unsigned int nr_cpus);

#endif /* _PAL_TESTS_H */
