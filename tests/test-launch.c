/*
 * test-launch.c - pt_launch, running to exit, launch errors and options,
 * EXITKILL, detaching from and freeing a launched process.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests.h"

TEST(version)
{
	char want[32];
	snprintf(want, sizeof want, "%d.%d.%d", PT_VERSION_MAJOR,
		 PT_VERSION_MINOR, PT_VERSION_PATCH);
	CHECK_STREQ(pt_version(), want);
	return TEST_PASS;
}

TEST(launch_exit_status)
{
	struct child_io io;
	pt_process *p = launch_target(&io, "tracee", ARGS("exit:7"));

	/* Stopped before the first instruction, with cause EXEC. */
	CHECK_EQ_INT(pt_process_state(p), PT_PROC_STOPPED);
	CHECK_OK(pt_wait(p, 0));
	pt_thread *t = only_thread(p);
	CHECK_EQ_INT(pt_thread_tid(t), pt_process_pid(p));
	CHECK(pt_thread_process(t) == p);
	CHECK(pt_process_thread(p, pt_process_pid(p)) == t);
	pt_stop_cause c = cause_of(t);
	CHECKF(c.kind == PT_STOP_EXEC, "first stop: %s", cause_str(&c));
	CHECK(pc_of(t) != 0);
	CHECKF(proc_state(pt_process_pid(p)) == 't',
	       "tracee state '%c', expected 't' (traced stop)",
	       proc_state(pt_process_pid(p)));

	/* Continue through any intermediate stops (thread exit) to the end. */
	int thread_exits = 0;
	for (int rounds = 0;; rounds++) {
		CHECKF(rounds < 10, "too many stops before exit");
		CHECK_OK(pt_continue(p));
		int r = pt_wait(p, WAIT_MS);
		CHECKF(r != PT_ETIMEDOUT, "no stop or exit within %d ms",
		       WAIT_MS);
		CHECK_OK(r);
		if (pt_process_state(p) == PT_PROC_EXITED)
			break;
		CHECK_EQ_INT(pt_process_state(p), PT_PROC_STOPPED);
		c = cause_of(pt_process_event_thread(p));
		CHECKF(c.kind == PT_STOP_THREAD_EXIT, "unexpected stop: %s",
		       cause_str(&c));
		CHECKF(c.status == 7 && c.signo == 0,
		       "thread exit stop should say status 7: %s",
		       cause_str(&c));
		thread_exits++;
	}
	CHECK(thread_exits <= 1);

	int code = -2, sig = -2;
	CHECK_OK(pt_process_exit(p, &code, &sig));
	CHECK_EQ_INT(code, 7);
	CHECK_EQ_INT(sig, 0);
	CHECK_OK(pt_process_exit(p, NULL, NULL));
	CHECK_STREQ(io_read_all(&io, WAIT_MS), "");
	CHECK_OK(pt_wait(p, 0));

	pt_process_free(p);
	CHECK_EQ_INT(count_children(), 0);
	return TEST_PASS;
}

static void check_no_process(pt_process *p)
{
	CHECKF(p == NULL, "*out set to %p on failure", (void *)p);
	CHECKF(count_children() == 0, "a child process was left behind");
}

TEST(launch_enoent)
{
	char *argv[] = {"prog", NULL};
	pt_process *p = NULL;

	CHECK_ERR(pt_launch("/nonexistent-dir/prog", argv, NULL, &p),
		  PT_ENOENT);
	CHECKF(pt_errmsg()[0] != '\0', "empty pt_errmsg() after a failure");
	CHECKF(strstr(pt_strerror(PT_ENOENT), "no such file") != NULL,
	       "pt_strerror(PT_ENOENT) = \"%s\"", pt_strerror(PT_ENOENT));
	CHECK_STREQ(pt_err_name(PT_ENOENT), "PT_ENOENT");
	check_no_process(p);

	/* The same through a PATH search. */
	CHECK(setenv("PATH", "/nonexistent-dir:/also-nonexistent", 1) == 0);
	CHECK_ERR(pt_launch("pt-no-such-program", argv, NULL, &p), PT_ENOENT);
	check_no_process(p);
	return TEST_PASS;
}

