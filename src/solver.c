/* SPDX-License-Identifier: Apache-2.0 */
/*
 * solver.c - the Loom 0.9 cluster layout solver (LOOM-0.9-API.md 3.4).
 * Input resolution checks the request against the catalogue with Loom's
 * messages; step A enumerates the valid service sets (as unions of
 * must-coexist blocks, pruned on cant-coexist sets, instead of Java's walk
 * over every subset), picks the comparator-minimal hardware and image type
 * of each and orders them; step B runs Loom's greedy start and descending
 * walk over compositions, with incremental service counts and a budget of
 * steps; step C builds the Node JSON.  Strings are borrowed from the input
 * JSON wherever possible; services are copied once per solve and shared by
 * the nodes.  This file holds the entry points and the input resolution;
 * the template, the service space, steps A, B and C and the layouts have a
 * file each (solver_int.h joins them).
 */
#include "config.h"

#include "solver.h"
#include "solver_int.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "errbuf.h"
#include "jsonx.h"
#include "strtab.h"

/* qsort that accepts an empty (possibly NULL) array. */
void
solver_qsort(void *base, size_t n, size_t sz,
    int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, sz, cmp);
}

/* Grow an array of elements of size sz so that it holds one more. */
void *
solver_grow(void *v, size_t n, size_t *cap, size_t sz)
{
	if (n < *cap)
		return v;
	*cap = *cap != 0 ? *cap * 2 : 8;
	return xreallocarray(v, *cap, sz);
}

/* Order of ints. */
int
solver_int_cmp(const void *a, const void *b)
{
	const int *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

/* True for a non-NULL, non-empty string. */
static bool
solver_nonempty(const char *s)
{
	return s != NULL && *s != '\0';
}

/* Index of key in ix, or -1. */
int
solver_index(const struct strtab *ix, const char *key)
{
	size_t i;

	if (strtab_find(ix, key, &i) != 0)
		return -1;
	return (int)i;
}

/*
 * Steps A-C as solver_core(), the nodes as plain data: *out is a new
 * result holding only the nodes and their layouts (free it with
 * solver_result_free()), or NULL when there is no solution.
 */
int
solver_core_result(struct solver_space *sp, const char *cluster_id,
    const char *cluster_name, int64_t num_machines,
    const struct solver_options *opts, struct solver_result **out, char *err)
{
	struct solver_layouts ls;
	struct solver_result *res = NULL;
	int64_t *counts = NULL, idnum;
	int rc = -1;

	memset(&ls, 0, sizeof ls);
	*out = NULL;
	if (opts == NULL || opts->node_id == NULL) {
		errbuf_set(err, "no node id generator");
		return -1;
	}
	if (jsonx_parse_long(cluster_id, &idnum) != 0) {
		errbuf_set(err, "invalid cluster id: %s",
		    cluster_id != NULL ? cluster_id : "null");
		return -1;
	}
	if (num_machines <= 0)
		return 0;
	sp->steps = 0;
	if (solver_step_a(sp, &ls, err) != 0)
		goto fail;
	if (solver_step_b(sp, &ls, num_machines, &counts, err) != 0)
		goto fail;
	if (counts != NULL) {
		res = xcalloc(1, sizeof *res);
		if (solver_step_c(sp, &ls, counts, cluster_id, idnum,
			cluster_name, opts, res, err) != 0)
			goto fail;
	}
	*out = res;
	res = NULL;
	rc = 0;
fail:
	solver_result_free(res);
	free(counts);
	solver_layouts_clear(&ls);
	return rc;
}

/*
 * Steps A-C on a finished space (services, definitions and types known).
 * *out is the Node JSON array, or NULL when there is no solution.
 */
int
solver_core(struct solver_space *sp, const char *cluster_id,
    const char *cluster_name, int64_t num_machines,
    const struct solver_options *opts, struct json_object **out, char *err)
{
	struct solver_result *res;

	*out = NULL;
	if (solver_core_result(sp, cluster_id, cluster_name, num_machines,
		opts, &res, err) != 0)
		return -1;
	if (res != NULL)
		*out = solver_result_nodes_json(res);
	solver_result_free(res);
	return 0;
}

void
solver_options_init(struct solver_options *opts)
{
	memset(opts, 0, sizeof *opts);
	opts->max_steps = SOLVER_DEFAULT_MAX_STEPS;
}

/* Member key of o if it is an array, else NULL. */
static struct json_object *
solver_get_array(struct json_object *o, const char *key)
{
	struct json_object *v = jsonx_get(o, key);

	return json_object_is_type(v, json_type_array) ? v : NULL;
}

void
solver_catalogue_from_export(struct solver_catalogue *cat,
    struct json_object *export_obj)
{
	cat->providers = solver_get_array(export_obj, "providers");
	cat->hardwaretypes = solver_get_array(export_obj, "hardwaretypes");
	cat->imagetypes = solver_get_array(export_obj, "imagetypes");
	cat->services = solver_get_array(export_obj, "services");
	cat->clustertemplates =
	    solver_get_array(export_obj, "clustertemplates");
}

/* Optional string member: -1 if present and not a string. */
static int
solver_opt_str(struct json_object *o, const char *key, const char **out)
{
	struct json_object *v = jsonx_get(o, key);

	*out = NULL;
	if (v == NULL)
		return 0;
	return (*out = jsonx_str(v)) != NULL ? 0 : -1;
}

int
solver_request_from_json(struct solver_request *req,
    struct json_object *request_json, char err[LOOMD_ERR_LEN])
{
	static const char *const keys[] = {
		"name",
		"clusterTemplateName",
		"provider",
		"hardwareType",
		"imageType",
	};
	const char **strs[] = {
		&req->name,
		&req->template_name,
		&req->provider,
		&req->hardwaretype,
		&req->imagetype,
	};
	struct solver_names ns = { NULL, 0, 0 };
	struct json_object *v;
	const char *what;
	size_t i;

	if (!json_object_is_type(request_json, json_type_object)) {
		errbuf_set(err, "invalid cluster request");
		return -1;
	}
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		what = keys[i];
		if (solver_opt_str(request_json, what, strs[i]) != 0)
			goto fail;
	}
	what = "numMachines";
	req->num_machines = 0;
	if ((v = jsonx_get(request_json, what)) != NULL &&
	    jsonx_long(v, &req->num_machines) != 0)
		goto fail;
	what = "leaseDuration";
	req->lease_duration = -1;
	if ((v = jsonx_get(request_json, what)) != NULL &&
	    jsonx_long(v, &req->lease_duration) != 0)
		goto fail;
	what = "services";
	req->services = jsonx_get(request_json, what);
	if (solver_names_parse(req->services, &ns) != 0)
		goto fail;
	solver_names_clear(&ns);
	return 0;
fail:
	solver_names_clear(&ns);
	errbuf_set(err, "invalid cluster request: bad %s", what);
	return -1;
}

