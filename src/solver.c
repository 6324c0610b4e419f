/* SPDX-License-Identifier: Apache-2.0 */
/*
 * solver.c - the Loom 0.9 cluster layout solver (LOOM-0.9-API.md 3.4).
 * Input resolution checks the request against the catalogue with Loom's
 * messages; step A enumerates the valid service sets (as unions of
 * must-coexist blocks, pruned on cant-coexist sets, instead of Java's walk
 * over every subset), picks the comparator-minimal hardware and image type
 * of each and orders them; step B runs Loom's greedy start and descending
 * walk over compositions, with incremental service counts and a budget of
 * steps; step C builds the Node JSON.  Strings are borrowed from the input
 * JSON wherever possible; services are copied once per solve and shared by
 * the nodes.
 */
#include "config.h"

#include "solver.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "jsonx.h"
#include "strtab.h"

/* Java Integer.MAX_VALUE: the default of quantities.max. */
#define SOLVER_QTY_MAX 2147483647

/* A growable list of borrowed strings. */
struct solver_names {
	const char	**v;
	size_t		  n;
	size_t		  cap;
};

/* One entry of constraints.services. */
struct solver_constraint {
	const char		*service;
	struct solver_names	 hardwaretypes;
	struct solver_names	 imagetypes;
	int64_t			 min;
	int64_t			 max;
};

/* The parts of a cluster template the solver reads; strings borrowed. */
struct solver_template {
	struct json_object		*json;
	const char			*name;
	const char			*provider;
	const char			*hardwaretype;
	const char			*imagetype;
	struct solver_names		 services;
	struct solver_names		 compat_hw;
	struct solver_names		 compat_img;
	struct solver_names		 compat_svc;
	struct solver_names		*must;
	size_t				 nmust;
	struct solver_names		*cant;
	size_t				 ncant;
	struct solver_constraint	*cons;
	size_t				 ncons;
	struct strtab		 cons_index;
	int64_t				 lease_initial;
};

struct solver_input {
	struct solver_template	 t;
	struct solver_catalogue	 cat;
};

/* A service known to one solve. */
struct solver_svc {
	const char		*name;
	struct json_object	*def;		/* borrowed, or NULL */
	int			 cons;		/* template cons index or -1 */
	int			 q;		/* quantity slot or -1 */
	int			 rank;		/* position in name order */
	bool			 cluster;	/* a cluster service */
	bool			 in_layout;	/* in a layout constraint */
	bool			 constrained;	/* in C of step A */
	bool			 input;		/* candidate for service sets */
};

/* A usable hardware or image type: name and flavor/image. */
struct solver_type {
	const char	*name;
	const char	*value;
	size_t		 seq;
};

struct solver_types {
	struct solver_type	*v;
	size_t			 n;
	size_t			 cap;
};

/* Everything one solve works on. */
struct solver_space {
	const struct solver_template	*t;
	struct solver_svc		*svc;
	size_t				 nsvc;
	size_t				 capsvc;
	struct strtab		 index;
	int				*byrank;
	size_t				 nq;
	struct solver_types		 hw;
	struct solver_types		 img;
	int64_t				 max_steps;
	int64_t				 steps;
};

/* Service sets as runs of service indices in one pool. */
struct solver_sets {
	int	*pool;
	size_t	 npool;
	size_t	 cappool;
	size_t	*off;
	size_t	*len;
	size_t	 n;
	size_t	 cap;
};

/* A node layout; names sorted, svc parallel to names (or NULL). */
struct solver_layout {
	const char	 *hw;
	const char	 *img;
	const char	 *flavor;
	const char	 *image;
	const char	**names;
	int		 *svc;
	size_t		  n;
};

struct solver_layouts {
	struct solver_layout	*v;
	size_t			 n;
	size_t			 cap;
};

/* Optional preference lists of the comparator. */
struct solver_prefs {
	const struct solver_names	*hw;
	const struct solver_names	*img;
};

/* State of the service-set enumeration. */
struct solver_dfs {
	struct solver_space	*sp;
	struct solver_sets	*out;
	size_t			 nblocks;
	size_t			*boff;
	int			*bmem;
	size_t			*coff;
	int			*chit;
	int			*cnt;
	int			*need;
	int			*cur;
	size_t			 ncur;
};

/* State of the composition walk. */
struct solver_walk {
	int64_t		*n;
	int64_t		*qc;
	int64_t		*lo;
	int64_t		*hi;
	int64_t		*max;
	size_t		*qoff;
	int		*qmem;
	size_t		 bad;
};

/* Format a message into a caller-owned error buffer. */
static void LOOMD_PRINTF(2, 3)
solver_err(char *err, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(err, LOOMD_ERR_LEN, fmt, ap);
	va_end(ap);
}

/* qsort that accepts an empty (possibly NULL) array. */
static void
solver_qsort(void *base, size_t n, size_t sz,
    int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, sz, cmp);
}

/* Grow an array of elements of size sz so that it holds one more. */
static void *
solver_grow(void *v, size_t n, size_t *cap, size_t sz)
{
	if (n < *cap)
		return (v);
	*cap = *cap != 0 ? *cap * 2 : 8;
	return (xreallocarray(v, *cap, sz));
}

/* True for a non-NULL, non-empty string. */
static bool
solver_nonempty(const char *s)
{
	return (s != NULL && *s != '\0');
}

/* Index of key in ix, or -1. */
static int
solver_index_get(const struct strtab *ix, const char *key)
{
	size_t	i;

	if (strtab_find(ix, key, &i) != 0)
		return (-1);
	return ((int)i);
}

/* Append a name. */
static void
solver_names_add(struct solver_names *ns, const char *s)
{
	ns->v = solver_grow(ns->v, ns->n, &ns->cap, sizeof *ns->v);
	ns->v[ns->n++] = s;
}

/* Release a name list (not the strings). */
static void
solver_names_clear(struct solver_names *ns)
{
	free(ns->v);
	memset(ns, 0, sizeof *ns);
}

/* Linear membership test. */
static bool
solver_names_has(const struct solver_names *ns, const char *s)
{
	size_t	i;

	for (i = 0; i < ns->n; i++) {
		if (strcmp(ns->v[i], s) == 0)
			return (true);
	}
	return (false);
}

/* Parse an optional array of strings; NULL gives an empty list. */
static int
solver_names_parse(struct json_object *v, struct solver_names *out)
{
	size_t	i, n;

	if (v == NULL)
		return (0);
	if (!json_object_is_type(v, json_type_array))
		return (-1);
	n = json_object_array_length(v);
	for (i = 0; i < n; i++) {
		const char *s = jsonx_str(json_object_array_get_idx(v, i));

		if (s == NULL)
			return (-1);
		solver_names_add(out, s);
	}
	return (0);
}

/* Release everything a parsed template owns. */
static void
solver_template_clear(struct solver_template *t)
{
	size_t	i;

	solver_names_clear(&t->services);
	solver_names_clear(&t->compat_hw);
	solver_names_clear(&t->compat_img);
	solver_names_clear(&t->compat_svc);
	for (i = 0; i < t->nmust; i++)
		solver_names_clear(&t->must[i]);
	free(t->must);
	for (i = 0; i < t->ncant; i++)
		solver_names_clear(&t->cant[i]);
	free(t->cant);
	for (i = 0; i < t->ncons; i++) {
		solver_names_clear(&t->cons[i].hardwaretypes);
		solver_names_clear(&t->cons[i].imagetypes);
	}
	free(t->cons);
	strtab_clear(&t->cons_index);
	memset(t, 0, sizeof *t);
}

/* Parse an optional array of string arrays (mustcoexist, cantcoexist). */
static int
solver_name_sets_parse(struct json_object *v, struct solver_names **out,
    size_t *nout)
{
	size_t	i, n;

	if (v == NULL)
		return (0);
	if (!json_object_is_type(v, json_type_array))
		return (-1);
	n = json_object_array_length(v);
	*out = xcalloc(n != 0 ? n : 1, sizeof **out);
	*nout = n;
	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(v, i);

		if (e == NULL || solver_names_parse(e, &(*out)[i]) != 0)
			return (-1);
	}
	return (0);
}

/* Parse constraints.services into t->cons. */
static int
solver_constraints_parse(struct solver_template *t, struct json_object *sc,
    const char **what)
{
	struct solver_constraint	*c;
	struct json_object		*q, *v;
	size_t				 n = 0;

	if (sc == NULL)
		return (0);
	*what = "constraints.services";
	if (!json_object_is_type(sc, json_type_object))
		return (-1);
	t->cons = xcalloc(json_object_object_length(sc) + 1, sizeof *t->cons);
	json_object_object_foreach(sc, key, val) {
		c = &t->cons[n++];
		t->ncons = n;
		c->service = key;
		c->min = 0;
		c->max = SOLVER_QTY_MAX;
		if (!json_object_is_type(val, json_type_object))
			return (-1);
		if (solver_names_parse(jsonx_get(val, "hardwaretypes"),
		    &c->hardwaretypes) != 0 ||
		    solver_names_parse(jsonx_get(val, "imagetypes"),
		    &c->imagetypes) != 0)
			return (-1);
		q = jsonx_get(val, "quantities");
		if (q != NULL && !json_object_is_type(q, json_type_object))
			return (-1);
		if ((v = jsonx_get(q, "min")) != NULL &&
		    jsonx_long(v, &c->min) != 0)
			return (-1);
		if ((v = jsonx_get(q, "max")) != NULL &&
		    jsonx_long(v, &c->max) != 0)
			return (-1);
		(void)strtab_intern(&t->cons_index, key, NULL);
	}
	return (0);
}

