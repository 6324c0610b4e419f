/* SPDX-License-Identifier: Apache-2.0 */
/*
 * layout_add_change.c - the changes of the add-services search
 * (LOOM-0.9.7-OPS.md section 4.4): one change (a service added to some of
 * the node layouts of a cluster layout) and the iterator over the valid
 * changes that place one service.  Pure.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout_add.h"
#include "layout_add_int.h"

struct layout_add_changes {
	const struct layout_add_constraints *c;
	const struct layout_add_layout *l;
	char *service;
	size_t *ex; /* entries */
	size_t nex;
	int *cap;
	int *v;
	int k;
	int lo;
	struct layout_add_combo *combo;
};

struct layout_add_change *
layout_add_change_new(const char *service)
{
	struct layout_add_change *ch;

	ch = xcalloc(1, sizeof(*ch));
	ch->service = xstrdup(service);
	ch->counts = layout_add_layout_new();
	return ch;
}

void
layout_add_change_free(struct layout_add_change *ch)
{
	if (ch == NULL)
		return;
	free(ch->service);
	layout_add_layout_free(ch->counts);
	free(ch);
}

int
layout_add_change_can_apply(const struct layout_add_change *ch,
    const struct layout_add_layout *l)
{
	size_t i;

	if (l == NULL)
		return 0;
	for (i = 0; i < ch->counts->nentries; i++)
		if (layout_add_count_nl(l, &ch->counts->entries[i].nl) <
		    ch->counts->entries[i].count)
			return 0;
	return 1;
}

struct layout_add_layout *
layout_add_change_apply(const struct layout_add_change *ch,
    const struct layout_add_layout *l)
{
	struct layout_add_layout *r = layout_add_layout_copy(l);
	struct layout_add_node_layout grown;
	const struct layout_add_entry *e;
	size_t i;

	for (i = 0; i < ch->counts->nentries; i++) {
		e = &ch->counts->entries[i];
		if (layout_add_nl_has(&e->nl, ch->service))
			continue;
		layout_add_nl_copy(&grown, &e->nl, ch->service);
		layout_add_add_nl(r, &grown, e->count, 1);
		layout_add_add_nl(r, &e->nl, -e->count, 0);
	}
	return r;
}

struct layout_add_changes *
layout_add_changes_new(const struct layout_add_constraints *c,
    const struct layout_add_layout *l, const char *service)
{
	struct layout_add_changes *it;
	const struct layout_add_constraint *sc;
	struct layout_add_node_layout grown;
	const char **cs;
	size_t ncs, i;
	long long n = 0;
	char err[LOOMD_ERR_LEN];

	it = xcalloc(1, sizeof(*it));
	it->c = c;
	it->l = l;
	it->service = xstrdup(service);
	it->ex = xcalloc(l->nentries + 1, sizeof(*it->ex));
	it->cap = xcalloc(l->nentries + 1, sizeof(*it->cap));
	it->v = xcalloc(l->nentries + 1, sizeof(*it->v));
	/* S' = S + {s}; entries are already in comparator order */
	cs = layout_add_services_of(l, service, &ncs);
	for (i = 0; i < l->nentries; i++) {
		if (layout_add_nl_has(&l->entries[i].nl, service))
			continue;
		layout_add_nl_copy(&grown, &l->entries[i].nl, service);
		if (layout_add_nl_valid(c, &grown, cs, ncs)) {
			it->ex[it->nex] = i;
			it->cap[it->nex++] = l->entries[i].count;
			n += l->entries[i].count;
		}
		layout_add_nl_clear(&grown);
	}
	free(cs);
	it->lo = 1;
	if ((sc = layout_add_constraint_of(c, service)) != NULL) {
		if (sc->max < n)
			n = sc->max;
		if (sc->min > it->lo)
			it->lo = sc->min;
	}
	if (n > LAYOUT_ADD_UNBOUNDED)
		n = LAYOUT_ADD_UNBOUNDED;
	it->k = (int)n;
	if (it->nex > 0 && it->k >= 1 && it->k >= it->lo &&
	    layout_add_combo_new(it->nex, it->k, it->cap, &it->combo, err) !=
		0)
		it->combo = NULL;
	return it;
}

struct layout_add_change *
layout_add_changes_next(struct layout_add_changes *it)
{
	struct layout_add_change *ch;
	const struct layout_add_entry *e;
	char err[LOOMD_ERR_LEN];
	size_t i;

	if (it->combo == NULL)
		return NULL;
	while (!layout_add_combo_has_next(it->combo)) {
		layout_add_combo_free(it->combo);
		it->combo = NULL;
		if (--it->k < it->lo || it->k < 1)
			return NULL;
		if (layout_add_combo_new(it->nex, it->k, it->cap, &it->combo,
			err) != 0)
			return NULL;
	}
	(void)layout_add_combo_next(it->combo, it->v);
	ch = layout_add_change_new(it->service);
	for (i = 0; i < it->nex; i++) {
		if (it->v[i] == 0)
			continue;
		e = &it->l->entries[it->ex[i]];
		layout_add_add_nl(ch->counts, &e->nl, it->v[i], 0);
	}
	return ch;
}

void
layout_add_changes_free(struct layout_add_changes *it)
{
	if (it == NULL)
		return;
	layout_add_combo_free(it->combo);
	free(it->service);
	free(it->ex);
	free(it->cap);
	free(it->v);
	free(it);
}
