/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_macro.c - unit tests of the macro module: every case of
 * macro-cases.json (ExpressionTest, ParserTest, ExpanderTest of Loom 0.9),
 * read at test time from tests/data/loom-fixtures, plus loomd's own cases
 * for the rules of LOOM-0.9-API.md section 6 the fixtures do not reach:
 * errors, the null macro QUIRK, the self forms, all-or-nothing JSON
 * expansion and the limits that keep hostile input cheap.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <json-c/json.h>

#include "common.h"
#include "fixture_data.h"
#include "macro.h"

/* Load macro-cases.json; the caller puts it. */
static struct json_object *
fx_load(void)
{
	return fx_data_loom("macro-cases.json");
}

/* Member as a string, or NULL if absent or JSON null. */
static const char *
fx_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return NULL;
	return json_object_get_string(v);
}

/* Whether the object has the key (even with a null value). */
static int
fx_has(struct json_object *o, const char *key)
{
	return json_object_object_get_ex(o, key, NULL);
}

/* Node of the shared cluster with the given id (borrowed). */
static struct json_object *
fx_node(struct json_object *fx, const char *id)
{
	return fx_data_find(fx_data_get(fx, "cluster_nodes"), "id", id);
}

/* Context for the shared cluster with the given target (or none). */
static struct macro_cluster *
fx_cluster(struct json_object *fx, const char *target)
{
	return macro_cluster_new(fx_data_get(fx, "cluster_nodes"),
	    target == NULL ? NULL : fx_node(fx, target));
}

/* Map a fixture type name (HOST_OF_SERVICE ...) to the enum. */
static enum macro_type
fx_type(struct json_object *fx, const char *name)
{
	const char *prefix;
	int i;

	prefix = fx_str(fx_data_get(fx, "expression_types"), name);
	cr_assert_not_null(prefix, "unknown type %s", name);
	for (i = 0; macro_type_prefix((enum macro_type)i) != NULL; i++) {
		if (strcmp(macro_type_prefix((enum macro_type)i), prefix) == 0)
			return (enum macro_type)i;
	}
	cr_assert_fail("no macro type with prefix %s", prefix);
	return MACRO_HOST_OF_SERVICE;
}

/* Compare nullable strings. */
static int
fx_streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Check a parsed expression against a fixture expression object. */
static void
fx_check_expr(struct json_object *fx, const struct macro_expr *e,
    struct json_object *want, const char *what)
{
	struct json_object *inst;

	cr_assert_eq(e->type, fx_type(fx, fx_str(want, "type")), "%s: type",
	    what);
	cr_assert_str_eq(e->service, fx_str(want, "service"), "%s: service",
	    what);
	cr_assert(fx_streq(e->format, fx_str(want, "format")),
	    "%s: format '%s'", what, e->format ? e->format : "(null)");
	cr_assert(fx_streq(e->separator, fx_str(want, "separator")),
	    "%s: separator", what);
	inst = fx_data_get(want, "instance");
	cr_assert_eq(e->instance,
	    inst == NULL ? -1 : json_object_get_int(inst), "%s: instance",
	    what);
}

/* Run fn over every case of the given kind; returns how many. */
static int
fx_each(struct json_object *fx, const char *kind,
    void (*fn)(struct json_object *, struct json_object *))
{
	struct json_object *cases, *c;
	size_t i;
	int n = 0;

	cases = fx_data_get(fx, "cases");
	for (i = 0; i < json_object_array_length(cases); i++) {
		c = json_object_array_get_idx(cases, i);
		if (strcmp(fx_str(c, "kind"), kind) != 0)
			continue;
		fn(fx, c);
		n++;
	}
	return n;
}

/* Expand text against the shared cluster; expects success. */
static char *
expand_ok(const struct macro_cluster *cl, const char *text, int *changed)
{
	char err[LOOMD_ERR_LEN] = "";
	char *out;
	enum macro_error_kind kind = MACRO_ERR_NONE;

	cr_assert_eq(macro_expand_string(cl, text, strlen(text), &out, NULL,
			 changed, &kind, err),
	    0, "'%s': %s", text, err);
	cr_assert_eq(kind, MACRO_ERR_NONE);
	return out;
}

/*
 * Expand text against cl; expects success with want, and changed (0 or 1)
 * unless it is -1 (then no changed flag is asked for).
 */
static void
expect_expand(const struct macro_cluster *cl, const char *text,
    const char *want, int changed)
{
	char *out;
	int got = -1;

	out = expand_ok(cl, text, changed >= 0 ? &got : NULL);
	cr_assert_str_eq(out, want, "'%s'", text);
	if (changed >= 0)
		cr_assert_eq(got, changed, "'%s': changed", text);
	free(out);
}

/* Expand text expecting an error of the given kind. */
static void
expand_fail(const struct macro_cluster *cl, const char *text,
    enum macro_error_kind want)
{
	char err[LOOMD_ERR_LEN] = "";
	char *out = (char *)1;
	enum macro_error_kind kind = MACRO_ERR_NONE;

