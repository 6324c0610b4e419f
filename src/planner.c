/* SPDX-License-Identifier: Apache-2.0 */
/*
 * planner.c - the Loom 0.9 planner (LOOM-0.9-API.md section 3.5), a port of
 * ClusterScheduler, Actions and TaskDag that scales linearly with the
 * number of nodes: the service dependency graph is analysed once per
 * service (minimised dependencies, closures as bitsets, direct action
 * dependencies), then expanded per node into a task DAG in which every
 * "all nodes with service p must finish action F" dependency goes through
 * one hub vertex instead of an edge per pair of nodes.  Linearisation is a
 * Kahn pass computing longest-path layers (hubs take no layer), the stage
 * order is a sort on (layer, action, service, node), and de-duplication is
 * one counter per node.  Also the plan JSON and the retry/rollback decision
 * of section 3.8.  Pure: no I/O.
 */
#include "config.h"

#include "planner.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "jsonx.h"
#include "strtab.h"

/* No service: the vertex is a hardware action. */
#define PLANNER_NOSVC UINT32_MAX
/* No vertex. */
#define PLANNER_NOV UINT32_MAX

static const char *const planner_action_names_upper[PLANNER_ACTION_COUNT] = {
	"CREATE", "CONFIRM", "BOOTSTRAP", "INSTALL", "REMOVE", "INITIALIZE",
	"CONFIGURE", "START", "STOP", "DELETE",
};
static const char *const planner_action_names_lower[PLANNER_ACTION_COUNT] = {
	"create", "confirm", "bootstrap", "install", "remove", "initialize",
	"configure", "start", "stop", "delete",
};
static const char *const
    planner_cluster_action_names_upper[PLANNER_CLUSTER_ACTION_COUNT] = {
	"SOLVE_LAYOUT", "CLUSTER_CREATE", "CLUSTER_DELETE",
};
static const char *const
    planner_cluster_action_names_lower[PLANNER_CLUSTER_ACTION_COUNT] = {
	"solve_layout", "cluster_create", "cluster_delete",
};

/* Actions.actionOrder. */
static const enum planner_action planner_order_create[] = {
	PLANNER_ACTION_CREATE, PLANNER_ACTION_CONFIRM, PLANNER_ACTION_BOOTSTRAP,
	PLANNER_ACTION_INSTALL, PLANNER_ACTION_CONFIGURE,
	PLANNER_ACTION_INITIALIZE, PLANNER_ACTION_START,
};
static const enum planner_action planner_order_delete[] = {
	PLANNER_ACTION_DELETE,
};

/* Actions.actionDependency of CLUSTER_CREATE: `to` waits for `from`. */
struct planner_action_dependency {
	enum planner_action	from;
	enum planner_action	to;
};
#define PLANNER_NDEPS 2
static const struct planner_action_dependency
    planner_create_deps[PLANNER_NDEPS] = {
	{ PLANNER_ACTION_START, PLANNER_ACTION_START },
	{ PLANNER_ACTION_START, PLANNER_ACTION_INITIALIZE },
};

struct planner_services {
	size_t				 n;
	struct strtab		*names;	/* index order = name order */
	unsigned int			*actions; /* bit a: defines action a */
	size_t				*min_off;	/* n + 1 */
	size_t				*min;
	size_t				 words;	/* bitset row length */
	uint64_t			*mclos;	/* n rows: closure of min */
	size_t				*adep_off; /* n * PLANNER_NDEPS + 1 */
	struct planner_svc_action	*adep;
};

struct planner_vertex {
	uint32_t	node;
	uint32_t	svc;	/* PLANNER_NOSVC: hardware action */
	uint32_t	action;
};

struct planner_pair {
	uint32_t	from;
	uint32_t	to;
};

/* Vertices [0, nhubs) are hubs, the rest are tasks. */
struct planner_dag {
	enum planner_cluster_action	 ca;
	struct strtab		*nodes;
	struct planner_services		*svcs;
	size_t				 nhubs;
	struct planner_vertex		*v;
	size_t				 nv;
	size_t				 vcap;
	struct planner_pair		*e;
	size_t				 ne;
	size_t				 ecap;
};

/* Growable text buffer. */
struct planner_buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};

/* Sort key of one task of a linearised DAG. */
struct planner_key {
	uint32_t	layer;
	uint32_t	action;	/* rank in the cluster action's order */
	uint32_t	svc;	/* 0 = hardware, else service index + 1 */
	uint32_t	node;
};

/* Copy a message into a caller's error buffer. */
static void LOOMD_PRINTF(2, 3)
planner_err(char err[LOOMD_ERR_LEN], const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(err, LOOMD_ERR_LEN, fmt, ap);
	va_end(ap);
}

const char *
planner_action_upper(enum planner_action a)
{
	if ((unsigned int)a >= PLANNER_ACTION_COUNT)
		return (NULL);
	return (planner_action_names_upper[a]);
}

const char *
planner_action_lower(enum planner_action a)
{
	if ((unsigned int)a >= PLANNER_ACTION_COUNT)
		return (NULL);
	return (planner_action_names_lower[a]);
}

int
planner_action_parse(const char *s, enum planner_action *out)
{
	int	i;

	if (s == NULL)
		return (-1);
	for (i = 0; i < PLANNER_ACTION_COUNT; i++) {
		if (strcmp(s, planner_action_names_upper[i]) == 0 ||
		    strcmp(s, planner_action_names_lower[i]) == 0) {
			*out = (enum planner_action)i;
			return (0);
		}
	}
	return (-1);
}

