/*
 * log.c - optional logging: a callback, or PROCTRACE_DEBUG=1 to stderr.
 * Off by default; nothing is ever printed unless asked for.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static pt_log_fn log_fn;
static void *log_user;
/* -1: not decided yet; otherwise the highest level logged (or -2: off). */
static int log_max = -1;
static bool log_stderr;

static void log_init(void)
{
	const char *e = getenv("PROCTRACE_DEBUG");
	if (e && *e && strcmp(e, "0") != 0) {
		log_stderr = true;
		log_max = PT_LOG_DEBUG;
	} else {
		log_max = -2;
	}
}

void pt_set_log(pt_log_fn fn, void *user, pt_log_level max)
{
	pthread_mutex_lock(&log_lock);
	log_fn = fn;
	log_user = user;
	if (fn) {
		log_stderr = false;
		__atomic_store_n(&log_max, (int)max, __ATOMIC_RELEASE);
	} else {
		log_init();
	}
	pthread_mutex_unlock(&log_lock);
}

bool pt__log_enabled(pt_log_level lvl)
{
	int m = __atomic_load_n(&log_max, __ATOMIC_ACQUIRE);
	if (m == -1) {
		pthread_mutex_lock(&log_lock);
		if (log_max == -1)
			log_init();
		m = log_max;
		pthread_mutex_unlock(&log_lock);
	}
	return (int)lvl <= m;
}

void pt__log(pt_log_level lvl, const char *fmt, ...)
{
	if (!pt__log_enabled(lvl))
		return;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&log_lock);
	if (log_fn)
		log_fn(lvl, msg, log_user);
	else if (log_stderr)
		fprintf(stderr, "proctrace[%ld]: %s\n", (long)syscall(SYS_gettid),
			msg);
	pthread_mutex_unlock(&log_lock);
}
