#!/bin/sh
# peers/lldb.sh SCENARIO N BINDIR [ARG] - one benchmark run done with lldb,
# the way a user would: a command file, `lldb --batch -s FILE`.  run.sh times
# the whole of it from the outside and subtracts the same run with N=0
# (lldb start-up, lldb-server, symbol loading, the target's own start).
#
#   bphit N         auto-continue breakpoint on bench_hit (-G true), run
#                   targets/loop N
#   step N          break on step_loop, run targets/straight,
#                   `thread step-inst -c N`
#   memread N       break on buf_ready, run targets/bigbuf 64,
#                   `memory read --binary --force --outfile /dev/null` of
#                   the first N MiB
#   attach N PID    `lldb -p PID --batch`, which detaches at the end (N: the
#                   thread count, for the record; N=0: lldb with nothing to
#                   attach to)
#   churn N         `process launch` targets/churn N
set -eu
scen=$1 n=$2 bin=$3 arg=${4:-}
cmds=$(mktemp "${TMPDIR:-/tmp}/lldbbench.XXXXXX")
trap 'rm -f "$cmds"' EXIT
say() { printf '%s\n' "$*" >>"$cmds"; }
say "settings set auto-confirm true"
case $scen in
bphit)
	prog="$bin/loop"
	say "breakpoint set -n bench_hit -G true"
	say "process launch -- $n"
	say "breakpoint list"
	;;
step)
	prog="$bin/straight"
	say "breakpoint set -n step_loop"
	say "process launch"
	[ "$n" -eq 0 ] || say "thread step-inst -c $n"
	say "register read pc"
	;;
memread)
	prog="$bin/bigbuf"
	say "breakpoint set -n buf_ready"
	say "process launch -- 64"
	[ "$n" -eq 0 ] || say "memory read --binary --force --outfile /dev/null bench_mem.buf bench_mem.buf+$n*1048576"
	;;
attach)
	if [ "$n" -eq 0 ]; then
		exec lldb --batch -s "$cmds"
	fi
	say "process detach"
	exec lldb --batch -s "$cmds" -p "$arg"
	;;
churn)
	prog="$bin/churn"
	say "process launch -- $n"
	;;
*)
	echo "lldb.sh: unknown scenario $scen" >&2
	exit 2
	;;
esac
lldb --batch -s "$cmds" "$prog"
