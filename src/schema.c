/* SPDX-License-Identifier: Apache-2.0 */
/*
 * schema.c - apply the embedded migrations once across every loomd sharing
 * the database.  A migration is claimed by inserting its schema_version row
 * (a unique key, so two servers racing on two Galera nodes resolve to one
 * winner by certification); the winner runs its statements (DDL replicates
 * in total order) and marks the row done; the others poll until it is done
 * and verify its checksum.  A claim left 'applying' by a crashed server is
 * taken over after SCHEMA_STALE_S seconds; statements are idempotent.
 */
#include "config.h"

#include "schema.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"

#define SCHEMA_WAIT_S 300  /* how long to wait for another applier */
#define SCHEMA_STALE_S 120 /* an 'applying' claim older than this is dead */
#define SCHEMA_DDL_TRIES 5 /* runs of one statement that lost a deadlock */

void
schema_checksum(const char *s, char out[17])
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

unsigned int
schema_latest(void)
{
	if (schema_migrations_count == 0)
		return 0;
	return schema_migrations[schema_migrations_count - 1].version;
}

int
schema_create_database(struct db_conn *admin, const char *name,
    char err[LOOMD_ERR_LEN])
{
	enum db_status st;
	char *sql;

	/* An identifier cannot be bound; cfg allows only [A-Za-z0-9_]. */
	sql = xasprintf("CREATE DATABASE IF NOT EXISTS `%s` "
			"CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
	    name);
	st = db_exec(admin, sql, NULL, "");
	free(sql);
	if (st != DB_OK) {
		snprintf(err, LOOMD_ERR_LEN, "create database %s: %s", name,
		    db_error(admin));
		return -1;
	}
	return 0;
}

/* Sleep ms milliseconds. */
static void
schema_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Run each statement of one migration, in order, in autocommit. */
static int
schema_run_statements(struct db_conn *c, const struct schema_migration *m,
    char err[LOOMD_ERR_LEN])
{
	const char *p = m->sql, *nl;
	size_t len = 0, cap = 256;
	char *stmt = xmalloc(cap);
	enum db_status st;
	int rc = 0, tries;

	while (*p != '\0') {
		const char *line = p, *q;
		size_t n;

		nl = strchr(p, '\n');
		n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		p = nl != NULL ? nl + 1 : p + n;
		for (q = line; q < line + n && (*q == ' ' || *q == '\t'); q++)
			;
		if (q == line + n ||
		    (n - (q - line) >= 2 && q[0] == '-' && q[1] == '-'))
			continue;
		if (len + n + 2 > cap) {
			cap = (len + n + 2) * 2;
			stmt = xrealloc(stmt, cap);
		}
		memcpy(stmt + len, line, n);
		len += n;
		stmt[len++] = '\n';
		stmt[len] = '\0';
		while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
			n--;
		if (n > 0 && line[n - 1] == ';') {
			char *sql;

			/* Drop the ";\n" and run it. */
			stmt[len - 2] = '\0';
			sql = xstrdup(stmt);
			/*
			 * On Galera a DDL statement can lose to a concurrent
			 * write (1213).  Migration statements are idempotent
			 * (IF NOT EXISTS), so the statement runs again.
			 */
			for (tries = 1;; tries++) {
				st = db_exec(c, sql, NULL, "");
				if (st != DB_RETRY ||
				    tries == SCHEMA_DDL_TRIES)
					break;
				log_warn(
				    "schema: migration %s: %s; running the "
				    "statement again",
				    m->name, db_error(c));
				schema_sleep_ms(200L * tries);
			}
			if (st != DB_OK) {
				snprintf(err, LOOMD_ERR_LEN,
				    "migration %s: %s", m->name, db_error(c));
				free(sql);
				rc = -1;
				break;
			}
			free(sql);
			len = 0;
		}
	}
	free(stmt);
	return rc;
}

struct schema_claim {
	const struct schema_migration *m;
	const char *me;
	const char *checksum;
	const char *stale_owner; /* takeover CAS */
};

/* Insert our claim row for a migration (db_tx_run body). */
static enum db_status
schema_claim_tx(struct db_conn *c, void *arg)
{
	struct schema_claim *cl = arg;

	return db_exec(c,
	    "INSERT INTO schema_version (version, name, "
	    "checksum, state, applied_by) VALUES (?, ?, ?, 'applying', ?)",
	    NULL, "isss", (int64_t)cl->m->version, cl->m->name, cl->checksum,
	    cl->me);
}

/* Take a dead server's claim over, by compare-and-swap on its owner. */
static enum db_status
schema_takeover_tx(struct db_conn *c, void *arg)
{
	struct schema_claim *cl = arg;

	return db_exec_one(c,
	    "UPDATE schema_version SET applied_by = ?, "
	    "updated_at = CURRENT_TIMESTAMP(3) WHERE version = ? AND "
	    "state = 'applying' AND applied_by = ? AND updated_at < "
	    "CURRENT_TIMESTAMP(3) - INTERVAL ? SECOND",
	    "sisi", cl->me, (int64_t)cl->m->version, cl->stale_owner,
	    (int64_t)SCHEMA_STALE_S);
}

/* Mark our migration done. */
static enum db_status
schema_done_tx(struct db_conn *c, void *arg)
{
	struct schema_claim *cl = arg;

	return db_exec_one(c,
	    "UPDATE schema_version SET state = 'done', "
	    "updated_at = CURRENT_TIMESTAMP(3) WHERE version = ? AND "
	    "applied_by = ?",
	    "is", (int64_t)cl->m->version, cl->me);
}

