/* SPDX-License-Identifier: Apache-2.0 */
/*
 * layout_add.h - the add-services layout search of LOOM-0.9.7-OPS.md
 * section 4.4 (ClusterLayoutUpdater, ClusterLayout, NodeLayout,
 * AddServiceChangeIterator, SlottedCombinationIterator, AddServicesChange,
 * ClusterLayoutTracker): node layouts and the cluster layout multiset,
 * validity rules (a)-(c) and cluster validity, the service order, the
 * slotted combination iterator, the candidate changes of one service, the
 * depth-first search with backtracking (bounded by a step guard), applying
 * a change to a layout, and materialising the accepted changes onto the
 * concrete nodes, with the nodes' recomputed `services` and `automators`
 * properties.  Pure: no I/O, no json-c; plain structs in and out.
 *
 * Where Java used hash order, loomd is deterministic: requested services
 * without a constraint are tried in ascending name order, and among nodes
 * of one layout the service goes to the lowest nodenum first (then id).
 *
 * Typical use (the solver of an ADD_SERVICES job):
 *	cl = layout_add_cluster_new(nodes, nnodes, cluster_services, ncs);
 *	L = layout_add_cluster_layout(cl);
 *	if (layout_add_solve(&constraints, L, add, nadd, 0, &t, err) != 0)
 *		fail the job with err (bad input or the step guard);
 *	if (t == NULL)
 *		fail the job "Unable to solve layout.", cluster ACTIVE;
 *	for each change i of t: layout_add_cluster_apply(cl, change, NULL);
 *	write every node with changed != 0 (services, automators properties);
 *	free t, L and cl.
 */
#ifndef LOOMD_LAYOUT_ADD_H
#define LOOMD_LAYOUT_ADD_H

#include <stddef.h>

#include "common.h"
#include "strtab.h"

/* Default bound of layout_add_solve() (candidate changes tried). */
#define LAYOUT_ADD_DEFAULT_MAX_STEPS 1000000
/* "No maximum" for a constraint or a combination slot (Java MAX_VALUE). */
#define LAYOUT_ADD_UNBOUNDED 2147483647

/*
 * A service constraint of the cluster's template: empty hardwaretypes or
 * imagetypes allow any; min/max as in the template's quantities (min
 * default 0, max default LAYOUT_ADD_UNBOUNDED; stepSize and ratio are
 * ignored, as in Java).
 */
struct layout_add_constraint {
	const char *service;
	struct strtab_list hardwaretypes;
	struct strtab_list imagetypes;
	int min;
	int max;
};

/* The template constraints (all borrowed; they outlive every call). */
struct layout_add_constraints {
	const struct layout_add_constraint *services;
	size_t nservices;
	const struct strtab_list *mustcoexist;
	size_t nmustcoexist;
	const struct strtab_list *cantcoexist;
	size_t ncantcoexist;
};

/*
 * A node layout: hardware type, image type and the sorted set of service
 * names (ascending strcmp, no duplicates).  Owned by whatever holds it.
 */
struct layout_add_node_layout {
	char *hardwaretype;
	char *imagetype;
	char **services;
	size_t nservices;
};

/* One entry of a cluster layout: count nodes of layout nl. */
struct layout_add_entry {
	struct layout_add_node_layout nl;
	int count;
};

/*
 * A cluster layout: a multiset node layout -> count.  Entries have a count
 * above 0 and are kept sorted by the node-layout comparator (more services
 * first, hardware name, image name, service names element-wise), so two
 * equal multisets have identical entry arrays.  Read-only for callers;
 * build with layout_add_layout_new()/_add(), free with _free().
 */
struct layout_add_layout {
	struct layout_add_entry *entries;
	size_t nentries;
	size_t cap;
};

/* The comparator of node layouts ([0.9 section 3.4 step A.5]). */
int layout_add_node_layout_cmp(const struct layout_add_node_layout *a,
    const struct layout_add_node_layout *b);

/* A new empty layout; free with layout_add_layout_free(). */
struct layout_add_layout *layout_add_layout_new(void);
/* Free a layout and its strings; NULL is a no-op. */
void layout_add_layout_free(struct layout_add_layout *l);
/* A deep copy; free with layout_add_layout_free(). */
struct layout_add_layout *layout_add_layout_copy(
    const struct layout_add_layout *l);
/*
 * Add count nodes (count may be negative; an entry that reaches 0 or less
 * is removed) of layout (hw, img, services[0, n)).  The services are
 * copied, sorted and de-duplicated; all arguments are borrowed.
 */
void layout_add_layout_add(struct layout_add_layout *l, const char *hw,
    const char *img, const char *const *services, size_t n, int count);
/* The count of a node layout (services in any order). */
int layout_add_layout_count(const struct layout_add_layout *l, const char *hw,
    const char *img, const char *const *services, size_t n);
/* Number of nodes (the sum of the counts). */
long long layout_add_layout_total(const struct layout_add_layout *l);
/* 1 if a and b are the same multiset. */
int layout_add_layout_equal(const struct layout_add_layout *a,
    const struct layout_add_layout *b);
