/*
 * test-mt-util.c - helpers for the multi-threading tests (see mt.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mt.h"

long long mt_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t mt_sym(const char *name)
{
	return sym(MT, name);
}

size_t mt_tasks(pid_t pid, pid_t *tids, size_t cap)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	if (d == NULL)
		return 0;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL && n < cap) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		tids[n++] = (pid_t)atoi(e->d_name);
	}
	closedir(d);
	return n;
}

static bool task_flags_match(pid_t pid, pid_t tid, unsigned long mask)
{
	char path[96], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)pid,
		 (int)tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return true;
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	if (p == NULL)
		return true;
	char state = 0;
	unsigned long flags = 0;
	/* state ppid pgrp session tty_nr tpgid flags */
	if (sscanf(p + 1, " %c %*d %*d %*d %*d %*d %lu", &state, &flags) != 2)
		return true;
	return state == 'Z' || state == 'X' || (flags & mask) != 0;
}

bool mt_task_exiting(pid_t pid, pid_t tid)
{
	return task_flags_match(pid, tid, 0x4); /* PF_EXITING */
}

bool mt_task_dying(pid_t pid, pid_t tid)
{
	return task_flags_match(pid, tid, 0x4 | 0x400); /* PF_SIGNALED */
}

char mt_wait_proc_state(pid_t pid, const char *states, int timeout_ms)
{
	long long deadline = mt_now_ms() + timeout_ms;
	for (;;) {
		char s = proc_state(pid);
		if (strchr(states, s == 0 ? '0' : s) != NULL)
			return s;
		if (mt_now_ms() > deadline)
			return s;
		sched_yield();
	}
}

pt_thread *mt_find(pt_thread **ts, size_t n, pid_t tid)
{
	for (size_t i = 0; i < n; i++)
		if (pt_thread_tid(ts[i]) == tid)
			return ts[i];
	return NULL;
}

pt_thread **mt_threads(pt_process *p, size_t *n)
{
	size_t cap = 64;
	for (;;) {
		pt_thread **ts = calloc(cap, sizeof *ts);
		CHECK(ts != NULL);
		size_t got = pt_process_threads(p, ts, cap);
		if (got <= cap) {
			*n = got;
			return ts;
		}
		free(ts);
		cap = got + 16;
	}
}

uint64_t mt_peek_u64(pid_t pid, uint64_t addr)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	CHECKF(fd >= 0, "open %s: %s", path, strerror(errno));
	uint64_t v = 0;
	ssize_t r = pread(fd, &v, sizeof v, (off_t)addr);
	close(fd);
	CHECKF(r == (ssize_t)sizeof v, "read %s at %#llx: %s", path,
	       (unsigned long long)addr, strerror(errno));
	return v;
}

int mt_wait(pt_process *p, int timeout_ms)
{
	int r = pt_wait(p, timeout_ms);
	if (r == PT_ETIMEDOUT)
		FAIL("process %d neither stopped nor exited within %d ms",
		     (int)pt_process_pid(p), timeout_ms);
	CHECK_OK(r);
	pt_proc_state st = pt_process_state(p);
	CHECKF(st == PT_PROC_STOPPED || st == PT_PROC_EXITED,
	       "after pt_wait: state %s", pt_proc_state_name(st));
	return st == PT_PROC_STOPPED;
}

int mt_continue_wait(pt_process *p)
{
	CHECK_OK(pt_continue(p));
	return mt_wait(p, WAIT_MS);
}

