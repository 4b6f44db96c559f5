#!/bin/bash
# tests/gdbserver/gdb-testsuite.sh - gdb's own testsuite (Debian's gdb 13.1
# source, package gdb-source; dejagnu's runtest) with the board
# native-extended-gdbserver, once with stock gdbserver and once with
# proctrace-gdbserver, and the two summaries side by side.
#
#   GDBSERVER=build/tools/proctrace-gdbserver BUILD=build \
#     tests/gdbserver/gdb-testsuite.sh [TESTS...]     (default: gdb.server)
#
# TESTS are runtest arguments: gdb.server, gdb.base/break*.exp, ... (paths
# relative to gdb/testsuite; globs are expanded there).  Each run is
# bounded by GS_SUITE_TIMEOUT seconds (default 3600).  GS_SUITE_ONLY=stock
# or =ours runs one side only (the other's last summary is shown beside
# it).  The server is copied first, so the tree may be rebuilt during a
# run.  Results: $BUILD/gdb-testsuite/{stock,ours}/gdb.sum and gdb.log.
#
# The whole script is one { ... exit; } block, read by bash before it runs:
# editing this file during a run (which takes many minutes) must not change
# what the run does (bash reads a script as it goes; an edit once made a
# run start over and delete its own results).
{
set -u
: "${GDBSERVER:?set GDBSERVER}"
BUILD=${BUILD:-build}
SRC_TAR=/usr/src/gdb.tar.xz
STOCK=${STOCK_GDBSERVER:-/usr/bin/gdbserver}
TIMEOUT=${GS_SUITE_TIMEOUT:-3600}
ONLY=${GS_SUITE_ONLY:-}

for need in "$SRC_TAR:gdb-source" "/usr/bin/runtest:dejagnu" "$STOCK:gdbserver" "/usr/bin/gdb:gdb"; do
	if [ ! -e "${need%%:*}" ]; then
		echo "SKIP: gdb testsuite (${need%%:*} missing: apt-get install ${need##*:})"
		exit 0
	fi
done

mkdir -p "$BUILD" || exit 1
DIR=$(cd "$BUILD" && pwd)/gdb-testsuite
mkdir -p "$DIR"
cp "$GDBSERVER" "$DIR/proctrace-gdbserver.run" || exit 1
GDBSERVER=$DIR/proctrace-gdbserver.run
if [ ! -f "$DIR/build/site.exp" ]; then
	echo "unpacking the testsuite of $SRC_TAR into $DIR"
	(cd "$DIR" && tar xf "$SRC_TAR" --wildcards 'gdb/gdb/testsuite/*' \
		gdb/config.guess gdb/config.sub gdb/install-sh \
		gdb/gdb/silent-rules.mk gdb/gdb/disable-implicit-rules.mk) || exit 1
	mkdir -p "$DIR/build"
	(cd "$DIR/build" && ../gdb/gdb/testsuite/configure >configure.log 2>&1 &&
		make site.exp >/dev/null 2>&1) || {
		echo "FAIL: cannot configure the gdb testsuite (see $DIR/build/configure.log)"
		exit 1
	}
fi

TESTS=("$@")
[ ${#TESTS[@]} = 0 ] && TESTS=(gdb.server)
# Expand directories and globs relative to the testsuite directory.
EXPANDED=()
for t in "${TESTS[@]}"; do
	[ -d "$DIR/gdb/gdb/testsuite/$t" ] && t="$t/*.exp"
	case $t in
	*'*'*) for f in $(cd "$DIR/gdb/gdb/testsuite" && echo $t); do EXPANDED+=("$f"); done ;;
	*) EXPANDED+=("$t") ;;
	esac
done

run_suite() {
	local name=$1 server=$2
	rm -rf "${DIR:?}/$name"
	mkdir -p "$DIR/$name"
	echo "running ${EXPANDED[*]} with $server ..."
	(cd "$DIR/build" && timeout "$TIMEOUT" runtest --tool gdb GDB=/usr/bin/gdb \
		GDB_DATA_DIRECTORY=/usr/share/gdb GDBSERVER="$server" \
		--outdir "$DIR/$name" --target_board=native-extended-gdbserver \
		"${EXPANDED[@]}" >"$DIR/$name/runtest.out" 2>&1)
}

# Counted from the result lines, so that a run cut short by the timeout
# still counts what it did.
count() { # count FILE PREFIX
	grep -c "^$2: " "$1" 2>/dev/null
}

[ "$ONLY" != ours ] && run_suite stock "$STOCK"
[ "$ONLY" != stock ] && run_suite ours "$GDBSERVER"

printf '%-26s %10s %20s\n' "" "gdbserver" "proctrace-gdbserver"
for pair in "PASS:expected passes" "FAIL:unexpected failures" \
	"XFAIL:expected failures" "UNRESOLVED:unresolved testcases" \
	"UNTESTED:untested testcases" "UNSUPPORTED:unsupported tests" \
	"KFAIL:known failures" "XPASS:unexpected successes"; do
	printf '%-26s %10s %20s\n' "${pair#*:}" \
		"$(count "$DIR/stock/gdb.sum" "${pair%%:*}")" \
		"$(count "$DIR/ours/gdb.sum" "${pair%%:*}")"
done
for name in stock ours; do
	grep -q '^# of expected passes' "$DIR/$name/gdb.sum" 2>/dev/null ||
		echo "note: the $name run did not finish within ${TIMEOUT}s"
done
echo "errors (ERROR lines): $(grep -c '^ERROR' "$DIR/stock/gdb.sum" 2>/dev/null) / $(grep -c '^ERROR' "$DIR/ours/gdb.sum" 2>/dev/null)"
echo "summaries: $DIR/stock/gdb.sum $DIR/ours/gdb.sum"
exit
}
