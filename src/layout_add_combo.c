/* SPDX-License-Identifier: Apache-2.0 */
/*
 * layout_add_combo.c - the count vectors the add-services search walks
 * (LOOM-0.9.7-OPS.md section 4.4): every way to spread a number of items
 * over slots with a cap each, largest first in lexicographic order.  Pure.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout_add.h"
#include "layout_add_int.h"

struct layout_add_combo {
	size_t n;
	int *max;
	int *cur;
	long long total;
	int pending; /* cur holds the next vector */
};

/*
 * The largest vector w lexicographically below v (or v itself when
 * or_equal and v is valid) with sum total and 0 <= w[i] <= max[i].
 * Returns 1 with w in v, or 0 when there is none.
 */
static int
layout_add_combo_step(int *v, const int *max, size_t n, long long total,
    int or_equal)
{
	long long *cap, *psum, rem, hi, lo;
	unsigned char *pok;
	size_t i, p;
	int found = 0;

	cap = xcalloc(n + 1, sizeof(*cap));
	psum = xcalloc(n + 1, sizeof(*psum));
	pok = xcalloc(n + 1, 1);
	for (i = n; i > 0; i--)
		cap[i - 1] = cap[i] + max[i - 1];
	pok[0] = 1;
	for (i = 0; i < n; i++) {
		psum[i + 1] = psum[i] + v[i];
		pok[i + 1] = pok[i] && v[i] >= 0 && v[i] <= max[i];
	}
	if (or_equal && pok[n] && psum[n] == total) {
		found = 1;
		goto out;
	}
	for (p = n; p > 0; p--) {
		i = p - 1;
		if (!pok[i] || psum[i] > total)
			continue;
		rem = total - psum[i];
		hi = (long long)v[i] - 1;
		if (hi > max[i])
			hi = max[i];
		if (hi > rem)
			hi = rem;
		lo = rem - cap[i + 1];
		if (lo < 0)
			lo = 0;
		if (hi < lo)
			continue;
		v[i] = (int)hi;
		rem -= hi;
		for (i = p; i < n; i++) {
			v[i] = rem < max[i] ? (int)rem : max[i];
			rem -= v[i];
		}
		found = 1;
		break;
	}
out:
	free(cap);
	free(psum);
	free(pok);
	return found;
}

/* Common part of the two constructors. */
static struct layout_add_combo *
layout_add_combo_alloc(size_t nslots, const int *max)
{
	struct layout_add_combo *it;
	size_t i;

	it = xcalloc(1, sizeof(*it));
	it->n = nslots;
	it->max = xcalloc(nslots, sizeof(*it->max));
	it->cur = xcalloc(nslots, sizeof(*it->cur));
	for (i = 0; i < nslots; i++)
		it->max[i] = max == NULL ? LAYOUT_ADD_UNBOUNDED :
					   (max[i] < 0 ? 0 : max[i]);
	return it;
}

int
layout_add_combo_new(size_t nslots, int nitems, const int *max,
    struct layout_add_combo **out, char err[LOOMD_ERR_LEN])
{
	struct layout_add_combo *it;
	long long rem;
	size_t i;

	*out = NULL;
	if (nslots == 0) {
		snprintf(err, LOOMD_ERR_LEN, "must have more than 0 slots");
		return -1;
	}
	if (nitems < 1) {
		snprintf(err, LOOMD_ERR_LEN, "must have more than 0 items");
		return -1;
	}
	it = layout_add_combo_alloc(nslots, max);
	it->total = nitems;
	rem = nitems;
	for (i = 0; i < nslots; i++) {
		it->cur[i] = rem < it->max[i] ? (int)rem : it->max[i];
		rem -= it->cur[i];
	}
	it->pending = rem == 0;
	*out = it;
	return 0;
}

int
layout_add_combo_new_from(size_t nslots, const int *start, const int *max,
    struct layout_add_combo **out, char err[LOOMD_ERR_LEN])
{
	struct layout_add_combo *it;
	long long total = 0;
	size_t i;

	*out = NULL;
	if (nslots == 0) {
		snprintf(err, LOOMD_ERR_LEN, "must have more than 0 slots");
		return -1;
	}
	for (i = 0; i < nslots; i++) {
		if (start[i] < 0) {
			snprintf(err, LOOMD_ERR_LEN,
			    "negative count in the initial state");
			return -1;
		}
		total += start[i];
	}
	if (total < 1 || total > LAYOUT_ADD_UNBOUNDED) {
		snprintf(err, LOOMD_ERR_LEN, "must have more than 0 items");
		return -1;
	}
	it = layout_add_combo_alloc(nslots, max);
	it->total = total;
	memcpy(it->cur, start, nslots * sizeof(*it->cur));
	it->pending =
	    layout_add_combo_step(it->cur, it->max, nslots, total, 1);
	*out = it;
	return 0;
}

int
layout_add_combo_has_next(struct layout_add_combo *it)
{
	return it->pending;
}

int
layout_add_combo_next(struct layout_add_combo *it, int *v)
{
	if (!it->pending)
		return 0;
	memcpy(v, it->cur, it->n * sizeof(*v));
	it->pending =
	    layout_add_combo_step(it->cur, it->max, it->n, it->total, 0);
	return 1;
}

void
layout_add_combo_free(struct layout_add_combo *it)
{
	if (it == NULL)
		return;
	free(it->max);
	free(it->cur);
	free(it);
}
