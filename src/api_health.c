/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api_health.c - the health routes.  None touches the database: /readyz
 * reads the state cached by the health probe thread, so it answers at once
 * even when the database hangs.
 */
#include "config.h"

#include "api_health.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "callback.h"
#include "cfg.h"
#include "cluster_read.h"
#include "db.h"
#include "health.h"
#include "ids.h"
#include "memtrim.h"
#include "metrics.h"
#include "retention.h"
#include "scheduler.h"
#include "takewait.h"

static const struct cfg *api_health_cfg;

void
api_health_init(const struct cfg *cfg)
{
	api_health_cfg = cfg;
}

/* GET /status: Loom's plain "OK\n". */
static enum api_status
api_health_status(struct http_req *req UNUSED, struct http_resp *resp)
{
	http_resp_text(resp, "OK\n");
	resp->content_type = "text/plain";
	return API_OK;
}

/* GET /healthz: the process is alive. */
static enum api_status
api_health_healthz(struct http_req *req UNUSED, struct http_resp *resp)
{
	http_resp_text(resp, "{\"status\":\"alive\"}");
	return API_OK;
}

/* GET /readyz: 200 when ready, else 503 naming the reason. */
static enum api_status
api_health_readyz(struct http_req *req UNUSED, struct http_resp *resp)
{
	json_object *o, *g;
	struct health_state hs;

	health_get(&hs);
	o = json_object_new_object();
	json_object_object_add(o, "status",
	    json_object_new_string(hs.ready ? "ready" : "not ready"));
	if (!hs.ready)
		json_object_object_add(o, "reason",
		    json_object_new_string(hs.reason));
	json_object_object_add(o, "datacenter",
	    json_object_new_string(api_health_cfg->datacenter));
	json_object_object_add(o, "database_reachable",
	    json_object_new_boolean(hs.db_reachable));
	json_object_object_add(o, "draining",
	    json_object_new_boolean(hs.draining));
	json_object_object_add(o, "probe_age_ms",
	    json_object_new_int64(hs.probe_age_ms));
	g = json_object_new_object();
	json_object_object_add(g, "wsrep_on",
	    json_object_new_boolean(hs.wsrep.wsrep_on));
	if (hs.wsrep.wsrep_on) {
		json_object_object_add(g, "wsrep_ready",
		    json_object_new_boolean(hs.wsrep.ready));
		json_object_object_add(g, "cluster_status",
		    json_object_new_string(hs.wsrep.cluster_status));
		json_object_object_add(g, "local_state",
		    json_object_new_int(hs.wsrep.local_state));
		json_object_object_add(g, "local_state_comment",
		    json_object_new_string(hs.wsrep.local_state_comment));
		json_object_object_add(g, "cluster_size",
		    json_object_new_int64(hs.wsrep.cluster_size));
		json_object_object_add(g, "recv_queue",
		    json_object_new_int64(hs.recv_queue));
	}
	json_object_object_add(o, "galera", g);
	{
		char adopted[256];

		scheduler_adopted(adopted, sizeof adopted);
		json_object_object_add(o, "adopted_datacenters",
		    json_object_new_string(adopted));
	}
	/* Copy the text out; json-c frees its buffer with o. */
	http_resp_text(resp,
	    json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	if (!hs.ready) {
		/* The body already names the reason; send it as is. */
		resp->code = 503;
		return API_OK;
	}
	return API_OK;
}

/* Scrape-time figures read from the database (db_read_run body). */
/*
 * A gauge with two labels from sql, whose rows are (label 1, label 2,
 * value): its HELP and TYPE lines, then one sample a row.
 */
static enum db_status
api_health_gauge2(struct db_conn *c, struct metrics_buf *b, const char *sql,
    const char *name, const char *help, const char *l1, const char *l2)
{
	struct db_rows *r;
	enum db_status st;
	size_t i;

	if ((st = db_query(c, sql, &r, "")) != DB_OK)
		return st;
	metrics_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
	for (i = 0; i < r->nrows; i++)
		metrics_printf(b, "%s{%s=\"%s\",%s=\"%s\"} %s\n", name, l1,
		    db_rows_get(r, i, 0), l2, db_rows_get(r, i, 1),
		    db_rows_get(r, i, 2));
	db_rows_free(r);
	return DB_OK;
}

static enum db_status
api_health_metrics_db(struct db_conn *c, void *arg)
{
	struct metrics_buf *b = arg;
	char label[200];
	struct db_rows *r;
	enum db_status st;
	size_t i;

	b->len = 0; /* a re-run starts the page part again */
	if (b->s != NULL)
		b->s[0] = '\0';
	if ((st = api_health_gauge2(c, b,
		 "SELECT action, status, COUNT(*) "
		 "FROM jobs GROUP BY action, status",
		 "loomd_jobs", "Jobs by action and status.", "action",
		 "status")) != DB_OK ||
	    (st = api_health_gauge2(c, b,
		 "SELECT status, q_state, COUNT(*) "
		 "FROM tasks GROUP BY status, q_state",
		 "loomd_tasks", "Tasks by status and queue state.", "status",
		 "queue")) != DB_OK)
		return st;
	if ((st = db_query(c,
		 "SELECT COUNT(*), COALESCE(MIN(j.create_time), "
		 "0) FROM jobs j WHERE j.needs_work = 1",
		 &r, "")) != DB_OK)
		return st;
	metrics_printf(b,
	    "# HELP loomd_scheduler_backlog_jobs Jobs waiting "
	    "for a scheduler.\n# TYPE loomd_scheduler_backlog_jobs gauge\n"
	    "loomd_scheduler_backlog_jobs %s\n",
	    db_rows_get(r, 0, 0));
	db_rows_free(r);
	if ((st = db_query(c,
		 "SELECT datacenter, TIMESTAMPDIFF(MICROSECOND, "
		 "MAX(last_seen), CURRENT_TIMESTAMP(6)) FROM servers GROUP BY "
		 "datacenter",
		 &r, "")) != DB_OK)
		return st;
	metrics_printf(b,
	    "# HELP loomd_heartbeat_age_seconds Age of the "
	    "newest heartbeat of each datacenter.\n# TYPE "
	    "loomd_heartbeat_age_seconds gauge\n");
	for (i = 0; i < r->nrows; i++) {
		metrics_label(db_rows_get(r, i, 0), label, sizeof label);
		metrics_printf(b,
		    "loomd_heartbeat_age_seconds{datacenter="
		    "\"%s\"} %.3f\n",
		    label, (double)db_rows_int(r, i, 1) / 1e6);
	}
	db_rows_free(r);
	return callback_metrics_db(c, b);
}

/* GET /metrics: Prometheus text exposition. */
static enum api_status
api_health_metrics(struct http_req *req UNUSED, struct http_resp *resp)
{
	struct metrics_buf b = { NULL, 0, 0 }, dbpart = { NULL, 0, 0 };
	char err[LOOMD_ERR_LEN], adopted[256];
	struct health_state hs;
	struct db_stats ds;
	uint64_t gets[2], trims[2];
	struct db_conn *c;
	int k;

	metrics_write_requests(&b);
	callback_metrics_counters(&b);
	db_stats_get(&ds);
	metrics_printf(&b,
	    "# HELP loomd_db_transactions_total Transactions "
	    "run by the transaction runner.\n# TYPE "
	    "loomd_db_transactions_total counter\n"
	    "loomd_db_transactions_total %llu\n"
	    "# HELP loomd_db_commits_total Transactions committed.\n"
	    "# TYPE loomd_db_commits_total counter\n"
	    "loomd_db_commits_total %llu\n"
	    "# HELP loomd_db_retries_total Whole-transaction re-runs by "
	    "error code.\n# TYPE loomd_db_retries_total counter\n"
	    "loomd_db_retries_total{code=\"1213\"} %llu\n"
	    "loomd_db_retries_total{code=\"1205\"} %llu\n"
	    "loomd_db_retries_total{code=\"1020\"} %llu\n"
	    "loomd_db_retries_total{code=\"1317\"} %llu\n"
	    "# HELP loomd_db_unavailable_total Requests that found the "
	    "database unavailable.\n# TYPE loomd_db_unavailable_total "
	    "counter\nloomd_db_unavailable_total %llu\n"
	    "# HELP loomd_db_conflicts_total Unique-key conflicts.\n"
	    "# TYPE loomd_db_conflicts_total counter\n"
	    "loomd_db_conflicts_total %llu\n"
	    "# HELP loomd_db_reconnects_total Connections (re)opened.\n"
	    "# TYPE loomd_db_reconnects_total counter\n"
	    "loomd_db_reconnects_total %llu\n"
	    "# HELP loomd_db_dropped_total Writes that may be dropped "
	    "(a cache fill) given up at their first conflict.\n"
	    "# TYPE loomd_db_dropped_total counter\n"
	    "loomd_db_dropped_total %llu\n",
	    (unsigned long long)ds.tx_total,
	    (unsigned long long)ds.tx_committed,
	    (unsigned long long)ds.retries_1213,
	    (unsigned long long)ds.retries_1205,
	    (unsigned long long)ds.retries_1020,
	    (unsigned long long)ds.retries_1317,
	    (unsigned long long)ds.unavailable,
	    (unsigned long long)ds.conflicts,
	    (unsigned long long)ds.reconnects,
	    (unsigned long long)ds.tx_dropped);
	cluster_read_gets_counts(&gets[0], &gets[1]);
	metrics_printf(&b,
	    "# HELP loomd_cluster_gets_total GETs of one cluster, answered "
	    "from the rendering kept in its row or built from its documents."
	    "\n# TYPE loomd_cluster_gets_total counter\n"
	    "loomd_cluster_gets_total{from=\"rendered\"} %llu\n"
	    "loomd_cluster_gets_total{from=\"built\"} %llu\n",
	    (unsigned long long)gets[0], (unsigned long long)gets[1]);
	memtrim_counts(&trims[0], &trims[1]);
	metrics_printf(&b,
	    "# HELP loomd_memory_trims_total Times the allocator's free "
	    "memory was given back to the system.\n"
	    "# TYPE loomd_memory_trims_total counter\n"
	    "loomd_memory_trims_total %llu\n"
	    "# HELP loomd_memory_trimmed_bytes_total Resident bytes those "
	    "trims gave back.\n"
	    "# TYPE loomd_memory_trimmed_bytes_total counter\n"
	    "loomd_memory_trimmed_bytes_total %llu\n",
	    (unsigned long long)trims[0], (unsigned long long)trims[1]);
	metrics_printf(&b,
	    "# HELP loomd_id_blocks_reserved_total ID blocks "
	    "reserved by this server.\n# TYPE loomd_id_blocks_reserved_total "
	    "counter\n");
	for (k = 0; k < IDS_KIND_COUNT; k++)
		metrics_printf(&b,
		    "loomd_id_blocks_reserved_total{kind=\"%s\"}"
		    " %llu\n",
		    ids_kind_name(k),
		    (unsigned long long)ids_blocks_reserved(k));
	metrics_printf(&b,
	    "# HELP loomd_scheduler_passes_total Scheduler "
	    "passes.\n# TYPE loomd_scheduler_passes_total counter\n"
	    "loomd_scheduler_passes_total %llu\n",
	    (unsigned long long)scheduler_passes());
	metrics_printf(&b,
	    "# HELP loomd_clusters_forgotten_total Terminated clusters "
	    "whose rows this server deleted (retention.terminated_seconds)."
	    "\n# TYPE loomd_clusters_forgotten_total counter\n"
	    "loomd_clusters_forgotten_total %llu\n"
	    "# HELP loomd_idempotency_keys_expired_total Idempotency-Keys "
	    "this server deleted (retention.idempotency_seconds).\n"
	    "# TYPE loomd_idempotency_keys_expired_total counter\n"
	    "loomd_idempotency_keys_expired_total %llu\n",
	    (unsigned long long)retention_forgotten(),
	    (unsigned long long)retention_keys_expired());
	metrics_printf(&b,
	    "# HELP loomd_takes_waiting Takes waiting for a "
	    "task (task.take_wait_ms).\n# TYPE loomd_takes_waiting gauge\n"
	    "loomd_takes_waiting %zu\n",
	    takewait_parked());
	scheduler_adopted(adopted, sizeof adopted);
	metrics_printf(&b,
	    "# HELP loomd_adopted_datacenters Dead "
	    "datacenters whose clusters this server works.\n# TYPE "
	    "loomd_adopted_datacenters gauge\nloomd_adopted_datacenters %d\n",
	    adopted[0] == '\0' ? 0 : 1 + (int)(strchr(adopted, ',') != NULL));
	health_get(&hs);
	metrics_printf(&b,
	    "# HELP loomd_ready 1 when /readyz answers 200.\n"
	    "# TYPE loomd_ready gauge\nloomd_ready %d\n"
	    "# HELP loomd_wsrep_local_state Galera wsrep_local_state (4 = "
	    "Synced).\n# TYPE loomd_wsrep_local_state gauge\n"
	    "loomd_wsrep_local_state %d\n"
	    "# HELP loomd_wsrep_cluster_size Galera wsrep_cluster_size.\n"
	    "# TYPE loomd_wsrep_cluster_size gauge\n"
	    "loomd_wsrep_cluster_size %lld\n"
	    "# HELP loomd_wsrep_primary 1 when wsrep_cluster_status is "
	    "Primary.\n# TYPE loomd_wsrep_primary gauge\n"
	    "loomd_wsrep_primary %d\n"
	    "# HELP loomd_wsrep_local_cert_failures Galera certification "
	    "failures of the local node.\n# TYPE "
	    "loomd_wsrep_local_cert_failures counter\n"
	    "loomd_wsrep_local_cert_failures %lld\n",
	    hs.ready ? 1 : 0, hs.wsrep.local_state,
	    (long long)hs.wsrep.cluster_size,
	    strcmp(hs.wsrep.cluster_status, "Primary") == 0,
	    (long long)hs.wsrep.cert_failures);
	if ((c = db_thread_conn(NULL, err)) != NULL &&
	    db_read_run(c, api_health_metrics_db, &dbpart, err) == DB_OK &&
	    dbpart.s != NULL)
		metrics_printf(&b, "%s", dbpart.s);
	free(dbpart.s);
	resp->body = b.s;
	resp->body_len = b.len;
	resp->content_type = "text/plain; version=0.0.4";
	return API_OK;
}

const struct api_route api_health_routes[] = {
	{ "GET", "/metrics", api_health_metrics, "Prometheus metrics", NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

const struct api_route api_health_probe_routes[] = {
	{ "GET", "/status", api_health_status, "Loom liveness: OK", NULL },
	{ "GET", "/healthz", api_health_healthz, "process liveness", NULL },
	{ "GET", "/readyz", api_health_readyz,
	    "readiness for load balancers (Galera state, drain file)", NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};
