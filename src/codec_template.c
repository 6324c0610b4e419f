/* SPDX-License-Identifier: Apache-2.0 */
/*
 * codec_template.c - the ClusterTemplate entity of Loom 0.9
 * (LOOM-0.9-API.md §2.4): defaults, compatibility, constraints (layout
 * sets, per-service constraints, Coopr 0.9.9's size) and administration.
 * Field order and messages follow codec.c's rules.  Pure.
 */
#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_int.h"
#include "jsonin.h"
#include "jsonx.h"

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
codec_template_ratio_part(const char *s, size_t n, int *out)
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
codec_template_service_constraint(struct codec_ctx *c, const char *svc,
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
		codec_template_ratio_part(ratio, colon - ratio, &rmin) != 0 ||
		codec_template_ratio_part(colon + 1, strlen(colon + 1),
		    &rmax) != 0))
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
			if (codec_template_service_constraint(c, key, val,
				&sc) < 0)
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
int
codec_template_parse(struct codec_ctx *c, struct json_object *in,
    struct json_object **out)
{
	const char *name = NULL, *desc = NULL;
	struct json_object *defaults = NULL, *compat = NULL, *cons = NULL;
	struct json_object *admin = NULL, *o;
	int have_name;

	if ((have_name = codec_read_named(c, in, &name, &desc)) < 0)
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
