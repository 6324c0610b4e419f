/* SPDX-License-Identifier: Apache-2.0 */
/*
 * layout_add.c - the add-services layout search of LOOM-0.9.7-OPS.md
 * section 4.4.  Cluster layouts are small sorted arrays of (node layout,
 * count); every set of service names is a sorted string array, so the
 * search and its output do not depend on any hash order.  Here: node and
 * cluster layouts, their validity, the service order, the tracker and the
 * search; the count vectors in layout_add_combo.c, the changes in
 * layout_add_change.c, the existing cluster in layout_add_cluster.c.
 */
#include "config.h"

#include "layout_add.h"
#include "layout_add_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct layout_add_tracker {
	struct layout_add_layout **states; /* nchanges + 1 */
	struct layout_add_change **changes;
	size_t nchanges;
	size_t cap;
};

/* Fill nl with copies of hw, img and the sorted unique services. */
void
layout_add_nl_init(struct layout_add_node_layout *nl, const char *hw,
    const char *img, const char *const *services, size_t n)
{
	size_t i, j;

	nl->hardwaretype = xstrdup(hw != NULL ? hw : "");
	nl->imagetype = xstrdup(img != NULL ? img : "");
	nl->services = xcalloc(n + 1, sizeof(*nl->services));
	for (i = 0; i < n; i++)
		nl->services[i] = xstrdup(services[i]);
	if (n > 1)
		qsort(nl->services, n, sizeof(*nl->services), strtab_cmp);
	for (i = 1, j = n > 0 ? 1 : 0; i < n; i++) {
		if (strcmp(nl->services[i], nl->services[j - 1]) == 0)
			free(nl->services[i]);
		else
			nl->services[j++] = nl->services[i];
	}
	nl->nservices = j;
}

/* Deep copy of a node layout, plus one service when extra != NULL. */
void
layout_add_nl_copy(struct layout_add_node_layout *dst,
    const struct layout_add_node_layout *src, const char *extra)
{
	const char **v;
	size_t i;

	v = xcalloc(src->nservices + 2, sizeof(*v));
	for (i = 0; i < src->nservices; i++)
		v[i] = src->services[i];
	if (extra != NULL)
		v[i++] = extra;
	layout_add_nl_init(dst, src->hardwaretype, src->imagetype, v, i);
	free(v);
}

/* Free the strings of a node layout. */
void
layout_add_nl_clear(struct layout_add_node_layout *nl)
{
	size_t i;

	free(nl->hardwaretype);
	free(nl->imagetype);
	for (i = 0; i < nl->nservices; i++)
		free(nl->services[i]);
	free(nl->services);
	memset(nl, 0, sizeof(*nl));
}

/* 1 if the node layout holds service s. */
int
layout_add_nl_has(const struct layout_add_node_layout *nl, const char *s)
{
	return nl->nservices > 0 &&
	    bsearch(&s, nl->services, nl->nservices, sizeof(*nl->services),
		strtab_cmp) != NULL;
}

int
layout_add_node_layout_cmp(const struct layout_add_node_layout *a,
    const struct layout_add_node_layout *b)
{
	size_t i;
	int r;

	if (a->nservices != b->nservices)
		return a->nservices > b->nservices ? -1 : 1;
	if ((r = strcmp(a->hardwaretype, b->hardwaretype)) != 0)
		return r;
	if ((r = strcmp(a->imagetype, b->imagetype)) != 0)
		return r;
	for (i = 0; i < a->nservices; i++)
		if ((r = strcmp(a->services[i], b->services[i])) != 0)
			return r;
	return 0;
}

struct layout_add_layout *
layout_add_layout_new(void)
{
	return xcalloc(1, sizeof(struct layout_add_layout));
}

void
layout_add_layout_free(struct layout_add_layout *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->nentries; i++)
		layout_add_nl_clear(&l->entries[i].nl);
	free(l->entries);
	free(l);
}

/*
 * Find nl in l: 1 and its index in *at if there, else 0 and the index
 * where it would be inserted.
 */
