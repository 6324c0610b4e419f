/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_taskconfig.c - unit tests of the task config (LOOM-0.9-API.md
 * section 3.6): TaskConfigTest.testConfig (default and user cluster config,
 * service section, node properties, automators, provider), the one-machine
 * default config of LoomClusterHandlerTest, hardware tasks, services
 * without the action, and the submit-time node properties and "nodes" map.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <json-c/json.h>

#include "cluster_view.h"
#include "common.h"
#include "fixture_data.h"
#include "planner.h"
#include "taskconfig.h"
#include "unit_json.h"

/* The entity named name in the array of a catalogue export (borrowed). */
static struct json_object *
entity(struct json_object *cat, const char *kind, const char *name)
{
	return fx_data_find(fx_data_get(cat, kind), "name", name);
}

/* Assert that config's top-level keys are exactly keys, in order. */
static void
assert_keys(struct json_object *config, const char *const *keys)
{
	size_t i = 0;

	json_object_object_foreach (config, key, val) {
		(void)val;
		cr_assert_not_null(keys[i], "extra key %s", key);
		cr_assert_str_eq(key, keys[i]);
		i++;
	}
	cr_assert_null(keys[i], "missing key %s", keys[i]);
}

/* The services of TaskConfigTest (s1 datanode, s2 namenode, s3 hosts). */
static const char TC_S1[] =
    "{\"name\":\"datanode\",\"description\":\"hadoop datanode\","
    "\"dependson\":[\"namenode\"],\"provisioner\":{\"actions\":{"
    "\"install\":{\"type\":\"chef\",\"script\":\"install recipe\","
    "\"data\":\"{\\\"foo\\\": { \\\"bar\\\": \\\"baz\\\" } }\"},"
    "\"remove\":{\"type\":\"shell\",\"script\":\"remove recipe\","
    "\"data\":\"arbitrary data\"}}}}";
static const char TC_S2[] =
    "{\"name\":\"namenode\",\"description\":\"hadoop namenode\","
    "\"dependson\":[\"hosts\"],\"provisioner\":{\"actions\":{"
    "\"install\":{\"type\":\"chef\",\"script\":\"install recipe\"},"
    "\"remove\":{\"type\":\"chef\",\"script\":\"remove recipe\","
    "\"data\":\"arbitrary data\"},"
    "\"configure\":{\"type\":\"chef\",\"script\":\"configure recipe\"}}}}";

/* TaskConfigTest's provider openstack-central. */
static const char TC_PROVIDER[] =
    "{\"name\":\"openstack-central\",\"description\":\"Default provider\","
    "\"providertype\":\"openstack\",\"provisioner\":{\"auth\":{"
    "\"openstack_api_url\":\"http://1.2.3.4:5000/v2.0/tokens\","
    "\"openstack_username\":\"user\"}}}";

/* What follows "cluster" in both expected configs below. */
#define TC_REST \
	"\"service\":{\"name\":\"datanode\",\"action\":{\"type\":\"chef\"," \
	"\"script\":\"install recipe\"," \
	"\"data\":\"{\\\"foo\\\": { \\\"bar\\\": \\\"baz\\\" } }\"}}," \
	"\"flavor\":\"5\",\"hostname\":\"node1.loom.continuuity.net\"," \
	"\"bootstrap_keypair\":\"iad-root\"," \
	"\"image\":\"f70ed7c7-b42e-4d77-83d8-40fa29825b85\"," \
	"\"automators\":[\"chef\",\"shell\"]," \
	"\"provider\":" \
	"{\"name\":\"openstack-central\"," \
	"\"description\":\"Default provider\"," \
	"\"providertype\":\"openstack\"," \
	"\"provisioner\":{\"auth\":{" \
	"\"openstack_api_url\":\"http://1.2.3.4:5000/v2.0/tokens\"," \
	"\"openstack_username\":\"user\"}}}}"

