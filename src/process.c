/*
 * process.c - processes: launch, attach, detach, kill, and the all-stop
 * control calls of the public API.
 *
 * Each call locks the engine, checks the state, hands the ptrace work to the
 * tracer thread (pt__engine_call) and, where the call's contract says so,
 * waits on the process's condition variable for the state it promises.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "procfs.h"

extern char **environ;

const char *pt_version(void)
{
#define PT__STR2(x) #x
#define PT__STR(x) PT__STR2(x)
	return PT__STR(PT_VERSION_MAJOR) "." PT__STR(PT_VERSION_MINOR) "." PT__STR(
		PT_VERSION_PATCH);
}

int pt__check_proc(const pt_process *p)
{
	return p && p->magic == PT__PROC_MAGIC ? 0 : PT_EINVAL;
}

int pt__check_thread(const pt_thread *t)
{
	return t && t->magic == PT__THREAD_MAGIC && t->proc &&
			       t->proc->magic == PT__PROC_MAGIC
		       ? 0
		       : PT_EINVAL;
}

int pt__read_tracer_pid(pid_t pid)
{
	return pt__procfs_tracer_pid(pid);
}

/* ---- process objects ------------------------------------------------------- */

long pt__trace_options(bool launched)
{
	long o = PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT |
		 PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
		 PTRACE_O_TRACEVFORKDONE;
	/* a launched process dies with its tracer; an attached one does not */
	return launched ? o | PTRACE_O_EXITKILL : o;
}

int pt__proc_create(struct pt__engine *e, pid_t pid, struct pt_process **out)
{
	struct pt_process *p = calloc(1, sizeof *p);
	if (!p)
		return PT_ENOMEM;
	p->magic = PT__PROC_MAGIC;
	p->pid = pid;
	p->arch = pt__arch_native();
	p->state = PT_PROC_RUNNING;
	p->events = PT_EVENT_DEFAULT;
	pt__mem_init(p);
	/* PROCTRACE_STEPOVER=single: single-step over every breakpoint, for
	 * tests and benchmarks of that path. */
	const char *so = getenv("PROCTRACE_STEPOVER");
	p->stepover_single = so && !strcmp(so, "single");
	p->exit_code = -1;
	p->event_fd = -1; /* made on first request: most users never ask */
	pt__engine_attach_proc(e, p);
	e->refs++;
	*out = p;
	return 0;
}

/* ENGINE: make p->arch the architecture of the program that thread tid
 * runs now (at attach and at every exec: a 64-bit program may exec a 32-bit
 * one and back).  See pt__arch_of_task; register caches in the old layout
 * are dropped (none is dirty at these points). */
void pt__proc_pick_arch(struct pt_process *p, pid_t tid, bool stopped)
{
	const struct pt__arch *a = pt__arch_of_task(tid, stopped);
	if (a == p->arch)
		return;
	pt__log(PT_LOG_INFO, "process %d: architecture %s (was %s)",
		(int)p->pid, a->name, p->arch->name);
	for (struct pt_thread *t = p->live_head; t; t = t->live_next)
		t->regs_valid = t->regs_dirty = false;
	__atomic_store_n(&p->arch, a, __ATOMIC_RELEASE);
}

/* Lock NOT held; the engine has no ptrace business with p any more. */
static void proc_destroy(struct pt_process *p)
{
	struct pt__engine *e = p->eng;
	pthread_mutex_lock(&e->lock);
	pt__engine_detach_proc(e, p);
	pt__fork_forget_parent(e, p);
	pthread_mutex_unlock(&e->lock);
	pt__engine_free(e);
	pt__mem_close(p);
	pt__bptab_free(&p->bps);
	pt__proc_free_threads(p);
	if (p->event_fd >= 0)
		close(p->event_fd);
	p->magic = 0;
	free(p);
}

static void pt__proc_cond_wait(struct pt_process *p)
{
	/* A state change that is ours to see may still be waiting for the
	 * engine to release the lock: it broadcasts right after. */
	pthread_cond_wait(&p->eng->state_cond, &p->eng->lock);
}

/* Lock held: wait until p is no longer running (or timeout_ms passes). */
static bool proc_running(const void *arg)
{
	const struct pt_process *p = arg;
	return __atomic_load_n(&p->state, __ATOMIC_ACQUIRE) == PT_PROC_RUNNING;
}

/* Whether the wait that began when p->stop_seq was seq0 is over: the
 * process is not running, or it has stopped (all threads) at least once
 * since; another application thread may have resumed it since, and a
 * waiter that slept through that stop must not wait for the next one. */
