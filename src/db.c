/* SPDX-License-Identifier: Apache-2.0 */
/*
 * db.c - MariaDB connections, prepared-statement cache, error classes and
 * the statements themselves (db_exec, db_query).  The retrying
 * transaction runner is in db_tx.c.  See db.h for the contracts.
 */
#include "config.h"

#include "db.h"

#include <errno.h>
#include <inttypes.h>
#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "db_int.h"

#define DB_MAX_PARAMS 32
const struct cfg *db_cfg;
static pthread_key_t db_thread_key;
static pthread_once_t db_key_once = PTHREAD_ONCE_INIT;

/* Thread-exit destructor of the per-thread API connection. */
static void
db_thread_destroy(void *p)
{
	db_close(p);
	mysql_thread_end();
}

/* Create the thread-specific key once. */
static void
db_key_init(void)
{
	if (pthread_key_create(&db_thread_key, db_thread_destroy) != 0)
		fatalx("pthread_key_create failed");
}

void
db_global_init(const struct cfg *c)
{
	db_cfg = c;
	if (mysql_library_init(0, NULL, NULL) != 0)
		fatalx("mysql_library_init failed");
	pthread_once(&db_key_once, db_key_init);
}

void
db_global_end(void)
{
	mysql_library_end();
}

enum db_status
db_classify(unsigned int err)
{
	switch (err) {
	case 0:
		return DB_OK;
	case ER_LOCK_DEADLOCK:	   /* 1213 */
	case ER_LOCK_WAIT_TIMEOUT: /* 1205 */
	case ER_CHECKREAD:	   /* 1020 */
	case ER_QUERY_INTERRUPTED: /* 1317 */
		return DB_RETRY;
	case ER_UNKNOWN_COM_ERROR:    /* 1047: not in Primary Component */
	case CR_CONNECTION_ERROR:     /* 2002 */
	case CR_CONN_HOST_ERROR:      /* 2003 */
	case CR_SERVER_GONE_ERROR:    /* 2006 */
	case CR_SERVER_LOST:	      /* 2013 */
	case CR_SERVER_LOST_EXTENDED: /* 2055 */
	case ER_SERVER_SHUTDOWN:      /* 1053 */
	case ER_CONNECTION_KILLED:    /* 1927 */
	case CR_COMMANDS_OUT_OF_SYNC: /* 2014: the link is unusable */
		return DB_UNAVAILABLE;
	case ER_DUP_ENTRY: /* 1062 */
		return DB_CONFLICT;
	default:
		return DB_ERROR;
	}
}

const char *
db_status_name(enum db_status s)
{
	switch (s) {
	case DB_OK:
		return "ok";
	case DB_RETRY:
		return "retry";
	case DB_UNAVAILABLE:
		return "unavailable";
	case DB_CONFLICT:
		return "conflict";
	case DB_ERROR:
		return "error";
	case DB_ABORT:
		return "abort";
	}
	return "unknown";
}

bool
db_status_transient(enum db_status s)
{
	return s == DB_UNAVAILABLE || s == DB_RETRY;
}

/* Milliseconds to whole seconds, rounded up, at least 1. */
static unsigned int
db_ms_to_s(int64_t ms)
{
	int64_t s = (ms + 999) / 1000;

	return s < 1 ? 1 : (unsigned int)s;
}

/* Record the error of the MYSQL handle or a statement into c. */
enum db_status
db_fail(struct db_conn *c, unsigned int err, const char *msg)
{
	enum db_status st = db_classify(err);

	c->last_errno = err;
	snprintf(c->last_error, sizeof c->last_error, "%u: %s", err,
	    msg != NULL ? msg : "");
	if (st == DB_UNAVAILABLE)
		c->connected = false;
	return st;
}

/* Record the error of statement stmt into c. */
static enum db_status
db_fail_stmt(struct db_conn *c, MYSQL_STMT *stmt)
{
	return db_fail(c, mysql_stmt_errno(stmt), mysql_stmt_error(stmt));
}

/* Drop every cached statement of c. */
static void
db_cache_clear(struct db_conn *c)
{
	size_t i;

	for (i = 0; i < DB_CACHE_SIZE; i++) {
		if (c->cache[i].stmt != NULL)
			mysql_stmt_close(c->cache[i].stmt);
		free(c->cache[i].sql);
		memset(&c->cache[i], 0, sizeof c->cache[i]);
	}
}

