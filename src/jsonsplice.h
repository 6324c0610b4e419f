/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jsonsplice.h - set top-level members of a JSON object given as text,
 * without building json-c objects: the read routes send the documents
 * loomd stored (canonical json-c text) with a few members set, as one
 * scan and one copy.  Pure: no I/O, no globals.
 */
#ifndef LOOMD_JSONSPLICE_H
#define LOOMD_JSONSPLICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a member's new value is made of. */
enum jsonsplice_kind {
	JSONSPLICE_STRING, /* str: a C string, written as a JSON string */
	JSONSPLICE_ARRAY   /* elems: JSON texts, written as one array */
};

/*
 * One member to set.  key is plain (no '"', '\\' or byte below 0x20) and
 * is matched against the object's keys as written.  All borrowed.
 */
struct jsonsplice_member {
	const char *key;
	enum jsonsplice_kind kind;
	const char *str;	  /* JSONSPLICE_STRING */
	const char *const *elems; /* JSONSPLICE_ARRAY: nelems texts */
	const size_t *elens;	  /* their lengths */
	size_t nelems;
};

/*
 * Is s[0, len) one JSON value of type object (RFC 8259 grammar,
 * whitespace around it allowed, at most JSONSPLICE_MAX_DEPTH levels)?
 */
#define JSONSPLICE_MAX_DEPTH 512
bool jsonsplice_is_object(const char *s, size_t len);

/*
 * The text of the JSON object obj[0, len) with the n members m set: a
 * member whose key obj has at top level gets its new value in place
 * (every occurrence), the others are appended in the order of m.  The
 * rest of obj is copied as it is.  Returns a NUL-terminated string the
 * caller frees (its length in *outlen when not NULL), or NULL if obj is
 * not a valid JSON object.
 */
char *jsonsplice_set(const char *obj, size_t len,
    const struct jsonsplice_member *m, size_t n, size_t *outlen);

/*
 * Writers of JSON text, for a text measured first and then written into
 * one allocation of its size: each writes at o + at (o NULL: measures
 * only) and returns the offset after what it wrote.
 */
/* The len bytes of s as they are. */
size_t jsonsplice_put(char *o, size_t at, const char *s, size_t len);
/* s as json-c writes a string without slash escaping (NULL: null). */
size_t jsonsplice_put_string(char *o, size_t at, const char *s);
/*
 * The content of the JSON string of s[0, len), without its quotes, as
 * json-c escapes it without slash escaping: '"' and '\\' after a
 * backslash, \n \r \t, \b and \f when bf (else \u0008 and \u000c, as
 * the plan text has always written them), every other byte below 0x20 as
 * \u00xx (lower-case hex); every other byte ('/', UTF-8) as it is.
 */
size_t jsonsplice_put_escaped(char *o, size_t at, const char *s, size_t len,
    bool bf);
/* v as json-c writes an integer. */
size_t jsonsplice_put_int(char *o, size_t at, int64_t v);

#endif /* LOOMD_JSONSPLICE_H */
