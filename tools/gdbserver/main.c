/*
 * main.c - proctrace-gdbserver's command line, connection and event loop.
 *
 *   proctrace-gdbserver [--once] [--multi] COMM [PROG [ARGS...]]
 *   proctrace-gdbserver [--once] --attach COMM PID
 *
 * COMM is HOST:PORT, :PORT (PORT 0 picks a free one) or - / stdio (the
 * protocol on standard input and output; the program then gets /dev/null
 * as input and the server's standard error as output).
 */
#include "agent.h"
#include "server.h"
#include "siginfo32.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/socket.h>
#include <unistd.h>

struct conn {
	int in, out;
	bool socket;
	bool broken;
};

static int conn_send(void *ctx, const void *data, size_t len)
{
	struct conn *c = ctx;
	const char *p = data;
	while (len && !c->broken) {
		ssize_t n = c->socket ? send(c->out, p, len, MSG_NOSIGNAL)
				      : write(c->out, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			c->broken = true;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage:\tproctrace-gdbserver [OPTIONS] COMM PROG [ARGS ...]\n"
		"\tproctrace-gdbserver [OPTIONS] --attach COMM PID\n"
		"\tproctrace-gdbserver [OPTIONS] --multi COMM\n\n"
		"COMM may be HOST:PORT, :PORT (0: any free port), or - / stdio.\n"
		"Options:\n"
		"  --once     exit after the first connection has closed\n"
		"  --multi    start without a program (gdb's extended-remote)\n"
		"  --attach   attach to the running process PID\n"
		"  --wrapper WRAPPER [ARGS] --  start programs through WRAPPER,\n"
		"             which must execute them\n"
		"  --startup-with-shell, --no-startup-with-shell\n"
		"             start programs through $SHELL (or /bin/sh) as\n"
		"             SHELL -c 'exec PROG ARGS' (the default), or not\n"
		"  --hw-watchpoints=warn|refuse|always  where the CPU's debug\n"
		"             registers never fire, hardware watchpoints and\n"
		"             breakpoints are set and stderr says they will\n"
		"             never hit (warn, the default), or they are\n"
		"             refused, or set silently (always, as gdbserver);\n"
		"             also PROCTRACE_GDBSERVER_HW_WATCHPOINTS=MODE\n"
		"  --debug    debug lines (as PROCTRACE_GDBSERVER_DEBUG=1)\n"
		"  --debug-file=FILE  debug lines to FILE, not stderr (with\n"
		"             PROCTRACE_DEBUG=1, the library's log too)\n"
		"  --disable-packet=T,Tthread  plain S stop replies, or T\n"
		"             replies without thread: (for testing)\n"
		"  --selftest run the packet layer's, siginfo conversion's and agent\n"
		"             expression evaluator's self-tests\n"
		"  --help     this text\n");
}

/* --debug-file=FILE: the server's debug lines, and the library's log
 * (PROCTRACE_DEBUG's lines), go to FILE instead of the stderr the program
 * shares (gdbserver's option of the same name). */
static FILE *debug_file;

static void log_to_debug_file(pt_log_level level, const char *msg, void *user)
{
	(void)level;
	fprintf((FILE *)user, "proctrace: %s\n", msg);
}

static bool open_debug_file(const char *path)
{
	FILE *f = fopen(path, "a");
	if (!f) {
		fprintf(stderr, "Cannot open the debug file %s: %s\n", path,
			strerror(errno));
		return false;
	}
	setvbuf(f, NULL, _IOLBF, 0);
	if (debug_file)
		fclose(debug_file);
	debug_file = f;
	gs_set_debug(f, false);
	const char *e = getenv("PROCTRACE_DEBUG");
	if (e && *e && *e != '0')
		pt_set_log(log_to_debug_file, f, PT_LOG_DEBUG);
	return true;
}

/* A handler, not SIG_IGN: the program must not inherit the disposition
 * (ignored signals stay ignored across execve, handled ones do not). */
static void on_signal_ignore(int sig)
{
	(void)sig;
}

/* Listen on COMM's port; print "Listening on port N".  COMM is
 * [tcp:|tcp4:|tcp6:|udp:|udp4:|udp6:][HOST]:PORT, HOST a name or an
 * address, IPv6 ones bare or in brackets.  HOST must resolve; the server
 * listens on every address of the machine (IPv6 and IPv4) whatever it
 * is, and always over TCP. */
static int listen_on(const char *comm)
{
	const char *full = comm;
	static const char *const prefixes[] = { "tcp:", "tcp4:", "tcp6:",
						"udp:", "udp4:", "udp6:" };
	for (size_t k = 0; k < sizeof prefixes / sizeof *prefixes; k++)
		if (strncmp(comm, prefixes[k], strlen(prefixes[k])) == 0) {
			comm += strlen(prefixes[k]);
			break;
		}
	const char *colon = strrchr(comm, ':');
	char *end;
	long port = colon ? strtol(colon + 1, &end, 10) : -1;
	if (!colon || !colon[1] || *end || port < 0 || port > 65535) {
		fprintf(stderr, "Bad port argument: %s\n", comm);
		return -1;
	}
	char host[256];
	size_t hl = (size_t)(colon - comm);
	if (hl >= sizeof host) {
		fprintf(stderr, "Bad host argument: %s\n", comm);
		return -1;
	}
	memcpy(host, comm, hl);
	host[hl] = 0;
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = 0;
	}
	if (*host) {
		struct addrinfo *ai = NULL;
		int e = getaddrinfo(host, NULL, NULL, &ai);
		if (e != 0) {
			/* The wording gdb's test boards look for. */
			fprintf(stderr, "%s: cannot resolve name: %s\n", full,
				gai_strerror(e));
			return -1;
		}
		freeaddrinfo(ai);
	}
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool v6 = fd >= 0;
	if (!v6)
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("socket");
		return -1;
	}
	int one = 1, zero = 0;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	int err;
	if (v6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
		struct sockaddr_in6 a = { .sin6_family = AF_INET6,
					  .sin6_port = htons((uint16_t)port),
					  .sin6_addr = in6addr_any };
		err = bind(fd, (struct sockaddr *)&a, sizeof a);
	} else {
		struct sockaddr_in a = { .sin_family = AF_INET,
					 .sin_port = htons((uint16_t)port),
					 .sin_addr.s_addr = htonl(INADDR_ANY) };
		err = bind(fd, (struct sockaddr *)&a, sizeof a);
	}
	if (err < 0 || listen(fd, 1) < 0) {
		fprintf(stderr, "Can't bind address: %s.\n", strerror(errno));
		close(fd);
		return -1;
	}
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	unsigned got = ss.ss_family == AF_INET6
			       ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
			       : ntohs(((struct sockaddr_in *)&ss)->sin_port);
	fprintf(stderr, "Listening on port %u\n", got);
	fflush(stderr);
	return fd;
}

