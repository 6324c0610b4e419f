/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jobs_stage.c - the stage machinery of the advance (see jobs_stage.h;
 * moved out of jobs_advance.c): load the cluster's doc and nodes once per
 * attempt and the job's nodes map once per version (job_nodes_maps), read
 * and lock a stage's task rows, submit tasks (task.queue_batch per
 * transaction, written one statement per batch) and schedule the retry
 * or rollback of a failed task (section 3.8).
 */
#include "config.h"

#include "jobs_stage.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cluster_store.h"
#include "domain.h"
#include "ids.h"
#include "jsonx.h"
#include "macro.h"
#include "planner.h"
#include "takewait.h"
#include "taskconfig.h"

/* Submissions written by one statement once their configs reach this. */
#define JOBS_STAGE_FLUSH_BYTES (4 << 20)

/* Release the loaded cluster doc and nodes. */
void
jobs_stage_unload(struct jobs_stage_state *a)
{
	json_object_put(a->doc);
	json_object_put(a->nodes);
	json_object_put(a->by_id);
	json_object_put(a->nodes_map);
	a->doc = a->nodes = a->by_id = a->nodes_map = NULL;
}

/* Release what one attempt of the advance loaded (unless a->keep). */
void
jobs_stage_reset(struct jobs_stage_state *a)
{
	if (!a->keep)
		jobs_stage_unload(a);
	a->keep = false;
	a->map_version = 0;
	a->newest_map = 0;
	a->newest_sha[0] = '\0';
	jobs_stage_tasks_free(a->next, a->nnext);
	a->next = NULL;
	a->nnext = 0;
	a->next_unregistered = false;
	a->queued = 0;
	a->more = false;
	json_object_put(a->pending);
	a->pending = NULL;
	a->pending_bytes = 0;
	a->msg[0] = '\0';
	a->requeue = false;
}

/*
 * Load the cluster doc once per attempt: only a retry that plans new
 * tasks needs it (taskconfig_build()), a submission does not.
 */
enum db_status
jobs_stage_load_doc(struct db_conn *c, struct jobs_stage_state *a)
{
	struct db_rows *r;
	enum db_status st;

	if (a->doc != NULL)
		return DB_OK;
	if ((st = db_query(c, "SELECT doc FROM clusters WHERE id = ?", &r, "i",
		 a->cluster)) != DB_OK)
		return st;
	a->doc = r->nrows == 1 ? domain_parse(db_rows_get(r, 0, 0)) :
				 jsonx_new_object();
	db_rows_free(r);
	return DB_OK;
}

/*
 * Load the cluster's nodes once per attempt (or per kept stage), unless
 * the plan made in this transaction hands over those it was made from.
 */
enum db_status
jobs_stage_load(struct db_conn *c, struct jobs_stage_state *a)
{
	enum db_status st;
	size_t i;

	if (a->nodes != NULL)
		return DB_OK;
	if (a->planned_nodes != NULL)
		a->nodes = json_object_get(a->planned_nodes);
	else if ((st = cluster_store_load_nodes_tx(c, a->cluster, false,
		      &a->nodes)) != DB_OK)
		return st;
	a->nodes_map = taskconfig_nodes_map(a->nodes);
	a->by_id = jsonx_new_object();
	for (i = 0; i < json_object_array_length(a->nodes); i++) {
		struct json_object *n = json_object_array_get_idx(a->nodes, i);

		if (jsonx_get_str(n, "id") != NULL)
			jsonx_set(a->by_id, jsonx_get_str(n, "id"),
			    json_object_get(n));
	}
	return DB_OK;
}

/*
 * The version of the job's nodes map (job_nodes_maps) that is the loaded
 * nodes' map, in a->map_version: the newest one (a->newest_map, read with
 * the job's row) if its text has the same SHA-256, else a new one, written
 * now.  The job's row lock serializes writers.
 */
enum db_status
jobs_stage_map(struct db_conn *c, struct jobs_stage_state *a)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char hex[2 * crypto_hash_sha256_BYTES + 1];
	const char *text;
	enum db_status st;

	if (a->map_version != 0)
		return DB_OK;
	text = json_object_to_json_string_ext(a->nodes_map, DOMAIN_JSON);
	if (a->newest_map != 0) {
		crypto_hash_sha256(h, (const unsigned char *)text,
		    strlen(text));
		sodium_bin2hex(hex, sizeof hex, h, sizeof h);
		if (strcmp(hex, a->newest_sha) == 0) {
			a->map_version = a->newest_map;
			return DB_OK;
		}
	}
	if ((st = db_exec(c,
		 "INSERT INTO job_nodes_maps (job_id, version, "
		 "nodes) VALUES (?, ?, ?)",
		 NULL, "sis", a->job, a->newest_map + 1, text)) != DB_OK)
		return st;
	a->map_version = a->newest_map + 1;
	return DB_OK;
}

