/* SPDX-License-Identifier: Apache-2.0 */
/*
 * callback_deliver.c - the delivery thread of the callback outbox (see
 * callback.h): it claims the due rows of the residues the scheduler
 * works, POSTs them with libcurl and records the outcome in a transaction
 * of its own.  Nothing is sent twice except when a server dies between
 * sending a row and recording the answer: the lease then runs out and
 * another server sends it again (same X-Loom-Callback-Id).  The rows are
 * written by callback.c.
 */
#include "config.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bgthread.h"
#include "callback.h"
#include "cfg.h"
#include "cluster_store.h"
#include "domain.h"
#include "health.h"
#include "metrics.h"
#include "planner.h"
#include "scheduler.h"

/* First retry after this, doubling per attempt up to the cap. */
#define CALLBACK_BACKOFF_MS 1000
#define CALLBACK_BACKOFF_MAX_MS 60000
/* Rows looked at per residue and pass. */
#define CALLBACK_BATCH 16
#define CALLBACK_MAX_RES 64

static const struct cfg *cb_cfg;
static uint64_t cb_delivered, cb_retried, cb_failed;

/* The thread's own state between passes. */
static struct callback_deliver_state {
	struct db_conn *c;
	CURL *h;
	int64_t next_purge;
} cb_state;

static int64_t callback_deliver_pass_all(void *arg);
static void callback_deliver_done(void *arg);
static struct bgthread cb_thread = BGTHREAD_INIT("callback",
    callback_deliver_pass_all, callback_deliver_done, &cb_state);

/* ---------------------------------------------------------------- */
/* Delivery                                                         */

/* A claimed row. */
struct callback_deliver_row {
	char id[96];
	char job[64];
	char event[16];
	char *url;  /* owned */
	char *body; /* owned */
	int64_t attempts;
	int64_t created_at;
	bool gate;
	/* outcome of the attempt */
	long status;
	char error[LOOMD_ERR_LEN];
};

/* Claim row id for this server by compare-and-swap; true when ours. */
static bool
callback_deliver_claim(struct db_conn *c, const char *id,
    struct callback_deliver_row *row)
{
	int64_t now = domain_now_ms();
	struct db_rows *r;
	uint64_t n = 0;

	if (db_exec(c,
		"UPDATE callbacks SET lease_owner = ?, lease_until = ?, "
		"attempts = attempts + 1, version = version + 1 WHERE id = ? "
		"AND state = 'pending' AND lease_until < ? AND "
		"next_attempt_at <= ?",
		&n, "sisii", domain_me(),
		now + cb_cfg->callback_timeout_ms + 10000, id, now,
		now) != DB_OK ||
	    n != 1)
		return false;
	if (db_query(c,
		"SELECT job_id, event, url, body, attempts, created_at, gate "
		"FROM callbacks WHERE id = ?",
		&r, "s", id) != DB_OK)
		return false; /* the lease runs out; tried again then */
	if (r->nrows != 1) {
		db_rows_free(r);
		return false;
	}
	memset(row, 0, sizeof *row);
	snprintf(row->id, sizeof row->id, "%s", id);
	snprintf(row->job, sizeof row->job, "%s", db_rows_get(r, 0, 0));
	snprintf(row->event, sizeof row->event, "%s", db_rows_get(r, 0, 1));
	row->url = xstrdup(db_rows_get(r, 0, 2));
	row->body = xstrdup(db_rows_get(r, 0, 3));
	row->attempts = db_rows_int(r, 0, 4);
	row->created_at = db_rows_int(r, 0, 5);
	row->gate = db_rows_int(r, 0, 6) != 0;
	db_rows_free(r);
	return true;
}

/* Discard a response body. */
static size_t
callback_deliver_discard(char *p UNUSED, size_t sz, size_t n, void *arg UNUSED)
{
	return sz * n;
}

