/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scheduler.h - the background thread every loomd runs: it solves, plans
 * and advances the jobs of its datacenter's clusters, fails timed-out
 * tasks and deletes expired clusters (cluster_store.c does the work).  It
 * looks for work every scheduler.interval_ms, at once when kicked, and does
 * nothing while the local database node cannot take writes.
 */
#ifndef LOOMD_SCHEDULER_H
#define LOOMD_SCHEDULER_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

struct cfg;
struct db_conn;

/*
 * Start the thread; borrows cfg for the process lifetime.  Besides its own
 * datacenter's clusters it works those of every dead datacenter (no
 * heartbeat, see health.h, for ha.dc_dead_after seconds) whose next live
 * datacenter in residue order is its own, and hands them back when that
 * datacenter beats again.
 */
int scheduler_start(const struct cfg *cfg,
    char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;
/* The datacenters adopted now, comma-separated ("" for none). */
void scheduler_adopted(char *out, size_t n);
/*
 * The residues this server works now (its own first, then adopted ones)
 * into out (max entries); returns how many.
 */
size_t scheduler_residues(int64_t *out, size_t max);
/* Stop and join it. */
void scheduler_stop(void);
/* Wake it now (new work may be there). */
void scheduler_kick(void);
/*
 * The database connection of a background pass: *c, connected first if
 * need be (a lost one is closed and replaced), or NULL while the local
 * node takes no writes or the database cannot be reached (logged at debug
 * level as "who: error").  *c stays the caller's, for db_close().
 */
struct db_conn *scheduler_conn(struct db_conn **c, const char *who);
/* Passes run so far (for metrics and tests). */
uint64_t scheduler_passes(void);

#endif /* LOOMD_SCHEDULER_H */