/* The element of an entity array whose name is name, or NULL. */
struct json_object *
solver_cat_find(struct json_object *arr, const char *name)
{
	return jsonx_find_named(arr, name);
}

/* Add type entity e if allowed and mapped for the provider. */
static void
solver_cat_type(struct solver_types *ts, struct json_object *e,
    const struct solver_names *allowed, const char *provider, const char *key)
{
	const char *name, *v;

	if ((name = jsonx_str(jsonx_get(e, "name"))) == NULL)
		return;
	if (allowed->n != 0 && !solver_names_has(allowed, name))
		return;
	v = jsonx_str(
	    jsonx_get(jsonx_get(jsonx_get(e, "providermap"), provider), key));
	if (v != NULL)
		solver_space_type_add(ts, name, v);
}

/*
 * Section 3.4 steps 3/4: type name -> flavor (or image) map of the types
 * of arr usable with template tname and provider.  -1 with err set when
 * there is none ("no <what> types are available ...").
 */
static int
solver_cat_types(struct solver_types *ts, struct json_object *arr,
    const char *required, const struct solver_names *allowed,
    const char *tname, const char *provider, const char *key, const char *what,
    char err[LOOMD_ERR_LEN])
{
	size_t i, n;

	if (required != NULL) {
		struct json_object *e = solver_cat_find(arr, required);

		if (e != NULL)
			solver_cat_type(ts, e, allowed, provider, key);
	} else if (json_object_is_type(arr, json_type_array)) {
		n = json_object_array_length(arr);
		for (i = 0; i < n; i++)
			solver_cat_type(ts, json_object_array_get_idx(arr, i),
			    allowed, provider, key);
	}
	solver_space_types_finish(ts);
	if (ts->n != 0)
		return 0;
	errbuf_set(err,
	    "no %s types are available to use with template %s and "
	    "provider %s",
	    what, tname, provider);
	return -1;
}

