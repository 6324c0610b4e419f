-- SPDX-License-Identifier: Apache-2.0
-- 0012: the map of a job's nodes that every task of the job hands its
-- provisioner (config "nodes"), stored once per version instead of inside
-- every task's config.  A new version is written when a submission finds
-- the nodes changed; tasks.nodes_map names the version a task was queued
-- with (NULL: its config is sent as stored, e.g. rows queued before this
-- migration, whose config holds the map itself).
CREATE TABLE IF NOT EXISTS job_nodes_maps (
	job_id		VARCHAR(64) NOT NULL,
	version		INT NOT NULL,
	nodes		LONGTEXT NOT NULL,
	PRIMARY KEY (job_id, version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS nodes_map INT NULL;
