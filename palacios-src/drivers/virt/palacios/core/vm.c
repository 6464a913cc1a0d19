// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios core: the life of a VM and the run loop of its vCPUs.
 */
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/sprintf.h>
#include <linux/stdarg.h>
#include <linux/string.h>
#include <linux/types.h>

#include <asm/barrier.h>

#include <palacios/arch.h>
#include <palacios/backend.h>
#include <palacios/board.h>
#include <palacios/guest.h>
#include <palacios/host.h>
#include <palacios/image.h>
#include <palacios/log.h>
#include <palacios/vm.h>
#include <palacios/vmm.h>

/*
 * A guest's console lines reach the host's log at most V3_LOG_BURST at once
 * and V3_LOG_PER_SEC a second after that: a guest that prints without end
 * fills neither the log nor the host's consoles.  The dropped lines are
 * counted, and the count logged at most every V3_LOG_REPORT_NS (with a
 * line that passes) and when the VM stops.
 */
#define V3_LOG_BURST	500
#define V3_LOG_PER_SEC	50
#define V3_NS_PER_SEC	1000000000ULL
#define V3_LOG_REPORT_NS	(5 * V3_NS_PER_SEC)

static void v3_vm_log_report(struct v3_vm *vm, u64 now)
{
	if (!vm->log_dropped)
		return;
	v3_host_log(V3_LOG_WARN,
		    "vm %s: %lu of its console lines dropped (more than %u a second)\n",
		    vm->name, vm->log_dropped, V3_LOG_PER_SEC);
	vm->log_dropped = 0;
	vm->log_report_ns = now;
}

static void v3_vm_set_state(struct v3_vm *vm, enum v3_vm_state state)
{
	WRITE_ONCE(vm->state, state);
}

enum v3_vm_state v3_vm_state(const struct v3_vm *vm)
{
	return READ_ONCE(vm->state);
}

const char *v3_vm_name(const struct v3_vm *vm)
{
	return vm->name;
}

const char *v3_vm_stop_reason(const struct v3_vm *vm)
{
	return v3_vm_state(vm) == V3_VM_STOPPED ? vm->reason : "";
}

void v3_vm_get_stats(const struct v3_vm *vm, struct v3_vm_stats *stats)
{
	unsigned int i, c;

	memset(stats, 0, sizeof(*stats));
	for (i = 0; i < vm->nr_vcpus; i++) {
		const struct v3_vcpu *vcpu = vm->vcpus[i];

		for (c = 0; c < V3_NR_EXIT_CLASSES; c++)
			stats->exits[c] += READ_ONCE(vcpu->exits[c]);
		stats->guest_tsc += READ_ONCE(vcpu->guest_tsc);
		stats->vmm_tsc += READ_ONCE(vcpu->vmm_tsc);
		stats->halted_tsc += READ_ONCE(vcpu->halted_tsc);
	}
}

u64 v3_vm_exits(const struct v3_vm *vm, enum v3_exit_class class)
{
	unsigned int i;
	u64 n = 0;

	if (class >= V3_NR_EXIT_CLASSES)
		return 0;
	for (i = 0; i < vm->nr_vcpus; i++)
		n += READ_ONCE(vm->vcpus[i]->exits[class]);
	return n;
}

void v3_vm_end(struct v3_vm *vm, enum v3_log_level level, const char *fmt,
	       ...)
{
	unsigned long flags;
	bool first = false;
	unsigned int i;
	va_list args;

	flags = v3_host_spin_lock_irqsave(vm->stop_lock);
	if (!vm->stopped && (v3_vm_state(vm) == V3_VM_RUNNING ||
			     v3_vm_state(vm) == V3_VM_PAUSED)) {
		va_start(args, fmt);
		vsnprintf(vm->reason, sizeof(vm->reason), fmt, args);
		va_end(args);
		vm->stopped = true;
		v3_vm_set_state(vm, V3_VM_STOPPED);
		first = true;
	}
	v3_host_spin_unlock_irqrestore(vm->stop_lock, flags);
	if (!first)
		return;
	v3_host_wake(vm->pause_wq);

	v3_host_log(level, "vm %s: stopped: %s\n", vm->name,
		    vm->reason);
	for (i = 0; i < vm->nr_vcpus; i++)
		v3_vcpu_kick(vm->vcpus[i]);
	if (vm->cfg.on_stop)
		vm->cfg.on_stop(vm, vm->cfg.priv);
}

