/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_take_claims.c - unit tests of the claims of takes in flight: one
 * owner at a time per task, renewed by its owner, given up by a drop,
 * expired after TAKE_CLAIMS_MS, and a full table reusing its oldest slot
 * rather than refusing a claim.
 */
#include "config.h"

#include <stdio.h>

#include <criterion/criterion.h>

#include "take_claims.h"

/* Each test starts later than every claim of the ones before. */
static int64_t
t0(void)
{
	static int64_t next = 1000;

	next += 100 * TAKE_CLAIMS_MS;
	return next;
}

Test(take_claims, one_owner_at_a_time_until_dropped)
{
	int a = 0, b = 0;
	int64_t now = t0();

	cr_assert(take_claims_claim("task-1", &a, now));
	cr_expect(!take_claims_claim("task-1", &b, now + 1),
	    "another take passes over a claimed task");
	cr_expect(take_claims_claim("task-1", &a, now + 2),
	    "its owner may try it again (a re-run)");
	cr_expect(take_claims_claim("task-2", &b, now + 3),
	    "other tasks are free");
	take_claims_drop("task-1", &b); /* not b's: nothing happens */
	cr_expect(!take_claims_claim("task-1", &b, now + 4));
	take_claims_drop("task-1", &a);
	cr_expect(take_claims_claim("task-1", &b, now + 5),
	    "a dropped claim frees the task");
}

Test(take_claims, a_claim_expires)
{
	int a = 0, b = 0;
	int64_t now = t0();

	cr_assert(take_claims_claim("task-x", &a, now));
	cr_expect(!take_claims_claim("task-x", &b, now + TAKE_CLAIMS_MS - 1));
	cr_expect(take_claims_claim("task-x", &b, now + TAKE_CLAIMS_MS),
	    "a task taken and requeued is tried again after the claim");
}

Test(take_claims, a_full_table_reuses_its_oldest_claim)
{
	char id[32];
	int owner = 0;
	int64_t now = t0();
	int i;

	for (i = 0; i < 1000; i++) {
		snprintf(id, sizeof id, "t-%d", i);
		cr_assert(take_claims_claim(id, &owner, now + i), "%s", id);
	}
	/* The newest ones are still held, the oldest were reused. */
	cr_expect(!take_claims_claim("t-999", &i, now + 1000));
	cr_expect(take_claims_claim("t-0", &i, now + 1000));
}

Test(take_claims, an_id_too_long_to_keep_is_never_refused)
{
	char id[200];
	int a = 0, b = 0;

	snprintf(id, sizeof id, "%0150d", 7);
	cr_expect(take_claims_claim(id, &a, t0()));
	cr_expect(take_claims_claim(id, &b, t0()));
}
