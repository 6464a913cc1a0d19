// SPDX-License-Identifier: GPL-2.0-only
/*
 * pingpong - the round trip of a wake-up between two vCPUs of a guest:
 *
 *   pingpong N        PINGPONG: rounds=N us_per_round=U: two processes,
 *                     one pinned to CPU 0 and one to CPU 1, pass a byte
 *                     back and forth through two pipes N times, by
 *                     CLOCK_MONOTONIC.  Each waits in read() and so lets
 *                     its vCPU halt, and each write wakes the other with
 *                     an IPI: a round is two IPIs to a halted vCPU, two
 *                     wake-ups and two context switches.
 */
#define _GNU_SOURCE
#include "guest-util.h"
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void xfer(int in, int out)
{
	char c = 0;

	if (in >= 0 && read(in, &c, 1) != 1) {
		perror("read");
		exit(1);
	}
	if (out >= 0 && write(out, &c, 1) != 1) {
		perror("write");
		exit(1);
	}
}

int main(int argc, char **argv)
{
	int ping[2], pong[2], status;
	long i, n = argc > 1 ? atol(argv[1]) : 0;
	long long t0, t1;
	pid_t pid;

	if (n <= 0) {
		fprintf(stderr, "usage: pingpong ROUNDS\n");
		return 2;
	}
	if (pipe(ping) || pipe(pong)) {
		perror("pipe");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (!pid) {
		pin(1);
		for (i = 0; i < n + 1; i++)
			xfer(ping[0], pong[1]);
		_exit(0);
	}
	pin(0);
	/* one round first, so that both sides are pinned and waiting */
	xfer(-1, ping[1]);
	xfer(pong[0], -1);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		xfer(-1, ping[1]);
		xfer(pong[0], -1);
	}
	t1 = now_ns();
	waitpid(pid, &status, 0);
	printf("PINGPONG: rounds=%ld us_per_round=%.1f\n", n,
	       (t1 - t0) / 1000.0 / n);
	return 0;
}
