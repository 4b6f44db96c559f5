/*
 * proctrace.h - trace and control running Linux processes with ptrace(2).
 *
 * This header is the manual.  Every function says what state its objects
 * must be in, who owns what, and what it returns.
 *
 * THE MODEL
 *   A pt_process is a traced process: a set of pt_thread objects, one per
 *   kernel task.  Control is "all-stop": when any thread reports an event
 *   (breakpoint, signal, thread creation, ...) every other thread of the
 *   process is stopped too, and pt_wait() returns only once all of them are
 *   stopped.  Each thread then has its own stop cause (pt_thread_stop_cause);
 *   threads that were merely halted because another thread stopped have the
 *   cause PT_STOP_REQUESTED.  pt_continue() resumes them all, first stepping
 *   any thread that sits on one of our breakpoints over it, and delivering the
 *   signal each thread stopped with unless the caller changed or suppressed it.
 *
 * THREADS OF THE CALLER
 *   Every function may be called from any thread of the application, also
 *   while another thread is blocked in pt_wait().  The kernel only accepts
 *   ptrace requests from the very thread that attached, so each traced
 *   process is owned by an internal "tracer" thread that proctrace starts;
 *   requests are handed to it.  That thread blocks every signal, so signals
 *   sent to your process are handled by your own threads as before.  (One
 *   exception: when your process has no SIGCHLD handler, the tracer thread
 *   leaves SIGCHLD unblocked, so that the kernel discards the SIGCHLD of each
 *   tracee stop instead of waking one of your threads with it.  That choice
 *   is made when the tracer thread starts, in pt_launch() or pt_attach(): a
 *   SIGCHLD handler installed later may run on the tracer thread, and a
 *   handler installed at any time sees a SIGCHLD for tracee stops too, as
 *   with any ptrace tracer.)
 *
 * WHAT PROCTRACE DOES NOT DO TO YOUR PROCESS
 *   It installs no signal handler, changes no signal mask of your threads,
 *   and never waits for a child it does not trace: it waits with
 *   __WNOTHREAD from its own tracer thread, whose only children are the
 *   processes it launched.  Note that the kernel lets *any* wait(-1) in your
 *   process reap the stops of traced threads: if your application calls
 *   wait()/waitpid(-1, ...) while it traces processes, pass __WNOTHREAD or wait
 *   for specific pids instead.  Nothing is printed unless you ask (pt_set_log,
 *   or PROCTRACE_DEBUG=1 in the environment for a trace on stderr).
 *
 * ERRORS
 *   Functions that can fail return 0 or a non-negative count on success and a
 *   negative PT_E* code on failure.  The codes are negated errno values
 *   (PT_ESRCH == -ESRCH) plus a few of proctrace's own.  pt_strerror() gives
 *   a short description; pt_errmsg() the full message of the calling thread's
 *   last failure, naming the thread, the operation and the state, e.g.
 *   "thread 4242: cannot single-step: it is running".
 *
 * HANDLES
 *   Thread handles stay valid until their process is freed with
 *   pt_process_free(); calls on a thread that has exited return PT_EEXITED.
 *   (The memory of a thread whose handle no call ever returned to you is
 *   released as soon as the thread is gone, so that tracing a program that
 *   creates millions of threads costs no more memory than its live ones.)
 *   A NULL handle gives PT_EINVAL.  Using a handle after pt_process_free() is
 *   undefined behaviour.
 *
 * ARCHITECTURE
 *   x86-64 Linux, kernel 4.8 or newer.  32-bit (i386) programs are traced
 *   too, where the kernel runs them (IA-32 emulation): each process has the
 *   register table of the program it runs (pt_process_arch), chosen at
 *   launch, at attach and again at every exec.
 */
#ifndef PROCTRACE_H
#define PROCTRACE_H

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(PT_BUILDING_LIBRARY)
#define PT_API __attribute__((visibility("default")))
#else
#define PT_API
#endif

#define PT_VERSION_MAJOR 0
#define PT_VERSION_MINOR 4
#define PT_VERSION_PATCH 0

/* "MAJOR.MINOR.PATCH" of the library actually loaded. */
PT_API const char *pt_version(void);

/* ------------------------------------------------------------------ */
/* Errors                                                              */
/* ------------------------------------------------------------------ */

/* X(name, value, description).  Any other negated errno value can also be
 * returned (for example -ENOEXEC from pt_launch); pt_strerror() knows them. */
#define PT_ERROR_LIST(X)                                                       \
	X(PT_EPERM, -EPERM, "operation not permitted")                         \
	X(PT_ENOENT, -ENOENT, "no such file or directory")                     \
	X(PT_ESRCH, -ESRCH, "no such process")                                 \
	X(PT_EIO, -EIO, "input/output error")                                  \
	X(PT_ENOMEM, -ENOMEM, "out of memory")                                 \
	X(PT_EACCES, -EACCES, "permission denied")                             \
	X(PT_EFAULT, -EFAULT, "bad address")                                   \
	X(PT_EINVAL, -EINVAL, "invalid argument")                              \
	X(PT_ETIMEDOUT, -ETIMEDOUT, "timed out")                               \
	X(PT_ESTATE, -4001, "operation not valid in the current state")        \
	X(PT_EEXITED, -4002, "the process or thread has exited")               \
	X(PT_ETRACED, -4003, "the process is already traced")                  \
	X(PT_EBPEXIST, -4004, "a breakpoint already exists at that address")   \
	X(PT_ENOBP, -4005, "no breakpoint at that address")                    \
	X(PT_ENOREG, -4006, "no such register")                                \
	X(PT_EDETACHED, -4007, "the process has been detached")               \
	X(PT_ENOSLOT, -4008, "no free hardware debug register")               \
	X(PT_ENOWATCH, -4009, "no such watchpoint")

enum pt_error {
#define PT__ERR_ENUM(name, value, desc) name = (value),
	PT_ERROR_LIST(PT__ERR_ENUM)
#undef PT__ERR_ENUM
};

/* Short description of an error code ("no such process").  Never NULL; the
 * string is static. */
