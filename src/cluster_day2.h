/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cluster_day2.h - the request side of the day-2 cluster operations
 * (LOOM-0.9.7-OPS.md sections 1-5): read a cluster's config, reconfigure
 * it, add services to it, and start, stop or restart its services.  Each
 * write is one transaction through db_tx_run() under the cluster row's
 * lock (SELECT ... FOR UPDATE): visibility (404), the status rule of
 * section 2.1 (409), then a new job RUNNING with its planned services,
 * the cluster PENDING with the job as its latest.  The job pipeline plans
 * it (jobs_plan.c; ADD_SERVICES first lays the services out, jobs_addsvc.c).
 * Writes that carry an Idempotency-Key are answered once (idem_store).
 *
 * Every operation answers in a struct domain_out the caller zeroes before
 * and frees the body of after.
 */
#ifndef LOOMD_CLUSTER_DAY2_H
#define LOOMD_CLUSTER_DAY2_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "cluster_store.h"
#include "domain.h"
#include "planner.h"

struct idem_store_key;

/* Statuses of section 2.1 (409 bodies, exact). */
#define CLUSTER_DAY2_NOT_CONFIGURABLE "Cluster is not in a configurable state."
#define CLUSTER_DAY2_NOT_ACTIONABLE \
	"Cluster is not in a state where service actions can be performed."

/* GET /clusters/{id}/config: the body is the cluster's config ({}). */
void cluster_day2_config(const struct cluster_store_user *u, int64_t id,
    struct domain_out *out);

/*
 * PUT /clusters/{id}/config (section 3.3): config (a JSON object,
 * borrowed) replaces the cluster's config now, and a CLUSTER_CONFIGURE
 * (restart false) or CLUSTER_CONFIGURE_WITH_RESTART job is requested.
 * Allowed from ACTIVE and INCONSISTENT.
 */
void cluster_day2_reconfigure(const struct cluster_store_user *u, int64_t id,
    struct json_object *config, bool restart,
    const struct idem_store_key *idem, struct domain_out *out);

/*
 * POST /clusters/{id}/services (section 4.2): services[0, n) (borrowed)
 * are checked against the catalogue and the cluster's template
 * (svcdeps_check_add(); DOMAIN_INVALID with its message), then an
 * ADD_SERVICES job plans them.  Allowed from ACTIVE only.
 */
void cluster_day2_add_services(const struct cluster_store_user *u, int64_t id,
    const char *const *services, size_t n, const struct idem_store_key *idem,
    struct domain_out *out);

/*
 * POST /clusters/{id}/services[/{svc}]/{start,stop,restart} (section 5):
 * ca is PLANNER_START_SERVICES, PLANNER_STOP_SERVICES or
 * PLANNER_RESTART_SERVICES; svc (borrowed, NULL: all services) must be a
 * service of the cluster (404 otherwise).  Allowed from ACTIVE only.
 */
void cluster_day2_service_action(const struct cluster_store_user *u,
    int64_t id, const char *svc, enum planner_cluster_action ca,
    const struct idem_store_key *idem, struct domain_out *out);

/*
 * In a transaction: the catalogue's services (entities of kind "services"),
 * each doc parsed (a corrupt one left out), as a new JSON array in *out
 * that the caller puts; the catalogue of the add-services checks.
 */
enum db_status cluster_day2_services_tx(struct db_conn *c,
    struct json_object **out);

#endif /* LOOMD_CLUSTER_DAY2_H */
