/*
 * facts.c - the public calls that tell about a process and its threads
 * (pt_process_exe, pt_process_auxv, pt_process_maps, pt_thread_name,
 * pt_thread_core) and a stopped thread's siginfo (pt_thread_siginfo,
 * pt_thread_set_siginfo).
 *
 * /proc is read through a live thread: /proc/PID/exe, auxv and maps of a
 * process whose leader has exited (a zombie while other threads run) are
 * empty or unreadable, while /proc/TID/... of any live thread shows the
 * same address space.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <unistd.h>

#include "internal.h"
#include "procfs.h"

/* Lock held: a thread whose /proc entry shows the address space. */
static pid_t live_tid(const struct pt_process *p)
{
	const struct pt_thread *l = p->leader;
	if (l && !pt__tstate_is_gone(l->state) && l->state != PT__TS_EXITING)
		return l->tid;
	for (const struct pt_thread *t = p->live_head; t; t = t->live_next)
		if (!pt__tstate_is_gone(t->state) && t->state != PT__TS_EXITING)
			return t->tid;
	return p->pid;
}

/* Enter the API for a fact of p: 0 and *tid, or the failure (lock not
 * held on return either way). */
static int fact_tid(pt_process *p, const char *op, pid_t *tid)
{
	int r = pt__proc_enter(p, op);
	if (r < 0)
		return r;
	if (pt__proc_gone(p))
		r = pt__fail_state(p, NULL, op);
	else
		*tid = live_tid(p);
	pt__proc_leave(p);
	return r;
}

/* Enter the API for a fact of p read from /proc/TID/leaf: 0 and its path
 * in path[64]; or the failure, also PT_EINVAL if missing names an argument
 * the caller left NULL. */
static int fact_path(pt_process *p, const char *op, const char *leaf,
		     const char *missing, char *path)
{
	pid_t tid = 0;
	int r = fact_tid(p, op, &tid);
	if (r < 0)
		return r;
	if (missing)
		return pt__fail(PT_EINVAL, p, NULL, op, "%s is NULL", missing);
	snprintf(path, 64, "/proc/%d/%s", (int)tid, leaf);
	return 0;
}

/* The same, then the whole file in *data (malloc'd, *n bytes). */
static int fact_file(pt_process *p, const char *op, const char *leaf,
		     const char *missing, char **data, size_t *n)
{
	char path[64];
	int r = fact_path(p, op, leaf, missing, path);
	if (r < 0)
		return r;
	*data = pt__procfs_slurp(path, n);
	if (!*data)
		return pt__fail(-errno, p, NULL, op, "%s: %s", path,
				strerror(errno));
	return 0;
}

/* snprintf-style copy of s (n bytes) into buf[len]. */
static int copy_out(const char *s, size_t n, char *buf, size_t len)
{
	if (len > 0) {
		size_t c = n < len - 1 ? n : len - 1;
		memcpy(buf, s, c);
		buf[c] = '\0';
	}
	return n > INT_MAX ? INT_MAX : (int)n;
}

int pt_process_exe(pt_process *p, char *buf, size_t len)
{
	const char *op = "read the program's path";
	char path[64], target[PATH_MAX];
	int r = fact_path(p, op, "exe", !buf && len ? "buf" : NULL, path);
	if (r < 0)
		return r;
	ssize_t n = readlink(path, target, sizeof target);
	if (n < 0)
		return pt__fail(-errno, p, NULL, op, "%s: %s", path,
				strerror(errno));
	return copy_out(target, (size_t)n, buf, len);
}

int pt_process_auxv(pt_process *p, void *buf, size_t len)
{
	const char *op = "read the auxiliary vector";
	size_t n = 0;
	char *data = NULL;
	int r = fact_file(p, op, "auxv", !buf && len ? "buf" : NULL, &data, &n);
	if (r < 0)
		return r;
	if (len) /* buf may be NULL then */
		memcpy(buf, data, n < len ? n : len);
	free(data);
	return n > INT_MAX ? INT_MAX : (int)n;
}

int pt_process_maps(pt_process *p, int (*fn)(const pt_map *m, void *arg),
		    void *arg)
{
	const char *op = "read the memory map";
	size_t n = 0;
	char *data = NULL;
	int r = fact_file(p, op, "maps", fn ? NULL : "fn", &data, &n);
	if (r < 0)
		return r;
	r = 0;
	for (char *line = data; r == 0 && line && *line;) {
		char *next = strchr(line, '\n');
		if (next)
			next++;
		struct pt__maps_line ml;
		if (pt__procfs_maps_line(line, &ml)) {
			pt_map m = {
				.start = ml.start, .end = ml.end,
				.offset = ml.offset, .inode = ml.inode,
				.dev_major = ml.dev_major,
				.dev_minor = ml.dev_minor, .path = ml.path,
			};
			m.flags = (ml.perms[0] == 'r' ? PT_MAP_READ : 0) |
				  (ml.perms[1] == 'w' ? PT_MAP_WRITE : 0) |
				  (ml.perms[2] == 'x' ? PT_MAP_EXEC : 0) |
				  (ml.perms[3] == 's' ? PT_MAP_SHARED : 0);
			r = fn(&m, arg);
		}
		line = next;
	}
	free(data);
	return r;
}

