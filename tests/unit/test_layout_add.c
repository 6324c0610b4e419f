/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_layout_add.c - unit tests of the add-services layout search
 * (LOOM-0.9.7-OPS.md sections 4.4 and 11.4): ClusterLayoutTest,
 * AddServiceChangeIteratorTest (with the 23 vectors), AddServicesChangeTest,
 * ClusterLayoutTrackerTest, ClusterLayoutUpdaterTest (template
 * reactor-medium of loom-fixtures/solver-catalogue.json) and
 * SlottedCombinationIteratorTest, from tests/data/ops/layout-add.json; plus
 * loomd's deterministic choices, the step guard and the recomputed node
 * properties.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <json-c/json.h>

#include "common.h"
#include "fixture_data.h"
#include "layout_add.h"
#include "unit_json.h"

/* Allocations of one test, freed by arena_free(). */
static void *arena[4096];
static size_t narena;

static void *
keep(void *p)
{
	cr_assert_lt(narena, sizeof(arena) / sizeof(arena[0]));
	arena[narena++] = p;
	return p;
}

static void
arena_free(void)
{
	while (narena > 0)
		free(arena[--narena]);
}

/* Load tests/data/ops/<file> or, with fixture != 0, the original
 * server's fixture <file> (the caller puts it). */
static struct json_object *
load(const char *file, int fixture)
{
	char rel[256];

	if (fixture)
		return fx_data_loom(file);
	snprintf(rel, sizeof rel, "ops/%s", file);
	return fx_data_json(rel);
}

static const char *
str(struct json_object *obj, const char *key)
{
	struct json_object *v = uj_opt(obj, key);

	cr_assert_not_null(v, "no key %s", key);
	return json_object_get_string(v);
}

/* Names of a JSON string array (strings borrowed, array in the arena). */
static struct strtab_list
names_of(struct json_object *arr)
{
	struct strtab_list l;
	const char **v = fx_data_strv(arr, &l.n);

	l.v = v != NULL ? keep(v) : NULL;
	return l;
}

/* Constraints from a template "constraints" object (arena, borrowed
 * strings). */
static void
cons_from_json(struct json_object *obj, struct layout_add_constraints *c)
{
	struct json_object *lay = uj_opt(obj, "layout");
	struct json_object *must = uj_opt(lay, "mustcoexist");
	struct json_object *cant = uj_opt(lay, "cantcoexist");
	struct json_object *svcs = uj_opt(obj, "services"), *q;
	struct layout_add_constraint *sc;
	struct strtab_list *m;
	size_t i, n = 0;

	memset(c, 0, sizeof(*c));
	c->nmustcoexist = must == NULL ? 0 : json_object_array_length(must);
	m = keep(xcalloc(c->nmustcoexist + 1, sizeof(*m)));
	for (i = 0; i < c->nmustcoexist; i++)
		m[i] = names_of(json_object_array_get_idx(must, i));
	c->mustcoexist = m;
	c->ncantcoexist = cant == NULL ? 0 : json_object_array_length(cant);
	m = keep(xcalloc(c->ncantcoexist + 1, sizeof(*m)));
	for (i = 0; i < c->ncantcoexist; i++)
		m[i] = names_of(json_object_array_get_idx(cant, i));
	c->cantcoexist = m;
	sc = keep(
	    xcalloc(svcs == NULL ? 1 :
				   (size_t)json_object_object_length(svcs) + 1,
		sizeof(*sc)));
	if (svcs != NULL) {
		json_object_object_foreach (svcs, name, def) {
			sc[n].service = name;
			sc[n].hardwaretypes =
			    names_of(uj_opt(def, "hardwaretypes"));
			sc[n].imagetypes = names_of(uj_opt(def, "imagetypes"));
			q = uj_opt(def, "quantities");
			sc[n].min = uj_opt(q, "min") == NULL ?
			    0 :
			    json_object_get_int(uj_opt(q, "min"));
			sc[n].max = uj_opt(q, "max") == NULL ?
			    LAYOUT_ADD_UNBOUNDED :
			    json_object_get_int(uj_opt(q, "max"));
			n++;
		}
	}
	c->services = sc;
	c->nservices = n;
}

/* The named constraints of layout-add.json. */
static void
named_cons(struct json_object *root, const char *name,
    struct layout_add_constraints *c)
{
	struct json_object *o = uj_opt(uj_opt(root, "constraints"), name);

	cr_assert_not_null(o, "no constraints %s", name);
	cons_from_json(o, c);
}

/* Add one entry [count, hw, img, [services]] to l. */
static void
add_entry(struct layout_add_layout *l, struct json_object *e, int count)
{
	struct strtab_list s;

	s = names_of(json_object_array_get_idx(e, 3));
	layout_add_layout_add(l,
	    json_object_get_string(json_object_array_get_idx(e, 1)),
	    json_object_get_string(json_object_array_get_idx(e, 2)), s.v, s.n,
	    count);
}

