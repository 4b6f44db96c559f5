/*
 * attach.c - pt_attach: trace a running process and every one of its
 * threads, while threads are being born and dying.
 *
 * Each thread of /proc/PID/task is seized (PTRACE_SEIZE) and interrupted;
 * threads born meanwhile are caught by the clone events of the threads
 * already seized, and the task list is read again until a pass finds no
 * new thread.  A thread that exits before it is seized is simply gone.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <unistd.h>

#include "internal.h"
#include "procfs.h"


/* ---- attach ------------------------------------------------------------------- */

struct attach_args {
	pid_t pid;
	int tracer; /* for PT_ETRACED */
};

/* ENGINE: seize one task.  1 if seized, 0 if it vanished, <0 error. */
static int seize_one(struct pt_process *p, pid_t tid)
{
	if (ptrace(PTRACE_SEIZE, tid, NULL, (void *)pt__trace_options(false)) <
	    0) {
		int err = errno;
		if (err == ESRCH)
			return 0;
		if (err == EPERM &&
		    pt__procfs_tracer_pid(tid) == (int)p->eng->tracer_tid) {
			/* auto-attached through a clone of a thread we hold */
			if (!pt__thread_find(p, tid) &&
			    !pt__thread_new(p, tid, PT__TS_NEW))
				return PT_ENOMEM;
			return 0;
		}
		return -err;
	}
	struct pt_thread *t = pt__thread_new(p, tid, PT__TS_RUNNING);
	if (!t)
		return PT_ENOMEM;
	if (pt__ptrace(PTRACE_INTERRUPT, t, NULL, NULL) == 0)
		pt__thread_set_state(t, PT__TS_STOPPING);
	return 1;
}

/* ENGINE: seize every thread of /proc/PID/task not held yet, rescanning
 * until a pass finds nothing new.  Threads that vanish in between are
 * skipped.  A thread is known by its tid alone: a tid cannot be reused
 * while its task is traced and not yet reaped by us, and a reaped thread
 * leaves the lookup table, so a tid found in the table is the same
 * thread.  Returns how many threads were seized. */
static int scan_tasks(struct pt_process *p)
{
	const pid_t pid = p->pid;
	int seized = 0;
	char dir[64];
	snprintf(dir, sizeof dir, "/proc/%d/task", (int)pid);
	p->stopping = true;
	for (bool again = true; again;) {
		again = false;
		DIR *d = opendir(dir);
		if (!d)
			break;
		struct dirent *de;
		while ((de = readdir(d))) {
			pid_t tid = (pid_t)atoi(de->d_name);
			if (tid <= 0 || pt__thread_find(p, tid))
				continue;
			int rc = seize_one(p, tid);
			if (rc > 0) {
				again = true;
				seized++;
			} else if (rc < 0 && pt__procfs_task_state(pid, tid) != 'Z') {
				pt__log(PT_LOG_WARN,
					"attach %d: thread %d: %s", (int)pid,
					(int)tid, strerror(-rc));
			}
		}
		closedir(d);
	}
	return seized;
}

/* ENGINE: seize the leader, then every thread. */
static int do_attach(struct pt__req *r)
{
	struct attach_args *aa = r->arg;
	struct pt_process *p = r->proc;
	pid_t pid = aa->pid;
	int rc = seize_one(p, pid);
	bool zombie_leader = false;
	if (rc <= 0) {
		if (rc == 0)
			return PT_ESRCH;
		int tr = rc == -EPERM ? pt__procfs_tracer_pid(pid) : 0;
		if (tr > 0) {
			aa->tracer = tr;
			return PT_ETRACED;
		}
		if (rc != -EPERM || pt__procfs_task_state(pid, pid) != 'Z')
			return rc;
		/* The leader ended with pthread_exit and is a zombie, which
		 * cannot be traced; its other threads can, and the process
		 * lives as long as they do.  (gdb gives up here.) */
		struct pt_thread *l = pt__thread_new(p, pid, PT__TS_NEW);
		if (!l)
			return PT_ENOMEM;
		l->cause = (pt_stop_cause){ .sz = sizeof l->cause,
					    .kind = PT_STOP_EXITED };
		pt__thread_set_state(l, PT__TS_EXITED);
		zombie_leader = true;
	}
	p->attaching = true;
	scan_tasks(p);
	if (zombie_leader && !p->live_head)
		return PT_ESRCH; /* nothing left alive to trace */
	pt__proc_pick_arch(p, p->live_head->tid, false); /* i386 or x86-64 */
	pt__mem_open(p);
	pt__proc_update_state(p);
	return 0;
}

