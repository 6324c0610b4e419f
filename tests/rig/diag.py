# SPDX-License-Identifier: Apache-2.0
"""diag - what each Galera node was doing, for a stall's post-mortem:
SHOW ENGINE INNODB STATUS, SHOW FULL PROCESSLIST,
information_schema.INNODB_TRX and INNODB_LOCK_WAITS (with the waiting and
the blocking transaction), and every wsrep status variable (among them
wsrep_flow_control_paused, wsrep_local_recv_queue, wsrep_local_send_queue,
wsrep_local_bf_aborts).  One file per node and snapshot; a node that does
not answer within the timeout (killed, paused) gets a file saying so."""

import os
import time

from . import db

SECTIONS = (
    ("wsrep status", "SHOW GLOBAL STATUS LIKE 'wsrep%'", False),
    ("processlist", "SHOW FULL PROCESSLIST", False),
    ("information_schema.INNODB_TRX",
     "SELECT trx_id, trx_state, trx_started, trx_requested_lock_id, "
     "trx_wait_started, trx_weight, trx_mysql_thread_id, trx_query, "
     "trx_operation_state, trx_tables_locked, trx_lock_structs, "
     "trx_rows_locked, trx_rows_modified, trx_isolation_level "
     "FROM information_schema.INNODB_TRX ORDER BY trx_started", False),
    ("information_schema.INNODB_LOCK_WAITS",
     "SELECT w.requesting_trx_id, r.trx_mysql_thread_id AS waiting_thread, "
     "r.trx_query AS waiting_query, w.blocking_trx_id, "
     "b.trx_mysql_thread_id AS blocking_thread, "
     "b.trx_query AS blocking_query, b.trx_started AS blocking_since "
     "FROM information_schema.INNODB_LOCK_WAITS w "
     "JOIN information_schema.INNODB_TRX r ON r.trx_id = w.requesting_trx_id "
     "JOIN information_schema.INNODB_TRX b ON b.trx_id = w.blocking_trx_id",
     False),
    ("SHOW ENGINE INNODB STATUS", "SHOW ENGINE INNODB STATUS", True),
)


def snapshot(galera, out_dir, label, timeout=4.0):
    """Snapshot every node at once into out_dir/LABEL-nI.txt; returns
    {node: "ok" or the error}."""
    os.makedirs(out_dir, exist_ok=True)
    stmt = ";\n".join("SELECT '==== %s' AS ``" % name + ";\n" + q
                      for name, q, _ in SECTIONS)
    procs = {}
    t = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    for i in (1, 2, 3):
        # -t: tables with headers, readable by people; -r (raw): INNODB
        # STATUS keeps its newlines.
        procs[i] = db.start(galera.socket(i), stmt, batch=False,
                            extra=("-t", "-r"))
    result = {}
    for i, p in procs.items():
        rc, out, err = db.finish(p, timeout)
        path = os.path.join(out_dir, "%s-n%d.txt" % (label, i))
        with open(path, "w") as f:
            f.write("# node %d at %s (%s)\n" % (i, t, label))
            if rc != 0:
                f.write("# client exit %d: %s\n" % (rc, err.strip()))
            f.write(out)
        result[i] = "ok" if rc == 0 else (err.strip().splitlines() or
                                          ["exit %d" % rc])[-1]
    return result
