/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_svcdeps.c - unit tests of the service dependency resolver
 * (LOOM-0.9.7-OPS.md sections 5, 7.3 and 11.3): the six
 * ServiceDependencyResolverTest cases and loomd's own cases of
 * tests/data/ops/svcdeps.json, plus argument checks.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <json-c/json.h>

#include "common.h"
#include "fixture_data.h"
#include "svcdeps.h"
#include "unit_json.h"

/* Services built from a case, with the arrays they own. */
struct tsvcs {
	struct svcdeps_service *v;
	size_t n;
};

/* Load tests/data/ops/<file> (the caller puts it). */
static struct json_object *
load_ops(const char *file)
{
	char rel[256];

	snprintf(rel, sizeof rel, "ops/%s", file);
	return fx_data_json(rel);
}

/* A name list from a JSON array (NULL = empty); strings borrowed from
 * arr, the array itself is new (freed by tsvcs_free). */
static struct strtab_list
names_of(struct json_object *arr)
{
	struct strtab_list l;

	l.v = fx_data_strv(arr, &l.n);
	return l;
}

/* The services of a case (strings borrowed from c). */
static void
tsvcs_build(struct json_object *c, struct tsvcs *t)
{
	struct json_object *defs = uj_opt(c, "services"), *s, *deps, *acts;
	struct json_object *inst, *rt;
	struct svcdeps_service *o;
	enum planner_action a;
	size_t i, j;

	cr_assert_not_null(defs);
	t->n = json_object_array_length(defs);
	t->v = xcalloc(t->n + 1, sizeof(*t->v));
	for (i = 0; i < t->n; i++) {
		s = json_object_array_get_idx(defs, i);
		o = &t->v[i];
		o->name = json_object_get_string(uj_opt(s, "name"));
		acts = uj_opt(s, "actions");
		for (j = 0; acts != NULL && j < json_object_array_length(acts);
		     j++) {
			cr_assert_eq(svcdeps_action_parse(
					 json_object_get_string(
					     json_object_array_get_idx(acts,
						 j)),
					 &a),
			    0);
			o->actions |= SVCDEPS_BIT(a);
		}
		deps = uj_opt(s, "dependencies");
		inst = uj_opt(deps, "install");
		rt = uj_opt(deps, "runtime");
		o->provides = names_of(uj_opt(deps, "provides"));
		o->conflicts = names_of(uj_opt(deps, "conflicts"));
		o->install_requires = names_of(uj_opt(inst, "requires"));
		o->install_uses = names_of(uj_opt(inst, "uses"));
		o->runtime_requires = names_of(uj_opt(rt, "requires"));
		o->runtime_uses = names_of(uj_opt(rt, "uses"));
		o->dependson = names_of(uj_opt(s, "dependson"));
	}
}

static void
tsvcs_free(struct tsvcs *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		free((void *)t->v[i].provides.v);
		free((void *)t->v[i].conflicts.v);
		free((void *)t->v[i].install_requires.v);
		free((void *)t->v[i].install_uses.v);
		free((void *)t->v[i].runtime_requires.v);
		free((void *)t->v[i].runtime_uses.v);
		free((void *)t->v[i].dependson.v);
	}
	free(t->v);
}

/* Assert got[0, n) equals the JSON string array want (NULL = []). */
static void
assert_names(const char *const *got, size_t n, struct json_object *want,
    const char *what)
{
	size_t i, nw = want == NULL ? 0 : json_object_array_length(want);

	cr_assert_eq(n, nw, "%s: %zu names, expected %zu", what, n, nw);
	for (i = 0; i < n; i++)
		cr_assert_str_eq(got[i],
		    json_object_get_string(json_object_array_get_idx(want, i)),
		    "%s [%zu]", what, i);
}

/* Check the minimised sets of graph g against want {svc: [deps]}. */
static void
check_min(const struct svcdeps *d, enum svcdeps_graph g,
    struct json_object *want)
{
	const char *const *deps, *const *rdeps;
	const char *name;
	char what[128];
	size_t i, j, k, n, nr;
	int found;

