/*
 * raw_churn.c - the floor for thread churn: a minimal event follower.
 *
 *   raw_churn PROGRAM [ARGS...]
 *
 * Forks PROGRAM (targets/churn.c N), PTRACE_SEIZEs it before its execve with
 * TRACECLONE, TRACEEXIT, TRACEEXEC and EXITKILL, and follows every event:
 * waitpid(-1, __WALL), then PTRACE_CONT the thread that stopped (with its
 * signal, for a signal-delivery stop).  New threads are traced by the
 * kernel; their first stop is a PTRACE_EVENT_STOP.  Timed from the fork to
 * the exit of PROGRAM, which must exit 0.  Prints
 * "SECONDS CLONE_EVENTS EXIT_EVENTS".
 */
#include <errno.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include "common.h"

static pid_t child;

static void die(const char *what)
{
	int e = errno;
	if (child > 0)
		kill(child, SIGKILL);
	bench_die("%s: %s", what, strerror(e));
}

int main(int argc, char **argv)
{
	bench_prog = "raw_churn";
	if (argc < 2)
		bench_die("usage: raw_churn PROGRAM [ARGS...]");
	int go[2];
	if (pipe(go) < 0)
		die("pipe");

	double t0 = bench_now();
	child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		char c;
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(126);
		close(go[0]);
		execv(argv[1], argv + 1);
		_exit(127);
	}
	close(go[0]);
	long opts = PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXIT |
		    PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;
	if (ptrace(PTRACE_SEIZE, child, NULL, (void *)opts) < 0)
		die("PTRACE_SEIZE");
	if (write(go[1], "g", 1) != 1)
		die("write");
	close(go[1]);

	long clones = 0, exits = 0;
	int status = -1;
	for (;;) {
		int st;
		pid_t tid = waitpid(-1, &st, __WALL);
		if (tid < 0) {
			if (errno == EINTR)
				continue;
			die("waitpid");
		}
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			if (tid == child) {
				status = st;
				break;
			}
			continue;
		}
		int sig = WSTOPSIG(st), ev = st >> 16, deliver = 0;
		if (ev == PTRACE_EVENT_CLONE)
			clones++;
		else if (ev == PTRACE_EVENT_EXIT)
			exits++;
		else if (ev == 0 && sig != SIGTRAP)
			deliver = sig; /* a signal for the tracee */
		if (ptrace(PTRACE_CONT, tid, NULL, (void *)(long)deliver) < 0 &&
		    errno != ESRCH)
			die("PTRACE_CONT");
	}
	double secs = bench_now() - t0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		bench_die("%s ended with status 0x%x", argv[1], status);
	printf("%.6f %ld %ld\n", secs, clones, exits);
	return 0;
}
