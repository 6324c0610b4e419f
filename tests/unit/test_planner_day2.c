/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_planner_day2.c - unit tests of the day-2 planner rules
 * (LOOM-0.9.7-OPS.md sections 5, 7.1-7.4, 7.6 and 11.2): every case of
 * tests/data/ops/planner-day2.json as exact vertex and edge sets of the
 * scoped task DAG, the worked plans of section 7.6 as stage lists before
 * and after de-duplication, the plans that fail as empty DAGs, and loomd's
 * own cases (provides, cycles, scope edge cases, a 10,000-node restart).
 */
#include "config.h"

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

/* The cluster action named s. */
static enum planner_cluster_action
cluster_action(const char *s)
{
	enum planner_cluster_action ca;

	cr_assert_eq(planner_cluster_action_parse(s, &ca), 0, "%s", s);
	return ca;
}

/*
 * Build the scoped DAG of a case (services, nodes, cluster_action,
 * planned_services, planned_nodes) and compare it with expected_vertices
 * and expected_edges exactly.
 */
static void
check_dag_case(struct json_object *c, const char *test)
{
	struct json_object *nodes;
	struct planner_scope scope;
	struct planner_dag *dag;
	const char **ps, **pn;
	char err[LOOMD_ERR_LEN];

	nodes = pfx_nodes(fx_data_get(c, "services"), fx_data_get(c, "nodes"),
	    NULL);
	ps = fx_data_strv(uj_opt(c, "planned_services"), &scope.nservices);
	pn = fx_data_strv(uj_opt(c, "planned_nodes"), &scope.nnodes);
	scope.services = ps;
	scope.nodes = pn;
	cr_assert_eq(planner_dag_build_scoped(cluster_action(fx_data_str(c,
						  "cluster_action")),
			 nodes, &scope, &dag, err),
	    0, "%s: %s", test, err);

	pfx_assert_dag(dag, c, test);
	free(ps);
	free(pn);
	planner_dag_free(dag);
	json_object_put(nodes);
}

/*
 * A dedup case of the 0.9 fixtures: input_stages de-duplicated give
 * expected_stages (each stage compared as a set).
 */
static void
check_dedup_case(struct json_object *c, const char *test)
{
	struct planner_plan *plan;

	plan = pfx_plan_of(fx_data_get(c, "input_stages"));
	planner_plan_dedup(plan);
	pfx_assert_stages(plan, fx_data_get(c, "expected_stages"), test);
	planner_plan_free(plan);
}

/* A case that is a 0.9 fixture case unchanged ("<file> <test>"). */
static void
check_same_as(const char *same_as, const char *test)
{
	struct json_object *root, *c;
	char file[256];
	const char *sp;

	sp = strchr(same_as, ' ');
	cr_assert_not_null(sp, "%s", same_as);
	cr_assert_lt((size_t)(sp - same_as), sizeof file);
	memcpy(file, same_as, (size_t)(sp - same_as));
	file[sp - same_as] = '\0';
	root = fx_data_json(file);
	c = fx_data_find(fx_data_get(root, "cases"), "test", sp + 1);
	if (uj_opt(c, "expected_vertices") != NULL)
		check_dag_case(c, test);
	else if (uj_opt(c, "input_stages") != NULL)
		check_dedup_case(c, test);
	else
		cr_assert_fail("%s: no expectation to check", test);
	json_object_put(root);
}

Test(planner_day2, job_planner_dags)
{
	struct json_object *root, *cases, *c, *same;
	const char *test;
	size_t i, n, ndag = 0, nsame = 0;

	root = fx_data_json("ops/planner-day2.json");
	cases = fx_data_get(root, "cases");
	n = json_object_array_length(cases);
	for (i = 0; i < n; i++) {
		c = json_object_array_get_idx(cases, i);
		test = fx_data_str(c, "test");
		if ((same = uj_opt(c, "same_as")) != NULL) {
			check_same_as(json_object_get_string(same), test);
			nsame++;
		} else {
			check_dag_case(c, test);
			ndag++;
		}
	}
	/* Every case ran: 3 cases of 0.9 and 16 day-2 DAGs. */
	cr_assert_eq(nsame, 3);
	cr_assert_eq(ndag, 16);
	json_object_put(root);
}

