/*
 * server.c - the commands of the GDB remote protocol on top of libproctrace.
 *
 * The library is all-stop: every thread stops when one does, and a
 * continue resumes them all.  That is gdb's all-stop mode too, so most
 * packets map one to one.  Where the protocol can say more than the
 * library can do (resume some threads and not others, pass a signal
 * without stopping) the nearest thing is done; README.md lists each case.
 *
 * Events that several threads have in one all-stop are reported one at a
 * time: the first is the stop reply, the others are kept as "pending" and
 * reported at the next resume of their thread instead of resuming, as gdb
 * expects of an all-stop server.
 */
#include "server.h"
#include "siginfo32.h"
#include "threaddb.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* PROCTRACE_GDBSERVER_DEBUG=1 or `monitor set debug 1`: a line on stderr
 * for every event. */
static int debug_flag = -1;

static bool debug_on(void)
{
	if (debug_flag < 0) {
		const char *e = getenv("PROCTRACE_GDBSERVER_DEBUG");
		debug_flag = e && *e && *e != '0';
	}
	return debug_flag;
}

/* Where the debug lines go: stderr, or --debug-file's file (the program
 * shares stderr; a test board reading it may be slower than the lines). */
static FILE *debug_fp;

static FILE *dbg_out(void)
{
	return debug_fp ? debug_fp : stderr;
}

void gs_set_debug(FILE *fp, bool on)
{
	debug_fp = fp;
	if (on)
		debug_flag = 1;
}

#define DBG(...)                                                               \
	do {                                                                   \
		if (debug_on())                                                \
			fprintf(dbg_out(), "gdbserver: " __VA_ARGS__);         \
	} while (0)

/* ---- sending ---------------------------------------------------------- */

static void send_raw(struct gs_server *s, const void *p, size_t n)
{
	if (s->send)
		s->send(s->ctx, p, n);
}

/* Frame and send s->out. */
static void reply(struct gs_server *s)
{
	if (s->out.oom) {
		gs_out_reset(&s->out);
		gs_out_str(&s->out, "E0c");
	}
	gs_frame(&s->out, &s->frame);
	if (s->remote_debug)
		fprintf(dbg_out(), "gdbserver: -> %.*s\n", (int)s->frame.len,
			s->frame.buf);
	send_raw(s, s->frame.buf, s->frame.len);
	gs_out_reset(&s->last);
	gs_out_mem(&s->last, s->frame.buf, s->frame.len);
	gs_out_reset(&s->out);
}

static void reply_str(struct gs_server *s, const char *str)
{
	gs_out_reset(&s->out);
	gs_out_str(&s->out, str);
	reply(s);
}

static void reply_ok(struct gs_server *s)
{
	reply_str(s, "OK");
}

static void reply_empty(struct gs_server *s)
{
	reply_str(s, "");
}

/* "Enn", with lldb's error string when QEnableErrorStrings was sent. */
static void reply_err(struct gs_server *s, int code, const char *msg)
{
	gs_out_reset(&s->out);
	gs_out_fmt(&s->out, "E%02x", code & 0xff);
	if (s->error_strings && msg && *msg) {
		gs_out_str(&s->out, ";");
		gs_out_hex(&s->out, msg, strlen(msg));
	}
	reply(s);
}

/* A library error: the errno part as the code, pt_errmsg as the text. */
static void reply_pterr(struct gs_server *s, int err)
{
	int code = err < 0 && err > -4000 ? -err : 1;
	reply_err(s, code, pt_errmsg());
}

/* Console output (O packets) for qRcmd. */
static void send_console(struct gs_server *s, const char *text)
{
	gs_out_reset(&s->out);
	gs_out_str(&s->out, "O");
	gs_out_hex(&s->out, text, strlen(text));
	reply(s);
}

/* ---- small parsers ---------------------------------------------------- */

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A thread id: "p<pid>.<tid>", "p<pid>", "<tid>", "-1", "0".  pid/tid -1
 * mean all, 0 any.  Advances *p. */
static bool parse_tid(const char **p, pid_t *pid, pid_t *tid)
{
	const char *q = *p;
	uint64_t v;
	*pid = 0;
	if (*q == 'p') {
		q++;
		if (q[0] == '-' && q[1] == '1') {
			*pid = -1;
			q += 2;
		} else {
			if (!gs_parse_hex(&q, &v) || v > INT_MAX)
				return false;
			*pid = (pid_t)v;
		}
		if (*q != '.') {
			*tid = -1;
			*p = q;
			return true;
		}
		q++;
	}
	if (q[0] == '-' && q[1] == '1') {
		*tid = -1;
		*p = q + 2;
		return true;
	}
	if (!gs_parse_hex(&q, &v) || v > INT_MAX)
		return false;
	*tid = (pid_t)v;
	*p = q;
	return true;
}

/* "ADDR,LEN" then the terminator `end` (or the end of the string when end
 * is 0). */
static bool parse_addr_len(const char **p, uint64_t *addr, uint64_t *len,
			   char end)
{
	const char *q = *p;
	if (!gs_parse_hex(&q, addr) || *q++ != ',' || !gs_parse_hex(&q, len))
		return false;
	if (*q != end)
		return false;
	*p = end ? q + 1 : q;
	return true;
}

static void out_tid(struct gs_server *s, pid_t tid)
{
	if (s->multiprocess)
		gs_out_fmt(&s->out, "p%x.%x", (unsigned)s->p->pid, (unsigned)tid);
	else
		gs_out_fmt(&s->out, "%x", (unsigned)tid);
}

static int sig_to_wire(struct gs_server *s, int sig)
{
	return s->lldb ? sig : gs_sig_to_gdb(sig);
}

static int sig_from_wire(struct gs_server *s, int sig)
{
	if (s->lldb)
		return sig >= 0 && sig <= 64 ? sig : -1;
	return gs_sig_from_gdb(sig);
}

/* ---- the process ------------------------------------------------------ */

static bool stopped(struct gs_server *s)
{
	return s->p->proc && !s->p->running &&
	       pt_process_state(s->p->proc) == PT_PROC_STOPPED;
}

static void refresh_regs(struct gs_server *s)
{
	const char *arch = pt_process_arch(s->p->proc);
	if (s->p->regs.reg && arch == s->p->regs_arch)
		return;
	gs_regs_build(s->p->proc, &s->p->regs);
	s->p->regs_arch = arch;
}

static pt_thread *first_thread(struct gs_server *s)
{
	pt_thread *t = NULL;
	if (s->p->proc)
		pt_process_threads(s->p->proc, &t, 1);
	return t;
}

/* Every live thread of the process, in a malloc'd array the caller frees
 * (*n of them; NULL and 0 when there is none or no memory).  The count
 * comes from pt_process_threads itself: no limit of ours. */
static pt_thread **thread_list(struct gs_server *s, size_t *n)
{
	size_t cap = 64;
	*n = 0;
	if (!s->p->proc)
		return NULL;
	for (int tries = 0; tries < 8; tries++) {
		pt_thread **ts = malloc(cap * sizeof *ts);
		if (!ts)
			return NULL;
		size_t got = pt_process_threads(s->p->proc, ts, cap);
		if (got <= cap) {
			*n = got;
			return ts;
		}
		free(ts); /* more threads than room (or born meanwhile) */
		cap = got + got / 4 + 16;
	}
	return NULL;
}

/* The thread a g/p/m/... packet is about. */
static pt_thread *cur_thread(struct gs_server *s)
{
	pid_t tid = s->suffix_tid ? s->suffix_tid : s->g_tid;
	pt_thread *t = NULL;
	if (!s->p->proc)
		return NULL;
	if (tid > 0)
		t = pt_process_thread(s->p->proc, tid);
	if (!t && s->last_tid > 0)
		t = pt_process_thread(s->p->proc, s->last_tid);
	if (!t)
		t = first_thread(s);
	return t;
}

static struct gs_proc *proc_of_tid(struct gs_server *s, pid_t tid);

/* The thread g, G, p, P and siginfo act on: cur_thread's, except that a
 * thread gdb chose (Hg, or lldb's thread suffix) which has since exited
 * is no thread (NULL: E replies, as gdbserver gives), never another one.
 * (The fallback to the last thread reported let a P meant for a thread
 * gone write the PC of another: soak.py, its short-lived threads in
 * non-stop, where Hg lasts across stops.) */
static pt_thread *reg_thread(struct gs_server *s)
{
	pid_t tid = s->suffix_tid ? s->suffix_tid : s->g_tid;
	if (tid > 0 && !proc_of_tid(s, tid))
		return NULL;
	return cur_thread(s);
}

/* ---- the processes ------------------------------------------------------ */

static void cond_clear(struct gs_proc *p);
static void cond_copy(struct gs_proc *to, const struct gs_proc *from);
static void ns_fill(struct gs_server *s, bool stopped);

/* Is p (which may have been freed) still one of the session's? */
static bool in_table(const struct gs_server *s, const struct gs_proc *p)
{
	for (size_t i = 0; p && i < s->nprocs; i++)
		if (s->procs[i] == p)
			return true;
	return false;
}

static struct gs_proc *find_proc(struct gs_server *s, pid_t pid)
{
	for (size_t i = 0; pid > 0 && i < s->nprocs; i++)
		if (s->procs[i]->pid == pid)
			return s->procs[i];
	return NULL;
}

/* The process with thread tid, or NULL. */
static struct gs_proc *proc_of_tid(struct gs_server *s, pid_t tid)
{
	for (size_t i = 0; tid > 0 && i < s->nprocs; i++)
		if (pt_process_thread(s->procs[i]->proc, tid))
			return s->procs[i];
	return NULL;
}

static void refresh_regs(struct gs_server *s);

static void select_proc(struct gs_server *s, struct gs_proc *p)
{
	s->p = p ? p : &s->idle;
	if (s->p->proc)
		refresh_regs(s);
}

static bool any_running(struct gs_server *s)
{
	for (size_t i = 0; i < s->nprocs; i++)
		if (s->procs[i]->running)
			return true;
	return false;
}

/* A new process of the session (not selected), or NULL when the table is
 * full or memory short (pp is then left to the caller). */
static struct gs_proc *add_proc(struct gs_server *s, pt_process *pp)
{
	if (s->nprocs == GS_MAX_PROCS)
		return NULL;
	struct gs_proc *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->proc = pp;
	p->pid = pt_process_pid(pp);
	s->procs[s->nprocs++] = p;
	return p;
}

/* Out of the table and freed, with its pt_process; another process (or
 * none) becomes the current one if it was. */
static void free_proc(struct gs_server *s, struct gs_proc *p)
{
	for (size_t i = 0; i < s->nprocs; i++)
		if (s->procs[i] == p) {
			memmove(s->procs + i, s->procs + i + 1,
				(--s->nprocs - i) * sizeof *s->procs);
			break;
		}
	if (s->p == p)
		select_proc(s, s->nprocs ? s->procs[0] : NULL);
	pt_process_free(p->proc);
	free(p->regs.reg);
	free(p->pending);
	free(p->owed);
	free(p->nst);
	cond_clear(p);
	free(p->conds);
	free(p);
}

/* Before a detach (pt_detach lets each thread go with the signal it
 * stopped with): keep only the signals gdb lets the program have, as
 * gdbserver does: those of QProgramSignals, or without one every signal
 * but SIGTRAP and SIGINT (gdb's default "nopass" pair). */
static void drop_unwanted_signals(struct gs_server *s)
{
	size_t n;
	pt_thread **ts = thread_list(s, &n);
	for (size_t i = 0; i < n; i++) {
		int sig = pt_thread_signal(ts[i]);
		if (sig <= 0 || sig > 64)
			continue;
		bool keep = s->program_set ? s->program[sig]
					   : sig != SIGTRAP && sig != SIGINT;
		if (!keep) {
			DBG("thread %d: %s not delivered at detach\n",
			    (int)pt_thread_tid(ts[i]), pt_signal_name(sig));
			pt_thread_set_signal(ts[i], 0);
		}
	}
	free(ts);
}

/* Let the current process go: detached (the library takes our
 * breakpoints out of it; a vfork child's stay out of the shared memory
 * until the vfork is done), or killed. */
static void release_proc(struct gs_server *s, bool kill)
{
	struct gs_proc *p = s->p;
	if (!p->proc)
		return;
	DBG("process %d %s\n", (int)p->pid, kill ? "killed" : "detached");
	if (p->running)
		pt_stop(p->proc);
	p->running = false;
	if (!kill)
		drop_unwanted_signals(s);
	if (kill)
		pt_kill(p->proc);
	else if (pt_detach(p->proc) < 0)
		DBG("process %d: detach: %s\n", (int)p->pid, pt_errmsg());
}

static void apply_settings(struct gs_server *s, pt_process *pp);

/* At a stop: keep the children of the forks in it as processes of their
 * own, to be reported (fork:, vfork:) and then resumed, detached or
 * killed by gdb.  Children of a kind gdb did not ask for (a vfork without
 * vfork-events, a fork without fork-events) and children beyond the table
 * are let go at once, as the library does when forks are not followed. */
static void fork_adopt(struct gs_server *s)
{
	size_t n;
	pt_thread **ts = thread_list(s, &n);
	struct gs_proc *parent = s->p;
	for (size_t i = 0; i < n; i++) {
		pt_stop_cause c = { .sz = sizeof c };
		if (pt_thread_stop_cause(ts[i], &c) < 0 ||
		    c.kind != PT_STOP_FORK || !c.process ||
		    find_proc(s, c.pid))
			continue;
		bool wanted = c.code == PT_FORK_VFORK ? s->vfork_events
						      : s->fork_events;
		struct gs_proc *child = wanted ? add_proc(s, c.process) : NULL;
		if (!child) {
			DBG("fork child %d let go\n", (int)c.pid);
			if (pt_detach(c.process) < 0)
				DBG("fork child %d: detach: %s\n", (int)c.pid,
				    pt_errmsg());
			pt_process_free(c.process);
			continue;
		}
		DBG("fork child %d kept\n", (int)c.pid);
		/* It has its parent's breakpoints (the library copied them:
		 * the int3s are in its memory), not its watchpoints. */
		child->forked = true;
		child->attached = parent->attached;
		memcpy(child->breaks, parent->breaks,
		       parent->nbreaks * sizeof *parent->breaks);
		child->nbreaks = parent->nbreaks;
		cond_copy(child, parent);
		apply_settings(s, c.process);
		if (s->nonstop) {
			/* stopped for gdb until it resumes (or detaches) it;
			 * not resumed by ns_settle */
			s->p = child;
			ns_fill(s, true);
			s->p = parent;
		}
	}
	free(ts);
}

static void ns_push(struct gs_server *s);
static void ns_forget(struct gs_server *s);
static void ns_drop_notes(struct gs_server *s);

/* The current process is gone (or let go): forgotten.  Another process,
 * if any, becomes the current one. */
static void forget_process(struct gs_server *s)
{
	if (s->p->proc)
		free_proc(s, s->p);
	ns_forget(s);
	if (s->nprocs)
		return;
	s->interrupted = false;
	s->interrupt_due = false;
	s->step_tid = 0;
	s->ranging = false;
	s->last_tid = 0;
	s->g_tid = s->c_tid = 0;
}

/* The library's event mask for what the client wants reported.  Clone
 * children on the program's memory are threads (gdb's LWPs), always. */
static unsigned event_mask(struct gs_server *s)
{
	return PT_EVENT_CLONE_THREADS | (s->exec_events ? PT_EVENT_EXEC : 0) |
	       (s->fork_events || s->vfork_events ? PT_EVENT_FORK : 0) |
	       (s->vfork_events ? PT_EVENT_VFORK_DONE : 0) |
	       (s->thread_events ? PT_EVENT_THREAD_CREATE | PT_EVENT_THREAD_EXIT
				 : 0);
}

/* QPassSignals to the library (pt_process_pass_signals): those signals
 * are delivered as they come, without a stop.  SIGTRAP, SIGKILL and SIGSTOP
 * cannot be passed (the library refuses them): they stop as always. */
static void pass_signals(struct gs_server *s, pt_process *pp)
{
	sigset_t set;
	sigemptyset(&set);
	for (int sig = 1; sig <= 64; sig++)
		if (s->pass[sig] && sig != SIGTRAP && sig != SIGKILL &&
		    sig != SIGSTOP && sigaddset(&set, sig) < 0)
			continue; /* a number the C library reserves */
	if (pt_process_pass_signals(pp, &set) < 0)
		DBG("pass signals: %s\n", pt_errmsg());
}

void gs_server_apply_pass(struct gs_server *s)
{
	for (size_t i = 0; i < s->nprocs; i++)
		pass_signals(s, s->procs[i]->proc);
}

/* What gdb asked of every process: events, passed signals, syscalls. */
static void apply_settings(struct gs_server *s, pt_process *pp)
{
	/* Thread births and deaths need no stop unless the client asked for
	 * them (QThreadEvents): gdb reads the thread list at each stop.  Exec
	 * stops only when the client takes exec events. */
	pt_process_set_events(pp, event_mask(s));
	pass_signals(s, pp);
	if (s->catch_mode != PT_SYSCALLS_OFF &&
	    pt_process_catch_syscalls(pp, s->catch_mode, s->catch_nums,
				      s->ncatch) < 0)
		DBG("catch syscalls: %s\n", pt_errmsg());
}

static void collect_pending(struct gs_server *s, pt_thread *event);

/* Did t stop for a signal of its own (a job-control stop included)? */
static bool stopped_by_signal(pt_thread *t, bool group_too)
{
	pt_stop_cause c = { .sz = sizeof c };
	return pt_thread_stop_cause(t, &c) == 0 &&
	       (c.kind == PT_STOP_SIGNAL ||
		(group_too && c.kind == PT_STOP_GROUP));
}

/* The thread an attach reports: one the attach found stopping for a
 * signal on its way (the library's event thread first), as gdbserver
 * reports the first signal its attach meets, else the first thread. */
static pt_thread *attach_event_thread(struct gs_server *s)
{
	pt_thread *t = pt_process_event_thread(s->p->proc);
	if (t && stopped_by_signal(t, true))
		return t;
	size_t n;
	pt_thread **ts = thread_list(s, &n);
	t = NULL;
	for (size_t i = 0; i < n && !t; i++)
		if (stopped_by_signal(ts[i], false))
			t = ts[i];
	free(ts);
	return t ? t : first_thread(s);
}

/* The SIGSTOP an attach's stop reply gives a thread the attach stopped
 * (gdb expects it, as from gdbserver's PTRACE_ATTACH), or -1: the thread
 * met a signal of its own, reported as it is. */
static int attach_sig(struct gs_server *s, pt_thread *t)
{
	if (!s->p->attached || !s->p->first_stop || stopped_by_signal(t, true))
		return -1;
	return SIGSTOP;
}

/* A process launched or attached: the current one.  PT_ENOMEM (the
 * process killed or detached) when the table is full. */
static int after_start(struct gs_server *s, pt_process *pp, bool attached)
{
	struct gs_proc *p = add_proc(s, pp);
	if (!p) {
		if (attached)
			pt_detach(pp);
		else
			pt_kill(pp);
		pt_process_free(pp);
		return PT_ENOMEM;
	}
	p->attached = attached;
	p->announced = true;
	s->signal_pid = p->pid;
	p->first_stop = true;
	s->have_exit = false;
	apply_settings(s, pp);
	select_proc(s, p);
	pt_thread *t = attached ? attach_event_thread(s) : first_thread(s);
	s->last_tid = t ? pt_thread_tid(t) : s->p->pid;
	s->g_tid = 0;
	if (attached && !s->nonstop && t)
		collect_pending(s, t); /* other threads' signals: for later */
	return 0;
}

/* With a shell or --wrapper, the program is not the first one to run:
 * go on through `execs` exec stops (the shell's exec of the wrapper or
 * the program, the wrapper's of the program), delivering the signals
 * the shell and wrapper get.  PT_EEXITED if they end first (a program
 * the shell cannot find or run: exit status 127 or 126). */
static int through_execs(pt_process *p, int execs)
{
	pt_stop_cause c = { .sz = sizeof c };
	pt_process_set_events(p, PT_EVENT_EXEC);
	while (execs > 0) {
		int err = pt_continue(p);
		if (err == 0)
			err = pt_wait(p, -1);
		if (err < 0)
			return err;
		if (pt_process_state(p) == PT_PROC_EXITED)
			return PT_EEXITED;
		pt_thread *t = pt_process_event_thread(p);
		if (t && pt_thread_stop_cause(t, &c) == 0 &&
		    c.kind == PT_STOP_EXEC)
			execs--;
	}
	return 0;
}

/* Characters a POSIX shell gives a meaning to, escaped with a backslash
 * in the command line of QStartupWithShell, so that each argument reaches
 * the program as gdb sent it (no expansion, no splitting), as with
 * gdbserver. */
static const char shell_special[] = "\"!#$&*()\\|[]{}<>?'`~^; \t";

static void shell_quote(struct gs_out *o, const char *arg)
{
	if (!*arg) {
		gs_out_str(o, "''");
		return;
	}
	for (; *arg; arg++) {
		if (*arg == '\n') {
			/* A backslash-newline is a line continuation: quote it. */
			gs_out_str(o, "'\n'");
			continue;
		}
		if (strchr(shell_special, *arg))
			gs_out_str(o, "\\");
		gs_out_mem(o, arg, 1);
	}
}

/* SHELL's -c command: "exec ARGV..." (wrapper included). */
static char *shell_command(char *const argv[])
{
	struct gs_out o = { 0 };
	gs_out_str(&o, "exec");
	for (size_t i = 0; argv[i]; i++) {
		gs_out_str(&o, " ");
		shell_quote(&o, argv[i]);
	}
	gs_out_mem(&o, "", 1);
	if (o.oom) {
		gs_out_free(&o);
		return NULL;
	}
	return o.buf; /* the caller frees it */
}

/* The terminal, as gdbserver shares it (not over stdio, where the program
 * has /dev/null for input and gdb owns the terminal): a launched program
 * leads a process group of its own, so it is made the terminal's
 * foreground group (it reads the terminal and gets its ^C as it would
 * natively), and the group that was in the foreground when the server
 * took the terminal first gets it back when the server exits.  Only when
 * the server is in the foreground itself; SIGTTOU and SIGTTIN are ignored
 * by the server from then on (not by the programs it starts: restored to
 * the default around each launch, as dispositions survive exec). */
static int term_fd = -1;
static pid_t term_old_pgrp = -1;
static bool term_ignoring;

static void term_restore(void)
{
	if (term_fd >= 0 && term_old_pgrp > 0)
		tcsetpgrp(term_fd, term_old_pgrp);
}