/* POST the row; row->status gets the HTTP status (0 if none came). */
static void
callback_deliver_send(CURL *h, struct callback_deliver_row *row)
{
	struct curl_slist *hdr = NULL;
	char line[256];
	CURLcode rc;

	hdr = curl_slist_append(hdr,
	    "Content-Type: application/json; "
	    "charset=UTF-8");
	snprintf(line, sizeof line, "X-Loom-Callback-Id: %s", row->id);
	hdr = curl_slist_append(hdr, line);
	snprintf(line, sizeof line, "X-Loom-Callback-Event: %s", row->event);
	hdr = curl_slist_append(hdr, line);
	snprintf(line, sizeof line, "X-Loom-Callback-Attempt: %" PRId64,
	    row->attempts);
	hdr = curl_slist_append(hdr, line);
	hdr = curl_slist_append(hdr, "Expect:");
	if (hdr == NULL)
		fatalx("curl_slist_append: out of memory");
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, row->url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, row->body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(row->body));
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
	    (long)cb_cfg->callback_timeout_ms);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "loomd/" PACKAGE_VERSION);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, callback_deliver_discard);
	row->status = 0;
	rc = curl_easy_perform(h);
	if (rc != CURLE_OK)
		snprintf(row->error, sizeof row->error, "%s",
		    curl_easy_strerror(rc));
	else {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &row->status);
		if (row->status < 200 || row->status > 299)
			snprintf(row->error, sizeof row->error,
			    "answered HTTP %ld", row->status);
	}
	curl_slist_free_all(hdr);
}

/* A START that failed for good fails its job (section 9.3). */
static enum db_status
callback_deliver_fail_job_tx(struct db_conn *c, const char *jid)
{
	enum planner_cluster_action ca;
	char msg[LOOMD_ERR_LEN];
	struct db_rows *r;
	enum db_status st;
	int64_t cluster;
	uint64_t n = 0;

	if ((st = db_query(c,
		 "SELECT cluster_id, action FROM jobs WHERE id = ? FOR UPDATE",
		 &r, "s", jid)) != DB_OK)
		return st;
	if (r->nrows != 1 ||
	    planner_cluster_action_parse(db_rows_get(r, 0, 1), &ca) != 0) {
		db_rows_free(r);
		return DB_OK;
	}
	cluster = db_rows_int(r, 0, 0);
	db_rows_free(r);
	if (ca == PLANNER_CLUSTER_CREATE)
		snprintf(msg, sizeof msg,
		    "Cluster creation stopped by failed start callback.");
	else
		snprintf(msg, sizeof msg,
		    "Failed to schedule the %s operation.",
		    planner_cluster_action_upper(ca));
	if ((st = db_exec(c,
		 "UPDATE jobs SET status = 'FAILED', status_message = ?, "
		 "needs_work = 0, lease_until = 0, version = version + 1 "
		 "WHERE id = ? AND status = 'RUNNING'",
		 &n, "ss", msg, jid)) != DB_OK)
		return st;
	if (n != 1)
		return DB_OK; /* aborted or ended meanwhile */
	if ((st = db_exec(c,
		 "UPDATE tasks SET status = 'DROPPED', q_state = 'none', "
		 "status_time = ? WHERE job_id = ? AND status = "
		 "'NOT_SUBMITTED'",
		 NULL, "is", domain_now_ms(), jid)) != DB_OK)
		return st;
	/* Section 9.3: every action but CLUSTER_CREATE leaves INCONSISTENT. */
	if ((st = cluster_store_set_status_tx(c, cluster,
		 ca == PLANNER_CLUSTER_CREATE ? "TERMINATED" :
						"INCONSISTENT")) != DB_OK)
		return st;
	log_warn("job %s: %s", jid, msg);
	return callback_enqueue_tx(c, jid, CALLBACK_FAILURE, NULL);
}

/* What became of a recorded attempt. */
enum callback_outcome {
	CALLBACK_DELIVERED,
	CALLBACK_RETRY,
	CALLBACK_FAILED,
	CALLBACK_LOST, /* the lease had passed to another server */
};

struct callback_deliver_record_arg {
	struct callback_deliver_row *row;
	enum callback_outcome outcome;
	int64_t next;
};

/*
 * Close the attempt of a->row in state ("delivered" or "failed"; error
 * NULL for none) if this server still holds its lease: a->outcome becomes
 * outcome, or CALLBACK_LOST when the row had passed to another server.
 */
static enum db_status
callback_deliver_close(struct db_conn *c,
    struct callback_deliver_record_arg *a, enum callback_outcome outcome,
    const char *state, const char *error, int64_t now)
{
	struct callback_deliver_row *row = a->row;
	enum db_status st;
	uint64_t n = 0;

	a->outcome = outcome;
	if ((st = db_exec(c,
		 "UPDATE callbacks SET state = ?, done_at = ?, lease_until = 0, "
		 "last_status = ?, last_error = ?, version = version + 1 WHERE "
		 "id = ? AND lease_owner = ? AND state = 'pending'",
		 &n, "siisss", state, now, (int64_t)row->status, error,
		 row->id, domain_me())) != DB_OK)
		return st;
	if (n != 1)
		a->outcome = CALLBACK_LOST;
	return DB_OK;
}

