/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api_clusters.c - handlers of the cluster, RPC and provisioner routes.
 * They parse and validate requests with Loom's messages, then call
 * cluster_store, which does each change in one transaction.  Writes that
 * carry an Idempotency-Key (create, delete, abort, lease change) are
 * answered once: a retry with the same key and body gets the stored
 * answer, the same key with another body gets 422.
 */
#include "config.h"

#include "api_clusters.h"

#include <json-c/json.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_common.h"
#include "auth.h"
#include "cfg.h"
#include "cluster_store.h"
#include "codec.h"
#include "jsonin.h"
#include "scheduler.h"

static const struct cfg *api_clusters_cfg;

void
api_clusters_init(const struct cfg *cfg)
{
	api_clusters_cfg = cfg;
}

/* Map a cluster_store outcome onto the response. */
static enum api_status
api_clusters_out(struct http_resp *resp, struct cs_out *out)
{
	resp->body = out->body;
	out->body = NULL;
	switch (out->code) {
	case 200:
		return API_OK;
	case 204:
		free(resp->body);
		resp->body = NULL;
		return API_NO_CONTENT;
	case 400:
		return http_fail(resp, API_BAD_REQUEST, "%s", out->msg);
	case 404:
		return http_fail(resp, API_NOT_FOUND, "%s", out->msg);
	case 409:
		return http_fail(resp, API_CONFLICT, "%s", out->msg);
	case 417:
		return http_fail(resp, API_EXPECTATION_FAILED, "%s",
		    out->msg);
	case 422:
		return http_fail(resp, API_UNPROCESSABLE, "%s", out->msg);
	case 503:
		return http_fail(resp, API_UNAVAILABLE, "%s", out->msg);
	default:
		return http_fail(resp, API_INTERNAL, "%s", out->msg);
	}
}

/* Authenticate and fill the cluster_store user. */
static enum api_status
api_clusters_user(struct http_req *req, struct http_resp *resp,
    struct cs_user *u)
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
	if (cs_parse_cluster_id(req->params[0], id) != 0)
		return http_fail(resp, API_BAD_REQUEST, "invalid cluster id "
		    "%s", req->params[0]);
	return API_OK;
}

/* Idempotency-Key and the request hash (method, path, body). */
static void
api_clusters_idem(struct http_req *req, struct cs_idem *idem, char hex[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;

	idem->key = http_header(req, "Idempotency-Key");
	idem->hash = hex;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)req->method,
	    strlen(req->method) + 1);
	crypto_hash_sha256_update(&st, (const unsigned char *)req->path,
	    strlen(req->path) + 1);
	crypto_hash_sha256_update(&st, (const unsigned char *)req->body,
	    req->body_len);
	crypto_hash_sha256_final(&st, h);
	sodium_bin2hex(hex, 65, h, sizeof h);
}

/* POST /v1/loom/clusters */
static enum api_status
api_clusters_create(struct http_req *req, struct http_resp *resp)
{
	struct json_object *body = NULL, *rq, *adm, *ld, *cfg = NULL, *sv;
	char err[LOOMD_ERR_LEN], hex[65];
	const char *name, *tmpl, *desc = NULL, *s;
	struct cs_out out = { 0, "", NULL };
	struct cs_idem idem;
	struct cs_user u;
	enum api_status as;
	int64_t num, lease = -1;

	if ((as = api_clusters_user(req, resp, &u)) != API_OK ||
	    (as = api_common_writable(resp)) != API_OK)
		return as;
	if (jsonin_parse(req->body, req->body_len, 0, &body, NULL, err) != 0)
		return http_fail(resp, API_BAD_REQUEST, "invalid cluster "
		    "request: %s", err);
	as = API_BAD_REQUEST;
	if (jsonin_get_string(body, "name", &name, NULL) != JSONIN_OK) {
		http_fail(resp, as, "cluster must have a name");
		goto out;
	}
	switch (jsonin_get_int64(body, "numMachines", &num, NULL)) {
	case JSONIN_ABSENT:
		http_fail(resp, as, "numMachines must be specified");
		goto out;
	case JSONIN_BADTYPE:
		http_fail(resp, as, "numMachines must be an integer");
		goto out;
	default:
		break;
	}
	if (jsonin_get_string(body, "clusterTemplate", &tmpl, NULL) !=
	    JSONIN_OK) {
		http_fail(resp, as, "clusterTemplate must be specified");
		goto out;
	}
	if (num > api_clusters_cfg->cluster_max_size) {
		http_fail(resp, as, "numMachines above max cluster size %lld",
		    (long long)api_clusters_cfg->cluster_max_size);
		goto out;
	}
	if (num <= 0) {
		http_fail(resp, as, "cluster size must be greater than 0");
		goto out;
	}
	if (codec_check_name(name, err) != 0) {
		http_fail(resp, as, "%s", err);
		goto out;
	}
	if (jsonin_get_object(body, "administration", &adm, NULL) ==
	    JSONIN_OK &&
	    jsonin_get_object(adm, "leaseduration", &ld, NULL) == JSONIN_OK &&
	    jsonin_get_int64(ld, "initial", &lease, NULL) == JSONIN_BADTYPE) {
		http_fail(resp, as, "lease duration must be an integer");
		goto out;
	}
	if (jsonin_get_string(body, "description", &desc, NULL) ==
	    JSONIN_BADTYPE) {
		http_fail(resp, as, "description must be a string");
		goto out;
	}
	if (jsonin_get_object(body, "config", &cfg, NULL) == JSONIN_BADTYPE) {
		http_fail(resp, as, "config must be an object");
		goto out;
	}
	rq = jsonin_new_object();
	jsonin_set(rq, "name", jsonin_new_string(name));
	jsonin_set(rq, "description", jsonin_new_string(desc != NULL ? desc :
	    ""));
	jsonin_set(rq, "clusterTemplateName", jsonin_new_string(tmpl));
	jsonin_set(rq, "numMachines", jsonin_new_int64(num));
	if (jsonin_get_string(body, "provider", &s, NULL) == JSONIN_OK)
		jsonin_set(rq, "provider", jsonin_new_string(s));
	if (jsonin_get_array(body, "services", &sv, NULL) == JSONIN_OK)
		jsonin_set(rq, "services", jsonin_copy(sv));
	if (jsonin_get_string(body, "hardwaretype", &s, NULL) == JSONIN_OK)
		jsonin_set(rq, "hardwareType", jsonin_new_string(s));
	if (jsonin_get_string(body, "imagetype", &s, NULL) == JSONIN_OK)
		jsonin_set(rq, "imageType", jsonin_new_string(s));
	jsonin_set(rq, "leaseDuration", jsonin_new_int64(lease));
	api_clusters_idem(req, &idem, hex);
	cs_create(&u, rq, cfg, desc, &idem, &out);
	json_object_put(rq);
	scheduler_kick();
	as = api_clusters_out(resp, &out);
out:
	json_object_put(body);
	return as;
}

