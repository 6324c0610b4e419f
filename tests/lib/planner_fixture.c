/* SPDX-License-Identifier: Apache-2.0 */
/*
 * planner_fixture.c - what the planner's unit tests share (see
 * planner_fixture.h).
 */
#include "config.h"

#include "planner_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <json-c/json.h>

#include "common.h"
#include "fixture_data.h"
#include "unit_json.h"

struct json_object *
pfx_service(struct json_object *def)
{
	struct json_object *svc, *prov, *acts, *act, *list, *v;
	enum planner_action a;
	size_t i;

	svc = json_object_new_object();
	json_object_object_add(svc, "name",
	    json_object_new_string(fx_data_str(def, "name")));
	if ((v = uj_opt(def, "dependson")) != NULL)
		json_object_object_add(svc, "dependson", json_object_get(v));
	if ((v = uj_opt(def, "dependencies")) != NULL)
		json_object_object_add(svc, "dependencies",
		    json_object_get(v));
	prov = json_object_new_object();
	acts = json_object_new_object();
	list = uj_opt(def, "actions");
	for (i = 0; list != NULL && i < json_object_array_length(list); i++) {
		cr_assert_eq(planner_action_parse(
				 json_object_get_string(
				     json_object_array_get_idx(list, i)),
				 &a),
		    0);
		act = json_object_new_object();
		json_object_object_add(act, "type",
		    json_object_new_string("chef"));
		json_object_object_add(act, "script",
		    json_object_new_string("script"));
		json_object_object_add(act, "data",
		    json_object_new_string("data"));
		json_object_object_add(acts, planner_action_lower(a), act);
	}
	json_object_object_add(prov, "actions", acts);
	json_object_object_add(svc, "provisioner", prov);
	return svc;
}

struct json_object *
pfx_nodes(struct json_object *defs, struct json_object *list,
    struct json_object *(*mk)(struct json_object *))
{
	struct json_object *nodes, *n, *node, *names, *want, *def;
	size_t i, k;

	if (mk == NULL)
		mk = pfx_service;
	nodes = json_object_new_array();
	for (i = 0; i < json_object_array_length(list); i++) {
		n = json_object_array_get_idx(list, i);
		node = json_object_new_object();
		json_object_object_add(node, "id",
		    json_object_new_string(fx_data_str(n, "id")));
		names = json_object_new_array();
		want = fx_data_get(n, "services");
		for (k = 0; k < json_object_array_length(want); k++) {
			def = fx_data_find(defs, "name",
			    json_object_get_string(
				json_object_array_get_idx(want, k)));
			json_object_array_add(names, mk(def));
		}
		json_object_object_add(node, "services", names);
		json_object_array_add(nodes, node);
	}
	return nodes;
}

char *
pfx_key(const char *node, const char *action, const char *service)
{
	return xasprintf("%s|%s|%s", node, action, service);
}

char *
pfx_fixture_key(struct json_object *t)
{
	return pfx_key(fx_data_str(t, "node"), fx_data_str(t, "action"),
	    fx_data_str(t, "service"));
}

char *
pfx_task_key(const struct planner_task *t)
{
	return pfx_key(t->node_id, planner_action_upper(t->action),
	    t->service);
}

void
pfx_keys_free(char **keys, size_t n)
{
	size_t i;

	for (i = 0; keys != NULL && i < n; i++)
		free(keys[i]);
	free(keys);
}

int
pfx_strp_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
pfx_assert_same_keys(char **a, size_t na, char **b, size_t nb, int distinct,
    const char *what)
{
	size_t i;

	qsort(a, na, sizeof *a, pfx_strp_cmp);
	qsort(b, nb, sizeof *b, pfx_strp_cmp);
	for (i = 0; i < na && i < nb; i++)
		cr_assert_str_eq(a[i], b[i], "%s", what);
	cr_assert_eq(na, nb, "%s: %zu keys, expected %zu", what, na, nb);
	for (i = 1; distinct && i < na; i++)
		cr_assert_str_neq(a[i], a[i - 1], "%s: %s twice", what, a[i]);
	pfx_keys_free(a, na);
	pfx_keys_free(b, nb);
}