/*
 * The services of the worked plans (section 7.6): s1; s2 runtime-requires
 * s1; s3 runtime-requires s1 and s2; each defines the actions of its
 * string (action names separated by commas); n1 = {s1}, n2 = {s1, s2,
 * s3}.  The caller puts the array.
 */
static struct json_object *
worked_nodes(const char *a1, const char *a2, const char *a3)
{
	const char *acts[3] = { a1, a2, a3 };
	const char *deps[3] = { "[]", "[\"s1\"]", "[\"s1\",\"s2\"]" };
	struct json_object *defs, *list, *nodes, *def, *arr;
	char *text, *p, *tok, *save;
	int i;

	defs = json_object_new_array();
	for (i = 0; i < 3; i++) {
		text = xasprintf("{\"name\":\"s%d\",\"dependencies\":"
				 "{\"runtime\":{\"requires\":%s}}}",
		    i + 1, deps[i]);
		def = json_tokener_parse(text);
		cr_assert_not_null(def);
		free(text);
		arr = json_object_new_array();
		p = xstrdup(acts[i]);
		for (tok = strtok_r(p, ",", &save); tok != NULL;
		     tok = strtok_r(NULL, ",", &save))
			json_object_array_add(arr,
			    json_object_new_string(tok));
		free(p);
		json_object_object_add(def, "actions", arr);
		json_object_array_add(defs, def);
	}
	list = json_tokener_parse(
	    "[{\"id\":\"n1\",\"services\":[\"s1\"]},"
	    "{\"id\":\"n2\",\"services\":[\"s1\",\"s2\",\"s3\"]}]");
	cr_assert_not_null(list);
	nodes = pfx_nodes(defs, list, NULL);
	json_object_put(defs);
	json_object_put(list);
	return nodes;
}

/*
 * A plan as text: stages joined by " | ", tasks by ", ", a task as
 * "ACTION svc@node" ("ACTION @node" for a hardware action).  With sorted,
 * the tasks of each stage are sorted (stage contents as sets).  The caller
 * frees it.
 */
static char *
plan_text(const struct planner_plan *plan, int sorted)
{
	char **keys, *out = xstrdup(""), *tmp;
	const struct planner_task *t;
	size_t s, i, n;

	for (s = 0; s < plan->nstages; s++) {
		n = plan->stages[s].ntasks;
		keys = xcalloc(n + 1, sizeof *keys);
		for (i = 0; i < n; i++) {
			t = &plan->tasks[plan->stages[s].first + i];
			keys[i] = xasprintf("%s %s@%s",
			    planner_action_upper(t->action), t->service,
			    t->node_id);
		}
		if (sorted)
			qsort(keys, n, sizeof *keys, pfx_strp_cmp);
		for (i = 0; i < n; i++) {
			tmp = xasprintf("%s%s%s", out,
			    i > 0 ? ", " : (s > 0 ? " | " : ""), keys[i]);
			free(out);
			free(keys[i]);
			out = tmp;
		}
		free(keys);
	}
	return out;
}

/* Sort the tasks of every stage of a text plan (as plan_text(p, 1)). */
static char *
sort_text(const char *text)
{
	struct planner_plan *plan;
	char *copy, *stage, *task, *s1, *s2, *sp, *at, *out;
	enum planner_action a;

	plan = planner_plan_new();
	copy = xstrdup(text);
	for (stage = strtok_r(copy, "|", &s1); stage != NULL;
	     stage = strtok_r(NULL, "|", &s1)) {
		planner_plan_add_stage(plan);
		for (task = strtok_r(stage, ",", &s2); task != NULL;
		     task = strtok_r(NULL, ",", &s2)) {
			while (*task == ' ')
				task++;
			sp = strchr(task, ' ');
			cr_assert_not_null(sp, "%s", task);
			*sp = '\0';
			at = strchr(sp + 1, '@');
			cr_assert_not_null(at, "%s", sp + 1);
			*at = '\0';
			cr_assert_eq(planner_action_parse(task, &a), 0, "%s",
			    task);
			at[1 + strcspn(at + 1, " ")] = '\0';
			planner_plan_add_task(plan, at + 1, a, sp + 1);
		}
	}
	free(copy);
	out = plan_text(plan, 1);
	planner_plan_free(plan);
	return out;
}

