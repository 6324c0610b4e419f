/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jobs.h - one pass of the job pipeline (LOOM-0.9-API.md section 3): for
 * the residues this server works, claim every job that needs work and
 * solve (jobs_solve), plan (jobs_plan) or advance (jobs_advance) it, fail
 * the tasks that timed out and delete the clusters whose lease ran out.
 * The scheduler thread (scheduler.c) calls it in a loop.
 */
#ifndef LOOMD_JOBS_H
#define LOOMD_JOBS_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

/*
 * One pass over the jobs that need work of the residues in res[0, n)
 * (borrowed) on connection c.  Returns the number of jobs handled (so the
 * caller can run again at once when there was work).
 */
int jobs_run(struct db_conn *c, const int64_t *res, size_t n);
/*
 * The sweeps of those residues: tasks taken and never finished, hand-outs
 * whose answer was never delivered, clusters whose lease ran out.
 * Returns the number of tasks and clusters handled.
 */
int jobs_sweep(struct db_conn *c, const int64_t *res, size_t n);
/* Free what jobs_run() keeps between passes (the catalogue cache). */
void jobs_done(void);

#endif /* LOOMD_JOBS_H */
