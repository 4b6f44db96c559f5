/*
 * launch.c - pt_launch: start a program under trace.
 *
 * The tracer thread makes the child with _Fork (the application's
 * pthread_atfork handlers do not run), the child puts every signal back to
 * its default action and the given mask, changes directory, and stops
 * itself before exec; the tracer seizes it at that stop.  What fails in the
 * child (exec, chdir) comes back over a close-on-exec pipe, with the errno
 * and the step, so pt_launch can name it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

extern char **environ;


/* ---- launch ------------------------------------------------------------------ */

struct launch_args {
	const char *file;
	char *const *argv;
	char *const *envp;
	const char *cwd;
	const char *path_env;
	bool search;
	unsigned flags;    /* PT_LAUNCH_* */
	int stdio[3];      /* PT_LAUNCH_STDIO */
	const char *tty;   /* PT_LAUNCH_SETSID */
	sigset_t mask;
	pid_t pid;
	int err_rfd;
};

/* What the child reports on its error pipe before it gives up: the
 * errno, and the step that failed. */
enum {
	CHILD_EXEC,
	CHILD_CHDIR,
	CHILD_STDIO,
	CHILD_SETSID,
	CHILD_TTY,
	CHILD_PGRP,
	CHILD_PERSONALITY,
};
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

/* In the child: fd moved to 3 or above (close-on-exec), so that setting
 * up fds 0, 1, 2 cannot clobber it. */
static int child_high_fd(int fd, int errfd, int stage)
{
	int h = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (h < 0)
		child_report_stage(errfd, errno, stage);
	return h;
}

/* In the child: session, process group, terminal, standard fds and
 * personality, as the options ask. */
