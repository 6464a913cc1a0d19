// SPDX-License-Identifier: GPL-2.0-only
/*
 * palacios: run and manage Palacios virtual machines.
 *
 * A thin client of /dev/palacios (Documentation/virt/palacios/api.rst):
 * each command is one or a few ioctls, and "run" and "console" attach the
 * terminal to a VM's COM1.  Only libc and <linux/palacios.h> are needed,
 * so that it can be linked statically into an initramfs.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/palacios.h>
#include <linux/virtio_net.h>

#define DEV_PATH	"/dev/palacios"
#define DEFAULT_MEM	(16ULL << 20)
#define DEFAULT_KERNEL_MEM (256ULL << 20)	/* with -k */
#define ESCAPE_CHAR	0x01		/* Ctrl-a */
#define IO_CHUNK	4096

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MAX_PASSTHROUGH	8		/* as many as a vm takes */

static const char *const state_names[] = {
	[PALACIOS_STATE_NEW]		= "new",
	[PALACIOS_STATE_CONFIGURED]	= "configured",
	[PALACIOS_STATE_LOADED]		= "loaded",
	[PALACIOS_STATE_RUNNING]	= "running",
	[PALACIOS_STATE_PAUSED]		= "paused",
	[PALACIOS_STATE_STOPPED]	= "stopped",
	[PALACIOS_STATE_FREED]		= "freed",
};

/* Why a VM refuses an ioctl with EBUSY: "it ..." */
static const char *const state_phrases[] = {
	[PALACIOS_STATE_NEW]		= "is not configured yet",
	[PALACIOS_STATE_CONFIGURED]	= "is configured, with no image loaded",
	[PALACIOS_STATE_LOADED]		= "is loaded but not launched",
	[PALACIOS_STATE_RUNNING]	= "is running",
	[PALACIOS_STATE_PAUSED]		= "is paused",
	[PALACIOS_STATE_STOPPED]	= "has stopped",
	[PALACIOS_STATE_FREED]		= "was freed",
};

static const char *const exit_names[PALACIOS_NR_EXIT_REASONS] = {
	[PALACIOS_EXIT_CPUID]		= "cpuid",
	[PALACIOS_EXIT_MSR]		= "msr",
	[PALACIOS_EXIT_IO]		= "io",
	[PALACIOS_EXIT_MMIO]		= "mmio",
	[PALACIOS_EXIT_HLT]		= "hlt",
	[PALACIOS_EXIT_INTR]		= "intr",
	[PALACIOS_EXIT_NMI]		= "nmi",
	[PALACIOS_EXIT_VMMCALL]		= "vmmcall",
	[PALACIOS_EXIT_NPF]		= "npf",
	[PALACIOS_EXIT_EXCEPTION]	= "exception",
	[PALACIOS_EXIT_OTHER]		= "other",
};

/* The terminal, while a console is attached */
static struct termios saved_tty;
static bool tty_is_raw;
/* The console's output ended mid-line on a terminal */
static bool out_midline;

static void restore_tty(void)
{
	if (tty_is_raw) {
		tcsetattr(STDIN_FILENO, TCSADRAIN, &saved_tty);
		tty_is_raw = false;
	}
}

static void on_signal(int sig)
{
	/* SA_RESETHAND: the signal, raised again, kills us once we return */
	restore_tty();
	raise(sig);
}

/*
 * Every message goes through here: it gives the terminal back first, so
 * that a message ends a console session cleanly.
 */
static void vnote(const char *fmt, va_list ap)
{
	restore_tty();
	fflush(stdout);
	if (out_midline) {
		fputc('\n', stderr);
		out_midline = false;
	}
	fputs("palacios: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnote(fmt, ap);
	va_end(ap);
}

/* Prints "palacios: MESSAGE" and returns 1, the exit status of errors */
static int fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnote(fmt, ap);
	va_end(ap);
	return 1;
}

struct opts {
	__u64 mem;
	__u32 vcpus;
	const char *name;
	const char *image;
	const char *kernel;		/* -k: a bzImage */
	const char *initrd;		/* -i, with -k */
	const char *params;		/* -p, with -k: its command line */
	bool persistent;
	bool host;
	bool has_affinity;		/* -a: host CPUs */
	struct palacios_vm_affinity affinity;
	unsigned int nr_pt;		/* -d: host devices */
	const char *pt_arg[MAX_PASSTHROUGH];
	struct palacios_passthrough pt[MAX_PASSTHROUGH];
	unsigned int nr_disks;		/* -D: disks */
	const char *disk[PALACIOS_MAX_DISKS];
	bool disk_ro[PALACIOS_MAX_DISKS];
	const char *tap;		/* -N: the NIC's tap device */
	bool has_mac;
	__u8 mac[6];
	bool no_offload;		/* -N ...,offload=off */
	const char *chan_in;		/* -C: the virtio console's */
	const char *chan_out;
};

struct command {
	const char *name;
	int (*run)(const struct command *cmd, int argc, char **argv);
	unsigned long req;		/* the ioctl of simple commands */
	const char *args;
	const char *summary;
	const char *help;
	const char *shortopts;
	const struct option *longopts;
};

/* "NAME ARGS", with the lines of ARGS after the first indented by @indent */
static void print_synopsis(FILE *f, const struct command *cmd, int indent)
{
	const char *p = cmd->args, *nl;

	fputs(cmd->name, f);
	if (*p)
		fputc(' ', f);
	while ((nl = strchr(p, '\n'))) {
		fprintf(f, "%.*s\n%*s", (int)(nl - p), p,
			indent + (int)strlen(cmd->name) + 1, "");
		p = nl + 1;
	}
	fprintf(f, "%s\n", p);
}

static void print_help(const struct command *cmd)
{
	fputs("usage: palacios ", stdout);
	print_synopsis(stdout, cmd, strlen("usage: palacios "));
	printf("\n%c%s.\n", toupper(*cmd->summary), cmd->summary + 1);
	if (cmd->help)
		printf("\n%s", cmd->help);
}

static int usage_error(const struct command *cmd, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return fail("%s: %s (see: palacios %s --help)", cmd->name, msg,
		    cmd->name);
}

static int parse_size(const char *s, __u64 *size)
{
	static const char suffixes[] = "KMGkmg";
	unsigned long long v;
	unsigned int shift = 0;
	const char *sfx;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (*s < '0' || *s > '9' || errno)
		goto bad;
	sfx = *end ? strchr(suffixes, *end) : NULL;
	if (sfx) {
		shift = 10 * ((sfx - suffixes) % 3 + 1);
		end++;
	}
	if (*end || !v || v > (PALACIOS_MEM_MAX >> shift))
		goto bad;
	v <<= shift;
	if (v % PALACIOS_MEM_ALIGN)
		goto bad;
	*size = v;
	return 0;
bad:
	fail("invalid memory size '%s': a multiple of %lluM up to %lluG is needed",
	     s, PALACIOS_MEM_ALIGN >> 20, PALACIOS_MEM_MAX >> 30);
	return -1;
}

static int parse_vcpus(const char *s, __u32 *vcpus)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || errno || *end || !v ||
	    v > PALACIOS_MAX_VCPUS) {
		fail("invalid number of vCPUs '%s': 1 to %d are possible", s,
		     PALACIOS_MAX_VCPUS);
		return -1;
	}
	*vcpus = v;
	return 0;
}

/* A CPU list: "2", "2-5", "0,2-3" */
static int parse_affinity(const char *s, struct palacios_vm_affinity *a)
{
	const unsigned long max = PALACIOS_CPUSET_WORDS * 64 - 1;
	const char *p = s;
	unsigned long first, last;
	char *end;

	memset(a, 0, sizeof(*a));
	do {
		if (*p < '0' || *p > '9')
			goto bad;
		first = strtoul(p, &end, 10);
		last = first;
		if (*end == '-') {
			if (end[1] < '0' || end[1] > '9')
				goto bad;
			last = strtoul(end + 1, &end, 10);
		}
		if (first > last || last > max)
			goto bad;
		for (; first <= last; first++)
			a->cpus[first / 64] |= 1ULL << (first % 64);
		p = end + 1;
	} while (*end == ',');
	if (!*end)
		return 0;
bad:
	fail("invalid CPU list '%s': e.g. 2, 2-5 or 0,2-3 (CPUs 0 to %lu)", s,
	     max);
	return -1;
}

