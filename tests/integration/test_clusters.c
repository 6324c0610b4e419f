/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_clusters.c - the cluster lifecycle of a real loomd on a real
 * mariadbd, through HTTP, as the original server's LoomClusterHandlerTest,
 * LoomTaskHandlerTest and LoomRPCHandlerTest describe (LOOM-0.9-API.md
 * 7.2-7.4): the test plays the provisioner with take/finish and waits on
 * observable state, with timeouts.  The catalogue is the one those tests
 * set up (tests/data/loom-fixtures/cluster-handler-fixtures.json).
 */
#include "config.h"

#include <criterion/criterion.h>
#include <json-c/json.h>
#include <mysql.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"

#define ADMIN "X-Loom-UserID: admin"

FX_SUITE(clusters,
    "task = { timeout_seconds = 3; };\n"
    "node = { max_log_length = 16; max_actions = 4; };",
    FX_CLUSTER_FIXTURES, .timeout = 120);
FX_MAIN(FX_NEED_DB, 0)

/* Finish a task; returns the status code. */
static long
finish(const char *worker, const char *task, int status, const char *extra)
{
	char body[1024];

	snprintf(body, sizeof body,
	    "{\"workerId\":\"%s\",\"taskId\":\"%s\","
	    "\"status\":%d%s%s}",
	    worker, task, status, extra != NULL ? "," : "",
	    extra != NULL ? extra : "");
	return fx_api(NULL, "POST", "/v1/loom/tasks/finish", body, NULL);
}

/* Take the next task and check its name; returns it (caller puts). */
static struct json_object *
take_named(const char *worker, const char *name)
{
	struct json_object *t = fx_take_json(fx.d.port, worker, 10000);

	cr_assert_not_null(t, "no %s task", name);
	cr_assert_str_eq(fx_js(t, "taskName"), name);
	return t;
}

/* Drive a cluster to ACTIVE by completing every task. */
static void
complete_all(const char *user, const char *id, int ntasks)
{
	struct json_object *t;
	int i;

	for (i = 0; i < ntasks; i++) {
		t = fx_take_json(fx.d.port, "w-all", 10000);
		cr_assert_not_null(t, "task %d of %d", i + 1, ntasks);
		cr_assert_eq(finish("w-all", fx_js(t, "taskId"), 0,
				 "\"result\":{\"ipaddress\":\"10.1.1.1\"}"),
		    200);
		json_object_put(t);
	}
	fx_wait_status(fx.d.port, user, id,
	    "ACTIVE/COMPLETE/CLUSTER_CREATE/*/*", 15000);
}

#define ONE \
	"{\"name\":\"c%d\",\"numMachines\":%d,\"clusterTemplate\":" \
	"\"one-machine\"%s}"

/* A one-machine cluster body. */
static const char *
one(int n, int machines, const char *extra)
{
	static char buf[1024];

	snprintf(buf, sizeof buf, ONE, n, machines,
	    extra != NULL ? extra : "");
	return buf;
}

Test(clusters, status_progression_configs_and_node_actions)
{
	struct json_object *t, *cfg, *cl, *v, *nodes, *acts;
	char id[32], ip[32];
	const char *names[] = { "CREATE", "CONFIRM", "BOOTSTRAP" };
	int i;

	fx_create(fx.d.port, "user1", one(1, 1, NULL), id);
	fx_wait_status(fx.d.port, "user1", id,
	    "PENDING/RUNNING/CLUSTER_CREATE/3/0", 15000);
	for (i = 0; i < 3; i++) {
		t = take_named("worker1", names[i]);
		cr_expect_str_eq(fx_js(t, "clusterId"), id);
		json_object_object_get_ex(t, "config", &cfg);
		json_object_object_get_ex(cfg, "cluster", &cl);
		cr_expect_str_eq(json_object_to_json_string_ext(cl,
				     JSON_C_TO_STRING_PLAIN),
		    "{\"defaultconfig\":\"value1\"}");
		if (i > 0)
			cr_expect_str_eq(fx_js(cfg, "ipaddress"), ip,
			    "the previous result is in the config");
		cr_expect(json_object_object_get_ex(cfg, "nodes", &v));
		cr_expect(json_object_object_get_ex(cfg, "provider", &v));
		snprintf(ip, sizeof ip, "10.0.0.%d", i + 1);
		{
			char res[128];

			snprintf(res, sizeof res,
			    "\"result\":{\"ipaddress\":"
			    "\"%s\"}",
			    ip);
			cr_assert_eq(finish("worker1", fx_js(t, "taskId"), 0,
					 res),
			    200);
		}
		json_object_put(t);
	}
	fx_wait_status(fx.d.port, "user1", id,
	    "ACTIVE/COMPLETE/CLUSTER_CREATE/3/3", 15000);
	cr_assert_eq(fx_api_cluster("user1", "GET", id, "", NULL, &cl), 200);
	cr_assert(json_object_object_get_ex(cl, "nodes", &nodes));
	cr_assert_eq(json_object_array_length(nodes), 1);
	v = json_object_array_get_idx(nodes, 0);
	cr_expect_eq(strlen(fx_js(v, "id")), 36, "a UUID node id");
	json_object_object_get_ex(v, "actions", &acts);
	cr_expect_eq(json_object_array_length(acts), 3);
	for (i = 0; i < 3; i++) {
		struct json_object *a = json_object_array_get_idx(acts, i);

		cr_expect_str_eq(fx_js(a, "action"), names[i]);
		cr_expect_str_eq(fx_js(a, "status"), "complete");
	}
	json_object_object_get_ex(v, "properties", &v);
	cr_expect_str_eq(fx_js(v, "ipaddress"), "10.0.0.3");
	cr_expect_str_eq(fx_js(cl, "status"), "active");
	json_object_put(cl);
	cr_expect_eq(fx_api("user1", "GET",
			 "/v1/loom/clusters/00000567/status", NULL, NULL),
	    404);
}

Test(clusters, user_config_replaces_the_template_default)
{
	struct json_object *t, *cfg, *cl;
	char id[32];

	fx_create(fx.d.port, "user1",
	    one(2, 1, ",\"config\":{\"mine\":{\"k\":\"v\"}}"), id);
	t = take_named("worker1", "CREATE");
	json_object_object_get_ex(t, "config", &cfg);
	json_object_object_get_ex(cfg, "cluster", &cl);
	cr_expect_str_eq(json_object_to_json_string_ext(cl,
			     JSON_C_TO_STRING_PLAIN),
	    "{\"mine\":{\"k\":\"v\"}}");
	json_object_put(t);
}