PT_API const char *pt_strerror(int err);
/* Symbolic name of an error code ("PT_ESRCH", or "ENOEXEC" for other errno
 * values).  Never NULL; static. */
PT_API const char *pt_err_name(int err);
/* Full message of the calling thread's most recent failed call, e.g.
 * "attach to 4242: the process is already traced by process 4100".  Valid
 * until the calling thread's next proctrace call.  "" if none. */
PT_API const char *pt_errmsg(void);

/* ------------------------------------------------------------------ */
/* Logging                                                             */
/* ------------------------------------------------------------------ */

typedef enum pt_log_level {
	PT_LOG_ERROR = 0,
	PT_LOG_WARN = 1,
	PT_LOG_INFO = 2,
	PT_LOG_DEBUG = 3, /* every thread state transition */
} pt_log_level;

typedef void (*pt_log_fn)(pt_log_level level, const char *msg, void *user);

/* Send log lines up to `max` to fn (fn == NULL turns logging off).  With no
 * callback set, PROCTRACE_DEBUG=1 in the environment traces everything to
 * stderr.  The callback may be called from proctrace's tracer threads, with
 * internal locks held: it must not call back into proctrace. */
PT_API void pt_set_log(pt_log_fn fn, void *user, pt_log_level max);

/* ------------------------------------------------------------------ */
/* Processes                                                           */
/* ------------------------------------------------------------------ */

typedef struct pt_process pt_process;
typedef struct pt_thread pt_thread;

/* Options for pt_launch().  Zero-initialise, set sz = sizeof, then the fields
 * you need; newer library versions may add fields at the end. */
struct pt_launch_opts {
	size_t sz;
	char *const *envp; /* NULL: the caller's environment */
	const char *cwd;   /* NULL: the caller's working directory */
	unsigned flags;    /* PT_LAUNCH_* */
	/* Since 0.4 (read only if sz covers them): */
	int stdio[3];      /* PT_LAUNCH_STDIO: the program's fds 0, 1, 2 are
			      these fds of the caller (-1: /dev/null) */
	const char *tty;   /* PT_LAUNCH_SETSID: the new session's
			      controlling terminal (NULL: none) */
};
#define PT_LAUNCH_NO_PATH_SEARCH 0x1u /* treat file as a path even without '/' */
#define PT_LAUNCH_STDIO 0x2u    /* standard fds from stdio[] (since 0.4) */
#define PT_LAUNCH_NO_ASLR 0x4u  /* address space layout not randomised
				   (personality ADDR_NO_RANDOMIZE; 0.4) */
#define PT_LAUNCH_NEW_PGRP 0x8u /* the program leads a new process group,
				   as gdbserver's inferiors do (0.4) */
#define PT_LAUNCH_SETSID 0x10u  /* a new session; with tty, that terminal
				   becomes its controlling terminal and, without
				   PT_LAUNCH_STDIO, its fds 0, 1, 2 (0.4) */

/* Start `file` with arguments argv (argv[0] included, NULL-terminated) under
 * trace.  A file without '/' is searched in PATH as execvp(3) does.  On
 * success *out is a process stopped before the program's first instruction
 * (its one thread has cause PT_STOP_EXEC).  If the program cannot be
 * executed the error is the real errno of execve (PT_ENOENT, PT_EACCES,
 * -ENOEXEC, ...) and no process is left behind.
 *
 * The child gets the caller's signal mask, the default action for every
 * signal (as posix_spawn's POSIX_SPAWN_SETSIGDEF: signals the application
 * ignores are not ignored by the program), and PTRACE_O_EXITKILL: if the
 * tracing process dies, the child is killed.  It is made with _Fork: the
 * application's pthread_atfork handlers do not run.  opts may be NULL.
 * Errors also: PT_EINVAL for flags this version does not know (named in
 * the message), or flags whose fields opts->sz does not cover; a cwd that
 * cannot be entered gives chdir's errno, with a message naming the
 * directory; so do a stdio fd that cannot be duplicated, a tty that cannot
 * be opened or made the controlling terminal, and a personality the kernel
 * refuses (the message names the step). */
PT_API int pt_launch(const char *file, char *const argv[],
		     const struct pt_launch_opts *opts, pt_process **out);

/* Attach to the running process pid and every thread in it, with
 * PTRACE_SEIZE and PTRACE_INTERRUPT.  Threads born and dying meanwhile are
 * caught: /proc/PID/task is read again until a pass made after every
 * thread seized has stopped finds nothing new; threads that exit during the
 * scan are skipped.  A process whose main thread has ended (a zombie
 * leader) can be attached to as long as other threads run.  On success *out
 * is stopped, every thread with cause PT_STOP_REQUESTED (threads met
 * half-way through a clone or an exit included), except a thread that was
 * in a job-control stop (PT_STOP_GROUP) or stopped for a signal on the way
 * (PT_STOP_SIGNAL, delivered on continue).  Errors: PT_ESRCH (no such
 * process, or it exited while attaching), PT_EPERM (not allowed: another
 * user's process, or Yama), PT_ETRACED (already traced; the message names
 * the tracer's pid), PT_EINVAL (pid is the caller itself, or one of its
 * threads).  pid may be the tid of any thread of the process (as
 * /proc/TID/status's Tgid tells): the whole process is attached, and
 * pt_process_pid() gives its pid.
 * Known kernel limit (Linux 6.18): if a thread of the target calls execve
 * while the other threads are being seized, PTRACE_SEIZE can block until
 * the exec completes, which needs the threads already seized to be reaped:
 * such an attach does not return (docs/ptrace-notes.md, E3). */
PT_API int pt_attach(pid_t pid, pt_process **out);

/* Detach: stop the process if it is running, remove every breakpoint, write
 * back changed registers, and let every thread go with the signal it
 * stopped with (if any).  The process then runs on as if never traced.  A
 * launched process stays a child of the caller: reap it with waitpid().
 * After this only pt_process_pid/state and pt_process_free may be used. */
PT_API int pt_detach(pt_process *p);

/* Kill the process with SIGKILL and wait until it is gone, in any state:
 * threads held at their exit stop (which SIGKILL does not end since Linux
 * 6.1) are let go.  Its state becomes PT_PROC_EXITED (killed by SIGKILL,
 * or the status of an exit already under way). */
