/* SPDX-License-Identifier: Apache-2.0 */
/*
 * task_store.h - the provisioner queue (tasks.q_state) and the node
 * actions that record it: take, finish and time out a task
 * (LOOM-0.9-API.md sections 3.6 to 3.8).  Each is one transaction through
 * db_tx_run().
 */
#ifndef LOOMD_TASK_STORE_H
#define LOOMD_TASK_STORE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "common.h"
#include "db.h"
#include "domain.h"
#include "idem_store.h"

/* Room for a task id ("00000001-001-001") and its NUL. */
#define TASK_STORE_ID_LEN 64

/*
 * Hand worker (borrowed) its next task: DOMAIN_OK with the task JSON in
 * out->body (the caller frees it) and its id in task_id, or DOMAIN_EMPTY
 * when none is queued (task_id is then "").
 */
void task_store_take(const char *worker, struct domain_out *out,
    char task_id[TASK_STORE_ID_LEN]);

/*
 * Record the result of task_id that worker holds (status 0: complete).
 * result, stdout_s, stderr_s and idem are borrowed and may be NULL.
 * *pass tells whether it left work for a scheduler pass (a failure to
 * retry, a stage with tasks still running, the rest of a big stage).
 * DOMAIN_PRECONDITION when worker does not hold the task.  With an
 * Idempotency-Key (idem, keyed by worker) a replay of a recorded finish
 * gets its answer again and changes nothing; the key of another request
 * is DOMAIN_KEY_REUSED.
 */
void task_store_finish(const char *worker, const char *task_id, int64_t status,
    struct json_object *result, const char *stdout_s, const char *stderr_s,
    const struct idem_store_key *idem, struct domain_out *out, bool *pass);

/*
 * What became of the answer of a take that handed worker task_id (both
 * borrowed): sent, it reached the worker's connection and the hand-out
 * is recorded as delivered; not sent, the task is queued again at once
 * if worker still holds it.  Errors are logged: an undelivered hand-out
 * is queued again by task_store_requeue() later.
 */
void task_store_delivered(const char *worker, const char *task_id, bool sent);

/*
 * Record on c, in one autocommit statement, that the answers of several
 * takes were delivered: rows (borrowed) is a JSON array of [task id,
 * worker id, delivered_at ms].  A record already there is kept.
 */
enum db_status task_store_mark_delivered(struct db_conn *c, const char *rows,
    char err[LOOMD_ERR_LEN]);

/*
 * Queue task again when it was taken before cutoff (ms) by worker (NULL:
 * by anyone) and the answer of that hand-out was never delivered, in a
 * transaction of its own on c.  *requeued tells whether it was.
 */
enum db_status task_store_requeue(struct db_conn *c, const char *task,
    const char *worker, int64_t cutoff, bool *requeued,
    char err[LOOMD_ERR_LEN]);

/*
 * Fail task, taken before cutoff (ms) and still unfinished, as timed out
 * after secs seconds, in a transaction of its own on c.
 */
enum db_status task_store_timeout(struct db_conn *c, const char *task,
    int64_t cutoff, int64_t secs, char err[LOOMD_ERR_LEN]);

#endif /* LOOMD_TASK_STORE_H */
