/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_cfg.c - the configuration table and loader, in memory: defaults,
 * a full valid file, every problem reported (not just the first), line
 * numbers, and the reload diff.  The process-level table of bad files with
 * exit 78 is tests/integration/test_config.c.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "callback.h"
#include "cfg.h"

/*
 * Assert that errs holds exactly the messages of want (NULL-terminated),
 * in order: a wrong count stops the test, each wrong message is reported.
 */
static void
assert_errors(const struct cfg_errors *errs, const char *const *want)
{
	size_t i, n = 0;

	while (want[n] != NULL)
		n++;
	cr_assert_eq(errs->n, n, "%zu errors, want %zu; first: %s", errs->n, n,
	    errs->n > 0 ? errs->lines[0] : "(none)");
	for (i = 0; i < n; i++)
		cr_expect_str_eq(errs->lines[i], want[i], "error %zu", i);
}

/*
 * Load text (as the file name) into c, which the caller frees with
 * cfg_free: the load must return want and, when errors is not NULL, report
 * exactly those messages (as assert_errors).
 */
static void
load(struct cfg *c, const char *name, const char *text, int want,
    const char *const *errors)
{
	struct cfg_errors errs = { NULL, 0 };

	cr_assert_eq(cfg_load_string(c, name, text, &errs), want, "%s: %s",
	    name, errs.n > 0 ? errs.lines[0] : "no error");
	if (errors != NULL)
		assert_errors(&errs, errors);
	cfg_errors_free(&errs);
}

Test(cfg, defaults_match_the_table)
{
	struct cfg c;

	cfg_defaults(&c);
	cr_assert_eq(c.server_port, 55054);
	cr_assert_eq(c.ids_start_num, 1);
	cr_assert_eq(c.ids_increment_by, 1);
	cr_assert_eq(c.server_max_body_bytes, 1048576);
	cr_assert(c.db_sync_wait);
	cr_assert_str_eq(c.log_level, "info");
	cr_assert_str_eq(c.datacenter, "dc1");
	cr_assert_eq(cfg_ids_residue(&c), 0);
	cfg_free(&c);
}

Test(cfg, every_default_is_within_its_bounds)
{
	const struct cfg_key *k;
	long long v;

	for (k = cfg_keys; k->name != NULL; k++) {
		cr_assert_not_null(k->help, "%s has no help", k->name);
		if (k->type != CFG_INT)
			continue;
		v = strtoll(k->def, NULL, 10);
		cr_assert(v >= k->min && v <= k->max,
		    "%s default %lld out "
		    "of [%lld, %lld]",
		    k->name, v, (long long)k->min, (long long)k->max);
	}
}

Test(cfg, a_valid_file_sets_every_kind_of_key)
{
	struct cfg c;

	load(&c, "t.conf",
	    "datacenter = \"east-1\";\n"
	    "server = { host = \"0.0.0.0\"; port = 8080; threads = 16; };\n"
	    "ids = { start_num = 3; increment_by = 10; block_size = 50; };\n"
	    "db = { socket = \"/run/x.sock\"; sync_wait = false; "
	    "tx_max_retries = 7L; };\n"
	    "log = { level = \"debug\"; };\n",
	    0, NULL);
	cr_assert_str_eq(c.datacenter, "east-1");
	cr_assert_str_eq(c.server_host, "0.0.0.0");
	cr_assert_eq(c.server_port, 8080);
	cr_assert_eq(c.ids_start_num, 3);
	cr_assert_eq(c.ids_increment_by, 10);
	cr_assert_eq(cfg_ids_residue(&c), 3);
	cr_assert_eq(c.ids_block_size, 50);
	cr_assert_str_eq(c.db_socket, "/run/x.sock");
	cr_assert(!c.db_sync_wait);
	cr_assert_eq(c.db_tx_max_retries, 7);
	cr_assert_str_eq(c.log_level, "debug");
	cfg_free(&c);
}

Test(cfg, all_problems_are_reported_with_their_lines)
{
	struct cfg c;

	load(&c, "m.conf",
	    "server = { port = 99999; };\n"
	    "bogus = 1;\n"
	    "ids = { start_num = 12;\n"
	    "        increment_by = 10; };\n"
	    "log = { level = 3; };\n",
	    -1,
	    (const char *const[]){
		"m.conf:1: server.port: must be between 0 and 65535 "
		"(got 99999)",
		"m.conf:2: bogus: unknown key",
		"m.conf:5: log.level: expected a string, got an integer",
		"m.conf:3: ids.start_num: must be less than ids.increment_by "
		"(10) so that it names its residue (got 12)",
		NULL });
	cfg_free(&c);
}

Test(cfg, start_num_may_exceed_increment_of_one)
{
	struct cfg c;

	load(&c, "o.conf", "ids = { start_num = 1000; increment_by = 1; };\n",
	    0, NULL);
	cr_assert_eq(cfg_ids_residue(&c), 0);
	cfg_free(&c);
}

