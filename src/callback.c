/* SPDX-License-Identifier: Apache-2.0 */
/*
 * callback.c - the callback outbox (see callback.h): the checks of the
 * callback keys, and the rows written by the job pipeline's own
 * transactions (the ClusterJob JSON of the event, the START gate).  The
 * delivery thread that sends them is in callback_deliver.c.
 */
#include "config.h"

#include "callback.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg.h"
#include "cluster_store.h"
#include "domain.h"
#include "ids.h"
#include "jsonx.h"
#include "metrics.h"
#include "planner.h"

static const char *const callback_event_names[] = { "start", "success",
	"failure" };

/* The URL and trigger list of ev (borrowed from the config). */
static void
callback_event_cfg(enum callback_event ev, const char **url,
    const char **triggers)
{
	const struct cfg *c = domain_cfg();

	switch (ev) {
	case CALLBACK_START:
		*url = c->callback_start_url;
		*triggers = c->callback_start_triggers;
		break;
	case CALLBACK_SUCCESS:
		*url = c->callback_success_url;
		*triggers = c->callback_success_triggers;
		break;
	default:
		*url = c->callback_failure_url;
		*triggers = c->callback_failure_triggers;
		break;
	}
}

/* ---------------------------------------------------------------- */
/* Configuration checks                                             */

int
callback_url_check(const char *url, char err[LOOMD_ERR_LEN])
{
	const char *host;

	if (url[0] == '\0')
		return 0;
	if (strncasecmp(url, "http://", 7) == 0)
		host = url + 7;
	else if (strncasecmp(url, "https://", 8) == 0)
		host = url + 8;
	else {
		snprintf(err, LOOMD_ERR_LEN,
		    "must be an http:// or https:// URL, or empty for none "
		    "(got \"%s\")",
		    url);
		return -1;
	}
	if (host[0] == '\0' || host[0] == '/' || host[0] == ':' ||
	    strpbrk(url, " \t\r\n") != NULL) {
		snprintf(err, LOOMD_ERR_LEN,
		    "must name a host, as in http://receiver.example:8080/"
		    "loom (got \"%s\")",
		    url);
		return -1;
	}
	return 0;
}

/* Call fn on each name of a comma list (blanks trimmed); stop on true. */
static bool
callback_triggers_each(const char *list, bool (*fn)(const char *, void *),
    void *arg)
{
	const char *p = list, *e;
	char name[64];
	size_t n;

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		e = p;
		while (*e != '\0' && *e != ',')
			e++;
		n = (size_t)(e - p);
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n >= sizeof name)
			n = sizeof name - 1;
		memcpy(name, p, n);
		name[n] = '\0';
		if (fn(name, arg))
			return true;
		p = e;
	}
	return false;
}

/* Is name (any case) a ClusterAction? */
static bool
callback_action_known(const char *name)
{
	int i;

	for (i = 0; i < PLANNER_CLUSTER_ACTION_COUNT; i++)
		if (strcasecmp(name,
			planner_cluster_action_upper(
			    (enum planner_cluster_action)i)) == 0)
			return true;
	return false;
}

/* Trigger check step: stop at the first unknown name (kept in arg). */
static bool
callback_triggers_bad(const char *name, void *arg)
{
	if (callback_action_known(name))
		return false;
	snprintf(arg, LOOMD_ERR_LEN, "%s", name);
	return true;
}

int
callback_triggers_check(const char *list, char err[LOOMD_ERR_LEN])
{
	char bad[LOOMD_ERR_LEN];

	if (!callback_triggers_each(list, callback_triggers_bad, bad))
		return 0;
	snprintf(err, LOOMD_ERR_LEN,
	    "unknown cluster action \"%s\"; use a comma list of "
	    "SOLVE_LAYOUT, CLUSTER_CREATE, CLUSTER_DELETE, CLUSTER_CONFIGURE, "
	    "CLUSTER_CONFIGURE_WITH_RESTART, STOP_SERVICES, START_SERVICES, "
	    "RESTART_SERVICES, ADD_SERVICES (empty: all of them)",
	    bad);
	return -1;
}