/*
 * DEFAULT_CONFIG of TaskConfigTest.testConfig (\u0027 written as ').  The
 * Java Node constructor adds automators ["chef","shell"] from s1 and s2.
 */
static const char TC_DEFAULT_CONFIG[] =
    "{\"cluster\":{\"hadoop\":{\"core_site\":{\"fs.defaultFS\":"
    "\"hdfs://%host.service.hadoop-hdfs-namenode%\"},\"yarn_site\":{"
    "\"yarn.resourcemanager.hostname\":"
    "\"%host.service.hadoop-yarn-resourcemanager%\"}},\"hbase\":{"
    "\"hbase_site\":{\"hbase.rootdir\":"
    "\"hdfs://%host.service.hadoop-hdfs-namenode%/hbase\","
    "\"hbase.zookeeper.quorum\":"
    "\"%join(map(host.service.zookeeper-server,'$:2181'),',')%\"}}}," TC_REST;

/* USER_CONFIG: the user config holds only the "hadoop" part. */
static const char TC_USER_CONFIG[] =
    "{\"cluster\":{\"hadoop\":{\"core_site\":{\"fs.defaultFS\":"
    "\"hdfs://%host.service.hadoop-hdfs-namenode%\"},\"yarn_site\":{"
    "\"yarn.resourcemanager.hostname\":"
    "\"%host.service.hadoop-yarn-resourcemanager%\"}}}," TC_REST;

/*
 * TaskConfigTest's cluster: template hadoop-dev whose default config is
 * Entities.ClusterTemplateExample.clusterConf (taken from the solver
 * catalogue's reactor-medium template), user config as given (or none).
 */
static struct json_object *
tc_cluster(struct json_object *user_config)
{
	struct json_object *cat, *cluster, *tmpl, *defaults;

	cat = fx_data_loom("solver-catalogue.json");
	cluster = json_object_new_object();
	json_object_object_add(cluster, "id", json_object_new_string("1"));
	json_object_object_add(cluster, "name",
	    json_object_new_string("cluster1"));
	json_object_object_add(cluster, "provider", uj_parse(TC_PROVIDER));
	tmpl = json_object_new_object();
	json_object_object_add(tmpl, "name",
	    json_object_new_string("hadoop-dev"));
	defaults = json_object_new_object();
	json_object_object_add(defaults, "services",
	    uj_parse(
		"[\"namenode\",\"datanode\",\"resourcemanager\",\"nodemanager\"]"));
	json_object_object_add(defaults, "provider",
	    json_object_new_string("openstack1"));
	json_object_object_add(defaults, "config",
	    json_object_get(
		fx_data_get(fx_data_get(entity(cat, "clustertemplates",
					    "reactor-medium"),
				"defaults"),
		    "config")));
	json_object_object_add(tmpl, "defaults", defaults);
	json_object_object_add(cluster, "clusterTemplate", tmpl);
	json_object_object_add(cluster, "nodes",
	    uj_parse("[\"node1\",\"node2\"]"));
	json_object_object_add(cluster, "services",
	    uj_parse("[\"datanode\",\"namenode\",\"hosts\"]"));
	json_object_object_add(cluster, "config",
	    user_config != NULL ? user_config : json_object_new_object());
	json_object_put(cat);
	return cluster;
}

/* TaskConfigTest's node1 with services s1, s2. */
static struct json_object *
tc_node1(void)
{
	struct json_object *node, *svcs;

	node = json_object_new_object();
	json_object_object_add(node, "id", json_object_new_string("node1"));
	json_object_object_add(node, "clusterId", json_object_new_string("1"));
	svcs = json_object_new_array();
	json_object_array_add(svcs, uj_parse(TC_S1));
	json_object_array_add(svcs, uj_parse(TC_S2));
	json_object_object_add(node, "services", svcs);
	json_object_object_add(node, "properties",
	    uj_parse(
		"{\"flavor\":\"5\",\"hostname\":\"node1.loom.continuuity.net\","
		"\"bootstrap_keypair\":\"iad-root\","
		"\"image\":\"f70ed7c7-b42e-4d77-83d8-40fa29825b85\","
		"\"automators\":[\"chef\",\"shell\"]}"));
	json_object_object_add(node, "actions", json_object_new_array());
	return node;
}

