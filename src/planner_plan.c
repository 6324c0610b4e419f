/* SPDX-License-Identifier: Apache-2.0 */
/*
 * planner_plan.c - a plan as an ordered list of stages of tasks: building
 * it, removing the tasks a node already holds in a stage (one counter per
 * node), and its JSON, as a json-c tree or written straight to text for
 * the hot path.  Pure: no I/O.
 */
#include "config.h"

#include "planner_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "jsonx.h"
#include "strtab.h"

struct planner_plan *
planner_plan_new(void)
{
	struct planner_plan *plan;

	plan = xcalloc(1, sizeof *plan);
	plan->node_tab = strtab_new(true);
	plan->svc_tab = strtab_new(true);
	return plan;
}

void
planner_plan_free(struct planner_plan *plan)
{
	if (plan == NULL)
		return;
	free(plan->tasks);
	free(plan->stages);
	strtab_free(plan->node_tab);
	strtab_free(plan->svc_tab);
	free(plan);
}

void
planner_plan_add_stage(struct planner_plan *plan)
{
	if (plan->nstages == plan->stages_cap) {
		plan->stages_cap =
		    plan->stages_cap == 0 ? 16 : plan->stages_cap * 2;
		plan->stages = xreallocarray(plan->stages, plan->stages_cap,
		    sizeof *plan->stages);
	}
	plan->stages[plan->nstages].first = plan->ntasks;
	plan->stages[plan->nstages].ntasks = 0;
	plan->nstages++;
}

/* Append a task whose strings are already owned by the plan. */
void
planner_plan_push(struct planner_plan *plan, const char *node_id,
    unsigned int node_ix, enum planner_action action, const char *service)
{
	struct planner_task *t;

	if (plan->nstages == 0)
		planner_plan_add_stage(plan);
	if (plan->ntasks == plan->tasks_cap) {
		plan->tasks_cap =
		    plan->tasks_cap == 0 ? 64 : plan->tasks_cap * 2;
		plan->tasks = xreallocarray(plan->tasks, plan->tasks_cap,
		    sizeof *plan->tasks);
	}
	t = &plan->tasks[plan->ntasks++];
	t->node_id = node_id;
	t->node_ix = node_ix;
	t->action = action;
	t->service = service;
	plan->stages[plan->nstages - 1].ntasks++;
}

void
planner_plan_add_task(struct planner_plan *plan, const char *node_id,
    enum planner_action action, const char *service)
{
	size_t n, s;
	const char *svc = "";

	n = strtab_intern(plan->node_tab, node_id, NULL);
	if (n >= UINT32_MAX)
		fatalx("%s: too many nodes", __func__);
	if (service != NULL && *service != '\0') {
		s = strtab_intern(plan->svc_tab, service, NULL);
		svc = plan->svc_tab->strs[s];
	}
	/* Interning may move the table, not the strings. */
	planner_plan_push(plan, plan->node_tab->strs[n], (unsigned int)n,
	    action, svc);
}

void
planner_plan_dedup(struct planner_plan *plan)
{
	struct planner_stage *stages = NULL;
	struct planner_task *tmp = NULL;
	unsigned int *count, *sub;
	size_t nstages = 0, cap = 0, s, i, nsub, first, j;
	size_t pos, *start = NULL, startcap = 0;

	count = xcalloc(plan->node_tab->n + 1, sizeof *count);
	sub = xreallocarray(NULL, plan->ntasks + 1, sizeof *sub);
	tmp = xreallocarray(NULL, plan->ntasks + 1, sizeof *tmp);
	for (s = 0; s < plan->nstages; s++) {
		first = plan->stages[s].first;
		/* Sub-stage of a task = tasks of its node placed before. */
		nsub = 0;
		for (i = first; i < first + plan->stages[s].ntasks; i++) {
			sub[i] = count[plan->tasks[i].node_ix]++;
			if (sub[i] + 1 > nsub)
				nsub = sub[i] + 1;
		}
		if (nsub + 1 > startcap) {
			startcap = nsub + 1;
			start = xreallocarray(start, startcap, sizeof *start);
		}
		memset(start, 0, (nsub + 1) * sizeof *start);
		for (i = first; i < first + plan->stages[s].ntasks; i++) {
			count[plan->tasks[i].node_ix] = 0;
			start[sub[i] + 1]++;
		}
		for (j = 0; j < nsub; j++)
			start[j + 1] += start[j];
		for (j = 0; j < nsub; j++) {
			if (nstages == cap) {
				cap = cap == 0 ? 16 : cap * 2;
				stages =
				    xreallocarray(stages, cap, sizeof *stages);
			}
			stages[nstages].first = first + start[j];
			stages[nstages].ntasks = start[j + 1] - start[j];
			nstages++;
		}
		/* Stable placement, in task order, within the stage. */
		for (i = first; i < first + plan->stages[s].ntasks; i++) {
			pos = first + start[sub[i]]++;
			tmp[pos] = plan->tasks[i];
		}
		memcpy(plan->tasks + first, tmp + first,
		    plan->stages[s].ntasks * sizeof *tmp);
	}
	free(plan->stages);
	plan->stages = stages;
	plan->nstages = nstages;
	plan->stages_cap = cap;
	free(count);
	free(sub);
	free(tmp);
	free(start);
}