static void term_signals(bool ignore)
{
	if (!term_ignoring)
		return;
	struct sigaction sa = { .sa_handler = ignore ? SIG_IGN : SIG_DFL };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTTOU, &sa, NULL);
	sigaction(SIGTTIN, &sa, NULL);
}

static void term_give(struct gs_server *s, pid_t pgrp)
{
	if (s->stdio_conn)
		return;
	if (term_fd < 0) {
		for (int fd = 0; fd <= 2; fd++)
			if (isatty(fd) && tcgetpgrp(fd) == getpgrp()) {
				term_fd = fd;
				break;
			}
		if (term_fd < 0)
			return;
		term_old_pgrp = getpgrp();
		term_ignoring = true;
		term_signals(true);
		atexit(term_restore);
	}
	if (tcsetpgrp(term_fd, pgrp) < 0)
		DBG("terminal to process group %d: %s\n", (int)pgrp,
		    strerror(errno));
}

int gs_server_launch(struct gs_server *s, char *const argv[])
{
	pt_process *p;
	struct pt_launch_opts o = { .sz = sizeof o };
	o.envp = s->env;
	o.cwd = s->cwd;
	char **full = NULL, *cmd = NULL;
	int execs = 0;
	if (s->wrapper && s->wrapper[0]) {
		size_t nw = 0, na = 0;
		while (s->wrapper[nw])
			nw++;
		while (argv[na])
			na++;
		full = calloc(nw + na + 1, sizeof *full);
		if (!full)
			return PT_ENOMEM;
		memcpy(full, s->wrapper, nw * sizeof *full);
		memcpy(full + nw, argv, na * sizeof *full);
		argv = full;
		execs++;
	}
	char *shell_argv[4];
	if (s->with_shell) {
		const char *sh = getenv("SHELL");
		if (!sh || !*sh)
			sh = "/bin/sh";
		if (!(cmd = shell_command(argv))) {
			free(full);
			return PT_ENOMEM;
		}
		shell_argv[0] = (char *)sh;
		shell_argv[1] = (char *)"-c";
		shell_argv[2] = cmd;
		shell_argv[3] = NULL;
		argv = shell_argv;
		execs++;
	}
	/* As gdbserver's: the program leads a process group of its own (a ^C
	 * reaches it as gdb's 0x03, which we turn into a stop), no ASLR
	 * unless QDisableRandomization:0, and over stdio the program gets
	 * /dev/null as input and our stderr as output, away from the
	 * protocol on our fds 0 and 1. */
	o.flags = PT_LAUNCH_NEW_PGRP | (s->no_aslr ? PT_LAUNCH_NO_ASLR : 0);
	if (s->stdio_conn) {
		o.flags |= PT_LAUNCH_STDIO;
		o.stdio[0] = -1;
		o.stdio[1] = 2;
		o.stdio[2] = 2;
	}
	term_signals(false);
	int err = pt_launch(argv[0], argv, &o, &p);
	term_signals(true);
	if (err == 0)
		term_give(s, pt_process_pid(p));
	free(full);
	free(cmd);
	s->startup_exit = -1;
	if (err == 0 && execs && (err = through_execs(p, execs)) < 0) {
		int code = -1;
		if (err == PT_EEXITED && pt_process_exit(p, &code, NULL) == 0)
			s->startup_exit = code;
		if (code == 127 || code == 126)
			err = code == 127 ? PT_ENOENT : PT_EACCES;
		pt_process_free(p);
	}
	if (err < 0)
		return err;
	return after_start(s, p, false);
}

int gs_server_attach(struct gs_server *s, pid_t pid)
{
	pt_process *p;
	int err = pt_attach(pid, &p);
	if (err < 0)
		return err;
	return after_start(s, p, true);
}

/* Every process let go: the attached ones detached, the others killed. */
void gs_server_drop(struct gs_server *s)
{
	while (s->nprocs) {
		select_proc(s, s->procs[s->nprocs - 1]);
		release_proc(s, !s->p->attached);
		forget_process(s);
	}
}

size_t gs_server_wait_fds(struct gs_server *s, int *fds, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < s->nprocs && n < max; i++)
		if (s->procs[i]->running)
			fds[n++] = pt_process_event_fd(s->procs[i]->proc);
	return n;
}

/* The program's path (pt_process_exe) into buf; its length, or -1 when
 * there is none or it does not fit. */
static int exe_path(struct gs_server *s, char *buf, size_t len)
{
	int n = s->p->proc ? pt_process_exe(s->p->proc, buf, len) : -1;
	return n > 0 && (size_t)n < len ? n : -1;
}

/* The auxiliary vector (pt_process_auxv) in a malloc'd buffer of *len
 * bytes, or NULL. */
static unsigned char *proc_auxv(struct gs_server *s, size_t *len)
{
	size_t cap = 1024;
	for (int tries = 0; s->p->proc && tries < 4; tries++) {
		unsigned char *b = malloc(cap);
		if (!b)
			return NULL;
		int n = pt_process_auxv(s->p->proc, b, cap);
		if (n < 0) {
			free(b);
			return NULL;
		}
		if ((size_t)n <= cap) {
			*len = (size_t)n;
			return b;
		}
		free(b);
		cap = (size_t)n;
	}
	return NULL;
}

/* The thread's name (pt_thread_name), "" when it has none. */
static void thread_name(pt_thread *t, char *buf, size_t len)
{
	if (pt_thread_name(t, buf, len) < 0)
		buf[0] = 0;
	buf[strcspn(buf, "\n")] = 0;
}

/* ---- stop replies ----------------------------------------------------- */

static bool own_event(struct gs_server *s, const pt_stop_cause *c)
{
	switch (c->kind) {
	case PT_STOP_BREAKPOINT:
	case PT_STOP_SIGNAL:
	case PT_STOP_GROUP:
	case PT_STOP_STEP:
	case PT_STOP_WATCHPOINT:
	case PT_STOP_EXEC:
	case PT_STOP_SYSCALL_ENTRY:
	case PT_STOP_SYSCALL_EXIT:
		return true;
	case PT_STOP_VFORK_DONE: /* only with vfork-events+ */
		return true;
	case PT_STOP_FORK: /* a child kept for gdb (fork_adopt) */
		return c->process != NULL && find_proc(s, c->pid) != NULL;
	default:
		return false;
	}
}

/* ---- breakpoint conditions (ConditionalBreakpoints+) -------------------- */

static struct gs_cond_bp *cond_find(struct gs_proc *p, uint64_t addr)
{
	for (size_t i = 0; i < p->nconds; i++)
		if (p->conds[i].addr == addr)
			return &p->conds[i];
	return NULL;
}

/* The breakpoint at addr has conditions c from now on (taken over: *c
 * is left empty; none: it has no condition).  False when memory is short
 * (c is freed). */
static bool cond_set(struct gs_proc *p, uint64_t addr, struct gs_agent_conds *c)
{
	struct gs_cond_bp *e = cond_find(p, addr);
	if (e) {
		gs_agent_conds_free(&e->conds);
		if (c->n) {
			e->conds = *c;
			*c = (struct gs_agent_conds){ NULL, 0 };
			return true;
		}
		*e = p->conds[--p->nconds];
		return true;
	}
	if (!c->n)
		return true;
	if (p->nconds == p->cap_conds) {
		size_t cap = p->cap_conds ? 2 * p->cap_conds : 8;
		struct gs_cond_bp *n = realloc(p->conds, cap * sizeof *n);
		if (!n) {
			gs_agent_conds_free(c);
			return false;
		}
		p->conds = n;
		p->cap_conds = cap;
	}
	p->conds[p->nconds++] = (struct gs_cond_bp){ .addr = addr, .conds = *c };
	*c = (struct gs_agent_conds){ NULL, 0 };
	return true;
}

static void cond_clear(struct gs_proc *p)
{
	for (size_t i = 0; i < p->nconds; i++)
		gs_agent_conds_free(&p->conds[i].conds);
	p->nconds = 0;
}

/* A fork child gets copies of its parent's conditions (its breakpoints
 * are the parent's). */
static void cond_copy(struct gs_proc *to, const struct gs_proc *from)
{
	for (size_t i = 0; i < from->nconds; i++) {
		const struct gs_agent_conds *f = &from->conds[i].conds;
		struct gs_agent_conds c = { calloc(f->n, sizeof *c.v), 0 };
		for (size_t k = 0; c.v && k < f->n; k++) {
			c.v[k].code = malloc(f->v[k].len);
			if (!c.v[k].code)
				break;
			memcpy(c.v[k].code, f->v[k].code, f->v[k].len);
			c.v[k].len = f->v[k].len;
			c.n++;
		}
		if (!c.v || c.n < f->n) {
			/* short of memory: the child stops there always */
			gs_agent_conds_free(&c);
			continue;
		}
		cond_set(to, from->conds[i].addr, &c);
	}
}

struct cond_ctx {
	struct gs_server *s;
	pt_thread *t;
};

static int cond_reg(void *user, int regnum, uint64_t *val)
{
	struct cond_ctx *cc = user;
	const struct gs_reg *g = gs_regs_find(&cc->s->p->regs, regnum);
	return g && pt_thread_reg_get(cc->t, g->index, val) == 0 ? 0 : -1;
}

static int cond_mem(void *user, uint64_t addr, void *buf, size_t len)
{
	struct cond_ctx *cc = user;
	size_t done = 0;
	pt_mem_read(cc->s->p->proc, addr, buf, len, &done);
	return done == len ? 0 : -1;
}

/* Does thread t's hit of the breakpoint at addr stop (no conditions, one
 * of them true, or one that cannot be evaluated)? */
static bool cond_holds(struct gs_server *s, pt_thread *t, uint64_t addr)
{
	struct gs_cond_bp *e = cond_find(s->p, addr);
	if (!e)
		return true;
	struct cond_ctx cc = { s, t };
	struct gs_agent_ctx ctx = { &cc, cond_reg, cond_mem };
	int err = 0;
	bool stop = gs_agent_conds_true(&e->conds, &ctx, &err) != 0;
	if (err)
		DBG("condition at %#" PRIx64 ": %s: stop\n", addr,
		    gs_agent_strerror(err));
	else if (!stop)
		DBG("thread %d: condition at %#" PRIx64 " false\n",
		    (int)pt_thread_tid(t), addr);
	return stop;
}

static bool have_break(struct gs_server *s, uint64_t addr)
{
	for (size_t i = 0; i < s->p->nbreaks; i++)
		if (s->p->breaks[i] == addr)
			return true;
	return false;
}

static const struct gs_watch *watch_of_id(struct gs_server *s, int id)
{
	for (size_t i = 0; i < s->p->nwatches; i++)
		for (int k = 0; k < s->p->watches[i].nids; k++)
			if (s->p->watches[i].ids[k] == id)
				return &s->p->watches[i];
	return NULL;
}

/* An event gdb is told of: its own kind (own_event), and for a hit of a
 * breakpoint with conditions, one of them true. */
static bool wanted(struct gs_server *s, pt_thread *t, const pt_stop_cause *c)
{
	if (!own_event(s, c))
		return false;
	if (c->kind == PT_STOP_BREAKPOINT)
		return cond_holds(s, t, c->addr);
	return true;
}

/* Registers gdb wants with every stop: FP, SP, PC. */
static void out_expedited(struct gs_server *s, pt_thread *t)
{
	static const pt_reg_role roles[] = { PT_ROLE_FP, PT_ROLE_SP,
					     PT_ROLE_PC };
	for (size_t i = 0; i < sizeof roles / sizeof *roles; i++) {
		const struct gs_reg *g = gs_regs_role(&s->p->regs, roles[i]);
		unsigned char buf[64];
		if (!g || g->info->size > sizeof buf ||
		    pt_thread_reg_read(t, g->index, buf, sizeof buf) < 0)
			continue;
		gs_out_fmt(&s->out, "%x:", (unsigned)g->regnum);
		gs_out_hex(&s->out, buf, g->wire);
		gs_out_str(&s->out, ";");
	}
}

static void out_thread_list(struct gs_server *s, bool pcs)
{
	size_t n;
	pt_thread **ts = thread_list(s, &n);
	for (size_t i = 0; i < n; i++) {
		if (i)
			gs_out_str(&s->out, ",");
		if (pcs) {
			uint64_t pc = 0;
			pt_thread_pc(ts[i], &pc);
			gs_out_fmt(&s->out, "%" PRIx64, pc);
		} else {
			gs_out_fmt(&s->out, "%x", (unsigned)pt_thread_tid(ts[i]));
		}
	}
	free(ts);
}

/* The T packet for thread t; sig_override >= 0 replaces the cause's
 * signal (an interrupt reports SIGINT). */
static void build_stop_reply(struct gs_server *s, pt_thread *t,
			     const pt_stop_cause *cause, int sig_override)
{
	static struct gs_out exec_out;
	/* The exec that started the program is no event for gdb. */
	bool exec_hidden = s->p->first_stop;
	pt_stop_cause c = { .sz = sizeof c };
	int sig = 0;
	const char *reason = NULL;
	char reason_buf[64];

	if (cause)
		c = *cause;
	else if (pt_thread_stop_cause(t, &c) < 0)
		c.kind = PT_STOP_NONE;
	switch (c.kind) {
	case PT_STOP_BREAKPOINT:
		sig = SIGTRAP;
		if (s->swbreak || s->lldb)
			reason = "swbreak:;";
		break;
	case PT_STOP_STEP:
		sig = SIGTRAP;
		break;
	case PT_STOP_THREAD_CREATE:
		/* Reported for the new thread (QThreadEvents). */
		sig = SIGTRAP;
		reason = "create:;";
		break;
	case PT_STOP_EXEC: {
		sig = SIGTRAP;
		char exe[PATH_MAX];
		int r = s->exec_events && !exec_hidden ? exe_path(s, exe, sizeof exe)
						       : -1;
		if (r > 0) {
			gs_out_reset(&exec_out);
			gs_out_str(&exec_out, "exec:");
			gs_out_hex(&exec_out, exe, (size_t)r);
			gs_out_str(&exec_out, ";");
			reason = exec_out.buf;
		}
		break;
	}
	case PT_STOP_SIGNAL:
	case PT_STOP_GROUP:
		sig = c.signo;
		break;
	case PT_STOP_FORK:
		/* fork-events+, vfork-events+ (multiprocess ids: gdb asks
		 * for both) */
		sig = SIGTRAP;
		snprintf(reason_buf, sizeof reason_buf, "%s:p%x.%x;",
			 c.code == PT_FORK_VFORK ? "vfork" : "fork",
			 (unsigned)c.pid, (unsigned)c.pid);
		reason = reason_buf;
		if (find_proc(s, c.pid))
			find_proc(s, c.pid)->announced = true;
		break;
	case PT_STOP_VFORK_DONE:
		sig = SIGTRAP;
		reason = "vforkdone:;";
		break;
	case PT_STOP_SYSCALL_ENTRY:
	case PT_STOP_SYSCALL_EXIT: {
		/* QCatchSyscalls.  An exit whose entry the library did not see
		 * has no number: orig_rax / orig_eax still holds it. */
		sig = SIGTRAP;
		uint64_t nr = (uint64_t)c.syscall;
		if (c.syscall < 0 &&
		    pt_thread_reg_get_name(t, s->p->regs.x86_64 ? "orig_rax" : "orig_eax",
					   &nr) < 0)
			nr = 0;
		snprintf(reason_buf, sizeof reason_buf, "%s:%" PRIx64 ";",
			 c.kind == PT_STOP_SYSCALL_ENTRY ? "syscall_entry"
							 : "syscall_return",
			 s->p->regs.x86_64 ? nr : (uint32_t)nr);
		reason = reason_buf;
		break;
	}
	case PT_STOP_WATCHPOINT: {
		sig = SIGTRAP;
		const struct gs_watch *w = watch_of_id(s, c.watch);
		if (!w || w->type == 1) {
			if (s->hwbreak || s->lldb)
				reason = "hwbreak:;";
			break;
		}
		const char *kind = w->type == 2 ? "watch"
				   : w->type == 3 ? "rwatch" : "awatch";
		snprintf(reason_buf, sizeof reason_buf, "%s:%" PRIx64 ";", kind,
			 c.addr);
		reason = reason_buf;
		break;
	}
	default:
		sig = 0;
		break;
	}
	if (sig_override >= 0)
		sig = sig_override;
	if (s->nonstop && s->g_tid <= 0) {
		/* Non-stop: a stop notification does not change the thread
		 * g, G, p, P, m... work on (gdb's own cache of it stays
		 * right; a G after a notification once wrote the registers
		 * read from one thread into another: soak.py). */
		pt_thread *ct = cur_thread(s);
		if (ct)
			s->g_tid = pt_thread_tid(ct);
	}
	s->last_tid = pt_thread_tid(t);
	s->last_cause = c;
	s->p->first_stop = false;
	/* All-stop: gdb takes the thread of a stop reply as its general
	 * thread (Hg) from now on, as gdbserver does. */
	if (!s->nonstop)
		s->g_tid = 0;
	gs_out_reset(&s->out);
	if (s->no_T) { /* --disable-packet=T: the old S reply */
		gs_out_fmt(&s->out, "S%02x", sig_to_wire(s, sig) & 0xff);
		return;
	}
	gs_out_fmt(&s->out, "T%02x", sig_to_wire(s, sig) & 0xff);
	if (!s->no_Tthread) {
		gs_out_str(&s->out, "thread:");
		out_tid(s, pt_thread_tid(t));
		gs_out_str(&s->out, ";");
	}
	out_expedited(s, t);
	int core = pt_thread_core(t);
	if (core >= 0)
		gs_out_fmt(&s->out, "core:%x;", (unsigned)core);
	if (reason)
		gs_out_str(&s->out, reason);
	if (s->list_threads_in_stop) {
		gs_out_str(&s->out, "threads:");
		out_thread_list(s, false);
		gs_out_str(&s->out, ";thread-pcs:");
		out_thread_list(s, true);
		gs_out_str(&s->out, ";");
	}
	if (s->lldb && c.kind == PT_STOP_BREAKPOINT)
		gs_out_str(&s->out, "reason:breakpoint;");
	else if (s->lldb && c.kind == PT_STOP_STEP)
		gs_out_str(&s->out, "reason:trace;");
}

static void build_exit_reply(struct gs_server *s)
{
	gs_out_reset(&s->out);
	if (s->exit_signal)
		gs_out_fmt(&s->out, "X%02x", sig_to_wire(s, s->exit_signal) & 0xff);
	else
		gs_out_fmt(&s->out, "W%02x", s->exit_code & 0xff);
	if (s->multiprocess)
		gs_out_fmt(&s->out, ";process:%x", (unsigned)s->exit_pid);
}

/* The reply to '?' and the stop reply after vRun/vAttach. */
static void reply_status(struct gs_server *s)
{
	if (!s->p->proc) {
		if (s->have_exit) {
			build_exit_reply(s);
			reply(s);
		} else {
			reply_str(s, "W00");
		}
		return;
	}
	pt_thread *t = NULL;
	if (s->last_tid)
		t = pt_process_thread(s->p->proc, s->last_tid);
	if (!t)
		t = first_thread(s);
	if (!t) {
		reply_err(s, 1, "no thread");
		return;
	}
	build_stop_reply(s, t, NULL, attach_sig(s, t));
	reply(s);
}

static struct gs_proc *halt_others(struct gs_server *s,
				   struct gs_proc *except);

/* The current process is gone: its W or X reply (after the other
 * processes are stopped, in all-stop). */
static void process_gone(struct gs_server *s)
{
	int code = 0, sig = 0;
	pt_process_exit(s->p->proc, &code, &sig);
	s->exit_code = code < 0 ? 0 : code;
	s->exit_signal = sig;
	s->exit_pid = s->p->pid;
	s->have_exit = true;
	forget_process(s);
	if (!s->nonstop)
		halt_others(s, NULL);
	build_exit_reply(s);
	if (s->nonstop) {
		/* A notification; the session ends once gdb has seen it. */
		ns_push(s);
		s->ns_exit_after = !s->extended && !s->nprocs;
		return;
	}
	reply(s);
	if (!s->extended && !s->nprocs)
		s->want_exit = true;
}

/* The new thread of a creation event. */
static pt_thread *created_thread(struct gs_server *s, const pt_stop_cause *c)
{
	return c->thread ? c->thread : pt_process_thread(s->p->proc, c->pid);
}

/* A thread (not the leader) that exits in this stop, whose exit gdb was
 * told of with QThreadEvents: no longer in thread lists. */
static bool thread_gone(struct gs_server *s, pt_thread *t)
{
	pt_stop_cause c = { .sz = sizeof c };
	return s->thread_events && pt_thread_tid(t) != s->p->pid &&
	       pt_thread_stop_cause(t, &c) == 0 && c.kind == PT_STOP_THREAD_EXIT;
}

/* Keep thread tid's event c for later (the list grows as needed). */
static void add_pending(struct gs_server *s, pid_t tid, const pt_stop_cause *c)
{
	if (s->p->npending == s->p->cap_pending) {
		size_t cap = s->p->cap_pending ? 2 * s->p->cap_pending : 64;
		struct gs_pending *np = realloc(s->p->pending, cap * sizeof *np);
		if (!np)
			return; /* out of memory: the event is lost */
		s->p->pending = np;
		s->p->cap_pending = cap;
	}
	s->p->pending[s->p->npending].tid = tid;
	s->p->pending[s->p->npending++].cause = *c;
}

static bool is_pending(struct gs_server *s, pid_t tid)
{
	for (size_t i = 0; i < s->p->npending; i++)
		if (s->p->pending[i].tid == tid)
			return true;
	return false;
}

/* Threads other than `event` with events of their own: kept for later,
 * with those still kept from earlier stops (threads that stayed stopped
 * while another one stepped). */
static void collect_pending(struct gs_server *s, pt_thread *event)
{
	size_t n;
	pt_thread **ts = thread_list(s, &n);
	for (size_t i = 0; i < n; i++) {
		pt_stop_cause c = { .sz = sizeof c };
		if (ts[i] == event || is_pending(s, pt_thread_tid(ts[i])) ||
		    pt_thread_stop_cause(ts[i], &c) < 0 ||
		    c.kind == PT_STOP_STEP || c.kind == PT_STOP_EXEC)
			continue;
		if (!wanted(s, ts[i], &c) &&
		    !(s->thread_events && c.kind == PT_STOP_THREAD_CREATE))
			continue;
		/* A signal gdb said to pass goes with the next resume. */
		if (c.kind == PT_STOP_SIGNAL && c.signo > 0 && c.signo <= 64 &&
		    s->pass[c.signo])
			continue;
		DBG("pending: thread %d, %s\n", (int)pt_thread_tid(ts[i]),
		    pt_stop_kind_name(c.kind));
		add_pending(s, pt_thread_tid(ts[i]), &c);
	}
	free(ts);
}

