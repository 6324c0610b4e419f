-- SPDX-License-Identifier: Apache-2.0
-- 0016: when a cluster's status was last written (ms since the epoch), so
-- that a terminated cluster can be forgotten retention.terminated_seconds
-- after it was terminated, and the index that finds those clusters by
-- datacenter.  Rows that exist keep 0, and so do rows a loomd older than
-- this writes: the retention sweep stamps the TERMINATED ones it finds at
-- 0 with its own time, a few rows a transaction, so their retention
-- counts from then.  (One UPDATE of every row here would replicate every
-- cluster row, rendered answers included, as a single write set.)
-- Adding the column is instant; the index is built in place.
ALTER TABLE clusters
	ADD COLUMN IF NOT EXISTS status_time BIGINT NOT NULL DEFAULT 0,
	ADD KEY IF NOT EXISTS clusters_status_time (residue, status, status_time);