/* GET /v1/loom/clusters */
static enum api_status
api_clusters_list(struct http_req *req, struct http_resp *resp)
{
	struct cs_out out = { 0, "", NULL };
	enum api_status as;
	struct cs_user u;

	if ((as = api_clusters_user(req, resp, &u)) != API_OK)
		return as;
	cs_list(&u, &out);
	return api_clusters_out(resp, &out);
}

/* The read routes of one cluster share this shape. */
static enum api_status
api_clusters_read(struct http_req *req, struct http_resp *resp,
    void (*fn)(const struct cs_user *, int64_t, struct cs_out *))
{
	struct cs_out out = { 0, "", NULL };
	enum api_status as;
	struct cs_user u;
	int64_t id;

	if ((as = api_clusters_user(req, resp, &u)) != API_OK ||
	    (as = api_clusters_id(req, resp, &id)) != API_OK)
		return as;
	fn(&u, id, &out);
	return api_clusters_out(resp, &out);
}

static enum api_status
api_clusters_get(struct http_req *req, struct http_resp *resp)
{
	return api_clusters_read(req, resp, cs_get);
}

static enum api_status
api_clusters_services(struct http_req *req, struct http_resp *resp)
{
	return api_clusters_read(req, resp, cs_services);
}

static enum api_status
api_clusters_status(struct http_req *req, struct http_resp *resp)
{
	return api_clusters_read(req, resp, cs_status);
}

/* GET /v1/loom/clusters/{id}/plans and /plans/{job} */
static enum api_status
api_clusters_plans(struct http_req *req, struct http_resp *resp)
{
	struct cs_out out = { 0, "", NULL };
	const char *job = NULL, *p;
	enum api_status as;
	struct cs_user u;
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
			return http_fail(resp, API_BAD_REQUEST, "invalid job "
			    "id %s", job);
	}
	cs_plans(&u, id, job, &out);
	return api_clusters_out(resp, &out);
}

/* DELETE /v1/loom/clusters/{id} and POST .../abort share this. */
static enum api_status
api_clusters_write(struct http_req *req, struct http_resp *resp,
    void (*fn)(const struct cs_user *, int64_t, const struct cs_idem *,
    struct cs_out *))
{
	struct cs_out out = { 0, "", NULL };
	struct cs_idem idem;
	enum api_status as;
	struct cs_user u;
	char hex[65];
	int64_t id;

	if ((as = api_clusters_user(req, resp, &u)) != API_OK ||
	    (as = api_clusters_id(req, resp, &id)) != API_OK ||
	    (as = api_common_writable(resp)) != API_OK)
		return as;
	api_clusters_idem(req, &idem, hex);
	fn(&u, id, &idem, &out);
	scheduler_kick();
	return api_clusters_out(resp, &out);
}

static enum api_status
api_clusters_delete(struct http_req *req, struct http_resp *resp)
{
	return api_clusters_write(req, resp, cs_delete);
}

static enum api_status
api_clusters_abort(struct http_req *req, struct http_resp *resp)
{
	return api_clusters_write(req, resp, cs_abort);
}

