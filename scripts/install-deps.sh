#!/usr/bin/env bash
# install-deps.sh - install what building and testing proctrace needs.
#
# Idempotent and fast: when every package is already installed it does
# nothing.  Otherwise, as root on Debian, it runs apt-get update and installs
# the missing ones; as anyone else it names them and exits 1.
#
#   build-essential gcc make   the compiler and make (gcc also brings the
#                              AddressSanitizer/UBSan runtimes for SANITIZE=)
#   clang                      the second compiler of `make test-all`
#   libelf-dev                 ELF symbol lookup in the tests and tools
#   pkg-config                 proctrace.pc, and the README's build line
#   valgrind                   memory checking of the demo in test-all
#   gdb                        a reference tracer to compare against
#   procps                     ps/pgrep, used by tests that inspect processes
#   groff-base                 renders and lints docs/man (scripts/check-man.sh)
#   gcc-multilib               -m32 for the 32-bit targets (tests/targets32/);
#                              clang -m32 uses the same 32-bit libc and crt
#
#   lldb python3               proctrace-gdbserver's tests (tests/gdbserver/):
#                              lldb's gdb-remote client, the raw protocol
#                              checks of proto.py (gdb is above)
#
#   qemu-system-x86 busybox-static cpio
#                              `make check-vm` (scripts/qemu-check.sh, part
#                              of test-all): the 32-bit and watchpoint-hit
#                              tests in a QEMU guest, for hosts whose kernel
#                              runs no 32-bit programs and whose CPU's debug
#                              registers never fire
#
# (--vm, which used to add the last three, is accepted and changes nothing.)
set -euo pipefail

PACKAGES=(build-essential gcc make clang libelf-dev pkg-config valgrind gdb
	  procps groff-base gcc-multilib qemu-system-x86 busybox-static cpio
	  lldb python3)

installed() {
	# "install ok installed" only: a removed package leaves "deinstall ok
	# config-files" behind, which is not installed.
	[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "install-deps: not a Debian system (no dpkg-query)." >&2
	echo "install-deps: install by hand: a C11 compiler (gcc, clang), make," \
	     "libelf development files, pkg-config, valgrind, gdb, procps, groff," \
	     "32-bit C libraries for cc -m32." >&2
	exit 1
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
	installed "$pkg" || missing+=("$pkg")
done

if [ "${#missing[@]}" -eq 0 ]; then
	echo "install-deps: all ${#PACKAGES[@]} packages present."
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]}" >&2
	echo "install-deps: run as root, or:" >&2
	echo "  sudo apt-get install --no-install-recommends ${missing[*]}" >&2
	exit 1
fi

echo "install-deps: installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"

# Check again: apt-get can succeed without installing what was asked
# (a held package, say).
still=()
for pkg in "${missing[@]}"; do
	installed "$pkg" || still+=("$pkg")
done
if [ "${#still[@]}" -ne 0 ]; then
	echo "install-deps: still missing after apt-get: ${still[*]}" >&2
	exit 1
fi
echo "install-deps: done."