/* Bring one migration to 'done', applying it or waiting for its applier. */
static enum schema_result
schema_one(struct db_conn *c, const struct schema_migration *m, const char *me,
    char err[LOOMD_ERR_LEN])
{
	struct schema_claim cl = { m, me, NULL, NULL };
	char sum[17], txerr[LOOMD_ERR_LEN];
	time_t deadline = time(NULL) + SCHEMA_WAIT_S;
	struct db_rows *r = NULL;
	enum db_status st;
	bool waited = false;

	schema_checksum(m->sql, sum);
	cl.checksum = sum;
	for (;;) {
		st = db_query(c,
		    "SELECT state, checksum, applied_by, "
		    "updated_at < CURRENT_TIMESTAMP(3) - INTERVAL ? SECOND "
		    "FROM schema_version WHERE version = ?",
		    &r, "ii", (int64_t)SCHEMA_STALE_S, (int64_t)m->version);
		if (st != DB_OK) {
			snprintf(err, LOOMD_ERR_LEN, "read schema_version: %s",
			    db_error(c));
			return SCHEMA_FAILED;
		}
		if (r->nrows == 1 &&
		    strcmp(db_rows_get(r, 0, 0), "done") == 0) {
			if (strcmp(db_rows_get(r, 0, 1), sum) != 0) {
				snprintf(err, LOOMD_ERR_LEN,
				    "migration %s "
				    "was applied with checksum %s but this "
				    "loomd has %s: the binaries differ",
				    m->name, db_rows_get(r, 0, 1), sum);
				db_rows_free(r);
				return SCHEMA_MISMATCH;
			}
			db_rows_free(r);
			if (waited)
				log_info("schema: migration %s applied by "
					 "another server, verified",
				    m->name);
			return SCHEMA_OK;
		}
		if (r->nrows == 0) {
			st = db_tx_run(c, schema_claim_tx, &cl, txerr);
		} else if (db_rows_int(r, 0, 3) != 0) {
			cl.stale_owner = db_rows_get(r, 0, 2);
			log_warn(
			    "schema: migration %s claimed by %s long ago; "
			    "taking it over",
			    m->name, cl.stale_owner);
			st = db_tx_run(c, schema_takeover_tx, &cl, txerr);
		} else {
			st = DB_ABORT; /* someone is applying it */
		}
		db_rows_free(r);
		r = NULL;
		if (st == DB_OK) {
			log_info("schema: applying migration %s", m->name);
			if (schema_run_statements(c, m, err) != 0)
				return SCHEMA_FAILED;
			if (db_tx_run(c, schema_done_tx, &cl, txerr) !=
			    DB_OK) {
				snprintf(err, LOOMD_ERR_LEN,
				    "mark %s done: %s", m->name, txerr);
				return SCHEMA_FAILED;
			}
			log_info("schema: migration %s applied", m->name);
			return SCHEMA_OK;
		}
		if (st != DB_CONFLICT && st != DB_ABORT && st != DB_RETRY) {
			snprintf(err, LOOMD_ERR_LEN, "claim %s: %s", m->name,
			    txerr);
			return SCHEMA_FAILED;
		}
		if (time(NULL) > deadline) {
			snprintf(err, LOOMD_ERR_LEN,
			    "timed out waiting for "
			    "another server to apply migration %s",
			    m->name);
			return SCHEMA_FAILED;
		}
		if (!waited)
			log_info("schema: waiting for migration %s, claimed "
				 "by another server",
			    m->name);
		waited = true;
		schema_sleep_ms(200);
	}
}

enum schema_result
schema_apply(struct db_conn *c, const char *me, char err[LOOMD_ERR_LEN])
{
	enum schema_result res;
	struct db_rows *r;
	unsigned int i;
	int64_t top;

	if (db_exec(c,
		"CREATE TABLE IF NOT EXISTS schema_version ("
		"version INT NOT NULL, name VARCHAR(255) NOT NULL, "
		"checksum CHAR(16) NOT NULL, state VARCHAR(16) NOT NULL, "
		"applied_by VARCHAR(255) NOT NULL, "
		"updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), "
		"PRIMARY KEY (version)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
		NULL, "") != DB_OK) {
		snprintf(err, LOOMD_ERR_LEN, "create schema_version: %s",
		    db_error(c));
		return SCHEMA_FAILED;
	}
	if (db_query(c,
		"SELECT COALESCE(MAX(version), 0) FROM "
		"schema_version",
		&r, "") != DB_OK) {
		snprintf(err, LOOMD_ERR_LEN, "read schema_version: %s",
		    db_error(c));
		return SCHEMA_FAILED;
	}
	top = db_rows_int(r, 0, 0);
	db_rows_free(r);
	if (top > (int64_t)schema_latest()) {
		snprintf(err, LOOMD_ERR_LEN,
		    "the database schema is at "
		    "version %lld but this loomd only knows up to %u: "
		    "upgrade loomd",
		    (long long)top, schema_latest());
		return SCHEMA_TOO_NEW;
	}
	for (i = 0; i < schema_migrations_count; i++)
		if ((res = schema_one(c, &schema_migrations[i], me, err)) !=
		    SCHEMA_OK)
			return res;
	return SCHEMA_OK;
}
