/* SPDX-License-Identifier: Apache-2.0 */
/*
 * planner.h - the cluster planner of Loom 0.9 (LOOM-0.9-API.md section
 * 3.5, ClusterScheduler/Actions/TaskDag) with the day-2 rules of Loom
 * 0.9.7 (LOOM-0.9.7-OPS.md section 7, JobPlanner): the action order of
 * each of the nine cluster actions, the service dependencies of the
 * resolver in svcdeps.h (0.9 `dependson` and 0.9.7 `dependencies`), the
 * global action dependencies (START->START, START->INITIALIZE, STOP->STOP
 * reversed, INSTALL->INSTALL), the task DAG of a cluster's nodes
 * restricted to the planned nodes and services of a day-2 job, its layered
 * linearisation into stages and the per-node de-duplication of stages;
 * plus the plan JSON of GET /clusters/{id}/plans/{jobId} (section 1.5) and
 * the pure retry and rollback decision of section 3.8.  Pure: no I/O.
 *
 * Typical use (the cluster scheduler):
 *	struct planner_plan *plan;
 *	if (planner_plan(PLANNER_CLUSTER_CREATE, nodes, &plan, err) != 0)
 *		fail the job with err ("Failed to schedule the action");
 *	(a day-2 job: planner_plan_scoped(ca, nodes, &scope, &plan, err)
 *	with the job's plannedServices / plannedNodes in scope)
 *	for each stage s, for each task t of s: build its config with
 *	    taskconfig_build(), allocate a task id, store the task;
 *	planner_plan_free(plan);
 */
#ifndef LOOMD_PLANNER_H
#define LOOMD_PLANNER_H

#include <stddef.h>

#include <json-c/json.h>

#include "common.h"

/* The one error message of a failed plan (Java "Failed to schedule ..."). */
#define PLANNER_ERR_SCHEDULE "Failed to schedule the action"

/* ProvisionerAction, in its Java order (the order matters). */
enum planner_action {
	PLANNER_ACTION_CREATE = 0,
	PLANNER_ACTION_CONFIRM,
	PLANNER_ACTION_BOOTSTRAP,
	PLANNER_ACTION_INSTALL,
	PLANNER_ACTION_REMOVE,
	PLANNER_ACTION_INITIALIZE,
	PLANNER_ACTION_CONFIGURE,
	PLANNER_ACTION_START,
	PLANNER_ACTION_STOP,
	PLANNER_ACTION_DELETE,
};
#define PLANNER_ACTION_COUNT 10

/* ClusterAction (0.9 has the first three; the rest are the day-2 actions). */
enum planner_cluster_action {
	PLANNER_SOLVE_LAYOUT = 0,
	PLANNER_CLUSTER_CREATE,
	PLANNER_CLUSTER_DELETE,
	PLANNER_CLUSTER_CONFIGURE,
	PLANNER_CLUSTER_CONFIGURE_WITH_RESTART,
	PLANNER_STOP_SERVICES,
	PLANNER_START_SERVICES,
	PLANNER_RESTART_SERVICES,
	PLANNER_ADD_SERVICES,
};
#define PLANNER_CLUSTER_ACTION_COUNT 9

/* "CREATE" ... "DELETE"; NULL if a is out of range.  Static strings. */
const char *planner_action_upper(enum planner_action a);
/* "create" ... "delete"; NULL if a is out of range.  Static strings. */
const char *planner_action_lower(enum planner_action a);
/* Exact "CREATE" or "create" etc. (no other casing); -1 if unknown. */
int planner_action_parse(const char *s,
    enum planner_action *out) LOOMD_MUSTCHECK;
/* 1 for the node-level actions CREATE, CONFIRM, BOOTSTRAP, DELETE. */
int planner_action_is_hardware(enum planner_action a);
/* 1 for INITIALIZE, START, STOP (ProvisionerAction.isRuntimeAction). */
int planner_action_is_runtime(enum planner_action a);
/* 1 for INSTALL, REMOVE (ProvisionerAction.isInstallTimeAction). */
int planner_action_is_install(enum planner_action a);
/*
 * The lower-case action names ("create" ... "delete", the keys of a
 * service's provisioner.actions) indexed by enum planner_action, then
 * NULL.  The one name table of the provisioner actions.
 */
