-- SPDX-License-Identifier: Apache-2.0
-- 0013: two indexes on the tasks of a job by status, so that what a big
-- job asks about its tasks is read from an index instead of from every
-- task row (about 2 KB each, 80,000 rows for a 10,000-node cluster).
-- tasks_job_status: a stage's tasks by status in seq order; the next batch
-- of a big stage reads its first unqueued tasks, and whether one of the
-- stage failed, from it alone instead of reading the whole stage once per
-- batch.  tasks_job_steps: the counts of a job's steps and of those
-- complete that GET /clusters/{id}/status answers.  Indexes only: servers
-- of an older version keep working with them.
CREATE INDEX IF NOT EXISTS tasks_job_status
	ON tasks (job_id, stage, status, seq);
CREATE INDEX IF NOT EXISTS tasks_job_steps
	ON tasks (job_id, counted, is_rollback, status);
