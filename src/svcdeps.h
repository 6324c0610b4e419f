/* SPDX-License-Identifier: Apache-2.0 */
/*
 * svcdeps.h - the service dependency resolver of the day-2 planner
 * (LOOM-0.9.7-OPS.md section 7.3, ServiceDependencyResolver): the provides
 * index, replacement of provided names by their providers, minimised
 * install and runtime dependencies and their reversal, the direct action
 * dependencies of the four global action dependencies of section 7.2
 * (START->START, START->INITIALIZE, STOP->STOP reversed, INSTALL->INSTALL),
 * dependsOn/runtimeDependsOn, and the service expansion of section 5
 * (which services a START, STOP or RESTART of some services affects).
 * Pure: no I/O, no json-c; the input is plain structs.  The planner
 * (planner_services.c) is built on it.
 *
 * Where Java iterated hash sets, every output here is in ascending name
 * order (strcmp), so plans built from it are deterministic.
 *
 * Typical use (the planner of a day-2 job):
 *	struct svcdeps *d;
 *	if (svcdeps_new(svcs, nsvcs, &d, err) != 0)
 *		fail the job;
 *	deps = svcdeps_action_deps(d, svc, PLANNER_ACTION_START, &n);
 *	for each deps[i], for every node m hosting deps[i].service: edge
 *	    (m, deps[i].action, deps[i].service) -> (n, START, svc);
 *	svcdeps_free(d);
 */
#ifndef LOOMD_SVCDEPS_H
#define LOOMD_SVCDEPS_H

#include <stddef.h>

#include "common.h"
#include "strtab.h"
#include "planner.h"

/*
 * The provisioner actions are the planner's enum planner_action, with its
 * one name table (planner_action.c).
 */
/* The bit of action a in svcdeps_service.actions. */
#define SVCDEPS_BIT(a) (1u << (unsigned int)(a))

/* Which dependency graph: install = install.requires + install.uses,
 * runtime = runtime.requires + runtime.uses. */
enum svcdeps_graph {
	SVCDEPS_GRAPH_INSTALL = 0,
	SVCDEPS_GRAPH_RUNTIME,
};

/*
 * One service as stored on the cluster's nodes (section 8.5), borrowed by
 * svcdeps_new() for the call only.  actions has SVCDEPS_BIT(a) set for
 * every provisioner action the service defines.  dependson is Loom 0.9's
 * field: as the 0.9.7 codec does, it stands for runtime.requires when
 * runtime_requires is empty, and is ignored otherwise.  It never feeds
 * the install graph: the 0.9 planner ordered only START and INITIALIZE by
 * dependson, so a 0.9 catalogue plans as it did in 0.9.  conflicts is not
 * used for ordering (it belongs to the add-services validation) and may be
 * left empty.
 */
struct svcdeps_service {
	const char *name;
	unsigned int actions;
	struct strtab_list provides;
	struct strtab_list conflicts;
	struct strtab_list install_requires;
	struct strtab_list install_uses;
	struct strtab_list runtime_requires;
	struct strtab_list runtime_uses;
	struct strtab_list dependson;
};

/* An action of a service that must finish first (ActionOnService). */
struct svcdeps_action_dep {
	enum planner_action action;
	const char *service; /* borrowed from it */
};

/* The resolver of one cluster's services. */
struct svcdeps;

/* planner_action_upper(): "CREATE" ... "DELETE"; NULL if out of range. */
const char *svcdeps_action_name(enum planner_action a);
/* Exact upper-case name ("START"); -1 if unknown. */
int svcdeps_action_parse(const char *s,
    enum planner_action *out) LOOMD_MUSTCHECK;
/* planner_action_is_runtime(): INITIALIZE, START, STOP. */
int svcdeps_action_is_runtime(enum planner_action a);
/* planner_action_is_install(): INSTALL, REMOVE. */
int svcdeps_action_is_install(enum planner_action a);

/*
 * Build the resolver of services[0, n) (borrowed for the call only; every
 * string is copied).  A repeated name keeps its last definition (Java's
 * service map: the last copy seen on the nodes wins).  Dependencies on
 * names that are neither services nor provided by one are kept in the
 * minimised sets but lead nowhere.  Cycles never loop: the searches keep
 * visited sets (Java's breadth-first search had none, QUIRK 9); a cycle
 * vanishes in minimisation, as in Java.  Fails on a NULL or empty name or
 * an action bit out of range.  On success *out is new, the caller frees it
 * with svcdeps_free().  Time O(S * (S + D)) for S services and D
 * dependency names.
 */
int svcdeps_new(const struct svcdeps_service *services, size_t n,
    struct svcdeps **out, char err[LOOMD_ERR_LEN]) LOOMD_MUSTCHECK;
/* Free a resolver; NULL is a no-op. */
void svcdeps_free(struct svcdeps *d);

