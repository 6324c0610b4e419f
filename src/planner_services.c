/* SPDX-License-Identifier: Apache-2.0 */
/*
 * planner_services.c - the service dependency graph of a cluster, analysed
 * once per service: reads the Service JSON of the nodes (the actions each
 * service defines, 0.9 "dependson", 0.9.7 "dependencies") and hands it to
 * the resolver of svcdeps.c, which holds the one implementation of the
 * dependency rules; keeps its minimised runtime dependencies and its
 * direct action dependencies as service indexes for the task DAG.  Pure:
 * no I/O.
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

/* The name of a Service object, or NULL if it has none. */
const char *
planner_services_def_name(struct json_object *def)
{
	struct json_object *name;

	name = jsonx_get(def, "name");
	if (name == NULL || !json_object_is_type(name, json_type_string))
		return NULL;
	return json_object_get_string(name);
}

/* Bit mask of the provisioner actions a Service object defines. */
static int
planner_services_def_actions(struct json_object *def, unsigned int *mask,
    char err[LOOMD_ERR_LEN])
{
	struct json_object *prov, *acts;
	enum planner_action a;

	*mask = 0;
	prov = jsonx_get(def, "provisioner");
	if (prov == NULL)
		return 0;
	if (!json_object_is_type(prov, json_type_object))
		goto bad;
	acts = jsonx_get(prov, "actions");
	if (acts == NULL)
		return 0;
	if (!json_object_is_type(acts, json_type_object))
		goto bad;
	json_object_object_foreach (acts, key, val) {
		if (val != NULL && planner_action_parse_lower(key, &a) == 0)
			*mask |= 1u << a;
	}
	return 0;
bad:
	errbuf_set(err, "service %s: malformed provisioner actions",
	    planner_services_def_name(def));
	return -1;
}

/* Compare two Service objects by name, for qsort. */
static int
planner_services_def_cmp(const void *a, const void *b)
{
	struct json_object *const *da = a, *const *db = b;

	return strcmp(planner_services_def_name(*da),
	    planner_services_def_name(*db));
}

/*
 * The strings of the JSON array obj[key] of service def as a name list
 * (obj NULL or key absent: empty).  The array of pointers is new and
 * appended to the scratch list *keep (*nkeep entries) for the caller to
 * free; the strings are borrowed from the JSON.  Empty names are skipped
 * (they name no service).
 */
static int
planner_services_list(struct json_object *def, struct json_object *obj,
    const char *key, const char *what, struct strtab_list *out, void ***keep,
    size_t *nkeep, char err[LOOMD_ERR_LEN])
{
	struct json_object *arr, *e;
	const char **v;
	size_t len, i, n = 0;

	out->v = NULL;
	out->n = 0;
	if (obj == NULL)
		return 0;
	if (!json_object_is_type(obj, json_type_object))
		goto bad;
	arr = jsonx_get(obj, key);
	if (arr == NULL || json_object_is_type(arr, json_type_null))
		return 0;
	if (!json_object_is_type(arr, json_type_array))
		goto bad;
	len = json_object_array_length(arr);
	v = xreallocarray(NULL, len + 1, sizeof *v);
	*keep = xreallocarray(*keep, *nkeep + 1, sizeof **keep);
	(*keep)[(*nkeep)++] = v;
	for (i = 0; i < len; i++) {
		e = json_object_array_get_idx(arr, i);
		if (e == NULL || !json_object_is_type(e, json_type_string))
			goto bad;
		if (*json_object_get_string(e) != '\0')
			v[n++] = json_object_get_string(e);
	}
	out->v = v;
	out->n = n;
	return 0;
bad:
	errbuf_set(err, "service %s: malformed %s",
	    planner_services_def_name(def), what);
	return -1;
}

/*
 * The resolver's view of Service object def: actions, 0.9 dependson and
 * 0.9.7 dependencies.  Name lists are borrowed from def, their arrays
 * kept in *keep.
 */
