// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the Palacios core, built in user space against the test
 * host (host.c) and the model CPU (cpu_model.c).
 *
 * Prints TAP and, last, "N passed, N failed"; exits non-zero on a failure.
 */
#include <stdio.h>

#include <linux/array_size.h>

#include "test_host.h"
#include "tests.h"

int case_failed;

static const struct test_suite *suites[] = {
	&svm_suite,
	&vmx_suite,
	&vmx_vm_suite,
	&io_suite,
	&alu_suite,
	&decode_suite,
	&uart_suite,
	&pic_suite,
	&pit_suite,
	&lapic_suite,
	&ioapic_suite,
	&rtc_suite,
	&acpi_suite,
	&mem_suite,
	&npt_suite,
	&loader_suite,
	&linux_suite,
	&vm_suite,
	&core_suite,
	&pvclock_suite,
	&virtio_suite,
};

int main(void)
{
	unsigned int s, i, n = 0;
	int passed = 0, failed = 0;

	for (s = 0; s < ARRAY_SIZE(suites); s++)
		n += suites[s]->nr;
	printf("TAP version 13\n1..%u\n", n);
	n = 0;
	for (s = 0; s < ARRAY_SIZE(suites); s++) {
		const struct test_suite *suite = suites[s];

		for (i = 0; i < suite->nr; i++) {
			const struct test_case *c = &suite->cases[i];

			case_failed = 0;
			c->fn();
			n++;
			if (case_failed) {
				printf("# log: %s", test_host.log);
				printf("not ok %u %s.%s\n", n, suite->name, c->name);
				failed++;
			} else {
				printf("ok %u %s.%s\n", n, suite->name, c->name);
				passed++;
			}
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
