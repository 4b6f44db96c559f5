/*
 * child.c - start target programs with their stdin and stdout on pipes, read
 * their output line by line with timeouts, and peek at /proc.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests.h"

#define MAX_ARGS 32

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void build_argv(char **argv, const char *name, const char *const *args)
{
	size_t n = 0;
	argv[n++] = (char *)name;
	for (; args != NULL && args[n - 1] != NULL; n++) {
		if (n + 1 >= MAX_ARGS)
			FAIL("too many target arguments");
		argv[n] = (char *)args[n - 1];
	}
	argv[n] = NULL;
}

static void io_init(struct child_io *io, int in_fd, int out_fd)
{
	memset(io, 0, sizeof *io);
	io->in_fd = in_fd;
	io->out_fd = out_fd;
}

void spawn_target(struct child_io *io, const char *name,
		  const char *const *args)
{
	char *argv[MAX_ARGS];
	build_argv(argv, name, args);
	const char *path = target_path(name);

	int in[2], out[2];
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
		FAIL("pipe2: %s", strerror(errno));
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		FAIL("fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		execv(path, argv);
		fprintf(stderr, "exec %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	io_init(io, in[1], out[0]);
	io->pid = pid;
}

int launch_target_opts(struct child_io *io, const char *file,
		       const char *const *argv, const struct pt_launch_opts *o,
		       pt_process **out)
{
	int in[2], outp[2];
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(outp, O_CLOEXEC) < 0)
		FAIL("pipe2: %s", strerror(errno));
	fflush(NULL);
	/* The tracee inherits our fds 0 and 1: point them at the pipes for
	 * the duration of pt_launch. */
	int saved0 = fcntl(0, F_DUPFD_CLOEXEC, 3);
	int saved1 = fcntl(1, F_DUPFD_CLOEXEC, 3);
	if (saved0 < 0 || saved1 < 0)
		FAIL("dup: %s", strerror(errno));
	dup2(in[0], 0);
	dup2(outp[1], 1);
	int r = pt_launch(file, (char *const *)argv, o, out);
	dup2(saved0, 0);
	dup2(saved1, 1);
	close(saved0);
	close(saved1);
	close(in[0]);
	close(outp[1]);
	io_init(io, in[1], outp[0]);
	if (r == 0 && *out != NULL)
		io->pid = pt_process_pid(*out);
	return r;
}

pt_process *launch_target(struct child_io *io, const char *name,
			  const char *const *args)
{
	char *argv[MAX_ARGS];
	build_argv(argv, name, args);
	pt_process *p = NULL;
	CHECK_OK(launch_target_opts(io, target_path(name),
				    (const char *const *)argv, NULL, &p));
	CHECK(p != NULL);
	return p;
}

int io_read_line(struct child_io *io, char *line, size_t cap, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	for (;;) {
		char *nl = memchr(io->buf, '\n', io->len);
		size_t take = 0;
		if (nl != NULL)
			take = (size_t)(nl - io->buf) + 1;
		else if (io->len == sizeof io->buf || (io->eof && io->len > 0))
			take = io->len;
		if (take > 0) {
			size_t n = nl != NULL ? take - 1 : take;
			if (n >= cap)
				n = cap - 1;
			memcpy(line, io->buf, n);
			line[n] = '\0';
			memmove(io->buf, io->buf + take, io->len - take);
			io->len -= take;
			return 1;
		}
		if (io->eof)
			return 0;

		long long left = deadline - now_ms();
		if (left < 0)
			return -1;
		struct pollfd pfd = {.fd = io->out_fd, .events = POLLIN};
		int pr = poll(&pfd, 1, (int)left);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0)
			FAIL("poll: %s", strerror(errno));
		if (pr == 0)
			return -1;
		ssize_t r = read(io->out_fd, io->buf + io->len,
				 sizeof io->buf - io->len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			FAIL("read target output: %s", strerror(errno));
		if (r == 0)
			io->eof = true;
		io->len += (size_t)r;
	}
}

void io_expect_line(struct child_io *io, const char *want)
{
	char line[1024];
	int r = io_read_line(io, line, sizeof line, WAIT_MS);
	if (r < 0)
		FAIL("target printed nothing in %d ms (expected \"%s\")",
		     WAIT_MS, want);
	if (r == 0)
		FAIL("target output ended (expected \"%s\")", want);
	if (strcmp(line, want) != 0)
		FAIL("target printed \"%s\", expected \"%s\"", line, want);
}

void io_expect_line_eventually(struct child_io *io, const char *want)
{
	char line[1024];
	for (;;) {
		int r = io_read_line(io, line, sizeof line, WAIT_MS);
		if (r < 0)
			FAIL("no line \"%s\" from the target within %d ms",
			     want, WAIT_MS);
		if (r == 0)
			FAIL("target output ended without \"%s\"", want);
		if (strcmp(line, want) == 0)
			return;
	}
}

const char *io_read_all(struct child_io *io, int timeout_ms)
{
	static char all[65536];
	size_t len = 0;
	char line[1024];
	for (;;) {
		int r = io_read_line(io, line, sizeof line, timeout_ms);
		if (r < 0)
			FAIL("target output did not end within %d ms (so far: "
			     "\"%.*s\")",
			     timeout_ms, (int)len, all);
		if (r == 0)
			break;
		size_t n = strlen(line);
		if (len + n + 2 < sizeof all) {
			memcpy(all + len, line, n);
			len += n;
			all[len++] = '\n';
		}
	}
	all[len] = '\0';
	return all;
}

