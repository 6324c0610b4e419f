/* SPDX-License-Identifier: Apache-2.0 */
/*
 * planner_retry.c - the retry and rollback decision of a failed task
 * (LOOM-0.9-API.md section 3.8) and the insertion of the rollback stages
 * into a job's staged task ids.  Pure: no I/O.
 */
#include "config.h"

#include "planner_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "errbuf.h"
#include "jsonx.h"

void
planner_retry_decide(enum planner_cluster_action ca,
    enum planner_action failed, int attempts, int max_retries,
    struct planner_retry *out)
{
	const enum planner_action *order;
	size_t n, i, from = SIZE_MAX, to = SIZE_MAX;

	memset(out, 0, sizeof *out);
	if (attempts >= max_retries)
		return;
	out->retry = 1;
	/* Actions.rollbackActions and Actions.retryAction. */
	if (failed != PLANNER_ACTION_CONFIRM)
		return;
	out->rollback = 1;
	out->rollback_action = PLANNER_ACTION_DELETE;
	order = planner_action_order(ca, &n);
	for (i = 0; i < n; i++) {
		if (order[i] == PLANNER_ACTION_CREATE)
			from = i;
		if (order[i] == failed)
			to = i;
	}
	if (from == SIZE_MAX || to == SIZE_MAX)
		return;
	for (i = from; i < to; i++)
		out->before[out->nbefore++] = order[i];
}

int
planner_retry_apply_stages(struct json_object *staged, size_t current_stage,
    const char *failed_id, const char *const *before_ids, size_t nbefore,
    char err[LOOMD_ERR_LEN])
{
	struct json_object *stage, **tail = NULL, *one;
	const char *id;
	size_t len, n, i, ntail;

	if (staged == NULL || !json_object_is_type(staged, json_type_array)) {
		errbuf_set(err, "stagedTasks must be an array");
		return -1;
	}
	if (current_stage >= json_object_array_length(staged)) {
		errbuf_set(err, "no stage %zu", current_stage);
		return -1;
	}
	stage = json_object_array_get_idx(staged, current_stage);
	if (stage == NULL || !json_object_is_type(stage, json_type_array)) {
		errbuf_set(err, "stage %zu is not an array", current_stage);
		return -1;
	}
	n = json_object_array_length(stage);
	for (i = 0; i < n; i++) {
		id = jsonx_str(json_object_array_get_idx(stage, i));
		if (id != NULL && strcmp(id, failed_id) == 0)
			break;
	}
	if (i == n) {
		errbuf_set(err, "task %s is not in stage %zu", failed_id,
		    current_stage);
		return -1;
	}
	if (nbefore == 0)
		return 0;
	if (json_object_array_put_idx(stage, i,
		jsonx_new_string_or_null(before_ids[0])) != 0)
		fatalx("json-c: out of memory");

	/* json-c 0.16 has no insert: cut the tail, append, put it back. */
	len = json_object_array_length(staged);
	ntail = len - current_stage - 1;
	tail = xreallocarray(NULL, ntail + 1, sizeof *tail);
	for (i = 0; i < ntail; i++)
		tail[i] = json_object_get(
		    json_object_array_get_idx(staged, current_stage + 1 + i));
	if (ntail > 0 &&
	    json_object_array_del_idx(staged, current_stage + 1, ntail) != 0)
		fatalx("%s: json_object_array_del_idx failed", __func__);
	for (i = 1; i <= nbefore; i++) {
		one = jsonx_new_array();
		jsonx_append(one,
		    jsonx_new_string_or_null(
			i < nbefore ? before_ids[i] : failed_id));
		jsonx_append(staged, one);
	}
	for (i = 0; i < ntail; i++)
		jsonx_append(staged, tail[i]);
	free(tail);
	return 0;
}
