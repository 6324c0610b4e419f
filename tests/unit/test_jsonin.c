/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_jsonin.c - unit tests of the request-body parser: what lenient Loom
 * clients send is accepted (single-quoted strings, numbers as strings), and
 * empty, malformed, trailing-garbage, wrong-top-level, too-deep, bad-UTF-8,
 * NUL-carrying and conflicting-duplicate bodies are refused with the right
 * class; plus the typed getters.
 */
#include <criterion/criterion.h>

#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture_data.h"
#include "jsonin.h"
#include "jsonx.h"

/* Parse the C string s; assert success and return the tree. */
static struct json_object *
must_parse(const char *s, int flags)
{
	struct json_object *o = NULL;
	enum jsonin_error why = JSONIN_ERR_SYNTAX;
	char err[LOOMD_ERR_LEN];

	cr_assert_eq(jsonin_parse(s, strlen(s), flags, &o, &why, err), 0,
	    "refused %s: %s", s, err);
	cr_assert_not_null(o);
	cr_assert_eq(why, JSONIN_ERR_SYNTAX, "why touched on success");
	return o;
}

/* Parse the C string s; assert success and, when nkeys >= 0, that the
 * result is an object of nkeys members. */
static void
must_accept(const char *s, int flags, int nkeys)
{
	struct json_object *o = must_parse(s, flags);

	if (nkeys >= 0)
		cr_assert_eq(json_object_object_length(o), nkeys, "%s", s);
	json_object_put(o);
}

/* Parse len bytes; assert failure with the given class. */
static void
must_fail_len(const char *s, size_t len, int flags, enum jsonin_error want,
    const char *what)
{
	struct json_object *o = (struct json_object *)1;
	enum jsonin_error why = JSONIN_ERR_NONE;
	char err[LOOMD_ERR_LEN];

	err[0] = '\0';
	cr_assert_eq(jsonin_parse(s, len, flags, &o, &why, err), -1,
	    "accepted %s", what);
	cr_assert_null(o, "out set on failure for %s", what);
	cr_assert_eq(why, want, "%s: class %d, want %d (%s)", what, why, want,
	    err);
	cr_assert_neq(err[0], '\0', "%s: no message", what);
}

static void
must_fail(const char *s, int flags, enum jsonin_error want)
{
	must_fail_len(s, strlen(s), flags, want, s);
}

/* Nested containers: depth levels, innermost empty. */
static char *
nested(int depth, int in_object)
{
	size_t n = (size_t)depth * 2 + 16, i;
	char *s = malloc(n), *p = s;

	cr_assert_not_null(s);
	if (in_object) {
		p += sprintf(p, "{\"a\":");
		depth--;
	}
	for (i = 0; i < (size_t)depth; i++)
		*p++ = '[';
	for (i = 0; i < (size_t)depth; i++)
		*p++ = ']';
	if (in_object)
		*p++ = '}';
	*p = '\0';
	return s;
}

Test(jsonin, empty_body_is_its_own_class)
{
	struct json_object *o;
	char err[LOOMD_ERR_LEN];
	enum jsonin_error why;

	cr_assert_eq(jsonin_parse(NULL, 0, 0, &o, &why, err), -1);
	cr_assert_eq(why, JSONIN_ERR_EMPTY);
	cr_assert_str_eq(err, "empty body");
	must_fail("", 0, JSONIN_ERR_EMPTY);
	must_fail("  \r\n\t ", 0, JSONIN_ERR_EMPTY);
	/* Gson reads a lone null as no body at all. */
	must_fail("null", 0, JSONIN_ERR_EMPTY);
	must_fail(" null \n", JSONIN_ALLOW_SCALAR, JSONIN_ERR_EMPTY);
	/* why may be NULL. */
	cr_assert_eq(jsonin_parse("", 0, 0, &o, NULL, err), -1);
}

