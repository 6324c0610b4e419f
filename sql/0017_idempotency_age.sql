-- SPDX-License-Identifier: Apache-2.0
-- 0017: the index by which keys older than retention.idempotency_seconds
-- are found and deleted, a batch at a time, without reading the table.
ALTER TABLE idempotency
	ADD KEY IF NOT EXISTS idempotency_age (created_at);
