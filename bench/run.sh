#!/bin/sh
# bench/run.sh BINDIR [SCENARIO...] - proctrace against raw ptrace floors and
# against the tools users would otherwise pick (gdb, lldb, python-ptrace,
# strace).  BINDIR holds the tools and targets built by bench/Makefile.
# Scenarios (all by default, in this order):
#
#   bphit     one thread hitting a breakpoint: hits/s
#   step      single-steps over a long straight run of instructions: steps/s
#   memread   one read of 64 MiB from a stopped tracee: MiB/s
#   attach    attach-and-stop and detach of a process of N sleeping threads:
#             ms (attach, detach, and their sum)
#   bphit_mt  T threads hitting one breakpoint at once: hits/s
#   churn     a program creating and joining 20,000 threads, every clone and
#             exit event followed: s, slowdown against the untraced run
#
# Each round runs every tool once on the same work, the order reversed from
# one round to the next, so that machine noise falls on all; each tool's
# ratio to the floor (raw_ptrace) is taken round by round.  The peers run in
# the first BENCH_PEER_ROUNDS rounds only; they are timed from the outside,
# end to end, minus the same run with no work (N=0).  All of it twice:
# unpinned, then with every process on one CPU (taskset -c 0).
# Writes results/SCENARIO.jsonl (one JSON object per figure) and
# results/SCENARIO.md, then results/all.jsonl and results/all.md for every
# scenario with results.  Reports figures only: nothing here passes or fails.
set -eu

BIN=${1:?usage: run.sh BINDIR [bphit|step|memread|attach|bphit_mt|churn ...]}
shift
SCENARIOS=${*:-bphit step memread attach bphit_mt churn}
ROUNDS=${BENCH_ROUNDS:-5}
HITS=${BENCH_HITS:-10000}
PEER_ROUNDS=${BENCH_PEER_ROUNDS:-2}
STEP_ROUNDS=${BENCH_STEP_ROUNDS:-5}
STEPS=${BENCH_STEPS:-10000}
MEM_ROUNDS=${BENCH_MEM_ROUNDS:-5}
MEM_MIB=${BENCH_MEM_MIB:-64}
MEM_READS=${BENCH_MEM_READS:-3}
ATTACH_ROUNDS=${BENCH_ATTACH_ROUNDS:-15}
ATTACH_THREADS=${BENCH_ATTACH_THREADS:-100 1000 4000}
ATTACH_PEER_ROUNDS=${BENCH_ATTACH_PEER_ROUNDS:-$PEER_ROUNDS}
MT_ROUNDS=${BENCH_MT_ROUNDS:-7}
MT_THREADS=${BENCH_MT_THREADS:-10 100}
MT_HITS=${BENCH_MT_HITS:-20000}
CHURN_ROUNDS=${BENCH_CHURN_ROUNDS:-3}
CHURN_PEER_ROUNDS=${BENCH_CHURN_PEER_ROUNDS:-1}
CHURN_THREADS=${BENCH_CHURN_THREADS:-20000}
SPIN_US=${BENCH_SPIN_US:-100}
HERE=$(cd "$(dirname "$0")" && pwd)
PEERS=$HERE/peers
RES=$HERE/results
mkdir -p "$RES"
RAW=$(mktemp "$RES/bench.XXXXXX.tmp")
READY=$(mktemp "$RES/ready.XXXXXX.tmp")
POUT=$(mktemp "$RES/peer.XXXXXX.tmp")
MISSING=$(mktemp "$RES/missing.XXXXXX.tmp") # "SCENARIO PEER" per skipped peer
TARGET=
cleanup() {
	[ -z "$TARGET" ] || kill -9 "$TARGET" 2>/dev/null || true
	rm -f "$RAW" "$READY" "$POUT" "$MISSING"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

PINNINGS="unpinned pinned"
if ! command -v taskset >/dev/null 2>&1; then
	echo "run.sh: no taskset, pinned runs skipped" >&2
	PINNINGS=unpinned
fi

COMMIT=$(git -C "$HERE" describe --always --dirty 2>/dev/null || echo unknown)
HOST="$(uname -sr), $(nproc) CPUs"
# Other work on the machine shows in the figures: say how busy it was.
LOAD=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)

# pin PINNING: the command prefix for it.
pin() {
	if [ "$1" = pinned ]; then echo "taskset -c 0"; fi
}

# order ROUND TOOL...: the tools, in reverse order in even rounds.
order() {
	r=$1
	shift
	if [ $((r % 2)) -eq 1 ]; then
		echo "$@"
	else
		echo "$@" | awk '{ for (i = NF; i > 0; i--) printf "%s%s", $i, (i > 1 ? " " : "\n") }'
	fi
}

