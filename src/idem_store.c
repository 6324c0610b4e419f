/* SPDX-License-Identifier: Apache-2.0 */
/*
 * idem_store.c - the idempotency table (see idem_store.h).
 */
#include "config.h"

#include "idem_store.h"

#include <stdlib.h>
#include <string.h>

enum db_status
idem_store_check_tx(struct db_conn *c, const char *user,
    const struct idem_store_key *idem, struct domain_out *out, bool *done)
{
	struct db_rows *r;
	enum db_status st;

	*done = false;
	if (idem == NULL || idem->key == NULL)
		return DB_OK;
	if ((st = db_query(c,
		 "SELECT request_hash, status_code, body FROM "
		 "idempotency WHERE user_id = ? AND idem_key = ? FOR UPDATE",
		 &r, "ss", user, idem->key)) != DB_OK)
		return st;
	if (r->nrows == 1) {
		if (strcmp(db_rows_get(r, 0, 0), idem->hash) != 0) {
			db_rows_free(r);
			domain_fail(out, DOMAIN_KEY_REUSED,
			    "Idempotency-Key "
			    "%s was used for a different request",
			    idem->key);
			return DB_ABORT;
		}
		/* Only successful answers are stored. */
		out->res = DOMAIN_OK;
		free(out->body);
		out->body = xstrdup(db_rows_get(r, 0, 2));
		*done = true;
	}
	db_rows_free(r);
	return DB_OK;
}

enum db_status
idem_store_save_tx(struct db_conn *c, const char *user,
    const struct idem_store_key *idem, const struct domain_out *out)
{
	if (idem == NULL || idem->key == NULL)
		return DB_OK;
	return db_exec(c,
	    "INSERT INTO idempotency (user_id, idem_key, "
	    "request_hash, status_code, body) VALUES (?, ?, ?, ?, ?)",
	    NULL, "sssis", user, idem->key, idem->hash, idem->code,
	    out->body != NULL ? out->body : "");
}
