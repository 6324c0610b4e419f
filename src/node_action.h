/* SPDX-License-Identifier: Apache-2.0 */
/*
 * node_action.h - the actions a node's document records (the "actions"
 * of GET /clusters/{id}, LOOM-0.9-API.md section 3.3): a task's action is
 * written once, ended, when the task finishes or fails without a finish;
 * while it runs GET shows it from the task row (cluster_view.c).
 */
#ifndef LOOMD_NODE_ACTION_H
#define LOOMD_NODE_ACTION_H

#include <json-c/json.h>
#include <stdint.h>

#include "db.h"

/* A task's action as it ended; every member borrowed. */
struct node_action {
	const char *task_id;
	const char *service;
	const char *action;	    /* the task's name, UPPER */
	const char *status;	    /* "complete" or "failed" */
	struct json_object *result; /* the provisioner's result, or NULL */
	const char *stdout_s;	    /* kept (truncated) when failed */
	const char *stderr_s;
	int64_t taken_at; /* the take: submitTime */
	int64_t now;	  /* statusTime */
};

/*
 * Append a's action, ended, to doc, the document of node node_id that
 * the caller read FOR UPDATE, merge a's result into the node's
 * properties, and write the document back (a corrupt one is left as it
 * is).  Everything borrowed.
 */
enum db_status node_action_end_tx(struct db_conn *c, const char *node_id,
    const char *doc, const struct node_action *a);

/*
 * Record on node node_id (NULL, or a node that is gone: nothing) that
 * task, taken at taken_at, ended at now without a finish: a failed
 * action with msg as its stderr.  Reads the node FOR UPDATE; everything
 * borrowed.
 */
enum db_status node_action_fail_tx(struct db_conn *c, const char *task,
    const char *node_id, const char *service, const char *action,
    const char *msg, int64_t taken_at, int64_t now);

#endif /* LOOMD_NODE_ACTION_H */
