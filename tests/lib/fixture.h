/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fixture.h - what integration and HA tests share: the test database from
 * the environment (scripts/test-db, scripts/galera-local), a real loomd
 * process started on a free port, loom-dummy-provisioner against it, HTTP
 * through libcurl, and SQL through loomd's own db module.
 */
#ifndef LOOMD_FIXTURE_H
#define LOOMD_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct json_object;

/* What an integration or HA test binary needs beyond loomd itself. */
enum fx_need {
	FX_NEED_DB,    /* a test server: LOOMD_TEST_DB_* */
	FX_NEED_GALERA /* the 3-node rig: LOOMD_GALERA_N1..3_* */
};

/*
 * The main of a test binary whose tests need a database: Criterion's
 * main, except that when the variables of need are missing no test runs
 * and it exits 77, which automake reports as SKIP (1, a failure, under
 * LOOMD_TEST_REQUIRE_DB=1).  --help and --list answer without a database.
 * jobs > 0 caps how many tests run at once.  Use it as FX_MAIN(need, jobs)
 * at file scope; a binary without it runs its tests anywhere.
 */
int fx_main(int argc, char *argv[], enum fx_need need, int jobs);
#define FX_MAIN(need, jobs) \
	int main(int argc, char *argv[]) \
	{ \
		return fx_main(argc, argv, (need), (jobs)); \
	}

/* Connection parameters of one database server. */
struct fx_db {
	char socket[256]; /* empty: use host:port */
	char host[64];
	int port;
	char user[64];
	char password[64];
};

/*
 * Fill db from LOOMD_TEST_DB_* (prefix "LOOMD_TEST_DB") or, for Galera
 * node n (1..3), from LOOMD_GALERA_N<n>_* .  When the variables are missing
 * the test is skipped, or fails if LOOMD_TEST_REQUIRE_DB=1 (CI).
 */
void fx_db_from_env(struct fx_db *db);
void fx_galera_from_env(struct fx_db *db, int node);

/* A unique database name for this test process: loomd_t_<pid>_<n>. */
void fx_db_name(char *out, size_t n);

struct st_mysql; /* MYSQL of <mysql.h> */

/*
 * A new connection to db (database dbname, may be NULL), with connect and
 * read timeouts of 10 s: the caller closes it with mysql_close().  NULL
 * when it fails, with the client's message in err (size n; may be NULL).
 */
struct st_mysql *fx_db_connect(const struct fx_db *db, const char *dbname,
    char *err, size_t n);

/*
 * Run one SQL statement on db (database dbname, may be NULL) and return
 * the first column of the first row as a string in out (may be NULL).
 * Returns 0, or -1 with the error in out.
 */
int fx_sql(const struct fx_db *db, const char *dbname, const char *sql,
    char *out, size_t n);

/* A loomd process. */
struct fx_daemon {
	pid_t pid;
	int port;
	char dir[256]; /* private temp dir */
	char conf[300];
	char log[300]; /* its stderr */
};

/* A TCP port on 127.0.0.1 that was free a moment ago, or -1. */
int fx_free_port(void);

/*
 * Write a configuration for db/dbname with extra lines appended (may be
 * NULL; later keys are errors in libconfig, so extra must not repeat the
 * base keys, except that a "server = {" group in extra replaces the base
 * one).  Returns the path in d->conf.
 */
void fx_daemon_prepare(struct fx_daemon *d, const struct fx_db *db,
    const char *dbname, const char *extra);

/*
 * Start loomd on d->conf with --port 0 --port-file and wait (up to 60 s)
 * for the port; returns 0, or -1 if it exited first (its status in
 * *status when not NULL).
 */
int fx_daemon_start(struct fx_daemon *d, int *status);

/* Its end: stop d (if running) and drop dbname on db. */
void fx_teardown(const struct fx_db *db, const char *dbname,
    struct fx_daemon *d);

/*
 * The state of a database suite, owned by the fixture: the server, a
 * fresh database on it and the loomd that the suite's tests share.
 */
struct fx_suite {
	struct fx_db db;
	char dbname[64];
	struct fx_daemon d;
};
extern struct fx_suite fx;

/*
 * The part of fx_start that starts nothing: fx.db from LOOMD_TEST_DB_* and
 * a fresh fx.dbname, which fx_fini drops.
 */
void fx_begin(void);

/*
 * The start of most database suites: fx_begin, then fx.d prepared with
 * extra (may be NULL, as in fx_daemon_prepare) and started, and the
 * catalogue rel (under $LOOMD_SRCDIR, e.g. FX_CLUSTER_FIXTURES; NULL: none)
 * imported into it; the test fails if loomd does not start or the import
 * does not answer 200.
 */
void fx_start(const char *extra, const char *rel);

