/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http.c - libmicrohttpd glue: body accumulation with a size bound, route
 * dispatch (404 for an unknown path, 405 with Allow for a known path with
 * another method), request ids, access logging and the api_status to HTTP
 * mapping.  Errors on a /v1/loom path are text/plain bodies holding only the
 * message (LOOM-0.9-API.md §0: the Loom UI shows that text as is); errors on
 * loomd's own paths are JSON bodies {"status":N,"message":"..."}.
 *
 * Before a request reaches a handler it passes the edge checks: no NUL in
 * a header or the decoded path, one Content-Length and never one with a
 * Transfer-Encoding (else 400 and the connection is closed, RFC 9112
 * 6.3), only the chunked coding (else 501), a declared body within
 * server.max_body_bytes (else 413 before any of it is read, instead of
 * 100 Continue), no path segment over HTTP_MAX_SEGMENT bytes (414), and the
 * provisioner routes only where they are served (server.tasks_port) and
 * with the token when there is one.  A sweeper thread closes connections
 * that have not sent their request headers within server.header_timeout_ms.
 */
#include "config.h"

#include "http.h"

#include <errno.h>
#include <json-c/json.h>
#include <microhttpd.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "metrics.h"

/* Content type of the error bodies of /v1/loom paths. */
#define HTTP_LOOM_ERROR_TYPE "text/plain; charset=utf-8"

/* Longest path segment; no name or id comes near it. */
#define HTTP_MAX_SEGMENT 2048
/* Connections the health listener accepts. */
#define HTTP_HEALTH_MAX_CONNECTIONS 128

/* What a listener serves. */
enum http_kind {
	HTTP_KIND_API,	  /* server.port */
	HTTP_KIND_HEALTH, /* server.health_port */
	HTTP_KIND_TASKS,  /* server.tasks_port: /v1/loom/tasks/ only */
};

struct http_listener {
	const struct api_route *const *tables;
	enum http_kind kind;
};

/* Per-connection request state, from the first callback to completion. */
struct http_ctx {
	char *body;
	size_t len;
	size_t cap;
	bool too_large;
	bool answered;	       /* a response is already queued */
	int64_t wait_until_ms; /* of a parked request */
	struct timespec start;
	void (*done)(void *, bool); /* from the handler's resp */
	void *done_arg;		    /* owned by done */
};

/*
 * Per-connection state (MHD socket context), from accept to close, in a
 * list the header sweeper walks.  prev, next, since and in_request are
 * guarded by http_socks_lock; bad_nul is the connection thread's own.
 */
struct http_sock {
	struct http_sock *prev, *next;
	int fd;
	struct timespec since; /* headers are due from */
	bool in_request;       /* headers complete */
	bool kept_alive;       /* since is a previous answer */
	bool closing;	       /* shut down by the sweeper */
	bool bad_nul;	       /* %00 in the path or query */
};

static struct MHD_Daemon *http_daemon;
static struct MHD_Daemon *http_health_daemon;
static struct MHD_Daemon *http_tasks_daemon;
static struct http_listener http_api_listener = { NULL, HTTP_KIND_API };
static struct http_listener http_health_listener = { NULL, HTTP_KIND_HEALTH };
static struct http_listener http_tasks_listener = { NULL, HTTP_KIND_TASKS };
static pthread_mutex_t http_socks_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t http_sweep_cond = PTHREAD_COND_INITIALIZER;
static struct http_sock *http_socks;
static pthread_t http_sweeper;
static bool http_sweeper_running;
static bool http_sweeper_stop;
static const struct cfg *http_cfg;
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

/* Is url under /v1/loom/tasks (however its slashes are repeated)? */
static bool
http_task_path(const char *url)
{
	static const char *const want[] = { "v1", "loom", "tasks" };
	const char *s = url;
	size_t i, n;

	for (i = 0; i < sizeof want / sizeof want[0]; i++) {
		while (*s == '/')
			s++;
		n = strcspn(s, "/");
		if (n != strlen(want[i]) || memcmp(s, want[i], n) != 0)
			return false;
		s += n;
	}
	return *s == '\0' || *s == '/';
}

