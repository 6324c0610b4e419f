/* SPDX-License-Identifier: Apache-2.0 */
/*
 * svcdeps.c - the service dependency resolver of LOOM-0.9.7-OPS.md
 * section 7.3 and the service expansion of section 5.  Every name the
 * services mention (service names, provided names, dependency names) gets
 * an index in one sorted table; sets are sorted arrays of such indexes, so
 * every output comes out in ascending name order.  The add-services
 * validation is in svcdeps_check.c.
 */
#include "config.h"

#include "svcdeps.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strtab.h"

#define SVCDEPS_NONE SIZE_MAX

/* A sorted set of name indexes (or, while building, an unsorted list). */
struct svcdeps_set {
	size_t *v;
	size_t n;
	size_t cap;
};

struct svcdeps {
	char **names; /* every name, ascending */
	size_t nnames;
	size_t *svc; /* the services */
	size_t nsvc;
	int *is_svc;		      /* per name */
	unsigned int *actions;	      /* per name */
	struct svcdeps_set *prov;     /* per name: its providers */
	const char **prov_names;      /* all provider lists */
	size_t *prov_off;	      /* per name */
	struct svcdeps_set *given[2]; /* after step 2 */
	struct svcdeps_set *min[2];   /* per name */
	struct svcdeps_set *rev[2];   /* per name */
	const char **min_names[2];
	size_t *min_off[2];
	const char **rev_names[2];
	size_t *rev_off[2];
	struct svcdeps_action_dep *adeps; /* per name and action */
	size_t *adeps_off;		  /* per (name, to) */
};

/* The global action dependencies of section 7.2 (Actions). */
static const struct {
	enum planner_action from;
	enum planner_action to;
	int reversed;
} svcdeps_global[] = {
	{ PLANNER_ACTION_START, PLANNER_ACTION_START, 0 },
	{ PLANNER_ACTION_START, PLANNER_ACTION_INITIALIZE, 0 },
	{ PLANNER_ACTION_STOP, PLANNER_ACTION_STOP, 1 },
	{ PLANNER_ACTION_INSTALL, PLANNER_ACTION_INSTALL, 0 },
};
#define SVCDEPS_NGLOBAL (sizeof(svcdeps_global) / sizeof(svcdeps_global[0]))

const char *
svcdeps_action_name(enum planner_action a)
{
	return planner_action_upper(a);
}

int
svcdeps_action_parse(const char *s, enum planner_action *out)
{
	enum planner_action a;

	/* Upper case only: planner_action_parse() also takes lower case. */
	if (planner_action_parse(s, &a) != 0 ||
	    strcmp(s, planner_action_upper(a)) != 0)
		return -1;
	*out = a;
	return 0;
}

int
svcdeps_action_is_runtime(enum planner_action a)
{
	return planner_action_is_runtime(a);
}

int
svcdeps_action_is_install(enum planner_action a)
{
	return planner_action_is_install(a);
}

/* Append x to a set under construction. */
static void
svcdeps_set_push(struct svcdeps_set *s, size_t x)
{
	if (s->n == s->cap) {
		s->cap = s->cap == 0 ? 4 : s->cap * 2;
		s->v = xreallocarray(s->v, s->cap, sizeof(*s->v));
	}
	s->v[s->n++] = x;
}

/* Mark x and append it to s, unless mark[x] is set already. */
static void
svcdeps_set_visit(struct svcdeps_set *s, unsigned char *mark, size_t x)
{
	if (mark[x])
		return;
	mark[x] = 1;
	svcdeps_set_push(s, x);
}

/* qsort comparator of size_t. */
static int
svcdeps_cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/* Sort a set and drop duplicates. */
static void
svcdeps_set_finish(struct svcdeps_set *s)
{
	size_t i, j;

	if (s->n < 2)
		return;
	qsort(s->v, s->n, sizeof(*s->v), svcdeps_cmp_size);
	for (i = 1, j = 1; i < s->n; i++)
		if (s->v[i] != s->v[j - 1])
			s->v[j++] = s->v[i];
	s->n = j;
}

/* Free the sets of an array of n sets, and the array. */
static void
svcdeps_sets_free(struct svcdeps_set *sets, size_t n)
{
	size_t i;

	if (sets == NULL)
		return;
	for (i = 0; i < n; i++)
		free(sets[i].v);
	free(sets);
}

