/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cluster_store.c - the cluster lifecycle on MariaDB/Galera (see
 * cluster_store.h and LOOM-0.9-API.md section 3).
 *
 * Requests (create, delete, abort, lease change, take, finish) are each one
 * transaction.  Background work is done by cs_schedule(): a job that
 * needs work (jobs.needs_work = 1) is claimed with a lease taken by
 * compare-and-swap, so two servers of one datacenter never process it at
 * once, then solved, planned or advanced.  Big clusters write their nodes
 * and tasks in chunks of CS_CHUNK rows per transaction before one final
 * transaction makes them visible, keeping write sets small for Galera.
 */
#include "config.h"

#include "cluster_store.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cfg.h"
#include "ids.h"
#include "jsonin.h"
#include "macro.h"
#include "planner.h"
#include "solver.h"
#include "taskconfig.h"

#define CS_CHUNK 500		/* rows per transaction when writing plans */
#define CS_PICK 8		/* queued tasks looked at per take */
#define CS_JSON (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static const struct cfg *cs_cfg;
static const char *cs_me;

void
cs_init(const struct cfg *cfg, const char *me)
{
	cs_cfg = cfg;
	cs_me = me;
}

int64_t
cs_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
cs_parse_cluster_id(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (s == NULL || *s == '\0' || strlen(s) > 18)
		return -1;
	for (end = (char *)s; *end != '\0'; end++)
		if (!isdigit((unsigned char)*end))
			return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || v < 0)
		return -1;
	*out = v;
	return 0;
}

/* Set out to an error. */
static void LOOMD_PRINTF(3, 4)
cs_fail(struct cs_out *out, int code, const char *fmt, ...)
{
	va_list ap;

	out->code = code;
	va_start(ap, fmt);
	vsnprintf(out->msg, sizeof out->msg, fmt, ap);
	va_end(ap);
}

/* Set out's body to the JSON text of o (o stays the caller's). */
static void
cs_out_json(struct cs_out *out, struct json_object *o)
{
	free(out->body);
	out->body = xstrdup(json_object_to_json_string_ext(o, CS_JSON));
}

/* Map the outcome of a transaction into out (unless fn already did). */
static void
cs_finish_tx(struct cs_out *out, enum db_status st, const char *err)
{
	if (st == DB_OK) {
		if (out->code == 0)
			out->code = 200;
		return;
	}
	free(out->body);
	out->body = NULL;
	if (st == DB_ABORT)
		return;		/* fn set code and msg */
	cs_fail(out, db_status_transient(st) ? 503 : 500, "%s", err);
}

/* The calling thread's connection, or a 503 in out. */
static struct db_conn *
cs_conn(struct cs_out *out)
{
	char err[LOOMD_ERR_LEN];
	struct db_conn *c;

	if ((c = db_thread_conn(NULL, err)) == NULL)
		cs_fail(out, 503, "%s", err);
	return c;
}

/* Parse JSON text stored by loomd (fatal if it is not JSON). */
static struct json_object *
cs_parse(const char *text)
{
	struct json_object *o = json_tokener_parse(text != NULL ? text :
	    "null");

	if (o == NULL && text != NULL)
		log_error("cluster_store: stored JSON is corrupt: %.80s", text);
	return o;
}

/* String member of o or NULL (borrowed). */
static const char *
cs_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Lower-case copy of an upper-case status into buf. */
static const char *
cs_lower(const char *s, char *buf, size_t n)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < n; i++)
		buf[i] = (char)tolower((unsigned char)s[i]);
	buf[i] = '\0';
	return buf;
}

/* ---------------------------------------------------------------- */
/* Idempotency                                                      */

/*
 * Look the key up: DB_OK with *done set when this request was already
 * answered (out then holds the stored answer), DB_ABORT with 422 when the
 * key was used for another request.
 */
static enum db_status
cs_idem_check(struct db_conn *c, const struct cs_user *u,
    const struct cs_idem *idem, struct cs_out *out, bool *done)
{
	struct db_rows *r;
	enum db_status st;

	*done = false;
	if (idem == NULL || idem->key == NULL)
		return DB_OK;
	if ((st = db_query(c, "SELECT request_hash, status_code, body FROM "
	    "idempotency WHERE user_id = ? AND idem_key = ? FOR UPDATE", &r,
	    "ss", u->id, idem->key)) != DB_OK)
		return st;
	if (r->nrows == 1) {
		if (strcmp(db_rows_get(r, 0, 0), idem->hash) != 0) {
			db_rows_free(r);
			cs_fail(out, 422, "Idempotency-Key %s was used for a "
			    "different request", idem->key);
			return DB_ABORT;
		}
		out->code = (int)db_rows_int(r, 0, 1);
		free(out->body);
		out->body = xstrdup(db_rows_get(r, 0, 2));
		*done = true;
	}
	db_rows_free(r);
	return DB_OK;
}

/* Remember the answer of a successful write. */
static enum db_status
cs_idem_store(struct db_conn *c, const struct cs_user *u,
    const struct cs_idem *idem, const struct cs_out *out)
{
	if (idem == NULL || idem->key == NULL)
		return DB_OK;
	return db_exec(c, "INSERT INTO idempotency (user_id, idem_key, "
	    "request_hash, status_code, body) VALUES (?, ?, ?, ?, ?)", NULL,
	    "sssis", u->id, idem->key, idem->hash, (int64_t)200,
	    out->body != NULL ? out->body : "");
}

/* ---------------------------------------------------------------- */
/* Create                                                           */

struct cs_create_arg {
	const struct cs_user	*u;
	const struct cs_idem	*idem;
	struct cs_out		*out;
	int64_t			 id;
	char			 cid[32];
	char			 jid[48];
	const char		*name;
	const char		*doc;
	const char		*request;
	int64_t			 now;
};

static enum db_status
cs_create_tx(struct db_conn *c, void *arg)
{
	struct cs_create_arg *a = arg;
	enum db_status st;
	bool done;

	if ((st = cs_idem_check(c, a->u, a->idem, a->out, &done)) != DB_OK ||
	    done)
		return st;
	if ((st = db_exec(c, "INSERT INTO clusters (id, residue, owner_id, "
	    "name, status, create_time, latest_job, request, doc) VALUES "
	    "(?, ?, ?, ?, 'PENDING', ?, ?, ?, ?)", NULL, "iississs", a->id,
	    a->id % cs_cfg->ids_increment_by, a->u->id, a->name, a->now,
	    a->jid, a->request, a->doc)) != DB_OK)
		return st;
	if ((st = db_exec(c, "INSERT INTO jobs (id, cluster_id, residue, "
	    "action, status, needs_work, create_time) VALUES (?, ?, ?, "
	    "'SOLVE_LAYOUT', 'NOT_SUBMITTED', 1, ?)", NULL, "siii", a->jid,
	    a->id, a->id % cs_cfg->ids_increment_by, a->now)) != DB_OK)
		return st;
	free(a->out->body);
	a->out->body = xasprintf("{\"id\":\"%s\"}", a->cid);
	a->out->code = 200;
	return cs_idem_store(c, a->u, a->idem, a->out);
}

void
cs_create(const struct cs_user *u, struct json_object *request,
    struct json_object *config, const char *description,
    const struct cs_idem *idem, struct cs_out *out)
{
	struct cs_create_arg a;
	struct json_object *doc, *jobs;
	char err[LOOMD_ERR_LEN];
	int64_t jnum;
	struct db_conn *c;
	enum db_status st;

	memset(&a, 0, sizeof a);
	a.u = u;
	a.idem = idem;
	a.out = out;
	a.name = cs_str(request, "name");
	a.now = cs_now_ms();
	if ((c = cs_conn(out)) == NULL)
		return;
	/* IDs are reserved outside the transaction; a gap is harmless. */
	if ((st = ids_next(IDS_CLUSTER, &a.id, err)) != DB_OK ||
	    (st = ids_next(IDS_JOB, &jnum, err)) != DB_OK) {
		cs_finish_tx(out, st, err);
		return;
	}
	ids_format_cluster(a.id, a.cid, sizeof a.cid);
	ids_format_job(a.cid, jnum, a.jid, sizeof a.jid);
	doc = jsonin_new_object();
	jsonin_set(doc, "id", jsonin_new_string(a.cid));
	jsonin_set(doc, "name", jsonin_new_string(a.name));
	jsonin_set(doc, "description", jsonin_new_string(description != NULL ?
	    description : ""));
	jsonin_set(doc, "createTime", jsonin_new_int64(a.now));
	jsonin_set(doc, "expireTime", jsonin_new_int64(0));
	jsonin_set(doc, "nodes", jsonin_new_array());
	jsonin_set(doc, "services", jsonin_new_array());
	jobs = jsonin_new_array();
	jsonin_append(jobs, jsonin_new_string(a.jid));
	jsonin_set(doc, "jobs", jobs);
	jsonin_set(doc, "ownerId", jsonin_new_string(u->id));
	jsonin_set(doc, "status", jsonin_new_string("pending"));
	jsonin_set(doc, "config", config != NULL ? jsonin_copy(config) :
	    jsonin_new_object());
	a.doc = json_object_to_json_string_ext(doc, CS_JSON);
	a.request = json_object_to_json_string_ext(request, CS_JSON);
	st = db_tx_run(c, cs_create_tx, &a, err);
	cs_finish_tx(out, st, err);
	json_object_put(doc);
}

/* ---------------------------------------------------------------- */
/* Reads                                                            */

/* Load a visible cluster row: doc, status, latest_job, create_time,
 * expire_time, residue.  404 into out when absent or not visible. */
static enum db_status
cs_load_cluster(struct db_conn *c, const struct cs_user *u, int64_t id,
    bool for_update, struct db_rows **r, struct cs_out *out)
{
	enum db_status st;

	if (for_update)
		st = db_query(c, "SELECT doc, status, latest_job, "
		    "create_time, expire_time, owner_id, num_nodes FROM "
		    "clusters WHERE id = ? FOR UPDATE", r, "i", id);
	else
		st = db_query(c, "SELECT doc, status, latest_job, "
		    "create_time, expire_time, owner_id, num_nodes FROM "
		    "clusters WHERE id = ?", r, "i", id);
	if (st != DB_OK)
		return st;
	if ((*r)->nrows == 0 || (!u->sees_all &&
	    strcmp(db_rows_get(*r, 0, 5), u->id) != 0)) {
		char cid[32];

		db_rows_free(*r);
		*r = NULL;
		cs_fail(out, 404, "cluster %s not found.",
		    ids_format_cluster(id, cid, sizeof cid));
		return DB_ABORT;
	}
	return DB_OK;
}

struct cs_read_arg {
	const struct cs_user	*u;
	int64_t			 id;
	const char		*job;
	struct cs_out		*out;
};

/* GET /clusters */
static enum db_status
cs_list_fn(struct db_conn *c, void *arg)
{
	struct cs_read_arg *a = arg;
	struct json_object *arr, *o;
	struct db_rows *r;
	enum db_status st;
	char cid[32];
	size_t i;

	if (a->u->sees_all)
		st = db_query(c, "SELECT id, name, create_time, expire_time, "
		    "template_name, num_nodes, status, owner_id FROM clusters "
		    "ORDER BY create_time DESC, id DESC", &r, "");
	else
		st = db_query(c, "SELECT id, name, create_time, expire_time, "
		    "template_name, num_nodes, status, owner_id FROM clusters "
		    "WHERE owner_id = ? ORDER BY create_time DESC, id DESC",
		    &r, "s", a->u->id);
	if (st != DB_OK)
		return st;
	arr = jsonin_new_array();
	for (i = 0; i < r->nrows; i++) {
		o = jsonin_new_object();
		jsonin_set(o, "id", jsonin_new_string(ids_format_cluster(
		    db_rows_int(r, i, 0), cid, sizeof cid)));
		jsonin_set(o, "name", jsonin_new_string(db_rows_get(r, i, 1)));
		jsonin_set(o, "createTime", jsonin_new_int64(db_rows_int(r, i,
		    2)));
		jsonin_set(o, "expireTime", jsonin_new_int64(db_rows_int(r, i,
		    3)));
		jsonin_set(o, "clusterTemplate", jsonin_new_string(
		    db_rows_get(r, i, 4)));
		jsonin_set(o, "numNodes", jsonin_new_int64(db_rows_int(r, i,
		    5)));
		jsonin_set(o, "status", jsonin_new_string(db_rows_get(r, i,
		    6)));
		jsonin_set(o, "ownerId", jsonin_new_string(db_rows_get(r, i,
		    7)));
		jsonin_append(arr, o);
	}
	db_rows_free(r);
	cs_out_json(a->out, arr);
	json_object_put(arr);
	return DB_OK;
}