/* Record the answer of an attempt (and open or close a START gate). */
static enum db_status
callback_deliver_record_tx(struct db_conn *c, void *arg)
{
	struct callback_deliver_record_arg *a = arg;
	struct callback_deliver_row *row = a->row;
	int64_t now = domain_now_ms(), delay;
	enum db_status st;
	uint64_t n = 0;

	if (row->status >= 200 && row->status <= 299) {
		if ((st = callback_deliver_close(c, a, CALLBACK_DELIVERED,
			 "delivered", NULL, now)) != DB_OK ||
		    a->outcome == CALLBACK_LOST)
			return st;
		if (row->gate)
			return db_exec(c,
			    "UPDATE jobs SET needs_work = 1, lease_until = 0 "
			    "WHERE id = ? AND status = 'RUNNING' AND "
			    "planned = 1",
			    NULL, "s", row->job);
		return DB_OK;
	}
	if (now - row->created_at >= cb_cfg->callback_max_age_s * 1000) {
		if ((st = callback_deliver_close(c, a, CALLBACK_FAILED,
			 "failed", row->error, now)) != DB_OK ||
		    a->outcome == CALLBACK_LOST)
			return st;
		return row->gate ? callback_deliver_fail_job_tx(c, row->job) :
				   DB_OK;
	}
	a->outcome = CALLBACK_RETRY;
	delay = CALLBACK_BACKOFF_MS;
	for (n = 1;
	     n < (uint64_t)row->attempts && delay < CALLBACK_BACKOFF_MAX_MS;
	     n++)
		delay *= 2;
	if (delay > CALLBACK_BACKOFF_MAX_MS)
		delay = CALLBACK_BACKOFF_MAX_MS;
	a->next = now + delay;
	if ((st = db_exec(c,
		 "UPDATE callbacks SET next_attempt_at = ?, lease_until = 0, "
		 "last_status = ?, last_error = ?, version = version + 1 "
		 "WHERE id = ? AND lease_owner = ? AND state = 'pending'",
		 &n, "iisss", a->next, (int64_t)row->status, row->error,
		 row->id, domain_me())) != DB_OK)
		return st;
	if (n != 1)
		a->outcome = CALLBACK_LOST;
	return DB_OK;
}

/* Send one claimed row and record what came of it. */
static void
callback_deliver_one(struct db_conn *c, CURL *h,
    struct callback_deliver_row *row)
{
	struct callback_deliver_record_arg a = { row, CALLBACK_LOST, 0 };
	char err[LOOMD_ERR_LEN];

	callback_deliver_send(h, row);
	if (db_tx_run(c, callback_deliver_record_tx, &a, err) != DB_OK) {
		/* The lease runs out and the row is sent again. */
		log_warn("callback %s: cannot record the answer: %s", row->id,
		    err);
		return;
	}
	switch (a.outcome) {
	case CALLBACK_DELIVERED:
		__atomic_add_fetch(&cb_delivered, 1, __ATOMIC_RELAXED);
		log_info("callback %s delivered to %s (HTTP %ld, attempt "
			 "%" PRId64 ")",
		    row->id, row->url, row->status, row->attempts);
		if (row->gate)
			scheduler_kick();
		break;
	case CALLBACK_RETRY:
		__atomic_add_fetch(&cb_retried, 1, __ATOMIC_RELAXED);
		log_info("callback %s to %s: %s (attempt %" PRId64
			 "); trying again in %" PRId64 " ms",
		    row->id, row->url, row->error, row->attempts,
		    a.next - domain_now_ms());
		break;
	case CALLBACK_FAILED:
		__atomic_add_fetch(&cb_failed, 1, __ATOMIC_RELAXED);
		log_warn("callback %s to %s failed for good after %" PRId64
			 " attempts in %" PRId64 " s (callback.max_age_s): %s",
		    row->id, row->url, row->attempts,
		    (domain_now_ms() - row->created_at) / 1000, row->error);
		break;
	case CALLBACK_LOST:
		log_warn("callback %s: the lease passed to another server "
			 "while it was sent",
		    row->id);
		break;
	}
}

