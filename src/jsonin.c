/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jsonin.c - request-body JSON input.  json-c's tokener (non-strict, depth
 * limited) does the parsing.  A second, linear pass over the text json-c has
 * just accepted (jsonin_scan_*) checks what json-c does not: it finds every
 * object key, so that a key given twice with different values is an error
 * (json-c silently keeps the last one), validates UTF-8 strictly (json-c's
 * JSON_TOKENER_VALIDATE_UTF8 lets surrogates, overlong forms and code points
 * above U+10FFFF through), rejects "\u0000" (json-c would truncate keys and
 * C strings at it) and integer literals that json-c would silently saturate.
 * The pass only tokenises; it never builds values except to compare the two
 * values of a repeated key, each value being parsed at most twice.
 */
#include "config.h"

#include "jsonin.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonx.h"

/* State of the duplicate-key / UTF-8 pass over a NUL-terminated body. */
struct jsonin_scan {
	const char *buf;
	size_t len;
	struct json_tokener *tok; /* decodes escaped keys, repeated values */
	enum jsonin_error why;
	char *err;
};

static int jsonin_scan_value(struct jsonin_scan *, size_t *, int);

/* Set the failure class and message of a scan. */
static int LOOMD_PRINTF(3, 4) jsonin_scan_fail(struct jsonin_scan *s,
    enum jsonin_error why, const char *fmt, ...)
{
	va_list ap;

	s->why = why;
	va_start(ap, fmt);
	vsnprintf(s->err, LOOMD_ERR_LEN, fmt, ap);
	va_end(ap);
	return -1;
}

/* JSON whitespace (what json-c skips between tokens). */
static int
jsonin_is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Skip whitespace and comments exactly as json-c 0.16 does in non-strict
 * mode, so that the scan sees the same tokens json-c saw.  Its block
 * comments do not end at every "*" "/": after a '*' any other character,
 * even another '*', is consumed and the search for '*' starts again, so
 * "/" "* **" "/" is not closed by its last two characters.
 */
static int
jsonin_scan_ws(struct jsonin_scan *s, size_t *p)
{
	size_t i = *p;

	while (i < s->len) {
		if (jsonin_is_ws(s->buf[i])) {
			i++;
		} else if (s->buf[i] == '/' && s->buf[i + 1] == '*') {
			i += 2;
			for (;;) {
				while (i < s->len && s->buf[i] != '*')
					i++;
				if (i + 1 >= s->len)
					return jsonin_scan_fail(s,
					    JSONIN_ERR_SYNTAX,
					    "malformed JSON: "
					    "unterminated comment");
				i += 2;
				if (s->buf[i - 1] == '/')
					break;
			}
		} else if (s->buf[i] == '/' && s->buf[i + 1] == '/') {
			while (i < s->len && s->buf[i] != '\n')
				i++;
		} else
			break;
	}
	*p = i;
	return 0;
}

/*
 * Length of the valid UTF-8 sequence starting at the non-ASCII byte u[0]
 * (at most avail bytes), or 0 if it is invalid: strict RFC 3629, so no
 * overlong forms, no surrogates, nothing above U+10FFFF.
 */
