/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jobs_pool.c - the solver threads (see jobs_pool.h).  One queue under
 * one lock; each thread has its own database connection and its own
 * catalogue cache (jobs_solve.c keeps it per thread) and solves one
 * queued job per pass.
 */
#include "config.h"

#include "jobs_pool.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "bgthread.h"
#include "cfg.h"
#include "db.h"
#include "jobs_solve.h"
#include "scheduler.h"

#define JOBS_POOL_MAX 16
/* Jobs queued at most; a full queue leaves the solve to the scheduler. */
#define JOBS_POOL_QUEUE 256

struct jobs_pool_worker {
	struct db_conn *c;
	char name[16];
};

static pthread_mutex_t jobs_pool_lock = PTHREAD_MUTEX_INITIALIZER;
/* Guarded by jobs_pool_lock: a ring of claimed jobs. */
static struct job_store_job jobs_pool_queue[JOBS_POOL_QUEUE];
static size_t jobs_pool_head, jobs_pool_n;
static size_t jobs_pool_reserved; /* places kept for jobs being committed */
static bool jobs_pool_on;

static struct jobs_pool_worker jobs_pool_workers[JOBS_POOL_MAX];
static struct bgthread jobs_pool_threads[JOBS_POOL_MAX];
static size_t jobs_pool_nthreads;

/* Take the oldest queued job into *job; false when none is queued. */
static bool
jobs_pool_pop(struct job_store_job *job)
{
	bool got = false;

	pthread_mutex_lock(&jobs_pool_lock);
	if (jobs_pool_n > 0) {
		*job = jobs_pool_queue[jobs_pool_head];
		jobs_pool_head = (jobs_pool_head + 1) % JOBS_POOL_QUEUE;
		jobs_pool_n--;
		got = true;
	}
	pthread_mutex_unlock(&jobs_pool_lock);
	return got;
}

/* One pass: solve one queued job; the ms to wait before the next. */
static int64_t
jobs_pool_pass(void *arg)
{
	struct jobs_pool_worker *w = arg;
	struct job_store_job job;

	if (!jobs_pool_pop(&job))
		return 60000; /* until kicked */
	if (scheduler_conn(&w->c, w->name) == NULL)
		return 0; /* its lease ends, and a later pass claims it again */
	jobs_solve(w->c, &job);
	return 0;
}

/* After the last pass. */
static void
jobs_pool_done(void *arg)
{
	struct jobs_pool_worker *w = arg;

	jobs_solve_done();
	db_close(w->c);
	w->c = NULL;
}

/*
 * Queue job (under jobs_pool_lock, which it unlocks) in a place known to
 * be free, and wake the threads.
 */
static void
jobs_pool_push_unlock(const struct job_store_job *job)
{
	size_t i, n;

	jobs_pool_queue[(jobs_pool_head + jobs_pool_n++) % JOBS_POOL_QUEUE] =
	    *job;
	n = jobs_pool_nthreads;
	pthread_mutex_unlock(&jobs_pool_lock);
	/* Every thread: the idle ones look, a busy one after its solve. */
	for (i = 0; i < n; i++)
		bgthread_kick(&jobs_pool_threads[i]);
}

bool
jobs_pool_solve(const struct job_store_job *job)
{
	pthread_mutex_lock(&jobs_pool_lock);
	if (!jobs_pool_on ||
	    jobs_pool_n + jobs_pool_reserved >= JOBS_POOL_QUEUE) {
		pthread_mutex_unlock(&jobs_pool_lock);
		return false;
	}
	jobs_pool_push_unlock(job);
	return true;
}

bool
jobs_pool_reserve(void)
{
	bool ok;

	pthread_mutex_lock(&jobs_pool_lock);
	ok =
	    jobs_pool_on && jobs_pool_n + jobs_pool_reserved < JOBS_POOL_QUEUE;
	if (ok)
		jobs_pool_reserved++;
	pthread_mutex_unlock(&jobs_pool_lock);
	return ok;
}

bool
jobs_pool_solve_reserved(const struct job_store_job *job)
{
	pthread_mutex_lock(&jobs_pool_lock);
	jobs_pool_reserved--;
	if (!jobs_pool_on) {
		pthread_mutex_unlock(&jobs_pool_lock);
		return false;
	}
	jobs_pool_push_unlock(job);
	return true;
}

void
jobs_pool_unreserve(void)
{
	pthread_mutex_lock(&jobs_pool_lock);
	jobs_pool_reserved--;
	pthread_mutex_unlock(&jobs_pool_lock);
}

int
jobs_pool_start(const struct cfg *cfg, char err[LOOMD_ERR_LEN])
{
	size_t i, n = (size_t)cfg->scheduler_solvers;

	if (n > JOBS_POOL_MAX)
		n = JOBS_POOL_MAX;
	for (i = 0; i < n; i++) {
		struct jobs_pool_worker *w = &jobs_pool_workers[i];

		snprintf(w->name, sizeof w->name, "solver %zu", i + 1);
		jobs_pool_threads[i] = (struct bgthread)BGTHREAD_INIT(w->name,
		    jobs_pool_pass, jobs_pool_done, w);
		if (bgthread_start(&jobs_pool_threads[i], err) != 0) {
			jobs_pool_stop();
			return -1;
		}
		jobs_pool_nthreads = i + 1;
	}
	pthread_mutex_lock(&jobs_pool_lock);
	jobs_pool_on = jobs_pool_nthreads > 0;
	pthread_mutex_unlock(&jobs_pool_lock);
	return 0;
}

void
jobs_pool_stop(void)
{
	size_t i;

	pthread_mutex_lock(&jobs_pool_lock);
	jobs_pool_on = false;
	jobs_pool_n =
	    0; /* claimed: a later pass claims them when their lease ends */
	pthread_mutex_unlock(&jobs_pool_lock);
	for (i = 0; i < jobs_pool_nthreads; i++)
		bgthread_stop(&jobs_pool_threads[i]);
	jobs_pool_nthreads = 0;
}
