/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_health.c - /status, /healthz and /readyz of a real loomd on a real
 * mariadbd, the drain file, unknown routes (404), wrong methods (405 with
 * Allow), oversized bodies (413), the two error formats, the health
 * listener (server.health_port), and the rejoin hold-down: none on a
 * plain MariaDB, none for a probe that is only slow, one after a freeze
 * of the whole process on Galera (suite health_galera, on Galera node 1
 * of scripts/galera-local; skipped without it) that a failed probe
 * does not cut short.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdbool.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"

static char drain[300];
static int health_port;

static void
setup(void)
{
	char extra[512];

	snprintf(drain, sizeof drain, "/tmp/loomd-drain.%ld", (long)getpid());
	unlink(drain);
	health_port = fx_free_port();
	cr_assert_gt(health_port, 0);
	snprintf(extra, sizeof extra,
	    "ha = { drain_file = \"%s\"; "
	    "health_interval_ms = 200; rejoin_holddown_ms = 2000; };\n"
	    "server = { host = \"127.0.0.1\"; threads = 4; health_port = %d; "
	    "};",
	    drain, health_port);
	fx_start(extra, NULL);
}

static void
teardown(void)
{
	fx_fini();
	unlink(drain);
}

TestSuite(health, .init = setup, .fini = teardown, .timeout = 60);
FX_MAIN(FX_NEED_DB, 0)

/* Poll /readyz on port until it answers want (or 5 s pass); last code. */
static long
readyz_until_port(int port, long want)
{
	struct fx_resp r;
	double deadline = fx_now_ms() + 5000;
	long got = 0;

	while (fx_now_ms() < deadline) {
		fx_http(port, "GET", "/readyz", NULL, NULL, 0, 2000, &r);
		got = r.status;
		fx_resp_free(&r);
		if (got == want)
			break;
		usleep(50000);
	}
	return got;
}

/* The same on the API port of the daemon fx.d. */
static long
readyz_until(long want)
{
	return readyz_until_port(fx.d.port, want);
}

Test(health, status_is_loom_ok)
{
	struct fx_resp r;

	cr_assert_eq(fx_http(fx.d.port, "GET", "/status", NULL, NULL, 0, 2000,
			 &r),
	    0, "%s", r.error);
	cr_expect_eq(r.status, 200);
	cr_expect_str_eq(r.body, "OK\n");
	fx_resp_free(&r);
}

Test(health, healthz_is_alive)
{
	struct fx_resp r;

	fx_http(fx.d.port, "GET", "/healthz", NULL, NULL, 0, 2000, &r);
	cr_expect_eq(r.status, 200);
	fx_resp_free(&r);
}

Test(health, readyz_reports_ready_with_details)
{
	struct fx_resp r;
	json_object *o;

	cr_assert_eq(readyz_until(200), 200);
	fx_http(fx.d.port, "GET", "/readyz", NULL, NULL, 0, 2000, &r);
	o = json_tokener_parse(r.body);
	cr_assert_not_null(o, "%s", r.body);
	cr_expect_str_eq(fx_js(o, "status"), "ready");
	cr_expect_str_eq(fx_js(o, "datacenter"), "dc1");
	cr_expect_str_eq(fx_js(o, "database_reachable"), "true");
	json_object_put(o);
	fx_resp_free(&r);
}

Test(health, drain_file_turns_readyz_503_and_back)
{
	struct fx_resp r;
	json_object *o;
	FILE *fp;

	cr_assert_eq(readyz_until(200), 200);
	fp = fopen(drain, "w");
	fclose(fp);
	fx_http(fx.d.port, "GET", "/readyz", NULL, NULL, 0, 2000, &r);
	cr_expect_eq(r.status, 503);
	o = json_tokener_parse(r.body);
	cr_assert_not_null(o, "%s", r.body);
	cr_expect_str_eq(fx_js(o, "status"), "not ready");
	cr_expect(strstr(fx_js(o, "reason"), "draining") != NULL, "%s",
	    r.body);
	json_object_put(o);
	fx_resp_free(&r);
	/* /status stays 200 for Loom clients while draining. */
	fx_http(fx.d.port, "GET", "/status", NULL, NULL, 0, 2000, &r);
	cr_expect_eq(r.status, 200);
	fx_resp_free(&r);
	unlink(drain);
	cr_expect_eq(readyz_until(200), 200);
}

