#!/bin/bash
# tests/gdbserver/run.sh - proctrace-gdbserver driven by stock gdb and lldb
# over real programs (tests/gdbserver/targets).  Run by `make check`
# (check-gdbserver), which sets:
#   GDBSERVER  the server binary
#   TARGETS    the directory of the built target programs
#   BUILD      the build directory (logs go to $BUILD/gdbserver-tests)
# Every client and server runs under `timeout 60`.  Servers on TCP ports
# listen on port 0 (a free one) and are waited for by reading their
# "Listening on port N" line, never by sleeping.  Prints PASS/FAIL/SKIP per
# test and ends with "N passed, N failed, N skipped"; exits 1 on a failure.
# GS_TESTS="name ..." runs only those tests.
set -u

: "${GDBSERVER:?set GDBSERVER}" "${TARGETS:?set TARGETS}"
LOGDIR=${BUILD:-build}/gdbserver-tests
rm -rf "$LOGDIR"
mkdir -p "$LOGDIR"
T=$TARGETS
TO="timeout 60"

npass=0 nfail=0 nskip=0

pass() { echo "PASS: $1"; npass=$((npass + 1)); }
skip() { echo "SKIP: $1 ($2)"; nskip=$((nskip + 1)); }
fail() {
	echo "FAIL: $1: $2 (log: $LOGDIR/$1.log)"
	nfail=$((nfail + 1))
}

# expect NAME FILE PATTERN... : every extended regex is in FILE.
expect() {
	local name=$1 file=$2
	shift 2
	local p
	for p in "$@"; do
		if ! grep -Eq -- "$p" "$file"; then
			fail "$name" "missing /$p/"
			return 1
		fi
	done
	pass "$name"
}

# expect_not NAME FILE PATTERN... : none of them is there (no PASS line).
refuse() {
	local name=$1 file=$2
	shift 2
	local p
	for p in "$@"; do
		if grep -Eq -- "$p" "$file"; then
			fail "$name" "unexpected /$p/"
			return 1
		fi
	done
	return 0
}

GDB=(gdb -batch -nx -ex 'set pagination off' -ex 'set confirm off')

# gdb_stdio NAME PROG [gdb args...]: gdb on a stdio server in extended mode.
gdb_stdio() {
	local name=$1 prog=$2
	shift 2
	$TO "${GDB[@]}" \
		-ex "target extended-remote | $GDBSERVER --once - $T/$prog" \
		"$@" >"$LOGDIR/$name.log" 2>&1
	echo "gdb exit: $?" >>"$LOGDIR/$name.log"
}

# start_server NAME ARGS...: a TCP server on a free port; sets PORT,
# SRV_PID, SRV_FD.  Its output (and the program's) goes to NAME.server.
start_server() {
	local name=$1
	shift
	SRVLOG=$LOGDIR/$name.server
	exec {SRV_FD}< <(exec $TO "$GDBSERVER" "$@" 2>&1)
	SRV_PID=$!
	PORT=
	local line
	while IFS= read -r -t 30 line <&"$SRV_FD"; do
		echo "$line" >>"$SRVLOG"
		case $line in
		"Listening on port "*)
			PORT=${line#Listening on port }
			return 0
			;;
		esac
	done
	return 1
}

# finish_server: wait for the server to end; sets SRV_RC, appends the rest
# of its output to its log.
finish_server() {
	cat <&"$SRV_FD" >>"$SRVLOG"
	exec {SRV_FD}<&-
	wait "$SRV_PID"
	SRV_RC=$?
	echo "server exit: $SRV_RC" >>"$SRVLOG"
}

# ---- gdb --------------------------------------------------------------------

t_gdb_break_bt() {
	gdb_stdio gdb_break_bt basic -ex 'break add' -ex continue -ex bt \
		-ex 'info breakpoints' -ex kill
	expect gdb_break_bt "$LOGDIR/gdb_break_bt.log" \
		'Breakpoint 1, add \(a=0, b=0\) at .*basic.c:11' \
		'#1 .* in compute \(n=5\) at' '#2 .* in main \(' \
		'breakpoint already hit 1 time'
}

t_gdb_step_next_finish() {
	gdb_stdio gdb_step_next_finish basic -ex 'break compute' -ex continue -ex next \
		-ex next -ex step -ex 'p a' -ex finish -ex next -ex next -ex kill
	expect gdb_step_next_finish "$LOGDIR/gdb_step_next_finish.log" \
		'Breakpoint 1, compute \(n=5\)' \
		'^19[[:space:]]+s = add\(s, i\);' \
		'^add \(a=0, b=0\) at .*basic.c:11' \
		'^\$1 = 0' 'Value returned is \$2 = 0'
}

t_gdb_registers() {
	gdb_stdio gdb_registers basic -ex 'break add' -ex continue \
		-ex 'info registers rip' -ex 'info registers eflags' \
		-ex 'p $rsp == $sp' -ex 'p/x $xmm0.uint128' -ex 'p $st0' \
		-ex 'set var $rax = 0x1234' -ex 'p/x $rax' \
		-ex 'info registers fs_base orig_rax' -ex kill
	expect gdb_registers "$LOGDIR/gdb_registers.log" \
		'^rip +0x[0-9a-f]+ +0x[0-9a-f]+ <add\+[0-9]+>' \
		'^eflags +0x[0-9a-f]+ +\[ .*\]' '^\$1 = 1' '^\$2 = 0x' \
		'^\$3 = ' '^\$4 = 0x1234' '^fs_base +0x' '^orig_rax +'
}

t_gdb_memory() {
	gdb_stdio gdb_memory basic -ex 'break add' -ex continue \
		-ex 'x/4xb &global_counter' -ex 'set var global_counter = 100' \
		-ex 'p global_counter' -ex 'x/s "abc"' -ex 'delete' -ex continue
	expect gdb_memory "$LOGDIR/gdb_memory.log" \
		'<global_counter>:[[:space:]]+0x07[[:space:]]+0x00' \
		'^\$1 = 100' 'result 10 counter 110' 'exited normally'
}

t_gdb_threads() {
	gdb_stdio gdb_threads threads -ex 'break all_ready' -ex continue \
		-ex 'info threads' -ex 'thread apply all bt' -ex 'thread 3' \
		-ex 'bt' -ex 'delete' -ex continue
	local f=$LOGDIR/gdb_threads.log
	expect gdb_threads "$f" 'hit Breakpoint 1, all_ready' \
		'^\* 1 +Thread [0-9]+\.[0-9]+ "threads" +all_ready' \
		'^  5 +Thread [0-9]+\.[0-9]+ "worker-[1-4]"' \
		'^Thread 5 \(Thread' '^Thread 1 \(Thread' \
		'Switching to thread 3' \
		'^#[0-9]+ +0x[0-9a-f]+ in worker \(arg=0x[1-4]\) at' \
		'sum 10' 'exited normally'
}

# More threads than any fixed-size list (1500; the server once stopped at
# 1024): `info threads` over the server lists every task the kernel
# counts in /proc/PID/task (the target counts them into ntasks just before
# all_ready), and the process still runs to its end (every thread
# resumed).
t_gdb_many_threads() {
	local f=$LOGDIR/gdb_many_threads.log
	gdb_stdio gdb_many_threads manythreads -ex 'break all_ready' -ex continue \
		-ex 'p ntasks' -ex 'info threads' -ex 'delete' -ex continue
	local want got
	want=$(sed -n 's/^\$1 = \([0-9]*\)$/\1/p' "$f")
	got=$(grep -Ec '^[* ] +[0-9]+ +Thread ' "$f")
	echo "kernel tasks: ${want:-?}, gdb threads: $got" >>"$f"
	if [ -z "$want" ] || [ "$want" -lt 1501 ] || [ "$got" != "$want" ]; then
		fail gdb_many_threads "gdb lists $got threads, the kernel ${want:-?}"
		return
	fi
	expect gdb_many_threads "$f" 'Breakpoint 1, all_ready' 'joined 1500' \
		'exited normally'
}

# next over calls that wait for other threads (a barrier, a join): gdb's
# step-resume breakpoint lets every thread run, so nothing hangs.
t_gdb_threads_next() {
	gdb_stdio gdb_threads_next threads -ex 'break all_ready' -ex continue \
		-ex finish -ex next -ex next -ex next -ex continue
	expect gdb_threads_next "$LOGDIR/gdb_threads_next.log" \
		'^42[[:space:]]+pthread_barrier_wait\(&go\);' \
		'^44[[:space:]]+pthread_join' 'sum 10' 'exited normally'
}

# next over a busy loop that waits for another thread: gdb range-steps
# the main thread with vCont;r...;c, and the other threads must run
# meanwhile (a server that holds them while it steps hangs here).
t_gdb_next_spinwait() {
	gdb_stdio gdb_next_spinwait spinwait -ex 'break a_waits' -ex continue \
		-ex next -ex next -ex 'p go' -ex 'delete' -ex continue
	expect gdb_next_spinwait "$LOGDIR/gdb_next_spinwait.log" \
		'^[0-9]+[[:space:]]+at_loop = 1;' '^[0-9]+[[:space:]]+while \(!go\) spins\+\+;' \
		'^[0-9]+[[:space:]]+a_mark\(\);' '^\$1 = 1$' 'a done' \
		'exited normally'
}

