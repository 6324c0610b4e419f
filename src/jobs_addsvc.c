/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jobs_addsvc.c - the layout step of an ADD_SERVICES job (see
 * jobs_addsvc.h).
 */
#include "config.h"

#include "jobs_addsvc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cluster_day2.h"
#include "cluster_store.h"
#include "domain.h"
#include "ids.h"
#include "jsonx.h"
#include "layout_add.h"
#include "svcdeps.h"
#include "svcspec.h"

/* What the step reads (db_read_run body). */
struct jobs_addsvc_in {
	int64_t cluster;
	struct json_object *doc;
	struct json_object *nodes;
	struct json_object *catalogue; /* array of Service objects */
};

static enum db_status
jobs_addsvc_read_fn(struct db_conn *c, void *arg)
{
	struct jobs_addsvc_in *in = arg;
	enum db_status st;

	json_object_put(in->catalogue);
	in->catalogue = NULL;
	if ((st = cluster_store_doc_nodes_tx(c, in->cluster, &in->doc,
		 &in->nodes)) != DB_OK ||
	    in->doc == NULL)
		return st;
	return cluster_day2_services_tx(c, &in->catalogue);
}

/*
 * Add the services of cn that node lacks (definitions from the
 * catalogue) and recompute its `services` and `automators` properties
 * (section 4.4: Java left them stale).
 */
static void
jobs_addsvc_update_node(struct json_object *node,
    const struct layout_add_cnode *cn, struct json_object *catalogue)
{
	struct json_object *sv, *props, *names, *autos;
	size_t i;

	if ((sv = jsonx_get(node, "services")) == NULL ||
	    !json_object_is_type(sv, json_type_array)) {
		sv = jsonx_new_array();
		jsonx_set(node, "services", sv);
	}
	for (i = 0; i < cn->nservices; i++) {
		struct json_object *def;

		if (jsonx_find_named(sv, cn->services[i]) != NULL)
			continue;
		def = jsonx_find_named(catalogue, cn->services[i]);
		jsonx_append(sv,
		    def != NULL ? jsonx_copy(def) : jsonx_new_object());
		if (def == NULL)
			jsonx_set(json_object_array_get_idx(sv,
				      json_object_array_length(sv) - 1),
			    "name", jsonx_new_string(cn->services[i]));
	}
	if ((props = jsonx_get(node, "properties")) == NULL) {
		props = jsonx_new_object();
		jsonx_set(node, "properties", props);
	}
	names = jsonx_new_array();
	autos = jsonx_new_array();
	for (i = 0; i < json_object_array_length(sv); i++) {
		struct json_object *s = json_object_array_get_idx(sv, i);
		struct json_object *acts;
		const char *n = jsonx_get_str(s, "name");

		if (n != NULL)
			jsonx_append(names, jsonx_new_string(n));
		acts = jsonx_get(jsonx_get(s, "provisioner"), "actions");
		if (acts == NULL ||
		    !json_object_is_type(acts, json_type_object))
			continue;
		json_object_object_foreach (acts, key, val) {
			const char *type = jsonx_get_str(val, "type");
			size_t k;

			(void)key;
			if (type == NULL)
				continue;
			for (k = 0; k < json_object_array_length(autos); k++)
				if (strcmp(jsonx_str(
					       json_object_array_get_idx(autos,
						   k)),
					type) == 0)
					break;
			if (k == json_object_array_length(autos))
				jsonx_append(autos, jsonx_new_string(type));
		}
	}
	jsonx_set(props, "services", names);
	jsonx_set(props, "automators", autos);
}

/* The write of a found layout. */
struct jobs_addsvc_write {
	const struct job_store_job *job;
	struct json_object *nodes; /* all, borrowed */
	const struct layout_add_cluster *cl;
	const char *planned_nodes; /* JSON text */
};

