/*
 * common.h - helpers shared by the benchmark tools: the clock, a tid table,
 * starting a target that says "ready", and checking that a detached
 * process is left running.  No ptrace and no proctrace in here: the raw
 * tracers and the proctrace ones include it alike.
 *
 * Everything is static: each tool is one .c file plus this header.
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

static const char *bench_prog = "bench";

__attribute__((format(printf, 1, 2), noreturn, unused)) static void
bench_die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s: ", bench_prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

__attribute__((unused)) static double bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time (user + system) of this whole process, all its threads: the
 * tracer thread of proctrace included. */
/* PT_BENCH_ON_TRACER=1: the pt_* tools run their timed loop inside
 * pt_call_on_tracer (run.sh's proctrace-ontracer rows). */
__attribute__((unused)) static int bench_on_tracer(void)
{
	const char *v = getenv("PT_BENCH_ON_TRACER");
	return v && *v == '1';
}

__attribute__((unused)) static double bench_cpu(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* ---- a tid -> slot table (open addressing, grows) ------------------------ */

struct tidtab {
	pid_t *keys; /* 0: empty */
	int *vals;
	size_t cap;  /* power of two */
	size_t count;
};

static size_t tidtab_slot(const struct tidtab *h, pid_t tid)
{
	return ((uint32_t)tid * 2654435761u) & (h->cap - 1);
}

/* The value stored for tid, or -1. */
__attribute__((unused)) static int tidtab_get(const struct tidtab *h,
					      pid_t tid)
{
	if (!h->cap)
		return -1;
	for (size_t i = tidtab_slot(h, tid);; i = (i + 1) & (h->cap - 1)) {
		if (h->keys[i] == tid)
			return h->vals[i];
		if (h->keys[i] == 0)
			return -1;
	}
}

__attribute__((unused)) static void tidtab_put(struct tidtab *h, pid_t tid,
					       int val)
{
	if ((h->count + 1) * 2 > h->cap) {
		struct tidtab n = { .cap = h->cap ? h->cap * 2 : 256 };
		n.keys = calloc(n.cap, sizeof *n.keys);
		n.vals = calloc(n.cap, sizeof *n.vals);
		if (!n.keys || !n.vals)
			bench_die("out of memory");
		for (size_t i = 0; i < h->cap; i++)
			if (h->keys[i])
				tidtab_put(&n, h->keys[i], h->vals[i]);
		free(h->keys);
		free(h->vals);
		*h = n;
	}
	size_t i = tidtab_slot(h, tid);
	while (h->keys[i] != 0 && h->keys[i] != tid)
		i = (i + 1) & (h->cap - 1);
	if (h->keys[i] == 0)
		h->count++;
	h->keys[i] = tid;
	h->vals[i] = val;
}

/* ---- targets ----------------------------------------------------------------- */

/* Read one line from fd (unbuffered, so nothing past it is consumed) and
 * check that it starts with "ready".  Dies on EOF. */
__attribute__((unused)) static void bench_wait_ready(int fd)
{
	char line[128];
	size_t n = 0;
	for (;;) {
		char c;
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			bench_die("target ended before it was ready");
		if (c == '\n')
			break;
		if (n + 1 < sizeof line)
			line[n++] = c;
	}
	line[n] = '\0';
	if (strncmp(line, "ready", 5) != 0)
		bench_die("target said \"%s\", not ready", line);
}

/* Fork and exec argv[0] (a path) with a pipe on its stdin (*in_fd: ours to
 * write) and one on its stdout (*out_fd: ours to read); return its pid. */
__attribute__((unused)) static pid_t bench_spawn(char *const argv[],
						 int *in_fd, int *out_fd)
{
	int in[2], out[2];
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
		bench_die("pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		bench_die("fork: %s", strerror(errno));
	if (pid == 0) {
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0)
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	*in_fd = in[1];
	*out_fd = out[0];
	return pid;
}

/* ---- after detach ---------------------------------------------------------------- */

/* State letter of /proc/PID/task/TID/stat, or 0 if it cannot be read. */
static char bench_task_state(pid_t pid, pid_t tid)
{
	char path[96], buf[512];
	snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)pid, (int)tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	const char *rp = strrchr(buf, ')');
	return rp && rp[1] && rp[2] ? rp[2] : 0;
}

static int bench_tracer_pid(pid_t pid)
{
	char path[64], buf[4096];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	const char *s = strstr(buf, "\nTracerPid:");
	return s ? atoi(s + 11) : -1;
}

/* After a detach: every task of pid must be untraced and out of any stop
 * ('t' tracing stop, 'T' stopped).  A task that was just let go may still
 * show its stop for an instant: retry for up to two seconds.  Returns the
 * number of tasks seen, or dies naming the culprit. */
__attribute__((unused)) static long bench_check_running(pid_t pid)
{
	char dir[64];
	snprintf(dir, sizeof dir, "/proc/%d/task", (int)pid);
	for (int attempt = 0;; attempt++) {
		const char *bad = NULL;
		pid_t badtid = 0;
		char st = 0;
		long tasks = 0;
		int tracer = bench_tracer_pid(pid);
		if (tracer != 0)
			bad = "still traced";
		DIR *d = opendir(dir);
		if (!d)
			bench_die("%s: %s", dir, strerror(errno));
		struct dirent *de;
		while (!bad && (de = readdir(d))) {
			pid_t tid = (pid_t)atoi(de->d_name);
			if (tid <= 0)
				continue;
			tasks++;
			st = bench_task_state(pid, tid);
			if (st == 't' || st == 'T') {
				bad = "left stopped";
				badtid = tid;
			}
		}
		closedir(d);
		if (!bad)
			return tasks;
		if (attempt >= 200)
			bench_die("process %d after detach: task %d %s "
				  "(state %c, TracerPid %d)",
				  (int)pid, (int)badtid, bad, st ? st : '?', tracer);
		usleep(10000);
	}
}

#endif
