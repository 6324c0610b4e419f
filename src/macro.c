/* SPDX-License-Identifier: Apache-2.0 */
/*
 * macro.c - Loom 0.9 config macros (LOOM-0.9-API.md section 6), a port of
 * Expander.java, Parser.java and Expression.java.  This file is the
 * expander: the scanner that finds %...% macros, the expansion of one
 * string and the iterative, all-or-nothing expansion of a json-c tree,
 * plus the error and output-buffer helpers the other macro files share.
 * The parser is in macro_parse.c (the small fixed grammar, no recursion,
 * so no nesting to bound), the pre-indexed copy of the cluster's nodes in
 * macro_cluster.c (one binary search per macro instead of a scan of every
 * node's services) and the evaluator in macro_eval.c.  Every expansion
 * call has an output budget (MACRO_OUTPUT_MAX).
 */
#include "config.h"

#include "macro.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "macro_int.h"

/* A string object of the tree and the value it gets once all succeeded. */
struct macro_repl {
	struct json_object *obj;
	char *val;
	size_t len;
};

/* Record an error of the given kind; always returns -1. */
int LOOMD_PRINTF(4, 5) macro_error(enum macro_error_kind *kind,
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

/* Copy n bytes into a new NUL-terminated string. */
char *
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
int
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
void
macro_buf_terminate(struct macro_buf *b)
{
	if (b->data == NULL) {
		b->data = xmalloc(1);
		b->cap = 1;
	}
	b->data[b->len] = '\0';
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