/* A suite's .fini: fx_teardown of fx (nothing when fx_begin did not run). */
void fx_fini(void);

/*
 * TestSuite(name, ...) whose .init is fx_start(extra, rel) and whose .fini
 * is fx_fini; the remaining arguments are TestSuite's (.timeout = ...).
 */
#define FX_SUITE(name, extra, rel, ...) \
	static void fx_init_##name(void) \
	{ \
		fx_start((extra), (rel)); \
	} \
	TestSuite(name, .init = fx_init_##name, .fini = fx_fini, __VA_ARGS__)

/* Run loomd with args ("-t" etc.) on conf to completion; exit status and
 * stderr (into out, size n) are returned. */
int fx_run_loomd(const char *conf, const char *args, char *out, size_t n);

/* SIGTERM and reap (SIGKILL after 15 s); returns the exit status. */
int fx_daemon_stop(struct fx_daemon *d);

/* Read d's log into out (size n). */
void fx_daemon_log(const struct fx_daemon *d, char *out, size_t n);

/*
 * Start loom-dummy-provisioner ($LOOMD_BUILDDIR/src) against the loomd on
 * 127.0.0.1:port: workers workers polling every 20 ms, one line per
 * finished task in log.  prefix names its workers and seed fixes its
 * random choices (each NULL: the provisioner's default); its stderr goes
 * to errlog (NULL: /dev/null).  Returns its pid (the test fails if it
 * cannot fork); stop it with fx_provisioner_stop().
 */
pid_t fx_provisioner_start(int port, int workers, const char *prefix,
    const char *seed, const char *log, const char *errlog);

/* SIGTERM and reap *pid, then set it to -1; no-op when *pid <= 0. */
void fx_provisioner_stop(pid_t *pid);

/* One HTTP exchange. */
struct fx_resp {
	long status; /* 0 when the request failed or timed out */
	char *body;  /* owned; free() */
	size_t len;
	double ms;	 /* elapsed */
	char error[256]; /* curl error when status is 0 */
	char ctype[128]; /* Content-Type, "" when none */
};

/*
 * Send method path (with body, may be NULL, and extra header lines
 * separated by '\n', may be NULL) to 127.0.0.1:port, giving up after
 * timeout_ms.  Returns 0 if an HTTP answer came, -1 otherwise.
 */
int fx_http(int port, const char *method, const char *path,
    const char *headers, const char *body, size_t body_len, long timeout_ms,
    struct fx_resp *r);
void fx_resp_free(struct fx_resp *r);

/*
 * Send method path with body (may be NULL) to 127.0.0.1:port as user (the
 * X-Loom-UserID header; NULL: none), giving up after 15 s; the test fails
 * when no HTTP answer comes.  Returns the status, and when o is not NULL
 * the body parsed as JSON in *o (NULL for an empty or non-JSON body; the
 * caller puts it).
 */
long fx_call(int port, const char *user, const char *method, const char *path,
    const char *body, struct json_object **o);

/* fx_call on the suite's loomd (fx.d.port). */
long fx_api(const char *user, const char *method, const char *path,
    const char *body, struct json_object **o);

/* fx_api on /v1/loom/clusters/<id><rest> (rest: "" or "/abort" ...). */
long fx_api_cluster(const char *user, const char *method, const char *id,
    const char *rest, const char *body, struct json_object **o);

/*
 * Send method path with body (may be NULL) and header lines hdr (may be
 * NULL) to 127.0.0.1:port, giving up after 10 s; the test fails when no
 * HTTP answer comes.  Returns the status; the answer is in *r (the caller
 * frees it with fx_resp_free).
 */
long fx_req(int port, const char *method, const char *path, const char *hdr,
    const char *body, struct fx_resp *r);

/*
 * Expect that request to answer status with a Loom error body: text/plain,
 * the message alone (checks with cr_expect, so one test reports them all).
 */
void fx_expect_loom(int port, const char *method, const char *path,
    const char *hdr, const char *body, long status, const char *message);

/* o[key] as a string, "" when o is NULL or has no key (borrowed from o). */
const char *fx_js(struct json_object *o, const char *key);

/* o[key] as an integer, -1 when o is NULL or has no key. */
int64_t fx_ji(struct json_object *o, const char *key);

/*
 * POST the file rel (under $LOOMD_SRCDIR) to /v1/loom/import on port as
 * admin; the test fails unless it answers 200.
 */
void fx_import(int port, const char *rel);

/*
 * The value of series (a metric name with its labels, e.g.
 * loomd_task_requests_refused_total{reason="token"}) on GET /metrics of the
 * loomd on port; -1 when it has no such line.
 */
double fx_metric(int port, const char *series);

/* How many times needle occurs in hay (occurrences do not overlap). */
int fx_count(const char *hay, const char *needle);

/* Milliseconds on a monotonic clock. */
double fx_now_ms(void);

/* Run a shell command; returns its exit status. */
int fx_shell(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Path of rel under the source tree (fx_data_srcdir()). */
void fx_srcpath(char *out, size_t n, const char *rel);

/*
 * Run the SQL of fmt (printf format) on dbname and put the first column of
 * its first row into out (size n); the test fails when the statement does.
 * Returns out.
 */
const char *fx_sqlf(const struct fx_db *db, const char *dbname, char *out,
    size_t n, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* fx_sqlf's value as an integer (a COUNT, a time): 0 when it is not one. */
long fx_sql_long(const struct fx_db *db, const char *dbname, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

/*
 * Run the SQL of fmt (as fx_sqlf) every poll_ms until its value is want or
 * timeout_ms pass.  Returns out, the last value: the caller asserts it.
 */
const char *fx_sqlf_wait(const struct fx_db *db, const char *dbname,
    const char *want, double timeout_ms, int poll_ms, char *out, size_t n,
    const char *fmt, ...) __attribute__((format(printf, 8, 9)));

/*
 * The number of tasks of cluster id (its decimal text) whose rows also
 * meet the SQL condition where, read with fx_sqlf from the suite's
 * database (fx.db, fx.dbname).
 */
long fx_cluster_tasks(const char *id, const char *where);

/*
 * Create a cluster named name of template tmpl with one machine as user on
 * port; the test fails unless it answers 200.  Its id goes into id.
 */
void fx_create_cluster(int port, const char *user, const char *name,
    const char *tmpl, char id[32]);

/*
 * One POST /tasks/take as worker on port: returns the HTTP status and puts
 * the task id into task ("" when no task came; task may be NULL).
 */
long fx_take(int port, const char *worker, char task[64]);

/*
 * Take as worker until a task comes (its id into task) or secs pass (the
 * test fails).  Returns the seconds it took.
 */
double fx_take_within(int port, const char *worker, char task[64],
    double secs);

/*
 * POST /tasks/finish of task as worker with status, result (JSON text of
 * the "result" member, may be NULL) and header lines hdr (may be NULL).
 * Returns the HTTP status; the answer is in *r (the caller frees it with
 * fx_resp_free).
 */
long fx_finish(int port, const char *worker, const char *task, int status,
    const char *result, const char *hdr, struct fx_resp *r);

/* The admin catalogue of the original server's cluster-handler tests. */
#define FX_CLUSTER_FIXTURES \
	"tests/data/loom-fixtures/cluster-handler-fixtures.json"

/*
 * Send method path with body (may be NULL) and header lines hdr (may be
 * NULL) to 127.0.0.1:port, giving up after timeout_ms; the body of the
 * answer goes into out (size n; may be NULL, "" when none).  Returns the
 * status, 0 when no HTTP answer came.
 */
long fx_http_text(int port, const char *method, const char *path,
    const char *hdr, const char *body, long timeout_ms, char *out, size_t n);

/*
 * POST body to /v1/loom/clusters as user on port; the test fails unless it
 * answers 200 with an 8-character id, which goes into id.
 */
void fx_create(int port, const char *user, const char *body, char id[32]);

/*
 * The status line "STATUS/ACTIONSTATUS/ACTION/stepstotal/stepscompleted"
 * of cluster id (GET /clusters/{id}/status as user on port) into out
 * (size n); "" when it does not answer 200.
 */
void fx_status_line(int port, const char *user, const char *id, char *out,
    size_t n);

/*
 * Whether the status line got matches want field by field ('/' between
 * fields): "*" matches any field, and a want of fewer fields matches the
 * first fields of got.
 */
bool fx_status_match(const char *want, const char *got);

/*
 * Poll cluster id's status line (every 50 ms, at least once) until it
 * matches want (fx_status_match) or ms pass; then the test fails, naming
 * both.
 */
void fx_wait_status(int port, const char *user, const char *id,
    const char *want, double ms);

/*
 * Take one task now as worker: 200 with *task set (caller puts) or 204
 * with NULL.  A 503 is retried as a provisioner does (at most 10 times,
 * 200 ms apart, each logged); any other status fails the test.
 */
long fx_take_once(int port, const char *worker, struct json_object **task);

/*
 * Take as worker on port until a task comes or ms pass, by
 * fx_take_once().  Returns the task as JSON (the caller puts it) or NULL.
 */
struct json_object *fx_take_json(int port, const char *worker, double ms);

/*
 * GET cluster id as user on port into *cl (the caller puts it); the test
 * fails unless it answers 200 with nodes.  Returns the actions of its
 * first node (borrowed from *cl; NULL when it has none).
 */
struct json_object *fx_node_actions(int port, const char *user, const char *id,
    struct json_object **cl);

#endif /* LOOMD_FIXTURE_H */
