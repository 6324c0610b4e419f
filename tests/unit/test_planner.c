/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_planner.c - unit tests of the planner (LOOM-0.9-API.md sections 3.5
 * and 3.8): the ClusterSchedulerTest, TaskDagTest and SchedulerTest cases
 * of loom-fixtures/planner-cases.json, the one-node plan without actions,
 * the delete plan, the plan JSON of section 1.5, the retry/rollback
 * sequence of testFailedRetryClusterStatus and a 10,000-node plan.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <json-c/json.h>

#include "common.h"
#include "fixture_data.h"
#include "planner.h"
#include "planner_fixture.h"
#include "unit_json.h"

/*
 * A Service object from a 0.9 fixture service, which lists its dependson
 * and its actions, with an empty description (the caller puts it).
 */
static struct json_object *
mk_service(struct json_object *def)
{
	struct json_object *svc;

	cr_assert_not_null(uj_opt(def, "dependson"), "%s: no dependson",
	    fx_data_str(def, "name"));
	cr_assert_not_null(uj_opt(def, "actions"), "%s: no actions",
	    fx_data_str(def, "name"));
	svc = pfx_service(def);
	json_object_object_add(svc, "description", json_object_new_string(""));
	return svc;
}

/* The fixture services of a case as a json array of Service objects. */
static struct json_object *
mk_services(struct json_object *c)
{
	return uj_map(fx_data_get(c, "services"), mk_service);
}

/* Node objects of cluster "1" for a case's nodes [{id, services}]. */
static struct json_object *
mk_nodes(struct json_object *c)
{
	struct json_object *nodes, *node;
	size_t i;

	nodes = pfx_nodes(fx_data_get(c, "services"), fx_data_get(c, "nodes"),
	    mk_service);
	for (i = 0; i < json_object_array_length(nodes); i++) {
		node = json_object_array_get_idx(nodes, i);
		json_object_object_add(node, "clusterId",
		    json_object_new_string("1"));
		json_object_object_add(node, "properties",
		    json_object_new_object());
	}
	return nodes;
}

/* Assert no stage of plan has two tasks for one node. */
static void
assert_one_task_per_node(const struct planner_plan *plan)
{
	size_t s, i, j;
	long *last;

	last = xcalloc(plan->ntasks + 1, sizeof *last);
	for (i = 0; i < plan->ntasks + 1; i++)
		last[i] = -1;
	for (s = 0; s < plan->nstages; s++) {
		for (i = 0; i < plan->stages[s].ntasks; i++) {
			j = plan->tasks[plan->stages[s].first + i].node_ix;
			cr_assert_lt(j, plan->ntasks + 1);
			cr_assert_neq(last[j], (long)s,
			    "stage %zu has two tasks for node %zu", s, j);
			last[j] = (long)s;
		}
	}
	free(last);
}

Test(planner, action_names)
{
	enum planner_action a;
	enum planner_cluster_action ca;
	const enum planner_action *order;
	size_t n;

	cr_assert_str_eq(planner_action_upper(PLANNER_ACTION_CREATE),
	    "CREATE");
	cr_assert_str_eq(planner_action_lower(PLANNER_ACTION_INITIALIZE),
	    "initialize");
	cr_assert_str_eq(planner_action_upper(PLANNER_ACTION_DELETE),
	    "DELETE");
	cr_assert_null(planner_action_upper(PLANNER_ACTION_COUNT));
	cr_assert_eq(planner_action_parse("CONFIGURE", &a), 0);
	cr_assert_eq(a, PLANNER_ACTION_CONFIGURE);
	cr_assert_eq(planner_action_parse("stop", &a), 0);
	cr_assert_eq(a, PLANNER_ACTION_STOP);
	cr_assert_eq(planner_action_parse("Start", &a), -1);
	cr_assert_eq(planner_action_parse("", &a), -1);
	/* ProvisionerAction order. */
	cr_assert_lt(PLANNER_ACTION_BOOTSTRAP, PLANNER_ACTION_INSTALL);
	cr_assert_lt(PLANNER_ACTION_REMOVE, PLANNER_ACTION_INITIALIZE);
	cr_assert_lt(PLANNER_ACTION_CONFIGURE, PLANNER_ACTION_START);
	cr_assert(planner_action_is_hardware(PLANNER_ACTION_CONFIRM));
	cr_assert(planner_action_is_hardware(PLANNER_ACTION_DELETE));
	cr_assert_not(planner_action_is_hardware(PLANNER_ACTION_INSTALL));

	cr_assert_eq(planner_cluster_action_parse("CLUSTER_DELETE", &ca), 0);
	cr_assert_eq(ca, PLANNER_CLUSTER_DELETE);
	cr_assert_eq(planner_cluster_action_parse("cluster_create", &ca), 0);
	cr_assert_eq(ca, PLANNER_CLUSTER_CREATE);
	cr_assert_str_eq(planner_cluster_action_lower(PLANNER_SOLVE_LAYOUT),
	    "solve_layout");
	cr_assert_eq(planner_cluster_action_parse(
			 "CLUSTER_CONFIGURE_WITH_RESTART", &ca),
	    0);
	cr_assert_eq(ca, PLANNER_CLUSTER_CONFIGURE_WITH_RESTART);
	cr_assert_str_eq(planner_cluster_action_upper(PLANNER_ADD_SERVICES),
	    "ADD_SERVICES");
	cr_assert_null(planner_cluster_action_upper(
	    (enum planner_cluster_action)PLANNER_CLUSTER_ACTION_COUNT));
	/* Failure and success statuses (0.9.7 section 2.2). */
	cr_assert_str_eq(planner_cluster_action_failure_status(
			     PLANNER_SOLVE_LAYOUT),
	    "TERMINATED");
	cr_assert_str_eq(planner_cluster_action_failure_status(
			     PLANNER_CLUSTER_CREATE),
	    "INCOMPLETE");
	cr_assert_str_eq(planner_cluster_action_failure_status(
			     PLANNER_CLUSTER_DELETE),
	    "INCOMPLETE");
	for (ca = PLANNER_CLUSTER_CONFIGURE; ca < PLANNER_CLUSTER_ACTION_COUNT;
	     ca++)
		cr_assert_str_eq(planner_cluster_action_failure_status(ca),
		    "INCONSISTENT", "%s", planner_cluster_action_upper(ca));
	cr_assert_str_eq(planner_cluster_action_success_status(
			     PLANNER_CLUSTER_DELETE),
	    "TERMINATED");
	cr_assert_str_eq(planner_cluster_action_success_status(
			     PLANNER_RESTART_SERVICES),
	    "ACTIVE");

	order = planner_action_order(PLANNER_CLUSTER_CREATE, &n);
	cr_assert_eq(n, 7);
	cr_assert_eq(order[0], PLANNER_ACTION_CREATE);
	cr_assert_eq(order[3], PLANNER_ACTION_INSTALL);
	cr_assert_eq(order[4], PLANNER_ACTION_CONFIGURE);
	cr_assert_eq(order[5], PLANNER_ACTION_INITIALIZE);
	cr_assert_eq(order[6], PLANNER_ACTION_START);
	order = planner_action_order(PLANNER_CLUSTER_DELETE, &n);
	cr_assert_eq(n, 1);
	cr_assert_eq(order[0], PLANNER_ACTION_DELETE);
	cr_assert_null(planner_action_order(PLANNER_SOLVE_LAYOUT, &n));
	cr_assert_eq(n, 0);
}

