/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_admin.c - the admin catalogue API of a real loomd on a real
 * mariadbd: the per-type CRUD script, non-admin 403s, export/import and
 * invalid providers of the original server's LoomAdminHandlerTest (driven
 * by tests/data/loom-fixtures/entities-examples.json), and bad input with
 * its exact status and message.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "fixture_data.h"

static struct json_object *ex; /* entities-examples.json */

#define ADMIN "X-Loom-UserID: admin"
#define USER1 "X-Loom-UserID: user1"

static void
setup(void)
{
	fx_start(NULL, NULL);
	ex = fx_data_loom("entities-examples.json");
}

static void
teardown(void)
{
	fx_fini();
	json_object_put(ex);
}

TestSuite(admin, .init = setup, .fini = teardown, .timeout = 60);
FX_MAIN(FX_NEED_DB, 0)

/* Status only. */
static long
st(const char *method, const char *path, const char *hdr, const char *body)
{
	struct fx_resp r;
	long s = fx_req(fx.d.port, method, path, hdr, body, &r);

	fx_resp_free(&r);
	return s;
}

/*
 * Expect status and Loom's error body: text/plain, the message alone, even
 * when the client asks for JSON (the Loom UI does).
 */
static void
expect_error(const char *method, const char *path, const char *hdr,
    const char *body, long status, const char *message)
{
	char hdrs[256];

	snprintf(hdrs, sizeof hdrs, "%s%sAccept: application/json",
	    hdr != NULL ? hdr : "", hdr != NULL ? "\n" : "");
	fx_expect_loom(fx.d.port, method, path, hdrs, body, status, message);
}

/* The example entity `name` of json_strings[type] (borrowed). */
static struct json_object *
example(const char *section, const char *type, const char *name)
{
	struct json_object *sec, *arr, *e, *n;
	size_t i;

	cr_assert(json_object_object_get_ex(ex, section, &sec));
	cr_assert(json_object_object_get_ex(sec, type, &arr));
	for (i = 0; i < json_object_array_length(arr); i++) {
		e = json_object_array_get_idx(arr, i);
		if (json_object_object_get_ex(e, "name", &n) &&
		    strcmp(json_object_get_string(n), name) == 0)
			return e;
	}
	cr_assert_fail("no example %s/%s/%s", section, type, name);
	return NULL;
}

/* Is body (JSON text) equal as a tree to want? */
static bool
json_equal_text(const char *body, struct json_object *want)
{
	struct json_object *got = json_tokener_parse(body);
	bool eq = got != NULL && json_object_equal(got, want);

	json_object_put(got);
	return eq;
}

/* Does the JSON array text body hold exactly the given entities? */
static bool
json_set_equal(const char *body, struct json_object **want, size_t n)
{
	struct json_object *got = json_tokener_parse(body);
	size_t i, j, len;
	bool ok;

	ok = got != NULL && json_object_is_type(got, json_type_array) &&
	    (len = json_object_array_length(got)) == n;
	for (i = 0; ok && i < n; i++) {
		bool found = false;

		for (j = 0; j < len && !found; j++)
			found = json_object_equal(want[i],
			    json_object_array_get_idx(got, j));
		ok = found;
	}
	json_object_put(got);
	return ok;
}

/* GET path as admin answers 200 with entity e (of type, for messages). */
static void
expect_entity(const char *path, struct json_object *e, const char *type)
{
	struct fx_resp r;

	cr_expect_eq(fx_req(fx.d.port, "GET", path, ADMIN, NULL, &r), 200);
	cr_expect(json_equal_text(r.body, e), "%s: %s", type, r.body);
	fx_resp_free(&r);
}

