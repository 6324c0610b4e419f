/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dummy_provisioner.c - loom-dummy-provisioner, a stand-in for a Loom
 * provisioner: N worker threads, each with its own worker id and libcurl
 * handle, take tasks with POST /v1/loom/tasks/take, pretend to work for
 * --delay-ms, and report them with POST /v1/loom/tasks/finish (API §1.7),
 * CREATE tasks returning a fake address and provider id as a cloud would.
 * Every request has a timeout; no answer, 5xx and other transient answers
 * are retried with capped jittered exponential backoff, and a task once
 * taken is reported until loomd gives a definite answer (200, or 417 when
 * the task is no longer ours).  SIGTERM/SIGINT finish the tasks in hand and
 * exit 0; a second signal abandons them.  The pure parts are in dprov.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "common.h"
#include "dprov.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

/* Largest response body kept; a larger one is treated as no answer. */
#define DUMMY_PROVISIONER_MAX_BODY (64u * 1024 * 1024)
/* How often the main thread looks at signals, idleness and the workers. */
#define DUMMY_PROVISIONER_TICK_MS 100

/* Levels of stopping. */
enum dummy_provisioner_stop {
	DUMMY_PROVISIONER_RUN = 0,
	DUMMY_PROVISIONER_GRACEFUL, /* finish the tasks in hand, exit */
	DUMMY_PROVISIONER_FORCE,    /* give up the tasks in hand too */
};

/* Outcome of a claim on the --max-tasks budget. */
enum dummy_provisioner_claim {
	DUMMY_PROVISIONER_CLAIMED = 0,
	DUMMY_PROVISIONER_WAIT, /* others' takes may still give back */
	DUMMY_PROVISIONER_DONE, /* budget used up, or stopping */
};

/* A growing response buffer. */
/* One worker thread. */
struct dummy_provisioner_worker {
	pthread_t thread;
	unsigned n;
	char *id;	 /* owned; the workerId sent */
	char *take_body; /* owned */
	uint64_t rng;
	unsigned attempt;	    /* consecutive failed requests */
	CURL *curl;		    /* owned */
	struct curl_slist *headers; /* owned */
	char curl_err[CURL_ERROR_SIZE];
	struct dprov_buf resp;
};

/* State shared by the threads; counters and stop under lock. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond; /* signalled when stop changes */
	enum dummy_provisioner_stop stop;
	uint64_t claimed; /* takes in flight + tasks taken */
	uint64_t taken, ok, failed, lost, retries, abandoned;
	unsigned busy;		   /* workers holding a task */
	unsigned live;		   /* workers still running */
	struct timespec last_task; /* monotonic: last take or finish */
} dummy_provisioner_st = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
};

static struct dprov_opts dummy_provisioner_opts;
/* "X-Loom-ProvisionerKey: <token>" from --token-file, or "". */
static char dummy_provisioner_token_header[1100];
static char *dummy_provisioner_take_url;   /* owned */
static char *dummy_provisioner_finish_url; /* owned */
static int dummy_provisioner_log_fd = -1;

/* Milliseconds from a to b. */
static long long
dummy_provisioner_ms_between(const struct timespec *a,
    const struct timespec *b)
{
	return (long long)(b->tv_sec - a->tv_sec) * 1000 +
	    (b->tv_nsec - a->tv_nsec) / 1000000;
}

/* Current stop level. */
static enum dummy_provisioner_stop
dummy_provisioner_stopping(void)
{
	enum dummy_provisioner_stop s;

	pthread_mutex_lock(&dummy_provisioner_st.lock);
	s = dummy_provisioner_st.stop;
	pthread_mutex_unlock(&dummy_provisioner_st.lock);
	return s;
}

/* Raise the stop level to at least level and wake every sleeper. */
static void
dummy_provisioner_set_stop(enum dummy_provisioner_stop level)
{
	pthread_mutex_lock(&dummy_provisioner_st.lock);
	if (dummy_provisioner_st.stop < level)
		dummy_provisioner_st.stop = level;
	pthread_cond_broadcast(&dummy_provisioner_st.cond);
	pthread_mutex_unlock(&dummy_provisioner_st.lock);
}

/* Sleep ms, waking early once the stop level reaches wake. */
static void
dummy_provisioner_sleep(unsigned ms, enum dummy_provisioner_stop wake)
{
	struct timespec until;

	common_deadline_ms(CLOCK_MONOTONIC, ms, &until);
	pthread_mutex_lock(&dummy_provisioner_st.lock);
	while (dummy_provisioner_st.stop < wake &&
	    pthread_cond_timedwait(&dummy_provisioner_st.cond,
		&dummy_provisioner_st.lock, &until) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&dummy_provisioner_st.lock);
}

