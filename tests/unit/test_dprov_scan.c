/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_dprov_scan.c - loom-dummy-provisioner reads take answers with a
 * cursor (src/dprov_scan.c) instead of a json-c tree.  These tests hold
 * it to json-c (tests/lib/dprov_oracle.c reads a task as the provisioner
 * did with json-c): for hand-made answers and thousands of mutants of a
 * real-shaped one, what the cursor accepts json-c accepts with the same
 * six values, and what json-c refuses the cursor refuses.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "dprov.h"
#include "dprov_oracle.h"
#include "dprov_scan.h"

/*
 * Hold the cursor to json-c on body (dprov_oracle.c): the verdict, the
 * test failed on a difference.
 */
static int
test_dscan_compare(const char *body, size_t len)
{
	char why[LOOMD_ERR_LEN];
	enum dprov_oracle_verdict v = dprov_oracle_check(body, len, why);

	cr_assert_neq(v, DPROV_ORACLE_DIFFER, "%s: %.*s", why, (int)len, body);
	return (int)v;
}

/* A take's answer shaped as loomd sends it, with an n-node map. */
static char *
test_dscan_answer(size_t n, size_t mine)
{
	size_t cap = 1024 + n * 400, len;
	char *b = malloc(cap);
	size_t i;

	cr_assert_not_null(b);
	len = (size_t)snprintf(b, cap,
	    "{\"taskId\":\"00000001-002-071\",\"jobId\":\"00000001-002\","
	    "\"clusterId\":\"00000001\",\"taskName\":\"CREATE\","
	    "\"nodeId\":\"node-%zu\",\"config\":{\"cluster\":{\"a\":[1,2.5,"
	    "-3e2,true,false,null,\"x\\u00e9\\ud83d\\ude00\"]},"
	    "\"hardwaretype\":\"medium\",\"automators\":[\"chef\"],"
	    "\"nodes\":{",
	    mine);
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(b + len, cap - len,
		    "%s\"node-%zu\":{\"id\":\"node-%zu\",\"clusterId\":"
		    "\"00000001\",\"nodenum\":%zu,\"properties\":{\"hostname\":"
		    "\"host-%zu.local\",\"ipaddress\":\"10.0.%zu.%zu\"},"
		    "\"hostname\":\"host-%zu.local\"}",
		    i ? "," : "", i, i, 1000 + i, i, i / 250, i % 250 + 1, i);
	snprintf(b + len, cap - len, "}}}");
	return b;
}

Test(dprov_scan, a_real_answer_and_its_nodes_map)
{
	char *b = test_dscan_answer(50, 37);
	struct dprov_task *t;
	char err[LOOMD_ERR_LEN];

	cr_assert_eq(test_dscan_compare(b, strlen(b)), DPROV_ORACLE_ALIKE);
	cr_assert_eq(dprov_task_parse(b, strlen(b), &t, err), 0, "%s", err);
	cr_assert_str_eq(t->task_name, "CREATE");
	cr_assert_str_eq(t->node_id, "node-37");
	cr_assert_str_eq(t->hostname, "host-37.local",
	    "the hostname comes from the node's entry in the map");
	dprov_task_free(t);
	free(b);
}