/* Parse the solver's view of a cluster template (section 2.4). */
static int
solver_template_parse(struct solver_template *t, struct json_object *j,
    char *err)
{
	struct json_object	*d, *c, *k, *l, *a, *v;
	const char		*what = "", *msg = NULL;

	memset(t, 0, sizeof *t);
	t->json = j;
	msg = "invalid cluster template: not an object";
	if (!json_object_is_type(j, json_type_object))
		goto fail;
	msg = "invalid cluster template: no name";
	if ((t->name = jsonx_str(jsonx_get(j, "name"))) == NULL)
		goto fail;
	msg = "cluster defaults must be specified";
	d = jsonx_get(j, "defaults");
	if (!json_object_is_type(d, json_type_object))
		goto fail;
	msg = "default services must be specified";
	if ((v = jsonx_get(d, "services")) == NULL)
		goto fail;
	msg = NULL;
	what = "defaults.services";
	if (solver_names_parse(v, &t->services) != 0)
		goto fail;
	msg = "default provider must be specified";
	if ((v = jsonx_get(d, "provider")) == NULL)
		goto fail;
	msg = NULL;
	what = "defaults.provider";
	if ((t->provider = jsonx_str(v)) == NULL)
		goto fail;
	what = "defaults.hardwaretype";
	v = jsonx_get(d, "hardwaretype");
	if (v != NULL && (t->hardwaretype = jsonx_str(v)) == NULL)
		goto fail;
	what = "defaults.imagetype";
	v = jsonx_get(d, "imagetype");
	if (v != NULL && (t->imagetype = jsonx_str(v)) == NULL)
		goto fail;

	/* a missing or partial compatibility means empty sets (QUIRK 5) */
	what = "compatibility";
	c = jsonx_get(j, "compatibility");
	if (c != NULL && !json_object_is_type(c, json_type_object))
		goto fail;
	if (solver_names_parse(jsonx_get(c, "hardwaretypes"),
	    &t->compat_hw) != 0 ||
	    solver_names_parse(jsonx_get(c, "imagetypes"),
	    &t->compat_img) != 0 ||
	    solver_names_parse(jsonx_get(c, "services"), &t->compat_svc) != 0)
		goto fail;

	what = "constraints";
	k = jsonx_get(j, "constraints");
	if (k != NULL && !json_object_is_type(k, json_type_object))
		goto fail;
	what = "constraints.layout";
	l = jsonx_get(k, "layout");
	if (l != NULL && !json_object_is_type(l, json_type_object))
		goto fail;
	if (solver_name_sets_parse(jsonx_get(l, "mustcoexist"), &t->must,
	    &t->nmust) != 0 ||
	    solver_name_sets_parse(jsonx_get(l, "cantcoexist"), &t->cant,
	    &t->ncant) != 0)
		goto fail;
	if (solver_constraints_parse(t, jsonx_get(k, "services"),
	    &what) != 0)
		goto fail;

	what = "administration";
	a = jsonx_get(j, "administration");
	if (a != NULL && !json_object_is_type(a, json_type_object))
		goto fail;
	v = jsonx_get(jsonx_get(a, "leaseduration"), "initial");
	if (v != NULL && jsonx_long(v, &t->lease_initial) != 0)
		goto fail;
	return (0);

fail:
	if (msg != NULL)
		solver_err(err, "%s", msg);
	else
		solver_err(err, "invalid cluster template %s: bad %s",
		    t->name, what);
	solver_template_clear(t);
	return (-1);
}

/* Start an empty space for template t. */
static void
solver_space_init(struct solver_space *sp, const struct solver_template *t,
    int64_t max_steps)
{
	memset(sp, 0, sizeof *sp);
	sp->t = t;
	sp->max_steps = max_steps > 0 ? max_steps : SOLVER_DEFAULT_MAX_STEPS;
}

/* Release a space. */
static void
solver_space_clear(struct solver_space *sp)
{
	free(sp->svc);
	strtab_clear(&sp->index);
	free(sp->byrank);
	free(sp->hw.v);
	free(sp->img.v);
	memset(sp, 0, sizeof *sp);
}

/* Add a service name (once); returns its index. */
static int
solver_space_add(struct solver_space *sp, const char *name, bool cluster)
{
	int	i, added;

	i = (int)strtab_intern(&sp->index, name, &added);
	if (added) {
		sp->svc = solver_grow(sp->svc, sp->nsvc, &sp->capsvc,
		    sizeof *sp->svc);
		memset(&sp->svc[i], 0, sizeof sp->svc[i]);
		sp->svc[i].name = name;
		sp->nsvc++;
	}
	if (cluster)
		sp->svc[i].cluster = true;
	return (i);
}

/* Add every string of a JSON array; fails on a non-string. */
static int
solver_space_add_json(struct solver_space *sp, struct json_object *arr,
    bool cluster, char *err)
{
	struct solver_names	ns = { NULL, 0, 0 };
	size_t			i;

	if (arr == NULL || solver_names_parse(arr, &ns) != 0) {
		solver_err(err, "service names must be an array of strings");
		solver_names_clear(&ns);
		return (-1);
	}
	for (i = 0; i < ns.n; i++)
		solver_space_add(sp, ns.v[i], cluster);
	solver_names_clear(&ns);
	return (0);
}

/* Order of services by name. */
static int
solver_svc_name_cmp(const void *a, const void *b)
{
	const struct solver_svc *const *x = a, *const *y = b;

	return (strcmp((*x)->name, (*y)->name));
}

/* Once the services are known: constraints, quantity slots, ranks. */
static void
solver_space_finish(struct solver_space *sp)
{
	const struct solver_template	 *t = sp->t;
	struct solver_svc		**order;
	size_t				  i, j;
	int				  k;

	for (i = 0; i < t->nmust + t->ncant; i++) {
		const struct solver_names *ns = i < t->nmust ? &t->must[i] :
		    &t->cant[i - t->nmust];

		for (j = 0; j < ns->n; j++) {
			if ((k = solver_index_get(&sp->index, ns->v[j])) >= 0)
				sp->svc[k].in_layout = true;
		}
	}
	sp->nq = 0;
	order = xcalloc(sp->nsvc + 1, sizeof *order);
	for (i = 0; i < sp->nsvc; i++) {
		struct solver_svc *s = &sp->svc[i];

		s->cons = solver_index_get(&t->cons_index, s->name);
		s->q = s->cluster && s->cons >= 0 ? (int)sp->nq++ : -1;
		s->constrained = s->cluster && (s->cons >= 0 || s->in_layout);
		order[i] = s;
	}
	solver_qsort(order, sp->nsvc, sizeof *order, solver_svc_name_cmp);
	free(sp->byrank);
	sp->byrank = xcalloc(sp->nsvc + 1, sizeof *sp->byrank);
	for (i = 0; i < sp->nsvc; i++) {
		order[i]->rank = (int)i;
		sp->byrank[i] = (int)(order[i] - sp->svc);
	}
	free(order);
}

/* Add a usable type; later additions of a name win (Java Map.put). */
static void
solver_types_add(struct solver_types *ts, const char *name, const char *value)
{
	ts->v = solver_grow(ts->v, ts->n, &ts->cap, sizeof *ts->v);
	ts->v[ts->n].name = name;
	ts->v[ts->n].value = value;
	ts->v[ts->n].seq = ts->n;
	ts->n++;
}

/* Order of types by name, then by insertion. */
static int
solver_type_cmp(const void *a, const void *b)
{
	const struct solver_type	*x = a, *y = b;
	int				 c;

	if ((c = strcmp(x->name, y->name)) != 0)
		return (c);
	return (x->seq < y->seq ? -1 : x->seq > y->seq);
}

/* Sort types by name and keep the last value of each name. */
static void
solver_types_finish(struct solver_types *ts)
{
	size_t	i, n = 0;

	solver_qsort(ts->v, ts->n, sizeof *ts->v, solver_type_cmp);
	for (i = 0; i < ts->n; i++) {
		if (i + 1 < ts->n && strcmp(ts->v[i].name,
		    ts->v[i + 1].name) == 0)
			continue;
		ts->v[n++] = ts->v[i];
	}
	ts->n = n;
}

/* Count one step of the search; fails past the budget. */
static int
solver_step(struct solver_space *sp, char *err)
{
	if (sp->steps >= sp->max_steps) {
		solver_err(err, "no layout found within %" PRId64 " steps",
		    sp->max_steps);
		return (-1);
	}
	sp->steps++;
	return (0);
}

/* Append a service set. */
static void
solver_sets_add(struct solver_sets *ss, const int *m, size_t n)
{
	while (ss->pool == NULL || ss->npool + n > ss->cappool) {
		ss->cappool = ss->cappool != 0 ? ss->cappool * 2 : 64;
		ss->pool = xreallocarray(ss->pool, ss->cappool,
		    sizeof *ss->pool);
	}
	if (ss->n == ss->cap) {
		ss->cap = ss->cap != 0 ? ss->cap * 2 : 16;
		ss->off = xreallocarray(ss->off, ss->cap, sizeof *ss->off);
		ss->len = xreallocarray(ss->len, ss->cap, sizeof *ss->len);
	}
	if (n != 0)
		memcpy(ss->pool + ss->npool, m, n * sizeof *m);
	ss->off[ss->n] = ss->npool;
	ss->len[ss->n] = n;
	ss->npool += n;
	ss->n++;
}

/* Release service sets. */
static void
solver_sets_clear(struct solver_sets *ss)
{
	free(ss->pool);
	free(ss->off);
	free(ss->len);
	memset(ss, 0, sizeof *ss);
}

/* Union-find root with path halving. */
static int
solver_uf_find(int *parent, int i)
{
	while (parent[i] != i) {
		parent[i] = parent[parent[i]];
		i = parent[i];
	}
	return (i);
}

