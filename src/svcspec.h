/* SPDX-License-Identifier: Apache-2.0 */
/*
 * svcspec.h - the JSON of services and cluster templates, as stored in
 * the catalogue and on a cluster's nodes, turned into the plain structs
 * of the day-2 building blocks: struct svcdeps_service for the
 * add-services validation (svcdeps_check_add()) and struct
 * layout_add_constraints for the add-services layout search
 * (layout_add_solve()).  A service may carry Loom 0.9's `dependson` and
 * 0.9.7's `dependencies` {provides, conflicts, install{requires, uses},
 * runtime{requires, uses}} (LOOM-0.9.7-OPS.md section 8.5).  Pure: no
 * I/O.
 */
#ifndef LOOMD_SVCSPEC_H
#define LOOMD_SVCSPEC_H

#include <json-c/json.h>
#include <stddef.h>

#include "layout_add.h"
#include "svcdeps.h"

/*
 * Services read from JSON.  v[0, n) borrows its strings from the JSON it
 * was read from, which must outlive it; the arrays are owned.  Free with
 * svcspec_services_free().
 */
struct svcspec_services {
	struct svcdeps_service *v;
	size_t n;
	/* private: every name array handed out, freed with the set */
	const char ***lists;
	size_t nlists;
};

/*
 * Read the Service objects of arr (a json-c array, borrowed: it must
 * outlive out) into out.  Entries that are not objects or have no name are
 * skipped; names that are not strings are ignored.  Never fails.
 */
void svcspec_services_read(struct json_object *arr,
    struct svcspec_services *out);
/* Free what svcspec_services_read() allocated (not the JSON). */
void svcspec_services_free(struct svcspec_services *s);

/*
 * Template constraints read from a cluster template's "constraints"
 * object (section 2.4: layout.mustcoexist, layout.cantcoexist,
 * services.<name>.hardwaretypes/imagetypes/quantities.min/max).  Strings
 * are borrowed from the JSON, which must outlive it; arrays are owned.
 * Free with svcspec_constraints_free().
 */
struct svcspec_constraints {
	struct layout_add_constraints c;
	/* private */
	struct layout_add_constraint *svc;
	struct strtab_list *must;
	struct strtab_list *cant;
	const char ***lists;
	size_t nlists;
};

/* Read template["constraints"] (template borrowed, may be NULL). */
void svcspec_constraints_read(struct json_object *tmpl,
    struct svcspec_constraints *out);
void svcspec_constraints_free(struct svcspec_constraints *s);

/*
 * The strings of a JSON array of strings as a new array of *n pointers
 * borrowed from arr (others skipped).  Caller frees the array with
 * free(); NULL when *n is 0.
 */
const char **svcspec_strings(struct json_object *arr, size_t *n);

/*
 * The add-services check of section 4.2 (svcdeps_check_add()) of
 * services[0, n) for the cluster whose doc is given (its services and its
 * template's compatible services), against catalogue, a JSON array of
 * Service objects.  All arguments borrowed.  0, or -1 with *why as
 * svcdeps_check_add() sets it (caller frees).
 */
int svcspec_check_add(struct json_object *catalogue, struct json_object *doc,
    const char *const *services, size_t n, char **why);

#endif /* LOOMD_SVCSPEC_H */
