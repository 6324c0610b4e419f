/* SPDX-License-Identifier: Apache-2.0 */
/*
 * health.c - the database probe thread and the readiness rules of
 * DESIGN.md section 7: ready iff the node is reachable and, on Galera,
 * wsrep_ready=ON, wsrep_cluster_status=Primary and wsrep_local_state=4
 * (or 2, Donor, with ha.available_when_donor), the schema is current and
 * no drain file exists.
 *
 * Only what the database says counts against it: an error, a lost
 * connection, a Galera state other than Primary and Synced.  A probe that
 * is merely late (a loaded host, a slow answer) is not evidence; only a
 * probe that has not finished for the stale time plus its own timeouts
 * counts as a hung database.  The rejoin hold-down starts, on Galera only,
 * when the database was unusable for the stale time (three intervals, at
 * least 1.5 s), or when this process was frozen that long (SIGSTOP, a VM
 * pause), which the freeze watch measures as the gap between two of its
 * ticks on the monotonic clock.
 *
 * Flow-control relief (ha.fc_relief_after_ms): a node that stays in the
 * cluster but applies more slowly than the others write (a disk that
 * blocks its writes, a backlog after such a stall) sends flow control
 * and holds every node's commits until it has caught up.  When the probe
 * finds its own node doing so for the relief time, it raises the node's
 * gcs.fc_limit (a local provider setting that takes effect at once,
 * unlike wsrep_desync, which waits behind the backlog), so that the
 * other nodes go on; this server takes no writes until the node has
 * caught up.  If the pause outlasts that too (appliers that do not move
 * at all), it isolates the node so that the others evict it.  Both are
 * undone once the node's receive queue is back under the old limit.
 */
#include "config.h"

#include "health.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "bgthread.h"
#include "cfg.h"

static const struct cfg *health_cfg;
static const char *health_me;
static pthread_t health_thread;
static bool health_running;
static pthread_mutex_t health_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t health_cond = PTHREAD_COND_INITIALIZER;
static bool health_stopping;
static int64_t health_probe_delay_ms; /* test-only, see health_start() */

#define HEALTH_TICK_MS 100	    /* period of the freeze watch */
#define HEALTH_PROBE_BUDGET_MS 3000 /* a probe's own timeouts */

#define HEALTH_FC_RELIEF_LIMIT 1000000 /* gcs.fc_limit while relieved */
#define HEALTH_FC_DEFAULT_LIMIT 16     /* Galera's default gcs.fc_limit */

/* Guarded by health_lock. */
static struct {
	bool reachable;
	char error[LOOMD_ERR_LEN];
	struct db_wsrep wsrep;
	int64_t probed_at; /* monotonic ms; 0 = never */
	uint64_t probes;
	bool schema_ok;
	/* Start of the last probe that found the database usable; 0 never. */
	int64_t last_usable_at;
	/* Start of the first failed probe since then; 0 = none. */
	int64_t failing_since;
	/* End of the rejoin hold-down (0 = none) and what started it. */
	int64_t ready_after;
	char holddown_why[128];
	int64_t ticked_at; /* last tick of the freeze watch */
	bool galera;	   /* wsrep on, as last seen answering */

	int64_t recv_queue; /* wsrep_local_recv_queue; -1 = unknown */
	bool fc_relieved;   /* gcs.fc_limit raised by the relief */
} health_last;

/* The flow-control relief's own state (the probe thread's only). */
static struct {
	int64_t paused_ns;	/* wsrep_flow_control_paused_ns at looked_at */
	int64_t looked_at;	/* monotonic ms of the last look; 0 = none */
	int64_t holding_since;	/* since when the node holds the others; 0 */
	int64_t saved_limit;	/* gcs.fc_limit to restore; 0 = no relief */
	int64_t committed;	/* wsrep_last_committed when it was raised */
	int64_t seen_committed; /* wsrep_last_committed at looked_at */
	int64_t moved_at;	/* first look at seen_committed (monotonic) */
	bool isolated;		/* gmcast.isolate=1 set by the relief */
} health_fc;

