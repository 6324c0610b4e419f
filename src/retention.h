/* SPDX-License-Identifier: Apache-2.0 */
/*
 * retention.h - forgetting terminated clusters.  A cluster terminated
 * retention.terminated_seconds ago (clusters.status_time), with no job
 * underway and no callback still to deliver, loses its rows: task
 * hand-out records, tasks, node maps and jobs, one job at a time, then
 * nodes, callbacks and its own row, each transaction deleting at most
 * retention.batch_rows rows.  Its own row goes last, so a loomd stopped
 * half-way leaves a cluster that is still listed as TERMINATED, and the
 * next sweep of any loomd working its residue takes it up again.  A
 * TERMINATED row with status_time 0 (from before schema 16, or an older
 * loomd) is first given the sweep's time, so it counts from then.  The
 * scheduler thread calls the sweep; nothing else does.
 *
 * The same sweep deletes the Idempotency-Keys stored more than
 * retention.idempotency_seconds ago, a batch at a time, in the one
 * datacenter that works the lowest residue.
 */
#ifndef LOOMD_RETENTION_H
#define LOOMD_RETENTION_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

/*
 * How long the scheduler waits between sweeps that found nothing to do,
 * in ms: the shorter of retention.terminated_seconds and
 * retention.idempotency_seconds (those not 0), at most a minute.  0 when
 * both are 0.
 */
int64_t retention_interval_ms(void);

/*
 * One sweep over the residues res[0, n) (borrowed) on connection c: at
 * most a few transactions' worth of deleting, so that the scheduler's job
 * passes go on between sweeps.  Returns the number of transactions that
 * deleted something (the caller sweeps again at once while it is not 0).
 */
int retention_sweep(struct db_conn *c, const int64_t *res, size_t n);

/* Clusters forgotten by this process, for GET /metrics. */
uint64_t retention_forgotten(void);
/* Idempotency-Keys this process deleted as expired, for GET /metrics. */
uint64_t retention_keys_expired(void);

#endif /* LOOMD_RETENTION_H */
