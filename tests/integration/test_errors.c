/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_errors.c - the error bodies of a real loomd on a real mariadbd, as
 * a client sees them over HTTP: every error class on a /v1/loom path is
 * text/plain with Loom's message alone, even when the request asks for
 * JSON (the Loom UI does); loomd's own paths keep their JSON errors.  Also
 * the "__proto__" keys the Loom UI's form parser adds to every object: a
 * body that carries them is taken as if they were absent, and nothing of
 * them is stored.  (503 on a /v1/loom path is asserted in test_dbdown.c,
 * which stops its own database.)
 */
#include "config.h"

#include <criterion/criterion.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

#define LOOM_TYPE "text/plain; charset=utf-8"
#define ADMIN "X-Loom-UserID: admin\nAccept: application/json"
#define USER1 "X-Loom-UserID: user1\nAccept: application/json"
#define ANON "Accept: application/json"

FX_SUITE(errors, NULL, FX_CLUSTER_FIXTURES, .timeout = 60);
FX_MAIN(FX_NEED_DB, 0)

/* Expect status with loomd's JSON error body {"status":N,"message":m}. */
static void
expect_json(const char *method, const char *path, const char *body,
    long status, const char *message)
{
	struct json_object *o, *v;
	struct fx_resp r;

	cr_expect_eq(fx_req(fx.d.port, method, path, "Accept: text/plain",
			 body, &r),
	    status, "%s %s: %ld %s", method, path, r.status, r.body);
	cr_expect_str_eq(r.ctype, "application/json", "%s %s", method, path);
	o = json_tokener_parse(r.body);
	cr_assert_not_null(o, "not JSON: %s", r.body);
	cr_expect(json_object_object_get_ex(o, "status", &v));
	cr_expect_eq(json_object_get_int64(v), status);
	cr_expect(json_object_object_get_ex(o, "message", &v));
	cr_expect_str_eq(json_object_get_string(v), message,
	    "%s %s: got \"%s\"", method, path, json_object_get_string(v));
	json_object_put(o);
	fx_resp_free(&r);
}

/* A body of n bytes of JSON whitespace inside braces (caller frees). */
static char *
big_body(size_t n)
{
	char *big = malloc(n + 1);

	cr_assert_not_null(big);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	big[n] = '\0';
	return big;
}

/*
 * POST body to /v1/loom/clusters as user1 (it must answer 200), the new
 * cluster's path into path (size n); returns GET path parsed (caller puts).
 */
static struct json_object *
create_cluster(const char *body, char *path, size_t n)
{
	struct json_object *o, *v;
	struct fx_resp r;

	cr_assert_eq(fx_req(fx.d.port, "POST", "/v1/loom/clusters", USER1,
			 body, &r),
	    200, "%s", r.body);
	o = json_tokener_parse(r.body);
	cr_assert(json_object_object_get_ex(o, "id", &v), "%s", r.body);
	snprintf(path, n, "/v1/loom/clusters/%s", json_object_get_string(v));
	json_object_put(o);
	fx_resp_free(&r);
	cr_assert_eq(fx_req(fx.d.port, "GET", path, USER1, NULL, &r), 200);
	o = json_tokener_parse(r.body);
	cr_assert_not_null(o, "%s", r.body);
	fx_resp_free(&r);
	return o;
}

