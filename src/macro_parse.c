/* SPDX-License-Identifier: Apache-2.0 */
/*
 * macro_parse.c - the parser of config macros (Parser.java and
 * Expression.typeAndNameOf): macro names and the fixed grammar
 * join(map(<type><service>[i],'fmt'),'sep').  No recursion, so no nesting
 * to bound.  Pure: no I/O.
 */
#include "config.h"

#include "macro.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "macro_int.h"

/* Longest excerpt of hostile input quoted in an error message. */
#define MACRO_QUOTE_MAX 64

static const char *const macro_prefixes[] = {
	[MACRO_HOST_OF_SERVICE] = "host.service.",
	[MACRO_IP_OF_SERVICE] = "ip.service.",
	[MACRO_NUM_OF_SERVICE] = "num.service.",
	[MACRO_SELF_INSTANCE_OF_SERVICE] = "instance.self.service.",
	[MACRO_SELF_HOST_OF_SERVICE] = "host.self.service.",
	[MACRO_SELF_IP_OF_SERVICE] = "ip.self.service.",
};
#define MACRO_NTYPES (sizeof macro_prefixes / sizeof macro_prefixes[0])

/* Copy a printable, bounded excerpt of s[0, len) into out. */
static void
macro_quote(const char *s, size_t len, char *out, size_t outsz)
{
	size_t i, n;

	n = 0;
	for (i = 0; i < len && n + 4 < outsz; i++) {
		if (i == MACRO_QUOTE_MAX) {
			memcpy(out + n, "...", 3);
			n += 3;
			break;
		}
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			out[n++] = '?';
		else
			out[n++] = s[i];
	}
	out[n] = '\0';
}

const char *
macro_type_prefix(enum macro_type type)
{
	if ((unsigned)type >= MACRO_NTYPES)
		return NULL;
	return macro_prefixes[type];
}

int
macro_parse_name(const char *name, size_t len, enum macro_type *type,
    const char **service, size_t *service_len, enum macro_error_kind *kind,
    char err[LOOMD_ERR_LEN])
{
	char q[MACRO_QUOTE_MAX + 8];
	size_t i, plen;

	for (i = 0; i < MACRO_NTYPES; i++) {
		plen = strlen(macro_prefixes[i]);
		/* The prefix must be followed by at least one character. */
		if (len < plen + 1 ||
		    memcmp(name, macro_prefixes[i], plen) != 0)
			continue;
		*type = (enum macro_type)i;
		*service = name + plen;
		*service_len = len - plen;
		return 0;
	}
	macro_quote(name, len, q, sizeof q);
	return macro_error(kind, MACRO_ERR_SYNTAX, err,
	    "'%s' is not a valid macro name", q);
}

/* Whether c may appear in a macro name: [A-Za-z0-9_.-]. */
static int
macro_name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

/* Parser state for one macro body. */
struct macro_parser {
	const char *s;
	size_t len;
	const char *name;
	size_t name_len;
	struct macro_view *view;
	const char *why; /* static error reason */
	size_t at;	 /* where it happened */
};

/* Note a syntax error at position at; always returns -1. */
static int
macro_parser_fail(struct macro_parser *p, size_t at, const char *why)
{
	p->why = why;
	p->at = at;
	return -1;
}

/* Expect character c at *pos and move past it. */
static int
macro_parser_expect(struct macro_parser *p, size_t *pos, char c)
{
	if (*pos >= p->len || p->s[*pos] != c) {
		switch (c) {
		case ',':
			return macro_parser_fail(p, *pos, "',' expected");
		case ')':
			return macro_parser_fail(p, *pos, "')' expected");
		default:
			return macro_parser_fail(p, *pos,
			    "character expected");
		}
	}
	(*pos)++;
	return 0;
}

/* Parse a literal in '...' or "..." (no escapes) at *pos. */
static int
macro_parser_literal(struct macro_parser *p, size_t *pos, const char **lit,
    size_t *lit_len)
{
	const char *end;
	char quote;

	if (*pos >= p->len || (p->s[*pos] != '\'' && p->s[*pos] != '"'))
		return macro_parser_fail(p, *pos, "' or \" expected");
	quote = p->s[*pos];
	end = memchr(p->s + *pos + 1, quote, p->len - *pos - 1);
	if (end == NULL)
		return macro_parser_fail(p, *pos, "unterminated literal");
	*lit = p->s + *pos + 1;
	*lit_len = (size_t)(end - *lit);
	*pos = (size_t)(end - p->s) + 1;
	return 0;
}

