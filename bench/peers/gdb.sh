#!/bin/sh
# peers/gdb.sh SCENARIO N BINDIR [ARG] - one benchmark run done with gdb, the
# way a user would: a gdb command file, `gdb -nx -batch -x FILE`.  run.sh
# times the whole of it from the outside and subtracts the same run with
# N=0 (gdb start-up, symbol loading, the target's own start).
#
#   bphit N         break on bench_hit with `commands` silent/continue, run
#                   targets/loop N (N hits)
#   dprintf N       the same with `dprintf bench_hit,"hit\n"`
#   bphit_mt N T    the same as bphit with targets/mtloop T N/T
#   step N          break on step_loop, run targets/straight, `stepi N`
#   memread N       break on buf_ready, run targets/bigbuf 64,
#                   `dump binary memory /dev/null` of the first N MiB
#   attach N PID    `gdb -p PID` (N: the thread count, for the record;
#                   N=0: gdb with nothing to attach to)
#   churn N         `run` targets/churn N
#
# Thread-event messages and pagination are off, debuginfod too: gdb at its
# fastest.  Ends with `info breakpoints` (hit counts, which run.sh checks).
set -eu
scen=$1 n=$2 bin=$3 arg=${4:-}
cmds=$(mktemp "${TMPDIR:-/tmp}/gdbbench.XXXXXX")
trap 'rm -f "$cmds"' EXIT
# say LINE: one line of the command file (printf: dash's echo eats "\n").
say() { printf '%s\n' "$*" >>"$cmds"; }
say "set pagination off"
say "set confirm off"
say "set print thread-events off"
say "set startup-with-shell off"
say "set debuginfod enabled off"
prog=
case $scen in
bphit | dprintf | bphit_mt)
	if [ "$scen" = dprintf ]; then
		say 'dprintf bench_hit,"hit\n"'
	else
		say "break bench_hit"
		say "commands"
		say "silent"
		say "continue"
		say "end"
	fi
	if [ "$scen" = bphit_mt ]; then
		prog="$bin/mtloop"
		say "run $arg $((n / arg))"
	else
		prog="$bin/loop"
		say "run $n"
	fi
	say "info breakpoints"
	;;
step)
	prog="$bin/straight"
	say "break step_loop"
	say "run"
	[ "$n" -eq 0 ] || say "stepi $n"
	say 'printf "stepped to %p\n", $pc'
	;;
memread)
	prog="$bin/bigbuf"
	say "break buf_ready"
	say "run 64"
	[ "$n" -eq 0 ] ||
		say "dump binary memory /dev/null bench_mem.buf bench_mem.buf+$n*1048576"
	;;
attach)
	if [ "$n" -eq 0 ]; then
		exec gdb -nx -batch -x "$cmds"
	fi
	exec gdb -nx -batch -x "$cmds" -p "$arg"
	;;
churn)
	prog="$bin/churn"
	say "run $n"
	;;
*)
	echo "gdb.sh: unknown scenario $scen" >&2
	exit 2
	;;
esac
gdb -nx -batch -x "$cmds" "$prog"
