/* SPDX-License-Identifier: Apache-2.0 */
/*
 * auth.c - user header, admin check and API keys (see auth.h).  A key is
 * checked against a keyed BLAKE2b hash of (user, key) whose key, the
 * server secret, lives in the auth_secret table; the check costs the same
 * microseconds for a known and an unknown user.  A verified (user, key)
 * pair is remembered for AUTH_CACHE_TTL_S seconds by its digest, so the
 * users table is not read on every request; a revoked key therefore stops
 * working within that time.  Failed checks are counted per client address
 * and answered 429 past auth.max_failures per auth.failure_window_s.
 */
#include "config.h"

#include "auth.h"

#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cfg.h"
#include "db.h"
#include "entity_store.h"

#define AUTH_CACHE_SIZE 256
#define AUTH_CACHE_TTL_S 60
#define AUTH_FAIL_SLOTS 1024
#define AUTH_HASH_PREFIX "$loomk1$"
#define AUTH_ARGON2_PREFIX "$argon2"

/* One cache slot: digest of "user\0key", its admin flag and expiry. */
struct auth_cached {
	unsigned char digest[32];
	bool is_admin;
	time_t expires;
};

/* Failed key checks of one client address in the current window. */
struct auth_failures {
	char addr[64];
	time_t window_start;
	int64_t count;
};

static const struct cfg *auth_cfg;
static pthread_mutex_t auth_lock = PTHREAD_MUTEX_INITIALIZER;
static struct auth_cached auth_cache[AUTH_CACHE_SIZE];
static struct auth_failures auth_fail[AUTH_FAIL_SLOTS];
/* The server secret (auth_secret table), loaded once under auth_lock. */
static unsigned char auth_secret[crypto_generichash_KEYBYTES];
static bool auth_secret_loaded;

/* The same body for a missing and a wrong key, so neither is revealed. */
static const char auth_bad_key[] = "invalid or missing X-Loom-ApiKey";

int
auth_init(const struct cfg *cfg, char err[LOOMD_ERR_LEN])
{
	auth_cfg = cfg;
	if (sodium_init() < 0) {
		snprintf(err, LOOMD_ERR_LEN, "libsodium failed to initialise");
		return -1;
	}
	return 0;
}

/* Read or create the server secret (db_tx_run body); hex in arg. */
static enum db_status
auth_secret_fn(struct db_conn *c, void *arg)
{
	char *hex = arg, fresh[2 * crypto_generichash_KEYBYTES + 1];
	unsigned char raw[crypto_generichash_KEYBYTES];
	struct db_rows *r;
	enum db_status st;

	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(fresh, sizeof fresh, raw, sizeof raw);
	sodium_memzero(raw, sizeof raw);
	st = db_exec(c,
	    "INSERT IGNORE INTO auth_secret (id, secret) VALUES "
	    "(1, ?)",
	    NULL, "s", fresh);
	sodium_memzero(fresh, sizeof fresh);
	if (st != DB_OK)
		return st;
	if ((st = db_query(c, "SELECT secret FROM auth_secret WHERE id = 1",
		 &r, "")) != DB_OK)
		return st;
	hex[0] = '\0';
	if (r->nrows == 1)
		snprintf(hex, 2 * crypto_generichash_KEYBYTES + 1, "%s",
		    db_rows_get(r, 0, 0));
	db_rows_free(r);
	return DB_OK;
}

int
auth_secret_load(struct db_conn *c, char err[LOOMD_ERR_LEN])
{
	char hex[2 * crypto_generichash_KEYBYTES + 1];
	unsigned char raw[crypto_generichash_KEYBYTES];
	size_t n = 0;

	pthread_mutex_lock(&auth_lock);
	if (auth_secret_loaded) {
		pthread_mutex_unlock(&auth_lock);
		return 0;
	}
	pthread_mutex_unlock(&auth_lock);
	if (db_tx_run(c, auth_secret_fn, hex, err) != DB_OK)
		return -1;
	if (sodium_hex2bin(raw, sizeof raw, hex, strlen(hex), NULL, &n,
		NULL) != 0 ||
	    n != sizeof raw) {
		snprintf(err, LOOMD_ERR_LEN,
		    "auth_secret holds no valid key; "
		    "delete its row and restart loomd to make a new one (every "
		    "API key must then be re-issued)");
		return -1;
	}
	pthread_mutex_lock(&auth_lock);
	memcpy(auth_secret, raw, sizeof raw);
	auth_secret_loaded = true;
	pthread_mutex_unlock(&auth_lock);
	sodium_memzero(raw, sizeof raw);
	sodium_memzero(hex, sizeof hex);
	return 0;
}

/* The keyed hash of user and key (the secret must be loaded). */
static void
auth_keyed(const char *user, const char *key,
    unsigned char out[crypto_generichash_BYTES])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, auth_secret, sizeof auth_secret,
	    crypto_generichash_BYTES);
	crypto_generichash_update(&st, (const unsigned char *)user,
	    strlen(user) + 1);
	crypto_generichash_update(&st, (const unsigned char *)key,
	    strlen(key));
	crypto_generichash_final(&st, out, crypto_generichash_BYTES);
}

