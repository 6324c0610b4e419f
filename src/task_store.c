/* SPDX-License-Identifier: Apache-2.0 */
/*
 * task_store.c - the provisioner queue on MariaDB/Galera (see
 * task_store.h).  A take looks for queued tasks without locks, locks one
 * by its primary key with SKIP LOCKED and records the hand-out (it
 * writes no node: GET shows the running task's action from the task
 * row); a finish writes the node's action, ended, and, when it completes
 * a stage, advances the job in the same transaction.
 */
#include "config.h"

#include "task_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cluster_view.h"
#include "job_store.h"
#include "jobs_advance.h"
#include "jsonsplice.h"
#include "node_action.h"
#include "take_claims.h"
#include "takewait.h"
#include "taskconfig.h"

/* ---------------------------------------------------------------- */
/* Take and finish                                                  */

/*
 * The task as a take hands it out, one row: job_id, cluster_id, task_name,
 * node_id, config, the job's nodes map (NULL for a task whose config is
 * sent as stored) and the job's status at columns 0 to 6; column 7 says
 * the task names a map that is gone, column 8 is the map's version.  The
 * take writes no node: while the task is taken, GET /clusters/{id} shows
 * its in_progress action from the task row.
 */
#define TASK_STORE_TAKE_READ \
	"SELECT t.job_id, t.cluster_id, t.task_name, t.node_id, t.config, " \
	"m.nodes, j.status, t.nodes_map IS NOT NULL AND m.job_id IS NULL, " \
	"t.nodes_map FROM tasks t LEFT JOIN job_nodes_maps m ON " \
	"m.job_id = t.job_id AND m.version = t.nodes_map LEFT JOIN jobs j " \
	"ON j.id = t.job_id WHERE t.id = ?"

/*
 * TASK_STORE_TAKE_READ of task id into *r (the caller frees it).  The
 * take's candidate search is its first read, so the transaction's
 * snapshot can be older than the task it then locked (a locking read
 * sees the newest row): a job or nodes map committed with or just before
 * that task is missing from the snapshot.  Then read again with a
 * locking read, which sees the newest rows; a job or map missing from
 * that too is really gone.
 */
static enum db_status
task_store_take_read(struct db_conn *c, const char *id, struct db_rows **r)
{
	enum db_status st;

	*r = NULL;
	if ((st = db_query(c, TASK_STORE_TAKE_READ, r, "s", id)) != DB_OK ||
	    (*r)->nrows != 1 ||
	    (db_rows_get(*r, 0, 6) != NULL && db_rows_int(*r, 0, 7) == 0))
		return st;
	db_rows_free(*r);
	*r = NULL;
	return db_query(c, TASK_STORE_TAKE_READ " LOCK IN SHARE MODE", r, "s",
	    id);
}

/*
 * The nodes map this thread last found to be one JSON object, by job and
 * version.  A row of job_nodes_maps is written once and never changed
 * (jobs_stage_map() writes a new version when the nodes change), so the
 * pair names the same text for good.  Each thread then scans a version's
 * text once, not on every take: every take of a job sends its map, so
 * scanning it each time made a job's takes cost the square of its size
 * (a 10,000-node job's 1.1 MB map on each of its 80,000 takes).
 */
static _Thread_local struct {
	char job[65];	 /* jobs.id is VARCHAR(64) */
	int64_t version; /* 0: none */
} task_store_map_ok;

/* Is the map text (len bytes), version of job, one JSON object? */
static bool
task_store_map_checked(const char *job, int64_t version, const char *text,
    size_t len)
{
	if (version == task_store_map_ok.version &&
	    strcmp(job, task_store_map_ok.job) == 0)
		return true;
	if (!jsonsplice_is_object(text, len))
		return false;
	if (strlen(job) < sizeof task_store_map_ok.job) {
		strcpy(task_store_map_ok.job, job);
		task_store_map_ok.version = version;
	}
	return true;
}

