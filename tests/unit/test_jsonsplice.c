/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_jsonsplice.c - unit tests of the text splicer of the read routes:
 * the answer of GET /clusters/{id} built from stored documents as text
 * equals, as a JSON value and byte for byte, what json-c builds by
 * parsing them and setting the members (the path before the splicer),
 * with strings that need escaping; members are replaced in place or
 * appended; text that is not one JSON object is refused.  The writers
 * print integers as json-c does, and the cluster list written as text
 * (cluster_view_summaries) equals json-c's array of cluster summaries.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cluster_view.h"
#include "jsonsplice.h"

#define CANON (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* A string member. */
static struct jsonsplice_member
str_member(const char *key, const char *s)
{
	struct jsonsplice_member m = { key, JSONSPLICE_STRING, s, NULL, NULL,
		0 };

	return m;
}

/* An array member of the n texts elems (lengths computed into lens). */
static struct jsonsplice_member
array_member(const char *key, const char *const *elems, size_t *lens, size_t n)
{
	struct jsonsplice_member m = { key, JSONSPLICE_ARRAY, NULL, elems,
		lens, n };
	size_t i;

	for (i = 0; i < n; i++)
		lens[i] = strlen(elems[i]);
	return m;
}

/* Splice obj with the members m and expect want (NULL: refused). */
static void
expect_splice(const char *obj, const struct jsonsplice_member *m, size_t n,
    const char *want)
{
	size_t len = 0;
	char *got = jsonsplice_set(obj, strlen(obj), m, n, &len);

	if (want == NULL) {
		cr_assert_null(got, "accepted %s", obj);
		return;
	}
	cr_assert_not_null(got, "refused %s", obj);
	cr_assert_str_eq(got, want);
	cr_assert_eq(len, strlen(want));
	free(got);
}

/*
 * The GET answer as the path before the splicer built it: parse the
 * cluster document, set latestJobId, message (when not NULL) and nodes
 * (the parsed node documents), print.  Returns a string to free.
 */
static char *
old_get(const char *doc, const char *latest, const char *msg,
    const char *const *nodes, size_t n)
{
	struct json_object *o = json_tokener_parse(doc), *arr;
	char *s;
	size_t i;

	cr_assert_not_null(o);
	json_object_object_add(o, "latestJobId",
	    json_object_new_string(latest));
	if (msg != NULL)
		json_object_object_add(o, "message",
		    json_object_new_string(msg));
	arr = json_object_new_array();
	for (i = 0; i < n; i++)
		json_object_array_add(arr, json_tokener_parse(nodes[i]));
	json_object_object_add(o, "nodes", arr);
	s = strdup(json_object_to_json_string_ext(o, CANON));
	json_object_put(o);
	return s;
}

/* Splice as GET does and compare with old_get(), as text and as JSON. */
static void
expect_like_old(const char *doc, const char *latest, const char *msg,
    const char *const *nodes, size_t n)
{
	struct jsonsplice_member m[3];
	struct json_object *a, *b;
	size_t lens[16], k = 0;
	char *want, *got;

	cr_assert_leq(n, 16);
	m[k++] = str_member("latestJobId", latest);
	if (msg != NULL)
		m[k++] = str_member("message", msg);
	m[k++] = array_member("nodes", nodes, lens, n);
	want = old_get(doc, latest, msg, nodes, n);
	got = jsonsplice_set(doc, strlen(doc), m, k, NULL);
	cr_assert_not_null(got);
	a = json_tokener_parse(got);
	b = json_tokener_parse(want);
	cr_assert_not_null(a, "not JSON: %s", got);
	cr_assert(json_object_equal(a, b), "%s\n!=\n%s", got, want);
	cr_assert_str_eq(got, want);
	json_object_put(a);
	json_object_put(b);
	free(got);
	free(want);
}

/* A stored document as json-c writes it (its canonical text). */
static char *
canon(const char *text)
{
	struct json_object *o = json_tokener_parse(text);
	char *s;

	cr_assert_not_null(o, "bad test JSON %s", text);
	s = strdup(json_object_to_json_string_ext(o, CANON));
	json_object_put(o);
	return s;
}