Test(admin, per_type_crud_script)
{
	struct json_object *cases, *c, *v;
	const char *type, *n1, *n2;
	char p1[256], p2[256], pt[128];
	struct json_object *e[2];
	struct fx_resp r;
	size_t i;

	cr_assert(json_object_object_get_ex(ex, "admin_rest_cases", &cases));
	for (i = 0; i < json_object_array_length(cases); i++) {
		c = json_object_array_get_idx(cases, i);
		json_object_object_get_ex(c, "type", &v);
		type = json_object_get_string(v);
		json_object_object_get_ex(c, "entity1", &v);
		n1 = json_object_get_string(v);
		json_object_object_get_ex(c, "entity2", &v);
		n2 = json_object_get_string(v);
		e[0] = example("json_strings", type, n1);
		e[1] = example("json_strings", type, n2);
		snprintf(pt, sizeof pt, "/v1/loom/%s", type);
		snprintf(p1, sizeof p1, "%s/%s", pt, n1);
		snprintf(p2, sizeof p2, "%s/%s", pt, n2);

		cr_expect_eq(st("GET", p1, ADMIN, NULL), 404, "%s", type);
		cr_expect_eq(st("POST", pt, ADMIN,
				 json_object_to_json_string(e[0])),
		    200, "%s", type);
		expect_entity(p1, e[0], type);
		cr_expect_eq(st("POST", pt, ADMIN,
				 json_object_to_json_string(e[0])),
		    400, "%s dup", type);
		cr_expect_eq(st("DELETE", p1, ADMIN, NULL), 200);
		cr_expect_eq(st("GET", p1, ADMIN, NULL), 404);
		cr_expect_eq(st("PUT", p1, ADMIN,
				 json_object_to_json_string(e[0])),
		    200);
		expect_entity(p1, e[0], type);
		cr_expect_eq(st("POST", pt, ADMIN,
				 json_object_to_json_string(e[1])),
		    200);
		cr_expect_eq(fx_req(fx.d.port, "GET", pt, ADMIN, NULL, &r),
		    200);
		cr_expect(json_set_equal(r.body, e, 2), "%s list: %s", type,
		    r.body);
		fx_resp_free(&r);
		cr_expect_eq(st("DELETE", p1, ADMIN, NULL), 200);
		cr_expect_eq(st("DELETE", p2, ADMIN, NULL), 200);
		/* Deleting what is gone is 404 in loomd (Loom said 200). */
		cr_expect_eq(st("DELETE", p2, ADMIN, NULL), 404);
	}
}

Test(admin, non_admin_user_is_forbidden_to_write)
{
	static const char *types[] = { "providers", "hardwaretypes",
		"imagetypes", "services", "clustertemplates" };
	char path[128];
	size_t i;

	for (i = 0; i < 5; i++) {
		snprintf(path, sizeof path, "/v1/loom/%s", types[i]);
		cr_expect_eq(st("GET", path, USER1, NULL), 200);
		snprintf(path, sizeof path, "/v1/loom/%s/id", types[i]);
		cr_expect_eq(st("GET", path, USER1, NULL), 404);
		/* 403 before the body is even looked at. */
		expect_error("PUT", path, USER1, "body", 403,
		    "user unauthorized, must be admin.");
		snprintf(path, sizeof path, "/v1/loom/%s", types[i]);
		expect_error("POST", path, USER1, "body", 403,
		    "user unauthorized, must be admin.");
	}
	cr_expect_eq(st("GET", "/v1/loom/export", USER1, NULL), 200);
	expect_error("POST", "/v1/loom/import", USER1, "{}", 403,
	    "user unauthorized, must be admin.");
}

/* Build an import body from java_objects names; caller puts it. */
static struct json_object *
import_body(struct json_object *imp)
{
	struct json_object *body = json_object_new_object(), *arr, *names;
	static const char *types[] = { "providers", "hardwaretypes",
		"imagetypes", "services", "clustertemplates" };
	size_t t, i;

	for (t = 0; t < 5; t++) {
		arr = json_object_new_array();
		json_object_object_get_ex(imp, types[t], &names);
		for (i = 0; i < json_object_array_length(names); i++)
			json_object_array_add(arr,
			    json_object_get(example("java_objects", types[t],
				json_object_get_string(
				    json_object_array_get_idx(names, i)))));
		json_object_object_add(body, types[t], arr);
	}
	return body;
}