/* Depth-first enumeration of block unions that contain no CC set. */
static int
solver_dfs_run(struct solver_dfs *d, size_t from, char *err)
{
	size_t	j, m;
	bool	ok;

	for (j = from; j < d->nblocks; j++) {
		if (solver_step(d->sp, err) != 0)
			return (-1);
		ok = true;
		for (m = d->coff[j]; m < d->coff[j + 1]; m++) {
			if (++d->cnt[d->chit[m]] == d->need[d->chit[m]])
				ok = false;
		}
		if (ok) {
			for (m = d->boff[j]; m < d->boff[j + 1]; m++)
				d->cur[d->ncur++] = d->bmem[m];
			solver_sets_add(d->out, d->cur, d->ncur);
			if (solver_dfs_run(d, j + 1, err) != 0)
				return (-1);
			d->ncur -= d->boff[j + 1] - d->boff[j];
		}
		for (m = d->coff[j]; m < d->coff[j + 1]; m++)
			d->cnt[d->chit[m]]--;
	}
	return (0);
}

/* Order of ints. */
static int
solver_int_cmp(const void *a, const void *b)
{
	const int	*x = a, *y = b;

	return (*x < *y ? -1 : *x > *y);
}

/*
 * Step A.2: every non-empty set X of input services with no cant-coexist
 * set inside it and, for each must-coexist set M with M' = M and cluster
 * services, X touching M' only if it holds all of M'.  Such X are exactly
 * the unions of the connected components ("blocks") of the M' sets that lie
 * wholly among the input services, so those unions are enumerated, pruning
 * as soon as a cant-coexist set is complete (containment only grows).
 */
static int
solver_valid_sets(struct solver_space *sp, struct solver_sets *out, char *err)
{
	const struct solver_template	*t = sp->t;
	struct solver_dfs		 d;
	struct solver_sets		 ccs;
	int				*parent, *blockof, *tmp, *scc;
	size_t				*sccoff, *fill;
	bool				*poison;
	size_t				 i, j, n = sp->nsvc, nb = 0, ntmp;
	size_t				 nhit = 0, m;
	int				 r, rc = -1, s, first;

	memset(&d, 0, sizeof d);
	memset(&ccs, 0, sizeof ccs);
	d.sp = sp;
	d.out = out;
	for (i = 0; i < t->ncant; i++) {
		if (t->cant[i].n == 0)
			return (0);	/* an empty set is inside every set */
	}
	parent = xcalloc(n + 1, sizeof *parent);
	blockof = xcalloc(n + 1, sizeof *blockof);
	poison = xcalloc(n + 1, sizeof *poison);
	tmp = xcalloc(n + 1, sizeof *tmp);
	sccoff = xcalloc(n + 2, sizeof *sccoff);
	for (i = 0; i < n; i++)
		parent[i] = (int)i;
	for (i = 0; i < t->nmust; i++) {
		first = -1;
		for (j = 0; j < t->must[i].n; j++) {
			s = solver_index_get(&sp->index, t->must[i].v[j]);
			if (s < 0 || !sp->svc[s].cluster)
				continue;
			if (first < 0)
				first = s;
			else
				parent[solver_uf_find(parent, s)] =
				    solver_uf_find(parent, first);
		}
	}
	for (i = 0; i < n; i++) {
		if (!sp->svc[i].input)
			poison[solver_uf_find(parent, (int)i)] = true;
		blockof[i] = -1;
	}

	/* Blocks in CSR form, numbered in order of first member. */
	d.boff = xcalloc(n + 2, sizeof *d.boff);
	d.bmem = xcalloc(n + 1, sizeof *d.bmem);
	for (i = 0; i < n; i++) {
		r = solver_uf_find(parent, (int)i);
		if (poison[r])
			continue;
		if (blockof[r] < 0)
			blockof[r] = (int)nb++;
		d.boff[blockof[r] + 1]++;
	}
	d.nblocks = nb;
	for (i = 0; i < nb; i++)
		d.boff[i + 1] += d.boff[i];
	memset(tmp, 0, (n + 1) * sizeof *tmp);
	for (i = 0; i < n; i++) {
		r = solver_uf_find(parent, (int)i);
		if (poison[r])
			continue;
		d.bmem[d.boff[blockof[r]] + tmp[blockof[r]]++] = (int)i;
	}

	/*
	 * Cant-coexist sets that can be complete (all members selectable),
	 * as distinct members, then inverted to service -> sets.
	 */
	d.need = xcalloc(t->ncant + 1, sizeof *d.need);
	d.cnt = xcalloc(t->ncant + 1, sizeof *d.cnt);
	for (i = 0; i < t->ncant; i++) {
		ntmp = 0;
		for (j = 0; j < t->cant[i].n; j++) {
			s = solver_index_get(&sp->index, t->cant[i].v[j]);
			if (s < 0 || poison[solver_uf_find(parent, s)])
				break;
			tmp[ntmp++] = s;
		}
		if (j < t->cant[i].n)
			ntmp = 0;
		solver_qsort(tmp, ntmp, sizeof *tmp, solver_int_cmp);
		for (j = 0, m = 0; j < ntmp; j++) {
			if (j == 0 || tmp[j] != tmp[j - 1])
				tmp[m++] = tmp[j];
		}
		d.need[i] = (int)m;
		solver_sets_add(&ccs, tmp, m);
		for (j = 0; j < m; j++)
			sccoff[tmp[j] + 1]++;
	}
	for (i = 0; i < n; i++)
		sccoff[i + 1] += sccoff[i];
	scc = xcalloc(sccoff[n] + 1, sizeof *scc);
	fill = xcalloc(n + 1, sizeof *fill);
	for (i = 0; i < ccs.n; i++) {
		for (j = 0; j < ccs.len[i]; j++) {
			s = ccs.pool[ccs.off[i] + j];
			scc[sccoff[s] + fill[s]++] = (int)i;
		}
	}

	/* Per block, the cant-coexist sets its members count towards. */
	d.coff = xcalloc(nb + 2, sizeof *d.coff);
	for (i = 0; i < nb; i++) {
		for (m = d.boff[i]; m < d.boff[i + 1]; m++) {
			s = d.bmem[m];
			d.coff[i + 1] += sccoff[s + 1] - sccoff[s];
		}
		d.coff[i + 1] += d.coff[i];
	}
	d.chit = xcalloc(d.coff[nb] + 1, sizeof *d.chit);
	for (i = 0; i < nb; i++) {
		for (m = d.boff[i]; m < d.boff[i + 1]; m++) {
			s = d.bmem[m];
			for (j = sccoff[s]; j < sccoff[s + 1]; j++)
				d.chit[nhit++] = scc[j];
		}
	}
	d.cur = xcalloc(n + 1, sizeof *d.cur);
	rc = solver_dfs_run(&d, 0, err);

	free(parent);
	free(blockof);
	free(poison);
	free(tmp);
	free(sccoff);
	free(scc);
	free(fill);
	solver_sets_clear(&ccs);
	free(d.boff);
	free(d.bmem);
	free(d.need);
	free(d.cnt);
	free(d.coff);
	free(d.chit);
	free(d.cur);
	return (rc);
}

/* Release one layout's arrays. */
static void
solver_layout_clear(struct solver_layout *l)
{
	free(l->names);
	free(l->svc);
	memset(l, 0, sizeof *l);
}

/* Release a layout list. */
static void
solver_layouts_clear(struct solver_layouts *ls)
{
	size_t	i;

	for (i = 0; i < ls->n; i++)
		solver_layout_clear(&ls->v[i]);
	free(ls->v);
	memset(ls, 0, sizeof *ls);
}

/* A new zeroed layout at the end of the list. */
static struct solver_layout *
solver_layouts_new(struct solver_layouts *ls)
{
	ls->v = solver_grow(ls->v, ls->n, &ls->cap, sizeof *ls->v);
	memset(&ls->v[ls->n], 0, sizeof ls->v[ls->n]);
	return (&ls->v[ls->n++]);
}

/* Fill the services of l from service indices (sorted by name). */
static void
solver_layout_set_members(struct solver_space *sp, struct solver_layout *l,
    const int *m, size_t n)
{
	size_t	i;

	l->n = n;
	l->svc = xcalloc(n + 1, sizeof *l->svc);
	l->names = xcalloc(n + 1, sizeof *l->names);
	for (i = 0; i < n; i++)
		l->svc[i] = sp->svc[m[i]].rank;
	solver_qsort(l->svc, n, sizeof *l->svc, solver_int_cmp);
	for (i = 0; i < n; i++) {
		l->svc[i] = sp->byrank[l->svc[i]];
		l->names[i] = sp->svc[l->svc[i]].name;
	}
}

/* Index of v in a preference list (Integer.MAX_VALUE when absent). */
static size_t
solver_pref_rank(const char *v, const struct solver_names *p)
{
	size_t	i;

	if (p == NULL)
		return (SIZE_MAX);
	for (i = 0; i < p->n; i++) {
		if (strcmp(p->v[i], v) == 0)
			return (i);
	}
	return (SIZE_MAX);
}

/*
 * NodeLayoutComparator: more services first; then hardware preference,
 * image preference, hardware name, image name, sorted service names.
 */
