/* SPDX-License-Identifier: Apache-2.0 */
/*
 * takewait.h - takes that wait for work.  A POST /v1/loom/tasks/take that
 * finds nothing is parked (its libmicrohttpd connection suspended: it
 * holds no HTTP thread and no database connection) for up to
 * task.take_wait_ms.  It is woken when this loomd queues tasks, or when
 * the one poll this loomd runs every TAKEWAIT_POLL_MS while takes wait
 * sees a queued task its takes may have (queued by another loomd: one of
 * this datacenter, or another datacenter's once task.foreign_grace_ms has
 * passed).  The woken take looks again; at its deadline it answers 204 as
 * before.
 */
#ifndef LOOMD_TAKEWAIT_H
#define LOOMD_TAKEWAIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"

struct cfg;

/* How often the parked takes of one loomd are served by one query. */
#define TAKEWAIT_POLL_MS 150

enum takewait_park {
	TAKEWAIT_PARKED,  /* suspended: answer nothing now */
	TAKEWAIT_AGAIN,	  /* tasks were queued meanwhile: look again */
	TAKEWAIT_REFUSED, /* draining or stopped: answer now */
};

/*
 * Start the thread that wakes parked takes at their deadline and runs the
 * poll; borrows cfg for the process lifetime.  Returns 0 or -1 with err.
 */
int takewait_start(const struct cfg *cfg,
    char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;
/* Wake every parked take (they answer 204) and park no more. */
void takewait_drain(void);
/* Stop and join the thread (after takewait_drain and the HTTP stop). */
void takewait_stop(void);

/* Monotonic milliseconds, the clock of deadlines. */
int64_t takewait_now_ms(void);
/* True once takewait_drain ran: a woken take answers at once. */
bool takewait_draining(void);
/* Generation of queued work; read before a take, pass to park. */
uint64_t takewait_gen(void);

/*
 * Park conn (a struct MHD_Connection of a daemon started with
 * MHD_ALLOW_SUSPEND_RESUME, borrowed until it is resumed) until
 * deadline_ms (takewait_now_ms clock) or a wake-up.  gen is what
 * takewait_gen returned before the take that found nothing: when work
 * was queued since, nothing is parked and TAKEWAIT_AGAIN is returned.
 * Called from the connection's own access handler only.
 */
enum takewait_park takewait_park(void *conn, int64_t deadline_ms,
    uint64_t gen);

/* Wake up to n parked takes, oldest first (SIZE_MAX: all of them). */
void takewait_kick(size_t n);

/*
 * Note, inside a write transaction of this thread, that n tasks were
 * queued; takewait_flush after the commit wakes that many parked takes.
 */
void takewait_queued(size_t n);
void takewait_flush(void);
/*
 * As takewait_flush(), for a finish: one task fewer is woken for, the
 * one the finishing worker takes itself when it asks again, as it does
 * at once.  Waking a parked take for it too only made one of the two
 * find nothing (should the worker not come back, the poll of parked
 * takes finds the task within TAKEWAIT_POLL_MS).
 */
void takewait_flush_finish(void);

/*
 * The q_seq (the queueing time in ms times 1000, jobs_stage.c) below
 * which another datacenter's queued task may be taken now: queued
 * task.foreign_grace_ms ago (INT64_MAX with no grace).  The take's look
 * and the poll of parked takes use this one bound.
 */
int64_t takewait_foreign_before(void);

/* Takes parked now (for metrics and tests). */
size_t takewait_parked(void);

#endif /* LOOMD_TAKEWAIT_H */
