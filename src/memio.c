/*
 * memio.c - reading and writing the tracee's memory, raw (no breakpoint
 * shadowing: that is memory.c).
 *
 * Reads: process_vm_readv first (one system call, no page cache games, works
 * while the tracee runs); what it could not read is retried through
 * /proc/PID/mem, which also gives the exact count up to the first
 * inaccessible byte; PTRACE_PEEKDATA is the last resort (on kernels or
 * containers without the other two).  Writes: /proc/PID/mem, which writes
 * read-only mappings such as program text the way ptrace does (FOLL_FORCE);
 * PTRACE_POKEDATA as the fallback.  The ptrace fallbacks need a stopped
 * thread and run on the tracer thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <unistd.h>

#include "internal.h"

#define WORD sizeof(long)


/* PROCTRACE_MEM_PATH forces a slower path, so that tests can prove each
 * fallback: "procmem" skips process_vm_readv, "ptrace" uses only
 * PTRACE_PEEKDATA/POKEDATA. */
static const char *forced_path(void)
{
	const char *s = getenv("PROCTRACE_MEM_PATH");
	return s ? s : "";
}

void pt__mem_init(struct pt_process *p)
{
	p->mem_fd = -1;
	const char *f = forced_path();
	p->vm_readv_broken = !strcmp(f, "procmem") || !strcmp(f, "ptrace");
}

int pt__mem_open(struct pt_process *p)
{
	if (!strcmp(forced_path(), "ptrace"))
		return PT_EACCES;
	/* A zombie leader has no memory: go through a live thread.  The fd
	 * keeps the address space, so it outlives that thread. */
	struct pt_thread *io = p->leader;
	if (!io || pt__tstate_is_gone(io->state)) {
		/* one of its own, not a clone child taken as a thread */
		io = p->live_head;
		for (struct pt_thread *t = p->live_head; t; t = t->live_next)
			if (!t->tgid) {
				io = t;
				break;
			}
	}
	p->io_thread = io;
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/mem", io ? (int)io->tid : (int)p->pid);
	p->mem_fd = open(path, O_RDWR | O_CLOEXEC);
	return p->mem_fd < 0 ? -errno : 0;
}

void pt__mem_close(struct pt_process *p)
{
	if (p->mem_fd >= 0)
		close(p->mem_fd);
	p->mem_fd = -1;
}

static struct pt_thread *some_stopped_thread(struct pt_process *p)
{
	if (p->event_thread_io)
		return p->event_thread_io;
	for (struct pt_thread *t = p->live_head; t; t = t->live_next)
		if (t->state == PT__TS_STOPPED)
			return t;
	return NULL;
}

struct peekpoke {
	uint64_t addr;
	uint8_t *buf;
	const uint8_t *wbuf;
	size_t len, done;
};

/* ENGINE: the word at base (aligned), or PT_EFAULT. */
static int peek_word(const struct pt_thread *t, uint64_t base, long *w)
{
	errno = 0;
	*w = ptrace(PTRACE_PEEKDATA, t->tid, (void *)base, NULL);
	if (*w == -1 && errno)
		return errno == EIO ? PT_EFAULT : -errno;
	return 0;
}

/* The next piece of pp's transfer: its aligned word, the offset in it and
 * how many bytes of it. */
static uint64_t next_word(const struct peekpoke *pp, size_t *off, size_t *n)
{
	uint64_t a = pp->addr + pp->done;
	uint64_t base = a & ~(uint64_t)(WORD - 1);
	*off = a - base;
	*n = WORD - *off;
	if (*n > pp->len - pp->done)
		*n = pp->len - pp->done;
	return base;
}

/* ENGINE: word by word, PEEKDATA to read (pp->wbuf NULL), else POKEDATA
 * (read-modify-write at the edges). */
