/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VM and vCPU objects as the core and its backends see them, and the
 * exit handling the core provides to every backend.
 */
#ifndef _PALACIOS_GUEST_H
#define _PALACIOS_GUEST_H

#include <linux/bits.h>
#include <linux/compiler.h>
#include <linux/types.h>

#include <palacios/backend.h>
#include <palacios/decode.h>
#include <palacios/host.h>
#include <palacios/io.h>
#include <palacios/lapic.h>
#include <palacios/mem.h>
#include <palacios/vm.h>

struct v3_board;

/* General-purpose registers, numbered as the instruction encoding does */
enum v3_gpr {
	V3_RAX, V3_RCX, V3_RDX, V3_RBX, V3_RSP, V3_RBP, V3_RSI, V3_RDI,
	V3_R8, V3_R9, V3_R10, V3_R11, V3_R12, V3_R13, V3_R14, V3_R15,
	V3_NR_GPRS,
};

/**
 * struct v3_boot_state - how vCPU 0 starts
 * @mode: an enum v3_image_mode
 * @rip: first instruction
 * @rsp: stack pointer
 * @rdi: value of RDI (the memory size)
 * @rsi: value of RSI (the zero page, for Linux)
 * @cr3: page table root for V3_IMAGE_LONG64
 * @cs: code selector, in the GDT at %V3_IMAGE_GDT_GPA, but in REAL16
 * @ds: data selector for DS, ES, FS, GS and SS, but in REAL16
 */
struct v3_boot_state {
	unsigned int mode;
	u64 rip;
	u64 rsp;
	u64 rdi;
	u64 rsi;
	u64 cr3;
	u16 cs;
	u16 ds;
};

/**
 * struct v3_vcpu - a virtual CPU
 * @vm: its VM
 * @be: the backend (v3_get_backend()), kept here for the exit path
 * @id: its number in the VM
 * @cpu: the host CPU it runs on: where it was placed when its VM
 *       started, then the CPU of its last entry
 * @placed_cpu: the CPU v3_cpus_place() counts it on, until its thread
 *              ends; -1 when none
 * @gpr: the guest's general-purpose registers; the backend keeps them
 *       current between an exit and the next entry
 * @thread: the host thread running it
 * @wq: where it sleeps while the guest halts
 * @be_ready: the backend's vcpu_init() succeeded: its vcpu_free() is due
 * @fpu_mem: the allocation that holds @fpu
 * @fpu: the guest's FPU state (see v3_fpu_save()), aligned
 * @exits: exits by class
 * @guest_tsc: TSC cycles spent in the guest
 * @vmm_tsc: TSC cycles spent handling exits, sleeps excluded
 * @halted_tsc: TSC cycles spent asleep in HLT
 * @kicked: a wake-up is pending (set by v3_vcpu_kick())
 * @parked: the thread is held out of the guest by a pause
 * @lapic: its local APIC
 * @injected: external interrupts injected
 * @tsc_offset: the guest's TSC minus the host's; the backend loads it at
 *              each entry
 * @pvclock_msr: the guest's system-time MSR of the paravirtual clock
 * @mode: %V3_VCPU_IN_GUEST from just before an entry to just after the
 *        exit, else %V3_VCPU_OUTSIDE (see v3_vcpu_enter() and
 *        v3_vcpu_kick())
 * @nmi_masked: the guest runs its NMI handler: no NMI is injected until
 *              its IRET
 * @nmi_iret: the guest's IRET at @nmi_iret_rip ends @nmi_masked once it
 *            has executed
 * @nmi_iret_rip: see @nmi_iret
 * @irq_window: the core asked the backend for an exit as soon as the guest
 *              can take an interrupt (struct v3_backend.enable_irq_window),
 *              and has not taken it back
 * @db: the guest's DR0-DR3 (its DR6 and DR7 are the backend's, which the
 *      hardware switches)
 * @db_active: one of @db is not 0: the backend loads them into the
 *             hardware before each entry, so that a breakpoint the guest
 *             enables in DR7 (whose writes do not exit) has its address;
 *             it does so as well while the guest's DR7 enables one
 *
 * The counters are written by the vCPU's own thread only, with
 * WRITE_ONCE(), and read by anyone with READ_ONCE().  A backend's vCPU
 * embeds this structure (struct v3_backend.vcpu_size).
 */
