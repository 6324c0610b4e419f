/* SPDX-License-Identifier: Apache-2.0 */
/*
 * planner_dag.c - the task DAG of a cluster action (TaskDag and
 * createTaskDag), restricted to the planned nodes and services of a day-2
 * job: one vertex per node and action, with every "all nodes with service
 * p must finish action F" dependency routed through one hub vertex (the
 * new STOP->STOP and INSTALL->INSTALL dependencies too).  Its
 * linearisation into the stages of a plan is in planner_dag_linearize.c.
 * Pure: no I/O.
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
#include "svcdeps.h"

/* Append a vertex; returns its index. */
static uint32_t
planner_dag_vertex(struct planner_dag *dag, uint32_t node, uint32_t svc,
    enum planner_action action)
{
	dag->v = planner_plan_room(dag->v, dag->nv, dag->nv + 1, &dag->vcap,
	    sizeof *dag->v);
	dag->v[dag->nv].node = node;
	dag->v[dag->nv].svc = svc;
	dag->v[dag->nv].action = action;
	return (uint32_t)dag->nv++;
}

/* Append an edge: `to` waits for `from`. */
static void
planner_dag_edge(struct planner_dag *dag, uint32_t from, uint32_t to)
{
	dag->e = planner_plan_room(dag->e, dag->ne, dag->ne + 1, &dag->ecap,
	    sizeof *dag->e);
	dag->e[dag->ne].from = from;
	dag->e[dag->ne].to = to;
	dag->ne++;
}

#define PLANNER_DAG_LIST_CACHE 64

/* A services list already read: its entries nsvc[first, first + n). */
struct planner_dag_list {
	struct json_object *list;
	size_t first;
	size_t n;
};

/*
 * Read the nodes: intern their ids into dag->nodes, collect the first
 * definition of every service into *defs and, for node i, the (unique)
 * temporary service indexes nsvc[off[i], off[i + 1]).
 */
static int
planner_dag_read_nodes(struct planner_dag *dag, struct json_object *nodes,
    const struct planner_node *pn, size_t npn, struct json_object ***defs,
    size_t *ndefs, size_t **off, size_t **nsvc, struct strtab *seen,
    char err[LOOMD_ERR_LEN])
{
	struct json_object *node, *list, *def;
	const char *name, *idstr;
	size_t nnodes, i, k, len, t, j, n = 0, cap = 0;
	size_t dcap = 0;
	struct planner_dag_list cache[PLANNER_DAG_LIST_CACHE], *lc;
	int added;

	memset(cache, 0, sizeof cache);
	nnodes = pn != NULL ? npn :
	    nodes == NULL   ? 0 :
			      json_object_array_length(nodes);
	*off = xcalloc(nnodes + 1, sizeof **off);
	for (i = 0; i < nnodes; i++) {
		if (pn != NULL) {
			idstr = pn[i].id;
			list = pn[i].services;
		} else {
			node = json_object_array_get_idx(nodes, i);
			idstr = jsonx_get_str(node, "id");
			list = jsonx_get(node, "services");
		}
		if (idstr == NULL) {
			errbuf_set(err, "node %zu has no id", i);
			return -1;
		}
		strtab_intern(dag->nodes, idstr, &added);
		if (!added) {
			errbuf_set(err, "duplicate node id %s", idstr);
			return -1;
		}
		(*off)[i] = n;
		if (list == NULL)
			continue;
		/* Nodes of one layout share their list: reuse its entries. */
		lc = &cache[((uintptr_t)list >> 4) % PLANNER_DAG_LIST_CACHE];
		if (lc->list == list) {
			*nsvc = planner_plan_room(*nsvc, n, n + lc->n, &cap,
			    sizeof **nsvc);
			memcpy(*nsvc + n, *nsvc + lc->first,
			    lc->n * sizeof **nsvc);
			n += lc->n;
			continue;
		}
		if (!json_object_is_type(list, json_type_array)) {
			errbuf_set(err, "node %s: malformed services", idstr);
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
				    idstr);
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
			*nsvc = planner_plan_room(*nsvc, n, n + 1, &cap,
			    sizeof **nsvc);
			(*nsvc)[n++] = t;
		}
		lc->list = list;
		lc->first = (*off)[i];
		lc->n = n - (*off)[i];
	}
	(*off)[nnodes] = n;
	return 0;
}