/* A port, a port range or an IRQ number: decimal, or hex with 0x */
static int parse_num(const char *s, char **end, unsigned long max,
		     unsigned long *v)
{
	errno = 0;
	*v = strtoul(s, end, 0);
	return (*s < '0' || *s > '9' || errno || *end == s || *v > max) ?
	       -1 : 0;
}

/* -d DEV: comN, or host ports and IRQ FIRST[-LAST][@IRQ[:LINE]] */
static int parse_passthrough(const char *s, struct palacios_passthrough *pt)
{
	static const unsigned int com_ports[] = PALACIOS_COM_PORTS;
	static const unsigned int com_irqs[] = PALACIOS_COM_IRQS;
	unsigned long first, last, irq, line;
	char *end = (char *)s;

	memset(pt, 0, sizeof(*pt));
	if (!strncmp(s, "com", 3) && s[3] >= '1' && s[3] <= '4' && !s[4]) {
		pt->port_first = com_ports[s[3] - '1'];
		pt->port_count = PALACIOS_COM_SIZE;
		pt->irq = com_irqs[s[3] - '1'];
		pt->line = pt->irq;
		pt->flags = PALACIOS_PT_IRQ;
		return 0;
	}
	if (*s != '@') {
		if (parse_num(s, &end, 0xffff, &first))
			goto bad;
		last = first;
		if (*end == '-' && parse_num(end + 1, &end, 0xffff, &last))
			goto bad;
		if (last < first)
			goto bad;
		pt->port_first = first;
		pt->port_count = last - first + 1;
	}
	if (*end == '@') {
		if (parse_num(end + 1, &end, INT_MAX, &irq))
			goto bad;
		line = irq;
		if (*end == ':' && parse_num(end + 1, &end, 15, &line))
			goto bad;
		pt->irq = irq;
		pt->line = line;
		pt->flags = PALACIOS_PT_IRQ;
	}
	if (*end || (!pt->port_count && !pt->flags))
		goto bad;
	return 0;
bad:
	fail("invalid device '%s': com1 to com4, or FIRST[-LAST][@IRQ[:LINE]] (e.g. 0x2f8-0x2ff@3)",
	     s);
	return -1;
}

/* FILE or FILE,ro; the file name is @arg's, cut at the comma */
static int parse_disk(char *arg, const char **file, bool *ro)
{
	char *comma = strrchr(arg, ',');

	*ro = false;
	if (comma && !strcmp(comma, ",ro")) {
		*comma = 0;
		*ro = true;
	}
	if (!*arg)
		return fail("-D needs a file: FILE or FILE,ro");
	*file = arg;
	return 0;
}

/* IN,OUT: two paths, @arg cut at the comma */
static int parse_channel(char *arg, struct opts *o)
{
	char *comma = strchr(arg, ',');

	if (!comma || comma == arg || !comma[1] || strchr(comma + 1, ','))
		return fail("-C needs two paths: IN,OUT");
	*comma = 0;
	o->chan_in = arg;
	o->chan_out = comma + 1;
	return 0;
}

/* tap=NAME[,mac=MAC][,offload=off]; NAME is @arg's, cut at the comma */
static int parse_net(char *arg, struct opts *o)
{
	char *item = strchr(arg, ','), *next;
	unsigned int b[6], i;
	char end;

	if (strncmp(arg, "tap=", 4) || arg[4] == 0 || arg[4] == ',')
		goto bad;
	if (item)
		*item++ = 0;
	for (; item; item = next) {
		next = strchr(item, ',');
		if (next)
			*next++ = 0;
		if (!strcmp(item, "offload=off")) {
			o->no_offload = true;
			continue;
		}
		if (sscanf(item, "mac=%x:%x:%x:%x:%x:%x%c", &b[0], &b[1],
			   &b[2], &b[3], &b[4], &b[5], &end) != 6)
			goto bad;
		for (i = 0; i < 6; i++) {
			if (b[i] > 0xff)
				goto bad;
			o->mac[i] = b[i];
		}
		if (o->mac[0] & 1)
			return fail("-N: %s is a multicast MAC address",
				    item + 4);
		o->has_mac = true;
	}
	if (strlen(arg + 4) >= IFNAMSIZ)
		return fail("-N: the tap's name is %d characters at most",
			    IFNAMSIZ - 1);
	o->tap = arg + 4;
	return 0;
bad:
	return fail("-N needs tap=NAME[,mac=XX:XX:XX:XX:XX:XX][,offload=off]");
}

/* Returns 0 to go on, -1 after an error, 1 after --help */
static int parse_opts(const struct command *cmd, int argc, char **argv,
		      struct opts *o)
{
	int c;

	optind = 0;
	opterr = 0;
	for (;;) {
		c = getopt_long(argc, argv, cmd->shortopts, cmd->longopts, NULL);
		switch (c) {
		case -1:
			return 0;
		case 'm':
			if (parse_size(optarg, &o->mem))
				return -1;
			break;
		case 'c':
			if (parse_vcpus(optarg, &o->vcpus))
				return -1;
			break;
		case 'a':
			if (parse_affinity(optarg, &o->affinity))
				return -1;
			o->has_affinity = true;
			break;
		case 'n':
			o->name = optarg;
			break;
		case 'I':
			o->image = optarg;
			break;
		case 'k':
			o->kernel = optarg;
			break;
		case 'i':
			o->initrd = optarg;
			break;
		case 'p':
			o->params = optarg;
			break;
		case 'P':
			o->persistent = true;
			break;
		case 'H':
			o->host = true;
			break;
		case 'd':
			if (o->nr_pt == MAX_PASSTHROUGH) {
				usage_error(cmd, "at most %d devices (-d)",
					    MAX_PASSTHROUGH);
				return -1;
			}
			if (parse_passthrough(optarg, &o->pt[o->nr_pt]))
				return -1;
			o->pt_arg[o->nr_pt++] = optarg;
			break;
		case 'D':
			if (o->nr_disks == PALACIOS_MAX_DISKS) {
				usage_error(cmd, "at most %d disks (-D)",
					    PALACIOS_MAX_DISKS);
				return -1;
			}
			if (parse_disk(optarg, &o->disk[o->nr_disks],
				       &o->disk_ro[o->nr_disks]))
				return -1;
			o->nr_disks++;
			break;
		case 'C':
			if (o->chan_in) {
				usage_error(cmd, "one virtio console (-C)");
				return -1;
			}
			if (parse_channel(optarg, o))
				return -1;
			break;
		case 'N':
			if (o->tap) {
				usage_error(cmd, "one network device (-N)");
				return -1;
			}
			if (parse_net(optarg, o))
				return -1;
			break;
		case 'h':
			print_help(cmd);
			return 1;
		case ':':
			usage_error(cmd, "option '%s' needs an argument",
				    argv[optind - 1]);
			return -1;
		default:
			if (optopt)
				usage_error(cmd, "unknown option '-%c'", optopt);
			else
				usage_error(cmd, "unknown option '%s'",
					    argv[optind - 1]);
			return -1;
		}
	}
}

