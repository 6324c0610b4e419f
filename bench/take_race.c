/* SPDX-License-Identifier: Apache-2.0 */
/*
 * take_race.c - the take race: loomd's own take (task_store_take in
 * src/task_store.c: the take transaction through db_tx_run, then the
 * causal read-back, taking again when it finds the task went to another
 * worker) runs on Galera node A for datacenter residue 1, whose own queue
 * holds the task (the FOR UPDATE SKIP LOCKED path), and at the same moment
 * on node B for residue 2, whose own queue is empty (the unlocked
 * candidate read and UPDATE of another datacenter's task).  Each taker is
 * a process of its own with loomd's configuration for its datacenter and
 * its node, so the take runs with loomd's session settings
 * (wsrep_sync_wait=1, innodb_lock_wait_timeout) and its retry rules
 * (the whole transaction re-run on 1213/1205/1020/1317).  After each race
 * a third connection (node C, causal reads) checks that every take that
 * reported a task left its rows (the task row naming its worker and its
 * task_takes row) and says whether the action it opened in the node
 * document is there.  It counts the read-backs that made the take run
 * again ("went to another worker"), and reads wsrep_local_bf_aborts,
 * wsrep_local_replays and wsrep_local_cert_failures on A and B around the
 * run.
 *
 *	take-race --a SOCKET --b SOCKET --c SOCKET [--user U] [--password P]
 *	    [--db NAME] [--iterations N] [--jitter-us J] [--takers K]
 *	    [--verbose] [--idle-abort]
 *
 * --takers K (1..16) races K takers on each node for K queued tasks at a
 * time (each its own process, with its own worker id), as several
 * provisioner workers per datacenter do.
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
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "common.h"
#include "db.h"
#include "domain.h"
#include "task_store.h"

#define TR_MAX_TAKERS 16

/* One taker; it lives in memory shared with its process. */
struct tr_side {
	const char *name; /* "A1", "B1" ... */
	const char *worker;
	int64_t residue;
	const char *sock; /* its node */
	/* One race: */
	char task[TASK_STORE_ID_LEN]; /* taken task, "" for none */
	enum domain_result res;
	char err[LOOMD_ERR_LEN];
	int rounds; /* takes (db_tx_run calls) of task_store_take */
	int runs;   /* transaction runs: rounds and their re-runs */
	/* Totals: */
	uint64_t taken, none, failed, readback_lost, missing, attempts, lost;
};

/* What the main process and the takers share. */
struct tr_shared {
	pthread_barrier_t start, done;
	int64_t iter;
	int stop;
	struct tr_side sd[2 * TR_MAX_TAKERS];
};

static struct cfg tr_cfg;
static struct tr_shared *tr_sh;
static int tr_jitter_us = 2000;
static bool tr_verbose;

/* Replace the configuration string *slot with a copy of v. */
static void
tr_set(char **slot, const char *v)
{
	free(*slot);
	*slot = xstrdup(v);
}

/*
 * Connect to the node at socket (loomd's API connection settings).  The
 * runner reconnects a lost link with the configuration of the moment, so
 * the socket is left pointing nowhere afterwards: a connection that was
 * lost fails instead of moving to another node.
 */
static struct db_conn *
tr_connect(const char *socket)
{
	char err[LOOMD_ERR_LEN];
	struct db_conn *c;

	tr_set(&tr_cfg.db_socket, socket);
	c = db_connect(DB_ROLE_API, NULL, err);
	tr_set(&tr_cfg.db_socket, "/nonexistent/take-race-no-reconnect");
	if (c == NULL) {
		fprintf(stderr, "take-race: %s: %s\n", socket, err);
		exit(2);
	}
	return c;
}

/*
 * A taker process: loomd's configuration for s's datacenter and node,
 * then, each race, a jittered task_store_take.  Never returns.
 */
