/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jsonx.h - the thin json-c helpers every loomd module that reads or builds
 * JSON trees shares: members and strings read without surprises (absent,
 * JSON null and the wrong container all read as NULL), integers read as
 * Loom's Java code read them (Long.parseLong on strings), and constructors
 * and insertions that treat a NULL from json-c as fatal, so callers never
 * check for out of memory.  Request-body parsing and the Gson-style typed
 * getters live in jsonin.h, above this module.  Pure: no I/O.
 */
#ifndef LOOMD_JSONX_H
#define LOOMD_JSONX_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "common.h"

/*
 * Member key of o; NULL when o is not an object, the key is absent or its
 * value is JSON null.  Borrowed from o, valid while o lives.
 */
struct json_object *jsonx_get(struct json_object *o, const char *key);
/* The string of v, or NULL if v is not a JSON string; borrowed from v. */
const char *jsonx_str(struct json_object *v);
/* The string member key of o, or NULL (absent, null or not a string);
 * borrowed from o. */
const char *jsonx_get_str(struct json_object *o, const char *key);
/*
 * The first element of the array arr whose "name" member is the string
 * name; NULL when arr is not an array, name is NULL or none matches.
 * Borrowed from arr.
 */
struct json_object *jsonx_find_named(struct json_object *arr,
    const char *name);

/*
 * Parse a decimal integer as Java's Long.parseLong does: an optional sign
 * then digits only, no blanks, in int64 range.  Returns 0 or -1.
 */
int jsonx_parse_long(const char *s, int64_t *out) LOOMD_MUSTCHECK;
/*
 * An integer as Loom's JSON readers took one: a JSON integer, a double with
 * an integral value in about +-9.2e18, or a string jsonx_parse_long()
 * accepts.  Returns 0 or -1 (anything else, v NULL included).
 */
int jsonx_long(struct json_object *v, int64_t *out) LOOMD_MUSTCHECK;

/* Abort via fatalx() on a NULL from json-c; returns o. */
struct json_object *jsonx_check(struct json_object *o);

/*
 * Constructors; each returns a new reference the caller owns (released with
 * json_object_put() or handed to a container).  Out of memory is fatal.
 */
struct json_object *jsonx_new_object(void);
struct json_object *jsonx_new_array(void);
/* An array with room for n elements (a hint, as json-c allows). */
struct json_object *jsonx_new_array_ext(size_t n);
struct json_object *jsonx_new_string(const char *s);
/* A JSON string, or NULL (JSON null) when s is NULL. */
struct json_object *jsonx_new_string_or_null(const char *s);
struct json_object *jsonx_new_int64(int64_t v);
/* A deep copy of src (NULL gives NULL); the caller owns the copy. */
struct json_object *jsonx_copy(struct json_object *src);

/* Add or replace obj[key] = v; takes ownership of v (which may be NULL). */
void jsonx_set(struct json_object *obj, const char *key,
    struct json_object *v);
/*
 * obj[key] = v for a key obj does not hold yet and a key string that lives
 * as long as obj (a literal): json-c neither searches nor copies it.  Takes
 * ownership of v.
 */
void jsonx_add_new(struct json_object *obj, const char *key,
    struct json_object *v);
/* Append v to array arr; takes ownership of v (which may be NULL). */
void jsonx_append(struct json_object *arr, struct json_object *v);

#endif /* LOOMD_JSONX_H */