/* All-stop: a stop is about to be reported; every running process but
 * `except` is stopped too (gdb then believes every thread stopped).
 * Their own events are kept as pending events, reported when gdb
 * resumes their threads; a process that ended meanwhile is marked gone:
 * its exit is reported then, or at once (exit_first).  The first process
 * found gone, or NULL. */
static struct gs_proc *halt_others(struct gs_server *s, struct gs_proc *except)
{
	struct gs_proc *cur = s->p, *gone = NULL;
	size_t n = s->nprocs; /* fork_adopt may add processes: not these */
	for (size_t i = 0; i < n; i++) {
		struct gs_proc *p = s->procs[i];
		if (p == except || !p->running)
			continue;
		s->p = p;
		int err = pt_stop(p->proc);
		if (err == 0)
			err = pt_wait(p->proc, -1);
		p->running = false;
		if (err < 0 || pt_process_state(p->proc) != PT_PROC_STOPPED) {
			DBG("process %d ended while being halted\n", (int)p->pid);
			p->gone = true;
			if (!gone)
				gone = p;
			continue;
		}
		refresh_regs(s);
		fork_adopt(s);
		collect_pending(s, NULL);
	}
	s->p = cur;
	return gone;
}

/* halt_others found process g ended (NULL: none) while the current
 * process's event (thread ev's cause c; ev NULL: an interrupt) was about
 * to be reported.  g's exit is reported now, and ev's event waits with
 * the current process's other events, reported when gdb resumes those
 * threads: gdb hears of the exit while the dead process is still in its
 * thread lists.  (Reported after the hit, the dead process left the lists
 * unannounced; gdb's Hg to it failed, and gdb read "its" registers and
 * put "its" breakpoints in the other process.)  The end of a step or an
 * exec cannot wait (reported later, gdb would take the step's SIGTRAP for
 * a stray one): false, the caller reports it, and g's exit waits for the
 * next resume. */
static bool exit_first(struct gs_server *s, struct gs_proc *g, pt_thread *ev,
		       const pt_stop_cause *c)
{
	if (!g || (ev && (c->kind == PT_STOP_STEP || c->kind == PT_STOP_EXEC)))
		return false;
	if (ev && !is_pending(s, pt_thread_tid(ev)))
		add_pending(s, pt_thread_tid(ev), c);
	collect_pending(s, ev);
	if (s->interrupted &&
	    !(ev && c->kind == PT_STOP_SIGNAL && c->signo == SIGINT))
		s->interrupt_due = true; /* the interrupt is owed */
	s->interrupted = false;
	s->step_tid = 0;
	DBG("process %d ended meanwhile: its exit reported first\n",
	    (int)g->pid);
	select_proc(s, g);
	process_gone(s);
	return true;
}

/* Is a pending event still worth reporting?  Its cause is the one
 * recorded at the stop: the library forgets the causes of threads that
 * stayed stopped while another one single-stepped. */
static bool pending_valid(struct gs_server *s, pt_thread *t,
			  const pt_stop_cause *c)
{
	if (!t)
		return false;
	if (c->kind == PT_STOP_BREAKPOINT) {
		uint64_t pc = 0;
		return have_break(s, c->addr) && pt_thread_pc(t, &pc) == 0 &&
		       pc == c->addr;
	}
	if (c->kind == PT_STOP_WATCHPOINT)
		return watch_of_id(s, c->watch) != NULL;
	if (c->kind == PT_STOP_THREAD_CREATE)
		return s->thread_events && created_thread(s, c) != NULL;
	if (c->kind == PT_STOP_FORK) /* the child not let go since */
		return find_proc(s, c->pid) != NULL;
	return own_event(s, c);
}

/* A thread's own event other than ev's (and not kept pending), or NULL. */
static pt_thread *other_event_thread(struct gs_server *s, pt_thread *ev)
{
	size_t n;
	pt_thread **ts = thread_list(s, &n);
	for (size_t i = 0; i < n; i++) {
		pt_stop_cause c = { .sz = sizeof c };
		if (ts[i] != ev && !is_pending(s, pt_thread_tid(ts[i])) &&
		    pt_thread_stop_cause(ts[i], &c) == 0 &&
		    wanted(s, ts[i], &c)) {
			pt_thread *t = ts[i];
			free(ts);
			return t;
		}
	}
	free(ts);
	return NULL;
}

/* QThreadEvents: a "w" reply for every thread (but the leader: gdb keeps
 * the process's main thread until the process is gone) that exits in
 * this stop.  gdb takes each as an event of its own and waits on without
 * resuming anything (all-stop). */
static void report_thread_exits(struct gs_server *s)
{
	size_t n;
	pt_thread **ts = thread_list(s, &n);
	for (size_t i = 0; i < n; i++) {
		pt_stop_cause c = { .sz = sizeof c };
		if (!thread_gone(s, ts[i]) || pt_thread_stop_cause(ts[i], &c) < 0)
			continue;
		DBG("thread %d exits: w\n", (int)pt_thread_tid(ts[i]));
		gs_out_reset(&s->out);
		gs_out_fmt(&s->out, "w%02x;", c.status & 0xff);
		out_tid(s, pt_thread_tid(ts[i]));
		reply(s);
	}
	free(ts);
}

/* QThreadEvents, a stop with no event of gdb's own kind (ev's cause c):
 * a thread creation is a stop reply ("create:", for the new thread, which
 * gdb then resumes with the others; other creations of the same stop are
 * kept as pending events).  After thread exits ("w", already sent), gdb
 * resumes nothing: report another thread's own event of the same stop, or
 * a creation, or let the process go on (false: the caller resumes it as
 * after any silent stop). */
static bool thread_event(struct gs_server *s, pt_thread *ev,
			 const pt_stop_cause *c)
{
	pt_thread *rep = NULL;
	pt_stop_cause rc = { .sz = sizeof rc };
	if (c->kind == PT_STOP_THREAD_CREATE && created_thread(s, c)) {
		rep = ev;
		rc = *c;
	} else if ((rep = other_event_thread(s, ev)) != NULL) {
		pt_thread_stop_cause(rep, &rc);
	} else {
		size_t n;
		pt_thread **ts = thread_list(s, &n);
		for (size_t i = 0; i < n && !rep; i++) {
			pt_stop_cause tc = { .sz = sizeof tc };
			if (pt_thread_stop_cause(ts[i], &tc) == 0 &&
			    tc.kind == PT_STOP_THREAD_CREATE &&
			    created_thread(s, &tc)) {
				rep = ts[i];
				rc = tc;
			}
		}
		free(ts);
	}
	if (!rep)
		return false;
	s->step_tid = 0;
	if (exit_first(s, halt_others(s, s->p), rep, &rc))
		return true;
	collect_pending(s, rep);
	build_stop_reply(s, rc.kind == PT_STOP_THREAD_CREATE ? created_thread(s, &rc)
							     : rep,
			 &rc, -1);
	reply(s);
	return true;
}

static int resume_as(struct gs_server *s, const struct gs_vcont *v);
static pt_thread *resumed_thread(struct gs_server *s);

/* vCont r: the step of the ranging thread ended with its PC still in the
 * range, on no breakpoint of gdb's and with no other event: step again
 * (true).  Anything else ends the range step and is reported. */
static bool range_step_on(struct gs_server *s, pt_thread *ev,
			  const pt_stop_cause *c)
{
	uint64_t pc;
	if (s->interrupted || !s->step_tid || pt_thread_tid(ev) != s->step_tid ||
	    c->kind != PT_STOP_STEP || pt_thread_pc(ev, &pc) < 0 ||
	    pc < s->range_start || pc >= s->range_end ||
	    (have_break(s, pc) && cond_holds(s, ev, pc)) ||
	    other_event_thread(s, ev) || pt_thread_signal(ev) != 0)
		return false;
	if (resume_as(s, &s->plan) < 0)
		return false;
	s->p->running = true;
	return true;
}

/* An exec: the library dropped every breakpoint and watchpoint of the
 * current process; so does the server (with their conditions). */
static void exec_forget(struct gs_server *s)
{
	s->p->nowed = 0;
	s->p->nbreaks = 0;
	s->p->nwatches = 0;
	cond_clear(s->p);
}

/* All threads stopped (or the process is gone): report, or go on. */
static void on_stop(struct gs_server *s)
{
	if (pt_process_state(s->p->proc) == PT_PROC_EXITED) {
		process_gone(s);
		return;
	}
	s->p->running = false;
	refresh_regs(s);
	fork_adopt(s);
	pt_thread *ev = pt_process_event_thread(s->p->proc);
	pt_stop_cause c = { .sz = sizeof c };
	bool own = ev && pt_thread_stop_cause(ev, &c) == 0 && wanted(s, ev, &c);
	if (!own && ev && !s->interrupted) {
		/* The event thread's event is none of gdb's (a hit whose
		 * conditions are false, a thread event gdb did not ask for):
		 * another thread's own event of the same stop is the one
		 * reported.  Resuming would step that thread over its
		 * breakpoint: the hit lost. */
		pt_thread *o = other_event_thread(s, ev);
		if (o && pt_thread_stop_cause(o, &c) == 0) {
			ev = o;
			own = true;
		}
	}
	if (own && c.kind == PT_STOP_EXEC) {
		exec_forget(s);
		s->p->npending = 0;
	}
	if (debug_on()) {
		size_t n;
		pt_thread **ts = thread_list(s, &n);
		for (size_t i = 0; i < n; i++) {
			pt_stop_cause tc = { .sz = sizeof tc };
			char why[96] = "?";
			uint64_t pc = 0;
			if (pt_thread_stop_cause(ts[i], &tc) == 0)
				pt_stop_cause_format(&tc, why, sizeof why);
			pt_thread_pc(ts[i], &pc);
			DBG("stop: thread %d%s: %s, pc %#" PRIx64 "\n",
			    (int)pt_thread_tid(ts[i]), ts[i] == ev ? " (event)" : "",
			    why, pc);
		}
		free(ts);
	}

	if (own && s->ranging && range_step_on(s, ev, &c))
		return;
	s->ranging = false;
	if (s->thread_events)
		report_thread_exits(s);
	if (ev && !own && !s->interrupted && s->thread_events &&
	    thread_event(s, ev, &c))
		return;
	if (own && !s->interrupted && !s->step_tid &&
	    c.kind == PT_STOP_SIGNAL && c.signo > 0 && c.signo <= 64 &&
	    s->pass[c.signo]) {
		/* Every own event a passed signal?  Then deliver and go on. */
		collect_pending(s, ev);
		if (s->p->npending == 0 && resume_as(s, &s->plan) == 0) {
			s->p->running = true;
			return;
		}
	}
	if (!own && !s->interrupted) {
		/* Nothing for gdb (a thread event the mask let through):
		 * the vCont goes on. */
		int err = resume_as(s, &s->plan);
		if (err == 0) {
			s->p->running = true;
			return;
		}
		if (!ev && err == PT_EINVAL && !any_running(s)) {
			/* Every thread the vCont ran has exited, unseen:
			 * none is left to wait for (gdbserver's
			 * TARGET_WAITKIND_NO_RESUMED). */
			s->step_tid = 0;
			if (s->no_resumed) {
				reply_str(s, "N");
			} else {
				reply_err(s, 1, "No unwaited-for children left.");
			}
			return;
		}
	}
	s->step_tid = 0;
	if (exit_first(s, halt_others(s, s->p), own ? ev : NULL, &c))
		return;
	if (!own) {
		/* An interrupt: reported for a thread the vCont ran (gdb
		 * expects the thread it resumed under scheduler-locking). */
		pt_thread *t = resumed_thread(s);
		if (!t) {
			reply_err(s, 1, "no thread");
			return;
		}
		collect_pending(s, NULL);
		build_stop_reply(s, t, NULL, s->interrupted ? SIGINT : 0);
	} else {
		collect_pending(s, ev);
		build_stop_reply(s, ev, NULL, -1);
		if (s->interrupted &&
		    !(c.kind == PT_STOP_SIGNAL && c.signo == SIGINT))
			s->interrupt_due = true;
	}
	s->interrupted = false;
	reply(s);
}

static void ns_collect(struct gs_server *s);
static void ns_settle(struct gs_server *s);

/* A running process has stopped: the first found (from the one after
 * the last one served, for fairness) is served. */
/* Process p has stopped (pt_wait gave err): serve its stop. */
static void serve_stop(struct gs_server *s, struct gs_proc *p, int err)
{
	struct gs_proc *cur = s->p;
	select_proc(s, p);
	p->running = false;
	if (err < 0) {
		/* Detached or broken under us: the process is lost. */
		s->exit_code = 0;
		process_gone(s);
		return;
	}
	if (s->nonstop) {
		/* A notification: gdb's packets still mean the process it
		 * chose (Hg), which stays the current one. */
		size_t n = s->nprocs;
		ns_collect(s);
		ns_settle(s);
		select_proc(s, cur != p || s->nprocs == n ? cur
				 : s->nprocs ? s->procs[0] : NULL);
		return;
	}
	on_stop(s);
}

void gs_server_process_event(struct gs_server *s)
{
	for (size_t k = 0; k < s->nprocs; k++) {
		struct gs_proc *p = s->procs[(s->next_event + k) % s->nprocs];
		if (!p->running)
			continue;
		int err = pt_wait(p->proc, 0);
		if (err == PT_ETIMEDOUT)
			continue;
		s->next_event = (s->next_event + k + 1) % s->nprocs;
		serve_stop(s, p, err);
		return;
	}
}

/* ---- resuming ----------------------------------------------------------- */

struct resume_action {
	char kind;   /* 'c', 's', 'r' (a range step), 0 for none */
	int sig;     /* Linux number */
	uint64_t start, end; /* r: the range */
};

/* The action of vCont v for thread tid of process pid (the first that
 * names it: the thread, its process, or every thread). */
static struct resume_action action_for(const struct gs_vcont *v, pid_t pid,
				       pid_t tid)
{
	for (size_t i = 0; i < v->n; i++)
		if ((v->a[i].tid == -1 &&
		     (v->a[i].pid <= 0 || v->a[i].pid == pid)) ||
		    v->a[i].tid == tid)
			return (struct resume_action){ v->a[i].kind, v->a[i].sig,
						       v->a[i].start, v->a[i].end };
	return (struct resume_action){ 0, 0, 0, 0 };
}

/* The current thread if the last vCont resumed it, else the first thread
 * it resumed, else the current thread. */
static pt_thread *resumed_thread(struct gs_server *s)
{
	pt_thread *t = cur_thread(s);
	if (!t || s->plan.n == 0 || action_for(&s->plan, s->p->pid, pt_thread_tid(t)).kind)
		return t;
	size_t n;
	pt_thread **ts = thread_list(s, &n);
	for (size_t i = 0; i < n; i++)
		if (action_for(&s->plan, s->p->pid, pt_thread_tid(ts[i])).kind) {
			t = ts[i];
			break;
		}
	free(ts);
	return t;
}

/* How thread t is resumed to do kind (PT_RESUME_CONTINUE or _STEP).  As
 * with gdbserver, a breakpoint of gdb's under its PC is not stepped over
 * but hit (PT_RESUME_NO_STEP_OVER): gdb steps its threads over its
 * breakpoints itself, and one it leaves in place under a thread it
 * resumes is one it means to stop there (the step-resume breakpoint at
 * the PC of a stepping thread resumed with a signal to pass).  Only a hit
 * whose conditions (evaluated here) are false is stepped over: it was
 * never gdb's. */
static int resume_kind(struct gs_server *s, pt_thread *t, int kind)
{
	pt_stop_cause c = { .sz = sizeof c };
	uint64_t pc;
	/* A step from inside a system call (a fork event of a stepi over the
	 * syscall instruction) ends at the call's exit, as with PTRACE_SINGLESTEP
	 * under gdbserver (gdb.base/step-over-syscall.exp). */
	if (kind == PT_RESUME_STEP)
		kind |= PT_RESUME_SYSCALL_EXIT_STEP;
	if (pt_thread_stop_cause(t, &c) == 0 &&
	    (c.kind == PT_STOP_BREAKPOINT || c.kind == PT_STOP_STEP) &&
	    pt_thread_pc(t, &pc) == 0 && have_break(s, pc) &&
	    cond_find(s->p, pc) && !cond_holds(s, t, pc))
		return kind;
	return kind | PT_RESUME_NO_STEP_OVER;
}

/* Resume every thread as the vCont v says (pt_resume): 'c' runs, 's' and
 * 'r' step, a thread it does not name stays stopped.  Threads that have
 * exited are left out (they stay as they are). */
static int resume_as(struct gs_server *s, const struct gs_vcont *v)
{
	size_t n;
	pt_thread **ts = thread_list(s, &n);
	pt_resume_action *acts = malloc((n ? n : 1) * sizeof *acts);
	if (!acts) {
		free(ts);
		return PT_ENOMEM;
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		pt_stop_cause c = { .sz = sizeof c };
		if (pt_thread_stop_cause(ts[i], &c) == 0 &&
		    c.kind == PT_STOP_EXITED)
			continue;
		char kind = action_for(v, s->p->pid, pt_thread_tid(ts[i])).kind;
		acts[k].thread = ts[i];
		acts[k++].kind =
			kind == 0 ? PT_RESUME_HOLD
				  : resume_kind(s, ts[i],
						kind == 'c' ? PT_RESUME_CONTINUE
							    : PT_RESUME_STEP);
	}
	int err = pt_resume(s->p->proc, acts, k, PT_RESUME_HOLD);
	if (err < 0)
		DBG("resume: %s\n", pt_errmsg());
	free(acts);
	free(ts);
	return err;
}

/* Does vCont v resume a thread of the current process? */
static bool vcont_names(struct gs_server *s, const struct gs_vcont *v)
{
	if (!s->p->announced)
		return false;
	for (size_t i = 0; i < v->n; i++)
		if (v->a[i].tid == -1 ? v->a[i].pid <= 0 || v->a[i].pid == s->p->pid
				      : pt_process_thread(s->p->proc, v->a[i].tid) != NULL)
			return true;
	return false;
}

/* Does v only single-step (one thread or more: no range step, no thread
 * resumed to run)?  Such a resume ends at once. */
static bool vcont_steps_only(const struct gs_vcont *v)
{
	for (size_t i = 0; i < v->n; i++)
		if (v->a[i].kind != 's')
			return false;
	return v->n > 0;
}

/* Before the current process is resumed by vCont v: an event gdb has not
 * been told of, of a thread it resumes, is reported instead (true). */
static bool report_held_event(struct gs_server *s, const struct gs_vcont *v)
{
	/* A pending event of a thread gdb resumes is reported first. */
	for (size_t i = 0; i < s->p->npending;) {
		struct gs_pending pe = s->p->pending[i];
		if (action_for(v, s->p->pid, pe.tid).kind == 0) {
			i++; /* not resumed now: keep it for later */
			continue;
		}
		memmove(s->p->pending + i, s->p->pending + i + 1,
			(--s->p->npending - i) * sizeof *s->p->pending);
		pt_thread *t = pt_process_thread(s->p->proc, pe.tid);
		if (!pending_valid(s, t, &pe.cause)) {
			DBG("pending event of thread %d dropped\n", (int)pe.tid);
			continue;
		}
		DBG("pending event of thread %d reported\n", (int)pe.tid);
		if (pe.cause.kind == PT_STOP_THREAD_CREATE)
			t = created_thread(s, &pe.cause);
		build_stop_reply(s, t, &pe.cause, -1);
		reply(s);
		return true;
	}
	/* A resumed thread that sits on one of gdb's breakpoints without gdb
	 * having been told it hit it (a breakpoint set at the entry point
	 * before `run`, a thread halted by the all-stop just before its int3)
	 * is not reported hit here: resume_kind() resumes it onto the int3
	 * (PT_RESUME_NO_STEP_OVER), and the kernel decides what comes first.
	 * A signal already queued for it does (proto.py "pending signal":
	 * the SIGSEGV of gdb's dummy-frame breakpoint on the stack, queued
	 * when the all-stop halted the thread there, struck the next function
	 * gdb called once the server had reported that breakpoint hit). */
	return false;
}

/* The signal owed to thread tid of the current process (0: none); taken
 * out of the table if take. */
static int owed_signal(struct gs_server *s, pid_t tid, bool take)
{
	struct gs_proc *p = s->p;
	for (size_t i = 0; i < p->nowed; i++) {
		if (p->owed[i].tid != tid)
			continue;
		int sig = p->owed[i].sig;
		if (take)
			p->owed[i] = p->owed[--p->nowed];
		return sig;
	}
	return 0;
}

/* vCont v was not carried out: the signals it gives threads of the
 * current process are owed to them. */
static void owe_signals(struct gs_server *s, const struct gs_vcont *v)
{
	struct gs_proc *p = s->p;
	size_t n;
	pt_thread **ts = thread_list(s, &n);
	for (size_t i = 0; i < n; i++) {
		pid_t tid = pt_thread_tid(ts[i]);
		struct resume_action a = action_for(v, p->pid, tid);
		if (a.kind == 0 || a.sig == 0)
			continue;
		owed_signal(s, tid, true);
		if (p->nowed == p->cap_owed) {
			size_t cap = p->cap_owed ? 2 * p->cap_owed : 16;
			struct gs_owed *o = realloc(p->owed, cap * sizeof *o);
			if (!o)
				break;
			p->owed = o;
			p->cap_owed = cap;
		}
		p->owed[p->nowed++] = (struct gs_owed){ tid, a.sig };
	}
	free(ts);
}

/* Thread t resumes with signal sig (a vCont action's).  The SIGSTOP we
 * report for a thread stopped by us (attach, interrupt) is no signal of
 * the program's: gdb passes it back (SIGSTOP is "pass" by default), and
 * the library delivers a signal set at any stop; it is dropped, as
 * gdbserver drops the SIGSTOP it expects. */
static void give_signal(pt_thread *t, int sig)
{
	pt_stop_cause c = { .sz = sizeof c };
	if (sig == SIGSTOP && pt_thread_stop_cause(t, &c) == 0 &&
	    c.kind == PT_STOP_REQUESTED)
		sig = 0;
	pt_thread_set_signal(t, sig);
}

/* The signals vCont v gives the threads of the current process it
 * resumes; the first thread it steps, or NULL. */