# sym PROGRAM SYMBOL: its address (hex; the targets are non-PIE).
sym() {
	a=$(nm "$BIN/$1" | awk -v s="$2" '$3 == s { print $1 }')
	[ -n "$a" ] || { echo "run.sh: no $2 in $BIN/$1" >&2; exit 1; }
	echo "$a"
}

# ---- peers --------------------------------------------------------------------
PY=/usr/bin/python3 # Debian's, with python3-ptrace (not a pyenv one on PATH)

have_peer() {
	case $1 in
	gdb | gdb-dprintf) command -v gdb ;;
	lldb) command -v lldb ;;
	python-ptrace) [ -x "$PY" ] && "$PY" -c 'import ptrace.debugger' ;;
	strace) command -v strace ;;
	*) false ;;
	esac >/dev/null 2>&1
}

# peers SCENARIO PEER...: the peers installed; a line for each missing one.
peers() {
	s=$1
	shift
	for x in "$@"; do
		if have_peer "$x"; then
			printf '%s ' "$x"
		else
			echo "peer $x missing: skipped ($s)" >&2
			echo "$s $x" >>"$MISSING"
		fi
	done
}

# peer_wall PATTERN COMMAND...: run COMMAND under bench_run (output to
# $POUT) and print its wall time in seconds.  Prints nothing, with a
# warning, if it failed or if PATTERN (grep -E; empty: no check) is not in
# its output.
peer_wall() {
	pat=$1
	shift
	if ! w=$("$BIN/bench_run" -o "$POUT" "$@"); then
		echo "run.sh: peer run failed: $*" >&2
		tail -n 3 "$POUT" >&2
		return 0
	fi
	if [ -n "$pat" ] && ! grep -qE -- "$pat" "$POUT"; then
		echo "run.sh: peer output lacks \"$pat\": $*" >&2
		tail -n 3 "$POUT" >&2
		return 0
	fi
	echo "$w" | awk '{ print $1 }'
}

# peer_cmd PEER SCENARIO N [ARG...]: the command line of one peer run.
peer_cmd() {
	peer=$1 s=$2 n=$3
	shift 3
	case $peer in
	gdb) echo "$PEERS/gdb.sh $s $n $BIN $*" ;;
	gdb-dprintf) echo "$PEERS/gdb.sh dprintf $n $BIN $*" ;;
	lldb) echo "$PEERS/lldb.sh $s $n $BIN $*" ;;
	python-ptrace) echo "$PY $PEERS/pyptrace.py $s $n $BIN $*" ;;
	strace) echo "strace -f -qq -e trace=none -o /dev/null $BIN/churn $n" ;;
	esac
}

# peer_pattern PEER SCENARIO N: what its output must show for N units done
# (nothing for N=0).
peer_pattern() {
	[ "$3" -ne 0 ] || return 0
	case $1-$2 in
	gdb-bphit | gdb-dprintf-bphit | gdb-bphit_mt) echo "already hit $3 time" ;;
	gdb-step) echo "stepped to" ;;
	gdb-attach) echo "detached" ;;
	gdb-churn) echo "exited normally" ;;
	lldb-bphit) echo "hit count = $3" ;;
	lldb-step) echo "rip = " ;;
	lldb-memread) echo "$(($3 * 1048576)) bytes written" ;;
	lldb-attach) echo "detached" ;;
	lldb-churn) echo "exited with status = 0" ;;
	python-ptrace-bphit) echo "^hits $3" ;;
	python-ptrace-step) echo "^steps $3" ;;
	python-ptrace-memread) echo "^read $(($3 * 1048576))" ;;
	*) echo "" ;;
	esac
}

# peer_seconds PINNING PEER SCENARIO N [ARG...]: seconds of the work itself:
# the run with N, minus the same run with 0 (start-up), or nothing.
peer_seconds() {
	p=$1 peer=$2 s=$3 n=$4
	shift 4
	# shellcheck disable=SC2046 # word splitting intended
	w0=$(peer_wall "$(peer_pattern "$peer" "$s" 0)" $(pin "$p") $(peer_cmd "$peer" "$s" 0 "$@"))
	# shellcheck disable=SC2046
	wn=$(peer_wall "$(peer_pattern "$peer" "$s" "$n")" $(pin "$p") $(peer_cmd "$peer" "$s" "$n" "$@"))
	[ -n "$w0" ] && [ -n "$wn" ] || return 0
	echo "$wn $w0" | awk '$1 > $2 { printf "%.6f\n", $1 - $2 }'
}