struct v3_vcpu {
	struct v3_vm *vm;
	const struct v3_backend *be;
	unsigned int id;
	int cpu;
	int placed_cpu;
	u64 gpr[V3_NR_GPRS];
	struct v3_thread *thread;
	struct v3_waitq *wq;
	bool be_ready;
	void *fpu_mem;
	void *fpu;
	u64 exits[V3_NR_EXIT_CLASSES];
	u64 guest_tsc;
	u64 vmm_tsc;
	u64 halted_tsc;
	bool kicked;
	bool parked;
	u64 injected;
	u64 tsc_offset;
	u64 pvclock_msr;
	int mode;
	bool nmi_masked;
	bool nmi_iret;
	u64 nmi_iret_rip;
	bool irq_window;
	u64 db[4];
	bool db_active;
	struct v3_lapic lapic;
};

/**
 * struct v3_vm - a virtual machine
 * @name: its name
 * @cfg: the owner's configuration
 * @state: an enum v3_vm_state; written under @lock, read by vCPU threads
 *         with READ_ONCE()
 * @lock: serialises the life-cycle calls
 * @stop_lock: serialises recording the stop reason and @nr_running
 * @mem: guest RAM
 * @io: the port registry
 * @mmio: the guest-physical registry of emulated devices
 * @board: its devices (see <palacios/board.h>); the PIC's output reaches
 *         the local APIC of vCPU 0 through its LINT0 (virtual wire)
 * @line: the COM1 output line being assembled for the log
 * @line_len: bytes in @line
 * @log_tokens: lines of COM1 output the log still takes at once (see
 *              v3_vm_log_allowed()); @line and the log_ fields are the
 *              COM1 sink's, which the UART serialises
 * @log_refill_ns: the host time up to which @log_tokens were refilled
 * @log_dropped: lines dropped since the last report of them
 * @log_report_ns: the host time of that report
 * @boot: how vCPU 0 starts
 * @nr_vcpus: number of vCPUs
 * @vcpus: the vCPUs, each allocated with the backend's size
 * @be_ready: the backend's vm_init() succeeded: its vm_free() is due
 * @warned_msr: an unknown-MSR access was logged already
 * @warned_io: an unhooked-port access was logged already
 * @pause_wq: where v3_vm_pause() waits for the vCPUs to park
 * @stopped: the stop reason is recorded
 * @reason: why the VM stopped
 * @nr_running: vCPUs started and not halted for good (under @stop_lock)
 * @nr_threads: vCPU threads not yet ended (under @stop_lock); the last
 *              one quiesces the VM (its timers stop, what it borrowed
 *              from the host goes back)
 * @affinity: the host CPUs its vCPUs may run on, if @has_affinity
 * @has_affinity: v3_vm_set_affinity() was called
 *
 * A backend's VM embeds this structure (struct v3_backend.vm_size).
 */
struct v3_vm {
	char name[V3_VM_NAME_LEN];
	struct v3_vm_config cfg;
	int state;
	struct v3_mutex *lock;
	struct v3_spinlock *stop_lock;
	struct v3_mem_map mem;
	struct v3_range_map io;
	struct v3_range_map mmio;
	struct v3_board *board;
	char line[160];
	unsigned int line_len;
	unsigned int log_tokens;
	u64 log_refill_ns;
	unsigned long log_dropped;
	u64 log_report_ns;
	struct v3_boot_state boot;
	unsigned int nr_vcpus;
	struct v3_vcpu **vcpus;
	bool be_ready;
	bool warned_msr;
	bool warned_io;
	struct v3_waitq *pause_wq;
	bool stopped;
	char reason[V3_STOP_REASON_LEN];
	unsigned int nr_running;
	unsigned int nr_threads;
	struct v3_cpuset affinity;
	bool has_affinity;
};

/**
 * v3_vm_end() - stop a running VM, recording why
 * @vm: the VM
 * @level: how the reason is logged: %V3_LOG_INFO for a guest that ended
 *         as it meant to, %V3_LOG_ERR for one stopped for misbehaving
 * @fmt: the reason, printf-style, without a newline
 *
 * The first reason recorded wins and is logged once; the owner's stop
 * callback is called once.  The vCPU threads see the state change at their
 * next exit.  Does nothing to a VM that is not RUNNING.
 *
 * Context: process context; does not sleep.
 */