TEST(launch_eacces)
{
	char path[] = "/tmp/proctrace-test-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	const char script[] = "#!/bin/sh\nexit 0\n";
	CHECK(write(fd, script, sizeof script - 1) == sizeof script - 1);
	close(fd);
	CHECK(chmod(path, 0644) == 0);

	char *argv[] = {path, NULL};
	pt_process *p = NULL;
	int r = pt_launch(path, argv, NULL, &p);
	unlink(path);
	CHECK_ERR(r, PT_EACCES);
	CHECKF(strstr(pt_strerror(PT_EACCES), "permission") != NULL,
	       "pt_strerror(PT_EACCES) = \"%s\"", pt_strerror(PT_EACCES));
	check_no_process(p);

	/* A directory cannot be executed either. */
	char *argv2[] = {"tmp", NULL};
	CHECK_ERR(pt_launch("/tmp", argv2, NULL, &p), PT_EACCES);
	check_no_process(p);
	return TEST_PASS;
}

TEST(launch_path_search)
{
	/* execvp-style search in the caller's PATH. */
	CHECK(setenv("PATH", "/nonexistent-dir:" PT_TARGET_DIR ":/usr/bin:/bin",
		     1) == 0);
	struct child_io io;
	pt_process *p = NULL;
	CHECK_OK(launch_target_opts(&io, "tracee", ARGS("tracee", "exit:5"),
				    NULL, &p));
	int code = -2, sig = -2;
	run_to_exit(p, &code, &sig);
	CHECK_EQ_INT(code, 5);
	CHECK_EQ_INT(sig, 0);
	pt_process_free(p);
	io_close(&io);

	/* PT_LAUNCH_NO_PATH_SEARCH: the name is a path, relative to the
	 * working directory. */
	struct pt_launch_opts o;
	memset(&o, 0, sizeof o);
	o.sz = sizeof o;
	o.flags = PT_LAUNCH_NO_PATH_SEARCH;
	CHECK(chdir("/") == 0);
	p = NULL;
	CHECK_ERR(launch_target_opts(&io, "tracee", ARGS("tracee", "exit:5"),
				     &o, &p),
		  PT_ENOENT);
	check_no_process(p);
	io_close(&io);

	CHECK(chdir(PT_TARGET_DIR) == 0);
	CHECK_OK(launch_target_opts(&io, "tracee", ARGS("tracee", "exit:6"),
				    &o, &p));
	run_to_exit(p, &code, &sig);
	CHECK_EQ_INT(code, 6);
	pt_process_free(p);
	return TEST_PASS;
}

TEST(launch_options)
{
	CHECK(setenv("PT_TEST_CALLER", "1", 1) == 0);
	CHECK(chdir("/") == 0);
	const char *path = target_path("tracee");

	/* Defaults: the caller's environment and working directory. */
	struct child_io io;
	pt_process *p = NULL;
	CHECK_OK(launch_target_opts(
		&io, path, ARGS("tracee", "pwd", "env:PT_TEST_CALLER"), NULL,
		&p));
	int code = -2, sig = -2;
	run_to_exit(p, &code, &sig);
	CHECK_EQ_INT(code, 0);
	CHECK_STREQ(io_read_all(&io, WAIT_MS),
		    "cwd /\nenv PT_TEST_CALLER=1\nDONE\n");
	pt_process_free(p);
	io_close(&io);

	/* envp and cwd given. */
	char *envp[] = {"PT_TEST_VAR=hello", "PATH=/usr/bin:/bin", NULL};
	struct pt_launch_opts o;
	memset(&o, 0, sizeof o);
	o.sz = sizeof o;
	o.envp = envp;
	o.cwd = "/tmp";
	CHECK_OK(launch_target_opts(&io, path,
				    ARGS("tracee", "pwd", "env:PT_TEST_VAR",
					 "env:PT_TEST_CALLER"),
				    &o, &p));
	run_to_exit(p, &code, &sig);
	CHECK_EQ_INT(code, 0);
	CHECK_STREQ(io_read_all(&io, WAIT_MS),
		    "cwd /tmp\nenv PT_TEST_VAR=hello\n"
		    "env PT_TEST_CALLER unset\nDONE\n");
	pt_process_free(p);
	io_close(&io);

	/* A working directory that does not exist: an error, no child. */
	o.cwd = "/nonexistent-dir";
	p = NULL;
	int r = launch_target_opts(&io, path, ARGS("tracee"), &o, &p);
	CHECKF(r < 0, "launch with a missing cwd succeeded");
	check_no_process(p);
	return TEST_PASS;
}

/*
 * Fork a tracer subprocess that launches a spinning target (stdout on a
 * pipe), lets it run, and then _exits without any cleanup.  Returns the
 * target's pid once the tracer is gone and reaped; *out_fd is the read end
 * of the target's stdout.
 */