/* Claim one task of the --max-tasks budget before a take. */
static enum dummy_provisioner_claim
dummy_provisioner_claim(void)
{
	enum dummy_provisioner_claim c = DUMMY_PROVISIONER_CLAIMED;
	uint64_t max = dummy_provisioner_opts.max_tasks;

	pthread_mutex_lock(&dummy_provisioner_st.lock);
	if (dummy_provisioner_st.stop != DUMMY_PROVISIONER_RUN ||
	    (max != 0 && dummy_provisioner_st.taken >= max))
		c = DUMMY_PROVISIONER_DONE;
	else if (max != 0 && dummy_provisioner_st.claimed >= max)
		c = DUMMY_PROVISIONER_WAIT;
	else
		dummy_provisioner_st.claimed++;
	pthread_mutex_unlock(&dummy_provisioner_st.lock);
	return c;
}

/* Settle a claim: took says whether the take gave a task. */
static void
dummy_provisioner_settle(int took)
{
	pthread_mutex_lock(&dummy_provisioner_st.lock);
	if (took) {
		dummy_provisioner_st.taken++;
		dummy_provisioner_st.busy++;
		clock_gettime(CLOCK_MONOTONIC,
		    &dummy_provisioner_st.last_task);
	} else
		dummy_provisioner_st.claimed--;
	pthread_mutex_unlock(&dummy_provisioner_st.lock);
}

/* Count one retried request. */
static void
dummy_provisioner_count_retry(void)
{
	pthread_mutex_lock(&dummy_provisioner_st.lock);
	dummy_provisioner_st.retries++;
	pthread_mutex_unlock(&dummy_provisioner_st.lock);
}

/* Record the end of a task whose outcome is "ok", "failed" or "lost". */
static void
dummy_provisioner_count_end(const char *outcome, int abandoned)
{
	pthread_mutex_lock(&dummy_provisioner_st.lock);
	if (strcmp(outcome, "ok") == 0)
		dummy_provisioner_st.ok++;
	else if (strcmp(outcome, "failed") == 0)
		dummy_provisioner_st.failed++;
	else
		dummy_provisioner_st.lost++;
	if (abandoned)
		dummy_provisioner_st.abandoned++;
	dummy_provisioner_st.busy--;
	clock_gettime(CLOCK_MONOTONIC, &dummy_provisioner_st.last_task);
	pthread_mutex_unlock(&dummy_provisioner_st.lock);
}

/* Append one task-log line with a single write(2) (O_APPEND). */
static void
dummy_provisioner_log_task(const char *line)
{
	size_t len = strlen(line), off = 0;
	ssize_t n;

	if (dummy_provisioner_log_fd == -1)
		return;
	while (off < len) {
		n = write(dummy_provisioner_log_fd, line + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			log_warn("task log: write failed: %s",
			    n == -1 ? strerror(errno) : "short write");
			return;
		}
		off += (size_t)n;
	}
}

/* libcurl write callback: append to the worker's response buffer. */
static size_t
dummy_provisioner_write_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	return dprov_buf_append(arg, DUMMY_PROVISIONER_MAX_BODY, ptr,
	    size * nmemb);
}

