/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_solver.c - unit tests of the layout solver (LOOM-0.9-API.md 3.4).
 * Every case of solver-expected.json (SolverTest, ClusterLayoutFinderTest,
 * NodeLayoutGeneratorTest) is run against solver-catalogue.json, read from
 * tests/data/loom-fixtures; further tests cover
 * each input-resolution message, the lease table, the step bound, a
 * 10,000-node solve and cross-checks of the fast paths against the plain
 * definitions.
 */
#include "config.h"

#include <criterion/criterion.h>

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "fixture_data.h"
#include "planner.h"
#include "solver.h"
#include "solver_testing.h"
#include "unit_json.h"

static struct json_object *g_exp;      /* solver-expected.json */
static struct json_object *g_cat_json; /* solver-catalogue.json */
static struct solver_catalogue g_cat;

static void
setup(void)
{
	g_exp = fx_data_loom("solver-expected.json");
	g_cat_json = fx_data_loom("solver-catalogue.json");
	solver_catalogue_from_export(&g_cat, g_cat_json);
}

static void
teardown(void)
{
	json_object_put(g_exp);
	json_object_put(g_cat_json);
}

TestSuite(solver, .init = setup, .fini = teardown, .timeout = 60);

/* The cases of solver-expected.json of one kind (new array). */
static struct json_object *
cases_of_kind(const char *kind)
{
	struct json_object *cases = fx_data_get(g_exp, "cases"), *out, *c;
	size_t i;

	out = json_object_new_array();
	for (i = 0; i < json_object_array_length(cases); i++) {
		c = json_object_array_get_idx(cases, i);
		if (strcmp(fx_data_str(c, "kind"), kind) == 0)
			json_object_array_add(out, json_object_get(c));
	}
	cr_assert_gt(json_object_array_length(out), 0, "no %s case", kind);
	return out;
}

/* The case of one test method. */
static struct json_object *
case_named(const char *test)
{
	return fx_data_find(fx_data_get(g_exp, "cases"), "test", test);
}

/* A catalogue template by name. */
static struct json_object *
catalogue_template(const char *name)
{
	return fx_data_find(g_cat.clustertemplates, "name", name);
}

/* A case template: {"file","name"} reference or inline JSON. */
static struct json_object *
case_template(struct json_object *c, const char *key)
{
	struct json_object *t = fx_data_get(c, key);

	if (uj_opt(t, "file") != NULL) {
		cr_assert_str_eq(fx_data_str(t, "file"),
		    "solver-catalogue.json");
		return catalogue_template(fx_data_str(t, "name"));
	}
	return t;
}

/* Whether a string array holds s. */
static bool
arr_has(struct json_object *arr, const char *s)
{
	size_t i;

	for (i = 0; i < json_object_array_length(arr); i++) {
		if (strcmp(json_object_get_string(
			       json_object_array_get_idx(arr, i)),
			s) == 0)
			return true;
	}
	return false;
}

/* Set equality of two string arrays without repeats. */
static bool
same_names(struct json_object *a, struct json_object *b)
{
	size_t i;

	if (json_object_array_length(a) != json_object_array_length(b))
		return false;
	for (i = 0; i < json_object_array_length(a); i++) {
		if (!arr_has(b,
			json_object_get_string(
			    json_object_array_get_idx(a, i))))
			return false;
	}
	return true;
}

/* Equality of node layouts (service lists as sets). */
static bool
same_layout(struct json_object *a, struct json_object *b)
{
	return strcmp(fx_data_str(a, "hardwaretype"),
		   fx_data_str(b, "hardwaretype")) == 0 &&
	    strcmp(fx_data_str(a, "imagetype"), fx_data_str(b, "imagetype")) ==
	    0 &&
	    same_names(fx_data_get(a, "services"), fx_data_get(b, "services"));
}

/* Whether arr holds an element equal to x under eq. */
static bool
arr_has_eq(struct json_object *arr, struct json_object *x,
    bool (*eq)(struct json_object *, struct json_object *))
{
	size_t i;

	for (i = 0; i < json_object_array_length(arr); i++) {
		if (eq(json_object_array_get_idx(arr, i), x))
			return true;
	}
	return false;
}

/* Equality as sets of elements under eq. */
static void
assert_same_set(struct json_object *got, struct json_object *want,
    bool (*eq)(struct json_object *, struct json_object *), const char *what)
{
	size_t i;

	cr_assert_eq(json_object_array_length(got),
	    json_object_array_length(want), "%s: got %s, want %s", what,
	    json_object_to_json_string(got), json_object_to_json_string(want));
	for (i = 0; i < json_object_array_length(want); i++) {
		cr_assert(arr_has_eq(got, json_object_array_get_idx(want, i),
			      eq),
		    "%s: missing %s in %s", what,
		    json_object_to_json_string(
			json_object_array_get_idx(want, i)),
		    json_object_to_json_string(got));
	}
}

/* Deterministic node ids for the tests. */
static int
counter_id(void *arg, char id[SOLVER_NODE_ID_LEN])
{
	int *n = arg;

	snprintf(id, SOLVER_NODE_ID_LEN, "node-%06d", (*n)++);
	return 0;
}

static struct solver_options
test_opts(int *counter, int64_t max_steps)
{
	struct solver_options o;

	solver_options_init(&o);
	o.max_steps = max_steps;
	o.node_id = counter_id;
	o.node_id_arg = counter;
	return o;
}

/* A service's name, as a new string. */
static struct json_object *
service_name(struct json_object *svc)
{
	return json_object_new_string(fx_data_str(svc, "name"));
}

/* The service names of a node, as a new array. */
static struct json_object *
node_service_names(struct json_object *node)
{
	return uj_map(fx_data_get(node, "services"), service_name);
}

/* Number of nodes whose service-name set is exactly names. */
static int
count_nodes_with(struct json_object *nodes, struct json_object *names)
{
	struct json_object *got;
	size_t i;
	int n = 0;

	for (i = 0; i < json_object_array_length(nodes); i++) {
		got = node_service_names(json_object_array_get_idx(nodes, i));
		n += same_names(got, names);
		json_object_put(got);
	}
	return n;
}

/* Check node_count / service_set_counts / every_node_properties. */
static void
check_nodes(struct json_object *nodes, struct json_object *expected)
{
	struct json_object *v, *e, *props;
	size_t i, j;

	if ((v = uj_opt(expected, "node_count")) != NULL)
		cr_assert_eq((int)json_object_array_length(nodes),
		    json_object_get_int(v));
	if ((v = uj_opt(expected, "service_set_counts")) != NULL) {
		for (i = 0; i < json_object_array_length(v); i++) {
			e = json_object_array_get_idx(v, i);
			cr_assert_eq(count_nodes_with(nodes,
					 fx_data_get(e, "services")),
			    json_object_get_int(fx_data_get(e, "count")),
			    "nodes with %s",
			    json_object_to_json_string(
				fx_data_get(e, "services")));
		}
	}
	if ((v = uj_opt(expected, "every_node_properties")) != NULL) {
		for (i = 0; i < json_object_array_length(nodes); i++) {
			props =
			    fx_data_get(json_object_array_get_idx(nodes, i),
				"properties");
			j = 0;
			json_object_object_foreach (v, key, val) {
				cr_assert_str_eq(fx_data_str(props, key),
				    json_object_get_string(val));
				j++;
			}
			cr_assert_gt(j, 0);
		}
	}
}