/* Close the server link of c, keeping the struct. */
void
db_disconnect(struct db_conn *c)
{
	db_cache_clear(c);
	if (c->my != NULL)
		mysql_close(c->my);
	c->my = NULL;
	c->connected = false;
}

/* Run one parameterless statement as a prepared statement. */
static enum db_status
db_simple(struct db_conn *c, const char *sql)
{
	return db_exec(c, sql, NULL, "");
}

/*
 * Transaction control (START TRANSACTION, COMMIT, ROLLBACK) through the
 * client library's own calls, not as prepared statements: a transaction
 * that Galera aborted (brute-force abort by a replicated write) while the
 * client sat between two statements was seen to "commit" without error
 * when COMMIT came as COM_STMT_EXECUTE, so an answer went out for work that
 * was rolled back.  mysql_commit()/mysql_rollback() report it.
 */
enum db_status
db_txctl(struct db_conn *c, const char *what)
{
	int64_t t0 = common_now_ms(CLOCK_MONOTONIC);
	int rc;

	if (!c->connected || c->my == NULL)
		return db_fail(c, CR_SERVER_GONE_ERROR, "not connected");
	if (strcmp(what, "COMMIT") == 0) {
		rc = mysql_commit(c->my);
		db_slowest_note(c, "", what, t0,
		    rc != 0 ? mysql_errno(c->my) : 0);
	} else if (strcmp(what, "ROLLBACK") == 0)
		rc = mysql_rollback(c->my);
	else
		rc = mysql_real_query(c->my, what, strlen(what));
	if (rc != 0)
		return db_fail(c, mysql_errno(c->my), mysql_error(c->my));
	return DB_OK;
}

