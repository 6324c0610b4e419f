/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dprov_scan.h - a cursor over JSON text that validates it as it reads and
 * builds nothing: how loom-dummy-provisioner reads a take's answer, whose
 * config holds the job's whole nodes map (1.1 MB at 10,000 nodes), for the
 * six values it needs.  Strict RFC 8259; nesting is limited to
 * DPROV_SCAN_MAX_DEPTH, as json-c's parser limits it.
 */
#ifndef LOOMD_DPROV_SCAN_H
#define LOOMD_DPROV_SCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "common.h"

#define DPROV_SCAN_MAX_DEPTH 32

/* The cursor: text [base, end), read up to p. */
struct dprov_scan {
	const char *base;
	const char *p;
	const char *end;
	int depth;
	const char *err; /* static reason of the first error, or NULL */
	size_t err_at;	 /* its byte offset */
};

/* A member's key as it stands in the text, between its quotes. */
struct dprov_scan_key {
	const char *raw;
	size_t len;
	bool escaped; /* holds a backslash */
};

/* Start reading the len bytes at text (borrowed; need not end in NUL). */
void dprov_scan_init(struct dprov_scan *s, const char *text, size_t len);

/*
 * At the next value: 1 if it is an object, whose '{' is then consumed;
 * 0 if it is something else (nothing consumed); -1 on an error.
 */
int dprov_scan_object(struct dprov_scan *s) LOOMD_MUSTCHECK;

/*
 * The next member of the object being read, *i members in (0 at the
 * first; advanced here): 1 with its key in *k and the cursor at its value,
 * which the caller must consume; 0 at the closing '}' (consumed); -1 on an
 * error.
 */
int dprov_scan_member(struct dprov_scan *s, size_t *i,
    struct dprov_scan_key *k) LOOMD_MUSTCHECK;

/* Whether key k, unescaped, is want. */
bool dprov_scan_key_is(const struct dprov_scan_key *k, const char *want);

/* Consume the next value, whatever it is.  Returns 0 or -1. */
int dprov_scan_skip(struct dprov_scan *s) LOOMD_MUSTCHECK;

/*
 * Consume the next value; *out is replaced (the old string freed) with a
 * new string, which the caller frees, if the value is a non-empty string
 * or an integer (as Gson reads a number where it wants a string; one past
 * int64's range reads as its largest, as json-c does), else with NULL.
 * Returns 0 or -1.
 */
int dprov_scan_scalar(struct dprov_scan *s, char **out) LOOMD_MUSTCHECK;

/* After the top value: 0 if only white space is left, else -1. */
int dprov_scan_end(struct dprov_scan *s) LOOMD_MUSTCHECK;

/*
 * The first error as "<reason> at byte <n>", or "unexpected end of data",
 * in err.
 */
void dprov_scan_error(const struct dprov_scan *s, char err[LOOMD_ERR_LEN]);

#endif