void mt_continue_to_line(pt_process *p, struct child_io *io, const char *want)
{
	int efd = CHECK_OK(pt_process_event_fd(p));
	if (pt_process_state(p) == PT_PROC_STOPPED)
		CHECK_OK(pt_continue(p));
	long long deadline = mt_now_ms() + WAIT_MS;
	char line[1024];
	for (;;) {
		int r = io_read_line(io, line, sizeof line, 0);
		if (r == 1) {
			CHECKF(strcmp(line, want) == 0,
			       "target printed \"%s\", expected \"%s\"", line,
			       want);
			return;
		}
		CHECKF(r != 0, "target output ended (expected \"%s\")", want);
		if (pt_wait(p, 0) == 0) {
			CHECKF(pt_process_state(p) == PT_PROC_STOPPED,
			       "process %s while waiting for \"%s\"",
			       pt_proc_state_name(pt_process_state(p)), want);
			pt_thread *t = pt_process_event_thread(p);
			CHECKF(t != NULL, "stopped without an event thread "
			       "while waiting for \"%s\"; threads: %s", want,
			       all_causes(p));
			pt_stop_cause c = cause_of(t);
			CHECKF(c.kind == PT_STOP_THREAD_CREATE ||
				       c.kind == PT_STOP_THREAD_EXIT,
			       "unexpected stop while waiting for \"%s\": %s",
			       want, cause_str(&c));
			CHECK_OK(pt_continue(p));
			continue;
		}
		long long left = deadline - mt_now_ms();
		CHECKF(left > 0, "no line \"%s\" within %d ms", want, WAIT_MS);
		struct pollfd pfd[2] = {{.fd = io->out_fd, .events = POLLIN},
					{.fd = efd, .events = POLLIN}};
		poll(pfd, 2, (int)left);
	}
}

void mt_check_after_exit(pt_process *p, int code, int sig, pt_thread **ts,
			 size_t n)
{
	int c2 = -2, s2 = -2;
	CHECK_EQ_INT(pt_process_state(p), PT_PROC_EXITED);
	CHECK_OK(pt_process_exit(p, &c2, &s2));
	CHECKF(c2 == code && s2 == sig,
	       "exit: status %d signal %d, expected status %d signal %d", c2,
	       s2, code, sig);
	/* Reported once: it stays exited, pt_wait returns at once. */
	long long t0 = mt_now_ms();
	CHECK_OK(pt_wait(p, WAIT_MS));
	CHECK_OK(pt_wait(p, 0));
	CHECK_OK(pt_wait(p, -1));
	CHECKF(mt_now_ms() - t0 < WAIT_MS / 2, "pt_wait on an exited process "
	       "took %lld ms", mt_now_ms() - t0);
	CHECK_EQ_INT(pt_process_state(p), PT_PROC_EXITED);
	int efd = CHECK_OK(pt_process_event_fd(p));
	struct pollfd pfd = {.fd = efd, .events = POLLIN};
	CHECKF(poll(&pfd, 1, 0) == 1, "event fd not readable after the exit");
	/* Every call that needs the tracee fails, and returns. */
	int r = pt_continue(p);
	CHECKF(r < 0, "pt_continue after the exit: %s", err_str(r));
	r = pt_stop(p);
	CHECKF(r < 0, "pt_stop after the exit: %s", err_str(r));
	for (size_t i = 0; i < n; i++) {
		r = pt_thread_step(ts[i]);
		CHECKF(r < 0, "pt_thread_step(%d) after the exit: %s",
		       (int)pt_thread_tid(ts[i]), err_str(r));
		r = pt_thread_set_signal(ts[i], SIGUSR1);
		CHECKF(r < 0, "pt_thread_set_signal(%d) after the exit: %s",
		       (int)pt_thread_tid(ts[i]), err_str(r));
	}
	r = pt_breakpoint_add(p, mt_sym("mt_hit"));
	CHECKF(r < 0, "pt_breakpoint_add after the exit: %s", err_str(r));
	(void)pt_kill(p); /* must return; the result does not matter */
	c2 = s2 = -2;
	CHECK_OK(pt_process_exit(p, &c2, &s2));
	CHECKF(c2 == code && s2 == sig,
	       "after more calls, exit: status %d signal %d, expected status "
	       "%d signal %d", c2, s2, code, sig);
	CHECK_EQ_INT(pt_process_state(p), PT_PROC_EXITED);
}

char mt_settle(pid_t pid, pid_t tid)
{
	long long deadline = mt_now_ms() + WAIT_MS;
	for (;;) {
		if (mt_task_exiting(pid, tid))
			return 'x';
		char st = task_state(pid, tid);
		if (st == 0 || st == 'Z' || st == 'X')
			return 'x'; /* (it exited since the look above) */
		if (st != 'R' || mt_now_ms() > deadline)
			return st;
		sched_yield();
	}
}
