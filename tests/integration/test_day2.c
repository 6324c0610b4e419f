/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_day2.c - the day-2 cluster operations of a real loomd on a real
 * mariadbd, through HTTP (LOOM-0.9.7-OPS.md sections 1-5, and the
 * LoomClusterHandlerTest cases of section 11.1 that concern these routes):
 * reconfigure, add services, start/stop/restart services, each driven to
 * completion by the test playing the provisioner with take/finish (which
 * lets it check every task's config and fail chosen tasks) or by
 * loom-dummy-provisioner; the resulting status, plans, node actions and
 * messages; the entry rules (404/409) from every status; the add-services
 * validation messages; a failing task that leaves the cluster
 * INCONSISTENT and a reconfigure that brings it back to ACTIVE; and an
 * add that cannot be laid out, which fails its job and leaves the cluster
 * ACTIVE.  The catalogue is tests/data/ops/day2-catalogue.json.
 *
 * Which tasks a day-2 job runs is the planner's business: a test that
 * needs a planner rule asks the linked planner first and is skipped, with
 * the reason, when the rule is not there.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "planner.h"

FX_SUITE(day2, "task = { timeout_seconds = 30; max_action_retries = 3; };",
    "tests/data/ops/day2-catalogue.json", .timeout = 180);
FX_MAIN(FX_NEED_DB, 0)

#define NOT_CONFIGURABLE "Cluster is not in a configurable state."
#define NOT_ACTIONABLE \
	"Cluster is not in a state where service actions can be performed."

/* "/v1/loom/clusters/<id><rest>" in a static buffer (one at a time). */
static const char *
cpath(const char *id, const char *rest)
{
	static char buf[256];

	snprintf(buf, sizeof buf, "/v1/loom/clusters/%s%s", id, rest);
	return buf;
}

/* Take one task now as worker: the task (caller puts) or NULL. */
static struct json_object *
take_now(const char *worker)
{
	struct json_object *o;

	fx_take_once(fx.d.port, worker, &o);
	return o;
}

/* Finish a task. */
static void
finish(const char *worker, const char *task, int status)
{
	char body[512];

	snprintf(body, sizeof body,
	    "{\"workerId\":\"%s\",\"taskId\":\"%s\",\"status\":%d,"
	    "\"stdout\":\"out\",\"stderr\":\"%s\","
	    "\"result\":{\"ipaddress\":\"10.0.0.9\"}}",
	    worker, task, status, status == 0 ? "" : "boom");
	cr_assert_eq(fx_api(NULL, "POST", "/v1/loom/tasks/finish", body, NULL),
	    200);
}

/*
 * Play the provisioner until the cluster's status matches want (20 s):
 * every task taken is finished, failed when its "TASKNAME service" (or
 * "TASKNAME" for a hardware task) equals fail.  The tasks seen are
 * appended to seen ("NAME service;" each, may be NULL).  When cluster_cfg
 * is not NULL every task's config.cluster must be exactly that JSON.
 */
static void
drive(const char *id, const char *want, const char *fail, char *seen, size_t n,
    const char *cluster_cfg)
{
	char got[256] = "", one[160];
	double deadline = fx_now_ms() + 20000;
	struct json_object *t, *cfg, *cl, *svc;

	if (seen != NULL)
		seen[0] = '\0';
	while (fx_now_ms() < deadline) {
		if ((t = take_now("w-day2")) != NULL) {
			cr_assert_str_eq(fx_js(t, "clusterId"), id);
			json_object_object_get_ex(t, "config", &cfg);
			svc = NULL;
			json_object_object_get_ex(cfg, "service", &svc);
			if (svc != NULL)
				snprintf(one, sizeof one, "%s %s",
				    fx_js(t, "taskName"), fx_js(svc, "name"));
			else
				snprintf(one, sizeof one, "%s",
				    fx_js(t, "taskName"));
			if (cluster_cfg != NULL) {
				cl = NULL;
				json_object_object_get_ex(cfg, "cluster", &cl);
				cr_expect_str_eq(
				    json_object_to_json_string_ext(cl,
					JSON_C_TO_STRING_PLAIN),
				    cluster_cfg, "config.cluster of %s", one);
			}
			if (seen != NULL) {
				strncat(seen, one, n - strlen(seen) - 1);
				strncat(seen, ";", n - strlen(seen) - 1);
			}
			finish("w-day2", fx_js(t, "taskId"),
			    fail != NULL && strcmp(fail, one) == 0);
			json_object_put(t);
			continue;
		}
		fx_status_line(fx.d.port, "user1", id, got, sizeof got);
		if (fx_status_match(want, got))
			return;
		usleep(30000);
	}
	cr_assert_fail("cluster %s: want %s, got %s", id, want, got);
}

/*
 * PUT body to cluster id's config as user1 (it answers 200), then play the
 * provisioner until the reconfigure is done, every task with config.cluster
 * exactly cluster_cfg; the tasks it ran into seen (size n), as drive().
 */
static void
reconfigure(const char *id, const char *body, const char *cluster_cfg,
    char *seen, size_t n)
{
	cr_assert_eq(fx_api("user1", "PUT", cpath(id, "/config"), body, NULL),
	    200);
	drive(id, "ACTIVE/COMPLETE/CLUSTER_CONFIGURE/*/*", NULL, seen, n,
	    cluster_cfg);
}

/* Create a cluster of machines nodes of template as user1, ACTIVE. */
static void
create_active(const char *tmpl, int machines, char id[32])
{
	char body[256];

	snprintf(body, sizeof body,
	    "{\"name\":\"d2\",\"numMachines\":%d,\"clusterTemplate\":\"%s\"}",
	    machines, tmpl);
	fx_create(fx.d.port, "user1", body, id);
	drive(id, "ACTIVE/COMPLETE/CLUSTER_CREATE/*/*", NULL, NULL, 0, NULL);
}

/* The message of the cluster (GET /clusters/{id}), into out. */
static void
cluster_message(const char *id, char *out, size_t n)
{
	struct json_object *o = NULL;

	cr_assert_eq(fx_api("user1", "GET", cpath(id, ""), NULL, &o), 200);
	snprintf(out, n, "%s", fx_js(o, "message"));
	json_object_put(o);
}

/*
 * GET the services of cluster id as user1 (it answers 200): how many, and
 * the list as JSON text into out (size n).
 */
static size_t
services_of(const char *id, char *out, size_t n)
{
	struct json_object *o = NULL;
	size_t k;

	cr_assert_eq(fx_api("user1", "GET", cpath(id, "/services"), NULL, &o),
	    200);
	k = json_object_array_length(o);
	snprintf(out, n, "%s", json_object_to_json_string(o));
	json_object_put(o);
	return k;
}

/*
 * The latest plan of the cluster (the last of GET /plans, oldest first)
 * as "ACTION|NAME service,NAME service|..." (one group per stage).
 */
static void
latest_plan(const char *id, char *out, size_t n)
{
	struct json_object *o = NULL, *p, *stages;
	size_t s, k;

	out[0] = '\0';
	cr_assert_eq(fx_api("user1", "GET", cpath(id, "/plans"), NULL, &o),
	    200);
	cr_assert(json_object_array_length(o) > 0);
	p = json_object_array_get_idx(o, json_object_array_length(o) - 1);
	snprintf(out, n, "%s", fx_js(p, "action"));
	json_object_object_get_ex(p, "stages", &stages);
	for (s = 0; s < json_object_array_length(stages); s++) {
		struct json_object *st = json_object_array_get_idx(stages, s);

		strncat(out, "|", n - strlen(out) - 1);
		for (k = 0; k < json_object_array_length(st); k++) {
			struct json_object *t =
			    json_object_array_get_idx(st, k);
			char one[128];

			snprintf(one, sizeof one, "%s%s%s%s", k > 0 ? "," : "",
			    fx_js(t, "taskName"),
			    fx_js(t, "service")[0] != '\0' ? " " : "",
			    fx_js(t, "service"));
			strncat(out, one, n - strlen(out) - 1);
		}
	}
	json_object_put(o);
}

/* GET the cluster's config as user1: 200 and exactly want (why fails). */
static void
expect_config(const char *id, const char *want, const char *why)
{
	struct json_object *o = NULL;

	cr_assert_eq(fx_api("user1", "GET", cpath(id, "/config"), NULL, &o),
	    200, "%s", why);
	cr_expect_str_eq(json_object_to_json_string_ext(o,
			     JSON_C_TO_STRING_PLAIN),
	    want, "%s", why);
	json_object_put(o);
}

/* Expect each of names (NULL-terminated) n times in the tasks seen. */
static void
expect_times(const char *seen, int n, const char *const *names)
{
	for (; *names != NULL; names++)
		cr_expect_eq(fx_count(seen, *names), n, "%s in %s", *names,
		    seen);
}

/*
 * Skip the test when the linked planner has no rule for ca yet: a
 * one-node cluster whose service defines every action must plan.
 */
static void
need_planner(enum planner_cluster_action ca, bool scoped)
{
	static const char *nodes_json =
	    "[{\"id\":\"n1\",\"services\":[{\"name\":\"s1\",\"dependson\":[],"
	    "\"provisioner\":{\"actions\":{"
	    "\"install\":{\"type\":\"t\"},\"configure\":{\"type\":\"t\"},"
	    "\"initialize\":{\"type\":\"t\"},\"start\":{\"type\":\"t\"},"
	    "\"stop\":{\"type\":\"t\"}}}}]}]";
	const char *svcs[] = { "s1" }, *ids[] = { "n1" };
	struct planner_scope scope = { svcs, 1, ids, 1 };
	struct json_object *nodes = json_tokener_parse(nodes_json);
	struct planner_plan *plan = NULL;
	char err[512];
	int rc;

	cr_assert_not_null(nodes);
	rc =
	    planner_plan_scoped(ca, nodes, scoped ? &scope : NULL, &plan, err);
	planner_plan_free(plan);
	json_object_put(nodes);
	if (rc != 0) {
		/* A skipped test runs no .fini: stop loomd here. */
		fx_fini();
		fx.d.pid = 0;
		cr_skip_test("the planner has no %s rule yet (%s)",
		    planner_cluster_action_upper(ca),
		    scoped ? "scoped" : "all services");
	}
}

/*
 * One step of a walk on a cluster: method route (under the cluster) with
 * body (may be NULL) answers 200, then the provisioner is played until the
 * status matches want, failing the tasks named fail (may be NULL), and the
 * tasks it ran are seen, in order.
 */
struct step {
	const char *method, *route, *body;
	const char *want, *fail, *seen;
};

static void expect_409_all(const char *id, const char *svc, bool config_too);

/* Walk cluster id through the n steps; each check names its step's route. */
static void
walk(const char *id, const struct step *steps, size_t n)
{
	char seen[4096];
	size_t i;

	for (i = 0; i < n; i++) {
		cr_assert_eq(fx_api("user1", steps[i].method,
				 cpath(id, steps[i].route), steps[i].body,
				 NULL),
		    200, "%s %s", steps[i].method, steps[i].route);
		drive(id, steps[i].want, steps[i].fail, seen, sizeof seen,
		    NULL);
		cr_expect_str_eq(seen, steps[i].seen, "%s %s", steps[i].method,
		    steps[i].route);
	}
}

/* ---------------------------------------------------------------- */
/* Reconfigure                                                      */

Test(day2, reconfigure_with_restart_reaches_every_task)
{
	char id[32], seen[4096], plan[4096], msg[256];

	need_planner(PLANNER_CLUSTER_CONFIGURE_WITH_RESTART, false);
	create_active("day2", 2, id);
	expect_config(id, "{}",
	    "no user config: GET shows {}, never the template's");
	cr_assert_eq(fx_api("user1", "PUT", cpath(id, "/config"),
			 "{\"config\":{\"k\":\"v2\",\"list\":[1,2]}}", NULL),
	    200);
	/* The config is replaced at once, before any task runs. */
	expect_config(id, "{\"k\":\"v2\",\"list\":[1,2]}", "GET config");
	fx_wait_status(fx.d.port, "user1", id,
	    "PENDING/*/CLUSTER_CONFIGURE_WITH_RESTART/*/*", 20000);
	/* Only a running CLUSTER_CREATE can be aborted. */
	fx_expect_loom(fx.d.port, "POST", cpath(id, "/abort"),
	    "X-Loom-UserID: user1", NULL, 409,
	    "Cannot be aborted at this time.");
	drive(id, "ACTIVE/COMPLETE/CLUSTER_CONFIGURE_WITH_RESTART/*/*", NULL,
	    seen, sizeof seen, "{\"k\":\"v2\",\"list\":[1,2]}");
	/* Two nodes: BOOTSTRAP each, then STOP, CONFIGURE, START each. */
	expect_times(seen, 2,
	    (const char *const[]){ "BOOTSTRAP;", "STOP base;", "STOP app;",
		"CONFIGURE base;", "CONFIGURE app;", "START base;",
		"START app;", NULL });
	expect_times(seen, 0, (const char *const[]){ "INSTALL", NULL });
	latest_plan(id, plan, sizeof plan);
	cr_expect_eq(strncmp(plan, "CLUSTER_CONFIGURE_WITH_RESTART|BOOTSTRAP",
			 40),
	    0, "%s", plan);
	/* app depends on base: app stops first, base starts first. */
	cr_expect(strstr(plan, "STOP app") < strstr(plan, "STOP base"), "%s",
	    plan);
	cr_expect(strstr(plan, "START base") < strstr(plan, "START app"), "%s",
	    plan);
	cluster_message(id, msg, sizeof msg);
	cr_expect_str_eq(msg, "");
}

Test(day2, reconfigure_without_restart_and_back_to_template_defaults)
{
	char id[32], seen[4096];

	need_planner(PLANNER_CLUSTER_CONFIGURE, false);
	create_active("day2", 1, id);
	/* The documented "restart":"false" string means no restart. */
	reconfigure(id, "{\"config\":{\"k\":\"v3\"},\"restart\":\"false\"}",
	    "{\"k\":\"v3\"}", seen, sizeof seen);
	cr_expect_eq(strncmp(seen, "BOOTSTRAP;", 10), 0, "%s", seen);
	cr_expect_eq(fx_count(seen, "CONFIGURE base;"), 1, "%s", seen);
	cr_expect_eq(fx_count(seen, "CONFIGURE app;"), 1, "%s", seen);
	cr_expect_eq(fx_count(seen, ";"), 3, "%s", seen);
	/* An empty config: tasks get the template's default config again. */
	reconfigure(id, "{\"config\":{},\"restart\":false}",
	    "{\"k\":\"default\"}", seen, sizeof seen);
	cr_expect_eq(fx_count(seen, "CONFIGURE"), 2, "%s", seen);
}

/* ---------------------------------------------------------------- */
/* Service actions                                                  */

Test(day2, stop_start_and_restart_all_services)
{
	static const struct step steps[] = {
		{ "POST", "/services/stop", NULL,
		    "ACTIVE/COMPLETE/STOP_SERVICES/4/4", NULL,
		    "STOP app;STOP app;STOP base;STOP base;" },
		{ "POST", "/services/start", NULL,
		    "ACTIVE/COMPLETE/START_SERVICES/4/4", NULL,
		    "START base;START base;START app;START app;" },
		{ "POST", "/services/restart", NULL,
		    "ACTIVE/COMPLETE/RESTART_SERVICES/8/8", NULL,
		    "STOP app;STOP app;STOP base;STOP base;"
		    "START base;START base;START app;START app;" },
	};
	char id[32], plan[4096];
	struct json_object *cl = NULL, *acts;
	size_t na;

	need_planner(PLANNER_RESTART_SERVICES, false);
	need_planner(PLANNER_STOP_SERVICES, false);
	need_planner(PLANNER_START_SERVICES, false);
	create_active("day2", 2, id);
	walk(id, steps, 1);
	latest_plan(id, plan, sizeof plan);
	cr_expect_str_eq(plan,
	    "STOP_SERVICES|STOP app,STOP app|STOP base,"
	    "STOP base");
	walk(id, steps + 1, 2);
	/* The node actions record what ran. */
	acts = fx_node_actions(fx.d.port, "user1", id, &cl);
	na = json_object_array_length(acts);
	cr_assert(na > 0);
	cr_expect_str_eq(fx_js(json_object_array_get_idx(acts, na - 1),
			     "action"),
	    "START");
	cr_expect_str_eq(fx_js(json_object_array_get_idx(acts, na - 1),
			     "status"),
	    "complete");
	json_object_put(cl);
}

Test(day2, one_service_and_what_depends_on_it)
{
	static const struct step steps[] = {
		/* Stopping base stops app, which depends on it, first. */
		{ "POST", "/services/base/stop", NULL,
		    "ACTIVE/COMPLETE/STOP_SERVICES/2/2", NULL,
		    "STOP app;STOP base;" },
		/* Starting app starts base, which it needs, first. */
		{ "POST", "/services/app/start", NULL,
		    "ACTIVE/COMPLETE/START_SERVICES/2/2", NULL,
		    "START base;START app;" },
		/* Stopping app alone touches nothing else. */
		{ "POST", "/services/app/stop", NULL,
		    "ACTIVE/COMPLETE/STOP_SERVICES/1/1", NULL, "STOP app;" },
		/* Restarting base restarts app too. */
		{ "POST", "/services/base/restart", NULL,
		    "ACTIVE/COMPLETE/RESTART_SERVICES/*/*", NULL,
		    "STOP app;STOP base;START base;START app;" },
	};
	char id[32];

	need_planner(PLANNER_STOP_SERVICES, true);
	need_planner(PLANNER_START_SERVICES, true);
	need_planner(PLANNER_RESTART_SERVICES, true);
	create_active("day2", 1, id);
	walk(id, steps, sizeof steps / sizeof steps[0]);
}

/* ---------------------------------------------------------------- */
/* Failure, INCONSISTENT, and the way back                          */

Test(day2, a_failing_task_leaves_inconsistent_and_reconfigure_recovers)
{
	/* STOP app fails three times: the job fails. */
	static const struct step stop = { "POST", "/services/stop", NULL,
		"INCONSISTENT/FAILED/STOP_SERVICES/*/0", "STOP app",
		"STOP app;STOP app;STOP app;" };
	char id[32], seen[4096], msg[256];

	need_planner(PLANNER_STOP_SERVICES, false);
	need_planner(PLANNER_CLUSTER_CONFIGURE, false);
	create_active("day2", 1, id);
	walk(id, &stop, 1);
	/* From INCONSISTENT only reconfigure (and delete) are allowed. */
	expect_409_all(id, "app", false);
	reconfigure(id, "{\"config\":{\"k\":\"fixed\"},\"restart\":false}",
	    "{\"k\":\"fixed\"}", seen, sizeof seen);
	cluster_message(id, msg, sizeof msg);
	cr_expect_str_eq(msg, "");
}

Test(day2, a_plan_with_no_task_fails_its_job)
{
	char id[32], msg[256];

	/* plain defines no action: STOP_SERVICES has nothing to run. */
	create_active("bare", 1, id);
	cr_assert_eq(fx_api("user1", "POST", cpath(id, "/services/stop"), NULL,
			 NULL),
	    200);
	fx_wait_status(fx.d.port, "user1", id,
	    "INCONSISTENT/FAILED/STOP_SERVICES/0/0", 20000);
	cluster_message(id, msg, sizeof msg);
	cr_expect_str_eq(msg,
	    "Failed to schedule the STOP_SERVICES operation.");
	/* Deleting an INCONSISTENT cluster is allowed. */
	cr_assert_eq(fx_api("user1", "DELETE", cpath(id, ""), NULL, NULL),
	    200);
	drive(id, "TERMINATED/COMPLETE/CLUSTER_DELETE/1/1", NULL, NULL, 0,
	    NULL);
}

/* ---------------------------------------------------------------- */
/* Add services                                                     */

Test(day2, add_a_service_to_every_node)
{
	struct json_object *o = NULL, *nodes, *props, *sv;
	char id[32], seen[4096], plan[4096], svcs[1024];
	size_t i;

	need_planner(PLANNER_ADD_SERVICES, true);
	create_active("day2", 2, id);
	cr_assert_eq(fx_api("user1", "POST", cpath(id, "/services"),
			 "{\"services\":[\"extra\"]}", NULL),
	    200);
	drive(id, "ACTIVE/COMPLETE/ADD_SERVICES/*/*", NULL, seen, sizeof seen,
	    NULL);
	expect_times(seen, 2,
	    (const char *const[]){ "BOOTSTRAP;", "INSTALL extra;",
		"CONFIGURE extra;", "INITIALIZE extra;", "START extra;",
		NULL });
	expect_times(seen, 0,
	    (const char *const[]){ "INSTALL app", "CONFIGURE app", NULL });
	latest_plan(id, plan, sizeof plan);
	cr_expect_eq(strncmp(plan, "ADD_SERVICES|", 13), 0, "%s", plan);
	cr_expect_eq(services_of(id, svcs, sizeof svcs), 3, "%s", svcs);
	cr_expect_not_null(strstr(svcs, "\"extra\""), "%s", svcs);
	cr_assert_eq(fx_api("user1", "GET", cpath(id, ""), NULL, &o), 200);
	cr_assert(json_object_object_get_ex(o, "nodes", &nodes));
	for (i = 0; i < json_object_array_length(nodes); i++) {
		struct json_object *n = json_object_array_get_idx(nodes, i);

		cr_assert(json_object_object_get_ex(n, "services", &sv));
		cr_expect_eq(json_object_array_length(sv), 3);
		json_object_object_get_ex(n, "properties", &props);
		cr_assert(json_object_object_get_ex(props, "services", &sv));
		cr_expect_eq(json_object_array_length(sv), 3,
		    "the services property is recomputed");
	}
	json_object_put(o);
}

Test(day2, add_services_that_cannot_be_laid_out_fails_the_job_only)
{
	char id[32], msg[256], svcs[1024];

	create_active("day2", 1, id);
	/* solo only fits large hardware; the cluster is small. */
	cr_assert_eq(fx_api("user1", "POST", cpath(id, "/services"),
			 "{\"services\":[\"solo\"]}", NULL),
	    200);
	fx_wait_status(fx.d.port, "user1", id,
	    "ACTIVE/FAILED/ADD_SERVICES/0/0", 20000);
	cluster_message(id, msg, sizeof msg);
	cr_expect_str_eq(msg, "Unable to solve layout.");
	cr_expect_eq(services_of(id, svcs, sizeof svcs), 2,
	    "nothing changed: %s", svcs);
	cr_expect_null(strstr(svcs, "solo"), "%s", svcs);
	/* The cluster is usable: it can be deleted at once. */
	cr_assert_eq(fx_api("user1", "DELETE", cpath(id, ""), NULL, NULL),
	    200);
	drive(id, "TERMINATED/COMPLETE/CLUSTER_DELETE/1/1", NULL, NULL, 0,
	    NULL);
}

/* testAddInvalidServicesReturns400 and the other messages of 4.2. */
Test(day2, add_services_validation_messages)
{
	char id[32];
	const char *u1 = "X-Loom-UserID: user1";
	const char *bad[] = { NULL, "", "{}", "[]", "{\"services\":[]}",
		"{\"services\":\"extra\"}", "{\"services\":[1]}",
		"{\"services\":[\"\"]}", "not json" };
	size_t i;

	create_active("day2", 1, id);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		fx_expect_loom(fx.d.port, "POST", cpath(id, "/services"), u1,
		    bad[i], 400, "Invalid request body.");
	fx_expect_loom(fx.d.port, "POST", cpath(id, "/services"), u1,
	    "{\"services\":[\"fakeservice\"]}", 400,
	    "service fakeservice does not exist");
	fx_expect_loom(fx.d.port, "POST", cpath(id, "/services"), u1,
	    "{\"services\":[\"noconf\"]}", 400,
	    "noconf are incompatible with the cluster");
	fx_expect_loom(fx.d.port, "POST", cpath(id, "/services"), u1,
	    "{\"services\":[\"needy\"]}", 400,
	    "needy requires extra, which is not on the cluster or in the list "
	    "of services to add.");
	fx_expect_loom(fx.d.port, "POST", cpath(id, "/services"), u1,
	    "{\"services\":[\"base\"]}", 400,
	    "service base is already on the cluster");
	/* A 0.9.7 service model in the store: rival conflicts with app. */
	cr_assert_eq(fx_sql(&fx.db, fx.dbname,
			 "UPDATE entities SET doc = '{\"name\":\"rival\","
			 "\"dependson\":[],\"dependencies\":{\"conflicts\":"
			 "[\"app\"]},\"provisioner\":{\"actions\":{}}}' "
			 "WHERE kind = 'services' AND name = 'rival'",
			 NULL, 0),
	    0);
	fx_expect_loom(fx.d.port, "POST", cpath(id, "/services"), u1,
	    "{\"services\":[\"rival\"]}", 400, "rival conflicts with app.");
	/* Nothing was requested: the cluster is still ACTIVE, same job. */
	fx_wait_status(fx.d.port, "user1", id,
	    "ACTIVE/COMPLETE/CLUSTER_CREATE/*/*", 20000);
}

/* ---------------------------------------------------------------- */
/* Entry rules: 404 and 409                                         */

/* testInvalidGetClusterConfigRequests and the 404 cases of 11.1. */
Test(day2, unknown_and_foreign_clusters_are_not_found)
{
	char id[32], want[64];
	const char *routes[] = { "/services/start", "/services/stop",
		"/services/restart", "/services/base/start",
		"/services/base/stop", "/services/base/restart" };
	const char *fake[] = { "/services/fake/start", "/services/fake/stop",
		"/services/fake/restart" };
	size_t i;

	create_active("day2", 1, id);
	fx_expect_loom(fx.d.port, "GET", "/v1/loom/clusters/00001239/config",
	    "X-Loom-UserID: user1", NULL, 404, "cluster 00001239 not found.");
	snprintf(want, sizeof want, "cluster %s not found.", id);
	fx_expect_loom(fx.d.port, "GET", cpath(id, "/config"),
	    "X-Loom-UserID: user2", NULL, 404, want);
	fx_expect_loom(fx.d.port, "PUT", "/v1/loom/clusters/00001239/config",
	    "X-Loom-UserID: user1", "{\"restart\":false,\"config\":{}}", 404,
	    "Cluster 00001239 not found.");
	snprintf(want, sizeof want, "Cluster %s not found.", id);
	fx_expect_loom(fx.d.port, "PUT", cpath(id, "/config"),
	    "X-Loom-UserID: user2", "{\"restart\":false,\"config\":{}}", 404,
	    want);
	for (i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		char p[128];

		snprintf(p, sizeof p, "/v1/loom/clusters/00001123%s",
		    routes[i]);
		fx_expect_loom(fx.d.port, "POST", p, "X-Loom-UserID: user1",
		    NULL, 404, "Cluster 00001123 not found.");
		fx_expect_loom(fx.d.port, "POST", cpath(id, routes[i]),
		    "X-Loom-UserID: user2", NULL, 404, want);
	}
	for (i = 0; i < sizeof fake / sizeof fake[0]; i++)
		fx_expect_loom(fx.d.port, "POST", cpath(id, fake[i]),
		    "X-Loom-UserID: user1", NULL, 404, want);
	fx_expect_loom(fx.d.port, "POST",
	    "/v1/loom/clusters/00001123/services", "X-Loom-UserID: user1",
	    "{\"services\":[\"resourcemanager\",\"nodemanager\"]}", 404,
	    "Cluster 00001123 not found.");
	fx_expect_loom(fx.d.port, "POST", cpath(id, "/services"),
	    "X-Loom-UserID: user2", "{\"services\":[\"extra\"]}", 404, want);
	fx_expect_loom(fx.d.port, "POST", cpath(id, "/services/stop"), NULL,
	    NULL, 401, "X-Loom-UserID not found in the request header.");
	/* The admin sees every cluster. */
	cr_expect_eq(fx_api("admin", "GET", cpath(id, "/config"), NULL, NULL),
	    200);
	/* Bad bodies of PUT config (testInvalidClusterConfigRequests). */
	fx_expect_loom(fx.d.port, "PUT", cpath(id, "/config"),
	    "X-Loom-UserID: user1", "{}", 400, "Invalid request body.");
	fx_expect_loom(fx.d.port, "PUT", cpath(id, "/config"),
	    "X-Loom-UserID: user1", "", 400, "Invalid request body.");
	fx_expect_loom(fx.d.port, "PUT", cpath(id, "/config"),
	    "X-Loom-UserID: user1", "{\"config\":\"x\"}", 400,
	    "Invalid request body.");
	fx_expect_loom(fx.d.port, "PUT", cpath(id, "/config"),
	    "X-Loom-UserID: user1", "{\"config\":[]}", 400,
	    "Invalid request body.");
	fx_expect_loom(fx.d.port, "PUT", cpath(id, "/config"),
	    "X-Loom-UserID: user1", "{\"config\":{},\"restart\":1}", 400,
	    "Invalid request body.");
	fx_wait_status(fx.d.port, "user1", id,
	    "ACTIVE/COMPLETE/CLUSTER_CREATE/*/*", 20000);
}

/*
 * Every day-2 request from status (the cluster is in it) gets 409: the
 * service actions on all services and on service svc, the add, and the
 * config change when config_too.
 */
static void
expect_409_all(const char *id, const char *svc, bool config_too)
{
	const char *u1 = "X-Loom-UserID: user1";
	const char *actions[] = { "start", "stop", "restart" };
	char route[128];
	size_t i;

	for (i = 0; i < 3; i++) {
		snprintf(route, sizeof route, "/services/%s", actions[i]);
		fx_expect_loom(fx.d.port, "POST", cpath(id, route), u1, NULL,
		    409, NOT_ACTIONABLE);
	}
	for (i = 0; i < 3; i++) {
		snprintf(route, sizeof route, "/services/%s/%s", svc,
		    actions[i]);
		fx_expect_loom(fx.d.port, "POST", cpath(id, route), u1, NULL,
		    409, NOT_ACTIONABLE);
	}
	fx_expect_loom(fx.d.port, "POST", cpath(id, "/services"), u1,
	    "{\"services\":[\"extra\"]}", 409, NOT_ACTIONABLE);
	if (config_too)
		fx_expect_loom(fx.d.port, "PUT", cpath(id, "/config"), u1,
		    "{\"config\":{\"a\":1}}", 409, NOT_CONFIGURABLE);
}

/* testServiceActionsCanOnlyRunOnActiveCluster and its add/config kin. */
Test(day2, disallowed_statuses_answer_409)
{
	char pending[32], incomplete[32], terminated[32];

	/* PENDING: created, its first task not finished. */
	fx_create(fx.d.port, "user1",
	    "{\"name\":\"p\",\"numMachines\":1,\"clusterTemplate\":\"day2\"}",
	    pending);
	fx_wait_status(fx.d.port, "user1", pending,
	    "PENDING/RUNNING/CLUSTER_CREATE/*/0", 20000);
	expect_409_all(pending, "base", true);
	/* INCOMPLETE: its CREATE failed three times. */
	drive(pending, "INCOMPLETE/FAILED/CLUSTER_CREATE/*/*", "CREATE", NULL,
	    0, NULL);
	snprintf(incomplete, sizeof incomplete, "%s", pending);
	expect_409_all(incomplete, "base", true);
	/* TERMINATED: deleted. */
	create_active("day2", 1, terminated);
	cr_assert_eq(fx_api("user1", "DELETE", cpath(terminated, ""), NULL,
			 NULL),
	    200);
	drive(terminated, "TERMINATED/COMPLETE/CLUSTER_DELETE/*/*", NULL, NULL,
	    0, NULL);
	expect_409_all(terminated, "base", true);
	/* Nothing was requested by the refusals. */
	fx_wait_status(fx.d.port, "user1", terminated,
	    "TERMINATED/COMPLETE/CLUSTER_DELETE/*/*", 20000);
	fx_wait_status(fx.d.port, "user1", incomplete,
	    "INCOMPLETE/FAILED/CLUSTER_CREATE/*/*", 20000);
}

/* testClusterServiceActions: each route requests its action. */
Test(day2, each_route_requests_its_action)
{
	char id[32], got[256], want[128];
	const char *routes[] = { "/services/stop", "/services/start",
		"/services/restart", "/services/base/stop",
		"/services/base/start", "/services/base/restart" };
	const char *actions[] = { "STOP_SERVICES", "START_SERVICES",
		"RESTART_SERVICES", "STOP_SERVICES", "START_SERVICES",
		"RESTART_SERVICES" };
	size_t i;

	need_planner(PLANNER_STOP_SERVICES, true);
	need_planner(PLANNER_START_SERVICES, true);
	need_planner(PLANNER_RESTART_SERVICES, true);
	create_active("day2", 1, id);
	for (i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		cr_assert_eq(fx_api("user1", "POST", cpath(id, routes[i]),
				 NULL, NULL),
		    200, "%s", routes[i]);
		fx_status_line(fx.d.port, "user1", id, got, sizeof got);
		snprintf(want, sizeof want, "PENDING/*/%s/*/*", actions[i]);
		cr_expect(fx_status_match(want, got), "%s: %s", routes[i],
		    got);
		snprintf(want, sizeof want, "ACTIVE/COMPLETE/%s/*/*",
		    actions[i]);
		drive(id, want, NULL, NULL, 0, NULL);
	}
}

/* testGetClusterConfig and testPutClusterConfig. */
Test(day2, config_is_the_cluster_config_and_put_replaces_it)
{
	char id[32];
	const char *cfg = "{\"key1\":\"val1\",\"key2\":[\"arrayval1\","
			  "\"arrayval2\"],\"key3\":{\"okey1\":\"oval1\","
			  "\"okey2\":\"oval2\"}}";
	char body[512];

	need_planner(PLANNER_CLUSTER_CONFIGURE, false);
	snprintf(body, sizeof body,
	    "{\"name\":\"c\",\"numMachines\":1,\"clusterTemplate\":"
	    "\"day2\",\"config\":%s}",
	    cfg);
	fx_create(fx.d.port, "user1", body, id);
	drive(id, "ACTIVE/COMPLETE/CLUSTER_CREATE/*/*", NULL, NULL, 0, cfg);
	expect_config(id, cfg, "GET config");
	cr_assert_eq(fx_api("user1", "PUT", cpath(id, "/config"),
			 "{\"restart\":false,\"config\":{\"key2\":\"val2\"}}",
			 NULL),
	    200);
	expect_config(id, "{\"key2\":\"val2\"}",
	    "the whole object is replaced");
	drive(id, "ACTIVE/COMPLETE/CLUSTER_CONFIGURE/*/*", NULL, NULL, 0,
	    "{\"key2\":\"val2\"}");
}

/* Idempotency-Key: the same request answered once. */
Test(day2, idempotency_key_answers_once)
{
	char id[32];
	struct fx_resp r;
	const char *hdr = "X-Loom-UserID: user1\nIdempotency-Key: k-day2-1";

	create_active("day2", 1, id);
	cr_assert_eq(fx_req(fx.d.port, "POST", cpath(id, "/services/stop"),
			 hdr, NULL, &r),
	    200);
	fx_resp_free(&r);
	cr_assert_eq(fx_req(fx.d.port, "POST", cpath(id, "/services/stop"),
			 hdr, NULL, &r),
	    200, "a retry gets the stored answer, not a 409");
	fx_resp_free(&r);
	cr_assert_eq(fx_req(fx.d.port, "POST", cpath(id, "/services/start"),
			 hdr, NULL, &r),
	    422, "the same key for another request");
	fx_resp_free(&r);
}

/* ---------------------------------------------------------------- */
/* The dummy provisioner runs every day-2 job unchanged             */

Test(day2, dummy_provisioner_walk)
{
	char id[32];
	pid_t prov;

	need_planner(PLANNER_ADD_SERVICES, true);
	need_planner(PLANNER_CLUSTER_CONFIGURE_WITH_RESTART, false);
	need_planner(PLANNER_RESTART_SERVICES, true);
	prov =
	    fx_provisioner_start(fx.d.port, 2, NULL, "1", "/dev/null", NULL);
	fx_create(fx.d.port, "user1",
	    "{\"name\":\"walk\",\"numMachines\":3,\"clusterTemplate\":\"day2\"}",
	    id);
	fx_wait_status(fx.d.port, "user1", id,
	    "ACTIVE/COMPLETE/CLUSTER_CREATE/*/*", 20000);
	cr_assert_eq(fx_api("user1", "POST", cpath(id, "/services"),
			 "{\"services\":[\"extra\"]}", NULL),
	    200);
	fx_wait_status(fx.d.port, "user1", id,
	    "ACTIVE/COMPLETE/ADD_SERVICES/*/*", 20000);
	cr_assert_eq(fx_api("user1", "PUT", cpath(id, "/config"),
			 "{\"config\":{\"k\":\"walk\"}}", NULL),
	    200);
	fx_wait_status(fx.d.port, "user1", id,
	    "ACTIVE/COMPLETE/CLUSTER_CONFIGURE_WITH_RESTART/*/*", 20000);
	cr_assert_eq(fx_api("user1", "POST",
			 cpath(id, "/services/extra/restart"), NULL, NULL),
	    200);
	fx_wait_status(fx.d.port, "user1", id,
	    "ACTIVE/COMPLETE/RESTART_SERVICES/*/*", 20000);
	fx_provisioner_stop(&prov);
}