/* Monotonic clock in milliseconds. */
static int64_t
health_now_ms(void)
{
	return common_now_ms(CLOCK_MONOTONIC);
}

/*
 * Is the database usable by the probe's findings: reachable, and with
 * Galera in the Primary Component, ready and synced (or a donor when
 * ha.available_when_donor)?  If not, reason gets why.
 */
static bool
health_usable(bool reachable, const char *error, const struct db_wsrep *w,
    char *reason, size_t n)
{
	if (!reachable) {
		snprintf(reason, n, "database unreachable: %s", error);
		return false;
	}
	if (!w->wsrep_on)
		return true;
	if (!w->ready) {
		snprintf(reason, n, "galera: wsrep_ready is OFF");
		return false;
	}
	if (strcmp(w->cluster_status, "Primary") != 0) {
		snprintf(reason, n,
		    "galera: node not in the Primary Component "
		    "(wsrep_cluster_status=%s)",
		    w->cluster_status);
		return false;
	}
	if (w->local_state != 4 &&
	    !(w->local_state == 2 && health_cfg->ha_available_when_donor)) {
		snprintf(reason, n,
		    "galera: node not synced "
		    "(wsrep_local_state=%d %s)",
		    w->local_state, w->local_state_comment);
		return false;
	}
	return true;
}

/*
 * The stale time: three probe intervals, at least 1.5 s.  An unusable
 * spell or a freeze this long starts the rejoin hold-down.
 */
static int64_t
health_stale_ms(void)
{
	int64_t stale = 3 * health_cfg->ha_health_interval_ms;

	return stale < 1500 ? 1500 : stale;
}

/*
 * A probe that has not finished for this long counts as a hung database:
 * the stale time plus the probe's own timeouts (1 s to connect, 1 s per
 * read), so a probe that is only slow never does.
 */
static int64_t
health_stall_ms(void)
{
	return health_stale_ms() + HEALTH_PROBE_BUDGET_MS;
}

/*
 * Start (or extend) the rejoin hold-down at now (health_lock held), on
 * Galera only: a plain MariaDB has no view to rejoin.
 */
static void
health_hold_down(int64_t now, bool wsrep_on, const char *why)
{
	int64_t hold = health_cfg->ha_rejoin_holddown_ms;

	if (!wsrep_on || hold <= 0) {
		log_info("health: %s; no rejoin hold-down (%s)", why,
		    wsrep_on ? "ha.rejoin_holddown_ms = 0" : "no Galera");
		return;
	}
	if (now + hold > health_last.ready_after) {
		health_last.ready_after = now + hold;
		snprintf(health_last.holddown_why,
		    sizeof health_last.holddown_why, "%s", why);
	}
	log_warn("health: %s; ready in %lld ms (ha.rejoin_holddown_ms)", why,
	    (long long)(health_last.ready_after - now));
}

/*
 * Follow the probe's verdicts (health_lock held, after probed_at is set).
 * started is when the probe began: a late answer does not lengthen a
 * spell.  When the database is usable again after it said it was not
 * for at least the stale time, start the rejoin hold-down.  A failed
 * probe inside a hold-down does not end it: ready_after stands.
 */
static void
health_track(bool usable, int64_t started, bool wsrep_on)
{
	int64_t spell;
	char why[128];

	if (!usable) {
		if (health_last.failing_since == 0)
			health_last.failing_since = started;
		return;
	}
	if (health_last.failing_since != 0 &&
	    health_last.last_usable_at != 0 &&
	    (spell = started - health_last.failing_since) >=
		health_stale_ms()) {
		snprintf(why, sizeof why, "database unusable for %lld ms",
		    (long long)spell);
		health_hold_down(health_last.probed_at, wsrep_on, why);
	}
	health_last.failing_since = 0;
	health_last.last_usable_at = started;
}

/*
 * The freeze watch: a tick every HEALTH_TICK_MS on the monotonic clock.
 * A gap of the stale time or more between two ticks means that this
 * process (or its host) did not run: SIGSTOP, a VM pause.  A slow probe
 * or a slow database never delays it.
 */
