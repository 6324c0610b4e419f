/* SPDX-License-Identifier: Apache-2.0 */
/*
 * loom_bench.c - loom-bench, a closed-loop HTTP load generator for loomd.
 * One thread drives N concurrent libcurl easy handles through one multi
 * handle; each connection sends its next request as soon as the answer to
 * the previous one has arrived (after a poll pause where a workload has
 * to wait for the server).  Workloads: create (POST /v1/loom/clusters of
 * one node), get (GET /v1/loom/clusters/{id} of random clusters created in
 * a setup phase), list (GET /v1/loom/clusters), takefinish (take and
 * finish tasks with loom-dummy-provisioner's parsing and finish bodies,
 * dprov.c), lifecycle (create a cluster and poll its status until ACTIVE
 * while provisioners run), mixed (create/get/list by percentage) and
 * status (GET /status, loomd's HTTP layer alone: the HTTP ceiling).  It
 * reports the rate, latency percentiles from the sorted samples of the
 * measured window, errors by HTTP status, the deltas of loomd's
 * transactions, commits, retries and Galera certification failures
 * scraped from GET /metrics before and after the run, and the CPU time of
 * the processes named with --cpu-pid/--db-cpu-pid during the window.
 * With --setup it first imports the test catalogue and creates its own
 * one-node template.  It prints figures; it is not a test.
 *
 *	loom-bench --target URL [--target URL ...] [--workload W]
 *	    [--conns N] [--duration S] [--warmup S] [--json FILE] ...
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stddef.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "common.h"
#include "dprov.h"

#define LOOM_BENCH_MAX_TARGETS 16
#define LOOM_BENCH_MAX_CONNS 4096
#define LOOM_BENCH_MAX_CODES 16
#define LOOM_BENCH_MAX_DURING 4
#define LOOM_BENCH_MAX_BODY (64u * 1024 * 1024)
#define LOOM_BENCH_ID_LEN 64
#define LOOM_BENCH_SHOW_ERRORS 5
#define LOOM_BENCH_TEMPLATE "loom-bench-1node"
#define LOOM_BENCH_FIXTURE "cluster-handler-fixtures.json"
#define LOOM_BENCH_SOURCE_TMPL "one-machine"

enum loom_bench_workload {
	LOOM_BENCH_CREATE = 0,
	LOOM_BENCH_GET,
	LOOM_BENCH_LIST,
	LOOM_BENCH_TAKEFINISH,
	LOOM_BENCH_LIFECYCLE,
	LOOM_BENCH_MIXED,
	LOOM_BENCH_STATUS,
};

/* One workload: its name, what it counts and its setup default. */
struct loom_bench_wl {
	const char *name;
	enum loom_bench_workload w;
	const char *unit;     /* what rate counts */
	unsigned setup_count; /* clusters first */
};

static const struct loom_bench_wl loom_bench_wls[] = {
	{ "create", LOOM_BENCH_CREATE, "clusters", 0 },
	{ "get", LOOM_BENCH_GET, "requests", 300 },
	{ "list", LOOM_BENCH_LIST, "requests", 100 },
	{ "takefinish", LOOM_BENCH_TAKEFINISH, "tasks", 1000 },
	{ "lifecycle", LOOM_BENCH_LIFECYCLE, "clusters", 0 },
	{ "mixed", LOOM_BENCH_MIXED, "requests", 300 },
	{ "status", LOOM_BENCH_STATUS, "requests", 0 },
};

/* The request a connection has in flight (or sends next). */
enum loom_bench_op {
	LOOM_BENCH_OP_NONE = 0, /* start a new unit of work */
	LOOM_BENCH_OP_CREATE,
	LOOM_BENCH_OP_GET,
	LOOM_BENCH_OP_LIST,
	LOOM_BENCH_OP_TAKE,
	LOOM_BENCH_OP_FINISH,
	LOOM_BENCH_OP_STATUS,
	LOOM_BENCH_OP_LIVENESS, /* GET /status */
	LOOM_BENCH_OP_COUNT
};

static const char *const loom_bench_op_names[LOOM_BENCH_OP_COUNT] = {
	"none",
	"create",
	"get",
	"list",
	"take",
	"finish",
	"status",
	"liveness",
};

enum loom_bench_phase {
	LOOM_BENCH_SETUP = 0, /* creating the clusters get/list/... use */
	LOOM_BENCH_RUN,	      /* warm-up, then the measured window */
	LOOM_BENCH_DRAIN,     /* no new work; finish what is in flight */
};

struct loom_bench_opts {
	const char *targets[LOOM_BENCH_MAX_TARGETS];
	size_t ntargets;
	const char *metrics[LOOM_BENCH_MAX_TARGETS];
	size_t nmetrics;
	const struct loom_bench_wl *wl;
	unsigned conns;
	double duration;
	double warmup;
	const char *user;
	const char *json_path;
	const char *template;
	const char *fixtures;
	const char *label;
	int setup;
	int reuse;	  /* --reuse: read the user's clusters, create none */
	long setup_count; /* -1: default */
	unsigned mix[3];  /* create, get, list */
	unsigned poll_ms;
	unsigned timeout_ms;
	unsigned settle_s;
	unsigned scrape_delay_ms;
	uint64_t seed;
	long cpu_pids[LOOM_BENCH_MAX_TARGETS];
	size_t ncpu_pids;
	long db_pids[LOOM_BENCH_MAX_TARGETS];
	size_t ndb_pids;
	const char *during[LOOM_BENCH_MAX_DURING];
	size_t nduring;	       /* shell commands */
	uint64_t max_requests; /* 0: by time */
};

/* The --cpu-pid processes' summed RSS, sampled each second. */
struct loom_bench_rss {
	double t;	   /* seconds into the window */
	uint64_t requests; /* answered in the window so far */
	double mb;
};

/* A growable byte buffer, NUL-terminated when len > 0. */
/* One closed-loop connection. */
struct loom_bench_conn {
	CURL *easy;
	unsigned n;
	const char *base; /* borrowed from the options */
	struct dprov_buf resp;
	char *url;	 /* owned */
	char *body;	 /* owned POST body or NULL */
	char *take_body; /* owned */
	char worker[64];
	char cluster[LOOM_BENCH_ID_LEN];
	char errbuf[CURL_ERROR_SIZE];
	enum loom_bench_op op;	 /* in flight */
	enum loom_bench_op next; /* continuation, or NONE */
	struct dprov_task *task; /* taken, not yet finished */
	int busy;
	int in_unit;
	double t_req;
	double t_unit;
	double wake; /* idle until then */
	uint64_t seq;
};

/* Latency samples in microseconds, sorted before use. */
struct loom_bench_samples {
	uint32_t *us;
	size_t n;
	size_t cap;
};

/* Figures from the measured window. */
struct loom_bench_stats {
	uint64_t requests;
	uint64_t units;
	uint64_t errors;
	uint64_t empty;			    /* takes answered 204 */
	struct loom_bench_samples unit_lat; /* per unit of work */
	struct loom_bench_samples op_lat[LOOM_BENCH_OP_COUNT];
	long codes[LOOM_BENCH_MAX_CODES]; /* 0 = no answer */
	uint64_t code_n[LOOM_BENCH_MAX_CODES];
	size_t ncodes;
};

/* The counters scraped from GET /metrics, summed over the servers. */
struct loom_bench_db {
	int ok; /* every server answered with every figure */
	double tx;
	double commits;
	double retries;
	double cert;
	double backlog;
};

/* CPU figures sampled at the start and the end of the measured window. */
struct loom_bench_cpu {
	double server; /* --cpu-pid processes, seconds */
	double db;     /* --db-cpu-pid processes, seconds */
	double self;   /* loom-bench itself */
	double busy;   /* the machine (/proc/stat), ticks */
	double total;
};

struct loom_bench_run {
	const struct loom_bench_opts *o;
	CURLM *multi;
	struct curl_slist *headers;
	struct loom_bench_conn *conns;
	enum loom_bench_phase phase;
	double t_start;
	double t_measure; /* end of warm-up */
	double t_end;
	double t_stop; /* actual end */
	uint64_t rng;
	/* Setup. */
	uint64_t setup_want;
	uint64_t setup_issued;
	uint64_t setup_ok;
	uint64_t setup_err;
	/* Cluster ids for get and mixed. */
	char (*ids)[LOOM_BENCH_ID_LEN];
	size_t nids;
	size_t capids;
	uint64_t shown_errors;
	struct loom_bench_stats st;
	struct loom_bench_cpu cpu0;
	struct loom_bench_cpu cpu1;
	int sampled; /* cpu0 taken */
	pid_t during_pid[LOOM_BENCH_MAX_DURING];
	struct loom_bench_rss *rss; /* owned */
	size_t nrss;
	size_t caprss;
	double next_rss;
};

static volatile sig_atomic_t loom_bench_interrupted;

static void
loom_bench_on_signal(int sig UNUSED)
{
	loom_bench_interrupted = 1;
}

/* Monotonic seconds. */
static double
loom_bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
loom_bench_sleep_ms(unsigned ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR &&
	    !loom_bench_interrupted)
		;
}

