#!/usr/bin/env bash
# check-man.sh - keep docs/man in step with include/proctrace.h.
#
# Fails if a PT_API function of the header is missing from the SYNOPSIS or
# from the DESCRIPTION of docs/man/proctrace.3, if a PT_E* code of the header
# is missing from its ERRORS, if a function has no stub page
# docs/man/<function>.3 (a symbolic link to proctrace.3: `man -l
# docs/man/pt_launch.3` works in the tree, and `make install` installs the
# same links, so `man pt_launch` works after install), if a stub names no
# function of the header, or if groff warns about the page.
#
#   scripts/check-man.sh                check (make check-man; part of test-all)
#   scripts/check-man.sh --write-stubs  create the missing stub links (and
#                                       replace ".so" stub files), then check
set -euo pipefail

cd "$(dirname "$0")/.."
HEADER=include/proctrace.h
MANDIR=docs/man
PAGE=$MANDIR/proctrace.3
STUB=proctrace.3 # what every stub links to
is_stub() { [ -L "$1" ] && [ "$(readlink "$1")" = "$STUB" ]; }

fail=0
problem() {
	echo "check-man: $*" >&2
	fail=1
}

[ -f "$HEADER" ] || { echo "check-man: no $HEADER" >&2; exit 1; }
[ -f "$PAGE" ] || { echo "check-man: no $PAGE" >&2; exit 1; }

# Every function declared with PT_API: the identifier before the first '('
# on the declaration's first line.
mapfile -t funcs < <(sed -nE 's/^PT_API[^(]*[^A-Za-z0-9_](pt_[A-Za-z0-9_]+)[[:space:]]*\(.*/\1/p' "$HEADER")
api_lines=$(grep -c '^PT_API' "$HEADER" || true)
if [ "${#funcs[@]}" -eq 0 ] || [ "${#funcs[@]}" -ne "$api_lines" ]; then
	problem "found ${#funcs[@]} function names on $api_lines PT_API lines of $HEADER: fix this script's pattern"
fi

# Every error code of PT_ERROR_LIST: X(PT_EXXX, value, "text").
mapfile -t errs < <(sed -nE 's/^[[:space:]]*X\((PT_E[A-Z0-9_]+),.*/\1/p' "$HEADER")
[ "${#errs[@]}" -gt 0 ] || problem "found no PT_E* codes in $HEADER: fix this script's pattern"

# The text of one section of the page (from ".SH NAME" to the next ".SH").
section() {
	awk -v want="$1" '
		/^\.SH[ \t]/ { sub(/^\.SH[ \t]+/, ""); gsub(/"/, ""); in_s = ($0 == want); next }
		in_s { print }' "$PAGE"
}
synopsis=$(section SYNOPSIS)
description=$(section DESCRIPTION)
errors=$(section ERRORS)

if [ "${1:-}" = "--write-stubs" ]; then
	for f in "${funcs[@]}"; do
		stub=$MANDIR/$f.3
		if [ ! -e "$stub" ] && [ ! -L "$stub" ] ||
		   { [ -f "$stub" ] && [ ! -L "$stub" ] && [ "$(cat "$stub")" = ".so man3/$STUB" ]; }; then
			rm -f "$stub"
			ln -s "$STUB" "$stub"
			echo "check-man: $stub -> $STUB"
		fi
	done
fi

for f in "${funcs[@]}"; do
	grep -qE "(^|[^A-Za-z0-9_])$f([^A-Za-z0-9_]|$)" <<<"$synopsis" ||
		problem "$f is not in the SYNOPSIS of $PAGE"
	grep -qE "(^|[^A-Za-z0-9_])$f([^A-Za-z0-9_]|$)" <<<"$description" ||
		problem "$f is not described in the DESCRIPTION of $PAGE"
	stub=$MANDIR/$f.3
	if [ ! -e "$stub" ] && [ ! -L "$stub" ]; then
		problem "no stub page $stub (run scripts/check-man.sh --write-stubs)"
	elif ! is_stub "$stub"; then
		problem "$stub should be a symbolic link to $STUB (run scripts/check-man.sh --write-stubs)"
	fi
done

for e in "${errs[@]}"; do
	grep -qE "(^|[^A-Za-z0-9_])$e([^A-Za-z0-9_]|$)" <<<"$errors" ||
		problem "$e is not in the ERRORS section of $PAGE"
done

# Stubs for functions the header no longer has.  (No `printf | grep -q`
# here: bash's printf writes a line at a time, and once grep has matched
# and exited a later write dies of SIGPIPE, which pipefail turned into a
# spurious "names no function": seen once in CI.)
declare -A is_func=()
for f in "${funcs[@]}"; do
	is_func[$f]=1
done
for stub in "$MANDIR"/pt_*.3; do
	[ -e "$stub" ] || [ -L "$stub" ] || continue
	name=$(basename "$stub" .3)
	[ -n "${is_func[$name]:-}" ] ||
		problem "$stub names no PT_API function of $HEADER"
done

# The page must render without a warning.
if command -v groff >/dev/null 2>&1; then
	warnings=$(groff -man -ww -z -Tutf8 "$PAGE" 2>&1 || true)
	[ -z "$warnings" ] || problem "groff warns about $PAGE: $warnings"
else
	problem "groff not found (scripts/install-deps.sh installs groff-base)"
fi

if [ "$fail" -ne 0 ]; then
	exit 1
fi
echo "check-man: ${#funcs[@]} functions, ${#errs[@]} error codes and ${#funcs[@]} stub pages match $HEADER."
