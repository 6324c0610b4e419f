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
/*
 * Cluster summaries, newest first, of the statuses in filter (bit i:
 * cluster_view_statuses[i]; 0: all).
 */
void cluster_read_list_status(const struct cluster_store_user *u,
    unsigned int filter, struct domain_out *out);
/* One cluster with full nodes and "message". */
void cluster_read_get(const struct cluster_store_user *u, int64_t id,
    struct domain_out *out);
/*
 * How many GETs of one cluster were answered from the rendering kept in
 * its row (*rendered) and how many were built (*built), since start.
 */
void cluster_read_gets_counts(uint64_t *rendered, uint64_t *built);
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

/*
 * POST /getNodeProperties (LOOM-0.9.7-OPS.md section 8.7): node id ->
 * properties of the nodes of cluster id that run every service named in
 * services, with only the keys named in props when it is not empty (both
 * arrays of strings, borrowed, may be NULL).  A cluster u cannot see
 * gives {}.
 */
void cluster_read_node_properties(const struct cluster_store_user *u,
    int64_t id, struct json_object *props, struct json_object *services,
    struct domain_out *out);

#endif /* LOOMD_CLUSTER_READ_H */
