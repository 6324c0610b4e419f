/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_dummy_provisioner.c - the pure parts of loom-dummy-provisioner
 * (src/dprov.c): options, backoff, random numbers, the verdicts on take and
 * finish answers (API §1.7: 200/204 on take, 200/417/400 on finish), task
 * parsing with the §1.7 example task, the fake CREATE results that loomd
 * merges into node properties (§2.6), the finish body and the log line.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <json-c/json.h>

#include "dprov.h"

/* The task of API §1.7, as handed out by POST /v1/loom/tasks/take. */
static const char test_dprov_task[] =
    "{\"taskId\":\"00000001-002-071\",\"jobId\":\"00000001-002\","
    "\"clusterId\":\"00000001\",\"taskName\":\"START\","
    "\"nodeId\":\"edbafd4c-191a-42e7-9f8b-6625a74fa04e\","
    "\"config\":{"
    "\"cluster\":{\"hadoop\":{\"core_site\":"
    "{\"fs.defaultFS\":\"hdfs://test1-1000.local\"}}},"
    "\"service\":{\"name\":\"hbase-regionserver\",\"action\":"
    "{\"type\":\"chef\",\"script\":\"recipe[...]\",\"data\":\"{...}\"}},"
    "\"hardwaretype\":\"medium\",\"flavor\":\"5\",\"imagetype\":\"ubuntu12\","
    "\"image\":\"80fbcb55-...\",\"nodenum\":\"1001\","
    "\"hostname\":\"test1-1001.local\",\"ipaddress\":\"123.456.0.1\","
    "\"automators\":[\"chef\"],"
    "\"provider\":{\"name\":\"rackspace\",\"description\":"
    "\"Rackspace Public Cloud\",\"providertype\":\"rackspace\","
    "\"provisioner\":{\"auth\":{\"rackspace_username\":\"USERNAME\","
    "\"rackspace_api_key\":\"API_KEY\"}}},"
    "\"nodes\":{\"39aad219-...\":{\"hostname\":\"test1-1000.local\","
    "\"nodenum\":\"1000\",\"ipaddress\":\"123.456.0.100\","
    "\"automators\":[\"chef\"]},\"...\":{}}}}";