Test(taskconfig, default_config)
{
	struct json_object *cluster, *node, *config, *want;
	char err[LOOMD_ERR_LEN];
	const char *const keys[] = { "cluster", "service", "flavor",
		"hostname", "bootstrap_keypair", "image", "automators",
		"provider", NULL };

	cluster = tc_cluster(NULL);
	node = tc_node1();
	cr_assert_eq(taskconfig_build(cluster, node, "datanode",
			 PLANNER_ACTION_INSTALL, &config, err),
	    0, "%s", err);
	cr_assert_not_null(config);
	want = uj_parse(TC_DEFAULT_CONFIG);
	cr_assert(json_object_equal(config, want), "got %s",
	    json_object_to_json_string(config));
	assert_keys(config, keys);

	/* The result owns its objects: changing it leaves the inputs. */
	json_object_object_add(fx_data_get(config, "cluster"), "x",
	    json_object_new_int(1));
	json_object_object_add(fx_data_get(config, "provider"), "x",
	    json_object_new_int(1));
	cr_assert_not(json_object_object_get_ex(
	    fx_data_get(fx_data_get(fx_data_get(cluster, "clusterTemplate"),
			    "defaults"),
		"config"),
	    "x", NULL));
	cr_assert_not(
	    json_object_object_get_ex(fx_data_get(cluster, "provider"), "x",
		NULL));
	json_object_put(want);
	json_object_put(config);
	json_object_put(node);
	json_object_put(cluster);
}

Test(taskconfig, user_config)
{
	struct json_object *conf, *cluster, *node, *config, *want;
	struct json_object *user;
	char err[LOOMD_ERR_LEN];

	conf = tc_cluster(NULL);
	user = json_object_new_object();
	json_object_object_add(user, "hadoop",
	    json_object_get(
		fx_data_get(fx_data_get(fx_data_get(fx_data_get(conf,
							"clusterTemplate"),
					    "defaults"),
				"config"),
		    "hadoop")));
	json_object_put(conf);
	cluster = tc_cluster(user);
	node = tc_node1();
	cr_assert_eq(taskconfig_build(cluster, node, "datanode",
			 PLANNER_ACTION_INSTALL, &config, err),
	    0, "%s", err);
	want = uj_parse(TC_USER_CONFIG);
	cr_assert(json_object_equal(config, want), "got %s",
	    json_object_to_json_string(config));
	json_object_put(want);
	json_object_put(config);
	json_object_put(node);
	json_object_put(cluster);
}

Test(taskconfig, service_action_without_data)
{
	struct json_object *cluster, *node, *config, *want;
	char err[LOOMD_ERR_LEN];

	/* namenode's configure action has no data: none in the section. */
	cluster = tc_cluster(NULL);
	node = tc_node1();
	cr_assert_eq(taskconfig_build(cluster, node, "namenode",
			 PLANNER_ACTION_CONFIGURE, &config, err),
	    0, "%s", err);
	want = uj_parse("{\"name\":\"namenode\",\"action\":{\"type\":\"chef\","
			"\"script\":\"configure recipe\"}}");
	cr_assert(json_object_equal(fx_data_get(config, "service"), want),
	    "got %s",
	    json_object_to_json_string(fx_data_get(config, "service")));
	json_object_put(want);
	json_object_put(config);

	/* datanode does not define configure: no config, task skipped. */
	config = (struct json_object *)1;
	cr_assert_eq(taskconfig_build(cluster, node, "datanode",
			 PLANNER_ACTION_CONFIGURE, &config, err),
	    0, "%s", err);
	cr_assert_null(config);

	/* A service that is not on the node is an error. */
	cr_assert_eq(taskconfig_build(cluster, node, "hosts",
			 PLANNER_ACTION_CONFIGURE, &config, err),
	    -1);
	cr_assert_null(config);
	cr_assert_str_eq(err, "service hosts is not on node node1");
	cr_assert_eq(taskconfig_build(cluster, NULL, NULL,
			 PLANNER_ACTION_CREATE, &config, err),
	    -1);
	json_object_put(node);
	json_object_put(cluster);
}

