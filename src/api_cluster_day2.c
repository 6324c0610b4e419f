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
static const struct api_common_read_desc api_cluster_day2_config_get = {
	cluster_day2_config
};

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

/* PUT /v1/loom/clusters/{id}/config */
static const struct api_common_write_desc api_cluster_day2_config_put = {
	.by_id = true,
	.kick = true,
	.state_size = sizeof(struct api_cluster_day2_body),
	.parse = api_cluster_day2_config_parse,
	.store = api_cluster_day2_config_store,
	.done = api_cluster_day2_body_free,
};

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

/* POST /v1/loom/clusters/{id}/services */
static const struct api_common_write_desc api_cluster_day2_add = {
	.by_id = true,
	.kick = true,
	.state_size = sizeof(struct api_cluster_day2_body),
	.parse = api_cluster_day2_add_parse,
	.store = api_cluster_day2_add_store,
	.done = api_cluster_day2_body_free,
};

/*
 * The store call of a service action: the action is w->ctx, the service
 * the path's second parameter if any.
 */
static void
api_cluster_day2_runtime_store(const struct api_common_write *w,
    void *state UNUSED, struct domain_out *out)
{
	const char *svc = w->req->nparams > 1 ? w->req->params[1] : NULL;

	cluster_day2_service_action(&w->user, w->id, svc,
	    *(const enum planner_cluster_action *)w->ctx, &w->idem, out);
}

/*
 * POST /v1/loom/clusters/{id}/services[/{svc}]/{start,stop,restart}: no
 * body is read; the action is the descriptor's ctx.
 */
static const struct api_common_write_desc api_cluster_day2_op_start =
    API_COMMON_WRITE_BY_ID(api_cluster_day2_runtime_store,
	&(const enum planner_cluster_action){ PLANNER_START_SERVICES });
static const struct api_common_write_desc api_cluster_day2_op_stop =
    API_COMMON_WRITE_BY_ID(api_cluster_day2_runtime_store,
	&(const enum planner_cluster_action){ PLANNER_STOP_SERVICES });
static const struct api_common_write_desc api_cluster_day2_op_restart =
    API_COMMON_WRITE_BY_ID(api_cluster_day2_runtime_store,
	&(const enum planner_cluster_action){ PLANNER_RESTART_SERVICES });

const struct api_route api_cluster_day2_routes[] = {
	{ "GET", "/v1/loom/clusters/{id}/config", api_common_cluster_read,
	    "a cluster's config", &api_cluster_day2_config_get },
	{ "PUT", "/v1/loom/clusters/{id}/config", api_common_cluster_write,
	    "reconfigure a cluster", &api_cluster_day2_config_put },
	{ "POST", "/v1/loom/clusters/{id}/services", api_common_cluster_write,
	    "add services to a cluster", &api_cluster_day2_add },
	{ "POST", "/v1/loom/clusters/{id}/services/start",
	    api_common_cluster_write, "start a cluster's services",
	    &api_cluster_day2_op_start },
	{ "POST", "/v1/loom/clusters/{id}/services/stop",
	    api_common_cluster_write, "stop a cluster's services",
	    &api_cluster_day2_op_stop },
	{ "POST", "/v1/loom/clusters/{id}/services/restart",
	    api_common_cluster_write, "restart a cluster's services",
	    &api_cluster_day2_op_restart },
	{ "POST", "/v1/loom/clusters/{id}/services/{svc}/start",
	    api_common_cluster_write, "start a service and what it needs",
	    &api_cluster_day2_op_start },
	{ "POST", "/v1/loom/clusters/{id}/services/{svc}/stop",
	    api_common_cluster_write, "stop a service and what needs it",
	    &api_cluster_day2_op_stop },
	{ "POST", "/v1/loom/clusters/{id}/services/{svc}/restart",
	    api_common_cluster_write, "restart a service and what needs it",
	    &api_cluster_day2_op_restart },
	{ NULL, NULL, NULL, NULL, NULL },
};
