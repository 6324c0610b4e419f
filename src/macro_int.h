/* SPDX-License-Identifier: Apache-2.0 */
/*
 * macro_int.h - what the macro files share and nothing else includes: the
 * parsed view of a macro, the indexed cluster, the output buffer and the
 * functions of each file that the others call.  macro.c is the expander
 * (scanner, string and tree expansion), macro_parse.c the parser,
 * macro_cluster.c the node index and macro_eval.c the evaluator.
 */
#ifndef LOOMD_MACRO_INT_H
#define LOOMD_MACRO_INT_H

#include <stddef.h>

#include "common.h"
#include "macro.h"

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

/*
 * Growable output buffer charged against a shared byte budget.  data is
 * owned by whoever holds the buffer and freed with free().
 */
struct macro_buf {
	char *data;
	size_t len;
	size_t cap;
	size_t *budget;
};

/* Record an error of the given kind; always returns -1. */
int LOOMD_PRINTF(4, 5) macro_error(enum macro_error_kind *kind,
    enum macro_error_kind k, char err[LOOMD_ERR_LEN], const char *fmt, ...);

/* Copy n bytes into a new NUL-terminated string; the caller frees it. */
char *macro_dup(const char *s, size_t n);

/* Append s[0, n) to b, failing if the budget is exhausted. */
int macro_buf_add(struct macro_buf *b, const char *s, size_t n,
    enum macro_error_kind *kind, char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/* Make sure b holds a NUL-terminated (possibly empty) string. */
void macro_buf_terminate(struct macro_buf *b);

/*
 * Parse one macro body into a view whose strings borrow from body
 * (macro_parse.c).  kind may be NULL.
 */
int macro_parse_view(const char *body, size_t len, struct macro_view *view,
    enum macro_error_kind *kind, char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/*
 * Find the group of a service, or NULL if no node runs it
 * (macro_cluster.c).  The group is borrowed from c.
 */
const struct macro_group *macro_find_group(const struct macro_cluster *c,
    const char *name, size_t len);

/*
 * Evaluate v and append its value to b; *isnull is set when the macro is
 * null (nothing appended) (macro_eval.c).  kind may be NULL.
 */
int macro_eval_view(const struct macro_cluster *c, const struct macro_view *v,
    struct macro_buf *b, int *isnull, enum macro_error_kind *kind,
    char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

#endif /* LOOMD_MACRO_INT_H */
