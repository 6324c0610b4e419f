/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fixture.c - shared test fixture (see fixture.h).  Criterion runs each
 * test in its own process, so every name here carries the pid.
 */
#include "config.h"

#include "fixture.h"
#include "fixture_data.h"

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <json-c/json.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <mysql.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

double
fx_metric(int port, const char *series)
{
	struct fx_resp r;
	char line[256];
	const char *p;
	double v = -1;

	snprintf(line, sizeof line, "\n%s ", series);
	fx_http(port, "GET", "/metrics", NULL, NULL, 0, 10000, &r);
	if (r.body != NULL && (p = strstr(r.body, line)) != NULL)
		v = strtod(p + strlen(line), NULL);
	fx_resp_free(&r);
	return v;
}

int
fx_count(const char *hay, const char *needle)
{
	int k = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		k++;
		hay += strlen(needle);
	}
	return k;
}

double
fx_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Skip, or fail under LOOMD_TEST_REQUIRE_DB=1, for a missing database. */
static void
fx_no_db(const char *what)
{
	const char *req = getenv("LOOMD_TEST_REQUIRE_DB");

	if (req != NULL && strcmp(req, "1") == 0)
		cr_assert_fail("%s not set but LOOMD_TEST_REQUIRE_DB=1", what);
	cr_skip_test("%s not set; start scripts/test-db or "
		     "scripts/galera-local",
	    what);
}

/* Copy env var name into out, or "" if unset. */
static void
fx_env(const char *name, char *out, size_t n)
{
	const char *v = getenv(name);

	snprintf(out, n, "%s", v != NULL ? v : "");
}

/* Fill db from the variables PREFIX_SOCKET, _HOST, _PORT, _USER, ... */
static bool
fx_db_prefix(struct fx_db *db, const char *prefix)
{
	char name[128], port[16];

	memset(db, 0, sizeof *db);
	snprintf(name, sizeof name, "%s_SOCKET", prefix);
	fx_env(name, db->socket, sizeof db->socket);
	snprintf(name, sizeof name, "%s_HOST", prefix);
	fx_env(name, db->host, sizeof db->host);
	snprintf(name, sizeof name, "%s_PORT", prefix);
	fx_env(name, port, sizeof port);
	db->port = atoi(port);
	snprintf(name, sizeof name, "%s_USER", prefix);
	fx_env(name, db->user, sizeof db->user);
	snprintf(name, sizeof name, "%s_PASSWORD", prefix);
	fx_env(name, db->password, sizeof db->password);
	if (db->host[0] == '\0')
		snprintf(db->host, sizeof db->host, "127.0.0.1");
	return db->user[0] != '\0' && (db->socket[0] != '\0' || db->port > 0);
}

int
fx_main(int argc, char *argv[], enum fx_need need, int jobs)
{
	struct criterion_test_set *tests = criterion_initialize();
	const char *req = getenv("LOOMD_TEST_REQUIRE_DB"), *what = NULL;
	char prefix[64];
	struct fx_db db;
	int result = 0, i;

	if (jobs > 0)
		criterion_options.jobs = jobs;
	if (!criterion_handle_args(argc, argv, true))
		goto done;
	if (need == FX_NEED_DB && !fx_db_prefix(&db, "LOOMD_TEST_DB"))
		what = "LOOMD_TEST_DB_* not set: start a test database with "
		       "eval \"$(scripts/test-db start)\"";
	for (i = 1; need == FX_NEED_GALERA && what == NULL && i <= 3; i++) {
		snprintf(prefix, sizeof prefix, "LOOMD_GALERA_N%d", i);
		if (!fx_db_prefix(&db, prefix))
			what =
			    "LOOMD_GALERA_N1..3_* not set: start "
			    "scripts/galera-local up and export "
			    "scripts/galera-local env N as docs/HACKING.md shows";
	}
	if (what == NULL) {
		result = !criterion_run_all_tests(tests);
	} else if (req != NULL && strcmp(req, "1") == 0) {
		fprintf(stderr, "%s: %s, but LOOMD_TEST_REQUIRE_DB=1\n",
		    argv[0], what);
		result = 1;
	} else {
		fprintf(stderr, "%s: skipped: %s\n", argv[0], what);
		result = 77;
	}
done:
	criterion_finalize(tests);
	return result;
}

