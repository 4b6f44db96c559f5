/*
 * test-facts.c - launch options (standard fds, no ASLR, process group,
 * session and terminal) and the facts of a process and its threads (exe,
 * auxv, maps, thread names and CPUs, siginfo), each checked against what
 * the kernel says in /proc or what the target prints.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mt.h"
#include "tests.h"

/* ---- small helpers ------------------------------------------------------------ */

/* One line from fd within WAIT_MS (the target writes whole lines). */
static void fd_expect_line(int fd, const char *want)
{
	char line[256];
	size_t n = 0;
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		if (poll(&pfd, 1, WAIT_MS) <= 0)
			FAIL("no line from fd %d within %d ms (want \"%s\")", fd,
			     WAIT_MS, want);
		char c;
		ssize_t r = read(fd, &c, 1);
		if (r <= 0)
			FAIL("EOF on fd %d (want \"%s\")", fd, want);
		if (c == '\r')
			continue;
		if (c == '\n')
			break;
		if (n < sizeof line - 1)
			line[n++] = c;
	}
	line[n] = '\0';
	CHECK_STREQ(line, want);
}

static pt_process *launch_with(const char *const *args,
			       struct pt_launch_opts *o)
{
	char *argv[32];
	int n = 0;
	argv[n++] = (char *)target_path("tracee");
	for (; args[n - 1] && n < 31; n++)
		argv[n] = (char *)args[n - 1];
	argv[n] = NULL;
	pt_process *p = NULL;
	CHECK_OK(pt_launch(argv[0], argv, o, &p));
	return p;
}

/* Field n of /proc/PID/stat (n >= 3), read here. */
static long long stat_field(pid_t pid, int n)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	CHECK(f != NULL);
	size_t len = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[len] = '\0';
	char *s = strrchr(buf, ')');
	CHECK(s != NULL);
	s += 2;
	for (int i = 3; i < n; i++) {
		s = strchr(s, ' ');
		CHECK(s != NULL);
		s++;
	}
	return strtoll(s, NULL, 10);
}

/* ---- launch options ------------------------------------------------------------- */

/* PT_LAUNCH_STDIO: the program's fds 0 and 1 are our pipes (not our own
 * fds 0 and 1), its fd 2 is /dev/null. */
TEST(launch_stdio_fds)
{
	int in[2], out[2];
	CHECK(pipe2(in, O_CLOEXEC) == 0 && pipe2(out, O_CLOEXEC) == 0);
	struct pt_launch_opts o = { .sz = sizeof o, .flags = PT_LAUNCH_STDIO,
				    .stdio = { in[0], out[1], -1 } };
	pt_process *p = launch_with(ARGS("wait-stdin"), &o);
	close(in[0]);
	close(out[1]);
	CHECK_OK(pt_continue(p));
	fd_expect_line(out[0], "waiting");
	CHECK(write(in[1], "hello\n", 6) == 6);
	fd_expect_line(out[0], "got hello");
	fd_expect_line(out[0], "DONE");
	int code = -1, sig = -1;
	run_to_exit(p, &code, &sig);
	CHECK_EQ_INT(code, 0);
	pt_process_free(p);

	/* stdin -1: /dev/null, EOF at once */
	o.stdio[0] = -1;
	CHECK(pipe2(out, O_CLOEXEC) == 0);
	o.stdio[1] = out[1];
	p = launch_with(ARGS("wait-stdin"), &o);
	close(out[1]);
	CHECK_OK(pt_continue(p));
	fd_expect_line(out[0], "waiting");
	fd_expect_line(out[0], "got EOF");
	run_to_exit(p, &code, &sig);
	pt_process_free(p);
	close(in[1]);
	close(out[0]);
	return TEST_PASS;
}

/* PT_LAUNCH_NO_ASLR: the kernel's personality of the program has
 * ADDR_NO_RANDOMIZE, and only with the flag. */
