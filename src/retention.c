/* SPDX-License-Identifier: Apache-2.0 */
/*
 * retention.c - forgetting terminated clusters (see retention.h).  Every
 * batch is one transaction through the retrying runner.  It locks the
 * cluster's row first, as every writer of a cluster does, and checks that
 * the cluster is still TERMINATED; a terminated cluster takes no action,
 * so nothing else writes its rows while they go.
 */
#include "config.h"

#include "retention.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "common.h"
#include "domain.h"
#include "ids.h"
#include "jsonx.h"

/* Transactions one sweep runs at most before the scheduler's jobs. */
#define RETENTION_SWEEP_BATCHES 8
/*
 * Cluster rows stamped with a status_time per statement: few, since each
 * replicates the whole row (its rendered answer too).
 */
#define RETENTION_STAMP_ROWS 50

/* Rows one batch deleted, by table. */
struct retention_rows {
	uint64_t takes, tasks, maps, jobs, nodes, callbacks;
};

/* One batch of one cluster. */
struct retention_batch {
	int64_t id;	/* the cluster */
	int64_t limit;	/* rows per transaction */
	bool done;	/* out: nothing left to delete, or not forgettable */
	bool gone;	/* out: the cluster's row was deleted */
	bool elsewhere; /* out: its row was gone already */
	struct retention_rows d; /* out: what this batch deleted */
};

/*
 * The cluster being forgotten, across sweeps.  Only the scheduler thread
 * touches it.
 */
static struct {
	int64_t id; /* 0: none */
	int64_t since_ms;
	struct retention_rows total;
	int64_t batches;
} retention_cur;

static uint64_t retention_count, retention_keys;

uint64_t
retention_forgotten(void)
{
	return __atomic_load_n(&retention_count, __ATOMIC_RELAXED);
}

uint64_t
retention_keys_expired(void)
{
	return __atomic_load_n(&retention_keys, __ATOMIC_RELAXED);
}

int64_t
retention_interval_ms(void)
{
	const struct cfg *cfg = domain_cfg();
	int64_t ms = 0;

	if (cfg->retention_terminated_seconds > 0)
		ms = cfg->retention_terminated_seconds * 1000;
	if (cfg->retention_idempotency_seconds > 0 &&
	    (ms == 0 || cfg->retention_idempotency_seconds * 1000 < ms))
		ms = cfg->retention_idempotency_seconds * 1000;
	return ms > 60000 ? 60000 : ms;
}

/*
 * Keys older than retention.idempotency_seconds, one batch.  The table
 * has no residue: the datacenter that works the lowest residue of the
 * partition registry (its own, or adopted when it is dead) deletes them,
 * so that datacenters do not delete the same rows at once.  Returns 1
 * when the batch was full (more may be waiting), else 0.
 */
static int
retention_keys_sweep(struct db_conn *c, const int64_t *res, size_t n)
{
	char err[LOOMD_ERR_LEN];
	struct db_rows *r;
	bool mine = false;
	uint64_t done;
	size_t k;

	if (domain_cfg()->retention_idempotency_seconds == 0 ||
	    db_query(c, "SELECT MIN(residue) FROM id_partitions", &r, "") !=
		DB_OK)
		return 0;
	for (k = 0; k < n && r->nrows == 1; k++)
		if (db_rows_get(r, 0, 0) != NULL &&
		    res[k] == db_rows_int(r, 0, 0))
			mine = true;
	db_rows_free(r);
	if (!mine)
		return 0;
	if (db_exec_tx_one(c, DB_ONE_RUN, &done, err,
		"DELETE FROM idempotency WHERE created_at < NOW(3) - INTERVAL ? "
		"SECOND ORDER BY created_at LIMIT ?",
		"ii", domain_cfg()->retention_idempotency_seconds,
		domain_cfg()->retention_batch_rows) != DB_OK) {
		log_warn("idempotency: cannot delete expired keys now: %s",
		    err);
		return 0;
	}
	if (done == 0)
		return 0;
	__atomic_add_fetch(&retention_keys, done, __ATOMIC_RELAXED);
	log_debug("idempotency: %llu keys older than %lld s deleted",
	    (unsigned long long)done,
	    (long long)domain_cfg()->retention_idempotency_seconds);
	return done == (uint64_t)domain_cfg()->retention_batch_rows ? 1 : 0;
}

/*
 * Up to b->limit tasks of job jid and their hand-out records; once the
 * job has no task left, its node maps (a few a batch: each can be a few
 * MB) and then its row.
 */
