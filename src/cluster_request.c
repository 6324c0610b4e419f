/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cluster_request.c - parse, validate and store a cluster request (see
 * cluster_request.h).  The messages are Loom's (LOOM-0.9-API.md section
 * 3.2) and are checked in Loom's order.
 */
#include "config.h"

#include "cluster_request.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "jsonin.h"
#include "jsonx.h"

/* Set err and fail. */
static int LOOMD_PRINTF(2, 3)
    cluster_request_err(char err[LOOMD_ERR_LEN], const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, LOOMD_ERR_LEN, fmt, ap);
	va_end(ap);
	return -1;
}

/* An owned copy of the string member key of o, or NULL. */
static char *
cluster_request_opt(struct json_object *o, const char *key)
{
	const char *s;

	if (jsonin_get_string(o, key, &s, NULL) != JSONIN_OK)
		return NULL;
	return xstrdup(s);
}

int
cluster_request_parse(struct cluster_request *rq, const void *body, size_t len,
    int64_t max_size, char err[LOOMD_ERR_LEN])
{
	struct json_object *b = NULL, *adm, *ld, *cfg = NULL, *sv;
	const char *name, *tmpl, *desc = NULL;
	char why[LOOMD_ERR_LEN];
	int64_t num, lease = -1;

	memset(rq, 0, sizeof *rq);
	if (jsonin_parse(body, len, 0, &b, NULL, why) != 0)
		return cluster_request_err(err, "invalid cluster request: %s",
		    why);
	if (jsonin_get_string(b, "name", &name, NULL) != JSONIN_OK) {
		cluster_request_err(err, "cluster must have a name");
		goto fail;
	}
	switch (jsonin_get_int64(b, "numMachines", &num, NULL)) {
	case JSONIN_ABSENT:
		cluster_request_err(err, "numMachines must be specified");
		goto fail;
	case JSONIN_BADTYPE:
		cluster_request_err(err, "numMachines must be an integer");
		goto fail;
	default:
		break;
	}
	if (jsonin_get_string(b, "clusterTemplate", &tmpl, NULL) !=
	    JSONIN_OK) {
		cluster_request_err(err, "clusterTemplate must be specified");
		goto fail;
	}
	if (num > max_size) {
		cluster_request_err(err,
		    "numMachines above max cluster size "
		    "%lld",
		    (long long)max_size);
		goto fail;
	}
	if (num <= 0) {
		cluster_request_err(err,
		    "cluster size must be greater than 0");
		goto fail;
	}
	if (codec_check_name(name, err) != 0)
		goto fail;
	if (jsonin_get_object(b, "administration", &adm, NULL) == JSONIN_OK &&
	    jsonin_get_object(adm, "leaseduration", &ld, NULL) == JSONIN_OK &&
	    jsonin_get_int64(ld, "initial", &lease, NULL) == JSONIN_BADTYPE) {
		cluster_request_err(err, "lease duration must be an integer");
		goto fail;
	}
	if (jsonin_get_string(b, "description", &desc, NULL) ==
	    JSONIN_BADTYPE) {
		cluster_request_err(err, "description must be a string");
		goto fail;
	}
	if (jsonin_get_object(b, "config", &cfg, NULL) == JSONIN_BADTYPE) {
		cluster_request_err(err, "config must be an object");
		goto fail;
	}
	rq->name = xstrdup(name);
	rq->description = xstrdup(desc != NULL ? desc : "");
	rq->template_name = xstrdup(tmpl);
	rq->num_machines = num;
	rq->provider = cluster_request_opt(b, "provider");
	rq->hardwaretype = cluster_request_opt(b, "hardwaretype");
	rq->imagetype = cluster_request_opt(b, "imagetype");
	if (jsonin_get_array(b, "services", &sv, NULL) == JSONIN_OK)
		rq->services = jsonx_copy(sv);
	if (cfg != NULL)
		rq->config = jsonx_copy(cfg);
	rq->lease = lease;
	json_object_put(b);
	return 0;
fail:
	json_object_put(b);
	return -1;
}

struct json_object *
cluster_request_to_json(const struct cluster_request *rq)
{
	struct json_object *o = jsonx_new_object();

	jsonx_set(o, "name", jsonx_new_string(rq->name));
	jsonx_set(o, "description",
	    jsonx_new_string(rq->description != NULL ? rq->description : ""));
	jsonx_set(o, "clusterTemplateName",
	    jsonx_new_string(rq->template_name));
	jsonx_set(o, "numMachines", jsonx_new_int64(rq->num_machines));
	if (rq->provider != NULL)
		jsonx_set(o, "provider", jsonx_new_string(rq->provider));
	if (rq->services != NULL)
		jsonx_set(o, "services", jsonx_copy(rq->services));
	if (rq->hardwaretype != NULL)
		jsonx_set(o, "hardwareType",
		    jsonx_new_string(rq->hardwaretype));
	if (rq->imagetype != NULL)
		jsonx_set(o, "imageType", jsonx_new_string(rq->imagetype));
	jsonx_set(o, "leaseDuration", jsonx_new_int64(rq->lease));
	return o;
}

/* Copy the optional string member key of o into *out: -1 if not a string. */
static int
cluster_request_get_opt(struct json_object *o, const char *key, char **out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return -1;
	*out = xstrdup(json_object_get_string(v));
	return 0;
}

int
cluster_request_from_json(struct cluster_request *rq,
    struct json_object *stored, char err[LOOMD_ERR_LEN])
{
	/* The optional strings, in the order they are checked. */
	struct {
		const char *key;
		char **to;
	} strs[] = {
		{ "name", &rq->name },
		{ "description", &rq->description },
		{ "clusterTemplateName", &rq->template_name },
		{ "provider", &rq->provider },
		{ "hardwareType", &rq->hardwaretype },
		{ "imageType", &rq->imagetype },
	};
	struct json_object *sv;
	const char *what;
	size_t i;

	memset(rq, 0, sizeof *rq);
	rq->lease = -1;
	if (!json_object_is_type(stored, json_type_object))
		return cluster_request_err(err, "invalid cluster request");
	for (i = 0; i < sizeof strs / sizeof strs[0]; i++) {
		what = strs[i].key;
		if (cluster_request_get_opt(stored, what, strs[i].to) != 0)
			goto fail;
	}
	what = "numMachines";
	if (jsonin_get_int64(stored, what, &rq->num_machines, NULL) ==
	    JSONIN_BADTYPE)
		goto fail;
	what = "leaseDuration";
	if (jsonin_get_int64(stored, what, &rq->lease, NULL) == JSONIN_BADTYPE)
		goto fail;
	what = "services";
	switch (jsonin_get_array(stored, what, &sv, NULL)) {
	case JSONIN_OK:
		for (i = 0; i < json_object_array_length(sv); i++)
			if (!json_object_is_type(json_object_array_get_idx(sv,
						     i),
				json_type_string))
				goto fail;
		rq->services = jsonx_copy(sv);
		break;
	case JSONIN_ABSENT:
		break;
	default:
		goto fail;
	}
	return 0;
fail:
	cluster_request_free(rq);
	return cluster_request_err(err, "invalid cluster request: bad %s",
	    what);
}

void
cluster_request_free(struct cluster_request *rq)
{
	free(rq->name);
	free(rq->description);
	free(rq->template_name);
	free(rq->provider);
	free(rq->hardwaretype);
	free(rq->imagetype);
	json_object_put(rq->services);
	json_object_put(rq->config);
	memset(rq, 0, sizeof *rq);
	rq->lease = -1;
}
