#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Where each CPU of a QEMU machine is, from QEMU's monitor: for a boot
that hangs, before qemu-boot.sh kills it.

Usage: qemu-dump.py MONITOR-SOCKET KERNEL-DIR SERIAL-LOG FULL-DUMP

Asks the human monitor on MONITOR-SOCKET for every CPU's registers, the
words at the top of its stack and its local APIC, writes all of it to
FULL-DUMP, and prints a summary of at most about 20 lines: per CPU whether
it is halted, the function it is in and the kernel functions whose return
addresses are on its stack (a guess, as the kernel's own "?" entries: no
unwinder here), and its local APIC's timer and pending vectors.

Functions are named from KERNEL-DIR/System.map and, for modules, from
KERNEL-DIR/NAME.ko at the address the test's /init printed on the serial
console when it loaded them ("modtext NAME ADDRESS", tests/guest/init.sh).
"""

import bisect
import os
import re
import socket
import subprocess
import sys

PROMPT = b"(qemu) "
ESC = re.compile(r"\x1b\[[0-9;]*[A-Za-z]|\r")


class Monitor:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(10)
        self.s.connect(path)
        self.read()

    def read(self):
        buf = b""
        while not buf.endswith(PROMPT):
            chunk = self.s.recv(65536)
            if not chunk:
                break
            buf += chunk
        return ESC.sub("", buf[:-len(PROMPT)].decode(errors="replace"))

    def cmd(self, line):
        self.s.sendall(line.encode() + b"\n")
        out = self.read().split("\n")
        # the monitor echoes the command first
        if out and out[0].strip().endswith(line):
            out = out[1:]
        return "\n".join(out).strip("\n")


class Symbols:
    def __init__(self):
        self.addrs, self.names = [], []
        self.ranges = []

    def add(self, addr, name):
        self.addrs.append(addr)
        self.names.append(name)

    def load_map(self, path):
        lo = hi = None
        with open(path) as f:
            for line in f:
                p = line.split()
                if len(p) != 3 or p[1] not in "tTwW":
                    continue
                a = int(p[0], 16)
                self.add(a, p[2])
                if p[2] == "_stext":
                    lo = a
                elif p[2] == "_etext":
                    hi = a
        if lo is not None and hi is not None:
            self.ranges.append((lo, hi))

    def load_module(self, ko, base):
        try:
            out = subprocess.run(["objdump", "-t", ko], capture_output=True,
                                 text=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError):
            return
        end = base
        for line in out.splitlines():
            m = re.match(r"^([0-9a-f]+) .{7} F \.text\s+([0-9a-f]+)\s+(\S+)$",
                         line)
            if m:
                a = base + int(m.group(1), 16)
                self.add(a, "%s [%s]" % (m.group(3),
                                         os.path.basename(ko)[:-3]))
                end = max(end, a + int(m.group(2), 16))
        self.ranges.append((base, end))

    def done(self):
        order = sorted(range(len(self.addrs)), key=self.addrs.__getitem__)
        self.addrs = [self.addrs[i] for i in order]
        self.names = [self.names[i] for i in order]

    def text(self, a):
        return any(lo <= a < hi for lo, hi in self.ranges)

    def name(self, a):
        i = bisect.bisect_right(self.addrs, a) - 1
        if i < 0 or not self.text(a):
            return None
        return "%s+0x%x" % (self.names[i], a - self.addrs[i])


def cpu_ids(regs):
    return [int(n) for n in re.findall(r"^CPU#(\d+)", regs, re.M)]


def field(block, name):
    m = re.search(r"\b%s=([0-9a-fA-F]+)" % name, block)
    return int(m.group(1), 16) if m else None


def main():
    mon_path, kdir, serial, full = sys.argv[1:5]
    syms = Symbols()
    if os.path.exists(os.path.join(kdir, "System.map")):
        syms.load_map(os.path.join(kdir, "System.map"))
    # the modules loaded last: one loaded at an address replaces those
    # that were there before (unloaded since: modules are placed from the
    # bottom of their area up)
    mods = []
    try:
        with open(serial, errors="replace") as f:
            for name, base in re.findall(r"^modtext (\w+) 0x([0-9a-f]+)",
                                         f.read(), re.M):
                mods = [(n, b) for n, b in mods
                        if n != name and int(b, 16) < int(base, 16)]
                mods.append((name, base))
    except OSError:
        pass
    for name, base in mods:
        for ko in (name, name.replace("_", "-")):
            path = os.path.join(kdir, ko + ".ko")
            if os.path.exists(path):
                syms.load_module(path, int(base, 16))
                break
    syms.done()

    mon = Monitor(mon_path)
    out = open(full, "w")
    regs = mon.cmd("info registers -a")
    out.write(regs + "\n")
    blocks = re.split(r"^(?=CPU#\d+)", regs, flags=re.M)
    for n in cpu_ids(regs):
        block = next(b for b in blocks if b.startswith("CPU#%d" % n))
        rip, rsp = field(block, "RIP"), field(block, "RSP")
        halted = re.search(r"HLT=(\d)", block)
        mon.cmd("cpu %d" % n)
        stack = mon.cmd("x/96gx 0x%x" % rsp) if rsp else ""
        apic = mon.cmd("info lapic %d" % n)
        out.write("\n== CPU %d stack at 0x%x\n%s\n== CPU %d local APIC\n%s\n"
                  % (n, rsp or 0, stack, n, apic))
        words = [int(w, 16) for w in re.findall(r"0x([0-9a-f]{16})", stack)]
        calls = []
        for w in words:
            s = syms.name(w)
            if s and not s.endswith("+0x0") and (not calls or calls[-1] != s):
                calls.append(s)
        print("CPU%d %s rip %s cr3 %x" % (
            n, "halted" if halted and halted.group(1) == "1" else "running",
            syms.name(rip) or ("0x%x (not in the host's text: a guest?)" % rip),
            field(block, "CR3") or 0))
        print("  stack: %s" % (" < ".join(calls[:8]) or "no kernel text"))
        keep = [ln for ln in apic.splitlines()
                if re.match(r"^(LVTT|Timer|ISR|IRR)\b", ln)]
        print("  apic: %s" % re.sub(r"\s+", " ", "; ".join(keep)))
    out.close()


if __name__ == "__main__":
    try:
        main()
    except (OSError, StopIteration) as e:
        print("qemu-dump.py: no dump from QEMU's monitor: %s" % e)
        sys.exit(1)
