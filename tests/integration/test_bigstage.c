/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_bigstage.c - what a big cluster stores and how its stages are
 * queued, on a real loomd and mariadbd: a task's stored config holds no
 * "nodes" map (the job keeps one per version) yet every take hands the
 * provisioner the map of the cluster's nodes, as the last member of its
 * config, retried and rollback tasks too; a one-node cluster's tasks
 * keep that map (the node) in their config and the job stores none; a
 * task stored with its own map is sent as stored; a stage bigger than task.queue_batch is queued in
 * several transactions, also when the server queueing it stopped half
 * way, and the job completes; a batch written by one statement stores
 * each task's config byte for byte; a stage with tasks still running is
 * released by the scheduler as it is, and a failure after that is retried.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

FX_SUITE(bigstage,
    "scheduler = { interval_ms = 50; };\n"
    "task = { queue_batch = 2; };\n"
    "ha = { job_lease_ms = 2000; };",
    FX_CLUSTER_FIXTURES, .timeout = 180);
FX_MAIN(FX_NEED_DB, 0)

/* A one-machine cluster of n machines named name; its id into id. */
static void
create(const char *name, int n, char id[32])
{
	char body[256];

	snprintf(body, sizeof body,
	    "{\"name\":\"%s\",\"numMachines\":%d,"
	    "\"clusterTemplate\":\"one-machine\"}",
	    name, n);
	fx_create(fx.d.port, "user1", body, id);
}

/*
 * The "nodes" map a provisioner is owed for cluster id now: {nodeId:
 * {ipaddress, hostname, nodenum, automators}} from the properties the
 * cluster's GET shows, each member only when the node has it.  The
 * caller puts it.
 */
static struct json_object *
expected_map(const char *id)
{
	static const char *const keys[] = { "ipaddress", "hostname", "nodenum",
		"automators" };
	struct json_object *cl, *nodes, *map, *node, *props, *entry, *v;
	char path[128];
	size_t i, k;

	snprintf(path, sizeof path, "/v1/loom/clusters/%s", id);
	cr_assert_eq(fx_call(fx.d.port, "user1", "GET", path, NULL, &cl), 200);
	cr_assert(json_object_object_get_ex(cl, "nodes", &nodes));
	map = json_object_new_object();
	for (i = 0; i < json_object_array_length(nodes); i++) {
		node = json_object_array_get_idx(nodes, i);
		entry = json_object_new_object();
		if (json_object_object_get_ex(node, "properties", &props))
			for (k = 0; k < sizeof keys / sizeof keys[0]; k++)
				if (json_object_object_get_ex(props, keys[k],
					&v))
					json_object_object_add(entry, keys[k],
					    json_object_get(v));
		json_object_object_add(map, fx_js(node, "id"), entry);
	}
	json_object_put(cl);
	return map;
}

/* Wait (up to 15 s) until cluster id has n (a string) queued tasks. */
static void
wait_queued(const char *id, const char *n)
{
	char out[64];

	cr_assert_str_eq(
	    fx_sqlf_wait(&fx.db, fx.dbname, n, 15000, 50, out, sizeof out,
		"SELECT COUNT(*) FROM tasks WHERE cluster_id = %s "
		"AND q_state = 'queued'",
		id),
	    n, "cluster %s: %s tasks queued", id, n);
}

/* The name of the last member of object o ("" when it has none). */
static const char *
last_key(struct json_object *o)
{
	const char *last = "";

	json_object_object_foreach (o, k, v) {
		(void)v;
		last = k;
	}
	return last;
}

/* Finish task t as worker w with status 0 and result (may be NULL). */
static void
finish(const char *w, struct json_object *t, const char *result)
{
	struct fx_resp r;

	cr_assert_eq(fx_finish(fx.d.port, w, fx_js(t, "taskId"), 0, result,
			 NULL, &r),
	    200, "%s", r.body);
	fx_resp_free(&r);
}

/* Take and finish every task of n stages of width tasks each. */
static void
complete_stages(const char *w, int stages, int width)
{
	struct json_object *t;
	int i;

	for (i = 0; i < stages * width; i++) {
		t = fx_take_json(fx.d.port, w, 15000);
		cr_assert_not_null(t, "task %d of %d", i + 1, stages * width);
		finish(w, t, NULL);
		json_object_put(t);
	}
}

