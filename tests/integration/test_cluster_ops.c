/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_cluster_ops.c - the cluster operations Loom 0.9.7 and Coopr 0.9.9
 * added on top of 0.9 (LOOM-0.9.7-OPS.md sections 2.1, 8.1, 8.7 and 10),
 * on a real loomd and a real mariadbd, through HTTP: the INCONSISTENT
 * status and the rules of the 0.9 operations that meet it, latestJobId,
 * pause and resume, the status filter of the list, the template size
 * constraint and getNodeProperties.  The test plays the provisioner with
 * take/finish, on the catalogue of the 0.9 cluster-handler tests.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"

/*
 * A take with no task answers at once: the tests look for none.  A hand-out
 * not delivered within a second is queued again.
 */
FX_SUITE(cluster_ops, "task = { take_wait_ms = 0; undelivered_seconds = 1; };",
    FX_CLUSTER_FIXTURES, .timeout = 120);
FX_MAIN(FX_NEED_DB, 0)

/* One SQL statement on the test's database; its first value in out. */
static void sql(char *out, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
sql(char *out, size_t n, const char *fmt, ...)
{
	char q[1024], buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q, sizeof q, fmt, ap);
	va_end(ap);
	cr_assert_eq(fx_sql(&fx.db, fx.dbname, q, out != NULL ? out : buf,
			 out != NULL ? n : sizeof buf),
	    0, "%s: %s", q, out != NULL ? out : buf);
}

/* Finish a task with status 0 and an ipaddress result. */
static long
finish(const char *worker, const char *task)
{
	char body[512];

	snprintf(body, sizeof body,
	    "{\"workerId\":\"%s\",\"taskId\":\"%s\",\"status\":0,"
	    "\"result\":{\"ipaddress\":\"10.1.1.1\"}}",
	    worker, task);
	return fx_api(NULL, "POST", "/v1/loom/tasks/finish", body, NULL);
}

/* Take and finish n tasks. */
static void
complete_n(int n)
{
	struct json_object *t;
	int i;

	for (i = 0; i < n; i++) {
		t = fx_take_json(fx.d.port, "w-all", 10000);
		cr_assert_not_null(t, "task %d of %d", i + 1, n);
		cr_assert_eq(finish("w-all", fx_js(t, "taskId")), 200);
		json_object_put(t);
	}
}

/* A one-machine cluster of n machines named c<k>, ACTIVE when active. */
static void
one(const char *user, int k, int n, bool active, char id[32])
{
	char body[256];

	snprintf(body, sizeof body,
	    "{\"name\":\"c%d\",\"numMachines\":%d,"
	    "\"clusterTemplate\":\"one-machine\"}",
	    k, n);
	fx_create(fx.d.port, user, body, id);
	if (!active)
		return;
	complete_n(3 * n);
	snprintf(body, sizeof body, "ACTIVE/COMPLETE/CLUSTER_CREATE/%d/%d",
	    3 * n, 3 * n);
	fx_wait_status(fx.d.port, user, id, body, 15000);
}

/*
 * Put an ACTIVE cluster in INCONSISTENT as a failed day-2 job leaves it.
 * There is no day-2 route to fail yet, so the test writes the status with
 * SQL, in the column and in the stored document as loomd writes both.
 */
static void
make_inconsistent(const char *id)
{
	sql(NULL, 0,
	    "UPDATE clusters SET status = 'INCONSISTENT', doc = "
	    "JSON_SET(doc, '$.status', 'inconsistent') WHERE id = %lld",
	    atoll(id));
}

