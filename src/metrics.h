/* SPDX-License-Identifier: Apache-2.0 */
/*
 * metrics.h - counters for GET /metrics (Prometheus text exposition
 * format 0.0.4): requests by route and status with a latency histogram,
 * kept with atomic counters so the hot path takes no lock.  The rest of
 * the page (database, IDs, jobs, Galera) is read at scrape time by
 * api_health.c.  It knows nothing of HTTP dispatch: the HTTP layer
 * registers its routes with metrics_route_add().
 */
#ifndef LOOMD_METRICS_H
#define LOOMD_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

/*
 * Register a route before serving: key identifies it in metrics_request()
 * and method and pattern label it (all three borrowed; they must live as
 * long as the process, e.g. a static route table row).  Routes past the
 * 63rd are counted as unmatched.
 */
void metrics_route_add(const void *key, const char *method,
    const char *pattern);

/* Count one request: route key (NULL when no route matched), code, time. */
void metrics_request(const void *key, int code, double ms);

/* Why a provisioner request was refused. */
enum metrics_task_refusal {
	METRICS_TASK_LISTENER, /* on the API listener, server.tasks_port set */
	METRICS_TASK_TOKEN,    /* missing or wrong tasks token */
};

/* Count one refused /v1/loom/tasks/ request. */
void metrics_task_refused(enum metrics_task_refusal why);

/* Count one connection closed for overdue request headers. */
void metrics_header_timeout(void);

/* A growable text buffer for the exposition page. */
struct metrics_buf {
	char *s; /* owned; the caller frees it with free() */
	size_t len;
	size_t cap;
};

/* Append formatted text. */
void metrics_printf(struct metrics_buf *b, const char *fmt, ...)
    LOOMD_PRINTF(2, 3);

/* Append the request metrics (HELP/TYPE lines included). */
void metrics_write_requests(struct metrics_buf *b);

/* Escape a label value into out (backslash, quote, newline). */
void metrics_label(const char *in, char *out, size_t n);

#endif /* LOOMD_METRICS_H */
