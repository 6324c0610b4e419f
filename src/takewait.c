/* SPDX-License-Identifier: Apache-2.0 */
/*
 * takewait.c - parked takes (see takewait.h).  A FIFO of suspended
 * connections under one lock, and one thread that resumes them at their
 * deadline and, while any is parked, asks the database every
 * TAKEWAIT_POLL_MS how many tasks they may take are queued.
 */
#include "config.h"

#include "takewait.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cfg.h"
#include "db.h"

/* Most wake-ups one poll hands out (the poll counts up to this many). */
#define TAKEWAIT_POLL_MAX 64

struct takewait_waiter {
	struct takewait_waiter *next;
	struct MHD_Connection *conn;
	int64_t deadline;
};

static pthread_mutex_t takewait_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t takewait_cond = PTHREAD_COND_INITIALIZER;
/* Guarded by takewait_lock. */
static struct takewait_waiter *takewait_head, **takewait_tail = &takewait_head;
static size_t takewait_n;
static bool takewait_drained, takewait_stopping, takewait_running;
static int64_t takewait_next_poll;
static uint64_t takewait_generation; /* atomic */
static pthread_t takewait_thread;
static _Thread_local size_t takewait_pending;
/* What the poll counts: this datacenter's residue, task.foreign_grace_ms. */
static int64_t takewait_residue, takewait_grace_ms;

int64_t
takewait_now_ms(void)
{
	return common_now_ms(CLOCK_MONOTONIC);
}

bool
takewait_draining(void)
{
	bool d;

	pthread_mutex_lock(&takewait_lock);
	d = takewait_drained;
	pthread_mutex_unlock(&takewait_lock);
	return d;
}

uint64_t
takewait_gen(void)
{
	return __atomic_load_n(&takewait_generation, __ATOMIC_ACQUIRE);
}

size_t
takewait_parked(void)
{
	size_t n;

	pthread_mutex_lock(&takewait_lock);
	n = takewait_n;
	pthread_mutex_unlock(&takewait_lock);
	return n;
}

/* Resume the oldest n parked takes (locked). */
static void
takewait_resume_locked(size_t n)
{
	struct takewait_waiter *w;

	while (n-- > 0 && (w = takewait_head) != NULL) {
		if ((takewait_head = w->next) == NULL)
			takewait_tail = &takewait_head;
		takewait_n--;
		MHD_resume_connection(w->conn);
		free(w);
	}
}

/* Resume every parked take whose deadline has come (locked). */
static void
takewait_expire_locked(int64_t now)
{
	struct takewait_waiter **pp = &takewait_head, *w;

	while ((w = *pp) != NULL) {
		if (w->deadline > now) {
			pp = &w->next;
			continue;
		}
		if ((*pp = w->next) == NULL)
			takewait_tail = pp;
		takewait_n--;
		MHD_resume_connection(w->conn);
		free(w);
	}
}

enum takewait_park
takewait_park(void *conn, int64_t deadline_ms, uint64_t gen)
{
	struct takewait_waiter *w;

	pthread_mutex_lock(&takewait_lock);
	if (takewait_drained || !takewait_running) {
		pthread_mutex_unlock(&takewait_lock);
		return TAKEWAIT_REFUSED;
	}
	if (takewait_gen() != gen) {
		pthread_mutex_unlock(&takewait_lock);
		return TAKEWAIT_AGAIN;
	}
	w = xcalloc(1, sizeof *w);
	w->conn = conn;
	w->deadline = deadline_ms;
	*takewait_tail = w;
	takewait_tail = &w->next;
	if (takewait_n++ == 0) /* this take just looked: poll later */
		takewait_next_poll = takewait_now_ms() + TAKEWAIT_POLL_MS;
	/* Under the lock: no wake-up can resume it before it is suspended. */
	MHD_suspend_connection(conn);
	pthread_cond_signal(&takewait_cond);
	pthread_mutex_unlock(&takewait_lock);
	return TAKEWAIT_PARKED;
}

void
takewait_kick(size_t n)
{
	__atomic_add_fetch(&takewait_generation, 1, __ATOMIC_RELEASE);
	pthread_mutex_lock(&takewait_lock);
	takewait_resume_locked(n);
	pthread_mutex_unlock(&takewait_lock);
}

void
takewait_queued(size_t n)
{
	takewait_pending += n;
}

void
takewait_flush_finish(void)
{
	if (takewait_pending > 0)
		takewait_pending--;
	takewait_flush();
}

