/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cluster_store.c - cluster rows on MariaDB/Galera (see cluster_store.h
 * and LOOM-0.9-API.md section 3).  Each request (create, delete, abort,
 * lease change) is one transaction; the reads run through db_read_run().
 */
#include "config.h"

#include "cluster_store.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cluster_request.h"
#include "cluster_view.h"
#include "codec.h"
#include "entity_store.h"
#include "idem_store.h"
#include "ids.h"
#include "job_store.h"
#include "jsonin.h"
#include "jsonx.h"
#include "takewait.h"

/* ---------------------------------------------------------------- */
/* Create                                                           */

struct cluster_store_create_arg {
	struct cluster_store_req rq;
	const char *name;
	const char *doc;
	const char *request;
	int64_t now;
	const char *template_name;
	int64_t num_machines;
	struct job_store_job *claimed; /* NULL: the job is left unclaimed */
};

/*
 * The size constraint of the named template (Coopr 0.9.9), checked before
 * anything is stored; an unknown template is left to the solver.
 */
static enum db_status
cluster_store_check_size_tx(struct db_conn *c,
    struct cluster_store_create_arg *a)
{
	struct json_object *t;
	char *doc, err[LOOMD_ERR_LEN];
	enum db_status st;
	int rc;

	st = entity_store_get(c, codec_type_path(CODEC_CLUSTERTEMPLATE),
	    a->template_name, &doc);
	if (st == DB_ABORT)
		return DB_OK;
	if (st != DB_OK)
		return st;
	t = domain_parse(doc);
	free(doc);
	rc =
	    t != NULL ? codec_check_template_size(t, a->num_machines, err) : 0;
	json_object_put(t);
	if (rc == 0)
		return DB_OK;
	domain_fail(a->rq.out, DOMAIN_INVALID, "%s", err);
	return DB_ABORT;
}

static enum db_status
cluster_store_create_tx(struct db_conn *c, void *arg)
{
	struct cluster_store_create_arg *a = arg;
	enum db_status st;
	bool done;

	if (a->claimed != NULL)
		a->claimed->id[0] = '\0'; /* this run inserted nothing yet */
	if ((st = idem_store_check_tx(c, a->rq.u->id, a->rq.idem, a->rq.out,
		 &done)) != DB_OK ||
	    done)
		return st;
	if ((st = cluster_store_check_size_tx(c, a)) != DB_OK)
		return st;
	if ((st = db_exec(c,
		 "INSERT INTO clusters (id, residue, owner_id, "
		 "name, status, create_time, status_time, latest_job, request, "
		 "doc) VALUES (?, ?, ?, ?, 'PENDING', ?, ?, ?, ?, ?)",
		 NULL, "iissiisss", a->rq.id,
		 a->rq.id % domain_cfg()->ids_increment_by, a->rq.u->id,
		 a->name, a->now, a->now, a->rq.jid, a->request, a->doc)) !=
	    DB_OK)
		return st;
	if ((st = a->claimed != NULL ?
		    job_store_insert_claimed_tx(c, a->rq.jid, a->rq.id,
			"SOLVE_LAYOUT", "NOT_SUBMITTED", a->now, a->claimed) :
		    job_store_insert_tx(c, a->rq.jid, a->rq.id, "SOLVE_LAYOUT",
			"NOT_SUBMITTED", a->now)) != DB_OK)
		return st;
	free(a->rq.out->body);
	a->rq.out->body = xasprintf("{\"id\":\"%s\"}", a->rq.cid);
	return cluster_store_answer_tx(c, &a->rq);
}

void
cluster_store_create(const struct cluster_store_user *u,
    const struct cluster_request *rq, const struct idem_store_key *idem,
    struct job_store_job *claimed, struct domain_out *out)
{
	struct cluster_store_create_arg a;
	struct json_object *doc, *request;
	char err[LOOMD_ERR_LEN];
	struct db_conn *c;
	enum db_status st;

