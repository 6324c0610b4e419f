/* SPDX-License-Identifier: Apache-2.0 */
/*
 * entity_store.h - SQL for the admin catalogue (table entities) and the
 * users table.  Every function runs inside the caller's db_tx_run() or
 * db_read_run() body on the given connection; the *_tx ones need an open
 * transaction.
 */
#ifndef LOOMD_ENTITY_STORE_H
#define LOOMD_ENTITY_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "common.h"
#include "db.h"

/*
 * The canonical JSON text of entity kind/name into *doc (caller frees with
 * free()), or DB_ABORT with *doc NULL if there is none.
 */
enum db_status entity_store_get(struct db_conn *c, const char *kind,
    const char *name, char **doc);

/*
 * Every entity of kind, in name order, as a JSON array text "[...]" in
 * *out (caller frees with free()).
 */
enum db_status entity_store_list(struct db_conn *c, const char *kind,
    char **out);

/* Insert a new entity; DB_CONFLICT if kind/name exists. */
enum db_status entity_store_insert_tx(struct db_conn *c, const char *kind,
    const char *name, const char *doc);
/* Insert or replace (create-or-replace of PUT). */
enum db_status entity_store_upsert_tx(struct db_conn *c, const char *kind,
    const char *name, const char *doc);
/* Delete; *found says whether a row was there. */
enum db_status entity_store_delete_tx(struct db_conn *c, const char *kind,
    const char *name, bool *found);
/* Delete every entity of every kind (import). */
enum db_status entity_store_clear_tx(struct db_conn *c);

/* The key hash and admin flag of user name; DB_ABORT if no such user.
 * *hash is caller-freed. */
enum db_status entity_store_user_get(struct db_conn *c, const char *name,
    char **hash, bool *is_admin);
/* Create or replace a user's key hash. */
enum db_status entity_store_user_put_tx(struct db_conn *c, const char *name,
    const char *hash, bool is_admin);
/* Delete a user; *found says whether it existed. */
enum db_status entity_store_user_delete_tx(struct db_conn *c, const char *name,
    bool *found);

#endif /* LOOMD_ENTITY_STORE_H */