# set scheduler-locking on: finish resumes the current thread alone
# (vCont;c:TID) for the tens of milliseconds of a_work; thread C, which
# counts ticks without end, stays stopped.
t_gdb_schedlock() {
	local f=$LOGDIR/gdb_schedlock.log
	gdb_stdio gdb_schedlock spinwait -ex 'break a_work' -ex continue \
		-ex 'p ticks' -ex 'set scheduler-locking on' -ex finish \
		-ex 'p ticks' -ex 'set scheduler-locking off' -ex 'delete' \
		-ex continue
	local t1 t2
	t1=$(sed -n 's/^\$1 = \([0-9]*\)$/\1/p' "$f")
	t2=$(sed -n 's/^\$2 = \([0-9]*\)$/\1/p' "$f")
	echo "ticks before finish: ${t1:-?}, after: ${t2:-?}" >>"$f"
	if [ -z "$t1" ] || [ "$t1" != "$t2" ]; then
		fail gdb_schedlock "ticks ${t1:-?} -> ${t2:-?}: a locked-out thread ran"
		return
	fi
	expect gdb_schedlock "$f" 'Breakpoint 1, a_work' 'main \(\) at .*spinwait.c:[0-9]+' \
		'a done' 'exited normally'
}

# no-resumed: under scheduler-locking the one thread gdb resumes exits; no
# thread is left running, which gdb hears as "N" ("No unwaited-for children
# left."), as from gdbserver; unlocked, the program then runs to its end.
t_gdb_schedlock_exit() {
	gdb_stdio gdb_schedlock_exit lastexit -ex 'break thread_done' \
		-ex continue -ex 'set scheduler-locking on' -ex continue -ex 'thread 1' \
		-ex 'set scheduler-locking off' -ex continue
	local f=$LOGDIR/gdb_schedlock_exit.log
	refuse gdb_schedlock_exit "$f" ' stopped\.$' &&
		expect gdb_schedlock_exit "$f" 'hit Breakpoint 1, thread_done' \
			'^No unwaited-for children left\.$' 'joined' \
			'exited normally'
}

# A signal queued on a thread stopped at a breakpoint whose hit gdb saw
# before other stops: resumed with the signal (displaced stepping on: the
# breakpoints stay in), it enters the handler; it was re-reported at the
# breakpoint (gdb.threads/multiple-step-overs "signal thr1").
t_gdb_signal_on_breakpoint() {
	gdb_stdio gdb_signal_on_breakpoint sigthreads \
		-ex 'set displaced-stepping on' -ex 'break main_stop' -ex continue \
		-ex 'set var go = 1' -ex 'set scheduler-locking on' \
		-ex 'break b_stop' -ex 'thread 2' -ex continue \
		-ex 'set scheduler-locking off' -ex 'thread 1' \
		-ex 'queue-signal SIGUSR1' -ex 'break handler' -ex continue \
		-ex 'delete' -ex continue
	local f=$LOGDIR/gdb_signal_on_breakpoint.log
	expect gdb_signal_on_breakpoint "$f" 'hit Breakpoint 1, main_stop' \
		'hit Breakpoint 2, b_stop' 'hit Breakpoint 3, handler \(sig=10\)' \
		'handled 10' 'exited normally'
}

# Two threads each take a SIGUSR1 at one stop (sent while the process is
# stopped, 32 rounds): gdb hears of one, resumes it with its signal, and is
# told of the other instead (a held event); the first one's signal, which
# gdb counts as delivered, must still reach it (it was lost:
# gdb.threads/siginfo-threads.exp "Thread 1 signal SIGUSR1 not hit!").
t_gdb_signal_pair() {
	gdb_stdio gdb_signal_pair sigpair -ex 'handle SIGUSR1 stop print pass' \
		-ex 'break ready' -ex continue -x "$(dirname "$0")/sigpair.py"
	local f=$LOGDIR/gdb_signal_pair.log
	refuse gdb_signal_pair "$f" 'lost in round' 'exited with code' &&
		expect gdb_signal_pair "$f" 'received signal SIGUSR1' \
			'^hits 32 32$' 'exited normally'
}

# The program's tracer is its parent, the server process itself (its main
# thread traces, pt_tracer_run), as with gdbserver: TracerPid == PPid.
t_gdb_tracer_is_parent() {
	gdb_stdio gdb_tracer_is_parent basic -ex 'break add' -ex continue \
		-ex 'python import re; s = open("/proc/%d/status" % gdb.selected_inferior().pid).read(); t = re.search(r"TracerPid:\s+(\d+)", s).group(1); pp = re.search(r"PPid:\s+(\d+)", s).group(1); print("tracer-is-parent" if t == pp else "tracer %s, parent %s" % (t, pp))' \
		-ex kill
	expect gdb_tracer_is_parent "$LOGDIR/gdb_tracer_is_parent.log" \
		'Breakpoint 1, add' '^tracer-is-parent$'
}

# fork-events+: gdb catches the fork (the child kept stopped until gdb
# takes its breakpoints out and detaches it: D;PID), the child runs to its
# end without dying of the breakpoint it inherited, the parent hits its
# own.
t_gdb_catch_fork() {
	gdb_stdio gdb_catch_fork forker -ex 'break child_fn' -ex 'break after_fork' \
		-ex 'catch fork' -ex continue -ex continue -ex continue
	expect gdb_catch_fork "$LOGDIR/gdb_catch_fork.log" \
		'Catchpoint 3 \(forked process [0-9]+\)' \
		'Detaching after fork from child process' \
		'Breakpoint 2, after_fork \(st=768\)' 'child exit 3' \
		'exited normally'
}

# detach-on-fork off + follow-fork-mode child: two processes under gdb.
# gdb resumes the child alone (vCont;c:pCHILD.-1), which hits child_fn
# (the parent stays stopped) and exits; gdb goes back to the parent,
# which runs to its end and sees the child's status.
t_gdb_fork_follow_child() {
	local f=$LOGDIR/gdb_fork_follow_child.log
	gdb_stdio gdb_fork_follow_child forker -ex 'set detach-on-fork off' \
		-ex 'set follow-fork-mode child' -ex 'break child_fn' \
		-ex continue -ex continue -ex 'inferior 1' -ex continue
	expect gdb_fork_follow_child "$f" 'New inferior 2 \(process [0-9]+\)' \
		'Thread 2\.1 .*hit Breakpoint 1\.2, child_fn' \
		'Inferior 2 \(process [0-9]+\) exited with code 03' \
		'child exit 3' 'Inferior 1 \(process [0-9]+\) exited normally' \
		'^gdb exit: 0'
}

# detach-on-fork off + schedule-multiple on: both processes run at once
# (vCont;c).  The child hits child_fn (the parent waits for it meanwhile);
# then both run: the child's exit (;process:) and the parent's hit of
# after_fork may come in either order (the library reaps the child at
# once, so the parent runs on until the server stops it; an event of a
# process stopped for another's is reported when gdb resumes it), so each
# inferior is continued in turn until both have ended.
t_gdb_fork_schedule_multiple() {
	local f=$LOGDIR/gdb_fork_schedule_multiple.log
	gdb_stdio gdb_fork_schedule_multiple forker -ex 'set detach-on-fork off' \
		-ex 'set schedule-multiple on' -ex 'break child_fn' \
		-ex 'break after_fork' -ex continue -ex continue \
		-ex 'inferior 2' -ex continue -ex 'inferior 1' -ex continue \
		-ex continue
	expect gdb_fork_schedule_multiple "$f" \
		'Thread 2\.1 .*hit Breakpoint 1\.2, child_fn' \
		'Inferior 2 \(process [0-9]+\) exited with code 03' \
		'Thread 1\.1 .*hit Breakpoint 2\.1, after_fork \(st=768\)' \
		'child exit 3' 'Inferior 1 \(process [0-9]+\) exited normally'
}

# Four threads hit hitp at once; the condition (evaluated by the server)
# takes only thread 0's hits.  When the library's event thread is one whose
# hit is rejected, another thread's true hit of the same stop is the one
# reported (resuming stepped it over its breakpoint: 68 to 98 of 200 hits
# reached gdb; gdbserver and host evaluation: 200).
t_gdb_cond_threads() {
	local f=$LOGDIR/gdb_cond_threads.log cmds=$LOGDIR/gdb_cond_threads.gdb
	cat >"$cmds" <<'GDB'
set $n = 0
break hitp if id == 0
commands
silent
set $n = $n + 1
continue
end
continue
printf "hits of thread 0: %d\n", $n
GDB
	gdb_stdio gdb_cond_threads condhits -x "$cmds"
	expect gdb_cond_threads "$f" '^total 2000$' '^hits of thread 0: 200$' \
		'^gdb exit: 0'
}

# `next` while four other threads fork (and gdb detaches each child): a
# child whose fork is not reported yet (another thread's fork was, in the
# same stop) is no thread of gdb's: an all-threads vCont must not run it
# (it did, and its stop reached gdb: "Switching to Thread CHILD", "Remote
# 'g' packet reply is too long", "Cannot insert breakpoint").  30 nexts
# from line 53, each to line 54 or 53 (52, the loop's line, with clang).
t_gdb_next_forks() {
	local f=$LOGDIR/gdb_next_forks.log args=() i
	for i in $(seq 30); do args+=(-ex next); done
	gdb_stdio gdb_next_forks forkloop -ex 'break 53' -ex continue \
		-ex 'set print inferior-events off' "${args[@]}" -ex kill
	local lines
	lines=$(grep -a -c -P '^5[234]\t' "$f")
	refuse gdb_next_forks "$f" 'Switching to Thread' 'Cannot insert' \
		'too long' || return
	if [ "$lines" != 31 ]; then
		fail gdb_next_forks "$lines of 31 source lines after break and nexts"
		return
	fi
	expect gdb_next_forks "$f" '^gdb exit: 0'
}

