/* SPDX-License-Identifier: Apache-2.0 */
/*
 * planner.c - the planner of Loom 0.9 (LOOM-0.9-API.md section 3.5) with
 * the day-2 rules of Loom 0.9.7 (LOOM-0.9.7-OPS.md section 7), a port of
 * ClusterScheduler, JobPlanner, Actions and TaskDag that scales linearly
 * with the number of nodes: the service dependency graph is analysed once
 * per service by the resolver of svcdeps.c (minimised install and runtime
 * dependencies, direct action dependencies), then expanded per planned
 * node and service into a task DAG in which every
 * "all nodes with service p must finish action F" dependency goes through
 * one hub vertex instead of an edge per pair of nodes.  Linearisation is a
 * Kahn pass computing longest-path layers (hubs take no layer), the stage
 * order is a sort on (layer, action, service, node), and de-duplication is
 * one counter per node.  Also the plan JSON and the retry/rollback decision
 * of section 3.8.  Pure: no I/O.  This file holds the entry point; the
 * actions, the service graph, the DAG, its linearisation, the plan and the
 * retry decision have a file each (planner_int.h joins them).
 */
#include "config.h"

#include "planner.h"
#include "planner_int.h"

#include "common.h"
#include "errbuf.h"

/*
 * The plan of dag, built with result built (0 or -1): linearised, the
 * tasks of each node deduplicated, in *out (new, the caller's).  Frees
 * dag.  On any failure -1 with Loom's scheduling message in err.
 */
static int
planner_from_dag(int built, struct planner_dag *dag, struct planner_plan **out,
    char err[LOOMD_ERR_LEN])
{
	struct planner_plan *plan = NULL;

	if (built != 0 || planner_dag_linearize_move(dag, &plan, err) != 0)
		goto fail;
	planner_dag_free(dag);
	planner_plan_dedup(plan);
	*out = plan;
	return 0;
fail:
	planner_dag_free(dag);
	errbuf_set(err, "%s", PLANNER_ERR_SCHEDULE);
	return -1;
}

int
planner_plan(enum planner_cluster_action ca, struct json_object *nodes,
    struct planner_plan **out, char err[LOOMD_ERR_LEN])
{
	return planner_plan_scoped(ca, nodes, NULL, out, err);
}

int
planner_plan_scoped(enum planner_cluster_action ca, struct json_object *nodes,
    const struct planner_scope *scope, struct planner_plan **out,
    char err[LOOMD_ERR_LEN])
{
	struct planner_dag *dag = NULL;
	int built;

	*out = NULL;
	built = planner_dag_build_scoped(ca, nodes, scope, &dag, err);
	return planner_from_dag(built, dag, out, err);
}

int
planner_plan_nodes(enum planner_cluster_action ca,
    const struct planner_node *nodes, size_t n, struct planner_plan **out,
    char err[LOOMD_ERR_LEN])
{
	static const struct planner_node none;
	struct planner_dag *dag = NULL;
	int built;

	*out = NULL;
	built = planner_dag_build_from(ca, NULL, nodes != NULL ? nodes : &none,
	    nodes != NULL ? n : 0, NULL, &dag, err);
	return planner_from_dag(built, dag, out, err);
}
