/* SPDX-License-Identifier: Apache-2.0 */
/*
 * taskconfig.h - the config JSON handed to a provisioner with a task
 * (LOOM-0.9-API.md section 3.6, TaskConfig.java): built at plan time from
 * the cluster (its user config or the template's default config, and the
 * provider), the service section and the node's properties; updated at
 * submit time with the node's current properties and the map of all the
 * cluster's nodes.  Macro expansion (section 6, macro.h) is the caller's
 * step after taskconfig_prepare_submit(), for non-hardware tasks only.
 * loomd stores the map once per job and adds it to the config when the
 * task is taken (taskconfig_takes_map(), cluster_view_task()).
 * Pure: no I/O.  All JSON arguments are borrowed and never modified unless
 * a function says so; results never share objects with the arguments.
 */
#ifndef LOOMD_TASKCONFIG_H
#define LOOMD_TASKCONFIG_H

#include <stdbool.h>

#include <json-c/json.h>

#include "common.h"
#include "planner.h"

/*
 * The plan-time config of a task (TaskConfig.getConfig), keys in this
 * order:
 * - "cluster": cluster["config"] if it is a non-empty object, else
 *   cluster["clusterTemplate"]["defaults"]["config"] ({} if missing);
 * - "service" (service tasks only): {"name": service, "action": the
 *   service's provisioner.actions[action], its type/script/data};
 * - every key of node["properties"], copied to the top level (a key that
 *   is already there is replaced);
 * - "provider": cluster["provider"] (omitted if the cluster has none).
 * cluster is a section 2.5 Cluster object, node a section 2.6 Node object
 * (its services are full Service objects).  service is NULL or "" for a
 * hardware task, else a service of the node.  On success *out is a new
 * object that the caller releases with json_object_put(), or NULL when the
 * service does not define action (Java returns null: the task is not
 * scheduled).  Fails if node is not an object or the named service is not
 * on the node.
 */
int taskconfig_build(struct json_object *cluster, struct json_object *node,
    const char *service, enum planner_action action, struct json_object **out,
    char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/*
 * The "nodes" map of a submitted task (TaskConfig.addNodeList):
 * {nodeId: {"ipaddress", "hostname", "nodenum", "automators"}} for every
 * node of nodes (a json-c array of Node objects, in its order), each
 * property only when the node has it.  Build it once per job pass and
 * share it.  Returns a new object, release with json_object_put().
 */
struct json_object *taskconfig_nodes_map(struct json_object *nodes);

/*
 * Update a task's config in place for submission (JobScheduler): copy
 * every property of node over config (TaskConfig.updateNodeProperties),
 * then set config["nodes"] = nodes_map.  nodes_map is shared, not copied:
 * config takes a new reference to it (json_object_get), so it lives as
 * long as either holds it.  Java then expands macros over the whole
 * config; since macro_expand_json() rewrites strings in place, a shared
 * map must not be expanded: expand each top-level key of config except
 * "nodes" (path {key, NULL}; the map holds only node properties, which
 * carry no macros in practice), or pass a deep copy of the map per task
 * for exact Java behaviour.  nodes_map may be NULL (then only the
 * properties are updated).
 */
void taskconfig_prepare_submit(struct json_object *config,
    struct json_object *node, struct json_object *nodes_map);

/*
 * Does a task whose stored config is config (text, borrowed; as
 * taskconfig_prepare_submit() left it without a map) get its job's
 * "nodes" map at the take?  Yes if config is the text of a JSON object
 * with no "nodes" member of its own; a task queued before the map was
 * kept per job has one, and is sent as stored.  cluster_view_task()
 * appends the map.
 */
bool taskconfig_takes_map(const char *config);

#endif /* LOOMD_TASKCONFIG_H */
