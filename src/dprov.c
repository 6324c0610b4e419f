/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dprov.c - the pure parts of loom-dummy-provisioner: option parsing,
 * splitmix64 random numbers, capped equal-jitter backoff, the verdicts on
 * take/finish answers, task parsing, the fake cloud results (a 10.x.y.z
 * address derived from the node id, a provider instance id) and the
 * finish body and task-log line.  No I/O here.
 */
#include "config.h"

#include "dprov.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "dprov_scan.h"
#include "jsonx.h"

/* Kinds of option value. */
enum dprov_kind {
	DPROV_K_STR = 0,
	DPROV_K_UINT,
	DPROV_K_U64,
	DPROV_K_RATE,
	DPROV_K_FLAG,
};

/* One long option. */
struct dprov_optdef {
	const char *name;
	char short_name; /* 0: none */
	enum dprov_kind kind;
	unsigned long long min, max;
	size_t off; /* offset in struct dprov_opts */
};

#define DPROV_OFF(f) offsetof(struct dprov_opts, f)
#define DPROV_NOPTS (sizeof dprov_optdefs / sizeof dprov_optdefs[0])

static const struct dprov_optdef dprov_optdefs[] = {
	{ "uri", 0, DPROV_K_STR, 0, 0, DPROV_OFF(uri) },
	{ "workers", 0, DPROV_K_UINT, 1, DPROV_MAX_WORKERS,
	    DPROV_OFF(workers) },
	{ "worker-prefix", 0, DPROV_K_STR, 0, 0, DPROV_OFF(worker_prefix) },
	{ "delay-ms", 0, DPROV_K_UINT, 0, 86400000, DPROV_OFF(delay_ms) },
	{ "poll-ms", 0, DPROV_K_UINT, 1, 3600000, DPROV_OFF(poll_ms) },
	{ "timeout-ms", 0, DPROV_K_UINT, 100, 3600000, DPROV_OFF(timeout_ms) },
	{ "backoff-base-ms", 0, DPROV_K_UINT, 1, 3600000,
	    DPROV_OFF(backoff_base_ms) },
	{ "backoff-max-ms", 0, DPROV_K_UINT, 1, 3600000,
	    DPROV_OFF(backoff_max_ms) },
	{ "fail-rate", 0, DPROV_K_RATE, 0, 0, DPROV_OFF(fail_rate) },
	{ "log", 0, DPROV_K_STR, 0, 0, DPROV_OFF(log_path) },
	{ "token-file", 0, DPROV_K_STR, 0, 0, DPROV_OFF(token_file) },
	{ "max-tasks", 0, DPROV_K_U64, 0, UINT64_MAX, DPROV_OFF(max_tasks) },
	{ "idle-exit", 0, DPROV_K_UINT, 0, 31536000, DPROV_OFF(idle_exit_s) },
	{ "seed", 0, DPROV_K_U64, 0, UINT64_MAX, DPROV_OFF(seed) },
	{ "verbose", 'v', DPROV_K_FLAG, 0, 0, DPROV_OFF(verbose) },
};

static const char dprov_usage_text[] =
    "usage: loom-dummy-provisioner [options]\n"
    "  --uri URL             loomd or load-balancer base URL\n"
    "                        (default " DPROV_DEFAULT_URI ")\n"
    "  --workers N           worker threads (default 1)\n"
    "  --worker-prefix P     worker ids P.<n> (default <hostname>.<pid>.<n>)\n"
    "  --delay-ms D          simulated work per task (default 0)\n"
    "  --fail-rate P         fraction 0..1 of tasks reported failed "
    "(default 0)\n"
    "  --log FILE            append one line per finished task (- = stdout)\n"
    "  --token-file FILE     send the token in FILE as X-Loom-ProvisionerKey\n"
    "                        (loomd's tasks.token_file)\n"
    "  --max-tasks N         exit after N tasks (default 0 = no limit)\n"
    "  --idle-exit S         exit after S seconds without a task "
    "(default 0 = never)\n"
    "  --seed N              random seed (default: time and pid)\n"
    "  --poll-ms M           wait after an empty take (default 100)\n"
    "  --timeout-ms M        timeout of each request (default 10000)\n"
    "  --backoff-base-ms M   first retry delay (default 100)\n"
    "  --backoff-max-ms M    longest retry delay (default 5000)\n"
    "  -v, --verbose         log every request\n"
    "  -h, --help            this text\n"
    "  -V, --version         print the version\n";

