/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_galera.c - loomd on the 3-node loopback Galera cluster
 * (scripts/galera-local), one datacenter per node: migrations applied once
 * when three servers start together, concurrent ID allocation that is
 * unique, in its residue class and free of certification conflicts, and
 * /readyz following a node's isolation from the Primary Component and its
 * heal.  Tests run one at a time: they share (and isolate nodes of) one
 * cluster.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <mysql.h>
#include <pthread.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cbrecv.h"
#include "cfg.h"
#include "db.h"
#include "fixture.h"
#include "ids.h"
#include "schema.h"

#define NIDS 10000

static struct fx_db node[4];
static char dbname[64];

static void
setup(void)
{
	int i;

	for (i = 1; i <= 3; i++)
		fx_galera_from_env(&node[i], i);
	fx_db_name(dbname, sizeof dbname);
}

static void
teardown(void)
{
	char sql[128];

	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", dbname);
	fx_sql(&node[1], NULL, sql, NULL, 0);
}

TestSuite(galera, .init = setup, .fini = teardown, .timeout = 300);
/* One cluster, faults on its nodes: never run these in parallel. */
FX_MAIN(FX_NEED_GALERA, 1)

/*
 * Start a provisioner of workers workers named prefix against loomd dc,
 * logging its tasks to prov.log in dc's directory (that path into log, size
 * n, unless log is NULL).  Returns its pid.
 */
static pid_t
dc_provisioner(const struct fx_daemon *dc, int workers, const char *prefix,
    char *log, size_t n)
{
	char path[256];

	snprintf(path, sizeof path, "%s/prov.log", dc->dir);
	if (log != NULL)
		snprintf(log, n, "%s", path);
	return fx_provisioner_start(dc->port, workers, prefix, NULL, path,
	    NULL);
}

/* Prepare the loomd of datacenter i (1..3) on Galera node i. */
static void
dc(struct fx_daemon *d, int i, const char *more)
{
	char extra[512];

	snprintf(extra, sizeof extra,
	    "datacenter = \"dc%d\";\nids = { "
	    "start_num = %d; increment_by = 10; };\nha = { "
	    "health_interval_ms = 200; };\n%s",
	    i, i, more != NULL ? more : "");
	fx_daemon_prepare(d, &node[i], dbname, extra);
}

/* Start three daemons at the same moment and wait for all. */
static void
start_three(struct fx_daemon d[4])
{
	char portfile[320], buf[32];
	FILE *fp;
	int i;

	for (i = 1; i <= 3; i++) {
		snprintf(portfile, sizeof portfile, "%s/port", d[i].dir);
		d[i].pid = fork();
		cr_assert_neq(d[i].pid, -1);
		if (d[i].pid == 0) {
			if (freopen(d[i].log, "w", stderr) == NULL)
				_exit(126);
			execl(getenv("LOOMD_BIN"), "loomd", "-c", d[i].conf,
			    "--port", "0", "--port-file", portfile,
			    (char *)NULL);
			_exit(127);
		}
	}
	for (i = 1; i <= 3; i++) {
		double deadline = fx_now_ms() + 60000;

		snprintf(portfile, sizeof portfile, "%s/port", d[i].dir);
		d[i].port = 0;
		while (fx_now_ms() < deadline && d[i].port == 0) {
			int st;

			if ((fp = fopen(portfile, "r")) != NULL) {
				if (fgets(buf, sizeof buf, fp) != NULL)
					d[i].port = atoi(buf);
				fclose(fp);
			}
			if (d[i].port == 0 &&
			    waitpid(d[i].pid, &st, WNOHANG) == d[i].pid) {
				char log[4096];

				d[i].pid = -1;
				fx_daemon_log(&d[i], log, sizeof log);
				cr_assert_fail(
				    "server %d exited (%d) at start:"
				    "\n%s",
				    i, WEXITSTATUS(st), log);
			}
			usleep(20000);
		}
		if (d[i].port == 0) {
			char log[4096];

			fx_daemon_log(&d[i], log, sizeof log);
			cr_assert_fail("server %d did not start in 60 s:\n%s",
			    i, log);
		}
	}
}

/* Sum of wsrep_local_cert_failures over the three nodes. */
static long
cert_failures(void)
{
	char out[64];
	long sum = 0;
	int i;

	for (i = 1; i <= 3; i++) {
		cr_assert_eq(
		    fx_sql(&node[i], NULL,
			"SELECT VARIABLE_VALUE FROM "
			"information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = "
			"'WSREP_LOCAL_CERT_FAILURES'",
			out, sizeof out),
		    0, "%s", out);
		sum += atol(out);
	}
	return sum;
}

/* GET /readyz on port; returns the status (0 on no answer). */
static long
readyz(int port)
{
	struct fx_resp r;
	long s;

	fx_http(port, "GET", "/readyz", NULL, NULL, 0, 3000, &r);
	s = r.status;
	cr_expect_lt(r.ms, 2500, "/readyz took %.0f ms", r.ms);
	fx_resp_free(&r);
	return s;
}

Test(galera, three_datacenters_starting_together_migrate_once)
{
	struct fx_daemon d[4];
	char log[32768], out[64];
	int i, applied = 0;

	for (i = 1; i <= 3; i++)
		dc(&d[i], i, NULL);
	start_three(d);
	for (i = 1; i <= 3; i++) {
		fx_daemon_log(&d[i], log, sizeof log);
		if (strstr(log, "schema: applying migration 0001") != NULL)
			applied++;
	}
	cr_expect_eq(applied, 1, "exactly one server applies 0001");
	fx_sql(&node[3], dbname,
	    "SELECT COUNT(*) FROM schema_version WHERE "
	    "state = 'done'",
	    out, sizeof out);
	cr_expect_eq(atoi(out), (int)schema_migrations_count);
	fx_sql(&node[2], dbname,
	    "SELECT GROUP_CONCAT(residue ORDER BY "
	    "residue) FROM id_partitions",
	    out, sizeof out);
	cr_expect_str_eq(out, "1,2,3");
	for (i = 1; i <= 3; i++) {
		cr_expect_eq(readyz(d[i].port), 200);
		cr_expect_eq(fx_daemon_stop(&d[i]), 0);
	}
}