/* (Re)open the server link of c for its role. */
enum db_status
db_open(struct db_conn *c)
{
	const struct cfg *k = db_cfg;
	unsigned int cto, rto, wto, port;
	const char *host, *sock, *dbname;
	enum db_status st;
	my_bool off = 0;

	db_disconnect(c);
	if ((c->my = mysql_init(NULL)) == NULL)
		fatalx("mysql_init: out of memory");
	cto = db_ms_to_s(k->db_connect_timeout_ms);
	rto = db_ms_to_s(k->db_read_timeout_ms);
	wto = db_ms_to_s(k->db_write_timeout_ms);
	if (c->role == DB_ROLE_HEALTH)
		cto = rto = wto = 1;
	mysql_optionsv(c->my, MYSQL_OPT_CONNECT_TIMEOUT, &cto);
	mysql_optionsv(c->my, MYSQL_OPT_READ_TIMEOUT, &rto);
	mysql_optionsv(c->my, MYSQL_OPT_WRITE_TIMEOUT, &wto);
	mysql_optionsv(c->my, MYSQL_OPT_RECONNECT, &off);
	mysql_optionsv(c->my, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	sock = k->db_socket[0] != '\0' ? k->db_socket : NULL;
	host = sock != NULL ? "localhost" : k->db_host;
	port = sock != NULL ? 0 : (unsigned int)k->db_port;
	dbname = c->role == DB_ROLE_ADMIN ? NULL : k->db_name;
	if (mysql_real_connect(c->my, host, k->db_user, k->db_password, dbname,
		port, sock, CLIENT_FOUND_ROWS) == NULL) {
		st = db_fail(c, mysql_errno(c->my), mysql_error(c->my));
		/* Bad credentials or schema: not a transient outage. */
		if (c->last_errno == ER_ACCESS_DENIED_ERROR ||
		    c->last_errno == ER_BAD_DB_ERROR)
			st = DB_ERROR;
		else
			st = DB_UNAVAILABLE;
		mysql_close(c->my);
		c->my = NULL;
		return st;
	}
	c->connected = true;
	if (c->role == DB_ROLE_HEALTH || !k->db_sync_wait)
		st = db_simple(c, "SET SESSION wsrep_sync_wait = 0");
	else
		st = db_simple(c, "SET SESSION wsrep_sync_wait = 1");
	/* 1193: unknown variable, a MariaDB built without wsrep. */
	if (st != DB_OK && c->last_errno != ER_UNKNOWN_SYSTEM_VARIABLE)
		goto fail;
	/*
	 * A lock wait ends (1205, retried) a second before the client's
	 * read timeout would give up on the statement: a client that gives
	 * up first closes the link while the server side still waits, and
	 * still holds that transaction's locks, for the rest of the lock
	 * timeout, and other transactions queue behind it.
	 */
	if (c->role != DB_ROLE_HEALTH &&
	    (st = db_exec(c, "SET SESSION innodb_lock_wait_timeout = ?", NULL,
		 "i", (int64_t)(rto > 1 ? rto - 1 : 1))) != DB_OK)
		goto fail;
	c->last_errno = 0;
	c->last_error[0] = '\0';
	return DB_OK;
fail:
	db_disconnect(c);
	return st;
}

/* A new, unconnected connection; the caller frees it with db_close(). */
static struct db_conn *
db_conn_new(enum db_role role)
{
	struct db_conn *c;

	c = xcalloc(1, sizeof *c);
	c->role = role;
	c->seed = (unsigned int)time(NULL) ^ (unsigned int)(uintptr_t)c;
	return c;
}

/*
 * Open c if it is not connected, reporting as db_connect() does; with
 * counted set, count a (re)connect.
 */
static enum db_status
db_ensure_open(struct db_conn *c, bool counted, enum db_status *status,
    char err[LOOMD_ERR_LEN])
{
	enum db_status st = DB_OK;

	if (!c->connected) {
		if ((st = db_open(c)) != DB_OK)
			snprintf(err, LOOMD_ERR_LEN, "database: %s",
			    c->last_error);
		else if (counted)
			DB_COUNT(reconnects);
	}
	if (status != NULL)
		*status = st;
	return st;
}

struct db_conn *
db_connect(enum db_role role, enum db_status *status, char err[LOOMD_ERR_LEN])
{
	struct db_conn *c;

	c = db_conn_new(role);
	if (db_ensure_open(c, false, status, err) != DB_OK) {
		db_close(c);
		return NULL;
	}
	return c;
}

void
db_close(struct db_conn *c)
{
	if (c == NULL)
		return;
	db_disconnect(c);
	free(c);
}

struct db_conn *
db_thread_conn(enum db_status *status, char err[LOOMD_ERR_LEN])
{
	struct db_conn *c;

	pthread_once(&db_key_once, db_key_init);
	if ((c = pthread_getspecific(db_thread_key)) == NULL) {
		mysql_thread_init();
		c = db_conn_new(DB_ROLE_API);
		pthread_setspecific(db_thread_key, c);
	}
	if (db_ensure_open(c, true, status, err) != DB_OK)
		return NULL;
	return c;
}

bool
db_connected(const struct db_conn *c)
{
	return c != NULL && c->connected;
}

unsigned int
db_errno(const struct db_conn *c)
{
	return c->last_errno;
}

const char *
db_error(const struct db_conn *c)
{
	return c->last_error;
}

/*
 * Set aside the cached statement stmt after its result failed part way
 * (an error packet after the column list or some rows: a brute-force
 * abort or a lock wait timeout of a locking read, a statement timeout).
 * The client library leaves such a statement in a state in which its
 * next execute first waits for the rest of a result that never comes,
 * until the read timeout (then 2006), while the server waits for the next
 * command.  It is closed now (no round trip: the link is idle, the error
 * ended the result) and prepared again on its next use.
 */
static void
db_stmt_set_aside(struct db_conn *c, MYSQL_STMT *stmt)
{
	size_t i;

	for (i = 0; i < DB_CACHE_SIZE; i++)
		if (c->cache[i].stmt == stmt) {
			c->cache[i].stmt = NULL;
			break;
		}
	mysql_stmt_close(stmt);
}

/*
 * Whether the next mysql_stmt_execute() of stmt goes straight to the
 * server.  The client library first reads the rest of an earlier result
 * the statement has not stored (it expects the rows to be on their way);
 * loomd stores every result, so such a statement is one whose result
 * failed part way, and the read would wait for rows that never come
 * until the read timeout.  db_stmt_set_aside() keeps the known case out
 * of the cache; this catches any other.
 */
static bool
db_stmt_reusable(const MYSQL_STMT *stmt)
{
	return stmt->state < MYSQL_STMT_WAITING_USE_OR_STORE ||
	    stmt->state == MYSQL_STMT_FETCH_DONE ||
	    (stmt->state > MYSQL_STMT_WAITING_USE_OR_STORE &&
		stmt->result.data != NULL);
}

/* Find or prepare the cached statement for sql. */
static MYSQL_STMT *
db_prepare(struct db_conn *c, const char *sql, enum db_status *st)
{
	size_t h = ((uintptr_t)sql >> 3) % DB_CACHE_SIZE, i;
	struct db_cached *slot = NULL;
	MYSQL_STMT *stmt;

	for (i = 0; i < DB_CACHE_SIZE; i++) {
		struct db_cached *e = &c->cache[(h + i) % DB_CACHE_SIZE];

		if (e->key == sql && strcmp(e->sql, sql) == 0) {
			if (e->stmt != NULL && db_stmt_reusable(e->stmt))
				return e->stmt;
			if (e->stmt != NULL) {
				log_warn("db: a cached statement was left "
					 "waiting for the rest of a result; "
					 "preparing it again: %.60s",
				    sql);
				db_stmt_set_aside(c, e->stmt);
			}
			slot = e; /* set aside after an error: prepare again */
			break;
		}
		if (e->key == NULL) {
			slot = e;
			break;
		}
	}
	if (slot == NULL) {
		/* Cache full: evict the home slot. */
		slot = &c->cache[h];
		if (slot->stmt != NULL)
			mysql_stmt_close(slot->stmt);
		free(slot->sql);
		memset(slot, 0, sizeof *slot);
	}
	if ((stmt = mysql_stmt_init(c->my)) == NULL)
		fatalx("mysql_stmt_init: out of memory");
	if (mysql_stmt_prepare(stmt, sql, strlen(sql)) != 0) {
		*st = db_fail_stmt(c, stmt);
		mysql_stmt_close(stmt);
		return NULL;
	}
	if (slot->sql == NULL) {
		slot->key = sql;
		slot->sql = xstrdup(sql);
	}
	slot->stmt = stmt;
	return stmt;
}

/* Storage for bound parameters of one call. */
struct db_params {
	MYSQL_BIND bind[DB_MAX_PARAMS];
	int64_t ints[DB_MAX_PARAMS];
	unsigned long lens[DB_MAX_PARAMS];
	my_bool nulls[DB_MAX_PARAMS];
};

/* Bind the varargs described by fmt. */
static void
db_bind_params(struct db_params *p, const char *fmt, va_list ap)
{
	size_t i, n = strlen(fmt);
	const char *s;

	if (n > DB_MAX_PARAMS)
		fatalx("db: too many parameters (%zu)", n);
	memset(p, 0, sizeof *p);
	for (i = 0; i < n; i++) {
		MYSQL_BIND *b = &p->bind[i];

		switch (fmt[i]) {
		case 's':
			s = va_arg(ap, const char *);
			b->buffer_type = MYSQL_TYPE_STRING;
			if (s == NULL) {
				p->nulls[i] = 1;
				b->is_null = &p->nulls[i];
			} else {
				b->buffer = (void *)(uintptr_t)s;
				p->lens[i] = strlen(s);
				b->buffer_length = p->lens[i];
				b->length = &p->lens[i];
			}
			break;
		case 'b':
			s = va_arg(ap, const char *);
			p->lens[i] = va_arg(ap, size_t);
			b->buffer_type = MYSQL_TYPE_STRING;
			b->buffer = (void *)(uintptr_t)s;
			b->buffer_length = p->lens[i];
			b->length = &p->lens[i];
			break;
		case 'i':
			p->ints[i] = va_arg(ap, int64_t);
			b->buffer_type = MYSQL_TYPE_LONGLONG;
			b->buffer = &p->ints[i];
			break;
		case 'u':
			p->ints[i] = (int64_t)va_arg(ap, uint64_t);
			b->buffer_type = MYSQL_TYPE_LONGLONG;
			b->is_unsigned = 1;
			b->buffer = &p->ints[i];
			break;
		default:
			fatalx("db: bad parameter letter '%c'", fmt[i]);
		}
	}
}

/* Prepare (cached), bind and execute; returns the statement or NULL. */
static MYSQL_STMT *
db_run(struct db_conn *c, const char *sql, const char *fmt, va_list ap,
    enum db_status *st)
{
	int64_t t0 = common_now_ms(CLOCK_MONOTONIC);
	struct db_params p;
	MYSQL_STMT *stmt;

	if (!c->connected) {
		*st = db_fail(c, CR_SERVER_GONE_ERROR, "not connected");
		return NULL;
	}
	if ((stmt = db_prepare(c, sql, st)) == NULL) {
		db_slowest_note(c, "prepare", sql, t0, c->last_errno);
		return NULL;
	}
	if (mysql_stmt_param_count(stmt) != strlen(fmt))
		fatalx("db: %s: expects %lu parameters, given %zu", sql,
		    mysql_stmt_param_count(stmt), strlen(fmt));
	db_bind_params(&p, fmt, ap);
	if ((fmt[0] != '\0' && mysql_stmt_bind_param(stmt, p.bind) != 0) ||
	    mysql_stmt_execute(stmt) != 0) {
		*st = db_fail_stmt(c, stmt);
		db_slowest_note(c, "execute", sql, t0, c->last_errno);
		return NULL;
	}
	db_slowest_note(c, "execute", sql, t0, 0);
	*st = DB_OK;
	return stmt;
}

/*
 * Inside db_tx_run, after a DML statement: does the server still say that
 * the transaction is open (the status of its reply, no round trip)?  A
 * brute-force abort that lands while the client sits between two
 * statements was seen to end the transaction without the next prepared
 * statement being told: it and the rest then ran in autocommit, and
 * COMMIT "succeeded" with the first writes gone (docs/ha.md, the lost
 * take).  Treated as the deadlock it is, so the runner re-runs it.
 */
static enum db_status
db_check_in_tx(struct db_conn *c, const char *sql)
{
	unsigned int status = 0;

	if (!c->in_tx ||
	    (strncasecmp(sql, "SELECT", 6) != 0 &&
		strncasecmp(sql, "UPDATE", 6) != 0 &&
		strncasecmp(sql, "INSERT", 6) != 0 &&
		strncasecmp(sql, "DELETE", 6) != 0 &&
		strncasecmp(sql, "REPLACE", 7) != 0))
		return DB_OK;
	if (mariadb_get_infov(c->my, MARIADB_CONNECTION_SERVER_STATUS,
		&status) != 0 ||
	    (status & SERVER_STATUS_IN_TRANS) != 0)
		return DB_OK;
	return db_fail(c, ER_LOCK_DEADLOCK,
	    "the server ended the transaction "
	    "without reporting it (a brute-force abort); running it again");
}

/* db_exec() with its parameters in ap. */
static enum db_status
db_execv(struct db_conn *c, const char *sql, uint64_t *affected,
    const char *fmt, va_list ap)
{
	MYSQL_STMT *stmt;
	enum db_status st;
	int64_t t0;

	if ((stmt = db_run(c, sql, fmt, ap, &st)) == NULL)
		return st;
	t0 = common_now_ms(CLOCK_MONOTONIC);
	if (affected != NULL)
		*affected = mysql_stmt_affected_rows(stmt);
	/*
	 * A statement that returns rows (SET does not) must be drained; an
	 * error part way through them fails the statement.
	 */
	if (mysql_stmt_field_count(stmt) > 0) {
		if (mysql_stmt_store_result(stmt) != 0) {
			st = db_fail_stmt(c, stmt);
			db_slowest_note(c, "store", sql, t0, c->last_errno);
			db_stmt_set_aside(c, stmt);
			return st;
		}
		mysql_stmt_free_result(stmt);
	}
	return db_check_in_tx(c, sql);
}

enum db_status
db_exec(struct db_conn *c, const char *sql, uint64_t *affected,
    const char *fmt, ...)
{
	enum db_status st;
	va_list ap;

	va_start(ap, fmt);
	st = db_execv(c, sql, affected, fmt, ap);
	va_end(ap);
	return st;
}

/* One statement and its parameters, for the runner (db_exec_tx_one). */
struct db_exec_args {
	const char *sql;
	const char *fmt;
	uint64_t *affected;
	va_list *ap; /* copied on each run: the runner may run it again */
};

static enum db_status
db_exec_args_fn(struct db_conn *c, void *arg)
{
	struct db_exec_args *a = arg;
	enum db_status st;
	va_list ap;

	va_copy(ap, *a->ap);
	st = db_execv(c, a->sql, a->affected, a->fmt, ap);
	va_end(ap);
	return st;
}

enum db_status
db_exec_tx_one(struct db_conn *c, enum db_one how, uint64_t *affected,
    char err[LOOMD_ERR_LEN], const char *sql, const char *fmt, ...)
{
	struct db_exec_args a = { sql, fmt, affected, NULL };
	enum db_status st;
	va_list ap;

	va_start(ap, fmt);
	a.ap = &ap;
	st = how == DB_ONE_TRY ? db_tx_try_one(c, db_exec_args_fn, &a, err) :
				 db_tx_run_one(c, db_exec_args_fn, &a, err);
	va_end(ap);
	return st;
}

enum db_status
db_exec_one(struct db_conn *c, const char *sql, const char *fmt, ...)
{
	enum db_status st;
	uint64_t n = 0;
	va_list ap;

	va_start(ap, fmt);
	st = db_execv(c, sql, &n, fmt, ap);
	va_end(ap);
	if (st == DB_OK && n != 1)
		return DB_ABORT;
	return st;
}

enum db_status
db_query(struct db_conn *c, const char *sql, struct db_rows **out,
    const char *fmt, ...)
{
	MYSQL_BIND bind[DB_MAX_PARAMS];
	unsigned long lens[DB_MAX_PARAMS];
	my_bool nulls[DB_MAX_PARAMS], errs[DB_MAX_PARAMS];
	char small[DB_MAX_PARAMS][64];
	struct db_rows *r = NULL;
	size_t ncols, i, cap = 0;
	MYSQL_STMT *stmt;
	enum db_status st;
	int64_t t0;
	va_list ap;
	int rc;

	*out = NULL;
	va_start(ap, fmt);
	stmt = db_run(c, sql, fmt, ap, &st);
	va_end(ap);
	if (stmt == NULL)
		return st;
	t0 = common_now_ms(CLOCK_MONOTONIC);
	ncols = mysql_stmt_field_count(stmt);
	if (ncols > DB_MAX_PARAMS)
		fatalx("db: %s: too many columns", sql);
	r = xcalloc(1, sizeof *r);
	r->ncols = ncols;
	if (mysql_stmt_store_result(stmt) != 0) {
		st = db_fail_stmt(c, stmt);
		db_slowest_note(c, "store", sql, t0, c->last_errno);
		goto fail;
	}
	memset(bind, 0, sizeof bind);
	for (i = 0; i < ncols; i++) {
		bind[i].buffer_type = MYSQL_TYPE_STRING;
		bind[i].buffer = small[i];
		bind[i].buffer_length = sizeof small[i];
		bind[i].length = &lens[i];
		bind[i].is_null = &nulls[i];
		bind[i].error = &errs[i];
	}
	if (ncols > 0 && mysql_stmt_bind_result(stmt, bind) != 0) {
		st = db_fail_stmt(c, stmt);
		goto fail;
	}
	while (
	    (rc = mysql_stmt_fetch(stmt)) == 0 || rc == MYSQL_DATA_TRUNCATED) {
		if (r->nrows == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			r->cells = xreallocarray(r->cells, cap * ncols,
			    sizeof *r->cells);
			r->lens = xreallocarray(r->lens, cap * ncols,
			    sizeof *r->lens);
		}
		for (i = 0; i < ncols; i++) {
			size_t k = r->nrows * ncols + i;
			char *cell;

			r->lens[k] = 0;
			if (nulls[i]) {
				r->cells[k] = NULL;
				continue;
			}
			cell = xmalloc(lens[i] + 1);
			if (lens[i] <= sizeof small[i]) {
				memcpy(cell, small[i], lens[i]);
			} else {
				MYSQL_BIND big;

				memset(&big, 0, sizeof big);
				big.buffer_type = MYSQL_TYPE_STRING;
				big.buffer = cell;
				big.buffer_length = lens[i];
				if (mysql_stmt_fetch_column(stmt, &big,
					(unsigned int)i, 0) != 0) {
					free(cell);
					st = db_fail_stmt(c, stmt);
					goto fail;
				}
			}
			cell[lens[i]] = '\0';
			r->cells[k] = cell;
			r->lens[k] = lens[i];
		}
		r->nrows++;
	}
	if (rc != MYSQL_NO_DATA) {
		st = db_fail_stmt(c, stmt);
		goto fail;
	}
	mysql_stmt_free_result(stmt);
	if ((st = db_check_in_tx(c, sql)) != DB_OK) {
		db_rows_free(r);
		return st;
	}
	*out = r;
	return DB_OK;
fail:
	db_stmt_set_aside(c, stmt);
	db_rows_free(r);
	return st;
}

void
db_rows_free(struct db_rows *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nrows * r->ncols; i++)
		free(r->cells[i]);
	free(r->cells);
	free(r->lens);
	free(r);
}