TEST(launch_no_aslr)
{
	struct child_io io;
	for (int on = 0; on < 2; on++) {
		struct pt_launch_opts o = {
			.sz = sizeof o, .flags = on ? PT_LAUNCH_NO_ASLR : 0
		};
		pt_process *p = NULL;
		const char *argv[] = { target_path("tracee"), "exit:0", NULL };
		CHECK_OK(launch_target_opts(&io, argv[0], argv, &o, &p));
		char path[64], buf[32];
		snprintf(path, sizeof path, "/proc/%d/personality",
			 (int)pt_process_pid(p));
		FILE *f = fopen(path, "r");
		CHECK(f != NULL && fgets(buf, sizeof buf, f) != NULL);
		fclose(f);
		unsigned long pers = strtoul(buf, NULL, 16);
		CHECKF(!!(pers & ADDR_NO_RANDOMIZE) == on,
		       "flag %s: personality %#lx", on ? "on" : "off", pers);
		CHECK_OK(pt_kill(p));
		pt_process_free(p);
		io_close(&io);
	}
	return TEST_PASS;
}

/* PT_LAUNCH_NEW_PGRP: the program leads its own process group. */
TEST(launch_new_pgrp)
{
	struct child_io io;
	struct pt_launch_opts o = { .sz = sizeof o,
				    .flags = PT_LAUNCH_NEW_PGRP };
	pt_process *p = NULL;
	const char *argv[] = { target_path("tracee"), "exit:0", NULL };
	CHECK_OK(launch_target_opts(&io, argv[0], argv, &o, &p));
	pid_t pid = pt_process_pid(p);
	CHECK_EQ_INT(getpgid(pid), pid);
	CHECK_EQ_INT(getsid(pid), getsid(0)); /* same session as ours */
	CHECK_OK(pt_kill(p));
	pt_process_free(p);
	io_close(&io);

	/* without it: our group */
	p = launch_target(&io, "tracee", ARGS("exit:0"));
	CHECK_EQ_INT(getpgid(pt_process_pid(p)), getpgid(0));
	CHECK_OK(pt_kill(p));
	pt_process_free(p);
	io_close(&io);
	return TEST_PASS;
}

/* PT_LAUNCH_SETSID with a pseudo-terminal: a new session whose controlling
 * terminal (stat field 7, tty_nr) is the pty, and whose output goes to it. */
TEST(launch_setsid_tty)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		SKIP("no pseudo-terminals here: %s", strerror(errno));
	CHECK(grantpt(m) == 0 && unlockpt(m) == 0);
	char name[64];
	CHECK(ptsname_r(m, name, sizeof name) == 0);
	struct stat st;
	CHECK(stat(name, &st) == 0);
	struct pt_launch_opts o = { .sz = sizeof o, .flags = PT_LAUNCH_SETSID,
				    .tty = name };
	pt_process *p = launch_with(ARGS("wait-stdin"), &o);
	pid_t pid = pt_process_pid(p);
	CHECK_EQ_INT(getsid(pid), pid);
	CHECK_EQ_INT(getpgid(pid), pid);
	CHECK_EQ_HEX(stat_field(pid, 7), st.st_rdev);
	CHECK_OK(pt_continue(p));
	fd_expect_line(m, "waiting");
	CHECK(write(m, "tty\n", 4) == 4);
	fd_expect_line(m, "tty"); /* the terminal's echo */
	fd_expect_line(m, "got tty");
	int code = -1, sig = -1;
	run_to_exit(p, &code, &sig);
	CHECK_EQ_INT(code, 0);
	pt_process_free(p);
	close(m);
	return TEST_PASS;
}

/* Bad launch options: an opts->sz of the 0.3 struct with the 0.4 flags, a
 * tty that does not exist, a stdio fd that is not open.  Each fails with a
 * message naming the problem, and leaves no process behind. */