	cr_assert_eq(macro_expand_string(cl, text, strlen(text), &out, NULL,
			 NULL, &kind, err),
	    -1, "'%s' should fail", text);
	cr_assert_null(out);
	cr_assert_eq(kind, want, "'%s': kind %s, want %s (%s)", text,
	    macro_error_kind_name(kind), macro_error_kind_name(want), err);
	cr_assert_neq(err[0], '\0', "'%s': empty message", text);
}

/* ---- fixture cases ---------------------------------------------------- */

static void
case_evaluate(struct json_object *fx, struct json_object *c)
{
	struct json_object *want, *inst;
	struct macro_cluster *cl;
	struct macro_expr e, parsed;
	enum macro_error_kind kind = MACRO_ERR_NONE;
	const char *test, *macro, *expected, *experr, *fmt, *sep;
	char err[LOOMD_ERR_LEN], text[256], *out, *out2;
	int rc, rc2, changed;

	test = fx_str(c, "test");
	want = fx_data_get(c, "expression");
	cl = fx_cluster(fx, fx_str(c, "target_node"));

	/* The expression as ExpressionTest builds it. */
	memset(&e, 0, sizeof e);
	e.type = fx_type(fx, fx_str(want, "type"));
	e.service = (char *)fx_str(want, "service");
	fmt = fx_str(want, "format");
	sep = fx_str(want, "separator");
	e.format = (char *)fmt;
	e.format_len = fmt ? strlen(fmt) : 0;
	e.separator = (char *)sep;
	e.separator_len = sep ? strlen(sep) : 0;
	inst = fx_data_get(want, "instance");
	e.instance = inst == NULL ? -1 : json_object_get_int(inst);

	/* The same expression from its macro text. */
	macro = fx_str(c, "equivalent_macro");
	cr_assert_eq(macro_parse_expr(macro, strlen(macro), &parsed, NULL,
			 err),
	    0, "%s: %s", test, err);
	fx_check_expr(fx, &parsed, want, test);

	experr = fx_str(c, "expected_error");
	expected = fx_str(c, "expected");
	rc = macro_expr_eval(cl, &e, &out, &kind, err);
	rc2 = macro_expr_eval(cl, &parsed, &out2, NULL, err);
	cr_assert_eq(rc, rc2, "%s: parsed and built differ", test);
	snprintf(text, sizeof text, "<%%%s%%>", macro);
	if (experr != NULL) {
		cr_assert_str_eq(experr, "IncompleteClusterException");
		cr_assert_eq(rc, -1, "%s: should fail", test);
		cr_assert_eq(kind, MACRO_ERR_INCOMPLETE, "%s", test);
		expand_fail(cl, text, MACRO_ERR_INCOMPLETE);
	} else if (expected == NULL) {
		cr_assert(fx_has(c, "expected"), "%s: no expected", test);
		cr_assert_eq(rc, 0, "%s: %s", test, err);
		cr_assert_null(out, "%s: should be null, got %s", test, out);
		cr_assert_null(out2);
		/* A lone null macro leaves the string as it is. */
		expect_expand(cl, text, text, 0);
	} else {
		cr_assert_eq(rc, 0, "%s: %s", test, err);
		cr_assert_str_eq(out, expected, "%s", test);
		cr_assert_str_eq(out2, expected, "%s", test);
		free(out);
		free(out2);
		out = expand_ok(cl, text, &changed);
		snprintf(text, sizeof text, "<%s>", expected);
		cr_assert_str_eq(out, text, "%s", test);
		cr_assert_eq(changed, 1);
		free(out);
	}
	macro_expr_clear(&parsed);
	macro_cluster_free(cl);
}

static void
case_format(UNUSED struct json_object *fx, struct json_object *c)
{
	char *out;

	out = macro_format(fx_str(c, "format"), fx_str(c, "value"));
	cr_assert_str_eq(out, fx_str(c, "expected"), "format '%s'",
	    fx_str(c, "format"));
	free(out);
}

static void
case_macro_name(struct json_object *fx, struct json_object *c)
{
	struct json_object *want;
	enum macro_error_kind kind = MACRO_ERR_NONE;
	enum macro_type type;
	const char *in, *svc;
	char err[LOOMD_ERR_LEN];
	size_t len;
	int rc;

	in = fx_str(c, "input");
	rc = macro_parse_name(in, strlen(in), &type, &svc, &len, &kind, err);
	if (fx_str(c, "expected_error") != NULL) {
		cr_assert_str_eq(fx_str(c, "expected_error"),
		    "SyntaxException");
		cr_assert_eq(rc, -1, "'%s' should fail", in);
		cr_assert_eq(kind, MACRO_ERR_SYNTAX);
		return;
	}
	want = fx_data_get(c, "expected");
	cr_assert_eq(rc, 0, "'%s': %s", in, err);
	cr_assert_eq(type, fx_type(fx, fx_str(want, "type")));
	cr_assert_eq(len, strlen(fx_str(want, "service")));
	cr_assert(memcmp(svc, fx_str(want, "service"), len) == 0);
}

