/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cfg.c - the configuration key table and its loader.  libconfig parses the
 * file; the table below gives every key its type, bounds, default and
 * reload behaviour.  Every problem is reported as "file:line: key: message"
 * and none is clamped silently; cross-key rules run after the per-key
 * checks, one message per rule.
 */
#include "config.h"

#include "cfg.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libconfig.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "callback.h"

#define CFG_OFF(f) offsetof(struct cfg, f)
#define CFG_INT_MAX53 9007199254740991LL

const struct cfg_key cfg_keys[] = {
	{ "server.host", CFG_STRING, CFG_OFF(server_host), 0, 0, "127.0.0.1",
	    false, false, "address the HTTP API listens on" },
	{ "server.port", CFG_INT, CFG_OFF(server_port), 0, 65535, "55054",
	    false, false, "HTTP port (0 = any free port)" },
	{ "server.health_port", CFG_INT, CFG_OFF(server_health_port), 0, 65535,
	    "0", false, false,
	    "second port serving only /status, "
	    "/healthz and /readyz, with a thread of its own (0 = none)" },
	{ "server.threads", CFG_INT, CFG_OFF(server_threads), 1, 512, "8",
	    false, false,
	    "HTTP worker threads, each with its own database "
	    "connection" },
	{ "server.max_body_bytes", CFG_INT, CFG_OFF(server_max_body_bytes),
	    1024, 1073741824, "1048576", false, false,
	    "largest request body accepted; larger gets 413" },
	{ "server.connection_timeout_s", CFG_INT,
	    CFG_OFF(server_connection_timeout_s), 1, 3600, "30", false, false,
	    "idle HTTP connections are closed after this many seconds" },
	{ "server.header_timeout_ms", CFG_INT,
	    CFG_OFF(server_header_timeout_ms), 100, 600000, "10000", false,
	    false,
	    "a connection that has not sent complete request headers "
	    "this long after it opened (plus server.connection_timeout_s "
	    "after its previous answer) is closed, however slowly it "
	    "trickles" },
	{ "server.max_connections", CFG_INT, CFG_OFF(server_max_connections),
	    16, 65536, "1000", false, false,
	    "open connections the API "
	    "listener accepts; more are closed at once" },
	{ "server.max_connections_per_ip", CFG_INT,
	    CFG_OFF(server_max_connections_per_ip), 0, 65536, "256", false,
	    false,
	    "open connections one client address may hold on each "
	    "listener (0 = no per-address limit)" },
	{ "server.tasks_host", CFG_STRING, CFG_OFF(server_tasks_host), 0, 0,
	    "127.0.0.1", false, false,
	    "address of the provisioner listener "
	    "(bind it to an internal network)" },
	{ "server.tasks_port", CFG_INT, CFG_OFF(server_tasks_port), 0, 65535,
	    "0", false, false,
	    "port serving only /v1/loom/tasks/*; when set, "
	    "the API listener answers those routes with 404 (0 = the task "
	    "routes stay on server.port)" },
	{ "datacenter", CFG_STRING, CFG_OFF(datacenter), 0, 0, "dc1", false,
	    false, "name of this datacenter in the ID partition registry" },
	{ "ids.start_num", CFG_INT, CFG_OFF(ids_start_num), 0, CFG_INT_MAX53,
	    "1", false, false, "first ID of this datacenter's partition" },
	{ "ids.increment_by", CFG_INT, CFG_OFF(ids_increment_by), 1, 1000000,
	    "1", false, false, "ID step, the same in every datacenter" },
	{ "ids.block_size", CFG_INT, CFG_OFF(ids_block_size), 1, 1000000,
	    "100", false, false, "IDs reserved per counter transaction" },
	{ "db.host", CFG_STRING, CFG_OFF(db_host), 0, 0, "127.0.0.1", false,
	    false,
	    "local Galera/MariaDB node (ignored when db.socket is set)" },
	{ "db.port", CFG_INT, CFG_OFF(db_port), 1, 65535, "3306", false, false,
	    "TCP port of the database" },
	{ "db.socket", CFG_STRING, CFG_OFF(db_socket), 0, 0, "", false, false,
	    "unix socket of the database; empty = use TCP" },
	{ "db.user", CFG_STRING, CFG_OFF(db_user), 0, 0, "loomd", false, false,
	    "database user" },
	{ "db.password", CFG_STRING, CFG_OFF(db_password), 0, 0, "", false,
	    true, "database password (prefer db.password_file)" },
	{ "db.password_file", CFG_STRING, CFG_OFF(db_password_file), 0, 0, "",
	    false, false,
	    "file holding the database password; must not be "
	    "readable by group or others" },
	{ "db.name", CFG_STRING, CFG_OFF(db_name), 0, 0, "loomd", false, false,
	    "database (schema) name" },
	{ "db.connect_timeout_ms", CFG_INT, CFG_OFF(db_connect_timeout_ms),
	    100, 600000, "2000", false, false,
	    "database connect timeout (rounded up to whole seconds)" },
	{ "db.read_timeout_ms", CFG_INT, CFG_OFF(db_read_timeout_ms), 100,
	    3600000, "5000", false, false,
	    "database read timeout (rounded up to whole seconds)" },
	{ "db.write_timeout_ms", CFG_INT, CFG_OFF(db_write_timeout_ms), 100,
	    3600000, "5000", false, false,
	    "database write timeout (rounded up to whole seconds)" },
	{ "db.sync_wait", CFG_BOOL, CFG_OFF(db_sync_wait), 0, 0, "true", false,
	    false, "wsrep_sync_wait=1 on API connections (causal reads)" },
	{ "db.tx_max_retries", CFG_INT, CFG_OFF(db_tx_max_retries), 0, 1000,
	    "10", false, false,
	    "re-runs of a transaction on deadlock or "
	    "certification failure" },
	{ "db.tx_backoff_base_ms", CFG_INT, CFG_OFF(db_tx_backoff_base_ms), 1,
	    10000, "2", false, false,
	    "first retry backoff; doubles per retry" },
	{ "db.tx_backoff_max_ms", CFG_INT, CFG_OFF(db_tx_backoff_max_ms), 1,
	    60000, "200", false, false, "cap of the retry backoff" },
	{ "ha.heartbeat_ms", CFG_INT, CFG_OFF(ha_heartbeat_ms), 100, 60000,
	    "1000", false, false, "heartbeat interval of this server" },
	{ "ha.dc_dead_after", CFG_INT, CFG_OFF(ha_dc_dead_after), 2, 3600,
	    "15", false, false,
	    "seconds without heartbeat before a datacenter "
	    "is dead and its work is adopted" },
	{ "ha.job_lease_ms", CFG_INT, CFG_OFF(ha_job_lease_ms), 500, 600000,
	    "10000", false, false,
	    "lease on a job while a scheduler advances "
	    "it" },
	{ "ha.available_when_donor", CFG_BOOL,
	    CFG_OFF(ha_available_when_donor), 0, 0, "false", false, false,
	    "report ready while the local node is an SST donor" },
	{ "ha.drain_file", CFG_STRING, CFG_OFF(ha_drain_file), 0, 0, "", false,
	    false, "if this file exists, /readyz answers 503 (draining)" },
	{ "ha.rejoin_holddown_ms", CFG_INT, CFG_OFF(ha_rejoin_holddown_ms), 0,
	    600000, "10000", false, false,
	    "after the database was unusable, "
	    "how long it must look usable again before this server is ready "
	    "and takes writes" },
	{ "ha.health_interval_ms", CFG_INT, CFG_OFF(ha_health_interval_ms),
	    100, 10000, "500", false, false,
	    "how often the Galera state is probed for /readyz" },
	{ "ha.fc_relief_after_ms", CFG_INT, CFG_OFF(ha_fc_relief_after_ms), 0,
	    600000, "2000", false, false,
	    "when the local Galera node has held every node's commits with "
	    "flow control this long, its receive queue not draining, raise "
	    "its gcs.fc_limit until it caught up (0: never)" },
	{ "log.level", CFG_STRING, CFG_OFF(log_level), 0, 0, "info", true,
	    false, "error, warn, info or debug" },
	{ "solver.max_steps", CFG_INT, CFG_OFF(solver_max_steps), 1000,
	    1000000000, "1000000", false, false,
	    "bound on the solver's layout search" },
	{ "scheduler.interval_ms", CFG_INT, CFG_OFF(scheduler_interval_ms), 10,
	    60000, "200", false, false, "how often schedulers look for work" },
	{ "scheduler.solvers", CFG_INT, CFG_OFF(scheduler_solvers), 0, 16, "2",
	    false, false,
	    "threads that solve new clusters' layouts beside the scheduler "
	    "(0: the scheduler solves them)" },
	{ "task.timeout_seconds", CFG_INT, CFG_OFF(task_timeout_seconds), 1,
	    604800, "1800", false, false,
	    "a taken task not finished in this time fails" },
	{ "task.undelivered_seconds", CFG_INT,
	    CFG_OFF(task_undelivered_seconds), 1, 604800, "10", false, false,
	    "a take whose answer never reached the worker is queued again "
	    "after this time" },
	{ "task.delivery_record_ms", CFG_INT, CFG_OFF(task_delivery_record_ms),
	    0, 60000, "500", false, false,
	    "how long the record that a take's answer was delivered waits "
	    "for the task's finish, which makes it needless (0: written at "
	    "once; at most a quarter of task.undelivered_seconds)" },
	{ "task.foreign_grace_ms", CFG_INT, CFG_OFF(task_foreign_grace_ms), 0,
	    600000, "1000", false, false,
	    "how long a queued task is left to its own datacenter's workers "
	    "before another datacenter's may take it" },
	{ "task.take_wait_ms", CFG_INT, CFG_OFF(task_take_wait_ms), 0, 50000,
	    "5000", false, false,
	    "how long a take with no task waits for one (0: answer at once)" },
	{ "task.max_action_retries", CFG_INT, CFG_OFF(task_max_action_retries),
	    1, 100, "3", false, false, "attempts per task" },
	{ "task.queue_batch", CFG_INT, CFG_OFF(task_queue_batch), 1, 100000,
	    "500", false, false, "tasks of a stage queued per transaction" },
	{ "node.max_actions", CFG_INT, CFG_OFF(node_max_actions), 1, 100000,
	    "200", false, false, "actions kept per node" },
	{ "node.max_log_length", CFG_INT, CFG_OFF(node_max_log_length), 16,
	    1048576, "2048", false, false,
	    "stdout/stderr characters kept per failed action" },
	{ "cluster.max_size", CFG_INT, CFG_OFF(cluster_max_size), 1, 1000000,
	    "10000", false, false, "largest numMachines accepted" },
	{ "retention.terminated_seconds", CFG_INT,
	    CFG_OFF(retention_terminated_seconds), 0, 315360000, "0", false,
	    false,
	    "a cluster terminated this long ago is forgotten: its rows are "
	    "deleted and it is 404 (0: kept forever, as in Loom)" },
	{ "retention.batch_rows", CFG_INT, CFG_OFF(retention_batch_rows), 10,
	    100000, "500", false, false,
	    "rows deleted per transaction: of a forgotten cluster, or "
	    "expired Idempotency-Keys" },
	{ "retention.idempotency_seconds", CFG_INT,
	    CFG_OFF(retention_idempotency_seconds), 0, 315360000, "604800",
	    false, false,
	    "an Idempotency-Key stored this long ago is deleted: a retry with "
	    "it after that is a new request (0: kept forever)" },
	{ "auth.require_api_key", CFG_BOOL, CFG_OFF(auth_require_api_key), 0,
	    0, "false", false, false,
	    "verify X-Loom-ApiKey against the users table" },
	{ "auth.max_failures", CFG_INT, CFG_OFF(auth_max_failures), 0, 1000000,
	    "10", false, false,
	    "failed API key checks one client "
	    "address may make per auth.failure_window_s before it gets 429 "
	    "(0 = no limit)" },
	{ "auth.failure_window_s", CFG_INT, CFG_OFF(auth_failure_window_s), 1,
	    86400, "60", false, false,
	    "window of auth.max_failures, in "
	    "seconds" },
	{ "tasks.token_file", CFG_STRING, CFG_OFF(tasks_token_file), 0, 0, "",
	    false, false,
	    "file holding the provisioner token that "
	    "/v1/loom/tasks/* then require (X-Loom-ProvisionerKey or "
	    "Authorization: Bearer); must not be readable by group or others" },
	{ "callback.start_url", CFG_STRING, CFG_OFF(callback_start_url), 0, 0,
	    "", false, false,
	    "http(s) URL POSTed when a job starts (empty = none)" },
	{ "callback.success_url", CFG_STRING, CFG_OFF(callback_success_url), 0,
	    0, "", false, false,
	    "http(s) URL POSTed when a job completes (empty = none)" },
	{ "callback.failure_url", CFG_STRING, CFG_OFF(callback_failure_url), 0,
	    0, "", false, false,
	    "http(s) URL POSTed when a job fails (empty = none)" },
	{ "callback.start_triggers", CFG_STRING,
	    CFG_OFF(callback_start_triggers), 0, 0, "", false, false,
	    "comma list of the cluster actions whose start is posted "
	    "(empty = all)" },
	{ "callback.success_triggers", CFG_STRING,
	    CFG_OFF(callback_success_triggers), 0, 0, "", false, false,
	    "comma list of the cluster actions whose success is posted "
	    "(empty = all)" },
	{ "callback.failure_triggers", CFG_STRING,
	    CFG_OFF(callback_failure_triggers), 0, 0, "", false, false,
	    "comma list of the cluster actions whose failure is posted "
	    "(empty = all)" },
	{ "callback.timeout_ms", CFG_INT, CFG_OFF(callback_timeout_ms), 100,
	    600000, "10000", false, false,
	    "time one callback attempt may take, connect to answer" },
	{ "callback.max_age_s", CFG_INT, CFG_OFF(callback_max_age_s), 1,
	    2592000, "86400", false, false,
	    "a callback not answered 2xx this long after its event is given "
	    "up (and a gating start callback fails its job)" },
	{ "callback.start_gate", CFG_BOOL, CFG_OFF(callback_start_gate), 0, 0,
	    "true", false, false,
	    "a job waits for its start callback to be answered 2xx before "
	    "its first tasks are queued" },
	{ NULL, 0, 0, 0, 0, NULL, false, false, NULL },
};

