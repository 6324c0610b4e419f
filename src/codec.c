/* SPDX-License-Identifier: Apache-2.0 */
/*
 * codec.c - decode, validate and re-emit the admin entities of Loom 0.9
 * (LOOM-0.9-API.md §2.1-§2.4).  Each codec_parse_<type>() follows the order
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

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonin.h"
#include "jsonx.h"
#include "planner.h"

/* Result of one decode, and the buffer its message goes to. */
struct codec_ctx {
	enum codec_error kind;
	char *err;
};

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

/* ProvisionerAction, lower-case, in planner order (§2.3): the planner's. */
#define codec_actions planner_action_lower_names

#define CODEC_NAME_MSG \
	"invalid name.  Name must consist of only [a-zA-Z0-9_.-]"

/* Record a failure of the given kind; always returns -1. */
static int LOOMD_PRINTF(3, 4) codec_fail(struct codec_ctx *c,
    enum codec_error kind, const char *fmt, ...)
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

/* A string (numbers and booleans are taken as their text, as Gson did). */
static int
codec_read_string(struct codec_ctx *c, struct json_object *obj,
    const char *key, const char *what, const char **out)
{
	switch (jsonin_get_string(obj, key, out, NULL)) {
	case JSONIN_OK:
		return 1;
	case JSONIN_ABSENT:
		return 0;
	default:
		return codec_fail(c, CODEC_ERR_PLAIN, "%s must be a string",
		    what);
	}
}

/* An object (borrowed). */
static int
codec_read_object(struct codec_ctx *c, struct json_object *obj,
    const char *key, const char *what, struct json_object **out)
{
	switch (jsonin_get_object(obj, key, out, NULL)) {
	case JSONIN_OK:
		return 1;
	case JSONIN_ABSENT:
		return 0;
	default:
		return codec_fail(c, CODEC_ERR_PLAIN, "%s must be an object",
		    what);
	}
}

/* An integer in [min, max]; numbers given as strings are accepted. */
static int
codec_read_int(struct codec_ctx *c, struct json_object *obj, const char *key,
    const char *what, int64_t min, int64_t max, int64_t *out)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(obj, key, &v))
		v = NULL;
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
static int
codec_read_set(struct codec_ctx *c, struct json_object *obj, const char *key,
    const char *what, struct json_object **out)
{
	struct json_object *arr;

	switch (jsonin_get_array(obj, key, &arr, NULL)) {
	case JSONIN_OK:
		return codec_string_set(c, arr, what, out);
	case JSONIN_ABSENT:
		return 0;
	default:
		return codec_fail(c, CODEC_ERR_PLAIN, "%s must be an array",
		    what);
	}
}