/* Index of name, or SVCDEPS_NONE. */
static size_t
svcdeps_lookup(const struct svcdeps *d, const char *name)
{
	char **p;

	if (name == NULL || d->nnames == 0)
		return SVCDEPS_NONE;
	p = bsearch(&name, d->names, d->nnames, sizeof(*d->names), strtab_cmp);
	return p == NULL ? SVCDEPS_NONE : (size_t)(p - d->names);
}

/* Check a name list: every entry must be a string. */
static int
svcdeps_check_names(const struct strtab_list *l, const char *svc,
    const char *what, char err[LOOMD_ERR_LEN])
{
	size_t i;

	if (l->n > 0 && l->v == NULL) {
		snprintf(err, LOOMD_ERR_LEN, "service %s: %s list missing",
		    svc, what);
		return -1;
	}
	for (i = 0; i < l->n; i++) {
		if (l->v[i] == NULL || l->v[i][0] == '\0') {
			snprintf(err, LOOMD_ERR_LEN,
			    "service %s: empty name in %s", svc, what);
			return -1;
		}
	}
	return 0;
}

/* Add the names of l to the list all (*n entries, *cap allocated). */
static void
svcdeps_collect(char ***all, size_t *n, size_t *cap,
    const struct strtab_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (*n == *cap) {
			*cap = *cap == 0 ? 16 : *cap * 2;
			*all = xreallocarray(*all, *cap, sizeof(**all));
		}
		(*all)[(*n)++] = (char *)(uintptr_t)l->v[i];
	}
}

/* Step 2 for one name list: push the indexes, provided names replaced. */
static void
svcdeps_replace(const struct svcdeps *d, const struct strtab_list *l,
    struct svcdeps_set *out)
{
	size_t i, j, x;

	for (i = 0; i < l->n; i++) {
		x = svcdeps_lookup(d, l->v[i]);
		if (d->prov[x].n > 0) {
			for (j = 0; j < d->prov[x].n; j++)
				svcdeps_set_push(out, d->prov[x].v[j]);
		} else
			svcdeps_set_push(out, x);
	}
}

/*
 * Breadth-first search from the members of start (not start itself unless
 * reached again) over graph g (per-name sets); mark[] (nnames, zeroed by
 * the caller) receives 1 for every reached name.
 */
static void
svcdeps_reach(const struct svcdeps *d, const struct svcdeps_set *g,
    const struct svcdeps_set *start, unsigned char *mark)
{
	struct svcdeps_set q = { NULL, 0, 0 };
	size_t head, i, x;

	for (i = 0; i < start->n; i++)
		svcdeps_set_visit(&q, mark, start->v[i]);
	for (head = 0; head < q.n; head++) {
		x = q.v[head];
		if (!d->is_svc[x])
			continue;
		for (i = 0; i < g[x].n; i++)
			svcdeps_set_visit(&q, mark, g[x].v[i]);
	}
	free(q.v);
}

/* dependsOn over graph g: a != b and b reachable from a. */
static int
svcdeps_reaches(const struct svcdeps *d, const struct svcdeps_set *g, size_t a,
    size_t b)
{
	unsigned char *mark;
	int r;

	if (a == b || !d->is_svc[a])
		return 0;
	mark = xcalloc(d->nnames, 1);
	svcdeps_reach(d, g, &g[a], mark);
	r = mark[b];
	free(mark);
	return r;
}

/* Step 3: the minimised sets of graph gi from the given sets. */
static void
svcdeps_minimise(struct svcdeps *d, int gi)
{
	struct svcdeps_set *given = d->given[gi];
	struct svcdeps_set front, next;
	unsigned char *ind;
	size_t k, i, j, x, y;

	ind = xmalloc(d->nnames);
	for (k = 0; k < d->nsvc; k++) {
		x = d->svc[k];
		memset(ind, 0, d->nnames);
		/* indirect = everything one or more steps beyond given(x) */
		front.v = NULL;
		front.n = front.cap = 0;
		for (i = 0; i < given[x].n; i++)
			svcdeps_set_push(&front, given[x].v[i]);
		while (front.n > 0) {
			next.v = NULL;
			next.n = next.cap = 0;
			for (i = 0; i < front.n; i++) {
				y = front.v[i];
				if (!d->is_svc[y])
					continue;
				for (j = 0; j < given[y].n; j++)
					svcdeps_set_visit(&next, ind,
					    given[y].v[j]);
			}
			free(front.v);
			front = next;
		}
		free(front.v);
		for (i = 0; i < given[x].n; i++)
			if (!ind[given[x].v[i]])
				svcdeps_set_push(&d->min[gi][x],
				    given[x].v[i]);
		for (i = 0; i < d->min[gi][x].n; i++)
			svcdeps_set_push(&d->rev[gi][d->min[gi][x].v[i]], x);
	}
	for (x = 0; x < d->nnames; x++)
		svcdeps_set_finish(&d->rev[gi][x]);
	free(ind);
}

