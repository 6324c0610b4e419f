/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api_clusters.h - the cluster endpoints of LOOM-0.9-API.md 1.5 and 1.6
 * (the provisioner endpoints of 1.7 are in api_tasks.h).
 */
#ifndef LOOMD_API_CLUSTERS_H
#define LOOMD_API_CLUSTERS_H

#include "http.h"

struct cfg;

/* Routes of this module (static table). */
extern const struct api_route api_clusters_routes[];

/* Borrow cfg (cluster.max_size) for the process lifetime. */
void api_clusters_init(const struct cfg *cfg);

#endif /* LOOMD_API_CLUSTERS_H */
