/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cluster_view.c - rows to Loom JSON (see cluster_view.h).
 */
#include "config.h"

#include "cluster_view.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "domain.h"
#include "ids.h"
#include "jsonin.h"
#include "jsonsplice.h"
#include "jsonx.h"

struct json_object *
cluster_view_new_doc(const char *cid, const char *name,
    const char *description, int64_t now, const char *jid, const char *owner,
    struct json_object *config)
{
	struct json_object *doc, *jobs;

	doc = jsonx_new_object();
	jsonx_set(doc, "id", jsonx_new_string(cid));
	jsonx_set(doc, "name", jsonx_new_string(name));
	jsonx_set(doc, "description",
	    jsonx_new_string(description != NULL ? description : ""));
	jsonx_set(doc, "createTime", jsonx_new_int64(now));
	jsonx_set(doc, "expireTime", jsonx_new_int64(0));
	jsonx_set(doc, "nodes", jsonx_new_array());
	jsonx_set(doc, "services", jsonx_new_array());
	jobs = jsonx_new_array();
	jsonx_append(jobs, jsonx_new_string(jid));
	jsonx_set(doc, "jobs", jobs);
	jsonx_set(doc, "ownerId", jsonx_new_string(owner));
	jsonx_set(doc, "status", jsonx_new_string("pending"));
	jsonx_set(doc, "config",
	    config != NULL ? jsonx_copy(config) : jsonx_new_object());
	return doc;
}

struct json_object *
cluster_view_summary(const struct db_rows *r, size_t i)
{
	struct json_object *o = jsonx_new_object();
	char cid[32];

	jsonx_set(o, "id",
	    jsonx_new_string(
		ids_format_cluster(db_rows_int(r, i, 0), cid, sizeof cid)));
	jsonx_set(o, "name", jsonx_new_string(db_rows_get(r, i, 1)));
	jsonx_set(o, "createTime", jsonx_new_int64(db_rows_int(r, i, 2)));
	jsonx_set(o, "expireTime", jsonx_new_int64(db_rows_int(r, i, 3)));
	jsonx_set(o, "clusterTemplate",
	    jsonx_new_string(db_rows_get(r, i, 4)));
	jsonx_set(o, "numNodes", jsonx_new_int64(db_rows_int(r, i, 5)));
	jsonx_set(o, "status", jsonx_new_string(db_rows_get(r, i, 6)));
	jsonx_set(o, "ownerId", jsonx_new_string(db_rows_get(r, i, 7)));
	return o;
}

/* The members of a summary: the text before each value, its column. */
static const struct {
	const char *lead;
	size_t col;
	enum {
		CLUSTER_VIEW_ID,
		CLUSTER_VIEW_STR,
		CLUSTER_VIEW_INT
	} kind;
} cluster_view_summary_fields[] = {
	{ "{\"id\":", 0, CLUSTER_VIEW_ID },
	{ ",\"name\":", 1, CLUSTER_VIEW_STR },
	{ ",\"createTime\":", 2, CLUSTER_VIEW_INT },
	{ ",\"expireTime\":", 3, CLUSTER_VIEW_INT },
	{ ",\"clusterTemplate\":", 4, CLUSTER_VIEW_STR },
	{ ",\"numNodes\":", 5, CLUSTER_VIEW_INT },
	{ ",\"status\":", 6, CLUSTER_VIEW_STR },
	{ ",\"ownerId\":", 7, CLUSTER_VIEW_STR },
};

/* Write the summaries of r at o (NULL: measure); returns the length. */
static size_t
cluster_view_summaries_put(char *o, const struct db_rows *r)
{
	const size_t nf = sizeof cluster_view_summary_fields /
	    sizeof cluster_view_summary_fields[0];
	size_t at = 0, i, f, col;
	char cid[32];

	at = jsonsplice_put(o, at, "[", 1);
	for (i = 0; i < r->nrows; i++) {
		if (i > 0)
			at = jsonsplice_put(o, at, ",", 1);
		for (f = 0; f < nf; f++) {
			col = cluster_view_summary_fields[f].col;
			at = jsonsplice_put(o, at,
			    cluster_view_summary_fields[f].lead,
			    strlen(cluster_view_summary_fields[f].lead));
			switch (cluster_view_summary_fields[f].kind) {
			case CLUSTER_VIEW_ID:
				at = jsonsplice_put_string(o, at,
				    ids_format_cluster(db_rows_int(r, i, col),
					cid, sizeof cid));
				break;
			case CLUSTER_VIEW_STR:
				at = jsonsplice_put_string(o, at,
				    db_rows_get(r, i, col));
				break;
			case CLUSTER_VIEW_INT:
				at = jsonsplice_put_int(o, at,
				    db_rows_int(r, i, col));
				break;
			}
		}
		at = jsonsplice_put(o, at, "}", 1);
	}
	return jsonsplice_put(o, at, "]", 1);
}

