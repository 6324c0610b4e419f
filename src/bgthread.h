/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bgthread.h - loomd's background threads (scheduler, callback delivery,
 * heartbeat, freeze watch, header sweeper): a named thread that runs one
 * pass, waits the time the pass asked for on the monotonic clock (a clock
 * step changes nothing), and runs the next; a kick ends the wait early and
 * a stop ends it at once, after which the thread runs its done hook and is
 * joined.
 */
#ifndef LOOMD_BGTHREAD_H
#define LOOMD_BGTHREAD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "common.h"

struct bgthread {
	/* Set by the owner (BGTHREAD_INIT). */
	const char *name; /* the thread's name and its error message's */
	/* One pass; returns the ms to wait before the next (0: at once). */
	int64_t (*pass)(void *arg);
	void (*done)(void *arg); /* after the last pass, or NULL */
	void *arg;
	/* The module's own. */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool running, stopping, kicked;
};

#define BGTHREAD_INIT(nm, fn, fin, a) \
	{ \
		.name = (nm), .pass = (fn), .done = (fin), .arg = (a), \
		.lock = PTHREAD_MUTEX_INITIALIZER, \
		.cond = PTHREAD_COND_INITIALIZER \
	}

/* Start the thread (bt is borrowed until bgthread_stop()). */
int bgthread_start(struct bgthread *bt,
    char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;
/* End the current wait now (or the next one, if a pass is running). */
void bgthread_kick(struct bgthread *bt);
/* Has a stop been asked for?  For a pass that loops over much work. */
bool bgthread_stopping(struct bgthread *bt);
/* Started and not yet stopped? */
bool bgthread_running(const struct bgthread *bt);
/* Ask the thread to stop and join it; nothing if it is not running. */
void bgthread_stop(struct bgthread *bt);

#endif