/* A new layout from a list of entries. */
static struct layout_add_layout *
layout_of(struct json_object *arr)
{
	struct layout_add_layout *l = layout_add_layout_new();
	struct json_object *e;
	size_t i;

	cr_assert_not_null(arr);
	for (i = 0; i < json_object_array_length(arr); i++) {
		e = json_object_array_get_idx(arr, i);
		add_entry(l, e,
		    json_object_get_int(json_object_array_get_idx(e, 0)));
	}
	return l;
}

/* A new change of service with counts given as layout entries. */
static struct layout_add_change *
change_of(const char *service, struct json_object *counts)
{
	struct layout_add_change *ch = layout_add_change_new(service);
	struct json_object *e;
	size_t i;

	for (i = 0; i < json_object_array_length(counts); i++) {
		e = json_object_array_get_idx(counts, i);
		add_entry(ch->counts, e,
		    json_object_get_int(json_object_array_get_idx(e, 0)));
	}
	return ch;
}

/* Assert that layout got equals the entries want, naming the step. */
static void
assert_layout(const struct layout_add_layout *got, struct json_object *want,
    const char *what)
{
	struct layout_add_layout *w = layout_of(want);

	cr_assert(layout_add_layout_equal(got, w),
	    "%s: layout differs "
	    "(%zu entries, %lld nodes; expected %zu, %lld)",
	    what, got->nentries, layout_add_layout_total(got), w->nentries,
	    layout_add_layout_total(w));
	layout_add_layout_free(w);
}

/* The cases array of a section of layout-add.json. */
static struct json_object *
section(struct json_object *root, const char *name)
{
	struct json_object *s = uj_opt(root, name);

	cr_assert_not_null(s, "no section %s", name);
	return s;
}

/*
 * A check of one case of a section: the case c, its named constraints and
 * *l, a new layout of its "layout" that the runner frees after the call
 * (fn may free and replace it, or free it and set it to NULL).
 */
typedef void (*case_fn)(struct json_object *c,
    const struct layout_add_constraints *cons, struct layout_add_layout **l);

/* Run fn on every case of section name of layout-add.json. */
static void
each_case(const char *name, case_fn fn)
{
	struct json_object *root = load("layout-add.json", 0);
	struct json_object *cases = section(root, name), *c;
	struct layout_add_constraints cons;
	struct layout_add_layout *l;
	size_t i;

	for (i = 0; i < json_object_array_length(cases); i++) {
		c = json_object_array_get_idx(cases, i);
		named_cons(root, str(c, "constraints"), &cons);
		l = layout_of(uj_opt(c, "layout"));
		fn(c, &cons, &l);
		layout_add_layout_free(l);
	}
	json_object_put(root);
	arena_free();
}

static void
validity_case(struct json_object *c, const struct layout_add_constraints *cons,
    struct layout_add_layout **l)
{
	cr_assert_eq(layout_add_layout_valid(cons, *l),
	    json_object_get_boolean(uj_opt(c, "valid")), "%s", str(c, "test"));
}

Test(layout_add, cluster_layout_validity)
{
	each_case("cluster_layout", validity_case);
}

static void
change_iterator_case(struct json_object *c,
    const struct layout_add_constraints *cons, struct layout_add_layout **lp)
{
	struct json_object *slots, *vecs, *v;
	struct layout_add_layout *l = *lp, *want;
	struct layout_add_changes *it;
	struct layout_add_change *ch;
	size_t k, j;
	int cnt;

	slots = uj_opt(c, "slots");
	vecs = uj_opt(c, "vectors");
	it = layout_add_changes_new(cons, l, str(c, "service"));
	for (k = 0; k < json_object_array_length(vecs); k++) {
		v = json_object_array_get_idx(vecs, k);
		want = layout_add_layout_new();
		for (j = 0; j < json_object_array_length(v); j++) {
			cnt = json_object_get_int(
			    json_object_array_get_idx(v, j));
			if (cnt == 0)
				continue;
			struct json_object *e = json_object_new_array();
			json_object_array_add(e, json_object_new_int(cnt));
			for (size_t x = 0; x < 3; x++)
				json_object_array_add(e,
				    json_object_get(json_object_array_get_idx(
					json_object_array_get_idx(slots, j),
					x)));
			add_entry(want, e, cnt);
			json_object_put(e);
		}
		ch = layout_add_changes_next(it);
		cr_assert_not_null(ch, "%s: change %zu missing",
		    str(c, "test"), k);
		cr_assert_str_eq(ch->service, str(c, "service"));
		cr_assert(layout_add_layout_equal(ch->counts, want),
		    "%s: change %zu differs", str(c, "test"), k);
		layout_add_change_free(ch);
		layout_add_layout_free(want);
	}
	ch = layout_add_changes_next(it);
	cr_assert_null(ch, "%s: more than %zu changes", str(c, "test"), k);
	cr_assert_null(layout_add_changes_next(it));
	layout_add_changes_free(it);
}