static int64_t health_watch_tick(void *arg);
static struct bgthread health_watch_thread =
    BGTHREAD_INIT("health watch", health_watch_tick, NULL, NULL);
static bool health_watch_running;

static int64_t
health_watch_tick(void *arg UNUSED)
{
	int64_t now, gap;
	char why[128];

	pthread_mutex_lock(&health_lock);
	now = health_now_ms();
	gap = now - health_last.ticked_at;
	health_last.ticked_at = now;
	if (gap >= health_stale_ms()) {
		snprintf(why, sizeof why,
		    "this process was frozen "
		    "for %lld ms",
		    (long long)gap);
		health_hold_down(now, health_last.galera, why);
	}
	pthread_mutex_unlock(&health_lock);
	return HEALTH_TICK_MS;
}

/* Write this server's heartbeat row (only ever written by its owner). */
static enum db_status
health_beat_tx(struct db_conn *c, void *arg UNUSED)
{
	return db_exec(c,
	    "INSERT INTO servers (server_id, datacenter, "
	    "residue, address) VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE "
	    "last_seen = CURRENT_TIMESTAMP(3)",
	    NULL, "ssis", health_me, health_cfg->datacenter,
	    cfg_ids_residue(health_cfg), health_cfg->server_host);
}

static int64_t health_beat(void *arg);
static void health_beat_done(void *arg);
static struct db_conn *health_beat_conn; /* the heartbeat thread's */
static struct bgthread health_beat_thread = BGTHREAD_INIT("health beat",
    health_beat, health_beat_done, &health_beat_conn);

/*
 * The heartbeat loop, in a thread of its own: during a Galera eviction
 * every commit stalls for seconds, and a heartbeat waiting there must not
 * hold up the probe (which would make /readyz report a stalled probe on
 * the healthy nodes).
 */
static int64_t
health_beat(void *arg)
{
	char err[LOOMD_ERR_LEN];
	struct db_conn **c = arg;
	struct health_state hs;

	health_get(&hs);
	if (hs.db_ok) {
		if (*c == NULL)
			*c = db_connect(DB_ROLE_HEALTH, NULL, err);
		if (*c != NULL &&
		    db_tx_run(*c, health_beat_tx, NULL, err) != DB_OK) {
			log_debug("ha: heartbeat: %s", err);
			if (!db_connected(*c)) {
				db_close(*c);
				*c = NULL;
			}
		}
	}
	return health_cfg->ha_heartbeat_ms;
}

static void
health_beat_done(void *arg)
{
	struct db_conn **c = arg;

	db_close(*c);
	*c = NULL;
}

/*
 * Read the local node's flow-control figures: its receive queue, the
 * time it spent paused by flow control (ns, cumulative) and its
 * gcs.fc_limit (from wsrep_provider_options; -1 if absent).
 */
static enum db_status
health_fc_read(struct db_conn *c, int64_t *queue, int64_t *paused_ns,
    int64_t *limit, int64_t *committed)
{
	struct db_rows *r;
	enum db_status st;
	const char *k, *v, *p;
	size_t i;

	*queue = *paused_ns = *limit = *committed = -1;
	st = db_query(c,
	    "SELECT VARIABLE_NAME, VARIABLE_VALUE FROM "
	    "information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME IN "
	    "('WSREP_LOCAL_RECV_QUEUE', 'WSREP_FLOW_CONTROL_PAUSED_NS', "
	    "'WSREP_LAST_COMMITTED') "
	    "UNION ALL SELECT 'OPTIONS', @@global.wsrep_provider_options",
	    &r, "");
	if (st != DB_OK)
		return st;
	for (i = 0; i < r->nrows; i++) {
		k = db_rows_get(r, i, 0);
		v = db_rows_get(r, i, 1);
		if (k == NULL || v == NULL)
			continue;
		if (strcasecmp(k, "WSREP_LOCAL_RECV_QUEUE") == 0)
			*queue = strtoll(v, NULL, 10);
		else if (strcasecmp(k, "WSREP_FLOW_CONTROL_PAUSED_NS") == 0)
			*paused_ns = strtoll(v, NULL, 10);
		else if (strcasecmp(k, "WSREP_LAST_COMMITTED") == 0)
			*committed = strtoll(v, NULL, 10);
		else if ((p = strstr(v, "gcs.fc_limit = ")) != NULL)
			*limit =
			    strtoll(p + strlen("gcs.fc_limit = "), NULL, 10);
	}
	db_rows_free(r);
	return DB_OK;
}