Test(planner, dedup_nodes_per_stage)
{
	struct json_object *root, *c;
	struct planner_plan *plan;

	root = fx_data_loom("planner-cases.json");
	c = uj_case(root, "ClusterSchedulerTest.testDedupNodesPerStage");
	plan = pfx_plan_of(fx_data_get(c, "input_stages"));
	cr_assert_eq(plan->nstages, 3);
	planner_plan_dedup(plan);
	pfx_assert_stages(plan, fx_data_get(c, "expected_stages"),
	    "testDedupNodesPerStage");
	assert_one_task_per_node(plan);
	/* Within a stage the listed order is kept. */
	cr_assert_str_eq(plan->tasks[plan->stages[0].first].node_id, "host1");
	cr_assert_str_eq(plan->tasks[plan->stages[0].first + 1].node_id,
	    "host3");
	planner_plan_free(plan);
	json_object_put(root);
}

Test(planner, dedup_drops_empty_stages)
{
	struct planner_plan *plan;

	plan = planner_plan_new();
	planner_plan_add_stage(plan);
	planner_plan_add_stage(plan);
	planner_plan_add_task(plan, "n1", PLANNER_ACTION_INSTALL, "a");
	planner_plan_add_task(plan, "n1", PLANNER_ACTION_INSTALL, "b");
	planner_plan_add_task(plan, "n1", PLANNER_ACTION_INSTALL, "c");
	planner_plan_add_stage(plan);
	planner_plan_dedup(plan);
	cr_assert_eq(plan->nstages, 3);
	cr_assert_eq(plan->ntasks, 3);
	cr_assert_str_eq(plan->tasks[plan->stages[0].first].service, "a");
	cr_assert_str_eq(plan->tasks[plan->stages[2].first].service, "c");
	planner_plan_free(plan);
	planner_plan_free(NULL);
}

Test(planner, minimize_dependencies)
{
	struct json_object *root, *c, *svcs, *want, *list;
	struct planner_services *g;
	char err[LOOMD_ERR_LEN];
	const size_t *deps;
	size_t n, i, k, ix;

	root = fx_data_loom("planner-cases.json");
	c = uj_case(root, "ClusterSchedulerTest.testMinimizeDependencies");
	svcs = mk_services(c);
	cr_assert_eq(planner_services_new(svcs, &g, err), 0, "%s", err);
	want = fx_data_get(c, "expected");
	cr_assert_eq(planner_services_count(g), 6);
	for (i = 0; i < planner_services_count(g); i++) {
		list = fx_data_get(want, planner_services_name(g, i));
		deps = planner_services_min_deps(g, i, &n);
		cr_assert_eq(n, json_object_array_length(list), "%s",
		    planner_services_name(g, i));
		for (k = 0; k < n; k++) {
			/* Both are sorted by name. */
			cr_assert_eq(planner_services_find(g,
					 json_object_get_string(
					     json_object_array_get_idx(list,
						 k)),
					 &ix),
			    0);
			cr_assert_eq(deps[k], ix, "%s",
			    planner_services_name(g, i));
		}
	}
	/* s5 -> {base, s1, s2, s3, s4} minimises to {s3, s4}. */
	cr_assert_eq(planner_services_find(g, "s5", &ix), 0);
	deps = planner_services_min_deps(g, ix, &n);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(planner_services_name(g, deps[0]), "s3");
	cr_assert_str_eq(planner_services_name(g, deps[1]), "s4");
	planner_services_free(g);
	planner_services_free(NULL);
	json_object_put(svcs);
	json_object_put(root);
}

Test(planner, depends_on)
{
	struct json_object *root, *c, *deps, *names, *svcs, *def;
	struct json_object *want, *list, *d;
	struct planner_services *g;
	char err[LOOMD_ERR_LEN];
	const char *a, *b;
	size_t i, j, k, ia, ib;
	int expect;

	root = fx_data_loom("planner-cases.json");
	c = uj_case(root, "ClusterSchedulerTest.testDependsOn");
	deps = fx_data_get(c, "dependencies");
	names = fx_data_get(c, "services");
	svcs = json_object_new_array();
	for (i = 0; i < json_object_array_length(names); i++) {
		a = json_object_get_string(
		    json_object_array_get_idx(names, i));
		def = json_object_new_object();
		json_object_object_add(def, "name", json_object_new_string(a));
		if (json_object_object_get_ex(deps, a, &d))
			json_object_object_add(def, "dependson",
			    json_object_get(d));
		json_object_array_add(svcs, def);
	}
	cr_assert_eq(planner_services_new(svcs, &g, err), 0, "%s", err);
	want = fx_data_get(c, "expected_transitive");
	for (i = 0; i < json_object_array_length(names); i++) {
		a = json_object_get_string(
		    json_object_array_get_idx(names, i));
		list = fx_data_get(want, a);
		for (j = 0; j < json_object_array_length(names); j++) {
			b = json_object_get_string(
			    json_object_array_get_idx(names, j));
			expect = 0;
			for (k = 0; k < json_object_array_length(list); k++) {
				if (strcmp(json_object_get_string(
					       json_object_array_get_idx(list,
						   k)),
					b) == 0)
					expect = 1;
			}
			cr_assert_eq(planner_services_find(g, a, &ia), 0);
			cr_assert_eq(planner_services_find(g, b, &ib), 0);
			cr_assert_eq(planner_services_depends_on(g, ia, ib),
			    expect, "dependsOn(%s, %s)", a, b);
		}
	}
	planner_services_free(g);
	json_object_put(svcs);
	json_object_put(root);
}

Test(planner, direct_action_dependencies)
{
	struct json_object *root, *c, *svcs, *want, *e, *dl;
	struct planner_services *g;
	const struct planner_svc_action *deps;
	char err[LOOMD_ERR_LEN];
	enum planner_action a, da;
	size_t i, n, k, j, total = 0, ix;
	int listed;

	root = fx_data_loom("planner-cases.json");
	c = uj_case(root,
	    "ClusterSchedulerTest.testFindDirectActionDependencies");
	svcs = mk_services(c);
	cr_assert_eq(planner_services_new(svcs, &g, err), 0, "%s", err);
	want = fx_data_get(c, "expected");
	/* Every listed (service, action) has exactly its dependencies. */
	for (k = 0; k < json_object_array_length(want); k++) {
		e = json_object_array_get_idx(want, k);
		cr_assert_eq(planner_services_find(g,
				 fx_data_str(e, "service"), &i),
		    0);
		cr_assert_eq(planner_action_parse(fx_data_str(e, "action"),
				 &a),
		    0);
		deps = planner_services_action_deps(g, i, a, &n);
		dl = fx_data_get(e, "depends_on");
		cr_assert_eq(n, json_object_array_length(dl), "%s %s",
		    fx_data_str(e, "service"), fx_data_str(e, "action"));
		for (j = 0; j < n; j++) {
			struct json_object *w =
			    json_object_array_get_idx(dl, j);

			/* Both lists are ordered by service name. */
			cr_assert_eq(planner_services_find(g,
					 fx_data_str(w, "service"), &ix),
			    0);
			cr_assert_eq(deps[j].service, ix);
			cr_assert_eq(planner_action_parse(fx_data_str(w,
							      "action"),
					 &da),
			    0);
			cr_assert_eq(deps[j].action, da);
		}
	}
	/* No other (service, action) has any dependency. */
	for (i = 0; i < planner_services_count(g); i++) {
		for (a = 0; a < PLANNER_ACTION_COUNT; a++) {
			deps = planner_services_action_deps(g, i, a, &n);
			if (n == 0)
				continue;
			total++;
			listed = 0;
			for (k = 0; k < json_object_array_length(want); k++) {
				e = json_object_array_get_idx(want, k);
				if (strcmp(fx_data_str(e, "service"),
					planner_services_name(g, i)) == 0 &&
				    strcmp(fx_data_str(e, "action"),
					planner_action_upper(a)) == 0)
					listed = 1;
			}
			cr_assert(listed, "unexpected deps of %s %s",
			    planner_services_name(g, i),
			    planner_action_upper(a));
		}
	}
	cr_assert_eq(total, json_object_array_length(want));
	planner_services_free(g);
	json_object_put(svcs);
	json_object_put(root);
}

