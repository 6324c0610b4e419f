/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_retention.c - retention.terminated_seconds on a real loomd and
 * mariadbd, with loom-dummy-provisioner running the clusters' jobs: a
 * deleted cluster stays readable until its retention has passed, then it
 * is 404, no longer listed, and every row of it is gone (jobs, tasks,
 * hand-out records, node maps, nodes), deleted in batches of
 * retention.batch_rows; the clusters that are not terminated keep every
 * row; a terminated cluster whose status_time is unknown (0, as a loomd
 * older than migration 0016 leaves it) counts from when a sweep stamps
 * it; two loomds of one
 * datacenter forget a cluster once between them.  An Idempotency-Key is
 * answered until retention.idempotency_seconds have passed, then its row
 * is gone and a retry with it is a new request.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "fixture.h"

/* The provisioner of the running test, stopped even when it fails. */
static pid_t prov = -1;

/* Retention 3 s, 10 rows a transaction, so a cluster takes many. */
static void
init(void)
{
	fx_start("scheduler = { interval_ms = 50; };\n"
		 "task = { take_wait_ms = 0; };\n"
		 "retention = { terminated_seconds = 3; batch_rows = 10; "
		 "idempotency_seconds = 3; };",
	    FX_CLUSTER_FIXTURES);
	prov =
	    fx_provisioner_start(fx.d.port, 2, NULL, "1", "/dev/null", NULL);
}

static void
fini(void)
{
	fx_provisioner_stop(&prov);
	fx_fini();
}

TestSuite(retention, .init = init, .fini = fini, .timeout = 120);
FX_MAIN(FX_NEED_DB, 0)

#define CREATE_BODY \
	"{\"name\":\"r%d\",\"numMachines\":%d,\"clusterTemplate\":" \
	"\"reactor-medium\"}"

/* The integer value of the SQL of printf format fmt on the suite's database. */
#define sql_long(...) fx_sql_long(&fx.db, fx.dbname, __VA_ARGS__)

/* The rows of cluster id, table by table, as one line of text. */
static void
rows_of(const char *id, char *out, size_t n)
{
	snprintf(out, n,
	    "clusters %ld jobs %ld tasks %ld takes %ld maps %ld nodes %ld",
	    sql_long("SELECT COUNT(*) FROM clusters WHERE id = %s", id),
	    sql_long("SELECT COUNT(*) FROM jobs WHERE cluster_id = %s", id),
	    sql_long("SELECT COUNT(*) FROM tasks WHERE cluster_id = %s", id),
	    sql_long("SELECT COUNT(*) FROM task_takes k JOIN tasks t ON "
		     "t.id = k.task_id WHERE t.cluster_id = %s",
		id),
	    sql_long("SELECT COUNT(*) FROM job_nodes_maps m JOIN jobs j ON "
		     "j.id = m.job_id WHERE j.cluster_id = %s",
		id),
	    sql_long("SELECT COUNT(*) FROM nodes WHERE cluster_id = %s", id));
}

/* Create a cluster of machines nodes as user1 and wait until ACTIVE. */
static void
create_active(int k, int machines, char id[32])
{
	char body[256];

	snprintf(body, sizeof body, CREATE_BODY, k, machines);
	fx_create(fx.d.port, "user1", body, id);
	fx_wait_status(fx.d.port, "user1", id,
	    "ACTIVE/COMPLETE/CLUSTER_CREATE/*/*", 30000);
}

/* DELETE cluster id as user1 and wait until it is TERMINATED. */
static void
delete_terminated(const char *id)
{
	char path[64];

	snprintf(path, sizeof path, "/v1/loom/clusters/%s", id);
	cr_assert_eq(fx_api("user1", "DELETE", path, NULL, NULL), 200);
	fx_wait_status(fx.d.port, "user1", id,
	    "TERMINATED/COMPLETE/CLUSTER_DELETE/*/*", 30000);
}

/* Milliseconds since the epoch, as loomd writes status_time. */
static long long
wall_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* GET /clusters/{id} as user1: the status. */
static long
get_cluster(const char *id)
{
	char path[64];

	snprintf(path, sizeof path, "/v1/loom/clusters/%s", id);
	return fx_api("user1", "GET", path, NULL, NULL);
}