/*
 * A kick and an entry pair up as KVM's kvm_vcpu_kick() and vcpu_enter_guest()
 * do.  The kicker has stored its news (an interrupt request in an APIC, an
 * NMI or INIT, a new VM state) and then reads @mode; the entering vCPU
 * stores @mode and then looks at the news (the VM's state and INIT here,
 * interrupts and NMIs in the backend's injection after this), each with a
 * full barrier in between, so that one of them sees the other.  Either the
 * entry sees the news, or the kicker sees the vCPU in guest mode and
 * interrupts its CPU, whose pending interrupt makes the guest exit at once.
 * Only a vCPU in guest mode costs an interrupt; a halted one is woken.
 */
void v3_vcpu_kick(struct v3_vcpu *vcpu)
{
	int cpu;

	WRITE_ONCE(vcpu->kicked, true);
	smp_mb();	/* the news before @mode: pairs with v3_vcpu_enter() */
	if (vcpu->wq)
		v3_host_wake(vcpu->wq);
	if (READ_ONCE(vcpu->mode) != V3_VCPU_IN_GUEST)
		return;
	cpu = READ_ONCE(vcpu->cpu);
	if (cpu != v3_host_cpu_id())
		v3_host_interrupt_cpu(cpu);
}

bool v3_vcpu_enter(struct v3_vcpu *vcpu)
{
	WRITE_ONCE(vcpu->cpu, v3_host_cpu_id());
	WRITE_ONCE(vcpu->mode, V3_VCPU_IN_GUEST);
	smp_mb();	/* @mode before the news: pairs with v3_vcpu_kick() */
	if (v3_vm_state(vcpu->vm) == V3_VM_RUNNING &&
	    !READ_ONCE(vcpu->lapic.init_pending))
		return true;
	WRITE_ONCE(vcpu->mode, V3_VCPU_OUTSIDE);
	return false;
}

void v3_vcpu_exited(struct v3_vcpu *vcpu)
{
	WRITE_ONCE(vcpu->mode, V3_VCPU_OUTSIDE);
}

bool v3_vcpu_should_run(struct v3_vcpu *vcpu)
{
	enum v3_vm_state state = v3_vm_state(vcpu->vm);

	return (state == V3_VM_RUNNING || state == V3_VM_PAUSED) &&
	       !v3_host_thread_should_stop();
}

void v3_vm_apic_send(struct v3_vm *vm, const struct v3_apic_msg *msg)
{
	unsigned int i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		struct v3_lapic *apic = &vm->vcpus[i]->lapic;

		if (!v3_lapic_accept(apic, msg))
			continue;
		v3_lapic_deliver(apic, msg);
		if (msg->delivery == V3_APIC_LOWEST)
			return;
	}
}

static void v3_vcpu_apic_kick(void *priv)
{
	v3_vcpu_kick(priv);
}

static void v3_vcpu_apic_send(void *priv, const struct v3_apic_msg *msg)
{
	struct v3_vcpu *vcpu = priv;

	v3_vm_apic_send(vcpu->vm, msg);
}

static void v3_vcpu_apic_eoi(void *priv, u8 vector)
{
	struct v3_vcpu *vcpu = priv;

	v3_board_apic_eoi(vcpu->vm, vector);
}

static const struct v3_lapic_ops v3_vcpu_lapic_ops = {
	.kick = v3_vcpu_apic_kick,
	.send = v3_vcpu_apic_send,
	.eoi = v3_vcpu_apic_eoi,
};

