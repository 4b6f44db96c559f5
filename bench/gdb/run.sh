#!/bin/sh
# bench/gdb/run.sh BINDIR SERVER - gdb driving a program through
# proctrace-gdbserver (SERVER), through the stock gdbserver (the floor), and
# natively (no server: the second reference).  BINDIR holds the bench
# targets and bench_run (bench/Makefile).  Scenarios:
#
#   bphit         a breakpoint with a condition gdb evaluates
#                 (`break bench_hit if i % 1000 == 999`, condition-evaluation
#                 host) in targets/loop: every call is a stop and a resume;
#                 stops/s
#   bphit_target  the same with gdb's default condition-evaluation (auto):
#                 a server that offers ConditionalBreakpoints+ evaluates the
#                 condition itself and reports only the true hits; calls/s
#   step          `stepi` N times from a gdb `while` loop in
#                 targets/straight; steps/s
#   attach        `target extended-remote` + `attach PID` of a process of
#                 4,000 threads (targets/sleepers), until the prompt returns;
#                 ms.  Then, on the same attach:
#   info_threads  `info threads`; ms (the threads it lists are counted)
#   detach        `detach`; ms
#
# Times are taken inside gdb (Python's time.monotonic() between the
# commands), so gdb's start-up, symbol loading and the launch of the program
# are left out.  Transports: TCP on loopback (the server started with
# `--once :0`) and a pipe (`target remote | SERVER - PROG ARGS`); attach
# over TCP only.  Each round runs every tool once, the order reversed in
# every other round; ratios are taken round by round, against the stock
# gdbserver on the same transport and against native gdb.  Writes
# results/gdb.jsonl and results/gdb.md.  Nothing passes or fails here, but
# a run whose output is not what it should be is reported (and dropped), and
# so is any process of a run left behind (it is killed).
# shellcheck disable=SC2016 # $pc, $i in single quotes: gdb's, not the shell's
set -eu

