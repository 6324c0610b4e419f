/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jsonx.c - thin json-c helpers: forgiving member and string reads, Java
 * style integer reads and fatal-on-out-of-memory constructors (see
 * jsonx.h).  Pure: no I/O.
 */
#include "config.h"

#include "jsonx.h"

#include <stdbool.h>
#include <string.h>

struct json_object *
jsonx_get(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_is_type(o, json_type_object))
		return NULL;
	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	return v; /* NULL for JSON null */
}

const char *
jsonx_str(struct json_object *v)
{
	if (!json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

const char *
jsonx_get_str(struct json_object *o, const char *key)
{
	return jsonx_str(jsonx_get(o, key));
}

struct json_object *
jsonx_find_named(struct json_object *arr, const char *name)
{
	struct json_object *e;
	const char *s;
	size_t i, n;

	if (name == NULL || !json_object_is_type(arr, json_type_array))
		return NULL;
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(arr, i);
		s = jsonx_get_str(e, "name");
		if (s != NULL && strcmp(s, name) == 0)
			return e;
	}
	return NULL;
}

int
jsonx_parse_long(const char *s, int64_t *out)
{
	uint64_t v = 0, lim;
	bool neg = false;
	int d;

	if (s == NULL)
		return -1;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (*s == '\0')
		return -1;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		d = *s - '0';
		if (v > (lim - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (neg)
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	else
		*out = (int64_t)v;
	return 0;
}

int
jsonx_long(struct json_object *v, int64_t *out)
{
	double d;

	switch (json_object_get_type(v)) {
	case json_type_int:
		*out = json_object_get_int64(v);
		return 0;
	case json_type_double:
		d = json_object_get_double(v);
		if (!(d >= -9.2e18 && d <= 9.2e18) || (double)(int64_t)d != d)
			return -1;
		*out = (int64_t)d;
		return 0;
	case json_type_string:
		return jsonx_parse_long(json_object_get_string(v), out);
	default:
		return -1;
	}
}

struct json_object *
jsonx_check(struct json_object *o)
{
	if (o == NULL)
		fatalx("json-c: out of memory");
	return o;
}

struct json_object *
jsonx_new_object(void)
{
	return jsonx_check(json_object_new_object());
}

struct json_object *
jsonx_new_array(void)
{
	return jsonx_check(json_object_new_array());
}

struct json_object *
jsonx_new_array_ext(size_t n)
{
#if JSON_C_VERSION_NUM >= ((0 << 16) | (16 << 8))
	return jsonx_check(json_object_new_array_ext(n > 0 ? (int)n : 1));
#else
	(void)n;
	return jsonx_check(json_object_new_array());
#endif
}

struct json_object *
jsonx_new_string(const char *s)
{
	return jsonx_check(json_object_new_string(s));
}

struct json_object *
jsonx_new_string_or_null(const char *s)
{
	if (s == NULL)
		return NULL;
	return jsonx_new_string(s);
}

struct json_object *
jsonx_new_int64(int64_t v)
{
	return jsonx_check(json_object_new_int64(v));
}

struct json_object *
jsonx_copy(struct json_object *src)
{
	struct json_object *dst = NULL;

	if (src == NULL)
		return NULL;
	if (json_object_deep_copy(src, &dst, NULL) != 0 || dst == NULL)
		fatalx("json-c: out of memory");
	return dst;
}

void
jsonx_set(struct json_object *obj, const char *key, struct json_object *v)
{
	if (json_object_object_add(obj, key, v) != 0)
		fatalx("json-c: out of memory");
}

void
jsonx_add_new(struct json_object *obj, const char *key, struct json_object *v)
{
	if (json_object_object_add_ex(obj, key, v,
		JSON_C_OBJECT_ADD_KEY_IS_NEW |
		    JSON_C_OBJECT_ADD_CONSTANT_KEY) != 0)
		fatalx("json-c: out of memory");
}

void
jsonx_append(struct json_object *arr, struct json_object *v)
{
	if (json_object_array_add(arr, v) != 0)
		fatalx("json-c: out of memory");
}
