/* SPDX-License-Identifier: Apache-2.0 */
/*
 * job_store.c - the jobs table (see job_store.h).
 */
#include "config.h"

#include "job_store.h"

#include <stdio.h>
#include <string.h>

#include "callback.h"
#include "cfg.h"
#include "cluster_store.h"
#include "domain.h"

/* The columns of a job that job_store_row() reads, its id first. */
#define JOB_STORE_COLS "id, cluster_id, action, status, planned, version"

/* Row i of a read of JOB_STORE_COLS into *j. */
static void
job_store_row(struct db_rows *r, size_t i, struct job_store_job *j)
{
	snprintf(j->id, sizeof j->id, "%s", db_rows_get(r, i, 0));
	j->cluster = db_rows_int(r, i, 1);
	snprintf(j->action, sizeof j->action, "%s", db_rows_get(r, i, 2));
	snprintf(j->status, sizeof j->status, "%s", db_rows_get(r, i, 3));
	j->planned = db_rows_int(r, i, 4) != 0;
	j->version = db_rows_int(r, i, 5);
}

enum db_status
job_store_read(struct db_conn *c, const char *id, struct job_store_job *j,
    bool *found)
{
	struct db_rows *r;
	enum db_status st;

	*found = false;
	if ((st = db_query(c,
		 "SELECT " JOB_STORE_COLS " FROM jobs WHERE id = ?", &r, "s",
		 id)) != DB_OK)
		return st;
	if (r->nrows == 1) {
		job_store_row(r, 0, j);
		*found = true;
	}
	db_rows_free(r);
	return DB_OK;
}

enum db_status
job_store_due(struct db_conn *c, int64_t residue, int64_t now, size_t max,
    struct job_store_job **out, size_t *n)
{
	struct db_rows *r;
	enum db_status st;
	size_t i;

	*out = NULL;
	*n = 0;
	if ((st = db_query(c,
		 "SELECT " JOB_STORE_COLS " FROM jobs WHERE needs_work = 1 "
		 "AND residue = ? AND lease_until < ? LIMIT ?",
		 &r, "iii", residue, now, (int64_t)max)) != DB_OK)
		return st;
	*out = xcalloc(r->nrows + 1, sizeof **out);
	for (i = 0; i < r->nrows; i++)
		job_store_row(r, i, &(*out)[i]);
	*n = r->nrows;
	db_rows_free(r);
	return DB_OK;
}

/* Claim job id (at version, unless 0) with a lease. */
static bool
job_store_claim_at(struct db_conn *c, const char *id, int64_t version)
{
	int64_t now = domain_now_ms();
	uint64_t n = 0;

	if (db_exec(c,
		"UPDATE jobs SET lease_owner = ?, lease_until = ? "
		"WHERE id = ? AND needs_work = 1 AND (lease_until < ? OR "
		"lease_owner = ?) AND (? = 0 OR version = ?)",
		&n, "sisisii", domain_me(),
		now + domain_cfg()->ha_job_lease_ms, id, now, domain_me(),
		version, version) != DB_OK)
		return false;
	return n == 1;
}

bool
job_store_claim(struct db_conn *c, const char *id)
{
	return job_store_claim_at(c, id, 0);
}

bool
job_store_claim_read(struct db_conn *c, struct job_store_job *j)
{
	bool found;

	if (job_store_claim_at(c, j->id, j->version))
		return true;
	/* Changed since it was read (every change of it moves its version). */
	return job_store_claim(c, j->id) &&
	    job_store_read(c, j->id, j, &found) == DB_OK && found;
}

/*
 * Release job (as job_store_due() read it) if it still is at that
 * version, no lease holds it, and its current stage has a task running
 * and none to submit or retry (db_tx_run body; DB_ABORT otherwise).  The
 * job's row is locked before the stage's index is read (a consistent
 * read, no lock taken on the tasks): a finish that committed before is
 * seen, one that did not yet waits for the job's row and marks the job
 * needing work again after this commit.
 */
static enum db_status
job_store_release_idle_tx(struct db_conn *c, void *arg)
{
	const struct job_store_job *j = arg;
	int64_t now = domain_now_ms();
	struct db_rows *r;
	enum db_status st;
	bool idle;

	if ((st = db_exec_one(c,
		 "UPDATE jobs SET needs_work = 0, lease_until = 0, version = "
		 "version + 1 WHERE id = ? AND version = ? AND needs_work = 1 "
		 "AND lease_until < ? AND status = 'RUNNING' AND planned = 1",
		 "sii", j->id, j->version, now)) != DB_OK)
		return st;
	if ((st = db_query(c,
		 "SELECT EXISTS (SELECT 1 FROM tasks t FORCE INDEX "
		 "(tasks_job_status) WHERE t.job_id = j.id AND t.stage = "
		 "j.current_stage AND t.status IN ('NOT_SUBMITTED', 'FAILED')), "
		 "EXISTS (SELECT 1 FROM tasks t FORCE INDEX (tasks_job_status) "
		 "WHERE t.job_id = j.id AND t.stage = j.current_stage AND "
		 "t.status = 'IN_PROGRESS') FROM jobs j WHERE j.id = ?",
		 &r, "s", j->id)) != DB_OK)
		return st;
	idle = r->nrows == 1 && db_rows_int(r, 0, 0) == 0 &&
	    db_rows_int(r, 0, 1) != 0;
	db_rows_free(r);
	return idle ? DB_OK : DB_ABORT;
}