Test(taskconfig, hardware_task)
{
	struct json_object *cluster, *node, *config;
	char err[LOOMD_ERR_LEN];
	const char *const keys[] = { "cluster", "flavor", "hostname",
		"bootstrap_keypair", "image", "automators", "provider", NULL };

	cluster = tc_cluster(NULL);
	node = tc_node1();
	cr_assert_eq(taskconfig_build(cluster, node, "", PLANNER_ACTION_CREATE,
			 &config, err),
	    0, "%s", err);
	cr_assert_not_null(config);
	assert_keys(config, keys);
	json_object_put(config);
	cr_assert_eq(taskconfig_build(cluster, node, NULL,
			 PLANNER_ACTION_DELETE, &config, err),
	    0, "%s", err);
	assert_keys(config, keys);
	json_object_put(config);
	json_object_put(node);
	json_object_put(cluster);
}

Test(taskconfig, one_machine_default_config)
{
	struct json_object *cat, *cluster, *node, *config, *want;
	char err[LOOMD_ERR_LEN];

	/*
	 * LoomClusterHandlerTest.testClusterStatus: the cluster of the
	 * one-machine template has no user config, so every task's
	 * "cluster" is {"defaultconfig":"value1"}; no provider data.
	 */
	cat = fx_data_loom("cluster-handler-fixtures.json");
	cluster = json_object_new_object();
	json_object_object_add(cluster, "provider",
	    json_object_get(entity(cat, "providers", "joyent")));
	json_object_object_add(cluster, "clusterTemplate",
	    json_object_get(entity(cat, "clustertemplates", "one-machine")));
	json_object_object_add(cluster, "config", json_object_new_object());
	node = uj_parse("{\"id\":\"n1\",\"services\":[],\"properties\":{"
			"\"hostname\":\"c-1-1000.local\",\"nodenum\":\"1000\","
			"\"automators\":[]}}");
	json_object_array_add(fx_data_get(node, "services"),
	    json_object_get(entity(cat, "services", "zookeeper")));
	cr_assert_eq(taskconfig_build(cluster, node, NULL,
			 PLANNER_ACTION_CONFIRM, &config, err),
	    0, "%s", err);
	want = uj_parse("{\"defaultconfig\":\"value1\"}");
	cr_assert(json_object_equal(fx_data_get(config, "cluster"), want));
	cr_assert(json_object_equal(fx_data_get(config, "provider"),
	    entity(cat, "providers", "joyent")));
	cr_assert_str_eq(json_object_get_string(
			     fx_data_get(config, "nodenum")),
	    "1000");
	json_object_put(want);
	json_object_put(config);

	/* testUserConfig: a user config replaces the default one. */
	json_object_object_add(cluster, "config",
	    uj_parse("{\"userconfig\":\"value2\"}"));
	cr_assert_eq(taskconfig_build(cluster, node, NULL,
			 PLANNER_ACTION_CREATE, &config, err),
	    0, "%s", err);
	want = uj_parse("{\"userconfig\":\"value2\"}");
	cr_assert(json_object_equal(fx_data_get(config, "cluster"), want));
	json_object_put(want);
	json_object_put(config);

	/* No provider and no template config: "cluster" {} and no key. */
	json_object_object_del(cluster, "provider");
	json_object_object_del(cluster, "clusterTemplate");
	json_object_object_add(cluster, "config", json_object_new_object());
	cr_assert_eq(taskconfig_build(cluster, node, NULL,
			 PLANNER_ACTION_CREATE, &config, err),
	    0, "%s", err);
	cr_assert_eq(json_object_object_length(fx_data_get(config, "cluster")),
	    0);
	cr_assert_not(json_object_object_get_ex(config, "provider", NULL));
	json_object_put(config);
	json_object_put(node);
	json_object_put(cluster);
	json_object_put(cat);
}

