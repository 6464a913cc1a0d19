#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Parse the KTAP output of KUnit from a serial console log.

Usage: ktap.py LOG [SUITE...]

Prints one line per test case, "ok|not ok|skip SUITE.CASE", numbered runs
of the same suite (e.g. after a module reload) as SUITE#2.  Exits 1 when a
case failed, when a suite's case count disagrees with its plan, or when a
SUITE named on the command line did not run at all.
"""
import re
import sys

TS = re.compile(r"^\[\s*[0-9.]+\]\s?")
SUBTEST = re.compile(r"^(\s*)# Subtest: (\S+)")
PLAN = re.compile(r"^(\s*)1\.\.(\d+)")
RESULT = re.compile(r"^(\s*)(ok|not ok) (\d+) (\S+)(.*)$")


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: ktap.py LOG [SUITE...]")
    with open(sys.argv[1], errors="replace") as f:
        lines = [TS.sub("", l.rstrip("\r\n")) for l in f]

    bad = False
    runs = {}
    suite = None
    indent = None
    plan = None
    cases = 0
    for line in lines:
        m = SUBTEST.match(line)
        if m and len(m.group(1)) == 4:
            suite, indent, plan, cases = m.group(2), m.group(1), None, 0
            runs[suite] = runs.get(suite, 0) + 1
            continue
        if suite is None:
            continue
        m = PLAN.match(line)
        if m and m.group(1) == indent and plan is None:
            plan = int(m.group(2))
            continue
        m = RESULT.match(line)
        if not m:
            continue
        if m.group(1) == indent:
            name = suite if runs[suite] == 1 else "%s#%d" % (suite,
                                                            runs[suite])
            status = m.group(2)
            if "# SKIP" in m.group(5):
                status = "skip"
            print("%s %s.%s" % (status, name, m.group(4)))
            cases += 1
            bad |= status == "not ok"
        elif len(m.group(1)) == 0 and m.group(4) == suite:
            if plan is not None and cases != plan:
                print("not ok %s: %d cases for a plan of %d"
                      % (suite, cases, plan))
                bad = True
            suite = None
    if suite is not None:
        print("not ok %s: output ends inside the suite" % suite)
        bad = True
    for want in sys.argv[2:]:
        if want not in runs:
            print("not ok %s: suite did not run" % want)
            bad = True
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
