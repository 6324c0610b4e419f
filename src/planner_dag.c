/* SPDX-License-Identifier: Apache-2.0 */
/*
 * planner_dag.c - the task DAG of a cluster action (TaskDag and
 * createTaskDag): one vertex per node and action, with every "all nodes
 * with service p must finish action F" dependency routed through one hub
 * vertex, and its linearisation into the stages of a plan, ordered by
 * (layer, action, service, node).  Pure: no I/O.
 */
#include "config.h"

#include "planner_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "errbuf.h"
#include "jsonx.h"
#include "strtab.h"

/* Append a vertex; returns its index. */
static uint32_t
planner_dag_vertex(struct planner_dag *dag, uint32_t node, uint32_t svc,
    enum planner_action action)
{
	if (dag->nv == dag->vcap) {
		dag->vcap = dag->vcap == 0 ? 64 : dag->vcap * 2;
		dag->v = xreallocarray(dag->v, dag->vcap, sizeof *dag->v);
	}
	dag->v[dag->nv].node = node;
	dag->v[dag->nv].svc = svc;
	dag->v[dag->nv].action = action;
	return (uint32_t)dag->nv++;
}

/* Append an edge: `to` waits for `from`. */
static void
planner_dag_edge(struct planner_dag *dag, uint32_t from, uint32_t to)
{
	if (dag->ne == dag->ecap) {
		dag->ecap = dag->ecap == 0 ? 64 : dag->ecap * 2;
		dag->e = xreallocarray(dag->e, dag->ecap, sizeof *dag->e);
	}
	dag->e[dag->ne].from = from;
	dag->e[dag->ne].to = to;
	dag->ne++;
}

/*
 * Read the nodes: intern their ids into dag->nodes, collect the first
 * definition of every service into *defs and, for node i, the (unique)
 * temporary service indexes nsvc[off[i], off[i + 1]).
 */
static int
planner_dag_read_nodes(struct planner_dag *dag, struct json_object *nodes,
    struct json_object ***defs, size_t *ndefs, size_t **off, size_t **nsvc,
    struct strtab *seen, char err[LOOMD_ERR_LEN])
{
	struct json_object *node, *id, *list, *def;
	const char *name;
	size_t nnodes, i, k, len, t, j, n = 0, cap = 0;
	size_t dcap = 0;
	int added;

	nnodes = nodes == NULL ? 0 : json_object_array_length(nodes);
	*off = xcalloc(nnodes + 1, sizeof **off);
	for (i = 0; i < nnodes; i++) {
		node = json_object_array_get_idx(nodes, i);
		id = jsonx_get(node, "id");
		if (id == NULL || !json_object_is_type(id, json_type_string)) {
			errbuf_set(err, "node %zu has no id", i);
			return -1;
		}
		strtab_intern(dag->nodes, json_object_get_string(id), &added);
		if (!added) {
			errbuf_set(err, "duplicate node id %s",
			    json_object_get_string(id));
			return -1;
		}
		(*off)[i] = n;
		list = jsonx_get(node, "services");
		if (list == NULL)
			continue;
		if (!json_object_is_type(list, json_type_array)) {
			errbuf_set(err, "node %s: malformed services",
			    json_object_get_string(id));
			return -1;
		}
		len = json_object_array_length(list);
		for (k = 0; k < len; k++) {
			def = json_object_array_get_idx(list, k);
			name = planner_services_def_name(def);
			if (name == NULL) {
				errbuf_set(err,
				    "node %s: service without "
				    "name",
				    json_object_get_string(id));
				return -1;
			}
			t = strtab_intern(seen, name, &added);
			if (added) {
				if (*ndefs == dcap) {
					dcap = dcap == 0 ? 16 : dcap * 2;
					*defs = xreallocarray(*defs, dcap,
					    sizeof **defs);
				}
				(*defs)[(*ndefs)++] = def;
			}
			for (j = (*off)[i]; j < n && (*nsvc)[j] != t; j++)
				;
			if (j < n)
				continue; /* listed twice on this node */
			if (n == cap) {
				cap = cap == 0 ? 64 : cap * 2;
				*nsvc =
				    xreallocarray(*nsvc, cap, sizeof **nsvc);
			}
			(*nsvc)[n++] = t;
		}
	}
	(*off)[nnodes] = n;
	return 0;
}