# The same in non-stop: a fork found while serving gdb's wildcard vCont
# (sent before gdb heard of the fork) must not run the child gdb has not
# been told of yet: it ended before gdb's D;CHILD ("Can't detach
# process.", then every next "Cannot execute this command while the
# selected thread is running").
t_gdb_next_forks_ns() {
	local f=$LOGDIR/gdb_next_forks_ns.log args=() i
	for i in $(seq 30); do args+=(-ex next); done
	$TO "${GDB[@]}" -ex 'set non-stop on' \
		-ex "target extended-remote | $GDBSERVER --once - $T/forkloop" \
		-ex 'break 53' -ex continue -ex 'set print inferior-events off' \
		"${args[@]}" -ex kill >"$f" 2>&1
	echo "gdb exit: $?" >>"$f"
	local lines
	lines=$(grep -a -c -P '^5[234]\t' "$f")
	refuse gdb_next_forks_ns "$f" "Can't detach" 'Cannot execute' \
		'Switching to Thread' 'too long' || return
	if [ "$lines" != 31 ]; then
		fail gdb_next_forks_ns "$lines of 31 source lines after break and nexts"
		return
	fi
	expect gdb_next_forks_ns "$f" '^gdb exit: 0'
}

# ConditionalBreakpoints+: gdb (condition-evaluation auto) sends the
# condition's bytecode with Z0; the server evaluates it (on a global, for
# gcc's and clang's code alike) at each of the 1000 hits and reports only
# the 10 where it holds (host evaluation would take
# 1000 stop replies, and a step over each).  gdb prints n at each: 99, 199, ... 999.
t_gdb_cond_target() {
	local f=$LOGDIR/gdb_cond_target.log cmds=$LOGDIR/gdb_cond_target.gdb
	local rl=$LOGDIR/gdb_cond_target.packets
	rm -f "$rl"
	cat >"$cmds" <<GDB
set remotelogfile $rl
target extended-remote | $GDBSERVER --once - $T/condloop
break tick if count % 100 == 99
commands
silent
printf "n=%d\\n", n
continue
end
continue
GDB
	$TO "${GDB[@]}" -x "$cmds" >"$f" 2>&1
	echo "gdb exit: $?" >>"$f"
	local stops
	stops=$(grep -a -o '\$T05' "$rl" | wc -l)
	# 10 hits, a step over each, the dynamic linker's stops: some 24;
	# with the conditions evaluated by gdb, over 2000
	if [ "$stops" -ge 100 ] || [ "$stops" -lt 10 ]; then
		fail gdb_cond_target "$stops stop replies for 10 true conditions"
		return
	fi
	grep -a -q 'Z0,[0-9a-f]*,1;X' "$rl" ||
		{ fail gdb_cond_target "no Z0 with a condition in $rl"; return; }
	expect gdb_cond_target "$f" '^n=99$' '^n=499$' '^n=999$' '^done$' \
		'exited normally' '^gdb exit: 0'
}

# vfork-events+: gdb catches the vfork (vfork: in the stop reply),
# detaches the child, which runs on the parent's memory with no breakpoint
# of gdb's in it, and puts its breakpoints back at the parent's vforkdone:
# the parent then hits after_fork, the child never hits child_fn.
t_gdb_catch_vfork() {
	local f=$LOGDIR/gdb_catch_vfork.log
	gdb_stdio gdb_catch_vfork forker -ex 'break child_fn' -ex 'break after_fork' \
		-ex 'catch vfork' -ex 'run vfork' -ex 'set debug remote 1' \
		-ex continue -ex 'set debug remote 0' -ex continue
	# gdb's remote log on stderr cuts into its lines on stdout: match
	# pieces.
	refuse gdb_catch_vfork "$f" 'Breakpoint 1, ' &&
		expect gdb_catch_vfork "$f" \
			'Catchpoint 3 \(vforked process [0-9]+\)' \
			'Detaching after vfork from child process' \
			'Packet received: T05.*vforkdone:;' \
			'Breakpoint 2, ' 'child exit 4' \
			'exited normally'
}

# A vfork child runs on the parent's memory with the parent's breakpoints
# lifted until the vfork is done (gdb is told of it and detaches it).
t_gdb_vfork_child() {
	gdb_stdio gdb_vfork_child forker -ex 'break child_fn' -ex 'break after_fork' \
		-ex 'run vfork' -ex continue
	expect gdb_vfork_child "$LOGDIR/gdb_vfork_child.log" \
		'Breakpoint 2, after_fork \(st=1024\)' 'child exit 4' \
		'exited normally'
}

# Four threads on one breakpoint at once: every hit reported (gdb counts
# them through an ignore count), none lost to the all-stop.
t_gdb_bphits() {
	gdb_stdio gdb_bphits bphits -ex 'break hit' -ex 'ignore 1 1000' \
		-ex continue -ex 'info breakpoints'
	expect gdb_bphits "$LOGDIR/gdb_bphits.log" 'total 100' \
		'breakpoint already hit 100 times'
}

NEVER_FIRE="the CPU's debug registers never fire on this machine (tests/gdbserver/targets/hwprobe: a raw ptrace watchpoint did not trap)"

# Where the debug registers never fire (tests/gdbserver/targets/hwprobe,
# a raw ptrace watchpoint, says so), pt_watchpoints_fire says so too: a
# hardware watchpoint or breakpoint is set (as gdbserver does) and the
# server's stderr says, once, that it will never hit;
# --hw-watchpoints=refuse (here its environment form) refuses it with E,
# and gdb's software watchpoint then works; =always says nothing.
t_gdb_watch() {
	local f=$LOGDIR/gdb_watch.log
	if ! "$T/hwprobe" >/dev/null; then
		gdb_stdio gdb_watch basic -ex 'break main' -ex continue \
			-ex 'watch watched' -ex continue
		refuse gdb_watch "$f" 'Could not insert' &&
			expect gdb_watch "$f" 'Hardware watchpoint 2: watched' \
				'proctrace-gdbserver: hardware watchpoints and breakpoints never fire on this machine .*: they are set but will never hit' \
				'exited normally'
		PROCTRACE_GDBSERVER_HW_WATCHPOINTS=refuse gdb_stdio \
			gdb_watch_refuse basic -ex 'break main' -ex continue \
			-ex 'watch watched' -ex continue -ex 'delete 2' \
			-ex 'set can-use-hw-watchpoints 0' -ex 'watch watched' \
			-ex continue -ex continue
		expect gdb_watch_refuse "$LOGDIR/gdb_watch_refuse.log" \
			'Hardware watchpoint 2: watched' \
			'never fire on this machine .*: refused' \
			'Could not insert hardware watchpoint 2' \
			'^Watchpoint 3: watched' 'Old value = 0' 'New value = 10' \
			'exited normally'
		PROCTRACE_GDBSERVER_HW_WATCHPOINTS=always gdb_stdio \
			gdb_watch_always basic -ex 'break main' -ex continue \
			-ex 'watch watched' -ex continue
		f=$LOGDIR/gdb_watch_always.log
		refuse gdb_watch_always "$f" 'Could not insert' 'never fire' &&
			expect gdb_watch_always "$f" \
				'Hardware watchpoint 2: watched' 'exited normally'
		skip gdb_watch_hit "$NEVER_FIRE"
		return
	fi
	gdb_stdio gdb_watch basic -ex 'break main' -ex continue \
		-ex 'watch watched' -ex continue -ex continue
	refuse gdb_watch_insert "$f" 'Could not insert' 'Cannot insert' 'never fire' &&
		expect gdb_watch_insert "$f" 'Hardware watchpoint 2: watched'
	expect gdb_watch_hit "$f" 'Hardware watchpoint 2: watched' \
		'Old value = 0' 'New value = 10'
	# awatch: Z4, and the stop reply says awatch: (gdbserver: watch:)
	gdb_stdio gdb_awatch basic -ex 'set debug remote 1' -ex 'break main' \
		-ex continue -ex 'awatch watched' -ex continue -ex continue
	expect gdb_awatch "$LOGDIR/gdb_awatch.log" \
		'Hardware access \(read/write\) watchpoint 2: watched' \
		'Packet received: T05[^ ]*;awatch:[0-9a-f]+;' 'New value = 10' \
		'exited normally'
}

# hbreak: Z1, a debug-register execution breakpoint (where the debug
# registers never fire: as a watchpoint, above).
t_gdb_hbreak() {
	local f=$LOGDIR/gdb_hbreak.log
	if ! "$T/hwprobe" >/dev/null; then
		gdb_stdio gdb_hbreak basic -ex 'hbreak add' -ex continue
		refuse gdb_hbreak "$f" 'Cannot insert' &&
			expect gdb_hbreak "$f" 'Hardware assisted breakpoint 1 at' \
				'never fire on this machine .*: they are set but will never hit' \
				'exited normally'
		PROCTRACE_GDBSERVER_HW_WATCHPOINTS=refuse gdb_stdio \
			gdb_hbreak_refuse basic -ex 'hbreak add' -ex continue -ex kill
		expect gdb_hbreak_refuse "$LOGDIR/gdb_hbreak_refuse.log" \
			'Hardware assisted breakpoint 1 at' \
			'never fire on this machine .*: refused' \
			'Cannot insert hardware breakpoint 1'
		PROCTRACE_GDBSERVER_HW_WATCHPOINTS=always gdb_stdio \
			gdb_hbreak_always basic -ex 'hbreak add' -ex continue
		f=$LOGDIR/gdb_hbreak_always.log
		refuse gdb_hbreak_always "$f" 'Cannot insert' 'never fire' &&
			expect gdb_hbreak_always "$f" \
				'Hardware assisted breakpoint 1 at' 'exited normally'
		skip gdb_hbreak_hit "$NEVER_FIRE"
		return
	fi
	gdb_stdio gdb_hbreak basic -ex 'hbreak add' -ex continue -ex 'bt 1' -ex kill
	refuse gdb_hbreak_insert "$f" 'Could not insert' 'Cannot insert' 'never fire' &&
		expect gdb_hbreak_insert "$f" 'Hardware assisted breakpoint 1 at'
	expect gdb_hbreak_hit "$f" 'Breakpoint 1, add \(a=0, b=0\)'
}