/* One worked plan of section 7.6. */
struct worked {
	const char *name;
	enum planner_cluster_action ca;
	const char *acts[3];	 /* actions of s1, s2, s3 */
	const char *services[3]; /* requested (NULL-ended; none: all) */
	const char *nodes;	 /* planned node, or NULL for all */
	const char *layers;	 /* section 7.6: stages before dedup */
	const char *deduped;	 /* loomd's exact plan after dedup */
};

static const struct worked worked_plans[] = {
	{ "RESTART all", PLANNER_RESTART_SERVICES,
	    { "start,stop", "start,stop", "start,stop" }, { NULL }, NULL,
	    "STOP s3@n2 | STOP s2@n2 | STOP s1@n1, STOP s1@n2 | "
	    "START s1@n1, START s1@n2 | START s2@n2 | START s3@n2",
	    "STOP s3@n2 | STOP s2@n2 | STOP s1@n1, STOP s1@n2 | "
	    "START s1@n1, START s1@n2 | START s2@n2 | START s3@n2" },
	{ "RESTART s2", PLANNER_RESTART_SERVICES,
	    { "start,stop", "start,stop", "start,stop" }, { "s2", NULL }, NULL,
	    "START s1@n1, START s1@n2, STOP s3@n2 | STOP s2@n2 | "
	    "START s2@n2 | START s3@n2",
	    "STOP s3@n2, START s1@n1 | START s1@n2 | STOP s2@n2 | "
	    "START s2@n2 | START s3@n2" },
	{ "STOP all", PLANNER_STOP_SERVICES,
	    { "start,stop", "start,stop", "start,stop" }, { NULL }, NULL,
	    "STOP s3@n2 | STOP s2@n2 | STOP s1@n1, STOP s1@n2",
	    "STOP s3@n2 | STOP s2@n2 | STOP s1@n1, STOP s1@n2" },
	{ "STOP s2", PLANNER_STOP_SERVICES,
	    { "start,stop", "start,stop", "start,stop" }, { "s2", NULL }, NULL,
	    "STOP s3@n2 | STOP s2@n2", "STOP s3@n2 | STOP s2@n2" },
	{ "START s3", PLANNER_START_SERVICES,
	    { "start,stop", "start,stop", "start,stop" }, { "s3", NULL }, NULL,
	    "START s1@n1, START s1@n2 | START s2@n2 | START s3@n2",
	    "START s1@n1, START s1@n2 | START s2@n2 | START s3@n2" },
	{ "CONFIGURE", PLANNER_CLUSTER_CONFIGURE,
	    { "configure", "install", "configure" }, { NULL }, NULL,
	    "BOOTSTRAP @n1, BOOTSTRAP @n2 | "
	    "CONFIGURE s1@n1, CONFIGURE s1@n2, CONFIGURE s3@n2",
	    "BOOTSTRAP @n1, BOOTSTRAP @n2 | CONFIGURE s1@n1, "
	    "CONFIGURE s1@n2 | CONFIGURE s3@n2" },
	{ "CONFIGURE_WITH_RESTART", PLANNER_CLUSTER_CONFIGURE_WITH_RESTART,
	    { "configure,start,stop", "install,start,stop",
		"configure,start,stop" },
	    { NULL }, NULL,
	    "BOOTSTRAP @n1, BOOTSTRAP @n2 | STOP s3@n2 | "
	    "CONFIGURE s3@n2, STOP s2@n2 | STOP s1@n1, STOP s1@n2 | "
	    "CONFIGURE s1@n1, CONFIGURE s1@n2 | START s1@n1, START s1@n2 | "
	    "START s2@n2 | START s3@n2",
	    "BOOTSTRAP @n1, BOOTSTRAP @n2 | STOP s3@n2 | STOP s2@n2 | "
	    "CONFIGURE s3@n2 | STOP s1@n1, STOP s1@n2 | "
	    "CONFIGURE s1@n1, CONFIGURE s1@n2 | START s1@n1, START s1@n2 | "
	    "START s2@n2 | START s3@n2" },
	{ "ADD s2, s3 on n2", PLANNER_ADD_SERVICES,
	    { "install,configure,initialize,start,stop",
		"install,configure,initialize,start,stop",
		"install,configure,initialize,start,stop" },
	    { "s2", "s3", NULL }, "n2",
	    "START s1@n1, BOOTSTRAP @n2, START s1@n2 | "
	    "INSTALL s2@n2, INSTALL s3@n2 | CONFIGURE s2@n2, CONFIGURE s3@n2 | "
	    "INITIALIZE s2@n2 | START s2@n2 | INITIALIZE s3@n2 | START s3@n2",
	    "BOOTSTRAP @n2, START s1@n1 | START s1@n2 | INSTALL s2@n2 | "
	    "INSTALL s3@n2 | CONFIGURE s2@n2 | CONFIGURE s3@n2 | "
	    "INITIALIZE s2@n2 | START s2@n2 | INITIALIZE s3@n2 | "
	    "START s3@n2" },
};