/*
 * Take and finish n tasks as worker w, each handed with config[member]
 * equal to the JSON text want_json.
 */
static void
take_expecting(const char *w, int n, const char *member, const char *want_json)
{
	struct json_object *t, *cfg, *v, *want;
	int i;

	want = json_tokener_parse(want_json);
	cr_assert_not_null(want, "not JSON: %s", want_json);
	for (i = 0; i < n; i++) {
		t = fx_take_json(fx.d.port, w, 15000);
		cr_assert_not_null(t, "task %d of %d", i + 1, n);
		cr_assert(json_object_object_get_ex(t, "config", &cfg));
		cr_assert(json_object_object_get_ex(cfg, member, &v), "%s",
		    json_object_to_json_string(cfg));
		cr_assert(json_object_equal(v, want), "got %s, want %s",
		    json_object_to_json_string(v),
		    json_object_to_json_string(want));
		finish(w, t, NULL);
		json_object_put(t);
	}
	json_object_put(want);
}

Test(bigstage, every_take_gets_the_nodes_map_none_is_stored_per_task)
{
	struct json_object *t[3], *cfg, *nodes, *want;
	const char *w[3] = { "w1a", "w1b", "w1c" }; /* one task each */
	char id[32], out[64], result[128];
	int s, i;

	create("maps", 3, id);
	for (s = 0; s < 3; s++) {
		/* The whole stage out, then the map they were owed. */
		for (i = 0; i < 3; i++) {
			t[i] = fx_take_json(fx.d.port, w[i], 15000);
			cr_assert_not_null(t[i], "stage %d task %d", s, i);
		}
		want = expected_map(id);
		cr_assert_eq(json_object_object_length(want), 3);
		for (i = 0; i < 3; i++) {
			cr_assert(
			    json_object_object_get_ex(t[i], "config", &cfg));
			cr_assert(json_object_object_get_ex(cfg, "nodes",
				      &nodes),
			    "stage %d: %s", s,
			    json_object_to_json_string(cfg));
			cr_assert(json_object_equal(nodes, want),
			    "stage %d: got %s, want %s", s,
			    json_object_to_json_string(nodes),
			    json_object_to_json_string(want));
			cr_assert_str_eq(last_key(cfg), "nodes");
			/* The first stage gives the nodes addresses. */
			snprintf(result, sizeof result,
			    "{\"ipaddress\":\"10.0.0.%d\"}", i + 1);
			finish(w[i], t[i], s == 0 ? result : NULL);
			json_object_put(t[i]);
		}
		json_object_put(want);
	}
	fx_wait_status(fx.d.port, "user1", id,
	    "ACTIVE/COMPLETE/CLUSTER_CREATE/9/9", 15000);
	/* Stored: configs without the map, the map once per version. */
	cr_assert_eq(
	    fx_cluster_tasks(id,
		"config IS NOT NULL AND nodes_map IS NOT NULL "
		"AND NOT JSON_CONTAINS_PATH(config, 'one', '$.nodes')"),
	    9);
	cr_assert_str_eq(
	    fx_sqlf(&fx.db, fx.dbname, out, sizeof out,
		"SELECT COUNT(*) FROM job_nodes_maps m JOIN jobs j "
		"ON j.id = m.job_id WHERE j.cluster_id = %s",
		id),
	    "2", "one map before the addresses, one after");
}

/*
 * A one-node cluster's map is its task's own node: stored in each task's
 * config, sent as stored, and no map row is written for the job, yet
 * every take carries the node as it is then (its address after CREATE).
 */
