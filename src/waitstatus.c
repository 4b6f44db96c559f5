/*
 * waitstatus.c - decode wait(2) statuses of ptrace tracees.
 *
 * A ptrace-stop is WIFSTOPPED with the stop signal in bits 8-15 and a
 * PTRACE_EVENT_* number in bits 16-23.  With PTRACE_SEIZE, PTRACE_EVENT_STOP
 * covers three different stops: a group-stop (signal SIGSTOP, SIGTSTP,
 * SIGTTIN or SIGTTOU), a PTRACE_INTERRUPT stop and the first stop of an
 * auto-attached thread (both with SIGTRAP).
 */
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include "waitstatus.h"

static int is_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN ||
	       sig == SIGTTOU;
}

void pt__wstatus_decode(int raw, int traced, struct pt__wstatus *out)
{
	*out = (struct pt__wstatus){ .kind = PT__W_UNKNOWN, .raw = raw };
	if (WIFEXITED(raw)) {
		out->kind = PT__W_EXITED;
		out->status = WEXITSTATUS(raw);
	} else if (WIFSIGNALED(raw)) {
		out->kind = PT__W_SIGNALED;
		out->sig = WTERMSIG(raw);
	} else if (WIFSTOPPED(raw)) {
		int sig = WSTOPSIG(raw);
		int event = (unsigned)raw >> 16;
		out->sig = sig;
		if (!traced) {
			out->kind = PT__W_UNTRACED_STOP;
		} else if (event == PTRACE_EVENT_STOP) {
			out->kind = is_stop_signal(sig) ? PT__W_GROUP_STOP
							: PT__W_INTERRUPT;
		} else if (event != 0) {
			out->kind = PT__W_EVENT;
			out->event = event;
		} else if (sig == (SIGTRAP | 0x80)) {
			out->kind = PT__W_SYSCALL;
			out->sig = SIGTRAP;
		} else {
			out->kind = PT__W_SIGNAL_STOP;
		}
	}
}

const char *pt__wkind_name(enum pt__wkind k)
{
	static const char *const names[] = {
		[PT__W_EXITED] = "exited",
		[PT__W_SIGNALED] = "killed",
		[PT__W_SIGNAL_STOP] = "signal-stop",
		[PT__W_GROUP_STOP] = "group-stop",
		[PT__W_INTERRUPT] = "interrupt-stop",
		[PT__W_EVENT] = "event-stop",
		[PT__W_SYSCALL] = "syscall-stop",
		[PT__W_UNTRACED_STOP] = "untraced-stop",
		[PT__W_UNKNOWN] = "unknown",
	};
	return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}
