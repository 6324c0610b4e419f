-- SPDX-License-Identifier: Apache-2.0
-- 0007: when the answer of a hand-out reached the worker's connection.
-- NULL until loomd has written the whole answer; a hand-out still NULL
-- after task.undelivered_seconds (the answer was lost, or loomd died or
-- lost its database before it could record it) is queued again.
ALTER TABLE task_takes ADD COLUMN IF NOT EXISTS delivered_at BIGINT NULL;
