/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_memtrim.c - unit tests of the memory trim thread: free memory the
 * allocator keeps between blocks still in use is given back (the resident
 * set drops and the counters say by how much), and below the threshold
 * nothing is trimmed.  Skipped where the allocator is not glibc's (a
 * sanitizer's or valgrind's reports no free memory).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef HAVE_MALLOC_H
#include <malloc.h>
#endif

#include <criterion/criterion.h>

#include "memtrim.h"

#define BLOCKS 400000
#define BLOCK_BYTES 500
#define KEEP_EVERY 512

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * About 200 MB in small blocks, then all freed but one block in
 * KEEP_EVERY: the free memory lies between blocks in use, where glibc's
 * free() does not give it back.  Returns the blocks kept (the caller
 * frees them with free_kept()).
 */
static char **
fragment(void)
{
	char **b = calloc(BLOCKS, sizeof *b);
	size_t i;

	cr_assert_not_null(b);
	for (i = 0; i < BLOCKS; i++) {
		b[i] = malloc(BLOCK_BYTES);
		cr_assert_not_null(b[i]);
		memset(b[i], 'x', BLOCK_BYTES);
	}
	for (i = 0; i < BLOCKS; i++)
		if (i % KEEP_EVERY != KEEP_EVERY - 1) {
			free(b[i]);
			b[i] = NULL;
		}
	return b;
}

static void
free_kept(char **b)
{
	size_t i;

	for (i = 0; i < BLOCKS; i++)
		free(b[i]);
	free(b);
}

Test(memtrim, gives_back_the_free_memory_between_blocks_in_use)
{
#if defined(HAVE_MALLOC_TRIM) && defined(HAVE_MALLINFO2)
	char err[LOOMD_ERR_LEN], **b = fragment();
	uint64_t trims = 0, bytes = 0;
	int i;

	if (mallinfo2().fordblks < ((size_t)100 << 20)) {
		free_kept(b);
		cr_skip_test("the allocator reports no free memory (not "
			     "glibc's malloc)");
	}
	cr_assert_eq(memtrim_start(20, (uint64_t)64 << 20, err), 0, "%s", err);
	for (i = 0; i < 250 && trims == 0; i++) {
		sleep_ms(20);
		memtrim_counts(&trims, &bytes);
	}
	memtrim_stop();
	cr_assert_eq(trims, 1, "trims %llu", (unsigned long long)trims);
	/* Most of the ~200 MB freed: far more than the 64 MB threshold. */
	cr_assert_gt(bytes, (uint64_t)100 << 20, "gave back %llu bytes",
	    (unsigned long long)bytes);
	/* The blocks in use are untouched. */
	for (i = KEEP_EVERY - 1; i < BLOCKS; i += KEEP_EVERY)
		cr_assert_eq(b[i][BLOCK_BYTES - 1], 'x');
	free_kept(b);
#else
	cr_skip_test("no malloc_trim() and mallinfo2() in this C library");
#endif
}

Test(memtrim, below_the_threshold_nothing_is_trimmed)
{
#if defined(HAVE_MALLOC_TRIM) && defined(HAVE_MALLINFO2)
	char err[LOOMD_ERR_LEN], **b = fragment();
	uint64_t trims = 1, bytes = 1;

	/* ~200 MB free, a threshold of 1 GB: ten looks, no trim. */
	cr_assert_eq(memtrim_start(20, (uint64_t)1 << 30, err), 0, "%s", err);
	sleep_ms(200);
	memtrim_stop();
	memtrim_counts(&trims, &bytes);
	cr_assert_eq(trims, 0);
	cr_assert_eq(bytes, 0);
	free_kept(b);
#else
	cr_skip_test("no malloc_trim() and mallinfo2() in this C library");
#endif
}