# rec SCENARIO N PINNING ROUND TOOL VALUE [CPU_US_PER_OP CPU_LOAD]
rec() {
	echo "$1 $2 $3 $4 $5 $6 ${7:--} ${8:--}" >>"$RAW"
}

# ---- summaries ----------------------------------------------------------------
# summarize NAME TITLE UNIT BETTER NLABEL THREADS HITS_PER_RUN NOTE
# Reads "scenario N pinning round tool value cpu_us_per_op cpu_load" lines
# from $RAW (then empties it) and writes results/NAME.jsonl and
# results/NAME.md: per (scenario, N, pinning, tool) n (runs), min, median,
# max, and the median, min and max of the per-round ratio tool/raw_ptrace
# (1 for raw_ptrace).  Where the group has an "untraced" tool (churn):
# each tool's slowdown (time/untraced) and the ratio of its overhead
# (time - untraced) to the floor's, per round, medians.  BETTER: "higher"
# or "lower".  NLABEL: what N counts.  THREADS: the threads field, or "N"
# for N itself.  HITS_PER_RUN: the hits_per_run field, 0 to leave it out.
summarize() {
	DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	# peers that were not installed: said in the table, not just on stderr
	miss=$(awk -v s="$1" '$1 == s { printf "%s%s", sep, $2; sep = ", " }' "$MISSING")
	note=$8
	[ -z "$miss" ] || note="$note Not installed, so skipped: $miss."
	awk -v jsonl="$RES/$1.jsonl" -v md="$RES/$1.md" -v title="$2" \
	    -v unit="$3" -v better="$4" -v nlabel="$5" -v threads="$6" \
	    -v hits="$7" -v note="$note" \
	    -v commit="$COMMIT" -v date="$DATE" -v host="$HOST" -v load="$LOAD" '
function sort(a, n,    i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
}
function median(a, n) {
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function fmt(x) {
	return unit == "ms" || unit == "s" ? sprintf("%.2f", x) : sprintf("%.0f", x)
}
# per-round statistic of tool t in group g, into st[1..]; kind: "ratio"
# (t/raw), "slow" (t/untraced), "over" ((t-u)/(raw-u)), "cpu", "load".
function stat(g, t, kind,    r, n, a, b, u) {
	n = 0
	for (r = 1; r <= rounds[g]; r++) {
		if (!((g, t, r) in val))
			continue
		a = val[g, t, r]
		if (kind == "cpu" || kind == "load") {
			if (!((g, t, r) in cpu) || cpu[g, t, r] == "-")
				continue
			st[++n] = kind == "cpu" ? cpu[g, t, r] : cload[g, t, r]
			continue
		}
		if (kind != "slow" && !((g, "raw_ptrace", r) in val))
			continue
		if (kind != "ratio" && !((g, "untraced", r) in val))
			continue
		b = val[g, "raw_ptrace", r]
		u = val[g, "untraced", r]
		if (kind == "ratio")
			st[++n] = a / b
		else if (kind == "slow")
			st[++n] = a / u
		else if (b > u)
			st[++n] = (a - u) / (b - u)
	}
	sort(st, n)
	return n
}
{
	g = $1 SUBSEP $2 SUBSEP $3
	if (!(g in seen)) { seen[g] = 1; groups[++ngroups] = g }
	if (!($1 in sseen)) { sseen[$1] = 1; scens[++nscens] = $1 }
	if (!((g, $5) in tseen)) { tseen[g, $5] = 1; tools[g, ++ntools[g]] = $5 }
	val[g, $5, $4] = $6
	cpu[g, $5, $4] = $7
	cload[g, $5, $4] = $8
	if ($7 != "-") hascpu[$1] = 1
	if ($5 == "untraced") hasbase[$1] = 1
	if ($4 > rounds[g]) rounds[g] = $4
}
END {
	printf "" > jsonl
	printf "# %s\n\n", title > md
	printf "%s, commit %s, %s (load average before the run: %s).\n", \
		date, commit, host, load > md
	printf "Ratio = tool / raw_ptrace, computed round by round (%s is better, " \
	       "so a ratio %s 1 means slower than the floor); median (min-max) " \
	       "over the rounds.\n", better, better == "lower" ? "above" : "below" > md
	if (note != "")
		printf "%s\n", note > md
	for (s = 1; s <= nscens; s++) {
		scen = scens[s]
		if (nscens > 1)
			printf "\n## %s\n", scen > md
		printf "\n| %s | pinning | tool | runs | min %s | median %s | max %s | ratio to floor |", \
			nlabel, unit, unit, unit > md
		if (hascpu[scen])
			printf " tracer CPU us/op | CPU load |" > md
		if (hasbase[scen])
			printf " slowdown vs untraced | overhead / floor overhead |" > md
		printf "\n|---:|---|---|---:|---:|---:|---:|---|%s%s\n", \
			hascpu[scen] ? "---:|---:|" : "", hasbase[scen] ? "---:|---:|" : "" > md
		for (k = 1; k <= ngroups; k++) {
			g = groups[k]
			split(g, f, SUBSEP)
			if (f[1] != scen)
				continue
			for (ti = 1; ti <= ntools[g]; ti++) {
				tool = tools[g, ti]
				m = 0
				for (r = 1; r <= rounds[g]; r++)
					if ((g, tool, r) in val)
						v[++m] = val[g, tool, r]
				sort(v, m)
				if (tool == "raw_ptrace") {
					rmed = 1; rmin = 1; rmax = 1; rtxt = "1 (floor)"
				} else if ((n = stat(g, tool, "ratio")) > 0) {
					rmed = median(st, n); rmin = st[1]; rmax = st[n]
					rtxt = sprintf("%.2f (%.2f-%.2f)", rmed, rmin, rmax)
				} else {
					rmed = rmin = rmax = -1; rtxt = "-"
				}
				printf "{\"scenario\":\"%s\",\"tool\":\"%s\",\"pinning\":\"%s\"," \
				       "\"N\":%d,\"threads\":%d,\"n\":%d,\"min\":%.3f,\"median\":%.3f,\"max\":%.3f,", \
				       scen, tool, f[3], f[2], threads == "N" ? f[2] : threads, \
				       m, v[1], median(v, m), v[m] > jsonl
				if (rmed >= 0)
					printf "\"ratio_to_floor\":%.3f,\"ratio_min\":%.3f,\"ratio_max\":%.3f,", \
					       rmed, rmin, rmax > jsonl
				else
					printf "\"ratio_to_floor\":null,\"ratio_min\":null,\"ratio_max\":null," > jsonl
				ctxt = ""
				if (hascpu[scen]) {
					if ((n = stat(g, tool, "cpu")) > 0) {
						c = median(st, n)
						n = stat(g, tool, "load")
						printf "\"cpu_us_per_op\":%.3f,\"cpu_load\":%.3f,", c, median(st, n) > jsonl
						ctxt = sprintf(" %.1f | %.2f |", c, median(st, n))
					} else
						ctxt = " - | - |"
				}
				btxt = ""
				if (hasbase[scen] && tool != "untraced") {
					n = stat(g, tool, "slow")
					sl = n ? median(st, n) : -1
					n = stat(g, tool, "over")
					ov = n ? median(st, n) : -1
					if (sl >= 0)
						printf "\"slowdown\":%.3f,", sl > jsonl
					if (ov >= 0)
						printf "\"overhead_ratio\":%.3f,", ov > jsonl
					btxt = sprintf(" %s | %s |", sl >= 0 ? sprintf("%.2f", sl) : "-", \
						       ov >= 0 ? sprintf("%.2f", ov) : "-")
				} else if (hasbase[scen])
					btxt = " 1 | - |"
				printf "\"unit\":\"%s\",\"better\":\"%s\",", unit, better > jsonl
				if (hits > 0)
					printf "\"hits_per_run\":%d,", hits > jsonl
				printf "\"commit\":\"%s\",\"date\":\"%s\"}\n", commit, date > jsonl
				printf "| %d | %s | %s | %d | %s | %s | %s | %s |%s%s\n", f[2], f[3], \
				       tool, m, fmt(v[1]), fmt(median(v, m)), fmt(v[m]), rtxt, \
				       ctxt, btxt > md
			}
		}
	}
}' "$RAW"
	echo
	cat "$RES/$1.md"
	echo "wrote $RES/$1.jsonl and $RES/$1.md"
	: >"$RAW"
}

# cpu_fields OPS SECONDS CPU_SECONDS: "CPU_US_PER_OP CPU_LOAD"
cpu_fields() {
	echo "$1 $2 $3" | awk '{ printf "%.3f %.3f\n", $3 / $1 * 1e6, $3 / $2 }'
}

# rate N SECONDS: N per second; ms SECONDS: milliseconds.
rate() { echo "$1 $2" | awk '{ printf "%.1f\n", $1 / $2 }'; }
ms() { echo "$1" | awk '{ printf "%.3f\n", $1 * 1000 }'; }

# ptenv TOOL: the environment prefix of a proctrace variant.
ptenv() {
	case $1 in
	proctrace+spin) echo "env PROCTRACE_SPIN_US=$SPIN_US" ;;
	proctrace-singlestep) echo "env PROCTRACE_STEPOVER=single" ;;
	proctrace-ontracer) echo "env PT_BENCH_ON_TRACER=1" ;;
	*) echo "env" ;;
	esac
}