static int do_peekpoke(struct pt__req *r)
{
	struct peekpoke *pp = r->arg;
	struct pt_thread *t = some_stopped_thread(r->proc);
	if (!t)
		return PT_ESTATE;
	while (pp->done < pp->len) {
		size_t off, n;
		uint64_t base = next_word(pp, &off, &n);
		long w = 0;
		if (!pp->wbuf || n != WORD) {
			int e = peek_word(t, base, &w);
			if (e < 0)
				return e;
		}
		if (!pp->wbuf) {
			memcpy(pp->buf + pp->done, (char *)&w + off, n);
		} else {
			memcpy((char *)&w + off, pp->wbuf + pp->done, n);
			if (ptrace(PTRACE_POKEDATA, t->tid, (void *)base,
				   (void *)w) < 0)
				return errno == EIO ? PT_EFAULT : -errno;
		}
		pp->done += n;
	}
	return 0;
}

static int via_ptrace(struct pt_process *p, int (*fn)(struct pt__req *),
		      struct peekpoke *pp)
{
	/* The tracer thread itself (lifting a breakpoint for a step-over,
	 * say) knows a thread is stopped; the application needs the whole
	 * process stopped. */
	if (pt__on_engine_thread(p->eng) && !p->mem_api) {
		struct pt__req r = { .proc = p, .arg = pp };
		return fn(&r);
	}
	if (p->state != PT_PROC_STOPPED || p->resume_queued)
		return PT_ESTATE;
	return pt__engine_call(p->eng, fn, p, pp);
}

int pt__mem_read_raw(struct pt_process *p, uint64_t addr, void *buf,
		     size_t len, size_t *done)
{
	size_t got = 0;
	int err = 0;
	*done = 0;
	if (len == 0)
		return 0;
	if (!p->vm_readv_broken) {
		struct iovec l = { buf, len };
		struct iovec r = { (void *)(uintptr_t)addr, len };
		pid_t io = p->io_thread ? p->io_thread->tid : p->pid;
		ssize_t n = process_vm_readv(io, &l, 1, &r, 1, 0);
		if (n > 0)
			got = (size_t)n;
		else if (n < 0 && (errno == ENOSYS || errno == EPERM))
			p->vm_readv_broken = true;
		/* ESRCH: that thread is gone; /proc/TID/mem still works */
		if (got == len) {
			*done = got;
			return 0;
		}
	}
	if (p->mem_fd >= 0 && err == 0) {
		while (got < len) {
			ssize_t n = pread(p->mem_fd, (char *)buf + got, len - got,
					  (off_t)(addr + got));
			if (n > 0) {
				got += (size_t)n;
				continue;
			}
			err = (n == 0 || errno == EIO || errno == EFAULT ||
			       errno == EINVAL) ? PT_EFAULT : -errno;
			break;
		}
	} else if (err == 0 && p->vm_readv_broken) {
		struct peekpoke pp = { .addr = addr + got,
				       .buf = (uint8_t *)buf + got,
				       .len = len - got };
		err = via_ptrace(p, do_peekpoke, &pp);
		got += pp.done;
	} else if (err == 0) {
		err = PT_EFAULT;
	}
	*done = got;
	return got == len ? 0 : (err ? err : PT_EFAULT);
}

int pt__mem_write_raw(struct pt_process *p, uint64_t addr, const void *buf,
		      size_t len, size_t *done)
{
	size_t put = 0;
	int err = 0;
	*done = 0;
	if (len == 0)
		return 0;
	if (p->mem_fd >= 0) {
		while (put < len) {
			ssize_t n = pwrite(p->mem_fd, (const char *)buf + put,
					   len - put, (off_t)(addr + put));
			if (n > 0) {
				put += (size_t)n;
				continue;
			}
			err = (n == 0 || errno == EIO || errno == EFAULT ||
			       errno == EINVAL) ? PT_EFAULT : -errno;
			break;
		}
	} else {
		struct peekpoke pp = { .addr = addr,
				       .wbuf = buf,
				       .len = len };
		err = via_ptrace(p, do_peekpoke, &pp);
		put = pp.done;
	}
	*done = put;
	return put == len ? 0 : (err ? err : PT_EFAULT);
}