/* Run a read function on this thread's connection and map the result. */
static void
cs_read(db_tx_fn fn, struct cs_read_arg *a)
{
	char err[LOOMD_ERR_LEN];
	struct db_conn *c;
	enum db_status st;

	if ((c = cs_conn(a->out)) == NULL)
		return;
	st = db_read_run(c, fn, a, err);
	cs_finish_tx(a->out, st, err);
}

void
cs_list(const struct cs_user *u, struct cs_out *out)
{
	struct cs_read_arg a = { u, 0, NULL, out };

	cs_read(cs_list_fn, &a);
}

/* The nodes of a cluster as a JSON array, in nodenum order (new ref). */
static enum db_status
cs_load_nodes(struct db_conn *c, int64_t id, bool for_update,
    struct json_object **nodes)
{
	struct db_rows *r;
	enum db_status st;
	size_t i;

	*nodes = NULL;
	if (for_update)
		st = db_query(c, "SELECT doc FROM nodes WHERE cluster_id = ? "
		    "ORDER BY nodenum, id FOR UPDATE", &r, "i", id);
	else
		st = db_query(c, "SELECT doc FROM nodes WHERE cluster_id = ? "
		    "ORDER BY nodenum, id", &r, "i", id);
	if (st != DB_OK)
		return st;
	*nodes = jsonin_new_array();
	for (i = 0; i < r->nrows; i++) {
		struct json_object *n = cs_parse(db_rows_get(r, i, 0));

		if (n != NULL)
			jsonin_append(*nodes, n);
	}
	db_rows_free(r);
	return DB_OK;
}

/*
 * GET /clusters/{id}: one statement (one round trip, one causal wait, one
 * snapshot) returns the cluster row, its latest job's message and its
 * nodes in order, told apart by the first column.
 */
static enum db_status
cs_get_fn(struct db_conn *c, void *arg)
{
	struct cs_read_arg *a = arg;
	struct json_object *doc = NULL, *nodes, *n;
	struct db_rows *r;
	enum db_status st;
	size_t i;

	if ((st = db_query(c, "(SELECT 0 AS part, doc, owner_id AS owner, "
	    "0 AS nodenum, '' AS nid FROM clusters WHERE id = ?) UNION ALL "
	    "(SELECT 1, j.status_message, NULL, 0, '' FROM clusters k JOIN "
	    "jobs j ON j.id = k.latest_job WHERE k.id = ?) UNION ALL "
	    "(SELECT 2, doc, NULL, nodenum, id FROM nodes WHERE cluster_id = "
	    "?) ORDER BY part, nodenum, nid", &r, "iii", a->id, a->id,
	    a->id)) != DB_OK)
		return st;
	if (r->nrows == 0 || db_rows_int(r, 0, 0) != 0 || (!a->u->sees_all &&
	    strcmp(db_rows_get(r, 0, 2), a->u->id) != 0)) {
		char cid[32];

		db_rows_free(r);
		cs_fail(a->out, 404, "cluster %s not found.",
		    ids_format_cluster(a->id, cid, sizeof cid));
		return DB_ABORT;
	}
	doc = cs_parse(db_rows_get(r, 0, 1));
	nodes = jsonin_new_array();
	for (i = 1; i < r->nrows; i++) {
		const char *v = db_rows_get(r, i, 1);

		if (db_rows_int(r, i, 0) == 1) {
			if (v != NULL)
				jsonin_set(doc, "message",
				    jsonin_new_string(v));
		} else if (v != NULL && (n = cs_parse(v)) != NULL)
			jsonin_append(nodes, n);
	}
	db_rows_free(r);
	jsonin_set(doc, "nodes", nodes);
	cs_out_json(a->out, doc);
	json_object_put(doc);
	return DB_OK;
}

void
cs_get(const struct cs_user *u, int64_t id, struct cs_out *out)
{
	struct cs_read_arg a = { u, id, NULL, out };

	cs_read(cs_get_fn, &a);
}

/* GET /clusters/{id}/services */
static enum db_status
cs_services_fn(struct db_conn *c, void *arg)
{
	struct cs_read_arg *a = arg;
	struct json_object *doc, *sv;
	struct db_rows *r;
	enum db_status st;

	if ((st = cs_load_cluster(c, a->u, a->id, false, &r, a->out)) !=
	    DB_OK)
		return st;
	doc = cs_parse(db_rows_get(r, 0, 0));
	db_rows_free(r);
	if (json_object_object_get_ex(doc, "services", &sv))
		cs_out_json(a->out, sv);
	else {
		free(a->out->body);
		a->out->body = xstrdup("[]");
	}
	json_object_put(doc);
	return DB_OK;
}

void
cs_services(const struct cs_user *u, int64_t id, struct cs_out *out)
{
	struct cs_read_arg a = { u, id, NULL, out };

	cs_read(cs_services_fn, &a);
}

/*
 * The status object of section 1.5 for cluster id with latest job jid:
 * stepstotal = tasks registered in the job's taskStatus (counted, not
 * rollbacks), stepscompleted = those COMPLETE.  NULL if the job is gone.
 */
static enum db_status
cs_status_object(struct db_conn *c, int64_t id, const char *cstatus,
    const char *jid, struct json_object **out)
{
	struct db_rows *r;
	enum db_status st;
	char cid[32];
	int64_t total, done;

	*out = NULL;
	if ((st = db_query(c, "SELECT j.action, j.status, "
	    "(SELECT COUNT(*) FROM tasks t WHERE t.job_id = j.id AND "
	    "t.counted = 1 AND t.is_rollback = 0), (SELECT COUNT(*) FROM "
	    "tasks t WHERE t.job_id = j.id AND t.counted = 1 AND "
	    "t.is_rollback = 0 AND t.status = 'COMPLETE') FROM jobs j WHERE "
	    "j.id = ?", &r, "s", jid)) != DB_OK)
		return st;
	if (r->nrows == 1) {
		total = db_rows_int(r, 0, 2);
		done = db_rows_int(r, 0, 3);
		*out = jsonin_new_object();
		jsonin_set(*out, "clusterid", jsonin_new_string(
		    ids_format_cluster(id, cid, sizeof cid)));
		jsonin_set(*out, "stepstotal", jsonin_new_int64(total));
		jsonin_set(*out, "stepscompleted", jsonin_new_int64(done));
		jsonin_set(*out, "status", jsonin_new_string(cstatus));
		jsonin_set(*out, "actionstatus", jsonin_new_string(
		    db_rows_get(r, 0, 1)));
		jsonin_set(*out, "action", jsonin_new_string(db_rows_get(r,
		    0, 0)));
	}
	db_rows_free(r);
	return DB_OK;
}

/* GET /clusters/{id}/status */
static enum db_status
cs_status_fn(struct db_conn *c, void *arg)
{
	struct cs_read_arg *a = arg;
	struct json_object *o;
	struct db_rows *r;
	enum db_status st;
	char cid[32];

	if ((st = cs_load_cluster(c, a->u, a->id, false, &r, a->out)) !=
	    DB_OK)
		return st;
	st = cs_status_object(c, a->id, db_rows_get(r, 0, 1),
	    db_rows_get(r, 0, 2), &o);
	if (st == DB_OK && o == NULL) {
		cs_fail(a->out, 404, "job %s not found for cluster %s",
		    db_rows_get(r, 0, 2), ids_format_cluster(a->id, cid,
		    sizeof cid));
		st = DB_ABORT;
	}
	db_rows_free(r);
	if (st != DB_OK)
		return st;
	cs_out_json(a->out, o);
	json_object_put(o);
	return DB_OK;
}

void
cs_status(const struct cs_user *u, int64_t id, struct cs_out *out)
{
	struct cs_read_arg a = { u, id, NULL, out };

	cs_read(cs_status_fn, &a);
}

/* The plan JSON of one job (section 1.5). */
static enum db_status
cs_plan_object(struct db_conn *c, const char *jid, struct json_object **out)
{
	struct json_object *stages, *stage = NULL, *t;
	struct db_rows *jr, *r;
	enum db_status st;
	int64_t cur = -1, s;
	char cid[32];
	size_t i;

	*out = NULL;
	if ((st = db_query(c, "SELECT cluster_id, action, current_stage FROM "
	    "jobs WHERE id = ?", &jr, "s", jid)) != DB_OK)
		return st;
	if (jr->nrows == 0) {
		db_rows_free(jr);
		return DB_OK;
	}
	if ((st = db_query(c, "SELECT id, task_name, node_id, service, stage "
	    "FROM tasks WHERE job_id = ? AND stage IS NOT NULL ORDER BY "
	    "stage, seq", &r, "s", jid)) != DB_OK) {
		db_rows_free(jr);
		return st;
	}
	*out = jsonin_new_object();
	jsonin_set(*out, "id", jsonin_new_string(jid));
	jsonin_set(*out, "clusterId", jsonin_new_string(ids_format_cluster(
	    db_rows_int(jr, 0, 0), cid, sizeof cid)));
	jsonin_set(*out, "action", jsonin_new_string(db_rows_get(jr, 0, 1)));
	jsonin_set(*out, "currentStage", jsonin_new_int64(db_rows_int(jr, 0,
	    2)));
	stages = jsonin_new_array();
	for (i = 0; i < r->nrows; i++) {
		s = db_rows_int(r, i, 4);
		if (s != cur) {
			stage = jsonin_new_array();
			jsonin_append(stages, stage);
			cur = s;
		}
		t = jsonin_new_object();
		jsonin_set(t, "id", jsonin_new_string(db_rows_get(r, i, 0)));
		jsonin_set(t, "taskName", jsonin_new_string(db_rows_get(r, i,
		    1)));
		jsonin_set(t, "nodeId", jsonin_new_string(db_rows_get(r, i,
		    2) != NULL ? db_rows_get(r, i, 2) : ""));
		jsonin_set(t, "service", jsonin_new_string(db_rows_get(r, i,
		    3)));
		jsonin_append(stage, t);
	}
	jsonin_set(*out, "stages", stages);
	db_rows_free(r);
	db_rows_free(jr);
	return DB_OK;
}

/* GET /clusters/{id}/plans[/{job}] */
static enum db_status
cs_plans_fn(struct db_conn *c, void *arg)
{
	struct cs_read_arg *a = arg;
	struct json_object *doc, *jobs, *arr, *p;
	struct db_rows *r;
	enum db_status st = DB_OK;
	char cid[32];
	size_t i;

	if ((st = cs_load_cluster(c, a->u, a->id, false, &r, a->out)) !=
	    DB_OK)
		return st;
	doc = cs_parse(db_rows_get(r, 0, 0));
	db_rows_free(r);
	ids_format_cluster(a->id, cid, sizeof cid);
	if (!json_object_object_get_ex(doc, "jobs", &jobs))
		jobs = NULL;
	if (a->job != NULL) {
		bool mine = false;

		for (i = 0; jobs != NULL && i < json_object_array_length(jobs);
		    i++)
			mine |= strcmp(json_object_get_string(
			    json_object_array_get_idx(jobs, i)), a->job) == 0;
		if (!mine) {
			json_object_put(doc);
			cs_fail(a->out, 400, "Job %s does not belong to "
			    "cluster %s", a->job, cid);
			return DB_ABORT;
		}
		st = cs_plan_object(c, a->job, &p);
		if (st == DB_OK && p == NULL) {
			cs_fail(a->out, 404, "job %s not found", a->job);
			st = DB_ABORT;
		}
		if (st == DB_OK) {
			cs_out_json(a->out, p);
			json_object_put(p);
		}
		json_object_put(doc);
		return st;
	}
	arr = jsonin_new_array();
	for (i = 0; jobs != NULL && i < json_object_array_length(jobs); i++) {
		st = cs_plan_object(c, json_object_get_string(
		    json_object_array_get_idx(jobs, i)), &p);
		if (st != DB_OK)
			break;
		if (p != NULL)
			jsonin_append(arr, p);
	}
	if (st == DB_OK) {
		cs_out_json(a->out, arr);
	}
	json_object_put(arr);
	json_object_put(doc);
	return st;
}

void
cs_plans(const struct cs_user *u, int64_t id, const char *job,
    struct cs_out *out)
{
	struct cs_read_arg a = { u, id, job, out };

	cs_read(cs_plans_fn, &a);
}

