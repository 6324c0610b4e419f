/* SPDX-License-Identifier: Apache-2.0 */
/*
 * strtab.h - a string-keyed table of interned strings: each distinct string
 * gets the next index (0, 1, 2 ...) in insertion order, found again in
 * constant expected time through an open-addressing hash of its slots.
 * The table either copies its strings (and frees them) or borrows them from
 * the caller.  A zeroed struct strtab is a valid empty borrowing table, so
 * tables can be embedded in structures cleared with memset().  Pure: no I/O.
 */
#ifndef LOOMD_STRTAB_H
#define LOOMD_STRTAB_H

#include <stdbool.h>
#include <stddef.h>

#include "common.h"

struct strtab {
	const char **strs; /* strs[i] is entry i */
	size_t n;
	size_t cap;
	size_t *slots; /* entry index + 1; 0 = empty */
	size_t nslots; /* 0, or a power of two >= 2n */
	bool copy;     /* strs are owned copies */
};

/*
 * Set up an empty table in caller-provided memory.  With copy, the table
 * keeps its own copy of each string; without, strings are borrowed and must
 * outlive the table.
 */
void strtab_init(struct strtab *t, bool copy);
/* Release what t holds (and the copies it owns); t is empty afterwards. */
void strtab_clear(struct strtab *t);
/* A new empty table; caller frees with strtab_free(). */
struct strtab *strtab_new(bool copy);
/* Free a table from strtab_new(); NULL is a no-op. */
void strtab_free(struct strtab *t);

/* Index of s in *ix: 0 if present, -1 if not. */
int strtab_find(const struct strtab *t, const char *s, size_t *ix);
/*
 * Index of s, added (copied or borrowed, as the table does) if absent; if
 * added is not NULL it is set to 1 when s was new and 0 otherwise.
 */
size_t strtab_intern(struct strtab *t, const char *s, int *added);
/* Entry i (i < strtab_count(t)); borrowed, valid while t holds it. */
const char *strtab_str(const struct strtab *t, size_t i);
/* Number of entries. */
size_t strtab_count(const struct strtab *t);

/*
 * qsort() and bsearch() comparator of arrays of C strings (each element a
 * char * or const char *): strcmp() order.
 */
int strtab_cmp(const void *a, const void *b);

/*
 * A plain list of strings, for the short lists (a node's services, a
 * constraint's types) where a linear search beats a hash: the array and
 * the strings are borrowed.
 */
struct strtab_list {
	const char *const *v;
	size_t n;
};

/* The index of the first s in v[0..n-1], or SIZE_MAX; strcmp() equality. */
size_t strtab_list_index(const char *const *v, size_t n, const char *s);

/* True when v[0..n-1] holds s. */
static inline bool
strtab_list_has(const char *const *v, size_t n, const char *s)
{
	return strtab_list_index(v, n, s) != SIZE_MAX;
}

#endif /* LOOMD_STRTAB_H */
