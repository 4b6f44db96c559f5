/*
 * raw_attach.c - the floor for attach-and-stop: bare ptrace(2).
 *
 *   raw_attach PID
 *
 * Does the least a correct all-stop tracer must do to take hold of a running
 * multi-threaded process and let it go again:
 *
 *   attach: list /proc/PID/task, PTRACE_SEIZE + PTRACE_INTERRUPT each task
 *           not seen yet, and list again until a pass finds no new task;
 *           then waitpid(-1, __WALL) until every seized task has reported
 *           its interrupt-stop (PTRACE_EVENT_STOP)
 *   detach: PTRACE_DETACH each task
 *
 * and prints "TASKS ATTACH_MS DETACH_MS".  Then (untimed) it checks that
 * the process is left running: no task in a stop, TracerPid 0.  No
 * proctrace here: bench/pt_attach.c does the same through the library.
 */
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include "common.h"

struct task {
	pid_t tid;
	int stopped; /* its interrupt-stop was seen */
	int sig;     /* a signal it stopped with meanwhile, given back */
	int gone;
};

static struct task *tasks;
static size_t ntasks, cap;
static struct tidtab known;

static void add_task(pid_t tid)
{
	if (ntasks == cap) {
		cap = cap ? cap * 2 : 1024;
		tasks = realloc(tasks, cap * sizeof *tasks);
		if (!tasks)
			bench_die("out of memory");
	}
	tasks[ntasks] = (struct task){ .tid = tid };
	tidtab_put(&known, tid, (int)ntasks);
	ntasks++;
}

int main(int argc, char **argv)
{
	bench_prog = "raw_attach";
	if (argc != 2) {
		fprintf(stderr, "usage: raw_attach PID\n");
		return 2;
	}
	pid_t pid = (pid_t)atoi(argv[1]);
	char dir[64];
	snprintf(dir, sizeof dir, "/proc/%d/task", (int)pid);

	double t0 = bench_now();
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
			if (ptrace(PTRACE_SEIZE, tid, NULL, NULL) < 0) {
				if (errno == ESRCH)
					continue; /* gone meanwhile */
				bench_die("PTRACE_SEIZE %d: %s", (int)tid,
					  strerror(errno));
			}
			add_task(tid);
			if (ptrace(PTRACE_INTERRUPT, tid, NULL, NULL) < 0)
				bench_die("PTRACE_INTERRUPT %d: %s", (int)tid,
					  strerror(errno));
			again = 1;
		}
		closedir(d);
	}
	size_t waiting = ntasks;
	while (waiting > 0) {
		int st;
		pid_t w = waitpid(-1, &st, __WALL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			bench_die("waitpid: %s", strerror(errno));
		}
		int i = tidtab_get(&known, w);
		if (i < 0)
			bench_die("wait status 0x%x of unknown task %d", st,
				  (int)w);
		struct task *t = &tasks[i];
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			t->gone = 1;
			waiting--;
		} else if (WIFSTOPPED(st) && (st >> 16) == PTRACE_EVENT_STOP) {
			t->stopped = 1;
			waiting--;
		} else if (WIFSTOPPED(st)) {
			/* A signal came first: keep it for the detach and
			 * wait for the interrupt-stop, which follows. */
			t->sig = WSTOPSIG(st);
			if (ptrace(PTRACE_CONT, w, NULL, NULL) < 0)
				bench_die("PTRACE_CONT %d: %s", (int)w,
					  strerror(errno));
		}
	}
	double t1 = bench_now();
	for (size_t i = 0; i < ntasks; i++) {
		if (tasks[i].gone)
			continue;
		if (ptrace(PTRACE_DETACH, tasks[i].tid, NULL,
			   (void *)(intptr_t)tasks[i].sig) < 0 &&
		    errno != ESRCH)
			bench_die("PTRACE_DETACH %d: %s", (int)tasks[i].tid,
				  strerror(errno));
	}
	double t2 = bench_now();

	bench_check_running(pid);
	printf("%zu %.3f %.3f\n", ntasks, (t1 - t0) * 1e3, (t2 - t1) * 1e3);
	return 0;
}