	for (i = 0; i < svcdeps_count(d); i++) {
		name = svcdeps_name(d, i);
		deps = svcdeps_min_deps(d, g, name, &n);
		snprintf(what, sizeof(what), "min(%s)", name);
		assert_names(deps, n, uj_opt(want, name), what);
		/* the reversed graph holds the same edges */
		for (j = 0; j < n; j++) {
			if (!svcdeps_has(d, deps[j]))
				continue;
			rdeps = svcdeps_min_rdeps(d, g, deps[j], &nr);
			for (k = 0, found = 0; k < nr; k++)
				if (strcmp(rdeps[k], name) == 0)
					found = 1;
			cr_assert(found, "%s missing from rdeps(%s)", name,
			    deps[j]);
		}
	}
}

/* qsort comparator of C strings. */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Check every direct action dependency of d against want (exact set). */
static void
check_action_deps(const struct svcdeps *d, struct json_object *want)
{
	const struct svcdeps_action_dep *deps;
	const char *name;
	char **got = NULL, **exp;
	size_t ngot = 0, nexp, i, n, a;

	for (i = 0; i < svcdeps_count(d); i++) {
		name = svcdeps_name(d, i);
		for (a = 0; a < PLANNER_ACTION_COUNT; a++) {
			deps = svcdeps_action_deps(d, name,
			    (enum planner_action)a, &n);
			for (size_t k = 0; k < n; k++) {
				if (k > 0)
					cr_assert(strcmp(deps[k - 1].service,
						      deps[k].service) < 0);
				got =
				    xreallocarray(got, ngot + 1, sizeof(*got));
				got[ngot++] = xasprintf("%s %s <- %s %s",
				    svcdeps_action_name(
					(enum planner_action)a),
				    name, svcdeps_action_name(deps[k].action),
				    deps[k].service);
			}
		}
	}
	nexp = json_object_array_length(want);
	exp = xcalloc(nexp + 1, sizeof(*exp));
	for (i = 0; i < nexp; i++)
		exp[i] = xstrdup(json_object_get_string(
		    json_object_array_get_idx(want, i)));
	if (ngot > 1)
		qsort(got, ngot, sizeof(*got), cmp_str);
	if (nexp > 1)
		qsort(exp, nexp, sizeof(*exp), cmp_str);
	for (i = 0; i < ngot && i < nexp; i++)
		cr_expect_str_eq(got[i], exp[i]);
	cr_assert_eq(ngot, nexp, "%zu action dependencies, expected %zu", ngot,
	    nexp);
	for (i = 0; i < ngot; i++)
		free(got[i]);
	for (i = 0; i < nexp; i++)
		free(exp[i]);
	free(got);
	free(exp);
}

/* Check the section 5 expansions of a case. */
static void
check_expand(const struct svcdeps *d, struct json_object *list)
{
	struct json_object *e;
	struct strtab_list in;
	const char **out, *how;
	enum svcdeps_expand h;
	size_t i, nout;
	char what[64];

	for (i = 0; i < json_object_array_length(list); i++) {
		e = json_object_array_get_idx(list, i);
		how = json_object_get_string(uj_opt(e, "how"));
		if (strcmp(how, "START") == 0)
			h = SVCDEPS_EXPAND_START;
		else if (strcmp(how, "STOP") == 0)
			h = SVCDEPS_EXPAND_STOP;
		else
			h = SVCDEPS_EXPAND_RESTART;
		in = names_of(uj_opt(e, "services"));
		svcdeps_expand(d, h, in.v, in.n, &out, &nout);
		snprintf(what, sizeof(what), "expand #%zu", i);
		assert_names(out, nout, uj_opt(e, "expect"), what);
		free(out);
		free((void *)in.v);
	}
}