Test(bigstage, a_one_node_cluster_keeps_its_map_in_its_tasks)
{
	struct json_object *t, *cfg, *nodes, *want;
	char id[32], out[64];
	int s;

	create("solo", 1, id);
	for (s = 0; s < 3; s++) {
		t = fx_take_json(fx.d.port, "w1s", 15000);
		cr_assert_not_null(t, "stage %d", s);
		want = expected_map(id);
		cr_assert_eq(json_object_object_length(want), 1);
		cr_assert(json_object_object_get_ex(t, "config", &cfg));
		cr_assert(json_object_object_get_ex(cfg, "nodes", &nodes),
		    "stage %d: %s", s, json_object_to_json_string(cfg));
		cr_assert(json_object_equal(nodes, want),
		    "stage %d: got %s, want %s", s,
		    json_object_to_json_string(nodes),
		    json_object_to_json_string(want));
		cr_assert_str_eq(last_key(cfg), "nodes");
		finish("w1s", t,
		    s == 0 ? "{\"ipaddress\":\"10.0.1.1\"}" : NULL);
		json_object_put(t);
		json_object_put(want);
	}
	fx_wait_status(fx.d.port, "user1", id,
	    "ACTIVE/COMPLETE/CLUSTER_CREATE/3/3", 15000);
	cr_assert_eq(fx_cluster_tasks(id,
			 "nodes_map IS NULL AND "
			 "JSON_CONTAINS_PATH(config, 'one', '$.nodes')"),
	    3);
	cr_assert_str_eq(
	    fx_sqlf(&fx.db, fx.dbname, out, sizeof out,
		"SELECT COUNT(*) FROM job_nodes_maps m JOIN jobs j "
		"ON j.id = m.job_id WHERE j.cluster_id = %s",
		id),
	    "0", "no map row for a one-node cluster");
}

Test(bigstage, a_task_stored_with_its_own_map_is_sent_as_stored)
{
	char id[32], out[64];

	create("old", 2, id);
	wait_queued(id, "2");
	/* As rows queued before the map was kept per job look. */
	fx_sqlf(&fx.db, fx.dbname, out, sizeof out,
	    "UPDATE tasks SET config = JSON_SET(config, '$.nodes', "
	    "JSON_OBJECT('old', JSON_OBJECT('hostname', 'h0'))), "
	    "nodes_map = NULL WHERE cluster_id = %s AND q_state = 'queued'",
	    id);
	take_expecting("w2", 2, "nodes", "{\"old\":{\"hostname\":\"h0\"}}");
	complete_stages("w2", 2, 2);
	fx_wait_status(fx.d.port, "user1", id,
	    "ACTIVE/COMPLETE/CLUSTER_CREATE/6/6", 15000);
}

/*
 * A stored map that is not one JSON object (edited by hand, torn) is not
 * spliced into an answer: the take sends the config {} and the job goes
 * on with a new map.  loomd checks a map version's text once per thread
 * and then trusts it, as rows of job_nodes_maps are never changed; here
 * no take has seen the version before it is torn.
 */
Test(bigstage, a_torn_nodes_map_is_not_sent)
{
	struct json_object *t, *cfg, *want;
	char id[32], out[64];
	int i;

	create("torn", 2, id);
	wait_queued(id, "2");
	fx_sqlf(&fx.db, fx.dbname, out, sizeof out,
	    "UPDATE job_nodes_maps m JOIN jobs j ON j.id = m.job_id SET "
	    "m.nodes = '{\"n\":' WHERE j.cluster_id = %s",
	    id);
	for (i = 0; i < 2; i++) {
		t = fx_take_json(fx.d.port, "w9", 15000);
		cr_assert_not_null(t, "task %d", i + 1);
		cr_assert(json_object_object_get_ex(t, "config", &cfg));
		cr_assert_eq(json_object_object_length(cfg), 0, "%s",
		    json_object_to_json_string(t));
		finish("w9", t, NULL);
		json_object_put(t);
	}
	/* The next stage's map is written anew. */
	want = expected_map(id);
	take_expecting("w9", 2, "nodes", json_object_to_json_string(want));
	json_object_put(want);
	complete_stages("w9", 1, 2);
	fx_wait_status(fx.d.port, "user1", id,
	    "ACTIVE/COMPLETE/CLUSTER_CREATE/6/6", 15000);
}

Test(bigstage, a_stage_bigger_than_a_batch_is_queued_whole)
{
	char id[32];

	create("big", 5, id);
	complete_stages("w3", 3, 5);
	fx_wait_status(fx.d.port, "user1", id,
	    "ACTIVE/COMPLETE/CLUSTER_CREATE/15/15", 15000);
	cr_assert_eq(fx_cluster_tasks(id, "status = 'COMPLETE'"), 15);
}

