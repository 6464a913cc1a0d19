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
 *                     by default), A and B are each the shortest of that
 *                     many: on a busy host some tries lose a host CPU to
 *                     other work, which only lengthens them (the pair
 *                     with the lowest B / A would favour a try whose
 *                     single loop was the one slowed); vCPUs that share
 *                     one host CPU never get below 2 A.
 *                     overlap=O alone=L (per million): whether the two
 *                     loops ran at the same instant, by no clock: two
 *                     loops that each store their count and read the
 *                     other's; O is the share of iterations that found
 *                     the other loop moved since the previous one, with
 *                     the loops on CPUs 0 and 1 (the highest of the
 *                     tries), L the same with both on CPU 0 (the control:
 *                     there the other loop only moves while this one is
 *                     switched out, once per switch, a few times in a
 *                     million iterations).  Loops that run at once see
 *                     each other move thousands of times in a million
 *                     (as often as the cache line travels); vCPUs that
 *                     take turns on one host CPU make O as small as L,
 *                     however busy the host is.
 */
#define _GNU_SOURCE
#include "guest-util.h"
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void spin(long iters)
{
	volatile long i;

	for (i = 0; i < iters; i++)
		;
}

/* One loop's count and what it saw, each on a cache line of its own */
struct watch {
	volatile long count __attribute__((aligned(64)));
	long moved __attribute__((aligned(64)));
};

/*
 * Loop @me of two, on CPU @cpu, for @iters iterations: store the count,
 * and count the iterations that find the other loop's count changed.
 */
static void watch(struct watch *w, int me, int cpu, long iters)
{
	volatile long *other = &w[!me].count;
	long i, last = *other, now, moved = 0;

	pin(cpu);
	for (i = 1; i <= iters; i++) {
		w[me].count = i;
		now = *other;
		moved += now != last;
		last = now;
	}
	w[me].moved = moved;
}

/*
 * Two watching loops, on CPUs @cpu0 and @cpu1: the iterations that saw
 * the other one move, in parts per million of all of them.
 */
static long overlap(int cpu0, int cpu1, long iters)
{
	struct watch *w = mmap(NULL, 2 * sizeof(*w), PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	long pm;
	int i;

	if (w == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	for (i = 0; i < 2; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			exit(1);
		}
		if (!pid) {
			watch(w, i, i ? cpu1 : cpu0, iters);
			_exit(0);
		}
	}
	while (wait(NULL) > 0)
		;
	pm = (w[0].moved + w[1].moved) * 1000000 / (2 * iters);
	munmap(w, 2 * sizeof(*w));
	return pm;
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
	long over = 0, alone = 0, o;
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
		if (!i || a < one)
			one = a;
		if (!i || b < two)
			two = b;
		/* a tenth of the loop: its wall time is not measured */
		o = overlap(0, 1, iters / 10);
		if (o > over)
			over = o;
		o = overlap(0, 0, iters / 10);
		if (o > alone)
			alone = o;
	}
	printf("PARSPIN: one_ms=%lld two_ms=%lld cpus=%ld tries=%d overlap=%ld alone=%ld\n",
	       one, two, sysconf(_SC_NPROCESSORS_ONLN), tries, over, alone);
	return 0;
}