Test(jsonin, malformed_json)
{
	/* LoomAdminHandlerTest.testInvalidProviderReturns400 sends this. */
	must_fail("[dsfmqo", 0, JSONIN_ERR_SYNTAX);
	must_fail("[dsfmqo", JSONIN_ALLOW_ARRAY, JSONIN_ERR_SYNTAX);
	must_fail("{", 0, JSONIN_ERR_SYNTAX);
	must_fail("{\"a\":}", 0, JSONIN_ERR_SYNTAX);
	must_fail("{\"a\" 1}", 0, JSONIN_ERR_SYNTAX);
	must_fail("{\"a\":1 \"b\":2}", 0, JSONIN_ERR_SYNTAX);
	must_fail("{\"a\":\"unterminated}", 0, JSONIN_ERR_SYNTAX);
	must_fail("body", 0, JSONIN_ERR_SYNTAX);
	must_fail("{\"a\":\"\\x\"}", 0, JSONIN_ERR_SYNTAX);
}

Test(jsonin, trailing_garbage)
{
	must_fail("{} x", 0, JSONIN_ERR_SYNTAX);
	must_fail("{}{}", 0, JSONIN_ERR_SYNTAX);
	must_fail("{\"a\":1}]", 0, JSONIN_ERR_SYNTAX);
	must_fail("[1] [2]", JSONIN_ALLOW_ARRAY, JSONIN_ERR_SYNTAX);
	must_accept("{\"a\":1}  \r\n\t", 0, -1);
}

Test(jsonin, input_ending_inside_a_comment_refused)
{
	/* json-c 0.16 says "success" and returns 1 or [1] for these. */
	must_fail("{\"a\":1 /* x", 0, JSONIN_ERR_SYNTAX);
	must_fail("{\"a\":[1] /* x", 0, JSONIN_ERR_SYNTAX);
	must_fail("{\"a\":1 // x", 0, JSONIN_ERR_SYNTAX);
	must_fail("{\"a\":{\"b\":1\n/* },\"c\":2}}", 0, JSONIN_ERR_SYNTAX);
	must_fail("{\"a\":1} /* x", 0, JSONIN_ERR_SYNTAX);
	/* A complete comment after the body is fine. */
	must_accept("{\"a\":1} // x", 0, 1);
	must_accept("{\"a\":1} /* x */\n", 0, -1);
}

Test(jsonin, comments_end_where_json_c_ends_them)
{
	struct json_object *o;

	/*
	 * In json-c a '*' right after a '*' does not start the end of a
	 * comment: here the comment runs to the last two characters before
	 * the '}', so json-c sees one "a" and so must the duplicate scan.
	 */
	o = must_parse("{\"a\":1 /* **"
		       "/ ,\"a\":2 *"
		       "/}",
	    0);
	cr_assert_eq(json_object_object_length(o), 1);
	cr_assert_eq(json_object_get_int64(fx_data_get(o, "a")), 1);
	json_object_put(o);
	o = must_parse("[1/*/ **"
		       "/*"
		       "/]",
	    JSONIN_ALLOW_ARRAY);
	cr_assert_eq(json_object_array_length(o), 1);
	json_object_put(o);
	/* Never closed for json-c: refused. */
	must_fail("[1/* **"
		  "/]",
	    JSONIN_ALLOW_ARRAY, JSONIN_ERR_SYNTAX);
	must_accept("[1/* ***"
		    "/]",
	    JSONIN_ALLOW_ARRAY, -1);
}

