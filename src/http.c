/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http.c - libmicrohttpd glue: body accumulation with a size bound, route
 * dispatch (404 for an unknown path, 405 with Allow for a known path with
 * another method), request ids, access logging and the api_status to HTTP
 * mapping.  Errors on a /v1/loom path are text/plain bodies holding only the
 * message (LOOM-0.9-API.md §0: the Loom UI shows that text as is); errors on
 * loomd's own paths are JSON bodies {"status":N,"message":"..."}.
 *
 * Before a request reaches a handler it passes the edge checks of
 * http_edge.c; the listeners, their connection limits and the header
 * sweeper are in http_listen.c.
 */
#include "config.h"

#include "http.h"
#include "http_int.h"

#include <errno.h>
#include <json-c/json.h>
#include <microhttpd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "cfg.h"
#include "metrics.h"

/* Content type of the error bodies of /v1/loom paths. */
#define HTTP_LOOM_ERROR_TYPE "text/plain; charset=utf-8"

/* Per-connection request state, from the first callback to completion. */
struct http_ctx {
	char *body;
	size_t len;
	size_t cap;
	bool too_large;
	unsigned long long declared; /* a drained body's Content-Length */
	bool answered;		     /* a response is already queued */
	int64_t wait_until_ms;	     /* of a parked request */
	struct timespec start;
	void (*done)(void *, bool); /* from the handler's resp */
	void *done_arg;		    /* owned by done */
};

const struct cfg *http_cfg;
static int http_bound_port;
static unsigned long long http_next_id;
static int http_inflight; /* requests between first call and completion */

int
http_code(enum api_status status)
{
	switch (status) {
	case API_OK:
		return 200;
	case API_NO_CONTENT:
		return 204;
	case API_BAD_REQUEST:
		return 400;
	case API_UNAUTHORIZED:
		return 401;
	case API_FORBIDDEN:
		return 403;
	case API_NOT_FOUND:
		return 404;
	case API_METHOD_NOT_ALLOWED:
		return 405;
	case API_CONFLICT:
		return 409;
	case API_TOO_LARGE:
		return 413;
	case API_EXPECTATION_FAILED:
		return 417;
	case API_UNPROCESSABLE:
		return 422;
	case API_INTERNAL:
		return 500;
	case API_UNAVAILABLE:
		return 503;
	case API_URI_TOO_LONG:
		return 414;
	case API_TOO_MANY_REQUESTS:
		return 429;
	case API_NOT_IMPLEMENTED:
		return 501;
	}
	return 500;
}

/* Default message of an error status. */
static const char *
http_default_message(enum api_status status)
{
	switch (status) {
	case API_BAD_REQUEST:
		return "bad request";
	case API_UNAUTHORIZED:
		return "unauthorized";
	case API_FORBIDDEN:
		return "forbidden";
	case API_NOT_FOUND:
		return "not found";
	case API_METHOD_NOT_ALLOWED:
		return "method not allowed";
	case API_CONFLICT:
		return "conflict";
	case API_TOO_LARGE:
		return "request body too large";
	case API_EXPECTATION_FAILED:
		return "expectation failed";
	case API_UNPROCESSABLE:
		return "unprocessable request";
	case API_UNAVAILABLE:
		return "service unavailable";
	case API_URI_TOO_LONG:
		return "request path too long";
	case API_TOO_MANY_REQUESTS:
		return "too many requests";
	case API_NOT_IMPLEMENTED:
		return "not implemented";
	default:
		return "internal error";
	}
}

void
http_resp_text(struct http_resp *resp, const char *s)
{
	free(resp->body);
	resp->body = xstrdup(s);
	resp->body_len = 0;
}

enum api_status
http_fail(struct http_resp *resp, enum api_status status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(resp->err, sizeof resp->err, fmt, ap);
	va_end(ap);
	return status;
}

const char *
http_header(struct http_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

void
http_client_addr(struct http_req *req, char *out, size_t n)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;

	snprintf(out, n, "?");
	if (req->conn == NULL ||
	    (ci = MHD_get_connection_info(req->conn,
		 MHD_CONNECTION_INFO_CLIENT_ADDRESS)) == NULL ||
	    (sa = ci->client_addr) == NULL)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET,
		    &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
		    out, (socklen_t)n);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)(const void *)sa)
			 ->sin6_addr,
		    out, (socklen_t)n);
}

