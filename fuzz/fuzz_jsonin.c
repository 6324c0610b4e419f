/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_jsonin.c - libFuzzer target for request bodies: the input bytes go
 * through jsonin_parse() with each top-level policy, the typed getters on
 * the fields handlers read, and, when the result is an object, every codec
 * (one entity of each type, the whole /import shape, the template lease
 * check) with the error body built as the admin handlers build it.  Build:
 * "make fuzz", which links it with a libFuzzer build of libloomd.a (the
 * codec is codec.c, codec_service.c and codec_template.c).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "codec.h"
#include "common.h"
#include "jsonin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The fields the cluster and task handlers read. */
static const char *const fuzz_jsonin_keys[] = {
	"name",
	"numMachines",
	"clusterTemplate",
	"status",
	"workerId",
	"taskId",
	"expireTime",
	"administration",
	"config",
	"services",
};

/* Run the getters a handler runs on object o. */
static void
fuzz_jsonin_getters(struct json_object *o)
{
	struct json_object *sub;
	const char *s;
	int64_t v;
	size_t i;
	int n;

	for (i = 0; i < sizeof fuzz_jsonin_keys / sizeof fuzz_jsonin_keys[0];
	     i++) {
		const char *k = fuzz_jsonin_keys[i];
		char err[LOOMD_ERR_LEN];

		(void)jsonin_get_int64(o, k, &v, err);
		(void)jsonin_get_int(o, k, &n, err);
		(void)jsonin_get_string(o, k, &s, err);
		(void)jsonin_get_object(o, k, &sub, err);
		(void)jsonin_get_array(o, k, &sub, err);
	}
}

/* Every codec on object o; the results are thrown away. */
static void
fuzz_jsonin_codecs(struct json_object *o)
{
	struct json_object *out = NULL;
	enum codec_error kind;
	char err[LOOMD_ERR_LEN];
	int t;

	for (t = 0; t < CODEC_NTYPES; t++) {
		if (codec_parse((enum codec_type)t, o, &out, &kind, err) ==
		    0) {
			(void)codec_name(out);
			if (t == CODEC_CLUSTERTEMPLATE)
				(void)codec_check_template_lease(out, err);
			json_object_put(out);
			out = NULL;
		} else
			free(codec_error_body(kind, err));
	}
	if (codec_parse_import(o, &out, &kind, err) == 0)
		json_object_put(out);
	else
		free(codec_error_body(kind, err));
	(void)codec_check_name(json_object_get_string(o), err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int flags[] = { 0, JSONIN_ALLOW_ARRAY,
		JSONIN_ALLOW_ARRAY | JSONIN_ALLOW_SCALAR };
	struct json_object *o;
	enum jsonin_error why;
	char err[LOOMD_ERR_LEN];
	size_t i;

	for (i = 0; i < sizeof flags / sizeof flags[0]; i++) {
		if (jsonin_parse(data, size, flags[i], &o, &why, err) != 0)
			continue;
		if (json_object_is_type(o, json_type_object)) {
			fuzz_jsonin_getters(o);
			fuzz_jsonin_codecs(o);
		} else if (json_object_is_type(o, json_type_array) &&
		    json_object_array_length(o) > 0)
			fuzz_jsonin_codecs(json_object_array_get_idx(o, 0));
		json_object_put(o);
	}
	return 0;
}
