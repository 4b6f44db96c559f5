/*
 * mt-tracee.c - the scripted target of the multi-threading and process-tree
 * tests (tests/test-mt-*.c).
 *
 * Like tracee.c: each argument is a command, run in order; at the end the
 * program prints "DONE" and exits 0 unless a command ended it first.  Output
 * is unbuffered.  The functions the tests break on are mt_hit, mt_hit_a and
 * mt_hit_b (plain noinline C functions: break at their first byte); their
 * arguments (rdi, rsi) tell the test which call it sees.
 *
 *   exit:N          exit with status N at once
 *   say:WORD        print WORD
 *   tracer:LABEL    print "LABEL tracer N" (TracerPid of this process)
 *   bp-threads:N:K  start N threads that wait on a barrier, then each calls
 *                   mt_hit(i, j) for j in 0..K-1 (i: the thread's index);
 *                   join them, print "bp-threads N K"
 *   churn:L:C       start L long-lived threads (each loops: sleep 200 us,
 *                   long_ticks++) and C churners (each loops:
 *                   pthread_create + pthread_join of a thread that sleeps
 *                   100 us, churn_count++); print
 *                   "churning"; for each stdin line wait until churn_count
 *                   has grown by 20 and print "count N"; at EOF stop and
 *                   join them all, print "churned"
 *   quick:C:N       C threads each create and join N threads that return
 *                   at once, all together; print "quick C N"
 *   zombie-leader   start an echo thread (prints "worker ready", then for
 *                   each stdin line calls mt_hit(n, 0) and prints
 *                   "echo LINE"; at EOF prints "DONE" and exits 0) and a
 *                   ticker thread (sleep 200 us, zl_ticks++), then the main
 *                   thread calls pthread_exit
 *   exec-thread:K   start K threads blocked on a pipe, then a thread that
 *                   prints "exec tid T" and executes this program with the
 *                   remaining arguments; the main thread waits for ever
 *   fork-call       mt_hit(0,0); fork; child: mt_hit(100,0), mt_hit(101,0),
 *                   print "child tracer N", _exit(7); parent: mt_hit(1,0),
 *                   waitpid, print "child exit S" (or "child signal S"),
 *                   mt_hit(2,0)
 *   vfork-call      mt_hit(0,0); vfork; child: mt_hit(100,0), print "child
 *                   tracer N", _exit(9); parent: waitpid, print the status
 *                   as above, mt_hit(1,0), mt_hit(2,0)
 *   vfork-exec      the same, but the child calls mt_hit(100,0) and then
 *                   executes this program with "tracer:child exit:5"
 *   clone-call:SIG  mt_hit(0,0); clone(fn, stack, SIG) without CLONE_VM or
 *                   CLONE_THREAD; the child calls mt_hit(100,0), prints
 *                   "child tracer N", returns 11; parent: mt_hit(1,0),
 *                   waitpid (with __WALL if SIG is not SIGCHLD), print the
 *                   status, mt_hit(2,0)
 *   clone-call:SIG:1  the same with CLONE_VM (the child runs on the
 *                   parent's memory; the parent is in waitpid meanwhile)
 *   thread-exits:N:S  start N threads; thread i calls syscall(SYS_exit, S+i)
 *                   directly; join them, print "exited N"
 *   spawn-many:C:M  start C creator threads at once, each of which starts M
 *                   threads one after another and then joins them; join the
 *                   creators, print "spawned C*M"
 *   spin-threads:N  start N threads spinning on spin_counter, print
 *                   "spinning", spin too (for ever); each spin passes
 *                   the label mt_spin_bp
 *   exit-race:N     start a thread blocked on a pipe of its own, then N
 *                   threads blocked on another, print "waiting", read stdin
 *                   (one read(2)); then wake the first thread, which calls
 *                   syscall(SYS_exit_group, 0) (the others never wake)
 *   block-read:N    start N threads blocked on a pipe, print "waiting", read
 *                   stdin (read(2), one call) and print "read R"
 *   spin-hit        print "spinning", then loop for ever: spin_counter++,
 *                   and every 4096 iterations mt_hit(spin_counter, 0)
 *   hammer:T        start T threads calling mt_hit(i, n) in a loop until
 *                   stdin reaches EOF; print "hammering" once they all run,
 *                   then at EOF join them and print "hammered"
 *   fair:NB:US      thread B calls mt_hit_b(j, 0) NB times, each time after
 *                   sleeping US microseconds and then spinning until A
 *                   made two more calls; thread A calls
 *                   mt_hit_a(n, 0) in a tight loop until B is done; print
 *                   "b calls NB" and "a calls NA"
 *   step-wait       start thread A, which spins (sw_spins++) until sw_go is
 *                   set and then calls mt_hit(1, 0), and thread B, which
 *                   reads one byte of stdin and sets sw_go; their tids go
 *                   to sw_tid_a, sw_tid_b; print "step-wait ready" once
 *                   both are set, join them, print "step-wait done"
 *   mt-echo:N       start N threads looping (sleep 500 us, echo_ticks++);
 *                   print "ready"; for each stdin line print "echo LINE";
 *                   at EOF stop and join them
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

volatile unsigned long spin_counter;
volatile unsigned long churn_count;
volatile unsigned long long_ticks;
volatile unsigned long zl_ticks;
volatile unsigned long echo_ticks;
volatile unsigned long long zl_magic = 0x5a17c0de12345678ull;
static volatile int stop_flag;
static volatile long sink;
static char **g_argv;

__attribute__((noinline)) long mt_hit(long a, long b)
{
	__asm__ volatile("" ::: "memory");
	return a + b;
}

__attribute__((noinline)) long mt_hit_a(long a, long b)
{
	__asm__ volatile("" ::: "memory");
	return a * 3 + b;
}

__attribute__((noinline)) long mt_hit_b(long a, long b)
{
	__asm__ volatile("" ::: "memory");
	return a * 5 + b;
}

/* Raw output: usable in a vfork child and after SYS_exit games. */
static void say(const char *s)
{
	ssize_t r = write(1, s, strlen(s));
	(void)r;
}