/*
 * Child: run the allocator of datacenter i against node i (registering its
 * partition as loomd does at startup) and write NIDS cluster IDs to fd.
 */
static void
alloc_child(int i, int fd, double start_at)
{
	char text[1024], err[LOOMD_ERR_LEN];
	struct cfg_errors errs = { NULL, 0 };
	struct db_conn *c;
	struct cfg k;
	FILE *fp;
	int64_t id;
	int n;

	snprintf(text, sizeof text,
	    "datacenter = \"dc%d\";\nids = { "
	    "start_num = %d; increment_by = 10; block_size = 100; };\n"
	    "db = { host = \"%s\"; port = %d; user = \"%s\"; password = "
	    "\"%s\"; name = \"%s\"; };\n",
	    i, i, node[i].host, node[i].port, node[i].user, node[i].password,
	    dbname);
	if (cfg_load_string(&k, "alloc", text, &errs) != 0)
		_exit(10);
	db_global_init(&k);
	if ((c = db_connect(DB_ROLE_WORKER, NULL, err)) == NULL)
		_exit(11);
	if (ids_register(c, &k, err) != IDS_OK) {
		fprintf(stderr, "dc%d: %s\n", i, err);
		_exit(12);
	}
	db_close(c);
	ids_init(&k);
	while (fx_now_ms() < start_at)
		usleep(1000);
	fp = fdopen(fd, "w");
	for (n = 0; n < NIDS; n++) {
		if (ids_next(IDS_CLUSTER, &id, err) != DB_OK) {
			fprintf(stderr, "dc%d: %s\n", i, err);
			_exit(13);
		}
		fprintf(fp, "%d %lld\n", i, (long long)id);
	}
	fclose(fp);
	ids_shutdown();
	_exit(0);
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

Test(galera, concurrent_allocation_is_unique_residue_bound_and_conflict_free)
{
	struct fx_daemon d;
	char path[3][128];
	long long *all;
	long before, after;
	size_t n = 0, k;
	double start_at;
	pid_t pid[3];
	int i, st, fd;
	FILE *fp;

	/*
	 * The schema and the three partitions come from real loomd starts;
	 * registration itself is serialised on purpose (one row every
	 * registration updates), so it is kept out of the measurement.
	 */
	for (i = 1; i <= 3; i++) {
		dc(&d, i, NULL);
		cr_assert_eq(fx_daemon_start(&d, NULL), 0);
		fx_daemon_stop(&d);
	}
	before = cert_failures();
	start_at = fx_now_ms() + 2000;
	for (i = 0; i < 3; i++) {
		snprintf(path[i], sizeof path[i], "/tmp/loomd-ids.%ld.%d",
		    (long)getpid(), i);
		fd = open(path[i], O_WRONLY | O_CREAT | O_TRUNC, 0644);
		cr_assert_neq(fd, -1);
		if ((pid[i] = fork()) == 0)
			alloc_child(i + 1, fd, start_at);
		close(fd);
	}
	for (i = 0; i < 3; i++) {
		waitpid(pid[i], &st, 0);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		    "allocator %d failed (%d)", i + 1, WEXITSTATUS(st));
	}
	after = cert_failures();
	all = calloc(3 * NIDS, sizeof *all);
	for (i = 0; i < 3; i++) {
		int dcn;
		long long id;

		fp = fopen(path[i], "r");
		cr_assert_not_null(fp);
		while (fscanf(fp, "%d %lld", &dcn, &id) == 2) {
			cr_assert_eq(id % 10, dcn,
			    "id %lld of dc%d outside "
			    "its residue",
			    id, dcn);
			all[n++] = id;
		}
		fclose(fp);
		unlink(path[i]);
	}
	cr_assert_eq(n, 3 * NIDS);
	qsort(all, n, sizeof *all, cmp_ll);
	for (k = 1; k < n; k++)
		cr_assert_neq(all[k], all[k - 1], "duplicate id %lld", all[k]);
	free(all);
	cr_expect_eq(after - before, 0, "%ld certification failures",
	    after - before);
}

Test(galera, readyz_follows_isolation_and_heal)
{
	struct fx_daemon d[4];
	char script[1024];
	double t0, turned = -1;
	bool wrote;
	int i;

	fx_srcpath(script, sizeof script, "scripts/galera-local");
	for (i = 1; i <= 3; i++)
		dc(&d[i], i, NULL);
	start_three(d);
	for (i = 1; i <= 3; i++) {
		double until = fx_now_ms() + 5000;

		while (readyz(d[i].port) != 200 && fx_now_ms() < until)
			usleep(100000);
		cr_assert_eq(readyz(d[i].port), 200, "dc%d not ready", i);
	}
	cr_assert_eq(fx_shell("'%s' isolate 3 >/dev/null", script), 0);
	t0 = fx_now_ms();
	wrote = false;
	while (fx_now_ms() - t0 < 12000) {
		/* A write to dc3 while its node is being cut off. */
		if (!wrote && fx_now_ms() - t0 > 300) {
			struct fx_resp r;
			const char *b = "{\"name\":\"iso\",\"providertype\":"
					"\"joyent\"}";

			fx_http(d[3].port, "PUT", "/v1/loom/providers/iso",
			    "X-Loom-UserID: admin", b, strlen(b), 15000, &r);
			cr_expect(r.status == 200 || r.status == 503,
			    "write during isolation: %ld %s", r.status,
			    r.error);
			/* write_timeout_ms is 3000 in the fixture. */
			cr_expect_lt(r.ms, 3000 + 1000, "write took %.0f ms",
			    r.ms);
			cr_log_info("write during isolation: %ld in %.0f ms",
			    r.status, r.ms);
			fx_resp_free(&r);
			wrote = true;
		}
		cr_expect_eq(readyz(d[1].port), 200, "dc1 lost readiness");
		cr_expect_eq(readyz(d[2].port), 200, "dc2 lost readiness");
		if (readyz(d[3].port) == 503) {
			turned = fx_now_ms() - t0;
			break;
		}
		usleep(100000);
	}
	cr_expect(wrote, "no write was sent during the isolation");
	cr_expect_geq(turned, 0, "dc3 never turned 503");
	cr_expect_leq(turned, 8000, "dc3 turned 503 after %.0f ms", turned);
	cr_log_info("dc3 not ready %.0f ms after isolation", turned);
	cr_assert_eq(fx_shell("'%s' heal 3 >/dev/null", script), 0);
	t0 = fx_now_ms();
	while (readyz(d[3].port) != 200 && fx_now_ms() - t0 < 30000)
		usleep(200000);
	cr_expect_eq(readyz(d[3].port), 200, "dc3 not ready after heal");
	for (i = 1; i <= 3; i++)
		fx_daemon_stop(&d[i]);
}