void
fx_db_from_env(struct fx_db *db)
{
	if (!fx_db_prefix(db, "LOOMD_TEST_DB"))
		fx_no_db("LOOMD_TEST_DB_*");
}

void
fx_galera_from_env(struct fx_db *db, int node)
{
	char prefix[64];

	snprintf(prefix, sizeof prefix, "LOOMD_GALERA_N%d", node);
	if (!fx_db_prefix(db, prefix))
		fx_no_db("LOOMD_GALERA_N*_*");
	/* Galera nodes are addressed over TCP, one per datacenter. */
	db->socket[0] = '\0';
}

void
fx_db_name(char *out, size_t n)
{
	static int seq;

	snprintf(out, n, "loomd_t_%ld_%d", (long)getpid(), ++seq);
}

MYSQL *
fx_db_connect(const struct fx_db *db, const char *dbname, char *err, size_t n)
{
	unsigned int tmo = 10;
	MYSQL *my = mysql_init(NULL);

	mysql_optionsv(my, MYSQL_OPT_CONNECT_TIMEOUT, &tmo);
	mysql_optionsv(my, MYSQL_OPT_READ_TIMEOUT, &tmo);
	if (mysql_real_connect(my, db->socket[0] ? "localhost" : db->host,
		db->user, db->password, dbname, db->socket[0] ? 0 : db->port,
		db->socket[0] ? db->socket : NULL, 0) != NULL)
		return my;
	if (err != NULL && n > 0)
		snprintf(err, n, "%s", mysql_error(my));
	mysql_close(my);
	return NULL;
}

int
fx_sql(const struct fx_db *db, const char *dbname, const char *sql, char *out,
    size_t n)
{
	MYSQL_STMT *stmt;
	MYSQL_BIND b;
	char buf[4096];
	unsigned long len = 0;
	my_bool isnull = 0;
	MYSQL *my;
	int rc = -1;

	if (out != NULL && n > 0)
		out[0] = '\0';
	if ((my = fx_db_connect(db, dbname, out, n)) == NULL)
		return -1;
	stmt = mysql_stmt_init(my);
	if (mysql_stmt_prepare(stmt, sql, strlen(sql)) != 0 ||
	    mysql_stmt_execute(stmt) != 0) {
		if (out != NULL)
			snprintf(out, n, "%u: %s", mysql_stmt_errno(stmt),
			    mysql_stmt_error(stmt));
		goto done;
	}
	if (mysql_stmt_field_count(stmt) > 0) {
		memset(&b, 0, sizeof b);
		b.buffer_type = MYSQL_TYPE_STRING;
		b.buffer = buf;
		b.buffer_length = sizeof buf - 1;
		b.length = &len;
		b.is_null = &isnull;
		mysql_stmt_bind_result(stmt, &b);
		if (mysql_stmt_fetch(stmt) == 0 && out != NULL) {
			buf[len < sizeof buf ? len : sizeof buf - 1] = '\0';
			snprintf(out, n, "%s", isnull ? "NULL" : buf);
		}
		mysql_stmt_free_result(stmt);
	}
	rc = 0;
done:
	if (stmt != NULL)
		mysql_stmt_close(stmt);
	mysql_close(my);
	return rc;
}

void
fx_srcpath(char *out, size_t n, const char *rel)
{
	snprintf(out, n, "%s/%s", fx_data_srcdir(), rel);
}