# A child made by clone(CLONE_VM) without CLONE_THREAD is a thread of the
# program for gdb (an LWP), as with gdbserver: its breakpoint hit stops
# "Thread 2", it is listed, and the program runs on to its end (the child
# was detached as a fork child before, its breakpoint taken out of the
# shared memory: no hit).
t_gdb_clone_vm() {
	gdb_stdio gdb_clone_vm clonevm -ex 'break in_clone' -ex continue \
		-ex 'info threads' -ex 'p clone_calls' -ex continue
	local f=$LOGDIR/gdb_clone_vm.log
	refuse gdb_clone_vm "$f" 'Detaching after fork' &&
		expect gdb_clone_vm "$f" \
			'Thread 2 .* hit Breakpoint 1, in_clone' \
			'^\* 2 +Thread [0-9a-f.p]+ .*in_clone' '^\$1 = 0$' \
			'clone exit 7' 'exited normally'
}

# A watchpoint in each of two threads that both hit without a pause: the
# hit of one thread held while the other's is reported must still be
# reported after gdb removes and re-inserts its watchpoints (as it does at
# every stop): 40 hits, each old value + 1 = new value.
t_gdb_watch_threads() {
	if ! "$T/hwprobe" >/dev/null; then
		skip gdb_watch_threads "$NEVER_FIRE"
		return
	fi
	local f=$LOGDIR/gdb_watch_threads.log cmds=$LOGDIR/gdb_watch_threads.gdb
	cat >"$cmds" <<'GDB'
break main
continue
watch counters[0]
watch counters[1]
set $n = 0
while $n < 40
  continue
  set $n = $n + 1
end
continue
GDB
	gdb_stdio gdb_watch_threads watchloop -x "$cmds"
	local hits steps
	hits=$(grep -c 'hit Hardware watchpoint [23]: counters' "$f")
	steps=$(awk '/^Old value = /{o=$4} /^New value = /{if ($4 != o + 1) print o " -> " $4}' "$f" | head -3 | tr '\n' ' ')
	if [ -n "$steps" ]; then
		fail gdb_watch_threads "hits missed: $steps"
	elif [ "$hits" != 40 ]; then
		fail gdb_watch_threads "$hits watchpoint hits reported, 40 expected"
	else
		expect gdb_watch_threads "$f" 'total 40' 'exited normally'
	fi
}

t_gdb_signals() {
	gdb_stdio gdb_sig_stop signals -ex 'handle SIGUSR1 stop print pass' \
		-ex continue -ex 'p $_siginfo.si_signo' -ex 'p $_siginfo.si_code' \
		-ex continue -ex continue -ex continue
	local f=$LOGDIR/gdb_sig_stop.log
	expect gdb_siginfo "$f" '^\$1 = 10$' '^\$2 = -6$'
	if [ "$(grep -c 'Program received signal SIGUSR1' "$f")" != 3 ]; then
		fail gdb_signal_stop_pass "SIGUSR1 not reported 3 times"
	else
		expect gdb_signal_stop_pass "$f" 'handled 3' 'exited normally'
	fi
	gdb_stdio gdb_sig_nopass signals -ex 'handle SIGUSR1 stop print nopass' \
		-ex continue -ex continue -ex continue -ex continue
	expect gdb_signal_nopass "$LOGDIR/gdb_sig_nopass.log" 'handled 0' \
		'exited normally'
	gdb_stdio gdb_sig_nostop signals -ex 'handle SIGUSR1 nostop noprint pass' \
		-ex 'break after_signals' -ex continue -ex 'p handled' -ex continue
	f=$LOGDIR/gdb_sig_nostop.log
	refuse gdb_signal_nostop "$f" 'Program received signal' &&
		expect gdb_signal_nostop "$f" 'Breakpoint 1, after_signals' \
			'^\$1 = 3' 'handled 3'
}

# gdb's "handle SIGUSR1 nopass" reaches the server as QProgramSignals: a
# thread stopped with a signal gdb does not pass is let go without it at
# detach, as gdbserver does; one gdb passes is delivered.  The program
# reports its count through a FIFO (read with a timeout).  The old server
# delivered every one: "handled 3" after nopass.
t_gdb_detach_signal() {
	local fifo=$LOGDIR/detachsig.fifo pass want fd line f
	for pass in nopass pass; do
		f=$LOGDIR/gdb_detach_$pass.log
		rm -f "$fifo"
		if ! mkfifo "$fifo"; then
			fail gdb_detach_$pass "cannot make $fifo"
			continue
		fi
		exec {fd}<>"$fifo"
		gdb_stdio gdb_detach_$pass "detachsig $fifo" \
			-ex "handle SIGUSR1 stop print $pass" -ex continue -ex detach
		line=
		read -r -t 30 -u "$fd" line
		exec {fd}<&-
		echo "program: $line" >>"$f"
		want='handled 2'
		[ $pass = pass ] && want='handled 3'
		expect gdb_detach_$pass "$f" 'Program received signal SIGUSR1' \
			'Inferior 1 \(process [0-9]+\) detached' "^program: $want\$"
	done
	rm -f "$fifo"
}

# $_siginfo (qXfer:siginfo:read/write): at a SIGSEGV the fields gdb shows
# are native gdb's; at a SIGUSR1 queued with a value the value is read,
# and a value written there reaches the program's SA_SIGINFO handler.
t_gdb_siginfo_rw() {
	local f=$LOGDIR/gdb_siginfo_segv.log cmds
	cmds=(-ex 'p $_siginfo.si_signo' -ex 'p $_siginfo.si_code'
		-ex 'p $_siginfo._sifields._sigfault.si_addr' -ex kill)
	$TO "${GDB[@]}" -ex "target extended-remote | $GDBSERVER --once - $T/siginfo segv" \
		-ex continue "${cmds[@]}" >"$f" 2>&1
	$TO "${GDB[@]}" -ex run "${cmds[@]}" --args "$T/siginfo" segv \
		>"$f.native" 2>&1
	grep -E '^\$[0-9]+ = ' "$f" >"$f.vals"
	grep -E '^\$[0-9]+ = ' "$f.native" >"$f.native.vals"
	if ! cmp -s "$f.vals" "$f.native.vals" || [ ! -s "$f.vals" ]; then
		fail gdb_siginfo_segv "\$_siginfo differs from native gdb's ($f.native)"
	else
		expect gdb_siginfo_segv "$f" 'SIGSEGV' '^\$1 = 11$' \
			'^\$3 = \(void \*\) 0x10$'
	fi
	gdb_stdio gdb_siginfo_write siginfo -ex 'handle SIGUSR1 stop print pass' \
		-ex continue -ex 'p $_siginfo._sifields._rt.si_sigval.sival_int' \
		-ex 'set $_siginfo._sifields._rt.si_sigval.sival_int = 42' \
		-ex 'p $_siginfo._sifields._rt.si_sigval.sival_int' -ex continue
	expect gdb_siginfo_write "$LOGDIR/gdb_siginfo_write.log" \
		'Program received signal SIGUSR1' '^\$1 = 7$' '^\$2 = 42$' \
		'^sival 42$' 'exited normally'
	# the fault passed on: the program dies of it (X0b;process:)
	gdb_stdio gdb_killed_by_signal "siginfo segv" -ex 'set debug remote 1' \
		-ex continue -ex continue -ex 'info inferiors'
	expect gdb_killed_by_signal "$LOGDIR/gdb_killed_by_signal.log" \
		'Program received signal SIGSEGV' \
		'Packet received: X0b;process:[0-9a-f]+' \
		'Program terminated with signal SIGSEGV, Segmentation fault' \
		'The program no longer exists'
}

# QPassSignals: signals gdb passes without stopping are delivered by the
# library as they come: 2000 SIGUSR1s, every one handled, not one stop
# of the process (none logged by PROCTRACE_GDBSERVER_DEBUG=1, which logs
# every stop) and no stop reply.
t_gdb_pass_signals() {
	local f=$LOGDIR/gdb_pass_signals.log
	PROCTRACE_GDBSERVER_DEBUG=1 $TO "${GDB[@]}" -ex "set remotelogfile $f.rlog" \
		-ex "target extended-remote | $GDBSERVER --once - $T/sigloop 2000" \
		-ex 'handle SIGUSR1 nostop noprint pass' -ex continue >"$f" 2>&1
	local stops replies
	stops=$(grep -c 'stop: thread.*SIGUSR1' "$f")
	replies=$(grep -ac '^r \$T1e' "$f.rlog")
	echo "SIGUSR1 stops: $stops, SIGUSR1 stop replies: $replies" >>"$f"
	if [ "$stops" != 0 ] || [ "$replies" != 0 ]; then
		fail gdb_pass_signals "$stops stops for SIGUSR1, $replies stop replies"
		return
	fi
	expect gdb_pass_signals "$f" '^handled 2000$' 'exited normally'
}