/* One pass over the due rows of residue res; returns the rows sent. */
static int
callback_deliver_pass(struct db_conn *c, CURL *h, int64_t res)
{
	int64_t now = domain_now_ms();
	struct callback_deliver_row row;
	struct db_rows *r;
	int sent = 0;
	size_t i;

	/* Rows of one cluster go out in order: none while an older waits. */
	if (db_query(c,
		"SELECT b.id FROM callbacks b WHERE b.state = 'pending' AND "
		"b.residue = ? AND b.next_attempt_at <= ? AND b.lease_until "
		"< ? AND NOT EXISTS (SELECT 1 FROM callbacks o WHERE "
		"o.cluster_id = b.cluster_id AND o.state = 'pending' AND "
		"o.seq < b.seq) ORDER BY b.seq LIMIT 16",
		&r, "iii", res, now, now) != DB_OK)
		return 0;
	for (i = 0; i < r->nrows && !bgthread_stopping(&cb_thread); i++) {
		if (!callback_deliver_claim(c, db_rows_get(r, i, 0), &row))
			continue;
		callback_deliver_one(c, h, &row);
		free(row.url);
		free(row.body);
		sent++;
	}
	db_rows_free(r);
	return sent;
}

/*
 * Delete the rows of residue res that were delivered or given up more
 * than callback.max_age_s ago, a bounded batch at a time.
 */
static void
callback_deliver_purge(struct db_conn *c, int64_t res)
{
	uint64_t n = 0;

	if (db_exec(c,
		"DELETE FROM callbacks WHERE residue = ? AND state IN "
		"('delivered', 'failed') AND done_at < ? LIMIT 1000",
		&n, "ii", res,
		domain_now_ms() - cb_cfg->callback_max_age_s * 1000) ==
		DB_OK &&
	    n > 0)
		log_debug("callback: %llu finished rows deleted",
		    (unsigned long long)n);
}

/* One pass of the thread over every residue; the ms to the next. */
static int64_t
callback_deliver_pass_all(void *arg)
{
	struct callback_deliver_state *st = arg;
	int64_t res[CALLBACK_MAX_RES];
	size_t nres, k;
	int sent = 0;

	if (scheduler_conn(&st->c, "callback") != NULL) {
		nres = scheduler_residues(res, CALLBACK_MAX_RES);
		for (k = 0; k < nres && !bgthread_stopping(&cb_thread); k++)
			sent += callback_deliver_pass(st->c, st->h, res[k]);
		if (domain_now_ms() >= st->next_purge) {
			for (k = 0; k < nres; k++)
				callback_deliver_purge(st->c, res[k]);
			st->next_purge = domain_now_ms() + 60000;
		}
	}
	return sent > 0 ? 0 : cb_cfg->scheduler_interval_ms;
}

/* After the last pass. */
static void
callback_deliver_done(void *arg)
{
	struct callback_deliver_state *st = arg;

	curl_easy_cleanup(st->h);
	st->h = NULL;
	db_close(st->c);
	st->c = NULL;
}

int
callback_start(const struct cfg *cfg, char err[LOOMD_ERR_LEN])
{
	cb_cfg = cfg;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, LOOMD_ERR_LEN, "cannot initialise libcurl");
		return -1;
	}
	if ((cb_state.h = curl_easy_init()) == NULL)
		fatalx("curl_easy_init failed");
	cb_state.next_purge = 0;
	if (bgthread_start(&cb_thread, err) == -1) {
		curl_easy_cleanup(cb_state.h);
		cb_state.h = NULL;
		return -1;
	}
	return 0;
}

void
callback_stop(void)
{
	if (!bgthread_running(&cb_thread))
		return;
	bgthread_stop(&cb_thread);
	curl_global_cleanup();
}

void
callback_kick(void)
{
	bgthread_kick(&cb_thread);
}

/* ---------------------------------------------------------------- */
/* Metrics                                                          */

void
callback_metrics_counters(struct metrics_buf *b)
{
	metrics_printf(b,
	    "# HELP loomd_callbacks_delivered_total Callbacks this server "
	    "delivered (answered 2xx).\n# TYPE "
	    "loomd_callbacks_delivered_total counter\n"
	    "loomd_callbacks_delivered_total %llu\n"
	    "# HELP loomd_callbacks_retried_total Callback attempts that "
	    "failed and were scheduled again.\n# TYPE "
	    "loomd_callbacks_retried_total counter\n"
	    "loomd_callbacks_retried_total %llu\n"
	    "# HELP loomd_callbacks_failed_total Callbacks given up after "
	    "callback.max_age_s.\n# TYPE loomd_callbacks_failed_total "
	    "counter\nloomd_callbacks_failed_total %llu\n",
	    (unsigned long long)__atomic_load_n(&cb_delivered,
		__ATOMIC_RELAXED),
	    (unsigned long long)__atomic_load_n(&cb_retried, __ATOMIC_RELAXED),
	    (unsigned long long)__atomic_load_n(&cb_failed, __ATOMIC_RELAXED));
}
