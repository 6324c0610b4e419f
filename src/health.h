/* SPDX-License-Identifier: Apache-2.0 */
/*
 * health.h - readiness.  A background thread probes the local database node
 * (its own connection, wsrep_sync_wait=0, 1 s timeouts) every
 * ha.health_interval_ms and caches the Galera state, so /readyz and the
 * write gate answer at once even when the database hangs.  A second thread
 * ticks every 100 ms to notice a freeze of the process; on Galera a freeze,
 * or the database found unusable, for the stale time starts the rejoin
 * hold-down (ha.rejoin_holddown_ms).  A probe that is only late does not.
 * When the local node holds every node's commits with flow control for
 * ha.fc_relief_after_ms (a backlog it does not drain), the probe raises
 * its gcs.fc_limit so that the others go on, and this server takes no
 * writes until the node caught up (docs/ha.md).
 */
#ifndef LOOMD_HEALTH_H
#define LOOMD_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

#include "common.h"
#include "db.h"

struct cfg;

struct health_state {
	bool ready;
	char reason[LOOMD_ERR_LEN]; /* why not ready */
	bool db_reachable;
	bool db_ok; /* database fine (ignores drain) */
	bool draining;
	bool schema_ok;
	struct db_wsrep wsrep;
	int64_t probe_age_ms; /* since the last finished probe */
	/*
	 * Flow-control relief (ha.fc_relief_after_ms): the local node's
	 * receive queue at the last probe (-1 unknown), and whether loomd
	 * raised its gcs.fc_limit because it held every node's commits.
	 */
	int64_t recv_queue;
	bool fc_relieved;
	uint64_t probes;
};

/*
 * Start the probe thread; borrows cfg and me (this server's id) for the
 * process lifetime.  While the node can take writes, the thread also
 * writes this server's heartbeat row (table servers) every
 * ha.heartbeat_ms: it is the thread least likely to be busy, so a busy
 * scheduler never makes its datacenter look dead.
 */
int health_start(const struct cfg *cfg, const char *me,
    char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;
/* Stop and join the probe thread. */
void health_stop(void);
/* Record that the schema is current (set once after migrations). */
void health_set_schema_ok(bool ok);
/* The current readiness, computed from the cached probe. */
void health_get(struct health_state *out);
/*
 * May this server take writes now?  False when the last probe found the
 * node out of the Primary Component or unreachable, during a rejoin
 * hold-down, and right after a freeze; reason gets why.
 */
bool health_writable(char reason[LOOMD_ERR_LEN]);

#endif /* LOOMD_HEALTH_H */
