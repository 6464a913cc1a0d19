// SPDX-License-Identifier: GPL-2.0-only
/*
 * clockcheck - what the tests' Linux guest reports about its clock, as
 * key=value lines (tests/scenarios/uapi.sh reads them):
 *
 *   clockcheck          CLOCK: source=S available=A reads=N backwards=B
 *                       max_step_us=U: CLOCK_MONOTONIC read for 200 ms
 *                       never goes back (B is 0), S is the clocksource
 *   clockcheck sleep S  SLEPT: asked_ms=... guest_ms=...: S seconds of
 *                       nanosleep() as CLOCK_MONOTONIC saw them, for a
 *                       caller outside the guest to time too
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sysfs(const char *file, char *buf, size_t len)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path),
		 "/sys/devices/system/clocksource/clocksource0/%s", file);
	buf[0] = 0;
	f = fopen(path, "r");
	if (!f || !fgets(buf, len, f))
		strcpy(buf, "none");
	if (f)
		fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	for (char *p = buf; *p; p++)
		if (*p == ' ')
			*p = ',';
	len = strlen(buf);
	if (len && buf[len - 1] == ',')
		buf[len - 1] = 0;
}

int main(int argc, char **argv)
{
	long long t0, t, prev, step, max_step = 0, reads = 0, back = 0;
	char cur[64], avail[256];

	if (argc == 3 && !strcmp(argv[1], "sleep")) {
		long ms = atol(argv[2]) * 1000;
		struct timespec ts = { ms / 1000, 0 };

		t0 = now_ns();
		while (nanosleep(&ts, &ts))
			;
		printf("SLEPT: asked_ms=%ld guest_ms=%lld\n", ms,
		       (now_ns() - t0) / 1000000);
		return 0;
	}
	sysfs("current_clocksource", cur, sizeof(cur));
	sysfs("available_clocksource", avail, sizeof(avail));
	t0 = prev = now_ns();
	do {
		t = now_ns();
		reads++;
		if (t < prev)
			back++;
		step = t - prev;
		if (step > max_step)
			max_step = step;
		prev = t;
	} while (t - t0 < 200000000LL);
	printf("CLOCK: source=%s available=%s reads=%lld backwards=%lld max_step_us=%lld\n",
	       cur, avail, reads, back, max_step / 1000);
	return 0;
}
