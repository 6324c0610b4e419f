/* SPDX-License-Identifier: Apache-2.0 */
/*
 * codec.c - decode, validate and re-emit the admin entities of Loom 0.9
 * (LOOM-0.9-API.md §2.1-§2.4): the field readers, provider, hardware and
 * image types, the dispatch and /import here; services in codec_service.c,
 * cluster templates in codec_template.c.  Each decoder follows the order
 * in which the 0.9 Gson codecs read the fields and the constructors checked
 * them, so the first error reported is the one Loom reported: type errors
 * while reading fields (plain "invalid input"), then the constructor rules
 * (messages).  The output is built afresh from what was read, so unknown
 * fields are dropped, numbers given as strings become numbers, strings given
 * as numbers become strings, sets lose duplicates and every default of §2
 * is written out.  Deliberate departures from Java, all in the spirit of
 * the loomd header of the spec: names longer than CODEC_NAME_MAX are
 * refused; a missing providermap is refused; an unknown provisioner action
 * is refused (Java stored it under a null key); null members of sets are
 * refused (Java kept them and failed later); "administration" without
 * "leaseduration" gets the 0/0/0 lease (Java stored {} and failed later).
 */
#include "config.h"

#include "codec.h"
#include "codec_int.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonin.h"
#include "jsonx.h"
#include "strtab.h"

static const char *codec_words[CODEC_NTYPES] = {
	"provider",
	"hardware type",
	"image type",
	"service",
	"cluster template",
};

static const char *codec_paths[CODEC_NTYPES] = {
	"providers",
	"hardwaretypes",
	"imagetypes",
	"services",
	"clustertemplates",
};

/* Provider.Type, lower-case as on the wire (§2.1). */
static const char *codec_provider_types[] = {
	"openstack",
	"ec2",
	"rackspace",
	"joyent",
	NULL,
};

#define CODEC_NAME_MSG \
	"invalid name.  Name must consist of only [a-zA-Z0-9_.-]"

/* Record a failure of the given kind; always returns -1. */
int
codec_fail(struct codec_ctx *c, enum codec_error kind, const char *fmt, ...)
{
	va_list ap;

	c->kind = kind;
	va_start(ap, fmt);
	vsnprintf(c->err, LOOMD_ERR_LEN, fmt, ap);
	va_end(ap);
	return -1;
}

const char *
codec_type_word(enum codec_type type)
{
	if ((unsigned int)type >= CODEC_NTYPES)
		return "entity";
	return codec_words[type];
}

const char *
codec_type_path(enum codec_type type)
{
	if ((unsigned int)type >= CODEC_NTYPES)
		return "";
	return codec_paths[type];
}

int
codec_type_from_path(const char *path, enum codec_type *out)
{
	int i;

	for (i = 0; i < CODEC_NTYPES; i++) {
		if (strcmp(path, codec_paths[i]) == 0) {
			*out = (enum codec_type)i;
			return 0;
		}
	}
	return -1;
}

int
codec_check_name(const char *name, char err[LOOMD_ERR_LEN])
{
	const char *p;

	if (name == NULL || *name == '\0')
		goto bad;
	for (p = name; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			(*p >= '0' && *p <= '9') || *p == '_' || *p == '.' ||
			*p == '-'))
			goto bad;
	}
	if (p - name > CODEC_NAME_MAX) {
		snprintf(err, LOOMD_ERR_LEN,
		    "invalid name.  Name must be at most %d characters",
		    CODEC_NAME_MAX);
		return -1;
	}
	return 0;
bad:
	snprintf(err, LOOMD_ERR_LEN, "%s", CODEC_NAME_MSG);
	return -1;
}

char *
codec_error_body(enum codec_error kind, const char *err)
{
	if (kind == CODEC_ERR_MESSAGE)
		return xasprintf("invalid input: %s", err);
	return xstrdup("invalid input");
}

const char *
codec_name(struct json_object *ent)
{
	const char *name;

	if (jsonin_get_string(ent, "name", &name, NULL) != JSONIN_OK)
		return NULL;
	return name;
}

/*
 * Field readers.  Each returns 1 with *out set when obj[key] holds a usable
 * value, 0 when it is missing or null, and -1 (plain error naming what)
 * when it has the wrong JSON type.
 */