Test(jsonsplice, cluster_with_nodes_message_and_latest_job)
{
	char *doc =
	    canon("{\"id\":\"00000007\",\"name\":\"web \\\"1\\\"\","
		  "\"description\":\"a/b\\\\c\\n\",\"createTime\":1000,"
		  "\"expireTime\":0,\"nodes\":[\"n1\",\"n2\",\"n3\"],"
		  "\"services\":[\"zookeeper\"],\"jobs\":[\"7-1\","
		  "\"7-2\"],\"ownerId\":\"alice\",\"status\":"
		  "\"active\",\"config\":{\"nodes\":{\"x\":[1,2.5,"
		  "true,null]},\"message\":\"inner\",\"d\":-1.25e+"
		  "10},\"provider\":{\"name\":\"joyent\"}}");
	char *n1 = canon("{\"id\":\"n1\",\"clusterId\":\"00000007\","
			 "\"services\":[{\"name\":\"zookeeper\"}],"
			 "\"properties\":{\"nodenum\":\"1000\",\"hostname\":"
			 "\"h\\u0001\\t.local\"},\"actions\":[]}");
	char *n2 = canon("{\"id\":\"n2\",\"properties\":{},\"actions\":"
			 "[{\"service\":\"\",\"action\":\"CREATE\"}]}");
	char *n3 = canon("{\"id\":\"n3\",\"e\":{},\"f\":[],\"g\":\"\"}");
	const char *nodes[] = { n1, n2, n3 };

	expect_like_old(doc, "00000007-2",
	    "task failed: \"quoted\"\n\ttab\\back\x01\x1f\x7f/ and "
	    "\xc3\xa9t\xc3\xa9",
	    nodes, 3);
	expect_like_old(doc, "00000007-2", NULL, nodes, 3);
	expect_like_old(doc, "", NULL, nodes, 0);
	expect_like_old(doc, "7-\b\f\r", "", nodes, 1);
	free(doc);
	free(n1);
	free(n2);
	free(n3);
}

Test(jsonsplice, every_byte_escaped_as_json_c_does)
{
	const char *none[1] = { NULL };
	char s[256];
	int c;

	for (c = 1; c < 256; c++)
		s[c - 1] = (char)c;
	s[255] = '\0';
	expect_like_old("{\"nodes\":[]}", s, s, none, 0);
	expect_like_old("{\"id\":\"1\"}", s, NULL, none, 0);
}

Test(jsonsplice, members_replaced_in_place_or_appended_in_order)
{
	const char *el[] = { "{\"a\":1}", "[2]", "\"x\"" };
	size_t lens[3];
	struct jsonsplice_member m[3];

	m[0] = str_member("latestJobId", "j");
	m[1] = str_member("message", NULL);
	m[2] = array_member("nodes", el, lens, 3);
	expect_splice("{}", m, 3,
	    "{\"latestJobId\":\"j\",\"message\":null,\"nodes\":"
	    "[{\"a\":1},[2],\"x\"]}");
	expect_splice(" { \"nodes\" : [ \"a\" , \"b\" ] , \"z\" : { "
		      "\"nodes\" : 1 } } \n",
	    m, 3,
	    " { \"nodes\" : [{\"a\":1},[2],\"x\"] , \"z\" : { \"nodes\" : "
	    "1 } ,\"latestJobId\":\"j\",\"message\":null} \n");
	expect_splice("{\"message\":\"old\",\"k\":0,\"message\":2}", m, 1,
	    "{\"message\":\"old\",\"k\":0,\"message\":2,"
	    "\"latestJobId\":\"j\"}");
	expect_splice("{\"message\":\"old\",\"k\":0,\"message\":2}", m + 1, 1,
	    "{\"message\":null,\"k\":0,\"message\":null}");
	expect_splice("{\"a\":\"\\\"nodes\\\"\",\"nodes\":[]}", m + 2, 1,
	    "{\"a\":\"\\\"nodes\\\"\",\"nodes\":[{\"a\":1},[2],\"x\"]}");
	expect_splice("{\"nodes\":[]}", m + 2, 0, "{\"nodes\":[]}");
	m[2].nelems = 0;
	expect_splice("{\"a\":[],\"nodes\":[\"n\"]}", m + 2, 1,
	    "{\"a\":[],\"nodes\":[]}");
}

