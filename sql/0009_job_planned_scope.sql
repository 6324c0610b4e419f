-- SPDX-License-Identifier: Apache-2.0
-- 0009: what a day-2 job plans (ClusterJob plannedServices and
-- plannedNodes): JSON arrays of names and node ids, NULL for "all".
-- An ADD_SERVICES job starts with planned_nodes NULL; its layout step
-- writes the changed nodes there before the job is planned.
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS planned_services LONGTEXT NULL;
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS planned_nodes LONGTEXT NULL;