Test(planner_day2, worked_plans)
{
	const struct worked *w;
	struct json_object *nodes;
	struct planner_scope scope;
	struct planner_dag *dag;
	struct planner_plan *plan;
	char err[LOOMD_ERR_LEN], *got, *want;
	size_t i, ns;

	for (i = 0; i < sizeof worked_plans / sizeof worked_plans[0]; i++) {
		w = &worked_plans[i];
		nodes = worked_nodes(w->acts[0], w->acts[1], w->acts[2]);
		for (ns = 0; ns < 3 && w->services[ns] != NULL; ns++)
			;
		scope.services = ns == 0 ? NULL : w->services;
		scope.nservices = ns;
		scope.nodes = w->nodes == NULL ? NULL : &w->nodes;
		scope.nnodes = w->nodes == NULL ? 0 : 1;

		/* Before dedup: the ASAP layers of section 7.6. */
		cr_assert_eq(planner_dag_build_scoped(w->ca, nodes, &scope,
				 &dag, err),
		    0, "%s: %s", w->name, err);
		cr_assert_eq(planner_dag_linearize(dag, &plan, err), 0,
		    "%s: %s", w->name, err);
		got = plan_text(plan, 1);
		want = sort_text(w->layers);
		cr_assert_str_eq(got, want, "%s", w->name);
		free(got);
		free(want);
		planner_plan_free(plan);
		planner_dag_free(dag);

		/* After dedup: loomd's deterministic plan, exactly. */
		cr_assert_eq(planner_plan_scoped(w->ca, nodes, &scope, &plan,
				 err),
		    0, "%s: %s", w->name, err);
		got = plan_text(plan, 0);
		cr_assert_str_eq(got, w->deduped, "%s", w->name);
		free(got);
		planner_plan_free(plan);
		json_object_put(nodes);
	}
}

/* planner_plan_scoped() fails with exactly PLANNER_ERR_SCHEDULE. */
static void
assert_schedule_fails(enum planner_cluster_action ca,
    struct json_object *nodes, const struct planner_scope *scope,
    const char *what)
{
	struct planner_plan *plan = (struct planner_plan *)1;
	char err[LOOMD_ERR_LEN] = "";

	cr_assert_eq(planner_plan_scoped(ca, nodes, scope, &plan, err), -1,
	    "%s", what);
	cr_assert_null(plan, "%s", what);
	cr_assert_str_eq(err, PLANNER_ERR_SCHEDULE, "%s", what);
}