static bool stop_seen(const struct pt_process *p, unsigned long seq0)
{
	return p->state != PT_PROC_RUNNING || p->stop_seq != seq0;
}

/* wait_not_running on the tracer thread itself (in pt_call_on_tracer):
 * nobody else would collect the events, so wait for them here. */
static int pump_not_running(struct pt_process *p, int timeout_ms,
			    unsigned long seq0)
{
	struct pt__engine *e = p->eng;
	long deadline = timeout_ms > 0
				? pt__now_ns() + (long)timeout_ms * 1000000L
				: 0;
	while (!stop_seen(p, seq0)) {
		int left = timeout_ms;
		if (timeout_ms > 0) {
			long ns = deadline - pt__now_ns();
			if (ns <= 0)
				return PT_ETIMEDOUT;
			left = (int)((ns + 999999) / 1000000);
		}
		int r = pt__engine_pump(e, left);
		if (r < 0)
			return stop_seen(p, seq0) ? 0 : r;
		if (r == 0 && timeout_ms == 0 && !stop_seen(p, seq0))
			return PT_ETIMEDOUT;
	}
	return 0;
}

/* Lock held: wait until p has stopped since p->stop_seq was seq0, or is
 * not running (or timeout_ms passes). */
static int wait_stop_since(struct pt_process *p, int timeout_ms,
			   unsigned long seq0)
{
	if (pt__on_engine_thread(p->eng))
		return pump_not_running(p, timeout_ms, seq0);
	struct timespec dl;
	if (timeout_ms > 0) {
		clock_gettime(CLOCK_MONOTONIC, &dl);
		dl.tv_sec += timeout_ms / 1000;
		dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
		if (dl.tv_nsec >= 1000000000L) {
			dl.tv_sec++;
			dl.tv_nsec -= 1000000000L;
		}
	}
	struct pt__engine *e = p->eng;
	long since = 0;
	if (p->state == PT_PROC_RUNNING && timeout_ms != 0 && e->spin_ns) {
		/* spin-then-block (engine.c): a stop that comes within the
		 * budget costs no sleep and no wake-up */
		since = pt__now_ns();
		if (pt__spin_worth(e, e->stop_avg_ns)) {
			pthread_mutex_unlock(&e->lock);
			pt__spin_while(proc_running, p, e->spin_ns);
			pthread_mutex_lock(&e->lock);
		}
	}
	while (!stop_seen(p, seq0)) {
		if (timeout_ms == 0)
			return PT_ETIMEDOUT;
		if (timeout_ms < 0) {
			pt__proc_cond_wait(p);
		} else if (pthread_cond_timedwait(&e->state_cond, &e->lock,
						  &dl) == ETIMEDOUT) {
			if (!stop_seen(p, seq0)) {
				if (since)
					pt__wait_learn(&e->stop_avg_ns, since);
				return PT_ETIMEDOUT;
			}
		}
	}
	if (since)
		pt__wait_learn(&e->stop_avg_ns, since);
	return 0;
}

static int wait_not_running(struct pt_process *p, int timeout_ms)
{
	return wait_stop_since(p, timeout_ms, p->stop_seq);
}

/* ---- launch ------------------------------------------------------------------ */

struct launch_args {
	const char *file;
	char *const *argv;
	char *const *envp;
	const char *cwd;
	const char *path_env;
	bool search;
	sigset_t mask;
	pid_t pid;
	int err_rfd;
};

/* What the child reports on its error pipe before it gives up: the
 * errno, and the step that failed. */
enum { CHILD_EXEC, CHILD_CHDIR };
struct child_err {
	int err, stage;
};

/* In the child, between fork and exec: async-signal-safe calls only. */
static void child_report_stage(int fd, int err, int stage)
{
	struct child_err ce = { err, stage };
	ssize_t r = write(fd, &ce, sizeof ce);
	(void)r;
	_exit(127);
}

static void child_report(int fd, int err)
{
	child_report_stage(fd, err, CHILD_EXEC);
}

/* In the child: the program starts with the default action for every
 * signal, as posix_spawn's POSIX_SPAWN_SETSIGDEF gives: exec resets the
 * handled ones, and this the ones the application ignores (an ignored
 * SIGPIPE or SIGINT would otherwise pass to the program). */
static void child_default_signals(void)
{
	for (int sig = 1; sig < NSIG; sig++) {
		struct sigaction sa;
		if (sig == SIGKILL || sig == SIGSTOP ||
		    sigaction(sig, NULL, &sa) < 0)
			continue;
		if (!(sa.sa_flags & SA_SIGINFO) && sa.sa_handler == SIG_IGN) {
			sa.sa_handler = SIG_DFL;
			sigaction(sig, &sa, NULL);
		}
	}
}

