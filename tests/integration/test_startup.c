/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_startup.c - real loomd processes on a real mariadbd: migrations
 * applied exactly once, the ID partition registry refusing conflicts (exit
 * 78, naming the other datacenter), a schema newer than the binary, new
 * counters starting above stored IDs, SIGTERM and SIGHUP.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"
#include "schema.h"

static struct fx_db db;
static char dbname[64];

static void
setup(void)
{
	fx_db_from_env(&db);
	fx_db_name(dbname, sizeof dbname);
}

static void
teardown(void)
{
	char sql[128];

	if (dbname[0] == '\0' || db.user[0] == '\0')
		return;
	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", dbname);
	fx_sql(&db, NULL, sql, NULL, 0);
}

TestSuite(startup, .init = setup, .fini = teardown, .timeout = 120);
FX_MAIN(FX_NEED_DB, 0)

/* Prepare a daemon of datacenter dc with the given partition. */
static void
dc(struct fx_daemon *d, const char *name, int start, int inc)
{
	char extra[256];

	snprintf(extra, sizeof extra,
	    "datacenter = \"%s\";\nids = { "
	    "start_num = %d; increment_by = %d; };",
	    name, start, inc);
	fx_daemon_prepare(d, &db, dbname, extra);
}

/* Start d and expect exit 78 with msg in its log. */
static void
expect_refused(struct fx_daemon *d, const char *msg)
{
	char log[16384];
	int st = 0;

	cr_assert_eq(fx_daemon_start(d, &st), -1, "started but should not");
	fx_daemon_log(d, log, sizeof log);
	cr_expect_eq(st, 78, "exit %d\n%s", st, log);
	cr_expect(strstr(log, msg) != NULL, "want: %s\ngot:\n%s", msg, log);
}

/*
 * Configure d as datacenter name (start_num, increment_by), start it and
 * stop it again: its registration stays in the database.
 */
static void
register_dc(struct fx_daemon *d, const char *name, int start, int inc)
{
	dc(d, name, start, inc);
	cr_assert_eq(fx_daemon_start(d, NULL), 0);
	fx_daemon_stop(d);
}

/* Start loomd for d without waiting; it writes its port to <dir>/port. */
static void
spawn(struct fx_daemon *d)
{
	char portfile[320];

	snprintf(portfile, sizeof portfile, "%s/port", d->dir);
	d->pid = fork();
	if (d->pid == 0) {
		freopen(d->log, "w", stderr);
		execl(getenv("LOOMD_BIN"), "loomd", "-c", d->conf, "--port",
		    "0", "--port-file", portfile, (char *)NULL);
		_exit(127);
	}
}

Test(startup, fresh_database_gets_every_migration_once)
{
	struct fx_daemon d;
	char out[256];

	dc(&d, "dc1", 1, 10);
	cr_assert_eq(fx_daemon_start(&d, NULL), 0);
	cr_assert_eq(fx_sql(&db, dbname,
			 "SELECT COUNT(*) FROM schema_version "
			 "WHERE state = 'done'",
			 out, sizeof out),
	    0, "%s", out);
	cr_expect_eq(atoi(out), (int)schema_migrations_count);
	cr_assert_eq(
	    fx_sql(&db, dbname,
		"SELECT COUNT(*) FROM "
		"information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND "
		"ENGINE <> 'InnoDB'",
		out, sizeof out),
	    0, "%s", out);
	cr_expect_str_eq(out, "0", "every table is InnoDB");
	cr_assert_eq(
	    fx_sql(&db, dbname,
		"SELECT COUNT(*) FROM "
		"information_schema.TABLES t WHERE t.TABLE_SCHEMA = DATABASE() "
		"AND NOT EXISTS (SELECT 1 FROM information_schema.STATISTICS s "
		"WHERE s.TABLE_SCHEMA = t.TABLE_SCHEMA AND s.TABLE_NAME = "
		"t.TABLE_NAME AND s.INDEX_NAME = 'PRIMARY')",
		out, sizeof out),
	    0, "%s", out);
	cr_expect_str_eq(out, "0", "every table has a primary key");
	/* The documents kept per task and per node are stored compressed. */
	cr_assert_eq(
	    fx_sql(&db, dbname,
		"SELECT GROUP_CONCAT(CONCAT(TABLE_NAME, '.', COLUMN_NAME) "
		"ORDER BY TABLE_NAME, COLUMN_NAME) FROM "
		"information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
		"AND COLUMN_TYPE LIKE '%COMPRESSED%'",
		out, sizeof out),
	    0, "%s", out);
	cr_expect_str_eq(out, "nodes.doc,tasks.config,tasks.original_config");
	cr_expect_eq(fx_daemon_stop(&d), 0, "SIGTERM is a clean exit");
	/* A restart verifies and applies nothing again. */
	cr_assert_eq(fx_daemon_start(&d, NULL), 0);
	fx_sql(&db, dbname, "SELECT COUNT(*) FROM schema_version", out,
	    sizeof out);
	cr_expect_eq(atoi(out), (int)schema_migrations_count);
	fx_daemon_stop(&d);
}

