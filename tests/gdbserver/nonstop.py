#!/usr/bin/env python3
"""Raw protocol checks of proctrace-gdbserver's non-stop mode (QNonStop:1).

usage: nonstop.py GDBSERVER TARGETS   (TARGETS: the built target programs)

vCont replies OK at once and stops come as %Stop notifications acknowledged
with vStopped; '?' reports one stopped thread and lets the others run; a thread stopped at a breakpoint stays stopped while the
others run (spinwait's thread C counts ticks meanwhile); vCont;t stops one
thread (T00); vCtrlC stops one with SIGINT (T02); the exit is a W notification;
a fork child stays stopped until gdb detaches it.  Prints one line per check and
"all non-stop checks passed" at the end.
"""
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import proto  # noqa: E402
from proto import check, frame, is_err, symbols  # noqa: E402


class NsConn(proto.Conn):
    """A connection that tells notifications (%...#xx) from replies."""

    def __init__(self, server, prog):
        super().__init__(server, prog)
        self.notes = []

    def read_any(self):
        """The next packet or notification: (b"$" or b"%", body)."""
        return self.read_frame(starts=(b"$", b"%"))

    def read_packet(self):
        while True:
            kind, body = self.read_any()
            if kind == b"$":
                return body
            self.notes.append(body)

    def note(self):
        """The next %Stop notification's stop reply."""
        if self.notes:
            body = self.notes.pop(0)
        else:
            kind, body = self.read_any()
            if kind != b"%":
                raise ValueError("a reply where a notification was due: %r" % body)
        if not body.startswith(b"Stop:"):
            raise ValueError("not a Stop notification: %r" % body)
        return body[5:]


def connect(server, prog, features="multiprocess+;swbreak+"):
    """A connection in no-ack mode after qSupported (features): the
    connection and the qSupported reply."""
    c = NsConn(server, prog)
    c.cmd("QStartNoAckMode")
    c.acks = False
    return c, c.cmd("qSupported:" + features)


def tid_of(reply):
    return reply.split(b"thread:")[1].split(b";")[0] if b"thread:" in reply else b""


def read_ulong(c, addr):
    r = c.cmd("m%x,8" % addr)
    return int.from_bytes(bytes.fromhex(r.decode()), "little") if not is_err(r) else -1


def ticks_move(c, addr, tries=2000):
    """Does the counter at addr change over a few reads?"""
    first = read_ulong(c, addr)
    for _ in range(tries):
        if read_ulong(c, addr) != first:
            return True
    return False


def drain(c, first):
    """The stop replies from a '?' reply (first) and vStopped up to OK."""
    got = []
    r = first
    while r != b"OK":
        got.append(r)
        r = c.cmd("vStopped")
    return got