/* Does the request carry the provisioner token?  Constant time. */
static bool
http_task_token_ok(struct MHD_Connection *conn)
{
	unsigned char want[crypto_generichash_BYTES];
	unsigned char got[crypto_generichash_BYTES];
	const char *t, *tok = http_cfg->tasks_token;

	t = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "X-Loom-ProvisionerKey");
	if (t == NULL &&
	    (t = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		 MHD_HTTP_HEADER_AUTHORIZATION)) != NULL) {
		if (strncasecmp(t, "Bearer ", 7) != 0)
			return false;
		for (t += 7; *t == ' '; t++)
			;
	}
	if (t == NULL)
		return false;
	/* Equal-length digests, so the length of the token leaks nothing. */
	crypto_generichash(want, sizeof want, (const unsigned char *)tok,
	    strlen(tok), NULL, 0);
	crypto_generichash(got, sizeof got, (const unsigned char *)t,
	    strlen(t), NULL, 0);
	return sodium_memcmp(want, got, sizeof want) == 0;
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
		status = http_fail(&resp, API_TOO_LARGE,
		    "request body larger "
		    "than %lld bytes",
		    (long long)http_cfg->server_max_body_bytes);
	} else if ((rt = http_route(l->tables, &req, buf, sizeof buf, allow,
			sizeof allow, &known)) != NULL) {
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

#define HTTP_SCAN_MAX 128

/* What the header scan of one request found. */
struct http_scan {
	bool nul; /* a NUL in a name or value */
	size_t n; /* headers seen, in order */
	const char *key[HTTP_SCAN_MAX];
	const char *end[HTTP_SCAN_MAX]; /* of each value */
	int n_cl;			/* Content-Length headers */
	bool cl_differ;			/* two of them differ */
	const char *cl;			/* the first */
	size_t cl_len;
	const char *te;	 /* Transfer-Encoding */
	size_t idem_len; /* Idempotency-Key */
};

/* MHD_get_connection_values_n iterator filling a struct http_scan. */
static enum MHD_Result
http_scan_header(void *cls, enum MHD_ValueKind kind UNUSED, const char *key,
    size_t key_size, const char *value, size_t value_size)
{
	struct http_scan *sc = cls;

	if (key == NULL)
		return MHD_YES;
	if (strlen(key) != key_size ||
	    (value != NULL && strlen(value) != value_size))
		sc->nul = true;
	if (sc->n < HTTP_SCAN_MAX && value != NULL) {
		sc->key[sc->n] = key;
		sc->end[sc->n++] = value + value_size;
	}
	if (value == NULL)
		value = "";
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
		if (sc->n_cl++ == 0) {
			sc->cl = value;
			sc->cl_len = value_size;
		} else if (value_size != sc->cl_len ||
		    memcmp(value, sc->cl, value_size) != 0)
			sc->cl_differ = true;
	} else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
		sc->te = value;
	} else if (strcasecmp(key, "Idempotency-Key") == 0) {
		sc->idem_len = value_size;
	}
	return MHD_YES;
}

/*
 * Was a NUL byte inside a header line?  libmicrohttpd before 1.0 cuts a
 * value at the first NUL and gives no sign of it, but it parses the header
 * block in place: each line's CR LF (or bare LF) becomes NUL bytes and the
 * next name follows at once.  So anything but those one or two NULs
 * between the end of a value and the next name, or after the last value,
 * is a hidden remainder.  (A folded header line, obsolete in RFC 9112,
 * is refused the same way, which RFC 9112 5.2 allows.)
 */
static bool
http_scan_hidden(const struct http_scan *sc)
{
#if MHD_VERSION < 0x01000000
	bool crlf = false;
	size_t i;

	if (sc->n == HTTP_SCAN_MAX)
		return false; /* not all seen: do not guess */
	for (i = 0; i < sc->n; i++) {
		const char *e = sc->end[i];

		if (i + 1 < sc->n) {
			if (sc->key[i + 1] == e + 1)
				continue;
			if (sc->key[i + 1] == e + 2 && e[1] == '\0') {
				crlf = true;
				continue;
			}
			return true;
		}
		/* The last value: its line end, then the empty line. */
		if (e[1] != '\0' || (crlf && (e[2] != '\0' || e[3] != '\0')))
			return true;
	}
#else
	(void)sc;
#endif
	return false;
}