# QCatchSyscalls: gdb's `catch syscall getppid` stops at the call and at
# its return, with the lines native gdb prints ("target:" dropped).
t_gdb_catch_syscall() {
	local f=$LOGDIR/gdb_catch_syscall.log cmds
	cmds=(-ex 'catch syscall getppid' -ex continue -ex continue -ex continue)
	$TO "${GDB[@]}" -ex "target extended-remote | $GDBSERVER --once - $T/syscalls" \
		"${cmds[@]}" >"$f" 2>&1
	$TO "${GDB[@]}" -ex starti "${cmds[@]}" "$T/syscalls" \
		>"$f.native" 2>&1
	grep -E '^Catchpoint [0-9]+ \(' "$f" | sed 's/target://' >"$f.lines"
	grep -E '^Catchpoint [0-9]+ \(' "$f.native" >"$f.native.lines"
	if ! cmp -s "$f.lines" "$f.native.lines"; then
		fail gdb_catch_syscall "catchpoint stops differ from native gdb's ($f.native)"
		return
	fi
	expect gdb_catch_syscall "$f" \
		'^Catchpoint 1 \(call to syscall getppid\)' \
		'^Catchpoint 1 \(returned from syscall getppid\)' \
		'^ppid ok$' 'exited normally'
}

t_gdb_run_again() {
	gdb_stdio gdb_run_again basic -ex 'break add' -ex continue -ex kill \
		-ex 'info inferiors' -ex 'run' -ex 'bt 1' -ex 'delete' \
		-ex 'run 3' -ex 'info inferiors'
	expect gdb_run_again "$LOGDIR/gdb_run_again.log" \
		'\[Inferior 1 \(process [0-9]+\) killed\]' \
		'Breakpoint 1, add' 'exited with code 03'
}

t_gdb_exit_code() {
	gdb_stdio gdb_exit_code basic -ex 'run 7'
	expect gdb_exit_code "$LOGDIR/gdb_exit_code.log" 'exited with code 07'
}

# --debug-file=FILE: the debug lines (and PROCTRACE_DEBUG's library log)
# go to FILE, none to the stderr the program shares (gdb's testsuite, which
# reads that stderr only now and then, timed out under debug output).
t_gdb_debug_file() {
	local f=$LOGDIR/gdb_debug_file.debug
	rm -f "$f"
	PROCTRACE_GDBSERVER_DEBUG=2 PROCTRACE_DEBUG=1 $TO "${GDB[@]}" \
		-ex "target extended-remote | $GDBSERVER --once --debug-file=$f - $T/basic 3" \
		-ex continue >"$LOGDIR/gdb_debug_file.log" 2>&1
	echo "gdb exit: $?" >>"$LOGDIR/gdb_debug_file.log"
	expect gdb_debug_file "$LOGDIR/gdb_debug_file.log" 'exited with code 03' &&
		expect gdb_debug_file_lines "$f" '^gdbserver: <- \$vCont;c' \
			'^gdbserver: -> \$W03' '^proctrace: ' &&
		refuse gdb_debug_file_stderr "$LOGDIR/gdb_debug_file.log" \
			'^gdbserver: ' '^proctrace'
}

# exec-events: gdb follows the exec, re-sets breakpoints in the new program.
t_gdb_exec() {
	gdb_stdio gdb_exec "execer $T/basic 5" -ex 'set breakpoint pending on' \
		-ex 'break before_exec' -ex 'break add' -ex continue -ex continue \
		-ex 'bt 2' -ex 'delete' -ex continue
	expect gdb_exec "$LOGDIR/gdb_exec.log" 'Breakpoint 1, before_exec' \
		'Breakpoint 2, add \(a=0, b=0\)' '#1 .* in compute \(n=5\)' \
		'result 10 counter 17' 'exited with code 05'
	# catch exec: the stop at the exec (exec:), in the new program
	gdb_stdio gdb_catch_exec "execer $T/basic 5" -ex 'catch exec' \
		-ex continue -ex 'info inferiors' -ex 'bt 1' -ex continue
	expect gdb_catch_exec "$LOGDIR/gdb_catch_exec.log" \
		"Catchpoint 1 \\(exec'd $T/basic\\)" "\\* 1 +process [0-9]+ .*target:$T/basic" \
		'#0 .*_start' 'result 10 counter 17' 'exited with code 05'
}

# vRun settings: QDisableRandomization (gdb's default on), QEnvironment*,
# QSetWorkingDir; and the program leads its own process group, as with
# gdbserver.
t_gdb_launch_settings() {
	gdb_stdio gdb_launch_settings basic -ex 'break add' -ex run \
		-ex 'p $sp' -ex run -ex 'p $sp' \
		-ex 'set environment GS_TEST_VAR=hello' -ex 'unset environment HOME' \
		-ex 'set cwd /tmp' -ex run -ex 'p (char *)getenv("GS_TEST_VAR")' \
		-ex 'p (char *)getenv("HOME")' -ex 'p (char *)get_current_dir_name()' \
		-ex 'p (int)getpgrp() == (int)getpid()' -ex kill
	local f=$LOGDIR/gdb_launch_settings.log
	local sp1 sp2
	sp1=$(grep -m1 '^\$1 = ' "$f" | sed 's/^\$1 = //')
	sp2=$(grep -m1 '^\$2 = ' "$f" | sed 's/^\$2 = //')
	if [ -z "$sp1" ] || [ "$sp1" != "$sp2" ]; then
		fail gdb_launch_settings "stack differs between runs with ASLR off: '$sp1' '$sp2'"
		return
	fi
	expect gdb_launch_settings "$f" '^\$3 = 0x[0-9a-f]+ "hello"' '^\$4 = 0x0$' \
		'^\$5 = 0x[0-9a-f]+ "/tmp"' '^\$6 = 1$'
}

# QStartupWithShell (gdb's startup-with-shell, on by default): the program
# runs as SHELL -c 'exec PROG ARGS', every argument reaching it unchanged
# (spaces, $, *, quotes, empty), the first stop in the program itself.
# The shell shows by the PWD it sets when the environment has none: with
# it the program sees one, without it (startup-with-shell off) none.
t_gdb_startup_shell() {
	local f=$LOGDIR/gdb_startup_shell.log
	$TO "${GDB[@]}" -ex "target extended-remote | $GDBSERVER --once - $T/basic" \
		-ex 'unset environment PWD' -ex 'set cwd /tmp' -ex 'break main' \
		-ex "run 'a b' '\$HOME' '*' '' 'x\"y' 'it'\\''s'" \
		-ex 'p argc' -ex 'p argv[1]' -ex 'p argv[2]' -ex 'p argv[3]' \
		-ex 'p argv[4]' -ex 'p argv[5]' -ex 'p argv[6]' \
		-ex 'p (char *)getenv("PWD")' -ex 'info inferiors' \
		-ex 'set startup-with-shell off' -ex run \
		-ex 'p (char *)getenv("PWD")' -ex 'p argc' \
		-ex 'set startup-with-shell on' -ex 'set remote exec-file /nonexistent' \
		-ex run -ex 'set remote exec-file' -ex 'delete' -ex 'run 5' >"$f" 2>&1
	expect gdb_startup_shell "$f" '^\$1 = 7$' '^\$2 = 0x[0-9a-f]+ "a b"$' \
		'^\$3 = 0x[0-9a-f]+ "\$HOME"$' '^\$4 = 0x[0-9a-f]+ "\*"$' \
		'^\$5 = 0x[0-9a-f]+ ""$' '^\$6 = 0x[0-9a-f]+ "x\\"y"$' \
		"^\\\$7 = 0x[0-9a-f]+ \"it's\"$" '^\$8 = 0x[0-9a-f]+ "/tmp"$' \
		'^\* 1 +process [0-9]+ .*basic' '^\$9 = 0x0$' '^\$10 = 7$' \
		'Running "/nonexistent" on the remote target failed' \
		'exited with code 05'
}

# vCont r (range stepping, done by the server's own single steps): gdb's
# next/step/finish over the loop of basic with range-stepping on give what
# they give with it off, gdb sends vCont;r, and far fewer stop replies come
# back; a breakpoint reached during a next stops it.
t_gdb_range_step() {
	local rs f
	for rs in on off; do
		f=$LOGDIR/gdb_range_step_$rs
		$TO "${GDB[@]}" -ex "set remotelogfile $f.rlog" \
			-ex "target extended-remote | $GDBSERVER --once - $T/basic" \
			-ex "set range-stepping $rs" -ex 'break compute' -ex continue \
			-ex next -ex next -ex next -ex next -ex next -ex next \
			-ex 'p s' -ex 'p i' -ex step -ex next -ex finish -ex next \
			-ex 'break add' -ex next -ex next -ex 'p a' -ex 'delete' \
			-ex finish -ex next -ex next -ex 'p s' -ex continue \
			>"$f.log" 2>&1
		grep -Evi 'process [0-9]|pid = [0-9]' "$f.log" >"$f.out"
		echo "vCont;r packets: $(grep -c 'vCont;r' "$f.rlog")" >>"$f.log"
		echo "stop replies: $(grep -aoc '^r \$T' "$f.rlog")" >>"$f.log"
	done
	f=$LOGDIR/gdb_range_step_on
	refuse gdb_range_step "$f.log" 'Range stepping is not supported' \
		'vCont;r packets: 0$' || return
	if ! cmp -s "$f.out" "$LOGDIR/gdb_range_step_off.out"; then
		fail gdb_range_step "output differs from range-stepping off (diff $f.out $LOGDIR/gdb_range_step_off.out)"
		return
	fi
	expect gdb_range_step "$f.log" '^\$1 = 1$' '^\$2 = 2$' \
		'^add \(a=1, b=2\) at .*basic.c:11' 'Value returned is \$3 = 3' \
		'Breakpoint 2, add \(a=3, b=3\)' '^\$4 = 3$' \
		'Value returned is \$5 = 6' '^\$6 = 6$' \
		'result 10 counter 17' 'exited normally'
}