static void child_exec(const struct launch_args *la, int errfd)
{
	if (!la->search) {
		execve(la->file, la->argv, la->envp);
		child_report(errfd, errno);
	}
	/* PATH search as execvp does it: skip candidates that do not exist,
	 * remember EACCES, stop at any other error. */
	const char *path = la->path_env ? la->path_env : "/usr/local/bin:/usr/bin:/bin";
	size_t flen = strlen(la->file);
	int err = ENOENT;
	bool saw_eacces = false;
	char buf[PATH_MAX];
	for (const char *p = path;; p++) {
		const char *end = p;
		while (*end && *end != ':')
			end++;
		size_t dlen = (size_t)(end - p);
		if (dlen + 1 + flen + 1 <= sizeof buf) {
			memcpy(buf, p, dlen);
			if (dlen == 0)
				buf[dlen++] = '.';
			buf[dlen] = '/';
			memcpy(buf + dlen + 1, la->file, flen + 1);
			execve(buf, la->argv, la->envp);
			err = errno;
			if (err == EACCES)
				saw_eacces = true;
			else if (err != ENOENT && err != ENOTDIR && err != ESTALE &&
				 err != ENODEV && err != ETIMEDOUT)
				child_report(errfd, err);
		}
		if (!*end)
			break;
		p = end;
	}
	child_report(errfd, saw_eacces ? EACCES : ENOENT);
}