Test(taskconfig, property_overrides)
{
	struct json_object *cluster, *node, *config;
	char err[LOOMD_ERR_LEN];

	/* Properties go after "cluster"/"service" and may replace them. */
	cluster =
	    uj_parse("{\"config\":{\"a\":1},\"provider\":{\"name\":\"p\"}}");
	node = uj_parse("{\"id\":\"n\",\"properties\":{\"cluster\":\"c\","
			"\"provider\":\"q\",\"ipaddress\":\"1.2.3.4\"}}");
	cr_assert_eq(taskconfig_build(cluster, node, NULL,
			 PLANNER_ACTION_BOOTSTRAP, &config, err),
	    0, "%s", err);
	cr_assert_str_eq(json_object_get_string(
			     fx_data_get(config, "cluster")),
	    "c");
	/* The provider is added last. */
	cr_assert(json_object_is_type(fx_data_get(config, "provider"),
	    json_type_object));
	cr_assert_str_eq(json_object_get_string(
			     fx_data_get(config, "ipaddress")),
	    "1.2.3.4");
	json_object_put(config);
	json_object_put(node);
	json_object_put(cluster);
}

Test(taskconfig, nodes_map_and_submit)
{
	struct json_object *nodes, *map, *want, *cluster, *config, *node;
	char err[LOOMD_ERR_LEN];

	nodes = uj_parse(
	    "[{\"id\":\"n1\",\"properties\":{\"hostname\":\"h1\","
	    "\"nodenum\":\"1000\",\"flavor\":\"5\",\"automators\":[\"chef\"],"
	    "\"ipaddress\":\"10.0.0.1\"}},"
	    "{\"id\":\"n2\",\"properties\":{\"hostname\":\"h2\","
	    "\"nodenum\":\"1001\"}},"
	    "{\"id\":\"n3\"}]");
	map = taskconfig_nodes_map(nodes);
	want = uj_parse(
	    "{\"n1\":{\"ipaddress\":\"10.0.0.1\",\"hostname\":\"h1\","
	    "\"nodenum\":\"1000\",\"automators\":[\"chef\"]},"
	    "\"n2\":{\"hostname\":\"h2\",\"nodenum\":\"1001\"},\"n3\":{}}");
	cr_assert(json_object_equal(map, want), "got %s",
	    json_object_to_json_string(map));
	json_object_put(want);

	/* Plan time, before the node got its ip address. */
	cluster = uj_parse("{\"config\":{},\"clusterTemplate\":{\"defaults\":{"
			   "\"config\":{\"k\":\"%host.service.s%\"}}}}");
	node =
	    uj_parse("{\"id\":\"n2\",\"properties\":{\"hostname\":\"h2\"}}");
	cr_assert_eq(taskconfig_build(cluster, node, NULL,
			 PLANNER_ACTION_BOOTSTRAP, &config, err),
	    0, "%s", err);
	cr_assert_not(json_object_object_get_ex(config, "ipaddress", NULL));
	cr_assert_not(json_object_object_get_ex(config, "nodes", NULL));

	/* Submit time: properties re-copied, the map shared. */
	json_object_object_add(fx_data_get(node, "properties"), "ipaddress",
	    json_object_new_string("10.0.0.2"));
	json_object_object_add(fx_data_get(node, "properties"), "hostname",
	    json_object_new_string("h2b"));
	taskconfig_prepare_submit(config, node, map);
	cr_assert_str_eq(json_object_get_string(
			     fx_data_get(config, "ipaddress")),
	    "10.0.0.2");
	cr_assert_str_eq(json_object_get_string(
			     fx_data_get(config, "hostname")),
	    "h2b");
	cr_assert_eq(fx_data_get(config, "nodes"), map);
	json_object_put(map); /* config still holds it */
	cr_assert_eq(json_object_object_length(fx_data_get(config, "nodes")),
	    3);
	/* The unexpanded macro is left for the caller. */
	cr_assert_str_eq(json_object_get_string(
			     fx_data_get(fx_data_get(config, "cluster"), "k")),
	    "%host.service.s%");
	taskconfig_prepare_submit(config, node, NULL);
	taskconfig_prepare_submit(NULL, node, NULL);
	json_object_put(config);
	json_object_put(node);
	json_object_put(cluster);
	json_object_put(nodes);

	map = taskconfig_nodes_map(NULL);
	cr_assert_eq(json_object_object_length(map), 0);
	json_object_put(map);
}