BIN=${1:?usage: gdb/run.sh BINDIR PROCTRACE-GDBSERVER}
PTS=${2:?usage: gdb/run.sh BINDIR PROCTRACE-GDBSERVER}
ROUNDS=${BENCH_ROUNDS:-3}
CALLS=${BENCH_GDB_CALLS:-4000}
PIPE_CALLS=${BENCH_GDB_PIPE_CALLS:-1000}
STEPS=${BENCH_GDB_STEPS:-3000}
PIPE_STEPS=${BENCH_GDB_PIPE_STEPS:-500}
THREADS=${BENCH_GDB_THREADS:-4000}
TRANSPORTS=${BENCH_GDB_TRANSPORTS:-tcp pipe}
SCENARIOS=${BENCH_GDB_SCENARIOS:-bphit bphit_target step attach}
TMO=${BENCH_GDB_TIMEOUT:-120}
STOCK=${BENCH_GDB_STOCK:-gdbserver}
HERE=$(cd "$(dirname "$0")" && pwd)
RES=${BENCH_GDB_RESULTS:-$HERE/../results}
mkdir -p "$RES"
RES=$(cd "$RES" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gdbbench.XXXXXX")
RAW=$WORK/raw         # scenario N transport round tool value threads_seen
FAILS=$WORK/fails     # one paragraph per failed or flagged run
: >"$RAW"
: >"$FAILS"
# Every process of a run carries this in its environment: whatever is left
# of a run afterwards is found by it, and only that is killed.
TAG=gdbbench-$$-$(date +%s)
SLEEPERS=
SRV=
cleanup() {
	[ -z "$SRV" ] || kill "$SRV" 2>/dev/null || true
	[ -z "$SLEEPERS" ] || kill -9 "$SLEEPERS" 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

for x in gdb "$STOCK" "$PTS" timeout; do
	command -v "$x" >/dev/null 2>&1 || { echo "gdb/run.sh: no $x" >&2; exit 1; }
done
gdb -nx -batch -ex 'python import time' >/dev/null 2>&1 ||
	{ echo "gdb/run.sh: this gdb has no Python (the timer)" >&2; exit 1; }
if [ $((CALLS % 1000)) -ne 0 ] || [ $((PIPE_CALLS % 1000)) -ne 0 ] ||
   [ "$CALLS" -lt 1000 ] || [ "$PIPE_CALLS" -lt 1000 ]; then
	echo "gdb/run.sh: calls must be multiples of 1000 (the condition holds once in 1000)" >&2
	exit 1
fi
if [ "$STEPS" -ge 4096 ] || [ "$PIPE_STEPS" -ge 4096 ]; then
	echo "gdb/run.sh: steps must stay below 4096 (straight.c's run of adds)" >&2
	exit 1
fi

COMMIT=$(git -C "$HERE" describe --always --dirty 2>/dev/null || echo unknown)
HOST="$(uname -sr), $(nproc) CPUs"
LOAD=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
GDBV=$(gdb --version | head -n 1)
STOCKV=$("$STOCK" --version | head -n 1)

# ---- one run -----------------------------------------------------------------
# prelude FILE: the settings every run starts with.  remotetimeout: gdb's 2 s
# default is shorter than the stock gdbserver's reply to an attach of 4,000
# threads on a loaded machine (gdb then drops the reply and loses sync).
prelude() {
	cat >"$1" <<EOF
set pagination off
set confirm off
set print thread-events off
set startup-with-shell off
set debuginfod enabled off
set sysroot /
set breakpoint condition-evaluation host
set remotetimeout 30
python import time
EOF
}

# start_server ARGS...: the server on TCP, any free port, in the background
# ($SRV); sets $port, left empty if it did not say it listened.
start_server() {
	port=
	: >"$WORK/srv.err"
	env GDBBENCH_TAG="$TAG" timeout -k 5 "$TMO" "$@" \
		</dev/null >"$WORK/srv.out" 2>"$WORK/srv.err" &
	SRV=$!
	i=0
	while [ $i -lt 100 ]; do
		port=$(sed -n 's/.*Listening on port \([0-9][0-9]*\).*/\1/p' "$WORK/srv.err")
		[ -z "$port" ] || return 0
		kill -0 "$SRV" 2>/dev/null || return 0
		sleep 0.05
		i=$((i + 1))
	done
}

# stop_server: gives a --once server 5 s to end by itself after gdb, then
# ends it.  Says so if it had to.
stop_server() {
	[ -n "$SRV" ] || return 0
	i=0
	while kill -0 "$SRV" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	if kill -0 "$SRV" 2>/dev/null; then
		note "$CUR: the server was still running 5 s after gdb ended; killed."
		kill "$SRV" 2>/dev/null || true
	fi
	wait "$SRV" 2>/dev/null || true
	SRV=
}

# note TEXT: a paragraph for the report's notes.
note() {
	printf '%s\n\n' "$*" >>"$FAILS"
	echo "  NOTE: $*" >&2
}

# stragglers: kills any process still carrying this run's tag.
stragglers() {
	left=$(grep -lz "^GDBBENCH_TAG=$TAG\$" /proc/[0-9]*/environ 2>/dev/null |
		sed 's#^/proc/\([0-9]*\)/environ$#\1#' | grep -vx "$$" || true)
	[ -n "$left" ] || return 0
	desc=
	for p in $left; do
		desc="$desc $p ($(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | cut -c1-80))"
		kill -9 "$p" 2>/dev/null || true
	done
	note "$CUR: process(es) left behind after the run, killed:$desc"
}

# fail TEXT: a failed run (dropped), with the end of gdb's output.
fail() {
	{
		printf '%s: %s. End of the output:\n\n' "$CUR" "$*"
		tail -n 6 "$WORK/gdb.out" | cut -c1-200 | sed 's/^/    /'
		if [ -s "$WORK/srv.err" ]; then
			printf '\n  server stderr:\n\n'
			tail -n 4 "$WORK/srv.err" | cut -c1-200 | sed 's/^/    /'
		fi
		echo
	} >>"$FAILS"
	echo "  FAILED: $CUR: $*" >&2
}

# rungdb FILE [PROG]: gdb -batch on the command file; output in gdb.out.
rungdb() {
	st=0
	env GDBBENCH_TAG="$TAG" timeout -k 5 "$TMO" \
		gdb -nx -batch -x "$@" </dev/null >"$WORK/gdb.out" 2>&1 || st=$?
	return $st
}

# connect TRANSPORT PROG ARGS...: the command that gets gdb to the program
# stopped at its first instruction (native: nothing; `run` comes later).
connect() {
	tr=$1
	shift
	case $tr in
	tcp) echo "target remote 127.0.0.1:$port" ;;
	pipe) echo "target remote | $srvbin - $*" ;;
	esac
}