/*
 * A server that stopped after queueing the first batch of a stage left
 * the job with needs_work set and its lease held: whoever claims the job
 * next queues the rest, and the job moves on only then.
 */
Test(bigstage, a_stage_left_half_queued_is_finished_by_the_next_claim)
{
	char id[32], out[64];

	create("half", 5, id);
	wait_queued(id, "5");
	cr_assert_eq(fx_daemon_stop(&fx.d), 0);
	/* The state the first batch's commit leaves behind. */
	fx_sqlf(&fx.db, fx.dbname, out, sizeof out,
	    "UPDATE tasks SET status = 'NOT_SUBMITTED', q_state = 'none', "
	    "config = NULL, nodes_map = NULL WHERE cluster_id = %s AND "
	    "stage = 0 AND seq >= 2",
	    id);
	fx_sqlf(&fx.db, fx.dbname, out, sizeof out,
	    "UPDATE jobs SET needs_work = 1, lease_owner = 'gone', "
	    "lease_until = ROUND(UNIX_TIMESTAMP(NOW(3)) * 1000) + 1500 "
	    "WHERE cluster_id = %s AND action = 'CLUSTER_CREATE'",
	    id);
	cr_assert_eq(fx_daemon_start(&fx.d, NULL), 0);
	/* The first batch, taken and done, does not end the stage. */
	complete_stages("w4", 1, 2);
	cr_assert_eq(fx_cluster_tasks(id,
			 "stage > 0 AND status <> 'NOT_SUBMITTED'"),
	    0);
	complete_stages("w4", 1, 3);
	complete_stages("w4", 2, 5);
	fx_wait_status(fx.d.port, "user1", id,
	    "ACTIVE/COMPLETE/CLUSTER_CREATE/15/15", 15000);
}

/*
 * A failed CONFIRM is rolled back (a DELETE with the failed task's
 * config) and retried after a new CREATE: every one of those tasks too
 * carries the map, as the last member of its config.
 */
Test(bigstage, retried_and_rollback_tasks_get_the_map_too)
{
	struct json_object *t, *cfg, *nodes, *want = NULL;
	struct fx_resp r;
	char id[32];
	bool failed_one = false;
	int deletes = 0, n = 0;

	create("retry", 2, id);
	while ((t = fx_take_json(fx.d.port, "w5", 5000)) != NULL) {
		cr_assert_lt(++n, 20, "too many tasks");
		/* The nodes exist once a task is out; no result changes them. */
		if (want == NULL)
			want = expected_map(id);
		cr_assert(json_object_object_get_ex(t, "config", &cfg));
		cr_assert(json_object_object_get_ex(cfg, "nodes", &nodes),
		    "%s: %s", fx_js(t, "taskName"),
		    json_object_to_json_string(cfg));
		cr_assert(json_object_equal(nodes, want), "%s: got %s",
		    fx_js(t, "taskName"), json_object_to_json_string(nodes));
		cr_assert_str_eq(last_key(cfg), "nodes");
		if (strcmp(fx_js(t, "taskName"), "DELETE") == 0)
			deletes++;
		if (!failed_one &&
		    strcmp(fx_js(t, "taskName"), "CONFIRM") == 0) {
			failed_one = true;
			cr_assert_eq(fx_finish(fx.d.port, "w5",
					 fx_js(t, "taskId"), 1, NULL, NULL,
					 &r),
			    200, "%s", r.body);
			fx_resp_free(&r);
		} else
			finish("w5", t, NULL);
		json_object_put(t);
	}
	json_object_put(want);
	cr_assert(failed_one);
	cr_assert_eq(deletes, 1, "the rollback of the failed CONFIRM");
	fx_wait_status(fx.d.port, "user1", id,
	    "ACTIVE/COMPLETE/CLUSTER_CREATE", 15000);
}

