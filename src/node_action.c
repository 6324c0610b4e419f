/* SPDX-License-Identifier: Apache-2.0 */
/*
 * node_action.c - a task's action on its node's document (see
 * node_action.h): appended once, ended, with the provisioner's result
 * merged into the node's properties.
 */
#include "config.h"

#include "node_action.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cluster_view.h"
#include "domain.h"
#include "jsonx.h"

/* Truncate a log to the last max characters, prefixed "[snipped]". */
static char *
node_action_truncate_log(const char *s, int64_t max)
{
	size_t n;

	if (s == NULL)
		return xstrdup("");
	n = strlen(s);
	if ((int64_t)n <= max)
		return xstrdup(s);
	return xasprintf("[snipped]%s", s + n - (size_t)max);
}

/*
 * Append the task's action, ended: the in_progress action that GET
 * /clusters/{id} showed while the task ran (cluster_read.c builds it from
 * the task row), closed now with its status (and, failed, its logs); then
 * merge the provisioner's result into the node's properties.
 */
static void
node_action_add(struct json_object *node, const struct node_action *a)
{
	struct json_object *acts, *act, *props;
	size_t n;

	cluster_view_node_open_action(node, a->task_id, a->service, a->action,
	    a->taken_at, domain_cfg()->node_max_actions);
	acts = jsonx_get(node, "actions");
	n = json_object_array_length(acts);
	act = json_object_array_get_idx(acts, n - 1);
	jsonx_set(act, "status", jsonx_new_string(a->status));
	jsonx_set(act, "statusTime", jsonx_new_int64(a->now));
	if (strcmp(a->status, "failed") == 0) {
		char *o = node_action_truncate_log(a->stdout_s,
		    domain_cfg()->node_max_log_length);
		char *e = node_action_truncate_log(a->stderr_s,
		    domain_cfg()->node_max_log_length);

		jsonx_set(act, "stdout", jsonx_new_string(o));
		jsonx_set(act, "stderr", jsonx_new_string(e));
		free(o);
		free(e);
	}
	if (a->result != NULL &&
	    json_object_is_type(a->result, json_type_object)) {
		if (!json_object_object_get_ex(node, "properties", &props)) {
			props = jsonx_new_object();
			jsonx_set(node, "properties", props);
		}
		json_object_object_foreach (a->result, k, v)
			jsonx_set(props, k, jsonx_copy(v));
	}
}

enum db_status
node_action_end_tx(struct db_conn *c, const char *node_id, const char *doc,
    const struct node_action *a)
{
	struct json_object *node;
	enum db_status st;

	if ((node = domain_parse(doc)) == NULL)
		return DB_OK; /* corrupt (logged): left as it is */
	node_action_add(node, a);
	st = db_exec(c,
	    "UPDATE nodes SET doc = ?, version = version + 1 WHERE id = ?",
	    NULL, "ss", json_object_to_json_string_ext(node, DOMAIN_JSON),
	    node_id);
	json_object_put(node);
	return st;
}

enum db_status
node_action_fail_tx(struct db_conn *c, const char *task, const char *node_id,
    const char *service, const char *action, const char *msg, int64_t taken_at,
    int64_t now)
{
	struct node_action a = { task, service, action, "failed", NULL, "",
		msg, taken_at, now };
	struct db_rows *r;
	enum db_status st;

	if (node_id == NULL)
		return DB_OK;
	if ((st = db_query(c, "SELECT doc FROM nodes WHERE id = ? FOR UPDATE",
		 &r, "s", node_id)) != DB_OK)
		return st;
	if (r->nrows == 1) /* else the node is gone: nothing to record */
		st = node_action_end_tx(c, node_id, db_rows_get(r, 0, 0), &a);
	db_rows_free(r);
	return st;
}
