#!/usr/bin/python3
"""peers/pyptrace.py SCENARIO N BINDIR ADDRESS [VAR] - one benchmark run done
with python-ptrace (Debian's python3-ptrace), the way its users write it.
Run with Debian's /usr/bin/python3, which has the module.  run.sh times the
whole of it from the outside and subtracts the same run with N=0 (Python
start-up, imports, the target's own start).

  bphit N BINDIR ADDR         targets/loop N, a breakpoint at ADDR (bench_hit):
                              per hit cont, wait for SIGTRAP, take the
                              breakpoint out rewinding the PC, single-step,
                              put it back
  step N BINDIR ADDR          targets/straight to a breakpoint at ADDR
                              (step_loop), then N single-steps
  memread N BINDIR ADDR VAR   targets/bigbuf 64 to a breakpoint at ADDR
                              (buf_ready); read bench_mem at VAR, then one
                              readBytes of the first N MiB of the buffer
Prints what it did (checked by run.sh).
"""
import signal
import struct
import sys

import ptrace.binding.func as ptrace_func
from ptrace.debugger import PtraceDebugger
from ptrace.debugger.child import createChild

# python3-ptrace 0.9.8 passes the word of PTRACE_POKETEXT as an unsigned
# value that its C binding takes as a signed long: a word with the top bit
# set (the one holding bench_hit, here) fails with OverflowError.  The fix a
# user would make: hand it over as the signed long it is.
_raw_ptrace = ptrace_func.ptrace


def _ptrace_signed(command, pid=0, arg1=0, arg2=0, check_errno=False):
    if isinstance(arg2, int) and arg2 >= 1 << 63:
        arg2 -= 1 << 64
    return _raw_ptrace(command, pid, arg1, arg2, check_errno)


ptrace_func.ptrace = _ptrace_signed


def start(argv, addr):
    dbg = PtraceDebugger()
    pid = createChild(argv, no_stdout=False)
    proc = dbg.addProcess(pid, is_attached=True)
    proc.createBreakpoint(addr)
    return dbg, proc


def run_to(proc, addr):
    """Continue to the breakpoint at addr; leave the PC on addr, the
    breakpoint taken out."""
    proc.cont()
    proc.waitSignals(signal.SIGTRAP)
    bp = proc.findBreakpoint(proc.getInstrPointer() - 1)
    if bp is None or bp.address != addr:
        sys.exit("pyptrace: stopped at 0x%x, not 0x%x" % (proc.getInstrPointer(), addr))
    bp.desinstall(set_ip=True)


def main():
    scen, n, bindir, addr = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4], 16)
    if scen == "bphit":
        dbg, proc = start([bindir + "/loop", str(n)], addr)
        for _ in range(n):
            run_to(proc, addr)
            proc.singleStep()
            proc.waitSignals(signal.SIGTRAP)
            proc.createBreakpoint(addr)
        print("hits", n)
    elif scen == "step":
        dbg, proc = start([bindir + "/straight"], addr)
        run_to(proc, addr)
        for _ in range(n):
            proc.singleStep()
            proc.waitSignals(signal.SIGTRAP)
        print("steps", n, "pc 0x%x" % proc.getInstrPointer())
    elif scen == "memread":
        var = int(sys.argv[5], 16)
        dbg, proc = start([bindir + "/bigbuf", "64"], addr)
        run_to(proc, addr)
        buf, length = struct.unpack("<QQ", proc.readBytes(var, 16))
        data = proc.readBytes(buf, min(n << 20, length))
        print("read", len(data))
    else:
        sys.exit("pyptrace: unknown scenario " + scen)
    dbg.quit()  # kills the child


if __name__ == "__main__":
    main()