static enum db_status
retention_job_tx(struct db_conn *c, struct retention_batch *b, const char *jid)
{
	struct json_object *ids;
	struct db_rows *r;
	const char *text;
	enum db_status st;
	uint64_t n;
	size_t i;

	if ((st = db_query(c,
		 "SELECT id FROM tasks WHERE job_id = ? LIMIT ? FOR UPDATE",
		 &r, "si", jid, b->limit)) != DB_OK)
		return st;
	if (r->nrows > 0) {
		ids = jsonx_new_array_ext(r->nrows);
		for (i = 0; i < r->nrows; i++)
			jsonx_append(ids,
			    jsonx_new_string(db_rows_get(r, i, 0)));
		db_rows_free(r);
		/* Owned by ids: serialised once for both statements. */
		text = json_object_to_json_string_ext(ids,
		    JSON_C_TO_STRING_PLAIN);
		if ((st = db_exec(c,
			 "DELETE k FROM JSON_TABLE(?, '$[*]' COLUMNS (id "
			 "VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin "
			 "PATH '$')) s STRAIGHT_JOIN task_takes k ON k.task_id "
			 "= s.id",
			 &b->d.takes, "s", text)) == DB_OK)
			st = db_exec(c,
			    "DELETE t FROM JSON_TABLE(?, '$[*]' COLUMNS (id "
			    "VARCHAR(64) CHARACTER SET utf8mb4 COLLATE "
			    "utf8mb4_bin PATH '$')) s STRAIGHT_JOIN tasks t ON "
			    "t.id = s.id",
			    &b->d.tasks, "s", text);
		json_object_put(ids);
		return st;
	}
	db_rows_free(r);
	if ((st = db_exec(c,
		 "DELETE FROM job_nodes_maps WHERE job_id = ? ORDER BY "
		 "version LIMIT 4",
		 &b->d.maps, "s", jid)) != DB_OK ||
	    b->d.maps > 0)
		return st;
	st = db_exec(c, "DELETE FROM jobs WHERE id = ?", &n, "s", jid);
	b->d.jobs = n;
	return st;
}

/* One batch of cluster b->id; see retention.h for the order. */
static enum db_status
retention_batch_tx(struct db_conn *c, void *arg)
{
	struct retention_batch *b = arg;
	struct db_rows *r;
	enum db_status st;
	bool terminated;

	memset(&b->d, 0, sizeof b->d);
	b->done = b->gone = b->elsewhere = false;
	if ((st = db_query(c,
		 "SELECT status FROM clusters WHERE id = ? FOR UPDATE", &r,
		 "i", b->id)) != DB_OK)
		return st;
	terminated =
	    r->nrows == 1 && strcmp(db_rows_get(r, 0, 0), "TERMINATED") == 0;
	b->elsewhere = r->nrows == 0;
	db_rows_free(r);
	if (!terminated) {
		b->done = true;
		return DB_OK;
	}
	if ((st = db_query(c,
		 "SELECT id FROM jobs WHERE cluster_id = ? LIMIT 1", &r, "i",
		 b->id)) != DB_OK)
		return st;
	if (r->nrows == 1) {
		st = retention_job_tx(c, b, db_rows_get(r, 0, 0));
		db_rows_free(r);
		return st;
	}
	db_rows_free(r);
	if ((st = db_exec(c, "DELETE FROM nodes WHERE cluster_id = ? LIMIT ?",
		 &b->d.nodes, "ii", b->id, b->limit)) != DB_OK ||
	    b->d.nodes == (uint64_t)b->limit)
		return st;
	if ((st = db_exec(c, "DELETE FROM callbacks WHERE cluster_id = ?",
		 &b->d.callbacks, "i", b->id)) != DB_OK ||
	    (st = db_exec_one(c,
		 "DELETE FROM clusters WHERE id = ? AND status = 'TERMINATED'",
		 "i", b->id)) != DB_OK)
		return st;
	b->done = b->gone = true;
	return DB_OK;
}

/*
 * The oldest forgettable cluster of residue res into *id (0: none): its
 * status TERMINATED since before the cutoff, no job of it underway, no
 * callback of it still to deliver.  *since gets its status_time.
 */
static enum db_status
retention_next(struct db_conn *c, int64_t res, int64_t *id, int64_t *since)
{
	struct db_rows *r;
	enum db_status st;

	*id = 0;
	if ((st = db_query(c,
		 "SELECT c.id, c.status_time FROM clusters c FORCE INDEX "
		 "(clusters_status_time) WHERE c.residue = ? AND c.status = "
		 "'TERMINATED' AND c.status_time > 0 AND c.status_time < ? "
		 "AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.cluster_id = "
		 "c.id AND j.status NOT IN ('COMPLETE', 'FAILED')) AND NOT "
		 "EXISTS (SELECT 1 FROM callbacks b WHERE b.cluster_id = c.id "
		 "AND b.state NOT IN ('delivered', 'failed')) ORDER BY "
		 "c.status_time LIMIT 1",
		 &r, "ii", res,
		 domain_now_ms() -
		     domain_cfg()->retention_terminated_seconds * 1000)) !=
	    DB_OK)
		return st;
	if (r->nrows == 1) {
		*id = db_rows_int(r, 0, 0);
		*since = db_rows_int(r, 0, 1);
	}
	db_rows_free(r);
	return DB_OK;
}

