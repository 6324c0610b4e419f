/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_takes.c - a take whose answer never reached its worker does not
 * strand the task: on a real loomd and mariadbd, a task handed out on a
 * connection that the client has already dropped, or whose delivery loomd
 * never recorded, reaches another worker within task.undelivered_seconds,
 * long before task.timeout_seconds; a delivered take stays its worker's;
 * a take writes no node (a node row held by another transaction does not
 * hold it up) and GET shows its in_progress action once; a task finished
 * before task.delivery_record_ms needs no record of its delivery; a take
 * passes over a queued task whose row another transaction holds, and
 * hands the oldest out first once it is free.
 *
 * Suite own_loomd starts loomds of its own configuration: two datacenters
 * on one database, where a worker of one gets the other's queued task
 * only once it has waited task.foreign_grace_ms (at once with 0) while
 * its own datacenter's workers get it at once; scheduler.solvers = 0 (the
 * scheduler solves, no solver thread runs) and 2 (two threads, clusters
 * created together all reach ACTIVE); and a delivery record still waiting
 * out task.delivery_record_ms written, with its delivery's time, when
 * loomd stops on SIGTERM.
 */
#include "config.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <dirent.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"

FX_SUITE(takes,
    "scheduler = { interval_ms = 50; };\n"
    "task = { timeout_seconds = 300; undelivered_seconds = 2; };",
    FX_CLUSTER_FIXTURES, .timeout = 120);
FX_MAIN(FX_NEED_DB, 0)

/* Wait until cluster id has a queued task (its first stage submitted). */
static void
wait_queued(const char *id)
{
	char n[64];

	cr_assert_str_eq(
	    fx_sqlf_wait(&fx.db, fx.dbname, "1", 15000, 50, n, sizeof n,
		"SELECT COUNT(*) FROM tasks WHERE cluster_id = %s "
		"AND q_state = 'queued'",
		id),
	    "1", "a task of cluster %s is queued", id);
}

/* Wait (up to 5 s) until the delivery of task's answer is on record. */
static void
wait_delivered(const char *task)
{
	char n[64];

	cr_assert_str_eq(fx_sqlf_wait(&fx.db, fx.dbname, "1", 5000, 20, n,
			     sizeof n,
			     "SELECT COUNT(*) FROM task_takes WHERE task_id = "
			     "'%s' AND delivered_at IS NOT NULL",
			     task),
	    "1", "the answer's delivery is on record");
}

/* Finish task as worker (status 0) and expect the answer want. */
static void
finish_expect(const char *worker, const char *task, long want)
{
	struct fx_resp r;

	cr_expect_eq(fx_finish(fx.d.port, worker, task, 0, NULL, NULL, &r),
	    want, "%s", r.body);
	fx_resp_free(&r);
}

/*
 * Run the statement of fmt (locking or writing rows) in a transaction of
 * a client of our own that then holds its locks for secs seconds; return
 * once it holds them.
 */
static void __attribute__((format(printf, 2, 3)))
hold_rows(double secs, const char *fmt, ...)
{
	char where[320], stmt[256], cmd[1024], n[64];
	va_list ap;

	if (fx.db.socket[0] != '\0')
		snprintf(where, sizeof where, "--socket='%s'", fx.db.socket);
	else
		snprintf(where, sizeof where, "--host='%s' --port=%d",
		    fx.db.host, fx.db.port);
	va_start(ap, fmt);
	vsnprintf(stmt, sizeof stmt, fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof cmd,
	    "MYSQL_PWD='%s' mariadb %s -u'%s' '%s' -e "
	    "\"BEGIN; %s; SELECT SLEEP(%g); COMMIT;\" </dev/null "
	    ">/dev/null 2>&1 &",
	    fx.db.password, where, fx.db.user, fx.dbname, stmt, secs);
	cr_assert_eq(fx_shell("%s", cmd), 0);
	cr_assert_str_eq(fx_sqlf_wait(&fx.db, fx.dbname, "1", 10000, 20, n,
			     sizeof n,
			     "SELECT COUNT(*) FROM information_schema."
			     "PROCESSLIST WHERE INFO = 'SELECT SLEEP(%g)' "
			     "AND DB = '%s'",
			     secs, fx.dbname),
	    "1", "the rows are held");
}

