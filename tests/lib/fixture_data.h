/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fixture_data.h - the files of tests/data for unit and integration tests:
 * where the source tree is, loaders that fail the test when a file is
 * missing or is not JSON.  Tests find their data only inside the source tree: through
 * $LOOMD_SRCDIR (set by make check) or else the tree they were built from.
 */
#ifndef LOOMD_FIXTURE_DATA_H
#define LOOMD_FIXTURE_DATA_H

#include <stddef.h>

struct json_object;

/* The source tree: $LOOMD_SRCDIR, else the one the tests were built from
 * (borrowed, static). */
const char *fx_data_srcdir(void);

/* The path of tests/data/<rel> into out (size n). */
void fx_data_path(char *out, size_t n, const char *rel);

/*
 * The whole file tests/data/<rel>, NUL-terminated, its length in *len (may
 * be NULL); the caller frees it with free().  Fails the test when the file
 * cannot be read.
 */
char *fx_data_read(const char *rel, size_t *len);

/*
 * tests/data/<rel> parsed by json-c; the caller owns the tree
 * (json_object_put).  Fails the test when it cannot be read or parsed.
 */
struct json_object *fx_data_json(const char *rel);

/* The same for tests/data/loom-fixtures/<name>, the original server's
 * fixtures (caller puts). */
struct json_object *fx_data_loom(const char *name);

/* o[key], which must exist; the test fails otherwise (borrowed from o). */
struct json_object *fx_data_get(struct json_object *o, const char *key);

/* o[key] as a string; the key must exist (borrowed from o). */
const char *fx_data_str(struct json_object *o, const char *key);

/*
 * The first object of the array arr whose member key is the string value;
 * the test fails when there is none (borrowed from arr).
 */
struct json_object *fx_data_find(struct json_object *arr, const char *key,
    const char *value);

/*
 * The strings of the JSON array arr (NULL: none) as a new NULL-terminated
 * vector, their count in *n; the caller frees the vector with free(), the
 * strings are borrowed from arr.  NULL (and *n = 0) when arr is NULL.
 */
const char **fx_data_strv(struct json_object *arr, size_t *n);

#endif /* LOOMD_FIXTURE_DATA_H */