Test(health, unknown_route_is_404_in_each_format)
{
	struct fx_resp r;
	json_object *o;

	/* Under /v1/loom: Loom's plain-text message. */
	fx_http(fx.d.port, "GET", "/v1/loom/clusters/00000001/nothing-here",
	    "X-Loom-UserID: admin\nAccept: application/json", NULL, 0, 2000,
	    &r);
	cr_expect_eq(r.status, 404);
	cr_expect_str_eq(r.ctype, "text/plain; charset=utf-8");
	cr_expect_str_eq(r.body,
	    "no route for GET /v1/loom/clusters/00000001/nothing-here");
	fx_resp_free(&r);
	/* Elsewhere: loomd's JSON error. */
	fx_http(fx.d.port, "GET", "/nothing-here", NULL, NULL, 0, 2000, &r);
	cr_expect_eq(r.status, 404);
	cr_expect_str_eq(r.ctype, "application/json");
	o = json_tokener_parse(r.body);
	cr_assert_not_null(o, "%s", r.body);
	cr_expect_str_eq(fx_js(o, "status"), "404");
	cr_expect_str_eq(fx_js(o, "message"),
	    "no route for GET /nothing-here");
	json_object_put(o);
	fx_resp_free(&r);
}

Test(health, wrong_method_is_405)
{
	struct fx_resp r;

	fx_http(fx.d.port, "DELETE", "/readyz", NULL, NULL, 0, 2000, &r);
	cr_expect_eq(r.status, 405);
	cr_expect(strstr(r.body, "method DELETE not allowed on /readyz") !=
		NULL,
	    "%s", r.body);
	fx_resp_free(&r);
}

Test(health, oversized_body_is_413)
{
	size_t n = 2 * 1024 * 1024;
	char *big = malloc(n);
	struct fx_resp r;

	memset(big, 'x', n);
	cr_assert_eq(fx_http(fx.d.port, "POST", "/status", NULL, big, n, 10000,
			 &r),
	    0, "%s", r.error);
	cr_expect_eq(r.status, 413);
	cr_expect(strstr(r.body, "request body larger than 1048576 bytes") !=
		NULL,
	    "%s", r.body);
	fx_resp_free(&r);
	free(big);
	/* The server still serves afterwards. */
	fx_http(fx.d.port, "GET", "/status", NULL, NULL, 0, 2000, &r);
	cr_expect_eq(r.status, 200);
	fx_resp_free(&r);
}

Test(health, many_concurrent_requests_all_answer)
{
	struct fx_resp r;
	int i, ok = 0;

	for (i = 0; i < 200; i++) {
		fx_http(fx.d.port, "GET", "/readyz", NULL, NULL, 0, 2000, &r);
		ok += r.status == 200;
		fx_resp_free(&r);
	}
	cr_expect_eq(ok, 200);
}

/* The value of the first sample line starting with prefix, or -1. */
static double
sample(const char *page, const char *prefix)
{
	const char *p = page;
	size_t n = strlen(prefix);

	while ((p = strstr(p, prefix)) != NULL) {
		if ((p == page || p[-1] == '\n') && p[n] == ' ')
			return atof(p + n + 1);
		p += n;
	}
	return -1;
}