Test(takes, answer_to_a_vanished_client_is_handed_out_again)
{
	char id[32], task[64], again[64], n[64];
	struct sockaddr_in sa;
	struct linger lg = { 1, 0 };
	const char *body = "{\"workerId\":\"w1\"}";
	char req[512];
	int fd;
	double secs;

	fx_create_cluster(fx.d.port, "user1", "t", "one-machine", id);
	wait_queued(id);
	/*
	 * Hold the gap where the task's hand-out record goes for 1.5 s from
	 * a client of our own (a locking read of the missing row), so the
	 * take, which inserts that record, answers only after its client has
	 * gone.  Less than loomd's lock wait (the fixture's read timeout less
	 * a second): the take must not give up.
	 */
	fx_sqlf(&fx.db, fx.dbname, task, 64,
	    "SELECT id FROM tasks WHERE cluster_id = %s AND "
	    "q_state = 'queued'",
	    id);
	hold_rows(1.5,
	    "SELECT task_id FROM task_takes WHERE task_id = '%s' FOR UPDATE",
	    task);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(fd, 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)fx.d.port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	snprintf(req, sizeof req,
	    "POST /v1/loom/tasks/take HTTP/1.1\r\n"
	    "Host: 127.0.0.1\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\n\r\n%s",
	    strlen(body), body);
	cr_assert_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	/*
	 * The take has begun: it waits for the node row.  (INNODB_TRX is a
	 * cache refreshed only when not read for 100 ms: poll slower.  Only
	 * this test's database: the suite's tests run side by side.)
	 */
	cr_assert_str_eq(
	    fx_sqlf_wait(&fx.db, fx.dbname, "1", 10000, 150, n, sizeof n,
		"SELECT COUNT(*) FROM information_schema."
		"INNODB_TRX t JOIN information_schema.PROCESSLIST "
		"p ON p.ID = t.trx_mysql_thread_id WHERE "
		"t.trx_state = 'LOCK WAIT' AND p.DB = '%s'",
		fx.dbname),
	    "1", "the take waits for the hand-out record's gap");
	/* The client gives up (a timeout, a cut by the load balancer). */
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	close(fd);
	/* Another worker gets the task in seconds, not after 300 s. */
	secs = fx_take_within(fx.d.port, "w2", again, 10);
	cr_expect_lt(secs, 10);
	fx_sqlf(&fx.db, fx.dbname, task, 64,
	    "SELECT id FROM tasks WHERE cluster_id = %s AND "
	    "q_state = 'taken'",
	    id);
	cr_expect_str_eq(again, task);
	fx_sqlf(&fx.db, fx.dbname, n, sizeof n,
	    "SELECT worker_id FROM tasks WHERE id = '%s'", again);
	cr_expect_str_eq(n, "w2");
	/* w1's take happened, and its action says what became of it. */
	fx_sqlf(&fx.db, fx.dbname, n, sizeof n,
	    "SELECT LOCATE('Not delivered to worker w1', doc) "
	    "> 0 FROM nodes WHERE cluster_id = %s",
	    id);
	cr_expect_str_eq(n, "1", "the node records the lost hand-out");
	fx_sqlf(&fx.db, fx.dbname, n, sizeof n,
	    "SELECT CONCAT(COUNT(*), '/', MAX(worker_id)) FROM "
	    "task_takes WHERE task_id = '%s'",
	    again);
	cr_expect_str_eq(n, "1/w2", "one hand-out on record, w2's");
}

