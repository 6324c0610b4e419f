/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_callbacks.c - job callbacks (LOOM-0.9.7-OPS.md section 9, loomd's
 * outbox) of a real loomd on a real mariadbd.  Each test runs an HTTP
 * receiver of its own (libmicrohttpd, in this process) that records what
 * loomd posts: one that answers 200, one that fails twice per callback
 * and then answers, one that answers 503 until the test releases it, and
 * a socket that never answers.  Clusters are driven by
 * loom-dummy-provisioner or by takes in the test.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cbrecv.h"
#include "fixture.h"

static pid_t prov = -1; /* the dummy provisioner, when one runs */

/* ---------------------------------------------------------------- */
/* The receiver                                                     */

static int rx_port; /* the receiver's */

/* A socket that accepts connections (kernel backlog) and never answers. */
static int
blackhole(int *port)
{
	struct sockaddr_in a;
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	cr_assert_eq(listen(fd, 64), 0);
	getsockname(fd, (struct sockaddr *)&a, &len);
	*port = ntohs(a.sin_port);
	return fd;
}

/* ---------------------------------------------------------------- */
/* loomd                                                            */

/*
 * Start the receiver, then loomd with the callback group cb, in which
 * RX stands for the receiver's "http://127.0.0.1:port" and BH for the
 * never-answering socket's (port bh).
 */
static void
start(const char *cb, int bh)
{
	char extra[2048], group[1536], rxu[64], bhu[64];
	const char *p;
	size_t o = 0;

	rx_port = cbrecv_start();
	snprintf(rxu, sizeof rxu, "http://127.0.0.1:%d", rx_port);
	snprintf(bhu, sizeof bhu, "http://127.0.0.1:%d", bh);
	for (p = cb; *p != '\0' && o + 64 < sizeof group;) {
		if (strncmp(p, "RX", 2) == 0 || strncmp(p, "BH", 2) == 0) {
			o += (size_t)snprintf(group + o, sizeof group - o,
			    "%s", p[0] == 'R' ? rxu : bhu);
			p += 2;
		} else
			group[o++] = *p++;
	}
	group[o] = '\0';
	snprintf(extra, sizeof extra,
	    "task = { timeout_seconds = 30; take_wait_ms = 0; };\ncallback = { %s };",
	    group);
	fx_start(extra, FX_CLUSTER_FIXTURES);
}

static void
fini(void)
{
	fx_provisioner_stop(&prov);
	fx_fini();
	cbrecv_stop();
}

TestSuite(callbacks, .fini = fini, .timeout = 120);
FX_MAIN(FX_NEED_DB, 2)

#define ONE_MACHINE \
	"{\"name\":\"cb\",\"numMachines\":1,\"clusterTemplate\":" \
	"\"one-machine\"}"

/* Wait up to ms until path got n requests (any id). */
static void
wait_calls(const char *path, int n, double ms)
{
	double until = fx_now_ms() + ms;

	while (cbrecv_count(path, NULL) < n && fx_now_ms() < until)
		usleep(50000);
	cr_assert_geq(cbrecv_count(path, NULL), n, "%s: %d requests, want %d",
	    path, cbrecv_count(path, NULL), n);
}

/* Take once as worker w: the status; the task id into tid when 200. */
static long
take_now(const char *w, char tid[64], char name[32])
{
	struct json_object *o;
	long s;

	if ((s = fx_take_once(fx.d.port, w, &o)) == 200) {
		snprintf(tid, 64, "%s", fx_js(o, "taskId"));
		snprintf(name, 32, "%s", fx_js(o, "taskName"));
	}
	json_object_put(o);
	return s;
}

/* Take as w1 every 100 ms until a task comes or 10 s pass (see take_now). */
static void
take_soon(char tid[64], char name[32])
{
	double t0 = fx_now_ms();

	while (take_now("w1", tid, name) != 200 && fx_now_ms() - t0 < 10000)
		usleep(100000);
}

/*
 * Create a one-machine cluster as user1 (its id into id[32]) and run
 * loom-dummy-provisioner (prov; the caller stops it) until it is ACTIVE.
 */
static void
create_active(char id[32])
{
	fx_create(fx.d.port, "user1", ONE_MACHINE, id);
	prov =
	    fx_provisioner_start(fx.d.port, 2, NULL, "1", "/dev/null", NULL);
	fx_wait_status(fx.d.port, "user1", id,
	    "ACTIVE/COMPLETE/CLUSTER_CREATE", 30000);
}

