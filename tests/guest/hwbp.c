// SPDX-License-Identifier: GPL-2.0-only
/*
 * hwbp CPU COMMAND...: arm a hardware breakpoint on host CPU CPU for every
 * task there (a CPU-wide perf event: the address goes into a debug
 * register of that CPU), run COMMAND (a guest on that CPU), then check that
 * the breakpoint still fires on that CPU.
 *
 * Prints "hwbp: armed ADDR on CPU N", COMMAND's output, "hwbp: rc=RC" and
 * "hwbp: hits H of W": a guest that runs with the host's debug registers
 * reads ADDR in its DR0-DR3, and one whose exit leaves the host's
 * breakpoints off makes H 0.
 */
#define _GNU_SOURCE
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define WRITES	5

static volatile uint64_t watched;

int main(int argc, char **argv)
{
	struct perf_event_attr attr;
	uint64_t hits = 0;
	cpu_set_t set;
	int cpu, fd, i, status;
	pid_t pid;

	if (argc < 3) {
		fprintf(stderr, "usage: hwbp CPU COMMAND...\n");
		return 2;
	}
	cpu = atoi(argv[1]);
	memset(&attr, 0, sizeof(attr));
	attr.type = PERF_TYPE_BREAKPOINT;
	attr.size = sizeof(attr);
	attr.bp_type = HW_BREAKPOINT_W;
	attr.bp_addr = (uintptr_t)&watched;
	attr.bp_len = HW_BREAKPOINT_LEN_8;
	fd = syscall(SYS_perf_event_open, &attr, -1, cpu, -1, 0);
	if (fd < 0) {
		perror("hwbp: perf_event_open");
		return 2;
	}
	printf("hwbp: armed %p on CPU %d\n", (void *)&watched, cpu);
	fflush(stdout);

	pid = fork();
	if (pid == 0) {
		execv(argv[2], argv + 2);
		perror("hwbp: exec");
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0) {
		perror("hwbp: fork");
		return 2;
	}
	printf("hwbp: rc=%d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128);

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		perror("hwbp: sched_setaffinity");
		return 2;
	}
	for (i = 0; i < WRITES; i++)
		watched = i;
	if (read(fd, &hits, sizeof(hits)) != sizeof(hits)) {
		perror("hwbp: read");
		return 2;
	}
	printf("hwbp: hits %llu of %d\n", (unsigned long long)hits, WRITES);
	return 0;
}
