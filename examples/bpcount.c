/*
 * bpcount.c - count the calls of one function in a running program.
 *
 *   bpcount [-n N] PROGRAM FUNCTION [--] [ARGS...]   launch PROGRAM ARGS
 *   bpcount [-n N] -p PID FUNCTION                    attach to PID
 *   bpcount --help                                    the usage, on stdout
 *
 * The smallest complete proctrace tool: start or attach, find the function
 * with libelf, put a breakpoint on it, run the all-stop continue/wait loop.
 * Without -n it counts until the process exits; with -n N it stops after N
 * hits (or a few more: threads can hit together), removes the breakpoint and
 * detaches: the program runs on untraced.  Ctrl-C also stops and detaches.
 *
 * Build: cc -std=c11 bpcount.c $(pkg-config --cflags --libs proctrace) -lelf
 */
#define _POSIX_C_SOURCE 200809L /* open, readlink, getopt, sigaction... */
#include <fcntl.h>
#include <gelf.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <proctrace.h>

static volatile sig_atomic_t interrupted;
static void on_signal(int signo) { interrupted = signo; }

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* pt_errmsg() names the thread, the operation and the state: much more
 * useful than the bare error code. */
static int fail(const char *what, int err)
{
	const char *msg = pt_errmsg();
	if (*msg)
		fprintf(stderr, "bpcount: %s\n", msg);
	else
		fprintf(stderr, "bpcount: %s: %s\n", what, pt_strerror(err));
	return 1;
}

/* Search one symbol table section for the function; 1 if found. */
static int find_in(Elf *elf, Elf_Scn *scn, const char *name, uint64_t *value)
{
	GElf_Shdr sh;
	Elf_Data *data;
	if (!gelf_getshdr(scn, &sh) || !sh.sh_entsize ||
	    (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM) ||
	    !(data = elf_getdata(scn, NULL)))
		return 0;
	for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
		GElf_Sym sym;
		const char *s;
		if (gelf_getsym(data, (int)i, &sym) &&
		    GELF_ST_TYPE(sym.st_info) == STT_FUNC && sym.st_shndx != SHN_UNDEF &&
		    (s = elf_strptr(elf, sh.sh_link, sym.st_name)) && !strcmp(s, name)) {
			*value = sym.st_value;
			return 1;
		}
	}
	return 0;
}

/* Link-time address of function `name` in the ELF file at path, and the
 * file's link-time entry point.  .symtab has every function, .dynsym only
 * the exported ones (but survives strip): either will do. */
static int elf_lookup(const char *path, const char *name, uint64_t *value,
		      uint64_t *entry)
{
	int found = 0, fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf *elf = NULL;
	GElf_Ehdr eh;
	if (fd >= 0 && elf_version(EV_CURRENT) != EV_NONE &&
	    (elf = elf_begin(fd, ELF_C_READ, NULL)) && gelf_getehdr(elf, &eh)) {
		*entry = eh.e_entry;
		for (Elf_Scn *scn = NULL; !found && (scn = elf_nextscn(elf, scn));)
			found = find_in(elf, scn, name, value);
	}
	if (!found) {
		char real[4096] = ""; /* name the file, not /proc/PID/exe */
		if (readlink(path, real, sizeof real - 1) > 0)
			path = real;
		fprintf(stderr, "bpcount: no function '%s' in %s\n", name, path);
	}
	elf_end(elf);
	if (fd >= 0)
		close(fd);
	return found ? 0 : -1;
}

/* A PIE program is loaded at a random base, so its symbol values must be
 * shifted by the "load bias".  The kernel hands every process its real entry
 * point in the auxiliary vector (AT_ENTRY); the ELF header has the link-time
 * one; the difference is the bias (0 for non-PIE).  /proc/PID/maps works
 * too, but means matching the executable's path to find its first mapping. */