/* Append one formatted problem to errs. */
static void LOOMD_PRINTF(5, 6) cfg_add(struct cfg_errors *errs,
    const char *file, int line, const char *key, const char *fmt, ...)
{
	char msg[LOOMD_ERR_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	errs->lines =
	    xreallocarray(errs->lines, errs->n + 1, sizeof *errs->lines);
	errs->lines[errs->n++] =
	    xasprintf("%s:%d: %s: %s", file, line, key, msg);
}

const struct cfg_key *
cfg_find_key(const char *name)
{
	const struct cfg_key *k;

	for (k = cfg_keys; k->name != NULL; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

/* Is name the first component of some key ("db" for "db.port")? */
static bool
cfg_is_group(const char *name)
{
	const struct cfg_key *k;
	size_t len = strlen(name);

	for (k = cfg_keys; k->name != NULL; k++)
		if (strncmp(k->name, name, len) == 0 && k->name[len] == '.')
			return true;
	return false;
}

/* Store a string value into the field of k, freeing the old one. */
static void
cfg_set_string(struct cfg *c, const struct cfg_key *k, const char *v)
{
	char **field = (char **)((char *)c + k->offset);

	free(*field);
	*field = xstrdup(v);
}

void
cfg_defaults(struct cfg *c)
{
	const struct cfg_key *k;

	memset(c, 0, sizeof *c);
	for (k = cfg_keys; k->name != NULL; k++) {
		switch (k->type) {
		case CFG_INT:
			*(int64_t *)((char *)c + k->offset) =
			    strtoll(k->def, NULL, 10);
			break;
		case CFG_BOOL:
			*(bool *)((char *)c + k->offset) =
			    strcmp(k->def, "true") == 0;
			break;
		case CFG_STRING:
			cfg_set_string(c, k, k->def);
			break;
		}
	}
}

void
cfg_free(struct cfg *c)
{
	const struct cfg_key *k;

	if (c == NULL)
		return;
	for (k = cfg_keys; k->name != NULL; k++) {
		if (k->type == CFG_STRING) {
			char **field = (char **)((char *)c + k->offset);

			free(*field);
			*field = NULL;
		}
	}
	free(c->path);
	c->path = NULL;
	if (c->tasks_token != NULL)
		sodium_memzero(c->tasks_token, strlen(c->tasks_token));
	free(c->tasks_token);
	c->tasks_token = NULL;
}

void
cfg_errors_free(struct cfg_errors *errs)
{
	size_t i;

	if (errs == NULL)
		return;
	for (i = 0; i < errs->n; i++)
		free(errs->lines[i]);
	free(errs->lines);
	errs->lines = NULL;
	errs->n = 0;
}

/* Name of a libconfig type, for "expected X, got Y" messages. */
static const char *
cfg_type_word(int t)
{
	switch (t) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a float";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_GROUP:
		return "a group";
	case CONFIG_TYPE_ARRAY:
		return "an array";
	case CONFIG_TYPE_LIST:
		return "a list";
	}
	return "an unknown type";
}

/* Check one scalar setting against its table row and store it. */
static void
cfg_take(struct cfg *c, const struct cfg_key *k, const config_setting_t *s,
    const char *file, struct cfg_errors *errs)
{
	int line = config_setting_source_line(s);
	int t = config_setting_type(s);
	long long v;

	switch (k->type) {
	case CFG_INT:
		if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64) {
			cfg_add(errs, file, line, k->name,
			    "expected an integer, got %s", cfg_type_word(t));
			return;
		}
		v = config_setting_get_int64(s);
		if (v < k->min || v > k->max) {
			cfg_add(errs, file, line, k->name,
			    "must be between %" PRId64 " and %" PRId64
			    " (got %lld)",
			    k->min, k->max, v);
			return;
		}
		*(int64_t *)((char *)c + k->offset) = v;
		break;
	case CFG_BOOL:
		if (t != CONFIG_TYPE_BOOL) {
			cfg_add(errs, file, line, k->name,
			    "expected a boolean (true or false), got %s",
			    cfg_type_word(t));
			return;
		}
		*(bool *)((char *)c + k->offset) =
		    config_setting_get_bool(s) != 0;
		break;
	case CFG_STRING:
		if (t != CONFIG_TYPE_STRING) {
			cfg_add(errs, file, line, k->name,
			    "expected a string, got %s", cfg_type_word(t));
			return;
		}
		cfg_set_string(c, k, config_setting_get_string(s));
		break;
	}
}

/* Walk a group, taking known keys and reporting unknown ones. */
static void
cfg_walk(struct cfg *c, const config_setting_t *group, const char *prefix,
    const char *file, struct cfg_errors *errs)
{
	const struct cfg_key *k;
	config_setting_t *s;
	char path[256];
	int i, n;

	n = config_setting_length(group);
	for (i = 0; i < n; i++) {
		s = config_setting_get_elem(group, i);
		if (prefix[0] != '\0')
			snprintf(path, sizeof path, "%s.%s", prefix,
			    config_setting_name(s));
		else
			snprintf(path, sizeof path, "%s",
			    config_setting_name(s));
		if ((k = cfg_find_key(path)) != NULL) {
			cfg_take(c, k, s, file, errs);
			continue;
		}
		if (cfg_is_group(path)) {
			if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
				cfg_add(errs, file,
				    config_setting_source_line(s), path,
				    "expected a group, got %s",
				    cfg_type_word(config_setting_type(s)));
				continue;
			}
			cfg_walk(c, s, path, file, errs);
			continue;
		}
		cfg_add(errs, file, config_setting_source_line(s), path,
		    "unknown key");
	}
}

