#!/usr/bin/env python3
"""ab_archive.py - archives scanned by two sesame builds next to `bsdtar -xOf`, in rounds.

    benches/ab_archive.py N A_SESAME B_SESAME ARCHIVE...

For each archive: one untimed run of each command (caches), then N rounds of
bsdtar -xOf ARCHIVE (output to /dev/null), A scan, B scan, in that order (the scans:
`scan ARCHIVE --format json -o /dev/null --exit-zero -q`). Prints per archive the median
wall and CPU (user + system, to the microsecond) of each command, and the median over the
rounds of the per-round ratios A/bsdtar, B/bsdtar and B/A, for wall and CPU. On a shared
machine CPU is the steadier figure; the 1-minute load average is printed per archive.
Used for issue 16 item 3 (archives <= 1.5x bsdtar).
"""
import os
import statistics
import subprocess
import sys
import time


def run(cmd):
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = (time.perf_counter() - t0) * 1000
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit("ab_archive.py: %s exited %d" % (" ".join(cmd), code))
    return wall, (ru.ru_utime + ru.ru_stime) * 1000


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    n, a_bin, b_bin, archives = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
    print("| archive | load | bsdtar wall / CPU ms | A wall / CPU ms | B wall / CPU ms "
          "| A/bsdtar wall, CPU | B/bsdtar wall, CPU | B/A wall, CPU |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for arc in archives:
        scan = ["scan", arc, "--format", "json", "-o", "/dev/null", "--exit-zero", "-q"]
        cmds = [["bsdtar", "-xOf", arc], [a_bin] + scan, [b_bin] + scan]
        for c in cmds:
            run(c)
        res = [[], [], []]
        for _ in range(n):
            for i, c in enumerate(cmds):
                res[i].append(run(c))
        med = [(statistics.median(r[0] for r in x), statistics.median(r[1] for r in x))
               for x in res]

        def ratio(i, j, k):
            return statistics.median(res[i][r][k] / res[j][r][k] for r in range(n))

        print("| %s | %.1f | %.0f / %.0f | %.0f / %.0f | %.0f / %.0f | %.2f, %.2f | %.2f, %.2f "
              "| %.2f, %.2f |" % (
                  os.path.basename(arc), os.getloadavg()[0], med[0][0], med[0][1], med[1][0],
                  med[1][1], med[2][0], med[2][1], ratio(1, 0, 0), ratio(1, 0, 1),
                  ratio(2, 0, 0), ratio(2, 0, 1), ratio(2, 1, 0), ratio(2, 1, 1)), flush=True)


if __name__ == "__main__":
    main()
