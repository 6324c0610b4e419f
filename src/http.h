/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http.h - the HTTP front end: libmicrohttpd with a thread pool, request
 * bodies bounded by server.max_body_bytes, and dispatch from the route
 * tables the caller hands to http_start().  Handlers return an api_status;
 * one function maps it to the HTTP code and the error body: on a /v1/loom
 * path the message alone as text/plain, as Loom sent it; elsewhere (loomd's
 * own /status, /healthz, /readyz, /metrics) {"status":N,"message":"..."}.
 */
#ifndef LOOMD_HTTP_H
#define LOOMD_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"

struct cfg;

enum api_status {
	API_OK = 0,		/* 200, resp->body or empty */
	API_NO_CONTENT,		/* 204 */
	API_BAD_REQUEST,	/* 400 */
	API_UNAUTHORIZED,	/* 401 */
	API_FORBIDDEN,		/* 403 */
	API_NOT_FOUND,		/* 404 */
	API_METHOD_NOT_ALLOWED, /* 405 */
	API_CONFLICT,		/* 409 */
	API_TOO_LARGE,		/* 413 */
	API_EXPECTATION_FAILED, /* 417 */
	API_UNPROCESSABLE,	/* 422 */
	API_INTERNAL,		/* 500 */
	API_UNAVAILABLE,	/* 503 */
	API_URI_TOO_LONG,	/* 414 */
	API_TOO_MANY_REQUESTS,	/* 429 */
	API_NOT_IMPLEMENTED,	/* 501 */
};

#define HTTP_MAX_PARAMS 4

/* One request as a handler sees it.  Everything is borrowed. */
struct http_req {
	const char *method;
	const char *path;
	const char *params[HTTP_MAX_PARAMS]; /* {x} parts */
	size_t nparams;
	const char *body; /* NUL-terminated */
	size_t body_len;
	unsigned long long id; /* request id */
	void *conn;	       /* MHD connection */
	int64_t wait_until_ms; /* set by a parking handler */
	const void *route_arg; /* the matched route's arg */
};

/* What a handler answers. */
struct http_resp {
	int code;		  /* 0: derived from the status */
	char *body;		  /* owned; freed by http after sending */
	size_t body_len;	  /* 0: strlen(body) */
	const char *content_type; /* static; default application/json */
	char err[LOOMD_ERR_LEN];  /* message for errors */
	const char *extra_header; /* static name, or NULL */
	char extra_value[128];
	/*
	 * Called once when the server is done with the request, sent true
	 * when the whole response was written to the client's socket; it
	 * owns (and frees) done_arg.  NULL: nothing to call.
	 */
	void (*done)(void *done_arg, bool sent);
	void *done_arg;
	bool parked; /* handler suspended conn: no answer */
};

typedef enum api_status (
    *api_handler)(struct http_req *req, struct http_resp *resp);

/* A row of a route table; tables end with a row whose method is NULL. */
struct api_route {
	const char *method;
	const char *pattern; /* "/v1/loom/providers/{name}" */
	api_handler handler;
	const char *summary;
	/*
	 * Handed to the handler as req->route_arg, so that one handler serves
	 * several routes that differ only in what it calls (NULL: none).
	 */
	const void *arg;
};

/*
 * Start serving (borrows cfg, tables and probe_tables for the lifetime of
 * the server).  tables: the NULL-terminated route tables of the API
 * listener; probe_tables: those of the health listener (server.health_port).
 * port overrides server.port when >= 0.  port_file, when not NULL, receives
 * the bound port.  Returns 0 or -1 with err.
 */
int http_start(const struct cfg *cfg, const struct api_route *const *tables,
    const struct api_route *const *probe_tables, int port,
    const char *port_file, char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/*
 * Stop accepting, let in-flight requests finish (up to timeout_ms), then
 * stop the server.
 */
void http_stop(int timeout_ms);

/* Port the server is bound to. */
int http_port(void);

/* A request header (borrowed, valid during the request) or NULL. */
const char *http_header(struct http_req *req, const char *name);

/* The client's address as text into out (size n); "?" if unknown. */
void http_client_addr(struct http_req *req, char *out, size_t n);

/* Set resp->body to a copy of s. */
void http_resp_text(struct http_resp *resp, const char *s);
/* Set resp->err from a format and return status (for one-line errors). */
enum api_status http_fail(struct http_resp *resp, enum api_status status,
    const char *fmt, ...) LOOMD_PRINTF(3, 4);

/* HTTP code of an api_status. */
int http_code(enum api_status status);

/*
 * Match path against pattern; on success fill params (borrowed slices are
 * copied into buf, size n) and return true.  Pure; for tests.
 */
bool http_match(const char *pattern, const char *path,
    const char *params[HTTP_MAX_PARAMS], size_t *nparams, char *buf, size_t n);

/*
 * Whether path is under /v1/loom, where errors are sent as Loom sent them:
 * text/plain, the message alone.  Pure; for tests.
 */
bool http_loom_path(const char *path);

#endif /* LOOMD_HTTP_H */
