/*
 * signals.c - Linux signal numbers to the GDB remote protocol's and back.
 *
 * The protocol numbers signals as gdb's own enum does (SIGUSR1 is 30, not
 * 10); lldb, told by qHostInfo that the host is Linux, uses Linux numbers.
 */
#include "server.h"

#include <signal.h>

/* gdb numbers of Linux signals 1..31; 0 where gdb has none. */
static const unsigned char to_gdb[32] = {
	[SIGHUP] = 1,     [SIGINT] = 2,    [SIGQUIT] = 3,  [SIGILL] = 4,
	[SIGTRAP] = 5,    [SIGABRT] = 6,   [SIGBUS] = 10,  [SIGFPE] = 8,
	[SIGKILL] = 9,    [SIGUSR1] = 30,  [SIGSEGV] = 11, [SIGUSR2] = 31,
	[SIGPIPE] = 13,   [SIGALRM] = 14,  [SIGTERM] = 15, [SIGSTKFLT] = 0,
	[SIGCHLD] = 20,   [SIGCONT] = 19,  [SIGSTOP] = 17, [SIGTSTP] = 18,
	[SIGTTIN] = 21,   [SIGTTOU] = 22,  [SIGURG] = 16,  [SIGXCPU] = 24,
	[SIGXFSZ] = 25,   [SIGVTALRM] = 26, [SIGPROF] = 27, [SIGWINCH] = 28,
	[SIGIO] = 23,     [SIGPWR] = 32,   [SIGSYS] = 12,
};

#define GDB_SIGNAL_UNKNOWN 143

int gs_sig_to_gdb(int sig)
{
	if (sig <= 0)
		return 0;
	if (sig < 32)
		return to_gdb[sig] ? to_gdb[sig] : GDB_SIGNAL_UNKNOWN;
	if (sig == 32)
		return 77;
	if (sig <= 63)
		return 45 + (sig - 33);
	if (sig == 64)
		return 78;
	return GDB_SIGNAL_UNKNOWN;
}

int gs_sig_from_gdb(int g)
{
	if (g <= 0)
		return 0;
	for (int s = 1; s < 32; s++)
		if (to_gdb[s] == g)
			return s;
	if (g >= 45 && g <= 75)
		return 33 + (g - 45);
	if (g == 77)
		return 32;
	if (g == 78)
		return 64;
	return -1;
}