/* Add the vertices and edges of every node (createTaskDag). */
static void
planner_dag_fill(struct planner_dag *dag, const size_t *off,
    const size_t *nsvc, const size_t *remap)
{
	const struct planner_services *svcs = dag->svcs;
	const enum planner_action *order;
	const struct planner_svc_action *deps;
	uint32_t *hub, hw[PLANNER_ACTION_COUNT];
	uint32_t cur[PLANNER_ACTION_COUNT], prev, v, h;
	size_t norder, nnodes, i, k, j, d, ndeps;
	size_t nhub_slots;
	enum planner_action a;
	uint32_t s;
	int isnew;

	order = planner_action_order(dag->ca, &norder);
	nnodes = dag->nodes->n;

	/* Hubs: one per (service, from-action) something depends on. */
	nhub_slots = svcs->n * PLANNER_ACTION_COUNT + 1;
	hub = xreallocarray(NULL, nhub_slots, sizeof *hub);
	for (k = 0; k < nhub_slots; k++)
		hub[k] = PLANNER_NOV;
	if (dag->ca == PLANNER_CLUSTER_CREATE) {
		for (k = 0; k < svcs->adep_off[svcs->n * PLANNER_NDEPS]; k++) {
			j = svcs->adep[k].service * PLANNER_ACTION_COUNT +
			    svcs->adep[k].action;
			if (hub[j] == PLANNER_NOV)
				hub[j] = planner_dag_vertex(dag, PLANNER_NOV,
				    (uint32_t)svcs->adep[k].service,
				    svcs->adep[k].action);
		}
	}
	dag->nhubs = dag->nv;

	for (i = 0; i < nnodes; i++) {
		for (k = 0; k < PLANNER_ACTION_COUNT; k++)
			hw[k] = PLANNER_NOV;
		for (j = off[i]; j < off[i + 1]; j++) {
			s = (uint32_t)remap[nsvc[j]];
			prev = PLANNER_NOV;
			for (k = 0; k < PLANNER_ACTION_COUNT; k++)
				cur[k] = PLANNER_NOV;
			for (k = 0; k < norder; k++) {
				a = order[k];
				if (planner_action_is_hardware(a)) {
					isnew = hw[a] == PLANNER_NOV;
					if (isnew)
						hw[a] = planner_dag_vertex(dag,
						    (uint32_t)i, PLANNER_NOSVC,
						    a);
					v = hw[a];
				} else if (svcs->actions[s] & (1u << a)) {
					isnew = 1;
					v = planner_dag_vertex(dag,
					    (uint32_t)i, s, a);
					h = hub[s * PLANNER_ACTION_COUNT + a];
					if (h != PLANNER_NOV)
						planner_dag_edge(dag, v, h);
				} else
					continue;
				/*
				 * An existing hardware vertex already has its
				 * edge from the previous hardware action.
				 */
				if (prev != PLANNER_NOV &&
				    (isnew ||
					dag->v[prev].svc != PLANNER_NOSVC))
					planner_dag_edge(dag, prev, v);
				prev = v;
				cur[a] = v;
			}
			if (dag->ca != PLANNER_CLUSTER_CREATE)
				continue;
			for (d = 0; d < PLANNER_NDEPS; d++) {
				a = planner_action_create_deps[d].to;
				if (cur[a] == PLANNER_NOV)
					continue;
				deps = planner_services_action_deps(svcs, s, a,
				    &ndeps);
				for (k = 0; k < ndeps; k++) {
					h = hub[deps[k].service *
						PLANNER_ACTION_COUNT +
					    deps[k].action];
					planner_dag_edge(dag, h, cur[a]);
				}
			}
		}
	}
	free(hub);
}