/*
 * The map kept per job and added at take time gives the provisioner the
 * very text an inline map gave: same members, same order, "nodes" last.
 */
Test(taskconfig, nodes_added_at_take_time)
{
	struct json_object *nodes, *map, *node, *inline_cfg, *kept_cfg;
	const char *cfgs[] = {
		"{\"cluster\":{\"a\":1},\"service\":{\"name\":\"s\"},"
		"\"hostname\":\"old\",\"provider\":{\"name\":\"p\"}}",
		"{}",
		"{\"k\":[1,{\"}\":\"{\"}]}",
	};
	char *want, *got, *kept, *map_text;
	size_t i;

	nodes = uj_parse("[{\"id\":\"n1\",\"properties\":{\"hostname\":\"h1\","
			 "\"nodenum\":\"1000\"}},{\"id\":\"n2\"}]");
	map = taskconfig_nodes_map(nodes);
	map_text = xstrdup(json_object_to_json_string_ext(map,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	node = json_object_array_get_idx(nodes, 0);
	for (i = 0; i < sizeof cfgs / sizeof cfgs[0]; i++) {
		inline_cfg = uj_parse(cfgs[i]);
		kept_cfg = uj_parse(cfgs[i]);
		taskconfig_prepare_submit(inline_cfg, node, map);
		taskconfig_prepare_submit(kept_cfg, node, NULL);
		/* The answer with the inline config, sent as it is. */
		want = cluster_view_task("t", "j", 1, "START", "n1",
		    json_object_to_json_string_ext(inline_cfg,
			JSON_C_TO_STRING_PLAIN |
			    JSON_C_TO_STRING_NOSLASHESCAPE),
		    NULL);
		kept = xstrdup(json_object_to_json_string_ext(kept_cfg,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		cr_assert(taskconfig_takes_map(kept), "config %s", cfgs[i]);
		got = cluster_view_task("t", "j", 1, "START", "n1", kept,
		    &(struct cluster_view_map){ map_text, strlen(map_text),
			false });
		cr_assert_str_eq(got, want, "config %s", cfgs[i]);
		free(want);
		free(got);
		free(kept);
		json_object_put(inline_cfg);
		json_object_put(kept_cfg);
	}
	/* A config stored with its own map (queued before): as it is. */
	cr_assert_not(
	    taskconfig_takes_map("{\"a\":1,\"nodes\":{\"x\":{}},\"b\":2}"));
	cr_assert(taskconfig_takes_map("{\"a\":1}"));
	cr_assert(taskconfig_takes_map(" { } "));
	cr_assert_not(taskconfig_takes_map("[1]"));
	cr_assert_not(taskconfig_takes_map("{\"a\":"));
	free(map_text);
	json_object_put(map);
	json_object_put(nodes);
}
