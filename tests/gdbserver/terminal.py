#!/usr/bin/env python3
"""terminal.py SERVER TARGET: the server on a terminal of its own (a pty whose
session it leads), TCP mode; gdb connects and continues the program, which
must find itself in the terminal's foreground and read a line typed there
(without it, its read gets SIGTTIN).  Prints what it saw; the last line is
"terminal checks passed" or a FAIL line."""
import os
import pty
import re
import select
import subprocess
import sys
import time

DEADLINE = time.monotonic() + 40


def read_until(fd, pattern, buf):
    """Read the pty until pattern matches the text read so far (or EOF or
    the deadline); return the text."""
    while not re.search(pattern, buf):
        left = DEADLINE - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([fd], [], [], left)
        if not r:
            break
        try:
            data = os.read(fd, 4096)
        except OSError:  # EIO: every slave end closed
            break
        if not data:
            break
        buf += data.decode(errors="replace")
    return buf


def main():
    server, target = sys.argv[1], sys.argv[2]
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(server, [server, "--once", ":0", target])
    out = read_until(fd, r"Listening on port (\d+)", "")
    m = re.search(r"Listening on port (\d+)", out)
    if not m:
        print(out)
        print("FAIL: no 'Listening on port' from the server")
        os.kill(pid, 9)
        return 1
    port = m.group(1)
    # typed ahead: the terminal keeps it until the program reads it
    os.write(fd, b"hello terminal\n")
    gdb = subprocess.run(
        ["gdb", "-batch", "-nx", "-ex", "set pagination off",
         "-ex", "target remote :" + port, "-ex", "continue"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        timeout=max(1, DEADLINE - time.monotonic()), check=False)
    out = read_until(fd, r"got hello terminal", out)
    _, status = os.waitpid(pid, 0)
    print(gdb.stdout)
    print("---- terminal ----")
    print(out)
    ok = True
    for what, text in (("foreground: yes", out), ("got hello terminal", out),
                       ("exited normally", gdb.stdout)):
        if what not in text:
            print("FAIL: missing %r" % what)
            ok = False
    if os.waitstatus_to_exitcode(status) != 0:
        print("FAIL: server status %d" % os.waitstatus_to_exitcode(status))
        ok = False
    if ok:
        print("terminal checks passed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