/* Parse argv (NULL-terminated list after the program name). */
static int
test_dprov_parse(struct dprov_opts *o, char err[LOOMD_ERR_LEN], ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;

	argv[argc++] = (char *)"loom-dummy-provisioner";
	va_start(ap, err);
	while ((argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	dprov_opts_init(o);
	err[0] = '\0';
	return dprov_opts_parse(o, argc, argv, err);
}

/* Parse s as a JSON object; fails the test otherwise. */
static struct json_object *
test_dprov_json(const char *s)
{
	struct json_object *o = json_tokener_parse(s);

	cr_assert_not_null(o, "not JSON: %s", s);
	cr_assert(json_object_is_type(o, json_type_object));
	return o;
}

/* The string member key of o, or NULL. */
static const char *
test_dprov_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Parse a task body that must be accepted. */
static struct dprov_task *
test_dprov_task_ok(const char *body)
{
	char err[LOOMD_ERR_LEN];
	struct dprov_task *t = NULL;

	cr_assert_eq(dprov_task_parse(body, strlen(body), &t, err), 0,
	    "%s: %s", body, err);
	cr_assert_not_null(t);
	return t;
}

Test(dprov, defaults)
{
	struct dprov_opts o;
	char err[LOOMD_ERR_LEN];

	cr_assert_eq(test_dprov_parse(&o, err, NULL), 0);
	cr_assert_eq(o.action, DPROV_RUN);
	/* Loom's default bind is localhost:55054 (API §0). */
	cr_assert_str_eq(o.uri, "http://127.0.0.1:55054");
	cr_assert_eq(o.workers, 1);
	cr_assert_eq(o.poll_ms, 100);
	cr_assert_eq(o.timeout_ms, 10000);
	cr_assert_eq(o.delay_ms, 0);
	cr_assert_eq(o.max_tasks, 0);
	cr_assert_eq(o.idle_exit_s, 0);
	cr_assert_eq(o.seed_set, 0);
	cr_assert_null(o.log_path);
	cr_assert_null(o.token_file);
	cr_assert_null(o.worker_prefix);
	cr_assert(o.fail_rate == 0.0);
}

Test(dprov, options_both_forms)
{
	struct dprov_opts o;
	char err[LOOMD_ERR_LEN];

	cr_assert_eq(test_dprov_parse(&o, err, "--uri", "http://lb:8080/",
			 "--workers=8", "--worker-prefix", "dc1", "--delay-ms",
			 "250", "--fail-rate=0.25", "--log", "/tmp/x.log",
			 "--max-tasks", "5", "--idle-exit=3", "--seed",
			 "18446744073709551615", "--poll-ms", "20",
			 "--timeout-ms=500", "--backoff-base-ms", "10",
			 "--backoff-max-ms", "90", "--token-file", "/tmp/t",
			 "-v", NULL),
	    0, "%s", err);
	cr_assert_str_eq(o.token_file, "/tmp/t");
	cr_assert_str_eq(o.uri, "http://lb:8080/");
	cr_assert_eq(o.workers, 8);
	cr_assert_str_eq(o.worker_prefix, "dc1");
	cr_assert_eq(o.delay_ms, 250);
	cr_assert(o.fail_rate == 0.25);
	cr_assert_str_eq(o.log_path, "/tmp/x.log");
	cr_assert_eq(o.max_tasks, 5);
	cr_assert_eq(o.idle_exit_s, 3);
	cr_assert_eq(o.seed, UINT64_MAX);
	cr_assert_eq(o.seed_set, 1);
	cr_assert_eq(o.poll_ms, 20);
	cr_assert_eq(o.timeout_ms, 500);
	cr_assert_eq(o.backoff_base_ms, 10);
	cr_assert_eq(o.backoff_max_ms, 90);
	cr_assert_eq(o.verbose, 1);
	/* --seed 0 is a real seed, not "unset". */
	cr_assert_eq(test_dprov_parse(&o, err, "--seed=0", NULL), 0);
	cr_assert_eq(o.seed_set, 1);
	cr_assert_eq(o.seed, 0);
	cr_assert_eq(test_dprov_parse(&o, err, "--fail-rate", "1", NULL), 0);
	cr_assert(o.fail_rate == 1.0);
}

Test(dprov, help_and_version_stop_parsing)
{
	struct dprov_opts o;
	char err[LOOMD_ERR_LEN];

	cr_assert_eq(test_dprov_parse(&o, err, "--help", "--bogus", NULL), 0);
	cr_assert_eq(o.action, DPROV_HELP);
	cr_assert_eq(test_dprov_parse(&o, err, "-h", NULL), 0);
	cr_assert_eq(o.action, DPROV_HELP);
	cr_assert_eq(test_dprov_parse(&o, err, "-V", NULL), 0);
	cr_assert_eq(o.action, DPROV_VERSION);
	cr_assert_not_null(strstr(dprov_usage(), "--fail-rate"));
}

Test(dprov, bad_options)
{
	static const char *const bad[][3] = {
		{ "--bogus", NULL, "unknown option '--bogus'" },
		{ "extra", NULL, "unknown option 'extra'" },
		{ "-x", NULL, "unknown option '-x'" },
		{ "--workers", NULL, "--workers needs a value" },
		{ "--workers", "0",
		    "--workers: '0' is not a whole number from 1 to 1024" },
		{ "--workers", "1025",
		    "--workers: '1025' is not a whole number from 1 to 1024" },
		{ "--workers", "-1",
		    "--workers: '-1' is not a whole number from 1 to 1024" },
		{ "--delay-ms", "12x",
		    "--delay-ms: '12x' is not a whole number from 0 to "
		    "86400000" },
		{ "--max-tasks", "",
		    "--max-tasks: '' is not a whole number "
		    "from 0 to 18446744073709551615" },
		{ "--fail-rate", "1.5",
		    "--fail-rate: '1.5' is not a number from 0 to 1" },
		{ "--fail-rate", "-0.1",
		    "--fail-rate: '-0.1' is not a number from 0 to 1" },
		{ "--fail-rate", "nan",
		    "--fail-rate: 'nan' is not a number from 0 to 1" },
		{ "--log", "", "--log: empty value" },
		{ "--uri", "127.0.0.1:55054",
		    "--uri: '127.0.0.1:55054' is "
		    "not an http:// or https:// URL" },
		{ "--verbose=1", NULL, "--verbose takes no value" },
	};
	struct dprov_opts o;
	char err[LOOMD_ERR_LEN];
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cr_assert_eq(test_dprov_parse(&o, err, bad[i][0], bad[i][1],
				 NULL),
		    -1, "%s accepted", bad[i][0]);
		cr_assert_str_eq(err, bad[i][2]);
	}
	cr_assert_eq(test_dprov_parse(&o, err, "--backoff-base-ms", "600",
			 "--backoff-max-ms", "500", NULL),
	    -1);
	cr_assert_str_eq(err,
	    "--backoff-base-ms (600) is larger than "
	    "--backoff-max-ms (500)");
}

Test(dprov, backoff_doubles_then_caps_with_jitter)
{
	unsigned a, d, v;
	uint64_t r, state = 42;

	/* rnd 0 gives the bottom of the window: half the exponential. */
	cr_assert_eq(dprov_backoff_ms(0, 100, 5000, 0), 50);
	cr_assert_eq(dprov_backoff_ms(1, 100, 5000, 0), 100);
	cr_assert_eq(dprov_backoff_ms(2, 100, 5000, 0), 200);
	cr_assert_eq(dprov_backoff_ms(5, 100, 5000, 0), 1600);
	cr_assert_eq(dprov_backoff_ms(6, 100, 5000, 0), 2500);
	/* The top of the window is the exponential itself, capped. */
	cr_assert_eq(dprov_backoff_ms(0, 100, 5000, 50), 100);
	cr_assert_eq(dprov_backoff_ms(3, 100, 5000, 400), 800);
	cr_assert_eq(dprov_backoff_ms(9, 100, 5000, 2500), 5000);
	/* No overflow, whatever the attempt count. */
	cr_assert_eq(dprov_backoff_ms(100000, 1, 5000, 0), 2500);
	cr_assert_eq(dprov_backoff_ms(UINT32_MAX, 3600000, 3600000,
			 UINT64_MAX) <= 3600000,
	    1);
	for (a = 0; a < 40; a++) {
		d = 100u << (a < 6 ? a : 6);
		if (d > 5000)
			d = 5000;
		for (int k = 0; k < 200; k++) {
			r = dprov_rng_next(&state);
			v = dprov_backoff_ms(a, 100, 5000, r);
			cr_assert(v >= d / 2 && v <= d,
			    "attempt %u: %u outside [%u, %u]", a, v, d / 2, d);
		}
	}
}

Test(dprov, rng_is_seeded_and_chance_has_its_rate)
{
	uint64_t a = dprov_rng_seed(7, 0), b = dprov_rng_seed(7, 0);
	uint64_t c = dprov_rng_seed(7, 1), d = dprov_rng_seed(8, 0);
	int i, hits = 0;

	for (i = 0; i < 100; i++)
		cr_assert_eq(dprov_rng_next(&a), dprov_rng_next(&b));
	/* Other workers and other seeds get other streams. */
	cr_assert_neq(dprov_rng_next(&a), dprov_rng_next(&c));
	cr_assert_neq(dprov_rng_next(&b), dprov_rng_next(&d));
	for (i = 0; i < 1000; i++) {
		cr_assert_eq(dprov_rng_chance(&a, 0.0), 0);
		cr_assert_eq(dprov_rng_chance(&a, 1.0), 1);
	}
	for (i = 0; i < 20000; i++)
		hits += dprov_rng_chance(&a, 0.25);
	/* 5000 expected; sigma is about 61. */
	cr_assert(hits > 4700 && hits < 5300, "hits %d", hits);
}

Test(dprov, take_verdicts)
{
	static const struct {
		long status;
		enum dprov_take_verdict want;
	} rows[] = {
		/* §1.7: 200 with a task, 204 when there is none. */
		{ 200, DPROV_TAKE_TASK },
		{ 204, DPROV_TAKE_EMPTY },
		/* No answer, loomd or HAProxy unavailable: retry. */
		{ 0, DPROV_TAKE_RETRY },
		{ 503, DPROV_TAKE_RETRY },
		{ 500, DPROV_TAKE_RETRY },
		{ 502, DPROV_TAKE_RETRY },
		{ 400, DPROV_TAKE_RETRY },
	};
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
		cr_assert_eq(dprov_take_verdict(rows[i].status), rows[i].want,
		    "take answered %ld", rows[i].status);
}

Test(dprov, finish_verdicts)
{
	static const struct {
		long status;
		enum dprov_finish_verdict want;
	} rows[] = {
		/* §1.7: 200 recorded; 417 "Worker is not the owner of the
		 * task". */
		{ 200, DPROV_FINISH_DONE },
		{ 204, DPROV_FINISH_DONE },
		{ 417, DPROV_FINISH_LOST },
		{ 400, DPROV_FINISH_REJECTED },
		/* Anything that may succeed later is retried. */
		{ 0, DPROV_FINISH_RETRY },
		{ 503, DPROV_FINISH_RETRY },
		{ 500, DPROV_FINISH_RETRY },
		{ 504, DPROV_FINISH_RETRY },
		{ 408, DPROV_FINISH_RETRY },
		{ 429, DPROV_FINISH_RETRY },
		{ 404, DPROV_FINISH_RETRY },
	};
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
		cr_assert_eq(dprov_finish_verdict(rows[i].status),
		    rows[i].want, "finish answered %ld", rows[i].status);
}

Test(dprov, worker_ids_urls_and_take_body)
{
	struct json_object *o;
	char *s;

	s = dprov_worker_id(NULL, "prov1.example", 4242, 3);
	cr_assert_str_eq(s, "prov1.example.4242.3");
	free(s);
	s = dprov_worker_id("dc2", "ignored", 1, 0);
	cr_assert_str_eq(s, "dc2.0");
	free(s);
	s = dprov_url("http://127.0.0.1:55054", "/v1/loom/tasks/take");
	cr_assert_str_eq(s, "http://127.0.0.1:55054/v1/loom/tasks/take");
	free(s);
	s = dprov_url("http://lb//", "/v1/loom/tasks/finish");
	cr_assert_str_eq(s, "http://lb/v1/loom/tasks/finish");
	free(s);
	/* §1.7 take body: {"workerId": ...}, quotes escaped. */
	s = dprov_take_body("w\"1");
	o = test_dprov_json(s);
	cr_assert_str_eq(test_dprov_str(o, "workerId"), "w\"1");
	cr_assert_eq(json_object_object_length(o), 1);
	json_object_put(o);
	free(s);
}

Test(dprov, parses_the_spec_task)
{
	struct dprov_task *t = test_dprov_task_ok(test_dprov_task);

	cr_assert_str_eq(t->task_id, "00000001-002-071");
	cr_assert_str_eq(t->job_id, "00000001-002");
	cr_assert_str_eq(t->cluster_id, "00000001");
	cr_assert_str_eq(t->task_name, "START");
	cr_assert_str_eq(t->node_id, "edbafd4c-191a-42e7-9f8b-6625a74fa04e");
	/* Node properties are copied to the config's top level (§3.6). */
	cr_assert_str_eq(t->hostname, "test1-1001.local");
	dprov_task_free(t);
	dprov_task_free(NULL);
}

Test(dprov, task_variants)
{
	struct dprov_task *t;

	/* Hostname only in config.nodes.<nodeId>. */
	t = test_dprov_task_ok(
	    "{\"taskId\":\"1-1-1\",\"taskName\":\"CREATE\","
	    "\"nodeId\":\"n1\",\"config\":{\"nodes\":{\"n0\":{\"hostname\":"
	    "\"a\"},\"n1\":{\"hostname\":\"b.local\"}}}}");
	cr_assert_str_eq(t->hostname, "b.local");
	cr_assert_null(t->job_id);
	dprov_task_free(t);
	/* A rollback task has no nodeId (nulls are omitted, §0, §3.8). */
	t = test_dprov_task_ok(" {\"taskId\":\"00000001-001-009\","
			       "\"taskName\":\"DELETE\",\"config\":{}}\n");
	cr_assert_null(t->node_id);
	cr_assert_null(t->hostname);
	dprov_task_free(t);
	/* A number where a string is expected, as Gson accepts. */
	t = test_dprov_task_ok("{\"taskId\":17}");
	cr_assert_str_eq(t->task_id, "17");
	cr_assert_str_eq(t->task_name, "");
	dprov_task_free(t);
}

Test(dprov, rejects_unusable_tasks)
{
	static const char *const bad[][2] = {
		{ "", "task is not JSON: unexpected end of data" },
		{ "{\"taskId\":", "task is not JSON: unexpected end of data" },
		{ "[1]", "task is not a JSON object" },
		{ "{}", "task has no taskId" },
		{ "{\"taskId\":\"\"}", "task has no taskId" },
		{ "{\"taskId\":null}", "task has no taskId" },
		{ "{\"taskId\":\"1\"} x", NULL },
	};
	char err[LOOMD_ERR_LEN];
	struct dprov_task *t;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		t = (struct dprov_task *)1;
		cr_assert_eq(dprov_task_parse(bad[i][0], strlen(bad[i][0]), &t,
				 err),
		    -1, "accepted %s", bad[i][0]);
		cr_assert_null(t);
		if (bad[i][1] != NULL)
			cr_assert_str_eq(err, bad[i][1]);
	}
	/* The length is honoured: the body need not end in NUL. */
	cr_assert_eq(dprov_task_parse("{\"taskId\":\"5\"}GARBAGE", 14, &t,
			 err),
	    0, "%s", err);
	cr_assert_str_eq(t->task_id, "5");
	dprov_task_free(t);
}

