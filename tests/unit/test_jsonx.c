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
	static const struct {
		const char *s;
		int rc;
		int64_t v;
	} rows[] = {
		{ "42", 0, 42 },
		{ "+7", 0, 7 },
		{ "-9223372036854775808", 0, INT64_MIN },
		{ "9223372036854775807", 0, INT64_MAX },
		{ "9223372036854775808", -1, 0 },
		{ "", -1, 0 },
		{ "-", -1, 0 },
		{ " 1", -1, 0 },
		{ "1.0", -1, 0 },
		{ NULL, -1, 0 },
	};
	int64_t v;
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		cr_assert_eq(jsonx_parse_long(rows[i].s, &v), rows[i].rc,
		    "\"%s\"", rows[i].s != NULL ? rows[i].s : "(null)");
		if (rows[i].rc == 0)
			cr_assert_eq(v, rows[i].v, "\"%s\"", rows[i].s);
	}
}

Test(jsonx, long_of_values)
{
	static const struct {
		const char *key;
		int rc;
		int64_t v;
	} rows[] = {
		{ "i", 0, 5 }, { "d", 0, 6 }, { "s", 0, -3 }, { "f", -1, 0 },
		{ "t", -1, 0 }, { "b", -1, 0 }, { "big", -1, 0 },
		{ "missing", -1, 0 }, /* jsonx_long(NULL) */
	};
	struct json_object *o;
	int64_t v;
	size_t i;

	o = json_tokener_parse("{\"i\":5,\"d\":6.0,\"f\":6.5,\"s\":\"-3\","
			       "\"t\":\"5.0\",\"b\":true,\"big\":1e19}");
	cr_assert_not_null(o);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		cr_assert_eq(jsonx_long(jsonx_get(o, rows[i].key), &v),
		    rows[i].rc, "%s", rows[i].key);
		if (rows[i].rc == 0)
			cr_assert_eq(v, rows[i].v, "%s", rows[i].key);
	}
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
