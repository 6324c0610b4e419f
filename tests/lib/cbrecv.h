/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cbrecv.h - a job-callback receiver for the tests: a tiny HTTP server
 * (libmicrohttpd, in the test process, on 127.0.0.1) that records every
 * request loomd posts to it.  /flaky answers 500 to the first two
 * requests of each callback id, /hold answers 503 until released, every
 * other path answers 200.  One receiver per test process.
 */
#ifndef LOOMD_CBRECV_H
#define LOOMD_CBRECV_H

#include <stddef.h>

/* One request the receiver got. */
struct cbrecv_call {
	char path[32];
	char id[96];	 /* X-Loom-Callback-Id */
	char event[16];	 /* X-Loom-Callback-Event */
	char attempt[8]; /* X-Loom-Callback-Attempt */
	char ctype[96];	 /* Content-Type */
	char *body;	 /* owned by the receiver */
	int answered;	 /* the status it answered */
};

/*
 * Start the receiver on a free port and return the port; the test fails
 * when it cannot start.  It starts with no calls and /hold held.
 */
int cbrecv_start(void);

/* Stop the receiver and forget its calls; no-op when it does not run. */
void cbrecv_stop(void);

/* /hold answers 200 from now on. */
void cbrecv_release(void);

/* Forget every call, and hold /hold again. */
void cbrecv_reset(void);

/* Requests to path (NULL: any) with callback id id (NULL: any) so far. */
int cbrecv_count(const char *path, const char *id);

/*
 * The 2xx answers given to the callback ids that end in suffix; the last
 * such id (answered or not) goes into id (size n), untouched when none.
 */
int cbrecv_ok(const char *suffix, char *id, size_t n);

/*
 * The calls so far, oldest first, their number in *n (may be NULL): held
 * (no request is recorded) until cbrecv_unlock(), and borrowed until then.
 */
const struct cbrecv_call *cbrecv_lock(int *n);
void cbrecv_unlock(void);

#endif /* LOOMD_CBRECV_H */
