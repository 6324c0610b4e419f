/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dprov_scan.c - JSON read in place and validated as it is read, with no
 * tree built (see dprov_scan.h).  loom-dummy-provisioner used json-c's
 * parser for its take answers, and building and freeing the tree of a big
 * job's nodes map for every task made the provisioner, not loomd, the
 * bound of the big-cluster benchmark.
 */
#include "config.h"

#include "dprov_scan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DPROV_SCAN_EOF "unexpected end of data"

void
dprov_scan_init(struct dprov_scan *s, const char *text, size_t len)
{
	s->base = text;
	s->p = text;
	s->end = text + len;
	s->depth = 0;
	s->err = NULL;
	s->err_at = 0;
}

/* Record the first error, why at p.  Returns -1. */
static int
dprov_scan_fail(struct dprov_scan *s, const char *p, const char *why)
{
	if (s->err == NULL) {
		s->err = why;
		s->err_at = (size_t)(p - s->base);
	}
	return -1;
}

/* Skip white space: the next byte, or -1 at the end of the text. */
static int
dprov_scan_peek(struct dprov_scan *s)
{
	while (s->p < s->end &&
	    (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
	return s->p < s->end ? (unsigned char)*s->p : -1;
}

/* Consume byte c, the next after white space.  Returns 0 or -1. */
static int
dprov_scan_expect(struct dprov_scan *s, char c)
{
	int b = dprov_scan_peek(s);

	if (b < 0)
		return dprov_scan_fail(s, s->p, DPROV_SCAN_EOF);
	if (b != (unsigned char)c)
		return dprov_scan_fail(s, s->p, "unexpected character");
	s->p++;
	return 0;
}

/* The four hex digits at p in *out.  Returns 0 or -1. */
static int
dprov_scan_hex4(const char *p, unsigned *out)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		v <<= 4;
		if (p[i] >= '0' && p[i] <= '9')
			v |= (unsigned)(p[i] - '0');
		else if (p[i] >= 'a' && p[i] <= 'f')
			v |= (unsigned)(p[i] - 'a' + 10);
		else if (p[i] >= 'A' && p[i] <= 'F')
			v |= (unsigned)(p[i] - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/*
 * The string whose opening quote is at the cursor: its raw bytes in *k,
 * the cursor then past its closing quote.  Returns 0 or -1.
 */
static int
dprov_scan_string(struct dprov_scan *s, struct dprov_scan_key *k)
{
	const char *p = s->p + 1;
	unsigned u;

	k->raw = p;
	k->escaped = false;
	for (;;) {
		if (p >= s->end)
			return dprov_scan_fail(s, p, DPROV_SCAN_EOF);
		if (*p == '"')
			break;
		if ((unsigned char)*p < 0x20)
			return dprov_scan_fail(s, p,
			    "control character in a string");
		if (*p != '\\') {
			p++;
			continue;
		}
		k->escaped = true;
		if (s->end - p < 2)
			return dprov_scan_fail(s, p, DPROV_SCAN_EOF);
		if (p[1] == 'u') {
			if (s->end - p < 6)
				return dprov_scan_fail(s, p, DPROV_SCAN_EOF);
			if (dprov_scan_hex4(p + 2, &u) != 0)
				return dprov_scan_fail(s, p, "invalid escape");
			p += 6;
		} else if (strchr("\"\\/bfnrt", p[1]) != NULL &&
		    p[1] != '\0') {
			p += 2;
		} else {
			return dprov_scan_fail(s, p, "invalid escape");
		}
	}
	k->len = (size_t)(p - k->raw);
	s->p = p + 1;
	return 0;
}

/* Write code point u as UTF-8 at q.  Returns the bytes written. */
static size_t
dprov_scan_utf8(unsigned u, char *q)
{
	if (u < 0x80) {
		q[0] = (char)u;
		return 1;
	}
	if (u < 0x800) {
		q[0] = (char)(0xC0 | (u >> 6));
		q[1] = (char)(0x80 | (u & 0x3F));
		return 2;
	}
	if (u < 0x10000) {
		q[0] = (char)(0xE0 | (u >> 12));
		q[1] = (char)(0x80 | ((u >> 6) & 0x3F));
		q[2] = (char)(0x80 | (u & 0x3F));
		return 3;
	}
	q[0] = (char)(0xF0 | (u >> 18));
	q[1] = (char)(0x80 | ((u >> 12) & 0x3F));
	q[2] = (char)(0x80 | ((u >> 6) & 0x3F));
	q[3] = (char)(0x80 | (u & 0x3F));
	return 4;
}

/*
 * The string k (validated by dprov_scan_string()) unescaped, as a new
 * string the caller frees.  A surrogate that is not half of a pair reads
 * as U+FFFD, as json-c reads it; a \u0000 ends the C string.
 */
static char *
dprov_scan_unescape(const struct dprov_scan_key *k)
{
	const char *p = k->raw, *e = k->raw + k->len;
	char *out = xmalloc(k->len + 1), *q = out; /* never longer */
	unsigned u, lo;

	while (p < e) {
		if (*p != '\\') {
			*q++ = *p++;
			continue;
		}
		switch (p[1]) {
		case 'b':
			*q++ = '\b';
			break;
		case 'f':
			*q++ = '\f';
			break;
		case 'n':
			*q++ = '\n';
			break;
		case 'r':
			*q++ = '\r';
			break;
		case 't':
			*q++ = '\t';
			break;
		case 'u':
			(void)dprov_scan_hex4(p + 2, &u);
			p += 6;
			if (u >= 0xD800 && u <= 0xDBFF && e - p >= 6 &&
			    p[0] == '\\' && p[1] == 'u' &&
			    dprov_scan_hex4(p + 2, &lo) == 0 && lo >= 0xDC00 &&
			    lo <= 0xDFFF) {
				u = 0x10000 + ((u - 0xD800) << 10) +
				    (lo - 0xDC00);
				p += 6;
			} else if (u >= 0xD800 && u <= 0xDFFF) {
				u = 0xFFFD;
			}
			q += dprov_scan_utf8(u, q);
			continue;
		default: /* " \ / */
			*q++ = p[1];
			break;
		}
		p += 2;
	}
	*q = '\0';
	return out;
}

bool
dprov_scan_key_is(const struct dprov_scan_key *k, const char *want)
{
	char *s;
	bool is;

	if (!k->escaped)
		return strlen(want) == k->len &&
		    memcmp(k->raw, want, k->len) == 0;
	s = dprov_scan_unescape(k);
	is = strcmp(s, want) == 0;
	free(s);
	return is;
}

/* The digits at p, if any, and where they end.  Returns 0 or -1. */
static int
dprov_scan_digits(struct dprov_scan *s, const char **p)
{
	if (*p >= s->end)
		return dprov_scan_fail(s, *p, DPROV_SCAN_EOF);
	if (**p < '0' || **p > '9')
		return dprov_scan_fail(s, *p, "invalid number");
	while (*p < s->end && **p >= '0' && **p <= '9')
		(*p)++;
	return 0;
}

/*
 * The number at the cursor.  With out, an integer also as a new string:
 * beyond int64's range it saturates, as json-c's reading of it does.
 */
static int
dprov_scan_number(struct dprov_scan *s, char **out)
{
	const char *p = s->p, *start = s->p;
	bool integer = true;
	char buf[32];
	size_t n;

	if (*p == '-')
		p++;
	if (p < s->end && *p == '0')
		p++;
	else if (dprov_scan_digits(s, &p) != 0)
		return -1;
	if (p < s->end && *p == '.') {
		integer = false;
		p++;
		if (dprov_scan_digits(s, &p) != 0)
			return -1;
	}
	if (p < s->end && (*p == 'e' || *p == 'E')) {
		integer = false;
		p++;
		if (p < s->end && (*p == '+' || *p == '-'))
			p++;
		if (dprov_scan_digits(s, &p) != 0)
			return -1;
	}
	s->p = p;
	if (out == NULL || !integer)
		return 0;
	n = (size_t)(p - start);
	if (n >= sizeof buf) { /* far beyond the range: saturate */
		*out = xstrdup(*start == '-' ? "-9223372036854775808" :
					       "9223372036854775807");
	} else {
		memcpy(buf, start, n);
		buf[n] = '\0';
		*out = xasprintf("%lld", strtoll(buf, NULL, 10));
	}
	return 0;
}

/* The literal word at the cursor.  Returns 0 or -1. */
static int
dprov_scan_word(struct dprov_scan *s, const char *word)
{
	size_t n = strlen(word), have = (size_t)(s->end - s->p);

	if (memcmp(s->p, word, have < n ? have : n) != 0)
		return dprov_scan_fail(s, s->p, "unexpected character");
	if (have < n)
		return dprov_scan_fail(s, s->end, DPROV_SCAN_EOF);
	s->p += n;
	return 0;
}

static int dprov_scan_value(struct dprov_scan *s, char **out);

/* The array whose '[' is at the cursor.  Returns 0 or -1. */
static int
dprov_scan_array(struct dprov_scan *s)
{
	int b;

	if (s->depth >= DPROV_SCAN_MAX_DEPTH)
		return dprov_scan_fail(s, s->p, "nesting too deep");
	s->depth++;
	s->p++;
	if (dprov_scan_peek(s) == ']') {
		s->p++;
		s->depth--;
		return 0;
	}
	for (;;) {
		if (dprov_scan_value(s, NULL) != 0)
			return -1;
		if ((b = dprov_scan_peek(s)) < 0)
			return dprov_scan_fail(s, s->p, DPROV_SCAN_EOF);
		s->p++;
		if (b == ']')
			break;
		if (b != ',')
			return dprov_scan_fail(s, s->p - 1,
			    "unexpected character");
	}
	s->depth--;
	return 0;
}

int
dprov_scan_object(struct dprov_scan *s)
{
	int b = dprov_scan_peek(s);

	if (b < 0)
		return dprov_scan_fail(s, s->p, DPROV_SCAN_EOF);
	if (b != '{')
		return 0;
	if (s->depth >= DPROV_SCAN_MAX_DEPTH)
		return dprov_scan_fail(s, s->p, "nesting too deep");
	s->depth++;
	s->p++;
	return 1;
}

int
dprov_scan_member(struct dprov_scan *s, size_t *i, struct dprov_scan_key *k)
{
	int b = dprov_scan_peek(s);

	if (b == '}') {
		s->p++;
		s->depth--;
		return 0;
	}
	if (*i > 0) {
		if (dprov_scan_expect(s, ',') != 0)
			return -1;
		b = dprov_scan_peek(s);
	}
	if (b < 0)
		return dprov_scan_fail(s, s->p, DPROV_SCAN_EOF);
	if (b != '"')
		return dprov_scan_fail(s, s->p, "unexpected character");
	if (dprov_scan_string(s, k) != 0 || dprov_scan_expect(s, ':') != 0)
		return -1;
	(*i)++;
	return 1;
}

/*
 * Consume the value at the cursor; with out, *out replaced as
 * dprov_scan_scalar() says.  Returns 0 or -1.
 */
static int
dprov_scan_value(struct dprov_scan *s, char **out)
{
	struct dprov_scan_key k;
	size_t i = 0;
	int b, r;

	if (out != NULL) {
		free(*out);
		*out = NULL;
	}
	if ((b = dprov_scan_peek(s)) < 0)
		return dprov_scan_fail(s, s->p, DPROV_SCAN_EOF);
	switch (b) {
	case '{':
		if (dprov_scan_object(s) < 0)
			return -1;
		while ((r = dprov_scan_member(s, &i, &k)) == 1)
			if (dprov_scan_value(s, NULL) != 0)
				return -1;
		return r;
	case '[':
		return dprov_scan_array(s);
	case '"':
		if (dprov_scan_string(s, &k) != 0)
			return -1;
		if (out != NULL && k.len > 0) {
			*out = k.escaped ? dprov_scan_unescape(&k) :
					   xstrndup(k.raw, k.len);
			if (**out == '\0') {
				free(*out);
				*out = NULL;
			}
		}
		return 0;
	case 't':
		return dprov_scan_word(s, "true");
	case 'f':
		return dprov_scan_word(s, "false");
	case 'n':
		return dprov_scan_word(s, "null");
	default:
		if (b == '-' || (b >= '0' && b <= '9'))
			return dprov_scan_number(s, out);
		return dprov_scan_fail(s, s->p, "unexpected character");
	}
}

int
dprov_scan_skip(struct dprov_scan *s)
{
	return dprov_scan_value(s, NULL);
}

int
dprov_scan_scalar(struct dprov_scan *s, char **out)
{
	return dprov_scan_value(s, out);
}

int
dprov_scan_end(struct dprov_scan *s)
{
	if (dprov_scan_peek(s) >= 0)
		return dprov_scan_fail(s, s->p, "data after the value");
	return 0;
}

void
dprov_scan_error(const struct dprov_scan *s, char err[LOOMD_ERR_LEN])
{
	if (s->err == NULL || strcmp(s->err, DPROV_SCAN_EOF) == 0)
		snprintf(err, LOOMD_ERR_LEN, DPROV_SCAN_EOF);
	else
		snprintf(err, LOOMD_ERR_LEN, "%s at byte %zu", s->err,
		    s->err_at);
}