/* Check a create_task_dag case: vertex set and edge set. */
static void
check_task_dag(const char *test, enum planner_cluster_action ca)
{
	struct json_object *root, *c, *nodes, *want;
	struct planner_dag *dag;
	char err[LOOMD_ERR_LEN];

	root = fx_data_loom("planner-cases.json");
	c = uj_case(root, test);
	nodes = mk_nodes(c);
	cr_assert_eq(planner_dag_build(ca, nodes, &dag, err), 0, "%s", err);

	pfx_assert_dag(dag, c, test);

	if (json_object_object_get_ex(c, "expected_stages", &want)) {
		struct planner_plan *plan;

		cr_assert_eq(planner_dag_linearize(dag, &plan, err), 0, "%s",
		    err);
		pfx_assert_stages(plan, want, test);
		planner_plan_free(plan);
	}
	planner_dag_free(dag);
	planner_dag_free(NULL);
	json_object_put(nodes);
	json_object_put(root);
}

Test(planner, create_task_dag)
{
	check_task_dag("ClusterSchedulerTest.testCreateTaskDag",
	    PLANNER_CLUSTER_CREATE);
}

Test(planner, delete_task_dag)
{
	check_task_dag("ClusterSchedulerTest.testNoEdgeNodesInDag",
	    PLANNER_CLUSTER_DELETE);
}

/* Index of key in keys[0, *n), appended if absent. */
static size_t
vertex_id(char ***keys, size_t *n, char *key)
{
	size_t i;

	for (i = 0; i < *n; i++) {
		if (strcmp((*keys)[i], key) == 0) {
			free(key);
			return i;
		}
	}
	*keys = xreallocarray(*keys, *n + 1, sizeof **keys);
	(*keys)[*n] = key;
	return (*n)++;
}

/* Run a TaskDagTest linearize case; returns 0 or -1 (cycle). */
static int
run_linearize_case(const char *test)
{
	struct json_object *root, *c, *edges, *e, *want, *stage;
	struct planner_edge *pe;
	char **keys = NULL, err[LOOMD_ERR_LEN];
	char **a, **b;
	size_t nkeys = 0, ne, i, s, k, nstages, na, *st;
	int rc;

	root = fx_data_loom("planner-cases.json");
	c = uj_case(root, test);
	edges = fx_data_get(c, "edges");
	ne = json_object_array_length(edges);
	pe = xcalloc(ne, sizeof *pe);
	for (i = 0; i < ne; i++) {
		e = json_object_array_get_idx(edges, i);
		pe[i].from = vertex_id(&keys, &nkeys,
		    pfx_fixture_key(fx_data_get(e, "from")));
		pe[i].to = vertex_id(&keys, &nkeys,
		    pfx_fixture_key(fx_data_get(e, "to")));
	}
	st = xcalloc(nkeys, sizeof *st);
	rc = planner_linearize(nkeys, pe, ne, st, &nstages, err);
	if (rc == 0) {
		want = fx_data_get(c, "expected_stages");
		cr_assert_eq(nstages, json_object_array_length(want));
		for (s = 0; s < nstages; s++) {
			stage = json_object_array_get_idx(want, s);
			a = xcalloc(nkeys, sizeof *a);
			na = 0;
			for (k = 0; k < nkeys; k++) {
				if (st[k] == s)
					a[na++] = xstrdup(keys[k]);
			}
			b = xcalloc(json_object_array_length(stage) + 1,
			    sizeof *b);
			for (k = 0; k < json_object_array_length(stage); k++)
				b[k] = pfx_fixture_key(
				    json_object_array_get_idx(stage, k));
			pfx_assert_same_keys(a, na, b,
			    json_object_array_length(stage), 0, test);
		}
	} else {
		cr_assert(json_object_object_get_ex(c, "expected_error",
			      &want),
		    "%s: unexpected error %s", test, err);
	}
	pfx_keys_free(keys, nkeys);
	free(pe);
	free(st);
	json_object_put(root);
	return rc;
}

Test(planner, linearize_single_host)
{
	cr_assert_eq(run_linearize_case("TaskDagTest.testDagSingleHost"), 0);
}

Test(planner, linearize_multiple_hosts)
{
	cr_assert_eq(run_linearize_case("TaskDagTest.testDagMultipleHosts"),
	    0);
}

Test(planner, linearize_cycle_fails)
{
	struct planner_edge e[3] = { { 0, 1 }, { 1, 2 }, { 2, 1 } };
	size_t st[3], n;
	char err[LOOMD_ERR_LEN];

	cr_assert_eq(run_linearize_case("TaskDagTest.testNoDag"), -1);
	/* A longer cycle reachable from a source, and the empty graph. */
	cr_assert_eq(planner_linearize(3, e, 3, st, &n, err), -1);
	cr_assert_eq(planner_linearize(0, NULL, 0, st, &n, err), -1);
	/* Isolated vertices land in stage 0. */
	cr_assert_eq(planner_linearize(3, e, 1, st, &n, err), 0);
	cr_assert_eq(n, 2);
	cr_assert_eq(st[0], 0);
	cr_assert_eq(st[1], 1);
	cr_assert_eq(st[2], 0);
}

/* The stored nodes of the SchedulerTest case, as a new json array. */
static struct json_object *
scheduler_nodes(struct json_object *c)
{
	return json_object_get(fx_data_get(c, "stored_nodes"));
}

Test(planner, scheduler_plan)
{
	struct json_object *root, *c, *nodes, *want, *w;
	struct planner_plan *plan;
	char err[LOOMD_ERR_LEN];
	size_t s, i, k;

	root = fx_data_loom("planner-cases.json");
	c = uj_case(root, "SchedulerTest.testScheduler");
	nodes = scheduler_nodes(c);
	cr_assert_eq(planner_plan(PLANNER_CLUSTER_CREATE, nodes, &plan, err),
	    0, "%s", err);
	cr_assert_eq(plan->nstages,
	    (size_t)json_object_get_int(
		fx_data_get(c, "expected_num_stages")));
	want = fx_data_get(c, "expected_stages_with_3_and_4_merged");
	cr_assert_eq(plan->nstages - 1, json_object_array_length(want));
	/* Stages 3 and 4 each hold one task per node: 2 + 2. */
	cr_assert_eq(plan->stages[3].ntasks, 2);
	cr_assert_eq(plan->stages[4].ntasks, 2);
	assert_one_task_per_node(plan);
	for (s = 0; s < plan->nstages - 1; s++) {
		w = json_object_array_get_idx(want, s);
		if (s < 3) {
			pfx_assert_stage(plan, s, w, "testScheduler");
			continue;
		}
		if (s > 3) {
			pfx_assert_stage(plan, s + 1, w, "testScheduler");
			continue;
		}
		/* Compare the merged stages 3 + 4 through a copy plan. */
		{
			struct planner_plan *m = planner_plan_new();

			for (k = 3; k <= 4; k++) {
				for (i = 0; i < plan->stages[k].ntasks; i++) {
					const struct planner_task *t =
					    &plan->tasks
						 [plan->stages[k].first + i];

					planner_plan_add_task(m, t->node_id,
					    t->action, t->service);
				}
			}
			pfx_assert_stage(m, 0, w, "testScheduler 3+4");
			planner_plan_free(m);
		}
	}
	planner_plan_free(plan);
	json_object_put(nodes);
	json_object_put(root);
}