/* Where the vertices of the DAG come from (createTaskDag). */
struct planner_dag_in {
	const size_t *off;	    /* node i: entries [off[i], off[i + 1]) */
	const size_t *svc;	    /* entry -> service index */
	const unsigned char *pnode; /* planned nodes */
	const unsigned char *psvc;  /* planned services */
};

/*
 * Add the vertices and edges of every planned service on every planned
 * node (createTaskDag, LOOM-0.9.7-OPS.md section 7.4).  Three passes keep
 * it linear in the number of (node, service) entries: the hubs the
 * planned chains need, then the chains with their hub -> task edges, then
 * the task -> hub edges from every node hosting a hub's service (adding
 * the vertices outside the plan).
 */
static void
planner_dag_fill(struct planner_dag *dag, const struct planner_dag_in *in)
{
	const struct planner_services *svcs = dag->svcs;
	const enum planner_action *order;
	const struct planner_svc_action *deps;
	uint32_t *hub, *ev, hw[PLANNER_ACTION_COUNT], prev, v, h;
	uint32_t slot[PLANNER_ACTION_COUNT], nslot = 0;
	size_t *hosts_off, *hosts, *enode, *fill;
	unsigned char *active;
	size_t norder, nnodes, nent, i, k, j, d, ndeps, p;
	size_t nhub_slots;
	enum planner_action a;
	uint32_t s;
	int isnew;

	order = planner_action_order(dag->ca, &norder);
	nnodes = dag->nodes->n;
	nent = in->off[nnodes];

	/* Entries per service (CSR), node of each entry, active services. */
	hosts_off = xcalloc(svcs->n + 2, sizeof *hosts_off);
	hosts = xreallocarray(NULL, nent + 1, sizeof *hosts);
	enode = xreallocarray(NULL, nent + 1, sizeof *enode);
	planner_plan_huge(hosts, nent * sizeof *hosts);
	planner_plan_huge(enode, nent * sizeof *enode);
	fill = xcalloc(svcs->n + 1, sizeof *fill);
	active = xcalloc(svcs->n + 1, 1);
	for (i = 0; i < nnodes; i++) {
		for (j = in->off[i]; j < in->off[i + 1]; j++) {
			enode[j] = i;
			hosts_off[in->svc[j] + 1]++;
			if (in->pnode[i] && in->psvc[in->svc[j]])
				active[in->svc[j]] = 1;
		}
	}
	for (p = 0; p < svcs->n; p++)
		hosts_off[p + 1] += hosts_off[p];
	for (j = 0; j < nent; j++) {
		p = in->svc[j];
		hosts[hosts_off[p] + fill[p]++] = j;
	}
	free(fill);

	/* Hubs: one per (service, from-action) a planned chain waits for. */
	nhub_slots = svcs->n * PLANNER_ACTION_COUNT + 1;
	hub = xreallocarray(NULL, nhub_slots, sizeof *hub);
	for (k = 0; k < nhub_slots; k++)
		hub[k] = PLANNER_NOV;
	for (p = 0; p < svcs->n; p++) {
		if (!active[p])
			continue;
		for (k = 0; k < norder; k++) {
			a = order[k];
			deps =
			    planner_services_action_deps(svcs, p, a, &ndeps);
			for (d = 0; d < ndeps; d++) {
				if (!in->psvc[deps[d].service] &&
				    planner_action_is_install(a))
					continue;
				j = deps[d].service * PLANNER_ACTION_COUNT +
				    deps[d].action;
				if (hub[j] == PLANNER_NOV)
					hub[j] = planner_dag_vertex(dag,
					    PLANNER_NOV,
					    (uint32_t)deps[d].service,
					    deps[d].action);
			}
		}
	}
	dag->nhubs = dag->nv;

	/*
	 * The vertex of each entry and service action (ev), with a slot per
	 * action that a chain or a hub uses.
	 */
	for (k = 0; k < PLANNER_ACTION_COUNT; k++)
		slot[k] = PLANNER_NOV;
	for (k = 0; k < norder; k++) {
		if (!planner_action_is_hardware(order[k]) &&
		    slot[order[k]] == PLANNER_NOV)
			slot[order[k]] = nslot++;
	}
	for (h = 0; h < dag->nhubs; h++) {
		if (slot[dag->v[h].action] == PLANNER_NOV)
			slot[dag->v[h].action] = nslot++;
	}
	ev = xreallocarray(NULL, nent * nslot + 1, sizeof *ev);
	planner_plan_huge(ev, nent * nslot * sizeof *ev);
	for (k = 0; k < nent * nslot; k++)
		ev[k] = PLANNER_NOV;

	/* The chains of the planned entries, and what each action waits for. */
	for (i = 0; i < nnodes; i++) {
		if (!in->pnode[i])
			continue;
		for (k = 0; k < PLANNER_ACTION_COUNT; k++)
			hw[k] = PLANNER_NOV;
		for (j = in->off[i]; j < in->off[i + 1]; j++) {
			s = (uint32_t)in->svc[j];
			if (!in->psvc[s])
				continue;
			prev = PLANNER_NOV;
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
					ev[j * nslot + slot[a]] = v;
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
				if (planner_action_is_hardware(a))
					continue;
				deps = planner_services_action_deps(svcs, s, a,
				    &ndeps);
				for (d = 0; d < ndeps; d++) {
					if (!in->psvc[deps[d].service] &&
					    planner_action_is_install(a))
						continue;
					h = hub[deps[d].service *
						PLANNER_ACTION_COUNT +
					    deps[d].action];
					planner_dag_edge(dag, h, v);
				}
			}
		}
	}

	/* Every node hosting a hub's service feeds the hub. */
	for (h = 0; h < dag->nhubs; h++) {
		p = dag->v[h].svc;
		a = (enum planner_action)dag->v[h].action;
		for (k = hosts_off[p]; k < hosts_off[p + 1]; k++) {
			j = hosts[k];
			v = ev[j * nslot + slot[a]];
			if (v == PLANNER_NOV) {
				v = planner_dag_vertex(dag, (uint32_t)enode[j],
				    (uint32_t)p, a);
				ev[j * nslot + slot[a]] = v;
			}
			planner_dag_edge(dag, v, h);
		}
	}
	free(ev);
	free(hub);
	free(hosts_off);
	free(hosts);
	free(enode);
	free(active);
}