static int
planner_services_def_read(struct json_object *def, struct svcdeps_service *out,
    void ***keep, size_t *nkeep, char err[LOOMD_ERR_LEN])
{
	struct json_object *deps, *inst = NULL, *rt = NULL;

	memset(out, 0, sizeof *out);
	out->name = planner_services_def_name(def);
	if (planner_services_def_actions(def, &out->actions, err) != 0)
		return -1;
	if (planner_services_list(def, def, "dependson", "dependson",
		&out->dependson, keep, nkeep, err) != 0)
		return -1;
	deps = jsonx_get(def, "dependencies");
	if (deps != NULL && json_object_is_type(deps, json_type_null))
		deps = NULL;
	if (deps != NULL) {
		if (!json_object_is_type(deps, json_type_object)) {
			errbuf_set(err, "service %s: malformed dependencies",
			    out->name);
			return -1;
		}
		inst = jsonx_get(deps, "install");
		rt = jsonx_get(deps, "runtime");
		if (inst != NULL && json_object_is_type(inst, json_type_null))
			inst = NULL;
		if (rt != NULL && json_object_is_type(rt, json_type_null))
			rt = NULL;
	}
	if (planner_services_list(def, deps, "provides",
		"dependencies.provides", &out->provides, keep, nkeep,
		err) != 0 ||
	    planner_services_list(def, deps, "conflicts",
		"dependencies.conflicts", &out->conflicts, keep, nkeep,
		err) != 0 ||
	    planner_services_list(def, inst, "requires",
		"dependencies.install", &out->install_requires, keep, nkeep,
		err) != 0 ||
	    planner_services_list(def, inst, "uses", "dependencies.install",
		&out->install_uses, keep, nkeep, err) != 0 ||
	    planner_services_list(def, rt, "requires", "dependencies.runtime",
		&out->runtime_requires, keep, nkeep, err) != 0 ||
	    planner_services_list(def, rt, "uses", "dependencies.runtime",
		&out->runtime_uses, keep, nkeep, err) != 0)
		return -1;
	return 0;
}

/*
 * Build the service graph from n Service objects with distinct names
 * (borrowed; defs is reordered by name).
 */
int
planner_services_build(struct json_object **defs, size_t n,
    struct planner_services **out, char err[LOOMD_ERR_LEN])
{
	struct planner_services *svcs;
	struct svcdeps_service *sd = NULL;
	const struct svcdeps_action_dep *ad;
	const char *const *md;
	void **keep = NULL;
	size_t nkeep = 0, s, k, nd, ix, total, cap;
	unsigned int a;
	int rc = -1;

	*out = NULL;
	svcs = xcalloc(1, sizeof *svcs);
	svcs->n = n;
	svcs->names = strtab_new(true);
	if (n > 1)
		qsort(defs, n, sizeof *defs, planner_services_def_cmp);
	for (s = 0; s < n; s++)
		strtab_intern(svcs->names, planner_services_def_name(defs[s]),
		    NULL);
	svcs->actions = xcalloc(n == 0 ? 1 : n, sizeof *svcs->actions);
	sd = xcalloc(n == 0 ? 1 : n, sizeof *sd);
	for (s = 0; s < n; s++) {
		if (planner_services_def_read(defs[s], &sd[s], &keep, &nkeep,
			err) != 0)
			goto fail;
		svcs->actions[s] = sd[s].actions;
	}
	if (svcdeps_new(sd, n, &svcs->deps, err) != 0)
		goto fail;

	/* Minimised runtime dependencies, services of the graph only. */
	svcs->min_off = xcalloc(n + 1, sizeof *svcs->min_off);
	total = cap = 0;
	for (s = 0; s < n; s++) {
		svcs->min_off[s] = total;
		md = svcdeps_min_deps(svcs->deps, SVCDEPS_GRAPH_RUNTIME,
		    svcs->names->strs[s], &nd);
		for (k = 0; k < nd; k++) {
			if (strtab_find(svcs->names, md[k], &ix) != 0)
				continue;
			if (total == cap) {
				cap = cap == 0 ? 16 : cap * 2;
				svcs->min = xreallocarray(svcs->min, cap,
				    sizeof *svcs->min);
			}
			svcs->min[total++] = ix;
		}
	}
	svcs->min_off[n] = total;

