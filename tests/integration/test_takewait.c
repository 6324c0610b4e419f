/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_takewait.c - takes that wait for work (task.take_wait_ms), on a
 * real loomd and mariadbd through HTTP: an empty take waits and answers
 * 204 as before; a waiting take answers soon after a task is queued, by
 * this loomd or by another one; waiting takes leave the HTTP threads to
 * other requests; SIGTERM ends them at once; 0 turns waiting off.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <json-c/json.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "fixture.h"

static struct fx_daemon d2;

#define USER "X-Loom-UserID: user1"
#define ONE_MACHINE \
	"{\"name\":\"tw\",\"numMachines\":1," \
	"\"clusterTemplate\":\"one-machine\"}"

static void
start(const char *extra)
{
	fx_start(extra, FX_CLUSTER_FIXTURES);
}

static void
teardown(void)
{
	if (d2.pid > 0)
		fx_daemon_stop(&d2);
	fx_fini();
}

TestSuite(takewait, .fini = teardown, .timeout = 120);
FX_MAIN(FX_NEED_DB, 0)

/* Wall clock in ms, the clock of tasks.submit_time. */
static double
wall_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec * 1000 + tv.tv_usec / 1000.0;
}

/* One take run on a thread of its own. */
struct take_job {
	pthread_t t;
	int port;
	char worker[32];
	long status; /* 0: no answer */
	size_t len;
	char task[64];
	double ms;	  /* its duration */
	double done_wall; /* wall clock of the answer */
};

static void *
take_run(void *arg)
{
	struct take_job *j = arg;
	struct fx_resp r;
	struct json_object *o;
	char body[128];

	snprintf(body, sizeof body, "{\"workerId\":\"%s\"}", j->worker);
	memset(&r, 0, sizeof r);
	(void)fx_http(j->port, "POST", "/v1/loom/tasks/take", NULL, body,
	    strlen(body), 30000, &r);
	j->done_wall = wall_ms();
	j->status = r.status;
	j->len = r.len;
	j->ms = r.ms;
	if (r.status == 200 && (o = json_tokener_parse(r.body)) != NULL) {
		snprintf(j->task, sizeof j->task, "%s", fx_js(o, "taskId"));
		json_object_put(o);
	}
	fx_resp_free(&r);
	return NULL;
}

static void
take_spawn(struct take_job *j, int port, const char *worker)
{
	memset(j, 0, sizeof *j);
	j->port = port;
	snprintf(j->worker, sizeof j->worker, "%s", worker);
	cr_assert_eq(pthread_create(&j->t, NULL, take_run, j), 0);
}

static void
create_cluster(int port)
{
	struct fx_resp r;

	cr_assert_eq(fx_http(port, "POST", "/v1/loom/clusters", USER,
			 ONE_MACHINE, strlen(ONE_MACHINE), 15000, &r),
	    0);
	cr_assert_eq(r.status, 200, "create: %ld %s", r.status, r.body);
	fx_resp_free(&r);
}

/* submit_time of the first task queued in the test database. */
static double
first_submit_ms(void)
{
	char out[64];

	cr_assert_eq(fx_sql(&fx.db, fx.dbname,
			 "SELECT MIN(submit_time) FROM "
			 "tasks WHERE submit_time > 0",
			 out, sizeof out),
	    0, "%s", out);
	return atof(out);
}

/* Wait up to 3 s until /metrics shows n takes waiting. */
static bool
takes_waiting(int port, int n)
{
	char want[64];
	struct fx_resp r;
	double deadline = fx_now_ms() + 3000;
	bool found = false;

	snprintf(want, sizeof want, "\nloomd_takes_waiting %d\n", n);
	while (!found && fx_now_ms() < deadline) {
		memset(&r, 0, sizeof r);
		if (fx_http(port, "GET", "/metrics", NULL, NULL, 0, 5000,
			&r) == 0 &&
		    r.status == 200 && r.body != NULL)
			found = strstr(r.body, want) != NULL;
		fx_resp_free(&r);
		if (!found)
			usleep(50 * 1000);
	}
	return found;
}

/*
 * Start loomd with extra and run one take as worker with no task queued
 * (into *j): it answers 204.
 */
static void
empty_take(const char *extra, const char *worker, struct take_job *j)
{
	start(extra);
	take_spawn(j, fx.d.port, worker);
	pthread_join(j->t, NULL);
	cr_expect_eq(j->status, 204, "take: %ld", j->status);
}

Test(takewait, an_empty_take_waits_then_answers_204)
{
	struct take_job j;

	empty_take("task = { take_wait_ms = 1000; };", "w-empty", &j);
	cr_expect_eq(j.len, 0, "a 204 has no body (%zu bytes)", j.len);
	cr_expect(j.ms >= 950 && j.ms < 2000, "it waited %.0f ms, not ~1000",
	    j.ms);
}

