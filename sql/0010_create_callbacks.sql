-- SPDX-License-Identifier: Apache-2.0
-- 0010: the callback outbox.  The transaction that changes a job's status
-- writes one row per event (start, success, failure) when a URL is
-- configured for it and the job's action is one of its triggers; the
-- datacenter that works the cluster's residue delivers it.  The id is
-- "<job id>.<event>", so an event is written at most once per job and the
-- X-Loom-Callback-Id header is the same on every attempt.  A row is
-- claimed with a lease (lease_owner, lease_until) by compare-and-swap
-- before it is sent, so two servers never send it at once.  Ordering:
-- seq orders the rows of one cluster (created_at * 10 + event rank); a
-- row is sent only when no older row of its cluster is still pending.
-- gate = 1 on a start row that holds its job back until it is answered.
CREATE TABLE IF NOT EXISTS callbacks (
	id		VARCHAR(80) NOT NULL,
	cluster_id	BIGINT NOT NULL,
	residue		BIGINT NOT NULL,
	job_id		VARCHAR(64) NOT NULL,
	event		VARCHAR(8) NOT NULL,
	url		TEXT NOT NULL,
	body		LONGTEXT NOT NULL,
	gate		TINYINT NOT NULL DEFAULT 0,
	state		VARCHAR(10) NOT NULL DEFAULT 'pending',
	attempts	INT NOT NULL DEFAULT 0,
	seq		BIGINT NOT NULL,
	created_at	BIGINT NOT NULL,
	next_attempt_at	BIGINT NOT NULL DEFAULT 0,
	lease_owner	VARCHAR(191) NULL,
	lease_until	BIGINT NOT NULL DEFAULT 0,
	done_at		BIGINT NOT NULL DEFAULT 0,
	last_status	INT NOT NULL DEFAULT 0,
	last_error	TEXT NULL,
	version		BIGINT NOT NULL DEFAULT 1,
	PRIMARY KEY (id),
	KEY callbacks_due (state, residue, next_attempt_at),
	KEY callbacks_cluster (cluster_id, state, seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
