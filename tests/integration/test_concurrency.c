/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_concurrency.c - many clients and provisioners at once against a
 * real loomd: 4 clients create 20 clusters of 1 to 5 nodes concurrently
 * while loom-dummy-provisioner runs 8 workers; every cluster must reach
 * ACTIVE, every task must be finished exactly once (retried attempts
 * excepted and counted), and after deletion every cluster is TERMINATED.
 * And a write held up by another session's row lock is logged as slow.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <json-c/json.h>
#include <mysql.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"

#define NCLIENTS 4
#define PER_CLIENT 5

static pid_t prov = -1;
static char provlog[300];

static void
setup(void)
{
	fx_start("scheduler = { interval_ms = 50; };", FX_CLUSTER_FIXTURES);
}

static void
teardown(void)
{
	fx_provisioner_stop(&prov);
	fx_fini();
}

TestSuite(concurrency, .init = setup, .fini = teardown, .timeout = 240);
FX_MAIN(FX_NEED_DB, 0)

struct client {
	int n;
	char ids[PER_CLIENT][32];
};

/* Thread: one client creating its clusters. */
static void *
client_main(void *p)
{
	struct client *c = p;
	char body[256], user[32];
	struct fx_resp r;
	int i;

	snprintf(user, sizeof user, "X-Loom-UserID: client%d", c->n);
	for (i = 0; i < PER_CLIENT; i++) {
		snprintf(body, sizeof body,
		    "{\"name\":\"cc%d-%d\","
		    "\"numMachines\":%d,\"clusterTemplate\":\"one-machine\"}",
		    c->n, i, 1 + (c->n * PER_CLIENT + i) % 5);
		fx_http(fx.d.port, "POST", "/v1/loom/clusters", user, body,
		    strlen(body), 15000, &r);
		if (r.status == 200) {
			struct json_object *o = json_tokener_parse(r.body), *v;

			if (json_object_object_get_ex(o, "id", &v))
				snprintf(c->ids[i], 32, "%s",
				    json_object_get_string(v));
			json_object_put(o);
		}
		fx_resp_free(&r);
	}
	return NULL;
}

/* Wait until every listed cluster has status want; returns how many do. */
static int
wait_all(struct client *cl, const char *want, double ms)
{
	double deadline = fx_now_ms() + ms;
	char path[128], user[32];
	int k, i, ok = 0;

	while (fx_now_ms() < deadline) {
		ok = 0;
		for (k = 0; k < NCLIENTS; k++) {
			snprintf(user, sizeof user, "X-Loom-UserID: client%d",
			    k);
			for (i = 0; i < PER_CLIENT; i++) {
				struct fx_resp r;

				snprintf(path, sizeof path,
				    "/v1/loom/clusters/%s/status",
				    cl[k].ids[i]);
				fx_http(fx.d.port, "GET", path, user, NULL, 0,
				    10000, &r);
				if (r.status == 200 && strstr(r.body, want))
					ok++;
				fx_resp_free(&r);
			}
		}
		if (ok == NCLIENTS * PER_CLIENT)
			break;
		usleep(200000);
	}
	return ok;
}