extern const char *const planner_action_lower_names[PLANNER_ACTION_COUNT + 1];

/* "SOLVE_LAYOUT" ...; NULL if out of range.  Static strings. */
const char *planner_cluster_action_upper(enum planner_cluster_action ca);
/* "solve_layout" ...; NULL if out of range.  Static strings. */
const char *planner_cluster_action_lower(enum planner_cluster_action ca);
/* Exact upper- or lower-case name; -1 if unknown. */
int planner_cluster_action_parse(const char *s,
    enum planner_cluster_action *out) LOOMD_MUSTCHECK;
/*
 * The cluster status a failed job of ca leaves (ClusterAction
 * getFailureStatus, LOOM-0.9.7-OPS.md section 2.2): SOLVE_LAYOUT
 * "TERMINATED", CLUSTER_CREATE and CLUSTER_DELETE "INCOMPLETE", every
 * day-2 action "INCONSISTENT".  Static string; NULL if out of range.
 */
const char *planner_cluster_action_failure_status(
    enum planner_cluster_action ca);
/*
 * The cluster status a completed job of ca leaves: "TERMINATED" for
 * CLUSTER_DELETE, "ACTIVE" otherwise.  Static string.
 */
const char *planner_cluster_action_success_status(
    enum planner_cluster_action ca);
/*
 * The provisioner actions of a cluster action, in order (Actions
 * actionOrder, LOOM-0.9.7-OPS.md section 7.1): CLUSTER_CREATE = CREATE,
 * CONFIRM, BOOTSTRAP, INSTALL, CONFIGURE, INITIALIZE, START;
 * CLUSTER_DELETE = DELETE; CLUSTER_CONFIGURE = BOOTSTRAP, CONFIGURE;
 * CLUSTER_CONFIGURE_WITH_RESTART = BOOTSTRAP, STOP, CONFIGURE, START;
 * STOP_SERVICES = STOP; START_SERVICES = START; RESTART_SERVICES = STOP,
 * START; ADD_SERVICES = BOOTSTRAP, INSTALL, CONFIGURE, INITIALIZE, START.
 * SOLVE_LAYOUT has none (returns NULL, *n = 0: nothing to plan).  Static
 * array.
 */
const enum planner_action *planner_action_order(enum planner_cluster_action ca,
    size_t *n);

/*
 * One task of a plan.  node_id and service are owned by the plan and live
 * as long as it; service is "" for hardware actions.  node_ix is the index
 * of node_id in the plan's node table (for a plan from planner_plan() the
 * index of the node in the input array); it is what de-duplication keys on.
 */
struct planner_task {
	const char *node_id;
	const char *service;
	enum planner_action action;
	unsigned int node_ix;
};

/* Stage i is tasks[first, first + ntasks) of its plan. */
struct planner_stage {
	size_t first;
	size_t ntasks;
};

struct strtab;

/*
 * An ordered list of stages.  Tasks are stored stage after stage in one
 * array, so tasks[k] for k in [0, ntasks) is the k-th task in plan order
 * (the order of the task_ids arrays below).  The fields are read-only for
 * callers; those marked private are for planner.c only.
 */
struct planner_plan {
	struct planner_task *tasks;
	size_t ntasks;
	struct planner_stage *stages;
	size_t nstages;
	/* private */
	size_t tasks_cap;
	size_t stages_cap;
	struct strtab *node_tab;
	struct strtab *svc_tab;
};

/*
 * Plan a cluster action (ClusterScheduler.run without the stores) on every
 * node and service.  nodes is a json-c array of section 2.6 Node objects
 * (each with "id" and "services", full Service JSON with
 * "provisioner.actions" and the dependencies as 0.9 "dependson" and/or
 * 0.9.7 "dependencies" {provides, conflicts, install {requires, uses},
 * runtime {requires, uses}}; other keys are ignored), borrowed for the
 * call only.  A service name keeps the definition of its first
 * occurrence; a dependency on a service that is on no node is ignored
 * (Java failed the plan with a NullPointerException); dependency cycles
 * between services vanish in minimisation, as in Java.  Builds the task DAG, linearises it
 * into stages (longest-path layers; within a stage tasks are ordered by
 * the action's place in the cluster action's order, service name, then
 * node input order) and splits every stage so that no stage has two tasks
 * for one node.  On success *out is a new plan the caller frees with
 * planner_plan_free().  Fails (err is exactly PLANNER_ERR_SCHEDULE, as the
 * job message must be) on malformed input, a cycle, an empty DAG (no node
 * has a service, or no nodes: callers should check for no nodes before),
 * or a cluster action without an action order.  For the detailed reason
 * use planner_dag_build() and planner_dag_linearize().  Time
 * O(V log V + E) for V tasks and E dependency edges; no pass is quadratic
 * in the number of nodes.
 */