	memset(&a, 0, sizeof a);
	a.rq.u = u;
	a.rq.idem = idem;
	a.rq.out = out;
	a.name = rq->name;
	a.now = domain_now_ms();
	a.template_name = rq->template_name;
	a.num_machines = rq->num_machines;
	a.claimed = claimed;
	if (claimed != NULL)
		claimed->id[0] = '\0';
	if ((c = domain_conn(out)) == NULL)
		return;
	/* IDs are reserved outside the transaction; a gap is harmless. */
	if ((st = ids_next(IDS_CLUSTER, &a.rq.id, err)) != DB_OK ||
	    (st = cluster_store_job_id(a.rq.id, a.rq.jid, err)) != DB_OK) {
		domain_finish_tx(out, st, err);
		return;
	}
	ids_format_cluster(a.rq.id, a.rq.cid, sizeof a.rq.cid);
	doc = cluster_view_new_doc(a.rq.cid, a.name, rq->description, a.now,
	    a.rq.jid, u->id, rq->config);
	request = cluster_request_to_json(rq);
	a.doc = json_object_to_json_string_ext(doc, DOMAIN_JSON);
	a.request = json_object_to_json_string_ext(request, DOMAIN_JSON);
	st = db_tx_run(c, cluster_store_create_tx, &a, err);
	if (st != DB_OK && claimed != NULL)
		claimed->id[0] = '\0'; /* not committed */
	domain_finish_tx(out, st, err);
	json_object_put(request);
	json_object_put(doc);
}

/* ---------------------------------------------------------------- */
/* Loading rows                                                     */

/*
 * Load a cluster row visible to u (NULL: the system, which sees all):
 * doc, status, latest_job, create_time, expire_time, owner_id, num_nodes.
 * DB_ABORT with DOMAIN_NOT_FOUND in out when absent or not visible.
 */
enum db_status
cluster_store_load_tx(struct db_conn *c, const struct cluster_store_user *u,
    int64_t id, bool for_update, struct db_rows **r, struct domain_out *out)
{
	enum db_status st;

	if (for_update)
		st = db_query(c,
		    "SELECT doc, status, latest_job, "
		    "create_time, expire_time, owner_id, num_nodes FROM "
		    "clusters WHERE id = ? FOR UPDATE",
		    r, "i", id);
	else
		st = db_query(c,
		    "SELECT doc, status, latest_job, "
		    "create_time, expire_time, owner_id, num_nodes FROM "
		    "clusters WHERE id = ?",
		    r, "i", id);
	if (st != DB_OK)
		return st;
	if ((*r)->nrows == 0 ||
	    (u != NULL && !u->sees_all &&
		strcmp(db_rows_get(*r, 0, 5), u->id) != 0)) {
		char cid[32];

		db_rows_free(*r);
		*r = NULL;
		domain_fail(out, DOMAIN_NOT_FOUND, "cluster %s not found.",
		    ids_format_cluster(id, cid, sizeof cid));
		return DB_ABORT;
	}
	return DB_OK;
}

enum db_status
cluster_store_load_nodes_tx(struct db_conn *c, int64_t id, bool for_update,
    struct json_object **nodes)
{
	struct db_rows *r;
	enum db_status st;

	*nodes = NULL;
	if (for_update)
		st = db_query(c,
		    "SELECT doc FROM nodes WHERE cluster_id = ? "
		    "ORDER BY nodenum, id FOR UPDATE",
		    &r, "i", id);
	else
		st = db_query(c,
		    "SELECT doc FROM nodes WHERE cluster_id = ? "
		    "ORDER BY nodenum, id",
		    &r, "i", id);
	if (st != DB_OK)
		return st;
	*nodes = domain_parse_rows(r);
	db_rows_free(r);
	return DB_OK;
}