	/* Direct action dependencies of each (service, action). */
	svcs->adep_off =
	    xcalloc(n * PLANNER_ACTION_COUNT + 1, sizeof *svcs->adep_off);
	total = cap = 0;
	for (s = 0; s < n; s++) {
		for (a = 0; a < PLANNER_ACTION_COUNT; a++) {
			svcs->adep_off[s * PLANNER_ACTION_COUNT + a] = total;
			ad = svcdeps_action_deps(svcs->deps,
			    svcs->names->strs[s], (enum planner_action)a, &nd);
			for (k = 0; k < nd; k++) {
				if (strtab_find(svcs->names, ad[k].service,
					&ix) != 0)
					fatalx("%s: service %s lost", __func__,
					    ad[k].service);
				if (total == cap) {
					cap = cap == 0 ? 16 : cap * 2;
					svcs->adep = xreallocarray(svcs->adep,
					    cap, sizeof *svcs->adep);
				}
				svcs->adep[total].service = ix;
				svcs->adep[total].action = ad[k].action;
				total++;
			}
		}
	}
	svcs->adep_off[n * PLANNER_ACTION_COUNT] = total;

	*out = svcs;
	svcs = NULL;
	rc = 0;
fail:
	for (k = 0; k < nkeep; k++)
		free(keep[k]);
	free(keep);
	free(sd);
	planner_services_free(svcs);
	return rc;
}

int
planner_services_new(struct json_object *services,
    struct planner_services **out, char err[LOOMD_ERR_LEN])
{
	struct strtab *seen;
	struct json_object **defs = NULL, *def;
	size_t n = 0, len, i;
	int added, rc;

	*out = NULL;
	if (services != NULL &&
	    !json_object_is_type(services, json_type_array)) {
		errbuf_set(err, "services must be an array");
		return -1;
	}
	len = services == NULL ? 0 : json_object_array_length(services);
	seen = strtab_new(true);
	defs = xreallocarray(NULL, len + 1, sizeof *defs);
	for (i = 0; i < len; i++) {
		def = json_object_array_get_idx(services, i);
		if (planner_services_def_name(def) == NULL) {
			errbuf_set(err, "service %zu has no name", i);
			goto fail;
		}
		strtab_intern(seen, planner_services_def_name(def), &added);
		if (added)
			defs[n++] = def;
	}
	rc = planner_services_build(defs, n, out, err);
	free(defs);
	strtab_free(seen);
	return rc;
fail:
	free(defs);
	strtab_free(seen);
	return -1;
}

void
planner_services_free(struct planner_services *svcs)
{
	if (svcs == NULL)
		return;
	strtab_free(svcs->names);
	free(svcs->actions);
	svcdeps_free(svcs->deps);
	free(svcs->min_off);
	free(svcs->min);
	free(svcs->adep_off);
	free(svcs->adep);
	free(svcs);
}

size_t
planner_services_count(const struct planner_services *svcs)
{
	return svcs->n;
}

const char *
planner_services_name(const struct planner_services *svcs, size_t i)
{
	if (i >= svcs->n)
		return NULL;
	return svcs->names->strs[i];
}

int
planner_services_find(const struct planner_services *svcs, const char *name,
    size_t *i)
{
	if (name == NULL)
		return -1;
	return strtab_find(svcs->names, name, i);
}

int
planner_services_has_action(const struct planner_services *svcs, size_t i,
    enum planner_action a)
{
	if (i >= svcs->n || (unsigned int)a >= PLANNER_ACTION_COUNT)
		return 0;
	return (svcs->actions[i] >> a) & 1;
}

const size_t *
planner_services_min_deps(const struct planner_services *svcs, size_t i,
    size_t *n)
{
	if (i >= svcs->n) {
		*n = 0;
		return NULL;
	}
	*n = svcs->min_off[i + 1] - svcs->min_off[i];
	return svcs->min + svcs->min_off[i];
}

int
planner_services_depends_on(const struct planner_services *svcs, size_t a,
    size_t b)
{
	if (a == b || a >= svcs->n || b >= svcs->n)
		return 0;
	return svcdeps_runtime_depends_on(svcs->deps, svcs->names->strs[a],
	    svcs->names->strs[b]);
}

const struct planner_svc_action *
planner_services_action_deps(const struct planner_services *svcs, size_t i,
    enum planner_action to, size_t *n)
{
	size_t k;

	*n = 0;
	if (i >= svcs->n || (unsigned int)to >= PLANNER_ACTION_COUNT)
		return NULL;
	k = i * PLANNER_ACTION_COUNT + to;
	*n = svcs->adep_off[k + 1] - svcs->adep_off[k];
	return *n == 0 ? NULL : svcs->adep + svcs->adep_off[k];
}