/* A field reader's answer to a jsonin getter's result got. */
static int
codec_read_got(struct codec_ctx *c, enum jsonin_get got, const char *what,
    const char *type)
{
	switch (got) {
	case JSONIN_OK:
		return 1;
	case JSONIN_ABSENT:
		return 0;
	default:
		return codec_fail(c, CODEC_ERR_PLAIN, "%s must be %s", what,
		    type);
	}
}

/* A string (numbers and booleans are taken as their text, as Gson did). */
int
codec_read_string(struct codec_ctx *c, struct json_object *obj,
    const char *key, const char *what, const char **out)
{
	return codec_read_got(c, jsonin_get_string(obj, key, out, NULL), what,
	    "a string");
}

int
codec_read_named(struct codec_ctx *c, struct json_object *in,
    const char **name, const char **desc)
{
	int have;

	if ((have = codec_read_string(c, in, "name", "name", name)) < 0 ||
	    codec_read_string(c, in, "description", "description", desc) < 0)
		return -1;
	return have;
}

/* An object (borrowed). */
int
codec_read_object(struct codec_ctx *c, struct json_object *obj,
    const char *key, const char *what, struct json_object **out)
{
	return codec_read_got(c, jsonin_get_object(obj, key, out, NULL), what,
	    "an object");
}

/* An integer in [min, max]; numbers given as strings are accepted. */
int
codec_read_int(struct codec_ctx *c, struct json_object *obj, const char *key,
    const char *what, int64_t min, int64_t max, int64_t *out)
{
	struct json_object *v = NULL;

	v = jsonx_get(obj, key);
	switch (jsonin_value_int64(v, min, max, out)) {
	case JSONIN_OK:
		return 1;
	case JSONIN_ABSENT:
		return 0;
	default:
		return codec_fail(c, CODEC_ERR_PLAIN,
		    "%s must be an integer in [%lld, %lld]", what,
		    (long long)min, (long long)max);
	}
}

/*
 * A Set<String> held in array arr: a new array of its strings without
 * duplicates, first occurrence kept (Gson's LinkedHashSet).
 */
static int
codec_string_set(struct codec_ctx *c, struct json_object *arr,
    const char *what, struct json_object **out)
{
	struct json_object *set, *seen, *dummy;
	const char *s;
	size_t i, n;

	n = json_object_array_length(arr);
	set = jsonx_new_array();
	seen = jsonx_new_object();
	for (i = 0; i < n; i++) {
		if (jsonin_value_string(json_object_array_get_idx(arr, i),
			&s) != JSONIN_OK) {
			json_object_put(set);
			json_object_put(seen);
			return codec_fail(c, CODEC_ERR_PLAIN,
			    "%s must hold only strings", what);
		}
		if (json_object_object_get_ex(seen, s, &dummy))
			continue;
		jsonx_set(seen, s, NULL);
		jsonx_append(set, jsonx_new_string(s));
	}
	json_object_put(seen);
	*out = set;
	return 1;
}

/* A Set<String> field: *out is a new array, or absent. */
int
codec_read_set(struct codec_ctx *c, struct json_object *obj, const char *key,
    const char *what, struct json_object **out)
{
	struct json_object *arr;
	int rc;

	rc = codec_read_got(c, jsonin_get_array(obj, key, &arr, NULL), what,
	    "an array");
	return rc == 1 ? codec_string_set(c, arr, what, out) : rc;
}

/*
 * Key identifying a set of strings regardless of order: its members sorted,
 * each prefixed by its length.  Caller frees.
 */
static char *
codec_set_key(struct json_object *set)
{
	size_t i, n, total = 1, off = 0;
	const char **v;
	char *key;

	n = json_object_array_length(set);
	v = xcalloc(n + 1, sizeof *v);
	for (i = 0; i < n; i++) {
		v[i] =
		    json_object_get_string(json_object_array_get_idx(set, i));
		total += strlen(v[i]) + 24;
	}
	qsort(v, n, sizeof *v, strtab_cmp);
	key = xmalloc(total);
	key[0] = '\0';
	for (i = 0; i < n; i++)
		off += snprintf(key + off, total - off, "%zu:%s", strlen(v[i]),
		    v[i]);
	free(v);
	return key;
}

/*
 * A Set<Set<String>> field (layout constraints): a new array of string
 * sets, inner and outer duplicates removed (sets compare unordered).
 * Absent gives an empty array.
 */
