#!/usr/bin/env bash
# qemu-check.sh - run tests of the suite inside a QEMU virtual machine that
# boots Debian's stock kernel, for what the host kernel cannot do: the
# machines this project runs on have IA-32 emulation turned off (execve of
# a 32-bit program fails with ENOEXEC), so the 32-bit tests skip there.
# QEMU's TCG CPU also makes the debug registers fire, which the hosts' CPUs
# do not, so the watchpoint hit tests run there too.  Not (VM_SKIP)
# watch_step_stepped nor watch_emulated_push: a single-step over a store
# that a debug register watches never completes in the TCG guest (a raw
# ptrace program doing just that hangs the same way), and the guest's CPU
# locks up.  `make test-all` (CI) runs `make check-vm`: about 10 s of VM.
#
#   make check-vm                       the i386_* and watch_* tests, in the VM
#   make check-vm TESTS="i386_regs bp_loop_count"
#   scripts/qemu-check.sh [TEST...]     the same (BUILD=build by default)
#
# It needs the suite built (make targets build/tests/run-tests), and:
#   qemu-system-x86_64    Debian package qemu-system-x86 (no KVM needed:
#                         TCG emulation, slow but enough for a few tests)
#   busybox               busybox-static: the VM's shell and mount
#   cpio, readelf, dpkg-deb, apt-get
# The kernel is Debian's linux-image-*-amd64 (IA-32 emulation on), fetched
# with `apt-get download` into $BUILD/vm once; VM_KERNEL=/path/to/vmlinuz
# uses another one; VM_ENV="NAME=VALUE ..." sets variables for the runner
# (PROCTRACE_DEBUG=1, PT_TEST_TIMEOUT_SCALE=2); VM_CMD="..." runs that shell
# command instead of the tests; VM_CPU=MODEL[,+FLAG,-FLAG...] is QEMU's -cpu
# (default max), e.g. VM_CPU=max,-hypervisor,+xsaveerptr for a guest whose
# CPUID claims what its FXSAVE does not do (qemu-system-x86_64 -cpu help).  The VM's root file system is an initramfs holding the
# test runner, the targets and the shared libraries they need, at the same
# paths as here.  Exit status: the test runner's, or 2 if the VM failed.
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
VMDIR=$BUILD/vm
# the kernel, shared by every build directory (fetched once)
KDIR=${VM_KERNEL_DIR:-build/vm-kernel}
RUNNER=$BUILD/tests/run-tests
TIMEOUT=${VM_TIMEOUT:-1200}
# Tests that hang the TCG guest (see the top): never run by default.
VM_SKIP=${VM_SKIP:-watch_step_stepped watch_emulated_push}
if [ "$#" -eq 0 ]; then
	mapfile -t tests < <("$RUNNER" --list | grep -E '^(i386|watch)_' |
			     grep -vxF -f <(tr ' ' '\n' <<<"$VM_SKIP" | grep .))
else
	tests=("$@")
fi

die() {
	echo "qemu-check: $*" >&2
	exit 2
}

for tool in qemu-system-x86_64 busybox cpio readelf; do
	command -v "$tool" >/dev/null 2>&1 ||
		die "no $tool (Debian: apt-get install qemu-system-x86 busybox-static cpio binutils)"
done
[ -x "$RUNNER" ] || die "no $RUNNER: run 'make targets $RUNNER' first"
mkdir -p "$VMDIR" "$KDIR"

# ---- the kernel --------------------------------------------------------
kernel=${VM_KERNEL:-}
if [ -z "$kernel" ]; then
	kernel=$(ls "$KDIR"/kernel/boot/vmlinuz-* 2>/dev/null | head -n 1 || true)
fi
if [ -z "$kernel" ]; then
	find_pkg() {
		apt-cache depends linux-image-amd64 2>/dev/null |
			sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' |
			head -n 1
	}
	pkg=$(find_pkg || true)
	if [ -z "$pkg" ] && [ "$(id -u)" -eq 0 ]; then
		apt-get update >/dev/null 2>&1 || true # no package lists yet
		pkg=$(find_pkg || true)
	fi
	[ -n "$pkg" ] || die "cannot find Debian's linux-image-amd64 (apt-get update?)"
	echo "qemu-check: fetching $pkg"
	(cd "$KDIR" && apt-get download "$pkg" >/dev/null) ||
		die "apt-get download $pkg failed"
	rm -rf "$KDIR/kernel"
	dpkg-deb -x "$KDIR"/"$pkg"_*.deb "$KDIR/kernel"
	rm -f "$KDIR"/"$pkg"_*.deb
	kernel=$(ls "$KDIR"/kernel/boot/vmlinuz-* | head -n 1)
	# only the kernel image is needed
	find "$KDIR/kernel" -mindepth 1 -maxdepth 1 ! -name boot -exec rm -rf {} +
fi
[ -r "$kernel" ] || die "cannot read the kernel $kernel"

