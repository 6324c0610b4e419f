-- SPDX-License-Identifier: Apache-2.0
-- 0006: the server-side key of the API key hashes.  API keys are random
-- 256-bit tokens, not passwords, so users.key_hash now holds a keyed
-- BLAKE2b of the user and the key ("$loomk1$<hex>", libsodium
-- crypto_generichash), which takes microseconds to check, instead of an
-- Argon2id hash (64 MiB and about 0.1 s per check, even for a wrong key).
-- The key is made once, by the first loomd that needs it, and shared by
-- every loomd of the cluster through this table.  Argon2id rows keep
-- working and are rewritten as keyed hashes on their next successful use.
CREATE TABLE IF NOT EXISTS auth_secret (
	id		TINYINT NOT NULL,
	secret		CHAR(64) NOT NULL,
	created_at	TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;