static void
loom_bench_usage(FILE *fp)
{
	fputs(
	    "usage: loom-bench --target URL [--target URL ...] [options]\n"
	    "  --target URL        loomd or a load balancer (repeat: connections are\n"
	    "                      spread over the targets round-robin)\n"
	    "  --workload W        create, get, list, takefinish, lifecycle, mixed\n"
	    "                      or status (GET /status; default create)\n"
	    "  --conns N           concurrent connections, closed loop (default 8)\n"
	    "  --duration S        measured seconds (default 10)\n"
	    "  --warmup S          seconds run before measuring (default 2)\n"
	    "  --user U            X-Loom-UserID (default bench)\n"
	    "  --template NAME     cluster template (default " LOOM_BENCH_TEMPLATE
	    ")\n"
	    "  --setup             import the test catalogue and create the template\n"
	    "                      " LOOM_BENCH_TEMPLATE " first (as admin)\n"
	    "  --fixtures FILE     catalogue for --setup (default\n"
	    "                      $LOOMD_FIXTURES/" LOOM_BENCH_FIXTURE
	    ", else\n"
	    "                      tests/data/loom-fixtures/" LOOM_BENCH_FIXTURE
	    ")\n"
	    "  --setup-count N     clusters created before get (300), list (100),\n"
	    "                      mixed (300) and takefinish (1000); not measured\n"
	    "  --reuse             get: read the user's existing clusters (its\n"
	    "                      list on the first target) instead of creating any\n"
	    "  --mix C,G,L         mixed: percentages of create, get, list (10,80,10)\n"
	    "  --poll-ms MS        lifecycle status poll interval and pause after an\n"
	    "                      empty take (default 25)\n"
	    "  --timeout-ms MS     per request (default 10000)\n"
	    "  --settle S          wait up to S s for the scheduler backlog to empty\n"
	    "                      after the setup (default 300)\n"
	    "  --metrics URL       loomd whose /metrics to scrape (repeat; default: the\n"
	    "                      targets)\n"
	    "  --scrape-delay-ms MS  wait before scraping, for the health probe to\n"
	    "                      refresh the Galera counters (default 1200)\n"
	    "  --requests N        end the measured window after N answered requests\n"
	    "                      (--duration is then an upper bound)\n"
	    "  --cpu-pid PID       a loomd whose CPU time in the measured window is\n"
	    "                      reported (repeat)\n"
	    "  --db-cpu-pid PID    the same for a database server (repeat)\n"
	    "  --during CMD        run the shell command CMD during the measured window\n"
	    "                      (e.g. perf record -g -p PID -o FILE); its process\n"
	    "                      group gets SIGINT at the end of the window, SIGTERM\n"
	    "                      5 s later (repeat, up to 4 commands)\n"
	    "  --label TEXT        free text copied into the JSON\n"
	    "  --json FILE         write the results as JSON\n"
	    "  --seed N            random seed (default: time and pid)\n",
	    fp);
}

/* Parse seconds (a decimal number) in [lo, hi]; -1 on error. */
static int
loom_bench_parse_secs(const char *s, double lo, double hi, double *out)
{
	double v;
	char *end;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= lo) || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* Names we put into JSON by hand: [A-Za-z0-9_.-]. */
static int
loom_bench_name_ok(const char *s)
{
	if (*s == '\0' || strlen(s) > 200)
		return 0;
	for (; *s != '\0'; s++)
		if (strchr("abcdefghijklmnopqrstuvwxyz"
			   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-",
			*s) == NULL)
			return 0;
	return 1;
}

static int
loom_bench_url_ok(const char *s)
{
	return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

/*
 * The options that set an unsigned field: letter, range, field, and
 * whether the field is a uint64_t (else an unsigned).
 */
static const struct {
	int ch;
	unsigned long lo;
	unsigned long hi;
	size_t off;
	bool wide;
} loom_bench_uints[] = {
	{ 'c', 1, LOOM_BENCH_MAX_CONNS,
	    offsetof(struct loom_bench_opts, conns), false },
	{ 'p', 0, 60000, offsetof(struct loom_bench_opts, poll_ms), false },
	{ 'o', 10, 3600000, offsetof(struct loom_bench_opts, timeout_ms),
	    false },
	{ 'e', 0, 86400, offsetof(struct loom_bench_opts, settle_s), false },
	{ 'D', 0, 60000, offsetof(struct loom_bench_opts, scrape_delay_ms),
	    false },
	{ 'R', 1, ULONG_MAX, offsetof(struct loom_bench_opts, max_requests),
	    true },
	{ 'r', 0, ULONG_MAX, offsetof(struct loom_bench_opts, seed), true },
};

/* Set the unsigned field of option ch from arg; -1 when out of range. */
static int
loom_bench_set_uint(struct loom_bench_opts *o, int ch, const char *arg)
{
	unsigned long long v;
	size_t i;

	for (i = 0; i < sizeof loom_bench_uints / sizeof loom_bench_uints[0];
	     i++) {
		if (loom_bench_uints[i].ch != ch)
			continue;
		if (dprov_parse_ull(arg, loom_bench_uints[i].lo,
			loom_bench_uints[i].hi, &v) != 0)
			return -1;
		if (loom_bench_uints[i].wide)
			*(uint64_t *)(void *)((char *)o +
			    loom_bench_uints[i].off) = v;
		else
			*(unsigned *)(void *)((char *)o +
			    loom_bench_uints[i].off) = (unsigned)v;
		return 0;
	}
	return -1;
}

/* Parse argv into o; 0, 1 for --help, or -1 with err. */
static int
loom_bench_parse_args(struct loom_bench_opts *o, int argc, char **argv,
    char err[LOOMD_ERR_LEN])
{
	static const struct option longopts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "workload", required_argument, NULL, 'w' },
		{ "conns", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, 'd' },
		{ "warmup", required_argument, NULL, 'W' },
		{ "user", required_argument, NULL, 'u' },
		{ "template", required_argument, NULL, 'T' },
		{ "setup", no_argument, NULL, 's' },
		{ "fixtures", required_argument, NULL, 'f' },
		{ "setup-count", required_argument, NULL, 'S' },
		{ "reuse", no_argument, NULL, 'U' },
		{ "mix", required_argument, NULL, 'm' },
		{ "poll-ms", required_argument, NULL, 'p' },
		{ "timeout-ms", required_argument, NULL, 'o' },
		{ "settle", required_argument, NULL, 'e' },
		{ "metrics", required_argument, NULL, 'M' },
		{ "scrape-delay-ms", required_argument, NULL, 'D' },
		{ "cpu-pid", required_argument, NULL, 'P' },
		{ "requests", required_argument, NULL, 'R' },
		{ "db-cpu-pid", required_argument, NULL, 'B' },
		{ "during", required_argument, NULL, 'x' },
		{ "label", required_argument, NULL, 'l' },
		{ "json", required_argument, NULL, 'j' },
		{ "seed", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long v;
	unsigned a, b, c;
	size_t i;
	int ch, n, li = 0;

	memset(o, 0, sizeof *o);
	o->wl = &loom_bench_wls[0];
	o->conns = 8;
	o->duration = 10;
	o->warmup = 2;
	o->user = "bench";
	o->template = LOOM_BENCH_TEMPLATE;
	o->setup_count = -1;
	o->mix[0] = 10;
	o->mix[1] = 80;
	o->mix[2] = 10;
	o->poll_ms = 25;
	o->timeout_ms = 10000;
	o->settle_s = 300;
	o->scrape_delay_ms = 1200;
	o->seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, &li)) != -1) {
		switch (ch) {
		case 't':
		case 'M':
			if (!loom_bench_url_ok(optarg)) {
				snprintf(err, LOOMD_ERR_LEN,
				    "bad URL '%s' "
				    "(http:// or https://)",
				    optarg);
				return -1;
			}
			if (ch == 't' && o->ntargets < LOOM_BENCH_MAX_TARGETS)
				o->targets[o->ntargets++] = optarg;
			else if (ch == 'M' &&
			    o->nmetrics < LOOM_BENCH_MAX_TARGETS)
				o->metrics[o->nmetrics++] = optarg;
			else {
				snprintf(err, LOOMD_ERR_LEN, "at most %d URLs",
				    LOOM_BENCH_MAX_TARGETS);
				return -1;
			}
			break;
		case 'w':
			o->wl = NULL;
			for (i = 0; i <
			     sizeof loom_bench_wls / sizeof loom_bench_wls[0];
			     i++)
				if (strcmp(optarg, loom_bench_wls[i].name) ==
				    0)
					o->wl = &loom_bench_wls[i];
			if (o->wl == NULL) {
				snprintf(err, LOOMD_ERR_LEN,
				    "unknown workload "
				    "'%s'",
				    optarg);
				return -1;
			}
			break;
		case 'c':
		case 'p':
		case 'o':
		case 'e':
		case 'D':
		case 'R':
		case 'r':
			if (loom_bench_set_uint(o, ch, optarg) != 0)
				goto bad;
			break;
		case 'd':
			if (loom_bench_parse_secs(optarg, 0.1, 86400,
				&o->duration) != 0)
				goto bad;
			break;
		case 'W':
			if (loom_bench_parse_secs(optarg, 0, 3600,
				&o->warmup) != 0)
				goto bad;
			break;
		case 'u':
			if (!loom_bench_name_ok(optarg))
				goto bad;
			o->user = optarg;
			break;
		case 'T':
			if (!loom_bench_name_ok(optarg))
				goto bad;
			o->template = optarg;
			break;
		case 's':
			o->setup = 1;
			break;
		case 'U':
			o->reuse = 1;
			break;
		case 'f':
			o->fixtures = optarg;
			break;
		case 'S':
			if (dprov_parse_ull(optarg, 0, 10000000, &v) != 0)
				goto bad;
			o->setup_count = (long)v;
			break;
		case 'm':
			if (sscanf(optarg, "%u,%u,%u%n", &a, &b, &c, &n) !=
				3 ||
			    optarg[n] != '\0' || a + b + c != 100) {
				snprintf(err, LOOMD_ERR_LEN,
				    "--mix needs "
				    "three percentages adding up to 100");
				return -1;
			}
			o->mix[0] = a;
			o->mix[1] = b;
			o->mix[2] = c;
			break;
		case 'P':
		case 'B':
			if (dprov_parse_ull(optarg, 1, INT_MAX, &v) != 0)
				goto bad;
			if (ch == 'P' && o->ncpu_pids < LOOM_BENCH_MAX_TARGETS)
				o->cpu_pids[o->ncpu_pids++] = (long)v;
			else if (ch == 'B' &&
			    o->ndb_pids < LOOM_BENCH_MAX_TARGETS)
				o->db_pids[o->ndb_pids++] = (long)v;
			else
				goto bad;
			break;
		case 'x':
			if (o->nduring == LOOM_BENCH_MAX_DURING)
				goto bad;
			o->during[o->nduring++] = optarg;
			break;
		case 'l':
			o->label = optarg;
			break;
		case 'j':
			o->json_path = optarg;
			break;
		case 'h':
			return 1;
		default:
			snprintf(err, LOOMD_ERR_LEN,
			    "unknown option or "
			    "missing value: %s",
			    argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		snprintf(err, LOOMD_ERR_LEN, "unexpected argument '%s'",
		    argv[optind]);
		return -1;
	}
	if (o->ntargets == 0) {
		snprintf(err, LOOMD_ERR_LEN, "--target is required");
		return -1;
	}
	if (o->nmetrics == 0) {
		memcpy(o->metrics, o->targets,
		    o->ntargets * sizeof o->targets[0]);
		o->nmetrics = o->ntargets;
	}
	if (o->reuse && o->wl->w != LOOM_BENCH_GET) {
		snprintf(err, LOOMD_ERR_LEN,
		    "--reuse is for the get workload");
		return -1;
	}
	if (o->reuse)
		o->setup_count = 0;
	else if (o->setup_count < 0)
		o->setup_count = o->wl->setup_count;
	if ((o->wl->w == LOOM_BENCH_GET || o->wl->w == LOOM_BENCH_MIXED) &&
	    o->setup_count == 0 && !o->reuse) {
		snprintf(err, LOOMD_ERR_LEN, "%s needs --setup-count >= 1",
		    o->wl->name);
		return -1;
	}
	return 0;
bad:
	snprintf(err, LOOMD_ERR_LEN, "bad value '%s' for --%s", optarg,
	    longopts[li].name);
	return -1;
}

/* libcurl write callback: append to a dprov_buf. */
static size_t
loom_bench_write_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	return dprov_buf_append(arg, LOOM_BENCH_MAX_BODY, ptr, size * nmemb);
}

