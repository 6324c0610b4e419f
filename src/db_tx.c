/* SPDX-License-Identifier: Apache-2.0 */
/*
 * db_tx.c - the retrying transaction runner (db_tx_run, db_tx_run_one,
 * db_read_run) and the database counters.  See db.h for the contracts and
 * GALERA.md for why the whole transaction (never one statement) is re-run.
 */
#include "config.h"

#include "db.h"

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cfg.h"
#include "db_int.h"

struct db_stats db_counters;

/* Every field of struct db_stats (all uint64_t), for db_stats_get(). */
static const size_t db_stats_fields[] = {
	offsetof(struct db_stats, tx_total),
	offsetof(struct db_stats, tx_committed),
	offsetof(struct db_stats, tx_retries),
	offsetof(struct db_stats, retries_1213),
	offsetof(struct db_stats, retries_1205),
	offsetof(struct db_stats, retries_1020),
	offsetof(struct db_stats, retries_1317),
	offsetof(struct db_stats, unavailable),
	offsetof(struct db_stats, conflicts),
	offsetof(struct db_stats, errors),
	offsetof(struct db_stats, reconnects),
	offsetof(struct db_stats, tx_dropped),
};
_Static_assert(sizeof db_stats_fields / sizeof db_stats_fields[0] ==
	sizeof(struct db_stats) / sizeof(uint64_t),
    "db_stats_fields must list every field of struct db_stats");

/* Count a retry by its error number. */
static void
db_count_retry(unsigned int err)
{
	DB_COUNT(tx_retries);
	switch (err) {
	case ER_LOCK_DEADLOCK:
		DB_COUNT(retries_1213);
		break;
	case ER_LOCK_WAIT_TIMEOUT:
		DB_COUNT(retries_1205);
		break;
	case ER_CHECKREAD:
		DB_COUNT(retries_1020);
		break;
	default:
		DB_COUNT(retries_1317);
		break;
	}
}