/* A request from a fixture case (cluster id and time added). */
static struct solver_request
case_request(struct json_object *c, struct json_object *request)
{
	struct solver_request r;
	char err[LOOMD_ERR_LEN];

	memset(&r, 0, sizeof r);
	cr_assert_eq(solver_request_from_json(&r, request, err), 0, "%s", err);
	r.cluster_id = fx_data_str(fx_data_get(c, "cluster"), "id");
	r.create_time = 1000000;
	return r;
}

Test(solver, hostname)
{
	struct json_object *c, *checks, *k;
	char host[SOLVER_HOSTNAME_LEN], err[LOOMD_ERR_LEN];
	size_t i;

	c = case_named("SolverTest.testCreateHostname");
	checks = fx_data_get(c, "checks");
	for (i = 0; i < json_object_array_length(checks); i++) {
		k = json_object_array_get_idx(checks, i);
		cr_assert_eq(solver_hostname(host,
				 fx_data_str(k, "clusterName"),
				 fx_data_str(k, "clusterId"),
				 json_object_get_int64(
				     fx_data_get(k, "nodenum")),
				 err),
		    0, "%s", err);
		cr_assert_str_eq(host, fx_data_str(k, "expected"));
		cr_assert_leq(strlen(host), 255);
	}
	cr_assert_eq(solver_hostname(host, "x", "00000079", 1000, err), 0);
	cr_assert_str_eq(host, "x79-1000.local");
	cr_assert_eq(solver_hostname(host, "x", "abc", 1000, err), -1);
	cr_assert_str_eq(err, "invalid cluster id: abc");
}

Test(solver, end_to_end_reactor_5_nodes)
{
	struct json_object *c = case_named("SolverTest.testEndToEnd");
	struct json_object *node, *props, *svcs, *hw, *img;
	struct solver_request r = case_request(c, fx_data_get(c, "request"));
	struct solver_result *res;
	struct solver_options o;
	char err[LOOMD_ERR_LEN], want[64];
	size_t i, j;
	int counter = 0;

	o = test_opts(&counter, 0);
	cr_assert_eq(solver_solve(&g_cat, &r, &o, &res, err), 0, "%s", err);
	cr_assert_not_null(res);
	check_nodes(res->nodes, fx_data_get(c, "expected"));
	cr_assert_eq(res->num_nodes, 5);
	cr_assert_eq(counter, 5, "one id per node");
	/* cluster fields: services = template defaults, provider, lease 0 */
	cr_assert(same_names(res->services,
	    fx_data_get(fx_data_get(catalogue_template("reactor-medium"),
			    "defaults"),
		"services")));
	cr_assert_str_eq(fx_data_str(res->provider, "name"), "joyent");
	cr_assert_str_eq(fx_data_str(res->clustertemplate, "name"),
	    "reactor-medium");
	cr_assert_eq(res->lease_duration, 0);
	cr_assert_eq(res->expire_time, 0);
	/* Node JSON of section 2.6 */
	for (i = 0; i < res->num_nodes; i++) {
		node = json_object_array_get_idx(res->nodes, i);
		snprintf(want, sizeof want, "node-%06zu", i);
		cr_assert_str_eq(fx_data_str(node, "id"), want);
		cr_assert_str_eq(fx_data_str(node, "clusterId"), "1");
		cr_assert_eq(json_object_array_length(
				 fx_data_get(node, "actions")),
		    0);
		props = fx_data_get(node, "properties");
		snprintf(want, sizeof want, "%zu", 1000 + i);
		cr_assert_str_eq(fx_data_str(props, "nodenum"), want);
		snprintf(want, sizeof want, "mycluster1-%zu.local", 1000 + i);
		cr_assert_str_eq(fx_data_str(props, "hostname"), want);
		hw = fx_data_find(g_cat.hardwaretypes, "name",
		    fx_data_str(props, "hardwaretype"));
		img = fx_data_find(g_cat.imagetypes, "name",
		    fx_data_str(props, "imagetype"));
		cr_assert_str_eq(fx_data_str(props, "flavor"),
		    fx_data_str(fx_data_get(fx_data_get(hw, "providermap"),
				    "joyent"),
			"flavor"));
		cr_assert_str_eq(fx_data_str(props, "image"),
		    fx_data_str(fx_data_get(fx_data_get(img, "providermap"),
				    "joyent"),
			"image"));
		cr_assert_eq(json_object_array_length(
				 fx_data_get(props, "automators")),
		    0, "the services have no actions");
		svcs = fx_data_get(node, "services");
		for (j = 0; j < json_object_array_length(svcs); j++) {
			struct json_object *s =
			    json_object_array_get_idx(svcs, j);

			cr_assert(json_object_equal(s,
				      fx_data_find(g_cat.services, "name",
					  fx_data_str(s, "name"))),
			    "full service JSON");
		}
	}
	solver_result_free(res);
}

/* Whether err is one of the messages the missing-dependency note allows. */
static bool
dependency_message_allowed(const char *err)
{
	static const char *const pairs[][2] = { { "reactor", "zookeeper" },
		{ "reactor", "regionserver" }, { "reactor", "nodemanager" },
		{ "datanode", "namenode" } };
	char want[256];
	size_t i;

	for (i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		snprintf(want, sizeof want,
		    "service %s depends on %s, which "
		    "is not in the set of cluster services",
		    pairs[i][0], pairs[i][1]);
		if (strcmp(err, want) == 0)
			return true;
	}
	return false;
}

Test(solver, error_cases)
{
	struct json_object *cases = cases_of_kind("solve_cluster"), *c, *e;
	struct solver_request r;
	struct solver_result *res;
	struct solver_options o;
	char err[LOOMD_ERR_LEN];
	size_t i;
	int counter = 0, n = 0;

	o = test_opts(&counter, 0);
	for (i = 0; i < json_object_array_length(cases); i++) {
		c = json_object_array_get_idx(cases, i);
		e = uj_opt(c, "expected");
		if (e == NULL || uj_opt(e, "error") == NULL)
			continue;
		r = case_request(c, fx_data_get(c, "request"));
		err[0] = '\0';
		cr_assert_eq(solver_solve(&g_cat, &r, &o, &res, err), -1,
		    "%s must fail", fx_data_str(c, "test"));
		cr_assert_null(res);
		if (uj_opt(e, "message_from_code") != NULL)
			cr_assert_str_eq(err,
			    fx_data_str(e, "message_from_code"));
		else {
			/* the (service, dependency) pairs the note allows */
			cr_assert(dependency_message_allowed(err), "%s", err);
		}
		n++;
	}
	cr_assert_eq(n, 4);
	json_object_put(cases);
}

/* A copy of the catalogue JSON with extra entities appended. */
static struct json_object *
catalogue_with(const char *section, struct json_object *extra)
{
	struct json_object *copy = NULL, *arr;

	cr_assert_eq(json_object_deep_copy(g_cat_json, &copy, NULL), 0);
	arr = fx_data_get(copy, section);
	json_object_array_add(arr, extra);
	return copy;
}