void io_write(struct child_io *io, const char *text)
{
	size_t n = strlen(text);
	while (n > 0) {
		ssize_t w = write(io->in_fd, text, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			FAIL("write to target stdin: %s", strerror(errno));
		text += w;
		n -= (size_t)w;
	}
}

void io_close_stdin(struct child_io *io)
{
	if (io->in_fd >= 0)
		close(io->in_fd);
	io->in_fd = -1;
}

void io_close(struct child_io *io)
{
	io_close_stdin(io);
	if (io->out_fd >= 0)
		close(io->out_fd);
	io->out_fd = -1;
}

int io_reap(struct child_io *io, int timeout_ms)
{
	int pidfd = (int)syscall(SYS_pidfd_open, io->pid, 0);
	if (pidfd < 0)
		FAIL("pidfd_open(%d): %s", (int)io->pid, strerror(errno));
	struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
	int pr;
	do
		pr = poll(&pfd, 1, timeout_ms);
	while (pr < 0 && errno == EINTR);
	close(pidfd);
	if (pr == 0)
		FAIL("process %d did not end within %d ms (state '%c')",
		     (int)io->pid, timeout_ms, proc_state(io->pid));
	int status;
	pid_t r;
	do
		r = waitpid(io->pid, &status, 0);
	while (r < 0 && errno == EINTR);
	if (r != io->pid)
		FAIL("waitpid(%d): %s", (int)io->pid, strerror(errno));
	return status;
}

static int read_file(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, cap - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

static char stat_state(const char *path)
{
	char buf[1024];
	if (read_file(path, buf, sizeof buf) < 0)
		return 0;
	char *p = strrchr(buf, ')');
	if (p == NULL || p[1] != ' ')
		return 0;
	return p[2];
}

char proc_state(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	return stat_state(path);
}

char task_state(pid_t pid, pid_t tid)
{
	char path[96];
	snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)pid,
		 (int)tid);
	return stat_state(path);
}

bool wait_in_syscall(pid_t pid, long nr, int timeout_ms)
{
	char path[64], buf[256];
	snprintf(path, sizeof path, "/proc/%d/syscall", (int)pid);
	long long deadline = now_ms() + timeout_ms;
	do {
		/* "NR arg1 ... sp pc" while blocked, "running" otherwise */
		if (read_file(path, buf, sizeof buf) == 0 &&
		    buf[0] >= '0' && buf[0] <= '9' && strtol(buf, NULL, 10) == nr)
			return true;
		sched_yield();
	} while (now_ms() < deadline);
	return false;
}

pid_t proc_tracer(pid_t pid)
{
	char path[64], buf[4096];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if (read_file(path, buf, sizeof buf) < 0)
		return -1;
	char *p = strstr(buf, "\nTracerPid:");
	if (p == NULL)
		return -1;
	return (pid_t)strtol(p + strlen("\nTracerPid:"), NULL, 10);
}

ssize_t proc_mem_read(int fd, uint64_t addr, void *buf, size_t len)
{
	return pread(fd, buf, len, (off_t)addr);
}

int count_children(void)
{
	DIR *d = opendir("/proc");
	if (d == NULL)
		FAIL("opendir /proc: %s", strerror(errno));
	int n = 0;
	pid_t me = getpid();
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		char path[300], buf[1024];
		snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
		if (read_file(path, buf, sizeof buf) < 0)
			continue;
		char *p = strrchr(buf, ')');
		int ppid;
		char state;
		if (p == NULL || sscanf(p + 1, " %c %d", &state, &ppid) != 2 ||
		    ppid != me)
			continue;
		/* Field 38, the exit signal: 0 for helper tasks cloned
		 * without SIGCHLD (proctrace may have such); a forked
		 * program has SIGCHLD. */
		char *f = p + 1;
		for (int field = 3; field < 38 && f != NULL; field++)
			f = strchr(f + 1, ' ');
		if (f != NULL && atoi(f + 1) == 0)
			continue;
		n++;
	}
	closedir(d);
	return n;
}

const char *pipe_writers(int fd)
{
	static char out[1024];
	struct stat st;
	size_t len = 0;
	out[0] = '\0';
	if (fstat(fd, &st) < 0)
		return "?";
	char want[64];
	snprintf(want, sizeof want, "pipe:[%lu]", (unsigned long)st.st_ino);
	DIR *d = opendir("/proc");
	if (d == NULL)
		return "?";
	pid_t me = getpid();
	struct dirent *e;
	while ((e = readdir(d)) != NULL && len < sizeof out - 100) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9' ||
		    atoi(e->d_name) == me)
			continue;
		char dir[300];
		snprintf(dir, sizeof dir, "/proc/%s/fd", e->d_name);
		DIR *fds = opendir(dir);
		if (fds == NULL)
			continue;
		struct dirent *f;
		bool holds = false;
		while (!holds && (f = readdir(fds)) != NULL) {
			char link[600], target[128];
			snprintf(link, sizeof link, "%s/%s", dir, f->d_name);
			ssize_t n = readlink(link, target, sizeof target - 1);
			if (n > 0) {
				target[n] = '\0';
				holds = strcmp(target, want) == 0;
			}
		}
		closedir(fds);
		if (!holds)
			continue;
		char path[300], stat[512], comm[64] = "?";
		int ppid = -1;
		snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
		if (read_file(path, stat, sizeof stat) == 0) {
			char *l = strchr(stat, '('), *r = strrchr(stat, ')');
			if (l && r && r > l) {
				snprintf(comm, sizeof comm, "%.*s",
					 (int)(r - l - 1), l + 1);
				sscanf(r + 1, " %*c %d", &ppid);
			}
		}
		len += (size_t)snprintf(out + len, sizeof out - len,
					"%spid %s (%s, parent %d)",
					len ? "; " : "", e->d_name, comm, ppid);
	}
	closedir(d);
	return len ? out : "nobody";
}