Test(takes, hand_out_never_recorded_as_delivered_is_handed_out_again)
{
	char id[32], task[64], again[64], n[64];
	double secs;

	fx_create_cluster(fx.d.port, "user1", "t", "one-machine", id);
	fx_take_within(fx.d.port, "w1", task, 15);
	wait_delivered(task);
	/*
	 * The state a loomd leaves when it dies (or loses its database)
	 * between the take's commit and its answer: the hand-out is on
	 * record and its delivery is not.
	 */
	fx_sqlf(&fx.db, fx.dbname, n, sizeof n,
	    "UPDATE task_takes SET delivered_at = NULL WHERE "
	    "task_id = '%s'",
	    task);
	secs = fx_take_within(fx.d.port, "w2", again, 15);
	cr_expect_str_eq(again, task);
	cr_expect_lt(secs, 8, "within task.undelivered_seconds and a pass");
	/* w1 never saw it: its late finish is refused, w2's recorded. */
	finish_expect("w1", task, 417);
	finish_expect("w2", task, 200);
}

Test(takes, delivered_take_stays_with_its_worker)
{
	char id[32], task[64], other[64];

	fx_create_cluster(fx.d.port, "user1", "t", "one-machine", id);
	fx_take_within(fx.d.port, "w1", task, 15);
	wait_delivered(task);
	/* Twice task.undelivered_seconds: nothing is handed out again. */
	sleep(4);
	cr_expect_eq(fx_take(fx.d.port, "w2", other), 204, "%s", other);
	finish_expect("w1", task, 200);
}

/*
 * With undelivered_seconds = 2 the record of a delivery waits 500 ms
 * (task.delivery_record_ms, at most a quarter of it): a finish before
 * then makes it needless, and it is never written.
 */
Test(takes, a_quick_finish_needs_no_delivery_record)
{
	char id[32], task[64], n[64];
	double t0;

	fx_create_cluster(fx.d.port, "user1", "t", "one-machine", id);
	fx_take_within(fx.d.port, "w1", task, 15);
	t0 = fx_now_ms();
	finish_expect("w1", task, 200);
	if (fx_now_ms() - t0 > 400)
		cr_skip_test(
		    "the finish took %.0f ms, too close to the 500 ms "
		    "delay to tell",
		    fx_now_ms() - t0);
	usleep(1500 * 1000); /* three times the delay */
	cr_expect_str_eq(fx_sqlf(&fx.db, fx.dbname, n, sizeof n,
			     "SELECT COUNT(*) FROM task_takes WHERE task_id = "
			     "'%s' AND delivered_at IS NULL",
			     task),
	    "1", "the hand-out is on record, its delivery is not");
}

Test(takes, a_take_writes_no_node)
{
	struct json_object *cl, *acts, *a;
	char id[32], task[64], n[64], v0[64];
	size_t i;
	int mine = 0;
	double secs;

	fx_create_cluster(fx.d.port, "user1", "t", "one-machine", id);
	wait_queued(id);
	/*
	 * Another transaction writes the node and holds it for 3 s: the
	 * take does not wait for it (it writes no node), and GET shows the
	 * running task's action once, from the task row.
	 */
	fx_sqlf(&fx.db, fx.dbname, v0, sizeof v0,
	    "SELECT version FROM nodes WHERE cluster_id = %s", id);
	hold_rows(3,
	    "UPDATE nodes SET version = version + 1 WHERE cluster_id = %s",
	    id);
	secs = fx_take_within(fx.d.port, "w1", task, 15);
	cr_expect_lt(secs, 2.5, "the take did not wait for the node row");
	fx_sqlf(&fx.db, fx.dbname, n, sizeof n,
	    "SELECT CONCAT(q_state, '/', worker_id) FROM tasks WHERE id = '%s'",
	    task);
	cr_expect_str_eq(n, "taken/w1");
	/* (The holder's write lands once it commits; the take wrote none.) */
	cr_expect_str_eq(fx_sqlf_wait(&fx.db, fx.dbname, "1", 10000, 50, n,
			     sizeof n,
			     "SELECT version - %s FROM nodes WHERE cluster_id "
			     "= %s",
			     v0, id),
	    "1", "the node written once, by the other transaction");
	acts = fx_node_actions(fx.d.port, "user1", id, &cl);
	cr_assert_not_null(acts);
	for (i = 0; i < json_object_array_length(acts); i++) {
		a = json_object_array_get_idx(acts, i);
		if (strcmp(fx_js(a, "taskId"), task) == 0) {
			mine++;
			cr_expect_str_eq(fx_js(a, "status"), "in_progress");
		}
	}
	cr_expect_eq(mine, 1, "one action for the task on its node");
	json_object_put(cl);
	finish_expect("w1", task, 200);
}

