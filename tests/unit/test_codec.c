/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_codec.c - unit tests of the admin entity codec against the Loom 0.9
 * fixtures (tests/data/loom-fixtures): every admin example must decode and
 * come back equal as a JSON tree (the LoomAdminHandlerTest round trip), the
 * two templates that do not round trip must give json_strings_output_form,
 * the Java objects, the solver and cluster-handler catalogues and the whole
 * defaults/ catalogue must decode, and the import/export steps of
 * testExportImport must hold.  Hand-written tables in tests/data/codec/
 * give canonical forms and refusals derived from LOOM-0.9-API.md §2 and
 * §1.3.
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "fixture_data.h"
#include "jsonin.h"
#include "jsonx.h"

#define NAME_MSG "invalid name.  Name must consist of only [a-zA-Z0-9_.-]"

/* printf into a new string; caller frees. */
static char *
fmt(const char *f, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, f);
	n = vsnprintf(NULL, 0, f, ap);
	va_end(ap);
	cr_assert(n >= 0);
	s = malloc((size_t)n + 1);
	cr_assert_not_null(s);
	va_start(ap, f);
	vsnprintf(s, (size_t)n + 1, f, ap);
	va_end(ap);
	return s;
}

/* Parse tests/data/<dir>/<name> with jsonin (which must accept it). */
static struct json_object *
load_rel(const char *dir, const char *name)
{
	struct json_object *o = NULL;
	char err[LOOMD_ERR_LEN], *rel, *buf;
	size_t len;

	rel = fmt("%s/%s", dir, name);
	buf = fx_data_read(rel, &len);
	cr_assert_eq(jsonin_parse(buf, len, JSONIN_ALLOW_ARRAY, &o, NULL, err),
	    0, "%s: %s", rel, err);
	free(buf);
	free(rel);
	return o;
}

/* A file of the Loom fixtures, tests/data/loom-fixtures/<name>. */
static struct json_object *
load_fixture(const char *name)
{
	return load_rel("loom-fixtures", name);
}

/* A table of loomd's own, tests/data/codec/<name>. */
static struct json_object *
load_data(const char *name)
{
	return load_rel("codec", name);
}

/*
 * JSON tree equality: object keys in any order, arrays in order, numbers
 * compared by value (an integer equals a double of the same value).
 */
static int
tree_equal(struct json_object *a, struct json_object *b)
{
	enum json_type ta = json_object_get_type(a);
	enum json_type tb = json_object_get_type(b);
	struct json_object *bv;
	size_t i, n;

	if ((ta == json_type_int || ta == json_type_double) &&
	    (tb == json_type_int || tb == json_type_double)) {
		if (ta == json_type_int && tb == json_type_int)
			return json_object_get_int64(a) ==
			    json_object_get_int64(b);
		return json_object_get_double(a) == json_object_get_double(b);
	}
	if (ta != tb)
		return 0;
	switch (ta) {
	case json_type_null:
		return 1;
	case json_type_boolean:
		return json_object_get_boolean(a) ==
		    json_object_get_boolean(b);
	case json_type_string:
		return json_object_get_string_len(a) ==
		    json_object_get_string_len(b) &&
		    memcmp(json_object_get_string(a),
			json_object_get_string(b),
			(size_t)json_object_get_string_len(a)) == 0;
	case json_type_array:
		n = json_object_array_length(a);
		if (n != json_object_array_length(b))
			return 0;
		for (i = 0; i < n; i++) {
			if (!tree_equal(json_object_array_get_idx(a, i),
				json_object_array_get_idx(b, i)))
				return 0;
		}
		return 1;
	case json_type_object:
		if (json_object_object_length(a) !=
		    json_object_object_length(b))
			return 0;
		json_object_object_foreach (a, key, av) {
			if (!json_object_object_get_ex(b, key, &bv) ||
			    !tree_equal(av, bv))
				return 0;
		}
		return 1;
	default:
		return 0;
	}
}

/* Arrays equal as sets of trees (same length, each a has a match in b). */
static int
set_equal(struct json_object *a, struct json_object *b)
{
	size_t i, j, n = json_object_array_length(a);
	char *used;
	int ok = 1;

	if (n != json_object_array_length(b))
		return 0;
	used = calloc(n + 1, 1);
	cr_assert_not_null(used);
	for (i = 0; i < n && ok; i++) {
		for (j = 0; j < n; j++) {
			if (!used[j] &&
			    tree_equal(json_object_array_get_idx(a, i),
				json_object_array_get_idx(b, j))) {
				used[j] = 1;
				break;
			}
		}
		ok = j < n;
	}
	free(used);
	return ok;
}

