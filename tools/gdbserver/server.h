/*
 * server.h - the command side of proctrace-gdbserver: one debugging
 * session over one connection, driving at most one process through the
 * public libproctrace API.
 */
#ifndef GS_SERVER_H
#define GS_SERVER_H

#include <proctrace.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "agent.h"
#include "packet.h"

/* One register as the protocol sees it. */
struct gs_reg {
	int index;                /* row in the library's table */
	const pt_reg_info *info;
	int regnum;               /* number on the wire (gdb's) */
	unsigned wire;            /* bytes on the wire */
	size_t offset;            /* offset in the g packet */
};

struct gs_regs {
	struct gs_reg *reg;       /* sorted by regnum */
	size_t count;
	size_t g_size;
	bool x86_64;
};

int gs_regs_build(pt_process *p, struct gs_regs *out);
const struct gs_reg *gs_regs_find(const struct gs_regs *rs, int regnum);
const struct gs_reg *gs_regs_role(const struct gs_regs *rs, pt_reg_role role);
void gs_tdesc_build(const struct gs_regs *rs, bool lldb, struct gs_out *o);

int gs_sig_to_gdb(int sig);
int gs_sig_from_gdb(int g); /* -1 when Linux has no such signal */

/* A parsed vCont: its actions, in order (the first that names a thread
 * applies to it; tid -1: every thread). */
#define GS_VCONT_MAX 64
#define GS_MAX_FORKS 64
struct gs_vcont {
	size_t n;
	struct {
		char kind;  /* 'c', 's', 'r' (a range step) */
		int sig;    /* Linux number */
		pid_t pid, tid;
		uint64_t start, end; /* r: the range */
	} a[GS_VCONT_MAX];
};

/* A watchpoint as gdb asked for it: one Z2-Z4 (or Z1) request, made of up
 * to 8 aligned debug-register watches. */
struct gs_watch {
	int type;                 /* Z type: 1 hw break, 2 write, 3 read, 4 access */
	uint64_t addr, len;
	int ids[8];
	int nids;
};

#define GS_MAX_WATCH 16
#define GS_MAX_BREAK 4096
#define GS_MAX_REAP 16
#define GS_MAX_FILES 32

/* A traced process of the session: the one gdb started or attached to,
 * others it started or attached to since (extended-remote, several
 * inferiors), and the children of forks gdb keeps (fork-events+ with
 * detach-on-fork off).  The server works on one at a time, s->p: the
 * process of the thread gdb named last (Hg) or of the last stop
 * reported; packets without a process id mean it. */
struct gs_proc {
	pt_process *proc;          /* NULL: none (s->idle) */
	pid_t pid;
	bool attached;             /* vAttach / --attach: detached, not
	                              killed, at the end */
	bool forked;               /* a fork child (not our child: never
	                              reaped by us) */
	bool announced;            /* gdb knows of it: launched, attached, or
	                              a fork child whose fork was reported;
	                              until then it is in no thread list and
	                              no vCont resumes it */
	bool running;              /* resumed, its stop not reported yet */
	bool first_stop;           /* the launch's exec stop not yet reported */
	bool gone;                 /* exited while halted: its exit is
	                              reported when gdb next resumes it */
	struct gs_regs regs;
	const char *regs_arch;
	uint64_t breaks[GS_MAX_BREAK];
	size_t nbreaks;
	struct gs_watch watches[GS_MAX_WATCH];
	size_t nwatches;
	/* ConditionalBreakpoints+: the conditions gdb gave a breakpoint
	 * (Z0/Z1 ;X...), evaluated at its hits: none true, no stop. */
	struct gs_cond_bp {
		uint64_t addr;
		struct gs_agent_conds conds;
	} *conds;                  /* malloc'd */
	size_t nconds, cap_conds;
	struct gs_pending {        /* threads with unreported events */
		pid_t tid;
		pt_stop_cause cause;
	} *pending;                /* malloc'd, as many as threads */
	size_t npending, cap_pending;
	/* Signals gdb gave threads with a vCont that was not carried out
	 * (another thread's held event was reported instead): for gdb they
	 * went with that resume, so they go with the thread's next one. */
	struct gs_owed {
		pid_t tid;
		int sig;           /* Linux number */
	} *owed;                   /* malloc'd */
	size_t nowed, cap_owed;
	/* Non-stop: what gdb believes of each thread.  A thread missing
	 * from nst (born while the process ran) runs, for gdb. */
	struct gs_ns_thread {
		pid_t tid;
		bool stopped;      /* as gdb sees it */
		char kind;         /* while running: 'c' or 's' */
		int sig;           /* its stop reply's signal override, or -1 */
		pt_stop_cause cause; /* of the stop reported */
		uint64_t skip_bp;  /* resumed from a hit of this breakpoint */
		char due;          /* ns_vcont: a stop reply to send: 't'
		                      (stopped by vCont;t), 'b' (a hit) */
	} *nst;                    /* malloc'd */
	size_t nnst, cap_nst;
};