Test(planner, delete_plan)
{
	struct json_object *root, *c, *nodes;
	struct planner_plan *plan;
	char err[LOOMD_ERR_LEN];
	size_t i;

	/* testDeleteCluster reuses NODE1/NODE2: one stage, 2 DELETEs. */
	root = fx_data_loom("planner-cases.json");
	c = uj_case(root, "SchedulerTest.testScheduler");
	nodes = scheduler_nodes(c);
	cr_assert_eq(planner_plan(PLANNER_CLUSTER_DELETE, nodes, &plan, err),
	    0, "%s", err);
	cr_assert_eq(plan->nstages, 1);
	cr_assert_eq(plan->ntasks, 2);
	for (i = 0; i < 2; i++) {
		cr_assert_eq(plan->tasks[i].action, PLANNER_ACTION_DELETE);
		cr_assert_str_eq(plan->tasks[i].service, "");
	}
	cr_assert_str_neq(plan->tasks[0].node_id, plan->tasks[1].node_id);
	planner_plan_free(plan);
	json_object_put(nodes);
	json_object_put(root);
}

/* A 1-node cluster of the one-machine template: zookeeper, no actions. */
static struct json_object *
one_machine_nodes(void)
{
	struct json_object *cat, *svcs, *s, *node, *list, *nodes;
	size_t i;

	cat = fx_data_loom("cluster-handler-fixtures.json");
	svcs = fx_data_get(cat, "services");
	list = json_object_new_array();
	for (i = 0; i < json_object_array_length(svcs); i++) {
		s = json_object_array_get_idx(svcs, i);
		if (strcmp(fx_data_str(s, "name"), "zookeeper") == 0)
			json_object_array_add(list, json_object_get(s));
	}
	cr_assert_eq(json_object_array_length(list), 1);
	node = json_object_new_object();
	json_object_object_add(node, "id",
	    json_object_new_string("ee6a7be9-0000-4000-8000-000000000001"));
	json_object_object_add(node, "clusterId",
	    json_object_new_string("00000001"));
	json_object_object_add(node, "services", list);
	json_object_object_add(node, "properties", json_object_new_object());
	nodes = json_object_new_array();
	json_object_array_add(nodes, node);
	json_object_put(cat);
	return nodes;
}

Test(planner, one_node_without_actions)
{
	struct json_object *nodes;
	struct planner_plan *plan;
	char err[LOOMD_ERR_LEN];

	nodes = one_machine_nodes();
	cr_assert_eq(planner_plan(PLANNER_CLUSTER_CREATE, nodes, &plan, err),
	    0, "%s", err);
	cr_assert_eq(plan->nstages, 3);
	cr_assert_eq(plan->ntasks, 3);
	cr_assert_eq(plan->tasks[0].action, PLANNER_ACTION_CREATE);
	cr_assert_eq(plan->tasks[1].action, PLANNER_ACTION_CONFIRM);
	cr_assert_eq(plan->tasks[2].action, PLANNER_ACTION_BOOTSTRAP);
	cr_assert_eq(plan->stages[2].first, 2);
	cr_assert_str_eq(plan->tasks[2].service, "");
	planner_plan_free(plan);
	json_object_put(nodes);
}

Test(planner, plan_json)
{
	struct json_object *nodes, *got, *want, *parsed;
	struct planner_plan *plan;
	char err[LOOMD_ERR_LEN], *text;
	const char *ids[] = { "00000079-002-001", "00000079-002-002",
		"00000079-002-003" };

	nodes = one_machine_nodes();
	cr_assert_eq(planner_plan(PLANNER_CLUSTER_CREATE, nodes, &plan, err),
	    0, "%s", err);
	got = planner_plan_json(plan, "00000079-002", "00000079",
	    PLANNER_CLUSTER_CREATE, 0, ids);
	want = json_tokener_parse(
	    "{\"id\":\"00000079-002\","
	    "\"clusterId\":\"00000079\",\"action\":\"CLUSTER_CREATE\","
	    "\"currentStage\":0,\"stages\":["
	    "[{\"id\":\"00000079-002-001\",\"taskName\":\"CREATE\","
	    "\"nodeId\":\"ee6a7be9-0000-4000-8000-000000000001\","
	    "\"service\":\"\"}],"
	    "[{\"id\":\"00000079-002-002\",\"taskName\":\"CONFIRM\","
	    "\"nodeId\":\"ee6a7be9-0000-4000-8000-000000000001\","
	    "\"service\":\"\"}],"
	    "[{\"id\":\"00000079-002-003\",\"taskName\":\"BOOTSTRAP\","
	    "\"nodeId\":\"ee6a7be9-0000-4000-8000-000000000001\","
	    "\"service\":\"\"}]]}");
	cr_assert_not_null(want);
	cr_assert(json_object_equal(got, want), "got %s",
	    json_object_to_json_string(got));
	text = planner_plan_json_string(plan, "00000079-002", "00000079",
	    PLANNER_CLUSTER_CREATE, 0, ids);
	parsed = json_tokener_parse(text);
	cr_assert_not_null(parsed, "bad JSON %s", text);
	cr_assert(json_object_equal(parsed, want), "got %s", text);
	free(text);
	json_object_put(parsed);
	json_object_put(got);
	json_object_put(want);

	/* A SOLVE_LAYOUT job has no stages; strings are escaped. */
	got = planner_plan_json(NULL, "1-001", "1", PLANNER_SOLVE_LAYOUT, 0,
	    NULL);
	want = json_tokener_parse(
	    "{\"id\":\"1-001\",\"clusterId\":\"1\","
	    "\"action\":\"SOLVE_LAYOUT\",\"currentStage\":0,\"stages\":[]}");
	cr_assert(json_object_equal(got, want));
	text = planner_plan_json_string(NULL, "1-\"0\\01\n", "1",
	    PLANNER_SOLVE_LAYOUT, 0, NULL);
	parsed = json_tokener_parse(text);
	cr_assert_not_null(parsed, "bad JSON %s", text);
	cr_assert_str_eq(json_object_get_string(fx_data_get(parsed, "id")),
	    "1-\"0\\01\n");
	free(text);
	json_object_put(parsed);
	json_object_put(got);
	json_object_put(want);
	planner_plan_free(plan);
	json_object_put(nodes);
}

/* s as a JSON string literal, escaped as the plan text escapes (caller frees). */
static char *
json_lit(const char *s)
{
	char *out, *o;

	if (s == NULL)
		return xstrdup("null");
	out = o = xmalloc(strlen(s) * 6 + 3);
	*o++ = '"';
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			*o++ = '\\';
			*o++ = (char)c;
		} else if (c == '\n')
			o += sprintf(o, "\\n");
		else if (c == '\r')
			o += sprintf(o, "\\r");
		else if (c == '\t')
			o += sprintf(o, "\\t");
		else if (c < 0x20)
			o += sprintf(o, "\\u%04x", c);
		else
			*o++ = (char)c;
	}
	*o++ = '"';
	*o = '\0';
	return out;
}

/*
 * The plan text byte for byte, with every byte from 1 to 255 in task ids,
 * node ids and service names, and tasks added with planner_plan_add_task().
 */
