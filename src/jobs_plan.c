/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jobs_plan.c - the plan step of the job pipeline (see jobs_plan.h).
 * Big plans write their tasks in chunks of DOMAIN_CHUNK rows per
 * transaction before one final transaction makes the plan live.
 */
#include "config.h"

#include "jobs_plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callback.h"
#include "cfg.h"
#include "cluster_store.h"
#include "domain.h"
#include "ids.h"
#include "job_store.h"
#include "jobs_addsvc.h"
#include "jobs_advance.h"
#include "jsonx.h"
#include "planner.h"
#include "takewait.h"
#include "taskconfig.h"

/* ---------------------------------------------------------------- */
/* Scheduler: plan                                                  */

/* One task row of a new plan. */
struct jobs_plan_task {
	char id[64];
	int stage;
	int seq;
	char *config; /* owned JSON text */
	size_t k;     /* index in the plan */
};

struct jobs_plan_rows {
	const struct job_store_job *job;
	struct planner_plan *plan;
	struct jobs_plan_task *tasks;
	size_t n;
	size_t from, to;
	const char *ca;
	bool fresh; /* the job's row inserted by this transaction */
};

/* The tasks of one INSERT are written once their configs reach this. */
#define JOBS_PLAN_INSERT_BYTES (4 << 20)

/*
 * Insert the tasks of rows (a JSON array of [id, stage, seq, node, service,
 * action, config]) with one statement: a chunk is one round trip, not one
 * per task.
 */
static enum db_status
jobs_plan_insert(struct db_conn *c, const struct jobs_plan_rows *p,
    struct json_object *rows)
{
	if (json_object_array_length(rows) == 0)
		return DB_OK;
	return db_exec(c,
	    "INSERT INTO tasks (id, job_id, cluster_id, residue, stage, seq, "
	    "node_id, service, task_name, cluster_action, status, counted, "
	    "original_config) SELECT s.id, ?, ?, ?, s.stage, s.seq, s.node, "
	    "s.service, s.name, ?, 'NOT_SUBMITTED', 1, s.config FROM "
	    "JSON_TABLE(?, '$[*]' COLUMNS ("
	    "id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin "
	    "PATH '$[0]', stage INT PATH '$[1]', seq INT PATH '$[2]', "
	    "node VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin "
	    "PATH '$[3]', service VARCHAR(255) CHARACTER SET utf8mb4 COLLATE "
	    "utf8mb4_bin PATH '$[4]', name VARCHAR(16) CHARACTER SET utf8mb4 "
	    "COLLATE utf8mb4_bin PATH '$[5]', config LONGTEXT CHARACTER SET "
	    "utf8mb4 PATH '$[6]')) s",
	    NULL, "siiss", p->job->id, p->job->cluster,
	    p->job->cluster % domain_cfg()->ids_increment_by, p->ca,
	    json_object_to_json_string_ext(rows, JSON_C_TO_STRING_PLAIN));
}

/*
 * Insert tasks[from, to) of a plan (the first chunk clears old ones).  The
 * old ones are looked for first with a plain read: a DELETE that finds
 * nothing still locks the gap where the job's rows would be, in the index
 * it reads, and the tasks of the neighbouring jobs whose status changes
 * meanwhile (their entries in the indexes by status move) would wait for
 * this transaction.  Through tasks_job, which holds no status, when there
 * are rows to delete.
 */
static enum db_status
jobs_plan_write_tasks_tx(struct db_conn *c, void *arg)
{
	struct jobs_plan_rows *p = arg;
	struct json_object *rows = NULL;
	struct db_rows *r;
	enum db_status st = DB_OK;
	size_t i, bytes = 0;
	bool old;

	if (p->from == 0 && !p->fresh) {
		if ((st = db_query(c,
			 "SELECT id FROM tasks FORCE INDEX (tasks_job) "
			 "WHERE job_id = ? LIMIT 1",
			 &r, "s", p->job->id)) != DB_OK)
			return st;
		old = r->nrows > 0;
		db_rows_free(r);
		if (old &&
		    (st = db_exec(c,
			 "DELETE FROM tasks FORCE INDEX (tasks_job) WHERE "
			 "job_id = ?",
			 NULL, "s", p->job->id)) != DB_OK)
			return st;
	}
	for (i = p->from; i < p->to && st == DB_OK; i++) {
		const struct jobs_plan_task *t = &p->tasks[i];
		const struct planner_task *pt = &p->plan->tasks[t->k];
		struct json_object *row = json_object_new_array_ext(7);

		json_object_array_add(row, jsonx_new_string(t->id));
		json_object_array_add(row, json_object_new_int(t->stage));
		json_object_array_add(row, json_object_new_int(t->seq));
		json_object_array_add(row,
		    jsonx_new_string_or_null(pt->node_id));
		json_object_array_add(row,
		    jsonx_new_string_or_null(pt->service));
		json_object_array_add(row,
		    jsonx_new_string(planner_action_upper(pt->action)));
		json_object_array_add(row, jsonx_new_string(t->config));
		if (rows == NULL)
			rows = json_object_new_array();
		json_object_array_add(rows, row);
		bytes += strlen(t->config);
		if (bytes >= JOBS_PLAN_INSERT_BYTES || i + 1 == p->to) {
			st = jobs_plan_insert(c, p, rows);
			json_object_put(rows);
			rows = NULL;
			bytes = 0;
		}
	}
	json_object_put(rows);
	return st;
}