/* Number of distinct services. */
size_t svcdeps_count(const struct svcdeps *d);
/* Name of service i in ascending name order (borrowed from d). */
const char *svcdeps_name(const struct svcdeps *d, size_t i);
/* 1 if name is a service of d. */
int svcdeps_has(const struct svcdeps *d, const char *name);
/* 1 if service name defines action a (0 for an unknown service). */
int svcdeps_defines(const struct svcdeps *d, const char *name,
    enum planner_action a);

/*
 * The provides index (step 1): the services that provide name, other than
 * a service named name itself.  Array borrowed from d, ascending, *n long;
 * NULL with *n = 0 when nobody provides name.
 */
const char *const *svcdeps_providers(const struct svcdeps *d, const char *name,
    size_t *n);

/*
 * The minimised dependencies of service svc in graph g (steps 2-3):
 * provided names replaced by their providers, minus everything reachable
 * from them through other services.  Array borrowed from d, ascending, *n
 * long; NULL with *n = 0 for none or an unknown service.
 */
const char *const *svcdeps_min_deps(const struct svcdeps *d,
    enum svcdeps_graph g, const char *svc, size_t *n);
/* The reversed minimised graph: the services whose minimised g
 * dependencies hold svc.  Same conventions. */
const char *const *svcdeps_min_rdeps(const struct svcdeps *d,
    enum svcdeps_graph g, const char *svc, size_t *n);

/*
 * The direct action dependencies of action `to` of service svc (step 4)
 * over the global action dependencies of section 7.2: for to = START and
 * to = INITIALIZE the STARTs of the nearest runtime dependencies that
 * define START; for to = STOP the STOPs of the nearest services that
 * runtime-depend on svc (the reversed STOP->STOP); for to = INSTALL the
 * INSTALLs of the nearest install dependencies that define INSTALL.
 * Services without the `from` action pass the ordering through; of two
 * found services where one depends on the other only the dependent one
 * is kept.  Empty when svc does not define `to`, for every other action,
 * and for an unknown service.  Array borrowed from d, ordered by service
 * name, *n long (NULL when *n is 0).
 */
const struct svcdeps_action_dep *svcdeps_action_deps(const struct svcdeps *d,
    const char *svc, enum planner_action to, size_t *n);

/*
 * dependsOn (step 5): 1 if a != b and b is reachable from a in the
 * minimised graph g (a must be a service; b may be any name).
 */
int svcdeps_depends_on(const struct svcdeps *d, enum svcdeps_graph g,
    const char *a, const char *b);
/* runtimeDependsOn: svcdeps_depends_on() over the runtime graph. */
int svcdeps_runtime_depends_on(const struct svcdeps *d, const char *a,
    const char *b);

/* The service expansion of a runtime job (JobPlanner.expandServices). */
enum svcdeps_expand {
	SVCDEPS_EXPAND_START = 0, /* plus what they runtime-depend on */
	SVCDEPS_EXPAND_STOP,	  /* plus what depends on them */
	SVCDEPS_EXPAND_RESTART,	  /* as STOP */
};

/*
 * The services a START/STOP/RESTART of services[0, n) affects (section 5):
 * the named services plus, transitively, every service they
 * runtime-depend on (START) or that runtime-depends on them (STOP,
 * RESTART).  Only services of d are returned (names that are on no node
 * are dropped); n = 0 means all services.  On return *out is a new array
 * of *nout names in ascending order, each borrowed from d; the caller
 * frees the array (not the names) with free().  *out is NULL when *nout is
 * 0.  O(S * (S + D)).
 */
void svcdeps_expand(const struct svcdeps *d, enum svcdeps_expand how,
    const char *const *services, size_t n, const char ***out, size_t *nout);

/*
 * The add-services validation of section 4.2 (Solver.validateServicesToAdd)
 * with U = cluster + request, each check in turn:
 * 1. every name of U has a definition in catalogue[0, ncat) (the services
 *    the entity store returned; a repeated name keeps its last definition):
 *    "service <s> does not exist";
 * 2. no requested service is on the cluster already (loomd; Java let it
 *    through and corrupted the layout counts): "service <s> is already on
 *    the cluster";
 * 3. with a non-empty compat (the template's compatible services), every
 *    requested service is in it: "<s1>,<s2> are incompatible with the
 *    cluster";
 * 4. every install.requires and runtime.requires (or dependson) name of
 *    a service of U is in U or provided by one: "<a> requires <b>, which is
 *    not on the cluster or in the list of services to add.", one line per
 *    pair; uses are never required;
 * 5. no service of U names another service of U in its conflicts:
 *    "<a> conflicts with <c>.", one line per pair.
 * Names and lines come in ascending order (Java: hash order), lines
 * joined by "\n".  An empty request gives "Services to add must be
 * specified.".  All arguments are borrowed.  Returns 0 when the request
 * may go on to the layout search, or -1 with *why set to the message (the
 * 400 body; it can be long, so it is a new string the caller frees with
 * free()).
 */
int svcdeps_check_add(const struct svcdeps_service *catalogue, size_t ncat,
    const struct strtab_list *cluster, const struct strtab_list *request,
    const struct strtab_list *compat, char **why) LOOMD_MUSTCHECK;

#endif /* LOOMD_SVCDEPS_H */
