/* SPDX-License-Identifier: Apache-2.0 */
/*
 * solver_testing.c - the solver's unit-test entry points (see
 * solver_testing.h).  They share the daemon's code paths through
 * solver_int.h; the JSON in and out only mirrors the Java test fixtures.
 */
#include "config.h"

#include "solver_testing.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "errbuf.h"
#include "jsonx.h"
#include "solver_int.h"

/* Order of string pointers. */
static int
solver_strp_cmp(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;

	return strcmp(*x, *y);
}

/* Parse a JSON name list into sorted, distinct names. */
static int
solver_names_parse_set(struct json_object *v, struct solver_names *ns)
{
	size_t i, n = 0;

	if (v == NULL || solver_names_parse(v, ns) != 0)
		return -1;
	solver_qsort(ns->v, ns->n, sizeof *ns->v, solver_strp_cmp);
	for (i = 0; i < ns->n; i++) {
		if (n == 0 || strcmp(ns->v[n - 1], ns->v[i]) != 0)
			ns->v[n++] = ns->v[i];
	}
	ns->n = n;
	return 0;
}

/* A name array. */
static struct json_object *
solver_names_json(const char *const *v, size_t n)
{
	struct json_object *arr = jsonx_new_array();
	size_t i;

	for (i = 0; i < n; i++)
		jsonx_append(arr, jsonx_new_string(v[i]));
	return arr;
}

/* {"hardwaretype","imagetype","services"} of a layout. */
static struct json_object *
solver_layout_json(const struct solver_layout *l)
{
	struct json_object *o = jsonx_new_object();

	jsonx_add_new(o, "hardwaretype", jsonx_new_string(l->hw));
	jsonx_add_new(o, "imagetype", jsonx_new_string(l->img));
	jsonx_add_new(o, "services", solver_names_json(l->names, l->n));
	return o;
}

/* Array of layouts. */
static struct json_object *
solver_layouts_json(const struct solver_layouts *ls)
{
	struct json_object *arr = jsonx_new_array();
	size_t i;

	for (i = 0; i < ls->n; i++)
		jsonx_append(arr, solver_layout_json(&ls->v[i]));
	return arr;
}

/* Parse layouts; with sp, bind their services to it. */
static int
solver_layouts_parse(struct json_object *arr, struct solver_space *sp,
    struct solver_layouts *ls, char *err)
{
	struct solver_names ns;
	struct solver_layout *l;
	struct json_object *e;
	size_t i, j;
	int s;

	if (!json_object_is_type(arr, json_type_array)) {
		errbuf_set(err, "node layouts must be an array");
		return -1;
	}
	for (i = 0; i < json_object_array_length(arr); i++) {
		e = json_object_array_get_idx(arr, i);
		memset(&ns, 0, sizeof ns);
		if (solver_names_parse_set(jsonx_get(e, "services"), &ns) !=
		    0) {
			solver_names_clear(&ns);
			errbuf_set(err, "invalid node layout");
			return -1;
		}
		l = solver_layouts_new(ls);
		l->names = ns.v;
		l->n = ns.n;
		l->hw = jsonx_str(jsonx_get(e, "hardwaretype"));
		l->img = jsonx_str(jsonx_get(e, "imagetype"));
		if (l->hw == NULL || l->img == NULL) {
			errbuf_set(err, "invalid node layout");
			return -1;
		}
		if (sp == NULL)
			continue;
		l->svc = xcalloc(l->n + 1, sizeof *l->svc);
		for (j = 0; j < l->n; j++) {
			if ((s = solver_index(&sp->index, l->names[j])) < 0 ||
			    !sp->svc[s].cluster) {
				errbuf_set(err,
				    "layout service %s is not a "
				    "cluster service",
				    l->names[j]);
				return -1;
			}
			l->svc[j] = s;
		}
	}
	return 0;
}