int
planner_dag_build(enum planner_cluster_action ca, struct json_object *nodes,
    struct planner_dag **out, char err[LOOMD_ERR_LEN])
{
	struct planner_dag *dag;
	struct strtab *seen;
	struct json_object **defs = NULL;
	size_t ndefs = 0, *off = NULL, *nsvc = NULL;
	size_t *remap = NULL, t, norder;

	*out = NULL;
	if (planner_action_order(ca, &norder) == NULL) {
		errbuf_set(err, "cluster action %s has no action order",
		    planner_cluster_action_upper(ca) == NULL ?
			"?" :
			planner_cluster_action_upper(ca));
		return -1;
	}
	if (nodes != NULL && !json_object_is_type(nodes, json_type_array)) {
		errbuf_set(err, "nodes must be an array");
		return -1;
	}
	dag = xcalloc(1, sizeof *dag);
	dag->ca = ca;
	dag->nodes = strtab_new(true);
	seen = strtab_new(true);
	if (planner_dag_read_nodes(dag, nodes, &defs, &ndefs, &off, &nsvc,
		seen, err) != 0)
		goto fail;
	if (planner_services_build(defs, ndefs, &dag->svcs, err) != 0)
		goto fail;
	remap = xreallocarray(NULL, seen->n + 1, sizeof *remap);
	for (t = 0; t < seen->n; t++) {
		if (planner_services_find(dag->svcs, seen->strs[t],
			&remap[t]) != 0)
			fatalx("%s: service %s lost", __func__, seen->strs[t]);
	}
	planner_dag_fill(dag, off, nsvc, remap);
	if (dag->nv >= UINT32_MAX) {
		errbuf_set(err, "too many tasks");
		goto fail;
	}

	free(defs);
	free(off);
	free(nsvc);
	free(remap);
	strtab_free(seen);
	*out = dag;
	return 0;
fail:
	free(defs);
	free(off);
	free(nsvc);
	free(remap);
	strtab_free(seen);
	planner_dag_free(dag);
	return -1;
}

void
planner_dag_free(struct planner_dag *dag)
{
	if (dag == NULL)
		return;
	strtab_free(dag->nodes);
	planner_services_free(dag->svcs);
	free(dag->v);
	free(dag->e);
	free(dag);
}

const struct planner_services *
planner_dag_services(const struct planner_dag *dag)
{
	return dag->svcs;
}

size_t
planner_dag_ntasks(const struct planner_dag *dag)
{
	return dag->nv - dag->nhubs;
}

void
planner_dag_task(const struct planner_dag *dag, size_t i,
    struct planner_task *out)
{
	const struct planner_vertex *v = &dag->v[dag->nhubs + i];

	out->node_id = dag->nodes->strs[v->node];
	out->service =
	    v->svc == PLANNER_NOSVC ? "" : dag->svcs->names->strs[v->svc];
	out->action = (enum planner_action)v->action;
	out->node_ix = v->node;
}

/* Compare two edges, for qsort. */
static int
planner_dag_edge_cmp(const void *a, const void *b)
{
	const struct planner_edge *x = a, *y = b;

	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	if (x->to != y->to)
		return x->to < y->to ? -1 : 1;
	return 0;
}

