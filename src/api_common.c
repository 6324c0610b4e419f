/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api_common.c - glue shared by the api_*.c handler modules (see
 * api_common.h).  Kept free of any one resource's rules, so the admin
 * catalogue and the cluster routes answer the same way.
 */
#include "config.h"

#include "api_common.h"

#include "health.h"

enum api_status
api_common_writable(struct http_resp *resp)
{
	char why[LOOMD_ERR_LEN];

	if (!health_writable(why))
		return http_fail(resp, API_UNAVAILABLE, "not accepting writes: "
		    "%s", why);
	return API_OK;
}