/* Set up the worker's curl handle; 0 or -1 with err. */
static int
dummy_provisioner_curl_init(struct dummy_provisioner_worker *w,
    char err[LOOMD_ERR_LEN])
{
	const struct dprov_opts *o = &dummy_provisioner_opts;
	struct curl_slist *h;

	if ((w->curl = curl_easy_init()) == NULL) {
		snprintf(err, LOOMD_ERR_LEN, "curl_easy_init failed");
		return -1;
	}
	h = xcheck(curl_slist_append(NULL, "Content-Type: application/json"));
	w->headers = h;
	h = xcheck(curl_slist_append(w->headers, "Accept: application/json"));
	w->headers = h;
	/* No "Expect: 100-continue" wait on large finish bodies. */
	h = xcheck(curl_slist_append(w->headers, "Expect:"));
	w->headers = h;
	if (dummy_provisioner_token_header[0] != '\0') {
		h = xcheck(curl_slist_append(w->headers,
		    dummy_provisioner_token_header));
		w->headers = h;
	}
	if (curl_easy_setopt(w->curl, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(w->curl, CURLOPT_TIMEOUT_MS,
		(long)o->timeout_ms) != CURLE_OK ||
	    curl_easy_setopt(w->curl, CURLOPT_CONNECTTIMEOUT_MS,
		(long)o->timeout_ms) != CURLE_OK ||
	    curl_easy_setopt(w->curl, CURLOPT_HTTPHEADER, w->headers) !=
		CURLE_OK ||
	    curl_easy_setopt(w->curl, CURLOPT_USERAGENT,
		"loom-dummy-provisioner/" PACKAGE_VERSION) != CURLE_OK ||
	    curl_easy_setopt(w->curl, CURLOPT_WRITEFUNCTION,
		dummy_provisioner_write_cb) != CURLE_OK ||
	    curl_easy_setopt(w->curl, CURLOPT_WRITEDATA, &w->resp) !=
		CURLE_OK ||
	    curl_easy_setopt(w->curl, CURLOPT_ERRORBUFFER, w->curl_err) !=
		CURLE_OK ||
	    curl_easy_setopt(w->curl, CURLOPT_POST, 1L) != CURLE_OK ||
	    /* Talk to loomd directly, whatever http_proxy says. */
	    curl_easy_setopt(w->curl, CURLOPT_PROXY, "") != CURLE_OK) {
		snprintf(err, LOOMD_ERR_LEN, "curl_easy_setopt failed");
		return -1;
	}
	return 0;
}

/*
 * POST body to url.  Returns the HTTP status, or 0 when there was no
 * complete answer (connection refused or dropped, timeout); the body of
 * the answer is in w->resp.  fresh: use a new connection and do not keep
 * it, because libcurl silently sends a request again when a reused
 * connection dies before the answer, and a finish sent twice must show
 * in the try count.
 */
static long
dummy_provisioner_post(struct dummy_provisioner_worker *w, const char *url,
    const char *body, int fresh)
{
	CURLcode rc;
	long code = 0;

	w->resp.len = 0;
	if (w->resp.data != NULL)
		w->resp.data[0] = '\0';
	w->curl_err[0] = '\0';
	if (curl_easy_setopt(w->curl, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(w->curl, CURLOPT_POSTFIELDSIZE,
		(long)strlen(body)) != CURLE_OK ||
	    curl_easy_setopt(w->curl, CURLOPT_POSTFIELDS, body) != CURLE_OK ||
	    curl_easy_setopt(w->curl, CURLOPT_FRESH_CONNECT, (long)fresh) !=
		CURLE_OK ||
	    curl_easy_setopt(w->curl, CURLOPT_FORBID_REUSE, (long)fresh) !=
		CURLE_OK)
		fatalx("%s: curl_easy_setopt failed", w->id);
	rc = curl_easy_perform(w->curl);
	if (rc != CURLE_OK) {
		log_warn("%s: POST %s: %s", w->id, url,
		    w->curl_err[0] != '\0' ? w->curl_err :
					     curl_easy_strerror(rc));
		return 0;
	}
	if (curl_easy_getinfo(w->curl, CURLINFO_RESPONSE_CODE, &code) !=
	    CURLE_OK)
		code = 0;
	log_debug("%s: POST %s -> %ld (%zu bytes)", w->id, url, code,
	    w->resp.len);
	return code;
}

/* Back off before the next retry, waking early at stop level wake. */
static void
dummy_provisioner_backoff(struct dummy_provisioner_worker *w,
    enum dummy_provisioner_stop wake)
{
	const struct dprov_opts *o = &dummy_provisioner_opts;
	unsigned ms;

	ms = dprov_backoff_ms(w->attempt, o->backoff_base_ms,
	    o->backoff_max_ms, dprov_rng_next(&w->rng));
	if (w->attempt < 64)
		w->attempt++;
	dummy_provisioner_count_retry();
	dummy_provisioner_sleep(ms, wake);
}

/* Log the body of an unexpected answer, shortened. */
static void
dummy_provisioner_log_answer(struct dummy_provisioner_worker *w,
    const char *what, long code)
{
	log_warn("%s: %s: HTTP %ld: %.200s", w->id, what, code,
	    w->resp.data != NULL ? w->resp.data : "");
}

/*
 * Report task t until loomd answers definitely (or a forced stop).  Logs
 * the task line and counts the outcome.
 */
static void
dummy_provisioner_finish(struct dummy_provisioner_worker *w,
    const struct dprov_task *t, int failed)
{
	enum dprov_finish_verdict v = DPROV_FINISH_RETRY;
	const char *outcome = "lost";
	char *body, *line;
	unsigned tries = 0;
	long code = 0;
	int abandoned = 0;

	body = dprov_finish_body(w->id, t, failed);
	for (;;) {
		tries++;
		code = dummy_provisioner_post(w, dummy_provisioner_finish_url,
		    body, 1);
		v = dprov_finish_verdict(code);
		if (v != DPROV_FINISH_RETRY)
			break;
		if (code != 0)
			dummy_provisioner_log_answer(w, "finish", code);
		if (dummy_provisioner_stopping() == DUMMY_PROVISIONER_FORCE) {
			abandoned = 1;
			break;
		}
		log_info("%s: finish of %s: retrying", w->id, t->task_id);
		dummy_provisioner_backoff(w, DUMMY_PROVISIONER_FORCE);
	}
	w->attempt = 0;
	switch (v) {
	case DPROV_FINISH_DONE:
		outcome = failed ? "failed" : "ok";
		break;
	case DPROV_FINISH_LOST:
		log_warn("%s: task %s is no longer ours (HTTP 417)%s", w->id,
		    t->task_id,
		    tries > 1 ? "; an earlier try may have been "
				"recorded" :
				"");
		break;
	case DPROV_FINISH_REJECTED:
		dummy_provisioner_log_answer(w, "finish rejected", code);
		break;
	case DPROV_FINISH_RETRY:
		log_warn("%s: task %s abandoned: stopping", w->id, t->task_id);
		code = 0;
		break;
	}
	line = dprov_log_line(w->id, t->task_id, outcome, code, t->task_name,
	    tries);
	dummy_provisioner_log_task(line);
	free(line);
	free(body);
	dummy_provisioner_count_end(outcome, abandoned);
}

/* Handle one 200 take: parse, work, report. */
static void
dummy_provisioner_handle(struct dummy_provisioner_worker *w)
{
	const struct dprov_opts *o = &dummy_provisioner_opts;
	struct dprov_task *t;
	char err[LOOMD_ERR_LEN], *line;
	int failed;

	if (dprov_task_parse(w->resp.data != NULL ? w->resp.data : "",
		w->resp.len, &t, err) != 0) {
		/* It is ours but we cannot name it: loomd will time it out. */
		log_error("%s: take returned an unusable task: %s: %.200s",
		    w->id, err, w->resp.data != NULL ? w->resp.data : "");
		line = dprov_log_line(w->id, "-", "lost", 200, NULL, 1);
		dummy_provisioner_log_task(line);
		free(line);
		dummy_provisioner_count_end("lost", 0);
		return;
	}
	failed = dprov_rng_chance(&w->rng, o->fail_rate);
	log_debug("%s: took %s %s node %s%s", w->id, t->task_name, t->task_id,
	    t->node_id != NULL ? t->node_id : "-",
	    failed ? " (will fail)" : "");
	if (o->delay_ms > 0)
		dummy_provisioner_sleep(o->delay_ms, DUMMY_PROVISIONER_FORCE);
	dummy_provisioner_finish(w, t, failed);
	dprov_task_free(t);
}

/* A worker thread: take, work, finish, until told to stop. */
static void *
dummy_provisioner_worker_main(void *arg)
{
	struct dummy_provisioner_worker *w = arg;
	const struct dprov_opts *o = &dummy_provisioner_opts;
	enum dummy_provisioner_claim c;
	long code;

	for (;;) {
		c = dummy_provisioner_claim();
		if (c == DUMMY_PROVISIONER_DONE)
			break;
		if (c == DUMMY_PROVISIONER_WAIT) {
			dummy_provisioner_sleep(o->poll_ms,
			    DUMMY_PROVISIONER_GRACEFUL);
			continue;
		}
		code = dummy_provisioner_post(w, dummy_provisioner_take_url,
		    w->take_body, 0);
		switch (dprov_take_verdict(code)) {
		case DPROV_TAKE_TASK:
			w->attempt = 0;
			dummy_provisioner_settle(1);
			dummy_provisioner_handle(w);
			break;
		case DPROV_TAKE_EMPTY:
			w->attempt = 0;
			dummy_provisioner_settle(0);
			dummy_provisioner_sleep(o->poll_ms,
			    DUMMY_PROVISIONER_GRACEFUL);
			break;
		case DPROV_TAKE_RETRY:
			dummy_provisioner_settle(0);
			if (code != 0)
				dummy_provisioner_log_answer(w, "take", code);
			dummy_provisioner_backoff(w,
			    DUMMY_PROVISIONER_GRACEFUL);
			break;
		}
	}
	pthread_mutex_lock(&dummy_provisioner_st.lock);
	dummy_provisioner_st.live--;
	pthread_mutex_unlock(&dummy_provisioner_st.lock);
	return NULL;
}

/* Free a worker's resources; NULL is a no-op. */
static void
dummy_provisioner_worker_free(struct dummy_provisioner_worker *w)
{
	if (w == NULL)
		return;
	if (w->curl != NULL)
		curl_easy_cleanup(w->curl);
	curl_slist_free_all(w->headers);
	free(w->resp.data);
	free(w->take_body);
	free(w->id);
}

/*
 * Main thread: wait for signals (blocked everywhere else), the idle
 * timeout, and the end of every worker.
 */
static void
dummy_provisioner_wait(const sigset_t *sigs)
{
	const struct dprov_opts *o = &dummy_provisioner_opts;
	struct timespec tick, now;
	int sig, nsig = 0;
	unsigned live;
	long long idle;

	tick.tv_sec = 0;
	tick.tv_nsec = DUMMY_PROVISIONER_TICK_MS * 1000000L;
	for (;;) {
		sig = sigtimedwait(sigs, NULL, &tick);
		if (sig > 0) {
			nsig++;
			log_info("%s: %s", strsignal(sig),
			    nsig == 1 ?
				"finishing the tasks in hand, then exiting" :
				"abandoning the tasks in hand");
			dummy_provisioner_set_stop(nsig == 1 ?
				DUMMY_PROVISIONER_GRACEFUL :
				DUMMY_PROVISIONER_FORCE);
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		pthread_mutex_lock(&dummy_provisioner_st.lock);
		live = dummy_provisioner_st.live;
		idle = dummy_provisioner_ms_between(&dummy_provisioner_st
							 .last_task,
		    &now);
		if (o->idle_exit_s != 0 && dummy_provisioner_st.busy == 0 &&
		    dummy_provisioner_st.stop == DUMMY_PROVISIONER_RUN &&
		    idle >= (long long)o->idle_exit_s * 1000) {
			log_info("no task for %u s: exiting", o->idle_exit_s);
			dummy_provisioner_st.stop = DUMMY_PROVISIONER_GRACEFUL;
			pthread_cond_broadcast(&dummy_provisioner_st.cond);
		}
		pthread_mutex_unlock(&dummy_provisioner_st.lock);
		if (live == 0)
			return;
	}
}

/* Open the task log (append, created 0644); 0 or -1 with err. */
static int
dummy_provisioner_open_log(const char *path, char err[LOOMD_ERR_LEN])
{
	if (path == NULL)
		return 0;
	if (strcmp(path, "-") == 0) {
		dummy_provisioner_log_fd = STDOUT_FILENO;
		return 0;
	}
	dummy_provisioner_log_fd =
	    open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (dummy_provisioner_log_fd == -1) {
		snprintf(err, LOOMD_ERR_LEN, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Read the token of path into dummy_provisioner_token_header; 0 or -1. */
static int
dummy_provisioner_read_token(const char *path, char err[LOOMD_ERR_LEN])
{
	char buf[1024];
	size_t n;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, LOOMD_ERR_LEN, "%s: %s", path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, sizeof buf - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	if (n == 0 || strpbrk(buf, "\r\n") != NULL) {
		snprintf(err, LOOMD_ERR_LEN, "%s: not one line of token",
		    path);
		return -1;
	}
	snprintf(dummy_provisioner_token_header,
	    sizeof dummy_provisioner_token_header, "X-Loom-ProvisionerKey: %s",
	    buf);
	return 0;
}

int
main(int argc, char **argv)
{
	struct dprov_opts *o = &dummy_provisioner_opts;
	struct dummy_provisioner_worker *workers = NULL;
	pthread_condattr_t ca;
	struct sigaction sa;
	struct timespec ts;
	char err[LOOMD_ERR_LEN], host[256];
	sigset_t sigs;
	unsigned i, started = 0;
	int rc = EXIT_FAILURE;

	dprov_opts_init(o);
	if (dprov_opts_parse(o, argc, argv, err) != 0) {
		fprintf(stderr, "loom-dummy-provisioner: %s (see --help)\n",
		    err);
		return EX_USAGE;
	}
	if (o->action == DPROV_HELP) {
		fputs(dprov_usage(), stdout);
		return 0;
	}
	if (o->action == DPROV_VERSION) {
		printf("loom-dummy-provisioner %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (o->verbose)
		log_set_level(LOG_LEVEL_DEBUG);
	if (!o->seed_set) {
		clock_gettime(CLOCK_REALTIME, &ts);
		o->seed = (uint64_t)ts.tv_sec * 1000000007ULL ^
		    (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32);
	}
	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	if (dummy_provisioner_open_log(o->log_path, err) != 0) {
		fprintf(stderr, "loom-dummy-provisioner: --log %s\n", err);
		return EX_CANTCREAT;
	}
	if (o->token_file != NULL &&
	    dummy_provisioner_read_token(o->token_file, err) != 0) {
		fprintf(stderr, "loom-dummy-provisioner: --token-file %s\n",
		    err);
		return EX_NOINPUT;
	}

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	/* Blocked here and so in every thread; only sigtimedwait sees them. */
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&dummy_provisioner_st.cond, &ca);
	pthread_condattr_destroy(&ca);
	clock_gettime(CLOCK_MONOTONIC, &dummy_provisioner_st.last_task);

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("curl_global_init failed");
	dummy_provisioner_take_url = dprov_url(o->uri, "/v1/loom/tasks/take");
	dummy_provisioner_finish_url =
	    dprov_url(o->uri, "/v1/loom/tasks/finish");
	log_info("loom-dummy-provisioner %s: %u worker(s) on %s, seed %llu",
	    PACKAGE_VERSION, o->workers, o->uri, (unsigned long long)o->seed);

	workers = xcalloc(o->workers, sizeof *workers);
	for (i = 0; i < o->workers; i++) {
		struct dummy_provisioner_worker *w = &workers[i];

		w->n = i;
		w->id =
		    dprov_worker_id(o->worker_prefix, host, (long)getpid(), i);
		w->take_body = dprov_take_body(w->id);
		w->rng = dprov_rng_seed(o->seed, i);
		if (dummy_provisioner_curl_init(w, err) != 0) {
			log_error("%s: %s", w->id, err);
			dummy_provisioner_set_stop(DUMMY_PROVISIONER_GRACEFUL);
			break;
		}
		pthread_mutex_lock(&dummy_provisioner_st.lock);
		dummy_provisioner_st.live++;
		pthread_mutex_unlock(&dummy_provisioner_st.lock);
		errno = pthread_create(&w->thread, NULL,
		    dummy_provisioner_worker_main, w);
		if (errno != 0) {
			log_error("%s: pthread_create: %s", w->id,
			    strerror(errno));
			pthread_mutex_lock(&dummy_provisioner_st.lock);
			dummy_provisioner_st.live--;
			pthread_mutex_unlock(&dummy_provisioner_st.lock);
			dummy_provisioner_set_stop(DUMMY_PROVISIONER_GRACEFUL);
			break;
		}
		started++;
	}
	dummy_provisioner_wait(&sigs);
	for (i = 0; i < started; i++)
		pthread_join(workers[i].thread, NULL);
	if (started == o->workers && dummy_provisioner_st.abandoned == 0)
		rc = EXIT_SUCCESS;

	fprintf(stderr,
	    "loom-dummy-provisioner: summary: taken=%llu ok=%llu "
	    "failed=%llu lost=%llu retries=%llu\n",
	    (unsigned long long)dummy_provisioner_st.taken,
	    (unsigned long long)dummy_provisioner_st.ok,
	    (unsigned long long)dummy_provisioner_st.failed,
	    (unsigned long long)dummy_provisioner_st.lost,
	    (unsigned long long)dummy_provisioner_st.retries);
	if (dummy_provisioner_st.abandoned != 0)
		fprintf(stderr,
		    "loom-dummy-provisioner: %llu task(s) "
		    "abandoned by a second signal (counted as lost)\n",
		    (unsigned long long)dummy_provisioner_st.abandoned);

	for (i = 0; i < o->workers; i++)
		dummy_provisioner_worker_free(&workers[i]);
	free(workers);
	free(dummy_provisioner_take_url);
	free(dummy_provisioner_finish_url);
	curl_global_cleanup();
	if (dummy_provisioner_log_fd > STDOUT_FILENO)
		close(dummy_provisioner_log_fd);
	pthread_cond_destroy(&dummy_provisioner_st.cond);
	return rc;
}