/* Parse a template and set up a space over the cluster services. */
static int
solver_hook_setup(struct solver_template *t, struct solver_space *sp,
    struct json_object *tmpl, struct json_object *cluster_services,
    int64_t max_steps, char *err)
{
	memset(sp, 0, sizeof *sp);
	if (solver_template_parse(t, tmpl, err) != 0)
		return -1;
	solver_space_init(sp, t, max_steps);
	if (solver_space_add_json(sp, cluster_services, true, err) != 0) {
		solver_space_clear(sp);
		solver_template_clear(t);
		return -1;
	}
	return 0;
}

/* Release what solver_hook_setup() made. */
static void
solver_hook_clear(struct solver_template *t, struct solver_space *sp)
{
	solver_space_clear(sp);
	solver_template_clear(t);
}

int
solver_unconstrained_services(struct json_object *tmpl,
    struct json_object *cluster_services, struct json_object **out,
    char err[LOOMD_ERR_LEN])
{
	struct solver_template t;
	struct solver_space sp;
	size_t i;

	*out = NULL;
	if (solver_hook_setup(&t, &sp, tmpl, cluster_services, 0, err) != 0)
		return -1;
	solver_space_finish(&sp);
	*out = jsonx_new_array();
	for (i = 0; i < sp.nsvc; i++) {
		if (!sp.svc[i].constrained)
			jsonx_append(*out, jsonx_new_string(sp.svc[i].name));
	}
	solver_hook_clear(&t, &sp);
	return 0;
}

int
solver_service_set_valid(struct json_object *tmpl,
    struct json_object *service_set, struct json_object *cluster_services,
    int *valid, char err[LOOMD_ERR_LEN])
{
	struct solver_template t;
	struct solver_names set = { NULL, 0, 0 }, cs = { NULL, 0, 0 };
	const struct solver_names *m;
	size_t i, j;
	bool touched, all;
	int rc = -1;

	if (solver_template_parse(&t, tmpl, err) != 0)
		return -1;
	if (solver_names_parse_set(service_set, &set) != 0 ||
	    solver_names_parse_set(cluster_services, &cs) != 0) {
		errbuf_set(err, "service names must be an array of strings");
		goto fail;
	}
	*valid = 1;
	for (i = 0; i < t.ncant; i++) {
		for (j = 0; j < t.cant[i].n; j++) {
			if (!solver_names_has(&set, t.cant[i].v[j]))
				break;
		}
		if (j == t.cant[i].n)
			*valid = 0;
	}
	for (i = 0; i < t.nmust; i++) {
		m = &t.must[i];
		touched = false;
		all = true;
		for (j = 0; j < m->n; j++) {
			if (!solver_names_has(&cs, m->v[j]))
				continue;
			if (solver_names_has(&set, m->v[j]))
				touched = true;
			else
				all = false;
		}
		if (touched && !all)
			*valid = 0;
	}
	rc = 0;
fail:
	solver_names_clear(&set);
	solver_names_clear(&cs);
	solver_template_clear(&t);
	return rc;
}

int
solver_node_layout_valid(struct json_object *tmpl, const char *hw,
    const char *img, struct json_object *services, int *valid,
    char err[LOOMD_ERR_LEN])
{
	struct solver_template t;
	struct solver_names ns = { NULL, 0, 0 };
	const struct solver_constraint *c;
	size_t i;
	int k, rc = -1;

	if (solver_template_parse(&t, tmpl, err) != 0)
		return -1;
	if (solver_names_parse_set(services, &ns) != 0) {
		errbuf_set(err, "service names must be an array of strings");
		goto fail;
	}
	*valid = 1;
	for (i = 0; i < ns.n; i++) {
		if ((k = solver_index(&t.cons_index, ns.v[i])) < 0)
			continue;
		c = &t.cons[k];
		if ((c->hardwaretypes.n != 0 &&
			!solver_names_has(&c->hardwaretypes, hw)) ||
		    (c->imagetypes.n != 0 &&
			!solver_names_has(&c->imagetypes, img)))
			*valid = 0;
	}
	rc = 0;
fail:
	solver_names_clear(&ns);
	solver_template_clear(&t);
	return rc;
}