static pt_thread *set_signals(struct gs_server *s, const struct gs_vcont *v,
			      struct resume_action *step_action)
{
	size_t n;
	pt_thread **ts = thread_list(s, &n);
	pt_thread *step = NULL;
	for (size_t i = 0; i < n; i++) {
		pid_t tid = pt_thread_tid(ts[i]);
		struct resume_action a = action_for(v, s->p->pid, tid);
		if (a.kind == 0)
			continue; /* held: its signal stays for later */
		int owed = owed_signal(s, tid, true);
		if (a.sig == 0 && owed)
			a.sig = owed;
		pt_stop_cause c = { .sz = sizeof c };
		if (a.sig == 0 && tid != s->last_tid &&
		    pt_thread_stop_cause(ts[i], &c) == 0 &&
		    c.kind == PT_STOP_SIGNAL && c.signo > 0 && c.signo <= 64 &&
		    s->pass[c.signo])
			continue; /* a signal to pass gdb never heard of (met
				   * by the attach): it goes with the resume */
		give_signal(ts[i], a.sig);
		if ((a.kind == 's' || a.kind == 'r') && !step) {
			step = ts[i];
			*step_action = a;
		}
	}
	free(ts);
	return step;
}

/* Carry out a vCont (the c/s/C/S packets are turned into one): every
 * process it names is resumed, the others stay stopped.  With several
 * processes, the first stop of any is reported, the others stopped then
 * (halt_others). */
static void resume(struct gs_server *s, const struct gs_vcont *v)
{
	struct gs_proc *cur = s->p, *in[GS_MAX_PROCS];
	size_t nin = 0;
	for (size_t i = 0; i < s->nprocs; i++) {
		select_proc(s, s->procs[i]);
		if (vcont_names(s, v))
			in[nin++] = s->p;
	}
	select_proc(s, cur);
	if (nin == 0) {
		reply_err(s, 1, "no such process or thread");
		return;
	}
	for (size_t i = 0; i < nin; i++)
		if (in[i]->gone) { /* it ended while halted: now its exit */
			select_proc(s, in[i]);
			process_gone(s);
			return;
		}
	for (size_t i = 0; i < nin; i++) {
		select_proc(s, in[i]);
		if (!stopped(s)) {
			select_proc(s, cur);
			reply_err(s, 1, "the process is not stopped");
			return;
		}
	}
	for (size_t i = 0; i < nin; i++) {
		select_proc(s, in[i]);
		if (report_held_event(s, v)) {
			struct gs_proc *rep = s->p;
			for (size_t k = 0; k < nin; k++) {
				select_proc(s, in[k]);
				owe_signals(s, v);
			}
			select_proc(s, rep);
			return;
		}
	}
	struct gs_proc *sp = find_proc(s, s->signal_pid);
	if (s->interrupt_due && sp && vcont_steps_only(v)) {
		select_proc(s, sp);
		if (!vcont_names(s, v)) {
			/* A step of another process's thread (gdb's step
			 * over a breakpoint) does not take the interrupt:
			 * gdbserver's SIGINT waits in the process it went
			 * to until that one runs (reported in the stepping
			 * one, detach-step-over.exp detached it). */
			DBG("interrupt owed: kept for process %d\n",
			    (int)sp->pid);
			goto resume;
		}
	}
	if (s->interrupt_due) {
		/* gdb's interrupt, owed: the stop it waits for, at once. */
		s->interrupt_due = false;
		s->plan = *v;
		/* For the process gdbserver sends its SIGINT to (the last
		 * started or attached), if the vCont resumes it; else the
		 * current one, else the first resumed. */
		select_proc(s, sp ? sp : cur);
		if (!vcont_names(s, v))
			select_proc(s, cur);
		if (!vcont_names(s, v))
			select_proc(s, in[0]);
		pt_thread *t = resumed_thread(s);
		if (t) {
			pt_stop_cause rq = { .sz = sizeof rq,
					     .kind = PT_STOP_REQUESTED };
			DBG("interrupt owed: SIGINT for thread %d\n",
			    (int)pt_thread_tid(t));
			build_stop_reply(s, t, &rq, SIGINT);
			reply(s);
			return;
		}
	}
resume:;
	pt_thread *step = NULL;
	struct gs_proc *step_proc = NULL;
	struct resume_action step_action = { 0, 0, 0, 0 };
	for (size_t i = 0; i < nin; i++) {
		select_proc(s, in[i]);
		struct resume_action a = { 0, 0, 0, 0 };
		pt_thread *t = set_signals(s, v, &a);
		if (t && !step) {
			step = t;
			step_proc = s->p;
			step_action = a;
		}
	}
	s->ranging = false;
	for (size_t i = 0; i < nin; i++) {
		select_proc(s, in[i]);
		int err = resume_as(s, v);
		if (err < 0) {
			/* Those resumed already are stopped again. */
			halt_others(s, NULL);
			select_proc(s, cur);
			reply_pterr(s, err);
			return;
		}
		s->p->running = true;
	}
	select_proc(s, step_proc ? step_proc : cur);
	s->plan = *v;
	s->step_tid = step ? pt_thread_tid(step) : 0;
	/* A range step: single steps while the PC stays in the range
	 * (range_step_on), each stop checked by the server; the other
	 * threads do as the vCont says meanwhile. */
	if (step && step_action.kind == 'r') {
		s->ranging = true;
		s->range_start = step_action.start;
		s->range_end = step_action.end;
	}
	s->interrupted = false;
	/* The stop reply comes when a process stops. */
}

static bool parse_vcont(struct gs_server *s, const char *p,
			struct gs_vcont *v)
{
	v->n = 0;
	while (*p == ';') {
		p++;
		if (v->n == GS_VCONT_MAX)
			return false;
		char k = *p++;
		int sig = 0;
		uint64_t start = 0, end = 0;
		if (k == 'r') {
			/* rSTART,END: step while START <= PC < END */
			if (!gs_parse_hex(&p, &start) || *p++ != ',' ||
			    !gs_parse_hex(&p, &end))
				return false;
		} else if (k == 'C' || k == 'S') {
			uint64_t g;
			if (!gs_parse_hex(&p, &g) || g > 255)
				return false;
			sig = sig_from_wire(s, (int)g);
			if (sig < 0)
				return false;
			k = (char)(k == 'C' ? 'c' : 's');
		} else if (k != 'c' && k != 's' && !(k == 't' && s->nonstop)) {
			return false; /* t: offered by vCont? in non-stop only */
		}
		pid_t pid = 0, tid = -1;
		if (*p == ':') {
			p++;
			if (!parse_tid(&p, &pid, &tid))
				return false;
			if (tid == 0)
				tid = -1;
		}
		if (pid > 0 && !find_proc(s, pid))
			return false; /* no process of ours */
		v->a[v->n].kind = k;
		v->a[v->n].sig = sig;
		v->a[v->n].pid = pid;
		v->a[v->n].tid = tid;
		v->a[v->n].start = start;
		v->a[v->n].end = end;
		v->n++;
	}
	return *p == 0 && v->n > 0;
}

/* c [addr], s [addr], C sig[;addr], S sig[;addr] */
static void cmd_resume_old(struct gs_server *s, char *p)
{
	char k = *p++;
	struct gs_vcont v = { .n = 1 };
	int sig = 0;
	if (k == 'C' || k == 'S') {
		uint64_t g;
		const char *q = p;
		bool ok = gs_parse_hex(&q, &g);
		p += q - p;
		if (!ok || g > 255 ||
		    (sig = sig_from_wire(s, (int)g)) < 0) {
			reply_err(s, 1, "bad signal");
			return;
		}
		if (*p == ';')
			p++;
	}
	if (*p) {
		uint64_t addr;
		const char *q = p;
		if (!gs_parse_hex(&q, &addr) || *q) {
			reply_err(s, 1, "bad address");
			return;
		}
		pt_thread *t = cur_thread(s);
		if (!stopped(s) || !t || pt_thread_set_pc(t, addr) < 0) {
			reply_err(s, 1, "cannot set the pc");
			return;
		}
	}
	bool stepping = k == 's' || k == 'S';
	pid_t only = s->c_tid > 0 ? s->c_tid : -1;
	if (stepping && only == -1) {
		pt_thread *t = cur_thread(s);
		only = t ? pt_thread_tid(t) : -1;
	}
	v.a[0].kind = stepping ? 's' : 'c';
	v.a[0].sig = sig;
	v.a[0].tid = only;
	if (!stepping && only != -1) {
		/* Hc thread: the rest continue too (all-stop library). */
		v.n = 2;
		v.a[1].kind = 'c';
		v.a[1].sig = 0;
		v.a[1].tid = -1;
	}
	resume(s, &v);
}

/* ---- non-stop (QNonStop:1) ---------------------------------------------
 *
 * Emulated on the all-stop library.  The server keeps, per thread, whether
 * gdb believes it runs (and how: 'c' or 's').  Whenever the library stops
 * (an event, or a pause to serve a packet), each thread gdb believes
 * running that has an event of its own becomes stopped for gdb and its
 * stop reply is queued (sent as a %Stop notification when the queue was
 * empty, the rest on vStopped); then the threads gdb still believes
 * running are resumed at once with pt_resume, the others held. */

static struct gs_ns_thread *ns_find(struct gs_server *s, pid_t tid, bool add)
{
	for (size_t i = 0; i < s->p->nnst; i++)
		if (s->p->nst[i].tid == tid)
			return &s->p->nst[i];
	if (!add)
		return NULL;
	if (s->p->nnst == s->p->cap_nst) {
		size_t cap = s->p->cap_nst ? 2 * s->p->cap_nst : 64;
		struct gs_ns_thread *n = realloc(s->p->nst, cap * sizeof *n);
		if (!n)
			return NULL;
		s->p->nst = n;
		s->p->cap_nst = cap;
	}
	struct gs_ns_thread *e = &s->p->nst[s->p->nnst++];
	*e = (struct gs_ns_thread){ .tid = tid, .kind = 'c', .sig = -1 };
	e->cause.sz = sizeof e->cause;
	return e;
}

/* Does gdb believe thread tid runs?  (Threads it has not heard of do.) */
static bool ns_running(struct gs_server *s, pid_t tid)
{
	struct gs_ns_thread *e = ns_find(s, tid, false);
	return !e || !e->stopped;
}

/* Is a stop reply about thread tid of process pid (or about the fork
 * that made process pid) still queued, not yet taken by gdb (vStopped)?
 * A vCont gdb sent before it heard of that stop does not resume it (as
 * gdbserver ignores resume requests of threads with queued stop replies):
 * gdb believed the thread running, or did not know of the child. */
static bool ns_queued(struct gs_server *s, pid_t pid, pid_t tid)
{
	for (size_t i = 0; i < s->nnotes; i++) {
		const char *n = s->notes[i], *at;
		unsigned a, b;
		if ((at = strstr(n, "thread:p")) &&
		    sscanf(at, "thread:p%x.%x;", &a, &b) == 2 &&
		    (pid_t)a == pid && (pid_t)b == tid)
			return true;
		if ((at = strstr(n, "fork:p")) &&
		    sscanf(at, "fork:p%x.", &a) == 1 && (pid_t)a == pid)
			return true;
	}
	return false;
}

static void ns_drop_notes(struct gs_server *s)
{
	for (size_t i = 0; i < s->nnotes; i++)
		free(s->notes[i]);
	s->nnotes = 0;
}

/* A process is gone (its table went with it): with none left, no reply
 * stays queued. */
static void ns_forget(struct gs_server *s)
{
	if (!s->nprocs)
		ns_drop_notes(s);
}

/* "%Stop:body#xx": no ack, not resent on '-'. */
static void send_notification(struct gs_server *s, const char *body)
{
	struct gs_out o = { 0 }, f = { 0 };
	gs_out_str(&o, "Stop:");
	gs_out_str(&o, body);
	gs_frame(&o, &f);
	if (!o.oom && !f.oom && f.len) {
		f.buf[0] = '%';
		if (s->remote_debug)
			fprintf(dbg_out(), "gdbserver: -> %.*s\n", (int)f.len, f.buf);
		send_raw(s, f.buf, f.len);
	}
	gs_out_free(&o);
	gs_out_free(&f);
}

/* Queue s->out as a stop reply; notify gdb if it is the only one (and
 * notify is set: '?' answers with the first itself). */
static void ns_queue(struct gs_server *s, bool notify)
{
	char *r = s->out.oom ? NULL : strdup(s->out.buf ? s->out.buf : "");
	gs_out_reset(&s->out);
	if (!r)
		return;
	if (s->nnotes == s->cap_notes) {
		size_t cap = s->cap_notes ? 2 * s->cap_notes : 16;
		char **n = realloc(s->notes, cap * sizeof *n);
		if (!n) {
			free(r);
			return;
		}
		s->notes = n;
		s->cap_notes = cap;
	}
	s->notes[s->nnotes++] = r;
	if (s->nnotes == 1 && notify)
		send_notification(s, r);
}

static void ns_push(struct gs_server *s)
{
	ns_queue(s, true);
}

/* Thread t stops for gdb with cause c (sig: the signal override). */
static void ns_report(struct gs_server *s, pt_thread *t, const pt_stop_cause *c,
		      int sig)
{
	struct gs_ns_thread *e = ns_find(s, pt_thread_tid(t), true);
	if (e) {
		e->stopped = true;
		e->cause = *c;
		e->sig = sig;
		e->skip_bp = 0;
	}
	DBG("non-stop: thread %d stops (%s)\n", (int)pt_thread_tid(t),
	    pt_stop_kind_name(c->kind));
	build_stop_reply(s, t, c, sig);
	ns_push(s);
}

/* Every thread as gdb sees it after a launch or QNonStop:1 (stopped) or
 * an attach (running, until gdb stops them). */
static void ns_fill(struct gs_server *s, bool stopped)
{
	s->p->nnst = 0;
	size_t n;
	pt_thread **ts = thread_list(s, &n);
	for (size_t i = 0; i < n; i++) {
		pid_t tid = pt_thread_tid(ts[i]);
		struct gs_ns_thread *e = ns_find(s, tid, true);
		if (!e)
			break;
		e->stopped = stopped;
		if (tid == s->last_tid)
			e->cause = s->last_cause;
		else
			pt_thread_stop_cause(ts[i], &e->cause);
		if (e->cause.kind == PT_STOP_EXEC || /* the launch's: T05 */
		    (s->p->first_stop && !s->p->attached && tid == s->p->pid))
			e->cause = (pt_stop_cause){ .sz = sizeof e->cause,
						    .kind = PT_STOP_SIGNAL,
						    .signo = SIGTRAP };
		if (attach_sig(s, ts[i]) == SIGSTOP)
			e->sig = SIGSTOP;
	}
	free(ts);
}

/* The library has stopped (s->p->running false): the events of threads gdb
 * believes running become their stop replies. */
static void ns_collect(struct gs_server *s)
{
	if (pt_process_state(s->p->proc) == PT_PROC_EXITED) {
		process_gone(s);
		return;
	}
	refresh_regs(s);
	fork_adopt(s);
	pt_thread *ev = pt_process_event_thread(s->p->proc);
	pt_stop_cause ec = { .sz = sizeof ec };
	if (ev && pt_thread_stop_cause(ev, &ec) == 0 && ec.kind == PT_STOP_EXEC &&
	    own_event(s, &ec))
		exec_forget(s);
	size_t n;
	pt_thread **ts = thread_list(s, &n);
	for (size_t i = 0; i < n; i++) {
		pid_t tid = pt_thread_tid(ts[i]);
		struct gs_ns_thread *e = ns_find(s, tid, true);
		pt_stop_cause c = { .sz = sizeof c };
		uint64_t pc = 0;
		if (!e || e->stopped || pt_thread_stop_cause(ts[i], &c) < 0 ||
		    c.kind == PT_STOP_EXITED)
			continue;
		if (c.kind == PT_STOP_THREAD_EXIT) {
			if (s->thread_events && tid != s->p->pid) {
				gs_out_reset(&s->out);
				gs_out_fmt(&s->out, "w%02x;", c.status & 0xff);
				out_tid(s, tid);
				ns_push(s);
			}
			continue; /* resumed: it goes on to its end */
		}
		if (wanted(s, ts[i], &c)) {
			/* A signal gdb said to pass is delivered on resume. */
			if (c.kind == PT_STOP_SIGNAL && c.signo > 0 &&
			    c.signo <= 64 && s->pass[c.signo])
				continue;
		} else if (c.kind != PT_STOP_BREAKPOINT && /* false: done */
			   pt_thread_pc(ts[i], &pc) == 0 && have_break(s, pc) &&
			   pc != e->skip_bp && cond_holds(s, ts[i], pc)) {
			/* Halted just before one of gdb's breakpoints: a
			 * resume would step it over, so it is the hit now. */
			c = (pt_stop_cause){ .sz = sizeof c,
					     .kind = PT_STOP_BREAKPOINT,
					     .addr = pc };
		} else {
			continue;
		}
		ns_report(s, ts[i], &c, -1);
	}
	free(ts);
}

/* Resume the threads gdb believes running, if any (the process stopped). */
static void ns_settle(struct gs_server *s)
{
	s->ns_resume_due = false;
	if (!s->p->proc || s->p->running ||
	    pt_process_state(s->p->proc) != PT_PROC_STOPPED)
		return;
	/* Threads gone since: out of the table. */
	size_t kept = 0;
	for (size_t i = 0; i < s->p->nnst; i++)
		if (pt_process_thread(s->p->proc, s->p->nst[i].tid))
			s->p->nst[kept++] = s->p->nst[i];
	s->p->nnst = kept;
	size_t n, k = 0;
	bool any = false;
	pt_thread **ts = thread_list(s, &n);
	pt_resume_action *acts = malloc((n ? n : 1) * sizeof *acts);
	if (!acts) {
		free(ts);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		pt_stop_cause c = { .sz = sizeof c };
		if (pt_thread_stop_cause(ts[i], &c) == 0 &&
		    c.kind == PT_STOP_EXITED)
			continue;
		struct gs_ns_thread *e = ns_find(s, pt_thread_tid(ts[i]), true);
		int kind = !e || !e->stopped ? PT_RESUME_CONTINUE : PT_RESUME_HOLD;
		if (e && !e->stopped && e->kind == 's')
			kind = PT_RESUME_STEP;
		any |= kind != PT_RESUME_HOLD;
		acts[k].thread = ts[i];
		acts[k++].kind = kind == PT_RESUME_HOLD
					 ? kind
					 : resume_kind(s, ts[i], kind);
	}
	int err = any ? pt_resume(s->p->proc, acts, k, PT_RESUME_HOLD) : 0;
	if (any && err == 0) {
		s->p->running = true;
	} else if (any) {
		/* Cannot run them: report them stopped rather than leave gdb
		 * waiting for ever. */
		DBG("non-stop resume: %s\n", pt_errmsg());
		for (size_t i = 0; i < k; i++) {
			pt_stop_cause c = { .sz = sizeof c,
					    .kind = PT_STOP_REQUESTED };
			if (acts[i].kind != PT_RESUME_HOLD)
				ns_report(s, acts[i].thread, &c, 0);
		}
	}
	free(acts);
	free(ts);
}

/* Stop every process to serve a packet; events seen meanwhile are
 * queued. */
static void ns_pause(struct gs_server *s)
{
	struct gs_proc *cur = s->p;
	for (size_t i = 0; i < s->nprocs;) {
		struct gs_proc *p = s->procs[i];
		if (!p->running) {
			i++;
			continue;
		}
		select_proc(s, p);
		pt_stop(p->proc);
		int err = pt_wait(p->proc, -1);
		p->running = false;
		if (err < 0) {
			s->exit_code = 0;
			if (cur == p)
				cur = NULL;
			process_gone(s); /* out of the table */
			continue;
		}
		size_t n = s->nprocs;
		ns_collect(s); /* may end it too */
		if (s->nprocs < n && cur == p)
			cur = NULL;
		i += s->nprocs == n;
	}
	select_proc(s, cur ? cur : s->nprocs ? s->procs[0] : NULL);
}

/* ns_settle for every process. */
static void ns_settle_all(struct gs_server *s)
{
	struct gs_proc *cur = s->p;
	for (size_t i = 0; i < s->nprocs; i++) {
		select_proc(s, s->procs[i]);
		ns_settle(s);
	}
	select_proc(s, cur);
}

/* An interrupt (vCtrlC, 0x03): a thread gdb believes running stops with
 * SIGINT (the paused process's first such thread). */
static void ns_interrupt(struct gs_server *s)
{
	struct gs_proc *cur = s->p;
	bool done = false;
	for (size_t k = 0; k < s->nprocs && !done; k++) {
		if (!s->procs[k]->announced)
			continue;
		select_proc(s, s->procs[k]);
		size_t n;
		pt_thread **ts = thread_list(s, &n);
		for (size_t i = 0; i < n && !done; i++) {
			if (!ns_running(s, pt_thread_tid(ts[i])))
				continue;
			pt_stop_cause c = { .sz = sizeof c,
					    .kind = PT_STOP_REQUESTED };
			ns_report(s, ts[i], &c, SIGINT);
			done = true;
		}
		free(ts);
	}
	select_proc(s, cur);
}

/* vCont in non-stop: OK at once; the threads it names run (c, s; r is a
 * single step, which the protocol allows) or stop (t: a T00 stop reply
 * each); the others stay as they are. */
static void ns_vcont(struct gs_server *s, const struct gs_vcont *v)
{
	if (!s->nprocs) {
		reply_err(s, 1, "no process");
		return;
	}
	struct gs_proc *cur = s->p;
	for (size_t k = 0; k < s->nprocs; k++) {
		if (!s->procs[k]->announced)
			continue; /* no action means it */
		select_proc(s, s->procs[k]);
		size_t n;
		pt_thread **ts = thread_list(s, &n);
		for (size_t i = 0; i < n; i++) {
			pid_t tid = pt_thread_tid(ts[i]);
			struct resume_action a = action_for(v, s->p->pid, tid);
			struct gs_ns_thread *e = a.kind ? ns_find(s, tid, true)
							: NULL;
			if (!e || ns_queued(s, s->p->pid, tid))
				continue;
			e->due = 0;
			if (a.kind == 't') {
				e->due = e->stopped ? 0 : 't';
				continue;
			}
			if (!e->stopped)
				continue; /* already running: goes on as it was */
			e->kind = a.kind == 'c' ? 'c' : 's';
			uint64_t pc = 0;
			bool on_break = pt_thread_pc(ts[i], &pc) == 0 &&
					have_break(s, pc);
			bool told = e->cause.kind == PT_STOP_BREAKPOINT &&
				    e->cause.addr == pc;
			if (on_break && !told && cond_holds(s, ts[i], pc)) {
				/* A hit gdb was not told of: report it (see
				 * report_held_event). */
				e->due = 'b';
				continue;
			}
			give_signal(ts[i], a.sig);
			e->stopped = false;
			e->skip_bp = on_break ? pc : 0;
		}
		free(ts);
	}
	reply_ok(s);
	/* Then the stop replies of the threads stopped (t) or on a hit. */
	for (size_t k = 0; k < s->nprocs; k++) {
		select_proc(s, s->procs[k]);
		size_t n;
		pt_thread **ts = thread_list(s, &n);
		for (size_t i = 0; i < n; i++) {
			struct gs_ns_thread *e = ns_find(s, pt_thread_tid(ts[i]),
							 false);
			uint64_t pc = 0;
			if (!e || !e->due)
				continue;
			pt_stop_cause c = { .sz = sizeof c,
					    .kind = PT_STOP_REQUESTED };
			int sig = 0;
			if (e->due == 'b' && pt_thread_pc(ts[i], &pc) == 0) {
				c.kind = PT_STOP_BREAKPOINT;
				c.addr = pc;
				sig = -1;
			}
			e->due = 0;
			ns_report(s, ts[i], &c, sig);
		}
		free(ts);
	}
	select_proc(s, cur);
}