# qXfer:libraries-svr4:read: the library list gdb gets from the server
# (`info sharedlibrary`) equals the one over stock gdbserver (which, like
# ours, starts the program without ASLR) and natively, for the no-PIE
# target and a PIE build of it, and the reply document is the same bytes
# as gdbserver's.
# The last library-list-svr4 document in a gdb remotelogfile, run-length
# encoding (X*N: N-29 more X's, which gdbserver uses) undone.
svr4_doc() {
	python3 -c '
import re, sys
data = open(sys.argv[1], "rb").read().decode("latin-1")
docs = re.findall(r"<library-list-svr4[^$#]*", data)
doc = docs[-1] if docs else ""
print(re.sub(r"(.)\*(.)", lambda m: m.group(1) * (ord(m.group(2)) - 28), doc))
' "$1"
}

t_gdb_svr4() {
	local src pie=$LOGDIR/basic_pie prog name
	src=$(dirname "$0")/targets/basic.c
	if ! ${CC:-cc} -g -O0 -fPIE -pie "$src" -o "$pie" >"$LOGDIR/basic_pie.cc.log" 2>&1; then
		fail gdb_svr4 "cannot build a PIE program (log: $LOGDIR/basic_pie.cc.log)"
		return
	fi
	for prog in "$T/basic" "$pie"; do
		name=gdb_svr4_$(basename "$prog")
		local f=$LOGDIR/$name.log
		$TO "${GDB[@]}" -ex "set remotelogfile $LOGDIR/$name.ours.rlog" \
			-ex "target extended-remote | $GDBSERVER --once - $prog" \
			-ex 'break add' -ex continue -ex 'info sharedlibrary' \
			-ex 'show remote library-info-svr4-packet' -ex kill \
			>"$f" 2>&1
		if command -v gdbserver >/dev/null; then
			$TO "${GDB[@]}" -ex "set remotelogfile $LOGDIR/$name.stock.rlog" \
				-ex "target extended-remote | gdbserver --once - $prog" \
				-ex 'break add' -ex continue -ex 'info sharedlibrary' \
				-ex kill >"$LOGDIR/$name.stock" 2>&1
		fi
		$TO "${GDB[@]}" -ex 'break add' -ex run -ex 'info sharedlibrary' \
			-ex kill "$prog" >"$LOGDIR/$name.native" 2>&1
		# The table's rows, "target:" (the remote sysroot) dropped.
		local rows
		rows() { grep -E '^0x[0-9a-f]+ +0x[0-9a-f]+ ' "$1" | sed 's/target://'; }
		rows "$f" >"$f.rows"
		rows "$LOGDIR/$name.native" >"$f.native.rows"
		refuse "$name" "$f" 'warning: while parsing' || continue
		if ! grep -q 'libc\.so' "$f.rows"; then
			fail "$name" "libc not listed by info sharedlibrary"
			continue
		fi
		if ! cmp -s "$f.rows" "$f.native.rows"; then
			fail "$name" "info sharedlibrary differs from native gdb's ($f.native.rows)"
			continue
		fi
		if [ -e "$LOGDIR/$name.stock" ]; then
			rows "$LOGDIR/$name.stock" >"$f.stock.rows"
			local xo xs
			xo=$(svr4_doc "$LOGDIR/$name.ours.rlog")
			xs=$(svr4_doc "$LOGDIR/$name.stock.rlog")
			echo "ours:  $xo" >>"$f"
			echo "stock: $xs" >>"$f"
			if ! cmp -s "$f.rows" "$f.stock.rows"; then
				fail "$name" "info sharedlibrary differs from stock gdbserver's"
				continue
			fi
			if [ -z "$xo" ] || [ "$xo" != "$xs" ]; then
				fail "$name" "library-list-svr4 document differs from stock gdbserver's"
				continue
			fi
		fi
		expect "$name" "$f" 'Breakpoint 1, add' \
			'qXfer:libraries-svr4:read.* currently enabled'
	done
}

# A 32-bit program: the i386 register table and target.xml.  Built here
# with -m32; skipped where that cannot be built or run.
t_gdb_i386() {
	local src bin=$LOGDIR/basic32
	src=$(dirname "$0")/targets/basic.c
	if ! ${CC:-cc} -m32 -g -O0 -no-pie -fno-pie "$src" -o "$bin" \
		>"$LOGDIR/basic32.cc.log" 2>&1; then
		skip gdb_i386 "cannot build -m32 programs here (Debian: gcc-multilib)"
		return
	fi
	if ! "$bin" >/dev/null 2>&1; then
		skip gdb_i386 "this kernel does not run 32-bit programs"
		return
	fi
	$TO "${GDB[@]}" -ex "target extended-remote | $GDBSERVER --once - $bin" \
		-ex 'break add' -ex continue -ex 'bt' -ex 'info registers eip' \
		-ex 'p $esp == $sp' -ex 'show architecture' -ex kill \
		>"$LOGDIR/gdb_i386.log" 2>&1
	expect gdb_i386 "$LOGDIR/gdb_i386.log" 'Breakpoint 1, add \(a=0, b=0\)' \
		'#1 .* in compute \(n=5\)' '^eip +0x[0-9a-f]+ +0x[0-9a-f]+ <add' \
		'^\$1 = 1' 'i386'
}