static int load_bias(pid_t pid, uint64_t elf_entry, uint64_t *bias)
{
	char path[64];
	uint64_t av[2]; /* (type, value) pairs up to AT_NULL */
	snprintf(path, sizeof path, "/proc/%d/auxv", (int)pid);
	FILE *f = fopen(path, "rb");
	while (f && fread(av, sizeof av, 1, f) == 1 && av[0] != AT_NULL) {
		if (av[0] == AT_ENTRY) {
			*bias = av[1] - elf_entry;
			fclose(f);
			return 0;
		}
	}
	fprintf(stderr, "bpcount: no entry point in %s\n", path);
	if (f)
		fclose(f);
	return -1;
}

/* All registers of a stopped thread, three to a line. */
static int print_registers(pt_process *p, pt_thread *t)
{
	int n = pt_process_reg_count(p), col = 0;
	if (n < 0)
		return fail("registers", n);
	for (int i = 0; i < n; i++) {
		const pt_reg_info *ri = pt_process_reg_info(p, i);
		uint64_t v;
		if (ri->size > 8) /* x87 or vector: needs more than a uint64_t */
			continue;
		int r = pt_thread_reg_get(t, i, &v);
		if (r < 0)
			return fail("registers", r);
		printf(" %8s = 0x%016" PRIx64 "%s", ri->name, v, ++col % 3 ? "" : "\n");
	}
	if (col % 3)
		putchar('\n');
	return 0;
}

/* Wait for the next all-stop.  Polls, so that on Ctrl-C we can stop the
 * process and detach cleanly instead of leaving breakpoints in it. */
static int wait_for_stop(pt_process *p)
{
	int r;
	while ((r = pt_wait(p, 250)) == PT_ETIMEDOUT)
		if (interrupted && (r = pt_stop(p)) < 0 && r != PT_EEXITED)
			return r;
	return r;
}

/* How many threads of the stopped process sit on our breakpoint (several
 * can hit it at once); *hit gets one of them.  *buf grows with the threads. */
static int count_hits(pt_process *p, uint64_t addr, pt_thread ***buf,
		      size_t *cap, pt_thread **hit)
{
	size_t n;
	while ((n = pt_process_threads(p, *buf, *cap)) > *cap) {
		pt_thread **nb = realloc(*buf, n * sizeof *nb);
		if (!nb)
			return PT_ENOMEM;
		*buf = nb;
		*cap = n;
	}
	int hits = 0;
	for (size_t i = 0; i < n; i++) {
		pt_stop_cause c = { .sz = sizeof c };
		int r = pt_thread_stop_cause((*buf)[i], &c);
		if (r < 0)
			return r;
		if (c.kind == PT_STOP_BREAKPOINT && c.addr == addr)
			*hit = (*buf)[i], hits++;
	}
	return hits;
}

/* Run p until `limit` hits (0: until it exits); return 0 or print why not. */
static int count_calls(pt_process *p, const char *func, uint64_t addr, long limit)
{
	pt_thread **threads = NULL, *hit = NULL;
	size_t cap = 0;
	long hits = 0;
	int r;
	double t0 = now();
	/* Whatever stopped the process (our breakpoint, a thread starting or
	 * exiting, a signal), pt_continue resumes every thread, stepping over
	 * our breakpoint and delivering the signal a thread stopped with. */
	while ((r = pt_continue(p)) == 0 && (r = wait_for_stop(p)) == 0 &&
	       pt_process_state(p) == PT_PROC_STOPPED) {
		int n = count_hits(p, addr, &threads, &cap, &hit);
		if (n < 0) {
			r = n;
			break;
		}
		if (hits == 0 && n > 0) {
			printf("first hit, in thread %d:\n", (int)pt_thread_tid(hit));
			if (print_registers(p, hit))
				r = 1;
		}
		hits += n;
		if (r || interrupted || (limit && hits >= limit))
			break;
	}
	free(threads);
	if (r)
		return r < 0 ? fail("tracing", r) : r;
	double secs = now() - t0;
	printf("%ld hits of %s in %.3f s: %.0f hits/s\n", hits, func, secs,
	       secs > 0 ? (double)hits / secs : 0.0);
	return 0;
}

