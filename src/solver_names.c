/* SPDX-License-Identifier: Apache-2.0 */
/*
 * solver_names.c - growable lists of borrowed strings (service, hardware
 * and image type names) for the solver: append, membership and parsing
 * from a JSON array of strings.  Pure: no I/O.
 */
#include "config.h"

#include "solver_int.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "jsonx.h"
#include "strtab.h"

/* Append a name. */
void
solver_names_add(struct solver_names *ns, const char *s)
{
	ns->v = solver_grow(ns->v, ns->n, &ns->cap, sizeof *ns->v);
	ns->v[ns->n++] = s;
}

/* Release a name list (not the strings). */
void
solver_names_clear(struct solver_names *ns)
{
	free(ns->v);
	memset(ns, 0, sizeof *ns);
}

/* A linear search. */
size_t
solver_names_index(const struct solver_names *ns, const char *s)
{
	return strtab_list_index((const char *const *)ns->v, ns->n, s);
}

bool
solver_names_has(const struct solver_names *ns, const char *s)
{
	return solver_names_index(ns, s) != SIZE_MAX;
}

int
solver_names_array(struct json_object *v, size_t *n)
{
	*n = 0;
	if (v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_array))
		return -1;
	*n = json_object_array_length(v);
	return 1;
}

/* Parse an optional array of strings; NULL gives an empty list. */
int
solver_names_parse(struct json_object *v, struct solver_names *out)
{
	size_t i, n;
	int rc;

	if ((rc = solver_names_array(v, &n)) <= 0)
		return rc;
	for (i = 0; i < n; i++) {
		const char *s = jsonx_str(json_object_array_get_idx(v, i));

		if (s == NULL)
			return -1;
		solver_names_add(out, s);
	}
	return 0;
}