TEST(launch_bad_new_options)
{
	int before = count_children();
	const char *argv[] = { target_path("tracee"), "exit:0", NULL };
	struct pt_launch_opts o = { .sz = offsetof(struct pt_launch_opts, stdio),
				    .flags = PT_LAUNCH_STDIO };
	pt_process *p = NULL;
	CHECK_ERR(pt_launch(argv[0], (char *const *)argv, &o, &p),
		  PT_EINVAL);
	CHECK(strstr(last_errmsg(), "too small") != NULL);
	CHECK(p == NULL);

	o = (struct pt_launch_opts){ .sz = sizeof o, .flags = PT_LAUNCH_SETSID,
				     .tty = "/nonexistent/tty" };
	CHECK_ERR(pt_launch(argv[0], (char *const *)argv, &o, &p), -ENOENT);
	CHECKF(strstr(last_errmsg(), "/nonexistent/tty") != NULL, "message: %s",
	       last_errmsg());

	int bad = 1000; /* not open (checked) */
	while (fcntl(bad, F_GETFD) >= 0)
		bad++;
	o = (struct pt_launch_opts){ .sz = sizeof o, .flags = PT_LAUNCH_STDIO,
				     .stdio = { -1, bad, -1 } };
	CHECK_ERR(pt_launch(argv[0], (char *const *)argv, &o, &p), -EBADF);
	CHECKF(strstr(last_errmsg(), "standard fds") != NULL, "message: %s",
	       last_errmsg());
	CHECK(p == NULL);
	CHECK_EQ_INT(count_children(), before);
	return TEST_PASS;
}

/* ---- process facts ---------------------------------------------------------------- */

/* pt_process_exe is the target's path, snprintf-style; pt_process_auxv is
 * the kernel's auxv, with AT_PAGESZ our page size and AT_ENTRY the
 * program's entry point. */
TEST(process_exe_auxv)
{
	struct child_io io;
	pt_process *p = launch_target(&io, "tracee", ARGS("exit:0"));
	char want[4096], buf[4096];
	CHECK(realpath(target_path("tracee"), want) != NULL);
	int n = CHECK_OK(pt_process_exe(p, buf, sizeof buf));
	CHECK_EQ_INT(n, strlen(want));
	CHECK_STREQ(buf, want);
	char small[5];
	CHECK_EQ_INT(pt_process_exe(p, small, sizeof small), n);
	CHECK_EQ_INT(strlen(small), 4);
	CHECK_EQ_INT(pt_process_exe(p, NULL, 0), n);

	Elf64_auxv_t av[128];
	int len = CHECK_OK(pt_process_auxv(p, av, sizeof av));
	CHECK(len > 0 && len % (int)sizeof av[0] == 0 &&
	      len <= (int)sizeof av);
	int count = len / (int)sizeof av[0];
	CHECK_EQ_INT(av[count - 1].a_type, AT_NULL);
	uint64_t pagesz = 0, entry = 0;
	for (int i = 0; i < count; i++) {
		if (av[i].a_type == AT_PAGESZ)
			pagesz = av[i].a_un.a_val;
		if (av[i].a_type == AT_ENTRY)
			entry = av[i].a_un.a_val;
	}
	CHECK_EQ_INT(pagesz, sysconf(_SC_PAGESIZE));
	CHECK_EQ_HEX(entry, sym("tracee", "_start"));
	CHECK_EQ_INT(pt_process_auxv(p, NULL, 0), len);
	CHECK_OK(pt_kill(p));
	/* gone: PT_EEXITED */
	CHECK_ERR(pt_process_exe(p, buf, sizeof buf), PT_EEXITED);
	CHECK_ERR(pt_process_auxv(p, av, sizeof av), PT_EEXITED);
	pt_process_free(p);
	io_close(&io);
	return TEST_PASS;
}

struct maps_seen {
	uint64_t addr;      /* a code address of the target */
	const char *exe;
	int count, stop_at;
	bool code_found, stack_found;
};

static int on_map(const pt_map *m, void *arg)
{
	struct maps_seen *s = arg;
	s->count++;
	if (m->start <= s->addr && s->addr < m->end) {
		CHECK(m->flags & PT_MAP_EXEC);
		CHECK(m->flags & PT_MAP_READ);
		CHECK(!(m->flags & PT_MAP_WRITE));
		CHECK_STREQ(m->path, s->exe);
		CHECK(m->inode != 0);
		s->code_found = true;
	}
	if (strcmp(m->path, "[stack]") == 0)
		s->stack_found = true;
	return s->count == s->stop_at ? 77 : 0;
}

/* pt_process_maps: every line of /proc/PID/maps, the target's code in a
 * read-only executable mapping of its file; a non-zero return stops it. */
