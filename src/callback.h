/* SPDX-License-Identifier: Apache-2.0 */
/*
 * callback.h - job callbacks (LOOM-0.9.7-OPS.md section 9) through an
 * outbox.  The transaction that changes a job's status writes a row of
 * the callbacks table (callback_enqueue_tx()); a delivery thread of the
 * datacenter that works the cluster's residue (its own, or one it
 * adopted) POSTs it with libcurl, with the header X-Loom-Callback-Id
 * that stays the same on every attempt, and retries with capped
 * exponential backoff until a 2xx answer or callback.max_age_s.  A row is
 * claimed with a lease by compare-and-swap before it is sent, so no two
 * servers send it at once.  A START callback with callback.start_gate
 * holds its job back until it is answered 2xx; one that fails for good
 * fails the job.
 */
#ifndef LOOMD_CALLBACK_H
#define LOOMD_CALLBACK_H

#include <stdbool.h>

#include "common.h"
#include "db.h"

struct cfg;
struct metrics_buf;

enum callback_event {
	CALLBACK_START,
	CALLBACK_SUCCESS,
	CALLBACK_FAILURE,
};

/*
 * Inside the caller's transaction, after it changed job jid's status
 * (and its cluster's): write the outbox row of event ev when a URL is set
 * for it and the job's action is one of its triggers.  The body is
 * {"cluster":..., "job":..., "nodes":[...]} as they are in this
 * transaction.  An event is written at most once per job.  *gated (may be
 * NULL) is set when the row holds the job back (a START with
 * callback.start_gate): the caller then leaves the job waiting (jobs
 * needs_work = 0) and the delivery releases or fails it.
 */
enum db_status callback_enqueue_tx(struct db_conn *c, const char *jid,
    enum callback_event ev, bool *gated);

/*
 * Is job jid, just planned by this server, held back by its START
 * callback (not yet answered)?  No query without callback.start_url.
 */
bool callback_gated(struct db_conn *c, const char *jid);

/*
 * Configuration checks for cfg.c: a callback URL must be empty or an
 * http:// or https:// URL with a host; a trigger list is a comma list
 * of ClusterAction names (any case, blanks around names allowed; empty
 * means every action).  0, or -1 with the reason in err.
 */
int callback_url_check(const char *url,
    char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;
int callback_triggers_check(const char *list,
    char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;
/* Is action (e.g. "CLUSTER_CREATE") in the trigger list (borrowed)? */
bool callback_triggers_match(const char *list, const char *action);

/*
 * Start the delivery thread; borrows cfg for the process lifetime.  Call
 * after scheduler_start() (it delivers for the residues the scheduler
 * works).
 */
int callback_start(const struct cfg *cfg,
    char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;
/* Stop and join it (an attempt in flight ends within callback.timeout_ms). */
void callback_stop(void);
/* Wake it now (a row may be due). */
void callback_kick(void);

/* Append this process's delivered, retried and failed counters. */
void callback_metrics_counters(struct metrics_buf *b);
/*
 * Append the pending count and the oldest pending age from the outbox, on
 * c (a read, no transaction).
 */
enum db_status callback_metrics_db(struct db_conn *c, struct metrics_buf *b);

#endif /* LOOMD_CALLBACK_H */
