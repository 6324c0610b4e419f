/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cluster_view.h - the Loom JSON of the cluster domain (LOOM-0.9-API.md
 * section 1.5 and 1.7), built from rows the stores read.  Pure: no
 * database access, no globals.  Every function returns a new object (or
 * string) the caller owns.
 */
#ifndef LOOMD_CLUSTER_VIEW_H
#define LOOMD_CLUSTER_VIEW_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"

/*
 * The stored document of a new cluster: id cid, no nodes yet, job jid,
 * status "pending" and a copy of config (NULL: {}).  All borrowed.
 */
struct json_object *cluster_view_new_doc(const char *cid, const char *name,
    const char *description, int64_t now, const char *jid, const char *owner,
    struct json_object *config);

/*
 * A cluster summary of GET /clusters from row i of r (id, name,
 * create_time, expire_time, template_name, num_nodes, status, owner_id).
 */
struct json_object *cluster_view_summary(const struct db_rows *r, size_t i);

/*
 * The JSON array of GET /clusters: the summaries of every row of r (the
 * columns of cluster_view_summary()), written as text with the same bytes
 * as json-c gives for those objects.  Returns a string the caller frees.
 */
char *cluster_view_summaries(const struct db_rows *r);

/* The cluster statuses, in Loom's order (upper-case, as stored). */
#define CLUSTER_VIEW_NSTATUS 5
extern const char *const cluster_view_statuses[CLUSTER_VIEW_NSTATUS];

/*
 * The status filter of GET /clusters?status=a,b (Coopr 0.9.9): the bit
 * 1 << i of each name in the comma-separated list param (NULL: none)
 * that is cluster_view_statuses[i] in any case.  Names are not trimmed;
 * unknown ones are ignored (counted in *unknown when not NULL).  0 means
 * no filter.
 */
unsigned int cluster_view_status_filter(const char *param, int *unknown);

/* The status object of cluster id (its status cstatus) and its job. */
struct json_object *cluster_view_status(int64_t id, const char *cstatus,
    const char *action, const char *action_status, int64_t total,
    int64_t done);

/*
 * The plan of job jid of cluster (action, current stage), its stages from
 * the task rows r (id, task_name, node_id, service, stage), in stage order.
 */
struct json_object *cluster_view_plan(const char *jid, int64_t cluster,
    const char *action, int64_t current_stage, const struct db_rows *r);

/*
 * Append to node's "actions" (made an array when it is not one) the
 * action of task task_id: service, action (upper case), submitTime and
 * statusTime at, status "in_progress"; then drop the oldest actions past
 * max.  Strings borrowed.  What a node shows while a task on it runs,
 * and the action a finish then closes.
 */
void cluster_view_node_open_action(struct json_object *node,
    const char *task_id, const char *service, const char *action, int64_t at,
    int64_t max);
/*
 * Does node (a node doc) run every service named in want (a JSON array
 * of names, NULL or empty: any node)?  Both borrowed.
 */
bool cluster_view_node_has(struct json_object *node, struct json_object *want);

/*
 * The text of a job's nodes map for cluster_view_task(): len bytes at
 * text.  checked: the caller knows it is one JSON object, so it is not
 * scanned again (a 10,000-node map is 1.1 MB, and every take of the job
 * sends it).
 */
struct cluster_view_map {
	const char *text;
	size_t len;
	bool checked;
};

/*
 * The SchedulableTask JSON text of a task: config is its JSON text, sent
 * as it is when it is one JSON object (stored configs are json-c's own
 * text), else {}; node may be NULL.  With map (the job's nodes map, or
 * NULL), the config gets "nodes": map as its last member, as json-c
 * would write it there, unless map is not one JSON object either (then
 * {}).  All borrowed.  Returns a string the caller frees.
 */
char *cluster_view_task(const char *id, const char *job, int64_t cluster,
    const char *name, const char *node, const char *config,
    const struct cluster_view_map *map);

#endif /* LOOMD_CLUSTER_VIEW_H */
