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

#include "cfg.h"
#include "jobs.h"
#include "db.h"
#include "health.h"

static const struct cfg *sched_cfg;
static pthread_t sched_thread;
static pthread_mutex_t sched_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sched_cond = PTHREAD_COND_INITIALIZER;
static bool sched_running, sched_stopping, sched_kicked;
static uint64_t sched_passes;

#define SCHED_MAX_RES 64
/* Residues this server works: its own, then adopted ones.  Guarded. */
static int64_t sched_res[SCHED_MAX_RES];
static size_t sched_nres;
static char sched_adopted[256]; /* "dc2,dc3" for /readyz */

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

	common_deadline_ms(CLOCK_REALTIME, ms, &until);
	pthread_mutex_lock(&sched_lock);
	while (!sched_stopping && !sched_kicked &&
	    pthread_cond_timedwait(&sched_cond, &sched_lock, &until) == 0)
		;
	sched_kicked = false;
	stop = sched_stopping;
	pthread_mutex_unlock(&sched_lock);
	return stop;
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

/* Monotonic milliseconds. */
static int64_t
scheduler_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The thread: passes until stopped. */
static void *
scheduler_main(void *arg UNUSED)
{
	char err[LOOMD_ERR_LEN], why[LOOMD_ERR_LEN];
	struct db_conn *c = NULL;
	int64_t res[SCHED_MAX_RES], next_beat = 0, now;
	size_t nres = 1;
	int handled;

	res[0] = cfg_ids_residue(sched_cfg);
	for (;;) {
		handled = 0;
		if (!health_writable(why)) {
			/* Not Primary, or no database: acknowledge nothing. */
		} else if (c == NULL &&
		    (c = db_connect(DB_ROLE_WORKER, NULL, err)) == NULL) {
			log_debug("scheduler: %s", err);
		} else {
			/* Heartbeats come from the health thread. */
			if ((now = scheduler_now_ms()) >= next_beat) {
				scheduler_plan_residues(c, res, &nres);
				next_beat = now + sched_cfg->ha_heartbeat_ms;
			}
			handled = jobs_run(c, res, nres);
			__atomic_add_fetch(&sched_passes, 1, __ATOMIC_RELAXED);
			if (!db_connected(c)) {
				db_close(c);
				c = NULL;
			}
		}
		if (scheduler_wait(
			handled > 0 ? 0 : sched_cfg->scheduler_interval_ms))
			break;
	}
	jobs_done();
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
