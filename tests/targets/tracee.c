/*
 * tracee.c - the scripted target program of the test suite.
 *
 * Each argument is a command, run in order; at the end the program prints
 * "DONE" and exits 0 (unless a command ended it first).  Output is
 * unbuffered so the tests see each line at once.
 *
 *   exit:N        exit with status N at once (no DONE)
 *   loop:N        call bp_func(i) for i in 0..N-1, print "sum S"
 *   step-seq      call step_seq() (an asm sequence), print "step_seq V"
 *   patch         print "ret_one V", sync_point(), print "ret_one V" again
 *   sync          call sync_point() (a function for tests to break on)
 *   mmap          map 3 pages, fill them with pattern(offset), unmap the
 *                 third, print "mmap 0xADDR", sync_point(), print "mmap
 *                 bytes B0 B1" (bytes at offsets 0 and 4096 of the mapping)
 *   handlers      install handlers for SIGUSR1, SIGUSR2 and SIGTRAP, which
 *                 print "handled SIGUSR1" (...)
 *   raise-usr1    raise(SIGUSR1), then print "raised"
 *   int3          execute an int3 instruction (the next instruction is
 *                 at the symbol program_int3_after), then print "after int3"
 *   segv          store to address 0x1234 (without dumping core), with the
 *                 instruction at the symbol segv_insn
 *   wait-stdin    print "waiting", read a line, print "got LINE"
 *   counter       print "ready", then for each line read: call bp_func(n)
 *                 and get_value() and print "value V"; until EOF
 *   spin          print "spinning", then loop for ever incrementing
 *                 spin_counter
 *   pwd           print "cwd DIR"
 *   env:NAME      print "env NAME=VALUE" or "env NAME unset"
 *   threads:N     start N threads that each call bp_func(i), join them,
 *                 print "threads N"
 *   threads-wait:N  start N threads that block reading a pipe, print
 *                 "threads ready", read a line from stdin, let the threads
 *                 end, join them, print "threads joined"
 *   exec          execute this program again with the remaining arguments
 *   exec-raw      the same through raw_execve, whose syscall instruction is
 *                 at the symbol raw_execve_syscall (a place to break on)
 *   fork-wait     fork; the child prints "child", calls sync_point() and
 *                 exits 3; the parent waits and prints "child status S"
 *   fork-loop:N   fork N children one after the other, each calling
 *                 bp_func(0) and exiting 0, and wait for each; print
 *                 "forks N bad B" (B: children that did not exit 0)
 *   name:NAME     name this thread NAME (prctl PR_SET_NAME), print "named"
 *   getppid       call the getppid system call, print "ppid N"
 *   sigval        install an SA_SIGINFO handler for SIGUSR2, which prints
 *                 "sigusr2 code C value V" (si_code, si_value.sival_int),
 *                 then raise(SIGUSR2)
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Functions with a known instruction sequence; each label is a global
 * symbol so the tests find it with libelf. */
int bp_func(int x);   /* returns 2 * x + 1 */
int get_value(void);  /* returns 42 */
int ret_one(void);    /* returns 1 */
long step_seq(void);  /* returns getpid() + 13 */
long raw_execve(const char *path, char *const argv[], char *const envp[]);