TEST(process_maps)
{
	struct child_io io;
	pt_process *p = launch_target(&io, "tracee", ARGS("exit:0"));
	char exe[4096];
	CHECK(realpath(target_path("tracee"), exe) != NULL);
	struct maps_seen s = { .addr = sym("tracee", "sync_point"),
			       .exe = exe };
	CHECK_EQ_INT(pt_process_maps(p, on_map, &s), 0);
	CHECK(s.code_found && s.stack_found);
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/maps", (int)pt_process_pid(p));
	FILE *f = fopen(path, "r");
	CHECK(f != NULL);
	int lines = 0;
	for (int c; (c = fgetc(f)) != EOF;)
		lines += c == '\n';
	fclose(f);
	CHECK_EQ_INT(s.count, lines);
	struct maps_seen s2 = { .addr = s.addr, .exe = exe, .stop_at = 2 };
	CHECK_EQ_INT(pt_process_maps(p, on_map, &s2), 77);
	CHECK_EQ_INT(s2.count, 2);
	CHECK_ERR(pt_process_maps(p, NULL, NULL), PT_EINVAL);
	CHECK_OK(pt_kill(p));
	pt_process_free(p);
	io_close(&io);
	return TEST_PASS;
}

/* With the leader gone (a zombie) the facts still come, through the live
 * thread. */
TEST(facts_zombie_leader)
{
	struct child_io io;
	spawn_target(&io, "mt-tracee", ARGS("zombie-leader"));
	io_expect_line(&io, "worker ready");
	/* the leader has called pthread_exit once its state is Z */
	CHECK(mt_wait_proc_state(io.pid, "Z", WAIT_MS) == 'Z');
	pt_process *p = NULL;
	CHECK_OK(pt_attach(io.pid, &p));
	char exe[4096], buf[4096];
	CHECK(realpath(target_path("mt-tracee"), exe) != NULL);
	CHECK_OK(pt_process_exe(p, buf, sizeof buf));
	CHECK_STREQ(buf, exe);
	char av[4096];
	CHECK(CHECK_OK(pt_process_auxv(p, av, sizeof av)) > 0);
	struct maps_seen s = { .addr = sym("mt-tracee", "main"), .exe = exe };
	CHECK_EQ_INT(pt_process_maps(p, on_map, &s), 0);
	CHECK(s.code_found);
	CHECK_OK(pt_detach(p));
	pt_process_free(p);
	io_close(&io);
	kill(io.pid, SIGKILL);
	io_reap(&io, WAIT_MS);
	return TEST_PASS;
}

/* Thread names and CPUs: the name the thread gave itself; the CPU of
 * /proc's stat (field 39), within the machine's CPUs. */
TEST(thread_name_core)
{
	struct child_io io;
	pt_process *p = launch_target(&io, "tracee",
				      ARGS("name:worker-7", "sync"));
	pt_thread *t = only_thread(p);
	char buf[64];
	CHECK_OK(pt_thread_name(t, buf, sizeof buf));
	CHECK_STREQ(buf, "tracee");
	uint64_t sp = sym("tracee", "sync_point");
	CHECK_OK(pt_breakpoint_add(p, sp));
	continue_to_bp(p, sp);
	io_expect_line(&io, "named");
	int n = CHECK_OK(pt_thread_name(t, buf, sizeof buf));
	CHECK_STREQ(buf, "worker-7");
	CHECK_EQ_INT(n, 8);
	int core = CHECK_OK(pt_thread_core(t));
	CHECK(core < sysconf(_SC_NPROCESSORS_CONF));
	CHECK_EQ_INT(core, stat_field(pt_thread_tid(t), 39));
	CHECK_OK(pt_kill(p));
	CHECK_ERR(pt_thread_name(t, buf, sizeof buf), PT_EEXITED);
	CHECK_ERR(pt_thread_core(t), PT_EEXITED);
	pt_process_free(p);
	io_close(&io);
	return TEST_PASS;
}

/* ---- siginfo ---------------------------------------------------------------------- */

/* At a SIGSEGV stop: the kernel's siginfo (the faulting address); at the
 * exec stop there is none (PT_EINVAL); running: PT_ESTATE. */