Test(jsonin, top_level_kind_is_a_flag)
{
	struct json_object *o;

	must_fail("[1,2]", 0, JSONIN_ERR_TOP_LEVEL);
	must_fail("5", 0, JSONIN_ERR_TOP_LEVEL);
	must_fail("\"x\"", 0, JSONIN_ERR_TOP_LEVEL);
	must_fail("true", JSONIN_ALLOW_ARRAY, JSONIN_ERR_TOP_LEVEL);
	must_fail("[]", JSONIN_ALLOW_SCALAR, JSONIN_ERR_TOP_LEVEL);

	o = must_parse("[1,2]", JSONIN_ALLOW_ARRAY);
	cr_assert(json_object_is_type(o, json_type_array));
	cr_assert_eq(json_object_array_length(o), 2);
	json_object_put(o);
	o = must_parse("\"x\"", JSONIN_ALLOW_SCALAR);
	cr_assert_str_eq(json_object_get_string(o), "x");
	json_object_put(o);
	o = must_parse("{}", 0);
	cr_assert(json_object_is_type(o, json_type_object));
	json_object_put(o);
}

Test(jsonin, nesting_limit_is_64)
{
	static const struct {
		int depth, in_object, flags;
		bool accepted;
	} rows[] = {
		{ 64, 1, 0, true },
		{ 65, 1, 0, false },
		{ 64, 0, JSONIN_ALLOW_ARRAY, true },
		{ 65, 0, JSONIN_ALLOW_ARRAY, false },
		{ 100000, 1, 0, false },
	};
	char *s, what[32];
	size_t i;

	cr_assert_eq(JSONIN_MAX_DEPTH, 64);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		s = nested(rows[i].depth, rows[i].in_object);
		snprintf(what, sizeof what, "depth %d", rows[i].depth);
		if (rows[i].accepted)
			must_accept(s, rows[i].flags, -1);
		else
			must_fail_len(s, strlen(s), rows[i].flags,
			    JSONIN_ERR_SYNTAX, what);
		free(s);
	}
}

