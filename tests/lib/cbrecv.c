/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cbrecv.c - the tests' job-callback receiver: libmicrohttpd with a thread
 * per connection, every request recorded under one lock.
 */
#include "config.h"

#include "cbrecv.h"

#include <criterion/criterion.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct MHD_Daemon *cbrecv_daemon;
static pthread_mutex_t cbrecv_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct cbrecv_call *cbrecv_calls; /* owned, cbrecv_n of cbrecv_cap */
static int cbrecv_n, cbrecv_cap;
static int cbrecv_released; /* /hold answers 200 once set */

/* A request body being read (owned by its connection). */
struct cbrecv_upload {
	char *buf;
	size_t len;
};

/* A request header's value, "" when absent. */
static const char *
cbrecv_header(struct MHD_Connection *conn, const char *name)
{
	const char *v =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);

	return v != NULL ? v : "";
}

/* Record one call (the lock held); the body is copied. */
static void
cbrecv_record(struct MHD_Connection *conn, const char *url, const char *body,
    int code)
{
	struct cbrecv_call *c;

	if (cbrecv_n == cbrecv_cap) {
		cbrecv_cap = cbrecv_cap > 0 ? 2 * cbrecv_cap : 64;
		cbrecv_calls = realloc(cbrecv_calls,
		    (size_t)cbrecv_cap * sizeof *cbrecv_calls);
		if (cbrecv_calls == NULL)
			abort();
	}
	c = &cbrecv_calls[cbrecv_n++];
	snprintf(c->path, sizeof c->path, "%s", url);
	snprintf(c->id, sizeof c->id, "%s",
	    cbrecv_header(conn, "X-Loom-Callback-Id"));
	snprintf(c->event, sizeof c->event, "%s",
	    cbrecv_header(conn, "X-Loom-Callback-Event"));
	snprintf(c->attempt, sizeof c->attempt, "%s",
	    cbrecv_header(conn, "X-Loom-Callback-Attempt"));
	snprintf(c->ctype, sizeof c->ctype, "%s",
	    cbrecv_header(conn, "Content-Type"));
	c->body = strdup(body != NULL ? body : "");
	c->answered = code;
}

static enum MHD_Result
cbrecv_handler(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *data, size_t *size,
    void **con_cls)
{
	struct cbrecv_upload *u = *con_cls;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	int code = 200;

	(void)cls;
	(void)method;
	(void)version;
	if (u == NULL) {
		*con_cls = calloc(1, sizeof *u);
		return *con_cls != NULL ? MHD_YES : MHD_NO;
	}
	if (*size > 0) {
		u->buf = realloc(u->buf, u->len + *size + 1);
		if (u->buf == NULL)
			return MHD_NO;
		memcpy(u->buf + u->len, data, *size);
		u->len += *size;
		u->buf[u->len] = '\0';
		*size = 0;
		return MHD_YES;
	}
	if (strcmp(url, "/flaky") == 0 &&
	    cbrecv_count(url, cbrecv_header(conn, "X-Loom-Callback-Id")) < 2)
		code = 500;
	pthread_mutex_lock(&cbrecv_mtx);
	if (strcmp(url, "/hold") == 0 && !cbrecv_released)
		code = 503;
	cbrecv_record(conn, url, u->buf, code);
	pthread_mutex_unlock(&cbrecv_mtx);
	resp = MHD_create_response_from_buffer(2, (void *)"ok",
	    MHD_RESPMEM_PERSISTENT);
	ret = MHD_queue_response(conn, (unsigned)code, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Free a request's upload buffer. */
static void
cbrecv_done(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct cbrecv_upload *u = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (u != NULL) {
		free(u->buf);
		free(u);
		*con_cls = NULL;
	}
}

int
cbrecv_start(void)
{
	const union MHD_DaemonInfo *info;

	cbrecv_reset();
	cbrecv_daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
		MHD_USE_THREAD_PER_CONNECTION,
	    0, NULL, NULL, cbrecv_handler, NULL, MHD_OPTION_NOTIFY_COMPLETED,
	    cbrecv_done, NULL, MHD_OPTION_END);
	cr_assert_not_null(cbrecv_daemon, "cannot start the receiver");
	info = MHD_get_daemon_info(cbrecv_daemon, MHD_DAEMON_INFO_BIND_PORT);
	return info->port;
}

void
cbrecv_stop(void)
{
	if (cbrecv_daemon != NULL)
		MHD_stop_daemon(cbrecv_daemon);
	cbrecv_daemon = NULL;
	cbrecv_reset();
}

void
cbrecv_release(void)
{
	pthread_mutex_lock(&cbrecv_mtx);
	cbrecv_released = 1;
	pthread_mutex_unlock(&cbrecv_mtx);
}

void
cbrecv_reset(void)
{
	int i;

	pthread_mutex_lock(&cbrecv_mtx);
	for (i = 0; i < cbrecv_n; i++)
		free(cbrecv_calls[i].body);
	cbrecv_n = 0;
	cbrecv_released = 0;
	pthread_mutex_unlock(&cbrecv_mtx);
}

int
cbrecv_count(const char *path, const char *id)
{
	int i, n = 0;

	pthread_mutex_lock(&cbrecv_mtx);
	for (i = 0; i < cbrecv_n; i++)
		if ((path == NULL ||
			strcmp(cbrecv_calls[i].path, path) == 0) &&
		    (id == NULL || strcmp(cbrecv_calls[i].id, id) == 0))
			n++;
	pthread_mutex_unlock(&cbrecv_mtx);
	return n;
}

int
cbrecv_ok(const char *suffix, char *id, size_t n)
{
	size_t ls = strlen(suffix), l;
	int i, ok = 0;

	pthread_mutex_lock(&cbrecv_mtx);
	for (i = 0; i < cbrecv_n; i++) {
		l = strlen(cbrecv_calls[i].id);
		if (l < ls || strcmp(cbrecv_calls[i].id + l - ls, suffix) != 0)
			continue;
		if (cbrecv_calls[i].answered / 100 == 2)
			ok++;
		snprintf(id, n, "%s", cbrecv_calls[i].id);
	}
	pthread_mutex_unlock(&cbrecv_mtx);
	return ok;
}

const struct cbrecv_call *
cbrecv_lock(int *n)
{
	pthread_mutex_lock(&cbrecv_mtx);
	if (n != NULL)
		*n = cbrecv_n;
	return cbrecv_calls;
}

void
cbrecv_unlock(void)
{
	pthread_mutex_unlock(&cbrecv_mtx);
}
