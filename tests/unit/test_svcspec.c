/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_svcspec.c - unit tests of svcspec: stored service JSON (0.9's
 * dependson, 0.9.7's dependencies, provisioner actions) and template
 * constraints read into the structs of svcdeps and layout_add, and fed to
 * them (the add-services checks and a layout search) as the day-2 request
 * and job do.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <json-c/json.h>

#include "layout_add.h"
#include "planner.h"
#include "svcdeps.h"
#include "svcspec.h"

static const char *services_json =
    "[{\"name\":\"base\",\"dependson\":[],\"provisioner\":{\"actions\":{"
    "\"configure\":{\"type\":\"chef-solo\",\"script\":\"s\"}}}},"
    "{\"name\":\"app\",\"dependson\":[\"base\"],\"provisioner\":{\"actions\":{"
    "\"install\":{\"type\":\"shell\"},\"start\":{\"type\":\"shell\"},"
    "\"stop\":{\"type\":\"shell\"}}}},"
    "{\"name\":\"new\",\"dependencies\":{\"provides\":[\"db\"],"
    "\"conflicts\":[\"old\"],\"install\":{\"requires\":[\"base\"],"
    "\"uses\":[\"app\"]},\"runtime\":{\"requires\":[\"app\"],\"uses\":[]}},"
    "\"provisioner\":{\"actions\":{}}},"
    "{\"name\":\"old\",\"dependson\":[]},"
    "{\"description\":\"no name: skipped\"}, 7]";

/* Names of l as "a,b" into buf. */
static const char *
names(const struct strtab_list *l, char *buf, size_t n)
{
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < l->n; i++) {
		if (i > 0)
			strncat(buf, ",", n - strlen(buf) - 1);
		strncat(buf, l->v[i], n - strlen(buf) - 1);
	}
	return buf;
}

Test(svcspec, services_read_both_dependency_models_and_actions)
{
	struct json_object *arr = json_tokener_parse(services_json);
	struct svcspec_services s;
	char b[256];

	cr_assert_not_null(arr);
	svcspec_services_read(arr, &s);
	cr_assert_eq(s.n, 4, "entries without a name are skipped");
	cr_expect_str_eq(s.v[0].name, "base");
	cr_expect_eq(s.v[0].actions, SVCDEPS_BIT(PLANNER_ACTION_CONFIGURE));
	cr_expect_str_eq(names(&s.v[1].dependson, b, sizeof b), "base");
	cr_expect_eq(s.v[1].actions,
	    SVCDEPS_BIT(PLANNER_ACTION_INSTALL) |
		SVCDEPS_BIT(PLANNER_ACTION_START) |
		SVCDEPS_BIT(PLANNER_ACTION_STOP));
	cr_expect_str_eq(names(&s.v[2].provides, b, sizeof b), "db");
	cr_expect_str_eq(names(&s.v[2].conflicts, b, sizeof b), "old");
	cr_expect_str_eq(names(&s.v[2].install_requires, b, sizeof b), "base");
	cr_expect_str_eq(names(&s.v[2].install_uses, b, sizeof b), "app");
	cr_expect_str_eq(names(&s.v[2].runtime_requires, b, sizeof b), "app");
	cr_expect_eq(s.v[2].runtime_uses.n, 0);
	cr_expect_eq(s.v[3].actions, 0, "no provisioner: no actions");
	svcspec_services_free(&s);
	svcspec_services_read(NULL, &s);
	cr_expect_eq(s.n, 0);
	svcspec_services_free(&s);
	json_object_put(arr);
}

Test(svcspec, services_feed_the_add_services_checks)
{
	struct json_object *arr = json_tokener_parse(services_json);
	const char *cl[] = { "base", "app", "old" }, *rq[] = { "new" };
	struct strtab_list cln = { cl, 3 }, rqn = { rq, 1 }, compat = { 0 };
	struct svcspec_services s;
	char *why = NULL;

	svcspec_services_read(arr, &s);
	cr_assert_eq(svcdeps_check_add(s.v, s.n, &cln, &rqn, &compat, &why),
	    -1);
	cr_expect_str_eq(why, "new conflicts with old.");
	free(why);
	why = NULL;
	cln.n = 2; /* without old */
	cr_expect_eq(svcdeps_check_add(s.v, s.n, &cln, &rqn, &compat, &why), 0,
	    "%s", why != NULL ? why : "");
	free(why);
	svcspec_services_free(&s);
	json_object_put(arr);
}