/*
 * The take's answer for task id (section 3.6) from the first row of r
 * (TASK_STORE_TAKE_READ): its config with the job's nodes map, which is
 * stored apart, when the config takes it.  Returns a new string the
 * caller frees.
 */
static char *
task_store_take_body(const char *id, struct db_rows *r)
{
	const char *job = db_rows_get(r, 0, 0), *cfg = db_rows_get(r, 0, 4);
	struct cluster_view_map map = { db_rows_get(r, 0, 5),
		db_rows_len(r, 0, 5), false };
	const struct cluster_view_map *with = NULL;

	if (map.text != NULL && cfg != NULL && taskconfig_takes_map(cfg)) {
		map.checked = job != NULL &&
		    task_store_map_checked(job, db_rows_int(r, 0, 8), map.text,
			map.len);
		with = &map;
	}
	return cluster_view_task(id, job, db_rows_int(r, 0, 1),
	    db_rows_get(r, 0, 2), db_rows_get(r, 0, 3), cfg, with);
}

/* The look's candidates of each kind, at most (its LIMIT). */
#define TASK_STORE_LOOK_MAX 8

struct task_store_take_arg {
	const char *worker;
	struct domain_out *out;
	int64_t residue;
	size_t spread;		/* first candidate tried (a hash) */
	int64_t foreign_before; /* another datacenter's task: q_seq below */
	struct db_rows *cand;	/* the look's rows */
	bool held;		/* the look found a task the worker holds */
	size_t order[2 * TASK_STORE_LOOK_MAX]; /* cand rows, in turn */
	size_t norder, next;		       /* how many; the next one */
	bool again; /* a transaction ended to drop a needless lock */
};

/*
 * The take's look (db_read_run body), one autocommit read without locks:
 * the task the worker holds (tagged 0), this datacenter's oldest queued
 * tasks (1) and, only when this datacenter has none queued, the other
 * datacenters' oldest queued task.foreign_grace_ms ago at least (2).  A
 * take tries its own first and takes another's only when none of its own
 * is left, so the foreign part would be wasted; and its index (q_state,
 * q_seq) holds no residue, so it read the row of every own queued task
 * to skip it: 1.4-1.6 s per take with 9,400 queued in a 10,000-node stage
 * (a 32 MB buffer pool), 10-14 ms without it.  A take that finds none
 * costs this one statement, not a transaction (most takes of idle workers
 * find none).
 */
static enum db_status
task_store_take_look_fn(struct db_conn *c, void *arg)
{
	struct task_store_take_arg *a = arg;

	db_rows_free(a->cand);
	a->cand = NULL;
	return db_query(c,
	    "(SELECT id, 0 FROM tasks WHERE q_state = 'taken' AND worker_id = "
	    "? LIMIT 1) UNION ALL (SELECT id, 1 FROM tasks FORCE INDEX "
	    "(tasks_queue_residue) WHERE q_state = 'queued' AND residue = ? "
	    "ORDER BY q_seq LIMIT 8) UNION ALL (SELECT id, 2 FROM tasks FORCE "
	    "INDEX (tasks_queue) WHERE NOT EXISTS (SELECT 1 FROM tasks o FORCE "
	    "INDEX (tasks_queue_residue) WHERE o.q_state = 'queued' AND "
	    "o.residue = ?) AND q_state = 'queued' AND q_seq < ? AND residue "
	    "<> ? ORDER BY q_seq LIMIT 8)",
	    &a->cand, "siiii", a->worker, a->residue, a->residue,
	    a->foreign_before, a->residue);
}

/* Answer with task id, whose TASK_STORE_TAKE_READ is r (NULL: gone). */
static void
task_store_take_answer(struct task_store_take_arg *a, const char *id,
    struct db_rows *r)
{
	free(a->out->body);
	a->out->body = NULL;
	a->out->res = DOMAIN_EMPTY;
	if (r != NULL && r->nrows == 1) {
		a->out->body = task_store_take_body(id, r);
		a->out->res = DOMAIN_OK;
	}
}

