/* SPDX-License-Identifier: Apache-2.0 */
/*
 * solver_step_a.c - step A of the solver (Loom's NodeLayoutGenerator):
 * the valid service sets, enumerated as unions of must-coexist blocks and
 * pruned on cant-coexist sets instead of Java's walk over every subset,
 * then for each set the comparator-minimal hardware and image types,
 * giving the ordered node layouts.  Pure: no I/O.
 */
#include "config.h"

#include "solver_int.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* Append a service set. */
static void
solver_step_a_sets_add(struct solver_sets *ss, const int *m, size_t n)
{
	while (ss->pool == NULL || ss->npool + n > ss->cappool) {
		ss->cappool = ss->cappool != 0 ? ss->cappool * 2 : 64;
		ss->pool =
		    xreallocarray(ss->pool, ss->cappool, sizeof *ss->pool);
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
void
solver_step_a_sets_clear(struct solver_sets *ss)
{
	free(ss->pool);
	free(ss->off);
	free(ss->len);
	memset(ss, 0, sizeof *ss);
}

/* Union-find root with path halving. */
static int
solver_step_a_uf_find(int *parent, int i)
{
	while (parent[i] != i) {
		parent[i] = parent[parent[i]];
		i = parent[i];
	}
	return i;
}

/* Depth-first enumeration of block unions that contain no CC set. */
static int
solver_step_a_dfs(struct solver_dfs *d, size_t from, char *err)
{
	size_t j, m;
	bool ok;

	for (j = from; j < d->nblocks; j++) {
		if (solver_space_step(d->sp, err) != 0)
			return -1;
		ok = true;
		for (m = d->coff[j]; m < d->coff[j + 1]; m++) {
			if (++d->cnt[d->chit[m]] == d->need[d->chit[m]])
				ok = false;
		}
		if (ok) {
			for (m = d->boff[j]; m < d->boff[j + 1]; m++)
				d->cur[d->ncur++] = d->bmem[m];
			solver_step_a_sets_add(d->out, d->cur, d->ncur);
			if (solver_step_a_dfs(d, j + 1, err) != 0)
				return -1;
			d->ncur -= d->boff[j + 1] - d->boff[j];
		}
		for (m = d->coff[j]; m < d->coff[j + 1]; m++)
			d->cnt[d->chit[m]]--;
	}
	return 0;
}

/*
 * Step A.2: every non-empty set X of input services with no cant-coexist
 * set inside it and, for each must-coexist set M with M' = M and cluster
 * services, X touching M' only if it holds all of M'.  Such X are exactly
 * the unions of the connected components ("blocks") of the M' sets that lie
 * wholly among the input services, so those unions are enumerated, pruning
 * as soon as a cant-coexist set is complete (containment only grows).
 */
int
solver_step_a_valid_sets(struct solver_space *sp, struct solver_sets *out,
    char *err)
{
	const struct solver_template *t = sp->t;
	struct solver_dfs d;
	struct solver_sets ccs;
	int *parent, *blockof, *tmp, *scc;
	size_t *sccoff, *fill;
	bool *poison;
	size_t i, j, n = sp->nsvc, nb = 0, ntmp;
	size_t nhit = 0, m;
	int r, rc = -1, s, first;

	memset(&d, 0, sizeof d);
	memset(&ccs, 0, sizeof ccs);
	d.sp = sp;
	d.out = out;
	for (i = 0; i < t->ncant; i++) {
		if (t->cant[i].n == 0)
			return 0; /* an empty set is inside every set */
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
			s = solver_index(&sp->index, t->must[i].v[j]);
			if (s < 0 || !sp->svc[s].cluster)
				continue;
			if (first < 0)
				first = s;
			else
				parent[solver_step_a_uf_find(parent, s)] =
				    solver_step_a_uf_find(parent, first);
		}
	}
	for (i = 0; i < n; i++) {
		if (!sp->svc[i].input)
			poison[solver_step_a_uf_find(parent, (int)i)] = true;
		blockof[i] = -1;
	}

	/* Blocks in CSR form, numbered in order of first member. */
	d.boff = xcalloc(n + 2, sizeof *d.boff);
	d.bmem = xcalloc(n + 1, sizeof *d.bmem);
	for (i = 0; i < n; i++) {
		r = solver_step_a_uf_find(parent, (int)i);
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
		r = solver_step_a_uf_find(parent, (int)i);
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
			s = solver_index(&sp->index, t->cant[i].v[j]);
			if (s < 0 || poison[solver_step_a_uf_find(parent, s)])
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
		solver_step_a_sets_add(&ccs, tmp, m);
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
	rc = solver_step_a_dfs(&d, 0, err);

	free(parent);
	free(blockof);
	free(poison);
	free(tmp);
	free(sccoff);
	free(scc);
	free(fill);
	solver_step_a_sets_clear(&ccs);
	free(d.boff);
	free(d.bmem);
	free(d.need);
	free(d.cnt);
	free(d.coff);
	free(d.chit);
	free(d.cur);
	return rc;
}

/*
 * The first of the ntypes types that every service of x[0, n) allows
 * (ok[service * ntypes + type] != 0), or ntypes when there is none.
 */
static size_t
solver_step_a_first_type(const uint8_t *ok, size_t ntypes, const int *x,
    size_t n)
{
	size_t t, j;

	for (t = 0; t < ntypes; t++) {
		for (j = 0; j < n; j++) {
			if (!ok[x[j] * ntypes + t])
				break;
		}
		if (j == n)
			break;
	}
	return t;
}

/*
 * Step A: the ordered list L of node layouts.  The comparator-minimal
 * layout of a set takes the smallest hardware name and the smallest image
 * name that every member allows (the two choices are independent).
 */
int
solver_step_a(struct solver_space *sp, struct solver_layouts *out, char *err)
{
	struct solver_sets sets;
	struct solver_layout *l;
	uint8_t *hwok = NULL, *imgok = NULL;
	int *u, *m;
	size_t nu = 0, i, h, g, nhw = sp->hw.n;
	size_t nimg = sp->img.n;
	int rc = -1;

	memset(&sets, 0, sizeof sets);
	u = xcalloc(sp->nsvc + 1, sizeof *u);
	m = xcalloc(sp->nsvc + 1, sizeof *m);
	for (i = 0; i < sp->nsvc; i++) {
		sp->svc[i].input = sp->svc[i].constrained;
		if (sp->svc[i].cluster && !sp->svc[i].constrained)
			u[nu++] = (int)i;
	}
	if (solver_step_a_valid_sets(sp, &sets, err) != 0)
		goto fail;
	if (nu != 0)
		solver_step_a_sets_add(&sets, NULL, 0);

	hwok = xcalloc(sp->nsvc * nhw + 1, 1);
	imgok = xcalloc(sp->nsvc * nimg + 1, 1);
	for (i = 0; i < sp->nsvc; i++) {
		for (h = 0; h < nhw; h++)
			hwok[i * nhw + h] = solver_space_type_allowed(sp,
			    (int)i, 0, sp->hw.v[h].name);
		for (g = 0; g < nimg; g++)
			imgok[i * nimg + g] = solver_space_type_allowed(sp,
			    (int)i, 1, sp->img.v[g].name);
	}
	for (i = 0; i < sets.n; i++) {
		const int *x = sets.pool + sets.off[i];

		h = solver_step_a_first_type(hwok, nhw, x, sets.len[i]);
		g = solver_step_a_first_type(imgok, nimg, x, sets.len[i]);
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
	solver_step_a_sets_clear(&sets);
	free(hwok);
	free(imgok);
	free(u);
	free(m);
	return rc;
}
