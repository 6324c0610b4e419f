/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cluster_store.h - the cluster aggregate on the database: clusters, their
 * nodes, jobs and tasks, and the work that moves them through Loom's
 * lifecycle (LOOM-0.9-API.md section 3).  Loom's queues are columns:
 * jobs.needs_work is the job queue, tasks.q_state the provisioner queue.
 * Every state change is one transaction through db_tx_run(), using
 * SELECT ... FOR UPDATE or compare-and-swap on a version column, so any
 * loomd of any datacenter may call any of these at any time.
 */
#ifndef LOOMD_CLUSTER_STORE_H
#define LOOMD_CLUSTER_STORE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "common.h"
#include "db.h"

struct cfg;

/*
 * Outcome of a request: an HTTP code (200, 204, 400, 404, 409, 417, 422,
 * 500, 503), the error message for codes >= 400, and on success an
 * optional body (owned; the caller frees it with free()).
 */
struct cs_out {
	int	 code;
	char	 msg[LOOMD_ERR_LEN];
	char	*body;
};

/* The caller of a request: its user id and whether it sees all clusters. */
struct cs_user {
	const char	*id;
	bool		 sees_all;	/* admin or system */
};

/* Borrow cfg for the process lifetime; me names this server in leases. */
void cs_init(const struct cfg *cfg, const char *me);

/* Idempotency of a write: key (NULL: none) and the request's hash. */
struct cs_idem {
	const char	*key;
	const char	*hash;	/* 64 hex characters */
};

/*
 * POST /clusters with a validated request (the ClusterRequest of section
 * 2.10 plus description and config, borrowed).  On 200 the body is
 * {"id":"<clusterId>"}.
 */
void cs_create(const struct cs_user *u, struct json_object *request,
    struct json_object *config, const char *description,
    const struct cs_idem *idem, struct cs_out *out);

/* GET /clusters: summaries, newest first. */
void cs_list(const struct cs_user *u, struct cs_out *out);
/* GET /clusters/{id}: the cluster with full nodes and "message". */
void cs_get(const struct cs_user *u, int64_t id, struct cs_out *out);
/* GET /clusters/{id}/services. */
void cs_services(const struct cs_user *u, int64_t id, struct cs_out *out);
/* GET /clusters/{id}/status. */
void cs_status(const struct cs_user *u, int64_t id, struct cs_out *out);
/* GET /clusters/{id}/plans, or one plan when job is not NULL. */
void cs_plans(const struct cs_user *u, int64_t id, const char *job,
    struct cs_out *out);
/* POST /getClusterStatuses. */
void cs_statuses(const struct cs_user *u, struct cs_out *out);
/* DELETE /clusters/{id}. */
void cs_delete(const struct cs_user *u, int64_t id,
    const struct cs_idem *idem, struct cs_out *out);
/* POST /clusters/{id}/abort. */
void cs_abort(const struct cs_user *u, int64_t id,
    const struct cs_idem *idem, struct cs_out *out);
/* POST /clusters/{id} with a new expireTime. */
void cs_set_expire(const struct cs_user *u, int64_t id, int64_t expire,
    const struct cs_idem *idem, struct cs_out *out);

/* POST /tasks/take: 200 with the task JSON, or 204. */
void cs_take(const char *worker, struct cs_out *out);
/* POST /tasks/finish.  result, stdout_s, stderr_s may be NULL. */
void cs_finish(const char *worker, const char *task_id, int64_t status,
    struct json_object *result, const char *stdout_s, const char *stderr_s,
    struct cs_out *out);

/*
 * One scheduler pass for the residues in res[0, n): solve, plan and
 * advance every job that needs work, fail timed-out tasks and delete
 * expired clusters.  Returns the number of jobs handled (so the caller
 * can run again at once when there was work).
 */
int cs_schedule(struct db_conn *c, const int64_t *res, size_t n);
/* Free what cs_schedule() keeps between passes (the catalogue cache). */
void cs_schedule_done(void);

/* Parse a cluster id ("00000001", "1"): 0 or -1 when malformed. */
int cs_parse_cluster_id(const char *s, int64_t *out) LOOMD_MUSTCHECK;

/* Milliseconds since the epoch. */
int64_t cs_now_ms(void);

#endif /* LOOMD_CLUSTER_STORE_H */
