/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bgthread.c - a background thread's loop, wake-up and stop (see
 * bgthread.h).
 */
#include "config.h"

#include "bgthread.h"

#include <stdio.h>
#include <time.h>

/* Wait up to ms for a kick or a stop; true when stopping. */
static bool
bgthread_wait(struct bgthread *bt, int64_t ms)
{
	struct timespec until;
	bool stop;

	common_deadline_ms(CLOCK_MONOTONIC, ms, &until);
	pthread_mutex_lock(&bt->lock);
	while (!bt->stopping && !bt->kicked &&
	    pthread_cond_timedwait(&bt->cond, &bt->lock, &until) == 0)
		;
	bt->kicked = false;
	stop = bt->stopping;
	pthread_mutex_unlock(&bt->lock);
	return stop;
}

/* The thread: passes until stopped. */
static void *
bgthread_main(void *arg)
{
	struct bgthread *bt = arg;

	while (!bgthread_wait(bt, bt->pass(bt->arg)))
		;
	if (bt->done != NULL)
		bt->done(bt->arg);
	return NULL;
}

int
bgthread_start(struct bgthread *bt, char err[LOOMD_ERR_LEN])
{
	pthread_condattr_t ca;

	/* Nothing waits on cond yet: make its waits monotonic. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_lock(&bt->lock);
	pthread_cond_init(&bt->cond, &ca);
	bt->stopping = false;
	bt->kicked = false;
	pthread_mutex_unlock(&bt->lock);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&bt->thread, NULL, bgthread_main, bt) != 0) {
		snprintf(err, LOOMD_ERR_LEN, "cannot start the %s thread",
		    bt->name);
		return -1;
	}
	/* Shown by top -H and gdb; at most 15 characters. */
	pthread_setname_np(bt->thread, bt->name);
	bt->running = true;
	return 0;
}

void
bgthread_kick(struct bgthread *bt)
{
	pthread_mutex_lock(&bt->lock);
	bt->kicked = true;
	pthread_cond_signal(&bt->cond);
	pthread_mutex_unlock(&bt->lock);
}

bool
bgthread_stopping(struct bgthread *bt)
{
	return __atomic_load_n(&bt->stopping, __ATOMIC_RELAXED);
}

bool
bgthread_running(const struct bgthread *bt)
{
	return bt->running;
}

void
bgthread_stop(struct bgthread *bt)
{
	if (!bt->running)
		return;
	pthread_mutex_lock(&bt->lock);
	__atomic_store_n(&bt->stopping, true, __ATOMIC_RELAXED);
	pthread_cond_signal(&bt->cond);
	pthread_mutex_unlock(&bt->lock);
	pthread_join(bt->thread, NULL);
	bt->running = false;
}
