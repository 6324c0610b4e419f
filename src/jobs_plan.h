/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jobs_plan.h - plan a job (LOOM-0.9-API.md section 3.5; the day-2
 * actions of LOOM-0.9.7-OPS.md section 2.4 on the job's planned services
 * and nodes, an ADD_SERVICES job laid out first by jobs_addsvc): the
 * planner's stages become task rows with their configs, and the job
 * starts running at stage 0; or the job fails ("Failed to schedule the
 * action", for a day-2 action "Failed to schedule the <ACTION>
 * operation." and the cluster INCONSISTENT).
 */
#ifndef LOOMD_JOBS_PLAN_H
#define LOOMD_JOBS_PLAN_H

#include "db.h"
#include "job_store.h"

struct json_object;

/*
 * Plan job (borrowed), claimed by this server, on connection c.  True
 * when its first stage was submitted in the same transaction (a plan of
 * one chunk, DOMAIN_CHUNK tasks, whose first stage is one batch, and no
 * START callback holding the job back): nothing is left to do for it.
 */
bool jobs_plan(struct db_conn *c, const struct job_store_job *job);
/*
 * In the caller's transaction, which inserted job (borrowed), the
 * CLUSTER_CREATE job of a solved cluster: plan it from the cluster's doc
 * and nodes as stored (borrowed), and submit its first stage, as
 * jobs_plan() would.  *done clear when nothing was written (a plan too big
 * for one transaction, or one that fails): jobs_plan() then plans it.
 */
enum db_status jobs_plan_created_tx(struct db_conn *c,
    const struct job_store_job *job, struct json_object *doc,
    struct json_object *nodes, bool *done);

#endif /* LOOMD_JOBS_PLAN_H */
