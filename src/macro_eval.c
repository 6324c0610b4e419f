/* SPDX-License-Identifier: Apache-2.0 */
/*
 * macro_eval.c - the evaluator of config macros (Expression.evaluate and
 * Expression.format): the value of one parsed macro over an indexed
 * cluster, appended to a budgeted output buffer.  Pure: no I/O.
 */
#include "config.h"

#include "macro.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "macro_int.h"

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
	    "no target node to evaluate '%s%s'", macro_type_prefix(v->type),
	    g->name);
}

/*
 * Mirrors Expression.evaluate: the [i], num and self forms ignore map()
 * and join().
 */
int
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
	if (macro_type_prefix(expr->type) == NULL || expr->service == NULL)
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