static enum db_status
jobs_addsvc_write_tx(struct db_conn *c, void *arg)
{
	struct jobs_addsvc_write *w = arg;
	struct json_object *doc, *svcs;
	enum db_status st;
	bool found;
	size_t i;

	/* Still the job that was read, and still not laid out. */
	if ((st = db_exec_one(c,
		 "UPDATE jobs SET planned_nodes = ?, version = version + 1 "
		 "WHERE id = ? AND version = ? AND planned = 0 AND "
		 "planned_nodes IS NULL",
		 "ssi", w->planned_nodes, w->job->id, w->job->version)) !=
	    DB_OK)
		return st;
	for (i = 0; i < w->cl->nnodes; i++) {
		const struct layout_add_cnode *cn = &w->cl->nodes[i];
		struct json_object *node;

		if (!cn->changed)
			continue;
		node = json_object_array_get_idx(w->nodes, cn->input_ix);
		if ((st = db_exec(c,
			 "UPDATE nodes SET doc = ?, version = version + 1 "
			 "WHERE id = ?",
			 NULL, "ss",
			 json_object_to_json_string_ext(node, DOMAIN_JSON),
			 cn->id)) != DB_OK)
			return st;
	}
	if ((st = cluster_store_doc_tx(c, w->job->cluster, true, &doc,
		 &found)) != DB_OK ||
	    doc == NULL)
		return st;
	svcs = jsonx_new_array();
	for (i = 0; i < w->cl->nservices; i++)
		jsonx_append(svcs, jsonx_new_string(w->cl->services[i]));
	jsonx_set(doc, "services", svcs);
	st = db_exec(c,
	    "UPDATE clusters SET doc = ?, rendered = NULL, version = version "
	    "+ 1 WHERE id = ?",
	    NULL, "si", json_object_to_json_string_ext(doc, DOMAIN_JSON),
	    w->job->cluster);
	json_object_put(doc);
	return st;
}

int
jobs_addsvc(struct db_conn *c, const struct job_store_job *job,
    struct json_object *services, char **nodes_out)
{
	struct jobs_addsvc_in in = { job->cluster, NULL, NULL, NULL };
	struct layout_add_node *ln = NULL;
	struct layout_add_cluster *cl = NULL;
	struct layout_add_layout *lay = NULL;
	struct layout_add_tracker *t = NULL;
	struct svcspec_constraints cons;
	struct json_object *ids = NULL;
	const char **req = NULL, **clsv = NULL;
	const char ***lnsv = NULL;
	char err[LOOMD_ERR_LEN], msg[LOOMD_ERR_LEN], cid[32];
	char *why = NULL;
	enum db_status st;
	size_t nreq = 0, ncl = 0, nn = 0, i;
	int rc = -1;

