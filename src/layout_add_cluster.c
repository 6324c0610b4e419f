/* SPDX-License-Identifier: Apache-2.0 */
/*
 * layout_add_cluster.c - the existing cluster of an add-services request
 * (LOOM-0.9.7-OPS.md section 4.4): its nodes sorted by number, its layout,
 * and a solved change applied to its nodes.  Pure.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout_add.h"
#include "layout_add_int.h"

/* qsort comparator of cluster nodes: nodenum, then id. */
static int
layout_add_cnode_cmp(const void *a, const void *b)
{
	const struct layout_add_cnode *x = a, *y = b;

	if (x->nodenum != y->nodenum)
		return x->nodenum < y->nodenum ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* Add s to cluster.services unless it is there. */
static void
layout_add_cluster_add_service(struct layout_add_cluster *cl, const char *s)
{
	if (strtab_list_has((const char *const *)cl->services, cl->nservices,
		s))
		return;
	cl->services = xreallocarray(cl->services, cl->nservices + 1,
	    sizeof(*cl->services));
	cl->services[cl->nservices++] = xstrdup(s);
}

int
layout_add_cluster_new(const struct layout_add_node *nodes, size_t n,
    const char *const *cluster_services, size_t ncs,
    struct layout_add_cluster **out, char err[LOOMD_ERR_LEN])
{
	struct layout_add_cluster *cl;
	struct layout_add_cnode *cn;
	const struct layout_add_node *in;
	char **ids = NULL;
	size_t i, j;

	*out = NULL;
	cl = xcalloc(1, sizeof(*cl));
	cl->nodes = xcalloc(n + 1, sizeof(*cl->nodes));
	for (i = 0; i < n; i++) {
		in = &nodes[i];
		if (in->id == NULL || in->hardwaretype == NULL ||
		    in->imagetype == NULL) {
			snprintf(err, LOOMD_ERR_LEN, "node %s has no %s",
			    in->id != NULL ? in->id : "(null)",
			    in->id == NULL		 ? "id" :
				in->hardwaretype == NULL ? "hardwaretype" :
							   "imagetype");
			goto fail;
		}
		cn = &cl->nodes[cl->nnodes++];
		cn->id = xstrdup(in->id);
		cn->nodenum = in->nodenum;
		cn->hardwaretype = xstrdup(in->hardwaretype);
		cn->imagetype = xstrdup(in->imagetype);
		cn->input_ix = i;
		cn->services =
		    xcalloc(in->services.n + 1, sizeof(*cn->services));
		for (j = 0; j < in->services.n; j++)
			if (!strtab_list_has((const char *const *)cn->services,
				cn->nservices, in->services.v[j]))
				cn->services[cn->nservices++] =
				    xstrdup(in->services.v[j]);
	}
	ids = xcalloc(n + 1, sizeof(*ids));
	for (i = 0; i < n; i++)
		ids[i] = cl->nodes[i].id;
	if (n > 1)
		qsort(ids, n, sizeof(*ids), strtab_cmp);
	for (i = 1; i < n; i++) {
		if (strcmp(ids[i], ids[i - 1]) == 0) {
			snprintf(err, LOOMD_ERR_LEN, "node %s is listed twice",
			    ids[i]);
			goto fail;
		}
	}
	free(ids);
	ids = NULL;
	if (n > 1)
		qsort(cl->nodes, n, sizeof(*cl->nodes), layout_add_cnode_cmp);
	for (i = 0; i < ncs; i++)
		layout_add_cluster_add_service(cl, cluster_services[i]);
	*out = cl;
	return 0;

fail:
	free(ids);
	layout_add_cluster_free(cl);
	return -1;
}

void
layout_add_cluster_free(struct layout_add_cluster *cl)
{
	size_t i, j;

	if (cl == NULL)
		return;
	for (i = 0; i < cl->nnodes; i++) {
		free(cl->nodes[i].id);
		free(cl->nodes[i].hardwaretype);
		free(cl->nodes[i].imagetype);
		for (j = 0; j < cl->nodes[i].nservices; j++)
			free(cl->nodes[i].services[j]);
		free(cl->nodes[i].services);
	}
	for (i = 0; i < cl->nservices; i++)
		free(cl->services[i]);
	free(cl->services);
	free(cl->nodes);
	free(cl);
}

/* The node layout of a cluster node (caller clears it). */
static void
layout_add_cnode_nl(const struct layout_add_cnode *cn,
    struct layout_add_node_layout *nl)
{
	layout_add_nl_init(nl, cn->hardwaretype, cn->imagetype,
	    (const char *const *)cn->services, cn->nservices);
}

struct layout_add_layout *
layout_add_cluster_layout(const struct layout_add_cluster *cl)
{
	struct layout_add_layout *l = layout_add_layout_new();
	struct layout_add_node_layout nl;
	size_t i;

	for (i = 0; i < cl->nnodes; i++) {
		layout_add_cnode_nl(&cl->nodes[i], &nl);
		layout_add_add_nl(l, &nl, 1, 1);
	}
	return l;
}

int
layout_add_cluster_apply(struct layout_add_cluster *cl,
    const struct layout_add_change *ch, size_t *naffected,
    char err[LOOMD_ERR_LEN])
{
	struct layout_add_layout *cur, *left;
	struct layout_add_node_layout nl;
	struct layout_add_cnode *cn;
	size_t i, at, affected = 0;

	if (naffected != NULL)
		*naffected = 0;
	cur = layout_add_cluster_layout(cl);
	if (!layout_add_change_can_apply(ch, cur)) {
		layout_add_layout_free(cur);
		snprintf(err, LOOMD_ERR_LEN,
		    "the change of service %s does "
		    "not fit the cluster's nodes",
		    ch->service);
		return -1;
	}
	layout_add_layout_free(cur);
	left = layout_add_layout_copy(ch->counts);
	for (i = 0; i < cl->nnodes && left->nentries > 0; i++) {
		cn = &cl->nodes[i];
		layout_add_cnode_nl(cn, &nl);
		if (layout_add_find(left, &nl, &at)) {
			if (!layout_add_nl_has(&nl, ch->service)) {
				cn->services = xreallocarray(cn->services,
				    cn->nservices + 1, sizeof(*cn->services));
				cn->services[cn->nservices++] =
				    xstrdup(ch->service);
			}
			cn->changed = 1;
			affected++;
			layout_add_add_nl(left, &nl, -1, 0);
		}
		layout_add_nl_clear(&nl);
	}
	layout_add_layout_free(left);
	layout_add_cluster_add_service(cl, ch->service);
	if (naffected != NULL)
		*naffected = affected;
	return 0;
}