Test(dprov, fake_ip_is_a_stable_private_address)
{
	char a[DPROV_IP_LEN], b[DPROV_IP_LEN], id[64];
	unsigned o1, o2, o3, o4, distinct = 0, i;
	static char seen[1000][DPROV_IP_LEN];
	int n;

	dprov_fake_ip("edbafd4c-191a-42e7-9f8b-6625a74fa04e", a);
	dprov_fake_ip("edbafd4c-191a-42e7-9f8b-6625a74fa04e", b);
	cr_assert_str_eq(a, b);
	for (i = 0; i < 1000; i++) {
		snprintf(id, sizeof id, "%08x-0000-4000-8000-%012u", i * 7919,
		    i);
		dprov_fake_ip(id, seen[i]);
		n = 0;
		cr_assert_eq(sscanf(seen[i], "%u.%u.%u.%u%n", &o1, &o2, &o3,
				 &o4, &n),
		    4, "%s", seen[i]);
		cr_assert_eq((size_t)n, strlen(seen[i]));
		cr_assert_eq(o1, 10);
		cr_assert(o2 <= 255 && o3 <= 255);
		cr_assert(o4 >= 1 && o4 <= 254, "%s", seen[i]);
	}
	for (i = 0; i < 1000; i++) {
		unsigned j;

		for (j = 0; j < i && strcmp(seen[i], seen[j]) != 0; j++)
			;
		distinct += j == i;
	}
	/* 24 bits of hash: collisions among 1000 ids are rare. */
	cr_assert(distinct >= 990, "only %u distinct", distinct);
}