Test(layout_add, change_iterator)
{
	each_case("change_iterator", change_iterator_case);
}

static void
apply_to_layout_case(struct json_object *c,
    const struct layout_add_constraints *cons, struct layout_add_layout **l)
{
	struct json_object *steps, *st;
	struct layout_add_layout *next;
	struct layout_add_change *ch;
	size_t k;
	int can;

	(void)cons;
	steps = uj_opt(c, "steps");
	for (k = 0; k < json_object_array_length(steps); k++) {
		st = json_object_array_get_idx(steps, k);
		ch = change_of(str(st, "service"), uj_opt(st, "counts"));
		can = json_object_get_boolean(uj_opt(st, "can_apply"));
		cr_assert_eq(layout_add_change_can_apply(ch, *l), can,
		    "%s step %zu", str(c, "test"), k);
		if (can) {
			next = layout_add_change_apply(ch, *l);
			assert_layout(next, uj_opt(st, "expect"),
			    str(c, "test"));
			layout_add_layout_free(*l);
			*l = next;
		}
		layout_add_change_free(ch);
	}
}

Test(layout_add, apply_change_to_layout)
{
	each_case("add_services_change", apply_to_layout_case);
}

/*
 * The nodes of a "nodes" list [{count, hardwaretype, imagetype,
 * services}]: ids node-NNNN, nodenum from 1000 in the order given, handed
 * over in reverse order so that materialising has to sort them.
 */
static struct layout_add_node *
nodes_of(struct json_object *list, size_t *n)
{
	struct layout_add_node *v;
	struct json_object *kind;
	size_t i, k, total = 0, at;
	long long num = 1000;

	for (i = 0; i < json_object_array_length(list); i++)
		total += (size_t)json_object_get_int(
		    uj_opt(json_object_array_get_idx(list, i), "count"));
	v = keep(xcalloc(total + 1, sizeof(*v)));
	at = total;
	for (i = 0; i < json_object_array_length(list); i++) {
		kind = json_object_array_get_idx(list, i);
		for (k = 0;
		     k < (size_t)json_object_get_int(uj_opt(kind, "count"));
		     k++) {
			at--;
			v[at].id = keep(xasprintf("node-%04lld", num));
			v[at].nodenum = num++;
			v[at].hardwaretype = str(kind, "hardwaretype");
			v[at].imagetype = str(kind, "imagetype");
			v[at].services = names_of(uj_opt(kind, "services"));
		}
	}
	*n = total;
	return v;
}

/* Assert the cluster's services are the set want. */
static void
assert_cluster_services(const struct layout_add_cluster *cl,
    struct json_object *want)
{
	size_t i, j;
	int found;

	cr_assert_eq(cl->nservices, json_object_array_length(want));
	for (i = 0; i < json_object_array_length(want); i++) {
		found = 0;
		for (j = 0; j < cl->nservices; j++)
			if (strcmp(cl->services[j],
				json_object_get_string(
				    json_object_array_get_idx(want, i))) == 0)
				found = 1;
		cr_assert(found, "cluster service %s missing",
		    json_object_get_string(
			json_object_array_get_idx(want, i)));
	}
}

/* True if the cluster node holds service s. */
static bool
cnode_has(const struct layout_add_cnode *cn, const char *s)
{
	return strtab_list_has((const char *const *)cn->services,
	    cn->nservices, s);
}