/* The connection's struct http_sock, or NULL. */
static struct http_sock *
http_sock_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci != NULL ? ci->socket_context : NULL;
}

/*
 * The edge checks of a request whose headers just arrived (see the top of
 * the file).  Returns API_OK, or the status with resp filled and *close
 * when the connection must not be reused.
 */
static enum api_status
http_edge(const struct http_listener *l, struct MHD_Connection *conn,
    const char *url, struct http_resp *resp, bool *close)
{
	struct http_sock *sk = http_sock_of(conn);
	struct http_scan sc;
	const char *s, *e;
	char *end;
	unsigned long long cl;

	*close = true;
	memset(&sc, 0, sizeof sc);
	MHD_get_connection_values_n(conn, MHD_HEADER_KIND, http_scan_header,
	    &sc);
	if (sc.nul || http_scan_hidden(&sc) || (sk != NULL && sk->bad_nul))
		return http_fail(resp, API_BAD_REQUEST,
		    "a NUL byte in a "
		    "header or in the path; remove it");
	if (sc.cl_differ)
		return http_fail(resp, API_BAD_REQUEST,
		    "conflicting "
		    "Content-Length headers; send one");
	if (sc.te != NULL && sc.n_cl > 0)
		return http_fail(resp, API_BAD_REQUEST,
		    "Transfer-Encoding "
		    "and Content-Length together; send one of them");
	if (sc.te != NULL && strcasecmp(sc.te, "chunked") != 0)
		return http_fail(resp, API_NOT_IMPLEMENTED,
		    "Transfer-Encoding "
		    "%.64s is not supported; send the body with "
		    "Content-Length or chunked",
		    sc.te);
	if (sc.cl != NULL) {
		errno = 0;
		cl = strtoull(sc.cl, &end, 10);
		if (sc.cl[0] < '0' || sc.cl[0] > '9' || *end != '\0' ||
		    errno != 0)
			return http_fail(resp, API_BAD_REQUEST,
			    "invalid "
			    "Content-Length %.32s",
			    sc.cl);
		if (cl > (unsigned long long)http_cfg->server_max_body_bytes)
			return http_fail(resp, API_TOO_LARGE,
			    "request body "
			    "larger than %lld bytes (server.max_body_bytes; "
			    "%llu declared)",
			    (long long)http_cfg->server_max_body_bytes, cl);
	}
	*close = false;
	for (s = url; *s != '\0'; s = e) {
		while (*s == '/')
			s++;
		e = s + strcspn(s, "/");
		if (e - s > HTTP_MAX_SEGMENT)
			return http_fail(resp, API_URI_TOO_LONG,
			    "a path "
			    "segment is longer than %d bytes",
			    HTTP_MAX_SEGMENT);
	}
	if (sc.idem_len >= 256)
		return http_fail(resp, API_BAD_REQUEST,
		    "Idempotency-Key is "
		    "%zu bytes; use at most 255 (a UUID is enough)",
		    sc.idem_len);
	if (http_task_path(url)) {
		if (l->kind == HTTP_KIND_API && http_cfg->server_tasks_port) {
			metrics_task_refused(METRICS_TASK_LISTENER);
			return http_fail(resp, API_NOT_FOUND,
			    "no route for "
			    "%s here; provisioners use server.tasks_port",
			    url);
		}
		if (http_cfg->tasks_token != NULL &&
		    !http_task_token_ok(conn)) {
			metrics_task_refused(METRICS_TASK_TOKEN);
			return http_fail(resp, API_UNAUTHORIZED,
			    "missing or "
			    "wrong provisioner token; send it in "
			    "X-Loom-ProvisionerKey or Authorization: Bearer");
		}
	} else if (l->kind == HTTP_KIND_TASKS) {
		return http_fail(resp, API_NOT_FOUND,
		    "no route for %s; this "
		    "listener serves only /v1/loom/tasks/",
		    url);
	}
	return API_OK;
}