/* Line of a key in the file, or 0 if it was not set there. */
static int
cfg_line_of(const config_t *lc, const char *key)
{
	config_setting_t *s = config_lookup(lc, key);

	return s != NULL ? config_setting_source_line(s) : 0;
}

/* Is s a valid identifier of [A-Za-z0-9_.-], 1..max characters? */
static bool
cfg_valid_name(const char *s, size_t max, bool allow_dot_dash)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > max)
		return false;
	for (i = 0; i < n; i++) {
		char ch = s[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '_')
			continue;
		if (allow_dot_dash && (ch == '.' || ch == '-'))
			continue;
		return false;
	}
	return true;
}

/*
 * Read the secret file path (named by key) into *out (owned, replaced),
 * without its trailing newline, refusing loose modes and empty files.
 */
static void
cfg_read_secret_file(const char *path, const char *key, char **out,
    const char *file, int line, struct cfg_errors *errs)
{
	char buf[1024];
	struct stat st;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		cfg_add(errs, file, line, key, "cannot open %s: %s", path,
		    strerror(errno));
		return;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		cfg_add(errs, file, line, key, "%s is not a regular file",
		    path);
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		cfg_add(errs, file, line, key,
		    "%s is readable by group or others (mode %04o); "
		    "chmod 600 it",
		    path, (unsigned)(st.st_mode & 07777));
		goto out;
	}
	if ((n = read(fd, buf, sizeof buf - 1)) < 0) {
		cfg_add(errs, file, line, key, "cannot read %s: %s", path,
		    strerror(errno));
		goto out;
	}
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	if (n == 0 && strcmp(key, "tasks.token_file") == 0) {
		cfg_add(errs, file, line, key,
		    "%s is empty; write a long "
		    "random token into it",
		    path);
		goto out;
	}
	free(*out);
	*out = xstrdup(buf);
