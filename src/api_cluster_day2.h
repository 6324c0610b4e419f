/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api_cluster_day2.h - the day-2 cluster routes of LOOM-0.9.7-OPS.md
 * section 1: GET/PUT /clusters/{id}/config, POST /clusters/{id}/services
 * and POST /clusters/{id}/services[/{svc}]/{start,stop,restart}.
 */
#ifndef LOOMD_API_CLUSTER_DAY2_H
#define LOOMD_API_CLUSTER_DAY2_H

#include "http.h"

/* Routes of this module (static table). */
extern const struct api_route api_cluster_day2_routes[];

#endif /* LOOMD_API_CLUSTER_DAY2_H */