static const char *
js(struct json_object *o)
{
	return json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* Type of a URL word, asserting it is one. */
static enum codec_type
type_of(const char *path)
{
	enum codec_type t = CODEC_PROVIDER;

	cr_assert_eq(codec_type_from_path(path, &t), 0, "type %s", path);
	return t;
}

/*
 * Decode in as type; assert success.  Also assert the canonical form is a
 * fixed point, through its serialised text (what the store keeps).
 */
static struct json_object *
must_decode(enum codec_type t, struct json_object *in)
{
	struct json_object *out = NULL, *text = NULL, *again = NULL;
	enum codec_error kind = CODEC_ERR_MESSAGE;
	char err[LOOMD_ERR_LEN];
	const char *s;

	cr_assert_eq(codec_parse(t, in, &out, &kind, err), 0,
	    "%s refused (%s): %s", codec_type_word(t), err, js(in));
	cr_assert_not_null(out);
	cr_assert_eq(kind, CODEC_ERR_NONE);
	s = js(out);
	cr_assert_eq(jsonin_parse(s, strlen(s), 0, &text, NULL, err), 0, "%s",
	    err);
	cr_assert_eq(codec_parse(t, text, &again, &kind, err), 0,
	    "canonical form refused (%s): %s", err, s);
	cr_assert(tree_equal(again, out), "not a fixed point:\n%s\n%s",
	    js(again), s);
	json_object_put(text);
	json_object_put(again);
	return out;
}

/* Assert decode(in) equals want as a tree. */
static void
assert_decodes_to(enum codec_type t, struct json_object *in,
    struct json_object *want, const char *what)
{
	struct json_object *out = must_decode(t, in);

	cr_assert(tree_equal(out, want), "%s: got\n%s\nwant\n%s", what,
	    js(out), js(want));
	json_object_put(out);
}

/* obj[k1][k2]... (borrowed); asserts every step exists. */
static struct json_object *
at(struct json_object *o, const char *path)
{
	char *copy = strdup(path), *tok, *save = NULL;
	struct json_object *v = o;

	cr_assert_not_null(copy);
	for (tok = strtok_r(copy, ".", &save); tok != NULL;
	     tok = strtok_r(NULL, ".", &save))
		cr_assert(json_object_object_get_ex(v, tok, &v), "no %s in %s",
		    path, js(o));
	free(copy);
	return v;
}

/* Is name listed in the JSON array arr of strings? */
static int
listed(struct json_object *arr, const char *name)
{
	size_t i, n;

	if (arr == NULL)
		return 0;
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		if (strcmp(json_object_get_string(
			       json_object_array_get_idx(arr, i)),
			name) == 0)
			return 1;
	}
	return 0;
}

Test(codec, type_tables)
{
	static const char *words[] = { "provider", "hardware type",
		"image type", "service", "cluster template" };
	static const char *paths[] = { "providers", "hardwaretypes",
		"imagetypes", "services", "clustertemplates" };
	enum codec_type t;
	int i;

	for (i = 0; i < CODEC_NTYPES; i++) {
		cr_assert_str_eq(codec_type_word((enum codec_type)i),
		    words[i]);
		cr_assert_str_eq(codec_type_path((enum codec_type)i),
		    paths[i]);
		cr_assert_eq(codec_type_from_path(paths[i], &t), 0);
		cr_assert_eq((int)t, i);
	}
	cr_assert_eq(codec_type_from_path("clusters", &t), -1);
	cr_assert_eq(codec_type_from_path("provider", &t), -1);
	cr_assert_eq(codec_type_from_path("", &t), -1);
}

Test(codec, error_body)
{
	char *b;

	b = codec_error_body(CODEC_ERR_MESSAGE, "invalid provider type.");
	cr_assert_str_eq(b, "invalid input: invalid provider type.");
	free(b);
	b = codec_error_body(CODEC_ERR_PLAIN, "name is missing");
	cr_assert_str_eq(b, "invalid input");
	free(b);
}

Test(codec, admin_rest_examples_round_trip)
{
	struct json_object *ex, *cases, *strings, *c, *list, *ent, *out;
	const char *keys[] = { "entity1", "entity2" };
	char err[LOOMD_ERR_LEN];
	const char *name;
	enum codec_type t;
	size_t i, n;
	int k, checked = 0;

	ex = load_fixture("entities-examples.json");
	strings = at(ex, "json_strings");
	cases = at(ex, "admin_rest_cases");
	n = json_object_array_length(cases);
	cr_assert_eq(n, 5);
	for (i = 0; i < n; i++) {
		c = json_object_array_get_idx(cases, i);
		t = type_of(json_object_get_string(at(c, "type")));
		list = at(strings, json_object_get_string(at(c, "type")));
		for (k = 0; k < 2; k++) {
			name = json_object_get_string(at(c, keys[k]));
			ent = fx_data_find(list, "name", name);
			/* POST then GET: equal to what was posted. */
			out = must_decode(t, ent);
			cr_assert(tree_equal(out, ent),
			    "%s: got\n%s\nwant\n%s", name, js(out), js(ent));
			/* PUT compares the body name with the path. */
			cr_assert_str_eq(codec_name(out), name);
			/* POST/PUT lease validation passes for these. */
			if (t == CODEC_CLUSTERTEMPLATE)
				cr_assert_eq(codec_check_template_lease(out,
						 err),
				    0, "%s", err);
			json_object_put(out);
			checked++;
		}
	}
	cr_assert_eq(checked, 10);
	json_object_put(ex);
}