Test(dprov_scan, hand_made_answers_read_as_json_c_reads_them)
{
	static const char *const agree[] = {
		/* nodeId after the config that holds the map */
		"{\"config\":{\"nodes\":{\"n\":{\"hostname\":\"h\"}}},"
		"\"taskId\":\"1\",\"nodeId\":\"n\"}",
		/* escaped keys and values */
		"{\"task\\u0049d\":\"a\\/b\\\\c\\\"d\",\"nodeId\":\"\\u006e\","
		"\"config\":{\"nod\\u0065s\":{\"n\":{\"hostname\":"
		"\"\\u00e9\\ud83d\\ude00\\b\\f\\n\\r\\t\"}}}}",
		/* lone surrogates */
		"{\"taskId\":\"\\ud800x\\udc00\",\"jobId\":\"\\ud83d\"}",
		/* a NUL escape ends the C string */
		"{\"taskId\":\"a\\u0000b\",\"jobId\":\"\\u0000\"}",
		/* numbers where strings are wanted, in and out of range */
		"{\"taskId\":17,\"jobId\":-0,\"clusterId\":-5,"
		"\"nodeId\":1.5,\"taskName\":1e3}",
		"{\"taskId\":9223372036854775807,\"jobId\":"
		"9223372036854775808,\"clusterId\":-9223372036854775809,"
		"\"nodeId\":18446744073709551616}",
		"{\"taskId\":123456789012345678901234567890123456789,"
		"\"jobId\":-123456789012345678901234567890123456789}",
		/* the last of a member given twice counts */
		"{\"taskId\":\"1\",\"taskId\":\"2\",\"nodeId\":\"n\","
		"\"config\":{\"hostname\":\"first\"},\"config\":{\"nodes\":"
		"{\"n\":{\"hostname\":\"a\"},\"n\":{\"hostname\":\"b\"}}}}",
		"{\"taskId\":\"1\",\"nodeId\":\"n\",\"config\":{\"nodes\":"
		"{\"n\":{\"hostname\":\"a\"},\"n\":7}}}",
		/* config, nodes and the node that are not objects */
		"{\"taskId\":\"1\",\"nodeId\":\"n\",\"config\":[{\"hostname\":"
		"\"x\"}]}",
		"{\"taskId\":\"1\",\"nodeId\":\"n\",\"config\":{\"nodes\":"
		"[{\"n\":{\"hostname\":\"x\"}}]}}",
		"{\"taskId\":\"1\",\"nodeId\":\"n\",\"config\":{\"nodes\":"
		"{\"n\":\"x\"},\"hostname\":\"\"}}",
		/* empty and null values */
		"{\"taskId\":\"1\",\"jobId\":\"\",\"clusterId\":null,"
		"\"taskName\":{},\"nodeId\":[]}",
		" \t\r\n{ \"taskId\" : \"1\" , \"config\" : { } } \n",
		/* numbers that are no integer: no value, even out of range */
		"{\"taskId\":\"1\",\"jobId\":1e400,\"clusterId\":-1e400,"
		"\"nodeId\":1e-400,\"taskName\":0.000000000000000000001}",
		"{\"taskId\":\"1\",\"deep\":[[[[[[[[[[{\"a\":[]}]]]]]]]]]]}",
	};
	static const char *const refused[] = {
		"",
		"   ",
		"{",
		"{\"taskId\"",
		"{\"taskId\":",
		"{\"taskId\":\"1",
		"{\"taskId\":\"1\"",
		"{\"taskId\":\"1\",}",
		"{,}",
		"{\"taskId\":\"1\"}}",
		"{\"taskId\":\"1\"} x",
		"[1]",
		"\"s\"",
		"{\"taskId\":tru}",
		"{\"taskId\":\"1\",\"a\":[1,]}",
		"{\"taskId\":\"1\",\"a\":[1 2]}",
		"{\"taskId\":\"\\x\"}",
		"{\"taskId\":\"\\u12g4\"}",
		"{\"taskId\":\"1\",\"a\":-}",
		"{\"taskId\":\"1\",\"a\":1.}",
		"{\"taskId\":\"1\",\"a\":1e}",
		"{\"taskId\":\"1\" \"jobId\":\"2\"}",
		"{\"taskId\"\"1\"}",
		"{}",
		"{\"taskId\":null}",
		"{\"taskId\":\"\"}",
	};
	size_t i;

	for (i = 0; i < sizeof agree / sizeof agree[0]; i++)
		cr_expect_eq(test_dscan_compare(agree[i], strlen(agree[i])),
		    DPROV_ORACLE_ALIKE, "refused %s", agree[i]);
	/* Some of these json-c accepts (a trailing comma, "1."). */
	for (i = 0; i < sizeof refused / sizeof refused[0]; i++)
		cr_expect_leq(test_dscan_compare(refused[i],
				  strlen(refused[i])),
		    DPROV_ORACLE_REFUSED, "accepted %s", refused[i]);
}