Test(errors, every_loom_error_class_is_plain_text)
{
	char path[128], want[256];
	struct json_object *o;
	char *big;

	/* 400: bad input, with loomd's detail after Loom's text. */
	fx_expect_loom(fx.d.port, "POST", "/v1/loom/providers", ADMIN,
	    "[dsfmqo", 400,
	    "invalid input: malformed JSON: unexpected character at offset 1");
	fx_expect_loom(fx.d.port, "POST", "/v1/loom/clusters", USER1,
	    "{\"name\":\"c0\",\"numMachines\":0,"
	    "\"clusterTemplate\":\"one-machine\"}",
	    400, "cluster size must be greater than 0");
	fx_expect_loom(fx.d.port, "POST", "/v1/loom/providers", ADMIN,
	    "{\"name\":\"joyent\",\"providertype\":\"joyent\"}", 400,
	    "provider joyent already exists");
	/* 401 and 403. */
	fx_expect_loom(fx.d.port, "GET", "/v1/loom/providers", ANON, NULL, 401,
	    "X-Loom-UserID not found in the request header.");
	fx_expect_loom(fx.d.port, "PUT", "/v1/loom/providers/joyent", USER1,
	    "body", 403, "user unauthorized, must be admin.");
	/* 404: an entity, a cluster, and a path no route knows. */
	fx_expect_loom(fx.d.port, "GET", "/v1/loom/providers/nope", ADMIN,
	    NULL, 404, "provider nope  not found.");
	fx_expect_loom(fx.d.port, "GET", "/v1/loom/clusters/00000001/nothing",
	    USER1, NULL, 404,
	    "no route for GET /v1/loom/clusters/00000001/nothing");
	/* 405, with the Allow header as before. */
	fx_expect_loom(fx.d.port, "PATCH", "/v1/loom/clusters", USER1, NULL,
	    405, "method PATCH not allowed on /v1/loom/clusters");
	/* 409: deleting a cluster whose create job is still underway. */
	o = create_cluster("{\"name\":\"c1\",\"numMachines\":1,"
			   "\"clusterTemplate\":\"one-machine\"}",
	    path, sizeof path);
	json_object_put(o);
	{
		/*
		 * The job underway moves on (solve, then create) while the
		 * test runs, so the answer may name either: Loom's message
		 * for one of this cluster's jobs.
		 */
		const char *cid = path + strlen("/v1/loom/clusters/");
		struct fx_resp r4;
		const char *p;
		char tail[96];

		cr_expect_eq(fx_req(fx.d.port, "DELETE", path, USER1, NULL,
				 &r4),
		    409, "%ld %s", r4.status, r4.body);
		cr_expect_str_eq(r4.ctype, LOOM_TYPE);
		snprintf(want, sizeof want, "Job %s-", cid);
		snprintf(tail, sizeof tail,
		    " is still underway for cluster %s", cid);
		p = strncmp(r4.body, want, strlen(want)) == 0 ?
		    r4.body + strlen(want) :
		    "";
		cr_expect(strspn(p, "0123456789") == 3 &&
			strcmp(p + 3, tail) == 0,
		    "%s", r4.body);
		fx_resp_free(&r4);
	}
	/* 413. */
	big = big_body(2 * 1024 * 1024);
	fx_expect_loom(fx.d.port, "POST", "/v1/loom/providers", ADMIN, big,
	    413,
	    "request body larger than 1048576 bytes "
	    "(server.max_body_bytes; 2097152 declared)");
	free(big);
	/* 417: finishing a task the worker does not hold. */
	fx_expect_loom(fx.d.port, "POST", "/v1/loom/tasks/finish", ANON,
	    "{\"workerId\":\"w1\",\"taskId\":\"00000009-001-001\","
	    "\"status\":0}",
	    417, "Worker is not the owner of the task");
	/* 500: the database fails the statement (a table is missing). */
	cr_assert_eq(fx_sql(&fx.db, fx.dbname,
			 "RENAME TABLE entities TO "
			 "entities_gone",
			 NULL, 0),
	    0);
	{
		/* The cause stays in the log; the body names the request. */
		static const char pfx[] = "Internal error; the server log has "
					  "the cause under request id ";
		struct fx_resp r5;

		cr_expect_eq(fx_req(fx.d.port, "GET",
				 "/v1/loom/providers/nope", ADMIN, NULL, &r5),
		    500, "%ld %s", r5.status, r5.body);
		cr_expect_str_eq(r5.ctype, LOOM_TYPE);
		cr_expect_eq(strncmp(r5.body, pfx, sizeof pfx - 1), 0, "%s",
		    r5.body);
		cr_expect_null(strstr(r5.body, "1146"), "%s", r5.body);
		fx_resp_free(&r5);
	}
	cr_assert_eq(fx_sql(&fx.db, fx.dbname,
			 "RENAME TABLE entities_gone TO "
			 "entities",
			 NULL, 0),
	    0);
	fx_expect_loom(fx.d.port, "GET", "/v1/loom/providers/nope", ADMIN,
	    NULL, 404, "provider nope  not found.");
}

Test(errors, success_bodies_stay_json)
{
	struct fx_resp r;

	cr_expect_eq(fx_req(fx.d.port, "GET", "/v1/loom/providers", ADMIN,
			 NULL, &r),
	    200);
	cr_expect_str_eq(r.ctype, "application/json");
	cr_expect_eq(r.body[0], '[', "%s", r.body);
	fx_resp_free(&r);
}