/* ENGINE: fork the child, seize it, let it exec. */
static int do_launch(struct pt__req *r)
{
	struct launch_args *la = r->arg;
	struct pt_process *p = r->proc;
	int errp[2], syncp[2];
	if (pipe2(errp, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(syncp, O_CLOEXEC) < 0) {
		int err = -errno;
		close(errp[0]);
		close(errp[1]);
		return err;
	}
	/* _Fork: the application's pthread_atfork handlers are not run (on
	 * the tracer thread, with the engine locked, they could call us). */
	pid_t pid = _Fork();
	if (pid < 0) {
		int err = -errno;
		close(errp[0]);
		close(errp[1]);
		close(syncp[0]);
		close(syncp[1]);
		return err;
	}
	if (pid == 0) {
		close(errp[0]);
		close(syncp[1]);
		char c;
		/* wait until the parent has seized us (EOF) */
		while (read(syncp[0], &c, 1) < 0 && errno == EINTR)
			;
		if (la->cwd && chdir(la->cwd) < 0)
			child_report_stage(errp[1], errno, CHILD_CHDIR);
		child_default_signals();
		sigprocmask(SIG_SETMASK, &la->mask, NULL);
		child_exec(la, errp[1]);
	}
	close(errp[1]);
	close(syncp[0]);
	if (ptrace(PTRACE_SEIZE, pid, NULL, (void *)pt__trace_options(true)) <
	    0) {
		int err = -errno;
		kill(pid, SIGKILL);
		close(syncp[1]);
		close(errp[0]);
		int st;
		while (waitpid(pid, &st, __WALL) < 0 && errno == EINTR)
			;
		return err;
	}
	p->pid = pid;
	p->launched = true;
	p->launching = true;
	la->pid = pid;
	la->err_rfd = errp[0];
	if (!pt__thread_new(p, pid, PT__TS_RUNNING)) {
		kill(pid, SIGKILL);
		close(syncp[1]);
		return PT_ENOMEM;
	}
	close(syncp[1]); /* the child goes on to exec */
	return 0;
}

int pt_launch(const char *file, char *const argv[],
	      const struct pt_launch_opts *opts, pt_process **out)
{
	pt__clear_error();
	if (!out)
		return pt__fail(PT_EINVAL, NULL, NULL, "launch",
				"out pointer is NULL");
	*out = NULL;
	if (!file || !*file || !argv)
		return pt__fail(PT_EINVAL, NULL, NULL, "launch",
				"no program or argv given");
	struct launch_args la = { .file = file, .argv = argv, .envp = environ,
				  .err_rfd = -1 };
	if (opts) {
		if (opts->sz < offsetof(struct pt_launch_opts, flags) +
				       sizeof opts->flags &&
		    opts->sz != 0)
			return pt__fail(PT_EINVAL, NULL, NULL, "launch",
					"opts->sz is %zu: set it to sizeof",
					opts->sz);
		if (opts->flags & ~PT_LAUNCH_NO_PATH_SEARCH)
			return pt__fail(PT_EINVAL, NULL, NULL, "launch",
					"unknown flags 0x%x",
					opts->flags & ~PT_LAUNCH_NO_PATH_SEARCH);
		if (opts->envp)
			la.envp = opts->envp;
		la.cwd = opts->cwd;
		la.search = !(opts->flags & PT_LAUNCH_NO_PATH_SEARCH);
	} else {
		la.search = true;
	}
	la.search = la.search && !strchr(file, '/');
	/* The child needs PATH before it may call getenv-free code only. */
	char *path_copy = NULL;
	if (la.search) {
		const char *pe = getenv("PATH");
		if (pe && !(path_copy = strdup(pe)))
			return pt__fail(PT_ENOMEM, NULL, NULL, "launch", NULL);
		la.path_env = path_copy;
	}
	pthread_sigmask(SIG_SETMASK, NULL, &la.mask);

	struct pt__engine *e;
	int r = pt__engine_new(&e);
	if (r < 0) {
		free(path_copy);
		return pt__fail(r, NULL, NULL, "launch",
				"cannot start the tracer thread: %s",
				pt_strerror(r));
	}
	struct pt_process *p = NULL;
	pthread_mutex_lock(&e->lock);
	r = pt__proc_create(e, 0, &p);
	if (r == 0)
		r = pt__engine_call(e, do_launch, p, &la);
	if (r == 0)
		wait_not_running(p, -1);
	pthread_mutex_unlock(&e->lock);
	free(path_copy);

	if (r == 0 && p->state == PT_PROC_EXITED) {
		struct child_err ce = { 0, 0 };
		if (read(la.err_rfd, &ce, sizeof ce) != (ssize_t)sizeof ce)
			ce.err = 0;
		r = ce.err ? -ce.err : PT_EIO;
		if (ce.err && ce.stage == CHILD_CHDIR)
			pt__fail(r, NULL, NULL, "launch",
				 "cannot change to directory %s: %s", la.cwd,
				 pt_strerror(r));
		else
			pt__fail(r, NULL, NULL, "launch",
				 "cannot execute %s: %s", file,
				 ce.err ? pt_strerror(r)
					: "the child died before exec");
	} else if (r < 0) {
		pt__fail(r, NULL, NULL, "launch", "cannot start %s: %s", file,
			 pt_strerror(r));
	}
	if (la.err_rfd >= 0)
		close(la.err_rfd);
	if (r < 0) {
		if (p)
			proc_destroy(p);
		else
			pt__engine_free(e);
		return r;
	}
	PT__LOGD("process %d: launched %s", (int)p->pid, file);
	*out = p;
	return 0;
}

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
		    pt__read_tracer_pid(tid) == (int)p->eng->tracer_tid) {
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
		int tr = rc == -EPERM ? pt__read_tracer_pid(pid) : 0;
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
	pthread_mutex_lock(&e->lock);
	r = pt__proc_create(e, pid, &p);
	if (r == 0)
		r = pt__engine_call(e, do_attach, p, &aa);
	if (r == 0) {
		wait_not_running(p, -1);
		while (p->state != PT_PROC_EXITED &&
		       pt__engine_call(e, do_attach_rescan, p, NULL) > 0)
			wait_not_running(p, -1);
		pt__engine_call(e, do_attach_done, p, NULL);
	}
	pthread_mutex_unlock(&e->lock);
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
			proc_destroy(p);
		} else {
			pt__engine_free(e);
		}
		return r;
	}
	PT__LOGD("process %d: attached, %zu threads", (int)pid, p->nlive);
	*out = p;
	return 0;
}

/* ---- entering the API ----------------------------------------------------- */

static int proc_enter(pt_process *p, const char *op)
{
	int r = pt__check_proc(p);
	if (r < 0)
		return pt__fail(r, NULL, NULL, op, "invalid process handle");
	pthread_mutex_lock(&p->eng->lock);
	pt__clear_error();
	return 0;
}

static void proc_leave(pt_process *p)
{
	pthread_mutex_unlock(&p->eng->lock);
}

static bool proc_gone(const pt_process *p)
{
	return p->state == PT_PROC_EXITED || p->state == PT_PROC_DETACHED;
}

/* ---- stop / continue / wait / step ------------------------------------------- */

static int do_interrupt(struct pt__req *r)
{
	return pt__proc_interrupt_all(r->proc);
}