enum db_status
cluster_store_doc_nodes_tx(struct db_conn *c, int64_t id,
    struct json_object **doc, struct json_object **nodes)
{
	enum db_status st;
	bool found;

	json_object_put(*doc);
	json_object_put(*nodes);
	*doc = *nodes = NULL;
	if ((st = cluster_store_doc_tx(c, id, false, doc, &found)) != DB_OK ||
	    *doc == NULL)
		return st;
	return cluster_store_load_nodes_tx(c, id, false, nodes);
}

/* ---------------------------------------------------------------- */
/* Cluster writes: helpers                                          */

/* Write a cluster doc back with its status column in step. */
enum db_status
cluster_store_save_tx(struct db_conn *c, int64_t id, struct json_object *doc,
    const char *status, const char *latest_job)
{
	char low[16];

	jsonx_set(doc, "status",
	    jsonx_new_string(domain_lower(status, low, sizeof low)));
	if (latest_job != NULL)
		return db_exec(c,
		    "UPDATE clusters SET doc = ?, status = ?, status_time = ?, "
		    "latest_job = ?, rendered = NULL, version = version + 1 "
		    "WHERE id = ?",
		    NULL, "ssisi",
		    json_object_to_json_string_ext(doc, DOMAIN_JSON), status,
		    domain_now_ms(), latest_job, id);
	return db_exec(c,
	    "UPDATE clusters SET doc = ?, status = ?, status_time = ?, "
	    "rendered = NULL, version = version + 1 WHERE id = ?",
	    NULL, "ssii", json_object_to_json_string_ext(doc, DOMAIN_JSON),
	    status, domain_now_ms(), id);
}

enum db_status
cluster_store_publish_tx(struct db_conn *c, int64_t id,
    struct json_object *doc, const char *latest_job, const char *template_name,
    int64_t num_nodes, int64_t expire_time)
{
	char low[16];

	jsonx_set(doc, "status",
	    jsonx_new_string(domain_lower("PENDING", low, sizeof low)));
	return db_exec(c,
	    "UPDATE clusters SET doc = ?, status = 'PENDING', status_time = ?, "
	    "latest_job = ?, template_name = ?, num_nodes = ?, expire_time = "
	    "?, rendered = NULL, version = version + 1 WHERE id = ?",
	    NULL, "sissiii", json_object_to_json_string_ext(doc, DOMAIN_JSON),
	    domain_now_ms(), latest_job, template_name, num_nodes, expire_time,
	    id);
}

enum db_status
cluster_store_open_tx(struct db_conn *c, const struct cluster_store_req *rq,
    struct db_rows **r, bool *done)
{
	enum db_status st;

	if ((st = idem_store_check_tx(c, rq->u->id, rq->idem, rq->out,
		 done)) != DB_OK ||
	    *done)
		return st;
	return cluster_store_load_tx(c, rq->u, rq->id, true, r, rq->out);
}

enum db_status
cluster_store_answer_tx(struct db_conn *c, const struct cluster_store_req *rq)
{
	rq->out->res = DOMAIN_OK;
	return idem_store_save_tx(c, rq->u->id, rq->idem, rq->out);
}

void
cluster_store_run(struct cluster_store_req *rq, bool job, db_tx_fn fn,
    void *arg)
{
	char err[LOOMD_ERR_LEN];
	struct db_conn *c;
	enum db_status st;

	ids_format_cluster(rq->id, rq->cid, sizeof rq->cid);
	if ((c = domain_conn(rq->out)) == NULL)
		return;
	if (!job || (st = cluster_store_job_id(rq->id, rq->jid, err)) == DB_OK)
		st = db_tx_run(c, fn, arg, err);
	domain_finish_tx(rq->out, st, err);
}

enum db_status
cluster_store_doc_tx(struct db_conn *c, int64_t id, bool for_update,
    struct json_object **doc, bool *found)
{
	struct db_rows *r;
	enum db_status st;