/* Set the local node's provider option name to v. */
static int
health_fc_set(struct db_conn *c, const char *name, long long v,
    char err[LOOMD_ERR_LEN])
{
	char opt[64];

	snprintf(opt, sizeof opt, "%s=%lld", name, v);
	if (db_exec(c, "SET GLOBAL wsrep_provider_options = ?", NULL, "s",
		opt) == DB_OK)
		return 0;
	snprintf(err, LOOMD_ERR_LEN, "%s: %u: %s", opt, db_errno(c),
	    db_error(c));
	return -1;
}

/*
 * Has the node held the others since the last look: spent at least half
 * that time paused by flow control, with its receive queue above
 * gcs.fc_limit times the square root of the cluster size (Galera's upper
 * limit)?  Then for how long (since holding_since); else 0.
 */
static int64_t
health_fc_holding(int64_t now, int64_t queue, int64_t paused, int64_t limit,
    int64_t size)
{
	if (health_fc.looked_at == 0 ||
	    queue * queue <= limit * limit * size ||
	    (paused - health_fc.paused_ns) / 1000000 * 2 <
		now - health_fc.looked_at) {
		health_fc.holding_since = 0;
		return 0;
	}
	if (health_fc.holding_since == 0)
		health_fc.holding_since = health_fc.looked_at;
	return now - health_fc.holding_since;
}

/*
 * One look of the flow-control relief at the local node, at now; *queue
 * gets its receive queue (-1 unknown).  The node holds the others when
 * it has done so (health_fc_holding) continuously.  After
 * ha.fc_relief_after_ms of that, raise its gcs.fc_limit: that ends the
 * pause once its appliers dequeue again.  If its appliers committed
 * nothing in the last half of that time (wsrep_last_committed unchanged
 * although its queue held work: a disk that blocks every write), a
 * raised limit cannot end the pause, since the node sends its "go on"
 * only as it dequeues: isolate it at once
 * (gmcast.isolate=1), so that the others evict it and go on, as they
 * would if it had died.  Otherwise, isolate it if it still holds the
 * others ha.fc_relief_after_ms after the raise and committed nothing
 * since.  Once its queue is back under the old limit, undo both (it
 * rejoins by IST).
 */