/* How many nodes run service s. */
long long layout_add_layout_service_count(const struct layout_add_layout *l,
    const char *s);

/*
 * Validity of node layout (hw, img, services[0, n)) given the set of
 * services on the cluster, cluster_services[0, ncs) (any order):
 * (a) no cantcoexist set is a subset of it; (b) for each mustcoexist set M
 * with M' = M intersected with the cluster services, if the node has one
 * of M' it has all of M'; (c) every constrained service on it allows hw
 * and img.  Returns 1 or 0.
 */
int layout_add_node_valid(const struct layout_add_constraints *c,
    const char *hw, const char *img, const char *const *services, size_t n,
    const char *const *cluster_services, size_t ncs);
/*
 * ClusterLayout.isValid: every node layout valid for the layout's own
 * services, and every constrained service present has
 * min <= count <= max and count <= the number of nodes.  Returns 1 or 0.
 */
int layout_add_layout_valid(const struct layout_add_constraints *c,
    const struct layout_add_layout *l);

/*
 * The order in which requested services are placed: services with a
 * constraint first, by max ascending, then min descending, then name;
 * then the others by name (Java: hash order).  order[0, n) receives the
 * indexes into services (caller-allocated, n long).
 */
void layout_add_service_order(const struct layout_add_constraints *c,
    const char *const *services, size_t n, size_t *order);

/*
 * The slotted combination iterator: every vector v of nslots counts with
 * sum nitems and 0 <= v[i] <= max[i], in descending lexicographic order.
 */
struct layout_add_combo;

/*
 * Iterator over all vectors of sum nitems; max (nslots long, borrowed for
 * the call, copied) NULL = unbounded.  Fails when nslots is 0 or nitems
 * < 1 (Java: IllegalArgumentException).  *out is freed with
 * layout_add_combo_free().
 */