TEST(siginfo_read)
{
	struct child_io io;
	pt_process *p = launch_target(&io, "tracee", ARGS("segv"));
	pt_thread *t = only_thread(p);
	siginfo_t si;
	CHECK_ERR(pt_thread_siginfo(t, &si), PT_EINVAL);
	CHECK(strstr(last_errmsg(), "exec") != NULL);
	CHECK_OK(pt_continue(p));
	pt_stop_cause c;
	wait_event(p, PT_STOP_SIGNAL, &c);
	CHECK_EQ_INT(c.signo, SIGSEGV);
	memset(&si, 0, sizeof si);
	CHECK_OK(pt_thread_siginfo(t, &si));
	CHECK_EQ_INT(si.si_signo, SIGSEGV);
	CHECK_EQ_INT(si.si_code, SEGV_MAPERR);
	CHECK_EQ_HEX((uintptr_t)si.si_addr, 0x1234);
	CHECK_ERR(pt_thread_siginfo(t, NULL), PT_EINVAL);
	CHECK_OK(pt_kill(p));
	CHECK_ERR(pt_thread_siginfo(t, &si), PT_EEXITED);
	pt_process_free(p);
	io_close(&io);
	return TEST_PASS;
}

/* Setting the siginfo of a signal stop: the program's SA_SIGINFO handler
 * sees the new si_code and si_value. */
TEST(siginfo_write)
{
	struct child_io io;
	pt_process *p = launch_target(&io, "tracee", ARGS("sigval"));
	pt_thread *t = only_thread(p);
	siginfo_t si;
	memset(&si, 0, sizeof si);
	CHECK_ERR(pt_thread_set_siginfo(t, &si), PT_EINVAL);
	CHECK_OK(pt_continue(p));
	pt_stop_cause c;
	wait_event(p, PT_STOP_SIGNAL, &c);
	CHECK_EQ_INT(c.signo, SIGUSR2);
	CHECK_OK(pt_thread_siginfo(t, &si));
	CHECK_EQ_INT(si.si_signo, SIGUSR2);
	CHECK_EQ_INT(si.si_code, SI_TKILL); /* raise() */
	si.si_code = SI_QUEUE;
	si.si_value.sival_int = 4242;
	CHECK_OK(pt_thread_set_siginfo(t, &si));
	siginfo_t back;
	CHECK_OK(pt_thread_siginfo(t, &back));
	CHECK_EQ_INT(back.si_code, SI_QUEUE);
	CHECK_EQ_INT(back.si_value.sival_int, 4242);
	int code = -1, sig = -1;
	run_to_exit(p, &code, &sig);
	io_expect_line(&io, "sigusr2 code -1 value 4242");
	CHECK_EQ_INT(code, 0);
	pt_process_free(p);
	io_close(&io);
	return TEST_PASS;
}

/* ---- signals passed without a stop ----------------------------------------------- */

/* With SIGUSR1 passed, the program's raise(SIGUSR1) reaches its handler
 * and the next stop is the breakpoint after it; without, the signal stops
 * the process first.  SIGTRAP cannot be passed. */
TEST(pass_signals)
{
	uint64_t sp = sym("tracee", "sync_point");
	for (int pass = 0; pass < 2; pass++) {
		struct child_io io;
		pt_process *p = launch_target(
			&io, "tracee", ARGS("handlers", "raise-usr1", "sync"));
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGTRAP);
		CHECK_ERR(pt_process_pass_signals(p, &set), PT_EINVAL);
		sigemptyset(&set);
		if (pass)
			sigaddset(&set, SIGUSR1);
		CHECK_OK(pt_process_pass_signals(p, &set));
		CHECK_OK(pt_breakpoint_add(p, sp));
		pt_stop_cause c;
		if (!pass) {
			continue_until(p, PT_STOP_SIGNAL, &c);
			CHECK_EQ_INT(c.signo, SIGUSR1);
		}
		continue_to_bp(p, sp);
		io_expect_line(&io, "handled SIGUSR1");
		io_expect_line(&io, "raised");
		CHECK_OK(pt_kill(p));
		pt_process_free(p);
		io_close(&io);
	}
	return TEST_PASS;
}

/* ---- system call stops ------------------------------------------------------------- */

/* PT_SYSCALLS_SOME with getppid: its entry, then its exit with our pid as
 * the result, then nothing more; the program prints the same.  A second
 * run single-steps from the entry: the step is one instruction, no exit
 * stop follows, the result is unchanged. */