/* Valid sets of the input services (which may lie outside the cluster). */
static int
solver_hook_sets(struct solver_space *sp, struct json_object *input,
    struct solver_sets *sets, char *err)
{
	struct solver_names ns = { NULL, 0, 0 };
	size_t i;
	int rc = -1;

	if (solver_names_parse_set(input, &ns) != 0) {
		errbuf_set(err, "service names must be an array of strings");
		goto fail;
	}
	for (i = 0; i < ns.n; i++)
		solver_space_add(sp, ns.v[i], false);
	solver_space_finish(sp);
	for (i = 0; i < ns.n; i++)
		sp->svc[solver_index(&sp->index, ns.v[i])].input = true;
	rc = solver_step_a_valid_sets(sp, sets, err);
fail:
	solver_names_clear(&ns);
	return rc;
}

int
solver_valid_service_sets(struct json_object *tmpl,
    struct json_object *cluster_services, struct json_object *input_services,
    struct json_object **out, char err[LOOMD_ERR_LEN])
{
	struct solver_template t;
	struct solver_space sp;
	struct solver_sets sets;
	struct solver_layout l;
	size_t i;
	int rc = -1;

	*out = NULL;
	memset(&sets, 0, sizeof sets);
	if (solver_hook_setup(&t, &sp, tmpl, cluster_services, 0, err) != 0)
		return -1;
	if (solver_hook_sets(&sp, input_services, &sets, err) != 0)
		goto fail;
	*out = jsonx_new_array();
	for (i = 0; i < sets.n; i++) {
		memset(&l, 0, sizeof l);
		solver_layout_set_members(&sp, &l, sets.pool + sets.off[i],
		    sets.len[i]);
		jsonx_append(*out, solver_names_json(l.names, l.n));
		solver_layout_clear(&l);
	}
	rc = 0;
fail:
	solver_step_a_sets_clear(&sets);
	solver_hook_clear(&t, &sp);
	return rc;
}

int
solver_valid_node_layouts(struct json_object *tmpl,
    struct json_object *cluster_services, struct json_object *input_services,
    struct json_object *hw_names, struct json_object *img_names,
    struct json_object **out, char err[LOOMD_ERR_LEN])
{
	struct solver_template t;
	struct solver_space sp;
	struct solver_sets sets;
	struct solver_names hw = { NULL, 0, 0 }, img = { NULL, 0, 0 };
	struct solver_layout l;
	const int *x;
	size_t i, j, h, g;
	int rc = -1;

	*out = NULL;
	memset(&sets, 0, sizeof sets);
	if (solver_hook_setup(&t, &sp, tmpl, cluster_services, 0, err) != 0)
		return -1;
	if (solver_names_parse_set(hw_names, &hw) != 0 ||
	    solver_names_parse_set(img_names, &img) != 0) {
		errbuf_set(err, "type names must be an array of strings");
		goto fail;
	}
	if (solver_hook_sets(&sp, input_services, &sets, err) != 0)
		goto fail;
	*out = jsonx_new_array();
	for (h = 0; h < hw.n; h++) {
		for (g = 0; g < img.n; g++) {
			for (i = 0; i < sets.n; i++) {
				x = sets.pool + sets.off[i];
				for (j = 0; j < sets.len[i]; j++) {
					if (!solver_space_type_allowed(&sp,
						x[j], 0, hw.v[h]) ||
					    !solver_space_type_allowed(&sp,
						x[j], 1, img.v[g]))
						break;
				}
				if (j < sets.len[i])
					continue;
				memset(&l, 0, sizeof l);
				l.hw = hw.v[h];
				l.img = img.v[g];
				solver_layout_set_members(&sp, &l, x,
				    sets.len[i]);
				jsonx_append(*out, solver_layout_json(&l));
				solver_layout_clear(&l);
			}
		}
	}
	rc = 0;
fail:
	solver_names_clear(&hw);
	solver_names_clear(&img);
	solver_step_a_sets_clear(&sets);
	solver_hook_clear(&t, &sp);
	return rc;
}

