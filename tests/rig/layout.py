# SPDX-License-Identifier: Apache-2.0
"""layout - ports, sockets and directories of the loopback rigs.

Galera node i (1..3): SQL port port_base + 10 i, gcomm gcomm_base + 10 i,
IST gcomm + 1, rsync SST gcomm + 2; directory DIR/ni with my.cnf,
data/, run/mysqld.sock and error.log.  gcomm_base defaults to
port_base + 1261 (3306 -> 4567, Galera's own default).

Datacenter i of the HA rig: loomd on loomd_port_base + i, its health
listener on loomd_port_base + 100 + i, directory RIG/dci; HAProxy on
lb_port, its stats page on lb_port + 1.

Every port of a rig stays below the kernel's ephemeral range (32768 and
up on Linux): a listener bound late (Galera's IST port when a node
rejoins, a restarted node's SQL port, HAProxy) would otherwise fail with
"Address already in use" when an outgoing connection of a busy machine
holds that port as its local port.
"""

import os

DCS = (1, 2, 3)

# Default port bases and directories of each command, so that the rigs
# of different commands can run side by side.
DEFAULTS = {
    # scripts/galera-local on its own (GALERA.md's recipe)
    "galera-local": {"dir": "/tmp/loomd-galera", "port_base": 3306},
    # scripts/ha-local and scripts/failover-drill
    "ha": {"dir": "/tmp/ha-rig", "galera_dir": "/tmp/ha-galera",
           "port_base": 26306, "gcomm_base": 30567,
           "loomd_port_base": 25054, "lb_port": 25050},
    # scripts/bench
    "bench": {"dir": "/tmp/loomd-bench", "galera_dir": "/tmp/bench-galera",
              "port_base": 28306},
    # scripts/take-stress
    "take-stress": {"dir": "/tmp/loomd-take-stress", "port_base": 23306},
}


def _int(env, name, default):
    v = env.get(name, "")
    if v == "":
        return default
    if not v.isdigit():
        raise ValueError("%s=%r is not a number" % (name, v))
    return int(v)


def _abs(path):
    return os.path.abspath(path).rstrip("/") or "/"


class GaleraLayout:
    """The three Galera nodes of a rig."""

    def __init__(self, base_dir, port_base, gcomm_base=None):
        self.dir = _abs(base_dir)
        self.port_base = int(port_base)
        self.gcomm_base = (self.port_base + 1261 if gcomm_base is None
                           else int(gcomm_base))

    def sql_port(self, i):
        return self.port_base + 10 * i

    def gcomm_port(self, i):
        return self.gcomm_base + 10 * i

    def ist_port(self, i):
        return self.gcomm_port(i) + 1

    def sst_port(self, i):
        return self.gcomm_port(i) + 2

    def node_dir(self, i):
        return os.path.join(self.dir, "n%d" % i)

    def cnf(self, i):
        return os.path.join(self.node_dir(i), "my.cnf")

    def socket(self, i):
        return os.path.join(self.node_dir(i), "run", "mysqld.sock")

    def error_log(self, i):
        return os.path.join(self.node_dir(i), "error.log")

    def data_dir(self, i):
        return os.path.join(self.node_dir(i), "data")

    def ports(self, i):
        return [self.sql_port(i), self.gcomm_port(i), self.ist_port(i),
                self.sst_port(i)]

    def shell(self, prefix="RIG_"):
        """Shell assignments: PORT_BASE, GCOMM_BASE and per node N1_SQL ..."""
        out = [("%sPORT_BASE" % prefix, self.port_base),
               ("%sGCOMM_BASE" % prefix, self.gcomm_base),
               ("%sGALERA_DIR" % prefix, self.dir)]
        for i in DCS:
            p = "%sN%d_" % (prefix, i)
            out += [(p + "SQL", self.sql_port(i)),
                    (p + "GCOMM", self.gcomm_port(i)),
                    (p + "IST", self.ist_port(i)),
                    (p + "SST", self.sst_port(i)),
                    (p + "DIR", self.node_dir(i)),
                    (p + "SOCK", self.socket(i))]
        return out


class HaLayout:
    """The three-datacenter loomd rig (scripts/ha-local)."""

    def __init__(self, rig_dir, galera, loomd_port_base, lb_port):
        self.dir = _abs(rig_dir)
        self.galera = galera
        self.loomd_port_base = int(loomd_port_base)
        self.lb_port = int(lb_port)

    def port(self, i):
        return self.loomd_port_base + i

    def health_port(self, i):
        return self.loomd_port_base + 100 + i

    @property
    def stats_port(self):
        return self.lb_port + 1

    def url(self, i):
        return "http://127.0.0.1:%d" % self.port(i)

    def health_url(self, i):
        return "http://127.0.0.1:%d" % self.health_port(i)

    @property
    def lb_url(self):
        return "http://127.0.0.1:%d" % self.lb_port

    @property
    def stats_url(self):
        return "http://127.0.0.1:%d/stats" % self.stats_port

    def dc_dir(self, i):
        return os.path.join(self.dir, "dc%d" % i)

    def ports(self):
        return [self.lb_port, self.stats_port] + \
            [p for i in DCS for p in (self.port(i), self.health_port(i))]

    def shell(self, prefix="RIG_"):
        out = [("%sLB_PORT" % prefix, self.lb_port),
               ("%sSTATS_PORT" % prefix, self.stats_port),
               ("%sLOOMD_PORT_BASE" % prefix, self.loomd_port_base)]
        for i in DCS:
            out += [("%sDC%d_PORT" % (prefix, i), self.port(i)),
                    ("%sDC%d_HEALTH_PORT" % (prefix, i),
                     self.health_port(i)),
                    ("%sDC%d_DIR" % (prefix, i), self.dc_dir(i))]
        return out + self.galera.shell(prefix)


def galera_from_env(env=None, who="galera-local", base_dir=None):
    """The Galera layout from LOOMD_GALERA_DIR / _PORT_BASE / _GCOMM_BASE,
    with the defaults of the command `who`."""
    env = os.environ if env is None else env
    d = DEFAULTS[who]
    base = _int(env, "LOOMD_GALERA_PORT_BASE", d["port_base"])
    gcomm = _int(env, "LOOMD_GALERA_GCOMM_BASE", d.get("gcomm_base"))
    gdir = base_dir or env.get("LOOMD_GALERA_DIR") or \
        d.get("galera_dir") or d["dir"]
    return GaleraLayout(gdir, base, gcomm)


def ha_from_env(env=None):
    """The HA rig's layout from LOOMD_HA_* (see scripts/ha-local)."""
    env = os.environ if env is None else env
    d = DEFAULTS["ha"]
    galera = GaleraLayout(
        env.get("LOOMD_HA_GALERA_DIR") or d["galera_dir"],
        _int(env, "LOOMD_HA_GALERA_PORT_BASE", d["port_base"]),
        _int(env, "LOOMD_HA_GALERA_GCOMM_BASE", d["gcomm_base"]))
    return HaLayout(env.get("LOOMD_HA_DIR") or d["dir"], galera,
                    _int(env, "LOOMD_HA_PORT_BASE", d["loomd_port_base"]),
                    _int(env, "LOOMD_HA_LB_PORT", d["lb_port"]))