int
fx_free_port(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	int fd, port = -1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
		port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

void
fx_daemon_prepare(struct fx_daemon *d, const struct fx_db *db,
    const char *dbname, const char *extra)
{
	FILE *fp;

	memset(d, 0, sizeof *d);
	d->pid = -1;
	snprintf(d->dir, sizeof d->dir, "/tmp/loomd-test.XXXXXX");
	cr_assert_not_null(mkdtemp(d->dir), "mkdtemp: %s", strerror(errno));
	snprintf(d->conf, sizeof d->conf, "%s/loomd.conf", d->dir);
	snprintf(d->log, sizeof d->log, "%s/loomd.log", d->dir);
	fp = fopen(d->conf, "w");
	cr_assert_not_null(fp);
	/* An extra server group replaces this one (libconfig has no merge). */
	if (extra == NULL || strstr(extra, "server = {") == NULL)
		fprintf(fp,
		    "server = { host = \"127.0.0.1\"; threads = 4; "
		    "};\n");
	fprintf(fp,
	    "db = { %s%s%s host = \"%s\"; port = %d; user = \"%s\"; "
	    "password = \"%s\"; name = \"%s\"; connect_timeout_ms = 2000; "
	    "read_timeout_ms = 3000; write_timeout_ms = 3000; };\n",
	    db->socket[0] ? "socket = \"" : "", db->socket,
	    db->socket[0] ? "\";" : "", db->host,
	    db->port > 0 ? db->port : 3306, db->user, db->password, dbname);
	if (extra != NULL)
		fprintf(fp, "%s\n", extra);
	fclose(fp);
}

int
fx_daemon_start(struct fx_daemon *d, int *status)
{
	const char *bin = getenv("LOOMD_BIN");
	char portfile[320], buf[32];
	double deadline;
	FILE *fp;
	int st, fd;

	cr_assert_not_null(bin, "LOOMD_BIN not set");
	snprintf(portfile, sizeof portfile, "%s/port", d->dir);
	unlink(portfile);
	d->pid = fork();
	cr_assert_neq(d->pid, -1);
	if (d->pid == 0) {
		fd = open(d->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, 2);
			close(fd);
		}
		execl(bin, bin, "-c", d->conf, "--port", "0", "--port-file",
		    portfile, (char *)NULL);
		_exit(127);
	}
	deadline = fx_now_ms() + 60000;
	while (fx_now_ms() < deadline) {
		if (waitpid(d->pid, &st, WNOHANG) == d->pid) {
			d->pid = -1;
			if (status != NULL)
				*status = WIFEXITED(st) ? WEXITSTATUS(st) :
							  128 + WTERMSIG(st);
			return -1;
		}
		if ((fp = fopen(portfile, "r")) != NULL) {
			if (fgets(buf, sizeof buf, fp) != NULL)
				d->port = atoi(buf);
			fclose(fp);
			if (d->port > 0)
				return 0;
		}
		usleep(20000);
	}
	kill(d->pid, SIGKILL);
	waitpid(d->pid, NULL, 0);
	d->pid = -1;
	if (status != NULL)
		*status = -1;
	return -1;
}

