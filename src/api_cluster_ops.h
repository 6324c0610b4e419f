/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api_cluster_ops.h - the cluster operations Loom 0.9.7 and Coopr 0.9.9
 * added beside the 0.9 routes of api_clusters.h (LOOM-0.9.7-OPS.md
 * sections 8.7 and 10): pause and resume a cluster's job, the status
 * filter of the cluster list, and getNodeProperties.
 */
#ifndef LOOMD_API_CLUSTER_OPS_H
#define LOOMD_API_CLUSTER_OPS_H

#include "http.h"

/* Routes of this module (static table). */
extern const struct api_route api_cluster_ops_routes[];

/*
 * The status filter of GET /v1/loom/clusters?status=a,b: bit i for each
 * cluster_view_statuses[i] named (any case) in the first status
 * parameter; 0 (no filter) when there is none or it names none.
 */
unsigned int api_cluster_ops_list_filter(struct http_req *req);

#endif /* LOOMD_API_CLUSTER_OPS_H */