const char *
db_rows_get(const struct db_rows *r, size_t row, size_t col)
{
	if (row >= r->nrows || col >= r->ncols)
		return NULL;
	return r->cells[row * r->ncols + col];
}

size_t
db_rows_len(const struct db_rows *r, size_t row, size_t col)
{
	if (row >= r->nrows || col >= r->ncols)
		return 0;
	return r->lens[row * r->ncols + col];
}

int64_t
db_rows_int(const struct db_rows *r, size_t row, size_t col)
{
	const char *s = db_rows_get(r, row, col);

	return s != NULL ? strtoll(s, NULL, 10) : 0;
}

enum db_status
db_wsrep_read(struct db_conn *c, struct db_wsrep *out)
{
	struct db_rows *r;
	enum db_status st;
	size_t i;

	memset(out, 0, sizeof *out);
	st = db_query(c, "SELECT @@global.wsrep_on", &r, "");
	if (st != DB_OK) {
		/* No wsrep variables at all: a plain MariaDB. */
		if (c->last_errno == ER_UNKNOWN_SYSTEM_VARIABLE)
			return DB_OK;
		return st;
	}
	out->wsrep_on = db_rows_int(r, 0, 0) != 0;
	db_rows_free(r);
	if (!out->wsrep_on)
		return DB_OK;
	st = db_query(c,
	    "SELECT VARIABLE_NAME, VARIABLE_VALUE FROM "
	    "information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME IN "
	    "('WSREP_READY', 'WSREP_CLUSTER_STATUS', 'WSREP_LOCAL_STATE', "
	    "'WSREP_LOCAL_STATE_COMMENT', 'WSREP_CLUSTER_SIZE', "
	    "'WSREP_LOCAL_CERT_FAILURES')",
	    &r, "");
	if (st != DB_OK)
		return st;
	for (i = 0; i < r->nrows; i++) {
		const char *k = db_rows_get(r, i, 0);
		const char *v = db_rows_get(r, i, 1);

		if (k == NULL || v == NULL)
			continue;
		if (strcasecmp(k, "WSREP_READY") == 0)
			out->ready = strcasecmp(v, "ON") == 0;
		else if (strcasecmp(k, "WSREP_CLUSTER_STATUS") == 0)
			snprintf(out->cluster_status,
			    sizeof out->cluster_status, "%s", v);
		else if (strcasecmp(k, "WSREP_LOCAL_STATE") == 0)
			out->local_state = atoi(v);
		else if (strcasecmp(k, "WSREP_LOCAL_STATE_COMMENT") == 0)
			snprintf(out->local_state_comment,
			    sizeof out->local_state_comment, "%s", v);
		else if (strcasecmp(k, "WSREP_CLUSTER_SIZE") == 0)
			out->cluster_size = strtoll(v, NULL, 10);
		else if (strcasecmp(k, "WSREP_LOCAL_CERT_FAILURES") == 0)
			out->cert_failures = strtoll(v, NULL, 10);
	}
	db_rows_free(r);
	return DB_OK;
}
