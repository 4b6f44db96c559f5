/*
 * threaddb.h - thread-local storage addresses through glibc's
 * libthread_db (threaddb.c): qGetTLSAddr and
 * `monitor set libthread-db-search-path`.
 */
#ifndef GS_THREADDB_H
#define GS_THREADDB_H

#include <proctrace.h>
#include <stddef.h>
#include <stdint.h>

/* The address of the thread-local variable at offset in the TLS block of
 * the module whose link_map is at lm, for thread tid of p (stopped), into
 * *addr.  0, or -1 with a reason in err (at most errlen bytes). */
int gs_tdb_tls_address(pt_process *p, pid_t tid, uint64_t offset,
		       uint64_t lm, uint64_t *addr, char *err, size_t errlen);

/* Replace the search path (colon-separated directories, "$sdir" the
 * system's default place, "$pdir" the directory of the program's thread
 * library); "" or NULL restores the default ("$pdir:$sdir").  Unloads the
 * libthread_db loaded so far; the next request loads one again. */
void gs_tdb_set_search_path(const char *path);
/* The search path as set. */
const char *gs_tdb_search_path(void);

#endif