void
auth_hash(const char *user, const char *key, char hash[128])
{
	unsigned char d[crypto_generichash_BYTES];
	size_t p = sizeof AUTH_HASH_PREFIX - 1;

	auth_keyed(user, key, d);
	memcpy(hash, AUTH_HASH_PREFIX, p);
	sodium_bin2hex(hash + p, 128 - p, d, sizeof d);
}

int
auth_new_key(const char *user, char key[65], char hash[128],
    char err[LOOMD_ERR_LEN])
{
	unsigned char raw[32];

	if (!auth_secret_loaded) {
		snprintf(err, LOOMD_ERR_LEN,
		    "the server secret is not loaded");
		return -1;
	}
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(key, 65, raw, sizeof raw);
	sodium_memzero(raw, sizeof raw);
	auth_hash(user, key, hash);
	return 0;
}

bool
auth_key_matches(const char *hash, const char *user, const char *key)
{
	unsigned char want[crypto_generichash_BYTES];
	unsigned char got[crypto_generichash_BYTES];
	size_t p = sizeof AUTH_HASH_PREFIX - 1, n = 0;
	bool stored_ok;

	auth_keyed(user, key, got);
	/* An unknown user is compared with zeros: the same work. */
	memset(want, 0, sizeof want);
	stored_ok = hash != NULL && strncmp(hash, AUTH_HASH_PREFIX, p) == 0 &&
	    sodium_hex2bin(want, sizeof want, hash + p, strlen(hash + p), NULL,
		&n, NULL) == 0 &&
	    n == sizeof want;
	return sodium_memcmp(want, got, sizeof want) == 0 && stored_ok;
}

/* Digest of user and key, the cache key. */
static void
auth_digest(const char *user, const char *key, unsigned char out[32])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, (const unsigned char *)user,
	    strlen(user) + 1);
	crypto_generichash_update(&st, (const unsigned char *)key,
	    strlen(key));
	crypto_generichash_final(&st, out, 32);
}

/* Look the digest up; true with *is_admin if cached and fresh. */
static bool
auth_cache_get(const unsigned char d[32], bool *is_admin)
{
	struct auth_cached *e = &auth_cache[d[0] % AUTH_CACHE_SIZE];
	bool hit;

	pthread_mutex_lock(&auth_lock);
	hit = e->expires > time(NULL) && sodium_memcmp(e->digest, d, 32) == 0;
	if (hit)
		*is_admin = e->is_admin;
	pthread_mutex_unlock(&auth_lock);
	return hit;
}

/* Remember a verified digest. */
static void
auth_cache_put(const unsigned char d[32], bool is_admin)
{
	struct auth_cached *e = &auth_cache[d[0] % AUTH_CACHE_SIZE];

	pthread_mutex_lock(&auth_lock);
	memcpy(e->digest, d, 32);
	e->is_admin = is_admin;
	e->expires = time(NULL) + AUTH_CACHE_TTL_S;
	pthread_mutex_unlock(&auth_lock);
}

struct auth_lookup {
	const char *user;
	char *hash;
	bool is_admin;
};

/* Read the user's row (db_read_run body). */
static enum db_status
auth_lookup_fn(struct db_conn *c, void *arg)
{
	struct auth_lookup *l = arg;

	free(l->hash);
	l->hash = NULL;
	return entity_store_user_get(c, l->user, &l->hash, &l->is_admin);
}

/* A row to rewrite from Argon2id to the keyed hash (db_tx_run body). */
struct auth_rehash {
	const char *user;
	const char *old;
	const char *fresh;
};

static enum db_status
auth_rehash_fn(struct db_conn *c, void *arg)
{
	struct auth_rehash *h = arg;

	return db_exec(c,
	    "UPDATE users SET key_hash = ? WHERE name = ? AND "
	    "key_hash = ?",
	    NULL, "sss", h->fresh, h->user, h->old);
}

