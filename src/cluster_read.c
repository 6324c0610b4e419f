/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cluster_read.c - the read routes of the cluster domain (see
 * cluster_read.h).  Each runs through db_read_run() on the calling
 * thread's connection; cluster_view builds the JSON.
 */
#include "config.h"

#include "cluster_read.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cluster_view.h"
#include "ids.h"
#include "jsonin.h"
#include "jsonsplice.h"
#include "jsonx.h"

struct cluster_read_arg {
	const struct cluster_store_user *u;
	int64_t id;
	const char *job;
	struct domain_out *out;
};

/*
 * The layout of the answers this loomd keeps in clusters.rendered: raise
 * it with any change to the JSON of GET /clusters/{id}, and a loomd
 * ignores (and replaces) the renderings of another layout.
 */
#define CLUSTER_READ_RENDERED_FORMAT 1

/* The largest answer kept rendered (a larger cluster's is built per GET). */
#define CLUSTER_READ_RENDERED_MAX (256 * 1024)

/* GET /clusters/{id}: what the build read, for keeping its answer. */
struct cluster_read_get_arg {
	struct cluster_read_arg base;
	int64_t version; /* clusters.version the answer was built from */
	bool keep;	 /* the cluster is at rest: keep the answer */
	bool kept;	 /* answered from the rendering kept in the row */
};

/*
 * GETs of one cluster answered (each once, however many runs it took)
 * from its rendering [0] and built [1].
 */
static uint64_t cluster_read_gets[2];

/*
 * Which read a GET of a cluster sends first: a slot per id modulo the
 * size holds id << 1 | 1 when the last GET here built an answer it could
 * not keep (the cluster's job runs, or the answer is over
 * CLUSTER_READ_RENDERED_MAX: build at once, without looking for a
 * rendering first), anything else for "look first".  A hint only: a
 * wrong or lost one costs a statement, never a wrong answer.
 */
#define CLUSTER_READ_HINTS 16384
static uint64_t cluster_read_hints[CLUSTER_READ_HINTS];

static bool
cluster_read_hint_busy(int64_t id)
{
	return __atomic_load_n(&cluster_read_hints[(uint64_t)id %
				   CLUSTER_READ_HINTS],
		   __ATOMIC_RELAXED) == ((uint64_t)id << 1 | 1);
}

static void
cluster_read_hint_set(int64_t id, bool busy)
{
	__atomic_store_n(&cluster_read_hints[(uint64_t)id %
			     CLUSTER_READ_HINTS],
	    (uint64_t)id << 1 | (busy ? 1 : 0), __ATOMIC_RELAXED);
}

/*
 * Run all_sql for a user who sees every cluster, else own_sql with the
 * user's id as its one parameter.  *r as db_query() gives it.
 */
static enum db_status
cluster_read_owned(struct db_conn *c, const struct cluster_store_user *u,
    const char *all_sql, const char *own_sql, struct db_rows **r)
{
	if (u->sees_all)
		return db_query(c, all_sql, r, "");
	return db_query(c, own_sql, r, "s", u->id);
}

/*
 * Load the cluster of a (404 unless the user may see it) and parse its
 * document into *doc (new ref).
 */
static enum db_status
cluster_read_doc_tx(struct db_conn *c, struct cluster_read_arg *a,
    struct json_object **doc)
{
	struct db_rows *r;
	enum db_status st;

	*doc = NULL;
	if ((st = cluster_store_load_tx(c, a->u, a->id, false, &r, a->out)) !=
	    DB_OK)
		return st;
	*doc = domain_parse(db_rows_get(r, 0, 0));
	db_rows_free(r);
	return DB_OK;
}

/*
 * The end of a read: a->out's body becomes the JSON text of o when st is
 * DB_OK.  Takes ownership of o (NULL is allowed) and puts it either way.
 * Returns st.
 */
static enum db_status
cluster_read_answer(struct cluster_read_arg *a, enum db_status st,
    struct json_object *o)
{
	if (st == DB_OK)
		domain_out_json(a->out, o);
	json_object_put(o);
	return st;
}

/* GET /clusters: the common part and the status filter (0: all). */
struct cluster_read_list_arg {
	struct cluster_read_arg base;
	unsigned int filter; /* bit i: cluster_view_statuses[i] */
};