# show PINNING ROUND TOOL VALUE UNIT [EXTRA]
show() {
	printf '  %-8s round %2d  %-21s %12s %s %s\n' "$1" "$2" "$3" "$4" "$5" "${6:-}"
}

# ---- bphit: one thread, one breakpoint ------------------------------------
run_bphit() {
	addr=$(sym loop bench_hit)
	pe=$(peers bphit gdb gdb-dprintf lldb python-ptrace)
	echo "bphit: $ROUNDS rounds of $HITS breakpoint hits per tool" \
	     "(peers: ${pe:-none}, $PEER_ROUNDS rounds), bench_hit at 0x$addr"
	for p in $PINNINGS; do
		r=1
		while [ "$r" -le "$ROUNDS" ]; do
			tools="raw_ptrace proctrace proctrace-ontracer proctrace+spin proctrace-singlestep"
			[ "$r" -gt "$PEER_ROUNDS" ] || tools="$tools $pe"
			for tool in $(order "$r" $tools); do
				case $tool in
				raw_ptrace | proctrace*)
					exe=raw_bphit
					[ "$tool" = raw_ptrace ] || exe=pt_bphit
					# shellcheck disable=SC2046
					out=$($(ptenv "$tool") $(pin "$p") "$BIN/$exe" "$HITS" "$addr" \
						"$BIN/loop" "$HITS")
					# shellcheck disable=SC2086
					set -- $out
					[ "$#" -ge 4 ] || { echo "run.sh: $exe failed" >&2; exit 1; }
					# shellcheck disable=SC2046
					rec bphit "$HITS" "$p" "$r" "$tool" "$3" $(cpu_fields "$HITS" "$2" "$4")
					show "$p" "$r" "$tool" "$3" hits/s "cpu $4 s"
					;;
				*)
					sec=$(peer_seconds "$p" "$tool" bphit "$HITS" "$addr")
					[ -n "$sec" ] || continue
					rec bphit "$HITS" "$p" "$r" "$tool" "$(rate "$HITS" "$sec")"
					show "$p" "$r" "$tool" "$(rate "$HITS" "$sec")" hits/s
					;;
				esac
			done
			r=$((r + 1))
		done
	done
	summarize bphit "Breakpoint hit rate, one thread" hits/s higher hits 1 "$HITS" \