/*
 * Hand out the queued task id to the worker, if nobody holds or took it
 * meanwhile: *got tells.  The lock is a primary-key lookup with SKIP
 * LOCKED: a task another take holds is passed over at once, and no gap
 * of the queue's index is locked, so that a finish or a queueing (which
 * move rows in and out of that index) never waits for a take, and a
 * write set replicated from another node never has a take's gap lock to
 * abort.
 */
static enum db_status
task_store_take_one_tx(struct db_conn *c, struct task_store_take_arg *a,
    const char *id, int64_t now, bool *got)
{
	struct db_rows *r = NULL;
	enum db_status st;
	uint64_t n;
	bool queued;

	*got = false;
	if ((st = db_query(c,
		 "SELECT q_state = 'queued' FROM tasks WHERE id = ? FOR "
		 "UPDATE SKIP LOCKED",
		 &r, "s", id)) != DB_OK)
		return st;
	n = r->nrows;
	queued = n == 1 && db_rows_int(r, 0, 0) == 1;
	db_rows_free(r);
	r = NULL;
	if (n == 0)
		return DB_OK; /* another take holds it just now: no lock */
	if (!queued) {
		/*
		 * Taken since the look: its row is now locked by us until
		 * the transaction ends, and its worker's finish would wait
		 * for that.  End it (nothing is written yet) and go on with
		 * the next candidate in a new one.
		 */
		a->again = true;
		return DB_OK;
	}
	if ((st = db_exec(c,
		 "UPDATE tasks SET q_state = 'taken', worker_id = ?, taken_at "
		 "= ?, version = version + 1 WHERE id = ? AND q_state = 'queued'",
		 &n, "sis", a->worker, now, id)) != DB_OK ||
	    n != 1)
		return st;
	/* The hand-out record: a second one of this attempt fails. */
	st = db_exec(c,
	    "INSERT INTO task_takes (task_id, attempt, "
	    "worker_id, taken_at) SELECT id, attempts, ?, ? FROM tasks "
	    "WHERE id = ?",
	    NULL, "sis", a->worker, now, id);
	if (st == DB_CONFLICT) {
		log_warn("take: task %s was already handed out; looking again",
		    id);
		st = DB_RETRY;
	}
	if (st != DB_OK || (st = task_store_take_read(c, id, &r)) != DB_OK)
		goto out;
	if (db_rows_get(r, 0, 6) == NULL ||
	    strcmp(db_rows_get(r, 0, 6), "FAILED") == 0) {
		/* Its job failed: drop it and let the job settle. */
		if ((st = db_exec(c,
			 "UPDATE tasks SET status = 'DROPPED', q_state = "
			 "'none', worker_id = NULL, status_time = ? WHERE id = ?",
			 NULL, "is", now, id)) == DB_OK)
			st = job_store_needs_work_tx(c, db_rows_get(r, 0, 0));
		goto out;
	}
	task_store_take_answer(a, id, r);
	*got = true;
out:
	db_rows_free(r);
	return st;
}

/*
 * The order in which a take tries the look's candidates, into a: this
 * datacenter's oldest first, then the other datacenters' queued
 * task.foreign_grace_ms ago at least (a survivor working a dead one's
 * queue; until then their own workers have them, so that takers of two
 * datacenters do not certify against each other over the same tasks).
 * Its own in the order queued (first in, first out: a candidate another
 * take holds is passed over at once); the others each worker tries from
 * one of its own, so that takers on different nodes do not all meet at
 * the same first task.
 */
