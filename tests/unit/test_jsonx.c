/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_jsonx.c - unit tests of the json-c helpers: member reads that treat
 * absent, null and non-objects alike, Java Long.parseLong integers, and the
 * constructors and insertions.
 */
#include "config.h"

#include <stdint.h>

#include <criterion/criterion.h>
#include <json-c/json.h>

#include "jsonx.h"

Test(jsonx, get_and_str)
{
	struct json_object *o;

	o = json_tokener_parse("{\"a\":\"x\",\"n\":null,\"i\":3}");
	cr_assert_not_null(o);
	cr_assert_str_eq(jsonx_str(jsonx_get(o, "a")), "x");
	cr_assert_null(jsonx_get(o, "n"));
	cr_assert_null(jsonx_get(o, "missing"));
	cr_assert_null(jsonx_str(jsonx_get(o, "i")));
	cr_assert_null(jsonx_get(jsonx_get(o, "a"), "a"));
	cr_assert_null(jsonx_get(NULL, "a"));
	cr_assert_null(jsonx_str(NULL));
	json_object_put(o);
}

Test(jsonx, parse_long_as_java)
{
	int64_t v;

	cr_assert_eq(jsonx_parse_long("42", &v), 0);
	cr_assert_eq(v, 42);
	cr_assert_eq(jsonx_parse_long("+7", &v), 0);
	cr_assert_eq(v, 7);
	cr_assert_eq(jsonx_parse_long("-9223372036854775808", &v), 0);
	cr_assert_eq(v, INT64_MIN);
	cr_assert_eq(jsonx_parse_long("9223372036854775807", &v), 0);
	cr_assert_eq(v, INT64_MAX);
	cr_assert_eq(jsonx_parse_long("9223372036854775808", &v), -1);
	cr_assert_eq(jsonx_parse_long("", &v), -1);
	cr_assert_eq(jsonx_parse_long("-", &v), -1);
	cr_assert_eq(jsonx_parse_long(" 1", &v), -1);
	cr_assert_eq(jsonx_parse_long("1.0", &v), -1);
	cr_assert_eq(jsonx_parse_long(NULL, &v), -1);
}

Test(jsonx, long_of_values)
{
	struct json_object *o;
	int64_t v;

	o = json_tokener_parse("{\"i\":5,\"d\":6.0,\"f\":6.5,\"s\":\"-3\","
			       "\"t\":\"5.0\",\"b\":true,\"big\":1e19}");
	cr_assert_not_null(o);
	cr_assert_eq(jsonx_long(jsonx_get(o, "i"), &v), 0);
	cr_assert_eq(v, 5);
	cr_assert_eq(jsonx_long(jsonx_get(o, "d"), &v), 0);
	cr_assert_eq(v, 6);
	cr_assert_eq(jsonx_long(jsonx_get(o, "s"), &v), 0);
	cr_assert_eq(v, -3);
	cr_assert_eq(jsonx_long(jsonx_get(o, "f"), &v), -1);
	cr_assert_eq(jsonx_long(jsonx_get(o, "t"), &v), -1);
	cr_assert_eq(jsonx_long(jsonx_get(o, "b"), &v), -1);
	cr_assert_eq(jsonx_long(jsonx_get(o, "big"), &v), -1);
	cr_assert_eq(jsonx_long(NULL, &v), -1);
	json_object_put(o);
}

Test(jsonx, builders)
{
	struct json_object *o, *a, *c;

	o = jsonx_new_object();
	a = jsonx_new_array_ext(4);
	jsonx_append(a, jsonx_new_int64(1));
	jsonx_append(a, jsonx_new_string_or_null(NULL));
	jsonx_add_new(o, "list", a);
	jsonx_set(o, "name", jsonx_new_string("x"));
	jsonx_set(o, "name", jsonx_new_string("y"));
	c = jsonx_copy(o);
	cr_assert_str_eq(json_object_to_json_string_ext(c,
			     JSON_C_TO_STRING_PLAIN),
	    "{\"list\":[1,null],\"name\":\"y\"}");
	cr_assert_null(jsonx_copy(NULL));
	cr_assert_null(jsonx_new_string_or_null(NULL));
	json_object_put(c);
	json_object_put(o);
}
