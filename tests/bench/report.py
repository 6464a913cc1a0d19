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
Both boots also booted the Linux guest (the host's own kernel) to its
shell, in Palacios and then in KVM (tests/bench/kvm-linux.c), timed the
same way from the VMM's start to "GUEST: shell ready" on its console.
Then the same guest ran tests/bench/iobench.c on a virtio disk and a
virtio NIC, in KVM with Debian's QEMU as its VMM and in Palacios.
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
    boot = {}
    for who, rc, ms, up in re.findall(
            r"^PALTEST: linuxboot (palacios|kvm) rc=(\d+) ms=(\d+) uptime=([0-9.]*)",
            text, re.M):
        boot[who] = (int(rc), int(ms), up)
    stats = {}
    for name, val in re.findall(
            r"^PALTEST: linuxboot palacios stats (\w+)\s+([0-9.]+)", text, re.M):
        stats[name] = float(val)
    res["boot"] = boot
    res["stats"] = stats
    res["speedup"] = {
        who: (int(one), int(two), int(tries))
        for who, one, two, tries in re.findall(
            r"^PALTEST: speedup (palacios|kvm) one_ms=(\d+) two_ms=(\d+)"
            r".*? tries=(\d+)",
            text, re.M)}
    res["pingpong"] = {
        who: float(us) for who, us in re.findall(
            r"^PALTEST: pingpong (palacios|kvm) rounds=\d+ us_per_round=([0-9.]+)",
            text, re.M)}
    res["io"] = {}
    for who, kind, kv in re.findall(
            r"^PALTEST: iobench (palacios|kvm) (blk|tcp) (.*)$", text, re.M):
        res["io"].setdefault(who, {}).update(
            (k, int(v)) for k, v in re.findall(r"(\w+)=(\d+)", kv))
    return res, mhz


# The I/O figures: (name, unit, key of its ns, key of its request count or
# of its request size, key of its bytes moved).  With bytes: a throughput
# (MiB/s), its requests the bytes over the request size; else a rate
# (1/s), or for round trips a latency (us).
IO_ROWS = (
    ("blk seq read", "MiB/s", "seqread_ns", "seq_block", "seq_bytes"),
    ("blk seq write", "MiB/s", "seqwrite_ns", "seq_block", "seq_bytes"),
    ("blk rand read", "IOPS", "randread_ns", "rand_reqs", None),
    ("blk rand write", "IOPS", "randwrite_ns", "rand_reqs", None),
    ("tcp round trip", "us", "rtt_ns", "rtt_rounds", None),
    ("tcp guest<-host", "MiB/s", "rx_ns", "stream_block", "stream_bytes"),
    ("tcp guest->host", "MiB/s", "tx_ns", "stream_block", "stream_bytes"),
)


def io_value(io, row):
    """(wall figure, ns per request) of one row, or None."""
    _, unit, key, reqs, nbytes = row
    if key not in io or reqs not in io or (nbytes and nbytes not in io):
        return None
    ns = io[key]
    n = io[nbytes] // io[reqs] if nbytes and io[reqs] else io[reqs]
    if not ns or not n:
        return None
    if nbytes:
        fig = io[nbytes] / 1048576.0 / (ns / 1e9)
    elif unit == "us":
        fig = ns / n / 1000.0
    else:
        fig = n / (ns / 1e9)
    return fig, ns / n


def io_report(icount, wall):
    """virtio-blk and virtio-net: Palacios against KVM with QEMU."""
    print()
    print("I/O of the Linux guest (iobench): virtio-blk on a 64 MiB file of "
          "the host's memory (O_DIRECT; 16 MiB sequential in 64 KiB, 1000 "
          "random 4 KiB), virtio-net over a tap to the host (500 TCP round "
          "trips of a byte; 16 MiB each way). KVM: Debian's QEMU, -M "
          "microvm, its virtio-blk and virtio-net devices on virtio-mmio")
    print("%-16s %6s %10s %10s %6s   %14s %14s %6s" %
          ("", "unit", "Palacios", "KVM+QEMU", "ratio",
           "Palacios insn", "KVM insn", "ratio"))
    ok, met, missed = True, [], []
    for row in IO_ROWS:
        out = [row[0], row[1]]
        p = io_value(wall["io"].get("palacios", {}), row)
        k = io_value(wall["io"].get("kvm", {}), row)
        if p and k:
            r = p[0] / k[0]
            out += ["%.1f" % p[0], "%.1f" % k[0], "%.2f" % r]
            better = r <= 1.0 if row[1] == "us" else r >= 1.0
            (met if better else missed).append("%s %.2fx" % (row[0], r))
        else:
            ok = False
            out += ["?", "?", "?"]
        p = io_value(icount["io"].get("palacios", {}), row)
        k = io_value(icount["io"].get("kvm", {}), row)
        if p and k:
            out += ["%.0f" % p[1], "%.0f" % k[1], "%.2f" % (p[1] / k[1])]
        else:
            ok = False
            out += ["?", "?", "?"]
        print("%-16s %6s %10s %10s %6s   %14s %14s %6s" % tuple(out))
    print("(wall run: figures; icount run: instructions of the whole "
          "machine per request: a 64 KiB block, a 4 KiB block, a round "
          "trip, 64 KiB of a stream)")
    print("target (Palacios at least KVM+QEMU's, wall run): met for %s%s" %
          (", ".join(met) or "none",
           "; MISSED for " + ", ".join(missed) if missed else ""))
    return ok


def boot_report(icount, wall):
    """Boot of the Linux guest to its shell: Palacios against KVM."""
    print()
    print("Linux guest to its shell prompt (the host's kernel, busybox "
          "initramfs, 128 MiB, 1 vCPU)")
    print("%-9s %18s %12s %16s" % ("", "icount (ms insns)", "wall (ms)",
                                   "guest uptime (s)"))
    ok = True
    for who, label in (("palacios", "Palacios"), ("kvm", "KVM")):
        row = [label]
        for res in (icount, wall):
            b = res["boot"].get(who)
            row.append("%d" % b[1] if b else "?")
        b = wall["boot"].get(who)
        row.append(b[2] if b and b[2] else "?")
        print("%-9s %18s %12s %16s" % tuple(row))
    verdict = []
    for label, res in (("icount", icount), ("wall", wall)):
        p, k = res["boot"].get("palacios"), res["boot"].get("kvm")
        if not p or not k or not k[1]:
            ok = False
            continue
        r = p[1] / k[1]
        verdict.append("%s %.2fx" % (label, r))
    print("ratio Palacios/KVM: %s (target: at most 1.0x)" %
          (", ".join(verdict) or "?"))
    st = wall["stats"]
    p = wall["boot"].get("palacios")
    if st and p and p[1]:
        secs = p[1] / 1000.0
        parts = ["%s %.0f/s" % (k, v / secs) for k, v in st.items()
                 if k not in ("total",) and not k.endswith("time") and v]
        print("Palacios exits while booting (wall run): %d in %.1f s, "
              "%.0f/s: %s" % (st.get("total", 0), secs,
                              st.get("total", 0) / secs, ", ".join(parts)))
    else:
        ok = False
    return ok


def speedup_report(wall):
    """One busy loop against two at once in a 2-vCPU guest (wall run)."""
    print()
    print("2-vCPU Linux guest, vCPUs on host CPUs 1 and 2: parspin's busy "
          "loop, alone and two at once (wall run)")
    print("%-9s %10s %10s %9s %6s" % ("", "one (ms)", "two (ms)", "speed-up",
                                      "tries"))
    ok = True
    for who, label in (("palacios", "Palacios"), ("kvm", "KVM")):
        s = wall["speedup"].get(who)
        if not s or not s[1]:
            ok = False
            print("%-9s %10s %10s %9s" % (label, "?", "?", "?"))
            continue
        print("%-9s %10d %10d %8.2fx %6d" % (label, s[0], s[1],
                                             2.0 * s[0] / s[1], s[2]))
    print("(speed-up: twice the work in the time of two at once against "
          "one, each the shortest of the tries; target at least 1.8x and "
          "at least KVM's)")
    print()
    print("Wake-up round trip between the two vCPUs (pingpong: a byte "
          "through two pipes, one process on each vCPU; each round two "
          "IPIs to a halted vCPU), wall run")
    row = []
    for who, label in (("palacios", "Palacios"), ("kvm", "KVM")):
        us = wall["pingpong"].get(who)
        if us is None:
            ok = False
        row.append("%s %s us" % (label, "%.1f" % us if us is not None else "?"))
    p, k = wall["pingpong"].get("palacios"), wall["pingpong"].get("kvm")
    print("%s; ratio Palacios/KVM %s (target: at most 1.0x)" %
          (", ".join(row), "%.2fx" % (p / k) if p and k else "?"))
    return ok


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
    ok = boot_report(icount, wall) and ok
    ok = speedup_report(wall) and ok
    ok = io_report(icount, wall) and ok
    return 0 if ok else 1


sys.exit(main())