PT_API int pt_kill(pt_process *p);

/* Release p and all its thread handles.  A process still traced is detached
 * if it was attached to, killed if it was launched. p may be NULL. */
PT_API void pt_process_free(pt_process *p);

typedef enum pt_proc_state {
	PT_PROC_RUNNING = 0, /* at least one thread runs (or single-steps) */
	PT_PROC_STOPPED,     /* every thread stopped, causes available */
	PT_PROC_EXITED,      /* the process is gone; see pt_process_exit() */
	PT_PROC_DETACHED,    /* pt_detach() succeeded */
} pt_proc_state;

PT_API pid_t pt_process_pid(const pt_process *p);
PT_API pt_proc_state pt_process_state(pt_process *p);
PT_API const char *pt_proc_state_name(pt_proc_state s);

/* Once the process has exited: *exit_code gets its exit status (0..255) or
 * -1, *term_signal the signal that killed it or 0.  Either pointer may be
 * NULL.  PT_ESTATE if it has not exited. */
PT_API int pt_process_exit(pt_process *p, int *exit_code, int *term_signal);

/* Which events stop the process.  Breakpoints, signals, single-steps and
 * exit always do; these are optional.  A masked event is handled internally
 * (new threads are still traced) and the thread simply runs on.
 *
 * PT_EVENT_THREAD_CREATE: every new thread is reported once, by its
 * creator's PT_STOP_THREAD_CREATE, before it runs a single instruction
 * (also one whose first stop reaches the tracer before the creator's clone
 * event: it is held until that event); PT_EVENT_THREAD_EXIT: each thread's
 * end, PT_STOP_THREAD_EXIT.  PT_EVENT_EXEC: PT_STOP_EXEC after an execve.
 *
 * PT_EVENT_FORK: follow children made by fork, vfork or clone without
 * CLONE_THREAD.  The parent thread stops with PT_STOP_FORK; cause.process is
 * the child, a new traced process, stopped, that the caller owns (continue
 * it, and pt_process_free it) once it has read that cause with
 * pt_thread_stop_cause() (with an sz that covers `process`).  A child whose
 * fork stop nobody read (a stop the caller did not look at before it
 * resumed, detached, killed or freed the parent) is let go then, as if not
 * followed: never left stopped (since 0.4).  Without it, children are let go at once,
 * with our breakpoints taken out of their memory first, so that a child
 * never dies of a breakpoint it inherited.
 *
 * PT_EVENT_VFORK_DONE (since 0.4): the thread that called vfork stops with
 * PT_STOP_VFORK_DONE when its child has executed a program or exited (the
 * memory is the parent's alone again; gdb's "vforkdone" event).  Reported
 * whether the child was followed or not.  Not in PT_EVENT_ALL, which keeps
 * its 0.3 meaning.
 *
 * PT_EVENT_CLONE_THREADS (since 0.4): a child made by clone with CLONE_VM
 * but without CLONE_THREAD, that the kernel reports as a clone (no exit
 * signal SIGCHLD, no CLONE_VFORK), becomes a thread of this process, as
 * gdb and gdbserver count such children (their "LWPs"): its creation is a
 * PT_STOP_THREAD_CREATE, it stops and resumes with the others, its hits
 * are the process's, its end is a thread exit, and the threads it makes
 * are threads of this process too.  The process exits when its leader and
 * every such child are gone, with its leader's status.  pt_kill kills
 * them too; pt_detach lets them go with the rest.  A clone child on a
 * memory of its own (no CLONE_VM: kcmp(2) tells) stays a new process,
 * followed or not as PT_EVENT_FORK says.  Not in PT_EVENT_ALL.
 *
 * The default is PT_EVENT_DEFAULT. */
#define PT_EVENT_THREAD_CREATE 0x1u
#define PT_EVENT_THREAD_EXIT 0x2u
#define PT_EVENT_EXEC 0x4u
#define PT_EVENT_FORK 0x8u
#define PT_EVENT_DEFAULT                                                       \
	(PT_EVENT_THREAD_CREATE | PT_EVENT_THREAD_EXIT | PT_EVENT_EXEC)
#define PT_EVENT_ALL (PT_EVENT_DEFAULT | PT_EVENT_FORK)
#define PT_EVENT_VFORK_DONE 0x10u
#define PT_EVENT_CLONE_THREADS 0x20u
PT_API int pt_process_set_events(pt_process *p, unsigned mask);

/* System call stops (since 0.4), as gdb's "catch syscall": with
 * PT_SYSCALLS_ALL every thread stops at each system call's entry
 * (PT_STOP_SYSCALL_ENTRY) and exit (PT_STOP_SYSCALL_EXIT); with
 * PT_SYSCALLS_SOME only for the n numbers in nums (in the program's ABI);
 * PT_SYSCALLS_OFF (the default) none.  Threads resumed after the call
 * follow it (a running process: from each thread's next resume).  A
 * single-step never stops at a system call.  PT_EINVAL for an unknown mode
 * or a number outside 0..PT_SYSCALL_MAX-1. */
#define PT_SYSCALLS_OFF 0
#define PT_SYSCALLS_ALL 1
#define PT_SYSCALLS_SOME 2
#define PT_SYSCALL_MAX 1024
PT_API int pt_process_catch_syscalls(pt_process *p, int mode, const int *nums,
				     size_t n);

/* Signals passed to the program without a stop (since 0.4): a thread that
 * receives one of the signals in *set while it runs gets it delivered at
 * once, and the process goes on running; no stop is reported (gdb's
 * "handle SIG nostop pass", the remote protocol's QPassSignals).  A thread
 * single-stepping (pt_thread_step, or a step over a breakpoint) still stops
 * for it as for any signal.  set NULL or empty: every signal stops the
 * process (the default).  SIGTRAP (the debugger's own), SIGKILL and
 * SIGSTOP cannot be passed: PT_EINVAL.  Any state but gone; it applies to
 * the signals decoded after the call. */
