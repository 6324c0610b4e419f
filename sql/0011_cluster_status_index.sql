-- SPDX-License-Identifier: Apache-2.0
-- 0011: GET /v1/loom/clusters?status=a,b (Coopr 0.9.9) reads the clusters
-- of the wanted statuses by this index instead of scanning every cluster
-- (a fleet is mostly TERMINATED clusters).  A paused job is jobs.status
-- 'PAUSED'; its queued tasks wait with tasks.q_state 'paused', which the
-- take never reads (both columns already fit these values).
CREATE INDEX IF NOT EXISTS clusters_status
	ON clusters (status, create_time);