Test(dprov, create_results_like_a_cloud)
{
	struct dprov_task *t;
	struct json_object *r;
	char ip[DPROV_IP_LEN];

	t = test_dprov_task_ok(
	    "{\"taskId\":\"1-1-1\",\"taskName\":\"CREATE\","
	    "\"nodeId\":\"n-42\",\"config\":{\"hostname\":\"c1-1000.local\"}}");
	r = dprov_task_result(t);
	dprov_fake_ip("n-42", ip);
	/* Merged into node properties by loomd (§2.6). */
	cr_assert_eq(json_object_object_length(r), 3);
	cr_assert_str_eq(test_dprov_str(r, "ipaddress"), ip);
	cr_assert_str_eq(test_dprov_str(r, "hostname"), "c1-1000.local");
	cr_assert_str_eq(test_dprov_str(r, "provider_id"), "dummy-n-42");
	json_object_put(r);
	free(t->hostname);
	t->hostname = NULL;
	r = dprov_task_result(t);
	cr_assert_eq(json_object_object_length(r), 2);
	cr_assert_null(test_dprov_str(r, "hostname"));
	json_object_put(r);
	free(t->task_name);
	t->task_name = strdup("CONFIRM");
	r = dprov_task_result(t);
	cr_assert_eq(json_object_object_length(r), 1);
	cr_assert_str_eq(test_dprov_str(r, "ipaddress"), ip);
	json_object_put(r);
	free(t->task_name);
	t->task_name = strdup("INSTALL");
	r = dprov_task_result(t);
	cr_assert_eq(json_object_object_length(r), 0);
	json_object_put(r);
	/* A CREATE with no node (never sent by loomd) reports nothing. */
	free(t->task_name);
	t->task_name = strdup("CREATE");
	free(t->node_id);
	t->node_id = NULL;
	r = dprov_task_result(t);
	cr_assert_eq(json_object_object_length(r), 0);
	json_object_put(r);
	dprov_task_free(t);
}

