# SPDX-License-Identifier: Apache-2.0
"""haproxy - the HA rig's HAProxy configuration, made from
etc/haproxy.cfg.example: bind and server addresses rewritten to 127.0.0.1
and the rig's ports ("check port N" to the loomd's health listener), the
stats socket moved into the rig directory, logs to standard output, and
no user/group/chroot/daemon (the rig runs HAProxy as a private
foreground process).  Refuses a result that would listen or connect
anywhere but loopback, or that lacks one of the servers dc1..dc3."""

import re


def haproxy_cfg(template, layout, sock):
    """The rig's configuration (text) from the example's text."""
    out = []
    sect = ""
    for line in template.splitlines():
        w = line.split()
        if re.match(r"^[a-z]", line):
            sect = " ".join(w[:2])
        if re.match(r"^[ \t]*(user|group|chroot|daemon)([ \t]|$)", line):
            continue
        if re.match(r"^[ \t]*log /dev/log", line):
            out.append("\tlog stdout format iso local0")
            continue
        if re.match(r"^[ \t]*stats socket ", line):
            out.append("\tstats socket %s mode 600 level admin" % sock)
            continue
        if re.match(r"^[ \t]*bind ", line):
            port = layout.stats_port if sect == "listen stats" \
                else layout.lb_port
            out.append("\tbind 127.0.0.1:%d" % port)
            continue
        m = re.match(r"^[ \t]*server dc([0-9]+) ", line)
        if m:
            n = int(m.group(1))
            parts = ["\tserver", w[1], "127.0.0.1:%d" % layout.port(n)]
            for k in range(3, len(w)):
                if w[k - 1] == "port" and w[k].isdigit():
                    parts.append(str(layout.health_port(n)))
                else:
                    parts.append(w[k])
            out.append(" ".join(parts))
            continue
        out.append(line)
    text = "\n".join(out) + "\n"
    bad = [ln for ln in out
           if re.match(r"^[ \t]*(bind|server)[ \t]", ln) and
           "127.0.0.1:" not in ln]
    if bad:
        raise ValueError("generated HAProxy configuration has non-loopback "
                         "lines: %s" % bad)
    servers = [ln for ln in out
               if re.match(r"^[ \t]*server dc[123] 127\.0\.0\.1:", ln)]
    if len(servers) != 3:
        raise ValueError("the template must have exactly the servers dc1, "
                         "dc2 and dc3")
    return text