Test(solver, required_types)
{
	struct json_object *c = case_named("SolverTest.testRequiredTypes");
	struct json_object *add = fx_data_get(c, "add_templates"), *cat_json;
	struct json_object *checks = fx_data_get(c, "checks"), *k;
	struct solver_catalogue cat;
	struct solver_request r;
	struct solver_result *res;
	struct solver_options o;
	char err[LOOMD_ERR_LEN];
	size_t i;
	int counter = 0;

	cr_assert_eq(json_object_array_length(add), 1);
	cat_json = catalogue_with("clustertemplates",
	    json_object_get(json_object_array_get_idx(add, 0)));
	solver_catalogue_from_export(&cat, cat_json);
	o = test_opts(&counter, 0);
	for (i = 0; i < json_object_array_length(checks); i++) {
		k = json_object_array_get_idx(checks, i);
		r = case_request(c, fx_data_get(k, "request"));
		cr_assert_eq(solver_solve(&cat, &r, &o, &res, err), 0, "%s",
		    err);
		cr_assert_not_null(res);
		check_nodes(res->nodes, fx_data_get(k, "expected"));
		solver_result_free(res);
	}
	json_object_put(cat_json);
}

Test(solver, solve_constraints_cases)
{
	struct json_object *cases = cases_of_kind("solve_constraints"), *c;
	struct json_object *nodes;
	struct solver_options o;
	char err[LOOMD_ERR_LEN];
	size_t i;
	int counter;

	/*
	 * testServiceConstraintsDontApplyWhenServiceNotOnCluster and
	 * testSolveReactor (200 nodes: 198 worker, 1 worker+zk+reactor,
	 * 1 master).
	 */
	cr_assert_eq(json_object_array_length(cases), 2);
	for (i = 0; i < json_object_array_length(cases); i++) {
		c = json_object_array_get_idx(cases, i);
		counter = 0;
		o = test_opts(&counter, 0);
		cr_assert_eq(solver_solve_constraints(case_template(c,
							  "template"),
				 fx_data_str(c, "clusterId"),
				 fx_data_str(c, "clusterName"),
				 json_object_get_int64(
				     fx_data_get(c, "numMachines")),
				 fx_data_get(c, "hardwaretype_flavors"),
				 fx_data_get(c, "imagetype_images"),
				 fx_data_get(c, "services"),
				 fx_data_get(c, "service_definitions"), &o,
				 &nodes, err),
		    0, "%s: %s", fx_data_str(c, "test"), err);
		cr_assert_not_null(nodes, "%s", fx_data_str(c, "test"));
		check_nodes(nodes, fx_data_get(c, "expected"));
		json_object_put(nodes);
	}
	json_object_put(cases);
}

/*
 * A validity predicate of the solver applied to one check k of case c:
 * sets *valid, returns the entry point's result.
 */
typedef int (*validity_fn)(struct json_object *c, struct json_object *k,
    int *valid, char err[LOOMD_ERR_LEN]);

/* Each check of the case named test: the predicate gives expected_valid. */
static void
assert_validity_checks(const char *test, validity_fn fn)
{
	struct json_object *c = case_named(test);
	struct json_object *checks = fx_data_get(c, "checks"), *k;
	char err[LOOMD_ERR_LEN];
	size_t i;
	int valid;

	for (i = 0; i < json_object_array_length(checks); i++) {
		k = json_object_array_get_idx(checks, i);
		cr_assert_eq(fn(c, k, &valid, err), 0, "%s: %s", test, err);
		cr_assert_eq(valid,
		    json_object_get_boolean(fx_data_get(k, "expected_valid")),
		    "%s check %zu: %s", test, i,
		    json_object_to_json_string(k));
	}
}

/* ClusterLayoutFinder.isValidCluster on a check's node counts. */
static int
cluster_valid(struct json_object *c, struct json_object *k, int *valid,
    char err[LOOMD_ERR_LEN])
{
	return solver_node_counts_valid(case_template(c, "template"),
	    fx_data_get(c, "services"), fx_data_get(c, "node_layouts"),
	    json_object_get_int64(fx_data_get(k, "numMachines")),
	    fx_data_get(k, "node_counts"), valid, err);
}

/* NodeLayoutGenerator.isValidServiceSet on a check's service set. */
static int
service_set_valid(struct json_object *c, struct json_object *k, int *valid,
    char err[LOOMD_ERR_LEN])
{
	return solver_service_set_valid(case_template(c,
					    "layout_constraint_of"),
	    fx_data_get(k, "service_set"), fx_data_get(c, "cluster_services"),
	    valid, err);
}

/* NodeLayoutGenerator.isValidNodeLayout on a check's layout. */
static int
node_layout_valid(struct json_object *c, struct json_object *k, int *valid,
    char err[LOOMD_ERR_LEN])
{
	return solver_node_layout_valid(case_template(c,
					    "service_constraints_of"),
	    fx_data_str(k, "hardwaretype"), fx_data_str(k, "imagetype"),
	    fx_data_get(k, "services"), valid, err);
}

/* got and want list the same layouts in the same order. */
static void
assert_same_layout_order(struct json_object *got, struct json_object *want,
    const char *what)
{
	size_t j;

	cr_assert_eq(json_object_array_length(got),
	    json_object_array_length(want), "%s: %s", what,
	    json_object_to_json_string(got));
	for (j = 0; j < json_object_array_length(want); j++)
		cr_assert(same_layout(json_object_array_get_idx(got, j),
			      json_object_array_get_idx(want, j)),
		    "%s position %zu: got %s", what, j,
		    json_object_to_json_string(got));
}

Test(solver, layout_finder_is_valid)
{
	assert_validity_checks("ClusterLayoutFinderTest.testIsValidCluster",
	    cluster_valid);
}

Test(solver, layout_finder_counts)
{
	struct json_object *cases = cases_of_kind("layout_finder_counts");
	struct json_object *c, *checks, *k, *got, *want;
	char err[LOOMD_ERR_LEN];
	size_t i, j;
	int n = 0;

	/* N=5 -> [1,3,1,0,0], N=10 -> [1,8,1,0,0], N=54 -> [1,50,3,0,0],
	 * and the svc1..svc3 template with 2 machines -> no solution */
	for (i = 0; i < json_object_array_length(cases); i++) {
		c = json_object_array_get_idx(cases, i);
		checks = fx_data_get(c, "checks");
		for (j = 0; j < json_object_array_length(checks); j++) {
			k = json_object_array_get_idx(checks, j);
			cr_assert_eq(solver_find_node_counts(case_template(c,
								 "template"),
					 fx_data_get(c, "services"),
					 fx_data_get(c, "node_layouts"),
					 json_object_get_int64(
					     fx_data_get(k, "numMachines")),
					 0, &got, err),
			    0, "%s", err);
			want = fx_data_get(k, "expected_counts");
			if (want == NULL)
				cr_assert_null(got, "%s must have no solution",
				    fx_data_str(c, "test"));
			else
				cr_assert(json_object_equal(got, want),
				    "got %s want %s",
				    json_object_to_json_string(got),
				    json_object_to_json_string(want));
			json_object_put(got);
			n++;
		}
	}
	cr_assert_eq(n, 4);
	json_object_put(cases);
}

