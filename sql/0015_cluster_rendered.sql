-- SPDX-License-Identifier: Apache-2.0
-- 0015: the answer to GET /clusters/{id} of a cluster at rest (its latest
-- job COMPLETE), kept rendered in the cluster's row, so that such a GET is
-- one primary-key read of ready bytes instead of a three-part union and a
-- splice of the node documents.  rendered_format is the version of the
-- JSON layout that wrote it: a loomd uses a rendering of its own format
-- only.  Every change of the cluster's row sets rendered to NULL; the next
-- GET builds the answer and stores it again, if the row's version is still
-- the one it read.  Adding two nullable/defaulted columns is instant: no
-- rebuild.
ALTER TABLE clusters
	ADD COLUMN rendered LONGTEXT NULL,
	ADD COLUMN rendered_format INT NOT NULL DEFAULT 0;
