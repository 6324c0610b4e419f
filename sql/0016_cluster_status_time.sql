-- SPDX-License-Identifier: Apache-2.0
-- 0016: when a cluster's status was last written (ms since the epoch), so
-- that a terminated cluster can be forgotten retention.terminated_seconds
-- after it was terminated, and the index that finds those clusters by
-- datacenter.  Rows that exist already get the time of this migration:
-- their retention counts from the upgrade, never from before it.  A row
-- left at 0 (written by a loomd older than this migration) is never
-- forgotten.
ALTER TABLE clusters
	ADD COLUMN IF NOT EXISTS status_time BIGINT NOT NULL DEFAULT 0,
	ADD KEY IF NOT EXISTS clusters_status_time (residue, status, status_time);

UPDATE clusters SET status_time = UNIX_TIMESTAMP(NOW(3)) * 1000
	WHERE status_time = 0;