void
dprov_opts_init(struct dprov_opts *o)
{
	memset(o, 0, sizeof *o);
	o->action = DPROV_RUN;
	o->uri = DPROV_DEFAULT_URI;
	o->workers = 1;
	o->poll_ms = 100;
	o->timeout_ms = 10000;
	o->backoff_base_ms = 100;
	o->backoff_max_ms = 5000;
}

const char *
dprov_usage(void)
{
	return dprov_usage_text;
}

int
dprov_parse_ull(const char *s, unsigned long long min, unsigned long long max,
    unsigned long long *out)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Store value into the option def describes; 0 or -1 with err. */
static int
dprov_opts_set(struct dprov_opts *o, const struct dprov_optdef *def,
    const char *value, char err[LOOMD_ERR_LEN])
{
	char *base = (char *)o + def->off;
	unsigned long long v;
	double d;
	char *end;

	switch (def->kind) {
	case DPROV_K_STR:
		if (*value == '\0') {
			snprintf(err, LOOMD_ERR_LEN, "--%s: empty value",
			    def->name);
			return -1;
		}
		memcpy(base, &value, sizeof value);
		return 0;
	case DPROV_K_UINT:
	case DPROV_K_U64:
		if (dprov_parse_ull(value, def->min, def->max, &v) != 0) {
			snprintf(err, LOOMD_ERR_LEN,
			    "--%s: '%s' is not a "
			    "whole number from %llu to %llu",
			    def->name, value, def->min, def->max);
			return -1;
		}
		if (def->kind == DPROV_K_UINT) {
			unsigned u = (unsigned)v;

			memcpy(base, &u, sizeof u);
		} else {
			uint64_t u = v;

			memcpy(base, &u, sizeof u);
		}
		return 0;
	case DPROV_K_RATE:
		errno = 0;
		d = strtod(value, &end);
		if (*value == '\0' || *end != '\0' || errno != 0 ||
		    !(d >= 0.0 && d <= 1.0)) {
			snprintf(err, LOOMD_ERR_LEN,
			    "--%s: '%s' is not a "
			    "number from 0 to 1",
			    def->name, value);
			return -1;
		}
		memcpy(base, &d, sizeof d);
		return 0;
	case DPROV_K_FLAG:
		break;
	}
	snprintf(err, LOOMD_ERR_LEN, "--%s: internal error", def->name);
	return -1;
}

int
dprov_opts_parse(struct dprov_opts *o, int argc, char *const argv[],
    char err[LOOMD_ERR_LEN])
{
	const struct dprov_optdef *def;
	const char *arg, *name, *value, *eq;
	size_t namelen, i;
	int one = 1, a;

	for (a = 1; a < argc; a++) {
		arg = argv[a];
		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			o->action = DPROV_HELP;
			return 0;
		}
		if (strcmp(arg, "-V") == 0 || strcmp(arg, "--version") == 0) {
			o->action = DPROV_VERSION;
			return 0;
		}
		def = NULL;
		value = NULL;
		if (arg[0] == '-' && arg[1] != '-' && arg[1] != '\0' &&
		    arg[2] == '\0') {
			for (i = 0; i < DPROV_NOPTS; i++) {
				if (dprov_optdefs[i].short_name == arg[1])
					def = &dprov_optdefs[i];
			}
		} else if (strncmp(arg, "--", 2) == 0 && arg[2] != '\0') {
			name = arg + 2;
			eq = strchr(name, '=');
			namelen =
			    eq != NULL ? (size_t)(eq - name) : strlen(name);
			for (i = 0; i < DPROV_NOPTS; i++) {
				if (strlen(dprov_optdefs[i].name) == namelen &&
				    strncmp(dprov_optdefs[i].name, name,
					namelen) == 0)
					def = &dprov_optdefs[i];
			}
			if (eq != NULL)
				value = eq + 1;
		}
		if (def == NULL) {
			snprintf(err, LOOMD_ERR_LEN, "unknown option '%s'",
			    arg);
			return -1;
		}
		if (def->kind == DPROV_K_FLAG) {
			if (value != NULL) {
				snprintf(err, LOOMD_ERR_LEN,
				    "--%s takes no value", def->name);
				return -1;
			}
			memcpy((char *)o + def->off, &one, sizeof one);
			continue;
		}
		if (value == NULL) {
			if (a + 1 >= argc) {
				snprintf(err, LOOMD_ERR_LEN,
				    "--%s needs a value", def->name);
				return -1;
			}
			value = argv[++a];
		}
		if (dprov_opts_set(o, def, value, err) != 0)
			return -1;
		if (def->off == DPROV_OFF(seed))
			o->seed_set = 1;
	}
	if (o->backoff_base_ms > o->backoff_max_ms) {
		snprintf(err, LOOMD_ERR_LEN,
		    "--backoff-base-ms (%u) is larger "
		    "than --backoff-max-ms (%u)",
		    o->backoff_base_ms, o->backoff_max_ms);
		return -1;
	}
	if (strncmp(o->uri, "http://", 7) != 0 &&
	    strncmp(o->uri, "https://", 8) != 0) {
		snprintf(err, LOOMD_ERR_LEN,
		    "--uri: '%s' is not an http:// "
		    "or https:// URL",
		    o->uri);
		return -1;
	}
	return 0;
}