/* Send a request to port; returns the status (0: no answer). */
static long
http_status(int port, const char *method, const char *path, const char *body,
    char *out, size_t n)
{
	return fx_http_text(port, method, path, "X-Loom-UserID: admin", body,
	    15000, out, n);
}

Test(galera, write_in_one_datacenter_is_read_at_once_in_the_others)
{
	struct fx_daemon d[4];
	char body[256], path[128], out[1024];
	int i, stale = 0;

	for (i = 1; i <= 3; i++)
		dc(&d[i], i, NULL);
	start_three(d);
	for (i = 0; i < 200; i++) {
		snprintf(body, sizeof body,
		    "{\"name\":\"p%d\",\"description\":"
		    "\"v%d\",\"providertype\":\"joyent\"}",
		    i % 7, i);
		snprintf(path, sizeof path, "/v1/loom/providers/p%d", i % 7);
		cr_assert_eq(http_status(d[1].port, "PUT", path, body, NULL,
				 0),
		    200);
		snprintf(body, sizeof body, "\"description\":\"v%d\"", i);
		if (http_status(d[2 + i % 2].port, "GET", path, NULL, out,
			sizeof out) != 200 ||
		    strstr(out, body) == NULL)
			stale++;
	}
	cr_expect_eq(stale, 0, "%d stale reads of 200", stale);
	for (i = 1; i <= 3; i++)
		fx_daemon_stop(&d[i]);
}

struct race_arg {
	int port;
	int round;
	char who;
	long status;
};

/* Thread: PUT provider "race" with a description naming this writer. */
static void *
race_put(void *p)
{
	struct race_arg *a = p;
	char body[256];

	snprintf(body, sizeof body,
	    "{\"name\":\"race\",\"description\":"
	    "\"round %d by %c\",\"providertype\":\"joyent\",\"provisioner\":"
	    "{\"auth\":{\"owner\":\"%c\",\"round\":\"%d\"}}}",
	    a->round, a->who, a->who, a->round);
	a->status = http_status(a->port, "PUT", "/v1/loom/providers/race",
	    body, NULL, 0);
	return NULL;
}

Test(galera, concurrent_puts_from_two_datacenters_never_mix)
{
	struct fx_daemon d[4];
	struct race_arg r[2];
	pthread_t t[2];
	char out[2048], w[128];
	int round, k, won[2] = { 0, 0 };

	for (round = 1; round <= 3; round++)
		dc(&d[round], round, NULL);
	start_three(d);
	for (round = 0; round < 50; round++) {
		/* A writes through dc1, B through dc2, at the same moment. */
		for (k = 0; k < 2; k++) {
			r[k] = (struct race_arg){ d[1 + k].port, round,
				(char)('A' + k), 0 };
			pthread_create(&t[k], NULL, race_put, &r[k]);
		}
		for (k = 0; k < 2; k++) {
			pthread_join(t[k], NULL);
			cr_expect(r[k].status == 200 || r[k].status == 503 ||
				r[k].status == 500,
			    "%c got %ld", r[k].who, r[k].status);
		}
		cr_assert_eq(http_status(d[3].port, "GET",
				 "/v1/loom/providers/race", NULL, out,
				 sizeof out),
		    200);
		/* The stored write is whole: its owner is its writer. */
		for (k = 0; k < 2; k++) {
			snprintf(w, sizeof w, "\"round %d by %c\"", round,
			    r[k].who);
			if (strstr(out, w) != NULL)
				break;
		}
		if (k == 2) {
			cr_expect_fail("round %d: neither write stored: %s",
			    round, out);
			continue;
		}
		snprintf(w, sizeof w, "\"owner\":\"%c\"", r[k].who);
		cr_expect(strstr(out, w) != NULL, "mixed: %s", out);
		cr_expect(r[k].status == 200,
		    "%c's write stored but %c got %ld", r[k].who, r[k].who,
		    r[k].status);
		won[k]++;
	}
	cr_log_info("race: A won %d, B won %d of 50", won[0], won[1]);
	for (round = 1; round <= 3; round++)
		fx_daemon_stop(&d[round]);
}

/* Import the cluster-handler catalogue through port. */
static void
import_catalogue(int port)
{
	fx_import(port, FX_CLUSTER_FIXTURES);
}

/* Create a one-machine cluster of n nodes through port; id into id[32]. */
static void
create_cluster(int port, int k, int n, char id[32])
{
	char body[256], out[256];
	char *p;

	snprintf(body, sizeof body,
	    "{\"name\":\"g%d\",\"numMachines\":%d,"
	    "\"clusterTemplate\":\"one-machine\"}",
	    k, n);
	cr_assert_eq(http_status(port, "POST", "/v1/loom/clusters", body, out,
			 sizeof out),
	    200, "%s", out);
	p = strstr(out, "\"id\":\"");
	cr_assert_not_null(p, "%s", out);
	snprintf(id, 32, "%.8s", p + 6);
}

/* Wait until cluster id reads want through port (up to ms). */
static bool
cluster_reaches(int port, const char *id, const char *want, double ms)
{
	char path[128], out[1024];
	double deadline = fx_now_ms() + ms;

	snprintf(path, sizeof path, "/v1/loom/clusters/%s/status", id);
	while (fx_now_ms() < deadline) {
		if (http_status(port, "GET", path, NULL, out, sizeof out) ==
			200 &&
		    strstr(out, want) != NULL)
			return true;
		usleep(100000);
	}
	return false;
}

