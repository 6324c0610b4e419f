/* SPDX-License-Identifier: Apache-2.0 */
/*
 * codec_service.c - the Service entity of Loom 0.9 (LOOM-0.9-API.md §2.3):
 * its provisioner actions and the 0.9.7 "dependencies" object kept beside
 * "dependson".  Field order and messages follow codec.c's rules.  Pure.
 */
#include "config.h"

#include <stdio.h>

#include "codec_int.h"
#include "jsonin.h"
#include "jsonx.h"
#include "planner.h"

/* ProvisionerAction, lower-case, in planner order (§2.3): the planner's. */
#define codec_actions planner_action_lower_names

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
int
codec_service_parse(struct codec_ctx *c, struct json_object *in,
    struct json_object **out)
{
	const char *name = NULL, *desc = NULL;
	struct json_object *deps = NULL, *prov = NULL, *src = NULL,
			   *act = NULL;
	struct json_object *actions = NULL, *deps97 = NULL;
	struct json_object *o, *p;
	int have_name, rc;

	if ((have_name = codec_read_named(c, in, &name, &desc)) < 0)
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