/* The failure slot of a client address (auth_lock held). */
static struct auth_failures *
auth_fail_slot_locked(const char *addr, time_t now)
{
	struct auth_failures *f;
	uint32_t h = 2166136261u; /* FNV-1a */
	const char *p;

	for (p = addr; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	f = &auth_fail[h % AUTH_FAIL_SLOTS];
	if (strcmp(f->addr, addr) != 0 ||
	    now - f->window_start >= auth_cfg->auth_failure_window_s) {
		snprintf(f->addr, sizeof f->addr, "%s", addr);
		f->window_start = now;
		f->count = 0;
	}
	return f;
}

/* Seconds until addr may try again, or 0 if it is under the limit. */
static int64_t
auth_fail_blocked(const char *addr)
{
	struct auth_failures *f;
	time_t now = time(NULL);
	int64_t wait = 0;

	if (auth_cfg->auth_max_failures == 0)
		return 0;
	pthread_mutex_lock(&auth_lock);
	f = auth_fail_slot_locked(addr, now);
	if (f->count >= auth_cfg->auth_max_failures)
		wait = f->window_start + auth_cfg->auth_failure_window_s - now;
	pthread_mutex_unlock(&auth_lock);
	return wait > 0 ? wait : (wait < 0 ? 1 : 0);
}

/* Count one failed check of addr. */
static void
auth_fail_count(const char *addr)
{
	pthread_mutex_lock(&auth_lock);
	auth_fail_slot_locked(addr, time(NULL))->count++;
	pthread_mutex_unlock(&auth_lock);
}

/* Verify X-Loom-ApiKey for user. */
static enum api_status
auth_check_key(struct http_req *req, struct http_resp *resp, const char *user,
    bool *is_admin)
{
	const char *key = http_header(req, "X-Loom-ApiKey");
	struct auth_lookup l = { user, NULL, false };
	char err[LOOMD_ERR_LEN], addr[64], fresh[128];
	unsigned char d[32];
	struct db_conn *c;
	enum db_status st;
	int64_t wait;
	bool ok;

	http_client_addr(req, addr, sizeof addr);
	if ((wait = auth_fail_blocked(addr)) > 0) {
		resp->extra_header = "Retry-After";
		snprintf(resp->extra_value, sizeof resp->extra_value, "%lld",
		    (long long)wait);
		return http_fail(resp, API_TOO_MANY_REQUESTS,
		    "too many failed "
		    "API key checks from %s; retry in %lld seconds with a "
		    "valid X-Loom-ApiKey",
		    addr, (long long)wait);
	}
	if (key == NULL || key[0] == '\0' || strlen(key) > 256) {
		auth_fail_count(addr);
		return http_fail(resp, API_UNAUTHORIZED, "%s", auth_bad_key);
	}
	auth_digest(user, key, d);
	if (auth_cache_get(d, is_admin))
		return API_OK;
	if ((c = db_thread_conn(&st, err)) == NULL)
		return http_fail(resp, API_UNAVAILABLE, "%s", err);
	if (auth_secret_load(c, err) != 0)
		return http_fail(resp, API_UNAVAILABLE, "%s", err);
	st = db_read_run(c, auth_lookup_fn, &l, err);
	if (st != DB_OK && st != DB_ABORT) {
		free(l.hash);
		return http_fail(resp, API_UNAVAILABLE, "%s", err);
	}
	if (l.hash != NULL &&
	    strncmp(l.hash, AUTH_ARGON2_PREFIX,
		sizeof AUTH_ARGON2_PREFIX - 1) == 0) {
		/* A key issued before 0006: check it once the slow way. */
		ok = crypto_pwhash_str_verify(l.hash, key, strlen(key)) == 0;
		if (ok) {
			struct auth_rehash h = { user, l.hash, fresh };

			auth_hash(user, key, fresh);
			if (db_tx_run(c, auth_rehash_fn, &h, err) != DB_OK)
				log_warn(
				    "auth: cannot rewrite the key hash of "
				    "%s: %s",
				    user, err);
			else
				log_info("auth: key of %s now stored as a "
					 "keyed hash",
				    user);
		}
	} else
		ok = auth_key_matches(l.hash, user, key);
	free(l.hash);
	if (!ok) {
		auth_fail_count(addr);
		return http_fail(resp, API_UNAUTHORIZED, "%s", auth_bad_key);
	}
	*is_admin = l.is_admin;
	auth_cache_put(d, l.is_admin);
	return API_OK;
}

enum api_status
auth_user(struct http_req *req, struct http_resp *resp, const char **user,
    bool *is_admin)
{
	const char *u = http_header(req, "X-Loom-UserID");

	if (u == NULL || u[0] == '\0')
		return http_fail(resp, API_UNAUTHORIZED,
		    "X-Loom-UserID not found in the request header.");
	if (strlen(u) > AUTH_USER_MAX)
		return http_fail(resp, API_BAD_REQUEST,
		    "X-Loom-UserID is "
		    "longer than %d characters; use a shorter user name",
		    AUTH_USER_MAX);
	if (strcmp(u, AUTH_SYSTEM_USER) == 0)
		return http_fail(resp, API_FORBIDDEN,
		    "user %s is internal to "
		    "loomd and cannot be used by clients",
		    AUTH_SYSTEM_USER);
	*user = u;
	*is_admin = strcmp(u, AUTH_ADMIN_USER) == 0;
	if (auth_cfg->auth_require_api_key)
		return auth_check_key(req, resp, u, is_admin);
	return API_OK;
}

enum api_status
auth_admin(struct http_req *req, struct http_resp *resp, const char **user)
{
	enum api_status st;
	bool is_admin = false;

	/* Loom answers 403, not 401, to a missing user on admin routes. */
	if (http_header(req, "X-Loom-UserID") == NULL)
		return http_fail(resp, API_FORBIDDEN,
		    "user unauthorized, must be admin.");
	if ((st = auth_user(req, resp, user, &is_admin)) != API_OK)
		return st;
	if (!is_admin)
		return http_fail(resp, API_FORBIDDEN,
		    "user unauthorized, must be admin.");
	return API_OK;
}