# gorun TRANSPORT ARGS...: from there to the breakpoint set first.
gorun() {
	tr=$1
	shift
	if [ "$tr" = native ]; then echo "run $*"; else echo continue; fi
}

# run_one SCENARIO TOOL TRANSPORT N ROUND: one run; records its figures.
run_one() {
	scen=$1 tool=$2 tr=$3 n=$4 r=$5
	CUR="$scen, $tool over $tr, N=$n, round $r"
	srvbin=$PTS
	[ "$tool" != gdbserver ] || srvbin=$STOCK
	f=$WORK/cmds.gdb
	prelude "$f"
	: >"$WORK/gdb.out"
	: >"$WORK/srv.err"
	port=
	case $scen in
	bphit | bphit_target) prog=$BIN/loop args=$n ;;
	step) prog=$BIN/straight args='' ;;
	attach) prog='' args='' ;;
	esac
	if [ "$tr" = tcp ]; then
		if [ "$scen" = attach ]; then
			start_server "$srvbin" --once --multi :0
		else
			# shellcheck disable=SC2086 # args: words
			start_server "$srvbin" --once :0 "$prog" $args
		fi
		if [ -z "$port" ]; then
			fail "the server did not start"
			stop_server
			stragglers
			return 0
		fi
	fi
	case $scen in
	bphit | bphit_target)
		k=$((n / 1000))
		{
			connect "$tr" "$prog" "$args"
			echo "break main"
			gorun "$tr" "$args"
			[ "$scen" = bphit ] ||
				echo "set breakpoint condition-evaluation auto"
			echo "break bench_hit if i % 1000 == 999"
			printf 'commands\nsilent\ncontinue\nend\n'
			echo "python t0 = time.monotonic()"
			echo "continue"
			echo 'python print("BENCH %.6f" % (time.monotonic() - t0))'
			echo "info breakpoints"
		} >>"$f"
		if ! rungdb "$f" "$prog"; then
			fail "gdb exited with status $st"
		elif ! grep -q "exited normally" "$WORK/gdb.out" ||
		     ! grep -A2 "stop only if" "$WORK/gdb.out" | grep -q "already hit $k time"; then
			fail "no normal exit, or not $k hits with the condition true"
		else
			s=$(sed -n 's/^BENCH //p' "$WORK/gdb.out")
			v=$(echo "$n $s" | awk '{ printf "%.1f", $1 / $2 }')
			echo "$scen $n $tr $r $tool $v -" >>"$RAW"
			printf '  round %d  %-6s %-20s %-6s %10s stops/s\n' "$r" "$scen" "$tool" "$tr" "$v"
		fi
		;;
	step)
		{
			connect "$tr" "$prog"
			echo "break step_loop"
			gorun "$tr"
			echo "delete"
			printf '%s\n' 'printf "start %p\n", $pc'
			echo "python t0 = time.monotonic()"
			echo 'set $i = 0'
			echo "while \$i < $n"
			echo "stepi"
			echo 'set $i = $i + 1'
			echo "end"
			echo 'python print("BENCH %.6f" % (time.monotonic() - t0))'
			printf '%s\n' 'printf "stepped to %p\n", $pc'
			echo "kill"
		} >>"$f"
		if ! rungdb "$f" "$prog"; then
			fail "gdb exited with status $st"
		else
			a=$(sed -n 's/^start 0x//p' "$WORK/gdb.out")
			b=$(sed -n 's/^stepped to 0x//p' "$WORK/gdb.out")
			want=
			[ -z "$a" ] || want=$(printf '%x' $((0x$a + 4 * n)))
			if [ -z "$b" ] || [ "$b" != "$want" ]; then
				fail "stepped to 0x${b:-?}, not 0x${want:-?} (start + 4 x $n)"
			else
				s=$(sed -n 's/^BENCH //p' "$WORK/gdb.out")
				v=$(echo "$n $s" | awk '{ printf "%.1f", $1 / $2 }')
				echo "$scen $n $tr $r $tool $v -" >>"$RAW"
				printf '  round %d  %-6s %-20s %-6s %10s steps/s\n' "$r" "$scen" "$tool" "$tr" "$v"
			fi
		fi
		;;
	attach)
		{
			echo "python t0 = time.monotonic()"
			[ "$tr" = native ] || echo "target extended-remote 127.0.0.1:$port"
			echo "attach $SLEEPERS"
			echo "python t1 = time.monotonic()"
			echo "info threads"
			echo "python t2 = time.monotonic()"
			echo "detach"
			echo "python t3 = time.monotonic()"
			echo 'python print("BENCH %.6f %.6f %.6f" % (t1 - t0, t2 - t1, t3 - t2))'
		} >>"$f"
		if ! rungdb "$f"; then
			fail "gdb exited with status $st"
		elif ! grep -q "detached" "$WORK/gdb.out"; then
			fail "no \"detached\""
		elif ! left=$("$BIN/bench_run" -c "$SLEEPERS" 2>&1); then
			fail "the target is not left running untraced: $left"
		else
			seen=$(grep -cE '^[ *] +[0-9]+ +(Thread|LWP|process) ' "$WORK/gdb.out" || true)
			# shellcheck disable=SC2046
			set -- $(sed -n 's/^BENCH //p' "$WORK/gdb.out")
			if [ "$seen" -ne "$n" ]; then
				note "$CUR: \`info threads\` listed $seen threads, not $n (the figures of this run are kept, flagged)."
			fi
			i=1
			for sub in attach info_threads detach; do
				eval "s=\${$i}"
				v=$(echo "$s" | awk '{ printf "%.3f", $1 * 1000 }')
				echo "$sub $n $tr $r $tool $v $seen" >>"$RAW"
				printf '  round %d  %-12s %-20s %-6s %10s ms  (%s threads listed)\n' \
					"$r" "$sub" "$tool" "$tr" "$v" "$seen"
				i=$((i + 1))
			done
		fi
		;;
	esac
	stop_server
	stragglers
}

