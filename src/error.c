/*
 * error.c - error codes, their descriptions, and the calling thread's last
 * error message.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define PT__ERRMSG_MAX 512

static _Thread_local char last_msg[PT__ERRMSG_MAX];

const char *pt_strerror(int err)
{
	switch (err) {
#define PT__ERR_DESC(name, value, desc)                                        \
	case value:                                                            \
		return desc;
		PT_ERROR_LIST(PT__ERR_DESC)
#undef PT__ERR_DESC
	case 0:
		return "success";
	}
	if (err < 0 && err > -4096) {
		const char *d = strerrordesc_np(-err);
		if (d)
			return d;
	}
	return "unknown error";
}

const char *pt_err_name(int err)
{
	switch (err) {
#define PT__ERR_NAME(name, value, desc)                                        \
	case value:                                                            \
		return #name;
		PT_ERROR_LIST(PT__ERR_NAME)
#undef PT__ERR_NAME
	case 0:
		return "PT_OK";
	}
	if (err < 0 && err > -4096) {
		const char *n = strerrorname_np(-err);
		if (n)
			return n;
	}
	return "PT_EUNKNOWN";
}

const char *pt_errmsg(void)
{
	return last_msg;
}

void pt__clear_error(void)
{
	last_msg[0] = '\0';
}

static int who(char *buf, size_t len, const struct pt_process *p,
	       const struct pt_thread *t)
{
	if (t)
		return snprintf(buf, len, "thread %d", (int)t->tid);
	if (p)
		return snprintf(buf, len, "process %d", (int)p->pid);
	return snprintf(buf, len, "proctrace");
}

int pt__fail(int err, const struct pt_process *p, const struct pt_thread *t,
	     const char *op, const char *fmt, ...)
{
	char *b = last_msg;
	size_t cap = sizeof last_msg;
	int n = who(b, cap, p, t);
	if (n < 0 || (size_t)n >= cap)
		return err;
	n += snprintf(b + n, cap - (size_t)n, ": %s: ", op);
	if ((size_t)n >= cap)
		return err;
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(b + n, cap - (size_t)n, fmt, ap);
		va_end(ap);
	} else {
		snprintf(b + n, cap - (size_t)n, "%s", pt_strerror(err));
	}
	pt__log(PT_LOG_INFO, "error %s: %s", pt_err_name(err), last_msg);
	return err;
}

int pt__fail_state(const struct pt_process *p, const struct pt_thread *t,
		   const char *op)
{
	if (t) {
		const char *s;
		switch (t->proc->resume_queued ? PT__TS_RUNNING : t->state) {
		case PT__TS_STOPPED:
			s = "stopped";
			break;
		case PT__TS_EXITING:	/* its exit was reported or it was
					 * killed: gone for the caller */
		case PT__TS_EXITED:
			return pt__fail(PT_EEXITED, p, t, op, "it has exited");
		case PT__TS_DETACHED:
			return pt__fail(PT_EDETACHED, p, t, op,
					"it has been detached");
		default:
			s = "running";
			break;
		}
		return pt__fail(PT_ESTATE, p, t, op, "it is %s", s);
	}
	switch (p->state) {
	case PT_PROC_EXITED:
		return pt__fail(PT_EEXITED, p, NULL, op, "it has exited");
	case PT_PROC_DETACHED:
		return pt__fail(PT_EDETACHED, p, NULL, op,
				"it has been detached");
	default:
		return pt__fail(PT_ESTATE, p, NULL, op, "it is %s",
				pt_proc_state_name(p->state));
	}
}

#ifdef PT_DEBUG
/* The debug build (make check-debug): a broken rule of internal.h is a
 * bug of ours; say where, and stop there. */
void pt__assert_fail(const char *what, const char *file, int line,
		     const char *func)
{
	fprintf(stderr, "proctrace: %s:%d: %s: rule broken: %s (thread %d)\n",
		file, line, func, what, (int)pt__gettid());
	abort();
}
#endif