Test(clusters, optional_arguments_reach_the_solver)
{
	struct json_object *cl, *nodes, *p;
	char id[32];

	fx_create(fx.d.port, "user1",
	    one(3, 1,
		",\"hardwaretype\":\"medium\","
		"\"imagetype\":\"centos6\",\"provider\":\"joyent\","
		"\"services\":[\"zookeeper\"]"),
	    id);
	fx_wait_status(fx.d.port, "user1", id,
	    "PENDING/RUNNING/CLUSTER_CREATE/3/0", 15000);
	cr_assert_eq(fx_api_cluster("user1", "GET", id, "", NULL, &cl), 200);
	json_object_object_get_ex(cl, "nodes", &nodes);
	json_object_object_get_ex(json_object_array_get_idx(nodes, 0),
	    "properties", &p);
	cr_expect_str_eq(fx_js(p, "hardwaretype"), "medium");
	cr_expect_str_eq(fx_js(p, "flavor"), "Medium 4GB");
	cr_expect_str_eq(fx_js(p, "imagetype"), "centos6");
	json_object_put(cl);
	cr_assert_eq(fx_api_cluster("user1", "GET", id, "/services", NULL,
			 &cl),
	    200);
	cr_expect_str_eq(json_object_to_json_string_ext(cl,
			     JSON_C_TO_STRING_PLAIN),
	    "[\"zookeeper\"]");
	json_object_put(cl);
}

Test(clusters, delete_runs_delete_tasks_then_terminates)
{
	struct json_object *t, *cl, *acts;
	char id[32];
	size_t n;

	fx_create(fx.d.port, "user1", one(4, 2, NULL), id);
	cr_expect_eq(fx_api_cluster("user1", "DELETE", id, "", NULL, NULL),
	    409, "a PENDING cluster cannot be deleted");
	complete_all("user1", id, 6);
	cr_assert_eq(fx_api_cluster("user1", "DELETE", id, "", NULL, NULL),
	    200);
	fx_wait_status(fx.d.port, "user1", id,
	    "PENDING/RUNNING/CLUSTER_DELETE/2/0", 15000);
	t = take_named("w2", "DELETE");
	cr_assert_eq(finish("w2", fx_js(t, "taskId"), 0, NULL), 200);
	json_object_put(t);
	t = take_named("w2", "DELETE");
	cr_assert_eq(finish("w2", fx_js(t, "taskId"), 0, NULL), 200);
	json_object_put(t);
	fx_wait_status(fx.d.port, "user1", id,
	    "TERMINATED/COMPLETE/CLUSTER_DELETE/2/2", 15000);
	acts = fx_node_actions(fx.d.port, "user1", id, &cl);
	n = json_object_array_length(acts);
	cr_expect_str_eq(fx_js(json_object_array_get_idx(acts, n - 1),
			     "action"),
	    "DELETE");
	json_object_put(cl);
	cr_expect_eq(fx_api_cluster("user1", "DELETE", id, "", NULL, NULL),
	    200, "deleting a terminated cluster is a no-op");
}

Test(clusters, a_task_failing_three_times_fails_the_job)
{
	struct json_object *t;
	char id[32];
	int i;

	fx_create(fx.d.port, "user1", one(5, 1, NULL), id);
	for (i = 0; i < 3; i++) {
		t = take_named("w3", "CREATE");
		cr_assert_eq(finish("w3", fx_js(t, "taskId"), 1,
				 "\"stdout\":\"out\",\"stderr\":\"boom\""),
		    200);
		json_object_put(t);
	}
	fx_wait_status(fx.d.port, "user1", id,
	    "INCOMPLETE/FAILED/CLUSTER_CREATE/3/0", 15000);
}

Test(clusters, confirm_failures_roll_back_and_retry_from_create)
{
	struct json_object *t;
	char id[32];
	int i, rollbacks = 0;

	fx_create(fx.d.port, "user1", one(6, 1, NULL), id);
	t = take_named("w4", "CREATE");
	cr_assert_eq(finish("w4", fx_js(t, "taskId"), 0, NULL), 200);
	json_object_put(t);
	for (i = 0; i < 3; i++) {
		char want[64];

		t = take_named("w4", "CONFIRM");
		cr_assert_eq(finish("w4", fx_js(t, "taskId"), 1, NULL), 200);
		json_object_put(t);
		if (i == 2)
			break;
		snprintf(want, sizeof want,
		    "PENDING/RUNNING/CLUSTER_CREATE/"
		    "%d/*",
		    4 + i);
		fx_wait_status(fx.d.port, "user1", id, want, 15000);
		/* A DELETE rollback (no node) and a new CREATE follow. */
		for (int k = 0; k < 2; k++) {
			t = fx_take_json(fx.d.port, "w4", 10000);
			cr_assert_not_null(t);
			if (strcmp(fx_js(t, "taskName"), "DELETE") == 0) {
				cr_expect_str_eq(fx_js(t, "nodeId"), "");
				rollbacks++;
			} else {
				cr_expect_str_eq(fx_js(t, "taskName"),
				    "CREATE");
			}
			cr_assert_eq(finish("w4", fx_js(t, "taskId"), 0, NULL),
			    200);
			json_object_put(t);
		}
	}
	cr_expect_eq(rollbacks, 2);
	fx_wait_status(fx.d.port, "user1", id,
	    "INCOMPLETE/FAILED/CLUSTER_CREATE/5/3", 15000);
}

Test(clusters, an_unsolvable_cluster_is_terminated)
{
	char id[32];

	fx_create(fx.d.port, "user1",
	    "{\"name\":\"u\",\"numMachines\":1,"
	    "\"clusterTemplate\":\"reactor-medium\"}",
	    id);
	fx_wait_status(fx.d.port, "user1", id,
	    "TERMINATED/FAILED/SOLVE_LAYOUT/0/0", 15000);
	cr_expect_eq(fx_api_cluster("user1", "DELETE", id, "", NULL, NULL),
	    200);
	fx_wait_status(fx.d.port, "user1", id,
	    "TERMINATED/FAILED/SOLVE_LAYOUT/0/0", 15000);
}

Test(clusters, abort_with_tasks_in_flight)
{
	struct json_object *t, *cl;
	char id[32];
	int i;

	fx_create(fx.d.port, "user1", one(7, 2, NULL), id);
	/* Two CREATEs and one CONFIRM done, the second CONFIRM queued. */
	for (i = 0; i < 3; i++) {
		t = fx_take_json(fx.d.port, "w5", 10000);
		cr_assert_not_null(t);
		cr_assert_eq(finish("w5", fx_js(t, "taskId"), 0, NULL), 200);
		json_object_put(t);
	}
	cr_assert_eq(fx_api_cluster("user1", "POST", id, "/abort", NULL, NULL),
	    200);
	fx_wait_status(fx.d.port, "user1", id,
	    "INCOMPLETE/FAILED/CLUSTER_CREATE/6/3", 15000);
	cr_expect_eq(fx_take(fx.d.port, "w5", NULL), 204,
	    "the queued task was dropped");
	cr_assert_eq(fx_api_cluster("user1", "GET", id, "", NULL, &cl), 200);
	cr_expect_str_eq(fx_js(cl, "message"), "Aborted by user.");
	json_object_put(cl);
	cr_expect_eq(fx_api_cluster("user1", "POST", id, "/abort", NULL, NULL),
	    200, "abort of a cluster that is not PENDING is a no-op");
}

