/* ttyread: says whether its process group is the terminal's foreground
 * group, then reads one line from the terminal and echoes it. */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	char line[128];
	printf("foreground: %s\n", tcgetpgrp(0) == getpgrp() ? "yes" : "no");
	fflush(stdout);
	if (!fgets(line, sizeof line, stdin)) {
		printf("read failed\n");
		return 1;
	}
	printf("got %s", line);
	return 0;
}