Test(layout_add, apply_change_to_cluster)
{
	struct json_object *root = load("layout-add.json", 0);
	struct json_object *c = section(root, "apply_to_cluster");
	struct json_object *steps, *st;
	struct layout_add_constraints cons;
	struct layout_add_node *nodes;
	struct strtab_list cs;
	struct layout_add_cluster *cl;
	struct layout_add_layout *l;
	struct layout_add_change *ch;
	char err[LOOMD_ERR_LEN];
	size_t n, k, i, changed, naff;

	named_cons(root, str(c, "constraints"), &cons);
	nodes = nodes_of(uj_opt(c, "nodes"), &n);
	cs = names_of(uj_opt(c, "cluster_services"));
	cr_assert_eq(layout_add_cluster_new(nodes, n, cs.v, cs.n, &cl, err), 0,
	    "%s", err);
	for (i = 0; i < cl->nnodes; i++) {
		cr_assert_eq(cl->nodes[i].nodenum, 1000 + (long long)i);
		cr_assert_eq(cl->nodes[i].input_ix, n - 1 - i);
	}
	steps = uj_opt(c, "steps");
	for (k = 0; k < json_object_array_length(steps); k++) {
		st = json_object_array_get_idx(steps, k);
		ch = change_of(str(st, "service"), uj_opt(st, "counts"));
		cr_assert_eq(layout_add_cluster_apply(cl, ch, &naff, err), 0,
		    "%s", err);
		l = layout_add_cluster_layout(cl);
		assert_layout(l, uj_opt(st, "expect"), str(st, "service"));
		/* the half-way nodemanager step breaks mustcoexist */
		cr_assert_eq(layout_add_layout_valid(&cons, l), k != 1);
		layout_add_layout_free(l);
		assert_cluster_services(cl, uj_opt(st, "cluster_services"));
		for (i = 0, changed = 0; i < cl->nnodes; i++)
			changed += cl->nodes[i].changed != 0;
		cr_assert_eq(changed,
		    (size_t)json_object_get_int(uj_opt(st, "affected_total")),
		    "step %zu: %zu nodes changed", k, changed);
		if (k == 1) {
			/* loomd: the lowest node numbers of the layout */
			cr_assert_eq(naff, 25);
			for (i = 1; i < cl->nnodes; i++)
				cr_assert_eq(cnode_has(&cl->nodes[i],
						 "nodemanager"),
				    i <= 25, "nodenum %lld",
				    cl->nodes[i].nodenum);
		}
		layout_add_change_free(ch);
	}
	/* a change that does not fit changes nothing */
	ch = layout_add_change_new("regionserver");
	layout_add_layout_add(ch->counts, "medium", "centos6",
	    (const char *const[]){ "datanode" }, 1, 1);
	cr_assert_eq(layout_add_cluster_apply(cl, ch, &naff, err), -1);
	cr_assert_eq(naff, 0);
	cr_assert_eq(cl->nservices, 5);
	layout_add_change_free(ch);
	layout_add_cluster_free(cl);
	json_object_put(root);
	arena_free();
}

static void
tracker_case(struct json_object *c, const struct layout_add_constraints *cons,
    struct layout_add_layout **l)
{
	struct json_object *steps, *st, *add;
	struct layout_add_tracker *t;
	struct layout_add_change *ch;
	size_t k, nch;
	int ok;

	(void)cons;
	t = layout_add_tracker_new(*l);
	layout_add_layout_free(*l);
	*l = NULL;
	steps = uj_opt(c, "steps");
	nch = 0;
	for (k = 0; k < json_object_array_length(steps); k++) {
		st = json_object_array_get_idx(steps, k);
		if ((add = uj_opt(st, "add")) != NULL) {
			ch = change_of(str(add, "service"),
			    uj_opt(add, "counts"));
			ok = layout_add_tracker_add(t, ch);
			cr_assert_eq(ok,
			    json_object_get_boolean(uj_opt(st, "accepted")),
			    "%s step %zu", str(c, "test"), k);
			if (!ok)
				layout_add_change_free(ch);
			else
				cr_assert_eq(ch,
				    layout_add_tracker_change(t, nch++));
		} else {
			layout_add_tracker_remove_last(t);
			nch--;
		}
		cr_assert_eq(layout_add_tracker_nchanges(t), nch);
		assert_layout(layout_add_tracker_current(t),
		    uj_opt(st, "expect"), str(c, "test"));
	}
	layout_add_tracker_remove_last(t); /* no-op at 0 */
	layout_add_tracker_free(t);
}

Test(layout_add, tracker)
{
	each_case("tracker", tracker_case);
}

/* The template `name` of a fixture catalogue (borrowed from cat). */
static struct json_object *
fixture_template(struct json_object *cat, const char *name)
{
	struct json_object *list = uj_opt(cat, "clustertemplates"), *t;
	size_t i;

	for (i = 0; list != NULL && i < json_object_array_length(list); i++) {
		t = json_object_array_get_idx(list, i);
		if (strcmp(str(t, "name"), name) == 0)
			return t;
	}
	cr_assert_fail("no template %s", name);
	return NULL;
}