char *
cluster_view_summaries(const struct db_rows *r)
{
	size_t len = cluster_view_summaries_put(NULL, r);
	char *s = xmalloc(len + 1);

	cluster_view_summaries_put(s, r);
	s[len] = '\0';
	return s;
}

const char *const cluster_view_statuses[CLUSTER_VIEW_NSTATUS] = {
	"PENDING",
	"ACTIVE",
	"INCOMPLETE",
	"INCONSISTENT",
	"TERMINATED",
};

unsigned int
cluster_view_status_filter(const char *param, int *unknown)
{
	unsigned int mask = 0;
	const char *p, *end;
	size_t len;
	int i;

	if (unknown != NULL)
		*unknown = 0;
	for (p = param; p != NULL && *p != '\0';
	     p = *end != '\0' ? end + 1 : end) {
		end = p + strcspn(p, ",");
		len = (size_t)(end - p);
		for (i = 0; i < CLUSTER_VIEW_NSTATUS; i++)
			if (strlen(cluster_view_statuses[i]) == len &&
			    strncasecmp(p, cluster_view_statuses[i], len) == 0)
				break;
		if (i < CLUSTER_VIEW_NSTATUS)
			mask |= 1u << i;
		else if (unknown != NULL)
			(*unknown)++;
	}
	return mask;
}

struct json_object *
cluster_view_status(int64_t id, const char *cstatus, const char *action,
    const char *action_status, int64_t total, int64_t done)
{
	struct json_object *o = jsonx_new_object();
	char cid[32];

	jsonx_set(o, "clusterid",
	    jsonx_new_string(ids_format_cluster(id, cid, sizeof cid)));
	jsonx_set(o, "stepstotal", jsonx_new_int64(total));
	jsonx_set(o, "stepscompleted", jsonx_new_int64(done));
	jsonx_set(o, "status", jsonx_new_string(cstatus));
	jsonx_set(o, "actionstatus", jsonx_new_string(action_status));
	jsonx_set(o, "action", jsonx_new_string(action));
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

	o = jsonx_new_object();
	jsonx_set(o, "id", jsonx_new_string(jid));
	jsonx_set(o, "clusterId",
	    jsonx_new_string(ids_format_cluster(cluster, cid, sizeof cid)));
	jsonx_set(o, "action", jsonx_new_string(action));
	jsonx_set(o, "currentStage", jsonx_new_int64(current_stage));
	stages = jsonx_new_array();
	for (i = 0; i < r->nrows; i++) {
		s = db_rows_int(r, i, 4);
		if (s != cur) {
			stage = jsonx_new_array();
			jsonx_append(stages, stage);
			cur = s;
		}
		t = jsonx_new_object();
		jsonx_set(t, "id", jsonx_new_string(db_rows_get(r, i, 0)));
		jsonx_set(t, "taskName",
		    jsonx_new_string(db_rows_get(r, i, 1)));
		jsonx_set(t, "nodeId",
		    jsonx_new_string(db_rows_get(r, i, 2) != NULL ?
			    db_rows_get(r, i, 2) :
			    ""));
		jsonx_set(t, "service",
		    jsonx_new_string(db_rows_get(r, i, 3)));
		jsonx_append(stage, t);
	}
	jsonx_set(o, "stages", stages);
	return o;
}

void
cluster_view_node_open_action(struct json_object *node, const char *task_id,
    const char *service, const char *action, int64_t at, int64_t max)
{
	struct json_object *acts, *act, *trimmed;
	size_t n, i;

	if (!json_object_object_get_ex(node, "actions", &acts) ||
	    !json_object_is_type(acts, json_type_array)) {
		acts = jsonx_new_array();
		jsonx_set(node, "actions", acts);
	}
	act = jsonx_new_object();
	jsonx_set(act, "taskId", jsonx_new_string(task_id));
	jsonx_set(act, "service", jsonx_new_string(service));
	jsonx_set(act, "action", jsonx_new_string(action));
	jsonx_set(act, "submitTime", jsonx_new_int64(at));
	jsonx_set(act, "statusTime", jsonx_new_int64(at));
	jsonx_set(act, "status", jsonx_new_string("in_progress"));
	jsonx_append(acts, act);
	n = json_object_array_length(acts);
	if ((int64_t)n > max) {
		trimmed = jsonx_new_array();
		for (i = n - (size_t)max; i < n; i++)
			jsonx_append(trimmed,
			    json_object_get(
				json_object_array_get_idx(acts, i)));
		jsonx_set(node, "actions", trimmed);
	}
}

