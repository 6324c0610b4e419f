/* SPDX-License-Identifier: Apache-2.0 */
/*
 * solver_template.c - the solver's view of a cluster template (LOOM-0.9-API.md
 * section 2.4), as Loom's ClusterTemplate and Constraints classes read it:
 * defaults, compatibility lists, the must/cant-coexist layout constraints
 * and the per-service constraints with their quantities, indexed by
 * service name.  Strings are borrowed from the template JSON.  Pure: no I/O.
 */
#include "config.h"

#include "solver_int.h"

#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "errbuf.h"
#include "jsonx.h"
#include "strtab.h"

/* Release everything a parsed template owns. */
void
solver_template_clear(struct solver_template *t)
{
	size_t i;

	solver_names_clear(&t->services);
	solver_names_clear(&t->compat_hw);
	solver_names_clear(&t->compat_img);
	solver_names_clear(&t->compat_svc);
	for (i = 0; i < t->nmust; i++)
		solver_names_clear(&t->must[i]);
	free(t->must);
	for (i = 0; i < t->ncant; i++)
		solver_names_clear(&t->cant[i]);
	free(t->cant);
	for (i = 0; i < t->ncons; i++) {
		solver_names_clear(&t->cons[i].hardwaretypes);
		solver_names_clear(&t->cons[i].imagetypes);
	}
	free(t->cons);
	strtab_clear(&t->cons_index);
	memset(t, 0, sizeof *t);
}

/* Parse an optional array of string arrays (mustcoexist, cantcoexist). */
static int
solver_template_name_sets(struct json_object *v, struct solver_names **out,
    size_t *nout)
{
	size_t i, n;
	int rc;

	if ((rc = solver_names_array(v, &n)) <= 0)
		return rc;
	*out = xcalloc(n != 0 ? n : 1, sizeof **out);
	*nout = n;
	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(v, i);

		if (e == NULL || solver_names_parse(e, &(*out)[i]) != 0)
			return -1;
	}
	return 0;
}

/* Parse constraints.services into t->cons. */
static int
solver_template_constraints(struct solver_template *t, struct json_object *sc,
    const char **what)
{
	struct solver_constraint *c;
	struct json_object *q, *v;
	size_t n = 0;

	if (sc == NULL)
		return 0;
	*what = "constraints.services";
	if (!json_object_is_type(sc, json_type_object))
		return -1;
	t->cons = xcalloc(json_object_object_length(sc) + 1, sizeof *t->cons);
	json_object_object_foreach (sc, key, val) {
		c = &t->cons[n++];
		t->ncons = n;
		c->service = key;
		c->min = 0;
		c->max = SOLVER_QTY_MAX;
		if (!json_object_is_type(val, json_type_object))
			return -1;
		if (solver_names_parse(jsonx_get(val, "hardwaretypes"),
			&c->hardwaretypes) != 0 ||
		    solver_names_parse(jsonx_get(val, "imagetypes"),
			&c->imagetypes) != 0)
			return -1;
		q = jsonx_get(val, "quantities");
		if (q != NULL && !json_object_is_type(q, json_type_object))
			return -1;
		if ((v = jsonx_get(q, "min")) != NULL &&
		    jsonx_long(v, &c->min) != 0)
			return -1;
		if ((v = jsonx_get(q, "max")) != NULL &&
		    jsonx_long(v, &c->max) != 0)
			return -1;
		(void)strtab_intern(&t->cons_index, key, NULL);
	}
	return 0;
}

/* Parse the solver's view of a cluster template (section 2.4). */
int
solver_template_parse(struct solver_template *t, struct json_object *j,
    char *err)
{
	struct json_object *d, *c, *k, *l, *a, *v;
	const char *what = "", *msg = NULL;

	memset(t, 0, sizeof *t);
	t->json = j;
	msg = "invalid cluster template: not an object";
	if (!json_object_is_type(j, json_type_object))
		goto fail;
	msg = "invalid cluster template: no name";
	if ((t->name = jsonx_str(jsonx_get(j, "name"))) == NULL)
		goto fail;
	msg = "cluster defaults must be specified";
	d = jsonx_get(j, "defaults");
	if (!json_object_is_type(d, json_type_object))
		goto fail;
	msg = "default services must be specified";
	if ((v = jsonx_get(d, "services")) == NULL)
		goto fail;
	msg = NULL;
	what = "defaults.services";
	if (solver_names_parse(v, &t->services) != 0)
		goto fail;
	msg = "default provider must be specified";
	if ((v = jsonx_get(d, "provider")) == NULL)
		goto fail;
	msg = NULL;
	what = "defaults.provider";
	if ((t->provider = jsonx_str(v)) == NULL)
		goto fail;
	what = "defaults.hardwaretype";
	v = jsonx_get(d, "hardwaretype");
	if (v != NULL && (t->hardwaretype = jsonx_str(v)) == NULL)
		goto fail;
	what = "defaults.imagetype";
	v = jsonx_get(d, "imagetype");
	if (v != NULL && (t->imagetype = jsonx_str(v)) == NULL)
		goto fail;

	/* a missing or partial compatibility means empty sets (QUIRK 5) */
	what = "compatibility";
	c = jsonx_get(j, "compatibility");
	if (c != NULL && !json_object_is_type(c, json_type_object))
		goto fail;
	if (solver_names_parse(jsonx_get(c, "hardwaretypes"), &t->compat_hw) !=
		0 ||
	    solver_names_parse(jsonx_get(c, "imagetypes"), &t->compat_img) !=
		0 ||
	    solver_names_parse(jsonx_get(c, "services"), &t->compat_svc) != 0)
		goto fail;

	what = "constraints";
	k = jsonx_get(j, "constraints");
	if (k != NULL && !json_object_is_type(k, json_type_object))
		goto fail;
	what = "constraints.layout";
	l = jsonx_get(k, "layout");
	if (l != NULL && !json_object_is_type(l, json_type_object))
		goto fail;
	if (solver_template_name_sets(jsonx_get(l, "mustcoexist"), &t->must,
		&t->nmust) != 0 ||
	    solver_template_name_sets(jsonx_get(l, "cantcoexist"), &t->cant,
		&t->ncant) != 0)
		goto fail;
	if (solver_template_constraints(t, jsonx_get(k, "services"), &what) !=
	    0)
		goto fail;

	what = "administration";
	a = jsonx_get(j, "administration");
	if (a != NULL && !json_object_is_type(a, json_type_object))
		goto fail;
	v = jsonx_get(jsonx_get(a, "leaseduration"), "initial");
	if (v != NULL && jsonx_long(v, &t->lease_initial) != 0)
		goto fail;
	return 0;

fail:
	if (msg != NULL)
		errbuf_set(err, "%s", msg);
	else
		errbuf_set(err, "invalid cluster template %s: bad %s", t->name,
		    what);
	solver_template_clear(t);
	return -1;
}