Test(health, metrics_counters_move)
{
	const char *req = "loomd_http_requests_total{route=\"GET /status\","
			  "code=\"200\"}";
	const char *tx = "loomd_db_transactions_total";
	struct fx_resp r;
	double before, after, txb, txa;
	int i;

	fx_http(fx.d.port, "GET", "/status", NULL, NULL, 0, 2000, &r);
	fx_resp_free(&r);
	cr_assert_eq(fx_http(fx.d.port, "GET", "/metrics", NULL, NULL, 0, 5000,
			 &r),
	    0);
	cr_assert_eq(r.status, 200);
	before = sample(r.body, req);
	txb = sample(r.body, tx);
	cr_expect_geq(before, 1, "%s", r.body);
	cr_expect(strstr(r.body,
		      "# TYPE loomd_http_request_duration_seconds "
		      "histogram") != NULL);
	cr_expect(strstr(r.body, "loomd_wsrep_cluster_size") != NULL);
	/* A fresh server holds little free memory: nothing trimmed yet. */
	cr_expect_eq(sample(r.body, "loomd_memory_trims_total"), 0, "%s",
	    r.body);
	cr_expect_eq(sample(r.body, "loomd_memory_trimmed_bytes_total"), 0);
	cr_expect(strstr(r.body,
		      "# HELP loomd_jobs Jobs by action and "
		      "status.\n# TYPE loomd_jobs gauge\n") != NULL,
	    "%s", r.body);
	cr_expect(strstr(r.body,
		      "# HELP loomd_tasks Tasks by status and queue "
		      "state.\n# TYPE loomd_tasks gauge\n") != NULL,
	    "%s", r.body);
	fx_resp_free(&r);
	/* The first heartbeat comes with the scheduler's first pass. */
	{
		double deadline = fx_now_ms() + 5000;
		bool beat = false;

		while (!beat && fx_now_ms() < deadline) {
			fx_http(fx.d.port, "GET", "/metrics", NULL, NULL, 0,
			    5000, &r);
			beat = strstr(r.body,
				   "loomd_heartbeat_age_seconds{"
				   "datacenter=\"dc1\"}") != NULL;
			fx_resp_free(&r);
			usleep(100000);
		}
		cr_expect(beat, "no heartbeat of dc1 in /metrics");
	}
	for (i = 0; i < 3; i++) {
		fx_http(fx.d.port, "GET", "/status", NULL, NULL, 0, 2000, &r);
		fx_resp_free(&r);
	}
	/* A write goes through the transaction runner. */
	{
		const char *b = "{\"name\":\"m1\",\"providertype\":"
				"\"joyent\"}";

		fx_http(fx.d.port, "POST", "/v1/loom/providers",
		    "X-Loom-UserID: admin", b, strlen(b), 5000, &r);
	}
	cr_expect_eq(r.status, 200, "%s", r.body);
	fx_resp_free(&r);
	fx_http(fx.d.port, "GET", "/metrics", NULL, NULL, 0, 5000, &r);
	after = sample(r.body, req);
	txa = sample(r.body, tx);
	cr_expect_eq(after, before + 3, "before %g after %g", before, after);
	cr_expect_gt(txa, txb, "transactions did not move");
	fx_resp_free(&r);
}

/* Body of GET path on port (caller frees), status in *code. */
static char *
get_body(int port, const char *path, long *code)
{
	struct fx_resp r;
	char *b;

	fx_http(port, "GET", path, "X-Loom-UserID: admin", NULL, 0, 2000, &r);
	*code = r.status;
	b = strdup(r.body != NULL ? r.body : "");
	fx_resp_free(&r);
	return b;
}

Test(health, health_listener_serves_probes_only)
{
	long code;
	char *b;

	cr_assert_eq(readyz_until(200), 200);
	b = get_body(health_port, "/readyz", &code);
	cr_expect_eq(code, 200, "%s", b);
	cr_expect(strstr(b, "\"status\":\"ready\"") != NULL, "%s", b);
	free(b);
	b = get_body(health_port, "/status", &code);
	cr_expect_eq(code, 200);
	cr_expect_str_eq(b, "OK\n");
	free(b);
	b = get_body(health_port, "/healthz", &code);
	cr_expect_eq(code, 200);
	free(b);
	/* The API and /metrics are on the main port only. */
	b = get_body(health_port, "/v1/loom/providers", &code);
	cr_expect_eq(code, 404, "%s", b);
	free(b);
	b = get_body(health_port, "/metrics", &code);
	cr_expect_eq(code, 404, "%s", b);
	free(b);
	b = get_body(fx.d.port, "/v1/loom/providers", &code);
	cr_expect_eq(code, 200, "%s", b);
	free(b);
}

/* POST a new provider (a write through the write gate); the status. */
static long
write_provider(int port, const char *name, char *body, size_t n)
{
	char b[128];
	struct fx_resp r;
	long code;

	snprintf(b, sizeof b, "{\"name\":\"%s\",\"providertype\":\"joyent\"}",
	    name);
	fx_http(port, "POST", "/v1/loom/providers", "X-Loom-UserID: admin", b,
	    strlen(b), 5000, &r);
	code = r.status;
	if (body != NULL)
		snprintf(body, n, "%s", r.body != NULL ? r.body : r.error);
	fx_resp_free(&r);
	return code;
}

/*
 * SIGSTOP the whole loomd for ms, SIGCONT it, then poll /readyz on the
 * health listener for up to 10 s: whether it reported "rejoining", how
 * long after SIGCONT it was ready (-1: never), and the status of a write
 * sent at the first "rejoining" answer (0: none sent).
 */
