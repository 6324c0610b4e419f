/* SPDX-License-Identifier: Apache-2.0 */
/*
 * solver_space.c - the working space of one solve: the services it knows
 * (indexed by name, ranked by name, with their constraint and quantity
 * slots), the usable hardware and image types in catalogue order, and the
 * budget of steps shared by the enumeration and the walk.  Pure: no I/O.
 */
#include "config.h"

#include "solver_int.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "errbuf.h"
#include "strtab.h"

/* Start an empty space for template t. */
void
solver_space_init(struct solver_space *sp, const struct solver_template *t,
    int64_t max_steps)
{
	memset(sp, 0, sizeof *sp);
	sp->t = t;
	sp->max_steps = max_steps > 0 ? max_steps : SOLVER_DEFAULT_MAX_STEPS;
}

/* Release a space. */
void
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
int
solver_space_add(struct solver_space *sp, const char *name, bool cluster)
{
	int i, added;

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
	return i;
}

/* Add every string of a JSON array; fails on a non-string. */
int
solver_space_add_json(struct solver_space *sp, struct json_object *arr,
    bool cluster, char *err)
{
	struct solver_names ns = { NULL, 0, 0 };
	size_t i;

	if (arr == NULL || solver_names_parse(arr, &ns) != 0) {
		errbuf_set(err, "service names must be an array of strings");
		solver_names_clear(&ns);
		return -1;
	}
	for (i = 0; i < ns.n; i++)
		solver_space_add(sp, ns.v[i], cluster);
	solver_names_clear(&ns);
	return 0;
}

/* Order of services by name. */
static int
solver_space_svc_cmp(const void *a, const void *b)
{
	const struct solver_svc *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

/* Once the services are known: constraints, quantity slots, ranks. */
void
solver_space_finish(struct solver_space *sp)
{
	const struct solver_template *t = sp->t;
	struct solver_svc **order;
	size_t i, j;
	int k;

	for (i = 0; i < t->nmust + t->ncant; i++) {
		const struct solver_names *ns =
		    i < t->nmust ? &t->must[i] : &t->cant[i - t->nmust];

		for (j = 0; j < ns->n; j++) {
			if ((k = solver_index(&sp->index, ns->v[j])) >= 0)
				sp->svc[k].in_layout = true;
		}
	}
	sp->nq = 0;
	order = xcalloc(sp->nsvc + 1, sizeof *order);
	for (i = 0; i < sp->nsvc; i++) {
		struct solver_svc *s = &sp->svc[i];

		s->cons = solver_index(&t->cons_index, s->name);
		s->q = s->cluster && s->cons >= 0 ? (int)sp->nq++ : -1;
		s->constrained = s->cluster && (s->cons >= 0 || s->in_layout);
		order[i] = s;
	}
	solver_qsort(order, sp->nsvc, sizeof *order, solver_space_svc_cmp);
	free(sp->byrank);
	sp->byrank = xcalloc(sp->nsvc + 1, sizeof *sp->byrank);
	for (i = 0; i < sp->nsvc; i++) {
		order[i]->rank = (int)i;
		sp->byrank[i] = (int)(order[i] - sp->svc);
	}
	free(order);
}

/* Add a usable type; later additions of a name win (Java Map.put). */
void
solver_space_type_add(struct solver_types *ts, const char *name,
    const char *value)
{
	ts->v = solver_grow(ts->v, ts->n, &ts->cap, sizeof *ts->v);
	ts->v[ts->n].name = name;
	ts->v[ts->n].value = value;
	ts->v[ts->n].seq = ts->n;
	ts->n++;
}

/* Order of types by name, then by insertion. */
static int
solver_space_type_cmp(const void *a, const void *b)
{
	const struct solver_type *x = a, *y = b;
	int c;

	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sort types by name and keep the last value of each name. */
void
solver_space_types_finish(struct solver_types *ts)
{
	size_t i, n = 0;

	solver_qsort(ts->v, ts->n, sizeof *ts->v, solver_space_type_cmp);
	for (i = 0; i < ts->n; i++) {
		if (i + 1 < ts->n &&
		    strcmp(ts->v[i].name, ts->v[i + 1].name) == 0)
			continue;
		ts->v[n++] = ts->v[i];
	}
	ts->n = n;
}

/* Count one step of the search; fails past the budget. */
int
solver_space_step(struct solver_space *sp, char *err)
{
	if (sp->steps >= sp->max_steps) {
		errbuf_set(err, "no layout found within %" PRId64 " steps",
		    sp->max_steps);
		return -1;
	}
	sp->steps++;
	return 0;
}

/* Whether service s allows hardware (col 0) or image (col 1) type name. */
bool
solver_space_type_allowed(const struct solver_space *sp, int s, int img,
    const char *name)
{
	const struct solver_constraint *c;
	const struct solver_names *ns;

	if (sp->svc[s].cons < 0)
		return true;
	c = &sp->t->cons[sp->svc[s].cons];
	ns = img ? &c->imagetypes : &c->hardwaretypes;
	return ns->n == 0 || solver_names_has(ns, name);
}
