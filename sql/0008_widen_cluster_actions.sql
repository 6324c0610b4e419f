-- SPDX-License-Identifier: Apache-2.0
-- 0008: room for the day-2 cluster action names (the longest,
-- CLUSTER_CONFIGURE_WITH_RESTART, has 30 characters).
ALTER TABLE jobs MODIFY COLUMN action VARCHAR(40) NOT NULL;
ALTER TABLE tasks MODIFY COLUMN cluster_action VARCHAR(40) NOT NULL;
