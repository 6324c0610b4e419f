-- SPDX-License-Identifier: Apache-2.0
-- 0003: clusters, their nodes, jobs and tasks, and idempotency keys.  The
-- queues of Loom (solver, cluster, job, provisioner) are columns here:
-- jobs.needs_work is the job queue, tasks.q_state the provisioner queue.
-- No foreign keys (Galera certifies FK parents); integrity is kept by
-- cluster_store.c.  residue = cluster id mod ids.increment_by, the
-- datacenter that owns the cluster's work.

CREATE TABLE IF NOT EXISTS clusters (
	id		BIGINT NOT NULL,
	residue		BIGINT NOT NULL,
	owner_id	VARCHAR(255) NOT NULL,
	name		VARCHAR(255) NOT NULL,
	status		VARCHAR(16) NOT NULL,
	create_time	BIGINT NOT NULL,
	expire_time	BIGINT NOT NULL DEFAULT 0,
	template_name	VARCHAR(255) NOT NULL DEFAULT '...',
	num_nodes	INT NOT NULL DEFAULT 0,
	latest_job	VARCHAR(64) NOT NULL,
	request		LONGTEXT NOT NULL,
	doc		LONGTEXT NOT NULL,
	version		BIGINT NOT NULL DEFAULT 1,
	PRIMARY KEY (id),
	KEY clusters_owner (owner_id, create_time),
	KEY clusters_created (create_time),
	KEY clusters_expiry (residue, status, expire_time)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS nodes (
	id		VARCHAR(64) NOT NULL,
	cluster_id	BIGINT NOT NULL,
	nodenum		BIGINT NOT NULL,
	doc		LONGTEXT NOT NULL,
	version		BIGINT NOT NULL DEFAULT 1,
	PRIMARY KEY (id),
	KEY nodes_cluster (cluster_id, nodenum)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS jobs (
	id		VARCHAR(64) NOT NULL,
	cluster_id	BIGINT NOT NULL,
	residue		BIGINT NOT NULL,
	action		VARCHAR(16) NOT NULL,
	status		VARCHAR(16) NOT NULL,
	planned		TINYINT NOT NULL DEFAULT 0,
	current_stage	INT NOT NULL DEFAULT 0,
	status_message	TEXT NULL,
	needs_work	TINYINT NOT NULL DEFAULT 0,
	lease_owner	VARCHAR(191) NULL,
	lease_until	BIGINT NOT NULL DEFAULT 0,
	create_time	BIGINT NOT NULL,
	version		BIGINT NOT NULL DEFAULT 1,
	PRIMARY KEY (id),
	KEY jobs_cluster (cluster_id),
	KEY jobs_work (needs_work, residue)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS tasks (
	id		VARCHAR(64) NOT NULL,
	job_id		VARCHAR(64) NOT NULL,
	cluster_id	BIGINT NOT NULL,
	residue		BIGINT NOT NULL,
	stage		INT NULL,
	seq		INT NOT NULL DEFAULT 0,
	node_id		VARCHAR(64) NULL,
	service		VARCHAR(255) NOT NULL DEFAULT '',
	task_name	VARCHAR(16) NOT NULL,
	cluster_action	VARCHAR(16) NOT NULL,
	status		VARCHAR(16) NOT NULL,
	counted		TINYINT NOT NULL DEFAULT 0,
	is_rollback	TINYINT NOT NULL DEFAULT 0,
	attempts	INT NOT NULL DEFAULT 1,
	q_state		VARCHAR(8) NOT NULL DEFAULT 'none',
	q_seq		BIGINT NOT NULL DEFAULT 0,
	worker_id	VARCHAR(255) NULL,
	taken_at	BIGINT NOT NULL DEFAULT 0,
	submit_time	BIGINT NOT NULL DEFAULT 0,
	status_time	BIGINT NOT NULL DEFAULT 0,
	status_code	INT NOT NULL DEFAULT 0,
	status_message	TEXT NULL,
	original_config	LONGTEXT NOT NULL,
	config		LONGTEXT NULL,
	version		BIGINT NOT NULL DEFAULT 1,
	PRIMARY KEY (id),
	KEY tasks_job (job_id, stage, seq),
	KEY tasks_queue (q_state, q_seq),
	KEY tasks_taken (q_state, residue, taken_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A write that carried an Idempotency-Key, with the response it got.
CREATE TABLE IF NOT EXISTS idempotency (
	user_id		VARCHAR(255) NOT NULL,
	idem_key	VARCHAR(255) NOT NULL,
	request_hash	CHAR(64) NOT NULL,
	status_code	INT NOT NULL,
	body		LONGTEXT NOT NULL,
	created_at	TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (user_id, idem_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
