/* syscalls: calls getppid(2) once (gdb's `catch syscall getppid`), then
 * prints "ppid ok". */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	pid_t pp = getppid();
	printf("ppid %s\n", pp > 0 ? "ok" : "bad");
	return 0;
}