Test(layout_add, updater)
{
	struct json_object *root = load("layout-add.json", 0);
	struct json_object *u = section(root, "updater");
	struct json_object *cat, *cases, *c, *exp;
	struct layout_add_constraints cons;
	struct layout_add_node *nodes;
	struct strtab_list cs, add;
	struct layout_add_cluster *cl;
	struct layout_add_layout *l, *after;
	struct layout_add_tracker *t;
	const struct layout_add_change *ch;
	char err[LOOMD_ERR_LEN];
	size_t n, i, k, j;

	cat = load(str(u, "template_fixture"), 1);
	cons_from_json(uj_opt(fixture_template(cat, str(u, "template")),
			   "constraints"),
	    &cons);
	nodes = nodes_of(uj_opt(u, "nodes"), &n);
	cs = names_of(uj_opt(u, "cluster_services"));
	cases = uj_opt(u, "cases");
	for (i = 0; i < json_object_array_length(cases); i++) {
		c = json_object_array_get_idx(cases, i);
		add = names_of(uj_opt(c, "add"));
		cr_assert_eq(layout_add_cluster_new(nodes, n, cs.v, cs.n, &cl,
				 err),
		    0, "%s", err);
		l = layout_add_cluster_layout(cl);
		cr_assert(layout_add_layout_valid(&cons, l));
		cr_assert_eq(layout_add_solve(&cons, l, add.v, add.n, 0, &t,
				 err),
		    0, "%s: %s", str(c, "test"), err);
		exp = uj_opt(c, "expect");
		if (exp == NULL) {
			cr_assert_null(t, "%s: found a layout",
			    str(c, "test"));
		} else {
			cr_assert_not_null(t, "%s: no layout", str(c, "test"));
			assert_layout(layout_add_tracker_current(t), exp,
			    str(c, "test"));
			cr_assert_eq(layout_add_tracker_nchanges(t), add.n);
			/* materialised, the nodes reach the same layout */
			for (k = 0; k < layout_add_tracker_nchanges(t); k++) {
				ch = layout_add_tracker_change(t, k);
				cr_assert_eq(layout_add_cluster_apply(cl, ch,
						 NULL, err),
				    0, "%s", err);
			}
			after = layout_add_cluster_layout(cl);
			assert_layout(after, exp, "materialised");
			layout_add_layout_free(after);
			cr_assert_eq(cl->nservices, cs.n + add.n);
			for (j = 0; j < add.n; j++)
				cr_assert(cnode_has(&cl->nodes[0], add.v[j]) ||
				    cnode_has(&cl->nodes[1], add.v[j]));
			layout_add_tracker_free(t);
		}
		layout_add_layout_free(l);
		layout_add_cluster_free(cl);
	}
	json_object_put(cat);
	json_object_put(root);
	arena_free();
}

Test(layout_add, slotted_combinations)
{
	struct json_object *root = load("layout-add.json", 0);
	struct json_object *cases = section(root, "combination");
	struct json_object *c, *jmax, *jstart, *exp, *v;
	struct layout_add_combo *it;
	char err[LOOMD_ERR_LEN];
	int max[16], start[16], got[16], rc;
	size_t i, k, j, nslots;

	for (i = 0; i < json_object_array_length(cases); i++) {
		c = json_object_array_get_idx(cases, i);
		jmax = uj_opt(c, "max");
		jstart = uj_opt(c, "start");
		nslots = jstart != NULL ?
		    json_object_array_length(jstart) :
		    (size_t)json_object_get_int(uj_opt(c, "slots"));
		cr_assert_leq(nslots, 16);
		for (j = 0; jmax != NULL && j < nslots; j++)
			max[j] = json_object_get_int(
			    json_object_array_get_idx(jmax, j));
		if (jstart != NULL) {
			for (j = 0; j < nslots; j++)
				start[j] = json_object_get_int(
				    json_object_array_get_idx(jstart, j));
			rc = layout_add_combo_new_from(nslots, start,
			    jmax != NULL ? max : NULL, &it, err);
		} else
			rc = layout_add_combo_new(nslots,
			    json_object_get_int(uj_opt(c, "items")),
			    jmax != NULL ? max : NULL, &it, err);
		if (uj_opt(c, "error") != NULL) {
			cr_assert_eq(rc, -1, "%s", str(c, "test"));
			cr_assert_null(it);
			continue;
		}
		cr_assert_eq(rc, 0, "%s: %s", str(c, "test"), err);
		if ((exp = uj_opt(c, "expect_first")) != NULL) {
			cr_assert(layout_add_combo_has_next(it));
			cr_assert_eq(layout_add_combo_next(it, got), 1);
			for (j = 0; j < nslots; j++)
				cr_assert_eq(got[j],
				    json_object_get_int(
					json_object_array_get_idx(exp, j)));
			layout_add_combo_free(it);
			continue;
		}
		exp = uj_opt(c, "expect");
		for (k = 0; k < json_object_array_length(exp); k++) {
			v = json_object_array_get_idx(exp, k);
			/* hasNext does not advance */
			cr_assert(layout_add_combo_has_next(it));
			cr_assert(layout_add_combo_has_next(it));
			cr_assert_eq(layout_add_combo_next(it, got), 1,
			    "%s: ended at %zu", str(c, "test"), k);
			for (j = 0; j < nslots; j++)
				cr_assert_eq(got[j],
				    json_object_get_int(
					json_object_array_get_idx(v, j)),
				    "%s: vector %zu slot %zu", str(c, "test"),
				    k, j);
		}
		cr_assert(!layout_add_combo_has_next(it), "%s: too long",
		    str(c, "test"));
		got[0] = -7;
		cr_assert_eq(layout_add_combo_next(it, got), 0);
		cr_assert_eq(got[0], -7);
		layout_add_combo_free(it);
	}
	layout_add_combo_free(NULL);
	json_object_put(root);
	arena_free();
}

