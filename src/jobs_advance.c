/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jobs_advance.c - the advance step of the job pipeline (see
 * jobs_advance.h): submit the current stage's tasks (task.queue_batch per
 * transaction), retry or roll back failed ones (section 3.8), move to the
 * next stage, and settle the job and its cluster when the last stage is
 * done or the job failed.  The stage machinery it drives (the state of an
 * advance, a stage's task rows, the nodes and the job's nodes map, the
 * submissions and the retries) is in jobs_stage.c.
 */
#include "config.h"

#include "jobs_advance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callback.h"
#include "cfg.h"
#include "cluster_store.h"
#include "domain.h"
#include "jobs_stage.h"
#include "planner.h"
#include "takewait.h"

/*
 * One attempt of the advance, in its transaction (arg: the struct
 * jobs_stage_state, kept across the attempts of one advance).
 */
static enum db_status
jobs_advance_body_tx(struct db_conn *c, void *arg)
{
	struct jobs_stage_state *a = arg;
	struct jobs_stage_task *tasks = NULL;
	char status[16], action[40];
	struct db_rows *r;
	enum db_status st;
	size_t n = 0, i, k;
	bool failed, finished = false, settled = false, kept, after = false;
	int cur, first;

	jobs_stage_reset(a);
	if (a->planned != NULL) {
		/*
		 * Planned in this transaction, which wrote its row (RUNNING
		 * at stage 0, no message) and holds its lock; no nodes map
		 * is written before a job is planned.
		 */
		a->cluster = a->planned->cluster;
		snprintf(action, sizeof action, "%s", a->planned->action);
		snprintf(status, sizeof status, "RUNNING");
		cur = first = 0;
		kept = false;
		goto read;
	}
	/*
	 * The job, locked, with the version and hash of its newest map: read
	 * by the finish that calls, or here.
	 */
	if (a->job_row != NULL) {
		r = a->job_row;
		k = a->job_col;
	} else if (
	    (st = db_query(c,
		 "SELECT " JOBS_ADVANCE_JOB_COLS
		 ", SHA2(m.nodes, 256) FROM jobs j " JOBS_ADVANCE_MAP_JOIN
		 " WHERE j.id = ? FOR UPDATE",
		 &r, "s", a->job)) != DB_OK)
		return st;
	else
		k = 0;
	if (r->nrows == 0 || db_rows_get(r, 0, k) == NULL) {
		if (r != a->job_row)
			db_rows_free(r);
		return DB_OK;
	}
	a->cluster = db_rows_int(r, 0, k);
	snprintf(action, sizeof action, "%s", db_rows_get(r, 0, k + 1));
	snprintf(status, sizeof status, "%s", db_rows_get(r, 0, k + 2));
	cur = first = (int)db_rows_int(r, 0, k + 3);
	if (cur != a->kept_stage)
		jobs_stage_unload(a); /* kept for another stage */
	/* The next batch of stage cur: nodes loaded, a task queued. */
	kept = a->nodes != NULL;
	if (db_rows_get(r, 0, k + 4) != NULL)
		snprintf(a->msg, sizeof a->msg, "%s",
		    db_rows_get(r, 0, k + 4));
	if (db_rows_get(r, 0, k + 5) != NULL) {
		a->newest_map = db_rows_int(r, 0, k + 5);
		snprintf(a->newest_sha, sizeof a->newest_sha, "%s",
		    db_rows_get(r, 0, k + 6) != NULL ?
			db_rows_get(r, 0, k + 6) :
			"");
	}
	if (r != a->job_row)
		db_rows_free(r);
read:
	if (planner_cluster_action_parse(action, &a->ca) != 0)
		a->ca = PLANNER_CLUSTER_CREATE;
	failed = strcmp(status, "FAILED") == 0;
	if (strcmp(status, "COMPLETE") == 0)
		goto save;
	/* Paused (Coopr 0.9.9): no submission, no stage advance. */
	if (strcmp(status, "PAUSED") == 0)
		return db_exec(c,
		    "UPDATE jobs SET needs_work = 0, lease_until = 0 "
		    "WHERE id = ?",
		    NULL, "s", a->job);
	/*
	 * A kept stage's next batch reads only its first unqueued tasks,
	 * unless a task of the stage failed: then, as for any other pass,
	 * the whole stage.
	 */
	if (kept && !failed &&
	    (st = jobs_stage_clean(c, a, cur, &after)) != DB_OK)
		return st;
	for (;;) {
		struct jobs_stage_task **submit = NULL, extra;
		size_t nsub = 0, completed = 0, busy = 0;
		size_t batch = (size_t)domain_cfg()->task_queue_batch;
		bool self, ok = true;

		if ((st = jobs_stage_read(c, a, cur, after, batch, &tasks,
			 &n)) != DB_OK)
			goto out;
		if (after && n == 0) {
			/* None left unqueued: the whole stage, to end it. */
			after = false;
			jobs_stage_tasks_free(tasks, n);
			tasks = NULL;
			continue;
		}
		if (n == 0 && cur > first) {
			/* The last stage was done: so is the job. */
			cur--;
			finished = true;
			break;
		}
		submit = xcalloc(n + 1, sizeof *submit);
		for (i = 0; i < n && !failed; i++) {
			struct jobs_stage_task *t = &tasks[i];

			if (strcmp(t->status, "COMPLETE") == 0)
				completed++;
			else if (strcmp(t->status, "NOT_SUBMITTED") == 0)
				submit[nsub++] = t;
			else if (strcmp(t->status, "IN_PROGRESS") == 0)
				busy++;
			else if (strcmp(t->status, "FAILED") == 0 &&
			    t->attempts >=
				domain_cfg()->task_max_action_retries)
				failed = true;
		}
		/* Retries, only while the job still stands. */
		for (i = 0; i < n && !failed; i++) {
			struct jobs_stage_task *t = &tasks[i];

			if (strcmp(t->status, "FAILED") != 0)
				continue;
			/* A retry reads the nodes as they are now. */
			if (kept) {
				jobs_stage_unload(a);
				kept = false;
			}
			/* It may move the later stages: read them again. */
			jobs_stage_tasks_free(a->next, a->nnext);
			a->next = NULL;
			a->nnext = 0;
			if ((st = jobs_stage_retry(c, a, t, cur, &extra,
				 &self)) != DB_OK) {
				free(submit);
				goto out;
			}
			if (self) {
				/* Borrowed from tasks[]; freed with them. */
				submit[nsub++] = t;
			} else {
				st = jobs_stage_submit(c, a, &extra, &ok);
				free(extra.id);
				free(extra.name);
				free(extra.node);
				free(extra.service);
				free(extra.orig);
				if (st != DB_OK) {
					free(submit);
					goto out;
				}
				busy++;
				if (!ok) {
					a->requeue = true;
					break;
				}
			}
		}
		/*
		 * At most task.queue_batch tasks per transaction: the rest
		 * in the next ones (needs_work stays set), so a big stage
		 * holds no locks for long.  The stage cannot complete before
		 * they are all queued: a task not submitted is not complete.
		 */
		for (i = 0; i < nsub && !failed && ok; i++) {
			if (a->queued >= batch) {
				a->requeue = a->more = true;
				a->kept_stage = cur;
				break;
			}
			if ((st = jobs_stage_submit(c, a, submit[i], &ok)) !=
			    DB_OK) {
				free(submit);
				goto out;
			}
			busy++;
			if (!ok)
				a->requeue = true;
		}
		/* A batch of the unqueued tasks alone may end short. */
		if (after && n == batch && !failed && ok)
			a->requeue = a->more = true;
		free(submit);
		if ((st = jobs_stage_flush(c, a)) != DB_OK)
			goto out;
		if (failed || !ok)
			break;
		if (busy > 0 || completed < n)
			break;
		/* The stage is done: the next one (none: the job is). */
		jobs_stage_tasks_free(tasks, n);
		tasks = NULL;
		n = 0;
		after = false;
		cur++;
	}
save:
	if (finished) {
		snprintf(status, sizeof status, "COMPLETE");
		st = cluster_store_set_status_tx(c, a->cluster,
		    planner_cluster_action_success_status(a->ca));
	} else if (failed) {
		snprintf(status, sizeof status, "FAILED");
		/* Queued tasks of a failed job are dropped at once. */
		if ((st = db_exec(c,
			 "UPDATE tasks SET status = 'DROPPED', "
			 "q_state = 'none', status_time = ? WHERE job_id = ? AND "
			 "q_state = 'queued'",
			 NULL, "is", domain_now_ms(), a->job)) != DB_OK)
			goto out;
		if ((st = db_query(c,
			 "SELECT COUNT(*) FROM tasks WHERE job_id "
			 "= ? AND q_state = 'taken'",
			 &r, "s", a->job)) != DB_OK)
			goto out;
		i = (size_t)db_rows_int(r, 0, 0);
		db_rows_free(r);
		if (i == 0) {
			if ((st = db_query(c,
				 "SELECT status FROM clusters "
				 "WHERE id = ?",
				 &r, "i", a->cluster)) != DB_OK)
				goto out;
			settled = r->nrows == 1 &&
			    strcmp(db_rows_get(r, 0, 0), "PENDING") == 0;
			if (settled)
				st = cluster_store_set_status_tx(c, a->cluster,
				    planner_cluster_action_failure_status(
					a->ca));
			db_rows_free(r);
		}
	}
	if (st == DB_OK)
		st = db_exec(c,
		    "UPDATE jobs SET status = ?, current_stage = "
		    "?, status_message = ?, needs_work = ?, lease_until = 0, "
		    "version = version + 1 WHERE id = ?",
		    NULL, "sisis", status, (int64_t)cur,
		    a->msg[0] != '\0' ? a->msg : NULL, (int64_t)a->requeue,
		    a->job);
	if (st == DB_OK && (finished || settled))
		st = callback_enqueue_tx(c, a->job,
		    finished ? CALLBACK_SUCCESS : CALLBACK_FAILURE, NULL);
out:
	jobs_stage_tasks_free(tasks, n);
	return st;
}