Test(clusters, abort_of_a_delete_is_refused)
{
	char id[32];

	fx_create(fx.d.port, "user1", one(8, 1, NULL), id);
	complete_all("user1", id, 3);
	cr_assert_eq(fx_api_cluster("user1", "DELETE", id, "", NULL, NULL),
	    200);
	cr_expect_eq(fx_api_cluster("user1", "POST", id, "/abort", NULL, NULL),
	    409);
}

Test(clusters, listing_and_ownership)
{
	struct json_object *o;
	char a[32], b[32];

	fx_create(fx.d.port, "user1",
	    "{\"name\":\"own1\",\"numMachines\":1,"
	    "\"clusterTemplate\":\"reactor-medium\"}",
	    a);
	fx_create(fx.d.port, "user2",
	    "{\"name\":\"own2\",\"numMachines\":1,"
	    "\"clusterTemplate\":\"reactor-medium\"}",
	    b);
	cr_assert_eq(fx_api("user1", "GET", "/v1/loom/clusters", NULL, &o),
	    200);
	cr_expect_eq(json_object_array_length(o), 1);
	cr_expect_str_eq(fx_js(json_object_array_get_idx(o, 0), "id"), a);
	json_object_put(o);
	cr_assert_eq(fx_api("admin", "GET", "/v1/loom/clusters", NULL, &o),
	    200);
	cr_expect_eq(json_object_array_length(o), 2);
	cr_expect_str_eq(fx_js(json_object_array_get_idx(o, 0), "id"), b,
	    "newest first");
	cr_expect_str_eq(fx_js(json_object_array_get_idx(o, 0), "name"),
	    "own2");
	json_object_put(o);
	cr_expect_eq(fx_api_cluster("user2", "GET", a, "", NULL, NULL), 404);
	cr_expect_eq(fx_api_cluster("user2", "DELETE", a, "", NULL, NULL),
	    404);
	cr_expect_eq(fx_api_cluster("admin", "GET", a, "", NULL, NULL), 200);
	fx_wait_status(fx.d.port, "admin", a, "TERMINATED/*/*/*/*", 15000);
	cr_expect_eq(fx_api_cluster("admin", "DELETE", a, "", NULL, NULL),
	    200);
	cr_expect_eq(fx_api(NULL, "GET", "/v1/loom/clusters", NULL, NULL),
	    401);
}

Test(clusters, plans_of_the_jobs)
{
	struct json_object *o, *p, *stages;
	char id[32], path[160], job[48];
	const char *names[] = { "CREATE", "CONFIRM", "BOOTSTRAP" };
	size_t i;

	fx_create(fx.d.port, "user1", one(9, 1, NULL), id);
	fx_wait_status(fx.d.port, "user1", id,
	    "PENDING/RUNNING/CLUSTER_CREATE/3/0", 15000);
	snprintf(path, sizeof path, "/v1/loom/clusters/%s/plans", id);
	cr_assert_eq(fx_api("user1", "GET", path, NULL, &o), 200);
	cr_assert_eq(json_object_array_length(o), 2);
	p = json_object_array_get_idx(o, 0);
	cr_expect_str_eq(fx_js(p, "action"), "SOLVE_LAYOUT");
	json_object_object_get_ex(p, "stages", &stages);
	cr_expect_eq(json_object_array_length(stages), 0);
	p = json_object_array_get_idx(o, 1);
	cr_expect_str_eq(fx_js(p, "action"), "CLUSTER_CREATE");
	snprintf(job, sizeof job, "%s", fx_js(p, "id"));
	json_object_object_get_ex(p, "stages", &stages);
	cr_assert_eq(json_object_array_length(stages), 3);
	for (i = 0; i < 3; i++) {
		struct json_object *s = json_object_array_get_idx(stages, i);

		cr_expect_eq(json_object_array_length(s), 1);
		cr_expect_str_eq(fx_js(json_object_array_get_idx(s, 0),
				     "taskName"),
		    names[i]);
	}
	json_object_put(o);
	snprintf(path, sizeof path, "/v1/loom/clusters/%s/plans/%s", id, job);
	cr_assert_eq(fx_api("user1", "GET", path, NULL, &o), 200);
	cr_expect_str_eq(fx_js(o, "id"), job);
	json_object_put(o);
	snprintf(path, sizeof path, "/v1/loom/clusters/%s/plans/x-y", id);
	cr_expect_eq(fx_api("user1", "GET", path, NULL, NULL), 400);
	snprintf(path, sizeof path, "/v1/loom/clusters/%s/plans/00000099-001",
	    id);
	cr_expect_eq(fx_api("user1", "GET", path, NULL, NULL), 400,
	    "a job of another cluster");
}

Test(clusters, bad_requests_store_nothing)
{
	struct json_object *o;

	cr_expect_eq(
	    fx_api("user1", "POST", "/v1/loom/clusters",
		"{\"name\":\"m\",\"numMachines\":10001,\"clusterTemplate\":"
		"\"one-machine\"}",
		NULL),
	    400);
	cr_expect_eq(
	    fx_api("user1", "POST", "/v1/loom/clusters",
		"{\"name\":\"m\",\"numMachines\":0,\"clusterTemplate\":"
		"\"one-machine\"}",
		NULL),
	    400);
	cr_expect_eq(
	    fx_api("user1", "POST", "/v1/loom/clusters",
		"{\"numMachines\":1,\"clusterTemplate\":\"one-machine\"}",
		NULL),
	    400);
	cr_expect_eq(
	    fx_api("user1", "POST", "/v1/loom/clusters",
		"{\"name\":\"m\",\"clusterTemplate\":\"one-machine\"}", NULL),
	    400);
	cr_expect_eq(fx_api("user1", "POST", "/v1/loom/clusters",
			 "{\"name\":\"m\",\"numMachines\":1}", NULL),
	    400);
	cr_expect_eq(fx_api("user1", "POST", "/v1/loom/clusters", "", NULL),
	    400);
	cr_expect_eq(fx_api("user1", "POST", "/v1/loom/clusters", "{bad",
			 NULL),
	    400);
	cr_expect_eq(
	    fx_api("user1", "POST", "/v1/loom/clusters",
		"{\"name\":\"a b\",\"numMachines\":1,\"clusterTemplate\":"
		"\"one-machine\"}",
		NULL),
	    400);
	cr_expect_eq(
	    fx_api("user1", "POST", "/v1/loom/clusters",
		"{\"name\":\"m\",\"numMachines\":\"many\",\"clusterTemplate\":"
		"\"one-machine\"}",
		NULL),
	    400);
	cr_assert_eq(fx_api("admin", "GET", "/v1/loom/clusters", NULL, &o),
	    200);
	cr_expect_eq(json_object_array_length(o), 0, "nothing was stored");
	json_object_put(o);
	/* Bad and unknown ids on every cluster route. */
	cr_expect_eq(fx_api("user1", "GET", "/v1/loom/clusters/abc", NULL,
			 NULL),
	    400);
	cr_expect_eq(fx_api("user1", "GET", "/v1/loom/clusters/99999999", NULL,
			 NULL),
	    404);
	cr_expect_eq(fx_api("user1", "GET",
			 "/v1/loom/clusters/99999999/status", NULL, NULL),
	    404);
	cr_expect_eq(fx_api("user1", "GET",
			 "/v1/loom/clusters/99999999/services", NULL, NULL),
	    404);
	cr_expect_eq(fx_api("user1", "GET", "/v1/loom/clusters/99999999/plans",
			 NULL, NULL),
	    404);
	cr_expect_eq(fx_api("user1", "DELETE", "/v1/loom/clusters/99999999",
			 NULL, NULL),
	    404);
	cr_expect_eq(fx_api("user1", "POST",
			 "/v1/loom/clusters/99999999/abort", NULL, NULL),
	    404);
	cr_expect_eq(fx_api("user1", "POST", "/v1/loom/clusters/99999999",
			 "{\"expireTime\":5}", NULL),
	    404);
	cr_expect_eq(fx_api("user1", "POST", "/v1/loom/clusters/00000001", "",
			 NULL),
	    400);
	cr_expect_eq(fx_api("user1", "POST", "/v1/loom/clusters/00000001",
			 "{'foo':'bar'}", NULL),
	    400);
	/* getClusterStatuses for a user with no clusters. */
	cr_expect_eq(fx_api("nobody", "POST", "/v1/loom/getClusterStatuses",
			 NULL, NULL),
	    404);
}

