/* SPDX-License-Identifier: Apache-2.0 */
/*
 * planner_fixture.h - what the planner's unit tests share: Service and
 * Node objects built from the fixtures' services and nodes, task keys
 * "node|ACTION|service", and the comparison of a task DAG with a case's
 * expected vertices and edges.  Linked into the unit tests from
 * tests/lib/libfixture.a.
 */
#ifndef LOOMD_PLANNER_FIXTURE_H
#define LOOMD_PLANNER_FIXTURE_H

#include <stddef.h>

#include "planner.h"

struct json_object;

/*
 * A Service object from a fixture service {name, actions, dependson,
 * dependencies}: every listed action gets {type: chef, script: script,
 * data: data}; the dependency fields are copied when present.  The caller
 * puts it.
 */
struct json_object *pfx_service(struct json_object *def);

/*
 * Node objects [{id, services}] for the fixture nodes list [{id,
 * services: [names]}], each service built by mk (pfx_service when NULL)
 * from its definition in defs, which must have it.  The caller puts the
 * array.
 */
struct json_object *pfx_nodes(struct json_object *defs,
    struct json_object *list, struct json_object *(*mk)(struct json_object *));

/* "node|ACTION|service" (the caller frees it). */
char *pfx_key(const char *node, const char *action, const char *service);

/* The key of a fixture task {node, action, service} (caller frees). */
char *pfx_fixture_key(struct json_object *t);

/* The key of a planned task (caller frees). */
char *pfx_task_key(const struct planner_task *t);

/* Free the n keys of the vector keys and the vector (NULL: nothing). */
void pfx_keys_free(char **keys, size_t n);

/* strcmp through pointers to strings, for qsort. */
int pfx_strp_cmp(const void *a, const void *b);

/*
 * Assert that the key vectors a (na keys) and b (nb keys) hold the same
 * keys, each as many times; with distinct, also that no key of a repeats.
 * what names the comparison in a failure.  Frees both vectors and their
 * keys.
 */
void pfx_assert_same_keys(char **a, size_t na, char **b, size_t nb,
    int distinct, const char *what);

/*
 * Assert that dag has exactly the vertices of the case's
 * "expected_vertices" and the edges of its "expected_edges" (borrowed;
 * what names the case in a failure).
 */
void pfx_assert_dag(struct planner_dag *dag, struct json_object *c,
    const char *what);

/*
 * A plan with the stages of tasks {node, action, service} of the fixture
 * array stages; the caller frees it with planner_plan_free().
 */
struct planner_plan *pfx_plan_of(struct json_object *stages);

/*
 * Assert that stage s of plan holds exactly the tasks {node, action,
 * service} of the array want, in any order and none twice (borrowed;
 * what names the case in a failure).
 */
void pfx_assert_stage(const struct planner_plan *plan, size_t s,
    struct json_object *want, const char *what);

/*
 * Assert that plan has the stages of want (an array of arrays of tasks
 * {node, action, service}), each holding exactly its tasks, in any order
 * and none twice (borrowed; what names the case in a failure).
 */
void pfx_assert_stages(const struct planner_plan *plan,
    struct json_object *want, const char *what);

#endif /* LOOMD_PLANNER_FIXTURE_H */