Test(jsonin, invalid_utf8_refused)
{
	struct json_object *o;

	must_fail("{\"a\":\"\xff\"}", 0, JSONIN_ERR_SYNTAX);
	must_fail("{\"\xfe\":1}", 0, JSONIN_ERR_SYNTAX);
	/* Truncated sequence. */
	must_fail("{\"a\":\"\xe2\x82\"}", 0, JSONIN_ERR_SYNTAX);
	/* Overlong NUL, UTF-16 surrogate, beyond U+10FFFF: json-c's own
	 * validation lets these through. */
	must_fail("{\"a\":\"\xc0\x80\"}", 0, JSONIN_ERR_SYNTAX);
	must_fail("{\"a\":\"\xed\xa0\x80\"}", 0, JSONIN_ERR_SYNTAX);
	must_fail("{\"a\":\"\xf4\x90\x80\x80\"}", 0, JSONIN_ERR_SYNTAX);
	must_fail("{'a':'\xc3'}", 0, JSONIN_ERR_SYNTAX);

	/* é, €, U+1F600. */
	o = must_parse("{\"a\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}", 0);
	cr_assert_str_eq(json_object_get_string(fx_data_get(o, "a")),
	    "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	json_object_put(o);
}

Test(jsonin, nul_bytes_refused)
{
	struct json_object *o;
	char err[LOOMD_ERR_LEN];

	must_fail_len("{\"a\":1}\0", 8, 0, JSONIN_ERR_SYNTAX, "trailing NUL");
	must_fail_len("{\"a\":\"x\0y\"}", 11, 0, JSONIN_ERR_SYNTAX,
	    "NUL in string");
	must_fail_len("\0{}", 3, 0, JSONIN_ERR_SYNTAX, "leading NUL");
	/* The message names the NUL and where it is. */
	cr_assert_eq(jsonin_parse("{\"a\":\"x\0y\"}", 11, 0, &o, NULL, err),
	    -1);
	cr_assert_str_eq(err, "malformed JSON: NUL byte at offset 7");
	/* An escaped NUL would cut keys and C strings short. */
	must_fail("{\"a\":\"x\\u0000y\"}", 0, JSONIN_ERR_SYNTAX);
	must_fail("{\"a\\u0000b\":1}", 0, JSONIN_ERR_SYNTAX);
	/* An escaped backslash followed by u0000 is plain text. */
	o = must_parse("{\"a\":\"\\\\u0000\"}", 0);
	cr_assert_str_eq(json_object_get_string(fx_data_get(o, "a")),
	    "\\u0000");
	json_object_put(o);
}

Test(jsonin, conflicting_duplicate_keys_refused)
{
	must_fail("{\"a\":1,\"a\":2}", 0, JSONIN_ERR_DUPLICATE);
	must_fail("{\"a\":1,\"b\":0,\"a\":\"1\"}", 0, JSONIN_ERR_DUPLICATE);
	must_fail("{\"a\":1,\"a\":1,\"a\":2}", 0, JSONIN_ERR_DUPLICATE);
	must_fail("{\"x\":{\"a\":[1],\"a\":[2]}}", 0, JSONIN_ERR_DUPLICATE);
	must_fail("[{\"a\":1,\"a\":null}]", JSONIN_ALLOW_ARRAY,
	    JSONIN_ERR_DUPLICATE);
	/* The same key however it is spelled. */
	must_fail("{\"a\":1,\"\\u0061\":2}", 0, JSONIN_ERR_DUPLICATE);
	must_fail("{'a':1,\"a\":2}", 0, JSONIN_ERR_DUPLICATE);
	/* A conflict inside a value that a later duplicate replaces. */
	must_fail("{\"a\":{\"x\":1,\"x\":2},\"a\":{\"x\":2}}", 0,
	    JSONIN_ERR_DUPLICATE);
	/* 1 and 1.0 are different JSON values. */
	must_fail("{\"a\":1,\"a\":1.0}", 0, JSONIN_ERR_DUPLICATE);
}

Test(jsonin, identical_duplicate_keys_accepted)
{
	struct json_object *o;

	o = must_parse("{\"a\":1,\"a\":1}", 0);
	cr_assert_eq(json_object_object_length(o), 1);
	cr_assert_eq(json_object_get_int64(fx_data_get(o, "a")), 1);
	json_object_put(o);

	must_accept("{\"a\":{\"x\":[1,2],\"y\":'s'},\"b\":0,"
		    "\"a\" : { \"y\" : \"s\", \"x\" : [ 1 , 2 ] } }",
	    0, 2);

	must_accept("{\"a\":null,\"\\u0061\":null}", 0, -1);
}

Test(jsonin, keys_in_different_objects_are_not_duplicates)
{
	must_accept("{\"x\":{\"a\":1},\"y\":{\"a\":2},\"a\":3}", 0, -1);
	must_accept("[{\"a\":1},{\"a\":2}]", JSONIN_ALLOW_ARRAY, -1);
	/* Quotes, braces and colons inside strings are not structure. */
	must_accept("{\"a\":\"}{\\\",'\",\"b\":'\"a\":1,\"a\":2',"
		    "\"c\":[\"a\",\"a\"]}",
	    0, 3);
	/* Comments are skipped by json-c and by the duplicate scan. */
	must_accept("/* {\"a\":1} */ {\"a\" /* , \"a\":2 */ : 1} // x", 0, -1);
}

Test(jsonin, proto_keys_dropped_at_any_depth)
{
	struct json_object *o, *pm, *j, *v;

	/* The Loom UI's form parser on Node 12+ posts exactly this. */
	o = must_parse(
	    "{\"name\":\"x\",\"providermap\":{\"joyent\":{"
	    "\"flavor\":\"2GB\",\"__proto__\":{}},\"__proto__\":{}},"
	    "\"__proto__\":{}}",
	    0);
	cr_assert_str_eq(json_object_to_json_string_ext(o,
			     JSON_C_TO_STRING_PLAIN),
	    "{\"name\":\"x\",\"providermap\":{"
	    "\"joyent\":{\"flavor\":\"2GB\"}}}");
	cr_assert(json_object_object_get_ex(o, "providermap", &pm));
	cr_assert(json_object_object_get_ex(pm, "joyent", &j));
	cr_assert(!json_object_object_get_ex(j, "__proto__", &v));
	json_object_put(o);
	/* Inside arrays, with any value, given twice: still absent. */
	o = must_parse(
	    "{\"a\":[{\"__proto__\":{\"b\":1},\"c\":2},[{"
	    "'__proto__':[1]}]],\"__proto__\":1,\"__proto__\":\"x\"}",
	    0);
	cr_assert_str_eq(json_object_to_json_string_ext(o,
			     JSON_C_TO_STRING_PLAIN),
	    "{\"a\":[{\"c\":2},[{}]]}");
	json_object_put(o);
	/* Only that exact key: look-alikes stay. */
	must_accept("{\"__proto\":1,\"proto__\":2,\"__PROTO__\":3}", 0, 3);
	/* Dropping never makes bad input good. */
	must_fail("{\"__proto__\":{}", 0, JSONIN_ERR_SYNTAX);
}

Test(jsonin, single_quoted_strings_accepted)
{
	struct json_object *o, *v;

	/* LoomClusterHandlerTest.testClusterProlong sends exactly this. */
	o = must_parse("{'expireTime' : 22000}", 0);
	cr_assert(json_object_object_get_ex(o, "expireTime", &v));
	cr_assert(json_object_is_type(v, json_type_int));
	cr_assert_eq(json_object_get_int64(v), 22000);
	json_object_put(o);

	o = must_parse("{'name':'it\"s'}", 0);
	cr_assert_str_eq(json_object_get_string(fx_data_get(o, "name")),
	    "it\"s");
	json_object_put(o);
}

Test(jsonin, body_need_not_be_nul_terminated)
{
	static const char text[] = "{\"a\":1}GARBAGE";
	struct json_object *o = NULL;
	char err[LOOMD_ERR_LEN];
	char *buf;

	/* Exactly 7 bytes on the heap: ASan catches any read past them. */
	buf = malloc(7);
	cr_assert_not_null(buf);
	memcpy(buf, text, 7);
	cr_assert_eq(jsonin_parse(buf, 7, 0, &o, NULL, err), 0, "%s", err);
	cr_assert_eq(json_object_get_int64(fx_data_get(o, "a")), 1);
	json_object_put(o);
	/* The same bytes with the garbage counted in are refused. */
	cr_assert_eq(jsonin_parse(text, strlen(text), 0, &o, NULL, err), -1);
	free(buf);
}

Test(jsonin, integer_literals_json_c_would_saturate_refused)
{
	struct json_object *o;

	must_fail("{\"a\":123456789012345678901234}", 0, JSONIN_ERR_SYNTAX);
	must_fail("{\"a\":18446744073709551616}", 0, JSONIN_ERR_SYNTAX);
	must_fail("{\"a\":-9223372036854775809}", 0, JSONIN_ERR_SYNTAX);
	o = must_parse(
	    "{\"a\":-9223372036854775808,"
	    "\"b\":18446744073709551615,\"c\":000000000000000000000001}",
	    0);
	cr_assert_eq(json_object_get_int64(fx_data_get(o, "a")), INT64_MIN);
	cr_assert_eq(json_object_get_uint64(fx_data_get(o, "b")), UINT64_MAX);
	json_object_put(o);
}

Test(jsonin, get_int64_accepts_numbers_as_strings)
{
	static const struct {
		const char *key;
		int64_t want;
	} rows[] = {
		{ "i", 5 },
		{ "s", 5 },
		{ "neg", -3 },
		{ "d", 5 },
		{ "sd", 5 },
		{ "e", 1000 },
		{ "big", INT64_MAX },
	};
	struct json_object *o;
	char err[LOOMD_ERR_LEN];
	int64_t x;
	size_t i;

	o = must_parse(
	    "{\"i\":5,\"s\":\"5\",\"neg\":\"-3\",\"d\":5.0,"
	    "\"sd\":\"5.0\",\"e\":\"1e3\",\"big\":9223372036854775807}",
	    0);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		x = 0;
		cr_assert_eq(jsonin_get_int64(o, rows[i].key, &x, err),
		    JSONIN_OK, "%s: %s", rows[i].key, err);
		cr_assert_eq(x, rows[i].want, "%s: %" PRId64, rows[i].key, x);
	}
	json_object_put(o);
}

