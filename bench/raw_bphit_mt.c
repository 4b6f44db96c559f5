/*
 * raw_bphit_mt.c - the floor for many threads hitting one breakpoint:
 * a minimal all-stop tracer on bare ptrace(2).
 *
 *   raw_bphit_mt ADDRESS PROGRAM THREADS CALLS
 *
 * Starts PROGRAM THREADS CALLS (targets/mtloop.c: THREADS workers, each
 * calling the function at ADDRESS CALLS times once a byte arrives on its
 * stdin), waits for its "ready", attaches to every thread as raw_attach.c
 * does, puts an int3 at ADDRESS and resumes all.  Timed from opening the
 * gate to the exit of the process:
 *
 *   waitpid(-1, __WALL) until a thread reports SIGTRAP with rip-1 at the
 *   breakpoint (a hit: rip -= 1 with GETREGS/SETREGS);
 *   stop every other running thread with PTRACE_INTERRUPT and collect one
 *   stop from each (waitpid(-1, __WALL)): its interrupt-stop, or a hit of
 *   its own (counted and rewound the same way; its interrupt then stays
 *   pending in the kernel), or its exit;
 *   for each thread on the breakpoint: restore the original byte,
 *   PTRACE_SINGLESTEP, waitpid, put the int3 back;
 *   PTRACE_CONT every stopped thread.
 *
 * An interrupt that crossed a hit is reported as a PTRACE_EVENT_STOP after
 * the next resume: a stop of a thread believed running, answered with
 * PTRACE_CONT (or, during a step-over, by stepping again).  PTRACE_INTERRUPT
 * rather than tgkill(SIGSTOP): an interrupt-stop is never confused with a
 * signal, and a crossed one is one flag, not a queued signal to filter out.
 *
 * Checks that it counted exactly THREADS * CALLS hits and that PROGRAM
 * exited 0, then prints "HITS SECONDS HITS_PER_SECOND STOPS" (STOPS: the
 * number of all-stops).  No proctrace here: pt_bphit_mt.c does the same
 * through the library.
 */
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>

#include "common.h"

enum tstate { T_RUNNING, T_STOPPING, T_STOPPED, T_GONE };

struct thr {
	pid_t tid;
	enum tstate st;
	int irq;    /* an interrupt we sent has not been reported yet */
	int at_bp;  /* stopped on the breakpoint (rewound), to step over */
	int sig;    /* signal to deliver on resume */
};

static pid_t child;
static struct thr *thr;
static size_t nthr;
static struct tidtab known;
static uintptr_t bp;
static long orig_word, trap_word;
static long hits, stops;
static int leader_status = -1;

static void kill_child(void)
{
	if (child > 0)
		kill(child, SIGKILL);
}

static void xptrace(enum __ptrace_request req, pid_t tid, void *addr,
		    void *data, const char *what)
{
	if (ptrace(req, tid, addr, data) < 0)
		bench_die("%s %d: %s", what, (int)tid, strerror(errno));
}

static struct thr *lookup(pid_t tid)
{
	int i = tidtab_get(&known, tid);
	if (i < 0)
		bench_die("wait event of unknown task %d", (int)tid);
	return &thr[i];
}

static pid_t xwait(pid_t which, int *st)
{
	for (;;) {
		pid_t w = waitpid(which, st, __WALL);
		if (w > 0)
			return w;
		if (errno != EINTR)
			bench_die("waitpid: %s", strerror(errno));
	}
}

static void mark_gone(struct thr *t, int st)
{
	t->st = T_GONE;
	if (t->tid == child)
		leader_status = st;
}

/* A SIGTRAP stop: if it is a hit of our breakpoint, count it, rewind the
 * thread onto the breakpoint address and return 1. */
static int take_hit(struct thr *t)
{
	struct user_regs_struct regs;
	xptrace(PTRACE_GETREGS, t->tid, NULL, &regs, "PTRACE_GETREGS");
	if (regs.rip - 1 != bp)
		return 0;
	regs.rip = bp;
	xptrace(PTRACE_SETREGS, t->tid, NULL, &regs, "PTRACE_SETREGS");
	t->at_bp = 1;
	hits++;
	return 1;
}

static void step_over(struct thr *t)
{
	xptrace(PTRACE_POKETEXT, t->tid, (void *)bp, (void *)orig_word,
		"restore the byte");
	for (;;) {
		int st;
		xptrace(PTRACE_SINGLESTEP, t->tid, NULL, NULL,
			"PTRACE_SINGLESTEP");
		xwait(t->tid, &st);
		if (WIFSTOPPED(st) && (st >> 16) == PTRACE_EVENT_STOP) {
			t->irq = 0; /* a crossed interrupt: step again */
			continue;
		}
		if (!WIFSTOPPED(st) || WSTOPSIG(st) != SIGTRAP)
			bench_die("thread %d: step: wait status 0x%x",
				  (int)t->tid, st);
		break;
	}
	xptrace(PTRACE_POKETEXT, t->tid, (void *)bp, (void *)trap_word,
		"re-insert int3");
	t->at_bp = 0;
}

/* first has hit the breakpoint: stop the others, step every thread on the
 * breakpoint over it, resume all. */