Test(errors, loomd_own_routes_keep_json_errors)
{
	char *big;

	expect_json("DELETE", "/readyz", NULL, 405,
	    "method DELETE not allowed on /readyz");
	expect_json("POST", "/metrics", NULL, 405,
	    "method POST not allowed on /metrics");
	expect_json("GET", "/v1/loomx", NULL, 404,
	    "no route for GET /v1/loomx");
	big = big_body(2 * 1024 * 1024);
	expect_json("POST", "/status", big, 413,
	    "request body larger than 1048576 bytes "
	    "(server.max_body_bytes; 2097152 declared)");
	free(big);
}

/* The exact body the Loom UI posts for a hardware type on Node 12+. */
#define UI_HWTYPE \
	"{\"name\":\"x\",\"providermap\":{\"joyent\":{\"flavor\":" \
	"\"2GB\",\"__proto__\":{}},\"__proto__\":{}},\"__proto__\":{}}"

Test(errors, proto_keys_are_absent_in_entities)
{
	struct fx_resp r;
	char n[32];

	cr_expect_eq(fx_req(fx.d.port, "POST", "/v1/loom/hardwaretypes", ADMIN,
			 UI_HWTYPE, &r),
	    200, "%s", r.body);
	fx_resp_free(&r);
	cr_expect_eq(fx_req(fx.d.port, "GET", "/v1/loom/hardwaretypes/x",
			 ADMIN, NULL, &r),
	    200);
	cr_expect_str_eq(r.body,
	    "{\"name\":\"x\",\"providermap\":{\"joyent\":"
	    "{\"flavor\":\"2GB\"}}}");
	fx_resp_free(&r);
	/* PUT (the UI's save of an existing entity) and import alike. */
	cr_expect_eq(fx_req(fx.d.port, "PUT", "/v1/loom/hardwaretypes/x",
			 ADMIN, UI_HWTYPE, &r),
	    200, "%s", r.body);
	fx_resp_free(&r);
	cr_expect_eq(fx_req(fx.d.port, "POST", "/v1/loom/import", ADMIN,
			 "{\"hardwaretypes\":"
			 "[" UI_HWTYPE "],\"__proto__\":{}}",
			 &r),
	    200, "%s", r.body);
	fx_resp_free(&r);
	cr_expect_eq(fx_req(fx.d.port, "GET", "/v1/loom/export", ADMIN, NULL,
			 &r),
	    200);
	cr_expect_null(strstr(r.body, "__proto__"), "%s", r.body);
	cr_expect_neq(strstr(r.body, "\"flavor\":\"2GB\""), NULL, "%s",
	    r.body);
	fx_resp_free(&r);
	cr_assert_eq(fx_sql(&fx.db, fx.dbname,
			 "SELECT COUNT(*) FROM entities WHERE "
			 "doc LIKE '%\\_\\_proto\\_\\_%'",
			 n, sizeof n),
	    0, "%s", n);
	cr_expect_str_eq(n, "0");
}

Test(errors, proto_keys_are_never_stored_in_a_cluster)
{
	char path[128], n[32];
	struct json_object *o, *v;

	o = create_cluster(
	    "{\"name\":\"ui\",\"numMachines\":1,"
	    "\"clusterTemplate\":\"one-machine\",\"config\":{\"mine\":{\"k\":"
	    "\"v\",\"__proto__\":{}},\"list\":[{\"__proto__\":{}}],"
	    "\"__proto__\":{}},\"__proto__\":{}}",
	    path, sizeof path);
	cr_assert(json_object_object_get_ex(o, "config", &v), "%s",
	    json_object_to_json_string(o));
	cr_expect_str_eq(json_object_to_json_string_ext(v,
			     JSON_C_TO_STRING_PLAIN),
	    "{\"mine\":{\"k\":\"v\"},\"list\":[{}]}");
	json_object_put(o);
	/* Nowhere in the rows either. */
	cr_assert_eq(fx_sql(&fx.db, fx.dbname, "SELECT COUNT(*) FROM clusters",
			 n, sizeof n),
	    0, "%s", n);
	cr_expect_str_eq(n, "1");
	cr_assert_eq(fx_sql(&fx.db, fx.dbname,
			 "SELECT COUNT(*) FROM clusters WHERE "
			 "CONCAT(doc, request) LIKE '%\\_\\_proto\\_\\_%'",
			 n, sizeof n),
	    0, "%s", n);
	cr_expect_str_eq(n, "0");
	/* The same query finds what is there. */
	cr_assert_eq(fx_sql(&fx.db, fx.dbname,
			 "SELECT COUNT(*) FROM clusters WHERE "
			 "doc LIKE '%\"mine\":{\"k\":\"v\"}%'",
			 n, sizeof n),
	    0, "%s", n);
	cr_expect_str_eq(n, "1");
}