/* Parse an exact lower-case action name (a provisioner.actions key). */
static int
planner_action_parse_lower(const char *s, enum planner_action *out)
{
	int	i;

	for (i = 0; i < PLANNER_ACTION_COUNT; i++) {
		if (strcmp(s, planner_action_names_lower[i]) == 0) {
			*out = (enum planner_action)i;
			return (0);
		}
	}
	return (-1);
}

int
planner_action_is_hardware(enum planner_action a)
{
	return (a == PLANNER_ACTION_CREATE || a == PLANNER_ACTION_CONFIRM ||
	    a == PLANNER_ACTION_BOOTSTRAP || a == PLANNER_ACTION_DELETE);
}

const char *
planner_cluster_action_upper(enum planner_cluster_action ca)
{
	if ((unsigned int)ca >= PLANNER_CLUSTER_ACTION_COUNT)
		return (NULL);
	return (planner_cluster_action_names_upper[ca]);
}

const char *
planner_cluster_action_lower(enum planner_cluster_action ca)
{
	if ((unsigned int)ca >= PLANNER_CLUSTER_ACTION_COUNT)
		return (NULL);
	return (planner_cluster_action_names_lower[ca]);
}

int
planner_cluster_action_parse(const char *s, enum planner_cluster_action *out)
{
	int	i;

	if (s == NULL)
		return (-1);
	for (i = 0; i < PLANNER_CLUSTER_ACTION_COUNT; i++) {
		if (strcmp(s, planner_cluster_action_names_upper[i]) == 0 ||
		    strcmp(s, planner_cluster_action_names_lower[i]) == 0) {
			*out = (enum planner_cluster_action)i;
			return (0);
		}
	}
	return (-1);
}

const enum planner_action *
planner_action_order(enum planner_cluster_action ca, size_t *n)
{
	switch (ca) {
	case PLANNER_CLUSTER_CREATE:
		*n = sizeof planner_order_create /
		    sizeof planner_order_create[0];
		return (planner_order_create);
	case PLANNER_CLUSTER_DELETE:
		*n = sizeof planner_order_delete /
		    sizeof planner_order_delete[0];
		return (planner_order_delete);
	default:
		*n = 0;
		return (NULL);
	}
}

/* The name of a Service object, or NULL if it has none. */
static const char *
planner_service_name(struct json_object *def)
{
	struct json_object	*name;

	name = jsonx_get(def, "name");
	if (name == NULL || !json_object_is_type(name, json_type_string))
		return (NULL);
	return (json_object_get_string(name));
}

/* Bit mask of the provisioner actions a Service object defines. */
static int
planner_service_actions(struct json_object *def, unsigned int *mask,
    char err[LOOMD_ERR_LEN])
{
	struct json_object	*prov, *acts;
	enum planner_action	 a;

	*mask = 0;
	prov = jsonx_get(def, "provisioner");
	if (prov == NULL)
		return (0);
	if (!json_object_is_type(prov, json_type_object))
		goto bad;
	acts = jsonx_get(prov, "actions");
	if (acts == NULL)
		return (0);
	if (!json_object_is_type(acts, json_type_object))
		goto bad;
	json_object_object_foreach(acts, key, val) {
		if (val != NULL && planner_action_parse_lower(key, &a) == 0)
			*mask |= 1u << a;
	}
	return (0);
bad:
	planner_err(err, "service %s: malformed provisioner actions",
	    planner_service_name(def));
	return (-1);
}

/* Compare two Service objects by name, for qsort. */
static int
planner_def_cmp(const void *a, const void *b)
{
	struct json_object *const	*da = a, *const *db = b;

	return (strcmp(planner_service_name(*da), planner_service_name(*db)));
}

/* Bit b of bitset row r. */
static int
planner_bit(const uint64_t *row, size_t b)
{
	return ((row[b / 64] >> (b % 64)) & 1);
}

/* Set bit b of bitset row r. */
static void
planner_setbit(uint64_t *row, size_t b)
{
	row[b / 64] |= (uint64_t)1 << (b % 64);
}

/*
 * Closure of a graph given in CSR form (off/adj over n vertices): row s of
 * clos gets every vertex reachable from s in one or more steps.
 */
static void
planner_closure(size_t n, const size_t *off, const size_t *adj,
    uint64_t *clos, size_t words)
{
	size_t	*queue, head, tail, s, u, k, v;

	queue = xreallocarray(NULL, n == 0 ? 1 : n, sizeof *queue);
	for (s = 0; s < n; s++) {
		uint64_t	*row = clos + s * words;

		head = tail = 0;
		for (k = off[s]; k < off[s + 1]; k++) {
			v = adj[k];
			if (!planner_bit(row, v)) {
				planner_setbit(row, v);
				queue[tail++] = v;
			}
		}
		while (head < tail) {
			u = queue[head++];
			for (k = off[u]; k < off[u + 1]; k++) {
				v = adj[k];
				if (!planner_bit(row, v)) {
					planner_setbit(row, v);
					queue[tail++] = v;
				}
			}
		}
	}
	free(queue);
}

/* Compare two size_t values, for qsort. */
static int
planner_size_cmp(const void *a, const void *b)
{
	size_t	x = *(const size_t *)a, y = *(const size_t *)b;

	return (x < y ? -1 : x > y);
}

/*
 * The direct action dependencies of (service s, dependency dep)
 * (getDirectActionDependencies), appended to the growing adep array.
 */