/*
 * The MHD access handler: edge checks, accumulate the body, then dispatch
 * to the listener cls (borrowed, static).
 */
static enum MHD_Result
http_access(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version UNUSED, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct http_ctx *ctx = *con_cls;
	size_t max = (size_t)http_cfg->server_max_body_bytes;
	enum MHD_Result ret;

	if (ctx == NULL) {
		struct http_sock *sk = http_sock_of(conn);
		struct http_resp resp;
		enum api_status st;
		bool close;

		ctx = xcalloc(1, sizeof *ctx);
		__atomic_add_fetch(&http_inflight, 1, __ATOMIC_RELAXED);
		clock_gettime(CLOCK_MONOTONIC, &ctx->start);
		*con_cls = ctx;
		if (sk != NULL) {
			pthread_mutex_lock(&http_socks_lock);
			sk->in_request = true;
			pthread_mutex_unlock(&http_socks_lock);
		}
		memset(&resp, 0, sizeof resp);
		if ((st = http_edge(cls, conn, url, &resp, &close)) !=
		    API_OK) {
			unsigned long long id =
			    __atomic_add_fetch(&http_next_id, 1,
				__ATOMIC_RELAXED);

			log_set_request_id(id);
			ret = http_answer(conn, method, url, ctx, NULL, id, st,
			    &resp, close);
			log_set_request_id(0);
			return ret;
		}
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
			 * A chunked body past the limit (a declared one got
			 * 413 before it was read).  libmicrohttpd takes an
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
static void
http_completed(void *cls UNUSED, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct http_ctx *ctx = *con_cls;
	struct http_sock *sk = http_sock_of(conn);

	if (sk != NULL) {
		/* The next request's headers are due from now. */
		pthread_mutex_lock(&http_socks_lock);
		sk->in_request = false;
		sk->kept_alive = true;
		sk->bad_nul = false;
		clock_gettime(CLOCK_MONOTONIC, &sk->since);
		pthread_mutex_unlock(&http_socks_lock);
	}
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

/* Track connections from accept to close for the header sweeper. */
static void
http_notify_connection(void *cls UNUSED, struct MHD_Connection *conn,
    void **socket_context, enum MHD_ConnectionNotificationCode toe)
{
	const union MHD_ConnectionInfo *ci;
	struct http_sock *sk = *socket_context;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		sk = xcalloc(1, sizeof *sk);
		ci = MHD_get_connection_info(conn,
		    MHD_CONNECTION_INFO_CONNECTION_FD);
		sk->fd = ci != NULL ? ci->connect_fd : -1;
		clock_gettime(CLOCK_MONOTONIC, &sk->since);
		pthread_mutex_lock(&http_socks_lock);
		sk->next = http_socks;
		if (http_socks != NULL)
			http_socks->prev = sk;
		http_socks = sk;
		pthread_mutex_unlock(&http_socks_lock);
		*socket_context = sk;
		return;
	}
	if (sk == NULL)
		return;
	/* MHD closes the socket only after this returns. */
	pthread_mutex_lock(&http_socks_lock);
	if (sk->prev != NULL)
		sk->prev->next = sk->next;
	else
		http_socks = sk->next;
	if (sk->next != NULL)
		sk->next->prev = sk->prev;
	pthread_mutex_unlock(&http_socks_lock);
	free(sk);
	*socket_context = NULL;
}

/* URL unescaping that remembers a %00 (the request then gets 400). */
static size_t
http_unescape(void *cls UNUSED, struct MHD_Connection *conn, char *s)
{
	struct http_sock *sk;

	if (strstr(s, "%00") != NULL && (sk = http_sock_of(conn)) != NULL)
		sk->bad_nul = true;
	return MHD_http_unescape(s);
}

/*
 * The header sweeper: shut down every connection whose request headers
 * are overdue, however slowly they trickle (MHD's idle timeout restarts on
 * every byte): server.header_timeout_ms after the connection opened, or
 * that plus server.connection_timeout_s after the previous answer on a
 * keep-alive connection (an idle one is closed by MHD's idle timeout
 * before, so a proxy's pooled connections live as long as they did).  The
 * socket stays open until MHD sees the shutdown and closes the connection,
 * so no descriptor is reused under us.
 */
static void *
http_sweep(void *arg UNUSED)
{
	int64_t limit = http_cfg->server_header_timeout_ms;
	int64_t kept = limit + http_cfg->server_connection_timeout_s * 1000;
	int64_t step = limit / 4 < 200 ? limit / 4 : 200;
	struct timespec now, wake;
	struct http_sock *sk;

	pthread_mutex_lock(&http_socks_lock);
	while (!http_sweeper_stop) {
		clock_gettime(CLOCK_REALTIME, &wake);
		wake.tv_nsec += (long)(step % 1000) * 1000000L;
		wake.tv_sec += step / 1000 + wake.tv_nsec / 1000000000L;
		wake.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&http_sweep_cond, &http_socks_lock,
		    &wake);
		clock_gettime(CLOCK_MONOTONIC, &now);
		for (sk = http_socks; sk != NULL; sk = sk->next) {
			if (sk->in_request || sk->closing || sk->fd < 0)
				continue;
			if ((now.tv_sec - sk->since.tv_sec) * 1000 +
				(now.tv_nsec - sk->since.tv_nsec) / 1000000 <=
			    (sk->kept_alive ? kept : limit))
				continue;
			sk->closing = true;
			shutdown(sk->fd, SHUT_RDWR);
			metrics_header_timeout();
		}
	}
	pthread_mutex_unlock(&http_socks_lock);
	return NULL;
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
 * Listen on host:port (0 = any free port) and serve listener l (borrowed,
 * static) with threads worker threads (1: the polling thread itself) and
 * at most maxconn connections.  Returns the daemon and the bound port, or
 * NULL with err.
 */
static struct MHD_Daemon *
http_listen(const struct cfg *cfg, const char *host, int port,
    unsigned int threads, unsigned int maxconn, struct http_listener *l,
    int *bound, char err[LOOMD_ERR_LEN])
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
	if ((rc = getaddrinfo(host, portstr, &hints, &ai)) != 0) {
		snprintf(err, LOOMD_ERR_LEN, "address %s: %s", host,
		    gai_strerror(rc));
		return NULL;
	}
	memset(&ss, 0, sizeof ss);
	memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
		MHD_USE_ERROR_LOG | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME |
		(ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
	    (uint16_t)port, NULL, NULL, http_access, (void *)l,
	    MHD_OPTION_EXTERNAL_LOGGER, http_mhd_log, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned int)cfg->server_connection_timeout_s,
	    MHD_OPTION_NOTIFY_COMPLETED, http_completed, NULL,
	    MHD_OPTION_NOTIFY_CONNECTION, http_notify_connection, NULL,
	    MHD_OPTION_UNESCAPE_CALLBACK, http_unescape, NULL,
	    MHD_OPTION_CONNECTION_LIMIT, maxconn,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned int)cfg->server_max_connections_per_ip,
	    MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned int)1,
	    /* Last: one thread is no pool (MHD warns about a pool of 1). */
	    threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END,
	    threads, MHD_OPTION_END);
	if (d == NULL) {
		snprintf(err, LOOMD_ERR_LEN, "cannot listen on %s port %d",
		    host, port);
		return NULL;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	*bound = info != NULL ? info->port : port;
	return d;
}