/* Flatten per-name sets into one array of name pointers with offsets. */
static void
svcdeps_flatten(const struct svcdeps *d, const struct svcdeps_set *sets,
    const char ***names, size_t **off)
{
	size_t x, i, total = 0;

	*off = xcalloc(d->nnames + 1, sizeof(**off));
	for (x = 0; x < d->nnames; x++)
		total += sets[x].n;
	*names = xcalloc(total + 1, sizeof(**names));
	total = 0;
	for (x = 0; x < d->nnames; x++) {
		(*off)[x] = total;
		for (i = 0; i < sets[x].n; i++)
			(*names)[total++] = d->names[sets[x].v[i]];
	}
	(*off)[d->nnames] = total;
}

/*
 * Step 4 for service x and global dependency k: the recorded services
 * (sorted) go to out.
 */
static void
svcdeps_direct(const struct svcdeps *d, size_t x, size_t k,
    struct svcdeps_set *out)
{
	enum planner_action from = svcdeps_global[k].from;
	const struct svcdeps_set *g;
	struct svcdeps_set q = { NULL, 0, 0 }, found = { NULL, 0, 0 };
	unsigned char *seen, *drop;
	size_t head, i, j, p;
	int gi;

	if (!(d->actions[x] & SVCDEPS_BIT(svcdeps_global[k].to)))
		return;
	if (svcdeps_action_is_install(from))
		gi = SVCDEPS_GRAPH_INSTALL;
	else if (svcdeps_action_is_runtime(from))
		gi = SVCDEPS_GRAPH_RUNTIME;
	else
		return;
	g = svcdeps_global[k].reversed ? d->rev[gi] : d->min[gi];

	seen = xcalloc(d->nnames, 1);
	for (i = 0; i < g[x].n; i++) {
		seen[g[x].v[i]] = 1;
		svcdeps_set_push(&q, g[x].v[i]);
	}
	for (head = 0; head < q.n; head++) {
		p = q.v[head];
		if (!d->is_svc[p])
			continue;
		if (d->actions[p] & SVCDEPS_BIT(from)) {
			svcdeps_set_push(&found, p);
			continue;
		}
		for (i = 0; i < g[p].n; i++) {
			if (!seen[g[p].v[i]]) {
				seen[g[p].v[i]] = 1;
				svcdeps_set_push(&q, g[p].v[i]);
			}
		}
	}
	svcdeps_set_finish(&found);
	/* drop q when another found p depends on q */
	drop = xcalloc(found.n + 1, 1);
	for (i = 0; i < found.n; i++)
		for (j = 0; j < found.n; j++)
			if (svcdeps_reaches(d, g, found.v[i], found.v[j]))
				drop[j] = 1;
	for (i = 0; i < found.n; i++)
		if (!drop[i])
			svcdeps_set_push(out, found.v[i]);
	free(drop);
	free(seen);
	free(q.v);
	free(found.v);
}

int
svcdeps_new(const struct svcdeps_service *services, size_t n,
    struct svcdeps **out, char err[LOOMD_ERR_LEN])
{
	struct svcdeps *d = NULL;
	const struct svcdeps_service **def = NULL, *s;
	char **all = NULL;
	size_t nall = 0, cap = 0;
	size_t i, j, x, p, k;
	size_t total, a;
	struct svcdeps_set tmp;
	int gi;