Test(planner, plan_json_every_byte)
{
	struct planner_plan *plan;
	char names[3][256], *ids[6], *text, *lit[4], *want, *w;
	const char *job = "j\x01\"\\/\x7f";
	size_t i, k, len;

	for (k = 0; k < 3; k++) {
		for (i = 0; i < 255; i++)
			names[k][i] = (char)(((i + k * 7) % 255) + 1);
		names[k][255] = '\0';
	}
	plan = planner_plan_new();
	planner_plan_add_task(plan, names[0], PLANNER_ACTION_CREATE, NULL);
	planner_plan_add_task(plan, "n\t2", PLANNER_ACTION_CREATE, "");
	planner_plan_add_stage(plan);
	planner_plan_add_task(plan, names[0], PLANNER_ACTION_INSTALL,
	    names[1]);
	planner_plan_add_task(plan, "n\t2", PLANNER_ACTION_INSTALL, names[2]);
	planner_plan_add_stage(plan);
	planner_plan_add_task(plan, names[0], PLANNER_ACTION_START, names[1]);
	planner_plan_add_task(plan, names[1], PLANNER_ACTION_START, "s");
	for (i = 0; i < 6; i++)
		ids[i] = i == 3 ? NULL : xasprintf("%s-%zu", names[i % 3], i);

	len = 4096;
	for (i = 0; i < 6; i++)
		len +=
		    6 * (ids[i] == NULL ? 4 : strlen(ids[i])) + 6 * 520 + 100;
	want = w = xmalloc(len);
	lit[0] = json_lit(job);
	w += sprintf(w,
	    "{\"id\":%s,\"clusterId\":null,\"action\":\"CLUSTER_CREATE\","
	    "\"currentStage\":-2,\"stages\":[",
	    lit[0]);
	free(lit[0]);
	for (k = 0; k < plan->nstages; k++) {
		w += sprintf(w, "%s[", k == 0 ? "" : ",");
		for (i = plan->stages[k].first;
		     i < plan->stages[k].first + plan->stages[k].ntasks; i++) {
			lit[0] = json_lit(ids[i]);
			lit[1] = json_lit(
			    planner_action_upper(plan->tasks[i].action));
			lit[2] = json_lit(plan->tasks[i].node_id);
			lit[3] = json_lit(plan->tasks[i].service);
			w += sprintf(w,
			    "%s{\"id\":%s,\"taskName\":%s,\"nodeId\":%s,"
			    "\"service\":%s}",
			    i == plan->stages[k].first ? "" : ",", lit[0],
			    lit[1], lit[2], lit[3]);
			free(lit[0]);
			free(lit[1]);
			free(lit[2]);
			free(lit[3]);
		}
		*w++ = ']';
	}
	sprintf(w, "]}");
	text = planner_plan_json_string(plan, job, NULL,
	    PLANNER_CLUSTER_CREATE, -2, (const char *const *)ids);
	cr_assert_str_eq(text, want);
	cr_assert_eq(plan->nstages, 3);
	cr_assert_str_eq(plan->tasks[2].service, names[1]);
	free(text);
	free(want);
	for (i = 0; i < 6; i++)
		free(ids[i]);
	planner_plan_free(plan);
}

Test(planner, plan_failures)
{
	struct json_object *nodes, *node;
	struct planner_plan *plan;
	char err[LOOMD_ERR_LEN];

	/* No nodes: an empty DAG. */
	nodes = json_object_new_array();
	cr_assert_eq(planner_plan(PLANNER_CLUSTER_CREATE, nodes, &plan, err),
	    -1);
	cr_assert_null(plan);
	cr_assert_str_eq(err, "Failed to schedule the action");
	/* A node with no services yields no tasks. */
	node = json_object_new_object();
	json_object_object_add(node, "id", json_object_new_string("n1"));
	json_object_object_add(node, "services", json_object_new_array());
	json_object_array_add(nodes, node);
	cr_assert_eq(planner_plan(PLANNER_CLUSTER_DELETE, nodes, &plan, err),
	    -1);
	cr_assert_str_eq(err, "Failed to schedule the action");
	/* No action order. */
	cr_assert_eq(planner_plan(PLANNER_SOLVE_LAYOUT, nodes, &plan, err),
	    -1);
	cr_assert_str_eq(err, "Failed to schedule the action");
	/* Malformed input: a duplicate node id, a node without id. */
	json_object_array_add(nodes, json_object_get(node));
	cr_assert_eq(planner_plan(PLANNER_CLUSTER_CREATE, nodes, &plan, err),
	    -1);
	cr_assert_str_eq(err, "Failed to schedule the action");
	json_object_put(nodes);
	nodes = json_tokener_parse("[{\"services\":[]}]");
	cr_assert_eq(planner_plan(PLANNER_CLUSTER_CREATE, nodes, &plan, err),
	    -1);
	cr_assert_str_eq(err, "Failed to schedule the action");
	json_object_put(nodes);
}

Test(planner, dependency_edge_cases)
{
	struct json_object *nodes;
	struct planner_plan *plan;
	char err[LOOMD_ERR_LEN];
	size_t i, s_a = 99, s_b = 99;

	/*
	 * a and b depend on each other (a cycle vanishes when minimised)
	 * and a depends on "ghost", which is on no node (ignored).
	 */
	nodes = json_tokener_parse(
	    "[{\"id\":\"n1\",\"services\":["
	    "{\"name\":\"a\",\"dependson\":[\"b\",\"ghost\"],"
	    "\"provisioner\":{\"actions\":{\"start\":{\"type\":\"x\"}}}},"
	    "{\"name\":\"b\",\"dependson\":[\"a\"],"
	    "\"provisioner\":{\"actions\":{\"start\":{\"type\":\"x\"}}}}]}]");
	cr_assert_not_null(nodes);
	cr_assert_eq(planner_plan(PLANNER_CLUSTER_CREATE, nodes, &plan, err),
	    0, "%s", err);
	cr_assert_eq(plan->ntasks, 5);
	for (i = 0; i < plan->nstages; i++) {
		const struct planner_task *t =
		    &plan->tasks[plan->stages[i].first];

		if (strcmp(t->service, "a") == 0)
			s_a = i;
		if (strcmp(t->service, "b") == 0)
			s_b = i;
	}
	/* Same layer, split by de-duplication, a before b by name. */
	cr_assert_eq(s_a, 3);
	cr_assert_eq(s_b, 4);
	planner_plan_free(plan);
	json_object_put(nodes);
}

Test(planner, retry_decide)
{
	struct planner_retry r;

	planner_retry_decide(PLANNER_CLUSTER_CREATE, PLANNER_ACTION_CONFIRM, 1,
	    3, &r);
	cr_assert(r.retry);
	cr_assert(r.rollback);
	cr_assert_eq(r.rollback_action, PLANNER_ACTION_DELETE);
	cr_assert_eq(r.nbefore, 1);
	cr_assert_eq(r.before[0], PLANNER_ACTION_CREATE);

	planner_retry_decide(PLANNER_CLUSTER_CREATE, PLANNER_ACTION_CONFIRM, 3,
	    3, &r);
	cr_assert_not(r.retry);
	cr_assert_not(r.rollback);
	cr_assert_eq(r.nbefore, 0);

	planner_retry_decide(PLANNER_CLUSTER_CREATE, PLANNER_ACTION_INSTALL, 2,
	    3, &r);
	cr_assert(r.retry);
	cr_assert_not(r.rollback);
	cr_assert_eq(r.nbefore, 0);

	planner_retry_decide(PLANNER_CLUSTER_DELETE, PLANNER_ACTION_DELETE, 1,
	    3, &r);
	cr_assert(r.retry);
	cr_assert_not(r.rollback);
	cr_assert_eq(r.nbefore, 0);
}