/*
 * The planned nodes and services of scope (NULL arrays: all) into pnode
 * (one byte per node) and psvc (one per service of the graph).  Requested
 * services are expanded for the runtime actions (section 5).
 */
static void
planner_dag_scope(const struct planner_dag *dag,
    const struct planner_scope *scope, unsigned char *pnode,
    unsigned char *psvc)
{
	const char **exp = NULL;
	size_t nexp = 0, i, ix;
	enum svcdeps_expand how;

	memset(pnode, scope == NULL || scope->nodes == NULL, dag->nodes->n);
	memset(psvc, scope == NULL || scope->services == NULL, dag->svcs->n);
	if (scope == NULL)
		return;
	for (i = 0; scope->nodes != NULL && i < scope->nnodes; i++) {
		if (scope->nodes[i] != NULL &&
		    strtab_find(dag->nodes, scope->nodes[i], &ix) == 0)
			pnode[ix] = 1;
	}
	if (scope->services == NULL || scope->nservices == 0)
		return;
	switch (dag->ca) {
	case PLANNER_START_SERVICES:
		how = SVCDEPS_EXPAND_START;
		break;
	case PLANNER_STOP_SERVICES:
		how = SVCDEPS_EXPAND_STOP;
		break;
	case PLANNER_RESTART_SERVICES:
		how = SVCDEPS_EXPAND_RESTART;
		break;
	default:
		for (i = 0; i < scope->nservices; i++) {
			if (planner_services_find(dag->svcs,
				scope->services[i], &ix) == 0)
				psvc[ix] = 1;
		}
		return;
	}
	svcdeps_expand(dag->svcs->deps, how, scope->services, scope->nservices,
	    &exp, &nexp);
	for (i = 0; i < nexp; i++) {
		if (planner_services_find(dag->svcs, exp[i], &ix) == 0)
			psvc[ix] = 1;
	}
	free(exp);
}