bool
job_store_release_idle(struct db_conn *c, const struct job_store_job *j)
{
	char err[LOOMD_ERR_LEN];

	if (strcmp(j->status, "RUNNING") != 0 || !j->planned)
		return false;
	return db_tx_run(c, job_store_release_idle_tx, (void *)j, err) ==
	    DB_OK;
}

/* A new job; lease_owner NULL (no lease) unless owner is set. */
static enum db_status
job_store_insert(struct db_conn *c, const char *jid, int64_t cluster,
    const char *action, const char *status, int64_t now, const char *owner,
    int64_t lease_until)
{
	return db_exec(c,
	    "INSERT INTO jobs (id, cluster_id, residue, action, status, "
	    "needs_work, create_time, lease_owner, lease_until) VALUES (?, "
	    "?, ?, ?, ?, 1, ?, ?, ?)",
	    NULL, "siissisi", jid, cluster,
	    cluster % domain_cfg()->ids_increment_by, action, status, now,
	    owner, lease_until);
}

enum db_status
job_store_insert_tx(struct db_conn *c, const char *jid, int64_t cluster,
    const char *action, const char *status, int64_t now)
{
	return job_store_insert(c, jid, cluster, action, status, now, NULL, 0);
}

enum db_status
job_store_insert_claimed_tx(struct db_conn *c, const char *jid,
    int64_t cluster, const char *action, const char *status, int64_t now,
    struct job_store_job *j)
{
	enum db_status st;

	if ((st = job_store_insert(c, jid, cluster, action, status, now,
		 domain_me(),
		 domain_now_ms() + domain_cfg()->ha_job_lease_ms)) != DB_OK)
		return st;
	memset(j, 0, sizeof *j);
	snprintf(j->id, sizeof j->id, "%s", jid);
	j->cluster = cluster;
	snprintf(j->action, sizeof j->action, "%s", action);
	snprintf(j->status, sizeof j->status, "%s", status);
	j->planned = false;
	j->version = 1; /* the column's default */
	return DB_OK;
}

enum db_status
job_store_needs_work_tx(struct db_conn *c, const char *jid)
{
	return db_exec(c, "UPDATE jobs SET needs_work = 1 WHERE id = ?", NULL,
	    "s", jid);
}

enum db_status
job_store_release(struct db_conn *c, const char *jid)
{
	return db_exec(c,
	    "UPDATE jobs SET needs_work = 0, lease_until = 0 "
	    "WHERE id = ?",
	    NULL, "s", jid);
}

/* Fail a job and set its cluster's status, then release it. */
struct job_store_fail_arg {
	const struct job_store_job *job;
	const char *msg;
	const char *cluster_status;
};

static enum db_status
job_store_fail_tx(struct db_conn *c, void *arg)
{
	struct job_store_fail_arg *a = arg;
	enum db_status st;
	uint64_t n = 0;

	if ((st = db_exec(c,
		 "UPDATE jobs SET status = 'FAILED', "
		 "status_message = ?, needs_work = 0, lease_until = 0, version = "
		 "version + 1 WHERE id = ? AND version = ?",
		 &n, "ssi", a->msg, a->job->id, a->job->version)) != DB_OK)
		return st;
	if (n != 1)
		return DB_ABORT; /* changed meanwhile: look again */
	if ((st = cluster_store_set_status_tx(c, a->job->cluster,
		 a->cluster_status)) != DB_OK)
		return st;
	return callback_enqueue_tx(c, a->job->id, CALLBACK_FAILURE, NULL);
}

enum db_status
job_store_fail(struct db_conn *c, const struct job_store_job *job,
    const char *msg, const char *cluster_status, char err[LOOMD_ERR_LEN])
{
	struct job_store_fail_arg a = { job, msg, cluster_status };

	return db_tx_run(c, job_store_fail_tx, &a, err);
}

enum db_status
job_store_set_scope_tx(struct db_conn *c, const char *jid,
    const char *services, const char *nodes)
{
	return db_exec(c,
	    "UPDATE jobs SET planned_services = ?, planned_nodes = ? "
	    "WHERE id = ?",
	    NULL, "sss", services, nodes, jid);
}

enum db_status
job_store_read_scope(struct db_conn *c, const char *jid, char **services,
    char **nodes)
{
	struct db_rows *r;
	enum db_status st;

	*services = *nodes = NULL;
	if ((st = db_query(c,
		 "SELECT planned_services, planned_nodes FROM jobs "
		 "WHERE id = ?",
		 &r, "s", jid)) != DB_OK)
		return st;
	if (r->nrows == 1) {
		if (db_rows_get(r, 0, 0) != NULL)
			*services = xstrdup(db_rows_get(r, 0, 0));
		if (db_rows_get(r, 0, 1) != NULL)
			*nodes = xstrdup(db_rows_get(r, 0, 1));
	}
	db_rows_free(r);
	return DB_OK;
}