__printf(3, 4) void v3_vm_end(struct v3_vm *vm, enum v3_log_level level,
			      const char *fmt, ...);

/**
 * v3_vm_apic_send() - deliver a message of the APIC bus
 * @vm: the VM
 * @msg: from an I/O APIC or a local APIC's ICR
 *
 * Every local APIC that accepts it gets it, but a lowest-priority
 * message goes to the first one only.
 *
 * Context: any context.
 */
void v3_vm_apic_send(struct v3_vm *vm, const struct v3_apic_msg *msg);

/**
 * v3_vm_console_out() - bytes the guest wrote to its console
 * @vm: the VM
 * @buf: the bytes
 * @len: their number
 *
 * They go to the owner's console, or line by line to the log, at a
 * bounded rate, or both, as the VM's configuration says.
 */
void v3_vm_console_out(struct v3_vm *vm, const u8 *buf, unsigned int len);

/**
 * v3_vm_set_irq() - drive an ISA interrupt line of a VM
 * @vm: the VM
 * @irq: 0 to 15
 * @level: its level
 *
 * The line goes to the PIC and to the I/O APIC, as on a PC; whichever
 * the guest programs delivers it.
 *
 * Context: any context.
 */
void v3_vm_set_irq(struct v3_vm *vm, unsigned int irq, bool level);

/**
 * v3_intr_pending() - whether an external interrupt waits for a vCPU
 * @vcpu: the vCPU
 *
 * Return: true if its interrupt controller asks it for one.
 *
 * Context: any context.
 */
bool v3_intr_pending(struct v3_vcpu *vcpu);

/**
 * v3_intr_ack() - take the external interrupt a vCPU is to be given
 * @vcpu: the vCPU, for which v3_intr_pending() was true
 *
 * Return: its vector (the interrupt controller's acknowledge cycle).
 */
u8 v3_intr_ack(struct v3_vcpu *vcpu);

/**
 * v3_vcpu_kick() - make a vCPU notice a state change soon
 * @vcpu: the vCPU
 *
 * Wakes it if it sleeps in a halt and forces it out of guest mode if it
 * runs the guest.
 *
 * Context: any context.
 */
void v3_vcpu_kick(struct v3_vcpu *vcpu);

/* vCPU modes, for v3_vcpu_kick() */
#define V3_VCPU_OUTSIDE		0
#define V3_VCPU_IN_GUEST	1

/**
 * v3_vcpu_enter() - the vCPU is about to enter the guest
 * @vcpu: the vCPU, from its thread, with interrupts disabled
 *
 * Puts the vCPU in guest mode, so that a v3_vcpu_kick() from now on sends
 * the CPU an interrupt, which makes the guest exit at once.  A VM no longer
 * RUNNING, or an INIT, means the run loop must look first: the vCPU is then
 * back outside.  v3_vcpu_run() looks at pending interrupts and NMIs after
 * this call, so that it sees every one announced before the kick that
 * would have interrupted it.
 *
 * Return: true to enter; after the exit, v3_vcpu_run() calls
 * v3_vcpu_exited() before it enables interrupts.
 */
bool v3_vcpu_enter(struct v3_vcpu *vcpu);

/**
 * v3_vcpu_exited() - the guest exited; the vCPU is outside guest mode
 * @vcpu: the vCPU, from its thread, with interrupts still disabled
 */
void v3_vcpu_exited(struct v3_vcpu *vcpu);

/**
 * v3_vcpu_run() - enter the guest once and handle its exit
 * @vcpu: the vCPU, from its own thread
 *
 * Between v3_vcpu_enter() and v3_vcpu_exited(), with the guest's FPU
 * loaded and interrupts disabled: the backend's vcpu_load(), the events
 * due, the guest's debug registers, the backend's enter(); then the
 * exit's accounting and the backend's handle_exit().
 *
 * Return: 0 to go on (also when v3_vcpu_enter() said not to enter), or a
 * negative errno after the VM was stopped with its reason.
 */
int v3_vcpu_run(struct v3_vcpu *vcpu);

