-- SPDX-License-Identifier: Apache-2.0
-- 0002: the admin catalogue (providers, hardware types, image types,
-- services, cluster templates) and the users that API keys belong to.

-- One row per admin entity; doc is the canonical JSON that GET returns.
CREATE TABLE IF NOT EXISTS entities (
	kind		VARCHAR(32) NOT NULL,
	name		VARCHAR(255) NOT NULL,
	doc		LONGTEXT NOT NULL,
	version		BIGINT NOT NULL DEFAULT 1,
	updated_at	TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (kind, name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- API users (auth.require_api_key): keys stored only as a salted slow
-- hash (libsodium crypto_pwhash_str, Argon2id).
CREATE TABLE IF NOT EXISTS users (
	name		VARCHAR(255) NOT NULL,
	key_hash	VARCHAR(255) NOT NULL,
	is_admin	TINYINT NOT NULL DEFAULT 0,
	created_at	TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
