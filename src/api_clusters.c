/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api_clusters.c - handlers of the cluster and RPC routes.  They parse
 * and validate requests with Loom's messages, then call cluster_store
 * (each change one transaction) or cluster_read, and answer with the
 * outcome through api_common_outcome().  Writes that carry an
 * Idempotency-Key (create, delete, abort, lease change) are answered
 * once: a retry with the same key and body gets the stored answer, the
 * same key with another body gets 422.
 */
#include "config.h"

#include "api_clusters.h"

#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_cluster_ops.h"
#include "api_common.h"
#include "auth.h"
#include "cfg.h"
#include "cluster_read.h"
#include "cluster_request.h"
#include "cluster_store.h"
#include "domain.h"
#include "idem_store.h"
#include "jsonin.h"
#include "scheduler.h"

static const struct cfg *api_clusters_cfg;

void
api_clusters_init(const struct cfg *cfg)
{
	api_clusters_cfg = cfg;
}

/* Authenticate and fill the cluster_store user. */
static enum api_status
api_clusters_user(struct http_req *req, struct http_resp *resp,
    struct cluster_store_user *u)
{
	enum api_status st;
	bool is_admin;

	if ((st = auth_user(req, resp, &u->id, &is_admin)) != API_OK)
		return st;
	u->sees_all = is_admin || strcmp(u->id, AUTH_SYSTEM_USER) == 0;
	return API_OK;
}

/* The cluster id of the path, or 400. */
static enum api_status
api_clusters_id(struct http_req *req, struct http_resp *resp, int64_t *id)
{
	if (domain_parse_cluster_id(req->params[0], id) != 0)
		return http_fail(resp, API_BAD_REQUEST,
		    "invalid cluster id "
		    "%s",
		    req->params[0]);
	return API_OK;
}

/* POST /v1/loom/clusters */
static enum api_status
api_clusters_create(struct http_req *req, struct http_resp *resp)
{
	struct domain_out out = { DOMAIN_OK, "", NULL };
	char err[LOOMD_ERR_LEN], hex[65];
	struct cluster_request rq;
	struct idem_store_key idem;
	struct cluster_store_user u;
	enum api_status as;

	if ((as = api_clusters_user(req, resp, &u)) != API_OK ||
	    (as = api_common_writable(resp)) != API_OK)
		return as;
	if (cluster_request_parse(&rq, req->body, req->body_len,
		api_clusters_cfg->cluster_max_size, err) != 0) {
		cluster_request_free(&rq);
		return http_fail(resp, API_BAD_REQUEST, "%s", err);
	}
	api_common_idem(req, &idem, hex);
	cluster_store_create(&u, &rq, &idem, &out);
	cluster_request_free(&rq);
	scheduler_kick();
	return api_common_outcome(resp, &out);
}

/* GET /v1/loom/clusters */
static enum api_status
api_clusters_list(struct http_req *req, struct http_resp *resp)
{
	struct domain_out out = { DOMAIN_OK, "", NULL };
	enum api_status as;
	struct cluster_store_user u;

	if ((as = api_clusters_user(req, resp, &u)) != API_OK)
		return as;
	cluster_read_list_status(&u, api_cluster_ops_list_filter(req), &out);
	return api_common_outcome(resp, &out);
}

/* The read routes of one cluster share this shape. */
static enum api_status
api_clusters_read(struct http_req *req, struct http_resp *resp,
    void (
	*fn)(const struct cluster_store_user *, int64_t, struct domain_out *))
{
	struct domain_out out = { DOMAIN_OK, "", NULL };
	enum api_status as;
	struct cluster_store_user u;
	int64_t id;

	if ((as = api_clusters_user(req, resp, &u)) != API_OK ||
	    (as = api_clusters_id(req, resp, &id)) != API_OK)
		return as;
	fn(&u, id, &out);
	return api_common_outcome(resp, &out);
}

static enum api_status
api_clusters_get(struct http_req *req, struct http_resp *resp)
{
	return api_clusters_read(req, resp, cluster_read_get);
}

static enum api_status
api_clusters_services(struct http_req *req, struct http_resp *resp)
{
	return api_clusters_read(req, resp, cluster_read_services);
}

static enum api_status
api_clusters_status(struct http_req *req, struct http_resp *resp)
{
	return api_clusters_read(req, resp, cluster_read_status);
}

/* GET /v1/loom/clusters/{id}/plans and /plans/{job} */
static enum api_status
api_clusters_plans(struct http_req *req, struct http_resp *resp)
{
	struct domain_out out = { DOMAIN_OK, "", NULL };
	const char *job = NULL, *p;
	enum api_status as;
	struct cluster_store_user u;
	int64_t id;

	if ((as = api_clusters_user(req, resp, &u)) != API_OK ||
	    (as = api_clusters_id(req, resp, &id)) != API_OK)
		return as;
	if (req->nparams > 1) {
		job = req->params[1];
		/* "<digits>-<digits>" */
		for (p = job; *p >= '0' && *p <= '9'; p++)
			;
		if (p == job || *p != '-' || p[1] == '\0' ||
		    strspn(p + 1, "0123456789") != strlen(p + 1))
			return http_fail(resp, API_BAD_REQUEST,
			    "invalid job "
			    "id %s",
			    job);
	}
	cluster_read_plans(&u, id, job, &out);
	return api_common_outcome(resp, &out);
}

