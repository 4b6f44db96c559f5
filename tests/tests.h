/*
 * tests.h - the test runner's framework and the helpers shared by the tests.
 *
 * Every test is a function `int test_NAME(void)` declared by the TEST_LIST
 * below and defined with TEST(NAME) in one of the tests/test-*.c files.  The
 * runner (runner.c) forks a child per test; the test passes by returning
 * TEST_PASS, and fails or skips by calling FAIL()/SKIP() (or a failing
 * CHECK*), which report the reason to the runner and end the child.  So a
 * test needs no cleanup on failure: the runner kills the child's whole
 * process group, and launched tracees die with their tracer (EXITKILL).
 *
 * Tests never sleep to synchronise: they wait for the event they expect
 * (pt_wait with a timeout, a line of the target's output, a pipe's EOF).
 */
#ifndef PT_TESTS_H
#define PT_TESTS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "proctrace.h"

#ifndef PT_TARGET_DIR
#define PT_TARGET_DIR "build/targets"
#endif

/* The tests: X(name, timeout in seconds, 0 for the default). */
#define TEST_LIST(X)                                                           \
	X(version, 0)                                                          \
	X(launch_exit_status, 0)                                               \
	X(launch_enoent, 0)                                                    \
	X(launch_eacces, 0)                                                    \
	X(launch_path_search, 0)                                               \
	X(launch_options, 0)                                                   \
	X(launch_exitkill, 0)                                                  \
	X(tracer_death_cleanup, 0)                                             \
	X(attach_regs_detach, 0)                                               \
	X(attach_detach_running, 0)                                            \
	X(attach_esrch, 0)                                                     \
	X(attach_eperm, 0)                                                     \
	X(attach_etraced, 0)                                                   \
	X(detach_launched, 0)                                                  \
	X(detach_restores_text, 0)                                             \
	X(free_launched_kills, 0)                                              \
	X(free_attached_detaches, 0)                                           \
	X(bp_loop_count, 0)                                                    \
	X(bp_remove_midrun, 0)                                                 \
	X(bp_step_over, 0)                                                     \
	X(bp_resume_no_step_over, 0)                                           \
	X(bp_step_hit_interrupted, 0)                                          \
	X(fork_child_bps_at_fork, 0)                                           \
	X(bp_mem_transparent, 0)                                               \
	X(step_sequence, 0)                                                    \
	X(mem_page_boundary, 0)                                                \
	X(mem_write_text, 0)                                                   \
	X(signal_delivered, 0)                                                 \
	X(signal_suppressed, 0)                                                \
	X(signal_changed, 0)                                                   \
	X(signal_sender, 0)                                                    \
	X(signal_segv_addr, 0)                                                 \
	X(signal_program_int3, 0)                                              \
	X(step_into_handler, 0)                                                \
	X(group_stop, 0)                                                       \
	X(stop_running, 0)                                                     \
	X(event_fd, 0)                                                         \
	X(errors_null_handles, 0)                                              \
	X(errors_running_state, 0)                                             \
	X(errors_breakpoints, 0)                                               \
	X(errors_registers, 0)                                                 \
	X(errors_after_exit, 0)                                                \
	X(format_stop_cause, 0)                                                \
	X(signal_names, 0)                                                     \
	X(events_thread_exit, 0)                                               \
	X(events_exec, 0)                                                      \
	X(wait_other_thread, 0)                                                \
	X(log_callback, 0)                                                     \
	X(detach_delivers_signal, 0)                                           \
	X(bp_set_pc_return, 0)                                                 \
	X(bp_at_current_pc, 0)                                                 \
	X(bp_at_exec_entry, 0)                                                 \
	X(step_from_exec_stop, 0)                                              \
	X(step_syscall_exit, 0)                                                \
	X(step_over_masked_clone, 0)                                           \
	X(bp_on_faulting_insn, 0)                                              \
	X(two_processes, 0)                                                    \
	X(attach_threads, 0)                                                   \
	X(mt_smoke, 0)                                                         \
	X(mt_bp_100_threads, 0)                                                \
	X(thread_exit_status, 0)                                               \
	X(thread_create_orders, 0)                                             \
	X(threads_born_during_stop, 0)                                         \
	X(threads_unseen_freed, 0)                                             \
	X(thread_create_none_lost, 0)                                          \
	X(clone_event_after_thread_end, 0)                                     \
	X(phantom_bp_hidden, 0)                                                \
	X(stop_during_stepovers, 60)                                           \
	X(stop_blocked_syscalls_caught, 0)                                     \
	X(detach_with_hit_pending, 0)                                          \
	X(detach_while_exiting, 0)                                             \
	X(detach_while_killed, 0)                                              \
	X(emul_decode_table, 0)                                                \
	X(host_signals_untouched, 0)                                           \
	X(emul_stepover, 0)                                                    \
	X(emul_stepover_single, 0)                                             \
	X(emul_code_rewritten, 0)                                              \
	X(emul_contended_single_steps, 0)                                      \
	X(fairness_event_thread, 0)                                            \
	X(attach_churn_1000, 60)                                               \
	X(attach_zombie_leader, 0)                                             \
	X(kill_stop_cont_outside, 0)                                           \
	X(exec_non_leader, 0)                                                  \
	X(exec_non_leader_quiet_exit, 0)                                       \
	X(exec_non_leader_syscalls, 0)                                         \
	X(fork_child_no_bp, 0)                                                 \
	X(vfork_child_no_bp, 0)                                                \
	X(clone_process_no_bp, 0)                                              \
	X(clone_child_as_thread, 0)                                            \
	X(clone_thread_kill_detach, 0)                                         \
	X(follow_fork, 0)                                                      \
	X(sigkill_during_continue, 0)                                          \
	X(sigkill_during_stop, 0)                                              \
	X(sigkill_after_stop_returned, 0)                                      \
	X(sigkill_during_step, 0)                                              \
	X(api_from_second_thread, 0)                                           \
	X(ontracer_bp_loop, 0)                                                 \
	X(ontracer_step, 0)                                                    \
	X(ontracer_wait_timeout_stop, 0)                                       \
	X(ontracer_stop_from_other_thread, 0)                                  \
	X(ontracer_nested_free_errors, 0)                                      \
	X(ontracer_call_from_other_thread, 0)                                  \
	X(ontracer_tracee_killed, 0)                                           \
	X(tracer_run_lent_thread, 0)                                           \
	X(tracer_run_errors, 0)                                                \
	X(event_fd_epoll, 0)                                                   \
	X(app_child_reaped_by_app, 0)                                          \
	X(mem_paths, 0)                                                        \
	X(fpregs_table, 0)                                                     \
	X(fpregs_sse_x87, 0)                                                   \
	X(fpregs_avx, 0)                                                       \
	X(fpregs_avx512, 0)                                                    \
	X(fpregs_fxsave_fallback, 0)                                           \
	X(fpregs_init_state, 0)                                                \
	X(fpregs_cache, 0)                                                     \
	X(fpregs_errors, 0)                                                    \
	X(watch_errors, 0)                                                     \
	X(watch_fire_probe, 0)                                                 \
	X(watch_fire_probe_eperm, 0)                                           \
	X(watch_regs_all_threads, 0)                                           \
	X(watch_new_thread_regs, 0)                                            \
	X(watch_detach_clears, 0)                                              \
	X(watch_exec_drops, 0)                                                 \
	X(watch_trap_decode, 0)                                                \
	X(watch_write_second_thread, 0)                                        \
	X(watch_read_rw, 0)                                                    \
	X(watch_hw_breakpoint_text, 0)                                         \
	X(watch_new_thread_inherits, 0)                                        \
	X(watch_step_stepped, 0)                                               \
	X(watch_hit_count_two_threads, 30)                                     \
	X(watch_emulated_push, 0)                                              \
	X(i386_regs, 0)                                                        \
	X(i386_bp_loop, 0)                                                     \
	X(i386_step_sequence, 0)                                               \
	X(i386_step_vsyscall, 0)                                               \
	X(i386_memory, 0)                                                      \
	X(i386_attach, 0)                                                      \
	X(i386_threads, 0)                                                     \
	X(i386_exec_switch, 0)                                                 \
	X(i386_far_jump_64bit, 0)                                              \
	X(i386_emul_decode_table, 0)                                           \
	X(i386_emul_stepover, 0)                                               \
	X(i386_emul_stepover_single, 0)                                        \
	X(i386_fpregs_table, 0)                                                \
	X(i386_fpregs, 0)                                                      \
	X(arch_exec_only_x86_64, 0)                                            \
	X(i386_exec_only, 0)                                                   \
	X(kill_at_exit_stop, 0)                                                \
	X(stop_races_step, 0)                                                  \
	X(stop_races_step_other_thread, 0)                                     \
	X(sigkill_stopped_no_stale_stop, 0)                                    \
	X(reg_set_refused_by_kernel, 0)                                        \
	X(set_signal_requested_stop, 0)                                        \
	X(stepover_execve_bp, 0)                                               \
	X(ontracer_continue_stop, 0)                                           \
	X(attach_by_thread_tid, 0)                                             \
	X(fork_child_stopped_at_report, 0)                                     \
	X(procfs_parsers, 0)                                                   \
	X(mem_write_edges, 0)                                                  \
	X(launch_bad_options, 0)                                               \
	X(launch_no_atfork_sigdef, 0)                                          \
	X(stress_random_api, 150)                                              \
	X(doorbell_small, 0)                                                    \
	X(debug_rules_asserted, 0)                                             \
	X(launch_stdio_fds, 0)                                                 \
	X(launch_no_aslr, 0)                                                   \
	X(launch_new_pgrp, 0)                                                  \
	X(launch_setsid_tty, 0)                                                \
	X(launch_bad_new_options, 0)                                           \
	X(process_exe_auxv, 0)                                                 \
	X(process_maps, 0)                                                     \
	X(facts_zombie_leader, 0)                                              \
	X(thread_name_core, 0)                                                 \
	X(siginfo_read, 0)                                                     \
	X(siginfo_write, 0)                                                    \
	X(pass_signals, 0)                                                     \
	X(catch_syscalls_some, 0)                                              \
	X(catch_syscalls_all, 0)                                               \
	X(resume_step_others_run, 0)                                           \
	X(resume_hold_others, 0)                                               \
	X(resume_held_hit_once, 0)                                             \
	X(resume_new_threads_run, 0)                                           \
	X(resume_held_process_exits, 0)                                        \
	X(resume_leader_exits_alone, 0)                                        \
	X(resume_bad_actions, 0)                                               \
	X(resume_exited_thread, 0)                                             \
	X(resume_zombie_leader, 0)                                             \
	X(follow_fork_detach_child, 0)                                         \
	X(fork_child_unclaimed, 0)                                             \
	X(vfork_shared_bp, 0)                                                  \
	X(vfork_done_event, 0)                                                 \
	X(vfork_ptrace_mem_path, 0)