/* POST /getClusterStatuses */
static enum db_status
cs_statuses_fn(struct db_conn *c, void *arg)
{
	struct cs_read_arg *a = arg;
	struct json_object *arr, *o;
	struct db_rows *r;
	enum db_status st = DB_OK;
	size_t i;

	if (a->u->sees_all)
		st = db_query(c, "SELECT id, status, latest_job FROM clusters "
		    "ORDER BY id", &r, "");
	else
		st = db_query(c, "SELECT id, status, latest_job FROM clusters "
		    "WHERE owner_id = ? ORDER BY id", &r, "s", a->u->id);
	if (st != DB_OK)
		return st;
	if (r->nrows == 0) {
		db_rows_free(r);
		cs_fail(a->out, 404, "No clusters found");
		return DB_ABORT;
	}
	arr = jsonin_new_array();
	for (i = 0; i < r->nrows && st == DB_OK; i++) {
		st = cs_status_object(c, db_rows_int(r, i, 0),
		    db_rows_get(r, i, 1), db_rows_get(r, i, 2), &o);
		if (st == DB_OK && o != NULL)
			jsonin_append(arr, o);
	}
	db_rows_free(r);
	if (st == DB_OK && json_object_array_length(arr) == 0) {
		cs_fail(a->out, 404, "No jobs found for clusters");
		st = DB_ABORT;
	}
	if (st == DB_OK) {
		cs_out_json(a->out, arr);
	}
	json_object_put(arr);
	return st;
}

void
cs_statuses(const struct cs_user *u, struct cs_out *out)
{
	struct cs_read_arg a = { u, 0, NULL, out };

	cs_read(cs_statuses_fn, &a);
}

/* ---------------------------------------------------------------- */
/* Cluster writes: helpers                                          */

/* Write a cluster doc back with its status column in step. */
static enum db_status
cs_save_cluster(struct db_conn *c, int64_t id, struct json_object *doc,
    const char *status, const char *latest_job)
{
	char low[16];

	jsonin_set(doc, "status", jsonin_new_string(cs_lower(status, low,
	    sizeof low)));
	if (latest_job != NULL)
		return db_exec(c, "UPDATE clusters SET doc = ?, status = ?, "
		    "latest_job = ?, version = version + 1 WHERE id = ?",
		    NULL, "sssi", json_object_to_json_string_ext(doc,
		    CS_JSON), status, latest_job, id);
	return db_exec(c, "UPDATE clusters SET doc = ?, status = ?, "
	    "version = version + 1 WHERE id = ?", NULL, "ssi",
	    json_object_to_json_string_ext(doc, CS_JSON), status, id);
}

/* Set a cluster's status (loading and saving its doc). */
static enum db_status
cs_set_cluster_status(struct db_conn *c, int64_t id, const char *status)
{
	struct json_object *doc;
	struct db_rows *r;
	enum db_status st;

	if ((st = db_query(c, "SELECT doc FROM clusters WHERE id = ? FOR "
	    "UPDATE", &r, "i", id)) != DB_OK)
		return st;
	if (r->nrows == 0) {
		db_rows_free(r);
		return DB_OK;
	}
	doc = cs_parse(db_rows_get(r, 0, 0));
	db_rows_free(r);
	st = cs_save_cluster(c, id, doc, status, NULL);
	json_object_put(doc);
	return st;
}

/* Append a job id to the doc's jobs list. */
static void
cs_doc_add_job(struct json_object *doc, const char *jid)
{
	struct json_object *jobs;

	if (!json_object_object_get_ex(doc, "jobs", &jobs) ||
	    !json_object_is_type(jobs, json_type_array)) {
		jobs = jsonin_new_array();
		jsonin_set(doc, "jobs", jobs);
	}
	jsonin_append(jobs, jsonin_new_string(jid));
}

/* ---------------------------------------------------------------- */
/* Delete, abort, lease change                                      */

struct cs_write_arg {
	const struct cs_user	*u;
	const struct cs_idem	*idem;
	struct cs_out		*out;
	int64_t			 id;
	char			 jid[48];	/* a reserved job id */
	int64_t			 expire;
};

/* Request deletion of a cluster inside a transaction (section 3.10). */
static enum db_status
cs_delete_body(struct db_conn *c, struct cs_write_arg *a, bool system)
{
	struct json_object *doc;
	struct db_rows *r;
	enum db_status st;
	const char *status;
	char cid[32];
	bool done;

	if ((st = cs_idem_check(c, a->u, a->idem, a->out, &done)) != DB_OK ||
	    done)
		return st;
	if ((st = cs_load_cluster(c, a->u, a->id, true, &r, a->out)) !=
	    DB_OK)
		return st;
	status = db_rows_get(r, 0, 1);
	ids_format_cluster(a->id, cid, sizeof cid);
	if (strcmp(status, "TERMINATED") == 0) {
		db_rows_free(r);
		a->out->code = 200;
		return cs_idem_store(c, a->u, a->idem, a->out);
	}
	if (strcmp(status, "PENDING") == 0) {
		cs_fail(a->out, 409, "Job %s is still underway for cluster %s",
		    db_rows_get(r, 0, 2), cid);
		db_rows_free(r);
		return system ? DB_OK : DB_ABORT;
	}
	doc = cs_parse(db_rows_get(r, 0, 0));
	if (db_rows_int(r, 0, 6) == 0) {
		/* No nodes: nothing to delete, terminated at once. */
		db_rows_free(r);
		st = cs_save_cluster(c, a->id, doc, "TERMINATED", NULL);
		json_object_put(doc);
		a->out->code = 200;
		return st != DB_OK ? st : cs_idem_store(c, a->u, a->idem,
		    a->out);
	}
	db_rows_free(r);
	cs_doc_add_job(doc, a->jid);
	if ((st = db_exec(c, "INSERT INTO jobs (id, cluster_id, residue, "
	    "action, status, needs_work, create_time) VALUES (?, ?, ?, "
	    "'CLUSTER_DELETE', 'RUNNING', 1, ?)", NULL, "siii", a->jid, a->id,
	    a->id % cs_cfg->ids_increment_by, cs_now_ms())) == DB_OK)
		st = cs_save_cluster(c, a->id, doc, "PENDING", a->jid);
	json_object_put(doc);
	if (st != DB_OK)
		return st;
	a->out->code = 200;
	return cs_idem_store(c, a->u, a->idem, a->out);
}

static enum db_status
cs_delete_tx(struct db_conn *c, void *arg)
{
	return cs_delete_body(c, arg, false);
}

/* Reserve a job id for a, or fail out. */
static int
cs_reserve_job(struct cs_write_arg *a)
{
	char err[LOOMD_ERR_LEN], cid[32];
	enum db_status st;
	int64_t jnum;

	if ((st = ids_next(IDS_JOB, &jnum, err)) != DB_OK) {
		cs_finish_tx(a->out, st, err);
		return -1;
	}
	ids_format_job(ids_format_cluster(a->id, cid, sizeof cid), jnum,
	    a->jid, sizeof a->jid);
	return 0;
}

/* Run a write transaction for a request. */
static void
cs_write(db_tx_fn fn, struct cs_write_arg *a)
{
	char err[LOOMD_ERR_LEN];
	struct db_conn *c;
	enum db_status st;

	if ((c = cs_conn(a->out)) == NULL)
		return;
	st = db_tx_run(c, fn, a, err);
	cs_finish_tx(a->out, st, err);
}

void
cs_delete(const struct cs_user *u, int64_t id, const struct cs_idem *idem,
    struct cs_out *out)
{
	struct cs_write_arg a;

	memset(&a, 0, sizeof a);
	a.u = u;
	a.idem = idem;
	a.out = out;
	a.id = id;
	if (cs_reserve_job(&a) != 0)
		return;
	cs_write(cs_delete_tx, &a);
}

/* POST /clusters/{id}/abort (section 3.9). */
static enum db_status
cs_abort_tx(struct db_conn *c, void *arg)
{
	struct cs_write_arg *a = arg;
	struct db_rows *r, *jr;
	enum db_status st;
	const char *js, *ja;
	bool done;

	if ((st = cs_idem_check(c, a->u, a->idem, a->out, &done)) != DB_OK ||
	    done)
		return st;
	if ((st = cs_load_cluster(c, a->u, a->id, true, &r, a->out)) !=
	    DB_OK)
		return st;
	if (strcmp(db_rows_get(r, 0, 1), "PENDING") != 0) {
		db_rows_free(r);
		a->out->code = 200;
		return cs_idem_store(c, a->u, a->idem, a->out);
	}
	st = db_query(c, "SELECT status, action, planned FROM jobs WHERE "
	    "id = ? FOR UPDATE", &jr, "s", db_rows_get(r, 0, 2));
	if (st != DB_OK) {
		db_rows_free(r);
		return st;
	}
	if (jr->nrows == 0) {
		db_rows_free(jr);
		db_rows_free(r);
		cs_fail(a->out, 409, "Cannot be aborted at this time.");
		return DB_ABORT;
	}
	js = db_rows_get(jr, 0, 0);
	ja = db_rows_get(jr, 0, 1);
	if (strcmp(js, "FAILED") == 0 || strcmp(js, "COMPLETE") == 0) {
		/* Let the scheduler settle the cluster. */
		st = db_exec(c, "UPDATE jobs SET needs_work = 1 WHERE id = ?",
		    NULL, "s", db_rows_get(r, 0, 2));
	} else if (strcmp(ja, "CLUSTER_CREATE") != 0 ||
	    strcmp(js, "RUNNING") != 0) {
		db_rows_free(jr);
		db_rows_free(r);
		cs_fail(a->out, 409, "Cannot be aborted at this time.");
		return DB_ABORT;
	} else {
		st = db_exec(c, "UPDATE jobs SET status = 'FAILED', "
		    "status_message = 'Aborted by user.', needs_work = 1, "
		    "version = version + 1 WHERE id = ?", NULL, "s",
		    db_rows_get(r, 0, 2));
	}
	db_rows_free(jr);
	db_rows_free(r);
	if (st != DB_OK)
		return st;
	a->out->code = 200;
	return cs_idem_store(c, a->u, a->idem, a->out);
}

void
cs_abort(const struct cs_user *u, int64_t id, const struct cs_idem *idem,
    struct cs_out *out)
{
	struct cs_write_arg a;

	memset(&a, 0, sizeof a);
	a.u = u;
	a.idem = idem;
	a.out = out;
	a.id = id;
	cs_write(cs_abort_tx, &a);
}

/* The template lease of a cluster doc: max and step (0 when absent). */
static void
cs_doc_lease(struct json_object *doc, int64_t *max, int64_t *step)
{
	struct json_object *t, *adm, *ld, *v;

	*max = *step = 0;
	if (json_object_object_get_ex(doc, "clusterTemplate", &t) &&
	    json_object_object_get_ex(t, "administration", &adm) &&
	    json_object_object_get_ex(adm, "leaseduration", &ld)) {
		if (json_object_object_get_ex(ld, "max", &v))
			*max = json_object_get_int64(v);
		if (json_object_object_get_ex(ld, "step", &v))
			*step = json_object_get_int64(v);
	}
}

/* POST /clusters/{id}: change the expire time (section 3.11). */
static enum db_status
cs_expire_tx(struct db_conn *c, void *arg)
{
	struct cs_write_arg *a = arg;
	struct json_object *doc;
	int64_t create, cur, max, step;
	struct db_rows *r;
	enum db_status st;
	const char *status;
	bool done;

	if ((st = cs_idem_check(c, a->u, a->idem, a->out, &done)) != DB_OK ||
	    done)
		return st;
	if ((st = cs_load_cluster(c, a->u, a->id, true, &r, a->out)) !=
	    DB_OK)
		return st;
	status = db_rows_get(r, 0, 1);
	create = db_rows_int(r, 0, 3);
	cur = db_rows_int(r, 0, 4);
	doc = cs_parse(db_rows_get(r, 0, 0));
	cs_doc_lease(doc, &max, &step);
	if (strcmp(status, "TERMINATED") == 0)
		cs_fail(a->out, 400, "Cannot change expire time of terminated "
		    "cluster");
	else if (strcmp(status, "PENDING") == 0)
		cs_fail(a->out, 400, "Cannot change expire time of cluster at "
		    "this time");
	else if (a->expire < create)
		cs_fail(a->out, 400, "New expire time cannot be lesser than "
		    "create time");
	else if (max != 0 && step != 0 && a->expire - cur > step)
		cs_fail(a->out, 400, "New expire time cannot be greater than "
		    "allowed increment");
	else if (max != 0 && max <= INT64_MAX - create &&
	    create + max < a->expire)	/* a larger max: no bound */
		cs_fail(a->out, 400, "Cluster cannot be prolonged beyond its "
		    "max duration");
	db_rows_free(r);
	if (a->out->code != 0) {
		json_object_put(doc);
		return DB_ABORT;
	}
	jsonin_set(doc, "expireTime", jsonin_new_int64(a->expire));
	st = db_exec(c, "UPDATE clusters SET expire_time = ?, doc = ?, "
	    "version = version + 1 WHERE id = ?", NULL, "isi", a->expire,
	    json_object_to_json_string_ext(doc, CS_JSON), a->id);
	json_object_put(doc);
	if (st != DB_OK)
		return st;
	a->out->code = 200;
	return cs_idem_store(c, a->u, a->idem, a->out);
}

