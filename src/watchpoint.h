/*
 * watchpoint.h - diagnostics of the hardware watchpoints, for the test
 * suite (which links the static library).  Not part of the public API and
 * not exported from the shared library.
 */
#ifndef PT_WATCHPOINT_H
#define PT_WATCHPOINT_H

#include <stdbool.h>
#include <stdint.h>

#include "proctrace.h"

/* Read (write == false) or write debug register n of the stopped thread t,
 * as the kernel holds it (x86: DR0-DR3, DR6, DR7), on the tracer thread.
 * 0 or a PT_E* code. */
int pt__thread_debugreg(pt_thread *t, int n, uint64_t *val, bool write);

#endif
