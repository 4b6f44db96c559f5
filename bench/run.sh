#!/bin/sh
# bench/run.sh BINDIR [SCENARIO...] - proctrace against raw ptrace floors.
# BINDIR holds the tools and targets built by bench/Makefile.  Scenarios
# (all three by default, in this order):
#
#   bphit     one thread hitting a breakpoint: hits/s
#   attach    attach-and-stop and detach of a process of N sleeping threads:
#             ms (attach, detach, and their sum)
#   bphit_mt  T threads hitting one breakpoint at once: hits/s
#
# Each round runs the raw tracer and proctrace once each on the same work,
# alternating which goes first, so that machine noise falls on both; the
# ratio proctrace/raw is taken round by round.  All of it twice: unpinned,
# then with tracer, library thread and tracee on one CPU (taskset -c 0).
# Writes results/SCENARIO.jsonl (one JSON object per figure) and
# results/SCENARIO.md.  Reports figures only: nothing here passes or fails.
set -eu

BIN=${1:?usage: run.sh BINDIR [bphit|attach|bphit_mt ...]}
shift
SCENARIOS=${*:-bphit attach bphit_mt}
ROUNDS=${BENCH_ROUNDS:-5}
HITS=${BENCH_HITS:-20000}
ATTACH_ROUNDS=${BENCH_ATTACH_ROUNDS:-15}
ATTACH_THREADS=${BENCH_ATTACH_THREADS:-100 1000 4000}
MT_ROUNDS=${BENCH_MT_ROUNDS:-7}
MT_THREADS=${BENCH_MT_THREADS:-10 100}
MT_HITS=${BENCH_MT_HITS:-20000}
HERE=$(cd "$(dirname "$0")" && pwd)
RES=$HERE/results
mkdir -p "$RES"
RAW=$(mktemp "$RES/bench.XXXXXX.tmp")
READY=$(mktemp "$RES/ready.XXXXXX.tmp")
TARGET=
cleanup() {
	[ -z "$TARGET" ] || kill -9 "$TARGET" 2>/dev/null || true
	rm -f "$RAW" "$READY"
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

# order ROUND: the two tools, alternating which goes first.
order() {
	if [ $(($1 % 2)) -eq 1 ]; then echo "raw pt"; else echo "pt raw"; fi
}

bphit_addr() {
	a=$(nm "$BIN/$1" | awk '$3 == "bench_hit" { print $1 }')
	[ -n "$a" ] || { echo "run.sh: no bench_hit in $BIN/$1" >&2; exit 1; }
	echo "$a"
}

# summarize NAME TITLE UNIT BETTER HITS_PER_RUN NOTE
# Reads "scenario threads pinning round tool value" lines from $RAW (then
# empties it) and writes results/NAME.jsonl and results/NAME.md: per
# (scenario, threads, pinning, tool) n (runs), min, median, max, and the
# median, min and max of the per-round ratio proctrace/raw (1 for raw).
# BETTER: "higher" or "lower", which way the unit improves.  HITS_PER_RUN:
# the hits_per_run field, 0 to leave it out.  NOTE: a line for the .md.
summarize() {
	DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	awk -v jsonl="$RES/$1.jsonl" -v md="$RES/$1.md" -v title="$2" \
	    -v unit="$3" -v better="$4" -v hits="$5" -v note="$6" \
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
	return unit == "ms" ? sprintf("%.2f", x) : sprintf("%.0f", x)
}
{
	g = $1 SUBSEP $2 SUBSEP $3
	if (!(g in seen)) { seen[g] = 1; groups[++ngroups] = g }
	if (!($1 in sseen)) { sseen[$1] = 1; scens[++nscens] = $1 }
	val[g, $5, $4] = $6
	if ($4 > rounds[g]) rounds[g] = $4
	maxr = $4 > maxr ? $4 : maxr
}
END {
	printf "" > jsonl
	printf "# %s: proctrace vs raw ptrace\n\n", title > md
	printf "%s, commit %s, %s (load average before the run: %s); " \
	       "%d rounds per figure, tools interleaved.\n", \
		date, commit, host, load, maxr > md
	printf "Ratio = proctrace / raw (%s is better, so a ratio %s 1 means " \
	       "proctrace is slower), computed per round; median (min-max).\n", \
	       better, better == "lower" ? "above" : "below" > md
	if (note != "")
		printf "%s\n", note > md
	for (s = 1; s <= nscens; s++) {
		scen = scens[s]
		if (nscens > 1)
			printf "\n## %s\n", scen > md
		printf "\n| threads | pinning | tool | runs | min %s | median %s | max %s | ratio to floor |\n", \
			unit, unit, unit > md
		print "|---:|---|---|---:|---:|---:|---:|---|" > md
		for (k = 1; k <= ngroups; k++) {
			g = groups[k]
			split(g, f, SUBSEP)
			if (f[1] != scen)
				continue
			n = 0
			for (r = 1; r <= rounds[g]; r++)
				if ((g, "raw", r) in val && (g, "pt", r) in val)
					ratio[++n] = val[g, "pt", r] / val[g, "raw", r]
			sort(ratio, n)
			for (t = 1; t <= 2; t++) {
				tool = t == 1 ? "raw" : "pt"
				m = 0
				for (r = 1; r <= rounds[g]; r++)
					if ((g, tool, r) in val)
						v[++m] = val[g, tool, r]
				if (m == 0)
					continue
				sort(v, m)
				if (tool == "raw") {
					rmed = 1; rmin = 1; rmax = 1; name = "raw_ptrace"
				} else {
					rmed = median(ratio, n); rmin = ratio[1]
					rmax = ratio[n]; name = "proctrace"
				}
				printf "{\"scenario\":\"%s\",\"tool\":\"%s\",\"pinning\":\"%s\"," \
				       "\"threads\":%d,\"n\":%d,\"min\":%.3f,\"median\":%.3f,\"max\":%.3f," \
				       "\"ratio_to_floor\":%.3f,\"ratio_min\":%.3f,\"ratio_max\":%.3f," \
				       "\"unit\":\"%s\",\"better\":\"%s\",", \
				       scen, name, f[3], f[2], m, v[1], median(v, m), v[m], \
				       rmed, rmin, rmax, unit, better > jsonl
				if (hits > 0)
					printf "\"hits_per_run\":%d,", hits > jsonl
				printf "\"commit\":\"%s\",\"date\":\"%s\"}\n", commit, date > jsonl
				printf "| %d | %s | %s | %d | %s | %s | %s | %s |\n", f[2], f[3], \
				       name, m, fmt(v[1]), fmt(median(v, m)), fmt(v[m]), \
				       tool == "raw" ? "1 (floor)" : \
				       sprintf("%.2f (%.2f-%.2f)", rmed, rmin, rmax) > md
			}
		}
	}
}' "$RAW"
	echo
	cat "$RES/$1.md"
	echo "wrote $RES/$1.jsonl and $RES/$1.md"
	: >"$RAW"
}