void
cs_set_expire(const struct cs_user *u, int64_t id, int64_t expire,
    const struct cs_idem *idem, struct cs_out *out)
{
	struct cs_write_arg a;

	memset(&a, 0, sizeof a);
	a.u = u;
	a.idem = idem;
	a.out = out;
	a.id = id;
	a.expire = expire;
	cs_write(cs_expire_tx, &a);
}

/* ---------------------------------------------------------------- */
/* Nodes: actions and results                                       */

/* Truncate a log to the last max characters, prefixed "[snipped]". */
static char *
cs_truncate_log(const char *s, int64_t max)
{
	size_t n;

	if (s == NULL)
		return xstrdup("");
	n = strlen(s);
	if ((int64_t)n <= max)
		return xstrdup(s);
	return xasprintf("[snipped]%s", s + n - (size_t)max);
}

/*
 * Load node id FOR UPDATE, let fn change its doc, and write it back.
 * DB_ABORT when fn returns false (nothing written).
 */
static enum db_status
cs_update_node(struct db_conn *c, const char *node_id,
    bool (*fn)(struct json_object *node, void *arg), void *arg)
{
	struct json_object *node;
	struct db_rows *r;
	enum db_status st;

	if ((st = db_query(c, "SELECT doc FROM nodes WHERE id = ? FOR UPDATE",
	    &r, "s", node_id)) != DB_OK)
		return st;
	if (r->nrows == 0) {
		db_rows_free(r);
		return DB_OK;	/* the node is gone: nothing to record */
	}
	node = cs_parse(db_rows_get(r, 0, 0));
	db_rows_free(r);
	if (!fn(node, arg)) {
		json_object_put(node);
		return DB_ABORT;
	}
	st = db_exec(c, "UPDATE nodes SET doc = ?, version = version + 1 "
	    "WHERE id = ?", NULL, "ss", json_object_to_json_string_ext(node,
	    CS_JSON), node_id);
	json_object_put(node);
	return st;
}

struct cs_action_arg {
	const char		*task_id;
	const char		*service;
	const char		*action;	/* UPPER */
	const char		*status;	/* for closing */
	struct json_object	*result;
	const char		*stdout_s;
	const char		*stderr_s;
	int64_t			 now;
};

/* Append an in_progress action, dropping the oldest past the maximum. */
static bool
cs_node_open_action(struct json_object *node, void *arg)
{
	struct cs_action_arg *a = arg;
	struct json_object *acts, *act, *trimmed;
	size_t n, i;

	if (!json_object_object_get_ex(node, "actions", &acts) ||
	    !json_object_is_type(acts, json_type_array)) {
		acts = jsonin_new_array();
		jsonin_set(node, "actions", acts);
	}
	act = jsonin_new_object();
	jsonin_set(act, "taskId", jsonin_new_string(a->task_id));
	jsonin_set(act, "service", jsonin_new_string(a->service));
	jsonin_set(act, "action", jsonin_new_string(a->action));
	jsonin_set(act, "submitTime", jsonin_new_int64(a->now));
	jsonin_set(act, "statusTime", jsonin_new_int64(a->now));
	jsonin_set(act, "status", jsonin_new_string("in_progress"));
	jsonin_append(acts, act);
	n = json_object_array_length(acts);
	if ((int64_t)n > cs_cfg->node_max_actions) {
		trimmed = jsonin_new_array();
		for (i = n - (size_t)cs_cfg->node_max_actions; i < n; i++)
			jsonin_append(trimmed, json_object_get(
			    json_object_array_get_idx(acts, i)));
		jsonin_set(node, "actions", trimmed);
	}
	return true;
}

/*
 * Close the node's last action (which must be in progress, else false:
 * Loom answers 417) and merge the provisioner's result into properties.
 */
static bool
cs_node_close_action(struct json_object *node, void *arg)
{
	struct cs_action_arg *a = arg;
	struct json_object *acts, *act, *props;
	const char *st;
	size_t n;

	if (!json_object_object_get_ex(node, "actions", &acts) ||
	    (n = json_object_array_length(acts)) == 0)
		return false;
	act = json_object_array_get_idx(acts, n - 1);
	if ((st = cs_str(act, "status")) == NULL ||
	    strcmp(st, "in_progress") != 0)
		return false;
	jsonin_set(act, "status", jsonin_new_string(a->status));
	jsonin_set(act, "statusTime", jsonin_new_int64(a->now));
	if (strcmp(a->status, "failed") == 0) {
		jsonin_set(act, "stdout", jsonin_new_string(""));
		jsonin_set(act, "stderr", jsonin_new_string(""));
		json_object_put(NULL);
		{
			char *o = cs_truncate_log(a->stdout_s,
			    cs_cfg->node_max_log_length);
			char *e = cs_truncate_log(a->stderr_s,
			    cs_cfg->node_max_log_length);

			jsonin_set(act, "stdout", jsonin_new_string(o));
			jsonin_set(act, "stderr", jsonin_new_string(e));
			free(o);
			free(e);
		}
	}
	if (a->result != NULL &&
	    json_object_is_type(a->result, json_type_object)) {
		if (!json_object_object_get_ex(node, "properties", &props)) {
			props = jsonin_new_object();
			jsonin_set(node, "properties", props);
		}
		json_object_object_foreach(a->result, k, v)
			jsonin_set(props, k, jsonin_copy(v));
	}
	return true;
}

/* ---------------------------------------------------------------- */
/* Take and finish                                                  */

struct cs_take_arg {
	const char	*worker;
	struct cs_out	*out;
	int64_t		 residue;
	size_t		 spread;	/* first candidate tried (a hash) */
};

/* Build the SchedulableTask JSON text (section 1.7) of a task row. */
static char *
cs_task_json(const char *id, const char *job, int64_t cluster,
    const char *name, const char *node, const char *config)
{
	struct json_object *o = jsonin_new_object(), *cfg;
	char cid[32], *s;

	jsonin_set(o, "taskId", jsonin_new_string(id));
	jsonin_set(o, "jobId", jsonin_new_string(job));
	jsonin_set(o, "clusterId", jsonin_new_string(ids_format_cluster(
	    cluster, cid, sizeof cid)));
	jsonin_set(o, "taskName", jsonin_new_string(name));
	if (node != NULL)
		jsonin_set(o, "nodeId", jsonin_new_string(node));
	cfg = cs_parse(config != NULL ? config : "{}");
	jsonin_set(o, "config", cfg != NULL ? cfg : jsonin_new_object());
	s = xstrdup(json_object_to_json_string_ext(o, CS_JSON));
	json_object_put(o);
	return s;
}

static enum db_status
cs_take_tx(struct db_conn *c, void *arg)
{
	struct cs_take_arg *a = arg;
	struct db_rows *cand = NULL, *r = NULL, *jr = NULL;
	enum db_status st;
	int64_t now = cs_now_ms();
	bool foreign = false;
	uint64_t n;
	size_t k = 0;
	int tries;

	/*
	 * A worker asking again while it holds a task lost our answer (a
	 * timeout, a dropped connection): hand it the same task again rather
	 * than leave that one stranded until task.timeout_seconds.
	 */
	if ((st = db_query(c, "SELECT job_id, cluster_id, task_name, node_id, "
	    "id, config FROM tasks WHERE q_state = 'taken' AND worker_id = ? "
	    "ORDER BY taken_at LIMIT 1", &r, "s", a->worker)) != DB_OK)
		return st;
	if (r->nrows == 1) {
		free(a->out->body);
		a->out->body = cs_task_json(db_rows_get(r, 0, 4),
		    db_rows_get(r, 0, 0), db_rows_int(r, 0, 1),
		    db_rows_get(r, 0, 2), db_rows_get(r, 0, 3),
		    db_rows_get(r, 0, 5));
		a->out->code = 200;
		goto out;
	}
	db_rows_free(r);
	r = NULL;
	/*
	 * This datacenter's oldest queued task first, locked with SKIP
	 * LOCKED: takers on this node never wait for each other and the
	 * queue stays first in, first out.  When none is left, the oldest
	 * of the other datacenters' (a survivor working a dead one's
	 * queue): candidates read without locks, each worker starting at
	 * one of its own so that takers on different nodes do not all lose
	 * certification over the same first task.
	 */
	for (tries = 0; tries < 16; tries++) {
		const char *id;

		if (!foreign) {
			db_rows_free(cand);
			cand = NULL;
			if ((st = db_query(c, "SELECT id FROM tasks WHERE "
			    "q_state = 'queued' AND residue = ? ORDER BY q_seq "
			    "LIMIT 1 FOR UPDATE SKIP LOCKED", &cand, "i",
			    a->residue)) != DB_OK)
				goto out;
			if (cand->nrows == 0) {
				foreign = true;
				db_rows_free(cand);
				cand = NULL;
				if ((st = db_query(c, "SELECT id FROM tasks "
				    "FORCE INDEX (tasks_queue) WHERE q_state = "
				    "'queued' AND residue <> ? ORDER BY q_seq "
				    "LIMIT 8", &cand, "i", a->residue)) != DB_OK)
					goto out;
			}
		}
		if (!foreign)
			id = db_rows_get(cand, 0, 0);
		else if (k < cand->nrows)
			id = db_rows_get(cand, (k++ + a->spread) % cand->nrows,
			    0);
		else
			break;
		if ((st = db_exec(c, "UPDATE tasks SET q_state = 'taken', "
		    "worker_id = ?, taken_at = ?, version = version + 1 WHERE "
		    "id = ? AND q_state = 'queued'", &n, "sis", a->worker, now,
		    id)) != DB_OK)
			goto out;
		if (n != 1)
			continue;	/* taken by someone else just now */
		/* The hand-out record: a second one of this attempt fails. */
		st = db_exec(c, "INSERT INTO task_takes (task_id, attempt, "
		    "worker_id, taken_at) SELECT id, attempts, ?, ? FROM tasks "
		    "WHERE id = ?", NULL, "sis", a->worker, now, id);
		if (st == DB_CONFLICT) {
			log_warn("take: task %s was already handed out; "
			    "looking again", id);
			st = DB_RETRY;
		}
		if (st != DB_OK)
			goto out;
		if ((st = db_query(c, "SELECT job_id, cluster_id, task_name, "
		    "node_id, service, config FROM tasks WHERE id = ?", &r,
		    "s", id)) != DB_OK)
			goto out;
		if ((st = db_query(c, "SELECT status FROM jobs WHERE id = ?",
		    &jr, "s", db_rows_get(r, 0, 0))) != DB_OK)
			goto out;
		if (jr->nrows == 0 || strcmp(db_rows_get(jr, 0, 0),
		    "FAILED") == 0) {
			/* Its job failed: drop it and let the job settle. */
			if ((st = db_exec(c, "UPDATE tasks SET status = "
			    "'DROPPED', q_state = 'none', worker_id = NULL, "
			    "status_time = ? WHERE id = ?", NULL, "is", now,
			    id)) != DB_OK ||
			    (st = db_exec(c, "UPDATE jobs SET needs_work = 1 "
			    "WHERE id = ?", NULL, "s", db_rows_get(r, 0, 0))) !=
			    DB_OK)
				goto out;
			db_rows_free(r);
			db_rows_free(jr);
			r = jr = NULL;
			continue;
		}
		if (db_rows_get(r, 0, 3) != NULL) {
			struct cs_action_arg aa = { id, db_rows_get(r, 0, 4),
			    db_rows_get(r, 0, 2), NULL, NULL, NULL, NULL,
			    now };

			if ((st = cs_update_node(c, db_rows_get(r, 0, 3),
			    cs_node_open_action, &aa)) != DB_OK)
				goto out;
		}
		free(a->out->body);
		a->out->body = cs_task_json(id, db_rows_get(r, 0, 0),
		    db_rows_int(r, 0, 1), db_rows_get(r, 0, 2),
		    db_rows_get(r, 0, 3), db_rows_get(r, 0, 5));
		a->out->code = 200;
		goto out;
	}
	a->out->code = 204;
out:
	db_rows_free(cand);
	db_rows_free(r);
	db_rows_free(jr);
	return st;
}

/* Read back whether worker holds task id (db_read_run body). */
struct cs_verify_arg {
	const char	*worker;
	const char	*task;
	bool		 mine;
};

static enum db_status
cs_verify_take_fn(struct db_conn *c, void *arg)
{
	struct cs_verify_arg *v = arg;
	struct db_rows *r;
	enum db_status st;

	if ((st = db_query(c, "SELECT COUNT(*) FROM tasks WHERE id = ? AND "
	    "q_state = 'taken' AND worker_id = ?", &r, "ss", v->task,
	    v->worker)) != DB_OK)
		return st;
	v->mine = db_rows_int(r, 0, 0) == 1;
	db_rows_free(r);
	return DB_OK;
}

