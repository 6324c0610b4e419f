/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_idempotency.c - every write a client may retry honours an
 * Idempotency-Key on a real loomd and mariadbd: sent twice with one key
 * it answers the second time what it answered the first and changes
 * nothing again; the key sent with another request is 422.  Cluster
 * create has its test in test_clusters.c; here are delete, abort, lease
 * change and tasks/finish.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"

FX_SUITE(idempotency, "scheduler = { interval_ms = 50; };",
    FX_CLUSTER_FIXTURES, .timeout = 120);
FX_MAIN(FX_NEED_DB, 0)

/* method path as user1 with key (NULL: none) and body; answer into r. */
static long
keyed(const char *method, const char *path, const char *key, const char *body,
    struct fx_resp *r)
{
	char hdr[256];

	if (key != NULL)
		snprintf(hdr, sizeof hdr,
		    "X-Loom-UserID: user1\n"
		    "Idempotency-Key: %s",
		    key);
	else
		snprintf(hdr, sizeof hdr, "X-Loom-UserID: user1");
	fx_http(fx.d.port, method, path, hdr, body,
	    body != NULL ? strlen(body) : 0, 10000, r);
	return r->status;
}

/* Wait (up to 30 s) until cluster id's status is want. */
static void
wait_status(const char *id, const char *want)
{
	struct json_object *o = NULL;
	char path[128], got[64] = "";
	double deadline = fx_now_ms() + 30000;

	snprintf(path, sizeof path, "/v1/loom/clusters/%s/status", id);
	while (fx_now_ms() < deadline) {
		fx_call(fx.d.port, "user1", "GET", path, NULL, &o);
		snprintf(got, sizeof got, "%s", fx_js(o, "status"));
		json_object_put(o);
		if (strcmp(got, want) == 0)
			return;
		usleep(50 * 1000);
	}
	cr_assert_fail("cluster %s is %s, not %s", id, got, want);
}

/* How many jobs of cluster id match the SQL condition cond, into out. */
static const char *
jobs_count(const char *id, const char *cond, char out[64])
{
	return fx_sqlf(&fx.db, fx.dbname, out, 64,
	    "SELECT COUNT(*) FROM jobs WHERE cluster_id = %s AND %s", id,
	    cond);
}

/* An ACTIVE cluster of template tmpl, built by the dummy provisioner. */
static void
active(const char *tmpl, char id[32])
{
	pid_t prov;

	fx_create_cluster(fx.d.port, "user1", "i", tmpl, id);
	prov =
	    fx_provisioner_start(fx.d.port, 2, NULL, "1", "/dev/null", NULL);
	wait_status(id, "ACTIVE");
	fx_provisioner_stop(&prov);
}

Test(idempotency, delete_answers_once_and_deletes_once)
{
	char id[32], other[32], path[128], n[64];
	struct fx_resp r1, r2, r3, r4;

	active("one-machine", id);
	fx_create_cluster(fx.d.port, "user1", "i", "one-machine", other);
	snprintf(path, sizeof path, "/v1/loom/clusters/%s", id);
	cr_expect_eq(keyed("DELETE", path, "del-1", NULL, &r1), 200, "%s",
	    r1.body);
	cr_expect_eq(keyed("DELETE", path, "del-1", NULL, &r2), 200, "%s",
	    r2.body);
	cr_expect_str_eq(r2.body, r1.body, "the same answer");
	/* Without the key the retry is a second delete, refused. */
	cr_expect_eq(keyed("DELETE", path, NULL, NULL, &r3), 409, "%s",
	    r3.body);
	cr_expect_str_eq(jobs_count(id, "action = 'CLUSTER_DELETE'", n), "1",
	    "one delete job");
	snprintf(path, sizeof path, "/v1/loom/clusters/%s", other);
	cr_expect_eq(keyed("DELETE", path, "del-1", NULL, &r4), 422, "%s",
	    r4.body);
	cr_expect_not_null(strstr(r4.body, "del-1"), "%s", r4.body);
	cr_expect_str_eq(jobs_count(other, "action = 'CLUSTER_DELETE'", n),
	    "0", "the other cluster untouched");
	fx_resp_free(&r1);
	fx_resp_free(&r2);
	fx_resp_free(&r3);
	fx_resp_free(&r4);
}

