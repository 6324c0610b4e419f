/* SPDX-License-Identifier: Apache-2.0 */
/*
 * solver.h - the Loom 0.9 cluster layout solver (LOOM-0.9-API.md 3.4):
 * resolves a cluster request against the admin catalogue (template,
 * provider, hardware types, image types, services), computes the lease,
 * finds the preferred node layouts (step A), how many nodes of each to use
 * (step B, bounded by a step budget) and materialises the nodes as Loom
 * Node JSON (step C, section 2.6).  Pure: no I/O, no clock, no randomness;
 * node ids come from a caller-supplied callback, so the output is
 * deterministic.  The functions are reentrant; inputs are only read.
 */
#ifndef LOOMD_SOLVER_H
#define LOOMD_SOLVER_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "common.h"

/* Default bound of the layout search (config key solver.max_steps). */
#define SOLVER_DEFAULT_MAX_STEPS 1000000
/* First node number of a cluster (property "nodenum"). */
#define SOLVER_FIRST_NODENUM 1000
/* Size of the buffer handed to the node-id callback. */
#define SOLVER_NODE_ID_LEN 64
/* Size of a hostname buffer: at most 255 characters plus the NUL. */
#define SOLVER_HOSTNAME_LEN 256

/*
 * The admin catalogue: borrowed JSON arrays of already-validated entity
 * JSON (section 2), e.g. the arrays of an export object (section 1.4).
 * NULL means an empty list.  They must outlive every call they are
 * passed to; the solver never modifies them.
 */
struct solver_catalogue {
	struct json_object *providers;
	struct json_object *hardwaretypes;
	struct json_object *imagetypes;
	struct json_object *services;
	struct json_object *clustertemplates;
};

/*
 * A ClusterRequest (section 2.10) plus the cluster fields the solver uses.
 * Every pointer is borrowed.  NULL or "" provider/hardwaretype/imagetype
 * means "use the template default"; NULL or [] services likewise.
 */
struct solver_request {
	const char *cluster_id;	   /* "00000001": numeric */
	const char *name;	   /* cluster name (hostnames) */
	const char *template_name; /* clusterTemplateName */
	int64_t num_machines;	   /* <= 0 gives no layout */
	const char *provider;
	struct json_object *services; /* array of names, or NULL */
	const char *hardwaretype;
	const char *imagetype;
	int64_t lease_duration; /* ms, -1 = not requested */
	int64_t create_time;	/* ms, for expireTime */
};

/*
 * Options of a solve.  node_id writes the id of a new node into id
 * (NUL-terminated, shorter than SOLVER_NODE_ID_LEN) and returns 0, or -1
 * to fail the solve; it is called once per node, in node-number order,
 * with node_id_arg (borrowed).  It is required by the solve calls.
 */
struct solver_options {
	int64_t max_steps; /* <= 0: SOLVER_DEFAULT_MAX_STEPS */
	int (*node_id)(void *arg, char id[SOLVER_NODE_ID_LEN]);
	void *node_id_arg;
	/*
	 * 1: give the nodes as plain data only (solver_result.node), with
	 * solver_result.nodes NULL; render them with solver_result_node_json()
	 * or solver_result_nodes_text().  0 (the default): nodes holds their
	 * json-c Node objects too, about 1.9 KB per node.
	 */
	int plain_nodes;
};

/*
 * What the nodes of one layout share, owned by their result: the Service
 * JSON of its services (one copy of each definition per solve), the
 * automators (distinct action types) and the hardware and image
 * properties.  Read-only.
 */
struct solver_node_layout {
	struct json_object *services;
	struct json_object *automators;
	char *hardwaretype;
	char *imagetype;
	char *flavor;
	char *image;
	/* private: the rendered text around each node's own fields */
	char *text_mid;
	size_t mid_len;
	char *text_tail;
	size_t tail_len;
};

/*
 * One solved node as plain data: its id, nodenum and the index of its
 * layout in solver_result.layouts.  Its hostname follows from the nodenum
 * (solver_result_hostname()).
 */
struct solver_node {
	char id[SOLVER_NODE_ID_LEN];
	int64_t nodenum;
	size_t layout;
};

/*
 * The solved cluster.  Everything is owned by the result and released by
 * solver_result_free(); take a reference (json_object_get) to keep a part.
 * To keep 10,000-node clusters cheap, the nodes of one layout share (by
 * json-c reference count, not copies) their "services" array with one
 * copy of each service definition, their "automators" array and the
 * strings clusterId, hardwaretype, imagetype, flavor and image.  Treat
 * those as read-only (each node's object, "properties" object and
 * "actions" array are its own), and use one result from one thread at a
 * time (json-c reference counts are not atomic).
 */