static int
solver_layout_cmp(const struct solver_layout *a, const struct solver_layout *b,
    const struct solver_prefs *p)
{
	size_t	ra, rb, i;
	int	c;

	if (a->n != b->n)
		return (a->n > b->n ? -1 : 1);
	if (p != NULL) {
		ra = solver_pref_rank(a->hw, p->hw);
		rb = solver_pref_rank(b->hw, p->hw);
		if (ra != rb)
			return (ra < rb ? -1 : 1);
		ra = solver_pref_rank(a->img, p->img);
		rb = solver_pref_rank(b->img, p->img);
		if (ra != rb)
			return (ra < rb ? -1 : 1);
	}
	if ((c = strcmp(a->hw, b->hw)) != 0)
		return (c);
	if ((c = strcmp(a->img, b->img)) != 0)
		return (c);
	for (i = 0; i < a->n; i++) {
		if ((c = strcmp(a->names[i], b->names[i])) != 0)
			return (c);
	}
	return (0);
}

/* Order by service set first, then by the comparator (for narrowing). */
static int
solver_layout_set_cmp(const struct solver_layout *a,
    const struct solver_layout *b, const struct solver_prefs *p)
{
	size_t	i;
	int	c;

	if (a->n != b->n)
		return (a->n < b->n ? -1 : 1);
	for (i = 0; i < a->n; i++) {
		if ((c = strcmp(a->names[i], b->names[i])) != 0)
			return (c);
	}
	return (solver_layout_cmp(a, b, p));
}

/* Stable merge sort of layouts with a comparator that takes prefs. */
static void
solver_layouts_sort(struct solver_layouts *ls,
    int (*cmp)(const struct solver_layout *, const struct solver_layout *,
    const struct solver_prefs *), const struct solver_prefs *p)
{
	struct solver_layout	*a = ls->v, *b, *t;
	size_t			 w, i, l, m, r, x, y;

	if (ls->n < 2)
		return;
	b = xcalloc(ls->n, sizeof *b);
	for (w = 1; w < ls->n; w *= 2) {
		for (i = 0; i < ls->n; i += 2 * w) {
			l = i;
			m = i + w < ls->n ? i + w : ls->n;
			r = i + 2 * w < ls->n ? i + 2 * w : ls->n;
			for (x = l, y = m; x < m || y < r;) {
				if (y >= r ||
				    (x < m && cmp(&a[x], &a[y], p) <= 0))
					b[l++] = a[x++];
				else
					b[l++] = a[y++];
			}
		}
		t = a;
		a = b;
		b = t;
	}
	if (a != ls->v) {
		memcpy(ls->v, a, ls->n * sizeof *a);
		b = a;
	}
	free(b);
}

/* Whether two layouts have the same service set. */
static bool
solver_layout_same_set(const struct solver_layout *a,
    const struct solver_layout *b)
{
	size_t	i;

	if (a->n != b->n)
		return (false);
	for (i = 0; i < a->n; i++) {
		if (strcmp(a->names[i], b->names[i]) != 0)
			return (false);
	}
	return (true);
}

/* Keep the comparator-minimal layout of each service set, sorted. */
static void
solver_narrow(struct solver_layouts *ls, const struct solver_prefs *p)
{
	size_t	i, n = 0;

	solver_layouts_sort(ls, solver_layout_set_cmp, p);
	for (i = 0; i < ls->n; i++) {
		if (n > 0 && solver_layout_same_set(&ls->v[n - 1], &ls->v[i])) {
			solver_layout_clear(&ls->v[i]);
			continue;
		}
		ls->v[n++] = ls->v[i];
	}
	ls->n = n;
	solver_layouts_sort(ls, solver_layout_cmp, p);
}

/* Whether service s allows hardware (col 0) or image (col 1) type name. */
static bool
solver_type_allowed(const struct solver_space *sp, int s, int img,
    const char *name)
{
	const struct solver_constraint	*c;
	const struct solver_names	*ns;

	if (sp->svc[s].cons < 0)
		return (true);
	c = &sp->t->cons[sp->svc[s].cons];
	ns = img ? &c->imagetypes : &c->hardwaretypes;
	return (ns->n == 0 || solver_names_has(ns, name));
}

/*
 * Step A: the ordered list L of node layouts.  The comparator-minimal
 * layout of a set takes the smallest hardware name and the smallest image
 * name that every member allows (the two choices are independent).
 */
static int
solver_step_a(struct solver_space *sp, struct solver_layouts *out, char *err)
{
	struct solver_sets	 sets;
	struct solver_layout	*l;
	uint8_t			*hwok = NULL, *imgok = NULL;
	int			*u, *m;
	size_t			 nu = 0, i, j, h, g, nhw = sp->hw.n;
	size_t			 nimg = sp->img.n;
	int			 rc = -1;

	memset(&sets, 0, sizeof sets);
	u = xcalloc(sp->nsvc + 1, sizeof *u);
	m = xcalloc(sp->nsvc + 1, sizeof *m);
	for (i = 0; i < sp->nsvc; i++) {
		sp->svc[i].input = sp->svc[i].constrained;
		if (sp->svc[i].cluster && !sp->svc[i].constrained)
			u[nu++] = (int)i;
	}
	if (solver_valid_sets(sp, &sets, err) != 0)
		goto fail;
	if (nu != 0)
		solver_sets_add(&sets, NULL, 0);

	hwok = xcalloc(sp->nsvc * nhw + 1, 1);
	imgok = xcalloc(sp->nsvc * nimg + 1, 1);
	for (i = 0; i < sp->nsvc; i++) {
		for (h = 0; h < nhw; h++)
			hwok[i * nhw + h] = solver_type_allowed(sp, (int)i, 0,
			    sp->hw.v[h].name);
		for (g = 0; g < nimg; g++)
			imgok[i * nimg + g] = solver_type_allowed(sp, (int)i, 1,
			    sp->img.v[g].name);
	}
	for (i = 0; i < sets.n; i++) {
		const int *x = sets.pool + sets.off[i];

		for (h = 0; h < nhw; h++) {
			for (j = 0; j < sets.len[i]; j++) {
				if (!hwok[x[j] * nhw + h])
					break;
			}
			if (j == sets.len[i])
				break;
		}
		for (g = 0; g < nimg; g++) {
			for (j = 0; j < sets.len[i]; j++) {
				if (!imgok[x[j] * nimg + g])
					break;
			}
			if (j == sets.len[i])
				break;
		}
		if (h == nhw || g == nimg)
			continue;
		memcpy(m, x, sets.len[i] * sizeof *m);
		memcpy(m + sets.len[i], u, nu * sizeof *m);
		l = solver_layouts_new(out);
		l->hw = sp->hw.v[h].name;
		l->flavor = sp->hw.v[h].value;
		l->img = sp->img.v[g].name;
		l->image = sp->img.v[g].value;
		solver_layout_set_members(sp, l, m, sets.len[i] + nu);
	}
	solver_layouts_sort(out, solver_layout_cmp, NULL);
	rc = 0;
fail:
	solver_sets_clear(&sets);
	free(hwok);
	free(imgok);
	free(u);
	free(m);
	return (rc);
}

/* Whether a quantity slot is within its bounds. */
static bool
solver_walk_ok(const struct solver_walk *w, int q, int64_t v)
{
	return (v >= w->lo[q] && v <= w->hi[q]);
}

/* Change the count of layout i by delta, keeping the service counts. */
static void
solver_walk_update(struct solver_walk *w, size_t i, int64_t delta)
{
	size_t	m;
	int	q;
	bool	was;

	if (delta == 0)
		return;
	w->n[i] += delta;
	for (m = w->qoff[i]; m < w->qoff[i + 1]; m++) {
		q = w->qmem[m];
		was = solver_walk_ok(w, q, w->qc[q]);
		w->qc[q] += delta;
		if (was != solver_walk_ok(w, q, w->qc[q]))
			w->bad += was ? 1 : -1;
	}
}

/* Release walk state. */
static void
solver_walk_clear(struct solver_walk *w)
{
	free(w->n);
	free(w->qc);
	free(w->lo);
	free(w->hi);
	free(w->max);
	free(w->qoff);
	free(w->qmem);
	memset(w, 0, sizeof *w);
}

/* Set up counts, bounds and per-layout quantity slots. */
static void
solver_walk_init(struct solver_walk *w, const struct solver_space *sp,
    const struct solver_layouts *ls, int64_t num_machines)
{
	const struct solver_constraint	*c;
	size_t				 i, j, nq = 0;

	memset(w, 0, sizeof *w);
	w->n = xcalloc(ls->n + 1, sizeof *w->n);
	w->qc = xcalloc(sp->nq + 1, sizeof *w->qc);
	w->lo = xcalloc(sp->nq + 1, sizeof *w->lo);
	w->hi = xcalloc(sp->nq + 1, sizeof *w->hi);
	w->max = xcalloc(sp->nq + 1, sizeof *w->max);
	w->qoff = xcalloc(ls->n + 2, sizeof *w->qoff);
	for (i = 0; i < sp->nsvc; i++) {
		if (sp->svc[i].q < 0)
			continue;
		c = &sp->t->cons[sp->svc[i].cons];
		w->lo[sp->svc[i].q] = c->min;
		w->max[sp->svc[i].q] = c->max;
		w->hi[sp->svc[i].q] = c->max < num_machines ? c->max :
		    num_machines;
	}
	for (i = 0; i < sp->nq; i++) {
		if (!solver_walk_ok(w, (int)i, 0))
			w->bad++;
	}
	for (i = 0; i < ls->n; i++) {
		for (j = 0; j < ls->v[i].n; j++)
			nq += sp->svc[ls->v[i].svc[j]].q >= 0;
	}
	w->qmem = xcalloc(nq + 1, sizeof *w->qmem);
	for (i = 0, nq = 0; i < ls->n; i++) {
		for (j = 0; j < ls->v[i].n; j++) {
			if (sp->svc[ls->v[i].svc[j]].q >= 0)
				w->qmem[nq++] = sp->svc[ls->v[i].svc[j]].q;
		}
		w->qoff[i + 1] = nq;
	}
}