Test(solver, service_set_is_valid)
{
	assert_validity_checks("NodeLayoutGeneratorTest.testIsValidServiceSet",
	    service_set_valid);
}

Test(solver, node_layout_is_valid)
{
	assert_validity_checks("NodeLayoutGeneratorTest.testIsValidNodeLayout",
	    node_layout_valid);
}

Test(solver, valid_service_sets)
{
	struct json_object *c =
	    case_named("NodeLayoutGeneratorTest.testGetValidServiceSets");
	struct json_object *got;
	char err[LOOMD_ERR_LEN];

	cr_assert_eq(solver_valid_service_sets(case_template(c, "template"),
			 fx_data_get(c, "cluster_services"),
			 fx_data_get(c, "input_services"), &got, err),
	    0, "%s", err);
	assert_same_set(got, fx_data_get(c, "expected_sets"), same_names,
	    "valid service sets");
	json_object_put(got);
}

Test(solver, valid_node_layouts)
{
	struct json_object *c =
	    case_named("NodeLayoutGeneratorTest.testGetValidNodeLayouts");
	struct json_object *got;
	char err[LOOMD_ERR_LEN];

	cr_assert_eq(solver_valid_node_layouts(case_template(c, "template"),
			 fx_data_get(c, "cluster_services"),
			 fx_data_get(c, "input_services"),
			 fx_data_get(c, "allowed_hardwaretypes"),
			 fx_data_get(c, "allowed_imagetypes"), &got, err),
	    0, "%s", err);
	assert_same_set(got, fx_data_get(c, "expected_layouts"), same_layout,
	    "valid node layouts");
	json_object_put(got);
}

Test(solver, narrow_node_layouts)
{
	struct json_object *c =
	    case_named("NodeLayoutGeneratorTest.testNarrowNodeLayouts");
	struct json_object *checks = fx_data_get(c, "checks"), *k, *got;
	char err[LOOMD_ERR_LEN], what[32];
	size_t i;

	cr_assert_eq(json_object_array_length(checks), 4);
	for (i = 0; i < json_object_array_length(checks); i++) {
		k = json_object_array_get_idx(checks, i);
		cr_assert_eq(solver_narrow_node_layouts(fx_data_get(c,
							    "input_layouts"),
				 fx_data_get(k, "hardware_preferences"),
				 fx_data_get(k, "image_preferences"), &got,
				 err),
		    0, "%s", err);
		snprintf(what, sizeof what, "check %zu", i);
		assert_same_layout_order(got, fx_data_get(k, "expected"),
		    what);
		json_object_put(got);
	}
}

Test(solver, unconstrained_services)
{
	struct json_object *c =
	    case_named("NodeLayoutGeneratorTest.testGetUnconstrainedService");
	struct json_object *got;
	char err[LOOMD_ERR_LEN];

	cr_assert_eq(solver_unconstrained_services(case_template(c,
						       "template"),
			 fx_data_get(c, "cluster_services"), &got, err),
	    0, "%s", err);
	cr_assert(same_names(got, fx_data_get(c, "expected")), "got %s",
	    json_object_to_json_string(got));
	json_object_put(got);
}

Test(solver, node_layout_preferences)
{
	struct json_object *cases, *c, *got;
	char err[LOOMD_ERR_LEN];
	size_t i;

	cases = cases_of_kind("node_layout_preferences");
	for (i = 0; i < json_object_array_length(cases); i++) {
		c = json_object_array_get_idx(cases, i);
		cr_assert_eq(solver_node_layout_preferences(case_template(c,
								"template"),
				 fx_data_get(c, "cluster_services"),
				 fx_data_get(c, "allowed_hardwaretypes"),
				 fx_data_get(c, "allowed_imagetypes"), &got,
				 err),
		    0, "%s", err);
		assert_same_layout_order(got, fx_data_get(c, "expected"),
		    fx_data_str(c, "test"));
		json_object_put(got);
	}
	json_object_put(cases);
}

Test(solver, every_fixture_kind_is_covered)
{
	static const char *const kinds[] = { "hostname", "solve_cluster",
		"solve_constraints", "layout_finder_is_valid",
		"layout_finder_counts", "service_set_is_valid",
		"node_layout_is_valid", "valid_service_sets",
		"valid_node_layouts", "narrow_node_layouts",
		"unconstrained_services", "node_layout_preferences" };
	struct json_object *cases = fx_data_get(g_exp, "cases");
	size_t i, j;

	cr_assert_eq(json_object_array_length(cases), 19);
	for (i = 0; i < json_object_array_length(cases); i++) {
		const char *k =
		    fx_data_str(json_object_array_get_idx(cases, i), "kind");

		for (j = 0; j < sizeof kinds / sizeof kinds[0]; j++) {
			if (strcmp(k, kinds[j]) == 0)
				break;
		}
		cr_assert_lt(j, sizeof kinds / sizeof kinds[0],
		    "unhandled kind %s", k);
	}
}

/* The lease table of section 3.4 step 5. */
Test(solver, lease_table)
{
	static const struct {
		int64_t initial, requested, lease;
		bool fails;
	} rows[] = {
		{ 0, 200, 200, false },
		{ 0, 0, 0, false },
		{ 0, -1, 0, false },
		{ 10000, 20000, 0, true },
		{ 10000, 10000, 10000, false },
		{ 10000, 500, 500, false },
		{ 10000, 0, 0, true },
		{ 10000, -1, 10000, false },
	};
	char err[LOOMD_ERR_LEN];
	int64_t lease;
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		lease = -42;
		if (rows[i].fails) {
			cr_assert_eq(solver_lease_duration(rows[i].initial,
					 rows[i].requested, &lease, err),
			    -1, "row %zu", i);
			cr_assert_str_eq(err,
			    "lease duration cannot be "
			    "greater than specified in template");
		} else {
			cr_assert_eq(solver_lease_duration(rows[i].initial,
					 rows[i].requested, &lease, err),
			    0, "row %zu", i);
			cr_assert_eq(lease, rows[i].lease, "row %zu", i);
		}
	}
	cr_assert_eq(solver_lease_duration(0, -5, &lease, err), -1);
	cr_assert_str_eq(err, "invalid lease duration: -5");
	cr_assert_eq(solver_lease_duration(-7, -1, &lease, err), -1);
	cr_assert_str_eq(err, "invalid lease duration: -7");
}