out:
	sodium_memzero(buf, sizeof buf);
	close(fd);
}

/* The callback URLs and trigger lists. */
static void
cfg_check_callbacks(const struct cfg *c, const config_t *lc, const char *file,
    struct cfg_errors *errs)
{
	const char *const urls[][2] = {
		{ "callback.start_url", c->callback_start_url },
		{ "callback.success_url", c->callback_success_url },
		{ "callback.failure_url", c->callback_failure_url },
	};
	const char *const triggers[][2] = {
		{ "callback.start_triggers", c->callback_start_triggers },
		{ "callback.success_triggers", c->callback_success_triggers },
		{ "callback.failure_triggers", c->callback_failure_triggers },
	};
	char msg[LOOMD_ERR_LEN];
	size_t i;

	for (i = 0; i < 3; i++) {
		if (callback_url_check(urls[i][1], msg) != 0)
			cfg_add(errs, file, cfg_line_of(lc, urls[i][0]),
			    urls[i][0], "%s", msg);
		if (callback_triggers_check(triggers[i][1], msg) != 0)
			cfg_add(errs, file, cfg_line_of(lc, triggers[i][0]),
			    triggers[i][0], "%s", msg);
	}
}

/* Rules that involve more than one key, after the per-key checks. */
static void
cfg_cross_check(struct cfg *c, const config_t *lc, const char *file,
    struct cfg_errors *errs)
{
	enum log_level lvl;

