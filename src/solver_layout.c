/* SPDX-License-Identifier: Apache-2.0 */
/*
 * solver_layout.c - node layouts (hardware type, image type and a sorted
 * service set) and lists of them: Loom's NodeLayout comparator with the
 * optional hardware and image preference lists, sorting and narrowing a
 * list to the preferred layout of each service set.  Pure: no I/O.
 */
#include "config.h"

#include "solver_int.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* Release one layout's arrays. */
void
solver_layout_clear(struct solver_layout *l)
{
	free(l->names);
	free(l->svc);
	memset(l, 0, sizeof *l);
}

/* Release a layout list. */
void
solver_layouts_clear(struct solver_layouts *ls)
{
	size_t i;

	for (i = 0; i < ls->n; i++)
		solver_layout_clear(&ls->v[i]);
	free(ls->v);
	memset(ls, 0, sizeof *ls);
}

/* A new zeroed layout at the end of the list. */
struct solver_layout *
solver_layouts_new(struct solver_layouts *ls)
{
	ls->v = solver_grow(ls->v, ls->n, &ls->cap, sizeof *ls->v);
	memset(&ls->v[ls->n], 0, sizeof ls->v[ls->n]);
	return &ls->v[ls->n++];
}

/* Fill the services of l from service indices (sorted by name). */
void
solver_layout_set_members(struct solver_space *sp, struct solver_layout *l,
    const int *m, size_t n)
{
	size_t i;

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
solver_layout_pref_rank(const char *v, const struct solver_names *p)
{
	return p != NULL ? solver_names_index(p, v) : SIZE_MAX;
}

/*
 * NodeLayoutComparator: more services first; then hardware preference,
 * image preference, hardware name, image name, sorted service names.
 */
int
solver_layout_cmp(const struct solver_layout *a, const struct solver_layout *b,
    const struct solver_prefs *p)
{
	size_t ra, rb, i;
	int c;

	if (a->n != b->n)
		return a->n > b->n ? -1 : 1;
	if (p != NULL) {
		ra = solver_layout_pref_rank(a->hw, p->hw);
		rb = solver_layout_pref_rank(b->hw, p->hw);
		if (ra != rb)
			return ra < rb ? -1 : 1;
		ra = solver_layout_pref_rank(a->img, p->img);
		rb = solver_layout_pref_rank(b->img, p->img);
		if (ra != rb)
			return ra < rb ? -1 : 1;
	}
	if ((c = strcmp(a->hw, b->hw)) != 0)
		return c;
	if ((c = strcmp(a->img, b->img)) != 0)
		return c;
	for (i = 0; i < a->n; i++) {
		if ((c = strcmp(a->names[i], b->names[i])) != 0)
			return c;
	}
	return 0;
}

/* Order by service set first, then by the comparator (for narrowing). */
static int
solver_layout_set_cmp(const struct solver_layout *a,
    const struct solver_layout *b, const struct solver_prefs *p)
{
	size_t i;
	int c;

	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	for (i = 0; i < a->n; i++) {
		if ((c = strcmp(a->names[i], b->names[i])) != 0)
			return c;
	}
	return solver_layout_cmp(a, b, p);
}

/* Stable merge sort of layouts with a comparator that takes prefs. */
void
solver_layouts_sort(struct solver_layouts *ls,
    int (*cmp)(const struct solver_layout *, const struct solver_layout *,
	const struct solver_prefs *),
    const struct solver_prefs *p)
{
	struct solver_layout *a = ls->v, *b, *t;
	size_t w, i, l, m, r, x, y;

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
	size_t i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++) {
		if (strcmp(a->names[i], b->names[i]) != 0)
			return false;
	}
	return true;
}

/* Keep the comparator-minimal layout of each service set, sorted. */
void
solver_layouts_narrow(struct solver_layouts *ls, const struct solver_prefs *p)
{
	size_t i, n = 0;

	solver_layouts_sort(ls, solver_layout_set_cmp, p);
	for (i = 0; i < ls->n; i++) {
		if (n > 0 &&
		    solver_layout_same_set(&ls->v[n - 1], &ls->v[i])) {
			solver_layout_clear(&ls->v[i]);
			continue;
		}
		ls->v[n++] = ls->v[i];
	}
	ls->n = n;
	solver_layouts_sort(ls, solver_layout_cmp, p);
}