/* The node object of id in the loaded nodes (borrowed) or NULL. */
struct json_object *
jobs_stage_node(struct jobs_stage_state *a, const char *id)
{
	struct json_object *n;

	if (id == NULL || !json_object_object_get_ex(a->by_id, id, &n))
		return NULL;
	return n;
}

/* Free the rows t[0, n), their strings and t. */
void
jobs_stage_tasks_free(struct jobs_stage_task *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(t[i].id);
		free(t[i].status);
		free(t[i].name);
		free(t[i].node);
		free(t[i].service);
		free(t[i].orig);
		free(t[i].config);
	}
	free(t);
}

/*
 * The columns of a stage's task row that jobs_stage_read() reads:
 * the configs only of the tasks that may be submitted or retried (the
 * others' are never needed), so a stage's one read brings them too.
 */
#define JOBS_STAGE_TASK_COLS \
	"id, status, attempts, task_name, node_id, service, seq, counted, " \
	"IF(status IN ('NOT_SUBMITTED', 'FAILED'), original_config, NULL), " \
	"IF(status IN ('NOT_SUBMITTED', 'FAILED'), config, NULL), nodes_map, " \
	"stage"

/*
 * Read the tasks of stage in (seq, id) order, locked, through one of the
 * job's indexes always: for a stage that is a big part of the table the
 * optimizer would scan the table, and lock every row of it.  With
 * unqueued (the kept stage's next batch) only the first max tasks not
 * submitted, from the index by status (the rows of the tasks queued
 * already are neither read nor locked); else all of them, registered in
 * the job's steps (counted) if a retry added some that are not.  With
 * a->finishing, the rows of the next stage come in the same read, kept
 * in a->next for the loop of the advance when the stage is done (a finish
 * calls the advance when it found no task of its stage open).
 */
enum db_status
jobs_stage_read(struct db_conn *c, struct jobs_stage_state *a, int stage,
    bool unqueued, size_t max, struct jobs_stage_task **out, size_t *n)
{
	bool both = !unqueued && a->finishing, unregistered = false;
	struct db_rows *r;
	enum db_status st;
	size_t i, k;

	*out = NULL;
	*n = 0;
	if (a->next != NULL && a->next_stage == stage && !unqueued) {
		/* Read with the stage before. */
		*out = a->next;
		*n = a->nnext;
		unregistered = a->next_unregistered;
		a->next = NULL;
		a->nnext = 0;
		a->next_unregistered = false;
		goto count;
	}
	jobs_stage_tasks_free(a->next, a->nnext);
	a->next = NULL;
	a->nnext = 0;
	a->next_unregistered = false;
	if (unqueued)
		st = db_query(c,
		    "SELECT " JOBS_STAGE_TASK_COLS " FROM tasks "
		    "FORCE INDEX (tasks_job_status) WHERE job_id = ? AND "
		    "stage = ? AND status = 'NOT_SUBMITTED' ORDER BY seq, id "
		    "LIMIT ? FOR UPDATE",
		    &r, "sii", a->job, (int64_t)stage, (int64_t)max);
	else if (both)
		st = db_query(c,
		    "SELECT " JOBS_STAGE_TASK_COLS " FROM tasks "
		    "FORCE INDEX (tasks_job) WHERE job_id = ? AND stage IN "
		    "(?, ?) ORDER BY stage, seq, id FOR UPDATE",
		    &r, "sii", a->job, (int64_t)stage, (int64_t)stage + 1);
	else
		st = db_query(c,
		    "SELECT " JOBS_STAGE_TASK_COLS " FROM tasks "
		    "FORCE INDEX (tasks_job) WHERE job_id = ? AND stage = ? "
		    "ORDER BY seq, id FOR UPDATE",
		    &r, "si", a->job, (int64_t)stage);
	if (st != DB_OK)
		return st;
	/* Rows of stage first, then those of the next stage (finishing). */
	for (k = 0; k < r->nrows && db_rows_int(r, k, 11) == stage; k++)
		;
	if (both) {
		a->next = xcalloc(r->nrows - k + 1, sizeof *a->next);
		a->nnext = r->nrows - k;
		a->next_stage = stage + 1;
	}
	*out = xcalloc(k + 1, sizeof **out);
	for (i = 0; i < r->nrows; i++) {
		struct jobs_stage_task *t =
		    i < k ? &(*out)[i] : &a->next[i - k];

		if (i >= k && db_rows_int(r, i, 7) == 0)
			a->next_unregistered = true;
		else if (db_rows_int(r, i, 7) == 0)
			unregistered = true;
		t->id = xstrdup(db_rows_get(r, i, 0));
		t->status = xstrdup(db_rows_get(r, i, 1));
		t->attempts = db_rows_int(r, i, 2);
		t->name = xstrdup(db_rows_get(r, i, 3));
		t->node = db_rows_get(r, i, 4) != NULL ?
		    xstrdup(db_rows_get(r, i, 4)) :
		    NULL;
		t->service = xstrdup(db_rows_get(r, i, 5));
		t->seq = db_rows_int(r, i, 6);
		if (db_rows_get(r, i, 8) != NULL)
			t->orig = xstrdup(db_rows_get(r, i, 8));
		if (db_rows_get(r, i, 9) != NULL)
			t->config = xstrdup(db_rows_get(r, i, 9));
		t->nodes_map =
		    db_rows_get(r, i, 10) != NULL ? db_rows_int(r, i, 10) : 0;
	}
	*n = k;
	db_rows_free(r);
count:
	if (!unregistered)
		return DB_OK;
	/* The job's status counts the steps of the stages it reached. */
	return db_exec(c,
	    "UPDATE tasks FORCE INDEX (tasks_job) SET counted = 1 "
	    "WHERE job_id = ? AND stage = ? AND counted = 0",
	    NULL, "si", a->job, (int64_t)stage);
}