PT_API int pt_process_pass_signals(pt_process *p, const sigset_t *set);

/* ------------------------------------------------------------------ */
/* All-stop control                                                    */
/* ------------------------------------------------------------------ */

/* Stop every thread; returns once all are stopped (cause PT_STOP_REQUESTED
 * for threads that had none of their own).  A no-op on a stopped process.
 * PT_EEXITED if the process ended meanwhile.  A thread interrupted in a
 * single-step reports PT_STOP_STEP if the step was made, else
 * PT_STOP_REQUESTED (an internal step over a breakpoint is then made again
 * by the next continue).  If another application thread resumes the
 * process after it stopped and before this call returns, it returns 0
 * with the process running again: the stop was made, and undone. */
PT_API int pt_stop(pt_process *p);

/* Resume every thread.  The process must be stopped (PT_ESTATE otherwise).
 * Threads on one of our breakpoints are stepped over it first: common
 * function-entry instructions (nops, endbr64, push of a register, mov
 * between registers) are emulated, the others single-stepped with the
 * breakpoint lifted while the other threads stay stopped
 * (PROCTRACE_STEPOVER=single in the environment, read at launch or attach,
 * single-steps them all).  Emulation is used while one thread at a time
 * hits breakpoints; once two different threads have hit, step-overs are
 * single-stepped for the next 64 continues with hits (with many threads on
 * one breakpoint, an emulated thread runs on and hits again before the
 * others have run, and each all-stop would gather one hit).  Threads that stopped with a signal get it
 * delivered unless pt_thread_set_signal() changed it.  Returns at once;
 * use pt_wait() for the next stop. */
PT_API int pt_continue(pt_process *p);

/* Wait until the process is stopped (every thread) or has exited.
 * timeout_ms: 0 polls, -1 waits for ever.  Returns 0 when stopped or exited
 * (check pt_process_state), PT_ETIMEDOUT if still running after the timeout,
 * PT_EDETACHED after detach.  Returns 0 at once if already stopped. */
PT_API int pt_wait(pt_process *p, int timeout_ms);

/* A file descriptor (an eventfd, owned by p) that is readable whenever
 * pt_wait(p, 0) would return 0: poll it with POLLIN, then call pt_wait.
 * Do not read or close it. */
PT_API int pt_process_event_fd(pt_process *p);

/* Single-step one thread; the other threads stay stopped.  The process must be
 * stopped.  A thread on one of our breakpoints steps the original
 * instruction; a pending signal is delivered first, so the step ends on the
 * first instruction of its handler; a syscall instruction completes.  Returns
 * at once: pt_wait() returns when the step is done (cause PT_STOP_STEP, or
 * another cause if the instruction raised one), or with the error if the
 * step could not be started. */
PT_API int pt_thread_step(pt_thread *t);

/* Per-thread resume (since 0.4): what each thread does when the process is
 * resumed, as the remote protocol's vCont ("step thread 2 while the others
 * run", "run thread 3 alone").  acts lists n threads and what each does;
 * every live thread not listed does `others`.
 *
 *   PT_RESUME_HOLD      stays stopped.  Its pending signal stays for its
 *                       next resume; its stop cause becomes
 *                       PT_STOP_REQUESTED (the event was reported at the
 *                       stop it came with), and a thread held on one of
 *                       our breakpoints is stepped over it when it next
 *                       runs, not stopped by it again.
 *   PT_RESUME_CONTINUE  runs, as in pt_continue (stepped over a
 *                       breakpoint under its PC first, signal delivered).
 *   PT_RESUME_STEP      executes one instruction, as in pt_thread_step,
 *                       and reports PT_STOP_STEP.
 *
 * The stop is all-stop as ever: the first event of a resumed thread (a
 * step ending is one) stops every running thread, and pt_wait() returns
 * once all are stopped; threads held never ran.  A thread to step that
 * sits on one of our breakpoints steps alone (the breakpoint is lifted
 * for the step, so nothing else may run meanwhile): the stop comes when
 * its step ends, before the others were let go (they report
 * PT_STOP_REQUESTED).  Threads created while the process runs run if any
 * thread was resumed with PT_RESUME_CONTINUE, else they stay stopped.  If
 * every resumed thread exits without an event that stops the process (its
 * exit not asked for with PT_EVENT_THREAD_EXIT), the process stops with no
 * event thread.
 *
 * PT_RESUME_NO_STEP_OVER (since 0.4), or-ed into PT_RESUME_CONTINUE or
 * PT_RESUME_STEP (in an action or in `others`): the thread is not stepped
 * over a breakpoint of ours under its PC.  It executes the breakpoint and
 * stops with PT_STOP_BREAKPOINT at once (a step too: the step ends as
 * that hit), or, given a signal with a handler, when the handler returns
 * to it.  This is the remote protocol's rule, where the client steps its
 * threads over its breakpoints itself and a breakpoint it leaves under a
 * resumed thread is one it wants hit (gdb's step-resume breakpoint at the
 * PC of a thread it resumes with a signal).
 *
 * PT_RESUME_SYSCALL_EXIT_STEP (since 0.4), or-ed into PT_RESUME_STEP:
 * a thread stopped inside a system call (at PT_STOP_FORK, _VFORK,
 * _VFORK_DONE, _EXEC, or PT_STOP_SYSCALL_ENTRY; its PC is already past
 * the syscall instruction) ends its step when the call returns, before
 * any further instruction: PT_STOP_STEP with the PC unchanged.  This is
 * the kernel's own single-step and the remote protocol's: the step of a
 * syscall instruction that an event interrupted ends when that
 * instruction is done.  Without it a step from there runs the call to
 * its end and then executes one instruction.  Other threads are not
 * affected.
 *
 * pt_resume(p, NULL, 0, PT_RESUME_CONTINUE) is pt_continue(p), and
 * pt_resume(p, &(pt_resume_action){ t, PT_RESUME_STEP }, 1, PT_RESUME_HOLD)
 * is pt_thread_step(t).  The process must be stopped (PT_ESTATE).
 * PT_EINVAL: an unknown kind (PT_RESUME_NO_STEP_OVER with PT_RESUME_HOLD is
 * one, PT_RESUME_SYSCALL_EXIT_STEP without PT_RESUME_STEP another), a thread listed twice or of another process, or nothing left to
 * run; PT_EEXITED: a thread to run or step has exited
 * (is no longer listed by pt_process_threads(), a zombie leader included;
 * one to hold may have); PT_ESTATE: a thread to step is held at its exit.
 * Returns at once; use pt_wait() for the stop. */
