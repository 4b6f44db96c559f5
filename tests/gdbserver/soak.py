#!/usr/bin/env python3
"""Random packet sequences against proctrace-gdbserver and a live program.

usage: soak.py GDBSERVER SOAK [--sessions N] [--packets N] [--seed S]
       (SOAK: tests/gdbserver/targets/soak)

Each session starts the server on SOAK over stdio and sends it a random
sequence of the packets a client sends: breakpoints (Z0/Z1 at function
entries, and at addresses where none can be), watchpoints, reads and writes
of registers and memory, thread selection, per-thread vCont actions, steps,
signals, interrupts (0x03 while the program runs), qXfer objects, fork
children detached as gdb detaches them, and malformed packets.  The
session ends with D, k, or the connection closed.  Checked:

- every packet gets a reply (a resume: a stop reply, after an interrupt if
  need be) within the time limit: a hang is a failure;
- the server never dies of a signal, and writes no sanitizer report;
- a read of the program's code (m) gives the bytes of its file: no int3 of
  the server's shows;
- g, G with what g gave, and p, P with what p gave, leave the program as
  it was;
- after D, and after the program ran to its end, it exits 0: its code is
  the file's again, its threads and fork children all ran right (soak.c);
  after k, it is gone;
- the program's exit, when reported, is reported with status 0.

Registers and memory are written only with what was read, or in the
program's scratch buffer, so a correct server leaves a program that ends
well.  The seed of a failing session is printed: --seed S --sessions 1
replays it (timing aside).  Prints "soak: N sessions, M packets, ..." and
"soak passed" at the end; exits 1 on a failure.

Environment: SOAK_ACTIONS="Z0,resume,..." draws only those actions (the
names in ACTIONS: to narrow a failure down); SOAK_KEEP=DIR keeps the
server's stderr of each failing session there (with PROCTRACE_DEBUG=1 in
the environment too, the library's trace).
"""
import argparse
import ctypes
import os
import random
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

from proto import csum, escape, frame, symbols, unrle

REPLY_TIMEOUT = 20.0  # seconds for any reply
RUN_SLICE = 0.05      # a resume runs this long before an interrupt


# What a step of a session does, with its weight (a name twice: twice as
# often).  SOAK_ACTIONS="Z0,resume,..." in the environment picks some.
ACTIONS = ["Z0", "Z0", "z0", "Z1", "z1", "Zw", "zw", "m_code", "m_code",
           "m_bad", "M", "X", "g", "gG", "pP", "H", "T", "info", "xfer",
           "resume", "resume", "resume", "step", "step", "sig", "pass",
           "garbage", "threads", "halt"]
if os.environ.get("SOAK_ACTIONS"):
    ACTIONS = os.environ["SOAK_ACTIONS"].split(",")


class Hang(Exception):
    pass


class Gone(Exception):
    pass