#define GS_MAX_PROCS 64

struct gs_server {
	/* Output: called with framed bytes. */
	int (*send)(void *ctx, const void *data, size_t len);
	void *ctx;

	struct gs_out out, frame, last;

	/* Negotiated. */
	bool noack, extended, multiprocess, swbreak, hwbreak;
	bool lldb;                 /* lldb-only packets seen: Linux signal numbers */
	bool thread_suffix, list_threads_in_stop, error_strings;
	bool exec_events;          /* report exec as T05exec:... */
	bool no_resumed;           /* gdb's no-resumed+: "N" when no thread
				    * it resumed is left */
	bool thread_events;        /* QThreadEvents:1: create: stops, w replies */
	bool remote_debug;         /* log packets on stderr */
	bool no_T, no_Tthread;     /* --disable-packet=T / Tthread */
	enum gs_hw_mode {          /* --hw-watchpoints=: where the debug */
		GS_HW_WARN,        /* registers never fire, set them and say */
		GS_HW_REFUSE,      /* so once on stderr, or refuse them (E), */
		GS_HW_ALWAYS,      /* or set them silently (gdbserver) */
	} hw_mode;
	bool hw_told;              /* stderr has said they never fire */

	/* How vRun starts programs. */
	bool no_aslr;              /* QDisableRandomization:1 */
	bool stdio_conn;           /* the protocol is on our fds 0 and 1: the
	                              program gets /dev/null and our fd 2 */
	bool with_shell;           /* QStartupWithShell:1 (the default): run
	                              programs as $SHELL -c 'exec PROG ARGS' */
	char **env;                /* QEnvironment*: NULL = ours */
	char *cwd;                 /* QSetWorkingDir, NULL = ours */

	/* The processes: procs[0..nprocs), malloc'd; p the current one
	 * (&idle, with no pt_process, when there is none). */
	struct gs_proc *procs[GS_MAX_PROCS];
	size_t nprocs;
	struct gs_proc *p;
	struct gs_proc idle;
	size_t next_event;         /* the process gs_server_process_event
	                              looks at first */
	bool interrupted;          /* 0x03 seen while running */
	pid_t signal_pid;          /* the process a 0x03 stops first: the last
	                              one started or attached (gdbserver's
	                              SIGINT goes to its process group) */
	bool interrupt_due;        /* a 0x03 not answered by a SIGINT stop (an
	                              event was reported first, or it came
	                              after the stop): the next resume stops
	                              at once with SIGINT, as gdbserver's
	                              SIGINT to the program would */
	pid_t step_tid;            /* thread single-stepping, or 0 */
	struct gs_vcont plan;      /* the vCont under way: a stop gdb is
	                              not told of resumes it again */
	/* fork-events+: children of followed forks are processes of their
	 * own (procs), reported to gdb and stopped until gdb resumes,
	 * detaches (D;PID) or kills them. */
	bool fork_events;
	bool vfork_events;         /* vfork-events+: vfork: and vforkdone: */
	/* qXfer:threads, osdata, libraries-svr4: the document made at the
	 * read of offset 0, for the reads of its next chunks (made afresh for
	 * each chunk, threads or processes born or gone meanwhile would shift
	 * the offsets, and a list of 4000 threads read in 80 chunks would
	 * cost 80 times the /proc reads) */
	struct gs_out xfer_doc;
	char xfer_key[64];          /* "object:annex", "" if none */
	uint64_t range_start, range_end; /* vCont r: step_tid steps on while
	                              its PC is in [start, end) */
	bool ranging;
	pid_t last_tid;            /* thread of the last stop reported */
	pt_stop_cause last_cause;  /* and its cause as reported */
	int exit_code, exit_signal; /* of the last process, once gone */
	pid_t exit_pid;
	bool have_exit;