	if (!cfg_valid_name(c->datacenter, 64, true))
		cfg_add(errs, file, cfg_line_of(lc, "datacenter"),
		    "datacenter",
		    "must be 1 to 64 characters of "
		    "[a-zA-Z0-9_.-] (got \"%s\")",
		    c->datacenter);
	if (c->ids_increment_by > 1 && c->ids_start_num >= c->ids_increment_by)
		cfg_add(errs, file, cfg_line_of(lc, "ids.start_num"),
		    "ids.start_num",
		    "must be less than ids.increment_by "
		    "(%" PRId64 ") so that it names its residue (got %" PRId64
		    ")",
		    c->ids_increment_by, c->ids_start_num);
	if (c->server_host[0] == '\0')
		cfg_add(errs, file, cfg_line_of(lc, "server.host"),
		    "server.host", "must not be empty");
	if (c->db_socket[0] == '\0' && c->db_host[0] == '\0')
		cfg_add(errs, file, cfg_line_of(lc, "db.host"), "db.host",
		    "must not be empty when db.socket is not set");
	if (c->db_user[0] == '\0')
		cfg_add(errs, file, cfg_line_of(lc, "db.user"), "db.user",
		    "must not be empty");
	if (!cfg_valid_name(c->db_name, 64, false))
		cfg_add(errs, file, cfg_line_of(lc, "db.name"), "db.name",
		    "must be 1 to 64 characters of [a-zA-Z0-9_] (got \"%s\")",
		    c->db_name);
	if (log_level_parse(c->log_level, &lvl) != 0)
		cfg_add(errs, file, cfg_line_of(lc, "log.level"), "log.level",
		    "must be one of error, warn, info, debug (got \"%s\")",
		    c->log_level);
	if (c->db_tx_backoff_max_ms < c->db_tx_backoff_base_ms)
		cfg_add(errs, file, cfg_line_of(lc, "db.tx_backoff_max_ms"),
		    "db.tx_backoff_max_ms",
		    "must not be less than "
		    "db.tx_backoff_base_ms (%" PRId64 ")",
		    c->db_tx_backoff_base_ms);
	if (c->server_health_port != 0 &&
	    c->server_health_port == c->server_port)
		cfg_add(errs, file, cfg_line_of(lc, "server.health_port"),
		    "server.health_port",
		    "must differ from server.port (%" PRId64 ")",
		    c->server_port);
	if (c->db_password_file[0] != '\0') {
		int line = cfg_line_of(lc, "db.password_file");

		if (c->db_password[0] != '\0')
			cfg_add(errs, file, line, "db.password_file",
			    "cannot be combined with db.password");
		else
			cfg_read_secret_file(c->db_password_file,
			    "db.password_file", &c->db_password, file, line,
			    errs);
	}
	if (c->tasks_token_file[0] != '\0')
		cfg_read_secret_file(c->tasks_token_file, "tasks.token_file",
		    &c->tasks_token, file, cfg_line_of(lc, "tasks.token_file"),
		    errs);
	if (c->server_tasks_port != 0 &&
	    (c->server_tasks_port == c->server_port ||
		c->server_tasks_port == c->server_health_port))
		cfg_add(errs, file, cfg_line_of(lc, "server.tasks_port"),
		    "server.tasks_port",
		    "must differ from server.port and "
		    "server.health_port");
	if (c->server_max_connections < c->server_threads)
		cfg_add(errs, file, cfg_line_of(lc, "server.max_connections"),
		    "server.max_connections",
		    "must not be less than "
		    "server.threads (%" PRId64 ")",
		    c->server_threads);
	if (c->server_tasks_port != 0 && c->server_tasks_host[0] == '\0')
		cfg_add(errs, file, cfg_line_of(lc, "server.tasks_host"),
		    "server.tasks_host",
		    "must not be empty when "
		    "server.tasks_port is set");
	cfg_check_callbacks(c, lc, file, errs);
}