"Peers timed end to end minus the same run with 0 hits. proctrace+spin: PROCTRACE_SPIN_US=$SPIN_US (the library turns spinning off when only one CPU is allowed, so pinned it is plain proctrace). proctrace-singlestep: PROCTRACE_STEPOVER=single (no emulated step-over). proctrace-ontracer: the same loop run in pt_call_on_tracer, on the library's tracer thread (no hand-off). Tracer CPU: user + system time of the tracing process (library thread included) per hit, and per second of wall time (load)."
}

# ---- step: single-step rate ------------------------------------------------------
run_step() {
	addr=$(sym straight step_loop)
	pe=$(peers step gdb lldb python-ptrace)
	echo "step: $STEP_ROUNDS rounds of $STEPS single-steps per tool" \
	     "(peers: ${pe:-none}, $PEER_ROUNDS rounds), step_loop at 0x$addr"
	for p in $PINNINGS; do
		r=1
		while [ "$r" -le "$STEP_ROUNDS" ]; do
			tools="raw_ptrace proctrace proctrace-ontracer proctrace+spin"
			[ "$r" -gt "$PEER_ROUNDS" ] || tools="$tools $pe"
			for tool in $(order "$r" $tools); do
				case $tool in
				raw_ptrace | proctrace*)
					exe=raw_step
					[ "$tool" = raw_ptrace ] || exe=pt_step
					# shellcheck disable=SC2046
					out=$($(ptenv "$tool") $(pin "$p") "$BIN/$exe" "$STEPS" "$addr" \
						"$BIN/straight")
					# shellcheck disable=SC2086
					set -- $out
					[ "$#" -ge 4 ] || { echo "run.sh: $exe failed" >&2; exit 1; }
					# shellcheck disable=SC2046
					rec step "$STEPS" "$p" "$r" "$tool" "$3" $(cpu_fields "$STEPS" "$2" "$4")
					show "$p" "$r" "$tool" "$3" steps/s "cpu $4 s"
					;;
				*)
					sec=$(peer_seconds "$p" "$tool" step "$STEPS" "$addr")
					[ -n "$sec" ] || continue
					rec step "$STEPS" "$p" "$r" "$tool" "$(rate "$STEPS" "$sec")"
					show "$p" "$r" "$tool" "$(rate "$STEPS" "$sec")" steps/s
					;;
				esac
			done
			r=$((r + 1))
		done
	done
	summarize step "Single-step rate" steps/s higher steps 1 0 \