Test(idempotency, abort_answers_once)
{
	/* The jobs of the cluster: count/versions/needs_work. */
	const char *state = "SELECT CONCAT(COUNT(*), '/', SUM(version), '/', "
			    "SUM(needs_work)) FROM jobs WHERE cluster_id = %s";
	char id[32], other[32], path[128], n[64], v1[64], v2[64];
	struct fx_resp r1, r2, r3;

	fx_create_cluster(fx.d.port, "user1", "i", "one-machine", id);
	fx_create_cluster(fx.d.port, "user1", "i", "one-machine", other);
	/* Abortable once its create job runs (nobody takes its tasks). */
	cr_assert_str_eq(fx_sqlf_wait(&fx.db, fx.dbname, "1", 15000, 50, n,
			     sizeof n,
			     "SELECT COUNT(*) FROM jobs WHERE cluster_id = %s "
			     "AND action = 'CLUSTER_CREATE' AND status = "
			     "'RUNNING'",
			     id),
	    "1", "the create job runs");
	snprintf(path, sizeof path, "/v1/loom/clusters/%s/abort", id);
	cr_expect_eq(keyed("POST", path, "abort-1", NULL, &r1), 200, "%s",
	    r1.body);
	wait_status(id, "INCOMPLETE");
	fx_sqlf(&fx.db, fx.dbname, v1, sizeof v1, state, id);
	cr_expect_eq(keyed("POST", path, "abort-1", NULL, &r2), 200, "%s",
	    r2.body);
	cr_expect_str_eq(r2.body, r1.body, "the same answer");
	fx_sqlf(&fx.db, fx.dbname, v2, sizeof v2, state, id);
	cr_expect_str_eq(v2, v1, "the replay changed no job");
	cr_expect_str_eq(jobs_count(id, "status_message = 'Aborted by user.'",
			     n),
	    "1", "aborted once");
	snprintf(path, sizeof path, "/v1/loom/clusters/%s/abort", other);
	cr_expect_eq(keyed("POST", path, "abort-1", NULL, &r3), 422, "%s",
	    r3.body);
	cr_expect_str_eq(jobs_count(other, "status = 'FAILED'", n), "0",
	    "the other cluster not aborted");
	fx_resp_free(&r1);
	fx_resp_free(&r2);
	fx_resp_free(&r3);
}

Test(idempotency, lease_change_answers_once_and_sets_once)
{
	char id[32], path[128], body[128], tmpl[512];
	struct fx_resp r1, r2, r3, r4;
	struct json_object *o;
	long long c;

	snprintf(tmpl, sizeof tmpl,
	    "{\"name\":\"idem-lease\",\"defaults\":{"
	    "\"services\":[\"zookeeper\"],\"provider\":\"joyent\","
	    "\"config\":{}},\"administration\":{\"leaseduration\":{"
	    "\"initial\":100000,\"max\":1200000,\"step\":100000}}}");
	cr_assert_eq(fx_call(fx.d.port, "admin", "PUT",
			 "/v1/loom/clustertemplates/idem-lease", tmpl, NULL),
	    200);
	active("idem-lease", id);
	snprintf(path, sizeof path, "/v1/loom/clusters/%s", id);
	cr_assert_eq(fx_call(fx.d.port, "user1", "GET", path, NULL, &o), 200);
	c = fx_ji(o, "createTime");
	json_object_put(o);
	snprintf(body, sizeof body, "{\"expireTime\":%lld}", c + 150000);
	cr_expect_eq(keyed("POST", path, "lease-1", body, &r1), 200, "%s",
	    r1.body);
	/* Someone else shortens the lease meanwhile... */
	snprintf(body, sizeof body, "{\"expireTime\":%lld}", c + 50000);
	cr_expect_eq(keyed("POST", path, NULL, body, &r2), 200, "%s", r2.body);
	/* ... and the late retry of the first change does not undo it. */
	snprintf(body, sizeof body, "{\"expireTime\":%lld}", c + 150000);
	cr_expect_eq(keyed("POST", path, "lease-1", body, &r3), 200, "%s",
	    r3.body);
	cr_expect_str_eq(r3.body, r1.body, "the same answer");
	snprintf(body, sizeof body, "{\"expireTime\":%lld}", c + 250000);
	cr_expect_eq(keyed("POST", path, "lease-1", body, &r4), 422, "%s",
	    r4.body);
	cr_assert_eq(fx_call(fx.d.port, "user1", "GET", path, NULL, &o), 200);
	cr_expect_eq(fx_ji(o, "expireTime"), c + 50000, "set once");
	json_object_put(o);
	fx_resp_free(&r1);
	fx_resp_free(&r2);
	fx_resp_free(&r3);
	fx_resp_free(&r4);
}