/* POST /v1/loom/clusters/{id}: change expireTime. */
static enum api_status
api_clusters_expire(struct http_req *req, struct http_resp *resp)
{
	struct cs_out out = { 0, "", NULL };
	struct json_object *body = NULL;
	char err[LOOMD_ERR_LEN], hex[65];
	enum jsonin_error why;
	struct cs_idem idem;
	enum api_status as;
	struct cs_user u;
	int64_t id, expire;

	if ((as = api_clusters_user(req, resp, &u)) != API_OK ||
	    (as = api_clusters_id(req, resp, &id)) != API_OK ||
	    (as = api_common_writable(resp)) != API_OK)
		return as;
	if (jsonin_parse(req->body, req->body_len, 0, &body, &why, err) != 0)
		return http_fail(resp, API_BAD_REQUEST, why ==
		    JSONIN_ERR_EMPTY ? "expire time not specified" :
		    "Invalid JSON");
	switch (jsonin_get_int64(body, "expireTime", &expire, NULL)) {
	case JSONIN_OK:
		break;
	case JSONIN_ABSENT:
		json_object_put(body);
		return http_fail(resp, API_BAD_REQUEST, "expire time not "
		    "specified");
	default:
		json_object_put(body);
		return http_fail(resp, API_BAD_REQUEST, "expire time must be "
		    "an integer");
	}
	json_object_put(body);
	api_clusters_idem(req, &idem, hex);
	cs_set_expire(&u, id, expire, &idem, &out);
	return api_clusters_out(resp, &out);
}

/* POST /v1/loom/getClusterStatuses */
static enum api_status
api_clusters_statuses(struct http_req *req, struct http_resp *resp)
{
	struct cs_out out = { 0, "", NULL };
	enum api_status as;
	struct cs_user u;

	if ((as = api_clusters_user(req, resp, &u)) != API_OK)
		return as;
	cs_statuses(&u, &out);
	return api_clusters_out(resp, &out);
}

/* POST /v1/loom/tasks/take */
static enum api_status
api_tasks_take(struct http_req *req, struct http_resp *resp)
{
	struct cs_out out = { 0, "", NULL };
	struct json_object *body = NULL;
	char err[LOOMD_ERR_LEN];
	const char *worker;
	enum api_status as;

	if ((as = api_common_writable(resp)) != API_OK)
		return as;
	if (jsonin_parse(req->body, req->body_len, 0, &body, NULL, err) != 0)
		return http_fail(resp, API_BAD_REQUEST, "invalid request.");
	if (jsonin_get_string(body, "workerId", &worker, NULL) != JSONIN_OK ||
	    worker[0] == '\0' || strlen(worker) > 255) {
		json_object_put(body);
		return http_fail(resp, API_BAD_REQUEST, "workerId must be "
		    "specified.");
	}
	cs_take(worker, &out);
	json_object_put(body);
	return api_clusters_out(resp, &out);
}

/* POST /v1/loom/tasks/finish */
static enum api_status
api_tasks_finish(struct http_req *req, struct http_resp *resp)
{
	struct cs_out out = { 0, "", NULL };
	struct json_object *body = NULL, *result = NULL;
	const char *worker, *task, *so = NULL, *se = NULL;
	char err[LOOMD_ERR_LEN];
	enum api_status as;
	int64_t status;

	if ((as = api_common_writable(resp)) != API_OK)
		return as;
	if (jsonin_parse(req->body, req->body_len, 0, &body, NULL, err) != 0)
		return http_fail(resp, API_BAD_REQUEST, "invalid request.");
	as = API_BAD_REQUEST;
	if (jsonin_get_string(body, "workerId", &worker, NULL) != JSONIN_OK) {
		http_fail(resp, as, "workerId must be specified.");
		goto out;
	}
	if (jsonin_get_string(body, "taskId", &task, NULL) != JSONIN_OK) {
		http_fail(resp, as, "taskId must be specified.");
		goto out;
	}
	if (jsonin_get_int64(body, "status", &status, NULL) != JSONIN_OK) {
		http_fail(resp, as, "status must be specified.");
		goto out;
	}
	if (status < INT32_MIN || status > INT32_MAX) {
		http_fail(resp, as, "status must be a 32-bit integer.");
		goto out;
	}
	if (jsonin_get_object(body, "result", &result, NULL) ==
	    JSONIN_BADTYPE ||
	    jsonin_get_string(body, "stdout", &so, NULL) == JSONIN_BADTYPE ||
	    jsonin_get_string(body, "stderr", &se, NULL) == JSONIN_BADTYPE) {
		http_fail(resp, as, "invalid request.");
		goto out;
	}
	cs_finish(worker, task, status, result, so, se, &out);
	scheduler_kick();
	as = api_clusters_out(resp, &out);
out:
	json_object_put(body);
	return as;
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
	{ "POST", "/v1/loom/tasks/take", api_tasks_take,
	  "a provisioner takes a task (200 or 204)" },
	{ "POST", "/v1/loom/tasks/finish", api_tasks_finish,
	  "a provisioner reports a task's result" },
	{ NULL, NULL, NULL, NULL },
};