/* Run every expectation of the case named test. */
static void
run_case(const char *test)
{
	struct json_object *root, *c, *w, *list;
	struct tsvcs t;
	struct svcdeps *d;
	char err[LOOMD_ERR_LEN];
	const char *const *prov;
	size_t n, i, j;
	int want;

	root = load_ops("svcdeps.json");
	c = uj_case(root, test);
	tsvcs_build(c, &t);
	cr_assert_eq(svcdeps_new(t.v, t.n, &d, err), 0, "%s", err);

	if ((w = uj_opt(c, "min_runtime")) != NULL)
		check_min(d, SVCDEPS_GRAPH_RUNTIME, w);
	if ((w = uj_opt(c, "min_install")) != NULL)
		check_min(d, SVCDEPS_GRAPH_INSTALL, w);
	if ((w = uj_opt(c, "providers")) != NULL) {
		json_object_object_foreach (w, key, val) {
			prov = svcdeps_providers(d, key, &n);
			assert_names(prov, n, val, key);
		}
	}
	if ((w = uj_opt(c, "depends_on_runtime")) != NULL) {
		json_object_object_foreach (w, a, unused_a) {
			(void)unused_a;
			json_object_object_foreach (w, b, unused_b) {
				(void)unused_b;
				list = uj_opt(w, a);
				want = 0;
				for (i = 0; i < json_object_array_length(list);
				     i++)
					if (strcmp(b,
						json_object_get_string(
						    json_object_array_get_idx(
							list, i))) == 0)
						want = 1;
				cr_assert_eq(svcdeps_runtime_depends_on(d, a,
						 b),
				    want, "dependsOn(%s, %s)", a, b);
				cr_assert_eq(svcdeps_depends_on(d,
						 SVCDEPS_GRAPH_RUNTIME, a, b),
				    want);
			}
		}
	}
	if ((w = uj_opt(c, "action_deps")) != NULL)
		check_action_deps(d, w);
	if ((w = uj_opt(c, "expand")) != NULL)
		check_expand(d, w);

	/* services come out in ascending name order, each once */
	for (i = 1; i < svcdeps_count(d); i++)
		cr_assert(
		    strcmp(svcdeps_name(d, i - 1), svcdeps_name(d, i)) < 0);
	for (i = 0; i < t.n; i++) {
		cr_assert(svcdeps_has(d, t.v[i].name));
		for (j = 0; j < PLANNER_ACTION_COUNT; j++)
			if (t.v[i].actions & SVCDEPS_BIT(j))
				cr_assert(svcdeps_defines(d, t.v[i].name,
					      (enum planner_action)j) ||
				    strcmp(t.v[i].name, "y") == 0);
	}

	svcdeps_free(d);
	tsvcs_free(&t);
	json_object_put(root);
}

Test(svcdeps, minimize_dependencies)
{
	run_case("ServiceDependencyResolverTest.testMinimizeDependencies");
}

Test(svcdeps, minimize_dependencies_with_provides)
{
	run_case("ServiceDependencyResolverTest."
		 "testMinimizeDependenciesWithProvides");
}

Test(svcdeps, depends_on)
{
	run_case("ServiceDependencyResolverTest.testDependsOn");
}

Test(svcdeps, cluster_runtime_dependencies)
{
	run_case("ServiceDependencyResolverTest."
		 "testClusterRuntimeDependencies");
}

Test(svcdeps, cluster_install_dependencies)
{
	run_case("ServiceDependencyResolverTest."
		 "testClusterInstallDependencies");
}

Test(svcdeps, service_uses_dependency)
{
	run_case("ServiceDependencyResolverTest.testServiceUsesDependency");
}

Test(svcdeps, runtime_job_services)
{
	run_case("loomd.runtimeJobServices");
}

Test(svcdeps, dependson_is_runtime_only)
{
	run_case("loomd.dependsonIsRuntimeOnly");
}

Test(svcdeps, provides_and_uses_in_action_deps)
{
	run_case("loomd.providesAndUsesInActionDeps");
}

Test(svcdeps, cycle_terminates, .timeout = 10)
{
	run_case("loomd.cycleTerminates");
}

Test(svcdeps, pass_through_and_missing)
{
	run_case("loomd.passThroughAndMissing");
}

Test(svcdeps, every_case_has_a_test)
{
	struct json_object *root = load_ops("svcdeps.json");
	struct json_object *cases = uj_opt(root, "cases");

	/* the Test() list above names each case once */
	cr_assert_eq(json_object_array_length(cases), 11);
	json_object_put(root);
}

Test(svcdeps, action_names)
{
	enum planner_action a;
	size_t i;

	for (i = 0; i < PLANNER_ACTION_COUNT; i++) {
		cr_assert_eq(svcdeps_action_parse(svcdeps_action_name(
						      (enum planner_action)i),
				 &a),
		    0);
		cr_assert_eq((size_t)a, i);
	}
	cr_assert_null(svcdeps_action_name(PLANNER_ACTION_COUNT));
	cr_assert_eq(svcdeps_action_parse("start", &a), -1);
	cr_assert_eq(svcdeps_action_parse(NULL, &a), -1);
	cr_assert(svcdeps_action_is_runtime(PLANNER_ACTION_STOP));
	cr_assert(svcdeps_action_is_runtime(PLANNER_ACTION_INITIALIZE));
	cr_assert(!svcdeps_action_is_runtime(PLANNER_ACTION_CONFIGURE));
	cr_assert(svcdeps_action_is_install(PLANNER_ACTION_REMOVE));
	cr_assert(!svcdeps_action_is_install(PLANNER_ACTION_START));
}

