// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios host interface on Linux: kernel threads.
 */
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/sched/task.h>

#include <palacios/host.h>

#include "glue.h"

int v3_host_thread_start(int (*fn)(void *arg), void *arg, int cpu,
			 const char *name, struct v3_thread **out)
{
	struct task_struct *task;

	if (cpu != V3_ANY_CPU &&
	    (cpu < 0 || cpu >= nr_cpu_ids || !cpu_online(cpu)))
		return -EINVAL;

	task = kthread_create(fn, arg, "%s", name);
	if (IS_ERR(task))
		return PTR_ERR(task);
	if (cpu != V3_ANY_CPU)
		kthread_bind(task, cpu);

	/*
	 * Hold a reference so that v3_host_thread_stop() works even when
	 * @fn has already returned and the thread has exited.
	 */
	get_task_struct(task);
	wake_up_process(task);
	*out = (struct v3_thread *)task;
	return 0;
}

bool v3_host_thread_should_stop(void)
{
	return kthread_should_stop();
}

int v3_host_thread_stop(struct v3_thread *thread)
{
	return kthread_stop_put((struct task_struct *)thread);
}

void v3_host_yield(void)
{
	cond_resched();
}