void
cs_take(const char *worker, struct cs_out *out)
{
	struct cs_take_arg a = { worker, out, 0, 0 };
	char err[LOOMD_ERR_LEN], task[64];
	struct db_conn *c;
	enum db_status st;
	const char *p;
	int round;

	a.residue = cfg_ids_residue(cs_cfg);
	for (p = worker; *p != '\0'; p++)	/* FNV-1a */
		a.spread = (a.spread ^ (unsigned char)*p) * 16777619u;
	if ((c = cs_conn(out)) == NULL)
		return;
	for (round = 0; round < 3; round++) {
		struct cs_verify_arg v = { worker, task, false };

		st = db_tx_run(c, cs_take_tx, &a, err);
		cs_finish_tx(out, st, err);
		if (out->code != 200 || out->body == NULL ||
		    (p = strstr(out->body, "\"taskId\":\"")) == NULL)
			return;
		snprintf(task, sizeof task, "%.*s", (int)strcspn(p + 10,
		    "\""), p + 10);
		/*
		 * Read the hand-out back (a causal read: it waits for every
		 * write set ordered before it) before answering.  Under
		 * Galera a take was seen to report a commit whose rows a
		 * concurrent take on another node had won; such a task must
		 * not reach this worker.
		 */
		if (db_read_run(c, cs_verify_take_fn, &v, err) != DB_OK ||
		    v.mine)
			return;
		log_warn("take: task %s went to another worker; taking "
		    "again", task);
		free(out->body);
		out->body = NULL;
		out->code = 0;
	}
	free(out->body);
	out->body = NULL;
	out->code = 204;
}

struct cs_adv;
static enum db_status cs_advance_inline(struct db_conn *, const char *);

struct cs_finish_arg {
	const char		*worker;
	const char		*task_id;
	int64_t			 status;
	struct json_object	*result;
	const char		*stdout_s;
	const char		*stderr_s;
	struct cs_out		*out;
};

static enum db_status
cs_finish_task_tx(struct db_conn *c, void *arg)
{
	struct cs_finish_arg *a = arg;
	struct db_rows *r;
	enum db_status st;
	int64_t now = cs_now_ms();
	const char *status = a->status == 0 ? "COMPLETE" : "FAILED";

	if ((st = db_query(c, "SELECT q_state, worker_id, job_id, node_id, "
	    "task_name, service, stage FROM tasks WHERE id = ? FOR UPDATE", &r,
	    "s", a->task_id)) != DB_OK)
		return st;
	if (r->nrows == 0 || strcmp(db_rows_get(r, 0, 0), "taken") != 0 ||
	    db_rows_get(r, 0, 1) == NULL ||
	    strcmp(db_rows_get(r, 0, 1), a->worker) != 0) {
		db_rows_free(r);
		cs_fail(a->out, 417, "Worker is not the owner of the task");
		return DB_ABORT;
	}
	if ((st = db_exec(c, "UPDATE tasks SET status = ?, status_code = ?, "
	    "status_time = ?, q_state = 'none', worker_id = NULL, version = "
	    "version + 1 WHERE id = ?", NULL, "siis", status, a->status, now,
	    a->task_id)) != DB_OK)
		goto out;
	if (db_rows_get(r, 0, 3) != NULL) {
		struct cs_action_arg aa = { a->task_id, db_rows_get(r, 0, 5),
		    db_rows_get(r, 0, 4), a->status == 0 ? "complete" :
		    "failed", a->result, a->stdout_s, a->stderr_s, now };

		st = cs_update_node(c, db_rows_get(r, 0, 3),
		    cs_node_close_action, &aa);
		if (st == DB_ABORT) {
			cs_fail(a->out, 417, "Worker is not the owner of the "
			    "task");
			goto out;
		}
		if (st != DB_OK)
			goto out;
	}
	/*
	 * The last task of its stage done: advance the job here, in this
	 * transaction, rather than leave it to a scheduler pass (a claim,
	 * a read and a transaction of its own).  Otherwise the scheduler
	 * does it, as for a failure: two finishes of a stage's last tasks
	 * racing on two nodes may each see the other's task unfinished.
	 */
	/* (A rollback task has no stage: the scheduler handles it.) */
	if (a->status == 0 && db_rows_get(r, 0, 6) != NULL) {
		struct db_rows *open;

		/*
		 * The job's row lock first: the snapshot of the consistent
		 * read below (and of the advance) is then taken after every
		 * local transaction that advanced this job committed.
		 */
		if ((st = db_exec(c, "SELECT id FROM jobs WHERE id = ? FOR "
		    "UPDATE", NULL, "s", db_rows_get(r, 0, 2))) != DB_OK)
			goto out;
		if ((st = db_query(c, "SELECT id FROM tasks WHERE job_id = ? "
		    "AND stage = ? AND status <> 'COMPLETE' ORDER BY seq DESC "
		    "LIMIT 1", &open, "si", db_rows_get(r, 0, 2),
		    db_rows_int(r, 0, 6))) != DB_OK)
			goto out;
		if (open->nrows == 0) {
			db_rows_free(open);
			if ((st = cs_advance_inline(c, db_rows_get(r, 0, 2))) ==
			    DB_OK)
				a->out->code = 200;
			goto out;
		}
		db_rows_free(open);
	}
	st = db_exec(c, "UPDATE jobs SET needs_work = 1 WHERE id = ?", NULL,
	    "s", db_rows_get(r, 0, 2));
	a->out->code = 200;
out:
	db_rows_free(r);
	return st;
}

void
cs_finish(const char *worker, const char *task_id, int64_t status,
    struct json_object *result, const char *stdout_s, const char *stderr_s,
    struct cs_out *out)
{
	struct cs_finish_arg a = { worker, task_id, status, result, stdout_s,
	    stderr_s, out };
	char err[LOOMD_ERR_LEN];
	struct db_conn *c;
	enum db_status st;

	if ((c = cs_conn(out)) == NULL)
		return;
	st = db_tx_run(c, cs_finish_task_tx, &a, err);
	cs_finish_tx(out, st, err);
}

/* ---------------------------------------------------------------- */
/* Scheduler: shared helpers                                        */

/* Claim job id for this server with a lease (compare-and-swap). */
static bool
cs_claim(struct db_conn *c, const char *id)
{
	int64_t now = cs_now_ms();
	uint64_t n = 0;

	if (db_exec(c, "UPDATE jobs SET lease_owner = ?, lease_until = ? "
	    "WHERE id = ? AND needs_work = 1 AND (lease_until < ? OR "
	    "lease_owner = ?)", &n, "sisis", cs_me, now +
	    cs_cfg->ha_job_lease_ms, id, now, cs_me) != DB_OK)
		return false;
	return n == 1;
}

/*
 * The catalogue the solver last used, kept by the scheduler thread (the
 * only caller of cs_load_catalogue) with the fingerprint of the entities
 * table it was read under.
 */
static struct {
	char			 stamp[96];	/* count, version sum, newest */
	struct json_object	*catalogue;
} cs_cat_cache;

/*
 * The catalogue as an export object (new ref).  One statement checks the
 * fingerprint of the entities table (rows, sum of versions, newest
 * change: an insert, update or delete changes one of them); only when it
 * moved is the catalogue read again, in one statement, and parsed.
 */
static enum db_status
cs_load_catalogue(struct db_conn *c, struct json_object **out)
{
	static const char *kinds[] = { "providers", "hardwaretypes",
	    "imagetypes", "services", "clustertemplates" };
	struct json_object *arr[5], *cat;
	struct db_rows *r;
	enum db_status st;
	char stamp[sizeof cs_cat_cache.stamp];
	size_t k, i;

	*out = NULL;
	if ((st = db_query(c, "SELECT COUNT(*), COALESCE(SUM(version), 0), "
	    "COALESCE(MAX(updated_at), '') FROM entities", &r, "")) != DB_OK)
		return st;
	snprintf(stamp, sizeof stamp, "%s/%s/%s", db_rows_get(r, 0, 0),
	    db_rows_get(r, 0, 1), db_rows_get(r, 0, 2));
	db_rows_free(r);
	if (cs_cat_cache.catalogue != NULL &&
	    strcmp(stamp, cs_cat_cache.stamp) == 0) {
		*out = json_object_get(cs_cat_cache.catalogue);
		return DB_OK;
	}
	if ((st = db_query(c, "SELECT kind, doc FROM entities WHERE kind IN "
	    "(?, ?, ?, ?, ?) ORDER BY kind, name", &r, "sssss", kinds[0],
	    kinds[1], kinds[2], kinds[3], kinds[4])) != DB_OK)
		return st;
	cat = jsonin_new_object();
	for (k = 0; k < 5; k++) {
		arr[k] = jsonin_new_array();
		jsonin_set(cat, kinds[k], arr[k]);
	}
	for (i = 0; i < r->nrows; i++) {
		struct json_object *e;

		for (k = 0; k < 5; k++)
			if (strcmp(db_rows_get(r, i, 0), kinds[k]) == 0)
				break;
		if (k < 5 && (e = cs_parse(db_rows_get(r, i, 1))) != NULL)
			jsonin_append(arr[k], e);
	}
	db_rows_free(r);
	json_object_put(cs_cat_cache.catalogue);
	cs_cat_cache.catalogue = cat;
	snprintf(cs_cat_cache.stamp, sizeof cs_cat_cache.stamp, "%s", stamp);
	*out = json_object_get(cat);
	return DB_OK;
}

void
cs_schedule_done(void)
{
	json_object_put(cs_cat_cache.catalogue);
	memset(&cs_cat_cache, 0, sizeof cs_cat_cache);
}

/* Solver node-id callback: a random (version 4) UUID. */
static int
cs_new_uuid(void *arg UNUSED, char id[SOLVER_NODE_ID_LEN])
{
	unsigned char b[16];

	randombytes_buf(b, sizeof b);
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(id, SOLVER_NODE_ID_LEN, "%02x%02x%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4],
	    b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
	    b[15]);
	return 0;
}

/* Fail a job and set its cluster's status, then release it. */
struct cs_fail_arg {
	const char	*job;
	int64_t		 cluster;
	const char	*msg;
	const char	*cluster_status;
	int64_t		 version;
};

static enum db_status
cs_fail_job_tx(struct db_conn *c, void *arg)
{
	struct cs_fail_arg *a = arg;
	enum db_status st;
	uint64_t n = 0;

	if ((st = db_exec(c, "UPDATE jobs SET status = 'FAILED', "
	    "status_message = ?, needs_work = 0, lease_until = 0, version = "
	    "version + 1 WHERE id = ? AND version = ?", &n, "ssi", a->msg,
	    a->job, a->version)) != DB_OK)
		return st;
	if (n != 1)
		return DB_ABORT;	/* changed meanwhile: look again */
	return cs_set_cluster_status(c, a->cluster, a->cluster_status);
}

/* ---------------------------------------------------------------- */
/* Scheduler: solve                                                 */

struct cs_job {
	char		 id[64];
	int64_t		 cluster;
	char		 action[16];
	char		 status[16];
	bool		 planned;
	int64_t		 version;
};

/* Read the job row (without locking). */
static enum db_status
cs_read_job(struct db_conn *c, const char *id, struct cs_job *j, bool *found)
{
	struct db_rows *r;
	enum db_status st;

	*found = false;
	if ((st = db_query(c, "SELECT cluster_id, action, status, planned, "
	    "version FROM jobs WHERE id = ?", &r, "s", id)) != DB_OK)
		return st;
	if (r->nrows == 1) {
		snprintf(j->id, sizeof j->id, "%s", id);
		j->cluster = db_rows_int(r, 0, 0);
		snprintf(j->action, sizeof j->action, "%s", db_rows_get(r, 0,
		    1));
		snprintf(j->status, sizeof j->status, "%s", db_rows_get(r, 0,
		    2));
		j->planned = db_rows_int(r, 0, 3) != 0;
		j->version = db_rows_int(r, 0, 4);
		*found = true;
	}
	db_rows_free(r);
	return DB_OK;
}

struct cs_rows_arg {
	int64_t			 cluster;
	struct json_object	*nodes;		/* array, borrowed */
	size_t			 from, to;
	const char		*job;		/* for tasks */
	struct cs_plan_rows	*plan;
};

/* Write nodes[from, to) of a solved cluster (first chunk clears). */
static enum db_status
cs_write_nodes_tx(struct db_conn *c, void *arg)
{
	struct cs_rows_arg *a = arg;
	enum db_status st;
	size_t i;

	if (a->from == 0 && (st = db_exec(c, "DELETE FROM nodes WHERE "
	    "cluster_id = ?", NULL, "i", a->cluster)) != DB_OK)
		return st;
	for (i = a->from; i < a->to; i++) {
		struct json_object *n = json_object_array_get_idx(a->nodes, i);
		struct json_object *props;
		const char *num = NULL;

		if (json_object_object_get_ex(n, "properties", &props))
			num = cs_str(props, "nodenum");
		if ((st = db_exec(c, "INSERT INTO nodes (id, cluster_id, "
		    "nodenum, doc) VALUES (?, ?, ?, ?)", NULL, "siis",
		    cs_str(n, "id"), a->cluster, num != NULL ?
		    (int64_t)strtoll(num, NULL, 10) : (int64_t)i,
		    json_object_to_json_string_ext(n, CS_JSON))) != DB_OK)
			return st;
	}
	return DB_OK;
}

