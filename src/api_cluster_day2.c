/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api_cluster_day2.c - handlers of the day-2 cluster routes (see
 * api_cluster_day2.h).  They parse the request with Loom 0.9.7's rules
 * (any body that cannot be read is 400 "Invalid request body.", empty
 * bodies included, where Java answered 500), then call cluster_day2 and
 * answer with the outcome through api_common_outcome().  Writes that
 * carry an Idempotency-Key are answered once, as for DELETE.
 */
#include "config.h"

#include "api_cluster_day2.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api_common.h"
#include "cluster_day2.h"
#include "jsonin.h"

#define API_CLUSTER_DAY2_BAD_BODY "Invalid request body."

/*
 * The restart flag of a PUT config body (section 3.2): absent true, a
 * JSON boolean, or a string that is "true" in any case (any other string
 * is false); anything else is -1.
 */
static int
api_cluster_day2_restart(struct json_object *body, bool *restart)
{
	struct json_object *v;

	*restart = true;
	if (!json_object_object_get_ex(body, "restart", &v) || v == NULL)
		return 0;
	if (json_object_is_type(v, json_type_boolean))
		*restart = json_object_get_boolean(v);
	else if (json_object_is_type(v, json_type_string))
		*restart = strcasecmp(json_object_get_string(v), "true") == 0;
	else
		return -1;
	return 0;
}

/* GET /v1/loom/clusters/{id}/config */
static enum api_status
api_cluster_day2_config_get(struct http_req *req, struct http_resp *resp)
{
	return api_common_cluster_read(req, resp, cluster_day2_config);
}

/* A day-2 request's body: the object, and the parts the store takes. */
struct api_cluster_day2_body {
	struct json_object *body; /* owned: json_object_put() */
	struct json_object *part; /* borrowed from body: config, services */
	bool restart;
	const char **names; /* owned, strings borrowed from body */
	size_t n;
};

/* Read the body as JSON with the member key of type t into b. */
static int
api_cluster_day2_parse(struct http_req *req, const char *key, enum json_type t,
    struct api_cluster_day2_body *b)
{
	char err[LOOMD_ERR_LEN];
	enum jsonin_error why;

	if (jsonin_parse(req->body, req->body_len, 0, &b->body, &why, err) !=
		0 ||
	    !json_object_object_get_ex(b->body, key, &b->part) ||
	    !json_object_is_type(b->part, t))
		return -1;
	return 0;
}

static enum api_status
api_cluster_day2_config_parse(struct http_req *req, struct http_resp *resp,
    void *arg)
{
	struct api_cluster_day2_body *b = arg;

	if (api_cluster_day2_parse(req, "config", json_type_object, b) != 0 ||
	    api_cluster_day2_restart(b->body, &b->restart) != 0)
		return http_fail(resp, API_BAD_REQUEST, "%s",
		    API_CLUSTER_DAY2_BAD_BODY);
	return API_OK;
}

static void
api_cluster_day2_config_store(const struct api_common_write *w, void *arg,
    struct domain_out *out)
{
	struct api_cluster_day2_body *b = arg;

	cluster_day2_reconfigure(&w->user, w->id, b->part, b->restart,
	    &w->idem, out);
}

static void
api_cluster_day2_body_free(void *arg)
{
	struct api_cluster_day2_body *b = arg;

	free(b->names);
	json_object_put(b->body);
}

static const struct api_common_write_desc api_cluster_day2_config_desc = {
	.by_id = true,
	.kick = true,
	.parse = api_cluster_day2_config_parse,
	.store = api_cluster_day2_config_store,
	.done = api_cluster_day2_body_free,
};

/* PUT /v1/loom/clusters/{id}/config */
static enum api_status
api_cluster_day2_config_put(struct http_req *req, struct http_resp *resp)
{
	struct api_cluster_day2_body b = { 0 };

	return api_common_cluster_write(req, resp,
	    &api_cluster_day2_config_desc, &b);
}

