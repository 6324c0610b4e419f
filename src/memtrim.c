/* SPDX-License-Identifier: Apache-2.0 */
/*
 * memtrim.c - the allocator's free memory given back (see memtrim.h).
 * The freed bytes are measured as the drop of the resident set
 * (/proc/self/statm) across malloc_trim(): what the operator sees.
 */
#include "config.h"

#include "memtrim.h"

#include <stdio.h>
#include <unistd.h>
#ifdef HAVE_MALLOC_H
#include <malloc.h>
#endif

#include "bgthread.h"

static uint64_t memtrim_trims, memtrim_bytes;

#if defined(HAVE_MALLOC_TRIM) && defined(HAVE_MALLINFO2)
/* Set by memtrim_start(). */
static int64_t memtrim_period = MEMTRIM_PERIOD_MS;
static uint64_t memtrim_free = MEMTRIM_FREE_BYTES;

/* Resident bytes of this process, 0 when /proc cannot say. */
static uint64_t
memtrim_rss(void)
{
	unsigned long long size, resident;
	FILE *f;
	int n;

	if ((f = fopen("/proc/self/statm", "r")) == NULL)
		return 0;
	n = fscanf(f, "%llu %llu", &size, &resident);
	fclose(f);
	return n == 2 ? (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE) :
			0;
}

static int64_t
memtrim_pass(void *arg UNUSED)
{
	struct mallinfo2 mi = mallinfo2();
	uint64_t before, after;

	if (mi.fordblks < memtrim_free)
		return memtrim_period;
	before = memtrim_rss();
	malloc_trim(0);
	after = memtrim_rss();
	__atomic_add_fetch(&memtrim_trims, 1, __ATOMIC_RELAXED);
	if (before > after)
		__atomic_add_fetch(&memtrim_bytes, before - after,
		    __ATOMIC_RELAXED);
	log_debug("memory trim: %zu MB free in the allocator, resident "
		  "%llu -> %llu MB",
	    mi.fordblks >> 20, (unsigned long long)(before >> 20),
	    (unsigned long long)(after >> 20));
	return memtrim_period;
}

static struct bgthread memtrim_thread =
    BGTHREAD_INIT("memory trim", memtrim_pass, NULL, NULL);

int
memtrim_start(int64_t period_ms, uint64_t free_bytes, char err[LOOMD_ERR_LEN])
{
	memtrim_period = period_ms;
	memtrim_free = free_bytes;
	return bgthread_start(&memtrim_thread, err);
}

void
memtrim_stop(void)
{
	bgthread_stop(&memtrim_thread);
}
#else
int
memtrim_start(int64_t period_ms UNUSED, uint64_t free_bytes UNUSED,
    char err[LOOMD_ERR_LEN] UNUSED)
{
	return 0;
}

void
memtrim_stop(void)
{
}
#endif

void
memtrim_counts(uint64_t *trims, uint64_t *bytes)
{
	*trims = __atomic_load_n(&memtrim_trims, __ATOMIC_RELAXED);
	*bytes = __atomic_load_n(&memtrim_bytes, __ATOMIC_RELAXED);
}
