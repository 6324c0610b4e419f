/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api_admin.c - handlers of the admin catalogue.  Bodies are parsed by
 * jsonin (lenient like Loom's Gson, strict about what a server must refuse)
 * and validated by codec, which also gives the canonical JSON stored and
 * returned.  Each write is one transaction through db_tx_run(); import
 * replaces the whole catalogue in one transaction, so a bad entity changes
 * nothing.  Reads run on connections with wsrep_sync_wait (db.sync_wait),
 * so a write acknowledged by any datacenter is seen by the next read here.
 */
#include "config.h"

#include "api_admin.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_common.h"
#include "auth.h"
#include "codec.h"
#include "db.h"
#include "entity_store.h"
#include "jsonin.h"

/* Arguments and results of one store call. */
struct api_admin_op {
	enum codec_type type;
	const char *kind; /* codec_type_path(type) */
	const char *name;
	const char *doc;
	char *out; /* owned result text */
	bool found;
	struct json_object *import; /* canonical import object */
};

/* Map a database failure to 503 (transient) or 500. */
static enum api_status
api_admin_db_fail(struct http_resp *resp, enum db_status st, const char *err)
{
	return http_fail(resp,
	    db_status_transient(st) ? API_UNAVAILABLE : API_INTERNAL, "%s",
	    err);
}

/*
 * Run fn on op with the calling thread's connection: in one transaction
 * when tx, else as autocommit reads.  A database that cannot be reached
 * is DB_UNAVAILABLE (503, as when it is lost on the way); err gets why.
 */
static enum db_status
api_admin_run(bool tx, db_tx_fn fn, struct api_admin_op *op,
    char err[LOOMD_ERR_LEN])
{
	struct db_conn *c;

	if ((c = db_thread_conn(NULL, err)) == NULL)
		return DB_UNAVAILABLE;
	return tx ? db_tx_run(c, fn, op, err) : db_read_run(c, fn, op, err);
}

/* 404 for the entity op->name of type op->type that is not there. */
static enum api_status
api_admin_not_found(struct http_resp *resp, const struct api_admin_op *op)
{
	return http_fail(resp, API_NOT_FOUND, "%s %s  not found.",
	    codec_type_word(op->type), op->name);
}

/*
 * Authenticate the reader, run the read fn on op (tx: in one
 * transaction, for one snapshot) and answer with the text it left in
 * op->out; fn's DB_ABORT (no entity op->name) is 404.
 */
static enum api_status
api_admin_fetch(struct http_req *req, struct http_resp *resp, bool tx,
    db_tx_fn fn, struct api_admin_op *op)
{
	char err[LOOMD_ERR_LEN];
	enum api_status as;
	enum db_status st;
	const char *user;
	bool adm;

	if ((as = auth_user(req, resp, &user, &adm)) != API_OK)
		return as;
	if ((st = api_admin_run(tx, fn, op, err)) == DB_OK) {
		resp->body = op->out; /* resp owns it now */
		return API_OK;
	}
	free(op->out);
	if (st == DB_ABORT && op->name != NULL)
		return api_admin_not_found(resp, op);
	return api_admin_db_fail(resp, st, err);
}

/* The entity type named by the first path parameter, or 404. */
static enum api_status
api_admin_type(struct http_req *req, struct http_resp *resp,
    enum codec_type *type)
{
	if (req->nparams < 1 ||
	    codec_type_from_path(req->params[0], type) != 0)
		return http_fail(resp, API_NOT_FOUND, "no route for %s %s",
		    req->method, req->path);
	return API_OK;
}

/* Answer 400 with the body Loom gives a codec error of kind. */
static enum api_status
api_admin_codec_fail(struct http_resp *resp, enum codec_error kind,
    const char *err)
{
	char *body;

	body = codec_error_body(kind, err);
	http_fail(resp, API_BAD_REQUEST, "%s", body);
	free(body);
	return API_BAD_REQUEST;
}

/*
 * Parse and validate the body as an entity of type; on API_OK *ent is the
 * canonical object (caller puts it).
 */
static enum api_status
api_admin_decode(struct http_req *req, struct http_resp *resp,
    enum codec_type type, struct json_object **ent)
{
	char err[LOOMD_ERR_LEN];
	struct json_object *in = NULL;
	enum codec_error kind;
	enum jsonin_error why;

	*ent = NULL;
	if (jsonin_parse(req->body, req->body_len, 0, &in, &why, err) != 0) {
		if (why == JSONIN_ERR_EMPTY)
			return http_fail(resp, API_BAD_REQUEST,
			    "invalid "
			    "input: empty body");
		return http_fail(resp, API_BAD_REQUEST, "invalid input: %s",
		    err);
	}
	if (codec_parse(type, in, ent, &kind, err) != 0) {
		json_object_put(in);
		return api_admin_codec_fail(resp, kind, err);
	}
	json_object_put(in);
	return API_OK;
}

/* GET /v1/loom/{type}: every entity of a type. */
static enum db_status
api_admin_list_fn(struct db_conn *c, void *arg)
{
	struct api_admin_op *op = arg;

	free(op->out);
	op->out = NULL;
	return entity_store_list(c, op->kind, &op->out);
}

/* GET /v1/loom/{type}/{name}. */
static enum db_status
api_admin_get_fn(struct db_conn *c, void *arg)
{
	struct api_admin_op *op = arg;

	free(op->out);
	op->out = NULL;
	return entity_store_get(c, op->kind, op->name, &op->out);
}

/*
 * GET /v1/loom/{type} (list_fn) and /v1/loom/{type}/{name} (get_fn, 404
 * when there is no such entity).
 */
static enum api_status
api_admin_read(struct http_req *req, struct http_resp *resp)
{
	struct api_admin_op op = { 0 };
	enum api_status as;

	if ((as = api_admin_type(req, resp, &op.type)) != API_OK)
		return as;
	op.kind = codec_type_path(op.type);
	op.name = req->nparams > 1 ? req->params[1] : NULL;
	return api_admin_fetch(req, resp, false,
	    op.name != NULL ? api_admin_get_fn : api_admin_list_fn, &op);
}

/* The write transactions. */
static enum db_status
api_admin_insert_fn(struct db_conn *c, void *arg)
{
	struct api_admin_op *op = arg;

	return entity_store_insert_tx(c, op->kind, op->name, op->doc);
}

static enum db_status
api_admin_upsert_fn(struct db_conn *c, void *arg)
{
	struct api_admin_op *op = arg;

	return entity_store_upsert_tx(c, op->kind, op->name, op->doc);
}

static enum db_status
api_admin_delete_fn(struct db_conn *c, void *arg)
{
	struct api_admin_op *op = arg;

	return entity_store_delete_tx(c, op->kind, op->name, &op->found);
}

/* Run one write transaction for POST/PUT/DELETE and map its outcome. */
static enum api_status
api_admin_write(struct http_resp *resp, db_tx_fn fn, struct api_admin_op *op)
{
	char err[LOOMD_ERR_LEN];
	enum db_status st;

	st = api_admin_run(true, fn, op, err);
	if (st == DB_CONFLICT)
		return http_fail(resp, API_BAD_REQUEST, "%s %s already exists",
		    codec_type_word(op->type), op->name);
	if (st != DB_OK)
		return api_admin_db_fail(resp, st, err);
	return API_OK;
}

/*
 * POST /v1/loom/{type} (create) and PUT /v1/loom/{type}/{name} (create or
 * replace).
 */
static enum api_status
api_admin_write_entity(struct http_req *req, struct http_resp *resp)
{
	bool put = strcmp(req->method, "PUT") == 0;
	struct api_admin_op op = { 0 };
	struct json_object *ent = NULL;
	char err[LOOMD_ERR_LEN];
	enum codec_type type;
	enum api_status as;
	const char *user;

	/* The admin check comes before the body is looked at (Loom). */
	if ((as = api_admin_type(req, resp, &type)) != API_OK ||
	    (as = auth_admin(req, resp, &user)) != API_OK ||
	    (as = api_common_writable(resp)) != API_OK ||
	    (as = api_admin_decode(req, resp, type, &ent)) != API_OK)
		return as;
	op.type = type;
	op.kind = codec_type_path(type);
	op.name = codec_name(ent);
	if (put && strcmp(op.name, req->params[1]) != 0) {
		as = http_fail(resp, API_BAD_REQUEST,
		    "mismatch between %s "
		    "name and name in path.",
		    codec_type_word(type));
		goto out;
	}
	if (type == CODEC_CLUSTERTEMPLATE &&
	    codec_check_template_lease(ent, err) != 0) {
		as = http_fail(resp, API_BAD_REQUEST, "%s", err);
		goto out;
	}
	op.doc = json_object_to_json_string_ext(ent,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	as = api_admin_write(resp,
	    put ? api_admin_upsert_fn : api_admin_insert_fn, &op);
out:
	json_object_put(ent);
	return as;
}

/* DELETE /v1/loom/{type}/{name}: 404 if there was nothing to delete. */
static enum api_status
api_admin_delete(struct http_req *req, struct http_resp *resp)
{
	struct api_admin_op op = { 0 };
	enum codec_type type;
	enum api_status as;
	const char *user;

	if ((as = api_admin_type(req, resp, &type)) != API_OK ||
	    (as = auth_admin(req, resp, &user)) != API_OK ||
	    (as = api_common_writable(resp)) != API_OK)
		return as;
	op.type = type;
	op.kind = codec_type_path(type);
	op.name = req->params[1];
	if ((as = api_admin_write(resp, api_admin_delete_fn, &op)) != API_OK)
		return as;
	return op.found ? API_OK : api_admin_not_found(resp, &op);
}

/* GET /v1/loom/export: every type, each as GET would list it. */
static enum db_status
api_admin_export_fn(struct db_conn *c, void *arg)
{
	struct api_admin_op *op = arg;
	enum db_status st;
	size_t len = 0;
	char *part, *p;
	int t;

	free(op->out);
	op->out = xstrdup("{");
	for (t = 0; t < CODEC_NTYPES; t++) {
		if ((st = entity_store_list(c, codec_type_path(t), &part)) !=
		    DB_OK)
			return st;
		p = xasprintf("%s%s\"%s\":%s", op->out, t > 0 ? "," : "",
		    codec_type_path(t), part);
		free(part);
		free(op->out);
		op->out = p;
	}
	len = strlen(op->out);
	op->out = xrealloc(op->out, len + 2);
	op->out[len] = '}';
	op->out[len + 1] = '\0';
	return DB_OK;
}

static enum api_status
api_admin_export(struct http_req *req, struct http_resp *resp)
{
	struct api_admin_op op = { 0 };

	/* One transaction so the five lists are one snapshot. */
	return api_admin_fetch(req, resp, true, api_admin_export_fn, &op);
}

/* POST /v1/loom/import: replace the whole catalogue in one transaction. */
static enum db_status
api_admin_import_fn(struct db_conn *c, void *arg)
{
	struct api_admin_op *op = arg;
	struct json_object *arr, *ent;
	enum db_status st;
	size_t i, n;
	int t;

	if ((st = entity_store_clear_tx(c)) != DB_OK)
		return st;
	for (t = 0; t < CODEC_NTYPES; t++) {
		if (!json_object_object_get_ex(op->import, codec_type_path(t),
			&arr))
			continue;
		n = json_object_array_length(arr);
		for (i = 0; i < n; i++) {
			ent = json_object_array_get_idx(arr, i);
			/* Upsert: a name given twice keeps the last. */
			st = entity_store_upsert_tx(c, codec_type_path(t),
			    codec_name(ent),
			    json_object_to_json_string_ext(ent,
				JSON_C_TO_STRING_PLAIN |
				    JSON_C_TO_STRING_NOSLASHESCAPE));
			if (st != DB_OK)
				return st;
		}
	}
	return DB_OK;
}

static enum api_status
api_admin_import(struct http_req *req, struct http_resp *resp)
{
	struct api_admin_op op = { 0 };
	struct json_object *in = NULL;
	char err[LOOMD_ERR_LEN];
	enum codec_error kind;
	enum jsonin_error why;
	enum api_status as;
	enum db_status st;
	const char *user;

	if ((as = auth_admin(req, resp, &user)) != API_OK ||
	    (as = api_common_writable(resp)) != API_OK)
		return as;
	if (jsonin_parse(req->body, req->body_len, 0, &in, &why, err) != 0)
		return http_fail(resp, API_BAD_REQUEST,
		    "Json syntax error: "
		    "%s",
		    err);
	if (codec_parse_import(in, &op.import, &kind, err) != 0) {
		json_object_put(in);
		return api_admin_codec_fail(resp, CODEC_ERR_MESSAGE, err);
	}
	json_object_put(in);
	st = api_admin_run(true, api_admin_import_fn, &op, err);
	json_object_put(op.import);
	if (st != DB_OK)
		return api_admin_db_fail(resp, st, err);
	return API_OK;
}

const struct api_route api_admin_routes[] = {
	{ "GET", "/v1/loom/export", api_admin_export,
	    "the whole catalogue in one object", NULL },
	{ "POST", "/v1/loom/import", api_admin_import,
	    "replace the whole catalogue (admin)", NULL },
	{ "GET", "/v1/loom/{type}", api_admin_read,
	    "list the entities of a type", NULL },
	{ "POST", "/v1/loom/{type}", api_admin_write_entity,
	    "create an entity (admin)", NULL },
	{ "GET", "/v1/loom/{type}/{name}", api_admin_read, "get one entity",
	    NULL },
	{ "PUT", "/v1/loom/{type}/{name}", api_admin_write_entity,
	    "create or replace an entity (admin)", NULL },
	{ "DELETE", "/v1/loom/{type}/{name}", api_admin_delete,
	    "delete an entity (admin)", NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};