/* Takes the positional arguments named in @names (NULL-terminated) */
static int take_args(const struct command *cmd, int argc, char **argv,
		     const char *const *names, const char **vals)
{
	int i;

	for (i = 0; names[i]; i++) {
		if (optind >= argc)
			return usage_error(cmd, "missing %s", names[i]);
		vals[i] = argv[optind++];
	}
	if (optind < argc)
		return usage_error(cmd, "unexpected argument '%s'",
				   argv[optind]);
	return 0;
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

static int check_name(const char *name)
{
	size_t i, len = strlen(name);

	for (i = 0; i < len; i++)
		if (!name_char(name[i]))
			break;
	if (!len || len >= PALACIOS_NAME_LEN || i < len)
		return fail("invalid vm name '%s': 1 to %d of A-Z a-z 0-9 . _ - are needed",
			    name, PALACIOS_NAME_LEN - 1);
	return 0;
}

/* A file's name without directory and extension, made valid */
static void name_from_path(const char *path, char *name)
{
	const char *base = strrchr(path, '/');
	const char *dot;
	size_t i, len;

	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	len = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	if (len > PALACIOS_NAME_LEN - 1)
		len = PALACIOS_NAME_LEN - 1;
	for (i = 0; i < len; i++)
		name[i] = name_char(base[i]) ? base[i] : '_';
	name[len] = '\0';
}

static void format_size(__u64 size, char *buf, size_t len)
{
	static const char units[] = "GMK";
	unsigned int shift = 30, i;

	if (!size) {
		snprintf(buf, len, "-");
		return;
	}
	for (i = 0; units[i]; i++, shift -= 10) {
		if (!(size & ((1ULL << shift) - 1))) {
			snprintf(buf, len, "%llu%c",
				 (unsigned long long)(size >> shift), units[i]);
			return;
		}
	}
	snprintf(buf, len, "%llu", (unsigned long long)size);
}

/* Opens /dev/palacios and checks that it speaks our API */
static int open_dev(void)
{
	int dev, version;

	dev = open(DEV_PATH, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		fail("cannot open %s: %s", DEV_PATH, strerror(errno));
		return -1;
	}
	version = ioctl(dev, PALACIOS_GET_API_VERSION);
	if (version < 0) {
		fail("cannot get the API version of %s: %s", DEV_PATH,
		     strerror(errno));
	} else if (version != PALACIOS_API_VERSION) {
		fail("kernel API version %d, tool API version %d: use the tool of the same kernel",
		     version, PALACIOS_API_VERSION);
	} else {
		return dev;
	}
	close(dev);
	return -1;
}

static int get_info(int vm, struct palacios_vm_info *info)
{
	memset(info, 0, sizeof(*info));
	if (ioctl(vm, PALACIOS_VM_GET_INFO, info) < 0)
		return -1;
	info->name[PALACIOS_NAME_LEN - 1] = '\0';
	info->stop_reason[PALACIOS_REASON_LEN - 1] = '\0';
	return 0;
}

/* Reports a failed ioctl on a VM: "cannot VERB vm NAME: why"; returns 1 */
static int vm_fail(int vm, const char *verb, const char *name)
{
	int err = errno;
	const char *why = strerror(err);
	struct palacios_vm_info info;

	switch (err) {
	case EBUSY:
		if (!get_info(vm, &info) &&
		    info.state < ARRAY_SIZE(state_phrases))
			return fail("cannot %s vm %s: it %s", verb, name,
				    state_phrases[info.state]);
		break;
	case ENODEV:
		why = "it was freed";
		break;
	case ENOEXEC:
		why = "not a valid Palacios image or too big (see the kernel log)";
		break;
	case ENOTTY:
		why = "not supported by this kernel";
		break;
	}
	return fail("cannot %s vm %s: %s", verb, name, why);
}

static int vm_ioctl(int vm, unsigned long req, void *arg, const char *verb,
		    const char *name)
{
	if (ioctl(vm, req, arg) < 0)
		return vm_fail(vm, verb, name);
	return 0;
}

static int open_vm(int dev, const char *name)
{
	struct palacios_open_vm o;
	int vm;

	if (check_name(name))
		return -1;
	memset(&o, 0, sizeof(o));
	memcpy(o.name, name, strlen(name));
	vm = ioctl(dev, PALACIOS_OPEN_VM, &o);
	if (vm >= 0)
		return vm;
	if (errno == ENOENT)
		fail("no vm named %s", name);
	else
		fail("cannot open vm %s: %s", name, strerror(errno));
	return -1;
}

/* Creates a VM; @name (may be empty) gets the name the kernel gave it */
static int create_vm(int dev, char *name, __u32 flags)
{
	struct palacios_create_vm c;
	struct palacios_vm_info info;
	int vm;

	memset(&c, 0, sizeof(c));
	memcpy(c.name, name, strlen(name));
	c.flags = flags;
	vm = ioctl(dev, PALACIOS_CREATE_VM, &c);
	if (vm < 0) {
		if (errno == EEXIST)
			fail("cannot create vm %s: a vm of that name exists",
			     name);
		else if (errno == ENOSPC)
			fail("cannot create vm %s: the host has %d vms, the most it can",
			     name, PALACIOS_MAX_VMS);
		else
			fail("cannot create vm %s: %s", name, strerror(errno));
		return -1;
	}
	if (get_info(vm, &info)) {
		vm_fail(vm, "get the state of the new", name);
		close(vm);
		return -1;
	}
	memcpy(name, info.name, PALACIOS_NAME_LEN);
	return vm;
}

static int configure_vm(int vm, const char *name, const struct opts *o)
{
	struct palacios_vm_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.mem_size = o->mem;
	cfg.nr_vcpus = o->vcpus;
	if (vm_ioctl(vm, PALACIOS_VM_CONFIGURE, &cfg, "configure", name))
		return 1;
	if (!o->has_affinity ||
	    !ioctl(vm, PALACIOS_VM_SET_AFFINITY, &o->affinity))
		return 0;
	if (errno == EINVAL)
		return fail("cannot set the CPUs of vm %s: the list names a CPU that is not online",
			    name);
	return fail("cannot set the CPUs of vm %s: %s", name, strerror(errno));
}

/* The owner of a host port of [@first, @last] in /proc/ioports, if any */
static bool ports_holder(unsigned int first, unsigned int last, char *who,
			 size_t len)
{
	FILE *f = fopen("/proc/ioports", "r");
	unsigned int a, b;
	char line[256];
	bool found = false;

	while (f && fgets(line, sizeof(line), f)) {
		char *name = strstr(line, " : ");

		if (!name || sscanf(line, " %x-%x", &a, &b) != 2 ||
		    a > last || b < first)
			continue;
		/* the last match is the innermost: a driver inside a bus */
		name[strcspn(name, "\n")] = '\0';
		snprintf(who, len, "%s (ports %04x-%04x)", name + 3, a, b);
		found = true;
	}
	if (f)
		fclose(f);
	return found;
}

/* The owner of host IRQ @irq in /proc/interrupts, if any */
static bool irq_holder(unsigned int irq, char *who, size_t len)
{
	FILE *f = fopen("/proc/interrupts", "r");
	char line[512], *p;
	unsigned int n;
	bool found = false;

	while (!found && f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %u:", &n) != 1 || n != irq)
			continue;
		line[strcspn(line, "\n")] = '\0';
		p = strrchr(line, ' ');
		snprintf(who, len, "%s", p ? p + 1 : "a host driver");
		found = true;
	}
	if (f)
		fclose(f);
	return found;
}

/* Gives each -d device to the vm; returns 0, or 1 after an error */
static int passthrough_vm(int vm, const char *name, const struct opts *o)
{
	unsigned int i;

	for (i = 0; i < o->nr_pt; i++) {
		const struct palacios_passthrough *pt = &o->pt[i];
		unsigned int last = pt->port_first + pt->port_count - 1;
		const char *dev = o->pt_arg[i];
		char who[128];

		if (ioctl(vm, PALACIOS_VM_PASSTHROUGH, pt) >= 0)
			continue;
		switch (errno) {
		case EBUSY:
			if (pt->port_count &&
			    ports_holder(pt->port_first, last, who, sizeof(who)))
				return fail("cannot pass %s to vm %s: the host's %s has it",
					    dev, name, who);
			if (pt->flags && irq_holder(pt->irq, who, sizeof(who)))
				return fail("cannot pass %s to vm %s: IRQ %u is the host's %s's",
					    dev, name, pt->irq, who);
			break;
		case EEXIST:
			return fail("cannot pass %s to vm %s: %s (ports or line %u)",
				    dev, name, "the vm has a device there",
				    pt->line);
		case EINVAL:
			return fail("cannot pass %s to vm %s: it overlaps another -d (%s)",
				    dev, name,
				    pt->flags ? "ports, IRQ or line" : "ports");
		case ENXIO:
			return fail("cannot pass %s to vm %s: the host has no IRQ %u",
				    dev, name, pt->irq);
		case EPERM:
			return fail("cannot pass %s to vm %s: it needs CAP_SYS_RAWIO",
				    dev, name);
		case ENOSPC:
			return fail("cannot pass %s to vm %s: a vm takes at most %d devices",
				    dev, name, MAX_PASSTHROUGH);
		}
		snprintf(who, sizeof(who), "pass %s to", dev);
		return vm_fail(vm, who, name);
	}
	return 0;
}

/* Gives each -D disk to the vm; returns 0, or 1 after an error */
static int disks_vm(int vm, const char *name, const struct opts *o)
{
	unsigned int i;

	for (i = 0; i < o->nr_disks; i++) {
		const char *path = o->disk[i];
		struct palacios_disk d = { 0 };
		int fd, err;

		fd = open(path, (o->disk_ro[i] ? O_RDONLY : O_RDWR) | O_CLOEXEC);
		if (fd < 0)
			return fail("cannot open disk %s: %s", path,
				    strerror(errno));
		d.fd = fd;
		d.flags = o->disk_ro[i] ? PALACIOS_DISK_RO : 0;
		err = ioctl(vm, PALACIOS_VM_ADD_DISK, &d) < 0 ? errno : 0;
		close(fd);
		switch (err) {
		case 0:
			continue;
		case EINVAL:
			return fail("cannot give %s to vm %s: %s", path, name,
				    "not a file or block device of 512 bytes or more");
		case ENOSPC:
			return fail("cannot give %s to vm %s: a vm takes at most %d disks",
				    path, name, PALACIOS_MAX_DISKS);
		case EBUSY:
			return fail("cannot give %s to vm %s: in use, %s", path,
				    name, "as a disk of a vm or by the host (mounted)");
		}
		errno = err;
		return vm_fail(vm, "give a disk to", name);
	}
	return 0;
}

/*
 * Gives the vm its -N network device: the tap NAME, made if it does not
 * exist (then it goes when the vm is freed, its last user).  Returns 0,
 * or 1 after an error.
 */
static int net_vm(int vm, const char *name, const struct opts *o)
{
	struct palacios_nic n = { 0 };
	struct ifreq ifr = { 0 };
	int fd, err, hdr = sizeof(struct virtio_net_hdr_v1);

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return fail("cannot open /dev/net/tun: %s", strerror(errno));
	/* with virtio-net headers, for the offloads, unless told not to */
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (o->no_offload ? 0 : IFF_VNET_HDR);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", o->tap);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 ||
	    (!o->no_offload && ioctl(fd, TUNSETVNETHDRSZ, &hdr) < 0)) {
		err = errno;
		close(fd);
		return fail("cannot attach to tap %s: %s%s", o->tap,
			    strerror(err), err == EINVAL ?
			    " (a tun device, or a tap with other flags?)" : "");
	}
	n.fd = fd;
	n.flags = (o->has_mac ? PALACIOS_NIC_MAC : 0) |
		  (o->no_offload ? 0 : PALACIOS_NIC_VNET_HDR);
	memcpy(n.mac, o->mac, sizeof(n.mac));
	err = ioctl(vm, PALACIOS_VM_ADD_NIC, &n) < 0 ? errno : 0;
	close(fd);
	switch (err) {
	case 0:
		return 0;
	case EBUSY:
		return fail("cannot give tap %s to vm %s: %s", o->tap, name,
			    "its queue is a vm's network device already");
	}
	errno = err;
	return vm_fail(vm, "give a network device to", name);
}

