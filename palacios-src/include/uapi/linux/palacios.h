/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Palacios virtual machine monitor: the user-space interface.
 *
 * /dev/palacios creates VMs and finds existing ones; each VM is then
 * driven through a file descriptor of its own, as with /dev/kvm, and its
 * COM1 through a console descriptor.  See
 * Documentation/virt/palacios/api.rst.
 *
 * The interface is versioned: PALACIOS_GET_API_VERSION returns
 * PALACIOS_API_VERSION.  Structures have fixed-width fields and explicit
 * padding, reserved fields must be zero, and no kernel address ever
 * crosses the interface.
 */
#ifndef _UAPI_LINUX_PALACIOS_H
#define _UAPI_LINUX_PALACIOS_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define PALACIOS_API_VERSION	1

/* Registered in Documentation/userspace-api/ioctl/ioctl-number.rst */
#define PALACIOS_IOCTL_TYPE	0xB9

#define PALACIOS_NAME_LEN	32
#define PALACIOS_REASON_LEN	128

/* Limits, checked by the ioctls (see api.rst for the errors) */
#define PALACIOS_MEM_ALIGN	(2ULL << 20)	/* memory: multiple of 2 MiB */
#define PALACIOS_MEM_MAX	(64ULL << 30)	/* at most 64 GiB */
#define PALACIOS_MAX_VCPUS	64
#define PALACIOS_MAX_VMS	64		/* VMs per host */
#define PALACIOS_IMAGE_MAX	(64U << 20)	/* an image or kernel: 64 MiB */
#define PALACIOS_INITRD_MAX	(512U << 20)	/* an initrd: 512 MiB */
#define PALACIOS_CMDLINE_MAX	4096		/* a command line, NUL excluded */

/**
 * struct palacios_create_vm - argument of %PALACIOS_CREATE_VM
 * @name: the VM's name, NUL-terminated, of letters, digits, '-', '_' and
 *        '.', unique on the host; an empty name picks "vmN"
 * @flags: %PALACIOS_VM_PERSISTENT or 0
 * @reserved: 0
 */
struct palacios_create_vm {
	char name[PALACIOS_NAME_LEN];
	__u32 flags;
	__u32 reserved;
};

/*
 * The VM lives on when its last descriptor is closed, until
 * PALACIOS_VM_FREE (or the module is unloaded).
 */
#define PALACIOS_VM_PERSISTENT	0x1U

/*
 * Reported, never accepted: a VM of the kernel (a guest named on the
 * kernel command line or as a module parameter).  It belongs to no user;
 * opening it needs CAP_SYS_ADMIN.
 */
#define PALACIOS_VM_KERNEL	0x2U

/**
 * struct palacios_open_vm - argument of %PALACIOS_OPEN_VM
 * @name: the name of an existing VM, NUL-terminated
 */
struct palacios_open_vm {
	char name[PALACIOS_NAME_LEN];
};

/**
 * enum palacios_vm_state - where a VM is in its life
 * @PALACIOS_STATE_NEW: created; memory and vCPUs not yet configured
 * @PALACIOS_STATE_CONFIGURED: memory allocated and zeroed, vCPUs made
 * @PALACIOS_STATE_LOADED: an image is loaded
 * @PALACIOS_STATE_RUNNING: the guest runs
 * @PALACIOS_STATE_PAUSED: the guest's vCPUs are held out of the guest
 * @PALACIOS_STATE_STOPPED: the guest no longer runs; see @stop_reason of
 *                          struct palacios_vm_info
 * @PALACIOS_STATE_FREED: %PALACIOS_VM_FREE gave everything back
 */
enum palacios_vm_state {
	PALACIOS_STATE_NEW,
	PALACIOS_STATE_CONFIGURED,
	PALACIOS_STATE_LOADED,
	PALACIOS_STATE_RUNNING,
	PALACIOS_STATE_PAUSED,
	PALACIOS_STATE_STOPPED,
	PALACIOS_STATE_FREED,
};

/**
 * struct palacios_vm_info - a VM as %PALACIOS_VM_GET_INFO and
 *                           %PALACIOS_LIST_VMS report it
 * @name: its name
 * @id: a number unique among the VMs this host has had
 * @state: an enum palacios_vm_state
 * @mem_size: its memory in bytes (0 before %PALACIOS_VM_CONFIGURE)
 * @nr_vcpus: its vCPUs (0 before %PALACIOS_VM_CONFIGURE)
 * @flags: the flags it was created with, and %PALACIOS_VM_KERNEL
 * @stop_reason: why it stopped, NUL-terminated; empty unless STOPPED
 * @owner: the user ID of its owner in the caller's user namespace (the
 *         overflow ID if it has none there), or %PALACIOS_OWNER_KERNEL
 * @reserved: 0
 */
