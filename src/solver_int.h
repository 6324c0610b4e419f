/* SPDX-License-Identifier: Apache-2.0 */
/*
 * solver_int.h - what the solver's files share and nothing else includes
 * (apart from the solver's unit-test entry points in tests/lib): the
 * parsed template, the service space of one solve, service sets and node
 * layouts, and the functions of each file that the others call.  Strings
 * in these structures are borrowed from the JSON the solve was given.
 */
#ifndef LOOMD_SOLVER_INT_H
#define LOOMD_SOLVER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "common.h"
#include "solver.h"
#include "strtab.h"

/* Java Integer.MAX_VALUE: the default of quantities.max. */
#define SOLVER_QTY_MAX 2147483647

/* A growable list of borrowed strings. */
struct solver_names {
	const char **v;
	size_t n;
	size_t cap;
};

/* One entry of constraints.services. */
struct solver_constraint {
	const char *service;
	struct solver_names hardwaretypes;
	struct solver_names imagetypes;
	int64_t min;
	int64_t max;
};

/* The parts of a cluster template the solver reads; strings borrowed. */
struct solver_template {
	struct json_object *json;
	const char *name;
	const char *provider;
	const char *hardwaretype;
	const char *imagetype;
	struct solver_names services;
	struct solver_names compat_hw;
	struct solver_names compat_img;
	struct solver_names compat_svc;
	struct solver_names *must;
	size_t nmust;
	struct solver_names *cant;
	size_t ncant;
	struct solver_constraint *cons;
	size_t ncons;
	struct strtab cons_index;
	int64_t lease_initial;
};

struct solver_input {
	struct solver_template t;
	struct solver_catalogue cat;
};

/* A service known to one solve. */
struct solver_svc {
	const char *name;
	struct json_object *def; /* borrowed, or NULL */
	int cons;		 /* template cons index or -1 */
	int q;			 /* quantity slot or -1 */
	int rank;		 /* position in name order */
	bool cluster;		 /* a cluster service */
	bool in_layout;		 /* in a layout constraint */
	bool constrained;	 /* in C of step A */
	bool input;		 /* candidate for service sets */
};

/* A usable hardware or image type: name and flavor/image. */
struct solver_type {
	const char *name;
	const char *value;
	size_t seq;
};

struct solver_types {
	struct solver_type *v;
	size_t n;
	size_t cap;
};

/* Everything one solve works on. */
struct solver_space {
	const struct solver_template *t;
	struct solver_svc *svc;
	size_t nsvc;
	size_t capsvc;
	struct strtab index;
	int *byrank;
	size_t nq;
	struct solver_types hw;
	struct solver_types img;
	int64_t max_steps;
	int64_t steps;
};

/* Service sets as runs of service indices in one pool. */
struct solver_sets {
	int *pool;
	size_t npool;
	size_t cappool;
	size_t *off;
	size_t *len;
	size_t n;
	size_t cap;
};

/* A node layout; names sorted, svc parallel to names (or NULL). */
struct solver_layout {
	const char *hw;
	const char *img;
	const char *flavor;
	const char *image;
	const char **names;
	int *svc;
	size_t n;
};

struct solver_layouts {
	struct solver_layout *v;
	size_t n;
	size_t cap;
};

/* Optional preference lists of the comparator. */
struct solver_prefs {
	const struct solver_names *hw;
	const struct solver_names *img;
};

/* State of the service-set enumeration. */
struct solver_dfs {
	struct solver_space *sp;
	struct solver_sets *out;
	size_t nblocks;
	size_t *boff;
	int *bmem;
	size_t *coff;
	int *chit;
	int *cnt;
	int *need;
	int *cur;
	size_t ncur;
};

/* State of the composition walk. */
struct solver_walk {
	int64_t *n;
	int64_t *qc;
	int64_t *lo;
	int64_t *hi;
	int64_t *max;
	size_t *qoff;
	int *qmem;
	size_t bad;
};