/* Trigger match step: true when name is the action sought (arg). */
static bool
callback_triggers_is(const char *name, void *arg)
{
	return strcasecmp(name, arg) == 0;
}

/* Does the list name anything at all? */
static bool
callback_triggers_any(const char *name UNUSED, void *arg UNUSED)
{
	return true;
}

bool
callback_triggers_match(const char *list, const char *action)
{
	if (!callback_triggers_each(list, callback_triggers_any, NULL))
		return true; /* empty: every action */
	return callback_triggers_each(list, callback_triggers_is,
	    (void *)action);
}

/* ---------------------------------------------------------------- */
/* The outbox                                                       */

/* The ClusterJob JSON of job jid (section 8.2), read in the transaction. */
static enum db_status
callback_job_json(struct db_conn *c, const char *jid, struct db_rows *job,
    struct json_object **out)
{
	struct json_object *o, *staged, *stage = NULL, *ts;
	char cid[32], low[48];
	struct db_rows *r;
	enum db_status st;
	int64_t cur = -1;
	size_t i;

	*out = NULL;
	if ((st = db_query(c,
		 "SELECT id, stage, status FROM tasks WHERE job_id = ? AND "
		 "stage IS NOT NULL ORDER BY stage, seq",
		 &r, "s", jid)) != DB_OK)
		return st;
	o = jsonx_new_object();
	jsonx_set(o, "jobId", jsonx_new_string(jid));
	jsonx_set(o, "clusterId",
	    jsonx_new_string(
		ids_format_cluster(db_rows_int(job, 0, 0), cid, sizeof cid)));
	jsonx_set(o, "clusterAction",
	    jsonx_new_string(
		domain_lower(db_rows_get(job, 0, 1), low, sizeof low)));
	staged = jsonx_new_array();
	ts = jsonx_new_object();
	for (i = 0; i < r->nrows; i++) {
		if (stage == NULL || db_rows_int(r, i, 1) != cur) {
			stage = jsonx_new_array();
			jsonx_append(staged, stage);
			cur = db_rows_int(r, i, 1);
		}
		jsonx_append(stage, jsonx_new_string(db_rows_get(r, i, 0)));
		jsonx_set(ts, db_rows_get(r, i, 0),
		    jsonx_new_string(
			domain_lower(db_rows_get(r, i, 2), low, sizeof low)));
	}
	db_rows_free(r);
	jsonx_set(o, "stagedTasks", staged);
	jsonx_set(o, "currentStageNumber",
	    jsonx_new_int64(db_rows_int(job, 0, 3)));
	jsonx_set(o, "taskStatus", ts);
	jsonx_set(o, "jobStatus",
	    jsonx_new_string(
		domain_lower(db_rows_get(job, 0, 2), low, sizeof low)));
	if (db_rows_get(job, 0, 4) != NULL)
		jsonx_set(o, "statusMessage",
		    jsonx_new_string(db_rows_get(job, 0, 4)));
	*out = o;
	return DB_OK;
}

