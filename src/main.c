/* SPDX-License-Identifier: Apache-2.0 */
/*
 * main.c - loomd startup and shutdown: parse arguments, load and validate
 * the configuration (exit 78 on any problem), connect, apply the schema,
 * register the ID partition, start the health probe and HTTP, then wait
 * for signals: SIGTERM/SIGINT stop gracefully, SIGHUP reloads.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "api_clusters.h"
#include "api_health.h"
#include "api_routes.h"
#include "auth.h"
#include "callback.h"
#include "codec.h"
#include "entity_store.h"
#include "cfg.h"
#include "common.h"
#include "db.h"
#include "handout.h"
#include "health.h"
#include "jobs_pool.h"
#include "memtrim.h"
#include "http.h"
#include "ids.h"
#include "schema.h"
#include "domain.h"
#include "scheduler.h"
#include "takewait.h"

#ifndef LOOMD_SYSCONFDIR
#define LOOMD_SYSCONFDIR "/usr/local/etc"
#endif

#define MAIN_STARTUP_WAIT_S 30 /* wait this long for the database */

static void LOOMD_NORETURN
main_usage(int code)
{
	fprintf(code == 0 ? stdout : stderr,
	    "usage: loomd [-t] [-c FILE] [--port N] [--port-file FILE]\n"
	    "  -c, --config FILE   configuration file (default " LOOMD_SYSCONFDIR
	    "/loomd.conf)\n"
	    "  -t, --test          validate the configuration and exit\n"
	    "      --port N        listen on port N (0 = any free port)\n"
	    "      --port-file F   write the bound port to F\n"
	    "  -V, --version       print the version and exit\n"
	    "      --dump-keys     print the configuration key table\n"
	    "      --add-user NAME [--admin]  create an API user, print its key\n"
	    "      --revoke-user NAME         delete an API user\n"
	    "  -h, --help          this text\n");
	exit(code);
}

/* Print the key table, one tab-separated row per key (for docs checks). */
static void
main_dump_keys(void)
{
	static const char *types[] = { "int", "bool", "string" };
	const struct cfg_key *k;

	for (k = cfg_keys; k->name != NULL; k++) {
		printf("%s\t%s\t%s\t", k->name, types[k->type], k->def);
		if (k->type == CFG_INT)
			printf("%lld..%lld", (long long)k->min,
			    (long long)k->max);
		printf("\t%s\t%s\n", k->reloadable ? "reload" : "restart",
		    k->help);
	}
}

/* Load the configuration; on problems print them all and exit 78. */
static void
main_load_cfg(struct cfg *c, const char *path)
{
	struct cfg_errors errs = { NULL, 0 };
	size_t i;

	if (cfg_load(c, path, &errs) != 0) {
		for (i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.lines[i]);
		fprintf(stderr, "loomd: %zu configuration error%s in %s\n",
		    errs.n, errs.n == 1 ? "" : "s", path);
		cfg_errors_free(&errs);
		cfg_free(c);
		exit(EX_CONFIG);
	}
	cfg_errors_free(&errs);
}

/* Connect for role, retrying for MAIN_STARTUP_WAIT_S; exit if never. */
static struct db_conn *
main_connect(enum db_role role)
{
	char err[LOOMD_ERR_LEN];
	time_t deadline = time(NULL) + MAIN_STARTUP_WAIT_S;
	struct db_conn *c;
	enum db_status st;

	for (;;) {
		if ((c = db_connect(role, &st, err)) != NULL)
			return c;
		if (st != DB_UNAVAILABLE || time(NULL) >= deadline) {
			log_error("startup: %s", err);
			exit(EX_UNAVAILABLE);
		}
		log_warn("startup: %s; retrying", err);
		sleep(1);
	}
}

/*
 * Create the database, apply migrations, register the ID partition.
 * Returns 0, or the exit code (everything it opened is closed).
 */
static int
main_prepare_db(const struct cfg *c, const char *me)
{
	char err[LOOMD_ERR_LEN];
	struct db_conn *conn;
	enum ids_result ir;
	int rc = 0;

	conn = main_connect(DB_ROLE_ADMIN);
	if (schema_create_database(conn, c->db_name, err) != 0) {
		log_error("startup: %s", err);
		db_close(conn);
		return EX_UNAVAILABLE;
	}
	db_close(conn);

	conn = main_connect(DB_ROLE_WORKER);
	switch (schema_apply(conn, me, err)) {
	case SCHEMA_OK:
		break;
	case SCHEMA_TOO_NEW:
	case SCHEMA_MISMATCH:
		log_error("startup: refusing to start: %s", err);
		rc = EX_CONFIG;
		goto out;
	default:
		log_error("startup: schema: %s", err);
		rc = EX_UNAVAILABLE;
		goto out;
	}
	ir = ids_register(conn, c, err);
	if (ir == IDS_REFUSED) {
		/* Like a configuration error: name the file and the key. */
		fprintf(stderr, "%s: ids: %s\n", c->path, err);
		rc = EX_CONFIG;
		goto out;
	}
	if (ir != IDS_OK) {
		log_error("startup: %s", err);
		rc = EX_UNAVAILABLE;
		goto out;
	}
	log_info("startup: datacenter %s, ID partition start_num %lld "
		 "increment_by %lld (residue %lld)",
	    c->datacenter, (long long)c->ids_start_num,
	    (long long)c->ids_increment_by, (long long)cfg_ids_residue(c));
out:
	db_close(conn);
	return rc;
}