	*doc = NULL;
	*found = false;
	if (for_update)
		st = db_query(c,
		    "SELECT doc FROM clusters WHERE id = ? FOR UPDATE", &r,
		    "i", id);
	else
		st = db_query(c, "SELECT doc FROM clusters WHERE id = ?", &r,
		    "i", id);
	if (st != DB_OK)
		return st;
	if (r->nrows > 0) {
		*found = true;
		*doc = domain_parse(db_rows_get(r, 0, 0));
	}
	db_rows_free(r);
	return DB_OK;
}

/* Set a cluster's status (loading and saving its doc). */
enum db_status
cluster_store_set_status_tx(struct db_conn *c, int64_t id, const char *status)
{
	struct json_object *doc;
	enum db_status st;
	bool found;

	if ((st = cluster_store_doc_tx(c, id, true, &doc, &found)) != DB_OK ||
	    !found)
		return st;
	st = cluster_store_save_tx(c, id, doc, status, NULL);
	json_object_put(doc);
	return st;
}

/* Append a job id to the doc's jobs list. */
void
cluster_store_doc_add_job(struct json_object *doc, const char *jid)
{
	struct json_object *jobs;

	if (!json_object_object_get_ex(doc, "jobs", &jobs) ||
	    !json_object_is_type(jobs, json_type_array)) {
		jobs = jsonx_new_array();
		jsonx_set(doc, "jobs", jobs);
	}
	jsonx_append(jobs, jsonx_new_string(jid));
}

/*
 * The queued tasks of a paused job are parked (q_state 'paused'): the
 * take reads only 'queued' rows, so it skips them at no cost.  Unpark
 * puts them back in their old place in the queue.
 */
static enum db_status
cluster_store_park_tx(struct db_conn *c, const char *jid)
{
	return db_exec(c,
	    "UPDATE tasks SET q_state = 'paused', version = "
	    "version + 1 WHERE job_id = ? AND q_state = 'queued'",
	    NULL, "s", jid);
}

static enum db_status
cluster_store_unpark_tx(struct db_conn *c, const char *jid, uint64_t *n)
{
	return db_exec(c,
	    "UPDATE tasks SET q_state = 'queued', version = "
	    "version + 1 WHERE job_id = ? AND q_state = 'paused'",
	    n, "s", jid);
}

/* ---------------------------------------------------------------- */
/* Delete, abort, lease change                                      */

struct cluster_store_write_arg {
	struct cluster_store_req rq;
	int64_t expire;
	bool pause;	   /* pause, or resume */
	uint64_t unparked; /* tasks a resume queued again */
};

/*
 * Request the deletion of the cluster of row r (loaded FOR UPDATE; freed
 * here) inside a transaction (section 3.10).
 */
static enum db_status
cluster_store_delete_row_tx(struct db_conn *c,
    struct cluster_store_write_arg *a, struct db_rows *r)
{
	struct json_object *doc;
	enum db_status st;
	const char *status;
	char cid[32];

	status = db_rows_get(r, 0, 1);
	ids_format_cluster(a->rq.id, cid, sizeof cid);
	if (strcmp(status, "TERMINATED") == 0) {
		db_rows_free(r);
		a->rq.out->res = DOMAIN_OK;
		return DB_OK;
	}
	if (strcmp(status, "PENDING") == 0) {
		domain_fail(a->rq.out, DOMAIN_CONFLICT,
		    "Job %s is still underway "
		    "for cluster %s",
		    db_rows_get(r, 0, 2), cid);
		db_rows_free(r);
		return DB_ABORT;
	}
	doc = domain_parse(db_rows_get(r, 0, 0));
	if (db_rows_int(r, 0, 6) == 0) {
		/* No nodes: nothing to delete, terminated at once. */
		db_rows_free(r);
		st = cluster_store_save_tx(c, a->rq.id, doc, "TERMINATED",
		    NULL);
		json_object_put(doc);
		a->rq.out->res = DOMAIN_OK;
		return st;
	}
	db_rows_free(r);
	cluster_store_doc_add_job(doc, a->rq.jid);
	if ((st = job_store_insert_tx(c, a->rq.jid, a->rq.id, "CLUSTER_DELETE",
		 "RUNNING", domain_now_ms())) == DB_OK)
		st = cluster_store_save_tx(c, a->rq.id, doc, "PENDING",
		    a->rq.jid);
	json_object_put(doc);
	if (st != DB_OK)
		return st;
	a->rq.out->res = DOMAIN_OK;
	return DB_OK;
}

