#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""com2-session.py - the passthrough test from outside the QEMU host.

Boots the host (pal.test=passthrough) with qemu-boot.sh, its COM1 and a
second UART, COM2, on Unix sockets.  The host's boot-time Linux guest owns
COM2 (palacios.passthrough=com2): this script logs in to the guest's shell
there and runs commands, while it also types at the host's own shell on
COM1, then powers the guest off and checks that the host got COM2 back.

Usage: com2-session.py KERNEL INITRD LOGFILE [APPEND...]

Prints one "PT: ok NAME" or "PT: not ok NAME (why)" line per check; COM1
is logged to LOGFILE and COM2 to LOGFILE.com2.  Exit status: 0 if every
check passed.
"""
import os
import re
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
failed = False


class Port:
    """One serial port of the QEMU machine, as a Unix socket client."""

    def __init__(self, name, path, deadline):
        self.name = name
        self.text = ""
        self.lock = threading.Lock()
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        while True:
            try:
                self.sock.connect(path)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        while True:
            try:
                data = self.sock.recv(4096)
            except OSError:
                return
            if not data:
                return
            with self.lock:
                self.text += data.decode("utf-8", "replace").replace("\r", "")

    def mark(self):
        with self.lock:
            return len(self.text)

    def since(self, mark):
        with self.lock:
            return self.text[mark:]

    def wait(self, regex, timeout, mark=0):
        """The first match of @regex after @mark within @timeout s, or None."""
        end = time.time() + timeout
        while time.time() < end:
            m = re.search(regex, self.since(mark), re.M)
            if m:
                return m
            time.sleep(0.2)
        return None

    def type(self, line):
        """Type @line and Enter, a key at a time as a person would."""
        for ch in line + "\r":
            self.sock.sendall(ch.encode())
            time.sleep(0.01)


def check(name, ok, why=""):
    global failed
    if ok:
        print("PT: ok %s" % name, flush=True)
    else:
        failed = True
        print("PT: not ok %s (%s)" % (name, why), flush=True)
    return ok


def run(port, name, cmd, regex, timeout=60):
    """Type @cmd at @port; check that its output matches @regex."""
    mark = port.mark()
    port.type(cmd)
    m = port.wait(regex, timeout, mark)
    out = port.since(mark).strip().replace("\n", " | ")[-300:]
    check(name, m is not None, "no /%s/ after '%s', got: %s" % (regex, cmd, out))
    return m


def main():
    if len(sys.argv) < 4:
        sys.exit("usage: com2-session.py KERNEL INITRD LOGFILE [APPEND...]")
    kernel, initrd, log = sys.argv[1:4]
    s1, s2 = log + ".com1.sock", log + ".com2.sock"
    qemu = subprocess.Popen(
        [os.path.join(HERE, "qemu-boot.sh"), "--timeout", "900",
         "--com1-socket", s1, "--com2-socket", s2, kernel, initrd, log]
        + sys.argv[4:])
    try:
        deadline = time.time() + 60
        com1 = Port("COM1", s1, deadline)
        com2 = Port("COM2", s2, deadline)

        # The guest's console and shell are on the host's COM2
        if not check("guest-shell-on-com2",
                     com2.wait(r"GUEST: shell ready on /dev/ttyS1", 400),
                     "no shell prompt on COM2"):
            return
        time.sleep(1)
        run(com2, "guest-uname", "uname -a", r"^Linux \S+ .*x86_64")
        run(com2, "guest-typed", "echo PT-$((6 * 7))", r"^PT-42$")
        m = run(com2, "guest-uart", "grep ^1: /proc/tty/driver/serial",
                r"^1: uart:16550A port:000002F8 irq:3 tx:\d+ rx:(\d+)")
        check("guest-uart-received", m and int(m.group(1)) > 0,
              "the guest's ttyS1 received nothing")

        # Meanwhile the host's console answers on COM1
        check("host-shell", com1.wait(r"PALTEST: host shell ready", 120),
              "no host shell on COM1")
        time.sleep(1)
        run(com1, "host-typed", "echo HOST-$((7 * 6))", r"^HOST-42$")
        run(com1, "host-ports-owned", "grep palacios /proc/ioports",
            r"02f8-02ff : palacios:bzImage")
        m = run(com1, "host-irq-owned", "grep palacios /proc/interrupts",
                r"^\s*3:\s+(\d+)\s+(\d+).*palacios:bzImage")
        check("host-irq-counted", m and int(m.group(1)) + int(m.group(2)) > 0,
              "no interrupt of IRQ 3 reached the host")

        # Both at once: a loop in the guest, a command on the host
        mark = com2.mark()
        com2.type("i=0; while [ $i -lt 3000 ]; do i=$((i + 1)); done; echo LOOP-$i")
        run(com1, "host-during-guest-loop", "echo BUSY-$((1 + 1))", r"^BUSY-2$")
        check("guest-loop", com2.wait(r"^LOOP-3000$", 120, mark),
              "the guest's loop did not end")

        # The guest powers off: the host gets COM2 back
        mark = com1.mark()
        com2.type("poweroff -f")
        time.sleep(1)
        end = time.time() + 120
        stopped = None
        while time.time() < end and not stopped:
            com1.type("dmesg | grep 'vm bzImage: stopped'")
            stopped = com1.wait(r"vm bzImage: stopped: shutdown", 5, mark)
        check("guest-poweroff", stopped, "the VM did not stop with 'shutdown'")
        run(com1, "host-got-back",
            "echo IOPORTS=$(grep -c palacios /proc/ioports) IRQS=$(grep -c palacios /proc/interrupts)",
            r"^IOPORTS=0 IRQS=0$")
        run(com1, "host-given-back-log", "dmesg | grep 'given back'",
            r"ports 0x2f8\+8, IRQ 3 given back after [1-9]\d* interrupts")
        com1.type("exit")
        rc = qemu.wait(timeout=300)
        check("host-powered-off", rc == 0, "qemu-boot.sh exited with %d" % rc)
    finally:
        if qemu.poll() is None:
            qemu.terminate()
            try:
                qemu.wait(timeout=20)
            except subprocess.TimeoutExpired:
                qemu.kill()


if __name__ == "__main__":
    try:
        main()
    except (OSError, subprocess.TimeoutExpired) as e:
        check("session", False, str(e))
    sys.exit(1 if failed else 0)
