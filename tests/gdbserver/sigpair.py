# gdb script for t_gdb_signal_pair (tests/gdbserver/run.sh): at each stop at
# ready() of targets/sigpair.c, send both waiter threads a SIGUSR1 (tgkill,
# while the process is stopped), then continue, through the signal stops,
# to the next ready() or the end.
import ctypes
import gdb

libc = ctypes.CDLL(None)
SYS_tgkill = 234
inf = gdb.selected_inferior()
stops = 0
while inf.pid and stops < 400:
    frame = gdb.selected_frame()
    if frame.name() == "ready":
        for th in inf.threads():
            if th.ptid[1] != inf.pid:
                libc.syscall(SYS_tgkill, inf.pid, th.ptid[1], 10)
    gdb.execute("continue")
    stops += 1