/* The reactor-medium constraints of the fixture catalogue. */
static void
reactor_cons(struct layout_add_constraints *cons, struct json_object **cat)
{
	*cat = load("solver-catalogue.json", 1);
	cons_from_json(uj_opt(fixture_template(*cat, "reactor-medium"),
			   "constraints"),
	    cons);
}

Test(layout_add, service_order)
{
	struct json_object *cat;
	struct layout_add_constraints cons;
	const char *svcs[] = { "zookeeper", "resourcemanager", "reactor",
		"aaa", "datanode", "namenode" };
	const char *want[] = { "namenode", "reactor", "zookeeper", "datanode",
		"aaa", "resourcemanager" };
	size_t order[6], i;

	reactor_cons(&cons, &cat);
	layout_add_service_order(&cons, svcs, 6, order);
	for (i = 0; i < 6; i++)
		cr_assert_str_eq(svcs[order[i]], want[i], "position %zu", i);
	json_object_put(cat);
	arena_free();
}

/* The 1 x namenode + 50 x datanode cluster of the updater cases. */
static struct layout_add_layout *
hadoop_layout(void)
{
	struct layout_add_layout *l = layout_add_layout_new();

	layout_add_layout_add(l, "large-mem", "centos6",
	    (const char *const[]){ "namenode" }, 1, 1);
	layout_add_layout_add(l, "medium", "centos6",
	    (const char *const[]){ "datanode" }, 1, 50);
	return l;
}

Test(layout_add, step_guard)
{
	struct json_object *cat;
	struct layout_add_constraints cons;
	struct layout_add_layout *l = hadoop_layout();
	struct layout_add_tracker *t;
	const char *add[] = { "resourcemanager", "nodemanager", "hbasemaster",
		"regionserver" };
	char err[LOOMD_ERR_LEN];

	reactor_cons(&cons, &cat);
	cr_assert_eq(layout_add_solve(&cons, l, add, 4, 1, &t, err), -1);
	cr_assert_null(t);
	cr_assert_str_eq(err, "no layout found within 1 steps");
	/* four services, one accepted change each: four steps suffice */
	cr_assert_eq(layout_add_solve(&cons, l, add, 4, 4, &t, err), 0, "%s",
	    err);
	cr_assert_not_null(t);
	cr_assert_str_eq(layout_add_tracker_change(t, 0)->service,
	    "hbasemaster");
	cr_assert_str_eq(layout_add_tracker_change(t, 3)->service,
	    "resourcemanager");
	layout_add_tracker_free(t);
	layout_add_layout_free(l);
	json_object_put(cat);
	arena_free();
}

Test(layout_add, bad_requests)
{
	struct json_object *cat;
	struct layout_add_constraints cons;
	struct layout_add_layout *l = hadoop_layout();
	struct layout_add_tracker *t;
	char err[LOOMD_ERR_LEN];

	reactor_cons(&cons, &cat);
	cr_assert_eq(layout_add_solve(&cons, l,
			 (const char *const[]){ "hbasemaster", "namenode" }, 2,
			 0, &t, err),
	    -1);
	cr_assert_null(t);
	cr_assert_str_eq(err, "service namenode is already on the cluster");
	cr_assert_eq(layout_add_solve(&cons, l,
			 (const char *const[]){ "hbasemaster", "hbasemaster" },
			 2, 0, &t, err),
	    -1);
	cr_assert_str_eq(err, "service hbasemaster is listed twice");
	cr_assert_eq(layout_add_solve(&cons, l, NULL, 0, 0, &t, err), -1);
	cr_assert_str_eq(err, "Services to add must be specified.");
	layout_add_layout_free(l);
	json_object_put(cat);
	arena_free();
}

Test(layout_add, apply_keeps_counts_of_present_service)
{
	struct layout_add_layout *l = hadoop_layout(), *r;
	struct layout_add_change *ch = layout_add_change_new("datanode");

	/* Java left count - k nodes here (QUIRK 2); loomd changes nothing */
	layout_add_layout_add(ch->counts, "medium", "centos6",
	    (const char *const[]){ "datanode" }, 1, 20);
	cr_assert(layout_add_change_can_apply(ch, l));
	r = layout_add_change_apply(ch, l);
	cr_assert(layout_add_layout_equal(r, l));
	cr_assert_eq(layout_add_layout_total(r), 51);
	layout_add_layout_free(r);
	layout_add_change_free(ch);
	layout_add_layout_free(l);
}

