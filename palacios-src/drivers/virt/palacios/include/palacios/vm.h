/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Virtual machines and virtual CPUs of the Palacios core.
 *
 * Life of a VM:
 *
 *   v3_vm_create()   CREATED   memory allocated and zeroed, devices made
 *   v3_vm_load()     LOADED    an image copied in, vCPU 0 set up to run it
 *   v3_vm_start()    RUNNING   one host thread per vCPU enters the guest
 *   v3_vm_pause()    PAUSED    the vCPU threads wait outside the guest
 *   v3_vm_resume()   RUNNING   and go back in
 *                    STOPPED   the guest ended, failed, or v3_vm_stop()
 *   v3_vm_free()               everything given back to the host
 *
 * Every call checks the state it needs and returns -EBUSY (or -EINVAL)
 * when called in another.  A VM stops on its own when the guest asks
 * (hypercall), halts with interrupts off, triple faults, or does something
 * the VMM does not handle; the reason is recorded, logged once, and the
 * owner is told through its stop callback.
 *
 * Locking: the VM's mutex serialises the calls above; the vCPU threads
 * read the state without it and stop when it leaves RUNNING.
 */
#ifndef _PALACIOS_VM_H
#define _PALACIOS_VM_H

#include <linux/types.h>

#include <palacios/io.h>
#include <palacios/mem.h>
#include <palacios/uart.h>
#include <palacios/vmm.h>

struct v3_vm;
struct v3_vcpu;
struct v3_mutex;
struct v3_thread;
struct v3_waitq;

#define V3_MAX_VCPUS		64
#define V3_VM_NAME_LEN		32
#define V3_STOP_REASON_LEN	128

/**
 * enum v3_vm_state - where a VM is in its life
 * @V3_VM_CREATED: memory and devices exist, nothing loaded
 * @V3_VM_LOADED: an image is loaded
 * @V3_VM_RUNNING: the vCPU threads run the guest
 * @V3_VM_PAUSED: the vCPU threads wait outside the guest
 * @V3_VM_STOPPED: the guest no longer runs; see v3_vm_stop_reason()
 */
enum v3_vm_state {
	V3_VM_CREATED,
	V3_VM_LOADED,
	V3_VM_RUNNING,
	V3_VM_PAUSED,
	V3_VM_STOPPED,
};

/**
 * enum v3_exit_class - exits counted per VM, whatever the backend
 * @V3_EXIT_CPUID: CPUID
 * @V3_EXIT_MSR: RDMSR and WRMSR
 * @V3_EXIT_IO: port I/O
 * @V3_EXIT_MMIO: accesses to emulated devices in guest-physical memory
 * @V3_EXIT_HLT: HLT
 * @V3_EXIT_INTR: host interrupts
 * @V3_EXIT_NMI: host NMIs
 * @V3_EXIT_VMMCALL: hypercalls
 * @V3_EXIT_NPF: nested page faults (including those of MMIO)
 * @V3_EXIT_EXCEPTION: intercepted exceptions
 * @V3_EXIT_OTHER: everything else
 * @V3_NR_EXIT_CLASSES: the number of classes
 */
enum v3_exit_class {
	V3_EXIT_CPUID,
	V3_EXIT_MSR,
	V3_EXIT_IO,
	V3_EXIT_MMIO,
	V3_EXIT_HLT,
	V3_EXIT_INTR,
	V3_EXIT_NMI,
	V3_EXIT_VMMCALL,
	V3_EXIT_NPF,
	V3_EXIT_EXCEPTION,
	V3_EXIT_OTHER,
	V3_NR_EXIT_CLASSES,
};

/**
 * struct v3_vm_stats - what a VM's vCPUs did, summed over them
 * @exits: exits per class
 * @guest_tsc: TSC cycles spent in the guest
 * @vmm_tsc: TSC cycles spent handling exits, sleeps excluded
 * @halted_tsc: TSC cycles spent asleep in HLT
 */
struct v3_vm_stats {
	u64 exits[V3_NR_EXIT_CLASSES];
	u64 guest_tsc;
	u64 vmm_tsc;
	u64 halted_tsc;
};

/**
 * struct v3_vm_config - what the owner of a VM chooses
 * @name: shown in the log; truncated to %V3_VM_NAME_LEN - 1 bytes
 * @mem_size: RAM in bytes, a multiple of 2 MiB
 * @nr_vcpus: number of vCPUs, 1 to %V3_MAX_VCPUS
 * @console: receives the guest's COM1 output (see v3_uart_sink_t), or NULL
 *           to send it to the log line by line
 * @log_console: with @console, also send the output to the log
 * @on_stop: called once when the VM stops, from the thread that stopped it
 *           (a vCPU thread, or the caller of v3_vm_stop()); it must not
 *           call v3_vm_free() itself, or NULL
 * @priv: passed to @console and @on_stop
 */
struct v3_vm_config {
	const char *name;
	u64 mem_size;
	unsigned int nr_vcpus;
	void (*console)(void *priv, const u8 *buf, unsigned int len);
	bool log_console;
	void (*on_stop)(struct v3_vm *vm, void *priv);
	void *priv;
};

/**
 * struct v3_image_info - what an image's header asks for
 * @mem_size: its default memory size in bytes
 * @nr_vcpus: the vCPUs it wants
 */
