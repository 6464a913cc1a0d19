// SPDX-License-Identifier: GPL-2.0-only
/*
 * Palacios host interface on Linux: mutexes and spinlocks.
 *
 * Mutexes share a lockdep class: the core never nests two of them.  Each
 * spinlock is a lockdep class of its own, registered when it is allocated,
 * since the core does nest spinlocks of different objects (a device's lock,
 * then the interrupt controller's it drives a line of).
 */
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include <palacios/host.h>

#include "glue.h"

struct v3_mutex {
	struct mutex lock;	/* guards whatever the core guards with it */
};

struct v3_spinlock {
	spinlock_t lock;	/* guards whatever the core guards with it */
	struct lock_class_key key;
};

struct v3_mutex *v3_host_mutex_alloc(void)
{
	struct v3_mutex *mutex = kzalloc(sizeof(*mutex), GFP_KERNEL_ACCOUNT);

	if (mutex)
		mutex_init(&mutex->lock);
	return mutex;
}

void v3_host_mutex_free(struct v3_mutex *mutex)
{
	if (!mutex)
		return;
	mutex_destroy(&mutex->lock);
	kfree(mutex);
}

void v3_host_mutex_lock(struct v3_mutex *mutex)
{
	mutex_lock(&mutex->lock);
}

void v3_host_mutex_unlock(struct v3_mutex *mutex)
{
	mutex_unlock(&mutex->lock);
}

struct v3_spinlock *v3_host_spinlock_alloc(void)
{
	struct v3_spinlock *lock = kzalloc(sizeof(*lock), GFP_KERNEL_ACCOUNT);

	if (!lock)
		return NULL;
	lockdep_register_key(&lock->key);
	spin_lock_init(&lock->lock);
	lockdep_set_class(&lock->lock, &lock->key);
	return lock;
}

void v3_host_spinlock_free(struct v3_spinlock *lock)
{
	if (!lock)
		return;
	lockdep_unregister_key(&lock->key);
	kfree(lock);
}

unsigned long v3_host_spin_lock_irqsave(struct v3_spinlock *lock)
	__acquires(&lock->lock)
{
	unsigned long flags;

	spin_lock_irqsave(&lock->lock, flags);
	return flags;
}

void v3_host_spin_unlock_irqrestore(struct v3_spinlock *lock,
				    unsigned long flags)
	__releases(&lock->lock)
{
	spin_unlock_irqrestore(&lock->lock, flags);
}