static size_t
jsonin_utf8_len(const unsigned char *u, size_t avail)
{
	size_t n, k;
	unsigned int cp, min;

	if (u[0] >= 0xc2 && u[0] <= 0xdf) {
		n = 2;
		cp = u[0] & 0x1f;
		min = 0x80;
	} else if (u[0] >= 0xe0 && u[0] <= 0xef) {
		n = 3;
		cp = u[0] & 0x0f;
		min = 0x800;
	} else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
		n = 4;
		cp = u[0] & 0x07;
		min = 0x10000;
	} else
		return 0;
	if (n > avail)
		return 0;
	for (k = 1; k < n; k++) {
		if ((u[k] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (u[k] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/*
 * Scan the string starting at the quote at *p (json-c accepts '...' as well
 * as "..."); *p moves past the closing quote.  *escaped tells whether it
 * holds a backslash escape.
 */
static int
jsonin_scan_string(struct jsonin_scan *s, size_t *p, int *escaped)
{
	const unsigned char *u = (const unsigned char *)s->buf;
	char quote = s->buf[*p];
	size_t i = *p + 1, n;

	*escaped = 0;
	while (i < s->len && s->buf[i] != quote) {
		if (s->buf[i] == '\\') {
			if (i + 1 >= s->len)
				break;
			if (s->buf[i + 1] == 'u' && i + 5 < s->len &&
			    memcmp(s->buf + i + 2, "0000", 4) == 0)
				return jsonin_scan_fail(s, JSONIN_ERR_SYNTAX,
				    "malformed JSON: \\u0000 in a string at "
				    "offset %zu",
				    i);
			*escaped = 1;
			i += 2;
		} else if (u[i] >= 0x80) {
			n = jsonin_utf8_len(u + i, s->len - i);
			if (n == 0)
				return jsonin_scan_fail(s, JSONIN_ERR_SYNTAX,
				    "malformed JSON: invalid UTF-8 at offset "
				    "%zu",
				    i);
			i += n;
		} else
			i++;
	}
	if (i >= s->len)
		return jsonin_scan_fail(s, JSONIN_ERR_SYNTAX,
		    "malformed JSON: unterminated string");
	*p = i + 1;
	return 0;
}

/* Characters json-c takes into a bare literal (numbers, true, NaN, ...). */
static int
jsonin_is_literal_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || c == '+' || c == '-' || c == '.';
}

/*
 * Scan a bare literal.  An integer literal outside what json-c stores
 * (int64, or uint64 when positive) is refused: json-c would silently
 * saturate it.
 */
static int
jsonin_scan_literal(struct jsonin_scan *s, size_t *p)
{
	static const char *int64_min = "9223372036854775808";
	static const char *uint64_max = "18446744073709551615";
	const char *lit = s->buf + *p, *d, *limit;
	size_t i = *p, n, k, nlimit;

	while (i < s->len && jsonin_is_literal_char(s->buf[i]))
		i++;
	n = i - *p;
	if (n == 0)
		return jsonin_scan_fail(s, JSONIN_ERR_SYNTAX,
		    "malformed JSON: unexpected character at offset %zu", i);

	d = lit;
	limit = uint64_max;
	if (*d == '-') {
		d++;
		limit = int64_min;
	}
	for (k = d - lit; k < n; k++) {
		if (lit[k] < '0' || lit[k] > '9')
			break;
	}
	if (k == n && d < lit + n) {
		while (*d == '0' && d < lit + n - 1)
			d++;
		nlimit = strlen(limit);
		if ((size_t)(lit + n - d) > nlimit ||
		    ((size_t)(lit + n - d) == nlimit &&
			memcmp(d, limit, nlimit) > 0))
			return jsonin_scan_fail(s, JSONIN_ERR_SYNTAX,
			    "malformed JSON: integer out of range at offset "
			    "%zu",
			    *p);
	}
	*p = i;
	return 0;
}

/*
 * Parse the text buf[from, to) on its own (a key or a value json-c already
 * accepted as part of the body).  Returns 0 and *out (NULL for null), or -1.
 */
static int
jsonin_scan_parse(struct jsonin_scan *s, size_t from, size_t to,
    struct json_object **out)
{
	char *copy;
	size_t n = to - from;

	copy = xmalloc(n + 1);
	memcpy(copy, s->buf + from, n);
	copy[n] = '\0';
	json_tokener_reset(s->tok);
	*out = json_tokener_parse_ex(s->tok, copy, (int)n + 1);
	free(copy);
	if (json_tokener_get_error(s->tok) != json_tokener_success) {
		json_object_put(*out);
		*out = NULL;
		return jsonin_scan_fail(s, JSONIN_ERR_SYNTAX,
		    "malformed JSON at offset %zu", from);
	}
	return 0;
}

/* Decoded text of the key whose quoted form is buf[from, to). */
static char *
jsonin_scan_key(struct jsonin_scan *s, size_t from, size_t to, int escaped)
{
	struct json_object *o;
	char *key;

	if (!escaped)
		return xstrndup(s->buf + from + 1, to - from - 2);
	if (jsonin_scan_parse(s, from, to, &o) != 0)
		return NULL;
	if (!json_object_is_type(o, json_type_string)) {
		json_object_put(o);
		jsonin_scan_fail(s, JSONIN_ERR_SYNTAX,
		    "malformed JSON: bad key at offset %zu", from);
		return NULL;
	}
	key = xstrdup(json_object_get_string(o));
	json_object_put(o);
	return key;
}

/*
 * Key seen again in the same object: its previous value was at
 * buf[prev >> 32, prev & 0xffffffff), the new one at [from, to).  Accept
 * only if both values are equal as JSON trees.
 */
static int
jsonin_scan_repeat(struct jsonin_scan *s, const char *key, int64_t prev,
    size_t from, size_t to)
{
	struct json_object *a = NULL, *b = NULL;
	int equal;

	if (jsonin_scan_parse(s, (size_t)(prev >> 32),
		(size_t)(prev & 0xffffffff), &a) != 0)
		return -1;
	if (jsonin_scan_parse(s, from, to, &b) != 0) {
		json_object_put(a);
		return -1;
	}
	equal = json_object_equal(a, b);
	json_object_put(a);
	json_object_put(b);
	if (!equal)
		return jsonin_scan_fail(s, JSONIN_ERR_DUPLICATE,
		    "duplicate key \"%.64s\" with different values at "
		    "offset %zu",
		    key, from);
	return 0;
}

/* Scan an object starting at the '{' at *p. */
static int
jsonin_scan_object(struct jsonin_scan *s, size_t *p, int depth)
{
	struct json_object *seen, *prev;
	size_t i = *p + 1, ks, ke, vs;
	int escaped, rc = -1;
	char *key = NULL;

	seen = jsonx_new_object();
	for (;;) {
		if (jsonin_scan_ws(s, &i) != 0)
			goto fail;
		if (s->buf[i] == '}')
			break;
		if (s->buf[i] != '"' && s->buf[i] != '\'') {
			jsonin_scan_fail(s, JSONIN_ERR_SYNTAX,
			    "malformed JSON: key expected at offset %zu", i);
			goto fail;
		}
		ks = i;
		if (jsonin_scan_string(s, &i, &escaped) != 0)
			goto fail;
		ke = i;
		if (jsonin_scan_ws(s, &i) != 0)
			goto fail;
		if (s->buf[i] != ':') {
			jsonin_scan_fail(s, JSONIN_ERR_SYNTAX,
			    "malformed JSON: ':' expected at offset %zu", i);
			goto fail;
		}
		i++;
		if (jsonin_scan_ws(s, &i) != 0)
			goto fail;
		vs = i;
		if (jsonin_scan_value(s, &i, depth + 1) != 0)
			goto fail;
		if ((key = jsonin_scan_key(s, ks, ke, escaped)) == NULL)
			goto fail;
		if (strcmp(key, JSONIN_DROPPED_KEY) != 0 &&
		    json_object_object_get_ex(seen, key, &prev) &&
		    jsonin_scan_repeat(s, key, json_object_get_int64(prev), vs,
			i) != 0)
			goto fail;
		/* Remember the latest value: each is compared at most twice. */
		jsonx_set(seen, key,
		    jsonx_new_int64(((int64_t)vs << 32) | (int64_t)i));
		free(key);
		key = NULL;
		if (jsonin_scan_ws(s, &i) != 0)
			goto fail;
		if (s->buf[i] == ',') {
			i++;
			continue;
		}
		if (s->buf[i] != '}') {
			jsonin_scan_fail(s, JSONIN_ERR_SYNTAX,
			    "malformed JSON: ',' or '}' expected at offset %zu",
			    i);
			goto fail;
		}
		break;
	}
	*p = i + 1;
	rc = 0;
fail:
	free(key);
	json_object_put(seen);
	return rc;
}

/* Scan an array starting at the '[' at *p. */
static int
jsonin_scan_array(struct jsonin_scan *s, size_t *p, int depth)
{
	size_t i = *p + 1;

	for (;;) {
		if (jsonin_scan_ws(s, &i) != 0)
			return -1;
		if (s->buf[i] == ']')
			break;
		if (jsonin_scan_value(s, &i, depth + 1) != 0)
			return -1;
		if (jsonin_scan_ws(s, &i) != 0)
			return -1;
		if (s->buf[i] == ',') {
			i++;
			continue;
		}
		if (s->buf[i] != ']')
			return jsonin_scan_fail(s, JSONIN_ERR_SYNTAX,
			    "malformed JSON: ',' or ']' expected at offset "
			    "%zu",
			    i);
		break;
	}
	*p = i + 1;
	return 0;
}

/* Scan one value at *p; depth counts the containers around it. */
static int
jsonin_scan_value(struct jsonin_scan *s, size_t *p, int depth)
{
	int escaped;

	if (*p >= s->len)
		return jsonin_scan_fail(s, JSONIN_ERR_SYNTAX,
		    "malformed JSON: unexpected end of data");
	switch (s->buf[*p]) {
	case '{':
	case '[':
		if (depth > JSONIN_MAX_DEPTH)
			return jsonin_scan_fail(s, JSONIN_ERR_SYNTAX,
			    "malformed JSON: nesting deeper than %d",
			    JSONIN_MAX_DEPTH);
		if (s->buf[*p] == '{')
			return jsonin_scan_object(s, p, depth);
		return jsonin_scan_array(s, p, depth);
	case '"':
	case '\'':
		return jsonin_scan_string(s, p, &escaped);
	default:
		return jsonin_scan_literal(s, p);
	}
}

/*
 * Remove every member named JSONIN_DROPPED_KEY from o, at any depth (the
 * recursion is bounded by JSONIN_MAX_DEPTH).
 */
static void
jsonin_drop_keys(struct json_object *o)
{
	struct lh_entry *e;
	size_t i;

	if (json_object_is_type(o, json_type_array)) {
		for (i = 0; i < json_object_array_length(o); i++)
			jsonin_drop_keys(json_object_array_get_idx(o, i));
		return;
	}
	if (!json_object_is_type(o, json_type_object))
		return;
	json_object_object_del(o, JSONIN_DROPPED_KEY);
	for (e = json_object_get_object(o)->head; e != NULL; e = e->next)
		jsonin_drop_keys((struct json_object *)lh_entry_v(e));
}

int
jsonin_parse(const void *buf, size_t len, int flags, struct json_object **out,
    enum jsonin_error *why, char err[LOOMD_ERR_LEN])
{
	struct jsonin_scan s = { .err = err, .why = JSONIN_ERR_NONE };
	struct json_tokener *tok = NULL;
	struct json_object *obj = NULL;
	enum json_tokener_error jerr;
	enum json_type type;
	const char *bytes = buf;
	char *copy = NULL;
	size_t i, end;

	*out = NULL;
	err[0] = '\0';
	for (i = 0; i < len && jsonin_is_ws(bytes[i]); i++)
		;
	if (i == len) {
		jsonin_scan_fail(&s, JSONIN_ERR_EMPTY, "empty body");
		goto fail;
	}
	if (len >= INT_MAX) {
		jsonin_scan_fail(&s, JSONIN_ERR_SYNTAX, "body too large");
		goto fail;
	}
	if (memchr(bytes, '\0', len) != NULL) {
		jsonin_scan_fail(&s, JSONIN_ERR_SYNTAX,
		    "malformed JSON: NUL byte at offset %zu",
		    (size_t)((const char *)memchr(bytes, '\0', len) - bytes));
		goto fail;
	}
	copy = xmalloc(len + 1);
	memcpy(copy, bytes, len);
	copy[len] = '\0';

	tok = json_tokener_new_ex(JSONIN_MAX_DEPTH);
	if (tok == NULL)
		fatalx("%s: out of memory", __func__);
	json_tokener_set_flags(tok, JSON_TOKENER_VALIDATE_UTF8);
	/* Passing the NUL too tells json-c the input ends there. */
	obj = json_tokener_parse_ex(tok, copy, (int)len + 1);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (jerr != json_tokener_success) {
		jsonin_scan_fail(&s, JSONIN_ERR_SYNTAX,
		    "malformed JSON: %s at offset %zu",
		    json_tokener_error_desc(jerr), end);
		goto fail;
	}
	while (end < len && jsonin_is_ws(copy[end]))
		end++;
	if (end < len) {
		jsonin_scan_fail(&s, JSONIN_ERR_SYNTAX,
		    "malformed JSON: trailing garbage at offset %zu", end);
		goto fail;
	}
	/*
	 * The scan runs before anything else looks at obj: when the input ends
	 * inside a comment, json-c 0.16 reports success and returns the value
	 * it was reading (an object cut off that way yields its last member's
	 * value), which the scan refuses.
	 */
	s.buf = copy;
	s.len = len;
	s.tok = tok;
	i = 0;
	if (jsonin_scan_ws(&s, &i) != 0 || jsonin_scan_value(&s, &i, 1) != 0 ||
	    jsonin_scan_ws(&s, &i) != 0)
		goto fail;
	if (i < len) {
		jsonin_scan_fail(&s, JSONIN_ERR_SYNTAX,
		    "malformed JSON: trailing garbage at offset %zu", i);
		goto fail;
	}
	if (obj == NULL) {
		/* A lone "null": Gson gave null, as for an empty body. */
		jsonin_scan_fail(&s, JSONIN_ERR_EMPTY, "empty body");
		goto fail;
	}
	type = json_object_get_type(obj);
	if (type != json_type_object &&
	    !(type == json_type_array && (flags & JSONIN_ALLOW_ARRAY)) &&
	    !(type != json_type_array && (flags & JSONIN_ALLOW_SCALAR))) {
		jsonin_scan_fail(&s, JSONIN_ERR_TOP_LEVEL,
		    "body must be a JSON object");
		goto fail;
	}
	jsonin_drop_keys(obj);

	json_tokener_free(tok);
	free(copy);
	*out = obj;
	return 0;
fail:
	if (why != NULL)
		*why = s.why;
	json_object_put(obj);
	if (tok != NULL)
		json_tokener_free(tok); /* not NULL-safe in json-c 0.16 */
	free(copy);
	return -1;
}

/*
 * Integer in a string, as Gson's nextInt()/nextLong() read one: a decimal
 * integer, or a number with an integral value ("5.0", "1e3").
 */
static int
jsonin_text_int64(const char *s, int64_t *out)
{
	const char *c;
	char *end;
	long long ll;
	double d;

	if (*s == '\0')
		return -1;
	for (c = s; *c != '\0'; c++) {
		if (strchr("0123456789+-.eE", *c) == NULL)
			return -1;
	}
	errno = 0;
	ll = strtoll(s, &end, 10);
	if (*end == '\0' && errno == 0) {
		*out = ll;
		return 0;
	}
	errno = 0;
	d = strtod(s, &end);
	if (*end != '\0' || errno != 0 || !isfinite(d) || d != floor(d) ||
	    d < -9223372036854775808.0 || d >= 9223372036854775808.0)
		return -1;
	*out = (int64_t)d;
	return 0;
}

enum jsonin_get
jsonin_value_int64(struct json_object *v, int64_t min, int64_t max,
    int64_t *out)
{
	int64_t x;
	double d;

	if (v == NULL || json_object_is_type(v, json_type_null))
		return JSONIN_ABSENT;
	switch (json_object_get_type(v)) {
	case json_type_int:
		x = json_object_get_int64(v);
		if (x == INT64_MAX &&
		    json_object_get_uint64(v) > (uint64_t)INT64_MAX)
			return JSONIN_BADTYPE;
		break;
	case json_type_double:
		d = json_object_get_double(v);
		if (!isfinite(d) || d != floor(d) ||
		    d < -9223372036854775808.0 || d >= 9223372036854775808.0)
			return JSONIN_BADTYPE;
		x = (int64_t)d;
		break;
	case json_type_string:
		if (jsonin_text_int64(json_object_get_string(v), &x) != 0)
			return JSONIN_BADTYPE;
		break;
	default:
		return JSONIN_BADTYPE;
	}
	if (x < min || x > max)
		return JSONIN_BADTYPE;
	*out = x;
	return JSONIN_OK;
}

enum jsonin_get
jsonin_value_string(struct json_object *v, const char **out)
{
	const char *s;

	if (v == NULL || json_object_is_type(v, json_type_null))
		return JSONIN_ABSENT;
	switch (json_object_get_type(v)) {
	case json_type_string:
		s = json_object_get_string(v);
		/* An embedded NUL would silently cut the C string. */
		if (strlen(s) != (size_t)json_object_get_string_len(v))
			return JSONIN_BADTYPE;
		break;
	case json_type_int:
	case json_type_double:
	case json_type_boolean:
		s = json_object_get_string(v);
		break;
	default:
		return JSONIN_BADTYPE;
	}
	*out = s;
	return JSONIN_OK;
}

/* Fill err for a getter that did not return JSONIN_OK. */
static enum jsonin_get
jsonin_get_result(enum jsonin_get r, const char *key, const char *what,
    char err[LOOMD_ERR_LEN])
{
	if (err == NULL || r == JSONIN_OK)
		return r;
	if (r == JSONIN_ABSENT)
		snprintf(err, LOOMD_ERR_LEN, "%.128s is missing", key);
	else
		snprintf(err, LOOMD_ERR_LEN, "%.128s must be %s", key, what);
	return r;
}

enum jsonin_get
jsonin_get_int64(struct json_object *obj, const char *key, int64_t *out,
    char err[LOOMD_ERR_LEN])
{
	return jsonin_get_result(jsonin_value_int64(jsonx_get(obj, key),
				     INT64_MIN, INT64_MAX, out),
	    key, "an integer", err);
}

enum jsonin_get
jsonin_get_int(struct json_object *obj, const char *key, int *out,
    char err[LOOMD_ERR_LEN])
{
	enum jsonin_get r;
	int64_t x;

	r = jsonin_value_int64(jsonx_get(obj, key), INT_MIN, INT_MAX, &x);
	if (r == JSONIN_OK)
		*out = (int)x;
	return jsonin_get_result(r, key, "an integer in int range", err);
}

enum jsonin_get
jsonin_get_string(struct json_object *obj, const char *key, const char **out,
    char err[LOOMD_ERR_LEN])
{
	return jsonin_get_result(jsonin_value_string(jsonx_get(obj, key), out),
	    key, "a string", err);
}

/* Getter for a container field of the given json-c type. */
static enum jsonin_get
jsonin_get_typed(struct json_object *obj, const char *key, enum json_type t,
    struct json_object **out)
{
	struct json_object *v = jsonx_get(obj, key);

	if (v == NULL || json_object_is_type(v, json_type_null))
		return JSONIN_ABSENT;
	if (!json_object_is_type(v, t))
		return JSONIN_BADTYPE;
	*out = v;
	return JSONIN_OK;
}

enum jsonin_get
jsonin_get_object(struct json_object *obj, const char *key,
    struct json_object **out, char err[LOOMD_ERR_LEN])
{
	return jsonin_get_result(jsonin_get_typed(obj, key, json_type_object,
				     out),
	    key, "an object", err);
}

enum jsonin_get
jsonin_get_array(struct json_object *obj, const char *key,
    struct json_object **out, char err[LOOMD_ERR_LEN])
{
	return jsonin_get_result(jsonin_get_typed(obj, key, json_type_array,
				     out),
	    key, "an array", err);
}