class Session:
    def __init__(self, server, prog, rng, log, result, errpath):
        with open(errpath, "wb") as err:
            # --hw-watchpoints=always: Z1/Z2 set on any machine, and no
            # note in the server's stderr where the registers never fire
            self.p = subprocess.Popen([server, "--hw-watchpoints=always",
                                       "--once", "-", prog, result],
                                      stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=err)
        self.fd = self.p.stdout.fileno()
        self.buf = bytearray()
        self.rng = rng
        self.log = log
        self.tids = []
        self.pid = 0
        self.exited = None   # the W/X reply that ended the program
        self.forks = []      # fork children to detach
        self.bps = set()     # (type, address) of the Z0/Z1 inserted
        self.nonstop = False
        self.notes = []      # notifications not yet acknowledged

    def send(self, data):
        try:
            self.p.stdin.write(data)
            self.p.stdin.flush()
        except (BrokenPipeError, OSError):
            raise Gone("the server closed its input")

    def fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        r, _, _ = select.select([self.fd], [], [], left)
        if not r:
            return False
        chunk = os.read(self.fd, 65536)
        if not chunk:
            raise Gone("the server closed the connection")
        self.buf += chunk
        return True

    def packet(self, timeout, note_ends=False):
        """The next packet's body, or None if none came in time.
        Notifications (%Stop:..., non-stop) met on the way are kept in
        self.notes; with note_ends, the first one ends the wait (None)."""
        deadline = time.monotonic() + timeout
        while True:
            start = min((i for i in (self.buf.find(b"$"), self.buf.find(b"%"))
                         if i >= 0), default=-1)
            if start >= 0:
                end = self.buf.find(b"#", start)
                if end >= 0 and len(self.buf) >= end + 3:
                    kind = self.buf[start:start + 1]
                    body = bytes(self.buf[start + 1:end])
                    sumtxt = bytes(self.buf[end + 1:end + 3]).decode()
                    del self.buf[:end + 3]
                    if sumtxt != csum(body):
                        raise AssertionError("bad checksum in %r" % body)
                    if kind == b"%":
                        self.log.append(b"  <- %" + body[:160])
                        self.notes.append(unrle(body))
                        if note_ends:
                            return None
                        continue
                    return unrle(body)
            if not self.fill(deadline):
                return None

    def drain(self):
        """Non-stop: each notification acknowledged as gdb does (vStopped
        until OK), every stop reply taken in."""
        while self.notes and not self.exited:
            body = self.notes.pop(0)
            if not body.startswith(b"Stop:"):
                raise AssertionError("a notification not Stop: %r" % body)
            self.stop_reply(body[5:])
            while True:
                r = self.cmd("vStopped")
                if r == b"OK" or r[:1] == b"E":
                    break
                self.stop_reply(r)

    def cmd(self, body, timeout=REPLY_TIMEOUT):
        if isinstance(body, str):
            body = body.encode("latin-1")
        self.log.append(body[:120])
        self.send(frame(body))
        r = self.packet(timeout)
        if r is None:
            raise Hang("no reply to %r in %.0f s" % (body[:60], timeout))
        self.log.append(b"  <- " + r[:120])
        return r

    def resume(self, body):
        """A resume packet: its stop reply, with an interrupt if the program
        runs on.  Non-stop: its reply (OK), the stops come as
        notifications."""
        if isinstance(body, str):
            body = body.encode("latin-1")
        if self.nonstop:
            if body[:1] in b"cCsS":
                body = b"vCont;" + body[:1] + (b":" + body[1:] if body[1:] else b"")
            r = self.cmd(body)
            if r != b"OK" and r[:1] != b"E":
                raise AssertionError("non-stop %r answered %r" % (body, r[:60]))
            if self.rng.random() < 0.5:
                # some time for a stop to come
                self.packet(RUN_SLICE * self.rng.randint(0, 4), True)
            return r
        self.log.append(body)
        self.send(frame(body))
        r = self.packet(RUN_SLICE * self.rng.randint(1, 6))
        if r is None:
            self.log.append(b"  (0x03)")
            self.send(b"\x03")
            r = self.packet(REPLY_TIMEOUT)
            if r is None:
                raise Hang("no stop after %r and an interrupt" % body[:60])
        self.log.append(b"  <- " + r[:160])
        self.stop_reply(r)
        return r

    def stop_reply(self, r):
        if r[:1] in (b"W", b"X"):
            self.exited = r
            return
        if r[:1] != b"T":
            return
        for field in r[3:].split(b";"):
            k, _, v = field.partition(b":")
            if k == b"thread":
                self.note_tid(v)
            elif k in (b"fork", b"vfork"):
                self.forks.append(v)

    def note_tid(self, v):
        """A thread of the program (the first process seen); those of
        fork children are left out."""
        pid, _, tid = v.partition(b".")
        if pid.startswith(b"p") and tid:
            if not self.pid:
                self.pid = int(pid[1:], 16)
            t = int(tid, 16)
            if int(pid[1:], 16) == self.pid and t not in self.tids:
                self.tids.append(t)

    def threads(self):
        r = self.cmd("qfThreadInfo")
        seen = []
        while r.startswith(b"m"):
            for v in r[1:].split(b","):
                self.note_tid(v)
                if v.startswith(b"p%x." % self.pid):
                    seen.append(int(v.partition(b".")[2], 16))
            r = self.cmd("qsThreadInfo")
        if seen:
            self.tids = [t for t in seen if t in self.tids]


def elf_code(prog):
    """(vaddr, bytes) of each executable PT_LOAD segment of prog."""
    data = open(prog, "rb").read()
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    segs = []
    for i in range(phnum):
        (ptype, flags, off, vaddr, _, filesz, _, _) = struct.unpack_from(
            "<IIQQQQQQ", data, phoff + i * phentsize)
        if ptype == 1 and flags & 1:
            segs.append((vaddr, data[off:off + filesz]))
    return segs


