# SPDX-License-Identifier: Apache-2.0
"""db - the mariadb client on a rig node's unix socket, as root, ignoring
every option file; used for counters and diagnostics (milliseconds, not
the seconds of scripts/galera-local sql)."""

import subprocess

CLIENT = ["mariadb", "--no-defaults", "--protocol=socket", "-uroot",
          "--connect-timeout=2"]


def start(socket, stmt, batch=True, vertical=False, extra=()):
    """A running client (Popen) for stmt on socket; read it with finish()."""
    args = CLIENT + ["--socket=%s" % socket]
    if batch:
        args += ["-N", "-B"]
    if vertical:
        args += ["-E"]
    args += list(extra)
    return subprocess.Popen(args + ["-e", stmt], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, errors="replace")


def finish(p, timeout=5.0):
    """(rc, stdout, stderr) of a client from start(); killed on timeout
    (a paused node never answers)."""
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        return 124, out or "", (err or "") + "timed out after %.0f s" % timeout
    return p.returncode, out, err


def query(socket, stmt, timeout=5.0, **kw):
    return finish(start(socket, stmt, **kw), timeout)
