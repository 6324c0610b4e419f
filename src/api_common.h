/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api_common.h - glue shared by the api_*.c handler modules: the checks
 * several route families make before they do any work.  Only what more
 * than one handler module needs belongs here.
 */
#ifndef LOOMD_API_COMMON_H
#define LOOMD_API_COMMON_H

#include <stdbool.h>
#include <stdint.h>

#include "cluster_store.h"
#include "domain.h"
#include "http.h"
#include "idem_store.h"

/*
 * Refuse a write at once when the local database node cannot take it
 * (health_writable() is false): API_UNAVAILABLE with "not accepting
 * writes: <reason>" in resp, else API_OK.
 */
enum api_status api_common_writable(struct http_resp *resp);

/*
 * Answer with the outcome of a domain operation: the one place where a
 * domain result becomes an api_status.  out->body moves to resp (on
 * DOMAIN_OK); the message of a failure becomes the error body.
 */
enum api_status api_common_outcome(struct http_resp *resp,
    struct domain_out *out);

/*
 * Fill idem from req's Idempotency-Key (borrowed from req; NULL when it
 * has none) and the hash of its method, path and body, written into hex
 * (caller's buffer, which idem->hash then borrows).
 */
void api_common_idem(struct http_req *req, struct idem_store_key *idem,
    char hex[65]);

/*
 * Authenticate (auth_user) and fill u: u->id is borrowed from req,
 * u->sees_all is true for an admin and the system user.
 */
enum api_status api_common_cluster_user(struct http_req *req,
    struct http_resp *resp, struct cluster_store_user *u);

/* Parse the cluster id of the path (req->params[0]) into id, or 400. */
enum api_status api_common_cluster_id(struct http_req *req,
    struct http_resp *resp, int64_t *id);

/* The route arg of api_common_cluster_read(): the read it makes. */
struct api_common_read_desc {
	void (*fn)(const struct cluster_store_user *u, int64_t id,
	    struct domain_out *out);
};

/*
 * The handler of a read of one cluster; req->route_arg is its
 * struct api_common_read_desc.  User, cluster id, then fn, answered
 * through api_common_outcome().
 */
enum api_status api_common_cluster_read(struct http_req *req,
    struct http_resp *resp);

/* What a cluster write hands its store call (filled by the runner). */
struct api_common_write {
	struct cluster_store_user user;
	int64_t id; /* the path's cluster id when by_id, else 0 */
	struct idem_store_key idem; /* borrows req and hex */
	char hex[65];
	const struct http_req *req; /* the request, borrowed */
	const void *ctx;	    /* the desc's ctx, borrowed */
};

/*
 * One kind of cluster write, the route arg of api_common_cluster_write().
 * Its state is a zeroed block of state_size bytes (none for 0) that
 * lives for one request: parse (optional) reads the request into it, or
 * fails with the status it set in resp; store calls the domain and fills
 * out; done (optional) frees what parse left in the state.  ctx is fixed
 * data that store finds in w->ctx (what differs between routes that
 * share the functions).
 */
struct api_common_write_desc {
	bool by_id; /* the path's first parameter is the cluster id */
	bool kick;  /* kick the scheduler after the store */
	size_t state_size;
	const void *ctx;
	enum api_status (
	    *parse)(struct http_req *req, struct http_resp *resp, void *state);
	void (*store)(const struct api_common_write *w, void *state,
	    struct domain_out *out);
	void (*done)(void *state);
};

/*
 * The descriptor of a write by cluster id that reads no body and kicks
 * the scheduler: store is called with ctx in w->ctx.
 */
#define API_COMMON_WRITE_BY_ID(store_fn, ctx_ptr) \
	{ \
		.by_id = true, .kick = true, .ctx = (ctx_ptr), \
		.store = (store_fn) \
	}

/*
 * The handler of a cluster write; req->route_arg is its
 * struct api_common_write_desc d.  The one sequence of a cluster write:
 * the user, the cluster id (by_id), the write gate, d->parse, the
 * Idempotency-Key, d->store, the scheduler kick (d->kick) and
 * api_common_outcome(); d->done runs before it returns, whatever the
 * result, and the state is freed.
 */
enum api_status api_common_cluster_write(struct http_req *req,
    struct http_resp *resp);

#endif /* LOOMD_API_COMMON_H */
