/* SPDX-License-Identifier: Apache-2.0 */
/*
 * take_race.c - the take race, two connections at a time: the take of
 * src/cluster_store.c (cs_take_tx, then the read-back of
 * cs_verify_take_fn) runs on Galera node A for datacenter residue 1, whose
 * own queue holds the task (the FOR UPDATE SKIP LOCKED path), and at the
 * same moment on node B for residue 2, whose own queue is empty (the
 * unlocked candidate read and UPDATE of another datacenter's task).  Both
 * go through loomd's own transaction runner (db_tx_run: START
 * TRANSACTION and COMMIT through the client library, every statement a
 * prepared statement, the whole transaction re-run on 1213/1205/1020/
 * 1317) with loomd's session settings (wsrep_sync_wait=1,
 * innodb_lock_wait_timeout).  After each race a third connection (node C,
 * causal reads) checks that every take whose COMMIT reported success left
 * its rows (the task row naming its worker and its task_takes row) and
 * says whether the action it opened in the node document is there.  It
 * counts the read-backs that would have made loomd take again ("went to
 * another worker"), and reads wsrep_local_bf_aborts, wsrep_local_replays
 * and wsrep_local_cert_failures on A and B around the run.
 *
 *	take-race --a SOCKET --b SOCKET --c SOCKET [--user U] [--password P]
 *	    [--db NAME] [--iterations N] [--jitter-us J] [--verbose]
 *	    [--idle-abort]
 *
 * --idle-abort runs N times a narrower probe instead: a transaction on A
 * (through db_tx_run) is brute-force aborted by a write committed on B
 * while it sits between two statements; it reports whether its next
 * prepared statement, and then its COMMIT, report the abort.
 *
 * The database NAME must hold loomd's tables (scripts/take-race creates
 * them from sql/).  Exit 0 when no committed take lost its rows, 1 when
 * one did, 2 on a setup error.  It is a diagnostic, not a test.
 */
#include "config.h"

#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "common.h"
#include "db.h"

struct tr_side {
	const char	*name;		/* "A" or "B" */
	const char	*worker;
	int64_t		 residue;
	size_t		 spread;
	struct db_conn	*c;
	/* One race: */
	char		 task[64];	/* taken task, "" for none */
	enum db_status	 st;
	char		 err[LOOMD_ERR_LEN];
	bool		 mine;		/* the read-back found it ours */
	int		 retries;	/* attempts that fn started */
	/* Totals: */
	uint64_t	 taken, none, failed, readback_lost, missing,
			 attempts;
};

static struct cfg tr_cfg;
static pthread_barrier_t tr_start, tr_done;
static int tr_jitter_us = 2000;
static int64_t tr_iter;
static bool tr_stop;
static bool tr_verbose;

