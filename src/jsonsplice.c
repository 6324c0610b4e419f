/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jsonsplice.c - set top-level members of JSON object text (see
 * jsonsplice.h).  One scan finds the members and checks the structure
 * (strings, nesting, commas and colons); a bare literal is a run of the
 * characters json-c writes in one (numbers, true, false, null, NaN,
 * Infinity) and is copied as it is.  The output is measured, then
 * written into one allocation of its exact size.
 */
#include "config.h"

#include "jsonsplice.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* A value of the object that a member replaces. */
struct jsonsplice_span {
	size_t from, to; /* offsets of the value in the object text */
	size_t member;	 /* index in the members */
};

/* What the top-level scan of jsonsplice_set() collects. */
struct jsonsplice_scan {
	const char *obj; /* the object text */
	const struct jsonsplice_member *m;
	size_t n;
	bool *found;		       /* n flags */
	struct jsonsplice_span *spans; /* in text order */
	size_t nspans, cap;
	size_t nmembers; /* members of the object */
};

/* Called for each member of the scanned object: key and value text. */
typedef void (*jsonsplice_member_fn)(struct jsonsplice_scan *, const char *,
    size_t, const char *, const char *);

static const char *jsonsplice_value(const char *, const char *, int);

static const char *
jsonsplice_ws(const char *p, const char *end)
{
	while (
	    p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* A string at p (its opening quote): the end, or NULL. */
static const char *
jsonsplice_string(const char *p, const char *end)
{
	static const char simple[] = "\"\\/bfnrt";
	int k;

	for (p++; p < end; p++) {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p == '"')
			return p + 1;
		if (*p != '\\')
			continue;
		if (++p == end)
			return NULL;
		if (*p == 'u') {
			for (k = 0; k < 4; k++)
				if (++p == end || !isxdigit((unsigned char)*p))
					return NULL;
		} else if (*p == '\0' || strchr(simple, *p) == NULL)
			return NULL;
	}
	return NULL;
}

/* A bare literal at p: the end of the run, or NULL if it is empty. */
static const char *
jsonsplice_literal(const char *p, const char *end)
{
	const char *q = p;

	while (q < end &&
	    ((*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'z') ||
		(*q >= 'A' && *q <= 'Z') || *q == '+' || *q == '-' ||
		*q == '.'))
		q++;
	return q > p ? q : NULL;
}

/*
 * An array (obj false) or an object at p (its opening bracket), at depth
 * depth: the end, or NULL.  For an object, fn (when not NULL) gets each
 * member's key (without its quotes) and value.
 */
static const char *
jsonsplice_container(const char *p, const char *end, int depth, bool obj,
    jsonsplice_member_fn fn, struct jsonsplice_scan *s)
{
	const char close = obj ? '}' : ']';
	const char *key, *v;
	size_t klen;

	if (depth >= JSONSPLICE_MAX_DEPTH)
		return NULL;
	p = jsonsplice_ws(p + 1, end);
	if (p < end && *p == close)
		return p + 1;
	for (;;) {
		if (obj) {
			key = p;
			if (p == end || *p != '"' ||
			    (p = jsonsplice_string(p, end)) == NULL)
				return NULL;
			klen = (size_t)(p - key) - 2;
			p = jsonsplice_ws(p, end);
			if (p == end || *p++ != ':')
				return NULL;
			v = jsonsplice_ws(p, end);
			if ((p = jsonsplice_value(v, end, depth + 1)) == NULL)
				return NULL;
			if (fn != NULL)
				fn(s, key + 1, klen, v, p);
		} else if ((p = jsonsplice_value(p, end, depth + 1)) == NULL)
			return NULL;
		p = jsonsplice_ws(p, end);
		if (p < end && *p == close)
			return p + 1;
		if (p == end || *p != ',')
			return NULL;
		p = jsonsplice_ws(p + 1, end);
	}
}

/* A value at p (no whitespace before it): its end, or NULL. */
static const char *
jsonsplice_value(const char *p, const char *end, int depth)
{
	if (p == end)
		return NULL;
	switch (*p) {
	case '{':
	case '[':
		return jsonsplice_container(p, end, depth, *p == '{', NULL,
		    NULL);
	case '"':
		return jsonsplice_string(p, end);
	default:
		return jsonsplice_literal(p, end);
	}
}

/*
 * The object of s[0, len), its members given to fn: the offset of its
 * closing brace, or -1 if s is not one object with whitespace around.
 */
static long
jsonsplice_object(const char *s, size_t len, jsonsplice_member_fn fn,
    struct jsonsplice_scan *sc)
{
	const char *end = s + len, *p, *q;

	p = jsonsplice_ws(s, end);
	if (p == end || *p != '{' ||
	    (q = jsonsplice_container(p, end, 0, true, fn, sc)) == NULL ||
	    jsonsplice_ws(q, end) != end)
		return -1;
	return (long)(q - 1 - s);
}

bool
jsonsplice_is_object(const char *s, size_t len)
{
	return jsonsplice_object(s, len, NULL, NULL) >= 0;
}

/* Record a top-level member whose key is one of the members to set. */
static void
jsonsplice_collect(struct jsonsplice_scan *s, const char *key, size_t klen,
    const char *v, const char *vend)
{
	size_t i;

	s->nmembers++;
	for (i = 0; i < s->n; i++) {
		if (strlen(s->m[i].key) != klen ||
		    memcmp(s->m[i].key, key, klen) != 0)
			continue;
		if (s->nspans == s->cap) {
			s->cap = s->cap == 0 ? 4 : s->cap * 2;
			s->spans =
			    xreallocarray(s->spans, s->cap, sizeof *s->spans);
		}
		s->spans[s->nspans].from = (size_t)(v - s->obj);
		s->spans[s->nspans].to = (size_t)(vend - s->obj);
		s->spans[s->nspans++].member = i;
		s->found[i] = true;
		return;
	}
}

size_t
jsonsplice_put(char *o, size_t at, const char *s, size_t len)
{
	if (o != NULL)
		memcpy(o + at, s, len);
	return at + len;
}

size_t
jsonsplice_put_int(char *o, size_t at, int64_t v)
{
	char buf[24], *p = buf + sizeof buf;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	return jsonsplice_put(o, at, p, (size_t)(buf + sizeof buf - p));
}

/*
 * The letter written after '\\' for byte c (a quote, a backslash or below
 * 0x20), or 0 for \u00xx; \b and \f only when bf.
 */
static char
jsonsplice_escape(unsigned char c, bool bf)
{
	static const char letter[0x20] = {
		['\b'] = 'b',
		['\n'] = 'n',
		['\r'] = 'r',
		['\t'] = 't',
		['\f'] = 'f',
	};

	if (c == '"' || c == '\\')
		return (char)c;
	if (!bf && (c == '\b' || c == '\f'))
		return '\0';
	return letter[c];
}

size_t
jsonsplice_put_escaped(char *o, size_t at, const char *s, size_t len, bool bf)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s, *end = s + len;
	char esc[6] = { '\\', 'u', '0', '0' };
	unsigned char c;

	for (; s < end; s++) {
		c = (unsigned char)*s;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		at = jsonsplice_put(o, at, run, (size_t)(s - run));
		run = s + 1;
		if ((esc[1] = jsonsplice_escape(c, bf)) != '\0') {
			at = jsonsplice_put(o, at, esc, 2);
			continue;
		}
		esc[1] = 'u';
		esc[4] = hex[c >> 4];
		esc[5] = hex[c & 0xf];
		at = jsonsplice_put(o, at, esc, 6);
	}
	return jsonsplice_put(o, at, run, (size_t)(s - run));
}