Test(galera, created_in_dc1_provisioned_through_dc2_and_dc3)
{
	struct fx_daemon d[4];
	char id[32];
	pid_t p2, p3;
	int i;

	for (i = 1; i <= 3; i++)
		dc(&d[i], i, NULL);
	start_three(d);
	import_catalogue(d[1].port);
	p2 = dc_provisioner(&d[2], 4, "dc2", NULL, 0);
	p3 = dc_provisioner(&d[3], 4, "dc3", NULL, 0);
	create_cluster(d[1].port, 1, 3, id);
	cr_expect(cluster_reaches(d[3].port, id, "\"status\":\"ACTIVE\"",
		      60000),
	    "cluster %s did not become ACTIVE", id);
	fx_provisioner_stop(&p2);
	fx_provisioner_stop(&p3);
	for (i = 1; i <= 3; i++)
		cr_expect_eq(fx_daemon_stop(&d[i]), 0, "dc%d exit", i);
}

/* Count "ok" lines per task over logs; returns duplicates. */
static int
duplicate_finishes(const char *const *logs, size_t nlogs, int *total)
{
	char line[512], worker[128], task[128], st[32];
	char **seen = NULL;
	size_t nseen = 0, i, k;
	int dup = 0;
	FILE *fp;

	*total = 0;
	for (k = 0; k < nlogs; k++) {
		if ((fp = fopen(logs[k], "r")) == NULL)
			continue;
		while (fgets(line, sizeof line, fp) != NULL) {
			if (sscanf(line, "%127s %127s %31s", worker, task,
				st) != 3 ||
			    strcmp(st, "ok") != 0)
				continue;
			(*total)++;
			for (i = 0; i < nseen; i++)
				if (strcmp(seen[i], task) == 0)
					dup++;
			seen = realloc(seen, (nseen + 1) * sizeof *seen);
			seen[nseen++] = strdup(task);
		}
		fclose(fp);
	}
	for (i = 0; i < nseen; i++)
		free(seen[i]);
	free(seen);
	return dup;
}

Test(galera, two_servers_of_one_datacenter_and_another_never_double_work)
{
	struct fx_daemon d[4];
	char ids[30][32], logs[2][256], out[64];
	const char *lp[2];
	pid_t p[2];
	int i, active = 0, dup, total;

	/* dc1 twice on node 1 (same partition), dc2 on node 2. */
	dc(&d[1], 1, NULL);
	dc(&d[2], 1, NULL);
	dc(&d[3], 2, NULL);
	start_three(d);
	import_catalogue(d[1].port);
	for (i = 0; i < 2; i++) {
		p[i] = dc_provisioner(&d[1 + 2 * i], 4, i == 0 ? "pa" : "pb",
		    logs[i], sizeof logs[i]);
		lp[i] = logs[i];
	}
	for (i = 0; i < 30; i++)
		create_cluster(d[1 + i % 3].port, i, 1 + i % 2, ids[i]);
	for (i = 0; i < 30; i++)
		active += cluster_reaches(d[1 + (i + 1) % 3].port, ids[i],
		    "\"status\":\"ACTIVE\"", 90000);
	cr_expect_eq(active, 30, "%d of 30 ACTIVE", active);
	usleep(300000);
	dup = duplicate_finishes(lp, 2, &total);
	cr_expect_eq(dup, 0, "%d tasks finished twice", dup);
	fx_sql(&node[1], dbname,
	    "SELECT COUNT(*) FROM tasks WHERE "
	    "is_rollback = 0",
	    out, sizeof out);
	cr_expect_eq(total, atoi(out), "%d finishes for %s tasks", total, out);
	fx_sql(&node[2], dbname,
	    "SELECT COALESCE(MAX(attempts), 0) FROM "
	    "tasks",
	    out, sizeof out);
	cr_expect_str_eq(out, "1", "no task was submitted twice");
	for (i = 0; i < 2; i++)
		fx_provisioner_stop(&p[i]);
	for (i = 1; i <= 3; i++)
		cr_expect_eq(fx_daemon_stop(&d[i]), 0, "server %d exit", i);
}

/* GET /readyz of port: the adopted datacenters into out. */
static void
adopted_of(int port, char *out, size_t n)
{
	char body[2048], *p;

	out[0] = '\0';
	if (http_status(port, "GET", "/readyz", NULL, body, sizeof body) == 0)
		return;
	if ((p = strstr(body, "\"adopted_datacenters\":\"")) != NULL)
		snprintf(out, n, "%.*s", (int)strcspn(p + 23, "\""), p + 23);
}