Test(admin, export_import_replaces_not_merges)
{
	struct json_object *cases, *c, *imp, *body, *exp, *arr, *got;
	static const char *types[] = { "providers", "hardwaretypes",
		"imagetypes", "services", "clustertemplates" };
	struct fx_resp r;
	size_t i, t, j;

	cr_assert(
	    json_object_object_get_ex(ex, "export_import_cases", &cases));
	for (i = 0; i < json_object_array_length(cases); i++) {
		c = json_object_array_get_idx(cases, i);
		json_object_object_get_ex(c, "import", &imp);
		body = import_body(imp);
		cr_expect_eq(st("POST", "/v1/loom/import", ADMIN,
				 json_object_to_json_string(body)),
		    200, "step %zu", i);
		cr_expect_eq(fx_req(fx.d.port, "GET", "/v1/loom/export", ADMIN,
				 NULL, &r),
		    200);
		exp = json_tokener_parse(r.body);
		cr_assert_not_null(exp);
		cr_expect_eq(json_object_object_length(exp), 5);
		for (t = 0; t < 5; t++) {
			struct json_object *want[16];
			size_t n;

			json_object_object_get_ex(body, types[t], &arr);
			n = json_object_array_length(arr);
			for (j = 0; j < n; j++)
				want[j] = json_object_array_get_idx(arr, j);
			json_object_object_get_ex(exp, types[t], &got);
			cr_expect(json_set_equal(json_object_to_json_string(
						     got),
				      want, n),
			    "step %zu %s: %s", i, types[t],
			    json_object_to_json_string(got));
		}
		json_object_put(exp);
		fx_resp_free(&r);
		json_object_put(body);
	}
}

Test(admin, invalid_providers_are_400)
{
	expect_error("POST", "/v1/loom/providers", ADMIN, "{}", 400,
	    "invalid input");
	cr_expect_eq(st("POST", "/v1/loom/providers", ADMIN, "[dsfmqo"), 400);
	expect_error("POST", "/v1/loom/providers", ADMIN,
	    "{\"name\":\"?\",\"providertype\":\"joyent\"}", 400,
	    "invalid input: invalid name.  Name must consist of only "
	    "[a-zA-Z0-9_.-]");
	expect_error("POST", "/v1/loom/providers", ADMIN,
	    "{\"name\":\"p\",\"providertype\":\"badtype\"}", 400,
	    "invalid input: invalid provider type.");
}

