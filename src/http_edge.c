/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http_edge.c - the edge checks a request passes when its headers have
 * arrived, before any of its body is read and before a handler runs: no
 * NUL in a header or the decoded path, one Content-Length and never one
 * with a Transfer-Encoding (else 400 and the connection is closed, RFC
 * 9112 6.3), only the chunked coding (else 501), a declared body within
 * server.max_body_bytes (else 413 before any of it is read, instead of
 * 100 Continue; a body already on its way and at most twice the limit is
 * read and discarded first), no path segment over HTTP_EDGE_MAX_SEGMENT
 * bytes (414), an Idempotency-Key under 256 bytes, and the provisioner
 * routes only where they are served (server.tasks_port) and with the token
 * when there is one.
 */
#include "config.h"

#include "http.h"
#include "http_int.h"

#include <errno.h>
#include <microhttpd.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg.h"
#include "metrics.h"

/* Longest path segment; no name or id comes near it. */
#define HTTP_EDGE_MAX_SEGMENT 2048

#define HTTP_EDGE_SCAN_MAX 128

/* What the header scan of one request found. */
struct http_edge_scan {
	bool nul; /* a NUL in a name or value */
	size_t n; /* headers seen, in order */
	const char *key[HTTP_EDGE_SCAN_MAX];
	const char *end[HTTP_EDGE_SCAN_MAX]; /* of each value */
	int n_cl;			     /* Content-Length headers */
	bool cl_differ;			     /* two of them differ */
	const char *cl;			     /* the first */
	size_t cl_len;
	const char *te;	 /* Transfer-Encoding */
	size_t idem_len; /* Idempotency-Key */
	bool expect;	 /* Expect: 100-continue */
};

/* MHD_get_connection_values_n iterator filling a struct http_edge_scan. */
static enum MHD_Result
http_edge_scan_header(void *cls, enum MHD_ValueKind kind UNUSED,
    const char *key, size_t key_size, const char *value, size_t value_size)
{
	struct http_edge_scan *sc = cls;

	if (key == NULL)
		return MHD_YES;
	if (strlen(key) != key_size ||
	    (value != NULL && strlen(value) != value_size))
		sc->nul = true;
	if (sc->n < HTTP_EDGE_SCAN_MAX && value != NULL) {
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
	} else if (strcasecmp(key, MHD_HTTP_HEADER_EXPECT) == 0) {
		sc->expect = strcasecmp(value, "100-continue") == 0;
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
http_edge_scan_hidden(const struct http_edge_scan *sc)
{
#if MHD_VERSION < 0x01000000
	bool crlf = false;
	size_t i;

	if (sc->n == HTTP_EDGE_SCAN_MAX)
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

/* Is url under /v1/loom/tasks (however its slashes are repeated)? */
static bool
http_edge_task_path(const char *url)
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
http_edge_token_ok(struct MHD_Connection *conn)
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

enum api_status
http_edge_too_large(struct http_resp *resp, unsigned long long declared)
{
	if (declared == 0)
		return http_fail(resp, API_TOO_LARGE,
		    "request body larger "
		    "than %lld bytes (server.max_body_bytes)",
		    (long long)http_cfg->server_max_body_bytes);
	return http_fail(resp, API_TOO_LARGE,
	    "request body larger than "
	    "%lld bytes (server.max_body_bytes; %llu declared)",
	    (long long)http_cfg->server_max_body_bytes, declared);
}

/*
 * The edge checks of a request whose headers just arrived (see the top of
 * the file).  Returns API_OK, or the status with resp filled and *close
 * when the connection must not be reused.  API_OK with *drain (its
 * declared length, else 0): the declared body is over the limit by at most
 * as much again and its client is already sending it (no Expect:
 * 100-continue); read and discard it, then answer 413, so that the client
 * reads the answer instead of a reset of a connection closed under its
 * upload.
 */
enum api_status
http_edge_check(const struct http_listener *l, struct MHD_Connection *conn,
    const char *url, struct http_resp *resp, bool *close,
    unsigned long long *drain)
{
	struct http_sock *sk = http_listen_sock_of(conn);
	struct http_edge_scan sc;
	const char *s, *e;
	char *end;
	unsigned long long cl, max;

	*close = true;
	*drain = 0;
	memset(&sc, 0, sizeof sc);
	MHD_get_connection_values_n(conn, MHD_HEADER_KIND,
	    http_edge_scan_header, &sc);
	if (sc.nul || http_edge_scan_hidden(&sc) ||
	    (sk != NULL && sk->bad_nul))
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
		max = (unsigned long long)http_cfg->server_max_body_bytes;
		if (cl > max && cl <= 2 * max && !sc.expect)
			*drain = cl;
		else if (cl > max)
			return http_edge_too_large(resp, cl);
	}
	*close = false;
	for (s = url; *s != '\0'; s = e) {
		while (*s == '/')
			s++;
		e = s + strcspn(s, "/");
		if (e - s > HTTP_EDGE_MAX_SEGMENT)
			return http_fail(resp, API_URI_TOO_LONG,
			    "a path "
			    "segment is longer than %d bytes",
			    HTTP_EDGE_MAX_SEGMENT);
	}
	if (sc.idem_len >= 256)
		return http_fail(resp, API_BAD_REQUEST,
		    "Idempotency-Key is "
		    "%zu bytes; use at most 255 (a UUID is enough)",
		    sc.idem_len);
	if (http_edge_task_path(url)) {
		if (l->kind == HTTP_KIND_API && http_cfg->server_tasks_port) {
			metrics_task_refused(METRICS_TASK_LISTENER);
			return http_fail(resp, API_NOT_FOUND,
			    "no route for "
			    "%s here; provisioners use server.tasks_port",
			    url);
		}
		if (http_cfg->tasks_token != NULL &&
		    !http_edge_token_ok(conn)) {
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

/* URL unescaping that remembers a %00 (the request then gets 400). */
size_t
http_edge_unescape(void *cls UNUSED, struct MHD_Connection *conn, char *s)
{
	struct http_sock *sk;

	if (strstr(s, "%00") != NULL &&
	    (sk = http_listen_sock_of(conn)) != NULL)
		sk->bad_nul = true;
	return MHD_http_unescape(s);
}
