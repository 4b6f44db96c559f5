/*
 * bench_run.c - run a command and time it from the outside, for the
 * untraced runs and the peers (gdb, lldb, python-ptrace, strace), which are
 * timed end to end.
 *
 *   bench_run [-i INFILE] [-o OUTFILE] COMMAND [ARGS...]
 *       Runs COMMAND with stdin from INFILE (default /dev/null) and stdout
 *       and stderr to OUTFILE (default /dev/null).  Prints
 *       "WALL_SECONDS USER_SECONDS SYS_SECONDS" (wall: fork to reaped; CPU:
 *       COMMAND and its reaped children, from wait4).  Exits with COMMAND's
 *       exit code (1 if it was killed).
 *   bench_run -c PID
 *       Checks that process PID is untraced and that none of its threads is
 *       stopped (after a peer detached from it); prints its thread count.
 */
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "common.h"

int main(int argc, char **argv)
{
	bench_prog = "bench_run";
	const char *in = "/dev/null", *out = "/dev/null";
	int i = 1;
	if (argc == 3 && strcmp(argv[1], "-c") == 0) {
		printf("%ld\n", bench_check_running((pid_t)atoi(argv[2])));
		return 0;
	}
	for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (strcmp(argv[i], "-i") == 0)
			in = argv[i + 1];
		else if (strcmp(argv[i], "-o") == 0)
			out = argv[i + 1];
		else
			break;
	}
	if (i >= argc)
		bench_die("usage: bench_run [-i INFILE] [-o OUTFILE] COMMAND [ARGS...]");

	double t0 = bench_now();
	pid_t pid = fork();
	if (pid < 0)
		bench_die("fork: %s", strerror(errno));
	if (pid == 0) {
		int fi = open(in, O_RDONLY | O_CLOEXEC);
		int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fi < 0 || fo < 0 || dup2(fi, 0) < 0 || dup2(fo, 1) < 0 ||
		    dup2(fo, 2) < 0)
			_exit(126);
		execvp(argv[i], argv + i);
		_exit(127);
	}
	int st;
	struct rusage ru;
	while (wait4(pid, &st, 0, &ru) < 0)
		if (errno != EINTR)
			bench_die("wait4: %s", strerror(errno));
	double wall = bench_now() - t0;
	printf("%.6f %.6f %.6f\n", wall,
	       (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6,
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6);
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 1;
}
