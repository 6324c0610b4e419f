# SPDX-License-Identifier: Apache-2.0
"""rig - the one description of loomd's loopback test rigs.

The ports, sockets and directories of the three-node Galera rig
(scripts/galera-local), the three-datacenter loomd rig in front of it
(scripts/ha-local, scripts/failover-drill, scripts/bench,
scripts/take-stress), the loomd configuration of a datacenter and the
rig's HAProxy configuration are derived here and nowhere else.  The
scripts are thin wrappers: bash ones read the layout through
"python3 -m rig" (see rig/__main__.py), Python ones import the package.

Python 3 standard library only.
"""

from .layout import (GaleraLayout, HaLayout, DEFAULTS, galera_from_env,
                     ha_from_env)
from .conf import loomd_conf
from .haproxy import haproxy_cfg

__all__ = ["GaleraLayout", "HaLayout", "DEFAULTS", "galera_from_env",
           "ha_from_env", "loomd_conf", "haproxy_cfg"]
