#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""test_rig.py - the rig library against the real programs: every loomd
configuration it writes passes "loomd -t", the rig's HAProxy configuration
made from etc/haproxy.cfg.example passes "haproxy -c" and keeps the
example's retry rules, and the layouts keep the documented ports
(docs/rigs.md, docs/ha.md); the general-log counter of bench
--statements counts a log's statements by kind.  Exit 0 when all hold,
1 otherwise, 77 (skipped) when loomd is not built."""

import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.realpath(__file__))
SRC = os.environ.get("LOOMD_SRCDIR") or os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))
import rig  # noqa: E402
from rig import noise  # noqa: E402

failures = []


def expect(ok, what):
    print("%s: %s" % ("ok" if ok else "FAIL", what))
    if not ok:
        failures.append(what)


# A general log as mariadbd writes it: the header, entries with and
# without a time stamp, a query over two lines, and commands that are
# not statements (Connect, Prepare, Close stmt, Quit).
GLOG = """mariadbd, Version: 10.11 (Debian 12). started with:
Tcp port: 3306  Unix socket: /run/mysqld/mysqld.sock
Time\t\t    Id Command\tArgument
261207 16:17:54\t    75 Connect\tloomd@localhost on db using TCP/IP
\t\t    75 Prepare\tSELECT doc FROM nodes WHERE id = ?
\t\t    75 Execute\tSELECT doc FROM nodes WHERE id = 'n-1'
\t\t    76 Execute\tSELECT doc FROM nodes WHERE id = 'it''s 2'
261207 16:17:55\t    75 Query\tSTART TRANSACTION
\t\t    75 Execute\tUPDATE jobs SET version = version + 1, lease_until = 170
\t\t    75 Query\tSELECT a,
  b FROM t WHERE x = -2.5
