#!/bin/sh
# bench/plot.sh - draw results/*.png from results/all.jsonl with gnuplot
# (plot.gp).  Skipped, with a line saying so, without gnuplot.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
RES=${BENCH_RESULTS:-$HERE/results}
if ! command -v gnuplot >/dev/null 2>&1; then
	echo "plot.sh: no gnuplot: plots skipped" >&2
	exit 0
fi
[ -s "$RES/all.jsonl" ] || { echo "plot.sh: no $RES/all.jsonl" >&2; exit 0; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/benchplot.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
# field NAME: awk code for the value of "NAME" in a flat JSON line.
awk -v dir="$TMP" '
function field(name,    m) {
	if (match($0, "\"" name "\":\"?[^,\"}]*")) {
		m = substr($0, RSTART, RLENGTH)
		sub("\"" name "\":\"?", "", m)
		return m
	}
	return ""
}
{
	s = field("scenario"); t = field("tool"); p = field("pinning")
	n = field("N"); med = field("median"); lo = field("min"); hi = field("max")
	if (s == "bphit" || s == "step" || s == "memread") {
		# one row per tool: unpinned and pinned medians, mins, maxes
		k = s SUBSEP t
		if (!(k in seen)) { seen[k] = 1; order[s, ++cnt[s]] = t }
		v[k, p] = med; vlo[k, p] = lo; vhi[k, p] = hi
		if (t == "raw_ptrace") floor[s, p] = med
	}
	if (s == "attach_detach" || s == "churn")
		printf "%s %s %s %s %s\n", n, med, lo, hi, t "/" p > (dir "/" s ".raw")
}
END {
	for (k in cnt) {
		f = dir "/" k ".dat"
		for (i = 1; i <= cnt[k]; i++) {
			t = order[k, i]; kk = k SUBSEP t
			printf "\"%s\" %s %s %s %s %s %s\n", t, \
				v[kk, "unpinned"] == "" ? "NaN" : v[kk, "unpinned"], \
				vlo[kk, "unpinned"] == "" ? "NaN" : vlo[kk, "unpinned"], \
				vhi[kk, "unpinned"] == "" ? "NaN" : vhi[kk, "unpinned"], \
				v[kk, "pinned"] == "" ? "NaN" : v[kk, "pinned"], \
				vlo[kk, "pinned"] == "" ? "NaN" : vlo[kk, "pinned"], \
				vhi[kk, "pinned"] == "" ? "NaN" : vhi[kk, "pinned"] > f
		}
		printf "%s %s\n", floor[k, "unpinned"] == "" ? "NaN" : floor[k, "unpinned"], \
			floor[k, "pinned"] == "" ? "NaN" : floor[k, "pinned"] > (dir "/" k ".floor")
	}
}' "$RES/all.jsonl"
# attach: one data block per tool/pinning, sorted by thread count
if [ -f "$TMP/attach_detach.raw" ]; then
	sort -k5,5 -k1,1n "$TMP/attach_detach.raw" | awk '
	$5 != last { if (NR > 1) printf "\n\n"; printf "# %s\n", $5; last = $5 }
	{ print }' >"$TMP/attach.dat"
	awk '{ print $5 }' "$TMP/attach_detach.raw" | awk '!s[$0]++' >"$TMP/attach.keys"
fi
gnuplot -e "dir='$TMP'; out='$RES'" "$HERE/plot.gp"
ls "$RES"/*.png