# ---- bphit: one thread, one breakpoint ------------------------------------
run_bphit() {
	addr=$(bphit_addr loop)
	echo "bphit: $ROUNDS rounds of $HITS breakpoint hits per tool, bench_hit at 0x$addr"
	for p in $PINNINGS; do
		r=1
		while [ "$r" -le "$ROUNDS" ]; do
			for tool in $(order "$r"); do
				rate=$($(pin "$p") "$BIN/${tool}_bphit" "$HITS" "$addr" \
					"$BIN/loop" "$HITS" | awk '{ print $3 }')
				[ -n "$rate" ] || { echo "run.sh: ${tool}_bphit failed" >&2; exit 1; }
				echo "bphit 1 $p $r $tool $rate" >>"$RAW"
				printf '  %-8s round %2d  %-3s %10.0f hits/s\n' "$p" "$r" "$tool" "$rate"
			done
			r=$((r + 1))
		done
	done
	summarize bphit "Breakpoint hit rate, one thread" hits/s higher "$HITS" ""
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
	echo "attach: $ATTACH_ROUNDS rounds per tool of attach-and-stop + detach," \
	     "threads: $ATTACH_THREADS"
	for p in $PINNINGS; do
		for n in $ATTACH_THREADS; do
			start_sleepers "$p" "$n"
			# one untimed warm-up run of each tool
			$(pin "$p") "$BIN/raw_attach" "$TARGET" >/dev/null
			$(pin "$p") "$BIN/pt_attach" "$TARGET" >/dev/null
			r=1
			while [ "$r" -le "$ATTACH_ROUNDS" ]; do
				for tool in $(order "$r"); do
					out=$($(pin "$p") "$BIN/${tool}_attach" "$TARGET")
					# shellcheck disable=SC2086 # split into fields
					set -- $out
					if [ "$#" -lt 3 ] || [ "$1" != "$n" ]; then
						echo "run.sh: ${tool}_attach: \"$out\", expected $n tasks" >&2
						exit 1
					fi
					{
						echo "attach $n $p $r $tool $2"
						echo "detach $n $p $r $tool $3"
						echo "attach_detach $n $p $r $tool $(echo "$2 $3" | awk '{ print $1 + $2 }')"
					} >>"$RAW"
					printf '  %-8s %4d threads round %2d  %-3s attach %8.2f ms  detach %7.2f ms\n' \
						"$p" "$n" "$r" "$tool" "$2" "$3"
				done
				r=$((r + 1))
			done
			stop_target
		done
	done
	summarize attach "Attach-and-stop and detach of N sleeping threads" ms lower 0 \
"attach: from the call to every thread stopped (pt_attach; raw: seize + interrupt each task of /proc/PID/task, rescan, waitpid each). detach: pt_detach (raw: PTRACE_DETACH each). attach_detach: their sum. One target per (pinning, threads), reused by every round; each run checks afterwards that no thread is left stopped or traced."
}

