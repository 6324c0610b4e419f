/* SPDX-License-Identifier: Apache-2.0 */
/*
 * planner_services.c - the service dependency graph of a cluster, analysed
 * once per service (ClusterScheduler's dependency part): the actions each
 * service defines, its minimised "dependson" set, the closures as bitsets
 * and the direct action dependencies that the task DAG expands per node.
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

/* Bit b of bitset row r. */
static int
planner_services_bit(const uint64_t *row, size_t b)
{
	return (row[b / 64] >> (b % 64)) & 1;
}

/* Set bit b of bitset row r. */
static void
planner_services_setbit(uint64_t *row, size_t b)
{
	row[b / 64] |= (uint64_t)1 << (b % 64);
}

/*
 * Closure of a graph given in CSR form (off/adj over n vertices): row s of
 * clos gets every vertex reachable from s in one or more steps.
 */
static void
planner_services_closure(size_t n, const size_t *off, const size_t *adj,
    uint64_t *clos, size_t words)
{
	size_t *queue, head, tail, s, u, k, v;

	queue = xreallocarray(NULL, n == 0 ? 1 : n, sizeof *queue);
	for (s = 0; s < n; s++) {
		uint64_t *row = clos + s * words;

		head = tail = 0;
		for (k = off[s]; k < off[s + 1]; k++) {
			v = adj[k];
			if (!planner_services_bit(row, v)) {
				planner_services_setbit(row, v);
				queue[tail++] = v;
			}
		}
		while (head < tail) {
			u = queue[head++];
			for (k = off[u]; k < off[u + 1]; k++) {
				v = adj[k];
				if (!planner_services_bit(row, v)) {
					planner_services_setbit(row, v);
					queue[tail++] = v;
				}
			}
		}
	}
	free(queue);
}

