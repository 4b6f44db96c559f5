/*
 * procfs.c - the engine's reads of /proc: task status (state, thread
 * group, tracer, pending signals) and task stat (state).  One parser per
 * field, tested on known texts (tests/test-robust.c, procfs_parsers).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procfs.h"

static bool read_file(const char *path, char *buf, size_t sz)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sz - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return true;
}

bool pt__procfs_read_status(pid_t pid, pid_t tid, char *buf, size_t sz)
{
	char path[80];
	snprintf(path, sizeof path, "/proc/%d/task/%d/status", (int)pid,
		 (int)tid);
	return read_file(path, buf, sz);
}

/* The value of line "KEY:" (after its tab or spaces), or NULL. */
static const char *status_field(const char *status, const char *key)
{
	size_t klen = strlen(key);
	for (const char *line = status; line && *line;) {
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			const char *v = line + klen + 1;
			while (*v == '\t' || *v == ' ')
				v++;
			return v;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return NULL;
}

char pt__procfs_status_state(const char *status)
{
	const char *v = status_field(status, "State");
	return v && *v && *v != '\n' ? *v : 0;
}

long pt__procfs_status_int(const char *status, const char *key)
{
	const char *v = status_field(status, key);
	return v ? strtol(v, NULL, 10) : -1;
}

bool pt__procfs_status_sigpnd(const char *status, int sig)
{
	const char *v = status_field(status, "SigPnd");
	return v && sig >= 1 && sig <= 64 &&
	       (strtoull(v, NULL, 16) & (1ull << (sig - 1)));
}

char pt__procfs_stat_state(const char *stat)
{
	const char *rp = strrchr(stat, ')');
	return rp && rp[1] == ' ' && rp[2] ? rp[2] : 0;
}

char pt__procfs_task_state(pid_t pid, pid_t tid)
{
	char path[80], buf[512];
	snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)pid, (int)tid);
	return read_file(path, buf, sizeof buf) ? pt__procfs_stat_state(buf)
						: 0;
}

/* The number of line KEY of /proc/PID/status; -1 if gone. */
static long pid_status_int(pid_t pid, const char *key)
{
	char path[64], buf[2048];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	return read_file(path, buf, sizeof buf) ? pt__procfs_status_int(buf, key)
						: -1;
}

pid_t pt__procfs_tgid(pid_t tid)
{
	return (pid_t)pid_status_int(tid, "Tgid");
}

int pt__procfs_tracer_pid(pid_t pid)
{
	return (int)pid_status_int(pid, "TracerPid");
}

bool pt__procfs_sig_pending(pid_t pid, pid_t tid, int sig)
{
	char buf[2048];
	return pt__procfs_read_status(pid, tid, buf, sizeof buf) &&
	       pt__procfs_status_sigpnd(buf, sig);
}