/* GET path as user: the body as JSON text ("" on another status). */
static void
get_text(const char *user, const char *path, char *out, size_t n)
{
	struct json_object *o = NULL;

	out[0] = '\0';
	if (fx_api(user, "GET", path, NULL, &o) == 200 && o != NULL)
		snprintf(out, n, "%s",
		    json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}

/* The ids of GET /v1/loom/clusters<query> as user, "a,b,..." in order. */
static void
list_ids(const char *user, const char *query, char *out, size_t n)
{
	struct json_object *o = NULL;
	char path[256];
	size_t i;

	snprintf(path, sizeof path, "/v1/loom/clusters%s", query);
	out[0] = '\0';
	cr_assert_eq(fx_api(user, "GET", path, NULL, &o), 200, "%s", path);
	for (i = 0; i < json_object_array_length(o); i++) {
		size_t len = strlen(out);

		snprintf(out + len, n - len, "%s%s", i > 0 ? "," : "",
		    fx_js(json_object_array_get_idx(o, i), "id"));
	}
	json_object_put(o);
}

/* ---------------------------------------------------------------- */
/* INCONSISTENT                                                     */

Test(cluster_ops, inconsistent_is_shown_and_0_9_operations_accept_it)
{
	struct json_object *o;
	char id[32], got[256], body[128];
	long long create;

	one("user1", 1, 1, true, id);
	make_inconsistent(id);
	/* Lower-case in the cluster JSON, upper-case in status and lists. */
	cr_assert_eq(fx_api_cluster("user1", "GET", id, "", NULL, &o), 200);
	cr_expect_str_eq(fx_js(o, "status"), "inconsistent");
	create = (long long)fx_ji(o, "createTime");
	json_object_put(o);
	fx_status_line(fx.d.port, "user1", id, got, sizeof got);
	cr_expect_str_eq(got, "INCONSISTENT/COMPLETE/CLUSTER_CREATE/3/3");
	cr_assert_eq(fx_api("user1", "GET", "/v1/loom/clusters", NULL, &o),
	    200);
	cr_expect_str_eq(fx_js(json_object_array_get_idx(o, 0), "status"),
	    "INCONSISTENT");
	json_object_put(o);
	cr_assert_eq(fx_api("user1", "POST", "/v1/loom/getClusterStatuses",
			 NULL, &o),
	    200);
	cr_expect_str_eq(fx_js(json_object_array_get_idx(o, 0), "status"),
	    "INCONSISTENT");
	json_object_put(o);

	/* The lease may change (section 2.1)... */
	snprintf(body, sizeof body, "{\"expireTime\":%lld}", create + 14000);
	cr_expect_eq(fx_api_cluster("user1", "POST", id, "", body, NULL), 200);
	cr_assert_eq(fx_api_cluster("user1", "GET", id, "", NULL, &o), 200);
	cr_expect_eq(fx_ji(o, "expireTime"), create + 14000);
	cr_expect_str_eq(fx_js(o, "status"), "inconsistent",
	    "a lease change leaves the status");
	json_object_put(o);

	/* ...and the cluster may be deleted. */
	cr_assert_eq(fx_api_cluster("user1", "DELETE", id, "", NULL, NULL),
	    200);
	fx_wait_status(fx.d.port, "user1", id,
	    "PENDING/RUNNING/CLUSTER_DELETE/1/0", 15000);
	complete_n(1);
	fx_wait_status(fx.d.port, "user1", id,
	    "TERMINATED/COMPLETE/CLUSTER_DELETE/1/1", 15000);
}

Test(cluster_ops, an_expired_inconsistent_cluster_is_deleted)
{
	struct json_object *t;
	char id[32], keep[32], got[256];

	one("user1", 1, 1, true, id);
	one("user1", 2, 1, true, keep);
	make_inconsistent(id);
	make_inconsistent(keep);
	/* Only the first one's lease has run out. */
	sql(NULL, 0, "UPDATE clusters SET expire_time = 1 WHERE id = %lld",
	    atoll(id));
	t = fx_take_json(fx.d.port, "w-exp", 10000);
	cr_assert_not_null(t, "no DELETE task after expiry");
	cr_expect_str_eq(fx_js(t, "taskName"), "DELETE");
	cr_expect_str_eq(fx_js(t, "clusterId"), id);
	cr_expect_eq(finish("w-exp", fx_js(t, "taskId")), 200);
	json_object_put(t);
	fx_wait_status(fx.d.port, "user1", id,
	    "TERMINATED/COMPLETE/CLUSTER_DELETE/1/1", 15000);
	fx_status_line(fx.d.port, "user1", keep, got, sizeof got);
	cr_expect_str_eq(got, "INCONSISTENT/COMPLETE/CLUSTER_CREATE/3/3");
}

Test(cluster_ops, only_a_cluster_create_job_can_be_aborted)
{
	char id[32], path[128], got[256];

	one("user1", 1, 1, false, id);
	fx_wait_status(fx.d.port, "user1", id,
	    "PENDING/RUNNING/CLUSTER_CREATE/3/0", 15000);
	/*
	 * A running day-2 job: no route starts one yet, so the test renames
	 * the running job's action with SQL.
	 */
	sql(NULL, 0,
	    "UPDATE jobs SET action = 'CLUSTER_CONFIGURE' WHERE cluster_id = "
	    "%lld AND status = 'RUNNING'",
	    atoll(id));
	snprintf(path, sizeof path, "/v1/loom/clusters/%s/abort", id);
	fx_expect_loom(fx.d.port, "POST", path, "X-Loom-UserID: user1", NULL,
	    409, "Cannot be aborted at this time.");
	fx_status_line(fx.d.port, "user1", id, got, sizeof got);
	cr_expect_str_eq(got, "PENDING/RUNNING/CLUSTER_CONFIGURE/3/0",
	    "the refused abort changed nothing");
}

/* ---------------------------------------------------------------- */
/* latestJobId                                                      */

Test(cluster_ops, latest_job_id_follows_the_jobs)
{
	struct json_object *o, *jobs;
	char id[32], first[64];
	size_t n;

	one("user1", 1, 1, true, id);
	cr_assert_eq(fx_api_cluster("user1", "GET", id, "", NULL, &o), 200);
	cr_assert(json_object_object_get_ex(o, "jobs", &jobs),
	    "jobs stays beside latestJobId");
	/* The solve job and the create job. */
	n = json_object_array_length(jobs);
	cr_assert_eq(n, 2);
	snprintf(first, sizeof first, "%s",
	    json_object_get_string(json_object_array_get_idx(jobs, 1)));
	cr_expect_str_eq(fx_js(o, "latestJobId"), first);
	cr_expect_eq(strncmp(first, id, 8), 0, "job %s of cluster %s", first,
	    id);
	json_object_put(o);
	cr_assert_eq(fx_api_cluster("user1", "DELETE", id, "", NULL, NULL),
	    200);
	cr_assert_eq(fx_api_cluster("user1", "GET", id, "", NULL, &o), 200);
	json_object_object_get_ex(o, "jobs", &jobs);
	cr_assert_eq(json_object_array_length(jobs), 3);
	cr_expect_str_eq(fx_js(o, "latestJobId"),
	    json_object_get_string(json_object_array_get_idx(jobs, 2)));
	cr_expect_str_neq(fx_js(o, "latestJobId"), first);
	json_object_put(o);
}

/* ---------------------------------------------------------------- */
/* Pause and resume                                                 */

/*
 * POST /clusters/{id}/<op> (pause or resume) as user1; then the cluster's
 * status line is status and its message is message.
 */
static void
pause_or_resume(const char *id, const char *op, const char *status,
    const char *message)
{
	struct json_object *o = NULL;
	char path[128], got[256];

	snprintf(path, sizeof path, "/v1/loom/clusters/%s/%s", id, op);
	cr_assert_eq(fx_api("user1", "POST", path, NULL, NULL), 200, "%s", op);
	fx_status_line(fx.d.port, "user1", id, got, sizeof got);
	cr_expect_str_eq(got, status, "after %s", op);
	snprintf(path, sizeof path, "/v1/loom/clusters/%s", id);
	cr_assert_eq(fx_api("user1", "GET", path, NULL, &o), 200);
	cr_expect_str_eq(fx_js(o, "message"), message, "after %s", op);
	json_object_put(o);
}

Test(cluster_ops, pause_holds_new_tasks_and_resume_continues)
{
	struct json_object *t, *t2;
	char id[32], got[256], v[64];

	/* Two machines, six tasks: two CREATEs done, the CONFIRMs queued. */
	one("user1", 1, 2, false, id);
	complete_n(2);
	fx_wait_status(fx.d.port, "user1", id,
	    "PENDING/RUNNING/CLUSTER_CREATE/6/2", 15000);
	/* One CONFIRM is in flight when the job is paused. */
	t = fx_take_json(fx.d.port, "w1", 10000);
	cr_assert_not_null(t);
	cr_expect_str_eq(fx_js(t, "taskName"), "CONFIRM");
	pause_or_resume(id, "pause", "PENDING/PAUSED/CLUSTER_CREATE/6/2",
	    "Paused by user.");
	cr_expect_eq(fx_take(fx.d.port, "w2", NULL), 204,
	    "a paused job hands out nothing");
	/* The task in flight finishes and is recorded. */
	cr_expect_eq(finish("w1", fx_js(t, "taskId")), 200);
	json_object_put(t);
	usleep(600000); /* a scheduler pass or more */
	fx_status_line(fx.d.port, "user1", id, got, sizeof got);
	cr_expect_str_eq(got, "PENDING/PAUSED/CLUSTER_CREATE/6/3");
	cr_expect_eq(fx_take(fx.d.port, "w2", NULL), 204,
	    "still nothing while paused");
	/* The pause is in the database, so any loomd honours it. */
	sql(v, sizeof v,
	    "SELECT CONCAT(status, '/', current_stage) FROM jobs WHERE "
	    "cluster_id = %lld AND action = 'CLUSTER_CREATE'",
	    atoll(id));
	cr_expect_str_eq(v, "PAUSED/1", "no stage advance while paused");
	sql(v, sizeof v,
	    "SELECT GROUP_CONCAT(q_state ORDER BY q_state) FROM tasks WHERE "
	    "cluster_id = %lld AND stage = 1",
	    atoll(id));
	cr_expect_str_eq(v, "none,paused", "one done, one held back");
	{
		struct fx_resp m;

		cr_assert_eq(fx_http(fx.d.port, "GET", "/metrics", NULL, NULL,
				 0, 5000, &m),
		    0);
		cr_expect(strstr(m.body,
			      "loomd_jobs{action=\"CLUSTER_CREATE\","
			      "status=\"PAUSED\"} 1") != NULL,
		    "paused job in /metrics");
		cr_expect(strstr(m.body, "queue=\"paused\"} 1") != NULL,
		    "held task in /metrics");
		fx_resp_free(&m);
	}
	cr_expect_eq(fx_daemon_stop(&fx.d), 0);
	cr_assert_eq(fx_daemon_start(&fx.d, NULL), 0, "loomd restarts");
	usleep(600000);
	cr_expect_eq(fx_take(fx.d.port, "w2", NULL), 204,
	    "a restarted loomd keeps the pause");
	/* Resume: the held CONFIRM, then the BOOTSTRAPs. */
	pause_or_resume(id, "resume", "PENDING/RUNNING/CLUSTER_CREATE/6/3",
	    "Resumed by user.");
	t = fx_take_json(fx.d.port, "w2", 10000);
	cr_assert_not_null(t, "resume hands the held task out");
	cr_expect_str_eq(fx_js(t, "taskName"), "CONFIRM");
	cr_expect_eq(finish("w2", fx_js(t, "taskId")), 200);
	json_object_put(t);
	/*
	 * Both BOOTSTRAPs in flight, then paused: their finishes complete
	 * the last stage, yet the job does not end until it is resumed.
	 */
	fx_wait_status(fx.d.port, "user1", id,
	    "PENDING/RUNNING/CLUSTER_CREATE/6/4", 15000);
	t = fx_take_json(fx.d.port, "w3", 10000);
	cr_assert_not_null(t);
	t2 = fx_take_json(fx.d.port, "w4", 10000);
	cr_assert_not_null(t2);
	cr_expect_str_eq(fx_js(t2, "taskName"), "BOOTSTRAP");
	cr_assert_eq(fx_api_cluster("user1", "POST", id, "/pause", NULL, NULL),
	    200);
	cr_expect_eq(finish("w3", fx_js(t, "taskId")), 200);
	cr_expect_eq(finish("w4", fx_js(t2, "taskId")), 200);
	json_object_put(t);
	json_object_put(t2);
	usleep(600000);
	fx_status_line(fx.d.port, "user1", id, got, sizeof got);
	cr_expect_str_eq(got, "PENDING/PAUSED/CLUSTER_CREATE/6/6");
	cr_assert_eq(fx_api_cluster("user1", "POST", id, "/resume", NULL,
			 NULL),
	    200);
	fx_wait_status(fx.d.port, "user1", id,
	    "ACTIVE/COMPLETE/CLUSTER_CREATE/6/6", 15000);
}

Test(cluster_ops, a_lost_hand_out_of_a_paused_job_waits_for_resume)
{
	struct json_object *t;
	char id[32], task[64], v[64];
	double deadline;

	one("user1", 1, 1, false, id);
	t = fx_take_json(fx.d.port, "w1", 10000);
	cr_assert_not_null(t);
	snprintf(task, sizeof task, "%s", fx_js(t, "taskId"));
	json_object_put(t);
	cr_assert_eq(fx_api_cluster("user1", "POST", id, "/pause", NULL, NULL),
	    200);
	/*
	 * The state a loomd leaves when it dies between a take's commit and
	 * its answer: the hand-out is on record, its delivery is not.
	 */
	deadline = fx_now_ms() + 10000;
	do {
		sql(v, sizeof v,
		    "SELECT COUNT(*) FROM task_takes WHERE task_id = '%s' "
		    "AND delivered_at IS NOT NULL",
		    task);
	} while (strcmp(v, "1") != 0 && fx_now_ms() < deadline &&
	    usleep(20000) == 0);
	sql(NULL, 0,
	    "UPDATE task_takes SET delivered_at = NULL WHERE task_id = '%s'",
	    task);
	deadline = fx_now_ms() + 10000;
	do {
		usleep(100000);
		sql(v, sizeof v, "SELECT q_state FROM tasks WHERE id = '%s'",
		    task);
	} while (strcmp(v, "taken") == 0 && fx_now_ms() < deadline);
	cr_expect_str_eq(v, "paused", "queued again, but held back");
	cr_expect_eq(fx_take(fx.d.port, "w2", NULL), 204);
	cr_assert_eq(fx_api_cluster("user1", "POST", id, "/resume", NULL,
			 NULL),
	    200);
	t = fx_take_json(fx.d.port, "w2", 10000);
	cr_assert_not_null(t);
	cr_expect_str_eq(fx_js(t, "taskId"), task);
	json_object_put(t);
}

/* Coopr 0.9.9 ClusterHandlerTest.testPauseResumeCluster, as written. */
Test(cluster_ops, coopr_pause_resume_cluster)
{
	char id[32], got[256];

	one("user1", 1, 2, false, id);
	complete_n(2);
	cr_assert_eq(fx_api_cluster("user1", "POST", id, "/pause", NULL, NULL),
	    200);
	fx_status_line(fx.d.port, "user1", id, got, sizeof got);
	cr_expect_str_eq(got, "PENDING/PAUSED/CLUSTER_CREATE/6/2");
	cr_assert_eq(fx_api_cluster("user1", "POST", id, "/resume", NULL,
			 NULL),
	    200);
	fx_status_line(fx.d.port, "user1", id, got, sizeof got);
	cr_expect_str_eq(got, "PENDING/RUNNING/CLUSTER_CREATE/6/2");
	complete_n(4);
	fx_wait_status(fx.d.port, "user1", id,
	    "ACTIVE/COMPLETE/CLUSTER_CREATE/6/6", 15000);
}

Test(cluster_ops, pause_and_resume_rules)
{
	char id[32], other[32], path[128], got[256];

	/* Nothing running: a 200 no-op. */
	one("user1", 1, 1, true, id);
	snprintf(path, sizeof path, "/v1/loom/clusters/%s/pause", id);
	cr_expect_eq(fx_api("user1", "POST", path, NULL, NULL), 200);
	snprintf(path, sizeof path, "/v1/loom/clusters/%s/resume", id);
	cr_expect_eq(fx_api("user1", "POST", path, NULL, NULL), 200);
	fx_status_line(fx.d.port, "user1", id, got, sizeof got);
	cr_expect_str_eq(got, "ACTIVE/COMPLETE/CLUSTER_CREATE/3/3");
	/* Resume of a job that is not paused changes nothing. */
	one("user1", 2, 1, false, other);
	fx_wait_status(fx.d.port, "user1", other,
	    "PENDING/RUNNING/CLUSTER_CREATE/3/0", 15000);
	snprintf(path, sizeof path, "/v1/loom/clusters/%s/resume", other);
	cr_expect_eq(fx_api("user1", "POST", path, NULL, NULL), 200);
	fx_status_line(fx.d.port, "user1", other, got, sizeof got);
	cr_expect_str_eq(got, "PENDING/RUNNING/CLUSTER_CREATE/3/0");
	/* Unknown, or another user's: not found, in Loom's words. */
	fx_expect_loom(fx.d.port, "POST", "/v1/loom/clusters/00000999/pause",
	    "X-Loom-UserID: user1", NULL, 404, "cluster 00000999 not found.");
	snprintf(path, sizeof path, "/v1/loom/clusters/%s/pause", other);
	{
		char msg[64];

		snprintf(msg, sizeof msg, "cluster %s not found.", other);
		fx_expect_loom(fx.d.port, "POST", path, "X-Loom-UserID: user2",
		    NULL, 404, msg);
		snprintf(path, sizeof path, "/v1/loom/clusters/%s/resume",
		    other);
		fx_expect_loom(fx.d.port, "POST", path, "X-Loom-UserID: user2",
		    NULL, 404, msg);
	}
	fx_expect_loom(fx.d.port, "POST", path, NULL, NULL, 401,
	    "X-Loom-UserID not found in the request header.");
	/* Pausing twice is pausing once; the admin sees all clusters. */
	snprintf(path, sizeof path, "/v1/loom/clusters/%s/pause", other);
	cr_expect_eq(fx_api("admin", "POST", path, NULL, NULL), 200);
	cr_expect_eq(fx_api("user1", "POST", path, NULL, NULL), 200);
	fx_status_line(fx.d.port, "user1", other, got, sizeof got);
	cr_expect_str_eq(got, "PENDING/PAUSED/CLUSTER_CREATE/3/0");
	cr_expect_eq(fx_take(fx.d.port, "w", NULL), 204);
}

Test(cluster_ops, a_paused_create_can_be_aborted)
{
	char id[32];

	one("user1", 1, 2, false, id);
	complete_n(2);
	fx_wait_status(fx.d.port, "user1", id,
	    "PENDING/RUNNING/CLUSTER_CREATE/6/2", 15000);
	cr_assert_eq(fx_api_cluster("user1", "POST", id, "/pause", NULL, NULL),
	    200);
	cr_assert_eq(fx_api_cluster("user1", "POST", id, "/abort", NULL, NULL),
	    200);
	fx_wait_status(fx.d.port, "user1", id,
	    "INCOMPLETE/FAILED/CLUSTER_CREATE/6/2", 15000);
	cr_expect_eq(fx_take(fx.d.port, "w", NULL), 204,
	    "the held tasks were dropped");
	cr_expect_eq(fx_api_cluster("user1", "POST", id, "/resume", NULL,
			 NULL),
	    200);
	{
		struct json_object *t = NULL;

		cr_expect_eq(fx_api(NULL, "POST", "/v1/loom/tasks/take",
				 "{\"workerId\":\"w\"}", &t),
		    204, "a failed job does not resume: %s",
		    t != NULL ? json_object_to_json_string(t) : "");
		json_object_put(t);
	}
}

/* ---------------------------------------------------------------- */
/* GET /clusters?status=                                            */

Test(cluster_ops, the_list_filters_by_status)
{
	char pending[32], active[32], term[32], mine2[32], want[128], got[256];

	one("user1", 1, 1, true, active);
	fx_create(fx.d.port, "user1",
	    "{\"name\":\"u\",\"numMachines\":1,"
	    "\"clusterTemplate\":\"reactor-medium\"}",
	    term);
	fx_wait_status(fx.d.port, "user1", term,
	    "TERMINATED/FAILED/SOLVE_LAYOUT/0/0", 15000);
	one("user1", 2, 1, false, pending);
	one("user2", 3, 1, false, mine2);

	list_ids("user1", "?status=active", got, sizeof got);
	cr_expect_str_eq(got, active);
	snprintf(want, sizeof want, "%s,%s", pending, term);
	list_ids("user1", "?status=PENDING,terminated", got, sizeof got);
	cr_expect_str_eq(got, want, "newest first");
	list_ids("user1", "?status=Terminated,bogus", got, sizeof got);
	cr_expect_str_eq(got, term, "unknown names are ignored");
	list_ids("user1", "?status=incomplete", got, sizeof got);
	cr_expect_str_eq(got, "");
	list_ids("user1", "?status=inconsistent,incomplete", got, sizeof got);
	cr_expect_str_eq(got, "");
	/* No known name (or none at all): no filter, as in Coopr. */
	snprintf(want, sizeof want, "%s,%s,%s", pending, term, active);
	list_ids("user1", "?status=bogus", got, sizeof got);
	cr_expect_str_eq(got, want);
	list_ids("user1", "?status=", got, sizeof got);
	cr_expect_str_eq(got, want);
	list_ids("user1", "?status=%20active", got, sizeof got);
	cr_expect_str_eq(got, want, "names are not trimmed");
	list_ids("user1", "", got, sizeof got);
	cr_expect_str_eq(got, want);
	/* Only the first status parameter counts. */
	list_ids("user1", "?status=active&status=pending", got, sizeof got);
	cr_expect_str_eq(got, active);
	/* Visibility as the 0.9 list: users their own, admin all. */
	list_ids("user2", "?status=pending,active", got, sizeof got);
	cr_expect_str_eq(got, mine2);
	snprintf(want, sizeof want, "%s,%s", mine2, pending);
	list_ids("admin", "?status=pending", got, sizeof got);
	cr_expect_str_eq(got, want);
	make_inconsistent(active);
	list_ids("user1", "?status=INCONSISTENT", got, sizeof got);
	cr_expect_str_eq(got, active);
}

/* ---------------------------------------------------------------- */
/* Template size constraint                                         */

#define SIZED \
	"{\"name\":\"%s\",\"defaults\":{\"services\":[\"zookeeper\"]," \
	"\"provider\":\"joyent\",\"config\":{}},\"compatibility\":{" \
	"\"services\":[\"zookeeper\"]},\"constraints\":{%s}}"

Test(cluster_ops, template_size_constraint)
{
	char body[512], got[512], id[32];

	/* Accepted, and read back as given. */
	snprintf(body, sizeof body, SIZED, "sized",
	    "\"size\":{\"min\":2,\"max\":3}");
	cr_assert_eq(fx_api("admin", "POST", "/v1/loom/clustertemplates", body,
			 NULL),
	    200);
	get_text("admin", "/v1/loom/clustertemplates/sized", got, sizeof got);
	cr_expect(strstr(got, "\"size\":{\"min\":2,\"max\":3}") != NULL, "%s",
	    got);
	/* Defaults: min 1, max 2147483647. */
	snprintf(body, sizeof body, SIZED, "atleast2", "\"size\":{\"min\":2}");
	cr_assert_eq(fx_api("admin", "POST", "/v1/loom/clustertemplates", body,
			 NULL),
	    200);
	get_text("admin", "/v1/loom/clustertemplates/atleast2", got,
	    sizeof got);
	cr_expect(strstr(got, "\"size\":{\"min\":2,\"max\":2147483647}") !=
		NULL,
	    "%s", got);
	/* A template without one has none (the 0.9 round trip). */
	get_text("admin", "/v1/loom/clustertemplates/one-machine", got,
	    sizeof got);
	cr_expect(strstr(got, "\"size\"") == NULL, "%s", got);
	/* Invalid constraints: Coopr's messages. */
	snprintf(body, sizeof body, SIZED, "bad",
	    "\"size\":{\"min\":0,\"max\":3}");
	fx_expect_loom(fx.d.port, "POST", "/v1/loom/clustertemplates",
	    "X-Loom-UserID: admin", body, 400,
	    "invalid input: Minimum must be at least 1.");
	snprintf(body, sizeof body, SIZED, "bad",
	    "\"size\":{\"min\":4,\"max\":3}");
	fx_expect_loom(fx.d.port, "POST", "/v1/loom/clustertemplates",
	    "X-Loom-UserID: admin", body, 400,
	    "invalid input: Maximum must greater than or equal to the "
	    "minimum.");
	snprintf(body, sizeof body, SIZED, "bad", "\"size\":[2,3]");
	fx_expect_loom(fx.d.port, "POST", "/v1/loom/clustertemplates",
	    "X-Loom-UserID: admin", body, 400, "invalid input");
	cr_expect_eq(fx_api("admin", "GET", "/v1/loom/clustertemplates/bad",
			 NULL, NULL),
	    404);

	/* Checked at create, before anything is stored. */
	fx_expect_loom(fx.d.port, "POST", "/v1/loom/clusters",
	    "X-Loom-UserID: user1",
	    "{\"name\":\"s\",\"numMachines\":1,\"clusterTemplate\":\"sized\"}",
	    400, "Size must be at least 2 but not greater than 3. Now it's 1");
	fx_expect_loom(fx.d.port, "POST", "/v1/loom/clusters",
	    "X-Loom-UserID: user1",
	    "{\"name\":\"s\",\"numMachines\":4,\"clusterTemplate\":\"sized\"}",
	    400, "Size must be at least 2 but not greater than 3. Now it's 4");
	/* Coopr 0.9.9 ClusterHandlerTest.testInvalidNumMachines (2..50). */
	snprintf(body, sizeof body, SIZED, "two-to-fifty",
	    "\"size\":{\"min\":2,\"max\":50}");
	cr_assert_eq(fx_api("admin", "POST", "/v1/loom/clustertemplates", body,
			 NULL),
	    200);
	fx_expect_loom(fx.d.port, "POST", "/v1/loom/clusters",
	    "X-Loom-UserID: user1",
	    "{\"name\":\"s\",\"numMachines\":1,"
	    "\"clusterTemplate\":\"two-to-fifty\"}",
	    400,
	    "Size must be at least 2 but not greater than 50. Now it's 1");
	fx_expect_loom(fx.d.port, "POST", "/v1/loom/clusters",
	    "X-Loom-UserID: user1",
	    "{\"name\":\"s\",\"numMachines\":500,"
	    "\"clusterTemplate\":\"two-to-fifty\"}",
	    400,
	    "Size must be at least 2 but not greater than 50. Now it's 500");
	/* cluster.max_size (10000) is checked first. */
	fx_expect_loom(fx.d.port, "POST", "/v1/loom/clusters",
	    "X-Loom-UserID: user1",
	    "{\"name\":\"s\",\"numMachines\":10001,"
	    "\"clusterTemplate\":\"two-to-fifty\"}",
	    400, "numMachines above max cluster size 10000");
	list_ids("admin", "", got, sizeof got);
	cr_expect_str_eq(got, "", "nothing stored");
	fx_create(fx.d.port, "user1",
	    "{\"name\":\"s\",\"numMachines\":3,\"clusterTemplate\":\"sized\"}",
	    id);
	fx_wait_status(fx.d.port, "user1", id,
	    "PENDING/RUNNING/CLUSTER_CREATE/9/0", 15000);
}

/* ---------------------------------------------------------------- */
/* getNodeProperties                                                */

/* POST /getNodeProperties as user: the answer as JSON text. */
static long
node_props(const char *user, const char *body, char *out, size_t n)
{
	struct json_object *o = NULL;
	long s;

	s = fx_api(user, "POST", "/v1/loom/getNodeProperties", body, &o);
	snprintf(out, n, "%s",
	    o != NULL ?
		json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN) :
		"");
	json_object_put(o);
	return s;
}