/* Common part of cfg_load() and cfg_load_string(). */
static int
cfg_finish(struct cfg *c, config_t *lc, int parsed, const char *file,
    struct cfg_errors *errs)
{
	size_t before = errs->n;

	if (!parsed) {
		if (config_error_type(lc) == CONFIG_ERR_FILE_IO)
			cfg_add(errs, file, 0, "(file)", "cannot read: %s",
			    strerror(errno));
		else
			cfg_add(errs,
			    config_error_file(lc) != NULL ?
				config_error_file(lc) :
				file,
			    config_error_line(lc), "(syntax)", "%s",
			    config_error_text(lc));
		return -1;
	}
	cfg_walk(c, config_root_setting(lc), "", file, errs);
	cfg_cross_check(c, lc, file, errs);
	return errs->n == before ? 0 : -1;
}

/*
 * cfg_load() of the file name when text is NULL, else cfg_load_string()
 * of text under name.
 */
static int
cfg_load_from(struct cfg *c, const char *name, const char *text,
    struct cfg_errors *errs)
{
	config_t lc;
	int rc, ok;

	cfg_defaults(c);
	c->path = xstrdup(name);
	config_init(&lc);
	config_set_options(&lc, 0);
	ok = text != NULL ? config_read_string(&lc, text) :
			    config_read_file(&lc, name);
	rc = cfg_finish(c, &lc, ok == CONFIG_TRUE, name, errs);
	config_destroy(&lc);
	return rc;
}

