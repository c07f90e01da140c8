#!/usr/bin/env python3
"""ab_cmd.py - two commands timed alternately (A B A B ...), wall and CPU time per run.

    benches/ab_cmd.py N STDIN -- CMD_A ARGS... -- CMD_B ARGS...

STDIN is a file fed to every run ('-' for none). One untimed run of each first (caches),
then N pairs. Prints each side's median wall and CPU (user + system of the command and
everything under it, to the microsecond) and the B/A ratio of each pair. On a shared
machine the CPU time is the steadier figure: other jobs stretch wall time far more.
Used for the short runs of issue 16 (a hook's start-up, `sesame version`).
"""
import os
import statistics
import subprocess
import sys
import time


def run(cmd, stdin_path):
    fin = open(stdin_path, "rb") if stdin_path != "-" else subprocess.DEVNULL
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdin=fin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = (time.perf_counter() - t0) * 1000
    if fin is not subprocess.DEVNULL:
        fin.close()
    return wall, (ru.ru_utime + ru.ru_stime) * 1000, os.waitstatus_to_exitcode(status)


def main():
    if len(sys.argv) < 6 or sys.argv[3] != "--" or "--" not in sys.argv[4:]:
        sys.exit(__doc__)
    n, stdin_path, rest = int(sys.argv[1]), sys.argv[2], sys.argv[4:]
    cut = rest.index("--")
    cmds = [rest[:cut], rest[cut + 1:]]
    for c in cmds:
        run(c, stdin_path)
    res = ([], [])
    for _ in range(n):
        for side in (0, 1):
            res[side].append(run(cmds[side], stdin_path))
    for side in (0, 1):
        w = [r[0] for r in res[side]]
        c = [r[1] for r in res[side]]
        print("%s: wall median %.1f ms (min %.1f), CPU median %.1f ms (min %.1f), exit %s"
              % ("AB"[side], statistics.median(w), min(w), statistics.median(c), min(c),
                 sorted({r[2] for r in res[side]})))
    rw = [b[0] / a[0] for a, b in zip(*res)]
    rc = [b[1] / a[1] if a[1] else 0 for a, b in zip(*res)]
    print("B/A per pair: wall median %.2f, CPU median %.2f (CPU: %s)"
          % (statistics.median(rw), statistics.median(rc), " ".join("%.2f" % r for r in rc)))


if __name__ == "__main__":
    main()