Test(codec, json_strings_decode_to_output_form)
{
	struct json_object *ex, *strings, *odd, *form, *list, *ent, *want;
	struct json_object *oddlist, *formlist;
	enum codec_type t;
	const char *name;
	size_t i, n;
	int total = 0, odd_seen = 0;

	ex = load_fixture("entities-examples.json");
	strings = at(ex, "json_strings");
	odd = at(ex, "json_strings_that_do_not_round_trip");
	form = at(ex, "json_strings_output_form");
	json_object_object_foreach (strings, type, v) {
		t = type_of(type);
		list = v;
		oddlist = NULL;
		formlist = NULL;
		json_object_object_get_ex(odd, type, &oddlist);
		json_object_object_get_ex(form, type, &formlist);
		n = json_object_array_length(list);
		for (i = 0; i < n; i++) {
			ent = json_object_array_get_idx(list, i);
			name = json_object_get_string(at(ent, "name"));
			want = ent;
			if (listed(oddlist, name)) {
				want = fx_data_find(formlist, "name", name);
				odd_seen++;
			}
			assert_decodes_to(t, ent, want, name);
			total++;
		}
	}
	cr_assert_eq(total, 14, "json_strings holds 14 entities");
	cr_assert_eq(odd_seen, 2);
	json_object_put(ex);
}

Test(codec, java_objects_round_trip)
{
	struct json_object *ex, *objs, *ent;
	enum codec_type t;
	size_t i, n;
	int total = 0;

	ex = load_fixture("entities-examples.json");
	objs = at(ex, "java_objects");
	json_object_object_foreach (objs, type, list) {
		t = type_of(type);
		n = json_object_array_length(list);
		for (i = 0; i < n; i++) {
			ent = json_object_array_get_idx(list, i);
			assert_decodes_to(t, ent, ent,
			    json_object_get_string(at(ent, "name")));
			total++;
		}
	}
	cr_assert_eq(total, 12);
	json_object_put(ex);
}

Test(codec, export_import_steps)
{
	struct json_object *ex, *steps, *step, *objs, *body, *arr, *out;
	char err[LOOMD_ERR_LEN];
	enum codec_error kind;
	size_t s, i, n;
	int t;

	ex = load_fixture("entities-examples.json");
	objs = at(ex, "java_objects");
	steps = at(ex, "export_import_cases");
	cr_assert_eq(json_object_array_length(steps), 3);
	for (s = 0; s < 3; s++) {
		step = json_object_array_get_idx(steps, s);
		cr_assert_str_eq(json_object_get_string(
				     at(step, "import_from")),
		    "java_objects");
		/* Build the import body from the named Java objects. */
		body = jsonx_new_object();
		json_object_object_foreach (at(step, "import"), type, names) {
			arr = jsonx_new_array();
			n = json_object_array_length(names);
			for (i = 0; i < n; i++)
				jsonx_append(arr,
				    json_object_get(fx_data_find(at(objs,
								     type),
					"name",
					json_object_get_string(
					    json_object_array_get_idx(names,
						i)))));
			jsonx_set(body, type, arr);
		}
		cr_assert_eq(codec_parse_import(body, &out, &kind, err), 0,
		    "step %zu: %s", s + 1, err);
		/* Export then has exactly the 5 keys, each equal as a set. */
		cr_assert_eq(json_object_object_length(out), 5);
		for (t = 0; t < CODEC_NTYPES; t++) {
			const char *k = codec_type_path((enum codec_type)t);

			cr_assert(set_equal(at(out, k), at(body, k)),
			    "step %zu %s: got %s want %s", s + 1, k,
			    js(at(out, k)), js(at(body, k)));
		}
		json_object_put(out);
		json_object_put(body);
	}
	json_object_put(ex);
}

Test(codec, import_missing_keys_are_empty_lists)
{
	struct json_object *in, *out;
	char err[LOOMD_ERR_LEN];
	enum codec_error kind;
	const char *s = "{\"services\":[{\"name\":\"s\"}],\"other\":1,"
			"\"providers\":null}";
	int t;

	cr_assert_eq(jsonin_parse("{}", 2, 0, &in, NULL, err), 0);
	cr_assert_eq(codec_parse_import(in, &out, &kind, err), 0, "%s", err);
	for (t = 0; t < CODEC_NTYPES; t++)
		cr_assert_eq(json_object_array_length(
				 at(out, codec_type_path((enum codec_type)t))),
		    0);
	json_object_put(in);
	json_object_put(out);

	cr_assert_eq(jsonin_parse(s, strlen(s), 0, &in, NULL, err), 0);
	cr_assert_eq(codec_parse_import(in, &out, &kind, err), 0, "%s", err);
	cr_assert_eq(json_object_object_length(out), 5);
	cr_assert_eq(json_object_array_length(at(out, "services")), 1);
	cr_assert_eq(json_object_array_length(at(out, "providers")), 0);
	/* Entities come out canonical. */
	cr_assert_eq(json_object_array_length(
			 at(json_object_array_get_idx(at(out, "services"), 0),
			     "dependson")),
	    0);
	json_object_put(in);
	json_object_put(out);
}