static void
case_parse(struct json_object *fx, struct json_object *c)
{
	struct macro_expr e;
	enum macro_error_kind kind = MACRO_ERR_NONE;
	const char *in;
	char err[LOOMD_ERR_LEN] = "", text[256];
	int rc;

	in = fx_str(c, "input");
	rc = macro_parse_expr(in, strlen(in), &e, &kind, err);
	snprintf(text, sizeof text, "x %%%s%% y", in);
	if (fx_str(c, "expected_error") != NULL) {
		cr_assert_str_eq(fx_str(c, "expected_error"),
		    "SyntaxException");
		cr_assert_eq(rc, -1, "'%s' should fail", in);
		cr_assert_eq(kind, MACRO_ERR_SYNTAX, "'%s'", in);
		cr_assert_neq(err[0], '\0');
		cr_assert_null(e.service);
		/* An empty macro cannot occur in a text: "%%" is skipped. */
		if (*in == '\0') {
			cr_assert_eq(macro_validate(text, strlen(text), NULL,
					 err),
			    0);
			return;
		}
		/* The same inside a text. */
		kind = MACRO_ERR_NONE;
		cr_assert_eq(macro_validate(text, strlen(text), &kind, err),
		    -1, "'%s'", text);
		cr_assert_eq(kind, MACRO_ERR_SYNTAX);
		return;
	}
	cr_assert_eq(rc, 0, "'%s': %s", in, err);
	fx_check_expr(fx, &e, fx_data_get(c, "expected"), in);
	macro_expr_clear(&e);
	cr_assert_eq(macro_validate(text, strlen(text), NULL, err), 0,
	    "'%s': %s", text, err);
}

static void
case_validate(UNUSED struct json_object *fx, struct json_object *c)
{
	const char *in;
	char err[LOOMD_ERR_LEN];

	in = fx_str(c, "input");
	cr_assert(fx_has(c, "expected_error"));
	cr_assert_null(fx_str(c, "expected_error"));
	cr_assert_eq(macro_validate(in, strlen(in), NULL, err), 0, "'%s': %s",
	    in, err);
}

static void
case_expand_string(struct json_object *fx, struct json_object *c)
{
	struct macro_cluster *cl;

	cl = fx_cluster(fx, fx_str(c, "target_node"));
	expect_expand(cl, fx_str(c, "input"), fx_str(c, "expected"), 1);
	macro_cluster_free(cl);
}

/* Build a NULL-terminated key list from a JSON array (or NULL). */
static const char **
fx_path(struct json_object *arr)
{
	const char **p;
	size_t i, n;

	if (arr == NULL)
		return NULL;
	n = json_object_array_length(arr);
	p = xcalloc(n + 1, sizeof *p);
	for (i = 0; i < n; i++)
		p[i] =
		    json_object_get_string(json_object_array_get_idx(arr, i));
	return p;
}