struct cs_solved_arg {
	const struct cs_job	*job;
	struct solver_result	*res;
	char			 create_job[48];
};

/* Publish a solved layout: job COMPLETE, new CLUSTER_CREATE job. */
static enum db_status
cs_solved_tx(struct db_conn *c, void *arg)
{
	struct cs_solved_arg *a = arg;
	struct json_object *doc, *ids;
	struct db_rows *r;
	enum db_status st;
	uint64_t n = 0;
	size_t i;

	if ((st = db_exec(c, "UPDATE jobs SET status = 'COMPLETE', "
	    "needs_work = 0, lease_until = 0, version = version + 1 WHERE "
	    "id = ? AND version = ? AND status = 'NOT_SUBMITTED'", &n, "si",
	    a->job->id, a->job->version)) != DB_OK)
		return st;
	if (n != 1)
		return DB_ABORT;
	if ((st = db_query(c, "SELECT doc FROM clusters WHERE id = ? FOR "
	    "UPDATE", &r, "i", a->job->cluster)) != DB_OK)
		return st;
	if (r->nrows == 0) {
		db_rows_free(r);
		return DB_OK;
	}
	doc = cs_parse(db_rows_get(r, 0, 0));
	db_rows_free(r);
	ids = jsonin_new_array();
	for (i = 0; i < a->res->num_nodes; i++)
		jsonin_append(ids, jsonin_new_string(cs_str(
		    json_object_array_get_idx(a->res->nodes, i), "id")));
	jsonin_set(doc, "nodes", ids);
	jsonin_set(doc, "services", jsonin_copy(a->res->services));
	jsonin_set(doc, "provider", jsonin_copy(a->res->provider));
	jsonin_set(doc, "clusterTemplate", jsonin_copy(
	    a->res->clustertemplate));
	jsonin_set(doc, "expireTime", jsonin_new_int64(a->res->expire_time));
	cs_doc_add_job(doc, a->create_job);
	st = db_exec(c, "INSERT INTO jobs (id, cluster_id, residue, action, "
	    "status, needs_work, create_time) VALUES (?, ?, ?, "
	    "'CLUSTER_CREATE', 'NOT_SUBMITTED', 1, ?)", NULL, "siii",
	    a->create_job, a->job->cluster, a->job->cluster %
	    cs_cfg->ids_increment_by, cs_now_ms());
	if (st == DB_OK)
		st = db_exec(c, "UPDATE clusters SET template_name = ?, "
		    "num_nodes = ?, expire_time = ?, version = version + 1 "
		    "WHERE id = ?", NULL, "siii", cs_str(
		    a->res->clustertemplate, "name"), (int64_t)
		    a->res->num_nodes, a->res->expire_time, a->job->cluster);
	if (st == DB_OK)
		st = cs_save_cluster(c, a->job->cluster, doc, "PENDING",
		    a->create_job);
	json_object_put(doc);
	return st;
}

/* Read what solving needs (db_read_run body). */
struct cs_solve_in {
	int64_t			 cluster;
	char			*request;
	int64_t			 create_time;
	struct json_object	*catalogue;
	bool			 found;
};

static enum db_status
cs_solve_read_fn(struct db_conn *c, void *arg)
{
	struct cs_solve_in *in = arg;
	struct db_rows *r;
	enum db_status st;

	if ((st = db_query(c, "SELECT request, create_time FROM clusters "
	    "WHERE id = ?", &r, "i", in->cluster)) != DB_OK)
		return st;
	in->found = r->nrows == 1;
	if (in->found) {
		free(in->request);
		in->request = xstrdup(db_rows_get(r, 0, 0));
		in->create_time = db_rows_int(r, 0, 1);
	}
	db_rows_free(r);
	json_object_put(in->catalogue);
	in->catalogue = NULL;
	return in->found ? cs_load_catalogue(c, &in->catalogue) : DB_OK;
}

/* Solve a SOLVE_LAYOUT job (section 3.3). */
static void
cs_solve_job(struct db_conn *c, const struct cs_job *job)
{
	struct cs_solve_in in = { job->cluster, NULL, 0, NULL, false };
	struct solver_catalogue cat;
	struct solver_request req;
	struct solver_options opts;
	struct solver_result *res = NULL;
	struct json_object *rq = NULL;
	char err[LOOMD_ERR_LEN], msg[LOOMD_ERR_LEN], cid[32];
	struct cs_fail_arg fa;
	enum db_status st;
	int64_t jnum;
	size_t i;
	int rc;

	if ((st = db_read_run(c, cs_solve_read_fn, &in, err)) != DB_OK ||
	    !in.found)
		goto out;
	rq = cs_parse(in.request);
	solver_catalogue_from_export(&cat, in.catalogue);
	memset(&req, 0, sizeof req);
	solver_options_init(&opts);
	opts.max_steps = cs_cfg->solver_max_steps;
	opts.node_id = cs_new_uuid;
	if (rq == NULL || solver_request_from_json(&req, rq, err) != 0) {
		snprintf(msg, sizeof msg, "Exception while solving layout");
		goto failed;
	}
	req.cluster_id = ids_format_cluster(job->cluster, cid, sizeof cid);
	req.create_time = in.create_time;
	rc = solver_solve(&cat, &req, &opts, &res, err);
	if (rc != 0 || res == NULL || res->num_nodes == 0) {
		if (rc != 0)
			snprintf(msg, sizeof msg, "Layout solving failed: %s",
			    err);
		else
			snprintf(msg, sizeof msg, "Layout solving failed");
		goto failed;
	}
	/* Nodes first, in chunks; the final transaction publishes them. */
	for (i = 0; i < res->num_nodes; i += CS_CHUNK) {
		struct cs_rows_arg ra = { job->cluster, res->nodes, i,
		    i + CS_CHUNK < res->num_nodes ? i + CS_CHUNK :
		    res->num_nodes, NULL, NULL };

		if ((st = db_tx_run(c, cs_write_nodes_tx, &ra, err)) != DB_OK) {
			log_warn("solve %s: writing nodes: %s", job->id, err);
			goto out;
		}
	}
	if (ids_next(IDS_JOB, &jnum, err) != DB_OK) {
		log_warn("solve %s: %s", job->id, err);
		goto out;
	}
	{
		struct cs_solved_arg sa = { job, res, "" };

		ids_format_job(cid, jnum, sa.create_job,
		    sizeof sa.create_job);
		st = db_tx_run(c, cs_solved_tx, &sa, err);
		if (st == DB_OK)
			log_info("cluster %s solved: %zu nodes, job %s", cid,
			    res->num_nodes, sa.create_job);
		else if (st != DB_ABORT)
			log_warn("solve %s: %s", job->id, err);
	}
	goto out;
failed:
	log_info("cluster %s: %s", ids_format_cluster(job->cluster, cid,
	    sizeof cid), msg);
	fa = (struct cs_fail_arg){ job->id, job->cluster, msg, "TERMINATED",
	    job->version };
	if ((st = db_tx_run(c, cs_fail_job_tx, &fa, err)) != DB_OK &&
	    st != DB_ABORT)
		log_warn("solve %s: %s", job->id, err);
out:
	solver_result_free(res);
	json_object_put(rq);
	json_object_put(in.catalogue);
	free(in.request);
}

/* ---------------------------------------------------------------- */
/* Scheduler: plan                                                  */

/* One task row of a new plan. */
struct cs_plan_task {
	char	 id[64];
	int	 stage;
	int	 seq;
	char	*config;	/* owned JSON text */
	size_t	 k;		/* index in the plan */
};

struct cs_plan_rows {
	const struct cs_job	*job;
	struct planner_plan	*plan;
	struct cs_plan_task	*tasks;
	size_t			 n;
	size_t			 from, to;
	const char		*ca;
};

/* Insert tasks[from, to) of a plan (the first chunk clears old ones). */
static enum db_status
cs_write_tasks_tx(struct db_conn *c, void *arg)
{
	struct cs_plan_rows *p = arg;
	int64_t residue = p->job->cluster % cs_cfg->ids_increment_by;
	enum db_status st;
	size_t i;

	if (p->from == 0 && (st = db_exec(c, "DELETE FROM tasks WHERE "
	    "job_id = ?", NULL, "s", p->job->id)) != DB_OK)
		return st;
	for (i = p->from; i < p->to; i++) {
		const struct cs_plan_task *t = &p->tasks[i];
		const struct planner_task *pt = &p->plan->tasks[t->k];

		if ((st = db_exec(c, "INSERT INTO tasks (id, job_id, "
		    "cluster_id, residue, stage, seq, node_id, service, "
		    "task_name, cluster_action, status, counted, "
		    "original_config) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
		    "'NOT_SUBMITTED', 1, ?)", NULL, "ssiiiisssss", t->id,
		    p->job->id, p->job->cluster, residue, (int64_t)t->stage,
		    (int64_t)t->seq, pt->node_id, pt->service,
		    planner_action_upper(pt->action), p->ca, t->config)) !=
		    DB_OK)
			return st;
	}
	return DB_OK;
}

/* Make a written plan live: the job runs from stage 0. */
static enum db_status
cs_planned_tx(struct db_conn *c, void *arg)
{
	const struct cs_job *job = arg;
	enum db_status st;
	uint64_t n = 0;

	if ((st = db_exec(c, "UPDATE jobs SET planned = 1, status = "
	    "'RUNNING', current_stage = 0, needs_work = 1, version = version "
	    "+ 1 WHERE id = ? AND version = ? AND planned = 0", &n, "si",
	    job->id, job->version)) != DB_OK)
		return st;
	return n == 1 ? DB_OK : DB_ABORT;
}

/* Read a cluster doc and its nodes (db_read_run body). */
struct cs_cluster_in {
	int64_t			 cluster;
	struct json_object	*doc;
	struct json_object	*nodes;
};

static enum db_status
cs_cluster_read_fn(struct db_conn *c, void *arg)
{
	struct cs_cluster_in *in = arg;
	struct db_rows *r;
	enum db_status st;

	json_object_put(in->doc);
	json_object_put(in->nodes);
	in->doc = in->nodes = NULL;
	if ((st = db_query(c, "SELECT doc FROM clusters WHERE id = ?", &r,
	    "i", in->cluster)) != DB_OK)
		return st;
	if (r->nrows == 1)
		in->doc = cs_parse(db_rows_get(r, 0, 0));
	db_rows_free(r);
	return cs_load_nodes(c, in->cluster, false, &in->nodes);
}

/* Plan a CLUSTER_CREATE or CLUSTER_DELETE job (section 3.5). */
static void
cs_plan_job(struct db_conn *c, const struct cs_job *job)
{
	struct cs_cluster_in in = { job->cluster, NULL, NULL };
	struct planner_plan *plan = NULL;
	struct cs_plan_task *tasks = NULL;
	enum planner_cluster_action ca;
	char err[LOOMD_ERR_LEN], jbuf[64];
	struct cs_fail_arg fa;
	enum db_status st;
	size_t s, k, n = 0, i;
	int64_t first;
	int stage = 0;

	if (db_read_run(c, cs_cluster_read_fn, &in, err) != DB_OK ||
	    in.doc == NULL)
		goto out;
	ca = strcmp(job->action, "CLUSTER_DELETE") == 0 ?
	    PLANNER_CLUSTER_DELETE : PLANNER_CLUSTER_CREATE;
	if (json_object_array_length(in.nodes) == 0 ||
	    planner_plan(ca, in.nodes, &plan, err) != 0)
		goto failed;
	tasks = xcalloc(plan->ntasks + 1, sizeof *tasks);
	for (s = 0; s < plan->nstages; s++) {
		int seq = 0;

		for (k = plan->stages[s].first; k < plan->stages[s].first +
		    plan->stages[s].ntasks; k++) {
			const struct planner_task *pt = &plan->tasks[k];
			struct json_object *cfg = NULL;

			if (taskconfig_build(in.doc,
			    json_object_array_get_idx(in.nodes, pt->node_ix),
			    planner_action_is_hardware(pt->action) ? NULL :
			    pt->service, pt->action, &cfg, err) != 0) {
				log_warn("plan %s: %s", job->id, err);
				goto failed;
			}
			if (cfg == NULL)
				continue;	/* the service lacks it */
			tasks[n].k = k;
			tasks[n].stage = stage;
			tasks[n].seq = seq++;
			tasks[n].config = xstrdup(
			    json_object_to_json_string_ext(cfg, CS_JSON));
			json_object_put(cfg);
			n++;
		}
		if (seq > 0)
			stage++;
	}
	if (n == 0)
		goto failed;
	if (ids_reserve(IDS_TASK, (int64_t)n, &first, err) != DB_OK) {
		log_warn("plan %s: %s", job->id, err);
		goto out;
	}
	for (i = 0; i < n; i++)
		ids_format_task(job->id, first + (int64_t)i *
		    cs_cfg->ids_increment_by, tasks[i].id,
		    sizeof tasks[i].id);
	for (i = 0; i < n; i += CS_CHUNK) {
		struct cs_plan_rows pr = { job, plan, tasks, n, i,
		    i + CS_CHUNK < n ? i + CS_CHUNK : n, job->action };

		if ((st = db_tx_run(c, cs_write_tasks_tx, &pr, err)) !=
		    DB_OK) {
			log_warn("plan %s: writing tasks: %s", job->id, err);
			goto out;
		}
	}
	if ((st = db_tx_run(c, cs_planned_tx, (void *)job, err)) != DB_OK &&
	    st != DB_ABORT)
		log_warn("plan %s: %s", job->id, err);
	else if (st == DB_OK)
		log_info("job %s planned: %zu tasks in %d stages", job->id, n,
		    stage);
	goto out;
failed:
	snprintf(jbuf, sizeof jbuf, "%s", job->id);
	fa = (struct cs_fail_arg){ jbuf, job->cluster,
	    "Failed to schedule the action", ca == PLANNER_CLUSTER_DELETE ?
	    "INCOMPLETE" : "TERMINATED", job->version };
	if ((st = db_tx_run(c, cs_fail_job_tx, &fa, err)) != DB_OK &&
	    st != DB_ABORT)
		log_warn("plan %s: %s", job->id, err);
out:
	if (tasks != NULL)
		for (i = 0; i < n; i++)
			free(tasks[i].config);
	free(tasks);
	planner_plan_free(plan);
	json_object_put(in.doc);
	json_object_put(in.nodes);
}

