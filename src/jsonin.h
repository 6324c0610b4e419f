/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jsonin.h - request-body JSON input for loomd.  jsonin_parse() turns the
 * bytes of a request body into a json-c tree with json-c's own tokener in
 * its lenient (non-strict) mode, as Gson accepted them in Loom (single-quoted
 * strings, comments, trailing commas), and rejects what a server must not
 * take: an empty body, malformed JSON, trailing garbage, a top level of the
 * wrong kind, nesting deeper than JSONIN_MAX_DEPTH, invalid UTF-8, NUL
 * characters and conflicting duplicate keys.  A member named "__proto__" is
 * dropped at any depth, as if absent: the form parser bundled with the Loom
 * UI adds "__proto__":{} to every object it posts on Node 12 and later.
 * The typed getters read fields the way Gson did: a number may be given as
 * a string ("numMachines":"5"), a string field may be given as a number,
 * and null means absent.  The thin json-c allocation wrappers (fatal on out
 * of memory) are in jsonx.h.  Pure: no I/O.
 */
#ifndef LOOMD_JSONIN_H
#define LOOMD_JSONIN_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "common.h"
#include "jsonx.h"

/* Deepest nesting of arrays/objects accepted in a body (64 ok, 65 not). */
#define JSONIN_MAX_DEPTH 64

/* Key dropped from every object of a parsed body. */
#define JSONIN_DROPPED_KEY "__proto__"

/* Flags for jsonin_parse(): what the top level may be besides an object. */
#define JSONIN_ALLOW_ARRAY 0x1	/* a top-level array is accepted */
#define JSONIN_ALLOW_SCALAR 0x2 /* a top-level string/number/bool too */

/* Why jsonin_parse() failed, so that each handler can send its own body. */
enum jsonin_error {
	JSONIN_ERR_NONE = 0,
	JSONIN_ERR_EMPTY,     /* no body, only whitespace, or "null" */
	JSONIN_ERR_SYNTAX,    /* malformed, trailing garbage, too deep,
				  bad UTF-8, NUL, too large */
	JSONIN_ERR_DUPLICATE, /* same key twice with different values */
	JSONIN_ERR_TOP_LEVEL, /* top level not an object (or allowed kind) */
};

/*
 * Parse len bytes at buf (need not be NUL-terminated; may be NULL when len
 * is 0).  On success returns 0 and *out is a new tree the caller releases
 * with json_object_put().  On failure returns -1, *out is NULL, err says
 * why (e.g. "empty body", "malformed JSON: ... at offset 7") and, if why is
 * not NULL, *why gets the class of the failure.  Identical duplicate keys
 * are accepted (the value is the same either way).  Members named
 * JSONIN_DROPPED_KEY are removed from the tree, at any depth, and never
 * count as duplicates.  Runs in time linear in len.
 */
int jsonin_parse(const void *buf, size_t len, int flags,
    struct json_object **out, enum jsonin_error *why,
    char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/* Result of a typed getter. */
enum jsonin_get {
	JSONIN_OK = 0,
	JSONIN_ABSENT,	/* key missing or JSON null */
	JSONIN_BADTYPE, /* present but not convertible / out of range */
};

/*
 * Integer conversions of one value v (NULL or JSON null = absent).  Accept a
 * JSON integer, a double with an integral value, or a string holding one
 * ("5", "-3", "5.0", "1e3"), as Gson's nextInt()/nextLong() did; the value
 * must lie in [min, max].  Booleans, objects, arrays, fractions, NaN and
 * overflow are JSONIN_BADTYPE.
 */
enum jsonin_get jsonin_value_int64(struct json_object *v, int64_t min,
    int64_t max, int64_t *out);

/*
 * String conversion of one value: a JSON string as is; a number or boolean
 * as its JSON text (Gson's String adapter did the same); objects and arrays
 * are JSONIN_BADTYPE.  *out is borrowed from v and valid while v lives.
 */
enum jsonin_get jsonin_value_string(struct json_object *v, const char **out);

/*
 * Getters on a field of object obj (obj NULL or not an object: ABSENT).  On
 * ABSENT or BADTYPE, err (if not NULL) says "<key> is missing" or "<key>
 * must be ...".  Borrowed results are valid while obj lives.
 */
enum jsonin_get jsonin_get_int64(struct json_object *obj, const char *key,
    int64_t *out, char err[LOOMD_ERR_LEN]);
/* As jsonin_get_int64() but the value must fit in an int (Java Integer). */
enum jsonin_get jsonin_get_int(struct json_object *obj, const char *key,
    int *out, char err[LOOMD_ERR_LEN]);
enum jsonin_get jsonin_get_string(struct json_object *obj, const char *key,
    const char **out, char err[LOOMD_ERR_LEN]);
enum jsonin_get jsonin_get_object(struct json_object *obj, const char *key,
    struct json_object **out, char err[LOOMD_ERR_LEN]);
enum jsonin_get jsonin_get_array(struct json_object *obj, const char *key,
    struct json_object **out, char err[LOOMD_ERR_LEN]);

#endif /* LOOMD_JSONIN_H */
