/*
 * cause.c - printable forms: stop causes, signal names, state names.
 */
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define NSIG_MAX 65

static char signames[NSIG_MAX][24];
static pthread_once_t signames_once = PTHREAD_ONCE_INIT;

static void signames_init(void)
{
	for (int s = 1; s < NSIG_MAX; s++) {
		const char *abbrev = sigabbrev_np(s);
		if (s >= SIGRTMIN && s <= SIGRTMAX) {
			if (s == SIGRTMIN)
				snprintf(signames[s], sizeof signames[s],
					 "SIGRTMIN");
			else
				snprintf(signames[s], sizeof signames[s],
					 "SIGRTMIN+%d", s - SIGRTMIN);
		} else if (abbrev) {
			snprintf(signames[s], sizeof signames[s], "SIG%s",
				 abbrev);
		} else {
			snprintf(signames[s], sizeof signames[s], "SIG%d", s);
		}
	}
}

const char *pt_signal_name(int signo)
{
	if (signo < 1 || signo >= NSIG_MAX)
		return NULL;
	pthread_once(&signames_once, signames_init);
	return signames[signo];
}

const char *pt_stop_kind_name(pt_stop_kind k)
{
	static const char *const names[] = {
		[PT_STOP_NONE] = "none",
		[PT_STOP_REQUESTED] = "stopped",
		[PT_STOP_STEP] = "step",
		[PT_STOP_BREAKPOINT] = "breakpoint",
		[PT_STOP_SIGNAL] = "signal",
		[PT_STOP_GROUP] = "group-stop",
		[PT_STOP_THREAD_CREATE] = "thread-create",
		[PT_STOP_THREAD_EXIT] = "thread-exit",
		[PT_STOP_EXEC] = "exec",
		[PT_STOP_EXITED] = "exited",
		[PT_STOP_FORK] = "fork",
		[PT_STOP_WATCHPOINT] = "watchpoint",
		[PT_STOP_SYSCALL_ENTRY] = "syscall-entry",
		[PT_STOP_SYSCALL_EXIT] = "syscall-exit",
		[PT_STOP_VFORK_DONE] = "vfork-done",
	};
	return (unsigned)k < sizeof names / sizeof names[0] && names[k]
		       ? names[k]
		       : "unknown";
}

const char *pt_proc_state_name(pt_proc_state s)
{
	switch (s) {
	case PT_PROC_RUNNING:
		return "running";
	case PT_PROC_STOPPED:
		return "stopped";
	case PT_PROC_EXITED:
		return "exited";
	case PT_PROC_DETACHED:
		return "detached";
	}
	return "unknown";
}

static const char *signame_or_num(int sig, char *buf, size_t len)
{
	const char *n = pt_signal_name(sig);
	if (n)
		return n;
	snprintf(buf, len, "signal %d", sig);
	return buf;
}

int pt_stop_cause_format(const pt_stop_cause *c, char *buf, size_t len)
{
	char tmp[32];
	if (!c)
		return snprintf(buf, len, "(null)");
	switch (c->kind) {
	case PT_STOP_NONE:
		return snprintf(buf, len, "running");
	case PT_STOP_REQUESTED:
		return snprintf(buf, len, "stopped");
	case PT_STOP_STEP:
		return snprintf(buf, len, "single-step done");
	case PT_STOP_BREAKPOINT:
		return snprintf(buf, len, "breakpoint at 0x%llx",
				(unsigned long long)c->addr);
	case PT_STOP_SIGNAL: {
		const char *n = signame_or_num(c->signo, tmp, sizeof tmp);
		if (c->addr || c->signo == SIGSEGV || c->signo == SIGBUS)
			return snprintf(buf, len, "signal %s (address 0x%llx)",
					n, (unsigned long long)c->addr);
		if (c->pid > 0)
			return snprintf(buf, len, "signal %s (from process %d)",
					n, (int)c->pid);
		return snprintf(buf, len, "signal %s", n);
	}
	case PT_STOP_GROUP:
		return snprintf(buf, len, "stopped by %s (job control)",
				signame_or_num(c->signo, tmp, sizeof tmp));
	case PT_STOP_THREAD_CREATE:
		return snprintf(buf, len, "thread created (%d)", (int)c->pid);
	case PT_STOP_THREAD_EXIT:
		if (c->signo)
			return snprintf(buf, len, "thread exited from %s",
					signame_or_num(c->signo, tmp,
						       sizeof tmp));
		return snprintf(buf, len, "thread exited with status %d",
				c->status);
	case PT_STOP_EXEC:
		return snprintf(buf, len, "exec (former thread %d)",
				(int)c->pid);
	case PT_STOP_EXITED:
		if (c->signo)
			return snprintf(buf, len, "exited from %s",
					signame_or_num(c->signo, tmp,
						       sizeof tmp));
		return snprintf(buf, len, "exited with status %d", c->status);
	case PT_STOP_FORK:
		return snprintf(buf, len, "%s process %d",
				c->code == PT_FORK_VFORK   ? "vforked"
				: c->code == PT_FORK_CLONE ? "cloned"
							   : "forked",
				(int)c->pid);
	case PT_STOP_VFORK_DONE:
		return snprintf(buf, len, "vfork child %d done", (int)c->pid);
	case PT_STOP_WATCHPOINT: {
		/* the fields added in 0.2 only when the caller's struct has
		 * them */
		bool has = c->sz >= offsetof(pt_stop_cause, stepped) +
					    sizeof c->stepped;
		return snprintf(buf, len, "watchpoint %d at 0x%llx%s",
				has ? c->watch : -1,
				(unsigned long long)c->addr,
				has && c->stepped ? " (single-step done too)"
						  : "");
	}
	case PT_STOP_SYSCALL_ENTRY:
	case PT_STOP_SYSCALL_EXIT: {
		bool has = c->sz >= offsetof(pt_stop_cause, sysret) +
					    sizeof c->sysret;
		if (c->kind == PT_STOP_SYSCALL_ENTRY)
			return snprintf(buf, len, "system call %ld",
					has ? c->syscall : -1L);
		return snprintf(buf, len, "system call %ld returned %lld",
				has ? c->syscall : -1L,
				has ? (long long)c->sysret : 0LL);
	}
	}
	return snprintf(buf, len, "unknown stop (%d)", (int)c->kind);
}
