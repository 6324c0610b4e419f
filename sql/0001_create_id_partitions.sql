-- SPDX-License-Identifier: Apache-2.0
-- 0001: the ID partition registry, per-(kind, residue) counters and the
-- server heartbeat table.  Forward-only; every statement is idempotent so a
-- migration taken over after a crash can be applied again.

-- One row per datacenter: its partition of the ID space.
CREATE TABLE IF NOT EXISTS id_partitions (
	datacenter	VARCHAR(64) NOT NULL,
	start_num	BIGINT NOT NULL,
	increment_by	BIGINT NOT NULL,
	residue		BIGINT NOT NULL,
	registered_at	TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (datacenter),
	UNIQUE KEY id_partitions_residue (residue)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- A single row every registration updates, so that registrations from
-- different datacenters conflict in certification and run one at a time.
CREATE TABLE IF NOT EXISTS id_registry (
	id		INT NOT NULL,
	generation	BIGINT NOT NULL,
	PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

INSERT IGNORE INTO id_registry (id, generation) VALUES (1, 0);

-- Next unreserved value per kind and residue; written only by the
-- datacenter owning the residue, so no cross-datacenter conflicts.
CREATE TABLE IF NOT EXISTS id_counters (
	kind		VARCHAR(16) NOT NULL,
	residue		BIGINT NOT NULL,
	next_value	BIGINT NOT NULL,
	blocks		BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (kind, residue)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- One row per loomd process, heartbeated by its owner only.
CREATE TABLE IF NOT EXISTS servers (
	server_id	VARCHAR(191) NOT NULL,
	datacenter	VARCHAR(64) NOT NULL,
	residue		BIGINT NOT NULL,
	address		VARCHAR(255) NOT NULL,
	started_at	TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	last_seen	TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (server_id),
	KEY servers_datacenter (datacenter, last_seen)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