/* A one-service catalogue for the message and lease tests. */
static const char *small_catalogue =
    "{\"providers\":[{\"name\":\"joyent\",\"providertype\":\"joyent\","
    "\"provisioner\":{}},{\"name\":\"rackspace\",\"providertype\":"
    "\"rackspace\",\"provisioner\":{}},{\"name\":\"ec2\",\"providertype\":"
    "\"ec2\",\"provisioner\":{}}],"
    "\"hardwaretypes\":[{\"name\":\"small\",\"providermap\":{\"joyent\":"
    "{\"flavor\":\"S\"},\"ec2\":{\"flavor\":\"m1.small\"}}},"
    "{\"name\":\"large\",\"providermap\":{\"joyent\":{\"flavor\":\"L\"}}}],"
    "\"imagetypes\":[{\"name\":\"centos6\",\"providermap\":{\"joyent\":"
    "{\"image\":\"C6\"}}}],"
    "\"services\":[{\"name\":\"base\",\"dependson\":[],\"provisioner\":"
    "{\"actions\":{\"install\":{\"type\":\"chef\",\"script\":\"a\"},"
    "\"configure\":{\"type\":\"shell\"},\"start\":{\"type\":\"chef\"}}}},"
    "{\"name\":\"web\",\"dependson\":[\"base\"],\"provisioner\":"
    "{\"actions\":{\"install\":{\"type\":\"puppet\"}}}}],"
    "\"clustertemplates\":["
    "{\"name\":\"t0\",\"defaults\":{\"services\":[\"base\",\"web\"],"
    "\"provider\":\"joyent\",\"config\":{}},"
    "\"administration\":{\"leaseduration\":{\"initial\":0,\"max\":0,"
    "\"step\":0}}},"
    "{\"name\":\"t10k\",\"defaults\":{\"services\":[\"base\"],"
    "\"provider\":\"joyent\",\"config\":{}},"
    "\"compatibility\":{\"services\":[\"base\",\"web\"]},"
    "\"administration\":{\"leaseduration\":{\"initial\":10000,"
    "\"max\":20000,\"step\":0}}},"
    "{\"name\":\"ghost\",\"defaults\":{\"services\":[\"base\",\"nosuch\"],"
    "\"provider\":\"joyent\",\"config\":{}}},"
    "{\"name\":\"bigonly\",\"defaults\":{\"services\":[\"base\"],"
    "\"provider\":\"joyent\",\"hardwaretype\":\"large\",\"config\":{}},"
    "\"compatibility\":{\"hardwaretypes\":[\"small\"]}}]}";

/* Solve on small_catalogue; returns solver_solve's result. */
static int
small_solve(const char *tmpl, const char *provider, const char *hw,
    struct json_object *services, int64_t lease, struct solver_result **res,
    char *err)
{
	struct json_object *cj = json_tokener_parse(small_catalogue);
	struct solver_catalogue cat;
	struct solver_request r;
	struct solver_options o;
	int counter = 0, rc;

	cr_assert_not_null(cj);
	solver_catalogue_from_export(&cat, cj);
	memset(&r, 0, sizeof r);
	r.cluster_id = "00000042";
	r.name = "c_1.x";
	r.template_name = tmpl;
	r.num_machines = 3;
	r.provider = provider;
	r.hardwaretype = hw;
	r.services = services;
	r.lease_duration = lease;
	r.create_time = 5000;
	o = test_opts(&counter, 0);
	rc = solver_solve(&cat, &r, &o, res, err);
	json_object_put(cj);
	return rc;
}

Test(solver, resolution_messages)
{
	static const struct {
		const char *tmpl, *provider, *hw, *services;
		int64_t lease;
		const char *want;
	} refused[] = {
		{ "nope", NULL, NULL, NULL, -1,
		    "cluster template nope does not exist." },
		{ "t0", "openstack", NULL, NULL, -1,
		    "provider openstack does not exist." },
		/* rackspace exists but no hardware type maps to it */
		{ "t0", "rackspace", NULL, NULL, -1,
		    "no hardware types are available to use with "
		    "template t0 and provider rackspace" },
		/* ec2 has a flavor for small but no image */
		{ "t0", "ec2", NULL, NULL, -1,
		    "no image types are available to use with "
		    "template t0 and provider ec2" },
		/* the template default hardware type is not compatible */
		{ "bigonly", NULL, NULL, NULL, -1,
		    "no hardware types are available to use with "
		    "template bigonly and provider joyent" },
		{ "t0", NULL, "medium", NULL, -1,
		    "no hardware types are available to use with "
		    "template t0 and provider joyent" },
		{ "t10k", NULL, NULL, NULL, 20000,
		    "lease duration cannot be greater than "
		    "specified in template" },
		{ "t0", NULL, NULL, NULL, -3, "invalid lease duration: -3" },
		{ "t10k", NULL, NULL, "[\"base\",\"mysql\"]", -1,
		    "service mysql is not allowed with template t10k" },
		{ "t10k", NULL, NULL, "[\"zz\",\"base\",\"aa\"]", -1,
		    "services zz,aa are not allowed with template t10k" },
		{ "ghost", NULL, NULL, NULL, -1,
		    "service nosuch does not exist" },
		{ "t0", NULL, NULL, "[\"web\"]", -1,
		    "service web depends on base, which is not in "
		    "the set of cluster services" },
	};
	struct solver_result *res;
	struct json_object *s;
	char err[LOOMD_ERR_LEN];
	size_t i;

	for (i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		s = refused[i].services != NULL ?
		    uj_parse(refused[i].services) :
		    NULL;
		cr_assert_eq(small_solve(refused[i].tmpl, refused[i].provider,
				 refused[i].hw, s, refused[i].lease, &res,
				 err),
		    -1, "row %zu must be refused: %s", i, refused[i].want);
		cr_assert_str_eq(err, refused[i].want, "row %zu", i);
		json_object_put(s);
	}
	/* a requested hardware type overrides the default */
	cr_assert_eq(small_solve("bigonly", NULL, "small", NULL, -1, &res,
			 err),
	    0, "%s", err);
	cr_assert_not_null(res);
	solver_result_free(res);
	/* an empty service list means the template defaults */
	s = uj_parse("[]");
	cr_assert_eq(small_solve("t0", NULL, NULL, s, -1, &res, err), 0);
	cr_assert_not_null(res);
	cr_assert_eq(json_object_array_length(res->services), 2);
	solver_result_free(res);
	json_object_put(s);
}

Test(solver, lease_and_expire_time)
{
	struct solver_result *res;
	char err[LOOMD_ERR_LEN];

	cr_assert_eq(small_solve("t10k", NULL, NULL, NULL, -1, &res, err), 0,
	    "%s", err);
	cr_assert_eq(res->lease_duration, 10000);
	cr_assert_eq(res->expire_time, 5000 + 10000);
	solver_result_free(res);
	cr_assert_eq(small_solve("t10k", NULL, NULL, NULL, 500, &res, err), 0);
	cr_assert_eq(res->expire_time, 5000 + 500);
	solver_result_free(res);
	cr_assert_eq(small_solve("t0", NULL, NULL, NULL, 0, &res, err), 0);
	cr_assert_eq(res->lease_duration, 0);
	cr_assert_eq(res->expire_time, 0);
	solver_result_free(res);
	cr_assert_eq(small_solve("t0", NULL, NULL, NULL, 200, &res, err), 0);
	cr_assert_eq(res->expire_time, 5200);
	solver_result_free(res);
}