/* ---------------------------------------------------------------- */
/* Scheduler: advance a job (section 3.7)                           */

struct cs_adv {
	const char		*job;
	/* loaded on first need, per attempt */
	struct json_object	*doc;
	struct json_object	*nodes;
	struct json_object	*nodes_map;
	int64_t			 cluster;
	enum planner_cluster_action ca;
	/* outcome */
	char			 msg[LOOMD_ERR_LEN];
	bool			 requeue;
};

/* Release what one attempt of the advance loaded. */
static void
cs_adv_reset(struct cs_adv *a)
{
	json_object_put(a->doc);
	json_object_put(a->nodes);
	json_object_put(a->nodes_map);
	a->doc = a->nodes = a->nodes_map = NULL;
	a->msg[0] = '\0';
	a->requeue = false;
}

/* Load the cluster doc and nodes once per attempt. */
static enum db_status
cs_adv_load(struct db_conn *c, struct cs_adv *a)
{
	struct db_rows *r;
	enum db_status st;

	if (a->doc != NULL)
		return DB_OK;
	if ((st = db_query(c, "SELECT doc FROM clusters WHERE id = ?", &r,
	    "i", a->cluster)) != DB_OK)
		return st;
	a->doc = r->nrows == 1 ? cs_parse(db_rows_get(r, 0, 0)) :
	    jsonin_new_object();
	db_rows_free(r);
	if ((st = cs_load_nodes(c, a->cluster, false, &a->nodes)) != DB_OK)
		return st;
	a->nodes_map = taskconfig_nodes_map(a->nodes);
	return DB_OK;
}

/* The node object of id in the loaded nodes (borrowed) or NULL. */
static struct json_object *
cs_adv_node(struct cs_adv *a, const char *id)
{
	size_t i;

	if (id == NULL)
		return NULL;
	for (i = 0; i < json_object_array_length(a->nodes); i++) {
		struct json_object *n = json_object_array_get_idx(a->nodes, i);
		const char *nid = cs_str(n, "id");

		if (nid != NULL && strcmp(nid, id) == 0)
			return n;
	}
	return NULL;
}

/* One task row of the current stage. */
struct cs_stask {
	char	*id;
	char	*status;
	int64_t	 attempts;
	char	*name;		/* UPPER action */
	char	*node;		/* may be NULL */
	char	*service;
	char	*orig;		/* original config */
	char	*config;	/* current attempt's config, may be NULL */
	int64_t	 seq;
};

static void
cs_stasks_free(struct cs_stask *t, size_t n)
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
 * Submit one task: its config from the original, node properties and
 * the nodes map, macros expanded for service tasks; then queue it.  A
 * macro error fails the task (false).
 */
static enum db_status
cs_submit(struct db_conn *c, struct cs_adv *a, const struct cs_stask *t,
    bool *ok)
{
	struct json_object *cfg, *node;
	enum planner_action act;
	int64_t now = cs_now_ms();
	char err[LOOMD_ERR_LEN];
	enum db_status st;

	*ok = true;
	if ((st = cs_adv_load(c, a)) != DB_OK)
		return st;
	cfg = cs_parse(t->orig);
	if (cfg == NULL)
		cfg = jsonin_new_object();
	node = cs_adv_node(a, t->node);
	if (node != NULL)
		taskconfig_prepare_submit(cfg, node, a->nodes_map);
	if (planner_action_parse(t->name, &act) == 0 &&
	    !planner_action_is_hardware(act) &&
	    strchr(t->orig, '%') != NULL) {
		struct macro_cluster *mc = macro_cluster_new(a->nodes, node);
		const char *path[2] = { NULL, NULL };
		enum macro_error_kind kind;

		/* Every key but the shared "nodes" map. */
		json_object_object_foreach(cfg, key, val) {
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
		snprintf(a->msg, sizeof a->msg, "Exception while expanding "
		    "macros: %s", err);
		return db_exec(c, "UPDATE tasks SET status = 'FAILED', "
		    "status_code = -1, status_message = ?, status_time = ?, "
		    "version = version + 1 WHERE id = ?", NULL, "sis", a->msg,
		    now, t->id);
	}
	st = db_exec(c, "UPDATE tasks SET status = 'IN_PROGRESS', q_state = "
	    "'queued', q_seq = ?, submit_time = ?, status_time = ?, config = "
	    "?, version = version + 1 WHERE id = ?", NULL, "iiiss", now * 1000 +
	    (int64_t)(t->seq % 1000), now, now, json_object_to_json_string_ext(
	    cfg, CS_JSON), t->id);
	json_object_put(cfg);
	return st;
}

/*
 * Schedule the retry of a failed task (section 3.8).  The task to submit
 * now is either t itself (*self) or a new task described in *now_task
 * (owned by the caller, freed with cs_stasks_free-style fields).
 */
static enum db_status
cs_retry(struct db_conn *c, struct cs_adv *a, const struct cs_stask *t,
    int cur, struct cs_stask *now_task, bool *self)
{
	struct planner_retry r;
	enum planner_action act;
	char err[LOOMD_ERR_LEN];
	int64_t residue = a->cluster % cs_cfg->ids_increment_by, first;
	int64_t now = cs_now_ms();
	enum db_status st;
	size_t i;

	memset(now_task, 0, sizeof *now_task);
	*self = false;
	if (planner_action_parse(t->name, &act) != 0)
		act = PLANNER_ACTION_CREATE;
	planner_retry_decide(a->ca, act, (int)t->attempts,
	    (int)cs_cfg->task_max_action_retries, &r);
	if (r.rollback) {
		char rid[64], cid[32];

		if ((st = ids_next(IDS_TASK, &first, err)) != DB_OK)
			return st;
		ids_format_task(a->job, first, rid, sizeof rid);
		ids_format_cluster(a->cluster, cid, sizeof cid);
		if ((st = db_exec(c, "INSERT INTO tasks (id, job_id, "
		    "cluster_id, residue, stage, node_id, service, task_name, "
		    "cluster_action, status, is_rollback, q_state, q_seq, "
		    "submit_time, original_config, config) VALUES (?, ?, ?, ?, "
		    "NULL, NULL, ?, ?, ?, 'NOT_SUBMITTED', 1, 'queued', ?, ?, "
		    "?, ?)", NULL, "ssiisssiiss", rid, a->job, a->cluster,
		    residue, t->service, planner_action_upper(
		    r.rollback_action), planner_cluster_action_upper(a->ca),
		    now * 1000, now, t->config != NULL ? t->config : t->orig,
		    t->config != NULL ? t->config : t->orig)) != DB_OK)
			return st;
	}
	/* A new attempt of the failed task, from its original config. */
	if ((st = db_exec(c, "UPDATE tasks SET attempts = attempts + 1, "
	    "status = 'NOT_SUBMITTED', config = NULL, version = version + 1 "
	    "WHERE id = ?", NULL, "s", t->id)) != DB_OK)
		return st;
	if (r.nbefore == 0) {
		*self = true;
		return DB_OK;
	}
	if ((st = cs_adv_load(c, a)) != DB_OK)
		return st;
	if ((st = ids_reserve(IDS_TASK, (int64_t)r.nbefore, &first, err)) !=
	    DB_OK)
		return st;
	/* Make room: the failed task and the later retry tasks follow. */
	if ((st = db_exec(c, "UPDATE tasks SET stage = stage + ? WHERE "
	    "job_id = ? AND stage > ?", NULL, "isi", (int64_t)r.nbefore,
	    a->job, (int64_t)cur)) != DB_OK)
		return st;
	if ((st = db_exec(c, "UPDATE tasks SET stage = ?, seq = 0 WHERE id = "
	    "?", NULL, "is", (int64_t)(cur + (int)r.nbefore), t->id)) != DB_OK)
		return st;
	for (i = 0; i < r.nbefore; i++) {
		struct json_object *cfg = NULL;
		const char *svc = planner_action_is_hardware(r.before[i]) ?
		    "" : t->service;
		char nid[64];

		if (taskconfig_build(a->doc, cs_adv_node(a, t->node),
		    svc[0] != '\0' ? svc : NULL, r.before[i], &cfg, err) != 0 ||
		    cfg == NULL) {
			json_object_put(cfg);
			cfg = jsonin_new_object();
		}
		ids_format_task(a->job, first + (int64_t)i *
		    cs_cfg->ids_increment_by, nid, sizeof nid);
		st = db_exec(c, "INSERT INTO tasks (id, job_id, cluster_id, "
		    "residue, stage, seq, node_id, service, task_name, "
		    "cluster_action, status, counted, original_config) VALUES "
		    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'NOT_SUBMITTED', ?, ?)",
		    NULL, "ssiiiissssis", nid, a->job, a->cluster, residue,
		    (int64_t)(cur + (int)i), t->seq, t->node, svc,
		    planner_action_upper(r.before[i]),
		    planner_cluster_action_upper(a->ca), (int64_t)(i == 0),
		    json_object_to_json_string_ext(cfg, CS_JSON));
		if (i == 0 && st == DB_OK) {
			now_task->id = xstrdup(nid);
			now_task->name = xstrdup(planner_action_upper(
			    r.before[i]));
			now_task->node = t->node != NULL ? xstrdup(t->node) :
			    NULL;
			now_task->service = xstrdup(svc);
			now_task->orig = xstrdup(
			    json_object_to_json_string_ext(cfg, CS_JSON));
			now_task->seq = t->seq;
		}
		json_object_put(cfg);
		if (st != DB_OK)
			return st;
	}
	return DB_OK;
}

/* Read the current stage's tasks and register them in the job. */
static enum db_status
cs_stage_tasks(struct db_conn *c, const char *job, int stage,
    struct cs_stask **out, size_t *n)
{
	struct db_rows *r;
	enum db_status st;
	size_t i;

	*out = NULL;
	*n = 0;
	if ((st = db_exec(c, "UPDATE tasks SET counted = 1 WHERE job_id = ? "
	    "AND stage = ? AND counted = 0", NULL, "si", job, (int64_t)stage))
	    != DB_OK)
		return st;
	if ((st = db_query(c, "SELECT id, status, attempts, task_name, "
	    "node_id, service, original_config, config, seq FROM tasks WHERE "
	    "job_id = ? AND stage = ? ORDER BY seq FOR UPDATE", &r, "si", job,
	    (int64_t)stage)) != DB_OK)
		return st;
	*out = xcalloc(r->nrows + 1, sizeof **out);
	for (i = 0; i < r->nrows; i++) {
		struct cs_stask *t = &(*out)[i];

		t->id = xstrdup(db_rows_get(r, i, 0));
		t->status = xstrdup(db_rows_get(r, i, 1));
		t->attempts = db_rows_int(r, i, 2);
		t->name = xstrdup(db_rows_get(r, i, 3));
		t->node = db_rows_get(r, i, 4) != NULL ?
		    xstrdup(db_rows_get(r, i, 4)) : NULL;
		t->service = xstrdup(db_rows_get(r, i, 5));
		t->orig = xstrdup(db_rows_get(r, i, 6));
		t->config = db_rows_get(r, i, 7) != NULL ?
		    xstrdup(db_rows_get(r, i, 7)) : NULL;
		t->seq = db_rows_int(r, i, 8);
	}
	*n = r->nrows;
	db_rows_free(r);
	return DB_OK;
}