Test(planner_day2, empty_dags_fail)
{
	struct json_object *nodes;
	struct planner_scope scope = { NULL, 0, NULL, 0 };
	struct planner_dag *dag;
	struct planner_plan *plan;
	static const char *const nosuch[] = { "nosuch" };
	static const char *const s2[] = { "s2" };
	static const struct {
		enum planner_cluster_action ca;
		struct planner_scope scope;
		const char *what;
	} bad[] = {
		{ PLANNER_START_SERVICES, { nosuch, 1, NULL, 0 },
		    "unknown service" },
		{ PLANNER_ADD_SERVICES, { nosuch, 1, NULL, 0 },
		    "add unknown service" },
		{ PLANNER_CLUSTER_CONFIGURE, { NULL, 0, nosuch, 1 },
		    "unknown node" },
		{ PLANNER_START_SERVICES, { nosuch, 0, NULL, 0 },
		    "empty service list" },
	};
	char err[LOOMD_ERR_LEN];
	size_t i;

	/* No service defines stop: STOP_SERVICES has nothing to plan. */
	nodes = worked_nodes("start", "start", "start");
	cr_assert_eq(planner_dag_build_scoped(PLANNER_STOP_SERVICES, nodes,
			 NULL, &dag, err),
	    0, "%s", err);
	cr_assert_eq(planner_dag_ntasks(dag), 0);
	cr_assert_eq(planner_dag_linearize(dag, &plan, err), -1);
	cr_assert_null(plan);
	planner_dag_free(dag);
	assert_schedule_fails(PLANNER_STOP_SERVICES, nodes, NULL, "stop all");
	scope.services = s2;
	scope.nservices = 1;
	assert_schedule_fails(PLANNER_STOP_SERVICES, nodes, &scope, "stop s2");
	json_object_put(nodes);

	/* Nothing defines configure. */
	nodes = worked_nodes("start", "start", "start");
	cr_assert_eq(planner_plan_scoped(PLANNER_CLUSTER_CONFIGURE, nodes,
			 NULL, &plan, err),
	    0, "%s", err);
	/* BOOTSTRAP still runs on every node. */
	cr_assert_eq(plan->ntasks, 2);
	planner_plan_free(plan);

	/* A service that is on no node, an unknown node, an empty list. */
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_schedule_fails(bad[i].ca, nodes, &bad[i].scope,
		    bad[i].what);
	/* SOLVE_LAYOUT is never planned. */
	assert_schedule_fails(PLANNER_SOLVE_LAYOUT, nodes, NULL,
	    "solve layout");
	json_object_put(nodes);
}

Test(planner_day2, action_orders)
{
	static const struct {
		enum planner_cluster_action ca;
		const char *order;
	} want[] = {
		{ PLANNER_SOLVE_LAYOUT, "" },
		{ PLANNER_CLUSTER_CREATE,
		    "CREATE CONFIRM BOOTSTRAP INSTALL CONFIGURE INITIALIZE "
		    "START " },
		{ PLANNER_CLUSTER_DELETE, "DELETE " },
		{ PLANNER_CLUSTER_CONFIGURE, "BOOTSTRAP CONFIGURE " },
		{ PLANNER_CLUSTER_CONFIGURE_WITH_RESTART,
		    "BOOTSTRAP STOP CONFIGURE START " },
		{ PLANNER_STOP_SERVICES, "STOP " },
		{ PLANNER_START_SERVICES, "START " },
		{ PLANNER_RESTART_SERVICES, "STOP START " },
		{ PLANNER_ADD_SERVICES,
		    "BOOTSTRAP INSTALL CONFIGURE INITIALIZE START " },
	};
	const enum planner_action *order;
	char buf[256];
	size_t i, k, n;

	for (i = 0; i < sizeof want / sizeof want[0]; i++) {
		order = planner_action_order(want[i].ca, &n);
		buf[0] = '\0';
		for (k = 0; k < n; k++) {
			strcat(buf, planner_action_upper(order[k]));
			strcat(buf, " ");
		}
		cr_assert_str_eq(buf, want[i].order, "%s",
		    planner_cluster_action_upper(want[i].ca));
	}
	cr_assert_eq(planner_action_is_runtime(PLANNER_ACTION_STOP), 1);
	cr_assert_eq(planner_action_is_runtime(PLANNER_ACTION_CONFIGURE), 0);
	cr_assert_eq(planner_action_is_install(PLANNER_ACTION_REMOVE), 1);
	cr_assert_eq(planner_action_is_install(PLANNER_ACTION_START), 0);
	cr_assert_str_eq(planner_action_lower_names[PLANNER_ACTION_STOP],
	    "stop");
	cr_assert_null(planner_action_lower_names[PLANNER_ACTION_COUNT]);
}