/* Sleep before retry number n (0-based): capped, jittered, doubling. */
static void
db_backoff(struct db_conn *c, int n)
{
	int64_t cap = db_cfg->db_tx_backoff_base_ms, ms;
	struct timespec ts;

	while (n-- > 0 && cap < db_cfg->db_tx_backoff_max_ms)
		cap *= 2;
	if (cap > db_cfg->db_tx_backoff_max_ms)
		cap = db_cfg->db_tx_backoff_max_ms;
	/* Jitter in [cap/2, cap] so racing nodes spread out. */
	ms = cap / 2 + rand_r(&c->seed) % (cap / 2 + 1);
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

/*
 * A link idle for a while may have died with a database restart: ping it
 * (outside any transaction, so nothing is ambiguous) and drop it if dead,
 * so the request runs on a fresh one instead of failing.
 */
static void
db_check_idle(struct db_conn *c)
{
	struct timespec now;
	int64_t ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (now.tv_sec - c->last_used.tv_sec) * 1000 +
	    (now.tv_nsec - c->last_used.tv_nsec) / 1000000;
	c->last_used = now;
	if (c->connected && c->my != NULL && ms > DB_IDLE_PING_MS &&
	    mysql_ping(c->my) != 0) {
		log_info("db: idle connection lost (%s); reconnecting",
		    mysql_error(c->my));
		db_disconnect(c);
	}
}

/* A transaction or read that took this long is logged. */
#define DB_SLOW_MS 1000

/* The start of sql into out (n bytes), on one line. */
static void
db_sql_start(char *out, size_t n, const char *sql)
{
	size_t i;

	for (i = 0; i + 1 < n && sql[i] != '\0'; i++)
		out[i] = sql[i] == '\n' || sql[i] == '\t' ? ' ' : sql[i];
	out[i] = '\0';
}

void
db_slowest_note(struct db_conn *c, const char *how, const char *what,
    int64_t t0_ms, unsigned int err)
{
	struct db_slowest *s = &c->slowest;
	int64_t ms = common_now_ms(CLOCK_MONOTONIC) - t0_ms;

	if (*how == '\0' && ms > s->commit_ms)
		s->commit_ms = ms;
	if (err != 0) {
		s->failed_how = how;
		db_sql_start(s->failed_what, sizeof s->failed_what, what);
	}
	if (ms <= s->ms)
		return;
	s->ms = ms;
	s->attempt = s->attempt_now;
	s->err = err;
	s->how = how;
	db_sql_start(s->what, sizeof s->what, what);
}

/*
 * Log one slow run (at most one line a second, with the number of slow
 * runs not logged since): how long it took, its re-runs and the error of
 * the last one, and how it ended.  A slow answer then names its cause in
 * the log: lock waits, conflicts, or the database itself.
 */
static void
db_log_slow(const struct db_conn *c, bool tx, int64_t ms, int reruns,
    const char *rerun_error, enum db_status st)
{
	const struct db_slowest *s = &c->slowest;
	char commit[32] = "";
	static int64_t last_ms;
	static uint64_t skipped;
	int64_t now = common_now_ms(CLOCK_MONOTONIC), prev;
	char why[LOOMD_ERR_LEN + 32] = "";
	uint64_t n;

	prev = __atomic_load_n(&last_ms, __ATOMIC_RELAXED);
	if ((prev != 0 && now - prev < 1000) ||
	    !__atomic_compare_exchange_n(&last_ms, &prev, now, false,
		__ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
		__atomic_add_fetch(&skipped, 1, __ATOMIC_RELAXED);
		return;
	}
	n = __atomic_exchange_n(&skipped, 0, __ATOMIC_RELAXED);
	if (reruns > 0)
		snprintf(why, sizeof why, ", the last after error %s (%s%s%s)",
		    rerun_error, s->rerun_how, *s->rerun_how ? " " : "",
		    s->rerun_what);
	if (s->commit_ms >= 0)
		snprintf(commit, sizeof commit, "; slowest COMMIT %lld ms",
		    (long long)s->commit_ms);
	log_info("db: a %s took %lld ms: %d re-run(s)%s, ended %s (error "
		 "%u); slowest step %lld ms (run %d, error %u): %s%s%s%s; "
		 "%llu more slow since the last such line",
	    tx ? "transaction" : "read", (long long)ms, reruns, why,
	    db_status_name(st), c->last_errno, (long long)s->ms, s->attempt,
	    s->err, s->ms >= 0 ? s->how : "", s->ms >= 0 && *s->how ? " " : "",
	    s->ms >= 0 ? s->what : "none", commit, (unsigned long long)n);
}

/* How db_runner() runs fn. */
enum db_run_mode {
	DB_RUN_READ, /* autocommit reads (db_read_run) */
	DB_RUN_TX,   /* START TRANSACTION, fn, COMMIT (db_tx_run) */
	DB_RUN_ONE,  /* one autocommit write, its own commit (db_tx_run_one) */
	DB_RUN_TRY,  /* as DB_RUN_ONE, run once (db_tx_try_one) */
};

/*
 * Shared loop of db_tx_run(), db_tx_run_one(), db_tx_try_one() and
 * db_read_run().
 */
static enum db_status
db_runner(struct db_conn *c, db_tx_fn fn, void *arg, enum db_run_mode mode,
    char err[LOOMD_ERR_LEN])
{
	int attempt = 0, reconnects = 0;
	int64_t t0 = common_now_ms(CLOCK_MONOTONIC), ms;
	char rerun_error[LOOMD_ERR_LEN] = "";
	bool commit_sent, tx = mode == DB_RUN_TX;
	enum db_status st;

	if (mode != DB_RUN_READ)
		DB_COUNT(tx_total);
	db_check_idle(c);
	c->slowest.ms = c->slowest.commit_ms = -1;
	c->slowest.attempt_now = 0;
	c->slowest.what[0] = '\0';
	c->slowest.how = "";
	c->slowest.failed_what[0] = c->slowest.rerun_what[0] = '\0';
	c->slowest.failed_how = c->slowest.rerun_how = "";
	for (;;) {
		c->slowest.attempt_now = attempt + reconnects;
		/* The one write of DB_RUN_ONE or DB_RUN_TRY is its own COMMIT. */
		commit_sent = mode == DB_RUN_ONE || mode == DB_RUN_TRY;
		if (!c->connected) {
			if ((st = db_open(c)) != DB_OK)
				goto done;
			DB_COUNT(reconnects);
		}
		if (tx && (st = db_txctl(c, "START TRANSACTION")) != DB_OK)
			goto failed;
		c->in_tx = tx;
		c->last_errno = 0;
		if ((st = fn(c, arg)) != DB_OK)
			goto failed;
		c->in_tx = false;
		if (tx) {
			commit_sent = true;
			if ((st = db_txctl(c, "COMMIT")) != DB_OK)
				goto failed;
		}
		if (mode != DB_RUN_READ)
			DB_COUNT(tx_committed);
		goto done;
failed:
		c->in_tx = false;
		if (tx && c->connected)
			(void)db_txctl(c, "ROLLBACK");
		if (st == DB_RETRY && mode != DB_RUN_TRY &&
		    attempt < db_cfg->db_tx_max_retries) {
			snprintf(rerun_error, sizeof rerun_error, "%s",
			    c->last_error);
			c->slowest.rerun_how = c->slowest.failed_how;
			memcpy(c->slowest.rerun_what, c->slowest.failed_what,
			    sizeof c->slowest.rerun_what);
			db_count_retry(c->last_errno);
			db_backoff(c, attempt++);
			continue;
		}
		/*
		 * A stale link (2006: the server went away while the
		 * connection sat idle, e.g. after a database restart) found
		 * before COMMIT was sent: the server rolled the transaction
		 * back, so running it again once on a new connection is
		 * safe.  Not for 2013 (a read timed out: the node is stalled
		 * and a second try would double the wait), not for 1047 (out
		 * of the Primary Component) and never after COMMIT was sent.
		 */
		if (st == DB_UNAVAILABLE && mode != DB_RUN_TRY &&
		    !commit_sent && reconnects == 0 &&
		    c->last_errno == CR_SERVER_GONE_ERROR) {
			reconnects++;
			db_disconnect(c);
			continue;
		}
		goto done;
	}
done:
	if ((ms = common_now_ms(CLOCK_MONOTONIC) - t0) >= DB_SLOW_MS)
		db_log_slow(c, mode != DB_RUN_READ, ms, attempt, rerun_error,
		    st);
	switch (st) {
	case DB_OK:
	case DB_ABORT:
		break;
	case DB_UNAVAILABLE:
		DB_COUNT(unavailable);
		break;
	case DB_CONFLICT:
		DB_COUNT(conflicts);
		break;
	case DB_RETRY:
		if (mode == DB_RUN_TRY) {
			DB_COUNT(tx_dropped);
			break;
		}
		DB_COUNT(errors);
		break;
	default:
		DB_COUNT(errors);
		break;
	}
	if (st != DB_OK && st != DB_ABORT && err != NULL)
		snprintf(err, LOOMD_ERR_LEN, "database %s: %s",
		    db_status_name(st), c->last_error);
	return st;
}

enum db_status
db_tx_run(struct db_conn *c, db_tx_fn fn, void *arg, char err[LOOMD_ERR_LEN])
{
	return db_runner(c, fn, arg, DB_RUN_TX, err);
}

enum db_status
db_tx_run_one(struct db_conn *c, db_tx_fn fn, void *arg,
    char err[LOOMD_ERR_LEN])
{
	return db_runner(c, fn, arg, DB_RUN_ONE, err);
}

enum db_status
db_tx_try_one(struct db_conn *c, db_tx_fn fn, void *arg,
    char err[LOOMD_ERR_LEN])
{
	return db_runner(c, fn, arg, DB_RUN_TRY, err);
}

enum db_status
db_read_run(struct db_conn *c, db_tx_fn fn, void *arg, char err[LOOMD_ERR_LEN])
{
	return db_runner(c, fn, arg, DB_RUN_READ, err);
}

void
db_stats_get(struct db_stats *out)
{
	const uint64_t *from;
	uint64_t *to;
	size_t i, off;

	for (i = 0; i < sizeof db_stats_fields / sizeof db_stats_fields[0];
	     i++) {
		off = db_stats_fields[i];
		from = (const void *)((const char *)&db_counters + off);
		to = (void *)((char *)out + off);
		*to = __atomic_load_n(from, __ATOMIC_RELAXED);
	}
}
