/* SPDX-License-Identifier: Apache-2.0 */
/*
 * metrics.c - request counters and the exposition text helpers (see
 * metrics.h).  Routes are numbered once at startup as the HTTP layer
 * registers them, so a request only does a lookup in a small array and
 * atomic adds.  Depends on nothing but common.h.
 */
#include "config.h"

#include "metrics.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define METRICS_MAX_ROUTES 64
static const int metrics_codes[] = { 200, 204, 400, 401, 403, 404, 405, 409,
	413, 414, 417, 422, 429, 500, 501, 503 };
#define METRICS_NCODES (sizeof metrics_codes / sizeof metrics_codes[0])
static const double metrics_buckets[] = { 1, 2.5, 5, 10, 25, 50, 100, 250, 500,
	1000, 2500, 5000 };
#define METRICS_NBUCKETS (sizeof metrics_buckets / sizeof metrics_buckets[0])

/* Slot 0 is "no route matched". */
struct metrics_route {
	const void *key;
	const char *method;
	const char *pattern;
};
static struct metrics_route metrics_routes[METRICS_MAX_ROUTES];
static size_t metrics_nroutes = 1;
static uint64_t metrics_count[METRICS_MAX_ROUTES][METRICS_NCODES + 1];
static uint64_t metrics_hist[METRICS_MAX_ROUTES][METRICS_NBUCKETS + 1];
static uint64_t metrics_sum_us[METRICS_MAX_ROUTES];
static uint64_t metrics_task_refusals[2];
static uint64_t metrics_header_timeouts;

void
metrics_route_add(const void *key, const char *method, const char *pattern)
{
	size_t i;

	for (i = 1; i < metrics_nroutes; i++)
		if (metrics_routes[i].key == key)
			return;
	if (metrics_nroutes == METRICS_MAX_ROUTES)
		return;
	metrics_routes[metrics_nroutes].key = key;
	metrics_routes[metrics_nroutes].method = method;
	metrics_routes[metrics_nroutes].pattern = pattern;
	metrics_nroutes++;
}

void
metrics_request(const void *key, int code, double ms)
{
	size_t i, slot = 0, c = METRICS_NCODES, b = METRICS_NBUCKETS;

	for (i = 1; key != NULL && i < metrics_nroutes; i++)
		if (metrics_routes[i].key == key) {
			slot = i;
			break;
		}
	for (i = 0; i < METRICS_NCODES; i++)
		if (metrics_codes[i] == code) {
			c = i;
			break;
		}
	for (i = 0; i < METRICS_NBUCKETS; i++)
		if (ms <= metrics_buckets[i]) {
			b = i;
			break;
		}
	__atomic_add_fetch(&metrics_count[slot][c], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&metrics_hist[slot][b], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&metrics_sum_us[slot], (uint64_t)(ms * 1000),
	    __ATOMIC_RELAXED);
}

void
metrics_task_refused(enum metrics_task_refusal why)
{
	__atomic_add_fetch(&metrics_task_refusals[why], 1, __ATOMIC_RELAXED);
}

void
metrics_header_timeout(void)
{
	__atomic_add_fetch(&metrics_header_timeouts, 1, __ATOMIC_RELAXED);
}

