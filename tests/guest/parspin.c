// SPDX-License-Identifier: GPL-2.0-only
/*
 * parspin - whether a guest's vCPUs run at the same time:
 *
 *   parspin N ITERS [TRIES]
 *                     PARSPIN: one_ms=A two_ms=B cpus=C tries=T: one busy
 *                     loop of ITERS iterations pinned to CPU 0, by itself
 *                     (A ms), then one on CPU 0 and one on CPU 1 at once
 *                     (B ms, until both ended), by CLOCK_MONOTONIC.  On
 *                     vCPUs that run in parallel B is about A; on vCPUs
 *                     that share one host CPU, about 2 A.  With TRIES (1
 *                     by default), the pair with the lowest B / A of that
 *                     many: on a busy host some tries lose a host CPU to
 *                     other work, but vCPUs that share one never get
 *                     below 2 A.
 */
#define _GNU_SOURCE
#include "guest-util.h"
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void spin(long iters)
{
	volatile long i;

	for (i = 0; i < iters; i++)
		;
}

/* Run @n busy loops at once, loop i on CPU i; return the wall time in ms. */
static long long run(int n, long iters)
{
	long long t0 = now_ns() / 1000000;
	int i;

	for (i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			exit(1);
		}
		if (pid)
			continue;
		pin(i);
		spin(iters);
		_exit(0);
	}
	while (wait(NULL) > 0)
		;
	return now_ns() / 1000000 - t0;
}

int main(int argc, char **argv)
{
	long long one = 0, two = 0, a, b;
	int tries = argc == 4 ? atoi(argv[3]) : 1, i;
	long iters;

	if (argc < 3 || argc > 4 || atoi(argv[1]) != 2 || tries < 1) {
		fprintf(stderr, "usage: parspin 2 ITERS [TRIES]\n");
		return 2;
	}
	iters = atol(argv[2]);
	for (i = 0; i < tries; i++) {
		a = run(1, iters);
		b = run(2, iters);
		if (!i || b * one < two * a) {
			one = a;
			two = b;
		}
	}
	printf("PARSPIN: one_ms=%lld two_ms=%lld cpus=%ld tries=%d\n", one,
	       two, sysconf(_SC_NPROCESSORS_ONLN), tries);
	return 0;
}