Test(svcdeps, bad_input_is_refused)
{
	struct svcdeps_service s[2];
	struct svcdeps *d = (struct svcdeps *)1;
	const char *bad[] = { "" };
	char err[LOOMD_ERR_LEN];

	memset(s, 0, sizeof(s));
	s[0].name = "a";
	s[1].name = NULL;
	cr_assert_eq(svcdeps_new(s, 2, &d, err), -1);
	cr_assert_null(d);
	cr_assert_str_eq(err, "service 1 has no name");

	s[1].name = "b";
	s[1].actions = SVCDEPS_BIT(PLANNER_ACTION_COUNT);
	cr_assert_eq(svcdeps_new(s, 2, &d, err), -1);
	cr_assert_str_eq(err, "service b: unknown action bit");

	s[1].actions = 0;
	s[1].runtime_uses.v = bad;
	s[1].runtime_uses.n = 1;
	cr_assert_eq(svcdeps_new(s, 2, &d, err), -1);
	cr_assert_str_eq(err, "service b: empty name in runtime.uses");
}

Test(svcdeps, empty_and_unknown)
{
	struct svcdeps *d;
	const char **out;
	size_t n;
	char err[LOOMD_ERR_LEN];

	cr_assert_eq(svcdeps_new(NULL, 0, &d, err), 0);
	cr_assert_eq(svcdeps_count(d), 0);
	cr_assert_null(svcdeps_name(d, 0));
	cr_assert_null(svcdeps_min_deps(d, SVCDEPS_GRAPH_RUNTIME, "x", &n));
	cr_assert_eq(n, 0);
	cr_assert_null(svcdeps_action_deps(d, "x", PLANNER_ACTION_START, &n));
	cr_assert_eq(n, 0);
	cr_assert_null(svcdeps_providers(d, "x", &n));
	cr_assert_eq(svcdeps_runtime_depends_on(d, "x", "y"), 0);
	cr_assert_eq(svcdeps_defines(d, "x", PLANNER_ACTION_START), 0);
	svcdeps_expand(d, SVCDEPS_EXPAND_STOP, NULL, 0, &out, &n);
	cr_assert_null(out);
	cr_assert_eq(n, 0);
	svcdeps_free(d);
	svcdeps_free(NULL);
}

Test(svcdeps, check_add)
{
	struct json_object *root = load_ops("svcdeps.json");
	struct json_object *sec = uj_opt(root, "check_add"), *cases, *c;
	struct json_object *exp;
	struct tsvcs cat;
	struct strtab_list cl, rq, co;
	char *why;
	int rc;
	size_t i;

	cr_assert_not_null(sec);
	tsvcs_build(sec, &cat);
	cases = uj_opt(sec, "cases");
	for (i = 0; i < json_object_array_length(cases); i++) {
		c = json_object_array_get_idx(cases, i);
		cl = names_of(uj_opt(c, "cluster"));
		rq = names_of(uj_opt(c, "request"));
		co = names_of(uj_opt(c, "compat"));
		rc = svcdeps_check_add(cat.v, cat.n, &cl, &rq, &co, &why);
		exp = uj_opt(c, "expect");
		if (exp == NULL) {
			cr_assert_eq(rc, 0, "%s: %s",
			    json_object_get_string(uj_opt(c, "test")), why);
			cr_assert_null(why);
		} else {
			cr_assert_eq(rc, -1, "%s",
			    json_object_get_string(uj_opt(c, "test")));
			cr_assert_str_eq(why, json_object_get_string(exp),
			    "%s", json_object_get_string(uj_opt(c, "test")));
		}
		free(why);
		free((void *)cl.v);
		free((void *)rq.v);
		free((void *)co.v);
	}
	tsvcs_free(&cat);
	json_object_put(root);
}
