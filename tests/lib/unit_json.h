/* SPDX-License-Identifier: Apache-2.0 */
/*
 * unit_json.h - the JSON helpers the unit tests share: optional members,
 * cases of a fixture file by name, JSON text that must parse.  Linked into
 * the unit tests from tests/lib/libfixture.a; the loaders of tests/data are
 * in fixture_data.h.
 */
#ifndef LOOMD_UNIT_JSON_H
#define LOOMD_UNIT_JSON_H

struct json_object;

/* obj[key], or NULL when obj is NULL, is not an object or has no such
 * member (borrowed from obj). */
struct json_object *uj_opt(struct json_object *obj, const char *key);

/*
 * The element of root's "cases" array whose "test" is test; the test fails
 * when there is none (borrowed from root).
 */
struct json_object *uj_case(struct json_object *root, const char *test);

/* The JSON text parsed by json-c; the test fails when it does not parse.
 * The caller puts the tree. */
struct json_object *uj_parse(const char *text);

/*
 * A new array of fn(e) for each element e of arr, in order (the caller
 * puts it; fn returns a new object for the array to own).
 */
struct json_object *uj_map(struct json_object *arr,
    struct json_object *(*fn)(struct json_object *e));

#endif /* LOOMD_UNIT_JSON_H */
