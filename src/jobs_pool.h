/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jobs_pool.h - the solver threads (scheduler.solvers): the scheduler
 * hands them the SOLVE_LAYOUT jobs it claimed, so that the solves of
 * clusters created together wait for the database side by side rather
 * than one after the other, and the scheduler goes on with its pass.
 */
#ifndef LOOMD_JOBS_POOL_H
#define LOOMD_JOBS_POOL_H

#include <stdbool.h>

#include "common.h"
#include "job_store.h"

struct cfg;

/* Start scheduler.solvers threads (none for 0); borrows cfg. */
int jobs_pool_start(const struct cfg *cfg,
    char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;
/* Stop and join them; jobs still queued stay claimed until their lease ends. */
void jobs_pool_stop(void);
/*
 * Queue the solve of job (borrowed, copied), claimed by this server.
 * False when there is no solver thread or the queue is full: then the
 * caller solves it.
 */
bool jobs_pool_solve(const struct job_store_job *job);
/*
 * A place in the queue for a job not yet committed (POST /clusters hands
 * its SOLVE_LAYOUT job over this way, claimed by its insert).  True when
 * one was kept: then exactly one of jobs_pool_solve_reserved() (the job
 * was committed) or jobs_pool_unreserve() (it was not) follows.  False
 * when there is no solver thread or the queue is full.
 */
bool jobs_pool_reserve(void);
/*
 * Queue job (borrowed, copied) in the place reserved.  False when the
 * threads are stopping: the job stays claimed until its lease ends, and
 * then any server's scheduler claims it.
 */
bool jobs_pool_solve_reserved(const struct job_store_job *job);
/* Give back a place reserved for a job that was not committed. */
void jobs_pool_unreserve(void);

#endif /* LOOMD_JOBS_POOL_H */