/* Sleeping vCPUs wake for a kick, an interrupt, or the end of the VM. */
static bool v3_vcpu_wake_cond(void *arg)
{
	struct v3_vcpu *vcpu = arg;

	return READ_ONCE(vcpu->kicked) || v3_intr_pending(vcpu) ||
	       v3_vm_state(vcpu->vm) != V3_VM_RUNNING;
}

/**
 * v3_vcpu_sleep() - sleep until the vCPU is kicked or its VM stops
 * @vcpu: the vCPU, from its own thread
 */
static void v3_vcpu_sleep(struct v3_vcpu *vcpu)
{
	v3_host_wait(vcpu->wq, v3_vcpu_wake_cond, vcpu);
	WRITE_ONCE(vcpu->kicked, false);
}

static bool v3_vcpu_unpaused(void *arg)
{
	struct v3_vcpu *vcpu = arg;

	return v3_vm_state(vcpu->vm) != V3_VM_PAUSED;
}

/*
 * v3_vcpu_park() - wait outside the guest while the VM is paused
 * @vcpu: the vCPU, from its own thread
 *
 * Return: true if the VM was paused.
 */
static bool v3_vcpu_park(struct v3_vcpu *vcpu)
{
	if (v3_vm_state(vcpu->vm) != V3_VM_PAUSED)
		return false;
	WRITE_ONCE(vcpu->parked, true);
	v3_host_wake(vcpu->vm->pause_wq);
	v3_host_wait(vcpu->wq, v3_vcpu_unpaused, vcpu);
	WRITE_ONCE(vcpu->parked, false);
	return true;
}

/* A vCPU starts running guest code (vCPU 0 at launch, the others at SIPI) */
static void v3_vcpu_started(struct v3_vcpu *vcpu)
{
	unsigned long flags;

	flags = v3_host_spin_lock_irqsave(vcpu->vm->stop_lock);
	vcpu->vm->nr_running++;
	v3_host_spin_unlock_irqrestore(vcpu->vm->stop_lock, flags);
}

/*
 * What wakes a CPU halted with interrupts disabled: an INIT, or an NMI it
 * can take (not one that waits for the IRET of an NMI handler that halted:
 * waking for that one would only halt again, over and over).  @nmi_masked
 * is the vCPU's own, and so is the thread that evaluates this.
 */
static bool v3_vcpu_halted_wakes(struct v3_vcpu *vcpu)
{
	return READ_ONCE(vcpu->lapic.init_pending) ||
	       (READ_ONCE(vcpu->lapic.nmi_pending) && !vcpu->nmi_masked);
}

static bool v3_vcpu_halted_cond(void *arg)
{
	struct v3_vcpu *vcpu = arg;

	return v3_vm_state(vcpu->vm) != V3_VM_RUNNING ||
	       v3_vcpu_halted_wakes(vcpu);
}

/* Count one down a counter of @vm's vCPUs; true if it reached 0. */
static bool v3_vm_count_down(struct v3_vm *vm, unsigned int *count)
{
	unsigned long flags;
	bool last;

	flags = v3_host_spin_lock_irqsave(vm->stop_lock);
	last = !--*count;
	v3_host_spin_unlock_irqrestore(vm->stop_lock, flags);
	return last;
}

/*
 * HLT with interrupts disabled: only an NMI or an INIT wakes the vCPU.  The VM
 * stops when the last vCPU running guest code does it (as every CPU but
 * the last does on a kernel's way to power off); until then the others
 * wait here, parking when the VM is paused.
 */
static int v3_vcpu_halt_for_good(struct v3_vcpu *vcpu)
{
	struct v3_vm *vm = vcpu->vm;

	if (v3_vm_count_down(vm, &vm->nr_running)) {
		v3_vm_end(vm, V3_LOG_INFO,
			  "vCPU %u halted with interrupts disabled", vcpu->id);
		return -ECANCELED;
	}
	while (v3_vcpu_should_run(vcpu)) {
		if (v3_vcpu_park(vcpu))
			continue;
		v3_host_wait(vcpu->wq, v3_vcpu_halted_cond, vcpu);
		if (v3_vm_state(vm) == V3_VM_RUNNING &&
		    v3_vcpu_halted_wakes(vcpu)) {
			v3_vcpu_started(vcpu);
			return 0;
		}
	}
	return -ECANCELED;
}

