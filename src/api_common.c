/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api_common.c - glue shared by the api_*.c handler modules (see
 * api_common.h).  Kept free of any one resource's rules, so the admin
 * catalogue and the cluster routes answer the same way; the cluster
 * handlers share their user, id, read and write sequences here.
 */
#include "config.h"

#include "api_common.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "health.h"
#include "scheduler.h"

enum api_status
api_common_writable(struct http_resp *resp)
{
	char why[LOOMD_ERR_LEN];

	if (!health_writable(why))
		return http_fail(resp, API_UNAVAILABLE,
		    "not accepting writes: "
		    "%s",
		    why);
	return API_OK;
}

enum api_status
api_common_outcome(struct http_resp *resp, struct domain_out *out)
{
	enum api_status as;

	switch (out->res) {
	case DOMAIN_OK:
		resp->body = out->body;
		out->body = NULL;
		return API_OK;
	case DOMAIN_EMPTY:
		as = API_NO_CONTENT;
		break;
	case DOMAIN_INVALID:
		as = API_BAD_REQUEST;
		break;
	case DOMAIN_NOT_FOUND:
		as = API_NOT_FOUND;
		break;
	case DOMAIN_CONFLICT:
		as = API_CONFLICT;
		break;
	case DOMAIN_PRECONDITION:
		as = API_EXPECTATION_FAILED;
		break;
	case DOMAIN_KEY_REUSED:
		as = API_UNPROCESSABLE;
		break;
	case DOMAIN_UNAVAILABLE:
		as = API_UNAVAILABLE;
		break;
	default:
		as = API_INTERNAL;
		break;
	}
	free(out->body);
	out->body = NULL;
	if (as == API_NO_CONTENT)
		return as;
	return http_fail(resp, as, "%s", out->msg);
}

void
api_common_idem(struct http_req *req, struct idem_store_key *idem,
    char hex[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;

	idem->key = http_header(req, "Idempotency-Key");
	idem->hash = hex;
	idem->code = 200; /* the status of every stored answer */
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)req->method,
	    strlen(req->method) + 1);
	crypto_hash_sha256_update(&st, (const unsigned char *)req->path,
	    strlen(req->path) + 1);
	crypto_hash_sha256_update(&st, (const unsigned char *)req->body,
	    req->body_len);
	crypto_hash_sha256_final(&st, h);
	sodium_bin2hex(hex, 65, h, sizeof h);
}

enum api_status
api_common_cluster_user(struct http_req *req, struct http_resp *resp,
    struct cluster_store_user *u)
{
	enum api_status st;
	bool is_admin;

	if ((st = auth_user(req, resp, &u->id, &is_admin)) != API_OK)
		return st;
	u->sees_all = is_admin || strcmp(u->id, AUTH_SYSTEM_USER) == 0;
	return API_OK;
}

enum api_status
api_common_cluster_id(struct http_req *req, struct http_resp *resp,
    int64_t *id)
{
	if (domain_parse_cluster_id(req->params[0], id) != 0)
		return http_fail(resp, API_BAD_REQUEST,
		    "invalid cluster id "
		    "%s",
		    req->params[0]);
	return API_OK;
}

enum api_status
api_common_cluster_read(struct http_req *req, struct http_resp *resp)
{
	const struct api_common_read_desc *d = req->route_arg;
	struct domain_out out = { DOMAIN_OK, "", NULL };
	struct cluster_store_user u;
	enum api_status as;
	int64_t id;

	if ((as = api_common_cluster_user(req, resp, &u)) != API_OK ||
	    (as = api_common_cluster_id(req, resp, &id)) != API_OK)
		return as;
	d->fn(&u, id, &out);
	return api_common_outcome(resp, &out);
}

enum api_status
api_common_cluster_write(struct http_req *req, struct http_resp *resp)
{
	const struct api_common_write_desc *d = req->route_arg;
	struct domain_out out = { DOMAIN_OK, "", NULL };
	struct api_common_write w = { .req = req, .ctx = d->ctx };
	void *state = d->state_size > 0 ? xcalloc(1, d->state_size) : NULL;
	enum api_status as;

	if ((as = api_common_cluster_user(req, resp, &w.user)) != API_OK ||
	    (d->by_id &&
		(as = api_common_cluster_id(req, resp, &w.id)) != API_OK) ||
	    (as = api_common_writable(resp)) != API_OK ||
	    (d->parse != NULL && (as = d->parse(req, resp, state)) != API_OK))
		goto out;
	api_common_idem(req, &w.idem, w.hex);
	d->store(&w, state, &out);
	if (d->kick)
		scheduler_kick();
	as = api_common_outcome(resp, &out);
out:
	if (d->done != NULL)
		d->done(state);
	free(state);
	return as;
}