int layout_add_combo_new(size_t nslots, int nitems, const int *max,
    struct layout_add_combo **out, char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;
/*
 * Iterator that starts at state start[0, nslots) (sum = nitems), or, when
 * start breaks the maxima, at the first valid vector after it.  Same
 * errors (a start of sum < 1 or a negative entry fails).
 */
int layout_add_combo_new_from(size_t nslots, const int *start, const int *max,
    struct layout_add_combo **out, char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;
/* 1 if another vector follows; does not advance (idempotent). */
int layout_add_combo_has_next(struct layout_add_combo *it);
/* Copy the next vector into v (nslots long) and return 1; 0 at the end
 * (Java: NoSuchElementException), v untouched. */
int layout_add_combo_next(struct layout_add_combo *it, int *v);
/* Free an iterator; NULL is a no-op. */
void layout_add_combo_free(struct layout_add_combo *it);

/*
 * A change: add service to counts[nl] nodes of each node layout nl of
 * `counts` (AddServicesChange).  Owned; free with layout_add_change_free().
 */
struct layout_add_change {
	char *service;
	struct layout_add_layout *counts;
};

/* A new change for service with no counts yet (add them with
 * layout_add_layout_add(change->counts, ...)).  service is copied. */
struct layout_add_change *layout_add_change_new(const char *service);
/* Free a change; NULL is a no-op. */
void layout_add_change_free(struct layout_add_change *ch);
/* canApplyChange: every layout of the change is in l with at least as
 * many nodes.  Returns 1 or 0. */
int layout_add_change_can_apply(const struct layout_add_change *ch,
    const struct layout_add_layout *l);
/*
 * applyChange to a layout: for each (nl, k): count(nl + {service}) += k,
 * count(nl) -= k.  When nl already holds the service the layout is left
 * as it was (Java corrupted the counts; loomd rejects such requests
 * before the search anyway).  Returns a new layout (free with
 * layout_add_layout_free()); the caller checks can_apply first.
 */
struct layout_add_layout *
layout_add_change_apply(const struct layout_add_change *ch,
    const struct layout_add_layout *l);

/*
 * The candidate changes of one service on a layout
 * (AddServiceChangeIterator): the node layouts that stay valid with the
 * service added, sorted by the comparator, and every way to add the
 * service to k of their nodes for k from min(nodes, max) down to
 * max(min, 1), each k in descending lexicographic order.  Layouts that
 * already hold the service are not expandable (adding it changes nothing).
 */
struct layout_add_changes;

/* New iterator; c and l are borrowed and must outlive it, service is
 * copied.  Free with layout_add_changes_free(). */
struct layout_add_changes *
layout_add_changes_new(const struct layout_add_constraints *c,
    const struct layout_add_layout *l, const char *service);
/* The next change, new (caller frees with layout_add_change_free()), or
 * NULL at the end. */
struct layout_add_change *layout_add_changes_next(
    struct layout_add_changes *it);
/* Free an iterator; NULL is a no-op. */
void layout_add_changes_free(struct layout_add_changes *it);

/*
 * ClusterLayoutTracker: a starting layout, the changes applied so far and
 * the layout after each.
 */
struct layout_add_tracker;

/* New tracker starting at a copy of start (borrowed).  Free with
 * layout_add_tracker_free(). */
struct layout_add_tracker *layout_add_tracker_new(
    const struct layout_add_layout *start);
/* Free a tracker, its layouts and changes; NULL is a no-op. */
void layout_add_tracker_free(struct layout_add_tracker *t);
/* addChangeIfValid: if ch can be applied to the current layout, apply
 * it, take ownership of ch and return 1; otherwise return 0 and ch stays
 * the caller's. */
int layout_add_tracker_add(struct layout_add_tracker *t,
    struct layout_add_change *ch);
/* removeLastChange (no-op when there is none). */
void layout_add_tracker_remove_last(struct layout_add_tracker *t);
/* The current layout, borrowed from t until its next change. */
const struct layout_add_layout *layout_add_tracker_current(
    const struct layout_add_tracker *t);
/* Number of changes, and change i (borrowed from t). */
size_t layout_add_tracker_nchanges(const struct layout_add_tracker *t);
const struct layout_add_change *
layout_add_tracker_change(const struct layout_add_tracker *t, size_t i);

/*
 * The search (ClusterLayoutUpdater.addServicesToCluster): place
 * services[0, n) in layout_add_service_order() on layout l, depth-first:
 * for each candidate change of the first service whose result is a valid
 * cluster layout, try to place the rest; backtrack on failure.  c and l
 * are borrowed.  max_steps (0 = LAYOUT_ADD_DEFAULT_MAX_STEPS) bounds the
 * number of candidate changes examined over the whole search: the worst
 * case is exponential, and Java had no bound.
 * Returns 0 with *out a tracker whose changes are the accepted ones, one
 * per service in placement order (caller frees it with
 * layout_add_tracker_free()); 0 with *out NULL when no layout exists
 * (Java returned null: "Unable to solve layout."); -1 with err set when
 * the guard is reached ("no layout found within N steps"), when services
 * is empty or repeats a name, or when a service is already on the
 * cluster (`service <s> is already on the cluster`).
 */
int layout_add_solve(const struct layout_add_constraints *c,
    const struct layout_add_layout *l, const char *const *services, size_t n,
    long long max_steps, struct layout_add_tracker **out,
    char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/* A node of the cluster as stored (borrowed input). */
struct layout_add_node {
	const char *id;
	long long nodenum;
	const char *hardwaretype;    /* properties */
	const char *imagetype;	     /* properties */
	struct strtab_list services; /* their names */
};

/* A node of a layout_add_cluster (owned by it; read-only). */
struct layout_add_cnode {
	char *id;
	long long nodenum;
	char *hardwaretype;
	char *imagetype;
	char **services; /* stored, then added */
	size_t nservices;
	size_t input_ix; /* index in the input array */
	int changed;	 /* 1 once a service was added */
};

/*
 * The nodes of a cluster while changes are materialised on them
 * (AddServicesChange.applyChange(cluster, nodes, serviceMap)).  nodes are
 * sorted by nodenum, then id.  Read-only for callers.
 */
struct layout_add_cluster {
	struct layout_add_cnode *nodes;
	size_t nnodes;
	char **services; /* cluster.services */
	size_t nservices;
};

/*
 * Copy nodes[0, n) and cluster_services[0, ncs) (borrowed for the call).
 * Fails on a node without id, hardware type or image type (Java threw:
 * "Exception while solving layout.") or a repeated node id.  *out is
 * freed with layout_add_cluster_free().
 */
int layout_add_cluster_new(const struct layout_add_node *nodes, size_t n,
    const char *const *cluster_services, size_t ncs,
    struct layout_add_cluster **out, char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;
/* Free; NULL is a no-op. */
void layout_add_cluster_free(struct layout_add_cluster *cl);
/* ClusterLayout.fromNodes of the current nodes; free with
 * layout_add_layout_free(). */
struct layout_add_layout *layout_add_cluster_layout(
    const struct layout_add_cluster *cl);
/*
 * Materialise one change: for each node in order (nodenum, id) whose
 * current layout still has a count left in the change, add the service
 * and use one of the count.  The service joins cluster.services.
 * *naffected (may be NULL) receives the number of nodes changed by this
 * call.  Returns 0, or -1 (nothing changed) when the change cannot be
 * applied to the cluster's current layout.
 */
int layout_add_cluster_apply(struct layout_add_cluster *cl,
    const struct layout_add_change *ch, size_t *naffected,
    char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/* A service definition for the automators property: its action types
 * ("chef-solo", "shell", ...) in its actions' order (borrowed). */
struct layout_add_service_def {
	const char *name;
	struct strtab_list types;
};

/*
 * The `automators` node property recomputed after an add (section 4.4
 * QUIRK, fixed): the distinct action types over the node's services in
 * first-seen order.  Services without a definition add nothing.  Returns
 * a new array of *n names borrowed from defs (caller frees the array with
 * free(); NULL when *n is 0).
 */
const char **layout_add_automators(const struct layout_add_cnode *node,
    const struct layout_add_service_def *defs, size_t ndefs, size_t *n);

#endif /* LOOMD_LAYOUT_ADD_H */
