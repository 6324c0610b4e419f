/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jobs_stage.h - the stage machinery of the job pipeline's advance
 * (jobs_advance.c), and nothing else includes it: the state of one
 * advance, a stage's task rows read and locked, the cluster's nodes and
 * the job's nodes map loaded once per attempt, submissions written a
 * batch per statement, and the retry or rollback of a failed task
 * (section 3.8).
 */
#ifndef LOOMD_JOBS_STAGE_H
#define LOOMD_JOBS_STAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "db.h"
#include "job_store.h"
#include "planner.h"

struct json_object;

/*
 * One task row of the current stage.  Its strings are owned by the row
 * and freed with jobs_stage_tasks_free().
 */
struct jobs_stage_task {
	char *id;
	char *status;
	int64_t attempts;
	char *name; /* UPPER action */
	char *node; /* may be NULL */
	char *service;
	char *orig;   /* original config; NULL unless to submit or retry */
	char *config; /* current attempt's config, may be NULL */
	int64_t nodes_map; /* config's map version, 0: none or inline */
	int64_t seq;
};

/*
 * The state of one advance, zeroed by its caller.  job, planned and
 * planned_nodes are borrowed from the caller; next, doc, nodes, by_id,
 * nodes_map and pending are owned by the state and released by
 * jobs_stage_reset() (doc to nodes_map by jobs_stage_unload()).
 */
struct jobs_stage_state {
	const char *job;
	/* Set by the caller, for every attempt: */
	bool finishing; /* a finish's call: its stage is done, most likely */
	/*
	 * The finish's locked read of the job (borrowed): row 0, columns
	 * job_col on as JOBS_ADVANCE_JOB_COLS; NULL: read it here.
	 */
	struct db_rows *job_row;
	size_t job_col;
	const struct job_store_job *planned; /* planned in this transaction */
	struct json_object *planned_nodes; /* the nodes it was planned from */
	/* The job's newest nodes map, read with the job: version, SHA-256 */
	int64_t newest_map;
	char newest_sha[65];
	/* The next stage's rows, read with the current one (finishing) */
	struct jobs_stage_task *next;
	size_t nnext;
	int next_stage;
	bool next_unregistered;
	/*
	 * Loaded on first need, per attempt; kept for the next batch of a
	 * stage when keep is set (the whole stage from one snapshot of the
	 * nodes, as when it was queued in one transaction).
	 */
	struct json_object *doc;
	struct json_object *nodes;
	struct json_object *by_id; /* node id -> node of nodes */
	struct json_object *nodes_map;
	bool keep;
	int kept_stage;	     /* the stage the kept snapshot was queueing */
	int64_t map_version; /* of nodes_map in job_nodes_maps, 0: unknown */
	size_t queued;	     /* tasks queued by this attempt */
	bool more;	     /* tasks of the stage left for another batch */
	/* Submissions not yet written: [[id, q_seq, time, config, map]] */
	struct json_object *pending;
	size_t pending_bytes; /* of their configs */
	int64_t cluster;
	enum planner_cluster_action ca;
	/* outcome */
	char msg[LOOMD_ERR_LEN];
	bool requeue;
};

/* Release a's loaded cluster doc and nodes (a->doc to a->nodes_map). */
void jobs_stage_unload(struct jobs_stage_state *a);
/*
 * Release what one attempt of the advance loaded into a: the next
 * stage's rows and the pending submissions, and the doc and nodes unless
 * a->keep.  Clears the attempt's outcome.
 */
void jobs_stage_reset(struct jobs_stage_state *a);
/* Load the cluster's doc into a->doc (owned by a), once per attempt. */
enum db_status jobs_stage_load_doc(struct db_conn *c,
    struct jobs_stage_state *a);
/*
 * Load the cluster's nodes, their nodes map and the index by id into a
 * (owned by a), once per attempt; a->planned_nodes (borrowed) is taken
 * with a new reference instead of a read when set.
 */
enum db_status jobs_stage_load(struct db_conn *c, struct jobs_stage_state *a);
/*
 * Set a->map_version to the job's nodes map version of the loaded
 * nodes' map, written now when the newest one differs.
 */
enum db_status jobs_stage_map(struct db_conn *c, struct jobs_stage_state *a);
/*
 * The node object of id in the loaded nodes, or NULL: borrowed from a,
 * valid until jobs_stage_unload().
 */
struct json_object *jobs_stage_node(struct jobs_stage_state *a,
    const char *id);
/* Free the n rows of t, their strings and t itself (takes ownership). */
void jobs_stage_tasks_free(struct jobs_stage_task *t, size_t n);
/*
 * Read the tasks of stage, locked (all of them, or with unqueued the
 * first max not submitted).  *out (*n rows) is the caller's, freed with
 * jobs_stage_tasks_free(); rows read before into a->next are handed over
 * from a.  With a->finishing the next stage's rows go to a->next (owned
 * by a).
 */
enum db_status jobs_stage_read(struct db_conn *c, struct jobs_stage_state *a,
    int stage, bool unqueued, size_t max, struct jobs_stage_task **out,
    size_t *n);
/* *clean set when no task of stage failed. */
enum db_status jobs_stage_clean(struct db_conn *c, struct jobs_stage_state *a,
    int stage, bool *clean);
/* Write a->pending with one statement, then free it. */
enum db_status jobs_stage_flush(struct db_conn *c, struct jobs_stage_state *a);
/*
 * Submit task t (borrowed): its row goes to a->pending (owned by a,
 * written by jobs_stage_flush()).  *ok clear when a macro error failed
 * the task.
 */
enum db_status jobs_stage_submit(struct db_conn *c, struct jobs_stage_state *a,
    struct jobs_stage_task *t, bool *ok);
/*
 * Schedule the retry of failed task t (borrowed; t->orig may be set to a
 * new string owned by t) at stage cur.  *self when t itself is to be
 * submitted now; else *now_task describes the new task to submit, its
 * strings new and freed by the caller with free().
 */
enum db_status jobs_stage_retry(struct db_conn *c, struct jobs_stage_state *a,
    struct jobs_stage_task *t, int cur, struct jobs_stage_task *now_task,
    bool *self);

#endif /* LOOMD_JOBS_STAGE_H */
