/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ids.h - ID partitions.  Each datacenter owns the residue class
 * start_num mod increment_by of the ID space, registered in id_partitions
 * and checked against every other datacenter at startup.  IDs are handed
 * out from blocks reserved by one transaction on a per-(kind, residue)
 * counter row that only this datacenter writes.
 */
#ifndef LOOMD_IDS_H
#define LOOMD_IDS_H

#include <stdint.h>

#include "common.h"
#include "db.h"

struct cfg;

enum ids_kind {
	IDS_CLUSTER = 0,
	IDS_JOB,
	IDS_TASK,
	IDS_KIND_COUNT,
};

/* Outcome of ids_register(). */
enum ids_result {
	IDS_OK = 0,
	IDS_REFUSED,   /* partition conflict: a configuration error */
	IDS_DB_FAILED, /* the database failed; err says how */
};

/* Pure: check start_num/increment_by alone; 0 or -1 with err. */
int ids_validate_local(int64_t start_num, int64_t increment_by,
    char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/*
 * Pure: the first value >= floor that is in the residue class of start_num
 * modulo increment_by and not below start_num.
 */
int64_t ids_first_at_or_above(int64_t floor, int64_t start_num,
    int64_t increment_by);

/*
 * Register this datacenter's partition (one transaction, serialised
 * cluster-wide) and create its counter rows.  Refuses, naming the other
 * datacenter and its values, when increments differ, the residue is taken,
 * this datacenter was registered with other values, or registering would
 * leave no free residue.  Borrows c and cfg.
 */
enum ids_result ids_register(struct db_conn *c, const struct cfg *cfg,
    char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/*
 * Initialise the allocator for this process.  Borrows cfg for the process
 * lifetime.  Call after ids_register() and before any thread uses
 * ids_next().
 */
void ids_init(const struct cfg *cfg);
/* Release the allocator's connection. */
void ids_shutdown(void);

/*
 * Next ID of kind for this datacenter.  Thread-safe.  Reserves a new block
 * of ids.block_size values (one transaction on an allocator connection of
 * its own, never inside the caller's transaction, and with no lock held
 * meanwhile) when the current one is used up.  Returns DB_OK or the
 * database failure with err set.
 */
enum db_status ids_next(enum ids_kind kind, int64_t *out,
    char err[LOOMD_ERR_LEN]);

/*
 * Reserve count consecutive IDs of kind for this datacenter: *first, then
 * *first + increment_by, ... (count values).  Thread-safe; one transaction
 * at most.  Used for the tasks of a plan.
 */
enum db_status ids_reserve(enum ids_kind kind, int64_t count, int64_t *first,
    char err[LOOMD_ERR_LEN]);

/* Kind name as stored in id_counters ("cluster", "job", "task"). */
const char *ids_kind_name(enum ids_kind kind);

/* Blocks reserved by this process, per kind (for metrics). */
uint64_t ids_blocks_reserved(enum ids_kind kind);

/* Loom formats: cluster "%08lld"; job "<cluster>-%03lld"; task
 * "<job>-%03lld".  Write into out (size n); return out. */
char *ids_format_cluster(int64_t id, char *out, size_t n);
char *ids_format_job(const char *cluster, int64_t num, char *out, size_t n);
char *ids_format_task(const char *job, int64_t num, char *out, size_t n);

#endif /* LOOMD_IDS_H */
