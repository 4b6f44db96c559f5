/*
 * x86_64_bell.c - the doorbell's loop (engine.c explains what the doorbell
 * is for), written on raw system calls only.
 *
 * The same code serves twice:
 *   - built with -DPT_BELL_PROGRAM it is a tiny static program of its own
 *     (no C library, entry _start), embedded in the library as bytes
 *     (Makefile: $(BUILD)/gen/bell_image.c) and started from a memfd with
 *     posix_spawn: a child that shares nothing with the application, costs
 *     a few pages, and runs none of its pthread_atfork handlers;
 *   - built into the library it is the fallback where a memfd cannot be
 *     executed (vm.memfd_noexec, a noexec /proc): a _Fork child calls
 *     pt__bell_loop directly.
 * Raw system calls (no errno, no TLS) keep it correct in both.
 *
 * Protocol: fd carries int32 messages (4-byte writes are atomic): 0 rings
 * now (the doorbell stops itself with SIGSTOP, a wait event of the tracer
 * thread); n > 0 rings once in n ms; n < 0 cancels that alarm.  EOF ends
 * it; so does the end of the thread that made it (PR_SET_PDEATHSIG).
 */
#include <stdint.h>

#include "arch/bell.h"

#define NR_READ 0
#define NR_GETPID 39
#define NR_EXIT 60
#define NR_KILL 62
#define NR_PRCTL 157
#define NR_GETPPID 110
#define NR_CLOCK_GETTIME 228
#define NR_PPOLL 271
#define NR_CLOSE_RANGE 436
#define NR_CLOSE 3

#define B_SIGKILL 9
#define B_SIGSTOP 19
#define B_PR_SET_PDEATHSIG 1
#define B_PR_SET_NAME 15
#define B_POLLIN 1
#define B_CLOCK_MONOTONIC 1
#define B_ENOSYS 38

static long bell_sys(long n, long a, long b, long c, long d, long e)
{
	long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
			 : "rcx", "r11", "memory");
	return ret;
}

struct bell_ts {
	long sec, nsec;
};

struct bell_pollfd {
	int fd;
	short events, revents;
};

static long bell_now_ms(void)
{
	struct bell_ts ts = { 0, 0 };
	bell_sys(NR_CLOCK_GETTIME, B_CLOCK_MONOTONIC, (long)&ts, 0, 0, 0);
	return ts.sec * 1000L + ts.nsec / 1000000L;
}

static __attribute__((noreturn)) void bell_exit(int code)
{
	for (;;)
		bell_sys(NR_EXIT, code, 0, 0, 0, 0);
}

__attribute__((noreturn)) void pt__bell_loop(int fd, long parent)
{
	/* only fd stays open: the application's pipes must not be held */
	if (fd > 0 && bell_sys(NR_CLOSE_RANGE, 0, fd - 1, 0, 0, 0) == -B_ENOSYS)
		for (int i = 0; i < fd; i++)
			bell_sys(NR_CLOSE, i, 0, 0, 0, 0);
	if (bell_sys(NR_CLOSE_RANGE, fd + 1, ~0U, 0, 0, 0) == -B_ENOSYS)
		for (int i = fd + 1; i < 65536; i++)
			bell_sys(NR_CLOSE, i, 0, 0, 0, 0);
	bell_sys(NR_PRCTL, B_PR_SET_NAME, (long)PT__BELL_NAME, 0, 0, 0);
	bell_sys(NR_PRCTL, B_PR_SET_PDEATHSIG, B_SIGKILL, 0, 0, 0);
	if (bell_sys(NR_GETPPID, 0, 0, 0, 0, 0) != parent)
		bell_exit(0); /* the tracer thread is gone already */
	long alarm_at = 0; /* ms, CLOCK_MONOTONIC; 0: none */
	for (;;) {
		struct bell_pollfd pfd = { fd, B_POLLIN, 0 };
		struct bell_ts to, *top = 0;
		if (alarm_at) {
			long left = alarm_at - bell_now_ms();
			if (left < 0)
				left = 0;
			to.sec = left / 1000;
			to.nsec = (left % 1000) * 1000000L;
			top = &to;
		}
		long n = bell_sys(NR_PPOLL, (long)&pfd, 1, (long)top, 0, 8);
		if (n == 0) {
			alarm_at = 0;
			bell_sys(NR_KILL, bell_sys(NR_GETPID, 0, 0, 0, 0, 0),
				 B_SIGSTOP, 0, 0, 0);
			continue;
		}
		if (n < 0)
			continue; /* EINTR */
		int32_t msg;
		long got = bell_sys(NR_READ, fd, (long)&msg, sizeof msg, 0, 0);
		if (got == 0)
			bell_exit(0);
		if (got != (long)sizeof msg)
			continue;
		if (msg == 0)
			bell_sys(NR_KILL, bell_sys(NR_GETPID, 0, 0, 0, 0, 0),
				 B_SIGSTOP, 0, 0, 0);
		else if (msg > 0)
			alarm_at = bell_now_ms() + msg;
		else
			alarm_at = 0;
	}
}

#ifdef PT_BELL_PROGRAM
/* argv[1]: the parent's pid, in decimal; the pipe is fd 0. */
__attribute__((used, noreturn)) static void bell_main(long *sp)
{
	long parent = 0;
	const char *s = sp[0] > 1 ? (const char *)sp[2] : "0";
	for (; *s >= '0' && *s <= '9'; s++)
		parent = parent * 10 + (*s - '0');
	pt__bell_loop(0, parent);
	bell_exit(0);
}

__asm__(".globl _start\n"
	"_start:\n"
	"	mov %rsp, %rdi\n"
	"	and $-16, %rsp\n"
	"	call bell_main\n"
	"	hlt\n");
#endif