static void
task_store_take_order(struct task_store_take_arg *a)
{
	size_t idx[2][TASK_STORE_LOOK_MAX], cnt[2] = { 0, 0 }, i, k;
	int tag;

	a->held = false;
	a->norder = a->next = 0;
	for (i = 0; i < a->cand->nrows; i++) {
		tag = (int)db_rows_int(a->cand, i, 1);
		if (tag == 0)
			a->held = true;
		else if (tag <= 2 && cnt[tag - 1] < TASK_STORE_LOOK_MAX)
			idx[tag - 1][cnt[tag - 1]++] = i;
	}
	for (tag = 0; tag < 2; tag++)
		for (k = 0; k < cnt[tag]; k++)
			a->order[a->norder++] =
			    idx[tag]
			       [tag == 0 ? k : (k + a->spread) % cnt[tag]];
}

static enum db_status
task_store_take_tx(struct db_conn *c, void *arg)
{
	struct task_store_take_arg *a = arg;
	struct db_rows *r = NULL, *t = NULL;
	const char *id;
	enum db_status st;
	int64_t now = domain_now_ms();
	bool got = false;

	a->again = false;
	/*
	 * A worker asking again while it holds a task lost our answer (a
	 * timeout, a dropped connection): it gets the same task again
	 * rather than leave that one stranded until task.timeout_seconds.
	 */
	if (a->held) {
		if ((st = db_query(c,
			 "SELECT id FROM tasks WHERE q_state = 'taken' AND "
			 "worker_id = ? ORDER BY taken_at LIMIT 1",
			 &r, "s", a->worker)) != DB_OK)
			return st;
		if (r->nrows == 1) {
			id = db_rows_get(r, 0, 0);
			if ((st = task_store_take_read(c, id, &t)) == DB_OK)
				task_store_take_answer(a, id, t);
			db_rows_free(t);
			db_rows_free(r);
			return st;
		}
		db_rows_free(r);
	}
	for (; a->next < a->norder && !got && !a->again; a->next++) {
		id = db_rows_get(a->cand, a->order[a->next], 0);
		/* Another take of this process tries it or just took it. */
		if (!take_claims_claim(id, a, common_now_ms(CLOCK_MONOTONIC)))
			continue;
		if ((st = task_store_take_one_tx(c, a, id, now, &got)) !=
		    DB_OK)
			return st;
		if (!got)
			take_claims_drop(id, a);
	}
	if (!got)
		task_store_take_answer(a, NULL, NULL);
	return DB_OK;
}

/* Read back whether worker holds task id (db_read_run body). */
struct task_store_verify_arg {
	const char *worker;
	const char *task;
	bool mine;
};

static enum db_status
task_store_verify_take_fn(struct db_conn *c, void *arg)
{
	struct task_store_verify_arg *v = arg;
	struct db_rows *r;
	enum db_status st;

	if ((st = db_query(c,
		 "SELECT COUNT(*) FROM tasks WHERE id = ? AND "
		 "q_state = 'taken' AND worker_id = ?",
		 &r, "ss", v->task, v->worker)) != DB_OK)
		return st;
	v->mine = db_rows_int(r, 0, 0) == 1;
	db_rows_free(r);
	return DB_OK;
}