/*
 * Raise the descriptor limit to its hard limit and warn when it is still
 * too low for the configured connections (accepts would then fail for
 * every listener, the health listener and the database included).
 */
static void
http_check_fds(const struct cfg *cfg)
{
	struct rlimit rl;
	long long need;

	need = cfg->server_max_connections + HTTP_HEALTH_MAX_CONNECTIONS +
	    (cfg->server_tasks_port != 0 ? cfg->server_max_connections : 0) +
	    2 * cfg->server_threads + 64;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < rl.rlim_max && (long long)rl.rlim_cur < need) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && (long long)rl.rlim_cur < need)
		log_warn("http: server.max_connections %lld needs about %lld "
			 "file descriptors but the limit is %llu; raise it "
			 "(LimitNOFILE= in loomd.service) or lower "
			 "server.max_connections",
		    (long long)cfg->server_max_connections, need,
		    (unsigned long long)rl.rlim_cur);
}

/* Stop every listener that runs. */
static void
http_stop_listeners(void)
{
	if (http_daemon != NULL)
		MHD_stop_daemon(http_daemon);
	http_daemon = NULL;
	if (http_tasks_daemon != NULL)
		MHD_stop_daemon(http_tasks_daemon);
	http_tasks_daemon = NULL;
	if (http_health_daemon != NULL)
		MHD_stop_daemon(http_health_daemon);
	http_health_daemon = NULL;
	if (http_sweeper_running) {
		pthread_mutex_lock(&http_socks_lock);
		http_sweeper_stop = true;
		pthread_cond_signal(&http_sweep_cond);
		pthread_mutex_unlock(&http_socks_lock);
		pthread_join(http_sweeper, NULL);
		http_sweeper_running = false;
	}
}