/* The queued task of cluster id into task (the test fails without one). */
static void
queued_task(const char *id, char task[64])
{
	wait_queued(id);
	fx_sqlf(&fx.db, fx.dbname, task, 64,
	    "SELECT id FROM tasks WHERE cluster_id = %s AND q_state = "
	    "'queued'",
	    id);
	cr_assert_neq(task[0], '\0', "cluster %s has a queued task", id);
}

/*
 * Another transaction holds the oldest queued task's row: a take passes
 * over it at once and gets the next one, and once the row is free the
 * oldest is handed out next (first in, first out).
 */
Test(takes, a_take_passes_over_a_task_another_transaction_holds)
{
	char a[32], b[32], ta[64], tb[64], got[64], n[64];
	double t0, secs;

	fx_create_cluster(fx.d.port, "user1", "a", "one-machine", a);
	queued_task(a, ta);
	fx_create_cluster(fx.d.port, "user1", "b", "one-machine", b);
	queued_task(b, tb);
	hold_rows(3, "SELECT id FROM tasks WHERE id = '%s' FOR UPDATE", ta);
	t0 = fx_now_ms();
	cr_assert_eq(fx_take(fx.d.port, "w1", got), 200);
	secs = (fx_now_ms() - t0) / 1000;
	cr_expect_str_eq(got, tb, "the next queued task, not the held one");
	cr_expect_lt(secs, 2.5, "the take did not wait for the held row");
	finish_expect("w1", tb, 200);
	/*
	 * Free again once the holder commits (after 3 s): the oldest comes
	 * next, before the CONFIRM that w1's finish queued for b.
	 */
	cr_assert_str_eq(fx_sqlf_wait(&fx.db, fx.dbname, "0", 10000, 50, n,
			     sizeof n,
			     "SELECT COUNT(*) FROM information_schema."
			     "PROCESSLIST WHERE INFO = 'SELECT SLEEP(3)' AND "
			     "DB = '%s'",
			     fx.dbname),
	    "0", "the holder is done");
	fx_take_within(fx.d.port, "w2", got, 15);
	cr_expect_str_eq(got, ta);
	finish_expect("w2", ta, 200);
}

/*
 * Tests whose loomd needs a configuration of its own: each starts its
 * loomds (fx.d, and other for a second datacenter) on fx.dbname.
 */
static struct fx_daemon other;
static pid_t prov;

static void
own_fini(void)
{
	fx_provisioner_stop(&prov);
	fx_daemon_stop(&other);
	fx_fini();
}

TestSuite(own_loomd, .init = fx_begin, .fini = own_fini, .timeout = 120);

/* Wall clock ms, the clock of q_seq, taken_at and delivered_at. */
static int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Prepare and start d as datacenter dc<n> (ids.start_num n of
 * increment_by 10, so its residue is n) with task.foreign_grace_ms
 * grace; takes answer at once.
 */
static void
start_dc(struct fx_daemon *d, int n, int grace)
{
	char extra[512];

	snprintf(extra, sizeof extra,
	    "datacenter = \"dc%d\";\n"
	    "ids = { start_num = %d; increment_by = 10; };\n"
	    "scheduler = { interval_ms = 50; };\n"
	    "task = { take_wait_ms = 0; foreign_grace_ms = %d; };",
	    n, n, grace);
	fx_daemon_prepare(d, &fx.db, fx.dbname, extra);
	cr_assert_eq(fx_daemon_start(d, NULL), 0, "dc%d did not start", n);
}

#define GRACE 4000

/*
 * dc1 (fx.d, task.foreign_grace_ms GRACE) and dc2 (other, grace2) on one
 * database, with the cluster fixtures imported.
 */
static void
start_two_dcs(int grace2)
{
	start_dc(&fx.d, 1, GRACE);
	start_dc(&other, 2, grace2);
	fx_import(fx.d.port, FX_CLUSTER_FIXTURES);
}