struct v3_image_info {
	u64 mem_size;
	unsigned int nr_vcpus;
};

/**
 * v3_image_check() - validate an image's header
 * @name: the guest's name, for the log
 * @image: the image
 * @size: its size in bytes
 * @info: what the header asks for, on success
 *
 * Return: 0, or -ENOEXEC for anything that is not a valid image (the reason
 * is logged).
 */
int v3_image_check(const char *name, const void *image, u64 size,
		   struct v3_image_info *info);

/**
 * v3_vm_create() - create a VM
 * @cfg: its configuration; copied
 * @out: the new VM, in state CREATED
 *
 * Return: 0, -ENODEV if the VMM is not running, -EINVAL for a bad @cfg,
 * -ENOMEM, or -EINTR; nothing is left allocated on failure.
 */
int v3_vm_create(const struct v3_vm_config *cfg, struct v3_vm **out);

/**
 * v3_vm_load() - load an image into a CREATED VM
 * @vm: the VM
 * @image: the image (see <palacios/image.h>)
 * @size: its size in bytes
 *
 * Return: 0, -EBUSY if @vm is not CREATED, or -ENOEXEC if the image is not
 * valid or does not fit the VM's memory (the reason is logged).
 */
int v3_vm_load(struct v3_vm *vm, const void *image, u64 size);

/**
 * v3_vm_set_affinity() - choose the host CPUs a VM's vCPUs may run on
 * @vm: the VM, CREATED or LOADED
 * @cpus: the CPUs: at least one, each below v3_host_nr_cpu_ids()
 *
 * Without it, a VM may use every CPU.  When the VM starts, its vCPUs go to
 * distinct CPUs of @cpus as far as there are enough (see v3_cpus_place()).
 *
 * Return: 0, -EINVAL for an empty set or one naming a CPU the host does not
 * have, or -EBUSY if @vm has started.
 */
int v3_vm_set_affinity(struct v3_vm *vm, const struct v3_cpuset *cpus);

/**
 * v3_vm_start() - start the vCPUs of a LOADED VM
 * @vm: the VM
 *
 * Return: 0, -EBUSY if @vm is not LOADED, or -ENODEV if no CPU of its
 * affinity has virtualisation enabled or another error from the host (the
 * VM is then STOPPED, with the reason).
 */
int v3_vm_start(struct v3_vm *vm);

/**
 * v3_vm_pause() - hold the vCPUs of a RUNNING VM out of the guest
 * @vm: the VM
 *
 * Returns once every vCPU thread has left the guest and waits; the guest's
 * state is kept as it was at its last exit.
 *
 * Return: 0, or -EBUSY if @vm is not RUNNING.
 */
int v3_vm_pause(struct v3_vm *vm);

/**
 * v3_vm_resume() - let the vCPUs of a PAUSED VM run the guest again
 * @vm: the VM
 *
 * Return: 0, or -EBUSY if @vm is not PAUSED.
 */
int v3_vm_resume(struct v3_vm *vm);

/**
 * v3_vm_stop() - stop a VM and wait for its vCPU threads to end
 * @vm: the VM; nothing happens unless it is RUNNING or PAUSED
 */
void v3_vm_stop(struct v3_vm *vm);

/**
 * v3_vm_free() - stop a VM if needed and give back all it holds
 * @vm: the VM, or NULL
 */
void v3_vm_free(struct v3_vm *vm);

/**
 * v3_vm_state() - the state of a VM
 * @vm: the VM
 *
 * Return: its state.
 */
enum v3_vm_state v3_vm_state(const struct v3_vm *vm);

/**
 * v3_vm_stop_reason() - why a VM stopped
 * @vm: the VM
 *
 * Return: a NUL-terminated description, empty while the VM has not
 * stopped.
 */
const char *v3_vm_stop_reason(const struct v3_vm *vm);

/**
 * v3_vm_name() - the name of a VM
 * @vm: the VM
 *
 * Return: its name.
 */
const char *v3_vm_name(const struct v3_vm *vm);

/**
 * v3_vm_exits() - the number of exits of one class so far
 * @vm: the VM
 * @class: the class
 *
 * Return: the count, summed over the vCPUs.
 */
u64 v3_vm_exits(const struct v3_vm *vm, enum v3_exit_class class);

/**
 * v3_vm_get_stats() - what the vCPUs of a VM did so far
 * @vm: the VM
 * @stats: filled in; convert the cycles with v3_host_cpu_khz()
 */
void v3_vm_get_stats(const struct v3_vm *vm, struct v3_vm_stats *stats);

/**
 * v3_vm_console_input() - send bytes to the guest's COM1
 * @vm: the VM
 * @buf: the bytes
 * @len: their number
 *
 * Return: how many the UART took (see v3_uart_input()).
 */
unsigned int v3_vm_console_input(struct v3_vm *vm, const u8 *buf,
				 unsigned int len);

/**
 * v3_vm_console_room() - how many bytes the guest's COM1 would take now
 * @vm: the VM
 *
 * Return: the free space in its receive FIFO.
 */
unsigned int v3_vm_console_room(struct v3_vm *vm);

#endif /* _PALACIOS_VM_H */