Test(cluster_ops, get_node_properties)
{
	struct json_object *o, *nodes, *props, *a;
	char id[32], body[256], got[4096];
	const char *n0, *n1;

	one("user1", 1, 2, true, id);
	cr_assert_eq(fx_api_cluster("user1", "GET", id, "", NULL, &o), 200);
	json_object_object_get_ex(o, "nodes", &nodes);
	cr_assert_eq(json_object_array_length(nodes), 2);
	n0 = fx_js(json_object_array_get_idx(nodes, 0), "id");
	n1 = fx_js(json_object_array_get_idx(nodes, 1), "id");

	/* Every node, all of its properties. */
	snprintf(body, sizeof body, "{\"clusterId\":\"%s\"}", id);
	cr_assert_eq(node_props("user1", body, got, sizeof got), 200);
	a = json_tokener_parse(got);
	cr_expect_eq(json_object_object_length(a), 2, "%s", got);
	cr_expect(json_object_object_get_ex(a, n0, &props), "%s", got);
	cr_expect_str_eq(fx_js(props, "ipaddress"), "10.1.1.1");
	cr_expect_str_eq(fx_js(props, "hardwaretype"),
	    fx_js(json_object_object_get(json_object_array_get_idx(nodes, 0),
		      "properties"),
		"hardwaretype"));
	cr_expect(json_object_object_get_ex(a, n1, &props));
	json_object_put(a);

	/* Only the keys asked for that exist; by service. */
	snprintf(body, sizeof body,
	    "{\"clusterId\":\"%s\",\"properties\":[\"ipaddress\","
	    "\"nosuchkey\"],\"services\":[\"zookeeper\"]}",
	    id);
	cr_assert_eq(node_props("user1", body, got, sizeof got), 200);
	a = json_tokener_parse(got);
	cr_expect_eq(json_object_object_length(a), 2, "%s", got);
	json_object_object_foreach (a, nid, p) {
		cr_expect(strcmp(nid, n0) == 0 || strcmp(nid, n1) == 0, "%s",
		    nid);
		cr_expect_str_eq(json_object_to_json_string_ext(p,
				     JSON_C_TO_STRING_PLAIN),
		    "{\"ipaddress\":\"10.1.1.1\"}");
	}
	json_object_put(a);
	snprintf(body, sizeof body,
	    "{\"clusterId\":\"%s\",\"services\":[\"zookeeper\","
	    "\"namenode\"]}",
	    id);
	cr_expect_eq(node_props("user1", body, got, sizeof got), 200);
	cr_expect_str_eq(got, "{}", "no node runs namenode");
	json_object_put(o);

	/* Not visible or unknown: no nodes. */
	snprintf(body, sizeof body, "{\"clusterId\":\"%s\"}", id);
	cr_expect_eq(node_props("user2", body, got, sizeof got), 200);
	cr_expect_str_eq(got, "{}");
	cr_expect_eq(node_props("admin", body, got, sizeof got), 200);
	cr_expect_neq(strcmp(got, "{}"), 0, "the admin sees every cluster");
	cr_expect_eq(node_props("user1", "{\"clusterId\":\"00000999\"}", got,
			 sizeof got),
	    200);
	cr_expect_str_eq(got, "{}");
	cr_expect_eq(node_props("user1", "{\"clusterId\":\"abc\"}", got,
			 sizeof got),
	    200);
	cr_expect_str_eq(got, "{}");

	/* Errors. */
	fx_expect_loom(fx.d.port, "POST", "/v1/loom/getNodeProperties",
	    "X-Loom-UserID: user1", "{\"properties\":[\"ipaddress\"]}", 400,
	    "clusterId must be specified.");
	fx_expect_loom(fx.d.port, "POST", "/v1/loom/getNodeProperties",
	    "X-Loom-UserID: user1",
	    "{\"clusterId\":\"1\",\"properties\":\"x\"}", 400,
	    "Invalid request body. Must be a valid JSON Object.");
	fx_expect_loom(fx.d.port, "POST", "/v1/loom/getNodeProperties",
	    "X-Loom-UserID: user1", "{\"clusterId\":\"1\",\"services\":[{}]}",
	    400, "Invalid request body. Must be a valid JSON Object.");
	fx_expect_loom(fx.d.port, "POST", "/v1/loom/getNodeProperties",
	    "X-Loom-UserID: user1", "{\"clusterId\":{}}", 400,
	    "Invalid request body. Must be a valid JSON Object.");
	fx_expect_loom(fx.d.port, "POST", "/v1/loom/getNodeProperties",
	    "X-Loom-UserID: user1", "[]", 400,
	    "Invalid request body. Must be a valid JSON Object.");
	fx_expect_loom(fx.d.port, "POST", "/v1/loom/getNodeProperties",
	    "X-Loom-UserID: user1", "", 400,
	    "Invalid request body. Must be a valid JSON Object.");
	fx_expect_loom(fx.d.port, "POST", "/v1/loom/getNodeProperties", NULL,
	    body, 401, "X-Loom-UserID not found in the request header.");
}
