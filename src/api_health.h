/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api_health.h - GET /status (Loom's "OK\n"), /healthz (liveness) and
 * /readyz (readiness with the reason, for load balancers).
 */
#ifndef LOOMD_API_HEALTH_H
#define LOOMD_API_HEALTH_H

#include "http.h"

struct cfg;

/* Routes of this module (static table). */
extern const struct api_route api_health_routes[]; /* /metrics */
/*
 * /status, /healthz and /readyz: answered from the cached probe without
 * touching the database; also served by the health listener.
 */
extern const struct api_route api_health_probe_routes[];

/* Borrow cfg for the datacenter name in /readyz. */
void api_health_init(const struct cfg *cfg);

#endif /* LOOMD_API_HEALTH_H */
