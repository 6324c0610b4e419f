/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_plan.c - the solver and planner benchmark: solves the Loom
 * "reactor" cluster template for N nodes (solver_solve, nodes as plain
 * data) and plans its CLUSTER_CREATE job (planner_plan_nodes), then
 * renders the plan JSON (planner_plan_json_string).  --json-nodes solves
 * with json-c Node objects too and plans from them (planner_plan), as
 * loomd did before the plain nodes.  Each run happens in a forked child so that
 * the peak RSS reported (wait4() ru_maxrss) belongs to that size alone.
 * The catalogue is built at run time from the loom-fixtures (see
 * bench_plan_catalogue()).  It prints figures; it is not a test and has
 * no pass/fail threshold (exit status 1 only when a run fails).
 *
 *	bench_plan [--fixtures DIR] [--runs R] [--no-json] [--verbose]
 *	    [--max-steps B] [--dump-plan] [--json-nodes] [--nodes N ...]
 */
#include "config.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "common.h"
#include "planner.h"
#include "solver.h"

#define BENCH_PLAN_MAX_SIZES 32
#define BENCH_PLAN_MAX_RUNS 15
#define BENCH_PLAN_CLUSTER_ID "00000001"
#define BENCH_PLAN_JOB_ID "00000001-001"
#define BENCH_PLAN_TASK_ID_LEN 40

/* What a child sends back to the parent through a pipe. */
struct bench_plan_result {
	int ok;
	size_t nodes;
	size_t tasks;
	size_t stages;
	size_t json_bytes;
	double load_ms;
	double solve_ms;
	double plan_ms;
	double json_ms;
	long rss_load_kb; /* ru_maxrss after each phase */
	long rss_solve_kb;
	long rss_plan_kb;
	long rss_json_kb;
	long peak_kb;	     /* set by the parent from wait4() */
	double cpu_ms;	     /* idem: user + system */
	double solve_cpu_ms; /* CPU time (user + system) of each phase */
	double plan_cpu_ms;
	double json_cpu_ms;
	double sys_ms[3]; /* system time of solve, plan, json */
	long minflt[3];	  /* minor page faults of solve, plan, json */
	char err[LOOMD_ERR_LEN];
};

/* Command-line settings. */
struct bench_plan_opts {
	const char *fixtures;
	long sizes[BENCH_PLAN_MAX_SIZES];
	size_t nsizes;
	int runs;
	int json;
	int dump;
	int verbose;
	int json_nodes;
	int64_t max_steps;
};

/* The catalogue the benchmark solves against, and the JSON it borrows. */
struct bench_plan_data {
	struct json_object *export_obj; /* owns what cat uses */
	struct solver_catalogue cat;
};

static void
bench_plan_usage(FILE *f)
{
	fprintf(f,
	    "usage: bench_plan [--fixtures DIR] [--runs R] [--no-json]"
	    " [--verbose]\n"
	    "                  [--max-steps B] [--dump-plan] [--json-nodes]\n"
	    "                  [--nodes N ...]\n"
	    "Solves and plans the reactor template for each N (default 100"
	    " 1000 10000),\n"
	    "R times each (default 3, median shown), each run in its own"
	    " process.\n"
	    "DIR defaults to $LOOMD_FIXTURES, then tests/data/loom-fixtures."
	    "\n");
}

/* The clock id (CLOCK_MONOTONIC: wall, CLOCK_PROCESS_CPUTIME_ID: CPU time
 * of this process) in ms. */
static double
bench_plan_clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* System time (ms) and minor page faults of this process so far. */
static void
bench_plan_sys(double *ms, long *minflt)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	*ms = (double)ru.ru_stime.tv_sec * 1e3 +
	    (double)ru.ru_stime.tv_usec / 1e3;
	*minflt = ru.ru_minflt;
}

static long
bench_plan_maxrss_kb(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return -1;
	return ru.ru_maxrss;
}