/* Parse an optional "[digits]" at *pos. */
static int
macro_parser_instance(struct macro_parser *p, size_t *pos)
{
	size_t i, start;
	long long v;

	if (p->s[*pos] != '[')
		return 0;
	start = *pos + 1;
	v = 0;
	for (i = start; i < p->len && p->s[i] != ']'; i++) {
		if (p->s[i] < '0' || p->s[i] > '9')
			return macro_parser_fail(p, i,
			    "a service number must consist of digits only");
		v = v * 10 + (p->s[i] - '0');
		if (v > INT_MAX)
			return macro_parser_fail(p, start,
			    "service number too large");
	}
	if (i == start)
		return macro_parser_fail(p, start, "no service number seen");
	if (i >= p->len)
		return macro_parser_fail(p, i, "no ending bracket ']' seen");
	p->view->instance = (int)v;
	*pos = i + 1;
	return 0;
}

/* Parse <type><service>[i] at *pos; the name is checked later. */
static int
macro_parser_basic(struct macro_parser *p, size_t *pos)
{
	size_t i;

	for (i = *pos; i < p->len; i++) {
		if (!macro_name_char((unsigned char)p->s[i]))
			break;
	}
	if (i == *pos)
		return macro_parser_fail(p, *pos,
		    "a macro name must not be empty");
	p->name = p->s + *pos;
	p->name_len = i - *pos;
	*pos = i;
	if (i < p->len)
		return macro_parser_instance(p, pos);
	return 0;
}

/* Parse map(basic,'fmt') or basic at *pos. */
static int
macro_parser_inner(struct macro_parser *p, size_t *pos)
{
	struct macro_view *v = p->view;

	if (p->len - *pos >= 4 && memcmp(p->s + *pos, "map(", 4) == 0) {
		*pos += 4;
		if (macro_parser_basic(p, pos) != 0 ||
		    macro_parser_expect(p, pos, ',') != 0 ||
		    macro_parser_literal(p, pos, &v->format, &v->format_len) !=
			0 ||
		    macro_parser_expect(p, pos, ')') != 0)
			return -1;
		return 0;
	}
	return macro_parser_basic(p, pos);
}

int
macro_parse_view(const char *body, size_t len, struct macro_view *view,
    enum macro_error_kind *kind, char err[LOOMD_ERR_LEN])
{
	struct macro_parser p;
	char q[MACRO_QUOTE_MAX + 8];
	size_t pos;

	memset(view, 0, sizeof *view);
	view->instance = -1;
	memset(&p, 0, sizeof p);
	p.s = body;
	p.len = len;
	p.view = view;
	pos = 0;
	if (len >= 5 && memcmp(body, "join(", 5) == 0) {
		pos = 5;
		if (macro_parser_inner(&p, &pos) != 0 ||
		    macro_parser_expect(&p, &pos, ',') != 0 ||
		    macro_parser_literal(&p, &pos, &view->separator,
			&view->separator_len) != 0 ||
		    macro_parser_expect(&p, &pos, ')') != 0)
			goto fail;
	} else if (macro_parser_inner(&p, &pos) != 0)
		goto fail;
	if (pos < len) {
		macro_parser_fail(&p, pos, "extra characters after macro");
		goto fail;
	}
	if (macro_parse_name(p.name, p.name_len, &view->type, &view->service,
		&view->service_len, kind, err) != 0)
		return -1;
	return 0;

fail:
	macro_quote(body, len, q, sizeof q);
	return macro_error(kind, MACRO_ERR_SYNTAX, err,
	    "invalid macro '%s': %s at position %zu", q, p.why, p.at);
}

int
macro_parse_expr(const char *body, size_t len, struct macro_expr *out,
    enum macro_error_kind *kind, char err[LOOMD_ERR_LEN])
{
	struct macro_view v;

	memset(out, 0, sizeof *out);
	out->instance = -1;
	if (macro_parse_view(body, len, &v, kind, err) != 0)
		return -1;
	out->type = v.type;
	out->service = macro_dup(v.service, v.service_len);
	if (v.format != NULL) {
		out->format = macro_dup(v.format, v.format_len);
		out->format_len = v.format_len;
	}
	if (v.separator != NULL) {
		out->separator = macro_dup(v.separator, v.separator_len);
		out->separator_len = v.separator_len;
	}
	out->instance = v.instance;
	return 0;
}

void
macro_expr_clear(struct macro_expr *expr)
{
	if (expr == NULL)
		return;
	free(expr->service);
	free(expr->format);
	free(expr->separator);
	memset(expr, 0, sizeof *expr);
	expr->instance = -1;
}