uint64_t
dprov_rng_seed(uint64_t seed, unsigned worker)
{
	uint64_t s = seed ^ (0x9e3779b97f4a7c15ULL * ((uint64_t)worker + 1));

	/* One round so that nearby seeds give unrelated streams. */
	return dprov_rng_next(&s);
}

uint64_t
dprov_rng_next(uint64_t *state)
{
	uint64_t z;

	z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

int
dprov_rng_chance(uint64_t *state, double p)
{
	double u;

	u = (double)(dprov_rng_next(state) >> 11) * 0x1.0p-53; /* [0, 1) */
	if (p <= 0.0)
		return 0;
	if (p >= 1.0)
		return 1;
	return u < p;
}

unsigned
dprov_backoff_ms(unsigned attempt, unsigned base_ms, unsigned max_ms,
    uint64_t rnd)
{
	unsigned long long d = base_ms;
	unsigned i, half;

	for (i = 0; i < attempt && d < max_ms; i++)
		d *= 2;
	if (d > max_ms)
		d = max_ms;
	half = (unsigned)(d / 2);
	return half + (unsigned)(rnd % (d - half + 1));
}

enum dprov_take_verdict
dprov_take_verdict(long http_code)
{
	if (http_code == 200)
		return DPROV_TAKE_TASK;
	if (http_code == 204)
		return DPROV_TAKE_EMPTY;
	return DPROV_TAKE_RETRY;
}

enum dprov_finish_verdict
dprov_finish_verdict(long http_code)
{
	if (http_code >= 200 && http_code <= 299)
		return DPROV_FINISH_DONE;
	if (http_code == 417)
		return DPROV_FINISH_LOST;
	if (http_code == 400 || http_code == 413 || http_code == 422)
		return DPROV_FINISH_REJECTED;
	return DPROV_FINISH_RETRY;
}

char *
dprov_worker_id(const char *prefix, const char *hostname, long pid, unsigned n)
{
	if (prefix != NULL)
		return xasprintf("%s.%u", prefix, n);
	return xasprintf("%s.%ld.%u", hostname, pid, n);
}

char *
dprov_url(const char *base, const char *path)
{
	size_t len = strlen(base);

	while (len > 0 && base[len - 1] == '/')
		len--;
	return xasprintf("%.*s%s", (int)len, base, path);
}

/* Serialise o compactly into a fresh string; caller frees it. */
static char *
dprov_json_string(struct json_object *o)
{
	return xstrdup(xcheck(json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)));
}

char *
dprov_take_body(const char *worker_id)
{
	struct json_object *o;
	char *s;

	o = jsonx_new_object();
	jsonx_set(o, "workerId", jsonx_new_string(worker_id));
	s = dprov_json_string(o);
	json_object_put(o);
	return s;
}

/*
 * The config of a take's answer at the cursor: t->hostname from its
 * "hostname", and where its "nodes" object stands in the text, in
 * *nodes and *nodes_len (NULL if it has none).  A member given twice counts
 * as its last, as json-c reads it.
 */
