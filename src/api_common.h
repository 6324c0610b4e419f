/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api_common.h - glue shared by the api_*.c handler modules: the checks
 * several route families make before they do any work.  Only what more
 * than one handler module needs belongs here.
 */
#ifndef LOOMD_API_COMMON_H
#define LOOMD_API_COMMON_H

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

#endif /* LOOMD_API_COMMON_H */