/*
 * Whether the kept stage's next batch can be its first unqueued tasks
 * alone (jobs_stage_read() unqueued): no task of the stage failed
 * (a retry to schedule, or the job failed), read from the index by status
 * alone.  A consistent read: a failure committed later sets the job's
 * needs_work once this transaction released the job's row, and is seen
 * then.
 */
enum db_status
jobs_stage_clean(struct db_conn *c, struct jobs_stage_state *a, int stage,
    bool *clean)
{
	struct db_rows *r;
	enum db_status st;

	if ((st = db_query(c,
		 "SELECT id FROM tasks FORCE INDEX (tasks_job_status) "
		 "WHERE job_id = ? AND stage = ? AND status = 'FAILED' "
		 "LIMIT 1",
		 &r, "si", a->job, (int64_t)stage)) != DB_OK)
		return st;
	*clean = r->nrows == 0;
	db_rows_free(r);
	return DB_OK;
}

/*
 * Write the pending submissions (a->pending) with one statement: a batch
 * of task.queue_batch tasks is one round trip, not one per task.  The
 * values are one bound JSON array, joined to the tasks by primary key in
 * that order: on a small table the optimizer would rather scan tasks, and
 * lock every row of it until the commit.
 */
enum db_status
jobs_stage_flush(struct db_conn *c, struct jobs_stage_state *a)
{
	size_t n =
	    a->pending != NULL ? json_object_array_length(a->pending) : 0;
	enum db_status st;
	uint64_t done = 0;

	if (n == 0)
		return DB_OK;
	st = db_exec(c,
	    "UPDATE JSON_TABLE(?, '$[*]' COLUMNS ("
	    "id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin "
	    "PATH '$[0]', q_seq BIGINT PATH '$[1]', at BIGINT PATH '$[2]', "
	    "config LONGTEXT CHARACTER SET utf8mb4 PATH '$[3]', "
	    "map INT PATH '$[4]')) s STRAIGHT_JOIN tasks t FORCE INDEX "
	    "(PRIMARY) ON t.id = s.id SET t.status = 'IN_PROGRESS', "
	    "t.q_state = 'queued', t.q_seq = s.q_seq, t.submit_time = s.at, "
	    "t.status_time = s.at, t.config = s.config, t.nodes_map = "
	    "NULLIF(s.map, 0), t.version = t.version + 1",
	    &done, "s",
	    json_object_to_json_string_ext(a->pending,
		JSON_C_TO_STRING_PLAIN));
	if (st != DB_OK)
		return st;
	if (done != n) {
		log_warn("advance %s: %zu of %zu submitted tasks written",
		    a->job, (size_t)done, n);
		return DB_ERROR;
	}
	takewait_queued(n); /* woken after the commit */
	json_object_put(a->pending);
	a->pending = NULL;
	a->pending_bytes = 0;
	return DB_OK;
}