Test(clusters, take_and_finish_rules)
{
	struct json_object *t, *cl, *acts, *a;
	char id[32];

	cr_expect_eq(fx_api(NULL, "POST", "/v1/loom/tasks/take", "", NULL),
	    400);
	cr_expect_eq(fx_api(NULL, "POST", "/v1/loom/tasks/take", "{}", NULL),
	    400);
	cr_expect_eq(finish("w6", "00000001-001-001", 0, NULL), 417);
	cr_expect_eq(fx_api(NULL, "POST", "/v1/loom/tasks/finish",
			 "{\"workerId\":\"w6\",\"status\":0}", NULL),
	    400);
	fx_create(fx.d.port, "user1", one(10, 1, NULL), id);
	t = take_named("w6", "CREATE");
	/* Asking again while holding it (a lost answer): the same task. */
	{
		struct json_object *again =
		    fx_take_json(fx.d.port, "w6", 10000);

		cr_assert_not_null(again);
		cr_expect_str_eq(fx_js(again, "taskId"), fx_js(t, "taskId"));
		json_object_put(again);
	}
	cr_expect_eq(finish("other", fx_js(t, "taskId"), 0, NULL), 417);
	cr_expect_eq(finish("w6", fx_js(t, "taskId"), 1,
			 "\"stdout\":\"some output\",\"stderr\":\"an error\""),
	    200);
	cr_expect_eq(finish("w6", fx_js(t, "taskId"), 0, NULL), 417,
	    "finishing twice");
	json_object_put(t);
	acts = fx_node_actions(fx.d.port, "user1", id, &cl);
	a = json_object_array_get_idx(acts, 0);
	cr_expect_str_eq(fx_js(a, "status"), "failed");
	cr_expect_str_eq(fx_js(a, "stdout"), "some output");
	cr_expect_str_eq(fx_js(a, "stderr"), "an error");
	json_object_put(cl);
}

Test(clusters, a_task_that_times_out_fails_and_is_retried)
{
	struct json_object *t, *t2;
	char id[32], task[64];

	fx_create(fx.d.port, "user1", one(11, 1, NULL), id);
	t = take_named("slow", "CREATE");
	snprintf(task, sizeof task, "%s", fx_js(t, "taskId"));
	json_object_put(t);
	/* task.timeout_seconds is 3 here: the retry is offered again. */
	t2 = fx_take_json(fx.d.port, "fast", 10000);
	cr_assert_not_null(t2, "the timed-out task was not retried");
	cr_expect_str_eq(fx_js(t2, "taskId"), task,
	    "a new attempt, same task");
	cr_expect_eq(finish("slow", task, 0, NULL), 417, "the late finish");
	cr_expect_eq(finish("fast", task, 0, NULL), 200);
	json_object_put(t2);
	fx_wait_status(fx.d.port, "user1", id,
	    "PENDING/RUNNING/CLUSTER_CREATE/3/1", 15000);
}

Test(clusters, statuses_rpc_per_user)
{
	struct json_object *o;
	char a[32];

	fx_create(fx.d.port, "user1", one(12, 1, NULL), a);
	fx_create(fx.d.port, "user1", one(13, 1, NULL), a);
	fx_create(fx.d.port, "user2", one(14, 1, NULL), a);
	cr_assert_eq(fx_api("user1", "POST", "/v1/loom/getClusterStatuses",
			 NULL, &o),
	    200);
	cr_expect_eq(json_object_array_length(o), 2);
	json_object_put(o);
	cr_assert_eq(fx_api("user2", "POST", "/v1/loom/getClusterStatuses",
			 NULL, &o),
	    200);
	cr_expect_eq(json_object_array_length(o), 1);
	cr_expect_str_eq(fx_js(json_object_array_get_idx(o, 0), "clusterid"),
	    a);
	json_object_put(o);
	cr_assert_eq(fx_api("admin", "POST", "/v1/loom/getClusterStatuses",
			 NULL, &o),
	    200);
	cr_expect_eq(json_object_array_length(o), 3);
	json_object_put(o);
}

Test(clusters, idempotency_key_answers_once)
{
	struct json_object *o;
	const char *body = "{\"name\":\"idem\",\"numMachines\":1,"
			   "\"clusterTemplate\":\"one-machine\"}";
	struct fx_resp r1, r2, r3;

	fx_http(fx.d.port, "POST", "/v1/loom/clusters",
	    "X-Loom-UserID: user1\nIdempotency-Key: k-1", body, strlen(body),
	    10000, &r1);
	fx_http(fx.d.port, "POST", "/v1/loom/clusters",
	    "X-Loom-UserID: user1\nIdempotency-Key: k-1", body, strlen(body),
	    10000, &r2);
	cr_expect_eq(r1.status, 200);
	cr_expect_eq(r2.status, 200);
	cr_expect_str_eq(r2.body, r1.body, "the same answer");
	body = "{\"name\":\"x\",\"numMachines\":2,\"clusterTemplate\":"
	       "\"one-machine\"}";
	fx_http(fx.d.port, "POST", "/v1/loom/clusters",
	    "X-Loom-UserID: user1\nIdempotency-Key: k-1", body, strlen(body),
	    10000, &r3);
	cr_expect_eq(r3.status, 422);
	fx_resp_free(&r1);
	fx_resp_free(&r2);
	fx_resp_free(&r3);
	cr_assert_eq(fx_api("user1", "GET", "/v1/loom/clusters", NULL, &o),
	    200);
	cr_expect_eq(json_object_array_length(o), 1, "one cluster created");
	json_object_put(o);
}