void
task_store_take(const char *worker, struct domain_out *out,
    char task[TASK_STORE_ID_LEN])
{
	struct task_store_take_arg a = { .worker = worker, .out = out };
	char err[LOOMD_ERR_LEN];
	struct db_conn *c;
	enum db_status st;
	const char *p;
	int round;

	task[0] = '\0';
	a.residue = cfg_ids_residue(domain_cfg());
	a.foreign_before = takewait_foreign_before();
	for (p = worker; *p != '\0'; p++) /* FNV-1a */
		a.spread = (a.spread ^ (unsigned char)*p) * 16777619u;
	if ((c = domain_conn(out)) == NULL)
		return;
	for (round = 0; round < 3; round++) {
		struct task_store_verify_arg v = { worker, task, false };

		task[0] = '\0';
		if ((st = db_read_run(c, task_store_take_look_fn, &a, err)) !=
		    DB_OK) {
			domain_finish_tx(out, st, err);
			goto out;
		}
		if (a.cand->nrows == 0) {
			out->res = DOMAIN_EMPTY;
			goto out;
		}
		task_store_take_order(&a);
		do {
			st = db_tx_run(c, task_store_take_tx, &a, err);
			a.held = false;
		} while (st == DB_OK && a.again && a.next < a.norder);
		domain_finish_tx(out, st, err);
		if (out->res != DOMAIN_OK || out->body == NULL ||
		    (p = strstr(out->body, "\"taskId\":\"")) == NULL)
			goto out;
		snprintf(task, TASK_STORE_ID_LEN, "%.*s",
		    (int)strcspn(p + 10, "\""), p + 10);
		/*
		 * Read the hand-out back (a causal read: it waits for every
		 * write set ordered before it) before answering.  Under
		 * Galera a take was seen to report a commit whose rows a
		 * concurrent take on another node had won; such a task must
		 * not reach this worker.
		 */
		if (db_read_run(c, task_store_verify_take_fn, &v, err) !=
			DB_OK ||
		    v.mine)
			goto out;
		log_warn("take: task %s went to another worker; taking "
			 "again",
		    task);
		free(out->body);
		out->body = NULL;
		out->res = DOMAIN_OK;
	}
	free(out->body);
	out->body = NULL;
	out->res = DOMAIN_EMPTY;
	task[0] = '\0';
out:
	db_rows_free(a.cand);
}

/*
 * Whether a task of task t's stage is still open: a consistent read, in
 * the finish's locked read of t, its node and its job.
 */
#define TASK_STORE_OPEN \
	"EXISTS (SELECT 1 FROM tasks o FORCE INDEX (tasks_job_status) WHERE " \
	"o.job_id = t.job_id AND o.stage = t.stage AND o.status <> " \
	"'COMPLETE')"

/*
 * The finish's locked read of task t, its node, its job and the job's
 * newest nodes map: columns 0 to 7 the task's, 8 TASK_STORE_OPEN, 9 on
 * JOBS_ADVANCE_JOB_COLS (the map's hash only when no task is open).
 */
#define TASK_STORE_FINISH_READ \
	"SELECT t.job_id, t.node_id, t.task_name, t.service, t.stage, " \
	"n.doc, j.id, t.taken_at, " TASK_STORE_OPEN \
	", " JOBS_ADVANCE_JOB_COLS ", IF(" TASK_STORE_OPEN ", NULL, " \
	"SHA2(m.nodes, 256)) FROM tasks t LEFT JOIN nodes n ON n.id = " \
	"t.node_id LEFT JOIN jobs j ON j.id = t.job_id " JOBS_ADVANCE_MAP_JOIN \
	" WHERE t.id = ? FOR UPDATE"

struct task_store_finish_arg {
	const char *worker;
	const char *task_id;
	int64_t status;
	struct json_object *result;
	const char *stdout_s;
	const char *stderr_s;
	const struct idem_store_key *idem;
	struct domain_out *out;
	bool pass; /* needs_work left set: a scheduler pass has work */
};