int
cfg_load(struct cfg *c, const char *path, struct cfg_errors *errs)
{
	return cfg_load_from(c, path, NULL, errs);
}

int
cfg_load_string(struct cfg *c, const char *name, const char *text,
    struct cfg_errors *errs)
{
	return cfg_load_from(c, name, text, errs);
}

int
cfg_apply_reload(struct cfg *c, const struct cfg *nc)
{
	const struct cfg_key *k;
	int restart = 0;
	bool same;

	for (k = cfg_keys; k->name != NULL; k++) {
		const char *a = (const char *)c + k->offset;
		const char *b = (const char *)nc + k->offset;

		switch (k->type) {
		case CFG_INT:
			same = *(const int64_t *)a == *(const int64_t *)b;
			break;
		case CFG_BOOL:
			same = *(const bool *)a == *(const bool *)b;
			break;
		default:
			same =
			    strcmp(*(char *const *)a, *(char *const *)b) == 0;
			break;
		}
		if (same)
			continue;
		if (k->reloadable) {
			if (k->type == CFG_STRING)
				cfg_set_string(c, k, *(char *const *)b);
			log_info("reload: %s changed", k->name);
		} else {
			log_warn("reload: %s changed: restart required",
			    k->name);
			restart++;
		}
	}
	return restart;
}

int64_t
cfg_ids_residue(const struct cfg *c)
{
	return c->ids_start_num % c->ids_increment_by;
}