Test(galera, survivors_take_over_a_dead_datacenters_jobs_and_hand_back)
{
	struct fx_daemon d[4];
	const char *ha = "ha = { dc_dead_after = 3; heartbeat_ms = 300; "
			 "health_interval_ms = 200; };";
	char id[32], adopted[256];
	double t_kill, took = -1;
	pid_t p2;
	int i;

	for (i = 1; i <= 3; i++) {
		char extra[512];

		snprintf(extra, sizeof extra,
		    "datacenter = \"dc%d\";\nids = { "
		    "start_num = %d; increment_by = 10; };\n%s",
		    i, i, ha);
		fx_daemon_prepare(&d[i], &node[i], dbname, extra);
	}
	start_three(d);
	import_catalogue(d[2].port);
	/* A cluster of dc1, planned, its tasks queued; no provisioner yet. */
	create_cluster(d[1].port, 1, 2, id);
	cr_assert(cluster_reaches(d[1].port, id,
		      "\"actionstatus\":\"RUNNING\"", 20000),
	    "cluster %s not running", id);
	kill(d[1].pid, SIGKILL);
	waitpid(d[1].pid, NULL, 0);
	d[1].pid = -1;
	t_kill = fx_now_ms();
	p2 = dc_provisioner(&d[2], 4, "dc2", NULL, 0);
	/* dc2 is next after dc1 in residue order: it adopts dc1. */
	while (fx_now_ms() - t_kill < 20000) {
		adopted_of(d[2].port, adopted, sizeof adopted);
		if (strcmp(adopted, "dc1") == 0) {
			took = fx_now_ms() - t_kill;
			break;
		}
		usleep(100000);
	}
	cr_expect_geq(took, 0, "dc2 never adopted dc1");
	cr_expect_leq(took, 3000 + 5000, "takeover after %.0f ms", took);
	cr_log_info("takeover of dc1 by dc2 %.0f ms after the kill", took);
	/*
	 * Exactly one adopts in steady state; on a loaded machine dc3 may
	 * briefly see a heartbeat late and adopt too (harmless: job leases),
	 * so give it a few heartbeats to settle.
	 */
	{
		double t0 = fx_now_ms();

		do {
			adopted_of(d[3].port, adopted, sizeof adopted);
			if (adopted[0] == '\0')
				break;
			usleep(200000);
		} while (fx_now_ms() - t0 < 5000);
		cr_expect_str_eq(adopted, "", "only one datacenter adopts");
	}
	cr_expect(cluster_reaches(d[3].port, id, "\"status\":\"ACTIVE\"",
		      60000),
	    "dc1's cluster %s not finished by the survivors", id);
	/* dc1 comes back: dc2 hands its clusters back. */
	cr_assert_eq(fx_daemon_start(&d[1], NULL), 0);
	{
		double t0 = fx_now_ms();
		bool back = false;

		while (!back && fx_now_ms() - t0 < 15000) {
			adopted_of(d[2].port, adopted, sizeof adopted);
			back = adopted[0] == '\0';
			usleep(100000);
		}
		cr_expect(back, "dc2 still adopts %s", adopted);
	}
	fx_provisioner_stop(&p2);
	for (i = 1; i <= 3; i++)
		fx_daemon_stop(&d[i]);
}

struct taker {
	int port;
	char name[32];
	char (*ids)[64];
	size_t n, cap;
	bool *stop;
};

/* Thread: take and finish tasks through one datacenter until stopped. */
static void *
taker_main(void *p)
{
	struct taker *t = p;
	char body[256], fin[512], out[8192];
	long s;

	snprintf(body, sizeof body, "{\"workerId\":\"%s\"}", t->name);
	while (!__atomic_load_n(t->stop, __ATOMIC_RELAXED)) {
		const char *k;

		s = http_status(t->port, "POST", "/v1/loom/tasks/take", body,
		    out, sizeof out);
		if (s != 200) {
			usleep(20000);
			continue;
		}
		if ((k = strstr(out, "\"taskId\":\"")) == NULL)
			continue;
		if (t->n < t->cap)
			snprintf(t->ids[t->n++], 64, "%.*s",
			    (int)strcspn(k + 10, "\""), k + 10);
		snprintf(fin, sizeof fin,
		    "{\"workerId\":\"%s\",\"taskId\":"
		    "\"%.*s\",\"status\":0}",
		    t->name, (int)strcspn(k + 10, "\""), k + 10);
		while (http_status(t->port, "POST", "/v1/loom/tasks/finish",
			   fin, NULL, 0) == 503)
			usleep(20000);
	}
	return NULL;
}

struct naive {
	const struct fx_db *db;
	const char *name;
	int claimed[200];
	int n;
	pthread_barrier_t *start;
};

/*
 * Thread: the naive read-then-write take this test must catch: read a
 * free row, then claim it without checking that it is still free.
 */
static void *
naive_main(void *p)
{
	struct naive *nv = p;
	MYSQL *my = fx_db_connect(nv->db, dbname, NULL, 0);
	int i;

	if (my == NULL)
		nv->n = -1;
	pthread_barrier_wait(nv->start);
	if (nv->n < 0)
		return NULL;
	for (i = 0; i < 200; i++) {
		MYSQL_STMT *st = mysql_stmt_init(my);
		MYSQL_BIND b[2];
		int id = 0;
		char owner[16];
		unsigned long olen;

		const char *q =
		    "SELECT id FROM naive_tasks WHERE owner IS NULL "
		    "ORDER BY id LIMIT 1";
		memset(b, 0, sizeof b);
		b[0].buffer_type = MYSQL_TYPE_LONG;
		b[0].buffer = &id;
		if (mysql_stmt_prepare(st, q, strlen(q)) != 0 ||
		    mysql_stmt_execute(st) != 0 ||
		    mysql_stmt_bind_result(st, b) != 0 ||
		    mysql_stmt_fetch(st) != 0) {
			mysql_stmt_close(st);
			break;
		}
		mysql_stmt_close(st);
		/* The window between reading and writing a worker has. */
		usleep(2000);
		st = mysql_stmt_init(my);
		q = "UPDATE naive_tasks SET owner = ? WHERE id = ?";
		snprintf(owner, sizeof owner, "%s", nv->name);
		olen = strlen(owner);
		memset(b, 0, sizeof b);
		b[0].buffer_type = MYSQL_TYPE_STRING;
		b[0].buffer = owner;
		b[0].buffer_length = olen;
		b[0].length = &olen;
		b[1].buffer_type = MYSQL_TYPE_LONG;
		b[1].buffer = &id;
		if (mysql_stmt_prepare(st, q, strlen(q)) == 0 &&
		    mysql_stmt_bind_param(st, b) == 0 &&
		    mysql_stmt_execute(st) == 0 &&
		    mysql_stmt_affected_rows(st) > 0)
			nv->claimed[nv->n++] = id;
		mysql_stmt_close(st);
	}
	mysql_close(my);
	return NULL;
}