/* '?' in non-stop (gdb sends it when it connects): the stop reply of one
 * thread stopped for gdb (the last reported, else the first), or OK for
 * none.  The other threads stopped for gdb run from now on, as gdb then
 * believes of threads it was not told of (gdb 13 asserts when it gets
 * more than one stop reply at connect, in process_initial_stop_replies;
 * gdbserver reports none of the threads stopped implicitly). */
static void ns_status(struct gs_server *s)
{
	ns_drop_notes(s);
	/* The one reported: the last thread reported if stopped for gdb,
	 * else the first stopped, in any process. */
	struct gs_proc *rp = NULL;
	pid_t rtid = 0;
	for (size_t k = 0; k < s->nprocs; k++) {
		struct gs_proc *p = s->procs[k];
		for (size_t i = 0; p->announced && i < p->nnst; i++)
			if (p->nst[i].stopped &&
			    pt_process_thread(p->proc, p->nst[i].tid) &&
			    (!rp || p->nst[i].tid == s->last_tid)) {
				rp = p;
				rtid = p->nst[i].tid;
			}
	}
	for (size_t k = 0; k < s->nprocs; k++) {
		struct gs_proc *p = s->procs[k];
		/* Not a fork child: it stays stopped until gdb detaches or
		 * resumes it (it ran to its end under a '?' sent after its
		 * fork was reported: soak.py). */
		for (size_t i = 0; p->announced && !p->forked && i < p->nnst;
		     i++) {
			struct gs_ns_thread *e = &p->nst[i];
			if (!e->stopped || e->tid == rtid)
				continue;
			e->stopped = false;
			e->kind = 'c';
			e->skip_bp = e->cause.kind == PT_STOP_BREAKPOINT
					     ? e->cause.addr : 0;
		}
	}
	if (rp) {
		select_proc(s, rp);
		struct gs_ns_thread *e = ns_find(s, rtid, false);
		pt_stop_cause c = e->cause;
		build_stop_reply(s, pt_process_thread(rp->proc, rtid), &c, e->sig);
		ns_queue(s, false);
	}
	if (s->nnotes)
		reply_str(s, s->notes[0]);
	else
		reply_ok(s);
}

/* vStopped: the head was seen; the next queued reply, or OK. */
static void ns_vstopped(struct gs_server *s)
{
	if (s->nnotes) {
		free(s->notes[0]);
		memmove(s->notes, s->notes + 1, --s->nnotes * sizeof *s->notes);
	}
	if (s->nnotes) {
		reply_str(s, s->notes[0]);
		return;
	}
	reply_ok(s);
	if (s->ns_exit_after && !s->p->proc)
		s->want_exit = true;
}

/* QNonStop:1 (with the process stopped: every thread stopped for gdb;
 * E while an all-stop vCont is under way), QNonStop:0 (every thread
 * stopped). */
static void cmd_qnonstop(struct gs_server *s, const char *p)
{
	if (strcmp(p, "0") && strcmp(p, "1")) {
		reply_err(s, 0x16, "bad QNonStop");
		return;
	}
	bool on = *p == '1';
	if (on == s->nonstop) {
		reply_ok(s);
		return;
	}
	/* QNonStop:0: the process is paused (ns_packet) and stays so: every
	 * thread stopped, as all-stop has it after a stop. */
	ns_drop_notes(s);
	s->nonstop = on;
	s->ns_exit_after = false;
	s->plan.n = 0;
	struct gs_proc *cur = s->p;
	for (size_t k = 0; k < s->nprocs; k++) {
		select_proc(s, s->procs[k]);
		s->p->npending = 0;
		s->p->nnst = 0;
		if (on)
			ns_fill(s, true);
	}
	select_proc(s, cur);
	reply_ok(s);
}

void gs_server_allstop(struct gs_server *s)
{
	if (!s->nonstop)
		return;
	ns_pause(s);
	ns_drop_notes(s);
	for (size_t k = 0; k < s->nprocs; k++)
		s->procs[k]->nnst = 0;
	s->ns_resume_due = false;
	s->nonstop = false;
	s->ns_exit_after = false;
}

static void dispatch(struct gs_server *s, char *body, size_t len);

/* A packet in non-stop: served with the process paused (threads gdb
 * believes running are resumed after it). */
static void ns_packet(struct gs_server *s, char *body, size_t len)
{
	if (strcmp(body, "vStopped") == 0) {
		ns_vstopped(s);
		return;
	}
	ns_pause(s);
	pt_thread *t;
	struct gs_vcont v;
	bool defer = false;
	if (starts(body, "vCont;")) {
		if (!parse_vcont(s, body + 5, &v)) {
			reply_err(s, 0x16, "bad vCont");
		} else {
			ns_vcont(s, &v);
			/* Stop requests come in bursts (gdb's stop_all_threads:
			 * one vCont;t per thread): resume the others only once
			 * gdb is quiet (gs_server_idle). */
			defer = true;
			for (size_t i = 0; i < v.n; i++)
				defer &= v.a[i].kind == 't';
		}
	} else if (strcmp(body, "vCtrlC") == 0) {
		reply_ok(s);
		ns_interrupt(s);
	} else if (strcmp(body, "?") == 0) {
		ns_status(s);
	} else if (body[0] && strchr("cCsS", body[0])) {
		reply_err(s, 1, "vCont only in non-stop");
	} else if (body[0] && strchr("gGpP", body[0]) && (t = reg_thread(s)) &&
		   ns_running(s, pt_thread_tid(t))) {
		reply_err(s, 1, "the thread is running");
	} else {
		dispatch(s, body, len);
	}
	if (s->nonstop && defer) /* not after QNonStop:0 */
		s->ns_resume_due = true;
	else if (s->nonstop)
		ns_settle_all(s);
}

void gs_server_idle(struct gs_server *s)
{
	if (s->ns_resume_due && s->nonstop)
		ns_settle_all(s);
	s->ns_resume_due = false;
}

int gs_server_poll_timeout(struct gs_server *s)
{
	return s->ns_resume_due ? 2 : -1;
}

/* ---- registers ---------------------------------------------------------- */

static bool read_reg(pt_thread *t, const struct gs_reg *g, unsigned char *buf)
{
	unsigned char tmp[128];
	if (g->info->size > sizeof tmp ||
	    pt_thread_reg_read(t, g->index, tmp, sizeof tmp) < 0)
		return false;
	memcpy(buf, tmp, g->wire);
	return true;
}

static int write_reg(pt_thread *t, const struct gs_reg *g,
		     const unsigned char *buf)
{
	unsigned char tmp[128] = { 0 };
	if (g->info->size > sizeof tmp || g->wire > g->info->size)
		return PT_EINVAL;
	memcpy(tmp, buf, g->wire);
	return pt_thread_reg_write(t, g->index, tmp, g->info->size);
}

static void cmd_g(struct gs_server *s)
{
	pt_thread *t = reg_thread(s);
	if (!stopped(s) || !t) {
		reply_err(s, 1, "no stopped thread");
		return;
	}
	gs_out_reset(&s->out);
	for (size_t i = 0; i < s->p->regs.count; i++) {
		const struct gs_reg *g = &s->p->regs.reg[i];
		unsigned char buf[128];
		if (read_reg(t, g, buf)) {
			gs_out_hex(&s->out, buf, g->wire);
		} else {
			for (unsigned k = 0; k < g->wire; k++)
				gs_out_str(&s->out, "xx");
		}
	}
	reply(s);
}

static void cmd_G(struct gs_server *s, const char *hex)
{
	pt_thread *t = reg_thread(s);
	size_t n = strlen(hex);
	if (!stopped(s) || !t) {
		reply_err(s, 1, "no stopped thread");
		return;
	}
	if (n % 2 || n / 2 > s->p->regs.g_size) {
		reply_err(s, 0x16, "bad register data length");
		return;
	}
	for (size_t i = 0; i < s->p->regs.count; i++) {
		const struct gs_reg *g = &s->p->regs.reg[i];
		unsigned char nv[128], old[128];
		if (2 * (g->offset + g->wire) > n)
			break;
		if (hex[2 * g->offset] == 'x')
			continue;
		if (!gs_hex_decode(hex + 2 * g->offset, g->wire, nv)) {
			reply_err(s, 0x16, "bad hex");
			return;
		}
		if (read_reg(t, g, old) && memcmp(old, nv, g->wire) == 0)
			continue;
		int err = write_reg(t, g, nv);
		if (err < 0) {
			reply_pterr(s, err);
			return;
		}
	}
	reply_ok(s);
}

static void cmd_p(struct gs_server *s, const char *p)
{
	uint64_t n;
	pt_thread *t = reg_thread(s);
	if (!gs_parse_hex(&p, &n) || *p) {
		reply_err(s, 0x16, "bad register number");
		return;
	}
	if (!stopped(s) || !t) {
		reply_err(s, 1, "no stopped thread");
		return;
	}
	const struct gs_reg *g = n < INT_MAX ? gs_regs_find(&s->p->regs, (int)n) : NULL;
	unsigned char buf[128];
	if (!g) {
		reply_err(s, 0x16, "no such register");
		return;
	}
	gs_out_reset(&s->out);
	if (read_reg(t, g, buf)) {
		gs_out_hex(&s->out, buf, g->wire);
	} else {
		for (unsigned k = 0; k < g->wire; k++)
			gs_out_str(&s->out, "xx");
	}
	reply(s);
}

static void cmd_P(struct gs_server *s, const char *p)
{
	uint64_t n;
	pt_thread *t = reg_thread(s);
	if (!gs_parse_hex(&p, &n) || *p++ != '=') {
		reply_err(s, 0x16, "bad P packet");
		return;
	}
	if (!stopped(s) || !t) {
		reply_err(s, 1, "no stopped thread");
		return;
	}
	const struct gs_reg *g = n < INT_MAX ? gs_regs_find(&s->p->regs, (int)n) : NULL;
	unsigned char buf[128];
	if (!g || strlen(p) != 2 * (size_t)g->wire ||
	    !gs_hex_decode(p, g->wire, buf)) {
		reply_err(s, 0x16, "bad register or value");
		return;
	}
	int err = write_reg(t, g, buf);
	if (err < 0)
		reply_pterr(s, err);
	else
		reply_ok(s);
}

/* ---- memory ------------------------------------------------------------- */

#define MAX_MEM ((GS_PACKET_MAX - 16) / 2)

/* The process whose memory m/M/X packets mean: the current one (Hg). */
static pt_process *mem_proc(struct gs_server *s)
{
	return s->p->proc;
}

static void cmd_m(struct gs_server *s, const char *p, bool binary)
{
	uint64_t addr, len;
	if (!parse_addr_len(&p, &addr, &len, 0)) {
		reply_err(s, 0x16, "bad m packet");
		return;
	}
	if (!s->p->proc) {
		reply_err(s, 1, "no process");
		return;
	}
	if (binary && len == 0) {
		reply_ok(s);
		return;
	}
	if (len > MAX_MEM)
		len = MAX_MEM;
	unsigned char buf[MAX_MEM];
	size_t done = 0;
	pt_mem_read(mem_proc(s), addr, buf, (size_t)len, &done);
	if (done == 0 && len) {
		reply_err(s, 0x0e, "cannot read memory");
		return;
	}
	gs_out_reset(&s->out);
	if (binary) {
		if (!s->lldb)
			gs_out_str(&s->out, "b");
		gs_out_bin(&s->out, buf, done);
	} else {
		gs_out_hex(&s->out, buf, done);
	}
	reply(s);
}

static void cmd_M(struct gs_server *s, char *p, size_t total, bool binary)
{
	uint64_t addr, len;
	const char *q = p;
	if (!parse_addr_len(&q, &addr, &len, ':')) {
		reply_err(s, 0x16, "bad M/X packet");
		return;
	}
	char *data = (char *)q;
	size_t dlen = total - (size_t)(data - p);
	/* Never more bytes than the packet carries (hex: two per byte). */
	if (len > dlen || (!binary && len * 2 != dlen)) {
		reply_err(s, 0x16, "data length does not match");
		return;
	}
	unsigned char *buf = malloc(len ? len : 1);
	if (!buf) {
		reply_err(s, 0x0c, "out of memory");
		return;
	}
	if (binary) {
		long n = gs_unescape(data, dlen);
		if (n < 0 || (uint64_t)n != len) {
			free(buf);
			reply_err(s, 0x16, "bad binary data");
			return;
		}
		memcpy(buf, data, len);
	} else if (dlen != 2 * len || !gs_hex_decode(data, len, buf)) {
		free(buf);
		reply_err(s, 0x16, "bad hex data");
		return;
	}
	if (!s->p->proc) {
		free(buf);
		reply_err(s, 1, "no process");
		return;
	}
	size_t done = 0;
	int err = len ? pt_mem_write(mem_proc(s), addr, buf, (size_t)len,
				     &done)
		      : 0;
	free(buf);
	if (err < 0)
		reply_pterr(s, err);
	else
		reply_ok(s);
}

/* ---- breakpoints and watchpoints --------------------------------------- */

static void watch_undo(struct gs_server *s, const struct gs_watch *w)
{
	for (int k = 0; k < w->nids; k++)
		pt_watchpoint_remove(s->p->proc, w->ids[k]);
}

/* gdb removes its breakpoints and watchpoints at every stop and inserts
 * them again before it resumes (unless always-inserted): a hit kept
 * pending while another thread's was reported names the watchpoint of
 * the old insertion.  It belongs to the new one w, which watches its
 * address (gdbserver keeps such hits too; a hit whose watchpoint is not
 * back is dropped when it would be reported). */
static void rebind_pending_hits(struct gs_server *s, const struct gs_watch *w)
{
	for (size_t i = 0; i < s->p->npending; i++) {
		pt_stop_cause *c = &s->p->pending[i].cause;
		if (c->kind == PT_STOP_WATCHPOINT && !watch_of_id(s, c->watch) &&
		    c->addr >= w->addr && c->addr - w->addr < w->len &&
		    (c->addr == w->addr || w->type != 1)) {
			DBG("pending hit of thread %d: watchpoint %d is now %d\n",
			    (int)s->p->pending[i].tid, c->watch, w->ids[0]);
			c->watch = w->ids[0];
		}
	}
}

/* Some virtual machines take the debug registers and never raise the
 * debug exception: a watchpoint set there never hits.  Where
 * pt_watchpoints_fire() says so, Z1, Z2 and Z4 are still set, and stderr
 * says once that they will never hit (--hw-watchpoints=warn, the default:
 * gdb's testsuite expects them set, as gdbserver does); with
 * --hw-watchpoints=refuse they get an E (gdb: "Could not insert hardware
 * watchpoint"; with set can-use-hw-watchpoints 0 it watches by
 * single-stepping, which works); with =always nothing is probed or said.
 * false: refused (replied). */
static bool hw_usable(struct gs_server *s)
{
	if (s->hw_mode == GS_HW_ALWAYS)
		return true;
	int r = pt_watchpoints_fire();
	if (r != 0) /* 1, or not known: set them */
		return true;
	static const char why[] =
		"hardware watchpoints and breakpoints never fire on this "
		"machine (its CPU's debug registers do not raise the debug "
		"exception)";
	bool refuse = s->hw_mode == GS_HW_REFUSE;
	if (!s->hw_told) {
		fprintf(stderr, "proctrace-gdbserver: %s: %s; gdb: set "
			"can-use-hw-watchpoints 0 for software watchpoints\n",
			why, refuse ? "refused"
				    : "they are set but will never hit "
				      "(--hw-watchpoints=refuse refuses them)");
		s->hw_told = true;
	}
	if (!refuse)
		return true;
	reply_err(s, 0x0e, why);
	return false;
}

static void cmd_Z(struct gs_server *s, const char *p, bool insert)
{
	uint64_t type, addr, kind;
	if (!gs_parse_hex(&p, &type) || *p++ != ',' ||
	    !gs_parse_hex(&p, &addr) || *p++ != ',' ||
	    !gs_parse_hex(&p, &kind) || (*p && *p != ';')) {
		reply_err(s, 0x16, "bad Z packet");
		return;
	}
	if (type > 4 || type == 3) {
		/* x86 debug registers cannot watch reads alone. */
		reply_empty(s);
		return;
	}
	if (!stopped(s)) {
		reply_err(s, 1, "the process is not stopped");
		return;
	}
	/* ConditionalBreakpoints+: ";X<len>,<bytecode>..." conditions (a Z0
	 * at a breakpoint already there replaces them; none: it has none),
	 * then maybe ";cmds:..." (not offered: ignored). */
	struct gs_agent_conds conds = { NULL, 0 };
	const char *rest;
	if (insert && type <= 1 && gs_agent_parse_conds(p, &conds, &rest) < 0) {
		reply_err(s, 0x16, "bad breakpoint condition");
		return;
	}
	if (type == 0) {
		int err;
		if (insert) {
			err = pt_breakpoint_add(s->p->proc, addr);
			if (err == PT_EBPEXIST)
				err = 0;
			if (err == 0 && !have_break(s, addr) &&
			    s->p->nbreaks < GS_MAX_BREAK)
				s->p->breaks[s->p->nbreaks++] = addr;
			if (err == 0 && !cond_set(s->p, addr, &conds))
				err = PT_ENOMEM;
			gs_agent_conds_free(&conds); /* if not taken */
		} else {
			cond_set(s->p, addr, &conds); /* none now */
			err = pt_breakpoint_remove(s->p->proc, addr);
			if (err == PT_ENOBP)
				err = 0;
			for (size_t i = 0; i < s->p->nbreaks; i++)
				if (s->p->breaks[i] == addr) {
					s->p->breaks[i] = s->p->breaks[--s->p->nbreaks];
					break;
				}
		}
		if (err < 0)
			reply_pterr(s, err);
		else
			reply_ok(s);
		return;
	}
	/* gdb evaluates every condition again at a stop it is told of: a
	 * hardware breakpoint's are not evaluated here (debug registers
	 * are rare to hit often). */
	gs_agent_conds_free(&conds);
	if (type == 1)
		kind = 1;
	if (!insert) {
		for (size_t i = 0; i < s->p->nwatches; i++) {
			struct gs_watch *w = &s->p->watches[i];
			if (w->type == (int)type && w->addr == addr &&
			    w->len == kind) {
				watch_undo(s, w);
				s->p->watches[i] = s->p->watches[--s->p->nwatches];
				break;
			}
		}
		reply_ok(s);
		return;
	}
	/* Inserted again (gdb re-inserts a point whose condition changed,
	 * always-inserted mode): it is there; one z removes it. */
	for (size_t i = 0; i < s->p->nwatches; i++) {
		const struct gs_watch *o = &s->p->watches[i];
		if (o->type == (int)type && o->addr == addr && o->len == kind) {
			reply_ok(s);
			return;
		}
	}
	if (!hw_usable(s))
		return;
	if (s->p->nwatches == GS_MAX_WATCH || kind == 0 || kind > 64) {
		reply_err(s, 0x1c, "no room for the watchpoint");
		return;
	}
	struct gs_watch w = { .type = (int)type, .addr = addr, .len = kind };
	pt_watch_kind wk = type == 1 ? PT_WATCH_EXEC
			   : type == 2 ? PT_WATCH_WRITE : PT_WATCH_RW;
	/* Cover [addr, addr+len) with aligned pieces of 1, 2, 4 or 8. */
	uint64_t a = addr, end = addr + kind;
	while (a < end) {
		uint64_t sz = 8;
		while (sz > 1 && (a % sz || a + sz > end))
			sz /= 2;
		int id = w.nids < 8 ? pt_watchpoint_add(s->p->proc, a, sz, wk)
				    : PT_ENOSLOT;
		if (id < 0) {
			watch_undo(s, &w);
			reply_pterr(s, id);
			return;
		}
		w.ids[w.nids++] = id;
		a += sz;
	}
	s->p->watches[s->p->nwatches++] = w;
	rebind_pending_hits(s, &w);
	reply_ok(s);
}

/* ---- qXfer ---------------------------------------------------------------- */

/* Reply with the slice [off, off+len) of doc as qXfer wants it. */
static void reply_xfer(struct gs_server *s, const char *doc, size_t n,
		       uint64_t off, uint64_t len)
{
	gs_out_reset(&s->out);
	if (off >= n) {
		gs_out_str(&s->out, "l");
		reply(s);
		return;
	}
	if (len > MAX_MEM)
		len = MAX_MEM;
	size_t take = n - off < len ? n - (size_t)off : (size_t)len;
	gs_out_str(&s->out, off + take < n ? "m" : "l");
	gs_out_bin(&s->out, doc + off, take);
	reply(s);
}

/* The <thread> elements of the current process's threads. */
static void threads_xml_proc(struct gs_server *s, struct gs_out *o)
{
	size_t n;
	pt_thread **ts = thread_list(s, &n);
	for (size_t i = 0; i < n; i++) {
		pid_t tid = pt_thread_tid(ts[i]);
		char name[64];
		if (thread_gone(s, ts[i]))
			continue;
		thread_name(ts[i], name, sizeof name);
		if (s->multiprocess)
			gs_out_fmt(o, "<thread id=\"p%x.%x\"", (unsigned)s->p->pid,
				   (unsigned)tid);
		else
			gs_out_fmt(o, "<thread id=\"%x\"", (unsigned)tid);
		if (*name) {
			gs_out_str(o, " name=\"");
			gs_out_xml(o, name);
			gs_out_str(o, "\"");
		}
		int core = pt_thread_core(ts[i]);
		if (core >= 0)
			gs_out_fmt(o, " core=\"%d\"", core);
		gs_out_str(o, "/>\n");
	}
	free(ts);
}

