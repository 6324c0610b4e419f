/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api_routes.c - the route tables of each listener, in dispatch order (see
 * api_routes.h).  A new api_*.c module adds its table here.
 */
#include "config.h"

#include "api_routes.h"

#include "api_admin.h"
#include "api_cluster_ops.h"
#include "api_cluster_day2.h"
#include "api_clusters.h"
#include "api_health.h"
#include "api_tasks.h"

const struct api_route *const api_routes_all[] = {
	api_health_probe_routes,
	api_health_routes,
	api_clusters_routes,
	api_cluster_ops_routes,
	api_cluster_day2_routes,
	api_tasks_routes,
	api_admin_routes,
	NULL,
};

const struct api_route *const api_routes_probe[] = {
	api_health_probe_routes,
	NULL,
};