#define PT_RESUME_HOLD 0
#define PT_RESUME_CONTINUE 1
#define PT_RESUME_STEP 2
#define PT_RESUME_NO_STEP_OVER 0x100
#define PT_RESUME_SYSCALL_EXIT_STEP 0x200
typedef struct pt_resume_action {
	pt_thread *thread;
	int kind; /* PT_RESUME_*, maybe | PT_RESUME_NO_STEP_OVER and
		   * (with PT_RESUME_STEP) | PT_RESUME_SYSCALL_EXIT_STEP */
} pt_resume_action;
PT_API int pt_resume(pt_process *p, const pt_resume_action *acts, size_t n,
		     int others);

/* Run fn(p, arg) on p's tracer thread and return what fn returns (or
 * PT_EINVAL for a NULL p or fn).  Since 0.3.
 *
 * Every proctrace call fn makes for p, or for any process on the same
 * tracer thread (children followed from p), runs in place instead of being
 * handed to the tracer thread and back, and pt_wait() waits in waitpid()
 * itself: a loop of pt_thread_step() + pt_wait(), or pt_continue() +
 * pt_wait(), costs what it costs with bare ptrace.  Use it for hot loops:
 * instruction tracers, breakpoint counters, fuzzers' resets.
 *
 * While fn runs, requests from the application's other threads (pt_stop
 * to interrupt a pt_wait in fn, say, or their own pt_call_on_tracer, whose
 * function then runs inside fn's call) are served only while fn is inside
 * a proctrace call for this tracer thread, pt_wait() above all; otherwise
 * they wait until fn returns.  So keep fn short between proctrace calls, and do
 * not have it wait for another thread that is itself calling proctrace for
 * p.  fn runs with every signal blocked (the tracer thread's mask) and must
 * not change the mask or exit the thread.  fn may free p.  Called from fn
 * itself, pt_call_on_tracer() simply calls the new function. */
PT_API int pt_call_on_tracer(pt_process *p,
			     int (*fn)(pt_process *p, void *arg), void *arg);

/* Lend the calling thread to proctrace as the tracer thread: run fn(arg) on
 * a new thread (with the caller's signal mask) while the calling thread
 * serves every process launched or attached meanwhile, from any thread;
 * return what fn returns, once fn has returned and every such process has
 * been freed (pt_process_free: so free them all in fn, or pt_tracer_run
 * keeps serving them).  Since 0.4.
 *
 * Normally each pt_launch() or pt_attach() starts a tracer thread of its
 * own.  The kernel shows the tracer's thread id as the tracee's TracerPid
 * (/proc/PID/status); called from the main thread, which is what a
 * debugger's tracing thread usually is (gdb, gdbserver), it is the
 * tracer's process id, and the launched program's parent (getppid()) is
 * its tracer, as some programs check.  Meanwhile the calling thread blocks
 * every signal (SIGCHLD aside, as the tracer threads do; its mask is
 * restored on return) and waits for the children it makes itself, so it
 * must have none yet: PT_ESTATE if it has any, or if another pt_tracer_run
 * is under way; PT_EINVAL for a NULL fn. */
PT_API int pt_tracer_run(int (*fn)(void *arg), void *arg);

/* ------------------------------------------------------------------ */
/* Threads and stop causes                                             */
/* ------------------------------------------------------------------ */

/* Fill buf with up to cap handles of the live threads (leader first, then in
 * order of discovery); returns the number of live threads, which may be more
 * than cap.  Threads reported as exited leave the list on the next resume. */
PT_API size_t pt_process_threads(pt_process *p, pt_thread **buf, size_t cap);
/* The thread with kernel id tid, or NULL. */
PT_API pt_thread *pt_process_thread(pt_process *p, pid_t tid);
/* The thread whose event made the process stop most recently (the first to
 * report), or NULL if the last stop was only requested. */
PT_API pt_thread *pt_process_event_thread(pt_process *p);

PT_API pid_t pt_thread_tid(const pt_thread *t);
PT_API pt_process *pt_thread_process(const pt_thread *t);

typedef enum pt_stop_kind {
	PT_STOP_NONE = 0,      /* running, or no stop seen yet */
	PT_STOP_REQUESTED,     /* pt_stop(), attach, or another thread's event */
	PT_STOP_STEP,          /* a single-step completed */
	PT_STOP_BREAKPOINT,    /* addr: the breakpoint; the PC equals it */
	PT_STOP_SIGNAL,        /* signo, code (si_code), addr (si_addr for
	                          faults), pid (sender, for kill/tgkill) */
	PT_STOP_GROUP,         /* job-control stop (SIGSTOP/SIGTSTP/... from
	                          outside); signo is the stopping signal */
	PT_STOP_THREAD_CREATE, /* pid/thread: the new thread */
	PT_STOP_THREAD_EXIT,   /* status/signo: how it exits; registers and
	                          memory still readable */
	PT_STOP_EXEC,          /* the thread completed execve; pid: its former
	                          tid */
	PT_STOP_EXITED,        /* the thread (and process) is gone: status or
	                          signo */
	PT_STOP_FORK,          /* fork/vfork/clone of a new process, followed
	                          (PT_EVENT_FORK): pid and process: the child;
	                          code: PT_FORK_* (0.4) */
	PT_STOP_WATCHPOINT,    /* a hardware watchpoint or hardware breakpoint
	                          fired: watch (its id), addr (its address);
	                          stepped: the thread's single-step completed
	                          in the same instruction */
	PT_STOP_SYSCALL_ENTRY, /* entering system call `syscall` (0.4) */
	PT_STOP_SYSCALL_EXIT,  /* leaving it: `sysret` its result (0.4) */
	PT_STOP_VFORK_DONE,    /* the vfork child of this thread has exec'd
	                          or exited: pid: the child
	                          (PT_EVENT_VFORK_DONE, 0.4) */
} pt_stop_kind;

