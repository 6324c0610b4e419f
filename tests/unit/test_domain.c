/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_domain.c - unit tests of the cluster domain's shared helpers that
 * need no database: stored JSON rows parsed into one array.
 */
#include "config.h"

#include <string.h>

#include <criterion/criterion.h>
#include <json-c/json.h>

#include "domain.h"

Test(domain, parse_rows_keeps_order_and_leaves_out_corrupt_docs)
{
	char a[] = "{\"id\":\"a\"}", x[] = "x", b[] = "{\"id\":\"b\"}",
	     cut[] = "{\"id\":", one[] = "[1]";
	char *cells[] = { a, x, b, cut, one };
	size_t lens[] = { 10, 1, 10, 6, 3 };
	struct db_rows r = { 5, 1, cells, lens };
	struct json_object *arr = domain_parse_rows(&r);

	cr_assert(json_object_is_type(arr, json_type_array));
	cr_assert_str_eq(json_object_to_json_string_ext(arr,
			     JSON_C_TO_STRING_PLAIN),
	    "[{\"id\":\"a\"},{\"id\":\"b\"},[1]]");
	json_object_put(arr);
	r.nrows = 0;
	arr = domain_parse_rows(&r);
	cr_assert_eq(json_object_array_length(arr), 0);
	json_object_put(arr);
}