size_t
jsonsplice_put_string(char *o, size_t at, const char *s)
{
	if (s == NULL)
		return jsonsplice_put(o, at, "null", 4);
	at = jsonsplice_put(o, at, "\"", 1);
	at = jsonsplice_put_escaped(o, at, s, strlen(s), true);
	return jsonsplice_put(o, at, "\"", 1);
}

/* Write the new value of member m at o + at. */
static size_t
jsonsplice_member_value(char *o, size_t at, const struct jsonsplice_member *m)
{
	size_t i;

	if (m->kind == JSONSPLICE_STRING)
		return jsonsplice_put_string(o, at, m->str);
	at = jsonsplice_put(o, at, "[", 1);
	for (i = 0; i < m->nelems; i++) {
		if (i > 0)
			at = jsonsplice_put(o, at, ",", 1);
		at = jsonsplice_put(o, at, m->elems[i], m->elens[i]);
	}
	return jsonsplice_put(o, at, "]", 1);
}

/*
 * Write the object obj[0, len), closing brace at offset close, with the
 * scanned spans replaced and the members not found appended.
 */
static size_t
jsonsplice_write(char *o, const char *obj, size_t len, size_t close,
    const struct jsonsplice_scan *s)
{
	size_t at = 0, pos = 0, i, k = s->nmembers;

	for (i = 0; i < s->nspans; i++) {
		at = jsonsplice_put(o, at, obj + pos, s->spans[i].from - pos);
		at = jsonsplice_member_value(o, at, &s->m[s->spans[i].member]);
		pos = s->spans[i].to;
	}
	at = jsonsplice_put(o, at, obj + pos, close - pos);
	for (i = 0; i < s->n; i++) {
		if (s->found[i])
			continue;
		if (k++ > 0)
			at = jsonsplice_put(o, at, ",", 1);
		at = jsonsplice_put_string(o, at, s->m[i].key);
		at = jsonsplice_put(o, at, ":", 1);
		at = jsonsplice_member_value(o, at, &s->m[i]);
	}
	return jsonsplice_put(o, at, obj + close, len - close);
}

char *
jsonsplice_set(const char *obj, size_t len, const struct jsonsplice_member *m,
    size_t n, size_t *outlen)
{
	struct jsonsplice_scan s = { obj, m, n, NULL, NULL, 0, 0, 0 };
	char *out = NULL;
	size_t size;
	long close;

	s.found = xcalloc(n > 0 ? n : 1, sizeof *s.found);
	if ((close = jsonsplice_object(obj, len, jsonsplice_collect, &s)) < 0)
		goto fail;
	size = jsonsplice_write(NULL, obj, len, (size_t)close, &s);
	out = xmalloc(size + 1);
	jsonsplice_write(out, obj, len, (size_t)close, &s);
	out[size] = '\0';
	if (outlen != NULL)
		*outlen = size;
fail:
	free(s.spans);
	free(s.found);
	return out;
}