/* DELETE /v1/loom/clusters/{id} and POST .../abort share this. */
static enum api_status
api_clusters_write(struct http_req *req, struct http_resp *resp,
    void (*fn)(const struct cluster_store_user *, int64_t,
	const struct idem_store_key *, struct domain_out *))
{
	struct domain_out out = { DOMAIN_OK, "", NULL };
	struct idem_store_key idem;
	enum api_status as;
	struct cluster_store_user u;
	char hex[65];
	int64_t id;

	if ((as = api_clusters_user(req, resp, &u)) != API_OK ||
	    (as = api_clusters_id(req, resp, &id)) != API_OK ||
	    (as = api_common_writable(resp)) != API_OK)
		return as;
	api_common_idem(req, &idem, hex);
	fn(&u, id, &idem, &out);
	scheduler_kick();
	return api_common_outcome(resp, &out);
}

static enum api_status
api_clusters_delete(struct http_req *req, struct http_resp *resp)
{
	return api_clusters_write(req, resp, cluster_store_delete);
}

static enum api_status
api_clusters_abort(struct http_req *req, struct http_resp *resp)
{
	return api_clusters_write(req, resp, cluster_store_abort);
}

/* POST /v1/loom/clusters/{id}: change expireTime. */
static enum api_status
api_clusters_expire(struct http_req *req, struct http_resp *resp)
{
	struct domain_out out = { DOMAIN_OK, "", NULL };
	struct json_object *body = NULL;
	char err[LOOMD_ERR_LEN], hex[65];
	enum jsonin_error why;
	struct idem_store_key idem;
	enum api_status as;
	struct cluster_store_user u;
	int64_t id, expire;

	if ((as = api_clusters_user(req, resp, &u)) != API_OK ||
	    (as = api_clusters_id(req, resp, &id)) != API_OK ||
	    (as = api_common_writable(resp)) != API_OK)
		return as;
	if (jsonin_parse(req->body, req->body_len, 0, &body, &why, err) != 0)
		return http_fail(resp, API_BAD_REQUEST,
		    why == JSONIN_ERR_EMPTY ? "expire time not specified" :
					      "Invalid JSON");
	switch (jsonin_get_int64(body, "expireTime", &expire, NULL)) {
	case JSONIN_OK:
		break;
	case JSONIN_ABSENT:
		json_object_put(body);
		return http_fail(resp, API_BAD_REQUEST,
		    "expire time not "
		    "specified");
	default:
		json_object_put(body);
		return http_fail(resp, API_BAD_REQUEST,
		    "expire time must be "
		    "an integer");
	}
	json_object_put(body);
	api_common_idem(req, &idem, hex);
	cluster_store_set_expire(&u, id, expire, &idem, &out);
	return api_common_outcome(resp, &out);
}

/* POST /v1/loom/getClusterStatuses */
static enum api_status
api_clusters_statuses(struct http_req *req, struct http_resp *resp)
{
	struct domain_out out = { DOMAIN_OK, "", NULL };
	enum api_status as;
	struct cluster_store_user u;

	if ((as = api_clusters_user(req, resp, &u)) != API_OK)
		return as;
	cluster_read_statuses(&u, &out);
	return api_common_outcome(resp, &out);
}

const struct api_route api_clusters_routes[] = {
	{ "GET", "/v1/loom/clusters", api_clusters_list,
	    "list visible clusters, newest first" },
	{ "POST", "/v1/loom/clusters", api_clusters_create,
	    "create a cluster" },
	{ "GET", "/v1/loom/clusters/{id}", api_clusters_get,
	    "a cluster with its nodes" },
	{ "POST", "/v1/loom/clusters/{id}", api_clusters_expire,
	    "change a cluster's expire time" },
	{ "DELETE", "/v1/loom/clusters/{id}", api_clusters_delete,
	    "delete a cluster" },
	{ "GET", "/v1/loom/clusters/{id}/services", api_clusters_services,
	    "a cluster's services" },
	{ "GET", "/v1/loom/clusters/{id}/status", api_clusters_status,
	    "a cluster's status and progress" },
	{ "POST", "/v1/loom/clusters/{id}/abort", api_clusters_abort,
	    "abort a cluster's running job" },
	{ "GET", "/v1/loom/clusters/{id}/plans", api_clusters_plans,
	    "the plans of a cluster's jobs" },
	{ "GET", "/v1/loom/clusters/{id}/plans/{job}", api_clusters_plans,
	    "the plan of one job" },
	{ "POST", "/v1/loom/getClusterStatuses", api_clusters_statuses,
	    "the status of every visible cluster" },
	{ NULL, NULL, NULL, NULL },
};