/**
 * v3_vcpu_reset() - put a vCPU in the state after INIT
 * @vcpu: the vCPU, not running
 *
 * The architectural state of AMD64 APM vol. 2, 14.1.3 (with CS:IP 0:0),
 * written through the backend, after the backend's own vcpu_reset().
 */
void v3_vcpu_reset(struct v3_vcpu *vcpu);

/**
 * v3_vcpu_boot() - put a vCPU in the state @bs describes
 * @vcpu: the vCPU, in the state after INIT, not running
 * @bs: where and how it starts
 */
void v3_vcpu_boot(struct v3_vcpu *vcpu, const struct v3_boot_state *bs);

/**
 * v3_skip_insn() - complete the instruction that exited
 * @vcpu: the vCPU
 * @op: what it is, for a backend that cannot tell where it ends (the core
 *      then decodes it, and stops the VM if it is not @op)
 *
 * RIP moves past it and its interrupt shadow ends.
 *
 * Return: 0, or a negative errno after v3_vm_end().
 */
int v3_skip_insn(struct v3_vcpu *vcpu, enum v3_insn_op op);

/*
 * The exits a backend decodes, by what the guest did: each checks the
 * core's policy, does what the instruction does or injects the fault a CPU
 * would raise, completes the instruction when it completes, and counts the
 * exit in its class.  0 means "resume", a negative errno that the VM was
 * stopped with its reason.
 */
int v3_emulate_cpuid(struct v3_vcpu *vcpu);
int v3_emulate_hlt(struct v3_vcpu *vcpu);
int v3_emulate_hypercall(struct v3_vcpu *vcpu);
int v3_emulate_invd(struct v3_vcpu *vcpu);
int v3_emulate_wbinvd(struct v3_vcpu *vcpu);
int v3_emulate_rdpmc(struct v3_vcpu *vcpu);
int v3_emulate_rdmsr(struct v3_vcpu *vcpu);
int v3_emulate_wrmsr(struct v3_vcpu *vcpu);

/**
 * v3_emulate_ud() - an instruction the guest does not have (SVM's and
 *                   VMX's own, MONITOR, XSETBV, RDTSCP, ...): #UD
 * @vcpu: the vCPU
 *
 * Return: 0.
 */
int v3_emulate_ud(struct v3_vcpu *vcpu);

/**
 * v3_handle_io_exit() - the guest executed IN or OUT
 * @vcpu: the vCPU
 * @port: the port
 * @len: the access size, 1, 2 or 4
 * @in: IN rather than OUT
 * @string: INS or OUTS, which the VMM does not emulate (the VM stops)
 *
 * The value goes between RAX and v3_handle_io(), as the instruction moves
 * it (a 4-byte IN zero-extends into RAX, the others merge).
 *
 * Return: 0, or a negative errno after v3_vm_end().
 */
int v3_handle_io_exit(struct v3_vcpu *vcpu, u16 port, unsigned int len,
		      bool in, bool string);

/**
 * v3_handle_npf() - a guest-physical access found no RAM
 * @vcpu: the vCPU
 * @gpa: the address
 * @fault: %V3_MMIO_WRITE for a write, %V3_MMIO_FETCH for an instruction
 *         fetch, 0 for a read (from the hardware's fault information)
 *
 * An address no device answers stops the VM; an access to a device is
 * decoded at RIP and emulated (v3_handle_mmio()).  RIP moves past the
 * instruction unless the device asked for it again.
 *
 * Return: 0, or a negative errno after v3_vm_end().
 */
int v3_handle_npf(struct v3_vcpu *vcpu, u64 gpa, unsigned int fault);

/**
 * v3_handle_cr_write() - the guest moved a value to a control register
 * @vcpu: the vCPU
 * @cr: the register: CR4, or CR0 where the backend intercepts it (VMX)
 * @gpr: the source register if the hardware decoded it, else -1
 *
 * CR4 is checked against the features the CPUID policy offers (#GP for
 * the others, and for clearing PAE in long mode); CR0 against the
 * architecture's rules, with long mode entered or left as paging is
 * turned on or off.  A change of their paging bits flushes the guest's
 * TLB.
 *
 * Return: 0, or a negative errno after v3_vm_end().
 */