/* How a PT_STOP_FORK child was made (cause.code, since 0.4).  A vfork
 * child runs on its parent's memory until it executes a program or exits
 * (the parent is suspended meanwhile): pt_detach() of it then lifts the
 * parent's breakpoints until the vfork is done, instead of writing the
 * original bytes back into the shared memory under the parent's feet. */
#define PT_FORK_FORK 0
#define PT_FORK_VFORK 1
#define PT_FORK_CLONE 2

typedef struct pt_stop_cause {
	size_t sz;         /* set to sizeof(pt_stop_cause) before the call */
	pt_stop_kind kind;
	int signo;         /* SIGNAL, GROUP: the signal; THREAD_EXIT, EXITED:
	                      the terminating signal or 0 */
	int code;          /* SIGNAL: si_code; FORK: PT_FORK_* */
	int status;        /* THREAD_EXIT, EXITED: the exit status if signo==0 */
	pid_t pid;         /* SIGNAL: sender pid if sent by a process;
	                      THREAD_CREATE: new tid; EXEC: former tid;
	                      FORK, VFORK_DONE: the child */
	uint64_t addr;     /* BREAKPOINT: its address; SIGNAL: fault address */
	pt_thread *thread; /* THREAD_CREATE: the new thread */
	pt_process *process; /* FORK: the child process (yours to free) */
	/* Since 0.2: present when sz covers them. */
	int watch;         /* WATCHPOINT: the id pt_watchpoint_add returned */
	int stepped;       /* WATCHPOINT: 1 if a single-step also completed */
	/* Since 0.4: */
	long syscall;      /* SYSCALL_*: the number, in the program's ABI
			      (pt_process_arch); -1 at an exit whose entry
			      was not seen */
	int64_t sysret;    /* SYSCALL_EXIT: the return value (-errno on
			      error) */
} pt_stop_cause;

/* Fill *out (whose sz must be set) with why t stopped.  A running thread
 * gives PT_ESTATE. */
PT_API int pt_thread_stop_cause(pt_thread *t, pt_stop_cause *out);
/* Printable form, snprintf-style: writes at most len bytes including the
 * NUL and returns the length of the full text.  E.g. "breakpoint at
 * 0x401136", "signal SIGSEGV (address 0x0)", "thread exited with status 3",
 * "thread created (4243)". */
PT_API int pt_stop_cause_format(const pt_stop_cause *c, char *buf,
				size_t len);
PT_API const char *pt_stop_kind_name(pt_stop_kind k);

/* "SIGSEGV", "SIGRTMIN+3", ...; "SIG<n>" for numbers the C library does not
 * name, NULL outside 1..64.  Static. */
PT_API const char *pt_signal_name(int signo);

/* The signal that will be delivered to t when it resumes (0: none). */
PT_API int pt_thread_signal(pt_thread *t);
/* Change it (0 suppresses).  t must be stopped.  Any stop may be given a
 * signal: at a signal stop (PT_STOP_SIGNAL, PT_STOP_BREAKPOINT,
 * PT_STOP_STEP...) the resume delivers it as the kernel does; at a stop
 * that cannot carry one (PT_STOP_REQUESTED, thread create/exit, exec,
 * fork, job-control stop) it is sent to the thread with tgkill(2) just
 * before it resumes, and its delivery is passed on without a stop of its
 * own: the program sees it as sent by the tracing process (si_code
 * SI_TKILL), and a thread blocking it takes it when it unblocks it. */
PT_API int pt_thread_set_signal(pt_thread *t, int signo);

/* ------------------------------------------------------------------ */
/* Registers                                                           */
/* ------------------------------------------------------------------ */

typedef enum pt_reg_role {
	PT_ROLE_NONE = 0,
	PT_ROLE_PC,
	PT_ROLE_SP,
	PT_ROLE_FP,
	PT_ROLE_FLAGS,
} pt_reg_role;

typedef enum pt_reg_type {
	PT_REGTYPE_INT = 0,   /* unsigned integer of `size` bytes */
	PT_REGTYPE_ADDR,      /* an address (PC, SP, FP, segment bases) */
	PT_REGTYPE_FLOAT80,   /* x87 extended, 10 bytes, read as bytes */
	PT_REGTYPE_VECTOR,    /* SIMD register, read as bytes */
} pt_reg_type;

/* Register sets: which group a register belongs to, as gdb's target
 * description features divide them. */
typedef enum pt_reg_set {
	PT_REGSET_GENERAL = 0, /* integer registers, PC, flags, segments */
	PT_REGSET_X87,         /* st0-st7 and the x87 control registers */
	PT_REGSET_SSE,         /* xmm0-15 (xmm0-7 on i386), mxcsr */
	PT_REGSET_AVX,         /* upper halves of ymm0-15: ymm0h.. */
	PT_REGSET_AVX512,      /* k0-7, zmm upper halves, xmm/ymm16-31 */
	PT_REGSET_SYSTEM,      /* fs_base, gs_base, orig_rax / orig_eax */
} pt_reg_set;

/* One row of the register table of an architecture.  The table alone is
 * enough to build a gdb target description: name, size, type, set and gdb
 * number of every register, in gdb's order. */
typedef struct pt_reg_info {
	const char *name;   /* "rax", "st0", "xmm0", "ymm0h", "k1" */
	unsigned size;      /* bytes */
	unsigned offset;    /* byte offset in the engine's register buffer
	                       (an implementation detail; do not rely on it) */
	unsigned set;       /* a pt_reg_set */
	int gdb_regnum;     /* number in gdb's target description, -1 none */
	pt_reg_role role;
	pt_reg_type type;
} pt_reg_info;

/* The register table of p's architecture: indices 0..count-1.  It depends
 * on the process (x86-64 or i386, as its executable is) and on what the CPU
 * and kernel offer (AVX and AVX-512 rows appear only where the XSAVE area
 * has them); it can change at an exec. */