Test(solver, automators_hostnames_and_types)
{
	struct solver_result *res;
	struct json_object *props, *autos;
	char err[LOOMD_ERR_LEN];
	size_t i;

	cr_assert_eq(small_solve("t0", NULL, NULL, NULL, -1, &res, err), 0,
	    "%s", err);
	cr_assert_eq(res->num_nodes, 3);
	for (i = 0; i < res->num_nodes; i++) {
		props = fx_data_get(json_object_array_get_idx(res->nodes, i),
		    "properties");
		/* unconstrained services go on every node */
		cr_assert_eq(json_object_array_length(fx_data_get(
				 json_object_array_get_idx(res->nodes, i),
				 "services")),
		    2);
		/* "large" < "small": the comparator takes the smaller name */
		cr_assert_str_eq(fx_data_str(props, "hardwaretype"), "large");
		cr_assert_str_eq(fx_data_str(props, "flavor"), "L");
		cr_assert_str_eq(fx_data_str(props, "imagetype"), "centos6");
		cr_assert_str_eq(fx_data_str(props, "image"), "C6");
		autos = fx_data_get(props, "automators");
		cr_assert_eq(json_object_array_length(autos), 3, "%s",
		    json_object_to_json_string(autos));
		cr_assert(arr_has(autos, "chef"));
		cr_assert(arr_has(autos, "shell"));
		cr_assert(arr_has(autos, "puppet"));
	}
	cr_assert_str_eq(
	    fx_data_str(fx_data_get(json_object_array_get_idx(res->nodes, 2),
			    "properties"),
		"hostname"),
	    "c-1-x42-1002.local");
	solver_result_free(res);
}

Test(solver, no_machines_no_layout)
{
	struct json_object *cj = json_tokener_parse(small_catalogue);
	struct solver_catalogue cat;
	struct solver_request r;
	struct solver_result *res = (void *)1;
	struct solver_options o;
	char err[LOOMD_ERR_LEN];
	int counter = 0;

	solver_catalogue_from_export(&cat, cj);
	memset(&r, 0, sizeof r);
	r.cluster_id = "1";
	r.name = "n";
	r.template_name = "t0";
	r.lease_duration = -1;
	o = test_opts(&counter, 0);
	r.num_machines = 0;
	cr_assert_eq(solver_solve(&cat, &r, &o, &res, err), 0);
	cr_assert_null(res);
	r.num_machines = -4;
	cr_assert_eq(solver_solve(&cat, &r, &o, &res, err), 0);
	cr_assert_null(res);
	cr_assert_eq(counter, 0);
	/* no id callback is an error, not a crash */
	r.num_machines = 2;
	o.node_id = NULL;
	cr_assert_eq(solver_solve(&cat, &r, &o, &res, err), -1);
	json_object_put(cj);
}

/*
 * a and b must coexist, a needs 2 nodes and b allows 1: no layout exists,
 * but the greedy start places all nodes, so the walk would visit every
 * composition of N over the 63 layouts.
 */
static const char *pathological =
    "{\"name\":\"pathological\",\"defaults\":{\"services\":[\"a\",\"b\","
    "\"c\",\"d\",\"e\",\"f\",\"g\"],\"provider\":\"joyent\",\"config\":{}},"
    "\"constraints\":{\"layout\":{\"mustcoexist\":[[\"a\",\"b\"]],"
    "\"cantcoexist\":[]},\"services\":{"
    "\"a\":{\"quantities\":{\"min\":2,\"max\":2}},"
    "\"b\":{\"quantities\":{\"min\":0,\"max\":1}},"
    "\"c\":{\"quantities\":{}},\"d\":{\"quantities\":{}},"
    "\"e\":{\"quantities\":{}},\"f\":{\"quantities\":{}},"
    "\"g\":{\"quantities\":{}}}}}";

static int
solve_inline(const char *tmpl_text, const char *services_text, int64_t n,
    int64_t max_steps, struct json_object **nodes, char *err)
{
	struct json_object *t = json_tokener_parse(tmpl_text);
	struct json_object *svcs = json_tokener_parse(services_text);
	struct json_object *defs = json_object_new_array();
	struct json_object *hw = json_tokener_parse("{\"small\":\"f\"}");
	struct json_object *img = json_tokener_parse("{\"centos6\":\"i\"}");
	struct json_object *d;
	struct solver_options o;
	size_t i;
	int counter = 0, rc;

	cr_assert_not_null(t);
	cr_assert_not_null(svcs);
	for (i = 0; i < json_object_array_length(svcs); i++) {
		d = json_object_new_object();
		json_object_object_add(d, "name",
		    json_object_get(json_object_array_get_idx(svcs, i)));
		json_object_array_add(defs, d);
	}
	o = test_opts(&counter, max_steps);
	rc = solver_solve_constraints(t, "1", "p", n, hw, img, svcs, defs, &o,
	    nodes, err);
	json_object_put(t);
	json_object_put(svcs);
	json_object_put(defs);
	json_object_put(hw);
	json_object_put(img);
	return rc;
}

Test(solver, step_bound)
{
	struct json_object *nodes = NULL;
	char err[LOOMD_ERR_LEN];
	const char *svcs = "[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\","
			   "\"g\"]";

	cr_assert_eq(solve_inline(pathological, svcs, 10, 1000, &nodes, err),
	    -1);
	cr_assert_null(nodes);
	cr_assert_str_eq(err, "no layout found within 1000 steps");
	/* the default bound also ends, with its own number */
	cr_assert_eq(solve_inline(pathological, svcs, 10, 0, &nodes, err), -1);
	cr_assert_str_eq(err, "no layout found within 1000000 steps");
	/* a small search space is exhausted: no layout, no error */
	cr_assert_eq(solve_inline(pathological, svcs, 2, 1000000, &nodes, err),
	    0, "%s", err);
	cr_assert_null(nodes);
}

Test(solver, step_bound_covers_service_sets)
{
	struct json_object *nodes = NULL;
	char *t, *s, *p, *q;
	char err[LOOMD_ERR_LEN];
	int i;

	/* 40 independent constrained services: 2^40 - 1 service sets */
	t = calloc(1, 8192);
	s = calloc(1, 1024);
	p = t +
	    sprintf(t,
		"{\"name\":\"wide\",\"defaults\":{\"services\":[],"
		"\"provider\":\"x\"},\"constraints\":{\"services\":{");
	q = s + sprintf(s, "[");
	for (i = 0; i < 40; i++) {
		p += sprintf(p, "%s\"s%d\":{\"quantities\":{}}", i ? "," : "",
		    i);
		q += sprintf(q, "%s\"s%d\"", i ? "," : "", i);
	}
	sprintf(p, "}}}");
	sprintf(q, "]");
	cr_assert_eq(solve_inline(t, s, 5, 5000, &nodes, err), -1);
	cr_assert_str_eq(err, "no layout found within 5000 steps");
	free(t);
	free(s);
}

/* Reactor template, maps and services of SolverTest.testSolveReactor. */
static int
solve_reactor(int64_t n, struct json_object **nodes, char *err)
{
	struct json_object *c = case_named("SolverTest.testSolveReactor");
	struct solver_options o;
	int counter = 0;

	o = test_opts(&counter, 0);
	return solver_solve_constraints(case_template(c, "template"),
	    fx_data_str(c, "clusterId"), fx_data_str(c, "clusterName"), n,
	    fx_data_get(c, "hardwaretype_flavors"),
	    fx_data_get(c, "imagetype_images"), fx_data_get(c, "services"),
	    fx_data_get(c, "service_definitions"), &o, nodes, err);
}