struct main_user {
	const char *name;
	const char *hash;
	bool admin;
	bool found;
};

/* Store a user's key hash (db_tx_run body). */
static enum db_status
main_user_put_fn(struct db_conn *conn, void *arg)
{
	struct main_user *u = arg;

	return entity_store_user_put_tx(conn, u->name, u->hash, u->admin);
}

/* Delete a user (db_tx_run body). */
static enum db_status
main_user_delete_fn(struct db_conn *conn, void *arg)
{
	struct main_user *u = arg;

	return entity_store_user_delete_tx(conn, u->name, &u->found);
}

/*
 * --add-user NAME [--admin]: create or replace NAME with a new random API
 * key, printed once on stdout; --revoke-user NAME: delete it.
 */
static int
main_users(const struct cfg *c, const char *add, const char *revoke,
    bool admin)
{
	char err[LOOMD_ERR_LEN], key[65], hash[128];
	struct main_user u = { NULL, NULL, admin, false };
	struct db_conn *conn;
	enum db_status st;

	db_global_init(c);
	conn = main_connect(DB_ROLE_ADMIN);
	if (schema_create_database(conn, c->db_name, err) != 0)
		fatalx("%s", err);
	db_close(conn);
	conn = main_connect(DB_ROLE_WORKER);
	if (schema_apply(conn, "loomd-cli", err) != SCHEMA_OK)
		fatalx("schema: %s", err);
	if (add != NULL) {
		char nerr[LOOMD_ERR_LEN];

		if (strcmp(add, AUTH_SYSTEM_USER) == 0)
			snprintf(nerr, sizeof nerr,
			    "%s is loomd's internal "
			    "user and cannot be given a key; choose another "
			    "name",
			    AUTH_SYSTEM_USER);
		if (strcmp(add, AUTH_SYSTEM_USER) == 0 ||
		    codec_check_name(add, nerr) != 0) {
			fprintf(stderr, "loomd: --add-user: %s\n", nerr);
			db_close(conn);
			db_global_end();
			return EX_USAGE;
		}
		if (auth_secret_load(conn, err) != 0 ||
		    auth_new_key(add, key, hash, err) != 0)
			fatalx("%s", err);
		u.name = add;
		u.hash = hash;
		if ((st = db_tx_run(conn, main_user_put_fn, &u, err)) != DB_OK)
			fatalx("add user: %s", err);
		printf("%s\n", key);
		fprintf(stderr,
		    "loomd: user %s%s added; the key above is "
		    "shown only once\n",
		    add, admin ? " (admin)" : "");
	} else {
		u.name = revoke;
		if ((st = db_tx_run(conn, main_user_delete_fn, &u, err)) !=
		    DB_OK)
			fatalx("revoke user: %s", err);
		if (!u.found) {
			fprintf(stderr, "loomd: no user %s\n", revoke);
			db_close(conn);
			db_global_end();
			return 1;
		}
		fprintf(stderr,
		    "loomd: user %s revoked (cached keys expire "
		    "within a minute)\n",
		    revoke);
	}
	db_close(conn);
	db_global_end();
	return 0;
}

