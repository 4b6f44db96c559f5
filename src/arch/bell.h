/*
 * bell.h - the doorbell child's code (x86_64_bell.c) and its program image.
 */
#ifndef PT_ARCH_BELL_H
#define PT_ARCH_BELL_H

#include <stddef.h>

/* The doorbell's loop on pipe fd; parent is the pid getppid() must give.
 * Raw system calls only: safe in a child of _Fork, never returns. */
__attribute__((noreturn)) void pt__bell_loop(int fd, long parent);
/* The same code as a static program of its own (Makefile: generated). */
extern const unsigned char pt__bell_image[];
extern const size_t pt__bell_image_len;
/* The doorbell's name (comm), for ps and for the tests. */
#define PT__BELL_NAME "pt-doorbell"

#endif
