// SPDX-License-Identifier: GPL-2.0-only
/*
 * iobench - the I/O workload of the benchmark (tests/scenarios/bench.sh),
 * the same static binary in the Linux guest of Palacios and of KVM+QEMU,
 * and in the test host as the network peer.
 *
 *   iobench blk DEV         in the guest: sequential and random reads and
 *                           writes of DEV with O_DIRECT
 *   iobench tcp PEER PORT   in the guest: TCP round trips, then a stream
 *                           from PEER and a stream to PEER
 *   iobench serve PORT      in the host: the peer of "tcp", until killed
 *
 * Each measure is a fixed amount of work timed with CLOCK_MONOTONIC, so
 * that under QEMU's -icount shift=0 its nanoseconds count instructions of
 * the whole machine: ns per request is the cost of a request.  Each result
 * is one line "IOBENCH <what> k=v ..." on stdout; report.py prints them.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SEQ_BLOCK	(64 << 10)	/* sequential request size */
#define SEQ_BYTES	(16 << 20)	/* sequential bytes, each way */
#define RAND_BLOCK	4096		/* random request size */
#define RAND_REQS	1000		/* random requests, each way */
#define DISK_MIN	(32 << 20)	/* the disk must be at least this big */
#define RTT_ROUNDS	500		/* TCP round trips of one byte */
#define STREAM_BYTES	(16 << 20)	/* TCP stream, each way */
#define STREAM_BLOCK	(64 << 10)	/* the stream's writes and reads */

static void die(const char *what)
{
	fprintf(stderr, "iobench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* the same offsets in every run, whichever VMM */
static uint64_t rand_next(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 33;
}

/* one pass of NREQ requests of BS bytes, at sequential or random offsets */
static uint64_t blk_pass(int fd, void *buf, int write, int random,
			 size_t bs, int nreq, off_t size)
{
	uint64_t seed = 42, t0 = now_ns();
	int i;

	for (i = 0; i < nreq; i++) {
		off_t off = random ?
			(off_t)(rand_next(&seed) % (size / bs)) * bs :
			(off_t)i * bs;
		ssize_t n = write ? pwrite(fd, buf, bs, off) :
				    pread(fd, buf, bs, off);

		if (n != (ssize_t)bs)
			die(write ? "pwrite" : "pread");
	}
	if (write && fdatasync(fd))
		die("fdatasync");
	return now_ns() - t0;
}

static int blk(const char *dev)
{
	uint64_t sr, sw, rr, rw;
	off_t size;
	void *buf;
	int fd;

	fd = open(dev, O_RDWR | O_DIRECT);
	if (fd < 0)
		die(dev);
	size = lseek(fd, 0, SEEK_END);
	if (size < DISK_MIN) {
		fprintf(stderr, "iobench: %s has %lld bytes, wants %d\n", dev,
			(long long)size, DISK_MIN);
		return 1;
	}
	if (posix_memalign(&buf, 4096, SEQ_BLOCK))
		die("posix_memalign");
	memset(buf, 0x5a, SEQ_BLOCK);
	/* writes first, so that the reads read what is on the disk */
	sw = blk_pass(fd, buf, 1, 0, SEQ_BLOCK, SEQ_BYTES / SEQ_BLOCK, size);
	sr = blk_pass(fd, buf, 0, 0, SEQ_BLOCK, SEQ_BYTES / SEQ_BLOCK, size);
	rw = blk_pass(fd, buf, 1, 1, RAND_BLOCK, RAND_REQS, size);
	rr = blk_pass(fd, buf, 0, 1, RAND_BLOCK, RAND_REQS, size);
	printf("IOBENCH blk seq_bytes=%d seq_block=%d rand_reqs=%d rand_block=%d seqread_ns=%llu seqwrite_ns=%llu randread_ns=%llu randwrite_ns=%llu\n",
	       SEQ_BYTES, SEQ_BLOCK, RAND_REQS, RAND_BLOCK,
	       (unsigned long long)sr, (unsigned long long)sw,
	       (unsigned long long)rr, (unsigned long long)rw);
	close(fd);
	free(buf);
	return 0;
}

static void full_io(int fd, void *buf, size_t len, int write)
{
	char *p = buf;

	while (len) {
		ssize_t n = write ? send(fd, p, len, MSG_NOSIGNAL) :
				    recv(fd, p, len, 0);

		if (n <= 0)
			die(write ? "send" : "recv");
		p += n;
		len -= n;
	}
}

static int tcp_connect(const char *peer, int port, char mode)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port) };
	int fd, one = 1;

	if (inet_pton(AF_INET, peer, &a.sin_addr) != 1) {
		fprintf(stderr, "iobench: %s is not an IPv4 address\n", peer);
		exit(1);
	}
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket");
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)))
		die("connect");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	full_io(fd, &mode, 1, 1);
	return fd;
}