__asm__(
	".text\n"

	/* int bp_func(int x) { return 2 * x + 1; } */
	".globl bp_func, bp_func_1, bp_func_2, bp_func_3\n"
	".type bp_func, @function\n"
	"bp_func:\n"
	"	mov %edi, %eax\n" /* 2 bytes */
	"bp_func_1:\n"
	"	add %eax, %eax\n" /* 2 bytes */
	"bp_func_2:\n"
	"	add $1, %eax\n" /* 3 bytes */
	"bp_func_3:\n"
	"	ret\n"
	".size bp_func, .-bp_func\n"

	/* int get_value(void) { return 42; } */
	".globl get_value, get_value_ret\n"
	".type get_value, @function\n"
	"get_value:\n"
	"	mov $42, %eax\n"
	"get_value_ret:\n"
	"	ret\n"
	".size get_value, .-get_value\n"

	/* int ret_one(void) { return 1; }  (6 bytes: b8 01 00 00 00 c3) */
	".globl ret_one\n"
	".type ret_one, @function\n"
	"ret_one:\n"
	"	mov $1, %eax\n"
	"	ret\n"
	".size ret_one, .-ret_one\n"

	/* long step_seq(void): registers after each step are checked by
	 * the step_sequence test. */
	".globl step_seq\n"
	".globl step_seq_1, step_seq_2, step_seq_3, step_seq_4, step_seq_5\n"
	".globl step_seq_6, step_seq_7, step_seq_8, step_seq_9\n"
	".type step_seq, @function\n"
	"step_seq:\n"
	"	mov $1, %eax\n" /* rax = 1 */
	"step_seq_1:\n"
	"	mov $2, %ecx\n" /* rcx = 2 */
	"step_seq_2:\n"
	"	add %ecx, %eax\n" /* rax = 3 */
	"step_seq_3:\n"
	"	lea 10(%rax), %rdx\n" /* rdx = 13 */
	"step_seq_4:\n"
	"	push $7\n" /* rsp -= 8 */
	"step_seq_5:\n"
	"	pop %rsi\n" /* rsi = 7, rsp back */
	"step_seq_6:\n"
	"	mov $39, %eax\n" /* SYS_getpid */
	"step_seq_7:\n"
	"	syscall\n" /* rax = pid */
	"step_seq_8:\n"
	"	add %rdx, %rax\n" /* rax = pid + 13 */
	"step_seq_9:\n"
	"	ret\n"
	".size step_seq, .-step_seq\n"

	/* long raw_execve(path, argv, envp): the execve system call */
	".globl raw_execve, raw_execve_syscall\n"
	".type raw_execve, @function\n"
	"raw_execve:\n"
	"	mov $59, %eax\n" /* SYS_execve */
	"raw_execve_syscall:\n"
	"	syscall\n"
	"	ret\n"
	".size raw_execve, .-raw_execve\n");

volatile unsigned long spin_counter;
static volatile int sink;

/* A place for the tests to stop the program. */
__attribute__((noinline)) void sync_point(void)
{
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void spin_forever(void)
{
	for (;;)
		spin_counter++;
}

/* Byte at offset off of the "mmap" mapping (the memory tests compute the
 * same). */
static unsigned char pattern(size_t off)
{
	return (unsigned char)(off * 7 + (off >> 12) * 0x55 + 3);
}

static void say(const char *s)
{
	ssize_t r = write(1, s, strlen(s));
	(void)r;
}

void on_signal(int sig)
{
	if (sig == SIGUSR1)
		say("handled SIGUSR1\n");
	else if (sig == SIGUSR2)
		say("handled SIGUSR2\n");
	else if (sig == SIGTRAP)
		say("handled SIGTRAP\n");
	else
		say("handled other signal\n");
}

static void install_handlers(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGTRAP, &sa, NULL);
}

static void do_mmap(void)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned char *m = mmap(NULL, 3 * (size_t)page, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		perror("mmap");
		exit(100);
	}
	for (size_t i = 0; i < 2 * (size_t)page; i++)
		m[i] = pattern(i);
	munmap(m + 2 * page, (size_t)page);
	printf("mmap %p\n", (void *)m);
	sync_point();
	printf("mmap bytes %d %d\n", m[0], m[page]);
}

static void *thread_main(void *arg)
{
	sink = bp_func((int)(intptr_t)arg);
	return NULL;
}

static int block_fd;

static void *blocked_thread(void *arg)
{
	char c;
	(void)arg;
	while (read(block_fd, &c, 1) > 0)
		;
	return NULL;
}

static void do_threads_wait(int n)
{
	pthread_t th[64];
	int fds[2];
	char line[64];
	if (n > 64)
		n = 64;
	if (pipe(fds) < 0) {
		perror("pipe");
		exit(100);
	}
	block_fd = fds[0];
	for (int i = 0; i < n; i++)
		pthread_create(&th[i], NULL, blocked_thread, NULL);
	printf("threads ready\n");
	if (fgets(line, sizeof line, stdin) == NULL)
		line[0] = '\0';
	close(fds[1]);
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	printf("threads joined\n");
}

static void do_threads(int n)
{
	pthread_t th[64];
	if (n > 64)
		n = 64;
	for (int i = 0; i < n; i++)
		pthread_create(&th[i], NULL, thread_main, (void *)(intptr_t)i);
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	printf("threads %d\n", n);
}