static int64_t
tr_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Connect to the node at socket (loomd's API connection settings). */
static struct db_conn *
tr_connect(const char *socket)
{
	char err[LOOMD_ERR_LEN];
	struct db_conn *c;

	free(tr_cfg.db_socket);
	tr_cfg.db_socket = xstrdup(socket);
	if ((c = db_connect(DB_ROLE_API, NULL, err)) == NULL) {
		fprintf(stderr, "take-race: %s: %s\n", socket, err);
		exit(2);
	}
	return c;
}

/* Open an action in a node document, as cs_node_open_action does. */
static char *
tr_open_action(const char *doc, const char *task)
{
	const char *p = strstr(doc, "\"actions\":[");
	size_t pre;

	if (p == NULL)
		return xasprintf("{\"actions\":[{\"taskId\":\"%s\"}]}", task);
	pre = (size_t)(p - doc) + strlen("\"actions\":[");
	return xasprintf("%.*s{\"taskId\":\"%s\"}%s%s", (int)pre, doc, task,
	    doc[pre] == ']' ? "" : ",", doc + pre);
}

/*
 * cs_take_tx, statement for statement (the JSON of the answer left out;
 * the node document change reduced to appending one action).
 */
static enum db_status
tr_take_tx(struct db_conn *c, void *arg)
{
	struct tr_side *a = arg;
	struct db_rows *cand = NULL, *r = NULL, *jr = NULL, *nr = NULL;
	enum db_status st;
	int64_t now = tr_now_ms();
	bool foreign = false;
	uint64_t n;
	size_t k = 0;
	int tries;

	a->retries++;
	a->task[0] = '\0';
	if ((st = db_query(c, "SELECT job_id, cluster_id, task_name, node_id, "
	    "id, config FROM tasks WHERE q_state = 'taken' AND worker_id = ? "
	    "ORDER BY taken_at LIMIT 1", &r, "s", a->worker)) != DB_OK)
		return st;
	if (r->nrows == 1) {
		snprintf(a->task, sizeof a->task, "%s", db_rows_get(r, 0, 4));
		goto out;
	}
	db_rows_free(r);
	r = NULL;
	for (tries = 0; tries < 16; tries++) {
		const char *id;

		if (!foreign) {
			db_rows_free(cand);
			cand = NULL;
			if ((st = db_query(c, "SELECT id FROM tasks WHERE "
			    "q_state = 'queued' AND residue = ? ORDER BY q_seq "
			    "LIMIT 1 FOR UPDATE SKIP LOCKED", &cand, "i",
			    a->residue)) != DB_OK)
				goto out;
			if (cand->nrows == 0) {
				foreign = true;
				db_rows_free(cand);
				cand = NULL;
				if ((st = db_query(c, "SELECT id FROM tasks "
				    "FORCE INDEX (tasks_queue) WHERE q_state = "
				    "'queued' AND residue <> ? ORDER BY q_seq "
				    "LIMIT 8", &cand, "i", a->residue)) !=
				    DB_OK)
					goto out;
			}
		}
		if (!foreign)
			id = db_rows_get(cand, 0, 0);
		else if (k < cand->nrows)
			id = db_rows_get(cand, (k++ + a->spread) % cand->nrows,
			    0);
		else
			break;
		if ((st = db_exec(c, "UPDATE tasks SET q_state = 'taken', "
		    "worker_id = ?, taken_at = ?, version = version + 1 WHERE "
		    "id = ? AND q_state = 'queued'", &n, "sis", a->worker, now,
		    id)) != DB_OK)
			goto out;
		if (n != 1)
			continue;
		st = db_exec(c, "INSERT INTO task_takes (task_id, attempt, "
		    "worker_id, taken_at) SELECT id, attempts, ?, ? FROM tasks "
		    "WHERE id = ?", NULL, "sis", a->worker, now, id);
		if (st == DB_CONFLICT)
			st = DB_RETRY;
		if (st != DB_OK)
			goto out;
		if ((st = db_query(c, "SELECT job_id, cluster_id, task_name, "
		    "node_id, service, config FROM tasks WHERE id = ?", &r,
		    "s", id)) != DB_OK)
			goto out;
		if ((st = db_query(c, "SELECT status FROM jobs WHERE id = ?",
		    &jr, "s", db_rows_get(r, 0, 0))) != DB_OK)
			goto out;
		if (db_rows_get(r, 0, 3) != NULL) {
			char *doc;

			if ((st = db_query(c, "SELECT doc FROM nodes WHERE "
			    "id = ? FOR UPDATE", &nr, "s", db_rows_get(r, 0,
			    3))) != DB_OK)
				goto out;
			if (nr->nrows == 1) {
				doc = tr_open_action(db_rows_get(nr, 0, 0),
				    id);
				st = db_exec(c, "UPDATE nodes SET doc = ?, "
				    "version = version + 1 WHERE id = ?", NULL,
				    "ss", doc, db_rows_get(r, 0, 3));
				free(doc);
				if (st != DB_OK)
					goto out;
			}
		}
		snprintf(a->task, sizeof a->task, "%s", id);
		goto out;
	}
out:
	db_rows_free(cand);
	db_rows_free(r);
	db_rows_free(jr);
	db_rows_free(nr);
	return st;
}

/* cs_verify_take_fn. */
struct tr_verify {
	const char	*worker;
	const char	*task;
	bool		 mine;
};

static enum db_status
tr_verify_fn(struct db_conn *c, void *arg)
{
	struct tr_verify *v = arg;
	struct db_rows *r;
	enum db_status st;

	if ((st = db_query(c, "SELECT COUNT(*) FROM tasks WHERE id = ? AND "
	    "q_state = 'taken' AND worker_id = ?", &r, "ss", v->task,
	    v->worker)) != DB_OK)
		return st;
	v->mine = db_rows_int(r, 0, 0) == 1;
	db_rows_free(r);
	return DB_OK;
}

/* One side: wait for the start, jitter, take, read back. */
static void *
tr_side_main(void *arg)
{
	struct tr_side *s = arg;
	unsigned int seed = (unsigned int)(uintptr_t)s ^ (unsigned int)time(
	    NULL);

	for (;;) {
		pthread_barrier_wait(&tr_start);
		if (tr_stop)
			break;
		if (tr_jitter_us > 0)
			usleep((useconds_t)(rand_r(&seed) %
			    (unsigned int)tr_jitter_us));
		s->retries = 0;
		s->mine = false;
		s->err[0] = '\0';
		s->st = db_tx_run(s->c, tr_take_tx, s, s->err);
		if (s->st == DB_OK && s->task[0] != '\0') {
			struct tr_verify v = { s->worker, s->task, false };

			if (db_read_run(s->c, tr_verify_fn, &v, s->err) ==
			    DB_OK)
				s->mine = v.mine;
		}
		pthread_barrier_wait(&tr_done);
	}
	return NULL;
}

/* A wsrep status counter of the node c is on. */
static int64_t
tr_status(struct db_conn *c, const char *name)
{
	struct db_rows *r;
	int64_t v = -1;

	if (db_query(c, "SELECT VARIABLE_VALUE FROM "
	    "information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = ?", &r,
	    "s", name) == DB_OK) {
		if (r->nrows == 1)
			v = db_rows_int(r, 0, 0);
		db_rows_free(r);
	}
	return v;
}

static const char *tr_counters[] = { "WSREP_LOCAL_BF_ABORTS",
    "WSREP_LOCAL_REPLAYS", "WSREP_LOCAL_CERT_FAILURES" };

/* Queue a fresh task of residue 1 (with its job and node), on c. */
static int
tr_queue(struct db_conn *c, int64_t i)
{
	char task[64], job[64], node[64];
	int64_t now = tr_now_ms();

	snprintf(task, sizeof task, "race-%lld-t", (long long)i);
	snprintf(job, sizeof job, "race-%lld-j", (long long)i);
	snprintf(node, sizeof node, "race-%lld-n", (long long)i);
	if (db_exec(c, "UPDATE tasks SET q_state = 'none' WHERE q_state = "
	    "'taken'", NULL, "") != DB_OK ||
	    db_exec(c, "INSERT INTO jobs (id, cluster_id, residue, action, "
	    "status, create_time) VALUES (?, ?, 1, 'CLUSTER_CREATE', "
	    "'RUNNING', ?)", NULL, "sii", job, i, now) != DB_OK ||
	    db_exec(c, "INSERT INTO nodes (id, cluster_id, nodenum, doc) "
	    "VALUES (?, ?, 1, '{\"id\":\"n\",\"actions\":[]}')", NULL, "si",
	    node, i) != DB_OK ||
	    db_exec(c, "INSERT INTO tasks (id, job_id, cluster_id, residue, "
	    "stage, node_id, service, task_name, cluster_action, status, "
	    "q_state, q_seq, original_config, config) VALUES (?, ?, ?, 1, 0, "
	    "?, 'zookeeper', 'CREATE', 'CLUSTER_CREATE', 'IN_PROGRESS', "
	    "'queued', ?, '{}', '{}')", NULL, "ssisi", task, job, i, node,
	    i) != DB_OK) {
		fprintf(stderr, "take-race: queueing task %lld: %s\n",
		    (long long)i, db_error(c));
		return -1;
	}
	return 0;
}

/*
 * Do the rows of s's successful take exist (checked on c, causal)?
 * rows gets what was found.
 */
static bool
tr_rows_exist(struct db_conn *c, const struct tr_side *s, char *rows,
    size_t n)
{
	struct db_rows *t = NULL, *k = NULL, *d = NULL;
	char needle[96];
	bool task_ok, take_ok, act_ok;

	snprintf(needle, sizeof needle, "\"taskId\":\"%s\"", s->task);
	if (db_query(c, "SELECT worker_id, q_state FROM tasks WHERE id = ?",
	    &t, "s", s->task) != DB_OK ||
	    db_query(c, "SELECT worker_id FROM task_takes WHERE task_id = ?",
	    &k, "s", s->task) != DB_OK ||
	    db_query(c, "SELECT n.doc FROM nodes n JOIN tasks t ON t.node_id "
	    "= n.id WHERE t.id = ?", &d, "s", s->task) != DB_OK) {
		snprintf(rows, n, "check failed: %s", db_error(c));
		db_rows_free(t);
		db_rows_free(k);
		return true;
	}
	task_ok = t->nrows == 1 && db_rows_get(t, 0, 0) != NULL &&
	    strcmp(db_rows_get(t, 0, 0), s->worker) == 0;
	take_ok = k->nrows >= 1 && db_rows_get(k, 0, 0) != NULL &&
	    strcmp(db_rows_get(k, 0, 0), s->worker) == 0;
	act_ok = d->nrows == 1 && db_rows_get(d, 0, 0) != NULL &&
	    strstr(db_rows_get(d, 0, 0), needle) != NULL;
	snprintf(rows, n, "tasks.worker_id=%s, task_takes: %zu row(s) "
	    "(worker %s), the node's action for the task: %s",
	    t->nrows == 1 && db_rows_get(t, 0, 0) ? db_rows_get(t, 0, 0) :
	    "NULL", k->nrows, k->nrows >= 1 ? db_rows_get(k, 0, 0) : "-",
	    act_ok ? "present" : "absent");
	db_rows_free(t);
	db_rows_free(k);
	db_rows_free(d);
	return task_ok && take_ok;
}

/*
 * The idle abort probe: a transaction on A (through db_tx_run) writes row
 * 1 and, while it sits between two statements, B commits a write of the
 * same row, so that A's node brute-force aborts it.  Then A executes its
 * next statements (prepared, as loomd's are): a write of row 2, and
 * @@in_transaction.  Does the runner see an error, and which of A's
 * writes are in the database afterwards?
 */
struct tr_probe {
	struct db_conn	*other;
	int64_t		 round;
	enum db_status	 second;	/* status of A's second write */
	int64_t		 in_tx;		/* @@in_transaction after it */
	unsigned int	 second_errno;
	int		 attempts;	/* runs of the function */
	unsigned int	 first_errno;	/* the first attempt's failure */
};

static enum db_status
tr_probe_tx(struct db_conn *c, void *arg)
{
	struct tr_probe *p = arg;
	struct db_rows *r;
	enum db_status st;

	p->attempts++;
	p->second = DB_OK;
	p->second_errno = 0;
	p->in_tx = -1;
	if ((st = db_exec(c, "UPDATE bfprobe SET v = ? WHERE id = 1", NULL,
	    "i", p->round)) != DB_OK)
		return st;
	/* B wins row 1 while A is idle. */
	if (db_exec(p->other, "UPDATE bfprobe SET v = ? WHERE id = 1", NULL,
	    "i", -p->round) != DB_OK)
		fprintf(stderr, "take-race: B's write: %s\n",
		    db_error(p->other));
	usleep(300000);
	st = db_exec(c, "UPDATE bfprobe SET v = ? WHERE id = 2", NULL, "i",
	    p->round);
	p->second = st;
	p->second_errno = db_errno(c);
	if (p->attempts == 1)
		p->first_errno = p->second_errno;
	if (st != DB_OK)
		return st;
	if ((st = db_query(c, "SELECT @@in_transaction", &r, "")) != DB_OK)
		return st;
	p->in_tx = db_rows_int(r, 0, 0);
	db_rows_free(r);
	return DB_OK;
}

static int
tr_probe_run(struct db_conn *a, struct db_conn *b, struct db_conn *cc,
    int64_t n)
{
	struct tr_probe p = { b, 0, DB_OK, -1, 0, 0, 0 };
	uint64_t runs_err = 0, silent = 0, second_err = 0;
	char err[LOOMD_ERR_LEN];
	struct db_rows *r;
	enum db_status st;
	int64_t v1, v2;

	if (db_exec(cc, "CREATE TABLE IF NOT EXISTS bfprobe (id INT NOT NULL "
	    "PRIMARY KEY, v BIGINT NOT NULL) ENGINE=InnoDB", NULL, "") !=
	    DB_OK || db_exec(cc, "REPLACE INTO bfprobe VALUES (1, 0), (2, 0)",
	    NULL, "") != DB_OK) {
		fprintf(stderr, "take-race: %s\n", db_error(cc));
		return 2;
	}
	for (p.round = 1; p.round <= n; p.round++) {
		p.attempts = 0;
		p.first_errno = 0;
		st = db_tx_run(a, tr_probe_tx, &p, err);
		if (db_query(cc, "SELECT (SELECT v FROM bfprobe WHERE id = 1), "
		    "(SELECT v FROM bfprobe WHERE id = 2)", &r, "") != DB_OK)
			return 2;
		v1 = db_rows_int(r, 0, 0);
		v2 = db_rows_int(r, 0, 1);
		db_rows_free(r);
		if (p.first_errno != 0)
			second_err++;
		if (st != DB_OK)
			runs_err++;
		/* Told OK, yet its first write is not there: */
		if (st == DB_OK && v1 != p.round)
			silent++;
		printf("probe %lld: %d attempt(s), the first one's statement "
		    "after the abort got %u; runner %s%s%s, last second write "
		    "%s (%u), in_transaction %lld; row 1 = %lld "
		    "(A wrote %lld), row 2 = %lld\n", (long long)p.round,
		    p.attempts,
		    p.first_errno, db_status_name(st),
		    st != DB_OK ? ": " : "", st != DB_OK ? err : "",
		    db_status_name(p.second), p.second_errno,
		    (long long)p.in_tx, (long long)v1, (long long)p.round,
		    (long long)v2);
	}
	printf("idle abort probe: %lld runs; the statement after the abort "
	    "failed in %llu, the runner reported failure in %llu, reported "
	    "success without A's writes in %llu\n", (long long)n,
	    (unsigned long long)second_err, (unsigned long long)runs_err,
	    (unsigned long long)silent);
	return silent > 0 ? 1 : 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: take-race --a SOCKET --b SOCKET --c SOCKET "
	    "[--user U] [--password P] [--db NAME] [--iterations N] "
	    "[--jitter-us J] [--verbose] [--idle-abort]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "a", required_argument, NULL, 'a' },
		{ "b", required_argument, NULL, 'b' },
		{ "c", required_argument, NULL, 'c' },
		{ "user", required_argument, NULL, 'u' },
		{ "password", required_argument, NULL, 'p' },
		{ "db", required_argument, NULL, 'd' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "jitter-us", required_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "idle-abort", no_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 }
	};
	const char *sa = NULL, *sb = NULL, *sc = NULL, *p;
	struct tr_side A = { "A", "race-worker-a", 1, 0, NULL, "", DB_OK, "",
	    false, 0, 0, 0, 0, 0, 0, 0 };
	struct tr_side B = { "B", "race-worker-b", 2, 0, NULL, "", DB_OK, "",
	    false, 0, 0, 0, 0, 0, 0, 0 };
	struct tr_side *sides[2] = { &A, &B };
	int64_t before[2][3], after[2][3], n = 2000;
	uint64_t both = 0, neither = 0, multi_attempt = 0;
	struct db_conn *cc;
	pthread_t th[2];
	char rows[1024];
	int o, i, j;
	bool probe = false;

	cfg_defaults(&tr_cfg);
	free(tr_cfg.db_user);
	tr_cfg.db_user = xstrdup("loomd");
	free(tr_cfg.db_password);
	tr_cfg.db_password = xstrdup("loomd");
	free(tr_cfg.db_name);
	tr_cfg.db_name = xstrdup("takerace");
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'a': sa = optarg; break;
		case 'b': sb = optarg; break;
		case 'c': sc = optarg; break;
		case 'u':
			free(tr_cfg.db_user);
			tr_cfg.db_user = xstrdup(optarg);
			break;
		case 'p':
			free(tr_cfg.db_password);
			tr_cfg.db_password = xstrdup(optarg);
			break;
		case 'd':
			free(tr_cfg.db_name);
			tr_cfg.db_name = xstrdup(optarg);
			break;
		case 'n': n = strtoll(optarg, NULL, 10); break;
		case 'j': tr_jitter_us = atoi(optarg); break;
		case 'v': tr_verbose = true; break;
		case 'i': probe = true; break;
		default: usage();
		}
	}
	if (sa == NULL || sb == NULL || sc == NULL || n <= 0)
		usage();
	db_global_init(&tr_cfg);
	A.c = tr_connect(sa);
	B.c = tr_connect(sb);
	cc = tr_connect(sc);
	if (probe)
		return tr_probe_run(A.c, B.c, cc, n);
	for (p = B.worker; *p != '\0'; p++)	/* as cs_take: FNV-1a */
		B.spread = (B.spread ^ (unsigned char)*p) * 16777619u;
	for (i = 0; i < 2; i++)
		for (j = 0; j < 3; j++)
			before[i][j] = tr_status(sides[i]->c, tr_counters[j]);
	pthread_barrier_init(&tr_start, NULL, 3);
	pthread_barrier_init(&tr_done, NULL, 3);
	for (i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, tr_side_main, sides[i]);
	for (tr_iter = 1; tr_iter <= n; tr_iter++) {
		int oks = 0;

		if (tr_queue(cc, tr_iter) != 0)
			break;
		pthread_barrier_wait(&tr_start);
		pthread_barrier_wait(&tr_done);
		for (i = 0; i < 2; i++) {
			struct tr_side *s = sides[i];

			s->attempts += (uint64_t)s->retries;
			if (s->retries > 1)
				multi_attempt++;
			if (s->st != DB_OK) {
				s->failed++;
				if (tr_verbose)
					printf("%lld %s: %s\n", (long long)
					    tr_iter, s->name, s->err);
				continue;
			}
			if (s->task[0] == '\0') {
				s->none++;
				continue;
			}
			oks++;
			s->taken++;
			if (!s->mine)
				s->readback_lost++;
			if (!tr_rows_exist(cc, s, rows, sizeof rows)) {
				s->missing++;
				printf("MISSING %lld: %s's COMMIT reported "
				    "success for %s (%d attempt(s), read-back "
				    "%s), but: %s\n", (long long)tr_iter,
				    s->name, s->task, s->retries, s->mine ?
				    "found it ours" : "found it not ours",
				    rows);
			}
		}
		if (oks == 2)
			both++;
		else if (oks == 0)
			neither++;
		if (tr_iter % 500 == 0)
			fprintf(stderr, "take-race: %lld races\n",
			    (long long)tr_iter);
	}
	tr_stop = true;
	pthread_barrier_wait(&tr_start);
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < 2; i++)
		for (j = 0; j < 3; j++)
			after[i][j] = tr_status(sides[i]->c, tr_counters[j]);
	printf("races: %lld (jitter up to %d us)\n", (long long)(tr_iter - 1),
	    tr_jitter_us);
	for (i = 0; i < 2; i++) {
		struct tr_side *s = sides[i];

		printf("%s (%s, residue %lld): took %llu, found none %llu, "
		    "failed %llu, transaction runs %llu, read-back not ours "
		    "%llu, committed but rows missing %llu\n", s->name,
		    i == 0 ? "own queue, SKIP LOCKED" : "foreign, unlocked "
		    "read", (long long)s->residue,
		    (unsigned long long)s->taken, (unsigned long long)s->none,
		    (unsigned long long)s->failed,
		    (unsigned long long)s->attempts,
		    (unsigned long long)s->readback_lost,
		    (unsigned long long)s->missing);
		printf("%s node: bf_aborts +%lld, replays +%lld, "
		    "cert_failures +%lld\n", s->name,
		    (long long)(after[i][0] - before[i][0]),
		    (long long)(after[i][1] - before[i][1]),
		    (long long)(after[i][2] - before[i][2]));
	}
	printf("both took the task: %llu, neither: %llu, races with a "
	    "re-run transaction: %llu\n", (unsigned long long)both,
	    (unsigned long long)neither, (unsigned long long)multi_attempt);
	db_close(A.c);
	db_close(B.c);
	db_close(cc);
	return A.missing + B.missing > 0 ? 1 : 0;
}
