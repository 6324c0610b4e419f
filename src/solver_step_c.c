/* SPDX-License-Identifier: Apache-2.0 */
/*
 * solver_step_c.c - step C of the solver: the nodes of a solved layout
 * (ids, nodenums, hostnames, services shared between nodes, hardware and
 * image properties, automators) as Loom's Solver.solveCluster builds
 * it.  Pure: no I/O.
 */
#include "config.h"

#include "solver_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "errbuf.h"
#include "jsonx.h"

/* Copy of name with '_' and '.' replaced by '-'. */
char *
solver_step_c_clean_name(const char *name)
{
	char *c, *p;

	c = xstrdup(name != NULL ? name : "");
	for (p = c; *p != '\0'; p++) {
		if (*p == '_' || *p == '.')
			*p = '-';
	}
	return c;
}

/* Hostname from a cleaned name: cut the name to fit 255 characters. */
void
solver_step_c_hostname(char out[SOLVER_HOSTNAME_LEN], const char *clean,
    size_t clen, int64_t idnum, int64_t nodenum)
{
	char post[64];
	size_t pl, keep = clen;

	pl = (size_t)snprintf(post, sizeof post,
	    "%" PRId64 "-%" PRId64 ".local", idnum, nodenum);
	if (keep + pl > SOLVER_HOSTNAME_LEN - 1)
		keep = SOLVER_HOSTNAME_LEN - 1 - pl;
	memcpy(out, clean, keep);
	memcpy(out + keep, post, pl + 1);
}

/* Distinct action types (automators) of a layout, first seen first. */
static void
solver_step_c_automators(const struct solver_space *sp,
    const struct solver_layout *l, struct solver_names *out)
{
	struct json_object *acts;
	const char *type;
	size_t i;

	out->n = 0;
	for (i = 0; i < l->n; i++) {
		acts =
		    jsonx_get(jsonx_get(sp->svc[l->svc[i]].def, "provisioner"),
			"actions");
		if (!json_object_is_type(acts, json_type_object))
			continue;
		json_object_object_foreach (acts, key, val) {
			(void)key;
			type = jsonx_str(jsonx_get(val, "type"));
			if (type != NULL && !solver_names_has(out, type))
				solver_names_add(out, type);
		}
	}
}

/*
 * Step C: the nodes, numbered from SOLVER_FIRST_NODENUM in layout order,
 * as plain data in res (its node, layouts, cluster_id and clean name).
 * Each service definition is copied once; the nodes of one layout share
 * one solver_node_layout.
 */
int
solver_step_c(struct solver_space *sp, const struct solver_layouts *ls,
    const int64_t *counts, const char *cluster_id, int64_t idnum,
    const char *cluster_name, const struct solver_options *opts,
    struct solver_result *res, char *err)
{
	const struct solver_layout *l;
	struct solver_node_layout *nl;
	struct solver_node *node;
	struct json_object **copies;
	struct solver_names autos = { NULL, 0, 0 };
	size_t i, j, total = 0, nlayouts = 0;
	int64_t c, nodenum = SOLVER_FIRST_NODENUM;
	int s, rc = -1;

	copies = xcalloc(sp->nsvc + 1, sizeof *copies);
	res->cluster_id = xstrdup(cluster_id);
	res->clean_name = solver_step_c_clean_name(cluster_name);
	res->clean_len = strlen(res->clean_name);
	res->idnum = idnum;
	for (i = 0; i < ls->n; i++) {
		total += (size_t)counts[i];
		nlayouts += counts[i] != 0;
	}
	res->node = xreallocarray(NULL, total + 1, sizeof *res->node);
	res->layouts = xcalloc(nlayouts + 1, sizeof *res->layouts);
	for (i = 0; i < ls->n; i++) {
		l = &ls->v[i];
		if (counts[i] == 0)
			continue;
		nl = &res->layouts[res->num_layouts++];
		nl->services = jsonx_new_array_ext(l->n);
		for (j = 0; j < l->n; j++) {
			s = l->svc[j];
			if (copies[s] == NULL)
				copies[s] = jsonx_copy(sp->svc[s].def);
			jsonx_append(nl->services, json_object_get(copies[s]));
		}
		solver_step_c_automators(sp, l, &autos);
		nl->automators = jsonx_new_array_ext(autos.n);
		for (j = 0; j < autos.n; j++)
			jsonx_append(nl->automators,
			    jsonx_new_string(autos.v[j]));
		nl->hardwaretype = xstrdup(l->hw);
		nl->imagetype = xstrdup(l->img);
		nl->flavor = xstrdup(l->flavor);
		nl->image = xstrdup(l->image);
		solver_result_layout_render(res, nl);
		for (c = 0; c < counts[i]; c++, nodenum++) {
			node = &res->node[res->num_nodes];
			memset(node->id, 0, sizeof node->id);
			if (opts->node_id(opts->node_id_arg, node->id) != 0) {
				errbuf_set(err, "cannot generate a node id");
				goto fail;
			}
			node->id[sizeof node->id - 1] = '\0';
			node->nodenum = nodenum;
			node->layout = res->num_layouts - 1;
			res->num_nodes++;
		}
	}
	rc = 0;
fail:
	for (i = 0; i < sp->nsvc; i++)
		json_object_put(copies[i]);
	free(copies);
	solver_names_clear(&autos);
	return rc;
}
