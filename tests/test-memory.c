/*
 * test-memory.c - pt_mem_read/pt_mem_write across pages, up to unmapped
 * memory, and into read-only program text.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests.h"

/* What the "mmap" command stores at each offset (see tracee.c). */
static unsigned char pattern(size_t off)
{
	return (unsigned char)(off * 7 + (off >> 12) * 0x55 + 3);
}

static unsigned char wpattern(size_t i)
{
	return (unsigned char)(0xa5 ^ (i * 13));
}

TEST(mem_page_boundary)
{
	const size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct child_io io;
	pt_process *p = launch_target(&io, "tracee", ARGS("mmap"));
	uint64_t sync = sym("tracee", "sync_point");
	CHECK_OK(pt_breakpoint_add(p, sync));
	continue_to_bp(p, sync);

	/* The target mapped 3 pages at base and unmapped the third. */
	char line[128];
	CHECK(io_read_line(&io, line, sizeof line, WAIT_MS) == 1);
	uint64_t base = 0;
	CHECKF(sscanf(line, "mmap %" SCNx64, &base) == 1 && base != 0,
	       "bad line from the target: %s", line);
	const uint64_t hole = base + 2 * page;

	unsigned char *buf = malloc(3 * page), *want = malloc(3 * page);
	CHECK(buf != NULL && want != NULL);
	size_t done;

	/* Odd address and length across the boundary of pages 1 and 2. */
	done = 12345;
	memset(buf, 0, 3 * page);
	CHECK_OK(pt_mem_read(p, base + 3, buf, 5000, &done));
	CHECK_EQ_INT(done, 5000);
	for (size_t i = 0; i < 5000; i++)
		CHECKF(buf[i] == pattern(3 + i),
		       "read at base+3, byte %zu: %#x, expected %#x", i, buf[i],
		       pattern(3 + i));

	/* Both pages exactly; done may be NULL; length 0 is fine. */
	CHECK_OK(pt_mem_read(p, base, buf, 2 * page, NULL));
	for (size_t i = 0; i < 2 * page; i++)
		CHECKF(buf[i] == pattern(i), "byte %zu: %#x, expected %#x", i,
		       buf[i], pattern(i));
	done = 12345;
	CHECK_OK(pt_mem_read(p, base + 1, buf, 0, &done));
	CHECK_EQ_INT(done, 0);

	/* Reads running into the unmapped page stop exactly at its start. */
	done = 12345;
	memset(buf, 0, 3 * page);
	CHECK_ERR(pt_mem_read(p, base + page + 100, buf, 5000, &done),
		  PT_EFAULT);
	CHECK_EQ_INT(done, page - 100);
	for (size_t i = 0; i < page - 100; i++)
		CHECKF(buf[i] == pattern(page + 100 + i),
		       "partial read, byte %zu: %#x, expected %#x", i, buf[i],
		       pattern(page + 100 + i));
	done = 12345;
	CHECK_ERR(pt_mem_read(p, hole - 1, buf, 2, &done), PT_EFAULT);
	CHECK_EQ_INT(done, 1);
	CHECK_EQ_HEX(buf[0], pattern(2 * page - 1));
	done = 12345;
	CHECK_ERR(pt_mem_read(p, hole, buf, 10, &done), PT_EFAULT);
	CHECK_EQ_INT(done, 0);
	done = 12345;
	CHECK_ERR(pt_mem_read(p, hole + 5, buf, 3 * page, &done), PT_EFAULT);
	CHECK_EQ_INT(done, 0);

	/* Write across the boundary, odd address and length. */
	const uint64_t waddr = base + page - 2501;
	const size_t wlen = 4999;
	for (size_t i = 0; i < wlen; i++)
		want[i] = wpattern(i);
	done = 12345;
	CHECK_OK(pt_mem_write(p, waddr, want, wlen, &done));
	CHECK_EQ_INT(done, wlen);
	memset(buf, 0, 3 * page);
	CHECK_OK(pt_mem_read(p, waddr - 1, buf, wlen + 2, NULL));
	CHECK_EQ_HEX(buf[0], pattern(page - 2502));
	CHECK(memcmp(buf + 1, want, wlen) == 0);
	CHECK_EQ_HEX(buf[wlen + 1], pattern(page - 2501 + wlen));

	/* ... and what the kernel shows agrees. */
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/mem", (int)io.pid);
	int mem = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(mem >= 0);
	CHECK(proc_mem_read(mem, waddr, buf, wlen) == (ssize_t)wlen);
	CHECK(memcmp(buf, want, wlen) == 0);

	/* A write running into the hole writes up to it, no further. */
	done = 12345;
	CHECK_ERR(pt_mem_write(p, hole - 5, want, 100, &done), PT_EFAULT);
	CHECK_EQ_INT(done, 5);
	CHECK_OK(pt_mem_read(p, hole - 6, buf, 6, NULL));
	CHECK_EQ_HEX(buf[0], pattern(2 * page - 6));
	CHECK(memcmp(buf + 1, want, 5) == 0);
	done = 12345;
	CHECK_ERR(pt_mem_write(p, hole, want, 7, &done), PT_EFAULT);
	CHECK_EQ_INT(done, 0);

	/* The program sees the writes: it prints m[0] and m[page]. */
	int code = -2, sig = -2;
	run_to_exit(p, &code, &sig);
	CHECK_EQ_INT(code, 0);
	char expect[64];
	snprintf(expect, sizeof expect, "mmap bytes %d %d\nDONE\n", pattern(0),
		 wpattern(page - (waddr - base)));
	CHECK_STREQ(io_read_all(&io, WAIT_MS), expect);
	close(mem);
	free(buf);
	free(want);
	pt_process_free(p);
	return TEST_PASS;
}

/* Patch ret_one (mov $1,%eax; ret) in the read-only text to return 2. */
TEST(mem_write_text)
{
	struct child_io io;
	pt_process *p = launch_target(&io, "tracee", ARGS("patch"));
	uint64_t f = sym("tracee", "ret_one");
	uint64_t sync = sym("tracee", "sync_point");
	CHECK_OK(pt_breakpoint_add(p, sync));
	continue_to_bp(p, sync);
	io_expect_line(&io, "ret_one 1");

	const unsigned char mov2[5] = {0xb8, 0x02, 0x00, 0x00, 0x00};
	unsigned char buf[6];
	CHECK_OK(pt_mem_read(p, f, buf, 6, NULL));
	CHECK_EQ_HEX(buf[0], 0xb8);
	CHECK_EQ_HEX(buf[1], 0x01);
	size_t done = 0;
	CHECK_OK(pt_mem_write(p, f, mov2, sizeof mov2, &done));
	CHECK_EQ_INT(done, sizeof mov2);
	CHECK_OK(pt_mem_read(p, f, buf, 6, NULL));
	CHECK(memcmp(buf, mov2, 5) == 0);
	CHECK_EQ_HEX(buf[5], 0xc3);

	CHECK_OK(pt_breakpoint_remove(p, sync));
	int code = -2, sig = -2;
	run_to_exit(p, &code, &sig);
	CHECK_EQ_INT(code, 0);
	CHECK_STREQ(io_read_all(&io, WAIT_MS), "ret_one 2\nDONE\n");
	pt_process_free(p);
	io_close(&io);

	/* Only that process was patched, not the program file. */
	p = launch_target(&io, "tracee", ARGS("patch"));
	run_to_exit(p, &code, &sig);
	CHECK_STREQ(io_read_all(&io, WAIT_MS), "ret_one 1\nret_one 1\nDONE\n");
	pt_process_free(p);
	return TEST_PASS;
}