static void
case_expand_json(struct json_object *fx, struct json_object *c)
{
	struct json_object *tree = NULL, *vals, *v, *at, *subs;
	struct macro_cluster *cl;
	enum macro_error_kind kind = MACRO_ERR_NONE;
	const char **path, **vpath, *text;
	char err[LOOMD_ERR_LEN] = "";
	size_t i, j;
	int changed = -1;

	cl = fx_cluster(fx, fx_str(c, "target_node"));
	cr_assert_eq(json_object_deep_copy(fx_data_get(c, "input"), &tree,
			 NULL),
	    0);
	path = fx_path(fx_data_get(c, "path"));
	cr_assert_eq(macro_expand_json(cl, tree, path, &changed, &kind, err),
	    0, "%s: %s", fx_str(c, "test"), err);
	if (fx_has(c, "expected_changed"))
		cr_assert_eq(changed,
		    json_object_get_boolean(
			fx_data_get(c, "expected_changed")));

	vals = fx_data_get(c, "expected_values");
	for (i = 0; i < json_object_array_length(vals); i++) {
		v = json_object_array_get_idx(vals, i);
		vpath = fx_path(fx_data_get(v, "path"));
		at = tree;
		for (j = 0; vpath[j] != NULL; j++)
			cr_assert(json_object_object_get_ex(at, vpath[j], &at),
			    "no key %s", vpath[j]);
		cr_assert_str_eq(json_object_get_string(at),
		    fx_str(v, "value"), "at %s", vpath[j - 1]);
		free(vpath);
	}

	/* Java checks substrings of the compact JSON text. */
	if (json_object_object_get_ex(c, "java_asserted_substrings", &subs)) {
		text = json_object_to_json_string_ext(tree,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
		for (i = 0; i < json_object_array_length(subs); i++)
			cr_assert_not_null(
			    strstr(text,
				json_object_get_string(
				    json_object_array_get_idx(subs, i))),
			    "'%s' not in %s",
			    json_object_get_string(
				json_object_array_get_idx(subs, i)),
			    text);
	}
	free(path);
	json_object_put(tree);
	macro_cluster_free(cl);
}

/* The kinds of macro-cases.json, the case function of each, and how many. */
static const struct {
	const char *kind;
	void (*fn)(struct json_object *, struct json_object *);
	int n;
} fx_kinds[] = {
	{ "evaluate_expression", case_evaluate, 18 },
	{ "format", case_format, 7 },
	{ "macro_name", case_macro_name, 6 },
	{ "parse", case_parse, 37 },
	{ "validate", case_validate, 2 },
	{ "expand_string", case_expand_string, 1 },
	{ "expand_json", case_expand_json, 2 },
};

/* Every case of every kind passes, each kind has its count, and there are
 * 73 cases, none of a kind not handled above. */
Test(macro, fixture_cases)
{
	struct json_object *fx = fx_load(), *cases;
	const char *k;
	size_t i, j;

	for (j = 0; j < sizeof fx_kinds / sizeof fx_kinds[0]; j++)
		cr_assert_eq(fx_each(fx, fx_kinds[j].kind, fx_kinds[j].fn),
		    fx_kinds[j].n, "kind %s", fx_kinds[j].kind);
	cases = fx_data_get(fx, "cases");
	cr_assert_eq(json_object_array_length(cases), 73);
	for (i = 0; i < json_object_array_length(cases); i++) {
		k = fx_str(json_object_array_get_idx(cases, i), "kind");
		for (j = 0; j < sizeof fx_kinds / sizeof fx_kinds[0]; j++)
			if (strcmp(k, fx_kinds[j].kind) == 0)
				break;
		cr_assert_lt(j, sizeof fx_kinds / sizeof fx_kinds[0],
		    "unhandled kind %s", k);
	}
	json_object_put(fx);
}

/* ---- loomd's own cases ------------------------------------------------ */

/* Section 6 example, on a cluster whose nodes are full section 2.6 Nodes. */
Test(macro, spec_example_zookeeper_full_node_json)
{
	static const char nodes_json[] =
	    "["
	    "{\"id\":\"a\",\"clusterId\":\"00000001\",\"services\":["
	    "{\"name\":\"zookeeper\",\"description\":\"\",\"dependson\":[],"
	    "\"provisioner\":{\"actions\":{}}}],"
	    "\"properties\":{\"hostname\":\"hostA\",\"nodenum\":\"1000\"},"
	    "\"actions\":[]},"
	    "{\"id\":\"b\",\"services\":[{\"name\":\"hosts\"}],"
	    "\"properties\":{\"hostname\":\"hostX\",\"nodenum\":\"1001\"}},"
	    "{\"id\":\"c\",\"services\":[{\"name\":\"hosts\"},"
	    "{\"name\":\"zookeeper\"}],"
	    "\"properties\":{\"hostname\":\"hostB\",\"nodenum\":\"1002\"}},"
	    "{\"id\":\"d\",\"services\":[{\"name\":\"zookeeper\"}],"
	    "\"properties\":{\"hostname\":\"hostC\",\"nodenum\":\"1003\"}}]";
	struct json_object *nodes;
	struct macro_cluster *cl;

	nodes = json_tokener_parse(nodes_json);
	cr_assert_not_null(nodes);
	cl = macro_cluster_new(nodes, json_object_array_get_idx(nodes, 2));
	json_object_put(nodes); /* the context keeps copies */
	expect_expand(cl,
	    "%join(map(host.service.zookeeper,'$:2181'),',')%"
	    "/ns",
	    "hostA:2181,hostB:2181,hostC:2181/ns", 1);
	expect_expand(cl,
	    "%instance.self.service.zookeeper% of "
	    "%num.service.zookeeper%",
	    "2 of 3", -1);
	macro_cluster_free(cl);
}

/* The scanner skips "%%" and does not un-escape it; a lone '%' is text. */
Test(macro, percent_handling)
{
	struct json_object *fx = fx_load();
	struct macro_cluster *cl = fx_cluster(fx, "foo");

	expect_expand(cl, "100%% sure: %num.service.svc1%", "100%% sure: 3",
	    -1);
	/* Unterminated '%': plain text, not an error (Expander.java). */
	expect_expand(cl, "abc %host.service.svc1", "abc %host.service.svc1",
	    0);
	expect_expand(cl, "%num.service.svc1% is 50% ", "3 is 50% ", -1);
	expect_expand(cl, "%", "%", -1);
	expect_expand(cl, "", "", 0);
	/* ...but two lone '%' delimit a macro. */
	expand_fail(cl, "from 50% to 60%", MACRO_ERR_SYNTAX);
	/* "%%" inside a macro stays in it and makes it invalid. */
	expand_fail(cl, "%num.service.%%svc1%", MACRO_ERR_SYNTAX);
	/* Adjacent macros do not work: their "%%" is skipped (Java). */
	expand_fail(cl, "%num.service.svc1%%num.service.svc2%",
	    MACRO_ERR_SYNTAX);
	expect_expand(cl, "%num.service.svc1%-%num.service.svc2%", "3-2", -1);
	/* An empty macro "%%" is skipped, so this is plain text. */
	expect_expand(cl, "%%", "%%", -1);
	macro_cluster_free(cl);
	json_object_put(fx);
}

Test(macro, syntax_errors)
{
	static const char *const bad[] = {
		"%%%",				    /* "%%", then a lone '%' */
		"a%%b%%c",			    /* no macro at all */
		"x%%%y%",			    /* "%%", then macro "y" */
		"%reverse(host.service.svc1,',')%", /* unknown */
		"%join(reverse(host.service.svc1),',')%",
		"%map(join(host.service.svc1,','),'$')%",
		"%join(join(host.service.svc1,','),',')%",
		"%Join(host.service.svc1,',')%",
		"%join (host.service.svc1,',')%",
		"%host.service.svc1 %",
		"% host.service.svc1%",
		"%HOST.service.svc1%",
		"%cluster.owner%",	  /* added after 0.9 */
		"%host.service.svc1[x]%", /* bad index */
		"%host.service.svc1[-1]%",
		"%host.service.svc1[1.]%",
		"%host.service.svc1[ 1]%",
		"%host.service.svc1[99999999999]%",
		"%host.service.svc1[2147483648]%",
		"%host.service.svc1[1][2]%",
		"%host.service.svc[1]1%",
		"%map(host.service.svc1,'$')x%",
		"%join(host.service.svc1,'a'b')%",
		"%host.service.své%",
		"ok %num.service.svc1% then %bad%",
	};
	struct json_object *fx = fx_load();
	struct macro_cluster *cl = fx_cluster(fx, "foo");
	char err[LOOMD_ERR_LEN];
	size_t i;

	/* The first two are in fact valid text: check the scanner. */
	for (i = 0; i < 2; i++)
		cr_assert_eq(macro_validate(bad[i], strlen(bad[i]), NULL, err),
		    0, "'%s': %s", bad[i], err);
	for (i = 2; i < sizeof bad / sizeof bad[0]; i++) {
		expand_fail(cl, bad[i], MACRO_ERR_SYNTAX);
		cr_assert_eq(macro_validate(bad[i], strlen(bad[i]), NULL, err),
		    -1, "'%s'", bad[i]);
	}
	macro_cluster_free(cl);
	json_object_put(fx);
}

/* Leading zeros and the largest index parse; the index is 0-based. */
Test(macro, index_forms)
{
	struct json_object *fx = fx_load();
	struct macro_cluster *cl = fx_cluster(fx, "foo");
	struct macro_expr e;
	char err[LOOMD_ERR_LEN];

	cr_assert_eq(macro_parse_expr("ip.service.x[2147483647]", 24, &e, NULL,
			 err),
	    0, "%s", err);
	cr_assert_eq(e.instance, 2147483647);
	macro_expr_clear(&e);
	/* svc1 by nodenum: foo(0) oof, bar(5) rab, one(8) eno. */
	expect_expand(cl, "%host.service.svc1[002]%", "eno", -1);
	/* svc2 by nodenum: foo(0) and two(9); two has no ipaddress. */
	expect_expand(cl, "%ip.service.svc2[0]%", "9.7.8.4", -1);
	expand_fail(cl, "%ip.service.svc2[1]%", MACRO_ERR_INCOMPLETE);
	/* Out of range, including the largest index. */
	expand_fail(cl, "%host.service.svc1[3]%", MACRO_ERR_INCOMPLETE);
	expand_fail(cl, "%host.service.svc1[2147483647]%",
	    MACRO_ERR_INCOMPLETE);
	/* A service nobody runs stays null even with an index. */
	expect_expand(cl, "%host.service.svc9[7]%", "%host.service.svc9[7]%",
	    -1);
	macro_cluster_free(cl);
	json_object_put(fx);
}

/*
 * Nodenum order is numeric: two (9) before thr (10), though "10" < "9" as
 * text.  Uses a cluster where both run one service.
 */
Test(macro, nodenum_order_is_numeric)
{
	struct json_object *nodes;
	struct macro_cluster *cl;

	nodes = json_tokener_parse(
	    "["
	    "{\"id\":\"a\",\"services\":[\"s\"],\"properties\":"
	    "{\"hostname\":\"ten\",\"nodenum\":\"10\"}},"
	    "{\"id\":\"b\",\"services\":[\"s\"],\"properties\":"
	    "{\"hostname\":\"nine\",\"nodenum\":9}}]");
	cl = macro_cluster_new(nodes, json_object_array_get_idx(nodes, 0));
	expect_expand(cl,
	    "%host.service.s[0]% %host.service.s% "
	    "%instance.self.service.s%",
	    "nine ten,nine 2", -1);
	macro_cluster_free(cl);
	json_object_put(nodes);
}

Test(macro, self_forms)
{
	struct json_object *fx = fx_load();
	struct macro_cluster *cl;

	/* one: nodenum 8, third svc1 node by nodenum. */
	cl = fx_cluster(fx, "one");
	expect_expand(cl,
	    "%instance.self.service.svc1%/"
	    "%host.self.service.svc1%/%ip.self.service.svc1%",
	    "3/eno/9.1.3.4", -1);
	/* The self host/ip forms give the target's own value (section 6). */
	expect_expand(cl, "%host.self.service.svc3%", "eno", -1);
	/* Target without the service: instance.self is null. */
	expect_expand(cl, "id=%instance.self.service.svc2%",
	    "id=%instance.self.service.svc2%", 0);
	macro_cluster_free(cl);

	/* thr has no hostname, two has no ipaddress. */
	cl = fx_cluster(fx, "thr");
	expand_fail(cl, "%host.self.service.svc3%", MACRO_ERR_INCOMPLETE);
	expect_expand(cl, "%ip.self.service.svc3%", "9.6.8.8", -1);
	macro_cluster_free(cl);
	cl = fx_cluster(fx, "two");
	expand_fail(cl, "%ip.self.service.svc2%", MACRO_ERR_INCOMPLETE);
	expect_expand(cl, "%instance.self.service.svc2%", "2", -1);
	macro_cluster_free(cl);

	/* No target node at all. */
	cl = fx_cluster(fx, NULL);
	expand_fail(cl, "%host.self.service.svc1%", MACRO_ERR_INCOMPLETE);
	expand_fail(cl, "%instance.self.service.svc1%", MACRO_ERR_INCOMPLETE);
	expect_expand(cl, "%num.service.svc1%", "3", -1);
	macro_cluster_free(cl);
	json_object_put(fx);
}

/* QUIRK of section 6: null macros vanish only if another one expanded. */
Test(macro, null_macro_quirk)
{
	struct json_object *fx = fx_load();
	struct macro_cluster *cl = fx_cluster(fx, "bar");
	char *out;
	int changed;

	out = expand_ok(cl, "a%host.service.svc4%b%num.service.svc2%c",
	    &changed);
	cr_assert_str_eq(out, "ab2c");
	cr_assert_eq(changed, 1);
	free(out);
	out = expand_ok(cl,
	    "a%num.service.svc2%b%instance.self.service.svc2%c", &changed);
	cr_assert_str_eq(out, "a2bc");
	free(out);
	expect_expand(cl,
	    "a%host.service.svc4%b%instance.self.service."
	    "svc2%c",
	    "a%host.service.svc4%b%instance.self.service."
	    "svc2%c",
	    0);
	macro_cluster_free(cl);
	json_object_put(fx);
}

/* A missing property fails; the message names property and node. */
Test(macro, incomplete_cluster_messages)
{
	struct json_object *fx = fx_load();
	struct macro_cluster *cl = fx_cluster(fx, "foo");
	char err[LOOMD_ERR_LEN], *out;
	enum macro_error_kind kind;
	const char *t = "%host.service.svc3%";

	cr_assert_eq(macro_expand_string(cl, t, strlen(t), &out, NULL, NULL,
			 &kind, err),
	    -1);
	cr_assert_eq(kind, MACRO_ERR_INCOMPLETE);
	cr_assert_not_null(strstr(err, "hostname"), "%s", err);
	cr_assert_not_null(strstr(err, "thr"), "%s", err);
	cr_assert_str_eq(macro_error_kind_name(kind), "incomplete cluster");
	macro_cluster_free(cl);
	json_object_put(fx);
}

/* Nodes without a usable nodenum cannot be ordered for [i] / self. */
Test(macro, missing_nodenum)
{
	struct json_object *nodes;
	struct macro_cluster *cl;
	char *out;

	nodes = json_tokener_parse(
	    "["
	    "{\"id\":\"a\",\"services\":[\"s\"],\"properties\":"
	    "{\"hostname\":\"ha\",\"nodenum\":\"1\"}},"
	    "{\"id\":\"b\",\"services\":[\"s\"],\"properties\":"
	    "{\"hostname\":\"hb\",\"nodenum\":\"x2\"}}]");
	cl = macro_cluster_new(nodes, json_object_array_get_idx(nodes, 0));
	expand_fail(cl, "%host.service.s[0]%", MACRO_ERR_INCOMPLETE);
	expand_fail(cl, "%instance.self.service.s%", MACRO_ERR_INCOMPLETE);
	/* The list, count and self-host forms do not need it. */
	out = expand_ok(cl,
	    "%host.service.s%;%num.service.s%;"
	    "%host.self.service.s%",
	    NULL);
	cr_assert_str_eq(out, "ha,hb;2;ha");
	free(out);
	macro_cluster_free(cl);
	json_object_put(nodes);
}

Test(macro, list_parse)
{
	struct macro_list *l;
	const char *t = "a %num.service.x% b %%c "
			"%join(ip.service.y,'-')%tail %";
	char err[LOOMD_ERR_LEN];

	cr_assert_eq(macro_list_parse(t, strlen(t), &l, NULL, err), 0, "%s",
	    err);
	cr_assert_eq(l->nitems, 2);
	cr_assert_eq(l->items[0].lit_off, 0);
	cr_assert_eq(l->items[0].lit_len, 2);
	cr_assert_eq(l->items[0].expr.type, MACRO_NUM_OF_SERVICE);
	cr_assert_str_eq(l->items[0].expr.service, "x");
	cr_assert_eq(l->items[1].lit_len, strlen(" b %%c "));
	cr_assert(memcmp(l->text + l->items[1].lit_off, " b %%c ", 7) == 0);
	cr_assert_eq(l->items[1].expr.type, MACRO_IP_OF_SERVICE);
	cr_assert_str_eq(l->items[1].expr.separator, "-");
	cr_assert_null(l->items[1].expr.format);
	cr_assert_str_eq(l->text + l->tail_off, "tail %");
	macro_list_free(l);
	cr_assert_eq(macro_list_parse("%x%", 3, &l, NULL, err), -1);
	cr_assert_null(l);
	macro_list_free(NULL);
	macro_cluster_free(NULL);
	macro_expr_clear(NULL);
}

/* JSON expansion: arrays, numbers untouched, keys untouched, paths. */
Test(macro, json_walk)
{
	struct json_object *fx = fx_load(), *tree, *v;
	struct macro_cluster *cl = fx_cluster(fx, "foo");
	static const char *const path[] = { "a", NULL };
	static const char *const nopath[] = { "a", "zz", NULL };
	static const char *const badpath[] = { "n", "x", NULL };
	char err[LOOMD_ERR_LEN];
	int changed;

	tree = json_tokener_parse(
	    "{\"a\":[\"%num.service.svc1%\",1,null,"
	    "{\"%host.service.svc1%\":\"%host.service.svc1[0]%\"}],"
	    "\"b\":\"%num.service.svc2%\",\"n\":5}");
	cr_assert_eq(macro_expand_json(cl, tree, nopath, &changed, NULL, err),
	    0);
	cr_assert_eq(changed, 0);
	cr_assert_eq(macro_expand_json(cl, tree, badpath, &changed, NULL, err),
	    0);
	cr_assert_eq(changed, 0);
	cr_assert_eq(macro_expand_json(cl, tree, path, &changed, NULL, err), 0,
	    "%s", err);
	cr_assert_eq(changed, 1);
	cr_assert_str_eq(json_object_to_json_string_ext(tree,
			     JSON_C_TO_STRING_PLAIN),
	    "{\"a\":[\"3\",1,null,"
	    "{\"%host.service.svc1%\":\"oof\"}],"
	    "\"b\":\"%num.service.svc2%\",\"n\":5}");
	cr_assert_eq(macro_expand_json(cl, tree, NULL, &changed, NULL, err),
	    0);
	cr_assert_eq(changed, 1);
	cr_assert(json_object_object_get_ex(tree, "b", &v));
	cr_assert_str_eq(json_object_get_string(v), "2");
	/* Nothing left to expand. */
	cr_assert_eq(macro_expand_json(cl, tree, NULL, &changed, NULL, err),
	    0);
	cr_assert_eq(changed, 0);
	json_object_put(tree);

	/* A bare string root is expanded in place too. */
	tree = json_object_new_string("%ip.service.svc1[1]%");
	cr_assert_eq(macro_expand_json(cl, tree, NULL, &changed, NULL, err),
	    0);
	cr_assert_str_eq(json_object_get_string(tree), "9.6.8.1");
	json_object_put(tree);
	cr_assert_eq(macro_expand_json(cl, NULL, NULL, &changed, NULL, err),
	    0);
	cr_assert_eq(changed, 0);
	macro_cluster_free(cl);
	json_object_put(fx);
}

/* A failure anywhere leaves the whole tree untouched. */
Test(macro, json_all_or_nothing)
{
	struct json_object *fx = fx_load(), *tree;
	struct macro_cluster *cl = fx_cluster(fx, "foo");
	enum macro_error_kind kind = MACRO_ERR_NONE;
	char err[LOOMD_ERR_LEN], *before;
	int changed = -1;

	tree = json_tokener_parse(
	    "{\"ok\":\"%num.service.svc1%\","
	    "\"list\":[\"%host.service.svc1%\",\"%host.service.svc3%\"],"
	    "\"after\":\"%num.service.svc2%\"}");
	before = xstrdup(json_object_to_json_string(tree));
	cr_assert_eq(macro_expand_json(cl, tree, NULL, &changed, &kind, err),
	    -1);
	cr_assert_eq(kind, MACRO_ERR_INCOMPLETE, "%s", err);
	cr_assert_eq(changed, 0);
	cr_assert_str_eq(json_object_to_json_string(tree), before);
	free(before);
	json_object_put(tree);

	tree = json_tokener_parse("[\"%num.service.svc1%\",\"%bad%\"]");
	cr_assert_eq(macro_expand_json(cl, tree, NULL, NULL, &kind, err), -1);
	cr_assert_eq(kind, MACRO_ERR_SYNTAX);
	cr_assert_str_eq(json_object_get_string(
			     json_object_array_get_idx(tree, 0)),
	    "%num.service.svc1%");
	json_object_put(tree);
	macro_cluster_free(cl);
	json_object_put(fx);
}

/* The output budget stops runaway expansion. */
Test(macro, output_limit)
{
	struct json_object *nodes, *n, *props, *svcs, *tree;
	struct macro_cluster *cl;
	enum macro_error_kind kind = MACRO_ERR_NONE;
	char *host, *text, err[LOOMD_ERR_LEN], *out;
	size_t i, hlen = 1024 * 1024;

	host = xmalloc(hlen + 1);
	memset(host, 'h', hlen);
	host[hlen] = '\0';
	nodes = json_object_new_array();
	n = json_object_new_object();
	props = json_object_new_object();
	svcs = json_object_new_array();
	json_object_array_add(svcs, json_object_new_string("s"));
	json_object_object_add(props, "hostname",
	    json_object_new_string(host));
	json_object_object_add(props, "nodenum", json_object_new_int(1));
	json_object_object_add(n, "id", json_object_new_string("big"));
	json_object_object_add(n, "services", svcs);
	json_object_object_add(n, "properties", props);
	json_object_array_add(nodes, n);
	cl = macro_cluster_new(nodes, NULL);
	free(host);

	/* 15 MiB is fine, 17 MiB is not. */
	text = xmalloc(17 * 17 + 1);
	text[0] = '\0';
	for (i = 0; i < 15; i++)
		strcat(text, "%host.service.s% ");
	cr_assert_eq(macro_expand_string(cl, text, strlen(text), &out, NULL,
			 NULL, &kind, err),
	    0, "%s", err);
	cr_assert_eq(strlen(out), 15 * (hlen + 1));
	free(out);
	strcat(text, "%host.service.s% %host.service.s%");
	cr_assert_eq(macro_expand_string(cl, text, strlen(text), &out, NULL,
			 NULL, &kind, err),
	    -1);
	cr_assert_eq(kind, MACRO_ERR_TOO_LARGE);
	/* ...and the budget spans all strings of one JSON expansion. */
	tree = json_object_new_array();
	for (i = 0; i < 17; i++)
		json_object_array_add(tree,
		    json_object_new_string("%host.service.s%"));
	cr_assert_eq(macro_expand_json(cl, tree, NULL, NULL, &kind, err), -1);
	cr_assert_eq(kind, MACRO_ERR_TOO_LARGE);
	json_object_put(tree);
	free(text);
	macro_cluster_free(cl);
	json_object_put(nodes);
}

/* Long and deeply nested hostile input stays linear and recursion-free. */
Test(macro, hostile_input_is_cheap, .timeout = 60)
{
	struct json_object *fx = fx_load(), *tree, *inner;
	struct macro_cluster *cl = fx_cluster(fx, "foo");
	static const char unit[] = "%num.service.svc1%,";
	char err[LOOMD_ERR_LEN], *text, *out;
	size_t i, n = 100000, len, outlen;
	clock_t t0;
	int changed;

	t0 = clock();
	/* 1.8 MB of macros. */
	len = n * (sizeof unit - 1);
	text = xmalloc(len + 1);
	for (i = 0; i < n; i++)
		memcpy(text + i * (sizeof unit - 1), unit, sizeof unit - 1);
	text[len] = '\0';
	cr_assert_eq(macro_expand_string(cl, text, len, &out, &outlen,
			 &changed, NULL, err),
	    0, "%s", err);
	cr_assert_eq(outlen, 2 * n);
	cr_assert(memcmp(out, "3,3,", 4) == 0);
	free(out);
	/* 1 MB of "join(" and 1 MB of '%'. */
	for (i = 0; i + 5 <= len; i += 5)
		memcpy(text + i, "join(", 5);
	text[0] = '%';
	text[len - 1] = '%';
	cr_assert_eq(macro_validate(text, len, NULL, err), -1);
	memset(text, '%', len);
	cr_assert_eq(macro_validate(text, len, NULL, err), 0);
	memset(text, '[', len);
	text[0] = '%';
	text[len - 1] = '%';
	cr_assert_eq(macro_validate(text, len, NULL, err), -1);
	free(text);

	/* 5000 nested arrays (json-c itself frees recursively). */
	tree = json_object_new_string("%host.service.svc2%");
	for (i = 0; i < 5000; i++) {
		inner = json_object_new_array();
		json_object_array_add(inner, tree);
		tree = inner;
	}
	cr_assert_eq(macro_expand_json(cl, tree, NULL, &changed, NULL, err), 0,
	    "%s", err);
	cr_assert_eq(changed, 1);
	inner = tree;
	for (i = 0; i < 5000; i++)
		inner = json_object_array_get_idx(inner, 0);
	cr_assert_str_eq(json_object_get_string(inner), "oof,owt");
	json_object_put(tree);
	cr_assert_lt((double)(clock() - t0) / CLOCKS_PER_SEC, 20.0);
	macro_cluster_free(cl);
	json_object_put(fx);
}

/* Embedded NUL bytes are data, not terminators. */
Test(macro, embedded_nul)
{
	struct json_object *fx = fx_load();
	struct macro_cluster *cl = fx_cluster(fx, "foo");
	static const char t[] = "a\0b%join(host.service.svc2,'\0')%c";
	static const char want[] = "a\0boof\0owtc";
	char err[LOOMD_ERR_LEN], *out;
	size_t outlen;

	cr_assert_eq(macro_expand_string(cl, t, sizeof t - 1, &out, &outlen,
			 NULL, NULL, err),
	    0, "%s", err);
	cr_assert_eq(outlen, sizeof want - 1);
	cr_assert(memcmp(out, want, outlen) == 0);
	free(out);
	macro_cluster_free(cl);
	json_object_put(fx);
}