/* qXfer:threads: the threads of every process. */
static void threads_xml(struct gs_server *s, struct gs_out *o)
{
	gs_out_str(o, "<?xml version=\"1.0\"?>\n<threads>\n");
	struct gs_proc *cur = s->p;
	for (size_t k = 0; k < s->nprocs; k++) {
		if (!s->procs[k]->announced)
			continue;
		select_proc(s, s->procs[k]);
		threads_xml_proc(s, o);
	}
	select_proc(s, cur);
	gs_out_str(o, "</threads>\n");
}

/* A siginfo rebuilt from the recorded cause (signo, si_code, fault
 * address, sender) of thread t's kept event, where the library has no
 * siginfo to give (it has since forgotten the thread's cause). */
static bool siginfo_from_cause(struct gs_server *s, pt_thread *t, siginfo_t *si)
{
	pt_stop_cause c = { .sz = sizeof c };
	bool found = false;
	for (size_t i = 0; i < s->p->npending; i++)
		if (s->p->pending[i].tid == pt_thread_tid(t)) {
			c = s->p->pending[i].cause;
			found = true;
		}
	if (!found && pt_thread_stop_cause(t, &c) == 0 &&
	    c.kind == PT_STOP_REQUESTED) {
		/* Stopped by us (attach, interrupt, another thread's event):
		 * the SIGSTOP gdbserver's own stops are, sent by the server
		 * (gdb reads $_siginfo of any stopped thread). */
		memset(si, 0, sizeof *si);
		si->si_signo = SIGSTOP;
		si->si_code = SI_TKILL;
		si->si_pid = getpid();
		si->si_uid = getuid();
		return true;
	}
	if (!found)
		return false;
	memset(si, 0, sizeof *si);
	switch (c.kind) {
	case PT_STOP_SIGNAL:
	case PT_STOP_GROUP:
		si->si_signo = c.signo;
		si->si_code = c.code;
		if (c.code <= 0 || c.code == SI_USER) {
			si->si_pid = c.pid;
		} else if (c.signo == SIGSEGV || c.signo == SIGBUS ||
			   c.signo == SIGILL || c.signo == SIGFPE ||
			   c.signo == SIGTRAP) {
			si->si_addr = (void *)(uintptr_t)c.addr;
		}
		break;
	case PT_STOP_BREAKPOINT:
		si->si_signo = SIGTRAP;
		si->si_code = SI_KERNEL;
		break;
	case PT_STOP_STEP:
		si->si_signo = SIGTRAP;
		si->si_code = TRAP_TRACE;
		break;
	case PT_STOP_WATCHPOINT:
		si->si_signo = SIGTRAP;
		si->si_code = TRAP_HWBKPT;
		si->si_addr = (void *)(uintptr_t)c.addr;
		break;
	default:
		return false;
	}
	return true;
}

/* The siginfo of thread t's stop in the program's layout: the kernel's
 * (pt_thread_siginfo, the tracer's 64-bit siginfo_t) or one rebuilt from
 * the cause; for an i386 program converted to its 32-bit layout. */
static bool siginfo_of(struct gs_server *s, pt_thread *t, struct gs_out *o)
{
	siginfo_t si;
	if (!t)
		return false;
	if (pt_thread_siginfo(t, &si) != 0 && !siginfo_from_cause(s, t, &si))
		return false;
	if (s->p->regs.x86_64) {
		gs_out_mem(o, &si, sizeof si);
	} else {
		unsigned char b[GS_SIGINFO32_SIZE];
		gs_siginfo_to32(&si, b);
		gs_out_mem(o, b, sizeof b);
	}
	return true;
}

/* ---- the dynamic linker's library list (qXfer:libraries-svr4) ---------- */

/* A word of the program's size (8 or 4 bytes) at addr. */
static bool read_word(struct gs_server *s, uint64_t addr, unsigned wsize,
		      uint64_t *val)
{
	unsigned char b[8] = { 0 };
	if (pt_mem_read(s->p->proc, addr, b, wsize, NULL) < 0)
		return false;
	*val = 0;
	for (unsigned i = 0; i < wsize; i++)
		*val |= (uint64_t)b[i] << (8 * i);
	return true;
}

/* AT_PHDR and AT_PHNUM from the auxiliary vector (pt_process_auxv). */
static bool auxv_phdr(struct gs_server *s, unsigned wsize, uint64_t *phdr,
		      uint64_t *phnum)
{
	size_t len = 0;
	unsigned char *a = proc_auxv(s, &len);
	bool ok = a != NULL;
	*phdr = *phnum = 0;
	for (size_t off = 0; ok && off + 2 * wsize <= len; off += 2 * wsize) {
		uint64_t type = 0, val = 0;
		memcpy(&type, a + off, wsize); /* little-endian host */
		memcpy(&val, a + off + wsize, wsize);
		if (type == 0)
			break;
		if (type == 3) /* AT_PHDR */
			*phdr = val;
		else if (type == 5) /* AT_PHNUM */
			*phnum = val;
	}
	free(a);
	return ok && *phdr && *phnum;
}

/* The address of the dynamic linker's r_debug (DT_DEBUG in the program's
 * dynamic section), 0 when it is not set yet or the program is static,
 * or false when the program's headers cannot be read.  *slot (may be NULL)
 * gets the address of DT_DEBUG's value, 0 if there is none. */
static bool find_r_debug(struct gs_server *s, unsigned wsize, uint64_t *r_debug,
			 uint64_t *slot)
{
	uint64_t phdr, phnum;
	*r_debug = 0;
	if (slot)
		*slot = 0;
	if (!auxv_phdr(s, wsize, &phdr, &phnum) || phnum > 1024)
		return false;
	/* Elf64_Phdr: p_type 0, p_vaddr 16, size 56; Elf32_Phdr: p_type 0,
	 * p_vaddr 8, size 32. */
	unsigned phent = wsize == 8 ? 56 : 32, vaddr_at = wsize == 8 ? 16 : 8;
	uint64_t dyn_vaddr = 0, phdr_vaddr = 0;
	bool have_dyn = false, have_phdr = false;
	for (uint64_t i = 0; i < phnum; i++) {
		uint64_t type, vaddr;
		uint64_t at = phdr + i * phent;
		if (!read_word(s, at, 4, &type) ||
		    !read_word(s, at + vaddr_at, wsize, &vaddr))
			return false;
		if (type == 2) { /* PT_DYNAMIC */
			dyn_vaddr = vaddr;
			have_dyn = true;
		} else if (type == 6) { /* PT_PHDR */
			phdr_vaddr = vaddr;
			have_phdr = true;
		}
	}
	if (!have_dyn)
		return true; /* static: no dynamic linker, no libraries */
	/* The load bias: where the headers are against where the file says.
	 * Without PT_PHDR, the headers follow the ELF header at the start of
	 * the first segment (vaddr 0 for a PIE, the usual case). */
	uint64_t bias = have_phdr ? phdr - phdr_vaddr : 0;
	uint64_t dyn = bias + dyn_vaddr;
	for (unsigned i = 0; i < 4096; i++) {
		uint64_t tag, val;
		if (!read_word(s, dyn + 2ull * wsize * i, wsize, &tag) ||
		    !read_word(s, dyn + 2ull * wsize * i + wsize, wsize, &val))
			return false;
		if (tag == 0) /* DT_NULL */
			break;
		if (tag == 21) { /* DT_DEBUG */
			*r_debug = val;
			if (slot)
				*slot = dyn + 2ull * wsize * i + wsize;
			break;
		}
	}
	return true;
}

/* <library-list-svr4>: the link_map chain from r_debug.r_map.  The first
 * entry is the program itself (main-lm), the others the libraries with a
 * name (the vDSO's entry included, as the dynamic linker names it).  The
 * namespace (lmid, which gdb 13 requires) is named by its r_debug's
 * address, as gdbserver names it. */
static bool libraries_svr4_xml(struct gs_server *s, struct gs_out *o)
{
	unsigned w = s->p->regs.x86_64 ? 8 : 4;
	uint64_t r_debug, lm = 0;
	if (!find_r_debug(s, w, &r_debug, NULL))
		return false;
	/* struct r_debug { int r_version; struct link_map *r_map; ... } */
	if (r_debug && !read_word(s, r_debug + w, w, &lm))
		return false;
	gs_out_str(o, "<library-list-svr4 version=\"1.0\"");
	struct gs_out libs = { 0 };
	uint64_t prev = 0;
	/* struct link_map { l_addr, l_name, l_ld, l_next, l_prev } */
	for (unsigned n = 0; lm && n < 100000; n++) {
		uint64_t l_addr, l_name, l_ld, l_next, l_prev;
		if (!read_word(s, lm, w, &l_addr) ||
		    !read_word(s, lm + w, w, &l_name) ||
		    !read_word(s, lm + 2 * w, w, &l_ld) ||
		    !read_word(s, lm + 3 * w, w, &l_next) ||
		    !read_word(s, lm + 4 * w, w, &l_prev) || l_prev != prev)
			break; /* unreadable or corrupt: what we have so far */
		if (n == 0) {
			gs_out_fmt(o, " main-lm=\"0x%" PRIx64 "\"", lm);
		} else {
			char name[PATH_MAX];
			size_t done = 0;
			pt_mem_read(s->p->proc, l_name, name, sizeof name - 1, &done);
			name[done] = 0;
			if (l_name && name[0]) {
				gs_out_str(&libs, "<library name=\"");
				gs_out_xml(&libs, name);
				gs_out_fmt(&libs,
					   "\" lm=\"0x%" PRIx64 "\" l_addr=\"0x%" PRIx64
					   "\" l_ld=\"0x%" PRIx64 "\" lmid=\"0x%" PRIx64
					   "\"/>",
					   lm, l_addr, l_ld, r_debug);
			}
		}
		prev = lm;
		lm = l_next;
	}
	if (libs.len) {
		gs_out_str(o, ">");
		gs_out_mem(o, libs.buf, libs.len);
		gs_out_str(o, "</library-list-svr4>");
	} else {
		gs_out_str(o, "/>");
	}
	if (libs.oom)
		o->oom = true;
	gs_out_free(&libs);
	return true;
}

/* lldb's qShlibInfoAddr: where the pointer to r_debug is (DT_DEBUG's
 * value), which lldb reads itself; it takes main-lm for that otherwise. */
static void cmd_qshlibinfoaddr(struct gs_server *s)
{
	uint64_t r_debug, slot;
	if (!stopped(s) ||
	    !find_r_debug(s, s->p->regs.x86_64 ? 8 : 4, &r_debug, &slot) || !slot) {
		reply_err(s, 1, "no dynamic section");
		return;
	}
	gs_out_reset(&s->out);
	gs_out_fmt(&s->out, "%" PRIx64, slot);
	reply(s);
}

/* qXfer:siginfo:write::OFFSET:DATA: bytes of the current thread's siginfo
 * replaced (pt_thread_set_siginfo, at a signal stop), for the signal it
 * gets when it resumes; for an i386 program bytes of its 32-bit layout,
 * the same size (one bound check for both). */
_Static_assert(sizeof(siginfo_t) == GS_SIGINFO32_SIZE, "siginfo sizes");
static void siginfo_write(struct gs_server *s, const char *annex, char *range,
			  const char *end)
{
	uint64_t off;
	const char *q = range;
	if (*annex || !gs_parse_hex(&q, &off) || *q != ':') {
		reply_err(s, 0x16, "bad qXfer:siginfo:write packet");
		return;
	}
	char *data = (char *)q + 1;
	long n = gs_unescape(data, (size_t)(end - data));
	pt_thread *t = reg_thread(s);
	siginfo_t si;
	if (n < 0 || off > sizeof si || (uint64_t)n > sizeof si - off) {
		reply_err(s, 0x16, "bad siginfo data");
		return;
	}
	if (!stopped(s) || !t) {
		reply_err(s, 1, "no stopped thread");
		return;
	}
	int err = pt_thread_siginfo(t, &si);
	if (err == 0 && s->p->regs.x86_64) {
		memcpy((char *)&si + off, data, (size_t)n);
	} else if (err == 0) {
		/* i386: the bytes are of the 32-bit layout */
		unsigned char b[GS_SIGINFO32_SIZE];
		gs_siginfo_to32(&si, b);
		memcpy(b + off, data, (size_t)n);
		gs_siginfo_from32(b, &si);
	}
	if (err == 0)
		err = pt_thread_set_siginfo(t, &si);
	if (err < 0) {
		reply_pterr(s, err);
		return;
	}
	gs_out_reset(&s->out);
	gs_out_fmt(&s->out, "%lx", n);
	reply(s);
}

static void cmd_qxfer(struct gs_server *s, char *p, const char *end)
{
	/* object:read:annex:off,len */
	char *obj = p, *op, *annex, *range;
	if (!(op = strchr(obj, ':')))
		goto bad;
	*op++ = 0;
	if (!(annex = strchr(op, ':')))
		goto bad;
	*annex++ = 0;
	if (!(range = strchr(annex, ':')))
		goto bad;
	*range++ = 0;
	if (strcmp(op, "write") == 0 && strcmp(obj, "siginfo") == 0) {
		siginfo_write(s, annex, range, end);
		return;
	}
	if (strcmp(op, "read") != 0) {
		reply_empty(s);
		return;
	}
	uint64_t off, len;
	const char *q = range;
	if (!parse_addr_len(&q, &off, &len, 0))
		goto bad;

	/* Lists that change under our feet: the next chunks of one are read
	 * from the document made for its first. */
	char key[sizeof s->xfer_key];
	bool snap = (strcmp(obj, "threads") == 0 || strcmp(obj, "osdata") == 0 ||
		     strcmp(obj, "libraries-svr4") == 0) &&
		    (size_t)snprintf(key, sizeof key, "%s:%s", obj, annex) <
			    sizeof key;
	if (snap && off > 0 && strcmp(key, s->xfer_key) == 0) {
		reply_xfer(s, s->xfer_doc.buf ? s->xfer_doc.buf : "",
			   s->xfer_doc.len, off, len);
		return;
	}
	struct gs_out doc = { 0 };
	bool known = true, ok = true;
	if (strcmp(obj, "features") == 0) {
		if (strcmp(annex, "target.xml") != 0 || !s->p->proc)
			ok = false;
		else
			gs_tdesc_build(&s->p->regs, s->lldb, &doc);
	} else if (strcmp(obj, "siginfo") == 0) {
		ok = s->p->proc && stopped(s) && siginfo_of(s, reg_thread(s), &doc);
	} else if (strcmp(obj, "osdata") == 0) {
		/* the host's processes ("info os"): not for the fuzzer */
		ok = !s->sandbox && gs_osdata_xml(annex, &doc);
	} else if (strcmp(obj, "threads") == 0) {
		if (!s->p->proc)
			ok = false;
		else
			threads_xml(s, &doc);
	} else if (strcmp(obj, "libraries-svr4") == 0) {
		/* No annex (start=/prev= are for clients offered
		 * augmented-libraries-svr4-read, which we do not offer). */
		ok = s->p->proc && stopped(s) && !*annex &&
		     libraries_svr4_xml(s, &doc);
	} else if (strcmp(obj, "auxv") == 0) {
		size_t alen = 0;
		unsigned char *a = proc_auxv(s, &alen);
		ok = a != NULL;
		if (ok)
			gs_out_mem(&doc, a, alen);
		free(a);
	} else if (strcmp(obj, "exec-file") == 0) {
		uint64_t pid = s->p->proc ? (uint64_t)s->p->pid : 0;
		const char *a = annex;
		if (*a && (!gs_parse_hex(&a, &pid) || *a || pid > INT_MAX))
			ok = false;
		char target[PATH_MAX];
		int r = -1;
		if (ok && s->p->proc && pid == (uint64_t)s->p->pid) {
			r = exe_path(s, target, sizeof target);
		} else if (ok && pid && !s->sandbox) {
			/* A process we do not trace (gdb asks before
			 * attaching): the kernel's link. */
			char path[64];
			snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
			ssize_t l = readlink(path, target, sizeof target - 1);
			r = l > 0 ? (int)l : -1;
		}
		if (r <= 0)
			ok = false;
		else
			gs_out_mem(&doc, target, (size_t)r);
	} else {
		known = false;
	}
	if (!known) {
		reply_empty(s);
	} else if (!ok || doc.oom) {
		reply_err(s, 0x02, "object not available");
		if (snap)
			s->xfer_key[0] = 0;
	} else {
		reply_xfer(s, doc.buf ? doc.buf : "", doc.len, off, len);
		if (snap) {
			/* keep it for the next chunks */
			gs_out_free(&s->xfer_doc);
			s->xfer_doc = doc;
			doc = (struct gs_out){ 0 };
			strcpy(s->xfer_key, key);
		}
	}
	gs_out_free(&doc);
	return;
bad:
	reply_err(s, 0x16, "bad qXfer packet");
}

/* ---- lldb's queries ------------------------------------------------------- */

static void out_hexstr(struct gs_out *o, const char *str)
{
	gs_out_hex(o, str, strlen(str));
}

static void cmd_qhostinfo(struct gs_server *s)
{
	char host[256] = "";
	gethostname(host, sizeof host - 1);
	gs_out_reset(&s->out);
	gs_out_str(&s->out, "triple:");
	out_hexstr(&s->out, "x86_64-pc-linux-gnu");
	gs_out_str(&s->out, ";ptrsize:8;endian:little;ostype:linux;vendor:pc;"
			    "watchpoint_exceptions_received:after;hostname:");
	out_hexstr(&s->out, host);
	gs_out_str(&s->out, ";");
	reply(s);
}

static void cmd_qprocessinfo(struct gs_server *s)
{
	if (!s->p->proc) {
		reply_err(s, 1, "no process");
		return;
	}
	bool is64 = s->p->regs.x86_64;
	gs_out_reset(&s->out);
	gs_out_fmt(&s->out, "pid:%x;parent-pid:%x;real-uid:%x;real-gid:%x;"
			    "effective-uid:%x;effective-gid:%x;triple:",
		   (unsigned)s->p->pid, (unsigned)getpid(), (unsigned)getuid(),
		   (unsigned)getgid(), (unsigned)geteuid(), (unsigned)getegid());
	out_hexstr(&s->out, is64 ? "x86_64-pc-linux-gnu" : "i386-pc-linux-gnu");
	gs_out_fmt(&s->out, ";ostype:linux;endian:little;ptrsize:%d;",
		   is64 ? 8 : 4);
	reply(s);
}

/* qMemoryRegionInfo: the mapping holding addr, or the gap around it. */
struct region_query {
	uint64_t addr;
	uint64_t gap_start, gap_end;
	struct gs_out *out;
};

static void out_hexstr(struct gs_out *o, const char *str);

static int region_of(const pt_map *m, void *arg)
{
	struct region_query *q = arg;
	if (q->addr >= m->start && q->addr < m->end) {
		gs_out_fmt(q->out, "start:%" PRIx64 ";size:%" PRIx64 ";permissions:",
			   m->start, m->end - m->start);
		if (m->flags & PT_MAP_READ)
			gs_out_str(q->out, "r");
		if (m->flags & PT_MAP_WRITE)
			gs_out_str(q->out, "w");
		if (m->flags & PT_MAP_EXEC)
			gs_out_str(q->out, "x");
		gs_out_str(q->out, ";");
		if (m->path && *m->path) {
			gs_out_str(q->out, "name:");
			out_hexstr(q->out, m->path);
			gs_out_str(q->out, ";");
		}
		return 1;
	}
	if (m->end <= q->addr && m->end > q->gap_start)
		q->gap_start = m->end;
	if (m->start > q->addr && m->start < q->gap_end)
		q->gap_end = m->start;
	return 0;
}

/* qMemoryRegionInfo:ADDR from pt_process_maps. */
static void cmd_qmemregion(struct gs_server *s, const char *p)
{
	uint64_t addr;
	if (!gs_parse_hex(&p, &addr) || *p) {
		reply_err(s, 0x16, "bad address");
		return;
	}
	if (!s->p->proc) {
		reply_err(s, 1, "no process");
		return;
	}
	gs_out_reset(&s->out);
	struct region_query q = { .addr = addr, .gap_end = UINT64_MAX,
				  .out = &s->out };
	int r = pt_process_maps(s->p->proc, region_of, &q);
	if (r < 0) {
		reply_pterr(s, r);
		return;
	}
	if (r == 0)
		gs_out_fmt(&s->out, "start:%" PRIx64 ";size:%" PRIx64 ";",
			   q.gap_start, q.gap_end - q.gap_start);
	reply(s);
}

static void cmd_qthreadstopinfo(struct gs_server *s, const char *p)
{
	uint64_t tid;
	if (!gs_parse_hex(&p, &tid) || *p || tid > INT_MAX) {
		reply_err(s, 0x16, "bad thread");
		return;
	}
	pt_thread *t = stopped(s) ? pt_process_thread(s->p->proc, (pid_t)tid) : NULL;
	if (!t) {
		reply_err(s, 0x0f, "no such stopped thread");
		return;
	}
	pid_t keep = s->last_tid;
	const pt_stop_cause *pc = NULL;
	for (size_t i = 0; i < s->p->npending; i++)
		if (s->p->pending[i].tid == (pid_t)tid)
			pc = &s->p->pending[i].cause;
	build_stop_reply(s, t, pc, -1);
	s->last_tid = keep;
	reply(s);
}

/* ---- vFile: host I/O, read-only ----------------------------------------- */

/* gdb's File-I/O errno values. */
static int fio_errno(int e)
{
	switch (e) {
	case EPERM: return 1;
	case ENOENT: return 2;
	case EINTR: return 4;
	case EBADF: return 9;
	case EACCES: return 13;
	case EFAULT: return 14;
	case EBUSY: return 16;
	case EEXIST: return 17;
	case ENODEV: return 19;
	case ENOTDIR: return 20;
	case EISDIR: return 21;
	case EINVAL: return 22;
	case ENFILE: return 23;
	case EMFILE: return 24;
	case EFBIG: return 27;
	case ENOSPC: return 28;
	case ESPIPE: return 29;
	case EROFS: return 30;
	case ENAMETOOLONG: return 91;
	default: return 9999;
	}
}

static void reply_fio_err(struct gs_server *s, int e)
{
	gs_out_reset(&s->out);
	gs_out_fmt(&s->out, "F-1,%x", (unsigned)fio_errno(e));
	reply(s);
}