static void say_num(const char *prefix, long n, const char *suffix)
{
	char buf[128], num[32];
	int len = 0, neg = n < 0;
	unsigned long u = neg ? -(unsigned long)n : (unsigned long)n;
	do
		num[len++] = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	size_t k = 0;
	for (const char *p = prefix; *p && k < 60; p++)
		buf[k++] = *p;
	if (neg)
		buf[k++] = '-';
	while (len > 0)
		buf[k++] = num[--len];
	for (const char *p = suffix; *p && k < sizeof buf - 1; p++)
		buf[k++] = *p;
	buf[k] = '\0';
	say(buf);
}

/* "LABEL tracer N\n", with raw system calls only. */
__attribute__((noinline)) static void print_tracer(const char *label)
{
	char buf[4096], prefix[64];
	long tracer = -1;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (n > 0) {
			buf[n] = '\0';
			char *p = strstr(buf, "TracerPid:");
			if (p != NULL) {
				p += 10;
				while (*p == ' ' || *p == '\t')
					p++;
				tracer = 0;
				while (*p >= '0' && *p <= '9')
					tracer = tracer * 10 + (*p++ - '0');
			}
		}
	}
	size_t k = 0;
	for (const char *p = label; *p && k < 40; p++)
		prefix[k++] = *p;
	memcpy(prefix + k, " tracer ", 9);
	say_num(prefix, tracer, "\n");
}

static void print_status(const char *who, int st)
{
	char prefix[64];
	snprintf(prefix, sizeof prefix, "%s %s ", who,
		 WIFEXITED(st) ? "exit" : WIFSIGNALED(st) ? "signal" : "status");
	say_num(prefix,
		WIFEXITED(st)	  ? WEXITSTATUS(st)
		: WIFSIGNALED(st) ? WTERMSIG(st)
				  : st,
		"\n");
}