/*
 * Step B: greedy start, then the walk over compositions of N in
 * descending lexicographic order until the counts are valid.  The largest
 * non-zero slot left of the last one is kept on a stack, so each step
 * costs O(1) plus the quantity-constrained services of the (at most
 * three) layouts it changes.  *out is NULL when there is no solution.
 */
static int
solver_step_b(struct solver_space *sp, const struct solver_layouts *ls,
    int64_t num_machines, int64_t **out, char *err)
{
	struct solver_walk	 w;
	size_t			*stack = NULL, ns = 0, i, k = ls->n, e, m;
	int64_t			 total = 0, mx, d, v;
	int			 q, rc = -1;

	*out = NULL;
	if (k == 0)
		return (0);
	solver_walk_init(&w, sp, ls, num_machines);
	for (i = 0; i < k; i++) {
		mx = num_machines - total;
		for (m = w.qoff[i]; mx > 0 && m < w.qoff[i + 1]; m++) {
			q = w.qmem[m];
			/* qc <= max here, so this cannot overflow */
			d = w.max[q] - w.qc[q];
			if (d < mx)
				mx = d;
		}
		if (mx < 0)
			mx = 0;
		solver_walk_update(&w, i, mx);
		total += mx;
	}
	if (total < num_machines) {
		rc = 0;
		goto fail;
	}
	e = k - 1;
	stack = xcalloc(k + 1, sizeof *stack);
	for (i = 0; i < e; i++) {
		if (w.n[i] > 0)
			stack[ns++] = i;
	}
	for (;;) {
		if (solver_step(sp, err) != 0)
			goto fail;
		if (w.bad == 0)
			break;
		if (ns == 0) {
			rc = 0;
			goto fail;
		}
		i = stack[ns - 1];
		solver_walk_update(&w, i, -1);
		if (w.n[i] == 0)
			ns--;
		if (i == e - 1)
			solver_walk_update(&w, e, 1);
		else {
			v = w.n[e];
			solver_walk_update(&w, i + 1, 1 + v);
			solver_walk_update(&w, e, -v);
			stack[ns++] = i + 1;
		}
	}
	*out = w.n;
	w.n = NULL;
	rc = 0;
fail:
	free(stack);
	solver_walk_clear(&w);
	return (rc);
}

/* Copy of name with '_' and '.' replaced by '-'. */
static char *
solver_clean_name(const char *name)
{
	char	*c, *p;

	c = xstrdup(name != NULL ? name : "");
	for (p = c; *p != '\0'; p++) {
		if (*p == '_' || *p == '.')
			*p = '-';
	}
	return (c);
}

/* Hostname from a cleaned name: cut the name to fit 255 characters. */
static void
solver_hostname_fmt(char out[SOLVER_HOSTNAME_LEN], const char *clean,
    size_t clen, int64_t idnum, int64_t nodenum)
{
	char	post[64];
	size_t	pl, keep = clen;

	pl = (size_t)snprintf(post, sizeof post, "%" PRId64 "-%" PRId64
	    ".local", idnum, nodenum);
	if (keep + pl > SOLVER_HOSTNAME_LEN - 1)
		keep = SOLVER_HOSTNAME_LEN - 1 - pl;
	memcpy(out, clean, keep);
	memcpy(out + keep, post, pl + 1);
}

/* Distinct action types (automators) of a layout, first seen first. */
static void
solver_automators(const struct solver_space *sp, const struct solver_layout *l,
    struct solver_names *out)
{
	struct json_object	*acts;
	const char		*type;
	size_t			 i;

