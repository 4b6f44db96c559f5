/*
 * log.h - the library's logging (log.c): a callback set with
 * pt_set_log_callback, or PROCTRACE_DEBUG=1 to stderr; off by default.
 * Any module may use it, arch/ included (which must not include
 * internal.h).
 */
#ifndef PT_LOG_H
#define PT_LOG_H

#include <stdbool.h>

#include "proctrace.h"

void pt__log(pt_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
bool pt__log_enabled(pt_log_level lvl);
#define PT__LOGD(...)                                                          \
	do {                                                                   \
		if (pt__log_enabled(PT_LOG_DEBUG))                             \
			pt__log(PT_LOG_DEBUG, __VA_ARGS__);                    \
	} while (0)

#endif