int planner_plan(enum planner_cluster_action ca, struct json_object *nodes,
    struct planner_plan **out, char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/*
 * What a day-2 job plans (ClusterJob plannedServices / plannedNodes,
 * LOOM-0.9.7-OPS.md section 7.1).  A NULL array means "all"; a non-NULL
 * array with no entry plans nothing (the plan then fails as empty, as
 * Java's empty set did).  services are the requested services before the
 * runtime expansion of section 5 (START_SERVICES adds what they need,
 * STOP/RESTART_SERVICES what depends on them; the other actions take them
 * as they are); names that are on no node are ignored.  nodes are node
 * ids (ADD_SERVICES: the changed nodes); unknown ids are ignored.  All
 * borrowed.
 */
struct planner_scope {
	const char *const *services;
	size_t nservices;
	const char *const *nodes;
	size_t nnodes;
};

/*
 * planner_plan() restricted to scope (NULL: everything, which is exactly
 * planner_plan()); see planner_dag_build_scoped() for the rules of the
 * restricted DAG.  Same ownership and errors: err is exactly
 * PLANNER_ERR_SCHEDULE, e.g. for STOP_SERVICES on a cluster none of whose
 * planned services defines STOP (an empty DAG).
 */
int planner_plan_scoped(enum planner_cluster_action ca,
    struct json_object *nodes, const struct planner_scope *scope,
    struct planner_plan **out, char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/* A new empty plan (no stages); free with planner_plan_free(). */
struct planner_plan *planner_plan_new(void);
/* Append an empty stage. */
void planner_plan_add_stage(struct planner_plan *plan);
/*
 * Append a task to the last stage (a first stage is added if there is
 * none).  node_id and service are copied (service NULL means "").
 */
void planner_plan_add_task(struct planner_plan *plan, const char *node_id,
    enum planner_action action, const char *service);
/*
 * De-duplicate in place (deDupNodePerStage): every stage is replaced by the
 * sub-stages obtained by placing each of its tasks, in order, into the
 * first sub-stage without a task for the same node.  Empty stages are
 * dropped.  planner_plan() already does this; it is exported for plans
 * built by hand.  O(tasks).
 */
void planner_plan_dedup(struct planner_plan *plan);
/* Free a plan; NULL is a no-op. */
void planner_plan_free(struct planner_plan *plan);

/*
 * The plan JSON of GET /clusters/{id}/plans/{jobId}:
 * {"id":job_id,"clusterId":cluster_id,"action":"CLUSTER_CREATE",
 *  "currentStage":n,"stages":[[{"id","taskName","nodeId","service"}]]}.
 * plan may be NULL (a SOLVE_LAYOUT job: "stages":[]).  task_ids[k] is the
 * id of plan->tasks[k] (NULL allowed when plan is NULL or empty).  All
 * arguments are borrowed.  Returns a new object, the caller releases it
 * with json_object_put().  About 1 KB of json-c memory per task: for big
 * plans prefer planner_plan_json_string().
 */
struct json_object *planner_plan_json(const struct planner_plan *plan,
    const char *job_id, const char *cluster_id, enum planner_cluster_action ca,
    int current_stage, const char *const *task_ids);
/*
 * The same JSON as planner_plan_json(), as compact text written directly
 * (about 150 bytes per task).  Returns a new NUL-terminated string, the
 * caller frees it with free().
 */
char *planner_plan_json_string(const struct planner_plan *plan,
    const char *job_id, const char *cluster_id, enum planner_cluster_action ca,
    int current_stage, const char *const *task_ids);

/*
 * Retry and rollback of a failed task (JobScheduler.scheduleRetry,
 * TaskService.getRollbackTask/getRetryTask, section 3.8), as a decision:
 * - retry: 1 when attempts < max_retries (attempts = the failed task's
 *   number of attempts so far, the failed one included), else 0: the job
 *   fails and nothing else applies (no rollback).
 * - rollback: 1 when the failed action has a rollback action (CONFIRM ->
 *   DELETE).  The caller creates a task with a new id in the same job,
 *   nodeId null, the failed task's service and cluster action, config =
 *   the failed attempt's config, stores it on the failed attempt and queues
 *   it for the provisioners directly (in no stage, never retried).
 * - nbefore/before: the actions of the new tasks to run before the failed
 *   task runs again (CONFIRM -> [CREATE]; most actions -> none), each for
 *   the failed task's node and service with a fresh config
 *   (taskconfig_build()).  The caller then adds an attempt to the failed
 *   task and, when nbefore > 0, rearranges the job's stages with
 *   planner_retry_apply_stages().
 */
struct planner_retry {
	int retry;
	int rollback;
	enum planner_action rollback_action;
	size_t nbefore;
	enum planner_action before[PLANNER_ACTION_COUNT];
};
void planner_retry_decide(enum planner_cluster_action ca,
    enum planner_action failed, int attempts, int max_retries,
    struct planner_retry *out);
/*
 * Rearrange a job's stagedTasks (section 2.7: a json-c array of arrays of
 * task-id strings, modified in place, borrowed) for a retry with new tasks
 * before_ids[0, nbefore) (ids of the tasks of planner_retry.before, in
 * order): in stage current_stage failed_id is replaced by before_ids[0],
 * and single-task stages [before_ids[1]] ... [before_ids[nbefore - 1]],
 * [failed_id] are inserted right after it.  nbefore == 0 changes nothing.
 * Fails if current_stage does not exist or does not hold failed_id.
 */
int planner_retry_apply_stages(struct json_object *staged,
    size_t current_stage, const char *failed_id, const char *const *before_ids,
    size_t nbefore, char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/*
 * Lower-level API, used by planner_plan() and the unit tests.
 */

/* A (service, provisioner action) pair; service indexes a service graph. */
struct planner_svc_action {
	size_t service;
	enum planner_action action;
};

/* The service dependency graph of a cluster. */
struct planner_services;

/*
 * Build the graph of the services in services, a json-c array of Service
 * objects (name, dependson and/or dependencies, provisioner.actions),
 * borrowed for the call only.  A repeated name keeps its first
 * definition; dependencies on services not in the array are ignored.
 * Services are indexed in name order (strcmp).  An adapter over the
 * resolver of svcdeps.h (the one implementation of the dependency rules):
 * it keeps the minimised runtime dependencies and the direct action
 * dependencies of the four global action dependencies as service
 * indexes.  On success *out is new, free with planner_services_free().
 * O(S * S * (S + D)) for S services and D dependencies; independent of
 * the number of nodes.
 */
int planner_services_new(struct json_object *services,
    struct planner_services **out, char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;
/* Free a graph; NULL is a no-op. */
void planner_services_free(struct planner_services *svcs);
size_t planner_services_count(const struct planner_services *svcs);
/* Name of service i (borrowed from svcs). */
const char *planner_services_name(const struct planner_services *svcs,
    size_t i);
/* Index of a service by name; -1 if unknown. */
int planner_services_find(const struct planner_services *svcs,
    const char *name, size_t *i) LOOMD_MUSTCHECK;
/* 1 if service i defines provisioner action a. */
int planner_services_has_action(const struct planner_services *svcs, size_t i,
    enum planner_action a);
/*
 * The minimised (first-order) runtime dependencies of service i
 * (minimizeDependencies): runtime.requires (or dependson) and
 * runtime.uses, provided names replaced by their providers, minus
 * everything reachable from them through other services; services of the
 * graph only.  Array borrowed from svcs, ascending, *n long.
 */
const size_t *planner_services_min_deps(const struct planner_services *svcs,
    size_t i, size_t *n);
/* 1 if service a runtime-depends on b directly or transitively (a != b). */
int planner_services_depends_on(const struct planner_services *svcs, size_t a,
    size_t b);
/*
 * The direct action dependencies of (service i, action to)
 * (findDirectActionDependencies): the (service, action) pairs that must
 * finish, on every node hosting that service, before action `to` of
 * service i may run.  Non-empty only for to = START, INITIALIZE (the
 * STARTs of its runtime dependencies), STOP (the STOPs of the services
 * that runtime-depend on it) or INSTALL (the INSTALLs of its install
 * dependencies).  Array borrowed from svcs, ordered by service, *n long.
 */
const struct planner_svc_action *
planner_services_action_deps(const struct planner_services *svcs, size_t i,
    enum planner_action to, size_t *n);

/* The task DAG of one cluster action on a cluster's nodes. */
struct planner_dag;

/*
 * Build the task DAG (createTaskDag) of every node and service.  nodes as
 * for planner_plan().  A node with no services yields no tasks.  On
 * success *out is new, free with planner_dag_free().  Errors name the
 * problem (bad node JSON, duplicate node id, no action order).
 * Dependencies of many tasks on many tasks are kept as one hub vertex per
 * (service, action), so the size is linear in the number of tasks.
 */
int planner_dag_build(enum planner_cluster_action ca,
    struct json_object *nodes, struct planner_dag **out,
    char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;
/*
 * planner_dag_build() restricted to scope (NULL: everything), the rules of
 * LOOM-0.9.7-OPS.md section 7.4: every planned service (after the section
 * 5 expansion) on every planned node gets its chain of the actions of the
 * order it defines (hardware actions shared by the node's services); each
 * action `a` of such a chain waits for the `F` action of its direct
 * action dependencies p on every node hosting p, planned or not, except
 * that an install-time `a` ignores services p outside the plan.  A vertex
 * (m, F, p) outside the plan is added on its own (no chain, no
 * dependencies of its own) and becomes a task like the others.  Same
 * ownership and errors as planner_dag_build().
 */
int planner_dag_build_scoped(enum planner_cluster_action ca,
    struct json_object *nodes, const struct planner_scope *scope,
    struct planner_dag **out, char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;
/* Free a DAG; NULL is a no-op. */
void planner_dag_free(struct planner_dag *dag);
/* The service graph of the DAG's cluster (borrowed from dag). */
const struct planner_services *planner_dag_services(
    const struct planner_dag *dag);
/* Number of tasks (vertices). */
size_t planner_dag_ntasks(const struct planner_dag *dag);
/*
 * Task i, i < planner_dag_ntasks(); its node_id/service are borrowed from
 * dag and node_ix is the node's input index.
 */
void planner_dag_task(const struct planner_dag *dag, size_t i,
    struct planner_task *out);

/* An edge between vertices (task indexes): `to` waits for `from`. */
struct planner_edge {
	size_t from;
	size_t to;
};

/*
 * All edges between tasks, hubs expanded, sorted and without duplicates.
 * *out is a new array the caller frees with free() (NULL when *n is 0).
 * For tests and debugging: the expansion is quadratic in the number of
 * nodes that share a dependency.
 */
void planner_dag_edges(const struct planner_dag *dag,
    struct planner_edge **out, size_t *n);
/*
 * Linearise the DAG into a plan (TaskDag.linearize): a task's stage is the
 * length of the longest dependency path that ends in it; tasks within a
 * stage are ordered as for planner_plan().  Not
 * de-duplicated (see planner_plan_dedup()).  Fails on a cycle or an empty
 * DAG.  On success *out is a new plan, free with planner_plan_free().
 */
int planner_dag_linearize(const struct planner_dag *dag,
    struct planner_plan **out, char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

/*
 * Layered topological sort of any graph of nvert vertices [0, nvert) and
 * nedges edges (duplicates allowed): stage[v] (caller-allocated, nvert
 * long) receives the length of the longest path ending in v, and
 * *nstages the number of stages.  Fails on a cycle (a self-loop included)
 * or when nvert is 0.  O(nvert + nedges).
 */
int planner_linearize(size_t nvert, const struct planner_edge *edges,
    size_t nedges, size_t *stage, size_t *nstages,
    char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;

#endif /* LOOMD_PLANNER_H */