Test(codec, import_refusals_name_the_entity)
{
	static const struct {
		const char *body;
		enum codec_error kind;
		const char *err;
	} cases[] = {
		{ "{\"clustertemplates\":[{\"name\":\"ok\",\"defaults\":"
		  "{\"services\":[],\"provider\":\"p\"}},{\"name\":\"bad\","
		  "\"defaults\":{\"provider\":\"p\"}}]}",
		    CODEC_ERR_MESSAGE,
		    "cluster template bad: default services must be specified" },
		{ "{\"providers\":[{\"name\":\"p\",\"providertype\":\"x\"}]}",
		    CODEC_ERR_MESSAGE, "provider p: invalid provider type." },
		{ "{\"providers\":[{}]}", CODEC_ERR_PLAIN,
		    "provider #0: name is missing" },
		{ "{\"services\":[{\"name\":\"s\"},{\"name\":\"?\"}]}",
		    CODEC_ERR_MESSAGE, "service ?: " NAME_MSG },
		{ "{\"hardwaretypes\":{}}", CODEC_ERR_PLAIN,
		    "hardwaretypes must be an array" },
		{ "{\"imagetypes\":[5]}", CODEC_ERR_PLAIN,
		    "image type #0: image type must be a JSON object" },
	};
	struct json_object *in, *out;
	char err[LOOMD_ERR_LEN];
	enum codec_error kind;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cr_assert_eq(jsonin_parse(cases[i].body, strlen(cases[i].body),
				 0, &in, NULL, err),
		    0, "%s", err);
		out = (struct json_object *)1;
		cr_assert_eq(codec_parse_import(in, &out, &kind, err), -1,
		    "accepted %s", cases[i].body);
		cr_assert_null(out);
		cr_assert_eq(kind, cases[i].kind, "%s", cases[i].body);
		cr_assert_str_eq(err, cases[i].err);
		json_object_put(in);
	}
	out = (struct json_object *)1;
	cr_assert_eq(codec_parse_import(NULL, &out, &kind, err), -1);
	cr_assert_eq(kind, CODEC_ERR_PLAIN);
}

Test(codec, import_skips_lease_check_and_last_name_wins)
{
	const char *s =
	    "{\"clustertemplates\":[{\"name\":\"t\",\"defaults\":"
	    "{\"services\":[],\"provider\":\"p\"},\"administration\":"
	    "{\"leaseduration\":{\"initial\":200,\"max\":100,\"step\":0}}}],"
	    "\"providers\":[{\"name\":\"p\",\"description\":\"one\","
	    "\"providertype\":\"ec2\"},{\"name\":\"q\",\"providertype\":"
	    "\"ec2\"},{\"name\":\"p\",\"description\":\"two\","
	    "\"providertype\":\"joyent\"}]}";
	struct json_object *in, *out, *prov;
	char err[LOOMD_ERR_LEN];
	enum codec_error kind;

	cr_assert_eq(jsonin_parse(s, strlen(s), 0, &in, NULL, err), 0);
	cr_assert_eq(codec_parse_import(in, &out, &kind, err), 0, "%s", err);
	cr_assert_eq(json_object_array_length(at(out, "clustertemplates")), 1);
	/* POST/PUT would refuse it; import does not check. */
	cr_assert_eq(codec_check_template_lease(
			 json_object_array_get_idx(at(out, "clustertemplates"),
			     0),
			 err),
	    -1);
	prov = at(out, "providers");
	cr_assert_eq(json_object_array_length(prov), 2);
	cr_assert_str_eq(json_object_get_string(
			     at(fx_data_find(prov, "name", "p"),
				 "description")),
	    "two");
	fx_data_find(prov, "name", "q"); /* fails the test when q is gone */
	json_object_put(in);
	json_object_put(out);
}

/* Every section of an export-shaped fixture is already canonical. */
static void
catalogue_round_trips(const char *file, int want_entities)
{
	struct json_object *cat, *out;
	char err[LOOMD_ERR_LEN];
	enum codec_error kind;
	int t, total = 0;

	cat = load_fixture(file);
	cr_assert_eq(codec_parse_import(cat, &out, &kind, err), 0, "%s: %s",
	    file, err);
	for (t = 0; t < CODEC_NTYPES; t++) {
		const char *k = codec_type_path((enum codec_type)t);

		cr_assert(tree_equal(at(out, k), at(cat, k)),
		    "%s %s:\ngot  %s\nwant %s", file, k, js(at(out, k)),
		    js(at(cat, k)));
		total += (int)json_object_array_length(at(out, k));
	}
	cr_assert_eq(total, want_entities, "%s", file);
	json_object_put(cat);
	json_object_put(out);
}

