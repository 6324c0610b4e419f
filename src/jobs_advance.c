/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jobs_advance.c - the advance step of the job pipeline (see
 * jobs_advance.h): submit the current stage's tasks (task.queue_batch per
 * transaction, the job's nodes map once per version in job_nodes_maps),
 * retry or roll back failed ones (section 3.8), move to the next stage,
 * and settle the job and its cluster when the last stage is done or the
 * job failed.
 */
#include "config.h"

#include "jobs_advance.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callback.h"
#include "cfg.h"
#include "cluster_store.h"
#include "domain.h"
#include "ids.h"
#include "jsonin.h"
#include "jsonx.h"
#include "macro.h"
#include "planner.h"
#include "takewait.h"
#include "taskconfig.h"

/* Submissions written by one statement once their configs reach this. */
#define JOBS_ADVANCE_FLUSH_BYTES (4 << 20)

struct jobs_advance_stask;

struct jobs_advance_state {
	const char *job;
	/* Set by the caller, for every attempt: */
	bool finishing; /* a finish's call: its stage is done, most likely */
	const struct job_store_job *planned; /* planned in this transaction */
	struct json_object *planned_nodes; /* the nodes it was planned from */
	/* The job's newest nodes map, read with the job: version, SHA-256 */
	int64_t newest_map;
	char newest_sha[65];
	/* The next stage's rows, read with the current one (finishing) */
	struct jobs_advance_stask *next;
	size_t nnext;
	int next_stage;
	bool next_unregistered;
	/*
	 * Loaded on first need, per attempt; kept for the next batch of a
	 * stage when keep is set (the whole stage from one snapshot of the
	 * nodes, as when it was queued in one transaction).
	 */
	struct json_object *doc;
	struct json_object *nodes;
	struct json_object *by_id; /* node id -> node of nodes */
	struct json_object *nodes_map;
	bool keep;
	int kept_stage;	     /* the stage the kept snapshot was queueing */
	int64_t map_version; /* of nodes_map in job_nodes_maps, 0: unknown */
	size_t queued;	     /* tasks queued by this attempt */
	bool more;	     /* tasks of the stage left for another batch */
	/* Submissions not yet written: [[id, q_seq, time, config, map]] */
	struct json_object *pending;
	size_t pending_bytes; /* of their configs */
	int64_t cluster;
	enum planner_cluster_action ca;
	/* outcome */
	char msg[LOOMD_ERR_LEN];
	bool requeue;
};

/* Release the loaded cluster doc and nodes. */
static void
jobs_advance_unload(struct jobs_advance_state *a)
{
	json_object_put(a->doc);
	json_object_put(a->nodes);
	json_object_put(a->by_id);
	json_object_put(a->nodes_map);
	a->doc = a->nodes = a->by_id = a->nodes_map = NULL;
}

static void jobs_advance_stasks_free(struct jobs_advance_stask *t, size_t n);