int v3_handle_hlt(struct v3_vcpu *vcpu, bool irq_enabled)
{
	u64 t0;

	if (!irq_enabled)
		return v3_vcpu_halt_for_good(vcpu);
	t0 = v3_rdtsc();
	v3_vcpu_sleep(vcpu);
	WRITE_ONCE(vcpu->halted_tsc, vcpu->halted_tsc + v3_rdtsc() - t0);
	return v3_vcpu_should_run(vcpu) ? 0 : -ECANCELED;
}

/* Return: true if the VM ended before a startup IPI came. */
static bool v3_vcpu_wait_sipi(struct v3_vcpu *vcpu)
{
	struct v3_boot_state bs = { .mode = V3_IMAGE_REAL16 };
	int vector;

	while (v3_vcpu_should_run(vcpu)) {
		if (v3_vcpu_park(vcpu))
			continue;
		vector = v3_lapic_take_startup(&vcpu->lapic);
		if (vector >= 0) {
			bs.cs = vector << 8;
			v3_vcpu_boot(vcpu, &bs);
			v3_vcpu_started(vcpu);
			return false;
		}
		v3_vcpu_sleep(vcpu);
	}
	return true;
}

/*
 * An INIT to a vCPU that runs: back to the state after INIT, its local APIC
 * reset, out of the count of running vCPUs until a startup IPI starts it
 * again, as a CPU's INIT does.  Return: true if the VM ended meanwhile.
 */
static bool v3_vcpu_init_signal(struct v3_vcpu *vcpu)
{
	struct v3_vm *vm = vcpu->vm;

	v3_vcpu_reset(vcpu);
	memset(vcpu->gpr, 0, sizeof(vcpu->gpr));
	memset(vcpu->db, 0, sizeof(vcpu->db));
	vcpu->db_active = false;
	v3_fpu_init(vcpu->fpu);
	v3_lapic_reset(&vcpu->lapic);
	vcpu->nmi_masked = false;
	vcpu->nmi_iret = false;
	if (v3_vm_count_down(vm, &vm->nr_running)) {
		v3_vm_end(vm, V3_LOG_ERR,
			  "vCPU %u took an INIT and no vCPU is left running",
			  vcpu->id);
		return true;
	}
	return v3_vcpu_wait_sipi(vcpu);
}

static void v3_vcpu_loop(struct v3_vcpu *vcpu)
{
	const struct v3_backend *be = v3_get_backend();

	/*
	 * Application processors wait for their startup IPI, then start in
	 * real mode at its vector's page, as the MP protocol says.
	 */
	if (vcpu->id && v3_vcpu_wait_sipi(vcpu))
		return;
	if (!vcpu->id)
		v3_vcpu_started(vcpu);
	while (v3_vcpu_should_run(vcpu)) {
		if (v3_vcpu_park(vcpu))
			continue;
		if ((READ_ONCE(vcpu->lapic.init_pending) ||
		     READ_ONCE(vcpu->lapic.sipi_vector) >= 0) &&
		    v3_lapic_take_init_running(&vcpu->lapic)) {
			if (v3_vcpu_init_signal(vcpu))
				break;
			continue;
		}
		if (v3_vcpu_run(vcpu))
			break;
		v3_host_yield();
	}
	be->vcpu_put(vcpu);
}

/* The vCPU no longer counts on its CPU for placement. */
static void v3_vcpu_unplace(struct v3_vcpu *vcpu)
{
	if (vcpu->placed_cpu >= 0) {
		v3_cpu_unplace(vcpu->placed_cpu);
		vcpu->placed_cpu = -1;
	}
}

