# SPDX-License-Identifier: Apache-2.0
"""python3 -m rig COMMAND ... (with the tests directory on PYTHONPATH):
the rig library for the bash scripts.

  galera-layout [--dir D] [--port-base B] [--gcomm-base G] [--who W]
      shell assignments RIG_PORT_BASE, RIG_GCOMM_BASE, RIG_GALERA_DIR and
      per node RIG_N{1,2,3}_{SQL,GCOMM,IST,SST,DIR,SOCK}; what is not
      given comes from LOOMD_GALERA_* and then command W's defaults
  ha-layout HA-OPTIONS
      the same plus RIG_LB_PORT, RIG_STATS_PORT, RIG_DC{1,2,3}_PORT,
      RIG_DC{1,2,3}_HEALTH_PORT, RIG_DC{1,2,3}_DIR
  loomd-conf --profile ha|bench|stress --dc I [--db NAME] [--db-extra TEXT]
             [--dead-after S] [--task-timeout S] GALERA-OR-HA-OPTIONS
      loomd.conf of datacenter I on standard output
  haproxy-cfg --template FILE --sock PATH HA-OPTIONS
      the rig's HAProxy configuration on standard output
  counters [--dir D] [--port-base B] [--on-usr1] [--jobs-db DB] OUT
      server counters into OUT.0 now (with --on-usr1: on SIGUSR1), OUT.1
      and the deltas OUT.json on SIGINT/SIGTERM (scripts/bench); with
      --jobs-db, loomd_solved: the solved clusters of loomd's database DB
  diag [--dir D] [--port-base B] OUT_DIR LABEL
      diagnostics of every node into OUT_DIR/LABEL-nI.txt
  statements [--units N] [--top K] [--width W] LOG
      the Execute and Query statements of the MariaDB general log LOG,
      counted by kind (literals as ?), most frequent first, per unit
      when N units of work were done in the window

HA-OPTIONS: --rig-dir --dir (Galera) --port-base --gcomm-base
--loomd-port-base --lb-port; missing ones come from LOOMD_HA_* and the
defaults of scripts/ha-local.
"""

import argparse
import os
import sys

from . import layout, conf, haproxy, counters, diag, statements


def q(v):
    return "'%s'" % str(v).replace("'", "'\\''")


def galera_of(a, who="galera-local"):
    g = layout.galera_from_env(who=who)
    return layout.GaleraLayout(
        a.dir or g.dir,
        a.port_base if a.port_base is not None else g.port_base,
        a.gcomm_base if a.gcomm_base is not None else (
            g.gcomm_base if a.port_base is None else None))


def ha_of(a):
    h = layout.ha_from_env()
    g = layout.GaleraLayout(
        a.dir or h.galera.dir,
        a.port_base if a.port_base is not None else h.galera.port_base,
        a.gcomm_base if a.gcomm_base is not None else h.galera.gcomm_base)
    return layout.HaLayout(
        a.rig_dir or h.dir, g,
        a.loomd_port_base if a.loomd_port_base is not None
        else h.loomd_port_base,
        a.lb_port if a.lb_port is not None else h.lb_port)


def add_galera(p):
    p.add_argument("--dir", help="Galera base directory")
    p.add_argument("--port-base", type=int)
    p.add_argument("--gcomm-base", type=int)
    p.add_argument("--who", default="galera-local",
                   choices=sorted(layout.DEFAULTS))


def add_ha(p):
    add_galera(p)
    p.add_argument("--rig-dir")
    p.add_argument("--loomd-port-base", type=int)
    p.add_argument("--lb-port", type=int)


def main(argv):
    ap = argparse.ArgumentParser(prog="python3 -m rig",
                                 description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    add_galera(sub.add_parser("galera-layout"))
    add_ha(sub.add_parser("ha-layout"))
    p = sub.add_parser("loomd-conf")
    add_ha(p)
    p.add_argument("--profile", required=True,
                   choices=["ha", "bench", "stress"])
    p.add_argument("--dc", type=int, required=True, choices=[1, 2, 3])
    p.add_argument("--db")
    p.add_argument("--db-extra", default="")
    p.add_argument("--dead-after", type=int, default=6)
    p.add_argument("--task-timeout", type=int, default=15)
    p = sub.add_parser("haproxy-cfg")
    add_ha(p)
    p.add_argument("--template", required=True)
    p.add_argument("--sock", required=True)
    p = sub.add_parser("counters")
    add_galera(p)
    p.add_argument("--on-usr1", action="store_true")
    p.add_argument("--jobs-db")
    p.add_argument("out")
    p = sub.add_parser("diag")
    add_galera(p)
    p.add_argument("out_dir")
    p.add_argument("label")
    p = sub.add_parser("statements")
    p.add_argument("--units", type=float)
    p.add_argument("--top", type=int, default=30)
    p.add_argument("--width", type=int, default=100)
    p.add_argument("log")
    a = ap.parse_args(argv)

    try:
        if a.cmd == "galera-layout":
            for k, v in galera_of(a, a.who).shell():
                print("%s=%s" % (k, q(v)))
        elif a.cmd == "ha-layout":
            for k, v in ha_of(a).shell():
                print("%s=%s" % (k, q(v)))
        elif a.cmd == "loomd-conf":
            if a.profile == "ha":
                h = ha_of(a)
                g = h.galera
                port, hport = h.port(a.dc), h.health_port(a.dc)
            else:
                g = galera_of(a, "bench" if a.profile == "bench"
                              else "take-stress")
                port = hport = None
            sys.stdout.write(conf.loomd_conf(
                a.dc, g, a.profile, db_name=a.db, db_extra=a.db_extra,
                port=port, health_port=hport, dc_dead_after=a.dead_after,
                task_timeout=a.task_timeout))
        elif a.cmd == "haproxy-cfg":
            with open(a.template) as f:
                sys.stdout.write(haproxy.haproxy_cfg(f.read(), ha_of(a),
                                                     a.sock))
        elif a.cmd == "counters":
            return counters.sample(galera_of(a, a.who), a.out, a.on_usr1,
                                   a.jobs_db)
        elif a.cmd == "statements":
            with open(a.log, errors="replace") as f:
                c = statements.count(f, a.width)
            for line in statements.table(c, a.units, a.top):
                print(line)
        elif a.cmd == "diag":
            res = diag.snapshot(galera_of(a, a.who), a.out_dir, a.label)
            for i, r in sorted(res.items()):
                print("n%d %s" % (i, r))
    except (ValueError, OSError) as e:
        print("rig: error: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