enum db_status
callback_enqueue_tx(struct db_conn *c, const char *jid, enum callback_event ev,
    bool *gated)
{
	struct json_object *body = NULL, *job = NULL, *doc = NULL,
			   *nodes = NULL;
	const char *url, *triggers;
	struct db_rows *jr = NULL;
	char id[96];
	enum db_status st;
	int64_t cluster, now = domain_now_ms();
	uint64_t n = 0;
	bool gate;

	if (gated != NULL)
		*gated = false;
	callback_event_cfg(ev, &url, &triggers);
	if (url == NULL || url[0] == '\0')
		return DB_OK;
	if ((st = db_query(c,
		 "SELECT cluster_id, action, status, current_stage, "
		 "status_message FROM jobs WHERE id = ?",
		 &jr, "s", jid)) != DB_OK)
		return st;
	if (jr->nrows != 1 ||
	    !callback_triggers_match(triggers, db_rows_get(jr, 0, 1)))
		goto out;
	cluster = db_rows_int(jr, 0, 0);
	if ((st = cluster_store_doc_nodes_tx(c, cluster, &doc, &nodes)) !=
		DB_OK ||
	    doc == NULL)
		goto out; /* no cluster: nothing to tell */
	if ((st = callback_job_json(c, jid, jr, &job)) != DB_OK)
		goto out;
	body = jsonx_new_object();
	jsonx_set(body, "cluster", doc);
	jsonx_set(body, "job", job);
	jsonx_set(body, "nodes", nodes);
	doc = job = nodes = NULL;
	snprintf(id, sizeof id, "%s.%s", jid, callback_event_names[ev]);
	gate = ev == CALLBACK_START && domain_cfg()->callback_start_gate;
	/* An event already written for this job stays as it is. */
	if ((st = db_exec(c,
		 "INSERT INTO callbacks (id, cluster_id, residue, job_id, "
		 "event, url, body, gate, seq, created_at, next_attempt_at) "
		 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY "
		 "UPDATE id = id",
		 &n, "siissssiiii", id, cluster,
		 cluster % domain_cfg()->ids_increment_by, jid,
		 callback_event_names[ev], url,
		 json_object_to_json_string_ext(body, DOMAIN_JSON),
		 (int64_t)gate, now * 10 + (ev == CALLBACK_START ? 0 : 1), now,
		 now)) != DB_OK)
		goto out;
	if (n == 1 && gate) {
		/* Held back: the delivery releases or fails the job. */
		if ((st = db_exec(c,
			 "UPDATE jobs SET needs_work = 0, lease_until = 0 "
			 "WHERE id = ?",
			 NULL, "s", jid)) != DB_OK)
			goto out;
		if (gated != NULL)
			*gated = true;
	}
	if (n == 1)
		callback_kick();
out:
	json_object_put(body);
	json_object_put(doc);
	json_object_put(job);
	json_object_put(nodes);
	db_rows_free(jr);
	return st;
}

bool
callback_gated(struct db_conn *c, const char *jid)
{
	struct db_rows *r;
	char id[96];
	bool gated;

	/* Only this server's own START rows gate, and only with its keys. */
	if (domain_cfg()->callback_start_url[0] == '\0' ||
	    !domain_cfg()->callback_start_gate)
		return false;
	snprintf(id, sizeof id, "%s.start", jid);
	if (db_query(c,
		"SELECT 1 FROM callbacks WHERE id = ? AND gate = 1 AND "
		"state = 'pending'",
		&r, "s", id) != DB_OK)
		return true; /* cannot tell: do not start the job */
	gated = r->nrows > 0;
	db_rows_free(r);
	return gated;
}

/* ---------------------------------------------------------------- */
/* Metrics                                                          */

enum db_status
callback_metrics_db(struct db_conn *c, struct metrics_buf *b)
{
	struct db_rows *r;
	enum db_status st;
	int64_t n, oldest;

	if ((st = db_query(c,
		 "SELECT COUNT(*), COALESCE(MIN(created_at), 0) FROM "
		 "callbacks WHERE state = 'pending'",
		 &r, "")) != DB_OK)
		return st;
	n = db_rows_int(r, 0, 0);
	oldest = n > 0 ? domain_now_ms() - db_rows_int(r, 0, 1) : 0;
	db_rows_free(r);
	metrics_printf(b,
	    "# HELP loomd_callbacks_pending Callbacks in the outbox not yet "
	    "delivered nor given up.\n# TYPE loomd_callbacks_pending gauge\n"
	    "loomd_callbacks_pending %" PRId64 "\n"
	    "# HELP loomd_callbacks_oldest_pending_seconds Age of the oldest "
	    "pending callback (0 when none).\n# TYPE "
	    "loomd_callbacks_oldest_pending_seconds gauge\n"
	    "loomd_callbacks_oldest_pending_seconds %.3f\n",
	    n, oldest > 0 ? (double)oldest / 1000 : 0.0);
	return DB_OK;
}
