/* SPDX-License-Identifier: Apache-2.0 */
/*
 * solver_result.c - the solved nodes as Node JSON (LOOM-0.9-API.md 2.6):
 * rendered as text straight from the plain nodes of step C (the parts
 * that the nodes of one layout share are rendered once per layout), or
 * built as json-c objects for callers that want them.  The text is byte
 * for byte what json-c prints for those objects with
 * JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE.  Pure: no I/O.
 */
#include "config.h"

#include "solver_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "jsonsplice.h"
#include "jsonx.h"

/* How the node text is printed (json_object_to_json_string_ext flags). */
#define SOLVER_RESULT_JSON \
	(JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* Growable text buffer; data is NUL-terminated once anything is added. */
struct solver_result_buf {
	char *data;
	size_t len;
	size_t cap;
};

/* Make room for len more bytes and the NUL. */
static void
solver_result_reserve(struct solver_result_buf *b, size_t len)
{
	if (b->len + len + 1 <= b->cap)
		return;
	while (b->len + len + 1 > b->cap)
		b->cap = b->cap == 0 ? 256 : b->cap * 2;
	b->data = xrealloc(b->data, b->cap);
}

/* Append len bytes. */
static void
solver_result_add(struct solver_result_buf *b, const char *s, size_t len)
{
	solver_result_reserve(b, len);
	memcpy(b->data + b->len, s, len);
	b->len += len;
	b->data[b->len] = '\0';
}

/* Append a NUL-terminated string. */
static void
solver_result_str(struct solver_result_buf *b, const char *s)
{
	solver_result_add(b, s, strlen(s));
}

/* Append s as a JSON string literal, as json-c writes it (jsonsplice). */
static void
solver_result_quote(struct solver_result_buf *b, const char *s)
{
	solver_result_reserve(b, jsonsplice_put_string(NULL, 0, s));
	b->len = jsonsplice_put_string(b->data, b->len, s);
	b->data[b->len] = '\0';
}

/* Append the text key (a member's separator and name), then s quoted. */
static void
solver_result_member(struct solver_result_buf *b, const char *key,
    const char *s)
{
	solver_result_str(b, key);
	solver_result_quote(b, s);
}

/* Append the json-c text of o. */
static void
solver_result_json(struct solver_result_buf *b, struct json_object *o)
{
	size_t len;
	const char *s;

	s = json_object_to_json_string_length(o, SOLVER_RESULT_JSON, &len);
	solver_result_add(b, s, len);
}

/* Render the shared text of layout l of res (after its fields are set). */
void
solver_result_layout_render(const struct solver_result *res,
    struct solver_node_layout *l)
{
	struct solver_result_buf b = { NULL, 0, 0 };

	solver_result_member(&b, ",\"clusterId\":", res->cluster_id);
	solver_result_str(&b, ",\"services\":");
	solver_result_json(&b, l->services);
	solver_result_member(&b,
	    ",\"properties\":{\"hardwaretype\":", l->hardwaretype);
	solver_result_member(&b, ",\"imagetype\":", l->imagetype);
	solver_result_member(&b, ",\"flavor\":", l->flavor);
	solver_result_member(&b, ",\"image\":", l->image);
	solver_result_str(&b, ",\"nodenum\":\"");
	l->text_mid = b.data;
	l->mid_len = b.len;

	memset(&b, 0, sizeof b);
	solver_result_str(&b, ",\"automators\":");
	solver_result_json(&b, l->automators);
	solver_result_str(&b, "},\"actions\":[]}");
	l->text_tail = b.data;
	l->tail_len = b.len;
}

/* The hostname of node i (i < res->num_nodes) into out. */
void
solver_result_hostname(const struct solver_result *res, size_t i,
    char out[SOLVER_HOSTNAME_LEN])
{
	solver_step_c_hostname(out, res->clean_name, res->clean_len,
	    res->idnum, res->node[i].nodenum);
}

/* Append the Node JSON of node i. */
static void
solver_result_node(struct solver_result_buf *b,
    const struct solver_result *res, size_t i)
{
	const struct solver_node *n = &res->node[i];
	const struct solver_node_layout *l = &res->layouts[n->layout];
	char host[SOLVER_HOSTNAME_LEN], num[24];
	int nlen;

	solver_result_add(b, "{\"id\":", 6);
	solver_result_quote(b, n->id);
	solver_result_add(b, l->text_mid, l->mid_len);
	nlen = snprintf(num, sizeof num, "%" PRId64, n->nodenum);
	solver_result_add(b, num, (size_t)nlen);
	solver_result_add(b, "\",\"hostname\":", 13);
	solver_result_hostname(res, i, host);
	solver_result_quote(b, host);
	solver_result_add(b, l->text_tail, l->tail_len);
}

char *
solver_result_node_json(const struct solver_result *res, size_t i, size_t *len)
{
	struct solver_result_buf b = { NULL, 0, 0 };

	solver_result_node(&b, res, i);
	if (len != NULL)
		*len = b.len;
	return b.data;
}

char *
solver_result_nodes_text(const struct solver_result *res, size_t *len)
{
	struct solver_result_buf b = { NULL, 0, 0 };
	size_t i, est = 2;

	for (i = 0; i < res->num_layouts; i++)
		est += res->layouts[i].mid_len + res->layouts[i].tail_len;
	/* a first guess: every layout's share, plus ids and hostnames */
	solver_result_reserve(&b, est + res->num_nodes * 128);
	solver_result_add(&b, "[", 1);
	for (i = 0; i < res->num_nodes; i++) {
		if (i != 0)
			solver_result_add(&b, ",", 1);
		solver_result_node(&b, res, i);
	}
	solver_result_add(&b, "]", 1);
	if (len != NULL)
		*len = b.len;
	return b.data;
}

struct json_object *
solver_result_nodes_json(const struct solver_result *res)
{
	const struct solver_node_layout *l;
	const struct solver_node *n;
	struct json_object *nodes, *node, *props, *cid;
	struct json_object *shared[4] = { NULL, NULL, NULL, NULL };
	char host[SOLVER_HOSTNAME_LEN], num[24];
	size_t i, k, last = SIZE_MAX;

	nodes = jsonx_new_array_ext(res->num_nodes);
	cid = jsonx_new_string(res->cluster_id != NULL ? res->cluster_id : "");
	for (i = 0; i < res->num_nodes; i++) {
		n = &res->node[i];
		l = &res->layouts[n->layout];
		if (n->layout != last) {
			for (k = 0; k < 4; k++)
				json_object_put(shared[k]);
			shared[0] = jsonx_new_string(l->hardwaretype);
			shared[1] = jsonx_new_string(l->imagetype);
			shared[2] = jsonx_new_string(l->flavor);
			shared[3] = jsonx_new_string(l->image);
			last = n->layout;
		}
		node = jsonx_new_object();
		jsonx_append(nodes, node);
		jsonx_add_new(node, "id", jsonx_new_string(n->id));
		jsonx_add_new(node, "clusterId", json_object_get(cid));
		jsonx_add_new(node, "services", json_object_get(l->services));
		props = jsonx_new_object();
		jsonx_add_new(node, "properties", props);
		jsonx_add_new(props, "hardwaretype",
		    json_object_get(shared[0]));
		jsonx_add_new(props, "imagetype", json_object_get(shared[1]));
		jsonx_add_new(props, "flavor", json_object_get(shared[2]));
		jsonx_add_new(props, "image", json_object_get(shared[3]));
		snprintf(num, sizeof num, "%" PRId64, n->nodenum);
		jsonx_add_new(props, "nodenum", jsonx_new_string(num));
		solver_result_hostname(res, i, host);
		jsonx_add_new(props, "hostname", jsonx_new_string(host));
		jsonx_add_new(props, "automators",
		    json_object_get(l->automators));
		jsonx_add_new(node, "actions", jsonx_new_array_ext(0));
	}
	for (k = 0; k < 4; k++)
		json_object_put(shared[k]);
	json_object_put(cid);
	return nodes;
}

/* Release what the plain nodes of res own (not res itself). */
void
solver_result_clear_nodes(struct solver_result *res)
{
	struct solver_node_layout *l;
	size_t i;

	for (i = 0; i < res->num_layouts; i++) {
		l = &res->layouts[i];
		json_object_put(l->services);
		json_object_put(l->automators);
		free(l->hardwaretype);
		free(l->imagetype);
		free(l->flavor);
		free(l->image);
		free(l->text_mid);
		free(l->text_tail);
	}
	free(res->layouts);
	free(res->node);
	free(res->cluster_id);
	free(res->clean_name);
	res->layouts = NULL;
	res->node = NULL;
	res->cluster_id = res->clean_name = NULL;
	res->num_layouts = 0;
}