Test(idempotency, finish_answers_once_and_finishes_once)
{
	const char *result = "{\"ipaddress\":\"10.0.0.1\"}";
	/* The versions of the task and of its node. */
	const char *state = "SELECT CONCAT(t.version, '/', n.version) FROM "
			    "tasks t JOIN nodes n ON n.id = t.node_id WHERE "
			    "t.id = '%s'";
	char id[32], task[64], next[64], v1[64], v2[64], n[64];
	struct fx_resp r1, r2, r3, r4;

	fx_create_cluster(fx.d.port, "user1", "i", "one-machine", id);
	fx_take_within(fx.d.port, "w1", task, 15);
	cr_expect_eq(fx_finish(fx.d.port, "w1", task, 0, result,
			 "Idempotency-Key: fin-1", &r1),
	    200, "%s", r1.body);
	/* The job moves on: w1 gets the next task of the cluster. */
	fx_take_within(fx.d.port, "w1", next, 15);
	cr_expect_str_neq(next, task);
	fx_sqlf(&fx.db, fx.dbname, v1, sizeof v1, state, task);
	/* The answer was lost: the worker sends the finish again. */
	cr_expect_eq(fx_finish(fx.d.port, "w1", task, 0, result,
			 "Idempotency-Key: fin-1", &r2),
	    200, "%s", r2.body);
	cr_expect_str_eq(r2.body, r1.body, "the same answer");
	fx_sqlf(&fx.db, fx.dbname, v2, sizeof v2, state, task);
	cr_expect_str_eq(v2, v1, "the replay changed neither task nor node");
	fx_sqlf(&fx.db, fx.dbname, n, sizeof n,
	    "SELECT CONCAT(q_state, '/', worker_id) FROM tasks "
	    "WHERE id = '%s'",
	    next);
	cr_expect_str_eq(n, "taken/w1", "the next task still w1's");
	/* Without the key the same retry is refused as Loom refuses it. */
	cr_expect_eq(fx_finish(fx.d.port, "w1", task, 0, result, NULL, &r3),
	    417, "%s", r3.body);
	/* The key with another result is refused and records nothing. */
	cr_expect_eq(fx_finish(fx.d.port, "w1", next, 1, NULL,
			 "Idempotency-Key: fin-1", &r4),
	    422, "%s", r4.body);
	fx_sqlf(&fx.db, fx.dbname, n, sizeof n,
	    "SELECT CONCAT(q_state, '/', status) FROM tasks "
	    "WHERE id = '%s'",
	    next);
	cr_expect_str_eq(n, "taken/IN_PROGRESS", "next not finished");
	fx_resp_free(&r1);
	fx_resp_free(&r2);
	fx_resp_free(&r3);
	fx_resp_free(&r4);
}