int
fx_daemon_stop(struct fx_daemon *d)
{
	double deadline;
	int st = 0;

	if (d->pid <= 0)
		return -1;
	kill(d->pid, SIGTERM);
	deadline = fx_now_ms() + 15000;
	while (waitpid(d->pid, &st, WNOHANG) == 0) {
		if (fx_now_ms() > deadline) {
			kill(d->pid, SIGKILL);
			waitpid(d->pid, &st, 0);
			break;
		}
		usleep(20000);
	}
	d->pid = -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

void
fx_daemon_log(const struct fx_daemon *d, char *out, size_t n)
{
	size_t got = 0;
	FILE *fp;

	out[0] = '\0';
	if ((fp = fopen(d->log, "r")) == NULL)
		return;
	got = fread(out, 1, n - 1, fp);
	out[got] = '\0';
	fclose(fp);
}

pid_t
fx_provisioner_start(int port, int workers, const char *prefix,
    const char *seed, const char *log, const char *errlog)
{
	const char *b = getenv("LOOMD_BUILDDIR"), *argv[16];
	char bin[1024], uri[64], nw[16];
	size_t n = 0;
	pid_t pid;

	snprintf(bin, sizeof bin, "%s/src/loom-dummy-provisioner",
	    b != NULL ? b : ".");
	snprintf(uri, sizeof uri, "http://127.0.0.1:%d", port);
	snprintf(nw, sizeof nw, "%d", workers);
	argv[n++] = bin;
	argv[n++] = "--uri";
	argv[n++] = uri;
	argv[n++] = "--workers";
	argv[n++] = nw;
	argv[n++] = "--poll-ms";
	argv[n++] = "20";
	if (prefix != NULL) {
		argv[n++] = "--worker-prefix";
		argv[n++] = prefix;
	}
	argv[n++] = "--log";
	argv[n++] = log;
	if (seed != NULL) {
		argv[n++] = "--seed";
		argv[n++] = seed;
	}
	argv[n] = NULL;
	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		if (freopen(errlog != NULL ? errlog : "/dev/null", "w",
			stderr) == NULL)
			_exit(126);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	return pid;
}

void
fx_provisioner_stop(pid_t *pid)
{
	if (*pid <= 0)
		return;
	kill(*pid, SIGTERM);
	waitpid(*pid, NULL, 0);
	*pid = -1;
}

struct fx_suite fx;

/* Whether fx_begin ran: fx_fini has something to tear down. */
static bool fx_begun;

void
fx_begin(void)
{
	fx_db_from_env(&fx.db);
	fx_db_name(fx.dbname, sizeof fx.dbname);
	fx_begun = true;
}

void
fx_fini(void)
{
	if (fx_begun)
		fx_teardown(&fx.db, fx.dbname, &fx.d);
}

void
fx_start(const char *extra, const char *rel)
{
	fx_begin();
	fx_daemon_prepare(&fx.d, &fx.db, fx.dbname, extra);
	cr_assert_eq(fx_daemon_start(&fx.d, NULL), 0, "loomd did not start");
	if (rel != NULL)
		fx_import(fx.d.port, rel);
}

void
fx_teardown(const struct fx_db *db, const char *dbname, struct fx_daemon *d)
{
	char sql[128];

	fx_daemon_stop(d);
	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", dbname);
	fx_sql(db, NULL, sql, NULL, 0);
}

int
fx_run_loomd(const char *conf, const char *args, char *out, size_t n)
{
	const char *bin = getenv("LOOMD_BIN");
	char cmd[1024];
	size_t got;
	FILE *fp;
	int st;

	cr_assert_not_null(bin, "LOOMD_BIN not set");
	snprintf(cmd, sizeof cmd, "'%s' %s -c '%s' 2>&1 >/dev/null", bin,
	    args != NULL ? args : "", conf);
	fp = popen(cmd, "r");
	cr_assert_not_null(fp);
	got = fread(out, 1, n - 1, fp);
	out[got] = '\0';
	st = pclose(fp);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* libcurl write callback: append to the response body. */
static size_t
fx_curl_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct fx_resp *r = arg;
	size_t n = size * nmemb;

	r->body = realloc(r->body, r->len + n + 1);
	cr_assert_not_null(r->body);
	memcpy(r->body + r->len, ptr, n);
	r->len += n;
	r->body[r->len] = '\0';
	return n;
}

int
fx_http(int port, const char *method, const char *path, const char *headers,
    const char *body, size_t body_len, long timeout_ms, struct fx_resp *r)
{
	struct curl_slist *hl = NULL;
	char url[1024], *copy, *line, *save;
	double t0 = fx_now_ms();
	CURLcode rc;
	CURL *c;

	memset(r, 0, sizeof *r);
	r->body = calloc(1, 1);
	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
	c = curl_easy_init();
	cr_assert_not_null(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, fx_curl_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	hl = curl_slist_append(hl, "Expect:");
	if (headers != NULL) {
		copy = strdup(headers);
		for (line = strtok_r(copy, "\n", &save); line != NULL;
		     line = strtok_r(NULL, "\n", &save))
			hl = curl_slist_append(hl, line);
		free(copy);
	}
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)body_len);
		hl = curl_slist_append(hl, "Content-Type: application/json");
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	rc = curl_easy_perform(c);
	r->ms = fx_now_ms() - t0;
	if (rc == CURLE_OK) {
		char *ct = NULL;

		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
		if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct) ==
			CURLE_OK &&
		    ct != NULL)
			snprintf(r->ctype, sizeof r->ctype, "%s", ct);
	} else
		snprintf(r->error, sizeof r->error, "%s",
		    curl_easy_strerror(rc));
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	return rc == CURLE_OK ? 0 : -1;
}