bool
http_match(const char *pattern, const char *path,
    const char *params[HTTP_MAX_PARAMS], size_t *nparams, char *buf, size_t n)
{
	const char *p = pattern, *s = path;
	size_t used = 0, np = 0;

	for (;;) {
		size_t plen, slen;
		const char *pe, *se;

		while (*p == '/')
			p++;
		while (*s == '/')
			s++;
		if (*p == '\0' || *s == '\0')
			break;
		pe = strchr(p, '/');
		se = strchr(s, '/');
		plen = pe != NULL ? (size_t)(pe - p) : strlen(p);
		slen = se != NULL ? (size_t)(se - s) : strlen(s);
		if (p[0] == '{') {
			if (np == HTTP_MAX_PARAMS || used + slen + 1 > n)
				return false;
			memcpy(buf + used, s, slen);
			buf[used + slen] = '\0';
			params[np++] = buf + used;
			used += slen + 1;
		} else if (plen != slen || memcmp(p, s, plen) != 0) {
			return false;
		}
		p += plen;
		s += slen;
	}
	if (*p != '\0' || *s != '\0')
		return false;
	*nparams = np;
	return true;
}

bool
http_loom_path(const char *path)
{
	return strncmp(path, "/v1/loom", 8) == 0 &&
	    (path[8] == '\0' || path[8] == '/');
}

/*
 * Queue a response for status/resp to a request for url; takes ownership
 * of resp->body.  close: the connection is closed after it (the rest of
 * the request is not trusted or not read).
 */
static enum MHD_Result
http_send(struct MHD_Connection *conn, const char *url, unsigned long long id,
    enum api_status status, struct http_resp *resp, bool close)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char idbuf[32];
	int code;

	code = resp->code != 0 ? resp->code : http_code(status);
	if (status != API_OK && status != API_NO_CONTENT &&
	    http_loom_path(url)) {
		/* Loom's format, whatever the request's Accept header says. */
		free(resp->body);
		resp->body = xstrdup(resp->err[0] != '\0' ?
			resp->err :
			http_default_message(status));
		resp->body_len = 0;
		resp->content_type = HTTP_LOOM_ERROR_TYPE;
	} else if (status != API_OK && status != API_NO_CONTENT) {
		json_object *o = json_object_new_object();
		const char *msg = resp->err[0] != '\0' ?
		    resp->err :
		    http_default_message(status);

		/* json-c owns o until put; we copy its text. */
		json_object_object_add(o, "status", json_object_new_int(code));
		json_object_object_add(o, "message",
		    json_object_new_string(msg));
		free(resp->body);
		resp->body = xstrdup(json_object_to_json_string_ext(o,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		resp->body_len = 0;
		resp->content_type = "application/json";
		json_object_put(o);
	}
	if (resp->body == NULL)
		resp->body = xstrdup("");
	if (resp->body_len == 0)
		resp->body_len = strlen(resp->body);
	/* MUST_FREE: MHD frees the body with free() after sending. */
	r = MHD_create_response_from_buffer(resp->body_len, resp->body,
	    MHD_RESPMEM_MUST_FREE);
	if (r == NULL)
		fatalx("MHD_create_response_from_buffer failed");
	resp->body = NULL;
	if (code != 204)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
		    resp->content_type != NULL ? resp->content_type :
						 "application/json");
	snprintf(idbuf, sizeof idbuf, "%llu", id);
	MHD_add_response_header(r, "X-Request-Id", idbuf);
	if (resp->extra_header != NULL)
		MHD_add_response_header(r, resp->extra_header,
		    resp->extra_value);
	if (close)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION,
		    "close");
	ret = MHD_queue_response(conn, (unsigned int)code, r);
	MHD_destroy_response(r);
	return ret;
}

/* Find the route for method and path; fill req params or an Allow list. */
static const struct api_route *
http_route(const struct api_route *const *tables, struct http_req *req,
    char *buf, size_t n, char *allow, size_t allow_n, bool *path_known)
{
	const struct api_route *const *t;
	const struct api_route *rt;
	const char *params[HTTP_MAX_PARAMS];
	size_t np;

	*path_known = false;
	allow[0] = '\0';
	for (t = tables; *t != NULL; t++) {
		for (rt = *t; rt->method != NULL; rt++) {
			if (!http_match(rt->pattern, req->path, params, &np,
				buf, n))
				continue;
			/* HEAD is GET without the body (MHD drops it). */
			if (strcmp(rt->method, req->method) == 0 ||
			    (strcmp(req->method, "HEAD") == 0 &&
				strcmp(rt->method, "GET") == 0)) {
				memcpy(req->params, params, sizeof params);
				req->nparams = np;
				return rt;
			}
			*path_known = true;
			if (strstr(allow, rt->method) == NULL) {
				if (allow[0] != '\0')
					strncat(allow, ", ",
					    allow_n - strlen(allow) - 1);
				strncat(allow, rt->method,
				    allow_n - strlen(allow) - 1);
				if (strcmp(rt->method, "GET") == 0)
					strncat(allow, ", HEAD",
					    allow_n - strlen(allow) - 1);
			}
		}
	}
	return NULL;
}