/* A non-empty array of strings (AddServicesRequestCodec). */
static enum api_status
api_cluster_day2_add_parse(struct http_req *req, struct http_resp *resp,
    void *arg)
{
	struct api_cluster_day2_body *b = arg;
	size_t i;

	if (api_cluster_day2_parse(req, "services", json_type_array, b) != 0 ||
	    (b->n = json_object_array_length(b->part)) == 0)
		return http_fail(resp, API_BAD_REQUEST, "%s",
		    API_CLUSTER_DAY2_BAD_BODY);
	b->names = xcalloc(b->n, sizeof *b->names);
	for (i = 0; i < b->n; i++) {
		struct json_object *e = json_object_array_get_idx(b->part, i);

		if (!json_object_is_type(e, json_type_string) ||
		    json_object_get_string_len(e) == 0)
			return http_fail(resp, API_BAD_REQUEST, "%s",
			    API_CLUSTER_DAY2_BAD_BODY);
		b->names[i] = json_object_get_string(e);
	}
	return API_OK;
}

static void
api_cluster_day2_add_store(const struct api_common_write *w, void *arg,
    struct domain_out *out)
{
	struct api_cluster_day2_body *b = arg;

	cluster_day2_add_services(&w->user, w->id, b->names, b->n, &w->idem,
	    out);
}

static const struct api_common_write_desc api_cluster_day2_add_desc = {
	.by_id = true,
	.kick = true,
	.parse = api_cluster_day2_add_parse,
	.store = api_cluster_day2_add_store,
	.done = api_cluster_day2_body_free,
};

/* POST /v1/loom/clusters/{id}/services */
static enum api_status
api_cluster_day2_add(struct http_req *req, struct http_resp *resp)
{
	struct api_cluster_day2_body b = { 0 };

	return api_common_cluster_write(req, resp, &api_cluster_day2_add_desc,
	    &b);
}

/*
 * The store call of a service action: the action is the last segment of
 * the path of req (arg), the service its second parameter if any.
 */
static void
api_cluster_day2_runtime_store(const struct api_common_write *w, void *arg,
    struct domain_out *out)
{
	struct http_req *req = arg;
	enum planner_cluster_action ca;
	const char *op, *svc;

	op = strrchr(req->path, '/');
	op = op != NULL ? op + 1 : req->path;
	if (strcmp(op, "start") == 0)
		ca = PLANNER_START_SERVICES;
	else if (strcmp(op, "stop") == 0)
		ca = PLANNER_STOP_SERVICES;
	else
		ca = PLANNER_RESTART_SERVICES;
	svc = req->nparams > 1 ? req->params[1] : NULL;
	cluster_day2_service_action(&w->user, w->id, svc, ca, &w->idem, out);
}

/*
 * POST /v1/loom/clusters/{id}/services[/{svc}]/{start,stop,restart}: no
 * body is read.
 */
static enum api_status
api_cluster_day2_runtime(struct http_req *req, struct http_resp *resp)
{
	static const struct api_common_write_desc d = {
		.by_id = true,
		.kick = true,
		.store = api_cluster_day2_runtime_store,
	};

	return api_common_cluster_write(req, resp, &d, req);
}

const struct api_route api_cluster_day2_routes[] = {
	{ "GET", "/v1/loom/clusters/{id}/config", api_cluster_day2_config_get,
	    "a cluster's config" },
	{ "PUT", "/v1/loom/clusters/{id}/config", api_cluster_day2_config_put,
	    "reconfigure a cluster" },
	{ "POST", "/v1/loom/clusters/{id}/services", api_cluster_day2_add,
	    "add services to a cluster" },
	{ "POST", "/v1/loom/clusters/{id}/services/start",
	    api_cluster_day2_runtime, "start a cluster's services" },
	{ "POST", "/v1/loom/clusters/{id}/services/stop",
	    api_cluster_day2_runtime, "stop a cluster's services" },
	{ "POST", "/v1/loom/clusters/{id}/services/restart",
	    api_cluster_day2_runtime, "restart a cluster's services" },
	{ "POST", "/v1/loom/clusters/{id}/services/{svc}/start",
	    api_cluster_day2_runtime, "start a service and what it needs" },
	{ "POST", "/v1/loom/clusters/{id}/services/{svc}/stop",
	    api_cluster_day2_runtime, "stop a service and what needs it" },
	{ "POST", "/v1/loom/clusters/{id}/services/{svc}/restart",
	    api_cluster_day2_runtime, "restart a service and what needs it" },
	{ NULL, NULL, NULL, NULL },
};