static void
freeze(struct fx_daemon *dd, int hport, int ms, bool *rejoining,
    double *ready_ms, long *write_code, char *write_body, size_t n)
{
	double t0;
	long code;
	char *b;

	*rejoining = false;
	*ready_ms = -1;
	*write_code = 0;
	cr_assert_eq(kill(dd->pid, SIGSTOP), 0);
	usleep((useconds_t)ms * 1000);
	cr_assert_eq(kill(dd->pid, SIGCONT), 0);
	t0 = fx_now_ms();
	while (fx_now_ms() - t0 < 10000) {
		b = get_body(hport, "/readyz", &code);
		if (code == 503 && strstr(b, "rejoining") != NULL &&
		    !*rejoining) {
			*rejoining = true;
			*write_code =
			    write_provider(dd->port, "frozen", write_body, n);
		}
		free(b);
		if (code == 200) {
			*ready_ms = fx_now_ms() - t0;
			break;
		}
		usleep(50000);
	}
}

/*
 * A plain MariaDB has no Galera view to rejoin: a loomd frozen for 3 s
 * (longer than the 1.5 s stale time) is ready again at once and takes
 * writes, with no hold-down.
 */
Test(health, frozen_server_on_plain_mariadb_has_no_holddown)
{
	bool rejoining;
	double ready_ms;
	long wcode;
	char body[512];

	cr_assert_eq(readyz_until(200), 200);
	freeze(&fx.d, health_port, 3000, &rejoining, &ready_ms, &wcode, body,
	    sizeof body);
	cr_expect(!rejoining, "a hold-down on a plain MariaDB");
	cr_expect_geq(ready_ms, 0, "not ready after SIGCONT");
	cr_expect_lt(ready_ms, 1500, "ready only %.0f ms after SIGCONT",
	    ready_ms);
	cr_expect_eq(write_provider(fx.d.port, "after-freeze", body,
			 sizeof body),
	    200, "%s", body);
}

/*
 * A probe that is late (here delayed by 2.5 s per probe through the
 * test-only LOOMD_TEST_PROBE_DELAY_MS, longer than the 1.5 s stale time,
 * as on a loaded host) while the database answers fine: loomd stays
 * ready and every write in 8 s succeeds.
 */
Test(health, slow_probe_keeps_serving_writes)
{
	double t0;
	int writes = 0, ok = 0, ready = 0, checks = 0;
	char name[32], body[512], log[8192];
	long code;
	char *b;

	fx_daemon_stop(&fx.d);
	cr_assert_eq(setenv("LOOMD_TEST_PROBE_DELAY_MS", "2500", 1), 0);
	cr_assert_eq(fx_daemon_start(&fx.d, NULL), 0, "loomd did not start");
	unsetenv("LOOMD_TEST_PROBE_DELAY_MS");
	/* The first probe finishes 2.5 s after the start. */
	{
		double deadline = fx_now_ms() + 8000;

		do {
			b = get_body(health_port, "/readyz", &code);
			free(b);
			if (code == 200)
				break;
			usleep(100000);
		} while (fx_now_ms() < deadline);
		cr_assert_eq(code, 200, "never ready with slow probes");
	}
	t0 = fx_now_ms();
	while (fx_now_ms() - t0 < 8000) {
		snprintf(name, sizeof name, "slow%d", writes);
		code = write_provider(fx.d.port, name, body, sizeof body);
		writes++;
		ok += code == 200;
		cr_expect_eq(code, 200, "write %d after %.0f ms: %ld %s",
		    writes, fx_now_ms() - t0, code, body);
		b = get_body(health_port, "/readyz", &code);
		checks++;
		ready += code == 200;
		cr_expect_eq(code, 200, "/readyz after %.0f ms: %s",
		    fx_now_ms() - t0, b);
		free(b);
		usleep(100000);
	}
	cr_expect_gt(writes, 20);
	cr_expect_eq(ok, writes);
	cr_expect_eq(ready, checks);
	/* The hook was really on: the probes were slow. */
	fx_daemon_log(&fx.d, log, sizeof log);
	cr_expect(strstr(log, "LOOMD_TEST_PROBE_DELAY_MS") != NULL, "%s", log);
}

/* ---------------------------------------------------------------- */
/* On Galera node 1                                                 */