Test(codec, solver_catalogue_is_canonical)
{
	/* 1 provider, 4 hardware, 2 images, 8 services, 2 templates. */
	catalogue_round_trips("solver-catalogue.json", 17);
}

Test(codec, cluster_handler_catalogue_is_canonical)
{
	/* 1 provider, 3 hardware, 1 image, 8 services, 2 templates. */
	catalogue_round_trips("cluster-handler-fixtures.json", 15);
}

Test(codec, defaults_catalogue_decodes)
{
	struct json_object *in, *out;
	char *rel, *path, dir[4096], err[LOOMD_ERR_LEN];
	struct dirent *de;
	enum codec_type t;
	size_t nlen;
	DIR *d;
	int i, total = 0;

	for (i = 0; i < CODEC_NTYPES; i++) {
		t = (enum codec_type)i;
		rel = fmt("loom-fixtures/defaults/%s", codec_type_path(t));
		fx_data_path(dir, sizeof dir, rel);
		d = opendir(dir);
		cr_assert_not_null(d, "cannot open %s", dir);
		while ((de = readdir(d)) != NULL) {
			nlen = strlen(de->d_name);
			if (nlen < 6 ||
			    strcmp(de->d_name + nlen - 5, ".json") != 0)
				continue;
			path = fmt("%s/%s", rel, de->d_name);
			in = load_rel(rel, de->d_name);
			out = must_decode(t, in);
			/* Each file is named after its entity. */
			cr_assert_eq(strlen(codec_name(out)), nlen - 5);
			cr_assert_eq(strncmp(codec_name(out), de->d_name,
					 nlen - 5),
			    0, "%s", path);
			if (t == CODEC_CLUSTERTEMPLATE)
				cr_assert_eq(codec_check_template_lease(out,
						 err),
				    0, "%s", err);
			json_object_put(in);
			json_object_put(out);
			free(path);
			total++;
		}
		closedir(d);
		free(rel);
	}
	cr_assert_eq(total, 27, "defaults/ holds 27 files");
}

/* Decode fixture file defaults/<rel>; caller frees. */
static struct json_object *
decode_default(enum codec_type t, const char *rel)
{
	struct json_object *in, *out;
	char *name;

	name = fmt("defaults/%s", rel);
	in = load_fixture(name);
	out = must_decode(t, in);
	json_object_put(in);
	free(name);
	return out;
}

Test(codec, defaults_catalogue_conversions)
{
	struct json_object *o, *v;

	/* "flavor": 6 is a Map<String,String> value: the string "6". */
	o = decode_default(CODEC_HARDWARETYPE, "hardwaretypes/large.json");
	v = at(o, "providermap.rackspace.flavor");
	cr_assert(json_object_is_type(v, json_type_string));
	cr_assert_str_eq(json_object_get_string(v), "6");
	json_object_put(o);

	/* Lease and quantities given as strings become numbers. */
	o = decode_default(CODEC_CLUSTERTEMPLATE,
	    "clustertemplates/hadoop-distributed.json");
	v = at(o, "administration.leaseduration.initial");
	cr_assert(json_object_is_type(v, json_type_int));
	cr_assert_eq(json_object_get_int64(v), 0);
	v = at(o, "constraints.services.hadoop-hdfs-namenode.quantities");
	cr_assert_eq(json_object_get_int64(at(v, "min")), 1);
	cr_assert(json_object_is_type(at(v, "max"), json_type_int));
	cr_assert_eq(json_object_get_int64(at(v, "max")), 1);
	cr_assert_eq(json_object_get_int64(at(v, "stepSize")), 1);
	json_object_put(o);

	/* lamp.json has no cantcoexist: materialised as []. */
	o = decode_default(CODEC_CLUSTERTEMPLATE,
	    "clustertemplates/lamp.json");
	cr_assert_eq(json_object_array_length(
			 at(o, "constraints.layout.cantcoexist")),
	    0);
	cr_assert_eq(json_object_array_length(
			 at(o, "constraints.layout.mustcoexist")),
	    1);
	v = at(o, "constraints.services.haproxy.quantities");
	cr_assert_eq(json_object_get_int64(at(v, "min")), 0);
	cr_assert_eq(json_object_get_int64(at(v, "max")), 1);
	cr_assert_eq(json_object_get_int64(at(v, "stepSize")), 1);
	cr_assert_eq(json_object_object_length(v), 3, "no ratio: %s", js(v));
	json_object_put(o);
}

/*
 * The "cases" of tests/data/codec/<name>, at least min of them (borrowed
 * from *data, the whole file, which the caller puts).
 */