/* The usage on f; with help, what the options do too. */
static int usage(FILE *f, int help, int status)
{
	fprintf(f, "usage: bpcount [-n N] PROGRAM FUNCTION [--] [ARGS...]\n"
		   "       bpcount [-n N] -p PID FUNCTION\n");
	if (help)
		fprintf(f, "Count the calls of FUNCTION (an ELF symbol) in all the threads\n"
			   "of PROGRAM ARGS, launched, or of the running process PID.\n"
			   "  -n N        stop after N hits (or a few more), remove the\n"
			   "              breakpoint and detach; without it, count until\n"
			   "              the process exits (Ctrl-C detaches)\n"
			   "  -p PID      attach to PID instead of launching PROGRAM\n"
			   "  -h, --help  this help\n");
	return status;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long limit = 0, pid = 0;
	int opt, r;
	/* '+': stop at PROGRAM, leaving the program's own options alone. */
	while ((opt = getopt_long(argc, argv, "+hn:p:", longopts, NULL)) != -1) {
		if (opt == 'h')
			return usage(stdout, 1, 0);
		if (opt == 'n' && (limit = atol(optarg)) > 0)
			continue;
		if (opt == 'p' && (pid = atol(optarg)) > 0)
			continue;
		goto bad_usage;
	}
	int npos = pid ? 1 : 2; /* FUNCTION, or PROGRAM FUNCTION */
	if (argc - optind < npos || (pid && argc - optind > npos))
		goto bad_usage;
	const char *func = argv[optind + npos - 1];
	/* A launched program writes to our stdout too: keep our lines in order. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	pt_process *p;
	if (pid) {
		r = pt_attach((pid_t)pid, &p);
	} else {
		/* The program's argv is PROGRAM ARGS... NULL: build it inside
		 * ours, putting PROGRAM in the slot just before ARGS (that of
		 * FUNCTION, or of "--"); our argv[argc] is already NULL. */
		char **args = argv + optind + 1;
		if (args[1] && !strcmp(args[1], "--"))
			args++;
		args[0] = argv[optind];
		r = pt_launch(args[0], args, NULL, &p);
	}
	if (r < 0)
		return fail(pid ? "attach" : "launch", r);

	/* Read the symbols of the file the process really runs: /proc/PID/exe
	 * covers PATH search and attach alike. */
	pid_t tpid = pt_process_pid(p);
	char exe[64];
	uint64_t value, entry, bias;
	int status = 1, code = -1, sig = 0, ws;
	snprintf(exe, sizeof exe, "/proc/%d/exe", (int)tpid);
	if (elf_lookup(exe, func, &value, &entry) || load_bias(tpid, entry, &bias))
		goto out;
	uint64_t addr = value + bias;
	if ((r = pt_breakpoint_add(p, addr)) < 0) {
		fail("breakpoint", r);
		goto out;
	}
	printf("%s is at 0x%" PRIx64 " in process %d\n", func, addr, (int)tpid);
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (count_calls(p, func, addr, limit))
		goto out;

	if (pt_process_state(p) == PT_PROC_EXITED) {
		if ((r = pt_process_exit(p, &code, &sig)) < 0) {
			fail("exit status", r);
			goto out;
		}
	} else {
		/* pt_detach would remove it too; removing it alone is how to
		 * stop counting but keep the process under control. */
		if ((r = pt_breakpoint_remove(p, addr)) < 0 || (r = pt_detach(p)) < 0) {
			fail("detach", r);
			goto out;
		}
		printf("detached: the program runs on untraced\n");
		if (pid) { /* not our child: its exit status is not ours to see */
			status = 0;
			goto out;
		}
		/* A launched program stays our child: reap it. */
		if (waitpid(tpid, &ws, 0) < 0) {
			perror("bpcount: waitpid");
			goto out;
		}
		code = WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
		sig = WIFSIGNALED(ws) ? WTERMSIG(ws) : 0;
	}
	if (sig)
		printf("the program was killed by %s\n", pt_signal_name(sig));
	else
		printf("the program exited with status %d\n", code);
	status = 0;
out:
	pt_process_free(p); /* kills a launched program still traced */
	return status;
bad_usage:
	return usage(stderr, 0, 2);
}