/*
 * No vCPU runs any more: what the VM holds of its host goes back.  Its
 * device timers stop, so that a stopped VM raises no host timer interrupt
 * while it waits to be freed.
 */
static void v3_vm_quiesce(struct v3_vm *vm)
{
	unsigned int i;

	/* No vCPU writes COM1 any more: the sink's count is final. */
	v3_vm_log_report(vm, 0);

	v3_board_stop(vm);
	for (i = 0; vm->vcpus && i < vm->nr_vcpus; i++)
		v3_lapic_stop(&vm->vcpus[i]->lapic);
}

/* The last vCPU thread to end quiesces the VM. */
static void v3_vcpu_ended(struct v3_vcpu *vcpu)
{
	if (v3_vm_count_down(vcpu->vm, &vcpu->vm->nr_threads))
		v3_vm_quiesce(vcpu->vm);
}

static int v3_vcpu_thread(void *arg)
{
	v3_vcpu_loop(arg);
	/* its CPU is free for other vCPUs' placement */
	v3_vcpu_unplace(arg);
	v3_vcpu_ended(arg);
	return 0;
}

/* Count down the COM1 lines the log still takes; see V3_LOG_BURST. */
static bool v3_vm_log_allowed(struct v3_vm *vm)
{
	u64 now = v3_host_time_ns();
	u64 earned = (now - vm->log_refill_ns) * V3_LOG_PER_SEC / V3_NS_PER_SEC;

	if (earned >= V3_LOG_BURST - vm->log_tokens) {
		vm->log_tokens = V3_LOG_BURST;
		vm->log_refill_ns = now;
	} else if (earned) {
		vm->log_tokens += earned;
		vm->log_refill_ns += earned * V3_NS_PER_SEC / V3_LOG_PER_SEC;
	}
	if (!vm->log_tokens) {
		vm->log_dropped++;
		return false;
	}
	vm->log_tokens--;
	if (now - vm->log_report_ns >= V3_LOG_REPORT_NS)
		v3_vm_log_report(vm, now);
	return true;
}

/* The log as the sink of COM1: one line of the guest, one line of log. */
static void v3_vm_log_sink(struct v3_vm *vm, const u8 *buf, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < len; i++) {
		u8 c = buf[i];

		if (c == '\r')
			continue;
		if (c != '\n' && vm->line_len < sizeof(vm->line) - 1) {
			/* Keep the log printable: no escapes from a guest. */
			vm->line[vm->line_len++] = c >= 0x20 && c < 0x7f ? c : '?';
			continue;
		}
		vm->line[vm->line_len] = '\0';
		if (v3_vm_log_allowed(vm))
			v3_host_log(V3_LOG_INFO, "%s> %s\n", vm->name,
				    vm->line);
		vm->line_len = 0;
		if (c != '\n')
			vm->line[vm->line_len++] = c >= 0x20 && c < 0x7f ? c : '?';
	}
}

void v3_vm_console_out(struct v3_vm *vm, const u8 *buf, unsigned int len)
{
	if (vm->cfg.console)
		vm->cfg.console(vm->cfg.priv, buf, len);
	if (!vm->cfg.console || vm->cfg.log_console)
		v3_vm_log_sink(vm, buf, len);
}

static void v3_vcpus_free(struct v3_vm *vm)
{
	const struct v3_backend *be = v3_get_backend();
	unsigned int i;

	if (!vm->vcpus)
		return;
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct v3_vcpu *vcpu = vm->vcpus[i];

		if (!vcpu)
			continue;
		v3_lapic_free(&vcpu->lapic);
		v3_host_waitq_free(vcpu->wq);
		v3_host_free(vcpu->fpu_mem);
		if (vcpu->be_ready && !be->vcpu_free(vcpu)) {
			v3_err("vm %s: vCPU %u stays allocated: another CPU may still use it\n",
			       vm->name, vcpu->id);
			continue;
		}
		v3_host_free(vcpu);
	}
	v3_host_free(vm->vcpus);
	vm->vcpus = NULL;
}