PT_API int pt_process_reg_count(pt_process *p);
PT_API const pt_reg_info *pt_process_reg_info(pt_process *p, int index);
/* Index of a register by name, or PT_ENOREG. */
PT_API int pt_process_reg_index(pt_process *p, const char *name);
/* The architecture of p's register table: "x86-64" or "i386".  Static;
 * NULL for an invalid handle.  It is the class of the program p runs: read
 * from the ELF header of /proc/PID/exe at launch, at attach and at every
 * exec (a 64-bit program may execute a 32-bit one and back), or, where
 * that file cannot be read, from the size of the registers the kernel gives
 * for a stopped thread.  The i386 table has gdb's i386 Linux numbering: eax
 * ecx edx ebx esp ebp esi edi (0-7), eip 8, eflags 9, cs ss ds es fs gs
 * (10-15), all 4 bytes (values that do not fit are PT_EINVAL), then the
 * x87 and SSE rows (st0-7, fctrl..fop, xmm0-7, mxcsr: 16-40), orig_eax 41
 * and, where the CPU has AVX, ymm0h-7h (42-49), then where it has AVX-512
 * k0-7 and zmm0h-7h; no fs_base/gs_base.  As for x86-64, fioff/fooff are
 * the low and fiseg/foseg the high halves of the 64-bit FIP/FDP a 64-bit
 * kernel saves (0 in 32-bit code), not the FPU's CS/DS selectors, which it
 * does not save.  A 32-bit program that far-jumps into 64-bit code keeps
 * this view (the low halves). */
PT_API const char *pt_process_arch(pt_process *p);

/* Registers of a stopped thread.  They are read from the kernel once per
 * stop (the floating-point and vector state only when first asked for)
 * and written back when the thread resumes, only the sets that changed.
 * Values narrower than 64 bits are zero-extended; on set, extra high bits
 * are an error (PT_EINVAL).  Registers wider than 64 bits (st0-7, xmm,
 * ymm..h, zmm..h) give PT_EINVAL here: use pt_thread_reg_read/write.
 * A general register set here (or with pt_thread_reg_write) is written to
 * the kernel at once, which checks some values (x86: segment selectors,
 * fs_base/gs_base): a value it refuses gives PT_EINVAL, the message
 * names the register, the value and the kernel's answer, and the register
 * keeps its old value. */
PT_API int pt_thread_reg_get(pt_thread *t, int index, uint64_t *val);
PT_API int pt_thread_reg_set(pt_thread *t, int index, uint64_t val);
PT_API int pt_thread_reg_get_name(pt_thread *t, const char *name,
				  uint64_t *val);
PT_API int pt_thread_reg_set_name(pt_thread *t, const char *name,
				  uint64_t val);
/* Any register as bytes, in the target's (little-endian) order: read
 * copies the register's size bytes into buf (len must be at least that)
 * and returns the size; write takes exactly size bytes (len == size) and
 * returns 0.  A value the register cannot hold (reserved MXCSR bits, more
 * than 16 bits in fctrl, fstat, ftag or fop) gives PT_EINVAL.  ftag is the
 * full x87 tag word; the kernel keeps only whether each register is empty,
 * so the other tag values are computed from the registers' contents.  A
 * register whose state component the CPU keeps in its initial state reads
 * as that state (zero for vector registers); writing it makes the
 * component live again.
 *
 * PROCTRACE_XSTATE=fxsave in the environment (read when the table is first
 * needed, at the first launch or attach) makes proctrace ignore XSAVE: x87
 * and SSE only, through NT_PRFPREG, as on a machine without it (for
 * testing). */
PT_API int pt_thread_reg_read(pt_thread *t, int index, void *buf,
			      size_t len);
PT_API int pt_thread_reg_write(pt_thread *t, int index, const void *buf,
			       size_t len);
PT_API int pt_thread_pc(pt_thread *t, uint64_t *pc);
PT_API int pt_thread_set_pc(pt_thread *t, uint64_t pc);
PT_API int pt_thread_sp(pt_thread *t, uint64_t *sp);
PT_API int pt_thread_set_sp(pt_thread *t, uint64_t sp);

/* ------------------------------------------------------------------ */
/* Breakpoints                                                         */
/* ------------------------------------------------------------------ */

/* Insert a software breakpoint at addr.  The process must be stopped.
 * PT_EBPEXIST if one is there already; PT_EFAULT/PT_EIO if addr cannot be
 * written.  Memory reads never show the breakpoint instruction, and writes
 * over it update the saved byte.  An int3 compiled into the program is
 * reported as PT_STOP_SIGNAL SIGTRAP, never as a breakpoint. */
PT_API int pt_breakpoint_add(pt_process *p, uint64_t addr);
/* Remove it, restoring the original byte.  PT_ENOBP if there is none. */
PT_API int pt_breakpoint_remove(pt_process *p, uint64_t addr);
/* Number of breakpoints set. */
PT_API size_t pt_breakpoint_count(pt_process *p);

/* ------------------------------------------------------------------ */
/* Hardware watchpoints and breakpoints                                */
/* ------------------------------------------------------------------ */

typedef enum pt_watch_kind {
	PT_WATCH_EXEC = 0, /* a hardware breakpoint: len must be 1 */
	PT_WATCH_WRITE,    /* stop after an instruction writes the range */
	PT_WATCH_RW,       /* stop after an instruction reads or writes it */
} pt_watch_kind;

/* Watch len bytes at addr (len 1, 2, 4 or 8, addr aligned to len) in every
 * thread of p, including threads created later, using the CPU's debug
 * registers (x86: four of them).  The process must be stopped.  Returns
 * the watchpoint's id (>= 0), or PT_ENOSLOT when all debug registers are
 * in use, PT_EINVAL for a length, alignment or kind the CPU cannot watch.
 * A hit stops the thread with PT_STOP_WATCHPOINT: for WRITE and RW just
 * after the instruction that touched the range, for EXEC before the
 * instruction at addr executes (continuing runs it; no step-over is
 * needed).  Detach clears the debug registers of every thread.
 *
 * A pt_thread_step whose instruction fires a watchpoint ends with one stop,
 * PT_STOP_WATCHPOINT with stepped = 1: the step is done too, and no
 * separate PT_STOP_STEP follows.  (stepped is 0 for a hit on an ordinary
 * continue, and when a step stops on an EXEC watchpoint at its first
 * instruction, which has then not run yet: stepping again runs it.)  When
 * several watchpoints fire in one instruction, the one in the lowest debug
 * register is reported.  An exec removes every watchpoint (their addresses
 * belong to the old program), as it does breakpoints; ids are never reused
 * by a process. */
