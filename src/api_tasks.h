/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api_tasks.h - the provisioner task endpoints of LOOM-0.9-API.md 1.7:
 * POST /tasks/take and POST /tasks/finish.
 */
#ifndef LOOMD_API_TASKS_H
#define LOOMD_API_TASKS_H

#include "http.h"

/* Routes of this module (static table). */
extern const struct api_route api_tasks_routes[];

#endif /* LOOMD_API_TASKS_H */