static pid_t tracer_launches_and_dies(int *out_fd)
{
	int out[2], rep[2];
	CHECK(pipe2(out, O_CLOEXEC) == 0 && pipe2(rep, O_CLOEXEC) == 0);
	fflush(NULL);
	pid_t tracer = fork();
	CHECK(tracer >= 0);
	if (tracer == 0) {
		close(rep[0]);
		dup2(out[1], 1);
		char *argv[] = {"tracee", "spin", NULL};
		pt_process *p = NULL;
		CHECK_OK(pt_launch(target_path("tracee"), argv, NULL, &p));
		CHECK_OK(pt_continue(p));
		struct child_io io;
		memset(&io, 0, sizeof io);
		io.in_fd = -1;
		io.out_fd = out[0];
		io_expect_line(&io, "spinning");
		pid_t pid = pt_process_pid(p);
		CHECK(write(rep[1], &pid, sizeof pid) == sizeof pid);
		_exit(0);
	}
	close(rep[1]);
	close(out[1]);

	struct pollfd pfd = {.fd = rep[0], .events = POLLIN};
	CHECKF(poll(&pfd, 1, WAIT_MS) == 1, "tracer subprocess is silent");
	pid_t pid = 0;
	ssize_t n = read(rep[0], &pid, sizeof pid);
	CHECKF(n == sizeof pid, "tracer subprocess failed");
	close(rep[0]);
	int status;
	CHECK(waitpid(tracer, &status, 0) == tracer);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	*out_fd = out[0];
	return pid;
}

/* The tracer process dies without cleaning up: the tracee must die too. */
TEST(launch_exitkill)
{
	int out_fd;
	pid_t pid = tracer_launches_and_dies(&out_fd);
	/* Not our child: watch it through a pidfd (ESRCH: already gone). */
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0) {
		CHECKF(errno == ESRCH, "pidfd_open: %s", strerror(errno));
		return TEST_PASS;
	}
	struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
	CHECKF(poll(&pfd, 1, WAIT_MS) == 1,
	       "tracee %d still alive (state '%c') %d ms after its tracer "
	       "died",
	       (int)pid, proc_state(pid), WAIT_MS);
	close(pidfd);
	return TEST_PASS;
}

/* ... and nothing of the tracer outlives it: the tracee's stdout pipe, which
 * the tracer had open too, reaches EOF. */
TEST(tracer_death_cleanup)
{
	int out_fd;
	tracer_launches_and_dies(&out_fd);
	struct child_io io;
	memset(&io, 0, sizeof io);
	io.in_fd = -1;
	io.out_fd = out_fd;
	char line[256];
	int r;
	while ((r = io_read_line(&io, line, sizeof line, WAIT_MS)) > 0)
		CHECKF(false, "unexpected output: %s", line);
	CHECKF(r == 0,
	       "the pipe of the dead tracer and tracee is still open "
	       "%d ms later, held by: %s",
	       WAIT_MS, pipe_writers(out_fd));
	return TEST_PASS;
}

TEST(detach_launched)
{
	struct child_io io;
	pt_process *p =
		launch_target(&io, "tracee", ARGS("wait-stdin", "exit:3"));
	pid_t pid = pt_process_pid(p);
	CHECK_OK(pt_detach(p));
	CHECK_EQ_INT(pt_process_state(p), PT_PROC_DETACHED);
	CHECK_ERR(pt_wait(p, 0), PT_EDETACHED);
	CHECK_EQ_INT(pt_process_pid(p), pid);

	io_expect_line(&io, "waiting");
	CHECKF(proc_tracer(pid) == 0, "still traced by %d", proc_tracer(pid));
	io_write(&io, "go\n");
	io_expect_line(&io, "got go");

	/* It stays our child: reap it ourselves. */
	int status = io_reap(&io, WAIT_MS);
	CHECKF(WIFEXITED(status) && WEXITSTATUS(status) == 3,
	       "wait status %#x, expected exit 3", status);
	pt_process_free(p);
	return TEST_PASS;
}

TEST(free_launched_kills)
{
	struct child_io io;
	pt_process *p = launch_target(&io, "tracee", ARGS("spin"));
	CHECK_OK(pt_continue(p));
	io_expect_line(&io, "spinning");
	pt_process_free(p);
	/* Killed: its output ends, and it is not left as a zombie. */
	const char *rest = io_read_all(&io, WAIT_MS);
	CHECKF(rest[0] == '\0', "unexpected output: %s", rest);
	CHECKF(count_children() == 0, "a child process was left behind");
	return TEST_PASS;
}
