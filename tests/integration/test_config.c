/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_config.c - the real loomd binary on bad configuration files: each
 * must exit 78 (EX_CONFIG) and print the exact "file:line: key: message"
 * line; a file with several problems reports all of them.  No database is
 * needed: loomd refuses before it connects.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"

struct bad_conf {
	const char *text;
	const char *expect; /* after "<file>:" */
};

static const struct bad_conf bad_confs[] = {
	{ "nosuch = 1;", "1: nosuch: unknown key" },
	{ "ha = {\n  unknown_thing = true;\n};",
	    "2: ha.unknown_thing: "
	    "unknown key" },
	{ "server = { port = \"80\"; };",
	    "1: server.port: expected an "
	    "integer, got a string" },
	{ "server = { port = 1.5; };",
	    "1: server.port: expected an integer, "
	    "got a float" },
	{ "server = { port = 70000; };",
	    "1: server.port: must be between 0 "
	    "and 65535 (got 70000)" },
	{ "server = { threads = 0; };",
	    "1: server.threads: must be between 1 "
	    "and 512 (got 0)" },
	{ "server = { max_body_bytes = 10; };",
	    "1: server.max_body_bytes: "
	    "must be between 1024 and 1073741824 (got 10)" },
	{ "ids = { increment_by = 0; };",
	    "1: ids.increment_by: must be "
	    "between 1 and 1000000 (got 0)" },
	{ "ids = { start_num = -1; };",
	    "1: ids.start_num: must be between 0 "
	    "and 9007199254740991 (got -1)" },
	{ "ids = {\n start_num = 10;\n increment_by = 10; };",
	    "2: ids.start_num: must be less than ids.increment_by (10) so that "
	    "it names its residue (got 10)" },
	{ "ids = { block_size = 0; };",
	    "1: ids.block_size: must be between 1 "
	    "and 1000000 (got 0)" },
	{ "db = { sync_wait = 1; };",
	    "1: db.sync_wait: expected a boolean "
	    "(true or false), got an integer" },
	{ "db = 5;", "1: db: expected a group, got an integer" },
	{ "db = { name = \"loom-d\"; };",
	    "1: db.name: must be 1 to 64 "
	    "characters of [a-zA-Z0-9_] (got \"loom-d\")" },
	{ "db = { password = \"x\"; password_file = \"/etc/hostname\"; };",
	    "1: db.password_file: cannot be combined with db.password" },
	{ "db = { password_file = \"/nonexistent/pw\"; };",
	    "1: db.password_file: cannot open /nonexistent/pw: No such file or "
	    "directory" },
	{ "db = { tx_backoff_base_ms = 100; tx_backoff_max_ms = 50; };",
	    "1: db.tx_backoff_max_ms: must not be less than "
	    "db.tx_backoff_base_ms (100)" },
	{ "log = { level = \"verbose\"; };",
	    "1: log.level: must be one of "
	    "error, warn, info, debug (got \"verbose\")" },
	{ "datacenter = \"dc 1\";",
	    "1: datacenter: must be 1 to 64 "
	    "characters of [a-zA-Z0-9_.-] (got \"dc 1\")" },
	{ "server = { host = \"\"; };", "1: server.host: must not be empty" },
	{ "server = { port = ; };", "1: (syntax): syntax error" },
	{ "server = { port = 7000; health_port = 7000; };",
	    "1: server.health_port: must differ from server.port (7000)" },
	{ "ha = { rejoin_holddown_ms = -1; };",
	    "1: ha.rejoin_holddown_ms: "
	    "must be between 0 and 600000 (got -1)" },
	{ "auth = { require_api_key = \"yes\"; };",
	    "1: auth.require_api_key: "
	    "expected a boolean (true or false), got a string" },
};

/* Write text to a new temp file; path into out. */
static void
write_conf(char *out, size_t n, const char *text, mode_t mode)
{
	FILE *fp;
	int fd;

	snprintf(out, n, "/tmp/loomd-conf.XXXXXX");
	fd = mkstemp(out);
	cr_assert_neq(fd, -1);
	fp = fdopen(fd, "w");
	fprintf(fp, "%s\n", text);
	fclose(fp);
	chmod(out, mode);
}