	pid_t g_tid, c_tid;        /* Hg / Hc: 0 any, -1 all */
	pid_t suffix_tid;          /* ;thread: suffix of this packet, or 0 */

	bool pass[65];              /* QPassSignals, Linux numbers */
	bool program[65];           /* QProgramSignals, Linux numbers */
	bool program_set;           /* and whether gdb sent one */
	int catch_mode;            /* QCatchSyscalls: PT_SYSCALLS_* */
	int *catch_nums;           /* and its numbers (SOME), malloc'd */
	size_t ncatch;

	/* --wrapper WRAPPER... --: run programs through it. */
	char **wrapper;

	/* What vRun runs when it names no program. */
	char **default_argv;
	int startup_exit;          /* the last launch failed because the
	                              program (or the shell) exited during
	                              startup with this status; else -1 */
	char **last_argv;          /* what the last vRun ran (R runs it again) */

	int files[GS_MAX_FILES];   /* vFile:open descriptors, -1 free */

	pid_t reap[16];            /* detached children of ours, to reap */
	size_t nreap;

	/* QNonStop:1, emulated on the all-stop library (what gdb believes of
	 * each thread: struct gs_proc's nst), and the stop replies not yet
	 * acknowledged. */
	bool nonstop;
	bool ns_resume_due;        /* threads to resume once gdb is quiet */
	bool ns_exit_after;        /* not extended: end once the exit
	                              notification is acknowledged */
	char **notes;              /* queued stop replies (vStopped), malloc'd */
	size_t nnotes, cap_notes;

	bool sandbox;              /* the fuzzer: no vRun/vAttach, no file
	                              opened or removed by vFile */
	bool want_exit;            /* monitor exit, or the end of the session */
};

/* Debug lines (PROCTRACE_GDBSERVER_DEBUG, monitor set debug) to fp
 * instead of stderr (fp NULL: stderr); on: enabled from now on. */
void gs_set_debug(FILE *fp, bool on);

void gs_server_init(struct gs_server *s);
void gs_server_fini(struct gs_server *s);
/* Handle one complete packet body (NUL-terminated, still escaped). */
void gs_server_packet(struct gs_server *s, char *body, size_t len);
/* Feed bytes from the connection: acks, interrupts, packets. */
void gs_server_input(struct gs_server *s, struct gs_rx *rx,
		     const unsigned char *data, size_t n);
/* The process has something to say (its event fd is readable). */
void gs_server_process_event(struct gs_server *s);
/* The event fds to poll (up to max into fds): one per running process. */
size_t gs_server_wait_fds(struct gs_server *s, int *fds, size_t max);

/* Start PROG, or attach to pid: used by main for the command line. */
int gs_server_launch(struct gs_server *s, char *const argv[]);
int gs_server_attach(struct gs_server *s, pid_t pid);
/* Reap detached children that have ended (call now and then while
 * s->nreap is not 0). */
void gs_server_reap(struct gs_server *s);
/* Hand s->pass (QPassSignals) to the library for the current process. */
void gs_server_apply_pass(struct gs_server *s);
/* Non-stop: after a burst of stop requests the running threads are
 * resumed only once the connection has been quiet for
 * gs_server_poll_timeout(s) ms (-1: nothing waits): then call
 * gs_server_idle. */
int gs_server_poll_timeout(struct gs_server *s);
void gs_server_idle(struct gs_server *s);
/* Back to all-stop (a new connection): a non-stop session's process is
 * stopped, its queued stop replies dropped. */
void gs_server_allstop(struct gs_server *s);
/* Close the files vFile:open opened (at the end of a connection). */
void gs_server_close_files(struct gs_server *s);
/* Kill or detach whatever is traced (at the end). */
void gs_server_drop(struct gs_server *s);

/* qXfer:osdata:read (osdata.c): the document for annex ("" lists the
 * types; "processes"), appended to o; false for an unknown annex. */
bool gs_osdata_xml(const char *annex, struct gs_out *o);

#endif
