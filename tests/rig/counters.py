# SPDX-License-Identifier: Apache-2.0
"""counters - server counters of the three Galera nodes, summed, around a
measured window (scripts/bench's db_counters and db_per_unit).

"python3 -m rig counters OUT" snapshots them into OUT.0 at once and into
OUT.1 on SIGINT or SIGTERM (loom-bench --during stops it so at the end of
its window), then writes the deltas as a JSON object to OUT.json, with
"window_s": the seconds between the middles of the two snapshots.  With
--on-usr1 the first snapshot waits for SIGUSR1 (OUT.ready tells that the
process listens): started ahead, it answers at once, where a Python start
can take seconds on a busy machine.  On a
busy machine the first snapshot can come a second or more after the load
generator's window opened, so a count per unit of work is the delta over
(rate x window_s), not over the generator's own count.

With --jobs-db DB, "loomd_solved" is added: the SOLVE_LAYOUT jobs of
loomd's database DB that are COMPLETE, read on node 1 (the create rows'
solves run behind the POSTs they count)."""

import json
import os
import re
import signal
import time

from . import db

COUNTERS = ("Questions", "Com_commit", "wsrep_replicated",
            "wsrep_replicated_bytes", "Innodb_row_lock_waits",
            "Innodb_row_lock_time", "wsrep_local_cert_failures",
            "wsrep_local_bf_aborts", "wsrep_causal_reads")


def snapshot(galera, jobs_db=None):
    """{name: value summed over the nodes}; the queries run at once."""
    stmt = "SHOW GLOBAL STATUS WHERE Variable_name IN (%s)" % ", ".join(
        "'%s'" % c for c in COUNTERS)
    procs = [db.start(galera.socket(i), stmt) for i in (1, 2, 3)]
    if jobs_db is not None:
        procs.append(db.start(galera.socket(1),
                              "SELECT 'loomd_solved', COUNT(*) FROM `%s`.jobs "
                              "WHERE action = 'SOLVE_LAYOUT' AND status = "
                              "'COMPLETE'" % jobs_db))
    total = {}
    for p in procs:
        rc, out, _ = db.finish(p)
        for line in out.splitlines():
            w = line.split("\t")
            if len(w) == 2 and w[1].lstrip("-").isdigit():
                total[w[0]] = total.get(w[0], 0) + int(w[1])
    return total


def write(path, snap):
    with open(path, "w") as f:
        for k in sorted(snap):
            f.write("%s %d\n" % (k, snap[k]))


def delta(a, b):
    return {k: b[k] - a[k] for k in sorted(a) if k in b}


def sample(galera, out, on_usr1=False, jobs_db=None):
    """Snapshot now (or on SIGUSR1), wait for SIGINT/SIGTERM, snapshot,
    write the delta.  Stopped before the first snapshot: nothing written,
    exit 1."""
    if jobs_db is not None and not re.fullmatch(r"[A-Za-z0-9_]+", jobs_db):
        raise ValueError("--jobs-db: not a database name: %r" % jobs_db)
    stop = []
    go = []

    def on_signal(signum, frame):
        stop.append(signum)

    def on_go(signum, frame):
        go.append(signum)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGUSR1, on_go)
    if on_usr1:
        with open(out + ".ready", "w") as f:
            f.write("%d\n" % os.getpid())
    while on_usr1 and not go:
        if stop:
            return 1
        time.sleep(0.01)
    t0 = time.monotonic()
    first = snapshot(galera, jobs_db)
    t1 = time.monotonic()
    write(out + ".0", first)
    while not stop:
        time.sleep(0.05)
    t2 = time.monotonic()
    last = snapshot(galera, jobs_db)
    t3 = time.monotonic()
    write(out + ".1", last)
    d = delta(first, last)
    d["window_s"] = round((t2 + t3) / 2 - (t0 + t1) / 2, 3)
    with open(out + ".json", "w") as f:
        json.dump(d, f)
        f.write("\n")
    return 0