static pid_t gettid_(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static void start(pthread_t *th, void *(*fn)(void *), void *arg)
{
	int r = pthread_create(th, NULL, fn, arg);
	if (r != 0) {
		fprintf(stderr, "pthread_create: %s\n", strerror(r));
		exit(100);
	}
}

/* ---- bp-threads ------------------------------------------------------- */

static pthread_barrier_t bp_barrier;
static int bp_k;

static void *bp_thread(void *arg)
{
	long i = (long)(intptr_t)arg;
	pthread_barrier_wait(&bp_barrier);
	for (long j = 0; j < bp_k; j++)
		sink = mt_hit(i, j);
	return NULL;
}

static void do_bp_threads(int n, int k)
{
	pthread_t *th = calloc((size_t)n, sizeof *th);
	bp_k = k;
	pthread_barrier_init(&bp_barrier, NULL, (unsigned)n);
	for (int i = 0; i < n; i++)
		start(&th[i], bp_thread, (void *)(intptr_t)i);
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	printf("bp-threads %d %d\n", n, k);
	free(th);
}

/* ---- churn ------------------------------------------------------------ */

static void *noop_thread(void *arg)
{
	return arg;
}

static void *long_thread(void *arg)
{
	(void)arg;
	while (!stop_flag) {
		usleep(200);
		long_ticks++;
	}
	return NULL;
}

/* A short life, mostly asleep: a thread that escaped a stop would be seen
 * sleeping ('S'), not only running. */
static void *short_thread(void *arg)
{
	usleep(100);
	return arg;
}

static void *churner(void *arg)
{
	(void)arg;
	while (!stop_flag) {
		pthread_t t;
		if (pthread_create(&t, NULL, short_thread, NULL) == 0)
			pthread_join(t, NULL);
		churn_count++;
	}
	return NULL;
}

static void do_churn(int l, int c)
{
	pthread_t th[64];
	int n = 0;
	char line[256];
	for (int i = 0; i < l && n < 64; i++)
		start(&th[n++], long_thread, NULL);
	for (int i = 0; i < c && n < 64; i++)
		start(&th[n++], churner, NULL);
	printf("churning\n");
	while (fgets(line, sizeof line, stdin) != NULL) {
		unsigned long want = churn_count + 20;
		while (churn_count < want)
			usleep(100);
		printf("count %lu\n", churn_count);
	}
	stop_flag = 1;
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	stop_flag = 0;
	printf("churned\n");
}

/* ---- quick ------------------------------------------------------------- */

static int quick_n;

static void *quick_creator(void *arg)
{
	for (int i = 0; i < quick_n; i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, noop_thread, NULL) == 0)
			pthread_join(t, NULL);
	}
	return arg;
}

static void do_quick(int c, int n)
{
	pthread_t th[64];
	int k = 0;
	quick_n = n;
	for (int i = 0; i < c && k < 64; i++)
		start(&th[k++], quick_creator, NULL);
	for (int i = 0; i < k; i++)
		pthread_join(th[i], NULL);
	printf("quick %d %d\n", c, n);
}

/* ---- zombie-leader ---------------------------------------------------- */

static void *echo_thread(void *arg)
{
	char line[256];
	long n = 0;
	(void)arg;
	printf("worker ready\n");
	while (fgets(line, sizeof line, stdin) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		sink = mt_hit(n++, 0);
		printf("echo %s\n", line);
	}
	printf("DONE\n");
	exit(0);
}

static void *ticker_thread(void *arg)
{
	(void)arg;
	for (;;) {
		usleep(200);
		zl_ticks++;
	}
	return NULL;
}

static void do_zombie_leader(void)
{
	pthread_t a, b;
	start(&a, ticker_thread, NULL);
	start(&b, echo_thread, NULL);
	pthread_exit(NULL);
}

/* ---- exec-thread ------------------------------------------------------ */

static int block_fds[2] = {-1, -1};

static void *blocked_thread(void *arg)
{
	char c;
	(void)arg;
	while (read(block_fds[0], &c, 1) > 0)
		;
	return NULL;
}

static void make_blocked(int k)
{
	if (block_fds[0] < 0 && pipe(block_fds) < 0) {
		perror("pipe");
		exit(100);
	}
	for (int i = 0; i < k; i++) {
		pthread_t t;
		start(&t, blocked_thread, NULL);
	}
}

static char **exec_argv;

static void *exec_thread(void *arg)
{
	(void)arg;
	printf("exec tid %d\n", (int)gettid_());
	execv("/proc/self/exe", exec_argv);
	perror("execv");
	exit(98);
}

