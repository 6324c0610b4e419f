/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api_cluster_ops.c - handlers of the cluster operations of Loom 0.9.7
 * and Coopr 0.9.9 (see api_cluster_ops.h).  As in api_clusters.c they
 * validate with Loom's messages, call cluster_store or cluster_read and
 * answer through api_common_outcome().
 */
#include "config.h"

#include "api_cluster_ops.h"

#include <json-c/json.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "api_common.h"
#include "cluster_read.h"
#include "cluster_store.h"
#include "cluster_view.h"
#include "domain.h"
#include "jsonin.h"

unsigned int
api_cluster_ops_list_filter(struct http_req *req)
{
	const char *v = NULL;
	unsigned int mask;
	int unknown;

	if (req->conn != NULL)
		v = MHD_lookup_connection_value(req->conn,
		    MHD_GET_ARGUMENT_KIND, "status");
	mask = cluster_view_status_filter(v, &unknown);
	if (unknown > 0)
		log_info("clusters: status filter \"%.80s\": %d unknown "
			 "status name(s) ignored",
		    v, unknown);
	return mask;
}

/* The store call of pause and resume; w->ctx points to the pause flag. */
static void
api_cluster_ops_pause_store(const struct api_common_write *w,
    void *state UNUSED, struct domain_out *out)
{
	cluster_store_pause(&w->user, w->id, *(const bool *)w->ctx, out);
	/* Coopr answers both routes so on a store error. */
	if (out->res == DOMAIN_INTERNAL)
		snprintf(out->msg, sizeof out->msg, "Error pausing cluster.");
}

/* POST /v1/loom/clusters/{id}/pause */
static const struct api_common_write_desc api_cluster_ops_pause = {
	.by_id = true,
	.kick = false,
	.ctx = &(const bool){ true },
	.store = api_cluster_ops_pause_store,
};

/* POST /v1/loom/clusters/{id}/resume: resuming kicks the scheduler. */
static const struct api_common_write_desc api_cluster_ops_resume = {
	.by_id = true,
	.kick = true,
	.ctx = &(const bool){ false },
	.store = api_cluster_ops_pause_store,
};

/* An array of strings (or absent); false when it is anything else. */
static bool
api_cluster_ops_strings(struct json_object *body, const char *key,
    struct json_object **out)
{
	const char *s;
	size_t i;

	*out = NULL;
	switch (jsonin_get_array(body, key, out, NULL)) {
	case JSONIN_ABSENT:
		*out = NULL;
		return true;
	case JSONIN_BADTYPE:
		return false;
	default:
		break;
	}
	for (i = 0; i < json_object_array_length(*out); i++)
		if (jsonin_value_string(json_object_array_get_idx(*out, i),
			&s) != JSONIN_OK)
			return false;
	return true;
}

#define API_CLUSTER_OPS_BAD_BODY \
	"Invalid request body. Must be a valid JSON Object."

/* POST /v1/loom/getNodeProperties (LOOM-0.9.7-OPS.md section 8.7) */
static enum api_status
api_cluster_ops_node_properties(struct http_req *req, struct http_resp *resp)
{
	struct domain_out out = { DOMAIN_OK, "", NULL };
	struct json_object *body = NULL, *props, *svcs;
	struct cluster_store_user u;
	char err[LOOMD_ERR_LEN];
	enum api_status as;
	const char *cid;
	enum jsonin_get g;
	int64_t id;

	if ((as = api_common_cluster_user(req, resp, &u)) != API_OK)
		return as;
	/* An empty body is a bad request (Loom answered 500). */
	if (jsonin_parse(req->body, req->body_len, 0, &body, NULL, err) != 0)
		return http_fail(resp, API_BAD_REQUEST,
		    API_CLUSTER_OPS_BAD_BODY);
	g = jsonin_get_string(body, "clusterId", &cid, NULL);
	if (g == JSONIN_BADTYPE ||
	    !api_cluster_ops_strings(body, "properties", &props) ||
	    !api_cluster_ops_strings(body, "services", &svcs)) {
		json_object_put(body);
		return http_fail(resp, API_BAD_REQUEST,
		    API_CLUSTER_OPS_BAD_BODY);
	}
	if (g == JSONIN_ABSENT) {
		json_object_put(body);
		return http_fail(resp, API_BAD_REQUEST,
		    "clusterId must be specified.");
	}
	if (domain_parse_cluster_id(cid, &id) != 0) {
		/* No such cluster: no nodes. */
		json_object_put(body);
		resp->body = xstrdup("{}");
		return API_OK;
	}
	cluster_read_node_properties(&u, id, props, svcs, &out);
	json_object_put(body);
	return api_common_outcome(resp, &out);
}

const struct api_route api_cluster_ops_routes[] = {
	{ "POST", "/v1/loom/clusters/{id}/pause", api_common_cluster_write,
	    "pause a cluster's running job", &api_cluster_ops_pause },
	{ "POST", "/v1/loom/clusters/{id}/resume", api_common_cluster_write,
	    "resume a cluster's paused job", &api_cluster_ops_resume },
	{ "POST", "/v1/loom/getNodeProperties",
	    api_cluster_ops_node_properties,
	    "properties of a cluster's nodes, by service", NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};