/*
 * Submit one task: its config from the original, node properties and
 * the nodes map, macros expanded for service tasks; then queue it.  The
 * map is stored once per job (jobs_stage_map()) and added when the task
 * is taken, unless the config has a "nodes" key of its own, which the map
 * replaces here as it always did, or the cluster has one node: its map is
 * the task's own node, no bigger than a map row, so it goes into the
 * config and the job writes no map row each time the node changes (an
 * insert, and the take's splice, saved).  A macro error fails the task
 * (false).
 */
enum db_status
jobs_stage_submit(struct db_conn *c, struct jobs_stage_state *a,
    struct jobs_stage_task *t, bool *ok)
{
	struct json_object *cfg, *node, *row;
	const char *text;
	enum planner_action act;
	int64_t now = domain_now_ms(), map = 0;
	char err[LOOMD_ERR_LEN];
	enum db_status st;

	*ok = true;
	if ((st = jobs_stage_load(c, a)) != DB_OK)
		return st;
	cfg = domain_parse(t->orig != NULL ? t->orig : "{}");
	if (cfg == NULL)
		cfg = jsonx_new_object();
	node = jobs_stage_node(a, t->node);
	if (node != NULL) {
		taskconfig_prepare_submit(cfg, node, NULL);
		if (json_object_object_get_ex(cfg, "nodes", NULL) ||
		    json_object_array_length(a->nodes) == 1)
			jsonx_set(cfg, "nodes", json_object_get(a->nodes_map));
		else if ((st = jobs_stage_map(c, a)) != DB_OK) {
			json_object_put(cfg);
			return st;
		} else
			map = a->map_version;
	}
	if (planner_action_parse(t->name, &act) == 0 &&
	    !planner_action_is_hardware(act) && t->orig != NULL &&
	    strchr(t->orig, '%') != NULL) {
		struct macro_cluster *mc = macro_cluster_new(a->nodes, node);
		const char *path[2] = { NULL, NULL };
		enum macro_error_kind kind;

		/* Every key but the shared "nodes" map. */
		json_object_object_foreach (cfg, key, val) {
			(void)val;
			if (strcmp(key, "nodes") == 0)
				continue;
			path[0] = key;
			if (macro_expand_json(mc, cfg, path, NULL, &kind,
				err) != 0) {
				*ok = false;
				break;
			}
		}
		macro_cluster_free(mc);
	}
	if (!*ok) {
		json_object_put(cfg);
		snprintf(a->msg, sizeof a->msg,
		    "Exception while expanding "
		    "macros: %s",
		    err);
		return db_exec(c,
		    "UPDATE tasks SET status = 'FAILED', "
		    "status_code = -1, status_message = ?, status_time = ?, "
		    "version = version + 1 WHERE id = ?",
		    NULL, "sis", a->msg, now, t->id);
	}
	/* Queued with the batch's others: jobs_stage_flush(). */
	row = json_object_new_array_ext(5);
	json_object_array_add(row, jsonx_new_string(t->id));
	json_object_array_add(row,
	    json_object_new_int64(now * 1000 + (int64_t)(t->seq % 1000)));
	json_object_array_add(row, json_object_new_int64(now));
	text = json_object_to_json_string_ext(cfg, DOMAIN_JSON);
	a->pending_bytes += strlen(text);
	json_object_array_add(row, jsonx_new_string(text));
	json_object_array_add(row, json_object_new_int64(map));
	json_object_put(cfg);
	if (a->pending == NULL)
		a->pending = json_object_new_array();
	json_object_array_add(a->pending, row);
	a->queued++;
	/* Configs that hold a map of their own are big: flush early. */
	return a->pending_bytes >= JOBS_STAGE_FLUSH_BYTES ?
	    jobs_stage_flush(c, a) :
	    DB_OK;
}

/*
 * Schedule the retry of a failed task (section 3.8).  The task to submit
 * now is either t itself (*self) or a new task described in *now_task
 * (owned by the caller, freed with jobs_stage_tasks_free-style fields).
 */