class Soak:
    def __init__(self, server, prog):
        self.server, self.prog = server, prog
        sym = symbols(prog)
        self.funcs = [sym[n] for n in ("soak_leaf", "soak_f1", "soak_f2",
                                       "soak_f3", "soak_short", "main")]
        self.scratch = sym["soak_scratch"]
        self.calls = sym["soak_calls"]
        self.code = elf_code(prog)
        self.bad_addrs = [0, 0x10, 0xFFFFFFFFFFFF0000, 0x7FFFFFFFF000,
                          0x8000000000000000]
        self.packets = 0
        self.actions = ACTIONS
        self.nonstop_share = 0.3  # of the sessions, in non-stop mode
        self.ends = {}

    def code_bytes(self, addr, n):
        for vaddr, b in self.code:
            if vaddr <= addr and addr + n <= vaddr + len(b):
                return b[addr - vaddr:addr - vaddr + n]
        return None

    # ---- one random action ----------------------------------------------
    def tid_arg(self, s):
        roll = s.rng.random()
        if s.tids and roll < 0.8:
            t = s.rng.choice(s.tids)
            return "p%x.%x" % (s.pid, t)
        return s.rng.choice(["p%x.-1" % s.pid, "-1", "0", "p%x.1" % s.pid,
                             "p1.1", "pzz.3"])

    def step(self, s, stopped):
        rng = s.rng
        a = rng.choice(self.actions)
        fn = rng.choice(self.funcs)
        if a == "Z0" or a == "Z1":
            addr = fn if rng.random() < 0.85 else rng.choice(self.bad_addrs)
            if s.cmd("%s,%x,1" % (a, addr)) == b"OK":
                s.bps.add((a[1], addr))
        elif a in ("z0", "z1"):
            if s.cmd("%s,%x,1" % (a, fn)) == b"OK":
                s.bps.discard((a[1], fn))
        elif a == "Zw":
            kind = rng.choice("234")
            s.cmd("Z%s,%x,%d" % (kind, self.scratch + 8 * rng.randint(0, 3),
                                 rng.choice([1, 2, 4, 8])))
        elif a == "zw":
            kind = rng.choice("234")
            s.cmd("z%s,%x,%d" % (kind, self.scratch + 8 * rng.randint(0, 3),
                                 rng.choice([1, 2, 4, 8])))
        elif a == "m_code":
            n = rng.randint(1, 64)
            r = s.cmd("m%x,%x" % (fn, n))
            want = self.code_bytes(fn, n)
            if want is not None and r[:1] != b"E" and \
                    bytes.fromhex(r.decode()) != want:
                raise AssertionError(
                    "m of the code at %#x gave %s, the file has %s"
                    % (fn, r.decode(), want.hex()))
        elif a == "m_bad":
            r = s.cmd("m%x,%x" % (rng.choice(self.bad_addrs), rng.randint(1, 300)))
            if not r.startswith(b"E"):
                raise AssertionError("m of an unmapped address: %r" % r[:40])
        elif a == "M":
            data = bytes(rng.randrange(256) for _ in range(rng.randint(1, 32)))
            addr = self.scratch + rng.randint(0, 200)
            if rng.random() < 0.2:
                addr = rng.choice(self.bad_addrs)
            s.cmd("M%x,%x:%s" % (addr, len(data), data.hex()))
        elif a == "X":
            data = bytes(rng.randrange(256) for _ in range(rng.randint(0, 32)))
            s.cmd(b"X%x,%x:" % (self.scratch + rng.randint(0, 200), len(data))
                  + escape(data))
        elif a == "g":
            s.cmd("g")
        elif a == "gG":
            r = s.cmd("g")
            if stopped and r[:1] != b"E" and b"x" not in r:
                if s.cmd(b"G" + r) == b"OK" and s.cmd("g") != r:
                    raise AssertionError("g after G of what g gave differs")
        elif a == "pP":
            n = rng.randint(0, 80)
            r = s.cmd("p%x" % n)
            if r[:1] != b"E" and r and b"x" not in r:
                if s.cmd(b"P%x=" % n + r) == b"OK" and \
                        s.cmd("p%x" % n) != r:
                    raise AssertionError("p after P of what p gave differs")
        elif a == "H":
            s.cmd("H%s%s" % (rng.choice("gc"), self.tid_arg(s)))
        elif a == "T":
            s.cmd("T%s" % self.tid_arg(s))
        elif a == "info":
            s.cmd(rng.choice(["?", "qC", "qAttached", "jThreadsInfo",
                              "qThreadStopInfo%x" % (rng.choice(s.tids) if s.tids else 1),
                              "qMemoryRegionInfo:%x" % rng.choice(self.funcs + self.bad_addrs),
                              "qOffsets", "qSymbol::", "qTStatus"]))
        elif a == "xfer":
            obj = rng.choice(["threads:read:", "auxv:read:",
                              "exec-file:read:%x" % s.pid,
                              "libraries-svr4:read:", "siginfo:read:",
                              "features:read:target.xml", "osdata:read:processes",
                              "nosuch:read:"])
            s.cmd("qXfer:%s:%x,%x" % (obj, rng.randint(0, 600), rng.randint(1, 0x1000)))
        elif a == "threads":
            s.threads()
        elif a == "resume":
            s.resume(rng.choice(["vCont;c", "c", "vCont;c:%s" % self.tid_arg(s),
                                 "vCont;s:%s;c" % self.tid_arg(s),
                                 "vCont;c:%s;c:%s" % (self.tid_arg(s), self.tid_arg(s))]))
        elif a == "step":
            s.resume(rng.choice(["s", "vCont;s:%s" % self.tid_arg(s),
                                 "vCont;s:%s;s:%s" % (self.tid_arg(s), self.tid_arg(s)),
                                 "vCont;r%x,%x:%s" % (fn, fn + 16, self.tid_arg(s))]))
        elif a == "sig":
            # SIGUSR1 (gdb's 30) the program handles; 0 is none
            s.resume(rng.choice(["C1e", "vCont;C1e:%s;c" % self.tid_arg(s),
                                 "vCont;S1e:%s" % self.tid_arg(s), "C00"]))
        elif a == "pass":
            sigs = rng.sample(["e", "10", "14", "1e", "1f", "17"], rng.randint(0, 4))
            s.cmd("QPassSignals:" + ";".join(sigs))
        elif a == "halt" and s.nonstop:
            s.cmd(rng.choice(["vCont;t", "vCont;t:%s" % self.tid_arg(s),
                              "vCtrlC"]))
        elif a == "garbage":
            bad = rng.choice(["Z0,", "m,", "vCont;x", "Hg-5", "Hgzz", "X1,1:",
                                  "p999999", "Z9,1,1", "vCont;c:", "M0,ffffffff:00",
                                  "qXfer:features:read:nope:0,ffff", "G0", "Tzz",
                                  "vCont;r1:p1.1", "QPassSignals:zz", "z0,zz,1"])
            r = s.cmd(bad)
            if r[:1] not in (b"E", b""):
                raise AssertionError("malformed packet %r answered %r" % (bad, r[:40]))

    # ---- one session ------------------------------------------------------
    def session(self, seed, npackets):
        rng = random.Random(seed)
        log = []
        result = os.path.join(self.tmp, "result")
        if os.path.exists(result):
            os.unlink(result)
        errpath = os.path.join(self.tmp, "stderr")
        s = Session(self.server, self.prog, rng, log, result, errpath)
        how = "?"
        err = None
        try:
            s.cmd("QStartNoAckMode")
            s.send(b"+")
            feats = ["multiprocess+", "swbreak+", "hwbreak+", "vContSupported+"]
            if rng.random() < 0.5:
                feats += ["fork-events+", "vfork-events+"]
            if rng.random() < 0.3:
                feats.append("no-resumed+")
            s.cmd("qSupported:" + ";".join(feats))
            if rng.random() < self.nonstop_share:
                s.nonstop = True
                if s.cmd("QNonStop:1") != b"OK":
                    raise AssertionError("QNonStop:1 refused")
            s.stop_reply(s.cmd("?"))
            while s.nonstop:  # the other stopped threads, as gdb asks
                r = s.cmd("vStopped")
                if r == b"OK" or r[:1] == b"E":
                    break
                s.stop_reply(r)
            s.drain()
            # To the workers' loop: the SIGUSR1 handler is in place.
            leaf = self.funcs[0]
            s.cmd("Z0,%x,1" % leaf)
            if s.nonstop:
                s.cmd("vCont;c")
                s.packet(REPLY_TIMEOUT, True)
                if not s.notes:
                    raise Hang("no stop notification")
                r = s.notes[0][5:]
                s.drain()
            else:
                r = s.cmd("vCont;c")
                s.stop_reply(r)
            if not r.startswith(b"T05"):
                raise AssertionError("no hit of soak_leaf: %r" % r)
            s.cmd("z0,%x,1" % leaf)
            s.threads()
            for _ in range(npackets):
                if s.exited:
                    break
                self.step(s, True)
                self.packets += 1
                s.drain()
                while s.forks and not s.exited:
                    v = s.forks.pop()
                    cpid = int(v.partition(b".")[0][1:], 16)
                    r = s.cmd("D;%x" % cpid)
                    if r != b"OK":
                        raise AssertionError("D of fork child %d: %r" % (cpid, r))
            if s.exited:
                how = "ended"
                r = s.exited
                got = read_result(result)
                # Breakpoints still in: its code has our int3 at one
                # of them (exit status 2), and that is right.
                ok = {"status 2 (code at %#x is 0xcc)" % a
                      for _, a in s.bps}
                if r[:1] != b"W" or not (int(r[1:3], 16) == 0 or
                                         (int(r[1:3], 16) == 2 and got in ok)):
                    raise AssertionError("the program ended with %r: %s"
                                         % (r, got))
            else:
                how = rng.choice(["D", "D", "D", "k", "close"])
                if how == "D":
                    r = s.cmd("D")
                    if r != b"OK":
                        raise AssertionError("D: %r" % r)
                elif how == "k":
                    s.log.append(b"k")
                    s.send(frame(b"k"))
            s.p.stdin.close()
            rc = s.p.wait(timeout=REPLY_TIMEOUT)
            with open(errpath, "rb") as f:
                errtxt = f.read().decode("latin-1", "replace")
            if rc < 0:
                raise AssertionError("the server died of signal %d" % -rc)
            for bad in ("AddressSanitizer", "runtime error:", "LeakSanitizer",
                        "Assertion", "internal error"):
                if bad in errtxt:
                    raise AssertionError("server stderr: %s" % errtxt[-2000:])
            self.check_program(s, how, result)
        except (AssertionError, Hang, Gone, subprocess.TimeoutExpired) as e:
            err = "%s: %s" % (type(e).__name__, e)
        finally:
            if s.p.poll() is None:
                s.p.kill()
                s.p.wait()
            if s.pid:
                try:
                    os.kill(s.pid, signal.SIGKILL)
                except OSError:
                    pass
            reap()
        self.ends[how] = self.ends.get(how, 0) + 1
        if err:
            print("FAIL session seed %d (%s): %s" % (seed, how, err))
            if os.environ.get("SOAK_KEEP"):
                keep = "%s/soak-%d.stderr" % (os.environ["SOAK_KEEP"], seed)
                shutil.copy(errpath, keep)
                with open(keep.replace(".stderr", ".packets"), "wb") as f:
                    f.write(b"\n".join(log) + b"\n")
                print("    server's stderr: %s (packets: .packets)" % keep)
            for line in log[-40:]:
                print("    " + line.decode("latin-1", "replace"))
            return False
        return True

    def check_program(self, s, how, result):
        """After the server has gone: the program ends, well after D (its
        own checks, written to the result file), and is gone after k."""
        if not s.pid:
            return
        # Its end, as an event: a pidfd becomes readable when it exits.
        try:
            fd = os.pidfd_open(s.pid)
        except ProcessLookupError:
            fd = None  # gone already
        if fd is not None:
            try:
                r, _, _ = select.select([fd], [], [], REPLY_TIMEOUT)
            finally:
                os.close(fd)
            if not r:
                raise AssertionError("the program (%d) is still there after "
                                     "%s, state %s" % (s.pid, how,
                                                       proc_state(s.pid)))
        reap()
        if how == "D":
            got = read_result(result)
            if got != "status 0":
                raise AssertionError("after %s the program says: %s (2: its "
                                     "code changed, 3: calls lost, 4: a fork "
                                     "child failed)" % (how, got))