TEST(catch_syscalls_some)
{
	for (int step = 0; step < 2; step++) {
		struct child_io io;
		pt_process *p = launch_target(&io, "tracee", ARGS("getppid"));
		int nums[] = { SYS_getppid };
		CHECK_ERR(pt_process_catch_syscalls(p, 7, NULL, 0), PT_EINVAL);
		int bad = PT_SYSCALL_MAX;
		CHECK_ERR(pt_process_catch_syscalls(p, PT_SYSCALLS_SOME, &bad,
						    1),
			  PT_EINVAL);
		CHECK_OK(pt_process_catch_syscalls(p, PT_SYSCALLS_SOME, nums,
						   1));
		pt_stop_cause c;
		pt_thread *t = continue_until(p, PT_STOP_SYSCALL_ENTRY, &c);
		CHECK_EQ_INT(c.syscall, SYS_getppid);
		char text[64];
		pt_stop_cause_format(&c, text, sizeof text);
		CHECK(strstr(text, "system call") != NULL);
		if (step) {
			uint64_t pc0 = pc_of(t);
			CHECK_OK(pt_thread_step(t));
			wait_event(p, PT_STOP_STEP, &c);
			CHECK(pc_of(t) != pc0);
		} else {
			continue_until(p, PT_STOP_SYSCALL_EXIT, &c);
			CHECK_EQ_INT(c.syscall, SYS_getppid);
			CHECK_EQ_INT(c.sysret, getpid());
		}
		finish_getppid(p, &io);
	}
	return TEST_PASS;
}

/* PT_SYSCALLS_ALL: every entry is followed by the exit of the same call
 * (exit_group aside), breakpoints still hit as often, and after
 * PT_SYSCALLS_OFF no system call stops any more. */
TEST(catch_syscalls_all)
{
	struct child_io io;
	pt_process *p = launch_target(&io, "tracee",
				      ARGS("loop:3", "getppid", "loop:2"));
	uint64_t bp = sym("tracee", "bp_func");
	CHECK_OK(pt_breakpoint_add(p, bp));
	CHECK_OK(pt_process_catch_syscalls(p, PT_SYSCALLS_ALL, NULL, 0));
	int entries = 0, exits = 0, hits = 0;
	long open_nr = -1;
	bool saw_getppid = false;
	while (continue_stopped(p)) {
		pt_thread *t = pt_process_event_thread(p);
		CHECK(t != NULL);
		pt_stop_cause c = cause_of(t);
		if (c.kind == PT_STOP_BREAKPOINT) {
			hits++;
			if (hits == 4) /* after getppid: no more syscall stops */
				CHECK_OK(pt_process_catch_syscalls(
					p, PT_SYSCALLS_OFF, NULL, 0));
			continue;
		}
		if (c.kind == PT_STOP_THREAD_EXIT)
			continue;
		if (c.kind == PT_STOP_SYSCALL_ENTRY) {
			CHECKF(open_nr < 0, "entry %ld inside %ld", c.syscall,
			       open_nr);
			CHECK(hits < 4);
			open_nr = c.syscall;
			entries++;
			saw_getppid |= c.syscall == SYS_getppid;
			continue;
		}
		CHECKF(c.kind == PT_STOP_SYSCALL_EXIT, "unexpected %s",
		       cause_str(&c));
		/* the first: execve's exit (the launch stopped inside it),
		 * whose entry was never seen */
		if (open_nr < 0) {
			CHECK_EQ_INT(entries + exits + hits, 0);
			CHECK_EQ_INT(c.syscall, -1);
			CHECK_EQ_INT(c.sysret, 0);
			continue;
		}
		CHECK_EQ_INT(c.syscall, open_nr);
		open_nr = -1;
		exits++;
	}
	int code = -1, sig = -1;
	CHECK_OK(pt_process_exit(p, &code, &sig));
	CHECK_EQ_INT(code, 0);
	CHECK_EQ_INT(hits, 5);
	CHECK(saw_getppid);
	CHECK(entries >= 2);
	CHECK_EQ_INT(exits, entries);
	pt_process_free(p);
	io_close(&io);
	return TEST_PASS;
}
