#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Instructions per function from tbprof's counts (tests/README).

Usage: tbprof.py COUNTS SERIAL [BASE_COUNTS BASE_SERIAL] [DIVISOR]

COUNTS is tbprof.c's output for a boot of the prof scenario, SERIAL its
serial log (the host's symbols, "PALTEST: ksym ADDRESS TYPE NAME").  With
a second boot (BASE_*), its counts are subtracted function by function:
what is left is what the first boot's guest made the host run.  Each
figure is divided by DIVISOR (the number of exits, say).
"""
import bisect
import re
import sys
from collections import defaultdict

KERNEL = 0xffff800000000000


def symbols(serial):
    text = open(serial, errors="replace").read()
    syms = sorted((int(a, 16), n) for a, n in re.findall(
        r"^PALTEST: ksym ([0-9a-f]+) [tT] (\w+)", text, re.M))
    if not syms:
        sys.exit("tbprof.py: no 'PALTEST: ksym' lines in %s" % serial)
    return syms


def per_function(counts, serial):
    syms = symbols(serial)
    addrs = [a for a, _ in syms]
    per = defaultdict(int)
    for line in open(counts):
        vaddr, insns, runs = line.split()
        vaddr = int(vaddr, 16)
        i = bisect.bisect_right(addrs, vaddr) - 1
        name = syms[i][1] if vaddr >= KERNEL and i >= 0 else "(guest or user)"
        per[name] += int(insns) * int(runs)
    return per


def main(argv):
    div = 1
    if len(argv) in (3, 5):
        div = int(argv.pop())
    if len(argv) not in (2, 4):
        sys.exit(__doc__)
    per = per_function(argv[0], argv[1])
    if len(argv) == 4:
        for name, n in per_function(argv[2], argv[3]).items():
            per[name] -= n
    rows = sorted(per.items(), key=lambda kv: -kv[1])
    for name, n in rows[:60]:
        print("%10.1f  %s" % (n / div, name))
    print("%10.1f  in all (functions that ran more)" %
          (sum(n for n in per.values() if n > 0) / div))


if __name__ == "__main__":
    main(sys.argv[1:])