def read_result(path):
    """What soak.c wrote at its end (or at a fatal signal)."""
    try:
        with open(path) as f:
            return f.read().strip() or "an empty result file"
    except OSError:
        return "no result file"


def proc_state(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def reap():
    """Wait for whatever orphans came to us (this process is a
    subreaper)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("server")
    ap.add_argument("prog")
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--packets", type=int, default=60)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--nonstop", type=float, default=0.3,
                    help="the share of sessions in non-stop mode")
    args = ap.parse_args()
    # Orphans come to us: a program detached from a server that has ended
    # is ours to reap (a container's init may not).
    PR_SET_CHILD_SUBREAPER = 36
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    soak = Soak(args.server, args.prog)
    soak.nonstop_share = args.nonstop
    soak.tmp = tempfile.mkdtemp(prefix="soak.")
    failed = 0
    t0 = time.monotonic()
    for i in range(args.sessions):
        if not soak.session(args.seed + i, args.packets):
            failed += 1
    print("soak: %d sessions (seeds %d-%d), %d packets, %.1f s; ends: %s"
          % (args.sessions, args.seed, args.seed + args.sessions - 1,
             soak.packets, time.monotonic() - t0,
             ", ".join("%s %d" % kv for kv in sorted(soak.ends.items()))))
    shutil.rmtree(soak.tmp, ignore_errors=True)
    if failed:
        print("soak: %d sessions failed" % failed)
        return 1
    print("soak passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