int
solver_narrow_node_layouts(struct json_object *layouts,
    struct json_object *hw_prefs, struct json_object *img_prefs,
    struct json_object **out, char err[LOOMD_ERR_LEN])
{
	struct solver_layouts ls;
	struct solver_names hw = { NULL, 0, 0 }, img = { NULL, 0, 0 };
	struct solver_prefs p;
	int rc = -1;

	*out = NULL;
	memset(&ls, 0, sizeof ls);
	if (solver_names_parse(hw_prefs, &hw) != 0 ||
	    solver_names_parse(img_prefs, &img) != 0) {
		errbuf_set(err, "preferences must be arrays of strings");
		goto fail;
	}
	if (solver_layouts_parse(layouts, NULL, &ls, err) != 0)
		goto fail;
	p.hw = hw_prefs != NULL ? &hw : NULL;
	p.img = img_prefs != NULL ? &img : NULL;
	solver_layouts_narrow(&ls, &p);
	*out = solver_layouts_json(&ls);
	rc = 0;
fail:
	solver_layouts_clear(&ls);
	solver_names_clear(&hw);
	solver_names_clear(&img);
	return rc;
}

/* Usable types from a name list (no flavor or image values). */
static int
solver_hook_types(struct solver_types *ts, struct json_object *names,
    char *err)
{
	struct solver_names ns = { NULL, 0, 0 };
	size_t i;

	if (solver_names_parse_set(names, &ns) != 0) {
		solver_names_clear(&ns);
		errbuf_set(err, "type names must be an array of strings");
		return -1;
	}
	for (i = 0; i < ns.n; i++)
		solver_space_type_add(ts, ns.v[i], ns.v[i]);
	solver_space_types_finish(ts);
	solver_names_clear(&ns);
	return 0;
}

int
solver_node_layout_preferences(struct json_object *tmpl,
    struct json_object *cluster_services, struct json_object *hw_names,
    struct json_object *img_names, struct json_object **out,
    char err[LOOMD_ERR_LEN])
{
	struct solver_template t;
	struct solver_space sp;
	struct solver_layouts ls;
	int rc = -1;

	*out = NULL;
	memset(&ls, 0, sizeof ls);
	if (solver_hook_setup(&t, &sp, tmpl, cluster_services, 0, err) != 0)
		return -1;
	if (solver_hook_types(&sp.hw, hw_names, err) != 0 ||
	    solver_hook_types(&sp.img, img_names, err) != 0)
		goto fail;
	solver_space_finish(&sp);
	if (solver_step_a(&sp, &ls, err) != 0)
		goto fail;
	*out = solver_layouts_json(&ls);
	rc = 0;
fail:
	solver_layouts_clear(&ls);
	solver_hook_clear(&t, &sp);
	return rc;
}

int
solver_find_node_counts(struct json_object *tmpl, struct json_object *services,
    struct json_object *layouts, int64_t num_machines, int64_t max_steps,
    struct json_object **out, char err[LOOMD_ERR_LEN])
{
	struct solver_template t;
	struct solver_space sp;
	struct solver_layouts ls;
	int64_t *counts = NULL;
	size_t i;
	int rc = -1;

