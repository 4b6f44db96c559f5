#!/usr/bin/env bash
# check-build.sh - what a newcomer meets before the test suite: the build,
# the install, the man pages, the examples and the README's tree.
#
#   make check-build                    (part of test-all)
#   scripts/check-build.sh
#
# Checks, in a build directory of its own (a temporary one; build/ is left
# alone) and a temporary install prefix:
#   - the installed proctrace.pc names the PREFIX, LIBDIR and INCLUDEDIR of
#     `make install`, also after a plain `make`, and pkg-config finds the
#     installed library with it; a plain `make` afterwards names the
#     default prefix again;
#   - changing CC (or CFLAGS) rebuilds the objects with the new compiler,
#     and nothing is rebuilt when nothing changed;
#   - `man -l docs/man/NAME.3` renders every page of the tree, and the
#     installed pages render too, by `man -l` and by name (MANPATH);
#   - every example prints its usage to stdout and exits 0 on --help and
#     -h, and prints it to stderr and exits 2 on a bad option or no
#     argument;
#   - every path of the README's tree table exists, unless its row says
#     "(coming)", and no row says so of a path that exists.
# Needs gcc, clang, make, pkg-config, man (man-db), readelf: `make deps`.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
# A make of our own: nothing of the caller's make (CC=..., -j, BUILD=...).
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES GNUMAKEFLAGS CC CFLAGS BUILD \
	PREFIX LIBDIR INCLUDEDIR DESTDIR SANITIZE

