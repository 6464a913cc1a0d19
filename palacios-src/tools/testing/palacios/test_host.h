/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The state of the user-space test host, which the tests set and check.
 */
#ifndef _PAL_TEST_HOST_H
#define _PAL_TEST_HOST_H

#include <linux/types.h>

#define TEST_NR_IRQS	256
#define TEST_MAX_CPUS	4

/**
 * struct test_host - the test host's settings and counters
 * @nr_cpus: CPUs the host reports
 * @cpu_khz: what v3_host_cpu_khz() returns
 * @fail_pages: make page allocations fail
 * @fail_zalloc: make heap allocations fail
 * @verbose: copy the core's log to stderr
 * @pages: pages allocated and not freed
 * @objects: heap objects allocated and not freed
 * @errors: messages logged at V3_LOG_ERR
 * @kicks: v3_host_interrupt_cpu() calls per CPU
 * @log: everything the core logged
 */
struct test_host {
	unsigned int nr_cpus;
	unsigned long cpu_khz;
	bool fail_pages;
	bool fail_zalloc;
	bool verbose;
	long pages;
	long objects;
	int errors;
	unsigned long kicks[TEST_MAX_CPUS];
	char log[8192];
};

extern struct test_host test_host;

#endif /* _PAL_TEST_HOST_H */