void
fx_resp_free(struct fx_resp *r)
{
	free(r->body);
	r->body = NULL;
}

int
fx_shell(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

long
fx_call(int port, const char *user, const char *method, const char *path,
    const char *body, struct json_object **o)
{
	char hdr[128];
	struct fx_resp r;
	long s;

	snprintf(hdr, sizeof hdr, "X-Loom-UserID: %s",
	    user != NULL ? user : "");
	cr_assert_eq(fx_http(port, method, path, user != NULL ? hdr : NULL,
			 body, body != NULL ? strlen(body) : 0, 15000, &r),
	    0, "%s %s: %s", method, path, r.error);
	s = r.status;
	if (o != NULL)
		*o = r.len > 0 ? json_tokener_parse(r.body) : NULL;
	fx_resp_free(&r);
	return s;
}

long
fx_api(const char *user, const char *method, const char *path,
    const char *body, struct json_object **o)
{
	return fx_call(fx.d.port, user, method, path, body, o);
}

long
fx_api_cluster(const char *user, const char *method, const char *id,
    const char *rest, const char *body, struct json_object **o)
{
	char path[256];

	snprintf(path, sizeof path, "/v1/loom/clusters/%s%s", id, rest);
	return fx_api(user, method, path, body, o);
}

long
fx_req(int port, const char *method, const char *path, const char *hdr,
    const char *body, struct fx_resp *r)
{
	cr_assert_eq(fx_http(port, method, path, hdr, body,
			 body != NULL ? strlen(body) : 0, 10000, r),
	    0, "%s %s: %s", method, path, r->error);
	return r->status;
}

void
fx_expect_loom(int port, const char *method, const char *path, const char *hdr,
    const char *body, long status, const char *message)
{
	struct fx_resp r;

	cr_expect_eq(fx_req(port, method, path, hdr, body, &r), status,
	    "%s %s: %ld %s", method, path, r.status, r.body);
	cr_expect_str_eq(r.ctype, "text/plain; charset=utf-8", "%s %s", method,
	    path);
	cr_expect_str_eq(r.body, message, "%s %s: got \"%s\"", method, path,
	    r.body);
	fx_resp_free(&r);
}

const char *
fx_js(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v))
		return "";
	return json_object_get_string(v);
}

int64_t
fx_ji(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v))
		return -1;
	return json_object_get_int64(v);
}

