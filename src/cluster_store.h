/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cluster_store.h - cluster rows on the database: create, delete, abort
 * and change the lease of a cluster (LOOM-0.9-API.md section 3), and the
 * cluster-row helpers that cluster_read and the job pipeline share.
 * Every state change is one transaction through db_tx_run(), using
 * SELECT ... FOR UPDATE or compare-and-swap on a version column, so any
 * loomd of any datacenter may call any of these at any time.
 *
 * The request operations answer in a struct domain_out (domain.h) the
 * caller zeroes before and frees the body of after.
 */
#ifndef LOOMD_CLUSTER_STORE_H
#define LOOMD_CLUSTER_STORE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "common.h"
#include "db.h"
#include "domain.h"
#include "job_store.h"

struct cluster_request;
struct idem_store_key;

/* Who asks: a user id and whether it sees all clusters (borrowed). */
struct cluster_store_user {
	const char *id;
	bool sees_all; /* admin or system */
};

/*
 * Create a cluster from a validated request (borrowed).  On DOMAIN_OK the
 * body is {"id":"<clusterId>"}.  With claimed non-NULL its SOLVE_LAYOUT
 * job is inserted claimed by this server (job_store_insert_claimed_tx())
 * and, when the transaction committed it, read into *claimed; otherwise
 * (an error, a replay of an Idempotency-Key) claimed->id is empty.
 */
void cluster_store_create(const struct cluster_store_user *u,
    const struct cluster_request *rq, const struct idem_store_key *idem,
    struct job_store_job *claimed, struct domain_out *out);

/* Request the deletion of a cluster (section 3.10). */
void cluster_store_delete(const struct cluster_store_user *u, int64_t id,
    const struct idem_store_key *idem, struct domain_out *out);
/* Abort a cluster's running job (section 3.9). */
void cluster_store_abort(const struct cluster_store_user *u, int64_t id,
    const struct idem_store_key *idem, struct domain_out *out);
/*
 * Pause (pause true) or resume the running job of a cluster (Coopr 0.9.9,
 * LOOM-0.9.7-OPS.md section 10.1).
 */
void cluster_store_pause(const struct cluster_store_user *u, int64_t id,
    bool pause, struct domain_out *out);
/* Change a cluster's expire time (section 3.11). */
void cluster_store_set_expire(const struct cluster_store_user *u, int64_t id,
    int64_t expire, const struct idem_store_key *idem, struct domain_out *out);

/*
 * Background: delete cluster id, whose lease ran out, on connection c.
 * DB_OK when the transaction committed (a cluster still busy is left
 * alone), another status with err otherwise.
 */
enum db_status cluster_store_delete_expired(struct db_conn *c, int64_t id,
    char err[LOOMD_ERR_LEN]);

/*
 * Load the row of cluster id visible to u (NULL: the system, which sees
 * all) into *r (the caller frees it): doc, status, latest_job,
 * create_time, expire_time, owner_id, num_nodes.  DB_ABORT with
 * DOMAIN_NOT_FOUND in out when it is absent or not visible.
 */
enum db_status cluster_store_load_tx(struct db_conn *c,
    const struct cluster_store_user *u, int64_t id, bool for_update,
    struct db_rows **r, struct domain_out *out);

/*
 * Reserve the id of a new job of cluster id into jid (outside any
 * transaction: a gap is harmless), or fail with err.
 */
#define CLUSTER_STORE_JID_LEN 48
enum db_status cluster_store_job_id(int64_t id,
    char jid[CLUSTER_STORE_JID_LEN], char err[LOOMD_ERR_LEN]);

/*
 * A write request on one cluster, as its transaction reads it: who asks,
 * its Idempotency-Key and its answer (borrowed), the cluster id and its
 * text, and the id reserved for the job the write starts.
 */
struct cluster_store_req {
	const struct cluster_store_user *u;
	const struct idem_store_key *idem;
	struct domain_out *out;
	int64_t id;
	char cid[32];
	char jid[CLUSTER_STORE_JID_LEN];
};

/*
 * Run the write transaction fn(arg) of rq through db_tx_run() on the
 * calling thread's connection, with rq->cid formatted and, when job, a
 * job id reserved into rq->jid first; the outcome goes to rq->out.
 */
void cluster_store_run(struct cluster_store_req *rq, bool job, db_tx_fn fn,
    void *arg);
/*
 * In a transaction, the start of the write rq: when rq->idem holds the
 * stored answer of this request, *done is true and rq->out has it; else
 * the row is loaded FOR UPDATE into *r (caller frees) as by
 * cluster_store_load_tx().
 */
enum db_status cluster_store_open_tx(struct db_conn *c,
    const struct cluster_store_req *rq, struct db_rows **r, bool *done);
/*
 * In a transaction, the end of the write rq that succeeded: DOMAIN_OK
 * in rq->out (with the body it has) and that answer stored under
 * rq->idem.
 */
enum db_status cluster_store_answer_tx(struct db_conn *c,
    const struct cluster_store_req *rq);
/*
 * In a transaction: read the row of cluster id (locked when for_update)
 * and parse its doc into *doc (a new object the caller puts; NULL if the
 * stored JSON is corrupt).  *found is false, and *doc NULL, when there
 * is no such cluster.
 */
enum db_status cluster_store_doc_tx(struct db_conn *c, int64_t id,
    bool for_update, struct json_object **doc, bool *found);
/* In a transaction: write doc (borrowed) back with its status column. */
enum db_status cluster_store_save_tx(struct db_conn *c, int64_t id,
    struct json_object *doc, const char *status, const char *latest_job);
/*
 * In a transaction: publish a solved layout, in one write: doc (borrowed,
 * its status set to pending), status PENDING, latest_job and the summary
 * columns the list and expiry read.
 */
enum db_status cluster_store_publish_tx(struct db_conn *c, int64_t id,
    struct json_object *doc, const char *latest_job, const char *template_name,
    int64_t num_nodes, int64_t expire_time);
/* In a transaction: set a cluster's status (its doc's too). */
enum db_status cluster_store_set_status_tx(struct db_conn *c, int64_t id,
    const char *status);
/* Append job jid to a cluster doc's jobs list. */
void cluster_store_doc_add_job(struct json_object *doc, const char *jid);
/* The nodes of cluster id as a new JSON array, in nodenum order. */
enum db_status cluster_store_load_nodes_tx(struct db_conn *c, int64_t id,
    bool for_update, struct json_object **nodes);
/*
 * In a transaction, without locks: the doc and the nodes of cluster id,
 * as the two above read them, as new objects the caller puts.  What *doc
 * and *nodes held is put first, so a retried transaction body can call
 * it again.  Both are NULL when there is no such cluster or its doc is
 * corrupt (the nodes are not read then).
 */
enum db_status cluster_store_doc_nodes_tx(struct db_conn *c, int64_t id,
    struct json_object **doc, struct json_object **nodes);

#endif /* LOOMD_CLUSTER_STORE_H */