/* Make a written plan live: the job runs from stage 0. */
static enum db_status
jobs_plan_planned_tx(struct db_conn *c, void *arg)
{
	const struct job_store_job *job = arg;
	enum db_status st;
	uint64_t n = 0;

	if ((st = db_exec(c,
		 "UPDATE jobs SET planned = 1, status = "
		 "'RUNNING', current_stage = 0, needs_work = 1, version = version "
		 "+ 1 WHERE id = ? AND version = ? AND planned = 0",
		 &n, "si", job->id, job->version)) != DB_OK)
		return st;
	if (n != 1)
		return DB_ABORT;
	/* The START callback; it may hold the job back (section 9.3). */
	return callback_enqueue_tx(c, job->id, CALLBACK_START, NULL);
}

/*
 * A plan of one chunk whose first stage is one batch: its tasks written,
 * the plan made live and its first stage submitted in one transaction,
 * from the nodes it was made from, unless its START callback holds the
 * job back (then the stage is submitted once it is answered).
 */
struct jobs_plan_all {
	struct jobs_plan_rows *rows;
	struct json_object *nodes;
	bool submitted;
};

static enum db_status
jobs_plan_all_tx(struct db_conn *c, void *arg)
{
	struct jobs_plan_all *p = arg;
	enum db_status st;

	p->submitted = false;
	if ((st = jobs_plan_write_tasks_tx(c, p->rows)) != DB_OK ||
	    (st = jobs_plan_planned_tx(c, (void *)p->rows->job)) != DB_OK)
		return st;
	if (callback_gated(c, p->rows->job->id))
		return DB_OK;
	p->submitted = true;
	return jobs_advance_planned_tx(c, p->rows->job, p->nodes);
}

/* Free n task rows of a plan. */
static void
jobs_plan_tasks_free(struct jobs_plan_task *tasks, size_t n)
{
	size_t i;

	if (tasks != NULL)
		for (i = 0; i < n; i++)
			free(tasks[i].config);
	free(tasks);
}

/*
 * The task rows of plan for job (borrowed) in *tasks (n of them, freed
 * with jobs_plan_tasks_free()), their configs built from the cluster's
 * doc and nodes (borrowed), in *nstages stages, *first_stage of them in
 * stage 0.  Ids: a plan smaller than a block takes them from this
 * server's current block (one reservation in the database per block, not
 * per plan), a bigger one reserves its own run.  -1 when the plan cannot
 * be made (the job fails), -2 when no ids could be had; err says why.
 */
static int
jobs_plan_tasks(const struct job_store_job *job,
    const struct planner_plan *plan, struct json_object *doc,
    struct json_object *nodes, struct jobs_plan_task **tasks, size_t *n,
    int *nstages, size_t *first_stage, char err[LOOMD_ERR_LEN])
{
	struct jobs_plan_task *t;
	int64_t first = 0, num;
	size_t s, k, i;
	int stage = 0;

	*tasks = t = xcalloc(plan->ntasks + 1, sizeof *t);
	*n = *first_stage = 0;
	for (s = 0; s < plan->nstages; s++) {
		int seq = 0;

		for (k = plan->stages[s].first;
		     k < plan->stages[s].first + plan->stages[s].ntasks; k++) {
			const struct planner_task *pt = &plan->tasks[k];
			struct json_object *cfg = NULL;

			if (taskconfig_build(doc,
				json_object_array_get_idx(nodes, pt->node_ix),
				planner_action_is_hardware(pt->action) ?
				    NULL :
				    pt->service,
				pt->action, &cfg, err) != 0)
				return -1;
			if (cfg == NULL)
				continue; /* the service lacks it */
			t[*n].k = k;
			t[*n].stage = stage;
			t[*n].seq = seq++;
			t[*n].config = xstrdup(
			    json_object_to_json_string_ext(cfg, DOMAIN_JSON));
			json_object_put(cfg);
			if (stage == 0)
				(*first_stage)++;
			(*n)++;
		}
		if (seq > 0)
			stage++;
	}
	*nstages = stage;
	if (*n == 0) {
		err[0] = '\0'; /* nothing to say: the job fails */
		return -1;
	}
	for (i = 0; i < *n; i++) {
		if (*n >= (size_t)domain_cfg()->ids_block_size) {
			if (i == 0 &&
			    ids_reserve(IDS_TASK, (int64_t)*n, &first, err) !=
				DB_OK)
				return -2;
			num = first +
			    (int64_t)i * domain_cfg()->ids_increment_by;
		} else if (ids_next(IDS_TASK, &num, err) != DB_OK)
			return -2;
		ids_format_task(job->id, num, t[i].id, sizeof t[i].id);
	}
	return 0;
}