static void
planner_find_action_deps(struct planner_services *svcs, size_t s,
    const struct planner_action_dependency *dep, size_t *queue,
    uint64_t *seen, size_t *found, size_t *acap)
{
	size_t	 head = 0, tail = 0, nfound = 0, i, j, k, p;
	int	 dominated;

	if (!(svcs->actions[s] & (1u << dep->to)))
		return;
	memset(seen, 0, svcs->words * sizeof *seen);
	for (k = svcs->min_off[s]; k < svcs->min_off[s + 1]; k++) {
		planner_setbit(seen, svcs->min[k]);
		queue[tail++] = svcs->min[k];
	}
	while (head < tail) {
		p = queue[head++];
		if (svcs->actions[p] & (1u << dep->from)) {
			found[nfound++] = p;
			continue;
		}
		for (k = svcs->min_off[p]; k < svcs->min_off[p + 1]; k++) {
			if (!planner_bit(seen, svcs->min[k])) {
				planner_setbit(seen, svcs->min[k]);
				queue[tail++] = svcs->min[k];
			}
		}
	}
	if (nfound > 1)
		qsort(found, nfound, sizeof *found, planner_size_cmp);
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
static int
planner_services_build(struct json_object **defs, size_t n,
    struct planner_services **out, char err[LOOMD_ERR_LEN])
{
	struct planner_services	*svcs;
	struct json_object	*deps, *d;
	size_t			*raw_off = NULL, *raw = NULL, nraw = 0;
	size_t			 rawcap = 0;
	uint64_t		*rclos = NULL, *uni = NULL, *seen = NULL;
	size_t			*queue = NULL, *found = NULL, acap = 0;
	size_t			 s, k, len, ix, w;
	int			 d_i;

	*out = NULL;
	svcs = xcalloc(1, sizeof *svcs);
	svcs->n = n;
	svcs->names = strtab_new(true);
	if (n > 1)
		qsort(defs, n, sizeof *defs, planner_def_cmp);
	for (s = 0; s < n; s++)
		strtab_intern(svcs->names,
		    planner_service_name(defs[s]), NULL);
	svcs->actions = xcalloc(n == 0 ? 1 : n, sizeof *svcs->actions);
	svcs->words = (n + 63) / 64;
	if (svcs->words == 0)
		svcs->words = 1;

	/* Raw dependencies, known services only, sorted and unique. */
	raw_off = xcalloc(n + 1, sizeof *raw_off);
	for (s = 0; s < n; s++) {
		if (planner_service_actions(defs[s], &svcs->actions[s],
		    err) != 0)
			goto fail;
		raw_off[s] = nraw;
		deps = jsonx_get(defs[s], "dependson");
		if (deps == NULL)
			continue;
		if (!json_object_is_type(deps, json_type_array)) {
			planner_err(err, "service %s: malformed dependson",
			    svcs->names->strs[s]);
			goto fail;
		}
		len = json_object_array_length(deps);
		for (k = 0; k < len; k++) {
			d = json_object_array_get_idx(deps, k);
			if (d == NULL ||
			    !json_object_is_type(d, json_type_string)) {
				planner_err(err, "service %s: malformed "
				    "dependson", svcs->names->strs[s]);
				goto fail;
			}
			if (strtab_find(svcs->names,
			    json_object_get_string(d), &ix) != 0)
				continue;	/* on no node: ignored */
			if (nraw == rawcap) {
				rawcap = rawcap == 0 ? 16 : rawcap * 2;
				raw = xreallocarray(raw, rawcap, sizeof *raw);
			}
			raw[nraw++] = ix;
		}
		if (nraw - raw_off[s] > 1)
			qsort(raw + raw_off[s], nraw - raw_off[s],
			    sizeof *raw, planner_size_cmp);
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
	planner_closure(n, raw_off, raw, rclos, w);
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
			if (!planner_bit(uni, raw[k]))
				svcs->min[nraw++] = raw[k];
		}
	}
	svcs->min_off[n] = nraw;
	svcs->mclos = xcalloc(n * w + 1, sizeof *svcs->mclos);
	planner_closure(n, svcs->min_off, svcs->min, svcs->mclos, w);

	/* Direct action dependencies of each (service, dependency). */
	svcs->adep_off = xcalloc(n * PLANNER_NDEPS + 1,
	    sizeof *svcs->adep_off);
	queue = xreallocarray(NULL, n + 1, sizeof *queue);
	found = xreallocarray(NULL, n + 1, sizeof *found);
	seen = xcalloc(w, sizeof *seen);
	for (s = 0; s < n; s++) {
		for (d_i = 0; d_i < PLANNER_NDEPS; d_i++) {
			svcs->adep_off[s * PLANNER_NDEPS + d_i] =
			    svcs->adep_off[n * PLANNER_NDEPS];
			planner_find_action_deps(svcs, s,
			    &planner_create_deps[d_i], queue, seen, found,
			    &acap);
		}
	}

	free(raw_off);
	free(raw);
	free(rclos);
	free(uni);
	free(queue);
	free(found);
	free(seen);
	*out = svcs;
	return (0);
fail:
	free(raw_off);
	free(raw);
	free(rclos);
	free(uni);
	free(queue);
	free(found);
	free(seen);
	planner_services_free(svcs);
	return (-1);
}

int
planner_services_new(struct json_object *services,
    struct planner_services **out, char err[LOOMD_ERR_LEN])
{
	struct strtab	 *seen;
	struct json_object	**defs = NULL, *def;
	size_t			  n = 0, len, i;
	int			  added, rc;

