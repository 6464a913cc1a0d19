// SPDX-License-Identifier: GPL-2.0-only
/*
 * ipistorm - as many IPIs as one vCPU can send to another:
 *
 *   ipistorm SECONDS  IPISTORM: rounds=N per_s=R: a thread pinned to CPU 1
 *                     spins in user space while the main thread, pinned
 *                     to CPU 0, maps a page, writes it and unmaps it, over
 *                     and over for SECONDS: each unmap shoots down the
 *                     page's TLB entry on CPU 1, which runs the same
 *                     address space, with an IPI.
 */
#define _GNU_SOURCE
#include "guest-util.h"
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static volatile int done;

static void *spinner(void *arg)
{
	pin(1);
	while (!done)
		;
	return NULL;
}

int main(int argc, char **argv)
{
	long long t0, t1, end;
	long rounds = 0;
	pthread_t t;
	int secs = argc > 1 ? atoi(argv[1]) : 0;

	if (secs <= 0) {
		fprintf(stderr, "usage: ipistorm SECONDS\n");
		return 2;
	}
	pin(0);
	if (pthread_create(&t, NULL, spinner, NULL)) {
		perror("pthread_create");
		return 1;
	}
	usleep(100000);		/* the spinner is on CPU 1 */
	t0 = now_ns();
	end = t0 + secs * 1000000000LL;
	do {
		char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
		p[0] = 1;
		munmap(p, 4096);
		rounds++;
	} while ((t1 = now_ns()) < end);
	done = 1;
	pthread_join(t, NULL);
	printf("IPISTORM: rounds=%ld per_s=%lld\n", rounds,
	       rounds * 1000000000LL / (t1 - t0));
	return 0;
}