Test(dprov_scan, errors_say_where)
{
	struct dprov_task *t;
	char err[LOOMD_ERR_LEN];

	cr_assert_eq(dprov_task_parse("{\"taskId\":\"1\",\"a\":[1,x]}", 23, &t,
			 err),
	    -1);
	cr_assert_str_eq(err,
	    "task is not JSON: unexpected character at "
	    "byte 21");
	cr_assert_eq(dprov_task_parse("{\"taskId\":\"1\x01\"}", 15, &t, err),
	    -1);
	cr_assert_str_eq(err,
	    "task is not JSON: control character in a "
	    "string at byte 12");
	cr_assert_eq(dprov_task_parse("{\"taskId\":\"1\"", 13, &t, err), -1);
	cr_assert_str_eq(err, "task is not JSON: unexpected end of data");
}

Test(dprov_scan, nesting_is_bounded)
{
	char b[256];
	size_t i, n = 0;
	struct dprov_task *t;
	char err[LOOMD_ERR_LEN];

	n += (size_t)snprintf(b, sizeof b, "{\"taskId\":\"1\",\"a\":");
	for (i = 0; i < DPROV_SCAN_MAX_DEPTH; i++)
		b[n++] = '[';
	for (i = 0; i < DPROV_SCAN_MAX_DEPTH; i++)
		b[n++] = ']';
	b[n++] = '}';
	cr_assert_eq(dprov_task_parse(b, n, &t, err), -1);
	cr_assert(strstr(err, "nesting too deep") != NULL, "%s", err);
}

/* splitmix64, for mutants that are the same in every run */
static uint64_t
test_dscan_rand(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

Test(dprov_scan, mutants_of_a_real_answer_read_as_json_c_reads_them)
{
	static const char alphabet[] = "{}[],:\"\\/ 0123456789-+.eEutnfalsr"
				       "x\x01\xff";
	char *b = test_dscan_answer(6, 4), *m;
	size_t len = strlen(b), mlen, at, i, k, both = 0, neither = 0,
	       stricter = 0;
	uint64_t x = 20261207;
	int r;

	m = malloc(len + 16);
	cr_assert_not_null(m);
	for (i = 0; i < 20000; i++) {
		memcpy(m, b, len);
		mlen = len;
		for (k = 0; k < 1 + test_dscan_rand(&x) % 3; k++) {
			at = test_dscan_rand(&x) % mlen;
			switch (test_dscan_rand(&x) % 4) {
			case 0: /* replace a byte */
				m[at] = alphabet[test_dscan_rand(&x) %
				    (sizeof alphabet - 1)];
				break;
			case 1: /* delete a byte */
				memmove(m + at, m + at + 1, mlen - at - 1);
				mlen--;
				break;
			case 2: /* insert a byte */
				if (mlen >= len + 15)
					break;
				memmove(m + at + 1, m + at, mlen - at);
				m[at] = alphabet[test_dscan_rand(&x) %
				    (sizeof alphabet - 1)];
				mlen++;
				break;
			default: /* cut the answer short */
				mlen = at + 1;
				break;
			}
		}
		r = test_dscan_compare(m, mlen);
		if (r == DPROV_ORACLE_ALIKE)
			both++;
		else if (r == DPROV_ORACLE_REFUSED)
			neither++;
		else
			stricter++;
	}
	cr_log_info("mutants: %zu read alike, %zu refused by both, %zu "
		    "refused only by the cursor",
	    both, neither, stricter);
	/* The mutants exercise both sides of the line. */
	cr_expect_gt(both, 2000);
	cr_expect_gt(neither, 2000);
	free(m);
	free(b);
}