/* Add a template like one-machine with the given lease. */
static void
lease_template(const char *name, long initial, long max, long step)
{
	char body[512];

	snprintf(body, sizeof body,
	    "{\"name\":\"%s\",\"defaults\":{"
	    "\"services\":[\"zookeeper\"],\"provider\":\"joyent\","
	    "\"config\":{}},\"administration\":{\"leaseduration\":{"
	    "\"initial\":%ld,\"max\":%ld,\"step\":%ld}}}",
	    name, initial, max, step);
	{
		char path[128];

		snprintf(path, sizeof path, "/v1/loom/clustertemplates/%s",
		    name);
		cr_assert_eq(fx_api("admin", "PUT", path, body, NULL), 200,
		    "%s", body);
	}
}

/*
 * Add the template tmpl with the given lease (as lease_template) and create
 * a one-machine cluster name of it as user1; its id into id.
 */
static void
leased_cluster(const char *tmpl, long initial, long max, long step,
    const char *name, char id[32])
{
	char body[256];

	lease_template(tmpl, initial, max, step);
	snprintf(body, sizeof body,
	    "{\"name\":\"%s\",\"numMachines\":1,\"clusterTemplate\":\"%s\"}",
	    name, tmpl);
	fx_create(fx.d.port, "user1", body, id);
}

/* Create with a requested lease (-1: none) and return expire - create,
 * or -1 when the cluster was terminated. */
static long long
lease_of(const char *tmpl, long requested)
{
	char body[256], id[32];
	struct json_object *o;
	long long r;

	if (requested >= 0)
		snprintf(body, sizeof body,
		    "{\"name\":\"l\",\"numMachines\":1,"
		    "\"clusterTemplate\":\"%s\",\"administration\":{"
		    "\"leaseduration\":{\"initial\":%ld}}}",
		    tmpl, requested);
	else
		snprintf(body, sizeof body,
		    "{\"name\":\"l\",\"numMachines\":1,"
		    "\"clusterTemplate\":\"%s\"}",
		    tmpl);
	fx_create(fx.d.port, "user1", body, id);
	fx_wait_status(fx.d.port, "user1", id, "*/*/*/*/*", 15000);
	{
		double deadline = fx_now_ms() + 10000;

		while (fx_now_ms() < deadline) {
			fx_api_cluster("user1", "GET", id, "/status", NULL,
			    &o);
			if (strcmp(fx_js(o, "action"), "SOLVE_LAYOUT") != 0 ||
			    strcmp(fx_js(o, "status"), "TERMINATED") == 0)
				break;
			json_object_put(o);
			o = NULL;
			usleep(50000);
		}
	}
	if (strcmp(fx_js(o, "status"), "TERMINATED") == 0) {
		json_object_put(o);
		return -1;
	}
	json_object_put(o);
	fx_api_cluster("user1", "GET", id, "", NULL, &o);
	r = fx_ji(o, "expireTime") == 0 ?
	    0 :
	    fx_ji(o, "expireTime") - fx_ji(o, "createTime");
	json_object_put(o);
	return r;
}

Test(clusters, lease_table_of_cluster_creation)
{
	lease_template("lease0", 0, 0, 0);
	cr_expect_eq(lease_of("lease0", 200), 200);
	cr_expect_eq(lease_of("lease0", 0), 0);
	cr_expect_eq(lease_of("lease0", -1), 0);
	cr_expect_eq(lease_of("one-machine", 20000), -1);
	cr_expect_eq(lease_of("one-machine", 10000), 10000);
	cr_expect_eq(lease_of("one-machine", 500), 500);
	cr_expect_eq(lease_of("one-machine", 0), -1);
	cr_expect_eq(lease_of("one-machine", -1), 10000);
}

/* POST a new expire time (relative to base) and return the status. */
static long
prolong(const char *id, long long at)
{
	char body[128];

	snprintf(body, sizeof body, "{'expireTime' : %lld}", at);
	return fx_api_cluster("user1", "POST", id, "", body, NULL);
}

Test(clusters, prolong_rules)
{
	struct json_object *o;
	char id[32];
	long long c;

	leased_cluster("limited", 100000, 1200000, 100000, "p", id);
	cr_expect_eq(prolong(id, 1), 400, "PENDING cannot be prolonged");
	complete_all("user1", id, 3);
	fx_api_cluster("user1", "GET", id, "", NULL, &o);
	c = fx_ji(o, "createTime");
	cr_expect_eq(fx_ji(o, "expireTime") - c, 100000);
	json_object_put(o);
	cr_expect_eq(prolong(id, c + 300000), 400, "more than one step");
	cr_expect_eq(prolong(id, c - 100000), 400, "before creation");
	cr_expect_eq(prolong(id, c + 50000), 200, "a reduction");
	cr_expect_eq(prolong(id, c + 150000), 200);
	cr_expect_eq(prolong(id, c + 250000), 200);
	fx_api_cluster("user1", "GET", id, "", NULL, &o);
	cr_expect_eq(fx_ji(o, "expireTime"), c + 250000);
	json_object_put(o);
	{
		long long at = c + 250000;

		while (at + 100000 <= c + 1200000) {
			at += 100000;
			cr_expect_eq(prolong(id, at), 200);
		}
		cr_expect_eq(prolong(id, at + 100000), 400, "beyond max");
	}
	cr_expect_eq(fx_api_cluster("user1", "POST", id, "", "", NULL), 400);
	cr_expect_eq(fx_api_cluster("user1", "POST", id, "", "{'foo':'bar'}",
			 NULL),
	    400);
	/* A template without limits: any time. */
	leased_cluster("forever", 0, 0, 0, "f", id);
	complete_all("user1", id, 3);
	cr_expect_eq(prolong(id, 4102444800000LL), 200);
}

/* A template max near 2^63: create + max must not overflow (it did, and
 * such a cluster could never be prolonged). */
Test(clusters, prolong_with_the_largest_max)
{
	struct json_object *o;
	char id[32];
	long long c;

	leased_cluster("forever", 100000, 9223372036854775807L, 0, "f", id);
	complete_all("user1", id, 3);
	fx_api_cluster("user1", "GET", id, "", NULL, &o);
	c = fx_ji(o, "createTime");
	json_object_put(o);
	cr_expect_eq(prolong(id, c + 1000000000000LL), 200);
	fx_api_cluster("user1", "GET", id, "", NULL, &o);
	cr_expect_eq(fx_ji(o, "expireTime"), c + 1000000000000LL);
	json_object_put(o);
}

