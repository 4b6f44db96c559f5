#!/usr/bin/env bash
# scripts/check-abi.sh - the library's ABI is what three places say it is,
# and they agree (make check-abi):
#   - include/proctrace.h: every PT_API declaration (the documented API);
#   - src/libproctrace.map: the symbol versions (PROCTRACE_MAJOR.MINOR nodes);
#   - the built shared library: what it really exports, at which version.
# And the version numbers agree: Makefile VERSION_*, header PT_VERSION_*,
# the newest node of the map, the soname and proctrace.pc.
# Exits non-zero, naming every mismatch.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
HDR=include/proctrace.h
MAP=src/libproctrace.map

fail=0
bad() { echo "check-abi: $*" >&2; fail=1; }

make -s BUILD="$BUILD" lib >/dev/null
mk() { sed -n "s/^VERSION_$1 *:= *\([0-9]*\).*/\1/p" Makefile; }
ver="$(mk MAJOR).$(mk MINOR).$(mk PATCH)"
so=$BUILD/libproctrace.so.$ver
[ -f "$so" ] || { echo "check-abi: no $so after make lib" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. Functions declared PT_API in the header (a declaration may span lines:
# join each one up to its ';' first).
awk '/^PT_API/ { d = $0; while (d !~ /;/ && (getline l) > 0) d = d " " l;
		 sub(/\(.*/, "", d); n = split(d, w, /[ *]+/); print w[n] }' \
	"$HDR" | sort >"$tmp/header"
# 2. Global symbols of the map, with their node.
awk '/^PROCTRACE_[0-9.]+ *\{/ { node = $1 } /global:/ { g = 1; next }
     /local:/ { g = 0 } /^\}/ { g = 0 }
     g && /^ *pt_[a-z0-9_]+;/ { s = $1; sub(/;/, "", s); print s, node }' \
	"$MAP" | sort >"$tmp/map"
cut -d' ' -f1 "$tmp/map" >"$tmp/map.names"
# 3. What the library exports (defined, dynamic), with its version.
objdump -T "$so" | awk '$2 ~ /g/ && $4 == ".text" { v = $(NF-1); gsub(/[()]/, "", v);
	print $NF, v }' | sort >"$tmp/so"
cut -d' ' -f1 "$tmp/so" >"$tmp/so.names"

d=$(comm -3 "$tmp/header" "$tmp/map.names" || true)
[ -z "$d" ] || bad "header PT_API list and $MAP differ (left: header only, right: map only):
$d"
d=$(comm -3 "$tmp/map.names" "$tmp/so.names" || true)
[ -z "$d" ] || bad "$MAP and the exports of $so differ (left: map only, right: library only):
$d"
d=$(comm -3 "$tmp/map" "$tmp/so" || true)
[ -z "$d" ] || bad "symbol versions differ between $MAP and $so:
$d"
grep -q 'pt__' "$tmp/so.names" && bad "$so exports internal pt__ symbols"

# 4. Version numbers.
hd() { sed -n "s/^#define PT_VERSION_$1 \([0-9]*\).*/\1/p" "$HDR"; }
for part in MAJOR MINOR PATCH; do
	[ "$(mk $part)" = "$(hd $part)" ] ||
		bad "VERSION_$part is $(mk $part) in Makefile, $(hd $part) in $HDR"
done
newest=$(awk '/^PROCTRACE_[0-9.]+ *\{/ { n = $1 } END { print n }' "$MAP")
[ "$newest" = "PROCTRACE_$(mk MAJOR).$(mk MINOR)" ] ||
	bad "newest node of $MAP is $newest, the version is $ver (want PROCTRACE_$(mk MAJOR).$(mk MINOR))"
soname=$(objdump -p "$so" | awk '$1 == "SONAME" { print $2 }')
[ "$soname" = "libproctrace.so.$(mk MAJOR)" ] || bad "soname $soname, major $(mk MAJOR)"
pcv=$(sed -n 's/^Version: *//p' "$BUILD/proctrace.pc")
[ "$pcv" = "$ver" ] || bad "proctrace.pc says $pcv, the version is $ver"

n=$(wc -l <"$tmp/so")
if [ "$fail" -eq 0 ]; then
	echo "check-abi: $n functions: header, map and library agree; version $ver, soname $soname"
fi
exit "$fail"
