/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jobs_solve.c - the solve step of the job pipeline (see jobs_solve.h).
 * Big clusters write their nodes in chunks of DOMAIN_CHUNK rows per
 * transaction before one final transaction publishes them, keeping write
 * sets small for Galera.
 */
#include "config.h"

#include "jobs_solve.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cluster_request.h"
#include "cluster_store.h"
#include "domain.h"
#include "ids.h"
#include "jobs_plan.h"
#include "jsonin.h"
#include "jsonx.h"
#include "solver.h"
#include "takewait.h"

/*
 * The catalogue the solver last used, kept by each thread that solves
 * (the scheduler, the solver threads of jobs_pool.c) with the fingerprint
 * of the entities table it was read under: json-c objects are not shared
 * between threads.
 */
static _Thread_local struct {
	char stamp[96]; /* count, version sum, newest */
	struct json_object *catalogue;
} jobs_solve_cache;

/*
 * The fingerprint of the entities table (rows, sum of versions, newest
 * change: an insert, update or delete changes one of them), as columns
 * of a statement that reads something else too.
 */
#define JOBS_SOLVE_STAMP_COLS \
	"(SELECT COUNT(*) FROM entities), (SELECT COALESCE(SUM(version), 0) " \
	"FROM entities), (SELECT COALESCE(MAX(updated_at), '') FROM entities)"

/*
 * The catalogue as an export object (new ref), for the fingerprint in
 * columns col to col + 2 of row 0 of r (JOBS_SOLVE_STAMP_COLS): only when
 * it moved is the catalogue read again, in one statement, and parsed.
 */
static enum db_status
jobs_solve_catalogue(struct db_conn *c, struct db_rows *sr, size_t col,
    struct json_object **out)
{
	static const char *kinds[] = { "providers", "hardwaretypes",
		"imagetypes", "services", "clustertemplates" };
	struct json_object *arr[5], *cat;
	struct db_rows *r;
	enum db_status st;
	char stamp[sizeof jobs_solve_cache.stamp];
	size_t k, i;

	*out = NULL;
	snprintf(stamp, sizeof stamp, "%s/%s/%s", db_rows_get(sr, 0, col),
	    db_rows_get(sr, 0, col + 1), db_rows_get(sr, 0, col + 2));
	if (jobs_solve_cache.catalogue != NULL &&
	    strcmp(stamp, jobs_solve_cache.stamp) == 0) {
		*out = json_object_get(jobs_solve_cache.catalogue);
		return DB_OK;
	}
	if ((st = db_query(c,
		 "SELECT kind, doc FROM entities WHERE kind IN "
		 "(?, ?, ?, ?, ?) ORDER BY kind, name",
		 &r, "sssss", kinds[0], kinds[1], kinds[2], kinds[3],
		 kinds[4])) != DB_OK)
		return st;
	cat = jsonx_new_object();
	for (k = 0; k < 5; k++) {
		arr[k] = jsonx_new_array();
		jsonx_set(cat, kinds[k], arr[k]);
	}
	for (i = 0; i < r->nrows; i++) {
		struct json_object *e;

		for (k = 0; k < 5; k++)
			if (strcmp(db_rows_get(r, i, 0), kinds[k]) == 0)
				break;
		if (k < 5 && (e = domain_parse(db_rows_get(r, i, 1))) != NULL)
			jsonx_append(arr[k], e);
	}
	db_rows_free(r);
	json_object_put(jobs_solve_cache.catalogue);
	jobs_solve_cache.catalogue = cat;
	snprintf(jobs_solve_cache.stamp, sizeof jobs_solve_cache.stamp, "%s",
	    stamp);
	*out = json_object_get(cat);
	return DB_OK;
}

void
jobs_solve_done(void)
{
	json_object_put(jobs_solve_cache.catalogue);
	memset(&jobs_solve_cache, 0, sizeof jobs_solve_cache);
}

/* Solver node-id callback: a random (version 4) UUID. */
static int
jobs_solve_node_id(void *arg UNUSED, char id[SOLVER_NODE_ID_LEN])
{
	char buf[DOMAIN_UUID_LEN];

	domain_uuid(buf);
	snprintf(id, SOLVER_NODE_ID_LEN, "%s", buf);
	return 0;
}

struct jobs_solve_rows_arg {
	int64_t cluster;
	const struct solver_result *res; /* plain nodes, borrowed */
	size_t from, to;
	bool fresh; /* no node can be there yet: nothing to clear */
};

/*
 * Write nodes[from, to) of a solved cluster (first chunk clears what an
 * attempt that stopped half way wrote).
 */
static enum db_status
jobs_solve_write_nodes_tx(struct db_conn *c, void *arg)
{
	struct jobs_solve_rows_arg *a = arg;
	enum db_status st;
	size_t i;

	if (a->from == 0 && !a->fresh &&
	    (st = db_exec(c,
		 "DELETE FROM nodes WHERE "
		 "cluster_id = ?",
		 NULL, "i", a->cluster)) != DB_OK)
		return st;
	for (i = a->from; i < a->to; i++) {
		char *doc = solver_result_node_json(a->res, i, NULL);

		st = db_exec(c,
		    "INSERT INTO nodes (id, cluster_id, "
		    "nodenum, doc) VALUES (?, ?, ?, ?)",
		    NULL, "siis", a->res->node[i].id, a->cluster,
		    a->res->node[i].nodenum, doc);
		free(doc);
		if (st != DB_OK)
			return st;
	}
	return DB_OK;
}

