/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_db.c - the database layer (db.c) against a real MariaDB: a
 * statement whose result fails part way (an error packet after its column
 * list, as a brute-force abort of a locking read sends) fails at once and
 * can be run again at once on the same connection, instead of leaving the
 * cached statement waiting for the rest of a result that never comes
 * until the read timeout.  Under Galera that was a 5 s stall of the
 * re-run of a transaction aborted in its locking read.  And
 * db_exec_tx_one() binds a statement's parameters again when the runner
 * runs it again.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <mysql.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "db.h"
#include "fixture.h"

/* 1242: a subquery returned more than one row. */
#define ER_SUBQUERY_NO_1_ROW 1242

/* The read timeout the connection gets: the stall this test looks for. */
#define READ_TIMEOUT_MS 3000

static struct cfg k;
static struct db_conn *c;

/*
 * Rows 1 and 2 are sent, then row n = ? fails: the subquery is evaluated
 * only for it, after the server sent the column list.
 */
static const char *sql_fails_part_way =
    "SELECT n, IF(n = ?, (SELECT 1 UNION ALL SELECT 2), n) FROM (SELECT 1 "
    "AS n UNION ALL SELECT 2 UNION ALL SELECT 3) t";

static void
setup(void)
{
	char text[1024], err[LOOMD_ERR_LEN];
	struct cfg_errors errs = { NULL, 0 };
	struct fx_db db;

	fx_db_from_env(&db);
	if (db.socket[0] != '\0')
		snprintf(text, sizeof text,
		    "db = { socket = \"%s\"; user = \"%s\"; password = \"%s\"; "
		    "name = \"unused\"; read_timeout_ms = %d; };\n",
		    db.socket, db.user, db.password, READ_TIMEOUT_MS);
	else
		snprintf(text, sizeof text,
		    "db = { host = \"%s\"; port = %d; user = \"%s\"; password "
		    "= \"%s\"; name = \"unused\"; read_timeout_ms = %d; };\n",
		    db.host, db.port, db.user, db.password, READ_TIMEOUT_MS);
	cr_assert_eq(cfg_load_string(&k, "test_db", text, &errs), 0);
	db_global_init(&k);
	/* The admin role names no database: the statements need none. */
	c = db_connect(DB_ROLE_ADMIN, NULL, err);
	cr_assert_not_null(c, "%s", err);
}

static void
teardown(void)
{
	db_close(c);
	db_global_end();
}

TestSuite(db, .init = setup, .fini = teardown, .timeout = 60);
FX_MAIN(FX_NEED_DB, 0)

Test(db, a_query_whose_result_fails_part_way_can_run_again_at_once)
{
	struct db_rows *r = NULL;
	enum db_status st;
	double t0, ms;
	int i;

	for (i = 0; i < 3; i++) {
		t0 = fx_now_ms();
		st = db_query(c, sql_fails_part_way, &r, "i", (int64_t)3);
		ms = fx_now_ms() - t0;
		cr_expect_neq(st, DB_OK, "run %d", i);
		cr_expect_null(r);
		cr_expect_eq(db_errno(c), ER_SUBQUERY_NO_1_ROW, "run %d: %s",
		    i, db_error(c));
		cr_expect_lt(ms, READ_TIMEOUT_MS / 3, "run %d took %.0f ms", i,
		    ms);
	}
	/* The same statement, the same connection, a result without error. */
	st = db_query(c, sql_fails_part_way, &r, "i", (int64_t)0);
	cr_assert_eq(st, DB_OK, "%s", db_error(c));
	cr_expect_eq(r->nrows, 3);
	cr_expect_str_eq(db_rows_get(r, 2, 1), "3");
	db_rows_free(r);
}

Test(db, an_exec_whose_rows_fail_part_way_fails_and_can_run_again_at_once)
{
	enum db_status st;
	double t0, ms;
	int i;

	for (i = 0; i < 3; i++) {
		t0 = fx_now_ms();
		st = db_exec(c, sql_fails_part_way, NULL, "i", (int64_t)3);
		ms = fx_now_ms() - t0;
		/* Not a success: the statement did fail. */
		cr_expect_neq(st, DB_OK, "run %d", i);
		cr_expect_eq(db_errno(c), ER_SUBQUERY_NO_1_ROW, "run %d: %s",
		    i, db_error(c));
		cr_expect_lt(ms, READ_TIMEOUT_MS / 3, "run %d took %.0f ms", i,
		    ms);
	}
	st = db_exec(c, sql_fails_part_way, NULL, "i", (int64_t)0);
	cr_expect_eq(st, DB_OK, "%s", db_error(c));
}

