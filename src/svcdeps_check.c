/* SPDX-License-Identifier: Apache-2.0 */
/*
 * svcdeps_check.c - the validation of an add-services request of
 * LOOM-0.9.7-OPS.md section 4.2 (svcdeps_check_add()): unknown, present
 * and incompatible services, unmet requirements and conflicts, each
 * reported in ascending name order.  Pure.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strtab.h"
#include "svcdeps.h"

/* The last definition of name in catalogue, or NULL. */
static const struct svcdeps_service *
svcdeps_check_def(const struct svcdeps_service *catalogue, size_t ncat,
    const char *name)
{
	size_t i;

	for (i = ncat; i > 0; i--)
		if (catalogue[i - 1].name != NULL &&
		    strcmp(catalogue[i - 1].name, name) == 0)
			return &catalogue[i - 1];
	return NULL;
}

/* Append a line to *msg (new or grown; NULL to start). */
static void
svcdeps_check_line(char **msg, const char *sep, const char *line)
{
	char *m;

	if (*msg == NULL)
		m = xstrdup(line);
	else
		m = xasprintf("%s%s%s", *msg, sep, line);
	free(*msg);
	*msg = m;
}

/* The sorted, unique union of lists a and b (names borrowed); caller
 * frees the array. */
static const char **
svcdeps_check_union(const struct strtab_list *a, const struct strtab_list *b,
    size_t *n)
{
	const char **v;
	size_t i, j;

	v = xcalloc(a->n + b->n + 1, sizeof(*v));
	*n = 0;
	for (i = 0; i < a->n; i++)
		v[(*n)++] = a->v[i];
	for (i = 0; i < b->n; i++)
		v[(*n)++] = b->v[i];
	if (*n > 1)
		qsort(v, *n, sizeof(*v), strtab_cmp);
	for (i = 1, j = *n > 0 ? 1 : 0; i < *n; i++)
		if (strcmp(v[i], v[j - 1]) != 0)
			v[j++] = v[i];
	*n = j;
	return v;
}

int
svcdeps_check_add(const struct svcdeps_service *catalogue, size_t ncat,
    const struct strtab_list *cluster, const struct strtab_list *request,
    const struct strtab_list *compat, char **why)
{
	const struct svcdeps_service *s;
	struct strtab_list all, prov, none = { NULL, 0 };
	const char **u = NULL, **r = NULL, **p = NULL;
	const char **need = NULL, *line_b;
	char *msg = NULL, *line;
	size_t nu, nr, np, nneed, i, j;

	*why = NULL;
	if (request->n == 0) {
		*why = xstrdup("Services to add must be specified.");
		return -1;
	}
	u = svcdeps_check_union(cluster, request, &nu);
	all.v = u;
	all.n = nu;
	r = svcdeps_check_union(request, &none, &nr);

	/* 1. existence */
	for (i = 0; i < nu; i++) {
		if (svcdeps_check_def(catalogue, ncat, u[i]) == NULL) {
			msg = xasprintf("service %s does not exist", u[i]);
			goto fail;
		}
	}
	/* 2. already on the cluster */
	for (i = 0; i < nr; i++) {
		if (strtab_list_has(cluster->v, cluster->n, r[i])) {
			msg = xasprintf("service %s is already on the cluster",
			    r[i]);
			goto fail;
		}
	}
	/* 3. compatibility of the requested services */
	if (compat->n > 0) {
		for (i = 0; i < nr; i++)
			if (!strtab_list_has(compat->v, compat->n, r[i]))
				svcdeps_check_line(&msg, ",", r[i]);
		if (msg != NULL) {
			line =
			    xasprintf("%s are incompatible with the cluster",
				msg);
			free(msg);
			msg = line;
			goto fail;
		}
	}
	/* 4. requirements, against U and what U provides */
	p = xcalloc(1, sizeof(*p));
	np = 0;
	for (i = 0; i < nu; i++) {
		s = svcdeps_check_def(catalogue, ncat, u[i]);
		p = xreallocarray(p, np + s->provides.n + 1, sizeof(*p));
		for (j = 0; j < s->provides.n; j++)
			p[np++] = s->provides.v[j];
	}
	prov.v = p;
	prov.n = np;
	for (i = 0; i < nu; i++) {
		s = svcdeps_check_def(catalogue, ncat, u[i]);
		need = svcdeps_check_union(&s->install_requires,
		    s->runtime_requires.n > 0 ? &s->runtime_requires :
						&s->dependson,
		    &nneed);
		for (j = 0; j < nneed; j++) {
			line_b = need[j];
			if (strtab_list_has(all.v, all.n, line_b) ||
			    strtab_list_has(prov.v, prov.n, line_b))
				continue;
			line = xasprintf(
			    "%s requires %s, which is not on the "
			    "cluster or in the list of services to add.",
			    u[i], line_b);
			svcdeps_check_line(&msg, "\n", line);
			free(line);
		}
		free(need);
		need = NULL;
	}
	if (msg != NULL)
		goto fail;
	/* 5. conflicts within U, by name */
	for (i = 0; i < nu; i++) {
		s = svcdeps_check_def(catalogue, ncat, u[i]);
		for (j = 0; j < nu; j++) {
			if (!strtab_list_has(s->conflicts.v, s->conflicts.n,
				u[j]))
				continue;
			line = xasprintf("%s conflicts with %s.", u[i], u[j]);
			svcdeps_check_line(&msg, "\n", line);
			free(line);
		}
	}
fail:
	free(u);
	free(r);
	free(p);
	if (msg == NULL)
		return 0;
	*why = msg;
	return -1;
}