/* Enter the API for a fact of t: 0 and pid, tid; or the failure (lock not
 * held on return either way). */
static int thread_fact(pt_thread *t, const char *op, pid_t *pid)
{
	int r = pt__thread_enter(t, op);
	if (r < 0)
		return r;
	if (pt__tstate_is_gone(t->state))
		r = pt__fail_state(t->proc, t, op);
	*pid = pt__thread_tgid(t);
	pt__thread_leave(t);
	return r;
}

int pt_thread_name(pt_thread *t, char *buf, size_t len)
{
	const char *op = "read the thread's name";
	pid_t pid;
	int r = thread_fact(t, op, &pid);
	if (r < 0)
		return r;
	if (!buf && len)
		return pt__fail(PT_EINVAL, t->proc, t, op, "buf is NULL");
	char path[80], name[64];
	snprintf(path, sizeof path, "/proc/%d/task/%d/comm", (int)pid,
		 (int)t->tid);
	FILE *f = fopen(path, "re");
	if (!f || !fgets(name, sizeof name, f)) {
		int e = errno ? errno : ESRCH;
		if (f)
			fclose(f);
		return pt__fail(-e, t->proc, t, op, "%s: %s", path,
				strerror(e));
	}
	fclose(f);
	name[strcspn(name, "\n")] = '\0';
	return copy_out(name, strlen(name), buf, len);
}

int pt_thread_core(pt_thread *t)
{
	const char *op = "read the thread's CPU";
	pid_t pid;
	int r = thread_fact(t, op, &pid);
	if (r < 0)
		return r;
	char path[80], stat[1024];
	snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)pid,
		 (int)t->tid);
	FILE *f = fopen(path, "re");
	size_t n = f ? fread(stat, 1, sizeof stat - 1, f) : 0;
	if (f)
		fclose(f);
	stat[n] = '\0';
	long long cpu = pt__procfs_stat_field(stat, 39); /* processor */
	if (cpu < 0 || cpu > INT_MAX)
		return pt__fail(n ? PT_EIO : PT_ESRCH, t->proc, t, op,
				"%s: %s", path,
				n ? "no processor field" : "cannot read it");
	return (int)cpu;
}

/* ---- siginfo ------------------------------------------------------------------ */

struct siginfo_req {
	struct pt_thread *t;
	siginfo_t *info;
	bool set;
};

/* ENGINE: the thread is in a signal-delivery-stop (checked under the
 * lock before). */
static int do_siginfo_req(struct pt__req *r)
{
	struct siginfo_req *q = r->arg;
	struct pt_thread *t = q->t;
	if (!pt__thread_stopped(t) || !t->sig_stop)
		return PT_ESTATE;
	long rc = pt__ptrace(q->set ? PTRACE_SETSIGINFO : PTRACE_GETSIGINFO, t,
			     NULL, q->info);
	if (rc < 0)
		return pt__thread_vanished(t, (int)rc, "siginfo");
	if (q->set)
		t->siginfo = *q->info;
	return 0;
}

static int siginfo_call(pt_thread *t, siginfo_t *info, bool set)
{
	const char *op = set ? "set siginfo" : "read siginfo";
	int r = pt__thread_enter(t, op);
	if (r < 0)
		return r;
	if (!info) {
		r = pt__fail(PT_EINVAL, t->proc, t, op, "no siginfo buffer");
	} else if (!pt__thread_stopped(t)) {
		r = pt__fail_state(t->proc, t, op);
	} else if (!t->sig_stop ||
		   (set && t->cause.kind != PT_STOP_SIGNAL)) {
		r = pt__fail(PT_EINVAL, t->proc, t, op,
			     "it is stopped for %s, with no signal %s",
			     pt_stop_kind_name(t->cause.kind),
			     set ? "to deliver" : "behind it");
	} else {
		struct siginfo_req q = { t, info, set };
		r = pt__engine_call(t->proc->eng, do_siginfo_req, t->proc, &q);
		if (r < 0)
			r = r == PT_ESTATE || r == -ESRCH
				    ? pt__fail_state(t->proc, t, op)
				    : pt__fail(r, t->proc, t, op, "%s",
					       pt_strerror(r));
	}
	pt__thread_leave(t);
	return r;
}

int pt_thread_siginfo(pt_thread *t, siginfo_t *out)
{
	return siginfo_call(t, out, false);
}

int pt_thread_set_siginfo(pt_thread *t, const siginfo_t *in)
{
	siginfo_t copy;
	if (in)
		copy = *in;
	return siginfo_call(t, in ? &copy : NULL, true);
}