/* "from -> to" for the keys of two tasks (caller frees). */
static char *
edge_key(char *from, char *to)
{
	char *s = xasprintf("%s -> %s", from, to);

	free(from);
	free(to);
	return s;
}

void
pfx_assert_dag(struct planner_dag *dag, struct json_object *c,
    const char *what)
{
	struct json_object *want, *e;
	struct planner_task ta, tb;
	struct planner_edge *edges;
	char **a, **b, msg[256];
	size_t n, nw, i, ne;

	want = fx_data_get(c, "expected_vertices");
	n = planner_dag_ntasks(dag);
	nw = json_object_array_length(want);
	a = xcalloc(n + 1, sizeof *a);
	b = xcalloc(nw + 1, sizeof *b);
	for (i = 0; i < n; i++) {
		planner_dag_task(dag, i, &ta);
		a[i] = pfx_task_key(&ta);
	}
	for (i = 0; i < nw; i++)
		b[i] = pfx_fixture_key(json_object_array_get_idx(want, i));
	snprintf(msg, sizeof msg, "%s: vertices", what);
	pfx_assert_same_keys(a, n, b, nw, 1, msg);

	want = fx_data_get(c, "expected_edges");
	planner_dag_edges(dag, &edges, &ne);
	nw = json_object_array_length(want);
	a = xcalloc(ne + 1, sizeof *a);
	b = xcalloc(nw + 1, sizeof *b);
	for (i = 0; i < ne; i++) {
		planner_dag_task(dag, edges[i].from, &ta);
		planner_dag_task(dag, edges[i].to, &tb);
		a[i] = edge_key(pfx_task_key(&ta), pfx_task_key(&tb));
	}
	for (i = 0; i < nw; i++) {
		e = json_object_array_get_idx(want, i);
		b[i] = edge_key(pfx_fixture_key(fx_data_get(e, "from")),
		    pfx_fixture_key(fx_data_get(e, "to")));
	}
	snprintf(msg, sizeof msg, "%s: edges", what);
	pfx_assert_same_keys(a, ne, b, nw, 1, msg);
	free(edges);
}

struct planner_plan *
pfx_plan_of(struct json_object *stages)
{
	struct json_object *stage, *t;
	struct planner_plan *plan;
	enum planner_action a;
	size_t s, i;

	plan = planner_plan_new();
	for (s = 0; s < json_object_array_length(stages); s++) {
		stage = json_object_array_get_idx(stages, s);
		planner_plan_add_stage(plan);
		for (i = 0; i < json_object_array_length(stage); i++) {
			t = json_object_array_get_idx(stage, i);
			cr_assert_eq(planner_action_parse(fx_data_str(t,
							      "action"),
					 &a),
			    0, "%s", fx_data_str(t, "action"));
			planner_plan_add_task(plan, fx_data_str(t, "node"), a,
			    fx_data_str(t, "service"));
		}
	}
	return plan;
}

void
pfx_assert_stage(const struct planner_plan *plan, size_t s,
    struct json_object *want, const char *what)
{
	char **a, **b, msg[256];
	size_t i, n = plan->stages[s].ntasks, nw;

	nw = json_object_array_length(want);
	a = xcalloc(n + 1, sizeof *a);
	b = xcalloc(nw + 1, sizeof *b);
	for (i = 0; i < n; i++)
		a[i] = pfx_task_key(&plan->tasks[plan->stages[s].first + i]);
	for (i = 0; i < nw; i++)
		b[i] = pfx_fixture_key(json_object_array_get_idx(want, i));
	snprintf(msg, sizeof msg, "%s: stage %zu", what, s);
	pfx_assert_same_keys(a, n, b, nw, 1, msg);
}

void
pfx_assert_stages(const struct planner_plan *plan, struct json_object *want,
    const char *what)
{
	size_t s;

	cr_assert_eq(plan->nstages, json_object_array_length(want),
	    "%s: %zu stages", what, plan->nstages);
	for (s = 0; s < plan->nstages; s++)
		pfx_assert_stage(plan, s, json_object_array_get_idx(want, s),
		    what);
}