int
layout_add_find(const struct layout_add_layout *l,
    const struct layout_add_node_layout *nl, size_t *at)
{
	size_t lo = 0, hi = l->nentries, mid;
	int r;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		r = layout_add_node_layout_cmp(&l->entries[mid].nl, nl);
		if (r == 0) {
			*at = mid;
			return 1;
		}
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return 0;
}

/*
 * Add count nodes of nl to l.  With take != 0 nl's strings are taken over
 * (or freed); otherwise they are copied.
 */
void
layout_add_add_nl(struct layout_add_layout *l,
    const struct layout_add_node_layout *cnl, int count, int take)
{
	struct layout_add_node_layout *nl;
	size_t at;

	/* with take, the caller hands its (non-const) layout over */
	nl = (struct layout_add_node_layout *)(uintptr_t)cnl;

	if (layout_add_find(l, nl, &at)) {
		l->entries[at].count += count;
		if (l->entries[at].count <= 0) {
			layout_add_nl_clear(&l->entries[at].nl);
			memmove(&l->entries[at], &l->entries[at + 1],
			    (l->nentries - at - 1) * sizeof(*l->entries));
			l->nentries--;
		}
		if (take)
			layout_add_nl_clear(nl);
		return;
	}
	if (count <= 0) {
		if (take)
			layout_add_nl_clear(nl);
		return;
	}
	if (l->nentries == l->cap) {
		l->cap = l->cap == 0 ? 4 : l->cap * 2;
		l->entries =
		    xreallocarray(l->entries, l->cap, sizeof(*l->entries));
	}
	memmove(&l->entries[at + 1], &l->entries[at],
	    (l->nentries - at) * sizeof(*l->entries));
	if (take) {
		l->entries[at].nl = *nl;
		memset(nl, 0, sizeof(*nl));
	} else
		layout_add_nl_copy(&l->entries[at].nl, nl, NULL);
	l->entries[at].count = count;
	l->nentries++;
}

void
layout_add_layout_add(struct layout_add_layout *l, const char *hw,
    const char *img, const char *const *services, size_t n, int count)
{
	struct layout_add_node_layout nl;

	layout_add_nl_init(&nl, hw, img, services, n);
	layout_add_add_nl(l, &nl, count, 1);
}

struct layout_add_layout *
layout_add_layout_copy(const struct layout_add_layout *l)
{
	struct layout_add_layout *c = layout_add_layout_new();
	size_t i;

	c->cap = c->nentries = l->nentries;
	c->entries = xcalloc(l->nentries + 1, sizeof(*c->entries));
	for (i = 0; i < l->nentries; i++) {
		layout_add_nl_copy(&c->entries[i].nl, &l->entries[i].nl, NULL);
		c->entries[i].count = l->entries[i].count;
	}
	return c;
}

/* The count of node layout nl in l. */
int
layout_add_count_nl(const struct layout_add_layout *l,
    const struct layout_add_node_layout *nl)
{
	size_t at;

	return layout_add_find(l, nl, &at) ? l->entries[at].count : 0;
}

int
layout_add_layout_count(const struct layout_add_layout *l, const char *hw,
    const char *img, const char *const *services, size_t n)
{
	struct layout_add_node_layout nl;
	int c;

	layout_add_nl_init(&nl, hw, img, services, n);
	c = layout_add_count_nl(l, &nl);
	layout_add_nl_clear(&nl);
	return c;
}

long long
layout_add_layout_total(const struct layout_add_layout *l)
{
	long long t = 0;
	size_t i;

	for (i = 0; i < l->nentries; i++)
		t += l->entries[i].count;
	return t;
}

int
layout_add_layout_equal(const struct layout_add_layout *a,
    const struct layout_add_layout *b)
{
	size_t i;

	if (a->nentries != b->nentries)
		return 0;
	for (i = 0; i < a->nentries; i++)
		if (a->entries[i].count != b->entries[i].count ||
		    layout_add_node_layout_cmp(&a->entries[i].nl,
			&b->entries[i].nl) != 0)
			return 0;
	return 1;
}