/*
 * A model of one cluster job for the retry tests: its stagedTasks and
 * taskStatus JSON (section 2.7) and its tasks, driven by the JobScheduler
 * rules of section 3.7 with the planner's retry decision.
 */
struct sim_task {
	char *id;
	enum planner_action action;
	char status[16];
	int attempts;
};

struct sim_job {
	struct json_object *staged;
	struct json_object *status; /* taskStatus */
	size_t current;
	int failed;
	int complete;
	struct sim_task tasks[32];
	size_t ntasks;
	size_t nrollbacks;
	int next_id;
};

/* A new task of the job (1 attempt, NOT_SUBMITTED). */
static struct sim_task *
sim_new_task(struct sim_job *job, enum planner_action action)
{
	struct sim_task *t;

	cr_assert_lt(job->ntasks, 32);
	t = &job->tasks[job->ntasks++];
	t->id = xasprintf("00000001-002-%03d", job->next_id++);
	t->action = action;
	strcpy(t->status, "not_submitted");
	t->attempts = 1;
	return t;
}

static struct sim_task *
sim_find(struct sim_job *job, const char *id)
{
	size_t i;

	for (i = 0; i < job->ntasks; i++) {
		if (strcmp(job->tasks[i].id, id) == 0)
			return &job->tasks[i];
	}
	cr_assert_fail("no task %s", id);
	return NULL;
}

/* Submit a task: taskStatus and status IN_PROGRESS. */
static void
sim_submit(struct sim_job *job, struct sim_task *t)
{
	strcpy(t->status, "in_progress");
	json_object_object_add(job->status, t->id,
	    json_object_new_string("in_progress"));
}

/* One JobScheduler pass over the current stage; 1 = re-enqueued. */
static int
sim_pass(struct sim_job *job)
{
	struct json_object *stage;
	struct sim_task *t, *todo[32], *nt;
	struct planner_retry r;
	const char *ids[PLANNER_ACTION_COUNT];
	char err[LOOMD_ERR_LEN];
	size_t n, i, k, ntodo = 0, completed = 0;

	stage = json_object_array_get_idx(job->staged, job->current);
	n = json_object_array_length(stage);
	for (i = 0; i < n; i++) {
		t = sim_find(job,
		    json_object_get_string(
			json_object_array_get_idx(stage, i)));
		json_object_object_add(job->status, t->id,
		    json_object_new_string(t->status));
		if (strcmp(t->status, "complete") == 0)
			completed++;
		else if (strcmp(t->status, "not_submitted") == 0)
			todo[ntodo++] = t;
		else if (strcmp(t->status, "failed") == 0) {
			planner_retry_decide(PLANNER_CLUSTER_CREATE, t->action,
			    t->attempts, 3, &r);
			if (!r.retry) {
				job->failed = 1;
				continue;
			}
			if (r.rollback) {
				cr_assert_eq(r.rollback_action,
				    PLANNER_ACTION_DELETE);
				job->nrollbacks++; /* queued, no stage */
			}
			t->attempts++; /* addAttempt() */
			strcpy(t->status, "not_submitted");
			for (k = 0; k < r.nbefore; k++) {
				nt = sim_new_task(job, r.before[k]);
				ids[k] = nt->id;
			}
			cr_assert_eq(planner_retry_apply_stages(job->staged,
					 job->current, t->id, ids, r.nbefore,
					 err),
			    0, "%s", err);
			todo[ntodo++] =
			    r.nbefore > 0 ? sim_find(job, ids[0]) : t;
		}
	}
	if (job->failed)
		return 0;
	for (i = 0; i < ntodo; i++)
		sim_submit(job, todo[i]);
	if (completed == n) {
		if (job->current + 1 < json_object_array_length(job->staged)) {
			job->current++;
			return 1;
		}
		job->complete = 1;
	}
	return 0;
}

/* Run JobScheduler passes until the job queue is empty. */
static void
sim_drain(struct sim_job *job)
{
	while (sim_pass(job))
		;
}

/* The provisioner: finish every in-progress task; fail those of fail. */
static void
sim_provision(struct sim_job *job, enum planner_action fail)
{
	size_t i;

	for (i = 0; i < job->ntasks; i++) {
		if (strcmp(job->tasks[i].status, "in_progress") != 0)
			continue;
		strcpy(job->tasks[i].status,
		    job->tasks[i].action == fail ? "failed" : "complete");
	}
}

/* Count of taskStatus entries equal to COMPLETE. */
static size_t
sim_completed(struct sim_job *job)
{
	size_t n = 0;

	json_object_object_foreach (job->status, key, val) {
		(void)key;
		if (strcmp(json_object_get_string(val), "complete") == 0)
			n++;
	}
	return n;
}

/* A planned 1-node create job: [CREATE] [CONFIRM] [BOOTSTRAP]. */
static void
sim_start(struct sim_job *job)
{
	struct json_object *nodes;
	struct planner_plan *plan;
	struct sim_task *t;
	struct json_object *stage;
	char err[LOOMD_ERR_LEN];
	size_t s, i;

	memset(job, 0, sizeof *job);
	job->next_id = 1;
	job->staged = json_object_new_array();
	job->status = json_object_new_object();
	nodes = one_machine_nodes();
	cr_assert_eq(planner_plan(PLANNER_CLUSTER_CREATE, nodes, &plan, err),
	    0, "%s", err);
	for (s = 0; s < plan->nstages; s++) {
		stage = json_object_new_array();
		for (i = 0; i < plan->stages[s].ntasks; i++) {
			t = sim_new_task(job,
			    plan->tasks[plan->stages[s].first + i].action);
			json_object_array_add(stage,
			    json_object_new_string(t->id));
			json_object_object_add(job->status, t->id,
			    json_object_new_string("not_submitted"));
		}
		json_object_array_add(job->staged, stage);
	}
	planner_plan_free(plan);
	json_object_put(nodes);
}

static void
sim_free(struct sim_job *job)
{
	size_t i;

	for (i = 0; i < job->ntasks; i++)
		free(job->tasks[i].id);
	json_object_put(job->staged);
	json_object_put(job->status);
}

Test(planner, retry_rollback_sequence)
{
	struct sim_job job;

	/* testFailedRetryClusterStatus: CONFIRM fails 3 times. */
	sim_start(&job);
	cr_assert_eq(json_object_object_length(job.status), 3);
	sim_drain(&job); /* submits CREATE */
	sim_provision(&job, PLANNER_ACTION_CONFIRM);
	sim_drain(&job); /* submits CONFIRM */
	cr_assert_eq(json_object_object_length(job.status), 3);
	cr_assert_eq(job.nrollbacks, 0);

	sim_provision(&job, PLANNER_ACTION_CONFIRM); /* failure 1 */
	sim_drain(&job);
	cr_assert_eq(json_object_object_length(job.status), 4);
	cr_assert_eq(job.nrollbacks, 1);
	cr_assert_not(job.failed);
	/* [CREATE] [CREATE'] [CONFIRM] [BOOTSTRAP] */
	cr_assert_eq(json_object_array_length(job.staged), 4);

	sim_provision(&job, PLANNER_ACTION_CONFIRM); /* CREATE' done */
	sim_drain(&job);			     /* CONFIRM again */
	sim_provision(&job, PLANNER_ACTION_CONFIRM); /* failure 2 */
	sim_drain(&job);
	cr_assert_eq(json_object_object_length(job.status), 5);
	cr_assert_eq(job.nrollbacks, 2);
	cr_assert_not(job.failed);

	sim_provision(&job, PLANNER_ACTION_CONFIRM);
	sim_drain(&job);
	sim_provision(&job, PLANNER_ACTION_CONFIRM); /* failure 3 */
	sim_drain(&job);
	cr_assert(job.failed);
	cr_assert_not(job.complete);
	cr_assert_eq(job.nrollbacks, 2); /* none after the 3rd */
	cr_assert_eq(json_object_object_length(job.status), 5);
	cr_assert_eq(sim_completed(&job), 3);
	sim_free(&job);

	/* testFailedClusterStatus: CREATE fails 3 times, no retry tasks. */
	sim_start(&job);
	sim_drain(&job);
	sim_provision(&job, PLANNER_ACTION_CREATE);
	sim_drain(&job);
	sim_provision(&job, PLANNER_ACTION_CREATE);
	sim_drain(&job);
	cr_assert_not(job.failed);
	sim_provision(&job, PLANNER_ACTION_CREATE);
	sim_drain(&job);
	cr_assert(job.failed);
	cr_assert_eq(job.nrollbacks, 0);
	cr_assert_eq(json_object_object_length(job.status), 3);
	cr_assert_eq(sim_completed(&job), 0);
	cr_assert_eq(json_object_array_length(job.staged), 3);
	sim_free(&job);

	/* And a clean run completes with 3 of 3. */
	sim_start(&job);
	while (!job.complete) {
		sim_drain(&job);
		sim_provision(&job, PLANNER_ACTION_COUNT);
	}
	cr_assert_eq(sim_completed(&job), 3);
	sim_free(&job);
}

