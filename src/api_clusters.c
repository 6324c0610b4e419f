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
#include "cfg.h"
#include "cluster_read.h"
#include "cluster_request.h"
#include "cluster_store.h"
#include "domain.h"
#include "jobs_pool.h"
#include "jsonin.h"
#include "scheduler.h"

static const struct cfg *api_clusters_cfg;

void
api_clusters_init(const struct cfg *cfg)
{
	api_clusters_cfg = cfg;
}

static enum api_status
api_clusters_create_parse(struct http_req *req, struct http_resp *resp,
    void *arg)
{
	char err[LOOMD_ERR_LEN];

	if (cluster_request_parse(arg, req->body, req->body_len,
		api_clusters_cfg->cluster_max_size, err) != 0)
		return http_fail(resp, API_BAD_REQUEST, "%s", err);
	return API_OK;
}

/*
 * The new cluster's SOLVE_LAYOUT job goes straight to this server's
 * solver threads when their queue has room: inserted claimed, so no
 * scheduler pass has to find it and claim it (two statements a cluster).
 * Otherwise it is left to the scheduler, woken now.
 */
static void
api_clusters_create_store(const struct api_common_write *w, void *arg,
    struct domain_out *out)
{
	struct job_store_job job;
	bool place = jobs_pool_reserve();

	cluster_store_create(&w->user, arg, &w->idem, place ? &job : NULL,
	    out);
	if (place && job.id[0] != '\0') {
		if (!jobs_pool_solve_reserved(&job))
			log_info("job %s: left to a scheduler once its lease "
				 "ends (the solver threads are stopping)",
			    job.id);
		return;
	}
	if (place)
		jobs_pool_unreserve();
	scheduler_kick();
}

static void
api_clusters_create_done(void *arg)
{
	cluster_request_free(arg);
}

/* POST /v1/loom/clusters */
static const struct api_common_write_desc api_clusters_create = {
	.kick = false, /* api_clusters_create_store() does */
	.state_size = sizeof(struct cluster_request),
	.parse = api_clusters_create_parse,
	.store = api_clusters_create_store,
	.done = api_clusters_create_done,
};

/* GET /v1/loom/clusters */
static enum api_status
api_clusters_list(struct http_req *req, struct http_resp *resp)
{
	struct domain_out out = { DOMAIN_OK, "", NULL };
	enum api_status as;
	struct cluster_store_user u;

	if ((as = api_common_cluster_user(req, resp, &u)) != API_OK)
		return as;
	cluster_read_list_status(&u, api_cluster_ops_list_filter(req), &out);
	return api_common_outcome(resp, &out);
}

static const struct api_common_read_desc api_clusters_get = {
	cluster_read_get
};
static const struct api_common_read_desc api_clusters_services = {
	cluster_read_services
};
static const struct api_common_read_desc api_clusters_status = {
	cluster_read_status
};