	*out = NULL;
	if (services != NULL &&
	    !json_object_is_type(services, json_type_array)) {
		planner_err(err, "services must be an array");
		return (-1);
	}
	len = services == NULL ? 0 : json_object_array_length(services);
	seen = strtab_new(true);
	defs = xreallocarray(NULL, len + 1, sizeof *defs);
	for (i = 0; i < len; i++) {
		def = json_object_array_get_idx(services, i);
		if (planner_service_name(def) == NULL) {
			planner_err(err, "service %zu has no name", i);
			goto fail;
		}
		strtab_intern(seen, planner_service_name(def), &added);
		if (added)
			defs[n++] = def;
	}
	rc = planner_services_build(defs, n, out, err);
	free(defs);
	strtab_free(seen);
	return (rc);
fail:
	free(defs);
	strtab_free(seen);
	return (-1);
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
	return (svcs->n);
}

const char *
planner_services_name(const struct planner_services *svcs, size_t i)
{
	if (i >= svcs->n)
		return (NULL);
	return (svcs->names->strs[i]);
}

int
planner_services_find(const struct planner_services *svcs, const char *name,
    size_t *i)
{
	if (name == NULL)
		return (-1);
	return (strtab_find(svcs->names, name, i));
}

int
planner_services_has_action(const struct planner_services *svcs, size_t i,
    enum planner_action a)
{
	if (i >= svcs->n || (unsigned int)a >= PLANNER_ACTION_COUNT)
		return (0);
	return ((svcs->actions[i] >> a) & 1);
}

const size_t *
planner_services_min_deps(const struct planner_services *svcs, size_t i,
    size_t *n)
{
	if (i >= svcs->n) {
		*n = 0;
		return (NULL);
	}
	*n = svcs->min_off[i + 1] - svcs->min_off[i];
	return (svcs->min + svcs->min_off[i]);
}

int
planner_services_depends_on(const struct planner_services *svcs, size_t a,
    size_t b)
{
	if (a == b || a >= svcs->n || b >= svcs->n)
		return (0);
	return (planner_bit(svcs->mclos + a * svcs->words, b));
}

const struct planner_svc_action *
planner_services_action_deps(const struct planner_services *svcs, size_t i,
    enum planner_action to, size_t *n)
{
	size_t	k, d;

	*n = 0;
	if (i >= svcs->n)
		return (NULL);
	for (d = 0; d < PLANNER_NDEPS; d++) {
		if (planner_create_deps[d].to != to)
			continue;
		k = i * PLANNER_NDEPS + d;
		*n = svcs->adep_off[k + 1] - svcs->adep_off[k];
		return (svcs->adep + svcs->adep_off[k]);
	}
	return (NULL);
}

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
	return ((uint32_t)dag->nv++);
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
	struct json_object	*node, *id, *list, *def;
	const char		*name;
	size_t			 nnodes, i, k, len, t, j, n = 0, cap = 0;
	size_t			 dcap = 0;
	int			 added;

	nnodes = nodes == NULL ? 0 : json_object_array_length(nodes);
	*off = xcalloc(nnodes + 1, sizeof **off);
	for (i = 0; i < nnodes; i++) {
		node = json_object_array_get_idx(nodes, i);
		id = jsonx_get(node, "id");
		if (id == NULL || !json_object_is_type(id, json_type_string)) {
			planner_err(err, "node %zu has no id", i);
			return (-1);
		}
		strtab_intern(dag->nodes, json_object_get_string(id),
		    &added);
		if (!added) {
			planner_err(err, "duplicate node id %s",
			    json_object_get_string(id));
			return (-1);
		}
		(*off)[i] = n;
		list = jsonx_get(node, "services");
		if (list == NULL)
			continue;
		if (!json_object_is_type(list, json_type_array)) {
			planner_err(err, "node %s: malformed services",
			    json_object_get_string(id));
			return (-1);
		}
		len = json_object_array_length(list);
		for (k = 0; k < len; k++) {
			def = json_object_array_get_idx(list, k);
			name = planner_service_name(def);
			if (name == NULL) {
				planner_err(err, "node %s: service without "
				    "name", json_object_get_string(id));
				return (-1);
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
				continue;	/* listed twice on this node */
			if (n == cap) {
				cap = cap == 0 ? 64 : cap * 2;
				*nsvc = xreallocarray(*nsvc, cap,
				    sizeof **nsvc);
			}
			(*nsvc)[n++] = t;
		}
	}
	(*off)[nnodes] = n;
	return (0);
}

