/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_cluster_view.c - unit tests of the Loom JSON built from cluster,
 * job and task rows: the new cluster document, a cluster summary, the
 * status object, a plan's stages grouped in stage order, the
 * SchedulableTask a provisioner receives, and a running task's action on
 * its node.
 */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "cluster_view.h"
#include "common.h"

#define PLAIN JSON_C_TO_STRING_PLAIN

/* Rows of ncols columns over the cells of a static table (NULL = SQL NULL). */
static struct db_rows
rows(const char **cells, size_t nrows, size_t ncols)
{
	struct db_rows r;

	r.nrows = nrows;
	r.ncols = ncols;
	r.cells = (char **)cells; /* only read */
	r.lens = NULL;
	return r;
}

/* Assert o's JSON text is want, and release o. */
static void
expect_json(struct json_object *o, const char *want)
{
	cr_assert_not_null(o);
	cr_assert_str_eq(json_object_to_json_string_ext(o, PLAIN), want);
	json_object_put(o);
}

Test(cluster_view, new_doc)
{
	struct json_object *cfg = json_tokener_parse("{\"a\":1}");

	expect_json(cluster_view_new_doc("00000007", "web", NULL, 1000,
			"00000007-001", "alice", cfg),
	    "{\"id\":\"00000007\",\"name\":"
	    "\"web\",\"description\":\"\",\"createTime\":1000,\"expireTime\":0,"
	    "\"nodes\":[],\"services\":[],\"jobs\":[\"00000007-001\"],"
	    "\"ownerId\":\"alice\",\"status\":\"pending\",\"config\":"
	    "{\"a\":1}}");
	expect_json(cluster_view_new_doc("00000008", "db", "d", 5, "j", "bob",
			NULL),
	    "{\"id\":\"00000008\",\"name\":\"db\","
	    "\"description\":\"d\",\"createTime\":5,\"expireTime\":0,"
	    "\"nodes\":[],\"services\":[],\"jobs\":[\"j\"],\"ownerId\":"
	    "\"bob\",\"status\":\"pending\",\"config\":{}}");
	json_object_put(cfg);
}

Test(cluster_view, summary)
{
	const char *cells[] = { "7", "web", "1000", "2000", "hadoop", "3",
		"ACTIVE", "alice" };
	struct db_rows r = rows(cells, 1, 8);

	expect_json(cluster_view_summary(&r, 0),
	    "{\"id\":\"00000007\","
	    "\"name\":\"web\",\"createTime\":1000,\"expireTime\":2000,"
	    "\"clusterTemplate\":\"hadoop\",\"numNodes\":3,\"status\":"
	    "\"ACTIVE\",\"ownerId\":\"alice\"}");
}

Test(cluster_view, status)
{
	expect_json(cluster_view_status(12, "PENDING", "CLUSTER_CREATE",
			"RUNNING", 9, 4),
	    "{\"clusterid\":\"00000012\",\"stepstotal\":9,"
	    "\"stepscompleted\":4,\"status\":\"PENDING\",\"actionstatus\":"
	    "\"RUNNING\",\"action\":\"CLUSTER_CREATE\"}");
}

Test(cluster_view, plan_groups_stages)
{
	const char *cells[] = {
		"t1",
		"CREATE",
		"n1",
		"",
		"0",
		"t2",
		"CREATE",
		"n2",
		"",
		"0",
		"t3",
		"INSTALL",
		NULL,
		"hdfs",
		"1",
	};
	struct db_rows r = rows(cells, 3, 5), none = rows(NULL, 0, 5);

	expect_json(cluster_view_plan("00000001-002", 1, "CLUSTER_CREATE", 1,
			&r),
	    "{\"id\":\"00000001-002\",\"clusterId\":\"00000001\","
	    "\"action\":\"CLUSTER_CREATE\",\"currentStage\":1,\"stages\":"
	    "[[{\"id\":\"t1\",\"taskName\":\"CREATE\",\"nodeId\":\"n1\","
	    "\"service\":\"\"},{\"id\":\"t2\",\"taskName\":\"CREATE\","
	    "\"nodeId\":\"n2\",\"service\":\"\"}],[{\"id\":\"t3\",\"taskName\":"
	    "\"INSTALL\",\"nodeId\":\"\",\"service\":\"hdfs\"}]]}");
	expect_json(cluster_view_plan("j", 2, "CLUSTER_DELETE", 0, &none),
	    "{\"id\":\"j\",\"clusterId\":\"00000002\",\"action\":"
	    "\"CLUSTER_DELETE\",\"currentStage\":0,\"stages\":[]}");
}

Test(cluster_view, task)
{
	char *s;

	s = cluster_view_task("00000001-002-003", "00000001-002", 1, "INSTALL",
	    "n1", "{\"service\":\"hdfs\"}", NULL);
	cr_assert_str_eq(s,
	    "{\"taskId\":\"00000001-002-003\",\"jobId\":"
	    "\"00000001-002\",\"clusterId\":\"00000001\",\"taskName\":"
	    "\"INSTALL\",\"nodeId\":\"n1\",\"config\":{\"service\":\"hdfs\"}}");
	free(s);
	s = cluster_view_task("r", "j", 3, "CONFIRM", NULL, NULL, NULL);
	cr_assert_str_eq(s,
	    "{\"taskId\":\"r\",\"jobId\":\"j\",\"clusterId\":"
	    "\"00000003\",\"taskName\":\"CONFIRM\",\"config\":{}}");
	free(s);
	/* The config's text as it is: escapes, slashes, UTF-8, nesting. */
	s = cluster_view_task("t\"1", "j", 4, "START", "n/1",
	    "{\"a\":\"q\\\"b\\\\s/\\u0001\u00e9\",\"n\":[1,2.5,null,{\"x\":{}}]}",
	    NULL);
	cr_assert_str_eq(s,
	    "{\"taskId\":\"t\\\"1\",\"jobId\":\"j\",\"clusterId\":"
	    "\"00000004\",\"taskName\":\"START\",\"nodeId\":\"n/1\","
	    "\"config\":{\"a\":\"q\\\"b\\\\s/\\u0001\u00e9\",\"n\":[1,2.5,null,{"
	    "\"x\":{}}]}}");
	free(s);
	/* Not one JSON object: {}. */
	s = cluster_view_task("r", "j", 3, "CONFIRM", NULL, "[1]", NULL);
	cr_assert_not_null(strstr(s, ",\"config\":{}}"), "%s", s);
	free(s);
	s = cluster_view_task("r", "j", 3, "CONFIRM", NULL, "{\"a\":1", NULL);
	cr_assert_not_null(strstr(s, ",\"config\":{}}"), "%s", s);
	free(s);
}