/* A request's body member path (a.b) as a string (borrowed or ""). */
static const char *
body_str(struct json_object *o, const char *a, const char *b)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, a, &v))
		return "";
	return fx_js(v, b);
}

/* The SQL answer on the test database (first cell) into out. */
static void
sql(const char *q, char *out, size_t n)
{
	cr_assert_eq(fx_sql(&fx.db, fx.dbname, q, out, n), 0, "%s: %s", q,
	    out);
}

/* ---------------------------------------------------------------- */
/* Tests                                                            */

Test(callbacks, start_then_success_with_stable_ids_and_the_body)
{
	const struct cbrecv_call *calls;
	struct json_object *o, *nodes;
	char id[32], jid[64];
	int i;

	start("start_url = \"RX/ok\"; "
	      "success_url = \"RX/ok\"; "
	      "start_triggers = \"cluster_create, CLUSTER_DELETE\";",
	    0);
	create_active(id);
	fx_provisioner_stop(&prov);
	wait_calls("/ok", 2, 10000);
	usleep(500000);
	cr_assert_eq(cbrecv_count("/ok", NULL), 2, "one START, one SUCCESS");
	calls = cbrecv_lock(NULL);
	cr_expect_str_eq(calls[0].event, "start");
	cr_expect_str_eq(calls[1].event, "success");
	o = json_tokener_parse(calls[0].body);
	cr_assert_not_null(o, "START body is JSON: %s", calls[0].body);
	snprintf(jid, sizeof jid, "%s", body_str(o, "job", "jobId"));
	cr_expect_eq(strncmp(jid, id, 8), 0, "job %s of cluster %s: %s", jid,
	    id, calls[0].body);
	cr_expect_str_eq(body_str(o, "job", "clusterAction"),
	    "cluster_create");
	cr_expect_str_eq(body_str(o, "job", "jobStatus"), "running");
	cr_expect_str_eq(body_str(o, "cluster", "status"), "pending");
	cr_expect_str_eq(body_str(o, "cluster", "id"), id);
	cr_expect(json_object_object_get_ex(o, "nodes", &nodes) &&
		json_object_array_length(nodes) == 1,
	    "the cluster's node is in the body");
	json_object_put(o);
	{
		char want[128];

		snprintf(want, sizeof want, "%s.start", jid);
		cr_expect_str_eq(calls[0].id, want);
		snprintf(want, sizeof want, "%s.success", jid);
		cr_expect_str_eq(calls[1].id, want);
	}
	for (i = 0; i < 2; i++) {
		cr_expect_str_eq(calls[i].ctype,
		    "application/json; charset=UTF-8");
		cr_expect_str_eq(calls[i].attempt, "1");
	}
	o = json_tokener_parse(calls[1].body);
	cr_assert_not_null(o);
	cr_expect_str_eq(body_str(o, "job", "jobStatus"), "complete");
	cr_expect_str_eq(body_str(o, "cluster", "status"), "active");
	json_object_put(o);
	cbrecv_unlock();
	cr_expect_eq(fx_metric(fx.d.port, "loomd_callbacks_delivered_total"),
	    2);
	cr_expect_eq(fx_metric(fx.d.port, "loomd_callbacks_pending"), 0);
	cr_expect_eq(fx_metric(fx.d.port,
			 "loomd_callbacks_oldest_pending_seconds"),
	    0);
	{
		char out[64];

		sql("SELECT COUNT(*) FROM callbacks WHERE state = 'delivered'",
		    out, sizeof out);
		cr_expect_str_eq(out, "2");
	}
}

Test(callbacks, a_flaky_receiver_gets_the_same_id_until_it_answers)
{
	const struct cbrecv_call *calls;
	char id[32], tid[64], name[32], first[96];
	double t0;
	int i;

	start("start_url = \"RX/flaky\";", 0);
	fx_create(fx.d.port, "user1", ONE_MACHINE, id);
	t0 = fx_now_ms();
	wait_calls("/flaky", 1, 15000);
	/* Gated: no task is queued while the START is not answered 2xx. */
	cr_expect_eq(take_now("w1", tid, name), 204, "no task before the 2xx");
	wait_calls("/flaky", 3, 15000);
	cr_expect_geq(fx_now_ms() - t0, 2500,
	    "retries back off (1 s, then 2 s)");
	calls = cbrecv_lock(NULL);
	snprintf(first, sizeof first, "%s", calls[0].id);
	for (i = 0; i < 3; i++) {
		char n[8];

		cr_expect_str_eq(calls[i].id, first, "attempt %d", i + 1);
		snprintf(n, sizeof n, "%d", i + 1);
		cr_expect_str_eq(calls[i].attempt, n);
	}
	cr_expect_eq(calls[2].answered, 200);
	cbrecv_unlock();
	/* Answered: the job's first stage is queued. */
	take_soon(tid, name);
	cr_expect_str_eq(name, "CREATE");
	fx_wait_status(fx.d.port, "user1", id,
	    "PENDING/RUNNING/CLUSTER_CREATE", 5000);
	cr_expect_eq(fx_metric(fx.d.port, "loomd_callbacks_retried_total"), 2);
	cr_expect_eq(fx_metric(fx.d.port, "loomd_callbacks_delivered_total"),
	    1);
	cr_expect_eq(cbrecv_count("/flaky", NULL), 3, "nothing sent twice");
}

