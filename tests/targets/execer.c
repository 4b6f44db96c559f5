/*
 * execer.c - execute another program: `execer PATH ARGS...` runs PATH with
 * argv [PATH, ARGS...].  A 64-bit program that becomes another one, for
 * the tests of an exec that changes the architecture (test-i386.c).
 */
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: execer PATH [ARGS...]\n");
		return 2;
	}
	execv(argv[1], argv + 1);
	perror("execv");
	return 98;
}