"targets/straight.c: 4096 one-byte-operand adds in a loop. Floor: PTRACE_SINGLESTEP + waitpid. proctrace: pt_thread_step + pt_wait, stop cause checked. Peers: gdb stepi N, lldb thread step-inst -c N, python-ptrace singleStep + waitSignals, timed end to end minus the same run with 0 steps. proctrace-ontracer: the same loop run in pt_call_on_tracer, on the library's tracer thread (no hand-off). proctrace+spin: PROCTRACE_SPIN_US=$SPIN_US (off when pinned to one CPU)."
}

# ---- memread: 64 MiB from a stopped tracee ---------------------------------------
run_memread() {
	var=$(sym bigbuf bench_mem)
	addr=$(sym bigbuf buf_ready)
	pe=$(peers memread gdb lldb python-ptrace)
	echo "memread: $MEM_ROUNDS rounds of $MEM_READS reads of $MEM_MIB MiB per tool" \
	     "(peers: ${pe:-none}, $PEER_ROUNDS rounds, one read)"
	for p in $PINNINGS; do
		r=1
		while [ "$r" -le "$MEM_ROUNDS" ]; do
			tools="raw_ptrace proctrace"
			[ "$r" -gt "$PEER_ROUNDS" ] || tools="$tools $pe"
			for tool in $(order "$r" $tools); do
				case $tool in
				raw_ptrace | proctrace)
					exe=raw_memread
					[ "$tool" = raw_ptrace ] || exe=pt_memread
					# shellcheck disable=SC2046
					out=$($(pin "$p") "$BIN/$exe" "$MEM_READS" "$var" "$addr" \
						"$BIN/bigbuf" "$MEM_MIB")
					# shellcheck disable=SC2086
					set -- $out
					[ "$#" -ge 3 ] || { echo "run.sh: $exe failed" >&2; exit 1; }
					rec memread "$MEM_MIB" "$p" "$r" "$tool" "$3"
					show "$p" "$r" "$tool" "$3" MiB/s
					;;
				*)
					sec=$(peer_seconds "$p" "$tool" memread "$MEM_MIB" "$addr" "$var")
					[ -n "$sec" ] || continue
					rec memread "$MEM_MIB" "$p" "$r" "$tool" "$(rate "$MEM_MIB" "$sec")"
					show "$p" "$r" "$tool" "$(rate "$MEM_MIB" "$sec")" MiB/s
					;;
				esac
			done
			r=$((r + 1))
		done
	done
	summarize memread "Memory read of $MEM_MIB MiB from a stopped tracee" MiB/s higher MiB 1 0 \
"targets/bigbuf.c maps and fills the buffer, then stops on a breakpoint. Floor: one process_vm_readv call; proctrace: one pt_mem_read call; both into a buffer already faulted in, $MEM_READS reads per run, bytes checked. Peers (one read per run, timed end to end minus the same run reading nothing): gdb dump binary memory to /dev/null, lldb memory read --binary --force --outfile /dev/null, python-ptrace readBytes (which reads /proc/PID/mem)."
}

# ---- attach: attach-and-stop, detach ---------------------------------------
# start_sleepers PINNING N: start the target, wait for its "ready".
start_sleepers() {
	: >"$READY"
	$(pin "$1") "$BIN/sleepers" "$2" >"$READY" </dev/null &
	TARGET=$!
	i=0
	until grep -q ready "$READY"; do
		i=$((i + 1))
		if [ "$i" -gt 600 ] || ! kill -0 "$TARGET" 2>/dev/null; then
			echo "run.sh: sleepers $2 not ready" >&2
			exit 1
		fi
		sleep 0.05
	done
}

stop_target() {
	kill -9 "$TARGET" 2>/dev/null || true
	wait "$TARGET" 2>/dev/null || true
	TARGET=
}