Test(callbacks, the_start_gate_holds_the_job_until_2xx)
{
	char id[32], tid[64], name[32];
	double t0;

	start("start_url = \"RX/hold\";", 0);
	fx_create(fx.d.port, "user1", ONE_MACHINE, id);
	wait_calls("/hold", 1, 15000);
	fx_wait_status(fx.d.port, "user1", id,
	    "PENDING/RUNNING/CLUSTER_CREATE", 5000);
	t0 = fx_now_ms();
	while (fx_now_ms() - t0 < 1500) {
		cr_assert_eq(take_now("w1", tid, name), 204,
		    "a task was queued before the START callback's 2xx");
		usleep(100000);
	}
	cr_expect_gt(fx_metric(fx.d.port, "loomd_callbacks_pending"), 0);
	cr_expect_gt(fx_metric(fx.d.port,
			 "loomd_callbacks_oldest_pending_seconds"),
	    0.5);
	cbrecv_release();
	take_soon(tid, name);
	cr_expect_str_eq(name, "CREATE", "queued once the receiver said 2xx");
	cr_expect_eq(fx_metric(fx.d.port, "loomd_callbacks_pending"), 0);
}

Test(callbacks, without_the_gate_or_the_trigger_the_job_starts_at_once)
{
	char id[32], tid[64], name[32], out[64];

	start("start_url = \"RX/hold\"; "
	      "start_gate = false; "
	      "success_url = \"RX/ok\"; "
	      "success_triggers = \"CLUSTER_DELETE\";",
	    0);
	fx_create(fx.d.port, "user1", ONE_MACHINE, id);
	take_soon(tid, name);
	cr_expect_str_eq(name, "CREATE");
	wait_calls("/hold", 1, 10000);
	/* CLUSTER_CREATE is not a success trigger: no row at all. */
	sql("SELECT COUNT(*) FROM callbacks WHERE event <> 'start'", out,
	    sizeof out);
	cr_expect_str_eq(out, "0");
}

Test(callbacks, a_start_that_never_answers_fails_the_job_at_max_age)
{
	const struct cbrecv_call *calls;
	char id[32], tid[64], name[32], out[256], path[128];
	struct json_object *o = NULL;
	int bport, bfd;

	bfd = blackhole(&bport);
	start("start_url = \"BH/never\"; "
	      "failure_url = \"RX/ok\"; "
	      "timeout_ms = 300; max_age_s = 2;",
	    bport);
	fx_create(fx.d.port, "user1", ONE_MACHINE, id);
	fx_wait_status(fx.d.port, "user1", id,
	    "TERMINATED/FAILED/CLUSTER_CREATE", 20000);
	cr_expect_eq(take_now("w1", tid, name), 204, "no task ever queued");
	snprintf(path, sizeof path, "/v1/loom/clusters/%s", id);
	cr_assert_eq(fx_call(fx.d.port, "user1", "GET", path, NULL, &o), 200);
	cr_expect_str_eq(fx_js(o, "message"),
	    "Cluster creation stopped by failed start callback.");
	json_object_put(o);
	sql("SELECT CONCAT(state, ' ', attempts >= 2, ' ', last_error IS NOT "
	    "NULL) FROM callbacks WHERE event = 'start'",
	    out, sizeof out);
	cr_expect_str_eq(out, "failed 1 1");
	cr_expect_eq(fx_metric(fx.d.port, "loomd_callbacks_failed_total"), 1);
	/* The FAILURE callback follows. */
	wait_calls("/ok", 1, 10000);
	calls = cbrecv_lock(NULL);
	cr_expect_str_eq(calls[0].event, "failure");
	o = json_tokener_parse(calls[0].body);
	cr_expect_str_eq(body_str(o, "job", "jobStatus"), "failed");
	cr_expect_str_eq(body_str(o, "cluster", "status"), "terminated");
	json_object_put(o);
	cbrecv_unlock();
	close(bfd);
}