static struct fx_db gnode;
static char gdbname[64];
static struct fx_daemon gd;
static int ghealth_port;

static void
gsetup(void)
{
	char extra[512];

	fx_galera_from_env(&gnode, 1);
	fx_db_name(gdbname, sizeof gdbname);
	ghealth_port = fx_free_port();
	cr_assert_gt(ghealth_port, 0);
	snprintf(extra, sizeof extra,
	    "ha = { health_interval_ms = 200; "
	    "rejoin_holddown_ms = 3000; };\nserver = { host = \"127.0.0.1\"; "
	    "threads = 4; health_port = %d; };",
	    ghealth_port);
	fx_daemon_prepare(&gd, &gnode, gdbname, extra);
	cr_assert_eq(fx_daemon_start(&gd, NULL), 0, "loomd did not start");
}

static void
gteardown(void)
{
	char sql[128];

	fx_daemon_stop(&gd);
	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", gdbname);
	fx_sql(&gnode, NULL, sql, NULL, 0);
}

TestSuite(health_galera, .init = gsetup, .fini = gteardown, .timeout = 90);

/* Kill every connection of loomd gd to its database; how many. */
static int
kill_loomd_connections(void)
{
	char sql[256], ids[1024], *id, *save;
	int n = 0;

	snprintf(sql, sizeof sql,
	    "SELECT GROUP_CONCAT(ID) FROM "
	    "information_schema.PROCESSLIST WHERE DB = '%s'",
	    gdbname);
	if (fx_sql(&gnode, NULL, sql, ids, sizeof ids) != 0)
		return -1;
	for (id = strtok_r(ids, ",", &save); id != NULL;
	     id = strtok_r(NULL, ",", &save)) {
		snprintf(sql, sizeof sql, "KILL CONNECTION %s", id);
		n += fx_sql(&gnode, NULL, sql, NULL, 0) == 0;
	}
	return n;
}

/*
 * A server frozen for longer than the probe's stale time (SIGSTOP, as
 * when its host or VM is paused) may be looking at an old Galera view
 * when it resumes: it reports "rejoining" and refuses writes for
 * ha.rejoin_holddown_ms (3 s here), then is ready.
 */
Test(health_galera, frozen_server_holds_writes_down)
{
	bool rejoining;
	double ready_ms;
	long wcode;
	char body[512];

	cr_assert_eq(readyz_until_port(ghealth_port, 200), 200);
	freeze(&gd, ghealth_port, 3000, &rejoining, &ready_ms, &wcode, body,
	    sizeof body);
	cr_expect(rejoining, "never reported rejoining after SIGCONT");
	cr_expect_eq(wcode, 503, "a write in the hold-down: %s", body);
	cr_expect(strstr(body, "rejoining") != NULL, "%s", body);
	cr_expect_geq(ready_ms, 2800, "ready %.0f ms after SIGCONT", ready_ms);
	cr_expect_lt(ready_ms, 6000, "not ready %.0f ms after SIGCONT",
	    ready_ms);
	cr_expect_eq(write_provider(gd.port, "after-holddown", body,
			 sizeof body),
	    200, "%s", body);
}

/*
 * A failed probe inside the hold-down (its connection killed under it)
 * does not end the hold-down early: it still lasts the full 3 s.
 */
Test(health_galera, failed_probe_does_not_end_holddown)
{
	double t0, ready_ms = -1;
	bool rejoining = false;
	long code;
	char *b;

	cr_assert_eq(readyz_until_port(ghealth_port, 200), 200);
	cr_assert_eq(kill(gd.pid, SIGSTOP), 0);
	usleep(2500000);
	cr_assert_eq(kill(gd.pid, SIGCONT), 0);
	t0 = fx_now_ms();
	while (fx_now_ms() - t0 < 10000) {
		b = get_body(ghealth_port, "/readyz", &code);
		if (!rejoining && code == 503 &&
		    strstr(b, "rejoining") != NULL) {
			rejoining = true;
			usleep(300000);
			cr_expect_gt(kill_loomd_connections(), 0);
		}
		free(b);
		if (code == 200) {
			ready_ms = fx_now_ms() - t0;
			break;
		}
		usleep(50000);
	}
	cr_expect(rejoining, "never reported rejoining after SIGCONT");
	cr_expect_geq(ready_ms, 2800,
	    "ready %.0f ms after SIGCONT: the "
	    "failed probe ended the hold-down",
	    ready_ms);
}
