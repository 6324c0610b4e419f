/* SPDX-License-Identifier: Apache-2.0 */
/*
 * macro.c - Loom 0.9 config macros (LOOM-0.9-API.md section 6), a port of
 * Expander.java, Parser.java and Expression.java: a scanner that finds
 * %...% macros, a parser for the small fixed grammar (no recursion, so no
 * nesting to bound), an evaluator over a pre-indexed copy of the cluster's
 * nodes (one binary search per macro instead of a scan of every node's
 * services) and an iterative, all-or-nothing expansion of a json-c tree.
 * Every expansion call has an output budget (MACRO_OUTPUT_MAX).
 */
#include "config.h"

#include "macro.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* Longest excerpt of hostile input quoted in an error message. */
#define MACRO_QUOTE_MAX 64

/* A parsed macro whose strings point into the text it came from. */
struct macro_view {
	enum macro_type type;
	const char *service;
	size_t service_len;
	const char *format; /* NULL = no map() */
	size_t format_len;
	const char *separator; /* NULL = no join(), use "," */
	size_t separator_len;
	int instance; /* -1 = no [i] */
};

/* One node, with the properties macros use copied out of its JSON. */
struct macro_node {
	char *id;
	char *host; /* NULL = missing */
	size_t host_len;
	char *ip; /* NULL = missing */
	size_t ip_len;
	int has_nodenum;
	long long nodenum;
};

/*
 * The nodes that run one service: order[first, first + n) in iteration
 * order and, if every one has a valid nodenum, sorted[first, first + n)
 * ordered by nodenum (stable); otherwise bad_node names one without.
 */
struct macro_group {
	char *name;
	size_t name_len;
	size_t first;
	size_t n;
	int sorted_ok;
	size_t bad_node;
};

struct macro_cluster {
	struct macro_node *nodes;
	size_t nnodes;
	struct macro_group *groups; /* by name, for bsearch */
	size_t ngroups;
	size_t *order;
	size_t *sorted;
	struct macro_node target;
	int has_target;
};

/* Growable output buffer charged against a shared byte budget. */
struct macro_buf {
	char *data;
	size_t len;
	size_t cap;
	size_t *budget;
};

/* A (service name, node index) pair used while building the index. */
struct macro_pair {
	const char *name;
	size_t name_len;
	size_t node;
};

/* A (nodenum, node index) pair used to sort a group. */
struct macro_numkey {
	long long nodenum;
	size_t node;
};

/* A string object of the tree and the value it gets once all succeeded. */
struct macro_repl {
	struct json_object *obj;
	char *val;
	size_t len;
};

static const char *const macro_prefixes[] = {
	[MACRO_HOST_OF_SERVICE] = "host.service.",
	[MACRO_IP_OF_SERVICE] = "ip.service.",
	[MACRO_NUM_OF_SERVICE] = "num.service.",
	[MACRO_SELF_INSTANCE_OF_SERVICE] = "instance.self.service.",
	[MACRO_SELF_HOST_OF_SERVICE] = "host.self.service.",
	[MACRO_SELF_IP_OF_SERVICE] = "ip.self.service.",
};
#define MACRO_NTYPES (sizeof macro_prefixes / sizeof macro_prefixes[0])

/* Record an error of the given kind; always returns -1. */
static int LOOMD_PRINTF(4, 5) macro_error(enum macro_error_kind *kind,
    enum macro_error_kind k, char err[LOOMD_ERR_LEN], const char *fmt, ...)
{
	va_list ap;

	if (kind != NULL)
		*kind = k;
	va_start(ap, fmt);
	vsnprintf(err, LOOMD_ERR_LEN, fmt, ap);
	va_end(ap);
	return -1;
}

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

/* Compare two byte strings, shorter first on a common prefix. */
static int
macro_namecmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int cmp;

	cmp = memcmp(a, b, alen < blen ? alen : blen);
	if (cmp != 0)
		return cmp;
	return (alen > blen) - (alen < blen);
}

