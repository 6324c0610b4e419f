/* SPDX-License-Identifier: Apache-2.0 */
/*
 * planner_dag_linearize.c - the task DAG of planner_dag.c linearised into
 * the stages of a plan: the longest-path layers of planner_linearize.c,
 * then the tasks of each layer ordered by (layer, action rank, service,
 * node), by two counting passes or, when the key ranges are too wide, by
 * a sort.  Pure: no I/O.
 */
#include "config.h"

#include "planner_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "strtab.h"

/* Compare two sort keys, for qsort. */
static int
planner_dag_key_cmp(const void *a, const void *b)
{
	const struct planner_key *x = a, *y = b;
	int r;

	if ((r = planner_cmp(x->layer, y->layer)) == 0 &&
	    (r = planner_cmp(x->action, y->action)) == 0 &&
	    (r = planner_cmp(x->svc, y->svc)) == 0)
		r = planner_cmp(x->node, y->node);
	return r;
}

/*
 * The stage order of the tasks of dag, as task indexes, by (layer,
 * action rank, service, node): two counting passes, by node then by the
 * rest, which give what a sort on the (distinct) keys gives.  NULL when
 * the key ranges are too wide to count: the caller then sorts.
 */
static uint32_t *
planner_dag_linearize_count(const struct planner_dag *dag,
    const uint32_t *layer, size_t nlayers, const uint32_t *rank, size_t nrank)
{
	const struct planner_vertex *v;
	uint32_t *cnt, *byn, *perm, b;
	size_t n, nb, nsvc1, nnodes, i, sum, c, ncnt;

	n = dag->nv - dag->nhubs;
	nsvc1 = dag->svcs->n + 1;
	nnodes = dag->nodes->n;
	nb = nlayers * nrank * nsvc1;
	if (nlayers == 0 || nb / nlayers / nrank != nsvc1 ||
	    nb > 4 * n + 4096 || nb >= UINT32_MAX || nnodes > 4 * n + 4096)
		return NULL;
	ncnt = nb > nnodes ? nb : nnodes;
	cnt = xreallocarray(NULL, ncnt + 1, sizeof *cnt);
	byn = xreallocarray(NULL, n + 1, sizeof *byn);
	perm = xreallocarray(NULL, n + 1, sizeof *perm);
	planner_plan_huge(byn, n * sizeof *byn);
	planner_plan_huge(perm, n * sizeof *perm);
	/* By node into byn. */
	memset(cnt, 0, (nnodes + 1) * sizeof *cnt);
	for (i = 0; i < n; i++)
		cnt[dag->v[dag->nhubs + i].node]++;
	for (i = 0, sum = 0; i < nnodes; i++) {
		c = cnt[i];
		cnt[i] = (uint32_t)sum;
		sum += c;
	}
	for (i = 0; i < n; i++)
		byn[cnt[dag->v[dag->nhubs + i].node]++] = (uint32_t)i;
	/* Stable, by (layer, action, service) into perm. */
	memset(cnt, 0, (nb + 1) * sizeof *cnt);
	for (i = 0; i < n; i++) {
		v = &dag->v[dag->nhubs + i];
		b = (layer[dag->nhubs + i] * (uint32_t)nrank +
			rank[v->action]) *
			(uint32_t)nsvc1 +
		    (v->svc == PLANNER_NOSVC ? 0 : v->svc + 1);
		cnt[b]++;
	}
	for (i = 0, sum = 0; i < nb; i++) {
		c = cnt[i];
		cnt[i] = (uint32_t)sum;
		sum += c;
	}
	for (i = 0; i < n; i++) {
		v = &dag->v[dag->nhubs + byn[i]];
		b = (layer[dag->nhubs + byn[i]] * (uint32_t)nrank +
			rank[v->action]) *
			(uint32_t)nsvc1 +
		    (v->svc == PLANNER_NOSVC ? 0 : v->svc + 1);
		perm[cnt[b]++] = byn[i];
	}
	free(byn);
	free(cnt);
	return perm;
}

/* A sort key and the task it belongs to. */
struct planner_dag_linearize_key {
	struct planner_key k; /* first: planner_dag_key_cmp() compares it */
	uint32_t ix;
};

/*
 * The tasks of dag in stage order (layer, action rank, service, node),
 * as task indexes, sorted with qsort.
 */