void
metrics_printf(struct metrics_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->s != NULL ? b->s + b->len : NULL, room, fmt,
		    ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		b->cap = (b->cap + (size_t)n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
}

void
metrics_label(const char *in, char *out, size_t n)
{
	size_t o = 0;

	for (; *in != '\0' && o + 3 < n; in++) {
		if (*in == '\\' || *in == '"') {
			out[o++] = '\\';
			out[o++] = *in;
		} else if (*in == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else {
			out[o++] = *in;
		}
	}
	out[o] = '\0';
}

/* The route label of slot i: "METHOD pattern" or "unmatched". */
static void
metrics_route_label(size_t i, char *out, size_t n)
{
	char raw[256];

	if (i == 0)
		snprintf(raw, sizeof raw, "unmatched");
	else
		snprintf(raw, sizeof raw, "%s %s", metrics_routes[i].method,
		    metrics_routes[i].pattern);
	metrics_label(raw, out, n);
}

void
metrics_write_requests(struct metrics_buf *b)
{
	char label[300];
	size_t i, k;

	metrics_printf(b,
	    "# HELP loomd_http_requests_total HTTP requests "
	    "by route and status.\n# TYPE loomd_http_requests_total "
	    "counter\n");
	for (i = 0; i < metrics_nroutes; i++) {
		metrics_route_label(i, label, sizeof label);
		for (k = 0; k <= METRICS_NCODES; k++) {
			uint64_t v = __atomic_load_n(&metrics_count[i][k],
			    __ATOMIC_RELAXED);

			if (v == 0)
				continue;
			if (k < METRICS_NCODES)
				metrics_printf(b,
				    "loomd_http_requests_total{"
				    "route=\"%s\",code=\"%d\"} %llu\n",
				    label, metrics_codes[k],
				    (unsigned long long)v);
			else
				metrics_printf(b,
				    "loomd_http_requests_total{"
				    "route=\"%s\",code=\"other\"} %llu\n",
				    label, (unsigned long long)v);
		}
	}
	metrics_printf(b,
	    "# HELP loomd_http_request_duration_seconds "
	    "Request latency by route.\n# TYPE "
	    "loomd_http_request_duration_seconds histogram\n");
	for (i = 0; i < metrics_nroutes; i++) {
		uint64_t cum = 0;

		for (k = 0; k <= METRICS_NBUCKETS; k++)
			cum += __atomic_load_n(&metrics_hist[i][k],
			    __ATOMIC_RELAXED);
		if (cum == 0)
			continue;
		metrics_route_label(i, label, sizeof label);
		cum = 0;
		for (k = 0; k <= METRICS_NBUCKETS; k++) {
			cum += __atomic_load_n(&metrics_hist[i][k],
			    __ATOMIC_RELAXED);
			if (k < METRICS_NBUCKETS)
				metrics_printf(b,
				    "loomd_http_request_duration"
				    "_seconds_bucket{route=\"%s\",le=\"%g\"} "
				    "%llu\n",
				    label, metrics_buckets[k] / 1000,
				    (unsigned long long)cum);
			else
				metrics_printf(b,
				    "loomd_http_request_duration"
				    "_seconds_bucket{route=\"%s\",le=\"+Inf\"}"
				    " %llu\n",
				    label, (unsigned long long)cum);
		}
		metrics_printf(b,
		    "loomd_http_request_duration_seconds_sum{"
		    "route=\"%s\"} %.6f\n",
		    label,
		    (double)__atomic_load_n(&metrics_sum_us[i],
			__ATOMIC_RELAXED) /
			1e6);
		metrics_printf(b,
		    "loomd_http_request_duration_seconds_count{"
		    "route=\"%s\"} %llu\n",
		    label, (unsigned long long)cum);
	}
	metrics_printf(b,
	    "# HELP loomd_task_requests_refused_total "
	    "Requests to /v1/loom/tasks/ refused: on the API listener while "
	    "server.tasks_port is set, or without the tasks token.\n"
	    "# TYPE loomd_task_requests_refused_total counter\n"
	    "loomd_task_requests_refused_total{reason=\"listener\"} %llu\n"
	    "loomd_task_requests_refused_total{reason=\"token\"} %llu\n",
	    (unsigned long long)
		__atomic_load_n(&metrics_task_refusals[METRICS_TASK_LISTENER],
		    __ATOMIC_RELAXED),
	    (unsigned long long)
		__atomic_load_n(&metrics_task_refusals[METRICS_TASK_TOKEN],
		    __ATOMIC_RELAXED));
	metrics_printf(b,
	    "# HELP loomd_http_header_timeouts_total Connections "
	    "closed because their request headers took longer than "
	    "server.header_timeout_ms.\n# TYPE "
	    "loomd_http_header_timeouts_total counter\n"
	    "loomd_http_header_timeouts_total %llu\n",
	    (unsigned long long)__atomic_load_n(&metrics_header_timeouts,
		__ATOMIC_RELAXED));
}
