/* SPDX-License-Identifier: Apache-2.0 */
/*
 * handout.c - delivery records written late (see handout.h).  Pending
 * records wait in an array under one lock, oldest first; the thread
 * writes those older than the delay with one statement
 * (task_store_mark_delivered()) and keeps them for its next pass when the
 * database does not answer.
 */
#include "config.h"

#include "handout.h"

#include <json-c/json.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bgthread.h"
#include "cfg.h"
#include "db.h"
#include "domain.h"
#include "scheduler.h"
#include "task_store.h"

/* Records written by one statement at most. */
#define HANDOUT_BATCH 500

struct handout_rec {
	char *worker;  /* owned */
	char *task;    /* owned */
	int64_t at;    /* wall clock ms: delivered_at */
	int64_t since; /* monotonic ms */
	uint64_t seq;  /* order of arrival */
};

static pthread_mutex_t handout_lock = PTHREAD_MUTEX_INITIALIZER;
/* Guarded by handout_lock: oldest first. */
static struct handout_rec *handout_recs;
static size_t handout_n, handout_cap;
static uint64_t handout_seq;
static bool handout_on;
static int64_t handout_delay;	     /* ms */
static struct db_conn *handout_conn; /* the thread's */

static int64_t handout_pass(void *arg);
static void handout_done(void *arg);
static struct bgthread handout_thread =
    BGTHREAD_INIT("handout", handout_pass, handout_done, NULL);

static void
handout_rec_free(struct handout_rec *r)
{
	free(r->worker);
	free(r->task);
}

void
handout_delivered(const char *worker, const char *task)
{
	struct handout_rec *r;
	bool first;

	pthread_mutex_lock(&handout_lock);
	if (!handout_on) {
		pthread_mutex_unlock(&handout_lock);
		task_store_delivered(worker, task, true);
		return;
	}
	if (handout_n == handout_cap) {
		handout_cap = handout_cap == 0 ? 64 : 2 * handout_cap;
		handout_recs =
		    xrealloc(handout_recs, handout_cap * sizeof *handout_recs);
	}
	r = &handout_recs[handout_n];
	r->worker = xstrdup(worker);
	r->task = xstrdup(task);
	r->at = domain_now_ms();
	r->since = common_now_ms(CLOCK_MONOTONIC);
	r->seq = ++handout_seq;
	first = handout_n++ == 0;
	pthread_mutex_unlock(&handout_lock);
	if (first) /* the thread sleeps until there is a record */
		bgthread_kick(&handout_thread);
}

void
handout_finished(const char *task)
{
	size_t i;

	pthread_mutex_lock(&handout_lock);
	for (i = 0; i < handout_n; i++) {
		if (strcmp(handout_recs[i].task, task) != 0)
			continue;
		handout_rec_free(&handout_recs[i]);
		memmove(&handout_recs[i], &handout_recs[i + 1],
		    (handout_n - i - 1) * sizeof *handout_recs);
		handout_n--;
		break;
	}
	pthread_mutex_unlock(&handout_lock);
}

/*
 * Write the records older than the delay (all of them with all), up to
 * HANDOUT_BATCH per statement; the ms until the next one is due, or -1
 * when none is left.  Records that could not be written stay.
 */
static int64_t
handout_flush(bool all)
{
	struct json_object *rows;
	char err[LOOMD_ERR_LEN];
	int64_t now = common_now_ms(CLOCK_MONOTONIC), wait = 0;
	uint64_t last = 0;
	size_t n, i;
	bool wrote;

	for (;;) {
		rows = json_object_new_array();
		pthread_mutex_lock(&handout_lock);
		for (n = 0; n < handout_n && n < HANDOUT_BATCH &&
		     (all || handout_recs[n].since + handout_delay <= now);
		     n++) {
			struct json_object *row = json_object_new_array_ext(3);

			json_object_array_add(row,
			    json_object_new_string(handout_recs[n].task));
			json_object_array_add(row,
			    json_object_new_string(handout_recs[n].worker));
			json_object_array_add(row,
			    json_object_new_int64(handout_recs[n].at));
			json_object_array_add(rows, row);
			last = handout_recs[n].seq;
		}
		pthread_mutex_unlock(&handout_lock);
		if (n == 0) {
			json_object_put(rows);
			break;
		}
		wrote = false;
		snprintf(err, sizeof err, "no writable database");
		if (scheduler_conn(&handout_conn, "handout") != NULL)
			wrote = task_store_mark_delivered(handout_conn,
				    json_object_to_json_string_ext(rows,
					JSON_C_TO_STRING_PLAIN),
				    err) == DB_OK;
		json_object_put(rows);
		if (!wrote) {
			log_warn("take: cannot record that %zu answers were "
				 "delivered: %s; trying again",
			    n, err);
			break;
		}
		/*
		 * Those written are the records up to last, still first in
		 * arrival order: a finish meanwhile may have removed some of
		 * them, never added one before them.
		 */
		pthread_mutex_lock(&handout_lock);
		for (i = 0; i < handout_n && handout_recs[i].seq <= last; i++)
			handout_rec_free(&handout_recs[i]);
		memmove(handout_recs, handout_recs + i,
		    (handout_n - i) * sizeof *handout_recs);
		handout_n -= i;
		pthread_mutex_unlock(&handout_lock);
	}
	pthread_mutex_lock(&handout_lock);
	n = handout_n;
	if (n > 0)
		wait = handout_recs[0].since + handout_delay -
		    common_now_ms(CLOCK_MONOTONIC);
	pthread_mutex_unlock(&handout_lock);
	return n == 0 ? -1 : (wait > 0 ? wait : handout_delay);
}

/* One pass; the ms to wait before the next. */
static int64_t
handout_pass(void *arg UNUSED)
{
	int64_t next = handout_flush(false);

	return next < 0 ? 60000 : next;
}

/* After the last pass: every record, then no more delay. */
static void
handout_done(void *arg UNUSED)
{
	(void)handout_flush(true);
	pthread_mutex_lock(&handout_lock);
	handout_on = false;
	pthread_mutex_unlock(&handout_lock);
	/* A record that could not be written now is written by no one. */
	pthread_mutex_lock(&handout_lock);
	while (handout_n > 0)
		handout_rec_free(&handout_recs[--handout_n]);
	free(handout_recs);
	handout_recs = NULL;
	handout_cap = 0;
	pthread_mutex_unlock(&handout_lock);
	db_close(handout_conn);
	handout_conn = NULL;
}

int
handout_start(const struct cfg *cfg, char err[LOOMD_ERR_LEN])
{
	handout_delay = cfg->task_delivery_record_ms;
	if (handout_delay > cfg->task_undelivered_seconds * 1000 / 4)
		handout_delay = cfg->task_undelivered_seconds * 1000 / 4;
	if (handout_delay <= 0)
		return 0; /* written at once */
	pthread_mutex_lock(&handout_lock);
	handout_on = true;
	pthread_mutex_unlock(&handout_lock);
	if (bgthread_start(&handout_thread, err) != 0) {
		pthread_mutex_lock(&handout_lock);
		handout_on = false;
		pthread_mutex_unlock(&handout_lock);
		return -1;
	}
	return 0;
}

void
handout_stop(void)
{
	bgthread_stop(&handout_thread);
}