struct solver_result {
	struct json_object *nodes; /* Node JSON, nodenum order, or NULL */
	size_t num_nodes;
	struct solver_node *node; /* num_nodes nodes, nodenum order */
	struct solver_node_layout *layouts;
	size_t num_layouts;
	struct json_object *services;	     /* cluster.services names */
	struct json_object *clustertemplate; /* copy of the template */
	struct json_object *provider;	     /* copy of the provider */
	int64_t lease_duration;		     /* ms, 0 = unlimited */
	int64_t expire_time;		     /* 0 = never */
	/* private: what the hostnames and the Node JSON are made of */
	char *cluster_id;
	char *clean_name;
	size_t clean_len;
	int64_t idnum;
};

/* Template and catalogue parsed for solving. */
struct solver_input;

/* Sets opts to the defaults: SOLVER_DEFAULT_MAX_STEPS, no id callback. */
void solver_options_init(struct solver_options *opts);

/*
 * Points cat at the arrays of an export/import object (missing keys or
 * non-arrays become NULL).  The pointers are borrowed from export_obj.
 */
void solver_catalogue_from_export(struct solver_catalogue *cat,
    struct json_object *export_obj);

/*
 * Fills req from a ClusterRequest JSON object (section 2.10; numbers may
 * be numeric strings; JSON null = absent).  An absent numMachines gives 0
 * and an absent leaseDuration -1.  cluster_id and create_time are not part
 * of it and are left untouched.  Strings are borrowed from request_json.
 */
int solver_request_from_json(struct solver_request *req,
    struct json_object *request_json, char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/*
 * Solve a cluster request (section 3.4): look the template up by
 * req->template_name, resolve provider, hardware, image, lease and
 * services, then find and materialise a layout.
 * Returns 0 and sets *out to a result the caller frees with
 * solver_result_free(), or 0 with *out = NULL when no layout satisfies
 * the constraints (Loom: "Layout solving failed"); returns -1 with the
 * reason in err (an input-resolution message of section 3.4, or
 * "no layout found within N steps") otherwise.
 */
int solver_solve(const struct solver_catalogue *cat,
    const struct solver_request *req, const struct solver_options *opts,
    struct solver_result **out, char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/*
 * Parse template_json (a cluster template, section 2.4) for solving
 * against cat.  Both are borrowed and must outlive *out, which the caller
 * frees with solver_input_free().  Fails on a template that is not
 * well-formed enough to solve with.
 */
int solver_input_from_json(struct solver_input **out,
    struct json_object *template_json, const struct solver_catalogue *cat,
    char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/* Frees an input; NULL is a no-op. */
void solver_input_free(struct solver_input *in);

/*
 * As solver_solve(), with the template of in (req->template_name is not
 * consulted).  Same return convention.
 */
int solver_input_solve(const struct solver_input *in,
    const struct solver_request *req, const struct solver_options *opts,
    struct solver_result **out, char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/* Frees a result and everything it owns; NULL is a no-op. */
void solver_result_free(struct solver_result *res);

/* The hostname of node i (i < res->num_nodes) into out. */
void solver_result_hostname(const struct solver_result *res, size_t i,
    char out[SOLVER_HOSTNAME_LEN]);

/*
 * The Node JSON (section 2.6) of node i, i < res->num_nodes, as compact
 * text: byte for byte what json_object_to_json_string_ext() with
 * JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE prints for the
 * node's object in solver_result.nodes.  Returns a new string the caller
 * frees with free(); *len (if not NULL) gets its length.
 */
char *solver_result_node_json(const struct solver_result *res, size_t i,
    size_t *len);

/*
 * The whole node array as compact text ("[node,node,...]", as above),
 * rendered once from the plain nodes.  Returns a new string the caller
 * frees with free(); *len (if not NULL) gets its length.
 */
char *solver_result_nodes_text(const struct solver_result *res, size_t *len);

/*
 * The json-c Node array of the plain nodes (what solver_result.nodes
 * holds when plain_nodes is 0), sharing per layout as described above.
 * Returns a new reference the caller releases with json_object_put().
 */
struct json_object *solver_result_nodes_json(const struct solver_result *res);

/*
 * The lease of section 3.4 step 5: template initial lease (0 = unlimited)
 * and requested lease (-1 = not requested) give *lease (0 = unlimited).
 */
int solver_lease_duration(int64_t template_initial, int64_t requested,
    int64_t *lease, char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/*
 * Loom's createHostname: '_' and '.' of name become '-', then
 * "<clusterId as a number>-<nodenum>.local" is appended, the name being
 * cut so the whole fits in 255 characters.  Fails if cluster_id is not a
 * decimal number.
 */
int solver_hostname(char out[SOLVER_HOSTNAME_LEN], const char *name,
    const char *cluster_id, int64_t nodenum,
    char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

#endif /* LOOMD_SOLVER_H */
