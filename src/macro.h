/* SPDX-License-Identifier: Apache-2.0 */
/*
 * macro.h - Loom 0.9 config macros (LOOM-0.9-API.md section 6): parsing of
 * %<expr>% macros (join, map, [index], self forms), their evaluation
 * against the nodes of a cluster (section 2.6 Node JSON) and the target
 * node of a task, and the expansion of every string value of a task config
 * tree (section 3.6).  Pure: no I/O.
 */
#ifndef LOOMD_MACRO_H
#define LOOMD_MACRO_H

#include <stddef.h>

#include <json-c/json.h>

#include "common.h"

/*
 * Upper bound on the bytes one expansion call may produce (all strings of
 * one macro_expand_json call together).  Going over it fails the call with
 * MACRO_ERR_TOO_LARGE; it stops a small config with many list macros from
 * growing into gigabytes on a large cluster.
 */
#define MACRO_OUTPUT_MAX (16u * 1024 * 1024)

/* Macro types and their spelling (Expression.Type). */
enum macro_type {
	MACRO_HOST_OF_SERVICE = 0,	/* host.service.S */
	MACRO_IP_OF_SERVICE,		/* ip.service.S */
	MACRO_NUM_OF_SERVICE,		/* num.service.S */
	MACRO_SELF_INSTANCE_OF_SERVICE, /* instance.self.service.S */
	MACRO_SELF_HOST_OF_SERVICE,	/* host.self.service.S */
	MACRO_SELF_IP_OF_SERVICE,	/* ip.self.service.S */
};

/*
 * What went wrong, so callers can tell the cases apart.  Every fallible
 * function below takes an optional enum macro_error_kind *kind, written
 * only on failure, next to the message in err.
 */
enum macro_error_kind {
	MACRO_ERR_NONE = 0,
	MACRO_ERR_SYNTAX,     /* Java SyntaxException */
	MACRO_ERR_INCOMPLETE, /* Java IncompleteClusterException */
	MACRO_ERR_TOO_LARGE,  /* over MACRO_OUTPUT_MAX (loomd only) */
};

/*
 * One parsed macro.  All strings are owned by the struct and released by
 * macro_expr_clear().  format/separator are NULL when absent (no map, no
 * join); they may hold NUL bytes, hence the lengths.
 */
struct macro_expr {
	enum macro_type type;
	char *service;
	char *format;
	size_t format_len;
	char *separator;
	size_t separator_len;
	int instance; /* [i], or -1 when absent */
};

/*
 * A text split into literal pieces and macros: for each item, the literal
 * text text[lit_off, lit_off + lit_len) comes before the macro; the text
 * from tail_off to len follows the last macro.
 */
struct macro_item {
	size_t lit_off;
	size_t lit_len;
	struct macro_expr expr;
};

struct macro_list {
	/* Owned copy of the text, NUL-terminated. */
	char *text;
	size_t len;
	/* Owned array of nitems items. */
	struct macro_item *items;
	size_t nitems;
	size_t tail_off;
};

/* The nodes of a cluster and the task's target node, ready for lookups. */
struct macro_cluster;

/* "host.service." etc.; NULL for an invalid value.  Static string. */
const char *macro_type_prefix(enum macro_type type);

/* Short name of an error kind ("syntax", ...).  Static string. */
const char *macro_error_kind_name(enum macro_error_kind kind);

/*
 * Split a macro name such as "host.service.abc" into its type and service
 * (Expression.typeAndNameOf): name[0, len) must start with one of the six
 * prefixes and have at least one more character.  *service is borrowed
 * from name (it points inside it) and *service_len is its length.
 * Returns -1 (kind MACRO_ERR_SYNTAX) if no prefix matches.  kind may be
 * NULL.
 */