static enum db_status
task_store_finish_task_tx(struct db_conn *c, void *arg)
{
	struct task_store_finish_arg *a = arg;
	struct db_rows *r;
	enum db_status st;
	int64_t now = domain_now_ms();
	const char *status = a->status == 0 ? "COMPLETE" : "FAILED";
	uint64_t n;
	bool done;

	a->pass = false; /* this attempt's */
	/* A replay of a recorded finish: its answer, before the owner test. */
	if ((st = idem_store_check_tx(c, a->worker, a->idem, a->out, &done)) !=
		DB_OK ||
	    done)
		return st;
	/* The owner test is the row count: taken, and by this worker. */
	if ((st = db_exec(c,
		 "UPDATE tasks SET status = ?, status_code = ?, "
		 "status_time = ?, q_state = 'none', worker_id = NULL, version = "
		 "version + 1 WHERE id = ? AND q_state = 'taken' AND worker_id = ?",
		 &n, "siiss", status, a->status, now, a->task_id,
		 a->worker)) != DB_OK)
		return st;
	if (n != 1) {
		domain_fail(a->out, DOMAIN_PRECONDITION,
		    "Worker is not the owner of the task");
		return DB_ABORT;
	}
	/*
	 * The task with its node, its job and the job's newest nodes map,
	 * all locked in one read (every finish writes the job's row below
	 * either way), with what the advance starts from (it reads the job
	 * no more; the map's hash only when the stage is done).  The job's
	 * row lock comes before any consistent read: the snapshot of the
	 * subquery that looks for the stage's open tasks (and of the
	 * advance) is then taken after every local transaction that
	 * advanced this job committed.  A locking read takes no snapshot.
	 */
	if ((st = db_query(c, TASK_STORE_FINISH_READ, &r, "s", a->task_id)) !=
	    DB_OK)
		return st;
	/* The node's action, written once: submitted at the take, ended now. */
	if (db_rows_get(r, 0, 5) != NULL) {
		struct node_action na = { a->task_id, db_rows_get(r, 0, 3),
			db_rows_get(r, 0, 2),
			a->status == 0 ? "complete" : "failed", a->result,
			a->stdout_s, a->stderr_s, db_rows_int(r, 0, 7), now };

		if ((st = node_action_end_tx(c, db_rows_get(r, 0, 1),
			 db_rows_get(r, 0, 5), &na)) != DB_OK)
			goto out;
	}
	/*
	 * The last task of its stage done: advance the job here, in this
	 * transaction, rather than leave it to a scheduler pass (a claim,
	 * a read and a transaction of its own).  Otherwise the scheduler
	 * does it, as for a failure: two finishes of a stage's last tasks
	 * racing on two nodes may each see the other's task unfinished.
	 */
	/*
	 * (A rollback task has no stage: the scheduler handles it.)  Whether
	 * a task of the stage is still open came with the locked read: its
	 * subquery is a consistent read, made once the job's row is locked.
	 */
	if (a->status == 0 && db_rows_get(r, 0, 4) != NULL &&
	    db_rows_int(r, 0, 8) == 0) {
		if ((st = jobs_advance_read_tx(c, db_rows_get(r, 0, 0), r, 9,
			 &a->pass)) == DB_OK) {
			a->out->res = DOMAIN_OK;
			st = idem_store_save_tx(c, a->worker, a->idem, a->out);
		}
		goto out;
	}
	st = job_store_needs_work_tx(c, db_rows_get(r, 0, 0));
	a->pass = true;
	a->out->res = DOMAIN_OK;
	if (st == DB_OK)
		st = idem_store_save_tx(c, a->worker, a->idem, a->out);
out:
	db_rows_free(r);
	return st;
}

void
task_store_finish(const char *worker, const char *task_id, int64_t status,
    struct json_object *result, const char *stdout_s, const char *stderr_s,
    const struct idem_store_key *idem, struct domain_out *out, bool *pass)
{
	struct task_store_finish_arg a = { worker, task_id, status, result,
		stdout_s, stderr_s, idem, out, false };
	char err[LOOMD_ERR_LEN];
	struct db_conn *c;
	enum db_status st;

	*pass = false;
	if ((c = domain_conn(out)) == NULL)
		return;
	st = db_tx_run(c, task_store_finish_task_tx, &a, err);
	domain_finish_tx(out, st, err);
	*pass = st == DB_OK && a.pass;
}

/* ---------------------------------------------------------------- */
/* Hand-outs whose answer was lost                                  */

struct task_store_delivery_arg {
	const char *worker;
	const char *task;
	int64_t cutoff; /* requeue: taken before */
	bool requeued;
};