/*
 * Create a one-machine cluster at the loomd on port and wait until its
 * first task is queued: its id into task, the ms of its queueing (q_seq
 * / 1000) returned.  The task's residue must be want.
 */
static int64_t
queue_one(int port, const char *name, int want, char task[64])
{
	char id[32], n[64];

	fx_create_cluster(port, "user1", name, "one-machine", id);
	wait_queued(id);
	fx_sqlf(&fx.db, fx.dbname, task, 64,
	    "SELECT id FROM tasks WHERE cluster_id = %s AND "
	    "q_state = 'queued'",
	    id);
	fx_sqlf(&fx.db, fx.dbname, n, sizeof n,
	    "SELECT residue FROM tasks WHERE id = '%s'", task);
	cr_assert_eq(atoi(n), want, "the task is of its loomd's datacenter");
	fx_sqlf(&fx.db, fx.dbname, n, sizeof n,
	    "SELECT q_seq DIV 1000 FROM tasks WHERE id = '%s'", task);
	return strtoll(n, NULL, 10);
}

/*
 * dc1 and dc2 on one database, task.foreign_grace_ms = 4000 on both: a
 * worker at dc1 gets dc1's queued task at once; a worker at dc2 gets 204
 * for it while it is younger than the grace, and gets it once the grace
 * has passed.
 */
Test(own_loomd, another_datacenters_task_waits_for_the_grace)
{
	char task[64], got[64], n[64];
	struct fx_resp r;
	int64_t queued, at = 0;
	long st;
	int young = 0;

	start_two_dcs(GRACE);

	/* Its own datacenter's worker: at once, grace or not. */
	queue_one(fx.d.port, "mine", 1, task);
	cr_expect_eq(fx_take(fx.d.port, "wa", got), 200);
	cr_expect_str_eq(got, task);

	queued = queue_one(fx.d.port, "theirs", 1, task);
	for (;;) {
		st = fx_take(other.port, "wb", got);
		at = wall_ms();
		if (st == 200)
			break;
		cr_assert_eq(st, 204, "%s", got);
		if (at < queued + GRACE)
			young++;
		cr_assert_lt(at, queued + GRACE + 10000,
		    "dc2's worker got no task 10 s after the grace");
		usleep(100 * 1000);
	}
	cr_expect_str_eq(got, task);
	/* Never before the grace: the take's clock was at most at. */
	cr_expect_geq(at - queued, GRACE,
	    "dc2 handed out dc1's task %" PRId64 " ms after its queueing",
	    at - queued);
	cr_expect_str_eq(fx_sqlf(&fx.db, fx.dbname, n, sizeof n,
			     "SELECT CONCAT(worker_id, '/', taken_at - q_seq "
			     "DIV 1000 >= %d) FROM tasks WHERE id = '%s'",
			     GRACE, task),
	    "wb/1", "taken by dc2's worker after the grace");
	cr_expect_gt(young, 0, "dc2 answered 204 while the task was young");
	/* A worker of dc2 finishes dc1's task. */
	cr_expect_eq(fx_finish(other.port, "wb", task, 0, NULL, NULL, &r), 200,
	    "%s", r.body);
	fx_resp_free(&r);
}

/*
 * With task.foreign_grace_ms = 0 at dc2, its worker gets dc1's queued
 * task with its first take.
 */
Test(own_loomd, no_grace_takes_another_datacenters_task_at_once)
{
	char task[64], got[64], n[64];

	start_two_dcs(0);
	queue_one(fx.d.port, "theirs", 1, task);
	cr_expect_eq(fx_take(other.port, "wb", got), 200);
	cr_expect_str_eq(got, task);
	cr_expect_str_eq(
	    fx_sqlf(&fx.db, fx.dbname, n, sizeof n,
		"SELECT CONCAT(q_state, '/', worker_id) FROM tasks "
		"WHERE id = '%s'",
		task),
	    "taken/wb");
}

/*
 * With task.foreign_grace_ms = 0 at dc2 and a task queued at each
 * datacenter, dc1's first: dc2's worker gets its own datacenter's task
 * first, older or not, and dc1's once its own queue is empty (the look
 * asks for another datacenter's tasks only then).
 */