/* The type requested, else the template default; "" means none. */
static const char *
solver_required(const char *requested, const char *dflt)
{
	const char *r = solver_nonempty(requested) ? requested : dflt;

	return solver_nonempty(r) ? r : NULL;
}

int
solver_lease_duration(int64_t template_initial, int64_t requested,
    int64_t *lease, char err[LOOMD_ERR_LEN])
{
	int64_t l, eff = requested == 0 ? INT64_MAX : requested;

	if (requested == -1)
		l = template_initial;
	else if (template_initial == 0 || template_initial >= eff)
		l = requested;
	else {
		errbuf_set(err,
		    "lease duration cannot be greater than "
		    "specified in template");
		return -1;
	}
	if (l < 0) {
		errbuf_set(err, "invalid lease duration: %" PRId64, l);
		return -1;
	}
	*lease = l;
	return 0;
}

int
solver_hostname(char out[SOLVER_HOSTNAME_LEN], const char *name,
    const char *cluster_id, int64_t nodenum, char err[LOOMD_ERR_LEN])
{
	char *clean;
	int64_t idnum;

	if (jsonx_parse_long(cluster_id, &idnum) != 0) {
		errbuf_set(err, "invalid cluster id: %s",
		    cluster_id != NULL ? cluster_id : "null");
		return -1;
	}
	clean = solver_step_c_clean_name(name);
	solver_step_c_hostname(out, clean, strlen(clean), idnum, nodenum);
	free(clean);
	return 0;
}

int
solver_input_from_json(struct solver_input **out,
    struct json_object *template_json, const struct solver_catalogue *cat,
    char err[LOOMD_ERR_LEN])
{
	struct solver_input *in;

	*out = NULL;
	in = xcalloc(1, sizeof *in);
	if (solver_template_parse(&in->t, template_json, err) != 0) {
		free(in);
		return -1;
	}
	if (cat != NULL)
		in->cat = *cat;
	*out = in;
	return 0;
}

void
solver_input_free(struct solver_input *in)
{
	if (in == NULL)
		return;
	solver_template_clear(&in->t);
	free(in);
}

void
solver_result_free(struct solver_result *res)
{
	if (res == NULL)
		return;
	json_object_put(res->nodes);
	solver_result_clear_nodes(res);
	json_object_put(res->services);
	json_object_put(res->clustertemplate);
	json_object_put(res->provider);
	free(res);
}

/* Section 3.4 step 6: the services are allowed, exist, and are closed. */
static int
solver_check_services(struct solver_space *sp,
    const struct solver_catalogue *cat, char *err)
{
	const struct solver_template *t = sp->t;
	struct solver_names bad = { NULL, 0, 0 };
	struct json_object *deps;
	const char *d;
	char *list = NULL;
	size_t i, j, len = 0;
	int rc = -1;

	if (t->compat_svc.n != 0) {
		for (i = 0; i < sp->nsvc; i++) {
			if (!solver_names_has(&t->compat_svc, sp->svc[i].name))
				solver_names_add(&bad, sp->svc[i].name);
		}
	}
	if (bad.n == 1) {
		errbuf_set(err, "service %s is not allowed with template %s",
		    bad.v[0], t->name);
		goto fail;
	}
	if (bad.n > 1) {
		for (i = 0; i < bad.n; i++)
			len += strlen(bad.v[i]) + 1;
		list = xcalloc(len + 1, 1);
		for (i = 0; i < bad.n; i++) {
			if (i != 0)
				strcat(list, ",");
			strcat(list, bad.v[i]);
		}
		errbuf_set(err, "services %s are not allowed with template %s",
		    list, t->name);
		goto fail;
	}
	for (i = 0; i < sp->nsvc; i++) {
		sp->svc[i].def =
		    solver_cat_find(cat->services, sp->svc[i].name);
		if (sp->svc[i].def == NULL) {
			errbuf_set(err, "service %s does not exist",
			    sp->svc[i].name);
			goto fail;
		}
	}
	for (i = 0; i < sp->nsvc; i++) {
		deps = solver_get_array(sp->svc[i].def, "dependson");
		for (j = 0; j < json_object_array_length(deps); j++) {
			d = jsonx_str(json_object_array_get_idx(deps, j));
			if (d != NULL && solver_index(&sp->index, d) < 0) {
				errbuf_set(err,
				    "service %s depends on %s, "
				    "which is not in the set of cluster "
				    "services",
				    sp->svc[i].name, d);
				goto fail;
			}
		}
	}
	rc = 0;
fail:
	free(list);
	solver_names_clear(&bad);
	return rc;
}

