/* SPDX-License-Identifier: Apache-2.0 */
/*
 * memtrim.h - gives the allocator's free memory back to the system.  A
 * big job's stage advance builds the tree of every node of the cluster
 * (tens of MB of small objects) on whichever thread finishes the stage;
 * glibc keeps the freed pages in that thread's arena, and over the
 * stages of a 10,000-node job the arenas of the HTTP threads held about
 * 1 GB of free memory.  A thread looks every MEMTRIM_PERIOD_MS at the
 * free bytes the allocator holds and, above MEMTRIM_FREE_BYTES, returns
 * their pages with malloc_trim(0).  Nothing where the C library lacks
 * mallinfo2() and malloc_trim().
 */
#ifndef LOOMD_MEMTRIM_H
#define LOOMD_MEMTRIM_H

#include <stdint.h>

#include "common.h"

/* How often the free memory is looked at. */
#define MEMTRIM_PERIOD_MS 5000
/* Free bytes held by the allocator above which they are returned. */
#define MEMTRIM_FREE_BYTES ((uint64_t)64 << 20)

/*
 * Start the thread: a look every period_ms, a trim when the allocator
 * holds free_bytes or more (loomd passes MEMTRIM_PERIOD_MS and
 * MEMTRIM_FREE_BYTES).  -1 with err set when it cannot start.
 */
int memtrim_start(int64_t period_ms, uint64_t free_bytes,
    char err[LOOMD_ERR_LEN]);

/* Stop and join the thread (nothing when it was not started). */
void memtrim_stop(void);

/* The trims done, and the resident bytes they gave back, so far. */
void memtrim_counts(uint64_t *trims, uint64_t *bytes);

#endif