\t\t    75 Query\tCOMMIT
\t\t    75 Close stmt\t
\t\t    76 Quit\t
"""


def check_statements():
    """The general log counter of scripts/bench --statements."""
    from rig import statements
    c = statements.count(GLOG.splitlines(True))
    expect(c == {"SELECT doc FROM nodes WHERE id = ?": 2,
                 "START TRANSACTION": 1, "COMMIT": 1,
                 "UPDATE jobs SET version = version + ?, lease_until = ?": 1,
                 "SELECT a, b FROM t WHERE x = ?": 1},
           "statements: Execute and Query entries by kind, literals as ?, "
           "a continuation joined (%s)" % c)
    t = statements.table(c, units=2, top=2)
    expect(t[1].split() == ["2", "1.00", "SELECT", "doc", "FROM", "nodes",
                            "WHERE", "id", "=", "?"] and
           t[-2].split()[:2] == ["3", "1.50"] and
           t[-1].split()[:2] == ["6", "3.00"],
           "statements table: most frequent first, per unit, the rest and "
           "the total (%s)" % t)
    t = statements.table(c)
    expect(all(ln.split()[1] == "-" for ln in t[1:]),
           "statements table without units: no per-unit figure")


def main():
    loomd = os.environ.get("LOOMD_BIN") or os.path.join(SRC, "src", "loomd")
    if not os.access(loomd, os.X_OK):
        print("test_rig: skipped (no loomd at %s; set LOOMD_BIN)" % loomd)
        return 77
    env = {}
    g = rig.galera_from_env(env)
    expect([g.sql_port(i) for i in (1, 2, 3)] == [3316, 3326, 3336] and
           [g.gcomm_port(i) for i in (1, 2, 3)] == [4577, 4587, 4597] and
           g.ist_port(1) == 4578 and g.sst_port(1) == 4579,
           "galera-local's default ports (GALERA.md)")
    h = rig.ha_from_env(env)
    expect(h.galera.sql_port(1) == 26316 and h.galera.gcomm_port(3) == 30597
           and h.port(2) == 25056 and h.health_port(2) == 25156 and
           h.lb_port == 25050 and h.stats_port == 25051,
           "ha-local's default ports (docs/ha.md)")
    b = rig.galera_from_env(env, who="bench")
    expect(b.sql_port(1) == 28316 and b.gcomm_port(1) == 29577,
           "bench's default ports")
    every = set()
    for lay in (h.galera, b, rig.galera_from_env(env, who="take-stress")):
        every.update(p for i in (1, 2, 3) for p in lay.ports(i))
    every.update(h.ports())
    expect(max(every) < 32768, "every default port below the ephemeral "
           "range (highest %d)" % max(every))
    with tempfile.TemporaryDirectory(prefix="loomd-rig-") as d:
        for profile, lay in (("ha", h.galera), ("bench", b),
                             ("stress", g)):
            for i in (1, 2, 3):
                path = os.path.join(d, "%s-dc%d.conf" % (profile, i))
                with open(path, "w") as f:
                    f.write(rig.loomd_conf(
                        i, lay, profile, port=h.port(i),
                        health_port=h.health_port(i),
                        db_extra="sync_wait = false;"
                        if profile == "bench" else ""))
                p = subprocess.run([loomd, "-t", "-c", path],
                                   capture_output=True, text=True)
                expect(p.returncode == 0, "loomd -t accepts the %s profile "
                       "of dc%d%s" % (profile, i, "" if p.returncode == 0
                                      else ": " + p.stderr.strip()))
        with open(os.path.join(SRC, "etc", "haproxy.cfg.example")) as f:
            tmpl = f.read()
        cfg = rig.haproxy_cfg(tmpl, h, os.path.join(d, "haproxy.sock"))
        for line in ("retry-on conn-failure empty-response response-timeout "
                     "503", "retries 3", "option redispatch 1",
                     "option http-buffer-request",
                     "http-request disable-l7-retry if loom_write "
                     "!loom_keyed",
                     "server dc2 127.0.0.1:25056 check port 25156",
                     "bind 127.0.0.1:25050", "bind 127.0.0.1:25051"):
            expect(("\t" + line + "\n") in cfg or
                   ("\t" + line + " ") in cfg,
                   "rig HAProxy configuration has '%s'" % line)
        live = "\n".join(ln for ln in cfg.splitlines()
                          if not ln.lstrip().startswith("#"))
        expect(not any(w in live for w in ("daemon", "chroot", "10.0.")),
               "rig HAProxy configuration: no daemon, chroot or example "
               "address")
        bad = tmpl.replace("server dc3 ", "server dcX ")
        try:
            rig.haproxy_cfg(bad, h, "/tmp/x.sock")
            expect(False, "a template without dc3 is refused")
        except ValueError:
            expect(True, "a template without dc3 is refused")
        hp = subprocess.run(["sh", "-c", "command -v haproxy"],
                            capture_output=True, text=True).stdout.strip()
        if hp:
            path = os.path.join(d, "haproxy.cfg")
            with open(path, "w") as f:
                f.write(cfg)
            p = subprocess.run([hp, "-c", "-q", "-f", path],
                               capture_output=True, text=True)
            expect(p.returncode == 0, "haproxy -c accepts the rig's "
                   "configuration%s" % ("" if p.returncode == 0 else
                                        ": " + p.stderr.strip()))
        else:
            print("note: haproxy not installed; haproxy -c not run")
        # --load-noise build: every part starts, ends by itself within
        # its time, and leaves nothing behind.
        nd = os.path.join(d, "noise")
        os.mkdir(nd)
        n = noise.Noise(2, nd, "build")
        pids = n.start()
        codes = []
        for proc in n.procs:
            try:
                codes.append(proc.wait(timeout=60))
            except subprocess.TimeoutExpired:
                codes.append(None)
        n.stop()
        expect(len(pids) == 7 and codes == [0] * 7,
               "build noise: 7 processes that end by themselves (%s)" % codes)
        expect(os.listdir(nd) == [], "build noise leaves no file behind "
               "(%s)" % os.listdir(nd))
        try:
            noise.Noise(1, nd, "nonsense")
            expect(False, "an unknown noise kind is refused")
        except ValueError:
            expect(True, "an unknown noise kind is refused")
    check_statements()
    print("%d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