static void
health_fc_look(struct db_conn *c, const struct db_wsrep *w, int64_t now,
    int64_t *queue)
{
	char err[LOOMD_ERR_LEN];
	int64_t paused, limit, held, after = health_cfg->ha_fc_relief_after_ms;
	int64_t saved = health_fc.saved_limit, committed;

	if (health_fc_read(c, queue, &paused, &limit, &committed) != DB_OK ||
	    *queue < 0 || paused < 0 || limit <= 0) {
		log_debug("health: no flow-control figures: %s", db_error(c));
		health_fc.looked_at = health_fc.holding_since = 0;
		return;
	}
	if (saved == 0 && limit >= HEALTH_FC_RELIEF_LIMIT) {
		/* Left raised by a server that stopped before the node
		 * caught up: Galera's default is the limit to go back to. */
		saved = health_fc.saved_limit = HEALTH_FC_DEFAULT_LIMIT;
		log_warn("health: gcs.fc_limit of the local node is %lld, "
			 "as a flow-control relief leaves it; it goes back "
			 "to %d once the receive queue is under it",
		    (long long)limit, HEALTH_FC_DEFAULT_LIMIT);
	}
	if (saved != 0 && *queue <= saved) {
		if (health_fc.isolated &&
		    health_fc_set(c, "gmcast.isolate", 0, err) != 0) {
			log_warn("health: cannot end the isolation: %s", err);
			goto out;
		}
		if (limit == HEALTH_FC_RELIEF_LIMIT &&
		    health_fc_set(c, "gcs.fc_limit", saved, err) != 0) {
			log_warn("health: cannot set it back: %s", err);
			goto out;
		}
		log_info("health: the local node caught up (receive queue "
			 "%lld); gcs.fc_limit back to %lld%s",
		    (long long)*queue, (long long)saved,
		    health_fc.isolated ? ", isolation ended: it rejoins" : "");
		health_fc.saved_limit = 0;
		health_fc.isolated = false;
		health_fc.holding_since = 0;
		goto out;
	}
	if (after <= 0 || health_fc.isolated ||
	    (held = health_fc_holding(now, *queue, paused,
		 saved != 0 ? saved : limit, w->cluster_size)) < after)
		goto out;
	if (saved == 0) {
		if (health_fc_set(c, "gcs.fc_limit", HEALTH_FC_RELIEF_LIMIT,
			err) != 0) {
			log_warn("health: the local Galera node has held "
				 "every node's commits with flow control for "
				 "%lld ms and raising its gcs.fc_limit "
				 "failed: %s; grant loomd's database user "
				 "SUPER, or see docs/ha.md",
			    (long long)held, err);
			health_fc.holding_since = now; /* try again later */
			goto out;
		}
		log_warn("health: the local Galera node has held every "
			 "node's commits with flow control for %lld ms "
			 "(receive queue %lld, gcs.fc_limit %lld); raised its "
			 "gcs.fc_limit to %d so that the others go on "
			 "(ha.fc_relief_after_ms); no writes here until it "
			 "has caught up",
		    (long long)held, (long long)*queue, (long long)limit,
		    HEALTH_FC_RELIEF_LIMIT);
		health_fc.saved_limit = saved = limit;
		health_fc.committed = committed;
		health_fc.holding_since = 0;
		if (committed != health_fc.seen_committed ||
		    now - health_fc.moved_at < after / 2)
			goto out;
		/* Nothing committed in the last half of the hold. */
	} else if (committed != health_fc.committed) {
		/*
		 * Isolate only a node whose appliers committed nothing
		 * since the limit was raised: one that is merely slow (a
		 * loaded machine, a pause sent by another node) catches up
		 * by itself, and isolating it could cost the cluster its
		 * quorum.
		 */
		health_fc.committed = committed;
		health_fc.holding_since = 0;
		goto out;
	}
	if (health_fc_set(c, "gmcast.isolate", 1, err) != 0) {
		log_warn("health: the local Galera node still holds every "
			 "node's commits with flow control and isolating it "
			 "failed: %s; stop it by hand (docs/ha.md)",
		    err);
		health_fc.holding_since = now;
		goto out;
	}
	log_warn(
	    "health: the local Galera node holds every node's commits "
	    "with flow control and its appliers committed nothing for "
	    "%lld ms (receive queue %lld): isolated it (gmcast.isolate=1) "
	    "so that the other nodes evict it and go on; it rejoins "
	    "once its queue is under %lld",
	    (long long)(now - health_fc.moved_at), (long long)*queue,
	    (long long)saved);
	health_fc.isolated = true;
out:
	health_fc.paused_ns = paused;
	if (health_fc.looked_at == 0 || committed != health_fc.seen_committed)
		health_fc.moved_at = now;
	health_fc.seen_committed = committed;
	health_fc.looked_at = now;
}