# order ROUND WORD...: the words, reversed in even rounds.
order() {
	r=$1
	shift
	if [ $((r % 2)) -eq 1 ]; then
		echo "$@"
	else
		echo "$@" | awk '{ for (i = NF; i > 0; i--) printf "%s%s", $i, (i > 1 ? " " : "\n") }'
	fi
}

# ---- the rounds ----------------------------------------------------------------
case " $SCENARIOS " in
*" attach "*)
	"$BIN/sleepers" "$THREADS" >"$WORK/sleepers.out" &
	SLEEPERS=$!
	i=0
	until grep -q "^ready" "$WORK/sleepers.out" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 600 ] || { echo "gdb/run.sh: sleepers $THREADS not ready" >&2; exit 1; }
		sleep 0.05
	done
	;;
esac

echo "gdb bench: $ROUNDS rounds; bphit $CALLS calls (pipe $PIPE_CALLS), step $STEPS" \
     "(pipe $PIPE_STEPS), attach $THREADS threads; transports: $TRANSPORTS"
echo "  $GDBV; $STOCKV; proctrace-gdbserver $PTS"
T0=$(date +%s)
r=1
while [ "$r" -le "$ROUNDS" ]; do
	for scen in $SCENARIOS; do
		# runs: "tool:transport" words
		runs=native:native
		for tr in $TRANSPORTS; do
			[ "$scen" != attach ] || [ "$tr" = tcp ] || continue
			runs="$runs gdbserver:$tr proctrace-gdbserver:$tr"
		done
		# shellcheck disable=SC2086 # runs: words
		for x in $(order "$r" $runs); do
			tool=${x%%:*} tr=${x#*:}
			case $scen-$tr in
			bphit*-pipe) n=$PIPE_CALLS ;;
			bphit*-*) n=$CALLS ;;
			step-pipe) n=$PIPE_STEPS ;;
			step-*) n=$STEPS ;;
			attach-*) n=$THREADS ;;
			esac
			run_one "$scen" "$tool" "$tr" "$n" "$r"
		done
	done
	r=$((r + 1))