static int
dprov_task_config(struct dprov_scan *s, struct dprov_task *t,
    const char **nodes, size_t *nodes_len)
{
	struct dprov_scan v;
	struct dprov_scan_key k;
	size_t i = 0;
	int r;

	free(t->hostname);
	t->hostname = NULL;
	*nodes = NULL;
	if ((r = dprov_scan_object(s)) <= 0)
		return r < 0 ? -1 : dprov_scan_skip(s);
	while ((r = dprov_scan_member(s, &i, &k)) == 1) {
		if (dprov_scan_key_is(&k, "hostname")) {
			r = dprov_scan_scalar(s, &t->hostname);
		} else if (dprov_scan_key_is(&k, "nodes")) {
			v = *s;
			*nodes = dprov_scan_object(&v) == 1 ? v.p - 1 : NULL;
			if ((r = dprov_scan_skip(s)) == 0 && *nodes != NULL)
				*nodes_len = (size_t)(s->p - *nodes);
		} else {
			r = dprov_scan_skip(s);
		}
		if (r != 0)
			return -1;
	}
	return r;
}

/*
 * t->hostname from the "hostname" of member t->node_id of the nodes map
 * (len bytes at nodes, validated already).
 */
static void
dprov_task_node_hostname(struct dprov_task *t, const char *nodes, size_t len)
{
	struct dprov_scan s, in;
	struct dprov_scan_key k;
	size_t i = 0, j;
	char *host = NULL;

	dprov_scan_init(&s, nodes, len);
	if (dprov_scan_object(&s) != 1)
		return;
	while (dprov_scan_member(&s, &i, &k) == 1) {
		if (!dprov_scan_key_is(&k, t->node_id)) {
			if (dprov_scan_skip(&s) != 0)
				break;
			continue;
		}
		/* The node given last counts. */
		free(host);
		host = NULL;
		in = s;
		j = 0;
		if (dprov_scan_object(&in) == 1)
			while (dprov_scan_member(&in, &j, &k) == 1 &&
			    (dprov_scan_key_is(&k, "hostname") ?
				    dprov_scan_scalar(&in, &host) :
				    dprov_scan_skip(&in)) == 0)
				;
		if (dprov_scan_skip(&s) != 0)
			break;
	}
	t->hostname = host;
}

/*
 * Read with a cursor rather than a json-c tree: a take's answer holds the
 * job's whole nodes map, and building and freeing its tree for each task
 * cost this provisioner more CPU than loomd spent on the take.
 */
int
dprov_task_parse(const char *body, size_t len, struct dprov_task **out,
    char err[LOOMD_ERR_LEN])
{
	struct dprov_scan s;
	struct dprov_scan_key k;
	struct dprov_task *t;
	const char *nodes = NULL;
	size_t i = 0, nodes_len = 0;
	char why[LOOMD_ERR_LEN], **field;
	int r;

	*out = NULL;
	t = xcalloc(1, sizeof *t);
	dprov_scan_init(&s, body, len);
	if ((r = dprov_scan_object(&s)) == 0) {
		if (dprov_scan_skip(&s) == 0 && dprov_scan_end(&s) == 0) {
			snprintf(err, LOOMD_ERR_LEN,
			    "task is not a JSON object");
			goto fail;
		}
		r = -1;
	}
	while (r == 1 && (r = dprov_scan_member(&s, &i, &k)) == 1) {
		field = dprov_scan_key_is(&k, "taskId") ? &t->task_id :
		    dprov_scan_key_is(&k, "jobId")	? &t->job_id :
		    dprov_scan_key_is(&k, "clusterId")	? &t->cluster_id :
		    dprov_scan_key_is(&k, "taskName")	? &t->task_name :
		    dprov_scan_key_is(&k, "nodeId")	? &t->node_id :
							  NULL;
		if (field != NULL)
			r = dprov_scan_scalar(&s, field) == 0 ? 1 : -1;
		else if (dprov_scan_key_is(&k, "config"))
			r = dprov_task_config(&s, t, &nodes, &nodes_len) == 0 ?
			    1 :
			    -1;
		else
			r = dprov_scan_skip(&s) == 0 ? 1 : -1;
	}
	if (r < 0 || dprov_scan_end(&s) != 0) {
		dprov_scan_error(&s, why);
		snprintf(err, LOOMD_ERR_LEN, "task is not JSON: %.400s", why);
		goto fail;
	}
	if (t->task_id == NULL) {
		snprintf(err, LOOMD_ERR_LEN, "task has no taskId");
		goto fail;
	}
	if (t->task_name == NULL)
		t->task_name = xstrdup("");
	if (t->hostname == NULL && t->node_id != NULL && nodes != NULL)
		dprov_task_node_hostname(t, nodes, nodes_len);
	*out = t;
	return 0;

fail:
	dprov_task_free(t);
	return -1;
}