#define TEST(name) int test_##name(void)
#define TEST__DECLARE(name, timeout) TEST(name);
TEST_LIST(TEST__DECLARE)
#undef TEST__DECLARE

#define TEST_PASS 0

/* A NULL-terminated argument list: ARGS("loop:3", "segv"). */
#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* How long a test waits for one expected event (a stop, a line). */
#define WAIT_MS 5000

/* ------------------------------------------------------------------ */
/* Reporting                                                            */
/* ------------------------------------------------------------------ */

/* End the test as failed / skipped with a printf-style reason.  In a
 * subprocess forked by a test, test_fail reports with the subprocess's pid
 * and exits 1, so the test sees a failed child. */
_Noreturn void test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
_Noreturn void test_skip(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

#define FAIL(...) test_fail(__FILE__, __LINE__, __VA_ARGS__)
#define SKIP(...) test_skip(__VA_ARGS__)

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond))                                                   \
			FAIL("check failed: %s", #cond);                       \
	} while (0)

#define CHECKF(cond, ...)                                                      \
	do {                                                                   \
		if (!(cond))                                                   \
			FAIL(__VA_ARGS__);                                     \
	} while (0)

/* A proctrace call that must succeed (return >= 0); yields its value. */
#define CHECK_OK(expr)                                                         \
	check_ok_impl((expr), #expr, __FILE__, __LINE__)
/* A proctrace call that must fail with exactly `code`. */
#define CHECK_ERR(expr, code)                                                  \
	check_err_impl((expr), (code), #expr, __FILE__, __LINE__)

#define CHECK_EQ_INT(a, b)                                                     \
	do {                                                                   \
		long long a__ = (long long)(a), b__ = (long long)(b);          \
		if (a__ != b__)                                                \
			FAIL("%s == %s: %lld != %lld", #a, #b, a__, b__);      \
	} while (0)

#define CHECK_EQ_HEX(a, b)                                                     \
	do {                                                                   \
		unsigned long long a__ = (unsigned long long)(a);              \
		unsigned long long b__ = (unsigned long long)(b);              \
		if (a__ != b__)                                                \
			FAIL("%s == %s: %#llx != %#llx", #a, #b, a__, b__);    \
	} while (0)

#define CHECK_STREQ(a, b)                                                      \
	do {                                                                   \
		const char *a__ = (a), *b__ = (b);                             \
		if (a__ == NULL || b__ == NULL || strcmp(a__, b__) != 0)       \
			FAIL("%s == %s: \"%s\" != \"%s\"", #a, #b,             \
			     a__ ? a__ : "(null)", b__ ? b__ : "(null)");      \
	} while (0)

int check_ok_impl(int r, const char *expr, const char *file, int line);
void check_err_impl(int r, int code, const char *expr, const char *file,
		    int line);

/* A copy of pt_errmsg() (static), taken before other proctrace calls such
 * as pt_err_name can replace it. */
const char *last_errmsg(void);
/* The name of an error code or "OK" for r >= 0, for messages. */
const char *err_str(int r);

/* ------------------------------------------------------------------ */
/* Targets and ELF symbols (elfsym.c)                                  */
/* ------------------------------------------------------------------ */

/* Absolute path of the built target NAME (a static buffer per call slot). */
const char *target_path(const char *name);

/* Address (and size, may be NULL) of symbol `name` in the ELF file `path`:
 * 0 on success, -1 if there is no such symbol or the file is unreadable. */
int elf_symbol(const char *path, const char *name, uint64_t *addr,
	       uint64_t *size);
/* Same, for the built target `target`; fails the test if missing. */
uint64_t sym(const char *target, const char *name);
uint64_t sym_size(const char *target, const char *name);

/* ------------------------------------------------------------------ */
/* Child processes with piped stdin/stdout (child.c)                    */
/* ------------------------------------------------------------------ */

struct child_io {
	pid_t pid;  /* the process (0 if unknown) */
	int in_fd;  /* write end of its stdin, -1 once closed */
	int out_fd; /* read end of its stdout */
	char buf[4096];
	size_t len; /* bytes of buf not yet returned as lines */
	bool eof;
};

/* Fork and exec the target NAME with args (NULL-terminated, not including
 * argv[0]), untraced, with stdin and stdout on pipes. */
void spawn_target(struct child_io *io, const char *name,
		  const char *const *args);
/* pt_launch the target NAME the same way; returns the stopped process. */
pt_process *launch_target(struct child_io *io, const char *name,
			  const char *const *args);
/* The same, with launch options, returning pt_launch's result. */
int launch_target_opts(struct child_io *io, const char *file,
		       const char *const *argv, const struct pt_launch_opts *o,
		       pt_process **out);

/* Read one line (without the newline) within timeout_ms: 1 if a line was
 * read, 0 at EOF, -1 on timeout. */
int io_read_line(struct child_io *io, char *line, size_t cap, int timeout_ms);
/* The next line must be exactly `want`. */
void io_expect_line(struct child_io *io, const char *want);
/* Read lines until one equals `want` (others are skipped, up to EOF). */
void io_expect_line_eventually(struct child_io *io, const char *want);
/* Everything up to EOF (fails on timeout), as a NUL-terminated string in a
 * static buffer. */
const char *io_read_all(struct child_io *io, int timeout_ms);
void io_write(struct child_io *io, const char *text);
void io_close_stdin(struct child_io *io);
void io_close(struct child_io *io);

/* Wait for the untraced child io->pid to end; returns its wait status. */
int io_reap(struct child_io *io, int timeout_ms);

/* The state letter of /proc/PID/stat ('R', 'S', 't', 'T', 'Z', ...), or 0 if
 * the process is gone. */
char proc_state(pid_t pid);
/* The same for one thread (task) of a process. */
char task_state(pid_t pid, pid_t tid);
/* Wait until process pid (its main thread) is blocked in system call nr,
 * as /proc/PID/syscall tells (the numbering of the process's own
 * architecture); false if it is not within timeout_ms. */
bool wait_in_syscall(pid_t pid, long nr, int timeout_ms);
/* TracerPid from /proc/PID/status, -1 if unknown. */
pid_t proc_tracer(pid_t pid);
/* Read /proc/PID/mem through an open fd: bytes read, -1 on error. */
ssize_t proc_mem_read(int fd, uint64_t addr, void *buf, size_t len);
/* The processes other than us that hold the pipe whose read end is fd:
 * "pid (comm, ppid N); ..." in a static buffer. */
const char *pipe_writers(int fd);
/* Number of processes whose parent is us (not counting helper tasks cloned
 * without an exit signal). */
int count_children(void);

/* ------------------------------------------------------------------ */
/* proctrace helpers (helpers.c)                                         */
/* ------------------------------------------------------------------ */

/* The process's single thread (fails if there is not exactly one). */
pt_thread *only_thread(pt_process *p);
/* pt_wait(p, WAIT_MS) that must end with the process stopped. */
void wait_stopped(pt_process *p);
/* Wait for the next stop; returns the event thread, whose cause (filled in
 * *c) must be of kind `kind`. */
pt_thread *wait_event(pt_process *p, pt_stop_kind kind, pt_stop_cause *c);
/* The same after a pt_continue. */
pt_thread *continue_until(pt_process *p, pt_stop_kind kind, pt_stop_cause *c);
/* pt_continue, then pt_wait(p, WAIT_MS), which must succeed: true if the
 * process stopped, false if it exited. */
bool continue_stopped(pt_process *p);
/* The stop cause of t (fails on error). */
pt_stop_cause cause_of(pt_thread *t);
/* "tid: cause; ..." for every thread of a stopped process (static). */
const char *all_causes(pt_process *p);
/* Printable form of a cause, in a static buffer. */
const char *cause_str(const pt_stop_cause *c);
/* Continue (if stopped) until the process exits, going through thread-exit
 * stops (any other stop fails the test).  Returns pt_process_exit's values. */
void run_to_exit(pt_process *p, int *exit_code, int *term_signal);
/* run_to_exit, then: exit status 0, the program's whole output is want;
 * p freed. */
void run_to_end(pt_process *p, struct child_io *io, const char *want);
/* tracee "getppid": run p to its exit 0, expect "ppid <our pid>", free p
 * and close io. */
void finish_getppid(pt_process *p, struct child_io *io);
/* Wait for the breakpoint at addr to be hit (the next stop must be it,
 * with the PC on it); returns the thread that hit it. */
pt_thread *wait_bp(pt_process *p, uint64_t addr);
/* The same after a pt_continue. */
pt_thread *continue_to_bp(pt_process *p, uint64_t addr);
uint64_t reg(pt_thread *t, const char *name);
void set_reg(pt_thread *t, const char *name, uint64_t val);
uint64_t pc_of(pt_thread *t);
/* Whether text contains the decimal number n as a whole word. */
bool has_number(const char *text, long n);

/* The register pattern of the floating-point targets (targets/fpregs.c and
 * targets32/tracee32.c's fpregs commands, which compute the same):
 * byte k of vector register i is (uint8_t)(seed * 101 + i * 7 + k * 13 + 1),
 * n bytes of it into out; st(j) as its 10 bytes. */
void fp_pattern_vec(int seed, int i, uint8_t *out, size_t n);
void fp_pattern_st(int seed, int j, uint8_t out[10]);

#endif /* PT_TESTS_H */