Test(jsonsplice, text_that_is_not_one_object_is_refused)
{
	static const char *const bad[] = {
		"",
		"   ",
		"[]",
		"\"s\"",
		"1",
		"{",
		"{\"a\"}",
		"{\"a\":}",
		"{\"a\":1,}",
		"{\"a\":1 \"b\":2}",
		"{a:1}",
		"{\"a\":[1,]}",
		"{\"a\":[1 2]}",
		"{\"a\":\"x}",
		"{\"a\":\"\\q\"}",
		"{\"a\":\"\\u12g4\"}",
		"{\"a\":\"tab\there\"}",
		"{\"a\":{\"b\":1}",
		"{\"a\":1}}",
		"{\"a\":1} x",
		"{\"a\":1}{}",
		"{\"a\":[}]}",
	};
	static const char *const good[] = {
		"{}",
		"{\"n\":NaN,\"i\":-Infinity,\"e\":1e+100}",
		" {\"a\":[{},[],\"\\u00e9\\/\"]}\n",
	};
	struct jsonsplice_member m = str_member("latestJobId", "j");
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		expect_splice(bad[i], &m, 1, NULL);
		cr_assert(!jsonsplice_is_object(bad[i], strlen(bad[i])),
		    "accepted %s", bad[i]);
	}
	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		cr_assert(jsonsplice_is_object(good[i], strlen(good[i])),
		    "refused %s", good[i]);
}

/* {"a": in k arrays }: an object of 1 + k levels.  Returns a string to free. */
static char *
nested(size_t k)
{
	char *s = malloc(2 * k + 8);
	size_t n = 0, i;

	cr_assert_not_null(s);
	memcpy(s, "{\"a\":", 5);
	n = 5;
	for (i = 0; i < k; i++)
		s[n++] = '[';
	for (i = 0; i < k; i++)
		s[n++] = ']';
	if (k == 0)
		s[n++] = '1';
	s[n++] = '}';
	s[n] = '\0';
	return s;
}

Test(jsonsplice, nesting_deeper_than_the_limit_is_refused)
{
	char *ok = nested(JSONSPLICE_MAX_DEPTH - 1);
	char *deep = nested(JSONSPLICE_MAX_DEPTH);

	cr_assert(jsonsplice_is_object(ok, strlen(ok)));
	cr_assert(!jsonsplice_is_object(deep, strlen(deep)));
	free(ok);
	free(deep);
}

Test(jsonsplice, integers_as_json_c_writes_them)
{
	static const int64_t v[] = { INT64_MIN, INT64_MIN + 1, -1000000007,
		-10, -9, -1, 0, 1, 9, 10, 99, 100, 1796553276929,
		INT64_MAX - 1, INT64_MAX };
	struct json_object *o;
	char buf[32];
	size_t i, n;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		o = json_object_new_int64(v[i]);
		n = jsonsplice_put_int(NULL, 0, v[i]);
		cr_assert_lt(n, sizeof buf);
		cr_assert_eq(jsonsplice_put_int(buf, 0, v[i]), n);
		buf[n] = '\0';
		cr_assert_str_eq(buf, json_object_to_json_string(o));
		json_object_put(o);
	}
}

Test(jsonsplice, cluster_list_as_text_equals_the_json_c_summaries)
{
	char weird[256];
	const char *cells[4 * 8] = {
		"7",
		"web",
		"1000",
		"2000",
		"hadoop",
		"3",
		"ACTIVE",
		"alice",
		"123456789",
		"a\"b\\c/d\n\te\x01",
		"-5",
		"0",
		"t",
		"0",
		"PENDING",
		"bob",
		"0",
		"",
		"9223372036854775807",
		"1",
		"",
		"10000",
		"TERMINATED",
		"",
		"42",
		weird,
		"1",
		"2",
		weird,
		"1",
		"INCOMPLETE",
		weird,
	};
	struct db_rows r = { 4, 8, (char **)cells, NULL };
	struct json_object *arr;
	size_t i, n;
	char *got;
	int c;

	for (c = 1; c < 256; c++)
		weird[c - 1] = (char)c;
	weird[255] = '\0';
	for (n = 0; n <= 4; n++) {
		r.nrows = n;
		arr = json_object_new_array();
		for (i = 0; i < n; i++)
			json_object_array_add(arr,
			    cluster_view_summary(&r, i));
		got = cluster_view_summaries(&r);
		cr_assert_str_eq(got,
		    json_object_to_json_string_ext(arr, CANON));
		free(got);
		json_object_put(arr);
	}
}