static void on_sigusr2_info(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	printf("sigusr2 code %d value %d\n", si->si_code, si->si_value.sival_int);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	for (int i = 1; i < argc; i++) {
		const char *cmd = argv[i];
		char line[256];

		if (strncmp(cmd, "exit:", 5) == 0) {
			exit(atoi(cmd + 5));
		} else if (strncmp(cmd, "loop:", 5) == 0) {
			int n = atoi(cmd + 5), sum = 0;
			for (int j = 0; j < n; j++)
				sum += bp_func(j);
			printf("sum %d\n", sum);
		} else if (strcmp(cmd, "step-seq") == 0) {
			printf("step_seq %ld\n", step_seq());
		} else if (strcmp(cmd, "patch") == 0) {
			printf("ret_one %d\n", ret_one());
			sync_point();
			printf("ret_one %d\n", ret_one());
		} else if (strcmp(cmd, "sync") == 0) {
			sync_point();
		} else if (strcmp(cmd, "mmap") == 0) {
			do_mmap();
		} else if (strcmp(cmd, "handlers") == 0) {
			install_handlers();
		} else if (strcmp(cmd, "raise-usr1") == 0) {
			raise(SIGUSR1);
			printf("raised\n");
		} else if (strcmp(cmd, "int3") == 0) {
			__asm__ volatile("int3\n"
					 ".globl program_int3_after\n"
					 "program_int3_after:");
			printf("after int3\n");
		} else if (strcmp(cmd, "segv") == 0) {
			struct rlimit no_core = {0, 0};
			setrlimit(RLIMIT_CORE, &no_core);
			prctl(PR_SET_DUMPABLE, 0);
			__asm__ volatile(".globl segv_insn\n"
					 "segv_insn:\n"
					 "	movl $1, 0x1234\n" ::: "memory");
			printf("segv survived\n");
		} else if (strcmp(cmd, "wait-stdin") == 0) {
			printf("waiting\n");
			if (fgets(line, sizeof line, stdin) == NULL)
				strcpy(line, "EOF\n");
			line[strcspn(line, "\n")] = '\0';
			printf("got %s\n", line);
		} else if (strcmp(cmd, "counter") == 0) {
			int n = 0;
			printf("ready\n");
			while (fgets(line, sizeof line, stdin) != NULL) {
				sink = bp_func(n++);
				printf("value %d\n", get_value());
			}
		} else if (strcmp(cmd, "spin") == 0) {
			printf("spinning\n");
			spin_forever();
		} else if (strcmp(cmd, "pwd") == 0) {
			char *cwd = getcwd(line, sizeof line);
			printf("cwd %s\n", cwd ? cwd : "?");
		} else if (strncmp(cmd, "env:", 4) == 0) {
			const char *v = getenv(cmd + 4);
			if (v != NULL)
				printf("env %s=%s\n", cmd + 4, v);
			else
				printf("env %s unset\n", cmd + 4);
		} else if (strncmp(cmd, "threads:", 8) == 0) {
			do_threads(atoi(cmd + 8));
		} else if (strncmp(cmd, "threads-wait:", 13) == 0) {
			do_threads_wait(atoi(cmd + 13));
		} else if (strcmp(cmd, "exec") == 0) {
			argv[i] = argv[0];
			execv("/proc/self/exe", argv + i);
			perror("execv");
			return 98;
		} else if (strcmp(cmd, "exec-raw") == 0) {
			extern char **environ;
			argv[i] = argv[0];
			long r = raw_execve("/proc/self/exe", argv + i, environ);
			printf("raw_execve failed: %ld\n", r);
			return 98;
		} else if (strcmp(cmd, "getppid") == 0) {
			printf("ppid %ld\n", syscall(SYS_getppid));
		} else if (strncmp(cmd, "name:", 5) == 0) {
			prctl(PR_SET_NAME, cmd + 5);
			printf("named\n");
		} else if (strcmp(cmd, "sigval") == 0) {
			struct sigaction sa = { .sa_sigaction = on_sigusr2_info,
						.sa_flags = SA_SIGINFO };
			sigaction(SIGUSR2, &sa, NULL);
			raise(SIGUSR2);
		} else if (strncmp(cmd, "fork-loop:", 10) == 0) {
			int n = atoi(cmd + 10), bad = 0;
			for (int i = 0; i < n; i++) {
				pid_t c = fork();
				if (c == 0) {
					bp_func(0);
					_exit(0);
				}
				int st = 0;
				if (c < 0 || waitpid(c, &st, 0) != c ||
				    !WIFEXITED(st) || WEXITSTATUS(st) != 0)
					bad++;
			}
			printf("forks %d bad %d\n", n, bad);
		} else if (strcmp(cmd, "fork-wait") == 0) {
			pid_t c = fork();
			if (c == 0) {
				printf("child\n");
				sync_point();
				_exit(3);
			}
			int st = 0;
			waitpid(c, &st, 0);
			printf("child status %d\n", st);
		} else {
			fprintf(stderr, "tracee: unknown command '%s'\n", cmd);
			return 99;
		}
	}
	printf("DONE\n");
	return 0;
}