static void all_stop(struct thr *first)
{
	stops++;
	first->st = T_STOPPED;
	size_t pending = 0;
	for (size_t i = 0; i < nthr; i++) {
		struct thr *t = &thr[i];
		if (t->st != T_RUNNING)
			continue;
		xptrace(PTRACE_INTERRUPT, t->tid, NULL, NULL,
			"PTRACE_INTERRUPT");
		t->irq = 1;
		t->st = T_STOPPING;
		pending++;
	}
	while (pending > 0) {
		int st;
		struct thr *t = lookup(xwait(-1, &st));
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			if (t->st == T_STOPPING)
				pending--;
			mark_gone(t, st);
			continue;
		}
		if (t->st != T_STOPPING)
			bench_die("thread %d: stop 0x%x while not stopping",
				  (int)t->tid, st);
		if ((st >> 16) == PTRACE_EVENT_STOP)
			t->irq = 0;
		else if (WSTOPSIG(st) != SIGTRAP || !take_hit(t))
			t->sig = WSTOPSIG(st); /* not ours: deliver it */
		t->st = T_STOPPED;
		pending--;
	}
	for (size_t i = 0; i < nthr; i++)
		if (thr[i].st == T_STOPPED && thr[i].at_bp)
			step_over(&thr[i]);
	for (size_t i = 0; i < nthr; i++) {
		struct thr *t = &thr[i];
		if (t->st != T_STOPPED)
			continue;
		xptrace(PTRACE_CONT, t->tid, NULL, (void *)(intptr_t)t->sig,
			"PTRACE_CONT");
		t->sig = 0;
		t->st = T_RUNNING;
	}
}

/* Seize and stop every task, as raw_attach.c does. */
static void attach_all(void)
{
	char dir[64];
	snprintf(dir, sizeof dir, "/proc/%d/task", (int)child);
	size_t cap = 0;
	for (int again = 1; again;) {
		again = 0;
		DIR *d = opendir(dir);
		if (!d)
			bench_die("%s: %s", dir, strerror(errno));
		struct dirent *de;
		while ((de = readdir(d))) {
			pid_t tid = (pid_t)atoi(de->d_name);
			if (tid <= 0 || tidtab_get(&known, tid) >= 0)
				continue;
			xptrace(PTRACE_SEIZE, tid, NULL,
				(void *)(long)PTRACE_O_EXITKILL, "PTRACE_SEIZE");
			xptrace(PTRACE_INTERRUPT, tid, NULL, NULL,
				"PTRACE_INTERRUPT");
			if (nthr == cap) {
				cap = cap ? cap * 2 : 128;
				thr = realloc(thr, cap * sizeof *thr);
				if (!thr)
					bench_die("out of memory");
			}
			thr[nthr] = (struct thr){ .tid = tid, .st = T_STOPPING };
			tidtab_put(&known, tid, (int)nthr);
			nthr++;
			again = 1;
		}
		closedir(d);
	}
	for (size_t pending = nthr; pending > 0;) {
		int st;
		struct thr *t = lookup(xwait(-1, &st));
		if (!WIFSTOPPED(st) || (st >> 16) != PTRACE_EVENT_STOP)
			bench_die("attach: thread %d: wait status 0x%x",
				  (int)t->tid, st);
		t->st = T_STOPPED;
		pending--;
	}
}

int main(int argc, char **argv)
{
	bench_prog = "raw_bphit_mt";
	if (argc != 5) {
		fprintf(stderr,
			"usage: raw_bphit_mt ADDRESS PROGRAM THREADS CALLS\n");
		return 2;
	}
	bp = (uintptr_t)strtoull(argv[1], NULL, 16);
	long expect = atol(argv[3]) * atol(argv[4]);
	int in_fd, out_fd;
	child = bench_spawn(argv + 2, &in_fd, &out_fd);
	atexit(kill_child);
	bench_wait_ready(out_fd);

	attach_all();
	errno = 0;
	orig_word = ptrace(PTRACE_PEEKTEXT, child, (void *)bp, NULL);
	if (errno)
		bench_die("PTRACE_PEEKTEXT: %s", strerror(errno));
	trap_word = (long)(((unsigned long)orig_word & ~0xfful) | 0xcc);
	xptrace(PTRACE_POKETEXT, child, (void *)bp, (void *)trap_word,
		"insert int3");
	for (size_t i = 0; i < nthr; i++) {
		xptrace(PTRACE_CONT, thr[i].tid, NULL, NULL, "PTRACE_CONT");
		thr[i].st = T_RUNNING;
	}

	double t0 = bench_now();
	if (write(in_fd, "g", 1) != 1)
		bench_die("cannot open the gate: %s", strerror(errno));
	while (leader_status == -1) {
		int st;
		struct thr *t = lookup(xwait(-1, &st));
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			mark_gone(t, st);
			continue;
		}
		if ((st >> 16) == PTRACE_EVENT_STOP) {
			/* the interrupt that crossed a hit: run on */
			t->irq = 0;
			xptrace(PTRACE_CONT, t->tid, NULL, NULL, "PTRACE_CONT");
			continue;
		}
		if (WSTOPSIG(st) == SIGTRAP && take_hit(t)) {
			all_stop(t);
			continue;
		}
		xptrace(PTRACE_CONT, t->tid, NULL,
			(void *)(intptr_t)WSTOPSIG(st), "PTRACE_CONT");
	}
	double secs = bench_now() - t0;
	child = 0; /* reaped */

	if (!WIFEXITED(leader_status) || WEXITSTATUS(leader_status) != 0)
		bench_die("target ended with wait status 0x%x", leader_status);
	if (hits != expect)
		bench_die("counted %ld hits, expected %ld", hits, expect);
	printf("%ld %.6f %.1f %ld\n", hits, secs, (double)hits / secs, stops);
	return 0;
}
