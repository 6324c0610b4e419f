# SPDX-License-Identifier: Apache-2.0
"""conf - the loomd configuration of one datacenter of a rig.

Datacenter i is "dci", takes IDs i, i + 10, i + 20 ... (ids.start_num i,
ids.increment_by 10) and talks to Galera node i.  Each command's profile
adds its own settings:

  ha      scripts/ha-local: fixed ports and a health listener, 64 threads,
          short database timeouts, fast health probes and scheduler
  bench   scripts/bench: TCP to the node, a database per row, port 0
  stress  scripts/take-stress: 16 threads, database "stress", port 0
"""

import os


def _value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    return '"%s"' % str(v).replace("\\", "\\\\").replace('"', '\\"')


def _group(name, items, raw=""):
    """name = { k = v; ... }; wrapped as loomd's own files are."""
    parts = ["%s = %s;" % (k, _value(v)) for k, v in items]
    if raw:
        parts.append(raw.strip())
    head = "%s = { " % name
    lines, cur = [], head
    for p in parts:
        if cur != head and len(cur) + len(p) + 1 > 72:
            lines.append(cur.rstrip())
            cur = " " * len(head) + p + " "
        else:
            cur += p + " "
    lines.append(cur + "};")
    return "\n".join(lines)


def loomd_conf(i, galera, profile="ha", db_name=None, db_extra="",
               port=None, health_port=None, dc_dead_after=6,
               task_timeout=15):
    """The text of loomd.conf for datacenter i on GaleraLayout galera."""
    out = []
    if profile == "ha":
        out.append("# loomd of datacenter dc%d in the ha-local rig "
                   "(scripts/ha-local)" % i)
    else:
        out.append("# loomd of datacenter dc%d, written by scripts/%s" % (
            i, {"bench": "bench", "stress": "take-stress"}[profile]))
    out.append('datacenter = "dc%d";' % i)
    if profile == "ha":
        out.append("# threads: every request that waits on a stalled "
                   "cluster (up to\n# db.*_timeout_ms) holds one.  HAProxy "
                   "checks /readyz on health_port, which\n# has a thread "
                   "of its own.")
        out.append(_group("server", [("host", "127.0.0.1"), ("port", port),
                                     ("threads", 64),
                                     ("health_port", health_port)]))
    elif profile == "stress":
        out.append(_group("server", [("host", "127.0.0.1"),
                                     ("threads", 16)]))
    else:
        out.append(_group("server", [("host", "127.0.0.1")]))
    out.append(_group("ids", [("start_num", i), ("increment_by", 10)]))
    if profile == "bench":
        db = [("host", "127.0.0.1"), ("port", galera.sql_port(i))]
    else:
        db = [("socket", galera.socket(i))]
    db += [("user", "loomd"), ("password", "loomd"),
           ("name", db_name or {"ha": "loomd", "stress": "stress",
                                "bench": "loomd"}[profile])]
    if profile == "ha":
        db += [("connect_timeout_ms", 2000), ("read_timeout_ms", 4000),
               ("write_timeout_ms", 4000)]
    out.append(_group("db", db, db_extra))
    if profile == "ha":
        ha = [("dc_dead_after", int(dc_dead_after)),
              ("health_interval_ms", 250), ("job_lease_ms", 5000)]
        # scripts/galera-repro-slownode runs the rig with and without
        # the flow-control relief (docs/ha.md).
        relief = os.environ.get("LOOMD_HA_FC_RELIEF_AFTER_MS", "")
        if relief.isdigit():
            ha.append(("fc_relief_after_ms", int(relief)))
        out.append(_group("ha", ha))
        out.append(_group("scheduler", [("interval_ms", 200)]))
        # Takes wait for work, well inside the provisioners' 5 s
        # request timeout (scripts/ha-local).
        out.append(_group("task", [("timeout_seconds", int(task_timeout)),
                                   ("take_wait_ms", 2000)]))
    elif profile == "bench":
        out.append(_group("ha", [("health_interval_ms", 200)]))
    return "\n".join(out) + "\n"