static void
loom_bench_buf_reset(struct dprov_buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

static const char *
loom_bench_buf_str(const struct dprov_buf *b)
{
	return b->data != NULL ? b->data : "";
}

/*
 * A blocking request (setup, scraping): method GET, POST or PUT on url
 * with body (NULL for none) as user (NULL: no X-Loom-UserID).  The answer
 * goes to resp (reset first; caller frees resp->data).  Returns the HTTP
 * status, or -1 with err when there was no answer.
 */
static long
loom_bench_http(const char *method, const char *url, const char *user,
    const char *body, unsigned timeout_ms, struct dprov_buf *resp,
    char err[LOOMD_ERR_LEN])
{
	struct curl_slist *h = NULL;
	char ebuf[CURL_ERROR_SIZE] = "", *uh = NULL;
	CURLcode rc;
	CURL *e;
	long code = -1;

	loom_bench_buf_reset(resp);
	if ((e = curl_easy_init()) == NULL) {
		snprintf(err, LOOMD_ERR_LEN, "curl_easy_init failed");
		return -1;
	}
	if (user != NULL) {
		uh = xasprintf("X-Loom-UserID: %s", user);
		h = xcheck(curl_slist_append(h, uh));
	}
	h = xcheck(curl_slist_append(h, "Content-Type: application/json"));
	h = xcheck(curl_slist_append(h, "Expect:"));
	if (curl_easy_setopt(e, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_PROXY, "") != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)timeout_ms) !=
		CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, ebuf) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, loom_bench_write_cb) !=
		CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_WRITEDATA, resp) != CURLE_OK ||
	    (body != NULL &&
		(curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE,
		     (long)strlen(body)) != CURLE_OK ||
		    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body) !=
			CURLE_OK)) ||
	    (strcmp(method, "GET") != 0 &&
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method) !=
		    CURLE_OK)) {
		snprintf(err, LOOMD_ERR_LEN, "curl_easy_setopt failed");
		goto fail;
	}
	if ((rc = curl_easy_perform(e)) != CURLE_OK) {
		snprintf(err, LOOMD_ERR_LEN, "%s %s: %s", method, url,
		    ebuf[0] != '\0' ? ebuf : curl_easy_strerror(rc));
		goto fail;
	}
	if (curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code) != CURLE_OK)
		code = 0;
fail:
	curl_slist_free_all(h);
	free(uh);
	curl_easy_cleanup(e);
	return code;
}

/* Read a whole file; caller frees.  NULL with err on failure. */
static char *
loom_bench_slurp(const char *path, char err[LOOMD_ERR_LEN])
{
	struct dprov_buf b = { NULL, 0, 0 };
	char chunk[8192];
	size_t n;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, LOOMD_ERR_LEN, "%s: %s", path, strerror(errno));
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
		if (loom_bench_write_cb(chunk, 1, n, &b) != n)
			break;
	if (ferror(fp) || b.data == NULL) {
		snprintf(err, LOOMD_ERR_LEN, "%s: %s", path,
		    ferror(fp) ? "read error" : "empty file");
		fclose(fp);
		free(b.data);
		return NULL;
	}
	fclose(fp);
	return b.data;
}

/*
 * --setup: import the catalogue as admin, then PUT the one-node template
 * LOOM_BENCH_TEMPLATE: the fixtures' one-machine template (1 node,
 * zookeeper, no service actions: CREATE, CONFIRM, BOOTSTRAP) with an
 * unlimited lease, so that no cluster expires during a run.
 */
static int
loom_bench_setup_catalogue(const struct loom_bench_opts *o,
    char err[LOOMD_ERR_LEN])
{
	struct json_object *cat = NULL, *tmpls, *t, *v, *copy = NULL, *adm;
	struct dprov_buf resp = { NULL, 0, 0 };
	char *path = NULL, *text = NULL, *url = NULL;
	const char *env, *name;
	size_t i;
	long code;
	int rc = -1;

	if (o->fixtures != NULL)
		path = xstrdup(o->fixtures);
	else if ((env = getenv("LOOMD_FIXTURES")) != NULL && *env != '\0')
		path = xasprintf("%s/%s", env, LOOM_BENCH_FIXTURE);
	else
		path = xstrdup("tests/data/loom-fixtures/" LOOM_BENCH_FIXTURE);
	if ((text = loom_bench_slurp(path, err)) == NULL)
		goto fail;
	url = xasprintf("%s/v1/loom/import", o->targets[0]);
	code = loom_bench_http("POST", url, "admin", text, 30000, &resp, err);
	if (code != 200) {
		if (code >= 0)
			snprintf(err, LOOMD_ERR_LEN,
			    "import %s: HTTP %ld: "
			    "%.200s",
			    path, code, loom_bench_buf_str(&resp));
		goto fail;
	}
	if ((cat = json_tokener_parse(text)) == NULL ||
	    !json_object_object_get_ex(cat, "clustertemplates", &tmpls) ||
	    !json_object_is_type(tmpls, json_type_array)) {
		snprintf(err, LOOMD_ERR_LEN, "%s: no clustertemplates", path);
		goto fail;
	}
	for (i = 0; i < json_object_array_length(tmpls); i++) {
		t = json_object_array_get_idx(tmpls, i);
		if (json_object_object_get_ex(t, "name", &v) &&
		    (name = json_object_get_string(v)) != NULL &&
		    strcmp(name, LOOM_BENCH_SOURCE_TMPL) == 0)
			break;
	}
	if (i == json_object_array_length(tmpls)) {
		snprintf(err, LOOMD_ERR_LEN, "%s: no template %s", path,
		    LOOM_BENCH_SOURCE_TMPL);
		goto fail;
	}
	if (json_object_deep_copy(json_object_array_get_idx(tmpls, i), &copy,
		NULL) != 0) {
		snprintf(err, LOOMD_ERR_LEN, "json_object_deep_copy failed");
		goto fail;
	}
	json_object_object_add(copy, "name",
	    xcheck(json_object_new_string(LOOM_BENCH_TEMPLATE)));
	json_object_object_add(copy, "description",
	    xcheck(
		json_object_new_string("loom-bench: one-machine, no lease")));
	adm = xcheck(json_object_new_object());
	json_object_object_add(adm, "leaseduration",
	    xcheck(
		json_tokener_parse("{\"initial\":0,\"max\":0,\"step\":0}")));
	json_object_object_add(copy, "administration", adm);
	free(url);
	url = xasprintf("%s/v1/loom/clustertemplates/%s", o->targets[0],
	    LOOM_BENCH_TEMPLATE);
	code = loom_bench_http("PUT", url, "admin",
	    json_object_to_json_string_ext(copy, JSON_C_TO_STRING_PLAIN),
	    30000, &resp, err);
	if (code != 200) {
		if (code >= 0)
			snprintf(err, LOOMD_ERR_LEN,
			    "PUT template: HTTP %ld: "
			    "%.200s",
			    code, loom_bench_buf_str(&resp));
		goto fail;
	}
	rc = 0;
fail:
	json_object_put(copy);
	json_object_put(cat);
	free(resp.data);
	free(url);
	free(text);
	free(path);
	return rc;
}