Test(cfg, reload_applies_reloadable_and_counts_restarts)
{
	struct cfg a, b;

	load(&a, "a", "log = { level = \"info\"; };", 0, NULL);
	load(&b, "b",
	    "log = { level = \"debug\"; };"
	    "server = { port = 1234; threads = 2; };",
	    0, NULL);
	cr_assert_eq(cfg_apply_reload(&a, &b), 2);
	cr_assert_str_eq(a.log_level, "debug");
	cr_assert_eq(a.server_port, 55054, "port needs a restart");
	cfg_free(&a);
	cfg_free(&b);
}

Test(cfg, unknown_keys_are_found_by_name)
{
	cr_assert_not_null(cfg_find_key("db.sync_wait"));
	cr_assert_null(cfg_find_key("db.sync"));
	cr_assert_null(cfg_find_key("db"));
}

Test(cfg, listener_and_limit_rules)
{
	struct cfg c;

	load(&c, "l.conf",
	    "server = { port = 5000; tasks_port = 5000; threads = 64;\n"
	    "           max_connections = 32; tasks_host = \"\"; };\n",
	    -1,
	    (const char *const[]){
		"l.conf:1: server.tasks_port: must differ from server.port "
		"and server.health_port",
		"l.conf:2: server.max_connections: must not be less than "
		"server.threads (64)",
		"l.conf:2: server.tasks_host: must not be empty when "
		"server.tasks_port is set",
		NULL });
	cr_expect_null(c.tasks_token);
	cfg_free(&c);
}

Test(cfg, token_file_is_read_and_checked)
{
	struct cfg_errors errs = { NULL, 0 };
	char path[64], text[256];
	struct cfg c;
	FILE *fp;

	snprintf(path, sizeof path, "/tmp/loomd-cfg-token.%d", (int)getpid());
	fp = fopen(path, "w");
	cr_assert_not_null(fp);
	fputs("tok-123\n", fp);
	fclose(fp);
	snprintf(text, sizeof text, "tasks = { token_file = \"%s\"; };\n",
	    path);
	chmod(path, 0600);
	cr_assert_eq(cfg_load_string(&c, "t.conf", text, &errs), 0);
	cr_expect_str_eq(c.tasks_token, "tok-123");
	cfg_free(&c);
	chmod(path, 0640);
	cr_assert_eq(cfg_load_string(&c, "t.conf", text, &errs), -1);
	cr_expect_not_null(strstr(errs.lines[0], "chmod 600"), "%s",
	    errs.lines[0]);
	cr_expect_null(c.tasks_token);
	cfg_free(&c);
	cfg_errors_free(&errs);
	fp = fopen(path, "w");
	fclose(fp);
	chmod(path, 0600);
	cr_assert_eq(cfg_load_string(&c, "t.conf", text, &errs), -1);
	cr_expect_not_null(strstr(errs.lines[0], "is empty"), "%s",
	    errs.lines[0]);
	cfg_free(&c);
	cfg_errors_free(&errs);
	unlink(path);
}

Test(cfg, callback_urls_and_triggers)
{
	struct cfg_errors errs = { NULL, 0 };
	struct cfg c;

	cr_assert_eq(cfg_load_string(&c, "cb.conf",
			 "callback = { start_url = \"HTTPS://rx.example/a\";\n"
			 "  success_triggers = \" cluster_create ,, "
			 "ADD_SERVICES \"; };\n",
			 &errs),
	    0);
	cr_expect(callback_triggers_match(c.callback_success_triggers,
	    "CLUSTER_CREATE"));
	cr_expect(callback_triggers_match(c.callback_success_triggers,
	    "ADD_SERVICES"));
	cr_expect(!callback_triggers_match(c.callback_success_triggers,
	    "CLUSTER_DELETE"));
	cr_expect(callback_triggers_match(c.callback_start_triggers,
		      "SOLVE_LAYOUT"),
	    "an empty list is every action");
	cr_expect(c.callback_start_gate);
	cfg_free(&c);
	cr_assert_eq(cfg_load_string(&c, "cb.conf",
			 "callback = { start_url = \"ftp://rx/a\";\n"
			 "  failure_url = \"http://\";\n"
			 "  start_triggers = \"CLUSTER_CREATE,STOP\"; };\n",
			 &errs),
	    -1);
	cr_assert_eq(errs.n, 3);
	cr_expect_str_eq(errs.lines[0],
	    "cb.conf:1: callback.start_url: must be an http:// or https:// "
	    "URL, or empty for none (got \"ftp://rx/a\")");
	cr_expect_not_null(strstr(errs.lines[1],
	    "cb.conf:3: callback.start_triggers: unknown cluster action "
	    "\"STOP\""));
	cr_expect_str_eq(errs.lines[2],
	    "cb.conf:2: callback.failure_url: must name a host, as in "
	    "http://receiver.example:8080/loom (got \"http://\")");
	cfg_free(&c);
	cfg_errors_free(&errs);
}
