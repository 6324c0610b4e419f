/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dprov.h - the pure parts of loom-dummy-provisioner: command-line
 * parsing, a seeded random generator, capped jittered exponential backoff,
 * how an HTTP outcome of take/finish is judged, parsing a task handed out
 * by POST /v1/loom/tasks/take (API §1.7, §2.9), the fake cloud results of
 * a CREATE, and the finish body and log line.  No I/O: the program
 * (dummy_provisioner.c) does the HTTP, threads, signals and files.
 */
#ifndef LOOMD_DPROV_H
#define LOOMD_DPROV_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

struct json_object;

#define DPROV_DEFAULT_URI "http://127.0.0.1:55054"
#define DPROV_MAX_WORKERS 1024
/* Enough for "10.255.255.254" and its NUL. */
#define DPROV_IP_LEN 16

/* What main() is asked to do. */
enum dprov_action {
	DPROV_RUN = 0,
	DPROV_HELP,
	DPROV_VERSION,
};

/*
 * The options.  Strings are borrowed from argv (or are static defaults)
 * and live as long as argv; nothing here needs freeing.
 */
struct dprov_opts {
	enum dprov_action action;
	const char *uri;	   /* loomd or load-balancer base URL */
	const char *worker_prefix; /* NULL: <hostname>.<pid> */
	const char *log_path;	   /* NULL: no task log; "-": stdout */
	const char *token_file;	   /* NULL: no X-Loom-ProvisionerKey */
	unsigned workers;	   /* threads, 1..DPROV_MAX_WORKERS */
	unsigned delay_ms;	   /* simulated work per task */
	unsigned poll_ms;	   /* sleep after a 204 */
	unsigned timeout_ms;	   /* whole-request timeout */
	unsigned backoff_base_ms;  /* first retry delay (before jitter) */
	unsigned backoff_max_ms;   /* cap on any retry delay */
	double fail_rate;	   /* 0..1: fraction reported failed */
	uint64_t max_tasks;	   /* 0: unlimited */
	unsigned idle_exit_s;	   /* 0: never */
	uint64_t seed;
	int seed_set; /* --seed given */
	int verbose;
};

/* Set every option to its default. */
void dprov_opts_init(struct dprov_opts *o);

/*
 * Parse argv[1..argc-1] into o (which dprov_opts_init() has set up).
 * Accepts "--name value" and "--name=value", -h/--help, -V/--version and
 * -v/--verbose.  Returns 0, or -1 with err naming the bad option or value.
 * Stops at --help/--version (o->action says which).  Borrows argv.
 */
