/*
 * memory.c - the public memory calls (pt_mem_read, pt_mem_write): raw
 * access (memio.c) with our breakpoints hidden: reads see the saved bytes,
 * writes over a breakpoint update its saved copy and keep the breakpoint.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"


/* ---- public API -------------------------------------------------------------- */

static int mem_precheck(pt_process *p, const void *buf, size_t len,
			const char *op)
{
	int r = pt__check_proc(p);
	if (r < 0)
		return pt__fail(r, NULL, NULL, op, "invalid process handle");
	if (!buf && len)
		return pt__fail(PT_EINVAL, p, NULL, op, "buffer is NULL");
	return 0;
}

static int mem_live(pt_process *p, const char *op)
{
	if (p->state == PT_PROC_EXITED || p->state == PT_PROC_DETACHED)
		return pt__fail_state(p, NULL, op);
	return 0;
}

int pt_mem_read(pt_process *p, uint64_t addr, void *buf, size_t len,
		size_t *done)
{
	size_t dummy;
	if (!done)
		done = &dummy;
	*done = 0;
	int r = mem_precheck(p, buf, len, "read memory");
	if (r < 0)
		return r;
	pt__lock(p->eng);
	pt__clear_error();
	r = mem_live(p, "cannot read memory");
	if (r == 0) {
		p->mem_api = true; /* may be on the tracer thread: pt_call_on_tracer */
		r = pt__mem_read_raw(p, addr, buf, len, done);
		p->mem_api = false;
		pt__bp_shadow(p, addr, buf, *done);
		if (r < 0)
			r = pt__fail(r, p, NULL, "read memory",
				     "%zu of %zu bytes at 0x%llx read: %s",
				     *done, len, (unsigned long long)addr,
				     pt_strerror(r));
	}
	pt__unlock(p->eng);
	return r;
}

/* pt_mem_write goes a chunk at a time, through a bounce buffer (with our
 * breakpoint bytes patched in) only where a breakpoint is: a write that
 * fails early reads no more of the caller's buffer than the kernel did,
 * and a huge one costs no huge copy. */
#define PT__WRITE_CHUNK ((size_t)64 << 10)

int pt_mem_write(pt_process *p, uint64_t addr, const void *buf, size_t len,
		 size_t *done)
{
	size_t dummy;
	if (!done)
		done = &dummy;
	*done = 0;
	int r = mem_precheck(p, buf, len, "write memory");
	if (r < 0)
		return r;
	uint8_t stackbuf[512];
	size_t cap = len < PT__WRITE_CHUNK ? len : PT__WRITE_CHUNK;
	uint8_t *tmp = cap <= sizeof stackbuf ? stackbuf : malloc(cap);
	if (!tmp)
		return pt__fail(PT_ENOMEM, p, NULL, "write memory", NULL);
	pt__lock(p->eng);
	pt__clear_error();
	r = mem_live(p, "cannot write memory");
	while (r == 0 && *done < len) {
		const uint8_t *src = (const uint8_t *)buf + *done;
		uint64_t at = addr + *done;
		size_t n = len - *done < cap ? len - *done : cap, wrote = 0;
		const uint8_t *out = src;
		if (pt__bp_any_in(p, at, n)) {
			/* Our breakpoint instructions stay in memory; the
			 * bytes written under them become their saved copies,
			 * but only where the write landed. */
			memcpy(tmp, src, n);
			pt__bp_absorb_write(p, at, NULL, tmp, n);
			out = tmp;
		}
		p->mem_api = true;
		r = pt__mem_write_raw(p, at, out, n, &wrote);
		p->mem_api = false;
		pt__bp_absorb_write(p, at, src, NULL, wrote);
		pt__bp_code_written(p, at, wrote);
		*done += wrote;
		if (r < 0)
			r = pt__fail(r, p, NULL, "write memory",
				     "%zu of %zu bytes at 0x%llx written: %s",
				     *done, len, (unsigned long long)addr,
				     pt_strerror(r));
	}
	pt__unlock(p->eng);
	if (tmp != stackbuf)
		free(tmp);
	return r;
}
