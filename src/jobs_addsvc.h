/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jobs_addsvc.h - the layout step of an ADD_SERVICES job
 * (LOOM-0.9.7-OPS.md sections 4.3-4.4): the requested services are checked
 * again against the catalogue, placed on the cluster's nodes by the
 * add-services layout search (layout_add.c), and written onto the changed
 * nodes (their services and the recomputed `services` and `automators`
 * properties), the cluster's services and the job's planned nodes, in one
 * transaction.  A request that cannot be laid out fails its job ("Unable
 * to solve layout." or "Unable to solve layout: <why>") and the cluster
 * returns to ACTIVE, nothing changed (Java left it PENDING for good).
 * loomd uses one job per add where Java used two (a solver job and a
 * planned one).
 */
#ifndef LOOMD_JOBS_ADDSVC_H
#define LOOMD_JOBS_ADDSVC_H

#include <json-c/json.h>

#include "db.h"
#include "job_store.h"

/*
 * Lay out job (borrowed, claimed by this server, not planned yet) whose
 * requested services are services (a JSON array, borrowed).  On success
 * returns 0 and *nodes is the new JSON text of the changed node ids (the
 * caller frees it); -1 when the job failed or the step must run again
 * later (a database error, logged).
 */
int jobs_addsvc(struct db_conn *c, const struct job_store_job *job,
    struct json_object *services, char **nodes);

#endif /* LOOMD_JOBS_ADDSVC_H */