Test(own_loomd, own_tasks_first_then_another_datacenters)
{
	char theirs[64], mine[64], got[64];

	start_two_dcs(0);
	queue_one(fx.d.port, "theirs", 1, theirs);
	queue_one(other.port, "mine", 2, mine);
	cr_expect_eq(fx_take(other.port, "wb", got), 200);
	cr_expect_str_eq(got, mine, "its own datacenter's task first");
	cr_expect_eq(fx_take(other.port, "wc", got), 200);
	cr_expect_str_eq(got, theirs, "then the other datacenter's");
	cr_expect_eq(fx_take(other.port, "wd", got), 204, "%s", got);
}

/* How many threads of process pid have a name that starts with prefix. */
static int
threads_named(pid_t pid, const char *prefix)
{
	char path[300], comm[64];
	struct dirent *e;
	DIR *dir;
	FILE *fp;
	int n = 0;

	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	dir = opendir(path);
	cr_assert_not_null(dir, "%s", path);
	while ((e = readdir(dir)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "/proc/%d/task/%s/comm", (int)pid,
		    e->d_name);
		if ((fp = fopen(path, "r")) == NULL)
			continue; /* the thread ended */
		if (fgets(comm, sizeof comm, fp) != NULL &&
		    strncmp(comm, prefix, strlen(prefix)) == 0)
			n++;
		fclose(fp);
	}
	closedir(dir);
	return n;
}

/* Start fx.d with scheduler.solvers = solvers and import the catalogue. */
static void
start_solvers(int solvers)
{
	char extra[256];

	snprintf(extra, sizeof extra,
	    "scheduler = { interval_ms = 50; solvers = %d; };", solvers);
	fx_daemon_prepare(&fx.d, &fx.db, fx.dbname, extra);
	cr_assert_eq(fx_daemon_start(&fx.d, NULL), 0, "loomd did not start");
	fx_import(fx.d.port, FX_CLUSTER_FIXTURES);
}

/* Whether loomd's log says that cluster id was solved. */
static bool
logged_solved(const char *id)
{
	static char log[1 << 16];
	char want[64];

	fx_daemon_log(&fx.d, log, sizeof log);
	snprintf(want, sizeof want, "cluster %s solved: ", id);
	return strstr(log, want) != NULL;
}

/*
 * scheduler.solvers = 0: no solver thread; the scheduler solves the
 * layout itself and the cluster goes on to ACTIVE.
 */
Test(own_loomd, no_solver_threads_the_scheduler_solves)
{
	char id[32];

	start_solvers(0);
	cr_expect_eq(threads_named(fx.d.pid, "solver"), 0);
	fx_create_cluster(fx.d.port, "user1", "s0", "one-machine", id);
	prov =
	    fx_provisioner_start(fx.d.port, 2, NULL, "1", "/dev/null", NULL);
	fx_wait_status(fx.d.port, "user1", id,
	    "ACTIVE/COMPLETE/CLUSTER_CREATE", 30000);
	cr_expect(logged_solved(id), "the log says cluster %s was solved", id);
}

/*
 * scheduler.solvers = 2: two solver threads; clusters created together
 * are all solved and all reach ACTIVE.
 */
Test(own_loomd, solver_threads_solve_clusters_created_together)
{
	char id[4][32], name[16];
	int i;

	start_solvers(2);
	cr_expect_eq(threads_named(fx.d.pid, "solver 1"), 1);
	cr_expect_eq(threads_named(fx.d.pid, "solver 2"), 1);
	cr_expect_eq(threads_named(fx.d.pid, "solver"), 2);
	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof name, "s%d", i);
		fx_create_cluster(fx.d.port, "user1", name, "one-machine",
		    id[i]);
	}
	prov =
	    fx_provisioner_start(fx.d.port, 2, NULL, "1", "/dev/null", NULL);
	for (i = 0; i < 4; i++) {
		fx_wait_status(fx.d.port, "user1", id[i],
		    "ACTIVE/COMPLETE/CLUSTER_CREATE", 30000);
		cr_expect(logged_solved(id[i]),
		    "the log says cluster %s was solved", id[i]);
	}
}