	*out = NULL;
	for (i = 0; i < n; i++) {
		s = &services[i];
		if (s->name == NULL || s->name[0] == '\0') {
			snprintf(err, LOOMD_ERR_LEN, "service %zu has no name",
			    i);
			goto fail;
		}
		if (s->actions >= SVCDEPS_BIT(PLANNER_ACTION_COUNT)) {
			snprintf(err, LOOMD_ERR_LEN,
			    "service %s: unknown action bit", s->name);
			goto fail;
		}
		if (svcdeps_check_names(&s->provides, s->name, "provides",
			err) != 0 ||
		    svcdeps_check_names(&s->conflicts, s->name, "conflicts",
			err) != 0 ||
		    svcdeps_check_names(&s->install_requires, s->name,
			"install.requires", err) != 0 ||
		    svcdeps_check_names(&s->install_uses, s->name,
			"install.uses", err) != 0 ||
		    svcdeps_check_names(&s->runtime_requires, s->name,
			"runtime.requires", err) != 0 ||
		    svcdeps_check_names(&s->runtime_uses, s->name,
			"runtime.uses", err) != 0 ||
		    svcdeps_check_names(&s->dependson, s->name, "dependson",
			err) != 0)
			goto fail;
	}

	/* every name mentioned, sorted and unique */
	for (i = 0; i < n; i++) {
		struct strtab_list one = { &services[i].name, 1 };

		s = &services[i];
		svcdeps_collect(&all, &nall, &cap, &one);
		svcdeps_collect(&all, &nall, &cap, &s->provides);
		svcdeps_collect(&all, &nall, &cap, &s->install_requires);
		svcdeps_collect(&all, &nall, &cap, &s->install_uses);
		svcdeps_collect(&all, &nall, &cap, &s->runtime_requires);
		svcdeps_collect(&all, &nall, &cap, &s->runtime_uses);
		svcdeps_collect(&all, &nall, &cap, &s->dependson);
	}
	if (nall > 0)
		qsort(all, nall, sizeof(*all), strtab_cmp);
	d = xcalloc(1, sizeof(*d));
	d->names = xcalloc(nall + 1, sizeof(*d->names));
	for (i = 0; i < nall; i++)
		if (i == 0 || strcmp(all[i], all[i - 1]) != 0)
			d->names[d->nnames++] = xstrdup(all[i]);
	free(all);
	all = NULL;

	/* services: the last definition of a name wins */
	def = xcalloc(d->nnames + 1, sizeof(*def));
	for (i = 0; i < n; i++)
		def[svcdeps_lookup(d, services[i].name)] = &services[i];
	d->is_svc = xcalloc(d->nnames + 1, sizeof(*d->is_svc));
	d->actions = xcalloc(d->nnames + 1, sizeof(*d->actions));
	d->svc = xcalloc(d->nnames + 1, sizeof(*d->svc));
	for (x = 0; x < d->nnames; x++) {
		if (def[x] == NULL)
			continue;
		d->is_svc[x] = 1;
		d->actions[x] = def[x]->actions;
		d->svc[d->nsvc++] = x;
	}

	/* step 1: the provides index */
	d->prov = xcalloc(d->nnames + 1, sizeof(*d->prov));
	for (k = 0; k < d->nsvc; k++) {
		x = d->svc[k];
		for (i = 0; i < def[x]->provides.n; i++) {
			p = svcdeps_lookup(d, def[x]->provides.v[i]);
			if (p != x)
				svcdeps_set_push(&d->prov[p], x);
		}
	}
	for (x = 0; x < d->nnames; x++)
		svcdeps_set_finish(&d->prov[x]);
	svcdeps_flatten(d, d->prov, &d->prov_names, &d->prov_off);

	/* step 2: the given dependencies, provided names replaced */
	for (gi = 0; gi < 2; gi++) {
		d->given[gi] = xcalloc(d->nnames + 1, sizeof(*d->given[gi]));
		d->min[gi] = xcalloc(d->nnames + 1, sizeof(*d->min[gi]));
		d->rev[gi] = xcalloc(d->nnames + 1, sizeof(*d->rev[gi]));
	}
	for (k = 0; k < d->nsvc; k++) {
		x = d->svc[k];
		s = def[x];
		svcdeps_replace(d, &s->install_requires,
		    &d->given[SVCDEPS_GRAPH_INSTALL][x]);
		svcdeps_replace(d, &s->install_uses,
		    &d->given[SVCDEPS_GRAPH_INSTALL][x]);
		svcdeps_replace(d,
		    s->runtime_requires.n > 0 ? &s->runtime_requires :
						&s->dependson,
		    &d->given[SVCDEPS_GRAPH_RUNTIME][x]);
		svcdeps_replace(d, &s->runtime_uses,
		    &d->given[SVCDEPS_GRAPH_RUNTIME][x]);
		for (gi = 0; gi < 2; gi++)
			svcdeps_set_finish(&d->given[gi][x]);
	}

