/* SPDX-License-Identifier: Apache-2.0 */
/*
 * db.h - the database layer.  One connection per thread, prepared
 * statements with bound parameters (cached per connection), error classes
 * for Galera, and db_tx_run(): the one transaction runner every write goes
 * through.  Only db*.c and *_store.c include <mysql.h>.
 */
#ifndef LOOMD_DB_H
#define LOOMD_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"

struct cfg;

enum db_status {
	DB_OK = 0,
	DB_RETRY,	/* 1213/1205/1020/1317: rerun the whole transaction */
	DB_UNAVAILABLE, /* 1047, 2002/2003/2006/2013, connect failure */
	DB_CONFLICT,	/* 1062: a unique key is taken */
	DB_ERROR,	/* anything else */
	DB_ABORT,	/* the transaction function chose to roll back */
};

/* What a connection is for; decides timeouts and wsrep_sync_wait. */
enum db_role {
	DB_ROLE_API,	/* HTTP threads: sync_wait per db.sync_wait */
	DB_ROLE_WORKER, /* background threads: as API */
	DB_ROLE_HEALTH, /* health probe: sync_wait 0, 1 s timeouts */
	DB_ROLE_ADMIN,	/* startup: no database selected until created */
};

struct db_conn;

/*
 * Result rows of a query, every cell as text (NULL for SQL NULL).  Owned by
 * the caller; release with db_rows_free().
 */
struct db_rows {
	size_t nrows;
	size_t ncols;
	char **cells; /* nrows * ncols, row-major */
	size_t *lens;
};

/* Error counters, for metrics.  Read with db_stats_get(). */
struct db_stats {
	uint64_t tx_total;
	uint64_t tx_committed;
	uint64_t tx_retries;
	uint64_t retries_1213;
	uint64_t retries_1205;
	uint64_t retries_1020;
	uint64_t retries_1317;
	uint64_t unavailable;
	uint64_t conflicts;
	uint64_t errors;
	uint64_t reconnects;
	uint64_t tx_dropped; /* db_tx_try_one(): given up at a conflict */
};

/* Galera state of the local node, from the health connection. */
struct db_wsrep {
	bool wsrep_on;		 /* false on a plain MariaDB */
	bool ready;		 /* wsrep_ready = ON */
	char cluster_status[32]; /* Primary / non-Primary / ... */
	int local_state;	 /* 4 = Synced, 2 = Donor */
	char local_state_comment[32];
	int64_t cluster_size;
	int64_t cert_failures;
};

/*
 * Call once before any thread starts.  Borrows c for the process lifetime
 * (connection parameters, timeouts, retry policy).
 */
void db_global_init(const struct cfg *c);
void db_global_end(void);

/*
 * Open a connection for role.  Returns NULL with err set on failure
 * (*status says DB_UNAVAILABLE or DB_ERROR).  Caller closes with
 * db_close().
 */
struct db_conn *db_connect(enum db_role role, enum db_status *status,
    char err[LOOMD_ERR_LEN]);
/* Close and free; NULL-safe. */
void db_close(struct db_conn *c);

/*
 * The calling thread's API connection, connected lazily (and again after
 * it was lost).  Borrowed: owned by the thread, closed at thread exit.
 * Returns NULL with err set if the database cannot be reached.
 */
struct db_conn *db_thread_conn(enum db_status *status,
    char err[LOOMD_ERR_LEN]);

/*
 * Run fn inside one transaction on c: START TRANSACTION, fn, COMMIT.  On
 * DB_RETRY (from any statement or the COMMIT) the whole of fn is run again
 * after a capped, jittered exponential backoff, up to db.tx_max_retries
 * times.  A connection lost before COMMIT was sent is reopened and fn run
 * again once; one lost during COMMIT is DB_UNAVAILABLE (outcome unknown).
 * fn returns DB_OK to commit, anything else to roll back; the runner
 * returns that status (DB_ABORT is fn's own business outcome).  err gets
 * the database message of the last failure.
 */
typedef enum db_status (*db_tx_fn)(struct db_conn *c, void *arg);
enum db_status db_tx_run(struct db_conn *c, db_tx_fn fn, void *arg,
    char err[LOOMD_ERR_LEN]);