Test(dprov, finish_body_follows_the_spec)
{
	struct dprov_task *t;
	struct json_object *o, *v;
	char *s;

	t = test_dprov_task_ok(
	    "{\"taskId\":\"00000001-002-071\","
	    "\"taskName\":\"CREATE\",\"nodeId\":\"n-1\",\"config\":"
	    "{\"hostname\":\"h.local\"}}");
	s = dprov_finish_body("w.1", t, 0);
	o = test_dprov_json(s);
	cr_assert_str_eq(test_dprov_str(o, "workerId"), "w.1");
	cr_assert_str_eq(test_dprov_str(o, "taskId"), "00000001-002-071");
	cr_assert(json_object_object_get_ex(o, "status", &v));
	cr_assert(json_object_is_type(v, json_type_int));
	cr_assert_eq(json_object_get_int(v), 0);
	cr_assert_str_eq(test_dprov_str(o, "stderr"), "");
	cr_assert_not_null(
	    strstr(test_dprov_str(o, "stdout"), "00000001-002-071"));
	cr_assert(json_object_object_get_ex(o, "result", &v));
	cr_assert_str_eq(test_dprov_str(v, "provider_id"), "dummy-n-1");
	cr_assert_str_eq(test_dprov_str(v, "hostname"), "h.local");
	json_object_put(o);
	free(s);

	/* A failure: status 1, logs for the node action, no result. */
	s = dprov_finish_body("w.1", t, 1);
	o = test_dprov_json(s);
	cr_assert(json_object_object_get_ex(o, "status", &v));
	cr_assert_eq(json_object_get_int(v), 1);
	cr_assert_not_null(strstr(test_dprov_str(o, "stderr"), "failure"));
	cr_assert_neq(strlen(test_dprov_str(o, "stdout")), 0);
	cr_assert(json_object_object_get_ex(o, "result", &v));
	cr_assert(json_object_is_type(v, json_type_object));
	cr_assert_eq(json_object_object_length(v), 0);
	json_object_put(o);
	free(s);
	dprov_task_free(t);
}

Test(dprov, log_line)
{
	char *s;

	s = dprov_log_line("h.1.0", "00000001-002-071", "ok", 200, "CREATE",
	    1);
	cr_assert_str_eq(s,
	    "h.1.0 00000001-002-071 ok http=200 "
	    "action=CREATE tries=1\n");
	free(s);
	s = dprov_log_line("h.1.0", "7", "lost", 417, "", 3);
	cr_assert_str_eq(s, "h.1.0 7 lost http=417 action=- tries=3\n");
	free(s);
	s = dprov_log_line("h.1.0", "-", "lost", 0, NULL, 9);
	cr_assert_str_eq(s, "h.1.0 - lost http=- action=- tries=9\n");
	free(s);
}