enum db_status
task_store_mark_delivered(struct db_conn *c, const char *rows,
    char err[LOOMD_ERR_LEN])
{
	return db_exec_tx_one(c, DB_ONE_RUN, NULL, err,
	    "UPDATE JSON_TABLE(?, '$[*]' COLUMNS (id VARCHAR(64) CHARACTER "
	    "SET utf8mb4 COLLATE utf8mb4_bin PATH '$[0]', w VARCHAR(255) "
	    "CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PATH '$[1]', at BIGINT "
	    "PATH '$[2]')) s STRAIGHT_JOIN task_takes k FORCE INDEX (PRIMARY) "
	    "ON k.task_id = s.id SET k.delivered_at = s.at WHERE k.worker_id "
	    "= s.w AND k.delivered_at IS NULL",
	    "s", rows);
}

/*
 * The task back to the front of the queue, its hand-out record gone (the
 * next take of this attempt records its own) and a failed action for the
 * lost hand-out on its node, with no failure counted against the task.
 */
static enum db_status
task_store_requeue_tx(struct db_conn *c, void *arg)
{
	struct task_store_delivery_arg *a = arg;
	struct db_rows *r = NULL, *k = NULL, *j = NULL;
	enum db_status st;
	int64_t now = domain_now_ms();
	bool paused;
	char msg[320];

	a->requeued = false;
	if ((st = db_query(c,
		 "SELECT worker_id, attempts, node_id, "
		 "task_name, service, job_id, taken_at FROM tasks WHERE id = ? "
		 "AND q_state = 'taken' AND taken_at < ? FOR UPDATE",
		 &r, "si", a->task, a->cutoff)) != DB_OK)
		return st;
	if (r->nrows == 0 ||
	    (a->worker != NULL &&
		strcmp(db_rows_get(r, 0, 0), a->worker) != 0))
		goto out; /* finished, timed out or taken again */
	if ((st = db_query(c,
		 "SELECT delivered_at FROM task_takes WHERE "
		 "task_id = ? AND attempt = ? AND worker_id = ? FOR UPDATE",
		 &k, "sis", a->task, db_rows_int(r, 0, 1),
		 db_rows_get(r, 0, 0))) != DB_OK)
		goto out;
	if (k->nrows == 0 || db_rows_get(k, 0, 0) != NULL)
		goto out; /* delivered (or no record): the worker has it */
	/*
	 * The task of a paused job waits parked with the job's other tasks.
	 * The job's row is written either way, so a pause or resume that
	 * commits at the same time on another node fails certification
	 * against this and one of them runs again (requeues are rare).
	 */
	if ((st = db_exec(c,
		 "UPDATE jobs SET version = version + 1 WHERE id = ?", NULL,
		 "s", db_rows_get(r, 0, 5))) != DB_OK ||
	    (st = db_query(c, "SELECT status FROM jobs WHERE id = ?", &j, "s",
		 db_rows_get(r, 0, 5))) != DB_OK)
		goto out;
	paused = j->nrows == 1 && strcmp(db_rows_get(j, 0, 0), "PAUSED") == 0;
	if ((st = db_exec(c,
		 "DELETE FROM task_takes WHERE task_id = ? AND "
		 "attempt = ?",
		 NULL, "si", a->task, db_rows_int(r, 0, 1))) != DB_OK ||
	    (st = db_exec(c,
		 "UPDATE tasks SET q_state = ?, worker_id "
		 "= NULL, taken_at = 0, version = version + 1 WHERE id = ?",
		 NULL, "ss", paused ? "paused" : "queued", a->task)) != DB_OK)
		goto out;
	snprintf(msg, sizeof msg, "Not delivered to worker %s; queued again",
	    db_rows_get(r, 0, 0));
	if ((st = node_action_fail_tx(c, a->task, db_rows_get(r, 0, 2),
		 db_rows_get(r, 0, 4), db_rows_get(r, 0, 3), msg,
		 db_rows_int(r, 0, 6), now)) != DB_OK)
		goto out;
	a->requeued = true;
out:
	db_rows_free(r);
	db_rows_free(k);
	db_rows_free(j);
	return st;
}