run_attach() {
	pe=$(peers attach gdb lldb)
	echo "attach: $ATTACH_ROUNDS rounds per tool of attach-and-stop + detach," \
	     "threads: $ATTACH_THREADS (peers: ${pe:-none}, $ATTACH_PEER_ROUNDS rounds)"
	for p in $PINNINGS; do
		for n in $ATTACH_THREADS; do
			start_sleepers "$p" "$n"
			# one untimed warm-up run of each tool
			$(pin "$p") "$BIN/raw_attach" "$TARGET" >/dev/null
			$(pin "$p") "$BIN/pt_attach" "$TARGET" >/dev/null
			r=1
			while [ "$r" -le "$ATTACH_ROUNDS" ]; do
				tools="raw pt"
				[ "$r" -gt "$ATTACH_PEER_ROUNDS" ] || tools="$tools $pe"
				for tool in $(order "$r" $tools); do
					case $tool in
					raw | pt)
						name=raw_ptrace
						[ "$tool" = raw ] || name=proctrace
						out=$($(pin "$p") "$BIN/${tool}_attach" "$TARGET")
						# shellcheck disable=SC2086 # split into fields
						set -- $out
						if [ "$#" -lt 3 ] || [ "$1" != "$n" ]; then
							echo "run.sh: ${tool}_attach: \"$out\", expected $n tasks" >&2
							exit 1
						fi
						rec attach "$n" "$p" "$r" "$name" "$2"
						rec detach "$n" "$p" "$r" "$name" "$3"
						rec attach_detach "$n" "$p" "$r" "$name" \
							"$(echo "$2 $3" | awk '{ print $1 + $2 }')"
						printf '  %-8s %4d threads round %2d  %-10s attach %8.2f ms  detach %7.2f ms\n' \
							"$p" "$n" "$r" "$name" "$2" "$3"
						;;
					*)
						sec=$(peer_seconds "$p" "$tool" attach "$n" "$TARGET")
						# the peer must leave it running, untraced
						"$BIN/bench_run" -c "$TARGET" >/dev/null
						[ -n "$sec" ] || continue
						rec attach_detach "$n" "$p" "$r" "$tool" "$(ms "$sec")"
						printf '  %-8s %4d threads round %2d  %-10s attach+detach %8.2f ms\n' \
							"$p" "$n" "$r" "$tool" "$(ms "$sec")"
						;;
					esac
				done
				r=$((r + 1))
			done
			stop_target
		done
	done
	summarize attach "Attach-and-stop and detach of N sleeping threads" ms lower \
		threads N 0 \
"attach: from the call to every thread stopped (pt_attach; raw: seize + interrupt each task of /proc/PID/task, rescan, waitpid each). detach: pt_detach (raw: PTRACE_DETACH each). attach_detach: their sum; for the peers (gdb -p PID -batch, lldb -p PID --batch with process detach) the whole run minus the same run with no process to attach to (start-up), which leaves in their symbol loading and thread listing. One target per (pinning, threads), reused by every round; each run checks afterwards that no thread is left stopped or traced."
}

# ---- bphit_mt: T threads, one breakpoint ------------------------------------
run_bphit_mt() {
	addr=$(sym mtloop bench_hit)
	pe=$(peers bphit_mt gdb)
	echo "bphit_mt: $MT_ROUNDS rounds of $MT_HITS hits per tool," \
	     "threads: $MT_THREADS (peers: ${pe:-none}, $PEER_ROUNDS rounds), bench_hit at 0x$addr"
	for p in $PINNINGS; do
		for t in $MT_THREADS; do
			k=$((MT_HITS / t))
			r=1
			while [ "$r" -le "$MT_ROUNDS" ]; do
				tools="raw pt"
				[ "$r" -gt "$PEER_ROUNDS" ] || tools="$tools $pe"
				for tool in $(order "$r" $tools); do
					case $tool in
					raw | pt)
						name=raw_ptrace
						[ "$tool" = raw ] || name=proctrace
						out=$($(pin "$p") "$BIN/${tool}_bphit_mt" "$addr" \
							"$BIN/mtloop" "$t" "$k")
						# shellcheck disable=SC2086 # split into fields
						set -- $out
						if [ "$#" -lt 4 ] || [ "$1" != $((t * k)) ]; then
							echo "run.sh: ${tool}_bphit_mt: \"$out\"" >&2
							exit 1
						fi
						rec bphit_mt "$t" "$p" "$r" "$name" "$3"
						show "$p" "$r" "$name ($t thr)" "$3" hits/s "$4 stops"
						;;
					*)
						sec=$(peer_seconds "$p" "$tool" bphit_mt $((t * k)) "$t")
						[ -n "$sec" ] || continue
						rec bphit_mt "$t" "$p" "$r" "$tool" "$(rate $((t * k)) "$sec")"
						show "$p" "$r" "$tool ($t thr)" "$(rate $((t * k)) "$sec")" hits/s
						;;
					esac
				done
				r=$((r + 1))
			done
		done
	done
	summarize bphit_mt "Breakpoint hit rate, T threads on one breakpoint" \
		hits/s higher threads N "$MT_HITS" \
