/*
 * procfs.c - every read of /proc the library makes, and its parsers: task
 * status (state, thread group, tracer, pending signals), task stat (state,
 * any numbered field), maps lines, and whole files of any size.  Each
 * parser is tested on known texts (tests/test-robust.c, procfs_parsers).
 */
#include <errno.h>
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

char *pt__procfs_slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		if (n + 1 >= cap) {
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				errno = ENOMEM;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			free(buf);
			buf = NULL;
			errno = e;
			break;
		}
		if (r == 0) {
			buf[n] = '\0';
			*len = n;
			break;
		}
		n += (size_t)r;
	}
	int e = errno;
	close(fd);
	errno = e;
	return buf;
}

long long pt__procfs_stat_field(const char *stat, int n)
{
	/* comm (field 2) may hold spaces and parentheses: count from the
	 * last ')' */
	const char *p = strrchr(stat, ')');
	if (!p || n < 3)
		return -1;
	p++;
	for (int f = 3; f <= n; f++) {
		while (*p == ' ')
			p++;
		if (!*p || *p == '\n')
			return -1;
		if (f == n) {
			if (f == 3)
				return (unsigned char)*p;
			char *end;
			long long v = strtoll(p, &end, 10);
			return end == p ? -1 : v;
		}
		while (*p && *p != ' ' && *p != '\n')
			p++;
	}
	return -1;
}

bool pt__procfs_maps_line(char *line, struct pt__maps_line *m)
{
	char *nl = strchr(line, '\n');
	if (nl)
		*nl = '\0';
	unsigned long long s, e, off, ino;
	unsigned maj, min;
	char perms[5];
	int used = 0;
	if (sscanf(line, "%llx-%llx %4s %llx %x:%x %llu%n", &s, &e, perms,
		   &off, &maj, &min, &ino, &used) != 7)
		return false;
	m->start = s;
	m->end = e;
	m->offset = off;
	m->inode = ino;
	m->dev_major = maj;
	m->dev_minor = min;
	memcpy(m->perms, perms, sizeof m->perms);
	const char *p = line + used;
	while (*p == ' ' || *p == '\t')
		p++;
	m->path = p;
	return true;
}