static enum db_status
cs_advance_tx(struct db_conn *c, void *arg)
{
	struct cs_adv *a = arg;
	struct cs_stask *tasks = NULL;
	char status[16], action[16];
	struct db_rows *r;
	enum db_status st;
	size_t n = 0, i;
	bool failed, finished = false;
	int cur;

	cs_adv_reset(a);
	if ((st = db_query(c, "SELECT cluster_id, action, status, "
	    "current_stage, status_message FROM jobs WHERE id = ? FOR UPDATE",
	    &r, "s", a->job)) != DB_OK)
		return st;
	if (r->nrows == 0) {
		db_rows_free(r);
		return DB_OK;
	}
	a->cluster = db_rows_int(r, 0, 0);
	snprintf(action, sizeof action, "%s", db_rows_get(r, 0, 1));
	snprintf(status, sizeof status, "%s", db_rows_get(r, 0, 2));
	cur = (int)db_rows_int(r, 0, 3);
	if (db_rows_get(r, 0, 4) != NULL)
		snprintf(a->msg, sizeof a->msg, "%s", db_rows_get(r, 0, 4));
	db_rows_free(r);
	a->ca = strcmp(action, "CLUSTER_DELETE") == 0 ?
	    PLANNER_CLUSTER_DELETE : PLANNER_CLUSTER_CREATE;
	failed = strcmp(status, "FAILED") == 0;
	if (strcmp(status, "COMPLETE") == 0)
		goto save;
	for (;;) {
		struct cs_stask *submit = NULL, extra;
		size_t nsub = 0, completed = 0, busy = 0;
		bool self, ok = true;

		if ((st = cs_stage_tasks(c, a->job, cur, &tasks, &n)) != DB_OK)
			goto out;
		submit = xcalloc(n + 1, sizeof *submit);
		for (i = 0; i < n && !failed; i++) {
			const struct cs_stask *t = &tasks[i];

			if (strcmp(t->status, "COMPLETE") == 0)
				completed++;
			else if (strcmp(t->status, "NOT_SUBMITTED") == 0)
				submit[nsub++] = *t;
			else if (strcmp(t->status, "IN_PROGRESS") == 0)
				busy++;
			else if (strcmp(t->status, "FAILED") == 0 &&
			    t->attempts >= cs_cfg->task_max_action_retries)
				failed = true;
		}
		/* Retries, only while the job still stands. */
		for (i = 0; i < n && !failed; i++) {
			const struct cs_stask *t = &tasks[i];

			if (strcmp(t->status, "FAILED") != 0)
				continue;
			if ((st = cs_retry(c, a, t, cur, &extra, &self)) !=
			    DB_OK) {
				free(submit);
				goto out;
			}
			if (self) {
				/* Borrowed from tasks[]; freed with them. */
				submit[nsub++] = *t;
			} else {
				if ((st = cs_submit(c, a, &extra, &ok)) !=
				    DB_OK) {
					free(extra.id);
					free(extra.name);
					free(extra.node);
					free(extra.service);
					free(extra.orig);
					free(submit);
					goto out;
				}
				free(extra.id);
				free(extra.name);
				free(extra.node);
				free(extra.service);
				free(extra.orig);
				busy++;
				if (!ok) {
					a->requeue = true;
					break;
				}
			}
		}
		for (i = 0; i < nsub && !failed && ok; i++) {
			if ((st = cs_submit(c, a, &submit[i], &ok)) != DB_OK) {
				free(submit);
				goto out;
			}
			busy++;
			if (!ok)
				a->requeue = true;
		}
		free(submit);
		if (failed || !ok)
			break;
		if (busy > 0 || completed < n)
			break;
		/* The stage is done: the next one, or the job is. */
		cs_stasks_free(tasks, n);
		tasks = NULL;
		n = 0;
		if ((st = db_query(c, "SELECT COUNT(*) FROM tasks WHERE job_id "
		    "= ? AND stage = ?", &r, "si", a->job, (int64_t)(cur + 1)))
		    != DB_OK)
			goto out;
		i = (size_t)db_rows_int(r, 0, 0);
		db_rows_free(r);
		if (i == 0) {
			finished = true;
			break;
		}
		cur++;
	}
save:
	if (finished) {
		snprintf(status, sizeof status, "COMPLETE");
		st = cs_set_cluster_status(c, a->cluster,
		    a->ca == PLANNER_CLUSTER_DELETE ? "TERMINATED" : "ACTIVE");
	} else if (failed) {
		snprintf(status, sizeof status, "FAILED");
		/* Queued tasks of a failed job are dropped at once. */
		if ((st = db_exec(c, "UPDATE tasks SET status = 'DROPPED', "
		    "q_state = 'none', status_time = ? WHERE job_id = ? AND "
		    "q_state = 'queued'", NULL, "is", cs_now_ms(), a->job)) !=
		    DB_OK)
			goto out;
		if ((st = db_query(c, "SELECT COUNT(*) FROM tasks WHERE job_id "
		    "= ? AND q_state = 'taken'", &r, "s", a->job)) != DB_OK)
			goto out;
		i = (size_t)db_rows_int(r, 0, 0);
		db_rows_free(r);
		if (i == 0) {
			if ((st = db_query(c, "SELECT status FROM clusters "
			    "WHERE id = ?", &r, "i", a->cluster)) != DB_OK)
				goto out;
			if (r->nrows == 1 && strcmp(db_rows_get(r, 0, 0),
			    "PENDING") == 0)
				st = cs_set_cluster_status(c, a->cluster,
				    "INCOMPLETE");
			db_rows_free(r);
		}
	}
	if (st == DB_OK)
		st = db_exec(c, "UPDATE jobs SET status = ?, current_stage = "
		    "?, status_message = ?, needs_work = ?, lease_until = 0, "
		    "version = version + 1 WHERE id = ?", NULL, "sisis",
		    status, (int64_t)cur, a->msg[0] != '\0' ? a->msg : NULL,
		    (int64_t)a->requeue, a->job);
out:
	cs_stasks_free(tasks, n);
	return st;
}

/* Advance job inside the caller's transaction. */
static enum db_status
cs_advance_inline(struct db_conn *c, const char *job)
{
	struct cs_adv a;
	enum db_status st;

	memset(&a, 0, sizeof a);
	a.job = job;
	st = cs_advance_tx(c, &a);
	cs_adv_reset(&a);
	return st;
}

/* Advance job id, in one transaction. */
static void
cs_advance_job(struct db_conn *c, const struct cs_job *job)
{
	struct cs_adv a;
	char err[LOOMD_ERR_LEN];
	enum db_status st;

	memset(&a, 0, sizeof a);
	a.job = job->id;
	st = db_tx_run(c, cs_advance_tx, &a, err);
	if (st != DB_OK)
		log_warn("advance %s: %s", job->id, err);
	cs_adv_reset(&a);
}

/* ---------------------------------------------------------------- */
/* Scheduler: timeouts, expiry and the pass                         */

struct cs_timeout_arg {
	const char	*task;
	int64_t		 cutoff;
	char		 msg[128];
};

static enum db_status
cs_timeout_tx(struct db_conn *c, void *arg)
{
	struct cs_timeout_arg *a = arg;
	struct db_rows *r;
	enum db_status st;
	int64_t now = cs_now_ms();

	if ((st = db_query(c, "SELECT job_id, node_id, task_name, service "
	    "FROM tasks WHERE id = ? AND q_state = 'taken' AND taken_at < ? "
	    "FOR UPDATE", &r, "si", a->task, a->cutoff)) != DB_OK)
		return st;
	if (r->nrows == 0) {
		db_rows_free(r);
		return DB_OK;	/* finished meanwhile */
	}
	st = db_exec(c, "UPDATE tasks SET status = 'FAILED', status_code = "
	    "-1, status_message = ?, status_time = ?, q_state = 'none', "
	    "worker_id = NULL, version = version + 1 WHERE id = ?", NULL, "sis",
	    a->msg, now, a->task);
	if (st == DB_OK && db_rows_get(r, 0, 1) != NULL) {
		struct cs_action_arg aa = { a->task, db_rows_get(r, 0, 3),
		    db_rows_get(r, 0, 2), "failed", NULL, "", a->msg, now };

		st = cs_update_node(c, db_rows_get(r, 0, 1),
		    cs_node_close_action, &aa);
		if (st == DB_ABORT)
			st = DB_OK;	/* no open action: nothing to close */
	}
	if (st == DB_OK)
		st = db_exec(c, "UPDATE jobs SET needs_work = 1 WHERE id = ?",
		    NULL, "s", db_rows_get(r, 0, 0));
	db_rows_free(r);
	return st;
}

static enum db_status
cs_expire_delete_tx(struct db_conn *c, void *arg)
{
	return cs_delete_body(c, arg, true);
}

/* Work one claimed job. */
static void
cs_work_job(struct db_conn *c, const char *id)
{
	char err[LOOMD_ERR_LEN];
	struct cs_job job;
	bool found;

	if (cs_read_job(c, id, &job, &found) != DB_OK || !found)
		return;
	if (strcmp(job.action, "SOLVE_LAYOUT") == 0) {
		if (strcmp(job.status, "NOT_SUBMITTED") == 0)
			cs_solve_job(c, &job);
		else
			(void)db_exec(c, "UPDATE jobs SET needs_work = 0, "
			    "lease_until = 0 WHERE id = ?", NULL, "s", id);
		return;
	}
	if (!job.planned && strcmp(job.status, "FAILED") != 0) {
		cs_plan_job(c, &job);
		/* Submit the first stage at once. */
		if (cs_read_job(c, id, &job, &found) != DB_OK || !found ||
		    !job.planned)
			return;
	}
	cs_advance_job(c, &job);
	(void)err;
}

int
cs_schedule(struct db_conn *c, const int64_t *res, size_t n)
{
	struct db_rows *r;
	int64_t now = cs_now_ms();
	size_t k, i;
	int handled = 0;

	for (k = 0; k < n; k++) {
		if (db_query(c, "SELECT id FROM jobs WHERE needs_work = 1 AND "
		    "residue = ? AND lease_until < ? LIMIT 64", &r, "ii",
		    res[k], now) != DB_OK)
			return handled;
		for (i = 0; i < r->nrows; i++) {
			if (!cs_claim(c, db_rows_get(r, i, 0)))
				continue;
			cs_work_job(c, db_rows_get(r, i, 0));
			handled++;
		}
		db_rows_free(r);

		/* Tasks a provisioner took and never finished. */
		if (db_query(c, "SELECT id FROM tasks WHERE q_state = 'taken' "
		    "AND residue = ? AND taken_at < ? LIMIT 100", &r, "ii",
		    res[k], now - cs_cfg->task_timeout_seconds * 1000) ==
		    DB_OK) {
			for (i = 0; i < r->nrows; i++) {
				struct cs_timeout_arg ta;
				char err[LOOMD_ERR_LEN];

				ta.task = db_rows_get(r, i, 0);
				ta.cutoff = now -
				    cs_cfg->task_timeout_seconds * 1000;
				snprintf(ta.msg, sizeof ta.msg, "Timed out by "
				    "system after %lld secs",
				    (long long)cs_cfg->task_timeout_seconds);
				if (db_tx_run(c, cs_timeout_tx, &ta, err) ==
				    DB_OK) {
					log_info("task %s timed out", ta.task);
					handled++;
				}
			}
			db_rows_free(r);
		}

		/* Clusters whose lease ran out are deleted by "system". */
		if (db_query(c, "SELECT id FROM clusters WHERE residue = ? AND "
		    "status IN ('ACTIVE', 'INCOMPLETE') AND expire_time > 0 "
		    "AND expire_time < ? LIMIT 50", &r, "ii", res[k], now) ==
		    DB_OK) {
			for (i = 0; i < r->nrows; i++) {
				struct cs_user sys = { "system", true };
				struct cs_out out;
				struct cs_write_arg wa;
				char err[LOOMD_ERR_LEN];

				memset(&out, 0, sizeof out);
				memset(&wa, 0, sizeof wa);
				wa.u = &sys;
				wa.out = &out;
				wa.id = db_rows_int(r, i, 0);
				if (cs_reserve_job(&wa) != 0)
					continue;
				if (db_tx_run(c, cs_expire_delete_tx, &wa,
				    err) == DB_OK) {
					log_info("cluster %s expired: "
					    "deleting", db_rows_get(r, i, 0));
					handled++;
				}
				free(out.body);
			}
			db_rows_free(r);
		}
	}
	return handled;
}
