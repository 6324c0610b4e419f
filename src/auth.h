/* SPDX-License-Identifier: Apache-2.0 */
/*
 * auth.h - who is calling.  X-Loom-UserID names the user (401 without it);
 * writes to the catalogue need an admin (403).  Loom never checked the API
 * key; with auth.require_api_key = true loomd verifies X-Loom-ApiKey against
 * the users table, where keys are kept only as Argon2id hashes
 * (libsodium crypto_pwhash_str) and compared in constant time.  Without it,
 * as in Loom, the admin is the user named "admin".
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

/* Call once at startup (initialises libsodium); borrows cfg. */
int auth_init(const struct cfg *cfg, char err[LOOMD_ERR_LEN])
    LOOMD_MUSTCHECK;

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
 * A new random API key (64 hex characters) in key[65] and its hash for the
 * users table in hash[128].  Returns 0 or -1 with err.
 */
int auth_new_key(char key[65], char hash[128], char err[LOOMD_ERR_LEN])
    LOOMD_MUSTCHECK;

/* Does key match the stored hash?  Constant-time. */
bool auth_key_matches(const char *hash, const char *key);

#endif /* LOOMD_AUTH_H */
