/*
 * procfs.h - what the engine reads from /proc, parsed in one place.
 *
 * The text parsers take the file's contents, so they can be tested on known
 * texts; the readers open the file.  All of them fail soft: a task that is
 * gone gives false, 0 or -1, never an error the caller must report.
 */
#ifndef PT_PROCFS_H
#define PT_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* /proc/PID/task/TID/status into buf (NUL-terminated); false if gone. */
bool pt__procfs_read_status(pid_t pid, pid_t tid, char *buf, size_t sz);
/* The state letter of a status text ("State:\tZ (zombie)" -> 'Z'); 0 if
 * there is none. */
char pt__procfs_status_state(const char *status);
/* The number after "KEY:" in a status text; -1 if there is no such line. */
long pt__procfs_status_int(const char *status, const char *key);
/* Whether signal sig is in the task's own pending set (SigPnd). */
bool pt__procfs_status_sigpnd(const char *status, int sig);
/* Whether signal sig is pending for task tid alone (SigPnd of its status
 * file); false if it is gone. */
bool pt__procfs_sig_pending(pid_t pid, pid_t tid, int sig);
/* The state letter of a stat text ("PID (COMM) S ..."; COMM may hold
 * spaces and parentheses); 0 if malformed. */
char pt__procfs_stat_state(const char *stat);
/* The state letter of /proc/PID/task/TID/stat; 0 if gone. */
char pt__procfs_task_state(pid_t pid, pid_t tid);
/* The thread group of task tid (Tgid in /proc/TID/status); -1 if gone. */
pid_t pt__procfs_tgid(pid_t tid);
/* TracerPid of /proc/PID/status; -1 if gone. */
int pt__procfs_tracer_pid(pid_t pid);

/* The whole of a /proc file (any size) in a malloc'd, NUL-terminated
 * buffer (*len bytes, NUL not counted); NULL with errno set if it cannot be
 * read. */
char *pt__procfs_slurp(const char *path, size_t *len);
/* Field n (1-based, as proc(5) numbers them: 1 pid, 2 comm, 3 state...) of
 * a stat text, as a number; -1 if there is no such field. */
long long pt__procfs_stat_field(const char *stat, int n);
/* One line of /proc/PID/maps.  path points into the line (to "" if none)
 * and ends at the line's end, which is made a NUL.  False if malformed. */
struct pt__maps_line {
	uint64_t start, end, offset, inode;
	unsigned dev_major, dev_minor;
	char perms[5];
	const char *path;
};
bool pt__procfs_maps_line(char *line, struct pt__maps_line *m);

#endif
