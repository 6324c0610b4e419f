/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_macro.c - libFuzzer target for the macro module: the input bytes go
 * through the parser (one macro body, a whole text, the validator) and the
 * expander (as a string and inside a JSON tree) against the fixed 5-node
 * cluster of the Loom 0.9 macro tests (foo, bar, one, two, thr), with each
 * node in turn as the target.  Build:
 *   clang -fsanitize=fuzzer,address,undefined -I<dir with config.h> \
 *     -Isrc $(pkg-config --cflags json-c) fuzz/fuzz_macro.c src/macro.c \
 *     src/log.c src/xmem.c $(pkg-config --libs json-c)
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common.h"
#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* macro-cases.json "cluster_nodes", in ascending node id. */
static const char fuzz_macro_nodes[] =
    "["
    "{\"id\":\"bar\",\"services\":[\"svc1\"],\"properties\":"
    "{\"hostname\":\"rab\",\"ipaddress\":\"9.6.8.1\",\"nodenum\":\"5\"}},"
    "{\"id\":\"foo\",\"services\":[\"svc1\",\"svc2\"],\"properties\":"
    "{\"hostname\":\"oof\",\"ipaddress\":\"9.7.8.4\",\"nodenum\":\"0\"}},"
    "{\"id\":\"one\",\"services\":[\"svc1\"],\"properties\":"
    "{\"hostname\":\"eno\",\"ipaddress\":\"9.1.3.4\",\"nodenum\":\"8\"}},"
    "{\"id\":\"thr\",\"services\":[\"svc3\"],\"properties\":"
    "{\"ipaddress\":\"9.6.8.8\",\"nodenum\":\"10\"}},"
    "{\"id\":\"two\",\"services\":[\"svc2\"],\"properties\":"
    "{\"hostname\":\"owt\",\"nodenum\":\"9\"}}]";

#define FUZZ_MACRO_NNODES 5

static struct macro_cluster *fuzz_macro_clusters[FUZZ_MACRO_NNODES + 1];

/* Build one context per target node, plus one without a target. */
static void
fuzz_macro_init(void)
{
	struct json_object *nodes;
	int i;

	nodes = json_tokener_parse(fuzz_macro_nodes);
	if (nodes == NULL)
		abort();
	for (i = 0; i < FUZZ_MACRO_NNODES; i++)
		fuzz_macro_clusters[i] = macro_cluster_new(nodes,
		    json_object_array_get_idx(nodes, (size_t)i));
	fuzz_macro_clusters[FUZZ_MACRO_NNODES] =
	    macro_cluster_new(nodes, NULL);
	json_object_put(nodes);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const struct macro_cluster *cl;
	struct macro_expr e;
	struct macro_list *l;
	struct json_object *tree, *arr;
	enum macro_error_kind kind, kind2;
	char err[LOOMD_ERR_LEN], *out, *val;
	size_t outlen;
	int changed, rc, rc2;

	if (fuzz_macro_clusters[0] == NULL)
		fuzz_macro_init();
	cl = fuzz_macro_clusters[size % (FUZZ_MACRO_NNODES + 1)];

	/* The whole input as one macro body, then evaluated. */
	if (macro_parse_expr(text, size, &e, NULL, err) == 0) {
		if (macro_expr_eval(cl, &e, &val, NULL, err) == 0)
			free(val);
	}
	macro_expr_clear(&e);

	/* Validation and list parsing must agree with each other. */
	kind = kind2 = MACRO_ERR_NONE;
	rc = macro_validate(text, size, &kind, err);
	rc2 = macro_list_parse(text, size, &l, &kind2, err);
	if (rc != rc2 || kind != kind2)
		abort();
	if (rc == 0 && (l == NULL || l->len != size || l->tail_off > size))
		abort();
	macro_list_free(l);

	/*
	 * Expansion of the text.  Invalid syntax must fail it, maybe first
	 * with an incomplete-cluster error of an earlier macro (macros are
	 * evaluated as they are parsed, as in Java); valid syntax must not
	 * give a syntax error.
	 */
	kind = MACRO_ERR_NONE;
	rc2 = macro_expand_string(cl, text, size, &out, &outlen, &changed,
	    &kind, err);
	if (rc2 == 0) {
		if (out == NULL || out[outlen] != '\0')
			abort();
		if (!changed &&
		    (outlen != size || memcmp(out, text, size) != 0))
			abort();
		if (rc != 0)
			abort();
		free(out);
	} else if (out != NULL || (rc == 0 && kind == MACRO_ERR_SYNTAX))
		abort();

	/* The same text inside a JSON tree, twice. */
	tree = json_object_new_object();
	arr = json_object_new_array();
	json_object_array_add(arr,
	    json_object_new_string_len(text, (int)size));
	json_object_array_add(arr, json_object_new_int(1));
	json_object_object_add(tree, "a", arr);
	json_object_object_add(tree, "b",
	    json_object_new_string_len(text, (int)size));
	rc = macro_expand_json(cl, tree, NULL, &changed, &kind, err);
	if ((rc2 != 0 && rc == 0) ||
	    (rc2 == 0 && rc != 0 && kind != MACRO_ERR_TOO_LARGE))
		abort();
	json_object_put(tree);
	return 0;
}