static int v3_vcpus_create(struct v3_vm *vm)
{
	const struct v3_backend *be = v3_get_backend();
	unsigned int i;
	int err;

	vm->vcpus = v3_host_zalloc(vm->nr_vcpus * sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return -ENOMEM;
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct v3_vcpu *vcpu = v3_host_zalloc(be->vcpu_size);

		if (!vcpu)
			return -ENOMEM;
		vm->vcpus[i] = vcpu;
		vcpu->vm = vm;
		vcpu->be = be;
		vcpu->id = i;
		vcpu->cpu = -1;		/* placed when the VM starts */
		vcpu->placed_cpu = -1;
		vcpu->wq = v3_host_waitq_alloc();
		vcpu->fpu_mem = v3_host_zalloc(v3_fpu_area_size() +
					       V3_FPU_ALIGN);
		if (!vcpu->wq || !vcpu->fpu_mem)
			return -ENOMEM;
		vcpu->fpu = (void *)(((unsigned long)vcpu->fpu_mem +
				      V3_FPU_ALIGN - 1) & ~(V3_FPU_ALIGN - 1UL));
		v3_fpu_init(vcpu->fpu);
		err = v3_lapic_init(&vcpu->lapic, i, !i, &v3_vcpu_lapic_ops,
				    vcpu);
		if (err)
			return err;
		err = be->vcpu_init(vcpu);
		if (err)
			return err;
		vcpu->be_ready = true;
		v3_vcpu_reset(vcpu);
	}
	return 0;
}

/*
 * A VM allocated later at this address must not pass for this one on a
 * CPU it ran on, and skip the branch predictor barrier (v3_vcpu_load()).
 */
static void v3_vm_forget_cpus(struct v3_vm *vm)
{
	unsigned int i;

	for (i = 0; i < v3_host_nr_cpu_ids(); i++) {
		struct v3_cpu *cpu = v3_get_cpu(i);

		if (cpu && READ_ONCE(cpu->last_vm) == vm)
			WRITE_ONCE(cpu->last_vm, NULL);
	}
}

static void v3_vm_release(struct v3_vm *vm)
{
	const struct v3_backend *be = v3_get_backend();

	v3_board_free(vm);
	v3_vcpus_free(vm);
	if (vm->be_ready)
		be->vm_free(vm);
	v3_vm_forget_cpus(vm);
	v3_range_map_free(&vm->io);
	v3_range_map_free(&vm->mmio);
	v3_mem_map_free(&vm->mem);
	v3_host_waitq_free(vm->pause_wq);
	v3_host_spinlock_free(vm->stop_lock);
	v3_host_mutex_free(vm->lock);
	v3_host_free(vm);
}

int v3_vm_create(const struct v3_vm_config *cfg, struct v3_vm **out)
{
	const struct v3_backend *be = v3_get_backend();
	struct v3_vm *vm;
	int err;

	if (!be || !v3_nr_cpus_enabled())
		return -ENODEV;
	if (!cfg->nr_vcpus || cfg->nr_vcpus > V3_MAX_VCPUS ||
	    !cfg->mem_size || cfg->mem_size % V3_MEM_ALIGN ||
	    cfg->mem_size > V3_MEM_MAX)
		return -EINVAL;
	/* a backend that enables its CPUs but does not run VMs */
	if (!be->vm_init)
		return -EOPNOTSUPP;

	vm = v3_host_zalloc(be->vm_size);
	if (!vm)
		return -ENOMEM;
	vm->cfg = *cfg;
	strscpy(vm->name, cfg->name ? cfg->name : "guest", sizeof(vm->name));
	vm->cfg.name = vm->name;
	vm->log_tokens = V3_LOG_BURST;
	vm->log_refill_ns = v3_host_time_ns();
	vm->log_report_ns = vm->log_refill_ns;
	vm->nr_vcpus = cfg->nr_vcpus;
	v3_io_map_init(&vm->io);
	v3_mmio_map_init(&vm->mmio);
	vm->lock = v3_host_mutex_alloc();
	vm->stop_lock = v3_host_spinlock_alloc();
	vm->pause_wq = v3_host_waitq_alloc();
	if (!vm->lock || !vm->stop_lock || !vm->pause_wq) {
		err = -ENOMEM;
		goto fail;
	}

	err = v3_mem_map_init(&vm->mem, cfg->mem_size);
	if (err)
		goto fail;
	err = v3_board_create(vm);
	if (err)
		goto fail;
	err = be->vm_init(vm);
	if (err)
		goto fail;
	vm->be_ready = true;
	err = v3_vcpus_create(vm);
	if (err)
		goto fail;

	v3_vm_set_state(vm, V3_VM_CREATED);
	*out = vm;
	return 0;
fail:
	v3_vm_release(vm);
	return err;
}

