/* SPDX-License-Identifier: Apache-2.0 */
/*
 * schema.h - forward-only schema migrations.  The sql/NNNN_*.sql files are
 * compiled into loomd (scripts/embed-sql.sh) and applied at startup, each
 * exactly once across every loomd sharing the database; the others wait for
 * it and verify its checksum.
 */
#ifndef LOOMD_SCHEMA_H
#define LOOMD_SCHEMA_H

#include "common.h"

struct db_conn;

struct schema_migration {
	unsigned int version;
	const char *name;
	const char *sql; /* statements, each ending in ";\n" */
};

/* The embedded migrations, in version order (generated). */
extern const struct schema_migration schema_migrations[];
extern const unsigned int schema_migrations_count;

/* Outcome of schema_apply(). */
enum schema_result {
	SCHEMA_OK = 0,
	SCHEMA_TOO_NEW,	 /* the database is ahead of this binary */
	SCHEMA_MISMATCH, /* an applied migration differs from ours */
	SCHEMA_FAILED,	 /* database error or timeout */
};

/*
 * Create the database if needed (on an admin connection, db.name from the
 * configuration), then bring the schema up to date on c.  me names this
 * server in schema_version.applied_by.  err gets the reason on failure.
 */
enum schema_result schema_apply(struct db_conn *c, const char *me,
    char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/* Create database `name` if it does not exist (admin connection). */
int schema_create_database(struct db_conn *admin, const char *name,
    char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/* Highest version this binary knows. */
unsigned int schema_latest(void);

/* 64-bit FNV-1a of s, as 16 hex digits into out[17]. */
void schema_checksum(const char *s, char out[17]);

#endif /* LOOMD_SCHEMA_H */