int
http_start(const struct cfg *cfg, const struct api_route *const *tables,
    const struct api_route *const *probe_tables, int port,
    const char *port_file, char err[LOOMD_ERR_LEN])
{
	const struct api_route *const *t;
	const struct api_route *rt;
	FILE *fp;
	int hport, tport;

	http_cfg = cfg;
	http_api_listener.tables = tables;
	http_tasks_listener.tables = tables;
	http_health_listener.tables = probe_tables;
	/* A route on both listeners is registered once. */
	for (t = tables; *t != NULL; t++)
		for (rt = *t; rt->method != NULL; rt++)
			metrics_route_add(rt, rt->method, rt->pattern);
	for (t = probe_tables; *t != NULL; t++)
		for (rt = *t; rt->method != NULL; rt++)
			metrics_route_add(rt, rt->method, rt->pattern);
	http_check_fds(cfg);
	if (port < 0)
		port = (int)cfg->server_port;
	http_sweeper_stop = false;
	if (pthread_create(&http_sweeper, NULL, http_sweep, NULL) != 0) {
		snprintf(err, LOOMD_ERR_LEN,
		    "cannot start the header sweeper "
		    "thread");
		return -1;
	}
	http_sweeper_running = true;
	if ((http_daemon = http_listen(cfg, cfg->server_host, port,
		 (unsigned int)cfg->server_threads,
		 (unsigned int)cfg->server_max_connections, &http_api_listener,
		 &http_bound_port, err)) == NULL)
		goto fail;
	/*
	 * The health listener has a thread of its own and serves only the
	 * cached probes, so /readyz answers even while every API thread
	 * waits on a stalled database.
	 */
	if (cfg->server_health_port > 0) {
		if ((http_health_daemon = http_listen(cfg, cfg->server_host,
			 (int)cfg->server_health_port, 1,
			 HTTP_HEALTH_MAX_CONNECTIONS, &http_health_listener,
			 &hport, err)) == NULL)
			goto fail;
		log_info("http: health listener on %s port %d",
		    cfg->server_host, hport);
	}
	/* The provisioner routes, on an address of their own. */
	if (cfg->server_tasks_port > 0) {
		if ((http_tasks_daemon = http_listen(cfg,
			 cfg->server_tasks_host, (int)cfg->server_tasks_port,
			 (unsigned int)(cfg->server_threads > 4 ?
				 4 :
				 cfg->server_threads),
			 (unsigned int)cfg->server_max_connections,
			 &http_tasks_listener, &tport, err)) == NULL)
			goto fail;
		log_info("http: provisioner listener on %s port %d%s",
		    cfg->server_tasks_host, tport,
		    cfg->tasks_token != NULL ? " (token required)" : "");
	} else if (cfg->tasks_token == NULL)
		log_info(
		    "http: /v1/loom/tasks/ is served on the API listener "
		    "without a token; set server.tasks_port to an internal "
		    "address or tasks.token_file");
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
fail:
	http_stop_listeners();
	return -1;
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
	http_stop_listeners();
}