void v3_vm_loaded(struct v3_vm *vm)
{
	v3_vcpu_boot(vm->vcpus[0], &vm->boot);
	v3_vm_set_state(vm, V3_VM_LOADED);
}

int v3_vm_load(struct v3_vm *vm, const void *image, u64 size)
{
	int err;

	v3_host_mutex_lock(vm->lock);
	if (v3_vm_state(vm) != V3_VM_CREATED) {
		err = -EBUSY;
	} else {
		err = v3_image_load(vm, image, size, &vm->boot);
		if (!err)
			v3_vm_loaded(vm);
	}
	v3_host_mutex_unlock(vm->lock);
	return err;
}

/* Join the vCPU threads and free their CPUs; the VM is no longer RUNNING. */
static void v3_vm_join(struct v3_vm *vm)
{
	unsigned int i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		struct v3_vcpu *vcpu = vm->vcpus[i];

		if (vcpu->thread) {
			v3_host_thread_stop(vcpu->thread);
			vcpu->thread = NULL;
		}
		/* a thread that never ran its loop */
		v3_vcpu_unplace(vcpu);
	}
}

int v3_vm_set_affinity(struct v3_vm *vm, const struct v3_cpuset *cpus)
{
	unsigned int i;
	int err = -EINVAL;

	for (i = 0; i < V3_CPUSET_BITS && i < v3_host_nr_cpu_ids(); i++)
		if (v3_cpuset_has(cpus, i))
			err = 0;
	for (; i < V3_CPUSET_BITS; i++)
		if (v3_cpuset_has(cpus, i))
			err = -EINVAL;
	if (err)
		return err;
	v3_host_mutex_lock(vm->lock);
	if (v3_vm_state(vm) != V3_VM_CREATED &&
	    v3_vm_state(vm) != V3_VM_LOADED) {
		err = -EBUSY;
	} else {
		vm->affinity = *cpus;
		vm->has_affinity = true;
	}
	v3_host_mutex_unlock(vm->lock);
	return err;
}

/* Choose the vCPUs' CPUs, and say where they went. */
static int v3_vm_place(struct v3_vm *vm)
{
	int cpus[V3_MAX_VCPUS];
	char list[V3_MAX_VCPUS * 6 + 1];	/* ",NNNNN" each */
	unsigned int i, pos = 0;
	int err;

	err = v3_cpus_place(vm->has_affinity ? &vm->affinity : NULL,
			    vm->nr_vcpus, cpus);
	if (err)
		return err;
	for (i = 0; i < vm->nr_vcpus; i++) {
		vm->vcpus[i]->cpu = cpus[i];
		vm->vcpus[i]->placed_cpu = cpus[i];
		pos += snprintf(list + pos, sizeof(list) - pos, "%s%d",
				i ? "," : "", cpus[i]);
	}
	v3_info("vm %s: running (%llu MiB, %u vCPUs on host CPUs %s)\n",
		vm->name, vm->mem.size >> 20, vm->nr_vcpus, list);
	return 0;
}

