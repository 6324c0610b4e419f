/* SPDX-License-Identifier: Apache-2.0 */
/*
 * codec_int.h - what the codec's files share and nothing else includes:
 * the decode context, the field readers and the NamedEntity rules of
 * codec.c, and the entity decoders of codec_service.c and
 * codec_template.c that codec_parse() dispatches to.
 */
#ifndef LOOMD_CODEC_INT_H
#define LOOMD_CODEC_INT_H

#include <stdint.h>

#include <json-c/json.h>

#include "codec.h"
#include "common.h"

/* Result of one decode, and the buffer its message goes to. */
struct codec_ctx {
	enum codec_error kind;
	char *err;
};

/* Record a failure of the given kind; always returns -1. */
int codec_fail(struct codec_ctx *c, enum codec_error kind, const char *fmt,
    ...) LOOMD_PRINTF(3, 4);

/*
 * Field readers.  Each returns 1 with *out set when obj[key] holds a usable
 * value, 0 when it is missing or null, and -1 (plain error naming what)
 * when it has the wrong JSON type.
 */
/* A string (numbers and booleans are taken as their text); borrowed. */
int codec_read_string(struct codec_ctx *c, struct json_object *obj,
    const char *key, const char *what, const char **out);
/*
 * The name and description of a NamedEntity, in that order (borrowed):
 * 1 or 0 as the name is present, -1 on a type error.
 */
int codec_read_named(struct codec_ctx *c, struct json_object *in,
    const char **name, const char **desc);
/* An object (borrowed). */
int codec_read_object(struct codec_ctx *c, struct json_object *obj,
    const char *key, const char *what, struct json_object **out);
/* An integer in [min, max]; numbers given as strings are accepted. */
int codec_read_int(struct codec_ctx *c, struct json_object *obj,
    const char *key, const char *what, int64_t min, int64_t max, int64_t *out);
/* A Set<String> field: *out is a new array (caller puts), or absent. */
int codec_read_set(struct codec_ctx *c, struct json_object *obj,
    const char *key, const char *what, struct json_object **out);
/*
 * A Set<Set<String>> field: *out is a new array of string sets (caller
 * puts); absent gives an empty array.
 */
int codec_read_set_of_sets(struct codec_ctx *c, struct json_object *obj,
    const char *key, const char *what, struct json_object **out);

/* Index of s in the NULL-terminated table, or -1. */
int codec_lookup(const char *const *table, const char *s);
/* The name rule of NamedEntity: missing is a plain error (Java NPE). */
int codec_name_rule(struct codec_ctx *c, int have, const char *name);
/*
 * A new output object (caller puts) with name and, if not NULL,
 * description.
 */
struct json_object *codec_out_named(const char *name, const char *description);

/* Service (codec_service.c): *out is new (caller puts) on 0; -1 on error. */
int codec_service_parse(struct codec_ctx *c, struct json_object *in,
    struct json_object **out);
/* ClusterTemplate (codec_template.c): as codec_service_parse(). */
int codec_template_parse(struct codec_ctx *c, struct json_object *in,
    struct json_object **out);

#endif /* LOOMD_CODEC_INT_H */