/* Does node (a node doc) run every service named in want? */
bool
cluster_view_node_has(struct json_object *node, struct json_object *want)
{
	struct json_object *have, *sv;
	size_t i, j, n;
	bool found;

	n = want != NULL ? json_object_array_length(want) : 0;
	if (n == 0)
		return true;
	if (!json_object_object_get_ex(node, "services", &have) ||
	    !json_object_is_type(have, json_type_array))
		return false;
	for (i = 0; i < n; i++) {
		const char *w =
		    json_object_get_string(json_object_array_get_idx(want, i));

		found = false;
		for (j = 0; j < json_object_array_length(have) && !found;
		     j++) {
			const char *name;

			sv = json_object_array_get_idx(have, j);
			name = json_object_is_type(sv, json_type_string) ?
			    json_object_get_string(sv) :
			    jsonx_get_str(sv, "name");
			found = name != NULL && strcmp(name, w) == 0;
		}
		if (!found)
			return false;
	}
	return true;
}

/*
 * The text of cluster_view_task() at o (NULL: measures); its length.
 * Without map, cfg is the whole config; with it, cfg is the config up to
 * its closing brace ("{" alone when it has no member).
 */
static size_t
cluster_view_task_put(char *o, const char *const f[5], const char *cfg,
    size_t cfglen, const char *map, size_t maplen)
{
	static const char *const keys[5] = { "{\"taskId\":", ",\"jobId\":",
		",\"clusterId\":", ",\"taskName\":", ",\"nodeId\":" };
	size_t at = 0, i;

	for (i = 0; i < 5; i++) {
		if (f[i] == NULL)
			continue; /* only the node is optional */
		at = jsonsplice_put(o, at, keys[i], strlen(keys[i]));
		at = jsonsplice_put_string(o, at, f[i]);
	}
	at = jsonsplice_put(o, at, ",\"config\":", 10);
	at = jsonsplice_put(o, at, cfg, cfglen);
	if (map != NULL) {
		at = cfglen > 1 ? jsonsplice_put(o, at, ",\"nodes\":", 9) :
				  jsonsplice_put(o, at, "\"nodes\":", 8);
		at = jsonsplice_put(o, at, map, maplen);
		at = jsonsplice_put(o, at, "}", 1);
	}
	return jsonsplice_put(o, at, "}", 1);
}

/*
 * The config and the map are spliced in as the text they are stored as
 * (json-c's own text), not parsed and written again, and into the one
 * allocation of the answer: with a 10,000-node cluster's map (1.1 MB)
 * parsing cost about 40 ms of CPU per take, and every copy of the map
 * costs its pages.
 */
char *
cluster_view_task(const char *id, const char *job, int64_t cluster,
    const char *name, const char *node, const char *config,
    const struct cluster_view_map *map)
{
	char cid[32], *s;
	const char *f[5] = { id, job,
		ids_format_cluster(cluster, cid, sizeof cid), name, node };
	size_t cfglen = config != NULL ? strlen(config) : 0, maplen = 0, n;
	const char *cfg = config, *mtext = NULL, *p;

	if (map != NULL) {
		mtext = map->text;
		maplen = map->len;
	}
	if (config == NULL || !jsonsplice_is_object(config, cfglen) ||
	    (mtext != NULL && !map->checked &&
		!jsonsplice_is_object(mtext, maplen))) {
		cfg = "{}";
		cfglen = 2;
		mtext = NULL;
	} else if (mtext != NULL) {
		/* A valid object: its first '{' opens it, its last '}' ends it. */
		p = strchr(config, '{') + 1;
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (*p == '}') {
			cfg = "{";
			cfglen = 1;
		} else {
			cfglen = (size_t)(strrchr(config, '}') - config);
		}
	}
	n = cluster_view_task_put(NULL, f, cfg, cfglen, mtext, maplen);
	s = xmalloc(n + 1);
	cluster_view_task_put(s, f, cfg, cfglen, mtext, maplen);
	s[n] = '\0';
	return s;
}
