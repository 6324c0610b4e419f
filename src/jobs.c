/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jobs.c - the scheduler pass (see jobs.h).  A job that needs work is
 * claimed with a lease taken by compare-and-swap (job_store_claim()), so
 * two servers of one datacenter never process it at once.
 */
#include "config.h"

#include "jobs.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callback.h"
#include "cfg.h"
#include "cluster_store.h"
#include "domain.h"
#include "job_store.h"
#include "jobs_advance.h"
#include "jobs_plan.h"
#include "jobs_pool.h"
#include "jobs_solve.h"
#include "task_store.h"

/* Work one claimed job, as read when it was claimed (borrowed). */
static void
jobs_work(struct db_conn *c, const struct job_store_job *claimed)
{
	struct job_store_job job = *claimed;
	const char *id = claimed->id;
	bool found;

	/* A paused job stands still until it is resumed (resume kicks it). */
	if (strcmp(job.status, "PAUSED") == 0) {
		(void)job_store_release(c, id);
		return;
	}
	if (strcmp(job.action, "SOLVE_LAYOUT") == 0) {
		if (strcmp(job.status, "NOT_SUBMITTED") != 0)
			(void)job_store_release(c, id);
		else if (!jobs_pool_solve(&job))
			jobs_solve(c, &job);
		return;
	}
	if (!job.planned && strcmp(job.status, "FAILED") != 0) {
		if (jobs_plan(c, &job))
			return; /* its first stage submitted with the plan */
		/* Submit the first stage at once. */
		if (job_store_read(c, id, &job, &found) != DB_OK || !found ||
		    !job.planned)
			return;
		/* Held back until its START callback is answered. */
		if (callback_gated(c, id))
			return;
	}
	jobs_advance(c, &job);
}

int
jobs_run(struct db_conn *c, const int64_t *res, size_t n)
{
	struct job_store_job *due;
	int64_t now = domain_now_ms();
	size_t k, i, ndue;
	int handled = 0;

	for (k = 0; k < n; k++) {
		if (job_store_due(c, res[k], now, 64, &due, &ndue) != DB_OK)
			return handled;
		for (i = 0; i < ndue; i++) {
			/* A finish left its stage's other tasks running. */
			if (job_store_release_idle(c, &due[i])) {
				handled++;
				continue;
			}
			if (!job_store_claim_read(c, &due[i]))
				continue;
			jobs_work(c, &due[i]);
			handled++;
		}
		free(due);
	}
	return handled;
}

int
jobs_sweep(struct db_conn *c, const int64_t *res, size_t n)
{
	const struct cfg *cfg = domain_cfg();
	char err[LOOMD_ERR_LEN];
	struct db_rows *r;
	int64_t now = domain_now_ms();
	size_t k, i;
	int handled = 0;

	for (k = 0; k < n; k++) {
		/* Tasks a provisioner took and never finished. */
		if (db_query(c,
			"SELECT id FROM tasks WHERE q_state = 'taken' "
			"AND residue = ? AND taken_at < ? LIMIT 100",
			&r, "ii", res[k],
			now - cfg->task_timeout_seconds * 1000) == DB_OK) {
			for (i = 0; i < r->nrows; i++) {
				if (task_store_timeout(c, db_rows_get(r, i, 0),
					now - cfg->task_timeout_seconds * 1000,
					cfg->task_timeout_seconds,
					err) == DB_OK) {
					log_info("task %s timed out",
					    db_rows_get(r, i, 0));
					handled++;
				} else
					log_warn(
					    "task %s: cannot time it out: "
					    "%s",
					    db_rows_get(r, i, 0), err);
			}
			db_rows_free(r);
		}

		/*
		 * Tasks handed out whose answer never reached the worker:
		 * queued again (the worker never saw them).
		 */
		if (db_query(c,
			"SELECT t.id, t.worker_id FROM tasks t JOIN "
			"task_takes k ON k.task_id = t.id AND k.attempt = "
			"t.attempts AND k.worker_id = t.worker_id WHERE t.q_state = "
			"'taken' AND t.residue = ? AND t.taken_at < ? AND "
			"k.delivered_at IS NULL LIMIT 100",
			&r, "ii", res[k],
			now - cfg->task_undelivered_seconds * 1000) == DB_OK) {
			for (i = 0; i < r->nrows; i++) {
				bool requeued;

				if (task_store_requeue(c, db_rows_get(r, i, 0),
					NULL,
					now -
					    cfg->task_undelivered_seconds *
						1000,
					&requeued, err) != DB_OK)
					log_warn("task %s: cannot queue it "
						 "again: %s",
					    db_rows_get(r, i, 0), err);
				else if (requeued) {
					log_warn(
					    "task %s: no answer reached "
					    "worker %s in %lld s; queued again",
					    db_rows_get(r, i, 0),
					    db_rows_get(r, i, 1),
					    (long long)
						cfg->task_undelivered_seconds);
					handled++;
				}
			}
			db_rows_free(r);
		}

		/*
		 * Clusters whose lease ran out are deleted by the system,
		 * INCONSISTENT ones too (Loom 0.9.7 let those live forever).
		 */
		if (db_query(c,
			"SELECT id FROM clusters WHERE residue = ? AND "
			"status IN ('ACTIVE', 'INCOMPLETE', 'INCONSISTENT') AND "
			"expire_time > 0 "
			"AND expire_time < ? LIMIT 50",
			&r, "ii", res[k], now) == DB_OK) {
			for (i = 0; i < r->nrows; i++) {
				if (cluster_store_delete_expired(c,
					db_rows_int(r, i, 0), err) == DB_OK) {
					log_info("cluster %s expired: "
						 "deleting",
					    db_rows_get(r, i, 0));
					handled++;
				}
			}
			db_rows_free(r);
		}
	}
	return handled;
}

void
jobs_done(void)
{
	jobs_solve_done();
}