/* Lock held. */
static int stop_locked(pt_process *p, const char *op)
{
	if (proc_gone(p))
		return pt__fail_state(p, NULL, op);
	if (p->state == PT_PROC_RUNNING) {
		/* Done once every thread has stopped after this call began,
		 * even if another thread resumes the process before this one
		 * sees it: it is the other thread's to stop then. */
		unsigned long seq0 = p->stop_seq;
		int r = pt__engine_call(p->eng, do_interrupt, p, NULL);
		if (r < 0)
			return pt__fail(r, p, NULL, op, "%s", pt_strerror(r));
		wait_stop_since(p, -1, seq0);
	}
	if (p->state == PT_PROC_EXITED)
		return pt__fail(PT_EEXITED, p, NULL, op,
				"the process exited");
	return 0;
}

int pt_stop(pt_process *p)
{
	int r = proc_enter(p, "cannot stop");
	if (r < 0)
		return r;
	r = stop_locked(p, "cannot stop");
	proc_leave(p);
	return r;
}

static int do_resume(struct pt__req *r)
{
	struct pt_process *p = r->proc;
	p->resume_queued = false;
	int rc = pt__proc_resume(p);
	if (rc < 0)
		pt__log(PT_LOG_WARN, "process %d: continue: %s", (int)p->pid,
			pt_strerror(rc));
	pt__proc_update_state(p);
	return rc;
}

int pt_continue(pt_process *p)
{
	int r = proc_enter(p, "cannot continue");
	if (r < 0)
		return r;
	if (p->state != PT_PROC_STOPPED) {
		r = pt__fail_state(p, NULL, "cannot continue");
	} else {
		/* Handed over without waiting: from here on the process
		 * counts as running, and the tracer thread resumes it. */
		p->resume_req = (struct pt__req){ .fn = do_resume, .proc = p };
		p->resume_queued = true;
		pt__proc_set_state(p, PT_PROC_RUNNING);
		pt__event_fd_set(p, false);
		pt__engine_post(p->eng, &p->resume_req);
		enum pt__kick k = pt__engine_kick_kind(p->eng);
		proc_leave(p);
		pt__engine_kick(p->eng, k); /* after unlocking: no contention */
		return 0;
	}
	proc_leave(p);
	return r;
}

/* ENGINE: is a stopped process still there?  While every thread is
 * stopped the tracer thread does not wait for events, so a SIGKILL from
 * outside goes unseen until a ptrace request fails on a dead thread.  One
 * request per thread makes that happen now; the dead are then awaited and
 * reaped, and the exit is reported. */
static int do_probe(struct pt__req *r)
{
	struct pt_process *p = r->proc;
	unsigned long msg;
	for (struct pt_thread *t = p->live_head, *n; t; t = n) {
		n = t->live_next;
		if (t->state == PT__TS_STOPPED &&
		    pt__ptrace(PTRACE_GETEVENTMSG, t, NULL, &msg) == -ESRCH) {
			/* one is gone: look at the others too */
			continue;
		}
		if (t->state == PT__TS_STOPPED)
			break; /* alive: so is the process */
	}
	pt__proc_update_state(p);
	return 0;
}

int pt_wait(pt_process *p, int timeout_ms)
{
	int r = proc_enter(p, "wait");
	if (r < 0)
		return r;
	if (p->state == PT_PROC_STOPPED && !p->resume_queued)
		pt__engine_call(p->eng, do_probe, p, NULL);
	if (p->state == PT_PROC_DETACHED)
		r = pt__fail_state(p, NULL, "cannot wait");
	else if ((r = wait_not_running(p, timeout_ms)) == PT_ETIMEDOUT)
		pt__fail(r, p, NULL, "wait", "still running after %d ms",
			 timeout_ms);
	else if (r < 0) /* on the tracer thread: nothing left to wait for */
		pt__fail(r, p, NULL, "wait", "running, but no thread of it "
			 "owes the tracer an event");
	else if (p->async_err) {
		/* a queued continue or single-step could not start */
		r = p->async_err;
		struct pt_thread *t = pt__thread_find(p, p->async_err_tid);
		pt__fail(r, p, t, "resume", "%s", pt_strerror(r));
		p->async_err = 0;
	}
	proc_leave(p);
	return r;
}

int pt_process_event_fd(pt_process *p)
{
	int r = proc_enter(p, "event fd");
	if (r < 0)
		return r;
	if (p->event_fd < 0) {
		p->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (p->event_fd < 0)
			r = pt__fail(-errno, p, NULL, "event fd",
				     "cannot create an eventfd: %s",
				     strerror(errno));
		else if (p->state != PT_PROC_RUNNING)
			pt__event_fd_set(p, true);
	}
	if (r == 0)
		r = p->event_fd;
	proc_leave(p);
	return r;
}

