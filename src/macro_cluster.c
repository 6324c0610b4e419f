/* SPDX-License-Identifier: Apache-2.0 */
/*
 * macro_cluster.c - the nodes of a cluster indexed for macro lookups: what
 * macros need of each Node object is copied out, and the (service, node)
 * pairs are sorted into one group per service (binary search by name),
 * each also ordered by nodenum for the [i] and instance.self forms.
 * Pure: no I/O.
 */
#include "config.h"

#include "macro.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common.h"
#include "jsonx.h"
#include "macro_int.h"

/* A (service name, node index) pair used while building the index. */
struct macro_pair {
	const char *name;
	size_t name_len;
	size_t node;
};

/* A (nodenum, node index) pair used to sort a group. */
struct macro_numkey {
	long long nodenum;
	size_t node;
};

/* Compare two byte strings, shorter first on a common prefix. */
static int
macro_namecmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int cmp;

	cmp = memcmp(a, b, alen < blen ? alen : blen);
	if (cmp != 0)
		return cmp;
	return (alen > blen) - (alen < blen);
}

/* Copy a property usable as text; NULL if missing or not a scalar. */
static char *
macro_prop(struct json_object *props, const char *key, size_t *len)
{
	struct json_object *v;
	const char *s;

	*len = 0;
	if ((v = jsonx_get(props, key)) == NULL)
		return NULL;
	switch (json_object_get_type(v)) {
	case json_type_string:
		*len = (size_t)json_object_get_string_len(v);
		return macro_dup(json_object_get_string(v), *len);
	case json_type_int:
	case json_type_double:
	case json_type_boolean:
		s = json_object_get_string(v);
		if (s == NULL)
			return NULL;
		*len = strlen(s);
		return macro_dup(s, *len);
	default:
		return NULL;
	}
}

/* Read nodenum: a JSON number or a decimal integer string. */
static int
macro_nodenum(struct json_object *props, long long *out)
{
	struct json_object *v;
	const char *s;
	char *end;
	double d;
	long long n;

	if ((v = jsonx_get(props, "nodenum")) == NULL)
		return -1;
	switch (json_object_get_type(v)) {
	case json_type_int:
		*out = (long long)json_object_get_int64(v);
		return 0;
	case json_type_double:
		d = json_object_get_double(v);
		if (!isfinite(d) || d >= 9.2e18 || d <= -9.2e18)
			return -1;
		*out = (long long)d;
		return 0;
	case json_type_string:
		s = json_object_get_string(v);
		if ((size_t)json_object_get_string_len(v) != strlen(s))
			return -1;
		if (!((s[0] >= '0' && s[0] <= '9') ||
			((s[0] == '-' || s[0] == '+') && s[1] >= '0' &&
			    s[1] <= '9')))
			return -1;
		errno = 0;
		n = strtoll(s, &end, 10);
		if (errno != 0 || *end != '\0')
			return -1;
		*out = n;
		return 0;
	default:
		return -1;
	}
}

/* Copy what macros need of one Node object into n. */
static void
macro_node_load(struct macro_node *n, struct json_object *node)
{
	struct json_object *props;
	const char *id = jsonx_get_str(node, "id");

	memset(n, 0, sizeof *n);
	n->id = xstrdup(id != NULL ? id : "?");
	props = jsonx_get(node, "properties");
	if (!json_object_is_type(props, json_type_object))
		return;
	n->host = macro_prop(props, "hostname", &n->host_len);
	n->ip = macro_prop(props, "ipaddress", &n->ip_len);
	if (macro_nodenum(props, &n->nodenum) == 0)
		n->has_nodenum = 1;
}

/* Free the copies held by n. */
static void
macro_node_clear(struct macro_node *n)
{
	free(n->id);
	free(n->host);
	free(n->ip);
	memset(n, 0, sizeof *n);
}

/* qsort order for pairs: by name, then node index. */
static int
macro_pair_cmp(const void *a, const void *b)
{
	const struct macro_pair *pa = a, *pb = b;
	int cmp;

	cmp = macro_namecmp(pa->name, pa->name_len, pb->name, pb->name_len);
	if (cmp != 0)
		return cmp;
	return (pa->node > pb->node) - (pa->node < pb->node);
}

/* qsort order for a group: by nodenum, then node index (stable). */
static int
macro_numkey_cmp(const void *a, const void *b)
{
	const struct macro_numkey *ka = a, *kb = b;

	if (ka->nodenum != kb->nodenum)
		return (ka->nodenum > kb->nodenum) -
		    (ka->nodenum < kb->nodenum);
	return (ka->node > kb->node) - (ka->node < kb->node);
}

/* Append the (service, node) pairs of one node to *pairs. */
static void
macro_collect_services(struct json_object *node, size_t idx,
    struct macro_pair **pairs, size_t *npairs, size_t *cap)
{
	struct json_object *svcs, *s, *name;
	size_t i, n;