/* Whether GET /clusters as user1 lists cluster id. */
static bool
listed(const char *id)
{
	struct json_object *o = NULL;
	bool found = false;
	size_t i;

	cr_assert_eq(fx_api("user1", "GET", "/v1/loom/clusters", NULL, &o),
	    200);
	for (i = 0; i < json_object_array_length(o); i++)
		if (strcmp(fx_js(json_object_array_get_idx(o, i), "id"), id) ==
		    0)
			found = true;
	json_object_put(o);
	return found;
}

Test(retention, terminated_cluster_forgotten)
{
	char gone[32], kept[32], before[256], after[256], log[1 << 16],
	    want[96];
	long tasks, takes_all, maps_all, takes_gone, maps_gone;
	long long since;
	double t0;

	create_active(1, 5, gone);
	create_active(2, 3, kept);
	delete_terminated(gone);
	fx_provisioner_stop(&prov);

	/* Within its retention: readable, listed, every row there. */
	since =
	    sql_long("SELECT status_time FROM clusters WHERE id = %s", gone);
	cr_assert_gt(since, 0, "status_time written when terminated");
	tasks =
	    sql_long("SELECT COUNT(*) FROM tasks WHERE cluster_id = %s", gone);
	cr_assert_gt(tasks, 15, "%ld tasks: a job of more than a batch",
	    tasks);
	takes_gone = sql_long("SELECT COUNT(*) FROM task_takes k JOIN tasks t "
			      "ON t.id = k.task_id WHERE t.cluster_id = %s",
	    gone);
	cr_assert_gt(takes_gone, 0);
	maps_gone = sql_long("SELECT COUNT(*) FROM job_nodes_maps m JOIN jobs "
			     "j ON j.id = m.job_id WHERE j.cluster_id = %s",
	    gone);
	takes_all = sql_long("SELECT COUNT(*) FROM task_takes");
	maps_all = sql_long("SELECT COUNT(*) FROM job_nodes_maps");
	rows_of(kept, before, sizeof before);
	if (wall_ms() < since + 2000) {
		cr_expect_eq(get_cluster(gone), 200,
		    "still there within its retention");
		cr_expect(listed(gone));
	}

	/* Then forgotten: 404, not listed, no row left. */
	t0 = fx_now_ms();
	while (get_cluster(gone) != 404 && fx_now_ms() - t0 < 20000)
		usleep(100 * 1000);
	cr_assert_eq(get_cluster(gone), 404, "forgotten within 20 s");
	cr_expect_geq(wall_ms(), since + 3000, "not before its retention");
	cr_expect_not(listed(gone));
	rows_of(gone, after, sizeof after);
	cr_expect_str_eq(after,
	    "clusters 0 jobs 0 tasks 0 takes 0 maps 0 nodes 0");
	cr_expect_eq(sql_long("SELECT COUNT(*) FROM task_takes"),
	    takes_all - takes_gone, "its hand-out records gone, no other");
	cr_expect_eq(sql_long("SELECT COUNT(*) FROM job_nodes_maps"),
	    maps_all - maps_gone, "its node maps gone, no other");

	/* The active cluster: every row kept. */
	rows_of(kept, after, sizeof after);
	cr_expect_str_eq(after, before);
	cr_expect_eq(get_cluster(kept), 200);

	cr_expect_eq(fx_metric(fx.d.port, "loomd_clusters_forgotten_total"),
	    1);
	fx_daemon_log(&fx.d, log, sizeof log);
	snprintf(want, sizeof want, "cluster %s forgotten: ", gone);
	cr_expect_not_null(strstr(log, want), "the log says %s", want);
}

/*
 * A terminated row with status_time 0 (written before schema 16, or by an
 * older loomd) is stamped by the next sweep, and its retention counts
 * from that stamp.
 */