enum db_status
task_store_requeue(struct db_conn *c, const char *task, const char *worker,
    int64_t cutoff, bool *requeued, char err[LOOMD_ERR_LEN])
{
	struct task_store_delivery_arg a = { worker, task, cutoff, false };
	enum db_status st;

	st = db_tx_run(c, task_store_requeue_tx, &a, err);
	*requeued = st == DB_OK && a.requeued;
	return st;
}

void
task_store_delivered(const char *worker, const char *task_id, bool sent)
{
	struct task_store_delivery_arg a = { worker, task_id, INT64_MAX,
		false };
	struct domain_out out = { DOMAIN_OK, "", NULL };
	char err[LOOMD_ERR_LEN];
	struct db_conn *c;
	enum db_status st;

	if ((c = domain_conn(&out)) == NULL) {
		log_warn("take: task %s for %s: %s", task_id, worker, out.msg);
		free(out.body);
		return;
	}
	if (sent) /* one statement: its own commit */
		st = db_exec_tx_one(c, DB_ONE_RUN, NULL, err,
		    "UPDATE task_takes SET delivered_at = ? WHERE "
		    "task_id = ? AND worker_id = ? AND delivered_at IS NULL",
		    "iss", domain_now_ms(), task_id, worker);
	else
		st = db_tx_run(c, task_store_requeue_tx, &a, err);
	if (st != DB_OK)
		log_warn("take: task %s for %s: cannot record that the answer "
			 "%s: %s",
		    task_id, worker, sent ? "was delivered" : "was lost", err);
	else if (a.requeued)
		log_warn("take: the answer handing task %s to %s was lost; "
			 "queued again",
		    task_id, worker);
}

/* ---------------------------------------------------------------- */
/* Timeouts                                                         */

struct task_store_timeout_arg {
	const char *task;
	int64_t cutoff;
	char msg[128];
};

static enum db_status
task_store_timeout_tx(struct db_conn *c, void *arg)
{
	struct task_store_timeout_arg *a = arg;
	struct db_rows *r;
	enum db_status st;
	int64_t now = domain_now_ms();

	if ((st = db_query(c,
		 "SELECT job_id, node_id, task_name, service, "
		 "taken_at FROM tasks WHERE id = ? AND q_state = 'taken' AND "
		 "taken_at < ? FOR UPDATE",
		 &r, "si", a->task, a->cutoff)) != DB_OK)
		return st;
	if (r->nrows == 0) {
		db_rows_free(r);
		return DB_OK; /* finished meanwhile */
	}
	st = db_exec(c,
	    "UPDATE tasks SET status = 'FAILED', status_code = "
	    "-1, status_message = ?, status_time = ?, q_state = 'none', "
	    "worker_id = NULL, version = version + 1 WHERE id = ?",
	    NULL, "sis", a->msg, now, a->task);
	if (st == DB_OK)
		st = node_action_fail_tx(c, a->task, db_rows_get(r, 0, 1),
		    db_rows_get(r, 0, 3), db_rows_get(r, 0, 2), a->msg,
		    db_rows_int(r, 0, 4), now);
	if (st == DB_OK)
		st = job_store_needs_work_tx(c, db_rows_get(r, 0, 0));
	db_rows_free(r);
	return st;
}

enum db_status
task_store_timeout(struct db_conn *c, const char *task, int64_t cutoff,
    int64_t secs, char err[LOOMD_ERR_LEN])
{
	struct task_store_timeout_arg ta;

	ta.task = task;
	ta.cutoff = cutoff;
	snprintf(ta.msg, sizeof ta.msg, "Timed out by system after %lld secs",
	    (long long)secs);
	return db_tx_run(c, task_store_timeout_tx, &ta, err);
}
