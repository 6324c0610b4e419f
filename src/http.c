/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http.c - libmicrohttpd glue: body accumulation with a size bound, route
 * dispatch (404 for an unknown path, 405 with Allow for a known path with
 * another method), request ids, access logging and the api_status to HTTP
 * mapping.  Errors on a /v1/loom path are text/plain bodies holding only the
 * message (LOOM-0.9-API.md §0: the Loom UI shows that text as is); errors on
 * loomd's own paths are JSON bodies {"status":N,"message":"..."}.
 */
#include "config.h"

#include "http.h"

#include <errno.h>
#include <json-c/json.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "metrics.h"

/* Content type of the error bodies of /v1/loom paths. */
#define HTTP_LOOM_ERROR_TYPE "text/plain; charset=utf-8"

/* Per-connection request state, from the first callback to completion. */
struct http_ctx {
	char		*body;
	size_t		 len;
	size_t		 cap;
	bool		 too_large;
	struct timespec	 start;
};

static struct MHD_Daemon *http_daemon;
static struct MHD_Daemon *http_health_daemon;
static const struct cfg *http_cfg;
static int http_bound_port;
static unsigned long long http_next_id;
static int http_inflight;	/* requests between first call and completion */

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
http_fail(struct http_resp *resp, enum api_status status, const char *fmt,
    ...)
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
 * of resp->body.
 */