Test(solver, reactor_10000_nodes)
{
	struct json_object *c = case_named("SolverTest.testSolveReactor");
	struct json_object *nodes,
	    *sets =
		fx_data_get(fx_data_get(c, "expected"), "service_set_counts"),
	    *e;
	char err[LOOMD_ERR_LEN];
	size_t i;
	int total = 0;

	cr_assert_eq(solve_reactor(10000, &nodes, err), 0, "%s", err);
	cr_assert_not_null(nodes);
	cr_assert_eq(json_object_array_length(nodes), 10000);
	/* the same three node kinds as at 200 nodes; masters and the
	 * zookeeper/reactor node stay at one each (max 1) */
	for (i = 0; i < json_object_array_length(sets); i++) {
		e = json_object_array_get_idx(sets, i);
		int n = count_nodes_with(nodes, fx_data_get(e, "services"));

		if (json_object_get_int(fx_data_get(e, "count")) == 1)
			cr_assert_eq(n, 1);
		total += n;
	}
	cr_assert_eq(total, 10000);
	cr_assert_str_eq(
	    fx_data_str(fx_data_get(json_object_array_get_idx(nodes, 9999),
			    "properties"),
		"nodenum"),
	    "10999");
	json_object_put(nodes);
}

Test(solver, deterministic)
{
	struct json_object *a, *b;
	char err[LOOMD_ERR_LEN];

	cr_assert_eq(solve_reactor(200, &a, err), 0);
	cr_assert_eq(solve_reactor(200, &b, err), 0);
	cr_assert(json_object_equal(a, b));
	json_object_put(a);
	json_object_put(b);
}

/* Step A's fast service-set enumeration against the plain definition. */
Test(solver, valid_sets_match_definition)
{
	static const char *const names[] = { "reactor-medium", "reactor" };
	struct json_object *t, *defaults, *got, *subset, *all;
	char err[LOOMD_ERR_LEN];
	size_t i, k, n;
	unsigned mask;
	int valid, nvalid;

	for (i = 0; i < 2; i++) {
		t = catalogue_template(names[i]);
		defaults = fx_data_get(fx_data_get(t, "defaults"), "services");
		n = json_object_array_length(defaults);
		cr_assert_eq(solver_valid_service_sets(t, defaults, defaults,
				 &got, err),
		    0, "%s", err);
		all = json_object_new_array();
		nvalid = 0;
		for (mask = 1; mask < (1u << n); mask++) {
			subset = json_object_new_array();
			for (k = 0; k < n; k++) {
				if (mask & (1u << k))
					json_object_array_add(subset,
					    json_object_get(
						json_object_array_get_idx(
						    defaults, k)));
			}
			cr_assert_eq(solver_service_set_valid(t, subset,
					 defaults, &valid, err),
			    0);
			if (valid) {
				json_object_array_add(all, subset);
				nvalid++;
			} else
				json_object_put(subset);
		}
		cr_assert_gt(nvalid, 0);
		assert_same_set(got, all, same_names, names[i]);
		json_object_put(all);
		json_object_put(got);
	}
}

/* Step A's direct choice of types against narrowing all layouts. */
Test(solver, preferences_match_narrowing)
{
	struct json_object *c =
	    case_named("NodeLayoutGeneratorTest.testGetValidNodeLayouts");
	struct json_object *t = case_template(c, "template");
	struct json_object *all, *narrowed, *prefs;
	char err[LOOMD_ERR_LEN];
	size_t j;

	cr_assert_eq(solver_valid_node_layouts(t,
			 fx_data_get(c, "cluster_services"),
			 fx_data_get(c, "cluster_services"),
			 fx_data_get(c, "allowed_hardwaretypes"),
			 fx_data_get(c, "allowed_imagetypes"), &all, err),
	    0, "%s", err);
	cr_assert_eq(solver_narrow_node_layouts(all, NULL, NULL, &narrowed,
			 err),
	    0, "%s", err);
	cr_assert_eq(solver_node_layout_preferences(t,
			 fx_data_get(c, "cluster_services"),
			 fx_data_get(c, "allowed_hardwaretypes"),
			 fx_data_get(c, "allowed_imagetypes"), &prefs, err),
	    0, "%s", err);
	cr_assert_eq(json_object_array_length(prefs),
	    json_object_array_length(narrowed));
	cr_assert_eq(json_object_array_length(prefs), 5);
	for (j = 0; j < json_object_array_length(prefs); j++)
		cr_assert(same_layout(json_object_array_get_idx(prefs, j),
			      json_object_array_get_idx(narrowed, j)),
		    "%s vs %s", json_object_to_json_string(prefs),
		    json_object_to_json_string(narrowed));
	json_object_put(all);
	json_object_put(narrowed);
	json_object_put(prefs);
}

Test(solver, partial_compatibility_means_empty)
{
	struct json_object *nodes;
	char err[LOOMD_ERR_LEN];

	/* only "services" given: hardware and image types are unrestricted */
	cr_assert_eq(
	    solve_inline(
		"{\"name\":\"p\",\"defaults\":{\"services\":"
		"[\"a\"],\"provider\":\"x\"},\"compatibility\":{\"services\":"
		"[\"a\"]}}",
		"[\"a\"]", 2, 0, &nodes, err),
	    0, "%s", err);
	cr_assert_not_null(nodes);
	cr_assert_eq(json_object_array_length(nodes), 2);
	json_object_put(nodes);
}

Test(solver, request_from_json)
{
	struct json_object *j;
	struct solver_request r;
	char err[LOOMD_ERR_LEN];

	j = json_tokener_parse(
	    "{\"name\":\"c\",\"description\":\"d\","
	    "\"clusterTemplateName\":\"t\",\"numMachines\":\"5\",\"services\":"
	    "[\"a\"],\"hardwareType\":\"hw\",\"leaseDuration\":-1}");
	memset(&r, 0, sizeof r);
	cr_assert_eq(solver_request_from_json(&r, j, err), 0, "%s", err);
	cr_assert_str_eq(r.name, "c");
	cr_assert_str_eq(r.template_name, "t");
	cr_assert_eq(r.num_machines, 5);
	cr_assert_null(r.provider);
	cr_assert_str_eq(r.hardwaretype, "hw");
	cr_assert_null(r.imagetype);
	cr_assert_eq(r.lease_duration, -1);
	cr_assert_eq(json_object_array_length(r.services), 1);
	json_object_put(j);
	j = json_tokener_parse("{\"numMachines\":[1]}");
	cr_assert_eq(solver_request_from_json(&r, j, err), -1);
	cr_assert_str_eq(err, "invalid cluster request: bad numMachines");
	json_object_put(j);
}

Test(solver, malformed_templates)
{
	static const char *const bad[] = {
		"[]",
		"{\"defaults\":{\"services\":[],\"provider\":\"p\"}}",
		"{\"name\":\"x\"}",
		"{\"name\":\"x\",\"defaults\":{\"provider\":\"p\"}}",
		"{\"name\":\"x\",\"defaults\":{\"services\":[]}}",
		"{\"name\":\"x\",\"defaults\":{\"services\":[1],"
		"\"provider\":\"p\"}}",
		"{\"name\":\"x\",\"defaults\":{\"services\":[],"
		"\"provider\":\"p\"},\"constraints\":{\"layout\":"
		"{\"cantcoexist\":[null]}}}",
		"{\"name\":\"x\",\"defaults\":{\"services\":[],"
		"\"provider\":\"p\"},\"constraints\":{\"services\":"
		"{\"a\":{\"quantities\":{\"max\":\"many\"}}}}}",
	};
	static const char *const msg[] = {
		"invalid cluster template: not an object",
		"invalid cluster template: no name",
		"cluster defaults must be specified",
		"default services must be specified",
		"default provider must be specified",
		"invalid cluster template x: bad defaults.services",
		"invalid cluster template x: bad constraints.layout",
		"invalid cluster template x: bad constraints.services",
	};
	struct solver_input *in = (void *)1;
	struct json_object *t;
	char err[LOOMD_ERR_LEN];
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		t = json_tokener_parse(bad[i]);
		cr_assert_not_null(t, "%zu", i);
		cr_assert_eq(solver_input_from_json(&in, t, &g_cat, err), -1,
		    "%s", bad[i]);
		cr_assert_null(in);
		cr_assert_str_eq(err, msg[i]);
		json_object_put(t);
	}
	solver_input_free(NULL);
	solver_result_free(NULL);
}