int
codec_read_set_of_sets(struct codec_ctx *c, struct json_object *obj,
    const char *key, const char *what, struct json_object **out)
{
	struct json_object *arr = NULL, *inner, *set = NULL, *seen, *dummy;
	size_t i, n;
	char *k;
	int rc;

	if ((rc = codec_read_got(c, jsonin_get_array(obj, key, &arr, NULL),
		 what, "an array")) == 0)
		*out = jsonx_new_array();
	if (rc <= 0)
		return rc;
	n = json_object_array_length(arr);
	*out = jsonx_new_array();
	seen = jsonx_new_object();
	for (i = 0; i < n; i++) {
		inner = json_object_array_get_idx(arr, i);
		if (inner == NULL ||
		    !json_object_is_type(inner, json_type_array)) {
			codec_fail(c, CODEC_ERR_PLAIN,
			    "%s must hold only arrays", what);
			goto fail;
		}
		if (codec_string_set(c, inner, what, &set) < 0)
			goto fail;
		k = codec_set_key(set);
		if (json_object_object_get_ex(seen, k, &dummy))
			json_object_put(set);
		else {
			jsonx_set(seen, k, NULL);
			jsonx_append(*out, set);
		}
		free(k);
	}
	json_object_put(seen);
	return 1;
fail:
	json_object_put(seen);
	json_object_put(*out);
	*out = NULL;
	return -1;
}

/*
 * A Map<String,String> held in object v: a new object whose values are the
 * strings (numbers/booleans taken as text); null values are dropped as
 * Gson dropped them on output.
 */
static int
codec_string_map(struct codec_ctx *c, struct json_object *v, const char *what,
    struct json_object **out)
{
	struct json_object *map;
	const char *s;

	map = jsonx_new_object();
	json_object_object_foreach (v, key, val) {
		switch (jsonin_value_string(val, &s)) {
		case JSONIN_OK:
			jsonx_set(map, key, jsonx_new_string(s));
			break;
		case JSONIN_ABSENT:
			break;
		default:
			json_object_put(map);
			return codec_fail(c, CODEC_ERR_PLAIN,
			    "%s.%.64s must be a string", what, key);
		}
	}
	*out = map;
	return 1;
}

/*
 * A Map<String,Map<String,String>> field (provisioner, providermap): a new
 * object, or absent.
 */
static int
codec_read_map2(struct codec_ctx *c, struct json_object *obj, const char *key,
    const char *what, struct json_object **out)
{
	struct json_object *src = NULL, *map, *inner = NULL;
	int rc;

	if ((rc = codec_read_object(c, obj, key, what, &src)) <= 0)
		return rc;
	map = jsonx_new_object();
	json_object_object_foreach (src, k, val) {
		if (val == NULL)
			continue;
		if (!json_object_is_type(val, json_type_object)) {
			json_object_put(map);
			return codec_fail(c, CODEC_ERR_PLAIN,
			    "%s.%.64s must be an object", what, k);
		}
		if (codec_string_map(c, val, what, &inner) < 0) {
			json_object_put(map);
			return -1;
		}
		jsonx_set(map, k, inner);
	}
	*out = map;
	return 1;
}

/* Index of s in the NULL-terminated table, or -1. */
int
codec_lookup(const char *const *table, const char *s)
{
	int i;

	for (i = 0; table[i] != NULL; i++) {
		if (strcmp(table[i], s) == 0)
			return i;
	}
	return -1;
}

/* The name rule of NamedEntity: missing is a plain error (Java NPE). */
int
codec_name_rule(struct codec_ctx *c, int have, const char *name)
{
	if (!have)
		return codec_fail(c, CODEC_ERR_PLAIN, "name is missing");
	if (codec_check_name(name, c->err) != 0) {
		c->kind = CODEC_ERR_MESSAGE;
		return -1;
	}
	return 0;
}

/* Start an output object with name and (if given) description. */
struct json_object *
codec_out_named(const char *name, const char *description)
{
	struct json_object *o = jsonx_new_object();

	jsonx_set(o, "name", jsonx_new_string(name));
	if (description != NULL)
		jsonx_set(o, "description", jsonx_new_string(description));
	return o;
}