/*
 * Whether a plan of n tasks, first_stage of them in its first stage, is
 * written, made live and its first stage submitted in one transaction:
 * one chunk, and a first stage of one batch.
 */
static bool
jobs_plan_at_once(size_t n, size_t first_stage)
{
	return n <= DOMAIN_CHUNK &&
	    first_stage <= (size_t)domain_cfg()->task_queue_batch;
}

/* Read a cluster doc and its nodes (db_read_run body). */
struct jobs_plan_cluster_in {
	int64_t cluster;
	struct json_object *doc;
	struct json_object *nodes;
};

static enum db_status
jobs_plan_cluster_read_fn(struct db_conn *c, void *arg)
{
	struct jobs_plan_cluster_in *in = arg;

	return cluster_store_doc_nodes_tx(c, in->cluster, &in->doc,
	    &in->nodes);
}

/*
 * The strings of the stored JSON array text (NULL: none) into a new
 * array *v (the caller frees it; its strings borrowed from *arr, a new
 * ref the caller puts) and their count *n; other members are skipped.
 */
static void
jobs_plan_strings(const char *text, struct json_object **arr, const char ***v,
    size_t *n)
{
	size_t i, len;
	const char *s;

	*arr = text != NULL ? domain_parse(text) : NULL;
	*v = NULL;
	*n = 0;
	if (*arr == NULL)
		return;
	len = json_object_array_length(*arr);
	*v = xcalloc(len + 1, sizeof **v);
	for (i = 0; i < len; i++)
		if ((s = jsonx_str(json_object_array_get_idx(*arr, i))) !=
		    NULL)
			(*v)[(*n)++] = s;
}

/*
 * What a day-2 job plans (section 8.2): the job's planned services and
 * nodes as borrowed string arrays of scope, backed by the parsed JSON
 * in *svcs and *nodes (new refs, NULL for "all") and the arrays in
 * *sv and *nv (the caller frees them).
 */
static void
jobs_plan_scope(const char *stext, const char *ntext,
    struct json_object **svcs, struct json_object **nodes, const char ***sv,
    const char ***nv, struct planner_scope *scope)
{
	memset(scope, 0, sizeof *scope);
	jobs_plan_strings(stext, svcs, sv, &scope->nservices);
	jobs_plan_strings(ntext, nodes, nv, &scope->nnodes);
	scope->services = *sv;
	scope->nodes = *nv;
}

/*
 * Plan a job (section 3.5; day-2 actions LOOM-0.9.7-OPS.md section 2.4):
 * an ADD_SERVICES job is laid out first (jobs_addsvc.c).
 */