/* ENGINE: the work of pt_thread_step, queued like a continue. */
static int do_step(struct pt__req *r)
{
	struct pt_thread *t = r->arg;
	struct pt_process *p = r->proc;
	p->resume_queued = false;
	p->event_thread = NULL;
	p->all_running = false;
	for (struct pt_thread *o = p->live_head; o; o = o->live_next)
		if (o != t && o->state == PT__TS_STOPPED && !o->at_exit)
			o->cause.kind = PT_STOP_REQUESTED;
	int rc = t->state == PT__TS_STOPPED ? pt__thread_start_step(t, true)
					    : -ESRCH;
	if (rc < 0 && rc != -ESRCH) {
		/* for the next pt_wait to report */
		p->async_err = rc;
		p->async_err_tid = t->tid;
	}
	pt__proc_update_state(p);
	return rc;
}

int pt_thread_step(pt_thread *t)
{
	int r = pt__check_thread(t);
	if (r < 0)
		return pt__fail(r, NULL, NULL, "cannot single-step",
				"invalid thread handle");
	pt_process *p = t->proc;
	pthread_mutex_lock(&p->eng->lock);
	pt__clear_error();
	if (t->state != PT__TS_STOPPED || p->state != PT_PROC_STOPPED ||
	    p->resume_queued) {
		r = pt__fail_state(p, t, "cannot single-step");
	} else if (t->at_exit) {
		r = pt__fail(PT_ESTATE, p, t, "cannot single-step",
			     "it is exiting");
	} else {
		/* Handed over without waiting, as pt_continue does: one
		 * wake-up of the tracer thread per step, not two. */
		p->resume_req = (struct pt__req){ .fn = do_step, .proc = p,
						  .arg = t };
		p->resume_queued = true;
		pt__proc_set_state(p, PT_PROC_RUNNING);
		pt__event_fd_set(p, false);
		pt__engine_post(p->eng, &p->resume_req);
		enum pt__kick k = pt__engine_kick_kind(p->eng);
		pthread_mutex_unlock(&p->eng->lock);
		pt__engine_kick(p->eng, k);
		return 0;
	}
	pthread_mutex_unlock(&p->eng->lock);
	return r;
}

/* ---- detach / kill / free ---------------------------------------------------- */

static int do_detach(struct pt__req *r)
{
	struct pt_process *p = r->proc;
	int first = pt__bp_remove_all(p);
	int wr = pt__watch_detach(p); /* debug registers of every thread */
	if (wr < 0 && !first)
		first = wr;
	for (struct pt_thread *t = p->live_head, *n; t; t = n) {
		n = t->live_next;
		int sig = 0;
		pt__thread_drop_pending_trap(t);
		if (t->state == PT__TS_EXITED)
			continue;
		if (t->state == PT__TS_STOPPED) {
			int fr = pt__thread_flush_regs(t);
			if (fr < 0 && !first)
				first = fr;
			sig = t->pending_sig;
		}
		long rc = ptrace(PTRACE_DETACH, t->tid, NULL,
				 (void *)(intptr_t)sig);
		if (rc < 0 && errno != ESRCH && !first)
			first = -errno;
		pt__thread_set_state(t, PT__TS_DETACHED);
	}
	pt__mem_close(p);
	pt__proc_set_state(p, PT_PROC_DETACHED);
	pt__notify(p);
	return first;
}

/* Lock held. */
static int detach_locked(pt_process *p)
{
	int r = stop_locked(p, "cannot detach");
	if (r < 0)
		return r;
	r = pt__engine_call(p->eng, do_detach, p, NULL);
	if (r < 0)
		return pt__fail(r, p, NULL, "detach", "%s", pt_strerror(r));
	PT__LOGD("process %d: detached", (int)p->pid);
	return 0;
}

int pt_detach(pt_process *p)
{
	int r = proc_enter(p, "cannot detach");
	if (r < 0)
		return r;
	r = detach_locked(p);
	proc_leave(p);
	return r;
}