/* Does text contain line as a whole line? */
static int
has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') &&
		    (p[n] == '\n' || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

Test(config, every_bad_file_exits_78_with_its_exact_message)
{
	char path[64], out[8192], want[1024];
	size_t i;
	int st;

	cr_assert_geq(sizeof bad_confs / sizeof bad_confs[0], 15);
	for (i = 0; i < sizeof bad_confs / sizeof bad_confs[0]; i++) {
		write_conf(path, sizeof path, bad_confs[i].text, 0644);
		snprintf(want, sizeof want, "%s:%s", path,
		    bad_confs[i].expect);
		st = fx_run_loomd(path, "-t", out, sizeof out);
		cr_expect_eq(st, 78, "case %zu: exit %d\n%s", i, st, out);
		cr_expect(has_line(out, want), "case %zu: want\n%s\ngot\n%s",
		    i, want, out);
		/* Without -t it refuses the same way, before any database. */
		st = fx_run_loomd(path, "", out, sizeof out);
		cr_expect_eq(st, 78, "case %zu (run): exit %d", i, st);
		cr_expect(has_line(out, want), "case %zu (run): %s", i, out);
		unlink(path);
	}
}

Test(config, all_problems_of_a_file_are_reported)
{
	static const char *const lines[] = {
		"1: server.port: must be between 0 and 65535 (got -1)",
		"2: bogus: unknown key",
		"3: log.level: must be one of error, warn, info, debug "
		"(got \"loud\")",
	};
	char path[64], out[8192], want[1024];
	size_t i;
	int st;

	write_conf(path, sizeof path,
	    "server = { port = -1; };\n"
	    "bogus = true;\n"
	    "log = { level = \"loud\"; };",
	    0644);
	st = fx_run_loomd(path, "-t", out, sizeof out);
	cr_assert_eq(st, 78);
	for (i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		snprintf(want, sizeof want, "%s:%s", path, lines[i]);
		cr_expect(has_line(out, want), "want %s in\n%s", want, out);
	}
	cr_expect(strstr(out, "3 configuration errors") != NULL, "%s", out);
	unlink(path);
}

Test(config, password_file_readable_by_others_is_refused)
{
	char pw[64], path[64], text[256], out[4096], want[512];

	write_conf(pw, sizeof pw, "secret", 0644);
	snprintf(text, sizeof text, "db = { password_file = \"%s\"; };", pw);
	write_conf(path, sizeof path, text, 0644);
	cr_assert_eq(fx_run_loomd(path, "-t", out, sizeof out), 78);
	snprintf(want, sizeof want,
	    "%s:1: db.password_file: %s is readable "
	    "by group or others (mode 0644); chmod 600 it",
	    path, pw);
	cr_expect(has_line(out, want), "%s", out);
	chmod(pw, 0600);
	cr_assert_eq(fx_run_loomd(path, "-t", out, sizeof out), 0, "%s", out);
	unlink(pw);
	unlink(path);
}

Test(config, missing_file_is_a_config_error)
{
	char out[4096];

	cr_assert_eq(fx_run_loomd("/nonexistent/loomd.conf", "-t", out,
			 sizeof out),
	    78);
	cr_expect(strstr(out,
		      "/nonexistent/loomd.conf:0: (file): cannot "
		      "read") != NULL,
	    "%s", out);
}

Test(config, sample_configs_validate)
{
	const char *samples[] = { "etc/loomd.conf", "etc/loomd-minimal.conf" };
	char path[1024], out[4096];
	size_t i;

	for (i = 0; i < 2; i++) {
		fx_srcpath(path, sizeof path, samples[i]);
		cr_expect_eq(fx_run_loomd(path, "-t", out, sizeof out), 0,
		    "%s: %s", samples[i], out);
	}
}