int v3_handle_cr_write(struct v3_vcpu *vcpu, unsigned int cr, int gpr);

/**
 * v3_handle_dr() - the guest moved to or from a debug register
 * @vcpu: the vCPU
 * @dr: the debug register: 0-3, or 4-7 where the backend intercepts them
 *      (VMX intercepts all or none)
 * @write: MOV to the debug register
 * @gpr: the other register if the hardware decoded it, else -1
 *
 * The guest's DR0-DR3 live in @vcpu->db: it never reads the host's (which
 * may hold the host's breakpoint addresses).  DR6 and DR7 go through the
 * backend's accessors, DR4 and DR5 are their aliases (#UD with CR4.DE).
 *
 * Return: 0, or a negative errno after v3_vm_end().
 */
int v3_handle_dr(struct v3_vcpu *vcpu, unsigned int dr, bool write, int gpr);

/**
 * v3_handle_intr() - a host interrupt (or NMI, with @nmi) made the guest
 *                    exit; the host takes it when interrupts are enabled
 * @vcpu: the vCPU
 * @nmi: it was an NMI
 *
 * Return: 0.
 */
int v3_handle_intr(struct v3_vcpu *vcpu, bool nmi);

/**
 * v3_handle_irq_window() - the guest can take an interrupt now
 * @vcpu: the vCPU
 *
 * Return: 0.
 */
int v3_handle_irq_window(struct v3_vcpu *vcpu);

/**
 * v3_handle_iret() - the guest is about to execute an IRET, which the
 *                    backend was asked to report after an NMI
 * @vcpu: the vCPU
 *
 * Once RIP has moved on the guest's NMI handler has returned: NMIs are
 * unmasked.
 *
 * Return: 0.
 */
int v3_handle_iret(struct v3_vcpu *vcpu);

/**
 * v3_handle_triple_fault() - the guest shut down: the VM stops
 * @vcpu: the vCPU
 *
 * Return: -ECANCELED.
 */
int v3_handle_triple_fault(struct v3_vcpu *vcpu);

/**
 * v3_vcpu_should_run() - whether a vCPU thread should go on
 * @vcpu: the vCPU
 *
 * Return: false once the VM is neither RUNNING nor PAUSED, or the host
 * wants the thread to stop.  A paused VM's threads go on, outside the
 * guest: a backend enters the guest only while the VM is RUNNING.
 */
bool v3_vcpu_should_run(struct v3_vcpu *vcpu);

/* GDT descriptors: flat 4 GiB code32, data, and code64 */
#define V3_GDT_CODE32	0x00cf9b000000ffffULL
#define V3_GDT_DATA	0x00cf93000000ffffULL
#define V3_GDT_CODE64	0x00af9b000000ffffULL

/**
 * v3_image_tables() - write a loader's GDT and identity page tables
 * @mem: the VM's memory
 * @gdt: the four descriptors written at %V3_IMAGE_GDT_GPA
 *
 * The page tables, at %V3_IMAGE_PML4_GPA, map the first 4 GiB one to one
 * with 2 MiB pages.
 *
 * Return: 0, or -ENOEXEC if the memory is too small for them.
 */
int v3_image_tables(struct v3_mem_map *mem, const u64 gdt[4]);

/**
 * v3_vm_loaded() - mark a VM LOADED, vCPU 0 set up as @vm->boot says
 * @vm: the VM, CREATED, with its lock held
 */
void v3_vm_loaded(struct v3_vm *vm);

/**
 * v3_image_load() - copy an image into a VM's memory
 * @vm: the VM, CREATED
 * @image: the image
 * @size: its size
 * @bs: how vCPU 0 must start, on success
 *
 * Return: 0, or -ENOEXEC with the reason logged.
 */
int v3_image_load(struct v3_vm *vm, const void *image, u64 size,
		  struct v3_boot_state *bs);

/*
 * Exit handling the core does for every backend.  0 means "resume" (and,
 * for an exit caused by an instruction, that the backend completes it:
 * moves RIP past it); %V3_FAULTED that the core queued an exception
 * instead, so the instruction does not complete; a negative errno that the
 * VM stopped.
 */
#define V3_FAULTED	1

/* RFLAGS.IF, which the core and the backends read */
#define V3_RFLAGS_IF	BIT_ULL(9)

