/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cluster_request.h - the body of POST /clusters (the ClusterRequest of
 * LOOM-0.9-API.md section 2.10, with description and config), parsed and
 * validated once into a struct.  The struct is stored in canonical form
 * (cluster_request_to_json()) with the cluster and read back by the solve
 * step (cluster_request_from_json()).  Pure: no database, no globals.
 */
#ifndef LOOMD_CLUSTER_REQUEST_H
#define LOOMD_CLUSTER_REQUEST_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"

/* A validated cluster request; every member is owned by the struct. */
struct cluster_request {
	char *name;
	char *description;	      /* "" when absent */
	char *template_name;	      /* clusterTemplate */
	int64_t num_machines;	      /* 1 .. max size */
	char *provider;		      /* NULL: the template's */
	char *hardwaretype;	      /* NULL: template's */
	char *imagetype;	      /* NULL: template's */
	struct json_object *services; /* array, or NULL */
	struct json_object *config;   /* object, or NULL */
	int64_t lease;		      /* ms; -1: none */
};

/*
 * Parse and validate len bytes of body (a POST /clusters body) into *rq,
 * allowing at most max_size machines.  Returns 0, or -1 with Loom's
 * message in err and *rq left empty.  The caller frees *rq with
 * cluster_request_free() either way.
 */
int cluster_request_parse(struct cluster_request *rq, const void *body,
    size_t len, int64_t max_size, char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/*
 * The canonical stored form of rq (without config, which lives in the
 * cluster): a new object the caller releases with json_object_put().
 */
struct json_object *cluster_request_to_json(const struct cluster_request *rq);

/*
 * Read a stored request (borrowed) back into *rq.  Returns 0, or -1 with
 * the reason in err when it is not a well-formed request.  The caller
 * frees *rq with cluster_request_free() either way.
 */
int cluster_request_from_json(struct cluster_request *rq,
    struct json_object *stored, char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/* Free what rq owns and zero it (rq itself is the caller's). */
void cluster_request_free(struct cluster_request *rq);

#endif /* LOOMD_CLUSTER_REQUEST_H */