long long
layout_add_layout_service_count(const struct layout_add_layout *l,
    const char *s)
{
	long long t = 0;
	size_t i;

	for (i = 0; i < l->nentries; i++)
		if (layout_add_nl_has(&l->entries[i].nl, s))
			t += l->entries[i].count;
	return t;
}

/* The constraint of service s, or NULL. */
const struct layout_add_constraint *
layout_add_constraint_of(const struct layout_add_constraints *c, const char *s)
{
	size_t i;

	for (i = 0; i < c->nservices; i++)
		if (strcmp(c->services[i].service, s) == 0)
			return &c->services[i];
	return NULL;
}

int
layout_add_node_valid(const struct layout_add_constraints *c, const char *hw,
    const char *img, const char *const *services, size_t n,
    const char *const *cluster_services, size_t ncs)
{
	const struct layout_add_constraint *sc;
	const struct strtab_list *m;
	size_t i, j;
	int some, all;

	/* (a) no cantcoexist set inside the node */
	for (i = 0; i < c->ncantcoexist; i++) {
		m = &c->cantcoexist[i];
		if (m->n == 0)
			continue;
		for (j = 0; j < m->n; j++)
			if (!strtab_list_has(services, n, m->v[j]))
				break;
		if (j == m->n)
			return 0;
	}
	/* (b) mustcoexist, restricted to the cluster's services */
	for (i = 0; i < c->nmustcoexist; i++) {
		m = &c->mustcoexist[i];
		some = 0;
		all = 1;
		for (j = 0; j < m->n; j++) {
			if (!strtab_list_has(cluster_services, ncs, m->v[j]))
				continue;
			if (strtab_list_has(services, n, m->v[j]))
				some = 1;
			else
				all = 0;
		}
		if (some && !all)
			return 0;
	}
	/* (c) hardware and image types of constrained services */
	for (i = 0; i < n; i++) {
		if ((sc = layout_add_constraint_of(c, services[i])) == NULL)
			continue;
		if (sc->hardwaretypes.n > 0 &&
		    !strtab_list_has(sc->hardwaretypes.v, sc->hardwaretypes.n,
			hw))
			return 0;
		if (sc->imagetypes.n > 0 &&
		    !strtab_list_has(sc->imagetypes.v, sc->imagetypes.n, img))
			return 0;
	}
	return 1;
}

/* The distinct services of l (borrowed from l), plus extra if given;
 * caller frees the array. */
const char **
layout_add_services_of(const struct layout_add_layout *l, const char *extra,
    size_t *n)
{
	const char **v;
	size_t i, j, cap = 1;

	for (i = 0; i < l->nentries; i++)
		cap += l->entries[i].nl.nservices;
	v = xcalloc(cap, sizeof(*v));
	*n = 0;
	if (extra != NULL)
		v[(*n)++] = extra;
	for (i = 0; i < l->nentries; i++)
		for (j = 0; j < l->entries[i].nl.nservices; j++)
			if (!strtab_list_has(v, *n,
				l->entries[i].nl.services[j]))
				v[(*n)++] = l->entries[i].nl.services[j];
	return v;
}

/* Node-layout validity of nl against the cluster services cs[0, ncs). */
int
layout_add_nl_valid(const struct layout_add_constraints *c,
    const struct layout_add_node_layout *nl, const char *const *cs, size_t ncs)
{
	return layout_add_node_valid(c, nl->hardwaretype, nl->imagetype,
	    (const char *const *)nl->services, nl->nservices, cs, ncs);
}

int
layout_add_layout_valid(const struct layout_add_constraints *c,
    const struct layout_add_layout *l)
{
	const struct layout_add_constraint *sc;
	const char **cs;
	size_t ncs, i;
	long long total, k;
	int ok = 1;

	cs = layout_add_services_of(l, NULL, &ncs);
	for (i = 0; ok && i < l->nentries; i++)
		if (!layout_add_nl_valid(c, &l->entries[i].nl, cs, ncs))
			ok = 0;
	total = layout_add_layout_total(l);
	for (i = 0; ok && i < ncs; i++) {
		if ((sc = layout_add_constraint_of(c, cs[i])) == NULL)
			continue;
		k = layout_add_layout_service_count(l, cs[i]);
		if (k < sc->min || k > sc->max || k > total)
			ok = 0;
	}
	free(cs);
	return ok;
}