done
echo "gdb bench: $(($(date +%s) - T0)) s"

# ---- summary -------------------------------------------------------------------
DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
awk -v jsonl="$RES/gdb.jsonl" -v md="$RES/gdb.md" -v fails="$FAILS" \
    -v commit="$COMMIT" -v date="$DATE" -v host="$HOST" -v load="$LOAD" \
    -v gdbv="$GDBV" -v stockv="$STOCKV" -v rounds="$ROUNDS" -v threads="$THREADS" -v first="${TRANSPORTS%% *}" '
function sort(a, n,    i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
}
function median(a, n) {
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
# ratios, round by round, of row k over the row (s, tool2, tr2), into q[]
function ratios(k, s, tool2, tr2,    r, n) {
	n = 0
	for (r = 1; r <= maxr; r++)
		if ((k, r) in val && (s SUBSEP tool2 SUBSEP tr2, r) in val)
			q[++n] = val[k, r] / val[s SUBSEP tool2 SUBSEP tr2, r]
	sort(q, n)
	return n
}
function fmt(x, unit) { return unit == "ms" ? sprintf("%.1f", x) : sprintf("%.0f", x) }
function rtxt(n) {
	return n ? sprintf("%.2f (%.2f-%.2f)", median(q, n), q[1], q[n]) : "-"
}
function jr(name, n) {
	if (n)
		return sprintf("\"%s\":%.3f,\"%s_min\":%.3f,\"%s_max\":%.3f,", \
			name, median(q, n), name, q[1], name, q[n])
	return sprintf("\"%s\":null,\"%s_min\":null,\"%s_max\":null,", name, name, name)
}
BEGIN {
	title["bphit"] = "bphit: conditional breakpoint, every call a stop (stops/s, higher is better)"
	title["bphit_target"] = "bphit_target: the same breakpoint, condition-evaluation auto: evaluated by the server where it can (calls/s, higher is better)"
	title["step"] = "step: `stepi` from a gdb `while` loop (steps/s, higher is better)"
	title["attach"] = "attach: `target extended-remote` + `attach PID`, " threads " threads (ms, lower is better)"
	title["info_threads"] = "info_threads: `info threads` right after the attach (ms, lower is better)"
	title["detach"] = "detach: `detach` after `info threads` (ms, lower is better)"
	unitof["bphit"] = "stops/s"; unitof["bphit_target"] = "calls/s"
	unitof["step"] = "steps/s"
	unitof["attach"] = unitof["info_threads"] = unitof["detach"] = "ms"
}
{
	k = $1 SUBSEP $5 SUBSEP $3
	if (!(k in seenk)) { seenk[k] = 1; keys[++nk] = k; nof[k] = $2 }
	if (!($1 in seens)) { seens[$1] = 1; scens[++ns] = $1 }
	val[k, $4] = $6
	if ($7 != "-") { thr[k, $4] = $7; isthr[$1] = 1 }
	if ($4 > maxr) maxr = $4
}
END {
	printf "" > jsonl
	printf "# gdb over proctrace-gdbserver, over the stock gdbserver, and native\n\n" > md
	printf "%s, commit %s, %s (load average before the run: %s); %s; %s; %d rounds.\n", \
		date, commit, host, load, gdbv, stockv, rounds > md
	printf "Times are taken inside gdb (Python time.monotonic() around the commands), " \
	       "so gdb start-up and the launch of the program are not in them. " \
	       "Ratios are tool / floor, round by round: **floor** = the stock gdbserver on the " \
	       "same transport (the floor of the native row is gdbserver over %s), and tool / native gdb; " \
	       "median (min-max) over the rounds. For stops/s and steps/s a ratio below 1 means " \
	       "slower; for ms a ratio above 1 does. `make -C bench gdb` (bench/gdb/run.sh) made it.\n", first > md
	for (si = 1; si <= ns; si++) {
		s = scens[si]
		unit = unitof[s]
		better = unit == "ms" ? "lower" : "higher"
		printf "\n## %s\n\n", title[s] > md
		printf "| tool | transport | N | runs | min | median | max | ratio to gdbserver | ratio to native |%s\n", \
			isthr[s] ? " threads listed |" : "" > md
		printf "|---|---|---:|---:|---:|---:|---:|---|---|%s\n", isthr[s] ? "---|" : "" > md
		for (ki = 1; ki <= nk; ki++) {
			k = keys[ki]
			split(k, f, SUBSEP)
			if (f[1] != s)
				continue
			tool = f[2]; tr = f[3]
			m = 0; tl = ""; tmin = -1; tmax = -1
			for (r = 1; r <= maxr; r++)
				if ((k, r) in val) {
					v[++m] = val[k, r]
					if ((k, r) in thr) {
						t = thr[k, r]
						if (tmin < 0 || t < tmin) tmin = t
						if (t > tmax) tmax = t
					}
				}
			if (!m)
				continue
			sort(v, m)
			ftr = tr == "native" ? first : tr
			if (tool == "gdbserver") {
				nf = 0; ftxt = "1 (floor)"; fj = "\"ratio_to_floor\":1,\"ratio_min\":1,\"ratio_max\":1,"
			} else {
				nf = ratios(k, s, "gdbserver", ftr); ftxt = rtxt(nf)
				fj = jr("ratio_to_floor", nf)
				sub(/"ratio_to_floor_min"/, "\"ratio_min\"", fj)
				sub(/"ratio_to_floor_max"/, "\"ratio_max\"", fj)
			}
			if (tool == "native") {
				ntxt = "1"; nj = "\"ratio_to_native\":1,\"ratio_to_native_min\":1,\"ratio_to_native_max\":1,"
			} else {
				nn = ratios(k, s, "native", "native"); ntxt = rtxt(nn); nj = jr("ratio_to_native", nn)
			}
			if (tmin >= 0) {
				tl = tmin == tmax ? tmin : tmin "-" tmax
				if (tmin != nof[k] || tmax != nof[k])
					tl = "**" tl " of " nof[k] ": incomplete, figures not comparable**"
			}
			printf "{\"scenario\":\"gdb_%s\",\"tool\":\"%s\",\"transport\":\"%s\",\"floor\":\"gdbserver/%s\"," \
			       "\"pinning\":\"unpinned\",\"N\":%d,\"n\":%d,\"min\":%.3f,\"median\":%.3f,\"max\":%.3f,%s%s", \
			       s, tool, tr, ftr, nof[k], m, v[1], median(v, m), v[m], fj, nj > jsonl
			if (tl != "")
				printf "\"threads\":%d,\"threads_listed_min\":%d,\"threads_listed_max\":%d,\"complete\":%s,", \
				       nof[k], tmin, tmax, tmin == nof[k] && tmax == nof[k] ? "true" : "false" > jsonl
			printf "\"unit\":\"%s\",\"better\":\"%s\",\"commit\":\"%s\",\"date\":\"%s\"}\n", \
			       unit, better, commit, date > jsonl
			printf "| %s | %s | %d | %d | %s | %s | %s | %s | %s |%s\n", tool, tr, nof[k], m, \
			       fmt(v[1], unit), fmt(median(v, m), unit), fmt(v[m], unit), ftxt, ntxt, \
			       isthr[s] ? " " (tl == "" ? "-" : tl) " |" : "" > md
		}
	}
	printf "\n## Failures and notes\n\n" > md
	nl = 0
	while ((getline line < fails) > 0) {
		print line > md
		nl++
	}
	if (!nl)
		printf "None: every run gave the expected output, and nothing was left behind.\n" > md
}' "$RAW"
echo
cat "$RES/gdb.md"
echo "wrote $RES/gdb.jsonl and $RES/gdb.md"
