-- SPDX-License-Identifier: Apache-2.0
-- 0014: the JSON documents kept for every task and node are stored
-- compressed by the server (MariaDB column compression, zlib; values of
-- column_compression_threshold bytes or more, 100 by default).  Transparent
-- to every statement: servers of an older version keep working.  Not the
-- documents read on every request or take (clusters.doc, job_nodes_maps):
-- those would be inflated on each read.  On an existing database this
-- rebuilds tasks and nodes (on Galera in total order, blocking writes to
-- them while it runs): run the upgrade when the tables are small or the
-- service may pause (loomd(8), UPGRADING).
ALTER TABLE tasks
	MODIFY original_config LONGTEXT COMPRESSED NOT NULL,
	MODIFY config LONGTEXT COMPRESSED NULL;
ALTER TABLE nodes
	MODIFY doc LONGTEXT COMPRESSED NOT NULL;
