/* SPDX-License-Identifier: Apache-2.0 */
/*
 * planner_action.c - the actions of Loom's planner (Actions.java): the
 * provisioner actions and cluster actions with their upper- and lower-case
 * names (the one name table of the provisioner actions: svcdeps and codec
 * use it too) and the action order of each cluster action.  The action
 * dependencies are the resolver's (svcdeps.c).  Pure: no I/O.
 */
#include "config.h"

#include "planner_int.h"

#include <string.h>

static const char *const planner_action_names_upper[PLANNER_ACTION_COUNT] = {
	"CREATE",
	"CONFIRM",
	"BOOTSTRAP",
	"INSTALL",
	"REMOVE",
	"INITIALIZE",
	"CONFIGURE",
	"START",
	"STOP",
	"DELETE",
};
const char *const planner_action_lower_names[PLANNER_ACTION_COUNT + 1] = {
	"create",
	"confirm",
	"bootstrap",
	"install",
	"remove",
	"initialize",
	"configure",
	"start",
	"stop",
	"delete",
	NULL,
};
static const char
    *const planner_cluster_action_names_upper[PLANNER_CLUSTER_ACTION_COUNT] = {
	    "SOLVE_LAYOUT",
	    "CLUSTER_CREATE",
	    "CLUSTER_DELETE",
	    "CLUSTER_CONFIGURE",
	    "CLUSTER_CONFIGURE_WITH_RESTART",
	    "STOP_SERVICES",
	    "START_SERVICES",
	    "RESTART_SERVICES",
	    "ADD_SERVICES",
    };
static const char
    *const planner_cluster_action_names_lower[PLANNER_CLUSTER_ACTION_COUNT] = {
	    "solve_layout",
	    "cluster_create",
	    "cluster_delete",
	    "cluster_configure",
	    "cluster_configure_with_restart",
	    "stop_services",
	    "start_services",
	    "restart_services",
	    "add_services",
    };

/* Actions.actionOrder. */
static const enum planner_action planner_order_create[] = {
	PLANNER_ACTION_CREATE,
	PLANNER_ACTION_CONFIRM,
	PLANNER_ACTION_BOOTSTRAP,
	PLANNER_ACTION_INSTALL,
	PLANNER_ACTION_CONFIGURE,
	PLANNER_ACTION_INITIALIZE,
	PLANNER_ACTION_START,
};
static const enum planner_action planner_order_delete[] = {
	PLANNER_ACTION_DELETE,
};
static const enum planner_action planner_order_configure[] = {
	PLANNER_ACTION_BOOTSTRAP,
	PLANNER_ACTION_CONFIGURE,
};
static const enum planner_action planner_order_configure_restart[] = {
	PLANNER_ACTION_BOOTSTRAP,
	PLANNER_ACTION_STOP,
	PLANNER_ACTION_CONFIGURE,
	PLANNER_ACTION_START,
};
static const enum planner_action planner_order_stop[] = {
	PLANNER_ACTION_STOP,
};
static const enum planner_action planner_order_start[] = {
	PLANNER_ACTION_START,
};
static const enum planner_action planner_order_restart[] = {
	PLANNER_ACTION_STOP,
	PLANNER_ACTION_START,
};
static const enum planner_action planner_order_add[] = {
	PLANNER_ACTION_BOOTSTRAP,
	PLANNER_ACTION_INSTALL,
	PLANNER_ACTION_CONFIGURE,
	PLANNER_ACTION_INITIALIZE,
	PLANNER_ACTION_START,
};

#define PLANNER_ORDER(o, n) (*(n) = sizeof(o) / sizeof((o)[0]), (o))

/* names[i] if i < n, else NULL. */
static const char *
planner_action_name(const char *const *names, unsigned int i, unsigned int n)
{
	if (i >= n)
		return NULL;
	return names[i];
}

/*
 * Index of s among the n names of upper or lower (upper NULL: lower only),
 * or -1; s NULL gives -1.
 */
static int
planner_action_lookup(const char *s, const char *const *upper,
    const char *const *lower, int n)
{
	int i;

	if (s == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if ((upper != NULL && strcmp(s, upper[i]) == 0) ||
		    strcmp(s, lower[i]) == 0)
			return i;
	}
	return -1;
}

const char *
planner_action_upper(enum planner_action a)
{
	return planner_action_name(planner_action_names_upper, a,
	    PLANNER_ACTION_COUNT);
}

