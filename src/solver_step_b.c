/* SPDX-License-Identifier: Apache-2.0 */
/*
 * solver_step_b.c - step B of the solver (Loom's ServiceLayoutFinder's node
 * counts): the greedy start and the descending walk over compositions of
 * num_machines into node layouts, with incremental per-service counts
 * checked against the quantity constraints and a budget of steps.
 * Pure: no I/O.
 */
#include "config.h"

#include "solver_int.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* Whether a quantity slot is within its bounds. */
static bool
solver_step_b_walk_ok(const struct solver_walk *w, int q, int64_t v)
{
	return v >= w->lo[q] && v <= w->hi[q];
}

/* Change the count of layout i by delta, keeping the service counts. */
void
solver_step_b_walk_update(struct solver_walk *w, size_t i, int64_t delta)
{
	size_t m;
	int q;
	bool was;

	if (delta == 0)
		return;
	w->n[i] += delta;
	for (m = w->qoff[i]; m < w->qoff[i + 1]; m++) {
		q = w->qmem[m];
		was = solver_step_b_walk_ok(w, q, w->qc[q]);
		w->qc[q] += delta;
		if (was != solver_step_b_walk_ok(w, q, w->qc[q]))
			w->bad += was ? 1 : -1;
	}
}

/* Release walk state. */
void
solver_step_b_walk_clear(struct solver_walk *w)
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
void
solver_step_b_walk_init(struct solver_walk *w, const struct solver_space *sp,
    const struct solver_layouts *ls, int64_t num_machines)
{
	const struct solver_constraint *c;
	size_t i, j, nq = 0;

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
		w->hi[sp->svc[i].q] =
		    c->max < num_machines ? c->max : num_machines;
	}
	for (i = 0; i < sp->nq; i++) {
		if (!solver_step_b_walk_ok(w, (int)i, 0))
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
int
solver_step_b(struct solver_space *sp, const struct solver_layouts *ls,
    int64_t num_machines, int64_t **out, char *err)
{
	struct solver_walk w;
	size_t *stack = NULL, ns = 0, i, k = ls->n, e, m;
	int64_t total = 0, mx, d, v;
	int q, rc = -1;

	*out = NULL;
	if (k == 0)
		return 0;
	solver_step_b_walk_init(&w, sp, ls, num_machines);
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
		solver_step_b_walk_update(&w, i, mx);
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
		if (solver_space_step(sp, err) != 0)
			goto fail;
		if (w.bad == 0)
			break;
		if (ns == 0) {
			rc = 0;
			goto fail;
		}
		i = stack[ns - 1];
		solver_step_b_walk_update(&w, i, -1);
		if (w.n[i] == 0)
			ns--;
		if (i == e - 1)
			solver_step_b_walk_update(&w, e, 1);
		else {
			v = w.n[e];
			solver_step_b_walk_update(&w, i + 1, 1 + v);
			solver_step_b_walk_update(&w, e, -v);
			stack[ns++] = i + 1;
		}
	}
	*out = w.n;
	w.n = NULL;
	rc = 0;
fail:
	free(stack);
	solver_step_b_walk_clear(&w);
	return rc;
}