int
planner_dag_build(enum planner_cluster_action ca, struct json_object *nodes,
    struct planner_dag **out, char err[LOOMD_ERR_LEN])
{
	return planner_dag_build_scoped(ca, nodes, NULL, out, err);
}

int
planner_dag_build_scoped(enum planner_cluster_action ca,
    struct json_object *nodes, const struct planner_scope *scope,
    struct planner_dag **out, char err[LOOMD_ERR_LEN])
{
	return planner_dag_build_from(ca, nodes, NULL, 0, scope, out, err);
}

/*
 * planner_dag_build_scoped() on the nodes of the json-c array nodes, or,
 * when pn is not NULL, on the npn plain nodes pn.
 */
int
planner_dag_build_from(enum planner_cluster_action ca,
    struct json_object *nodes, const struct planner_node *pn, size_t npn,
    const struct planner_scope *scope, struct planner_dag **out,
    char err[LOOMD_ERR_LEN])
{
	struct planner_dag *dag;
	struct planner_dag_in in;
	struct strtab *seen;
	struct json_object **defs = NULL;
	size_t ndefs = 0, *off = NULL, *nsvc = NULL;
	size_t *remap = NULL, t, norder;
	unsigned char *pnode = NULL, *psvc = NULL;
	int rc = -1;

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
	if (planner_dag_read_nodes(dag, nodes, pn, npn, &defs, &ndefs, &off,
		&nsvc, seen, err) != 0)
		goto fail;
	if (planner_services_build(defs, ndefs, &dag->svcs, err) != 0)
		goto fail;
	remap = xreallocarray(NULL, seen->n + 1, sizeof *remap);
	for (t = 0; t < seen->n; t++) {
		if (planner_services_find(dag->svcs, seen->strs[t],
			&remap[t]) != 0)
			fatalx("%s: service %s lost", __func__, seen->strs[t]);
	}
	/* Entries by service index from here on. */
	for (t = 0; t < off[dag->nodes->n]; t++)
		nsvc[t] = remap[nsvc[t]];
	pnode = xcalloc(dag->nodes->n + 1, 1);
	psvc = xcalloc(dag->svcs->n + 1, 1);
	planner_dag_scope(dag, scope, pnode, psvc);
	in.off = off;
	in.svc = nsvc;
	in.pnode = pnode;
	in.psvc = psvc;
	planner_dag_fill(dag, &in);
	if (dag->nv >= UINT32_MAX) {
		errbuf_set(err, "too many tasks");
		goto fail;
	}
	*out = dag;
	dag = NULL;
	rc = 0;
fail:
	free(defs);
	free(off);
	free(nsvc);
	free(remap);
	free(pnode);
	free(psvc);
	strtab_free(seen);
	planner_dag_free(dag);
	return rc;
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
	int r;

	if ((r = planner_cmp(x->from, y->from)) == 0)
		r = planner_cmp(x->to, y->to);
	return r;
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
