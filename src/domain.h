/* SPDX-License-Identifier: Apache-2.0 */
/*
 * domain.h - what the cluster domain modules (cluster_store, cluster_view,
 * idem_store, job_store, task_store, jobs*) share: the outcome of a
 * domain operation, the process configuration they read, and small
 * helpers (clock, ids, stored JSON, UUIDs).  It sits below all of them so
 * that they never include each other in a loop.
 *
 * An outcome says what happened in the domain's terms, not the wire's:
 * only api_*.c turns it into an HTTP answer (api_common_outcome()).
 */
#ifndef LOOMD_DOMAIN_H
#define LOOMD_DOMAIN_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "db.h"

struct cfg;

/* What became of a domain operation. */
enum domain_result {
	DOMAIN_OK = 0,	     /* done; out->body may hold the answer */
	DOMAIN_EMPTY,	     /* done, nothing to give (no task) */
	DOMAIN_INVALID,	     /* the request cannot be carried out */
	DOMAIN_NOT_FOUND,    /* no such (visible) cluster, job or task */
	DOMAIN_CONFLICT,     /* the cluster's state forbids it now */
	DOMAIN_PRECONDITION, /* the caller's claim does not hold (Loom
				   answers "expectation failed") */
	DOMAIN_KEY_REUSED,   /* Idempotency-Key of another request */
	DOMAIN_UNAVAILABLE,  /* the database is busy or away: retry */
	DOMAIN_INTERNAL,     /* anything else */
};

/*
 * Outcome of an operation: the result, a message for every result but
 * DOMAIN_OK and DOMAIN_EMPTY, and on DOMAIN_OK an optional body (JSON
 * text, owned: the caller frees it with free()).  Zero it before use.
 */
struct domain_out {
	enum domain_result res;
	char msg[LOOMD_ERR_LEN];
	char *body;
};

/* How stored JSON is written. */
#define DOMAIN_JSON (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
/* Rows per transaction when writing the nodes or tasks of a big cluster. */
#define DOMAIN_CHUNK 500
/* Length of a UUID's text with its NUL. */
#define DOMAIN_UUID_LEN 37

/* Borrow cfg for the process lifetime; me names this server in leases. */
void domain_init(const struct cfg *cfg, const char *me);
/* The configuration and server name given to domain_init() (borrowed). */
const struct cfg *domain_cfg(void);
const char *domain_me(void);

/* Milliseconds since the epoch. */
int64_t domain_now_ms(void);
/* Parse a cluster id ("00000001", "1"): 0 or -1 when malformed. */
int domain_parse_cluster_id(const char *s, int64_t *out) LOOMD_MUSTCHECK;
/* A random (version 4) UUID into buf (DOMAIN_UUID_LEN bytes). */
void domain_uuid(char buf[DOMAIN_UUID_LEN]);

/* Set out to a failure res with a formatted message. */
void domain_fail(struct domain_out *out, enum domain_result res,
    const char *fmt, ...) LOOMD_PRINTF(3, 4);
/* Set out's body to the JSON text of o (o stays the caller's). */
void domain_out_json(struct domain_out *out, struct json_object *o);
/* The outcome of a database status other than DB_ABORT (the one map). */
enum domain_result domain_from_db(enum db_status st);
/*
 * Record in out how a transaction ended: DB_OK keeps what the body set,
 * DB_ABORT means the body set the failure itself, any other status is
 * turned into an outcome with err as the message.
 */
void domain_finish_tx(struct domain_out *out, enum db_status st,
    const char *err);
/* The calling thread's connection, or NULL with DOMAIN_UNAVAILABLE. */
struct db_conn *domain_conn(struct domain_out *out);

/* Parse JSON text stored by loomd (new ref; NULL and a log if corrupt). */
struct json_object *domain_parse(const char *text);
/*
 * The first column of every row of r (borrowed) parsed as by
 * domain_parse(), a corrupt one left out: a new JSON array.
 */
struct json_object *domain_parse_rows(const struct db_rows *r);
/* Lower-case copy of s into buf of n bytes; returns buf. */
const char *domain_lower(const char *s, char *buf, size_t n);

#endif /* LOOMD_DOMAIN_H */