Test(concurrency, clients_and_provisioners_at_once)
{
	struct client cl[NCLIENTS];
	pthread_t th[NCLIENTS];
	char path[128], user[32], line[512], out[64], errlog[300];
	int k, i, ok, tasks, dup = 0, lines = 0;
	FILE *fp;

	snprintf(provlog, sizeof provlog, "%s/provisioner.log", fx.d.dir);
	snprintf(errlog, sizeof errlog, "%s/provisioner.err", fx.d.dir);
	prov = fx_provisioner_start(fx.d.port, 8, NULL, "7", provlog, errlog);
	for (k = 0; k < NCLIENTS; k++) {
		memset(&cl[k], 0, sizeof cl[k]);
		cl[k].n = k;
		pthread_create(&th[k], NULL, client_main, &cl[k]);
	}
	for (k = 0; k < NCLIENTS; k++)
		pthread_join(th[k], NULL);
	for (k = 0; k < NCLIENTS; k++)
		for (i = 0; i < PER_CLIENT; i++)
			cr_assert_eq(strlen(cl[k].ids[i]), 8,
			    "client %d "
			    "cluster %d was not created",
			    k, i);
	ok = wait_all(cl, "\"status\":\"ACTIVE\"", 120000);
	cr_assert_eq(ok, NCLIENTS * PER_CLIENT, "%d of %d ACTIVE", ok,
	    NCLIENTS * PER_CLIENT);

	/* Every task of every create job finished ok exactly once. */
	cr_assert_eq(
	    fx_sql(&fx.db, fx.dbname,
		"SELECT COUNT(*) FROM tasks WHERE "
		"cluster_action = 'CLUSTER_CREATE' AND is_rollback = 0",
		out, sizeof out),
	    0, "%s", out);
	tasks = atoi(out);
	fx_sql(&fx.db, fx.dbname,
	    "SELECT COUNT(*) FROM tasks WHERE status <> "
	    "'COMPLETE' AND is_rollback = 0",
	    out, sizeof out);
	cr_expect_str_eq(out, "0", "every task complete");
	fx_sql(&fx.db, fx.dbname,
	    "SELECT COALESCE(MAX(attempts), 0) FROM tasks", out, sizeof out);
	cr_expect_str_eq(out, "1", "no task needed a second attempt");
	usleep(300000);
	fp = fopen(provlog, "r");
	cr_assert_not_null(fp, "no provisioner log");
	{
		char **seen = calloc((size_t)tasks * 2 + 16, sizeof *seen);
		int nseen = 0;

		while (fgets(line, sizeof line, fp) != NULL) {
			char worker[128], task[128], st[32];

			if (sscanf(line, "%127s %127s %31s", worker, task,
				st) != 3 ||
			    strcmp(st, "ok") != 0)
				continue;
			lines++;
			for (i = 0; i < nseen; i++)
				if (strcmp(seen[i], task) == 0)
					dup++;
			if (nseen < tasks * 2 + 16)
				seen[nseen++] = strdup(task);
		}
		for (i = 0; i < nseen; i++)
			free(seen[i]);
		free(seen);
	}
	fclose(fp);
	cr_expect_eq(dup, 0, "%d tasks finished twice", dup);
	cr_expect_eq(lines, tasks, "%d finished in the log, %d tasks", lines,
	    tasks);

	/* Delete them all. */
	for (k = 0; k < NCLIENTS; k++) {
		snprintf(user, sizeof user, "X-Loom-UserID: client%d", k);
		for (i = 0; i < PER_CLIENT; i++) {
			struct fx_resp r;

			snprintf(path, sizeof path, "/v1/loom/clusters/%s",
			    cl[k].ids[i]);
			fx_http(fx.d.port, "DELETE", path, user, NULL, 0,
			    10000, &r);
			cr_expect_eq(r.status, 200);
			fx_resp_free(&r);
		}
	}
	ok = wait_all(cl, "\"status\":\"TERMINATED\"", 120000);
	cr_expect_eq(ok, NCLIENTS * PER_CLIENT, "%d of %d TERMINATED", ok,
	    NCLIENTS * PER_CLIENT);
}

struct slow_write {
	char id[32];
	long status;
};

/* Thread: abort cluster w->id through the suite's loomd. */
static void *
slow_write_main(void *p)
{
	struct slow_write *w = p;

	w->status =
	    fx_api_cluster("user1", "POST", w->id, "/abort", NULL, NULL);
	return NULL;
}

/*
 * A write that waits for a row lock held outside loomd for 1.5 s takes
 * more than a second, and loomd's log says so with how it ended, so that a
 * slow answer can be told from a slow network or a slow client.
 */
Test(concurrency, a_slow_transaction_is_logged)
{
	struct slow_write w;
	pthread_t th;
	char q[128], log[65536], err[256];
	const char *step;
	long long step_ms = 0;
	MYSQL *my;

	fx_create(fx.d.port, "user1",
	    "{\"name\":\"slow\",\"numMachines\":1,"
	    "\"clusterTemplate\":\"one-machine\"}",
	    w.id);
	my = fx_db_connect(&fx.db, fx.dbname, err, sizeof err);
	cr_assert_not_null(my, "%s", err);
	snprintf(q, sizeof q,
	    "SELECT id FROM clusters WHERE id = %lld FOR "
	    "UPDATE",
	    strtoll(w.id, NULL, 10));
	cr_assert_eq(mysql_query(my, "START TRANSACTION"), 0);
	cr_assert_eq(mysql_query(my, q), 0, "%s", mysql_error(my));
	mysql_free_result(mysql_store_result(my));
	pthread_create(&th, NULL, slow_write_main, &w);
	usleep(1500 * 1000);
	cr_assert_eq(mysql_query(my, "COMMIT"), 0);
	pthread_join(th, NULL);
	mysql_close(my);
	/* Answered (200, or 409 while the create job still runs), not 503. */
	cr_expect(w.status == 200 || w.status == 409, "abort: %ld", w.status);
	fx_daemon_log(&fx.d, log, sizeof log);
	cr_expect_not_null(strstr(log, "db: a transaction took "), "%s", log);
	cr_expect_not_null(strstr(log, " re-run(s)"), "%s", log);
	/* It names the statement that waited for the lock, and how long. */
	step = strstr(log, "slowest step ");
	cr_assert_not_null(step, "%s", log);
	cr_assert_eq(sscanf(step, "slowest step %lld ms", &step_ms), 1, "%s",
	    step);
	cr_expect_geq(step_ms, 1000, "%s", step);
	cr_expect_null(strstr(step, ": COMMIT"), "%s", step);
}
