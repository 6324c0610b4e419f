/* SPDX-License-Identifier: Apache-2.0 */
/*
 * take_claims.h - the queued tasks that takes of this process are trying
 * or have just taken, so that another take of this process passes over
 * them without a statement.  A take's look is a snapshot: for a moment
 * after a take commits, other looks still show its task queued, and each
 * try of it costs a locking read (and, once the row is taken, a
 * transaction of its own).  Only a hint: a task passed over by mistake
 * is tried again once its claim expires (TAKE_CLAIMS_MS).
 */
#ifndef LOOMD_TAKE_CLAIMS_H
#define LOOMD_TAKE_CLAIMS_H

#include <stdbool.h>
#include <stdint.h>

/* How long a claim keeps other takes of this process off its task. */
#define TAKE_CLAIMS_MS 500

/*
 * Claim task id (borrowed) for owner (any address unique to one take in
 * flight) at monotonic time now_ms: true when nobody else holds a live
 * claim on it (owner's own claim is renewed).
 */
bool take_claims_claim(const char *id, const void *owner, int64_t now_ms);

/* Give up owner's claim on task id (a try that did not take it). */
void take_claims_drop(const char *id, const void *owner);

#endif
