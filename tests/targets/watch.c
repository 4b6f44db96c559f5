/*
 * watch.c - target of the hardware watchpoint tests (tests/test-watch.c).
 *
 * Each argument is a command, run in order; then "DONE" and exit 0.
 * Output is unbuffered.
 *
 *   write:N       the main thread calls watch_write(i) for i in 1..N, then
 *                 prints "wrote N value V" (V: watched at the end)
 *   read:N        calls watch_read() N times, prints "read N sum S"
 *   hwfunc:N      calls hw_func(i) for i in 0..N-1, prints "hwfunc N sum S"
 *   spawn         starts a writer thread that waits on a pipe, prints
 *                 "spawned"
 *   go            lets the writer thread call watch_write(100), joins it,
 *                 prints "joined value V"
 *   thread-write:N  starts a new thread that calls watch_write(i) for i in
 *                 1..N, joins it, prints "thread wrote N value V"
 *   both:N        two threads each call watch_write N times at once (the
 *                 first with 1..N, the second with 1001..1000+N), joins
 *                 them, prints "both N"
 *   sync          calls sync_point() (a function to break on)
 *   wait-stdin    prints "waiting", reads a line
 *   int3          executes an int3, then prints "after int3"
 *   exec          executes this program again with the remaining arguments
 *
 * The instructions the tests look for are written in assembly, with a
 * global label after each access: a data watchpoint stops the thread with
 * its PC just past the instruction that touched the variable.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The watched variables: 8-byte aligned, in .data. */
long watched __attribute__((aligned(8))) = 0;
long watched2 __attribute__((aligned(8))) = 0;

void watch_write(long v); /* watched = v (a 4-byte store) */
long watch_read(void);    /* returns watched (a 4-byte load) */
long hw_func(long x);     /* returns x + 1; its text is read-only */
long push_func(long x);   /* push %rdi (a stack store), pop; returns x */

__asm__(
	".text\n"
	".globl watch_write, watch_write_insn, watch_write_after\n"
	".type watch_write, @function\n"
	"watch_write:\n"
	"	nop\n"
	"watch_write_insn:\n"
	"	movl %edi, watched(%rip)\n"
	"watch_write_after:\n"
	"	ret\n"
	".size watch_write, .-watch_write\n"

	".globl watch_read, watch_read_after\n"
	".type watch_read, @function\n"
	"watch_read:\n"
	"	movl watched(%rip), %eax\n"
	"watch_read_after:\n"
	"	ret\n"
	".size watch_read, .-watch_read\n"

	".globl hw_func, hw_func_1\n"
	".type hw_func, @function\n"
	"hw_func:\n"
	"	lea 1(%rdi), %rax\n"
	"hw_func_1:\n"
	"	ret\n"
	".size hw_func, .-hw_func\n"

	".globl push_func, push_func_1\n"
	".type push_func, @function\n"
	"push_func:\n"
	"	push %rdi\n"
	"push_func_1:\n"
	"	pop %rax\n"
	"	ret\n"
	".size push_func, .-push_func\n");

__attribute__((noinline)) void sync_point(void)
{
	__asm__ volatile("" ::: "memory");
}

static int go_fds[2];

static void *writer(void *arg)
{
	char c;
	(void)arg;
	if (read(go_fds[0], &c, 1) == 1)
		watch_write(100);
	return NULL;
}

struct range {
	long first, n;
};

static void *write_range(void *arg)
{
	const struct range *r = arg;
	for (long i = 0; i < r->n; i++)
		watch_write(r->first + i);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t spawned;
	int have_spawned = 0;
	setvbuf(stdout, NULL, _IONBF, 0);
	for (int i = 1; i < argc; i++) {
		const char *cmd = argv[i];
		if (strncmp(cmd, "write:", 6) == 0) {
			long n = atol(cmd + 6);
			for (long j = 1; j <= n; j++)
				watch_write(j);
			printf("wrote %ld value %ld\n", n, watched);
		} else if (strncmp(cmd, "read:", 5) == 0) {
			long n = atol(cmd + 5), sum = 0;
			for (long j = 0; j < n; j++)
				sum += watch_read();
			printf("read %ld sum %ld\n", n, sum);
		} else if (strncmp(cmd, "hwfunc:", 7) == 0) {
			long n = atol(cmd + 7), sum = 0;
			for (long j = 0; j < n; j++)
				sum += hw_func(j);
			printf("hwfunc %ld sum %ld\n", n, sum);
		} else if (strncmp(cmd, "push:", 5) == 0) {
			long n = atol(cmd + 5), sum = 0;
			for (long j = 0; j < n; j++)
				sum += push_func(j);
			printf("push %ld sum %ld\n", n, sum);
		} else if (strcmp(cmd, "spawn") == 0) {
			if (pipe(go_fds) < 0 ||
			    pthread_create(&spawned, NULL, writer, NULL) != 0)
				return 100;
			have_spawned = 1;
			printf("spawned\n");
		} else if (strcmp(cmd, "go") == 0) {
			if (!have_spawned)
				return 101;
			if (write(go_fds[1], "g", 1) != 1)
				return 102;
			pthread_join(spawned, NULL);
			have_spawned = 0;
			printf("joined value %ld\n", watched);
		} else if (strncmp(cmd, "thread-write:", 13) == 0) {
			struct range r = { 1, atol(cmd + 13) };
			pthread_t th;
			if (pthread_create(&th, NULL, write_range, &r) != 0)
				return 103;
			pthread_join(th, NULL);
			printf("thread wrote %ld value %ld\n", r.n, watched);
		} else if (strncmp(cmd, "both:", 5) == 0) {
			long n = atol(cmd + 5);
			struct range r1 = { 1, n }, r2 = { 1001, n };
			pthread_t t1, t2;
			if (pthread_create(&t1, NULL, write_range, &r1) != 0 ||
			    pthread_create(&t2, NULL, write_range, &r2) != 0)
				return 104;
			pthread_join(t1, NULL);
			pthread_join(t2, NULL);
			printf("both %ld\n", n);
		} else if (strcmp(cmd, "sync") == 0) {
			sync_point();
		} else if (strcmp(cmd, "wait-stdin") == 0) {
			char line[64];
			printf("waiting\n");
			if (fgets(line, sizeof line, stdin) == NULL)
				line[0] = '\0';
		} else if (strcmp(cmd, "int3") == 0) {
			__asm__ volatile("int3\n"
					 ".globl watch_int3_after\n"
					 "watch_int3_after:");
			printf("after int3\n");
		} else if (strcmp(cmd, "exec") == 0) {
			argv[i] = argv[0];
			execv("/proc/self/exe", argv + i);
			perror("execv");
			return 98;
		} else {
			fprintf(stderr, "watch: unknown command '%s'\n", cmd);
			return 99;
		}
	}
	printf("DONE\n");
	return 0;
}