/*
 * A new cluster's SOLVE_LAYOUT job goes from POST /clusters straight to
 * the solver threads, claimed by its insert: it is solved and its first
 * stage queued with no scheduler pass (scheduler.interval_ms = 60000, so
 * none comes unless something wakes the scheduler).
 */
Test(own_loomd, a_new_cluster_is_solved_without_a_scheduler_pass)
{
	char id[32], n[64];
	double passes, deadline;

	fx_daemon_prepare(&fx.d, &fx.db, fx.dbname,
	    "scheduler = { interval_ms = 60000; solvers = 2; };");
	cr_assert_eq(fx_daemon_start(&fx.d, NULL), 0, "loomd did not start");
	fx_import(fx.d.port, FX_CLUSTER_FIXTURES);
	/* The first pass comes at startup; the import wakes none. */
	deadline = fx_now_ms() + 5000;
	while ((passes = fx_metric(fx.d.port,
		    "loomd_scheduler_passes_total")) < 1 &&
	    fx_now_ms() < deadline)
		usleep(50 * 1000);
	cr_assert_geq(passes, 1);
	usleep(300 * 1000);
	passes = fx_metric(fx.d.port, "loomd_scheduler_passes_total");
	fx_create_cluster(fx.d.port, "user1", "h", "one-machine", id);
	deadline = fx_now_ms() + 10000;
	while (!logged_solved(id) && fx_now_ms() < deadline)
		usleep(50 * 1000);
	cr_assert(logged_solved(id), "cluster %s not solved in 10 s", id);
	cr_expect_str_eq(fx_sqlf(&fx.db, fx.dbname, n, sizeof n,
			     "SELECT CONCAT(status, ' ', needs_work, ' ', "
			     "lease_until) FROM jobs WHERE cluster_id = %lld "
			     "AND action = 'SOLVE_LAYOUT'",
			     (long long)atoll(id)),
	    "COMPLETE 0 0");
	cr_expect_eq(fx_metric(fx.d.port, "loomd_scheduler_passes_total"),
	    passes, "a scheduler pass found the job");
}

/*
 * task.delivery_record_ms = 60000 (undelivered_seconds = 240): the
 * record of a take's delivery waits in memory, and a loomd stopped by
 * SIGTERM writes it before it exits, with the time of the delivery.
 */
Test(own_loomd, delivery_records_are_written_at_shutdown)
{
	char id[32], task[64], n[64];
	double t0;
	int64_t before;

	fx_daemon_prepare(&fx.d, &fx.db, fx.dbname,
	    "scheduler = { interval_ms = 50; };\n"
	    "task = { undelivered_seconds = 240; delivery_record_ms = 60000; "
	    "};");
	cr_assert_eq(fx_daemon_start(&fx.d, NULL), 0, "loomd did not start");
	fx_import(fx.d.port, FX_CLUSTER_FIXTURES);
	fx_create_cluster(fx.d.port, "user1", "t", "one-machine", id);
	fx_take_within(fx.d.port, "w1", task, 15);
	t0 = fx_now_ms();
	usleep(300 * 1000); /* the answer's end reaches loomd's hand-out */
	cr_assert_str_eq(fx_sqlf(&fx.db, fx.dbname, n, sizeof n,
			     "SELECT COUNT(*) FROM task_takes WHERE task_id = "
			     "'%s' AND worker_id = 'w1' AND delivered_at IS "
			     "NULL",
			     task),
	    "1", "the hand-out is on record, its delivery not yet");
	before = wall_ms();
	cr_assert_eq(fx_daemon_stop(&fx.d), 0, "loomd stopped cleanly");
	cr_assert_lt(fx_now_ms() - t0, 60000, "stopped within the delay");
	cr_expect_str_eq(fx_sqlf(&fx.db, fx.dbname, n, sizeof n,
			     "SELECT CONCAT(COUNT(*), '/', SUM(delivered_at "
			     "BETWEEN taken_at AND %" PRId64
			     ")) FROM task_takes WHERE task_id = '%s' AND "
			     "delivered_at IS NOT NULL",
			     before, task),
	    "1/1", "the delivery written at shutdown, with its own time");
}