enum db_status
jobs_stage_retry(struct db_conn *c, struct jobs_stage_state *a,
    struct jobs_stage_task *t, int cur, struct jobs_stage_task *now_task,
    bool *self)
{
	struct planner_retry r;
	enum planner_action act;
	char err[LOOMD_ERR_LEN];
	int64_t residue = a->cluster % domain_cfg()->ids_increment_by, first;
	int64_t now = domain_now_ms();
	enum db_status st;
	size_t i;

	memset(now_task, 0, sizeof *now_task);
	*self = false;
	if (planner_action_parse(t->name, &act) != 0)
		act = PLANNER_ACTION_CREATE;
	planner_retry_decide(a->ca, act, (int)t->attempts,
	    (int)domain_cfg()->task_max_action_retries, &r);
	if (t->orig == NULL)
		t->orig = xstrdup("{}");
	if (r.rollback) {
		char rid[64], cid[32];

		if ((st = ids_next(IDS_TASK, &first, err)) != DB_OK)
			return st;
		ids_format_task(a->job, first, rid, sizeof rid);
		ids_format_cluster(a->cluster, cid, sizeof cid);
		if ((st = db_exec(c,
			 "INSERT INTO tasks (id, job_id, "
			 "cluster_id, residue, stage, node_id, service, task_name, "
			 "cluster_action, status, is_rollback, q_state, q_seq, "
			 "submit_time, original_config, config, nodes_map) VALUES "
			 "(?, ?, ?, ?, NULL, NULL, ?, ?, ?, 'NOT_SUBMITTED', 1, "
			 "'queued', ?, ?, ?, ?, NULLIF(?, 0))",
			 NULL, "ssiisssiissi", rid, a->job, a->cluster,
			 residue, t->service,
			 planner_action_upper(r.rollback_action),
			 planner_cluster_action_upper(a->ca), now * 1000, now,
			 t->config != NULL ? t->config : t->orig,
			 t->config != NULL ? t->config : t->orig,
			 t->config != NULL ? t->nodes_map : (int64_t)0)) !=
		    DB_OK)
			return st;
	}
	/* A new attempt of the failed task, from its original config. */
	if ((st = db_exec(c,
		 "UPDATE tasks SET attempts = attempts + 1, "
		 "status = 'NOT_SUBMITTED', config = NULL, nodes_map = NULL, "
		 "version = version + 1 WHERE id = ?",
		 NULL, "s", t->id)) != DB_OK)
		return st;
	if (r.nbefore == 0) {
		*self = true;
		return DB_OK;
	}
	if ((st = jobs_stage_load(c, a)) != DB_OK ||
	    (st = jobs_stage_load_doc(c, a)) != DB_OK)
		return st;
	if ((st = ids_reserve(IDS_TASK, (int64_t)r.nbefore, &first, err)) !=
	    DB_OK)
		return st;
	/* Make room: the failed task and the later retry tasks follow. */
	if ((st = db_exec(c,
		 "UPDATE tasks SET stage = stage + ? WHERE "
		 "job_id = ? AND stage > ?",
		 NULL, "isi", (int64_t)r.nbefore, a->job, (int64_t)cur)) !=
	    DB_OK)
		return st;
	if ((st = db_exec(c,
		 "UPDATE tasks SET stage = ?, seq = 0 WHERE id = "
		 "?",
		 NULL, "is", (int64_t)(cur + (int)r.nbefore), t->id)) != DB_OK)
		return st;
	for (i = 0; i < r.nbefore; i++) {
		struct json_object *cfg = NULL;
		const char *svc =
		    planner_action_is_hardware(r.before[i]) ? "" : t->service;
		char nid[64];

		if (taskconfig_build(a->doc, jobs_stage_node(a, t->node),
			svc[0] != '\0' ? svc : NULL, r.before[i], &cfg,
			err) != 0 ||
		    cfg == NULL) {
			json_object_put(cfg);
			cfg = jsonx_new_object();
		}
		ids_format_task(a->job,
		    first + (int64_t)i * domain_cfg()->ids_increment_by, nid,
		    sizeof nid);
		st = db_exec(c,
		    "INSERT INTO tasks (id, job_id, cluster_id, "
		    "residue, stage, seq, node_id, service, task_name, "
		    "cluster_action, status, counted, original_config) VALUES "
		    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'NOT_SUBMITTED', ?, ?)",
		    NULL, "ssiiiissssis", nid, a->job, a->cluster, residue,
		    (int64_t)(cur + (int)i), t->seq, t->node, svc,
		    planner_action_upper(r.before[i]),
		    planner_cluster_action_upper(a->ca), (int64_t)(i == 0),
		    json_object_to_json_string_ext(cfg, DOMAIN_JSON));
		if (i == 0 && st == DB_OK) {
			now_task->id = xstrdup(nid);
			now_task->name =
			    xstrdup(planner_action_upper(r.before[i]));
			now_task->node =
			    t->node != NULL ? xstrdup(t->node) : NULL;
			now_task->service = xstrdup(svc);
			now_task->orig = xstrdup(
			    json_object_to_json_string_ext(cfg, DOMAIN_JSON));
			now_task->seq = t->seq;
		}
		json_object_put(cfg);
		if (st != DB_OK)
			return st;
	}
	return DB_OK;
}
