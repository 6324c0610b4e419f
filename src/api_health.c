/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api_health.c - the health routes.  None touches the database: /readyz
 * reads the state cached by the health probe thread, so it answers at once
 * even when the database hangs.
 */
#include "config.h"

#include "api_health.h"

#include <json-c/json.h>
#include <string.h>

#include "cfg.h"
#include "health.h"
#include "scheduler.h"

static const struct cfg *api_health_cfg;

void
api_health_init(const struct cfg *cfg)
{
	api_health_cfg = cfg;
}

/* GET /status: Loom's plain "OK\n". */
static enum api_status
api_health_status(struct http_req *req UNUSED, struct http_resp *resp)
{
	http_resp_text(resp, "OK\n");
	resp->content_type = "text/plain";
	return API_OK;
}

/* GET /healthz: the process is alive. */
static enum api_status
api_health_healthz(struct http_req *req UNUSED, struct http_resp *resp)
{
	http_resp_text(resp, "{\"status\":\"alive\"}");
	return API_OK;
}

/* GET /readyz: 200 when ready, else 503 naming the reason. */
static enum api_status
api_health_readyz(struct http_req *req UNUSED, struct http_resp *resp)
{
	json_object *o, *g;
	struct health_state hs;

	health_get(&hs);
	o = json_object_new_object();
	json_object_object_add(o, "status",
	    json_object_new_string(hs.ready ? "ready" : "not ready"));
	if (!hs.ready)
		json_object_object_add(o, "reason",
		    json_object_new_string(hs.reason));
	json_object_object_add(o, "datacenter",
	    json_object_new_string(api_health_cfg->datacenter));
	json_object_object_add(o, "database_reachable",
	    json_object_new_boolean(hs.db_reachable));
	json_object_object_add(o, "draining",
	    json_object_new_boolean(hs.draining));
	json_object_object_add(o, "probe_age_ms",
	    json_object_new_int64(hs.probe_age_ms));
	g = json_object_new_object();
	json_object_object_add(g, "wsrep_on",
	    json_object_new_boolean(hs.wsrep.wsrep_on));
	if (hs.wsrep.wsrep_on) {
		json_object_object_add(g, "wsrep_ready",
		    json_object_new_boolean(hs.wsrep.ready));
		json_object_object_add(g, "cluster_status",
		    json_object_new_string(hs.wsrep.cluster_status));
		json_object_object_add(g, "local_state",
		    json_object_new_int(hs.wsrep.local_state));
		json_object_object_add(g, "local_state_comment",
		    json_object_new_string(hs.wsrep.local_state_comment));
		json_object_object_add(g, "cluster_size",
		    json_object_new_int64(hs.wsrep.cluster_size));
	}
	json_object_object_add(o, "galera", g);
	{
		char adopted[256];

		scheduler_adopted(adopted, sizeof adopted);
		json_object_object_add(o, "adopted_datacenters",
		    json_object_new_string(adopted));
	}
	/* Copy the text out; json-c frees its buffer with o. */
	http_resp_text(resp, json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	if (!hs.ready) {
		/* The body already names the reason; send it as is. */
		resp->code = 503;
		return API_OK;
	}
	return API_OK;
}

const struct api_route api_health_routes[] = {
	{ "GET", "/status", api_health_status, "Loom liveness: OK" },
	{ "GET", "/healthz", api_health_healthz, "process liveness" },
	{ "GET", "/readyz", api_health_readyz,
	  "readiness for load balancers (Galera state, drain file)" },
	{ NULL, NULL, NULL, NULL },
};