void
takewait_flush(void)
{
	size_t n = takewait_pending;

	takewait_pending = 0;
	if (n > 0)
		takewait_kick(n);
}

int64_t
takewait_foreign_before(void)
{
	return takewait_grace_ms > 0 ?
	    (common_now_ms(CLOCK_REALTIME) - takewait_grace_ms) * 1000 :
	    INT64_MAX;
}

/*
 * Count the queued tasks that a take here may have, up to
 * TAKEWAIT_POLL_MAX (db_read_run body): this datacenter's, and the
 * others' past takewait_foreign_before().  Another datacenter's younger
 * task wakes no one: the take would find nothing.
 */
static enum db_status
takewait_poll_fn(struct db_conn *c, void *arg)
{
	size_t *n = arg;
	struct db_rows *r;
	enum db_status st;

	if ((st = db_query(c,
		 "SELECT COUNT(*) FROM (SELECT 1 FROM tasks "
		 "WHERE q_state = 'queued' AND (residue = ? OR q_seq < ?) "
		 "LIMIT ?) q",
		 &r, "iii", takewait_residue, takewait_foreign_before(),
		 (int64_t)TAKEWAIT_POLL_MAX)) != DB_OK)
		return st;
	*n = (size_t)db_rows_int(r, 0, 0);
	db_rows_free(r);
	return DB_OK;
}

static void *
takewait_main(void *arg UNUSED)
{
	char err[LOOMD_ERR_LEN];
	struct db_conn *c = NULL;
	struct takewait_waiter *w;
	struct timespec ts;
	int64_t now, next;
	size_t n;

	pthread_mutex_lock(&takewait_lock);
	while (!takewait_stopping) {
		now = takewait_now_ms();
		takewait_expire_locked(now);
		if (takewait_drained)
			takewait_resume_locked(SIZE_MAX);
		if (takewait_n == 0) {
			pthread_cond_wait(&takewait_cond, &takewait_lock);
			continue;
		}
		if (now >= takewait_next_poll) {
			takewait_next_poll = now + TAKEWAIT_POLL_MS;
			pthread_mutex_unlock(&takewait_lock);
			n = 0;
			if (c == NULL)
				c = db_connect(DB_ROLE_WORKER, NULL, err);
			if (c == NULL)
				log_debug("takewait: %s", err);
			else if (db_read_run(c, takewait_poll_fn, &n, err) !=
			    DB_OK) {
				log_debug("takewait: poll: %s", err);
				if (!db_connected(c)) {
					db_close(c);
					c = NULL;
				}
			}
			if (n > 0)
				takewait_kick(n);
			pthread_mutex_lock(&takewait_lock);
			continue;
		}
		next = takewait_next_poll;
		for (w = takewait_head; w != NULL; w = w->next)
			if (w->deadline < next)
				next = w->deadline;
		common_deadline_ms(CLOCK_MONOTONIC, next - now, &ts);
		pthread_cond_timedwait(&takewait_cond, &takewait_lock, &ts);
	}
	takewait_resume_locked(SIZE_MAX);
	pthread_mutex_unlock(&takewait_lock);
	db_close(c);
	return NULL;
}

int
takewait_start(const struct cfg *cfg, char err[LOOMD_ERR_LEN])
{
	pthread_condattr_t ca;

	takewait_residue = cfg_ids_residue(cfg);
	takewait_grace_ms = cfg->task_foreign_grace_ms;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&takewait_cond, &ca);
	pthread_condattr_destroy(&ca);
	takewait_stopping = false;
	takewait_drained = false;
	if (pthread_create(&takewait_thread, NULL, takewait_main, NULL) != 0) {
		snprintf(err, LOOMD_ERR_LEN,
		    "cannot start the take-wait "
		    "thread");
		return -1;
	}
	pthread_mutex_lock(&takewait_lock);
	takewait_running = true;
	pthread_mutex_unlock(&takewait_lock);
	return 0;
}

void
takewait_drain(void)
{
	pthread_mutex_lock(&takewait_lock);
	takewait_drained = true;
	takewait_resume_locked(SIZE_MAX);
	pthread_cond_signal(&takewait_cond);
	pthread_mutex_unlock(&takewait_lock);
}

void
takewait_stop(void)
{
	bool running;

	pthread_mutex_lock(&takewait_lock);
	running = takewait_running;
	takewait_running = false;
	takewait_stopping = true;
	pthread_cond_signal(&takewait_cond);
	pthread_mutex_unlock(&takewait_lock);
	if (running)
		pthread_join(takewait_thread, NULL);
}