/* a stream of STREAM_BYTES, read (mode 'r') or written ('w'): ns */
static uint64_t tcp_stream(const char *peer, int port, char mode)
{
	static char buf[STREAM_BLOCK];
	uint64_t t0 = now_ns();
	size_t left = STREAM_BYTES;
	int fd = tcp_connect(peer, port, mode);
	char ack;

	while (left) {
		size_t n = left < sizeof(buf) ? left : sizeof(buf);

		full_io(fd, buf, n, mode == 'w');
		left -= n;
	}
	if (mode == 'w')	/* the peer has it all when it says so */
		full_io(fd, &ack, 1, 0);
	close(fd);
	return now_ns() - t0;
}

static int tcp(const char *peer, int port)
{
	uint64_t rtt, rx, tx, t0;
	char c = 'x';
	int fd, i;

	fd = tcp_connect(peer, port, 'e');
	full_io(fd, &c, 1, 1);		/* a first round trip, untimed */
	full_io(fd, &c, 1, 0);
	t0 = now_ns();
	for (i = 0; i < RTT_ROUNDS; i++) {
		full_io(fd, &c, 1, 1);
		full_io(fd, &c, 1, 0);
	}
	rtt = now_ns() - t0;
	close(fd);
	rx = tcp_stream(peer, port, 'r');
	tx = tcp_stream(peer, port, 'w');
	printf("IOBENCH tcp rtt_rounds=%d stream_bytes=%d stream_block=%d rtt_ns=%llu rx_ns=%llu tx_ns=%llu\n",
	       RTT_ROUNDS, STREAM_BYTES, STREAM_BLOCK, (unsigned long long)rtt,
	       (unsigned long long)rx, (unsigned long long)tx);
	return 0;
}

/* one connection of the peer: its first byte says what it wants */
static void serve_one(int fd)
{
	static char buf[STREAM_BLOCK];
	size_t left = STREAM_BYTES;
	char mode, ack = 'k';
	ssize_t n;

	full_io(fd, &mode, 1, 0);
	switch (mode) {
	case 'e':
		while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
			full_io(fd, buf, n, 1);
		break;
	case 'r':
		memset(buf, 0xa5, sizeof(buf));
		while (left) {
			n = left < sizeof(buf) ? left : sizeof(buf);
			full_io(fd, buf, n, 1);
			left -= n;
		}
		break;
	case 'w':
		while (left) {
			n = left < sizeof(buf) ? left : sizeof(buf);
			full_io(fd, buf, n, 0);
			left -= n;
		}
		full_io(fd, &ack, 1, 1);
		break;
	}
	close(fd);
}

static int serve(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_ANY) };
	int lfd, one = 1;

	signal(SIGCHLD, SIG_IGN);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0)
		die("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 4))
		die("bind/listen");
	for (;;) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			die("accept");
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (fork() == 0) {
			close(lfd);
			serve_one(fd);
			_exit(0);
		}
		close(fd);
	}
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "blk"))
		return blk(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "tcp"))
		return tcp(argv[2], atoi(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "serve"))
		return serve(atoi(argv[2]));
	fprintf(stderr, "usage: iobench blk DEV | tcp PEER PORT | serve PORT\n");
	return 2;
}