/*
 * As db_tx_run() for an fn that sends exactly one write statement (and
 * nothing else): it runs in autocommit, its own commit, without the START
 * TRANSACTION and COMMIT round trips.  Same re-runs on DB_RETRY (the
 * statement was rolled back: a deadlock, a lock wait timeout, a
 * certification failure), same error mapping and counters.  A link lost
 * while the statement ran is DB_UNAVAILABLE (outcome unknown), never run
 * again: as for a COMMIT.  For a statement that is one write in itself;
 * two writes that must commit together need db_tx_run().
 */
enum db_status db_tx_run_one(struct db_conn *c, db_tx_fn fn, void *arg,
    char err[LOOMD_ERR_LEN]);

/*
 * As db_tx_run_one() for a write that may be dropped, such as a cache
 * fill: it runs once, with no re-run on DB_RETRY (counted in tx_dropped)
 * and no reconnect.  The caller goes on whatever it returns.
 */
enum db_status db_tx_try_one(struct db_conn *c, db_tx_fn fn, void *arg,
    char err[LOOMD_ERR_LEN]);

/* How db_exec_tx_one() runs its statement. */
enum db_one {
	DB_ONE_RUN, /* db_tx_run_one(): re-run on DB_RETRY */
	DB_ONE_TRY  /* db_tx_try_one(): once, may be dropped */
};

/*
 * The one statement sql with its parameters (fmt and the rest, as
 * db_exec() takes them, bound again on each re-run) through
 * db_tx_run_one() or db_tx_try_one(), for a write that needs no function
 * of its own.  *affected (may be NULL) gets the rows it changed.
 */
enum db_status db_exec_tx_one(struct db_conn *c, enum db_one how,
    uint64_t *affected, char err[LOOMD_ERR_LEN], const char *sql,
    const char *fmt, ...);

/*
 * Like db_tx_run() but without a transaction (autocommit reads): fn is
 * re-run on DB_RETRY and once after a lost connection.
 */
enum db_status db_read_run(struct db_conn *c, db_tx_fn fn, void *arg,
    char err[LOOMD_ERR_LEN]);

/*
 * Execute a statement with bound parameters.  fmt has one letter per
 * parameter: 's' const char * (NULL binds SQL NULL), 'b' const char * and
 * size_t (bytes with length), 'i' int64_t, 'u' uint64_t.  The statement is
 * prepared once per connection and cached (sql must stay valid and
 * unchanged while c lives: use string literals).  *affected (may be NULL)
 * gets the affected row count.
 */
enum db_status db_exec(struct db_conn *c, const char *sql, uint64_t *affected,
    const char *fmt, ...);

/*
 * As db_exec(), for a write that must change exactly one row (a
 * compare-and-swap on a version, a state or an owner): DB_ABORT when it
 * changed none or more than one, the row having moved on.
 */
enum db_status db_exec_one(struct db_conn *c, const char *sql, const char *fmt,
    ...);

/*
 * Run a query with bound parameters (as db_exec) and return all rows in
 * *out, which the caller frees with db_rows_free().  *out is NULL unless
 * DB_OK.
 */
enum db_status db_query(struct db_conn *c, const char *sql,
    struct db_rows **out, const char *fmt, ...);

/* Release rows; NULL-safe. */
void db_rows_free(struct db_rows *r);
/* Cell (r, col) as borrowed text, NULL for SQL NULL. */
const char *db_rows_get(const struct db_rows *r, size_t row, size_t col);
/* Length in bytes of cell (r, col) (0 for NULL or out of range). */
size_t db_rows_len(const struct db_rows *r, size_t row, size_t col);
/* Cell (r, col) as an integer (0 for NULL or junk). */
int64_t db_rows_int(const struct db_rows *r, size_t row, size_t col);

/* Last error of c: server errno (0 if none) and message (borrowed). */
unsigned int db_errno(const struct db_conn *c);
const char *db_error(const struct db_conn *c);
/* Is c currently connected? */
bool db_connected(const struct db_conn *c);

/* Map a server/client error number to a status class. */
enum db_status db_classify(unsigned int err);
/* "ok", "retry", "unavailable", ... */
const char *db_status_name(enum db_status s);
/*
 * Is a failed call's s worth trying again later: the database could not
 * be reached (DB_UNAVAILABLE) or the transaction kept losing to others
 * until the retries ran out (DB_RETRY)?  Requests answer these 503 and
 * every other failure 500.
 */
bool db_status_transient(enum db_status s);

/* Read the Galera state of the node c is connected to. */
enum db_status db_wsrep_read(struct db_conn *c, struct db_wsrep *out);

/* Copy the process-wide counters. */
void db_stats_get(struct db_stats *out);

#endif /* LOOMD_DB_H */