struct palacios_vm_info {
	char name[PALACIOS_NAME_LEN];
	__u32 id;
	__u32 state;
	__u64 mem_size;
	__u32 nr_vcpus;
	__u32 flags;
	char stop_reason[PALACIOS_REASON_LEN];
	__u32 owner;
	__u32 reserved;
};

/* The owner of a VM of the kernel (%PALACIOS_VM_KERNEL) */
#define PALACIOS_OWNER_KERNEL	0xffffffffU

/**
 * struct palacios_vm_list - argument of %PALACIOS_LIST_VMS
 * @nr: in: room in @vms (may be 0); out: the number of VMs on the host
 *      that the caller may open (its own, or all with CAP_SYS_ADMIN), of
 *      which min(in, out) were written
 * @reserved: 0
 * @vms: user address of an array of struct palacios_vm_info
 */
struct palacios_vm_list {
	__u32 nr;
	__u32 reserved;
	__u64 vms;
};

/**
 * struct palacios_host_info - argument of %PALACIOS_GET_HOST_INFO
 * @api_version: %PALACIOS_API_VERSION
 * @nr_vms: VMs on the host
 * @pages: pages Palacios holds from the host in all (its per-CPU state
 *         and every VM's memory and tables)
 * @nr_cpus: host CPUs with virtualisation enabled
 * @reserved: 0
 * @backend: "svm" (or "vmx"), NUL-terminated
 */
struct palacios_host_info {
	__u32 api_version;
	__u32 nr_vms;
	__u64 pages;
	__u32 nr_cpus;
	__u32 reserved;
	char backend[16];
};

/**
 * struct palacios_vm_config - argument of %PALACIOS_VM_CONFIGURE
 * @mem_size: memory in bytes, a multiple of %PALACIOS_MEM_ALIGN, at most
 *            %PALACIOS_MEM_MAX
 * @nr_vcpus: 1 to %PALACIOS_MAX_VCPUS
 * @reserved: 0
 */
struct palacios_vm_config {
	__u64 mem_size;
	__u32 nr_vcpus;
	__u32 reserved;
};

/* Host CPUs a struct palacios_vm_affinity can name: 0 to 1023 */
#define PALACIOS_CPUSET_WORDS	16

/**
 * struct palacios_vm_affinity - argument of %PALACIOS_VM_SET_AFFINITY
 * @cpus: the host CPUs the VM's vCPUs may run on, a bitmap: CPU n is bit
 *        n % 64 of @cpus[n / 64]; at least one, each online
 *
 * The vCPUs go to distinct CPUs of the set as long as there are enough,
 * the least loaded first.  They also run only where the process that
 * launches the VM may run (its cpuset and affinity), at launch.
 */
struct palacios_vm_affinity {
	__u64 cpus[PALACIOS_CPUSET_WORDS];
};

/**
 * struct palacios_vm_load - argument of %PALACIOS_VM_LOAD
 * @kind: what is loaded: %PALACIOS_LOAD_IMAGE, %PALACIOS_LOAD_KERNEL,
 *        %PALACIOS_LOAD_INITRD or %PALACIOS_LOAD_CMDLINE
 * @reserved: 0
 * @addr: user address of the data
 * @size: its size in bytes: at most %PALACIOS_IMAGE_MAX for an image or a
 *        kernel, %PALACIOS_INITRD_MAX for an initrd, %PALACIOS_CMDLINE_MAX
 *        for a command line (without a NUL, which is added)
 */
struct palacios_vm_load {
	__u32 kind;
	__u32 reserved;
	__u64 addr;
	__u64 size;
};

/* A Palacios image (Documentation/virt/palacios/image.rst) */
#define PALACIOS_LOAD_IMAGE	0
/*
 * A Linux bzImage, started by the x86 boot protocol with the initrd and
 * the command line given before it (Documentation/virt/palacios/api.rst)
 */
#define PALACIOS_LOAD_KERNEL	1
#define PALACIOS_LOAD_INITRD	2
#define PALACIOS_LOAD_CMDLINE	3

