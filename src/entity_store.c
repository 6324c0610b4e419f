/* SPDX-License-Identifier: Apache-2.0 */
/*
 * entity_store.c - the SQL of the admin catalogue and users (see
 * entity_store.h).  Documents are stored as the canonical JSON text the
 * codec produced, so GET returns exactly what was validated.
 */
#include "config.h"

#include "entity_store.h"

#include <stdlib.h>
#include <string.h>

enum db_status
entity_store_get(struct db_conn *c, const char *kind, const char *name,
    char **doc)
{
	struct db_rows *r;
	enum db_status st;

	*doc = NULL;
	if ((st = db_query(c,
		 "SELECT doc FROM entities WHERE kind = ? AND "
		 "name = ?",
		 &r, "ss", kind, name)) != DB_OK)
		return st;
	if (r->nrows == 1)
		*doc = xstrdup(db_rows_get(r, 0, 0));
	db_rows_free(r);
	return *doc != NULL ? DB_OK : DB_ABORT;
}

enum db_status
entity_store_list(struct db_conn *c, const char *kind, char **out)
{
	struct db_rows *r;
	enum db_status st;
	size_t i, len = 2, n;
	char *p;

	*out = NULL;
	if ((st = db_query(c,
		 "SELECT doc FROM entities WHERE kind = ? "
		 "ORDER BY name",
		 &r, "s", kind)) != DB_OK)
		return st;
	for (i = 0; i < r->nrows; i++)
		len += r->lens[i] + 1;
	p = *out = xmalloc(len + 1);
	*p++ = '[';
	for (i = 0; i < r->nrows; i++) {
		if (i > 0)
			*p++ = ',';
		n = r->lens[i];
		memcpy(p, db_rows_get(r, i, 0), n);
		p += n;
	}
	*p++ = ']';
	*p = '\0';
	db_rows_free(r);
	return DB_OK;
}

enum db_status
entity_store_insert_tx(struct db_conn *c, const char *kind, const char *name,
    const char *doc)
{
	return db_exec(c,
	    "INSERT INTO entities (kind, name, doc) VALUES "
	    "(?, ?, ?)",
	    NULL, "sss", kind, name, doc);
}

enum db_status
entity_store_upsert_tx(struct db_conn *c, const char *kind, const char *name,
    const char *doc)
{
	return db_exec(c,
	    "INSERT INTO entities (kind, name, doc) VALUES "
	    "(?, ?, ?) ON DUPLICATE KEY UPDATE doc = VALUES(doc), "
	    "version = version + 1, updated_at = CURRENT_TIMESTAMP(3)",
	    NULL, "sss", kind, name, doc);
}

enum db_status
entity_store_delete_tx(struct db_conn *c, const char *kind, const char *name,
    bool *found)
{
	enum db_status st;
	uint64_t n = 0;

	st = db_exec(c, "DELETE FROM entities WHERE kind = ? AND name = ?", &n,
	    "ss", kind, name);
	*found = n > 0;
	return st;
}

enum db_status
entity_store_clear_tx(struct db_conn *c)
{
	return db_exec(c, "DELETE FROM entities", NULL, "");
}

enum db_status
entity_store_user_get(struct db_conn *c, const char *name, char **hash,
    bool *is_admin)
{
	struct db_rows *r;
	enum db_status st;

	*hash = NULL;
	if ((st = db_query(c,
		 "SELECT key_hash, is_admin FROM users WHERE "
		 "name = ?",
		 &r, "s", name)) != DB_OK)
		return st;
	if (r->nrows == 1) {
		*hash = xstrdup(db_rows_get(r, 0, 0));
		*is_admin = db_rows_int(r, 0, 1) != 0;
	}
	db_rows_free(r);
	return *hash != NULL ? DB_OK : DB_ABORT;
}

enum db_status
entity_store_user_put_tx(struct db_conn *c, const char *name, const char *hash,
    bool is_admin)
{
	return db_exec(c,
	    "INSERT INTO users (name, key_hash, is_admin) VALUES "
	    "(?, ?, ?) ON DUPLICATE KEY UPDATE key_hash = VALUES(key_hash), "
	    "is_admin = VALUES(is_admin)",
	    NULL, "ssi", name, hash, (int64_t)is_admin);
}

enum db_status
entity_store_user_delete_tx(struct db_conn *c, const char *name, bool *found)
{
	enum db_status st;
	uint64_t n = 0;

	st = db_exec(c, "DELETE FROM users WHERE name = ?", &n, "s", name);
	*found = n > 0;
	return st;
}