/* SIGHUP: reload; a bad file keeps the running configuration. */
static void
main_reload(struct cfg *c)
{
	struct cfg_errors errs = { NULL, 0 };
	enum log_level lvl;
	struct cfg nc;
	size_t i;
	int n;

	log_info("reload: reading %s", c->path);
	if (cfg_load(&nc, c->path, &errs) != 0) {
		for (i = 0; i < errs.n; i++)
			log_warn("reload: %s", errs.lines[i]);
		log_warn("reload: failed; keeping the running configuration");
		cfg_errors_free(&errs);
		cfg_free(&nc);
		return;
	}
	n = cfg_apply_reload(c, &nc);
	if (log_level_parse(c->log_level, &lvl) == 0)
		log_set_level(lvl);
	log_info("reload: done%s",
	    n > 0 ? "; some changes need a restart" : "");
	cfg_errors_free(&errs);
	cfg_free(&nc);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "test", no_argument, NULL, 't' },
		{ "port", required_argument, NULL, 'p' },
		{ "port-file", required_argument, NULL, 'P' },
		{ "version", no_argument, NULL, 'V' },
		{ "dump-keys", no_argument, NULL, 'K' },
		{ "add-user", required_argument, NULL, 'A' },
		{ "revoke-user", required_argument, NULL, 'R' },
		{ "admin", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = LOOMD_SYSCONFDIR "/loomd.conf";
	const char *port_file = NULL;
	char err[LOOMD_ERR_LEN], host[256], me[512];
	bool test_only = false, user_admin = false;
	const char *add_user = NULL, *revoke_user = NULL;
	enum log_level lvl;
	struct cfg c;
	sigset_t set;
	int ch, sig, rc, port = -1;
	char *end;

	while ((ch = getopt_long(argc, argv, "c:thV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 't':
			test_only = true;
			break;
		case 'p':
			errno = 0;
			port = (int)strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || port < 0 ||
			    port > 65535) {
				fprintf(stderr, "loomd: --port: bad port %s\n",
				    optarg);
				exit(EX_USAGE);
			}
			break;
		case 'P':
			port_file = optarg;
			break;
		case 'V':
			printf("loomd %s\n", PACKAGE_VERSION);
			exit(0);
		case 'K':
			main_dump_keys();
			exit(0);
		case 'A':
			add_user = optarg;
			break;
		case 'R':
			revoke_user = optarg;
			break;
		case 'a':
			user_admin = true;
			break;
		case 'h':
			main_usage(0);
		default:
			main_usage(EX_USAGE);
		}
	}
	if (optind != argc)
		main_usage(EX_USAGE);

	main_load_cfg(&c, path);
	if (test_only) {
		printf("%s: configuration OK\n", path);
		cfg_free(&c);
		return 0;
	}
	if (log_level_parse(c.log_level, &lvl) == 0)
		log_set_level(lvl);
	if (auth_init(&c, err) != 0)
		fatalx("%s", err);
	if (add_user != NULL || revoke_user != NULL) {
		rc = main_users(&c, add_user, revoke_user, user_admin);
		cfg_free(&c);
		return rc;
	}

	/* Signals are taken by sigwait() below, in this thread only. */
	signal(SIGPIPE, SIG_IGN);
#ifdef M_MMAP_THRESHOLD
	/*
	 * Buffers up to 32 MiB (glibc's largest threshold) come from the
	 * heaps, and a heap keeps up to 64 MiB of free pages at its top;
	 * memtrim.c gives free pages back once 64 MB are free in all.
	 * Mapping each buffer of 256 KiB or more anew, and trimming each
	 * heap's top at 128 KiB, made every take of a big cluster fault in
	 * and zero the pages of three copies of its nodes map (1.1 MB at
	 * 10,000 nodes).  Fixed values also keep glibc from raising the
	 * threshold after each large free.  docs/performance.md, "The
	 * heaps keep a take's buffers".
	 */
	mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
	mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
#endif
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "unknown");
	snprintf(me, sizeof me, "%s:%s:%ld", c.datacenter, host,
	    (long)getpid());
	log_info("loomd %s starting as %s", PACKAGE_VERSION, me);

	db_global_init(&c);
	if ((rc = main_prepare_db(&c, me)) != 0) {
		db_global_end();
		cfg_free(&c);
		return rc;
	}
	ids_init(&c);
	health_set_schema_ok(true);
	if (health_start(&c, me, err) != 0)
		fatalx("%s", err);
	api_health_init(&c);
	api_clusters_init(&c);
	domain_init(&c, me);
	if (jobs_pool_start(&c, err) != 0)
		fatalx("%s", err);
	if (scheduler_start(&c, err) != 0)
		fatalx("%s", err);
	if (takewait_start(&c, err) != 0)
		fatalx("%s", err);
	if (handout_start(&c, err) != 0)
		fatalx("%s", err);
	if (callback_start(&c, err) != 0)
		fatalx("%s", err);
	if (memtrim_start(MEMTRIM_PERIOD_MS, MEMTRIM_FREE_BYTES, err) != 0)
		fatalx("%s", err);
	if (http_start(&c, api_routes_all, api_routes_probe, port, port_file,
		err) != 0) {
		log_error("startup: %s", err);
		health_stop();
		exit(EX_UNAVAILABLE);
	}
	log_info("loomd ready");

	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			main_reload(&c);
			continue;
		}
		log_info("received %s; stopping",
		    sig == SIGTERM ? "SIGTERM" : "SIGINT");
		break;
	}
	takewait_drain(); /* waiting takes answer now */
	http_stop(10000);
	takewait_stop();
	handout_stop(); /* after the last answer */
	callback_stop();
	memtrim_stop();
	scheduler_stop();
	jobs_pool_stop(); /* after the scheduler: it queues their work */
	health_stop();
	ids_shutdown();
	db_global_end();
	log_info("loomd stopped");
	cfg_free(&c);
	return 0;
}