/**
 * enum palacios_exit_reason - exits counted by %PALACIOS_VM_GET_STATS
 * @PALACIOS_EXIT_CPUID: CPUID
 * @PALACIOS_EXIT_MSR: RDMSR and WRMSR
 * @PALACIOS_EXIT_IO: port I/O
 * @PALACIOS_EXIT_MMIO: accesses to emulated devices in memory
 * @PALACIOS_EXIT_HLT: HLT
 * @PALACIOS_EXIT_INTR: host interrupts
 * @PALACIOS_EXIT_NMI: host NMIs
 * @PALACIOS_EXIT_VMMCALL: hypercalls
 * @PALACIOS_EXIT_NPF: nested page faults
 * @PALACIOS_EXIT_EXCEPTION: intercepted exceptions
 * @PALACIOS_EXIT_OTHER: everything else
 * @PALACIOS_NR_EXIT_REASONS: the number of reasons
 */
enum palacios_exit_reason {
	PALACIOS_EXIT_CPUID,
	PALACIOS_EXIT_MSR,
	PALACIOS_EXIT_IO,
	PALACIOS_EXIT_MMIO,
	PALACIOS_EXIT_HLT,
	PALACIOS_EXIT_INTR,
	PALACIOS_EXIT_NMI,
	PALACIOS_EXIT_VMMCALL,
	PALACIOS_EXIT_NPF,
	PALACIOS_EXIT_EXCEPTION,
	PALACIOS_EXIT_OTHER,
	PALACIOS_NR_EXIT_REASONS,
};

/**
 * struct palacios_vm_stats - argument of %PALACIOS_VM_GET_STATS
 * @exits: exits per enum palacios_exit_reason, summed over the vCPUs;
 *         entries past %PALACIOS_NR_EXIT_REASONS are 0
 * @guest_ns: time the vCPUs spent in the guest
 * @vmm_ns: time they spent handling exits in the VMM, sleeps excluded
 * @halted_ns: time they slept in HLT waiting for work
 */
struct palacios_vm_stats {
	__u64 exits[16];
	__u64 guest_ns;
	__u64 vmm_ns;
	__u64 halted_ns;
};

/* Host devices for a guest (Documentation/virt/palacios/passthrough.rst) */

/**
 * struct palacios_passthrough - argument of %PALACIOS_VM_PASSTHROUGH
 * @port_first: the first host I/O port given to the guest, which reaches
 *              it at the same number; at most 0xffff
 * @port_count: how many ports, up to 0x10000 - @port_first; 0 for none
 * @irq: the host interrupt given to the guest, if %PALACIOS_PT_IRQ
 * @line: the guest's ISA line it comes on, 0 to 15, if %PALACIOS_PT_IRQ
 * @flags: %PALACIOS_PT_IRQ, or 0 for ports alone
 * @reserved: 0
 *
 * See Documentation/virt/palacios/passthrough.rst.
 */
struct palacios_passthrough {
	__u32 port_first;
	__u32 port_count;
	__u32 irq;
	__u32 line;
	__u32 flags;
	__u32 reserved;
};

#define PALACIOS_PT_IRQ		0x1U

/*
 * The PC's serial ports, which tools may pass through by name: COM n has
 * PALACIOS_COM_PORTS[n - 1] to + PALACIOS_COM_SIZE - 1, and IRQ
 * PALACIOS_COM_IRQS[n - 1].
 */
#define PALACIOS_COM_PORTS	{ 0x3f8, 0x2f8, 0x3e8, 0x2e8 }
#define PALACIOS_COM_IRQS	{ 4, 3, 4, 3 }
#define PALACIOS_COM_SIZE	8

/**
 * struct palacios_disk - a disk for a VM (%PALACIOS_VM_ADD_DISK)
 * @fd: a descriptor of the calling process: a regular file or a block
 *      device, open for reading, and for writing unless %PALACIOS_DISK_RO
 * @flags: %PALACIOS_DISK_RO, or 0
 *
 * The VM takes a reference to the open file; the caller may close @fd.
 * See Documentation/virt/palacios/virtio.rst.
 */
struct palacios_disk {
	__s32 fd;
	__u32 flags;
};

#define PALACIOS_DISK_RO	0x1U	/* the guest cannot write it */
#define PALACIOS_MAX_DISKS	3	/* disks per VM */

/**
 * struct palacios_channel - the second console of a VM, a virtio console
 *                           (%PALACIOS_VM_ADD_CHANNEL)
 * @in_fd: a descriptor of the calling process, open for reading: a pipe, a
 *         FIFO or a stream socket whose bytes go to the guest
 * @out_fd: one open for writing, where the guest's bytes go: a pipe, a
 *          FIFO or a stream socket; it may be @in_fd (a socket)
 * @flags: 0
 * @reserved: 0
 *
 * A Linux guest sees it as /dev/hvc0.  The guest's bytes wait in its
 * buffers while @out_fd is full, and the host's wait in @in_fd until the
 * guest has buffers: nothing is lost but what the guest sends after the
 * reader of @out_fd is gone.  The VM takes a reference to each open file;
 * the caller may close the descriptors.  See
 * Documentation/virt/palacios/virtio.rst.
 */
