#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Print the exit-cost benchmark from the serial logs of two QEMU boots.

Usage: report.py ICOUNT.serial WALL.serial

Both boots ran the bench guest (tools/testing/palacios/guests/bench.S)
under Palacios and then under KVM (tests/bench/kvm-bench.c) in the same
QEMU host.  The guest times N exits of each kind with RDTSC.  Under
-icount shift=0 QEMU's clock advances 1 ns per instruction executed, so
the TSC delta, converted to nanoseconds, counts the instructions executed
per exit (guest loop included); without icount it gives wall-clock time.
Exits 0 if every figure was found.
"""
import re
import sys

KINDS = ("cpuid", "pio", "vmmcall")


def parse(path):
    text = open(path, errors="replace").read()
    res = {}
    for who, kind, n, cyc in re.findall(
            r"^PALTEST: (palacios|kvm) BENCH (\w+) (\d+) (\d+)", text, re.M):
        res[(who, kind)] = int(cyc) / int(n)
    mhz = None
    for key in ("tsc_khz", "tsc_mhz_detected"):
        m = re.search(r"^PALTEST: %s=([0-9.]+)\s*$" % key, text, re.M)
        if m:
            mhz = float(m.group(1))
            break
    return res, mhz


def main():
    icount, icount_mhz = parse(sys.argv[1])
    wall, wall_mhz = parse(sys.argv[2])
    ok = True
    print("exit cost per exit, N = 10000 each (guest loop included)")
    print("%-8s %14s %14s %7s   %12s %12s %7s" %
          ("exit", "Palacios insn", "KVM insn", "ratio",
           "Palacios us", "KVM us", "ratio"))
    met, missed = [], []
    for k in KINDS:
        row = [k]
        for res, mhz, scale in ((icount, icount_mhz, 1000.0),
                                (wall, wall_mhz, 1.0)):
            p, q = res.get(("palacios", k)), res.get(("kvm", k))
            if p is None or q is None or not mhz:
                ok = False
                row += ["?", "?", "?"]
                continue
            # cycles / MHz = microseconds; * 1000 = ns = instructions
            p, q = p / mhz * scale, q / mhz * scale
            fmt = "%.0f" if scale > 1 else "%.2f"
            row += [fmt % p, fmt % q, "%.2f" % (p / q)]
            if scale > 1:
                (met if p <= q else missed).append("%s %.2fx" % (k, p / q))
        print("%-8s %14s %14s %7s   %12s %12s %7s" % tuple(row))
    print("target (Palacios at most KVM's instructions per exit): met for %s%s"
          % (", ".join(met) or "none",
             "; MISSED for " + ", ".join(missed) if missed else ""))
    print("TSC: %s MHz (icount run), %s MHz (wall-clock run)" %
          (icount_mhz, wall_mhz))
    return 0 if ok else 1


sys.exit(main())