# A running sleeper for attach tests: sets SL_PID, SL_FD.
start_sleeper() {
	exec {SL_FD}< <(exec $TO "$T/sleeper")
	SL_WRAP=$!
	local line
	SL_PID=
	IFS= read -r -t 30 line <&"$SL_FD" && SL_PID=${line#ready }
}

stop_sleeper() {
	kill "$SL_PID" 2>/dev/null
	exec {SL_FD}<&-
	wait "$SL_WRAP" 2>/dev/null
}

t_gdb_attach_detach() {
	start_sleeper
	if [ -z "$SL_PID" ]; then
		fail gdb_attach_detach "sleeper did not start"
		return
	fi
	if ! start_server gdb_attach --once --attach :0 "$SL_PID"; then
		fail gdb_attach_detach "server did not listen"
		stop_sleeper
		return
	fi
	$TO "${GDB[@]}" -ex "file $T/sleeper" -ex "target remote :$PORT" \
		-ex 'break tick' -ex continue -ex bt -ex 'p ticks > 0' \
		-ex detach >"$LOGDIR/gdb_attach_detach.log" 2>&1
	finish_server
	local alive=no
	kill -0 "$SL_PID" 2>/dev/null && alive=yes
	echo "sleeper alive after detach: $alive" >>"$LOGDIR/gdb_attach_detach.log"
	stop_sleeper
	expect gdb_attach_detach "$LOGDIR/gdb_attach_detach.log" \
		'Breakpoint 1, tick \(\)' '#1 .* in main \(\)' '^\$1 = 1' \
		"\\[Inferior 1 \\(process $SL_PID\\) detached\\]" \
		'sleeper alive after detach: yes'
}

# Attach into a signal (gdb's attach-into-signal.exp): sigchain's SIGALRM
# handler raises SIGALRM again, so an attach often finds the signal on its
# way.  gdb must hear of it (Program received signal SIGALRM, or the
# thread's $_siginfo), every thread's $_siginfo must be readable, and
# after the attaches and detaches the chain must still run (a signal lost
# ends it: "signal lost", exit 3).  Both with the chain in a second thread
# and in the only one.
t_gdb_attach_signal() {
	local mode f pid fd wrap line tries=100
	for mode in threaded single; do
		f=$LOGDIR/gdb_attach_signal_$mode.log
		exec {fd}< <(exec $TO "$T/sigchain" $mode)
		wrap=$!
		pid=
		IFS= read -r -t 30 line <&"$fd" && pid=${line#ready }
		if [ -z "$pid" ]; then
			fail gdb_attach_signal "sigchain ($mode) did not start"
			exec {fd}<&-
			return
		fi
		$TO "${GDB[@]}" -ex "target extended-remote | $GDBSERVER --once --multi -" \
			-ex 'handle SIGALRM stop print pass' -ex "set \$pid = $pid" \
			-ex "set \$tries = $tries" -x "$(dirname "$0")/attach_signal.py" \
			-ex 'monitor exit' >"$f" 2>&1
		echo "gdb exit: $?" >>"$f"
		kill -0 "$pid" 2>/dev/null && echo "sigchain alive: yes" >>"$f"
		kill "$pid" 2>/dev/null
		# what sigchain printed after "ready" (nothing if the chain held)
		timeout 5 cat <&"$fd" >>"$f"
		exec {fd}<&-
		wait "$wrap" 2>/dev/null
		refuse gdb_attach_signal "$f" 'signal lost' 'Unable to read' || return
		local want='with a siginfo 14'
		[ $mode = single ] && want='reported SIGALRM'
		if grep -a -q -E "summary: .* 0 $want" "$f"; then
			fail gdb_attach_signal "$mode: in $tries attaches, none $want (log: $f)"
			return
		fi
		for line in '^summary: .* 0 siginfo errors' \
			'^sigchain alive: yes' '^gdb exit: 0'; do
			if ! grep -a -q -E -- "$line" "$f"; then
				fail gdb_attach_signal "$mode: missing /$line/ (log: $f)"
				return
			fi
		done
	done
	pass gdb_attach_signal
}

t_gdb_extended_attach() {
	start_sleeper
	if [ -z "$SL_PID" ]; then
		fail gdb_extended_attach "sleeper did not start"
		return
	fi
	if ! start_server gdb_ext_attach --once --multi :0; then
		fail gdb_extended_attach "server did not listen"
		stop_sleeper
		return
	fi
	$TO "${GDB[@]}" -ex "target extended-remote :$PORT" \
		-ex "attach $SL_PID" -ex 'break tick' -ex continue -ex 'bt 1' \
		-ex 'info threads' -ex detach -ex "attach $SL_PID" -ex kill \
		-ex 'monitor exit' >"$LOGDIR/gdb_extended_attach.log" 2>&1
	finish_server
	# Killed: gone, or a zombie its parent (timeout) has not reaped yet.
	local gone=no
	if [ ! -e "/proc/$SL_PID/stat" ] ||
		[ "$(cut -d' ' -f3 "/proc/$SL_PID/stat" 2>/dev/null)" = Z ]; then
		gone=yes
	fi
	echo "sleeper gone after kill: $gone" >>"$LOGDIR/gdb_extended_attach.log"
	echo "server rc $SRV_RC" >>"$LOGDIR/gdb_extended_attach.log"
	stop_sleeper
	expect gdb_extended_attach "$LOGDIR/gdb_extended_attach.log" \
		'Breakpoint 1, tick \(\)' \
		"\\[Inferior 1 \\(process $SL_PID\\) detached\\]" \
		"\\[Inferior 1 \\(process $SL_PID\\) killed\\]" \
		'sleeper gone after kill: yes' \
		'server rc 0'
}

t_gdb_tcp_monitor_exit() {
	# HOST:PORT (the loopback address given by name)
	if ! start_server tcp_exit --once localhost:0 "$T/basic"; then
		fail gdb_tcp_monitor_exit "server did not listen"
		return
	fi
	# A second server on the same port must fail the way gdbserver does.
	$TO "$GDBSERVER" --once ":$PORT" "$T/basic" >"$LOGDIR/busy_port.log" 2>&1
	echo "rc $?" >>"$LOGDIR/busy_port.log"
	$TO "${GDB[@]}" -ex "target remote localhost:$PORT" -ex 'break add' \
		-ex continue -ex 'monitor help' -ex 'monitor exit' \
		>"$LOGDIR/gdb_tcp_monitor_exit.log" 2>&1
	finish_server
	echo "server rc $SRV_RC" >>"$LOGDIR/gdb_tcp_monitor_exit.log"
	expect busy_port "$LOGDIR/busy_port.log" \
		"^Can't bind address: Address already in use\.$" '^rc 1$'
	expect gdb_tcp_monitor_exit "$LOGDIR/gdb_tcp_monitor_exit.log" \
		'Breakpoint 1, add' 'End the server' 'server rc 0'
}

# ---- self-test and raw protocol -----------------------------------------------------------

# A program that cannot be run: the server says so as gdbserver does
# (gdb's gdb.server/non-existing-program.exp reads these lines): through
# the shell, its message, then the exit code; without a shell, the error.
t_startup_failure() {
	local f=$LOGDIR/startup_failure.log
	$TO "$GDBSERVER" stdio "$T/no-such-program" </dev/null >"$f" 2>&1
	echo "rc $?" >>"$f"
	$TO "$GDBSERVER" --no-startup-with-shell stdio "$T/no-such-program" \
		</dev/null >>"$f" 2>&1
	echo "rc $?" >>"$f"
	expect startup_failure "$f" '^stdin/stdout redirected$' \
		'no-such-program: (not found|No such file)' \
		'^During startup program exited with code 127\.$' '^Exiting$' \
		'^Cannot exec .*no-such-program: no such file or directory\.$' \
		'^rc 1$'
}

t_selftest() {
	$TO "$GDBSERVER" --selftest >"$LOGDIR/selftest.log" 2>&1
	echo "rc $?" >>"$LOGDIR/selftest.log"
	expect selftest "$LOGDIR/selftest.log" '^Ran [0-9]+ unit tests, 0 failed$' '^rc 0$'
}

t_protocol() {
	$TO python3 "$(dirname "$0")/proto.py" "$GDBSERVER" "$T/basic" \
		>"$LOGDIR/protocol.log" 2>&1
	echo "rc $?" >>"$LOGDIR/protocol.log"
	expect protocol "$LOGDIR/protocol.log" '^all protocol checks passed' '^rc 0$'
}

# Random packet sequences over a live program (tests/gdbserver/soak.py,
# target soak): every packet answered, no crash or sanitizer report, the
# program's code never shown with our int3s, and left as it was after D
# (it checks its code, its counts and its fork children, and says so).
# Fixed seeds; SOAK_SESSIONS (default 40) sessions of 80 packets, 3 in 10
# of them non-stop.  A longer run: `make soak-gdbserver`.
t_soak() {
	$TO python3 "$(dirname "$0")/soak.py" "$GDBSERVER" "$T/soak" \
		--sessions "${SOAK_SESSIONS:-40}" --packets 80 --seed 1 \
		--nonstop 0.3 >"$LOGDIR/soak.log" 2>&1
	echo "rc $?" >>"$LOGDIR/soak.log"
	expect soak "$LOGDIR/soak.log" '^soak passed$' '^rc 0$'
}

# The server on a terminal of its own (tests/gdbserver/terminal.py: a pty
# whose session it leads), TCP mode: the program it starts is the
# terminal's foreground group and reads a line typed there, as under
# gdbserver (the old server left it in the background: its read got
# SIGTTIN).
t_gdb_terminal() {
	$TO python3 "$(dirname "$0")/terminal.py" "$GDBSERVER" "$T/ttyread" \
		>"$LOGDIR/gdb_terminal.log" 2>&1
	echo "rc $?" >>"$LOGDIR/gdb_terminal.log"
	expect gdb_terminal "$LOGDIR/gdb_terminal.log" \
		'^terminal checks passed' '^rc 0$'
}

t_nonstop_protocol() {
	$TO python3 "$(dirname "$0")/nonstop.py" "$GDBSERVER" "$T" \
		>"$LOGDIR/nonstop_protocol.log" 2>&1
	echo "rc $?" >>"$LOGDIR/nonstop_protocol.log"
	expect nonstop_protocol "$LOGDIR/nonstop_protocol.log" \
		'^all non-stop checks passed' '^rc 0$'
}

# QNonStop: set non-stop on: a worker stops at its breakpoint while main
# stays "(running)"; interrupt -a, then continue -a until the exit (each
# continue -a ends at one stop of the interrupt, at most five).  Then
# maint set target-non-stop on (gdb's all-stop over a non-stop target:
# gdb stops every thread itself with vCont;t).
t_gdb_nonstop() {
	local f=$LOGDIR/gdb_nonstop.log
	$TO "${GDB[@]}" -ex 'set non-stop on' \
		-ex "target extended-remote | $GDBSERVER --once - $T/threads" \
		-ex 'break worker_ready' -ex continue -ex 'info threads' \
		-ex 'interrupt -a' -ex delete -ex 'continue -a' -ex 'continue -a' \
		-ex 'continue -a' -ex 'continue -a' -ex 'continue -a' \
		-ex 'continue -a' >"$f" 2>&1
	echo "gdb exit: $?" >>"$f"
	refuse gdb_nonstop "$f" '^gdb exit: 124' 'Remote connection closed' &&
		expect gdb_nonstop "$f" \
			'^Thread [0-9]+ "worker-[1-4]" hit Breakpoint 1, worker_ready' \
			'^\* 1 +Thread [0-9]+\.[0-9]+ "threads" +\(running\)' \
			'^  [2-5] +Thread [0-9]+\.[0-9]+ "worker-[1-4]" +worker_ready \(id=[1-4]\)' \
			'^Thread 1 "threads" stopped\.' 'sum 10' 'exited normally'
	f=$LOGDIR/gdb_target_nonstop.log
	$TO "${GDB[@]}" -ex 'maint set target-non-stop on' \
		-ex "target extended-remote | $GDBSERVER --once - $T/threads" \
		-ex 'break all_ready' -ex continue -ex 'info threads' \
		-ex 'thread 3' -ex bt -ex delete -ex continue >"$f" 2>&1
	echo "gdb exit: $?" >>"$f"
	refuse gdb_target_nonstop "$f" '\(running\)' &&
		expect gdb_target_nonstop "$f" 'hit Breakpoint 1, all_ready' \
			'^  5 +Thread [0-9]+\.[0-9]+ "worker-[1-4]" ' \
			'^#[0-9]+ +0x[0-9a-f]+ in worker \(arg=0x[1-4]\) at' \
			'sum 10' 'exited normally' '^gdb exit: 0'
	# next in non-stop over a loop that waits for another thread (each
	# range step a single step; the other threads run meanwhile).
	f=$LOGDIR/gdb_nonstop_next.log
	$TO "${GDB[@]}" -ex 'set non-stop on' \
		-ex "target extended-remote | $GDBSERVER --once - $T/spinwait" \
		-ex 'break a_waits' -ex continue -ex next -ex next -ex 'p go' \
		-ex 'info threads' -ex delete -ex continue >"$f" 2>&1
	echo "gdb exit: $?" >>"$f"
	expect gdb_nonstop_next "$f" 'hit Breakpoint 1, a_waits' \
		'^[0-9]+[[:space:]]+while \(!go\) spins\+\+;' \
		'^[0-9]+[[:space:]]+a_mark\(\);' '^\$1 = 1$' \
		'^  2 +Thread [0-9]+\.[0-9]+ "spinwait" +\(running\)' \
		'a done' 'exited normally' '^gdb exit: 0'
}

# Thread-local storage (qGetTLSAddr through libthread_db): each thread's
# own tls_var; with a search path where no libthread_db is, gdb's error;
# the default path back (no argument), the value again.
t_gdb_tls() {
	gdb_stdio gdb_tls tls -ex 'break tls_stop' -ex continue \
		-ex 'print tls_var' -ex 'thread 2' -ex 'print tls_var' \
		-ex 'monitor set libthread-db-search-path /nonexistent' \
		-ex 'print tls_var' \
		-ex 'monitor set libthread-db-search-path' \
		-ex 'thread 1' -ex 'print tls_var' -ex continue
	local f=$LOGDIR/gdb_tls.log
	refuse gdb_tls "$f" 'qGetTLSAddr packet' &&
		expect gdb_tls "$f" 'hit Breakpoint 1, tls_stop' \
			'^\$1 = 11$' 'Switching to thread 2' '^\$2 = 22$' \
			"^libthread-db-search-path set to \`/nonexistent'" \
			'Remote target failed to process qGetTLSAddr request' \
			"^libthread-db-search-path set to \`\\\$pdir:\\\$sdir'" \
			'^\$3 = 11$' 'tls 11 22' 'exited normally'
}

# The same in a static program (tls.c linked with -static): libthread_db's
# symbols are found in its .symtab, as there is no .dynsym.
t_gdb_tls_static() {
	gdb_stdio gdb_tls_static tls-static -ex 'break tls_stop' -ex continue \
		-ex 'print tls_var' -ex 'thread 2' -ex 'print tls_var' -ex continue
	local f=$LOGDIR/gdb_tls_static.log
	refuse gdb_tls_static "$f" 'qGetTLSAddr' 'Cannot find thread-local' &&
		expect gdb_tls_static "$f" 'hit Breakpoint 1, tls_stop' \
			'^\$1 = 11$' 'Switching to thread 2' '^\$2 = 22$' \
			'tls 11 22' 'exited normally'
}

# ---- lldb -------------------------------------------------------------------

# LLDB_BIN=lldb-16 runs the lldb tests with another lldb (Debian's lldb-16
# conflicts with its default lldb, 14: one of them at a time).
LLDB_BIN=${LLDB_BIN:-lldb}
LLDB=("$LLDB_BIN" -b -x -o 'settings set auto-confirm true')

lldb_run() {
	local name=$1 prog=$2
	shift 2
	if ! start_server "$name" --once :0 "$T/$prog"; then
		fail "$name" "server did not listen"
		return 1
	fi
	$TO "${LLDB[@]}" -o "gdb-remote $PORT" "$@" "$T/$prog" \
		>"$LOGDIR/$name.log" 2>&1
	echo "lldb exit: $?" >>"$LOGDIR/$name.log"
	finish_server
	return 0
}

t_lldb() {
	if ! command -v "$LLDB_BIN" >/dev/null; then
		skip lldb "$LLDB_BIN is not installed (Debian: apt-get install lldb)"
		return
	fi
	lldb_run lldb_break basic -o 'breakpoint set -n add' -o continue \
		-o bt -o 'register read rip' -o 'frame variable' \
		-o 'memory read -s4 -fx -c1 &global_counter' \
		-o 'expression global_counter = 50' -o 'breakpoint delete 1' \
		-o continue &&
		expect lldb_break "$LOGDIR/lldb_break.log" \
			'stop reason = breakpoint 1\.1' 'frame #1: .*compute' \
			'rip = 0x[0-9a-f]+ +basic`add' '\(int\) a = 0' \
			': 0x00000007' 'exited with status = 0' &&
		expect lldb_break_output "$LOGDIR/lldb_break.server" \
			'result 10 counter 60'
	lldb_run lldb_step basic -o 'breakpoint set -n compute' -o continue \
		-o 'thread step-over' -o 'thread step-over' -o 'thread step-in' \
		-o 'thread step-out' -o kill &&
		expect lldb_step "$LOGDIR/lldb_step.log" \
			'stop reason = step over' 'stop reason = step in' \
			'stop reason = step out' \
			'Process [0-9]+ exited with status = 9 \(0x00000009\)' &&
		refuse lldb_kill "$LOGDIR/lldb_step.log" 'failed to send the k packet'
	# lldb -b ends the commands at a stop by a signal: one run stops,
	# one passes the signal without stopping.
	lldb_run lldb_signal_stop signals -o continue &&
		expect lldb_signal_stop "$LOGDIR/lldb_signal_stop.log" \
			'stop reason = signal SIGUSR1' 'pthread_kill'
	lldb_run lldb_signal_pass signals \
		-o 'process handle SIGUSR1 -s false -p true -n false' \
		-o continue &&
		expect lldb_signal_pass "$LOGDIR/lldb_signal_pass.log" \
			'exited with status = 0' &&
		expect lldb_signal_pass_output "$LOGDIR/lldb_signal_pass.server" \
			'handled 3'
	start_sleeper
	if [ -z "$SL_PID" ]; then
		fail lldb_attach "sleeper did not start"
	elif ! start_server lldb_attach --once --attach :0 "$SL_PID"; then
		fail lldb_attach "server did not listen"
		stop_sleeper
	else
		$TO "${LLDB[@]}" -o "gdb-remote $PORT" -o 'breakpoint set -n tick' \
			-o continue -o bt -o 'process detach' "$T/sleeper" \
			>"$LOGDIR/lldb_attach.log" 2>&1
		finish_server
		local alive=no
		kill -0 "$SL_PID" 2>/dev/null && alive=yes
		echo "sleeper alive after detach: $alive" >>"$LOGDIR/lldb_attach.log"
		stop_sleeper
		expect lldb_attach "$LOGDIR/lldb_attach.log" \
			'stop reason = breakpoint 1\.1' 'sleeper`tick' \
			"Process $SL_PID detached" 'sleeper alive after detach: yes'
	fi
	if "$T/hwprobe" >/dev/null; then
		lldb_run lldb_watch basic -o 'breakpoint set -n main' \
			-o continue -o 'watchpoint set variable watched' \
			-o continue -o 'p watched' -o continue &&
			expect lldb_watch "$LOGDIR/lldb_watch.log" \
				'Watchpoint 1 hit:' 'old value: 0' 'new value: 10' \
				'stop reason = watchpoint 1' '\(volatile long\) \$0 = 10' \
				'exited with status = 0'
	else
		# set, and the server says it will never hit (t_gdb_watch)
		lldb_run lldb_watch basic -o 'breakpoint set -n main' \
			-o continue -o 'watchpoint set variable watched' \
			-o continue &&
			expect lldb_watch "$LOGDIR/lldb_watch.log" \
				'Watchpoint created' 'exited with status = 0' &&
			expect lldb_watch_why "$LOGDIR/lldb_watch.server" \
				'never fire on this machine .*: they are set but will never hit'
		skip lldb_watch_hit "$NEVER_FIRE"
	fi
	lldb_run lldb_threads threads -o 'breakpoint set -n all_ready' \
		-o continue -o 'thread list' -o 'bt all' -o kill &&
		expect lldb_threads "$LOGDIR/lldb_threads.log" \
			'stop reason = breakpoint 1\.1' \
			'thread #5: tid = [0-9]+' 'all_ready'
}

# ---- main -------------------------------------------------------------------

ALL="t_selftest t_startup_failure t_protocol t_soak t_gdb_break_bt t_gdb_step_next_finish t_gdb_registers
t_gdb_memory t_gdb_threads t_gdb_many_threads t_gdb_threads_next t_gdb_next_spinwait t_gdb_schedlock t_gdb_schedlock_exit t_gdb_signal_on_breakpoint t_gdb_signal_pair t_gdb_tracer_is_parent t_gdb_catch_fork t_gdb_fork_follow_child t_gdb_fork_schedule_multiple t_gdb_next_forks t_gdb_next_forks_ns t_gdb_cond_target t_gdb_cond_threads t_gdb_catch_vfork t_gdb_vfork_child t_gdb_bphits t_gdb_clone_vm t_gdb_watch t_gdb_watch_threads t_gdb_hbreak t_gdb_signals t_gdb_siginfo_rw t_gdb_pass_signals t_gdb_detach_signal t_gdb_catch_syscall t_gdb_run_again
t_gdb_exit_code t_gdb_debug_file t_gdb_startup_shell t_gdb_range_step t_gdb_svr4 t_gdb_i386 t_gdb_exec t_gdb_launch_settings t_gdb_attach_detach t_gdb_attach_signal t_gdb_extended_attach
t_gdb_tcp_monitor_exit t_gdb_terminal t_gdb_tls t_gdb_tls_static t_lldb t_nonstop_protocol t_gdb_nonstop"

if ! command -v gdb >/dev/null; then
	skip gdb "gdb is not installed (Debian: apt-get install gdb)"
	ALL="t_selftest t_protocol t_soak t_lldb"
fi
for t in ${GS_TESTS:-$ALL}; do
	if [ "$(type -t "$t")" != function ]; then
		fail "$t" "no such test in $0"
		continue
	fi
	"$t"
done
echo "$npass passed, $nfail failed, $nskip skipped"
[ "$nfail" = 0 ]
