/* SPDX-License-Identifier: Apache-2.0 */
/*
 * auth.h - who is calling.  X-Loom-UserID names the user (401 without it);
 * writes to the catalogue need an admin (403).  Loom never checked the API
 * key; with auth.require_api_key = true loomd verifies X-Loom-ApiKey against
 * the users table, where keys are kept only as keyed BLAKE2b hashes
 * (libsodium crypto_generichash, keyed with the server secret of the
 * auth_secret table) and compared in constant time; rows still holding an
 * Argon2id hash are rewritten on their next successful use.  Without it,
 * as in Loom, the admin is the user named "admin".  The user "system" is
 * loomd's own and is refused from clients.
 */
#ifndef LOOMD_AUTH_H
#define LOOMD_AUTH_H

#include <stdbool.h>

#include "common.h"
#include "http.h"

struct cfg;

/* Loom's fixed user names. */
#define AUTH_ADMIN_USER "admin"
#define AUTH_SYSTEM_USER "system"
/* Longest X-Loom-UserID accepted (users.name, clusters.owner_id). */
#define AUTH_USER_MAX 255

struct db_conn;

/* Call once at startup (initialises libsodium); borrows cfg. */
int auth_init(const struct cfg *cfg, char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/*
 * Authenticate req.  On API_OK *user (borrowed from the request) and
 * *is_admin are set; otherwise resp holds the error (401, or 503 when the
 * users table cannot be read).
 */
enum api_status auth_user(struct http_req *req, struct http_resp *resp,
    const char **user, bool *is_admin);

/* As auth_user() and the user must be an admin (403 otherwise). */
enum api_status auth_admin(struct http_req *req, struct http_resp *resp,
    const char **user);

/*
 * Read the server secret from the auth_secret table on c, creating it if
 * no loomd has yet; once per process (later calls return 0 at once).
 * Returns 0 or -1 with err.
 */
int auth_secret_load(struct db_conn *c,
    char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/*
 * A new random API key (64 hex characters) for user in key[65] and its
 * keyed hash for the users table in hash[128].  The secret must be loaded
 * (auth_secret_load()).  Returns 0 or -1 with err.
 */
int auth_new_key(const char *user, char key[65], char hash[128],
    char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/* The keyed hash of user's key into hash[128] (secret loaded). */
void auth_hash(const char *user, const char *key, char hash[128]);

/*
 * Does key match user's stored keyed hash (NULL: no such user)?  Constant
 * time, and the same work whether the user exists or not.
 */
bool auth_key_matches(const char *hash, const char *user, const char *key);

#endif /* LOOMD_AUTH_H */