static void
tr_taker(struct tr_side *s)
{
	unsigned int seed = (unsigned int)getpid() ^ (unsigned int)time(NULL);
	struct db_stats before, after;
	struct domain_out out;
	char err[LOOMD_ERR_LEN];

	/* A lost link is opened again to the same node, as loomd does. */
	tr_set(&tr_cfg.db_socket, s->sock);
	tr_cfg.ids_increment_by = 10;
	tr_cfg.ids_start_num = s->residue;
	domain_init(&tr_cfg, s->worker);
	if (db_thread_conn(NULL, err) == NULL) {
		fprintf(stderr, "take-race: %s: %s\n", s->sock, err);
		_exit(2);
	}
	for (;;) {
		pthread_barrier_wait(&tr_sh->start);
		if (__atomic_load_n(&tr_sh->stop, __ATOMIC_SEQ_CST))
			break;
		if (tr_jitter_us > 0)
			usleep((useconds_t)(rand_r(&seed) %
			    (unsigned int)tr_jitter_us));
		memset(&out, 0, sizeof out);
		db_stats_get(&before);
		task_store_take(s->worker, &out, s->task);
		db_stats_get(&after);
		free(out.body);
		s->res = out.res;
		snprintf(s->err, sizeof s->err, "%s", out.msg);
		s->rounds = (int)(after.tx_total - before.tx_total);
		s->runs =
		    s->rounds + (int)(after.tx_retries - before.tx_retries);
		if (out.res == DOMAIN_UNAVAILABLE)
			fprintf(stderr,
			    "take-race: %s could not take in race %lld: %s\n",
			    s->name, (long long)tr_sh->iter, out.msg);
		pthread_barrier_wait(&tr_sh->done);
	}
	/* Every open but the first was a lost link opened again. */
	db_stats_get(&after);
	s->lost = after.reconnects > 0 ? after.reconnects - 1 : 0;
	_exit(0);
}

/* A wsrep status counter of the node c is on. */
static int64_t
tr_status(struct db_conn *c, const char *name)
{
	struct db_rows *r;
	int64_t v = -1;

	if (db_query(c,
		"SELECT VARIABLE_VALUE FROM "
		"information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = ?",
		&r, "s", name) == DB_OK) {
		if (r->nrows == 1)
			v = db_rows_int(r, 0, 0);
		db_rows_free(r);
	}
	return v;
}

static const char *tr_counters[] = { "WSREP_LOCAL_BF_ABORTS",
	"WSREP_LOCAL_REPLAYS", "WSREP_LOCAL_CERT_FAILURES" };

/* The three counters of the node at socket, on a connection of their own. */
static void
tr_counters_of(const char *socket, int64_t out[3])
{
	struct db_conn *c = tr_connect(socket);
	int j;

	for (j = 0; j < 3; j++)
		out[j] = tr_status(c, tr_counters[j]);
	db_close(c);
}