tmp=$(mktemp -d /tmp/proctrace-check-build.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
B=$tmp/build
fails=0
passes=0

ok() {
	echo "check-build: ok: $*"
	passes=$((passes + 1))
}
problem() {
	echo "check-build: FAIL: $*" >&2
	fails=$((fails + 1))
}
# make quietly; its output goes to $tmp/make.log, shown on failure.
mk() {
	if ! make --no-print-directory BUILD="$B" "$@" >"$tmp/make.log" 2>&1; then
		problem "make $* failed:"
		tail -n 20 "$tmp/make.log" >&2
		return 1
	fi
}
# The compiler named in an object's .comment section.
# (Not `readelf | grep -q`: under pipefail, readelf killed by SIGPIPE once
# grep has matched would make it say gcc.)
compiler_of() {
	local comment
	comment=$(readelf -p .comment "$1" 2>/dev/null)
	grep -q -i clang <<<"$comment" && echo clang || echo gcc
}
# Objects (and libraries) of $B newer than the marker file.
newer_than() {
	find "$B" \( -name '*.o' -o -name '*.a' -o -name '*.so*' \) -newer "$1" | wc -l
}
# man ARGS renders a page that documents pt_launch (every page is, or
# leads to, proctrace(3)), with nothing on stderr.
man_ok() {
	MANPAGER=cat MANWIDTH=80 man "$@" >"$tmp/man.out" 2>"$tmp/man.err" &&
		grep -q 'pt_launch' "$tmp/man.out" && [ ! -s "$tmp/man.err" ]
}
man_why() {
	head -q -n 2 "$tmp/man.err" "$tmp/man.out" 2>&1 | tr '\n' ' '
}
pc_var() { # pc_var FILE NAME: the value of NAME= in a .pc file
	sed -n "s/^$2=//p" "$1"
}

# ---- proctrace.pc against PREFIX, LIBDIR, INCLUDEDIR -----------------------------
if mk lib; then
	[ "$(pc_var "$B/proctrace.pc" prefix)" = /usr/local ] &&
		ok "plain make: proctrace.pc names /usr/local" ||
		problem "plain make: proctrace.pc names prefix '$(pc_var "$B/proctrace.pc" prefix)', expected /usr/local"
	inst=$tmp/inst
	if mk install PREFIX="$inst"; then
		pc=$inst/lib/pkgconfig/proctrace.pc
		if [ "$(pc_var "$pc" prefix)" = "$inst" ] &&
		   [ "$(pc_var "$pc" libdir)" = "$inst/lib" ] &&
		   [ "$(pc_var "$pc" includedir)" = "$inst/include" ]; then
			ok "make install PREFIX=X after make: proctrace.pc names X"
		else
			problem "make install PREFIX=$inst after make installed a proctrace.pc naming: $(grep -E '^(prefix|libdir|includedir)=' "$pc" | tr '\n' ' ')"
		fi
		flags=$(PKG_CONFIG_PATH=$inst/lib/pkgconfig pkg-config --cflags --libs proctrace 2>&1)
		flags=$(xargs <<<"$flags") # pkg-config ends with a blank
		[ "$flags" = "-I$inst/include -L$inst/lib -lproctrace" ] &&
			ok "pkg-config --cflags --libs proctrace: $flags" ||
			problem "pkg-config with the installed proctrace.pc says: $flags"
		# The installed pages, by path and by name.
		if [ -e "$inst/share/man/man3/pt_launch.3" ]; then
			man_ok -l "$inst/share/man/man3/pt_launch.3" &&
				ok "man -l on the installed pt_launch.3" ||
				problem "man -l $inst/share/man/man3/pt_launch.3: $(man_why)"
			MANPATH=$inst/share/man man_ok pt_launch &&
				ok "MANPATH=PREFIX/share/man man pt_launch" ||
				problem "man pt_launch (installed): $(man_why)"
		else
			problem "make install put no $inst/share/man/man3/pt_launch.3"
		fi
	fi
	inst2=$tmp/inst2
	if mk install PREFIX="$inst2" LIBDIR="$inst2/lib64" INCLUDEDIR="$inst2/inc"; then
		pc=$inst2/lib64/pkgconfig/proctrace.pc
		[ "$(pc_var "$pc" libdir)" = "$inst2/lib64" ] &&
		[ "$(pc_var "$pc" includedir)" = "$inst2/inc" ] &&
			ok "make install LIBDIR=L INCLUDEDIR=I: proctrace.pc names them" ||
			problem "make install LIBDIR=$inst2/lib64 INCLUDEDIR=$inst2/inc installed a proctrace.pc naming: $(grep -E '^(libdir|includedir)=' "$pc" 2>&1 | tr '\n' ' ')"
	fi
	if mk lib; then
		[ "$(pc_var "$B/proctrace.pc" prefix)" = /usr/local ] &&
			ok "plain make after make install PREFIX=X: proctrace.pc names /usr/local again" ||
			problem "plain make after make install PREFIX=X: proctrace.pc names '$(pc_var "$B/proctrace.pc" prefix)'"
	fi
fi

# ---- the compiler and its flags ----------------------------------------------------
obj=$B/obj/src/engine.o
if command -v clang >/dev/null 2>&1 && mk lib; then
	touch "$tmp/mark"
	sleep 1 # mtimes of one second on some file systems
	mk lib && [ "$(newer_than "$tmp/mark")" -eq 0 ] &&
		ok "make twice: nothing rebuilt" ||
		problem "make twice: $(newer_than "$tmp/mark") files rebuilt"
	c0=$(compiler_of "$obj")
	if mk CC=clang lib; then
		[ "$(compiler_of "$obj")" = clang ] &&
			ok "make CC=clang after a $c0 build: the objects are clang's" ||
			problem "make CC=clang after a $c0 build kept the $(compiler_of "$obj") objects"
		touch "$tmp/mark2"
		sleep 1
		mk CC=clang lib && [ "$(newer_than "$tmp/mark2")" -eq 0 ] &&
			ok "make CC=clang twice: nothing rebuilt" ||
			problem "make CC=clang twice: $(newer_than "$tmp/mark2") files rebuilt"
		mk CC=clang CFLAGS=-DPT_CHECK_BUILD lib && [ "$(newer_than "$tmp/mark2")" -gt 0 ] &&
			ok "make CFLAGS=...: the objects rebuilt" ||
			problem "make CC=clang CFLAGS=-DPT_CHECK_BUILD rebuilt nothing"
		mk lib && [ "$(compiler_of "$obj")" = "$c0" ] &&
			ok "make (CC back to the default): the objects are $c0's again" ||
			problem "make after make CC=clang kept clang's objects"
	fi
elif ! command -v clang >/dev/null 2>&1; then
	problem "no clang (make deps installs it)"
fi

# ---- man -l on the pages of the tree --------------------------------------------------
if command -v man >/dev/null 2>&1; then
	bad=0
	n=0
	for page in docs/man/*.3; do
		n=$((n + 1))
		if ! man_ok -l "$page"; then
			[ "$bad" -lt 3 ] && problem "man -l $page: $(man_why)"
			bad=$((bad + 1))
		fi
	done
	[ "$bad" -eq 0 ] && ok "man -l renders all $n pages of docs/man" ||
		problem "man -l fails on $bad of the $n pages of docs/man"
else
	problem "no man (Debian: apt-get install man-db)"
fi

# ---- the examples' arguments --------------------------------------------------------
if mk examples; then
	for src in examples/*.c; do
		name=$(basename "$src" .c)
		ex=$B/examples/$name
		for opt in --help -h; do
			"$ex" "$opt" >"$tmp/out" 2>"$tmp/err"
			rc=$?
			if [ "$rc" -eq 0 ] && grep -q '^usage: ' "$tmp/out" && [ ! -s "$tmp/err" ]; then
				ok "$name $opt: usage on stdout, exit 0"
			else
				problem "$name $opt: exit $rc, stdout '$(head -n 1 "$tmp/out")', stderr '$(head -n 1 "$tmp/err")'"
			fi
		done
		for args in --no-such-option ""; do
			# shellcheck disable=SC2086 # "" is no argument at all
			"$ex" $args >"$tmp/out" 2>"$tmp/err"
			rc=$?
			if [ "$rc" -eq 2 ] && grep -q '^usage: ' "$tmp/err" && [ ! -s "$tmp/out" ]; then
				ok "$name ${args:-(no argument)}: usage on stderr, exit 2"
			else
				problem "$name ${args:-(no argument)}: exit $rc, stdout '$(head -n 1 "$tmp/out")', stderr '$(head -n 1 "$tmp/err")'"
			fi
		done
	done
fi

# ---- the README's tree ------------------------------------------------------------------
rows=0
missing=0
while IFS= read -r line; do
	# shellcheck disable=SC2016 # the backquotes are the README's
	path=$(sed -nE 's/^\| `([^`]+)` \|.*/\1/p' <<<"$line")
	[ -n "$path" ] || continue
	rows=$((rows + 1))
	if [ ! -e "$path" ] && ! grep -q '(coming)' <<<"$line"; then
		problem "README.md's tree lists $path, which does not exist (and is not marked \"(coming)\")"
		missing=$((missing + 1))
	elif [ -e "$path" ] && grep -q '(coming)' <<<"$line"; then
		problem "README.md's tree says $path is coming, but it is here: drop \"(coming)\""
		missing=$((missing + 1))
	fi
done < README.md
if [ "$rows" -eq 0 ]; then
	problem "README.md has no tree table rows (| \`path\` | what |): fix this script's pattern"
elif [ "$missing" -eq 0 ]; then
	ok "README.md's tree: the $rows paths exist or are marked (coming)"
fi

echo "check-build: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
