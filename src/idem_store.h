/* SPDX-License-Identifier: Apache-2.0 */
/*
 * idem_store.h - idempotent writes: a write that carries an
 * Idempotency-Key is answered once; a retry with the same key and request
 * gets the stored answer, the same key with another request is refused.
 * Both calls run inside the caller's write transaction (db_tx_run()).
 */
#ifndef LOOMD_IDEM_STORE_H
#define LOOMD_IDEM_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "db.h"
#include "domain.h"

/* The idempotency of one write (all borrowed). */
struct idem_store_key {
	const char *key;  /* NULL: the write has none */
	const char *hash; /* request hash, 64 hex characters */
	int64_t code;	  /* status stored with answer */
};

/*
 * Look the key of user up: DB_OK with *done set when this request was
 * already answered (out then holds DOMAIN_OK and the stored body),
 * DB_ABORT with DOMAIN_KEY_REUSED when the key was used for another
 * request, DB_OK with *done clear otherwise.
 */
enum db_status idem_store_check_tx(struct db_conn *c, const char *user,
    const struct idem_store_key *idem, struct domain_out *out, bool *done);
/* Remember out's body as the answer of a successful write (no key: no-op). */
enum db_status idem_store_save_tx(struct db_conn *c, const char *user,
    const struct idem_store_key *idem, const struct domain_out *out);

#endif /* LOOMD_IDEM_STORE_H */