/* solver.c */

/* qsort that accepts an empty (possibly NULL) array. */
void solver_qsort(void *base, size_t n, size_t sz,
    int (*cmp)(const void *, const void *));
/* Grow an array of elements of size sz so that it holds one more. */
void *solver_grow(void *v, size_t n, size_t *cap, size_t sz);
/* Index of key in ix, or -1. */
int solver_index(const struct strtab *ix, const char *key);
/* Order of ints. */
int solver_int_cmp(const void *a, const void *b);
/*
 * Steps A-C on a finished space (services, definitions and types known).
 * *out is the Node JSON array, or NULL when there is no solution.
 */
int solver_core(struct solver_space *sp, const char *cluster_id,
    const char *cluster_name, int64_t num_machines,
    const struct solver_options *opts, struct json_object **out, char *err);
/*
 * Steps A-C as solver_core(), the nodes as plain data: *out is a new
 * result holding only the nodes and their layouts (free it with
 * solver_result_free()), or NULL when there is no solution.
 */
int solver_core_result(struct solver_space *sp, const char *cluster_id,
    const char *cluster_name, int64_t num_machines,
    const struct solver_options *opts, struct solver_result **out, char *err);
/* The element of an entity array whose name is name, or NULL. */
struct json_object *solver_cat_find(struct json_object *arr, const char *name);

/* solver_names.c */

/* Append a name. */
void solver_names_add(struct solver_names *ns, const char *s);
/* Release a name list (not the strings). */
void solver_names_clear(struct solver_names *ns);
/* Linear membership test. */
bool solver_names_has(const struct solver_names *ns, const char *s);
/* The index of s in ns, or SIZE_MAX when it is not there. */
size_t solver_names_index(const struct solver_names *ns, const char *s);
/*
 * An optional JSON array v: 1 with its length in *n, 0 (and *n 0) when v
 * is NULL, -1 when v is not an array.
 */
int solver_names_array(struct json_object *v, size_t *n);
/* Parse an optional array of strings; NULL gives an empty list. */
int solver_names_parse(struct json_object *v, struct solver_names *out);

/* solver_template.c */

/* Release everything a parsed template owns. */
void solver_template_clear(struct solver_template *t);
/* Parse the solver's view of a cluster template (section 2.4). */
int solver_template_parse(struct solver_template *t, struct json_object *j,
    char *err);

/* solver_space.c */

/* Start an empty space for template t. */
void solver_space_init(struct solver_space *sp,
    const struct solver_template *t, int64_t max_steps);
/* Release a space. */
void solver_space_clear(struct solver_space *sp);
/* Add a service name (once); returns its index. */
int solver_space_add(struct solver_space *sp, const char *name, bool cluster);
/* Add every string of a JSON array; fails on a non-string. */
int solver_space_add_json(struct solver_space *sp, struct json_object *arr,
    bool cluster, char *err);
/* Once the services are known: constraints, quantity slots, ranks. */
void solver_space_finish(struct solver_space *sp);
/* Add a usable type; later additions of a name win (Java Map.put). */
void solver_space_type_add(struct solver_types *ts, const char *name,
    const char *value);
/* Sort types by name and keep the last value of each name. */
void solver_space_types_finish(struct solver_types *ts);
/* Count one step of the search; fails past the budget. */
int solver_space_step(struct solver_space *sp, char *err);
/* Whether service s allows hardware (col 0) or image (col 1) type name. */
bool solver_space_type_allowed(const struct solver_space *sp, int s, int img,
    const char *name);

/* solver_layout.c */

/* Release one layout's arrays. */
void solver_layout_clear(struct solver_layout *l);
/* Release a layout list. */
void solver_layouts_clear(struct solver_layouts *ls);
/* A new zeroed layout at the end of the list. */
struct solver_layout *solver_layouts_new(struct solver_layouts *ls);
/* Fill the services of l from service indices (sorted by name). */
void solver_layout_set_members(struct solver_space *sp,
    struct solver_layout *l, const int *m, size_t n);