def spinwait_checks(server, prog):
    addr = symbols(prog)
    c, r = connect(server, prog)
    check("qSupported QNonStop+", b"QNonStop+" in r, r)
    check("QNonStop bad: E", is_err(c.cmd("QNonStop:2")))
    check("QNonStop:1", c.cmd("QNonStop:1") == b"OK")
    check("vCont? offers t", c.cmd("vCont?").split(b";")[-1] == b"t")
    main_tid = c.cmd("qC")[2:]
    r = c.cmd("?")
    check("? after launch: the main thread", r.startswith(b"T05") and
          tid_of(r) == main_tid, r)
    check("? after launch: nothing else", c.cmd("vStopped") == b"OK")

    check("Z0 a_waits", c.cmd("Z0,%x,1" % addr["a_waits"]) == b"OK")
    r = c.cmd("vCont;c")
    check("vCont;c: OK at once", r == b"OK", r)
    r = c.note()
    check("breakpoint: %Stop notification", r.startswith(b"T05") and
          b"swbreak:;" in r and tid_of(r) == main_tid, r)
    r = c.cmd("vStopped")
    check("vStopped: OK", r == b"OK", r)

    threads = c.cmd("qfThreadInfo")[1:].split(b",")
    others = [t for t in threads if t != main_tid]
    check("three threads", len(threads) == 3, threads)
    tid_c = others[0]  # created first: counts ticks
    check("Hg main", c.cmd(b"Hg" + main_tid) == b"OK")
    r = c.cmd("p10")
    pc = int.from_bytes(bytes.fromhex(r.decode()), "little") if not is_err(r) else -1
    check("registers of the stopped thread", pc == addr["a_waits"], r)
    check("thread C runs while main is stopped", ticks_move(c, addr["ticks"]))
    check("Hg thread C", c.cmd(b"Hg" + tid_c) == b"OK")
    check("registers of a running thread: E", is_err(c.cmd("g")))
    check("c in non-stop: E", is_err(c.cmd("c")))

    r = c.cmd(b"vCont;t:" + tid_c)
    check("vCont;t: OK", r == b"OK", r)
    r = c.note()
    check("vCont;t: T00 for that thread", r.startswith(b"T00") and
          tid_of(r) == tid_c, r)
    check("vCont;t: vStopped OK", c.cmd("vStopped") == b"OK")
    t1 = read_ulong(c, addr["ticks"])
    check("thread C stopped: ticks still", not ticks_move(c, addr["ticks"], 50),
          t1)
    check("registers of thread C now", len(c.cmd("g")) > 1000)

    r = c.cmd(b"vCont;c:" + tid_c)
    check("vCont;c:C: OK", r == b"OK", r)
    check("thread C runs again", ticks_move(c, addr["ticks"]))
    check("vCtrlC: OK", c.cmd("vCtrlC") == b"OK")
    r = c.note()
    check("vCtrlC: T02 for the running thread", r.startswith(b"T02") and
          tid_of(r) == tid_c, r)
    check("vCtrlC: vStopped OK", c.cmd("vStopped") == b"OK")

    check("z0 a_waits", c.cmd("z0,%x,1" % addr["a_waits"]) == b"OK")
    # '?' (gdb's at connect): one stop reply, the last reported thread's;
    # the other stopped thread (main) runs from then on.
    got = drain(c, c.cmd("?"))
    check("? reports the last thread reported only",
          len(got) == 1 and got[0].startswith(b"T02") and
          tid_of(got[0]) == tid_c, got)
    check("Hg main again", c.cmd(b"Hg" + main_tid) == b"OK")
    check("? lets main run: its registers E", is_err(c.cmd("g")))
    r = c.cmd("vCont;c")  # E if main has already ended the process
    check("vCont;c to the end: OK", r == b"OK" or is_err(r), r)
    r = c.note()
    check("exit: W notification", r.startswith(b"W00;process:"), r)
    check("exit: vStopped OK", c.cmd("vStopped") == b"OK")
    c.p.stdin.close()
    rc = c.p.wait(timeout=30)
    check("server exits after the exit (not extended)", rc == 0, "rc %d" % rc)


def threads_checks(server, prog):
    """Four workers hit one breakpoint: each hit is a notification of its
    own thread, the other workers run on until they hit it too."""
    addr = symbols(prog)
    c, _ = connect(server, prog)
    check("threads: QNonStop:1", c.cmd("QNonStop:1") == b"OK")
    check("threads: QNonStop:0", c.cmd("QNonStop:0") == b"OK")
    r = c.cmd("?")
    check("threads: ? in all-stop again: T05", r.startswith(b"T05thread:"), r)
    check("threads: QNonStop:1 again", c.cmd("QNonStop:1") == b"OK")
    c.cmd("Z0,%x,1" % addr["worker_ready"])
    check("threads: vCont;c", c.cmd("vCont;c") == b"OK")
    hits = []
    r = c.note()
    # Hg-1 (all threads; for g, any): the thread the server picks
    check("threads: Hg-1", c.cmd("Hg-1") == b"OK")
    g_first = c.cmd("g")
    check("threads: g of a stopped thread", len(g_first) > 1000, g_first[:20])
    while True:
        hits.append(r)
        r = c.cmd("vStopped")
        if r == b"OK":
            if len(hits) == 4:
                break
            r = c.note()
    check("threads: 4 hits, 4 threads",
          all(h.startswith(b"T05") and b"swbreak" in h for h in hits) and
          len(set(tid_of(h) for h in hits)) == 4, hits)
    # The notifications since did not change the thread g reads (a G
    # after one wrote registers read from one thread into another).
    check("threads: g reads the same thread after notifications",
          c.cmd("g") == g_first, g_first[:40])
    c.cmd("z0,%x,1" % addr["worker_ready"])
    for h in hits:
        check("threads: resume " + tid_of(h).decode(),
              c.cmd(b"vCont;c:" + tid_of(h)) == b"OK")
    r = c.note()
    check("threads: exit W00", r.startswith(b"W00"), r)
    c.cmd("vStopped")
    c.p.stdin.close()
    c.p.wait(timeout=30)