Test(planner_day2, scope_null_is_the_whole_cluster)
{
	struct json_object *nodes;
	struct planner_scope scope;
	struct planner_plan *a, *b;
	const char *all[] = { "n1", "n2" };
	char err[LOOMD_ERR_LEN], *ta, *tb;
	int ca;

	nodes = worked_nodes("install,configure,initialize,start,stop",
	    "install,configure,start,stop", "configure,initialize,start,stop");
	for (ca = PLANNER_CLUSTER_CREATE; ca < PLANNER_CLUSTER_ACTION_COUNT;
	     ca++) {
		cr_assert_eq(planner_plan((enum planner_cluster_action)ca,
				 nodes, &a, err),
		    0, "%s", err);
		/* Every node listed is the same as no list. */
		scope.services = NULL;
		scope.nservices = 0;
		scope.nodes = all;
		scope.nnodes = 2;
		cr_assert_eq(planner_plan_scoped((enum planner_cluster_action)
						     ca,
				 nodes, &scope, &b, err),
		    0, "%s", err);
		ta = plan_text(a, 0);
		tb = plan_text(b, 0);
		cr_assert_str_eq(ta, tb, "%s",
		    planner_cluster_action_upper(
			(enum planner_cluster_action)ca));
		free(ta);
		free(tb);
		planner_plan_free(a);
		planner_plan_free(b);
	}
	json_object_put(nodes);
}

Test(planner_day2, provides_and_uses_order_the_plan)
{
	struct json_object *defs, *list, *nodes;
	struct planner_plan *plan;
	const char *svc = "db";
	struct planner_scope scope = { &svc, 1, NULL, 0 };
	char err[LOOMD_ERR_LEN], *got;

	/*
	 * app runtime-requires "sql", which mysql provides; web
	 * runtime-uses app.  A restart of db (mysql's 0.9 dependson) takes
	 * along everything that depends on it.
	 */
	defs = uj_parse(
	    "["
	    "{\"name\":\"db\",\"actions\":[\"START\",\"STOP\"]},"
	    "{\"name\":\"mysql\",\"actions\":[\"START\",\"STOP\"],"
	    "\"dependson\":[\"db\"],"
	    "\"dependencies\":{\"provides\":[\"sql\"]}},"
	    "{\"name\":\"app\",\"actions\":[\"START\",\"STOP\"],"
	    "\"dependencies\":{\"runtime\":{\"requires\":[\"sql\"]}}},"
	    "{\"name\":\"web\",\"actions\":[\"START\",\"STOP\"],"
	    "\"dependencies\":{\"runtime\":{\"uses\":[\"app\"]}}}]");
	list = uj_parse("[{\"id\":\"a\",\"services\":[\"db\",\"mysql\"]},"
			"{\"id\":\"b\",\"services\":[\"app\",\"web\"]}]");
	nodes = pfx_nodes(defs, list, NULL);
	cr_assert_eq(planner_plan_scoped(PLANNER_RESTART_SERVICES, nodes,
			 &scope, &plan, err),
	    0, "%s", err);
	got = plan_text(plan, 0);
	cr_assert_str_eq(got,
	    "STOP web@b | STOP app@b | STOP mysql@a | STOP db@a | "
	    "START db@a | START mysql@a | START app@b | START web@b");
	free(got);
	planner_plan_free(plan);

	/* START app starts what it needs, nothing else. */
	svc = "app";
	cr_assert_eq(planner_plan_scoped(PLANNER_START_SERVICES, nodes, &scope,
			 &plan, err),
	    0, "%s", err);
	got = plan_text(plan, 0);
	cr_assert_str_eq(got, "START db@a | START mysql@a | START app@b");
	free(got);
	planner_plan_free(plan);
	json_object_put(nodes);
	json_object_put(defs);
	json_object_put(list);
}