Test(jsonin, get_int64_absent_and_bad_type_differ)
{
	static const char *bad[] = { "str", "t", "obj", "arr", "frac", "sfrac",
		"empty", "space", "huge", "nan", "hex", NULL };
	struct json_object *o;
	char err[LOOMD_ERR_LEN];
	int64_t x = 42;
	int i;

	o = must_parse(
	    "{\"n\":null,\"str\":\"abc\",\"t\":true,\"obj\":{},"
	    "\"arr\":[1],\"frac\":1.5,\"sfrac\":\"1.5\",\"empty\":\"\","
	    "\"space\":\" 5\",\"huge\":18446744073709551615,\"nan\":NaN,"
	    "\"hex\":\"0x10\"}",
	    0);
	cr_assert_eq(jsonin_get_int64(o, "missing", &x, err), JSONIN_ABSENT);
	cr_assert_str_eq(err, "missing is missing");
	cr_assert_eq(jsonin_get_int64(o, "n", &x, err), JSONIN_ABSENT);
	for (i = 0; bad[i] != NULL; i++) {
		err[0] = '\0';
		cr_assert_eq(jsonin_get_int64(o, bad[i], &x, err),
		    JSONIN_BADTYPE, "%s accepted", bad[i]);
		cr_assert(strstr(err, "must be") != NULL, "%s", err);
	}
	cr_assert_eq(x, 42, "out written on failure");
	/* err may be NULL; obj may be NULL or not an object. */
	cr_assert_eq(jsonin_get_int64(o, "str", &x, NULL), JSONIN_BADTYPE);
	cr_assert_eq(jsonin_get_int64(NULL, "a", &x, NULL), JSONIN_ABSENT);
	json_object_put(o);
}