/*
 * Gives the vm its -C virtio console: IN and OUT, FIFOs (or pipes, as
 * /dev/fd/N), opened both ways so that the vm never sees an end of file
 * or a closed reader.  Returns 0, or 1 after an error.
 */
static int channel_vm(int vm, const char *name, const struct opts *o)
{
	struct palacios_channel c = { 0 };
	int err = 0;

	c.in_fd = open(o->chan_in, O_RDWR | O_CLOEXEC);
	if (c.in_fd < 0)
		return fail("cannot open %s: %s", o->chan_in, strerror(errno));
	c.out_fd = open(o->chan_out, O_RDWR | O_CLOEXEC);
	if (c.out_fd < 0) {
		err = errno;
		close(c.in_fd);
		return fail("cannot open %s: %s", o->chan_out, strerror(err));
	}
	if (ioctl(vm, PALACIOS_VM_ADD_CHANNEL, &c) < 0)
		err = errno;
	close(c.in_fd);
	close(c.out_fd);
	if (err == EINVAL)
		return fail("cannot give %s,%s to vm %s: %s", o->chan_in,
			    o->chan_out, name, "not FIFOs, pipes or sockets");
	errno = err;
	return err ? vm_fail(vm, "give a virtio console to", name) : 0;
}

/*
 * Reads @path, a @what of at most @max bytes, into a buffer of its own.
 * Returns 0, or 1 after an error.
 */
static int read_file(const char *path, const char *what, size_t max,
		     char **bufp, size_t *lenp)
{
	size_t len = 0, room = 0;
	char *buf = NULL, *p;
	struct stat st;
	ssize_t n;
	int fd, ret = 1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail("cannot open %s: %s", path, strerror(errno));
	if (!fstat(fd, &st) && S_ISREG(st.st_mode)) {
		if ((unsigned long long)st.st_size > max)
			goto too_big;
		room = st.st_size + 1;
		buf = malloc(room);
		if (!buf) {
			fail("%s: %s", path, strerror(errno));
			goto out;
		}
	}
	for (;;) {
		if (len == room) {
			if (room > max)
				goto too_big;
			room = room ? 2 * room : 1U << 20;
			if (room > max)
				room = max + 1;
			p = realloc(buf, room);
			if (!p) {
				fail("%s: %s", path, strerror(errno));
				goto out;
			}
			buf = p;
		}
		n = read(fd, buf + len, room - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fail("cannot read %s: %s", path, strerror(errno));
			goto out;
		}
		if (!n)
			break;
		len += n;
	}
	if (!len) {
		fail("%s: the %s is empty", path, what);
		goto out;
	}
	*bufp = buf;
	*lenp = len;
	buf = NULL;
	ret = 0;
	goto out;
too_big:
	fail("%s: the %s is too big: Palacios takes at most %zuM", path, what,
	     max >> 20);
out:
	free(buf);
	close(fd);
	return ret;
}

/* What is loaded into a vm: an image, or a kernel and its initrd */
struct guest {
	char *image;		/* the image or the kernel */
	size_t image_len;
	char *initrd;
	size_t initrd_len;
};

static void free_guest(struct guest *g)
{
	free(g->image);
	free(g->initrd);
	memset(g, 0, sizeof(*g));
}

/* Reads the files of @o into @g; returns 0, or 1 after an error */
static int read_guest(const struct opts *o, struct guest *g)
{
	int ret = 0;

	memset(g, 0, sizeof(*g));
	if (o->kernel) {
		ret = read_file(o->kernel, "kernel", PALACIOS_IMAGE_MAX,
				&g->image, &g->image_len);
		if (!ret && o->initrd)
			ret = read_file(o->initrd, "initrd", PALACIOS_INITRD_MAX,
					&g->initrd, &g->initrd_len);
	} else if (o->image) {
		ret = read_file(o->image, "image", PALACIOS_IMAGE_MAX,
				&g->image, &g->image_len);
	}
	if (ret)
		free_guest(g);
	return ret;
}

/* One PALACIOS_VM_LOAD of @what (a file, or the command line) */
static int load_one(int vm, const char *name, __u32 kind, const char *what,
		    const char *data, size_t len)
{
	struct palacios_vm_load ld;
	char verb[PATH_MAX + 16];

	memset(&ld, 0, sizeof(ld));
	ld.kind = kind;
	ld.addr = (__u64)(uintptr_t)data;
	ld.size = len;
	if (ioctl(vm, PALACIOS_VM_LOAD, &ld) >= 0)
		return 0;
	if (errno == ENOEXEC && kind == PALACIOS_LOAD_KERNEL)
		return fail("cannot load %s into vm %s: %s", what, name,
			    "not a bzImage this Palacios can boot (see the kernel log)");
	snprintf(verb, sizeof(verb), "load %s into", what);
	return vm_fail(vm, verb, name);
}

