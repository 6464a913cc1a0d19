// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios host interface on Linux: kernel threads and sleeping on events.
 */
#include <linux/cgroup.h>
#include <linux/completion.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include <palacios/host.h>

#include "glue.h"

struct v3_thread {
	struct task_struct *task;
	int (*fn)(void *arg);
	void *arg;
	struct completion started;
};

/*
 * kthread_stop() on a thread that has not run yet returns without ever
 * calling its function.  The core expects its function to run, and to see
 * the stop request there, so v3_host_thread_stop() waits for this first.
 */
static int pal_thread_main(void *data)
{
	struct v3_thread *thread = data;

	complete(&thread->started);
	return thread->fn(thread->arg);
}

int v3_host_thread_start(int (*fn)(void *arg), void *arg, int cpu,
			 const char *name, struct v3_thread **out)
{
	struct v3_thread *thread;
	struct task_struct *task;

	if (cpu != V3_ANY_CPU &&
	    (cpu < 0 || cpu >= nr_cpu_ids || !cpu_online(cpu)))
		return -EINVAL;

	thread = kzalloc(sizeof(*thread), GFP_KERNEL);
	if (!thread)
		return -ENOMEM;
	thread->fn = fn;
	thread->arg = arg;
	init_completion(&thread->started);

	task = kthread_create(pal_thread_main, thread, "%s", name);
	if (IS_ERR(task)) {
		kfree(thread);
		return PTR_ERR(task);
	}
	/*
	 * Started for a process, the thread joins that process's cgroups, as
	 * vhost's workers did, so that its cpu.max, cpuset and pids limits
	 * hold for the VM's threads too.  Before kthread_bind(): a cpuset
	 * refuses tasks that may not change their CPUs.  The CPU the thread
	 * is bound to is one the process may run on (see v3_cpus_place()).
	 */
	if (!(current->flags & PF_KTHREAD)) {
		int err = cgroup_attach_task_all(current, task);

		if (err) {
			kthread_stop(task);
			kfree(thread);
			return err;
		}
	}
	if (cpu != V3_ANY_CPU)
		kthread_bind(task, cpu);

	/*
	 * Hold a reference so that v3_host_thread_stop() works even when
	 * @fn has already returned and the thread has exited.
	 */
	get_task_struct(task);
	thread->task = task;
	wake_up_process(task);
	*out = thread;
	return 0;
}

bool v3_host_thread_should_stop(void)
{
	return kthread_should_stop();
}

int v3_host_thread_stop(struct v3_thread *thread)
{
	int ret;

	wait_for_completion(&thread->started);
	ret = kthread_stop_put(thread->task);
	kfree(thread);
	return ret;
}

void v3_host_yield(void)
{
	cond_resched();
}

struct v3_waitq {
	wait_queue_head_t head;
};

struct v3_waitq *v3_host_waitq_alloc(void)
{
	struct v3_waitq *wq = kzalloc(sizeof(*wq), GFP_KERNEL);

	if (wq)
		init_waitqueue_head(&wq->head);
	return wq;
}

void v3_host_waitq_free(struct v3_waitq *wq)
{
	kfree(wq);
}

void v3_host_wait(struct v3_waitq *wq, bool (*cond)(void *arg), void *arg)
{
	/* Killable is not enough for a kernel thread: kthread_stop() wakes it. */
	if (current->flags & PF_KTHREAD) {
		wait_event_interruptible(wq->head,
					 cond(arg) || kthread_should_stop());
		return;
	}
	/*
	 * A process (pausing a VM, say) waits for vCPU threads, which answer
	 * promptly: only a fatal signal, after which nobody sees the result,
	 * ends the wait early.
	 */
	wait_event_killable(wq->head, cond(arg));
}

void v3_host_wake(struct v3_waitq *wq)
{
	wake_up_all(&wq->head);
}