static int do_kill(struct pt__req *r)
{
	struct pt_process *p = r->proc;
	if (kill(p->pid, SIGKILL) < 0 && errno != ESRCH)
		return -errno;
	for (struct pt_thread *t = p->live_head; t; t = t->live_next) {
		if (pt__tstate_is_gone(t->state))
			continue;
		/* SIGKILL ends every ptrace-stop but one: a thread held at
		 * its exit (PTRACE_EVENT_EXIT) stays there, since Linux 6.1,
		 * until it is resumed.  Resume every thread we hold; for the
		 * others this fails (ESRCH), as they are already dying. */
		if (t->state == PT__TS_STOPPED)
			ptrace(PTRACE_CONT, t->tid, NULL, NULL);
		pt__thread_set_state(t, PT__TS_EXITING);
	}
	p->stopping = p->resuming = false;
	pt__proc_set_state(p, PT_PROC_RUNNING);
	return 0;
}

/* Lock held. */
static int kill_locked(pt_process *p)
{
	if (proc_gone(p))
		return pt__fail_state(p, NULL, "cannot kill");
	int r = pt__engine_call(p->eng, do_kill, p, NULL);
	if (r < 0)
		return pt__fail(r, p, NULL, "kill", "%s", pt_strerror(r));
	wait_not_running(p, -1);
	return 0;
}

int pt_kill(pt_process *p)
{
	int r = proc_enter(p, "cannot kill");
	if (r < 0)
		return r;
	r = kill_locked(p);
	proc_leave(p);
	return r;
}

void pt_process_free(pt_process *p)
{
	if (pt__check_proc(p) < 0)
		return;
	pthread_mutex_lock(&p->eng->lock);
	if (!proc_gone(p)) {
		if (p->launched)
			kill_locked(p);
		else
			detach_locked(p);
	}
	pthread_mutex_unlock(&p->eng->lock);
	proc_destroy(p);
}

/* ---- the application's code on the tracer thread ------------------------------ */

struct user_call {
	int (*fn)(pt_process *, void *);
	void *arg;
};

static int do_user_call(struct pt__req *r)
{
	struct user_call *uc = r->arg;
	return pt__engine_run_user(r, uc->fn, uc->arg);
}

int pt_call_on_tracer(pt_process *p, int (*fn)(pt_process *p, void *arg),
		      void *arg)
{
	int r = pt__check_proc(p);
	if (r < 0)
		return pt__fail(r, NULL, NULL, "call on the tracer thread",
				"invalid process handle");
	if (!fn)
		return pt__fail(PT_EINVAL, p, NULL, "call on the tracer thread",
				"no function");
	struct pt__engine *e = p->eng;
	pthread_mutex_lock(&e->lock);
	pt__clear_error();
	/* fn may free p, and with it p's hold on the engine: keep our own
	 * until fn has returned and we are off the tracer thread. */
	e->refs++;
	struct user_call uc = { .fn = fn, .arg = arg };
	if (pt__on_engine_thread(e)) {
		r = pt__engine_call(e, do_user_call, p, &uc);
		pthread_mutex_unlock(&e->lock);
	} else {
		/* Wait on a semaphore of our own, not on state_cond: fn's
		 * pt_wait calls broadcast that on every stop, and waking this
		 * thread for each would double the cost of fn's loop. */
		sem_t done;
		sem_init(&done, 0, 0);
		struct pt__req rq = { .fn = do_user_call, .proc = p, .arg = &uc,
				      .done_sem = &done };
		pt__engine_post(e, &rq);
		enum pt__kick k = pt__engine_kick_kind(e);
		pthread_mutex_unlock(&e->lock);
		pt__engine_kick(e, k);
		while (sem_wait(&done) < 0 && errno == EINTR)
			;
		r = rq.result;
		sem_destroy(&done);
	}
	pt__engine_free(e);
	return r;
}

/* ---- accessors ----------------------------------------------------------------- */

pid_t pt_process_pid(const pt_process *p)
{
	return pt__check_proc(p) < 0 ? -1 : p->pid;
}

pt_proc_state pt_process_state(pt_process *p)
{
	if (pt__check_proc(p) < 0)
		return PT_PROC_EXITED;
	pthread_mutex_lock(&p->eng->lock);
	pt_proc_state s = p->state;
	pthread_mutex_unlock(&p->eng->lock);
	return s;
}

int pt_process_exit(pt_process *p, int *exit_code, int *term_signal)
{
	int r = proc_enter(p, "exit status");
	if (r < 0)
		return r;
	if (p->state != PT_PROC_EXITED) {
		r = pt__fail_state(p, NULL, "no exit status");
	} else {
		if (exit_code)
			*exit_code = p->exit_code;
		if (term_signal)
			*term_signal = p->term_signal;
	}
	proc_leave(p);
	return r;
}

