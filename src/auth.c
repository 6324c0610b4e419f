/* SPDX-License-Identifier: Apache-2.0 */
/*
 * auth.c - user header, admin check and API keys (see auth.h).  A verified
 * (user, key) pair is remembered for AUTH_CACHE_TTL_S seconds by its
 * BLAKE2b digest, so the slow hash is not paid on every request; a revoked
 * key therefore stops working within that time.
 */
#include "config.h"

#include "auth.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cfg.h"
#include "db.h"
#include "entity_store.h"

#define AUTH_CACHE_SIZE 256
#define AUTH_CACHE_TTL_S 60

/* One cache slot: digest of "user\0key", its admin flag and expiry. */
struct auth_cached {
	unsigned char	digest[32];
	bool		is_admin;
	time_t		expires;
};

static const struct cfg *auth_cfg;
static pthread_mutex_t auth_lock = PTHREAD_MUTEX_INITIALIZER;
static struct auth_cached auth_cache[AUTH_CACHE_SIZE];

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

int
auth_new_key(char key[65], char hash[128], char err[LOOMD_ERR_LEN])
{
	unsigned char raw[32];

	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(key, 65, raw, sizeof raw);
	sodium_memzero(raw, sizeof raw);
	if (crypto_pwhash_str(hash, key, strlen(key),
	    crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
		snprintf(err, LOOMD_ERR_LEN, "crypto_pwhash_str: out of "
		    "memory");
		return -1;
	}
	return 0;
}

bool
auth_key_matches(const char *hash, const char *key)
{
	return crypto_pwhash_str_verify(hash, key, strlen(key)) == 0;
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
	const char	*user;
	char		*hash;
	bool		 is_admin;
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

/* Verify X-Loom-ApiKey for user. */
static enum api_status
auth_check_key(struct http_req *req, struct http_resp *resp,
    const char *user, bool *is_admin)
{
	const char *key = http_header(req, "X-Loom-ApiKey");
	struct auth_lookup l = { user, NULL, false };
	char err[LOOMD_ERR_LEN];
	unsigned char d[32];
	struct db_conn *c;
	enum db_status st;
	bool ok;

	if (key == NULL || key[0] == '\0' || strlen(key) > 256)
		return http_fail(resp, API_UNAUTHORIZED, "%s", auth_bad_key);
	auth_digest(user, key, d);
	if (auth_cache_get(d, is_admin))
		return API_OK;
	if ((c = db_thread_conn(&st, err)) == NULL)
		return http_fail(resp, API_UNAVAILABLE, "%s", err);
	st = db_read_run(c, auth_lookup_fn, &l, err);
	if (st != DB_OK && st != DB_ABORT) {
		free(l.hash);
		return http_fail(resp, API_UNAVAILABLE, "%s", err);
	}
	ok = l.hash != NULL && auth_key_matches(l.hash, key);
	free(l.hash);
	if (!ok)
		return http_fail(resp, API_UNAUTHORIZED, "%s", auth_bad_key);
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