static struct json_object *
load_cases(const char *name, size_t min, struct json_object **data)
{
	struct json_object *cases;

	*data = load_data(name);
	cases = at(*data, "cases");
	cr_assert(json_object_array_length(cases) >= min, "%s: %zu cases",
	    name, json_object_array_length(cases));
	return cases;
}

Test(codec, canonical_table)
{
	struct json_object *data, *cases, *c;
	size_t i, n;

	cases = load_cases("canonical.json", 10, &data);
	n = json_object_array_length(cases);
	for (i = 0; i < n; i++) {
		c = json_object_array_get_idx(cases, i);
		assert_decodes_to(type_of(
				      json_object_get_string(at(c, "type"))),
		    at(c, "in"), at(c, "out"),
		    json_object_get_string(at(c, "what")));
	}
	json_object_put(data);
}

Test(codec, invalid_table)
{
	struct json_object *data, *cases, *c, *out, *msg;
	enum codec_error kind, want;
	char err[LOOMD_ERR_LEN];
	const char *what;
	size_t i, n;

	cases = load_cases("invalid.json", 50, &data);
	n = json_object_array_length(cases);
	for (i = 0; i < n; i++) {
		c = json_object_array_get_idx(cases, i);
		what = json_object_get_string(at(c, "what"));
		want = strcmp(json_object_get_string(at(c, "kind")),
			   "message") == 0 ?
		    CODEC_ERR_MESSAGE :
		    CODEC_ERR_PLAIN;
		out = (struct json_object *)1;
		err[0] = '\0';
		cr_assert_eq(codec_parse(type_of(json_object_get_string(
					     at(c, "type"))),
				 at(c, "in"), &out, &kind, err),
		    -1, "accepted: %s", what);
		cr_assert_null(out, "%s", what);
		cr_assert_eq(kind, want, "%s: kind %d (%s)", what, kind, err);
		cr_assert_neq(err[0], '\0', "%s: no reason given", what);
		if (want == CODEC_ERR_MESSAGE) {
			msg = at(c, "message");
			cr_assert_str_eq(err, json_object_get_string(msg),
			    "%s", what);
		}
	}
	json_object_put(data);
}

Test(codec, not_an_object_is_plain_invalid_input)
{
	struct json_object *arr = jsonx_new_array(), *out;
	char err[LOOMD_ERR_LEN];
	enum codec_error kind;
	int i;

	for (i = 0; i < CODEC_NTYPES; i++) {
		cr_assert_eq(codec_parse((enum codec_type)i, arr, &out, &kind,
				 err),
		    -1);
		cr_assert_eq(kind, CODEC_ERR_PLAIN);
		cr_assert_eq(codec_parse((enum codec_type)i, NULL, &out, &kind,
				 err),
		    -1);
		cr_assert_eq(kind, CODEC_ERR_PLAIN);
	}
	json_object_put(arr);
}

Test(codec, name_length_limit)
{
	struct json_object *in, *out;
	char name[CODEC_NAME_MAX + 2], err[LOOMD_ERR_LEN];
	enum codec_error kind;

	cr_assert_eq(CODEC_NAME_MAX, 255);
	memset(name, 'a', sizeof name);
	name[CODEC_NAME_MAX] = '\0';
	cr_assert_eq(codec_check_name(name, err), 0);
	in = jsonx_new_object();
	jsonx_set(in, "name", jsonx_new_string(name));
	jsonx_set(in, "providertype", jsonx_new_string("ec2"));
	cr_assert_eq(codec_parse(CODEC_PROVIDER, in, &out, &kind, err), 0,
	    "%s", err);
	cr_assert_str_eq(codec_name(out), name);
	json_object_put(out);

	name[CODEC_NAME_MAX] = 'a';
	name[CODEC_NAME_MAX + 1] = '\0';
	jsonx_set(in, "name", jsonx_new_string(name));
	cr_assert_eq(codec_parse(CODEC_PROVIDER, in, &out, &kind, err), -1);
	cr_assert_eq(kind, CODEC_ERR_MESSAGE);
	cr_assert_str_eq(err,
	    "invalid name.  Name must be at most 255 characters");
	json_object_put(in);
}

Test(codec, check_name)
{
	static const char *good[] = { "a", "A-Z_0.9", "reactor-medium",
		"hadoop.example", "_", "-", ".", NULL };
	static const char *bad[] = { "", "?", "a b", "a/b", "a\tb",
		"caf\xc3\xa9", "a:b", "a%b", NULL };
	char err[LOOMD_ERR_LEN];
	int i;

	for (i = 0; good[i] != NULL; i++)
		cr_assert_eq(codec_check_name(good[i], err), 0, "%s", good[i]);
	for (i = 0; bad[i] != NULL; i++) {
		err[0] = '\0';
		cr_assert_eq(codec_check_name(bad[i], err), -1, "%s", bad[i]);
		cr_assert_str_eq(err, NAME_MSG);
	}
	/* A JSON null read as a string is NULL: the same error, no crash. */
	err[0] = '\0';
	cr_assert_eq(codec_check_name(NULL, err), -1);
	cr_assert_str_eq(err, NAME_MSG);
}

