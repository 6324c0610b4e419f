/* SPDX-License-Identifier: Apache-2.0 */
/*
 * codec.h - the five admin entity types of Loom 0.9 (provider, hardware
 * type, image type, service, cluster template; LOOM-0.9-API.md §2.1-§2.4):
 * validation with Loom's exact messages and the canonical JSON form that is
 * stored and returned by GET, with every default materialised as the 0.9
 * codecs emitted it (numbers given as strings become numbers, sets lose
 * duplicates, nulls are dropped).  Also the names of the types in messages
 * and URLs, the template lease check of POST/PUT (§1.3) and the parser of
 * an /import body (§1.4).  Pure: no I/O.
 */
#ifndef LOOMD_CODEC_H
#define LOOMD_CODEC_H

#include <json-c/json.h>

#include "common.h"

/* Longest entity name accepted (loomd limit; Loom had none). */
#define CODEC_NAME_MAX 255

enum codec_type {
	CODEC_PROVIDER = 0,
	CODEC_HARDWARETYPE,
	CODEC_IMAGETYPE,
	CODEC_SERVICE,
	CODEC_CLUSTERTEMPLATE,
};
#define CODEC_NTYPES 5

/*
 * How a decode failed, which fixes the 400 body of the admin handlers
 * (§1.3): a validation rule of Loom (IllegalArgumentException) is sent as
 * "invalid input: <err>"; anything else (wrong JSON type, missing required
 * field such as name, unparsable number) is sent as plain "invalid input",
 * with err saying why only for the log.
 */
enum codec_error {
	CODEC_ERR_NONE = 0,
	CODEC_ERR_MESSAGE, /* body "invalid input: <err>" */
	CODEC_ERR_PLAIN,   /* body "invalid input" */
};

/* Word used in messages: "provider", "hardware type", ... */
const char *codec_type_word(enum codec_type type);
/* URL segment and export key: "providers", ... "clustertemplates". */
const char *codec_type_path(enum codec_type type);
/* Map a URL segment / export key to its type; -1 if unknown. */
int codec_type_from_path(const char *path,
    enum codec_type *out) LOOMD_MUSTCHECK;

/*
 * Validate the name of an entity or cluster: not NULL, non-empty, only
 * [a-zA-Z0-9_.-], at most CODEC_NAME_MAX bytes.  On -1, err holds the
 * message to send after "invalid input: " (Loom's "invalid name.  Name must
 * consist of only [a-zA-Z0-9_.-]", or the length message).
 */
int codec_check_name(const char *name,
    char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/*
 * Decode and validate one entity of the given type from in (borrowed).  On
 * success returns 0 and *out is a new canonical object the caller releases
 * with json_object_put(); in is not modified.  On failure returns -1, *out
 * is NULL, *kind says how to report it and err holds the message.
 */
int codec_parse(enum codec_type type, struct json_object *in,
    struct json_object **out, enum codec_error *kind,
    char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/*
 * The 400 body of §1.3 for a failed codec_parse(): "invalid input: <err>"
 * or "invalid input".  Caller frees the string with free().
 */
char *codec_error_body(enum codec_error kind, const char *err);

/* Name of a canonical entity (borrowed from ent), or NULL if it has none. */
const char *codec_name(struct json_object *ent);

/*
 * The lease check POST and PUT apply to a canonical cluster template (not
 * import): 0 means unlimited for both initial and max, and max < initial is
 * refused with "Initial lease duration cannot be more than max lease
 * duration for cluster template <name>" (sent as is, without "invalid
 * input").  Returns 0 or -1 with err set.
 */
int codec_check_template_lease(struct json_object *tmpl,
    char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/*
 * The size constraint of a canonical cluster template (Coopr 0.9.9):
 * 0 when n machines fit constraints.size (or it has none), else -1 with
 * "Size must be at least <min> but not greater than <max>. Now it's <n>"
 * in err.
 */
int codec_check_template_size(struct json_object *tmpl, int64_t n,
    char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/*
 * Decode an /import body (borrowed; the shape of GET /export): an object
 * whose keys "providers", ... "clustertemplates" are arrays of entities; a
 * missing or null key is an empty list, other keys are ignored.  On success
 * returns 0 and *out is a new object with all five keys, each an array of
 * canonical entities in input order (caller frees with json_object_put()).
 * Fails on the first invalid entity with err "<type word> <name>: <reason>"
 * (or "<type word> #<index>: ..." when it has no usable name); *kind is that
 * entity's codec_error, or CODEC_ERR_PLAIN when the body or a section has
 * the wrong shape.  No lease check, no duplicate check (§1.4).
 */
int codec_parse_import(struct json_object *in, struct json_object **out,
    enum codec_error *kind, char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

#endif /* LOOMD_CODEC_H */