/* The same checks with the cluster's services and compat read from its doc. */
Test(svcspec, check_add_reads_the_cluster_doc)
{
	struct json_object *arr = json_tokener_parse(services_json);
	struct json_object *doc = json_tokener_parse(
	    "{\"services\":[\"base\",\"app\",\"old\"],"
	    "\"clusterTemplate\":{\"compatibility\":{\"services\":"
	    "[\"base\",\"app\",\"new\",\"old\"]}}}");
	struct json_object *tmpl = json_tokener_parse(
	    "{\"compatibility\":{\"services\":[\"base\",\"app\"]}}");
	const char *rq[] = { "new" }, *again[] = { "app" };
	char *why = NULL;

	cr_assert_not_null(arr);
	cr_assert_not_null(doc);
	cr_assert_eq(svcspec_check_add(arr, doc, rq, 1, &why), -1);
	cr_expect_str_eq(why, "new conflicts with old.");
	free(why);
	why = NULL;
	cr_assert_eq(svcspec_check_add(arr, doc, again, 1, &why), -1);
	cr_expect_str_eq(why, "service app is already on the cluster");
	free(why);
	why = NULL;
	/* Without old, new may be added; a template without it refuses. */
	json_object_array_del_idx(json_object_object_get(doc, "services"), 2,
	    1);
	cr_expect_eq(svcspec_check_add(arr, doc, rq, 1, &why), 0, "%s",
	    why != NULL ? why : "");
	free(why);
	why = NULL;
	json_object_object_add(doc, "clusterTemplate", tmpl);
	cr_assert_eq(svcspec_check_add(arr, doc, rq, 1, &why), -1);
	cr_expect_str_eq(why, "new are incompatible with the cluster");
	free(why);
	json_object_put(doc);
	json_object_put(arr);
}

Test(svcspec, constraints_read_and_used_by_the_layout_search)
{
	struct json_object *tmpl = json_tokener_parse(
	    "{\"constraints\":{\"layout\":{\"mustcoexist\":[[\"a\",\"b\"]],"
	    "\"cantcoexist\":[[\"a\",\"c\"],[]]},\"services\":{"
	    "\"c\":{\"hardwaretypes\":[\"large\"],\"quantities\":{\"min\":1,"
	    "\"max\":2}},\"a\":{\"imagetypes\":[\"centos6\"]},"
	    "\"bad\":\"not an object\"}}}");
	struct svcspec_constraints c;
	struct layout_add_layout *l;
	struct layout_add_tracker *t = NULL;
	const char *small[] = { "a", "b" }, *add[] = { "c" };
	char err[512];
	size_t i;

	cr_assert_not_null(tmpl);
	svcspec_constraints_read(tmpl, &c);
	cr_expect_eq(c.c.nmustcoexist, 1);
	cr_expect_eq(c.c.ncantcoexist, 1, "an empty set is dropped");
	cr_assert_eq(c.c.nservices, 2);
	for (i = 0; i < c.c.nservices; i++) {
		const struct layout_add_constraint *sc = &c.c.services[i];

		if (strcmp(sc->service, "c") == 0) {
			cr_expect_eq(sc->min, 1);
			cr_expect_eq(sc->max, 2);
			cr_expect_eq(sc->hardwaretypes.n, 1);
		} else {
			cr_expect_str_eq(sc->service, "a");
			cr_expect_eq(sc->min, 0);
			cr_expect_eq(sc->max, LAYOUT_ADD_UNBOUNDED);
			cr_expect_eq(sc->imagetypes.n, 1);
		}
	}
	/* c needs large hardware and cannot join a: no layout. */
	l = layout_add_layout_new();
	layout_add_layout_add(l, "small", "centos6", small, 2, 3);
	cr_assert_eq(layout_add_solve(&c.c, l, add, 1, 0, &t, err), 0, "%s",
	    err);
	cr_expect_null(t);
	layout_add_layout_add(l, "large", "centos6", NULL, 0, 2);
	cr_assert_eq(layout_add_solve(&c.c, l, add, 1, 0, &t, err), 0, "%s",
	    err);
	cr_assert_not_null(t);
	cr_expect_eq(layout_add_layout_service_count(
			 layout_add_tracker_current(t), "c"),
	    2, "max 2, most nodes first");
	layout_add_tracker_free(t);
	layout_add_layout_free(l);
	svcspec_constraints_free(&c);
	svcspec_constraints_read(NULL, &c);
	cr_expect_eq(c.c.nservices + c.c.nmustcoexist + c.c.ncantcoexist, 0);
	svcspec_constraints_free(&c);
	json_object_put(tmpl);
}