/* Comparison for qsort of C strings. */
static int
codec_strcmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
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
	qsort(v, n, sizeof *v, codec_strcmp);
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
static int
codec_read_set_of_sets(struct codec_ctx *c, struct json_object *obj,
    const char *key, const char *what, struct json_object **out)
{
	struct json_object *arr = NULL, *inner, *set = NULL, *seen, *dummy;
	size_t i, n;
	char *k;

	switch (jsonin_get_array(obj, key, &arr, NULL)) {
	case JSONIN_OK:
		break;
	case JSONIN_ABSENT:
		*out = jsonx_new_array();
		return 0;
	default:
		return codec_fail(c, CODEC_ERR_PLAIN, "%s must be an array",
		    what);
	}
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
static int
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
static int
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
static struct json_object *
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

	if ((have_name = codec_read_string(c, in, "name", "name", &name)) < 0)
		goto fail;
	if (codec_read_string(c, in, "description", "description", &desc) < 0)
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

	if ((have_name = codec_read_string(c, in, "name", "name", &name)) < 0)
		goto fail;
	if (codec_read_string(c, in, "description", "description", &desc) < 0)
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

/* One ServiceAction {type, script, data}; absent members are omitted. */
static int
codec_service_action(struct codec_ctx *c, const char *action,
    struct json_object *v, struct json_object **out)
{
	static const char *fields[] = { "type", "script", "data", NULL };
	struct json_object *o;
	const char *s;
	int i;

	if (!json_object_is_type(v, json_type_object))
		return codec_fail(c, CODEC_ERR_PLAIN,
		    "provisioner.actions.%s must be an object", action);
	o = jsonx_new_object();
	for (i = 0; fields[i] != NULL; i++) {
		switch (jsonin_get_string(v, fields[i], &s, NULL)) {
		case JSONIN_OK:
			jsonx_set(o, fields[i], jsonx_new_string(s));
			break;
		case JSONIN_ABSENT:
			break;
		default:
			json_object_put(o);
			return codec_fail(c, CODEC_ERR_PLAIN,
			    "provisioner.actions.%s.%s must be a string",
			    action, fields[i]);
		}
	}
	*out = o;
	return 0;
}

/*
 * The 0.9.7 service "dependencies" object (LOOM-0.9.7-OPS.md section 8.5)
 * of in, validated and normalised into *out (new; NULL when absent): every
 * set present ({"provides","conflicts","install":{"requires","uses"},
 * "runtime":{"requires","uses"}}), each a set of strings.  0 or -1.
 */
static int
codec_service_dependencies(struct codec_ctx *c, struct json_object *in,
    struct json_object **out)
{
	static const char *const top[] = { "provides", "conflicts", NULL };
	static const char *const phases[] = { "install", "runtime", NULL };
	static const char *const kinds[] = { "requires", "uses", NULL };
	struct json_object *src, *ph, *set, *o, *po;
	char what[64];
	int i, k, rc;

	*out = NULL;
	if ((rc = codec_read_object(c, in, "dependencies", "dependencies",
		 &src)) <= 0)
		return rc;
	o = jsonx_new_object();
	for (i = 0; top[i] != NULL; i++) {
		snprintf(what, sizeof what, "dependencies.%s", top[i]);
		if ((rc = codec_read_set(c, src, top[i], what, &set)) < 0)
			goto fail;
		jsonx_set(o, top[i], rc == 1 ? set : jsonx_new_array());
	}
	for (i = 0; phases[i] != NULL; i++) {
		snprintf(what, sizeof what, "dependencies.%s", phases[i]);
		if ((rc = codec_read_object(c, src, phases[i], what, &ph)) < 0)
			goto fail;
		po = jsonx_new_object();
		jsonx_set(o, phases[i], po);
		for (k = 0; kinds[k] != NULL; k++) {
			snprintf(what, sizeof what, "dependencies.%s.%s",
			    phases[i], kinds[k]);
			set = NULL;
			if (rc == 1 &&
			    codec_read_set(c, ph, kinds[k], what, &set) < 0)
				goto fail;
			jsonx_set(po, kinds[k],
			    set != NULL ? set : jsonx_new_array());
		}
	}
	*out = o;
	return 0;
fail:
	json_object_put(o);
	return -1;
}

/* Service (§2.3; 0.9.7's "dependencies" kept beside "dependson"). */
static int
codec_parse_service(struct codec_ctx *c, struct json_object *in,
    struct json_object **out)
{
	const char *name = NULL, *desc = NULL;
	struct json_object *deps = NULL, *prov = NULL, *src = NULL,
			   *act = NULL;
	struct json_object *actions = NULL, *deps97 = NULL;
	struct json_object *o, *p;
	int have_name, rc;

	if ((have_name = codec_read_string(c, in, "name", "name", &name)) < 0)
		goto fail;
	if (codec_read_string(c, in, "description", "description", &desc) < 0)
		goto fail;
	if ((rc = codec_read_set(c, in, "dependson", "dependson", &deps)) < 0)
		goto fail;
	if (rc == 0)
		deps = jsonx_new_array();
	if (codec_service_dependencies(c, in, &deps97) < 0)
		goto fail;
	if ((rc = codec_read_object(c, in, "provisioner", "provisioner",
		 &prov)) < 0)
		goto fail;
	if (rc == 0)
		actions = jsonx_new_object();
	else if ((rc = codec_read_object(c, prov, "actions",
		      "provisioner.actions", &src)) < 0)
		goto fail;
	else if (rc == 1) {
		actions = jsonx_new_object();
		json_object_object_foreach (src, key, val) {
			if (codec_lookup(codec_actions, key) < 0) {
				codec_fail(c, CODEC_ERR_MESSAGE,
				    "invalid provisioner action %.64s.", key);
				goto fail;
			}
			if (val == NULL ||
			    json_object_is_type(val, json_type_null))
				continue;
			if (codec_service_action(c, key, val, &act) < 0)
				goto fail;
			jsonx_set(actions, key, act);
		}
	}
	if (codec_name_rule(c, have_name, name) < 0)
		goto fail;
	if (actions == NULL) {
		codec_fail(c, CODEC_ERR_MESSAGE,
		    "service must contain provisioner actions");
		goto fail;
	}

	o = codec_out_named(name, desc);
	jsonx_set(o, "dependson", deps);
	if (deps97 != NULL)
		jsonx_set(o, "dependencies", deps97);
	p = jsonx_new_object();
	jsonx_set(p, "actions", actions);
	jsonx_set(o, "provisioner", p);
	*out = o;
	return 0;
fail:
	json_object_put(deps);
	json_object_put(deps97);
	json_object_put(actions);
	return -1;
}

/* Template "defaults" (ClusterDefaults); *out stays NULL when absent. */
static int
codec_template_defaults(struct codec_ctx *c, struct json_object *in,
    struct json_object **out)
{
	const char *provider = NULL, *hw = NULL, *img = NULL;
	struct json_object *src = NULL, *services = NULL, *config = NULL, *o;
	int rc, have_provider;

	*out = NULL;
	if ((rc = codec_read_object(c, in, "defaults", "defaults", &src)) <= 0)
		return rc;
	if ((rc = codec_read_set(c, src, "services", "defaults.services",
		 &services)) < 0)
		goto fail;
	if ((have_provider = codec_read_string(c, src, "provider",
		 "defaults.provider", &provider)) < 0)
		goto fail;
	if (codec_read_string(c, src, "hardwaretype", "defaults.hardwaretype",
		&hw) < 0)
		goto fail;
	if (codec_read_string(c, src, "imagetype", "defaults.imagetype",
		&img) < 0)
		goto fail;
	if (codec_read_object(c, src, "config", "defaults.config", &config) <
	    0)
		goto fail;
	if (rc == 0) {
		codec_fail(c, CODEC_ERR_MESSAGE,
		    "default services must be specified");
		goto fail;
	}
	if (!have_provider) {
		codec_fail(c, CODEC_ERR_MESSAGE,
		    "default provider must be specified");
		goto fail;
	}

	o = jsonx_new_object();
	jsonx_set(o, "services", services);
	jsonx_set(o, "provider", jsonx_new_string(provider));
	if (hw != NULL)
		jsonx_set(o, "hardwaretype", jsonx_new_string(hw));
	if (img != NULL)
		jsonx_set(o, "imagetype", jsonx_new_string(img));
	jsonx_set(o, "config",
	    config != NULL ? jsonx_copy(config) : jsonx_new_object());
	*out = o;
	return 1;
fail:
	json_object_put(services);
	return -1;
}

/*
 * Template "compatibility": absent gives all three sets empty; a partial
 * object keeps only the sets it has (missing = empty for the solver).
 */
static int
codec_template_compat(struct codec_ctx *c, struct json_object *in,
    struct json_object **out)
{
	static const char *keys[] = { "hardwaretypes", "imagetypes",
		"services", NULL };
	struct json_object *src = NULL, *o, *set = NULL;
	char what[64];
	int i, rc;

	if ((rc = codec_read_object(c, in, "compatibility", "compatibility",
		 &src)) < 0)
		return -1;
	o = jsonx_new_object();
	for (i = 0; keys[i] != NULL; i++) {
		if (rc == 0) {
			jsonx_set(o, keys[i], jsonx_new_array());
			continue;
		}
		snprintf(what, sizeof what, "compatibility.%s", keys[i]);
		switch (codec_read_set(c, src, keys[i], what, &set)) {
		case 1:
			jsonx_set(o, keys[i], set);
			break;
		case 0:
			break;
		default:
			json_object_put(o);
			return -1;
		}
	}
	*out = o;
	return 0;
}

/* Integer with the "a:b" syntax of Java Integer.valueOf(). */
static int
codec_ratio_part(const char *s, size_t n, int *out)
{
	long long v = 0;
	size_t i = 0;
	int neg = 0;

	if (n > 0 && (s[0] == '+' || s[0] == '-')) {
		neg = s[0] == '-';
		i++;
	}
	if (i == n)
		return -1;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
		if (v > (long long)INT_MAX + 1)
			return -1;
	}
	if (neg)
		v = -v;
	if (v < INT_MIN || v > INT_MAX)
		return -1;
	*out = (int)v;
	return 0;
}

