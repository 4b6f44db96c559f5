/*
 * agent.h - gdb's agent-expression bytecode, evaluated in the server for
 * target-side breakpoint conditions (qSupported "ConditionalBreakpoints+":
 * a Z0/Z1 packet then carries its conditions as ";X<len>,<hex bytes>").
 *
 * The bytecode is the one of the gdb manual's "Agent Expressions"
 * appendix: a stack machine over 64-bit integers; operands inside the
 * bytecode are big-endian, target memory (ref8..ref64) is read
 * little-endian (x86).  Floating point, trace state variables and printf
 * are not supported (an error); the trace opcodes pop what they should and
 * record nothing (a condition has no use for them).
 *
 * Nothing here knows a process: registers and memory come through the
 * caller's callbacks.
 */
#ifndef GS_AGENT_H
#define GS_AGENT_H

#include <stddef.h>
#include <stdint.h>

/* Limits: bytes of one expression, conditions on one breakpoint, stack
 * entries, and opcodes executed in one evaluation (a backward goto must
 * not hang the server). */
#define GS_AGENT_MAX_CODE  4096
#define GS_AGENT_MAX_CONDS 32
#define GS_AGENT_STACK     1024
#define GS_AGENT_MAX_STEPS 100000

/* Errors of gs_agent_eval (all negative). */
enum gs_agent_err {
	GS_AGENT_OK = 0,
	GS_AGENT_EBADOP = -1,     /* unknown opcode, or one not supported */
	GS_AGENT_ETRUNC = -2,     /* an operand or the code runs past the end */
	GS_AGENT_EUNDERFLOW = -3, /* popped (or picked) below the bottom */
	GS_AGENT_EOVERFLOW = -4,  /* more than GS_AGENT_STACK entries */
	GS_AGENT_EJUMP = -5,      /* goto/if_goto past the end of the code */
	GS_AGENT_EMEM = -6,       /* the memory callback failed (or none) */
	GS_AGENT_EREG = -7,       /* the register callback failed (or none) */
	GS_AGENT_EDIV = -8,       /* division or remainder by zero */
	GS_AGENT_ESTEPS = -9,     /* GS_AGENT_MAX_STEPS opcodes executed */
	GS_AGENT_EUNSUP = -10,    /* float, getv/setv, printf */
	GS_AGENT_EINVAL = -11,    /* bad arguments, bad operand (ext 0) */
};

/* Where the evaluation reads the stopped thread's state.
 *   reg: the register numbered as in gdb's remote protocol (the number of
 *        the 'p' packet, the target description's order), its value
 *        zero-extended into *val; 0, or -1 for no such register.
 *   mem: len bytes of the target's memory at addr into buf; 0 or -1.
 * Either may be NULL (the opcodes needing it then fail). */
struct gs_agent_ctx {
	void *user;
	int (*reg)(void *user, int regnum, uint64_t *val);
	int (*mem)(void *user, uint64_t addr, void *buf, size_t len);
};

/* Run len bytes of bytecode.  Returns 0 with *result the top of the
 * stack at the `end` opcode, or a gs_agent_err.  Running off the end of
 * the code without `end` is GS_AGENT_ETRUNC; `end` on an empty stack is
 * GS_AGENT_EUNDERFLOW. */
int gs_agent_eval(const unsigned char *code, size_t len,
		  const struct gs_agent_ctx *ctx, int64_t *result);

/* A short name for an error, for logs ("stack underflow", ...). */
const char *gs_agent_strerror(int err);

/* The conditions of one breakpoint. */
struct gs_agent_cond {
	unsigned char *code;
	size_t len;
};
struct gs_agent_conds {
	struct gs_agent_cond *v;  /* malloc'd, n entries, each code malloc'd */
	size_t n;
};

/* Parse the conditions at p, the text of a Z packet after "addr,kind":
 * "" (none), or ';' then one or more "X<len>,<2*len hex digits>" (len in
 * hex), with or without a ';' between them (gdb 13 sends them back to
 * back: ";X5,2201230027X3,220227"), possibly followed by ";cmds:..."
 * (breakpoint commands: not conditions, not parsed).  On success returns
 * 0, *out holds the conditions (n may be 0) and *rest (if rest is not
 * NULL) points at what was not parsed: "" or the "cmds:..." token.  On
 * malformed input (odd or non-hex digits, a length that does not match,
 * an expression longer than GS_AGENT_MAX_CODE bytes or more than
 * GS_AGENT_MAX_CONDS of them, an unknown token) or out of memory, returns
 * -1 with *out empty.  out need not be initialised; free it with
 * gs_agent_conds_free. */
int gs_agent_parse_conds(const char *p, struct gs_agent_conds *out,
			 const char **rest);
void gs_agent_conds_free(struct gs_agent_conds *c);

/* Should the breakpoint with these conditions report its stop?  gdb's
 * rule for target-side conditions: true if there are none, if any of them
 * evaluates to non-zero, or if one cannot be evaluated (an error: gdb then
 * sees the stop and the user sees why).  *first_err (if not NULL) is the
 * first evaluation error, or 0. */
int gs_agent_conds_true(const struct gs_agent_conds *c,
			const struct gs_agent_ctx *ctx, int *first_err);

/* The evaluator's and parser's self-test (--selftest): returns the number
 * of checks, *failed those that failed. */
int gs_agent_selftest(int *failed);

#endif