/* Provider (§2.1). */
static int
codec_parse_provider(struct codec_ctx *c, struct json_object *in,
    struct json_object **out)
{
	const char *name = NULL, *desc = NULL, *ptype = NULL;
	struct json_object *prov = NULL, *o;
	int have_name, rc;

	if ((have_name = codec_read_named(c, in, &name, &desc)) < 0)
		goto fail;
	if ((rc = codec_read_string(c, in, "providertype", "providertype",
		 &ptype)) < 0)
		goto fail;
	if (rc == 1 && codec_lookup(codec_provider_types, ptype) < 0)
		ptype = NULL;
	if ((rc = codec_read_map2(c, in, "provisioner", "provisioner",
		 &prov)) < 0)
		goto fail;
	if (rc == 0)
		prov = jsonx_new_object();
	if (codec_name_rule(c, have_name, name) < 0)
		goto fail;
	if (ptype == NULL) {
		codec_fail(c, CODEC_ERR_MESSAGE, "invalid provider type.");
		goto fail;
	}

	o = codec_out_named(name, desc);
	jsonx_set(o, "providertype", jsonx_new_string(ptype));
	jsonx_set(o, "provisioner", prov);
	*out = o;
	return 0;
fail:
	json_object_put(prov);
	return -1;
}

/* HardwareType and ImageType (§2.2). */
static int
codec_parse_hwimg(struct codec_ctx *c, struct json_object *in,
    struct json_object **out)
{
	const char *name = NULL, *desc = NULL;
	struct json_object *map = NULL, *o;
	int have_name, rc;

	if ((have_name = codec_read_named(c, in, &name, &desc)) < 0)
		goto fail;
	if ((rc = codec_read_map2(c, in, "providermap", "providermap", &map)) <
	    0)
		goto fail;
	if (codec_name_rule(c, have_name, name) < 0)
		goto fail;
	if (rc == 0) {
		codec_fail(c, CODEC_ERR_PLAIN, "providermap is missing");
		goto fail;
	}

	o = codec_out_named(name, desc);
	jsonx_set(o, "providermap", map);
	*out = o;
	return 0;
fail:
	json_object_put(map);
	return -1;
}

int
codec_parse(enum codec_type type, struct json_object *in,
    struct json_object **out, enum codec_error *kind, char err[LOOMD_ERR_LEN])
{
	struct codec_ctx c = { .kind = CODEC_ERR_NONE, .err = err };
	int rc;

	*out = NULL;
	*kind = CODEC_ERR_NONE;
	err[0] = '\0';
	if (in == NULL || !json_object_is_type(in, json_type_object)) {
		codec_fail(&c, CODEC_ERR_PLAIN, "%s must be a JSON object",
		    codec_type_word(type));
		goto fail;
	}
	switch (type) {
	case CODEC_PROVIDER:
		rc = codec_parse_provider(&c, in, out);
		break;
	case CODEC_HARDWARETYPE:
	case CODEC_IMAGETYPE:
		rc = codec_parse_hwimg(&c, in, out);
		break;
	case CODEC_SERVICE:
		rc = codec_service_parse(&c, in, out);
		break;
	case CODEC_CLUSTERTEMPLATE:
		rc = codec_template_parse(&c, in, out);
		break;
	default:
		codec_fail(&c, CODEC_ERR_PLAIN, "unknown entity type");
		goto fail;
	}
	if (rc == 0)
		return 0;
fail:
	*out = NULL;
	*kind = c.kind;
	return -1;
}

int
codec_check_template_lease(struct json_object *tmpl, char err[LOOMD_ERR_LEN])
{
	struct json_object *admin = NULL, *ld = NULL;
	int64_t initial = 0, max = 0;
	const char *name;

	if (jsonin_get_object(tmpl, "administration", &admin, NULL) ==
	    JSONIN_OK)
		(void)jsonin_get_object(admin, "leaseduration", &ld, NULL);
	if (ld != NULL) {
		if (jsonin_get_int64(ld, "initial", &initial, NULL) !=
		    JSONIN_OK)
			initial = 0;
		if (jsonin_get_int64(ld, "max", &max, NULL) != JSONIN_OK)
			max = 0;
	}
	if (initial == 0)
		initial = INT64_MAX;
	if (max == 0)
		max = INT64_MAX;
	if (max < initial) {
		name = codec_name(tmpl);
		snprintf(err, LOOMD_ERR_LEN,
		    "Initial lease duration cannot be "
		    "more than max lease duration for cluster template %s",
		    name != NULL ? name : "");
		return -1;
	}
	return 0;
}