Test(galera, take_is_exclusive_across_datacenters_and_a_naive_take_is_not)
{
	struct fx_daemon d[4];
	struct taker tk[6];
	struct naive nv[2];
	pthread_t th[6];
	char ids[40][32], (*all)[64];
	bool stop = false;
	size_t i, j, total = 0, dup = 0;
	int active = 0, collisions = 0;

	for (i = 1; i <= 3; i++)
		dc(&d[i], (int)i, NULL);
	start_three(d);
	import_catalogue(d[1].port);
	for (i = 0; i < 6; i++) {
		tk[i].port = d[1 + i % 3].port;
		snprintf(tk[i].name, sizeof tk[i].name, "t%zu", i);
		tk[i].cap = 400;
		tk[i].ids = calloc(tk[i].cap, sizeof *tk[i].ids);
		tk[i].n = 0;
		tk[i].stop = &stop;
		pthread_create(&th[i], NULL, taker_main, &tk[i]);
	}
	for (i = 0; i < 40; i++)
		create_cluster(d[1 + i % 3].port, (int)i, 1, ids[i]);
	for (i = 0; i < 40; i++)
		active += cluster_reaches(d[1 + (i + 2) % 3].port, ids[i],
		    "\"status\":\"ACTIVE\"", 60000);
	__atomic_store_n(&stop, true, __ATOMIC_RELAXED);
	for (i = 0; i < 6; i++)
		pthread_join(th[i], NULL);
	cr_expect_eq(active, 40, "%d of 40 ACTIVE", active);
	for (i = 0; i < 6; i++)
		total += tk[i].n;
	all = calloc(total + 1, sizeof *all);
	total = 0;
	for (i = 0; i < 6; i++) {
		for (j = 0; j < tk[i].n; j++)
			memcpy(all[total++], tk[i].ids[j], 64);
		free(tk[i].ids);
	}
	for (i = 0; i < total; i++)
		for (j = i + 1; j < total; j++)
			dup += strcmp(all[i], all[j]) == 0;
	free(all);
	cr_expect_eq(total, 40 * 3, "%zu takes for 120 tasks", total);
	cr_expect_eq(dup, 0, "%zu tasks were handed out twice", dup);

	/* The negative control: the naive pattern does double-claim. */
	cr_assert_eq(
	    fx_sql(&node[1], dbname,
		"CREATE TABLE naive_tasks (id "
		"INT PRIMARY KEY, owner VARCHAR(16) NULL) ENGINE=InnoDB",
		NULL, 0),
	    0);
	cr_assert_eq(fx_sql(&node[1], dbname,
			 "INSERT INTO naive_tasks (id) "
			 "SELECT seq FROM seq_1_to_200",
			 NULL, 0),
	    0);
	{
		pthread_barrier_t start;

		pthread_barrier_init(&start, NULL, 2);
		nv[0] = (struct naive){ &node[1], "A", { 0 }, 0, &start };
		nv[1] = (struct naive){ &node[2], "B", { 0 }, 0, &start };
		pthread_create(&th[0], NULL, naive_main, &nv[0]);
		pthread_create(&th[1], NULL, naive_main, &nv[1]);
		pthread_join(th[0], NULL);
		pthread_join(th[1], NULL);
		pthread_barrier_destroy(&start);
	}
	cr_assert_geq(nv[0].n, 0, "naive worker A could not connect");
	cr_assert_geq(nv[1].n, 0, "naive worker B could not connect");
	for (i = 0; i < (size_t)nv[0].n; i++)
		for (j = 0; j < (size_t)nv[1].n; j++)
			collisions += nv[0].claimed[i] == nv[1].claimed[j];
	cr_log_info("naive read-then-write take: %d of %d+%d claims were "
		    "double",
	    collisions, nv[0].n, nv[1].n);
	cr_expect_gt(collisions, 0,
	    "the naive take never double-claimed: "
	    "this test could not catch the bug it looks for");
	for (i = 1; i <= 3; i++)
		fx_daemon_stop(&d[i]);
}

/*
 * Write 1000 providers named <prefix><n> through d[1], each read at once
 * through d[2]: returns how many of those reads did not find it.
 */
static int
stale_reads(const struct fx_daemon d[4], char prefix)
{
	char body[256], path[128], out[1024];
	int i, stale = 0;

	for (i = 0; i < 1000; i++) {
		snprintf(body, sizeof body,
		    "{\"name\":\"%c%d\",\"providertype\":"
		    "\"joyent\"}",
		    prefix, i);
		cr_assert_eq(http_status(d[1].port, "POST",
				 "/v1/loom/providers", body, NULL, 0),
		    200);
		snprintf(path, sizeof path, "/v1/loom/providers/%c%d", prefix,
		    i);
		if (http_status(d[2].port, "GET", path, NULL, out,
			sizeof out) != 200)
			stale++;
	}
	return stale;
}

Test(galera, stale_read_probe)
{
	struct fx_daemon d[4], e[4];
	int i, stale_on, stale_off;

	for (i = 1; i <= 2; i++)
		dc(&d[i], i, NULL);
	dc(&d[3], 3, NULL);
	start_three(d);
	stale_on = stale_reads(d, 's');
	cr_expect_eq(stale_on, 0, "%d stale reads of 1000 with sync_wait",
	    stale_on);
	for (i = 1; i <= 3; i++)
		fx_daemon_stop(&d[i]);
	/* The same with db.sync_wait off: reported, not asserted. */
	for (i = 1; i <= 3; i++) {
		char extra[512];

		snprintf(extra, sizeof extra,
		    "datacenter = \"dc%d\";\nids = { "
		    "start_num = %d; increment_by = 10; };\n",
		    i, i);
		fx_daemon_prepare(&e[i], &node[i], dbname, extra);
		/* Turn causal reads off in the db group. */
		{
			char cmd[1024];

			snprintf(cmd, sizeof cmd,
			    "sed -i 's/name = \"%s\";/"
			    "name = \"%s\"; sync_wait = false;/' '%s'",
			    dbname, dbname, e[i].conf);
			cr_assert_eq(fx_shell("%s", cmd), 0);
		}
	}
	start_three(e);
	stale_off = stale_reads(e, 'o');
	cr_log_info("stale reads of 1000: %d with db.sync_wait, %d without",
	    stale_on, stale_off);
	for (i = 1; i <= 3; i++)
		fx_daemon_stop(&e[i]);
}

/*
 * Start the callback receiver (cbrecv: /hold answers 503 until released)
 * and dc1..dc3 posting their callbacks to its /hold, each taking a
 * datacenter for dead after 3 missed heartbeats; import the catalogue
 * through dc2.
 */