PT_API int pt_watchpoint_add(pt_process *p, uint64_t addr, size_t len,
			     pt_watch_kind kind);
/* Remove watchpoint id.  PT_ENOWATCH if there is none. */
PT_API int pt_watchpoint_remove(pt_process *p, int id);
/* What watchpoint id watches; PT_ENOWATCH if none.  Any out pointer may be
 * NULL. */
PT_API int pt_watchpoint_info(pt_process *p, int id, uint64_t *addr,
			      size_t *len, pt_watch_kind *kind);
/* Whether the CPU's debug registers fire on this machine (since 0.4): 1
 * if they do; 0 if they never do, as on some virtual machines, where the
 * kernel accepts them and pt_watchpoint_add succeeds but no
 * PT_STOP_WATCHPOINT ever comes (a client can then watch by single-stepping
 * instead, or tell its user); or a negative PT_E* code if it could not be
 * told (PT_EPERM: tracing is refused here, by seccomp or Yama).  Nothing
 * in CPUID says which, so the kernel is asked: the first call arms a write
 * watchpoint in a short-lived child of the calling thread (forked without
 * running pthread_atfork handlers, traced, then killed and reaped by its
 * pid) and writes the watched word; later calls return that answer.  Safe
 * from any thread. */
PT_API int pt_watchpoints_fire(void);

/* ------------------------------------------------------------------ */
/* Process and thread facts (since 0.4)                                */
/* ------------------------------------------------------------------ */

/* These read /proc through a live thread of the process (the leader may be
 * a zombie while other threads run), in any state but gone (PT_EEXITED
 * once the process or thread has exited, PT_ESTATE once detached).  The string calls work like snprintf: they return the full
 * length (not counting the NUL) and write at most len bytes, NUL included;
 * buf may be NULL if len is 0. */

/* The path of the program the process runs now (/proc/PID/exe; after an
 * exec, the new one). */
PT_API int pt_process_exe(pt_process *p, char *buf, size_t len);
/* The process's auxiliary vector (/proc/PID/auxv: pairs of words of the
 * program's width, up to and including AT_NULL) into buf; returns its size
 * in bytes, which may be more than len (then len bytes were written). */
PT_API int pt_process_auxv(pt_process *p, void *buf, size_t len);

/* A mapping of the address space, from /proc/PID/maps. */
#define PT_MAP_READ 0x1u
#define PT_MAP_WRITE 0x2u
#define PT_MAP_EXEC 0x4u
#define PT_MAP_SHARED 0x8u
typedef struct pt_map {
	uint64_t start, end; /* [start, end) */
	uint64_t offset;     /* in the file */
	unsigned flags;      /* PT_MAP_* */
	unsigned dev_major, dev_minor;
	uint64_t inode;
	const char *path;    /* "" for anonymous memory; "[stack]", "[heap]",
				"[vdso]"...; valid during the call only */
} pt_map;
/* Call fn for each mapping, in address order, with the lock not held (fn
 * may call proctrace).  A non-zero return from fn stops the walk and is
 * returned; otherwise 0. */
PT_API int pt_process_maps(pt_process *p,
			   int (*fn)(const pt_map *m, void *arg), void *arg);

/* The thread's name (/proc/PID/task/TID/comm, at most 15 bytes, set with
 * prctl(PR_SET_NAME) or pthread_setname_np). */
PT_API int pt_thread_name(pt_thread *t, char *buf, size_t len);
/* The CPU the thread last ran on (>= 0), or an error. */
PT_API int pt_thread_core(pt_thread *t);

/* The siginfo of the signal t is stopped for (PTRACE_GETSIGINFO): at a
 * signal stop (PT_STOP_SIGNAL), the signal to be delivered; at a breakpoint,
 * single-step or watchpoint stop, the SIGTRAP behind it.  The thread must
 * be stopped; PT_EINVAL at a stop with no signal behind it (requested,
 * thread create/exit, exec, fork: the kernel has none to give). */
PT_API int pt_thread_siginfo(pt_thread *t, siginfo_t *out);
/* Replace that siginfo (PTRACE_SETSIGINFO): the signal delivered when t
 * resumes (pt_thread_set_signal picks which) carries it.  Only at a signal
 * stop (PT_STOP_SIGNAL); PT_EINVAL at any other. */
PT_API int pt_thread_set_siginfo(pt_thread *t, const siginfo_t *in);

/* ------------------------------------------------------------------ */
/* Memory                                                              */
/* ------------------------------------------------------------------ */

/* Read len bytes at addr into buf, any length and alignment.  *done (may be
 * NULL) gets the bytes transferred.  Returns 0 if all were read; otherwise
 * an error (PT_EFAULT for an unmapped or unreadable address) with *done
 * counting the bytes up to the first inaccessible one.  Works while the
 * process runs, too (PT_ESTATE instead on systems with neither
 * process_vm_readv nor /proc/PID/mem, where only PTRACE_PEEKDATA is left).
 * Our breakpoint instructions are never visible.
 *
 * PROCTRACE_MEM_PATH=procmem or =ptrace in the environment (read when a
 * process is launched or attached) forces the slower paths, for testing. */
PT_API int pt_mem_read(pt_process *p, uint64_t addr, void *buf, size_t len,
		       size_t *done);
/* Write, with the same contract; read-only mappings (program text) are
 * written too.  Bytes under one of our breakpoints update its saved copy. */
PT_API int pt_mem_write(pt_process *p, uint64_t addr, const void *buf,
			size_t len, size_t *done);

#ifdef __cplusplus
}
#endif

#endif /* PROCTRACE_H */