Test(planner_day2, cycles_and_bad_input)
{
	struct json_object *defs, *list, *nodes;
	struct planner_plan *plan;
	char err[LOOMD_ERR_LEN], *got;

	/* A runtime cycle vanishes in minimisation (Java never returned). */
	defs = uj_parse(
	    "["
	    "{\"name\":\"x\",\"actions\":[\"START\",\"STOP\"],"
	    "\"dependencies\":{\"runtime\":{\"requires\":[\"y\"]}}},"
	    "{\"name\":\"y\",\"actions\":[\"START\",\"STOP\"],"
	    "\"dependencies\":{\"runtime\":{\"requires\":[\"x\"]}}}]");
	list = uj_parse("[{\"id\":\"n\",\"services\":[\"x\",\"y\"]}]");
	nodes = pfx_nodes(defs, list, NULL);
	cr_assert_eq(planner_plan_scoped(PLANNER_RESTART_SERVICES, nodes, NULL,
			 &plan, err),
	    0, "%s", err);
	got = plan_text(plan, 0);
	cr_assert_str_eq(got, "STOP x@n | STOP y@n | START x@n | START y@n");
	free(got);
	planner_plan_free(plan);
	json_object_put(nodes);
	json_object_put(defs);
	json_object_put(list);

	/* Malformed dependencies fail the plan. */
	nodes = uj_parse(
	    "[{\"id\":\"n\",\"services\":[{\"name\":\"x\","
	    "\"dependencies\":{\"runtime\":{\"requires\":\"y\"}}}]}]");
	assert_schedule_fails(PLANNER_START_SERVICES, nodes, NULL,
	    "requires not an array");
	json_object_put(nodes);
	nodes = uj_parse("[{\"id\":\"n\",\"services\":[{\"name\":\"x\","
			 "\"dependencies\":[]}]}]");
	assert_schedule_fails(PLANNER_START_SERVICES, nodes, NULL,
	    "dependencies not an object");
	json_object_put(nodes);
}

#define SCALE_NODES 10000

Test(planner_day2, restart_10000_nodes, .timeout = 60)
{
	struct json_object *defs, *list, *nodes, *n, *names;
	struct planner_plan *plan;
	char err[LOOMD_ERR_LEN], id[32];
	const char *order[6] = { "s3", "s2", "s1", "s1", "s2", "s3" };
	size_t i, s, k;

	defs = uj_parse("["
			"{\"name\":\"s1\",\"actions\":[\"START\",\"STOP\"]},"
			"{\"name\":\"s2\",\"actions\":[\"START\",\"STOP\"],"
			"\"dependson\":[\"s1\"]},"
			"{\"name\":\"s3\",\"actions\":[\"START\",\"STOP\"],"
			"\"dependencies\":{\"runtime\":{\"requires\":"
			"[\"s1\",\"s2\"]}}}]");
	list = json_object_new_array();
	for (i = 0; i < SCALE_NODES; i++) {
		n = json_object_new_object();
		snprintf(id, sizeof id, "node%05zu", i);
		json_object_object_add(n, "id", json_object_new_string(id));
		names = uj_parse("[\"s1\",\"s2\",\"s3\"]");
		json_object_object_add(n, "services", names);
		json_object_array_add(list, n);
	}
	nodes = pfx_nodes(defs, list, NULL);
	cr_assert_eq(planner_plan_scoped(PLANNER_RESTART_SERVICES, nodes, NULL,
			 &plan, err),
	    0, "%s", err);
	/* Each service stopped then started everywhere, one per stage. */
	cr_assert_eq(plan->nstages, 6);
	cr_assert_eq(plan->ntasks, 6 * SCALE_NODES);
	for (s = 0; s < 6; s++) {
		cr_assert_eq(plan->stages[s].ntasks, SCALE_NODES);
		for (k = 0; k < SCALE_NODES; k++) {
			const struct planner_task *t =
			    &plan->tasks[plan->stages[s].first + k];

			cr_assert_str_eq(t->service, order[s]);
			cr_assert_eq(t->action,
			    s < 3 ? PLANNER_ACTION_STOP :
				    PLANNER_ACTION_START);
			cr_assert_eq(t->node_ix, k);
		}
	}
	planner_plan_free(plan);
	json_object_put(nodes);
	json_object_put(defs);
	json_object_put(list);
}
