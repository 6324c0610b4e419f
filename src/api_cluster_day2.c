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
#include "auth.h"
#include "cluster_day2.h"
#include "domain.h"
#include "idem_store.h"
#include "jsonin.h"
#include "scheduler.h"

#define API_CLUSTER_DAY2_BAD_BODY "Invalid request body."

/* Authenticate, parse the cluster id and fill the user. */
static enum api_status
api_cluster_day2_user(struct http_req *req, struct http_resp *resp,
    struct cluster_store_user *u, int64_t *id)
{
	enum api_status st;
	bool is_admin;

	if ((st = auth_user(req, resp, &u->id, &is_admin)) != API_OK)
		return st;
	u->sees_all = is_admin || strcmp(u->id, AUTH_SYSTEM_USER) == 0;
	if (domain_parse_cluster_id(req->params[0], id) != 0)
		return http_fail(resp, API_BAD_REQUEST,
		    "invalid cluster id %s", req->params[0]);
	return API_OK;
}

/* GET /v1/loom/clusters/{id}/config */
static enum api_status
api_cluster_day2_config_get(struct http_req *req, struct http_resp *resp)
{
	struct domain_out out = { DOMAIN_OK, "", NULL };
	struct cluster_store_user u;
	enum api_status as;
	int64_t id;

	if ((as = api_cluster_day2_user(req, resp, &u, &id)) != API_OK)
		return as;
	cluster_day2_config(&u, id, &out);
	return api_common_outcome(resp, &out);
}

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

/* PUT /v1/loom/clusters/{id}/config */
static enum api_status
api_cluster_day2_config_put(struct http_req *req, struct http_resp *resp)
{
	struct domain_out out = { DOMAIN_OK, "", NULL };
	struct json_object *body = NULL, *config;
	struct cluster_store_user u;
	struct idem_store_key idem;
	char err[LOOMD_ERR_LEN], hex[65];
	enum jsonin_error why;
	enum api_status as;
	bool restart;
	int64_t id;

	if ((as = api_cluster_day2_user(req, resp, &u, &id)) != API_OK ||
	    (as = api_common_writable(resp)) != API_OK)
		return as;
	if (jsonin_parse(req->body, req->body_len, 0, &body, &why, err) != 0 ||
	    !json_object_object_get_ex(body, "config", &config) ||
	    !json_object_is_type(config, json_type_object) ||
	    api_cluster_day2_restart(body, &restart) != 0) {
		json_object_put(body);
		return http_fail(resp, API_BAD_REQUEST, "%s",
		    API_CLUSTER_DAY2_BAD_BODY);
	}
	api_common_idem(req, &idem, hex);
	cluster_day2_reconfigure(&u, id, config, restart, &idem, &out);
	json_object_put(body);
	scheduler_kick();
	return api_common_outcome(resp, &out);
}

/* POST /v1/loom/clusters/{id}/services */
static enum api_status
api_cluster_day2_add(struct http_req *req, struct http_resp *resp)
{
	struct domain_out out = { DOMAIN_OK, "", NULL };
	struct json_object *body = NULL, *arr;
	struct cluster_store_user u;
	struct idem_store_key idem;
	char err[LOOMD_ERR_LEN], hex[65];
	enum jsonin_error why;
	enum api_status as;
	const char **names;
	size_t i, n = 0;
	int64_t id;

	if ((as = api_cluster_day2_user(req, resp, &u, &id)) != API_OK ||
	    (as = api_common_writable(resp)) != API_OK)
		return as;
	/* A non-empty array of strings (AddServicesRequestCodec). */
	if (jsonin_parse(req->body, req->body_len, 0, &body, &why, err) != 0 ||
	    !json_object_object_get_ex(body, "services", &arr) ||
	    !json_object_is_type(arr, json_type_array) ||
	    (n = json_object_array_length(arr)) == 0) {
		json_object_put(body);
		return http_fail(resp, API_BAD_REQUEST, "%s",
		    API_CLUSTER_DAY2_BAD_BODY);
	}
	names = xcalloc(n, sizeof *names);
	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);

		if (!json_object_is_type(e, json_type_string) ||
		    json_object_get_string_len(e) == 0) {
			free(names);
			json_object_put(body);
			return http_fail(resp, API_BAD_REQUEST, "%s",
			    API_CLUSTER_DAY2_BAD_BODY);
		}
		names[i] = json_object_get_string(e);
	}
	api_common_idem(req, &idem, hex);
	cluster_day2_add_services(&u, id, names, n, &idem, &out);
	free(names);
	json_object_put(body);
	scheduler_kick();
	return api_common_outcome(resp, &out);
}

/*
 * POST /v1/loom/clusters/{id}/services[/{svc}]/{start,stop,restart}: the
 * action is the last segment of the path; no body is read.
 */
static enum api_status
api_cluster_day2_runtime(struct http_req *req, struct http_resp *resp)
{
	struct domain_out out = { DOMAIN_OK, "", NULL };
	struct cluster_store_user u;
	struct idem_store_key idem;
	enum planner_cluster_action ca;
	const char *op, *svc;
	enum api_status as;
	char hex[65];
	int64_t id;

	if ((as = api_cluster_day2_user(req, resp, &u, &id)) != API_OK ||
	    (as = api_common_writable(resp)) != API_OK)
		return as;
	op = strrchr(req->path, '/');
	op = op != NULL ? op + 1 : req->path;
	if (strcmp(op, "start") == 0)
		ca = PLANNER_START_SERVICES;
	else if (strcmp(op, "stop") == 0)
		ca = PLANNER_STOP_SERVICES;
	else
		ca = PLANNER_RESTART_SERVICES;
	svc = req->nparams > 1 ? req->params[1] : NULL;
	api_common_idem(req, &idem, hex);
	cluster_day2_service_action(&u, id, svc, ca, &idem, &out);
	scheduler_kick();
	return api_common_outcome(resp, &out);
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
