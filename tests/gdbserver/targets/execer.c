/* execer: calls before_exec(), then executes argv[1] with the rest of the
 * arguments. */
#include <stdio.h>
#include <unistd.h>

void before_exec(void)
{
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	before_exec();
	execv(argv[1], argv + 1);
	perror("execv");
	return 1;
}