/* GET /clusters/{id} as user1: its status and its raw body (owned). */
static long
get_raw(const char *id, char **body)
{
	char path[64];
	struct fx_resp r;

	snprintf(path, sizeof path, "/v1/loom/clusters/%s", id);
	fx_req(fx.d.port, "GET", path, "X-Loom-UserID: user1", NULL, &r);
	*body = r.body;
	return r.status;
}

/* The value of SQL expression expr over cluster id's row, in out. */
static const char *
cluster_sql(const char *id, const char *expr, char *out, size_t n)
{
	return fx_sqlf(&fx.db, fx.dbname, out, n,
	    "SELECT %s FROM clusters WHERE id = %lld", expr,
	    (long long)strtoll(id, NULL, 10));
}

/* Set the columns of cluster id's row as set (SQL) says, behind loomd. */
static void
cluster_set(const char *id, const char *set)
{
	char out[64];

	fx_sqlf(&fx.db, fx.dbname, out, sizeof out,
	    "UPDATE clusters SET %s WHERE id = %lld", set,
	    (long long)strtoll(id, NULL, 10));
}

/*
 * A cluster at rest (its latest job COMPLETE) answers GET from the
 * rendering kept in its row: the bytes of the answer built from its
 * documents, served without building it again.  Every change of the
 * cluster drops the rendering, and a change of the row by any server
 * stops it from being served; one of another layout is never served.
 */
Test(clusters, a_cluster_at_rest_answers_from_its_rendering)
{
	char id[32], out[64], len[32], *b1, *b2, *b3;
	double built, rendered;
	struct json_object *o;
	long long c;

	leased_cluster("limited", 100000, 1200000, 100000, "r", id);
	cr_expect_str_eq(cluster_sql(id, "rendered IS NULL", out, sizeof out),
	    "1", "nothing kept while the job runs");
	complete_all("user1", id, 3);
	built =
	    fx_metric(fx.d.port, "loomd_cluster_gets_total{from=\"built\"}");
	rendered = fx_metric(fx.d.port,
	    "loomd_cluster_gets_total{from=\"rendered\"}");
	cr_assert_eq(get_raw(id, &b1), 200);
	cr_expect_eq(fx_metric(fx.d.port,
			 "loomd_cluster_gets_total{from=\"built\"}"),
	    built + 1);
	snprintf(len, sizeof len, "%zu", strlen(b1));
	cr_expect_str_eq(cluster_sql(id, "LENGTH(rendered)", out, sizeof out),
	    len, "the first GET keeps its answer");
	cr_assert_eq(get_raw(id, &b2), 200);
	cr_expect_str_eq(b2, b1, "the kept answer is the built one");
	cr_expect_eq(fx_metric(fx.d.port,
			 "loomd_cluster_gets_total{from=\"rendered\"}"),
	    rendered + 1);
	free(b2);
	/* What the row holds is what GET sends. */
	cluster_set(id, "rendered = '{\"kept\":1}'");
	cr_assert_eq(get_raw(id, &b2), 200);
	cr_expect_str_eq(b2, "{\"kept\":1}");
	free(b2);
	/*
	 * A change by a server that knows nothing of renderings bumps the
	 * row's version only: the kept answer is not served again.
	 */
	cluster_set(id, "version = version + 1");
	cr_assert_eq(get_raw(id, &b2), 200);
	cr_expect_str_eq(b2, b1, "built again after a change of the row");
	free(b2);
	cr_expect_str_eq(cluster_sql(id,
			     "rendered_version = version AND "
			     "rendered NOT LIKE '%kept%'",
			     out, sizeof out),
	    "1", "and kept again at the new version");
	cluster_set(id, "rendered = '{\"kept\":1}'");
	/* A rendering of another layout is built again and replaced. */
	cluster_set(id, "rendered_format = 0");
	cr_assert_eq(get_raw(id, &b2), 200);
	cr_expect_str_eq(b2, b1);
	free(b2);
	cr_expect_str_eq(cluster_sql(id,
			     "rendered_format > 0 AND rendered "
			     "NOT LIKE '%kept%'",
			     out, sizeof out),
	    "1");
	/* A change of the cluster drops the rendering; the next GET shows it. */
	o = json_tokener_parse(b1);
	c = fx_ji(o, "createTime");
	json_object_put(o);
	cr_assert_eq(prolong(id, c + 150000), 200);
	cr_expect_str_eq(cluster_sql(id, "rendered IS NULL", out, sizeof out),
	    "1");
	cr_assert_eq(get_raw(id, &b3), 200);
	o = json_tokener_parse(b3);
	cr_expect_eq(fx_ji(o, "expireTime"), c + 150000);
	json_object_put(o);
	cr_expect_str_neq(b3, b1);
	free(b3);
	cr_assert_eq(fx_api_cluster("user1", "DELETE", id, "", NULL, NULL),
	    200);
	cr_expect_str_eq(cluster_sql(id, "rendered IS NULL", out, sizeof out),
	    "1", "a new job drops it");
	cr_assert_eq(get_raw(id, &b3), 200);
	o = json_tokener_parse(b3);
	cr_expect_str_eq(fx_js(o, "status"), "pending");
	json_object_put(o);
	cr_expect_str_eq(cluster_sql(id, "rendered IS NULL", out, sizeof out),
	    "1", "nothing kept while a job runs");
	free(b3);
	free(b1);
}

/*
 * Keeping an answer gives way to a real change: with the cluster's row
 * locked by another transaction, a GET answers from the build without
 * waiting for that lock (any other write waits db.read_timeout_ms - 1 s,
 * 2 s in these tests), gives the fill up (loomd_db_dropped_total)
 * and keeps nothing; the first GET after the lock ends keeps it.
 */
Test(clusters, keeping_an_answer_gives_way_to_a_lock)
{
	char id[32], out[64], q[128], err[256];
	double dropped;
	struct fx_resp r;
	MYSQL *my;

	fx_create(fx.d.port, "user1", one(31, 1, NULL), id);
	complete_all("user1", id, 3);
	dropped = fx_metric(fx.d.port, "loomd_db_dropped_total");
	cr_assert_geq(dropped, 0);
	my = fx_db_connect(&fx.db, fx.dbname, err, sizeof err);
	cr_assert_not_null(my, "%s", err);
	snprintf(q, sizeof q,
	    "SELECT id FROM clusters WHERE id = %lld FOR UPDATE",
	    strtoll(id, NULL, 10));
	cr_assert_eq(mysql_query(my, "START TRANSACTION"), 0);
	cr_assert_eq(mysql_query(my, q), 0, "%s", mysql_error(my));
	mysql_free_result(mysql_store_result(my));
	snprintf(q, sizeof q, "/v1/loom/clusters/%s", id);
	cr_expect_eq(fx_req(fx.d.port, "GET", q, "X-Loom-UserID: user1", NULL,
			 &r),
	    200);
	cr_expect_lt(r.ms, 1000, "the GET waited %.0f ms for the lock", r.ms);
	fx_resp_free(&r);
	cr_expect_eq(fx_metric(fx.d.port, "loomd_db_dropped_total"),
	    dropped + 1);
	cr_expect_str_eq(cluster_sql(id, "rendered IS NULL", out, sizeof out),
	    "1");
	cr_assert_eq(mysql_query(my, "COMMIT"), 0);
	mysql_close(my);
	cr_expect_eq(fx_req(fx.d.port, "GET", q, "X-Loom-UserID: user1", NULL,
			 &r),
	    200);
	fx_resp_free(&r);
	cr_expect_str_eq(cluster_sql(id, "rendered IS NOT NULL", out,
			     sizeof out),
	    "1", "kept once the lock is gone");
}

