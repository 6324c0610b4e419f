/* SPDX-License-Identifier: Apache-2.0 */
/*
 * take_claims.c - claims of takes in flight (see take_claims.h): a small
 * table under one lock, an expired or the oldest slot reused.
 */
#include "config.h"

#include "take_claims.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* Claims kept at once: more than the takes one process runs together. */
#define TAKE_CLAIMS_SLOTS 128
#define TAKE_CLAIMS_ID_LEN 64

struct take_claim {
	char id[TAKE_CLAIMS_ID_LEN];
	const void *owner;
	int64_t until; /* monotonic ms; 0: free */
};

static pthread_mutex_t take_claims_lock = PTHREAD_MUTEX_INITIALIZER;
static struct take_claim take_claims[TAKE_CLAIMS_SLOTS]; /* guarded */

bool
take_claims_claim(const char *id, const void *owner, int64_t now_ms)
{
	struct take_claim *k, *slot = NULL;
	bool ok = true;
	size_t i;

	if (strlen(id) >= TAKE_CLAIMS_ID_LEN)
		return true; /* not kept: every take may try it */
	pthread_mutex_lock(&take_claims_lock);
	for (i = 0; i < TAKE_CLAIMS_SLOTS; i++) {
		k = &take_claims[i];
		if (k->until > now_ms && strcmp(k->id, id) == 0) {
			ok = k->owner == owner;
			slot = k;
			break;
		}
		if (slot == NULL ||
		    (slot->until > now_ms &&
			(k->until <= now_ms || k->until < slot->until)))
			slot = k;
	}
	if (ok) {
		snprintf(slot->id, sizeof slot->id, "%s", id);
		slot->owner = owner;
		slot->until = now_ms + TAKE_CLAIMS_MS;
	}
	pthread_mutex_unlock(&take_claims_lock);
	return ok;
}

void
take_claims_drop(const char *id, const void *owner)
{
	size_t i;

	pthread_mutex_lock(&take_claims_lock);
	for (i = 0; i < TAKE_CLAIMS_SLOTS; i++)
		if (take_claims[i].owner == owner &&
		    strcmp(take_claims[i].id, id) == 0)
			take_claims[i].until = 0;
	pthread_mutex_unlock(&take_claims_lock);
}