/* A hex-encoded path into buf; false if malformed or too long. */
static bool hex_path(const char **p, char *buf, size_t cap)
{
	const char *q = *p;
	size_t n = 0;
	while (gs_hexval((unsigned char)q[n]) >= 0)
		n++;
	if (n == 0 || n % 2 || n / 2 >= cap || !gs_hex_decode(q, n / 2, buf))
		return false;
	buf[n / 2] = 0;
	if (strlen(buf) != n / 2)
		return false; /* an embedded NUL */
	*p = q + n;
	return true;
}

static int *vfile_slot(struct gs_server *s, uint64_t fd)
{
	for (size_t i = 0; i < GS_MAX_FILES; i++)
		if (s->files[i] > 0 && (uint64_t)s->files[i] == fd)
			return &s->files[i];
	return NULL;
}

static void put_be(unsigned char *b, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		b[i] = (unsigned char)v;
}

static void cmd_vfile(struct gs_server *s, const char *p, const char *end)
{
	char path[PATH_MAX];
	uint64_t a, b, c;
	if (starts(p, "setfs:")) {
		p += 6;
		if (!gs_parse_hex(&p, &a) || *p)
			goto bad;
		reply_str(s, "F0"); /* one file system: ours */
	} else if (starts(p, "open:")) {
		p += 5;
		if (!hex_path(&p, path, sizeof path) || *p++ != ',' ||
		    !gs_parse_hex(&p, &a) || *p++ != ',' ||
		    !gs_parse_hex(&p, &b) || *p)
			goto bad;
		/* gdb's File-I/O flags and mode bits to the host's. */
		int flags = O_CLOEXEC;
		switch (a & 3) {
		case 0: flags |= O_RDONLY; break;
		case 1: flags |= O_WRONLY; break;
		case 2: flags |= O_RDWR; break;
		default:
			reply_fio_err(s, EINVAL);
			return;
		}
		if (a & 0x8)
			flags |= O_APPEND;
		if (a & 0x200)
			flags |= O_CREAT;
		if (a & 0x400)
			flags |= O_TRUNC;
		if (a & 0x800)
			flags |= O_EXCL;
		mode_t mode = (mode_t)(b & 0777);
		int *slot = NULL;
		for (size_t i = 0; i < GS_MAX_FILES && !slot; i++)
			if (s->files[i] <= 0)
				slot = &s->files[i];
		if (!slot) {
			reply_fio_err(s, EMFILE);
			return;
		}
		if (s->sandbox) {
			reply_fio_err(s, EACCES);
			return;
		}
		int fd = open(path, flags, mode);
		if (fd < 0) {
			reply_fio_err(s, errno);
			return;
		}
		*slot = fd;
		gs_out_reset(&s->out);
		gs_out_fmt(&s->out, "F%x", (unsigned)fd);
		reply(s);
	} else if (starts(p, "pread:")) {
		p += 6;
		if (!gs_parse_hex(&p, &a) || *p++ != ',' ||
		    !gs_parse_hex(&p, &b) || *p++ != ',' ||
		    !gs_parse_hex(&p, &c) || *p || c > INT64_MAX)
			goto bad;
		int *slot = vfile_slot(s, a);
		if (!slot) {
			reply_fio_err(s, EBADF);
			return;
		}
		if (b > MAX_MEM / 2)
			b = MAX_MEM / 2;
		char buf[MAX_MEM];
		ssize_t r = pread(*slot, buf, (size_t)b, (off_t)c);
		if (r < 0) {
			reply_fio_err(s, errno);
			return;
		}
		gs_out_reset(&s->out);
		gs_out_fmt(&s->out, "F%x;", (unsigned)r);
		gs_out_bin(&s->out, buf, (size_t)r);
		reply(s);
	} else if (starts(p, "close:")) {
		p += 6;
		if (!gs_parse_hex(&p, &a) || *p)
			goto bad;
		int *slot = vfile_slot(s, a);
		if (!slot) {
			reply_fio_err(s, EBADF);
			return;
		}
		close(*slot);
		*slot = -1;
		reply_str(s, "F0");
	} else if (starts(p, "fstat:")) {
		p += 6;
		if (!gs_parse_hex(&p, &a) || *p)
			goto bad;
		int *slot = vfile_slot(s, a);
		struct stat st;
		if (!slot || fstat(*slot, &st) < 0) {
			reply_fio_err(s, slot ? errno : EBADF);
			return;
		}
		unsigned char b64[64];
		put_be(b64 + 0, st.st_dev, 4);
		put_be(b64 + 4, st.st_ino, 4);
		put_be(b64 + 8, st.st_mode, 4);
		put_be(b64 + 12, st.st_nlink, 4);
		put_be(b64 + 16, st.st_uid, 4);
		put_be(b64 + 20, st.st_gid, 4);
		put_be(b64 + 24, st.st_rdev, 4);
		put_be(b64 + 28, (uint64_t)st.st_size, 8);
		put_be(b64 + 36, (uint64_t)st.st_blksize, 8);
		put_be(b64 + 44, (uint64_t)st.st_blocks, 8);
		put_be(b64 + 52, (uint64_t)st.st_atime, 4);
		put_be(b64 + 56, (uint64_t)st.st_mtime, 4);
		put_be(b64 + 60, (uint64_t)st.st_ctime, 4);
		gs_out_reset(&s->out);
		gs_out_fmt(&s->out, "F%x;", (unsigned)sizeof b64);
		gs_out_bin(&s->out, b64, sizeof b64);
		reply(s);
	} else if (starts(p, "readlink:")) {
		p += 9;
		if (!hex_path(&p, path, sizeof path) || *p)
			goto bad;
		char target[PATH_MAX];
		ssize_t r = readlink(path, target, sizeof target);
		if (r < 0) {
			reply_fio_err(s, errno);
			return;
		}
		gs_out_reset(&s->out);
		gs_out_fmt(&s->out, "F%x;", (unsigned)r);
		gs_out_bin(&s->out, target, (size_t)r);
		reply(s);
	} else if (starts(p, "pwrite:")) {
		p += 7;
		if (!gs_parse_hex(&p, &a) || *p++ != ',' ||
		    !gs_parse_hex(&p, &b) || *p++ != ',' || b > INT64_MAX)
			goto bad;
		int *slot = vfile_slot(s, a);
		if (!slot) {
			reply_fio_err(s, EBADF);
			return;
		}
		char *data = (char *)p;
		long dn = gs_unescape(data, (size_t)(end - data));
		if (dn < 0)
			goto bad;
		ssize_t w = pwrite(*slot, data, (size_t)dn, (off_t)b);
		if (w < 0) {
			reply_fio_err(s, errno);
			return;
		}
		gs_out_reset(&s->out);
		gs_out_fmt(&s->out, "F%x", (unsigned)w);
		reply(s);
	} else if (starts(p, "unlink:")) {
		p += 7;
		if (!hex_path(&p, path, sizeof path) || *p)
			goto bad;
		if (s->sandbox)
			reply_fio_err(s, EACCES);
		else if (unlink(path) < 0)
			reply_fio_err(s, errno);
		else
			reply_str(s, "F0");
	} else {
		reply_empty(s); /* lldb's extras: not offered */
	}
	return;
bad:
	reply_fio_err(s, EINVAL);
}

void gs_server_close_files(struct gs_server *s)
{
	for (size_t i = 0; i < GS_MAX_FILES; i++) {
		if (s->files[i] > 0)
			close(s->files[i]);
		s->files[i] = -1;
	}
}

/* jThreadsInfo: every thread's name, stop reason and expedited registers,
 * as JSON (lldb). */
static void json_str(struct gs_out *o, const char *str)
{
	gs_out_str(o, "\"");
	for (; *str; str++) {
		unsigned char ch = (unsigned char)*str;
		if (ch == '"' || ch == '\\')
			gs_out_fmt(o, "\\%c", ch);
		else if (ch < 0x20)
			gs_out_fmt(o, "\\u%04x", ch);
		else
			gs_out_mem(o, str, 1);
	}
	gs_out_str(o, "\"");
}

static void cmd_jthreadsinfo(struct gs_server *s)
{
	if (!stopped(s)) {
		reply_err(s, 1, "no stopped process");
		return;
	}
	struct gs_out j = { 0 };
	size_t n;
	pt_thread **ts = thread_list(s, &n);
	gs_out_str(&j, "[");
	for (size_t i = 0; i < n; i++) {
		pid_t tid = pt_thread_tid(ts[i]);
		pt_stop_cause c = { .sz = sizeof c };
		bool kept = false;
		for (size_t k = 0; k < s->p->npending; k++)
			if (s->p->pending[k].tid == tid) {
				c = s->p->pending[k].cause;
				kept = true;
			}
		if (!kept && pt_thread_stop_cause(ts[i], &c) < 0)
			c.kind = PT_STOP_NONE;
		const char *reason = NULL;
		int sig = 0;
		switch (c.kind) {
		case PT_STOP_BREAKPOINT: reason = "breakpoint"; sig = SIGTRAP; break;
		case PT_STOP_STEP: reason = "trace"; sig = SIGTRAP; break;
		case PT_STOP_WATCHPOINT: reason = "watchpoint"; sig = SIGTRAP; break;
		case PT_STOP_EXEC: reason = "exec"; sig = SIGTRAP; break;
		case PT_STOP_SIGNAL:
		case PT_STOP_GROUP: reason = "signal"; sig = c.signo; break;
		default: break;
		}
		char name[64];
		thread_name(ts[i], name, sizeof name);
		gs_out_fmt(&j, "%s{\"tid\":%d,\"name\":", i ? "," : "", (int)tid);
		json_str(&j, name);
		if (reason)
			gs_out_fmt(&j, ",\"reason\":\"%s\",\"signal\":%d", reason, sig);
		gs_out_str(&j, ",\"registers\":{");
		static const pt_reg_role roles[] = { PT_ROLE_FP, PT_ROLE_SP,
						     PT_ROLE_PC };
		bool first = true;
		for (size_t r = 0; r < 3; r++) {
			const struct gs_reg *g = gs_regs_role(&s->p->regs, roles[r]);
			unsigned char buf[128];
			if (!g || !read_reg(ts[i], g, buf))
				continue;
			gs_out_fmt(&j, "%s\"%d\":\"", first ? "" : ",", g->regnum);
			gs_out_hex(&j, buf, g->wire);
			gs_out_str(&j, "\"");
			first = false;
		}
		gs_out_str(&j, "}}");
	}
	free(ts);
	gs_out_str(&j, "]");
	gs_out_reset(&s->out);
	if (j.oom)
		s->out.oom = true;
	else
		gs_out_bin(&s->out, j.buf, j.len);
	gs_out_free(&j);
	reply(s);
}

/* ---- session commands --------------------------------------------------- */

static void cmd_qsupported(struct gs_server *s, const char *p)
{
	/* The client's features: name+, name-, name=value, ';'-separated. */
	const char *f = p;
	s->fork_events = s->vfork_events = s->no_resumed = false;
	while (f && *f) {
		const char *e = strchr(f, ';');
		size_t n = e ? (size_t)(e - f) : strlen(f);
		if (n == 13 && strncmp(f, "multiprocess+", 13) == 0)
			s->multiprocess = true;
		else if (n == 8 && strncmp(f, "swbreak+", 8) == 0)
			s->swbreak = true;
		else if (n == 8 && strncmp(f, "hwbreak+", 8) == 0)
			s->hwbreak = true;
		else if (n == 12 && strncmp(f, "exec-events+", 12) == 0)
			s->exec_events = true;
		else if (n == 11 && strncmp(f, "no-resumed+", 11) == 0)
			s->no_resumed = true;
		else if (n == 12 && strncmp(f, "fork-events+", 12) == 0)
			s->fork_events = true;
		else if (n == 13 && strncmp(f, "vfork-events+", 13) == 0)
			s->vfork_events = true;
		f = e ? e + 1 : NULL;
	}
	gs_out_reset(&s->out);
	gs_out_fmt(&s->out,
		   "PacketSize=%x;QPassSignals+;QProgramSignals+;"
		   "QStartNoAckMode+;qXfer:features:read+;qXfer:threads:read+;"
		   "qXfer:auxv:read+;qXfer:exec-file:read+;"
		   "qXfer:siginfo:read+;qXfer:siginfo:write+;"
		   "qXfer:libraries-svr4:read+;qXfer:osdata:read+;"
		   "swbreak+;hwbreak+;vContSupported+;binary-upload+;"
		   "QDisableRandomization+;QEnvironmentHexEncoded+;"
		   "QEnvironmentUnset+;QEnvironmentReset+;QSetWorkingDir+;"
		   "QThreadEvents+;QStartupWithShell+;QCatchSyscalls+;"
		   "QNonStop+;ConditionalBreakpoints+",
		   GS_PACKET_MAX);
	if (s->exec_events)
		gs_out_str(&s->out, ";exec-events+");
	/* fork events name the child by a multiprocess id */
	s->fork_events &= s->multiprocess;
	s->vfork_events &= s->multiprocess;
	if (s->fork_events)
		gs_out_str(&s->out, ";fork-events+");
	if (s->vfork_events)
		gs_out_str(&s->out, ";vfork-events+");
	if (s->p->proc)
		pt_process_set_events(s->p->proc, event_mask(s));
	if (s->multiprocess)
		gs_out_str(&s->out, ";multiprocess+");
	reply(s);
}

/* QCatchSyscalls:0, QCatchSyscalls:1 (all), QCatchSyscalls:1;NR;NR...
 * (those, hex, in the program's ABI): pt_process_catch_syscalls. */
static void cmd_qcatchsyscalls(struct gs_server *s, const char *p)
{
	int mode;
	int *nums = NULL;
	size_t n = 0;
	if (strcmp(p, "0") == 0) {
		mode = PT_SYSCALLS_OFF;
	} else if (strcmp(p, "1") == 0) {
		mode = PT_SYSCALLS_ALL;
	} else if (starts(p, "1;")) {
		mode = PT_SYSCALLS_SOME;
		p += 2;
		nums = malloc(strlen(p) / 2 * sizeof *nums + sizeof *nums);
		if (!nums) {
			reply_err(s, 0x0c, "out of memory");
			return;
		}
		for (;;) {
			uint64_t nr;
			if (!gs_parse_hex(&p, &nr) || nr >= PT_SYSCALL_MAX ||
			    (*p && *p != ';')) {
				free(nums);
				reply_err(s, 0x16, "bad system call list");
				return;
			}
			nums[n++] = (int)nr;
			if (!*p++)
				break;
		}
	} else {
		reply_err(s, 0x16, "bad QCatchSyscalls");
		return;
	}
	if (s->p->proc) {
		int err = pt_process_catch_syscalls(s->p->proc, mode, nums, n);
		if (err < 0) {
			free(nums);
			reply_pterr(s, err);
			return;
		}
	}
	free(s->catch_nums);
	s->catch_nums = nums;
	s->ncatch = n;
	s->catch_mode = mode;
	reply_ok(s);
}

/* A QPassSignals / QProgramSignals list (hex gdb numbers, ';'-separated)
 * into out[] by Linux number: false and an E reply if malformed. */
static bool parse_signal_list(struct gs_server *s, const char *p,
			      bool out[65])
{
	memset(out, 0, 65 * sizeof *out);
	while (*p) {
		uint64_t g;
		if (!gs_parse_hex(&p, &g) || g > 255 || (*p && *p != ';')) {
			reply_err(s, 0x16, "bad signal list");
			return false;
		}
		int sig = sig_from_wire(s, (int)g);
		if (sig > 0 && sig <= 64)
			out[sig] = true;
		if (*p == ';')
			p++;
	}
	return true;
}

static void cmd_qpasssignals(struct gs_server *s, const char *p)
{
	bool pass[65];
	if (!parse_signal_list(s, p, pass))
		return;
	memcpy(s->pass, pass, sizeof pass);
	gs_server_apply_pass(s);
	reply_ok(s);
}

/* QProgramSignals: the signals gdb lets the program have ("handle ...
 * pass").  Used where the server lets threads go with the signal they
 * stopped with, unasked by a resume: at detach. */
static void cmd_qprogramsignals(struct gs_server *s, const char *p)
{
	bool program[65];
	if (!parse_signal_list(s, p, program))
		return;
	memcpy(s->program, program, sizeof program);
	s->program_set = true;
	reply_ok(s);
}

/* The environment vRun gives the program, a copy of ours at first. */
static bool env_init(struct gs_server *s)
{
	extern char **environ;
	if (s->env)
		return true;
	size_t n = 0;
	while (environ[n])
		n++;
	s->env = calloc(n + 1, sizeof *s->env);
	if (!s->env)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(s->env[i] = strdup(environ[i])))
			return false;
	return true;
}

static void env_free(struct gs_server *s)
{
	for (size_t i = 0; s->env && s->env[i]; i++)
		free(s->env[i]);
	free(s->env);
	s->env = NULL;
}

/* Remove NAME (len bytes) from the environment. */
static void env_unset(struct gs_server *s, const char *name, size_t len)
{
	size_t j = 0;
	for (size_t i = 0; s->env[i]; i++) {
		if (strncmp(s->env[i], name, len) == 0 && s->env[i][len] == '=')
			free(s->env[i]);
		else
			s->env[j++] = s->env[i];
	}
	s->env[j] = NULL;
}

/* QEnvironmentHexEncoded:hex(NAME=VALUE), QEnvironmentUnset:hex(NAME),
 * QEnvironmentReset, QSetWorkingDir:[hex(DIR)]. */
static void cmd_launch_setting(struct gs_server *s, const char *body)
{
	const char *arg = strchr(body, ':');
	char *text = NULL;
	if (arg) {
		size_t n = strlen(++arg);
		if (n % 2 || !(text = malloc(n / 2 + 1)) ||
		    !gs_hex_decode(arg, n / 2, text)) {
			free(text);
			reply_err(s, 0x16, "bad hex");
			return;
		}
		text[n / 2] = 0;
		if (strlen(text) != n / 2) {
			free(text);
			reply_err(s, 0x16, "NUL in the argument");
			return;
		}
	}
	if (strcmp(body, "QEnvironmentReset") == 0) {
		env_free(s);
	} else if (starts(body, "QSetWorkingDir:")) {
		free(s->cwd);
		s->cwd = text && *text ? text : NULL;
		if (!s->cwd)
			free(text);
		text = NULL;
	} else if (!text || !env_init(s)) {
		free(text);
		reply_err(s, 0x16, "bad environment packet");
		return;
	} else if (starts(body, "QEnvironmentUnset:")) {
		env_unset(s, text, strlen(text));
	} else {
		char *eq = strchr(text, '=');
		size_t n = 0;
		while (s->env[n])
			n++;
		char **ne = eq && eq != text ? realloc(s->env, (n + 2) * sizeof *ne)
					     : NULL;
		if (!ne) {
			free(text);
			reply_err(s, 0x16, "bad NAME=VALUE");
			return;
		}
		s->env = ne;
		env_unset(s, text, (size_t)(eq - text));
		n = 0;
		while (s->env[n])
			n++;
		s->env[n] = text;
		s->env[n + 1] = NULL;
		text = NULL;
	}
	free(text);
	reply_ok(s);
}

static const char monitor_help[] =
	"The following monitor commands are supported:\n"
	"  set debug <0|1>\n"
	"    Log every stop and kept event on the server's stderr\n"
	"  set remote-debug <0|1>\n"
	"    Log every packet on the server's stderr\n"
	"  set debug-format all|none\n"
	"    Accepted for gdbserver compatibility; no effect\n"
	"  set libthread-db-search-path [PATH]\n"
	"    Where to look for libthread_db (for thread-local variables):\n"
	"    directories, colon-separated; $sdir the system's, $pdir the\n"
	"    program's thread library's; none: the default, $pdir:$sdir\n"
	"  exit\n"
	"    End the server\n"
	"  help\n"
	"    This text\n";

static void cmd_qrcmd(struct gs_server *s, const char *hex)
{
	size_t n = strlen(hex);
	char cmd[512];
	if (n % 2 || n / 2 >= sizeof cmd || !gs_hex_decode(hex, n / 2, cmd)) {
		reply_err(s, 0x16, "bad monitor command");
		return;
	}
	cmd[n / 2] = 0;
	if (strcmp(cmd, "exit") == 0) {
		s->want_exit = true;
		reply_ok(s);
	} else if (strcmp(cmd, "help") == 0) {
		send_console(s, monitor_help);
		reply_ok(s);
	} else if (strcmp(cmd, "set debug 1") == 0 ||
		   strcmp(cmd, "set debug 0") == 0) {
		debug_flag = cmd[10] == '1';
		send_console(s, debug_flag ? "Debug output enabled.\n"
					   : "Debug output disabled.\n");
		reply_ok(s);
	} else if (strcmp(cmd, "set remote-debug 1") == 0 ||
		   strcmp(cmd, "set remote-debug 0") == 0) {
		s->remote_debug = cmd[17] == '1';
		send_console(s, s->remote_debug
					? "Protocol debug output enabled.\n"
					: "Protocol debug output disabled.\n");
		reply_ok(s);
	} else if (strcmp(cmd, "set debug-format all") == 0 ||
		   strcmp(cmd, "set debug-format none") == 0) {
		send_console(s, cmd[17] == 'a'
					? "All extra debug format options enabled.\n"
					: "All extra debug format options disabled.\n");
		reply_ok(s);
	} else if (starts(cmd, "set libthread-db-search-path") &&
		   (!cmd[28] || isspace((unsigned char)cmd[28]))) {
		const char *path = cmd + 28;
		while (isspace((unsigned char)*path))
			path++;
		char msg[600];
		gs_tdb_set_search_path(path);
		snprintf(msg, sizeof msg, "libthread-db-search-path set to `%s'\n",
			 gs_tdb_search_path());
		send_console(s, msg);
		reply_ok(s);
	} else {
		send_console(s, "Unknown monitor command.\n\n");
		send_console(s, monitor_help);
		reply_err(s, 1, "unknown monitor command");
	}
}

/* qGetTLSAddr:THREAD,OFFSET,LM: the address of a thread-local variable
 * (threaddb.c); another shape is an unknown packet. */
static void cmd_qgettlsaddr(struct gs_server *s, const char *p)
{
	pid_t pid, tid;
	uint64_t off, lm, addr;
	char err[300];
	if (!parse_tid(&p, &pid, &tid) || *p++ != ',' ||
	    !gs_parse_hex(&p, &off) || *p++ != ',' ||
	    !gs_parse_hex(&p, &lm) || *p) {
		reply_err(s, 0x16, "bad qGetTLSAddr packet");
		return;
	}
	struct gs_proc *tp = pid > 0 ? find_proc(s, pid) : proc_of_tid(s, tid);
	if (s->sandbox || !tp || tp->running || tid <= 0) {
		reply_err(s, 1, "no such stopped thread");
		return;
	}
	if (gs_tdb_tls_address(tp->proc, tid, off, lm, &addr, err,
			       sizeof err) < 0) {
		if (debug_on())
			fprintf(stderr, "gdbserver: qGetTLSAddr: %s\n", err);
		reply_err(s, 1, err);
		return;
	}
	gs_out_reset(&s->out);
	gs_out_fmt(&s->out, "%" PRIx64, addr);
	reply(s);
}

