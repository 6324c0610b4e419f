/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_cluster_request.c - unit tests of the POST /clusters body parser:
 * a full request is parsed into the struct, each invalid body is refused
 * with Loom's message, the stored form is canonical and reads back into
 * the same struct, and a malformed stored request is refused.
 */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_request.h"

#define MAX_SIZE 100

/* Parse the C string s; assert success. */
static void
must_parse(struct cluster_request *rq, const char *s)
{
	char err[LOOMD_ERR_LEN] = "";

	cr_assert_eq(cluster_request_parse(rq, s, strlen(s), MAX_SIZE, err), 0,
	    "refused %s: %s", s, err);
}

/* Parse the C string s; assert it is refused with message want. */
static void
must_refuse(const char *s, const char *want)
{
	struct cluster_request rq;
	char err[LOOMD_ERR_LEN] = "";

	cr_assert_eq(cluster_request_parse(&rq, s, strlen(s), MAX_SIZE, err),
	    -1, "accepted %s", s);
	cr_assert_str_eq(err, want, "for %s", s);
	cr_assert_null(rq.name);
	cr_assert_null(rq.services);
	cluster_request_free(&rq);
}

Test(cluster_request, parses_a_full_request)
{
	struct cluster_request rq;

	must_parse(&rq,
	    "{\"name\":\"web\",\"description\":\"front\","
	    "\"clusterTemplate\":\"hadoop\",\"numMachines\":\"5\","
	    "\"provider\":\"rackspace\",\"hardwaretype\":\"large\","
	    "\"imagetype\":\"centos6\",\"services\":[\"hdfs\",\"yarn\"],"
	    "\"config\":{\"k\":1},\"administration\":{\"leaseduration\":"
	    "{\"initial\":3600000}}}");
	cr_assert_str_eq(rq.name, "web");
	cr_assert_str_eq(rq.description, "front");
	cr_assert_str_eq(rq.template_name, "hadoop");
	cr_assert_eq(rq.num_machines, 5);
	cr_assert_str_eq(rq.provider, "rackspace");
	cr_assert_str_eq(rq.hardwaretype, "large");
	cr_assert_str_eq(rq.imagetype, "centos6");
	cr_assert_eq(json_object_array_length(rq.services), 2);
	cr_assert_str_eq(json_object_to_json_string_ext(rq.config,
			     JSON_C_TO_STRING_PLAIN),
	    "{\"k\":1}");
	cr_assert_eq(rq.lease, 3600000);
	cluster_request_free(&rq);
	cr_assert_null(rq.name);
}

Test(cluster_request, optional_members_default)
{
	struct cluster_request rq;

	must_parse(&rq,
	    "{\"name\":\"c1\",\"clusterTemplate\":\"t\","
	    "\"numMachines\":1,\"provider\":7}");
	cr_assert_str_eq(rq.description, "");
	cr_assert_str_eq(rq.provider, "7", "numbers are read as strings");
	cr_assert_null(rq.hardwaretype);
	cr_assert_null(rq.imagetype);
	cr_assert_null(rq.services);
	cr_assert_null(rq.config);
	cr_assert_eq(rq.lease, -1);
	cluster_request_free(&rq);
}

