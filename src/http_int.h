/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http_int.h - what the three parts of the HTTP front end share and no
 * other module sees: http.c (dispatch and answers), http_edge.c (the edge
 * checks of a request head) and http_listen.c (the listeners, connection
 * limits and the header sweeper).
 */
#ifndef LOOMD_HTTP_INT_H
#define LOOMD_HTTP_INT_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "http.h"

struct cfg;

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

/*
 * Per-connection state (MHD socket context), from accept to close, in a
 * list the header sweeper walks.  prev, next, since and in_request are
 * guarded by http_listen.c's lock; bad_nul is the connection thread's own.
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

/* The configuration http_start() was given (borrowed, read-only). */
extern const struct cfg *http_cfg;

/*
 * http.c: libmicrohttpd's access handler, serving the listener cls
 * (borrowed, static), and its request-completed callback, which frees the
 * request state (*con_cls).
 */
enum MHD_Result http_access(void *cls, struct MHD_Connection *conn,
    const char *url, const char *method, const char *version,
    const char *upload_data, size_t *upload_data_size, void **con_cls);
void http_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe);

/*
 * http_edge.c: the edge checks of a request whose headers just arrived on
 * listener l (borrowed).  Returns API_OK, or the status with resp filled
 * and *close when the connection must not be reused.  API_OK with *drain
 * (the declared length, else 0): read and discard the body, then answer
 * http_edge_too_large(resp, *drain).
 */
enum api_status http_edge_check(const struct http_listener *l,
    struct MHD_Connection *conn, const char *url, struct http_resp *resp,
    bool *close, unsigned long long *drain);
/* Fill resp with the 413 of a body over server.max_body_bytes, naming the
 * declared length unless it is 0 (chunked). */
enum api_status http_edge_too_large(struct http_resp *resp,
    unsigned long long declared);
/* libmicrohttpd's unescape callback; remembers a %00 in the connection. */
size_t http_edge_unescape(void *cls, struct MHD_Connection *conn, char *s);

/*
 * http_listen.c: start the header sweeper and the listeners of cfg
 * (borrowed, as are tables and probe_tables, for the lifetime of the
 * server): the API listener on port, whose bound port goes to *bound, and
 * the health and provisioner listeners when configured.  Returns 0, or -1
 * with err and nothing left running.
 */
int http_listen_start(const struct cfg *cfg,
    const struct api_route *const *tables,
    const struct api_route *const *probe_tables, int port, int *bound,
    char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;
/* Stop accepting on the API listener; false when none runs. */
bool http_listen_quiesce(void);
/* Stop every listener that runs, and the header sweeper. */
void http_listen_stop(void);
/* The connection's struct http_sock (owned by http_listen.c), or NULL. */
struct http_sock *http_listen_sock_of(struct MHD_Connection *conn);
/* The connection's request headers are complete: the sweeper spares it. */
void http_listen_sock_request(struct MHD_Connection *conn);
/* The connection's request is done: the next headers are due from now. */
void http_listen_sock_done(struct MHD_Connection *conn);

#endif /* LOOMD_HTTP_INT_H */
