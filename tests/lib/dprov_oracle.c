/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dprov_oracle.c - json-c's reading of a take's answer, and its comparison
 * with loom-dummy-provisioner's cursor (see dprov_oracle.h).
 */
#include "config.h"

#include "dprov_oracle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "dprov.h"

/* A member as json-c's reading gives it (a string or an integer). */
static char *
dprov_oracle_dup(struct json_object *o, const char *key)
{
	struct json_object *v;
	const char *s;

	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v))
		return NULL;
	switch (json_object_get_type(v)) {
	case json_type_string:
		s = json_object_get_string(v);
		return *s != '\0' ? xstrdup(s) : NULL;
	case json_type_int:
		return xasprintf("%lld", (long long)json_object_get_int64(v));
	default:
		return NULL;
	}
}

/*
 * The task as json-c reads it, a new task the caller frees with
 * dprov_task_free(), or NULL if json-c refuses it.
 */
static struct dprov_task *
dprov_oracle_parse(const char *body, size_t len)
{
	struct json_tokener *tok = xcheck(json_tokener_new());
	struct json_object *root, *config = NULL, *nodes, *node;
	struct dprov_task *t;
	size_t i;
	int ok;

	root = json_tokener_parse_ex(tok, body, (int)len);
	ok = root != NULL &&
	    json_tokener_get_error(tok) == json_tokener_success;
	for (i = ok ? json_tokener_get_parse_end(tok) : len; i < len; i++)
		if (strchr(" \t\r\n", body[i]) == NULL || body[i] == '\0')
			ok = 0;
	json_tokener_free(tok);
	t = xcalloc(1, sizeof *t);
	if (!ok || !json_object_is_type(root, json_type_object) ||
	    (t->task_id = dprov_oracle_dup(root, "taskId")) == NULL) {
		json_object_put(root);
		dprov_task_free(t);
		return NULL;
	}
	t->job_id = dprov_oracle_dup(root, "jobId");
	t->cluster_id = dprov_oracle_dup(root, "clusterId");
	t->task_name = dprov_oracle_dup(root, "taskName");
	if (t->task_name == NULL)
		t->task_name = xstrdup("");
	t->node_id = dprov_oracle_dup(root, "nodeId");
	json_object_object_get_ex(root, "config", &config);
	t->hostname = dprov_oracle_dup(config, "hostname");
	if (t->hostname == NULL && t->node_id != NULL &&
	    json_object_is_type(config, json_type_object) &&
	    json_object_object_get_ex(config, "nodes", &nodes) &&
	    json_object_is_type(nodes, json_type_object) &&
	    json_object_object_get_ex(nodes, t->node_id, &node))
		t->hostname = dprov_oracle_dup(node, "hostname");
	json_object_put(root);
	return t;
}

/* Whether a and b are both NULL or the same string. */
static int
dprov_oracle_same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

enum dprov_oracle_verdict
dprov_oracle_check(const char *body, size_t len, char why[LOOMD_ERR_LEN])
{
	struct dprov_task *want, *got = NULL;
	enum dprov_oracle_verdict v;
	char err[LOOMD_ERR_LEN];

	want = dprov_oracle_parse(body, len);
	if (dprov_task_parse(body, len, &got, err) != 0) {
		v = got == NULL && err[0] != '\0' ?
		    (want != NULL ? DPROV_ORACLE_STRICTER :
				    DPROV_ORACLE_REFUSED) :
		    DPROV_ORACLE_DIFFER;
		if (v == DPROV_ORACLE_DIFFER)
			snprintf(why, LOOMD_ERR_LEN,
			    "refused, but left a task or gave no message");
	} else if (want == NULL) {
		v = DPROV_ORACLE_DIFFER;
		snprintf(why, LOOMD_ERR_LEN,
		    "the cursor accepted what json-c refuses");
	} else if (!dprov_oracle_same(got->task_id, want->task_id) ||
	    !dprov_oracle_same(got->job_id, want->job_id) ||
	    !dprov_oracle_same(got->cluster_id, want->cluster_id) ||
	    !dprov_oracle_same(got->task_name, want->task_name) ||
	    !dprov_oracle_same(got->node_id, want->node_id) ||
	    !dprov_oracle_same(got->hostname, want->hostname)) {
		v = DPROV_ORACLE_DIFFER;
		snprintf(why, LOOMD_ERR_LEN,
		    "values differ: taskId %.60s/%.60s nodeId %.60s/%.60s "
		    "hostname %.60s/%.60s",
		    got->task_id, want->task_id,
		    got->node_id ? got->node_id : "(null)",
		    want->node_id ? want->node_id : "(null)",
		    got->hostname ? got->hostname : "(null)",
		    want->hostname ? want->hostname : "(null)");
	} else {
		v = DPROV_ORACLE_ALIKE;
	}
	dprov_task_free(got);
	dprov_task_free(want);
	return v;
}