	svcs = jsonx_get(node, "services");
	if (!json_object_is_type(svcs, json_type_array))
		return;
	n = json_object_array_length(svcs);
	for (i = 0; i < n; i++) {
		s = json_object_array_get_idx(svcs, i);
		if (json_object_is_type(s, json_type_object)) {
			name = jsonx_get(s, "name");
			if (!json_object_is_type(name, json_type_string))
				continue;
			s = name;
		} else if (!json_object_is_type(s, json_type_string))
			continue;
		if (*npairs == *cap) {
			*cap = *cap == 0 ? 16 : *cap * 2;
			*pairs = xreallocarray(*pairs, *cap, sizeof **pairs);
		}
		(*pairs)[*npairs].name = json_object_get_string(s);
		(*pairs)[*npairs].name_len =
		    (size_t)json_object_get_string_len(s);
		(*pairs)[*npairs].node = idx;
		(*npairs)++;
	}
}

/* Build the nodenum order of one group, or note a node without one. */
static void
macro_group_sort(struct macro_cluster *c, struct macro_group *g)
{
	struct macro_numkey *keys;
	size_t i, node;

	for (i = 0; i < g->n; i++) {
		node = c->order[g->first + i];
		if (!c->nodes[node].has_nodenum) {
			g->sorted_ok = 0;
			g->bad_node = node;
			return;
		}
	}
	keys = xreallocarray(NULL, g->n, sizeof *keys);
	for (i = 0; i < g->n; i++) {
		node = c->order[g->first + i];
		keys[i].nodenum = c->nodes[node].nodenum;
		keys[i].node = node;
	}
	qsort(keys, g->n, sizeof *keys, macro_numkey_cmp);
	for (i = 0; i < g->n; i++)
		c->sorted[g->first + i] = keys[i].node;
	free(keys);
	g->sorted_ok = 1;
}

struct macro_cluster *
macro_cluster_new(struct json_object *nodes, struct json_object *target)
{
	struct macro_cluster *c;
	struct macro_pair *pairs = NULL;
	struct macro_group *g = NULL;
	struct json_object *node;
	size_t i, n, npairs = 0, cap = 0, k;

	c = xcalloc(1, sizeof *c);
	if (target != NULL && json_object_is_type(target, json_type_object)) {
		macro_node_load(&c->target, target);
		c->has_target = 1;
	}
	if (nodes == NULL || !json_object_is_type(nodes, json_type_array))
		return c;
	n = json_object_array_length(nodes);
	c->nodes = xreallocarray(NULL, n == 0 ? 1 : n, sizeof *c->nodes);
	for (i = 0; i < n; i++) {
		node = json_object_array_get_idx(nodes, i);
		if (!json_object_is_type(node, json_type_object))
			continue;
		macro_node_load(&c->nodes[c->nnodes], node);
		macro_collect_services(node, c->nnodes, &pairs, &npairs, &cap);
		c->nnodes++;
	}
	if (npairs == 0)
		goto done;

	qsort(pairs, npairs, sizeof *pairs, macro_pair_cmp);
	c->order = xreallocarray(NULL, npairs, sizeof *c->order);
	c->sorted = xreallocarray(NULL, npairs, sizeof *c->sorted);
	c->groups = xreallocarray(NULL, npairs, sizeof *c->groups);
	k = 0;
	for (i = 0; i < npairs; i++) {
		if (i > 0 && macro_pair_cmp(&pairs[i - 1], &pairs[i]) == 0)
			continue; /* a service listed twice on a node */
		if (c->ngroups == 0 ||
		    macro_namecmp(g->name, g->name_len, pairs[i].name,
			pairs[i].name_len) != 0) {
			g = &c->groups[c->ngroups++];
			g->name = macro_dup(pairs[i].name, pairs[i].name_len);
			g->name_len = pairs[i].name_len;
			g->first = k;
			g->n = 0;
		}
		c->order[k++] = pairs[i].node;
		g->n++;
	}
	for (i = 0; i < c->ngroups; i++)
		macro_group_sort(c, &c->groups[i]);

done:
	free(pairs);
	return c;
}

void
macro_cluster_free(struct macro_cluster *cluster)
{
	size_t i;

	if (cluster == NULL)
		return;
	for (i = 0; i < cluster->nnodes; i++)
		macro_node_clear(&cluster->nodes[i]);
	for (i = 0; i < cluster->ngroups; i++)
		free(cluster->groups[i].name);
	macro_node_clear(&cluster->target);
	free(cluster->nodes);
	free(cluster->groups);
	free(cluster->order);
	free(cluster->sorted);
	free(cluster);
}

const struct macro_group *
macro_find_group(const struct macro_cluster *c, const char *name, size_t len)
{
	size_t lo, hi, mid;
	int cmp;

	lo = 0;
	hi = c->ngroups;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		cmp = macro_namecmp(c->groups[mid].name,
		    c->groups[mid].name_len, name, len);
		if (cmp == 0)
			return &c->groups[mid];
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
