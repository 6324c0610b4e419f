# SPDX-License-Identifier: Apache-2.0
"""statements.py - the statements of a MariaDB general log, counted by
kind: what scripts/bench --statements prints for a row's measured window.

A general log line is "[date time]\\tID COMMAND\\tARGUMENT"; a statement's
continuation lines (a multi-line query) carry no command and are joined
to it.  Only Execute (a prepared statement run) and Query (text
protocol) lines are statements; Prepare, Close stmt, Connect and Quit
are not.  A statement's kind is its text with string and number
literals replaced by ?, white space folded, cut to a width."""

import re

_CMD = re.compile(r"^(?:\d{6}\s+\d{1,2}:\d\d:\d\d)?\s+\d+\s+(\w[\w ]*?)\t(.*)$")
_STR = re.compile(r"'(?:[^'\\]|\\.|'')*'|\"(?:[^\"\\]|\\.)*\"")
_NUM = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])")
_WS = re.compile(r"\s+")
COUNTED = ("Execute", "Query")


def kind(text, width=100):
    """The kind of statement text: literals as ?, white space folded."""
    t = _STR.sub("?", text)
    t = _NUM.sub("?", t)
    t = _WS.sub(" ", t).strip()
    return t[:width]


def entries(lines):
    """(command, text) of each entry of the log lines, continuations
    joined to their entry; the header lines are skipped."""
    cmd, text = None, None
    for line in lines:
        line = line.rstrip("\n")
        m = _CMD.match(line)
        if m:
            if cmd is not None:
                yield cmd, text
            cmd, text = m.group(1), m.group(2)
        elif cmd is not None:
            text += "\n" + line
    if cmd is not None:
        yield cmd, text


def count(lines, width=100):
    """{kind: count} of the Execute and Query entries of the lines."""
    c = {}
    for cmd, text in entries(lines):
        if cmd in COUNTED:
            k = kind(text, width)
            c[k] = c.get(k, 0) + 1
    return c


def table(counts, units=None, top=30):
    """Lines of a table, most frequent first: count, per unit (when units
    is a positive number) and kind; then the total."""
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    total = sum(counts.values())
    per = (lambda n: "%.2f" % (n / units)) if units else (lambda n: "-")
    out = ["%8s  %8s  %s" % ("count", "per unit", "statement")]
    for k, n in rows[:top]:
        out.append("%8d  %8s  %s" % (n, per(n), k))
    if len(rows) > top:
        rest = sum(n for _, n in rows[top:])
        out.append("%8d  %8s  (%d other kinds)" % (rest, per(rest),
                                                   len(rows) - top))
    out.append("%8d  %8s  all statements" % (total, per(total)))
    return out