/* One ServiceConstraint (§2.4): "quantities" is required. */
static int
codec_service_constraint(struct codec_ctx *c, const char *svc,
    struct json_object *v, struct json_object **out)
{
	struct json_object *q, *hw = NULL, *img = NULL, *o, *oq;
	int64_t min = 0, max = INT_MAX, step = 1;
	const char *ratio = NULL, *colon;
	int rmin = 0, rmax = 0;
	char what[128];

	if (!json_object_is_type(v, json_type_object))
		return codec_fail(c, CODEC_ERR_PLAIN,
		    "constraints.services.%.64s must be an object", svc);
	if (jsonin_get_object(v, "quantities", &q, NULL) != JSONIN_OK)
		return codec_fail(c, CODEC_ERR_PLAIN,
		    "constraints.services.%.64s.quantities is missing", svc);
	snprintf(what, sizeof what, "%.64s quantities", svc);
	if (codec_read_int(c, q, "min", what, INT_MIN, INT_MAX, &min) < 0 ||
	    codec_read_int(c, q, "max", what, INT_MIN, INT_MAX, &max) < 0 ||
	    codec_read_int(c, q, "stepSize", what, INT_MIN, INT_MAX, &step) <
		0 ||
	    codec_read_string(c, q, "ratio", what, &ratio) < 0)
		return -1;
	if (ratio != NULL &&
	    ((colon = strchr(ratio, ':')) == NULL ||
		codec_ratio_part(ratio, colon - ratio, &rmin) != 0 ||
		codec_ratio_part(colon + 1, strlen(colon + 1), &rmax) != 0))
		return codec_fail(c, CODEC_ERR_PLAIN,
		    "%s: ratio must be \"<int>:<int>\"", what);
	snprintf(what, sizeof what, "constraints.services.%.64s.hardwaretypes",
	    svc);
	if (codec_read_set(c, v, "hardwaretypes", what, &hw) < 0)
		return -1;
	snprintf(what, sizeof what, "constraints.services.%.64s.imagetypes",
	    svc);
	if (codec_read_set(c, v, "imagetypes", what, &img) < 0) {
		json_object_put(hw);
		return -1;
	}