static void free_argv(char **av)
{
	for (size_t i = 0; av && av[i]; i++)
		free(av[i]);
	free(av);
}

/* vRun;PROG;ARG... (hex) */
static void cmd_vrun(struct gs_server *s, char *p)
{
	char *argv[256];
	int argc = 0;
	/* Fields may be empty (an empty program name: the default one). */
	for (char *f = p; f; ) {
		char *e = strchr(f, ';');
		if (e)
			*e = 0;
		size_t n = strlen(f);
		char *a = argc < 255 && n % 2 == 0 ? malloc(n / 2 + 1) : NULL;
		if (!a || !gs_hex_decode(f, n / 2, a)) {
			free(a);
			reply_err(s, 0x16, "bad vRun");
			goto out;
		}
		a[n / 2] = 0;
		argv[argc++] = a;
		f = e ? e + 1 : NULL;
	}
	if (!*argv[0]) {
		/* The program run last (vRun), else the command line's, as
		 * gdbserver has it: gdb sends no name for an inferior with
		 * no remote exec-file set. */
		const char *prog = s->last_argv && s->last_argv[0]
					   ? s->last_argv[0]
				   : s->default_argv ? s->default_argv[0]
						     : NULL;
		if (!prog) {
			reply_err(s, 0x02, "no program to run");
			goto out;
		}
		free(argv[0]);
		argv[0] = strdup(prog);
		/* No arguments given: the command line's. */
		if (argc == 1 && s->default_argv)
			for (int i = 1; s->default_argv[i] && argc < 255; i++)
				argv[argc++] = strdup(s->default_argv[i]);
		for (int i = 0; i < argc; i++)
			if (!argv[i]) {
				reply_err(s, 0x0c, "out of memory");
				goto out;
			}
	}
	argv[argc] = NULL;
	if (s->sandbox) {
		reply_err(s, 1, "starting processes is disabled");
		goto out;
	}
	/* A client of several processes (multiprocess+) has them killed
	 * before it runs a program again; others expect one process. */
	if (!s->multiprocess)
		gs_server_drop(s);
	int err = gs_server_launch(s, argv);
	if (err < 0) {
		reply_pterr(s, err);
		goto out;
	}
	/* Remember it for R (restart). */
	free_argv(s->last_argv);
	s->last_argv = calloc((size_t)argc + 1, sizeof *s->last_argv);
	for (int i = 0; s->last_argv && i < argc; i++)
		if (!(s->last_argv[i] = strdup(argv[i]))) {
			free_argv(s->last_argv);
			s->last_argv = NULL;
		}
	reply_status(s);
	if (s->nonstop)
		ns_fill(s, true);
out:
	for (int i = 0; i < argc; i++)
		free(argv[i]);
}

static void cmd_vattach(struct gs_server *s, const char *p)
{
	uint64_t pid;
	if (!gs_parse_hex(&p, &pid) || *p || pid == 0 || pid > INT_MAX) {
		reply_err(s, 0x16, "bad pid");
		return;
	}
	if (s->sandbox) {
		reply_err(s, 1, "starting processes is disabled");
		return;
	}
	if (!s->multiprocess)
		gs_server_drop(s);
	int err = gs_server_attach(s, (pid_t)pid);
	if (err < 0) {
		reply_pterr(s, err);
		return;
	}
	if (s->nonstop) {
		/* gdb stops the threads itself (vCont;t) */
		ns_fill(s, false);
		reply_ok(s);
		return;
	}
	reply_status(s);
}

/* Detach the current process (forgotten then): 0 or the error. */
static int detach_current(struct gs_server *s)
{
	if (s->p->running)
		pt_stop(s->p->proc);
	s->p->running = false;
	drop_unwanted_signals(s);
	int err = pt_detach(s->p->proc);
	if (err < 0) {
		DBG("process %d: detach: %s\n", (int)s->p->pid, pt_errmsg());
		return err;
	}
	pid_t pid = s->p->pid;
	bool launched = !s->p->attached && !s->p->forked;
	forget_process(s);
	/* A launched child stays ours after detach: reap it when it ends,
	 * without blocking the session. */
	if (launched && s->nreap < GS_MAX_REAP)
		s->reap[s->nreap++] = pid;
	return 0;
}

/* D;PID: that process detached; D: every process. */
static void cmd_detach(struct gs_server *s, pid_t pid)
{
	struct gs_proc *p = pid > 0 ? find_proc(s, pid) : s->p;
	if (!p || !p->proc) {
		reply_err(s, 1, "no such process");
		return;
	}
	int err = 0;
	if (pid > 0) {
		/* gdb's packets go on meaning the process they meant (its Hg
		 * thread's), as gdbserver goes back to it after each packet */
		struct gs_proc *cur = s->p != p ? s->p : NULL;
		select_proc(s, p);
		err = detach_current(s);
		if (in_table(s, cur))
			select_proc(s, cur);
	} else {
		for (size_t i = s->nprocs; i-- > 0;) {
			select_proc(s, s->procs[i]);
			int e = detach_current(s);
			if (e < 0 && err == 0)
				err = e;
		}
	}
	if (err < 0)
		reply_pterr(s, err);
	else
		reply_ok(s);
	if (!s->extended && !s->nprocs)
		s->want_exit = true;
}

/* Kill the current process: its exit is remembered (not reported). */
static void kill_current(struct gs_server *s)
{
	if (s->p->running)
		pt_stop(s->p->proc);
	s->p->running = false;
	pt_kill(s->p->proc);
	int code = 0, sig = 0;
	pt_process_exit(s->p->proc, &code, &sig);
	s->exit_code = code < 0 ? 0 : code;
	s->exit_signal = sig ? sig : 9;
	s->exit_pid = s->p->pid;
	s->have_exit = true;
	forget_process(s);
}

/* k: every process killed (no reply); vKill;PID: that one (OK, or E for
 * a process not ours). */
static void cmd_kill(struct gs_server *s, pid_t pid, bool want_reply)
{
	if (pid > 0) {
		struct gs_proc *p = find_proc(s, pid);
		if (!p) {
			reply_err(s, 0x03, "no such process");
			return;
		}
		struct gs_proc *cur = s->p != p ? s->p : NULL;
		select_proc(s, p);
		kill_current(s);
		if (in_table(s, cur))
			select_proc(s, cur); /* as after D;PID */
	} else {
		while (s->nprocs) {
			select_proc(s, s->procs[s->nprocs - 1]);
			kill_current(s);
		}
	}
	if (want_reply)
		reply_ok(s);
	if (!s->extended && !s->nprocs)
		s->want_exit = true;
}

/* Hg / Hc: the thread (and its process) later packets mean. */
static void cmd_H(struct gs_server *s, const char *p)
{
	char which = *p++;
	pid_t pid, tid;
	if ((which != 'g' && which != 'c') || !parse_tid(&p, &pid, &tid) || *p) {
		reply_err(s, 0x16, "bad H packet");
		return;
	}
	struct gs_proc *proc = pid > 0    ? find_proc(s, pid)
			       : tid > 0 ? proc_of_tid(s, tid)
					 : s->p;
	if ((pid > 0 || tid > 0) &&
	    (!proc || (tid > 0 && !pt_process_thread(proc->proc, tid)))) {
		reply_err(s, 0x0f, "no such thread");
		return;
	}
	if (which == 'g') {
		select_proc(s, proc);
		s->g_tid = tid;
		if (s->nonstop && tid <= 0) {
			/* any (0) or all (-1): one thread, which stays (in
			 * all-stop, the thread of each stop) */
			pt_thread *ct = cur_thread(s);
			if (ct)
				s->g_tid = pt_thread_tid(ct);
		}
	} else {
		s->c_tid = tid;
	}
	reply_ok(s);
}

static void cmd_T(struct gs_server *s, const char *p)
{
	pid_t pid, tid;
	if (!parse_tid(&p, &pid, &tid) || *p) {
		reply_err(s, 0x16, "bad T packet");
		return;
	}
	struct gs_proc *tp = pid > 0 ? find_proc(s, pid) : proc_of_tid(s, tid);
	pt_thread *t = tp && tid > 0 ? pt_process_thread(tp->proc, tid) : NULL;
	pt_stop_cause c = { .sz = sizeof c };
	if (!t || (pt_thread_stop_cause(t, &c) == 0 &&
		   (c.kind == PT_STOP_EXITED)))
		reply_err(s, 0x0f, "no such thread");
	else
		reply_ok(s);
}

/* qfThreadInfo: the threads of every process in one reply; qsThreadInfo:
 * the end of the list. */
static void cmd_threadinfo(struct gs_server *s, bool first)
{
	if (!first || !s->nprocs) {
		reply_str(s, "l");
		return;
	}
	struct gs_proc *cur = s->p;
	gs_out_reset(&s->out);
	gs_out_str(&s->out, "m");
	bool first_tid = true;
	for (size_t k = 0; k < s->nprocs; k++) {
		if (!s->procs[k]->announced)
			continue;
		select_proc(s, s->procs[k]);
		size_t n;
		pt_thread **ts = thread_list(s, &n);
		for (size_t i = 0; i < n; i++) {
			if (thread_gone(s, ts[i]))
				continue;
			if (!first_tid)
				gs_out_str(&s->out, ",");
			first_tid = false;
			out_tid(s, pt_thread_tid(ts[i]));
		}
		free(ts);
	}
	select_proc(s, cur);
	reply(s);
}

/* lldb's ";thread:TID;" suffix on g, p, P, ...: strip it, remember it. */
static void take_thread_suffix(struct gs_server *s, char *body, size_t *len)
{
	char *t = strstr(body, ";thread:");
	if (!t)
		return;
	const char *q = t + 8;
	pid_t pid, tid;
	if (parse_tid(&q, &pid, &tid) && (*q == ';' || *q == 0) && tid > 0) {
		s->suffix_tid = tid;
		*t = 0;
		*len = (size_t)(t - body);
	}
}

void gs_server_packet(struct gs_server *s, char *body, size_t len)
{
	s->suffix_tid = 0;
	if (s->thread_suffix && body[0] != 'X' && body[0] != 'v' &&
	    body[0] != 'M')
		take_thread_suffix(s, body, &len);
	if (s->nonstop)
		ns_packet(s, body, len);
	else
		dispatch(s, body, len);
}

static void dispatch(struct gs_server *s, char *body, size_t len)
{
	if (any_running(s) && body[0] != 'v' && strcmp(body, "?") != 0) {
		/* gdb waits for the stop reply; nothing else is legal now. */
		reply_err(s, 1, "the process is running");
		return;
	}
	switch (body[0]) {
	case '?':
		reply_status(s);
		return;
	case '!':
		s->extended = true;
		reply_ok(s);
		return;
	case 'g':
		if (body[1])
			break;
		cmd_g(s);
		return;
	case 'G':
		cmd_G(s, body + 1);
		return;
	case 'p':
		cmd_p(s, body + 1);
		return;
	case 'P':
		cmd_P(s, body + 1);
		return;
	case 'm':
		cmd_m(s, body + 1, false);
		return;
	case 'x':
		cmd_m(s, body + 1, true);
		return;
	case 'M':
		cmd_M(s, body + 1, len - 1, false);
		return;
	case 'X':
		cmd_M(s, body + 1, len - 1, true);
		return;
	case 'H':
		cmd_H(s, body + 1);
		return;
	case 'T':
		cmd_T(s, body + 1);
		return;
	case 'Z':
		cmd_Z(s, body + 1, true);
		return;
	case 'z':
		cmd_Z(s, body + 1, false);
		return;
	case 'c':
	case 'C':
	case 's':
	case 'S':
		cmd_resume_old(s, body);
		return;
	case 'D': {
		/* D;PID (multiprocess), or D: every process */
		const char *q = body + 1;
		uint64_t pid = 0;
		if (*q && (*q++ != ';' || !gs_parse_hex(&q, &pid) || *q ||
			   pid == 0 || pid > INT_MAX)) {
			reply_err(s, 0x16, "bad D packet");
			return;
		}
		cmd_detach(s, (pid_t)pid);
		return;
	}
	case 'k':
		/* No reply for gdb (it reads none); lldb waits for the exit
		 * (as lldb-server sends it) and otherwise reports "failed to
		 * send the k packet" with a made-up status. */
		cmd_kill(s, 0, false);
		if (s->lldb)
			reply_str(s, "X09");
		return;
	case 'R':
		/* Extended mode's old restart: the last program again, with no
		 * reply (gdb then asks '?'). */
		if (s->extended && (s->last_argv || s->default_argv)) {
			char **av = s->last_argv ? s->last_argv : s->default_argv;
			gs_server_drop(s);
			if (gs_server_launch(s, av) < 0)
				fprintf(stderr, "Cannot restart %s: %s\n", av[0],
					pt_errmsg());
			else if (s->nonstop)
				ns_fill(s, true);
		}
		return;
	default:
		break;
	}

	if (strcmp(body, "QStartNoAckMode") == 0) {
		reply_ok(s);
		s->noack = true;
	} else if (starts(body, "qSupported")) {
		cmd_qsupported(s, body[10] == ':' ? body + 11 : "");
	} else if (starts(body, "qXfer:")) {
		cmd_qxfer(s, body + 6, body + len);
	} else if (strcmp(body, "qC") == 0) {
		pt_thread *t = cur_thread(s);
		if (!t) {
			reply_err(s, 1, "no process");
			return;
		}
		gs_out_reset(&s->out);
		gs_out_str(&s->out, "QC");
		out_tid(s, pt_thread_tid(t));
		reply(s);
	} else if (strcmp(body, "qfThreadInfo") == 0) {
		cmd_threadinfo(s, true);
	} else if (strcmp(body, "qsThreadInfo") == 0) {
		cmd_threadinfo(s, false);
	} else if (starts(body, "qAttached")) {
		/* qAttached:PID (multiprocess) or qAttached */
		const char *q = body + 9;
		uint64_t pid = 0;
		struct gs_proc *p = s->p;
		if (*q == ':' && (q++, !gs_parse_hex(&q, &pid) || *q ||
				  !(p = find_proc(s, (pid_t)pid))))
			reply_err(s, 0x03, "no such process");
		else
			reply_str(s, p->attached ? "1" : "0");
	} else if (starts(body, "QCatchSyscalls:")) {
		cmd_qcatchsyscalls(s, body + 15);
	} else if (starts(body, "QPassSignals:")) {
		cmd_qpasssignals(s, body + 13);
	} else if (starts(body, "QProgramSignals:")) {
		cmd_qprogramsignals(s, body + 16);
	} else if (starts(body, "qRcmd,")) {
		cmd_qrcmd(s, body + 6);
	} else if (starts(body, "qGetTLSAddr:")) {
		cmd_qgettlsaddr(s, body + 12);
	} else if (strcmp(body, "vCont?") == 0) {
		reply_str(s, s->nonstop ? "vCont;c;C;s;S;r;t" : "vCont;c;C;s;S;r");
	} else if (starts(body, "vCont;")) {
		struct gs_vcont v;
		if (!parse_vcont(s, body + 5, &v))
			reply_err(s, 0x16, "bad vCont");
		else if (any_running(s))
			reply_err(s, 1, "the process is running");
		else
			resume(s, &v);
	} else if (starts(body, "vRun;")) {
		cmd_vrun(s, body + 5);
	} else if (starts(body, "vAttach;")) {
		cmd_vattach(s, body + 8);
	} else if (starts(body, "vKill;")) {
		const char *q = body + 6;
		uint64_t pid;
		/* Without multiprocess, the pid means the process (as for
		 * gdbserver, whatever its value). */
		if (!gs_parse_hex(&q, &pid) || *q || pid == 0 || pid > INT_MAX)
			reply_err(s, 0x16, "bad vKill");
		else
			cmd_kill(s, s->multiprocess ? (pid_t)pid : 0, true);
	} else if (starts(body, "QNonStop:")) {
		cmd_qnonstop(s, body + 9);
	} else if (starts(body, "QStartupWithShell:")) {
		if (strcmp(body + 18, "0") && strcmp(body + 18, "1")) {
			reply_err(s, 0x16, "bad QStartupWithShell");
		} else {
			s->with_shell = body[18] == '1';
			reply_ok(s);
		}
	} else if (starts(body, "QThreadEvents:")) {
		if (strcmp(body + 14, "0") && strcmp(body + 14, "1")) {
			reply_err(s, 0x16, "bad QThreadEvents");
		} else {
			s->thread_events = body[14] == '1';
			if (s->p->proc)
				pt_process_set_events(s->p->proc, event_mask(s));
			reply_ok(s);
		}
	} else if (starts(body, "QDisableRandomization:")) {
		s->no_aslr = strcmp(body + 22, "1") == 0;
		if (strcmp(body + 22, "0") && strcmp(body + 22, "1"))
			reply_err(s, 0x16, "bad QDisableRandomization");
		else
			reply_ok(s);
	} else if (starts(body, "QEnvironmentHexEncoded:") ||
		   starts(body, "QEnvironmentUnset:") ||
		   strcmp(body, "QEnvironmentReset") == 0 ||
		   starts(body, "QSetWorkingDir:")) {
		cmd_launch_setting(s, body);
	} else if (starts(body, "vFile:")) {
		cmd_vfile(s, body + 6, body + len);
	} else if (starts(body, "vMustReplyEmpty")) {
		reply_empty(s);
	} else if (strcmp(body, "qHostInfo") == 0) {
		s->lldb = true;
		cmd_qhostinfo(s);
	} else if (strcmp(body, "qProcessInfo") == 0) {
		cmd_qprocessinfo(s);
	} else if (strcmp(body, "QThreadSuffixSupported") == 0) {
		s->lldb = true;
		s->thread_suffix = true;
		reply_ok(s);
	} else if (strcmp(body, "QListThreadsInStopReply") == 0) {
		s->lldb = true;
		s->list_threads_in_stop = true;
		reply_ok(s);
	} else if (strcmp(body, "QEnableErrorStrings") == 0) {
		s->error_strings = true;
		reply_ok(s);
	} else if (strcmp(body, "jThreadsInfo") == 0) {
		cmd_jthreadsinfo(s);
	} else if (starts(body, "qThreadStopInfo")) {
		cmd_qthreadstopinfo(s, body + 15);
	} else if (starts(body, "qMemoryRegionInfo:")) {
		cmd_qmemregion(s, body + 18);
	} else if (strcmp(body, "qShlibInfoAddr") == 0) {
		cmd_qshlibinfoaddr(s);
	} else if (strcmp(body, "qSymbol::") == 0) {
		reply_ok(s);
	} else if (any_running(s)) {
		reply_err(s, 1, "the process is running");
	} else {
		reply_empty(s);
	}
}

void gs_server_input(struct gs_server *s, struct gs_rx *rx,
		     const unsigned char *data, size_t n)
{
	for (size_t i = 0; i < n && !s->want_exit; i++) {
		switch (gs_rx_byte(rx, data[i])) {
		case GS_RX_PACKET:
			if (s->remote_debug)
				fprintf(dbg_out(), "gdbserver: <- $%s\n", rx->buf);
			if (!s->noack)
				send_raw(s, "+", 1);
			gs_server_packet(s, rx->buf, rx->len);
			break;
		case GS_RX_TOOLONG:
			if (!s->noack)
				send_raw(s, "+", 1);
			reply_err(s, 0x16, "packet too long");
			break;
		case GS_RX_BADSUM:
			if (!s->noack)
				send_raw(s, "-", 1);
			break;
		case GS_RX_NAK:
			if (!s->noack && s->last.len)
				send_raw(s, s->last.buf, s->last.len);
			break;
		case GS_RX_INTERRUPT:
			if (s->nonstop) {
				if (any_running(s)) {
					ns_pause(s);
					ns_interrupt(s);
					ns_settle_all(s);
				}
				break;
			}
			if (!any_running(s) && s->nprocs) {
				/* after the stop (which crossed it): owed */
				s->interrupt_due = true;
			} else if (any_running(s) && !s->interrupted) {
				/* One process stopped, the one gdbserver would
				 * send its SIGINT to (the last one started or
				 * attached), else the current one, else any; its
				 * stop stops the others.  While gdb single-steps
				 * threads of others only, it waits for that
				 * one's next resume (as at the vCont). */
				struct gs_proc *p = find_proc(s, s->signal_pid);
				if (p && !p->running &&
				    vcont_steps_only(&s->plan)) {
					s->interrupt_due = true;
					break;
				}
				if (!p || !p->running)
					p = s->p;
				for (size_t k = 0; !p->running && k < s->nprocs; k++)
					p = s->procs[k];
				s->interrupted = true;
				pt_stop(p->proc); /* an exit meanwhile: pt_wait's */
				int err = pt_wait(p->proc, 0);
				if (err != PT_ETIMEDOUT)
					serve_stop(s, p, err);
			}
			break;
		default:
			break;
		}
	}
}

void gs_server_reap(struct gs_server *s)
{
	for (size_t i = 0; i < s->nreap;) {
		if (waitpid(s->reap[i], NULL, WNOHANG) != 0)
			s->reap[i] = s->reap[--s->nreap];
		else
			i++;
	}
}

void gs_server_init(struct gs_server *s)
{
	memset(s, 0, sizeof *s);
	s->p = &s->idle;
	/* As gdbserver: the command line's program too starts without ASLR
	 * (QDisableRandomization:0 turns it back on for vRun). */
	s->no_aslr = true;
	s->with_shell = true; /* gdb's startup-with-shell default */
	/* PROCTRACE_GDBSERVER_DEBUG=2: the packets too, from the start */
	const char *e = getenv("PROCTRACE_GDBSERVER_DEBUG");
	s->remote_debug = e && strcmp(e, "2") == 0;
	for (size_t i = 0; i < GS_MAX_FILES; i++)
		s->files[i] = -1;
}

void gs_server_fini(struct gs_server *s)
{
	gs_server_drop(s);
	gs_server_close_files(s);
	free_argv(s->last_argv);
	s->last_argv = NULL;
	env_free(s);
	free(s->cwd);
	gs_out_free(&s->xfer_doc);
	ns_forget(s);
	free(s->notes);
	s->notes = NULL;
	s->cap_notes = 0;
	free(s->catch_nums);
	s->catch_nums = NULL;
	gs_out_free(&s->out);
	gs_out_free(&s->frame);
	gs_out_free(&s->last);
}