bool
jobs_plan(struct db_conn *c, const struct job_store_job *job_in)
{
	struct jobs_plan_cluster_in in = { job_in->cluster, NULL, NULL };
	struct planner_plan *plan = NULL;
	struct jobs_plan_task *tasks = NULL;
	struct job_store_job jobv = *job_in, *job = &jobv;
	enum planner_cluster_action ca = PLANNER_CLUSTER_CREATE;
	struct json_object *psvcs = NULL, *pnodes = NULL;
	const char **sv = NULL, **nv = NULL;
	struct planner_scope scope;
	char err[LOOMD_ERR_LEN], msg[LOOMD_ERR_LEN];
	char *stext = NULL, *ntext = NULL;
	enum db_status st;
	size_t n = 0, i, first_stage = 0;
	int stage = 0, rc;
	bool found, submitted = false;

	if (planner_cluster_action_parse(job->action, &ca) != 0) {
		log_warn("plan %s: unknown cluster action %s", job->id,
		    job->action);
		goto out;
	}
	if (ca >= PLANNER_CLUSTER_CONFIGURE &&
	    job_store_read_scope(c, job->id, &stext, &ntext) != DB_OK)
		goto out;
	if (ca == PLANNER_ADD_SERVICES && ntext == NULL) {
		psvcs = stext != NULL ? domain_parse(stext) : NULL;
		if (psvcs == NULL) {
			log_warn("plan %s: no services to add", job->id);
			goto failed;
		}
		if (jobs_addsvc(c, job, psvcs, &ntext) != 0 ||
		    job_store_read(c, job->id, &jobv, &found) != DB_OK ||
		    !found)
			goto out;
		json_object_put(psvcs);
		psvcs = NULL;
	}
	jobs_plan_scope(stext, ntext, &psvcs, &pnodes, &sv, &nv, &scope);
	if (db_read_run(c, jobs_plan_cluster_read_fn, &in, err) != DB_OK ||
	    in.doc == NULL)
		goto out;
	if (json_object_array_length(in.nodes) == 0 ||
	    planner_plan_scoped(ca, in.nodes,
		psvcs != NULL || pnodes != NULL ? &scope : NULL, &plan,
		err) != 0)
		goto failed;
	if ((rc = jobs_plan_tasks(job, plan, in.doc, in.nodes, &tasks, &n,
		 &stage, &first_stage, err)) != 0) {
		if (err[0] != '\0')
			log_warn("plan %s: %s", job->id, err);
		if (rc == -1)
			goto failed;
		goto out;
	}
	if (jobs_plan_at_once(n, first_stage)) {
		struct jobs_plan_rows pr = { job, plan, tasks, n, 0, n,
			job->action, false };
		struct jobs_plan_all all = { &pr, in.nodes, false };

		st = db_tx_run(c, jobs_plan_all_tx, &all, err);
		takewait_flush(); /* the takes waiting for what it queued */
		submitted = st == DB_OK && all.submitted;
		goto planned;
	}
	for (i = 0; i < n; i += DOMAIN_CHUNK) {
		struct jobs_plan_rows pr = { job, plan, tasks, n, i,
			i + DOMAIN_CHUNK < n ? i + DOMAIN_CHUNK : n,
			job->action, false };

		if ((st = db_tx_run(c, jobs_plan_write_tasks_tx, &pr, err)) !=
		    DB_OK) {
			log_warn("plan %s: writing tasks: %s", job->id, err);
			goto out;
		}
	}
	st = db_tx_run(c, jobs_plan_planned_tx, (void *)job, err);
planned:
	if (st != DB_OK && st != DB_ABORT)
		log_warn("plan %s: %s", job->id, err);
	else if (st == DB_OK)
		log_info("job %s planned: %zu tasks in %d stages", job->id, n,
		    stage);
	goto out;
failed:
	/*
	 * 0.9: a CLUSTER_CREATE that cannot be planned ends TERMINATED; a
	 * day-2 job names its action and leaves the cluster INCONSISTENT.
	 */
	if (ca >= PLANNER_CLUSTER_CONFIGURE)
		snprintf(msg, sizeof msg,
		    "Failed to schedule the %s operation.",
		    planner_cluster_action_upper(ca));
	else
		snprintf(msg, sizeof msg, "%s", PLANNER_ERR_SCHEDULE);
	if ((st = job_store_fail(c, job, msg,
		 ca == PLANNER_CLUSTER_CREATE ?
		     "TERMINATED" :
		     planner_cluster_action_failure_status(ca),
		 err)) != DB_OK &&
	    st != DB_ABORT)
		log_warn("plan %s: %s", job->id, err);
out:
	json_object_put(psvcs);
	json_object_put(pnodes);
	free(sv);
	free(nv);
	free(stext);
	free(ntext);
	jobs_plan_tasks_free(tasks, n);
	planner_plan_free(plan);
	json_object_put(in.doc);
	json_object_put(in.nodes);
	return submitted;
}

enum db_status
jobs_plan_created_tx(struct db_conn *c, const struct job_store_job *job,
    struct json_object *doc, struct json_object *nodes, bool *done)
{
	struct planner_plan *plan = NULL;
	struct jobs_plan_task *tasks = NULL;
	char err[LOOMD_ERR_LEN];
	size_t n = 0, first_stage = 0;
	enum db_status st = DB_OK;
	int stage = 0;

	*done = false;
	/* Anything else (a plan that fails too) is left to jobs_plan(). */
	if (planner_plan_scoped(PLANNER_CLUSTER_CREATE, nodes, NULL, &plan,
		err) == 0 &&
	    jobs_plan_tasks(job, plan, doc, nodes, &tasks, &n, &stage,
		&first_stage, err) == 0 &&
	    jobs_plan_at_once(n, first_stage)) {
		struct jobs_plan_rows pr = { job, plan, tasks, n, 0, n,
			job->action, true };
		struct jobs_plan_all all = { &pr, nodes, false };

		if ((st = jobs_plan_all_tx(c, &all)) == DB_OK) {
			*done = true;
			log_info("job %s planned: %zu tasks in %d stages",
			    job->id, n, stage);
		}
	}
	jobs_plan_tasks_free(tasks, n);
	planner_plan_free(plan);
	return st;
}