/* Reads DIR/file as JSON; NULL with err set on failure. */
static struct json_object *
bench_plan_load(const char *dir, const char *file, char *err)
{
	struct json_object *o;
	char *path;

	path = xasprintf("%s/%s", dir, file);
	o = json_object_from_file(path);
	if (o == NULL)
		snprintf(err, LOOMD_ERR_LEN, "%s: %s", path,
		    json_util_get_last_err());
	free(path);
	return o;
}

/* Borrowed member of o, or NULL. */
static struct json_object *
bench_plan_get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (o == NULL || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

/* Length of arr, 0 if it is not an array (json-c asserts on those). */
static size_t
bench_plan_len(struct json_object *arr)
{
	if (!json_object_is_type(arr, json_type_array))
		return 0;
	return json_object_array_length(arr);
}

/* Borrowed element of array arr whose "name" is name, or NULL. */
static struct json_object *
bench_plan_find(struct json_object *arr, const char *name)
{
	struct json_object *e;
	const char *n;
	size_t i;

	for (i = 0; i < bench_plan_len(arr); i++) {
		e = json_object_array_get_idx(arr, i);
		n = json_object_get_string(bench_plan_get(e, "name"));
		if (n != NULL && strcmp(n, name) == 0)
			return e;
	}
	return NULL;
}

/* A deep copy of o (json-c >= 0.13); failure is fatal. */
static struct json_object *
bench_plan_copy(struct json_object *o)
{
	struct json_object *c = NULL;

	if (json_object_deep_copy(o, &c, NULL) != 0)
		fatalx("json_object_deep_copy failed");
	return c;
}

/*
 * The definition of cluster service name (a new object, or NULL with err
 * set), from the fixtures:
 * - defaults/services/<name>.json (the seven hadoop, zookeeper and hbase
 *   services, with their real provisioner actions), where the dependency
 *   on "base" ("Base services, such as host management and firewall"),
 *   which the reactor template does not have, becomes "firewall" and
 *   "hosts";
 * - "hosts": the Loom 0.9 hosts service of entities-examples.json;
 * - "firewall": defaults/services/base.json renamed (configure action);
 * - anything else ("reactor"): its definition in SolverTest.
 *   testSolveReactor of solver-expected.json (no dependency, no action).
 */
static struct json_object *
bench_plan_service(const char *dir, const char *name,
    struct json_object *examples, struct json_object *expected, char *err)
{
	struct json_object *file = NULL, *svc = NULL, *deps, *nd, *e;
	const char *d;
	char *fn;
	size_t i;

	if (strcmp(name, "hosts") == 0) {
		e = bench_plan_find(bench_plan_get(bench_plan_get(examples,
						       "json_strings"),
					"services"),
		    name);
		if (e == NULL)
			goto missing;
		return bench_plan_copy(e);
	}
	if (strcmp(name, "firewall") == 0) {
		svc = bench_plan_load(dir, "defaults/services/base.json", err);
		if (svc == NULL)
			return NULL;
		json_object_object_add(svc, "name",
		    json_object_new_string("firewall"));
		return svc;
	}
	fn = xasprintf("%s/defaults/services/%s.json", dir, name);
	if (access(fn, R_OK) == 0)
		file = json_object_from_file(fn);
	free(fn);
	if (file != NULL) {
		deps = bench_plan_get(file, "dependson");
		nd = json_object_new_array();
		for (i = 0; i < bench_plan_len(deps); i++) {
			e = json_object_array_get_idx(deps, i);
			d = json_object_get_string(e);
			if (d != NULL && strcmp(d, "base") == 0) {
				json_object_array_add(nd,
				    json_object_new_string("firewall"));
				json_object_array_add(nd,
				    json_object_new_string("hosts"));
			} else
				json_object_array_add(nd, json_object_get(e));
		}
		json_object_object_add(file, "dependson", nd);
		return file;
	}
	for (i = 0; i < bench_plan_len(bench_plan_get(expected, "cases"));
	     i++) {
		e = json_object_array_get_idx(bench_plan_get(expected,
						  "cases"),
		    i);
		d = json_object_get_string(bench_plan_get(e, "test"));
		if (d == NULL || strcmp(d, "SolverTest.testSolveReactor") != 0)
			continue;
		e = bench_plan_find(bench_plan_get(e, "service_definitions"),
		    name);
		if (e != NULL)
			return bench_plan_copy(e);
	}
missing:
	snprintf(err, LOOMD_ERR_LEN, "no definition of service %s in %s", name,
	    dir);
	return NULL;
}

/*
 * Build the catalogue: provider, hardware and image types of
 * solver-catalogue.json (joyent; small, medium, large-mem, large-cpu;
 * centos6, ubuntu12), its "reactor" template with defaults.provider
 * "joyent" instead of "rackspace" (as fuzz/corpus/solver/reactor.json),
 * and a definition of each of the template's ten default services
 * (bench_plan_service()).
 */
static int
bench_plan_catalogue(const char *dir, struct bench_plan_data *d, char *err)
{
	struct json_object *cat = NULL, *examples = NULL;
	struct json_object *expected = NULL, *tmpl, *svcs, *names, *s;
	struct json_object *templates, *defaults;
	const char *name;
	size_t i;
	int rc = -1;

	memset(d, 0, sizeof *d);
	if ((cat = bench_plan_load(dir, "solver-catalogue.json", err)) == NULL)
		goto fail;
	if ((examples = bench_plan_load(dir, "entities-examples.json", err)) ==
	    NULL)
		goto fail;
	if ((expected = bench_plan_load(dir, "solver-expected.json", err)) ==
	    NULL)
		goto fail;
	tmpl = bench_plan_find(bench_plan_get(cat, "clustertemplates"),
	    "reactor");
	defaults = bench_plan_get(tmpl, "defaults");
	if (!json_object_is_type(defaults, json_type_object)) {
		snprintf(err, LOOMD_ERR_LEN,
		    "no reactor template with "
		    "defaults in %s/solver-catalogue.json",
		    dir);
		goto fail;
	}
	tmpl = bench_plan_copy(tmpl);
	d->export_obj = json_object_new_object();
	templates = json_object_new_array();
	json_object_array_add(templates, tmpl);
	json_object_object_add(d->export_obj, "clustertemplates", templates);
	defaults = bench_plan_get(tmpl, "defaults");
	json_object_object_add(defaults, "provider",
	    json_object_new_string("joyent"));
	json_object_object_add(d->export_obj, "providers",
	    json_object_get(bench_plan_get(cat, "providers")));
	json_object_object_add(d->export_obj, "hardwaretypes",
	    json_object_get(bench_plan_get(cat, "hardwaretypes")));
	json_object_object_add(d->export_obj, "imagetypes",
	    json_object_get(bench_plan_get(cat, "imagetypes")));
	svcs = json_object_new_array();
	json_object_object_add(d->export_obj, "services", svcs);
	names = bench_plan_get(defaults, "services");
	for (i = 0; i < bench_plan_len(names); i++) {
		name = json_object_get_string(
		    json_object_array_get_idx(names, i));
		if (name == NULL)
			continue;
		s = bench_plan_service(dir, name, examples, expected, err);
		if (s == NULL)
			goto fail;
		json_object_array_add(svcs, s);
	}
	solver_catalogue_from_export(&d->cat, d->export_obj);
	rc = 0;
fail:
	if (rc != 0) {
		json_object_put(d->export_obj);
		d->export_obj = NULL;
	}
	json_object_put(cat);
	json_object_put(examples);
	json_object_put(expected);
	return rc;
}

/* Node ids shaped like Loom's UUIDs, numbered from 1. */
static int
bench_plan_node_id(void *arg, char id[SOLVER_NODE_ID_LEN])
{
	unsigned long *n = arg;

	snprintf(id, SOLVER_NODE_ID_LEN, "00000000-0000-4000-8000-%012lu",
	    ++*n);
	return 0;
}

/* One run, in the child: fills r. */
/* The clocks and counters at the start of a phase. */
struct bench_plan_mark {
	double sys_ms, cpu_ms, wall_ms;
	long minflt;
};

/* Mark the start of a phase. */
static void
bench_plan_start(struct bench_plan_mark *m)
{
	bench_plan_sys(&m->sys_ms, &m->minflt);
	m->cpu_ms = bench_plan_clock_ms(CLOCK_PROCESS_CPUTIME_ID);
	m->wall_ms = bench_plan_clock_ms(CLOCK_MONOTONIC);
}

/*
 * End phase i begun at m: its wall and CPU time into *wall_ms and
 * *cpu_ms, its system time and minor faults into r.
 */
static void
bench_plan_end(struct bench_plan_result *r, int i,
    const struct bench_plan_mark *m, double *wall_ms, double *cpu_ms)
{
	double s1;
	long f1;

	*wall_ms = bench_plan_clock_ms(CLOCK_MONOTONIC) - m->wall_ms;
	*cpu_ms = bench_plan_clock_ms(CLOCK_PROCESS_CPUTIME_ID) - m->cpu_ms;
	bench_plan_sys(&s1, &f1);
	r->sys_ms[i] = s1 - m->sys_ms;
	r->minflt[i] = f1 - m->minflt;
}

static void
bench_plan_run(const struct bench_plan_opts *o, long nnodes,
    struct bench_plan_result *r)
{
	struct bench_plan_data d;
	struct solver_request req;
	struct solver_options sopts;
	struct solver_result *res = NULL;
	struct planner_plan *plan = NULL;
	struct planner_node *pn = NULL;
	const char **ids = NULL;
	char *idbuf = NULL, *json = NULL;
	unsigned long counter = 0;
	struct bench_plan_mark m;
	double t0;
	size_t i, n;

	memset(r, 0, sizeof *r);
	t0 = bench_plan_clock_ms(CLOCK_MONOTONIC);
	if (bench_plan_catalogue(o->fixtures, &d, r->err) != 0)
		return;
	r->load_ms = bench_plan_clock_ms(CLOCK_MONOTONIC) - t0;
	r->rss_load_kb = bench_plan_maxrss_kb();

	memset(&req, 0, sizeof req);
	req.cluster_id = BENCH_PLAN_CLUSTER_ID;
	req.name = "bench";
	req.template_name = "reactor";
	req.num_machines = nnodes;
	req.lease_duration = -1;
	req.create_time = 1400000000000LL;
	solver_options_init(&sopts);
	sopts.max_steps = o->max_steps;
	sopts.node_id = bench_plan_node_id;
	sopts.node_id_arg = &counter;
	sopts.plain_nodes = !o->json_nodes;

	bench_plan_start(&m);
	if (solver_solve(&d.cat, &req, &sopts, &res, r->err) != 0)
		goto done;
	bench_plan_end(r, 0, &m, &r->solve_ms, &r->solve_cpu_ms);
	r->rss_solve_kb = bench_plan_maxrss_kb();
	if (res == NULL) {
		snprintf(r->err, sizeof r->err, "no layout for %ld nodes",
		    nnodes);
		goto done;
	}
	r->nodes = res->num_nodes;

	bench_plan_start(&m);
	if (o->json_nodes) {
		if (planner_plan(PLANNER_CLUSTER_CREATE, res->nodes, &plan,
			r->err) != 0)
			goto done;
	} else {
		pn = xcalloc(res->num_nodes + 1, sizeof *pn);
		for (i = 0; i < res->num_nodes; i++) {
			pn[i].id = res->node[i].id;
			pn[i].services =
			    res->layouts[res->node[i].layout].services;
		}
		if (planner_plan_nodes(PLANNER_CLUSTER_CREATE, pn,
			res->num_nodes, &plan, r->err) != 0)
			goto done;
	}
	bench_plan_end(r, 1, &m, &r->plan_ms, &r->plan_cpu_ms);
	r->rss_plan_kb = bench_plan_maxrss_kb();
	r->tasks = plan->ntasks;
	r->stages = plan->nstages;
	for (i = n = 0; i < plan->nstages; i++)
		n += plan->stages[i].ntasks;
	if (n != plan->ntasks) {
		snprintf(r->err, sizeof r->err,
		    "stages hold %zu tasks, plan "
		    "%zu",
		    n, plan->ntasks);
		goto done;
	}

	if (o->json) {
		/*
		 * task ids as the scheduler would allocate them (untimed),
		 * packed end to end: only the pages written count in RSS
		 */
		ids = xcalloc(plan->ntasks, sizeof *ids);
		idbuf =
		    xreallocarray(NULL, plan->ntasks, BENCH_PLAN_TASK_ID_LEN);
		for (i = n = 0; i < plan->ntasks; i++) {
			ids[i] = idbuf + n;
			n +=
			    (size_t)snprintf(idbuf + n, BENCH_PLAN_TASK_ID_LEN,
				"%s-%06zu", BENCH_PLAN_JOB_ID, i + 1) +
			    1;
		}
		bench_plan_start(&m);
		json = planner_plan_json_string(plan, BENCH_PLAN_JOB_ID,
		    BENCH_PLAN_CLUSTER_ID, PLANNER_CLUSTER_CREATE, 0, ids);
		bench_plan_end(r, 2, &m, &r->json_ms, &r->json_cpu_ms);
		r->json_bytes = strlen(json);
		r->rss_json_kb = bench_plan_maxrss_kb();
		if (o->dump)
			printf("%s\n", json);
	}
	r->ok = 1;
done:
	free(json);
	free(pn);
	free(ids);
	free(idbuf);
	planner_plan_free(plan);
	solver_result_free(res);
	json_object_put(d.export_obj);
}

/* Fork a child for one run and collect its result and peak RSS. */
static int
bench_plan_fork(const struct bench_plan_opts *o, long nnodes,
    struct bench_plan_result *r)
{
	struct rusage ru;
	pid_t pid;
	ssize_t got;
	size_t off = 0;
	int fd[2], status;

	memset(r, 0, sizeof *r);
	if (pipe(fd) != 0) {
		snprintf(r->err, sizeof r->err, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(stdout);
	if ((pid = fork()) == -1) {
		snprintf(r->err, sizeof r->err, "fork: %s", strerror(errno));
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	if (pid == 0) {
		close(fd[0]);
		bench_plan_run(o, nnodes, r);
		fflush(stdout);
		while (off < sizeof *r) {
			got = write(fd[1], (char *)r + off, sizeof *r - off);
			if (got <= 0)
				_exit(2);
			off += (size_t)got;
		}
		_exit(0);
	}
	close(fd[1]);
	while (off < sizeof *r) {
		got = read(fd[0], (char *)r + off, sizeof *r - off);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		off += (size_t)got;
	}
	close(fd[0]);
	while (wait4(pid, &status, 0, &ru) == -1) {
		if (errno != EINTR) {
			snprintf(r->err, sizeof r->err, "wait4: %s",
			    strerror(errno));
			return -1;
		}
	}
	if (off != sizeof *r || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		r->ok = 0;
		snprintf(r->err, sizeof r->err, "child died (status %d)",
		    status);
		return -1;
	}
	r->peak_kb = ru.ru_maxrss;
	r->cpu_ms = (double)ru.ru_utime.tv_sec * 1e3 +
	    (double)ru.ru_utime.tv_usec / 1e3 +
	    (double)ru.ru_stime.tv_sec * 1e3 +
	    (double)ru.ru_stime.tv_usec / 1e3;
	return r->ok ? 0 : -1;
}

/* One run in detail (--verbose). */
static void
bench_plan_verbose(int run, const struct bench_plan_result *r)
{
	printf("  run %d: solve %.1f, plan %.1f, json %.1f ms; cpu %.1f ms;"
	       " load %.1f ms\n",
	    run, r->solve_ms, r->plan_ms, r->json_ms, r->cpu_ms, r->load_ms);
	printf("    maxrss after load %.1f, solve %.1f, plan %.1f, json %.1f"
	       " MB; json %zu B\n",
	    r->rss_load_kb / 1024.0, r->rss_solve_kb / 1024.0,
	    r->rss_plan_kb / 1024.0, r->rss_json_kb / 1024.0, r->json_bytes);
	printf("    cpu of solve %.1f, plan %.1f, json %.1f ms\n",
	    r->solve_cpu_ms, r->plan_cpu_ms, r->json_cpu_ms);
	printf("    system time of solve %.1f, plan %.1f, json %.1f ms; "
	       "minor faults %ld, %ld, %ld\n",
	    r->sys_ms[0], r->sys_ms[1], r->sys_ms[2], r->minflt[0],
	    r->minflt[1], r->minflt[2]);
}

static int
bench_plan_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median of n values (the mean of the middle two when n is even). */
static double
bench_plan_median(double *v, size_t n)
{
	qsort(v, n, sizeof *v, bench_plan_cmp_double);
	if (n % 2 == 1)
		return v[n / 2];
	return (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* nproc (the CPUs this process may run on), as nproc(1) counts them. */
static int
bench_plan_nproc(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof set, &set) == 0)
		return CPU_COUNT(&set);
	return (int)sysconf(_SC_NPROCESSORS_ONLN);
}

/* First value of "key : value" in a /proc file, or "?". */
static void
bench_plan_proc_value(const char *file, const char *key, char *out, size_t len)
{
	FILE *f;
	char line[512], *p;
	size_t klen = strlen(key);

	snprintf(out, len, "?");
	if ((f = fopen(file, "r")) == NULL)
		return;
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, key, klen) != 0)
			continue;
		if ((p = strchr(line, ':')) == NULL)
			continue;
		p++;
		p += strspn(p, " \t");
		p[strcspn(p, "\n")] = '\0';
		snprintf(out, len, "%s", p);
		break;
	}
	fclose(f);
}

static void
bench_plan_machine(const struct bench_plan_opts *o)
{
	struct utsname u;
	char model[256], mem[64], load[128];
	FILE *f;

	bench_plan_proc_value("/proc/cpuinfo", "model name", model,
	    sizeof model);
	bench_plan_proc_value("/proc/meminfo", "MemTotal", mem, sizeof mem);
	if (uname(&u) != 0)
		snprintf(u.release, sizeof u.release, "?");
	printf("machine: nproc %d, CPU %s, memory %s, Linux %s\n",
	    bench_plan_nproc(), model, mem, u.release);
	snprintf(load, sizeof load, "?");
	if ((f = fopen("/proc/loadavg", "r")) != NULL) {
		if (fgets(load, sizeof load, f) == NULL)
			snprintf(load, sizeof load, "?");
		load[strcspn(load, "\n")] = '\0';
		fclose(f);
	}
	printf("load average at start: %s\n", load);
	printf("build: %s, json-c %s%s\n",
#ifdef __VERSION__
	    "cc " __VERSION__,
#else
	    "cc ?",
#endif
	    json_c_version(),
#ifdef __OPTIMIZE__
	    ", optimised"
#else
	    ", NOT optimised (-O0)"
#endif
	);
	printf("fixtures: %s\n", o->fixtures);
	printf("work: solve the reactor template for N nodes (solver_solve),"
	       " plan CLUSTER_CREATE\n(planner_plan), render the plan JSON"
	       " (planner_plan_json_string).\n");
	if (o->runs == 1)
		printf("1 run per size, in a process of its own.\n");
	else
		printf("%d runs per size, each in a process of its own; each"
		       " figure is the median.\n",
		    o->runs);
	printf("total ms = solve + plan + json; cpu ms = user + system time"
	       " of the whole\nprocess (fixture loading and freeing included):"
	       " compare them on a busy machine.\n\n");
}

static int
bench_plan_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int
bench_plan_args(int argc, char **argv, struct bench_plan_opts *o)
{
	const char *env;
	long v;
	int i;

	memset(o, 0, sizeof *o);
	o->runs = 3;
	o->json = 1;
	env = getenv("LOOMD_FIXTURES");
	o->fixtures =
	    env != NULL && *env != '\0' ? env : "tests/data/loom-fixtures";
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--fixtures") == 0 && i + 1 < argc)
			o->fixtures = argv[++i];
		else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
			if (bench_plan_parse_long(argv[++i], 1,
				BENCH_PLAN_MAX_RUNS, &v) != 0)
				goto bad;
			o->runs = (int)v;
		} else if (strcmp(argv[i], "--max-steps") == 0 &&
		    i + 1 < argc) {
			if (bench_plan_parse_long(argv[++i], 1, LONG_MAX,
				&v) != 0)
				goto bad;
			o->max_steps = v;
		} else if (strcmp(argv[i], "--no-json") == 0)
			o->json = 0;
		else if (strcmp(argv[i], "--dump-plan") == 0)
			o->dump = 1;
		else if (strcmp(argv[i], "--json-nodes") == 0)
			o->json_nodes = 1;
		else if (strcmp(argv[i], "--verbose") == 0 ||
		    strcmp(argv[i], "-v") == 0)
			o->verbose = 1;
		else if (strcmp(argv[i], "--nodes") == 0 && i + 1 < argc) {
			/* --nodes N [N ...], repeatable */
			while (i + 1 < argc && argv[i + 1][0] != '-') {
				if (o->nsizes == BENCH_PLAN_MAX_SIZES ||
				    bench_plan_parse_long(argv[++i], 1,
					1000000000L, &v) != 0)
					goto bad;
				o->sizes[o->nsizes++] = v;
			}
		} else if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			bench_plan_usage(stdout);
			exit(0);
		} else
			goto bad;
	}
	if (o->nsizes == 0) {
		o->sizes[o->nsizes++] = 100;
		o->sizes[o->nsizes++] = 1000;
		o->sizes[o->nsizes++] = 10000;
	}
	return 0;
