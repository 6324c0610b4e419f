-- SPDX-License-Identifier: Apache-2.0
-- 0015: the answer to GET /clusters/{id} of a cluster at rest (its latest
-- job COMPLETE), kept rendered in the cluster's row, so that such a GET is
-- one primary-key read of ready bytes instead of a three-part union and a
-- splice of the node documents.  rendered_format is the version of the
-- JSON layout that wrote it: a loomd uses a rendering of its own format
-- only.  rendered_version is the row's version when it was kept: a GET
-- uses it only while the row still has that version, and every change of
-- a cluster's row bumps its version, by servers of any version.  The
-- first GET after a change builds the answer and keeps it again.  Adding
-- these columns is instant: no rebuild.
ALTER TABLE clusters
	ADD COLUMN rendered LONGTEXT NULL,
	ADD COLUMN rendered_format INT NOT NULL DEFAULT 0,
	ADD COLUMN rendered_version BIGINT NOT NULL DEFAULT 0;