/* A connection of the test's holding a row lock for hold_ms, then none. */
struct holder {
	MYSQL *my;
	int hold_ms;
};

static void *
holder_main(void *arg)
{
	struct holder *h = arg;

	usleep((useconds_t)h->hold_ms * 1000);
	mysql_query(h->my, "ROLLBACK");
	return NULL;
}

/*
 * db_exec_tx_one binds its parameters again when the runner runs the
 * statement again: an UPDATE that waits out innodb_lock_wait_timeout
 * (1205) behind another connection's lock is re-run with the same values
 * once the lock is gone.  With DB_ONE_TRY it is tried once and dropped.
 */
Test(db, a_statement_run_again_binds_its_parameters_again)
{
	static char update[192];
	char dbname[64], sql[256], out[64], err[LOOMD_ERR_LEN];
	struct db_stats before, after;
	struct holder h = { NULL, 1500 };
	struct fx_db db;
	pthread_t t;
	uint64_t n = 0;

	fx_db_from_env(&db);
	fx_db_name(dbname, sizeof dbname);
	snprintf(sql, sizeof sql, "CREATE DATABASE %s", dbname);
	cr_assert_eq(fx_sql(&db, NULL, sql, out, sizeof out), 0, "%s", out);
	snprintf(sql, sizeof sql,
	    "CREATE TABLE %s.t (id INT PRIMARY KEY, v BIGINT) ENGINE=InnoDB",
	    dbname);
	cr_assert_eq(fx_sql(&db, NULL, sql, out, sizeof out), 0, "%s", out);
	snprintf(sql, sizeof sql, "INSERT INTO %s.t VALUES (1, 0)", dbname);
	cr_assert_eq(fx_sql(&db, NULL, sql, out, sizeof out), 0, "%s", out);
	/* The statement text stays unchanged while c lives, as db.h asks. */
	snprintf(update, sizeof update, "UPDATE %s.t SET v = ? WHERE id = ?",
	    dbname);
	cr_assert_eq(db_exec(c, "SET SESSION innodb_lock_wait_timeout = 1",
			 NULL, ""),
	    DB_OK, "%s", db_error(c));

	/* Held: one try, dropped. */
	h.my = fx_db_connect(&db, dbname, out, sizeof out);
	cr_assert_not_null(h.my, "%s", out);
	cr_assert_eq(mysql_query(h.my, "BEGIN"), 0);
	cr_assert_eq(mysql_query(h.my,
			 "SELECT * FROM t WHERE id = 1 FOR UPDATE"),
	    0);
	mysql_free_result(mysql_store_result(h.my));
	cr_expect_neq(db_exec_tx_one(c, DB_ONE_TRY, &n, err, update, "ii",
			  (int64_t)7, (int64_t)1),
	    DB_OK, "a try behind the lock fails");

	/* Held for 1.5 s: the first run times out, the next succeeds. */
	db_stats_get(&before);
	cr_assert_eq(pthread_create(&t, NULL, holder_main, &h), 0);
	cr_expect_eq(db_exec_tx_one(c, DB_ONE_RUN, &n, err, update, "ii",
			 (int64_t)42, (int64_t)1),
	    DB_OK, "%s", err);
	pthread_join(t, NULL);
	db_stats_get(&after);
	cr_expect_gt(after.retries_1205, before.retries_1205,
	    "the statement was run again after a lock wait timeout");
	cr_expect_eq(n, 1);
	snprintf(sql, sizeof sql, "SELECT v FROM %s.t WHERE id = 1", dbname);
	cr_assert_eq(fx_sql(&db, NULL, sql, out, sizeof out), 0, "%s", out);
	cr_expect_str_eq(out, "42", "the re-run bound the same values");

	mysql_close(h.my);
	snprintf(sql, sizeof sql, "DROP DATABASE %s", dbname);
	fx_sql(&db, NULL, sql, NULL, 0);
}