/* Placement order of two requested services (see the header). */
static int
layout_add_order_cmp(const struct layout_add_constraints *c, const char *a,
    const char *b)
{
	const struct layout_add_constraint *ca, *cb;

	ca = layout_add_constraint_of(c, a);
	cb = layout_add_constraint_of(c, b);
	if (ca != NULL && cb == NULL)
		return -1;
	if (ca == NULL && cb != NULL)
		return 1;
	if (ca != NULL) {
		if (ca->max != cb->max)
			return ca->max < cb->max ? -1 : 1;
		if (ca->min != cb->min)
			return ca->min > cb->min ? -1 : 1;
	}
	return strcmp(a, b);
}

void
layout_add_service_order(const struct layout_add_constraints *c,
    const char *const *services, size_t n, size_t *order)
{
	size_t i, j, t;

	for (i = 0; i < n; i++)
		order[i] = i;
	/* insertion sort: n is the length of one request */
	for (i = 1; i < n; i++) {
		t = order[i];
		for (j = i; j > 0 &&
		     layout_add_order_cmp(c, services[order[j - 1]],
			 services[t]) > 0;
		     j--)
			order[j] = order[j - 1];
		order[j] = t;
	}
}

struct layout_add_tracker *
layout_add_tracker_new(const struct layout_add_layout *start)
{
	struct layout_add_tracker *t;

	t = xcalloc(1, sizeof(*t));
	t->cap = 8;
	t->states = xcalloc(t->cap + 1, sizeof(*t->states));
	t->changes = xcalloc(t->cap, sizeof(*t->changes));
	t->states[0] = layout_add_layout_copy(start);
	return t;
}

void
layout_add_tracker_free(struct layout_add_tracker *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i <= t->nchanges; i++)
		layout_add_layout_free(t->states[i]);
	for (i = 0; i < t->nchanges; i++)
		layout_add_change_free(t->changes[i]);
	free(t->states);
	free(t->changes);
	free(t);
}

int
layout_add_tracker_add(struct layout_add_tracker *t,
    struct layout_add_change *ch)
{
	const struct layout_add_layout *cur = t->states[t->nchanges];

	if (!layout_add_change_can_apply(ch, cur))
		return 0;
	if (t->nchanges == t->cap) {
		t->cap *= 2;
		t->states =
		    xreallocarray(t->states, t->cap + 1, sizeof(*t->states));
		t->changes =
		    xreallocarray(t->changes, t->cap, sizeof(*t->changes));
	}
	t->states[t->nchanges + 1] = layout_add_change_apply(ch, cur);
	t->changes[t->nchanges++] = ch;
	return 1;
}

void
layout_add_tracker_remove_last(struct layout_add_tracker *t)
{
	if (t->nchanges == 0)
		return;
	layout_add_layout_free(t->states[t->nchanges]);
	t->states[t->nchanges] = NULL;
	layout_add_change_free(t->changes[--t->nchanges]);
}

const struct layout_add_layout *
layout_add_tracker_current(const struct layout_add_tracker *t)
{
	return t->states[t->nchanges];
}

size_t
layout_add_tracker_nchanges(const struct layout_add_tracker *t)
{
	return t->nchanges;
}

const struct layout_add_change *
layout_add_tracker_change(const struct layout_add_tracker *t, size_t i)
{
	return i < t->nchanges ? t->changes[i] : NULL;
}

/* The state of one search. */
struct layout_add_search {
	const struct layout_add_constraints *c;
	const char *const *services;
	const size_t *order;
	size_t n;
	long long steps;
	long long max_steps;
	struct layout_add_tracker *t;
};