static void
start_three_with_receiver(struct fx_daemon d[4])
{
	int i, port = cbrecv_start();

	for (i = 1; i <= 3; i++) {
		char extra[1024];

		snprintf(extra, sizeof extra,
		    "datacenter = \"dc%d\";\nids = { start_num = %d; "
		    "increment_by = 10; };\nha = { dc_dead_after = 3; "
		    "heartbeat_ms = 300; health_interval_ms = 200; };\n"
		    "callback = { start_url = \"http://127.0.0.1:%d/hold\"; "
		    "success_url = \"http://127.0.0.1:%d/hold\"; "
		    "timeout_ms = 1000; };",
		    i, i, port, port);
		fx_daemon_prepare(&d[i], &node[i], dbname, extra);
	}
	start_three(d);
	import_catalogue(d[2].port);
}

/* Wait (20 s) until the receiver got a request; the test fails if not. */
static void
wait_first_callback(const char *what)
{
	double t0 = fx_now_ms();

	while (cbrecv_count(NULL, NULL) == 0 && fx_now_ms() - t0 < 20000)
		usleep(50000);
	cr_assert_gt(cbrecv_count(NULL, NULL), 0, "dc1 never sent %s", what);
}

/*
 * Kill dc1, let the receiver answer from now on, and start a provisioner
 * on dc2, the adopter: returns its pid.
 */
static pid_t
kill_dc1_and_release(struct fx_daemon d[4])
{
	kill(d[1].pid, SIGKILL);
	waitpid(d[1].pid, NULL, 0);
	d[1].pid = -1;
	cbrecv_release();
	return dc_provisioner(&d[2], 2, "dc2", NULL, 0);
}

/*
 * Wait (20 s) until the callback sid is answered 2xx, and 2 s more for a
 * second delivery, if there were one.
 */
static void
wait_delivered(const char *sid, char *id, size_t n)
{
	double t0 = fx_now_ms();

	while (cbrecv_ok(sid, id, n) == 0 && fx_now_ms() - t0 < 20000)
		usleep(100000);
	usleep(2000000);
}

/* Stop the adopter's provisioner p2, dc2 and dc3, and the receiver. */
static void
stop_survivors(struct fx_daemon d[4], pid_t *p2)
{
	int i;

	fx_provisioner_stop(p2);
	for (i = 2; i <= 3; i++)
		fx_daemon_stop(&d[i]);
	cbrecv_stop();
}

Test(galera,
    a_dead_datacenters_pending_callback_is_delivered_once_by_the_adopter)
{
	struct fx_daemon d[4];
	char id[32], cbid[96] = "", sid[96] = "";
	pid_t p2;

	start_three_with_receiver(d);
	/* dc1 plans the job; its START is refused, so the job waits. */
	create_cluster(d[1].port, 1, 1, id);
	wait_first_callback("the START callback");
	/* The receiver answers from now on; dc2 adopts dc1 and delivers. */
	p2 = kill_dc1_and_release(d);
	cr_expect(cluster_reaches(d[2].port, id, "\"status\":\"ACTIVE\"",
		      90000),
	    "dc1's cluster %s not finished by the adopter", id);
	wait_delivered(".success", sid, sizeof sid);
	cr_expect_eq(cbrecv_ok(".start", cbid, sizeof cbid), 1,
	    "START %s answered 2xx once", cbid);
	cr_expect_eq(cbrecv_ok(".success", sid, sizeof sid), 1,
	    "SUCCESS %s delivered once", sid);
	cr_expect_eq(strncmp(cbid, id, 8), 0, "%s is a job of %s", cbid, id);
	stop_survivors(d, &p2);
}

/*
 * A day-2 job (a reconfigure) whose START callback is still pending when
 * its datacenter dies: the adopter delivers START once, runs the job and
 * delivers its SUCCESS once.
 */
Test(galera,
    a_dead_datacenters_day2_job_and_callback_are_finished_by_the_adopter)
{
	struct fx_daemon d[4];
	char id[32], path[128], out[512];
	char cbid[96] = "", sid[96] = "";
	double t0;
	pid_t p1, p2;
	int i;

	start_three_with_receiver(d);
	/* No lease: the cluster must outlive the drill, not expire in it. */
	cr_assert_eq(fx_sql(&node[2], dbname,
			 "UPDATE entities SET doc = JSON_SET(doc, "
			 "'$.administration.leaseduration.initial', 0, "
			 "'$.administration.leaseduration.max', 0) WHERE "
			 "name = 'one-machine'",
			 NULL, 0),
	    0);
	/* The cluster is made on dc1 with the receiver answering. */
	cbrecv_release();
	p1 = dc_provisioner(&d[1], 1, "dc1", NULL, 0);
	create_cluster(d[1].port, 2, 1, id);
	cr_assert(cluster_reaches(d[1].port, id, "\"status\":\"ACTIVE\"",
		      90000),
	    "cluster %s not ACTIVE", id);
	fx_provisioner_stop(&p1);
	/* The create's own SUCCESS goes out before the receiver forgets. */
	t0 = fx_now_ms();
	while (cbrecv_ok(".success", sid, sizeof sid) == 0 &&
	    fx_now_ms() - t0 < 20000)
		usleep(50000);
	cr_assert_eq(cbrecv_ok(".success", sid, sizeof sid), 1,
	    "the create's SUCCESS was not delivered");
	sid[0] = '\0';
	/* A reconfigure on dc1: its START is refused, so the job waits. */
	cbrecv_reset();
	snprintf(path, sizeof path, "/v1/loom/clusters/%s/config", id);
	cr_assert_eq(http_status(d[1].port, "PUT", path,
			 "{\"config\":{\"day2\":1},\"restart\":false}", out,
			 sizeof out),
	    200, "%s", out);
	wait_first_callback("the reconfigure's START");
	snprintf(cbid, sizeof cbid, "%s", cbrecv_lock(NULL)[0].id);
	cbrecv_unlock();
	cr_assert_not_null(strstr(cbid, ".start"), "%s", cbid);
	*strstr(cbid, ".start") = '\0'; /* the reconfigure's job id */
	snprintf(sid, sizeof sid, "%s.start", cbid);
	snprintf(cbid, sizeof cbid, "%s", sid);
	snprintf(sid + strlen(sid) - 6, 9, ".success");
	p2 = kill_dc1_and_release(d);
	cr_expect(cluster_reaches(d[2].port, id,
		      "\"action\":\"CLUSTER_CONFIGURE\"", 30000),
	    "cluster %s shows no reconfigure", id);
	cr_expect(cluster_reaches(d[2].port, id, "\"status\":\"ACTIVE\"",
		      90000),
	    "dc1's reconfigure of %s not finished by the adopter", id);
	wait_delivered(sid, out, sizeof out);
	i = cbrecv_ok(cbid, out, sizeof out);
	cr_expect_eq(i, 1, "the reconfigure's START %s answered 2xx %d times",
	    cbid, i);
	i = cbrecv_ok(sid, out, sizeof out);
	cr_expect_eq(i, 1,
	    "the reconfigure's SUCCESS %s answered 2xx %d times", sid, i);
	stop_survivors(d, &p2);
}