static void do_exec_thread(int k, int i)
{
	pthread_t t;
	make_blocked(k);
	g_argv[i] = g_argv[0];
	exec_argv = g_argv + i;
	start(&t, exec_thread, NULL);
	pthread_join(t, NULL);
	printf("exec-thread: joined the exec'ing thread?\n");
	exit(97);
}

/* ---- fork, vfork, clone ----------------------------------------------- */

static void do_fork_call(void)
{
	int st = 0;
	sink = mt_hit(0, 0);
	fflush(NULL);
	pid_t c = fork();
	if (c < 0) {
		perror("fork");
		exit(100);
	}
	if (c == 0) {
		sink = mt_hit(100, 0);
		sink = mt_hit(101, 0);
		print_tracer("child");
		_exit(7);
	}
	sink = mt_hit(1, 0);
	if (waitpid(c, &st, 0) != c) {
		perror("waitpid");
		exit(100);
	}
	print_status("child", st);
	sink = mt_hit(2, 0);
}

static void do_vfork_call(int with_exec)
{
	int st = 0;
	sink = mt_hit(0, 0);
	pid_t c = vfork();
	if (c < 0) {
		perror("vfork");
		exit(100);
	}
	if (c == 0) {
		sink = mt_hit(100, 0);
		if (with_exec) {
			char *av[] = {g_argv[0], "tracer:child", "exit:5",
				      NULL};
			execv("/proc/self/exe", av);
			_exit(127);
		}
		print_tracer("child");
		_exit(9);
	}
	if (waitpid(c, &st, 0) != c) {
		perror("waitpid");
		exit(100);
	}
	print_status("child", st);
	sink = mt_hit(1, 0);
	sink = mt_hit(2, 0);
}

static int clone_child(void *arg)
{
	(void)arg;
	sink = mt_hit(100, 0);
	print_tracer("child");
	return 11;
}

static void do_clone_call(int sig, int vm)
{
	enum { STACK = 256 * 1024 };
	int st = 0;
	char *stack = malloc(STACK);
	sink = mt_hit(0, 0);
	pid_t c = clone(clone_child, stack + STACK, sig | (vm ? CLONE_VM : 0),
			NULL);
	if (c < 0) {
		perror("clone");
		exit(100);
	}
	sink = mt_hit(1, 0);
	if (waitpid(c, &st, sig == SIGCHLD ? 0 : __WALL) != c) {
		perror("waitpid");
		exit(100);
	}
	print_status("child", st);
	sink = mt_hit(2, 0);
	free(stack);
}

/* ---- thread-exits ----------------------------------------------------- */

static void *exit_thread(void *arg)
{
	syscall(SYS_exit, (long)(intptr_t)arg);
	return NULL;
}

static void do_thread_exits(int n, int s)
{
	pthread_t th[64];
	if (n > 64)
		n = 64;
	for (int i = 0; i < n; i++)
		start(&th[i], exit_thread, (void *)(intptr_t)(s + i));
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	printf("exited %d\n", n);
}

/* ---- spawn-many ------------------------------------------------------- */

static int spawn_m;

static void *creator(void *arg)
{
	pthread_t *th = calloc((size_t)spawn_m, sizeof *th);
	(void)arg;
	for (int i = 0; i < spawn_m; i++)
		start(&th[i], noop_thread, NULL);
	for (int i = 0; i < spawn_m; i++)
		pthread_join(th[i], NULL);
	free(th);
	return NULL;
}

static void do_spawn_many(int c, int m)
{
	pthread_t th[64];
	if (c > 64)
		c = 64;
	spawn_m = m;
	for (int i = 0; i < c; i++)
		start(&th[i], creator, NULL);
	for (int i = 0; i < c; i++)
		pthread_join(th[i], NULL);
	printf("spawned %d\n", c * m);
}

/* ---- spinning, blocking ----------------------------------------------- */

static void *spin_thread(void *arg)
{
	(void)arg;
	for (;;) {
		/* mt_spin_bp: a breakpoint every spinning thread hits at
		 * once, on the load of spin_counter */
		__asm__ volatile(".globl mt_spin_bp\nmt_spin_bp:");
		spin_counter++;
	}
	return NULL;
}

