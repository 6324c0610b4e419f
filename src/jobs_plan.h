/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jobs_plan.h - plan a CLUSTER_CREATE or CLUSTER_DELETE job
 * (LOOM-0.9-API.md section 3.5): the planner's stages become task rows
 * with their configs, and the job starts running at stage 0; or the job
 * fails ("Failed to schedule the action").
 */
#ifndef LOOMD_JOBS_PLAN_H
#define LOOMD_JOBS_PLAN_H

#include "db.h"
#include "job_store.h"

/* Plan job (borrowed), claimed by this server, on connection c. */
void jobs_plan(struct db_conn *c, const struct job_store_job *job);

#endif /* LOOMD_JOBS_PLAN_H */