Test(clusters, expired_clusters_are_deleted_by_the_system)
{
	char id[32];
	struct json_object *t;

	leased_cluster("short", 1000, 0, 0, "e", id);
	complete_all("user1", id, 3);
	/* The lease of one second runs out: a delete job appears. */
	t = fx_take_json(fx.d.port, "w7", 10000);
	cr_assert_not_null(t, "no DELETE task after expiry");
	cr_expect_str_eq(fx_js(t, "taskName"), "DELETE");
	cr_expect_eq(finish("w7", fx_js(t, "taskId"), 0, NULL), 200);
	json_object_put(t);
	fx_wait_status(fx.d.port, "user1", id,
	    "TERMINATED/COMPLETE/CLUSTER_DELETE/1/1", 15000);
}

Test(clusters, long_logs_are_cut_and_old_actions_dropped)
{
	struct json_object *t, *cl, *acts, *a;
	char id[32];
	int i;

	fx_create(fx.d.port, "user1", one(15, 1, NULL), id);
	/* node.max_log_length is 16 and node.max_actions 4 here. */
	for (i = 0; i < 3; i++) {
		t = take_named("w8", "CREATE");
		cr_assert_eq(
		    finish("w8", fx_js(t, "taskId"), 1,
			"\"stdout\":\"0123456789abcdefXYZ\",\"stderr\":\"e\""),
		    200);
		json_object_put(t);
	}
	fx_wait_status(fx.d.port, "user1", id,
	    "INCOMPLETE/FAILED/CLUSTER_CREATE/*/*", 15000);
	acts = fx_node_actions(fx.d.port, "user1", id, &cl);
	cr_expect_eq(json_object_array_length(acts), 3);
	a = json_object_array_get_idx(acts, 0);
	cr_expect_str_eq(fx_js(a, "stdout"), "[snipped]3456789abcdefXYZ");
	cr_expect_str_eq(fx_js(a, "stderr"), "e");
	json_object_put(cl);
}

Test(clusters, a_macro_error_fails_the_task)
{
	struct json_object *t, *cl;
	char id[32];
	int i;

	cr_assert_eq(
	    fx_api("admin", "PUT", "/v1/loom/services/svcm",
		"{\"name\":\"svcm\",\"provisioner\":{\"actions\":{\"install\":"
		"{\"type\":\"shell\",\"script\":\"install.sh\"}}}}",
		NULL),
	    200);
	cr_assert_eq(
	    fx_api("admin", "PUT", "/v1/loom/clustertemplates/macrobad",
		"{\"name\":\"macrobad\",\"defaults\":{\"services\":[\"svcm\"],"
		"\"provider\":\"joyent\",\"config\":{\"x\":"
		"\"%nonsense.macro%\"}}}",
		NULL),
	    200);
	fx_create(fx.d.port, "user1",
	    "{\"name\":\"mb\",\"numMachines\":1,"
	    "\"clusterTemplate\":\"macrobad\"}",
	    id);
	for (i = 0; i < 3; i++) {
		t = fx_take_json(fx.d.port, "w9", 10000);
		cr_assert_not_null(t, "hardware task %d", i);
		cr_assert_eq(finish("w9", fx_js(t, "taskId"), 0, NULL), 200);
		json_object_put(t);
	}
	/* INSTALL cannot be configured: it fails, is retried, and fails. */
	fx_wait_status(fx.d.port, "user1", id,
	    "INCOMPLETE/FAILED/CLUSTER_CREATE/4/3", 15000);
	cr_assert_eq(fx_api_cluster("user1", "GET", id, "", NULL, &cl), 200);
	cr_expect(strncmp(fx_js(cl, "message"),
		      "Exception while expanding "
		      "macros: ",
		      34) == 0,
	    "message: %s", fx_js(cl, "message"));
	json_object_put(cl);
	cr_expect_eq(fx_take(fx.d.port, "w9", NULL), 204,
	    "the task never reached a worker");
}

/* Wall-clock milliseconds, the clock loomd stamps actions with. */
static int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#define ACT_LEN 512
#define ACT_MAX 8

/*
 * The actions of the one node of cluster id as GET /clusters/{id} sends
 * them, each as its text, into acts; returns how many.
 */
static size_t
actions_text(const char *id, char acts[ACT_MAX][ACT_LEN])
{
	struct json_object *cl, *a;
	size_t i, n;

	a = fx_node_actions(fx.d.port, "user1", id, &cl);
	cr_assert_not_null(a, "the node has actions");
	n = json_object_array_length(a);
	cr_assert_leq(n, ACT_MAX);
	for (i = 0; i < n; i++)
		snprintf(acts[i], ACT_LEN, "%s",
		    json_object_to_json_string_ext(json_object_array_get_idx(a,
						       i),
			JSON_C_TO_STRING_PLAIN));
	json_object_put(cl);
	return n;
}

/*
 * Expect GET of cluster id to show the node's actions prev[0, n) and
 * then last, the oldest dropped past node.max_actions (4 here), byte for
 * byte; prev becomes what it shows.  Returns the new count.
 */
static size_t
expect_actions(const char *id, char prev[ACT_MAX][ACT_LEN], size_t n,
    const char *last)
{
	char got[ACT_MAX][ACT_LEN];
	size_t k, i, skip;

	k = actions_text(id, got);
	snprintf(prev[n], ACT_LEN, "%s", last);
	n++;
	skip = n > 4 ? n - 4 : 0;
	cr_expect_eq(k, n - skip, "%zu actions shown", k);
	for (i = 0; i < k && i + skip < n; i++)
		cr_expect_str_eq(got[i], prev[i + skip], "action %zu: %s", i,
		    got[i]);
	for (i = 0; i < k; i++)
		snprintf(prev[i], ACT_LEN, "%s", got[i]);
	return k;
}

/* The in_progress action of task, taken at taken_at (text). */
static void
running_action(char out[ACT_LEN], const char *task, const char *service,
    const char *name, const char *taken_at)
{
	snprintf(out, ACT_LEN,
	    "{\"taskId\":\"%s\",\"service\":\"%s\",\"action\":\"%s\","
	    "\"submitTime\":%s,\"statusTime\":%s,\"status\":"
	    "\"in_progress\"}",
	    task, service, name, taken_at, taken_at);
}

