/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_solver.c - libFuzzer target for the layout solver: the input is
 * parsed as a cluster template (json-c), turned into solver input against a
 * fixed small catalogue (the joyent provider, hardware types, image types
 * and services of loom-fixtures/solver-catalogue.json, with "reactor"
 * depending on nothing so that both reactor templates solve, plus the
 * services of the reactor template and a few with actions) and solved for
 * a few small cluster sizes with a small step bound.  A result that breaks
 * the solver's invariants aborts.  Build with "make fuzz" (clang), which
 * compiles it with the solver's sources (solver*.c) and the modules they use.
 */
#include "config.h"

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "solver.h"

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_MAX_STEPS 2000

static const char fuzz_catalogue_text[] =
    "{\"providers\":[{\"name\":\"joyent\",\"description\":"
    "\"joyent provider\",\"providertype\":\"joyent\",\"provisioner\":{}}],"
    "\"hardwaretypes\":["
    "{\"name\":\"small\",\"providermap\":{\"joyent\":"
    "{\"flavor\":\"Small 2GB\"}}},"
    "{\"name\":\"medium\",\"providermap\":{\"joyent\":"
    "{\"flavor\":\"Medium 4GB\"}}},"
    "{\"name\":\"large-mem\",\"providermap\":{\"joyent\":"
    "{\"flavor\":\"Large 32GB\"}}},"
    "{\"name\":\"large-cpu\",\"providermap\":{\"joyent\":"
    "{\"flavor\":\"Large 16GB\"}}}],"
    "\"imagetypes\":["
    "{\"name\":\"centos6\",\"providermap\":{\"joyent\":{\"image\":"
    "\"joyent-hash-of-centos6.4\"}}},"
    "{\"name\":\"ubuntu12\",\"providermap\":{\"joyent\":{\"image\":"
    "\"joyent-hash-of-ubuntu12\"}}}],"
    "\"services\":[],\"clustertemplates\":[]}";

/* The services without actions: name and dependson (JSON), in order. */
static const char *const fuzz_plain_services[][2] = {
	{ "namenode", "[]" },
	{ "datanode", "[\"namenode\"]" },
	{ "resourcemanager", "[\"datanode\"]" },
	{ "nodemanager", "[\"resourcemanager\"]" },
	{ "hbasemaster", "[\"zookeeper\",\"datanode\"]" },
	{ "regionserver", "[\"hbasemaster\"]" },
	{ "zookeeper", "[]" },
	{ "reactor", "[]" },
	{ "firewall", "[]" },
	{ "hosts", "[]" },
	{ "hadoop-hdfs-namenode", "[]" },
	{ "hadoop-hdfs-datanode", "[]" },
	{ "hadoop-yarn-resourcemanager", "[]" },
	{ "hadoop-yarn-nodemanager", "[]" },
	{ "zookeeper-server", "[]" },
	{ "hbase-master", "[]" },
	{ "hbase-regionserver", "[]" },
	{ "a", "[]" },
	{ "b", "[]" },
	{ "c", "[]" },
};

/* The services with actions, after those. */
static const char fuzz_action_services[] =
    "[{\"name\":\"svc1\",\"dependson\":[],\"provisioner\":{\"actions\":{"
    "\"install\":{\"type\":\"chef\",\"script\":\"x\"},"
    "\"start\":{\"type\":\"shell\"}}}},"
    "{\"name\":\"svc2\",\"dependson\":[\"svc1\"],\"provisioner\":"
    "{\"actions\":{\"configure\":{\"type\":\"chef\"}}}},"
    "{\"name\":\"svc3\",\"dependson\":[],\"provisioner\":"
    "{\"actions\":{}}}]";

static struct json_object *fuzz_catalogue_json;
static struct solver_catalogue fuzz_catalogue;

/* Deterministic node ids. */
static int
fuzz_node_id(void *arg, char id[SOLVER_NODE_ID_LEN])
{
	unsigned *n = arg;

	snprintf(id, SOLVER_NODE_ID_LEN, "node-%u", (*n)++);
	return 0;
}

/* JSON text that must parse (the caller puts it). */
static struct json_object *
fuzz_parse(const char *text)
{
	struct json_object *o = json_tokener_parse(text);

	if (o == NULL)
		abort();
	return o;
}

