/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_apikey.c - auth.require_api_key = true on a real loomd: users added
 * with "loomd --add-user", a missing, a wrong and a right key, the admin
 * flag, revocation, a users table that never holds the clear key, and
 * keys issued as Argon2id hashes rewritten as keyed hashes on first use.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

FX_SUITE(apikey, "auth = { require_api_key = true; };", NULL, .timeout = 60);
FX_MAIN(FX_NEED_DB, 0)

/* Run loomd --add-user and return the printed key in key[80]. */
static void
add_user(const char *name, bool admin, char key[80])
{
	char cmd[1024];
	FILE *fp;

	snprintf(cmd, sizeof cmd, "'%s' -c '%s' --add-user %s%s 2>/dev/null",
	    getenv("LOOMD_BIN"), fx.d.conf, name, admin ? " --admin" : "");
	fp = popen(cmd, "r");
	cr_assert_not_null(fp);
	cr_assert_not_null(fgets(key, 80, fp));
	cr_assert_eq(pclose(fp), 0);
	key[strcspn(key, "\n")] = '\0';
	cr_assert_eq(strlen(key), 64, "key %s", key);
}

/* GET /v1/loom/providers as user with key (NULL: no key header). */
static long
get_as(const char *user, const char *key, char *body, size_t n)
{
	char hdr[256];
	struct fx_resp r;
	long s;

	if (key != NULL)
		snprintf(hdr, sizeof hdr,
		    "X-Loom-UserID: %s\nX-Loom-ApiKey: "
		    "%s",
		    user, key);
	else
		snprintf(hdr, sizeof hdr, "X-Loom-UserID: %s", user);
	fx_http(fx.d.port, "GET", "/v1/loom/providers", hdr, NULL, 0, 10000,
	    &r);
	s = r.status;
	if (body != NULL)
		snprintf(body, n, "%s", r.body);
	fx_resp_free(&r);
	return s;
}

Test(apikey, missing_wrong_and_right_keys)
{
	char key[80], b1[512], b2[512], out[512], sql[256];

	add_user("alice", false, key);
	cr_expect_eq(get_as("alice", NULL, b1, sizeof b1), 401);
	cr_expect_eq(get_as("alice", "0000", b2, sizeof b2), 401);
	cr_expect_str_eq(b1, b2, "missing and wrong key look the same");
	cr_expect_eq(get_as("mallory", key, NULL, 0), 401,
	    "a key belongs to its user");
	cr_expect_eq(get_as("alice", key, NULL, 0), 200);
	/* Twice: the second comes from the verified-key cache. */
	cr_expect_eq(get_as("alice", key, NULL, 0), 200);

	/* The table holds a keyed hash, never the key. */
	snprintf(sql, sizeof sql,
	    "SELECT COUNT(*) FROM users WHERE key_hash "
	    "LIKE '%%%s%%'",
	    key);
	fx_sql(&fx.db, fx.dbname, sql, out, sizeof out);
	cr_expect_str_eq(out, "0");
	fx_sql(&fx.db, fx.dbname,
	    "SELECT LEFT(key_hash, 8) FROM users WHERE "
	    "name = 'alice'",
	    out, sizeof out);
	cr_expect_str_eq(out, "$loomk1$");
}

Test(apikey, argon2id_rows_are_rewritten_on_their_next_good_use)
{
	char hash[crypto_pwhash_STRBYTES], sql[512], out[512];
	const char *key =
	    "6c6f6f6d642d6b65792d6973737565642d6265666f72652d3030"
	    "30362d2d2d2d2d2d";

	cr_assert_geq(sodium_init(), 0);
	cr_assert_eq(crypto_pwhash_str(hash, key, strlen(key),
			 crypto_pwhash_OPSLIMIT_INTERACTIVE,
			 crypto_pwhash_MEMLIMIT_INTERACTIVE),
	    0);
	snprintf(sql, sizeof sql,
	    "INSERT INTO users (name, key_hash) VALUES "
	    "('dave', '%s')",
	    hash);
	cr_assert_eq(fx_sql(&fx.db, fx.dbname, sql, out, sizeof out), 0, "%s",
	    out);
	cr_expect_eq(get_as("dave", "00", NULL, 0), 401);
	fx_sql(&fx.db, fx.dbname,
	    "SELECT LEFT(key_hash, 9) FROM users WHERE "
	    "name = 'dave'",
	    out, sizeof out);
	cr_expect_str_eq(out, "$argon2id", "a wrong key changes nothing");
	cr_expect_eq(get_as("dave", key, NULL, 0), 200);
	fx_sql(&fx.db, fx.dbname,
	    "SELECT LEFT(key_hash, 8) FROM users WHERE "
	    "name = 'dave'",
	    out, sizeof out);
	cr_expect_str_eq(out, "$loomk1$");
	/* The same key still works against the rewritten row. */
	cr_expect_eq(get_as("dave", key, NULL, 0), 200);
}

Test(apikey, writes_need_an_admin_user)
{
	char akey[80], ukey[80], hdr[256];
	const char *body = "{\"name\":\"p\",\"providertype\":\"joyent\"}";
	struct fx_resp r;

	add_user("root1", true, akey);
	add_user("bob", false, ukey);
	snprintf(hdr, sizeof hdr, "X-Loom-UserID: bob\nX-Loom-ApiKey: %s",
	    ukey);
	fx_http(fx.d.port, "POST", "/v1/loom/providers", hdr, body,
	    strlen(body), 10000, &r);
	cr_expect_eq(r.status, 403);
	fx_resp_free(&r);
	snprintf(hdr, sizeof hdr, "X-Loom-UserID: root1\nX-Loom-ApiKey: %s",
	    akey);
	fx_http(fx.d.port, "POST", "/v1/loom/providers", hdr, body,
	    strlen(body), 10000, &r);
	cr_expect_eq(r.status, 200, "%s", r.body);
	fx_resp_free(&r);
	/* Without a key even "admin" is refused. */
	fx_http(fx.d.port, "POST", "/v1/loom/providers",
	    "X-Loom-UserID: admin", body, strlen(body), 10000, &r);
	cr_expect_eq(r.status, 401);
	fx_resp_free(&r);
}

Test(apikey, revoked_user_is_refused)
{
	char key[80], cmd[1024];

	add_user("carol", false, key);
	snprintf(cmd, sizeof cmd,
	    "'%s' -c '%s' --revoke-user carol "
	    "2>/dev/null",
	    getenv("LOOMD_BIN"), fx.d.conf);
	cr_assert_eq(fx_shell("%s", cmd), 0);
	cr_expect_eq(get_as("carol", key, NULL, 0), 401);
	cr_expect_neq(fx_shell("%s", cmd), 0, "revoking twice fails");
}
