# SPDX-License-Identifier: Apache-2.0
"""noise - a loaded machine on demand (failover-drill --load-noise): one
CPU burner and one disk writer that rewrites a 32 MB file in 64 kB
writes, each followed by an fsync (at most 500 a second).  Each is a
process of its own that ends by itself after `seconds` (so nothing
outlives a drill that is killed) or when stopped."""

import os
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


class Noise:
    def __init__(self, seconds, work_dir):
        self.seconds = float(seconds)
        self.path = os.path.join(work_dir, "noise.dat")
        self.procs = []

    def start(self):
        for code, extra in ((_BURNER, []), (_WRITER, [self.path])):
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
        try:
            os.unlink(self.path)
        except OSError:
            pass
        self.procs = []