Test(planner, retry_apply_stages)
{
	struct json_object *staged, *want;
	const char *ids[] = { "c2", "x" };
	char err[LOOMD_ERR_LEN];

	staged = json_tokener_parse("[[\"a\"],[\"b\",\"c\"],[\"d\"]]");
	cr_assert_eq(planner_retry_apply_stages(staged, 1, "c", ids, 2, err),
	    0, "%s", err);
	want = json_tokener_parse(
	    "[[\"a\"],[\"b\",\"c2\"],[\"x\"],[\"c\"],[\"d\"]]");
	cr_assert(json_object_equal(staged, want), "got %s",
	    json_object_to_json_string(staged));
	json_object_put(want);
	cr_assert_eq(planner_retry_apply_stages(staged, 1, "zz", ids, 1, err),
	    -1);
	cr_assert_eq(planner_retry_apply_stages(staged, 9, "c", ids, 1, err),
	    -1);
	/* No new tasks: unchanged. */
	cr_assert_eq(planner_retry_apply_stages(staged, 3, "c", NULL, 0, err),
	    0);
	cr_assert_eq(json_object_array_length(staged), 5);
	json_object_put(staged);
}

/*
 * A reactor-like 10,000-node cluster: one master, one zookeeper/reactor
 * node and 9,998 workers, each also with base and hosts.
 */
enum {
	SC_BASE,
	SC_HOSTS,
	SC_NN,
	SC_DN,
	SC_RM,
	SC_NM,
	SC_HM,
	SC_RS,
	SC_ZK,
	SC_REACTOR,
	SC_N
};
static const struct {
	const char *name;
	const char *actions[4];
	int deps[4]; /* -1 terminated */
} scale_svcs[SC_N] = {
	{ "base", { "configure" }, { -1 } },
	{ "hosts", { "configure" }, { -1 } },
	{ "namenode", { "install", "configure", "initialize", "start" },
	    { SC_BASE, -1 } },
	{ "datanode", { "install", "configure", "start" },
	    { SC_BASE, SC_NN, -1 } },
	{ "resourcemanager", { "install", "configure", "start" },
	    { SC_BASE, SC_DN, -1 } },
	{ "nodemanager", { "install", "configure", "start" },
	    { SC_BASE, SC_RM, -1 } },
	{ "hbasemaster", { "install", "configure", "initialize", "start" },
	    { SC_BASE, SC_ZK, SC_DN, -1 } },
	{ "regionserver", { "install", "configure", "start" },
	    { SC_BASE, SC_HM, -1 } },
	{ "zookeeper", { "install", "configure", "initialize", "start" },
	    { SC_BASE, -1 } },
	{ "reactor", { "install", "configure", "start" },
	    { SC_BASE, SC_ZK, SC_RS, SC_NM } },
};
static const int scale_master[] = { SC_BASE, SC_HOSTS, SC_NN, SC_RM, SC_HM,
	-1 };
static const int scale_reactor[] = { SC_BASE, SC_HOSTS, SC_ZK, SC_REACTOR,
	-1 };
static const int scale_worker[] = { SC_BASE, SC_HOSTS, SC_DN, SC_NM, SC_RS,
	-1 };
#define SCALE_NODES 10000
/* The service actions of CLUSTER_CREATE, in order. */
static const enum planner_action scale_order[4] = { PLANNER_ACTION_INSTALL,
	PLANNER_ACTION_CONFIGURE, PLANNER_ACTION_INITIALIZE,
	PLANNER_ACTION_START };

/* Number of actions service s defines. */
static size_t
scale_nactions(int s)
{
	size_t n = 0;

	while (n < 4 && scale_svcs[s].actions[n] != NULL)
		n++;
	return n;
}

/* The services of node i of the scale cluster. */
static const int *
scale_layout(size_t i)
{
	return i == 0 ? scale_master : i == 1 ? scale_reactor : scale_worker;
}

/* Build nnodes of the scale cluster (services shared by reference). */
static struct json_object *
scale_nodes(size_t nnodes)
{
	struct json_object *svc[SC_N], *nodes, *node, *list, *o, *acts;
	struct json_object *deps;
	const int *lay;
	size_t i, k;
	int s;

	for (s = 0; s < SC_N; s++) {
		svc[s] = json_object_new_object();
		json_object_object_add(svc[s], "name",
		    json_object_new_string(scale_svcs[s].name));
		deps = json_object_new_array();
		for (k = 0; k < 4 && scale_svcs[s].deps[k] >= 0; k++)
			json_object_array_add(deps,
			    json_object_new_string(
				scale_svcs[scale_svcs[s].deps[k]].name));
		json_object_object_add(svc[s], "dependson", deps);
		acts = json_object_new_object();
		for (k = 0; k < scale_nactions(s); k++) {
			o = json_object_new_object();
			json_object_object_add(o, "type",
			    json_object_new_string("chef"));
			json_object_object_add(acts, scale_svcs[s].actions[k],
			    o);
		}
		o = json_object_new_object();
		json_object_object_add(o, "actions", acts);
		json_object_object_add(svc[s], "provisioner", o);
	}
	nodes = json_object_new_array();
	for (i = 0; i < nnodes; i++) {
		char id[64];

		node = json_object_new_object();
		snprintf(id, sizeof id, "00000000-0000-4000-8000-%012zu", i);
		json_object_object_add(node, "id", json_object_new_string(id));
		list = json_object_new_array();
		for (lay = scale_layout(i); *lay >= 0; lay++)
			json_object_array_add(list,
			    json_object_get(svc[*lay]));
		json_object_object_add(node, "services", list);
		json_object_array_add(nodes, node);
	}
	for (s = 0; s < SC_N; s++)
		json_object_put(svc[s]);
	return nodes;
}

/* Stage of (node, service, action) or -1; st is SCALE_NODES x SC_N x 10. */
#define ST(st, n, s, a) \
	((st)[((size_t)(n)*SC_N + (size_t)(s)) * PLANNER_ACTION_COUNT + \
	    (size_t)(a)])

