/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cluster_day2.c - the request side of the day-2 cluster operations (see
 * cluster_day2.h and LOOM-0.9.7-OPS.md sections 2.3, 3.3, 4.2 and 5).
 */
#include "config.h"

#include "cluster_day2.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idem_store.h"
#include "job_store.h"
#include "jsonx.h"
#include "svcdeps.h"
#include "svcspec.h"

/* GET /clusters/{id}/config */
struct cluster_day2_read_arg {
	const struct cluster_store_user *u;
	int64_t id;
	struct domain_out *out;
};

static enum db_status
cluster_day2_config_fn(struct db_conn *c, void *arg)
{
	struct cluster_day2_read_arg *a = arg;
	struct json_object *doc, *cfg;
	struct db_rows *r;
	enum db_status st;

	if ((st = cluster_store_load_tx(c, a->u, a->id, false, &r, a->out)) !=
	    DB_OK)
		return st;
	doc = domain_parse(db_rows_get(r, 0, 0));
	db_rows_free(r);
	cfg = jsonx_get(doc, "config");
	if (cfg != NULL && json_object_is_type(cfg, json_type_object))
		domain_out_json(a->out, cfg);
	else {
		free(a->out->body);
		a->out->body = xstrdup("{}");
	}
	a->out->res = DOMAIN_OK;
	json_object_put(doc);
	return DB_OK;
}

void
cluster_day2_config(const struct cluster_store_user *u, int64_t id,
    struct domain_out *out)
{
	struct cluster_day2_read_arg a = { u, id, out };
	char err[LOOMD_ERR_LEN];
	struct db_conn *c;
	enum db_status st;

	if ((c = domain_conn(out)) == NULL)
		return;
	st = db_read_run(c, cluster_day2_config_fn, &a, err);
	domain_finish_tx(out, st, err);
}

/* ---------------------------------------------------------------- */
/* Writes                                                           */

enum cluster_day2_op {
	CLUSTER_DAY2_RECONFIGURE,
	CLUSTER_DAY2_ADD,
	CLUSTER_DAY2_RUNTIME,
};

struct cluster_day2_arg {
	struct cluster_store_req rq;
	enum cluster_day2_op op;
	enum planner_cluster_action ca;
	struct json_object *config;  /* reconfigure, borrowed */
	const char *const *services; /* add, borrowed */
	size_t nservices;
	const char *svc; /* runtime action, NULL: all */
};

/* 1 if the cluster doc lists service name. */
static int
cluster_day2_has_service(struct json_object *doc, const char *name)
{
	struct json_object *sv = jsonx_get(doc, "services");
	size_t i;

	if (sv == NULL || !json_object_is_type(sv, json_type_array))
		return 0;
	for (i = 0; i < json_object_array_length(sv); i++) {
		const char *s = jsonx_str(json_object_array_get_idx(sv, i));

		if (s != NULL && strcmp(s, name) == 0)
			return 1;
	}
	return 0;
}

enum db_status
cluster_day2_services_tx(struct db_conn *c, struct json_object **out)
{
	struct db_rows *r;
	enum db_status st;

	*out = NULL;
	if ((st = db_query(c, "SELECT doc FROM entities WHERE kind = ?", &r,
		 "s", "services")) != DB_OK)
		return st;
	*out = domain_parse_rows(r);
	db_rows_free(r);
	return DB_OK;
}

/*
 * The add-services validation of section 4.2 against the catalogue's
 * services (read in the transaction) and the cluster's stored template.
 * DB_ABORT with DOMAIN_INVALID in out when the request is refused.
 */
static enum db_status
cluster_day2_check_add(struct db_conn *c, struct cluster_day2_arg *a,
    struct json_object *doc)
{
	struct json_object *arr;
	enum db_status st;
	char *why = NULL;
	int rc;

	if ((st = cluster_day2_services_tx(c, &arr)) != DB_OK)
		return st;
	rc = svcspec_check_add(arr, doc, a->services, a->nservices, &why);
	json_object_put(arr);
	if (rc == 0)
		return DB_OK;
	domain_fail(a->rq.out, DOMAIN_INVALID, "%s",
	    why != NULL ? why : "Invalid request body.");
	free(why);
	return DB_ABORT;
}

/* The planned services of the new job as JSON text (NULL: all), owned. */
static char *
cluster_day2_planned(const struct cluster_day2_arg *a)
{
	struct json_object *arr;
	char *s;
	size_t i;

	if (a->op == CLUSTER_DAY2_RECONFIGURE ||
	    (a->op == CLUSTER_DAY2_RUNTIME && a->svc == NULL))
		return NULL;
	arr = jsonx_new_array();
	if (a->op == CLUSTER_DAY2_RUNTIME)
		jsonx_append(arr, jsonx_new_string(a->svc));
	else
		for (i = 0; i < a->nservices; i++)
			jsonx_append(arr, jsonx_new_string(a->services[i]));
	s = xstrdup(json_object_to_json_string_ext(arr, DOMAIN_JSON));
	json_object_put(arr);
	return s;
}

