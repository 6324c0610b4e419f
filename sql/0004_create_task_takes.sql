-- SPDX-License-Identifier: Apache-2.0
-- 0004: one row per hand-out of a task attempt to a worker.  The primary
-- key makes a second hand-out of the same attempt impossible whatever
-- path it came by: two takes racing on two Galera nodes conflict in
-- certification, on one node the second gets a duplicate key.
CREATE TABLE IF NOT EXISTS task_takes (
	task_id		VARCHAR(64) NOT NULL,
	attempt		INT NOT NULL,
	worker_id	VARCHAR(255) NOT NULL,
	taken_at	BIGINT NOT NULL,
	PRIMARY KEY (task_id, attempt)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