Test(retention, unknown_status_time_counts_from_the_stamp)
{
	char id[32], sql[128], log[1 << 16];
	long long zeroed, stamp = 0;
	double t0;

	create_active(3, 3, id);
	delete_terminated(id);
	fx_provisioner_stop(&prov);
	snprintf(sql, sizeof sql,
	    "UPDATE clusters SET status_time = 0 WHERE id = %s", id);
	zeroed = wall_ms();
	cr_assert_eq(fx_sql(&fx.db, fx.dbname, sql, NULL, 0), 0);
	cr_assert_eq(sql_long("SELECT COUNT(*) FROM clusters WHERE id = %s "
			      "AND status_time = 0",
			 id),
	    1, "the row was still there to change");
	t0 = fx_now_ms();
	while (fx_now_ms() - t0 < 10000 &&
	    (stamp = sql_long("SELECT status_time FROM clusters WHERE id = %s",
		 id)) == 0)
		usleep(100 * 1000);
	cr_assert_gt(stamp, 0, "stamped by a sweep within 10 s");
	cr_expect_geq(stamp, zeroed, "stamped after it was zeroed");
	t0 = fx_now_ms();
	while (get_cluster(id) != 404 && fx_now_ms() - t0 < 20000)
		usleep(100 * 1000);
	cr_assert_eq(get_cluster(id), 404, "forgotten within 20 s");
	cr_expect_geq(wall_ms(), stamp + 3000,
	    "forgotten its retention after the stamp");
	fx_daemon_log(&fx.d, log, sizeof log);
	cr_expect_not_null(strstr(log, "had no status time"), "%s", log);
}

/* POST a create with Idempotency-Key key as user1: the new id into id. */
static void
create_keyed(const char *key, char id[32])
{
	struct json_object *o;
	struct fx_resp r;
	char hdr[128], body[256];

	snprintf(hdr, sizeof hdr, "X-Loom-UserID: user1\nIdempotency-Key: %s",
	    key);
	snprintf(body, sizeof body, CREATE_BODY, 4, 3);
	fx_http(fx.d.port, "POST", "/v1/loom/clusters", hdr, body,
	    strlen(body), 10000, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	o = json_tokener_parse(r.body);
	snprintf(id, 32, "%s", fx_js(o, "id"));
	json_object_put(o);
	fx_resp_free(&r);
}

Test(retention, idempotency_key_expires)
{
	char first[32], again[32], out[64];
	double t0 = fx_now_ms();

	create_keyed("ret-key", first);
	create_keyed("ret-key", again);
	if (fx_now_ms() - t0 < 2000)
		cr_expect_str_eq(again, first,
		    "answered within its retention");
	cr_assert_str_eq(fx_sqlf_wait(&fx.db, fx.dbname, "0", 20000, 100, out,
			     sizeof out,
			     "SELECT COUNT(*) FROM idempotency WHERE "
			     "idem_key = 'ret-key'"),
	    "0", "the key deleted within 20 s");
	cr_expect_geq(fx_now_ms() - t0, 3000, "not before its retention");
	create_keyed("ret-key", again);
	cr_expect_str_neq(again, first, "a retry after it is a new request");
	cr_expect_geq(fx_metric(fx.d.port,
			  "loomd_idempotency_keys_expired_total"),
	    1);
}

/*
 * Two loomds of one datacenter both sweep its residue: the cluster is
 * forgotten once, with every row gone, and neither warns about it.
 */
Test(retention, two_servers_forget_once)
{
	char id[32], after[256], log[1 << 16];
	struct fx_daemon other;
	double t0;

	fx_daemon_prepare(&other, &fx.db, fx.dbname,
	    "scheduler = { interval_ms = 50; };\n"
	    "retention = { terminated_seconds = 3; batch_rows = 10; };");
	cr_assert_eq(fx_daemon_start(&other, NULL), 0, "the second loomd");
	create_active(5, 5, id);
	delete_terminated(id);
	t0 = fx_now_ms();
	while (get_cluster(id) != 404 && fx_now_ms() - t0 < 20000)
		usleep(100 * 1000);
	cr_assert_eq(get_cluster(id), 404, "forgotten within 20 s");
	rows_of(id, after, sizeof after);
	cr_expect_str_eq(after,
	    "clusters 0 jobs 0 tasks 0 takes 0 maps 0 nodes 0");
	cr_expect_eq(fx_metric(fx.d.port, "loomd_clusters_forgotten_total") +
		fx_metric(other.port, "loomd_clusters_forgotten_total"),
	    1);
	fx_daemon_log(&other, log, sizeof log);
	cr_expect_null(strstr(log, "cannot delete its rows"), "%s", log);
	cr_expect_null(strstr(log, "no longer TERMINATED"), "%s", log);
	fx_daemon_stop(&other);
	fx_daemon_log(&fx.d, log, sizeof log);
	cr_expect_null(strstr(log, "cannot delete its rows"), "%s", log);
	cr_expect_null(strstr(log, "no longer TERMINATED"), "%s", log);
}
