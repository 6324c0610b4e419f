/* SPDX-License-Identifier: Apache-2.0 */
/*
 * planner_plan.c - a plan as an ordered list of stages of tasks: building
 * it, removing the tasks a node already holds in a stage (one counter per
 * node), and its JSON, as a json-c tree or written straight to text for
 * the hot path.  Pure: no I/O.
 */
#include "config.h"

#include "planner_int.h"

#include <sys/mman.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "jsonsplice.h"
#include "jsonx.h"
#include "strtab.h"

/* Huge pages: their size, and the smallest array worth the hint. */
#define PLANNER_PLAN_HUGE ((uintptr_t)2 << 20)
#define PLANNER_PLAN_HUGE_MIN ((size_t)4 << 20)

void
planner_plan_huge(void *p, size_t len)
{
#ifdef MADV_HUGEPAGE
	uintptr_t a, b;

	if (p == NULL || len < PLANNER_PLAN_HUGE_MIN)
		return;
	a = ((uintptr_t)p + PLANNER_PLAN_HUGE - 1) & ~(PLANNER_PLAN_HUGE - 1);
	b = ((uintptr_t)p + len) & ~(PLANNER_PLAN_HUGE - 1);
	if (b > a)
		(void)madvise((void *)a, (size_t)(b - a), MADV_HUGEPAGE);
#else
	(void)p;
	(void)len;
#endif
}

void *
planner_plan_grow(void *p, size_t n, size_t cap, size_t size)
{
	void *q;

	if (cap * size < PLANNER_PLAN_HUGE_MIN)
		return xreallocarray(p, cap, size);
	q = xreallocarray(NULL, cap, size);
	planner_plan_huge(q, cap * size);
	if (n > 0)
		memcpy(q, p, n * size);
	free(p);
	return q;
}