const char *
planner_action_lower(enum planner_action a)
{
	return planner_action_name(planner_action_lower_names, a,
	    PLANNER_ACTION_COUNT);
}

int
planner_action_parse(const char *s, enum planner_action *out)
{
	int i;

	i = planner_action_lookup(s, planner_action_names_upper,
	    planner_action_lower_names, PLANNER_ACTION_COUNT);
	if (i < 0)
		return -1;
	*out = (enum planner_action)i;
	return 0;
}

/* Parse an exact lower-case action name (a provisioner.actions key). */
int
planner_action_parse_lower(const char *s, enum planner_action *out)
{
	int i;

	i = planner_action_lookup(s, NULL, planner_action_lower_names,
	    PLANNER_ACTION_COUNT);
	if (i < 0)
		return -1;
	*out = (enum planner_action)i;
	return 0;
}

int
planner_action_is_hardware(enum planner_action a)
{
	return a == PLANNER_ACTION_CREATE || a == PLANNER_ACTION_CONFIRM ||
	    a == PLANNER_ACTION_BOOTSTRAP || a == PLANNER_ACTION_DELETE;
}

int
planner_action_is_runtime(enum planner_action a)
{
	return a == PLANNER_ACTION_INITIALIZE || a == PLANNER_ACTION_START ||
	    a == PLANNER_ACTION_STOP;
}

int
planner_action_is_install(enum planner_action a)
{
	return a == PLANNER_ACTION_INSTALL || a == PLANNER_ACTION_REMOVE;
}

const char *
planner_cluster_action_upper(enum planner_cluster_action ca)
{
	return planner_action_name(planner_cluster_action_names_upper, ca,
	    PLANNER_CLUSTER_ACTION_COUNT);
}

const char *
planner_cluster_action_lower(enum planner_cluster_action ca)
{
	return planner_action_name(planner_cluster_action_names_lower, ca,
	    PLANNER_CLUSTER_ACTION_COUNT);
}

int
planner_cluster_action_parse(const char *s, enum planner_cluster_action *out)
{
	int i;

	i = planner_action_lookup(s, planner_cluster_action_names_upper,
	    planner_cluster_action_names_lower, PLANNER_CLUSTER_ACTION_COUNT);
	if (i < 0)
		return -1;
	*out = (enum planner_cluster_action)i;
	return 0;
}

const char *
planner_cluster_action_failure_status(enum planner_cluster_action ca)
{
	switch (ca) {
	case PLANNER_SOLVE_LAYOUT:
		return "TERMINATED";
	case PLANNER_CLUSTER_CREATE:
	case PLANNER_CLUSTER_DELETE:
		return "INCOMPLETE";
	case PLANNER_CLUSTER_CONFIGURE:
	case PLANNER_CLUSTER_CONFIGURE_WITH_RESTART:
	case PLANNER_STOP_SERVICES:
	case PLANNER_START_SERVICES:
	case PLANNER_RESTART_SERVICES:
	case PLANNER_ADD_SERVICES:
		return "INCONSISTENT";
	}
	return NULL;
}

const char *
planner_cluster_action_success_status(enum planner_cluster_action ca)
{
	return ca == PLANNER_CLUSTER_DELETE ? "TERMINATED" : "ACTIVE";
}

const enum planner_action *
planner_action_order(enum planner_cluster_action ca, size_t *n)
{
	switch (ca) {
	case PLANNER_CLUSTER_CREATE:
		return PLANNER_ORDER(planner_order_create, n);
	case PLANNER_CLUSTER_DELETE:
		return PLANNER_ORDER(planner_order_delete, n);
	case PLANNER_CLUSTER_CONFIGURE:
		return PLANNER_ORDER(planner_order_configure, n);
	case PLANNER_CLUSTER_CONFIGURE_WITH_RESTART:
		return PLANNER_ORDER(planner_order_configure_restart, n);
	case PLANNER_STOP_SERVICES:
		return PLANNER_ORDER(planner_order_stop, n);
	case PLANNER_START_SERVICES:
		return PLANNER_ORDER(planner_order_start, n);
	case PLANNER_RESTART_SERVICES:
		return PLANNER_ORDER(planner_order_restart, n);
	case PLANNER_ADD_SERVICES:
		return PLANNER_ORDER(planner_order_add, n);
	case PLANNER_SOLVE_LAYOUT:
	default:
		*n = 0;
		return NULL;
	}
}