/* Release what one attempt of the advance loaded (unless a->keep). */
static void
jobs_advance_reset(struct jobs_advance_state *a)
{
	if (!a->keep)
		jobs_advance_unload(a);
	a->keep = false;
	a->map_version = 0;
	a->newest_map = 0;
	a->newest_sha[0] = '\0';
	jobs_advance_stasks_free(a->next, a->nnext);
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
static enum db_status
jobs_advance_load_doc(struct db_conn *c, struct jobs_advance_state *a)
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
static enum db_status
jobs_advance_load(struct db_conn *c, struct jobs_advance_state *a)
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
static enum db_status
jobs_advance_map(struct db_conn *c, struct jobs_advance_state *a)
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
static struct json_object *
jobs_advance_node(struct jobs_advance_state *a, const char *id)
{
	struct json_object *n;

	if (id == NULL || !json_object_object_get_ex(a->by_id, id, &n))
		return NULL;
	return n;
}

/* One task row of the current stage. */
struct jobs_advance_stask {
	char *id;
	char *status;
	int64_t attempts;
	char *name; /* UPPER action */
	char *node; /* may be NULL */
	char *service;
	char *orig;   /* original config; NULL unless to submit or retry */
	char *config; /* current attempt's config, may be NULL */
	int64_t nodes_map; /* config's map version, 0: none or inline */
	int64_t seq;
};

static void
jobs_advance_stasks_free(struct jobs_advance_stask *t, size_t n)
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
 * The columns of a stage's task row that jobs_advance_stage_read() reads:
 * the configs only of the tasks that may be submitted or retried (the
 * others' are never needed), so a stage's one read brings them too.
 */
#define JOBS_ADVANCE_STASK_COLS \
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
static enum db_status
jobs_advance_stage_read(struct db_conn *c, struct jobs_advance_state *a,
    int stage, bool unqueued, size_t max, struct jobs_advance_stask **out,
    size_t *n)
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
	jobs_advance_stasks_free(a->next, a->nnext);
	a->next = NULL;
	a->nnext = 0;
	a->next_unregistered = false;
	if (unqueued)
		st = db_query(c,
		    "SELECT " JOBS_ADVANCE_STASK_COLS " FROM tasks "
		    "FORCE INDEX (tasks_job_status) WHERE job_id = ? AND "
		    "stage = ? AND status = 'NOT_SUBMITTED' ORDER BY seq, id "
		    "LIMIT ? FOR UPDATE",
		    &r, "sii", a->job, (int64_t)stage, (int64_t)max);
	else if (both)
		st = db_query(c,
		    "SELECT " JOBS_ADVANCE_STASK_COLS " FROM tasks "
		    "FORCE INDEX (tasks_job) WHERE job_id = ? AND stage IN "
		    "(?, ?) ORDER BY stage, seq, id FOR UPDATE",
		    &r, "sii", a->job, (int64_t)stage, (int64_t)stage + 1);
	else
		st = db_query(c,
		    "SELECT " JOBS_ADVANCE_STASK_COLS " FROM tasks "
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
		struct jobs_advance_stask *t =
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
 * alone (jobs_advance_stage_read() unqueued): no task of the stage failed
 * (a retry to schedule, or the job failed), read from the index by status
 * alone.  A consistent read: a failure committed later sets the job's
 * needs_work once this transaction released the job's row, and is seen
 * then.
 */
static enum db_status
jobs_advance_stage_clean(struct db_conn *c, struct jobs_advance_state *a,
    int stage, bool *clean)
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
static enum db_status
jobs_advance_flush(struct db_conn *c, struct jobs_advance_state *a)
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
 * map is stored once per job (jobs_advance_map()) and added when the task
 * is taken, unless the config has a "nodes" key of its own, which the map
 * replaces here as it always did.  A macro error fails the task (false).
 */
static enum db_status
jobs_advance_submit(struct db_conn *c, struct jobs_advance_state *a,
    struct jobs_advance_stask *t, bool *ok)
{
	struct json_object *cfg, *node, *row;
	const char *text;
	enum planner_action act;
	int64_t now = domain_now_ms(), map = 0;
	char err[LOOMD_ERR_LEN];
	enum db_status st;

	*ok = true;
	if ((st = jobs_advance_load(c, a)) != DB_OK)
		return st;
	cfg = domain_parse(t->orig != NULL ? t->orig : "{}");
	if (cfg == NULL)
		cfg = jsonx_new_object();
	node = jobs_advance_node(a, t->node);
	if (node != NULL) {
		taskconfig_prepare_submit(cfg, node, NULL);
		if (json_object_object_get_ex(cfg, "nodes", NULL))
			jsonx_set(cfg, "nodes", json_object_get(a->nodes_map));
		else if ((st = jobs_advance_map(c, a)) != DB_OK) {
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
	/* Queued with the batch's others: jobs_advance_flush(). */
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
	return a->pending_bytes >= JOBS_ADVANCE_FLUSH_BYTES ?
	    jobs_advance_flush(c, a) :
	    DB_OK;
}

/*
 * Schedule the retry of a failed task (section 3.8).  The task to submit
 * now is either t itself (*self) or a new task described in *now_task
 * (owned by the caller, freed with jobs_advance_stasks_free-style fields).
 */
static enum db_status
jobs_advance_retry(struct db_conn *c, struct jobs_advance_state *a,
    struct jobs_advance_stask *t, int cur, struct jobs_advance_stask *now_task,
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
	if ((st = jobs_advance_load(c, a)) != DB_OK ||
	    (st = jobs_advance_load_doc(c, a)) != DB_OK)
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

		if (taskconfig_build(a->doc, jobs_advance_node(a, t->node),
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

static enum db_status
jobs_advance_body_tx(struct db_conn *c, void *arg)
{
	struct jobs_advance_state *a = arg;
	struct jobs_advance_stask *tasks = NULL;
	char status[16], action[40];
	struct db_rows *r;
	enum db_status st;
	size_t n = 0, i;
	bool failed, finished = false, settled = false, kept, after = false;
	int cur, first;

	jobs_advance_reset(a);
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
	/* The job, locked, with the version and hash of its newest map. */
	if ((st = db_query(c,
		 "SELECT j.cluster_id, j.action, j.status, j.current_stage, "
		 "j.status_message, m.version, SHA2(m.nodes, 256) FROM jobs j "
		 "LEFT JOIN job_nodes_maps m ON m.job_id = j.id AND m.version = "
		 "(SELECT MAX(version) FROM job_nodes_maps WHERE job_id = ?) "
		 "WHERE j.id = ? FOR UPDATE",
		 &r, "ss", a->job, a->job)) != DB_OK)
		return st;
	if (r->nrows == 0) {
		db_rows_free(r);
		return DB_OK;
	}
	a->cluster = db_rows_int(r, 0, 0);
	snprintf(action, sizeof action, "%s", db_rows_get(r, 0, 1));
	snprintf(status, sizeof status, "%s", db_rows_get(r, 0, 2));
	cur = first = (int)db_rows_int(r, 0, 3);
	if (cur != a->kept_stage)
		jobs_advance_unload(a); /* kept for another stage */
	/* The next batch of stage cur: nodes loaded, a task queued. */
	kept = a->nodes != NULL;
	if (db_rows_get(r, 0, 4) != NULL)
		snprintf(a->msg, sizeof a->msg, "%s", db_rows_get(r, 0, 4));
	if (db_rows_get(r, 0, 5) != NULL) {
		a->newest_map = db_rows_int(r, 0, 5);
		snprintf(a->newest_sha, sizeof a->newest_sha, "%s",
		    db_rows_get(r, 0, 6));
	}
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
	    (st = jobs_advance_stage_clean(c, a, cur, &after)) != DB_OK)
		return st;
	for (;;) {
		struct jobs_advance_stask **submit = NULL, extra;
		size_t nsub = 0, completed = 0, busy = 0;
		size_t batch = (size_t)domain_cfg()->task_queue_batch;
		bool self, ok = true;

		if ((st = jobs_advance_stage_read(c, a, cur, after, batch,
			 &tasks, &n)) != DB_OK)
			goto out;
		if (after && n == 0) {
			/* None left unqueued: the whole stage, to end it. */
			after = false;
			jobs_advance_stasks_free(tasks, n);
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
			struct jobs_advance_stask *t = &tasks[i];

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
			struct jobs_advance_stask *t = &tasks[i];

			if (strcmp(t->status, "FAILED") != 0)
				continue;
			/* A retry reads the nodes as they are now. */
			if (kept) {
				jobs_advance_unload(a);
				kept = false;
			}
			/* It may move the later stages: read them again. */
			jobs_advance_stasks_free(a->next, a->nnext);
			a->next = NULL;
			a->nnext = 0;
			if ((st = jobs_advance_retry(c, a, t, cur, &extra,
				 &self)) != DB_OK) {
				free(submit);
				goto out;
			}
			if (self) {
				/* Borrowed from tasks[]; freed with them. */
				submit[nsub++] = t;
			} else {
				st = jobs_advance_submit(c, a, &extra, &ok);
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
			if ((st = jobs_advance_submit(c, a, submit[i], &ok)) !=
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
		if ((st = jobs_advance_flush(c, a)) != DB_OK)
			goto out;
		if (failed || !ok)
			break;
		if (busy > 0 || completed < n)
			break;
		/* The stage is done: the next one (none: the job is). */
		jobs_advance_stasks_free(tasks, n);
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
	jobs_advance_stasks_free(tasks, n);
	return st;
}

/* Advance job inside the caller's transaction: a finish's. */
enum db_status
jobs_advance_tx(struct db_conn *c, const char *job)
{
	struct jobs_advance_state a;
	enum db_status st;

	memset(&a, 0, sizeof a);
	a.job = job;
	a.finishing = true;
	st = jobs_advance_body_tx(c, &a);
	jobs_advance_reset(&a);
	return st;
}

enum db_status
jobs_advance_planned_tx(struct db_conn *c, const struct job_store_job *job,
    struct json_object *nodes)
{
	struct jobs_advance_state a;
	enum db_status st;

	memset(&a, 0, sizeof a);
	a.job = job->id;
	a.planned = job;
	a.planned_nodes = nodes;
	st = jobs_advance_body_tx(c, &a);
	jobs_advance_reset(&a);
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
	struct jobs_advance_state a;
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
	jobs_advance_reset(&a);
}
