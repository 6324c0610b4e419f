/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_jsonsplice_escape.c - unit tests of the one JSON string escaper
 * (jsonsplice_put_escaped, jsonsplice_put_string) that the read routes,
 * the solver's node text and the plan text share: control characters,
 * quotes, backslash, '/' and UTF-8 bytes are written as json-c writes
 * them without slash escaping, byte for byte; with bf false \b and \f
 * are \u0008 and \u000c, as the plan text writes them; the measure (o
 * NULL) is the length of what is written, at the offset given.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "jsonsplice.h"

#define CANON (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/*
 * The escaped content of s[0, len) with bf, written after a two-byte
 * prefix to check the offset; a new string the caller frees.
 */
static char *
escaped(const char *s, size_t len, bool bf)
{
	size_t n = jsonsplice_put_escaped(NULL, 2, s, len, bf);
	char *o = calloc(1, n + 1);

	cr_assert_not_null(o);
	cr_assert_geq(n, 2 + len, "measured %zu for %zu bytes", n, len);
	memcpy(o, "<>", 2);
	cr_assert_eq(jsonsplice_put_escaped(o, 2, s, len, bf), n,
	    "wrote another length than it measured");
	cr_assert_eq(memcmp(o, "<>", 2), 0, "wrote before the offset");
	memmove(o, o + 2, n - 2);
	o[n - 2] = '\0';
	return o;
}

/* Expect the escaped content of s[0, len) with bf to be want. */
static void
expect_escaped(const char *s, size_t len, bool bf, const char *want)
{
	char *got = escaped(s, len, bf);

	cr_assert_str_eq(got, want, "bf %d", bf);
	free(got);
}

/* The string literal of s as jsonsplice_put_string writes it. */
static char *
literal(const char *s)
{
	size_t n = jsonsplice_put_string(NULL, 0, s);
	char *o = calloc(1, n + 1);

	cr_assert_not_null(o);
	cr_assert_eq(jsonsplice_put_string(o, 0, s), n);
	return o;
}

Test(escape, quotes_backslash_and_slash)
{
	expect_escaped("say \"hi\"", 8, true, "say \\\"hi\\\"");
	expect_escaped("a\\b", 3, true, "a\\\\b");
	expect_escaped("a/b</c>", 7, true, "a/b</c>");
	expect_escaped("\"\\/", 3, false, "\\\"\\\\/");
	expect_escaped("", 0, true, "");
	expect_escaped("plain", 5, false, "plain");
}

Test(escape, control_characters)
{
	expect_escaped("\n\r\t", 3, true, "\\n\\r\\t");
	expect_escaped("\n\r\t", 3, false, "\\n\\r\\t");
	expect_escaped("\b\f", 2, true, "\\b\\f");
	expect_escaped("\b\f", 2, false, "\\u0008\\u000c");
	expect_escaped("\x01\x1f\x0b", 3, true, "\\u0001\\u001f\\u000b");
	expect_escaped("\x1a\x1b", 2, false, "\\u001a\\u001b");
	/* A NUL inside the length is a character like the others. */
	expect_escaped("a\0b", 3, true, "a\\u0000b");
	/* DEL is not a control character to JSON. */
	expect_escaped("\x7f", 1, true, "\x7f");
}

Test(escape, utf8_bytes_pass_through)
{
	/* "é", "€", an emoji, and a lone continuation byte. */
	const char *s = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \x80\xff";

	expect_escaped(s, strlen(s), true, s);
	expect_escaped(s, strlen(s), false, s);
}

Test(escape, each_byte_as_json_c)
{
	char in[4], *got;
	struct json_object *o;
	int c;

	for (c = 1; c < 256; c++) {
		snprintf(in, sizeof in, "x%cy", c);
		o = json_object_new_string(in);
		got = literal(in);
		cr_assert_str_eq(got, json_object_to_json_string_ext(o, CANON),
		    "byte 0x%02x", c);
		free(got);
		json_object_put(o);
	}
}

Test(escape, mixed_text_as_json_c)
{
	const char *s = "task failed: \"quoted\"\n\ttab\\back\x01\x1f\x7f/ "
			"and \b\f\r caf\xc3\xa9";
	struct json_object *o = json_object_new_string(s);
	char *got = literal(s);

	cr_assert_str_eq(got, json_object_to_json_string_ext(o, CANON));
	free(got);
	json_object_put(o);
}

Test(escape, null_is_the_literal_null)
{
	char *got = literal(NULL);

	cr_assert_str_eq(got, "null");
	free(got);
}
