/* SPDX-License-Identifier: Apache-2.0 */
/*
 * solver_testing.h - the solver's unit-test entry points: the building
 * blocks of section 3.4 with JSON in and out, mirroring the Java test
 * entry points (NodeLayoutGenerator, ServiceLayoutFinder, Solver).  They
 * run the daemon's solver code through solver_int.h and are linked into
 * the unit tests only, never into libloomd.a.
 */
#ifndef LOOMD_SOLVER_TESTING_H
#define LOOMD_SOLVER_TESTING_H

#include <stdint.h>

#include <json-c/json.h>

#include "common.h"
#include "solver.h"

/*
 * Building blocks of section 3.4, exposed for the unit tests (they mirror
 * the Java test entry points).  All JSON arguments are borrowed; *out is a
 * new JSON value the caller releases with json_object_put().  A node
 * layout is {"hardwaretype":h,"imagetype":i,"services":[names]}; name
 * lists are JSON arrays of strings.  Each returns 0, or -1 with err set on
 * malformed input.
 */

/* NodeLayoutGenerator.findUnconstrainedServices: *out = name array. */
int solver_unconstrained_services(struct json_object *tmpl,
    struct json_object *cluster_services, struct json_object **out,
    char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/* NodeLayoutGenerator.isValidServiceSet: *valid = 1 or 0. */
int solver_service_set_valid(struct json_object *tmpl,
    struct json_object *service_set, struct json_object *cluster_services,
    int *valid, char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/* NodeLayoutGenerator.isValidNodeLayout: *valid = 1 or 0. */
int solver_node_layout_valid(struct json_object *tmpl, const char *hw,
    const char *img, struct json_object *services, int *valid,
    char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/* findValidServiceSets(input_services): *out = array of name arrays. */
int solver_valid_service_sets(struct json_object *tmpl,
    struct json_object *cluster_services, struct json_object *input_services,
    struct json_object **out, char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/* findValidNodeLayouts(findValidServiceSets(input)): *out = layouts. */
int solver_valid_node_layouts(struct json_object *tmpl,
    struct json_object *cluster_services, struct json_object *input_services,
    struct json_object *hw_names, struct json_object *img_names,
    struct json_object **out, char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/*
 * narrowNodeLayouts(layouts, hw_prefs, img_prefs); a NULL preference list
 * means none.  *out = ordered layout array.
 */
int solver_narrow_node_layouts(struct json_object *layouts,
    struct json_object *hw_prefs, struct json_object *img_prefs,
    struct json_object **out, char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/* generateNodeLayoutPreferences: *out = ordered layout array (list L). */
int solver_node_layout_preferences(struct json_object *tmpl,
    struct json_object *cluster_services, struct json_object *hw_names,
    struct json_object *img_names, struct json_object **out,
    char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/*
 * ClusterLayoutFinder.findValidNodeCounts over the ordered layouts:
 * *out = array of counts, or NULL when there is no solution.
 */
int solver_find_node_counts(struct json_object *tmpl,
    struct json_object *services, struct json_object *layouts,
    int64_t num_machines, int64_t max_steps, struct json_object **out,
    char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/* ClusterLayoutFinder.isValidCluster with the given counts: *valid. */
int solver_node_counts_valid(struct json_object *tmpl,
    struct json_object *services, struct json_object *layouts,
    int64_t num_machines, struct json_object *counts, int *valid,
    char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/*
 * Solver.solveConstraints: steps A-C with explicit maps hardware type ->
 * flavor and image type -> image (JSON objects of strings), the cluster
 * services (name array) and their definitions (service JSON array).
 * *out = Node JSON array, or NULL when there is no solution.
 */
int solver_solve_constraints(struct json_object *tmpl, const char *cluster_id,
    const char *cluster_name, int64_t num_machines,
    struct json_object *hw_flavors, struct json_object *img_images,
    struct json_object *services, struct json_object *service_defs,
    const struct solver_options *opts, struct json_object **out,
    char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

#endif /* LOOMD_SOLVER_TESTING_H */