/* Copy n bytes into a new NUL-terminated string. */
static char *
macro_dup(const char *s, size_t n)
{
	char *p;

	p = xmalloc(n + 1);
	if (n != 0)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* Append s[0, n) to b, failing if the budget is exhausted. */
static int
macro_buf_add(struct macro_buf *b, const char *s, size_t n,
    enum macro_error_kind *kind, char err[LOOMD_ERR_LEN])
{
	size_t ncap;

	if (n == 0)
		return 0;
	if (n > *b->budget)
		return macro_error(kind, MACRO_ERR_TOO_LARGE, err,
		    "macro expansion exceeds %u bytes", MACRO_OUTPUT_MAX);
	*b->budget -= n;
	if (b->len + n + 1 > b->cap) {
		ncap = b->cap == 0 ? 64 : b->cap;
		while (ncap < b->len + n + 1)
			ncap *= 2;
		b->data = xrealloc(b->data, ncap);
		b->cap = ncap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

/* Make sure b holds a NUL-terminated (possibly empty) string. */
static void
macro_buf_terminate(struct macro_buf *b)
{
	if (b->data == NULL) {
		b->data = xmalloc(1);
		b->cap = 1;
	}
	b->data[b->len] = '\0';
}

const char *
macro_type_prefix(enum macro_type type)
{
	if ((unsigned)type >= MACRO_NTYPES)
		return NULL;
	return macro_prefixes[type];
}

const char *
macro_error_kind_name(enum macro_error_kind kind)
{
	switch (kind) {
	case MACRO_ERR_NONE:
		return "none";
	case MACRO_ERR_SYNTAX:
		return "syntax";
	case MACRO_ERR_INCOMPLETE:
		return "incomplete cluster";
	case MACRO_ERR_TOO_LARGE:
		return "too large";
	}
	return "unknown";
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

/* Parse one macro body into a view borrowing from body. */
static int
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

/* Append value formatted with fmt ('$' = value, "$$" = '$') to b. */
static int
macro_format_buf(struct macro_buf *b, const char *fmt, size_t fmt_len,
    const char *value, size_t value_len, enum macro_error_kind *kind,
    char err[LOOMD_ERR_LEN])
{
	const char *dollar;
	size_t i, n;

	if (fmt == NULL)
		return macro_buf_add(b, value, value_len, kind, err);
	i = 0;
	while (i < fmt_len) {
		dollar = memchr(fmt + i, '$', fmt_len - i);
		n = dollar == NULL ? fmt_len - i : (size_t)(dollar - fmt) - i;
		if (macro_buf_add(b, fmt + i, n, kind, err) != 0)
			return -1;
		i += n;
		if (dollar == NULL)
			break;
		if (i + 1 < fmt_len && fmt[i + 1] == '$') {
			if (macro_buf_add(b, "$", 1, kind, err) != 0)
				return -1;
			i += 2;
		} else {
			if (macro_buf_add(b, value, value_len, kind, err) != 0)
				return -1;
			i++;
		}
	}
	return 0;
}

char *
macro_format(const char *format, const char *value)
{
	struct macro_buf b;
	size_t budget = SIZE_MAX;
	char err[LOOMD_ERR_LEN];

	memset(&b, 0, sizeof b);
	b.budget = &budget;
	if (macro_format_buf(&b, format, strlen(format), value, strlen(value),
		NULL, err) != 0)
		fatalx("%s: %s", __func__, err); /* unlimited budget */
	macro_buf_terminate(&b);
	return b.data;
}

/*
 * Find the next '%' at or after pos that is not part of "%%"
 * (Expander.findNextPercent).  Returns 0 and sets *at, or -1 if none.
 */
static int
macro_next_percent(const char *s, size_t len, size_t pos, size_t *at)
{
	const char *p;

	while (pos < len) {
		p = memchr(s + pos, '%', len - pos);
		if (p == NULL)
			return -1;
		pos = (size_t)(p - s);
		if (pos + 1 < len && s[pos + 1] == '%') {
			pos += 2;
			continue;
		}
		*at = pos;
		return 0;
	}
	return -1;
}

int
macro_list_parse(const char *text, size_t len, struct macro_list **out,
    enum macro_error_kind *kind, char err[LOOMD_ERR_LEN])
{
	struct macro_list *l;
	struct macro_item *it;
	size_t pos, p1, p2, cap;

	*out = NULL;
	l = xcalloc(1, sizeof *l);
	l->text = macro_dup(text, len);
	l->len = len;
	cap = 0;
	pos = 0;
	while (pos < len) {
		if (macro_next_percent(l->text, len, pos, &p1) != 0 ||
		    macro_next_percent(l->text, len, p1 + 1, &p2) != 0)
			break;
		if (l->nitems == cap) {
			cap = cap == 0 ? 4 : cap * 2;
			l->items =
			    xreallocarray(l->items, cap, sizeof *l->items);
		}
		it = &l->items[l->nitems];
		it->lit_off = pos;
		it->lit_len = p1 - pos;
		if (macro_parse_expr(l->text + p1 + 1, p2 - p1 - 1, &it->expr,
			kind, err) != 0)
			goto fail;
		l->nitems++;
		pos = p2 + 1;
	}
	l->tail_off = pos;
	*out = l;
	return 0;

fail:
	macro_list_free(l);
	return -1;
}

void
macro_list_free(struct macro_list *list)
{
	size_t i;

	if (list == NULL)
		return;
	for (i = 0; i < list->nitems; i++)
		macro_expr_clear(&list->items[i].expr);
	free(list->items);
	free(list->text);
	free(list);
}

/* Copy a property usable as text; NULL if missing or not a scalar. */
static char *
macro_prop(struct json_object *props, const char *key, size_t *len)
{
	struct json_object *v;
	const char *s;

	*len = 0;
	if (!json_object_object_get_ex(props, key, &v) || v == NULL)
		return NULL;
	switch (json_object_get_type(v)) {
	case json_type_string:
		*len = (size_t)json_object_get_string_len(v);
		return macro_dup(json_object_get_string(v), *len);
	case json_type_int:
	case json_type_double:
	case json_type_boolean:
		s = json_object_get_string(v);
		if (s == NULL)
			return NULL;
		*len = strlen(s);
		return macro_dup(s, *len);
	default:
		return NULL;
	}
}

/* Read nodenum: a JSON number or a decimal integer string. */
static int
macro_nodenum(struct json_object *props, long long *out)
{
	struct json_object *v;
	const char *s;
	char *end;
	double d;
	long long n;

	if (!json_object_object_get_ex(props, "nodenum", &v) || v == NULL)
		return -1;
	switch (json_object_get_type(v)) {
	case json_type_int:
		*out = (long long)json_object_get_int64(v);
		return 0;
	case json_type_double:
		d = json_object_get_double(v);
		if (!isfinite(d) || d >= 9.2e18 || d <= -9.2e18)
			return -1;
		*out = (long long)d;
		return 0;
	case json_type_string:
		s = json_object_get_string(v);
		if ((size_t)json_object_get_string_len(v) != strlen(s))
			return -1;
		if (!((s[0] >= '0' && s[0] <= '9') ||
			((s[0] == '-' || s[0] == '+') && s[1] >= '0' &&
			    s[1] <= '9')))
			return -1;
		errno = 0;
		n = strtoll(s, &end, 10);
		if (errno != 0 || *end != '\0')
			return -1;
		*out = n;
		return 0;
	default:
		return -1;
	}
}

/* Copy what macros need of one Node object into n. */
static void
macro_node_load(struct macro_node *n, struct json_object *node)
{
	struct json_object *id, *props;

	memset(n, 0, sizeof *n);
	if (json_object_object_get_ex(node, "id", &id) && id != NULL &&
	    json_object_is_type(id, json_type_string))
		n->id = xstrdup(json_object_get_string(id));
	else
		n->id = xstrdup("?");
	if (!json_object_object_get_ex(node, "properties", &props) ||
	    !json_object_is_type(props, json_type_object))
		return;
	n->host = macro_prop(props, "hostname", &n->host_len);
	n->ip = macro_prop(props, "ipaddress", &n->ip_len);
	if (macro_nodenum(props, &n->nodenum) == 0)
		n->has_nodenum = 1;
}

/* Free the copies held by n. */
static void
macro_node_clear(struct macro_node *n)
{
	free(n->id);
	free(n->host);
	free(n->ip);
	memset(n, 0, sizeof *n);
}

/* qsort order for pairs: by name, then node index. */
static int
macro_pair_cmp(const void *a, const void *b)
{
	const struct macro_pair *pa = a, *pb = b;
	int cmp;

	cmp = macro_namecmp(pa->name, pa->name_len, pb->name, pb->name_len);
	if (cmp != 0)
		return cmp;
	return (pa->node > pb->node) - (pa->node < pb->node);
}

/* qsort order for a group: by nodenum, then node index (stable). */
static int
macro_numkey_cmp(const void *a, const void *b)
{
	const struct macro_numkey *ka = a, *kb = b;

	if (ka->nodenum != kb->nodenum)
		return (ka->nodenum > kb->nodenum) -
		    (ka->nodenum < kb->nodenum);
	return (ka->node > kb->node) - (ka->node < kb->node);
}

/* Append the (service, node) pairs of one node to *pairs. */
static void
macro_collect_services(struct json_object *node, size_t idx,
    struct macro_pair **pairs, size_t *npairs, size_t *cap)
{
	struct json_object *svcs, *s, *name;
	size_t i, n;

	if (!json_object_object_get_ex(node, "services", &svcs) ||
	    !json_object_is_type(svcs, json_type_array))
		return;
	n = json_object_array_length(svcs);
	for (i = 0; i < n; i++) {
		s = json_object_array_get_idx(svcs, i);
		if (json_object_is_type(s, json_type_object)) {
			if (!json_object_object_get_ex(s, "name", &name) ||
			    !json_object_is_type(name, json_type_string))
				continue;
			s = name;
		} else if (!json_object_is_type(s, json_type_string))
			continue;
		if (*npairs == *cap) {
			*cap = *cap == 0 ? 16 : *cap * 2;
			*pairs = xreallocarray(*pairs, *cap, sizeof **pairs);
		}
		(*pairs)[*npairs].name = json_object_get_string(s);
		(*pairs)[*npairs].name_len =
		    (size_t)json_object_get_string_len(s);
		(*pairs)[*npairs].node = idx;
		(*npairs)++;
	}
}

/* Build the nodenum order of one group, or note a node without one. */
static void
macro_group_sort(struct macro_cluster *c, struct macro_group *g)
{
	struct macro_numkey *keys;
	size_t i, node;

	for (i = 0; i < g->n; i++) {
		node = c->order[g->first + i];
		if (!c->nodes[node].has_nodenum) {
			g->sorted_ok = 0;
			g->bad_node = node;
			return;
		}
	}
	keys = xreallocarray(NULL, g->n, sizeof *keys);
	for (i = 0; i < g->n; i++) {
		node = c->order[g->first + i];
		keys[i].nodenum = c->nodes[node].nodenum;
		keys[i].node = node;
	}
	qsort(keys, g->n, sizeof *keys, macro_numkey_cmp);
	for (i = 0; i < g->n; i++)
		c->sorted[g->first + i] = keys[i].node;
	free(keys);
	g->sorted_ok = 1;
}

struct macro_cluster *
macro_cluster_new(struct json_object *nodes, struct json_object *target)
{
	struct macro_cluster *c;
	struct macro_pair *pairs = NULL;
	struct macro_group *g = NULL;
	struct json_object *node;
	size_t i, n, npairs = 0, cap = 0, k;

	c = xcalloc(1, sizeof *c);
	if (target != NULL && json_object_is_type(target, json_type_object)) {
		macro_node_load(&c->target, target);
		c->has_target = 1;
	}
	if (nodes == NULL || !json_object_is_type(nodes, json_type_array))
		return c;
	n = json_object_array_length(nodes);
	c->nodes = xreallocarray(NULL, n == 0 ? 1 : n, sizeof *c->nodes);
	for (i = 0; i < n; i++) {
		node = json_object_array_get_idx(nodes, i);
		if (!json_object_is_type(node, json_type_object))
			continue;
		macro_node_load(&c->nodes[c->nnodes], node);
		macro_collect_services(node, c->nnodes, &pairs, &npairs, &cap);
		c->nnodes++;
	}
	if (npairs == 0)
		goto done;

	qsort(pairs, npairs, sizeof *pairs, macro_pair_cmp);
	c->order = xreallocarray(NULL, npairs, sizeof *c->order);
	c->sorted = xreallocarray(NULL, npairs, sizeof *c->sorted);
	c->groups = xreallocarray(NULL, npairs, sizeof *c->groups);
	k = 0;
	for (i = 0; i < npairs; i++) {
		if (i > 0 && macro_pair_cmp(&pairs[i - 1], &pairs[i]) == 0)
			continue; /* a service listed twice on a node */
		if (c->ngroups == 0 ||
		    macro_namecmp(g->name, g->name_len, pairs[i].name,
			pairs[i].name_len) != 0) {
			g = &c->groups[c->ngroups++];
			g->name = macro_dup(pairs[i].name, pairs[i].name_len);
			g->name_len = pairs[i].name_len;
			g->first = k;
			g->n = 0;
		}
		c->order[k++] = pairs[i].node;
		g->n++;
	}
	for (i = 0; i < c->ngroups; i++)
		macro_group_sort(c, &c->groups[i]);

done:
	free(pairs);
	return c;
}

void
macro_cluster_free(struct macro_cluster *cluster)
{
	size_t i;

	if (cluster == NULL)
		return;
	for (i = 0; i < cluster->nnodes; i++)
		macro_node_clear(&cluster->nodes[i]);
	for (i = 0; i < cluster->ngroups; i++)
		free(cluster->groups[i].name);
	macro_node_clear(&cluster->target);
	free(cluster->nodes);
	free(cluster->groups);
	free(cluster->order);
	free(cluster->sorted);
	free(cluster);
}

/* Find the group of a service, or NULL if no node runs it. */
static const struct macro_group *
macro_find_group(const struct macro_cluster *c, const char *name, size_t len)
{
	size_t lo, hi, mid;
	int cmp;

	lo = 0;
	hi = c->ngroups;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		cmp = macro_namecmp(c->groups[mid].name,
		    c->groups[mid].name_len, name, len);
		if (cmp == 0)
			return &c->groups[mid];
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Pick hostname or ipaddress of n for a macro type. */
static const char *
macro_node_value(const struct macro_node *n, enum macro_type type, size_t *len,
    const char **prop)
{
	if (type == MACRO_IP_OF_SERVICE || type == MACRO_SELF_IP_OF_SERVICE) {
		*prop = "ipaddress";
		*len = n->ip_len;
		return n->ip;
	}
	*prop = "hostname";
	*len = n->host_len;
	return n->host;
}

/* Append a single node's hostname/ip, or fail if it lacks it. */
static int
macro_eval_one(struct macro_buf *b, const struct macro_node *n,
    enum macro_type type, enum macro_error_kind *kind, char err[LOOMD_ERR_LEN])
{
	const char *v, *prop;
	size_t len;

	v = macro_node_value(n, type, &len, &prop);
	if (v == NULL)
		return macro_error(kind, MACRO_ERR_INCOMPLETE, err,
		    "property '%s' not defined for node '%s'", prop, n->id);
	return macro_buf_add(b, v, len, kind, err);
}

/* Fail for a group whose nodes cannot all be ordered by nodenum. */
static int
macro_eval_unsorted(const struct macro_cluster *c, const struct macro_group *g,
    enum macro_error_kind *kind, char err[LOOMD_ERR_LEN])
{
	return macro_error(kind, MACRO_ERR_INCOMPLETE, err,
	    "property 'nodenum' not defined or not a number for node '%s'",
	    c->nodes[g->bad_node].id);
}

/* 1-based rank of the target among the group's nodes, 0 if absent. */
static size_t
macro_eval_rank(const struct macro_cluster *c, const struct macro_group *g,
    long long nodenum)
{
	size_t lo, hi, mid;

	lo = 0;
	hi = g->n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (c->nodes[c->sorted[g->first + mid]].nodenum < nodenum)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < g->n && c->nodes[c->sorted[g->first + lo]].nodenum == nodenum)
		return lo + 1;
	return 0;
}

/* Evaluate the single-valued forms: num, self, [i]. */
static int
macro_eval_single(const struct macro_cluster *c, const struct macro_group *g,
    const struct macro_view *v, struct macro_buf *b, int *isnull,
    enum macro_error_kind *kind, char err[LOOMD_ERR_LEN])
{
	char num[32];
	size_t rank;
	int n;

	switch (v->type) {
	case MACRO_NUM_OF_SERVICE:
		n = snprintf(num, sizeof num, "%zu", g->n);
		return macro_buf_add(b, num, (size_t)n, kind, err);
	case MACRO_SELF_INSTANCE_OF_SERVICE:
		if (!c->has_target)
			goto notarget;
		if (!c->target.has_nodenum)
			return macro_error(kind, MACRO_ERR_INCOMPLETE, err,
			    "property 'nodenum' not defined or not a number "
			    "for node '%s'",
			    c->target.id);
		if (!g->sorted_ok)
			return macro_eval_unsorted(c, g, kind, err);
		rank = macro_eval_rank(c, g, c->target.nodenum);
		if (rank == 0) {
			/* The target lacks the service: not for us. */
			*isnull = 1;
			return 0;
		}
		n = snprintf(num, sizeof num, "%zu", rank);
		return macro_buf_add(b, num, (size_t)n, kind, err);
	case MACRO_SELF_HOST_OF_SERVICE:
	case MACRO_SELF_IP_OF_SERVICE:
		if (!c->has_target)
			goto notarget;
		return macro_eval_one(b, &c->target, v->type, kind, err);
	case MACRO_HOST_OF_SERVICE:
	case MACRO_IP_OF_SERVICE:
		if ((size_t)v->instance >= g->n)
			return macro_error(kind, MACRO_ERR_INCOMPLETE, err,
			    "unable to expand macro, index %d of service "
			    "'%s' is out of range: %zu node%s with the "
			    "service",
			    v->instance, g->name, g->n, g->n == 1 ? "" : "s");
		if (!g->sorted_ok)
			return macro_eval_unsorted(c, g, kind, err);
		return macro_eval_one(b,
		    &c->nodes[c->sorted[g->first + (size_t)v->instance]],
		    v->type, kind, err);
	}
	return macro_error(kind, MACRO_ERR_SYNTAX, err, "bad macro type");

notarget:
	return macro_error(kind, MACRO_ERR_INCOMPLETE, err,
	    "no target node to evaluate '%s%s'", macro_prefixes[v->type],
	    g->name);
}

/*
 * Evaluate v and append its value to b; *isnull is set when the macro is
 * null (nothing appended).  Mirrors Expression.evaluate: the [i], num and
 * self forms ignore map() and join().
 */
static int
macro_eval_view(const struct macro_cluster *c, const struct macro_view *v,
    struct macro_buf *b, int *isnull, enum macro_error_kind *kind,
    char err[LOOMD_ERR_LEN])
{
	const struct macro_group *g;
	const struct macro_node *n;
	const char *val, *prop, *sep;
	size_t i, len, seplen;

	*isnull = 0;
	g = macro_find_group(c, v->service, v->service_len);
	if (g == NULL) {
		*isnull = 1;
		return 0;
	}
	if (v->instance >= 0 ||
	    (v->type != MACRO_HOST_OF_SERVICE &&
		v->type != MACRO_IP_OF_SERVICE))
		return macro_eval_single(c, g, v, b, isnull, kind, err);

	sep = v->separator != NULL ? v->separator : ",";
	seplen = v->separator != NULL ? v->separator_len : 1;
	for (i = 0; i < g->n; i++) {
		n = &c->nodes[c->order[g->first + i]];
		val = macro_node_value(n, v->type, &len, &prop);
		if (val == NULL)
			return macro_error(kind, MACRO_ERR_INCOMPLETE, err,
			    "property '%s' not defined for node '%s'", prop,
			    n->id);
		if (i > 0 && macro_buf_add(b, sep, seplen, kind, err) != 0)
			return -1;
		if (macro_format_buf(b, v->format, v->format_len, val, len,
			kind, err) != 0)
			return -1;
	}
	return 0;
}

int
macro_expr_eval(const struct macro_cluster *cluster,
    const struct macro_expr *expr, char **out, enum macro_error_kind *kind,
    char err[LOOMD_ERR_LEN])
{
	struct macro_view v;
	struct macro_buf b;
	size_t budget = MACRO_OUTPUT_MAX;
	int isnull;

	*out = NULL;
	memset(&b, 0, sizeof b);
	b.budget = &budget;
	if ((unsigned)expr->type >= MACRO_NTYPES || expr->service == NULL)
		return macro_error(kind, MACRO_ERR_SYNTAX, err,
		    "invalid expression");
	v.type = expr->type;
	v.service = expr->service;
	v.service_len = strlen(expr->service);
	v.format = expr->format;
	v.format_len = expr->format_len;
	v.separator = expr->separator;
	v.separator_len = expr->separator_len;
	v.instance = expr->instance < 0 ? -1 : expr->instance;
	if (macro_eval_view(cluster, &v, &b, &isnull, kind, err) != 0)
		goto fail;
	if (isnull) {
		free(b.data);
		return 0;
	}
	macro_buf_terminate(&b);
	*out = b.data;
	return 0;

fail:
	free(b.data);
	return -1;
}

/*
 * Scan text and, with a cluster, expand it into b (Expander.expand); with
 * cluster NULL only check syntax.  *changed tells whether some macro
 * expanded; if not, b holds garbage and the text is unchanged.
 */
static int
macro_expand_buf(const struct macro_cluster *c, const char *text, size_t len,
    struct macro_buf *b, int *changed, enum macro_error_kind *kind,
    char err[LOOMD_ERR_LEN])
{
	struct macro_view v;
	size_t pos, p1, p2;
	int isnull;

	*changed = 0;
	pos = 0;
	while (pos < len) {
		if (macro_next_percent(text, len, pos, &p1) != 0 ||
		    macro_next_percent(text, len, p1 + 1, &p2) != 0)
			break;
		if (macro_parse_view(text + p1 + 1, p2 - p1 - 1, &v, kind,
			err) != 0)
			return -1;
		if (c != NULL) {
			if (macro_buf_add(b, text + pos, p1 - pos, kind,
				err) != 0)
				return -1;
			if (macro_eval_view(c, &v, b, &isnull, kind, err) != 0)
				return -1;
			if (!isnull)
				*changed = 1;
		}
		pos = p2 + 1;
	}
	if (*changed)
		return macro_buf_add(b, text + pos, len - pos, kind, err);
	return 0;
}

int
macro_validate(const char *text, size_t len, enum macro_error_kind *kind,
    char err[LOOMD_ERR_LEN])
{
	int changed;

	return macro_expand_buf(NULL, text, len, NULL, &changed, kind, err);
}

int
macro_expand_string(const struct macro_cluster *cluster, const char *text,
    size_t len, char **out, size_t *outlen, int *changed,
    enum macro_error_kind *kind, char err[LOOMD_ERR_LEN])
{
	struct macro_buf b;
	size_t budget = MACRO_OUTPUT_MAX;
	int did;

	*out = NULL;
	memset(&b, 0, sizeof b);
	b.budget = &budget;
	if (macro_expand_buf(cluster, text, len, &b, &did, kind, err) != 0)
		goto fail;
	if (!did) {
		free(b.data);
		*out = macro_dup(text, len);
		if (outlen != NULL)
			*outlen = len;
	} else {
		macro_buf_terminate(&b);
		*out = b.data;
		if (outlen != NULL)
			*outlen = b.len;
	}
	if (changed != NULL)
		*changed = did;
	return 0;

fail:
	free(b.data);
	return -1;
}

/* Push o onto the walk stack. */
static void
macro_push(struct json_object ***stack, size_t *n, size_t *cap,
    struct json_object *o)
{
	if (*n == *cap) {
		*cap = *cap == 0 ? 32 : *cap * 2;
		*stack = xreallocarray(*stack, *cap, sizeof **stack);
	}
	(*stack)[(*n)++] = o;
}

int
macro_expand_json(const struct macro_cluster *cluster,
    struct json_object *root, const char *const *path, int *changed,
    enum macro_error_kind *kind, char err[LOOMD_ERR_LEN])
{
	struct json_object **stack = NULL, *o, *next, *tmp;
	struct macro_repl *repl = NULL;
	struct macro_buf b;
	size_t nstack = 0, scap = 0, nrepl = 0;
	size_t rcap = 0, budget = MACRO_OUTPUT_MAX;
	size_t i, j, mark, len;
	const char *s;
	int did;

	if (changed != NULL)
		*changed = 0;
	memset(&b, 0, sizeof b);
	b.budget = &budget;

	/* Follow the path; a missing step means nothing to expand. */
	o = root;
	for (i = 0; path != NULL && path[i] != NULL; i++) {
		if (o == NULL || !json_object_is_type(o, json_type_object) ||
		    !json_object_object_get_ex(o, path[i], &next))
			return 0;
		o = next;
	}
	if (o == NULL)
		return 0;

	/* Depth-first, in document order, without recursion. */
	macro_push(&stack, &nstack, &scap, o);
	while (nstack > 0) {
		o = stack[--nstack];
		if (o == NULL)
			continue;
		switch (json_object_get_type(o)) {
		case json_type_string:
			s = json_object_get_string(o);
			len = (size_t)json_object_get_string_len(o);
			if (memchr(s, '%', len) == NULL)
				break;
			b.len = 0;
			if (macro_expand_buf(cluster, s, len, &b, &did, kind,
				err) != 0)
				goto fail;
			if (!did ||
			    (b.len == len && memcmp(b.data, s, len) == 0))
				break;
			if (nrepl == rcap) {
				rcap = rcap == 0 ? 8 : rcap * 2;
				repl = xreallocarray(repl, rcap, sizeof *repl);
			}
			macro_buf_terminate(&b);
			repl[nrepl].obj = o;
			repl[nrepl].val = b.data;
			repl[nrepl].len = b.len;
			nrepl++;
			memset(&b, 0, sizeof b);
			b.budget = &budget;
			break;
		case json_type_array:
			for (i = json_object_array_length(o); i > 0; i--)
				macro_push(&stack, &nstack, &scap,
				    json_object_array_get_idx(o, i - 1));
			break;
		case json_type_object:
			mark = nstack;
			json_object_object_foreach (o, key, val) {
				(void)key;
				macro_push(&stack, &nstack, &scap, val);
			}
			for (i = mark, j = nstack; i + 1 < j; i++, j--) {
				tmp = stack[i];
				stack[i] = stack[j - 1];
				stack[j - 1] = tmp;
			}
			break;
		default:
			break;
		}
	}

	/* Everything expanded: apply. */
	for (i = 0; i < nrepl; i++) {
		if (json_object_set_string_len(repl[i].obj, repl[i].val,
			(int)repl[i].len) != 1)
			fatalx("%s: json_object_set_string_len failed",
			    __func__);
		free(repl[i].val);
	}
	if (changed != NULL)
		*changed = nrepl > 0;
	free(repl);
	free(stack);
	free(b.data);
	return 0;

fail:
	for (i = 0; i < nrepl; i++)
		free(repl[i].val);
	free(repl);
	free(stack);
	free(b.data);
	return -1;
}
