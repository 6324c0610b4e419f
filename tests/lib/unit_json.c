/* SPDX-License-Identifier: Apache-2.0 */
/*
 * unit_json.c - the JSON helpers the unit tests share (see unit_json.h).
 */
#include "config.h"

#include "unit_json.h"

#include <criterion/criterion.h>
#include <json-c/json.h>

#include "fixture_data.h"

struct json_object *
uj_opt(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (obj == NULL || !json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, key, &v))
		return NULL;
	return v;
}

struct json_object *
uj_case(struct json_object *root, const char *test)
{
	return fx_data_find(fx_data_get(root, "cases"), "test", test);
}

struct json_object *
uj_parse(const char *text)
{
	struct json_object *o = json_tokener_parse(text);

	cr_assert_not_null(o, "bad JSON: %s", text);
	return o;
}

struct json_object *
uj_map(struct json_object *arr,
    struct json_object *(*fn)(struct json_object *e))
{
	struct json_object *out = json_object_new_array();
	size_t i;

	for (i = 0; i < json_object_array_length(arr); i++)
		json_object_array_add(out,
		    fn(json_object_array_get_idx(arr, i)));
	return out;
}