Test(admin, bad_input_has_exact_status_and_message)
{
	char name[300], body[600];
	struct fx_resp r;
	size_t n = 2 * 1024 * 1024;
	char *big;

	expect_error("POST", "/v1/loom/providers", ADMIN, NULL, 400,
	    "invalid input: empty body");
	expect_error("POST", "/v1/loom/providers", ADMIN, "", 400,
	    "invalid input: empty body");
	cr_expect_eq(st("POST", "/v1/loom/providers", ADMIN,
			 "{\"name\": \"x\", "),
	    400);
	/* Wrong type: name must be a string. */
	expect_error("POST", "/v1/loom/providers", ADMIN,
	    "{\"name\":{\"a\":1},\"providertype\":\"joyent\"}", 400,
	    "invalid input");
	/* Not an object. */
	cr_expect_eq(st("POST", "/v1/loom/providers", ADMIN, "[1,2]"), 400);
	/* Illegal name and a 256-character name. */
	expect_error("POST", "/v1/loom/services", ADMIN, "{\"name\":\"a b\"}",
	    400,
	    "invalid input: invalid name.  Name "
	    "must consist of only [a-zA-Z0-9_.-]");
	memset(name, 'n', 256);
	name[256] = '\0';
	snprintf(body, sizeof body,
	    "{\"name\":\"%s\",\"providertype\":"
	    "\"joyent\"}",
	    name);
	cr_expect_eq(st("POST", "/v1/loom/providers", ADMIN, body), 400);
	name[255] = '\0';
	snprintf(body, sizeof body,
	    "{\"name\":\"%s\",\"providertype\":"
	    "\"joyent\"}",
	    name);
	cr_expect_eq(st("POST", "/v1/loom/providers", ADMIN, body), 200,
	    "255 characters are allowed");
	/* A 2 MiB body. */
	big = malloc(n + 1);
	memset(big, ' ', n);
	big[n] = '\0';
	big[0] = '{';
	big[n - 1] = '}';
	cr_expect_eq(fx_req(fx.d.port, "POST", "/v1/loom/providers", ADMIN,
			 big, &r),
	    413);
	fx_resp_free(&r);
	free(big);
	/* A missing user header, on a user route and an admin route. */
	expect_error("GET", "/v1/loom/providers", NULL, NULL, 401,
	    "X-Loom-UserID not found in the request header.");
	expect_error("POST", "/v1/loom/providers", NULL, "{}", 403,
	    "user unauthorized, must be admin.");
	/* Conflicting duplicate keys, invalid UTF-8. */
	cr_expect_eq(
	    st("POST", "/v1/loom/providers", ADMIN,
		"{\"name\":\"a\",\"name\":\"b\",\"providertype\":\"joyent\"}"),
	    400);
	cr_expect_eq(st("POST", "/v1/loom/providers", ADMIN,
			 "{\"name\":\"u\",\"description\":\"\xc3\x28\","
			 "\"providertype\":\"joyent\"}"),
	    400);
	/* Mismatched PUT name. */
	expect_error("PUT", "/v1/loom/providers/other", ADMIN,
	    "{\"name\":\"p1\",\"providertype\":\"joyent\"}", 400,
	    "mismatch between provider name and name in path.");
	/* Nothing of the failures above was stored. */
	cr_expect_eq(fx_req(fx.d.port, "GET", "/v1/loom/providers", ADMIN,
			 NULL, &r),
	    200);
	cr_expect_eq(strstr(r.body, "\"name\":\"x\"") == NULL, 1);
	cr_expect_eq(strstr(r.body, "\"name\":\"a\"") == NULL, 1);
	fx_resp_free(&r);
}

Test(admin, lenient_json_like_loom_clients_send)
{
	struct fx_resp r;

	cr_expect_eq(
	    st("POST", "/v1/loom/providers", ADMIN,
		"{'name':'q1','providertype':'joyent','description':'quoted'}"),
	    200);
	cr_expect_eq(fx_req(fx.d.port, "GET", "/v1/loom/providers/q1", ADMIN,
			 NULL, &r),
	    200);
	cr_expect(strstr(r.body, "\"description\":\"quoted\"") != NULL, "%s",
	    r.body);
	fx_resp_free(&r);
	/* Numbers given as strings in a template's lease. */
	cr_expect_eq(
	    st("POST", "/v1/loom/clustertemplates", ADMIN,
		"{\"name\":\"t1\",\"defaults\":{\"services\":[\"s\"],"
		"\"provider\":\"p\"},\"administration\":{\"leaseduration\":"
		"{\"initial\":\"10\",\"max\":\"20\",\"step\":\"5\"}}}"),
	    200);
	cr_expect_eq(fx_req(fx.d.port, "GET", "/v1/loom/clustertemplates/t1",
			 ADMIN, NULL, &r),
	    200);
	cr_expect(strstr(r.body, "\"initial\":10") != NULL, "%s", r.body);
	fx_resp_free(&r);
}

Test(admin, template_lease_rules)
{
	expect_error("POST", "/v1/loom/clustertemplates", ADMIN,
	    "{\"name\":\"t2\",\"defaults\":{\"services\":[\"s\"],"
	    "\"provider\":\"p\"},\"administration\":{\"leaseduration\":"
	    "{\"initial\":100,\"max\":50,\"step\":5}}}",
	    400,
	    "Initial lease duration cannot be more than max lease duration "
	    "for cluster template t2");
	cr_expect_eq(
	    st("POST", "/v1/loom/clustertemplates", ADMIN,
		"{\"name\":\"t3\",\"defaults\":{\"services\":[\"s\"],"
		"\"provider\":\"p\"},\"administration\":{\"leaseduration\":"
		"{\"initial\":-1,\"max\":50,\"step\":5}}}"),
	    400);
	expect_error("POST", "/v1/loom/clustertemplates", ADMIN,
	    "{\"name\":\"t4\",\"defaults\":{\"provider\":\"p\"}}", 400,
	    "invalid input: default services must be specified");
}