/* The probe loop. */
static void *
health_main(void *arg UNUSED)
{
	struct db_conn *c = NULL;
	char err[LOOMD_ERR_LEN], why[LOOMD_ERR_LEN];
	struct db_wsrep w;
	enum db_status st;
	struct timespec until;
	int64_t ms, started, queue;
	bool usable;

	for (;;) {
		err[0] = '\0';
		memset(&w, 0, sizeof w);
		started = health_now_ms();
		if (c == NULL)
			c = db_connect(DB_ROLE_HEALTH, &st, err);
		if (c != NULL) {
			if (health_probe_delay_ms > 0) {
				struct timespec d = { health_probe_delay_ms /
					    1000,
					(health_probe_delay_ms % 1000) *
					    1000000L };

				nanosleep(&d, NULL);
			}
			st = db_wsrep_read(c, &w);
			if (st != DB_OK) {
				snprintf(err, sizeof err, "%s", db_error(c));
				db_close(c);
				c = NULL;
			}
		}
		queue = -1;
		if (c != NULL && w.wsrep_on)
			health_fc_look(c, &w, health_now_ms(), &queue);
		else
			health_fc.looked_at = health_fc.holding_since = 0;
		pthread_mutex_lock(&health_lock);
		health_last.reachable = c != NULL;
		snprintf(health_last.error, sizeof health_last.error, "%s",
		    err);
		health_last.wsrep = w;
		health_last.recv_queue = queue;
		health_last.fc_relieved = health_fc.saved_limit != 0;
		if (c != NULL)
			health_last.galera = w.wsrep_on;
		health_last.probed_at = health_now_ms();
		health_last.probes++;
		usable = health_usable(c != NULL, err, &w, why, sizeof why);
		health_track(usable, started, w.wsrep_on);
		pthread_cond_broadcast(&health_cond); /* for health_start() */
		if (health_stopping) {
			pthread_mutex_unlock(&health_lock);
			break;
		}
		ms = health_cfg->ha_health_interval_ms;
		common_deadline_ms(CLOCK_MONOTONIC, ms, &until);
		while (!health_stopping &&
		    pthread_cond_timedwait(&health_cond, &health_lock,
			&until) == 0)
			;
		if (health_stopping) {
			pthread_mutex_unlock(&health_lock);
			break;
		}
		pthread_mutex_unlock(&health_lock);
	}
	db_close(c);
	return NULL;
}

int
health_start(const struct cfg *cfg, const char *me, char err[LOOMD_ERR_LEN])
{
	pthread_condattr_t ca;
	const char *e;

	health_cfg = cfg;
	health_me = me;
	health_stopping = false;
	/* The waits run on the monotonic clock: a clock step is no freeze. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&health_cond, &ca);
	pthread_condattr_destroy(&ca);
	/*
	 * Test-only: delay every probe between connecting and asking, as
	 * a loaded host or a slow answer would (docs/HACKING.md).
	 */
	if ((e = getenv("LOOMD_TEST_PROBE_DELAY_MS")) != NULL &&
	    (health_probe_delay_ms = strtoll(e, NULL, 10)) > 0)
		log_warn("health: LOOMD_TEST_PROBE_DELAY_MS: every probe is "
			 "delayed by %lld ms (a test-only setting)",
		    (long long)health_probe_delay_ms);
	pthread_mutex_lock(&health_lock);
	health_last.ticked_at = health_now_ms();
	pthread_mutex_unlock(&health_lock);
	if (pthread_create(&health_thread, NULL, health_main, NULL) != 0) {
		snprintf(err, LOOMD_ERR_LEN, "cannot start health thread");
		return -1;
	}
	health_running = true;
	/* Without these two loomd still serves, as it always has. */
	health_watch_running = bgthread_start(&health_watch_thread, err) == 0;
	if (me != NULL && bgthread_start(&health_beat_thread, err) == -1)
		err[0] = '\0';
	/*
	 * Wait for the first probe (a few seconds at most), so the server
	 * does not answer its first requests with "not probed yet".
	 */
	{
		struct timespec until;

		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += 3;
		pthread_mutex_lock(&health_lock);
		while (health_last.probes == 0 &&
		    pthread_cond_timedwait(&health_cond, &health_lock,
			&until) == 0)
			;
		pthread_mutex_unlock(&health_lock);
	}
	return 0;
}