	out->n = 0;
	for (i = 0; i < l->n; i++) {
		acts = jsonx_get(jsonx_get(sp->svc[l->svc[i]].def,
		    "provisioner"), "actions");
		if (!json_object_is_type(acts, json_type_object))
			continue;
		json_object_object_foreach(acts, key, val) {
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
static int
solver_step_c(struct solver_space *sp, const struct solver_layouts *ls,
    const int64_t *counts, const char *cluster_id, int64_t idnum,
    const char *cluster_name, const struct solver_options *opts,
    struct json_object **out, char *err)
{
	const struct solver_layout	 *l;
	struct json_object		**copies, *nodes, *node, *props;
	struct json_object		 *svcs = NULL, *autoarr = NULL;
	struct json_object		 *shared[5];
	struct solver_names		  autos = { NULL, 0, 0 };
	char				  id[SOLVER_NODE_ID_LEN];
	char				  host[SOLVER_HOSTNAME_LEN], num[24];
	char				 *clean;
	size_t				  i, j, clen, total = 0;
	int64_t				  c, nodenum = SOLVER_FIRST_NODENUM;
	int				  s, rc = -1;

	*out = NULL;
	memset(shared, 0, sizeof shared);
	copies = xcalloc(sp->nsvc + 1, sizeof *copies);
	clean = solver_clean_name(cluster_name);
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
		solver_automators(sp, l, &autos);
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
				solver_err(err, "cannot generate a node id");
				goto fail;
			}
			id[sizeof id - 1] = '\0';
			node = jsonx_new_object();
			jsonx_append(nodes, node);
			jsonx_add_new(node, "id",
			    jsonx_new_string(id));
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
			jsonx_add_new(props, "image", json_object_get(shared[4]));
			snprintf(num, sizeof num, "%" PRId64, nodenum);
			jsonx_add_new(props, "nodenum",
			    jsonx_new_string(num));
			solver_hostname_fmt(host, clean, clen, idnum, nodenum);
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
	return (rc);
}

/*
 * Steps A-C on a finished space (services, definitions and types known).
 * *out is the Node JSON array, or NULL when there is no solution.
 */
static int
solver_core(struct solver_space *sp, const char *cluster_id,
    const char *cluster_name, int64_t num_machines,
    const struct solver_options *opts, struct json_object **out, char *err)
{
	struct solver_layouts	 ls;
	int64_t			*counts = NULL, idnum;
	int			 rc = -1;

	memset(&ls, 0, sizeof ls);
	*out = NULL;
	if (opts == NULL || opts->node_id == NULL) {
		solver_err(err, "no node id generator");
		return (-1);
	}
	if (jsonx_parse_long(cluster_id, &idnum) != 0) {
		solver_err(err, "invalid cluster id: %s",
		    cluster_id != NULL ? cluster_id : "null");
		return (-1);
	}
	if (num_machines <= 0)
		return (0);
	sp->steps = 0;
	if (solver_step_a(sp, &ls, err) != 0)
		goto fail;
	if (solver_step_b(sp, &ls, num_machines, &counts, err) != 0)
		goto fail;
	if (counts != NULL && solver_step_c(sp, &ls, counts, cluster_id, idnum,
	    cluster_name, opts, out, err) != 0)
		goto fail;
	rc = 0;
fail:
	free(counts);
	solver_layouts_clear(&ls);
	return (rc);
}

void
solver_options_init(struct solver_options *opts)
{
	memset(opts, 0, sizeof *opts);
	opts->max_steps = SOLVER_DEFAULT_MAX_STEPS;
}

/* Member key of o if it is an array, else NULL. */
static struct json_object *
solver_get_array(struct json_object *o, const char *key)
{
	struct json_object	*v = jsonx_get(o, key);

	return (json_object_is_type(v, json_type_array) ? v : NULL);
}

void
solver_catalogue_from_export(struct solver_catalogue *cat,
    struct json_object *export_obj)
{
	cat->providers = solver_get_array(export_obj, "providers");
	cat->hardwaretypes = solver_get_array(export_obj, "hardwaretypes");
	cat->imagetypes = solver_get_array(export_obj, "imagetypes");
	cat->services = solver_get_array(export_obj, "services");
	cat->clustertemplates = solver_get_array(export_obj,
	    "clustertemplates");
}

/* Optional string member: -1 if present and not a string. */
static int
solver_opt_str(struct json_object *o, const char *key, const char **out)
{
	struct json_object	*v = jsonx_get(o, key);

	*out = NULL;
	if (v == NULL)
		return (0);
	return ((*out = jsonx_str(v)) != NULL ? 0 : -1);
}

int
solver_request_from_json(struct solver_request *req,
    struct json_object *request_json, char err[LOOMD_ERR_LEN])
{
	struct solver_names	 ns = { NULL, 0, 0 };
	struct json_object	*v;
	const char		*what;

	if (!json_object_is_type(request_json, json_type_object)) {
		solver_err(err, "invalid cluster request");
		return (-1);
	}
	what = "name";
	if (solver_opt_str(request_json, what, &req->name) != 0)
		goto fail;
	what = "clusterTemplateName";
	if (solver_opt_str(request_json, what, &req->template_name) != 0)
		goto fail;
	what = "provider";
	if (solver_opt_str(request_json, what, &req->provider) != 0)
		goto fail;
	what = "hardwareType";
	if (solver_opt_str(request_json, what, &req->hardwaretype) != 0)
		goto fail;
	what = "imageType";
	if (solver_opt_str(request_json, what, &req->imagetype) != 0)
		goto fail;
	what = "numMachines";
	req->num_machines = 0;
	if ((v = jsonx_get(request_json, what)) != NULL &&
	    jsonx_long(v, &req->num_machines) != 0)
		goto fail;
	what = "leaseDuration";
	req->lease_duration = -1;
	if ((v = jsonx_get(request_json, what)) != NULL &&
	    jsonx_long(v, &req->lease_duration) != 0)
		goto fail;
	what = "services";
	req->services = jsonx_get(request_json, what);
	if (solver_names_parse(req->services, &ns) != 0)
		goto fail;
	solver_names_clear(&ns);
	return (0);
fail:
	solver_names_clear(&ns);
	solver_err(err, "invalid cluster request: bad %s", what);
	return (-1);
}

/* The element of an entity array whose name is name, or NULL. */
static struct json_object *
solver_cat_find(struct json_object *arr, const char *name)
{
	struct json_object	*e;
	const char		*s;
	size_t			 i, n;

	if (name == NULL || !json_object_is_type(arr, json_type_array))
		return (NULL);
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(arr, i);
		s = jsonx_str(jsonx_get(e, "name"));
		if (s != NULL && strcmp(s, name) == 0)
			return (e);
	}
	return (NULL);
}

/* Add type entity e if allowed and mapped for the provider. */
static void
solver_cat_type(struct solver_types *ts, struct json_object *e,
    const struct solver_names *allowed, const char *provider, const char *key)
{
	const char	*name, *v;

	if ((name = jsonx_str(jsonx_get(e, "name"))) == NULL)
		return;
	if (allowed->n != 0 && !solver_names_has(allowed, name))
		return;
	v = jsonx_str(jsonx_get(jsonx_get(jsonx_get(e, "providermap"),
	    provider), key));
	if (v != NULL)
		solver_types_add(ts, name, v);
}

/* Section 3.4 steps 3/4: type name -> flavor (or image) map. */
static void
solver_cat_types(struct solver_types *ts, struct json_object *arr,
    const char *required, const struct solver_names *allowed,
    const char *provider, const char *key)
{
	size_t	i, n;

	if (required != NULL) {
		struct json_object *e = solver_cat_find(arr, required);

		if (e != NULL)
			solver_cat_type(ts, e, allowed, provider, key);
	} else if (json_object_is_type(arr, json_type_array)) {
		n = json_object_array_length(arr);
		for (i = 0; i < n; i++)
			solver_cat_type(ts, json_object_array_get_idx(arr, i),
			    allowed, provider, key);
	}
	solver_types_finish(ts);
}

/* The type requested, else the template default; "" means none. */
static const char *
solver_required(const char *requested, const char *dflt)
{
	const char	*r = solver_nonempty(requested) ? requested : dflt;

	return (solver_nonempty(r) ? r : NULL);
}

int
solver_lease_duration(int64_t template_initial, int64_t requested,
    int64_t *lease, char err[LOOMD_ERR_LEN])
{
	int64_t	l, eff = requested == 0 ? INT64_MAX : requested;

	if (requested == -1)
		l = template_initial;
	else if (template_initial == 0 || template_initial >= eff)
		l = requested;
	else {
		solver_err(err, "lease duration cannot be greater than "
		    "specified in template");
		return (-1);
	}
	if (l < 0) {
		solver_err(err, "invalid lease duration: %" PRId64, l);
		return (-1);
	}
	*lease = l;
	return (0);
}

int
solver_hostname(char out[SOLVER_HOSTNAME_LEN], const char *name,
    const char *cluster_id, int64_t nodenum, char err[LOOMD_ERR_LEN])
{
	char	*clean;
	int64_t	 idnum;

	if (jsonx_parse_long(cluster_id, &idnum) != 0) {
		solver_err(err, "invalid cluster id: %s",
		    cluster_id != NULL ? cluster_id : "null");
		return (-1);
	}
	clean = solver_clean_name(name);
	solver_hostname_fmt(out, clean, strlen(clean), idnum, nodenum);
	free(clean);
	return (0);
}

int
solver_input_from_json(struct solver_input **out,
    struct json_object *template_json, const struct solver_catalogue *cat,
    char err[LOOMD_ERR_LEN])
{
	struct solver_input	*in;

	*out = NULL;
	in = xcalloc(1, sizeof *in);
	if (solver_template_parse(&in->t, template_json, err) != 0) {
		free(in);
		return (-1);
	}
	if (cat != NULL)
		in->cat = *cat;
	*out = in;
	return (0);
}

void
solver_input_free(struct solver_input *in)
{
	if (in == NULL)
		return;
	solver_template_clear(&in->t);
	free(in);
}

void
solver_result_free(struct solver_result *res)
{
	if (res == NULL)
		return;
	json_object_put(res->nodes);
	json_object_put(res->services);
	json_object_put(res->clustertemplate);
	json_object_put(res->provider);
	free(res);
}

/* Section 3.4 step 6: the services are allowed, exist, and are closed. */
static int
solver_check_services(struct solver_space *sp,
    const struct solver_catalogue *cat, char *err)
{
	const struct solver_template	*t = sp->t;
	struct solver_names		 bad = { NULL, 0, 0 };
	struct json_object		*deps;
	const char			*d;
	char				*list = NULL;
	size_t				 i, j, len = 0;
	int				 rc = -1;

	if (t->compat_svc.n != 0) {
		for (i = 0; i < sp->nsvc; i++) {
			if (!solver_names_has(&t->compat_svc, sp->svc[i].name))
				solver_names_add(&bad, sp->svc[i].name);
		}
	}
	if (bad.n == 1) {
		solver_err(err, "service %s is not allowed with template %s",
		    bad.v[0], t->name);
		goto fail;
	}
	if (bad.n > 1) {
		for (i = 0; i < bad.n; i++)
			len += strlen(bad.v[i]) + 1;
		list = xcalloc(len + 1, 1);
		for (i = 0; i < bad.n; i++) {
			if (i != 0)
				strcat(list, ",");
			strcat(list, bad.v[i]);
		}
		solver_err(err, "services %s are not allowed with template %s",
		    list, t->name);
		goto fail;
	}
	for (i = 0; i < sp->nsvc; i++) {
		sp->svc[i].def = solver_cat_find(cat->services,
		    sp->svc[i].name);
		if (sp->svc[i].def == NULL) {
			solver_err(err, "service %s does not exist",
			    sp->svc[i].name);
			goto fail;
		}
	}
	for (i = 0; i < sp->nsvc; i++) {
		deps = solver_get_array(sp->svc[i].def, "dependson");
		for (j = 0; j < json_object_array_length(deps); j++) {
			d = jsonx_str(json_object_array_get_idx(deps, j));
			if (d != NULL && solver_index_get(&sp->index, d) < 0) {
				solver_err(err, "service %s depends on %s, "
				    "which is not in the set of cluster "
				    "services", sp->svc[i].name, d);
				goto fail;
			}
		}
	}
	rc = 0;
fail:
	free(list);
	solver_names_clear(&bad);
	return (rc);
}

int
solver_input_solve(const struct solver_input *in,
    const struct solver_request *req, const struct solver_options *opts,
    struct solver_result **out, char err[LOOMD_ERR_LEN])
{
	const struct solver_template	*t = &in->t;
	const struct solver_catalogue	*cat = &in->cat;
	struct solver_space		 sp;
	struct solver_names		 rs = { NULL, 0, 0 };
	const struct solver_names	*names;
	struct solver_result		*res;
	struct json_object		*provider, *nodes = NULL;
	const char			*pname;
	int64_t				 lease;
	size_t				 i;
	int				 rc = -1;

	*out = NULL;
	solver_space_init(&sp, t, opts != NULL ? opts->max_steps : 0);

	pname = solver_nonempty(req->provider) ? req->provider : t->provider;
	if ((provider = solver_cat_find(cat->providers, pname)) == NULL) {
		solver_err(err, "provider %s does not exist.", pname);
		goto fail;
	}
	solver_cat_types(&sp.hw, cat->hardwaretypes,
	    solver_required(req->hardwaretype, t->hardwaretype), &t->compat_hw,
	    pname, "flavor");
	if (sp.hw.n == 0) {
		solver_err(err, "no hardware types are available to use with "
		    "template %s and provider %s", t->name, pname);
		goto fail;
	}
	solver_cat_types(&sp.img, cat->imagetypes,
	    solver_required(req->imagetype, t->imagetype), &t->compat_img,
	    pname, "image");
	if (sp.img.n == 0) {
		solver_err(err, "no image types are available to use with "
		    "template %s and provider %s", t->name, pname);
		goto fail;
	}
	if (solver_lease_duration(t->lease_initial, req->lease_duration,
	    &lease, err) != 0)
		goto fail;

	if (solver_names_parse(req->services, &rs) != 0) {
		solver_err(err, "invalid cluster request: bad services");
		goto fail;
	}
	names = rs.n != 0 ? &rs : &t->services;
	for (i = 0; i < names->n; i++)
		solver_space_add(&sp, names->v[i], true);
	if (solver_check_services(&sp, cat, err) != 0)
		goto fail;
	solver_space_finish(&sp);

	if (solver_core(&sp, req->cluster_id, req->name, req->num_machines,
	    opts, &nodes, err) != 0)
		goto fail;
	if (nodes != NULL) {
		res = xcalloc(1, sizeof *res);
		res->nodes = nodes;
		res->num_nodes = json_object_array_length(nodes);
		res->services = jsonx_new_array();
		for (i = 0; i < sp.nsvc; i++)
			jsonx_append(res->services, jsonx_new_string(sp.svc[i].name));
		res->clustertemplate = jsonx_copy(t->json);
		res->provider = jsonx_copy(provider);
		res->lease_duration = lease;
		if (lease == 0)
			res->expire_time = 0;
		else if (__builtin_add_overflow(req->create_time, lease,
		    &res->expire_time))
			res->expire_time = INT64_MAX;
		*out = res;
	}
	rc = 0;
fail:
	solver_names_clear(&rs);
	solver_space_clear(&sp);
	return (rc);
}

int
solver_solve(const struct solver_catalogue *cat,
    const struct solver_request *req, const struct solver_options *opts,
    struct solver_result **out, char err[LOOMD_ERR_LEN])
{
	struct solver_input	*in;
	struct json_object	*tj;
	const char		*name;
	int			 rc;