void
fx_import(int port, const char *rel)
{
	char path[1024], *body;
	struct fx_resp r;
	FILE *fp;
	long n;

	fx_srcpath(path, sizeof path, rel);
	fp = fopen(path, "r");
	cr_assert_not_null(fp, "%s", path);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	body = calloc(1, (size_t)n + 1);
	cr_assert_eq(fread(body, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	fx_http(port, "POST", "/v1/loom/import", "X-Loom-UserID: admin", body,
	    (size_t)n, 15000, &r);
	cr_assert_eq(r.status, 200, "import %s: %s", rel, r.body);
	fx_resp_free(&r);
	free(body);
}

/* fx_sqlf with its arguments in ap. */
static const char *
fx_vsqlf(const struct fx_db *db, const char *dbname, char *out, size_t n,
    const char *fmt, va_list ap)
{
	char q[2048];

	vsnprintf(q, sizeof q, fmt, ap);
	cr_assert_eq(fx_sql(db, dbname, q, out, n), 0, "%s: %s", q, out);
	return out;
}

const char *
fx_sqlf(const struct fx_db *db, const char *dbname, char *out, size_t n,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fx_vsqlf(db, dbname, out, n, fmt, ap);
	va_end(ap);
	return out;
}

long
fx_sql_long(const struct fx_db *db, const char *dbname, const char *fmt, ...)
{
	char out[64];
	va_list ap;

	va_start(ap, fmt);
	fx_vsqlf(db, dbname, out, sizeof out, fmt, ap);
	va_end(ap);
	return atol(out);
}

const char *
fx_sqlf_wait(const struct fx_db *db, const char *dbname, const char *want,
    double timeout_ms, int poll_ms, char *out, size_t n, const char *fmt, ...)
{
	double deadline = fx_now_ms() + timeout_ms;
	va_list ap;

	for (;;) {
		va_start(ap, fmt);
		fx_vsqlf(db, dbname, out, n, fmt, ap);
		va_end(ap);
		if (strcmp(out, want) == 0 || fx_now_ms() >= deadline)
			return out;
		usleep((useconds_t)poll_ms * 1000);
	}
}

long
fx_cluster_tasks(const char *id, const char *where)
{
	char out[32];

	return strtol(fx_sqlf(&fx.db, fx.dbname, out, sizeof out,
			  "SELECT COUNT(*) FROM tasks WHERE cluster_id = %s "
			  "AND (%s)",
			  id, where),
	    NULL, 10);
}

void
fx_create_cluster(int port, const char *user, const char *name,
    const char *tmpl, char id[32])
{
	struct json_object *o;
	char body[256];

	snprintf(body, sizeof body,
	    "{\"name\":\"%s\",\"numMachines\":1,"
	    "\"clusterTemplate\":\"%s\"}",
	    name, tmpl);
	cr_assert_eq(fx_call(port, user, "POST", "/v1/loom/clusters", body,
			 &o),
	    200, "create %s", body);
	snprintf(id, 32, "%s", fx_js(o, "id"));
	json_object_put(o);
}

/*
 * One POST /v1/loom/tasks/take as worker, waiting at most timeout_ms:
 * the status (0 when no answer came); *task the 200 answer's JSON (the
 * caller puts it) or NULL; why (size n) the body of another answer, or
 * the transport error.
 */
static long
fx_take_post(int port, const char *worker, long timeout_ms,
    struct json_object **task, char *why, size_t n)
{
	struct fx_resp r;
	char body[128];
	long status;

	snprintf(body, sizeof body, "{\"workerId\":\"%s\"}", worker);
	*task = NULL;
	if (fx_http(port, "POST", "/v1/loom/tasks/take", NULL, body,
		strlen(body), timeout_ms, &r) != 0)
		snprintf(why, n, "%s", r.error);
	else
		snprintf(why, n, "%s", r.body != NULL ? r.body : "");
	if ((status = r.status) == 200)
		*task = json_tokener_parse(r.body);
	fx_resp_free(&r);
	return status;
}

long
fx_take(int port, const char *worker, char task[64])
{
	struct json_object *o;
	char why[256];
	long status;

	status = fx_take_post(port, worker, 10000, &o, why, sizeof why);
	if (task != NULL)
		snprintf(task, 64, "%s", o != NULL ? fx_js(o, "taskId") : "");
	json_object_put(o);
	return status;
}

double
fx_take_within(int port, const char *worker, char task[64], double secs)
{
	double start = fx_now_ms();

	while (fx_now_ms() < start + secs * 1000) {
		if (fx_take(port, worker, task) == 200)
			return (fx_now_ms() - start) / 1000;
		usleep(50 * 1000);
	}
	cr_assert_fail("no task for %s within %.0f s", worker, secs);
	return -1;
}

long
fx_finish(int port, const char *worker, const char *task, int status,
    const char *result, const char *hdr, struct fx_resp *r)
{
	char body[1024];

	snprintf(body, sizeof body,
	    "{\"workerId\":\"%s\",\"taskId\":\"%s\",\"status\":%d%s%s}",
	    worker, task, status, result != NULL ? ",\"result\":" : "",
	    result != NULL ? result : "");
	fx_http(port, "POST", "/v1/loom/tasks/finish", hdr, body, strlen(body),
	    10000, r);
	return r->status;
}

long
fx_http_text(int port, const char *method, const char *path, const char *hdr,
    const char *body, long timeout_ms, char *out, size_t n)
{
	struct fx_resp r;
	long s;

	fx_http(port, method, path, hdr, body, body != NULL ? strlen(body) : 0,
	    timeout_ms, &r);
	s = r.status;
	if (out != NULL)
		snprintf(out, n, "%s", r.body != NULL ? r.body : "");
	fx_resp_free(&r);
	return s;
}

void
fx_create(int port, const char *user, const char *body, char id[32])
{
	struct json_object *o;

	cr_assert_eq(fx_call(port, user, "POST", "/v1/loom/clusters", body,
			 &o),
	    200, "create %s", body);
	snprintf(id, 32, "%s", fx_js(o, "id"));
	cr_assert_eq(strlen(id), 8, "id %s", id);
	json_object_put(o);
}

void
fx_status_line(int port, const char *user, const char *id, char *out, size_t n)
{
	struct json_object *o = NULL;
	char path[128];

	snprintf(path, sizeof path, "/v1/loom/clusters/%s/status", id);
	out[0] = '\0';
	if (fx_call(port, user, "GET", path, NULL, &o) == 200)
		snprintf(out, n, "%s/%s/%s/%lld/%lld", fx_js(o, "status"),
		    fx_js(o, "actionstatus"), fx_js(o, "action"),
		    (long long)fx_ji(o, "stepstotal"),
		    (long long)fx_ji(o, "stepscompleted"));
	json_object_put(o);
}

bool
fx_status_match(const char *want, const char *got)
{
	size_t wl, gl;

	for (;;) {
		wl = strcspn(want, "/");
		gl = strcspn(got, "/");
		if ((wl != 1 || want[0] != '*') &&
		    (wl != gl || strncmp(want, got, wl) != 0))
			return false;
		want += wl;
		got += gl;
		if (*want == '\0')
			return true;
		if (*got == '\0')
			return false;
		want++;
		got++;
	}
}

void
fx_wait_status(int port, const char *user, const char *id, const char *want,
    double ms)
{
	double deadline = fx_now_ms() + ms;
	char got[256];

	do {
		fx_status_line(port, user, id, got, sizeof got);
		if (fx_status_match(want, got))
			return;
		usleep(50000);
	} while (fx_now_ms() < deadline);
	cr_assert_fail("cluster %s: want %s, got %s", id, want, got);
}

long
fx_take_once(int port, const char *worker, struct json_object **task)
{
	int unavailable = 0;
	char why[256];
	long s;

	for (;;) {
		s = fx_take_post(port, worker, 15000, task, why, sizeof why);
		if (s == 503 && ++unavailable <= 10) {
			/* What a provisioner does with a 503: wait, retry.
			 * A loaded machine can time a statement out. */
			cr_log_warn("take: 503 (%s), retrying", why);
			usleep(200 * 1000);
			continue;
		}
		cr_assert(s == 200 || s == 204, "take: %ld %s", s, why);
		return s;
	}
}

struct json_object *
fx_take_json(int port, const char *worker, double ms)
{
	double deadline = fx_now_ms() + ms;
	struct json_object *o;

	while (fx_now_ms() < deadline) {
		if (fx_take_once(port, worker, &o) == 200)
			return o;
		usleep(50000);
	}
	return NULL;
}

struct json_object *
fx_node_actions(int port, const char *user, const char *id,
    struct json_object **cl)
{
	struct json_object *nodes, *acts = NULL;
	char path[128];

	snprintf(path, sizeof path, "/v1/loom/clusters/%s", id);
	*cl = NULL;
	cr_assert_eq(fx_call(port, user, "GET", path, NULL, cl), 200, "GET %s",
	    path);
	cr_assert(json_object_object_get_ex(*cl, "nodes", &nodes), "GET %s",
	    path);
	json_object_object_get_ex(json_object_array_get_idx(nodes, 0),
	    "actions", &acts);
	return acts;
}