/* Compare two size_t values, for qsort. */
static int
planner_services_size_cmp(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The direct action dependencies of (service s, dependency dep)
 * (getDirectActionDependencies), appended to the growing adep array.
 */
static void
planner_services_find_deps(struct planner_services *svcs, size_t s,
    const struct planner_action_dependency *dep, size_t *queue, uint64_t *seen,
    size_t *found, size_t *acap)
{
	size_t head = 0, tail = 0, nfound = 0, i, j, k, p;
	int dominated;

	if (!(svcs->actions[s] & (1u << dep->to)))
		return;
	memset(seen, 0, svcs->words * sizeof *seen);
	for (k = svcs->min_off[s]; k < svcs->min_off[s + 1]; k++) {
		planner_services_setbit(seen, svcs->min[k]);
		queue[tail++] = svcs->min[k];
	}
	while (head < tail) {
		p = queue[head++];
		if (svcs->actions[p] & (1u << dep->from)) {
			found[nfound++] = p;
			continue;
		}
		for (k = svcs->min_off[p]; k < svcs->min_off[p + 1]; k++) {
			if (!planner_services_bit(seen, svcs->min[k])) {
				planner_services_setbit(seen, svcs->min[k]);
				queue[tail++] = svcs->min[k];
			}
		}
	}
	if (nfound > 1)
		qsort(found, nfound, sizeof *found, planner_services_size_cmp);
	for (i = 0; i < nfound; i++) {
		/* Drop q when another found p depends on it. */
		dominated = 0;
		for (j = 0; j < nfound && !dominated; j++) {
			if (planner_services_depends_on(svcs, found[j],
				found[i]))
				dominated = 1;
		}
		if (dominated)
			continue;
		k = svcs->adep_off[svcs->n * PLANNER_NDEPS];
		if (k == *acap) {
			*acap = *acap == 0 ? 16 : *acap * 2;
			svcs->adep = xreallocarray(svcs->adep, *acap,
			    sizeof *svcs->adep);
		}
		svcs->adep[k].service = found[i];
		svcs->adep[k].action = dep->from;
		svcs->adep_off[svcs->n * PLANNER_NDEPS] = k + 1;
	}
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
	struct json_object *deps, *d;
	size_t *raw_off = NULL, *raw = NULL, nraw = 0;
	size_t rawcap = 0;
	uint64_t *rclos = NULL, *uni = NULL, *seen = NULL;
	size_t *queue = NULL, *found = NULL, acap = 0;
	size_t s, k, len, ix, w;
	int d_i, rc = -1;

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
	svcs->words = (n + 63) / 64;
	if (svcs->words == 0)
		svcs->words = 1;

	/* Raw dependencies, known services only, sorted and unique. */
	raw_off = xcalloc(n + 1, sizeof *raw_off);
	for (s = 0; s < n; s++) {
		if (planner_services_def_actions(defs[s], &svcs->actions[s],
			err) != 0)
			goto fail;
		raw_off[s] = nraw;
		deps = jsonx_get(defs[s], "dependson");
		if (deps == NULL)
			continue;
		if (!json_object_is_type(deps, json_type_array)) {
			errbuf_set(err, "service %s: malformed dependson",
			    svcs->names->strs[s]);
			goto fail;
		}
		len = json_object_array_length(deps);
		for (k = 0; k < len; k++) {
			d = json_object_array_get_idx(deps, k);
			if (d == NULL ||
			    !json_object_is_type(d, json_type_string)) {
				errbuf_set(err,
				    "service %s: malformed "
				    "dependson",
				    svcs->names->strs[s]);
				goto fail;
			}
			if (strtab_find(svcs->names, json_object_get_string(d),
				&ix) != 0)
				continue; /* on no node: ignored */
			if (nraw == rawcap) {
				rawcap = rawcap == 0 ? 16 : rawcap * 2;
				raw = xreallocarray(raw, rawcap, sizeof *raw);
			}
			raw[nraw++] = ix;
		}
		if (nraw - raw_off[s] > 1)
			qsort(raw + raw_off[s], nraw - raw_off[s], sizeof *raw,
			    planner_services_size_cmp);
		w = raw_off[s];
		for (k = raw_off[s]; k < nraw; k++) {
			if (k == raw_off[s] || raw[k] != raw[w - 1])
				raw[w++] = raw[k];
		}
		nraw = w;
	}
	raw_off[n] = nraw;

	/* Minimise: drop what is reachable through another dependency. */
	w = svcs->words;
	rclos = xcalloc(n * w + 1, sizeof *rclos);
	planner_services_closure(n, raw_off, raw, rclos, w);
	uni = xcalloc(w, sizeof *uni);
	svcs->min_off = xcalloc(n + 1, sizeof *svcs->min_off);
	svcs->min = xreallocarray(NULL, nraw + 1, sizeof *svcs->min);
	nraw = 0;
	for (s = 0; s < n; s++) {
		memset(uni, 0, w * sizeof *uni);
		for (k = raw_off[s]; k < raw_off[s + 1]; k++) {
			for (ix = 0; ix < w; ix++)
				uni[ix] |= rclos[raw[k] * w + ix];
		}
		svcs->min_off[s] = nraw;
		for (k = raw_off[s]; k < raw_off[s + 1]; k++) {
			if (!planner_services_bit(uni, raw[k]))
				svcs->min[nraw++] = raw[k];
		}
	}
	svcs->min_off[n] = nraw;
	svcs->mclos = xcalloc(n * w + 1, sizeof *svcs->mclos);
	planner_services_closure(n, svcs->min_off, svcs->min, svcs->mclos, w);

	/* Direct action dependencies of each (service, dependency). */
	svcs->adep_off =
	    xcalloc(n * PLANNER_NDEPS + 1, sizeof *svcs->adep_off);
	queue = xreallocarray(NULL, n + 1, sizeof *queue);
	found = xreallocarray(NULL, n + 1, sizeof *found);
	seen = xcalloc(w, sizeof *seen);
	for (s = 0; s < n; s++) {
		for (d_i = 0; d_i < PLANNER_NDEPS; d_i++) {
			svcs->adep_off[s * PLANNER_NDEPS + d_i] =
			    svcs->adep_off[n * PLANNER_NDEPS];
			planner_services_find_deps(svcs, s,
			    &planner_action_create_deps[d_i], queue, seen,
			    found, &acap);
		}
	}

	*out = svcs;
	svcs = NULL;
	rc = 0;
fail:
	free(raw_off);
	free(raw);
	free(rclos);
	free(uni);
	free(queue);
	free(found);
	free(seen);
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
	free(svcs->min_off);
	free(svcs->min);
	free(svcs->mclos);
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
	return planner_services_bit(svcs->mclos + a * svcs->words, b);
}

const struct planner_svc_action *
planner_services_action_deps(const struct planner_services *svcs, size_t i,
    enum planner_action to, size_t *n)
{
	size_t k, d;

	*n = 0;
	if (i >= svcs->n)
		return NULL;
	for (d = 0; d < PLANNER_NDEPS; d++) {
		if (planner_action_create_deps[d].to != to)
			continue;
		k = i * PLANNER_NDEPS + d;
		*n = svcs->adep_off[k + 1] - svcs->adep_off[k];
		return svcs->adep + svcs->adep_off[k];
	}
	return NULL;
}
