/* SPDX-License-Identifier: Apache-2.0 */
/*
 * solver_step_c.c - step C of the solver: the Node JSON of a solved layout
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
 * Step C: the nodes, numbered from SOLVER_FIRST_NODENUM in layout order.
 * Each service definition is copied once; the nodes of one layout share
 * (by reference count) one services array, one automators array and the
 * strings clusterId, hardwaretype, imagetype, flavor and image.
 */
int
solver_step_c(struct solver_space *sp, const struct solver_layouts *ls,
    const int64_t *counts, const char *cluster_id, int64_t idnum,
    const char *cluster_name, const struct solver_options *opts,
    struct json_object **out, char *err)
{
	const struct solver_layout *l;
	struct json_object **copies, *nodes, *node, *props;
	struct json_object *svcs = NULL, *autoarr = NULL;
	struct json_object *shared[5];
	struct solver_names autos = { NULL, 0, 0 };
	char id[SOLVER_NODE_ID_LEN];
	char host[SOLVER_HOSTNAME_LEN], num[24];
	char *clean;
	size_t i, j, clen, total = 0;
	int64_t c, nodenum = SOLVER_FIRST_NODENUM;
	int s, rc = -1;

	*out = NULL;
	memset(shared, 0, sizeof shared);
	copies = xcalloc(sp->nsvc + 1, sizeof *copies);
	clean = solver_step_c_clean_name(cluster_name);
	clen = strlen(clean);
	for (i = 0; i < ls->n; i++)
		total += (size_t)counts[i];
	shared[0] = jsonx_new_string(cluster_id);
	nodes = jsonx_new_array_ext(total);
	for (i = 0; i < ls->n; i++) {
		l = &ls->v[i];
		if (counts[i] == 0)
			continue;
		svcs = jsonx_new_array_ext(l->n);
		for (j = 0; j < l->n; j++) {
			s = l->svc[j];
			if (copies[s] == NULL)
				copies[s] = jsonx_copy(sp->svc[s].def);
			jsonx_append(svcs, json_object_get(copies[s]));
		}
		solver_step_c_automators(sp, l, &autos);
		autoarr = jsonx_new_array_ext(autos.n);
		for (j = 0; j < autos.n; j++)
			jsonx_append(autoarr, jsonx_new_string(autos.v[j]));
		for (j = 1; j < 5; j++)
			json_object_put(shared[j]);
		shared[1] = jsonx_new_string(l->hw);
		shared[2] = jsonx_new_string(l->img);
		shared[3] = jsonx_new_string(l->flavor);
		shared[4] = jsonx_new_string(l->image);
		for (c = 0; c < counts[i]; c++, nodenum++) {
			memset(id, 0, sizeof id);
			if (opts->node_id(opts->node_id_arg, id) != 0) {
				errbuf_set(err, "cannot generate a node id");
				goto fail;
			}
			id[sizeof id - 1] = '\0';
			node = jsonx_new_object();
			jsonx_append(nodes, node);
			jsonx_add_new(node, "id", jsonx_new_string(id));
			jsonx_add_new(node, "clusterId",
			    json_object_get(shared[0]));
			jsonx_add_new(node, "services", json_object_get(svcs));
			props = jsonx_new_object();
			jsonx_add_new(node, "properties", props);
			jsonx_add_new(props, "hardwaretype",
			    json_object_get(shared[1]));
			jsonx_add_new(props, "imagetype",
			    json_object_get(shared[2]));
			jsonx_add_new(props, "flavor",
			    json_object_get(shared[3]));
			jsonx_add_new(props, "image",
			    json_object_get(shared[4]));
			snprintf(num, sizeof num, "%" PRId64, nodenum);
			jsonx_add_new(props, "nodenum", jsonx_new_string(num));
			solver_step_c_hostname(host, clean, clen, idnum,
			    nodenum);
			jsonx_add_new(props, "hostname",
			    jsonx_new_string(host));
			jsonx_add_new(props, "automators",
			    json_object_get(autoarr));
			jsonx_add_new(node, "actions", jsonx_new_array_ext(0));
		}
		json_object_put(svcs);
		json_object_put(autoarr);
		svcs = autoarr = NULL;
	}
	*out = nodes;
	nodes = NULL;
	rc = 0;
fail:
	for (j = 0; j < 5; j++)
		json_object_put(shared[j]);
	json_object_put(svcs);
	json_object_put(autoarr);
	json_object_put(nodes);
	for (i = 0; i < sp->nsvc; i++)
		json_object_put(copies[i]);
	free(copies);
	free(clean);
	solver_names_clear(&autos);
	return rc;
}