/* CR4 bits the core and the backends check (AMD64 APM vol. 2, 3.1.3) */
#define V3_CR4_PSE	BIT_ULL(4)
#define V3_CR4_PAE	BIT_ULL(5)
#define V3_CR4_MCE	BIT_ULL(6)
#define V3_CR4_PGE	BIT_ULL(7)
#define V3_CR4_UMIP	BIT_ULL(11)
#define V3_CR4_FSGSBASE	BIT_ULL(16)
#define V3_CR4_PCIDE	BIT_ULL(17)
#define V3_CR4_OSXSAVE	BIT_ULL(18)
#define V3_CR4_SMEP	BIT_ULL(20)
#define V3_CR4_SMAP	BIT_ULL(21)

/* Exception vectors */
#define V3_DB_VECTOR	1
#define V3_NMI_VECTOR	2
#define V3_UD_VECTOR	6
#define V3_GP_VECTOR	13
#define V3_AC_VECTOR	17
#define V3_MC_VECTOR	18

/**
 * v3_queue_exception() - make an exception the next event the guest takes
 * @vcpu: the vCPU, from its own thread, between exit and entry
 * @vector: the vector, 0 to 31
 * @err: the error code, for the vectors that push one (others ignore it)
 *
 * The backend delivers it at the next entry, in place of any event whose
 * delivery the exit cut short (as an exception raised while delivering
 * another is delivered instead, for the benign vectors the core queues).
 */
void v3_queue_exception(struct v3_vcpu *vcpu, unsigned int vector, u32 err);

/**
 * v3_handle_exception() - an exception raised in the guest was intercepted
 * @vcpu: the vCPU
 * @vector: the vector
 * @err: its error code (0 if it has none)
 *
 * The backend intercepts #DB and #AC, which a guest can otherwise make the
 * CPU raise in an endless loop that even an NMI does not break (the class
 * of CVE-2015-5307 and CVE-2015-8104): they go back to the guest, each
 * through an exit, so that the host keeps its CPU.  #MC is the host's: the
 * backend gave it to v3_host_machine_check() already; the guest resumes.
 *
 * #UD, which VMX intercepts: a hypercall in the other vendor's encoding
 * (VMMCALL on Intel) is the hypercall (v3_handle_ud()), anything else
 * goes back to the guest.
 *
 * Return: 0, or -ECANCELED for a vector the core does not expect (the VM
 * is stopped).
 */
int v3_handle_exception(struct v3_vcpu *vcpu, unsigned int vector, u32 err);

/**
 * v3_handle_ud() - an intercepted #UD
 * @vcpu: the vCPU
 *
 * Return: 0, or a negative errno after v3_vm_end().
 */
int v3_handle_ud(struct v3_vcpu *vcpu);

/**
 * v3_handle_wbinvd() - the guest executed WBINVD
 * @vcpu: the vCPU
 *
 * A no-op: the guest has no device that writes memory without coherence,
 * and a loop of WBINVD would make every host CPU's caches pay.
 *
 * Return: 0.
 */
int v3_handle_wbinvd(struct v3_vcpu *vcpu);

/**
 * v3_handle_rdpmc() - the guest executed RDPMC
 * @vcpu: the vCPU
 *
 * The CPUID policy offers no performance counters: #GP, as KVM does for a
 * guest without a PMU.  The host's counters are never read for a guest.
 *
 * Return: %V3_FAULTED.
 */
int v3_handle_rdpmc(struct v3_vcpu *vcpu);

/**
 * v3_handle_cpuid() - emulate CPUID with the VMM's CPUID policy
 * @vcpu: the vCPU; EAX and ECX are the input, EAX-EDX the output
 *
 * Return: 0.
 */
int v3_handle_cpuid(struct v3_vcpu *vcpu);

/**
 * v3_cpuid_policy() - what CPUID returns to a guest
 * @leaf: EAX
 * @subleaf: ECX
 * @regs: EAX, EBX, ECX and EDX on return
 */
void v3_cpuid_policy(u32 leaf, u32 subleaf, u32 regs[4]);

