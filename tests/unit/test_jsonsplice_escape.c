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

/* One case: the bytes of a literal (NULs included), bf, the content. */
#define CASE(in, bf, want) \
	{ \
		in, sizeof in - 1, bf, want \
	}

static const struct {
	const char *in;
	size_t len;
	bool bf;
	const char *want;
} cases[] = {
	/* Quotes and backslash escaped; '/' as it is (no slash escaping). */
	CASE("say \"hi\"", true, "say \\\"hi\\\""),
	CASE("a\\b", true, "a\\\\b"),
	CASE("a/b</c>", true, "a/b</c>"),
	CASE("\"\\/", false, "\\\"\\\\/"),
	CASE("", true, ""),
	CASE("plain", false, "plain"),
	/* Control characters: letters where json-c has one, else \u00xx. */
	CASE("\n\r\t", true, "\\n\\r\\t"),
	CASE("\n\r\t", false, "\\n\\r\\t"),
	CASE("\b\f", true, "\\b\\f"),
	CASE("\b\f", false, "\\u0008\\u000c"),
	CASE("\x01\x1f\x0b", true, "\\u0001\\u001f\\u000b"),
	CASE("\x1a\x1b", false, "\\u001a\\u001b"),
	/* A NUL inside the length is a character like the others. */
	CASE("a\0b", true, "a\\u0000b"),
	/* DEL is not a control character to JSON. */
	CASE("\x7f", true, "\x7f"),
	/* UTF-8 ("é", "€", an emoji) and stray high bytes pass through. */
	CASE("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \x80\xff", true,
	    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \x80\xff"),
	CASE("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \x80\xff", false,
	    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \x80\xff"),
};

Test(escape, cases)
{
	size_t i;
	char *got;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		got = escaped(cases[i].in, cases[i].len, cases[i].bf);
		cr_assert_str_eq(got, cases[i].want, "case %zu (bf %d)", i,
		    cases[i].bf);
		free(got);
	}
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