static enum db_status
cluster_store_delete_tx(struct db_conn *c, void *arg)
{
	struct cluster_store_write_arg *a = arg;
	struct db_rows *r;
	enum db_status st;
	bool done;

	if ((st = cluster_store_open_tx(c, &a->rq, &r, &done)) != DB_OK ||
	    done)
		return st;
	if ((st = cluster_store_delete_row_tx(c, a, r)) != DB_OK)
		return st;
	return cluster_store_answer_tx(c, &a->rq);
}

/* The lease of a cluster ran out: delete it unless it is busy. */
static enum db_status
cluster_store_delete_expired_tx(struct db_conn *c, void *arg)
{
	struct cluster_store_write_arg *a = arg;
	struct db_rows *r;
	enum db_status st;

	if ((st = cluster_store_load_tx(c, NULL, a->rq.id, true, &r,
		 a->rq.out)) != DB_OK)
		return st;
	st = cluster_store_delete_row_tx(c, a, r);
	/* A cluster with a job underway is looked at again next pass. */
	return st == DB_ABORT && a->rq.out->res == DOMAIN_CONFLICT ? DB_OK :
								     st;
}

enum db_status
cluster_store_job_id(int64_t id, char jid[CLUSTER_STORE_JID_LEN],
    char err[LOOMD_ERR_LEN])
{
	enum db_status st;
	char cid[32];
	int64_t jnum;

	if ((st = ids_next(IDS_JOB, &jnum, err)) != DB_OK)
		return st;
	ids_format_job(ids_format_cluster(id, cid, sizeof cid), jnum, jid,
	    CLUSTER_STORE_JID_LEN);
	return DB_OK;
}

void
cluster_store_delete(const struct cluster_store_user *u, int64_t id,
    const struct idem_store_key *idem, struct domain_out *out)
{
	struct cluster_store_write_arg a = {
		.rq = { .u = u, .idem = idem, .out = out, .id = id }
	};

	cluster_store_run(&a.rq, true, cluster_store_delete_tx, &a);
}