struct json_object *
planner_plan_json(const struct planner_plan *plan, const char *job_id,
    const char *cluster_id, enum planner_cluster_action ca, int current_stage,
    const char *const *task_ids)
{
	struct json_object *root, *stages, *stage, *task;
	const struct planner_task *t;
	size_t s, i, k;

	root = jsonx_new_object();
	jsonx_set(root, "id", jsonx_new_string_or_null(job_id));
	jsonx_set(root, "clusterId", jsonx_new_string_or_null(cluster_id));
	jsonx_set(root, "action",
	    jsonx_new_string_or_null(planner_cluster_action_upper(ca)));
	jsonx_set(root, "currentStage", jsonx_new_int64(current_stage));
	stages = jsonx_new_array();
	for (s = 0; plan != NULL && s < plan->nstages; s++) {
		stage = jsonx_new_array();
		for (i = 0; i < plan->stages[s].ntasks; i++) {
			k = plan->stages[s].first + i;
			t = &plan->tasks[k];
			task = jsonx_new_object();
			jsonx_set(task, "id",
			    jsonx_new_string_or_null(
				task_ids == NULL ? NULL : task_ids[k]));
			jsonx_set(task, "taskName",
			    jsonx_new_string_or_null(
				planner_action_upper(t->action)));
			jsonx_set(task, "nodeId",
			    jsonx_new_string_or_null(t->node_id));
			jsonx_set(task, "service",
			    jsonx_new_string_or_null(t->service));
			jsonx_append(stage, task);
		}
		jsonx_append(stages, stage);
	}
	jsonx_set(root, "stages", stages);
	return root;
}

/* Append len bytes to a buffer. */
static void
planner_plan_buf_add(struct planner_buf *b, const char *s, size_t len)
{
	if (b->len + len + 1 > b->cap) {
		while (b->len + len + 1 > b->cap)
			b->cap = b->cap == 0 ? 256 : b->cap * 2;
		b->data = xrealloc(b->data, b->cap);
	}
	memcpy(b->data + b->len, s, len);
	b->len += len;
	b->data[b->len] = '\0';
}

/* Append a NUL-terminated string to a buffer. */
static void
planner_plan_buf_str(struct planner_buf *b, const char *s)
{
	planner_plan_buf_add(b, s, strlen(s));
}

/* Append a JSON string literal (or null for NULL). */
static void
planner_plan_buf_json(struct planner_buf *b, const char *s)
{
	char esc[8];
	const char *run;

	if (s == NULL) {
		planner_plan_buf_str(b, "null");
		return;
	}
	planner_plan_buf_add(b, "\"", 1);
	for (run = s; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		planner_plan_buf_add(b, run, (size_t)(s - run));
		switch (c) {
		case '"':
			planner_plan_buf_str(b, "\\\"");
			break;
		case '\\':
			planner_plan_buf_str(b, "\\\\");
			break;
		case '\n':
			planner_plan_buf_str(b, "\\n");
			break;
		case '\r':
			planner_plan_buf_str(b, "\\r");
			break;
		case '\t':
			planner_plan_buf_str(b, "\\t");
			break;
		default:
			snprintf(esc, sizeof esc, "\\u%04x", c);
			planner_plan_buf_str(b, esc);
			break;
		}
		run = s + 1;
	}
	planner_plan_buf_add(b, run, (size_t)(s - run));
	planner_plan_buf_add(b, "\"", 1);
}

char *
planner_plan_json_string(const struct planner_plan *plan, const char *job_id,
    const char *cluster_id, enum planner_cluster_action ca, int current_stage,
    const char *const *task_ids)
{
	struct planner_buf b = { NULL, 0, 0 };
	const struct planner_task *t;
	char num[32];
	size_t s, i, k;

	planner_plan_buf_str(&b, "{\"id\":");
	planner_plan_buf_json(&b, job_id);
	planner_plan_buf_str(&b, ",\"clusterId\":");
	planner_plan_buf_json(&b, cluster_id);
	planner_plan_buf_str(&b, ",\"action\":");
	planner_plan_buf_json(&b, planner_cluster_action_upper(ca));
	snprintf(num, sizeof num, ",\"currentStage\":%d", current_stage);
	planner_plan_buf_str(&b, num);
	planner_plan_buf_str(&b, ",\"stages\":[");
	for (s = 0; plan != NULL && s < plan->nstages; s++) {
		planner_plan_buf_str(&b, s == 0 ? "[" : ",[");
		for (i = 0; i < plan->stages[s].ntasks; i++) {
			k = plan->stages[s].first + i;
			t = &plan->tasks[k];
			planner_plan_buf_str(&b,
			    i == 0 ? "{\"id\":" : ",{\"id\":");
			planner_plan_buf_json(&b,
			    task_ids == NULL ? NULL : task_ids[k]);
			planner_plan_buf_str(&b, ",\"taskName\":");
			planner_plan_buf_json(&b,
			    planner_action_upper(t->action));
			planner_plan_buf_str(&b, ",\"nodeId\":");
			planner_plan_buf_json(&b, t->node_id);
			planner_plan_buf_str(&b, ",\"service\":");
			planner_plan_buf_json(&b, t->service);
			planner_plan_buf_str(&b, "}");
		}
		planner_plan_buf_str(&b, "]");
	}
	planner_plan_buf_str(&b, "]}");
	return b.data;
}