	*out = NULL;
	memset(&ls, 0, sizeof ls);
	if (solver_hook_setup(&t, &sp, tmpl, services, max_steps, err) != 0)
		return -1;
	solver_space_finish(&sp);
	if (solver_layouts_parse(layouts, &sp, &ls, err) != 0)
		goto fail;
	if (solver_step_b(&sp, &ls, num_machines, &counts, err) != 0)
		goto fail;
	if (counts != NULL) {
		*out = jsonx_new_array();
		for (i = 0; i < ls.n; i++)
			jsonx_append(*out, jsonx_new_int64(counts[i]));
	}
	rc = 0;
fail:
	free(counts);
	solver_layouts_clear(&ls);
	solver_hook_clear(&t, &sp);
	return rc;
}

int
solver_node_counts_valid(struct json_object *tmpl,
    struct json_object *services, struct json_object *layouts,
    int64_t num_machines, struct json_object *counts, int *valid,
    char err[LOOMD_ERR_LEN])
{
	struct solver_template t;
	struct solver_space sp;
	struct solver_layouts ls;
	struct solver_walk w;
	int64_t v;
	size_t i;
	int rc = -1;

	memset(&ls, 0, sizeof ls);
	memset(&w, 0, sizeof w);
	if (solver_hook_setup(&t, &sp, tmpl, services, 0, err) != 0)
		return -1;
	solver_space_finish(&sp);
	if (solver_layouts_parse(layouts, &sp, &ls, err) != 0)
		goto fail;
	if (!json_object_is_type(counts, json_type_array) ||
	    json_object_array_length(counts) != ls.n) {
		errbuf_set(err, "one count per node layout is needed");
		goto fail;
	}
	solver_step_b_walk_init(&w, &sp, &ls, num_machines);
	for (i = 0; i < ls.n; i++) {
		if (jsonx_long(json_object_array_get_idx(counts, i), &v) !=
		    0) {
			errbuf_set(err, "counts must be integers");
			goto fail;
		}
		solver_step_b_walk_update(&w, i, v);
	}
	*valid = w.bad == 0;
	rc = 0;
fail:
	solver_step_b_walk_clear(&w);
	solver_layouts_clear(&ls);
	solver_hook_clear(&t, &sp);
	return rc;
}

/* Types from a JSON object of name -> flavor (or image) strings. */
static int
solver_hook_map(struct solver_types *ts, struct json_object *map, char *err)
{
	if (!json_object_is_type(map, json_type_object)) {
		errbuf_set(err, "type map must be an object of strings");
		return -1;
	}
	json_object_object_foreach (map, key, val) {
		if (jsonx_str(val) == NULL) {
			errbuf_set(err,
			    "type map must be an object of "
			    "strings");
			return -1;
		}
		solver_space_type_add(ts, key, jsonx_str(val));
	}
	solver_space_types_finish(ts);
	return 0;
}

int
solver_solve_constraints(struct json_object *tmpl, const char *cluster_id,
    const char *cluster_name, int64_t num_machines,
    struct json_object *hw_flavors, struct json_object *img_images,
    struct json_object *services, struct json_object *service_defs,
    const struct solver_options *opts, struct json_object **out,
    char err[LOOMD_ERR_LEN])
{
	struct solver_template t;
	struct solver_space sp;
	size_t i;
	int rc = -1;

	*out = NULL;
	if (solver_hook_setup(&t, &sp, tmpl, services,
		opts != NULL ? opts->max_steps : 0, err) != 0)
		return -1;
	if (solver_hook_map(&sp.hw, hw_flavors, err) != 0 ||
	    solver_hook_map(&sp.img, img_images, err) != 0)
		goto fail;
	for (i = 0; i < sp.nsvc; i++) {
		sp.svc[i].def = solver_cat_find(service_defs, sp.svc[i].name);
		if (sp.svc[i].def == NULL) {
			errbuf_set(err, "service %s does not exist",
			    sp.svc[i].name);
			goto fail;
		}
	}
	solver_space_finish(&sp);
	rc = solver_core(&sp, cluster_id, cluster_name, num_machines, opts,
	    out, err);
fail:
	solver_hook_clear(&t, &sp);
	return rc;
}