Test(jsonin, get_int_is_java_int_range)
{
	struct json_object *o;
	int x = 0;

	o = must_parse("{\"max\":2147483647,\"over\":2147483648,"
		       "\"min\":\"-2147483648\",\"under\":\"-2147483649\"}",
	    0);
	cr_assert_eq(jsonin_get_int(o, "max", &x, NULL), JSONIN_OK);
	cr_assert_eq(x, INT_MAX);
	cr_assert_eq(jsonin_get_int(o, "min", &x, NULL), JSONIN_OK);
	cr_assert_eq(x, INT_MIN);
	cr_assert_eq(jsonin_get_int(o, "over", &x, NULL), JSONIN_BADTYPE);
	cr_assert_eq(jsonin_get_int(o, "under", &x, NULL), JSONIN_BADTYPE);
	json_object_put(o);
}

Test(jsonin, get_string_takes_scalars_as_text)
{
	struct json_object *o;
	char err[LOOMD_ERR_LEN];
	const char *s;

	o = must_parse("{\"s\":\"w1\",\"i\":6,\"d\":1.50,\"b\":true,"
		       "\"n\":null,\"o\":{},\"a\":[]}",
	    0);
	cr_assert_eq(jsonin_get_string(o, "s", &s, err), JSONIN_OK);
	cr_assert_str_eq(s, "w1");
	cr_assert_eq(jsonin_get_string(o, "i", &s, err), JSONIN_OK);
	cr_assert_str_eq(s, "6");
	cr_assert_eq(jsonin_get_string(o, "d", &s, err), JSONIN_OK);
	cr_assert_str_eq(s, "1.50");
	cr_assert_eq(jsonin_get_string(o, "b", &s, err), JSONIN_OK);
	cr_assert_str_eq(s, "true");
	cr_assert_eq(jsonin_get_string(o, "n", &s, err), JSONIN_ABSENT);
	cr_assert_eq(jsonin_get_string(o, "x", &s, err), JSONIN_ABSENT);
	cr_assert_str_eq(err, "x is missing");
	cr_assert_eq(jsonin_get_string(o, "o", &s, err), JSONIN_BADTYPE);
	cr_assert_str_eq(err, "o must be a string");
	cr_assert_eq(jsonin_get_string(o, "a", &s, err), JSONIN_BADTYPE);
	json_object_put(o);
}

