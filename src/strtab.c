/* SPDX-License-Identifier: Apache-2.0 */
/*
 * strtab.c - interned strings with an insertion-ordered index and an
 * open-addressing FNV-1a hash (see strtab.h).  Pure: no I/O.
 */
#include "config.h"

#include "strtab.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* FNV-1a hash of a string. */
static uint64_t
strtab_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

/* The slot holding s, or the empty slot where it would go (nslots > 0). */
static size_t
strtab_slot(const struct strtab *t, const char *s)
{
	size_t mask = t->nslots - 1, i;

	i = (size_t)strtab_hash(s) & mask;
	while (t->slots[i] != 0 && strcmp(t->strs[t->slots[i] - 1], s) != 0)
		i = (i + 1) & mask;
	return i;
}

/* Rebuild the slots with room for nslots (a power of two). */
static void
strtab_rehash(struct strtab *t, size_t nslots)
{
	size_t i;

	free(t->slots);
	t->nslots = nslots;
	t->slots = xcalloc(t->nslots, sizeof *t->slots);
	for (i = 0; i < t->n; i++)
		t->slots[strtab_slot(t, t->strs[i])] = i + 1;
}

void
strtab_init(struct strtab *t, bool copy)
{
	memset(t, 0, sizeof *t);
	t->copy = copy;
}

void
strtab_clear(struct strtab *t)
{
	bool copy = t->copy;
	size_t i;

	if (copy) {
		for (i = 0; i < t->n; i++)
			free((char *)t->strs[i]);
	}
	free(t->strs);
	free(t->slots);
	strtab_init(t, copy);
}

struct strtab *
strtab_new(bool copy)
{
	struct strtab *t;

	t = xmalloc(sizeof *t);
	strtab_init(t, copy);
	return t;
}

void
strtab_free(struct strtab *t)
{
	if (t == NULL)
		return;
	strtab_clear(t);
	free(t);
}

int
strtab_find(const struct strtab *t, const char *s, size_t *ix)
{
	size_t slot;

	if (t->nslots == 0)
		return -1;
	slot = strtab_slot(t, s);
	if (t->slots[slot] == 0)
		return -1;
	*ix = t->slots[slot] - 1;
	return 0;
}

size_t
strtab_intern(struct strtab *t, const char *s, int *added)
{
	size_t slot;

	if (t->nslots == 0)
		strtab_rehash(t, 16);
	slot = strtab_slot(t, s);
	if (t->slots[slot] != 0) {
		if (added != NULL)
			*added = 0;
		return t->slots[slot] - 1;
	}
	if (t->n == t->cap) {
		t->cap = t->cap == 0 ? 16 : t->cap * 2;
		t->strs = xreallocarray(t->strs, t->cap, sizeof *t->strs);
	}
	t->strs[t->n] = t->copy ? xstrdup(s) : s;
	t->slots[slot] = ++t->n;
	if (t->n * 2 > t->nslots)
		strtab_rehash(t, t->nslots * 2);
	if (added != NULL)
		*added = 1;
	return t->n - 1;
}

const char *
strtab_str(const struct strtab *t, size_t i)
{
	return t->strs[i];
}

size_t
strtab_count(const struct strtab *t)
{
	return t->n;
}

int
strtab_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

size_t
strtab_list_index(const char *const *v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return i;
	return SIZE_MAX;
}