/* Task t of node n1 with config and m answers with the config want. */
static void
expect_task_config(const char *config, const struct cluster_view_map *m,
    const char *want)
{
	char *s = cluster_view_task("t", "j", 1, "START", "n1", config, m);
	char *full = xasprintf("{\"taskId\":\"t\",\"jobId\":\"j\","
			       "\"clusterId\":\"00000001\",\"taskName\":"
			       "\"START\",\"nodeId\":\"n1\",\"config\":%s}",
	    want);

	cr_assert_str_eq(s, full, "config %s, map %.*s (checked %d)", config,
	    (int)m->len, m->text, m->checked);
	free(full);
	free(s);
}

/* The nodes map, the config's last member, checked here or by the caller. */
Test(cluster_view, task_with_map)
{
	const char *map = "{\"n1\":{\"hostname\":\"h\\\"1\"}}";
	struct cluster_view_map m = { map, strlen(map), false };
	char *want;
	int checked;

	for (checked = 0; checked < 2; checked++) {
		m.checked = checked;
		want = xasprintf("{\"service\":\"hdfs\",\"nodes\":%s}", map);
		expect_task_config("{\"service\":\"hdfs\"}", &m, want);
		free(want);
		/* An empty config: the map is its only member. */
		want = xasprintf("{\"nodes\":%s}", map);
		expect_task_config(" { \n} ", &m, want);
		free(want);
	}
	/* Only the text's len bytes are the map. */
	m = (struct cluster_view_map){ "{\"n1\":{}}garbage", 9, false };
	expect_task_config("{}", &m, "{\"nodes\":{\"n1\":{}}}");
	/* A map that is not one JSON object, unchecked: {} and no map. */
	m = (struct cluster_view_map){ "{\"n1\":", 6, false };
	expect_task_config("{\"a\":1}", &m, "{}");
	/* A config that is not one JSON object: {} even with a checked map. */
	m = (struct cluster_view_map){ map, strlen(map), true };
	expect_task_config("[1]", &m, "{}");
}

/* GET /clusters?status= (Coopr 0.9.9 section 10.3). */
Test(cluster_view, status_filter)
{
	int unknown;

	cr_assert_str_eq(cluster_view_statuses[3], "INCONSISTENT");
	cr_expect_eq(cluster_view_status_filter(NULL, &unknown), 0u);
	cr_expect_eq(unknown, 0);
	cr_expect_eq(cluster_view_status_filter("", &unknown), 0u);
	cr_expect_eq(cluster_view_status_filter("active", NULL), 1u << 1);
	cr_expect_eq(cluster_view_status_filter("Pending,TERMINATED", NULL),
	    (1u << 0) | (1u << 4));
	cr_expect_eq(cluster_view_status_filter("inconsistent,incomplete",
			 NULL),
	    (1u << 3) | (1u << 2));
	cr_expect_eq(cluster_view_status_filter("bogus", &unknown), 0u);
	cr_expect_eq(unknown, 1);
	cr_expect_eq(cluster_view_status_filter("active,bogus,,", &unknown),
	    1u << 1);
	cr_expect_eq(unknown, 2, "bogus and the empty name");
	cr_expect_eq(cluster_view_status_filter(" active", &unknown), 0u,
	    "names are not trimmed");
	cr_expect_eq(cluster_view_status_filter("activ,actives", NULL), 0u);
	cr_expect_eq(cluster_view_status_filter("active,active", NULL),
	    1u << 1);
}

/* A running task's action, appended last, the oldest dropped past max. */
Test(cluster_view, node_open_action)
{
	struct json_object *node;

	node = json_tokener_parse("{\"id\":\"n1\",\"properties\":{}}");
	cluster_view_node_open_action(node, "t1", "", "CREATE", 100, 2);
	cr_assert_str_eq(json_object_to_json_string_ext(node, PLAIN),
	    "{\"id\":\"n1\",\"properties\":{},\"actions\":[{\"taskId\":\"t1\","
	    "\"service\":\"\",\"action\":\"CREATE\",\"submitTime\":100,"
	    "\"statusTime\":100,\"status\":\"in_progress\"}]}");
	json_object_put(node);
	node = json_tokener_parse("{\"id\":\"n1\",\"actions\":[{\"taskId\":"
				  "\"a\"},{\"taskId\":\"b\"}],\"x\":1}");
	cluster_view_node_open_action(node, "t2", "hdfs", "INSTALL", 7, 2);
	expect_json(node,
	    "{\"id\":\"n1\",\"actions\":[{\"taskId\":\"b\"},{\"taskId\":\"t2\","
	    "\"service\":\"hdfs\",\"action\":\"INSTALL\",\"submitTime\":7,"
	    "\"statusTime\":7,\"status\":\"in_progress\"}],\"x\":1}");
}