Test(startup, three_servers_starting_together_apply_migrations_once)
{
	struct fx_daemon d[3];
	char log[16384], out[64];
	int i, applied = 0;

	dc(&d[0], "dc1", 1, 10);
	dc(&d[1], "dc2", 2, 10);
	dc(&d[2], "dc3", 3, 10);
	/* Start all three without waiting in between. */
	for (i = 0; i < 3; i++)
		spawn(&d[i]);
	for (i = 0; i < 3; i++) {
		char portfile[320];
		FILE *fp = NULL;
		double deadline = fx_now_ms() + 30000;

		snprintf(portfile, sizeof portfile, "%s/port", d[i].dir);
		while (fx_now_ms() < deadline &&
		    (fp = fopen(portfile, "r")) == NULL)
			usleep(20000);
		cr_assert_not_null(fp, "server %d did not start", i);
		fclose(fp);
	}
	for (i = 0; i < 3; i++) {
		fx_daemon_log(&d[i], log, sizeof log);
		if (strstr(log, "schema: applying migration 0001") != NULL)
			applied++;
		fx_daemon_stop(&d[i]);
	}
	cr_expect_eq(applied, 1, "exactly one server applies migration 0001");
	fx_sql(&db, dbname, "SELECT COUNT(*) FROM id_partitions", out,
	    sizeof out);
	cr_expect_str_eq(out, "3");
}

Test(startup, residue_taken_by_another_datacenter_is_refused)
{
	struct fx_daemon a, b;

	dc(&a, "dc1", 1, 10);
	cr_assert_eq(fx_daemon_start(&a, NULL), 0);
	dc(&b, "dc2", 1, 10);
	expect_refused(&b,
	    "ids: datacenter dc1 already holds residue 1 "
	    "(start_num 1, increment_by 10); choose another ids.start_num");
	fx_daemon_stop(&a);
}

/*
 * With dc1 registered (start_num 1, increment_by 10), a loomd of
 * datacenter name with start_num start and increment_by inc is refused
 * with message.
 */
static void
refused_after_dc1(const char *name, int start, int inc, const char *message)
{
	struct fx_daemon a, b;

	register_dc(&a, "dc1", 1, 10);
	dc(&b, name, start, inc);
	expect_refused(&b, message);
}

Test(startup, increment_mismatch_is_refused)
{
	refused_after_dc1("dc2", 2, 20,
	    "ids: datacenter dc1 uses increment_by 10 "
	    "(start_num 1) but this configuration has increment_by 20; "
	    "every datacenter must use the same increment_by");
}

Test(startup, datacenter_returning_with_other_values_is_refused)
{
	refused_after_dc1("dc1", 4, 10,
	    "ids: datacenter dc1 is registered with start_num "
	    "1, increment_by 10 but this configuration has start_num 4, "
	    "increment_by 10");
}

Test(startup, the_last_free_residue_is_kept)
{
	struct fx_daemon a, b, c;

	register_dc(&a, "dc1", 0, 3);
	register_dc(&b, "dc2", 1, 3);
	dc(&c, "dc3", 2, 3);
	expect_refused(&c,
	    "ids: registering datacenter dc3 would make 3 "
	    "datacenters with increment_by 3, leaving no free residue");
}

