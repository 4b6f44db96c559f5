/*
 * runner.c - the test runner.
 *
 *   run-tests [--list] [NAME...]
 *
 * Runs the named tests (all of them if none is named), each in its own
 * forked child that leads its own process group, with a timeout.  The parent
 * waits for that child only (never wait(-1)), and when the child is done or
 * has timed out, kills its whole process group so nothing a test started
 * outlives it.  Prints one line per test ("ok NAME", "FAIL NAME: reason",
 * "skip NAME: reason") and finally "N passed, N failed, N skipped"; exits 1
 * if any test failed.
 *
 * The environment variable PT_TEST_TIMEOUT_SCALE (an integer, default 1)
 * multiplies every timeout, for slow builds (sanitizers, valgrind).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests.h"

#define DEFAULT_TIMEOUT_S 20

/* Exit codes of a test child. */
#define CHILD_PASS 0
#define CHILD_FAIL 1
#define CHILD_SKIP 3

struct test {
	const char *name;
	int (*fn)(void);
	int timeout_s;
};

static const struct test tests[] = {
#define TEST__ENTRY(name, timeout) {#name, test_##name, timeout},
	TEST_LIST(TEST__ENTRY)
#undef TEST__ENTRY
};
#define NTESTS (sizeof tests / sizeof tests[0])

/* In a test child: where to write the reason, and the test's own pid (a
 * subprocess forked by the test has another). */
static int result_fd = -1;
static pid_t test_pid;

static void write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		s += w;
		n -= (size_t)w;
	}
}

static void report(const char *prefix, const char *fmt, va_list ap)
{
	char msg[2048];
	int n = snprintf(msg, sizeof msg, "%s", prefix);
	if (n < 0)
		n = 0;
	if ((size_t)n < sizeof msg)
		vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
	size_t len = strlen(msg);
	if (len + 2 < sizeof msg) {
		msg[len++] = '\n';
		msg[len] = '\0';
	}
	if (result_fd >= 0)
		write_all(result_fd, msg, len);
	else
		write_all(2, msg, len);
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
	char prefix[256];
	if (getpid() != test_pid)
		snprintf(prefix, sizeof prefix, "[subprocess %d] %s:%d: ",
			 (int)getpid(), file, line);
	else
		snprintf(prefix, sizeof prefix, "%s:%d: ", file, line);
	va_list ap;
	va_start(ap, fmt);
	report(prefix, fmt, ap);
	va_end(ap);
	fflush(NULL);
	_exit(CHILD_FAIL);
}

void test_skip(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report("", fmt, ap);
	va_end(ap);
	fflush(NULL);
	_exit(getpid() == test_pid ? CHILD_SKIP : CHILD_FAIL);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The runner blocks SIGCHLD (so a child's end is never lost between two
 * checks); test children get this mask back. */
static sigset_t orig_mask;

/* Wait up to timeout_ms for the child pid to end.  Returns 1 and fills
 * *status if it ended, 0 on timeout.  Waits on a pidfd, or (kernels before
 * 5.3) for SIGCHLD with sigtimedwait. */
static int wait_child(pid_t pid, int timeout_ms, int *status)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	long long deadline = now_ms() + timeout_ms;
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	int ended = 0;

	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid) {
			ended = 1;
			break;
		}
		if (r < 0 && errno != EINTR) {
			perror("waitpid");
			exit(2);
		}
		long long left = deadline - now_ms();
		if (left <= 0)
			break;
		if (pidfd >= 0) {
			struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
			poll(&pfd, 1, (int)left);
		} else {
			struct timespec ts = {.tv_sec = left / 1000,
					      .tv_nsec = (left % 1000) * 1000000};
			sigtimedwait(&chld, NULL, &ts);
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	return ended;
}