/* Value of a "name value" or "name{labels} value" line, summed. */
static void
loom_bench_metric(const char *line, const char *name, double *sum, int *seen)
{
	size_t n = strlen(name);
	const char *p;
	char *end;
	double v;

	if (strncmp(line, name, n) != 0 || (line[n] != ' ' && line[n] != '{'))
		return;
	if ((p = strchr(line + n, ' ')) == NULL)
		return;
	v = strtod(p + 1, &end);
	if (end == p + 1)
		return;
	*sum += v;
	*seen = 1;
}

/*
 * Scrape GET /metrics of every metrics URL and sum the counters.  d->ok
 * is 0 when a server did not answer or left a figure out (its database
 * was unreachable).
 */
static void
loom_bench_scrape(const struct loom_bench_opts *o, struct loom_bench_db *d)
{
	struct dprov_buf resp = { NULL, 0, 0 };
	char err[LOOMD_ERR_LEN], *url, *line, *save;
	int s_tx, s_co, s_re, s_ce, s_ba;
	size_t i;

	memset(d, 0, sizeof *d);
	d->ok = 1;
	for (i = 0; i < o->nmetrics; i++) {
		url = xasprintf("%s/metrics", o->metrics[i]);
		if (loom_bench_http("GET", url, NULL, NULL, 10000, &resp,
			err) != 200) {
			fprintf(stderr, "loom-bench: %s: no metrics\n", url);
			d->ok = 0;
			free(url);
			continue;
		}
		free(url);
		s_tx = s_co = s_re = s_ce = s_ba = 0;
		for (line = strtok_r(resp.data, "\n", &save); line != NULL;
		     line = strtok_r(NULL, "\n", &save)) {
			loom_bench_metric(line, "loomd_db_transactions_total",
			    &d->tx, &s_tx);
			loom_bench_metric(line, "loomd_db_commits_total",
			    &d->commits, &s_co);
			loom_bench_metric(line, "loomd_db_retries_total",
			    &d->retries, &s_re);
			loom_bench_metric(line,
			    "loomd_wsrep_local_cert_failures", &d->cert,
			    &s_ce);
			/* One shared database: the backlog of one is all. */
			if (i == 0)
				loom_bench_metric(line,
				    "loomd_scheduler_backlog_jobs",
				    &d->backlog, &s_ba);
		}
		if (!s_tx || !s_co || !s_re || !s_ce || (i == 0 && !s_ba))
			d->ok = 0;
	}
	free(resp.data);
}

/* Wait until the scheduler backlog is empty; seconds waited, -1 timeout. */
static double
loom_bench_settle(const struct loom_bench_opts *o)
{
	struct loom_bench_db d;
	double t0 = loom_bench_now(), last = t0;

	for (;;) {
		loom_bench_scrape(o, &d);
		if (d.ok && d.backlog == 0)
			return loom_bench_now() - t0;
		if (loom_bench_interrupted ||
		    loom_bench_now() - t0 > o->settle_s)
			return -1;
		if (loom_bench_now() - last >= 10) {
			last = loom_bench_now();
			fprintf(stderr,
			    "loom-bench: waiting for the "
			    "scheduler: %.0f jobs in its backlog\n",
			    d.backlog);
		}
		loom_bench_sleep_ms(200);
	}
}

