// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios on Linux: bring the core up and keep hardware virtualisation
 * enabled on exactly the online CPUs.
 *
 * The CPU hotplug callbacks run on the CPU they act on, serialised by the
 * hotplug code, which is what v3_cpu_up() and v3_cpu_down() ask for.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/notifier.h>
#include <linux/printk.h>
#include <linux/reboot.h>
#include <linux/smp.h>

#include <asm/reboot.h>

#include <palacios/vmm.h>

#include "glue.h"

static enum cpuhp_state pal_cpuhp_state;
static bool pal_vmm_running;

static int pal_cpu_online(unsigned int cpu)
{
	return v3_cpu_up(cpu);
}

static int pal_cpu_offline(unsigned int cpu)
{
	v3_cpu_down(cpu);
	return 0;
}

static void pal_cpu_down_ipi(void *unused)
{
	v3_cpu_down(smp_processor_id());
}

/*
 * Leave no CPU with virtualisation enabled across a reboot or kexec: the
 * next kernel, or the firmware, expects it off.
 */
static int pal_reboot(struct notifier_block *nb, unsigned long code,
		      void *unused)
{
	on_each_cpu(pal_cpu_down_ipi, NULL, 1);
	return NOTIFY_OK;
}

static struct notifier_block pal_reboot_nb = {
	.notifier_call = pal_reboot,
};

int pal_vmm_init(void)
{
	char desc[256];
	int err;

	err = v3_init();
	if (err)
		return err;

	err = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "virt/palacios:online",
				pal_cpu_online, pal_cpu_offline);
	if (err < 0) {
		if (err == -EBUSY)
			pr_err("%s is in use by another hypervisor, such as KVM: not loading\n",
			       v3_backend_name());
		v3_exit();
		return err;
	}
	pal_cpuhp_state = err;
	register_reboot_notifier(&pal_reboot_nb);
	/* a crash (kdump) or an emergency reboot: off on every CPU, at once */
	cpu_emergency_register_virt_callback(v3_emergency_disable);
	pal_vmm_running = true;
	v3_describe(desc, sizeof(desc));
	pr_info("%s: %s\n", v3_backend_name(), desc);
	pr_info("%s enabled on %u CPUs; Palacios holds %llu pages\n",
		v3_backend_name(), v3_nr_cpus_enabled(), pal_pages_in_use());
	return 0;
}

void pal_vmm_exit(void)
{
	if (!pal_vmm_running)
		return;
	cpu_emergency_unregister_virt_callback(v3_emergency_disable);
	unregister_reboot_notifier(&pal_reboot_nb);
	cpuhp_remove_state(pal_cpuhp_state);
	v3_exit();
	pal_vmm_running = false;
	pr_info("hardware virtualisation disabled on all CPUs\n");
}

bool pal_vmm_active(void)
{
	return pal_vmm_running;
}
