/* soak: the program tests/gdbserver/soak.py drives with random packet
 * sequences.  Three workers call soak_f1..soak_f3 in a loop, take SIGUSR1
 * now and then, and main starts short-lived threads and fork children
 * while they run.  At the end it checks that it was left as it was: its
 * code the same as in its file (no int3 left), every call counted, every
 * fork child ended well.  Exit status 0 if so, else 2 (code changed), 3
 * (counts), 4 (a child); the same written to the file argv[1] as
 * "status N", with the first changed byte for 2 (its parent, the server,
 * may take the exit status).  A fatal signal (SIGSEGV, SIGTRAP, SIGILL,
 * SIGBUS) writes "signal N at pc X" there first.  It writes nothing
 * else: the server's stdout may be the protocol. */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <signal.h>
#include <stdint.h>
#include <ucontext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define NWORKERS 3
#define ITER 1500

char soak_scratch[256]; /* the memory soak.py writes */
volatile long soak_calls[NWORKERS];
volatile long soak_sigs;
static volatile int bad_child;
static int result_fd = -1;
static uintptr_t bad_addr; /* the first byte of code not as in the file */
static unsigned bad_byte;

__attribute__((noinline)) long soak_leaf(long x)
{
	return x * 3 + 1;
}

__attribute__((noinline)) long soak_f1(long x)
{
	return soak_leaf(x) + 1;
}

__attribute__((noinline)) long soak_f2(long x)
{
	return soak_f1(x) ^ 5;
}

__attribute__((noinline)) long soak_f3(long x)
{
	return soak_f2(x) - soak_leaf(x);
}

static void on_usr1(int sig)
{
	(void)sig;
	__atomic_add_fetch(&soak_sigs, 1, __ATOMIC_SEQ_CST);
}

/* A fatal signal (an int3 left behind, registers written wrong): said in
 * the result file, with the PC, before dying of it. */
static void on_fatal(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	char line[64];
	unsigned long pc = (unsigned long)((ucontext_t *)uc)->uc_mcontext.gregs[REG_RIP];
	int n = snprintf(line, sizeof line, "signal %d at pc %#lx\n", sig, pc);
	if (result_fd >= 0 && n > 0)
		(void)!write(result_fd, line, (size_t)n);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void *worker(void *arg)
{
	long id = (long)arg;
	for (long i = 0; i < ITER; i++) {
		if (soak_f3(i) != soak_f2(i) - soak_leaf(i))
			abort();
		soak_calls[id]++;
		if (i % 300 == id)
			raise(SIGUSR1);
		usleep(50);
	}
	return NULL;
}

__attribute__((noinline)) void *soak_short(void *arg)
{
	soak_f1((long)arg);
	return NULL;
}

/* Its code as in the file: each executable segment of the program. */
static int check_code(struct dl_phdr_info *info, size_t size, void *data)
{
	int *bad = data;
	(void)size;
	if (info->dlpi_name && info->dlpi_name[0])
		return 1; /* the program comes first: done */
	int fd = open("/proc/self/exe", O_RDONLY);
	if (fd < 0) {
		*bad = 1;
		return 1;
	}
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		char *buf = malloc(ph->p_filesz);
		if (!buf ||
		    pread(fd, buf, ph->p_filesz, (off_t)ph->p_offset) !=
			    (ssize_t)ph->p_filesz ||
		    memcmp(buf, (void *)(info->dlpi_addr + ph->p_vaddr),
			   ph->p_filesz) != 0) {
			*bad = 1;
			const unsigned char *m =
				(void *)(info->dlpi_addr + ph->p_vaddr);
			for (size_t k = 0; buf && k < ph->p_filesz; k++)
				if (m[k] != (unsigned char)buf[k]) {
					bad_addr = (uintptr_t)&m[k];
					bad_byte = m[k];
					break;
				}
		}
		free(buf);
	}
	close(fd);
	return 1;
}

static int check_end(void)
{
	int bad = 0;
	dl_iterate_phdr(check_code, &bad);
	if (bad)
		return 2;
	for (int i = 0; i < NWORKERS; i++)
		if (soak_calls[i] != ITER)
			return 3;
	return bad_child ? 4 : 0;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		result_fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
				 0644);
	struct sigaction sa = { .sa_sigaction = on_fatal,
				.sa_flags = SA_SIGINFO };
	int fatal[] = { SIGSEGV, SIGTRAP, SIGILL, SIGBUS };
	for (size_t i = 0; i < sizeof fatal / sizeof *fatal; i++)
		sigaction(fatal[i], &sa, NULL);
	signal(SIGUSR1, on_usr1);
	pthread_t t[NWORKERS];
	for (long i = 0; i < NWORKERS; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (long k = 0; k < 12; k++) {
		pthread_t s;
		if (pthread_create(&s, NULL, soak_short, (void *)k) == 0)
			pthread_join(s, NULL);
		pid_t kid = fork();
		if (kid == 0)
			_exit(soak_f1(k) == soak_leaf(k) + 1 ? 0 : 1);
		int st;
		if (kid < 0 || waitpid(kid, &st, 0) != kid || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != 0)
			bad_child = 1;
		usleep(5000);
	}
	for (int i = 0; i < NWORKERS; i++)
		pthread_join(t[i], NULL);
	int status = check_end();
	char line[96];
	int n = status == 2 ? snprintf(line, sizeof line,
				       "status 2 (code at %#lx is %#x)\n",
				       (unsigned long)bad_addr, bad_byte)
			    : snprintf(line, sizeof line, "status %d\n", status);
	if (result_fd >= 0 && n > 0)
		(void)!write(result_fd, line, (size_t)n);
	return status;
}