Test(admin, sql_metacharacters_are_stored_literally)
{
	const char *desc = "x'); DROP TABLE entities; -- \\\" %_ `";
	char body[512];
	struct fx_resp r;
	struct json_object *o, *v;

	snprintf(body, sizeof body,
	    "{\"name\":\"meta\",\"providertype\":"
	    "\"joyent\",\"description\":\"x'); DROP TABLE entities; -- "
	    "\\\\\\\" %%_ `\"}");
	cr_assert_eq(st("POST", "/v1/loom/providers", ADMIN, body), 200, "%s",
	    body);
	cr_assert_eq(fx_req(fx.d.port, "GET", "/v1/loom/providers/meta", ADMIN,
			 NULL, &r),
	    200);
	o = json_tokener_parse(r.body);
	cr_assert_not_null(o);
	json_object_object_get_ex(o, "description", &v);
	cr_expect_str_eq(json_object_get_string(v), desc);
	json_object_put(o);
	fx_resp_free(&r);
	cr_expect_eq(st("GET", "/v1/loom/providers", ADMIN, NULL), 200);
}

Test(admin, import_with_one_bad_entity_changes_nothing)
{
	struct fx_resp r;
	char *before;

	cr_assert_eq(st("POST", "/v1/loom/providers", ADMIN,
			 "{\"name\":\"keep\",\"providertype\":\"joyent\"}"),
	    200);
	fx_req(fx.d.port, "GET", "/v1/loom/export", ADMIN, NULL, &r);
	before = strdup(r.body);
	fx_resp_free(&r);
	cr_expect_eq(
	    fx_req(fx.d.port, "POST", "/v1/loom/import", ADMIN,
		"{\"providers\":[{\"name\":\"ok\",\"providertype\":\"joyent\"},"
		"{\"name\":\"bad\",\"providertype\":\"nope\"}]}",
		&r),
	    400);
	cr_expect(strstr(r.body, "bad") != NULL, "names the entity: %s",
	    r.body);
	fx_resp_free(&r);
	fx_req(fx.d.port, "GET", "/v1/loom/export", ADMIN, NULL, &r);
	cr_expect_str_eq(r.body, before);
	fx_resp_free(&r);
	free(before);
	cr_expect_eq(st("POST", "/v1/loom/import", ADMIN, "not json"), 400);
	cr_expect_eq(st("GET", "/v1/loom/providers/keep", ADMIN, NULL), 200);
}

Test(admin, sample_catalogue_imports_and_exports)
{
	char path[1024];
	struct json_object *cat, *exp, *a;
	struct fx_resp r;

	fx_srcpath(path, sizeof path, "etc/defaults/catalogue.json");
	cat = json_object_from_file(path);
	cr_assert_not_null(cat, "%s", path);
	cr_expect_eq(st("POST", "/v1/loom/import", ADMIN,
			 json_object_to_json_string(cat)),
	    200);
	cr_assert_eq(fx_req(fx.d.port, "GET", "/v1/loom/export", ADMIN, NULL,
			 &r),
	    200);
	exp = json_tokener_parse(r.body);
	cr_assert_not_null(exp);
	json_object_object_get_ex(exp, "providers", &a);
	cr_expect_eq(json_object_array_length(a), 1);
	json_object_object_get_ex(exp, "hardwaretypes", &a);
	cr_expect_eq(json_object_array_length(a), 3);
	json_object_object_get_ex(exp, "imagetypes", &a);
	cr_expect_eq(json_object_array_length(a), 2);
	json_object_object_get_ex(exp, "services", &a);
	cr_expect_eq(json_object_array_length(a), 6);
	json_object_object_get_ex(exp, "clustertemplates", &a);
	cr_expect_eq(json_object_array_length(a), 2);
	json_object_put(exp);
	json_object_put(cat);
	fx_resp_free(&r);
}
