/* SPDX-License-Identifier: Apache-2.0 */
/*
 * planner_int.h - what the planner's files share and nothing else
 * includes: the analysed service graph, the task DAG with its hub
 * vertices, the sort key of the linearisation, and the functions of each
 * file that the others call.
 */
#ifndef LOOMD_PLANNER_INT_H
#define LOOMD_PLANNER_INT_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "common.h"
#include "planner.h"
#include "strtab.h"

/* No service: the vertex is a hardware action. */
#define PLANNER_NOSVC UINT32_MAX
/* No vertex. */
#define PLANNER_NOV UINT32_MAX

struct svcdeps;

/* The resolver's analysis of a cluster's services, as service indexes. */
struct planner_services {
	size_t n;
	struct strtab *names;  /* index order = name order */
	unsigned int *actions; /* bit a: defines action a */
	struct svcdeps *deps;  /* the resolver (svcdeps.h) */
	size_t *min_off;       /* n + 1: minimised runtime deps */
	size_t *min;
	size_t *adep_off; /* n * PLANNER_ACTION_COUNT + 1 */
	struct planner_svc_action *adep;
};

struct planner_vertex {
	uint32_t node;
	uint32_t svc; /* PLANNER_NOSVC: hardware action */
	uint32_t action;
};

struct planner_pair {
	uint32_t from;
	uint32_t to;
};

/* Vertices [0, nhubs) are hubs, the rest are tasks. */
struct planner_dag {
	enum planner_cluster_action ca;
	struct strtab *nodes;
	struct planner_services *svcs;
	size_t nhubs;
	struct planner_vertex *v;
	size_t nv;
	size_t vcap;
	struct planner_pair *e;
	size_t ne;
	size_t ecap;
};

/* Growable text buffer. */
struct planner_buf {
	char *data;
	size_t len;
	size_t cap;
};

/* Sort key of one task of a linearised DAG. */
struct planner_key {
	uint32_t layer;
	uint32_t action; /* rank in the cluster action's order */
	uint32_t svc;	 /* 0 = hardware, else service index + 1 */
	uint32_t node;
};

/* planner_action.c */

/* Parse an exact lower-case action name (a provisioner.actions key). */
int planner_action_parse_lower(const char *s, enum planner_action *out);

/* planner_services.c */

/* The name of a Service object, or NULL if it has none. */
const char *planner_services_def_name(struct json_object *def);
/*
 * Build the service graph from n Service objects with distinct names
 * (borrowed; defs is reordered by name).
 */
int planner_services_build(struct json_object **defs, size_t n,
    struct planner_services **out, char err[LOOMD_ERR_LEN]);

/* -1, 0 or 1 as a is below, equal to or above b: a step of a comparator. */
static inline int
planner_cmp(size_t a, size_t b)
{
	return (a > b) - (a < b);
}

/* planner_dag.c */

/*
 * planner_dag_build_scoped() on the nodes of the json-c array nodes, or,
 * when pn is not NULL, on the npn plain nodes pn.
 */
int planner_dag_build_from(enum planner_cluster_action ca,
    struct json_object *nodes, const struct planner_node *pn, size_t npn,
    const struct planner_scope *scope, struct planner_dag **out,
    char err[LOOMD_ERR_LEN]);

/* planner_dag_linearize.c */

/*
 * planner_dag_linearize() that moves dag's node table into the plan: dag
 * is then only good for planner_dag_free().
 */
int planner_dag_linearize_move(struct planner_dag *dag,
    struct planner_plan **out, char err[LOOMD_ERR_LEN]);

/* planner_linearize.c */

/* Build the out-edge lists (CSR) of nv vertices. */
void planner_linearize_csr(size_t nv, const struct planner_pair *e, size_t ne,
    uint32_t **off_out, uint32_t **adj_out);
/*
 * Longest-path layers of nv vertices, the first nhubs of which are hubs:
 * an edge into a hub adds no layer.  layer[] gets each vertex's layer,
 * *nlayers one more than the highest layer of a non-hub vertex.  Fails on
 * a cycle or when there is no non-hub vertex.
 */
int planner_linearize_layers(size_t nv, size_t nhubs,
    const struct planner_pair *e, size_t ne, uint32_t *layer, size_t *nlayers,
    char err[LOOMD_ERR_LEN]);

/* planner_plan.c */

/*
 * A hint that the large array [p, p + len) (heap memory the caller owns)
 * be backed by transparent huge pages where the system allows it: its
 * first touch then faults once per 2 MB instead of once per 4 KB.
 */
void planner_plan_huge(void *p, size_t len);
/*
 * Grow the array p of n elements of size bytes to cap elements (p is
 * freed; returns the new array, caller frees): a large new array gets
 * the huge-page hint before the elements are copied into it.
 */
void *planner_plan_grow(void *p, size_t n, size_t cap, size_t size);
/*
 * p (an array of n elements of size bytes, capacity *cap) with room for
 * need elements: when *cap is short it doubles (from 64) until it is
 * enough and p grows with planner_plan_grow().
 */
static inline void *
planner_plan_room(void *p, size_t n, size_t need, size_t *cap, size_t size)
{
	if (need <= *cap)
		return p;
	while (*cap < need)
		*cap = *cap == 0 ? 64 : *cap * 2;
	return planner_plan_grow(p, n, *cap, size);
}
/* nmemb zeroed elements of size bytes, large ones hinted (caller frees). */
void *planner_plan_zalloc(size_t nmemb, size_t size);

/* Append a task whose strings are already owned by the plan. */
void planner_plan_push(struct planner_plan *plan, const char *node_id,
    unsigned int node_ix, enum planner_action action, const char *service);

#endif /* LOOMD_PLANNER_INT_H */
