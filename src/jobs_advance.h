/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jobs_advance.h - advance a planned job (LOOM-0.9-API.md section 3.7):
 * submit its current stage, retry failed tasks, move on when the stage is
 * complete and settle the job and its cluster at the end.
 */
#ifndef LOOMD_JOBS_ADVANCE_H
#define LOOMD_JOBS_ADVANCE_H

#include "db.h"
#include "job_store.h"

struct json_object;

/* Advance job (borrowed), claimed by this server, in a transaction on c. */
void jobs_advance(struct db_conn *c, const struct job_store_job *job);
/*
 * The columns of the job's locked read the advance starts from (job row
 * j; JOBS_ADVANCE_MAP_JOIN joined as m): cluster, action, status, stage,
 * message and the version of its newest nodes map, then the caller's own
 * column for that map's SHA-256 (NULL: not needed).
 */
#define JOBS_ADVANCE_JOB_COLS \
	"j.cluster_id, j.action, j.status, j.current_stage, " \
	"j.status_message, m.version"
#define JOBS_ADVANCE_MAP_JOIN \
	"LEFT JOIN job_nodes_maps m ON m.job_id = j.id AND m.version = " \
	"(SELECT MAX(version) FROM job_nodes_maps WHERE job_id = j.id)"

/*
 * Advance job jid inside the caller's open transaction (a finish's), from
 * the caller's locked read of the job: row 0 of job_row (borrowed),
 * columns col on as JOBS_ADVANCE_JOB_COLS.  *more tells whether it left
 * work for a scheduler pass (needs_work set: the rest of a big stage to
 * queue, a task to fail).
 */
enum db_status jobs_advance_read_tx(struct db_conn *c, const char *jid,
    struct db_rows *job_row, size_t col, bool *more);
/*
 * Submit the first stage of job (borrowed), whose plan the caller's open
 * transaction made live (RUNNING at stage 0), from the cluster's nodes it
 * was planned from (borrowed).  For a first stage of at most
 * task.queue_batch tasks: a bigger one is left to jobs_advance().
 */
enum db_status jobs_advance_planned_tx(struct db_conn *c,
    const struct job_store_job *job, struct json_object *nodes);

#endif /* LOOMD_JOBS_ADVANCE_H */