Test(planner, scale_10000_nodes, .timeout = 60)
{
	struct json_object *nodes;
	struct planner_plan *plan;
	char err[LOOMD_ERR_LEN];
	size_t want = 0, i, k, s, n;
	const int *lay;
	int *st, *hw, svc, a, prev, max_dn, max_rs, max_nm;

	nodes = scale_nodes(SCALE_NODES);
	cr_assert_eq(planner_plan(PLANNER_CLUSTER_CREATE, nodes, &plan, err),
	    0, "%s", err);

	/* 3 hardware tasks per node plus every defined create action. */
	for (i = 0; i < SCALE_NODES; i++) {
		want += 3;
		for (lay = scale_layout(i); *lay >= 0; lay++)
			want += scale_nactions(*lay);
	}
	cr_assert_eq(want, 16 + 12 + 9998 * 14);
	cr_assert_eq(plan->ntasks, want);
	assert_one_task_per_node(plan);

	/* Record each task's stage. */
	st = xreallocarray(NULL,
	    (size_t)SCALE_NODES * SC_N * PLANNER_ACTION_COUNT, sizeof *st);
	hw = xreallocarray(NULL, (size_t)SCALE_NODES * PLANNER_ACTION_COUNT,
	    sizeof *hw);
	for (i = 0; i < (size_t)SCALE_NODES * SC_N * PLANNER_ACTION_COUNT; i++)
		st[i] = -1;
	for (i = 0; i < (size_t)SCALE_NODES * PLANNER_ACTION_COUNT; i++)
		hw[i] = -1;
	for (s = 0; s < plan->nstages; s++) {
		for (k = 0; k < plan->stages[s].ntasks; k++) {
			const struct planner_task *t =
			    &plan->tasks[plan->stages[s].first + k];

			n = t->node_ix;
			cr_assert_lt(n, SCALE_NODES);
			if (*t->service == '\0') {
				hw[n * PLANNER_ACTION_COUNT + t->action] =
				    (int)s;
				continue;
			}
			for (svc = 0; svc < SC_N; svc++) {
				if (strcmp(scale_svcs[svc].name, t->service) ==
				    0)
					break;
			}
			cr_assert_lt(svc, SC_N);
			cr_assert_eq(ST(st, n, svc, t->action), -1);
			ST(st, n, svc, t->action) = (int)s;
		}
	}

	/* Per node: hardware chain, then each service's actions in order. */
	max_dn = max_rs = max_nm = -1;
	for (i = 0; i < SCALE_NODES; i++) {
		int *h = &hw[i * PLANNER_ACTION_COUNT];

		cr_assert(h[PLANNER_ACTION_CREATE] >= 0);
		cr_assert_lt(h[PLANNER_ACTION_CREATE],
		    h[PLANNER_ACTION_CONFIRM]);
		cr_assert_lt(h[PLANNER_ACTION_CONFIRM],
		    h[PLANNER_ACTION_BOOTSTRAP]);
		for (lay = scale_layout(i); *lay >= 0; lay++) {
			prev = h[PLANNER_ACTION_BOOTSTRAP];
			for (a = 0; a < 4; a++) {
				int x = ST(st, i, *lay, scale_order[a]);

				if (x < 0)
					continue;
				cr_assert_gt(x, prev);
				prev = x;
			}
		}
		if (i >= 2) {
			if (ST(st, i, SC_DN, PLANNER_ACTION_START) > max_dn)
				max_dn =
				    ST(st, i, SC_DN, PLANNER_ACTION_START);
			if (ST(st, i, SC_RS, PLANNER_ACTION_START) > max_rs)
				max_rs =
				    ST(st, i, SC_RS, PLANNER_ACTION_START);
			if (ST(st, i, SC_NM, PLANNER_ACTION_START) > max_nm)
				max_nm =
				    ST(st, i, SC_NM, PLANNER_ACTION_START);
			/* datanode starts after the namenode. */
			cr_assert_gt(ST(st, i, SC_DN, PLANNER_ACTION_START),
			    ST(st, 0, SC_NN, PLANNER_ACTION_START));
			/* regionserver after hbasemaster, nm after rm. */
			cr_assert_gt(ST(st, i, SC_RS, PLANNER_ACTION_START),
			    ST(st, 0, SC_HM, PLANNER_ACTION_START));
			cr_assert_gt(ST(st, i, SC_NM, PLANNER_ACTION_START),
			    ST(st, 0, SC_RM, PLANNER_ACTION_START));
		}
	}
	/* Many-to-one: masters wait for every worker's datanode. */
	cr_assert_gt(ST(st, 0, SC_RM, PLANNER_ACTION_START), max_dn);
	cr_assert_gt(ST(st, 0, SC_HM, PLANNER_ACTION_INITIALIZE), max_dn);
	cr_assert_gt(ST(st, 0, SC_HM, PLANNER_ACTION_INITIALIZE),
	    ST(st, 1, SC_ZK, PLANNER_ACTION_START));
	cr_assert_gt(ST(st, 1, SC_REACTOR, PLANNER_ACTION_START), max_rs);
	cr_assert_gt(ST(st, 1, SC_REACTOR, PLANNER_ACTION_START), max_nm);
	free(st);
	free(hw);
	planner_plan_free(plan);

	/* Delete: one stage of 10,000 DELETE tasks. */
	cr_assert_eq(planner_plan(PLANNER_CLUSTER_DELETE, nodes, &plan, err),
	    0, "%s", err);
	cr_assert_eq(plan->nstages, 1);
	cr_assert_eq(plan->ntasks, SCALE_NODES);
	planner_plan_free(plan);
	json_object_put(nodes);
}

Test(planner, hub_layers_match_expanded_graph)
{
	struct json_object *nodes;
	struct planner_dag *dag;
	struct planner_plan *plan;
	struct planner_edge *edges;
	struct planner_task t;
	char err[LOOMD_ERR_LEN], **keys, *k;
	size_t n, ne, i, j, s, nstages, *st, found;

	/*
	 * Oracle: the stages of the DAG with hub vertices must be the plain
	 * longest-path layers of the fully expanded node-to-node graph.
	 */
	nodes = scale_nodes(40);
	cr_assert_eq(planner_dag_build(PLANNER_CLUSTER_CREATE, nodes, &dag,
			 err),
	    0, "%s", err);
	n = planner_dag_ntasks(dag);
	planner_dag_edges(dag, &edges, &ne);
	/* Workers' datanode START feeds both masters' waits: expanded. */
	cr_assert_gt(ne, n);
	st = xcalloc(n, sizeof *st);
	cr_assert_eq(planner_linearize(n, edges, ne, st, &nstages, err), 0,
	    "%s", err);
	cr_assert_eq(planner_dag_linearize(dag, &plan, err), 0, "%s", err);
	cr_assert_eq(plan->ntasks, n);
	cr_assert_eq(plan->nstages, nstages);
	keys = xcalloc(n, sizeof *keys);
	for (i = 0; i < n; i++) {
		planner_dag_task(dag, i, &t);
		keys[i] = pfx_task_key(&t);
	}
	for (s = 0; s < plan->nstages; s++) {
		for (j = 0; j < plan->stages[s].ntasks; j++) {
			k = pfx_task_key(
			    &plan->tasks[plan->stages[s].first + j]);
			found = n;
			for (i = 0; i < n; i++) {
				if (strcmp(keys[i], k) == 0)
					found = i;
			}
			cr_assert_lt(found, n, "%s", k);
			cr_assert_eq(st[found], s, "%s: stage %zu, want %zu",
			    k, s, st[found]);
			free(k);
		}
	}
	pfx_keys_free(keys, n);
	free(st);
	free(edges);
	planner_plan_free(plan);
	planner_dag_free(dag);
	json_object_put(nodes);
}