Test(callbacks, a_success_that_never_answers_is_given_up_and_counted)
{
	char id[32], out[256];
	double t0;
	int bport, bfd;

	bfd = blackhole(&bport);
	start("success_url = \"BH/never\"; "
	      "timeout_ms = 300; max_age_s = 2;",
	    bport);
	create_active(id);
	fx_provisioner_stop(&prov);
	t0 = fx_now_ms();
	while (fx_metric(fx.d.port, "loomd_callbacks_failed_total") < 1 &&
	    fx_now_ms() - t0 < 15000)
		usleep(200000);
	cr_expect_eq(fx_metric(fx.d.port, "loomd_callbacks_failed_total"), 1);
	cr_expect_geq(fx_metric(fx.d.port, "loomd_callbacks_retried_total"),
	    1);
	cr_expect_eq(fx_metric(fx.d.port, "loomd_callbacks_pending"), 0);
	sql("SELECT state FROM callbacks WHERE event = 'success'", out,
	    sizeof out);
	cr_expect_str_eq(out, "failed");
	fx_wait_status(fx.d.port, "user1", id,
	    "ACTIVE/COMPLETE/CLUSTER_CREATE", 1000);
	close(bfd);
}

Test(callbacks, bad_urls_and_triggers_are_config_errors)
{
	static const char *const errs[] = {
		"2: callback.start_url: must be an http:// or https:// URL, "
		"or empty for none (got \"ftp://example.com/x\")",
		"3: callback.success_url: must name a host",
		"4: callback.failure_triggers: unknown cluster action "
		"\"BOGUS\"",
	};
	char conf[256], out[4096], want[512];
	size_t i;
	FILE *f;
	int st;

	snprintf(conf, sizeof conf, "/tmp/loomd-cb-%d.conf", (int)getpid());
	f = fopen(conf, "w");
	cr_assert_not_null(f);
	fprintf(f,
	    "callback = {\n"
	    "  start_url = \"ftp://example.com/x\";\n"
	    "  success_url = \"http:///nohost\";\n"
	    "  failure_triggers = \"CLUSTER_CREATE, BOGUS\";\n"
	    "  failure_url = \"https://ok.example/cb\";\n"
	    "};\n");
	fclose(f);
	st = fx_run_loomd(conf, "-t", out, sizeof out);
	cr_expect_eq(st, 78, "exit %d: %s", st, out);
	for (i = 0; i < sizeof errs / sizeof errs[0]; i++) {
		snprintf(want, sizeof want, "%s:%s", conf, errs[i]);
		cr_expect_not_null(strstr(out, want), "want %s in\n%s", want,
		    out);
	}
	cr_expect_null(strstr(out, "failure_url"), "a good URL passes: %s",
	    out);
	/* Without -t it refuses the same way. */
	st = fx_run_loomd(conf, "", out, sizeof out);
	cr_expect_eq(st, 78, "exit %d: %s", st, out);
	unlink(conf);
}

Test(callbacks,
    a_delete_whose_start_is_given_up_leaves_the_cluster_inconsistent)
{
	char id[32], path[128];
	struct json_object *o = NULL;
	int bport, bfd;

	bfd = blackhole(&bport);
	start("start_url = \"BH/never\"; start_triggers = \"CLUSTER_DELETE\"; "
	      "timeout_ms = 300; max_age_s = 2;",
	    bport);
	create_active(id);
	snprintf(path, sizeof path, "/v1/loom/clusters/%s", id);
	cr_assert_eq(fx_call(fx.d.port, "user1", "DELETE", path, NULL, NULL),
	    200);
	fx_wait_status(fx.d.port, "user1", id,
	    "INCONSISTENT/FAILED/CLUSTER_DELETE", 20000);
	fx_provisioner_stop(&prov);
	cr_assert_eq(fx_call(fx.d.port, "user1", "GET", path, NULL, &o), 200);
	cr_expect_str_eq(fx_js(o, "message"),
	    "Failed to schedule the CLUSTER_DELETE operation.");
	cr_expect_str_eq(fx_js(o, "status"), "inconsistent");
	json_object_put(o);
	close(bfd);
}