Test(cluster_request, refuses_with_loom_messages)
{
	char big[64];

	must_refuse("", "invalid cluster request: empty body");
	must_refuse("{\"clusterTemplate\":\"t\",\"numMachines\":1}",
	    "cluster must have a name");
	must_refuse("{\"name\":\"a\",\"clusterTemplate\":\"t\"}",
	    "numMachines must be specified");
	must_refuse("{\"name\":\"a\",\"clusterTemplate\":\"t\","
		    "\"numMachines\":\"x\"}",
	    "numMachines must be an integer");
	must_refuse("{\"name\":\"a\",\"numMachines\":1}",
	    "clusterTemplate must be specified");
	snprintf(big, sizeof big, "numMachines above max cluster size %d",
	    MAX_SIZE);
	must_refuse("{\"name\":\"a\",\"clusterTemplate\":\"t\","
		    "\"numMachines\":101}",
	    big);
	must_refuse("{\"name\":\"a\",\"clusterTemplate\":\"t\","
		    "\"numMachines\":0}",
	    "cluster size must be greater than 0");
	must_refuse("{\"name\":\"a\",\"clusterTemplate\":\"t\","
		    "\"numMachines\":1,\"administration\":{\"leaseduration\":"
		    "{\"initial\":\"soon\"}}}",
	    "lease duration must be an integer");
	must_refuse("{\"name\":\"a\",\"clusterTemplate\":\"t\","
		    "\"numMachines\":1,\"description\":[]}",
	    "description must be a string");
	must_refuse("{\"name\":\"a\",\"clusterTemplate\":\"t\","
		    "\"numMachines\":1,\"config\":[]}",
	    "config must be an object");
}

Test(cluster_request, refuses_a_bad_name)
{
	struct cluster_request rq;
	char err[LOOMD_ERR_LEN] = "";
	const char *s = "{\"name\":\"no spaces\",\"clusterTemplate\":\"t\","
			"\"numMachines\":1}";

	cr_assert_eq(cluster_request_parse(&rq, s, strlen(s), MAX_SIZE, err),
	    -1);
	cr_assert_neq(err[0], '\0');
	cluster_request_free(&rq);
}

Test(cluster_request, stored_form_is_canonical_and_reads_back)
{
	struct cluster_request rq, back;
	struct json_object *o;
	char err[LOOMD_ERR_LEN] = "";

	must_parse(&rq,
	    "{\"services\":[\"s\"],\"numMachines\":3,"
	    "\"imagetype\":\"i\",\"name\":\"n\",\"clusterTemplate\":\"t\"}");
	o = cluster_request_to_json(&rq);
	cr_assert_str_eq(json_object_to_json_string_ext(o,
			     JSON_C_TO_STRING_PLAIN),
	    "{\"name\":\"n\",\"description\":\"\","
	    "\"clusterTemplateName\":\"t\",\"numMachines\":3,\"services\":"
	    "[\"s\"],\"imageType\":\"i\",\"leaseDuration\":-1}");
	cr_assert_eq(cluster_request_from_json(&back, o, err), 0, "%s", err);
	cr_assert_str_eq(back.name, "n");
	cr_assert_str_eq(back.template_name, "t");
	cr_assert_eq(back.num_machines, 3);
	cr_assert_null(back.provider);
	cr_assert_null(back.hardwaretype);
	cr_assert_str_eq(back.imagetype, "i");
	cr_assert_str_eq(json_object_get_string(
			     json_object_array_get_idx(back.services, 0)),
	    "s");
	cr_assert_eq(back.lease, -1);
	json_object_put(o);
	cluster_request_free(&back);
	cluster_request_free(&rq);
}

Test(cluster_request, refuses_a_malformed_stored_request)
{
	static const struct {
		const char *json;
		const char *want;
	} cases[] = {
		{ "[]", "invalid cluster request" },
		{ "{\"name\":1}", "invalid cluster request: bad name" },
		{ "{\"numMachines\":\"x\"}",
		    "invalid cluster request: bad numMachines" },
		{ "{\"services\":[\"a\",2]}",
		    "invalid cluster request: bad services" },
		{ "{\"services\":\"a\"}",
		    "invalid cluster request: bad services" },
	};
	struct cluster_request rq;
	char err[LOOMD_ERR_LEN];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct json_object *o = json_tokener_parse(cases[i].json);

		cr_assert_not_null(o);
		cr_assert_eq(cluster_request_from_json(&rq, o, err), -1,
		    "accepted %s", cases[i].json);
		cr_assert_str_eq(err, cases[i].want);
		cr_assert_null(rq.name);
		cluster_request_free(&rq);
		json_object_put(o);
	}
}