	o = jsonx_new_object();
	if (hw != NULL)
		jsonx_set(o, "hardwaretypes", hw);
	if (img != NULL)
		jsonx_set(o, "imagetypes", img);
	oq = jsonx_new_object();
	jsonx_set(oq, "min", jsonx_new_int64(min));
	jsonx_set(oq, "max", jsonx_new_int64(max));
	jsonx_set(oq, "stepSize", jsonx_new_int64(step));
	if (ratio != NULL) {
		snprintf(what, sizeof what, "%d:%d", rmin, rmax);
		jsonx_set(oq, "ratio", jsonx_new_string(what));
	}
	jsonx_set(o, "quantities", oq);
	*out = o;
	return 0;
}

/*
 * Template "constraints.size" (Coopr 0.9.9 SizeConstraint): min 1 and max
 * 2147483647 by default, 1 <= min <= max.  *out is a new {"min","max"}
 * when src has a size, else NULL: a template without one reads back as it
 * was written (the 0.9 admin round trip).
 */
static int
codec_template_size(struct codec_ctx *c, struct json_object *src,
    struct json_object **out)
{
	struct json_object *sz = NULL, *o;
	int64_t min = 1, max = INT_MAX;
	int rc;

	*out = NULL;
	if (src == NULL)
		return 0;
	if ((rc = codec_read_object(c, src, "size", "constraints.size",
		 &sz)) <= 0)
		return rc;
	if (codec_read_int(c, sz, "min", "constraints.size.min", INT_MIN,
		INT_MAX, &min) < 0 ||
	    codec_read_int(c, sz, "max", "constraints.size.max", INT_MIN,
		INT_MAX, &max) < 0)
		return -1;
	if (min < 1)
		return codec_fail(c, CODEC_ERR_MESSAGE,
		    "Minimum must be at least 1.");
	if (max < min)
		return codec_fail(c, CODEC_ERR_MESSAGE,
		    "Maximum must greater than or equal to the minimum.");
	o = jsonx_new_object();
	jsonx_set(o, "min", jsonx_new_int64(min));
	jsonx_set(o, "max", jsonx_new_int64(max));
	*out = o;
	return 0;
}

/* Template "constraints": layout sets and per-service constraints. */
static int
codec_template_constraints(struct codec_ctx *c, struct json_object *in,
    struct json_object **out)
{
	struct json_object *src = NULL, *layout = NULL, *svcs = NULL;
	struct json_object *must = NULL, *cant = NULL, *o = NULL, *ol, *os;
	struct json_object *sc = NULL, *size = NULL;

	if (codec_read_object(c, in, "constraints", "constraints", &src) < 0)
		return -1;
	if (src != NULL &&
	    codec_read_object(c, src, "layout", "constraints.layout",
		&layout) < 0)
		return -1;
	if (codec_read_set_of_sets(c, layout, "mustcoexist",
		"constraints.layout.mustcoexist", &must) < 0)
		goto fail;
	if (codec_read_set_of_sets(c, layout, "cantcoexist",
		"constraints.layout.cantcoexist", &cant) < 0)
		goto fail;
	if (src != NULL &&
	    codec_read_object(c, src, "services", "constraints.services",
		&svcs) < 0)
		goto fail;
	if (codec_template_size(c, src, &size) < 0)
		goto fail;