/* The catalogue export: the fixed part, then the services of the two
 * tables (the caller puts it). */
static struct json_object *
fuzz_catalogue_export(void)
{
	struct json_object *cat, *svcs, *svc, *prov, *acts;
	size_t i;

	cat = fuzz_parse(fuzz_catalogue_text);
	if (!json_object_object_get_ex(cat, "services", &svcs))
		abort();
	for (i = 0;
	     i < sizeof fuzz_plain_services / sizeof fuzz_plain_services[0];
	     i++) {
		svc = json_object_new_object();
		json_object_object_add(svc, "name",
		    json_object_new_string(fuzz_plain_services[i][0]));
		json_object_object_add(svc, "description",
		    json_object_new_string(""));
		json_object_object_add(svc, "dependson",
		    fuzz_parse(fuzz_plain_services[i][1]));
		prov = json_object_new_object();
		json_object_object_add(prov, "actions",
		    json_object_new_object());
		json_object_object_add(svc, "provisioner", prov);
		json_object_array_add(svcs, svc);
	}
	acts = fuzz_parse(fuzz_action_services);
	for (i = 0; i < json_object_array_length(acts); i++)
		json_object_array_add(svcs,
		    json_object_get(json_object_array_get_idx(acts, i)));
	json_object_put(acts);
	return cat;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_catalogue_json = fuzz_catalogue_export();
	solver_catalogue_from_export(&fuzz_catalogue, fuzz_catalogue_json);
	return 0;
}

/* Abort unless res is a plausible answer for n machines. */
static void
fuzz_check(const struct solver_result *res, int64_t n)
{
	struct json_object *node, *props, *v;
	size_t i;

	if (res->num_nodes != (size_t)n ||
	    json_object_array_length(res->nodes) != (size_t)n)
		abort();
	for (i = 0; i < res->num_nodes; i++) {
		node = json_object_array_get_idx(res->nodes, i);
		if (!json_object_object_get_ex(node, "properties", &props) ||
		    !json_object_object_get_ex(props, "nodenum", &v) ||
		    atoll(json_object_get_string(v)) !=
			SOLVER_FIRST_NODENUM + (long long)i ||
		    !json_object_object_get_ex(props, "hostname", &v) ||
		    strlen(json_object_get_string(v)) > 255)
			abort();
	}
	(void)json_object_to_json_string(res->nodes);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int64_t sizes[] = { 1, 3, 8 };
	struct json_tokener *tok;
	struct json_object *tmpl;
	struct solver_input *in = NULL;
	struct solver_request req;
	struct solver_result *res;
	struct solver_options opts;
	char err[LOOMD_ERR_LEN];
	unsigned counter = 0;
	size_t i;

	if (size > 65536)
		return 0;
	if ((tok = json_tokener_new()) == NULL)
		abort();
	tmpl = json_tokener_parse_ex(tok, (const char *)data, (int)size);
	json_tokener_free(tok);
	if (tmpl == NULL)
		return 0;
	if (solver_input_from_json(&in, tmpl, &fuzz_catalogue, err) != 0) {
		json_object_put(tmpl);
		return 0;
	}
	solver_options_init(&opts);
	opts.max_steps = FUZZ_MAX_STEPS;
	opts.node_id = fuzz_node_id;
	opts.node_id_arg = &counter;
	for (i = 0; i < sizeof sizes / sizeof sizes[0] + 1; i++) {
		memset(&req, 0, sizeof req);
		req.cluster_id = "00000001";
		req.name = "fuzz_cluster.x";
		req.num_machines = i < 3 ? sizes[i] : 2;
		req.lease_duration = i < 3 ? -1 : 0;
		/* the seeds name providers outside the catalogue */
		req.provider = i == 1 ? NULL : "joyent";
		if (i == 3) {
			req.hardwaretype = "medium";
			req.imagetype = "ubuntu12";
		}
		if (solver_input_solve(in, &req, &opts, &res, err) == 0 &&
		    res != NULL) {
			fuzz_check(res, req.num_machines);
			solver_result_free(res);
		}
	}
	solver_input_free(in);
	json_object_put(tmpl);
	return 0;
}
