-- SPDX-License-Identifier: Apache-2.0
-- 0005: indexes for the take.  A take asks for the oldest queued tasks of
-- its own datacenter's residue first, then for the oldest of any; with
-- (q_state, residue, q_seq) both read the index in order instead of
-- sorting every queued task (the cost grew with the queue: 5 ms per take
-- at 3,000 queued).  A worker asking again looks up the task it holds by
-- worker_id.
CREATE INDEX IF NOT EXISTS tasks_queue_residue
	ON tasks (q_state, residue, q_seq);
CREATE INDEX IF NOT EXISTS tasks_worker ON tasks (worker_id);
