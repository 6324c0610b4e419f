/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_http.c - route pattern matching, the status mapping, which paths
 * get Loom's error format and the route tables main.c hands to http.
 */
#include "config.h"

#include <criterion/criterion.h>

#include "api_common.h"
#include "api_routes.h"
#include "http.h"

Test(http, literal_and_parameter_segments)
{
	const char *p[HTTP_MAX_PARAMS];
	char buf[256];
	size_t n;

	cr_assert(http_match("/status", "/status", p, &n, buf, sizeof buf));
	cr_assert_eq(n, 0);
	cr_assert(!http_match("/status", "/statusx", p, &n, buf, sizeof buf));
	cr_assert(!http_match("/status", "/status/x", p, &n, buf, sizeof buf));
	cr_assert(http_match("/v1/loom/providers/{name}",
	    "/v1/loom/providers/joyent", p, &n, buf, sizeof buf));
	cr_assert_eq(n, 1);
	cr_assert_str_eq(p[0], "joyent");
	cr_assert(http_match("/v1/loom/clusters/{id}/plans/{job}",
	    "/v1/loom/clusters/00000001/plans/00000001-001", p, &n, buf,
	    sizeof buf));
	cr_assert_eq(n, 2);
	cr_assert_str_eq(p[0], "00000001");
	cr_assert_str_eq(p[1], "00000001-001");
	cr_assert(!http_match("/v1/loom/providers/{name}",
	    "/v1/loom/providers", p, &n, buf, sizeof buf));
	/* A trailing slash is the same path. */
	cr_assert(http_match("/v1/loom/providers", "/v1/loom/providers/", p,
	    &n, buf, sizeof buf));
}

Test(http, status_codes)
{
	static const struct {
		enum api_status st;
		int code;
	} rows[] = {
		{ API_OK, 200 },
		{ API_NO_CONTENT, 204 },
		{ API_BAD_REQUEST, 400 },
		{ API_UNAUTHORIZED, 401 },
		{ API_FORBIDDEN, 403 },
		{ API_NOT_FOUND, 404 },
		{ API_METHOD_NOT_ALLOWED, 405 },
		{ API_CONFLICT, 409 },
		{ API_TOO_LARGE, 413 },
		{ API_EXPECTATION_FAILED, 417 },
		{ API_UNPROCESSABLE, 422 },
		{ API_UNAVAILABLE, 503 },
	};
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
		cr_assert_eq(http_code(rows[i].st), rows[i].code,
		    "status %d: want %d", (int)rows[i].st, rows[i].code);
}

Test(http, every_route_table_row_is_well_formed)
{
	const struct api_route *const *t;
	const struct api_route *r;

	for (t = api_routes_all; *t != NULL; t++) {
		for (r = *t; r->method != NULL; r++) {
			cr_assert_not_null(r->handler, "%s", r->pattern);
			cr_assert_eq(r->pattern[0], '/', "%s", r->pattern);
			cr_assert_not_null(r->summary, "%s", r->pattern);
			/* The shared cluster handlers read their route arg. */
			if (r->handler == api_common_cluster_read ||
			    r->handler == api_common_cluster_write)
				cr_assert_not_null(r->arg, "%s %s", r->method,
				    r->pattern);
		}
	}
}

Test(http, loom_paths_get_loom_errors)
{
	cr_assert(http_loom_path("/v1/loom"));
	cr_assert(http_loom_path("/v1/loom/"));
	cr_assert(http_loom_path("/v1/loom/providers"));
	cr_assert(http_loom_path("/v1/loom/no/such/route"));
	cr_assert(!http_loom_path("/v1/loomx"));
	cr_assert(!http_loom_path("/v1/lo"));
	cr_assert(!http_loom_path("/status"));
	cr_assert(!http_loom_path("/readyz"));
	cr_assert(!http_loom_path("/healthz"));
	cr_assert(!http_loom_path("/metrics"));
	cr_assert(!http_loom_path("/"));
}

Test(http, health_listener_serves_only_the_probes)
{
	const struct api_route *const *t;
	const struct api_route *r;
	size_t n = 0;

	for (t = api_routes_probe; *t != NULL; t++)
		for (r = *t; r->method != NULL; r++) {
			cr_assert(!http_loom_path(r->pattern), "%s",
			    r->pattern);
			cr_assert_str_eq(r->method, "GET", "%s", r->pattern);
			n++;
		}
	cr_assert_eq(n, 3);
}