Test(layout_add, layout_multiset)
{
	struct layout_add_layout *a = layout_add_layout_new();
	struct layout_add_layout *b = layout_add_layout_new();
	struct layout_add_layout *c;

	layout_add_layout_add(a, "medium", "centos6",
	    (const char *const[]){ "b", "a", "b" }, 3, 2);
	layout_add_layout_add(a, "large", "centos6",
	    (const char *const[]){ "x" }, 1, 1);
	layout_add_layout_add(b, "large", "centos6",
	    (const char *const[]){ "x" }, 1, 1);
	layout_add_layout_add(b, "medium", "centos6",
	    (const char *const[]){ "a", "b" }, 2, 3);
	cr_assert(!layout_add_layout_equal(a, b));
	layout_add_layout_add(b, "medium", "centos6",
	    (const char *const[]){ "b", "a" }, 2, -1);
	cr_assert(layout_add_layout_equal(a, b));
	/* more services first */
	cr_assert_eq(a->entries[0].nl.nservices, 2);
	cr_assert_eq(layout_add_layout_count(a, "medium", "centos6",
			 (const char *const[]){ "b", "a" }, 2),
	    2);
	cr_assert_eq(layout_add_layout_service_count(a, "a"), 2);
	cr_assert_eq(layout_add_layout_service_count(a, "x"), 1);
	cr_assert_eq(layout_add_layout_total(a), 3);
	layout_add_layout_add(b, "large", "centos6",
	    (const char *const[]){ "x" }, 1, -5);
	cr_assert_eq(b->nentries, 1);
	c = layout_add_layout_copy(a);
	cr_assert(layout_add_layout_equal(a, c));
	cr_assert(layout_add_node_layout_cmp(&a->entries[0].nl,
		      &c->entries[1].nl) < 0);
	layout_add_layout_free(a);
	layout_add_layout_free(b);
	layout_add_layout_free(c);
	layout_add_layout_free(NULL);
}

Test(layout_add, automators_recomputed)
{
	struct layout_add_node in[2];
	struct layout_add_cluster *cl;
	struct layout_add_change *ch;
	const char *s1[] = { "web" }, **aut;
	const char *t_web[] = { "chef-solo", "shell" };
	const char *t_db[] = { "shell", "puppet" };
	struct layout_add_service_def defs[2] = { { "web", { t_web, 2 } },
		{ "db", { t_db, 2 } } };
	char err[LOOMD_ERR_LEN];
	size_t n, naff;

	memset(in, 0, sizeof(in));
	in[0] = (struct layout_add_node){ "b", 1001, "medium", "centos6",
		{ s1, 1 } };
	in[1] = (struct layout_add_node){ "a", 1001, "medium", "centos6",
		{ s1, 1 } };
	cr_assert_eq(layout_add_cluster_new(in, 2, s1, 1, &cl, err), 0);
	/* equal nodenums: by id */
	cr_assert_str_eq(cl->nodes[0].id, "a");
	aut = layout_add_automators(&cl->nodes[0], defs, 2, &n);
	cr_assert_eq(n, 2);
	free(aut);
	ch = layout_add_change_new("db");
	layout_add_layout_add(ch->counts, "medium", "centos6", s1, 1, 1);
	cr_assert_eq(layout_add_cluster_apply(cl, ch, &naff, err), 0);
	cr_assert_eq(naff, 1);
	cr_assert(cl->nodes[0].changed && !cl->nodes[1].changed);
	cr_assert_eq(cl->nodes[0].nservices, 2);
	cr_assert_str_eq(cl->nodes[0].services[1], "db");
	aut = layout_add_automators(&cl->nodes[0], defs, 2, &n);
	cr_assert_eq(n, 3);
	cr_assert_str_eq(aut[0], "chef-solo");
	cr_assert_str_eq(aut[1], "shell");
	cr_assert_str_eq(aut[2], "puppet");
	free(aut);
	aut = layout_add_automators(&cl->nodes[1], NULL, 0, &n);
	cr_assert_null(aut);
	cr_assert_eq(n, 0);
	layout_add_change_free(ch);
	layout_add_cluster_free(cl);
}

Test(layout_add, cluster_input_checks)
{
	struct layout_add_node in[2];
	struct layout_add_cluster *cl;
	char err[LOOMD_ERR_LEN];

	memset(in, 0, sizeof(in));
	in[0] =
	    (struct layout_add_node){ "a", 1000, "medium", NULL, { NULL, 0 } };
	cr_assert_eq(layout_add_cluster_new(in, 1, NULL, 0, &cl, err), -1);
	cr_assert_null(cl);
	cr_assert_str_eq(err, "node a has no imagetype");
	in[0].imagetype = "centos6";
	in[1] = in[0];
	in[1].nodenum = 1001;
	cr_assert_eq(layout_add_cluster_new(in, 2, NULL, 0, &cl, err), -1);
	cr_assert_str_eq(err, "node a is listed twice");
	layout_add_cluster_free(NULL);
}