int v3_vm_start(struct v3_vm *vm)
{
	char name[V3_VM_NAME_LEN + 16];
	unsigned int i;
	int err = 0;

	v3_host_mutex_lock(vm->lock);
	if (v3_vm_state(vm) != V3_VM_LOADED) {
		v3_host_mutex_unlock(vm->lock);
		return -EBUSY;
	}
	err = v3_vm_place(vm);
	v3_vm_set_state(vm, V3_VM_RUNNING);
	if (err) {
		v3_vm_end(vm, V3_LOG_ERR,
			  "no CPU of its affinity has virtualisation enabled");
		v3_host_mutex_unlock(vm->lock);
		return err;
	}
	vm->nr_threads = vm->nr_vcpus;
	for (i = 0; i < vm->nr_vcpus && !err; i++) {
		struct v3_vcpu *vcpu = vm->vcpus[i];

		snprintf(name, sizeof(name), "pal-%s/%u", vm->name, i);
		err = v3_host_thread_start(v3_vcpu_thread, vcpu, vcpu->cpu,
					   name, &vcpu->thread);
	}
	if (err) {
		v3_vm_end(vm, V3_LOG_ERR, "could not start its vCPU threads (%d)",
			  err);
		v3_vm_join(vm);
	}
	v3_host_mutex_unlock(vm->lock);
	return err;
}

/* Every vCPU thread waits outside the guest, or has ended. */
static bool v3_vm_parked(void *arg)
{
	struct v3_vm *vm = arg;
	unsigned int i;

	if (v3_vm_state(vm) != V3_VM_PAUSED)
		return true;
	for (i = 0; i < vm->nr_vcpus; i++)
		if (!READ_ONCE(vm->vcpus[i]->parked))
			return false;
	return true;
}

/*
 * Move between RUNNING and PAUSED, under stop_lock so as not to undo a
 * v3_vm_end() of a vCPU thread.
 */
static bool v3_vm_change(struct v3_vm *vm, enum v3_vm_state from,
			 enum v3_vm_state to)
{
	unsigned long flags;
	bool done = false;

	flags = v3_host_spin_lock_irqsave(vm->stop_lock);
	if (!vm->stopped && v3_vm_state(vm) == from) {
		v3_vm_set_state(vm, to);
		done = true;
	}
	v3_host_spin_unlock_irqrestore(vm->stop_lock, flags);
	return done;
}

int v3_vm_pause(struct v3_vm *vm)
{
	unsigned int i;
	int err = 0;

	v3_host_mutex_lock(vm->lock);
	if (!v3_vm_change(vm, V3_VM_RUNNING, V3_VM_PAUSED)) {
		err = -EBUSY;
	} else {
		for (i = 0; i < vm->nr_vcpus; i++)
			v3_vcpu_kick(vm->vcpus[i]);
		/* A vCPU that stops the guest meanwhile ends the wait too. */
		v3_host_wait(vm->pause_wq, v3_vm_parked, vm);
	}
	v3_host_mutex_unlock(vm->lock);
	return err;
}

int v3_vm_resume(struct v3_vm *vm)
{
	unsigned int i;
	int err = 0;

	v3_host_mutex_lock(vm->lock);
	if (!v3_vm_change(vm, V3_VM_PAUSED, V3_VM_RUNNING)) {
		err = -EBUSY;
	} else {
		for (i = 0; i < vm->nr_vcpus; i++)
			v3_host_wake(vm->vcpus[i]->wq);
	}
	v3_host_mutex_unlock(vm->lock);
	return err;
}

void v3_vm_stop(struct v3_vm *vm)
{
	v3_host_mutex_lock(vm->lock);
	v3_vm_end(vm, V3_LOG_INFO, "stopped by the host");
	v3_vm_join(vm);
	/* for a VM never started, or one whose threads did not all start */
	v3_vm_quiesce(vm);
	v3_host_mutex_unlock(vm->lock);
}

void v3_vm_free(struct v3_vm *vm)
{
	if (!vm)
		return;
	v3_vm_stop(vm);
	v3_vm_release(vm);
}