/*
 * A batch of submissions is written by one statement that carries every
 * config inside one JSON text: what a task stores and what its take sends
 * are the config byte for byte, quotes, backslashes, slashes, control and
 * non-ASCII characters included.  A first stage's config is its original
 * one (the nodes' properties are those of the plan), so the two stored
 * texts are compared as bytes.
 */
Test(bigstage, a_batch_stores_each_config_byte_for_byte)
{
	static const char odd[] = "q\\\"b\\\\s/\\u0001\\t\\u00e9\\u20ac"
				  "\\ud83d\\ude00";
	char id[32], body[512], user[256];

	snprintf(user, sizeof user, "{\"k\":\"%s\",\"n\":[1,2.5,null,true]}",
	    odd);
	snprintf(body, sizeof body,
	    "{\"name\":\"bytes\",\"numMachines\":3,"
	    "\"clusterTemplate\":\"one-machine\",\"config\":%s}",
	    user);
	fx_create(fx.d.port, "user1", body, id);
	wait_queued(id, "3");
	cr_assert_eq(fx_cluster_tasks(id,
			 "stage = 0 AND status = 'IN_PROGRESS' AND "
			 "CAST(config AS BINARY) = CAST(original_config AS "
			 "BINARY) AND submit_time > 0 AND submit_time = "
			 "status_time AND q_seq > 0 AND version = 2"),
	    3);
	take_expecting("w6", 3, "cluster", user);
	complete_stages("w6", 2, 3);
	fx_wait_status(fx.d.port, "user1", id,
	    "ACTIVE/COMPLETE/CLUSTER_CREATE/9/9", 15000);
}

/*
 * A finish that leaves other tasks of its stage running marks the job as
 * needing work; the scheduler finds nothing to submit, releases the job
 * and leaves the stage as it is.  A task that fails after that is retried,
 * and the stage's last finish moves the job on.
 */
Test(bigstage, a_stage_still_running_is_released_and_moves_on_later)
{
	static const char *const w[3] = { "w7a", "w7b", "w7c" };
	struct json_object *t[3], *r;
	char id[32], out[64];
	struct fx_resp resp;
	int i;

	create("running", 3, id);
	wait_queued(id, "3");
	for (i = 0; i < 3; i++) {
		t[i] = fx_take_json(fx.d.port, w[i], 15000); /* one each */
		cr_assert_not_null(t[i], "task %d", i + 1);
	}
	finish(w[0], t[0], NULL);
	cr_assert_str_eq(
	    fx_sqlf_wait(&fx.db, fx.dbname, "0", 15000, 50, out, sizeof out,
		"SELECT needs_work FROM jobs WHERE cluster_id = %s "
		"AND action = 'CLUSTER_CREATE'",
		id),
	    "0");
	cr_assert_str_eq(
	    fx_sqlf(&fx.db, fx.dbname, out, sizeof out,
		"SELECT CONCAT(status, '/', current_stage) FROM jobs WHERE "
		"cluster_id = %s AND action = 'CLUSTER_CREATE'",
		id),
	    "RUNNING/0");
	cr_assert_eq(fx_cluster_tasks(id,
			 "stage > 0 AND status <> 'NOT_SUBMITTED' OR "
			 "q_state = 'queued'"),
	    0);
	/* A failure after the release is seen: the task runs again. */
	cr_assert_eq(fx_finish(fx.d.port, w[1], fx_js(t[1], "taskId"), 1, NULL,
			 NULL, &resp),
	    200, "%s", resp.body);
	fx_resp_free(&resp);
	r = fx_take_json(fx.d.port, "w7", 15000);
	cr_assert_not_null(r, "the failed task is not queued again");
	cr_assert_str_eq(fx_js(r, "nodeId"), fx_js(t[1], "nodeId"));
	finish("w7", r, NULL);
	json_object_put(r);
	finish(w[2], t[2], NULL);
	/* The rest of the job, whatever the retry added to it. */
	while ((r = fx_take_json(fx.d.port, "w7", 3000)) != NULL) {
		finish("w7", r, NULL);
		json_object_put(r);
	}
	fx_wait_status(fx.d.port, "user1", id,
	    "ACTIVE/COMPLETE/CLUSTER_CREATE", 15000);
	for (i = 0; i < 3; i++)
		json_object_put(t[i]);
}