/* Milliseconds since start. */
static double
http_elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1e3 +
	    (now.tv_nsec - start->tv_nsec) / 1e6;
}

/*
 * Count, log and queue the answer to a request (takes resp->body).  A 500
 * never shows its cause to the client: it is logged with the request id
 * and the client gets a generic message naming that id.
 */
static enum MHD_Result
http_answer(struct MHD_Connection *conn, const char *method, const char *url,
    struct http_ctx *ctx, const struct api_route *rt, unsigned long long id,
    enum api_status status, struct http_resp *resp, bool close)
{
	enum MHD_Result ret;
	double ms;
	int code;

	code = resp->code != 0 ? resp->code : http_code(status);
	ms = http_elapsed_ms(&ctx->start);
	metrics_request(rt, code, ms);
	if (code >= 500)
		log_warn("%s %s -> %d (%.1f ms): %s", method, url, code, ms,
		    resp->err);
	else
		log_debug("%s %s -> %d (%.1f ms)", method, url, code, ms);
	if (code == 500)
		snprintf(resp->err, sizeof resp->err,
		    "Internal error; the "
		    "server log has the cause under request id %llu",
		    id);
	ret = http_send(conn, url, id, status, resp, close);
	free(resp->body);
	resp->body = NULL;
	ctx->answered = true;
	return ret;
}

/* Dispatch a complete request. */
static enum MHD_Result
http_dispatch(const struct http_listener *l, struct MHD_Connection *conn,
    const char *url, const char *method, struct http_ctx *ctx)
{
	struct http_resp resp;
	struct http_req req;
	const struct api_route *rt = NULL;
	enum api_status status;
	char buf[1024], allow[64];
	bool known;
	enum MHD_Result ret;

	memset(&req, 0, sizeof req);
	memset(&resp, 0, sizeof resp);
	req.method = method;
	req.path = url;
	req.body = ctx->body != NULL ? ctx->body : "";
	req.body_len = ctx->body != NULL ? ctx->len : 0;
	req.conn = conn;
	req.wait_until_ms = ctx->wait_until_ms;
	req.id = __atomic_add_fetch(&http_next_id, 1, __ATOMIC_RELAXED);
	log_set_request_id(req.id);

	if (ctx->too_large) {
		status = http_edge_too_large(&resp, ctx->declared);
	} else if ((rt = http_route(l->tables, &req, buf, sizeof buf, allow,
			sizeof allow, &known)) != NULL) {
		req.route_arg = rt->arg;
		status = rt->handler(&req, &resp);
		if (resp.parked) {
			/* Suspended: called again when it is resumed. */
			ctx->wait_until_ms = req.wait_until_ms;
			free(resp.body);
			log_set_request_id(0);
			return MHD_YES;
		}
	} else if (known) {
		status = http_fail(&resp, API_METHOD_NOT_ALLOWED,
		    "method %s not allowed on %s", method, url);
		resp.extra_header = "Allow";
		snprintf(resp.extra_value, sizeof resp.extra_value, "%s",
		    allow);
	} else {
		status = http_fail(&resp, API_NOT_FOUND, "no route for %s %s",
		    method, url);
	}
	ret = http_answer(conn, method, url, ctx, rt, req.id, status, &resp,
	    false);
	ctx->done = resp.done;
	ctx->done_arg = resp.done_arg;
	log_set_request_id(0);
	return ret;
}

/*
 * The MHD access handler: edge checks, accumulate the body, then dispatch
 * to the listener cls (borrowed, static).
 */
