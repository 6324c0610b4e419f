/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cluster_read.h - the reads of the cluster routes (LOOM-0.9-API.md
 * sections 1.5 and 1.6): cluster lists, one cluster, its services, status
 * and plans.  Each answers in a struct domain_out (domain.h) the caller
 * zeroes before and frees the body of after; a cluster the user may not
 * see is DOMAIN_NOT_FOUND.
 */
#ifndef LOOMD_CLUSTER_READ_H
#define LOOMD_CLUSTER_READ_H

#include <stdint.h>

#include "cluster_store.h"
#include "domain.h"

/* Cluster summaries, newest first. */
void cluster_read_list(const struct cluster_store_user *u,
    struct domain_out *out);
/* One cluster with full nodes and "message". */
void cluster_read_get(const struct cluster_store_user *u, int64_t id,
    struct domain_out *out);
/* A cluster's services. */
void cluster_read_services(const struct cluster_store_user *u, int64_t id,
    struct domain_out *out);
/* A cluster's status and progress. */
void cluster_read_status(const struct cluster_store_user *u, int64_t id,
    struct domain_out *out);
/* The plans of a cluster's jobs, or one plan when job is not NULL. */
void cluster_read_plans(const struct cluster_store_user *u, int64_t id,
    const char *job, struct domain_out *out);
/* The status of every visible cluster. */
void cluster_read_statuses(const struct cluster_store_user *u,
    struct domain_out *out);

#endif /* LOOMD_CLUSTER_READ_H */