/* Advance job inside the caller's transaction: a finish's. */
enum db_status
jobs_advance_read_tx(struct db_conn *c, const char *job,
    struct db_rows *job_row, size_t col, bool *more)
{
	struct jobs_stage_state a;
	enum db_status st;

	memset(&a, 0, sizeof a);
	a.job = job;
	a.finishing = true;
	a.job_row = job_row;
	a.job_col = col;
	st = jobs_advance_body_tx(c, &a);
	*more = a.requeue;
	jobs_stage_reset(&a);
	return st;
}

enum db_status
jobs_advance_planned_tx(struct db_conn *c, const struct job_store_job *job,
    struct json_object *nodes)
{
	struct jobs_stage_state a;
	enum db_status st;

	memset(&a, 0, sizeof a);
	a.job = job->id;
	a.planned = job;
	a.planned_nodes = nodes;
	st = jobs_advance_body_tx(c, &a);
	jobs_stage_reset(&a);
	return st;
}

/*
 * Advance job id, in one transaction, or one per task.queue_batch tasks
 * of a big stage, each under the job's lease claimed again: another
 * server that took the job meanwhile goes on with it (so does the next
 * claim when this server stops half way: needs_work stays set).
 */
void
jobs_advance(struct db_conn *c, const struct job_store_job *job)
{
	struct jobs_stage_state a;
	char err[LOOMD_ERR_LEN];
	enum db_status st;

	memset(&a, 0, sizeof a);
	a.job = job->id;
	for (;;) {
		st = db_tx_run(c, jobs_advance_body_tx, &a, err);
		if (st != DB_OK)
			log_warn("advance %s: %s", job->id, err);
		takewait_flush();
		if (st != DB_OK || !a.more || !job_store_claim(c, job->id))
			break;
		a.keep = true;
	}
	a.keep = false;
	jobs_stage_reset(&a);
}