/* Add the vertices and edges of every node (createTaskDag). */
static void
planner_dag_fill(struct planner_dag *dag, const size_t *off,
    const size_t *nsvc, const size_t *remap)
{
	const struct planner_services	*svcs = dag->svcs;
	const enum planner_action	*order;
	const struct planner_svc_action	*deps;
	uint32_t			*hub, hw[PLANNER_ACTION_COUNT];
	uint32_t			 cur[PLANNER_ACTION_COUNT], prev, v, h;
	size_t				 norder, nnodes, i, k, j, d, ndeps;
	size_t				 nhub_slots;
	enum planner_action		 a;
	uint32_t			 s;
	int				 isnew;

	order = planner_action_order(dag->ca, &norder);
	nnodes = dag->nodes->n;

	/* Hubs: one per (service, from-action) something depends on. */
	nhub_slots = svcs->n * PLANNER_ACTION_COUNT + 1;
	hub = xreallocarray(NULL, nhub_slots, sizeof *hub);
	for (k = 0; k < nhub_slots; k++)
		hub[k] = PLANNER_NOV;
	if (dag->ca == PLANNER_CLUSTER_CREATE) {
		for (k = 0; k < svcs->adep_off[svcs->n * PLANNER_NDEPS];
		    k++) {
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
				if (prev != PLANNER_NOV && (isnew ||
				    dag->v[prev].svc != PLANNER_NOSVC))
					planner_dag_edge(dag, prev, v);
				prev = v;
				cur[a] = v;
			}
			if (dag->ca != PLANNER_CLUSTER_CREATE)
				continue;
			for (d = 0; d < PLANNER_NDEPS; d++) {
				a = planner_create_deps[d].to;
				if (cur[a] == PLANNER_NOV)
					continue;
				deps = planner_services_action_deps(svcs, s,
				    a, &ndeps);
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
	struct planner_dag	 *dag;
	struct strtab	 *seen;
	struct json_object	**defs = NULL;
	size_t			  ndefs = 0, *off = NULL, *nsvc = NULL;
	size_t			 *remap = NULL, t, norder;

	*out = NULL;
	if (planner_action_order(ca, &norder) == NULL) {
		planner_err(err, "cluster action %s has no action order",
		    planner_cluster_action_upper(ca) == NULL ? "?" :
		    planner_cluster_action_upper(ca));
		return (-1);
	}
	if (nodes != NULL && !json_object_is_type(nodes, json_type_array)) {
		planner_err(err, "nodes must be an array");
		return (-1);
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
		planner_err(err, "too many tasks");
		goto fail;
	}

	free(defs);
	free(off);
	free(nsvc);
	free(remap);
	strtab_free(seen);
	*out = dag;
	return (0);
fail:
	free(defs);
	free(off);
	free(nsvc);
	free(remap);
	strtab_free(seen);
	planner_dag_free(dag);
	return (-1);
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
	return (dag->svcs);
}

size_t
planner_dag_ntasks(const struct planner_dag *dag)
{
	return (dag->nv - dag->nhubs);
}

void
planner_dag_task(const struct planner_dag *dag, size_t i,
    struct planner_task *out)
{
	const struct planner_vertex	*v = &dag->v[dag->nhubs + i];

	out->node_id = dag->nodes->strs[v->node];
	out->service = v->svc == PLANNER_NOSVC ? "" :
	    dag->svcs->names->strs[v->svc];
	out->action = (enum planner_action)v->action;
	out->node_ix = v->node;
}

/* Build the out-edge lists (CSR) of nv vertices. */
static void
planner_csr(size_t nv, const struct planner_pair *e, size_t ne,
    uint32_t **off_out, uint32_t **adj_out)
{
	uint32_t	*off, *adj, *pos;
	size_t		 i;

	off = xcalloc(nv + 1, sizeof *off);
	adj = xreallocarray(NULL, ne + 1, sizeof *adj);
	for (i = 0; i < ne; i++)
		off[e[i].from + 1]++;
	for (i = 0; i < nv; i++)
		off[i + 1] += off[i];
	pos = xreallocarray(NULL, nv + 1, sizeof *pos);
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
static int
planner_layers(size_t nv, size_t nhubs, const struct planner_pair *e,
    size_t ne, uint32_t *layer, size_t *nlayers, char err[LOOMD_ERR_LEN])
{
	uint32_t	*off = NULL, *adj = NULL, *indeg, *queue;
	size_t		 head = 0, tail = 0, i, k, max = 0;
	uint32_t	 u, v, l;

	if (nv <= nhubs) {
		planner_err(err, "no tasks to schedule");
		return (-1);
	}
	planner_csr(nv, e, ne, &off, &adj);
	indeg = xcalloc(nv, sizeof *indeg);
	queue = xreallocarray(NULL, nv, sizeof *queue);
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
		planner_err(err, "dependency cycle among %zu tasks",
		    nv - tail);
		return (-1);
	}
	for (i = nhubs; i < nv; i++) {
		if (layer[i] > max)
			max = layer[i];
	}
	*nlayers = max + 1;
	return (0);
}

int
planner_linearize(size_t nvert, const struct planner_edge *edges,
    size_t nedges, size_t *stage, size_t *nstages, char err[LOOMD_ERR_LEN])
{
	struct planner_pair	*e;
	uint32_t		*layer;
	size_t			 i;
	int			 rc;

	if (nvert >= UINT32_MAX) {
		planner_err(err, "too many vertices");
		return (-1);
	}
	e = xreallocarray(NULL, nedges + 1, sizeof *e);
	for (i = 0; i < nedges; i++) {
		if (edges[i].from >= nvert || edges[i].to >= nvert) {
			planner_err(err, "edge %zu out of range", i);
			free(e);
			return (-1);
		}
		e[i].from = (uint32_t)edges[i].from;
		e[i].to = (uint32_t)edges[i].to;
	}
	layer = xreallocarray(NULL, nvert + 1, sizeof *layer);
	rc = planner_layers(nvert, 0, e, nedges, layer, nstages, err);
	if (rc == 0) {
		for (i = 0; i < nvert; i++)
			stage[i] = layer[i];
	}
	free(layer);
	free(e);
	return (rc);
}

/* Compare two edges, for qsort. */
static int
planner_edge_cmp(const void *a, const void *b)
{
	const struct planner_edge	*x = a, *y = b;

	if (x->from != y->from)
		return (x->from < y->from ? -1 : 1);
	if (x->to != y->to)
		return (x->to < y->to ? -1 : 1);
	return (0);
}

void
planner_dag_edges(const struct planner_dag *dag, struct planner_edge **out,
    size_t *n)
{
	struct planner_edge	*r = NULL;
	uint32_t		*off, *adj, u, v, w;
	size_t			 nr = 0, cap = 0, k, j, i;

	planner_csr(dag->nv, dag->e, dag->ne, &off, &adj);
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
		qsort(r, nr, sizeof *r, planner_edge_cmp);
	for (i = 0, k = 0; i < nr; i++) {
		if (k == 0 || planner_edge_cmp(&r[i], &r[k - 1]) != 0)
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
planner_key_cmp(const void *a, const void *b)
{
	const struct planner_key	*x = a, *y = b;

	if (x->layer != y->layer)
		return (x->layer < y->layer ? -1 : 1);
	if (x->action != y->action)
		return (x->action < y->action ? -1 : 1);
	if (x->svc != y->svc)
		return (x->svc < y->svc ? -1 : 1);
	if (x->node != y->node)
		return (x->node < y->node ? -1 : 1);
	return (0);
}

struct planner_plan *
planner_plan_new(void)
{
	struct planner_plan	*plan;

	plan = xcalloc(1, sizeof *plan);
	plan->node_tab = strtab_new(true);
	plan->svc_tab = strtab_new(true);
	return (plan);
}

void
planner_plan_free(struct planner_plan *plan)
{
	if (plan == NULL)
		return;
	free(plan->tasks);
	free(plan->stages);
	strtab_free(plan->node_tab);
	strtab_free(plan->svc_tab);
	free(plan);
}

void
planner_plan_add_stage(struct planner_plan *plan)
{
	if (plan->nstages == plan->stages_cap) {
		plan->stages_cap = plan->stages_cap == 0 ? 16 :
		    plan->stages_cap * 2;
		plan->stages = xreallocarray(plan->stages, plan->stages_cap,
		    sizeof *plan->stages);
	}
	plan->stages[plan->nstages].first = plan->ntasks;
	plan->stages[plan->nstages].ntasks = 0;
	plan->nstages++;
}

/* Append a task whose strings are already owned by the plan. */
static void
planner_plan_push(struct planner_plan *plan, const char *node_id,
    unsigned int node_ix, enum planner_action action, const char *service)
{
	struct planner_task	*t;

	if (plan->nstages == 0)
		planner_plan_add_stage(plan);
	if (plan->ntasks == plan->tasks_cap) {
		plan->tasks_cap = plan->tasks_cap == 0 ? 64 :
		    plan->tasks_cap * 2;
		plan->tasks = xreallocarray(plan->tasks, plan->tasks_cap,
		    sizeof *plan->tasks);
	}
	t = &plan->tasks[plan->ntasks++];
	t->node_id = node_id;
	t->node_ix = node_ix;
	t->action = action;
	t->service = service;
	plan->stages[plan->nstages - 1].ntasks++;
}

void
planner_plan_add_task(struct planner_plan *plan, const char *node_id,
    enum planner_action action, const char *service)
{
	size_t		 n, s;
	const char	*svc = "";

	n = strtab_intern(plan->node_tab, node_id, NULL);
	if (n >= UINT32_MAX)
		fatalx("%s: too many nodes", __func__);
	if (service != NULL && *service != '\0') {
		s = strtab_intern(plan->svc_tab, service, NULL);
		svc = plan->svc_tab->strs[s];
	}
	/* Interning may move the table, not the strings. */
	planner_plan_push(plan, plan->node_tab->strs[n], (unsigned int)n,
	    action, svc);
}

void
planner_plan_dedup(struct planner_plan *plan)
{
	struct planner_stage	*stages = NULL;
	struct planner_task	*tmp = NULL;
	unsigned int		*count, *sub;
	size_t			 nstages = 0, cap = 0, s, i, nsub, first, j;
	size_t			 pos, *start = NULL, startcap = 0;

	count = xcalloc(plan->node_tab->n + 1, sizeof *count);
	sub = xreallocarray(NULL, plan->ntasks + 1, sizeof *sub);
	tmp = xreallocarray(NULL, plan->ntasks + 1, sizeof *tmp);
	for (s = 0; s < plan->nstages; s++) {
		first = plan->stages[s].first;
		/* Sub-stage of a task = tasks of its node placed before. */
		nsub = 0;
		for (i = first; i < first + plan->stages[s].ntasks; i++) {
			sub[i] = count[plan->tasks[i].node_ix]++;
			if (sub[i] + 1 > nsub)
				nsub = sub[i] + 1;
		}
		if (nsub + 1 > startcap) {
			startcap = nsub + 1;
			start = xreallocarray(start, startcap, sizeof *start);
		}
		memset(start, 0, (nsub + 1) * sizeof *start);
		for (i = first; i < first + plan->stages[s].ntasks; i++) {
			count[plan->tasks[i].node_ix] = 0;
			start[sub[i] + 1]++;
		}
		for (j = 0; j < nsub; j++)
			start[j + 1] += start[j];
		for (j = 0; j < nsub; j++) {
			if (nstages == cap) {
				cap = cap == 0 ? 16 : cap * 2;
				stages = xreallocarray(stages, cap,
				    sizeof *stages);
			}
			stages[nstages].first = first + start[j];
			stages[nstages].ntasks = start[j + 1] - start[j];
			nstages++;
		}
		/* Stable placement, in task order, within the stage. */
		for (i = first; i < first + plan->stages[s].ntasks; i++) {
			pos = first + start[sub[i]]++;
			tmp[pos] = plan->tasks[i];
		}
		memcpy(plan->tasks + first, tmp + first,
		    plan->stages[s].ntasks * sizeof *tmp);
	}
	free(plan->stages);
	plan->stages = stages;
	plan->nstages = nstages;
	plan->stages_cap = cap;
	free(count);
	free(sub);
	free(tmp);
	free(start);
}

int
planner_dag_linearize(const struct planner_dag *dag,
    struct planner_plan **out, char err[LOOMD_ERR_LEN])
{
	struct planner_plan		*plan;
	struct planner_key		*keys;
	uint32_t			*layer, rank[PLANNER_ACTION_COUNT];
	uint32_t			 cur = UINT32_MAX;
	size_t				 nlayers, ntasks, i, norder;
	const struct planner_vertex	*v;
	const enum planner_action	*order;

	*out = NULL;
	layer = xreallocarray(NULL, dag->nv + 1, sizeof *layer);
	if (planner_layers(dag->nv, dag->nhubs, dag->e, dag->ne, layer,
	    &nlayers, err) != 0) {
		free(layer);
		return (-1);
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
		qsort(keys, ntasks, sizeof *keys, planner_key_cmp);

	plan = planner_plan_new();
	for (i = 0; i < dag->nodes->n; i++)
		strtab_intern(plan->node_tab, dag->nodes->strs[i],
		    NULL);
	for (i = 0; i < dag->svcs->n; i++)
		strtab_intern(plan->svc_tab,
		    dag->svcs->names->strs[i], NULL);
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
	return (0);
}

int
planner_plan(enum planner_cluster_action ca, struct json_object *nodes,
    struct planner_plan **out, char err[LOOMD_ERR_LEN])
{
	struct planner_dag	*dag = NULL;
	struct planner_plan	*plan = NULL;

	*out = NULL;
	if (planner_dag_build(ca, nodes, &dag, err) != 0)
		goto fail;
	if (planner_dag_linearize(dag, &plan, err) != 0)
		goto fail;
	planner_dag_free(dag);
	planner_plan_dedup(plan);
	*out = plan;
	return (0);
fail:
	planner_dag_free(dag);
	planner_err(err, "%s", PLANNER_ERR_SCHEDULE);
	return (-1);
}

struct json_object *
planner_plan_json(const struct planner_plan *plan, const char *job_id,
    const char *cluster_id, enum planner_cluster_action ca,
    int current_stage, const char *const *task_ids)
{
	struct json_object		*root, *stages, *stage, *task;
	const struct planner_task	*t;
	size_t				 s, i, k;

	root = jsonx_new_object();
	jsonx_set(root, "id", jsonx_new_string_or_null(job_id));
	jsonx_set(root, "clusterId", jsonx_new_string_or_null(cluster_id));
	jsonx_set(root, "action",
	    jsonx_new_string_or_null(planner_cluster_action_upper(ca)));
	jsonx_set(root, "currentStage", jsonx_new_int64(current_stage));
	stages = jsonx_new_array();
	for (s = 0; plan != NULL && s < plan->nstages; s++) {
		stage = jsonx_new_array();
		for (i = 0; i < plan->stages[s].ntasks; i++) {
			k = plan->stages[s].first + i;
			t = &plan->tasks[k];
			task = jsonx_new_object();
			jsonx_set(task, "id", jsonx_new_string_or_null(
			    task_ids == NULL ? NULL : task_ids[k]));
			jsonx_set(task, "taskName", jsonx_new_string_or_null(
			    planner_action_upper(t->action)));
			jsonx_set(task, "nodeId",
			    jsonx_new_string_or_null(t->node_id));
			jsonx_set(task, "service",
			    jsonx_new_string_or_null(t->service));
			jsonx_append(stage, task);
		}
		jsonx_append(stages, stage);
	}
	jsonx_set(root, "stages", stages);
	return (root);
}

/* Append len bytes to a buffer. */
static void
planner_buf_add(struct planner_buf *b, const char *s, size_t len)
{
	if (b->len + len + 1 > b->cap) {
		while (b->len + len + 1 > b->cap)
			b->cap = b->cap == 0 ? 256 : b->cap * 2;
		b->data = xrealloc(b->data, b->cap);
	}
	memcpy(b->data + b->len, s, len);
	b->len += len;
	b->data[b->len] = '\0';
}

/* Append a NUL-terminated string to a buffer. */
static void
planner_buf_str(struct planner_buf *b, const char *s)
{
	planner_buf_add(b, s, strlen(s));
}

/* Append a JSON string literal (or null for NULL). */
static void
planner_buf_json(struct planner_buf *b, const char *s)
{
	char		 esc[8];
	const char	*run;

	if (s == NULL) {
		planner_buf_str(b, "null");
		return;
	}
	planner_buf_add(b, "\"", 1);
	for (run = s; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		planner_buf_add(b, run, (size_t)(s - run));
		switch (c) {
		case '"':
			planner_buf_str(b, "\\\"");
			break;
		case '\\':
			planner_buf_str(b, "\\\\");
			break;
		case '\n':
			planner_buf_str(b, "\\n");
			break;
		case '\r':
			planner_buf_str(b, "\\r");
			break;
		case '\t':
			planner_buf_str(b, "\\t");
			break;
		default:
			snprintf(esc, sizeof esc, "\\u%04x", c);
			planner_buf_str(b, esc);
			break;
		}
		run = s + 1;
	}
	planner_buf_add(b, run, (size_t)(s - run));
	planner_buf_add(b, "\"", 1);
}

char *
planner_plan_json_string(const struct planner_plan *plan, const char *job_id,
    const char *cluster_id, enum planner_cluster_action ca,
    int current_stage, const char *const *task_ids)
{
	struct planner_buf		 b = { NULL, 0, 0 };
	const struct planner_task	*t;
	char				 num[32];
	size_t				 s, i, k;

	planner_buf_str(&b, "{\"id\":");
	planner_buf_json(&b, job_id);
	planner_buf_str(&b, ",\"clusterId\":");
	planner_buf_json(&b, cluster_id);
	planner_buf_str(&b, ",\"action\":");
	planner_buf_json(&b, planner_cluster_action_upper(ca));
	snprintf(num, sizeof num, ",\"currentStage\":%d", current_stage);
	planner_buf_str(&b, num);
	planner_buf_str(&b, ",\"stages\":[");
	for (s = 0; plan != NULL && s < plan->nstages; s++) {
		planner_buf_str(&b, s == 0 ? "[" : ",[");
		for (i = 0; i < plan->stages[s].ntasks; i++) {
			k = plan->stages[s].first + i;
			t = &plan->tasks[k];
			planner_buf_str(&b, i == 0 ? "{\"id\":" : ",{\"id\":");
			planner_buf_json(&b,
			    task_ids == NULL ? NULL : task_ids[k]);
			planner_buf_str(&b, ",\"taskName\":");
			planner_buf_json(&b, planner_action_upper(t->action));
			planner_buf_str(&b, ",\"nodeId\":");
			planner_buf_json(&b, t->node_id);
			planner_buf_str(&b, ",\"service\":");
			planner_buf_json(&b, t->service);
			planner_buf_str(&b, "}");
		}
		planner_buf_str(&b, "]");
	}
	planner_buf_str(&b, "]}");
	return (b.data);
}

void
planner_retry_decide(enum planner_cluster_action ca,
    enum planner_action failed, int attempts, int max_retries,
    struct planner_retry *out)
{
	const enum planner_action	*order;
	size_t				 n, i, from = SIZE_MAX, to = SIZE_MAX;

	memset(out, 0, sizeof *out);
	if (attempts >= max_retries)
		return;
	out->retry = 1;
	/* Actions.rollbackActions and Actions.retryAction. */
	if (failed != PLANNER_ACTION_CONFIRM)
		return;
	out->rollback = 1;
	out->rollback_action = PLANNER_ACTION_DELETE;
	order = planner_action_order(ca, &n);
	for (i = 0; i < n; i++) {
		if (order[i] == PLANNER_ACTION_CREATE)
			from = i;
		if (order[i] == failed)
			to = i;
	}
	if (from == SIZE_MAX || to == SIZE_MAX)
		return;
	for (i = from; i < to; i++)
		out->before[out->nbefore++] = order[i];
}

int
planner_retry_apply_stages(struct json_object *staged, size_t current_stage,
    const char *failed_id, const char *const *before_ids, size_t nbefore,
    char err[LOOMD_ERR_LEN])
{
	struct json_object	 *stage, *id, **tail = NULL, *one;
	size_t			  len, n, i, ntail;

	if (staged == NULL || !json_object_is_type(staged, json_type_array)) {
		planner_err(err, "stagedTasks must be an array");
		return (-1);
	}
	if (current_stage >= json_object_array_length(staged)) {
		planner_err(err, "no stage %zu", current_stage);
		return (-1);
	}
	stage = json_object_array_get_idx(staged, current_stage);
	if (stage == NULL || !json_object_is_type(stage, json_type_array)) {
		planner_err(err, "stage %zu is not an array", current_stage);
		return (-1);
	}
	n = json_object_array_length(stage);
	for (i = 0; i < n; i++) {
		id = json_object_array_get_idx(stage, i);
		if (id != NULL && json_object_is_type(id, json_type_string) &&
		    strcmp(json_object_get_string(id), failed_id) == 0)
			break;
	}
	if (i == n) {
		planner_err(err, "task %s is not in stage %zu", failed_id,
		    current_stage);
		return (-1);
	}
	if (nbefore == 0)
		return (0);
	if (json_object_array_put_idx(stage, i,
	    jsonx_new_string_or_null(before_ids[0])) != 0)
		fatalx("json-c: out of memory");

	/* json-c 0.16 has no insert: cut the tail, append, put it back. */
	len = json_object_array_length(staged);
	ntail = len - current_stage - 1;
	tail = xreallocarray(NULL, ntail + 1, sizeof *tail);
	for (i = 0; i < ntail; i++)
		tail[i] = json_object_get(json_object_array_get_idx(staged,
		    current_stage + 1 + i));
	if (ntail > 0 &&
	    json_object_array_del_idx(staged, current_stage + 1, ntail) != 0)
		fatalx("%s: json_object_array_del_idx failed", __func__);
	for (i = 1; i <= nbefore; i++) {
		one = jsonx_new_array();
		jsonx_append(one, jsonx_new_string_or_null(
		    i < nbefore ? before_ids[i] : failed_id));
		jsonx_append(staged, one);
	}
	for (i = 0; i < ntail; i++)
		jsonx_append(staged, tail[i]);
	free(tail);
	return (0);
}
