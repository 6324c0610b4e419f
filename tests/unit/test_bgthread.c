/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_bgthread.c - unit tests of the background thread loop: passes run
 * at once and then once per period, a kick ends a wait early, a stop ends
 * it at once (not at the end of the period) and runs the done hook once,
 * a pass sees the stop, and a stopped thread starts again.
 */
#include "config.h"

#include <stdint.h>
#include <time.h>

#include <criterion/criterion.h>

#include "bgthread.h"

struct counter {
	int passes;    /* atomic */
	int done;      /* atomic */
	int64_t ms;    /* what each pass asks for */
	bool saw_stop; /* a pass that found bgthread_stopping() true */
	struct bgthread *bt;
};

static int64_t
count_pass(void *arg)
{
	struct counter *k = arg;

	__atomic_add_fetch(&k->passes, 1, __ATOMIC_SEQ_CST);
	return k->ms;
}

static void
count_done(void *arg)
{
	struct counter *k = arg;

	__atomic_add_fetch(&k->done, 1, __ATOMIC_SEQ_CST);
}

static int64_t
now_ms(void)
{
	return common_now_ms(CLOCK_MONOTONIC);
}

/* Wait up to ms for *v to reach want; true when it did. */
static bool
wait_for(int *v, int want, int64_t ms)
{
	struct timespec tick = { 0, 5000000L };
	int64_t until = now_ms() + ms;

	while (__atomic_load_n(v, __ATOMIC_SEQ_CST) < want) {
		if (now_ms() >= until)
			return false;
		nanosleep(&tick, NULL);
	}
	return true;
}

Test(bgthread, first_pass_at_once_then_kick_wakes_early)
{
	struct counter k = { .ms = 600000 };
	struct bgthread bt = BGTHREAD_INIT("test", count_pass, count_done, &k);
	char err[LOOMD_ERR_LEN];

	cr_assert_eq(bgthread_start(&bt, err), 0, "%s", err);
	cr_assert(bgthread_running(&bt));
	cr_assert(wait_for(&k.passes, 1, 10000), "the first pass ran");
	bgthread_kick(&bt);
	cr_assert(wait_for(&k.passes, 2, 10000),
	    "a kick ends a wait of 10 minutes");
	bgthread_stop(&bt);
	cr_assert_not(bgthread_running(&bt));
	cr_assert_eq(k.passes, 2, "no pass after the stop");
	cr_assert_eq(k.done, 1, "the done hook ran once");
}

Test(bgthread, passes_follow_the_period)
{
	struct counter k = { .ms = 10 };
	struct bgthread bt = BGTHREAD_INIT("test", count_pass, NULL, &k);
	char err[LOOMD_ERR_LEN];

	cr_assert_eq(bgthread_start(&bt, err), 0, "%s", err);
	cr_assert(wait_for(&k.passes, 5, 20000), "five passes 10 ms apart");
	bgthread_stop(&bt);
}

Test(bgthread, stop_ends_the_wait_at_once)
{
	struct counter k = { .ms = 600000 };
	struct bgthread bt = BGTHREAD_INIT("test", count_pass, count_done, &k);
	char err[LOOMD_ERR_LEN];
	int64_t t0;

	cr_assert_eq(bgthread_start(&bt, err), 0, "%s", err);
	cr_assert(wait_for(&k.passes, 1, 10000));
	t0 = now_ms();
	bgthread_stop(&bt);
	cr_assert_lt(now_ms() - t0, 10000,
	    "stopped within seconds, not at the end of the 10 min period");
	cr_assert_eq(k.done, 1);
	/* A second stop does nothing. */
	bgthread_stop(&bt);
	cr_assert_eq(k.done, 1);
}

static int64_t
watch_pass(void *arg)
{
	struct counter *k = arg;
	struct timespec tick = { 0, 5000000L };

	__atomic_add_fetch(&k->passes, 1, __ATOMIC_SEQ_CST);
	/* A long pass: it looks at the stop flag between its items. */
	while (!bgthread_stopping(k->bt))
		nanosleep(&tick, NULL);
	k->saw_stop = true;
	return 0;
}

Test(bgthread, a_pass_sees_the_stop)
{
	struct counter k = { 0 };
	struct bgthread bt = BGTHREAD_INIT("test", watch_pass, count_done, &k);
	char err[LOOMD_ERR_LEN];

	k.bt = &bt;
	cr_assert_eq(bgthread_start(&bt, err), 0, "%s", err);
	cr_assert(wait_for(&k.passes, 1, 10000));
	bgthread_stop(&bt);
	cr_assert(k.saw_stop);
	cr_assert_eq(k.passes, 1, "a stop ends the loop after that pass");
	cr_assert_eq(k.done, 1);
}

Test(bgthread, starts_again_after_a_stop)
{
	struct counter k = { .ms = 600000 };
	struct bgthread bt = BGTHREAD_INIT("test", count_pass, count_done, &k);
	char err[LOOMD_ERR_LEN];

	cr_assert_eq(bgthread_start(&bt, err), 0, "%s", err);
	cr_assert(wait_for(&k.passes, 1, 10000));
	bgthread_stop(&bt);
	cr_assert_eq(bgthread_start(&bt, err), 0, "%s", err);
	cr_assert(wait_for(&k.passes, 2, 10000), "the restarted thread runs");
	bgthread_kick(&bt);
	cr_assert(wait_for(&k.passes, 3, 10000));
	bgthread_stop(&bt);
	cr_assert_eq(k.done, 2);
}