/* GET /clusters?status=: the summaries of the statuses in la->filter. */
static enum db_status
cluster_read_list_filtered(struct db_conn *c,
    const struct cluster_read_list_arg *la, struct db_rows **r)
{
	const struct cluster_read_arg *a = &la->base;
	const char *in[CLUSTER_VIEW_NSTATUS];
	int s, k = 0;

	/* Five slots, the unused ones repeat a wanted status. */
	for (s = 0; s < CLUSTER_VIEW_NSTATUS; s++)
		if (la->filter & (1u << s))
			in[k++] = cluster_view_statuses[s];
	for (s = k; s < CLUSTER_VIEW_NSTATUS; s++)
		in[s] = in[0];
	if (a->u->sees_all)
		return db_query(c,
		    "SELECT id, name, create_time, "
		    "expire_time, template_name, num_nodes, status, "
		    "owner_id FROM clusters WHERE status IN (?, ?, ?, ?, "
		    "?) ORDER BY create_time DESC, id DESC",
		    r, "sssss", in[0], in[1], in[2], in[3], in[4]);
	return db_query(c,
	    "SELECT id, name, create_time, "
	    "expire_time, template_name, num_nodes, status, "
	    "owner_id FROM clusters WHERE owner_id = ? AND "
	    "status IN (?, ?, ?, ?, ?) ORDER BY create_time DESC, "
	    "id DESC",
	    r, "ssssss", a->u->id, in[0], in[1], in[2], in[3], in[4]);
}

/* GET /clusters */
static enum db_status
cluster_read_list_fn(struct db_conn *c, void *arg)
{
	struct cluster_read_list_arg *la = arg;
	struct cluster_read_arg *a = &la->base;
	struct db_rows *r;
	enum db_status st;

	if (la->filter != 0)
		st = cluster_read_list_filtered(c, la, &r);
	else
		st = cluster_read_owned(c, a->u,
		    "SELECT id, name, create_time, expire_time, "
		    "template_name, num_nodes, status, owner_id FROM clusters "
		    "ORDER BY create_time DESC, id DESC",
		    "SELECT id, name, create_time, expire_time, "
		    "template_name, num_nodes, status, owner_id FROM clusters "
		    "WHERE owner_id = ? ORDER BY create_time DESC, id DESC",
		    &r);
	if (st != DB_OK)
		return st;
	free(a->out->body);
	a->out->body = cluster_view_summaries(r);
	db_rows_free(r);
	return DB_OK;
}

/*
 * Run a read function with argument a (borrowed; a->out receives the
 * result, and fn may take a struct that begins with a) on this thread's
 * connection and map the result into a->out.
 */
static void
cluster_read_run_arg(db_tx_fn fn, struct cluster_read_arg *a)
{
	char err[LOOMD_ERR_LEN];
	struct db_conn *c;
	enum db_status st;

	if ((c = domain_conn(a->out)) == NULL)
		return;
	st = db_read_run(c, fn, a, err);
	domain_finish_tx(a->out, st, err);
}

/*
 * Run a read function for user u, cluster id and job (borrowed; 0 and
 * NULL where the route has none) on this thread's connection and map the
 * result into out.
 */
static void
cluster_read_run(db_tx_fn fn, const struct cluster_store_user *u, int64_t id,
    const char *job, struct domain_out *out)
{
	struct cluster_read_arg a = { u, id, job, out };

	cluster_read_run_arg(fn, &a);
}

void
cluster_read_list(const struct cluster_store_user *u, struct domain_out *out)
{
	cluster_read_list_status(u, 0, out);
}

void
cluster_read_list_status(const struct cluster_store_user *u,
    unsigned int filter, struct domain_out *out)
{
	struct cluster_read_list_arg a = { { u, 0, NULL, out }, filter };

	cluster_read_run_arg(cluster_read_list_fn, &a.base);
}

/* A node row of GET /clusters/{id}: its order and its document. */
struct cluster_read_node {
	int64_t nodenum;
	const char *id;
	const char *doc;
	size_t len;
};