/* Add a batch's rows to the cluster's total. */
static void
retention_add(struct retention_rows *t, const struct retention_rows *d)
{
	t->takes += d->takes;
	t->tasks += d->tasks;
	t->maps += d->maps;
	t->jobs += d->jobs;
	t->nodes += d->nodes;
	t->callbacks += d->callbacks;
}

/*
 * Give TERMINATED clusters of residue res that have no status_time
 * (written before schema 16, or by an older loomd) this time, a few rows
 * a statement: their retention counts from now.  The version is not
 * bumped: status_time is in no answer.  Returns 1 when more may be
 * waiting, else 0.
 */
static int
retention_stamp(struct db_conn *c, int64_t res)
{
	char err[LOOMD_ERR_LEN];
	uint64_t n = 0;

	if (db_exec_tx_one(c, DB_ONE_RUN, &n, err,
		"UPDATE clusters SET status_time = ? WHERE residue = ? AND "
		"status = 'TERMINATED' AND status_time = 0 LIMIT ?",
		"iii", domain_now_ms(), res,
		(int64_t)RETENTION_STAMP_ROWS) != DB_OK) {
		log_warn("retention: cannot stamp terminated clusters: %s",
		    err);
		return 0;
	}
	if (n > 0)
		log_info("retention: %llu terminated clusters of residue %lld "
			 "had no status time (older than schema 16): their "
			 "retention starts now",
		    (unsigned long long)n, (long long)res);
	return n == RETENTION_STAMP_ROWS ? 1 : 0;
}

/* Forget terminated clusters: at most RETENTION_SWEEP_BATCHES batches. */
static int
retention_clusters_sweep(struct db_conn *c, const int64_t *res, size_t n)
{
	struct retention_batch b;
	char err[LOOMD_ERR_LEN], cid[32];
	const struct retention_rows *t = &retention_cur.total;
	size_t k;
	int done = 0;

	if (domain_cfg()->retention_terminated_seconds == 0)
		return 0;
	for (k = 0; k < n; k++)
		done += retention_stamp(c, res[k]);
	k = 0;
	while (done < RETENTION_SWEEP_BATCHES) {
		if (retention_cur.id == 0) {
			for (; k < n; k++)
				if (retention_next(c, res[k],
					&retention_cur.id,
					&retention_cur.since_ms) != DB_OK ||
				    retention_cur.id != 0)
					break;
			if (retention_cur.id == 0)
				return done;
			memset(&retention_cur.total, 0,
			    sizeof retention_cur.total);
			retention_cur.batches = 0;
			log_info("cluster %s: terminated %lld s ago "
				 "(retention.terminated_seconds %lld): "
				 "forgetting it",
			    ids_format_cluster(retention_cur.id, cid,
				sizeof cid),
			    (long long)((domain_now_ms() -
					    retention_cur.since_ms) /
				1000),
			    (long long)domain_cfg()
				->retention_terminated_seconds);
		}
		memset(&b, 0, sizeof b);
		b.id = retention_cur.id;
		b.limit = domain_cfg()->retention_batch_rows;
		ids_format_cluster(b.id, cid, sizeof cid);
		if (db_tx_run(c, retention_batch_tx, &b, err) != DB_OK) {
			/* Taken up again by the next sweep. */
			log_warn("cluster %s: cannot delete its rows now: %s",
			    cid, err);
			return done;
		}
		retention_add(&retention_cur.total, &b.d);
		retention_cur.batches++;
		done++;
		if (!b.done) {
			if (retention_cur.batches % 100 == 0)
				log_info("cluster %s: forgetting it: %llu "
					 "tasks, %llu jobs deleted so far",
				    cid, (unsigned long long)t->tasks,
				    (unsigned long long)t->jobs);
			continue;
		}
		if (b.gone) {
			__atomic_add_fetch(&retention_count, 1,
			    __ATOMIC_RELAXED);
			log_info(
			    "cluster %s forgotten: %llu jobs, %llu tasks, "
			    "%llu hand-out records, %llu node maps, %llu "
			    "nodes, %llu callbacks deleted in %lld "
			    "transactions",
			    cid, (unsigned long long)t->jobs,
			    (unsigned long long)t->tasks,
			    (unsigned long long)t->takes,
			    (unsigned long long)t->maps,
			    (unsigned long long)t->nodes,
			    (unsigned long long)t->callbacks,
			    (long long)retention_cur.batches);
		} else if (b.elsewhere)
			/* Another loomd of this datacenter finished it. */
			log_debug("cluster %s: forgotten by another server",
			    cid);
		else
			log_warn("cluster %s: no longer TERMINATED; left as "
				 "it is",
			    cid);
		retention_cur.id = 0;
	}
	return done;
}

int
retention_sweep(struct db_conn *c, const int64_t *res, size_t n)
{
	return retention_keys_sweep(c, res, n) +
	    retention_clusters_sweep(c, res, n);
}
