/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scheduler.c - the scheduler thread (see scheduler.h).  Several loomd of
 * one datacenter may run it at once: job_store claims each job with a
 * lease, so none is processed twice at the same time.
 */
#include "config.h"

#include "scheduler.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bgthread.h"
#include "cfg.h"
#include "db.h"
#include "health.h"
#include "jobs.h"
#include "retention.h"

static const struct cfg *sched_cfg;
static pthread_mutex_t sched_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t sched_passes;

#define SCHED_MAX_RES 64

/* The thread's own state between passes. */
static struct scheduler_state {
	struct db_conn *c;
	int64_t res[SCHED_MAX_RES], next_beat, next_sweep, next_retention;
	size_t nres;
} sched_state;

static int64_t scheduler_pass(void *arg);
static void scheduler_done(void *arg);
static struct bgthread sched_thread =
    BGTHREAD_INIT("scheduler", scheduler_pass, scheduler_done, &sched_state);

/* Residues this server works: its own, then adopted ones.  Guarded. */
static int64_t sched_res[SCHED_MAX_RES];
static size_t sched_nres;
static char sched_adopted[256]; /* "dc2,dc3" for /readyz */

void
scheduler_kick(void)
{
	bgthread_kick(&sched_thread);
}

uint64_t
scheduler_passes(void)
{
	return __atomic_load_n(&sched_passes, __ATOMIC_RELAXED);
}

void
scheduler_adopted(char *out, size_t n)
{
	pthread_mutex_lock(&sched_lock);
	snprintf(out, n, "%s", sched_adopted);
	pthread_mutex_unlock(&sched_lock);
}

size_t
scheduler_residues(int64_t *out, size_t max)
{
	size_t n;

	pthread_mutex_lock(&sched_lock);
	n = sched_nres < max ? sched_nres : max;
	memcpy(out, sched_res, n * sizeof *out);
	pthread_mutex_unlock(&sched_lock);
	if (n == 0 && max > 0) {
		out[0] = cfg_ids_residue(sched_cfg);
		n = 1;
	}
	return n;
}

/*
 * Work out which residues this server works: its own, plus those of dead
 * datacenters (no heartbeat for ha.dc_dead_after) whose next live
 * datacenter in residue order is this one, so exactly one adopts each.
 * Logs takeovers and handbacks.
 */
static void
scheduler_plan_residues(struct db_conn *c, int64_t *res, size_t *nres)
{
	int64_t own = cfg_ids_residue(sched_cfg);
	char adopted[256] = "";
	struct db_rows *r;
	size_t i, j, n, me = 0;
	bool found = false;

	res[0] = own;
	*nres = 1;
	/*
	 * Alive: a heartbeat, or the partition's registration, within
	 * ha.dc_dead_after of the newest heartbeat of any server (never of
	 * a time past this node's clock, so a server whose clock runs ahead
	 * cannot age the others).  Measured against the newest heartbeat, a
	 * commit stall (a Galera eviction holds every write for seconds)
	 * ages every datacenter alike and makes none of them look dead; a
	 * datacenter that registered but has not beaten yet is not adopted.
	 */
	if (db_query(c,
		"SELECT p.datacenter, p.residue, GREATEST(COALESCE("
		"MAX(s.last_seen), p.registered_at), p.registered_at) > LEAST("
		"COALESCE((SELECT MAX(last_seen) FROM servers), "
		"CURRENT_TIMESTAMP(3)), CURRENT_TIMESTAMP(3)) - INTERVAL ? SECOND "
		"FROM id_partitions p LEFT JOIN servers s ON s.datacenter = "
		"p.datacenter GROUP BY p.datacenter, p.residue, p.registered_at "
		"ORDER BY p.residue",
		&r, "i", sched_cfg->ha_dc_dead_after) != DB_OK)
		goto keep;
	n = r->nrows;
	for (i = 0; i < n; i++)
		if (db_rows_int(r, i, 1) == own) {
			me = i;
			found = true;
		}
	for (i = 0; found && i < n; i++) {
		if (db_rows_int(r, i, 2) != 0 || i == me)
			continue; /* live, or ourselves */
		/* The next live datacenter after i, cyclically. */
		for (j = 1; j < n; j++) {
			size_t k = (i + j) % n;

			if (k == me || db_rows_int(r, k, 2) != 0)
				break;
		}
		if (j < n && (i + j) % n == me && *nres < SCHED_MAX_RES) {
			res[(*nres)++] = db_rows_int(r, i, 1);
			if (adopted[0] != '\0')
				strncat(adopted, ",",
				    sizeof adopted - strlen(adopted) - 1);
			strncat(adopted, db_rows_get(r, i, 0),
			    sizeof adopted - strlen(adopted) - 1);
		}
	}
	db_rows_free(r);
	pthread_mutex_lock(&sched_lock);
	if (strcmp(adopted, sched_adopted) != 0) {
		if (adopted[0] != '\0')
			log_warn("ha: working the clusters of dead "
				 "datacenter(s) %s",
			    adopted);
		if (sched_adopted[0] != '\0')
			log_warn("ha: no longer adopting %s (was: %s)",
			    adopted[0] != '\0' ? "all of them" : "any",
			    sched_adopted);
		snprintf(sched_adopted, sizeof sched_adopted, "%s", adopted);
	}
	memcpy(sched_res, res, *nres * sizeof *res);
	sched_nres = *nres;
	pthread_mutex_unlock(&sched_lock);
	return;
keep:
	/* No answer: keep working what we worked before. */
	pthread_mutex_lock(&sched_lock);
	if (sched_nres > 0) {
		memcpy(res, sched_res, sched_nres * sizeof *res);
		*nres = sched_nres;
	}
	pthread_mutex_unlock(&sched_lock);
}

