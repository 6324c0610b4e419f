/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api_routes.h - the lists of route tables loomd serves: main.c hands them
 * to http_start(), so the HTTP layer knows no handler module.  Tests and
 * documentation checks walk the same lists.
 */
#ifndef LOOMD_API_ROUTES_H
#define LOOMD_API_ROUTES_H

#include "http.h"

/* Every route table of the API listener, NULL-terminated (static). */
extern const struct api_route *const api_routes_all[];

/* What the health listener (server.health_port) serves (static). */
extern const struct api_route *const api_routes_probe[];

#endif /* LOOMD_API_ROUTES_H */
