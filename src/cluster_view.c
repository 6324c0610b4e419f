/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cluster_view.c - rows to Loom JSON (see cluster_view.h).
 */
#include "config.h"

#include "cluster_view.h"

#include <stdlib.h>

#include "domain.h"
#include "ids.h"
#include "jsonin.h"

struct json_object *
cluster_view_new_doc(const char *cid, const char *name,
    const char *description, int64_t now, const char *jid,
    const char *owner, struct json_object *config)
{
	struct json_object *doc, *jobs;

	doc = jsonin_new_object();
	jsonin_set(doc, "id", jsonin_new_string(cid));
	jsonin_set(doc, "name", jsonin_new_string(name));
	jsonin_set(doc, "description", jsonin_new_string(description != NULL ?
	    description : ""));
	jsonin_set(doc, "createTime", jsonin_new_int64(now));
	jsonin_set(doc, "expireTime", jsonin_new_int64(0));
	jsonin_set(doc, "nodes", jsonin_new_array());
	jsonin_set(doc, "services", jsonin_new_array());
	jobs = jsonin_new_array();
	jsonin_append(jobs, jsonin_new_string(jid));
	jsonin_set(doc, "jobs", jobs);
	jsonin_set(doc, "ownerId", jsonin_new_string(owner));
	jsonin_set(doc, "status", jsonin_new_string("pending"));
	jsonin_set(doc, "config", config != NULL ? jsonin_copy(config) :
	    jsonin_new_object());
	return doc;
}

struct json_object *
cluster_view_summary(const struct db_rows *r, size_t i)
{
	struct json_object *o = jsonin_new_object();
	char cid[32];

	jsonin_set(o, "id", jsonin_new_string(ids_format_cluster(
	    db_rows_int(r, i, 0), cid, sizeof cid)));
	jsonin_set(o, "name", jsonin_new_string(db_rows_get(r, i, 1)));
	jsonin_set(o, "createTime", jsonin_new_int64(db_rows_int(r, i, 2)));
	jsonin_set(o, "expireTime", jsonin_new_int64(db_rows_int(r, i, 3)));
	jsonin_set(o, "clusterTemplate", jsonin_new_string(db_rows_get(r, i,
	    4)));
	jsonin_set(o, "numNodes", jsonin_new_int64(db_rows_int(r, i, 5)));
	jsonin_set(o, "status", jsonin_new_string(db_rows_get(r, i, 6)));
	jsonin_set(o, "ownerId", jsonin_new_string(db_rows_get(r, i, 7)));
	return o;
}

struct json_object *
cluster_view_status(int64_t id, const char *cstatus, const char *action,
    const char *action_status, int64_t total, int64_t done)
{
	struct json_object *o = jsonin_new_object();
	char cid[32];

	jsonin_set(o, "clusterid", jsonin_new_string(ids_format_cluster(id,
	    cid, sizeof cid)));
	jsonin_set(o, "stepstotal", jsonin_new_int64(total));
	jsonin_set(o, "stepscompleted", jsonin_new_int64(done));
	jsonin_set(o, "status", jsonin_new_string(cstatus));
	jsonin_set(o, "actionstatus", jsonin_new_string(action_status));
	jsonin_set(o, "action", jsonin_new_string(action));
	return o;
}

struct json_object *
cluster_view_plan(const char *jid, int64_t cluster, const char *action,
    int64_t current_stage, const struct db_rows *r)
{
	struct json_object *o, *stages, *stage = NULL, *t;
	int64_t cur = -1, s;
	char cid[32];
	size_t i;

	o = jsonin_new_object();
	jsonin_set(o, "id", jsonin_new_string(jid));
	jsonin_set(o, "clusterId", jsonin_new_string(ids_format_cluster(
	    cluster, cid, sizeof cid)));
	jsonin_set(o, "action", jsonin_new_string(action));
	jsonin_set(o, "currentStage", jsonin_new_int64(current_stage));
	stages = jsonin_new_array();
	for (i = 0; i < r->nrows; i++) {
		s = db_rows_int(r, i, 4);
		if (s != cur) {
			stage = jsonin_new_array();
			jsonin_append(stages, stage);
			cur = s;
		}
		t = jsonin_new_object();
		jsonin_set(t, "id", jsonin_new_string(db_rows_get(r, i, 0)));
		jsonin_set(t, "taskName", jsonin_new_string(db_rows_get(r, i,
		    1)));
		jsonin_set(t, "nodeId", jsonin_new_string(db_rows_get(r, i,
		    2) != NULL ? db_rows_get(r, i, 2) : ""));
		jsonin_set(t, "service", jsonin_new_string(db_rows_get(r, i,
		    3)));
		jsonin_append(stage, t);
	}
	jsonin_set(o, "stages", stages);
	return o;
}

char *
cluster_view_task(const char *id, const char *job, int64_t cluster,
    const char *name, const char *node, const char *config)
{
	struct json_object *o = jsonin_new_object(), *cfg;
	char cid[32], *s;

	jsonin_set(o, "taskId", jsonin_new_string(id));
	jsonin_set(o, "jobId", jsonin_new_string(job));
	jsonin_set(o, "clusterId", jsonin_new_string(ids_format_cluster(
	    cluster, cid, sizeof cid)));
	jsonin_set(o, "taskName", jsonin_new_string(name));
	if (node != NULL)
		jsonin_set(o, "nodeId", jsonin_new_string(node));
	cfg = domain_parse(config != NULL ? config : "{}");
	jsonin_set(o, "config", cfg != NULL ? cfg : jsonin_new_object());
	s = xstrdup(json_object_to_json_string_ext(o, DOMAIN_JSON));
	json_object_put(o);
	return s;
}