Test(takewait, zero_turns_waiting_off)
{
	struct take_job j;

	empty_take("task = { take_wait_ms = 0; };", "w-zero", &j);
	cr_expect(j.ms < 500, "it answered after %.0f ms", j.ms);
}

/*
 * With a take of worker waiting on loomd fx.d (into *j), create a cluster
 * through the loomd on port: the take answers 200 and, as where (for the
 * log) says, at most limit_ms after the first task was queued.
 */
static void
take_is_woken(struct take_job *j, const char *worker, int port,
    const char *where, double limit_ms)
{
	double sub;

	take_spawn(j, fx.d.port, worker);
	cr_assert(takes_waiting(fx.d.port, 1), "the take waits");
	create_cluster(port);
	pthread_join(j->t, NULL);
	cr_assert_eq(j->status, 200, "take: %ld", j->status);
	sub = first_submit_ms();
	cr_log_info("%s: answered %.0f ms after the queueing", where,
	    j->done_wall - sub);
	cr_expect(j->done_wall - sub < limit_ms,
	    "%s: answered %.0f ms after the task was queued (limit %.0f ms)",
	    where, j->done_wall - sub, limit_ms);
}

Test(takewait, a_waiting_take_answers_when_a_task_is_queued)
{
	struct take_job j;

	start("task = { take_wait_ms = 20000; };");
	take_is_woken(&j, "w-local", fx.d.port, "local", 200);
	cr_expect_neq(j.task[0], '\0', "the answer names its task");
}

Test(takewait, another_loomds_task_wakes_a_waiting_take)
{
	struct take_job j;

	/* d's scheduler sleeps: only d2 works the job and queues its task. */
	start("task = { take_wait_ms = 20000; };\n"
	      "scheduler = { interval_ms = 60000; };");
	fx_daemon_prepare(&d2, &fx.db, fx.dbname,
	    "task = { take_wait_ms = 0; };");
	cr_assert_eq(fx_daemon_start(&d2, NULL), 0, "second loomd");
	/* One poll of the other loomd's queue is 150 ms. */
	take_is_woken(&j, "w-remote", d2.port, "remote", 450);
}

Test(takewait, waiting_takes_leave_the_threads_to_other_requests)
{
	struct take_job j[16];
	struct fx_resp r;
	size_t i;

	start("server = { host = \"127.0.0.1\"; threads = 2; };\n"
	      "task = { take_wait_ms = 6000; };");
	for (i = 0; i < 16; i++) {
		char w[32];

		snprintf(w, sizeof w, "w-many-%zu", i);
		take_spawn(&j[i], fx.d.port, w);
	}
	/* All 16 wait at once, on a pool of 2 threads. */
	cr_expect(takes_waiting(fx.d.port, 16), "16 takes waiting");
	cr_assert_eq(fx_http(fx.d.port, "GET", "/status", NULL, NULL, 0, 5000,
			 &r),
	    0);
	cr_expect_eq(r.status, 200);
	cr_expect(r.ms < 500, "GET /status took %.0f ms", r.ms);
	fx_resp_free(&r);
	cr_assert_eq(fx_http(fx.d.port, "GET", "/v1/loom/clusters", USER, NULL,
			 0, 5000, &r),
	    0);
	cr_expect_eq(r.status, 200);
	cr_expect(r.ms < 500, "GET /v1/loom/clusters took %.0f ms", r.ms);
	fx_resp_free(&r);
	for (i = 0; i < 16; i++) {
		pthread_join(j[i].t, NULL);
		cr_expect_eq(j[i].status, 204, "take %zu: %ld", i,
		    j[i].status);
		cr_expect(j[i].ms >= 5900, "take %zu waited %.0f ms", i,
		    j[i].ms);
	}
}

Test(takewait, sigterm_ends_waiting_takes)
{
	struct take_job j[4];
	double t0;
	size_t i;
	int st;

	start("task = { take_wait_ms = 30000; };");
	for (i = 0; i < 4; i++) {
		char w[32];

		snprintf(w, sizeof w, "w-term-%zu", i);
		take_spawn(&j[i], fx.d.port, w);
	}
	cr_assert(takes_waiting(fx.d.port, 4), "4 takes wait");
	t0 = fx_now_ms();
	st = fx_daemon_stop(&fx.d);
	cr_expect_eq(st, 0, "loomd exit status %d", st);
	cr_expect(fx_now_ms() - t0 < 3000, "loomd took %.0f ms to stop",
	    fx_now_ms() - t0);
	for (i = 0; i < 4; i++) {
		pthread_join(j[i].t, NULL);
		cr_expect_eq(j[i].status, 204, "take %zu: %ld", i,
		    j[i].status);
		cr_expect(j[i].ms < 3500, "take %zu: %.0f ms", i, j[i].ms);
	}
}