/*
 * A cluster of at most this many nodes has its nodes written, and its
 * create job planned and its first stage submitted, in the transaction
 * that publishes its layout (when the plan fits one: jobs_plan_at_once()),
 * so the scheduler has nothing left to do for it.  A take may lock a task
 * of that commit while its snapshot predates it: it then reads the job
 * and nodes map again under a lock (task_store_take_read()).
 */
#define JOBS_SOLVE_AT_ONCE_NODES 64

struct jobs_solve_solved_arg {
	const struct job_store_job *job;
	struct solver_result *res;
	char create_job[48];
	bool at_once; /* the nodes written here, the job planned here */
};

/*
 * Plan the new create job in the publishing transaction, from the doc
 * and nodes as they were just written (parsed from the same text, as a
 * read of them would); the scheduler plans it when this declines.
 */
static enum db_status
jobs_solve_plan_tx(struct db_conn *c, struct jobs_solve_solved_arg *a,
    struct json_object *doc)
{
	struct job_store_job job;
	struct json_object *stored, *nodes;
	enum db_status st;
	bool done;
	size_t i;

	memset(&job, 0, sizeof job);
	snprintf(job.id, sizeof job.id, "%s", a->create_job);
	job.cluster = a->job->cluster;
	snprintf(job.action, sizeof job.action, "CLUSTER_CREATE");
	snprintf(job.status, sizeof job.status, "NOT_SUBMITTED");
	job.version = 1; /* as inserted */
	nodes = jsonx_new_array();
	for (i = 0; i < a->res->num_nodes; i++) {
		char *text = solver_result_node_json(a->res, i, NULL);

		jsonx_append(nodes, domain_parse(text));
		free(text);
		/* In the order of a read of them: nodenum, id. */
		if (i > 0 &&
		    (a->res->node[i].nodenum < a->res->node[i - 1].nodenum ||
			(a->res->node[i].nodenum ==
				a->res->node[i - 1].nodenum &&
			    strcmp(a->res->node[i].id,
				a->res->node[i - 1].id) < 0))) {
			json_object_put(nodes);
			return DB_OK;
		}
	}
	stored =
	    domain_parse(json_object_to_json_string_ext(doc, DOMAIN_JSON));
	st = jobs_plan_created_tx(c, &job, stored, nodes, &done);
	json_object_put(stored);
	json_object_put(nodes);
	return st;
}

/* Publish a solved layout: job COMPLETE, new CLUSTER_CREATE job. */
static enum db_status
jobs_solve_solved_tx(struct db_conn *c, void *arg)
{
	struct jobs_solve_solved_arg *a = arg;
	struct json_object *doc, *ids;
	enum db_status st;
	bool found;
	size_t i;

	if ((st = db_exec_one(c,
		 "UPDATE jobs SET status = 'COMPLETE', "
		 "needs_work = 0, lease_until = 0, version = version + 1 WHERE "
		 "id = ? AND version = ? AND status = 'NOT_SUBMITTED'",
		 "si", a->job->id, a->job->version)) != DB_OK)
		return st;
	if (a->at_once) {
		/*
		 * A cluster this small never had nodes written before this
		 * transaction (numMachines decides it, so every attempt of
		 * its solve writes them here, and only a commit that also
		 * ends the job leaves them).
		 */
		struct jobs_solve_rows_arg ra = { a->job->cluster, a->res, 0,
			a->res->num_nodes, true };

		if ((st = jobs_solve_write_nodes_tx(c, &ra)) != DB_OK)
			return st;
	}
	if ((st = cluster_store_doc_tx(c, a->job->cluster, true, &doc,
		 &found)) != DB_OK ||
	    !found)
		return st;
	ids = jsonx_new_array();
	for (i = 0; i < a->res->num_nodes; i++)
		jsonx_append(ids, jsonx_new_string(a->res->node[i].id));
	jsonx_set(doc, "nodes", ids);
	jsonx_set(doc, "services", jsonx_copy(a->res->services));
	jsonx_set(doc, "provider", jsonx_copy(a->res->provider));
	jsonx_set(doc, "clusterTemplate", jsonx_copy(a->res->clustertemplate));
	jsonx_set(doc, "expireTime", jsonx_new_int64(a->res->expire_time));
	cluster_store_doc_add_job(doc, a->create_job);
	st = job_store_insert_tx(c, a->create_job, a->job->cluster,
	    "CLUSTER_CREATE", "NOT_SUBMITTED", domain_now_ms());
	if (st == DB_OK)
		st = cluster_store_publish_tx(c, a->job->cluster, doc,
		    a->create_job,
		    jsonx_get_str(a->res->clustertemplate, "name"),
		    (int64_t)a->res->num_nodes, a->res->expire_time);
	if (st == DB_OK && a->at_once)
		st = jobs_solve_plan_tx(c, a, doc);
	json_object_put(doc);
	return st;
}