int pt_process_set_events(pt_process *p, unsigned mask)
{
	int r = proc_enter(p, "set events");
	if (r < 0)
		return r;
	if (mask & ~PT_EVENT_ALL)
		r = pt__fail(PT_EINVAL, p, NULL, "set events",
			     "unknown event bits 0x%x", mask & ~PT_EVENT_ALL);
	else
		p->events = mask;
	proc_leave(p);
	return r;
}

/* Listed: threads that exist for the user.  An exiting thread (resumed past
 * its exit event, or dying with its process) has been reported or cannot
 * be, and is gone as far as the API goes. */
static bool thread_listed(const struct pt_thread *t)
{
	return !pt__tstate_is_gone(t->state) && t->state != PT__TS_EXITING;
}

size_t pt_process_threads(pt_process *p, pt_thread **buf, size_t cap)
{
	if (pt__check_proc(p) < 0)
		return 0;
	pthread_mutex_lock(&p->eng->lock);
	size_t n = 0;
	/* leader first */
	if (p->leader && p->leader->in_live_list &&
	    thread_listed(p->leader)) {
		if (buf && n < cap)
			buf[n] = pt__thread_shown(p->leader);
		n++;
	}
	for (struct pt_thread *t = p->live_head; t; t = t->live_next) {
		if (t == p->leader || !thread_listed(t))
			continue;
		if (buf && n < cap)
			buf[n] = pt__thread_shown(t);
		n++;
	}
	pthread_mutex_unlock(&p->eng->lock);
	return n;
}

pt_thread *pt_process_thread(pt_process *p, pid_t tid)
{
	if (pt__check_proc(p) < 0)
		return NULL;
	pthread_mutex_lock(&p->eng->lock);
	pt_thread *t = pt__thread_shown(pt__thread_find(p, tid));
	pthread_mutex_unlock(&p->eng->lock);
	return t;
}

pt_thread *pt_process_event_thread(pt_process *p)
{
	if (pt__check_proc(p) < 0)
		return NULL;
	pthread_mutex_lock(&p->eng->lock);
	pt_thread *t = p->state == PT_PROC_RUNNING
			       ? NULL
			       : pt__thread_shown(p->event_thread);
	pthread_mutex_unlock(&p->eng->lock);
	return t;
}

pid_t pt_thread_tid(const pt_thread *t)
{
	return pt__check_thread(t) < 0 ? -1 : t->tid;
}

pt_process *pt_thread_process(const pt_thread *t)
{
	return pt__check_thread(t) < 0 ? NULL : t->proc;
}

int pt_thread_stop_cause(pt_thread *t, pt_stop_cause *out)
{
	int r = pt__check_thread(t);
	if (r < 0)
		return pt__fail(r, NULL, NULL, "stop cause",
				"invalid thread handle");
	if (!out || out->sz < offsetof(pt_stop_cause, thread) + sizeof(void *))
		return pt__fail(PT_EINVAL, t->proc, t, "stop cause",
				"out is NULL or out->sz is not set");
	pthread_mutex_lock(&t->proc->eng->lock);
	pt__clear_error();
	if (pt__thread_stopped(t) ||
	    (t->state == PT__TS_EXITED && !t->proc->resume_queued)) {
		size_t sz = out->sz < sizeof t->cause ? out->sz : sizeof t->cause;
		memcpy(out, &t->cause, sz);
		out->sz = sz;
	} else {
		r = pt__fail_state(t->proc, t, "no stop cause");
	}
	pthread_mutex_unlock(&t->proc->eng->lock);
	return r;
}

int pt_thread_signal(pt_thread *t)
{
	int r = pt__check_thread(t);
	if (r < 0)
		return pt__fail(r, NULL, NULL, "pending signal",
				"invalid thread handle");
	pthread_mutex_lock(&t->proc->eng->lock);
	int s = pt__thread_stopped(t) ? t->pending_sig : 0;
	pthread_mutex_unlock(&t->proc->eng->lock);
	return s;
}

int pt_thread_set_signal(pt_thread *t, int signo)
{
	int r = pt__check_thread(t);
	if (r < 0)
		return pt__fail(r, NULL, NULL, "cannot set signal",
				"invalid thread handle");
	pthread_mutex_lock(&t->proc->eng->lock);
	pt__clear_error();
	if (signo < 0 || signo >= 65)
		r = pt__fail(PT_EINVAL, t->proc, t, "set signal",
			     "%d is not a signal number", signo);
	else if (!pt__thread_stopped(t))
		r = pt__fail_state(t->proc, t, "cannot set signal");
	else
		t->pending_sig = signo;
	pthread_mutex_unlock(&t->proc->eng->lock);
	return r;
}