/* Order of the nodes in the answer: nodenum, then node id. */
static int
cluster_read_node_cmp(const void *a, const void *b)
{
	const struct cluster_read_node *x = a, *y = b;

	if (x->nodenum != y->nodenum)
		return x->nodenum < y->nodenum ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* A task a worker holds (a part 2 row of GET /clusters/{id}). */
struct cluster_read_taken {
	const char *node;
	int64_t at; /* taken_at */
	const char *id;
	const char *service;
	const char *action;
};

/* Order of the taken tasks: node, then take time, then task id. */
static int
cluster_read_taken_cmp(const void *a, const void *b)
{
	const struct cluster_read_taken *x = a, *y = b;
	int c;

	if ((c = strcmp(x->node, y->node)) != 0)
		return c;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return strcmp(x->id, y->id);
}

/*
 * Give the nodes[0, k) that have a task taken (the part 2 rows of r:
 * service, task_name, taken_at, node_id, task id at columns 1 to 5)
 * their running task's in_progress action, last in their actions, as the
 * take wrote it into the node before: the document parsed, the action
 * appended (cluster_view_node_open_action) and written again.  Returns
 * the new texts, k of them, NULL where a node has none (free with
 * cluster_read_texts_free()), or NULL when no node has one.
 */
static char **
cluster_read_running(struct cluster_read_node *nodes, size_t k,
    const struct db_rows *r)
{
	struct cluster_read_taken *t;
	struct json_object *doc;
	char **texts = NULL;
	size_t nt = 0, i, lo, hi, mid;

	t = xcalloc(r->nrows + 1, sizeof *t);
	for (i = 0; i < r->nrows; i++)
		if (db_rows_int(r, i, 0) == 2 && db_rows_get(r, i, 4) != NULL)
			t[nt++] = (struct cluster_read_taken){ db_rows_get(r,
								   i, 4),
				db_rows_int(r, i, 3), db_rows_get(r, i, 5),
				db_rows_get(r, i, 1), db_rows_get(r, i, 2) };
	qsort(t, nt, sizeof *t, cluster_read_taken_cmp);
	for (i = 0; i < k && nt > 0; i++) {
		lo = 0;
		hi = nt;
		while (lo < hi) { /* the first task on node i */
			mid = (lo + hi) / 2;
			if (strcmp(t[mid].node, nodes[i].id) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == nt || strcmp(t[lo].node, nodes[i].id) != 0 ||
		    (doc = domain_parse(nodes[i].doc)) == NULL)
			continue;
		for (; lo < nt && strcmp(t[lo].node, nodes[i].id) == 0; lo++)
			cluster_view_node_open_action(doc, t[lo].id,
			    t[lo].service, t[lo].action, t[lo].at,
			    domain_cfg()->node_max_actions);
		if (texts == NULL)
			texts = xcalloc(k, sizeof *texts);
		texts[i] =
		    xstrdup(json_object_to_json_string_ext(doc, DOMAIN_JSON));
		nodes[i].doc = texts[i];
		nodes[i].len = strlen(texts[i]);
		json_object_put(doc);
	}
	free(t);
	return texts;
}

/* Free the k texts of cluster_read_running() (NULL: none). */
static void
cluster_read_texts_free(char **texts, size_t k)
{
	size_t i;

	if (texts == NULL)
		return;
	for (i = 0; i < k; i++)
		free(texts[i]);
	free(texts);
}

/*
 * GET /clusters/{id}: the stored cluster document with latestJobId, the
 * latest job's message and the node documents in place of the node ids,
 * spliced as text (jsonsplice): the stored documents are json-c's
 * canonical text, so they are neither parsed nor written again (but for
 * a node with a task taken, which shows its in_progress action).
 */
static enum db_status
cluster_read_splice(struct cluster_read_arg *a, const struct db_rows *r,
    size_t h)
{
	struct jsonsplice_member set[3];
	struct cluster_read_node *nodes;
	const char **elems;
	size_t *elens, i, k = 0, n = 0;
	const char *v, *msg = db_rows_get(r, h, 5);
	char cid[32], *body, **texts;

	nodes = xcalloc(r->nrows, sizeof *nodes);
	for (i = 0; i < r->nrows; i++) {
		if (db_rows_int(r, i, 0) != 1 ||
		    (v = db_rows_get(r, i, 1)) == NULL)
			continue;
		if (!jsonsplice_is_object(v, db_rows_len(r, i, 1))) {
			log_error(
			    "cluster_store: stored JSON is corrupt: %.80s", v);
			continue;
		}
		nodes[k].nodenum = db_rows_int(r, i, 3);
		nodes[k].id = db_rows_get(r, i, 4);
		nodes[k].doc = v;
		nodes[k++].len = db_rows_len(r, i, 1);
	}
	texts = cluster_read_running(nodes, k, r);
	qsort(nodes, k, sizeof *nodes, cluster_read_node_cmp);
	elems = xcalloc(k + 1, sizeof *elems);
	elens = xcalloc(k + 1, sizeof *elens);
	for (i = 0; i < k; i++) {
		elems[i] = nodes[i].doc;
		elens[i] = nodes[i].len;
	}
	/* Loom 0.9.7's latestJobId, beside 0.9's jobs. */
	set[n++] = (struct jsonsplice_member){ "latestJobId",
		JSONSPLICE_STRING, db_rows_get(r, h, 4), NULL, NULL, 0 };
	if (msg != NULL)
		set[n++] = (struct jsonsplice_member){ "message",
			JSONSPLICE_STRING, msg, NULL, NULL, 0 };
	set[n++] = (struct jsonsplice_member){ "nodes", JSONSPLICE_ARRAY, NULL,
		elems, elens, k };
	body = jsonsplice_set(db_rows_get(r, h, 1), db_rows_len(r, h, 1), set,
	    n, NULL);
	free(elens);
	free(elems);
	free(nodes);
	cluster_read_texts_free(texts, k);
	if (body == NULL) {
		log_error("cluster_store: stored JSON is corrupt: %.80s",
		    db_rows_get(r, h, 1));
		domain_fail(a->out, DOMAIN_INTERNAL,
		    "the stored document of cluster %s is corrupt; "
		    "see the log",
		    ids_format_cluster(a->id, cid, sizeof cid));
		return DB_ABORT;
	}
	free(a->out->body);
	a->out->body = body;
	return DB_OK;
}

/*
 * Whether a's user may see a cluster owned by owner (NULL: no such
 * cluster); if not, a->out is the 404 a cluster the user does not own
 * gets too, so that its existence does not show.
 */
static bool
cluster_read_visible(struct cluster_read_arg *a, const char *owner)
{
	char cid[32];

	if (owner != NULL && (a->u->sees_all || strcmp(owner, a->u->id) == 0))
		return true;
	domain_fail(a->out, DOMAIN_NOT_FOUND, "cluster %s not found.",
	    ids_format_cluster(a->id, cid, sizeof cid));
	return false;
}

/*
 * The answer of GET /clusters/{id} built from the stored documents, and
 * whether g may keep it.  One statement (one round trip, one causal wait,
 * one snapshot) returns the cluster row with its latest job's message
 * (part 0), its nodes (part 1) and the tasks of its latest job that a
 * worker holds (part 2: service, task_name, taken_at, node_id, id).  Part 2
 * reads the taken tasks of the cluster's datacenter from their index
 * (tasks_taken: about one per busy worker, however large the job), and
 * only while the job is not complete: for a settled cluster it costs two
 * primary-key reads of rows part 0 has just read.  A cluster has one job at
 * a time, so every task taken on its nodes is its latest job's.  (An
 * aggregate, even never evaluated, made the server create a temporary
 * table on disk for every GET.)  No ORDER BY: sorting a union of LONGTEXT
 * rows made the server build an on-disk temporary table for every GET, so
 * the rows are put in order here.
 */
static enum db_status
cluster_read_get_build(struct db_conn *c, struct cluster_read_get_arg *g)
{
	struct cluster_read_arg *a = &g->base;
	struct db_rows *r;
	enum db_status st;
	const char *js;
	size_t h;

	if ((st = db_query(c,
		 "SELECT 0 AS part, k.doc, k.owner_id, 0 AS nodenum, "
		 "k.latest_job AS nid, j.status_message, k.version, j.status "
		 "FROM clusters k LEFT JOIN jobs j ON j.id = k.latest_job "
		 "WHERE k.id = ? UNION ALL SELECT 1, doc, NULL, nodenum, id, "
		 "NULL, NULL, NULL FROM nodes WHERE cluster_id = ? UNION ALL "
		 "SELECT 2, t.service, t.task_name, t.taken_at, t.node_id, "
		 "t.id, NULL, NULL FROM clusters k JOIN jobs j ON j.id = "
		 "k.latest_job AND j.status <> 'COMPLETE' JOIN tasks t FORCE "
		 "INDEX (tasks_taken) ON t.q_state = 'taken' AND t.residue = "
		 "k.residue AND t.job_id = j.id AND t.node_id IS NOT NULL "
		 "WHERE k.id = ?",
		 &r, "iii", a->id, a->id, a->id)) != DB_OK)
		return st;
	for (h = 0; h < r->nrows && db_rows_int(r, h, 0) != 0; h++)
		;
	if (!cluster_read_visible(a,
		h == r->nrows ? NULL : db_rows_get(r, h, 2))) {
		db_rows_free(r);
		return DB_ABORT;
	}
	st = cluster_read_splice(a, r, h);
	js = db_rows_get(r, h, 7);
	if (st == DB_OK && js != NULL && strcmp(js, "COMPLETE") == 0 &&
	    strlen(a->out->body) <= CLUSTER_READ_RENDERED_MAX) {
		g->keep = true;
		g->version = db_rows_int(r, h, 6);
	}
	if (st == DB_OK)
		cluster_read_hint_set(a->id, !g->keep);
	db_rows_free(r);
	return st;
}

/*
 * GET /clusters/{id}: the rendering kept in the cluster's row when there
 * is one of this loomd's format (one primary-key read: the answer of
 * every GET of a cluster at rest but the first), else built from the
 * union above.  A cluster that does not exist, or that the user may not
 * see, is a 404 at the first read.  A cluster whose last GET here found
 * its job running is built at once (one statement, as before there were
 * renderings).
 */
static enum db_status
cluster_read_get_fn(struct db_conn *c, void *arg)
{
	struct cluster_read_get_arg *g = arg;
	struct cluster_read_arg *a = &g->base;
	struct db_rows *r;
	enum db_status st;
	const char *v;

	g->keep = g->kept = false;
	if (cluster_read_hint_busy(a->id))
		return cluster_read_get_build(c, g);
	if ((st = db_query(c,
		 "SELECT IF(rendered_format = ? AND rendered_version = "
		 "version, rendered, NULL), owner_id "
		 "FROM clusters WHERE id = ?",
		 &r, "ii", (int64_t)CLUSTER_READ_RENDERED_FORMAT, a->id)) !=
	    DB_OK)
		return st;
	if (!cluster_read_visible(a,
		r->nrows == 1 ? db_rows_get(r, 0, 1) : NULL)) {
		db_rows_free(r);
		return DB_ABORT;
	}
	if ((v = db_rows_get(r, 0, 0)) != NULL) {
		free(a->out->body);
		a->out->body = xstrdup(v);
		g->kept = true;
	}
	db_rows_free(r);
	return g->kept ? DB_OK : cluster_read_get_build(c, g);
}

void
cluster_read_get(const struct cluster_store_user *u, int64_t id,
    struct domain_out *out)
{
	struct cluster_read_get_arg g = { { u, id, NULL, out }, 0, false,
		false };
	char err[LOOMD_ERR_LEN];
	struct db_conn *c;

	cluster_read_run_arg(cluster_read_get_fn, &g.base);
	if (out->res != DOMAIN_OK)
		return;
	__atomic_add_fetch(&cluster_read_gets[g.kept ? 0 : 1], 1,
	    __ATOMIC_RELAXED);
	if (!g.keep || out->body == NULL ||
	    (c = db_thread_conn(NULL, err)) == NULL)
		return;
	/*
	 * Keep the answer in the cluster's row with the row's version, unless
	 * the row changed since the build read it (its version) or another
	 * loomd kept one meanwhile.  A GET serves it only while the row keeps
	 * that version, so a change by a server that does not know of
	 * renderings (which bumps the version all the same) is never hidden.
	 * A cache fill: tried once, without a lock wait (another transaction
	 * holds the row: it is changing the cluster), its failure only logged.
	 */
	if (db_exec_tx_one(c, DB_ONE_TRY, NULL, err,
		"SET STATEMENT innodb_lock_wait_timeout = 0 FOR UPDATE "
		"clusters SET rendered = ?, rendered_format = ?, "
		"rendered_version = version WHERE id = ? AND version = ? AND "
		"(rendered IS NULL OR rendered_format <> ? OR rendered_version "
		"<> version)",
		"siiii", out->body, (int64_t)CLUSTER_READ_RENDERED_FORMAT, id,
		g.version, (int64_t)CLUSTER_READ_RENDERED_FORMAT) != DB_OK)
		log_debug("cluster_read: the answer of cluster %lld not kept: "
			  "%s",
		    (long long)id, err);
}

void
cluster_read_gets_counts(uint64_t *rendered, uint64_t *built)
{
	*rendered = __atomic_load_n(&cluster_read_gets[0], __ATOMIC_RELAXED);
	*built = __atomic_load_n(&cluster_read_gets[1], __ATOMIC_RELAXED);
}

/* GET /clusters/{id}/services */
static enum db_status
cluster_read_services_fn(struct db_conn *c, void *arg)
{
	struct cluster_read_arg *a = arg;
	struct json_object *doc, *sv;
	enum db_status st;

	if ((st = cluster_read_doc_tx(c, a, &doc)) != DB_OK)
		return st;
	if (json_object_object_get_ex(doc, "services", &sv))
		domain_out_json(a->out, sv);
	else {
		free(a->out->body);
		a->out->body = xstrdup("[]");
	}
	json_object_put(doc);
	return DB_OK;
}

void
cluster_read_services(const struct cluster_store_user *u, int64_t id,
    struct domain_out *out)
{
	cluster_read_run(cluster_read_services_fn, u, id, NULL, out);
}

/* stepstotal and stepscompleted of job j, two columns of a select. */
#define CLUSTER_READ_STEPS \
	"(SELECT COUNT(*) FROM tasks t WHERE t.job_id = j.id AND " \
	"t.counted = 1 AND t.is_rollback = 0), (SELECT COUNT(*) FROM tasks t " \
	"WHERE t.job_id = j.id AND t.counted = 1 AND t.is_rollback = 0 AND " \
	"t.status = 'COMPLETE')"

/*
 * The status object of section 1.5 for cluster id with latest job jid:
 * stepstotal = tasks registered in the job's taskStatus (counted, not
 * rollbacks), stepscompleted = those COMPLETE.  NULL if the job is gone.
 */
static enum db_status
cluster_read_status_object(struct db_conn *c, int64_t id, const char *cstatus,
    const char *jid, struct json_object **out)
{
	struct db_rows *r;
	enum db_status st;

	*out = NULL;
	if ((st = db_query(c,
		 "SELECT j.action, j.status, " CLUSTER_READ_STEPS
		 " FROM jobs j WHERE j.id = ?",
		 &r, "s", jid)) != DB_OK)
		return st;
	if (r->nrows == 1)
		*out = cluster_view_status(id, cstatus, db_rows_get(r, 0, 0),
		    db_rows_get(r, 0, 1), db_rows_int(r, 0, 2),
		    db_rows_int(r, 0, 3));
	db_rows_free(r);
	return DB_OK;
}

/*
 * GET /clusters/{id}/status: one statement, the cluster's row (status,
 * owner, latest job) with the latest job's action, status and counts, as
 * cluster_read_status_object() counts them.  Providers poll it while a
 * job runs, so it reads neither the cluster's document nor a second row.
 */
static enum db_status
cluster_read_status_fn(struct db_conn *c, void *arg)
{
	struct cluster_read_arg *a = arg;
	struct json_object *o;
	struct db_rows *r;
	enum db_status st;
	char cid[32];

	if ((st = db_query(c,
		 "SELECT k.status, k.owner_id, k.latest_job, j.action, "
		 "j.status, " CLUSTER_READ_STEPS " FROM clusters k "
		 "LEFT JOIN jobs j ON j.id = k.latest_job WHERE k.id = ?",
		 &r, "i", a->id)) != DB_OK)
		return st;
	if (!cluster_read_visible(a,
		r->nrows == 0 ? NULL : db_rows_get(r, 0, 1))) {
		db_rows_free(r);
		return DB_ABORT;
	}
	if (db_rows_get(r, 0, 3) == NULL) {
		domain_fail(a->out, DOMAIN_NOT_FOUND,
		    "job %s not found for cluster %s", db_rows_get(r, 0, 2),
		    ids_format_cluster(a->id, cid, sizeof cid));
		db_rows_free(r);
		return DB_ABORT;
	}
	o = cluster_view_status(a->id, db_rows_get(r, 0, 0),
	    db_rows_get(r, 0, 3), db_rows_get(r, 0, 4), db_rows_int(r, 0, 5),
	    db_rows_int(r, 0, 6));
	db_rows_free(r);
	return cluster_read_answer(a, DB_OK, o);
}

void
cluster_read_status(const struct cluster_store_user *u, int64_t id,
    struct domain_out *out)
{
	cluster_read_run(cluster_read_status_fn, u, id, NULL, out);
}

/* The plan JSON of one job (section 1.5). */
static enum db_status
cluster_read_plan_object(struct db_conn *c, const char *jid,
    struct json_object **out)
{
	struct db_rows *jr, *r;
	enum db_status st;

	*out = NULL;
	if ((st = db_query(c,
		 "SELECT cluster_id, action, current_stage FROM "
		 "jobs WHERE id = ?",
		 &jr, "s", jid)) != DB_OK)
		return st;
	if (jr->nrows == 0) {
		db_rows_free(jr);
		return DB_OK;
	}
	if ((st = db_query(c,
		 "SELECT id, task_name, node_id, service, stage "
		 "FROM tasks WHERE job_id = ? AND stage IS NOT NULL ORDER BY "
		 "stage, seq",
		 &r, "s", jid)) != DB_OK) {
		db_rows_free(jr);
		return st;
	}
	*out = cluster_view_plan(jid, db_rows_int(jr, 0, 0),
	    db_rows_get(jr, 0, 1), db_rows_int(jr, 0, 2), r);
	db_rows_free(r);
	db_rows_free(jr);
	return DB_OK;
}

/* GET /clusters/{id}/plans[/{job}] */
static enum db_status
cluster_read_plans_fn(struct db_conn *c, void *arg)
{
	struct cluster_read_arg *a = arg;
	struct json_object *doc, *jobs, *arr, *p;
	enum db_status st = DB_OK;
	char cid[32];
	size_t i;

	if ((st = cluster_read_doc_tx(c, a, &doc)) != DB_OK)
		return st;
	ids_format_cluster(a->id, cid, sizeof cid);
	if (!json_object_object_get_ex(doc, "jobs", &jobs))
		jobs = NULL;
	if (a->job != NULL) {
		bool mine = false;

		for (i = 0; jobs != NULL && i < json_object_array_length(jobs);
		     i++)
			mine |= strcmp(json_object_get_string(
					   json_object_array_get_idx(jobs, i)),
				    a->job) == 0;
		if (!mine) {
			json_object_put(doc);
			domain_fail(a->out, DOMAIN_INVALID,
			    "Job %s does not belong to "
			    "cluster %s",
			    a->job, cid);
			return DB_ABORT;
		}
		st = cluster_read_plan_object(c, a->job, &p);
		if (st == DB_OK && p == NULL) {
			domain_fail(a->out, DOMAIN_NOT_FOUND,
			    "job %s not found", a->job);
			st = DB_ABORT;
		}
		st = cluster_read_answer(a, st, p);
		json_object_put(doc);
		return st;
	}
	arr = jsonx_new_array();
	for (i = 0; jobs != NULL && i < json_object_array_length(jobs); i++) {
		st = cluster_read_plan_object(c,
		    json_object_get_string(json_object_array_get_idx(jobs, i)),
		    &p);
		if (st != DB_OK)
			break;
		if (p != NULL)
			jsonx_append(arr, p);
	}
	st = cluster_read_answer(a, st, arr);
	json_object_put(doc);
	return st;
}

void
cluster_read_plans(const struct cluster_store_user *u, int64_t id,
    const char *job, struct domain_out *out)
{
	cluster_read_run(cluster_read_plans_fn, u, id, job, out);
}

/* POST /getClusterStatuses */
static enum db_status
cluster_read_statuses_fn(struct db_conn *c, void *arg)
{
	struct cluster_read_arg *a = arg;
	struct json_object *arr, *o;
	struct db_rows *r;
	enum db_status st = DB_OK;
	size_t i;

	st = cluster_read_owned(c, a->u,
	    "SELECT id, status, latest_job FROM clusters "
	    "ORDER BY id",
	    "SELECT id, status, latest_job FROM clusters "
	    "WHERE owner_id = ? ORDER BY id",
	    &r);
	if (st != DB_OK)
		return st;
	if (r->nrows == 0) {
		db_rows_free(r);
		domain_fail(a->out, DOMAIN_NOT_FOUND, "No clusters found");
		return DB_ABORT;
	}
	arr = jsonx_new_array();
	for (i = 0; i < r->nrows && st == DB_OK; i++) {
		st = cluster_read_status_object(c, db_rows_int(r, i, 0),
		    db_rows_get(r, i, 1), db_rows_get(r, i, 2), &o);
		if (st == DB_OK && o != NULL)
			jsonx_append(arr, o);
	}
	db_rows_free(r);
	if (st == DB_OK && json_object_array_length(arr) == 0) {
		domain_fail(a->out, DOMAIN_NOT_FOUND,
		    "No jobs found for clusters");
		st = DB_ABORT;
	}
	return cluster_read_answer(a, st, arr);
}

void
cluster_read_statuses(const struct cluster_store_user *u,
    struct domain_out *out)
{
	cluster_read_run(cluster_read_statuses_fn, u, 0, NULL, out);
}

/* POST /getNodeProperties: what to give (arrays of strings, borrowed). */
struct cluster_read_props_arg {
	struct cluster_read_arg base;
	struct json_object *props;
	struct json_object *services;
};

/* POST /getNodeProperties */
static enum db_status
cluster_read_node_properties_fn(struct db_conn *c, void *arg)
{
	struct cluster_read_props_arg *pa = arg;
	struct cluster_read_arg *a = &pa->base;
	struct json_object *res, *nodes, *node, *props, *p, *v;
	struct db_rows *r;
	enum db_status st;
	size_t i, j, np;

	res = jsonx_new_object();
	st = cluster_store_load_tx(c, a->u, a->id, false, &r, a->out);
	if (st == DB_ABORT) {
		/* Unknown or not the user's: no nodes. */
		a->out->res = DOMAIN_OK;
		a->out->msg[0] = '\0';
		return cluster_read_answer(a, DB_OK, res);
	}
	if (st != DB_OK) {
		json_object_put(res);
		return st;
	}
	db_rows_free(r);
	if ((st = cluster_store_load_nodes_tx(c, a->id, false, &nodes)) !=
	    DB_OK) {
		json_object_put(res);
		return st;
	}
	np = pa->props != NULL ? json_object_array_length(pa->props) : 0;
	for (i = 0; i < json_object_array_length(nodes); i++) {
		const char *nid;

		node = json_object_array_get_idx(nodes, i);
		if ((nid = jsonx_get_str(node, "id")) == NULL ||
		    !cluster_view_node_has(node, pa->services))
			continue;
		if (!json_object_object_get_ex(node, "properties", &props) ||
		    !json_object_is_type(props, json_type_object))
			props = NULL;
		if (np == 0) {
			jsonx_set(res, nid,
			    props != NULL ? jsonx_copy(props) :
					    jsonx_new_object());
			continue;
		}
		p = jsonx_new_object();
		for (j = 0; j < np && props != NULL; j++) {
			const char *k = json_object_get_string(
			    json_object_array_get_idx(pa->props, j));

			if (json_object_object_get_ex(props, k, &v))
				jsonx_set(p, k, jsonx_copy(v));
		}
		jsonx_set(res, nid, p);
	}
	json_object_put(nodes);
	return cluster_read_answer(a, DB_OK, res);
}

void
cluster_read_node_properties(const struct cluster_store_user *u, int64_t id,
    struct json_object *props, struct json_object *services,
    struct domain_out *out)
{
	struct cluster_read_props_arg a = { { u, id, NULL, out }, props,
		services };

	cluster_read_run_arg(cluster_read_node_properties_fn, &a.base);
}