/* Read what solving needs (db_read_run body). */
struct jobs_solve_in {
	int64_t cluster;
	char *request;
	int64_t create_time;
	struct json_object *catalogue;
	bool found;
};

static enum db_status
jobs_solve_read_fn(struct db_conn *c, void *arg)
{
	struct jobs_solve_in *in = arg;
	struct db_rows *r;
	enum db_status st;

	/* The request and the catalogue's fingerprint in one statement. */
	if ((st = db_query(c,
		 "SELECT request, create_time, " JOBS_SOLVE_STAMP_COLS
		 " FROM clusters WHERE id = ?",
		 &r, "i", in->cluster)) != DB_OK)
		return st;
	in->found = r->nrows == 1;
	json_object_put(in->catalogue);
	in->catalogue = NULL;
	if (in->found) {
		free(in->request);
		in->request = xstrdup(db_rows_get(r, 0, 0));
		in->create_time = db_rows_int(r, 0, 1);
		st = jobs_solve_catalogue(c, r, 2, &in->catalogue);
	}
	db_rows_free(r);
	return st;
}

/* Solve a SOLVE_LAYOUT job (section 3.3). */
void
jobs_solve(struct db_conn *c, const struct job_store_job *job)
{
	struct jobs_solve_in in = { job->cluster, NULL, 0, NULL, false };
	struct cluster_request crq;
	struct solver_catalogue cat;
	struct solver_request req;
	struct solver_options opts;
	struct solver_result *res = NULL;
	struct json_object *rq = NULL;
	char err[LOOMD_ERR_LEN], msg[LOOMD_ERR_LEN], cid[32];
	enum db_status st;
	int64_t jnum;
	size_t i;
	int rc;

	memset(&crq, 0, sizeof crq);
	if ((st = db_read_run(c, jobs_solve_read_fn, &in, err)) != DB_OK ||
	    !in.found)
		goto out;
	rq = domain_parse(in.request);
	solver_catalogue_from_export(&cat, in.catalogue);
	memset(&req, 0, sizeof req);
	solver_options_init(&opts);
	opts.max_steps = domain_cfg()->solver_max_steps;
	opts.node_id = jobs_solve_node_id;
	opts.plain_nodes = 1; /* node documents rendered from plain nodes */
	if (rq == NULL || cluster_request_from_json(&crq, rq, err) != 0) {
		snprintf(msg, sizeof msg, "Exception while solving layout");
		goto failed;
	}
	req.name = crq.name;
	req.template_name = crq.template_name;
	req.num_machines = crq.num_machines;
	req.provider = crq.provider;
	req.services = crq.services;
	req.hardwaretype = crq.hardwaretype;
	req.imagetype = crq.imagetype;
	req.lease_duration = crq.lease;
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
	/*
	 * Nodes first, in chunks; the final transaction publishes them (a
	 * small cluster's nodes are written by that transaction).
	 */
	for (i = 0;
	     res->num_nodes > JOBS_SOLVE_AT_ONCE_NODES && i < res->num_nodes;
	     i += DOMAIN_CHUNK) {
		struct jobs_solve_rows_arg ra = { job->cluster, res, i,
			i + DOMAIN_CHUNK < res->num_nodes ? i + DOMAIN_CHUNK :
							    res->num_nodes,
			false };

		if ((st = db_tx_run(c, jobs_solve_write_nodes_tx, &ra, err)) !=
		    DB_OK) {
			log_warn("solve %s: writing nodes: %s", job->id, err);
			goto out;
		}
	}
	if (ids_next(IDS_JOB, &jnum, err) != DB_OK) {
		log_warn("solve %s: %s", job->id, err);
		goto out;
	}
	{
		struct jobs_solve_solved_arg sa = { job, res, "",
			res->num_nodes <= JOBS_SOLVE_AT_ONCE_NODES };

		ids_format_job(cid, jnum, sa.create_job, sizeof sa.create_job);
		st = db_tx_run(c, jobs_solve_solved_tx, &sa, err);
		takewait_flush(); /* the takes waiting for what it queued */
		if (st == DB_OK)
			log_info("cluster %s solved: %zu nodes, job %s", cid,
			    res->num_nodes, sa.create_job);
		else if (st != DB_ABORT)
			log_warn("solve %s: %s", job->id, err);
	}
	goto out;
failed:
	log_info("cluster %s: %s",
	    ids_format_cluster(job->cluster, cid, sizeof cid), msg);
	if ((st = job_store_fail(c, job, msg, "TERMINATED", err)) != DB_OK &&
	    st != DB_ABORT)
		log_warn("solve %s: %s", job->id, err);
out:
	solver_result_free(res);
	cluster_request_free(&crq);
	json_object_put(rq);
	json_object_put(in.catalogue);
	free(in.request);
}
