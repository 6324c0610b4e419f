/* SPDX-License-Identifier: Apache-2.0 */
/*
 * svcspec.c - services and template constraints from their JSON (see
 * svcspec.h).
 */
#include "config.h"

#include "svcspec.h"

#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "jsonx.h"
#include "planner.h"

const char **
svcspec_strings(struct json_object *arr, size_t *n)
{
	const char **v;
	size_t i, len;

	*n = 0;
	if (arr == NULL || !json_object_is_type(arr, json_type_array))
		return NULL;
	len = json_object_array_length(arr);
	if (len == 0)
		return NULL;
	v = xcalloc(len, sizeof *v);
	for (i = 0; i < len; i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);

		if (json_object_is_type(e, json_type_string))
			v[(*n)++] = json_object_get_string(e);
	}
	if (*n == 0) {
		free(v);
		return NULL;
	}
	return v;
}

/* Free the lists[0, n) svcspec_names() remembered, and lists. */
static void
svcspec_lists_free(const char ***lists, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(lists[i]);
	free(lists);
}

/* A names list of arr, remembered in *lists for freeing. */
static void
svcspec_names(struct json_object *arr, const char ****lists, size_t *nlists,
    const char *const **v, size_t *n)
{
	const char **a = svcspec_strings(arr, n);

	*v = a;
	if (a == NULL)
		return;
	*lists = xreallocarray(*lists, *nlists + 1, sizeof **lists);
	(*lists)[(*nlists)++] = a;
}

void
svcspec_services_read(struct json_object *arr, struct svcspec_services *out)
{
	size_t i, len;

	memset(out, 0, sizeof *out);
	if (arr == NULL || !json_object_is_type(arr, json_type_array))
		return;
	len = json_object_array_length(arr);
	out->v = xcalloc(len + 1, sizeof *out->v);
	for (i = 0; i < len; i++) {
		struct json_object *s = json_object_array_get_idx(arr, i);
		struct json_object *deps, *inst, *run, *acts;
		struct svcdeps_service *d = &out->v[out->n];
		const char *name = jsonx_get_str(s, "name");

		if (name == NULL || name[0] == '\0')
			continue;
		d->name = name;
		deps = jsonx_get(s, "dependencies");
		inst = jsonx_get(deps, "install");
		run = jsonx_get(deps, "runtime");
		svcspec_names(jsonx_get(deps, "provides"), &out->lists,
		    &out->nlists, &d->provides.v, &d->provides.n);
		svcspec_names(jsonx_get(deps, "conflicts"), &out->lists,
		    &out->nlists, &d->conflicts.v, &d->conflicts.n);
		svcspec_names(jsonx_get(inst, "requires"), &out->lists,
		    &out->nlists, &d->install_requires.v,
		    &d->install_requires.n);
		svcspec_names(jsonx_get(inst, "uses"), &out->lists,
		    &out->nlists, &d->install_uses.v, &d->install_uses.n);
		svcspec_names(jsonx_get(run, "requires"), &out->lists,
		    &out->nlists, &d->runtime_requires.v,
		    &d->runtime_requires.n);
		svcspec_names(jsonx_get(run, "uses"), &out->lists,
		    &out->nlists, &d->runtime_uses.v, &d->runtime_uses.n);
		svcspec_names(jsonx_get(s, "dependson"), &out->lists,
		    &out->nlists, &d->dependson.v, &d->dependson.n);
		acts = jsonx_get(jsonx_get(s, "provisioner"), "actions");
		if (acts != NULL &&
		    json_object_is_type(acts, json_type_object)) {
			json_object_object_foreach (acts, key, val) {
				enum planner_action a;

				(void)val;
				if (planner_action_parse(key, &a) == 0)
					d->actions |= SVCDEPS_BIT(a);
			}
		}
		out->n++;
	}
}

void
svcspec_services_free(struct svcspec_services *s)
{
	svcspec_lists_free(s->lists, s->nlists);
	free(s->v);
	memset(s, 0, sizeof *s);
}