	/* step 3: minimise, reverse */
	for (gi = 0; gi < 2; gi++) {
		svcdeps_minimise(d, gi);
		svcdeps_flatten(d, d->min[gi], &d->min_names[gi],
		    &d->min_off[gi]);
		svcdeps_flatten(d, d->rev[gi], &d->rev_names[gi],
		    &d->rev_off[gi]);
	}

	/* step 4: direct action dependencies, per name and `to` action */
	d->adeps_off = xcalloc(d->nnames * PLANNER_ACTION_COUNT + 1,
	    sizeof(*d->adeps_off));
	total = 0;
	cap = 0;
	for (x = 0; x < d->nnames; x++) {
		for (a = 0; a < PLANNER_ACTION_COUNT; a++) {
			d->adeps_off[x * PLANNER_ACTION_COUNT + a] = total;
			if (!d->is_svc[x])
				continue;
			for (k = 0; k < SVCDEPS_NGLOBAL; k++) {
				if ((size_t)svcdeps_global[k].to != a)
					continue;
				tmp.v = NULL;
				tmp.n = tmp.cap = 0;
				svcdeps_direct(d, x, k, &tmp);
				for (j = 0; j < tmp.n; j++) {
					if (total == cap) {
						cap = cap == 0 ? 16 : cap * 2;
						d->adeps =
						    xreallocarray(d->adeps,
							cap,
							sizeof(*d->adeps));
					}
					d->adeps[total].action =
					    svcdeps_global[k].from;
					d->adeps[total].service =
					    d->names[tmp.v[j]];
					total++;
				}
				free(tmp.v);
			}
		}
	}
	d->adeps_off[d->nnames * PLANNER_ACTION_COUNT] = total;

	free(def);
	*out = d;
	return 0;

fail:
	free(all);
	free(def);
	svcdeps_free(d);
	return -1;
}

void
svcdeps_free(struct svcdeps *d)
{
	size_t i;
	int gi;

	if (d == NULL)
		return;
	for (i = 0; i < d->nnames; i++)
		free(d->names[i]);
	for (gi = 0; gi < 2; gi++) {
		svcdeps_sets_free(d->given[gi], d->nnames);
		svcdeps_sets_free(d->min[gi], d->nnames);
		svcdeps_sets_free(d->rev[gi], d->nnames);
		free(d->min_names[gi]);
		free(d->min_off[gi]);
		free(d->rev_names[gi]);
		free(d->rev_off[gi]);
	}
	svcdeps_sets_free(d->prov, d->nnames);
	free(d->prov_names);
	free(d->prov_off);
	free(d->names);
	free(d->svc);
	free(d->is_svc);
	free(d->actions);
	free(d->adeps);
	free(d->adeps_off);
	free(d);
}

size_t
svcdeps_count(const struct svcdeps *d)
{
	return d->nsvc;
}

const char *
svcdeps_name(const struct svcdeps *d, size_t i)
{
	if (i >= d->nsvc)
		return NULL;
	return d->names[d->svc[i]];
}

int
svcdeps_has(const struct svcdeps *d, const char *name)
{
	size_t x = svcdeps_lookup(d, name);

	return x != SVCDEPS_NONE && d->is_svc[x];
}

int
svcdeps_defines(const struct svcdeps *d, const char *name,
    enum planner_action a)
{
	size_t x = svcdeps_lookup(d, name);

	if (x == SVCDEPS_NONE || (unsigned int)a >= PLANNER_ACTION_COUNT)
		return 0;
	return (d->actions[x] & SVCDEPS_BIT(a)) != 0;
}

/* The slice [off[x], off[x + 1]) of names, or NULL. */
static const char *const *
svcdeps_slice(const char **names, const size_t *off, size_t x, size_t *n)
{
	*n = off[x + 1] - off[x];
	return *n == 0 ? NULL : names + off[x];
}

