/*
 * mt.h - helpers shared by the multi-threading tests (tests/test-mt-*.c),
 * defined in test-mt-util.c.  Their target is tests/targets/mt-tracee.c.
 */
#ifndef PT_TESTS_MT_H
#define PT_TESTS_MT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "tests.h"

#define MT "mt-tracee"

long long mt_now_ms(void);
/* Address of a symbol of mt-tracee. */
uint64_t mt_sym(const char *name);

/* The tids in /proc/PID/task (at most cap); returns how many were read. */
size_t mt_tasks(pid_t pid, pid_t *tids, size_t cap);
/* Whether the task is exiting: gone, a zombie ('Z'/'X'), or PF_EXITING in
 * the flags of its /proc stat. */
bool mt_task_exiting(pid_t pid, pid_t tid);
/* The same, or PF_SIGNALED: killed by a signal (it may still stop at its
 * PTRACE_EVENT_EXIT). */
bool mt_task_dying(pid_t pid, pid_t tid);
/* Where a thread that is not in a stop is going: 'x' if it is exiting or
 * gone, else its state once it is no longer runnable ('t', 'S', ...), or
 * 'R' if it still runs after WAIT_MS.  (A thread let go from its exit event
 * stop, or a new thread on its way to its first stop, is runnable for a
 * moment without showing PF_EXITING or 't'; a thread running the target's
 * code soon sleeps, or runs on.) */
char mt_settle(pid_t pid, pid_t tid);
/* Poll (no sleep) until proc_state(pid) is one of `states` ("Z", "Z0" with
 * '0' for gone, ...), for at most timeout_ms; returns the last state. */
char mt_wait_proc_state(pid_t pid, const char *states, int timeout_ms);
/* The handle with that tid in the list, or NULL. */
pt_thread *mt_find(pt_thread **ts, size_t n, pid_t tid);
/* pt_process_threads into a malloc'd array (freed by the caller). */
pt_thread **mt_threads(pt_process *p, size_t *n);
/* A 64-bit value from /proc/PID/mem (fails the test on error). */
uint64_t mt_peek_u64(pid_t pid, uint64_t addr);
/* Continue and wait for the next stop or the exit: 1 stopped, 0 exited. */
int mt_continue_wait(pt_process *p);
/* Wait for the next stop or the exit: 1 stopped, 0 exited. */
int mt_wait(pt_process *p, int timeout_ms);

/* Continue (if stopped) until the target prints `want` (the next line
 * must be it), going through thread creation/exit stops. */
void mt_continue_to_line(pt_process *p, struct child_io *io, const char *want);
/* The process has exited with (code, sig): check that it stays so, that
 * pt_wait returns at once, and that calls needing the tracee fail without
 * hanging (ts: some of its thread handles). */
void mt_check_after_exit(pt_process *p, int code, int sig, pt_thread **ts,
			 size_t n);

#endif