/* A list of lists of names (mustcoexist, cantcoexist). */
static struct strtab_list *
svcspec_sets(struct json_object *arr, struct svcspec_constraints *out,
    size_t *n)
{
	struct strtab_list *v;
	size_t i, len;

	*n = 0;
	if (arr == NULL || !json_object_is_type(arr, json_type_array))
		return NULL;
	len = json_object_array_length(arr);
	v = xcalloc(len + 1, sizeof *v);
	for (i = 0; i < len; i++) {
		svcspec_names(json_object_array_get_idx(arr, i), &out->lists,
		    &out->nlists, &v[*n].v, &v[*n].n);
		if (v[*n].n > 0)
			(*n)++;
	}
	return v;
}

/* An int quantity, clamped to [0, LAYOUT_ADD_UNBOUNDED]. */
static int
svcspec_quantity(struct json_object *q, const char *key, int def)
{
	struct json_object *v = jsonx_get(q, key);
	int64_t x;

	if (v == NULL || jsonx_long(v, &x) != 0)
		return def;
	if (x < 0)
		return 0;
	return x > LAYOUT_ADD_UNBOUNDED ? LAYOUT_ADD_UNBOUNDED : (int)x;
}

void
svcspec_constraints_read(struct json_object *tmpl,
    struct svcspec_constraints *out)
{
	struct json_object *cons, *layout, *svcs;
	size_t n = 0;

	memset(out, 0, sizeof *out);
	cons = jsonx_get(tmpl, "constraints");
	layout = jsonx_get(cons, "layout");
	out->must = svcspec_sets(jsonx_get(layout, "mustcoexist"), out,
	    &out->c.nmustcoexist);
	out->cant = svcspec_sets(jsonx_get(layout, "cantcoexist"), out,
	    &out->c.ncantcoexist);
	out->c.mustcoexist = out->must;
	out->c.cantcoexist = out->cant;
	svcs = jsonx_get(cons, "services");
	if (svcs != NULL && json_object_is_type(svcs, json_type_object)) {
		out->svc = xcalloc((size_t)json_object_object_length(svcs) + 1,
		    sizeof *out->svc);
		json_object_object_foreach (svcs, key, val) {
			struct layout_add_constraint *sc = &out->svc[n];
			struct json_object *q;

			if (!json_object_is_type(val, json_type_object))
				continue;
			sc->service = key;
			svcspec_names(jsonx_get(val, "hardwaretypes"),
			    &out->lists, &out->nlists, &sc->hardwaretypes.v,
			    &sc->hardwaretypes.n);
			svcspec_names(jsonx_get(val, "imagetypes"),
			    &out->lists, &out->nlists, &sc->imagetypes.v,
			    &sc->imagetypes.n);
			q = jsonx_get(val, "quantities");
			sc->min = svcspec_quantity(q, "min", 0);
			sc->max =
			    svcspec_quantity(q, "max", LAYOUT_ADD_UNBOUNDED);
			n++;
		}
	}
	out->c.services = out->svc;
	out->c.nservices = n;
}

void
svcspec_constraints_free(struct svcspec_constraints *s)
{
	svcspec_lists_free(s->lists, s->nlists);
	free(s->svc);
	free(s->must);
	free(s->cant);
	memset(s, 0, sizeof *s);
}

int
svcspec_check_add(struct json_object *catalogue, struct json_object *doc,
    const char *const *services, size_t n, char **why)
{
	struct svcspec_services cat;
	struct strtab_list cl, rq = { services, n }, compat;
	const char **clv, **compatv;
	int rc;

	svcspec_services_read(catalogue, &cat);
	clv = svcspec_strings(jsonx_get(doc, "services"), &cl.n);
	cl.v = clv;
	compatv = svcspec_strings(jsonx_get(jsonx_get(jsonx_get(doc,
							  "clusterTemplate"),
						"compatibility"),
				      "services"),
	    &compat.n);
	compat.v = compatv;
	rc = svcdeps_check_add(cat.v, cat.n, &cl, &rq, &compat, why);
	svcspec_services_free(&cat);
	free(clv);
	free(compatv);
	return rc;
}