Test(layout_add, ten_thousand_nodes, .timeout = 30)
{
	struct layout_add_constraints cons;
	struct layout_add_constraint sc = { "b", { NULL, 0 }, { NULL, 0 }, 0,
		100 };
	struct layout_add_node *in;
	struct layout_add_cluster *cl;
	struct layout_add_layout *l;
	struct layout_add_tracker *t;
	const char *m[] = { "m" }, *w[] = { "w" };
	const char *add[] = { "a", "b" };
	char err[LOOMD_ERR_LEN], (*ids)[8];
	size_t i, k, withb = 0;

	memset(&cons, 0, sizeof(cons));
	cons.services = &sc;
	cons.nservices = 1;
	in = xcalloc(10000, sizeof(*in));
	ids = xcalloc(10000, sizeof(*ids));
	for (i = 0; i < 10000; i++) {
		snprintf(ids[i], sizeof(ids[i]), "n%05zu", 9999 - i);
		in[i].id = ids[i];
		in[i].nodenum = 1000 + 9999 - (long long)i;
		in[i].hardwaretype = i == 9999 ? "large" : "medium";
		in[i].imagetype = "centos6";
		in[i].services.v = i == 9999 ? m : w;
		in[i].services.n = 1;
	}
	cr_assert_eq(layout_add_cluster_new(in, 10000, NULL, 0, &cl, err), 0);
	l = layout_add_cluster_layout(cl);
	cr_assert_eq(layout_add_solve(&cons, l, add, 2, 0, &t, err), 0, "%s",
	    err);
	cr_assert_not_null(t);
	/* b (constrained, max 100) first, then a on every node */
	cr_assert_str_eq(layout_add_tracker_change(t, 0)->service, "b");
	for (k = 0; k < layout_add_tracker_nchanges(t); k++)
		cr_assert_eq(layout_add_cluster_apply(cl,
				 layout_add_tracker_change(t, k), NULL, err),
		    0, "%s", err);
	for (i = 0; i < cl->nnodes; i++) {
		cr_assert(cnode_has(&cl->nodes[i], "a"));
		withb += cnode_has(&cl->nodes[i], "b");
		/* b went to the large node, then the lowest node numbers */
		if (i >= 1 && i < 100)
			cr_assert(cnode_has(&cl->nodes[i], "b"));
	}
	cr_assert_eq(withb, 100);
	cr_assert(cnode_has(&cl->nodes[0], "b"));
	layout_add_tracker_free(t);
	layout_add_layout_free(l);
	layout_add_cluster_free(cl);
	free(in);
	free(ids);
}

/* Brute force: every vector of sum total under max, descending lex. */
static void
brute(const int *max, size_t n, size_t at, int rem, int *cur, int **out,
    size_t *nout)
{
	int x, top;

	if (at == n) {
		if (rem == 0) {
			*out =
			    xreallocarray(*out, *nout + 1, n * sizeof(**out));
			memcpy(*out + *nout * n, cur, n * sizeof(*cur));
			(*nout)++;
		}
		return;
	}
	top = max[at] < rem ? max[at] : rem;
	for (x = top; x >= 0; x--) {
		cur[at] = x;
		brute(max, n, at + 1, rem - x, cur, out, nout);
	}
}

/* -1, 0, 1 as a is lexicographically below, equal to, above b. */
static int
lexcmp(const int *a, const int *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

Test(layout_add, combinations_match_brute_force)
{
	struct layout_add_combo *it;
	char err[LOOMD_ERR_LEN];
	int max[5], start[5], cur[5], got[5], *all;
	int items, from;
	size_t n, i, k, nall;
	unsigned int seed = 12345;

	for (k = 0; k < 2000; k++) {
		n = 1 + rand_r(&seed) % 5;
		items = 1 + rand_r(&seed) % 8;
		for (i = 0; i < n; i++) {
			max[i] = rand_r(&seed) % 6;
			start[i] = rand_r(&seed) % 4;
		}
		start[0]++;
		from = rand_r(&seed) % 2;
		if (from)
			for (items = 0, i = 0; i < n; i++)
				items += start[i];
		all = NULL;
		nall = 0;
		brute(max, n, 0, items, cur, &all, &nall);
		if (from)
			cr_assert_eq(layout_add_combo_new_from(n, start, max,
					 &it, err),
			    0);
		else
			cr_assert_eq(layout_add_combo_new(n, items, max, &it,
					 err),
			    0);
		for (i = 0; i < nall; i++) {
			if (from && lexcmp(all + i * n, start, n) > 0)
				continue;
			cr_assert_eq(layout_add_combo_next(it, got), 1,
			    "case %zu ended early", k);
			cr_assert_eq(lexcmp(got, all + i * n, n), 0,
			    "case %zu vector %zu", k, i);
		}
		cr_assert_eq(layout_add_combo_next(it, got), 0,
		    "case %zu too long", k);
		layout_add_combo_free(it);
		free(all);
	}
}