/* ENGINE: once every seized thread has stopped, look again: a thread
 * seized in the middle of a clone stops only after the clone is done, and
 * its child, which the kernel did not attach (the clone began before our
 * seize), may have appeared after the last pass.  Returns how many threads
 * were seized; the caller waits for them and comes back until none is. */
static int do_attach_rescan(struct pt__req *r)
{
	struct pt_process *p = r->proc;
	if (p->state == PT_PROC_EXITED)
		return 0;
	int n = scan_tasks(p);
	pt__proc_update_state(p);
	return n;
}

/* ENGINE: the end of an attach: events reported from now on. */
static int do_attach_done(struct pt__req *r)
{
	struct pt_process *p = r->proc;
	p->attaching = false;
	/* Every thread stopped: if the executable could not be read, the
	 * kernel's register layout tells the architecture. */
	for (struct pt_thread *t = p->live_head; t; t = t->live_next) {
		if (t->state == PT__TS_STOPPED) {
			pt__proc_pick_arch(p, t->tid, true);
			break;
		}
	}
	return 0;
}

int pt_attach(pid_t pid, pt_process **out)
{
	pt__clear_error();
	if (!out)
		return pt__fail(PT_EINVAL, NULL, NULL, "attach",
				"out pointer is NULL");
	*out = NULL;
	char op[48];
	snprintf(op, sizeof op, "attach to %d", (int)pid);
	if (pid <= 0)
		return pt__fail(PT_ESRCH, NULL, NULL, op, "no such process");
	/* A thread's tid names its process: the whole process is attached,
	 * and its pid is the process's (Tgid), as gdb does. */
	pid_t tgid = pt__procfs_tgid(pid);
	if (tgid > 0 && tgid != pid) {
		pt__log(PT_LOG_INFO, "attach %d: a thread of process %d",
			(int)pid, (int)tgid);
		pid = tgid;
	}
	if (pid == getpid())
		return pt__fail(PT_EINVAL, NULL, NULL, op,
				"a process cannot trace itself");
	struct pt__engine *e;
	int r = pt__engine_new(&e);
	if (r < 0)
		return pt__fail(r, NULL, NULL, op,
				"cannot start the tracer thread: %s",
				pt_strerror(r));
	struct pt_process *p = NULL;
	struct attach_args aa = { .pid = pid };
	pt__lock(e);
	r = pt__proc_create(e, pid, &p);
	if (r == 0) {
		pt__engine_unhold(e);
		r = pt__engine_call(e, do_attach, p, &aa);
	}
	if (r == 0) {
		pt__wait_not_running(p, -1);
		while (p->state != PT_PROC_EXITED &&
		       pt__engine_call(e, do_attach_rescan, p, NULL) > 0)
			pt__wait_not_running(p, -1);
		pt__engine_call(e, do_attach_done, p, NULL);
	}
	pt__unlock(e);
	if (r == 0 && p->state == PT_PROC_EXITED)
		r = pt__fail(PT_ESRCH, NULL, NULL, op,
			     "the process exited while attaching");
	else if (r == PT_ETRACED)
		pt__fail(r, NULL, NULL, op,
			 "the process is already traced by process %d",
			 aa.tracer);
	else if (r == PT_ESRCH)
		pt__fail(r, NULL, NULL, op, "no such process");
	else if (r == PT_EPERM)
		pt__fail(r, NULL, NULL, op,
			 "not permitted (another user's process, a setuid "
			 "program, or /proc/sys/kernel/yama/ptrace_scope)");
	else if (r < 0)
		pt__fail(r, NULL, NULL, op, "%s", pt_strerror(r));
	if (r < 0) {
		if (p) {
			/* threads seized before the failure are let go by the
			 * tracer thread's exit */
			pt__proc_destroy(p);
		} else {
			pt__engine_free(e);
		}
		return r;
	}
	PT__LOGD("process %d: attached, %zu threads", (int)pid, p->nlive);
	*out = p;
	return 0;
}