/* Everything the child wrote to the result pipe, one line. */
static void read_reason(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	for (;;) {
		if (len + 1 >= cap)
			break;
		ssize_t n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	while (len > 0 && buf[len - 1] == '\n')
		len--;
	buf[len] = '\0';
	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\n')
			buf[i] = '|';
}

enum outcome { PASSED, FAILED, SKIPPED };

static enum outcome run_one(const struct test *t, int scale)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		perror("pipe2");
		exit(2);
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(2);
	}
	if (pid == 0) {
		sigprocmask(SIG_SETMASK, &orig_mask, NULL);
		setpgid(0, 0);
		close(pfd[0]);
		result_fd = pfd[1];
		test_pid = getpid();
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull > 0) {
			dup2(devnull, 0);
			close(devnull);
		}
		int r = t->fn();
		fflush(NULL);
		if (r == TEST_PASS)
			exit(CHILD_PASS); /* with atexit and leak checks */
		_exit(CHILD_FAIL);
	}
	/* Also from here, so that a kill of the group cannot miss it. */
	setpgid(pid, pid);
	close(pfd[1]);

	int timeout_s = t->timeout_s > 0 ? t->timeout_s : DEFAULT_TIMEOUT_S;
	int status = 0;
	int ended = wait_child(pid, timeout_s * 1000 * scale, &status);
	kill(-pid, SIGKILL); /* whatever the test left behind */
	if (!ended) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}

	char reason[4096];
	read_reason(pfd[0], reason, sizeof reason);
	close(pfd[0]);

	if (!ended) {
		printf("FAIL %s: TIMEOUT after %d s%s%s\n", t->name,
		       timeout_s * scale, reason[0] ? ": " : "", reason);
		return FAILED;
	}
	if (WIFSIGNALED(status)) {
		printf("FAIL %s: killed by signal %d (%s)%s%s\n", t->name,
		       WTERMSIG(status), strsignal(WTERMSIG(status)),
		       reason[0] ? ": " : "", reason);
		return FAILED;
	}
	switch (WEXITSTATUS(status)) {
	case CHILD_PASS:
		if (reason[0] == '\0') {
			printf("ok %s\n", t->name);
			return PASSED;
		}
		/* A subprocess failed but the test ignored it. */
		printf("FAIL %s: %s\n", t->name, reason);
		return FAILED;
	case CHILD_SKIP:
		printf("skip %s: %s\n", t->name, reason);
		return SKIPPED;
	default:
		if (reason[0] == '\0')
			snprintf(reason, sizeof reason,
				 "exited with status %d (see its stderr)",
				 WEXITSTATUS(status));
		printf("FAIL %s: %s\n", t->name, reason);
		return FAILED;
	}
}

static const struct test *find_test(const char *name)
{
	for (size_t i = 0; i < NTESTS; i++)
		if (strcmp(tests[i].name, name) == 0)
			return &tests[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const struct test *selected[NTESTS * 4 + 1];
	size_t nsel = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--list") == 0) {
			for (size_t j = 0; j < NTESTS; j++)
				printf("%s\n", tests[j].name);
			return 0;
		}
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			printf("usage: %s [--list] [TEST...]\n", argv[0]);
			return 0;
		}
		const struct test *t = find_test(argv[i]);
		if (t == NULL) {
			fprintf(stderr, "%s: no test named '%s' (see --list)\n",
				argv[0], argv[i]);
			return 2;
		}
		if (nsel < sizeof selected / sizeof selected[0])
			selected[nsel++] = t;
	}
	if (nsel == 0)
		for (size_t j = 0; j < NTESTS; j++)
			selected[nsel++] = &tests[j];

	if (access(PT_TARGET_DIR "/tracee", X_OK) != 0)
		fprintf(stderr,
			"%s: warning: %s/tracee is missing: build the targets "
			"first (make targets, or make check)\n",
			argv[0], PT_TARGET_DIR);

	int scale = 1;
	const char *s = getenv("PT_TEST_TIMEOUT_SCALE");
	if (s != NULL && atoi(s) > 0)
		scale = atoi(s);

	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &orig_mask);

	setvbuf(stdout, NULL, _IOLBF, 0);
	int passed = 0, failed = 0, skipped = 0;
	for (size_t i = 0; i < nsel; i++) {
		switch (run_one(selected[i], scale)) {
		case PASSED:
			passed++;
			break;
		case FAILED:
			failed++;
			break;
		case SKIPPED:
			skipped++;
			break;
		}
	}
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed > 0 ? 1 : 0;
}
