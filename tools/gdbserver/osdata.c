/*
 * osdata.c - qXfer:osdata:read: what gdb's "info os" shows, read from
 * /proc (not from the library: these are facts of the host, not of the
 * traced process).
 *
 * Annex "" lists the types served; "processes" lists every process: pid,
 * user, command line, and the cores its threads last ran on.  Other types
 * (gdbserver also has cpus, files, modules, msg, procgroups, semaphores,
 * shm, sockets, threads) are unknown: the caller replies E.
 */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server.h"

static void column(struct gs_out *o, const char *name, const char *text)
{
	gs_out_fmt(o, "<column name=\"%s\">", name);
	gs_out_xml(o, text);
	gs_out_str(o, "</column>");
}

/* The whole of a small /proc file, NUL-terminated; its length in *n. */
static char *slurp(const char *path, size_t *n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap + 1);
	while (buf) {
		ssize_t r = read(fd, buf + len, cap - len);
		if (r <= 0)
			break;
		len += (size_t)r;
		if (len == cap) {
			char *nb = cap < (1u << 20) ? realloc(buf, 2 * cap + 1)
						    : NULL;
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
	}
	close(fd);
	if (buf) {
		buf[len] = 0;
		*n = len;
	}
	return buf;
}

/* The core a thread last ran on: field 39 of /proc/PID/task/TID/stat. */
static int thread_core(long pid, long tid)
{
	char path[96];
	size_t n;
	snprintf(path, sizeof path, "/proc/%ld/task/%ld/stat", pid, tid);
	char *st = slurp(path, &n);
	if (!st)
		return -1;
	const char *p = strrchr(st, ')'); /* the name may hold spaces */
	int field = 2, core = -1;
	for (; p && *p; p++)
		if (*p == ' ' && ++field == 39) {
			core = atoi(p + 1);
			break;
		}
	free(st);
	return core;
}

/* "0,1": the distinct cores of pid's threads, in the order met. */
static void cores_of(long pid, char *out, size_t len)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld/task", pid);
	out[0] = 0;
	DIR *d = opendir(path);
	if (!d)
		return;
	int seen[64];
	size_t nseen = 0, used = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		int c = thread_core(pid, atol(e->d_name));
		bool dup = c < 0;
		for (size_t i = 0; !dup && i < nseen; i++)
			dup = seen[i] == c;
		if (dup || nseen == sizeof seen / sizeof seen[0])
			continue;
		seen[nseen++] = c;
		int w = snprintf(out + used, len - used, "%s%d", used ? "," : "",
				 c);
		if (w < 0 || (size_t)w >= len - used)
			break;
		used += (size_t)w;
	}
	closedir(d);
}

static void process_item(struct gs_out *o, long pid)
{
	char path[64], user[64] = "?", cores[256], num[24];
	struct stat st;
	snprintf(path, sizeof path, "/proc/%ld", pid);
	if (stat(path, &st) < 0)
		return; /* gone meanwhile */
	struct passwd pw, *pwp = NULL;
	char pwbuf[1024];
	if (getpwuid_r(st.st_uid, &pw, pwbuf, sizeof pwbuf, &pwp) == 0 && pwp)
		snprintf(user, sizeof user, "%s", pw.pw_name);
	else
		snprintf(user, sizeof user, "%u", (unsigned)st.st_uid);
	size_t n = 0;
	snprintf(path, sizeof path, "/proc/%ld/cmdline", pid);
	char *cmd = slurp(path, &n);
	if (cmd)
		for (size_t i = 0; i + 1 < n; i++)
			if (cmd[i] == 0)
				cmd[i] = ' '; /* arguments, space-separated */
	cores_of(pid, cores, sizeof cores);
	gs_out_str(o, "<item>");
	snprintf(num, sizeof num, "%ld", pid);
	column(o, "pid", num);
	column(o, "user", user);
	column(o, "command", cmd ? cmd : "");
	column(o, "cores", cores);
	gs_out_str(o, "</item>\n");
	free(cmd);
}

static int by_number(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return (x > y) - (x < y);
}

static bool processes(struct gs_out *o)
{
	DIR *d = opendir("/proc");
	if (!d)
		return false;
	long *pids = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		if (n == cap) {
			long *np = realloc(pids, (cap ? 2 * cap : 256) * sizeof *np);
			if (!np)
				break;
			pids = np;
			cap = cap ? 2 * cap : 256;
		}
		pids[n++] = atol(e->d_name);
	}
	closedir(d);
	qsort(pids, n, sizeof *pids, by_number);
	gs_out_str(o, "<?xml version=\"1.0\"?>\n"
		      "<!DOCTYPE target SYSTEM \"osdata.dtd\">\n"
		      "<osdata type=\"processes\">\n");
	for (size_t i = 0; i < n; i++)
		process_item(o, pids[i]);
	free(pids);
	gs_out_str(o, "</osdata>\n");
	return true;
}

bool gs_osdata_xml(const char *annex, struct gs_out *o)
{
	if (strcmp(annex, "processes") == 0)
		return processes(o);
	if (*annex)
		return false;
	gs_out_str(o, "<?xml version=\"1.0\"?>\n"
		      "<!DOCTYPE target SYSTEM \"osdata.dtd\">\n"
		      "<osdata type=\"types\">\n<item>");
	column(o, "Type", "processes");
	column(o, "Description", "Listing of all processes");
	column(o, "Title", "Processes");
	gs_out_str(o, "</item>\n</osdata>\n");
	return true;
}