int
codec_check_template_size(struct json_object *tmpl, int64_t n,
    char err[LOOMD_ERR_LEN])
{
	struct json_object *cons = NULL, *size = NULL;
	int64_t min = 1, max = INT_MAX;

	if (jsonin_get_object(tmpl, "constraints", &cons, NULL) != JSONIN_OK ||
	    jsonin_get_object(cons, "size", &size, NULL) != JSONIN_OK)
		return 0;
	if (jsonin_get_int64(size, "min", &min, NULL) != JSONIN_OK)
		min = 1;
	if (jsonin_get_int64(size, "max", &max, NULL) != JSONIN_OK)
		max = INT_MAX;
	if (n >= min && n <= max)
		return 0;
	snprintf(err, LOOMD_ERR_LEN,
	    "Size must be at least %lld but not greater than %lld. Now it's "
	    "%lld",
	    (long long)min, (long long)max, (long long)n);
	return -1;
}

/*
 * Keep, for each name, only its last entity in array list (successive
 * writes of one name leave the last).  Returns a new array.
 */
static struct json_object *
codec_last_by_name(struct json_object *list)
{
	struct json_object *last, *out, *ent, *idx;
	size_t i, n;
	const char *name;

	n = json_object_array_length(list);
	last = jsonx_new_object();
	for (i = 0; i < n; i++) {
		name = codec_name(json_object_array_get_idx(list, i));
		jsonx_set(last, name, jsonx_new_int64((int64_t)i));
	}
	out = jsonx_new_array();
	for (i = 0; i < n; i++) {
		ent = json_object_array_get_idx(list, i);
		if (json_object_object_get_ex(last, codec_name(ent), &idx) &&
		    json_object_get_int64(idx) == (int64_t)i)
			jsonx_append(out, json_object_get(ent));
	}
	json_object_put(last);
	return out;
}

int
codec_parse_import(struct json_object *in, struct json_object **out,
    enum codec_error *kind, char err[LOOMD_ERR_LEN])
{
	struct json_object *res = NULL, *section, *list = NULL, *ent;
	enum codec_error ekind;
	char eerr[LOOMD_ERR_LEN];
	const char *name;
	size_t i, n;
	int t;

	*out = NULL;
	*kind = CODEC_ERR_NONE;
	err[0] = '\0';
	if (in == NULL || !json_object_is_type(in, json_type_object)) {
		*kind = CODEC_ERR_PLAIN;
		snprintf(err, LOOMD_ERR_LEN, "import must be a JSON object");
		goto fail;
	}
	res = jsonx_new_object();
	for (t = 0; t < CODEC_NTYPES; t++) {
		list = jsonx_new_array();
		switch (jsonin_get_array(in, codec_paths[t], &section, NULL)) {
		case JSONIN_OK:
			break;
		case JSONIN_ABSENT:
			section = NULL;
			break;
		default:
			*kind = CODEC_ERR_PLAIN;
			snprintf(err, LOOMD_ERR_LEN, "%s must be an array",
			    codec_paths[t]);
			goto fail;
		}
		n = section != NULL ? json_object_array_length(section) : 0;
		for (i = 0; i < n; i++) {
			if (codec_parse((enum codec_type)t,
				json_object_array_get_idx(section, i), &ent,
				&ekind, eerr) == 0) {
				jsonx_append(list, ent);
				continue;
			}
			*kind = ekind;
			if (jsonin_get_string(
				json_object_array_get_idx(section, i), "name",
				&name, NULL) == JSONIN_OK &&
			    strlen(name) <= CODEC_NAME_MAX)
				snprintf(err, LOOMD_ERR_LEN,
				    "%s %.255s: %.200s", codec_words[t], name,
				    eerr);
			else
				snprintf(err, LOOMD_ERR_LEN, "%s #%zu: %.200s",
				    codec_words[t], i, eerr);
			goto fail;
		}
		jsonx_set(res, codec_paths[t], codec_last_by_name(list));
		json_object_put(list);
		list = NULL;
	}
	*out = res;
	return 0;
fail:
	json_object_put(list);
	json_object_put(res);
	return -1;
}
