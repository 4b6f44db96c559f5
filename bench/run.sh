#!/bin/sh
# bench/run.sh BINDIR - breakpoint hit rate, proctrace against the raw
# ptrace floor.  BINDIR holds raw_bphit, pt_bphit and loop (bench/Makefile).
#
# Each round runs both tracers once on the same target, alternating which
# goes first, so that machine noise falls on both; the ratio
# proctrace/raw is taken round by round.  All of it twice: unpinned, then
# with tracer, library thread and tracee on one CPU (taskset -c 0).
# Writes results/bphit.jsonl (one JSON object per figure) and
# results/bphit.md.  Reports figures only: nothing here passes or fails.
set -eu

BIN=${1:?usage: run.sh BINDIR}
ROUNDS=${BENCH_ROUNDS:-5}
HITS=${BENCH_HITS:-20000}
HERE=$(cd "$(dirname "$0")" && pwd)
RES=$HERE/results
mkdir -p "$RES"
RAW=$(mktemp "$RES/bphit.XXXXXX.tmp")
trap 'rm -f "$RAW"' EXIT INT TERM

ADDR=$(nm "$BIN/loop" | awk '$3 == "bench_hit" { print $1 }')
[ -n "$ADDR" ] || { echo "run.sh: no bench_hit in $BIN/loop" >&2; exit 1; }

PINNINGS="unpinned pinned"
if ! command -v taskset >/dev/null 2>&1; then
	echo "run.sh: no taskset, pinned runs skipped" >&2
	PINNINGS=unpinned
fi

# run_one PINNING TOOL: print the hit rate of one run.
run_one() {
	if [ "$1" = pinned ]; then set -- "$2" taskset -c 0; else set -- "$2"; fi
	tool=$1
	shift
	"$@" "$BIN/$tool" "$HITS" "$ADDR" "$BIN/loop" "$HITS" | awk '{ print $3 }'
}

echo "bphit: $ROUNDS rounds of $HITS breakpoint hits per tool, bench_hit at 0x$ADDR"
for pin in $PINNINGS; do
	r=1
	while [ "$r" -le "$ROUNDS" ]; do
		if [ $((r % 2)) -eq 1 ]; then order="raw pt"; else order="pt raw"; fi
		for tool in $order; do
			rate=$(run_one "$pin" "${tool}_bphit")
			[ -n "$rate" ] || { echo "run.sh: ${tool}_bphit failed" >&2; exit 1; }
			echo "$pin $r $tool $rate" >>"$RAW"
			printf '  %-8s round %d  %-3s %10.0f hits/s\n' "$pin" "$r" "$tool" "$rate"
		done
		r=$((r + 1))
	done
done

COMMIT=$(git -C "$HERE" describe --always --dirty 2>/dev/null || echo unknown)
DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
HOST="$(uname -sr), $(nproc) CPUs"

# One awk pass over "pinning round tool rate" lines makes both outputs.
awk -v jsonl="$RES/bphit.jsonl" -v md="$RES/bphit.md" -v hits="$HITS" \
    -v commit="$COMMIT" -v date="$DATE" -v host="$HOST" '
function sort(a, n,    i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
}
function median(a, n) {
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{ rate[$1, $3, $2] = $4; if (!($1 in seen)) { seen[$1] = 1; pins[++npins] = $1 }
  if ($2 > rounds) rounds = $2 }
END {
	printf "" > jsonl
	print "# Breakpoint hit rate: proctrace vs raw ptrace" > md
	print "" > md
	printf "%s, commit %s, %s; %d rounds of %d hits, tools interleaved.\n", \
		date, commit, host, rounds, hits > md
	print "Ratio = proctrace / raw, computed per round; median (min-max).\n" > md
	print "| pinning | tool | runs | min hits/s | median hits/s | max hits/s | ratio to floor |" > md
	print "|---|---|---:|---:|---:|---:|---|" > md
	for (p = 1; p <= npins; p++) {
		pin = pins[p]
		n = 0
		for (r = 1; r <= rounds; r++)
			if ((pin, "raw", r) in rate && (pin, "pt", r) in rate)
				ratio[++n] = rate[pin, "pt", r] / rate[pin, "raw", r]
		sort(ratio, n)
		for (k = 1; k <= 2; k++) {
			tool = k == 1 ? "raw" : "pt"
			m = 0
			for (r = 1; r <= rounds; r++)
				if ((pin, tool, r) in rate)
					v[++m] = rate[pin, tool, r]
			sort(v, m)
			if (tool == "raw") {
				rmed = 1; rmin = 1; rmax = 1; name = "raw_ptrace"
			} else {
				rmed = median(ratio, n); rmin = ratio[1]; rmax = ratio[n]
				name = "proctrace"
			}
			printf "{\"scenario\":\"bphit\",\"tool\":\"%s\",\"pinning\":\"%s\"," \
			       "\"n\":%d,\"min\":%.1f,\"median\":%.1f,\"max\":%.1f," \
			       "\"ratio_to_floor\":%.3f,\"ratio_min\":%.3f,\"ratio_max\":%.3f," \
			       "\"unit\":\"hits/s\",\"hits_per_run\":%d,\"commit\":\"%s\",\"date\":\"%s\"}\n", \
			       name, pin, m, v[1], median(v, m), v[m], rmed, rmin, rmax, \
			       hits, commit, date > jsonl
			printf "| %s | %s | %d | %.0f | %.0f | %.0f | %s |\n", pin, name, m, \
			       v[1], median(v, m), v[m], tool == "raw" ? "1 (floor)" : \
			       sprintf("%.2f (%.2f-%.2f)", rmed, rmin, rmax) > md
		}
	}
}' "$RAW"

echo
cat "$RES/bphit.md"
echo "wrote $RES/bphit.jsonl and $RES/bphit.md"