	*out = NULL;
	name = req->template_name != NULL ? req->template_name : "null";
	if ((tj = solver_cat_find(cat->clustertemplates, name)) == NULL) {
		solver_err(err, "cluster template %s does not exist.", name);
		return (-1);
	}
	if (solver_input_from_json(&in, tj, cat, err) != 0)
		return (-1);
	rc = solver_input_solve(in, req, opts, out, err);
	solver_input_free(in);
	return (rc);
}

/*
 * Test entry points.  They share the code paths above; the JSON in and
 * out only mirrors the Java test fixtures.
 */

/* Order of string pointers. */
static int
solver_strp_cmp(const void *a, const void *b)
{
	const char *const	*x = a, *const *y = b;

	return (strcmp(*x, *y));
}

/* Parse a JSON name list into sorted, distinct names. */
static int
solver_names_parse_set(struct json_object *v, struct solver_names *ns)
{
	size_t	i, n = 0;

	if (v == NULL || solver_names_parse(v, ns) != 0)
		return (-1);
	solver_qsort(ns->v, ns->n, sizeof *ns->v, solver_strp_cmp);
	for (i = 0; i < ns->n; i++) {
		if (n == 0 || strcmp(ns->v[n - 1], ns->v[i]) != 0)
			ns->v[n++] = ns->v[i];
	}
	ns->n = n;
	return (0);
}

/* A name array. */
static struct json_object *
solver_names_json(const char *const *v, size_t n)
{
	struct json_object	*arr = jsonx_new_array();
	size_t			 i;

	for (i = 0; i < n; i++)
		jsonx_append(arr, jsonx_new_string(v[i]));
	return (arr);
}

/* {"hardwaretype","imagetype","services"} of a layout. */
static struct json_object *
solver_layout_json(const struct solver_layout *l)
{
	struct json_object	*o = jsonx_new_object();

	jsonx_add_new(o, "hardwaretype", jsonx_new_string(
	    l->hw));
	jsonx_add_new(o, "imagetype", jsonx_new_string(
	    l->img));
	jsonx_add_new(o, "services", solver_names_json(l->names, l->n));
	return (o);
}

/* Array of layouts. */
static struct json_object *
solver_layouts_json(const struct solver_layouts *ls)
{
	struct json_object	*arr = jsonx_new_array();
	size_t			 i;

	for (i = 0; i < ls->n; i++)
		jsonx_append(arr, solver_layout_json(&ls->v[i]));
	return (arr);
}

/* Parse layouts; with sp, bind their services to it. */
static int
solver_layouts_parse(struct json_object *arr, struct solver_space *sp,
    struct solver_layouts *ls, char *err)
{
	struct solver_names	 ns;
	struct solver_layout	*l;
	struct json_object	*e;
	size_t			 i, j;
	int			 s;

	if (!json_object_is_type(arr, json_type_array)) {
		solver_err(err, "node layouts must be an array");
		return (-1);
	}
	for (i = 0; i < json_object_array_length(arr); i++) {
		e = json_object_array_get_idx(arr, i);
		memset(&ns, 0, sizeof ns);
		if (solver_names_parse_set(jsonx_get(e, "services"),
		    &ns) != 0) {
			solver_names_clear(&ns);
			solver_err(err, "invalid node layout");
			return (-1);
		}
		l = solver_layouts_new(ls);
		l->names = ns.v;
		l->n = ns.n;
		l->hw = jsonx_str(jsonx_get(e, "hardwaretype"));
		l->img = jsonx_str(jsonx_get(e, "imagetype"));
		if (l->hw == NULL || l->img == NULL) {
			solver_err(err, "invalid node layout");
			return (-1);
		}
		if (sp == NULL)
			continue;
		l->svc = xcalloc(l->n + 1, sizeof *l->svc);
		for (j = 0; j < l->n; j++) {
			if ((s = solver_index_get(&sp->index,
			    l->names[j])) < 0 || !sp->svc[s].cluster) {
				solver_err(err, "layout service %s is not a "
				    "cluster service", l->names[j]);
				return (-1);
			}
			l->svc[j] = s;
		}
	}
	return (0);
}

/* Parse a template and set up a space over the cluster services. */
static int
solver_hook_setup(struct solver_template *t, struct solver_space *sp,
    struct json_object *tmpl, struct json_object *cluster_services,
    int64_t max_steps, char *err)
{
	memset(sp, 0, sizeof *sp);
	if (solver_template_parse(t, tmpl, err) != 0)
		return (-1);
	solver_space_init(sp, t, max_steps);
	if (solver_space_add_json(sp, cluster_services, true, err) != 0) {
		solver_space_clear(sp);
		solver_template_clear(t);
		return (-1);
	}
	return (0);
}

/* Release what solver_hook_setup() made. */
static void
solver_hook_clear(struct solver_template *t, struct solver_space *sp)
{
	solver_space_clear(sp);
	solver_template_clear(t);
}

int
solver_unconstrained_services(struct json_object *tmpl,
    struct json_object *cluster_services, struct json_object **out,
    char err[LOOMD_ERR_LEN])
{
	struct solver_template	t;
	struct solver_space	sp;
	size_t			i;

	*out = NULL;
	if (solver_hook_setup(&t, &sp, tmpl, cluster_services, 0, err) != 0)
		return (-1);
	solver_space_finish(&sp);
	*out = jsonx_new_array();
	for (i = 0; i < sp.nsvc; i++) {
		if (!sp.svc[i].constrained)
			jsonx_append(*out, jsonx_new_string(
			    sp.svc[i].name));
	}
	solver_hook_clear(&t, &sp);
	return (0);
}

int
solver_service_set_valid(struct json_object *tmpl,
    struct json_object *service_set, struct json_object *cluster_services,
    int *valid, char err[LOOMD_ERR_LEN])
{
	struct solver_template	 t;
	struct solver_names	 set = { NULL, 0, 0 }, cs = { NULL, 0, 0 };
	const struct solver_names *m;
	size_t			 i, j;
	bool			 touched, all;
	int			 rc = -1;

	if (solver_template_parse(&t, tmpl, err) != 0)
		return (-1);
	if (solver_names_parse_set(service_set, &set) != 0 ||
	    solver_names_parse_set(cluster_services, &cs) != 0) {
		solver_err(err, "service names must be an array of strings");
		goto fail;
	}
	*valid = 1;
	for (i = 0; i < t.ncant; i++) {
		for (j = 0; j < t.cant[i].n; j++) {
			if (!solver_names_has(&set, t.cant[i].v[j]))
				break;
		}
		if (j == t.cant[i].n)
			*valid = 0;
	}
	for (i = 0; i < t.nmust; i++) {
		m = &t.must[i];
		touched = false;
		all = true;
		for (j = 0; j < m->n; j++) {
			if (!solver_names_has(&cs, m->v[j]))
				continue;
			if (solver_names_has(&set, m->v[j]))
				touched = true;
			else
				all = false;
		}
		if (touched && !all)
			*valid = 0;
	}
	rc = 0;
fail:
	solver_names_clear(&set);
	solver_names_clear(&cs);
	solver_template_clear(&t);
	return (rc);
}

int
solver_node_layout_valid(struct json_object *tmpl, const char *hw,
    const char *img, struct json_object *services, int *valid,
    char err[LOOMD_ERR_LEN])
{
	struct solver_template		 t;
	struct solver_names		 ns = { NULL, 0, 0 };
	const struct solver_constraint	*c;
	size_t				 i;
	int				 k, rc = -1;

	if (solver_template_parse(&t, tmpl, err) != 0)
		return (-1);
	if (solver_names_parse_set(services, &ns) != 0) {
		solver_err(err, "service names must be an array of strings");
		goto fail;
	}
	*valid = 1;
	for (i = 0; i < ns.n; i++) {
		if ((k = solver_index_get(&t.cons_index, ns.v[i])) < 0)
			continue;
		c = &t.cons[k];
		if ((c->hardwaretypes.n != 0 &&
		    !solver_names_has(&c->hardwaretypes, hw)) ||
		    (c->imagetypes.n != 0 &&
		    !solver_names_has(&c->imagetypes, img)))
			*valid = 0;
	}
	rc = 0;
fail:
	solver_names_clear(&ns);
	solver_template_clear(&t);
	return (rc);
}

/* Valid sets of the input services (which may lie outside the cluster). */
static int
solver_hook_sets(struct solver_space *sp, struct json_object *input,
    struct solver_sets *sets, char *err)
{
	struct solver_names	ns = { NULL, 0, 0 };
	size_t			i;
	int			rc = -1;

	if (solver_names_parse_set(input, &ns) != 0) {
		solver_err(err, "service names must be an array of strings");
		goto fail;
	}
	for (i = 0; i < ns.n; i++)
		solver_space_add(sp, ns.v[i], false);
	solver_space_finish(sp);
	for (i = 0; i < ns.n; i++)
		sp->svc[solver_index_get(&sp->index, ns.v[i])].input = true;
	rc = solver_valid_sets(sp, sets, err);
fail:
	solver_names_clear(&ns);
	return (rc);
}

int
solver_valid_service_sets(struct json_object *tmpl,
    struct json_object *cluster_services, struct json_object *input_services,
    struct json_object **out, char err[LOOMD_ERR_LEN])
{
	struct solver_template	t;
	struct solver_space	sp;
	struct solver_sets	sets;
	struct solver_layout	l;
	size_t			i;
	int			rc = -1;