Test(codec, template_lease_check)
{
	static const struct {
		long long initial, max;
		int ok;
	} cases[] = {
		{ 0, 0, 1 },	      /* both unlimited */
		{ 10000, 900000, 1 }, /* hadoop-reactor */
		{ 10000, 30000, 1 },  /* one-machine */
		{ 100, 0, 1 },	      /* max unlimited */
		{ 100, 100, 1 },
		{ 0, 100, 0 }, /* unlimited initial > max */
		{ 200, 100, 0 },
	};
	struct json_object *in, *out;
	char body[256], err[LOOMD_ERR_LEN];
	enum codec_error kind;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(body, sizeof body,
		    "{\"name\":\"tmpl-%zu\","
		    "\"defaults\":{\"services\":[],\"provider\":\"p\"},"
		    "\"administration\":{\"leaseduration\":{\"initial\":%lld,"
		    "\"max\":%lld,\"step\":0}}}",
		    i, cases[i].initial, cases[i].max);
		cr_assert_eq(jsonin_parse(body, strlen(body), 0, &in, NULL,
				 err),
		    0, "%s", err);
		/* The codec itself accepts every one of them (import). */
		cr_assert_eq(codec_parse(CODEC_CLUSTERTEMPLATE, in, &out,
				 &kind, err),
		    0, "%s", err);
		err[0] = '\0';
		cr_assert_eq(codec_check_template_lease(out, err),
		    cases[i].ok ? 0 : -1, "%lld/%lld", cases[i].initial,
		    cases[i].max);
		if (!cases[i].ok) {
			snprintf(body, sizeof body,
			    "Initial lease duration "
			    "cannot be more than max lease duration for "
			    "cluster template tmpl-%zu",
			    i);
			cr_assert_str_eq(err, body);
		}
		json_object_put(in);
		json_object_put(out);
	}
}

Test(codec, input_is_not_modified)
{
	const char *s =
	    "{\"name\":\"t\",\"defaults\":{\"services\":[\"a\","
	    "\"a\"],\"provider\":\"p\",\"config\":{\"x\":{\"y\":1}}},"
	    "\"constraints\":{\"services\":{\"a\":{\"quantities\":"
	    "{\"min\":\"1\"}}}}}";
	struct json_object *in, *copy, *out;
	char err[LOOMD_ERR_LEN];
	enum codec_error kind;

	cr_assert_eq(jsonin_parse(s, strlen(s), 0, &in, NULL, err), 0);
	copy = jsonx_copy(in);
	cr_assert_eq(codec_parse(CODEC_CLUSTERTEMPLATE, in, &out, &kind, err),
	    0, "%s", err);
	cr_assert(tree_equal(in, copy));
	/* The output does not share the config with the input. */
	json_object_object_add(at(in, "defaults.config"), "z",
	    jsonx_new_int64(1));
	cr_assert_eq(json_object_object_length(at(out, "defaults.config")), 1);
	json_object_put(in);
	json_object_put(copy);
	json_object_put(out);
}

/* Coopr 0.9.9's SizeConstraint and SizeConstraintTest (3..10). */
static struct json_object *
sized_template(const char *size)
{
	char buf[512];

	snprintf(buf, sizeof buf,
	    "{\"name\":\"t\",\"defaults\":{\"services\":[\"s\"],"
	    "\"provider\":\"p\",\"config\":{}},\"constraints\":{\"size\":%s}}",
	    size);
	return json_tokener_parse(buf);
}

