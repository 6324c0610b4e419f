/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jobs_solve.h - solve a SOLVE_LAYOUT job (LOOM-0.9-API.md section 3.3):
 * read the cluster's stored request back into a struct cluster_request,
 * solve it against the catalogue, write the nodes and queue the
 * CLUSTER_CREATE job; or fail the job and terminate the cluster.
 */
#ifndef LOOMD_JOBS_SOLVE_H
#define LOOMD_JOBS_SOLVE_H

#include "db.h"
#include "job_store.h"

/* Solve job (borrowed), claimed by this server, on connection c. */
void jobs_solve(struct db_conn *c, const struct job_store_job *job);
/* Free the catalogue the calling thread kept between solves. */
void jobs_solve_done(void);

#endif /* LOOMD_JOBS_SOLVE_H */