/* Place services order[depth..n) (canAddServicesToCluster): 1 placed,
 * 0 impossible, -1 the step guard was reached. */
static int
layout_add_search_rec(struct layout_add_search *s, size_t depth)
{
	struct layout_add_changes *it;
	struct layout_add_change *ch;
	int r = 0;

	if (depth == s->n)
		return 1;
	it = layout_add_changes_new(s->c, layout_add_tracker_current(s->t),
	    s->services[s->order[depth]]);
	while ((ch = layout_add_changes_next(it)) != NULL) {
		if (++s->steps > s->max_steps) {
			layout_add_change_free(ch);
			r = -1;
			break;
		}
		if (!layout_add_tracker_add(s->t, ch)) {
			layout_add_change_free(ch);
			continue;
		}
		if (!layout_add_layout_valid(s->c,
			layout_add_tracker_current(s->t))) {
			layout_add_tracker_remove_last(s->t);
			continue;
		}
		if ((r = layout_add_search_rec(s, depth + 1)) != 0)
			break;
		layout_add_tracker_remove_last(s->t);
	}
	layout_add_changes_free(it);
	return r;
}

int
layout_add_solve(const struct layout_add_constraints *c,
    const struct layout_add_layout *l, const char *const *services, size_t n,
    long long max_steps, struct layout_add_tracker **out,
    char err[LOOMD_ERR_LEN])
{
	struct layout_add_search s;
	size_t *order = NULL, i, j;
	int r;

	*out = NULL;
	memset(&s, 0, sizeof(s));
	if (n == 0) {
		snprintf(err, LOOMD_ERR_LEN,
		    "Services to add must be specified.");
		goto fail;
	}
	for (i = 0; i < n; i++) {
		if (services[i] == NULL || services[i][0] == '\0') {
			snprintf(err, LOOMD_ERR_LEN,
			    "Services to add must be specified.");
			goto fail;
		}
		for (j = 0; j < i; j++) {
			if (strcmp(services[i], services[j]) == 0) {
				snprintf(err, LOOMD_ERR_LEN,
				    "service %s is listed twice", services[i]);
				goto fail;
			}
		}
		if (layout_add_layout_service_count(l, services[i]) > 0) {
			snprintf(err, LOOMD_ERR_LEN,
			    "service %s is already on the cluster",
			    services[i]);
			goto fail;
		}
	}
	order = xcalloc(n, sizeof(*order));
	layout_add_service_order(c, services, n, order);
	s.c = c;
	s.services = services;
	s.order = order;
	s.n = n;
	s.max_steps = max_steps > 0 ? max_steps : LAYOUT_ADD_DEFAULT_MAX_STEPS;
	s.t = layout_add_tracker_new(l);
	r = layout_add_search_rec(&s, 0);
	if (r < 0) {
		snprintf(err, LOOMD_ERR_LEN,
		    "no layout found within %lld "
		    "steps",
		    s.max_steps);
		goto fail;
	}
	if (r == 1) {
		*out = s.t;
		s.t = NULL;
	}
	layout_add_tracker_free(s.t);
	free(order);
	return 0;

fail:
	layout_add_tracker_free(s.t);
	free(order);
	return -1;
}

const char **
layout_add_automators(const struct layout_add_cnode *node,
    const struct layout_add_service_def *defs, size_t ndefs, size_t *n)
{
	const char **v = NULL;
	size_t i, j, k, cap = 0;

	*n = 0;
	for (i = 0; i < node->nservices; i++) {
		for (j = 0; j < ndefs; j++)
			if (strcmp(defs[j].name, node->services[i]) == 0)
				break;
		if (j == ndefs)
			continue;
		for (k = 0; k < defs[j].types.n; k++) {
			if (strtab_list_has(v, *n, defs[j].types.v[k]))
				continue;
			if (*n == cap) {
				cap = cap == 0 ? 4 : cap * 2;
				v = xreallocarray(v, cap, sizeof(*v));
			}
			v[(*n)++] = defs[j].types.v[k];
		}
	}
	return v;
}