def proc_state(pid):
    """The state letter of /proc/PID/stat, or "gone"."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


def fork_checks(server, prog):
    """A fork child reported to gdb (fork-events+) stays stopped while gdb
    serves packets (each pauses and resumes the process), until gdb
    detaches it: it was resumed with the threads gdb believes running,
    ran to its end, and gdb's D;PID failed ("Can't detach process")."""
    c, _ = connect(server, prog, "multiprocess+;fork-events+;swbreak+")
    check("fork: QNonStop:1", c.cmd("QNonStop:1") == b"OK")
    c.cmd("QPassSignals:14")  # SIGCHLD, as gdb passes it
    check("fork: vCont;c", c.cmd("vCont;c") == b"OK")
    r = c.note()
    check("fork: T05 fork:", r.startswith(b"T05") and b"fork:p" in r, r)
    child = int(r.split(b"fork:p")[1].split(b".")[0], 16) if b"fork:p" in r else 0
    parent = tid_of(r)
    check("fork: vStopped", c.cmd("vStopped") == b"OK")
    for _ in range(20):
        c.cmd("qfThreadInfo")
    # A '?' (gdb's at connect; here after the fork) lets implicitly
    # stopped threads run, but not the child gdb has yet to decide on: it
    # ran to its end, and D;CHILD got E01 (soak.py).
    drain(c, c.cmd("?"))
    check("fork: the child stays stopped", proc_state(child) == "t",
          proc_state(child))
    r = c.cmd("D;%x" % child)
    check("fork: D;CHILD", r == b"OK", r)
    check("fork: resume the parent", c.cmd(b"vCont;c:" + parent) == b"OK")
    r = c.note()
    check("fork: exit W00", r.startswith(b"W00"), r)
    c.cmd("vStopped")
    c.p.stdin.close()
    c.p.wait(timeout=30)


def two_procs_checks(server, prog, hitloop):
    """A stop of another process, taken between packets, does not change
    the process gdb's packets are for (gdb sends no Hg again): with
    process B hitting a breakpoint while gdb works on process A (a
    displaced step), the server took A's PC write for B's thread (and
    A's memory for B's), and A ran _start again."""
    c, _ = connect(server, prog)
    check("two: extended", c.cmd("!") == b"OK")
    check("two: QNonStop:1", c.cmd("QNonStop:1") == b"OK")
    a = tid_of(drain(c, c.cmd("?"))[0])
    r = c.cmd("vRun;" + hitloop.encode().hex())
    check("two: vRun the second", r.startswith(b"T05"), r)
    b = tid_of(r)
    while c.notes:  # a stop notification of the vRun, if any
        c.note()
        c.cmd("vStopped")
    check("two: Hg B", c.cmd(b"Hg" + b) == b"OK")
    tick = symbols(hitloop)["tick"]
    check("two: Z0 in B", c.cmd("Z0,%x,1" % tick) == b"OK")
    check("two: Hg A", c.cmd(b"Hg" + a) == b"OK")
    pc_a = c.cmd("p10")
    check("two: vCont;c B", c.cmd(b"vCont;c:" + b.split(b".")[0] + b".-1") == b"OK")
    r = c.note()  # taken by the server between packets
    check("two: B hits", r.startswith(b"T05") and b"swbreak" in r, r)
    r = c.cmd("p10")
    check("two: the PC read after it is still A's", r == pc_a,
          b"%s, A's: %s" % (r, pc_a))
    c.cmd("vStopped")
    c.cmd(b"vKill;" + b.split(b".")[0][1:])
    c.cmd(b"vKill;" + a.split(b".")[0][1:])
    c.p.stdin.close()
    c.p.wait(timeout=30)