/* GET /v1/loom/clusters/{id}/plans and /plans/{job} */
static enum api_status
api_clusters_plans(struct http_req *req, struct http_resp *resp)
{
	struct domain_out out = { DOMAIN_OK, "", NULL };
	const char *job = NULL, *p;
	enum api_status as;
	struct cluster_store_user u;
	int64_t id;

	if ((as = api_common_cluster_user(req, resp, &u)) != API_OK ||
	    (as = api_common_cluster_id(req, resp, &id)) != API_OK)
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

/* The store call of DELETE and abort, which take nothing but the id. */
struct api_clusters_by_id {
	void (*fn)(const struct cluster_store_user *, int64_t,
	    const struct idem_store_key *, struct domain_out *);
};

static void
api_clusters_by_id_store(const struct api_common_write *w, void *state UNUSED,
    struct domain_out *out)
{
	const struct api_clusters_by_id *op = w->ctx;

	op->fn(&w->user, w->id, &w->idem, out);
}

/* DELETE /v1/loom/clusters/{id} */
static const struct api_common_write_desc api_clusters_delete =
    API_COMMON_WRITE_BY_ID(api_clusters_by_id_store,
	&(const struct api_clusters_by_id){ cluster_store_delete });
/* POST /v1/loom/clusters/{id}/abort */
static const struct api_common_write_desc api_clusters_abort =
    API_COMMON_WRITE_BY_ID(api_clusters_by_id_store,
	&(const struct api_clusters_by_id){ cluster_store_abort });

/* The expireTime of a lease change's body into *(int64_t *)arg. */
static enum api_status
api_clusters_expire_parse(struct http_req *req, struct http_resp *resp,
    void *arg)
{
	struct json_object *body = NULL;
	char err[LOOMD_ERR_LEN];
	enum jsonin_error why;
	enum jsonin_get g;

	if (jsonin_parse(req->body, req->body_len, 0, &body, &why, err) != 0)
		return http_fail(resp, API_BAD_REQUEST,
		    why == JSONIN_ERR_EMPTY ? "expire time not specified" :
					      "Invalid JSON");
	g = jsonin_get_int64(body, "expireTime", arg, NULL);
	json_object_put(body);
	switch (g) {
	case JSONIN_OK:
		return API_OK;
	case JSONIN_ABSENT:
		return http_fail(resp, API_BAD_REQUEST,
		    "expire time not "
		    "specified");
	default:
		return http_fail(resp, API_BAD_REQUEST,
		    "expire time must be "
		    "an integer");
	}
}

static void
api_clusters_expire_store(const struct api_common_write *w, void *arg,
    struct domain_out *out)
{
	cluster_store_set_expire(&w->user, w->id, *(int64_t *)arg, &w->idem,
	    out);
}

/*
 * POST /v1/loom/clusters/{id}: change expireTime.  No scheduler kick: a
 * lease change makes no job.
 */
static const struct api_common_write_desc api_clusters_expire = {
	.by_id = true,
	.state_size = sizeof(int64_t),
	.parse = api_clusters_expire_parse,
	.store = api_clusters_expire_store,
};

/* POST /v1/loom/getClusterStatuses */
static enum api_status
api_clusters_statuses(struct http_req *req, struct http_resp *resp)
{
	struct domain_out out = { DOMAIN_OK, "", NULL };
	enum api_status as;
	struct cluster_store_user u;

	if ((as = api_common_cluster_user(req, resp, &u)) != API_OK)
		return as;
	cluster_read_statuses(&u, &out);
	return api_common_outcome(resp, &out);
}

const struct api_route api_clusters_routes[] = {
	{ "GET", "/v1/loom/clusters", api_clusters_list,
	    "list visible clusters, newest first", NULL },
	{ "POST", "/v1/loom/clusters", api_common_cluster_write,
	    "create a cluster", &api_clusters_create },
	{ "GET", "/v1/loom/clusters/{id}", api_common_cluster_read,
	    "a cluster with its nodes", &api_clusters_get },
	{ "POST", "/v1/loom/clusters/{id}", api_common_cluster_write,
	    "change a cluster's expire time", &api_clusters_expire },
	{ "DELETE", "/v1/loom/clusters/{id}", api_common_cluster_write,
	    "delete a cluster", &api_clusters_delete },
	{ "GET", "/v1/loom/clusters/{id}/services", api_common_cluster_read,
	    "a cluster's services", &api_clusters_services },
	{ "GET", "/v1/loom/clusters/{id}/status", api_common_cluster_read,
	    "a cluster's status and progress", &api_clusters_status },
	{ "POST", "/v1/loom/clusters/{id}/abort", api_common_cluster_write,
	    "abort a cluster's running job", &api_clusters_abort },
	{ "GET", "/v1/loom/clusters/{id}/plans", api_clusters_plans,
	    "the plans of a cluster's jobs", NULL },
	{ "GET", "/v1/loom/clusters/{id}/plans/{job}", api_clusters_plans,
	    "the plan of one job", NULL },
	{ "POST", "/v1/loom/getClusterStatuses", api_clusters_statuses,
	    "the status of every visible cluster", NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};