struct palacios_channel {
	__s32 in_fd;
	__s32 out_fd;
	__u32 flags;
	__u32 reserved;
};

/**
 * struct palacios_nic - the network device of a VM (%PALACIOS_VM_ADD_NIC)
 * @fd: a descriptor of the calling process: an open /dev/net/tun attached
 *      to a tap device with IFF_TAP | IFF_NO_PI, and with IFF_VNET_HDR
 *      and a header of 12 bytes (TUNSETVNETHDRSZ) if and only if @flags
 *      has %PALACIOS_NIC_VNET_HDR
 * @flags: %PALACIOS_NIC_MAC if @mac is given; %PALACIOS_NIC_VNET_HDR if
 *         the tap carries virtio-net headers: the device then offers the
 *         guest checksum and TCP segmentation offloads, and sets the
 *         tap's offloads (TUNSETOFFLOAD) to those the guest accepts
 * @mac: the guest's MAC address, unicast, with %PALACIOS_NIC_MAC; without
 *       it, a random one (locally administered)
 * @pad: zero
 *
 * The guest's frames go out of the tap; the frames sent to the tap go to
 * the guest.  The VM takes a reference to the open file; the caller may
 * close @fd.  See Documentation/virt/palacios/virtio.rst.
 */
struct palacios_nic {
	__s32 fd;
	__u32 flags;
	__u8 mac[6];
	__u8 pad[2];
};

#define PALACIOS_NIC_MAC	0x1U	/* @mac is given */
#define PALACIOS_NIC_VNET_HDR	0x2U	/* the tap has virtio-net headers */

/* ioctls of /dev/palacios */
#define PALACIOS_GET_API_VERSION	_IO(PALACIOS_IOCTL_TYPE, 0x00)
#define PALACIOS_CREATE_VM		_IOW(PALACIOS_IOCTL_TYPE, 0x01, struct palacios_create_vm)
#define PALACIOS_OPEN_VM		_IOW(PALACIOS_IOCTL_TYPE, 0x02, struct palacios_open_vm)
#define PALACIOS_LIST_VMS		_IOWR(PALACIOS_IOCTL_TYPE, 0x03, struct palacios_vm_list)
#define PALACIOS_GET_HOST_INFO		_IOR(PALACIOS_IOCTL_TYPE, 0x04, struct palacios_host_info)

/* ioctls of a VM descriptor */
#define PALACIOS_VM_CONFIGURE		_IOW(PALACIOS_IOCTL_TYPE, 0x10, struct palacios_vm_config)
#define PALACIOS_VM_LOAD		_IOW(PALACIOS_IOCTL_TYPE, 0x11, struct palacios_vm_load)
#define PALACIOS_VM_LAUNCH		_IO(PALACIOS_IOCTL_TYPE, 0x12)
#define PALACIOS_VM_PAUSE		_IO(PALACIOS_IOCTL_TYPE, 0x13)
#define PALACIOS_VM_RESUME		_IO(PALACIOS_IOCTL_TYPE, 0x14)
#define PALACIOS_VM_STOP		_IO(PALACIOS_IOCTL_TYPE, 0x15)
#define PALACIOS_VM_FREE		_IO(PALACIOS_IOCTL_TYPE, 0x16)
#define PALACIOS_VM_GET_INFO		_IOR(PALACIOS_IOCTL_TYPE, 0x17, struct palacios_vm_info)
#define PALACIOS_VM_GET_STATS		_IOR(PALACIOS_IOCTL_TYPE, 0x18, struct palacios_vm_stats)
#define PALACIOS_VM_GET_CONSOLE		_IO(PALACIOS_IOCTL_TYPE, 0x19)
#define PALACIOS_VM_PASSTHROUGH		_IOW(PALACIOS_IOCTL_TYPE, 0x1a, struct palacios_passthrough)
#define PALACIOS_VM_SET_AFFINITY	_IOW(PALACIOS_IOCTL_TYPE, 0x1b, struct palacios_vm_affinity)
#define PALACIOS_VM_ADD_DISK		_IOW(PALACIOS_IOCTL_TYPE, 0x1c, struct palacios_disk)
#define PALACIOS_VM_ADD_NIC		_IOW(PALACIOS_IOCTL_TYPE, 0x1d, struct palacios_nic)
#define PALACIOS_VM_ADD_CHANNEL		_IOW(PALACIOS_IOCTL_TYPE, 0x1e, struct palacios_channel)

#endif /* _UAPI_LINUX_PALACIOS_H */