/* POST /clusters/{id}/abort (section 3.9). */
static enum db_status
cluster_store_abort_tx(struct db_conn *c, void *arg)
{
	struct cluster_store_write_arg *a = arg;
	struct db_rows *r, *jr;
	enum db_status st;
	const char *js, *ja;
	bool done;

	if ((st = cluster_store_open_tx(c, &a->rq, &r, &done)) != DB_OK ||
	    done)
		return st;
	if (strcmp(db_rows_get(r, 0, 1), "PENDING") != 0) {
		db_rows_free(r);
		return cluster_store_answer_tx(c, &a->rq);
	}
	st = db_query(c,
	    "SELECT status, action, planned FROM jobs WHERE "
	    "id = ? FOR UPDATE",
	    &jr, "s", db_rows_get(r, 0, 2));
	if (st != DB_OK) {
		db_rows_free(r);
		return st;
	}
	js = jr->nrows > 0 ? db_rows_get(jr, 0, 0) : NULL;
	ja = jr->nrows > 0 ? db_rows_get(jr, 0, 1) : NULL;
	if (js != NULL &&
	    (strcmp(js, "FAILED") == 0 || strcmp(js, "COMPLETE") == 0)) {
		/* Let the scheduler settle the cluster. */
		st = job_store_needs_work_tx(c, db_rows_get(r, 0, 2));
	} else if (js != NULL && strcmp(ja, "CLUSTER_CREATE") == 0 &&
	    (strcmp(js, "RUNNING") == 0 || strcmp(js, "PAUSED") == 0)) {
		/* A paused create aborts as a running one (Coopr refused). */
		st = db_exec(c,
		    "UPDATE jobs SET status = 'FAILED', "
		    "status_message = 'Aborted by user.', needs_work = 1, "
		    "version = version + 1 WHERE id = ?",
		    NULL, "s", db_rows_get(r, 0, 2));
		/* Its parked tasks queue again, for the advance to drop. */
		if (st == DB_OK && strcmp(js, "PAUSED") == 0)
			st = cluster_store_unpark_tx(c, db_rows_get(r, 0, 2),
			    NULL);
	} else {
		/* No job, or one past the point where it can stop. */
		db_rows_free(jr);
		db_rows_free(r);
		domain_fail(a->rq.out, DOMAIN_CONFLICT,
		    "Cannot be aborted at this time.");
		return DB_ABORT;
	}
	db_rows_free(jr);
	db_rows_free(r);
	if (st != DB_OK)
		return st;
	return cluster_store_answer_tx(c, &a->rq);
}

void
cluster_store_abort(const struct cluster_store_user *u, int64_t id,
    const struct idem_store_key *idem, struct domain_out *out)
{
	struct cluster_store_write_arg a = {
		.rq = { .u = u, .idem = idem, .out = out, .id = id }
	};

	cluster_store_run(&a.rq, false, cluster_store_abort_tx, &a);
}

/*
 * POST /clusters/{id}/pause and /resume (Coopr 0.9.9, section 10.1): only
 * a RUNNING job of a PENDING cluster pauses and only a PAUSED one resumes;
 * anything else is a no-op that succeeds.
 */
static enum db_status
cluster_store_pause_tx(struct db_conn *c, void *arg)
{
	struct cluster_store_write_arg *a = arg;
	const char *from = a->pause ? "RUNNING" : "PAUSED";
	struct db_rows *r, *jr = NULL;
	enum db_status st;
	char jid[64];

	if ((st = cluster_store_load_tx(c, a->rq.u, a->rq.id, true, &r,
		 a->rq.out)) != DB_OK)
		return st;
	a->rq.out->res = DOMAIN_OK;
	snprintf(jid, sizeof jid, "%s", db_rows_get(r, 0, 2));
	if (strcmp(db_rows_get(r, 0, 1), "PENDING") != 0) {
		db_rows_free(r);
		return DB_OK;
	}
	db_rows_free(r);
	if ((st = db_query(c,
		 "SELECT status FROM jobs WHERE id = ? FOR UPDATE", &jr, "s",
		 jid)) != DB_OK)
		return st;
	if (jr->nrows == 0 || strcmp(db_rows_get(jr, 0, 0), from) != 0) {
		db_rows_free(jr);
		return DB_OK;
	}
	db_rows_free(jr);
	if (a->pause) {
		if ((st = db_exec(c,
			 "UPDATE jobs SET status = 'PAUSED', "
			 "status_message = 'Paused by user.', version = "
			 "version + 1 WHERE id = ?",
			 NULL, "s", jid)) != DB_OK)
			return st;
		return cluster_store_park_tx(c, jid);
	}
	if ((st = db_exec(c,
		 "UPDATE jobs SET status = 'RUNNING', "
		 "status_message = 'Resumed by user.', needs_work = 1, "
		 "version = version + 1 WHERE id = ?",
		 NULL, "s", jid)) != DB_OK)
		return st;
	return cluster_store_unpark_tx(c, jid, &a->unparked);
}

void
cluster_store_pause(const struct cluster_store_user *u, int64_t id, bool pause,
    struct domain_out *out)
{
	struct cluster_store_write_arg a = {
		.rq = { .u = u, .out = out, .id = id },
		.pause = pause
	};