/**
 * v3_handle_io() - emulate one port access
 * @vcpu: the vCPU
 * @port: the port
 * @len: 1, 2 or 4
 * @in: true for IN
 * @val: the value written, or where to put the value read
 *
 * A port nothing hooked reads as all ones and ignores writes, like an
 * empty ISA bus; the first such access of a VM is logged.
 *
 * Return: 0, or a negative errno after v3_vm_end().
 */
int v3_handle_io(struct v3_vcpu *vcpu, u16 port, unsigned int len, bool in,
		 u32 *val);

/**
 * v3_mmio_backed() - whether an emulated device answers at an address
 * @vm: the VM
 * @gpa: a guest-physical address that is not RAM
 *
 * Return: true for the local APIC's page and the hooked MMIO ranges.
 */
bool v3_mmio_backed(const struct v3_vm *vm, u64 gpa);

/* How an access to device memory faulted (v3_handle_mmio()) */
#define V3_MMIO_WRITE	BIT(0)
#define V3_MMIO_FETCH	BIT(1)

/**
 * v3_handle_mmio() - emulate a guest access to guest-physical @gpa
 * @vcpu: the vCPU
 * @gpa: the address that faulted
 * @fault: how it faulted: %V3_MMIO_WRITE for a write, %V3_MMIO_FETCH for
 *         an instruction fetch, 0 for a read
 * @insn: the decoded instruction at the guest's RIP (NULL for a fetch)
 *
 * The instruction must be one that makes the access that faulted: the
 * guest may have changed the bytes at RIP since (another vCPU, or DMA),
 * and emulating another access than the CPU attempted would let it write
 * where it could only read.  A fetch from a device is refused too.
 *
 * Return: 0, -EAGAIN when the device wants the instruction executed again
 * (see &typedef v3_access_fn; the VM goes on), or a negative errno after
 * v3_vm_end() (no device there, an instruction the VMM does not emulate,
 * or one that does not match the fault).
 */
int v3_handle_mmio(struct v3_vcpu *vcpu, u64 gpa, unsigned int fault,
		   const struct v3_insn *insn);

/**
 * v3_handle_hypercall() - a VMMCALL; number in RAX, result in RAX
 * @vcpu: the vCPU
 *
 * Return: 0, or -ECANCELED when the guest asked to stop.
 */
int v3_handle_hypercall(struct v3_vcpu *vcpu);

/**
 * v3_handle_hlt() - the guest executed HLT
 * @vcpu: the vCPU
 * @irq_enabled: the guest's RFLAGS.IF
 *
 * With interrupts off nothing can wake the guest: the VM stops ("halted").
 * Otherwise the vCPU sleeps until it is kicked.
 *
 * Return: 0, or -ECANCELED when the VM stopped.
 */
int v3_handle_hlt(struct v3_vcpu *vcpu, bool irq_enabled);

#define V3_MSR_APIC_BASE	0x0000001b

/**
 * v3_msr_core() - the MSRs of the core's devices
 * @vcpu: the vCPU
 * @msr: the MSR (ECX)
 * @write: WRMSR rather than RDMSR
 * @val: the value written, or where the value read goes
 *
 * For the backend, after the MSRs it keeps itself: the TSC and
 * IA32_APIC_BASE.
 * Those of the paravirtual clock go on to v3_pvclock_msr().
 *
 * Return: 0, -ENOENT if the core has no such MSR, or -EINVAL for a value
 * the guest may not write (the backend raises #GP).
 */
int v3_msr_core(struct v3_vcpu *vcpu, u32 msr, bool write, u64 *val);

/**
 * v3_msr_unknown() - apply the policy for an MSR the VMM does not know
 * @vcpu: the vCPU
 * @msr: the MSR
 * @write: true for WRMSR
 *
 * The guest gets #GP, as on a CPU without the MSR; the first such access of
 * a VM is logged.
 */
void v3_msr_unknown(struct v3_vcpu *vcpu, u32 msr, bool write);

/**
 * v3_get_backend() - the backend in use
 *
 * Return: the backend, or NULL before v3_init().
 */
const struct v3_backend *v3_get_backend(void);

/**
 * v3_get_cpu() - the core's state of a host CPU
 * @cpu: the CPU
 *
 * Return: the state, or NULL if @cpu is out of range.
 */
struct v3_cpu *v3_get_cpu(int cpu);

#endif /* _PALACIOS_GUEST_H */