bad:
	fprintf(stderr, "bench_plan: bad argument near \"%s\"\n",
	    i < argc ? argv[i] : argv[argc - 1]);
	bench_plan_usage(stderr);
	return -1;
}

int
main(int argc, char **argv)
{
	struct bench_plan_opts o;
	struct bench_plan_result r[BENCH_PLAN_MAX_RUNS];
	double col[6][BENCH_PLAN_MAX_RUNS];
	double med[6];
	char *path;
	size_t s;
	int k, c, failed = 0;

	if (bench_plan_args(argc, argv, &o) != 0)
		return 1;
	path = xasprintf("%s/solver-catalogue.json", o.fixtures);
	if (access(path, R_OK) != 0) {
		fprintf(stderr,
		    "bench_plan: %s: %s (use --fixtures DIR or "
		    "LOOMD_FIXTURES)\n",
		    path, strerror(errno));
		free(path);
		return 1;
	}
	free(path);
	bench_plan_machine(&o);
	printf("%7s %7s %6s %8s %8s %8s %8s %11s %8s\n", "nodes", "tasks",
	    "stages", "solve ms", "plan ms", "json ms", "total ms",
	    "peak RSS MB", "cpu ms");
	for (s = 0; s < o.nsizes; s++) {
		for (k = 0; k < o.runs; k++) {
			if (bench_plan_fork(&o, o.sizes[s], &r[k]) != 0) {
				fprintf(stderr, "bench_plan: %ld nodes: %s\n",
				    o.sizes[s], r[k].err);
				failed = 1;
				break;
			}
			col[0][k] = r[k].solve_ms;
			col[1][k] = r[k].plan_ms;
			col[2][k] = r[k].json_ms;
			col[3][k] =
			    r[k].solve_ms + r[k].plan_ms + r[k].json_ms;
			col[4][k] = (double)r[k].peak_kb / 1024;
			col[5][k] = r[k].cpu_ms;
			if (r[k].tasks != r[0].tasks ||
			    r[k].stages != r[0].stages)
				fprintf(stderr,
				    "bench_plan: %ld nodes: runs "
				    "disagree on the plan\n",
				    o.sizes[s]);
			if (o.verbose)
				bench_plan_verbose(k + 1, &r[k]);
		}
		if (k < o.runs)
			continue;
		for (c = 0; c < 6; c++)
			med[c] = bench_plan_median(col[c], (size_t)o.runs);
		printf("%7zu %7zu %6zu %8.1f %8.1f ", r[0].nodes, r[0].tasks,
		    r[0].stages, med[0], med[1]);
		if (o.json)
			printf("%8.1f", med[2]);
		else
			printf("%8s", "-");
		printf(" %8.1f %11.1f %8.1f\n", med[3], med[4], med[5]);
		fflush(stdout);
	}
	return failed;
}
