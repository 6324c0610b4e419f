/* SPDX-License-Identifier: Apache-2.0 */
/*
 * taskconfig.c - the config JSON of a provisioner task (LOOM-0.9-API.md
 * section 3.6), a port of TaskConfig.java on json-c trees: deep copies of
 * the cluster or default config, the service action, the node properties
 * and the provider at plan time; node properties and the shared "nodes"
 * map at submit time.  Pure: no I/O.
 */
#include "config.h"

#include "taskconfig.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "errbuf.h"
#include "jsonx.h"

/* The keys of a ServiceAction and of a "nodes" map entry, in order. */
static const char *const taskconfig_action_keys[] = {
	"type",
	"script",
	"data",
};
static const char *const taskconfig_node_keys[] = {
	"ipaddress",
	"hostname",
	"nodenum",
	"automators",
};

/* Copy every key of node["properties"] to the top level of config. */
static void
taskconfig_copy_properties(struct json_object *config,
    struct json_object *node)
{
	struct json_object *props;

	props = jsonx_get(node, "properties");
	if (props == NULL || !json_object_is_type(props, json_type_object))
		return;
	json_object_object_foreach (props, key, val)
		jsonx_set(config, key, jsonx_copy(val));
}

/* The Service object named name among the node's services, or NULL. */
static struct json_object *
taskconfig_find_service(struct json_object *node, const char *name)
{
	return jsonx_find_named(jsonx_get(node, "services"), name);
}

int
taskconfig_build(struct json_object *cluster, struct json_object *node,
    const char *service, enum planner_action action, struct json_object **out,
    char err[LOOMD_ERR_LEN])
{
	struct json_object *config = NULL, *conf, *def, *act, *svc;
	struct json_object *v, *id;
	size_t i;

	*out = NULL;
	if (node == NULL || !json_object_is_type(node, json_type_object)) {
		errbuf_set(err, "node must be an object");
		return -1;
	}

	/* Service action first: no config at all if it is undefined. */
	act = NULL;
	if (service != NULL && *service != '\0') {
		def = taskconfig_find_service(node, service);
		if (def == NULL) {
			id = jsonx_get(node, "id");
			errbuf_set(err, "service %s is not on node %s",
			    service,
			    id == NULL ? "?" : json_object_get_string(id));
			return -1;
		}
		act = jsonx_get(jsonx_get(jsonx_get(def, "provisioner"),
				    "actions"),
		    planner_action_lower(action));
		if (act == NULL)
			return 0;
	}

	config = jsonx_new_object();
	conf = jsonx_get(cluster, "config");
	if (conf == NULL || !json_object_is_type(conf, json_type_object) ||
	    json_object_object_length(conf) == 0) {
		conf =
		    jsonx_get(jsonx_get(jsonx_get(cluster, "clusterTemplate"),
				  "defaults"),
			"config");
	}
	if (conf == NULL || !json_object_is_type(conf, json_type_object))
		jsonx_set(config, "cluster", jsonx_new_object());
	else
		jsonx_set(config, "cluster", jsonx_copy(conf));

	if (act != NULL) {
		svc = jsonx_new_object();
		jsonx_set(svc, "name", jsonx_new_string(service));
		v = jsonx_new_object();
		for (i = 0; i < sizeof taskconfig_action_keys /
			 sizeof taskconfig_action_keys[0];
		     i++) {
			struct json_object *f;

			f = jsonx_get(act, taskconfig_action_keys[i]);
			if (f != NULL)
				jsonx_set(v, taskconfig_action_keys[i],
				    jsonx_copy(f));
		}
		jsonx_set(svc, "action", v);
		jsonx_set(config, "service", svc);
	}

	taskconfig_copy_properties(config, node);

	v = jsonx_get(cluster, "provider");
	if (v != NULL)
		jsonx_set(config, "provider", jsonx_copy(v));

	*out = config;
	return 0;
}

struct json_object *
taskconfig_nodes_map(struct json_object *nodes)
{
	struct json_object *map, *node, *id, *props, *entry, *v;
	size_t len, i, k;

	map = jsonx_new_object();
	if (nodes == NULL || !json_object_is_type(nodes, json_type_array))
		return map;
	len = json_object_array_length(nodes);
	for (i = 0; i < len; i++) {
		node = json_object_array_get_idx(nodes, i);
		id = jsonx_get(node, "id");
		if (id == NULL || !json_object_is_type(id, json_type_string))
			continue;
		props = jsonx_get(node, "properties");
		entry = jsonx_new_object();
		for (k = 0; k < sizeof taskconfig_node_keys /
			 sizeof taskconfig_node_keys[0];
		     k++) {
			v = jsonx_get(props, taskconfig_node_keys[k]);
			if (v != NULL)
				jsonx_set(entry, taskconfig_node_keys[k],
				    jsonx_copy(v));
		}
		jsonx_set(map, json_object_get_string(id), entry);
	}
	return map;
}

void
taskconfig_prepare_submit(struct json_object *config, struct json_object *node,
    struct json_object *nodes_map)
{
	if (config == NULL || !json_object_is_type(config, json_type_object))
		return;
	taskconfig_copy_properties(config, node);
	if (nodes_map != NULL)
		jsonx_set(config, "nodes", json_object_get(nodes_map));
}

bool
taskconfig_takes_map(const char *config)
{
	struct json_object *o;
	bool takes;

	o = json_tokener_parse(config);
	takes = json_object_is_type(o, json_type_object) &&
	    !json_object_object_get_ex(o, "nodes", NULL);
	json_object_put(o);
	return takes;
}