/*
 * Loads what @o names into the configured vm: an image, or the command
 * line, the initrd and then the kernel, which boots with them.
 */
static int load_guest(int vm, const char *name, const struct opts *o,
		      const struct guest *g)
{
	if (!o->kernel)
		return load_one(vm, name, PALACIOS_LOAD_IMAGE, o->image,
				g->image, g->image_len);
	if (o->params &&
	    load_one(vm, name, PALACIOS_LOAD_CMDLINE, "the command line",
		     o->params, strlen(o->params)))
		return 1;
	if (o->initrd &&
	    load_one(vm, name, PALACIOS_LOAD_INITRD, o->initrd, g->initrd,
		     g->initrd_len))
		return 1;
	return load_one(vm, name, PALACIOS_LOAD_KERNEL, o->kernel, g->image,
			g->image_len);
}

/*
 * Checks the guest options: -i and -p go with -k, which excludes an image;
 * @needed: one of them must be given.  Sets the default memory size.
 */
static int check_guest(const struct command *cmd, struct opts *o,
		       bool needed)
{
	size_t len;

	if (!o->kernel && (o->initrd || o->params))
		return usage_error(cmd,
				   "%s needs -k BZIMAGE (an image is given as IMAGE or --image)",
				   o->initrd ? "-i INITRD" : "-p CMDLINE");
	if (o->kernel && o->image)
		return usage_error(cmd, "an image and -k BZIMAGE exclude each other");
	if (needed && !o->kernel && !o->image)
		return usage_error(cmd, "missing IMAGE (or -k BZIMAGE)");
	if (o->params) {
		len = strlen(o->params);
		if (!len)
			return fail("the kernel command line (-p) is empty");
		if (len > PALACIOS_CMDLINE_MAX)
			return fail("the kernel command line is %zu bytes, more than %d",
				    len, PALACIOS_CMDLINE_MAX);
	}
	if (!o->mem)
		o->mem = o->kernel ? DEFAULT_KERNEL_MEM : DEFAULT_MEM;
	return 0;
}

/* Takes the image as the last argument, unless --image or -k gave one */
static int take_guest(const struct command *cmd, int argc, char **argv,
		      struct opts *o)
{
	if (!o->image && optind < argc)
		o->image = argv[optind++];
	if (optind < argc)
		return usage_error(cmd, "unexpected argument '%s'",
				   argv[optind]);
	return check_guest(cmd, o, true);
}

/* The console, while attached */
struct console {
	int fd;
	const char *name;
	bool in_tty;		/* stdin is a terminal */
	bool in_open;		/* stdin is not at its end */
	bool out_tty;		/* stdout is a terminal */
	bool guest_open;	/* the guest still takes input */
	bool escape;		/* the last byte typed was Ctrl-a */
	size_t len;		/* input waiting in @buf for the guest */
	char buf[IO_CHUNK];
};

enum { ATTACH_ERROR = -1, ATTACH_ON, ATTACH_STOPPED, ATTACH_DETACHED };

static int make_raw(void)
{
	static const int sigs[] = { SIGHUP, SIGINT, SIGTERM, SIGQUIT };
	struct sigaction sa;
	struct termios t;
	unsigned int i;

	if (tcgetattr(STDIN_FILENO, &saved_tty) < 0)
		return fail("cannot get the terminal's mode: %s",
			    strerror(errno));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, NULL);

	t = saved_tty;
	t.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR |
		       ICRNL | IXON);
	t.c_oflag &= ~OPOST;
	t.c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t.c_cflag &= ~(CSIZE | PARENB);
	t.c_cflag |= CS8;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	tty_is_raw = true;
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &t) < 0) {
		tty_is_raw = false;
		return fail("cannot set the terminal's mode: %s",
			    strerror(errno));
	}
	return 0;
}

static int write_all(int fd, const char *buf, size_t len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	ssize_t n;

	while (len) {
		n = write(fd, buf, len);
		if (n > 0) {
			buf += n;
			len -= n;
		} else if (n < 0 && errno == EAGAIN) {
			if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
				return -1;
		} else if (n < 0 && errno != EINTR) {
			return -1;
		}
	}
	return 0;
}

static void queue_input(struct console *c, char ch)
{
	/* A terminal's input is dropped while the guest does not take it */
	if (c->guest_open && c->len < sizeof(c->buf))
		c->buf[c->len++] = ch;
}

/* Queues typed bytes for the guest; returns true on Ctrl-a x */
static bool feed_input(struct console *c, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!c->escape) {
			if (p[i] == ESCAPE_CHAR)
				c->escape = true;
			else
				queue_input(c, p[i]);
			continue;
		}
		c->escape = false;
		if (p[i] == 'x')
			return true;
		queue_input(c, ESCAPE_CHAR);
		if (p[i] != ESCAPE_CHAR)
			queue_input(c, p[i]);
	}
	return false;
}

static int console_output(struct console *c, bool hup)
{
	char buf[IO_CHUNK];
	ssize_t n;

	n = read(c->fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return hup ? ATTACH_STOPPED : ATTACH_ON;
	if (n < 0) {
		fail("cannot read the console of vm %s: %s", c->name,
		     strerror(errno));
		return ATTACH_ERROR;
	}
	if (!n)
		return ATTACH_STOPPED;
	if (write_all(STDOUT_FILENO, buf, n)) {
		fail("cannot write to stdout: %s", strerror(errno));
		return ATTACH_ERROR;
	}
	out_midline = c->out_tty && buf[n - 1] != '\n';
	return ATTACH_ON;
}

static int console_input(struct console *c)
{
	ssize_t n;

	n = write(c->fd, c->buf, c->len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return ATTACH_ON;
	if (n < 0 && errno == EPIPE) {
		/* The guest stopped: its output ends soon */
		c->guest_open = false;
		c->len = 0;
		return ATTACH_ON;
	}
	if (n < 0) {
		fail("cannot write to the console of vm %s: %s", c->name,
		     strerror(errno));
		return ATTACH_ERROR;
	}
	c->len -= n;
	memmove(c->buf, c->buf + n, c->len);
	return ATTACH_ON;
}

static int stdin_input(struct console *c)
{
	char buf[IO_CHUNK];
	size_t room = sizeof(buf);
	ssize_t n;

	/* Input that is not typed waits for the guest rather than drop */
	if (!c->in_tty && c->guest_open)
		room = sizeof(c->buf) - c->len - 1;
	n = read(STDIN_FILENO, buf, room);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return ATTACH_ON;
	if (n < 0) {
		fail("cannot read stdin: %s", strerror(errno));
		return ATTACH_ERROR;
	}
	if (!n) {
		c->in_open = false;
		if (c->escape)
			queue_input(c, ESCAPE_CHAR);
		return ATTACH_ON;
	}
	return feed_input(c, buf, n) ? ATTACH_DETACHED : ATTACH_ON;
}

/* Copies the console to stdout and stdin to it, until EOF or Ctrl-a x */
static int attach(int fd, const char *name)
{
	struct console c;
	struct pollfd pfd[2];
	int flags, ret = ATTACH_ON;

	memset(&c, 0, sizeof(c));
	c.fd = fd;
	c.name = name;
	c.guest_open = true;
	c.in_open = fcntl(STDIN_FILENO, F_GETFL) >= 0;
	c.in_tty = c.in_open && isatty(STDIN_FILENO);
	c.out_tty = isatty(STDOUT_FILENO);
	signal(SIGPIPE, SIG_IGN);

	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		fail("cannot set up the console of vm %s: %s", name,
		     strerror(errno));
		return ATTACH_ERROR;
	}
	if (c.in_tty) {
		note("console of vm %s; Ctrl-a x detaches", name);
		if (make_raw())
			return ATTACH_ERROR;
	}

	while (ret == ATTACH_ON) {
		pfd[0].fd = fd;
		pfd[0].events = POLLIN | (c.len ? POLLOUT : 0);
		pfd[0].revents = 0;
		pfd[1].fd = -1;
		if (c.in_open && (c.in_tty || c.len + 1 < sizeof(c.buf)))
			pfd[1].fd = STDIN_FILENO;
		pfd[1].events = POLLIN;
		pfd[1].revents = 0;
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			fail("cannot poll the console of vm %s: %s", name,
			     strerror(errno));
			return ATTACH_ERROR;
		}
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))
			ret = console_output(&c, pfd[0].revents & POLLHUP);
		if (ret == ATTACH_ON && (pfd[0].revents & POLLOUT) && c.len)
			ret = console_input(&c);
		if (ret == ATTACH_ON && (pfd[1].revents & POLLNVAL))
			c.in_open = false;
		else if (ret == ATTACH_ON &&
			 (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)))
			ret = stdin_input(&c);
	}
	/* What was typed before Ctrl-a x still goes, if it can */
	if (ret == ATTACH_DETACHED && c.len)
		console_input(&c);
	restore_tty();
	return ret;
}