/* Queue a fresh task of residue 1 (with its job and node), on c. */
static int
tr_queue(struct db_conn *c, int64_t i)
{
	char task[64], job[64], node[64];
	int64_t now = domain_now_ms();

	snprintf(task, sizeof task, "race-%lld-t", (long long)i);
	snprintf(job, sizeof job, "race-%lld-j", (long long)i);
	snprintf(node, sizeof node, "race-%lld-n", (long long)i);
	if (db_exec(c,
		"INSERT INTO jobs (id, cluster_id, residue, action, "
		"status, create_time) VALUES (?, ?, 1, 'CLUSTER_CREATE', "
		"'RUNNING', ?)",
		NULL, "sii", job, i, now) != DB_OK ||
	    db_exec(c,
		"INSERT INTO nodes (id, cluster_id, nodenum, doc) "
		"VALUES (?, ?, 1, '{\"id\":\"n\",\"actions\":[]}')",
		NULL, "si", node, i) != DB_OK ||
	    db_exec(c,
		"INSERT INTO tasks (id, job_id, cluster_id, residue, "
		"stage, node_id, service, task_name, cluster_action, status, "
		"q_state, q_seq, original_config, config) VALUES (?, ?, ?, 1, 0, "
		"?, 'zookeeper', 'CREATE', 'CLUSTER_CREATE', 'IN_PROGRESS', "
		"'queued', ?, '{}', '{}')",
		NULL, "ssisi", task, job, i, node, i) != DB_OK) {
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
tr_rows_exist(struct db_conn *c, const struct tr_side *s, char *rows, size_t n)
{
	struct db_rows *t = NULL, *k = NULL, *d = NULL;
	char needle[96];
	bool task_ok, take_ok;
	const char *p;
	int acts;

	snprintf(needle, sizeof needle, "\"taskId\":\"%s\"", s->task);
	if (db_query(c, "SELECT worker_id, q_state FROM tasks WHERE id = ?",
		&t, "s", s->task) != DB_OK ||
	    db_query(c, "SELECT worker_id FROM task_takes WHERE task_id = ?",
		&k, "s", s->task) != DB_OK ||
	    db_query(c,
		"SELECT n.doc FROM nodes n JOIN tasks t ON t.node_id "
		"= n.id WHERE t.id = ?",
		&d, "s", s->task) != DB_OK) {
		snprintf(rows, n, "check failed: %s", db_error(c));
		db_rows_free(t);
		db_rows_free(k);
		return true;
	}
	task_ok = t->nrows == 1 && db_rows_get(t, 0, 0) != NULL &&
	    strcmp(db_rows_get(t, 0, 0), s->worker) == 0;
	take_ok = k->nrows >= 1 && db_rows_get(k, 0, 0) != NULL &&
	    strcmp(db_rows_get(k, 0, 0), s->worker) == 0;
	acts = 0;
	if (d->nrows == 1 && db_rows_get(d, 0, 0) != NULL)
		for (p = db_rows_get(d, 0, 0); (p = strstr(p, needle)) != NULL;
		     p++)
			acts++;
	snprintf(rows, n,
	    "tasks.worker_id=%s, task_takes: %zu row(s) "
	    "(worker %s), actions for the task in the node document: %d "
	    "(one per take that committed it)",
	    t->nrows == 1 && db_rows_get(t, 0, 0) ? db_rows_get(t, 0, 0) :
						    "NULL",
	    k->nrows, k->nrows >= 1 ? db_rows_get(k, 0, 0) : "-", acts);
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
	struct db_conn *other;
	int64_t round;
	enum db_status second; /* status of A's second write */
	int64_t in_tx;	       /* @@in_transaction after it */
	unsigned int second_errno;
	int attempts;		  /* runs of the function */
	unsigned int first_errno; /* the first attempt's failure */
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

	if (db_exec(cc,
		"CREATE TABLE IF NOT EXISTS bfprobe (id INT NOT NULL "
		"PRIMARY KEY, v BIGINT NOT NULL) ENGINE=InnoDB",
		NULL, "") != DB_OK ||
	    db_exec(cc, "REPLACE INTO bfprobe VALUES (1, 0), (2, 0)", NULL,
		"") != DB_OK) {
		fprintf(stderr, "take-race: %s\n", db_error(cc));
		return 2;
	}
	for (p.round = 1; p.round <= n; p.round++) {
		p.attempts = 0;
		p.first_errno = 0;
		st = db_tx_run(a, tr_probe_tx, &p, err);
		if (db_query(cc,
			"SELECT (SELECT v FROM bfprobe WHERE id = 1), "
			"(SELECT v FROM bfprobe WHERE id = 2)",
			&r, "") != DB_OK)
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
		printf(
		    "probe %lld: %d attempt(s), the first one's statement "
		    "after the abort got %u; runner %s%s%s, last second write "
		    "%s (%u), in_transaction %lld; row 1 = %lld "
		    "(A wrote %lld), row 2 = %lld\n",
		    (long long)p.round, p.attempts, p.first_errno,
		    db_status_name(st), st != DB_OK ? ": " : "",
		    st != DB_OK ? err : "", db_status_name(p.second),
		    p.second_errno, (long long)p.in_tx, (long long)v1,
		    (long long)p.round, (long long)v2);
	}
	printf("idle abort probe: %lld runs; the statement after the abort "
	       "failed in %llu, the runner reported failure in %llu, reported "
	       "success without A's writes in %llu\n",
	    (long long)n, (unsigned long long)second_err,
	    (unsigned long long)runs_err, (unsigned long long)silent);
	return silent > 0 ? 1 : 0;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: take-race --a SOCKET --b SOCKET --c SOCKET "
	    "[--user U] [--password P] [--db NAME] [--iterations N] "
	    "[--jitter-us J] [--takers K] [--verbose] [--idle-abort]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = { { "a", required_argument, NULL,
						  'a' },
		{ "b", required_argument, NULL, 'b' },
		{ "c", required_argument, NULL, 'c' },
		{ "user", required_argument, NULL, 'u' },
		{ "password", required_argument, NULL, 'p' },
		{ "db", required_argument, NULL, 'd' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "jitter-us", required_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "idle-abort", no_argument, NULL, 'i' },
		{ "takers", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 } };
	const char *sa = NULL, *sb = NULL, *sc = NULL;
	static pid_t pid[2 * TR_MAX_TAKERS];
	int64_t before[2][3], after[2][3], n = 2000, seq = 0;
	uint64_t twice = 0, neither = 0, multi_attempt = 0;
	pthread_barrierattr_t ba;
	struct tr_side tot[2], *sd;
	struct db_conn *cc;
	char rows[1024];
	int o, i, j, k, ns, st, takers = 1;
	bool probe = false;

	cfg_defaults(&tr_cfg);
	tr_set(&tr_cfg.db_user, "loomd");
	tr_set(&tr_cfg.db_password, "loomd");
	tr_set(&tr_cfg.db_name, "takerace");
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'a':
			sa = optarg;
			break;
		case 'b':
			sb = optarg;
			break;
		case 'c':
			sc = optarg;
			break;
		case 'u':
			tr_set(&tr_cfg.db_user, optarg);
			break;
		case 'p':
			tr_set(&tr_cfg.db_password, optarg);
			break;
		case 'd':
			tr_set(&tr_cfg.db_name, optarg);
			break;
		case 'n':
			n = strtoll(optarg, NULL, 10);
			break;
		case 'j':
			tr_jitter_us = atoi(optarg);
			break;
		case 'v':
			tr_verbose = true;
			break;
		case 'i':
			probe = true;
			break;
		case 't':
			takers = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (sa == NULL || sb == NULL || sc == NULL || n <= 0 || takers < 1 ||
	    takers > TR_MAX_TAKERS)
		usage();
	ns = 2 * takers;
	db_global_init(&tr_cfg);
	cc = tr_connect(sc);
	if (probe)
		return tr_probe_run(tr_connect(sa), tr_connect(sb), cc, n);
	tr_sh = mmap(NULL, sizeof *tr_sh, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (tr_sh == MAP_FAILED)
		fatal("mmap");
	memset(tr_sh, 0, sizeof *tr_sh);
	sd = tr_sh->sd;
	pthread_barrierattr_init(&ba);
	pthread_barrierattr_setpshared(&ba, PTHREAD_PROCESS_SHARED);
	pthread_barrier_init(&tr_sh->start, &ba, (unsigned int)ns + 1);
	pthread_barrier_init(&tr_sh->done, &ba, (unsigned int)ns + 1);
	tr_counters_of(sa, before[0]);
	tr_counters_of(sb, before[1]);
	/* Takers 0..takers-1 on node A (residue 1), the others on B. */
	fflush(NULL);
	for (i = 0; i < ns; i++) {
		struct tr_side *s = &sd[i];
		bool a = i < takers;

		s->name = xasprintf("%c%d", a ? 'A' : 'B', i % takers + 1);
		s->worker = xasprintf("race-worker-%c%d", a ? 'a' : 'b',
		    i % takers + 1);
		s->residue = a ? 1 : 2;
		s->sock = a ? sa : sb;
		if ((pid[i] = fork()) == -1)
			fatal("fork");
		if (pid[i] == 0)
			tr_taker(s);
	}
	for (tr_sh->iter = 1; tr_sh->iter <= n; tr_sh->iter++) {
		int oks = 0;

		/* A fresh queue: takers tasks of residue 1. */
		if (db_exec(cc,
			"UPDATE tasks SET q_state = 'none' WHERE "
			"q_state IN ('taken', 'queued')",
			NULL, "") != DB_OK) {
			fprintf(stderr, "take-race: %s\n", db_error(cc));
			break;
		}
		for (k = 0; k < takers; k++)
			if (tr_queue(cc, ++seq) != 0)
				break;
		if (k < takers)
			break;
		pthread_barrier_wait(&tr_sh->start);
		pthread_barrier_wait(&tr_sh->done);
		for (i = 0; i < ns; i++) {
			struct tr_side *s = &sd[i];

			s->attempts += (uint64_t)s->runs;
			if (s->runs > s->rounds)
				multi_attempt++;
			if (s->rounds > 1)
				s->readback_lost += (uint64_t)s->rounds - 1;
			if (s->res != DOMAIN_OK && s->res != DOMAIN_EMPTY) {
				s->failed++;
				if (tr_verbose)
					printf("%lld %s: %s\n",
					    (long long)tr_sh->iter, s->name,
					    s->err);
				continue;
			}
			if (s->task[0] == '\0') {
				s->none++;
				continue;
			}
			oks++;
			s->taken++;
			if (!tr_rows_exist(cc, s, rows, sizeof rows)) {
				s->missing++;
				printf("MISSING %lld: %s's take reported %s "
				       "(%d take(s), %d transaction run(s)), "
				       "but: %s\n",
				    (long long)tr_sh->iter, s->name, s->task,
				    s->rounds, s->runs, rows);
			}
		}
		for (i = 0; i < ns; i++)
			for (j = i + 1; j < ns; j++)
				if (sd[i].res == DOMAIN_OK &&
				    sd[j].res == DOMAIN_OK &&
				    sd[i].task[0] != '\0' &&
				    strcmp(sd[i].task, sd[j].task) == 0)
					twice++;
		if (oks == 0)
			neither++;
		if (tr_sh->iter % 500 == 0)
			fprintf(stderr, "take-race: %lld races\n",
			    (long long)tr_sh->iter);
	}
	__atomic_store_n(&tr_sh->stop, 1, __ATOMIC_SEQ_CST);
	pthread_barrier_wait(&tr_sh->start);
	for (i = 0; i < ns; i++)
		if (waitpid(pid[i], &st, 0) == -1 || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != 0)
			fprintf(stderr,
			    "take-race: taker %s did not end well\n",
			    sd[i].name);
	tr_counters_of(sa, after[0]);
	tr_counters_of(sb, after[1]);
	memset(tot, 0, sizeof tot);
	for (i = 0; i < ns; i++) {
		struct tr_side *t = &tot[i < takers ? 0 : 1];

		t->taken += sd[i].taken;
		t->none += sd[i].none;
		t->failed += sd[i].failed;
		t->attempts += sd[i].attempts;
		t->readback_lost += sd[i].readback_lost;
		t->missing += sd[i].missing;
		t->lost += sd[i].lost;
	}
	printf("races: %lld, %d taker(s) and %d task(s) per node and race "
	       "(jitter up to %d us)\n",
	    (long long)(tr_sh->iter - 1), takers, takers, tr_jitter_us);
	for (i = 0; i < 2; i++) {
		struct tr_side *s = &tot[i];

		s->name = i == 0 ? "A" : "B";
		s->residue = i == 0 ? 1 : 2;
		printf(
		    "%s (%s, residue %lld): took %llu, found none %llu, "
		    "failed %llu, transaction runs %llu, read-back not ours "
		    "%llu, taken but rows missing %llu, connections "
		    "lost %llu\n",
		    s->name,
		    i == 0 ? "own queue, SKIP LOCKED" :
			     "foreign, unlocked "
			     "read",
		    (long long)s->residue, (unsigned long long)s->taken,
		    (unsigned long long)s->none, (unsigned long long)s->failed,
		    (unsigned long long)s->attempts,
		    (unsigned long long)s->readback_lost,
		    (unsigned long long)s->missing,
		    (unsigned long long)s->lost);
		printf("%s node: bf_aborts +%lld, replays +%lld, "
		       "cert_failures +%lld\n",
		    s->name, (long long)(after[i][0] - before[i][0]),
		    (long long)(after[i][1] - before[i][1]),
		    (long long)(after[i][2] - before[i][2]));
	}
	printf("a task taken by two takers in one race: %llu, races where "
	       "nobody took anything: %llu, taker runs with a re-run "
	       "transaction: %llu\n",
	    (unsigned long long)twice, (unsigned long long)neither,
	    (unsigned long long)multi_attempt);
	db_close(cc);
	return tot[0].missing + tot[1].missing > 0 ? 1 : 0;
}