void
planner_dag_edges(const struct planner_dag *dag, struct planner_edge **out,
    size_t *n)
{
	struct planner_edge *r = NULL;
	uint32_t *off, *adj, u, v, w;
	size_t nr = 0, cap = 0, k, j, i;

	planner_linearize_csr(dag->nv, dag->e, dag->ne, &off, &adj);
	for (u = (uint32_t)dag->nhubs; u < dag->nv; u++) {
		for (k = off[u]; k < off[u + 1]; k++) {
			v = adj[k];
			for (j = v < dag->nhubs ? off[v] : 0;
			     j < (v < dag->nhubs ? off[v + 1] : 1); j++) {
				w = v < dag->nhubs ? adj[j] : v;
				if (nr == cap) {
					cap = cap == 0 ? 64 : cap * 2;
					r = xreallocarray(r, cap, sizeof *r);
				}
				r[nr].from = u - dag->nhubs;
				r[nr].to = w - dag->nhubs;
				nr++;
			}
		}
	}
	free(off);
	free(adj);
	if (nr > 0)
		qsort(r, nr, sizeof *r, planner_dag_edge_cmp);
	for (i = 0, k = 0; i < nr; i++) {
		if (k == 0 || planner_dag_edge_cmp(&r[i], &r[k - 1]) != 0)
			r[k++] = r[i];
	}
	if (k == 0) {
		free(r);
		r = NULL;
	}
	*out = r;
	*n = k;
}

/* Compare two sort keys, for qsort. */
static int
planner_dag_key_cmp(const void *a, const void *b)
{
	const struct planner_key *x = a, *y = b;

	if (x->layer != y->layer)
		return x->layer < y->layer ? -1 : 1;
	if (x->action != y->action)
		return x->action < y->action ? -1 : 1;
	if (x->svc != y->svc)
		return x->svc < y->svc ? -1 : 1;
	if (x->node != y->node)
		return x->node < y->node ? -1 : 1;
	return 0;
}

int
planner_dag_linearize(const struct planner_dag *dag, struct planner_plan **out,
    char err[LOOMD_ERR_LEN])
{
	struct planner_plan *plan;
	struct planner_key *keys;
	uint32_t *layer, rank[PLANNER_ACTION_COUNT];
	uint32_t cur = UINT32_MAX;
	size_t nlayers, ntasks, i, norder;
	const struct planner_vertex *v;
	const enum planner_action *order;

	*out = NULL;
	layer = xreallocarray(NULL, dag->nv + 1, sizeof *layer);
	if (planner_linearize_layers(dag->nv, dag->nhubs, dag->e, dag->ne,
		layer, &nlayers, err) != 0) {
		free(layer);
		return -1;
	}
	/* Rank of each action in the cluster action's order. */
	order = planner_action_order(dag->ca, &norder);
	for (i = 0; i < PLANNER_ACTION_COUNT; i++)
		rank[i] = (uint32_t)i;
	for (i = 0; i < norder; i++)
		rank[order[i]] = (uint32_t)i;
	ntasks = dag->nv - dag->nhubs;
	keys = xreallocarray(NULL, ntasks, sizeof *keys);
	for (i = 0; i < ntasks; i++) {
		v = &dag->v[dag->nhubs + i];
		keys[i].layer = layer[dag->nhubs + i];
		keys[i].action = rank[v->action];
		keys[i].svc = v->svc == PLANNER_NOSVC ? 0 : v->svc + 1;
		keys[i].node = v->node;
	}
	free(layer);
	if (ntasks > 1)
		qsort(keys, ntasks, sizeof *keys, planner_dag_key_cmp);

	plan = planner_plan_new();
	for (i = 0; i < dag->nodes->n; i++)
		strtab_intern(plan->node_tab, dag->nodes->strs[i], NULL);
	for (i = 0; i < dag->svcs->n; i++)
		strtab_intern(plan->svc_tab, dag->svcs->names->strs[i], NULL);
	plan->tasks_cap = ntasks;
	plan->tasks = xreallocarray(NULL, ntasks, sizeof *plan->tasks);
	for (i = 0; i < ntasks; i++) {
		if (keys[i].layer != cur) {
			planner_plan_add_stage(plan);
			cur = keys[i].layer;
		}
		planner_plan_push(plan, plan->node_tab->strs[keys[i].node],
		    keys[i].node, order[keys[i].action],
		    keys[i].svc == 0 ? "" :
				       plan->svc_tab->strs[keys[i].svc - 1]);
	}
	free(keys);
	*out = plan;
	return 0;
}