/* Did the guest end well: "exited with code 0", or powered off? */
static bool exited_ok(const char *reason)
{
	static const char ok[] = "exited with code 0";

	if (!strcmp(reason, "shutdown"))
		return true;
	return !strncmp(reason, ok, sizeof(ok) - 1) &&
	       (reason[sizeof(ok) - 1] < '0' || reason[sizeof(ok) - 1] > '9');
}

/*
 * Attaches to the console of @vm and reports how it ended: 0 on detach,
 * when the guest exited with code 0 or powered off, 2 when it stopped
 * otherwise.
 */
static int console_session(int vm, const char *name, bool from_run)
{
	struct palacios_vm_info info;
	bool persistent;
	int con, ret;

	if (get_info(vm, &info))
		return vm_fail(vm, "get the state of", name);
	persistent = info.flags & PALACIOS_VM_PERSISTENT;
	con = ioctl(vm, PALACIOS_VM_GET_CONSOLE);
	if (con < 0)
		return vm_fail(vm, "get the console of", name);
	ret = attach(con, name);
	close(con);
	if (ret == ATTACH_ERROR)
		return 1;
	if (ret == ATTACH_DETACHED) {
		if (persistent)
			note("detached from vm %s; reattach with: palacios console %s",
			     name, name);
		else if (from_run)
			note("detached; vm %s is freed (not --persistent)",
			     name);
		else
			note("detached from vm %s", name);
		return 0;
	}
	if (get_info(vm, &info))
		return vm_fail(vm, "get the state of", name);
	if (info.state == PALACIOS_STATE_FREED) {
		/* a guest named at boot is freed as soon as it stops */
		if (!info.stop_reason[0]) {
			note("vm %s was freed", name);
			return 2;
		}
		note("vm %s stopped: %s; it was freed", name,
		     info.stop_reason);
		return exited_ok(info.stop_reason) ? 0 : 2;
	}
	if (!info.stop_reason[0]) {
		note("vm %s stopped", name);
		return 2;
	}
	note("vm %s stopped: %s", name, info.stop_reason);
	return exited_ok(info.stop_reason) ? 0 : 2;
}

static int cmd_run(const struct command *cmd, int argc, char **argv)
{
	struct opts o = { .vcpus = 1 };
	char name[PALACIOS_NAME_LEN];
	struct guest g;
	int dev, vm, ret;

	ret = parse_opts(cmd, argc, argv, &o);
	if (ret)
		return ret < 0;
	if (take_guest(cmd, argc, argv, &o))
		return 1;
	if (o.name && check_name(o.name))
		return 1;
	if (o.name)
		snprintf(name, sizeof(name), "%s", o.name);
	else
		name_from_path(o.kernel ? o.kernel : o.image, name);

	if (read_guest(&o, &g))
		return 1;
	dev = open_dev();
	vm = dev < 0 ? -1 :
	     create_vm(dev, name, o.persistent ? PALACIOS_VM_PERSISTENT : 0);
	if (vm < 0) {
		free_guest(&g);
		return 1;
	}
	ret = configure_vm(vm, name, &o);
	if (!ret && o.nr_pt)
		ret = passthrough_vm(vm, name, &o);
	if (!ret && o.nr_disks)
		ret = disks_vm(vm, name, &o);
	if (!ret && o.tap)
		ret = net_vm(vm, name, &o);
	if (!ret && o.chan_in)
		ret = channel_vm(vm, name, &o);
	if (!ret)
		ret = load_guest(vm, name, &o, &g);
	free_guest(&g);
	if (!ret)
		ret = vm_ioctl(vm, PALACIOS_VM_LAUNCH, NULL, "launch", name);
	if (ret) {
		/* Leave nothing behind, even when persistent */
		ioctl(vm, PALACIOS_VM_FREE);
		return ret;
	}
	return console_session(vm, name, true);
}

static int cmd_create(const struct command *cmd, int argc, char **argv)
{
	static const char *const names[] = { "NAME", NULL };
	struct opts o = { .vcpus = 1 };
	char name[PALACIOS_NAME_LEN];
	const char *arg;
	struct guest g;
	int dev, vm, ret;

	ret = parse_opts(cmd, argc, argv, &o);
	if (ret)
		return ret < 0;
	if (take_args(cmd, argc, argv, names, &arg) ||
	    check_guest(cmd, &o, false) || check_name(arg))
		return 1;
	snprintf(name, sizeof(name), "%s", arg);
	if (read_guest(&o, &g))
		return 1;
	dev = open_dev();
	vm = dev < 0 ? -1 : create_vm(dev, name, PALACIOS_VM_PERSISTENT);
	if (vm < 0) {
		free_guest(&g);
		return 1;
	}
	ret = configure_vm(vm, name, &o);
	if (!ret && o.nr_pt)
		ret = passthrough_vm(vm, name, &o);
	if (!ret && o.nr_disks)
		ret = disks_vm(vm, name, &o);
	if (!ret && o.tap)
		ret = net_vm(vm, name, &o);
	if (!ret && o.chan_in)
		ret = channel_vm(vm, name, &o);
	if (!ret && (o.image || o.kernel))
		ret = load_guest(vm, name, &o, &g);
	free_guest(&g);
	if (ret)
		ioctl(vm, PALACIOS_VM_FREE);
	return ret;
}

static int cmd_load(const struct command *cmd, int argc, char **argv)
{
	struct opts o = { 0 };
	const char *name;
	struct guest g;
	int dev, vm, ret;

	ret = parse_opts(cmd, argc, argv, &o);
	if (ret)
		return ret < 0;
	if (optind >= argc)
		return usage_error(cmd, "missing NAME");
	name = argv[optind++];
	if (take_guest(cmd, argc, argv, &o))
		return 1;
	if (read_guest(&o, &g))
		return 1;
	dev = open_dev();
	vm = dev < 0 ? -1 : open_vm(dev, name);
	ret = vm < 0 ? 1 : load_guest(vm, name, &o, &g);
	free_guest(&g);
	return ret;
}

/* Opens the VM named by the only argument */
static int open_vm_arg(const struct command *cmd, int argc, char **argv,
		       struct opts *o, const char **name)
{
	static const char *const names[] = { "NAME", NULL };
	int dev, ret;

	ret = parse_opts(cmd, argc, argv, o);
	if (ret)
		return ret < 0 ? -1 : -2;
	if (take_args(cmd, argc, argv, names, name))
		return -1;
	dev = open_dev();
	if (dev < 0)
		return -1;
	return open_vm(dev, *name);
}

/* launch, pause, resume, stop and free: one ioctl */
static int cmd_vm_op(const struct command *cmd, int argc, char **argv)
{
	struct opts o = { 0 };
	const char *name;
	int vm;

	vm = open_vm_arg(cmd, argc, argv, &o, &name);
	if (vm < 0)
		return vm == -1;
	return vm_ioctl(vm, cmd->req, NULL, cmd->name, name);
}

static int cmd_console(const struct command *cmd, int argc, char **argv)
{
	struct opts o = { 0 };
	const char *name;
	int vm;

	vm = open_vm_arg(cmd, argc, argv, &o, &name);
	if (vm < 0)
		return vm == -1;
	return console_session(vm, name, false);
}

static void print_ms(const char *what, unsigned long long ns)
{
	printf("%-12s %12llu.%03llu ms\n", what, ns / 1000000,
	       ns / 1000 % 1000);
}

