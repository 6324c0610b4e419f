/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_dbdown.c - the database dies under a running loomd: requests get
 * 503 within db.connect_timeout_ms plus one second and never hang, and
 * loomd recovers by itself when the database comes back, without a rejoin
 * hold-down (a plain MariaDB has no Galera view to rejoin).  Uses its own
 * private mariadbd (scripts/test-db --dir) so that killing it does not
 * disturb other tests.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"

static char dir[128];
static char script[1024];
static struct fx_db db;

static void
setup(void)
{
	char env[2048], *line, *save, *eq;
	FILE *fp;

	fx_db_from_env(&db); /* the suite runs where test DBs may run */
	fx_srcpath(script, sizeof script, "scripts/test-db");
	snprintf(dir, sizeof dir, "/tmp/loomd-dbdown.%ld", (long)getpid());
	snprintf(env, sizeof env, "'%s' start --dir %s 2>/dev/null", script,
	    dir);
	fp = popen(env, "r");
	cr_assert_not_null(fp);
	memset(env, 0, sizeof env);
	fread(env, 1, sizeof env - 1, fp);
	cr_assert_eq(pclose(fp), 0, "test-db start failed");
	memset(&db, 0, sizeof db);
	snprintf(db.host, sizeof db.host, "127.0.0.1");
	for (line = strtok_r(env, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char *v;

		if ((eq = strchr(line, '=')) == NULL)
			continue;
		*eq = '\0';
		v = eq + 1;
		if (*v == '\'')
			v++;
		v[strcspn(v, "'")] = '\0';
		if (strstr(line, "LOOMD_TEST_DB_PORT") != NULL)
			db.port = atoi(v);
		else if (strstr(line, "LOOMD_TEST_DB_USER") != NULL)
			snprintf(db.user, sizeof db.user, "%s", v);
		else if (strstr(line, "LOOMD_TEST_DB_PASSWORD") != NULL)
			snprintf(db.password, sizeof db.password, "%s", v);
	}
	cr_assert_gt(db.port, 0, "no port from test-db");
}

static void
teardown(void)
{
	fx_shell("'%s' stop --purge --dir %s >/dev/null 2>&1", script, dir);
}

TestSuite(dbdown, .init = setup, .fini = teardown, .timeout = 180);
FX_MAIN(FX_NEED_DB, 0)

/* Poll GET path until it answers want; returns ms taken or -1. */
static double
until_status(int port, const char *path, long want, double limit_ms,
    double *max_req_ms)
{
	double t0 = fx_now_ms();
	struct fx_resp r;

	while (fx_now_ms() - t0 < limit_ms) {
		fx_http(port, "GET", path, NULL, NULL, 0, 10000, &r);
		if (max_req_ms != NULL && r.ms > *max_req_ms)
			*max_req_ms = r.ms;
		if (r.status == want) {
			fx_resp_free(&r);
			return fx_now_ms() - t0;
		}
		fx_resp_free(&r);
		usleep(50000);
	}
	return -1;
}

Test(dbdown, killed_database_gives_fast_503_and_loomd_recovers)
{
	struct fx_daemon d;
	double took, slowest = 0;

	fx_daemon_prepare(&d, &db, "loomd_dbdown",
	    "ha = { health_interval_ms = 200; rejoin_holddown_ms = 8000; };");
	/* Over TCP, so a dead server is a refused connection. */
	cr_assert_eq(fx_daemon_start(&d, NULL), 0);
	cr_assert_geq(until_status(d.port, "/readyz", 200, 5000, NULL), 0);

	cr_assert_eq(fx_shell("'%s' kill --dir %s >/dev/null 2>&1", script,
			 dir),
	    0);
	/* connect_timeout_ms is 2000 in the fixture: 503 within 3 s. */
	took = until_status(d.port, "/readyz", 503, 3000, &slowest);
	cr_expect_geq(took, 0, "/readyz not 503 within 3 s");
	cr_expect_lt(slowest, 3000, "a request took %.0f ms", slowest);
	/* A request that needs the database: 503, fast, every time. */
	{
		struct fx_resp r;
		int i;

		for (i = 0; i < 5; i++) {
			fx_http(d.port, "GET", "/v1/loom/providers",
			    "X-Loom-UserID: admin", NULL, 0, 10000, &r);
			cr_expect_eq(r.status, 503, "%s", r.body);
			cr_expect_lt(r.ms, 3000, "took %.0f ms", r.ms);
			/* Loom's error format: the message as plain text. */
			cr_expect_str_eq(r.ctype, "text/plain; charset=utf-8");
			cr_expect(r.body[0] != '\0' && r.body[0] != '{', "%s",
			    r.body);
			fx_resp_free(&r);
		}
		/* A write is refused at once, whatever Accept says. */
		fx_http(d.port, "POST", "/v1/loom/providers",
		    "X-Loom-UserID: admin\nAccept: application/json",
		    "{\"name\":\"p\",\"providertype\":\"joyent\"}", 36, 10000,
		    &r);
		cr_expect_eq(r.status, 503, "%s", r.body);
		cr_expect_str_eq(r.ctype, "text/plain; charset=utf-8");
		cr_expect(strncmp(r.body, "not accepting writes: ", 22) == 0,
		    "%s", r.body);
		fx_resp_free(&r);
	}

	/*
	 * Down longer than the probe's stale time (1.5 s): a real outage,
	 * but of a plain MariaDB, which has no Galera view to rejoin: no
	 * hold-down, loomd is ready as soon as the database answers.
	 */
	sleep(2);
	cr_assert_eq(fx_shell("'%s' restart --dir %s >/dev/null 2>&1", script,
			 dir),
	    0);
	{
		double t0 = fx_now_ms(), ready = -1;
		struct fx_resp r;

		while (fx_now_ms() - t0 < 8000 && ready < 0) {
			fx_http(d.port, "GET", "/readyz", NULL, NULL, 0, 10000,
			    &r);
			cr_expect(r.status != 503 || r.body == NULL ||
				strstr(r.body, "rejoining") == NULL,
			    "a hold-down after a plain MariaDB restart: %s",
			    r.body);
			if (r.status == 200)
				ready = fx_now_ms() - t0;
			fx_resp_free(&r);
			usleep(50000);
		}
		/* The restart returned once the server answered. */
		cr_expect_geq(ready, 0, "loomd did not recover");
		cr_expect_lt(ready, 2000, "ready %.0f ms after the restart",
		    ready);
	}
	/* Requests work again without restarting loomd. */
	{
		struct fx_resp r;

		fx_http(d.port, "GET", "/v1/loom/providers",
		    "X-Loom-UserID: admin", NULL, 0, 10000, &r);
		cr_expect_eq(r.status, 200, "%s", r.body);
		fx_resp_free(&r);
	}
	cr_expect_eq(fx_daemon_stop(&d), 0);
}