const char *const *
svcdeps_providers(const struct svcdeps *d, const char *name, size_t *n)
{
	size_t x = svcdeps_lookup(d, name);

	*n = 0;
	if (x == SVCDEPS_NONE)
		return NULL;
	return svcdeps_slice(d->prov_names, d->prov_off, x, n);
}

/*
 * The slice of svc in graph g of the flattened sets names[g] / off[g]
 * (the minimised sets or their reverse), or NULL.
 */
static const char *const *
svcdeps_graph_slice(const struct svcdeps *d, enum svcdeps_graph g,
    const char *svc, const char **const *names, size_t *const *off, size_t *n)
{
	size_t x = svcdeps_lookup(d, svc);

	*n = 0;
	if (x == SVCDEPS_NONE || (unsigned int)g > SVCDEPS_GRAPH_RUNTIME)
		return NULL;
	return svcdeps_slice(names[g], off[g], x, n);
}

const char *const *
svcdeps_min_deps(const struct svcdeps *d, enum svcdeps_graph g,
    const char *svc, size_t *n)
{
	return svcdeps_graph_slice(d, g, svc, d->min_names, d->min_off, n);
}

const char *const *
svcdeps_min_rdeps(const struct svcdeps *d, enum svcdeps_graph g,
    const char *svc, size_t *n)
{
	return svcdeps_graph_slice(d, g, svc, d->rev_names, d->rev_off, n);
}

const struct svcdeps_action_dep *
svcdeps_action_deps(const struct svcdeps *d, const char *svc,
    enum planner_action to, size_t *n)
{
	size_t x = svcdeps_lookup(d, svc), i;

	*n = 0;
	if (x == SVCDEPS_NONE || (unsigned int)to >= PLANNER_ACTION_COUNT)
		return NULL;
	i = x * PLANNER_ACTION_COUNT + (size_t)to;
	*n = d->adeps_off[i + 1] - d->adeps_off[i];
	return *n == 0 ? NULL : d->adeps + d->adeps_off[i];
}

int
svcdeps_depends_on(const struct svcdeps *d, enum svcdeps_graph g,
    const char *a, const char *b)
{
	size_t x = svcdeps_lookup(d, a), y = svcdeps_lookup(d, b);

	if (x == SVCDEPS_NONE || y == SVCDEPS_NONE ||
	    (unsigned int)g > SVCDEPS_GRAPH_RUNTIME)
		return 0;
	return svcdeps_reaches(d, d->min[g], x, y);
}

int
svcdeps_runtime_depends_on(const struct svcdeps *d, const char *a,
    const char *b)
{
	return svcdeps_depends_on(d, SVCDEPS_GRAPH_RUNTIME, a, b);
}

void
svcdeps_expand(const struct svcdeps *d, enum svcdeps_expand how,
    const char *const *services, size_t n, const char ***out, size_t *nout)
{
	const struct svcdeps_set *g;
	struct svcdeps_set start = { NULL, 0, 0 };
	unsigned char *mark;
	size_t i, x, k;

	*out = NULL;
	*nout = 0;
	mark = xcalloc(d->nnames + 1, 1);
	if (n == 0) {
		for (k = 0; k < d->nsvc; k++)
			mark[d->svc[k]] = 1;
	} else {
		for (i = 0; i < n; i++) {
			x = svcdeps_lookup(d, services[i]);
			if (x != SVCDEPS_NONE && d->is_svc[x])
				svcdeps_set_push(&start, x);
		}
		g = how == SVCDEPS_EXPAND_START ?
		    d->min[SVCDEPS_GRAPH_RUNTIME] :
		    d->rev[SVCDEPS_GRAPH_RUNTIME];
		svcdeps_reach(d, g, &start, mark);
		free(start.v);
	}
	for (k = 0; k < d->nsvc; k++)
		if (mark[d->svc[k]])
			(*nout)++;
	if (*nout > 0) {
		*out = xcalloc(*nout, sizeof(**out));
		*nout = 0;
		for (k = 0; k < d->nsvc; k++)
			if (mark[d->svc[k]])
				(*out)[(*nout)++] = d->names[d->svc[k]];
	}
	free(mark);
}