Test(startup, two_datacenters_racing_for_one_residue_start_once)
{
	struct fx_daemon d[2];
	int st[2], ok = 0, refused = 0, i;

	dc(&d[0], "dc1", 5, 10);
	dc(&d[1], "dc2", 5, 10);
	/* Apply the schema first so that both race on registration only. */
	{
		struct fx_daemon z;

		dc(&z, "dcz", 9, 10);
		cr_assert_eq(fx_daemon_start(&z, NULL), 0);
		fx_daemon_stop(&z);
	}
	for (i = 0; i < 2; i++)
		spawn(&d[i]);
	for (i = 0; i < 2; i++) {
		char portfile[320];
		double deadline = fx_now_ms() + 30000;
		int w;

		snprintf(portfile, sizeof portfile, "%s/port", d[i].dir);
		st[i] = -1;
		while (fx_now_ms() < deadline) {
			if (access(portfile, F_OK) == 0) {
				st[i] = 0;
				break;
			}
			if (waitpid(d[i].pid, &w, WNOHANG) == d[i].pid) {
				st[i] = WEXITSTATUS(w);
				d[i].pid = -1;
				break;
			}
			usleep(20000);
		}
		if (st[i] == 0)
			ok++;
		else if (st[i] == 78)
			refused++;
		fx_daemon_stop(&d[i]);
	}
	cr_expect_eq(ok, 1);
	cr_expect_eq(refused, 1);
}

Test(startup, a_new_counter_starts_above_stored_ids)
{
	struct fx_daemon a, b;
	char out[64];

	register_dc(&a, "dc1", 1, 10);
	/* dc1 has handed out cluster IDs up to 5001. */
	cr_assert_eq(fx_sql(&db, dbname,
			 "UPDATE id_counters SET next_value "
			 "= 5011 WHERE kind = 'cluster' AND residue = 1",
			 out, sizeof out),
	    0, "%s", out);
	register_dc(&b, "dc2", 2, 10);
	fx_sql(&db, dbname,
	    "SELECT next_value FROM id_counters WHERE kind = "
	    "'cluster' AND residue = 2",
	    out, sizeof out);
	cr_expect_str_eq(out, "5012");
	fx_sql(&db, dbname,
	    "SELECT next_value FROM id_counters WHERE kind = "
	    "'job' AND residue = 2",
	    out, sizeof out);
	cr_expect_str_eq(out, "2");
}

Test(startup, schema_newer_than_the_binary_is_refused)
{
	struct fx_daemon a, b;

	register_dc(&a, "dc1", 1, 10);
	cr_assert_eq(
	    fx_sql(&db, dbname,
		"INSERT INTO schema_version (version,"
		" name, checksum, state, applied_by) VALUES (9999, '9999_future',"
		" '0', 'done', 'test')",
		NULL, 0),
	    0);
	dc(&b, "dc1", 1, 10);
	expect_refused(&b,
	    "the database schema is at version 9999 but this "
	    "loomd only knows up to");
}

Test(startup, sighup_reloads_the_log_level_and_names_restart_keys)
{
	struct fx_daemon d;
	char log[16384];
	FILE *fp;

	dc(&d, "dc1", 1, 10);
	cr_assert_eq(fx_daemon_start(&d, NULL), 0);
	fp = fopen(d.conf, "a");
	fprintf(fp,
	    "log = { level = \"debug\"; };\n"
	    "cluster = { max_size = 5; };\n");
	fclose(fp);
	kill(d.pid, SIGHUP);
	usleep(500000);
	fx_daemon_log(&d, log, sizeof log);
	cr_expect(strstr(log, "reload: log.level changed") != NULL, "%s", log);
	cr_expect(strstr(log,
		      "reload: cluster.max_size changed: restart "
		      "required") != NULL,
	    "%s", log);
	/* A broken file keeps the running configuration. */
	fp = fopen(d.conf, "a");
	fprintf(fp, "nonsense = ;\n");
	fclose(fp);
	kill(d.pid, SIGHUP);
	usleep(500000);
	fx_daemon_log(&d, log, sizeof log);
	cr_expect(strstr(log,
		      "reload: failed; keeping the running "
		      "configuration") != NULL,
	    "%s", log);
	cr_expect_eq(fx_daemon_stop(&d), 0);
}