enum MHD_Result
http_access(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version UNUSED, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct http_ctx *ctx = *con_cls;
	size_t max = (size_t)http_cfg->server_max_body_bytes;
	enum MHD_Result ret;

	if (ctx == NULL) {
		struct http_resp resp;
		enum api_status st;
		unsigned long long drain;
		bool close;

		ctx = xcalloc(1, sizeof *ctx);
		__atomic_add_fetch(&http_inflight, 1, __ATOMIC_RELAXED);
		clock_gettime(CLOCK_MONOTONIC, &ctx->start);
		*con_cls = ctx;
		http_listen_sock_request(conn);
		memset(&resp, 0, sizeof resp);
		if ((st = http_edge_check(cls, conn, url, &resp, &close,
			 &drain)) != API_OK) {
			unsigned long long id =
			    __atomic_add_fetch(&http_next_id, 1,
				__ATOMIC_RELAXED);

			log_set_request_id(id);
			ret = http_answer(conn, method, url, ctx, NULL, id, st,
			    &resp, close);
			log_set_request_id(0);
			return ret;
		}
		ctx->too_large = drain > 0;
		ctx->declared = drain;
		return MHD_YES;
	}
	if (ctx->answered) {
		/* Answered early: what still comes is discarded. */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		size_t n = *upload_data_size;

		if (ctx->too_large || ctx->len + n > max) {
			/*
			 * A chunked body past the limit, or a declared one
			 * of at most twice the limit that the client sends
			 * without waiting (a larger one got 413 before it
			 * was read).  libmicrohttpd takes an
			 * answer only once the body has ended: discard up to
			 * the limit once more and answer 413 then; close the
			 * connection if the body goes on beyond that.
			 */
			if (!ctx->too_large) {
				free(ctx->body);
				ctx->body = NULL;
				ctx->cap = 0;
				ctx->too_large = true;
			}
			ctx->len += n;
			*upload_data_size = 0;
			if (ctx->len > 2 * max) {
				log_info("http: %s %s: chunked body over %zu "
					 "bytes, connection closed",
				    method, url, 2 * max);
				return MHD_NO;
			}
			return MHD_YES;
		}
		if (ctx->len + n + 1 > ctx->cap) {
			ctx->cap = (ctx->len + n + 1) * 2;
			if (ctx->cap > max + 1)
				ctx->cap = max + 1;
			ctx->body = xrealloc(ctx->body, ctx->cap);
		}
		memcpy(ctx->body + ctx->len, upload_data, n);
		ctx->len += n;
		ctx->body[ctx->len] = '\0';
		*upload_data_size = 0;
		return MHD_YES;
	}
	return http_dispatch(cls, conn, url, method, ctx);
}

/* Free the per-request state when MHD is done with the request. */
void
http_completed(void *cls UNUSED, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct http_ctx *ctx = *con_cls;

	http_listen_sock_done(conn);
	if (ctx == NULL)
		return;
	if (ctx->done != NULL)
		ctx->done(ctx->done_arg,
		    toe == MHD_REQUEST_TERMINATED_COMPLETED_OK);
	free(ctx->body);
	free(ctx);
	*con_cls = NULL;
	__atomic_sub_fetch(&http_inflight, 1, __ATOMIC_RELAXED);
}

int
http_start(const struct cfg *cfg, const struct api_route *const *tables,
    const struct api_route *const *probe_tables, int port,
    const char *port_file, char err[LOOMD_ERR_LEN])
{
	const struct api_route *const *t;
	const struct api_route *rt;
	FILE *fp;

	http_cfg = cfg;
	/* A route on both listeners is registered once. */
	for (t = tables; *t != NULL; t++)
		for (rt = *t; rt->method != NULL; rt++)
			metrics_route_add(rt, rt->method, rt->pattern);
	for (t = probe_tables; *t != NULL; t++)
		for (rt = *t; rt->method != NULL; rt++)
			metrics_route_add(rt, rt->method, rt->pattern);
	if (port < 0)
		port = (int)cfg->server_port;
	if (http_listen_start(cfg, tables, probe_tables, port,
		&http_bound_port, err) == -1)
		return -1;
	if (port_file != NULL) {
		char tmp[4096];

		snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
		if ((fp = fopen(tmp, "w")) == NULL ||
		    fprintf(fp, "%d\n", http_bound_port) < 0 ||
		    fclose(fp) != 0 || rename(tmp, port_file) != 0) {
			snprintf(err, LOOMD_ERR_LEN, "port file %s: %s",
			    port_file, strerror(errno));
			return -1;
		}
	}
	log_info("http: listening on %s port %d with %lld threads",
	    cfg->server_host, http_bound_port, (long long)cfg->server_threads);
	return 0;
}

int
http_port(void)
{
	return http_bound_port;
}

void
http_stop(int timeout_ms)
{
	struct timespec ts = { 0, 50 * 1000000L };
	int waited = 0;

	if (!http_listen_quiesce())
		return;
	/* Idle keep-alive connections do not count, requests do. */
	while (waited < timeout_ms &&
	    __atomic_load_n(&http_inflight, __ATOMIC_RELAXED) > 0) {
		nanosleep(&ts, NULL);
		waited += 50;
	}
	http_listen_stop();
}