/* The COUNT of the SQL of printf format fmt on Galera node i. */
#define node_count(i, ...) fx_sql_long(&node[i], dbname, __VA_ARGS__)

/*
 * Retention is work of the datacenter that owns the rows: dc1 keeps its
 * terminated cluster and its Idempotency-Key (its retention off) while
 * dc2 and dc3, with a 2 s retention, leave both alone; once dc1 is dead,
 * dc2, its adopter, forgets the cluster and deletes the key (dc1 works
 * the lowest residue, which the keys go with), each once.
 */
Test(galera, a_dead_datacenters_terminated_cluster_is_forgotten_by_the_adopter)
{
	const char *ha = "ha = { dc_dead_after = 3; heartbeat_ms = 300; "
			 "health_interval_ms = 200; };\n";
	const char *keep = "retention = { terminated_seconds = 0; "
			   "idempotency_seconds = 0; };";
	const char *forget = "retention = { terminated_seconds = 2; "
			     "idempotency_seconds = 2; };";
	const char *keyed = "{\"name\":\"k\",\"numMachines\":1,"
			    "\"clusterTemplate\":\"one-machine\"}";
	struct fx_daemon d[4];
	char id[32], path[64], out[256];
	struct fx_resp r;
	double t0;
	pid_t p1;
	int i;

	for (i = 1; i <= 3; i++) {
		char extra[512];

		snprintf(extra, sizeof extra,
		    "datacenter = \"dc%d\";\nids = { start_num = %d; "
		    "increment_by = 10; };\n%s%s",
		    i, i, ha, i == 1 ? keep : forget);
		fx_daemon_prepare(&d[i], &node[i], dbname, extra);
	}
	start_three(d);
	import_catalogue(d[2].port);
	p1 = dc_provisioner(&d[1], 2, "dc1", NULL, 0);
	create_cluster(d[1].port, 1, 2, id);
	cr_assert(cluster_reaches(d[1].port, id, "\"status\":\"ACTIVE\"",
		      60000),
	    "cluster %s not active", id);
	snprintf(path, sizeof path, "/v1/loom/clusters/%s", id);
	cr_assert_eq(http_status(d[1].port, "DELETE", path, NULL, out,
			 sizeof out),
	    200, "%s", out);
	cr_assert(cluster_reaches(d[1].port, id, "\"status\":\"TERMINATED\"",
		      60000),
	    "cluster %s not terminated", id);
	fx_provisioner_stop(&p1);
	fx_http(d[1].port, "POST", "/v1/loom/clusters",
	    "X-Loom-UserID: admin\nIdempotency-Key: ha-retention", keyed,
	    strlen(keyed), 15000, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	fx_resp_free(&r);

	/* dc1 lives: past both retentions, nobody touched its rows. */
	usleep(5000 * 1000);
	cr_expect_eq(node_count(3,
			 "SELECT COUNT(*) FROM clusters WHERE id = %s", id),
	    1, "dc1's cluster kept while dc1 lives");
	cr_expect_eq(node_count(3,
			 "SELECT COUNT(*) FROM idempotency WHERE idem_key = "
			 "'ha-retention'"),
	    1, "the key kept while dc1 (lowest residue) lives");

	/* dc1 dies: dc2 adopts it, forgets the cluster, deletes the key. */
	kill(d[1].pid, SIGKILL);
	waitpid(d[1].pid, NULL, 0);
	d[1].pid = -1;
	t0 = fx_now_ms();
	while ((node_count(2, "SELECT COUNT(*) FROM clusters WHERE id = %s",
		    id) != 0 ||
		   node_count(2,
		       "SELECT COUNT(*) FROM idempotency WHERE idem_key = "
		       "'ha-retention'") != 0) &&
	    fx_now_ms() - t0 < 30000)
		usleep(200000);
	cr_expect_eq(node_count(2,
			 "SELECT COUNT(*) FROM tasks WHERE "
			 "cluster_id = %s",
			 id) +
		node_count(2, "SELECT COUNT(*) FROM clusters WHERE id = %s",
		    id),
	    0, "dc1's cluster forgotten by the adopter");
	cr_expect_eq(node_count(2,
			 "SELECT COUNT(*) FROM idempotency WHERE idem_key = "
			 "'ha-retention'"),
	    0, "the key deleted by the adopter");
	cr_expect_eq(http_status(d[3].port, "GET", path, NULL, out,
			 sizeof out),
	    404);
	/* Once, by the adopter (dc3 only if it adopted for a moment too). */
	cr_expect_eq(fx_metric(d[2].port, "loomd_clusters_forgotten_total") +
		fx_metric(d[3].port, "loomd_clusters_forgotten_total"),
	    1);
	cr_expect_eq(fx_metric(d[2].port,
			 "loomd_idempotency_keys_expired_total") +
		fx_metric(d[3].port, "loomd_idempotency_keys_expired_total"),
	    1);
	for (i = 2; i <= 3; i++)
		fx_daemon_stop(&d[i]);
}