static uint32_t *
planner_dag_linearize_sort(const struct planner_dag *dag,
    const uint32_t *layer, const uint32_t *rank)
{
	const struct planner_vertex *v;
	struct planner_dag_linearize_key *keys;
	uint32_t *perm;
	size_t n, i;

	n = dag->nv - dag->nhubs;
	keys = xreallocarray(NULL, n + 1, sizeof *keys);
	for (i = 0; i < n; i++) {
		v = &dag->v[dag->nhubs + i];
		keys[i].k.layer = layer[dag->nhubs + i];
		keys[i].k.action = rank[v->action];
		keys[i].k.svc = v->svc == PLANNER_NOSVC ? 0 : v->svc + 1;
		keys[i].k.node = v->node;
		keys[i].ix = (uint32_t)i;
	}
	if (n > 1)
		qsort(keys, n, sizeof *keys, planner_dag_key_cmp);
	perm = xreallocarray(NULL, n + 1, sizeof *perm);
	for (i = 0; i < n; i++)
		perm[i] = keys[i].ix;
	free(keys);
	return perm;
}

/*
 * planner_dag_linearize(); with mdag (dag itself), the plan takes the
 * node table of dag instead of copying it (dag is then only good for
 * planner_dag_free()).
 */
static int
planner_dag_linearize_into(struct planner_dag *mdag,
    const struct planner_dag *dag, struct planner_plan **out,
    char err[LOOMD_ERR_LEN])
{
	struct planner_plan *plan;
	uint32_t *layer, *perm, rank[PLANNER_ACTION_COUNT];
	uint32_t cur = UINT32_MAX, u;
	size_t nlayers, ntasks, i, norder, nnodes;
	const struct planner_vertex *v;
	const enum planner_action *order;

	*out = NULL;
	layer = xreallocarray(NULL, dag->nv + 1, sizeof *layer);
	planner_plan_huge(layer, dag->nv * sizeof *layer);
	if (planner_linearize_layers(dag->nv, dag->nhubs, dag->e, dag->ne,
		layer, &nlayers, err) != 0) {
		free(layer);
		return -1;
	}
	/*
	 * Rank of each action: its place in the cluster action's order
	 * (every vertex's action is in it; others would sort after).
	 */
	order = planner_action_order(dag->ca, &norder);
	for (i = 0; i < PLANNER_ACTION_COUNT; i++)
		rank[i] = (uint32_t)(norder + i);
	for (i = 0; i < norder; i++)
		rank[order[i]] = (uint32_t)i;
	ntasks = dag->nv - dag->nhubs;
	nnodes = dag->nodes->n;
	perm = planner_dag_linearize_count(dag, layer, nlayers, rank,
	    norder + PLANNER_ACTION_COUNT);
	if (perm == NULL)
		perm = planner_dag_linearize_sort(dag, layer, rank);

	plan = planner_plan_new();
	if (mdag != NULL) {
		strtab_free(plan->node_tab);
		plan->node_tab = mdag->nodes;
		mdag->nodes = NULL;
	} else {
		for (i = 0; i < nnodes; i++)
			strtab_intern(plan->node_tab, dag->nodes->strs[i],
			    NULL);
	}
	for (i = 0; i < dag->svcs->n; i++)
		strtab_intern(plan->svc_tab, dag->svcs->names->strs[i], NULL);
	plan->tasks_cap = ntasks;
	plan->tasks = xreallocarray(NULL, ntasks, sizeof *plan->tasks);
	planner_plan_huge(plan->tasks, ntasks * sizeof *plan->tasks);
	for (i = 0; i < ntasks; i++) {
		u = (uint32_t)dag->nhubs + perm[i];
		v = &dag->v[u];
		if (layer[u] != cur) {
			planner_plan_add_stage(plan);
			cur = layer[u];
		}
		planner_plan_push(plan, plan->node_tab->strs[v->node], v->node,
		    (enum planner_action)v->action,
		    v->svc == PLANNER_NOSVC ? "" :
					      plan->svc_tab->strs[v->svc]);
	}
	free(perm);
	free(layer);
	*out = plan;
	return 0;
}

int
planner_dag_linearize(const struct planner_dag *dag, struct planner_plan **out,
    char err[LOOMD_ERR_LEN])
{
	return planner_dag_linearize_into(NULL, dag, out, err);
}

/*
 * planner_dag_linearize() that moves dag's node table into the plan: dag
 * is then only good for planner_dag_free().
 */
int
planner_dag_linearize_move(struct planner_dag *dag, struct planner_plan **out,
    char err[LOOMD_ERR_LEN])
{
	return planner_dag_linearize_into(dag, dag, out, err);
}
