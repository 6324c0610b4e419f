/* SPDX-License-Identifier: Apache-2.0 */
/*
 * db_int.h - what db.c and db_tx.c share and nothing else includes: the
 * connection struct, the configuration and counters, and the link control
 * that the transaction runner calls.
 */
#ifndef LOOMD_DB_INT_H
#define LOOMD_DB_INT_H

#include <stdbool.h>
#include <time.h>

#include <mysql.h>

#include "cfg.h"
#include "common.h"
#include "db.h"

#define DB_CACHE_SIZE 64 /* statements cached per connection */

struct db_cached {
	const char *key; /* the caller's sql pointer */
	char *sql;	 /* our copy, to detect a reused pointer */
	MYSQL_STMT *stmt;
};

/*
 * The slowest step of one db_runner() run (all its attempts): a
 * statement's prepare, execute or store of its result, or the COMMIT.  A
 * run over DB_SLOW_MS names it in its log line, so a stall says where it
 * was spent.
 */
struct db_slowest {
	int64_t ms;	   /* -1: no step timed yet */
	int attempt;	   /* 0 for the first run, 1 for the first re-run... */
	unsigned int err;  /* the step's error number, 0 if it succeeded */
	const char *how;   /* "prepare", "execute", "store" or "" (static) */
	char what[72];	   /* the start of its SQL, or "COMMIT" */
	int64_t commit_ms; /* the slowest COMMIT of the run, -1 if none */
	const char *failed_how; /* the last step that failed (static) */
	char failed_what[72];	/* its SQL's start */
	const char *rerun_how;	/* the step whose error caused the last */
	char rerun_what[72];	/* re-run, and its SQL's start */
	int attempt_now;	/* the attempt db_runner() is in */
};

/*
 * Record one step of t0_ms..now into c->slowest (db_runner's bookkeeping):
 * how (a static string) is "prepare", "execute", "store" (reading a
 * result) or "" (COMMIT), what the SQL; err its error, 0 if none.
 */
void db_slowest_note(struct db_conn *c, const char *how, const char *what,
    int64_t t0_ms, unsigned int err);

struct db_conn {
	MYSQL *my;
	enum db_role role;
	bool connected;
	unsigned int last_errno;
	char last_error[LOOMD_ERR_LEN];
	struct db_cached cache[DB_CACHE_SIZE];
	unsigned int seed; /* backoff jitter */
	struct timespec last_used;
	bool in_tx;		   /* inside db_tx_run's transaction */
	struct db_slowest slowest; /* of the current db_runner() run */
};

#define DB_IDLE_PING_MS 2000 /* ping a link idle longer than this */

/* The configuration given to db_global_init(); borrowed. */
extern const struct cfg *db_cfg;

/* The counters read by db_stats_get(), updated with DB_COUNT(). */
extern struct db_stats db_counters;
#define DB_COUNT(f) __atomic_add_fetch(&db_counters.f, 1, __ATOMIC_RELAXED)

/* Record error err (message msg) into c and classify it. */
enum db_status db_fail(struct db_conn *c, unsigned int err, const char *msg);

/* Close the server link of c, keeping the struct. */
void db_disconnect(struct db_conn *c);

/* (Re)open the server link of c for its role. */
enum db_status db_open(struct db_conn *c);

/* Transaction control: "START TRANSACTION", "COMMIT" or "ROLLBACK". */
enum db_status db_txctl(struct db_conn *c, const char *what);

#endif /* LOOMD_DB_INT_H */
