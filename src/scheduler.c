/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scheduler.c - the scheduler thread (see scheduler.h).  Several loomd of
 * one datacenter may run it at once: cluster_store claims each job with a
 * lease, so none is processed twice at the same time.
 */
#include "config.h"

#include "scheduler.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "cfg.h"
#include "cluster_store.h"
#include "db.h"
#include "health.h"

static const struct cfg *sched_cfg;
static pthread_t sched_thread;
static pthread_mutex_t sched_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sched_cond = PTHREAD_COND_INITIALIZER;
static bool sched_running, sched_stopping, sched_kicked;
static uint64_t sched_passes;

void
scheduler_kick(void)
{
	pthread_mutex_lock(&sched_lock);
	sched_kicked = true;
	pthread_cond_signal(&sched_cond);
	pthread_mutex_unlock(&sched_lock);
}

uint64_t
scheduler_passes(void)
{
	return __atomic_load_n(&sched_passes, __ATOMIC_RELAXED);
}

/* Wait up to ms for a kick or a stop; true when stopping. */
static bool
scheduler_wait(int64_t ms)
{
	struct timespec until;
	bool stop;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&sched_lock);
	while (!sched_stopping && !sched_kicked &&
	    pthread_cond_timedwait(&sched_cond, &sched_lock, &until) == 0)
		;
	sched_kicked = false;
	stop = sched_stopping;
	pthread_mutex_unlock(&sched_lock);
	return stop;
}

/* The thread: passes until stopped. */
static void *
scheduler_main(void *arg UNUSED)
{
	char err[LOOMD_ERR_LEN], why[LOOMD_ERR_LEN];
	struct db_conn *c = NULL;
	int64_t residue = cfg_ids_residue(sched_cfg);
	int handled;

	for (;;) {
		handled = 0;
		if (!health_writable(why)) {
			/* Not Primary, or no database: acknowledge nothing. */
		} else if (c == NULL &&
		    (c = db_connect(DB_ROLE_WORKER, NULL, err)) == NULL) {
			log_debug("scheduler: %s", err);
		} else {
			handled = cs_schedule(c, &residue, 1);
			__atomic_add_fetch(&sched_passes, 1, __ATOMIC_RELAXED);
			if (!db_connected(c)) {
				db_close(c);
				c = NULL;
			}
		}
		if (scheduler_wait(handled > 0 ? 0 :
		    sched_cfg->scheduler_interval_ms))
			break;
	}
	db_close(c);
	return NULL;
}

int
scheduler_start(const struct cfg *cfg, char err[LOOMD_ERR_LEN])
{
	sched_cfg = cfg;
	sched_stopping = false;
	if (pthread_create(&sched_thread, NULL, scheduler_main, NULL) != 0) {
		snprintf(err, LOOMD_ERR_LEN, "cannot start scheduler thread");
		return -1;
	}
	sched_running = true;
	return 0;
}

void
scheduler_stop(void)
{
	if (!sched_running)
		return;
	pthread_mutex_lock(&sched_lock);
	sched_stopping = true;
	pthread_cond_signal(&sched_cond);
	pthread_mutex_unlock(&sched_lock);
	pthread_join(sched_thread, NULL);
	sched_running = false;
}