static void do_spin_threads(int n)
{
	for (int i = 0; i < n; i++) {
		pthread_t t;
		start(&t, spin_thread, NULL);
	}
	printf("spinning\n");
	spin_thread(NULL);
}

static int exit_race_fds[2] = { -1, -1 };

static void *exit_race_thread(void *arg)
{
	char c;
	(void)arg;
	while (read(exit_race_fds[0], &c, 1) < 0)
		;
	syscall(SYS_exit_group, 0);
	return NULL;
}

static void do_exit_race(int n)
{
	char buf[64];
	pthread_t t;
	if (pipe(exit_race_fds) < 0) {
		perror("pipe");
		exit(100);
	}
	start(&t, exit_race_thread, NULL);
	make_blocked(n);
	printf("waiting\n");
	if (read(0, buf, sizeof buf) < 0)
		perror("read");
	if (write(exit_race_fds[1], "x", 1) != 1)
		perror("write");
	pause();
}

static void do_block_read(int n)
{
	char buf[64];
	make_blocked(n);
	printf("waiting\n");
	ssize_t r = read(0, buf, sizeof buf);
	printf("read %zd\n", r);
}

__attribute__((noinline)) static void spin_hit(void)
{
	for (;;) {
		unsigned long v = ++spin_counter;
		if ((v & 0xfff) == 0)
			sink = mt_hit((long)v, 0);
	}
}

/* ---- hammer ----------------------------------------------------------- */

static volatile int hammer_running;

static void *hammer_thread(void *arg)
{
	long i = (long)(intptr_t)arg, n = 0;
	__atomic_add_fetch(&hammer_running, 1, __ATOMIC_SEQ_CST);
	while (!stop_flag)
		sink = mt_hit(i, n++);
	return NULL;
}

static void do_hammer(int t)
{
	pthread_t th[64];
	char line[64];
	if (t > 64)
		t = 64;
	for (int i = 0; i < t; i++)
		start(&th[i], hammer_thread, (void *)(intptr_t)i);
	while (__atomic_load_n(&hammer_running, __ATOMIC_SEQ_CST) < t)
		usleep(100);
	printf("hammering\n");
	while (fgets(line, sizeof line, stdin) != NULL)
		;
	stop_flag = 1;
	for (int i = 0; i < t; i++)
		pthread_join(th[i], NULL);
	stop_flag = 0;
	printf("hammered\n");
}

/* ---- fair ------------------------------------------------------------- */

static volatile int b_done;
static int fair_nb, fair_spin; /* fair_spin: microseconds of sleep */
static volatile long a_calls, b_calls;

static void *fair_a(void *arg)
{
	(void)arg;
	while (!b_done)
		sink = mt_hit_a(a_calls++, 0);
	return NULL;
}

static void *fair_b(void *arg)
{
	(void)arg;
	for (int j = 0; j < fair_nb; j++) {
		/* Sleep, then let A make two more calls, spinning: so A was
		 * the event thread of a stop of its own (B had no event)
		 * between two hits of B, whatever the scheduling, and B's
		 * hit comes right beside one of A's. */
		usleep((useconds_t)fair_spin);
		long last = a_calls;
		while (a_calls < last + 2)
			;
		sink = mt_hit_b(j, 0);
		b_calls++;
	}
	b_done = 1;
	return NULL;
}

static void do_fair(int nb, int spin)
{
	pthread_t a, b;
	fair_nb = nb;
	fair_spin = spin;
	start(&a, fair_a, NULL);
	start(&b, fair_b, NULL);
	pthread_join(b, NULL);
	pthread_join(a, NULL);
	printf("b calls %ld\n", b_calls);
	printf("a calls %ld\n", a_calls);
}

/* ---- step-wait ---------------------------------------------------------- */

volatile unsigned long sw_spins;
volatile long sw_go, sw_tid_a, sw_tid_b;

static void *sw_a(void *arg)
{
	(void)arg;
	sw_tid_a = (long)syscall(SYS_gettid);
	while (!sw_go)
		sw_spins++;
	sink = mt_hit(1, 0);
	return NULL;
}

static void *sw_b(void *arg)
{
	(void)arg;
	char c;
	sw_tid_b = (long)syscall(SYS_gettid);
	if (read(0, &c, 1) == 1)
		sw_go = 1;
	return NULL;
}

