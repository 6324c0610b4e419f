/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api_tasks.c - handlers of the provisioner routes (LOOM-0.9-API.md 1.7):
 * a worker takes a task and reports its result.  They validate the body
 * with Loom's messages and call task_store.
 */
#include "config.h"

#include "api_tasks.h"

#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api_common.h"
#include "cfg.h"
#include "domain.h"
#include "handout.h"
#include "jsonin.h"
#include "scheduler.h"
#include "takewait.h"
#include "task_store.h"

/* The hand-out whose answer is being sent. */
struct api_tasks_handout {
	char *worker; /* owned */
	char *task;   /* owned */
};

/* http_resp done: record whether the take's answer reached the worker. */
static void
api_tasks_take_done(void *arg, bool sent)
{
	struct api_tasks_handout *h = arg;

	if (sent)
		handout_delivered(h->worker, h->task);
	else
		task_store_delivered(h->worker, h->task, false);
	free(h->worker);
	free(h->task);
	free(h);
}

/*
 * POST /v1/loom/tasks/take.  With no task for the worker the request is
 * parked up to task.take_wait_ms (see takewait.h) and called again when
 * woken; at its deadline it answers 204 as a take that does not wait.
 */
static enum api_status
api_tasks_take(struct http_req *req, struct http_resp *resp)
{
	struct domain_out out = { DOMAIN_OK, "", NULL };
	struct json_object *body = NULL;
	char err[LOOMD_ERR_LEN], task[TASK_STORE_ID_LEN];
	const char *worker;
	enum api_status as;
	int64_t wait_ms, now;
	uint64_t gen;
	int round;

	if ((as = api_common_writable(resp)) != API_OK)
		return as;
	if (jsonin_parse(req->body, req->body_len, 0, &body, NULL, err) != 0)
		return http_fail(resp, API_BAD_REQUEST, "invalid request.");
	if (jsonin_get_string(body, "workerId", &worker, NULL) != JSONIN_OK ||
	    worker[0] == '\0' || strlen(worker) > 255) {
		json_object_put(body);
		return http_fail(resp, API_BAD_REQUEST,
		    "workerId must be "
		    "specified.");
	}
	wait_ms = domain_cfg()->task_take_wait_ms;
	now = takewait_now_ms();
	if (req->wait_until_ms != 0 &&
	    (now >= req->wait_until_ms || takewait_draining())) {
		/* Woken at its deadline or by the drain: nothing came. */
		json_object_put(body);
		out.res = DOMAIN_EMPTY;
		return api_common_outcome(resp, &out);
	}
	for (round = 0; round < 4; round++) {
		gen = takewait_gen();
		task_store_take(worker, &out, task);
		if (out.res != DOMAIN_EMPTY || wait_ms <= 0)
			break;
		if (req->wait_until_ms == 0)
			req->wait_until_ms = now + wait_ms;
		switch (takewait_park(req->conn, req->wait_until_ms, gen)) {
		case TAKEWAIT_PARKED:
			json_object_put(body);
			resp->parked = true;
			return API_NO_CONTENT;
		case TAKEWAIT_AGAIN:
			continue;
		case TAKEWAIT_REFUSED:
			break;
		}
		break;
	}
	if (out.res == DOMAIN_OK && task[0] != '\0') {
		struct api_tasks_handout *h = xcalloc(1, sizeof *h);

		h->worker = xstrdup(worker);
		h->task = xstrdup(task);
		resp->done = api_tasks_take_done;
		resp->done_arg = h;
	}
	json_object_put(body);
	return api_common_outcome(resp, &out);
}

/* POST /v1/loom/tasks/finish */
static enum api_status
api_tasks_finish(struct http_req *req, struct http_resp *resp)
{
	struct domain_out out = { DOMAIN_OK, "", NULL };
	struct json_object *body = NULL, *result = NULL;
	const char *worker, *task, *so = NULL, *se = NULL;
	char err[LOOMD_ERR_LEN], hex[65];
	struct idem_store_key idem;
	enum api_status as;
	int64_t status;
	bool pass;

	if ((as = api_common_writable(resp)) != API_OK)
		return as;
	if (jsonin_parse(req->body, req->body_len, 0, &body, NULL, err) != 0)
		return http_fail(resp, API_BAD_REQUEST, "invalid request.");
	as = API_BAD_REQUEST;
	if (jsonin_get_string(body, "workerId", &worker, NULL) != JSONIN_OK) {
		http_fail(resp, as, "workerId must be specified.");
		goto out;
	}
	if (jsonin_get_string(body, "taskId", &task, NULL) != JSONIN_OK) {
		http_fail(resp, as, "taskId must be specified.");
		goto out;
	}
	if (jsonin_get_int64(body, "status", &status, NULL) != JSONIN_OK) {
		http_fail(resp, as, "status must be specified.");
		goto out;
	}
	if (status < INT32_MIN || status > INT32_MAX) {
		http_fail(resp, as, "status must be a 32-bit integer.");
		goto out;
	}
	if (jsonin_get_object(body, "result", &result, NULL) ==
		JSONIN_BADTYPE ||
	    jsonin_get_string(body, "stdout", &so, NULL) == JSONIN_BADTYPE ||
	    jsonin_get_string(body, "stderr", &se, NULL) == JSONIN_BADTYPE) {
		http_fail(resp, as, "invalid request.");
		goto out;
	}
	api_common_idem(req, &idem, hex);
	task_store_finish(worker, task, status, result, so, se, &idem, &out,
	    &pass);
	if (out.res == DOMAIN_OK) /* its answer reached the worker, surely */
		handout_finished(task);
	takewait_flush_finish();
	if (pass) /* a stage that ended here was advanced here */
		scheduler_kick();
	as = api_common_outcome(resp, &out);
out:
	json_object_put(body);
	return as;
}

const struct api_route api_tasks_routes[] = {
	{ "POST", "/v1/loom/tasks/take", api_tasks_take,
	    "a provisioner takes a task (200 or 204)", NULL },
	{ "POST", "/v1/loom/tasks/finish", api_tasks_finish,
	    "a provisioner reports a task's result", NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};