void
health_stop(void)
{
	if (!health_running)
		return;
	pthread_mutex_lock(&health_lock);
	health_stopping = true;
	pthread_cond_broadcast(&health_cond);
	pthread_mutex_unlock(&health_lock);
	pthread_join(health_thread, NULL);
	bgthread_stop(&health_beat_thread);
	bgthread_stop(&health_watch_thread);
	health_watch_running = false;
	health_running = false;
}

void
health_set_schema_ok(bool ok)
{
	pthread_mutex_lock(&health_lock);
	health_last.schema_ok = ok;
	pthread_mutex_unlock(&health_lock);
}

void
health_get(struct health_state *out)
{
	const struct db_wsrep *w = &out->wsrep;
	char error[LOOMD_ERR_LEN], why[128];
	int64_t now, ready_after, tick_age;
	struct stat st;
	bool relieved;

	memset(out, 0, sizeof *out);
	pthread_mutex_lock(&health_lock);
	now = health_now_ms();
	out->db_reachable = health_last.reachable;
	out->wsrep = health_last.wsrep;
	out->schema_ok = health_last.schema_ok;
	out->probes = health_last.probes;
	out->recv_queue = health_last.recv_queue;
	relieved = out->fc_relieved = health_last.fc_relieved;
	out->probe_age_ms =
	    health_last.probed_at == 0 ? -1 : now - health_last.probed_at;
	snprintf(error, sizeof error, "%s", health_last.error);
	ready_after = health_last.ready_after;
	snprintf(why, sizeof why, "%s", health_last.holddown_why);
	tick_age = health_watch_running ? now - health_last.ticked_at : 0;
	pthread_mutex_unlock(&health_lock);

	out->draining = health_cfg->ha_drain_file[0] != '\0' &&
	    stat(health_cfg->ha_drain_file, &st) == 0;
	if (out->probe_age_ms < 0) {
		snprintf(out->reason, sizeof out->reason,
		    "database not probed yet");
		return;
	}
	/*
	 * Resumed a moment ago, before the freeze watch ran: the cached
	 * probe is older than the freeze and says nothing.
	 */
	if (tick_age >= health_stale_ms()) {
		snprintf(out->reason, sizeof out->reason,
		    "this process was "
		    "frozen for %lld ms",
		    (long long)tick_age);
		return;
	}
	if (out->probe_age_ms > health_stall_ms()) {
		snprintf(out->reason, sizeof out->reason,
		    "database probe stalled for %lld ms",
		    (long long)out->probe_age_ms);
		return;
	}
	if (!health_usable(out->db_reachable, error, w, out->reason,
		sizeof out->reason))
		return;
	if (ready_after != 0 && now < ready_after) {
		snprintf(out->reason, sizeof out->reason,
		    "rejoining: %s; "
		    "ready in %lld ms (ha.rejoin_holddown_ms = %lld)",
		    why, (long long)(ready_after - now),
		    (long long)health_cfg->ha_rejoin_holddown_ms);
		return;
	}
	if (relieved) {
		snprintf(out->reason, sizeof out->reason,
		    "galera: node catching up (receive queue %lld); its "
		    "gcs.fc_limit is raised so that it does not hold the "
		    "other nodes (ha.fc_relief_after_ms)",
		    (long long)out->recv_queue);
		return;
	}
	out->db_ok = true;
	if (!out->schema_ok) {
		snprintf(out->reason, sizeof out->reason,
		    "schema not current");
		return;
	}
	if (out->draining) {
		snprintf(out->reason, sizeof out->reason,
		    "draining: %s exists", health_cfg->ha_drain_file);
		return;
	}
	out->ready = true;
}

bool
health_writable(char reason[LOOMD_ERR_LEN])
{
	struct health_state hs;

	health_get(&hs);
	/* Draining still takes writes; only the database gates them. */
	if (hs.db_ok)
		return true;
	snprintf(reason, LOOMD_ERR_LEN, "%s", hs.reason);
	return false;
}