"Each run: T threads x $MT_HITS/T calls each, all counted (the tools check the total). Timed from opening the target's start gate to its exit. gdb: break with commands silent/continue, timed end to end minus the same run with 0 calls."
}

# ---- churn: 20,000 short-lived threads, events followed ---------------------------
run_churn() {
	pe=$(peers churn gdb lldb strace)
	n=$CHURN_THREADS
	echo "churn: $CHURN_ROUNDS rounds of $n threads created and joined" \
	     "(peers: ${pe:-none}, $CHURN_PEER_ROUNDS rounds)"
	for p in $PINNINGS; do
		r=1
		while [ "$r" -le "$CHURN_ROUNDS" ]; do
			tools="untraced raw_ptrace proctrace proctrace-report"
			[ "$r" -gt "$CHURN_PEER_ROUNDS" ] || tools="$tools $pe"
			for tool in $(order "$r" $tools); do
				case $tool in
				untraced)
					out=$($(pin "$p") "$BIN/bench_run" "$BIN/churn" "$n")
					sec=${out%% *}
					;;
				raw_ptrace | proctrace | proctrace-report)
					case $tool in
					raw_ptrace) cmd="$BIN/raw_churn" ;;
					proctrace) cmd="$BIN/pt_churn -q" ;;
					*) cmd="$BIN/pt_churn" ;;
					esac
					# shellcheck disable=SC2086
					out=$($(pin "$p") $cmd "$BIN/churn" "$n")
					# shellcheck disable=SC2086
					set -- $out
					if [ "$#" -lt 3 ]; then
						echo "run.sh: $cmd: \"$out\"" >&2
						exit 1
					fi
					if [ "$2" != - ] && { [ "$2" != "$n" ] || [ "$3" -lt "$n" ]; }; then
						echo "run.sh: $cmd: \"$out\", expected $n creations and exits" >&2
						exit 1
					fi
					sec=$1
					;;
				*)
					sec=$(peer_seconds "$p" "$tool" churn "$n")
					[ -n "$sec" ] || continue
					;;
				esac
				rec churn "$n" "$p" "$r" "$tool" "$sec"
				show "$p" "$r" "$tool" "$sec" s
			done
			r=$((r + 1))
		done
	done
	summarize churn "Thread churn: $n threads created and joined, events followed" \
		s lower threads N 0 \
"targets/churn.c N: N threads, each created and joined before the next. untraced: the program alone. Floor: a minimal follower (PTRACE_SEIZE with TRACECLONE, TRACEEXIT, TRACEEXEC; PTRACE_CONT on every stop). proctrace: pt_launch, events followed inside the library (every thread traced and tracked) but not reported (pt_process_set_events(p, 0)), one pt_continue/pt_wait until the exit: the floor's work. proctrace-report: thread create and exit events reported, each an all-stop back to the caller, pt_continue/pt_wait until the exit. Peers: gdb -batch -ex run (thread-event messages off), lldb process launch, strace -f -e trace=none; timed end to end minus the same run with 0 threads. Slowdown: time / untraced time. Overhead / floor overhead: (time - untraced) / (floor - untraced), per round."
}

for s in $SCENARIOS; do
	case $s in
	bphit) run_bphit ;;
	step) run_step ;;
	memread) run_memread ;;
	attach) run_attach ;;
	bphit_mt) run_bphit_mt ;;
	churn) run_churn ;;
	*) echo "run.sh: unknown scenario $s" >&2; exit 2 ;;
	esac
	echo
done

# ---- all.jsonl, all.md ----------------------------------------------------------
: >"$RES/all.jsonl"
{
	echo "# proctrace benchmarks: all figures"
	echo
	echo "Every scenario's table, as written by its last run (bench/README.md says how they are made)."
} >"$RES/all.md"
for s in bphit step memread attach bphit_mt churn; do
	[ -f "$RES/$s.jsonl" ] || continue
	cat "$RES/$s.jsonl" >>"$RES/all.jsonl"
	{ echo; sed 's/^#/##/' "$RES/$s.md"; } >>"$RES/all.md"
done
echo "wrote $RES/all.jsonl and $RES/all.md"