void
dprov_task_free(struct dprov_task *t)
{
	if (t == NULL)
		return;
	free(t->task_id);
	free(t->job_id);
	free(t->cluster_id);
	free(t->task_name);
	free(t->node_id);
	free(t->hostname);
	free(t);
}

void
dprov_fake_ip(const char *node_id, char buf[DPROV_IP_LEN])
{
	uint32_t h = 2166136261u;
	const unsigned char *p;

	for (p = (const unsigned char *)node_id; *p != '\0'; p++) {
		h ^= *p;
		h *= 16777619u;
	}
	snprintf(buf, DPROV_IP_LEN, "10.%u.%u.%u", (h >> 24) & 0xff,
	    (h >> 16) & 0xff, 1 + (h & 0xffff) % 254);
}

struct json_object *
dprov_task_result(const struct dprov_task *t)
{
	struct json_object *r;
	char ip[DPROV_IP_LEN], *pid;

	r = jsonx_new_object();
	if (t->node_id == NULL)
		return r;
	if (strcmp(t->task_name, "CREATE") == 0) {
		dprov_fake_ip(t->node_id, ip);
		jsonx_set(r, "ipaddress", jsonx_new_string(ip));
		if (t->hostname != NULL)
			jsonx_set(r, "hostname",
			    jsonx_new_string(t->hostname));
		pid = xasprintf("dummy-%s", t->node_id);
		jsonx_set(r, "provider_id", jsonx_new_string(pid));
		free(pid);
	} else if (strcmp(t->task_name, "CONFIRM") == 0) {
		dprov_fake_ip(t->node_id, ip);
		jsonx_set(r, "ipaddress", jsonx_new_string(ip));
	}
	return r;
}

char *
dprov_finish_body(const char *worker_id, const struct dprov_task *t,
    int failed)
{
	struct json_object *o;
	const char *name = *t->task_name != '\0' ? t->task_name : "task";
	const char *node = t->node_id != NULL ? t->node_id : "-";
	char *out, *err, *s;

	out = xasprintf("dummy provisioner %s: %s %s on node %s\n", worker_id,
	    name, t->task_id, node);
	if (failed)
		err = xasprintf("dummy provisioner %s: simulated failure of "
				"%s %s on node %s\n",
		    worker_id, name, t->task_id, node);
	else
		err = xstrdup("");
	o = jsonx_new_object();
	jsonx_set(o, "workerId", jsonx_new_string(worker_id));
	jsonx_set(o, "taskId", jsonx_new_string(t->task_id));
	jsonx_set(o, "status", jsonx_new_int64(failed ? 1 : 0));
	jsonx_set(o, "stdout", jsonx_new_string(out));
	jsonx_set(o, "stderr", jsonx_new_string(err));
	jsonx_set(o, "result",
	    failed ? jsonx_new_object() : dprov_task_result(t));
	s = dprov_json_string(o);
	json_object_put(o);
	free(out);
	free(err);
	return s;
}

char *
dprov_log_line(const char *worker_id, const char *task_id, const char *outcome,
    long http_code, const char *task_name, unsigned tries)
{
	char code[32];

	if (http_code > 0)
		snprintf(code, sizeof code, "%ld", http_code);
	else
		snprintf(code, sizeof code, "-");
	if (task_name == NULL || *task_name == '\0')
		task_name = "-";
	return xasprintf("%s %s %s http=%s action=%s tries=%u\n", worker_id,
	    task_id, outcome, code, task_name, tries);
}

size_t
dprov_buf_append(struct dprov_buf *b, size_t max, const char *p, size_t n)
{
	if (n > max - b->len)
		return 0;
	if (b->len + n + 1 > b->cap) {
		while (b->len + n + 1 > b->cap)
			b->cap = b->cap != 0 ? b->cap * 2 : 4096;
		b->data = xrealloc(b->data, b->cap);
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}