static void child_setup(const struct launch_args *la, int errfd)
{
	int src[3] = { -1, -1, -1 };
	bool set_std = false;
	if (la->flags & PT_LAUNCH_SETSID) {
		if (setsid() < 0)
			child_report_stage(errfd, errno, CHILD_SETSID);
		if (la->tty) {
			int fd = open(la->tty, O_RDWR | O_CLOEXEC);
			if (fd < 0 || ioctl(fd, TIOCSCTTY, 0) < 0)
				child_report_stage(errfd, errno, CHILD_TTY);
			fd = child_high_fd(fd, errfd, CHILD_TTY);
			src[0] = src[1] = src[2] = fd;
			set_std = true;
		}
	} else if ((la->flags & PT_LAUNCH_NEW_PGRP) && setpgid(0, 0) < 0) {
		child_report_stage(errfd, errno, CHILD_PGRP);
	}
	if (la->flags & PT_LAUNCH_STDIO) {
		for (int i = 0; i < 3; i++) {
			int fd = la->stdio[i];
			if (fd < 0 &&
			    (fd = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
				child_report_stage(errfd, errno, CHILD_STDIO);
			src[i] = child_high_fd(fd, errfd, CHILD_STDIO);
		}
		set_std = true;
	}
	for (int i = 0; set_std && i < 3; i++)
		if (dup2(src[i], i) < 0) /* clears close-on-exec on i */
			child_report_stage(errfd, errno, CHILD_STDIO);
	if (la->flags & PT_LAUNCH_NO_ASLR) {
		int pers = personality(0xffffffff);
		if (pers == -1 ||
		    personality((unsigned long)pers | ADDR_NO_RANDOMIZE) == -1)
			child_report_stage(errfd, errno, CHILD_PERSONALITY);
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
		int errfd = errp[1];
		if (errfd < 3) /* the application had closed a standard fd */
			errfd = child_high_fd(errfd, errfd, CHILD_STDIO);
		if (la->cwd && chdir(la->cwd) < 0)
			child_report_stage(errfd, errno, CHILD_CHDIR);
		child_setup(la, errfd);
		child_default_signals();
		sigprocmask(SIG_SETMASK, &la->mask, NULL);
		child_exec(la, errfd);
	}
	close(errp[1]);
	close(syncp[0]);
	if (ptrace(PTRACE_SEIZE, pid, NULL, (void *)pt__trace_options(true)) <
	    0) {
		int err = -errno;
		pt__kill_child(pid);
		close(syncp[1]);
		close(errp[0]);
		return err;
	}
	p->pid = pid;
	p->launched = true;
	p->launching = true;
	la->pid = pid;
	la->err_rfd = errp[0];
	if (!pt__thread_new(p, pid, PT__TS_RUNNING)) {
		pt__kill_child(pid);
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
		const unsigned known = PT_LAUNCH_NO_PATH_SEARCH |
				       PT_LAUNCH_STDIO | PT_LAUNCH_NO_ASLR |
				       PT_LAUNCH_NEW_PGRP | PT_LAUNCH_SETSID;
		if (opts->flags & ~known)
			return pt__fail(PT_EINVAL, NULL, NULL, "launch",
					"unknown flags 0x%x",
					opts->flags & ~known);
		/* the 0.4 fields, read only if sz covers them */
		bool v04 = opts->sz >= offsetof(struct pt_launch_opts, tty) +
					       sizeof opts->tty;
		if ((opts->flags & (PT_LAUNCH_STDIO | PT_LAUNCH_SETSID)) && !v04)
			return pt__fail(PT_EINVAL, NULL, NULL, "launch",
					"opts->sz is %zu: too small for "
					"PT_LAUNCH_STDIO or PT_LAUNCH_SETSID "
					"(set it to sizeof)",
					opts->sz);
		if (opts->envp)
			la.envp = opts->envp;
		la.cwd = opts->cwd;
		la.search = !(opts->flags & PT_LAUNCH_NO_PATH_SEARCH);
		la.flags = opts->flags;
		if (opts->flags & PT_LAUNCH_STDIO)
			memcpy(la.stdio, opts->stdio, sizeof la.stdio);
		if (opts->flags & PT_LAUNCH_SETSID)
			la.tty = opts->tty;
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
	pt__lock(e);
	r = pt__proc_create(e, 0, &p);
	if (r == 0) {
		pt__engine_unhold(e);
		r = pt__engine_call(e, do_launch, p, &la);
	}
	if (r == 0)
		pt__wait_not_running(p, -1);
	pt__unlock(e);
	free(path_copy);

	if (r == 0 && p->state == PT_PROC_EXITED) {
		struct child_err ce = { 0, 0 };
		if (read(la.err_rfd, &ce, sizeof ce) != (ssize_t)sizeof ce)
			ce.err = 0;
		r = ce.err ? -ce.err : PT_EIO;
		static const char *const what[] = {
			[CHILD_STDIO] = "cannot set up the standard fds",
			[CHILD_SETSID] = "cannot start a new session",
			[CHILD_TTY] = "cannot make the tty the controlling terminal",
			[CHILD_PGRP] = "cannot start a new process group",
			[CHILD_PERSONALITY] = "cannot turn off address randomisation",
		};
		if (ce.err && ce.stage == CHILD_CHDIR)
			pt__fail(r, NULL, NULL, "launch",
				 "cannot change to directory %s: %s", la.cwd,
				 pt_strerror(r));
		else if (ce.err && ce.stage == CHILD_TTY)
			pt__fail(r, NULL, NULL, "launch",
				 "cannot make %s the controlling terminal: %s",
				 la.tty, pt_strerror(r));
		else if (ce.err && ce.stage > CHILD_CHDIR &&
			 ce.stage <= CHILD_PERSONALITY)
			pt__fail(r, NULL, NULL, "launch", "%s: %s",
				 what[ce.stage], pt_strerror(r));
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
			pt__proc_destroy(p);
		else
			pt__engine_free(e);
		return r;
	}
	PT__LOGD("process %d: launched %s", (int)p->pid, file);
	*out = p;
	return 0;
}
