/* SPDX-License-Identifier: Apache-2.0 */
/*
 * handout.h - the record that a take's answer reached its worker
 * (task_takes.delivered_at), written a little later rather than at once.
 * A task finished within task.delivery_record_ms of its answer needs no
 * record at all (a finish proves the delivery, and the scheduler looks
 * for undelivered hand-outs among taken tasks only); the others' records
 * are written together, one statement per batch, by one thread.
 */
#ifndef LOOMD_HANDOUT_H
#define LOOMD_HANDOUT_H

#include "common.h"

struct cfg;

/*
 * Start the thread; borrows cfg for the process lifetime.  The delay is
 * task.delivery_record_ms, at most a quarter of task.undelivered_seconds.
 */
int handout_start(const struct cfg *cfg,
    char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;
/* Write every pending record now, then stop and join the thread. */
void handout_stop(void);
/*
 * The answer handing task to worker was written to its connection now
 * (both strings borrowed, copied).  Without the thread (delay 0, or not
 * started) the record is written at once, by the calling thread.
 */
void handout_delivered(const char *worker, const char *task);
/* The task was finished (borrowed): its pending record is not needed. */
void handout_finished(const char *task);

#endif
