# gdb script for t_gdb_attach_signal (run.sh): attach to sigchain ($pid)
# again and again, at most $tries times, until an attach finds the
# SIGALRM on its way.  At each attach every thread's $_siginfo must be
# readable (SIGSTOP's for a thread stopped by the attach, as gdbserver
# gives).  Prints one line per attach and a summary line.
import gdb

pid = int(gdb.parse_and_eval("$pid"))
tries = int(gdb.parse_and_eval("$tries"))
reported = caught = errors = 0
for i in range(tries):
    gdb.execute("attach %d" % pid, to_string=True)
    # the attach's stop: "It stopped with signal SIGALRM" (the stop's own
    # printing does not go to to_string)
    got_reply = "signal SIGALRM" in gdb.execute("info program",
                                                 to_string=True)
    sigs = []
    for th in sorted(gdb.selected_inferior().threads(), key=lambda t: t.num):
        th.switch()
        try:
            sigs.append(int(gdb.parse_and_eval("$_siginfo.si_signo")))
        except gdb.error as e:
            sigs.append(str(e))
            errors += 1
    print("attach %d: stop reply SIGALRM: %s, siginfo: %s"
          % (i + 1, got_reply, sigs))
    reported += got_reply
    caught += 14 in sigs
    gdb.execute("detach", to_string=True)
    if got_reply and 14 in sigs:
        break
print("summary: %d attaches, %d reported SIGALRM, %d with a siginfo 14, "
      "%d siginfo errors" % (i + 1, reported, caught, errors))