/*
 * The ended action of task (status, then logs when it failed: logs is
 * their text, ",\"stdout\":...,\"stderr\":..."), statusTime read from
 * what GET shows last and checked to lie in [lo, hi].
 */
static void
ended_action(char out[ACT_LEN], const char *id, const char *task,
    const char *service, const char *name, const char *taken_at,
    const char *status, const char *logs, int64_t lo, int64_t hi)
{
	struct json_object *cl, *a, *v;
	int64_t at;

	a = fx_node_actions(fx.d.port, "user1", id, &cl);
	a = json_object_array_get_idx(a, json_object_array_length(a) - 1);
	cr_assert(json_object_object_get_ex(a, "statusTime", &v));
	at = json_object_get_int64(v);
	cr_expect(at >= lo && at <= hi, "statusTime %lld in [%lld, %lld]",
	    (long long)at, (long long)lo, (long long)hi);
	json_object_put(cl);
	snprintf(out, ACT_LEN,
	    "{\"taskId\":\"%s\",\"service\":\"%s\",\"action\":\"%s\","
	    "\"submitTime\":%s,\"statusTime\":%lld,\"status\":\"%s\"%s}",
	    task, service, name, taken_at, (long long)at, status, logs);
}

Test(clusters, running_and_ended_tasks_show_on_their_node)
{
	struct json_object *t;
	char id[32], task[64], name[32], svc[64], at[32];
	char prev[ACT_MAX][ACT_LEN], act[ACT_LEN];
	size_t n = 0;
	int64_t t0, t1;
	int confirms = 0, i;

	/*
	 * CREATE completes, CONFIRM fails three times (each failure rolls
	 * back with a node-less DELETE and creates again): six actions on
	 * the node, four kept.  While each task runs GET shows it last, in
	 * progress, submitted and stamped at its take; once it ends, closed
	 * in place.  The same bytes as when the take wrote it into the node.
	 */
	fx_create(fx.d.port, "user1", one(21, 1, NULL), id);
	for (i = 0; i < 12 && confirms < 3; i++) {
		t = fx_take_json(fx.d.port, "w21", 10000);
		cr_assert_not_null(t, "task %d", i);
		snprintf(task, sizeof task, "%s", fx_js(t, "taskId"));
		snprintf(name, sizeof name, "%s", fx_js(t, "taskName"));
		if (fx_js(t, "nodeId")[0] == '\0') { /* the rollback */
			cr_assert_eq(finish("w21", task, 0, NULL), 200);
			json_object_put(t);
			continue;
		}
		json_object_put(t);
		fx_sqlf(&fx.db, fx.dbname, at, sizeof at,
		    "SELECT taken_at FROM tasks WHERE id = '%s'", task);
		fx_sqlf(&fx.db, fx.dbname, svc, sizeof svc,
		    "SELECT service FROM tasks WHERE id = '%s'", task);
		running_action(act, task, svc, name, at);
		n = expect_actions(id, prev, n, act);
		t0 = wall_ms();
		if (strcmp(name, "CONFIRM") == 0) {
			cr_assert_eq(finish("w21", task, 1,
					 "\"stdout\":\"0123456789abcdefXYZ\","
					 "\"stderr\":\"e\""),
			    200);
			t1 = wall_ms();
			confirms++;
			ended_action(act, id, task, svc, name, at, "failed",
			    ",\"stdout\":\"[snipped]3456789abcdefXYZ\","
			    "\"stderr\":\"e\"",
			    t0, t1);
		} else {
			cr_assert_eq(finish("w21", task, 0,
					 "\"result\":{\"ipaddress\":"
					 "\"10.2.1.1\"}"),
			    200);
			t1 = wall_ms();
			ended_action(act, id, task, svc, name, at, "complete",
			    "", t0, t1);
		}
		/* The ended action replaces the running one. */
		n--;
		n = expect_actions(id, prev, n, act);
	}
	cr_expect_eq(confirms, 3);
	cr_expect_eq(n, 4, "node.max_actions kept");
	fx_wait_status(fx.d.port, "user1", id,
	    "INCOMPLETE/FAILED/CLUSTER_CREATE/5/3", 15000);
	cr_expect_eq(fx_cluster_tasks(id, "q_state = 'taken'"), 0);
	n = actions_text(id, prev);
	cr_expect(strstr(prev[n - 1], "\"status\":\"failed\"") != NULL, "%s",
	    prev[n - 1]);
}

Test(clusters, a_timed_out_task_shows_failed_then_runs_again)
{
	struct json_object *t;
	char id[32], task[64], svc[64], at[32], at2[32];
	char prev[ACT_MAX][ACT_LEN], act[ACT_LEN], n1[64];
	size_t n = 0;
	int64_t t0;

	fx_create(fx.d.port, "user1", one(22, 1, NULL), id);
	t = take_named("slow22", "CREATE");
	snprintf(task, sizeof task, "%s", fx_js(t, "taskId"));
	json_object_put(t);
	fx_sqlf(&fx.db, fx.dbname, at, sizeof at,
	    "SELECT taken_at FROM tasks WHERE id = '%s'", task);
	fx_sqlf(&fx.db, fx.dbname, svc, sizeof svc,
	    "SELECT service FROM tasks WHERE id = '%s'", task);
	running_action(act, task, svc, "CREATE", at);
	n = expect_actions(id, prev, n, act);
	/*
	 * task.timeout_seconds is 3 here: the action ends failed, its
	 * stderr the reason (cut to node.max_log_length, 16), and the
	 * task's next attempt runs as a new action after it.
	 */
	cr_assert_str_eq(fx_sqlf_wait(&fx.db, fx.dbname, "1", 15000, 50, n1,
			     sizeof n1,
			     "SELECT attempts > 1 OR status = 'FAILED' FROM "
			     "tasks WHERE id = '%s'",
			     task),
	    "1", "the task timed out");
	t0 = wall_ms();
	ended_action(act, id, task, svc, "CREATE", at, "failed",
	    ",\"stdout\":\"\",\"stderr\":\"[snipped]tem after 3 secs\"",
	    strtoll(at, NULL, 10) + 3000, t0);
	n--;
	n = expect_actions(id, prev, n, act);
	t = take_named("fast22", "CREATE");
	cr_expect_str_eq(fx_js(t, "taskId"), task, "a new attempt");
	json_object_put(t);
	fx_sqlf(&fx.db, fx.dbname, at2, sizeof at2,
	    "SELECT taken_at FROM tasks WHERE id = '%s'", task);
	running_action(act, task, svc, "CREATE", at2);
	n = expect_actions(id, prev, n, act);
	cr_expect_eq(finish("slow22", task, 0, NULL), 417, "the late finish");
	t0 = wall_ms();
	cr_assert_eq(finish("fast22", task, 0, NULL), 200);
	ended_action(act, id, task, svc, "CREATE", at2, "complete", "", t0,
	    wall_ms());
	n--;
	n = expect_actions(id, prev, n, act);
	cr_expect_eq(n, 2);
}
