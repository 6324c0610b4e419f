/* SPDX-License-Identifier: Apache-2.0 */
/*
 * job_store.h - rows of the jobs table.  A job that needs work
 * (jobs.needs_work = 1) is Loom's job queue; a server claims one with a
 * lease taken by compare-and-swap, so two servers of one datacenter never
 * work a job at once (LOOM-0.9-API.md section 3).
 */
#ifndef LOOMD_JOB_STORE_H
#define LOOMD_JOB_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "common.h"
#include "db.h"

/* A job row as the job pipeline reads it. */
struct job_store_job {
	char id[64];
	int64_t cluster;
	char action[40]; /* SOLVE_LAYOUT, ... (jobs.action is 40 wide) */
	char status[16]; /* NOT_SUBMITTED, ... */
	bool planned;
	int64_t version;
};

/* Read job id (without locking) into *j; *found clear when it is gone. */
enum db_status job_store_read(struct db_conn *c, const char *id,
    struct job_store_job *j, bool *found);
/*
 * The jobs of residue that need work and no live lease holds, at most max
 * of them (without locking): *out (*n of them) is freed with free().
 */
enum db_status job_store_due(struct db_conn *c, int64_t residue, int64_t now,
    size_t max, struct job_store_job **out, size_t *n);
/* Claim job id for this server with a lease; true when it is ours. */
bool job_store_claim(struct db_conn *c, const char *id);
/*
 * Claim job *j as job_store_due() read it; if it changed since, claim it
 * as it is and read it again into *j.  True when it is ours.
 */
bool job_store_claim_read(struct db_conn *c, struct job_store_job *j);
/*
 * Release job j (as job_store_due() read it, borrowed) without claiming
 * it when it needs nothing of the advance: RUNNING, its current stage
 * with a task running and none to submit or retry.  True when released;
 * else the job is left as it was, to be claimed.
 */
bool job_store_release_idle(struct db_conn *c, const struct job_store_job *j);
/* Add job jid of cluster (action, status), needing work, in a transaction. */
enum db_status job_store_insert_tx(struct db_conn *c, const char *jid,
    int64_t cluster, const char *action, const char *status, int64_t now);
/*
 * The same, claimed by this server from the start (its lease taken as
 * job_store_claim() takes it), and the job as job_store_due() would read
 * it into *j: for a job handed straight to this server's solver threads,
 * with no scheduler pass to find it and no claim.
 */
enum db_status job_store_insert_claimed_tx(struct db_conn *c, const char *jid,
    int64_t cluster, const char *action, const char *status, int64_t now,
    struct job_store_job *j);
/* Mark job jid as needing work (the scheduler settles it), in a transaction. */
enum db_status job_store_needs_work_tx(struct db_conn *c, const char *jid);
/* Release a job that needs no work (needs_work and lease cleared). */
enum db_status job_store_release(struct db_conn *c, const char *jid);
/*
 * Fail job with msg and set its cluster's status, in a transaction of its
 * own; DB_ABORT when the job changed since it was read.
 */
enum db_status job_store_fail(struct db_conn *c,
    const struct job_store_job *job, const char *msg,
    const char *cluster_status, char err[LOOMD_ERR_LEN]);

/*
 * In a transaction: set what job jid plans (LOOM-0.9.7-OPS.md section
 * 8.2), each a JSON array as text (borrowed), NULL for "all".
 */
enum db_status job_store_set_scope_tx(struct db_conn *c, const char *jid,
    const char *services, const char *nodes);
/*
 * Read what job jid plans: *services and *nodes are new JSON texts the
 * caller frees with free(), NULL for "all" (or when the job is gone).
 */
enum db_status job_store_read_scope(struct db_conn *c, const char *jid,
    char **services, char **nodes);

#endif /* LOOMD_JOB_STORE_H */