Test(jsonin, get_object_and_array)
{
	struct json_object *o, *v;

	o = must_parse("{\"o\":{\"k\":1},\"a\":[1],\"n\":null,\"s\":\"x\"}",
	    0);
	cr_assert_eq(jsonin_get_object(o, "o", &v, NULL), JSONIN_OK);
	cr_assert(json_object_is_type(v, json_type_object));
	cr_assert_eq(jsonin_get_array(o, "a", &v, NULL), JSONIN_OK);
	cr_assert(json_object_is_type(v, json_type_array));
	cr_assert_eq(jsonin_get_object(o, "a", &v, NULL), JSONIN_BADTYPE);
	cr_assert_eq(jsonin_get_array(o, "o", &v, NULL), JSONIN_BADTYPE);
	cr_assert_eq(jsonin_get_object(o, "s", &v, NULL), JSONIN_BADTYPE);
	cr_assert_eq(jsonin_get_object(o, "n", &v, NULL), JSONIN_ABSENT);
	cr_assert_eq(jsonin_get_array(o, "none", &v, NULL), JSONIN_ABSENT);
	json_object_put(o);
}

Test(jsonin, copy_keeps_number_text)
{
	struct json_object *o, *c;

	o = must_parse("{\"d\":1.50,\"a\":[1,'x',{\"b\":null}]}", 0);
	c = jsonx_copy(o);
	cr_assert(c != o);
	cr_assert(json_object_equal(o, c));
	cr_assert_str_eq(json_object_to_json_string_ext(c,
			     JSON_C_TO_STRING_PLAIN),
	    "{\"d\":1.50,\"a\":[1,\"x\",{\"b\":null}]}");
	json_object_put(o);
	json_object_put(c);
	cr_assert_null(jsonx_copy(NULL));
}

/* Big body of n copies of the member text m, wrapped in {...}. */
static char *
repeat_members(const char *first, const char *m, size_t n, size_t *len)
{
	size_t fl = strlen(first), ml = strlen(m), i;
	char *s, *p;

	s = malloc(fl + n * (ml + 1) + 3);
	cr_assert_not_null(s);
	p = s;
	*p++ = '{';
	memcpy(p, first, fl);
	p += fl;
	for (i = 0; i < n; i++) {
		*p++ = ',';
		memcpy(p, m, ml);
		p += ml;
	}
	*p++ = '}';
	*p = '\0';
	*len = (size_t)(p - s);
	return s;
}

Test(jsonin, duplicate_scan_is_linear, .timeout = 20)
{
	struct json_object *o = NULL;
	char err[LOOMD_ERR_LEN], *s, *first;
	size_t len, pad = 1000000, i;

	/*
	 * A first value padded with 1 MB of spaces, then 20000 identical
	 * duplicates: comparing each against the first occurrence would
	 * re-read the padding 20000 times (20 GB); comparing against the
	 * previous occurrence reads it twice.
	 */
	first = malloc(pad + 32);
	cr_assert_not_null(first);
	strcpy(first, "\"k\":[1,");
	for (i = 0; i < pad; i++)
		first[7 + i] = ' ';
	strcpy(first + 7 + pad, "2]");
	s = repeat_members(first, "\"k\":[1,2]", 20000, &len);
	cr_assert_eq(jsonin_parse(s, len, 0, &o, NULL, err), 0, "%s", err);
	cr_assert_eq(json_object_object_length(o), 1);
	json_object_put(o);
	free(s);
	free(first);
}