	o = jsonx_new_object();
	if (size != NULL)
		jsonx_set(o, "size", size);
	size = NULL;
	ol = jsonx_new_object();
	jsonx_set(ol, "mustcoexist", must);
	jsonx_set(ol, "cantcoexist", cant);
	must = cant = NULL;
	jsonx_set(o, "layout", ol);
	os = jsonx_new_object();
	jsonx_set(o, "services", os);
	if (svcs != NULL) {
		json_object_object_foreach (svcs, key, val) {
			if (val == NULL ||
			    json_object_is_type(val, json_type_null))
				continue;
			if (codec_service_constraint(c, key, val, &sc) < 0)
				goto fail;
			jsonx_set(os, key, sc);
		}
	}
	*out = o;
	return 0;
fail:
	json_object_put(must);
	json_object_put(cant);
	json_object_put(size);
	json_object_put(o);
	return -1;
}

/* Template "administration": the lease durations, 0/0/0 by default. */
static int
codec_template_admin(struct codec_ctx *c, struct json_object *in,
    struct json_object **out)
{
	struct json_object *src = NULL, *ld = NULL, *o, *ol;
	int64_t initial = 0, max = 0, step = 0;
	int a = 0, b = 0, d = 0;

	if (codec_read_object(c, in, "administration", "administration",
		&src) < 0)
		return -1;
	if (src != NULL &&
	    codec_read_object(c, src, "leaseduration",
		"administration.leaseduration", &ld) < 0)
		return -1;
	if (ld != NULL) {
		if ((a = codec_read_int(c, ld, "initial",
			 "leaseduration.initial", INT64_MIN, INT64_MAX,
			 &initial)) < 0 ||
		    (b = codec_read_int(c, ld, "max", "leaseduration.max",
			 INT64_MIN, INT64_MAX, &max)) < 0 ||
		    (d = codec_read_int(c, ld, "step", "leaseduration.step",
			 INT64_MIN, INT64_MAX, &step)) < 0)
			return -1;
		/* new LeaseDuration(Long, Long, Long) unboxes: NPE first. */
		if (a == 0 || b == 0 || d == 0)
			return codec_fail(c, CODEC_ERR_PLAIN,
			    "leaseduration needs initial, max and step");
		if (initial < 0)
			return codec_fail(c, CODEC_ERR_MESSAGE,
			    "initial lease duration should be >=0");
		if (max < 0)
			return codec_fail(c, CODEC_ERR_MESSAGE,
			    "max lease duration should be >=0");
		if (step < 0)
			return codec_fail(c, CODEC_ERR_MESSAGE,
			    "step should be >=0");
	}
	o = jsonx_new_object();
	ol = jsonx_new_object();
	jsonx_set(ol, "initial", jsonx_new_int64(initial));
	jsonx_set(ol, "max", jsonx_new_int64(max));
	jsonx_set(ol, "step", jsonx_new_int64(step));
	jsonx_set(o, "leaseduration", ol);
	*out = o;
	return 0;
}

/* ClusterTemplate (§2.4). */
static int
codec_parse_template(struct codec_ctx *c, struct json_object *in,
    struct json_object **out)
{
	const char *name = NULL, *desc = NULL;
	struct json_object *defaults = NULL, *compat = NULL, *cons = NULL;
	struct json_object *admin = NULL, *o;
	int have_name;

	if ((have_name = codec_read_string(c, in, "name", "name", &name)) < 0)
		goto fail;
	if (codec_read_string(c, in, "description", "description", &desc) < 0)
		goto fail;
	if (codec_template_defaults(c, in, &defaults) < 0 ||
	    codec_template_compat(c, in, &compat) < 0 ||
	    codec_template_constraints(c, in, &cons) < 0 ||
	    codec_template_admin(c, in, &admin) < 0)
		goto fail;
	if (codec_name_rule(c, have_name, name) < 0)
		goto fail;
	if (defaults == NULL) {
		codec_fail(c, CODEC_ERR_MESSAGE,
		    "cluster defaults must be specified");
		goto fail;
	}

	o = codec_out_named(name, desc != NULL ? desc : "");
	jsonx_set(o, "defaults", defaults);
	jsonx_set(o, "compatibility", compat);
	jsonx_set(o, "constraints", cons);
	jsonx_set(o, "administration", admin);
	*out = o;
	return 0;
fail:
	json_object_put(defaults);
	json_object_put(compat);
	json_object_put(cons);
	json_object_put(admin);
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
		rc = codec_parse_service(&c, in, out);
		break;
	case CODEC_CLUSTERTEMPLATE:
		rc = codec_parse_template(&c, in, out);
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