# ---- the root file system ---------------------------------------------------
root=$VMDIR/root
rm -rf "$root"
mkdir -p "$root"/{proc,sys,dev,tmp,etc,usr/bin}
chmod 1777 "$root/tmp" # the initramfs is in memory and writable: no tmpfs needed
# The same layout of /lib, /bin... as here (merged /usr: symbolic links).
for d in bin sbin lib lib32 lib64; do
	if [ -L "/$d" ]; then
		ln -s "$(readlink "/$d")" "$root/$d"
		mkdir -p "$root/$(readlink -f "/$d")"
	elif [ -d "/$d" ]; then
		mkdir -p "$root/$d"
	fi
done

declare -A copied=()
copy_file() { # a file, at its real path, and the path it was named by
	local f=$1 real
	real=$(readlink -f "$f")
	[ -n "${copied[$f]:-}" ] && return 0
	copied[$f]=1
	mkdir -p "$root$(dirname "$real")"
	cp -p "$real" "$root$real"
	if [ "$f" != "$real" ] && [ ! -e "$root$f" ]; then
		mkdir -p "$root$(dirname "$f")"
		ln -s "$real" "$root$f"
	fi
}

# An ELF file with its interpreter and the libraries it needs, found in
# the directories of its class (no program of the other class is run).
copy_elf() {
	local f=$1 class dirs interp lib d
	[ -n "${copied[$f]:-}" ] && return 0
	copy_file "$f"
	class=$(readelf -h "$f" 2>/dev/null | sed -n 's/^ *Class: *//p')
	if [ "$class" = ELF32 ]; then
		dirs="/lib32 /usr/lib32 /lib/i386-linux-gnu /usr/lib/i386-linux-gnu"
	else
		dirs="/lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /lib64 /usr/lib64"
	fi
	interp=$(readelf -l "$f" 2>/dev/null |
		 sed -n 's/.*Requesting program interpreter: \(.*\)]$/\1/p')
	[ -n "$interp" ] && copy_elf "$interp"
	for lib in $(readelf -d "$f" 2>/dev/null |
		     sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'); do
		for d in $dirs; do
			if [ -e "$d/$lib" ]; then
				copy_elf "$d/$lib"
				continue 2
			fi
		done
		die "$f needs $lib, not found in $dirs"
	done
}

copy_elf "$(readlink -f "$RUNNER")"
for t in "$BUILD"/targets/*; do
	[ -f "$t" ] || continue
	if readelf -h "$t" >/dev/null 2>&1; then
		copy_elf "$(readlink -f "$t")"
	else
		copy_file "$(readlink -f "$t")"
	fi
done
# the runner and the targets at the absolute paths compiled into it
abs_build=$(cd "$BUILD" && pwd -P)
cp -p "$(command -v busybox)" "$root/usr/bin/busybox"
[ -e /etc/ld.so.cache ] && cp /etc/ld.so.cache "$root/etc/"
echo "root:x:0:0:root:/:/bin/sh" > "$root/etc/passwd"
echo "root:x:0:" > "$root/etc/group"

{
	echo '#!/usr/bin/busybox sh'
	echo '/usr/bin/busybox --install -s /usr/bin'
	echo 'export PATH=/usr/bin:/bin'
	for kv in ${VM_ENV:-}; do printf 'export %q\n' "$kv"; done
	echo 'mount -t proc proc /proc'
	echo 'mount -t sysfs sys /sys'
	echo 'mount -t devtmpfs dev /dev'
	echo 'echo "qemu-check: kernel $(uname -r), $(nproc) CPUs"'
	if [ -n "${VM_CMD:-}" ]; then
		echo "$VM_CMD"  # a shell command instead, for debugging
	else
		printf '%q ' "$abs_build/tests/run-tests" "${tests[@]}"
		echo
	fi
	echo 'echo "qemu-check: rc=$?"'
	# -no-reboot makes QEMU exit at a reboot; poweroff -f can hang in
	# the TCG guest (a soft lockup) until the timeout
	echo 'reboot -f'
} > "$root/init"
chmod 755 "$root/init"

(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 > "$VMDIR/initramfs.gz"

# ---- run ----------------------------------------------------------------
log=$VMDIR/console.log
echo "qemu-check: booting $(basename "$kernel") on CPU ${VM_CPU:-max} with ${#tests[@]} tests (log: $log)"
set +e
timeout "$TIMEOUT" qemu-system-x86_64 -accel tcg -cpu "${VM_CPU:-max}" -smp 2 -m 1024 \
	-nographic -no-reboot -monitor none -serial stdio \
	-kernel "$kernel" -initrd "$VMDIR/initramfs.gz" \
	-append "console=ttyS0 panic=-1 quiet loglevel=3 rdinit=/init" \
	< /dev/null 2>&1 | stdbuf -oL tr -d '\r' | tee "$log" |
	grep -E '^(ok|FAIL|skip|note:|qemu-check:|[0-9]+ passed)'
set -e
rc=$(sed -n 's/^qemu-check: rc=\([0-9]*\)$/\1/p' "$log" | tail -n 1)
[ -n "$rc" ] || die "the VM did not finish (see $log)"
exit "$rc"