static void do_step_wait(void)
{
	pthread_t a, b;
	start(&a, sw_a, NULL);
	start(&b, sw_b, NULL);
	while (!sw_tid_a || !sw_tid_b)
		;
	printf("step-wait ready\n");
	pthread_join(b, NULL);
	pthread_join(a, NULL);
	printf("step-wait done\n");
}

/* ---- mt-echo ---------------------------------------------------------- */

static void *echo_ticker(void *arg)
{
	(void)arg;
	while (!stop_flag) {
		usleep(500);
		echo_ticks++;
	}
	return NULL;
}

static void do_mt_echo(int n)
{
	pthread_t th[64];
	char line[256];
	if (n > 64)
		n = 64;
	for (int i = 0; i < n; i++)
		start(&th[i], echo_ticker, NULL);
	printf("ready\n");
	while (fgets(line, sizeof line, stdin) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		printf("echo %s\n", line);
	}
	stop_flag = 1;
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	stop_flag = 0;
}

static int arg2(const char *s, int *b)
{
	const char *colon = strchr(s, ':');
	*b = colon ? atoi(colon + 1) : 0;
	return atoi(s);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	g_argv = argv;
	for (int i = 1; i < argc; i++) {
		const char *cmd = argv[i];
		int b;

		if (strncmp(cmd, "exit:", 5) == 0) {
			exit(atoi(cmd + 5));
		} else if (strncmp(cmd, "say:", 4) == 0) {
			printf("%s\n", cmd + 4);
		} else if (strncmp(cmd, "tracer:", 7) == 0) {
			print_tracer(cmd + 7);
		} else if (strncmp(cmd, "bp-threads:", 11) == 0) {
			int n = arg2(cmd + 11, &b);
			do_bp_threads(n, b);
		} else if (strncmp(cmd, "churn:", 6) == 0) {
			int l = arg2(cmd + 6, &b);
			do_churn(l, b);
		} else if (strncmp(cmd, "quick:", 6) == 0) {
			int c = arg2(cmd + 6, &b);
			do_quick(c, b);
		} else if (strcmp(cmd, "zombie-leader") == 0) {
			do_zombie_leader();
		} else if (strncmp(cmd, "exec-thread:", 12) == 0) {
			do_exec_thread(atoi(cmd + 12), i);
		} else if (strcmp(cmd, "fork-call") == 0) {
			do_fork_call();
		} else if (strcmp(cmd, "vfork-call") == 0) {
			do_vfork_call(0);
		} else if (strcmp(cmd, "vfork-exec") == 0) {
			do_vfork_call(1);
		} else if (strncmp(cmd, "clone-call:", 11) == 0) {
			int sig = arg2(cmd + 11, &b);
			do_clone_call(sig, b);
		} else if (strncmp(cmd, "thread-exits:", 13) == 0) {
			int n = arg2(cmd + 13, &b);
			do_thread_exits(n, b);
		} else if (strncmp(cmd, "spawn-many:", 11) == 0) {
			int c = arg2(cmd + 11, &b);
			do_spawn_many(c, b);
		} else if (strncmp(cmd, "spin-threads:", 13) == 0) {
			do_spin_threads(atoi(cmd + 13));
		} else if (strncmp(cmd, "exit-race:", 10) == 0) {
			do_exit_race(atoi(cmd + 10));
		} else if (strncmp(cmd, "block-read:", 11) == 0) {
			do_block_read(atoi(cmd + 11));
		} else if (strcmp(cmd, "spin-hit") == 0) {
			printf("spinning\n");
			spin_hit();
		} else if (strncmp(cmd, "hammer:", 7) == 0) {
			do_hammer(atoi(cmd + 7));
		} else if (strncmp(cmd, "fair:", 5) == 0) {
			int nb = arg2(cmd + 5, &b);
			do_fair(nb, b);
		} else if (strcmp(cmd, "step-wait") == 0) {
			do_step_wait();
		} else if (strncmp(cmd, "mt-echo:", 8) == 0) {
			do_mt_echo(atoi(cmd + 8));
		} else {
			fprintf(stderr, "mt-tracee: unknown command '%s'\n", cmd);
			return 99;
		}
	}
	printf("DONE\n");
	return 0;
}