# ---- bphit_mt: T threads, one breakpoint ------------------------------------
run_bphit_mt() {
	addr=$(bphit_addr mtloop)
	echo "bphit_mt: $MT_ROUNDS rounds of $MT_HITS hits per tool," \
	     "threads: $MT_THREADS, bench_hit at 0x$addr"
	for p in $PINNINGS; do
		for t in $MT_THREADS; do
			k=$((MT_HITS / t))
			r=1
			while [ "$r" -le "$MT_ROUNDS" ]; do
				for tool in $(order "$r"); do
					out=$($(pin "$p") "$BIN/${tool}_bphit_mt" "$addr" \
						"$BIN/mtloop" "$t" "$k")
					# shellcheck disable=SC2086 # split into fields
					set -- $out
					if [ "$#" -lt 4 ] || [ "$1" != $((t * k)) ]; then
						echo "run.sh: ${tool}_bphit_mt: \"$out\"" >&2
						exit 1
					fi
					echo "bphit_mt $t $p $r $tool $3" >>"$RAW"
					printf '  %-8s %3d threads round %2d  %-3s %10.0f hits/s  %5d stops\n' \
						"$p" "$t" "$r" "$tool" "$3" "$4"
				done
				r=$((r + 1))
			done
		done
	done
	summarize bphit_mt "Breakpoint hit rate, T threads on one breakpoint" \
		hits/s higher "$MT_HITS" \
"Each run: T threads x $MT_HITS/T calls each, all counted (the tools check the total). Timed from opening the target's start gate to its exit."
}

for s in $SCENARIOS; do
	case $s in
	bphit) run_bphit ;;
	attach) run_attach ;;
	bphit_mt) run_bphit_mt ;;
	*) echo "run.sh: unknown scenario $s" >&2; exit 2 ;;
	esac
	echo
done