static enum db_status
cluster_day2_tx(struct db_conn *c, void *arg)
{
	struct cluster_day2_arg *a = arg;
	struct json_object *doc = NULL;
	struct db_rows *r;
	enum db_status st;
	const char *status;
	char *planned = NULL;
	bool done;

	if ((st = cluster_store_open_tx(c, &a->rq, &r, &done)) != DB_OK ||
	    done) {
		/* ClusterService's form of the message (section 1). */
		if (st == DB_ABORT && a->rq.out->res == DOMAIN_NOT_FOUND)
			domain_fail(a->rq.out, DOMAIN_NOT_FOUND,
			    "Cluster %s not found.", a->rq.cid);
		return st;
	}
	status = db_rows_get(r, 0, 1);
	doc = domain_parse(db_rows_get(r, 0, 0));
	if (doc == NULL)
		doc = jsonx_new_object();
	if (a->op == CLUSTER_DAY2_RECONFIGURE) {
		if (strcmp(status, "ACTIVE") != 0 &&
		    strcmp(status, "INCONSISTENT") != 0) {
			domain_fail(a->rq.out, DOMAIN_CONFLICT, "%s",
			    CLUSTER_DAY2_NOT_CONFIGURABLE);
			st = DB_ABORT;
			goto out;
		}
	} else {
		if (a->svc != NULL && !cluster_day2_has_service(doc, a->svc)) {
			domain_fail(a->rq.out, DOMAIN_NOT_FOUND,
			    "Cluster %s not found.", a->rq.cid);
			st = DB_ABORT;
			goto out;
		}
		if (strcmp(status, "ACTIVE") != 0) {
			domain_fail(a->rq.out, DOMAIN_CONFLICT, "%s",
			    CLUSTER_DAY2_NOT_ACTIONABLE);
			st = DB_ABORT;
			goto out;
		}
	}
	if (a->op == CLUSTER_DAY2_ADD &&
	    (st = cluster_day2_check_add(c, a, doc)) != DB_OK)
		goto out;
	if (a->op == CLUSTER_DAY2_RECONFIGURE)
		jsonx_set(doc, "config", jsonx_copy(a->config));
	cluster_store_doc_add_job(doc, a->rq.jid);
	planned = cluster_day2_planned(a);
	if ((st = job_store_insert_tx(c, a->rq.jid, a->rq.id,
		 planner_cluster_action_upper(a->ca), "RUNNING",
		 domain_now_ms())) != DB_OK ||
	    (st = job_store_set_scope_tx(c, a->rq.jid, planned, NULL)) !=
		DB_OK ||
	    (st = cluster_store_save_tx(c, a->rq.id, doc, "PENDING",
		 a->rq.jid)) != DB_OK)
		goto out;
	st = cluster_store_answer_tx(c, &a->rq);
out:
	free(planned);
	db_rows_free(r);
	json_object_put(doc);
	return st;
}

/* Fill in the request common to the three writes and run it. */
static void
cluster_day2_write(const struct cluster_store_user *u, int64_t id,
    const struct idem_store_key *idem, struct domain_out *out,
    struct cluster_day2_arg *a)
{
	a->rq.u = u;
	a->rq.idem = idem;
	a->rq.out = out;
	a->rq.id = id;
	cluster_store_run(&a->rq, true, cluster_day2_tx, a);
}

void
cluster_day2_reconfigure(const struct cluster_store_user *u, int64_t id,
    struct json_object *config, bool restart,
    const struct idem_store_key *idem, struct domain_out *out)
{
	struct cluster_day2_arg a = { .op = CLUSTER_DAY2_RECONFIGURE,
		.ca = restart ? PLANNER_CLUSTER_CONFIGURE_WITH_RESTART :
				PLANNER_CLUSTER_CONFIGURE,
		.config = config };

	cluster_day2_write(u, id, idem, out, &a);
}

void
cluster_day2_add_services(const struct cluster_store_user *u, int64_t id,
    const char *const *services, size_t n, const struct idem_store_key *idem,
    struct domain_out *out)
{
	struct cluster_day2_arg a = { .op = CLUSTER_DAY2_ADD,
		.ca = PLANNER_ADD_SERVICES,
		.services = services,
		.nservices = n };

	cluster_day2_write(u, id, idem, out, &a);
}

void
cluster_day2_service_action(const struct cluster_store_user *u, int64_t id,
    const char *svc, enum planner_cluster_action ca,
    const struct idem_store_key *idem, struct domain_out *out)
{
	struct cluster_day2_arg a = { .op = CLUSTER_DAY2_RUNTIME,
		.ca = ca,
		.svc = svc };

	cluster_day2_write(u, id, idem, out, &a);
}
