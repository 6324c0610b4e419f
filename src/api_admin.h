/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api_admin.h - the Loom admin API (LOOM-0.9-API.md 1.3-1.4): providers,
 * hardware types, image types, services and cluster templates, with export
 * and import.
 */
#ifndef LOOMD_API_ADMIN_H
#define LOOMD_API_ADMIN_H

#include "http.h"

/* Routes of this module (static table). */
extern const struct api_route api_admin_routes[];

#endif /* LOOMD_API_ADMIN_H */
