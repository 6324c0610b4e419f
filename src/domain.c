/* SPDX-License-Identifier: Apache-2.0 */
/*
 * domain.c - outcomes and shared helpers of the cluster domain (see
 * domain.h).
 */
#include "config.h"

#include "domain.h"

#include <ctype.h>
#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jsonx.h"

static const struct cfg *domain_the_cfg;
static const char *domain_the_me;

void
domain_init(const struct cfg *cfg, const char *me)
{
	domain_the_cfg = cfg;
	domain_the_me = me;
}

const struct cfg *
domain_cfg(void)
{
	return domain_the_cfg;
}

const char *
domain_me(void)
{
	return domain_the_me;
}

int64_t
domain_now_ms(void)
{
	return common_now_ms(CLOCK_REALTIME);
}

int
domain_parse_cluster_id(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (s == NULL || *s == '\0' || strlen(s) > 18)
		return -1;
	for (end = (char *)s; *end != '\0'; end++)
		if (!isdigit((unsigned char)*end))
			return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || v < 0)
		return -1;
	*out = v;
	return 0;
}

void
domain_uuid(char buf[DOMAIN_UUID_LEN])
{
	unsigned char b[16];

	randombytes_buf(b, sizeof b);
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(buf, DOMAIN_UUID_LEN,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x-%02x%02x%02x%02x%02x%02x",
	    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10],
	    b[11], b[12], b[13], b[14], b[15]);
}

void
domain_fail(struct domain_out *out, enum domain_result res, const char *fmt,
    ...)
{
	va_list ap;

	out->res = res;
	va_start(ap, fmt);
	vsnprintf(out->msg, sizeof out->msg, fmt, ap);
	va_end(ap);
}

void
domain_out_json(struct domain_out *out, struct json_object *o)
{
	free(out->body);
	out->body = xstrdup(json_object_to_json_string_ext(o, DOMAIN_JSON));
}

enum domain_result
domain_from_db(enum db_status st)
{
	if (st == DB_OK)
		return DOMAIN_OK;
	return db_status_transient(st) ? DOMAIN_UNAVAILABLE : DOMAIN_INTERNAL;
}

void
domain_finish_tx(struct domain_out *out, enum db_status st, const char *err)
{
	if (st == DB_OK)
		return;
	free(out->body);
	out->body = NULL;
	if (st == DB_ABORT)
		return; /* the body set the outcome */
	domain_fail(out, domain_from_db(st), "%s", err);
}

struct db_conn *
domain_conn(struct domain_out *out)
{
	char err[LOOMD_ERR_LEN];
	struct db_conn *c;

	if ((c = db_thread_conn(NULL, err)) == NULL)
		domain_fail(out, DOMAIN_UNAVAILABLE, "%s", err);
	return c;
}

struct json_object *
domain_parse(const char *text)
{
	struct json_object *o =
	    json_tokener_parse(text != NULL ? text : "null");

	if (o == NULL && text != NULL)
		log_error("cluster_store: stored JSON is corrupt: %.80s",
		    text);
	return o;
}

struct json_object *
domain_parse_rows(const struct db_rows *r)
{
	struct json_object *arr = jsonx_new_array(), *o;
	size_t i;

	for (i = 0; i < r->nrows; i++)
		if ((o = domain_parse(db_rows_get(r, i, 0))) != NULL)
			jsonx_append(arr, o);
	return arr;
}

const char *
domain_lower(const char *s, char *buf, size_t n)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < n; i++)
		buf[i] = (char)tolower((unsigned char)s[i]);
	buf[i] = '\0';
	return buf;
}
