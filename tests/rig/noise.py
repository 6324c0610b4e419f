# SPDX-License-Identifier: Apache-2.0
"""noise - a loaded machine on demand (failover-drill --load-noise): one
CPU burner and one disk writer that rewrites a 32 MB file in 64 kB
writes, each followed by an fsync (at most 500 a second).  Each is a
process of its own that ends by itself after `seconds` (so nothing
outlives a drill that is killed) or when stopped.

kind "build" (--load-noise build) adds what a machine busy with builds
and package installs does: three compile loops (the C compiler on a
small file, again and again: many short processes, fork/exec churn), an
unpacker that writes, fsyncs and renames batches of small files and then
deletes them (as dpkg does), and a reader that reads a 256 MB file
through and drops it from the page cache after each pass (reads that
always go to the disk, page cache churn)."""

import glob
import os
import shutil
import subprocess
import sys

_BURNER = r"""
import time, sys
end = time.monotonic() + float(sys.argv[1])
x = 0
while time.monotonic() < end:
    for _ in range(100000):
        x = (x * 1103515245 + 12345) & 0x7fffffff
"""

_WRITER = r"""
import os, sys, time
end = time.monotonic() + float(sys.argv[1])
path = sys.argv[2]
block = os.urandom(64 << 10)
written = 0
try:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    while time.monotonic() < end:
        t = time.monotonic()
        os.lseek(fd, (written % 512) * len(block), 0)
        os.write(fd, block)
        os.fsync(fd)
        written += 1
        # at most 500 fsyncs (32 MB) a second: heavy, yet not a
        # saturated disk that starves every other program
        time.sleep(max(0.0, 0.002 - (time.monotonic() - t)))
finally:
    try:
        os.unlink(path)
    except OSError:
        pass
print("noise: %d fsync'ed writes of 64 kB" % written, file=sys.stderr)
"""


# The start of the build noise's programs: stop() (SIGTERM) still runs
# their finally clauses, which remove their files.
_PRELUDE = r"""
import os, shutil, signal, subprocess, sys, tempfile, time
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
end = time.monotonic() + float(sys.argv[1])
"""

_COMPILER = _PRELUDE + r"""
cc = shutil.which("cc") or shutil.which("gcc")
d = tempfile.mkdtemp(prefix="noise-cc-", dir=sys.argv[2])
src = os.path.join(d, "n.c")
n = 0
try:
    while time.monotonic() < end:
        with open(src, "w") as f:
            f.write("static int a[64];\n")
            for i in range(10):
                f.write("int f%d(int x) { for (int i = 0; i < 64; i++) "
                        "a[i] = a[(i * %d) %% 64] + x * i; return a[%d]; }\n"
                        % (i, i + 3, i % 64))
        if cc:
            subprocess.call([cc, "-O2", "-c", src, "-o", src + ".o"],
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
        else:
            for _ in range(20):
                subprocess.call(["sh", "-c", ":"])
        n += 1
finally:
    shutil.rmtree(d, ignore_errors=True)
print("noise: %d compiles" % n, file=sys.stderr)
"""

_UNPACKER = _PRELUDE + r"""
d = os.path.join(sys.argv[2], "noise-unpack-%d" % os.getpid())
blobs = [os.urandom(s) for s in (4 << 10, 16 << 10, 64 << 10)]
n = 0
try:
    while time.monotonic() < end:
        os.makedirs(d, exist_ok=True)
        for i in range(200):
            tmp = os.path.join(d, "f%d.dpkg-new" % i)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.write(fd, blobs[i % 3])
            os.fsync(fd)
            os.close(fd)
            os.rename(tmp, os.path.join(d, "f%d" % i))
            n += 1
        fd = os.open(d, os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)
        shutil.rmtree(d)
        time.sleep(0.05)
finally:
    shutil.rmtree(d, ignore_errors=True)
print("noise: %d files unpacked" % n, file=sys.stderr)
"""

_READER = _PRELUDE + r"""
path = sys.argv[2]
chunk = os.urandom(1 << 20)
passes = 0
try:
    with open(path, "wb") as f:
        for _ in range(256):
            f.write(chunk)
            if time.monotonic() >= end:
                break
    fd = os.open(path, os.O_RDONLY)
    while time.monotonic() < end:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        os.lseek(fd, 0, 0)
        while time.monotonic() < end and os.read(fd, 1 << 20):
            pass
        passes += 1
    os.close(fd)
finally:
    if os.path.exists(path):
        os.unlink(path)
print("noise: %d passes over 256 MB" % passes, file=sys.stderr)
"""

KINDS = ("basic", "build")


class Noise:
    def __init__(self, seconds, work_dir, kind="basic"):
        if kind not in KINDS:
            raise ValueError("noise kind %r: one of %s" % (kind, KINDS))
        self.seconds = float(seconds)
        self.work_dir = work_dir
        self.path = os.path.join(work_dir, "noise.dat")
        self.kind = kind
        self.procs = []

    def describe(self):
        if self.kind == "build":
            return ("CPU burner, disk writer, 3 compile loops, file "
                    "unpacker, page cache reader")
        return "CPU burner and disk writer"

    def start(self):
        jobs = [(_BURNER, []), (_WRITER, [self.path])]
        if self.kind == "build":
            jobs += [(_COMPILER, [self.work_dir])] * 3
            jobs += [(_UNPACKER, [self.work_dir]),
                     (_READER, [self.path + ".read"])]
        for code, extra in jobs:
            self.procs.append(subprocess.Popen(
                [sys.executable, "-c", code, str(self.seconds)] + extra,
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL))
        return [p.pid for p in self.procs]

    def stop(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for path in (self.path, self.path + ".read"):
            try:
                os.unlink(path)
            except OSError:
                pass
        for path in glob.glob(os.path.join(self.work_dir, "noise-*")):
            shutil.rmtree(path, ignore_errors=True)
        self.procs = []