int dprov_opts_parse(struct dprov_opts *o, int argc, char *const argv[],
    char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/* The usage text (static, not to be freed). */
const char *dprov_usage(void);
/*
 * Parse an unsigned decimal in [min, max] (digits only: no sign, no
 * space); 0, or -1 when s is anything else.
 */
int dprov_parse_ull(const char *s, unsigned long long min,
    unsigned long long max, unsigned long long *out);

/* Seed a generator state from a seed and a worker number. */
uint64_t dprov_rng_seed(uint64_t seed, unsigned worker);
/* Next 64 random bits (splitmix64); advances *state. */
uint64_t dprov_rng_next(uint64_t *state);
/* 1 with probability p (p <= 0: never, p >= 1: always); advances *state. */
int dprov_rng_chance(uint64_t *state, double p);

/*
 * The delay before retry number attempt (0 for the first retry): the
 * exponential base_ms * 2^attempt, capped at max_ms, then jittered with rnd
 * into [cap/2, cap] ("equal jitter"), so it never exceeds max_ms and never
 * falls below half of the un-jittered delay.
 */
unsigned dprov_backoff_ms(unsigned attempt, unsigned base_ms, unsigned max_ms,
    uint64_t rnd);

/* How the answer to a take is handled. */
enum dprov_take_verdict {
	DPROV_TAKE_TASK = 0, /* 200: a task is ours now */
	DPROV_TAKE_EMPTY,    /* 204: nothing to do, poll again */
	DPROV_TAKE_RETRY,    /* no answer or an error: back off, retry */
};

/* How the answer to a finish is handled. */
enum dprov_finish_verdict {
	DPROV_FINISH_DONE = 0, /* 2xx: recorded */
	DPROV_FINISH_LOST,     /* 417: the task is no longer ours */
	DPROV_FINISH_REJECTED, /* 400, 413, 422: the body itself is refused */
	DPROV_FINISH_RETRY,    /* no answer (0) or anything else: retry */
};

/* Judge an HTTP status (0 = no response at all). */
enum dprov_take_verdict dprov_take_verdict(long http_code);
enum dprov_finish_verdict dprov_finish_verdict(long http_code);

/*
 * The worker id of worker n: "<prefix>.<n>" when prefix is not NULL, else
 * "<hostname>.<pid>.<n>".  Caller frees the result with free().
 */
char *dprov_worker_id(const char *prefix, const char *hostname, long pid,
    unsigned n);

/* base with trailing '/' removed, then path.  Caller frees with free(). */
char *dprov_url(const char *base, const char *path);

/* The request body of a take: {"workerId":"..."}; caller frees it. */
char *dprov_take_body(const char *worker_id);

/* A task as handed to a provisioner (the fields the dummy uses). */
struct dprov_task {
	char *task_id;
	char *job_id;	  /* NULL if absent */
	char *cluster_id; /* NULL if absent */
	char *task_name;  /* UPPER, e.g. "CREATE"; "" if absent */
	char *node_id;	  /* NULL for rollback tasks */
	char *hostname;	  /* from the config's node properties, or NULL */
};

/*
 * Parse the body of a 200 take (len bytes, need not be NUL-terminated).
 * taskId is required (a string, or a number as Gson would accept);
 * hostname is config.hostname, else config.nodes.<nodeId>.hostname.
 * On success *out is set; caller frees it with dprov_task_free().
 * Returns 0, or -1 with err.
 */
int dprov_task_parse(const char *body, size_t len, struct dprov_task **out,
    char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;
/* Free a task; NULL is a no-op. */
void dprov_task_free(struct dprov_task *t);

/*
 * A deterministic fake private address 10.x.y.z (z in 1..254) derived from
 * node_id (FNV-1a), written to buf.  Never contacted: only reported.
 */
void dprov_fake_ip(const char *node_id, char buf[DPROV_IP_LEN]);

/*
 * The result object of a successful task, as a cloud provider would give:
 * CREATE → ipaddress, hostname (when the task config has one) and
 * provider_id "dummy-<nodeId>"; CONFIRM → ipaddress; anything else, or a
 * task with no node, → {}.  Caller releases it with json_object_put().
 */
struct json_object *dprov_task_result(const struct dprov_task *t);

/*
 * The body of a finish for t: workerId, taskId, status (0, or 1 if
 * failed), stdout and stderr text describing the simulated run, and result
 * (dprov_task_result() on success, {} on failure).  Caller frees it.
 */
char *dprov_finish_body(const char *worker_id, const struct dprov_task *t,
    int failed);

/*
 * One task-log line, newline included:
 * "<worker> <task_id> <outcome> http=<code> action=<NAME> tries=<n>\n"
 * with http=- when there was no answer and action=- when unknown.
 * Caller frees it.
 */
char *dprov_log_line(const char *worker_id, const char *task_id,
    const char *outcome, long http_code, const char *task_name,
    unsigned tries);

/* A growing NUL-terminated buffer of an HTTP answer (data owned: free()). */
struct dprov_buf {
	char *data;
	size_t len;
	size_t cap;
};

/*
 * Append the n bytes at p to b, as a libcurl write callback does: returns
 * n, or 0 (which makes curl fail the transfer) when b would pass max bytes.
 */
size_t dprov_buf_append(struct dprov_buf *b, size_t max, const char *p,
    size_t n);

#endif /* LOOMD_DPROV_H */