static int cmd_stats(const struct command *cmd, int argc, char **argv)
{
	struct palacios_vm_stats st;
	struct opts o = { 0 };
	unsigned long long total = 0;
	const char *name;
	unsigned int i;
	int vm;

	vm = open_vm_arg(cmd, argc, argv, &o, &name);
	if (vm < 0)
		return vm == -1;
	memset(&st, 0, sizeof(st));
	if (vm_ioctl(vm, PALACIOS_VM_GET_STATS, &st, "get the statistics of",
		     name))
		return 1;
	for (i = 0; i < ARRAY_SIZE(st.exits); i++) {
		if (!st.exits[i])
			continue;
		total += st.exits[i];
		if (i < ARRAY_SIZE(exit_names))
			printf("%-12s %16llu\n", exit_names[i],
			       (unsigned long long)st.exits[i]);
		else
			printf("exit %-7u %16llu\n", i,
			       (unsigned long long)st.exits[i]);
	}
	printf("%-12s %16llu\n", "total", total);
	print_ms("guest time", st.guest_ns);
	print_ms("vmm time", st.vmm_ns);
	print_ms("halted time", st.halted_ns);
	return 0;
}

static int print_host(int dev)
{
	struct palacios_host_info h;

	memset(&h, 0, sizeof(h));
	if (ioctl(dev, PALACIOS_GET_HOST_INFO, &h) < 0)
		return fail("cannot get the host's state: %s", strerror(errno));
	h.backend[sizeof(h.backend) - 1] = '\0';
	printf("host: API version %u, backend %s, %u CPUs, %llu pages held, %u vms\n",
	       h.api_version, h.backend, h.nr_cpus,
	       (unsigned long long)h.pages, h.nr_vms);
	return 0;
}

static int cmd_list(const struct command *cmd, int argc, char **argv)
{
	static const char *const names[] = { NULL };
	struct palacios_vm_info *vms = NULL, *p;
	struct palacios_vm_list l;
	struct opts o = { 0 };
	__u32 i, room = 0;
	int dev, ret, width = 4, idw = 2;
	char mem[24], vcpus[16], owner[16];

	ret = parse_opts(cmd, argc, argv, &o);
	if (ret)
		return ret < 0;
	if (take_args(cmd, argc, argv, names, NULL))
		return 1;
	dev = open_dev();
	if (dev < 0 || (o.host && print_host(dev)))
		return 1;
	for (;;) {
		memset(&l, 0, sizeof(l));
		l.nr = room;
		l.vms = (__u64)(uintptr_t)vms;
		if (ioctl(dev, PALACIOS_LIST_VMS, &l) < 0) {
			free(vms);
			return fail("cannot list the vms: %s", strerror(errno));
		}
		if (l.nr <= room)
			break;
		/* Room for a few more, should VMs come meanwhile */
		room = l.nr + 4;
		p = realloc(vms, room * sizeof(*vms));
		if (!p) {
			free(vms);
			return fail("cannot list the vms: %s", strerror(errno));
		}
		vms = p;
	}
	for (i = 0; i < l.nr; i++) {
		vms[i].name[PALACIOS_NAME_LEN - 1] = '\0';
		vms[i].stop_reason[PALACIOS_REASON_LEN - 1] = '\0';
		if ((int)strlen(vms[i].name) > width)
			width = strlen(vms[i].name);
		ret = snprintf(mem, sizeof(mem), "%u", vms[i].id);
		if (ret > idw)
			idw = ret;
	}
	printf("%-*s %*s %-10s %6s %5s %-6s %s\n", width, "NAME", idw, "ID",
	       "STATE", "MEMORY", "VCPUS", "OWNER", "REASON");
	for (i = 0; i < l.nr; i++) {
		p = &vms[i];
		format_size(p->mem_size, mem, sizeof(mem));
		snprintf(vcpus, sizeof(vcpus), p->nr_vcpus ? "%u" : "-",
			 p->nr_vcpus);
		if (p->owner == PALACIOS_OWNER_KERNEL)
			snprintf(owner, sizeof(owner), "kernel");
		else
			snprintf(owner, sizeof(owner), "%u", p->owner);
		printf("%-*s %*u %-10s %6s %5s %-6s %s\n", width, p->name, idw,
		       p->id, p->state < ARRAY_SIZE(state_names) ?
		       state_names[p->state] : "?", mem, vcpus, owner,
		       p->stop_reason[0] ? p->stop_reason : "-");
	}
	free(vms);
	return 0;
}

static int cmd_version(const struct command *cmd, int argc, char **argv)
{
	static const char *const names[] = { NULL };
	struct opts o = { 0 };
	int dev, version, ret;

	ret = parse_opts(cmd, argc, argv, &o);
	if (ret)
		return ret < 0;
	if (take_args(cmd, argc, argv, names, NULL))
		return 1;
	printf("palacios tool: API version %d\n", PALACIOS_API_VERSION);
	dev = open(DEV_PATH, O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return fail("cannot open %s: %s", DEV_PATH, strerror(errno));
	version = ioctl(dev, PALACIOS_GET_API_VERSION);
	if (version < 0)
		return fail("cannot get the API version of %s: %s", DEV_PATH,
			    strerror(errno));
	printf("kernel: API version %d\n", version);
	if (version != PALACIOS_API_VERSION)
		return fail("the API versions differ: use the palacios tool of the same kernel");
	return 0;
}

static const struct option help_only[] = {
	{ "help", no_argument, NULL, 'h' },
	{ }
};

static const struct option run_opts[] = {
	{ "memory", required_argument, NULL, 'm' },
	{ "cpus", required_argument, NULL, 'c' },
	{ "affinity", required_argument, NULL, 'a' },
	{ "name", required_argument, NULL, 'n' },
	{ "kernel", required_argument, NULL, 'k' },
	{ "initrd", required_argument, NULL, 'i' },
	{ "params", required_argument, NULL, 'p' },
	{ "image", required_argument, NULL, 'I' },
	{ "persistent", no_argument, NULL, 'P' },
	{ "passthrough", required_argument, NULL, 'd' },
	{ "disk", required_argument, NULL, 'D' },
	{ "net", required_argument, NULL, 'N' },
	{ "channel", required_argument, NULL, 'C' },
	{ "help", no_argument, NULL, 'h' },
	{ }
};

static const struct option create_opts[] = {
	{ "memory", required_argument, NULL, 'm' },
	{ "cpus", required_argument, NULL, 'c' },
	{ "affinity", required_argument, NULL, 'a' },
	{ "passthrough", required_argument, NULL, 'd' },
	{ "disk", required_argument, NULL, 'D' },
	{ "net", required_argument, NULL, 'N' },
	{ "channel", required_argument, NULL, 'C' },
	{ "kernel", required_argument, NULL, 'k' },
	{ "initrd", required_argument, NULL, 'i' },
	{ "params", required_argument, NULL, 'p' },
	{ "image", required_argument, NULL, 'I' },
	{ "help", no_argument, NULL, 'h' },
	{ }
};

static const struct option load_opts[] = {
	{ "kernel", required_argument, NULL, 'k' },
	{ "initrd", required_argument, NULL, 'i' },
	{ "params", required_argument, NULL, 'p' },
	{ "image", required_argument, NULL, 'I' },
	{ "help", no_argument, NULL, 'h' },
	{ }
};

static const struct option list_opts[] = {
	{ "host", no_argument, NULL, 'H' },
	{ "help", no_argument, NULL, 'h' },
	{ }
};

#define VM_OPTIONS \
	"  -m, --memory SIZE     guest memory: a multiple of 2M, at most 64G, with\n" \
	"                        a K, M or G suffix (default: 16M, 256M with -k)\n" \
	"  -c, --cpus N          number of vCPUs, 1 to 64 (default: 1)\n" \
	"  -a, --affinity CPUS   host CPUs the vCPUs may run on, e.g. 2-5 or\n" \
	"                        0,2 (default: any); one vCPU per CPU as far as\n" \
	"                        they go, the least loaded first\n" \
	"  -D, --disk FILE[,ro]  give the vm FILE (a file or block device) as a\n" \
	"                        virtio disk, read-only with ,ro; repeatable, up\n" \
	"                        to 3\n" \
	"  -N, --net tap=NAME[,mac=MAC][,offload=off]\n" \
	"                        give the vm a virtio network device on the host's\n" \
	"                        tap device NAME (made if it does not exist), with\n" \
	"                        MAC (default: a random one); checksum and TCP\n" \
	"                        segmentation offloads unless offload=off\n" \
	"  -C, --channel IN,OUT  give the vm a virtio console (/dev/hvc0 in a\n" \
	"                        Linux guest): what is written to IN (a FIFO, or\n" \
	"                        a pipe as /dev/fd/N) goes to the guest, what the\n" \
	"                        guest writes comes out of OUT\n" \
	"  -d, --passthrough DEV give the host device DEV to the vm: com1 to\n" \
	"                        com4, or FIRST[-LAST][@IRQ[:LINE]], host ports\n" \
	"                        and IRQ, on the guest's ISA line LINE (default:\n" \
	"                        IRQ); repeatable, up to 8\n"

#define KERNEL_OPTIONS \
	"  -k, --kernel BZIMAGE  boot the Linux kernel BZIMAGE, instead of an\n" \
	"                        image, with:\n" \
	"  -i, --initrd FILE     its initrd\n" \
	"  -p, --params CMDLINE  its command line, e.g. \"console=ttyS0\"\n"

#define HELP_OPTION \
	"  -h, --help            print this help\n"

static const char run_help[] =
	"The vm runs until its guest stops (exit status 0 if it exited with\n"
	"code 0, 2 otherwise) or Ctrl-a x detaches (exit status 0).\n"
	"\n"
	VM_OPTIONS
	"  -n, --name NAME       name of the vm (default: the file name of IMAGE\n"
	"                        or BZIMAGE without its extension)\n"
	KERNEL_OPTIONS
	"      --image IMAGE     the image, instead of the last argument\n"
	"      --persistent      keep the vm when palacios exits, until\n"
	"                        'palacios free NAME'\n"
	HELP_OPTION;

static const char create_help[] =
	VM_OPTIONS
	KERNEL_OPTIONS
	"      --image IMAGE     load IMAGE into the vm\n"
	HELP_OPTION;

static const char load_help[] =
	"With -k, the command line and the initrd are loaded first; if the\n"
	"kernel is refused, the vm stays configured.\n"
	"\n"
	KERNEL_OPTIONS
	"      --image IMAGE     the image, instead of the last argument\n"
	HELP_OPTION;

static const char list_help[] =
	"The vms of the calling user, or all with CAP_SYS_ADMIN; OWNER is a\n"
	"user ID, or \"kernel\" for the guests named at boot.\n"
	"\n"
	"  -H, --host         first describe the host\n"
	HELP_OPTION;

static const char console_help[] =
	"Output goes to stdout and stdin to the guest's COM1, until the guest\n"
	"stops.  Ctrl-a x detaches, Ctrl-a Ctrl-a sends Ctrl-a.\n"
	"\n"
	HELP_OPTION;

#define CMD(n, fn, r, a, s, h, so, lo) { \
	.name = n, .run = fn, .req = r, .args = a, .summary = s, .help = h, \
	.shortopts = so, .longopts = lo }