Test(solver, input_solve_uses_given_template)
{
	struct solver_input *in;
	struct solver_request r;
	struct solver_result *res;
	struct solver_options o;
	char err[LOOMD_ERR_LEN];
	int counter = 0;

	cr_assert_eq(solver_input_from_json(&in,
			 catalogue_template("reactor-medium"), &g_cat, err),
	    0, "%s", err);
	memset(&r, 0, sizeof r);
	r.cluster_id = "7";
	r.name = "x";
	r.template_name = "not consulted";
	r.num_machines = 10;
	r.lease_duration = -1;
	o = test_opts(&counter, 0);
	cr_assert_eq(solver_input_solve(in, &r, &o, &res, err), 0, "%s", err);
	cr_assert_not_null(res);
	cr_assert_eq(res->num_nodes, 10);
	solver_result_free(res);
	solver_input_free(in);
}

/* Solve reactor-medium for n machines, cluster name, plain or not. */
static struct solver_result *
solve_named(const char *name, int64_t n, int plain)
{
	struct solver_request r;
	struct solver_result *res;
	struct solver_options o;
	char err[LOOMD_ERR_LEN];
	static int counter;

	memset(&r, 0, sizeof r);
	r.cluster_id = "00000042";
	r.name = name;
	r.template_name = "reactor-medium";
	r.num_machines = n;
	r.lease_duration = -1;
	counter = 0;
	o = test_opts(&counter, 0);
	o.plain_nodes = plain;
	cr_assert_eq(solver_solve(&g_cat, &r, &o, &res, err), 0, "%s", err);
	cr_assert_not_null(res);
	cr_assert_eq(res->num_nodes, (size_t)n);
	cr_assert_eq(counter, n, "one id per node");
	return res;
}

/*
 * The Node JSON text rendered from the plain nodes is byte for byte what
 * json-c prints for the Node objects, for names that need every kind of
 * escape and for names cut to fit the hostname; with plain_nodes the
 * json-c array is not built and the text is the same.
 */
Test(solver, plain_nodes_render_as_json_c)
{
	char weird[256], *text, *plain_text, *one, host[SOLVER_HOSTNAME_LEN];
	char *longname;
	const char *names[3], *want, *whost;
	struct solver_result *res, *plain;
	struct json_object *node;
	size_t i, k, len, plen;
	int n;

	for (i = 1; i < 256; i++)
		weird[i - 1] = (char)i;
	weird[255] = '\0';
	longname = calloc(601, 1);
	cr_assert_not_null(longname);
	for (i = 0; i < 600; i++)
		longname[i] = "a/b\"c_.\\"[i % 8];
	names[0] = "my.cluster_x";
	names[1] = weird;
	names[2] = longname;
	for (k = 0; k < 3; k++) {
		for (n = 5; n <= 54; n += 49) {
			res = solve_named(names[k], n, 0);
			cr_assert_not_null(res->nodes);
			want = json_object_to_json_string_ext(res->nodes,
			    JSON_C_TO_STRING_PLAIN |
				JSON_C_TO_STRING_NOSLASHESCAPE);
			text = solver_result_nodes_text(res, &len);
			cr_assert_eq(len, strlen(want));
			cr_assert_str_eq(text, want, "name %zu, %d nodes", k,
			    n);
			for (i = 0; i < res->num_nodes; i++) {
				node =
				    json_object_array_get_idx(res->nodes, i);
				one = solver_result_node_json(res, i, NULL);
				cr_assert_str_eq(one,
				    json_object_to_json_string_ext(node,
					JSON_C_TO_STRING_PLAIN |
					    JSON_C_TO_STRING_NOSLASHESCAPE));
				free(one);
				solver_result_hostname(res, i, host);
				whost = fx_data_str(fx_data_get(node,
							"properties"),
				    "hostname");
				cr_assert_str_eq(host, whost);
				cr_assert_leq(strlen(host), 255);
			}
			plain = solve_named(names[k], n, 1);
			cr_assert_null(plain->nodes);
			plain_text = solver_result_nodes_text(plain, &plen);
			cr_assert_eq(plen, len);
			cr_assert_str_eq(plain_text, text);
			free(plain_text);
			free(text);
			solver_result_free(plain);
			solver_result_free(res);
		}
	}
	free(longname);
}

/* Planning the plain nodes gives the plan of their Node JSON. */
Test(solver, plain_nodes_plan_alike)
{
	struct solver_result *res;
	struct planner_plan *a, *b;
	struct planner_node *pn, dup[2];
	char err[LOOMD_ERR_LEN], *ja, *jb;
	size_t i;

	res = solve_named("plan", 54, 0);
	pn = calloc(res->num_nodes, sizeof *pn);
	cr_assert_not_null(pn);
	for (i = 0; i < res->num_nodes; i++) {
		pn[i].id = res->node[i].id;
		pn[i].services = res->layouts[res->node[i].layout].services;
	}
	cr_assert_eq(planner_plan(PLANNER_CLUSTER_CREATE, res->nodes, &a, err),
	    0, "%s", err);
	cr_assert_eq(planner_plan_nodes(PLANNER_CLUSTER_CREATE, pn,
			 res->num_nodes, &b, err),
	    0, "%s", err);
	cr_assert_gt(a->ntasks, res->num_nodes);
	cr_assert_eq(a->ntasks, b->ntasks);
	cr_assert_eq(a->nstages, b->nstages);
	ja = planner_plan_json_string(a, "j", "42", PLANNER_CLUSTER_CREATE, 0,
	    NULL);
	jb = planner_plan_json_string(b, "j", "42", PLANNER_CLUSTER_CREATE, 0,
	    NULL);
	cr_assert_str_eq(ja, jb);
	free(ja);
	free(jb);
	planner_plan_free(a);
	planner_plan_free(b);
	/* the same errors: a repeated id, no nodes */
	dup[0] = pn[0];
	dup[1] = pn[0];
	cr_assert_eq(planner_plan_nodes(PLANNER_CLUSTER_CREATE, dup, 2, &b,
			 err),
	    -1);
	cr_assert_null(b);
	cr_assert_str_eq(err, PLANNER_ERR_SCHEDULE);
	cr_assert_eq(planner_plan_nodes(PLANNER_CLUSTER_CREATE, NULL, 0, &b,
			 err),
	    -1);
	free(pn);
	solver_result_free(res);
}
