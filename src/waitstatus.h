/*
 * waitstatus.h - a raw wait status decoded once into a typed value.
 * Nothing outside waitstatus.c looks at wait-status bits.
 */
#ifndef PT_WAITSTATUS_H
#define PT_WAITSTATUS_H

enum pt__wkind {
	PT__W_EXITED,      /* exited normally: status */
	PT__W_SIGNALED,    /* killed by a signal: sig */
	PT__W_SIGNAL_STOP, /* signal-delivery-stop: sig */
	PT__W_GROUP_STOP,  /* group-stop (SEIZE): sig is the stopping signal */
	PT__W_INTERRUPT,   /* PTRACE_EVENT_STOP from PTRACE_INTERRUPT or an
	                      auto-attached new thread's first stop */
	PT__W_EVENT,       /* PTRACE_EVENT_CLONE/FORK/VFORK/EXEC/EXIT/...: event */
	PT__W_SYSCALL,     /* syscall-stop (TRACESYSGOOD) */
	PT__W_UNTRACED_STOP, /* an untraced child stopped (WUNTRACED): sig */
	PT__W_UNKNOWN,
};

struct pt__wstatus {
	enum pt__wkind kind;
	int status; /* EXITED */
	int sig;    /* SIGNALED, *_STOP, GROUP_STOP */
	int event;  /* EVENT: PTRACE_EVENT_* */
	int raw;
};

/* traced: whether the child reporting is a ptrace tracee of ours. */
void pt__wstatus_decode(int raw, int traced, struct pt__wstatus *out);
const char *pt__wkind_name(enum pt__wkind k);

#endif