int
solver_input_solve(const struct solver_input *in,
    const struct solver_request *req, const struct solver_options *opts,
    struct solver_result **out, char err[LOOMD_ERR_LEN])
{
	const struct solver_template *t = &in->t;
	const struct solver_catalogue *cat = &in->cat;
	struct solver_space sp;
	struct solver_names rs = { NULL, 0, 0 };
	const struct solver_names *names;
	struct solver_result *res = NULL;
	struct json_object *provider;
	const char *pname;
	int64_t lease;
	size_t i;
	int rc = -1;

	*out = NULL;
	solver_space_init(&sp, t, opts != NULL ? opts->max_steps : 0);

	pname = solver_nonempty(req->provider) ? req->provider : t->provider;
	if ((provider = solver_cat_find(cat->providers, pname)) == NULL) {
		errbuf_set(err, "provider %s does not exist.", pname);
		goto fail;
	}
	if (solver_cat_types(&sp.hw, cat->hardwaretypes,
		solver_required(req->hardwaretype, t->hardwaretype),
		&t->compat_hw, t->name, pname, "flavor", "hardware",
		err) != 0 ||
	    solver_cat_types(&sp.img, cat->imagetypes,
		solver_required(req->imagetype, t->imagetype), &t->compat_img,
		t->name, pname, "image", "image", err) != 0)
		goto fail;
	if (solver_lease_duration(t->lease_initial, req->lease_duration,
		&lease, err) != 0)
		goto fail;

	if (solver_names_parse(req->services, &rs) != 0) {
		errbuf_set(err, "invalid cluster request: bad services");
		goto fail;
	}
	names = rs.n != 0 ? &rs : &t->services;
	for (i = 0; i < names->n; i++)
		solver_space_add(&sp, names->v[i], true);
	if (solver_check_services(&sp, cat, err) != 0)
		goto fail;
	solver_space_finish(&sp);

	if (solver_core_result(&sp, req->cluster_id, req->name,
		req->num_machines, opts, &res, err) != 0)
		goto fail;
	if (res != NULL) {
		if (!opts->plain_nodes)
			res->nodes = solver_result_nodes_json(res);
		res->services = jsonx_new_array();
		for (i = 0; i < sp.nsvc; i++)
			jsonx_append(res->services,
			    jsonx_new_string(sp.svc[i].name));
		res->clustertemplate = jsonx_copy(t->json);
		res->provider = jsonx_copy(provider);
		res->lease_duration = lease;
		if (lease == 0)
			res->expire_time = 0;
		else if (__builtin_add_overflow(req->create_time, lease,
			     &res->expire_time))
			res->expire_time = INT64_MAX;
		*out = res;
	}
	rc = 0;
fail:
	solver_names_clear(&rs);
	solver_space_clear(&sp);
	return rc;
}

int
solver_solve(const struct solver_catalogue *cat,
    const struct solver_request *req, const struct solver_options *opts,
    struct solver_result **out, char err[LOOMD_ERR_LEN])
{
	struct solver_input *in;
	struct json_object *tj;
	const char *name;
	int rc;

	*out = NULL;
	name = req->template_name != NULL ? req->template_name : "null";
	if ((tj = solver_cat_find(cat->clustertemplates, name)) == NULL) {
		errbuf_set(err, "cluster template %s does not exist.", name);
		return -1;
	}
	if (solver_input_from_json(&in, tj, cat, err) != 0)
		return -1;
	rc = solver_input_solve(in, req, opts, out, err);
	solver_input_free(in);
	return rc;
}