static enum MHD_Result
http_send(struct MHD_Connection *conn, const char *url,
    unsigned long long id, enum api_status status, struct http_resp *resp)
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
		resp->body = xstrdup(resp->err[0] != '\0' ? resp->err :
		    http_default_message(status));
		resp->body_len = 0;
		resp->content_type = HTTP_LOOM_ERROR_TYPE;
	} else if (status != API_OK && status != API_NO_CONTENT) {
		json_object *o = json_object_new_object();
		const char *msg = resp->err[0] != '\0' ? resp->err :
		    http_default_message(status);

		/* json-c owns o until put; we copy its text. */
		json_object_object_add(o, "status",
		    json_object_new_int(code));
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
			if (strcmp(rt->method, req->method) == 0) {
				memcpy(req->params, params, sizeof params);
				req->nparams = np;
				return rt;
			}
			*path_known = true;
			if (strstr(allow, rt->method) == NULL) {
				if (allow[0] != '\0')
					strncat(allow, ", ", allow_n -
					    strlen(allow) - 1);
				strncat(allow, rt->method, allow_n -
				    strlen(allow) - 1);
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

/* Dispatch a complete request. */
static enum MHD_Result
http_dispatch(const struct api_route *const *tables,
    struct MHD_Connection *conn, const char *url, const char *method,
    struct http_ctx *ctx)
{
	struct http_resp resp;
	struct http_req req;
	const struct api_route *rt = NULL;
	enum api_status status;
	char buf[1024], allow[64];
	double ms;
	bool known;
	enum MHD_Result ret;
	int code;

	memset(&req, 0, sizeof req);
	memset(&resp, 0, sizeof resp);
	req.method = method;
	req.path = url;
	req.body = ctx->body != NULL ? ctx->body : "";
	req.body_len = ctx->len;
	req.conn = conn;
	req.id = __atomic_add_fetch(&http_next_id, 1, __ATOMIC_RELAXED);
	log_set_request_id(req.id);

	if (ctx->too_large) {
		status = http_fail(&resp, API_TOO_LARGE, "request body larger "
		    "than %lld bytes",
		    (long long)http_cfg->server_max_body_bytes);
	} else if ((rt = http_route(tables, &req, buf, sizeof buf, allow,
	    sizeof allow, &known)) != NULL) {
		status = rt->handler(&req, &resp);
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
	code = resp.code != 0 ? resp.code : http_code(status);
	ms = http_elapsed_ms(&ctx->start);
	metrics_request(rt, code, ms);
	if (code >= 500)
		log_warn("%s %s -> %d (%.1f ms): %s", method, url, code, ms,
		    resp.err);
	else
		log_debug("%s %s -> %d (%.1f ms)", method, url, code, ms);
	ret = http_send(conn, url, req.id, status, &resp);
	free(resp.body);
	log_set_request_id(0);
	return ret;
}

/*
 * The MHD access handler: accumulate the body, then dispatch to the route
 * tables cls (borrowed, static).
 */
static enum MHD_Result
http_access(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version UNUSED, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct http_ctx *ctx = *con_cls;
	size_t max = (size_t)http_cfg->server_max_body_bytes;
	const char *cl;

	if (ctx == NULL) {
		ctx = xcalloc(1, sizeof *ctx);
		__atomic_add_fetch(&http_inflight, 1, __ATOMIC_RELAXED);
		clock_gettime(CLOCK_MONOTONIC, &ctx->start);
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl != NULL && strtoull(cl, NULL, 10) > max)
			ctx->too_large = true;
		*con_cls = ctx;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		size_t n = *upload_data_size;

		if (!ctx->too_large && ctx->len + n > max) {
			ctx->too_large = true;
			free(ctx->body);
			ctx->body = NULL;
			ctx->len = ctx->cap = 0;
		}
		if (!ctx->too_large) {
			if (ctx->len + n + 1 > ctx->cap) {
				ctx->cap = (ctx->len + n + 1) * 2;
				if (ctx->cap > max + 1)
					ctx->cap = max + 1;
				ctx->body = xrealloc(ctx->body, ctx->cap);
			}
			memcpy(ctx->body + ctx->len, upload_data, n);
			ctx->len += n;
			ctx->body[ctx->len] = '\0';
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	return http_dispatch(cls, conn, url, method, ctx);
}

/* Free the per-request state when MHD is done with the request. */
static void
http_completed(void *cls UNUSED, struct MHD_Connection *conn UNUSED,
    void **con_cls, enum MHD_RequestTerminationCode toe UNUSED)
{
	struct http_ctx *ctx = *con_cls;

	if (ctx == NULL)
		return;
	free(ctx->body);
	free(ctx);
	*con_cls = NULL;
	__atomic_sub_fetch(&http_inflight, 1, __ATOMIC_RELAXED);
}

/* libmicrohttpd's own error messages go to our log. */
static void
http_mhd_log(void *cls UNUSED, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	vsnprintf(msg, sizeof msg, fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_warn("http: %s", msg);
}

/*
 * Listen on host:port (0 = any free port) and serve tables with threads
 * worker threads (1: the polling thread itself).  Returns the daemon and
 * the bound port, or NULL with err.
 */
static struct MHD_Daemon *
http_listen(const struct cfg *cfg, int port, unsigned int threads,
    const struct api_route *const *tables, int *bound,
    char err[LOOMD_ERR_LEN])
{
	struct sockaddr_storage ss;
	struct addrinfo hints, *ai = NULL;
	const union MHD_DaemonInfo *info;
	struct MHD_Daemon *d;
	char portstr[16];
	int rc;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(portstr, sizeof portstr, "%d", port);
	if ((rc = getaddrinfo(cfg->server_host, portstr, &hints, &ai)) != 0) {
		snprintf(err, LOOMD_ERR_LEN, "server.host %s: %s",
		    cfg->server_host, gai_strerror(rc));
		return NULL;
	}
	memset(&ss, 0, sizeof ss);
	memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_ITC |
	    (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
	    (uint16_t)port, NULL, NULL, http_access, (void *)tables,
	    MHD_OPTION_EXTERNAL_LOGGER, http_mhd_log, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned int)cfg->server_connection_timeout_s,
	    MHD_OPTION_NOTIFY_COMPLETED, http_completed, NULL,
	    MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned int)1,
	    /* Last: one thread is no pool (MHD warns about a pool of 1). */
	    threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END,
	    threads, MHD_OPTION_END);
	if (d == NULL) {
		snprintf(err, LOOMD_ERR_LEN, "cannot listen on %s port %d",
		    cfg->server_host, port);
		return NULL;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	*bound = info != NULL ? info->port : port;
	return d;
}

int
http_start(const struct cfg *cfg, const struct api_route *const *tables,
    const struct api_route *const *probe_tables, int port,
    const char *port_file, char err[LOOMD_ERR_LEN])
{
	const struct api_route *const *t;
	const struct api_route *rt;
	FILE *fp;
	int hport;

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
	if ((http_daemon = http_listen(cfg, port,
	    (unsigned int)cfg->server_threads, tables, &http_bound_port,
	    err)) == NULL)
		return -1;
	/*
	 * The health listener has a thread of its own and serves only the
	 * cached probes, so /readyz answers even while every API thread
	 * waits on a stalled database.
	 */
	if (cfg->server_health_port > 0) {
		if ((http_health_daemon = http_listen(cfg,
		    (int)cfg->server_health_port, 1, probe_tables,
		    &hport, err)) == NULL) {
			MHD_stop_daemon(http_daemon);
			http_daemon = NULL;
			return -1;
		}
		log_info("http: health listener on %s port %d",
		    cfg->server_host, hport);
	}
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
	MHD_socket fd;
	int waited = 0;

	if (http_daemon == NULL)
		return;
	fd = MHD_quiesce_daemon(http_daemon);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	/* Idle keep-alive connections do not count, requests do. */
	while (waited < timeout_ms &&
	    __atomic_load_n(&http_inflight, __ATOMIC_RELAXED) > 0) {
		nanosleep(&ts, NULL);
		waited += 50;
	}
	MHD_stop_daemon(http_daemon);
	http_daemon = NULL;
	if (http_health_daemon != NULL)
		MHD_stop_daemon(http_health_daemon);
	http_health_daemon = NULL;
}