	*out = NULL;
	memset(&sets, 0, sizeof sets);
	if (solver_hook_setup(&t, &sp, tmpl, cluster_services, 0, err) != 0)
		return (-1);
	if (solver_hook_sets(&sp, input_services, &sets, err) != 0)
		goto fail;
	*out = jsonx_new_array();
	for (i = 0; i < sets.n; i++) {
		memset(&l, 0, sizeof l);
		solver_layout_set_members(&sp, &l, sets.pool + sets.off[i],
		    sets.len[i]);
		jsonx_append(*out, solver_names_json(l.names, l.n));
		solver_layout_clear(&l);
	}
	rc = 0;
fail:
	solver_sets_clear(&sets);
	solver_hook_clear(&t, &sp);
	return (rc);
}

int
solver_valid_node_layouts(struct json_object *tmpl,
    struct json_object *cluster_services, struct json_object *input_services,
    struct json_object *hw_names, struct json_object *img_names,
    struct json_object **out, char err[LOOMD_ERR_LEN])
{
	struct solver_template	 t;
	struct solver_space	 sp;
	struct solver_sets	 sets;
	struct solver_names	 hw = { NULL, 0, 0 }, img = { NULL, 0, 0 };
	struct solver_layout	 l;
	const int		*x;
	size_t			 i, j, h, g;
	int			 rc = -1;

	*out = NULL;
	memset(&sets, 0, sizeof sets);
	if (solver_hook_setup(&t, &sp, tmpl, cluster_services, 0, err) != 0)
		return (-1);
	if (solver_names_parse_set(hw_names, &hw) != 0 ||
	    solver_names_parse_set(img_names, &img) != 0) {
		solver_err(err, "type names must be an array of strings");
		goto fail;
	}
	if (solver_hook_sets(&sp, input_services, &sets, err) != 0)
		goto fail;
	*out = jsonx_new_array();
	for (h = 0; h < hw.n; h++) {
		for (g = 0; g < img.n; g++) {
			for (i = 0; i < sets.n; i++) {
				x = sets.pool + sets.off[i];
				for (j = 0; j < sets.len[i]; j++) {
					if (!solver_type_allowed(&sp, x[j], 0,
					    hw.v[h]) || !solver_type_allowed(
					    &sp, x[j], 1, img.v[g]))
						break;
				}
				if (j < sets.len[i])
					continue;
				memset(&l, 0, sizeof l);
				l.hw = hw.v[h];
				l.img = img.v[g];
				solver_layout_set_members(&sp, &l, x,
				    sets.len[i]);
				jsonx_append(*out, solver_layout_json(&l));
				solver_layout_clear(&l);
			}
		}
	}
	rc = 0;
fail:
	solver_names_clear(&hw);
	solver_names_clear(&img);
	solver_sets_clear(&sets);
	solver_hook_clear(&t, &sp);
	return (rc);
}

int
solver_narrow_node_layouts(struct json_object *layouts,
    struct json_object *hw_prefs, struct json_object *img_prefs,
    struct json_object **out, char err[LOOMD_ERR_LEN])
{
	struct solver_layouts	ls;
	struct solver_names	hw = { NULL, 0, 0 }, img = { NULL, 0, 0 };
	struct solver_prefs	p;
	int			rc = -1;

	*out = NULL;
	memset(&ls, 0, sizeof ls);
	if (solver_names_parse(hw_prefs, &hw) != 0 ||
	    solver_names_parse(img_prefs, &img) != 0) {
		solver_err(err, "preferences must be arrays of strings");
		goto fail;
	}
	if (solver_layouts_parse(layouts, NULL, &ls, err) != 0)
		goto fail;
	p.hw = hw_prefs != NULL ? &hw : NULL;
	p.img = img_prefs != NULL ? &img : NULL;
	solver_narrow(&ls, &p);
	*out = solver_layouts_json(&ls);
	rc = 0;
fail:
	solver_layouts_clear(&ls);
	solver_names_clear(&hw);
	solver_names_clear(&img);
	return (rc);
}

/* Usable types from a name list (no flavor or image values). */
static int
solver_hook_types(struct solver_types *ts, struct json_object *names,
    char *err)
{
	struct solver_names	ns = { NULL, 0, 0 };
	size_t			i;

	if (solver_names_parse_set(names, &ns) != 0) {
		solver_names_clear(&ns);
		solver_err(err, "type names must be an array of strings");
		return (-1);
	}
	for (i = 0; i < ns.n; i++)
		solver_types_add(ts, ns.v[i], ns.v[i]);
	solver_types_finish(ts);
	solver_names_clear(&ns);
	return (0);
}

int
solver_node_layout_preferences(struct json_object *tmpl,
    struct json_object *cluster_services, struct json_object *hw_names,
    struct json_object *img_names, struct json_object **out,
    char err[LOOMD_ERR_LEN])
{
	struct solver_template	t;
	struct solver_space	sp;
	struct solver_layouts	ls;
	int			rc = -1;

	*out = NULL;
	memset(&ls, 0, sizeof ls);
	if (solver_hook_setup(&t, &sp, tmpl, cluster_services, 0, err) != 0)
		return (-1);
	if (solver_hook_types(&sp.hw, hw_names, err) != 0 ||
	    solver_hook_types(&sp.img, img_names, err) != 0)
		goto fail;
	solver_space_finish(&sp);
	if (solver_step_a(&sp, &ls, err) != 0)
		goto fail;
	*out = solver_layouts_json(&ls);
	rc = 0;
fail:
	solver_layouts_clear(&ls);
	solver_hook_clear(&t, &sp);
	return (rc);
}

int
solver_find_node_counts(struct json_object *tmpl,
    struct json_object *services, struct json_object *layouts,
    int64_t num_machines, int64_t max_steps, struct json_object **out,
    char err[LOOMD_ERR_LEN])
{
	struct solver_template	 t;
	struct solver_space	 sp;
	struct solver_layouts	 ls;
	int64_t			*counts = NULL;
	size_t			 i;
	int			 rc = -1;

	*out = NULL;
	memset(&ls, 0, sizeof ls);
	if (solver_hook_setup(&t, &sp, tmpl, services, max_steps, err) != 0)
		return (-1);
	solver_space_finish(&sp);
	if (solver_layouts_parse(layouts, &sp, &ls, err) != 0)
		goto fail;
	if (solver_step_b(&sp, &ls, num_machines, &counts, err) != 0)
		goto fail;
	if (counts != NULL) {
		*out = jsonx_new_array();
		for (i = 0; i < ls.n; i++)
			jsonx_append(*out, jsonx_new_int64(
			    counts[i]));
	}
	rc = 0;
fail:
	free(counts);
	solver_layouts_clear(&ls);
	solver_hook_clear(&t, &sp);
	return (rc);
}

int
solver_node_counts_valid(struct json_object *tmpl,
    struct json_object *services, struct json_object *layouts,
    int64_t num_machines, struct json_object *counts, int *valid,
    char err[LOOMD_ERR_LEN])
{
	struct solver_template	t;
	struct solver_space	sp;
	struct solver_layouts	ls;
	struct solver_walk	w;
	int64_t			v;
	size_t			i;
	int			rc = -1;

	memset(&ls, 0, sizeof ls);
	memset(&w, 0, sizeof w);
	if (solver_hook_setup(&t, &sp, tmpl, services, 0, err) != 0)
		return (-1);
	solver_space_finish(&sp);
	if (solver_layouts_parse(layouts, &sp, &ls, err) != 0)
		goto fail;
	if (!json_object_is_type(counts, json_type_array) ||
	    json_object_array_length(counts) != ls.n) {
		solver_err(err, "one count per node layout is needed");
		goto fail;
	}
	solver_walk_init(&w, &sp, &ls, num_machines);
	for (i = 0; i < ls.n; i++) {
		if (jsonx_long(json_object_array_get_idx(counts, i),
		    &v) != 0) {
			solver_err(err, "counts must be integers");
			goto fail;
		}
		solver_walk_update(&w, i, v);
	}
	*valid = w.bad == 0;
	rc = 0;
fail:
	solver_walk_clear(&w);
	solver_layouts_clear(&ls);
	solver_hook_clear(&t, &sp);
	return (rc);
}

/* Types from a JSON object of name -> flavor (or image) strings. */
static int
solver_hook_map(struct solver_types *ts, struct json_object *map, char *err)
{
	if (!json_object_is_type(map, json_type_object)) {
		solver_err(err, "type map must be an object of strings");
		return (-1);
	}
	json_object_object_foreach(map, key, val) {
		if (jsonx_str(val) == NULL) {
			solver_err(err, "type map must be an object of "
			    "strings");
			return (-1);
		}
		solver_types_add(ts, key, jsonx_str(val));
	}
	solver_types_finish(ts);
	return (0);
}

int
solver_solve_constraints(struct json_object *tmpl, const char *cluster_id,
    const char *cluster_name, int64_t num_machines,
    struct json_object *hw_flavors, struct json_object *img_images,
    struct json_object *services, struct json_object *service_defs,
    const struct solver_options *opts, struct json_object **out,
    char err[LOOMD_ERR_LEN])
{
	struct solver_template	t;
	struct solver_space	sp;
	size_t			i;
	int			rc = -1;

	*out = NULL;
	if (solver_hook_setup(&t, &sp, tmpl, services,
	    opts != NULL ? opts->max_steps : 0, err) != 0)
		return (-1);
	if (solver_hook_map(&sp.hw, hw_flavors, err) != 0 ||
	    solver_hook_map(&sp.img, img_images, err) != 0)
		goto fail;
	for (i = 0; i < sp.nsvc; i++) {
		sp.svc[i].def = solver_cat_find(service_defs, sp.svc[i].name);
		if (sp.svc[i].def == NULL) {
			solver_err(err, "service %s does not exist",
			    sp.svc[i].name);
			goto fail;
		}
	}
	solver_space_finish(&sp);
	rc = solver_core(&sp, cluster_id, cluster_name, num_machines, opts,
	    out, err);
fail:
	solver_hook_clear(&t, &sp);
	return (rc);
}