void *
planner_plan_zalloc(size_t nmemb, size_t size)
{
	void *p;

	if (nmemb * size < PLANNER_PLAN_HUGE_MIN)
		return xcalloc(nmemb, size);
	p = xreallocarray(NULL, nmemb, size);
	planner_plan_huge(p, nmemb * size);
	memset(p, 0, nmemb * size);
	return p;
}

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
	plan->tasks = planner_plan_room(plan->tasks, plan->ntasks,
	    plan->ntasks + 1, &plan->tasks_cap, sizeof *plan->tasks);
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
	size_t pos, *start = NULL, startcap = 0, tmpcap = 0;

	count = xcalloc(plan->node_tab->n + 1, sizeof *count);
	sub = xreallocarray(NULL, plan->ntasks + 1, sizeof *sub);
	planner_plan_huge(sub, plan->ntasks * sizeof *sub);
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
		if (nsub <= 1)
			continue; /* no node twice: the stage stays as it is */
		if (plan->stages[s].ntasks > tmpcap) {
			tmpcap = plan->stages[s].ntasks;
			free(tmp);
			tmp = xreallocarray(NULL, tmpcap, sizeof *tmp);
			planner_plan_huge(tmp, tmpcap * sizeof *tmp);
		}
		/* Stable placement, in task order, within the stage. */
		for (i = first; i < first + plan->stages[s].ntasks; i++) {
			pos = start[sub[i]]++;
			tmp[pos] = plan->tasks[i];
		}
		memcpy(plan->tasks + first, tmp,
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

/* A string as a JSON literal: its bytes, its length, its escaped length. */
struct planner_plan_lit {
	const char *s; /* NULL: the literal null */
	size_t raw;    /* strlen(s) */
	size_t esc;    /* length of the escaped content, quotes excluded */
};

/*
 * Fill *l for s (NULL: null); returns the literal's length.  The plan
 * text writes \b and \f as \u0008 and \u000c (jsonsplice's bf false).
 */
static size_t
planner_plan_lit_of(struct planner_plan_lit *l, const char *s)
{
	l->s = s;
	if (s == NULL) {
		l->raw = l->esc = 0;
		return 4;
	}
	l->raw = strlen(s);
	l->esc = jsonsplice_put_escaped(NULL, 0, s, l->raw, false);
	return l->esc + 2;
}

/* The length of the literal *l. */
static size_t
planner_plan_lit_len(const struct planner_plan_lit *l)
{
	return l->s == NULL ? 4 : l->esc + 2;
}

/* Write the literal *l at o; returns the end. */
static char *
planner_plan_lit_put(char *o, const struct planner_plan_lit *l)
{
	if (l->s == NULL) {
		memcpy(o, "null", 4);
		return o + 4;
	}
	*o++ = '"';
	if (l->esc == l->raw) {
		memcpy(o, l->s, l->raw);
		o += l->raw;
	} else
		o += jsonsplice_put_escaped(o, 0, l->s, l->raw, false);
	*o++ = '"';
	return o;
}

/* Write len bytes of s at o; returns the end. */
static char *
planner_plan_put(char *o, const char *s, size_t len)
{
	memcpy(o, s, len);
	return o + len;
}

#define PLANNER_PLAN_SVC_CACHE 64

/*
 * What planner_plan_json_string() renders once: the literals of the
 * actions, of the plan's node ids and of the services met.
 */
struct planner_plan_lits {
	struct planner_plan_lit action[PLANNER_ACTION_COUNT];
	struct planner_plan_lit *node; /* node_tab order */
	size_t nnode;
	struct planner_plan_lit svc[PLANNER_PLAN_SVC_CACHE];
	size_t nsvc;
	uint32_t *idlen; /* per task: its id's length, UINT32_MAX: escaped */
};

/*
 * The literals of task k, t (task id tid), into id, name, node and svc;
 * pass 0 notes the length of the id, pass 1 uses it.
 */
static void
planner_plan_task_lits(struct planner_plan_lits *c, int pass, size_t k,
    const struct planner_task *t, const char *tid, struct planner_plan_lit *id,
    const struct planner_plan_lit **name, struct planner_plan_lit *tmp,
    const struct planner_plan_lit **node, const struct planner_plan_lit **svc)
{
	struct planner_plan_lit *l;
	size_t h, i;

	if (pass == 1 && tid != NULL && c->idlen != NULL &&
	    c->idlen[k] != UINT32_MAX) {
		id->s = tid;
		id->raw = id->esc = c->idlen[k];
	} else {
		planner_plan_lit_of(id, tid);
		if (pass == 0 && tid != NULL && c->idlen != NULL)
			c->idlen[k] =
			    id->esc == id->raw && id->raw < UINT32_MAX ?
			    (uint32_t)id->raw :
			    UINT32_MAX;
	}
	if ((unsigned int)t->action < PLANNER_ACTION_COUNT)
		*name = &c->action[t->action];
	else {
		planner_plan_lit_of(&tmp[0], planner_action_upper(t->action));
		*name = &tmp[0];
	}
	if (t->node_ix < c->nnode && c->node[t->node_ix].s == t->node_id)
		*node = &c->node[t->node_ix];
	else {
		planner_plan_lit_of(&tmp[1], t->node_id);
		*node = &tmp[1];
	}
	/* Services are few: an open-addressing cache on the pointer. */
	h = (size_t)(((uint64_t)(uintptr_t)t->service >> 4) *
		UINT64_C(0x9e3779b97f4a7c15) >>
	    58);
	for (i = 0; t->service != NULL && i < PLANNER_PLAN_SVC_CACHE; i++) {
		l = &c->svc[(h + i) % PLANNER_PLAN_SVC_CACHE];
		if (l->s == t->service) {
			*svc = l;
			return;
		}
		if (l->s != NULL)
			continue;
		if (c->nsvc >= PLANNER_PLAN_SVC_CACHE / 2)
			break;
		c->nsvc++;
		planner_plan_lit_of(l, t->service);
		*svc = l;
		return;
	}
	planner_plan_lit_of(&tmp[2], t->service);
	*svc = &tmp[2];
}

#define PLANNER_PLAN_TASK_ID "{\"id\":"
#define PLANNER_PLAN_TASK_NAME ",\"taskName\":"
#define PLANNER_PLAN_TASK_NODE ",\"nodeId\":"
#define PLANNER_PLAN_TASK_SVC ",\"service\":"
#define PLANNER_PLAN_CONST(s) s, sizeof s - 1

char *
planner_plan_json_string(const struct planner_plan *plan, const char *job_id,
    const char *cluster_id, enum planner_cluster_action ca, int current_stage,
    const char *const *task_ids)
{
	struct planner_plan_lits c;
	struct planner_plan_lit head[3], id, tmp[3];
	const struct planner_plan_lit *name, *node, *svc;
	const struct planner_task *t;
	char num[32], *out, *o;
	size_t s, i, k, len, numlen, total = 0;
	int pass;

	memset(&c, 0, sizeof c);
	for (k = 0; k < PLANNER_ACTION_COUNT; k++)
		planner_plan_lit_of(&c.action[k],
		    planner_action_upper((enum planner_action)k));
	if (plan != NULL && plan->node_tab != NULL) {
		c.nnode = plan->node_tab->n;
		c.node = xreallocarray(NULL, c.nnode + 1, sizeof *c.node);
		for (k = 0; k < c.nnode; k++)
			planner_plan_lit_of(&c.node[k],
			    plan->node_tab->strs[k]);
	}
	if (plan != NULL && task_ids != NULL) {
		c.idlen =
		    xreallocarray(NULL, plan->ntasks + 1, sizeof *c.idlen);
		planner_plan_huge(c.idlen, plan->ntasks * sizeof *c.idlen);
	}
	planner_plan_lit_of(&head[0], job_id);
	planner_plan_lit_of(&head[1], cluster_id);
	planner_plan_lit_of(&head[2], planner_cluster_action_upper(ca));
	numlen = (size_t)snprintf(num, sizeof num, ",\"currentStage\":%d",
	    current_stage);

	/* Pass 0 sizes the text, pass 1 writes it into one allocation. */
	out = o = NULL;
	len = 0;
	for (pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			total = len;
			o = out = xmalloc(total + 1);
			planner_plan_huge(out, total + 1);
		}
		len += sizeof "{\"id\":" - 1 + planner_plan_lit_len(&head[0]) +
		    sizeof ",\"clusterId\":" - 1 +
		    planner_plan_lit_len(&head[1]) + sizeof ",\"action\":" -
		    1 + planner_plan_lit_len(&head[2]) + numlen +
		    sizeof ",\"stages\":[" - 1;
		if (pass == 1) {
			o = planner_plan_put(o,
			    PLANNER_PLAN_CONST("{\"id\":"));
			o = planner_plan_lit_put(o, &head[0]);
			o = planner_plan_put(o,
			    PLANNER_PLAN_CONST(",\"clusterId\":"));
			o = planner_plan_lit_put(o, &head[1]);
			o = planner_plan_put(o,
			    PLANNER_PLAN_CONST(",\"action\":"));
			o = planner_plan_lit_put(o, &head[2]);
			o = planner_plan_put(o, num, numlen);
			o = planner_plan_put(o,
			    PLANNER_PLAN_CONST(",\"stages\":["));
		}
		for (s = 0; plan != NULL && s < plan->nstages; s++) {
			len += (s == 0 ? 1 : 2) + 1;
			if (pass == 1)
				o = s == 0 ? planner_plan_put(o, "[", 1) :
					     planner_plan_put(o, ",[", 2);
			for (i = 0; i < plan->stages[s].ntasks; i++) {
				k = plan->stages[s].first + i;
				t = &plan->tasks[k];
				planner_plan_task_lits(&c, pass, k, t,
				    task_ids == NULL ? NULL : task_ids[k], &id,
				    &name, tmp, &node, &svc);
				if (pass == 0) {
					len += (i == 0 ? 0 : 1) +
					    sizeof PLANNER_PLAN_TASK_ID - 1 +
					    planner_plan_lit_len(&id) +
					    sizeof PLANNER_PLAN_TASK_NAME - 1 +
					    planner_plan_lit_len(name) +
					    sizeof PLANNER_PLAN_TASK_NODE - 1 +
					    planner_plan_lit_len(node) +
					    sizeof PLANNER_PLAN_TASK_SVC - 1 +
					    planner_plan_lit_len(svc) + 1;
					continue;
				}
				if (i > 0)
					*o++ = ',';
				o = planner_plan_put(o,
				    PLANNER_PLAN_CONST(PLANNER_PLAN_TASK_ID));
				o = planner_plan_lit_put(o, &id);
				o = planner_plan_put(o,
				    PLANNER_PLAN_CONST(
					PLANNER_PLAN_TASK_NAME));
				o = planner_plan_lit_put(o, name);
				o = planner_plan_put(o,
				    PLANNER_PLAN_CONST(
					PLANNER_PLAN_TASK_NODE));
				o = planner_plan_lit_put(o, node);
				o = planner_plan_put(o,
				    PLANNER_PLAN_CONST(PLANNER_PLAN_TASK_SVC));
				o = planner_plan_lit_put(o, svc);
				*o++ = '}';
			}
			if (pass == 1)
				*o++ = ']';
		}
		len += 2;
		if (pass == 1)
			o = planner_plan_put(o, "]}", 2);
	}
	if ((size_t)(o - out) != total)
		fatalx("%s: wrote %zu bytes, sized %zu", __func__,
		    (size_t)(o - out), total);
	*o = '\0';
	free(c.node);
	free(c.idlen);
	return out;
}