/* User + system CPU seconds of a process (/proc/PID/stat); 0 if gone. */
static double
loom_bench_proc_cpu(long pid)
{
	char path[64], line[1024], *p;
	unsigned long long ut, st;
	FILE *fp;
	int ok;

	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	ok = fgets(line, sizeof line, fp) != NULL;
	fclose(fp);
	/* Fields 14 and 15, counted after the ")" that ends field 2. */
	if (!ok || (p = strrchr(line, ')')) == NULL ||
	    sscanf(p + 1,
		" %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu "
		"%llu",
		&ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static void
loom_bench_cpu_sample(const struct loom_bench_opts *o,
    struct loom_bench_cpu *c)
{
	unsigned long long v[8];
	struct rusage ru;
	size_t i;
	FILE *fp;

	memset(c, 0, sizeof *c);
	for (i = 0; i < o->ncpu_pids; i++)
		c->server += loom_bench_proc_cpu(o->cpu_pids[i]);
	for (i = 0; i < o->ndb_pids; i++)
		c->db += loom_bench_proc_cpu(o->db_pids[i]);
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		c->self = (double)ru.ru_utime.tv_sec +
		    ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
		    ru.ru_stime.tv_usec / 1e6;
	if ((fp = fopen("/proc/stat", "r")) == NULL)
		return;
	if (fscanf(fp, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
		&v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 8) {
		for (i = 0; i < 8; i++)
			c->total += (double)v[i];
		c->busy = c->total - (double)v[3] - (double)v[4];
	}
	fclose(fp);
}

/* --during: start each command in its own process group. */
static void
loom_bench_during_start(struct loom_bench_run *r)
{
	size_t i;
	pid_t pid;

	for (i = 0; i < r->o->nduring; i++) {
		if ((pid = fork()) == -1) {
			fprintf(stderr, "loom-bench: fork: %s\n",
			    strerror(errno));
			continue;
		}
		if (pid == 0) {
			setpgid(0, 0);
			execl("/bin/sh", "sh", "-c", r->o->during[i],
			    (char *)NULL);
			_exit(127);
		}
		setpgid(pid, pid);
		r->during_pid[i] = pid;
	}
}

/* Wait up to tenths * 0.1 s for pid; 1 when it has exited. */
static int
loom_bench_reap(pid_t pid, int tenths)
{
	int st;

	for (; tenths > 0; tenths--) {
		if (waitpid(pid, &st, WNOHANG) != 0)
			return 1;
		loom_bench_sleep_ms(100);
	}
	return waitpid(pid, &st, WNOHANG) != 0;
}

/*
 * --during: SIGINT each process group (perf record writes its file), then
 * SIGTERM after 5 s (a shell in the background ignores SIGINT), then
 * SIGKILL after 20 s more.
 */
static void
loom_bench_during_stop(struct loom_bench_run *r)
{
	size_t i;
	int st;

	for (i = 0; i < r->o->nduring; i++)
		if (r->during_pid[i] > 0)
			kill(-r->during_pid[i], SIGINT);
	for (i = 0; i < r->o->nduring; i++) {
		if (r->during_pid[i] <= 0)
			continue;
		if (!loom_bench_reap(r->during_pid[i], 50)) {
			kill(-r->during_pid[i], SIGTERM);
			if (!loom_bench_reap(r->during_pid[i], 200)) {
				kill(-r->during_pid[i], SIGKILL);
				waitpid(r->during_pid[i], &st, 0);
			}
		}
		r->during_pid[i] = 0;
	}
}

static uint64_t
loom_bench_rand(struct loom_bench_run *r, uint64_t n)
{
	return n == 0 ? 0 : dprov_rng_next(&r->rng) % n;
}

static void
loom_bench_add_id(struct loom_bench_run *r, const char *id)
{
	if (strlen(id) >= LOOM_BENCH_ID_LEN)
		return;
	if (r->nids == r->capids) {
		r->capids = r->capids != 0 ? r->capids * 2 : 512;
		r->ids = xreallocarray(r->ids, r->capids, sizeof r->ids[0]);
	}
	snprintf(r->ids[r->nids++], LOOM_BENCH_ID_LEN, "%s", id);
}

/* A string member of a JSON object text, copied to out; -1 if absent. */
static int
loom_bench_json_str(const char *text, const char *key, char *out,
    size_t outlen)
{
	struct json_object *o, *v;
	int rc = -1;

	if ((o = json_tokener_parse(text)) == NULL)
		return -1;
	if (json_object_object_get_ex(o, key, &v) &&
	    json_object_is_type(v, json_type_string) &&
	    (size_t)json_object_get_string_len(v) < outlen) {
		snprintf(out, outlen, "%s", json_object_get_string(v));
		rc = 0;
	}
	json_object_put(o);
	return rc;
}

/* Is now inside the measured window? */
static int
loom_bench_counting(const struct loom_bench_run *r, double now)
{
	return r->phase == LOOM_BENCH_RUN && now >= r->t_measure &&
	    now < r->t_end;
}

/* Send the next request of c: op on path (appended to c->base). */
static void
loom_bench_send(struct loom_bench_run *r, struct loom_bench_conn *c,
    enum loom_bench_op op, const char *path, char *body)
{
	CURLMcode mc;
	int ok;

	free(c->url);
	c->url = xasprintf("%s%s", c->base, path);
	free(c->body);
	c->body = body; /* owned; must live until the answer */
	loom_bench_buf_reset(&c->resp);
	c->errbuf[0] = '\0';
	ok = curl_easy_setopt(c->easy, CURLOPT_URL, c->url) == CURLE_OK;
	if (body == NULL)
		ok = ok &&
		    curl_easy_setopt(c->easy, CURLOPT_HTTPGET, 1L) == CURLE_OK;
	else
		ok = ok &&
		    curl_easy_setopt(c->easy, CURLOPT_POSTFIELDSIZE,
			(long)strlen(body)) == CURLE_OK &&
		    curl_easy_setopt(c->easy, CURLOPT_POSTFIELDS, body) ==
			CURLE_OK;
	if (!ok)
		fatalx("curl_easy_setopt failed");
	c->op = op;
	c->t_req = loom_bench_now();
	c->busy = 1;
	if ((mc = curl_multi_add_handle(r->multi, c->easy)) != CURLM_OK)
		fatalx("curl_multi_add_handle: %s", curl_multi_strerror(mc));
}

static void
loom_bench_send_create(struct loom_bench_run *r, struct loom_bench_conn *c)
{
	char *body;

	body = xasprintf("{\"name\":\"lb%ld-%u-%llu\",\"numMachines\":1,"
			 "\"clusterTemplate\":\"%s\"}",
	    (long)getpid(), c->n, (unsigned long long)++c->seq,
	    r->o->template);
	loom_bench_send(r, c, LOOM_BENCH_OP_CREATE, "/v1/loom/clusters", body);
}

static void
loom_bench_send_get(struct loom_bench_run *r, struct loom_bench_conn *c)
{
	char path[128];

	snprintf(path, sizeof path, "/v1/loom/clusters/%s",
	    r->ids[loom_bench_rand(r, r->nids)]);
	loom_bench_send(r, c, LOOM_BENCH_OP_GET, path, NULL);
}

/*
 * --reuse: the ids of o->user's clusters, listed by the first target,
 * into r.  Returns 0, or -1 with err when there are none.
 */
static int
loom_bench_reuse_ids(struct loom_bench_run *r, char err[LOOMD_ERR_LEN])
{
	struct dprov_buf resp = { NULL, 0, 0 };
	struct json_object *list, *id;
	char *url;
	size_t i;
	long code;

	url = xasprintf("%s/v1/loom/clusters", r->o->targets[0]);
	code = loom_bench_http("GET", url, r->o->user, NULL, r->o->timeout_ms,
	    &resp, err);
	free(url);
	if (code != 200) {
		if (code >= 0)
			snprintf(err, LOOMD_ERR_LEN,
			    "listing the clusters of %s: HTTP %ld", r->o->user,
			    code);
		free(resp.data);
		return -1;
	}
	list = json_tokener_parse(loom_bench_buf_str(&resp));
	free(resp.data);
	for (i = 0; json_object_is_type(list, json_type_array) &&
	     i < json_object_array_length(list);
	     i++)
		if (json_object_object_get_ex(json_object_array_get_idx(list,
						  i),
			"id", &id))
			loom_bench_add_id(r, json_object_get_string(id));
	json_object_put(list);
	if (r->nids == 0) {
		snprintf(err, LOOMD_ERR_LEN,
		    "--reuse: user %s has no clusters; create them first "
		    "(--setup-count)",
		    r->o->user);
		return -1;
	}
	return 0;
}

/* Start the next unit of work (or continuation) of an idle connection. */
static void
loom_bench_next(struct loom_bench_run *r, struct loom_bench_conn *c,
    double now)
{
	char path[128];
	uint64_t x;

	if (r->phase == LOOM_BENCH_SETUP) {
		if (r->setup_issued >= r->setup_want)
			return;
		r->setup_issued++;
		loom_bench_send_create(r, c);
		return;
	}
	if (c->next == LOOM_BENCH_OP_FINISH) {
		/* Even while draining: leave no task taken and unfinished. */
		c->next = LOOM_BENCH_OP_NONE;
		loom_bench_send(r, c, LOOM_BENCH_OP_FINISH,
		    "/v1/loom/tasks/finish",
		    dprov_finish_body(c->worker, c->task, 0));
		return;
	}
	if (r->phase != LOOM_BENCH_RUN)
		return;
	if (c->next == LOOM_BENCH_OP_STATUS) {
		c->next = LOOM_BENCH_OP_NONE;
		snprintf(path, sizeof path, "/v1/loom/clusters/%s/status",
		    c->cluster);
		loom_bench_send(r, c, LOOM_BENCH_OP_STATUS, path, NULL);
		return;
	}
	c->in_unit = 1;
	c->t_unit = now;
	switch (r->o->wl->w) {
	case LOOM_BENCH_CREATE:
	case LOOM_BENCH_LIFECYCLE:
		loom_bench_send_create(r, c);
		break;
	case LOOM_BENCH_GET:
		loom_bench_send_get(r, c);
		break;
	case LOOM_BENCH_LIST:
		loom_bench_send(r, c, LOOM_BENCH_OP_LIST, "/v1/loom/clusters",
		    NULL);
		break;
	case LOOM_BENCH_TAKEFINISH:
		loom_bench_send(r, c, LOOM_BENCH_OP_TAKE,
		    "/v1/loom/tasks/take", xstrdup(c->take_body));
		break;
	case LOOM_BENCH_MIXED:
		x = loom_bench_rand(r, 100);
		if (x < r->o->mix[0])
			loom_bench_send_create(r, c);
		else if (x < r->o->mix[0] + r->o->mix[1])
			loom_bench_send_get(r, c);
		else
			loom_bench_send(r, c, LOOM_BENCH_OP_LIST,
			    "/v1/loom/clusters", NULL);
		break;
	case LOOM_BENCH_STATUS:
		loom_bench_send(r, c, LOOM_BENCH_OP_LIVENESS, "/status", NULL);
		break;
	}
}

/* Add a latency of secs seconds. */
static void
loom_bench_sample(struct loom_bench_samples *sm, double secs)
{
	double us = secs * 1e6;

	if (sm->n == sm->cap) {
		sm->cap = sm->cap != 0 ? sm->cap * 2 : 4096;
		sm->us = xreallocarray(sm->us, sm->cap, sizeof sm->us[0]);
	}
	sm->us[sm->n++] = us > UINT32_MAX ? UINT32_MAX :
	    us < 0			  ? 0 :
					    (uint32_t)us;
}

/* One unit of work completed at now. */
static void
loom_bench_unit_done(struct loom_bench_run *r, struct loom_bench_conn *c,
    double now)
{
	if (c->in_unit && loom_bench_counting(r, now)) {
		r->st.units++;
		loom_bench_sample(&r->st.unit_lat, now - c->t_unit);
	}
	c->in_unit = 0;
}

/* Count an error answer (code 0: none) and pause the connection. */
static void
loom_bench_error(struct loom_bench_run *r, struct loom_bench_conn *c,
    long code, double now)
{
	struct loom_bench_stats *st = &r->st;
	size_t i;

	if (r->shown_errors < LOOM_BENCH_SHOW_ERRORS) {
		r->shown_errors++;
		fprintf(stderr, "loom-bench: %s: %s%ld %.200s\n", c->url,
		    code == 0 ? "no answer: " : "HTTP ", code,
		    code == 0 ? c->errbuf : loom_bench_buf_str(&c->resp));
	}
	if (r->phase == LOOM_BENCH_SETUP)
		r->setup_err++;
	if (loom_bench_counting(r, now)) {
		st->errors++;
		for (i = 0; i < st->ncodes && st->codes[i] != code; i++)
			;
		if (i == st->ncodes && i < LOOM_BENCH_MAX_CODES) {
			st->codes[i] = code;
			st->ncodes++;
		}
		if (i < st->ncodes)
			st->code_n[i]++;
	}
	c->wake = now + 0.01;
}

/* Count an error answer and abandon the unit it belongs to. */
static void
loom_bench_abandon(struct loom_bench_run *r, struct loom_bench_conn *c,
    long code, double now)
{
	loom_bench_error(r, c, code, now);
	c->in_unit = 0;
}

/* The last answer of a unit: the unit is done on 200, abandoned otherwise. */
static void
loom_bench_unit_end(struct loom_bench_run *r, struct loom_bench_conn *c,
    long code, double now)
{
	if (code != 200)
		loom_bench_abandon(r, c, code, now);
	else
		loom_bench_unit_done(r, c, now);
}

/* Handle the answer to c's request. */
static void
loom_bench_answer(struct loom_bench_run *r, struct loom_bench_conn *c,
    CURLcode rc)
{
	char err[LOOMD_ERR_LEN], status[32];
	const char *body;
	double now = loom_bench_now();
	long code = 0;

	curl_multi_remove_handle(r->multi, c->easy);
	c->busy = 0;
	c->wake = 0;
	if (rc == CURLE_OK &&
	    curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &code) !=
		CURLE_OK)
		code = 0;
	if (rc != CURLE_OK && c->errbuf[0] == '\0')
		snprintf(c->errbuf, sizeof c->errbuf, "%s",
		    curl_easy_strerror(rc));
	if (loom_bench_counting(r, now)) {
		r->st.requests++;
		loom_bench_sample(&r->st.op_lat[c->op], now - c->t_req);
	}
	body = loom_bench_buf_str(&c->resp);
	switch (c->op) {
	case LOOM_BENCH_OP_CREATE:
		if (code != 200 ||
		    loom_bench_json_str(body, "id", c->cluster,
			sizeof c->cluster) != 0) {
			loom_bench_abandon(r, c, code, now);
			break;
		}
		if (r->phase == LOOM_BENCH_SETUP) {
			r->setup_ok++;
			loom_bench_add_id(r, c->cluster);
			break;
		}
		if (r->o->wl->w == LOOM_BENCH_MIXED)
			loom_bench_add_id(r, c->cluster);
		if (r->o->wl->w == LOOM_BENCH_LIFECYCLE) {
			c->next = LOOM_BENCH_OP_STATUS;
			c->wake = now + r->o->poll_ms / 1000.0;
			break;
		}
		loom_bench_unit_done(r, c, now);
		break;
	case LOOM_BENCH_OP_GET:
	case LOOM_BENCH_OP_LIST:
	case LOOM_BENCH_OP_LIVENESS:
		loom_bench_unit_end(r, c, code, now);
		break;
	case LOOM_BENCH_OP_TAKE:
		if (code == 204) {
			if (loom_bench_counting(r, now))
				r->st.empty++;
			c->in_unit = 0;
			c->wake = now + r->o->poll_ms / 1000.0;
			break;
		}
		dprov_task_free(c->task);
		c->task = NULL;
		if (code != 200 ||
		    dprov_task_parse(body, c->resp.len, &c->task, err) != 0) {
			loom_bench_abandon(r, c, code, now);
			break;
		}
		c->next = LOOM_BENCH_OP_FINISH;
		break;
	case LOOM_BENCH_OP_FINISH:
		dprov_task_free(c->task);
		c->task = NULL;
		loom_bench_unit_end(r, c, code, now);
		break;
	case LOOM_BENCH_OP_STATUS:
		if (code != 200 ||
		    loom_bench_json_str(body, "status", status,
			sizeof status) != 0) {
			/* Count it, but keep following the cluster. */
			loom_bench_error(r, c, code, now);
			c->next = LOOM_BENCH_OP_STATUS;
			c->wake = now + r->o->poll_ms / 1000.0;
			break;
		}
		if (strcmp(status, "ACTIVE") == 0)
			loom_bench_unit_done(r, c, now);
		else if (strcmp(status, "PENDING") == 0) {
			c->next = LOOM_BENCH_OP_STATUS;
			c->wake = now + r->o->poll_ms / 1000.0;
		} else {
			snprintf(c->errbuf, sizeof c->errbuf,
			    "cluster %s is "
			    "%s",
			    c->cluster, status);
			loom_bench_error(r, c, 0, now);
			c->in_unit = 0;
		}
		break;
	case LOOM_BENCH_OP_NONE:
	case LOOM_BENCH_OP_COUNT:
		break;
	}
}

/* Resident set size of pid in MB (VmRSS), 0 if unknown. */
static double
loom_bench_proc_rss(long pid)
{
	char path[64], line[256];
	double mb = 0;
	long kb;
	FILE *fp;

	snprintf(path, sizeof path, "/proc/%ld/status", pid);
	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof line, fp) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1) {
			mb = kb / 1024.0;
			break;
		}
	fclose(fp);
	return mb;
}

/* Append an RSS sample of the --cpu-pid processes (their sum). */
static void
loom_bench_rss_sample(struct loom_bench_run *r, double now)
{
	struct loom_bench_rss *x;
	size_t i;

	if (r->o->ncpu_pids == 0)
		return;
	if (r->nrss == r->caprss) {
		r->caprss = r->caprss == 0 ? 256 : r->caprss * 2;
		r->rss = xreallocarray(r->rss, r->caprss, sizeof *r->rss);
	}
	x = &r->rss[r->nrss++];
	x->t = now - r->t_measure;
	x->requests = r->st.requests;
	x->mb = 0;
	for (i = 0; i < r->o->ncpu_pids; i++)
		x->mb += loom_bench_proc_rss(r->o->cpu_pids[i]);
	r->next_rss = now + 1.0;
}

/*
 * The event loop: keeps every connection busy until the phase ends (setup:
 * setup_want clusters created; run: t_end), then waits for what is in
 * flight (at most the request timeout).
 */
static void
loom_bench_loop(struct loom_bench_run *r)
{
	const struct loom_bench_opts *o = r->o;
	struct loom_bench_conn *c;
	double now, wait, drain_until = 0;
	CURLMsg *msg;
	CURLMcode mc;
	int running, left, busy, ready, done;
	unsigned i;
	char *priv;

	for (;;) {
		now = loom_bench_now();
		if (r->phase == LOOM_BENCH_RUN && !r->sampled &&
		    now >= r->t_measure) {
			r->sampled = 1;
			loom_bench_cpu_sample(o, &r->cpu0);
			loom_bench_during_start(r);
			loom_bench_rss_sample(r, now);
		}
		if (r->phase == LOOM_BENCH_RUN && r->sampled &&
		    now >= r->next_rss)
			loom_bench_rss_sample(r, now);
		if (r->phase == LOOM_BENCH_RUN && o->max_requests > 0 &&
		    r->st.requests >= o->max_requests && now < r->t_end)
			r->t_end = now;
		if (r->phase == LOOM_BENCH_RUN &&
		    (now >= r->t_end || loom_bench_interrupted)) {
			r->phase = LOOM_BENCH_DRAIN;
			r->t_stop = now < r->t_end ? now : r->t_end;
			if (r->sampled) {
				loom_bench_rss_sample(r, now);
				loom_bench_cpu_sample(o, &r->cpu1);
				loom_bench_during_stop(r);
			}
		}
		/* No new work from now on: wait for what is in flight. */
		done = r->phase == LOOM_BENCH_DRAIN ||
		    (r->phase == LOOM_BENCH_SETUP &&
			(loom_bench_interrupted ||
			    r->setup_issued >= r->setup_want));
		if (done && drain_until == 0)
			drain_until = now + o->timeout_ms / 1000.0 + 1;
		busy = ready = 0;
		wait = 0.05;
		for (i = 0; i < o->conns; i++) {
			c = &r->conns[i];
			if (!c->busy && c->wake <= now &&
			    !(r->phase == LOOM_BENCH_SETUP &&
				loom_bench_interrupted))
				loom_bench_next(r, c, now);
			if (c->busy)
				busy++;
			else if (c->wake > now && c->wake - now < wait)
				wait = c->wake - now;
		}
		if (busy == 0 && done)
			break;
		if (drain_until != 0 && now > drain_until) {
			fprintf(stderr,
			    "loom-bench: %d requests still open "
			    "after the timeout; dropped\n",
			    busy);
			break;
		}
		if ((mc = curl_multi_perform(r->multi, &running)) != CURLM_OK)
			fatalx("curl_multi_perform: %s",
			    curl_multi_strerror(mc));
		while ((msg = curl_multi_info_read(r->multi, &left)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			priv = NULL;
			if (curl_easy_getinfo(msg->easy_handle,
				CURLINFO_PRIVATE, &priv) != CURLE_OK ||
			    priv == NULL)
				fatalx("curl_easy_getinfo: no connection");
			c = (struct loom_bench_conn *)(void *)priv;
			loom_bench_answer(r, c, msg->data.result);
			if (!c->busy && c->wake == 0)
				ready = 1;
		}
		if (ready)
			continue; /* send the next requests at once */
		if (r->phase == LOOM_BENCH_RUN && r->t_end - now < wait)
			wait = r->t_end - now;
		if (wait < 0)
			wait = 0;
		if ((mc = curl_multi_poll(r->multi, NULL, 0,
			 (int)(wait * 1000 + 0.999), NULL)) != CURLM_OK)
			fatalx("curl_multi_poll: %s", curl_multi_strerror(mc));
	}
	/* Whatever is still open was given up. */
	for (i = 0; i < o->conns; i++)
		if (r->conns[i].busy) {
			curl_multi_remove_handle(r->multi, r->conns[i].easy);
			r->conns[i].busy = 0;
		}
}

static int
loom_bench_conns_init(struct loom_bench_run *r, char err[LOOMD_ERR_LEN])
{
	const struct loom_bench_opts *o = r->o;
	struct loom_bench_conn *c;
	char *uh;
	unsigned i;

	if ((r->multi = curl_multi_init()) == NULL) {
		snprintf(err, LOOMD_ERR_LEN, "curl_multi_init failed");
		return -1;
	}
	/* Keep every connection in the cache between requests. */
	if (curl_multi_setopt(r->multi, CURLMOPT_MAXCONNECTS,
		(long)o->conns * 2) != CURLM_OK) {
		snprintf(err, LOOMD_ERR_LEN, "curl_multi_setopt failed");
		return -1;
	}
	uh = xasprintf("X-Loom-UserID: %s", o->user);
	r->headers = xcheck(curl_slist_append(NULL, uh));
	free(uh);
	r->headers = xcheck(
	    curl_slist_append(r->headers, "Content-Type: application/json"));
	r->headers = xcheck(curl_slist_append(r->headers, "Expect:"));
	r->conns = xcalloc(o->conns, sizeof r->conns[0]);
	for (i = 0; i < o->conns; i++) {
		c = &r->conns[i];
		c->n = i;
		c->base = o->targets[i % o->ntargets];
		snprintf(c->worker, sizeof c->worker, "loom-bench.%ld.%u",
		    (long)getpid(), i);
		c->take_body = dprov_take_body(c->worker);
		if ((c->easy = curl_easy_init()) == NULL) {
			snprintf(err, LOOMD_ERR_LEN, "curl_easy_init failed");
			return -1;
		}
		if (curl_easy_setopt(c->easy, CURLOPT_NOSIGNAL, 1L) !=
			CURLE_OK ||
		    curl_easy_setopt(c->easy, CURLOPT_PROXY, "") != CURLE_OK ||
		    curl_easy_setopt(c->easy, CURLOPT_TIMEOUT_MS,
			(long)o->timeout_ms) != CURLE_OK ||
		    curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER,
			r->headers) != CURLE_OK ||
		    curl_easy_setopt(c->easy, CURLOPT_USERAGENT,
			"loom-bench") != CURLE_OK ||
		    curl_easy_setopt(c->easy, CURLOPT_WRITEFUNCTION,
			loom_bench_write_cb) != CURLE_OK ||
		    curl_easy_setopt(c->easy, CURLOPT_WRITEDATA, &c->resp) !=
			CURLE_OK ||
		    curl_easy_setopt(c->easy, CURLOPT_ERRORBUFFER,
			c->errbuf) != CURLE_OK ||
		    curl_easy_setopt(c->easy, CURLOPT_PRIVATE, (char *)c) !=
			CURLE_OK) {
			snprintf(err, LOOMD_ERR_LEN,
			    "curl_easy_setopt failed");
			return -1;
		}
	}
	return 0;
}

static void
loom_bench_run_free(struct loom_bench_run *r)
{
	unsigned i;

	free(r->rss);
	r->rss = NULL;
	if (r->conns != NULL) {
		for (i = 0; i < r->o->conns; i++) {
			if (r->conns[i].easy != NULL)
				curl_easy_cleanup(r->conns[i].easy);
			free(r->conns[i].resp.data);
			free(r->conns[i].url);
			free(r->conns[i].body);
			free(r->conns[i].take_body);
			dprov_task_free(r->conns[i].task);
		}
		free(r->conns);
	}
	if (r->multi != NULL)
		curl_multi_cleanup(r->multi);
	curl_slist_free_all(r->headers);
	free(r->ids);
	free(r->st.unit_lat.us);
	for (i = 0; i < LOOM_BENCH_OP_COUNT; i++)
		free(r->st.op_lat[i].us);
}

static int
loom_bench_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* A JSON number with 3 decimals, or null for NAN or infinity. */
static struct json_object *
loom_bench_jnum(double v)
{
	char text[64];

	if (!isfinite(v))
		return NULL;
	snprintf(text, sizeof text, "%.3f", v);
	return xcheck(json_object_new_double_s(v, text));
}

/* part as a percentage of whole, as a JSON number; null when whole <= 0. */
static struct json_object *
loom_bench_jpct(double part, double whole)
{
	return loom_bench_jnum(whole > 0 ? 100 * part / whole : NAN);
}

static void
loom_bench_sort(struct loom_bench_samples *sm)
{
	if (sm->n > 1)
		qsort(sm->us, sm->n, sizeof sm->us[0], loom_bench_cmp_u32);
}

/* Nearest-rank percentile q (0..1) of sorted samples, in ms; NAN if none. */
static double
loom_bench_pct(const struct loom_bench_samples *sm, double q)
{
	size_t k;

	if (sm->n == 0)
		return NAN;
	k = (size_t)ceil(q * (double)sm->n);
	if (k < 1)
		k = 1;
	if (k > sm->n)
		k = sm->n;
	return sm->us[k - 1] / 1000.0;
}

/* Sort the samples; then {"n","p50","p90","p99","p999","max","mean"}. */
static struct json_object *
loom_bench_lat_json(struct loom_bench_samples *sm)
{
	struct json_object *l;
	double sum = 0;
	size_t i;

	loom_bench_sort(sm);
	for (i = 0; i < sm->n; i++)
		sum += sm->us[i];
	l = xcheck(json_object_new_object());
	json_object_object_add(l, "n",
	    xcheck(json_object_new_int64((int64_t)sm->n)));
	json_object_object_add(l, "p50",
	    loom_bench_jnum(loom_bench_pct(sm, 0.5)));
	json_object_object_add(l, "p90",
	    loom_bench_jnum(loom_bench_pct(sm, 0.9)));
	json_object_object_add(l, "p99",
	    loom_bench_jnum(loom_bench_pct(sm, 0.99)));
	json_object_object_add(l, "p999",
	    loom_bench_jnum(loom_bench_pct(sm, 0.999)));
	json_object_object_add(l, "max",
	    loom_bench_jnum(loom_bench_pct(sm, 1.0)));
	json_object_object_add(l, "mean",
	    loom_bench_jnum(sm->n > 0 ? sum / (double)sm->n / 1000.0 : NAN));
	return l;
}

/*
 * RSS figures: the first and last samples, the one at half the window,
 * the largest, and the growth over the second half (last - half).
 * Returns 0, or -1 when there are fewer than two samples.
 */
static int
loom_bench_rss_figures(const struct loom_bench_run *r, double *first,
    double *half, double *last, double *max)
{
	size_t i, h;

	if (r->nrss < 2)
		return -1;
	h = r->nrss / 2;
	*first = r->rss[0].mb;
	*half = r->rss[h].mb;
	*last = r->rss[r->nrss - 1].mb;
	*max = 0;
	for (i = 0; i < r->nrss; i++)
		if (r->rss[i].mb > *max)
			*max = r->rss[i].mb;
	return 0;
}

/* {"first_mb",...,"samples":[[t, requests, mb], ...]} or NULL. */
static struct json_object *
loom_bench_rss_json(const struct loom_bench_run *r)
{
	struct json_object *o, *a, *x;
	double first, half, last, max;
	size_t i;

	if (loom_bench_rss_figures(r, &first, &half, &last, &max) != 0)
		return NULL;
	o = xcheck(json_object_new_object());
	json_object_object_add(o, "first_mb", loom_bench_jnum(first));
	json_object_object_add(o, "half_mb", loom_bench_jnum(half));
	json_object_object_add(o, "last_mb", loom_bench_jnum(last));
	json_object_object_add(o, "max_mb", loom_bench_jnum(max));
	json_object_object_add(o, "second_half_growth_mb",
	    loom_bench_jnum(last - half));
	a = xcheck(json_object_new_array());
	for (i = 0; i < r->nrss; i++) {
		x = xcheck(json_object_new_array());
		json_object_array_add(x, loom_bench_jnum(r->rss[i].t));
		json_object_array_add(x,
		    xcheck(
			json_object_new_int64((int64_t)r->rss[i].requests)));
		json_object_array_add(x, loom_bench_jnum(r->rss[i].mb));
		json_object_array_add(a, x);
	}
	json_object_object_add(o, "samples", a);
	return o;
}

/* The results as JSON; caller releases with json_object_put(). */
static struct json_object *
loom_bench_results(struct loom_bench_run *r, double secs,
    const struct loom_bench_db *d0, const struct loom_bench_db *d1,
    double setup_secs, double settle_secs, const char *started)
{
	const struct loom_bench_opts *o = r->o;
	struct loom_bench_stats *st = &r->st;
	struct json_object *j, *a, *l, *db, *ec;
	char code[16];
	size_t i;

	j = xcheck(json_object_new_object());
	json_object_object_add(j, "workload",
	    xcheck(json_object_new_string(o->wl->name)));
	if (o->label != NULL)
		json_object_object_add(j, "label",
		    xcheck(json_object_new_string(o->label)));
	json_object_object_add(j, "started_utc",
	    xcheck(json_object_new_string(started)));
	a = xcheck(json_object_new_array());
	for (i = 0; i < o->ntargets; i++)
		json_object_array_add(a,
		    xcheck(json_object_new_string(o->targets[i])));
	json_object_object_add(j, "targets", a);
	json_object_object_add(j, "conns",
	    xcheck(json_object_new_int((int)o->conns)));
	json_object_object_add(j, "user",
	    xcheck(json_object_new_string(o->user)));
	json_object_object_add(j, "template",
	    xcheck(json_object_new_string(o->template)));
	json_object_object_add(j, "warmup_s", loom_bench_jnum(o->warmup));
	json_object_object_add(j, "duration_s", loom_bench_jnum(secs));
	json_object_object_add(j, "unit",
	    xcheck(json_object_new_string(o->wl->unit)));
	json_object_object_add(j, "units",
	    xcheck(json_object_new_int64((int64_t)st->units)));
	json_object_object_add(j, "rate",
	    loom_bench_jnum(secs > 0 ? st->units / secs : NAN));
	json_object_object_add(j, "requests",
	    xcheck(json_object_new_int64((int64_t)st->requests)));
	json_object_object_add(j, "request_rate",
	    loom_bench_jnum(secs > 0 ? st->requests / secs : NAN));
	json_object_object_add(j, "errors",
	    xcheck(json_object_new_int64((int64_t)st->errors)));
	ec = xcheck(json_object_new_object());
	for (i = 0; i < st->ncodes; i++) {
		snprintf(code, sizeof code, "%ld", st->codes[i]);
		json_object_object_add(ec, code,
		    xcheck(json_object_new_int64((int64_t)st->code_n[i])));
	}
	json_object_object_add(j, "error_codes", ec);
	if (o->wl->w == LOOM_BENCH_TAKEFINISH)
		json_object_object_add(j, "empty_takes",
		    xcheck(json_object_new_int64((int64_t)st->empty)));
	if (o->wl->w == LOOM_BENCH_MIXED) {
		snprintf(code, sizeof code, "%u,%u,%u", o->mix[0], o->mix[1],
		    o->mix[2]);
		json_object_object_add(j, "mix",
		    xcheck(json_object_new_string(code)));
	}
	if (o->wl->w == LOOM_BENCH_LIFECYCLE ||
	    o->wl->w == LOOM_BENCH_TAKEFINISH)
		json_object_object_add(j, "poll_ms",
		    xcheck(json_object_new_int((int)o->poll_ms)));
	json_object_object_add(j, "latency_ms",
	    loom_bench_lat_json(&st->unit_lat));
	l = xcheck(json_object_new_object());
	for (i = 1; i < LOOM_BENCH_OP_COUNT; i++)
		if (st->op_lat[i].n > 0)
			json_object_object_add(l, loom_bench_op_names[i],
			    loom_bench_lat_json(&st->op_lat[i]));
	json_object_object_add(j, "requests_ms", l);
	if (r->sampled) {
		const struct loom_bench_cpu *c0 = &r->cpu0, *c1 = &r->cpu1;
		double u = st->units > 0 ? (double)st->units : NAN;
		struct json_object *cj;

		cj = xcheck(json_object_new_object());
		if (o->ncpu_pids > 0) {
			json_object_object_add(cj, "server_s",
			    loom_bench_jnum(c1->server - c0->server));
			json_object_object_add(cj, "server_ms_per_unit",
			    loom_bench_jnum(
				1000 * (c1->server - c0->server) / u));
		}
		if (o->ndb_pids > 0) {
			json_object_object_add(cj, "db_s",
			    loom_bench_jnum(c1->db - c0->db));
			json_object_object_add(cj, "db_ms_per_unit",
			    loom_bench_jnum(1000 * (c1->db - c0->db) / u));
		}
		json_object_object_add(cj, "bench_s",
		    loom_bench_jnum(c1->self - c0->self));
		json_object_object_add(cj, "machine_busy_pct",
		    loom_bench_jpct(c1->busy - c0->busy,
			c1->total - c0->total));
		json_object_object_add(j, "cpu", cj);
	}
	json_object_object_add(j, "rss", loom_bench_rss_json(r));
	json_object_object_add(j, "setup_clusters",
	    xcheck(json_object_new_int64((int64_t)r->setup_ok)));
	json_object_object_add(j, "setup_s", loom_bench_jnum(setup_secs));
	json_object_object_add(j, "settle_s", loom_bench_jnum(settle_secs));
	a = xcheck(json_object_new_array());
	for (i = 0; i < o->nmetrics; i++)
		json_object_array_add(a,
		    xcheck(json_object_new_string(o->metrics[i])));
	json_object_object_add(j, "metrics_from", a);
	if (d0->ok && d1->ok) {
		db = xcheck(json_object_new_object());
		json_object_object_add(db, "transactions",
		    loom_bench_jnum(d1->tx - d0->tx));
		json_object_object_add(db, "commits",
		    loom_bench_jnum(d1->commits - d0->commits));
		json_object_object_add(db, "retries",
		    loom_bench_jnum(d1->retries - d0->retries));
		json_object_object_add(db, "cert_failures",
		    loom_bench_jnum(d1->cert - d0->cert));
		json_object_object_add(db, "retry_pct",
		    loom_bench_jpct(d1->retries - d0->retries,
			d1->commits - d0->commits));
		json_object_object_add(db, "cert_failure_pct",
		    loom_bench_jpct(d1->cert - d0->cert,
			d1->commits - d0->commits));
		json_object_object_add(j, "db", db);
	} else
		json_object_object_add(j, "db", NULL);
	return j;
}

/* The one-line human summary. */
static void
loom_bench_summary(const struct loom_bench_run *r, double secs,
    const struct loom_bench_db *d0, const struct loom_bench_db *d1)
{
	const struct loom_bench_opts *o = r->o;
	const struct loom_bench_stats *st = &r->st;
	double dc;

	printf("%s conns=%u targets=%zu %.1fs: %.1f %s/s (%.1f req/s) "
	       "p50 %.2f p99 %.2f p999 %.2f ms, errors %llu",
	    o->wl->name, o->conns, o->ntargets, secs,
	    secs > 0 ? st->units / secs : 0.0, o->wl->unit,
	    secs > 0 ? st->requests / secs : 0.0,
	    loom_bench_pct(&st->unit_lat, 0.5),
	    loom_bench_pct(&st->unit_lat, 0.99),
	    loom_bench_pct(&st->unit_lat, 0.999),
	    (unsigned long long)st->errors);
	if (o->wl->w == LOOM_BENCH_TAKEFINISH)
		printf(", empty takes %llu", (unsigned long long)st->empty);
	if (d0->ok && d1->ok) {
		dc = d1->commits - d0->commits;
		printf(", commits +%.0f, tx retries +%.0f (%.3f%%), cert "
		       "failures +%.0f (%.3f%%)",
		    dc, d1->retries - d0->retries,
		    dc > 0 ? 100 * (d1->retries - d0->retries) / dc : 0.0,
		    d1->cert - d0->cert,
		    dc > 0 ? 100 * (d1->cert - d0->cert) / dc : 0.0);
	} else
		printf(", db counters unavailable");
	printf("\n");
	{
		double first, half, last, max;

		if (loom_bench_rss_figures(r, &first, &half, &last, &max) == 0)
			printf("loomd RSS: %.1f MB at the start, %.1f at half "
			       "time, %.1f at the end (max %.1f), second half "
			       "%+.1f MB, after %llu requests\n",
			    first, half, last, max, last - half,
			    (unsigned long long)st->requests);
	}
}

static void
loom_bench_utc(char *buf, size_t len)
{
	struct tm tm;
	time_t t = time(NULL);

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int
main(int argc, char **argv)
{
	struct loom_bench_opts o;
	struct loom_bench_run r;
	struct loom_bench_db d0, d1;
	struct json_object *j = NULL;
	struct sigaction sa;
	char err[LOOMD_ERR_LEN], started[32];
	double t0, secs, setup_secs = 0, settle_secs = 0;
	FILE *fp;
	int rc, status = 1;

	memset(&r, 0, sizeof r);
	if ((rc = loom_bench_parse_args(&o, argc, argv, err)) != 0) {
		if (rc == 1) {
			loom_bench_usage(stdout);
			return 0;
		}
		fprintf(stderr, "loom-bench: %s\n", err);
		loom_bench_usage(stderr);
		return 64;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = loom_bench_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "loom-bench: curl_global_init failed\n");
		return 1;
	}
	r.o = &o;
	r.rng = dprov_rng_seed(o.seed, 0);
	if (o.setup && loom_bench_setup_catalogue(&o, err) != 0) {
		fprintf(stderr, "loom-bench: setup: %s\n", err);
		goto out;
	}
	if (loom_bench_conns_init(&r, err) != 0) {
		fprintf(stderr, "loom-bench: %s\n", err);
		goto out;
	}
	if (o.reuse) {
		if (loom_bench_reuse_ids(&r, err) != 0) {
			fprintf(stderr, "loom-bench: %s\n", err);
			goto out;
		}
		fprintf(stderr, "loom-bench: reading %zu clusters of %s\n",
		    r.nids, o.user);
	}
	if (o.setup_count > 0) {
		t0 = loom_bench_now();
		r.phase = LOOM_BENCH_SETUP;
		r.setup_want = (uint64_t)o.setup_count;
		loom_bench_loop(&r);
		setup_secs = loom_bench_now() - t0;
		if (loom_bench_interrupted)
			goto out;
		if (r.setup_ok == 0 || r.setup_err > r.setup_want / 10) {
			fprintf(stderr,
			    "loom-bench: setup: %llu of %llu "
			    "clusters created\n",
			    (unsigned long long)r.setup_ok,
			    (unsigned long long)r.setup_want);
			goto out;
		}
		fprintf(stderr, "loom-bench: setup: %llu clusters in %.1f s\n",
		    (unsigned long long)r.setup_ok, setup_secs);
		if ((settle_secs = loom_bench_settle(&o)) < 0) {
			fprintf(stderr,
			    "loom-bench: the scheduler backlog did "
			    "not empty within %u s\n",
			    o.settle_s);
			goto out;
		}
		fprintf(stderr,
		    "loom-bench: scheduler backlog empty after "
		    "%.1f s\n",
		    settle_secs);
		loom_bench_sleep_ms(o.scrape_delay_ms);
	}
	r.shown_errors = 0;
	loom_bench_scrape(&o, &d0);
	loom_bench_utc(started, sizeof started);
	r.phase = LOOM_BENCH_RUN;
	r.t_start = loom_bench_now();
	r.t_measure = r.t_start + o.warmup;
	r.t_end = r.t_measure + o.duration;
	loom_bench_loop(&r);
	secs = r.t_stop - r.t_measure;
	if (secs <= 0) {
		fprintf(stderr,
		    "loom-bench: interrupted during the warm-up\n");
		goto out;
	}
	loom_bench_sleep_ms(o.scrape_delay_ms);
	loom_bench_scrape(&o, &d1);
	loom_bench_sort(&r.st.unit_lat);
	loom_bench_summary(&r, secs, &d0, &d1);
	fflush(stdout);
	j = loom_bench_results(&r, secs, &d0, &d1, setup_secs, settle_secs,
	    started);
	if (o.json_path != NULL) {
		if ((fp = fopen(o.json_path, "w")) == NULL) {
			fprintf(stderr, "loom-bench: %s: %s\n", o.json_path,
			    strerror(errno));
			goto out;
		}
		rc =
		    fprintf(fp, "%s\n",
			json_object_to_json_string_ext(j,
			    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
				JSON_C_TO_STRING_NOSLASHESCAPE)) < 0;
		if (fclose(fp) != 0 || rc != 0) {
			fprintf(stderr, "loom-bench: %s: write failed\n",
			    o.json_path);
			goto out;
		}
	}
	if (loom_bench_interrupted)
		status = 130;
	else if (r.st.units == 0) {
		fprintf(stderr,
		    "loom-bench: no %s completed in the measured "
		    "window\n",
		    o.wl->unit);
		status = 2;
	} else
		status = 0;
out:
	json_object_put(j);
	loom_bench_run_free(&r);
	curl_global_cleanup();
	return status;
}
