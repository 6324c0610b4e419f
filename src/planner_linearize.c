/* SPDX-License-Identifier: Apache-2.0 */
/*
 * planner_linearize.c - the longest-path layering of a DAG with hub
 * vertices: a compressed adjacency (CSR) and one Kahn pass in which hubs
 * take no layer, as TaskDag.linearize orders the tasks.  Pure: no I/O.
 */
#include "config.h"

#include "planner_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "errbuf.h"

/* Build the out-edge lists (CSR) of nv vertices. */
void
planner_linearize_csr(size_t nv, const struct planner_pair *e, size_t ne,
    uint32_t **off_out, uint32_t **adj_out)
{
	uint32_t *off, *adj, *pos;
	size_t i;

	off = planner_plan_zalloc(nv + 1, sizeof *off);
	adj = xreallocarray(NULL, ne + 1, sizeof *adj);
	for (i = 0; i < ne; i++)
		off[e[i].from + 1]++;
	for (i = 0; i < nv; i++)
		off[i + 1] += off[i];
	pos = xreallocarray(NULL, nv + 1, sizeof *pos);
	planner_plan_huge(adj, ne * sizeof *adj);
	planner_plan_huge(pos, nv * sizeof *pos);
	memcpy(pos, off, nv * sizeof *pos);
	for (i = 0; i < ne; i++)
		adj[pos[e[i].from]++] = e[i].to;
	free(pos);
	*off_out = off;
	*adj_out = adj;
}

/*
 * Longest-path layers of nv vertices, the first nhubs of which are hubs:
 * an edge into a hub adds no layer.  layer[] gets each vertex's layer,
 * *nlayers one more than the highest layer of a non-hub vertex.  Fails on
 * a cycle or when there is no non-hub vertex.
 */
int
planner_linearize_layers(size_t nv, size_t nhubs, const struct planner_pair *e,
    size_t ne, uint32_t *layer, size_t *nlayers, char err[LOOMD_ERR_LEN])
{
	uint32_t *off = NULL, *adj = NULL, *indeg, *queue;
	size_t head = 0, tail = 0, i, k, max = 0;
	uint32_t u, v, l;

	if (nv <= nhubs) {
		errbuf_set(err, "no tasks to schedule");
		return -1;
	}
	planner_linearize_csr(nv, e, ne, &off, &adj);
	indeg = planner_plan_zalloc(nv, sizeof *indeg);
	queue = xreallocarray(NULL, nv, sizeof *queue);
	planner_plan_huge(queue, nv * sizeof *queue);
	for (i = 0; i < ne; i++)
		indeg[e[i].to]++;
	for (i = 0; i < nv; i++) {
		layer[i] = 0;
		if (indeg[i] == 0)
			queue[tail++] = (uint32_t)i;
	}
	while (head < tail) {
		u = queue[head++];
		for (k = off[u]; k < off[u + 1]; k++) {
			v = adj[k];
			l = layer[u] + (v < nhubs ? 0 : 1);
			if (l > layer[v])
				layer[v] = l;
			if (--indeg[v] == 0)
				queue[tail++] = v;
		}
	}
	free(off);
	free(adj);
	free(indeg);
	free(queue);
	if (tail != nv) {
		errbuf_set(err, "dependency cycle among %zu tasks", nv - tail);
		return -1;
	}
	for (i = nhubs; i < nv; i++) {
		if (layer[i] > max)
			max = layer[i];
	}
	*nlayers = max + 1;
	return 0;
}

int
planner_linearize(size_t nvert, const struct planner_edge *edges,
    size_t nedges, size_t *stage, size_t *nstages, char err[LOOMD_ERR_LEN])
{
	struct planner_pair *e;
	uint32_t *layer;
	size_t i;
	int rc;

	if (nvert >= UINT32_MAX) {
		errbuf_set(err, "too many vertices");
		return -1;
	}
	e = xreallocarray(NULL, nedges + 1, sizeof *e);
	for (i = 0; i < nedges; i++) {
		if (edges[i].from >= nvert || edges[i].to >= nvert) {
			errbuf_set(err, "edge %zu out of range", i);
			free(e);
			return -1;
		}
		e[i].from = (uint32_t)edges[i].from;
		e[i].to = (uint32_t)edges[i].to;
	}
	layer = xreallocarray(NULL, nvert + 1, sizeof *layer);
	rc =
	    planner_linearize_layers(nvert, 0, e, nedges, layer, nstages, err);
	if (rc == 0) {
		for (i = 0; i < nvert; i++)
			stage[i] = layer[i];
	}
	free(layer);
	free(e);
	return rc;
}
