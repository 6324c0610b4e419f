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
#include <pthread.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* Prepare the loomd of datacenter i (1..3) on Galera node i. */
static void
dc(struct fx_daemon *d, int i, const char *more)
{
	char extra[512];

	snprintf(extra, sizeof extra, "datacenter = \"dc%d\";\nids = { "
	    "start_num = %d; increment_by = 10; };\nha = { "
	    "health_interval_ms = 200; };\n%s", i, i, more != NULL ? more :
	    "");
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
			if ((fp = fopen(portfile, "r")) != NULL) {
				if (fgets(buf, sizeof buf, fp) != NULL)
					d[i].port = atoi(buf);
				fclose(fp);
			}
			usleep(20000);
		}
		cr_assert_gt(d[i].port, 0, "dc%d did not start", i);
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
		cr_assert_eq(fx_sql(&node[i], NULL, "SELECT VARIABLE_VALUE FROM "
		    "information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = "
		    "'WSREP_LOCAL_CERT_FAILURES'", out, sizeof out), 0, "%s",
		    out);
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
	fx_sql(&node[3], dbname, "SELECT COUNT(*) FROM schema_version WHERE "
	    "state = 'done'", out, sizeof out);
	cr_expect_eq(atoi(out), (int)schema_latest());
	fx_sql(&node[2], dbname, "SELECT GROUP_CONCAT(residue ORDER BY "
	    "residue) FROM id_partitions", out, sizeof out);
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

	snprintf(text, sizeof text, "datacenter = \"dc%d\";\nids = { "
	    "start_num = %d; increment_by = 10; block_size = 100; };\n"
	    "db = { host = \"%s\"; port = %d; user = \"%s\"; password = "
	    "\"%s\"; name = \"%s\"; };\n", i, i, node[i].host, node[i].port,
	    node[i].user, node[i].password, dbname);
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

	/* The schema comes from one real loomd start. */
	dc(&d, 1, NULL);
	cr_assert_eq(fx_daemon_start(&d, NULL), 0);
	fx_daemon_stop(&d);
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
			cr_assert_eq(id % 10, dcn, "id %lld of dc%d outside "
			    "its residue", id, dcn);
			all[n++] = id;
		}
		fclose(fp);
		unlink(path[i]);
	}
	cr_assert_eq(n, 3 * NIDS);
	qsort(all, n, sizeof *all, cmp_ll);
	for (k = 1; k < n; k++)
		cr_assert_neq(all[k], all[k - 1], "duplicate id %lld",
		    all[k]);
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
		if (!wrote && fx_now_ms() - t0 > 2000) {
			struct fx_resp r;
			const char *b = "{\"name\":\"iso\",\"providertype\":"
			    "\"joyent\"}";

			fx_http(d[3].port, "PUT", "/v1/loom/providers/iso",
			    "X-Loom-UserID: admin", b, strlen(b), 15000, &r);
			cr_expect(r.status == 200 || r.status == 503,
			    "write during isolation: %ld %s", r.status,
			    r.error);
			/*
			 * write_timeout_ms is 3000 in the fixture; each
			 * statement is bounded by it, so the request ends
			 * a little after it.
			 */
			cr_expect_lt(r.ms, 3000 + 1500, "write took %.0f ms",
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
http_status(int port, const char *method, const char *path,
    const char *body, char *out, size_t n)
{
	struct fx_resp r;
	long s;

	fx_http(port, method, path, "X-Loom-UserID: admin", body,
	    body != NULL ? strlen(body) : 0, 15000, &r);
	s = r.status;
	if (out != NULL)
		snprintf(out, n, "%s", r.body != NULL ? r.body : "");
	fx_resp_free(&r);
	return s;
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
		snprintf(body, sizeof body, "{\"name\":\"p%d\",\"description\":"
		    "\"v%d\",\"providertype\":\"joyent\"}", i % 7, i);
		snprintf(path, sizeof path, "/v1/loom/providers/p%d", i % 7);
		cr_assert_eq(http_status(d[1].port, "PUT", path, body, NULL,
		    0), 200);
		snprintf(body, sizeof body, "\"description\":\"v%d\"", i);
		if (http_status(d[2 + i % 2].port, "GET", path, NULL, out,
		    sizeof out) != 200 || strstr(out, body) == NULL)
			stale++;
	}
	cr_expect_eq(stale, 0, "%d stale reads of 200", stale);
	for (i = 1; i <= 3; i++)
		fx_daemon_stop(&d[i]);
}

struct race_arg {
	int	port;
	int	round;
	char	who;
	long	status;
};

/* Thread: PUT provider "race" with a description naming this writer. */
static void *
race_put(void *p)
{
	struct race_arg *a = p;
	char body[256];

	snprintf(body, sizeof body, "{\"name\":\"race\",\"description\":"
	    "\"round %d by %c\",\"providertype\":\"joyent\",\"provisioner\":"
	    "{\"auth\":{\"owner\":\"%c\",\"round\":\"%d\"}}}", a->round,
	    a->who, a->who, a->round);
	a->status = http_status(a->port, "PUT", "/v1/loom/providers/race",
	    body, NULL, 0);
	return NULL;
}

Test(galera, concurrent_puts_from_two_datacenters_never_mix)
{
	struct fx_daemon d[4];
	struct race_arg a, b;
	pthread_t ta, tb;
	char out[2048], wa[128], wb[128], oa[64], ob[64];
	int round, won_a = 0, won_b = 0;

	for (round = 1; round <= 3; round++)
		dc(&d[round], round, NULL);
	start_three(d);
	for (round = 0; round < 50; round++) {
		a = (struct race_arg){ d[1].port, round, 'A', 0 };
		b = (struct race_arg){ d[2].port, round, 'B', 0 };
		pthread_create(&ta, NULL, race_put, &a);
		pthread_create(&tb, NULL, race_put, &b);
		pthread_join(ta, NULL);
		pthread_join(tb, NULL);
		cr_expect(a.status == 200 || a.status == 503 ||
		    a.status == 500, "A got %ld", a.status);
		cr_expect(b.status == 200 || b.status == 503 ||
		    b.status == 500, "B got %ld", b.status);
		cr_assert_eq(http_status(d[3].port, "GET",
		    "/v1/loom/providers/race", NULL, out, sizeof out), 200);
		snprintf(wa, sizeof wa, "\"round %d by A\"", round);
		snprintf(wb, sizeof wb, "\"round %d by B\"", round);
		snprintf(oa, sizeof oa, "\"owner\":\"A\"");
		snprintf(ob, sizeof ob, "\"owner\":\"B\"");
		if (strstr(out, wa) != NULL) {
			cr_expect(strstr(out, oa) != NULL, "mixed: %s", out);
			cr_expect(a.status == 200, "A's write stored but A "
			    "got %ld", a.status);
			won_a++;
		} else if (strstr(out, wb) != NULL) {
			cr_expect(strstr(out, ob) != NULL, "mixed: %s", out);
			cr_expect(b.status == 200, "B's write stored but B "
			    "got %ld", b.status);
			won_b++;
		} else {
			cr_expect_fail("round %d: neither write stored: %s",
			    round, out);
		}
	}
	cr_log_info("race: A won %d, B won %d of 50", won_a, won_b);
	for (round = 1; round <= 3; round++)
		fx_daemon_stop(&d[round]);
}

int
main(int argc, char *argv[])
{
	struct criterion_test_set *tests = criterion_initialize();
	int result = 0;

	/* One cluster, faults on its nodes: never run these in parallel. */
	criterion_options.jobs = 1;
	if (criterion_handle_args(argc, argv, true))
		result = !criterion_run_all_tests(tests);
	criterion_finalize(tests);
	return result;
}