struct db_conn *
scheduler_conn(struct db_conn **c, const char *who)
{
	char err[LOOMD_ERR_LEN], why[LOOMD_ERR_LEN];

	if (*c != NULL && !db_connected(*c)) {
		db_close(*c);
		*c = NULL;
	}
	if (!health_writable(why))
		return NULL; /* Not Primary, or no database: wait. */
	if (*c == NULL && (*c = db_connect(DB_ROLE_WORKER, NULL, err)) == NULL)
		log_debug("%s: %s", who, err);
	return *c;
}

/* One pass of the thread; the ms to wait before the next. */
static int64_t
scheduler_pass(void *arg)
{
	struct scheduler_state *st = arg;
	int64_t now, every;
	int handled = 0;

	if (scheduler_conn(&st->c, "scheduler") != NULL) {
		/* Heartbeats come from the health thread. */
		if ((now = common_now_ms(CLOCK_MONOTONIC)) >= st->next_beat) {
			scheduler_plan_residues(st->c, st->res, &st->nres);
			st->next_beat = now + sched_cfg->ha_heartbeat_ms;
		}
		handled = jobs_run(st->c, st->res, st->nres);
		/*
		 * A pass that a kick started (a create, a finish) is for the
		 * jobs; the sweeps run once per interval, and again at once
		 * while they find work.
		 */
		if (now >= st->next_sweep) {
			int swept = jobs_sweep(st->c, st->res, st->nres);

			st->next_sweep = swept > 0 ?
			    now :
			    now + sched_cfg->scheduler_interval_ms;
			handled += swept;
		}
		/* Terminated clusters past their retention, a few batches. */
		if ((every = retention_interval_ms()) > 0 &&
		    now >= st->next_retention) {
			int forgot = retention_sweep(st->c, st->res, st->nres);

			st->next_retention = forgot > 0 ? now : now + every;
			handled += forgot;
		}
		__atomic_add_fetch(&sched_passes, 1, __ATOMIC_RELAXED);
	}
	return handled > 0 ? 0 : sched_cfg->scheduler_interval_ms;
}

/* After the last pass. */
static void
scheduler_done(void *arg)
{
	struct scheduler_state *st = arg;

	jobs_done();
	db_close(st->c);
	st->c = NULL;
}

int
scheduler_start(const struct cfg *cfg, char err[LOOMD_ERR_LEN])
{
	sched_cfg = cfg;
	sched_state.res[0] = cfg_ids_residue(cfg);
	sched_state.nres = 1;
	sched_state.next_beat = 0;
	sched_state.next_sweep = 0;
	sched_state.next_retention = 0;
	return bgthread_start(&sched_thread, err);
}

void
scheduler_stop(void)
{
	bgthread_stop(&sched_thread);
}