Test(codec, template_size_constraint)
{
	struct json_object *in, *out, *cons, *size;
	char err[LOOMD_ERR_LEN];
	enum codec_error kind;
	int64_t n;

	in = sized_template("{\"min\":3,\"max\":10}");
	cr_assert_eq(codec_parse(CODEC_CLUSTERTEMPLATE, in, &out, &kind, err),
	    0, "%s", err);
	cons = at(out, "constraints");
	cr_assert_str_eq(json_object_to_json_string_ext(at(cons, "size"),
			     JSON_C_TO_STRING_PLAIN),
	    "{\"min\":3,\"max\":10}");
	for (n = 3; n <= 10; n++)
		cr_expect_eq(codec_check_template_size(out, n, err), 0, "%lld",
		    (long long)n);
	cr_expect_eq(codec_check_template_size(out, 2, err), -1);
	cr_expect_str_eq(err,
	    "Size must be at least 3 but not greater than 10. Now it's 2");
	cr_expect_eq(codec_check_template_size(out, 11, err), -1);
	cr_expect_str_eq(err,
	    "Size must be at least 3 but not greater than 10. Now it's 11");
	json_object_put(out);
	json_object_put(in);

	/* Defaults: min 1, max 2147483647; none at all: no check. */
	in = sized_template("{}");
	cr_assert_eq(codec_parse(CODEC_CLUSTERTEMPLATE, in, &out, &kind, err),
	    0, "%s", err);
	size = at(at(out, "constraints"), "size");
	cr_expect_str_eq(json_object_to_json_string_ext(size,
			     JSON_C_TO_STRING_PLAIN),
	    "{\"min\":1,\"max\":2147483647}");
	cr_expect_eq(codec_check_template_size(out, 0, err), -1);
	json_object_put(out);
	json_object_put(in);
	in = sized_template("null");
	cr_assert_eq(codec_parse(CODEC_CLUSTERTEMPLATE, in, &out, &kind, err),
	    0, "%s", err);
	cr_expect(!json_object_object_get_ex(at(out, "constraints"), "size",
		      &size),
	    "no size given, none written");
	cr_expect_eq(codec_check_template_size(out, 1000000, err), 0);
	json_object_put(out);
	json_object_put(in);

	/* Refusals. */
	in = sized_template("{\"min\":0}");
	cr_expect_eq(codec_parse(CODEC_CLUSTERTEMPLATE, in, &out, &kind, err),
	    -1);
	cr_expect_eq(kind, CODEC_ERR_MESSAGE);
	cr_expect_str_eq(err, "Minimum must be at least 1.");
	json_object_put(in);
	in = sized_template("{\"min\":5,\"max\":4}");
	cr_expect_eq(codec_parse(CODEC_CLUSTERTEMPLATE, in, &out, &kind, err),
	    -1);
	cr_expect_eq(kind, CODEC_ERR_MESSAGE);
	cr_expect_str_eq(err,
	    "Maximum must greater than or equal to the minimum.");
	json_object_put(in);
	in = sized_template("{\"min\":\"x\"}");
	cr_expect_eq(codec_parse(CODEC_CLUSTERTEMPLATE, in, &out, &kind, err),
	    -1);
	cr_expect_eq(kind, CODEC_ERR_PLAIN);
	json_object_put(in);
	in = sized_template("7");
	cr_expect_eq(codec_parse(CODEC_CLUSTERTEMPLATE, in, &out, &kind, err),
	    -1);
	cr_expect_eq(kind, CODEC_ERR_PLAIN);
	json_object_put(in);
}

/* 0.9.7 service "dependencies": normalised beside "dependson", typed. */
Test(codec, service_dependencies)
{
	static const char *in_text =
	    "{\"name\":\"hbase\",\"dependson\":[\"hadoop-hdfs\"],"
	    "\"dependencies\":{\"provides\":[\"db\"],\"runtime\":{"
	    "\"requires\":[\"zookeeper\",\"zookeeper\"]}},"
	    "\"provisioner\":{\"actions\":{}}}";
	static const char *want =
	    "{\"provides\":[\"db\"],\"conflicts\":[],"
	    "\"install\":{\"requires\":[],\"uses\":[]},"
	    "\"runtime\":{\"requires\":[\"zookeeper\"],\"uses\":[]}}";
	static const char *bad[][2] = {
		{ "{\"name\":\"s\",\"dependencies\":[],"
		  "\"provisioner\":{\"actions\":{}}}",
		    "dependencies must be an object" },
		{ "{\"name\":\"s\",\"dependencies\":{\"provides\":\"x\"},"
		  "\"provisioner\":{\"actions\":{}}}",
		    "dependencies.provides must be an array" },
		{ "{\"name\":\"s\",\"dependencies\":{\"install\":{"
		  "\"uses\":[{}]}},\"provisioner\":{\"actions\":{}}}",
		    "dependencies.install.uses" },
	};
	struct json_object *in, *out, *deps;
	char err[LOOMD_ERR_LEN];
	enum codec_error kind;
	size_t i;

	in = json_tokener_parse(in_text);
	cr_assert_eq(codec_parse(CODEC_SERVICE, in, &out, &kind, err), 0, "%s",
	    err);
	cr_assert(json_object_object_get_ex(out, "dependencies", &deps));
	cr_assert_str_eq(json_object_to_json_string_ext(deps,
			     JSON_C_TO_STRING_PLAIN),
	    want);
	cr_assert(json_object_object_get_ex(out, "dependson", NULL));
	json_object_put(out);
	json_object_put(in);
	/* Without it, the output has none (0.9 entities are unchanged). */
	in = json_tokener_parse(
	    "{\"name\":\"s\",\"provisioner\":{\"actions\":{}}}");
	cr_assert_eq(codec_parse(CODEC_SERVICE, in, &out, &kind, err), 0);
	cr_assert_not(json_object_object_get_ex(out, "dependencies", NULL));
	json_object_put(out);
	json_object_put(in);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		in = json_tokener_parse(bad[i][0]);
		err[0] = '\0';
		cr_assert_eq(codec_parse(CODEC_SERVICE, in, &out, &kind, err),
		    -1, "%s", bad[i][0]);
		cr_assert(strstr(err, bad[i][1]) != NULL, "%s: %s", bad[i][0],
		    err);
		json_object_put(in);
	}
}