/* Serve one connection until it closes or the session ends. */
static void serve(struct gs_server *s, struct conn *c)
{
	struct gs_rx *rx = malloc(sizeof *rx);
	if (!rx)
		return;
	gs_rx_init(rx);
	s->send = conn_send;
	s->ctx = c;
	while (!s->want_exit && !c->broken) {
		/* The connection, and the event fd of each running process. */
		struct pollfd pf[1 + GS_MAX_PROCS];
		int fds[GS_MAX_PROCS];
		size_t nfds = gs_server_wait_fds(s, fds, GS_MAX_PROCS);
		pf[0] = (struct pollfd){ .fd = c->in, .events = POLLIN };
		for (size_t i = 0; i < nfds; i++)
			pf[1 + i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
		int tmo = s->nreap ? 200 : -1, idle = gs_server_poll_timeout(s);
		if (idle >= 0 && (tmo < 0 || idle < tmo))
			tmo = idle;
		int r = poll(pf, 1 + nfds, tmo);
		if (r < 0 && errno != EINTR)
			break;
		if (s->nreap)
			gs_server_reap(s);
		if (r == 0)
			gs_server_idle(s);
		if (r <= 0)
			continue;
		bool event = false;
		for (size_t i = 0; i < nfds; i++)
			event |= (pf[1 + i].revents & POLLIN) != 0;
		if (event)
			gs_server_process_event(s);
		if (pf[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			unsigned char buf[4096];
			ssize_t n = read(c->in, buf, sizeof buf);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			gs_server_input(s, rx, buf, (size_t)n);
		}
	}
	free(rx);
}

/* What one session negotiated does not carry over to the next. */
static void new_session(struct gs_server *s)
{
	s->noack = s->extended = s->multiprocess = false;
	s->swbreak = s->hwbreak = s->lldb = s->exec_events = false;
	s->thread_suffix = s->list_threads_in_stop = s->error_strings = false;
	s->want_exit = false;
	s->interrupt_due = false;
	gs_server_allstop(s);
	memset(s->pass, 0, sizeof s->pass);
	gs_server_apply_pass(s);
}

/* --hw-watchpoints=MODE */
static bool hw_mode_parse(const char *m, enum gs_hw_mode *mode)
{
	if (strcmp(m, "warn") == 0)
		*mode = GS_HW_WARN;
	else if (strcmp(m, "refuse") == 0)
		*mode = GS_HW_REFUSE;
	else if (strcmp(m, "always") == 0)
		*mode = GS_HW_ALWAYS;
	else
		return false;
	return true;
}

static int server_main(int argc, char **argv)
{
	bool once = false, multi = false, attach = false;
	bool no_T = false, no_Tthread = false, with_shell = true;
	enum gs_hw_mode hw_mode = GS_HW_WARN;
	const char *hw = getenv("PROCTRACE_GDBSERVER_HW_WATCHPOINTS");
	if (hw && *hw && !hw_mode_parse(hw, &hw_mode)) {
		fprintf(stderr, "PROCTRACE_GDBSERVER_HW_WATCHPOINTS=%s: not "
			"warn, refuse or always\n", hw);
		return 2;
	}
	char **wrapper = NULL;
	int i = 1;
	/* the same, for runs where the command line is a test board's */
	const char *df = getenv("PROCTRACE_GDBSERVER_DEBUG_FILE");
	if (df && *df && !open_debug_file(df))
		return 2;
	for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
		if (strcmp(argv[i], "--wrapper") == 0) {
			/* --wrapper WRAPPER [ARGS...] -- */
			wrapper = &argv[++i];
			while (i < argc && strcmp(argv[i], "--") != 0)
				i++;
			if (i == argc) {
				fprintf(stderr, "Missing -- after --wrapper\n");
				return 2;
			}
			argv[i] = NULL; /* ends the wrapper's argv */
			continue;
		}
		if (strncmp(argv[i], "--disable-packet=", 17) == 0) {
			/* gdbserver's testing switch; T and Tthread are honoured,
			 * the others accepted and ignored. */
			char *list = argv[i] + 17, *save = NULL;
			for (char *f = strtok_r(list, ",", &save); f;
			     f = strtok_r(NULL, ",", &save)) {
				if (strcmp(f, "T") == 0)
					no_T = true;
				else if (strcmp(f, "Tthread") == 0)
					no_Tthread = true;
			}
			continue;
		}
		if (strncmp(argv[i], "--debug-file=", 13) == 0) {
			if (!open_debug_file(argv[i] + 13))
				return 2;
			continue;
		}
		if (strncmp(argv[i], "--hw-watchpoints=", 17) == 0) {
			if (!hw_mode_parse(argv[i] + 17, &hw_mode)) {
				fprintf(stderr, "Unknown argument: %s\n",
					argv[i]);
				usage(stderr);
				return 2;
			}
		} else if (strcmp(argv[i], "--debug") == 0)
			gs_set_debug(debug_file, true);
		else if (strcmp(argv[i], "--once") == 0)
			once = true;
		else if (strcmp(argv[i], "--startup-with-shell") == 0)
			with_shell = true;
		else if (strcmp(argv[i], "--no-startup-with-shell") == 0)
			with_shell = false;
		else if (strcmp(argv[i], "--multi") == 0)
			multi = true;
		else if (strcmp(argv[i], "--attach") == 0)
			attach = true;
		else if (strcmp(argv[i], "--selftest") == 0) {
			int failed = 0, failed32 = 0, failed_agent = 0;
			int ran = gs_packet_selftest(&failed);
			ran += gs_siginfo32_selftest(&failed32);
			ran += gs_agent_selftest(&failed_agent);
			failed += failed32 + failed_agent;
			printf("Ran %d unit tests, %d failed\n", ran, failed);
			return failed ? 1 : 0;
		} else if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else {
			fprintf(stderr, "Unknown argument: %s\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	const char *comm = argv[i++];
	/* gdbserver also takes --attach after COMM. */
	if (i < argc && strcmp(argv[i], "--attach") == 0) {
		attach = true;
		i++;
	} else if (i < argc && strcmp(argv[i], "--") == 0) {
		i++;
	}
	bool stdio = strcmp(comm, "-") == 0 || strcmp(comm, "stdio") == 0;
	if (!stdio && !strchr(comm, ':')) {
		fprintf(stderr, "Bad COMM argument: %s (HOST:PORT, :PORT or -)\n",
			comm);
		return 2;
	}
	if ((attach && argc - i != 1) || (!attach && !multi && i >= argc)) {
		usage(stderr);
		return 2;
	}

	struct sigaction sa = { .sa_handler = on_signal_ignore };
	sigaction(SIGPIPE, &sa, NULL);
	/* Over a pipe from gdb (`target remote | ...`) the server is in gdb's
	 * process group: a ^C at gdb's terminal must not kill it.  gdb
	 * interrupts the program itself (0x03), and the program, in the same
	 * group, gets the terminal's SIGINT as it would natively. */
	if (stdio)
		sigaction(SIGINT, &sa, NULL);

	/* Over stdio the protocol stays on our fds 0 and 1; programs get
	 * /dev/null and our stderr in their place (PT_LAUNCH_STDIO). */
	struct conn c = { .in = -1, .out = -1 };
	if (stdio) {
		c.in = 0;
		c.out = 1;
		fprintf(stderr, "stdin/stdout redirected\n");
	}

	static struct gs_server srv;
	struct gs_server *s = &srv;
	gs_server_init(s);
	s->wrapper = wrapper;
	s->stdio_conn = stdio;
	s->with_shell = with_shell;
	s->no_T = no_T;
	s->no_Tthread = no_Tthread;
	s->hw_mode = hw_mode;
	if (attach) {
		char *end;
		long pid = strtol(argv[i], &end, 10);
		if (*end || pid <= 0) {
			fprintf(stderr, "Bad PID: %s\n", argv[i]);
			return 2;
		}
		int err = gs_server_attach(s, (pid_t)pid);
		if (err < 0) {
			fprintf(stderr, "Cannot attach to process %ld: %s\n", pid,
				pt_errmsg());
			return 1;
		}
		fprintf(stderr, "Attached; pid = %ld\n", pid);
	} else if (i < argc) {
		s->default_argv = &argv[i];
		/* PROG is a path, as gdbserver takes it: made absolute, so that
		 * vRun may run it again from another directory (QSetWorkingDir).
		 * A name that is no file here is left to the PATH search. */
		char *abs = access(argv[i], F_OK) == 0 ? realpath(argv[i], NULL) : NULL;
		if (abs)
			argv[i] = abs;
		int err = gs_server_launch(s, &argv[i]);
		if (err < 0 && s->startup_exit >= 0) {
			/* the shell said why; gdbserver's words after it */
			fprintf(stderr, "During startup program exited with "
				"code %d.\nExiting\n", s->startup_exit);
			return 1;
		}
		if (err < 0) {
			fprintf(stderr, "Cannot exec %s: %s.\n", argv[i],
				pt_strerror(err));
			return 1;
		}
		fprintf(stderr, "Process %s created; pid = %d\n", argv[i],
			(int)s->p->pid);
	}

	int lfd = -1;
	if (!stdio && (lfd = listen_on(comm)) < 0) {
		gs_server_fini(s);
		return 1;
	}
	for (;;) {
		if (!stdio) {
			struct sockaddr_storage peer;
			socklen_t pl = sizeof peer;
			int fd = accept4(lfd, (struct sockaddr *)&peer, &pl,
					 SOCK_CLOEXEC);
			if (fd < 0) {
				if (errno == EINTR)
					continue;
				perror("accept");
				break;
			}
			int one = 1;
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
			char host[NI_MAXHOST] = "?", port[NI_MAXSERV] = "?";
			getnameinfo((struct sockaddr *)&peer, pl, host, sizeof host,
				    port, sizeof port, NI_NUMERICHOST | NI_NUMERICSERV);
			fprintf(stderr, "Remote debugging from host %s, port %s\n",
				host, port);
			c = (struct conn){ .in = fd, .out = fd, .socket = true };
		}
		new_session(s);
		serve(s, &c);
		gs_server_close_files(s);
		if (c.socket)
			close(c.in);
		bool ended = s->want_exit;
		if (s->have_exit && !s->nprocs)
			fprintf(stderr, s->exit_signal ? "Child terminated with signal = %d\n"
						       : "Child exited with status %d\n",
				s->exit_signal ? s->exit_signal : s->exit_code);
		if (stdio || once || ended || (!multi && !s->nprocs))
			break;
	}
	if (lfd >= 0)
		close(lfd);
	gs_server_fini(s);
	return 0;
}

struct main_args {
	int argc;
	char **argv;
};

static int run_server(void *arg)
{
	struct main_args *a = arg;
	return server_main(a->argc, a->argv);
}

/* The server runs on a thread of its own while the main thread traces
 * (pt_tracer_run), as gdbserver's does: a program's TracerPid is then the
 * server's pid, its parent's (some programs check that their debugger is
 * their parent, gdb.threads/siginfo-threads.exp among them). */
int main(int argc, char **argv)
{
	struct main_args a = { argc, argv };
	int r = pt_tracer_run(run_server, &a);
	if (r < 0) /* cannot lend this thread: tracer threads of their own */
		r = server_main(argc, argv);
	return r;
}