def detach_keeps_current_checks(server, prog, hitloop):
    """D;PID of another process leaves the process gdb's packets are for
    as it was (gdbserver goes back to gdb's Hg thread after each packet):
    the server fell back to the first process of its table, so gdb's
    next Z0 went to another inferior (gdb.threads/vfork-multi-inferior.exp,
    non-stop: the vfork child detached, should_break_here never hit)."""
    c, _ = connect(server, prog)
    check("detach: extended", c.cmd("!") == b"OK")
    check("detach: QNonStop:1", c.cmd("QNonStop:1") == b"OK")
    a = tid_of(drain(c, c.cmd("?"))[0])
    runs = []
    for name in (hitloop, prog):
        r = c.cmd("vRun;" + name.encode().hex())
        check("detach: vRun", r.startswith(b"T05"), r)
        runs.append(tid_of(r))
        while c.notes:
            c.note()
            c.cmd("vStopped")
    b, third = runs
    check("detach: Hg B", c.cmd(b"Hg" + b) == b"OK")
    # B away from the entry point all three programs stop at
    tick = symbols(hitloop)["tick"]
    check("detach: Z0 in B", c.cmd("Z0,%x,1" % tick) == b"OK")
    check("detach: vCont;c B", c.cmd(b"vCont;c:" + b.split(b".")[0] + b".-1") == b"OK")
    r = c.note()
    check("detach: B hits", r.startswith(b"T05") and b"swbreak" in r, r)
    c.cmd("vStopped")
    check("detach: Hg B again", c.cmd(b"Hg" + b) == b"OK")
    pc_b = c.cmd("p10")
    pid3 = third.split(b".")[0][1:]
    check("detach: D;third", c.cmd(b"D;" + pid3) == b"OK")
    r = c.cmd("p10")
    check("detach: the PC read after it is still B's", r == pc_b,
          b"%s, B's: %s" % (r, pc_b))
    try:
        os.kill(int(pid3, 16), signal.SIGKILL)
    except OSError:
        pass
    for t in (b, a):
        c.cmd(b"vKill;" + t.split(b".")[0][1:])
    c.p.stdin.close()
    c.p.wait(timeout=30)


def gone_thread_checks(server, prog):
    """The thread g, G, p, P act on exits: they get E, not the registers of
    another thread (the server fell back to the last thread reported, so a
    p after a P, a notification in between, read another thread: soak.py
    with its short-lived threads)."""
    addr = symbols(prog)
    c, _ = connect(server, prog)
    check("gone: QNonStop:1", c.cmd("QNonStop:1") == b"OK")
    check("gone: QThreadEvents:1", c.cmd("QThreadEvents:1") == b"OK")
    main_tid = tid_of(drain(c, c.cmd("?"))[0])
    check("gone: Z0 thread_done", c.cmd("Z0,%x,1" % addr["thread_done"]) == b"OK")
    check("gone: vCont;c", c.cmd("vCont;c") == b"OK")
    r = c.note()
    worker = tid_of(r)
    check("gone: the worker hits", r.startswith(b"T05") and worker != main_tid, r)
    c.cmd("vStopped")
    check("gone: vCont;t main", c.cmd(b"vCont;t:" + main_tid) == b"OK")
    r = c.note()
    check("gone: main stops: T00", r.startswith(b"T00") and tid_of(r) == main_tid, r)
    c.cmd("vStopped")
    check("gone: Hg worker", c.cmd(b"Hg" + worker) == b"OK")
    check("gone: the worker's registers", len(c.cmd("g")) > 1000)
    c.cmd("z0,%x,1" % addr["thread_done"])
    check("gone: vCont;c worker", c.cmd(b"vCont;c:" + worker) == b"OK")
    r = c.note()
    check("gone: w for the worker's exit", r.startswith(b"w") and
          r.endswith(b";" + worker), r)
    c.cmd("vStopped")
    for pkt in ("g", "p10", "P10=0000000000000000"):
        r = c.cmd(pkt)
        check("gone: %s of the exited thread: E" % pkt, is_err(r), r[:40])
    check("gone: Hg main", c.cmd(b"Hg" + main_tid) == b"OK")
    check("gone: main's registers", len(c.cmd("g")) > 1000)
    check("gone: vCont;c main", c.cmd(b"vCont;c:" + main_tid) == b"OK")
    r = c.note()
    while r.startswith(b"w"):
        c.cmd("vStopped")
        r = c.note()
    check("gone: exit W00", r.startswith(b"W00"), r)
    c.cmd("vStopped")
    c.p.stdin.close()
    c.p.wait(timeout=30)


def main():
    server, targets = sys.argv[1], sys.argv[2]
    spinwait_checks(server, os.path.join(targets, "spinwait"))
    threads_checks(server, os.path.join(targets, "threads"))
    fork_checks(server, os.path.join(targets, "forker"))
    two_procs_checks(server, os.path.join(targets, "basic"),
                     os.path.join(targets, "hitloop"))
    detach_keeps_current_checks(server, os.path.join(targets, "basic"),
                                os.path.join(targets, "hitloop"))
    gone_thread_checks(server, os.path.join(targets, "lastexit"))
    if proto.failures:
        print("%d non-stop checks failed" % proto.failures)
        return 1
    print("all non-stop checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
