/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cfg.h - loomd configuration: one table of keys (type, bounds, default,
 * reloadable flag, help) drives defaults, parsing with libconfig, validation
 * and the documentation checks.  The loaded struct cfg is read-only after
 * startup, except for the reloadable keys applied on SIGHUP.
 */
#ifndef LOOMD_CFG_H
#define LOOMD_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"

struct cfg {
	/* server */
	char *server_host;
	int64_t server_port;
	int64_t server_health_port;
	int64_t server_threads;
	int64_t server_max_body_bytes;
	int64_t server_connection_timeout_s;
	int64_t server_header_timeout_ms;
	int64_t server_max_connections;
	int64_t server_max_connections_per_ip;
	char *server_tasks_host;
	int64_t server_tasks_port;
	/* identity and ids */
	char *datacenter;
	int64_t ids_start_num;
	int64_t ids_increment_by;
	int64_t ids_block_size;
	/* database */
	char *db_host;
	int64_t db_port;
	char *db_socket;
	char *db_user;
	char *db_password;
	char *db_password_file;
	char *db_name;
	int64_t db_connect_timeout_ms;
	int64_t db_read_timeout_ms;
	int64_t db_write_timeout_ms;
	bool db_sync_wait;
	int64_t db_tx_max_retries;
	int64_t db_tx_backoff_base_ms;
	int64_t db_tx_backoff_max_ms;
	/* high availability */
	int64_t ha_heartbeat_ms;
	int64_t ha_dc_dead_after;
	int64_t ha_job_lease_ms;
	bool ha_available_when_donor;
	char *ha_drain_file;
	int64_t ha_health_interval_ms;
	int64_t ha_rejoin_holddown_ms;
	int64_t ha_fc_relief_after_ms;
	/* logging */
	char *log_level;
	/* provisioning */
	int64_t solver_max_steps;
	int64_t scheduler_interval_ms;
	int64_t scheduler_solvers;
	int64_t task_timeout_seconds;
	int64_t task_undelivered_seconds;
	int64_t task_delivery_record_ms;
	int64_t task_max_action_retries;
	int64_t task_take_wait_ms;
	int64_t task_foreign_grace_ms;
	int64_t task_queue_batch;
	int64_t node_max_actions;
	int64_t node_max_log_length;
	int64_t cluster_max_size;
	int64_t retention_terminated_seconds;
	int64_t retention_batch_rows;
	int64_t retention_idempotency_seconds;
	/* auth */
	bool auth_require_api_key;
	int64_t auth_max_failures;
	int64_t auth_failure_window_s;
	/* provisioner routes */
	char *tasks_token_file;
	/* callbacks */
	char *callback_start_url;
	char *callback_success_url;
	char *callback_failure_url;
	char *callback_start_triggers;
	char *callback_success_triggers;
	char *callback_failure_triggers;
	int64_t callback_timeout_ms;
	int64_t callback_max_age_s;
	bool callback_start_gate;

	/* Not keys: where the file was, for messages.  Owned. */
	char *path;
	/* The token read from tasks.token_file; NULL without one.  Owned. */
	char *tasks_token;
};

enum cfg_type {
	CFG_INT,
	CFG_BOOL,
	CFG_STRING,
};

/* One row of the key table. */
struct cfg_key {
	const char *name; /* dotted path, e.g. "db.port" */
	enum cfg_type type;
	size_t offset;	  /* into struct cfg */
	int64_t min, max; /* CFG_INT bounds, inclusive */
	const char *def;  /* default, as text */
	bool reloadable;
	bool secret;	  /* never logged */
	const char *help; /* one line */
};

/* The key table, terminated by a row with name NULL.  Borrowed, static. */
extern const struct cfg_key cfg_keys[];

/*
 * Collected problems of one load: each line is "file:line: key: message".
 * Owned by the struct; release with cfg_errors_free().
 */
struct cfg_errors {
	char **lines;
	size_t n;
};

/* Fill c with the defaults of the table.  Caller frees with cfg_free(). */
void cfg_defaults(struct cfg *c);

/*
 * Load and validate FILE into c (defaults first, then the file).  Every
 * problem is appended to errs; returns 0 if there were none, -1 otherwise
 * (c then holds a partial result and must still be freed with cfg_free()).
 * Reads db.password_file and checks its permissions.
 */
int cfg_load(struct cfg *c, const char *path,
    struct cfg_errors *errs) LOOMD_MUSTCHECK;

/*
 * Load from a string (for tests); `name` is used as the file name in
 * messages.  Same contract as cfg_load().
 */
int cfg_load_string(struct cfg *c, const char *name, const char *text,
    struct cfg_errors *errs) LOOMD_MUSTCHECK;

/* Release what c owns (not c itself).  NULL-safe. */
void cfg_free(struct cfg *c);

/* Release the lines of errs.  NULL-safe. */
void cfg_errors_free(struct cfg_errors *errs);

/*
 * Compare old and new after a reload: apply the reloadable keys of nc to c
 * and log, for every other key that changed, that a restart is required.
 * Returns the number of keys that need a restart.
 */
int cfg_apply_reload(struct cfg *c, const struct cfg *nc);

/* Look a key up in the table; NULL if unknown.  Borrowed. */
const struct cfg_key *cfg_find_key(const char *name);

/* The residue of this datacenter's ID partition. */
int64_t cfg_ids_residue(const struct cfg *c);

#endif /* LOOMD_CFG_H */