/*
 * NodeLayoutComparator: more services first; then hardware preference,
 * image preference, hardware name, image name, sorted service names.
 */
int solver_layout_cmp(const struct solver_layout *a,
    const struct solver_layout *b, const struct solver_prefs *p);
/* Stable merge sort of layouts with a comparator that takes prefs. */
void solver_layouts_sort(struct solver_layouts *ls,
    int (*cmp)(const struct solver_layout *, const struct solver_layout *,
	const struct solver_prefs *),
    const struct solver_prefs *p);
/* Keep the comparator-minimal layout of each service set, sorted. */
void solver_layouts_narrow(struct solver_layouts *ls,
    const struct solver_prefs *p);

/* solver_step_a.c */

/* Release service sets. */
void solver_step_a_sets_clear(struct solver_sets *ss);
/*
 * Step A.2: every non-empty set X of input services with no cant-coexist
 * set inside it and, for each must-coexist set M with M' = M and cluster
 * services, X touching M' only if it holds all of M'.  Such X are exactly
 * the unions of the connected components ("blocks") of the M' sets that lie
 * wholly among the input services, so those unions are enumerated, pruning
 * as soon as a cant-coexist set is complete (containment only grows).
 */
int solver_step_a_valid_sets(struct solver_space *sp, struct solver_sets *out,
    char *err);
/*
 * Step A: the ordered list L of node layouts.  The comparator-minimal
 * layout of a set takes the smallest hardware name and the smallest image
 * name that every member allows (the two choices are independent).
 */
int solver_step_a(struct solver_space *sp, struct solver_layouts *out,
    char *err);

/* solver_step_b.c */

/* Change the count of layout i by delta, keeping the service counts. */
void solver_step_b_walk_update(struct solver_walk *w, size_t i, int64_t delta);
/* Release walk state. */
void solver_step_b_walk_clear(struct solver_walk *w);
/* Set up counts, bounds and per-layout quantity slots. */
void solver_step_b_walk_init(struct solver_walk *w,
    const struct solver_space *sp, const struct solver_layouts *ls,
    int64_t num_machines);
/*
 * Step B: greedy start, then the walk over compositions of N in
 * descending lexicographic order until the counts are valid.  The largest
 * non-zero slot left of the last one is kept on a stack, so each step
 * costs O(1) plus the quantity-constrained services of the (at most
 * three) layouts it changes.  *out is NULL when there is no solution.
 */
int solver_step_b(struct solver_space *sp, const struct solver_layouts *ls,
    int64_t num_machines, int64_t **out, char *err);

/* solver_step_c.c */

/* Copy of name with '_' and '.' replaced by '-'. */
char *solver_step_c_clean_name(const char *name);
/* Hostname from a cleaned name: cut the name to fit 255 characters. */
void solver_step_c_hostname(char out[SOLVER_HOSTNAME_LEN], const char *clean,
    size_t clen, int64_t idnum, int64_t nodenum);
/*
 * Step C: the nodes, numbered from SOLVER_FIRST_NODENUM in layout order,
 * as plain data in res (its node, layouts, cluster_id and clean name).
 * Each service definition is copied once; the nodes of one layout share
 * one solver_node_layout.
 */
int solver_step_c(struct solver_space *sp, const struct solver_layouts *ls,
    const int64_t *counts, const char *cluster_id, int64_t idnum,
    const char *cluster_name, const struct solver_options *opts,
    struct solver_result *res, char *err);

/* solver_result.c */

/* Render the shared text of layout l of res (after its fields are set). */
void solver_result_layout_render(const struct solver_result *res,
    struct solver_node_layout *l);
/* Release what the plain nodes of res own (not res itself). */
void solver_result_clear_nodes(struct solver_result *res);

#endif /* LOOMD_SOLVER_INT_H */