	*nodes_out = NULL;
	memset(&cons, 0, sizeof cons);
	ids_format_cluster(job->cluster, cid, sizeof cid);
	if ((st = db_read_run(c, jobs_addsvc_read_fn, &in, err)) != DB_OK) {
		log_warn("add services %s: %s", job->id, err);
		goto out;
	}
	if (in.doc == NULL) {
		snprintf(msg, sizeof msg, "Exception while solving layout.");
		goto failed;
	}
	/* The checks of section 4.2 again, on the catalogue of now. */
	req = svcspec_strings(services, &nreq);
	if (svcspec_check_add(in.catalogue, in.doc, req, nreq, &why) != 0) {
		snprintf(msg, sizeof msg, "Unable to solve layout: %s",
		    why != NULL ? why : "invalid services");
		goto failed;
	}
	clsv = svcspec_strings(jsonx_get(in.doc, "services"), &ncl);
	/* The cluster's nodes as the layout search sees them. */
	nn = json_object_array_length(in.nodes);
	ln = xcalloc(nn + 1, sizeof *ln);
	lnsv = xcalloc(nn + 1, sizeof *lnsv);
	for (i = 0; i < nn; i++) {
		struct json_object *n = json_object_array_get_idx(in.nodes, i);
		struct json_object *props = jsonx_get(n, "properties");
		struct json_object *sv = jsonx_get(n, "services");
		const char *num = jsonx_get_str(props, "nodenum");
		size_t k, ns = sv != NULL ? json_object_array_length(sv) : 0;

		ln[i].id = jsonx_get_str(n, "id");
		ln[i].nodenum = num != NULL ? strtoll(num, NULL, 10) : 0;
		ln[i].hardwaretype = jsonx_get_str(props, "hardwaretype");
		ln[i].imagetype = jsonx_get_str(props, "imagetype");
		lnsv[i] = xcalloc(ns + 1, sizeof **lnsv);
		for (k = 0; k < ns; k++) {
			const char *sn =
			    jsonx_get_str(json_object_array_get_idx(sv, k),
				"name");

			if (sn != NULL)
				lnsv[i][ln[i].services.n++] = sn;
		}
		ln[i].services.v = lnsv[i];
	}
	if (layout_add_cluster_new(ln, nn, clsv, ncl, &cl, err) != 0) {
		log_warn("add services %s: %s", job->id, err);
		snprintf(msg, sizeof msg, "Exception while solving layout.");
		goto failed;
	}
	svcspec_constraints_read(jsonx_get(in.doc, "clusterTemplate"), &cons);
	lay = layout_add_cluster_layout(cl);
	if (layout_add_solve(&cons.c, lay, req, nreq,
		domain_cfg()->solver_max_steps, &t, err) != 0) {
		snprintf(msg, sizeof msg, "Unable to solve layout: %s", err);
		goto failed;
	}
	if (t == NULL) {
		snprintf(msg, sizeof msg, "Unable to solve layout.");
		goto failed;
	}
	for (i = 0; i < layout_add_tracker_nchanges(t); i++)
		if (layout_add_cluster_apply(cl,
			layout_add_tracker_change(t, i), NULL, err) != 0) {
			log_warn("add services %s: %s", job->id, err);
			snprintf(msg, sizeof msg,
			    "Exception while solving layout.");
			goto failed;
		}
	ids = jsonx_new_array();
	for (i = 0; i < cl->nnodes; i++) {
		if (!cl->nodes[i].changed)
			continue;
		jobs_addsvc_update_node(json_object_array_get_idx(in.nodes,
					    cl->nodes[i].input_ix),
		    &cl->nodes[i], in.catalogue);
		jsonx_append(ids, jsonx_new_string(cl->nodes[i].id));
	}
	{
		struct jobs_addsvc_write w = { job, in.nodes, cl,
			json_object_to_json_string_ext(ids, DOMAIN_JSON) };

		st = db_tx_run(c, jobs_addsvc_write_tx, &w, err);
		if (st == DB_OK) {
			*nodes_out = xstrdup(w.planned_nodes);
			log_info("cluster %s: services laid out on %zu nodes, "
				 "job %s",
			    cid, json_object_array_length(ids), job->id);
			rc = 0;
		} else if (st != DB_ABORT)
			log_warn("add services %s: %s", job->id, err);
	}
	goto out;
failed:
	/* Nothing changed: the cluster is as it was (section 4.3, fixed). */
	log_info("cluster %s: %s", cid, msg);
	if ((st = job_store_fail(c, job, msg, "ACTIVE", err)) != DB_OK &&
	    st != DB_ABORT)
		log_warn("add services %s: %s", job->id, err);
out:
	json_object_put(ids);
	layout_add_tracker_free(t);
	layout_add_layout_free(lay);
	layout_add_cluster_free(cl);
	svcspec_constraints_free(&cons);
	if (lnsv != NULL)
		for (i = 0; i < nn; i++)
			free(lnsv[i]);
	free(lnsv);
	free(ln);
	free(req);
	free(clsv);
	free(why);
	json_object_put(in.doc);
	json_object_put(in.nodes);
	json_object_put(in.catalogue);
	return rc;
}