int macro_parse_name(const char *name, size_t len, enum macro_type *type,
    const char **service, size_t *service_len, enum macro_error_kind *kind,
    char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/*
 * Parse one macro body, without the surrounding '%' (Parser.parse):
 * expr := join(inner,'sep') | inner; inner := map(basic,'fmt') | basic;
 * basic := <type><service>["[" digits "]"].  On success fills *out, which
 * the caller releases with macro_expr_clear(); on failure *out is left
 * cleared (safe to clear) and the kind is MACRO_ERR_SYNTAX.  kind may be
 * NULL.
 */
int macro_parse_expr(const char *body, size_t len, struct macro_expr *out,
    enum macro_error_kind *kind, char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/* Free the strings of expr and reset it; NULL is a no-op. */
void macro_expr_clear(struct macro_expr *expr);

/*
 * Apply a map() format to one value (Expression.format): each '$' is
 * replaced by value, "$$" gives a literal '$'.  Returns a new string, the
 * caller frees it with free().
 */
char *macro_format(const char *format, const char *value);

/*
 * Scan text[0, len) for %...% macros ("%%" is skipped, not a delimiter; a
 * '%' without a closing one is plain text) and parse each.  On success
 * *out is a new list, the caller frees it with macro_list_free().  A bad
 * macro fails with MACRO_ERR_SYNTAX.  kind may be NULL.
 */
int macro_list_parse(const char *text, size_t len, struct macro_list **out,
    enum macro_error_kind *kind, char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/* Free a list from macro_list_parse(); NULL is a no-op. */
void macro_list_free(struct macro_list *list);

/*
 * Check the syntax of every macro of text[0, len) without expanding
 * (Expander.validate).  kind may be NULL.
 */
int macro_validate(const char *text, size_t len, enum macro_error_kind *kind,
    char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/*
 * Build the lookup context for a cluster.  nodes is a json-c array of
 * section 2.6 Node objects, in the order list macros iterate them (the
 * server and the tests use ascending node id); target is the Node object
 * of the node the task runs on (for the self forms), or NULL.  Both are
 * borrowed for the duration of the call only: everything needed is
 * copied.  nodes may be NULL (no nodes).  A node's services may be full
 * Service objects (their "name" is used) or plain name strings; elements
 * of any other shape are ignored, as are non-object nodes.  Properties
 * used: hostname, ipaddress (string, number or boolean values; anything
 * else counts as missing) and nodenum (integer or decimal string).
 * Returns a new context, the caller frees it with macro_cluster_free().
 */
struct macro_cluster *macro_cluster_new(struct json_object *nodes,
    struct json_object *target);

/* Free a context; NULL is a no-op. */
void macro_cluster_free(struct macro_cluster *cluster);

/*
 * Evaluate one expression (Expression.evaluate).  The list forms
 * host/ip.service.S give the values of S's nodes in the order of the nodes
 * array, each formatted by map() and joined by join()'s separator (","
 * by default).  [i] (0-based) and instance.self (1-based) order S's nodes
 * by numeric nodenum (ties keep array order) and need a valid nodenum on
 * each of them; num.service.S and host/ip.self.service.S do not.  As in
 * Java, the [i], num and self forms ignore map() and join(), and the
 * host/ip self forms return the target's own value even when the target
 * does not run S (S must run somewhere, else null).
 * On success *out is a new string that the caller frees with free(), or
 * NULL when the macro evaluates to null: no node has the service, or
 * instance.self for a target without the service.  Errors are
 * MACRO_ERR_INCOMPLETE (missing property, index out of range, no target
 * for a self form) or MACRO_ERR_TOO_LARGE.  kind may be NULL.
 */
int macro_expr_eval(const struct macro_cluster *cluster,
    const struct macro_expr *expr, char **out, enum macro_error_kind *kind,
    char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/*
 * Expand every macro of text[0, len) (Expander.expand).  Text around
 * macros is copied; each macro is replaced by its value.  QUIRK kept from
 * Java (section 6): a null-valued macro is dropped when some other macro
 * of the same text expanded, otherwise the text is returned unchanged,
 * null macros included.  On success *out is a new NUL-terminated string
 * (always, even when nothing changed), the caller frees it with free();
 * *outlen (may be NULL) gets its length and *changed (may be NULL) is 1
 * if some macro expanded.  On failure *out is NULL.  kind may be NULL.
 * Macros are evaluated as they are parsed (as in Java), so a text with an
 * incomplete macro before a malformed one fails with MACRO_ERR_INCOMPLETE.
 * Note "%a%%b%" is not two macros: the scanner skips the "%%".
 */
int macro_expand_string(const struct macro_cluster *cluster, const char *text,
    size_t len, char **out, size_t *outlen, int *changed,
    enum macro_error_kind *kind, char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/*
 * Expand, IN PLACE, every string value (not object keys) in the subtree of
 * root found by following path, a NULL-terminated list of object keys
 * (NULL or empty: the whole tree).  If the path does not lead to a value
 * nothing changes and 0 is returned.  The tree stays borrowed; changed
 * string objects are modified with json_object_set_string_len(), so a
 * string object shared with another tree changes there too (deep-copy
 * first if that matters).  All or nothing: on failure the tree is left
 * untouched.  *changed (may be NULL) is 1 if some string changed.  The
 * walk is iterative, so nesting depth is not limited here.  kind may be
 * NULL.
 */
int macro_expand_json(const struct macro_cluster *cluster,
    struct json_object *root, const char *const *path, int *changed,
    enum macro_error_kind *kind, char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

#endif /* LOOMD_MACRO_H */
