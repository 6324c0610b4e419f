/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fixture_data.c - the files of tests/data (see fixture_data.h).
 */
#include "config.h"

#include "fixture_data.h"

#include <criterion/criterion.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef LOOMD_TEST_SRCDIR
#error "LOOMD_TEST_SRCDIR (the source tree) is set by Makefile.am"
#endif

const char *
fx_data_srcdir(void)
{
	const char *src = getenv("LOOMD_SRCDIR");

	return src != NULL && *src != '\0' ? src : LOOMD_TEST_SRCDIR;
}

void
fx_data_path(char *out, size_t n, const char *rel)
{
	snprintf(out, n, "%s/tests/data/%s", fx_data_srcdir(), rel);
}

char *
fx_data_read(const char *rel, size_t *len)
{
	char path[4096], *buf;
	size_t got;
	long n;
	FILE *fp;

	fx_data_path(path, sizeof path, rel);
	fp = fopen(path, "rb");
	cr_assert_not_null(fp, "cannot open %s", path);
	cr_assert_eq(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	cr_assert(n >= 0, "cannot size %s", path);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	cr_assert_not_null(buf);
	got = fread(buf, 1, (size_t)n, fp);
	fclose(fp);
	cr_assert_eq(got, (size_t)n, "short read of %s", path);
	buf[got] = '\0';
	if (len != NULL)
		*len = got;
	return buf;
}

struct json_object *
fx_data_json(const char *rel)
{
	struct json_object *o;
	char path[4096];

	fx_data_path(path, sizeof path, rel);
	o = json_object_from_file(path);
	cr_assert_not_null(o, "cannot load %s: %s", path,
	    json_util_get_last_err());
	return o;
}

struct json_object *
fx_data_loom(const char *name)
{
	char rel[1024];

	snprintf(rel, sizeof rel, "loom-fixtures/%s", name);
	return fx_data_json(rel);
}

struct json_object *
fx_data_get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	cr_assert(json_object_object_get_ex(o, key, &v), "no key %s", key);
	return v;
}

const char *
fx_data_str(struct json_object *o, const char *key)
{
	return json_object_get_string(fx_data_get(o, key));
}

struct json_object *
fx_data_find(struct json_object *arr, const char *key, const char *value)
{
	struct json_object *e, *v;
	size_t i;

	for (i = 0; i < json_object_array_length(arr); i++) {
		e = json_object_array_get_idx(arr, i);
		if (json_object_object_get_ex(e, key, &v) &&
		    json_object_is_type(v, json_type_string) &&
		    strcmp(json_object_get_string(v), value) == 0)
			return e;
	}
	cr_assert_fail("no element with %s \"%s\"", key, value);
	return NULL;
}

const char **
fx_data_strv(struct json_object *arr, size_t *n)
{
	const char **v;
	size_t i;

	*n = 0;
	if (arr == NULL)
		return NULL;
	*n = json_object_array_length(arr);
	v = calloc(*n + 1, sizeof *v);
	cr_assert_not_null(v);
	for (i = 0; i < *n; i++)
		v[i] =
		    json_object_get_string(json_object_array_get_idx(arr, i));
	return v;
}