#define VM_CMD(n, fn, r, s) CMD(n, fn, r, "NAME", s, HELP_OPTION, ":h", help_only)

static const struct command commands[] = {
	CMD("run", cmd_run, 0,
	    "[-m SIZE] [-c N] [-a CPUS] [-d DEV]... [-D FILE]... [-N tap=NAME]\n"
	    "[-C IN,OUT] "
	    "[-n NAME] [--persistent] {IMAGE | -k BZIMAGE [-i INITRD] [-p CMDLINE]}",
	    "create a vm, load IMAGE or BZIMAGE, launch it and attach to its console",
	    run_help, ":m:c:a:d:D:N:C:n:k:i:p:h", run_opts),
	CMD("create", cmd_create, 0,
	    "NAME [-m SIZE] [-c N] [-a CPUS] [-d DEV]... [-D FILE]... [-N tap=NAME]\n"
	    "[-C IN,OUT] "
	    "[-k BZIMAGE [-i INITRD] [-p CMDLINE] | --image IMAGE]",
	    "create a persistent vm, configured and optionally loaded",
	    create_help, ":m:c:a:d:D:N:C:k:i:p:h", create_opts),
	CMD("load", cmd_load, 0,
	    "NAME {[--image] IMAGE | -k BZIMAGE [-i INITRD] [-p CMDLINE]}",
	    "load IMAGE or BZIMAGE into a configured vm", load_help, ":k:i:p:h",
	    load_opts),
	VM_CMD("launch", cmd_vm_op, PALACIOS_VM_LAUNCH, "start a loaded vm"),
	VM_CMD("pause", cmd_vm_op, PALACIOS_VM_PAUSE,
	       "hold the vCPUs of a running vm"),
	VM_CMD("resume", cmd_vm_op, PALACIOS_VM_RESUME,
	       "let a paused vm run again"),
	VM_CMD("stop", cmd_vm_op, PALACIOS_VM_STOP,
	       "stop a running or paused vm"),
	VM_CMD("free", cmd_vm_op, PALACIOS_VM_FREE,
	       "stop a vm if it runs and give back all it holds"),
	CMD("list", cmd_list, 0, "[--host]",
	    "list the vms: NAME ID STATE MEMORY VCPUS OWNER REASON", list_help,
	    ":Hh", list_opts),
	CMD("console", cmd_console, 0, "NAME",
	    "attach to the console of a vm", console_help, ":h", help_only),
	VM_CMD("stats", cmd_stats, 0, "print the exits and times of a vm"),
	CMD("version", cmd_version, 0, "",
	    "print the API versions of this tool and of the kernel",
	    HELP_OPTION, ":h", help_only),
};

static void print_usage(FILE *f)
{
	unsigned int i;

	fputs("usage: palacios COMMAND [ARGS]\n"
	      "       palacios COMMAND --help\n"
	      "\n"
	      "Run and manage Palacios virtual machines through " DEV_PATH ".\n"
	      "\n"
	      "Commands:\n", f);
	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		fputs("  ", f);
		print_synopsis(f, &commands[i], 2);
		fprintf(f, "        %s\n", commands[i].summary);
	}
	fputs("  help [COMMAND]\n"
	      "        print this help, or that of COMMAND\n"
	      "\n"
	      "SIZE takes a K, M or G suffix.  Exit status: 0 on success, 1 on\n"
	      "an error, 2 when a guest attached to did not exit with code 0.\n",
	      f);
}

static const struct command *find_command(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	fail("unknown command '%s' (see: palacios --help)", name);
	return NULL;
}

/* Output lost on a full disk or a closed pipe is an error too */
static int flush_stdout(int ret)
{
	if (fflush(stdout) || ferror(stdout))
		return fail("cannot write to stdout: %s", strerror(errno));
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ }
	};
	const struct command *cmd;
	int c;

	opterr = 0;
	for (;;) {
		c = getopt_long(argc, argv, "+hV", longopts, NULL);
		if (c == -1)
			break;
		if (c == 'h') {
			print_usage(stdout);
			return flush_stdout(0);
		}
		if (c == 'V')
			return flush_stdout(cmd_version(find_command("version"),
							1, argv));
		if (optopt)
			return fail("unknown option '-%c' (see: palacios --help)",
				    optopt);
		return fail("unknown option '%s' (see: palacios --help)",
			    argv[optind - 1]);
	}
	if (optind >= argc) {
		print_usage(stderr);
		return 1;
	}
	argc -= optind;
	argv += optind;
	if (!strcmp(argv[0], "help")) {
		if (argc < 2) {
			print_usage(stdout);
			return flush_stdout(0);
		}
		cmd = find_command(argv[1]);
		if (!cmd)
			return 1;
		print_help(cmd);
		return flush_stdout(0);
	}
	cmd = find_command(argv[0]);
	if (!cmd)
		return 1;
	return flush_stdout(cmd->run(cmd, argc, argv));
}
