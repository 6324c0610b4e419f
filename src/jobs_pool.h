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

#endif /* LOOMD_JOBS_POOL_H */