	cluster_store_run(&a.rq, false, cluster_store_pause_tx, &a);
	/* Takes waiting on this loomd look at the tasks queued again. */
	if (out->res == DOMAIN_OK && a.unparked > 0)
		takewait_kick((size_t)a.unparked);
}

/* The template lease of a cluster doc: max and step (0 when absent). */
static void
cluster_store_doc_lease(struct json_object *doc, int64_t *max, int64_t *step)
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
cluster_store_expire_tx(struct db_conn *c, void *arg)
{
	struct cluster_store_write_arg *a = arg;
	struct json_object *doc;
	int64_t create, cur, max, step;
	struct db_rows *r;
	enum db_status st;
	const char *status;
	bool done;

	if ((st = cluster_store_open_tx(c, &a->rq, &r, &done)) != DB_OK ||
	    done)
		return st;
	status = db_rows_get(r, 0, 1);
	create = db_rows_int(r, 0, 3);
	cur = db_rows_int(r, 0, 4);
	doc = domain_parse(db_rows_get(r, 0, 0));
	cluster_store_doc_lease(doc, &max, &step);
	if (strcmp(status, "TERMINATED") == 0)
		domain_fail(a->rq.out, DOMAIN_INVALID,
		    "Cannot change expire time of terminated "
		    "cluster");
	else if (strcmp(status, "PENDING") == 0)
		domain_fail(a->rq.out, DOMAIN_INVALID,
		    "Cannot change expire time of cluster at "
		    "this time");
	else if (a->expire < create)
		domain_fail(a->rq.out, DOMAIN_INVALID,
		    "New expire time cannot be lesser than "
		    "create time");
	else if (max != 0 && step != 0 && a->expire - cur > step)
		domain_fail(a->rq.out, DOMAIN_INVALID,
		    "New expire time cannot be greater than "
		    "allowed increment");
	else if (max != 0 && max <= INT64_MAX - create &&
	    create + max < a->expire) /* a larger max: no bound */
		domain_fail(a->rq.out, DOMAIN_INVALID,
		    "Cluster cannot be prolonged beyond its "
		    "max duration");
	db_rows_free(r);
	if (a->rq.out->res != DOMAIN_OK) {
		json_object_put(doc);
		return DB_ABORT;
	}
	jsonx_set(doc, "expireTime", jsonx_new_int64(a->expire));
	st = db_exec(c,
	    "UPDATE clusters SET expire_time = ?, doc = ?, rendered = NULL, "
	    "version = version + 1 WHERE id = ?",
	    NULL, "isi", a->expire,
	    json_object_to_json_string_ext(doc, DOMAIN_JSON), a->rq.id);
	json_object_put(doc);
	if (st != DB_OK)
		return st;
	return cluster_store_answer_tx(c, &a->rq);
}

void
cluster_store_set_expire(const struct cluster_store_user *u, int64_t id,
    int64_t expire, const struct idem_store_key *idem, struct domain_out *out)
{
	struct cluster_store_write_arg a = {
		.rq = { .u = u, .idem = idem, .out = out, .id = id },
		.expire = expire
	};

	cluster_store_run(&a.rq, false, cluster_store_expire_tx, &a);
}

enum db_status
cluster_store_delete_expired(struct db_conn *c, int64_t id,
    char err[LOOMD_ERR_LEN])
{
	struct cluster_store_write_arg a;
	struct domain_out out;
	enum db_status st;

	memset(&out, 0, sizeof out);
	memset(&a, 0, sizeof a);
	a.rq.out = &out;
	a.rq.id = id;
	if ((st = cluster_store_job_id(id, a.rq.jid, err)) != DB_OK)
		return st;
	st = db_tx_run(c, cluster_store_delete_expired_tx, &a, err);
	free(out.body);
	return st;
}
